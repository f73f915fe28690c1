/*
 * auth.h: who may write to a shared ledger: bearer tokens, parties, roles
 * (waybilld, `waybill token new`; docs/server.md).
 *
 * A tokens file holds one line per token, the token itself never: only its
 * SHA-256.
 *
 *     # comments and blank lines are ignored
 *     acme-release submit sha256:<64 hex>
 *     cert-team    witness,admin sha256:<64 hex>
 *     build-farm   submit cert-sha256:<64 hex>
 *
 * A cert-sha256 line names a TLS client certificate (mutual TLS) by the
 * SHA-256 of its DER encoding, lower-case hex; the server verifies the
 * certificate's chain, the file says whose it is. A party may have several
 * lines (several tokens or certificates, e.g. during rotation).
 * Roles: submit (append entries), witness (POST /add-checkpoint), admin.
 */
#ifndef WAYBILL_AUTH_H
#define WAYBILL_AUTH_H

#include "common.h"

WB_BEGIN_DECLS

#define WB_ROLE_SUBMIT  1u
#define WB_ROLE_WITNESS 2u
#define WB_ROLE_ADMIN   4u

/* Bound on a tokens file and on a party name; the length of a certificate
 * digest (SHA-256). */
#define WB_TOKENS_MAX_SIZE ((size_t)4 << 20)
#define WB_PARTY_MAX       128
#define WB_CERT_DIGEST_LEN 32

typedef struct wb_tokens wb_tokens;

/* A fresh random bearer token (NUL-terminated, wb_free()). */
WB_EXTERN int wb_token_generate(char **out);

/* The tokens-file line for `token` held by `party` with `roles` (a mask of
 * WB_ROLE_*): "party roles sha256:hex" without a newline (wb_free()).
 * WB_EINVAL for a party name that is empty, too long, or holds anything but
 * letters, digits, '.', '_', '-', '@'. */
WB_EXTERN int wb_token_line(char **out, const char *token, const char *party, unsigned roles);

/* Parse role names "submit,witness" into a mask (WB_EFORMAT names an
 * unknown one). */
WB_EXTERN int wb_roles_parse(unsigned *out, const char *text);

/* Load a tokens file strictly (WB_EFORMAT names the line that is wrong).
 * A file that group or others may write is refused (WB_EPERM). */
WB_EXTERN int wb_tokens_load(wb_tokens **out, const char *path);
/* The same from a buffer; `name` is used in messages. */
WB_EXTERN int wb_tokens_parse(wb_tokens **out, const char *text, size_t len, const char *name);

/* Look a presented bearer token up: 0 with the party (borrowed from
 * `tokens`) and its roles when it is known; WB_ENOTFOUND otherwise. Every
 * stored hash is compared, in constant time, whatever matches. */
WB_EXTERN int wb_tokens_check(const wb_tokens *tokens, const char *token, const char **party_out,
                              unsigned *roles_out);

/* Look a verified client certificate up by the SHA-256 of its DER
 * (`len` must be WB_CERT_DIGEST_LEN): 0 with the party (borrowed from
 * `tokens`) and its roles when a cert-sha256 line names it; WB_ENOTFOUND
 * otherwise. Only certificate lines are looked at, every one compared in
 * constant time, whatever matches. The caller must have verified the
 * certificate (its chain to a trusted CA): this only maps it to a party. */
WB_EXTERN int wb_tokens_check_cert(const wb_tokens *tokens, const unsigned char *cert_sha256,
                                   size_t len, const char **party_out, unsigned *roles_out);

/* The tokens-file line "party roles cert-sha256:hex" for the certificate
 * whose DER has SHA-256 `cert_sha256` (`len` WB_CERT_DIGEST_LEN), without
 * a newline (wb_free()). WB_EINVAL as wb_token_line(). */
WB_EXTERN int wb_cert_line(char **out, const unsigned char *cert_sha256, size_t len,
                           const char *party, unsigned roles);

/* How many lines (tokens and certificates) `tokens` holds. */
WB_EXTERN size_t wb_tokens_count(const wb_tokens *tokens);

WB_EXTERN void wb_tokens_free(wb_tokens *tokens);

WB_END_DECLS

#endif
