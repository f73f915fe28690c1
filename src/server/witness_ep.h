/*
 * witness_ep.h: waybilld's witness endpoint, POST /add-checkpoint
 * (c2sp.org/tlog-witness; docs/server.md).
 *
 * The witness configuration (its cosigning key, its state directory, the
 * logs it witnesses) and the answer to one request body, as a status, a
 * content type and a body: no HTTP here, so that waybilld.c only sends what
 * this decides.
 */
#ifndef WAYBILLD_WITNESS_EP_H
#define WAYBILLD_WITNESS_EP_H

#include <stddef.h>
#include <stdint.h>

/* Bounds: the logs one witness serves, and a request body (an old size
 * line, at most 63 proof lines, a checkpoint with a few signatures). */
#define WBD_WITNESS_MAX_LOGS 64
#define WBD_WITNESS_BODY_MAX ((size_t)64 << 10)

typedef struct wbd_witness wbd_witness;

/* Load the witness: `key_path` a note signer key of type 0x04
 * ("PRIVATE+KEY+name+id+..."), or a `waybill keygen` Ed25519 key with
 * `name`; `logs` the log verifier keys ("name+id+base64", or files holding
 * one), one per origin; `state_dir` the state (created 0700 when missing,
 * on first use). Errors are printed on stderr, naming the file or key;
 * returns 0 or -1. */
int wbd_witness_new(wbd_witness **out, const char *key_path, const char *name,
                    const char *state_dir, const char *const *logs, size_t n_logs);

void wbd_witness_free(wbd_witness *witness);

/* The witness's name and verifier key ("name+id+base64"), for the start
 * line. */
const char *wbd_witness_vkey(const wbd_witness *witness);

/* The answer to one add-checkpoint request. */
typedef struct wbd_witness_reply {
    unsigned status;          /* 200, 400, 403, 404, 409, 422, 500 */
    const char *content_type; /* 200 and 409 with a size: the body's type;
                               * NULL: a JSON error with `error` and `detail` */
    char *body;               /* malloc()ed, when content_type is set */
    size_t body_len;
    const char *error; /* short name */
    char detail[512];  /* for people; logged for 500 */
} wbd_witness_reply;

/* Answer the request body `body` of `len` bytes, cosigning at `now`
 * (POSIX seconds). Always fills *out; release with
 * wbd_witness_reply_clear(). Safe to call from several threads at once:
 * the library serializes on the state directory's lock. */
void wbd_witness_answer(wbd_witness_reply *out, const wbd_witness *witness, const char *body,
                        size_t len, uint64_t now);

void wbd_witness_reply_clear(wbd_witness_reply *reply);

#endif
