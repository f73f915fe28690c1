/*
 * json.c: strict JSON parsing and the two canonical encodings that
 * signatures are computed over.
 *
 * Parsing is jansson's json_loadb() with JSON_REJECT_DUPLICATES (two readers
 * of one document must not see two different values for a key) and
 * JSON_DECODE_ANY (any value may be the top level); JSON_ALLOW_NUL is not
 * set, so "\u0000" is refused in parsed strings and keys. Errors carry the
 * input's name, line and column, and jansson's text with any control bytes
 * it quotes from the input escaped.
 *
 * Both encoders walk the jansson tree once, writing into one growable wb_buf.
 * Recursion follows the nesting of the document and is cut at
 * WB_JSON_MAX_DEPTH containers (WB_ELIMIT), so the stack stays bounded even
 * for a caller-built tree that loops back on itself. Every string and key is
 * handled with its explicit length (json_string_length(), the key length of
 * the object iterator), so strings a caller built with json_stringn() may
 * hold NUL. An error names the path of the offending value ("$.a[2]").
 *
 * OLPC canonical JSON (wiki.laptop.org/go/Canonical_JSON), exactly as
 * securesystemslib 0.26 formats.encode_canonical() writes it, which is the
 * form in-toto and TUF sign: no whitespace; object keys sorted by code point,
 * which for UTF-8 is plain byte order (shorter prefix first); strings in
 * double quotes with only '"' and '\' escaped by a backslash and every other
 * byte, control characters and DEL included, written as it is; integers in
 * decimal; true, false, null. Reals are refused (WB_EFORMAT) because their
 * text is not canonical.
 *
 * RFC 8785 JSON Canonicalization Scheme (JCS):
 *  - section 3.2.3: keys sorted by their UTF-16 code units, not code points:
 *    a supplementary-plane character (a D800-DBFF surrogate in UTF-16) sorts
 *    before U+E000..U+FFFF. cmp_jcs_keys() maps each code point to a rank
 *    that preserves this order and compares ranks.
 *  - section 3.2.2.2: strings are written as UTF-8 with only the escapes of
 *    ECMAScript JSON.stringify: \" \\ \b \t \n \f \r, \u00xx (lowercase hex)
 *    for the other controls, everything else raw ('/' and DEL too). Invalid
 *    UTF-8 (which a caller can build with json_stringn_nocheck()) has no
 *    UTF-16 form and is refused.
 *  - section 3.2.2.3: numbers as ECMAScript Number.prototype.toString() of
 *    the IEEE 754 double (ECMA-262, Number::toString). The digits are the
 *    shortest that read back as the same double: the smallest precision
 *    1..17 whose "%.*e" rendering (correctly rounded by glibc) round-trips
 *    through strtod(); they are then laid out in ECMAScript's decimal or
 *    exponent notation. NaN and infinities are refused, -0 is written "0".
 *  - Integers: jansson keeps integer literals as 64-bit integers. Those
 *    within the I-JSON range +-(2^53-1) (RFC 7493 section 2.2) are exact
 *    doubles and are written in decimal, which is what Number::toString gives
 *    for them, so an integer and a real of equal value produce equal text.
 *    Integers beyond it are refused rather than rounded (2^53 itself is a
 *    double, but 2^53+1 reads as the same one, so the whole range past
 *    2^53-1 is refused): signing a rounded number would sign something
 *    other than what the document says. A real beyond 2^53 is already a
 *    double, so it is written like any other real.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The largest integer magnitude of I-JSON (RFC 7493 section 2.2). */
#define JCS_MAX_SAFE_INTEGER 9007199254740991LL

/* Bound on how much of a path or a key an error message shows. */
#define PATH_TEXT_MAX 200
#define KEY_TEXT_MAX  48

typedef enum { CANON_OLPC, CANON_JCS } canon_form;

/* One step from a container to one of its members: a key or an index. */
typedef struct {
    const char *key; /* NULL for an array index */
    size_t key_len;
    size_t index;
} path_step;

typedef struct {
    canon_form form;
    const char *name; /* prefix of error messages */
    wb_buf out;
    size_t depth; /* containers currently open */
    path_step path[WB_JSON_MAX_DEPTH + 1];
} encoder;

typedef struct {
    const char *key;
    size_t key_len;
    const json_t *value;
} member;

/* jansson quotes the offending input in its message ("invalid token near
 * '...'"); control bytes and DEL from it must not reach a terminal raw. */
static void escape_controls(char *dst, size_t size, const char *src)
{
    size_t o = 0;
    int n;

    for (; *src && o + 1 < size; src++) {
        unsigned char c = (unsigned char)*src;
        if (c >= 0x20 && c != 0x7f) {
            dst[o++] = (char)c;
            continue;
        }
        n = snprintf(dst + o, size - o, "\\x%02x", c);
        if (n < 0 || (size_t)n >= size - o)
            break;
        o += (size_t)n;
    }
    dst[o] = '\0';
}

int wb_json_parse(json_t **out, const char *buf, size_t len, const char *what)
{
    char message[4 * JSON_ERROR_TEXT_LENGTH];
    json_error_t error;
    json_t *root = NULL;
    int rc = 0;

    if (!what)
        what = "JSON";
    if (out)
        *out = NULL;
    if (!out || (!buf && len)) {
        rc = wb_error_set(WB_EINVAL, "%s: invalid argument", what);
        goto out;
    }
    if (len == 0) {
        rc = wb_error_set(WB_EFORMAT, "%s: empty input, expected a JSON value", what);
        goto out;
    }
    /* JSON text never holds a raw NUL; jansson 2.14 drops one that follows a
     * number ([1,2<NUL>,3] reads as [1,2,3]), so refuse it before parsing */
    if (memchr(buf, '\0', len)) {
        rc = wb_error_set(WB_EFORMAT, "%s: byte %zu: a NUL byte is not allowed in JSON", what,
                          (size_t)((const char *)memchr(buf, '\0', len) - buf));
        goto out;
    }
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &error);
    if (!root) {
        rc = json_error_code(&error) == json_error_out_of_memory ? WB_ENOMEM : WB_EFORMAT;
        escape_controls(message, sizeof(message), error.text);
        rc =
            wb_error_set(rc, "%s: line %d, column %d: %s", what, error.line, error.column, message);
        goto out;
    }
    *out = root;
out:
    return rc;
}

/* --- error messages --- */

/* Append printf output to text[size] at *used; on overflow end it in "...". */
static void text_appendf(char *text, size_t size, size_t *used, const char *fmt, ...)
    WB_PRINTF(4, 5);

static void text_appendf(char *text, size_t size, size_t *used, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (*used >= size - 1)
        return;
    va_start(ap, fmt);
    n = vsnprintf(text + *used, size - *used, fmt, ap);
    va_end(ap);
    if (n < 0) {
        text[*used] = '\0';
        return;
    }
    if ((size_t)n >= size - *used) {
        *used = size - 1;
        memcpy(text + size - 4, "...", 4);
        return;
    }
    *used += (size_t)n;
}

static bool is_identifier(const char *key, size_t len)
{
    size_t i;

    if (len == 0 || (key[0] >= '0' && key[0] <= '9'))
        return false;
    for (i = 0; i < len; i++) {
        char c = key[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* "$.a[2]": the path to the value being encoded. Keys are attacker-chosen
 * text bound for logs and terminals, so other than plain identifiers they
 * are quoted with every byte outside printable ASCII written as \xNN. */
static void format_path(char *text, size_t size, const encoder *enc)
{
    size_t used = 0, i, j;

    text[0] = '\0';
    text_appendf(text, size, &used, "$");
    for (i = 0; i < enc->depth; i++) {
        const path_step *step = &enc->path[i];
        if (!step->key) {
            text_appendf(text, size, &used, "[%zu]", step->index);
        } else if (is_identifier(step->key, step->key_len) && step->key_len <= KEY_TEXT_MAX) {
            text_appendf(text, size, &used, ".%.*s", (int)step->key_len, step->key);
        } else {
            text_appendf(text, size, &used, "[\"");
            for (j = 0; j < step->key_len && j < KEY_TEXT_MAX; j++) {
                unsigned char c = (unsigned char)step->key[j];
                if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
                    text_appendf(text, size, &used, "\\x%02x", c);
                else
                    text_appendf(text, size, &used, "%c", c);
            }
            text_appendf(text, size, &used, "%s\"]", step->key_len > KEY_TEXT_MAX ? "..." : "");
        }
    }
}

/* Set the error "<name>: <path>: <message>" and return code. */
static int encode_fail(const encoder *enc, int code, const char *fmt, ...) WB_PRINTF(3, 4);

static int encode_fail(const encoder *enc, int code, const char *fmt, ...)
{
    char path[PATH_TEXT_MAX];
    char message[256];
    va_list ap;

    format_path(path, sizeof(path), enc);
    va_start(ap, fmt);
    if (vsnprintf(message, sizeof(message), fmt, ap) < 0)
        message[0] = '\0';
    va_end(ap);
    return wb_error_set(code, "%s: %s: %s", enc->name, path, message);
}

/* --- key order --- */

/* OLPC: code point order, which is byte order for UTF-8. */
static int cmp_olpc_keys(const void *a, const void *b)
{
    const member *x = a, *y = b;
    size_t common = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = common ? memcmp(x->key, y->key, common) : 0;

    if (c != 0)
        return c;
    return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* A rank whose order is the order of the code point's first UTF-16 code
 * unit (and, among supplementary characters, of the code point itself):
 * U+0000..U+D7FF, then the supplementary planes (high surrogates
 * D800..DBFF), then U+E000..U+FFFF. */
static uint32_t utf16_rank(uint32_t cp)
{
    if (cp < 0xd800)
        return cp;
    if (cp >= 0x10000)
        return 0xd800 + (cp - 0x10000);
    return cp + 0x100000;
}

/* JCS: UTF-16 code unit order. Keys were checked to be valid UTF-8 before
 * sorting. Comparing code point by code point is enough: two code points
 * that differ differ in their first code unit unless both are
 * supplementary, where the order of code points is the order of units. */
static int cmp_jcs_keys(const void *a, const void *b)
{
    const member *x = a, *y = b;
    const unsigned char *s = (const unsigned char *)x->key, *t = (const unsigned char *)y->key;
    size_t i = 0, j = 0, used_s, used_t;
    uint32_t cp_s, cp_t;

    while (i < x->key_len && j < y->key_len) {
        used_s = wb_utf8_decode(s + i, x->key_len - i, &cp_s);
        used_t = wb_utf8_decode(t + j, y->key_len - j, &cp_t);
        if (used_s == 0 || used_t == 0)
            return cmp_olpc_keys(a, b); /* not reached: keys were validated */
        if (cp_s != cp_t)
            return utf16_rank(cp_s) < utf16_rank(cp_t) ? -1 : 1;
        i += used_s;
        j += used_t;
    }
    return (i < x->key_len) - (j < y->key_len);
}

/* --- strings --- */

static int encode_string_olpc(encoder *enc, const char *text, size_t len)
{
    size_t start = 0, i;
    int rc;

    if ((rc = wb_buf_putc(&enc->out, '"')) < 0)
        goto out;
    for (i = 0; i < len; i++) {
        if (text[i] != '"' && text[i] != '\\')
            continue;
        if ((rc = wb_buf_append(&enc->out, text + start, i - start)) < 0 ||
            (rc = wb_buf_putc(&enc->out, '\\')) < 0)
            goto out;
        start = i; /* the quote or backslash itself goes out with the next run */
    }
    if ((rc = wb_buf_append(&enc->out, text + start, len - start)) < 0)
        goto out;
    rc = wb_buf_putc(&enc->out, '"');
out:
    return rc;
}

/* `what` says whether this is a key or a value, for the error message. */
static int encode_string_jcs(encoder *enc, const char *text, size_t len, const char *what)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t start = 0, i = 0, used;
    uint32_t cp;
    char escape[8];
    int rc = 0;

    if ((rc = wb_buf_putc(&enc->out, '"')) < 0)
        goto out;
    while (i < len) {
        used = wb_utf8_decode(s + i, len - i, &cp);
        if (used == 0) {
            rc = encode_fail(enc, WB_EFORMAT, "%s is not valid UTF-8 (byte %zu)", what, i);
            goto out;
        }
        if (cp >= 0x20 && cp != '"' && cp != '\\') {
            i += used;
            continue;
        }
        switch (cp) {
        case '"':
            strcpy(escape, "\\\"");
            break;
        case '\\':
            strcpy(escape, "\\\\");
            break;
        case '\b':
            strcpy(escape, "\\b");
            break;
        case '\t':
            strcpy(escape, "\\t");
            break;
        case '\n':
            strcpy(escape, "\\n");
            break;
        case '\f':
            strcpy(escape, "\\f");
            break;
        case '\r':
            strcpy(escape, "\\r");
            break;
        default:
            snprintf(escape, sizeof(escape), "\\u%04x", (unsigned)cp);
            break;
        }
        if ((rc = wb_buf_append(&enc->out, text + start, i - start)) < 0 ||
            (rc = wb_buf_puts(&enc->out, escape)) < 0)
            goto out;
        i += used;
        start = i;
    }
    if ((rc = wb_buf_append(&enc->out, text + start, len - start)) < 0)
        goto out;
    rc = wb_buf_putc(&enc->out, '"');
out:
    return rc;
}

static int encode_string(encoder *enc, const char *text, size_t len, const char *what)
{
    if (enc->form == CANON_OLPC)
        return encode_string_olpc(enc, text, len);
    return encode_string_jcs(enc, text, len, what);
}

/* --- numbers --- */

/* ECMAScript Number::toString(value) for a finite, non-zero magnitude
 * `value` > 0 (the caller writes the sign). text must hold 32 bytes. */
static void format_ecmascript_number(char *text, size_t size, double value)
{
    char scientific[40], candidate[40], digits[20];
    int precision, ndigits = 0, exponent = 0, point, i;
    size_t used = 0;
    const char *c;

    /* The shortest digits that read back as `value`. For each precision
     * "%.*e" is the correctly rounded, hence closest, decimal of that
     * length, which is the one ECMAScript asks for when several read back.
     * The candidate is re-read as "<digits>e<exp>", free of the locale's
     * decimal point. Precision 17 always reads back. */
    for (precision = 1; precision <= 17; precision++) {
        snprintf(scientific, sizeof(scientific), "%.*e", precision - 1, value);
        ndigits = 0;
        for (c = scientific; *c && *c != 'e' && ndigits < (int)sizeof(digits) - 1; c++) {
            if (*c >= '0' && *c <= '9')
                digits[ndigits++] = *c;
        }
        exponent = *c == 'e' ? atoi(c + 1) : 0;
        snprintf(candidate, sizeof(candidate), "%.*se%d", ndigits, digits,
                 exponent - (ndigits - 1));
        if (strtod(candidate, NULL) == value)
            break;
    }
    while (ndigits > 1 && digits[ndigits - 1] == '0')
        ndigits--;
    digits[ndigits] = '\0';

    /* ECMA-262 Number::toString: value = 0.d1d2...dk x 10^point */
    point = exponent + 1;
    text[0] = '\0';
    if (ndigits <= point && point <= 21) {
        text_appendf(text, size, &used, "%s", digits);
        for (i = 0; i < point - ndigits; i++)
            text_appendf(text, size, &used, "0");
    } else if (0 < point && point <= 21) {
        text_appendf(text, size, &used, "%.*s.%s", point, digits, digits + point);
    } else if (-6 < point && point <= 0) {
        text_appendf(text, size, &used, "0.");
        for (i = 0; i < -point; i++)
            text_appendf(text, size, &used, "0");
        text_appendf(text, size, &used, "%s", digits);
    } else {
        text_appendf(text, size, &used, "%c", digits[0]);
        if (ndigits > 1)
            text_appendf(text, size, &used, ".%s", digits + 1);
        text_appendf(text, size, &used, "e%c%d", point - 1 >= 0 ? '+' : '-', abs(point - 1));
    }
}

static int encode_real(encoder *enc, double value)
{
    char text[32];
    int rc = 0;

    if (enc->form == CANON_OLPC) {
        rc = encode_fail(enc, WB_EFORMAT, "floats are not allowed");
        goto out;
    }
    if (!isfinite(value)) {
        rc = encode_fail(enc, WB_EFORMAT, "NaN and infinities are not allowed");
        goto out;
    }
    if (value == 0) { /* both zeros; ECMAScript writes -0 as "0" */
        rc = wb_buf_putc(&enc->out, '0');
        goto out;
    }
    if (value < 0 && (rc = wb_buf_putc(&enc->out, '-')) < 0)
        goto out;
    format_ecmascript_number(text, sizeof(text), fabs(value));
    rc = wb_buf_puts(&enc->out, text);
out:
    return rc;
}

static int encode_integer(encoder *enc, json_int_t value)
{
    int rc = 0;

    /* JCS numbers are IEEE 754 doubles, written in their ECMAScript form. An
     * integer is written when its own digits are that form (a JavaScript
     * reader gets the same number, a 64-bit reader the same integer), and
     * refused when canonicalizing would change it: 2^53+1 would become
     * 9007199254740992, 2^60 would become 1152921504606847000. */
    if (enc->form == CANON_JCS && (value > JCS_MAX_SAFE_INTEGER || value < -JCS_MAX_SAFE_INTEGER)) {
        char as_double[40], as_integer[32];
        double d = (double)value;
        as_double[0] = '-';
        /* format_ecmascript_number() takes magnitudes; the sign goes first */
        format_ecmascript_number(as_double + (d < 0), sizeof(as_double) - 1, fabs(d));
        snprintf(as_integer, sizeof(as_integer), "%" JSON_INTEGER_FORMAT, value);
        if (strcmp(as_double, as_integer) != 0) {
            rc = encode_fail(enc, WB_EFORMAT,
                             "integer %" JSON_INTEGER_FORMAT
                             " is not exactly an IEEE 754 double in canonical form (it would "
                             "be written %s)",
                             value, as_double);
            goto out;
        }
    }
    rc = wb_buf_printf(&enc->out, "%" JSON_INTEGER_FORMAT, value);
out:
    return rc;
}

/* --- containers --- */

static int encode_value(encoder *enc, const json_t *value);

/* Open one more container at the current path, refusing excess depth. */
static int enter_container(encoder *enc, char open)
{
    int rc = 0;

    if (enc->depth >= WB_JSON_MAX_DEPTH) {
        rc = encode_fail(enc, WB_ELIMIT, "nesting deeper than %d levels", WB_JSON_MAX_DEPTH);
        goto out;
    }
    if ((rc = wb_buf_putc(&enc->out, open)) < 0)
        goto out;
    enc->depth++;
out:
    return rc;
}

static int encode_array(encoder *enc, const json_t *array)
{
    size_t i, count = json_array_size(array);
    path_step *step;
    int rc;

    if ((rc = enter_container(enc, '[')) < 0)
        goto out;
    step = &enc->path[enc->depth - 1];
    for (i = 0; i < count; i++) {
        step->key = NULL;
        step->index = i;
        if (i > 0 && (rc = wb_buf_putc(&enc->out, ',')) < 0)
            goto out;
        if ((rc = encode_value(enc, json_array_get(array, i))) < 0)
            goto out;
    }
    if ((rc = wb_buf_putc(&enc->out, ']')) < 0)
        goto out;
    enc->depth--;
out:
    return rc;
}

static int encode_object(encoder *enc, const json_t *object)
{
    size_t i, count = json_object_size(object);
    member *members = NULL;
    path_step *step;
    void *iter;
    int rc;

    if ((rc = enter_container(enc, '{')) < 0)
        goto out;
    step = &enc->path[enc->depth - 1];
    members = wb_calloc(count ? count : 1, sizeof(*members));
    if (!members) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    /* jansson's iterator API takes a non-const object but only reads it */
    iter = json_object_iter((json_t *)object);
    for (i = 0; i < count && iter; i++) {
        members[i].key = json_object_iter_key(iter);
#if JANSSON_VERSION_HEX >= 0x020e00
        members[i].key_len = json_object_iter_key_len(iter);
#else
        members[i].key_len = strlen(members[i].key); /* keys hold no NUL before 2.14 */
#endif
        members[i].value = json_object_iter_value(iter);
        iter = json_object_iter_next((json_t *)object, iter);
    }
    if (i != count || iter) {
        rc = encode_fail(enc, WB_EINTERNAL, "object size and members disagree");
        goto out;
    }
    if (enc->form == CANON_JCS) {
        for (i = 0; i < count; i++) {
            if (!wb_utf8_valid(members[i].key, members[i].key_len)) {
                step->key = members[i].key;
                step->key_len = members[i].key_len;
                rc = encode_fail(enc, WB_EFORMAT, "object key is not valid UTF-8");
                goto out;
            }
        }
    }
    qsort(members, count, sizeof(*members), enc->form == CANON_JCS ? cmp_jcs_keys : cmp_olpc_keys);
    for (i = 0; i < count; i++) {
        step->key = members[i].key;
        step->key_len = members[i].key_len;
        if (i > 0 && (rc = wb_buf_putc(&enc->out, ',')) < 0)
            goto out;
        if ((rc = encode_string(enc, members[i].key, members[i].key_len, "object key")) < 0 ||
            (rc = wb_buf_putc(&enc->out, ':')) < 0 ||
            (rc = encode_value(enc, members[i].value)) < 0)
            goto out;
    }
    if ((rc = wb_buf_putc(&enc->out, '}')) < 0)
        goto out;
    enc->depth--;
out:
    wb_free(members);
    return rc;
}

static int encode_value(encoder *enc, const json_t *value)
{
    int rc;

    switch (json_typeof(value)) {
    case JSON_OBJECT:
        rc = encode_object(enc, value);
        break;
    case JSON_ARRAY:
        rc = encode_array(enc, value);
        break;
    case JSON_STRING:
        rc = encode_string(enc, json_string_value(value), json_string_length(value), "string");
        break;
    case JSON_INTEGER:
        rc = encode_integer(enc, json_integer_value(value));
        break;
    case JSON_REAL:
        rc = encode_real(enc, json_real_value(value));
        break;
    case JSON_TRUE:
        rc = wb_buf_puts(&enc->out, "true");
        break;
    case JSON_FALSE:
        rc = wb_buf_puts(&enc->out, "false");
        break;
    case JSON_NULL:
        rc = wb_buf_puts(&enc->out, "null");
        break;
    default:
        rc = encode_fail(enc, WB_EINTERNAL, "unknown JSON type");
        break;
    }
    return rc;
}

static int encode_canonical(char **out, size_t *out_len, const json_t *value, canon_form form,
                            const char *name)
{
    encoder enc;
    int rc;

    memset(&enc, 0, sizeof(enc));
    enc.form = form;
    enc.name = name;
    if (!out || !value) {
        rc = wb_error_set(WB_EINVAL, "%s: invalid argument", name);
        goto out;
    }
    *out = NULL;
    if (out_len)
        *out_len = 0;
    if ((rc = encode_value(&enc, value)) < 0)
        goto out;
    rc = wb_buf_detach(&enc.out, out, out_len);
out:
    if (rc == WB_ENOMEM)
        wb_error_set(WB_ENOMEM, "%s: out of memory", name);
    wb_buf_free(&enc.out);
    return rc;
}

int wb_json_canonical_olpc(char **out, size_t *out_len, const json_t *value)
{
    return encode_canonical(out, out_len, value, CANON_OLPC, "canonical JSON");
}

int wb_json_canonical_jcs(char **out, size_t *out_len, const json_t *value)
{
    return encode_canonical(out, out_len, value, CANON_JCS, "JCS");
}
