/*
 * layout_reader.c: the streaming reader of in-toto links.
 *
 * A link of a large step records tens of thousands of artifacts; parsing it
 * into a jansson tree, building the model from the tree, encoding the model
 * as canonical JSON and freeing it all was most of the time `waybill layout
 * verify` took. This reader goes over the text once and writes what
 * verification needs directly: the materials and products as sorted tables
 * (layout_artifacts.c) with their bytes in one arena, the canonical JSON of
 * the model that the signatures are over, and the signatures.
 *
 * It is an accelerator, never a second judge: it reads only the plain form
 * of a link Metablock ({"signed": {"_type": "link", ...}, "signatures":
 * [{"keyid", "sig"}]}, every field of the model optional but "_type" and
 * "name", no other field anywhere) and declines (WB_LAYOUT_DEFER) at the
 * first thing that is not exactly that, valid: bad JSON, a duplicate key,
 * "\u0000", a lone surrogate, a NUL byte, a layout, a DSSE envelope, a
 * field the model does not have, a hash that is not hex, a bound of
 * layout.h reached. wb_metablock_parse() then reads the document with
 * jansson as it always did, so refusals and their messages are that path's.
 * What the reader accepts, the jansson path accepts with the same model,
 * signatures and artifacts: fuzz_link.c checks exactly that.
 *
 * The small free-form fields (byproducts, command, environment) are read by
 * jansson itself (json_loadb() of the value, JSON_DISABLE_EOF_CHECK) and
 * encoded by wb_json_canonical_olpc(), as the jansson path does; their
 * nesting is bounded here so that it stays within what the encoder takes
 * for the whole model.
 *
 * Strings are checked as jansson checks them: control characters refused,
 * escapes \" \\ \/ \b \f \n \r \t \uXXXX with surrogate pairs joined, and
 * UTF-8 well formed (wb_utf8_decode(): no overlongs, no surrogates, nothing
 * above U+10FFFF).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "layout_internal.h"
#include "waybill/json.h"
#include "waybill/layout.h"

#define DEFER WB_LAYOUT_DEFER

/* Bounds of what the reader takes (beyond them it declines). */
#define READER_MAX_ALGS  16 /* hash algorithms of one artifact */
#define READER_MAX_DEPTH 32 /* nesting of byproducts, command, environment */
/* Bytes of text per artifact assumed when a table is first allocated: it
 * gets room for as many as the rest of the text could hold at this size
 * (pages never written cost nothing), and grows when that was too few. */
#define READER_MIN_ARTIFACT 16

typedef struct {
    const unsigned char *p, *end;
    wb_buf scratch; /* decoded strings that had escapes */
    char *arena;    /* paths and canonical hash objects */
    size_t arena_used, arena_cap;
} reader;

typedef struct {
    const char *text;
    size_t len;
} span;

void wb_layout_sigs_free(wb_layout_sig *sigs, size_t n)
{
    size_t i;
    for (i = 0; sigs && i < n; i++) {
        wb_free(sigs[i].keyid);
        wb_free(sigs[i].sig);
        wb_free(sigs[i].hex);
    }
    wb_free(sigs);
}

static void skip_ws(reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

/* The next non-blank byte is `c`: take it. */
static bool take(reader *r, char c)
{
    skip_ws(r);
    if (r->p < r->end && *r->p == (unsigned char)c) {
        r->p++;
        return true;
    }
    return false;
}

/* Byte classes: what a string scan must stop at, and hex digits. */
enum { BYTE_PLAIN = 0, BYTE_STOP = 1, BYTE_HEX = 2 };

static unsigned char byte_class[256];

static void byte_classes_init(void)
{
    int c;
    for (c = 0; c < 0x20; c++)
        byte_class[c] = BYTE_STOP;
    for (c = 0x80; c < 0x100; c++)
        byte_class[c] = BYTE_STOP;
    byte_class['"'] = byte_class['\\'] = BYTE_STOP;
    for (c = '0'; c <= '9'; c++)
        byte_class[c] = BYTE_HEX;
    for (c = 'a'; c <= 'f'; c++)
        byte_class[c] = byte_class[c - 'a' + 'A'] = BYTE_HEX;
}

static pthread_once_t byte_classes_once = PTHREAD_ONCE_INIT;

static int hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* \uXXXX at s (after the backslash and 'u'): the code unit, or -1. */
static long read_u4(const unsigned char *s, const unsigned char *end)
{
    long v = 0;
    int i, d;
    if (end - s < 4)
        return -1;
    for (i = 0; i < 4; i++) {
        if ((d = hex_digit(s[i])) < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static int put_utf8(wb_buf *buf, uint32_t cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return wb_buf_append(buf, b, n);
}

/* The rest of a string with escapes, from s (inside the quotes), decoded
 * into r->scratch after what read_string() put there. */
static int read_escaped(reader *r, const unsigned char *s, span *out)
{
    const unsigned char *end = r->end, *run = s;
    uint32_t cp;

    while (s < end) {
        unsigned char c = *s;
        if (c == '"') {
            wb_buf_append(&r->scratch, run, (size_t)(s - run));
            if (r->scratch.failed)
                return wb_error_set(WB_ENOMEM, "out of memory");
            out->text = r->scratch.data;
            out->len = r->scratch.len;
            r->p = s + 1;
            return 0;
        }
        if (c < 0x20)
            return DEFER;
        if (c >= 0x80) {
            size_t used = wb_utf8_decode(s, (size_t)(end - s), &cp);
            if (used == 0)
                return DEFER;
            s += used;
            continue;
        }
        if (c != '\\') {
            s++;
            continue;
        }
        wb_buf_append(&r->scratch, run, (size_t)(s - run));
        if (end - s < 2)
            return DEFER;
        switch (s[1]) {
        case '"':
        case '\\':
        case '/':
            wb_buf_putc(&r->scratch, (char)s[1]);
            s += 2;
            break;
        case 'b':
            wb_buf_putc(&r->scratch, '\b');
            s += 2;
            break;
        case 'f':
            wb_buf_putc(&r->scratch, '\f');
            s += 2;
            break;
        case 'n':
            wb_buf_putc(&r->scratch, '\n');
            s += 2;
            break;
        case 'r':
            wb_buf_putc(&r->scratch, '\r');
            s += 2;
            break;
        case 't':
            wb_buf_putc(&r->scratch, '\t');
            s += 2;
            break;
        case 'u': {
            long unit = read_u4(s + 2, end), low;
            if (unit <= 0) /* not hex, or \u0000 (jansson refuses it) */
                return DEFER;
            s += 6;
            if (unit >= 0xdc00 && unit <= 0xdfff)
                return DEFER; /* a lone low surrogate */
            if (unit >= 0xd800 && unit <= 0xdbff) {
                if (end - s < 6 || s[0] != '\\' || s[1] != 'u')
                    return DEFER;
                low = read_u4(s + 2, end);
                if (low < 0xdc00 || low > 0xdfff)
                    return DEFER;
                s += 6;
                cp = 0x10000 + (((uint32_t)unit - 0xd800) << 10) + ((uint32_t)low - 0xdc00);
            } else {
                cp = (uint32_t)unit;
            }
            put_utf8(&r->scratch, cp);
            break;
        }
        default:
            return DEFER;
        }
        run = s;
    }
    return DEFER;
}

/* Whether any of the 8 bytes in v is one a string scan stops at: below
 * 0x20, '"', '\\' or from 0x80 (the exact "has a byte less than n" and "has
 * a zero byte" tests of Bit Twiddling Hacks). */
static inline bool has_stop_byte(uint64_t v)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t quote = v ^ (ones * '"'), backslash = v ^ (ones * '\\');
    return (((v - ones * 0x20) & ~v) | ((quote - ones) & ~quote) |
            ((backslash - ones) & ~backslash) | v) &
           highs;
}

/* A string at the next non-blank byte. The text is the input itself when
 * the string has no escape, else r->scratch (valid until the next string). */
static int read_string(reader *r, span *out)
{
    const unsigned char *s, *end = r->end;
    uint32_t cp;
    size_t used;

    skip_ws(r);
    if (r->p >= end || *r->p != '"')
        return DEFER;
    s = r->p + 1;
    for (;;) {
        unsigned char c;
        uint64_t block;
        while (end - s >= 8) {
            memcpy(&block, s, 8);
            if (has_stop_byte(block))
                break;
            s += 8;
        }
        while (s < end && byte_class[*s] != BYTE_STOP)
            s++;
        if (s >= end)
            return DEFER;
        c = *s;
        if (c == '"') {
            out->text = (const char *)r->p + 1;
            out->len = (size_t)(s - r->p - 1);
            r->p = s + 1;
            return 0;
        }
        if (c == '\\') {
            r->scratch.len = 0;
            wb_buf_append(&r->scratch, r->p + 1, (size_t)(s - r->p - 1));
            return read_escaped(r, s, out);
        }
        if (c < 0x20 || (used = wb_utf8_decode(s, (size_t)(end - s), &cp)) == 0)
            return DEFER;
        s += used;
    }
}

/* Whether all 8 bytes in v are hex digits: no byte from 0x80, and each in
 * '0'..'9' or, lower-cased, 'a'..'f'. For bytes below 0x80, b + (0x80 - lo)
 * has its high bit set exactly when b >= lo, and no addition carries into
 * the next byte. */
static inline bool all_hex(uint64_t v)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t lower = v | (ones * 0x20), digit, letter;
    if (v & highs)
        return false;
    digit = (v + ones * (0x80 - '0')) & ~(v + ones * (0x7f - '9'));
    letter = (lower + ones * (0x80 - 'a')) & ~(lower + ones * (0x7f - 'f'));
    return ((digit | letter) & highs) == highs;
}

/* A string of hex digits at the next non-blank byte, in one pass (hex
 * digits never need an escape; a string with one, or with anything but hex
 * digits, is declined). */
static int read_hex(reader *r, span *out)
{
    const unsigned char *s, *end = r->end;
    uint64_t block;

    skip_ws(r);
    if (r->p >= end || *r->p != '"')
        return DEFER;
    s = r->p + 1;
    while (end - s >= 8) {
        memcpy(&block, s, 8);
        if (!all_hex(block))
            break;
        s += 8;
    }
    for (; s < end && byte_class[*s] == BYTE_HEX; s++)
        ;
    if (s >= end || *s != '"' || s == r->p + 1)
        return DEFER;
    out->text = (const char *)r->p + 1;
    out->len = (size_t)(s - r->p - 1);
    r->p = s + 1;
    return 0;
}

static bool span_is(const span *s, const char *word)
{
    size_t n = strlen(word);
    return s->len == n && memcmp(s->text, word, n) == 0;
}

static bool span_is_hex(const span *s)
{
    const unsigned char *t = (const unsigned char *)s->text;
    size_t i;
    unsigned char all = BYTE_HEX;
    if (s->len == 0)
        return false;
    for (i = 0; i < s->len; i++)
        all &= byte_class[t[i]];
    return all == BYTE_HEX;
}

/* Room for n more bytes in the arena (sized so that it never runs out:
 * what goes in is never longer than the text it comes from). */
static char *arena_take(reader *r, size_t n)
{
    char *at;
    if (n > r->arena_cap - r->arena_used)
        return NULL;
    at = r->arena + r->arena_used;
    r->arena_used += n;
    return at;
}

static size_t canonical_string_len(const char *s, size_t len)
{
    size_t i, n = len + 2;
    for (i = 0; i < len; i++)
        if (s[i] == '"' || s[i] == '\\')
            n++;
    return n;
}

static char *put_canonical_string(char *to, const char *s, size_t len)
{
    size_t i;
    *to++ = '"';
    for (i = 0; i < len; i++) {
        if (s[i] == '"' || s[i] == '\\')
            *to++ = '\\';
        *to++ = s[i];
    }
    *to++ = '"';
    return to;
}

typedef struct {
    span alg, hex;
} hash_pair;

static int cmp_pairs(const void *a, const void *b)
{
    const hash_pair *x = a, *y = b;
    return wb_artifact_path_cmp(x->alg.text, x->alg.len, y->alg.text, y->alg.len);
}

/* One artifact's hash object, written canonical into the arena. */
static int read_hashes(reader *r, wb_artifact *a)
{
    hash_pair pairs[READER_MAX_ALGS];
    char algs[READER_MAX_ALGS][64];
    size_t n = 0, i, total = 2;
    char *to;
    int rc;

    if (!take(r, '{'))
        return DEFER;
    if (!take(r, '}')) {
        do {
            if (n == READER_MAX_ALGS)
                return DEFER;
            if ((rc = read_string(r, &pairs[n].alg)) != 0)
                return rc;
            /* a name from scratch is overwritten by the next string */
            if (pairs[n].alg.text == r->scratch.data) {
                if (pairs[n].alg.len > sizeof(algs[n]))
                    return DEFER;
                memcpy(algs[n], pairs[n].alg.text, pairs[n].alg.len);
                pairs[n].alg.text = algs[n];
            }
            if (!take(r, ':') || (rc = read_hex(r, &pairs[n].hex)) != 0)
                return rc ? rc : DEFER;
            total += canonical_string_len(pairs[n].alg.text, pairs[n].alg.len) + 1 +
                     pairs[n].hex.len + 2 + (n ? 1 : 0);
            n++;
        } while (take(r, ','));
        if (!take(r, '}'))
            return DEFER;
    }
    if (n > 1) {
        qsort(pairs, n, sizeof(*pairs), cmp_pairs);
        for (i = 1; i < n; i++)
            if (cmp_pairs(&pairs[i - 1], &pairs[i]) == 0)
                return DEFER; /* a duplicate key */
    }
    if (!(to = arena_take(r, total)))
        return DEFER;
    a->hashes = to;
    a->hashes_len = total;
    *to++ = '{';
    for (i = 0; i < n; i++) {
        if (i)
            *to++ = ',';
        to = put_canonical_string(to, pairs[i].alg.text, pairs[i].alg.len);
        *to++ = ':';
        *to++ = '"';
        memcpy(to, pairs[i].hex.text, pairs[i].hex.len);
        to += pairs[i].hex.len;
        *to++ = '"';
    }
    *to = '}';
    return 0;
}

static int cmp_artifacts(const void *a, const void *b)
{
    const wb_artifact *x = a, *y = b;
    return wb_artifact_path_cmp(x->path, x->path_len, y->path, y->path_len);
}

/* An artifact object into a sorted table. */
static int read_artifacts(reader *r, wb_artifacts *table)
{
    size_t cap = 0, i;
    bool sorted = true;
    int rc;

    table->plain = true;
    if (!take(r, '{'))
        return DEFER;
    if (take(r, '}'))
        return 0;
    do {
        span path;
        wb_artifact *a;
        char *copy;
        if (table->count == cap) {
            /* first as many as READER_MIN_ARTIFACT allows, then double */
            size_t ncap = cap ? 2 * cap : (size_t)(r->end - r->p) / READER_MIN_ARTIFACT + 1;
            wb_artifact *grown;
            if (cap >= WB_LAYOUT_MAX_ARTIFACTS)
                return DEFER;
            if (ncap > WB_LAYOUT_MAX_ARTIFACTS)
                ncap = WB_LAYOUT_MAX_ARTIFACTS;
            grown = wb_reallocarray(table->items, ncap, sizeof(*grown));
            if (!grown)
                return wb_error_set(WB_ENOMEM, "out of memory");
            table->items = grown;
            cap = ncap;
        }
        if (table->count == WB_LAYOUT_MAX_ARTIFACTS)
            return DEFER;
        a = &table->items[table->count];
        if ((rc = read_string(r, &path)) != 0)
            return rc;
        if (path.len > WB_LAYOUT_MAX_PATH || !(copy = arena_take(r, path.len + 1)))
            return DEFER;
        memcpy(copy, path.text, path.len);
        copy[path.len] = '\0';
        a->path = copy;
        a->path_len = path.len;
        /* a string without escapes holds no quote or backslash */
        if (path.text == r->scratch.data)
            table->plain = false;
        if (!take(r, ':') || (rc = read_hashes(r, a)) != 0)
            return rc ? rc : DEFER;
        if (table->count > 0 && sorted && cmp_artifacts(a - 1, a) >= 0)
            sorted = false;
        table->count++;
    } while (take(r, ','));
    if (!take(r, '}'))
        return DEFER;
    if (table->count < cap) { /* give back what the first guess left over */
        wb_artifact *fit = wb_reallocarray(table->items, table->count, sizeof(*fit));
        if (fit)
            table->items = fit;
    }
    if (!sorted) {
        qsort(table->items, table->count, sizeof(*table->items), cmp_artifacts);
        for (i = 1; i < table->count; i++)
            if (cmp_artifacts(&table->items[i - 1], &table->items[i]) == 0)
                return DEFER; /* a duplicate key */
    }
    return 0;
}

static size_t json_depth(const json_t *value, size_t limit)
{
    size_t deepest = 0, d, i;
    const char *key;
    json_t *member;

    if (limit == 0)
        return 1;
    if (json_is_array(value)) {
        json_array_foreach(value, i, member)
        {
            if ((d = json_depth(member, limit - 1)) > deepest)
                deepest = d;
        }
        return deepest + 1;
    }
    if (json_is_object(value)) {
        json_object_foreach((json_t *)value, key, member)
        {
            if ((d = json_depth(member, limit - 1)) > deepest)
                deepest = d;
        }
        return deepest + 1;
    }
    return 0;
}

/* byproducts, environment (objects) or command (a list), read by jansson
 * and checked to have a canonical form. */
static int read_free_form(reader *r, json_t **value, char open)
{
    json_error_t error;
    char *canonical = NULL;
    size_t canonical_len;

    if (*value)
        return DEFER; /* the key came twice */
    skip_ws(r);
    if (r->p >= r->end || *r->p != (unsigned char)open)
        return DEFER;
    *value = json_loadb((const char *)r->p, (size_t)(r->end - r->p),
                        JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &error);
    if (!*value || error.position <= 0 || (size_t)error.position > (size_t)(r->end - r->p))
        return DEFER;
    /* jansson 2.14 skips a NUL after a number ([1,2<NUL>]): refuse it as
     * wb_json_parse() does */
    if (memchr(r->p, '\0', (size_t)error.position))
        return DEFER;
    r->p += error.position;
    if (json_depth(*value, READER_MAX_DEPTH + 1) > READER_MAX_DEPTH)
        return DEFER;
    if (wb_json_canonical_olpc(&canonical, &canonical_len, *value) < 0)
        return DEFER;
    wb_free(canonical);
    return 0;
}

typedef struct {
    bool have_type, have_name;
    char *name;
    wb_artifacts materials, products;
    json_t *byproducts, *command, *environment;
    unsigned present;
} signed_parts;

static void signed_parts_free(signed_parts *s)
{
    wb_free(s->name);
    wb_free(s->materials.items);
    wb_free(s->products.items);
    json_decref(s->byproducts);
    json_decref(s->command);
    json_decref(s->environment);
}

static int read_signed(reader *r, signed_parts *s)
{
    int rc;

    if (!take(r, '{'))
        return DEFER;
    if (take(r, '}'))
        return DEFER; /* no "_type" */
    do {
        span key;
        if ((rc = read_string(r, &key)) != 0)
            return rc;
        if (!take(r, ':'))
            return DEFER;
        if (span_is(&key, "_type")) {
            span type;
            if (s->have_type || (rc = read_string(r, &type)) != 0 || !span_is(&type, "link"))
                return rc ? rc : DEFER;
            s->have_type = true;
        } else if (span_is(&key, "name")) {
            span name;
            if (s->have_name || (rc = read_string(r, &name)) != 0)
                return rc ? rc : DEFER;
            if (!(s->name = wb_strndup(name.text, name.len)))
                return wb_error_set(WB_ENOMEM, "out of memory");
            s->have_name = true;
        } else if (span_is(&key, "materials") && !(s->present & WB_LINK_HAS_MATERIALS)) {
            rc = read_artifacts(r, &s->materials);
            s->present |= WB_LINK_HAS_MATERIALS;
        } else if (span_is(&key, "products") && !(s->present & WB_LINK_HAS_PRODUCTS)) {
            rc = read_artifacts(r, &s->products);
            s->present |= WB_LINK_HAS_PRODUCTS;
        } else if (span_is(&key, "byproducts") && !(s->present & WB_LINK_HAS_BYPRODUCTS)) {
            rc = read_free_form(r, &s->byproducts, '{');
            s->present |= WB_LINK_HAS_BYPRODUCTS;
        } else if (span_is(&key, "environment") && !(s->present & WB_LINK_HAS_ENVIRONMENT)) {
            rc = read_free_form(r, &s->environment, '{');
            s->present |= WB_LINK_HAS_ENVIRONMENT;
        } else if (span_is(&key, "command") && !(s->present & WB_LINK_HAS_COMMAND)) {
            rc = read_free_form(r, &s->command, '[');
            s->present |= WB_LINK_HAS_COMMAND;
        } else {
            return DEFER; /* a field the model lacks (the jansson path drops it) or
                           * one that came twice */
        }
        if (rc != 0)
            return rc;
    } while (take(r, ','));
    if (!take(r, '}') || !s->have_type || !s->have_name)
        return DEFER;
    return 0;
}

static int read_signatures(reader *r, wb_layout_sig **out, size_t *nout, bool *seen)
{
    wb_layout_sig *sigs = NULL;
    size_t n = 0;
    int rc = 0;

    if (*seen || !take(r, '['))
        return DEFER;
    *seen = true;
    if (take(r, ']'))
        return 0;
    sigs = wb_calloc(WB_LAYOUT_MAX_SIGNATURES, sizeof(*sigs));
    if (!sigs)
        return wb_error_set(WB_ENOMEM, "out of memory");
    do {
        span keyid = {0}, hex = {0}, value;
        bool have_keyid = false, have_sig = false;
        if (n == WB_LAYOUT_MAX_SIGNATURES || !take(r, '{')) {
            rc = DEFER;
            goto out;
        }
        do {
            span key;
            if ((rc = read_string(r, &key)) != 0)
                goto out;
            if (!take(r, ':') || (rc = read_string(r, &value)) != 0 ||
                value.text == r->scratch.data) {
                rc = rc ? rc : DEFER; /* hex never needs an escape */
                goto out;
            }
            if (span_is(&key, "keyid") && !have_keyid) {
                keyid = value;
                have_keyid = true;
            } else if (span_is(&key, "sig") && !have_sig) {
                hex = value;
                have_sig = true;
            } else {
                rc = DEFER;
                goto out;
            }
        } while (take(r, ','));
        if (!take(r, '}') || !have_keyid || !have_sig || !span_is_hex(&keyid) ||
            (hex.len && !span_is_hex(&hex)) || hex.len > 8192 || hex.len % 2) {
            rc = DEFER;
            goto out;
        }
        sigs[n].keyid = wb_strndup(keyid.text, keyid.len);
        sigs[n].sig = wb_malloc(hex.len / 2 + 1);
        sigs[n].hex = wb_strndup(hex.text, hex.len);
        n++;
        if (!sigs[n - 1].keyid || !sigs[n - 1].sig || !sigs[n - 1].hex) {
            rc = wb_error_set(WB_ENOMEM, "out of memory");
            goto out;
        }
        if (wb_hex_decode(sigs[n - 1].sig, hex.len / 2 + 1, &sigs[n - 1].sig_len, hex.text,
                          hex.len) < 0) {
            rc = DEFER;
            goto out;
        }
    } while (take(r, ','));
    if (!take(r, ']'))
        rc = DEFER;
out:
    if (rc != 0) {
        wb_layout_sigs_free(sigs, n);
        return rc;
    }
    *out = sigs;
    *nout = n;
    return 0;
}

/* The canonical form of a table: its length, and whether any path needs
 * an escape there (most never do: then paths are copied as they are). */
static size_t table_canonical_len(const wb_artifacts *t, bool *escapes)
{
    size_t i, n = 2, plain;
    *escapes = false;
    if (t->plain) {
        for (i = 0; i < t->count; i++)
            n += t->items[i].path_len + 3 + t->items[i].hashes_len + (i ? 1 : 0);
        return n;
    }
    for (i = 0; i < t->count; i++) {
        const wb_artifact *a = &t->items[i];
        plain = a->path_len + 2;
        if (!*escapes && (memchr(a->path, '"', a->path_len) || memchr(a->path, '\\', a->path_len)))
            *escapes = true;
        n += (*escapes ? canonical_string_len(a->path, a->path_len) : plain) + 1 + a->hashes_len +
             (i ? 1 : 0);
    }
    if (*escapes) { /* the paths before the first escape counted plain */
        n = 2;
        for (i = 0; i < t->count; i++)
            n += canonical_string_len(t->items[i].path, t->items[i].path_len) + 1 +
                 t->items[i].hashes_len + (i ? 1 : 0);
    }
    return n;
}

static char *put_table(char *to, const wb_artifacts *t, bool escapes)
{
    size_t i;
    *to++ = '{';
    for (i = 0; i < t->count; i++) {
        const wb_artifact *a = &t->items[i];
        if (i)
            *to++ = ',';
        if (escapes) {
            to = put_canonical_string(to, a->path, a->path_len);
        } else {
            *to++ = '"';
            memcpy(to, a->path, a->path_len);
            to += a->path_len;
            *to++ = '"';
        }
        *to++ = ':';
        memcpy(to, a->hashes, a->hashes_len);
        to += a->hashes_len;
    }
    *to++ = '}';
    return to;
}

static char *put_text(char *to, const char *text, size_t len)
{
    memcpy(to, text, len);
    return to + len;
}

#define PUT_LITERAL(to, lit) put_text(to, lit, sizeof(lit) - 1)

int wb_link_canonical(char **out, size_t *out_len, const wb_link_data *data)
{
    char *by = NULL, *cmd = NULL, *env = NULL, *text = NULL, *to;
    size_t by_len, cmd_len, env_len, len;
    bool materials_escapes, products_escapes;
    int rc;

    *out = NULL;
    if ((rc = wb_json_canonical_olpc(&by, &by_len, data->byproducts)) < 0 ||
        (rc = wb_json_canonical_olpc(&cmd, &cmd_len, data->command)) < 0 ||
        (rc = wb_json_canonical_olpc(&env, &env_len, data->environment)) < 0)
        goto out;
    /* keys in byte order */
    len = sizeof("{\"_type\":\"link\",\"byproducts\":,\"command\":,\"environment\":,"
                 "\"materials\":,\"name\":,\"products\":}") -
          1;
    len += by_len + cmd_len + env_len + table_canonical_len(&data->materials, &materials_escapes) +
           table_canonical_len(&data->products, &products_escapes) +
           canonical_string_len(data->name, strlen(data->name));
    text = wb_malloc(len + 1);
    if (!text) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    to = PUT_LITERAL(text, "{\"_type\":\"link\",\"byproducts\":");
    to = put_text(to, by, by_len);
    to = PUT_LITERAL(to, ",\"command\":");
    to = put_text(to, cmd, cmd_len);
    to = PUT_LITERAL(to, ",\"environment\":");
    to = put_text(to, env, env_len);
    to = PUT_LITERAL(to, ",\"materials\":");
    to = put_table(to, &data->materials, materials_escapes);
    to = PUT_LITERAL(to, ",\"name\":");
    to = put_canonical_string(to, data->name, strlen(data->name));
    to = PUT_LITERAL(to, ",\"products\":");
    to = put_table(to, &data->products, products_escapes);
    *to++ = '}';
    if ((size_t)(to - text) != len) {
        rc = wb_error_set(WB_EINTERNAL, "link reader: canonical length");
        goto out;
    }
    *to = '\0';
    *out = text;
    *out_len = len;
    text = NULL;
out:
    wb_free(by);
    wb_free(cmd);
    wb_free(env);
    wb_free(text);
    return rc;
}

int wb_link_model_json(json_t **model_out, json_t **doc_out, const wb_link_data *data,
                       const wb_layout_sig *sigs, size_t nsigs, bool has_sigs)
{
    static const struct {
        const char *field;
        unsigned bit;
    } fields[] = {
        {"materials", WB_LINK_HAS_MATERIALS},     {"products", WB_LINK_HAS_PRODUCTS},
        {"byproducts", WB_LINK_HAS_BYPRODUCTS},   {"command", WB_LINK_HAS_COMMAND},
        {"environment", WB_LINK_HAS_ENVIRONMENT},
    };
    json_t *model = NULL, *doc = NULL, *signed_doc = NULL, *list = NULL, *materials = NULL,
           *products = NULL;
    size_t i;
    int rc;

    *model_out = NULL;
    if (doc_out)
        *doc_out = NULL;
    if ((rc = wb_link_data_artifacts_json(&materials, data, false)) < 0 ||
        (rc = wb_link_data_artifacts_json(&products, data, true)) < 0)
        goto out;
    model = json_pack("{s:s, s:s, s:O, s:O, s:O, s:O, s:O}", "_type", "link", "name", data->name,
                      "materials", materials, "products", products, "byproducts", data->byproducts,
                      "command", data->command, "environment", data->environment);
    if (!model) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    if (doc_out) {
        /* the document as read: the fields it had, its signatures */
        signed_doc = json_pack("{s:s, s:s}", "_type", "link", "name", data->name);
        doc = signed_doc ? json_pack("{s:O}", "signed", signed_doc) : NULL;
        if (!doc)
            goto nomem;
        for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
            if ((data->present & fields[i].bit) &&
                json_object_set(signed_doc, fields[i].field,
                                json_object_get(model, fields[i].field)) < 0)
                goto nomem;
        if (has_sigs) {
            if (!(list = json_array()) || json_object_set(doc, "signatures", list) < 0)
                goto nomem;
            for (i = 0; i < nsigs; i++)
                if (json_array_append_new(list, json_pack("{s:s, s:s}", "keyid", sigs[i].keyid,
                                                          "sig", sigs[i].hex ? sigs[i].hex : "")) <
                    0)
                    goto nomem;
        }
        *doc_out = doc;
        doc = NULL;
    }
    *model_out = model;
    model = NULL;
    goto out;
nomem:
    rc = wb_error_set(WB_ENOMEM, "out of memory");
out:
    json_decref(materials);
    json_decref(products);
    json_decref(model);
    json_decref(doc);
    json_decref(signed_doc);
    json_decref(list);
    return rc;
}

int wb_link_read(wb_link_data **out, char **signed_out, size_t *signed_len,
                 wb_layout_sig **sigs_out, size_t *nsigs_out, bool *has_sigs_out, const char *buf,
                 size_t len, bool bare)
{
    reader r = {0};
    signed_parts s = {0};
    wb_layout_sig *sigs = NULL;
    size_t nsigs = 0;
    wb_link_data *data = NULL;
    char *canonical = NULL;
    size_t canonical_len = 0;
    bool have_signed = false, have_sigs = false;
    int rc = 0;

    *out = NULL;
    /* a NUL byte is declined where it is met: strings stop at it, the
     * structure has no place for it, free-form values are searched for it */
    if (len == 0 || len > WB_LAYOUT_MAX_FILE_SIZE)
        return DEFER;
    pthread_once(&byte_classes_once, byte_classes_init);
    r.p = (const unsigned char *)buf;
    r.end = r.p + len;
    r.arena_cap = len + 1;
    r.arena = wb_malloc(r.arena_cap);
    if (!r.arena)
        return wb_error_set(WB_ENOMEM, "out of memory");
    if (bare) {
        rc = read_signed(&r, &s);
        have_signed = true;
    } else if (!take(&r, '{') || take(&r, '}')) {
        rc = DEFER;
    } else {
        do {
            span key;
            if ((rc = read_string(&r, &key)) != 0)
                break;
            if (!take(&r, ':')) {
                rc = DEFER;
            } else if (span_is(&key, "signed") && !have_signed) {
                have_signed = true;
                rc = read_signed(&r, &s);
            } else if (span_is(&key, "signatures")) {
                rc = read_signatures(&r, &sigs, &nsigs, &have_sigs);
            } else {
                rc = DEFER; /* "payloadType" (DSSE) or anything else */
            }
        } while (rc == 0 && take(&r, ','));
        if (rc == 0 && !take(&r, '}'))
            rc = DEFER;
    }
    skip_ws(&r);
    if (rc == 0 && (r.p != r.end || !have_signed))
        rc = DEFER;
    if (rc != 0)
        goto out;
    if (!(data = wb_calloc(1, sizeof(*data)))) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    data->name = s.name;
    data->materials = s.materials;
    data->products = s.products;
    data->has_materials = data->has_products = true;
    data->present = s.present;
    data->byproducts = s.byproducts ? json_incref(s.byproducts) : json_object();
    data->command = s.command ? json_incref(s.command) : json_array();
    data->environment = s.environment ? json_incref(s.environment) : json_object();
    data->arena = r.arena;
    memset(&s.materials, 0, sizeof(s.materials));
    memset(&s.products, 0, sizeof(s.products));
    s.name = NULL;
    r.arena = NULL;
    if (!data->byproducts || !data->command || !data->environment) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    if (signed_out) {
        /* checked for each free-form value already: only memory can fail */
        if ((rc = wb_link_canonical(&canonical, &canonical_len, data)) < 0)
            goto out;
        *signed_out = canonical;
        *signed_len = canonical_len;
        canonical = NULL;
    }
    *out = data;
    data = NULL;
    if (sigs_out) {
        *sigs_out = sigs;
        *nsigs_out = nsigs;
        sigs = NULL;
    }
    if (has_sigs_out)
        *has_sigs_out = have_sigs;
out:
    wb_link_data_free(data);
    wb_free(canonical);
    wb_layout_sigs_free(sigs, nsigs);
    signed_parts_free(&s);
    wb_buf_free(&r.scratch);
    wb_free(r.arena);
    return rc;
}
