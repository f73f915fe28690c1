/*
 * text.c: UTF-8 validation and escaping names for display.
 *
 * Validation follows RFC 3629 / Unicode table 3-7: shortest forms only, no
 * UTF-16 surrogates, nothing above U+10FFFF.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Decode one code point from s[0..len) (len >= 1) strictly per RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF. Returns the
 * number of bytes used, or 0 when the bytes are not valid UTF-8. */
size_t wb_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char lo = 0x80, hi = 0xbf;
    size_t need, i;
    uint32_t value;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        need = 1;
        value = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        need = 2;
        value = s[0] & 0x0fu;
        if (s[0] == 0xe0)
            lo = 0xa0; /* overlong */
        else if (s[0] == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        need = 3;
        value = s[0] & 0x07u;
        if (s[0] == 0xf0)
            lo = 0x90; /* overlong */
        else if (s[0] == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (len <= need)
        return 0;
    for (i = 1; i <= need; i++) {
        if (s[i] < lo || s[i] > hi)
            return 0;
        lo = 0x80;
        hi = 0xbf;
        value = value << 6 | (s[i] & 0x3fu);
    }
    *cp = value;
    return need + 1;
}

bool wb_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, used;
    uint32_t cp;

    while (i < len) {
        used = wb_utf8_decode(p + i, len - i, &cp);
        if (used == 0)
            return false;
        i += used;
    }
    return true;
}

char *wb_escape_display(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0;
    wb_buf out = {0};
    char *result = NULL;

    while (i < len) {
        unsigned char c = p[i];
        uint32_t cp;
        size_t used;
        if (c >= 0x80) {
            /* valid UTF-8 passes; a byte that is not part of it is shown as \xHH */
            used = wb_utf8_decode(p + i, len - i, &cp);
            if (used) {
                wb_buf_append(&out, p + i, used);
                i += used;
            } else {
                wb_buf_printf(&out, "\\x%02x", c);
                i++;
            }
            continue;
        }
        if (c == '\\')
            wb_buf_puts(&out, "\\\\");
        else if (c == '\n')
            wb_buf_puts(&out, "\\n");
        else if (c == '\t')
            wb_buf_puts(&out, "\\t");
        else if (c < 0x20 || c == 0x7f)
            wb_buf_printf(&out, "\\x%02x", c);
        else
            wb_buf_putc(&out, (char)c);
        i++;
    }
    if (wb_buf_detach(&out, &result, NULL) < 0)
        return NULL;
    return result;
}

int wb_buf_json_string(wb_buf *buf, const char *s, size_t len)
{
    size_t i, run = 0;
    wb_buf_putc(buf, '"');
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char hex[8];
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\r':
            esc = "\\r";
            break;
        default:
            if (c < 0x20) {
                snprintf(hex, sizeof(hex), "\\u%04x", c);
                esc = hex;
            }
        }
        if (!esc)
            continue;
        /* copy the unescaped run before this character in one go */
        wb_buf_append(buf, s + run, i - run);
        wb_buf_puts(buf, esc);
        run = i + 1;
    }
    wb_buf_append(buf, s + run, len - run);
    return wb_buf_putc(buf, '"');
}
