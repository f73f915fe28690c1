/*
 * route.h: waybilld's routing, as a pure function (docs/server.md).
 *
 * wbd_route() maps a method, a decoded URL path and the query arguments to
 * a route and its parameters, checked and bounded, or to the error status
 * the server answers with (400, 404, 405 with the Allow header). It does no
 * I/O and allocates nothing, so that it can be fuzzed on its own
 * (fuzz/fuzz_route.c): every string it hands back points into its inputs
 * or is a constant.
 */
#ifndef WAYBILLD_ROUTE_H
#define WAYBILLD_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds on what is routed at all. */
#define WBD_PATH_MAX  512
#define WBD_QUERY_MAX 8

typedef enum {
    WBD_ROUTE_ERROR = 0,         /* answer `status` with `detail` (and `allow` for 405) */
    WBD_ROUTE_CHECKPOINT,        /* GET /checkpoint */
    WBD_ROUTE_TILE,              /* GET /tile/... (tile_path) */
    WBD_ROUTE_ENTRY,             /* GET /v1/entries/{index} */
    WBD_ROUTE_SUBMIT,            /* POST /v1/entries */
    WBD_ROUTE_PROOF_INCLUSION,   /* GET /v1/proof/inclusion?index=&size= */
    WBD_ROUTE_PROOF_CONSISTENCY, /* GET /v1/proof/consistency?from=&to= */
    WBD_ROUTE_SEARCH,            /* GET /v1/search?digest=sha256:HEX */
    WBD_ROUTE_ADD_CHECKPOINT,    /* POST /add-checkpoint (c2sp.org/tlog-witness) */
} wbd_route_id;

/* One decoded query argument (value NULL when the argument had no '='). */
typedef struct wbd_query_arg {
    const char *key;
    const char *value;
} wbd_query_arg;

typedef struct wbd_route {
    wbd_route_id id;
    bool head; /* a HEAD request of a GET route: headers only */
    /* WBD_ROUTE_ERROR */
    unsigned status;    /* 400, 404 or 405 */
    const char *error;  /* short name: "bad_request", "not_found", ... */
    const char *detail; /* what is wrong, for people (a constant) */
    const char *allow;  /* 405: the Allow header */
    /* WBD_ROUTE_TILE: the path below the ledger directory ("tile/..."),
     * pointing into the given path, and what it names */
    const char *tile_path;
    int tile_level; /* -1: an entry bundle */
    uint64_t tile_n;
    unsigned tile_width; /* 256: a full tile */
    /* WBD_ROUTE_ENTRY, WBD_ROUTE_PROOF_INCLUSION: index; size 0 = current */
    uint64_t index, size;
    /* WBD_ROUTE_PROOF_CONSISTENCY: to 0 = current */
    uint64_t from, to;
    /* WBD_ROUTE_SEARCH: lower-case hex of the digest, NUL-terminated */
    char digest_hex[65];
} wbd_route;

/* Route a request. `method` and `path` are NUL-terminated (the path as
 * decoded, starting with '/'); `args` the `n_args` query arguments.
 * Always fills *out; returns out->id. */
wbd_route_id wbd_route_parse(wbd_route *out, const char *method, const char *path,
                             const wbd_query_arg *args, size_t n_args);

/* A decimal number without sign or leading zeros ("0" is one), at most
 * UINT64_MAX. */
bool wbd_parse_u64(uint64_t *out, const char *text);

#endif
