/*
 * http.h: the `waybill` tool's HTTP client (libcurl), for talking to
 * waybilld (docs/server.md) and to C2SP tlog-witnesses.
 *
 * Only the command links libcurl; libwaybill stays free of it and
 * everything fetched is checked with the library's verifiers before it is
 * trusted or written. See http.c for the policy (HTTPS, or plain HTTP to a
 * loopback address only; bounded responses; timeouts; bounded retries of
 * 503 with Retry-After; no redirects).
 */
#ifndef WAYBILL_CLI_HTTP_H
#define WAYBILL_CLI_HTTP_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

/* How to reach a server: the command-line options shared by every command
 * that talks HTTP. Strings are borrowed from argv, except `token`. */
typedef struct {
    const char *server;      /* --server URL (base URL, no trailing path needed) */
    const char *token_file;  /* --token-file FILE */
    const char *cacert;      /* --cacert FILE: CA bundle for HTTPS */
    const char *client_cert; /* --client-cert FILE: mutual TLS */
    const char *client_key;  /* --client-key FILE */
    long timeout;            /* --timeout SECONDS, whole request (default 60) */
    char *token;             /* the bearer token once loaded (cli_http_load_token) */
} cli_http_config;

/* getopt_long codes of the shared options. */
enum {
    CLI_OPT_SERVER = 3000,
    CLI_OPT_TOKEN_FILE,
    CLI_OPT_CACERT,
    CLI_OPT_CLIENT_CERT,
    CLI_OPT_CLIENT_KEY,
    CLI_OPT_TIMEOUT,
};

/* The shared options, for a command's `struct option` table. */
/* clang-format off */
#define CLI_HTTP_LONG_OPTIONS                                                                      \
    {"server", required_argument, NULL, CLI_OPT_SERVER},                                           \
        {"token-file", required_argument, NULL, CLI_OPT_TOKEN_FILE},                               \
        {"cacert", required_argument, NULL, CLI_OPT_CACERT},                                       \
        {"client-cert", required_argument, NULL, CLI_OPT_CLIENT_CERT},                             \
        {"client-key", required_argument, NULL, CLI_OPT_CLIENT_KEY},                               \
        {"timeout", required_argument, NULL, CLI_OPT_TIMEOUT}
/* clang-format on */

/* The usage lines of the shared options. */
#define CLI_HTTP_USAGE                                                                             \
    "      --cacert FILE        CA certificates for an https:// server (default: the\n"            \
    "                           system's)\n"                                                       \
    "      --client-cert FILE, --client-key FILE\n"                                                \
    "                           TLS client certificate and key (mutual TLS)\n"                     \
    "      --timeout SECONDS    give up on a request after this long (default 60)\n"

/* When `opt` is one of the shared options, store `arg` in `cfg` and return
 * EXIT_OK, or a usage error (reported) for a bad value; -1 when `opt` is
 * not one of them. */
int cli_http_parse_option(cli_http_config *cfg, int opt, const char *arg, const char *cmd_name);

/* Whether any option but --server was given (they need --server). */
bool cli_http_has_options(const cli_http_config *cfg);

/* Check --server (https://, or http:// to a loopback address) and load the
 * token file when one was given. Returns an exit status; errors reported. */
int cli_http_prepare(cli_http_config *cfg, bool need_token, const char *cmd_name);

/* Wipe and free the token. */
void cli_http_config_clear(cli_http_config *cfg);

/* Read a bearer token from `path`: the first line, surrounding whitespace
 * trimmed; it must be printable ASCII without spaces. A file that group or
 * others may read is refused. *out is malloc()ed (wipe before free()).
 * Returns an exit status; errors reported. */
int cli_http_load_token(char **out, const char *path);

/* An answer. `body` is NUL-terminated (malloc()ed); `url` the full URL. */
typedef struct {
    long status;
    char *body;
    size_t len;
    char *content_type; /* NULL when the answer had none */
    char *url;
    const char *method;
} cli_http_response;

void cli_http_response_clear(cli_http_response *resp);

/* GET base + path, refusing a body larger than `max` bytes. Returns EXIT_OK
 * with *out filled whatever the status (check out->status), or an exit
 * status with the transport error reported ("GET URL: ..."). */
int cli_http_get(cli_http_response *out, const cli_http_config *cfg, const char *path, size_t max);

/* POST `body` (len bytes, of `content_type`) to base + path, with the bearer
 * token when one was loaded; the same contract as cli_http_get(). */
int cli_http_post(cli_http_response *out, const cli_http_config *cfg, const char *path,
                  const char *content_type, const void *body, size_t len, size_t max);

/* Report an answer that is not the one expected: "METHOD URL: HTTP 401
 * (Unauthorized): <the server's JSON "detail", or the start of a text
 * body>", prefixed with `what` when not NULL. Returns the exit status: 1
 * for a refusal (4xx), 3 otherwise. */
int cli_http_fail_status(const cli_http_response *resp, const char *what);

/* Whether the answer's Content-Type is `type` (parameters ignored). */
bool cli_http_content_type_is(const cli_http_response *resp, const char *type);

/* --- waybilld (docs/server.md) --- */

/* Submit the envelope `data` (len bytes; `name` for messages) to POST
 * /v1/entries, and check the answer before anything is written: 201, the
 * bundle media type, a bundle that parses, whose envelope is exactly
 * `data`, and that verifies against `log_key` (checkpoint signature and
 * inclusion proof). *bundle_out gets the bundle, *text_out and *text_len its
 * bytes as served (malloc()ed). Returns an exit status; errors reported. */
int cli_server_submit(wb_bundle **bundle_out, char **text_out, size_t *text_len,
                      const cli_http_config *cfg, const wb_note_verifier *log_key, const void *data,
                      size_t len, const char *name);

/* GET /checkpoint and open it with `log_key` (signature and origin).
 * Returns an exit status: 1 when it does not verify; errors reported. */
int cli_server_checkpoint(wb_checkpoint **out, char **note_out, size_t *note_len,
                          const cli_http_config *cfg, const wb_note_verifier *log_key);

/* GET /v1/proof/consistency?from=&to= into *out, checking that it is the
 * proof between these sizes (the roots are the caller's to check). */
int cli_server_consistency(wb_witness_proof *out, const cli_http_config *cfg, uint64_t from,
                           uint64_t to);

/* Check that the server's current checkpoint, signed by `log_key`, is
 * consistent with `cp` (the same tree, or a larger tree with a consistency
 * proof that verifies from cp's root to the server's). *current_out (may be
 * NULL) gets the server's checkpoint. Returns an exit status: 1 when it is
 * not (another key, a fork, a rollback); errors reported. */
int cli_server_check_consistent(wb_checkpoint **current_out, const cli_http_config *cfg,
                                const wb_note_verifier *log_key, const wb_checkpoint *cp);

#endif
