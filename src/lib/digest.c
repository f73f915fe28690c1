/*
 * digest.c: SHA-256 / SHA-512 over OpenSSL EVP, hex, constant-time compare.
 *
 * The EVP_MD objects are fetched once (EVP_MD_fetch is not free) and shared:
 * they are immutable and thread-safe. Files are read in 1 MiB blocks with
 * posix_fadvise(SEQUENTIAL) so the kernel reads ahead; the block size was
 * chosen so one read() amortises its syscall against ~0.5 ms of SHA-NI work.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "internal.h"

#define WB_DIGEST_BLOCK (1u << 20)

struct wb_digest_ctx {
    EVP_MD_CTX *md_ctx;
    const EVP_MD *md;
    wb_digest_alg alg;
};

static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256, *md_sha512;

static void fetch_mds(void)
{
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    md_sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
}

static const EVP_MD *md_for(wb_digest_alg alg)
{
    pthread_once(&md_once, fetch_mds);
    switch (alg) {
    case WB_DIGEST_SHA256:
        return md_sha256;
    case WB_DIGEST_SHA512:
        return md_sha512;
    default:
        return NULL;
    }
}

size_t wb_digest_size(wb_digest_alg alg)
{
    switch (alg) {
    case WB_DIGEST_SHA256:
        return WB_SHA256_LEN;
    case WB_DIGEST_SHA512:
        return WB_SHA512_LEN;
    default:
        return 0;
    }
}

const char *wb_digest_name(wb_digest_alg alg)
{
    switch (alg) {
    case WB_DIGEST_SHA256:
        return "sha256";
    case WB_DIGEST_SHA512:
        return "sha512";
    default:
        return NULL;
    }
}

int wb_digest_from_name(wb_digest_alg *out, const char *name)
{
    if (!out || !name)
        return wb_error_set(WB_EINVAL, "digest: no algorithm name");
    if (strcmp(name, "sha256") == 0)
        *out = WB_DIGEST_SHA256;
    else if (strcmp(name, "sha512") == 0)
        *out = WB_DIGEST_SHA512;
    else
        return wb_error_set(WB_EUNSUPPORTED, "digest: unsupported algorithm '%s'", name);
    return 0;
}

int wb_digest_new(wb_digest_ctx **out, wb_digest_alg alg)
{
    wb_digest_ctx *ctx;
    const EVP_MD *md;

    if (!out)
        return wb_error_set(WB_EINVAL, "digest: no output");
    *out = NULL;
    md = md_for(alg);
    if (!md)
        return wb_error_set(WB_EINVAL, "digest: unknown algorithm %d", (int)alg);
    ctx = wb_calloc(1, sizeof(*ctx));
    if (!ctx)
        return wb_error_set(WB_ENOMEM, "digest: out of memory");
    ctx->md = md;
    ctx->alg = alg;
    ctx->md_ctx = EVP_MD_CTX_new();
    if (!ctx->md_ctx || EVP_DigestInit_ex(ctx->md_ctx, md, NULL) != 1) {
        wb_digest_free(ctx);
        return wb_error_set(WB_ECRYPTO, "digest: cannot start %s", wb_digest_name(alg));
    }
    *out = ctx;
    return 0;
}

int wb_digest_update(wb_digest_ctx *ctx, const void *data, size_t len)
{
    if (!ctx || (!data && len))
        return wb_error_set(WB_EINVAL, "digest: invalid argument");
    if (EVP_DigestUpdate(ctx->md_ctx, data, len) != 1)
        return wb_error_set(WB_ECRYPTO, "digest: update failed");
    return 0;
}

int wb_digest_final(wb_digest_ctx *ctx, unsigned char *out)
{
    if (!ctx || !out)
        return wb_error_set(WB_EINVAL, "digest: invalid argument");
    if (EVP_DigestFinal_ex(ctx->md_ctx, out, NULL) != 1 ||
        EVP_DigestInit_ex(ctx->md_ctx, ctx->md, NULL) != 1)
        return wb_error_set(WB_ECRYPTO, "digest: final failed");
    return 0;
}

void wb_digest_free(wb_digest_ctx *ctx)
{
    if (!ctx)
        return;
    EVP_MD_CTX_free(ctx->md_ctx);
    wb_free(ctx);
}

int wb_digest_buffer(unsigned char *out, wb_digest_alg alg, const void *data, size_t len)
{
    const EVP_MD *md = md_for(alg);
    if (!md || !out || (!data && len))
        return wb_error_set(WB_EINVAL, "digest: invalid argument");
    if (EVP_Digest(data, len, out, NULL, md, NULL) != 1)
        return wb_error_set(WB_ECRYPTO, "digest: %s failed", wb_digest_name(alg));
    return 0;
}

int wb_digest_fd_buffered(unsigned char *out, uint64_t *bytes_out, wb_digest_ctx *ctx, int fd,
                          unsigned char *buf, size_t buf_size, const char *name)
{
    uint64_t total = 0;
    int rc;

    if (EVP_DigestInit_ex(ctx->md_ctx, ctx->md, NULL) != 1)
        return wb_error_set(WB_ECRYPTO, "%s: digest init failed", name);
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    for (;;) {
        ssize_t n = read(fd, buf, buf_size);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return wb_error_set(WB_EIO, "%s: %s", name, strerror(errno));
        }
        if (EVP_DigestUpdate(ctx->md_ctx, buf, (size_t)n) != 1)
            return wb_error_set(WB_ECRYPTO, "%s: digest update failed", name);
        total += (uint64_t)n;
    }
    rc = wb_digest_final(ctx, out);
    if (rc == 0 && bytes_out)
        *bytes_out = total;
    return rc;
}

int wb_digest_fd(unsigned char *out, uint64_t *bytes_out, wb_digest_alg alg, int fd,
                 const char *name)
{
    wb_digest_ctx *ctx = NULL;
    unsigned char *block = NULL;
    int rc;

    if (!out || fd < 0)
        return wb_error_set(WB_EINVAL, "digest: invalid argument");
    rc = wb_digest_new(&ctx, alg);
    if (rc < 0)
        return rc;
    block = wb_malloc(WB_DIGEST_BLOCK);
    if (!block) {
        rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    rc = wb_digest_fd_buffered(out, bytes_out, ctx, fd, block, WB_DIGEST_BLOCK, name);
out:
    wb_free(block);
    wb_digest_free(ctx);
    return rc;
}

int wb_digest_file(unsigned char *out, uint64_t *bytes_out, wb_digest_alg alg, const char *path)
{
    struct stat st;
    int fd, rc;

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return wb_error_set(errno == ENOENT ? WB_ENOTFOUND : WB_EIO, "%s: %s", path,
                            errno == ELOOP ? "is a symbolic link; not following it"
                                           : strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return wb_error_set(WB_EIO, "%s: not a regular file", path);
    }
    rc = wb_digest_fd(out, bytes_out, alg, fd, path);
    close(fd);
    return rc;
}

void wb_hex_encode(char *out, const unsigned char *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int wb_hex_decode(unsigned char *out, size_t out_cap, size_t *out_len, const char *hex,
                  size_t hex_len)
{
    size_t i;
    if (!out || !hex)
        return wb_error_set(WB_EINVAL, "hex: invalid argument");
    if (hex_len % 2 != 0)
        return wb_error_set(WB_EFORMAT, "hex: odd length %zu", hex_len);
    if (hex_len / 2 > out_cap)
        return wb_error_set(WB_ELIMIT, "hex: %zu bytes do not fit in %zu", hex_len / 2, out_cap);
    for (i = 0; i < hex_len; i += 2) {
        int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0)
            return wb_error_set(WB_EFORMAT, "hex: invalid character at offset %zu",
                                hi < 0 ? i : i + 1);
        out[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    if (out_len)
        *out_len = hex_len / 2;
    return 0;
}

int wb_digest_equal(const void *a, const void *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}
