/*
 * version.c: version ordering per ecosystem (Debian, npm, PyPI, Maven, Go,
 * crates.io, SemVer), as OSV range evaluation needs it.
 *
 * Every ordering is written from its specification, not from another
 * implementation:
 *
 *  - Debian: Debian Policy 5.6.12 and deb-version(7). [epoch:]upstream
 *    [-revision]; the epoch is a number, the upstream part starts with a
 *    digit, the revision is what follows the last hyphen. Parts compare
 *    alternately as non-digit runs (letters before non-letters, '~' before
 *    everything, even the end) and digit runs (numerically).
 *  - SemVer 2.0.0 (semver.org), in four dialects that differ only in what
 *    they accept: npm (node-semver: optional "v", at most 256 bytes,
 *    numbers up to 2^53-1), Go (golang.org/x/mod/semver: "v1" and "v1.2"
 *    abbreviate v1.0.0 and v1.2.0; OSV writes Go versions without the "v",
 *    so it is optional here), crates.io (the semver crate: no "v", numbers
 *    fit in 64 bits) and plain SemVer for OSV's SEMVER ranges. Precedence
 *    ignores build metadata in all four.
 *  - PEP 440, including the normalizations of its "Normalization" section
 *    (case, "-", "_" and "." separators, alpha/beta/c/pre/preview/rev/r
 *    spellings, implicit 0 numbers, "1.0-1" as a post-release, leading
 *    "v", surrounding whitespace) and its ordering of developmental,
 *    pre-, post- and local versions.
 *  - Maven: the "Version Order Specification" of the POM reference
 *    (maven.apache.org/pom.html): tokens split at '.', '-' and digit/letter
 *    transitions, trailing null tokens trimmed before each hyphen, then a
 *    lexicographic order on prefixed tokens with padding.
 *
 * Numbers are compared as digit strings (leading zeros dropped, then length,
 * then bytes), so no version overflows a machine integer. Nothing here
 * allocates: versions are parsed into spans of the caller's strings (Maven
 * into a token array on the stack, bounded by WB_VERSION_MAX_LEN).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "waybill/version.h"

/* node-semver's MAX_LENGTH and Number.MAX_SAFE_INTEGER */
#define NPM_MAX_LEN    256
#define NPM_MAX_NUMBER UINT64_C(9007199254740991)

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
    return is_digit(c) || is_alpha(c);
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

/* Numeric order of two digit strings of any length (empty means 0). */
static int cmp_num(const char *a, size_t a_len, const char *b, size_t b_len)
{
    int c;

    while (a_len > 0 && *a == '0') {
        a++;
        a_len--;
    }
    while (b_len > 0 && *b == '0') {
        b++;
        b_len--;
    }
    if (a_len != b_len)
        return a_len < b_len ? -1 : 1;
    c = a_len ? memcmp(a, b, a_len) : 0;
    return sign(c);
}

/* Byte order, a proper prefix first. */
static int cmp_bytes(const char *a, size_t a_len, const char *b, size_t b_len)
{
    size_t n = a_len < b_len ? a_len : b_len;
    int c = n ? memcmp(a, b, n) : 0;

    if (c != 0)
        return sign(c);
    return a_len == b_len ? 0 : (a_len < b_len ? -1 : 1);
}

/* ASCII case-insensitive byte order, a proper prefix first. */
static int cmp_nocase(const char *a, size_t a_len, const char *b, size_t b_len)
{
    size_t i, n = a_len < b_len ? a_len : b_len;

    for (i = 0; i < n; i++) {
        unsigned char x = (unsigned char)lower(a[i]), y = (unsigned char)lower(b[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a_len == b_len ? 0 : (a_len < b_len ? -1 : 1);
}

static bool eq_nocase(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    return len == n && cmp_nocase(s, len, word, n) == 0;
}

static bool all_digits(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

/* Value of a digit string if it fits in `max`. */
static bool num_at_most(const char *s, size_t len, uint64_t max)
{
    uint64_t value = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        if (value > (max - (uint64_t)(s[i] - '0')) / 10)
            return false;
        value = value * 10 + (uint64_t)(s[i] - '0');
    }
    return true;
}

/* The error for an invalid version: names the version (at most 64 bytes
 * of it, non-printing bytes as '?'), the ecosystem and the reason. */
static int invalid(wb_ecosystem eco, const char *s, size_t len, const char *why)
{
    char shown[68];
    size_t i, n = len < 64 ? len : 64;

    for (i = 0; i < n; i++)
        shown[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (n < len) {
        memcpy(shown + n, "...", 3);
        n += 3;
    }
    shown[n] = '\0';
    return wb_error_set(WB_EFORMAT, "'%s' is not a valid %s version: %s", shown,
                        wb_ecosystem_name(eco), why);
}

/* ------------------------------------------------------------------ */
/* Debian (Policy 5.6.12)                                              */
/* ------------------------------------------------------------------ */

typedef struct {
    const char *epoch, *upstream, *revision;
    size_t epoch_len, upstream_len, revision_len;
} deb_version;

static int deb_parse(deb_version *v, const char *s, size_t len)
{
    const char *colon, *rest, *hyphen = NULL;
    size_t rest_len, i;

    /* absent parts are empty strings, never NULL spans */
    v->epoch = v->revision = "";
    v->epoch_len = v->revision_len = 0;
    v->upstream = s;
    v->upstream_len = 0;
    if (len == 0)
        return invalid(WB_ECO_DEBIAN, s, len, "empty");
    colon = memchr(s, ':', len);
    rest = s;
    rest_len = len;
    if (colon) {
        v->epoch = s;
        v->epoch_len = (size_t)(colon - s);
        if (v->epoch_len == 0)
            return invalid(WB_ECO_DEBIAN, s, len, "empty epoch");
        if (!all_digits(v->epoch, v->epoch_len))
            return invalid(WB_ECO_DEBIAN, s, len, "epoch is not a number");
        /* dpkg keeps the epoch in an int */
        if (!num_at_most(v->epoch, v->epoch_len, INT32_MAX))
            return invalid(WB_ECO_DEBIAN, s, len, "epoch is too big");
        rest = colon + 1;
        rest_len = len - v->epoch_len - 1;
    }
    for (i = rest_len; i > 0; i--)
        if (rest[i - 1] == '-') {
            hyphen = rest + i - 1;
            break;
        }
    v->upstream = rest;
    v->upstream_len = rest_len;
    if (hyphen) {
        v->upstream_len = (size_t)(hyphen - rest);
        v->revision = hyphen + 1;
        v->revision_len = rest_len - v->upstream_len - 1;
        if (v->revision_len == 0)
            return invalid(WB_ECO_DEBIAN, s, len, "empty revision");
    }
    if (v->upstream_len == 0)
        return invalid(WB_ECO_DEBIAN, s, len, "empty upstream version");
    if (!is_digit(v->upstream[0]))
        return invalid(WB_ECO_DEBIAN, s, len, "upstream version does not start with a digit");
    for (i = 0; i < v->upstream_len; i++) {
        char c = v->upstream[i];
        if (!is_alnum(c) && !strchr(".+~-:", c))
            return invalid(WB_ECO_DEBIAN, s, len, "invalid character in upstream version");
    }
    for (i = 0; i < v->revision_len; i++) {
        char c = v->revision[i];
        if (!is_alnum(c) && !strchr(".+~", c))
            return invalid(WB_ECO_DEBIAN, s, len, "invalid character in revision");
    }
    return 0;
}

/* The weight of a character in a non-digit run: '~' sorts before the end
 * of the run, which sorts before letters, which sort before the rest. */
static int deb_weight(const char *s, size_t len, size_t i)
{
    char c;

    if (i >= len || is_digit(s[i]))
        return 0;
    c = s[i];
    if (c == '~')
        return -1;
    if (is_alpha(c))
        return (unsigned char)c;
    return (unsigned char)c + 256;
}

static int deb_part_cmp(const char *a, size_t a_len, const char *b, size_t b_len)
{
    size_t i = 0, j = 0;

    while (i < a_len || j < b_len) {
        size_t a_start, b_start;
        int c;

        /* the non-digit runs, character by character */
        while ((i < a_len && !is_digit(a[i])) || (j < b_len && !is_digit(b[j]))) {
            int wa = deb_weight(a, a_len, i), wb = deb_weight(b, b_len, j);
            if (wa != wb)
                return wa < wb ? -1 : 1;
            /* equal weights here are two equal non-digit characters */
            i++;
            j++;
        }
        /* the digit runs, as numbers (an empty run is 0) */
        a_start = i;
        b_start = j;
        while (i < a_len && is_digit(a[i]))
            i++;
        while (j < b_len && is_digit(b[j]))
            j++;
        c = cmp_num(a + a_start, i - a_start, b + b_start, j - b_start);
        if (c != 0)
            return c;
    }
    return 0;
}

static int deb_compare(int *out, const char *a, size_t a_len, const char *b, size_t b_len)
{
    deb_version va, vb;
    int rc, c;

    if ((rc = deb_parse(&va, a, a_len)) < 0 || (rc = deb_parse(&vb, b, b_len)) < 0)
        return rc;
    c = cmp_num(va.epoch, va.epoch_len, vb.epoch, vb.epoch_len);
    if (c == 0)
        c = deb_part_cmp(va.upstream, va.upstream_len, vb.upstream, vb.upstream_len);
    if (c == 0)
        c = deb_part_cmp(va.revision, va.revision_len, vb.revision, vb.revision_len);
    *out = c;
    return 0;
}

/* ------------------------------------------------------------------ */
/* SemVer 2.0.0 and its dialects                                       */
/* ------------------------------------------------------------------ */

typedef struct {
    const char *num[3];
    size_t num_len[3];
    const char *pre; /* without the '-'; NULL when none */
    size_t pre_len;
} sv_version;

typedef struct {
    bool optional_v;  /* a leading 'v' may be present */
    bool shorthand;   /* Go: "1" and "1.2" stand for 1.0.0 and 1.2.0 */
    uint64_t max_num; /* 0: no bound on major/minor/patch */
    size_t max_len;   /* 0: WB_VERSION_MAX_LEN */
} sv_dialect;

static const sv_dialect sv_npm = {true, false, NPM_MAX_NUMBER, NPM_MAX_LEN};
static const sv_dialect sv_go = {true, true, 0, 0};
static const sv_dialect sv_cargo = {false, false, UINT64_MAX, 0};
static const sv_dialect sv_plain = {true, false, 0, 0};

static const sv_dialect *sv_dialect_of(wb_ecosystem eco)
{
    switch (eco) {
    case WB_ECO_NPM:
        return &sv_npm;
    case WB_ECO_GO:
        return &sv_go;
    case WB_ECO_CARGO:
        return &sv_cargo;
    default:
        return &sv_plain;
    }
}

/* Dot-separated identifiers of [0-9A-Za-z-], none empty; with `numeric_rule`
 * an identifier of digits only must not have a leading zero. */
static const char *sv_identifiers(const char *s, size_t len, bool numeric_rule)
{
    size_t i, start = 0;

    if (len == 0)
        return "empty identifier";
    for (i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            size_t n = i - start;
            if (n == 0)
                return "empty identifier";
            if (numeric_rule && n > 1 && s[start] == '0' && all_digits(s + start, n))
                return "numeric identifier with a leading zero";
            start = i + 1;
        } else if (!is_alnum(s[i]) && s[i] != '-') {
            return "invalid character";
        }
    }
    return NULL;
}

static int sv_parse(sv_version *v, wb_ecosystem eco, const char *s, size_t len)
{
    const sv_dialect *d = sv_dialect_of(eco);
    size_t pos = 0, part, end;
    const char *why;

    memset(v, 0, sizeof(*v));
    if (len > (d->max_len ? d->max_len : WB_VERSION_MAX_LEN))
        return invalid(eco, s, len, "too long");
    if (d->optional_v && len > 0 && s[0] == 'v')
        pos = 1;
    for (part = 0; part < 3; part++) {
        size_t start = pos;
        while (pos < len && is_digit(s[pos]))
            pos++;
        if (pos == start)
            return invalid(eco, s, len,
                           part == 0   ? "no major version number"
                           : part == 1 ? "no minor version number"
                                       : "no patch version number");
        if (pos - start > 1 && s[start] == '0')
            return invalid(eco, s, len, "version number with a leading zero");
        if (d->max_num && !num_at_most(s + start, pos - start, d->max_num))
            return invalid(eco, s, len, "version number too big");
        v->num[part] = s + start;
        v->num_len[part] = pos - start;
        if (part < 2) {
            if (d->shorthand && pos == len) {
                /* "v1" and "v1.2": the rest is zero (empty spans are 0) */
                break;
            }
            if (pos >= len || s[pos] != '.')
                return invalid(eco, s, len, "expected MAJOR.MINOR.PATCH");
            pos++;
        }
    }
    if (pos == len)
        return 0;
    if (v->num[2] == NULL)
        return invalid(eco, s, len, "pre-release or build on an abbreviated version");
    if (s[pos] == '-') {
        pos++;
        end = pos;
        while (end < len && s[end] != '+')
            end++;
        v->pre = s + pos;
        v->pre_len = end - pos;
        if ((why = sv_identifiers(v->pre, v->pre_len, true)) != NULL)
            return invalid(eco, s, len, why);
        pos = end;
    }
    if (pos < len) {
        if (s[pos] != '+')
            return invalid(eco, s, len, "unexpected character after the version numbers");
        pos++;
        if ((why = sv_identifiers(s + pos, len - pos, false)) != NULL)
            return invalid(eco, s, len, why);
    }
    return 0;
}

/* Pre-release precedence (SemVer 2.0.0, 11.4): identifiers one by one,
 * numeric ones numerically and before alphanumeric ones, the rest in ASCII
 * order; more identifiers win when all before are equal. */
static int sv_pre_cmp(const char *a, size_t a_len, const char *b, size_t b_len)
{
    size_t i = 0, j = 0;

    /* both hold at least one identifier, none empty (checked when parsed) */
    for (;;) {
        size_t ai = i, bj = j;
        bool a_num, b_num, a_done, b_done;
        int c;

        while (ai < a_len && a[ai] != '.')
            ai++;
        while (bj < b_len && b[bj] != '.')
            bj++;
        a_num = all_digits(a + i, ai - i);
        b_num = all_digits(b + j, bj - j);
        if (a_num && b_num)
            c = cmp_num(a + i, ai - i, b + j, bj - j);
        else if (a_num != b_num)
            c = a_num ? -1 : 1;
        else
            c = cmp_bytes(a + i, ai - i, b + j, bj - j);
        if (c != 0)
            return c;
        a_done = ai >= a_len;
        b_done = bj >= b_len;
        if (a_done || b_done)
            return a_done == b_done ? 0 : (a_done ? -1 : 1);
        i = ai + 1;
        j = bj + 1;
    }
}

static int sv_compare(int *out, wb_ecosystem eco, const char *a, size_t a_len, const char *b,
                      size_t b_len)
{
    sv_version va, vb;
    int rc, c = 0, part;

    if ((rc = sv_parse(&va, eco, a, a_len)) < 0 || (rc = sv_parse(&vb, eco, b, b_len)) < 0)
        return rc;
    for (part = 0; part < 3 && c == 0; part++)
        c = cmp_num(va.num[part], va.num_len[part], vb.num[part], vb.num_len[part]);
    if (c == 0) {
        if (va.pre && vb.pre)
            c = sv_pre_cmp(va.pre, va.pre_len, vb.pre, vb.pre_len);
        else if (va.pre || vb.pre)
            c = va.pre ? -1 : 1; /* a pre-release precedes its release */
    }
    *out = c;
    return 0;
}

/* ------------------------------------------------------------------ */
/* PEP 440                                                             */
/* ------------------------------------------------------------------ */

enum { PEP_PRE_NONE = 0, PEP_PRE_A = 1, PEP_PRE_B = 2, PEP_PRE_RC = 3 };

typedef struct {
    const char *epoch, *release, *pre_n, *post_n, *dev_n, *local;
    size_t epoch_len, release_len, pre_n_len, post_n_len, dev_n_len, local_len;
    int pre;
    bool post, dev;
} pep_version;

typedef struct {
    const char *word;
    int value;
} pep_label;

/* longest spellings first, so that "alpha" is not read as "a" + "lpha" */
static const pep_label pre_labels[] = {
    {"preview", PEP_PRE_RC}, {"alpha", PEP_PRE_A}, {"beta", PEP_PRE_B}, {"pre", PEP_PRE_RC},
    {"rc", PEP_PRE_RC},      {"a", PEP_PRE_A},     {"b", PEP_PRE_B},    {"c", PEP_PRE_RC},
};
static const pep_label post_labels[] = {{"post", 1}, {"rev", 1}, {"r", 1}};
static const pep_label dev_labels[] = {{"dev", 1}};

static bool pep_sep(char c)
{
    return c == '-' || c == '_' || c == '.';
}

static bool pep_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* At s[*pos]: [sep] label [sep] [digits]. On a match advances *pos, sets
 * the label's value and the digits; otherwise leaves *pos. */
static bool pep_group(const char *s, size_t len, size_t *pos, const pep_label *labels,
                      size_t n_labels, int *value, const char **num, size_t *num_len)
{
    size_t p = *pos, l;

    if (p < len && pep_sep(s[p]))
        p++;
    for (l = 0; l < n_labels; l++) {
        size_t n = strlen(labels[l].word);
        if (len - p >= n && cmp_nocase(s + p, n, labels[l].word, n) == 0)
            break;
    }
    if (l == n_labels)
        return false;
    p += strlen(labels[l].word);
    if (p < len && pep_sep(s[p]))
        p++;
    *num = s + p;
    while (p < len && is_digit(s[p]))
        p++;
    *num_len = (size_t)(s + p - *num);
    *value = labels[l].value;
    *pos = p;
    return true;
}

static int pep_parse(pep_version *v, const char *s, size_t len)
{
    size_t pos = 0, start;
    int value = 0;

    memset(v, 0, sizeof(*v));
    while (len > 0 && pep_space(s[len - 1]))
        len--;
    while (pos < len && pep_space(s[pos]))
        pos++;
    if (pos < len && (s[pos] == 'v' || s[pos] == 'V'))
        pos++;
    start = pos;
    while (pos < len && is_digit(s[pos]))
        pos++;
    if (pos == start)
        return invalid(WB_ECO_PYPI, s, len, "no release number");
    if (pos < len && s[pos] == '!') {
        v->epoch = s + start;
        v->epoch_len = pos - start;
        start = ++pos;
        while (pos < len && is_digit(s[pos]))
            pos++;
        if (pos == start)
            return invalid(WB_ECO_PYPI, s, len, "no release number after the epoch");
    }
    /* release: N(.N)*, a '.' not followed by a digit belongs to what follows */
    while (pos + 1 < len && s[pos] == '.' && is_digit(s[pos + 1])) {
        pos++;
        while (pos < len && is_digit(s[pos]))
            pos++;
    }
    v->release = s + start;
    v->release_len = pos - start;

    if (pep_group(s, len, &pos, pre_labels, sizeof(pre_labels) / sizeof(pre_labels[0]), &value,
                  &v->pre_n, &v->pre_n_len))
        v->pre = value;
    if (pos + 1 < len && s[pos] == '-' && is_digit(s[pos + 1])) {
        /* "1.0-1": an implicit post-release */
        v->post = true;
        v->post_n = s + ++pos;
        while (pos < len && is_digit(s[pos]))
            pos++;
        v->post_n_len = (size_t)(s + pos - v->post_n);
    } else if (pep_group(s, len, &pos, post_labels, 3, &value, &v->post_n, &v->post_n_len)) {
        v->post = true;
    }
    if (pep_group(s, len, &pos, dev_labels, 1, &value, &v->dev_n, &v->dev_n_len))
        v->dev = true;
    if (pos < len && s[pos] == '+') {
        bool segment_start = true;
        v->local = s + ++pos;
        for (; pos < len; pos++) {
            if (is_alnum(s[pos])) {
                segment_start = false;
            } else if (pep_sep(s[pos]) && !segment_start) {
                segment_start = true;
            } else {
                return invalid(WB_ECO_PYPI, s, len, "invalid local version label");
            }
        }
        v->local_len = (size_t)(s + pos - v->local);
        if (segment_start)
            return invalid(WB_ECO_PYPI, s, len, "invalid local version label");
    }
    if (pos != len)
        return invalid(WB_ECO_PYPI, s, len, "unexpected text after the version");
    return 0;
}

/* Release segments compared one by one, missing ones as 0 (so that "1.0"
 * equals "1.0.0", PEP 440 "Final releases"). */
static int pep_release_cmp(const char *a, size_t a_len, const char *b, size_t b_len)
{
    size_t i = 0, j = 0;

    while (i < a_len || j < b_len) {
        size_t ai = i, bj = j;
        int c;
        while (ai < a_len && a[ai] != '.')
            ai++;
        while (bj < b_len && b[bj] != '.')
            bj++;
        c = cmp_num(a + i, ai - i, b + j, bj - j);
        if (c != 0)
            return c;
        i = ai < a_len ? ai + 1 : a_len;
        j = bj < b_len ? bj + 1 : b_len;
    }
    return 0;
}

/* Local labels: segments split at any separator; numeric segments compare
 * as numbers and after alphanumeric ones, which compare case-insensitively;
 * more segments win when all before are equal. */
static int pep_local_cmp(const char *a, size_t a_len, const char *b, size_t b_len)
{
    size_t i = 0, j = 0;

    /* both hold at least one segment, none empty (checked when parsed) */
    for (;;) {
        size_t ai = i, bj = j;
        bool a_num, b_num, a_done, b_done;
        int c;

        while (ai < a_len && !pep_sep(a[ai]))
            ai++;
        while (bj < b_len && !pep_sep(b[bj]))
            bj++;
        a_num = all_digits(a + i, ai - i);
        b_num = all_digits(b + j, bj - j);
        if (a_num && b_num)
            c = cmp_num(a + i, ai - i, b + j, bj - j);
        else if (a_num != b_num)
            c = a_num ? 1 : -1;
        else
            c = cmp_nocase(a + i, ai - i, b + j, bj - j);
        if (c != 0)
            return c;
        a_done = ai >= a_len;
        b_done = bj >= b_len;
        if (a_done || b_done)
            return a_done == b_done ? 0 : (a_done ? -1 : 1);
        i = ai + 1;
        j = bj + 1;
    }
}

/* Where the pre-release part puts a version: a developmental release of a
 * final release ("1.0.dev1") before every pre-release of it, the final
 * release after them. */
static int pep_pre_rank(const pep_version *v)
{
    if (v->pre)
        return 1;
    if (!v->post && v->dev)
        return 0;
    return 2;
}

static int pep_compare(int *out, const char *a, size_t a_len, const char *b, size_t b_len)
{
    pep_version va, vb;
    int rc, c;

    if ((rc = pep_parse(&va, a, a_len)) < 0 || (rc = pep_parse(&vb, b, b_len)) < 0)
        return rc;
    c = cmp_num(va.epoch, va.epoch_len, vb.epoch, vb.epoch_len);
    if (c == 0)
        c = pep_release_cmp(va.release, va.release_len, vb.release, vb.release_len);
    if (c == 0) {
        int ra = pep_pre_rank(&va), rb = pep_pre_rank(&vb);
        c = ra == rb ? 0 : (ra < rb ? -1 : 1);
        if (c == 0 && ra == 1) {
            c = va.pre == vb.pre ? 0 : (va.pre < vb.pre ? -1 : 1);
            if (c == 0)
                c = cmp_num(va.pre_n, va.pre_n_len, vb.pre_n, vb.pre_n_len);
        }
    }
    if (c == 0) {
        /* no post-release sorts before any */
        if (va.post != vb.post)
            c = va.post ? 1 : -1;
        else if (va.post)
            c = cmp_num(va.post_n, va.post_n_len, vb.post_n, vb.post_n_len);
    }
    if (c == 0) {
        /* a developmental release sorts before the release without */
        if (va.dev != vb.dev)
            c = va.dev ? -1 : 1;
        else if (va.dev)
            c = cmp_num(va.dev_n, va.dev_n_len, vb.dev_n, vb.dev_n_len);
    }
    if (c == 0) {
        if ((va.local != NULL) != (vb.local != NULL))
            c = va.local ? 1 : -1;
        else if (va.local)
            c = pep_local_cmp(va.local, va.local_len, vb.local, vb.local_len);
    }
    *out = c;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Maven (pom.html, Version Order Specification)                       */
/* ------------------------------------------------------------------ */

enum { MVN_NUMBER, MVN_QUALIFIER };

typedef struct {
    uint16_t start, len;
    char prefix;        /* '.' or '-' */
    unsigned char kind; /* MVN_NUMBER or MVN_QUALIFIER */
    bool before_digit;  /* a qualifier directly followed by a number */
} mvn_token;

typedef struct {
    const char *s;
    size_t count;
    mvn_token tokens[WB_VERSION_MAX_LEN + 1];
} mvn_version;

static bool mvn_is_null(const mvn_version *v, const mvn_token *t)
{
    const char *p = v->s + t->start;

    if (t->kind == MVN_NUMBER)
        return cmp_num(p, t->len, "", 0) == 0;
    return t->len == 0 || eq_nocase(p, t->len, "final") || eq_nocase(p, t->len, "ga");
}

static void mvn_push(mvn_version *v, size_t start, size_t end, char prefix, bool before_digit)
{
    mvn_token *t = &v->tokens[v->count++];

    t->start = (uint16_t)start;
    t->len = (uint16_t)(end - start);
    /* an empty token is replaced with "0" (an empty digit span is 0) */
    t->kind = (end == start || is_digit(v->s[start])) ? MVN_NUMBER : MVN_QUALIFIER;
    /* ".qualifier" = "-qualifier" (the spec), also for padding and trimming:
     * so "1.0.z" pads with "" and follows "1.0", as ComparableVersion has it */
    t->prefix = t->kind == MVN_QUALIFIER ? '-' : prefix;
    t->before_digit = t->kind == MVN_QUALIFIER && before_digit;
}

static int mvn_parse(mvn_version *v, const char *s, size_t len)
{
    size_t i, start = 0, kept, n;
    char prefix = '.';

    v->s = s;
    v->count = 0;
    if (len == 0)
        return invalid(WB_ECO_MAVEN, s, len, "empty");
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f)
            return invalid(WB_ECO_MAVEN, s, len, "space or control character");
    }
    for (i = 0; i < len; i++) {
        if (s[i] == '.' || s[i] == '-') {
            mvn_push(v, start, i, prefix, false);
            prefix = s[i];
            start = i + 1;
        } else if (i > start && is_digit(s[i]) != is_digit(s[i - 1])) {
            /* a transition between digits and characters is a hyphen */
            mvn_push(v, start, i, prefix, is_digit(s[i]));
            prefix = '-';
            start = i;
        }
    }
    mvn_push(v, start, len, prefix, false);

    /* Trim trailing null tokens, then those before each remaining hyphen,
     * from the end to the start. */
    n = v->count;
    while (n > 0 && mvn_is_null(v, &v->tokens[n - 1]))
        n--;
    kept = n;
    for (i = n; i > 0; i--) {
        size_t at = i - 1;
        if (v->tokens[at].prefix != '-' || at == 0)
            continue;
        /* drop null tokens right before this hyphen, shifting the rest */
        while (at > 0 && mvn_is_null(v, &v->tokens[at - 1])) {
            memmove(&v->tokens[at - 1], &v->tokens[at], (kept - at) * sizeof(mvn_token));
            kept--;
            at--;
        }
        i = at + 1;
    }
    v->count = kept;
    return 0;
}

/* Well-known qualifiers first, in this order; "" = final = ga; unknown ones
 * after "sp", alphabetically. */
static int mvn_qualifier_rank(const mvn_version *v, const mvn_token *t)
{
    const char *p = v->s + t->start;
    size_t n = t->len;

    if (eq_nocase(p, n, "alpha") || (t->before_digit && eq_nocase(p, n, "a")))
        return 0;
    if (eq_nocase(p, n, "beta") || (t->before_digit && eq_nocase(p, n, "b")))
        return 1;
    if (eq_nocase(p, n, "milestone") || (t->before_digit && eq_nocase(p, n, "m")))
        return 2;
    if (eq_nocase(p, n, "rc") || eq_nocase(p, n, "cr"))
        return 3;
    if (eq_nocase(p, n, "snapshot"))
        return 4;
    if (n == 0 || eq_nocase(p, n, "final") || eq_nocase(p, n, "ga"))
        return 5;
    if (eq_nocase(p, n, "sp"))
        return 6;
    return 7;
}

/* qualifiers (either prefix) < "-number" < ".number" */
static int mvn_kind_rank(const mvn_token *t)
{
    if (t->kind == MVN_QUALIFIER)
        return 0;
    return t->prefix == '-' ? 1 : 2;
}

static int mvn_token_cmp(const mvn_version *va, const mvn_token *a, const mvn_version *vb,
                         const mvn_token *b)
{
    int ra = mvn_kind_rank(a), rb = mvn_kind_rank(b);

    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (a->kind == MVN_NUMBER)
        return cmp_num(va->s + a->start, a->len, vb->s + b->start, b->len);
    ra = mvn_qualifier_rank(va, a);
    rb = mvn_qualifier_rank(vb, b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (ra != 7)
        return 0;
    return cmp_nocase(va->s + a->start, a->len, vb->s + b->start, b->len);
}

static int mvn_compare(int *out, const char *a, size_t a_len, const char *b, size_t b_len)
{
    /* two token arrays of WB_VERSION_MAX_LEN + 1 entries: about 16 KiB */
    mvn_version va, vb;
    size_t i, n;
    int rc, c = 0;

    if ((rc = mvn_parse(&va, a, a_len)) < 0 || (rc = mvn_parse(&vb, b, b_len)) < 0)
        return rc;
    n = va.count > vb.count ? va.count : vb.count;
    for (i = 0; i < n && c == 0; i++) {
        /* the shorter one is padded with nulls of the other's prefix:
         * 0 after '.', "" after '-' */
        mvn_token pad = {0, 0, '.', MVN_NUMBER, false};
        const mvn_token *ta = i < va.count ? &va.tokens[i] : NULL;
        const mvn_token *tb = i < vb.count ? &vb.tokens[i] : NULL;
        if (!ta || !tb) {
            pad.prefix = (ta ? ta : tb)->prefix;
            pad.kind = pad.prefix == '.' ? MVN_NUMBER : MVN_QUALIFIER;
        }
        c = mvn_token_cmp(&va, ta ? ta : &pad, &vb, tb ? tb : &pad);
    }
    *out = c;
    return 0;
}

/* ------------------------------------------------------------------ */
/* public                                                              */
/* ------------------------------------------------------------------ */

typedef struct {
    const char *name;
    wb_ecosystem eco;
} eco_name;

static const eco_name osv_names[] = {
    {"npm", WB_ECO_NPM}, {"PyPI", WB_ECO_PYPI},       {"Maven", WB_ECO_MAVEN},
    {"Go", WB_ECO_GO},   {"crates.io", WB_ECO_CARGO},
};

static const eco_name purl_types[] = {
    {"deb", WB_ECO_DEBIAN},  {"npm", WB_ECO_NPM},   {"pypi", WB_ECO_PYPI},
    {"maven", WB_ECO_MAVEN}, {"golang", WB_ECO_GO}, {"cargo", WB_ECO_CARGO},
};

int wb_ecosystem_from_osv(wb_ecosystem *out, const char *name)
{
    size_t i;

    if (!out || !name)
        return wb_error_set(WB_EINVAL, "wb_ecosystem_from_osv: NULL argument");
    *out = WB_ECO_UNKNOWN;
    /* "Debian" or "Debian:<release>" ("Debian:12", "Debian:13") */
    if (strncmp(name, "Debian", 6) == 0 && (name[6] == '\0' || (name[6] == ':' && name[7]))) {
        *out = WB_ECO_DEBIAN;
        return 0;
    }
    for (i = 0; i < sizeof(osv_names) / sizeof(osv_names[0]); i++)
        if (strcmp(name, osv_names[i].name) == 0) {
            *out = osv_names[i].eco;
            return 0;
        }
    return wb_error_set(WB_ENOTFOUND, "no version ordering for the OSV ecosystem '%.64s'", name);
}

int wb_ecosystem_from_purl_type(wb_ecosystem *out, const char *type)
{
    size_t i;

    if (!out || !type)
        return wb_error_set(WB_EINVAL, "wb_ecosystem_from_purl_type: NULL argument");
    *out = WB_ECO_UNKNOWN;
    for (i = 0; i < sizeof(purl_types) / sizeof(purl_types[0]); i++)
        if (strcmp(type, purl_types[i].name) == 0) {
            *out = purl_types[i].eco;
            return 0;
        }
    return wb_error_set(WB_ENOTFOUND, "no version ordering for the purl type '%.64s'", type);
}

const char *wb_ecosystem_name(wb_ecosystem eco)
{
    switch (eco) {
    case WB_ECO_DEBIAN:
        return "Debian";
    case WB_ECO_NPM:
        return "npm";
    case WB_ECO_PYPI:
        return "PyPI";
    case WB_ECO_MAVEN:
        return "Maven";
    case WB_ECO_GO:
        return "Go";
    case WB_ECO_CARGO:
        return "crates.io";
    case WB_ECO_SEMVER:
        return "SemVer";
    default:
        return "unknown";
    }
}

static int compare_spans(wb_ecosystem eco, const char *a, size_t a_len, const char *b, size_t b_len,
                         int *out)
{
    switch (eco) {
    case WB_ECO_DEBIAN:
        return deb_compare(out, a, a_len, b, b_len);
    case WB_ECO_NPM:
    case WB_ECO_GO:
    case WB_ECO_CARGO:
    case WB_ECO_SEMVER:
        return sv_compare(out, eco, a, a_len, b, b_len);
    case WB_ECO_PYPI:
        return pep_compare(out, a, a_len, b, b_len);
    case WB_ECO_MAVEN:
        return mvn_compare(out, a, a_len, b, b_len);
    default:
        return wb_error_set(WB_EINVAL, "wb_version_compare: unknown ecosystem %d", (int)eco);
    }
}

static int check_length(wb_ecosystem eco, const char *s, size_t *len)
{
    size_t n = strnlen(s, WB_VERSION_MAX_LEN + 1);

    if (n > WB_VERSION_MAX_LEN)
        return wb_error_set(WB_ELIMIT, "%s version longer than %d bytes", wb_ecosystem_name(eco),
                            WB_VERSION_MAX_LEN);
    *len = n;
    return 0;
}

int wb_version_compare(wb_ecosystem eco, const char *a, const char *b, int *out)
{
    size_t a_len = 0, b_len = 0;
    int rc, c = 0;

    if (!a || !b || !out)
        return wb_error_set(WB_EINVAL, "wb_version_compare: NULL argument");
    if ((rc = check_length(eco, a, &a_len)) < 0 || (rc = check_length(eco, b, &b_len)) < 0)
        return rc;
    rc = compare_spans(eco, a, a_len, b, b_len, &c);
    if (rc == 0)
        *out = c;
    return rc;
}

int wb_version_check(wb_ecosystem eco, const char *version)
{
    int ignored;

    if (!version)
        return wb_error_set(WB_EINVAL, "wb_version_check: NULL argument");
    return wb_version_compare(eco, version, version, &ignored);
}
