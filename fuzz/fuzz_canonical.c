/*
 * fuzz_canonical.c: wb_json_parse() and the two canonical encoders.
 *
 * Every input goes to wb_json_parse(); a value that parses is encoded with
 * both wb_json_canonical_olpc() and wb_json_canonical_jcs(). Checked with
 * abort():
 *  - what parses holds no NUL byte: JSON text has none (RFC 8259: not
 *    whitespace, and in a string it must be escaped);
 *  - the encoders fail only with WB_EFORMAT or WB_ELIMIT (WB_ENOMEM is let
 *    through), and a success hands back a NUL-terminated buffer;
 *  - JCS is idempotent: its output is JSON that wb_json_parse() reads back
 *    and that encodes to the same bytes;
 *  - OLPC is idempotent where its output is JSON: OLPC writes control
 *    characters raw, which JSON does not allow, so its output must re-parse
 *    only when no string or key holds one; whenever it re-parses it must
 *    encode to the same bytes and hold a value equal to the input's;
 *  - the two forms agree where they coincide: for a document of printable
 *    ASCII strings, integers within +-(2^53-1) and no reals, OLPC and JCS
 *    write the same bytes (same key order, same two escapes).
 * JCS output holding a real from 2^63 to 1e21 is exempt from the re-read
 * check: ECMAScript writes it as plain digits, beyond jansson's integers.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "waybill/waybill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SAFE_INTEGER 9007199254740991LL
#define TWO_TO_53        9007199254740992.0

typedef struct {
    bool control;   /* a string or key holds a byte below 0x20 */
    bool non_ascii; /* ... or a byte outside 0x20..0x7e */
    bool real;      /* a real anywhere */
    bool big_real;  /* a real of magnitude 2^53 or more */
    bool big_int;   /* an integer outside +-(2^53-1) */
    size_t depth;   /* deepest container nesting */
} features;

static void scan_text(features *f, const char *text, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20)
            f->control = true;
        if (c < 0x20 || c > 0x7e)
            f->non_ascii = true;
    }
}

/* jansson's parser stops at 2048 levels, so this recursion is bounded. */
static void scan(features *f, const json_t *value, size_t depth)
{
    void *iter;
    size_t i;

    switch (json_typeof(value)) {
    case JSON_OBJECT:
        if (depth + 1 > f->depth)
            f->depth = depth + 1;
        /* jansson's iterator takes a non-const object but only reads it */
        for (iter = json_object_iter((json_t *)value); iter;
             iter = json_object_iter_next((json_t *)value, iter)) {
            scan_text(f, json_object_iter_key(iter), strlen(json_object_iter_key(iter)));
            scan(f, json_object_iter_value(iter), depth + 1);
        }
        break;
    case JSON_ARRAY:
        if (depth + 1 > f->depth)
            f->depth = depth + 1;
        for (i = 0; i < json_array_size(value); i++)
            scan(f, json_array_get(value, i), depth + 1);
        break;
    case JSON_STRING:
        scan_text(f, json_string_value(value), json_string_length(value));
        break;
    case JSON_INTEGER:
        if (json_integer_value(value) > MAX_SAFE_INTEGER ||
            json_integer_value(value) < -MAX_SAFE_INTEGER)
            f->big_int = true;
        break;
    case JSON_REAL:
        f->real = true;
        /* from 2^63 to 1e21 ECMAScript writes plain digits, which jansson
         * (64-bit integers) cannot read back: a reader limit, not ours */
        if (json_real_value(value) >= 9223372036854775808.0 ||
            json_real_value(value) <= -9223372036854775808.0)
            f->big_real = true;
        break;
    default:
        break;
    }
}

static void check_encoded(int rc, const char *out, size_t len)
{
    if (rc == 0 && (!out || out[len] != '\0'))
        abort();
    if (rc != 0 && rc != WB_EFORMAT && rc != WB_ELIMIT && rc != WB_ENOMEM)
        abort();
    if (rc != 0 && out)
        abort();
}

typedef int (*encode_fn)(char **out, size_t *out_len, const json_t *value);

/* Parse `text` and encode it again with `encode`: the bytes must not move.
 * `must_parse`: the text is JSON by construction. `lenient`: a known bug may
 * break either step; check only what does not fail. Returns the parsed
 * value (new reference) or NULL when it did not parse. */
static json_t *check_idempotent(encode_fn encode, const char *text, size_t len, bool must_parse,
                                bool lenient)
{
    json_t *again = NULL;
    char *out = NULL;
    size_t out_len = 0;
    int rc = wb_json_parse(&again, text, len, "canonical");

    if (rc == WB_ENOMEM)
        return NULL;
    if (rc < 0) {
        if (must_parse && !lenient)
            abort();
        return NULL;
    }
    rc = encode(&out, &out_len, again);
    if (rc == WB_ENOMEM || (rc < 0 && lenient))
        return again;
    if (rc < 0 || out_len != len || memcmp(out, text, len) != 0)
        abort();
    wb_free(out);
    return again;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *value = NULL, *again;
    char *olpc = NULL, *jcs = NULL;
    size_t olpc_len = 0, jcs_len = 0;
    features f = {0};
    int rc_olpc, rc_jcs;

    if (wb_json_parse(&value, (const char *)data, size, "fuzz") < 0) {
        if (value)
            abort();
        return 0;
    }
    if (memchr(data, '\0', size))
        abort();
    scan(&f, value, 0);

    rc_olpc = wb_json_canonical_olpc(&olpc, &olpc_len, value);
    check_encoded(rc_olpc, olpc, olpc_len);
    rc_jcs = wb_json_canonical_jcs(&jcs, &jcs_len, value);
    check_encoded(rc_jcs, jcs, jcs_len);

    /* what each encoder must accept */
    if (f.depth <= WB_JSON_MAX_DEPTH && !f.real && (rc_olpc < 0 && rc_olpc != WB_ENOMEM))
        abort();
    if (f.depth > WB_JSON_MAX_DEPTH && (rc_olpc == 0 || rc_jcs == 0))
        abort();

    if (rc_jcs == 0) {
        again = check_idempotent(wb_json_canonical_jcs, jcs, jcs_len, true, f.big_real);
        json_decref(again);
    }
    if (rc_olpc == 0) {
        again = check_idempotent(wb_json_canonical_olpc, olpc, olpc_len, !f.control, false);
        if (again && !json_equal(value, again))
            abort();
        json_decref(again);
    }
    if (rc_olpc == 0 && rc_jcs == 0 && !f.non_ascii && !f.big_int && !f.real &&
        (olpc_len != jcs_len || memcmp(olpc, jcs, olpc_len) != 0))
        abort();

    wb_free(olpc);
    wb_free(jcs);
    json_decref(value);
    return 0;
}
