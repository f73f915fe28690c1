/*
 * text.c: UTF-8 validation and escaping names for display.
 *
 * Validation follows RFC 3629 / Unicode table 3-7: shortest forms only, no
 * UTF-16 surrogates, nothing above U+10FFFF.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

bool wb_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned char c = *p;
        size_t need;
        uint32_t cp, min;
        if (c < 0x80) {
            p++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) {
            need = 1;
            cp = c & 0x1f;
            min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            need = 2;
            cp = c & 0x0f;
            min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            need = 3;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return false;
        }
        if ((size_t)(end - p) <= need)
            return false;
        for (size_t i = 1; i <= need; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        p += need + 1;
    }
    return true;
}

char *wb_escape_display(const char *s)
{
    wb_buf out = {0};
    char *result = NULL;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
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
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\f': esc = "\\f"; break;
        case '\r': esc = "\\r"; break;
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
