/*
 * route.c: waybilld's routing table (route.h; docs/server.md).
 *
 * The paths are few and fixed, so the table is plain code: compare the
 * path, check the method, then read the parameters. Numbers are strict
 * (decimal, no sign, no leading zeros, at most UINT64_MAX) so that one
 * index has one spelling and a cache never holds two copies of a proof.
 * Tile paths go to wb_ledger_tile_path_parse(), which accepts only the
 * canonical C2SP spelling the ledger writes: no "..", no "//", nothing
 * else under tile/. Routes that take query arguments refuse unknown and
 * repeated ones; the static-file routes (checkpoint, tiles) ignore them,
 * as a file server would.
 */
#include "route.h"

#include <string.h>
#include <strings.h>
#include <waybill/ledger.h>

#define ALLOW_GET  "GET, HEAD"
#define ALLOW_POST "POST"

static wbd_route_id fail(wbd_route *out, unsigned status, const char *error, const char *detail)
{
    out->id = WBD_ROUTE_ERROR;
    out->status = status;
    out->error = error;
    out->detail = detail;
    return out->id;
}

static wbd_route_id bad_request(wbd_route *out, const char *detail)
{
    return fail(out, 400, "bad_request", detail);
}

static wbd_route_id not_found(wbd_route *out, const char *detail)
{
    return fail(out, 404, "not_found", detail);
}

static wbd_route_id wrong_method(wbd_route *out, const char *allow)
{
    out->allow = allow;
    return fail(out, 405, "method_not_allowed", "this resource does not take that method");
}

bool wbd_parse_u64(uint64_t *out, const char *text)
{
    uint64_t value = 0;
    size_t i;

    if (!text || !text[0])
        return false;
    if (text[0] == '0' && text[1])
        return false;
    for (i = 0; text[i]; i++) {
        unsigned digit;
        if (text[i] < '0' || text[i] > '9')
            return false;
        digit = (unsigned)(text[i] - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    *out = value;
    return true;
}

/* The query arguments a route takes: each name at most once, no others.
 * values[i] gets the value of names[i] (NULL when absent). */
static bool read_args(wbd_route *out, const char **values, const char *const *names, size_t n_names,
                      const wbd_query_arg *args, size_t n_args)
{
    size_t i, j;

    for (j = 0; j < n_names; j++)
        values[j] = NULL;
    if (n_args > WBD_QUERY_MAX) {
        bad_request(out, "too many query arguments");
        return false;
    }
    for (i = 0; i < n_args; i++) {
        for (j = 0; j < n_names; j++)
            if (args[i].key && strcmp(args[i].key, names[j]) == 0)
                break;
        if (j == n_names) {
            bad_request(out, "unknown query argument");
            return false;
        }
        if (values[j]) {
            bad_request(out, "repeated query argument");
            return false;
        }
        if (!args[i].value) {
            bad_request(out, "query argument without a value");
            return false;
        }
        values[j] = args[i].value;
    }
    return true;
}

/* An optional positive number (0 when absent). */
static bool read_size(wbd_route *out, uint64_t *value, const char *text, const char *detail)
{
    *value = 0;
    if (!text)
        return true;
    if (!wbd_parse_u64(value, text) || *value == 0) {
        bad_request(out, detail);
        return false;
    }
    return true;
}

static wbd_route_id route_inclusion(wbd_route *out, const wbd_query_arg *args, size_t n_args)
{
    static const char *const names[] = {"index", "size"};
    const char *values[2];

    if (!read_args(out, values, names, 2, args, n_args))
        return out->id;
    if (!values[0])
        return bad_request(out, "index: missing");
    if (!wbd_parse_u64(&out->index, values[0]))
        return bad_request(out, "index: not a decimal number from 0 to 2^64-1");
    if (!read_size(out, &out->size, values[1], "size: not a decimal number from 1 to 2^64-1"))
        return out->id;
    out->id = WBD_ROUTE_PROOF_INCLUSION;
    return out->id;
}

static wbd_route_id route_consistency(wbd_route *out, const wbd_query_arg *args, size_t n_args)
{
    static const char *const names[] = {"from", "to"};
    const char *values[2];

    if (!read_args(out, values, names, 2, args, n_args))
        return out->id;
    if (!values[0])
        return bad_request(out, "from: missing");
    if (!read_size(out, &out->from, values[0], "from: not a decimal number from 1 to 2^64-1") ||
        !read_size(out, &out->to, values[1], "to: not a decimal number from 1 to 2^64-1"))
        return out->id;
    out->id = WBD_ROUTE_PROOF_CONSISTENCY;
    return out->id;
}

static wbd_route_id route_search(wbd_route *out, const wbd_query_arg *args, size_t n_args)
{
    static const char *const names[] = {"digest"};
    const char *values[1];
    const char *hex;
    size_t i;

    if (!read_args(out, values, names, 1, args, n_args))
        return out->id;
    if (!values[0])
        return bad_request(out, "digest: missing");
    if (strncasecmp(values[0], "sha256:", 7) != 0)
        return bad_request(out, "digest: not sha256:HEX");
    hex = values[0] + 7;
    if (strlen(hex) != 64)
        return bad_request(out, "digest: not 64 hex digits");
    for (i = 0; i < 64; i++) {
        char c = hex[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return bad_request(out, "digest: not 64 hex digits");
        out->digest_hex[i] = c;
    }
    out->digest_hex[64] = '\0';
    out->id = WBD_ROUTE_SEARCH;
    return out->id;
}

wbd_route_id wbd_route_parse(wbd_route *out, const char *method, const char *path,
                             const wbd_query_arg *args, size_t n_args)
{
    bool get, post;

    memset(out, 0, sizeof(*out));
    if (!method || !path || (n_args && !args))
        return bad_request(out, "no method or path");
    if (strnlen(path, WBD_PATH_MAX + 1) > WBD_PATH_MAX)
        return not_found(out, "path too long");
    out->head = strcmp(method, "HEAD") == 0;
    get = out->head || strcmp(method, "GET") == 0;
    post = strcmp(method, "POST") == 0;

    if (strcmp(path, "/checkpoint") == 0) {
        if (!get)
            return wrong_method(out, ALLOW_GET);
        out->id = WBD_ROUTE_CHECKPOINT;
        return out->id;
    }
    if (strncmp(path, "/tile/", 6) == 0) {
        if (!wb_ledger_tile_path_parse(path + 1, &out->tile_level, &out->tile_n, &out->tile_width))
            return not_found(out, "no such tile");
        if (!get)
            return wrong_method(out, ALLOW_GET);
        out->tile_path = path + 1;
        out->id = WBD_ROUTE_TILE;
        return out->id;
    }
    if (strcmp(path, "/add-checkpoint") == 0) {
        if (!post)
            return wrong_method(out, ALLOW_POST);
        out->id = WBD_ROUTE_ADD_CHECKPOINT;
        return out->id;
    }
    if (strcmp(path, "/v1/entries") == 0) {
        if (!post)
            return wrong_method(out, ALLOW_POST);
        out->id = WBD_ROUTE_SUBMIT;
        return out->id;
    }
    if (strncmp(path, "/v1/entries/", 12) == 0) {
        if (!get)
            return wrong_method(out, ALLOW_GET);
        if (!wbd_parse_u64(&out->index, path + 12))
            return bad_request(out, "index: not a decimal number from 0 to 2^64-1");
        out->id = WBD_ROUTE_ENTRY;
        return out->id;
    }
    if (strcmp(path, "/v1/proof/inclusion") == 0) {
        if (!get)
            return wrong_method(out, ALLOW_GET);
        return route_inclusion(out, args, n_args);
    }
    if (strcmp(path, "/v1/proof/consistency") == 0) {
        if (!get)
            return wrong_method(out, ALLOW_GET);
        return route_consistency(out, args, n_args);
    }
    if (strcmp(path, "/v1/search") == 0) {
        if (!get)
            return wrong_method(out, ALLOW_GET);
        return route_search(out, args, n_args);
    }
    return not_found(out, "no such resource");
}
