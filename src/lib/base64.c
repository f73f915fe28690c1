/*
 * base64.c: RFC 4648 base64, strict.
 *
 * DSSE allows standard or URL-safe base64, padded or not, so the decoder
 * accepts either alphabet (but not both in one string) and optional padding;
 * it refuses whitespace, misplaced padding and non-zero trailing bits so that
 * one byte string has one accepted encoding per alphabet and padding choice.
 */
#include <string.h>

#include "internal.h"

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int wb_base64_encode(char **out, size_t *out_len, const void *data, size_t len)
{
    wb_buf buf = {0};
    int rc;

    *out = NULL;
    rc = wb_buf_base64(&buf, data, len);
    if (rc < 0) {
        wb_buf_free(&buf);
        return rc;
    }
    return wb_buf_detach(&buf, out, out_len);
}

int wb_buf_base64(wb_buf *buf, const void *data, size_t len)
{
    const unsigned char *in = data;
    size_t groups = len / 3 + (len % 3 != 0), size, i;
    char *o;

    if (wb_mul_overflows(groups, 4, &size))
        return wb_error_set(WB_ELIMIT, "base64: input too large");
    /* grow once, then write in place */
    if (wb_buf_reserve(buf, size) < 0)
        return WB_ENOMEM;
    o = buf->data + buf->len;
    for (i = 0; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *o++ = b64_std[v >> 18];
        *o++ = b64_std[(v >> 12) & 63];
        *o++ = b64_std[(v >> 6) & 63];
        *o++ = b64_std[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        *o++ = b64_std[v >> 18];
        *o++ = b64_std[(v >> 12) & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        *o++ = b64_std[v >> 18];
        *o++ = b64_std[(v >> 12) & 63];
        *o++ = b64_std[(v >> 6) & 63];
        *o++ = '=';
    }
    buf->len += size;
    return 0;
}

/* 0..63, or -1 for a character outside the alphabet; *url notes which one */
static int b64_value(unsigned char c, int *std, int *url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '/') {
        *std = 1;
        return c == '+' ? 62 : 63;
    }
    if (c == '-' || c == '_') {
        *url = 1;
        return c == '-' ? 62 : 63;
    }
    return -1;
}

int wb_base64_decode(unsigned char **out, size_t *out_len, const char *text, size_t len)
{
    size_t pad = 0, data_len, i, o = 0;
    int std = 0, url = 0;
    unsigned char *bytes;
    uint32_t acc = 0;
    int bits = 0;

    *out = NULL;
    while (pad < 2 && len > pad && text[len - 1 - pad] == '=')
        pad++;
    data_len = len - pad;
    if (pad && len % 4 != 0)
        return wb_error_set(WB_EFORMAT, "base64: padding in the wrong place");
    if (data_len % 4 == 1)
        return wb_error_set(WB_EFORMAT, "base64: truncated (length %zu)", len);
    bytes = wb_malloc(data_len / 4 * 3 + 3);
    if (!bytes)
        return wb_error_set(WB_ENOMEM, "base64: out of memory");
    for (i = 0; i < data_len; i++) {
        int v = b64_value((unsigned char)text[i], &std, &url);
        if (v < 0) {
            wb_free(bytes);
            return wb_error_set(WB_EFORMAT, "base64: invalid character at offset %zu", i);
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (std && url) {
        wb_free(bytes);
        return wb_error_set(WB_EFORMAT, "base64: mixes the standard and URL-safe alphabets");
    }
    if (acc != 0) {
        wb_free(bytes);
        return wb_error_set(WB_EFORMAT, "base64: non-zero trailing bits");
    }
    *out = bytes;
    *out_len = o;
    return 0;
}
