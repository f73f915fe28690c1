/*
 * toml.c: a strict reader for the subset of TOML 1.0 (toml.io/en/v1.0.0)
 * that rule files need: headers, key/value lines, strings in their four
 * forms, decimal numbers, booleans and arrays.
 *
 * It is a single pass over the text that hands each header and each
 * key/value pair to the caller's handler (toml_internal.h), so the caller
 * keeps only what it understands and no document tree is built. What the
 * subset leaves out (dotted keys, inline tables, dates, non-decimal numbers)
 * is refused by name rather than misread. Every error names the input and
 * the line. Cleanup style: one exit path per function with `goto out`.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "toml_internal.h"

/* the most parts a header such as [a.b.c] may have */
#define MAX_HEADER_PARTS 8

typedef struct {
    const char *p, *end;
    const char *name;
    size_t line;
} cursor;

static int parse_error(const cursor *c, int code, const char *what)
{
    return wb_error_set(code, "%s:%zu: %s", c->name, c->line, what);
}

static bool at_newline(const cursor *c)
{
    return c->p < c->end &&
           (*c->p == '\n' || (*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n'));
}

static void skip_newline(cursor *c)
{
    if (*c->p == '\r')
        c->p++;
    c->p++;
    c->line++;
}

static void skip_blanks(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

/* A comment runs to the end of the line; it may not hold control
 * characters other than tab. */
static int skip_comment(cursor *c)
{
    if (c->p >= c->end || *c->p != '#')
        return 0;
    for (c->p++; c->p < c->end && !at_newline(c); c->p++) {
        unsigned char ch = (unsigned char)*c->p;
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return parse_error(c, WB_EFORMAT, "control character in a comment");
    }
    return 0;
}

/* After a header or a value: blanks, an optional comment, then the end of
 * the line or of the text. */
static int end_of_line(cursor *c)
{
    int rc;

    skip_blanks(c);
    rc = skip_comment(c);
    if (rc < 0)
        return rc;
    if (c->p >= c->end)
        return 0;
    if (!at_newline(c))
        return parse_error(c, WB_EFORMAT, "unexpected text after the value");
    skip_newline(c);
    return 0;
}

/* Inside arrays: blanks, newlines and comments. */
static int skip_space_in_array(cursor *c)
{
    int rc;

    for (;;) {
        skip_blanks(c);
        rc = skip_comment(c);
        if (rc < 0)
            return rc;
        if (!at_newline(c))
            return 0;
        skip_newline(c);
    }
}

static bool is_bare_key_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
}

static int put_utf8(wb_buf *out, uint32_t cp)
{
    char bytes[4];
    size_t n;

    if (cp < 0x80) {
        bytes[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        bytes[0] = (char)(0xc0 | (cp >> 6));
        bytes[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        bytes[0] = (char)(0xe0 | (cp >> 12));
        bytes[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        bytes[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        bytes[0] = (char)(0xf0 | (cp >> 18));
        bytes[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        bytes[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        bytes[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return wb_buf_append(out, bytes, n);
}

/* One escape after a backslash in a basic string. */
static int parse_escape(cursor *c, wb_buf *out)
{
    size_t digits = 0, i;
    uint32_t cp = 0;
    char ch;

    if (c->p >= c->end)
        return parse_error(c, WB_EFORMAT, "unterminated string");
    ch = *c->p++;
    switch (ch) {
    case 'b':
        return wb_buf_putc(out, '\b');
    case 't':
        return wb_buf_putc(out, '\t');
    case 'n':
        return wb_buf_putc(out, '\n');
    case 'f':
        return wb_buf_putc(out, '\f');
    case 'r':
        return wb_buf_putc(out, '\r');
    case '"':
        return wb_buf_putc(out, '"');
    case '\\':
        return wb_buf_putc(out, '\\');
    case 'u':
        digits = 4;
        break;
    case 'U':
        digits = 8;
        break;
    default:
        return parse_error(c, WB_EFORMAT, "unknown escape in a string");
    }
    if ((size_t)(c->end - c->p) < digits)
        return parse_error(c, WB_EFORMAT, "short \\u escape");
    for (i = 0; i < digits; i++) {
        char d = *c->p++;
        uint32_t v;
        if (d >= '0' && d <= '9')
            v = (uint32_t)(d - '0');
        else if (d >= 'a' && d <= 'f')
            v = (uint32_t)(d - 'a' + 10);
        else if (d >= 'A' && d <= 'F')
            v = (uint32_t)(d - 'A' + 10);
        else
            return parse_error(c, WB_EFORMAT, "bad hex digit in a \\u escape");
        cp = cp << 4 | v;
    }
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return parse_error(c, WB_EFORMAT, "\\u escape is not a Unicode scalar value");
    if (cp == 0)
        return parse_error(c, WB_EFORMAT, "NUL in a string");
    return put_utf8(out, cp);
}

static int check_string_char(cursor *c, unsigned char ch, bool multiline)
{
    if ((ch < 0x20 && ch != '\t' && !(multiline && (ch == '\n' || ch == '\r'))) || ch == 0x7f)
        return parse_error(c, WB_EFORMAT, "control character in a string");
    return 0;
}

/* Strings of the four kinds, c->p at the opening quote. */
static int parse_string(cursor *c, char **out, size_t *out_len)
{
    wb_buf buf = {0};
    char quote = *c->p;
    bool multiline, literal = quote == '\'';
    int rc = 0;

    *out = NULL;
    multiline = c->end - c->p >= 3 && c->p[1] == quote && c->p[2] == quote;
    c->p += multiline ? 3 : 1;
    if (multiline && at_newline(c))
        skip_newline(c);
    for (;;) {
        unsigned char ch;
        if (c->p >= c->end) {
            rc = parse_error(c, WB_EFORMAT, "unterminated string");
            goto out;
        }
        ch = (unsigned char)*c->p;
        if (ch == (unsigned char)quote) {
            if (!multiline) {
                c->p++;
                break;
            }
            if (c->end - c->p >= 3 && c->p[1] == quote && c->p[2] == quote) {
                /* up to two quotes may end the content right before """ */
                size_t extra = 0;
                while (extra < 2 && c->end - c->p >= 4 && c->p[3] == quote) {
                    rc = wb_buf_putc(&buf, quote);
                    if (rc < 0)
                        goto out;
                    c->p++;
                    extra++;
                }
                c->p += 3;
                break;
            }
        }
        if (multiline && at_newline(c)) {
            rc = wb_buf_putc(&buf, '\n');
            if (rc < 0)
                goto out;
            skip_newline(c);
            continue;
        }
        rc = check_string_char(c, ch, false);
        if (rc < 0)
            goto out;
        c->p++;
        if (ch == '\\' && !literal) {
            if (multiline) {
                /* a line-ending backslash eats the newline and following
                 * whitespace */
                const char *q = c->p;
                while (q < c->end && (*q == ' ' || *q == '\t'))
                    q++;
                if (q < c->end && (*q == '\n' || (*q == '\r' && q + 1 < c->end && q[1] == '\n'))) {
                    c->p = q;
                    while (c->p < c->end) {
                        if (at_newline(c))
                            skip_newline(c);
                        else if (*c->p == ' ' || *c->p == '\t')
                            c->p++;
                        else
                            break;
                    }
                    continue;
                }
            }
            rc = parse_escape(c, &buf);
        } else {
            rc = wb_buf_putc(&buf, (char)ch);
        }
        if (rc < 0)
            goto out;
    }
    rc = wb_buf_reserve(&buf, 0);
    if (rc == 0)
        rc = wb_buf_detach(&buf, out, out_len);
out:
    if (rc == WB_ENOMEM)
        rc = wb_error_set(WB_ENOMEM, "%s:%zu: out of memory", c->name, c->line);
    wb_buf_free(&buf);
    return rc;
}

/* A decimal integer or float: [+-]digits[.digits][e[+-]digits], with '_'
 * only between digits and no leading zeros. */
static int parse_number(cursor *c, wb_toml_value *value)
{
    char text[128];
    size_t n = 0;
    bool is_float = false, prev_digit = false, any_digit = false;
    const char *start = c->p;
    char *end = NULL;

    if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
        text[n++] = *c->p++;
    if (c->end - c->p >= 3 && (memcmp(c->p, "inf", 3) == 0 || memcmp(c->p, "nan", 3) == 0))
        return parse_error(c, WB_EUNSUPPORTED, "inf and nan are not supported");
    if (c->end - c->p >= 2 && c->p[0] == '0' &&
        (c->p[1] == 'x' || c->p[1] == 'o' || c->p[1] == 'b'))
        return parse_error(c, WB_EUNSUPPORTED, "only decimal numbers are supported");
    if (c->p < c->end && *c->p == '0' && c->p + 1 < c->end && c->p[1] >= '0' && c->p[1] <= '9')
        return parse_error(c, WB_EFORMAT, "leading zero in a number");
    while (c->p < c->end) {
        char ch = *c->p;
        if (ch >= '0' && ch <= '9') {
            prev_digit = any_digit = true;
        } else if (ch == '_') {
            if (!prev_digit || c->p + 1 >= c->end || c->p[1] < '0' || c->p[1] > '9')
                return parse_error(c, WB_EFORMAT, "'_' must stand between digits");
            c->p++;
            prev_digit = false;
            continue;
        } else if (ch == '.' || ch == 'e' || ch == 'E') {
            if (!prev_digit)
                return parse_error(c, WB_EFORMAT, "malformed number");
            is_float = true;
            prev_digit = false;
            if ((ch == 'e' || ch == 'E') && c->p + 1 < c->end &&
                (c->p[1] == '+' || c->p[1] == '-')) {
                if (n + 2 >= sizeof(text))
                    return parse_error(c, WB_ELIMIT, "number too long");
                text[n++] = *c->p++;
            }
        } else if (ch == ':' || ch == 'T' || ch == 'Z' || (ch == '-' && any_digit && !is_float)) {
            return parse_error(c, WB_EUNSUPPORTED, "dates and times are not supported");
        } else {
            break;
        }
        if (n + 1 >= sizeof(text))
            return parse_error(c, WB_ELIMIT, "number too long");
        text[n++] = *c->p++;
    }
    text[n] = '\0';
    if (!any_digit || !prev_digit || c->p == start)
        return parse_error(c, WB_EFORMAT, "malformed value");
    errno = 0;
    if (is_float) {
        value->type = WB_TOML_FLOAT;
        value->number = strtod(text, &end);
        if (*end != '\0' || !isfinite(value->number))
            return parse_error(c, WB_EFORMAT, "malformed float");
    } else {
        value->type = WB_TOML_INTEGER;
        value->integer = strtoll(text, &end, 10);
        if (*end != '\0' || errno == ERANGE)
            return parse_error(c, WB_EFORMAT, "integer out of range");
    }
    return 0;
}

static void value_clear(wb_toml_value *value)
{
    size_t i;

    wb_free(value->string);
    for (i = 0; i < value->nitems; i++)
        value_clear(&value->items[i]);
    wb_free(value->items);
    memset(value, 0, sizeof(*value));
}

static int parse_value(cursor *c, wb_toml_value *value, unsigned depth);

static int parse_array(cursor *c, wb_toml_value *value, unsigned depth)
{
    size_t cap = 0;
    int rc;

    if (depth >= WB_TOML_MAX_DEPTH)
        return parse_error(c, WB_ELIMIT, "arrays nested too deeply");
    value->type = WB_TOML_ARRAY;
    c->p++;
    for (;;) {
        rc = skip_space_in_array(c);
        if (rc < 0)
            return rc;
        if (c->p >= c->end)
            return parse_error(c, WB_EFORMAT, "unterminated array");
        if (*c->p == ']') {
            c->p++;
            return 0;
        }
        if (value->nitems == cap) {
            size_t new_cap = cap ? cap * 2 : 4;
            wb_toml_value *items = wb_reallocarray(value->items, new_cap, sizeof(*items));
            if (!items)
                return wb_error_set(WB_ENOMEM, "%s:%zu: out of memory", c->name, c->line);
            value->items = items;
            cap = new_cap;
        }
        memset(&value->items[value->nitems], 0, sizeof(value->items[0]));
        rc = parse_value(c, &value->items[value->nitems], depth + 1);
        value->nitems++;
        if (rc < 0)
            return rc;
        rc = skip_space_in_array(c);
        if (rc < 0)
            return rc;
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == ']') {
            c->p++;
            return 0;
        }
        return parse_error(c, WB_EFORMAT, "expected ',' or ']' in an array");
    }
}

static int parse_value(cursor *c, wb_toml_value *value, unsigned depth)
{
    if (c->p >= c->end || at_newline(c))
        return parse_error(c, WB_EFORMAT, "missing value");
    switch (*c->p) {
    case '"':
    case '\'':
        value->type = WB_TOML_STRING;
        return parse_string(c, &value->string, &value->string_len);
    case '[':
        return parse_array(c, value, depth);
    case '{':
        return parse_error(c, WB_EUNSUPPORTED, "inline tables are not supported");
    case 't':
        if (c->end - c->p >= 4 && memcmp(c->p, "true", 4) == 0) {
            c->p += 4;
            value->type = WB_TOML_BOOL;
            value->boolean = true;
            return 0;
        }
        break;
    case 'f':
        if (c->end - c->p >= 5 && memcmp(c->p, "false", 5) == 0) {
            c->p += 5;
            value->type = WB_TOML_BOOL;
            value->boolean = false;
            return 0;
        }
        break;
    default:
        if ((*c->p >= '0' && *c->p <= '9') || *c->p == '+' || *c->p == '-' || *c->p == 'i' ||
            *c->p == 'n')
            return parse_number(c, value);
        break;
    }
    return parse_error(c, WB_EFORMAT, "malformed value");
}

/* A bare or quoted key (not multi-line); *out is a new string. */
static int parse_key(cursor *c, char **out)
{
    const char *start = c->p;
    size_t len;
    int rc;

    *out = NULL;
    if (c->p < c->end && (*c->p == '"' || *c->p == '\'')) {
        if (c->end - c->p >= 3 && c->p[1] == *c->p && c->p[2] == *c->p)
            return parse_error(c, WB_EFORMAT, "a key may not be a multi-line string");
        rc = parse_string(c, out, &len);
        if (rc < 0)
            return rc;
        if (strlen(*out) != len) {
            wb_free(*out);
            *out = NULL;
            return parse_error(c, WB_EFORMAT, "NUL in a key");
        }
        return 0;
    }
    while (c->p < c->end && is_bare_key_char(*c->p))
        c->p++;
    if (c->p == start)
        return parse_error(c, WB_EFORMAT, "expected a key");
    *out = wb_strndup(start, (size_t)(c->p - start));
    if (!*out)
        return wb_error_set(WB_ENOMEM, "%s:%zu: out of memory", c->name, c->line);
    return 0;
}

static int parse_header(cursor *c, const wb_toml_handler *handler, void *payload)
{
    char *names[MAX_HEADER_PARTS];
    size_t nnames = 0, i, line = c->line;
    bool array = c->end - c->p >= 2 && c->p[1] == '[';
    int rc = 0;

    c->p += array ? 2 : 1;
    for (;;) {
        skip_blanks(c);
        if (nnames == MAX_HEADER_PARTS) {
            rc = parse_error(c, WB_ELIMIT, "table name has too many parts");
            goto out;
        }
        rc = parse_key(c, &names[nnames]);
        if (rc < 0)
            goto out;
        nnames++;
        skip_blanks(c);
        if (c->p < c->end && *c->p == '.') {
            c->p++;
            continue;
        }
        break;
    }
    if (c->p >= c->end || *c->p != ']' || (array && (c->end - c->p < 2 || c->p[1] != ']'))) {
        rc = parse_error(c, WB_EFORMAT, array ? "expected ']]'" : "expected ']'");
        goto out;
    }
    c->p += array ? 2 : 1;
    rc = end_of_line(c);
    if (rc == 0 && handler->table)
        rc = handler->table(payload, (const char *const *)names, nnames, array, line);
out:
    for (i = 0; i < nnames; i++)
        wb_free(names[i]);
    return rc;
}

static int parse_key_value(cursor *c, const wb_toml_handler *handler, void *payload)
{
    wb_toml_value value = {0};
    char *key = NULL;
    size_t line = c->line;
    int rc;

    rc = parse_key(c, &key);
    if (rc < 0)
        goto out;
    skip_blanks(c);
    if (c->p < c->end && *c->p == '.') {
        rc = parse_error(c, WB_EUNSUPPORTED, "dotted keys are not supported");
        goto out;
    }
    if (c->p >= c->end || *c->p != '=') {
        rc = parse_error(c, WB_EFORMAT, "expected '=' after the key");
        goto out;
    }
    c->p++;
    skip_blanks(c);
    rc = parse_value(c, &value, 0);
    if (rc < 0)
        goto out;
    rc = end_of_line(c);
    if (rc == 0 && handler->key)
        rc = handler->key(payload, key, &value, line);
out:
    value_clear(&value);
    wb_free(key);
    return rc;
}

int wb_toml_parse(const char *text, size_t len, const char *name, const wb_toml_handler *handler,
                  void *payload)
{
    cursor c = {text, text + len, name ? name : "toml", 1};
    int rc = 0;

    if (!text || !handler)
        return wb_error_set(WB_EINVAL, "wb_toml_parse: NULL argument");
    if (memchr(text, '\0', len))
        return wb_error_set(WB_EFORMAT, "%s: NUL byte in the text", c.name);
    if (!wb_utf8_valid(text, len))
        return wb_error_set(WB_EFORMAT, "%s: not valid UTF-8", c.name);
    /* a byte order mark may start the file */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        c.p += 3;
    while (c.p < c.end) {
        skip_blanks(&c);
        if (c.p >= c.end)
            break;
        if (at_newline(&c)) {
            skip_newline(&c);
            continue;
        }
        if (*c.p == '#') {
            rc = end_of_line(&c);
        } else if (*c.p == '[') {
            rc = parse_header(&c, handler, payload);
        } else {
            rc = parse_key_value(&c, handler, payload);
        }
        if (rc < 0)
            break;
    }
    return rc;
}
