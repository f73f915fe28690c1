/*
 * digest.h: streaming SHA-256 and SHA-512, hex, constant-time compare.
 *
 * Built on OpenSSL's EVP interface, which picks the CPU's SHA extensions
 * (SHA-NI, ARMv8 SHA2) when present. Files are hashed in large blocks from a
 * descriptor, never read whole into memory.
 */
#ifndef WAYBILL_DIGEST_H
#define WAYBILL_DIGEST_H

#include "common.h"

WB_BEGIN_DECLS

typedef enum {
    WB_DIGEST_SHA256 = 1,
    WB_DIGEST_SHA512 = 2,
} wb_digest_alg;

#define WB_SHA256_LEN 32
#define WB_SHA512_LEN 64
#define WB_DIGEST_MAX 64
/* hex of the longest digest plus its terminating NUL */
#define WB_DIGEST_HEX_MAX (2 * WB_DIGEST_MAX + 1)

typedef struct wb_digest_ctx wb_digest_ctx;

/* Length in bytes of a digest of `alg`, or 0 for an unknown algorithm. */
WB_EXTERN size_t wb_digest_size(wb_digest_alg alg);

/* The in-toto / OCI name of `alg` ("sha256", "sha512"), or NULL. */
WB_EXTERN const char *wb_digest_name(wb_digest_alg alg);

/* Parse "sha256" / "sha512" into *out. WB_EUNSUPPORTED otherwise. */
WB_EXTERN int wb_digest_from_name(wb_digest_alg *out, const char *name);

/* Start a streaming digest. The caller frees it with wb_digest_free(). */
WB_EXTERN int wb_digest_new(wb_digest_ctx **out, wb_digest_alg alg);

/* Feed `len` bytes. */
WB_EXTERN int wb_digest_update(wb_digest_ctx *ctx, const void *data, size_t len);

/* Finish: write wb_digest_size() bytes to `out` (at least that long) and
 * reset the context so it can hash a new message. */
WB_EXTERN int wb_digest_final(wb_digest_ctx *ctx, unsigned char *out);

/* Free a context; NULL is a no-op. */
WB_EXTERN void wb_digest_free(wb_digest_ctx *ctx);

/* One-shot digest of a buffer into `out`. */
WB_EXTERN int wb_digest_buffer(unsigned char *out, wb_digest_alg alg, const void *data, size_t len);

/* Digest everything readable from `fd` (up to end of file) into `out`,
 * reading in large blocks; *bytes_out (may be NULL) receives the length.
 * `name` is used in error messages only. */
WB_EXTERN int wb_digest_fd(unsigned char *out, uint64_t *bytes_out, wb_digest_alg alg, int fd,
                           const char *name);

/* Digest the regular file at `path` (opened with O_NOFOLLOW). */
WB_EXTERN int wb_digest_file(unsigned char *out, uint64_t *bytes_out, wb_digest_alg alg,
                             const char *path);

/* Lower-case hex of `len` bytes into `out`, which must hold 2*len+1 chars. */
WB_EXTERN void wb_hex_encode(char *out, const unsigned char *in, size_t len);

/* Decode exactly `hex_len` hex digits (either case) into `out`, which holds
 * `out_cap` bytes; *out_len gets hex_len/2. WB_EFORMAT on an odd length or a
 * non-hex character, WB_ELIMIT when it does not fit. */
WB_EXTERN int wb_hex_decode(unsigned char *out, size_t out_cap, size_t *out_len, const char *hex,
                            size_t hex_len);

/* 1 when the `len` bytes at a and b are equal, else 0, in time that does not
 * depend on where they differ (CRYPTO_memcmp). */
WB_EXTERN WB_MUST_CHECK int wb_digest_equal(const void *a, const void *b, size_t len);

WB_END_DECLS

#endif
