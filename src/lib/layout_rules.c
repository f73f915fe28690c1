/*
 * layout_rules.c: in-toto artifact rules (specification v0.9, section 4.3.3)
 * and the fnmatch patterns they use.
 *
 * Rules are applied in order to a queue that starts as every material (or
 * product) of the item. MATCH, CREATE, DELETE, MODIFY and ALLOW only take
 * what they match out of the queue; DISALLOW fails when anything left in
 * the queue matches, REQUIRE when its path is not in the queue. So a rule
 * "fails" by leaving an artifact for a later DISALLOW: the message names
 * the DISALLOW rule and the artifact.
 *
 * Patterns follow Python's fnmatch (in-toto matches with fnmatch.filter), on
 * code points, not bytes: '*' matches anything, '/' included; '?' one code
 * point; sets are read the way Python 3.11's fnmatch.translate reads them
 * (a '-' right after a range is literal, ranges whose ends are out of order
 * are dropped, an unclosed '[' is literal, no escape character). The
 * matcher is the linear-backtracking one for patterns whose only variable-
 * length token is '*': O(pattern x path), both bounded.
 *
 * MATCH follows in-toto 1.3.1's reading of prefixes: the source prefix
 * (with a '/' added) is cut off the artifact path before matching the
 * pattern, and the destination path is the destination prefix joined with
 * what was left ("os.path.join", backslashes turned into slashes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "layout_internal.h"
#include "waybill/layout.h"

/* --- patterns --- */

enum { TOK_STAR, TOK_ANY, TOK_LIT, TOK_SET, TOK_NEVER };

typedef struct {
    uint32_t lo, hi;
} cp_range;

typedef struct {
    int kind;
    uint32_t cp;         /* TOK_LIT */
    bool negate;         /* TOK_SET */
    size_t first, count; /* TOK_SET: ranges[first .. first+count) */
} pat_token;

typedef struct {
    pat_token *toks;
    size_t ntoks;
    cp_range *ranges;
    size_t nranges;
} pattern;

static void pattern_free(pattern *p)
{
    wb_free(p->toks);
    wb_free(p->ranges);
    p->toks = NULL;
    p->ranges = NULL;
}

/* Decode UTF-8 into code points; *out is wb_malloc'd. */
static int decode_cps(uint32_t **out, size_t *n_out, const char *s, size_t len)
{
    uint32_t *cps = wb_calloc(len + 1, sizeof(*cps));
    size_t i = 0, n = 0;

    *out = NULL;
    if (!cps)
        return wb_error_set(WB_ENOMEM, "out of memory");
    while (i < len) {
        size_t used = wb_utf8_decode((const unsigned char *)s + i, len - i, &cps[n]);
        if (used == 0) {
            wb_free(cps);
            return wb_error_set(WB_EFORMAT, "not valid UTF-8");
        }
        i += used;
        n++;
    }
    *out = cps;
    *n_out = n;
    return 0;
}

/* A chunk of a set: code points [start, start+len) of a scratch array. */
typedef struct {
    uint32_t *cps;
    size_t len;
} set_chunk;

static int add_range(pattern *p, size_t *cap, uint32_t lo, uint32_t hi)
{
    if (p->nranges == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        cp_range *grown = wb_reallocarray(p->ranges, ncap, sizeof(*grown));
        if (!grown)
            return wb_error_set(WB_ENOMEM, "out of memory");
        p->ranges = grown;
        *cap = ncap;
    }
    p->ranges[p->nranges].lo = lo;
    p->ranges[p->nranges].hi = hi;
    p->nranges++;
    return 0;
}

/* Translate the set pat[i..j) (between '[' and its ']') into a token, as
 * Python 3.11's fnmatch.translate does. */
static int compile_set(pattern *p, size_t *range_cap, pat_token *tok, const uint32_t *pat, size_t i,
                       size_t j)
{
    set_chunk *chunks = NULL;
    size_t nchunks = 0, c, k;
    uint32_t *scratch = NULL;
    bool has_dash = false;
    int rc = 0;

    for (k = i; k < j; k++)
        if (pat[k] == '-')
            has_dash = true;
    tok->kind = TOK_SET;
    tok->first = p->nranges;
    tok->negate = false;
    if (!has_dash) {
        size_t start = i;
        if (pat[i] == '!') {
            tok->negate = true;
            start++;
        }
        for (k = start; k < j; k++)
            if ((rc = add_range(p, range_cap, pat[k], pat[k])) < 0)
                return rc;
        tok->count = p->nranges - tok->first;
        return 0;
    }
    /* Every chunk is a copy in `scratch` (at most j-i+1 code points: the
     * final '-' may be appended); at most (j-i) chunks. */
    scratch = wb_calloc(2 * (j - i) + 2, sizeof(*scratch));
    chunks = wb_calloc(j - i + 1, sizeof(*chunks));
    if (!scratch || !chunks) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    {
        size_t used = 0, start = i;
        k = pat[i] == '!' ? i + 2 : i + 1;
        for (;;) {
            size_t found = j;
            for (; k < j; k++)
                if (pat[k] == '-') {
                    found = k;
                    break;
                }
            if (found >= j)
                break;
            chunks[nchunks].cps = scratch + used;
            chunks[nchunks].len = found - start;
            memcpy(scratch + used, pat + start, (found - start) * sizeof(*scratch));
            used += found - start + 1; /* room for a '-' appended */
            nchunks++;
            start = found + 1;
            k = found + 3;
        }
        if (start < j) {
            chunks[nchunks].cps = scratch + used;
            chunks[nchunks].len = j - start;
            memcpy(scratch + used, pat + start, (j - start) * sizeof(*scratch));
            nchunks++;
        } else {
            /* a final '-': literal, appended to the last chunk (there is
             * one: the search starts after the first character) */
            if (nchunks == 0) {
                rc = wb_error_set(WB_EINTERNAL, "pattern set without a chunk");
                goto out;
            }
            chunks[nchunks - 1].cps[chunks[nchunks - 1].len++] = '-';
        }
    }
    /* drop empty ranges, right to left, the way fnmatch does */
    for (c = nchunks - 1; c >= 1; c--) {
        set_chunk *prev = &chunks[c - 1], *cur = &chunks[c];
        if (prev->len == 0 || cur->len == 0) {
            /* Python would raise IndexError here: refuse the pattern */
            rc = wb_error_set(WB_EFORMAT, "pattern set that Python cannot translate");
            goto out;
        }
        if (prev->cps[prev->len - 1] > cur->cps[0]) {
            /* prev[:-1] + cur[1:]: cur's code points move into prev's slot
             * (prev has room: its own length plus one at least) */
            size_t keep = prev->len - 1, add = cur->len - 1;
            memmove(prev->cps + keep, cur->cps + 1, add * sizeof(*scratch));
            prev->len = keep + add;
            memmove(&chunks[c], &chunks[c + 1], (nchunks - c - 1) * sizeof(*chunks));
            nchunks--;
        }
    }
    if (nchunks == 1 && chunks[0].len == 0) {
        tok->kind = TOK_NEVER;
        goto out;
    }
    if (nchunks == 1 && chunks[0].len == 1 && chunks[0].cps[0] == '!') {
        tok->kind = TOK_ANY;
        goto out;
    }
    {
        /* read the joined chunks as a regular-expression class: chunk
         * characters are literal, the joins are ranges from the last
         * character of one chunk to the first of the next */
        size_t skip = 0;
        if (chunks[0].len > 0 && chunks[0].cps[0] == '!') {
            tok->negate = true;
            skip = 1;
        }
        for (c = 0; c < nchunks; c++) {
            size_t from = c == 0 ? skip : 0;
            if (c > 0) {
                if (c == 1 && chunks[0].len == skip) {
                    /* "[^-..." : the '-' is literal */
                    if ((rc = add_range(p, range_cap, '-', '-')) < 0)
                        goto out;
                } else {
                    uint32_t lo = chunks[c - 1].cps[chunks[c - 1].len - 1], hi = chunks[c].cps[0];
                    if (lo > hi) {
                        rc = wb_error_set(WB_EFORMAT, "bad character range in a set");
                        goto out;
                    }
                    if ((rc = add_range(p, range_cap, lo, hi)) < 0)
                        goto out;
                }
            }
            for (k = from; k < chunks[c].len; k++)
                if ((rc = add_range(p, range_cap, chunks[c].cps[k], chunks[c].cps[k])) < 0)
                    goto out;
        }
    }
out:
    tok->count = p->nranges - tok->first;
    wb_free(scratch);
    wb_free(chunks);
    return rc;
}

static int pattern_compile(pattern *p, const char *text)
{
    uint32_t *pat = NULL;
    size_t n, i = 0, range_cap = 0, len = strlen(text);
    int rc;

    memset(p, 0, sizeof(*p));
    if (len > WB_LAYOUT_MAX_RULE_LEN)
        return wb_error_set(WB_ELIMIT, "pattern of %zu bytes, more than %d", len,
                            WB_LAYOUT_MAX_RULE_LEN);
    if ((rc = decode_cps(&pat, &n, text, len)) < 0)
        return rc;
    p->toks = wb_calloc(n + 1, sizeof(*p->toks));
    if (!p->toks) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    while (i < n) {
        uint32_t c = pat[i++];
        pat_token *tok = &p->toks[p->ntoks];
        memset(tok, 0, sizeof(*tok));
        if (c == '*') {
            if (p->ntoks == 0 || p->toks[p->ntoks - 1].kind != TOK_STAR) {
                tok->kind = TOK_STAR;
                p->ntoks++;
            }
        } else if (c == '?') {
            tok->kind = TOK_ANY;
            p->ntoks++;
        } else if (c == '[') {
            size_t j = i;
            if (j < n && pat[j] == '!')
                j++;
            if (j < n && pat[j] == ']')
                j++;
            while (j < n && pat[j] != ']')
                j++;
            if (j >= n) {
                tok->kind = TOK_LIT;
                tok->cp = '[';
            } else {
                if ((rc = compile_set(p, &range_cap, tok, pat, i, j)) < 0)
                    goto out;
                i = j + 1;
            }
            p->ntoks++;
        } else {
            tok->kind = TOK_LIT;
            tok->cp = c;
            p->ntoks++;
        }
    }
out:
    wb_free(pat);
    if (rc < 0)
        pattern_free(p);
    return rc;
}

static bool token_matches(const pattern *p, const pat_token *tok, uint32_t c)
{
    size_t r;
    bool in = false;
    switch (tok->kind) {
    case TOK_ANY:
        return true;
    case TOK_LIT:
        return tok->cp == c;
    case TOK_SET:
        for (r = tok->first; r < tok->first + tok->count; r++)
            if (c >= p->ranges[r].lo && c <= p->ranges[r].hi) {
                in = true;
                break;
            }
        return in != tok->negate;
    default:
        return false;
    }
}

/* The glob of `p` against n code points: 32-bit ones, or (`ascii`) the
 * bytes of an ASCII path, which are its code points. */
static bool pattern_match_seq(const pattern *p, const void *seq, size_t n, bool ascii)
{
    const uint32_t *wide = seq;
    const unsigned char *narrow = seq;
    size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0;

    while (si < n) {
        if (pi < p->ntoks && p->toks[pi].kind == TOK_STAR) {
            star = pi++;
            mark = si;
        } else if (pi < p->ntoks && token_matches(p, &p->toks[pi], ascii ? narrow[si] : wide[si])) {
            pi++;
            si++;
        } else if (star != SIZE_MAX) {
            pi = star + 1;
            si = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p->ntoks && p->toks[pi].kind == TOK_STAR)
        pi++;
    return pi == p->ntoks;
}

static int pattern_match(const pattern *p, const char *path)
{
    uint32_t *cps;
    size_t n;
    int rc = decode_cps(&cps, &n, path, strlen(path));
    if (rc < 0)
        return rc;
    rc = pattern_match_seq(p, cps, n, false) ? 1 : 0;
    wb_free(cps);
    return rc;
}

int wb_layout_fnmatch(const char *pattern_text, const char *path)
{
    pattern p;
    int rc;
    if (!pattern_text || !path)
        return wb_error_set(WB_EINVAL, "fnmatch: invalid argument");
    if ((rc = pattern_compile(&p, pattern_text)) < 0)
        return wb_error_prefix(rc, "pattern '%s': ", pattern_text);
    rc = pattern_match(&p, path);
    pattern_free(&p);
    return rc;
}

/* --- rules --- */

typedef enum {
    RULE_MATCH,
    RULE_CREATE,
    RULE_DELETE,
    RULE_MODIFY,
    RULE_ALLOW,
    RULE_DISALLOW,
    RULE_REQUIRE
} rule_type;

typedef struct {
    rule_type type;
    const char *pattern;
    const char *src_prefix; /* "" when none */
    const char *dst_prefix;
    const char *dst_type; /* "materials" or "products" */
    const char *dst_name;
} rule;

static bool word_is(const json_t *elem, const char *word)
{
    const char *s = json_string_value(elem);
    return s && strcasecmp(s, word) == 0 && strlen(s) == strlen(word);
}

/* Display a rule as in-toto writes it: its words joined by spaces. */
static char *rule_text(const json_t *rule_json)
{
    wb_buf buf = {0};
    size_t i;
    char *out = NULL, *shown;
    size_t len;
    for (i = 0; i < json_array_size(rule_json); i++) {
        if (i)
            wb_buf_putc(&buf, ' ');
        wb_buf_puts(&buf, json_string_value(json_array_get(rule_json, i)));
    }
    if (wb_buf_detach(&buf, &out, &len) < 0)
        return NULL;
    shown = wb_escape_display(out);
    wb_free(out);
    return shown;
}

static int unpack_rule(rule *r, const json_t *rule_json, const char *name)
{
    size_t n, i;
    static const struct {
        const char *word;
        rule_type type;
    } generic[] = {
        {"create", RULE_CREATE}, {"delete", RULE_DELETE},     {"modify", RULE_MODIFY},
        {"allow", RULE_ALLOW},   {"disallow", RULE_DISALLOW}, {"require", RULE_REQUIRE},
    };

    memset(r, 0, sizeof(*r));
    if (!json_is_array(rule_json))
        return wb_error_set(WB_EFORMAT, "%s: a rule must be a list of strings", name);
    n = json_array_size(rule_json);
    for (i = 0; i < n; i++) {
        const json_t *elem = json_array_get(rule_json, i);
        if (!json_is_string(elem))
            return wb_error_set(WB_EFORMAT, "%s: a rule must be a list of strings", name);
        if (json_string_length(elem) > WB_LAYOUT_MAX_RULE_LEN)
            return wb_error_set(WB_ELIMIT, "%s: rule element of %zu bytes, more than %d", name,
                                json_string_length(elem), WB_LAYOUT_MAX_RULE_LEN);
    }
    if (n < 2)
        return wb_error_set(WB_EFORMAT, "%s: a rule needs a type and a pattern", name);
    r->pattern = json_string_value(json_array_get(rule_json, 1));
    r->src_prefix = r->dst_prefix = "";
    for (i = 0; i < sizeof(generic) / sizeof(generic[0]); i++) {
        if (word_is(json_array_get(rule_json, 0), generic[i].word)) {
            if (n != 2)
                return wb_error_set(WB_EFORMAT, "%s: %s takes one pattern and nothing else", name,
                                    generic[i].word);
            r->type = generic[i].type;
            return 0;
        }
    }
    if (!word_is(json_array_get(rule_json, 0), "match"))
        return wb_error_set(WB_EFORMAT,
                            "%s: rule type '%s' is not one of MATCH, CREATE, DELETE, MODIFY, "
                            "ALLOW, DISALLOW, REQUIRE",
                            name, json_string_value(json_array_get(rule_json, 0)));
    r->type = RULE_MATCH;
#define W(k) json_array_get(rule_json, k)
#define S(k) json_string_value(json_array_get(rule_json, k))
    if (n == 10 && word_is(W(2), "in") && word_is(W(4), "with") && word_is(W(6), "in") &&
        word_is(W(8), "from")) {
        r->src_prefix = S(3);
        r->dst_type = S(5);
        r->dst_prefix = S(7);
        r->dst_name = S(9);
    } else if (n == 8 && word_is(W(2), "in") && word_is(W(4), "with") && word_is(W(6), "from")) {
        r->src_prefix = S(3);
        r->dst_type = S(5);
        r->dst_name = S(7);
    } else if (n == 8 && word_is(W(2), "with") && word_is(W(4), "in") && word_is(W(6), "from")) {
        r->dst_type = S(3);
        r->dst_prefix = S(5);
        r->dst_name = S(7);
    } else if (n == 6 && word_is(W(2), "with") && word_is(W(4), "from")) {
        r->dst_type = S(3);
        r->dst_name = S(5);
    } else {
        return wb_error_set(WB_EFORMAT,
                            "%s: MATCH must read MATCH pattern [IN prefix] WITH "
                            "MATERIALS|PRODUCTS [IN prefix] FROM step",
                            name);
    }
#undef W
#undef S
    if (strcasecmp(r->dst_type, "materials") == 0 && strlen(r->dst_type) == 9)
        r->dst_type = "materials";
    else if (strcasecmp(r->dst_type, "products") == 0 && strlen(r->dst_type) == 8)
        r->dst_type = "products";
    else
        return wb_error_set(WB_EFORMAT, "%s: MATCH ... WITH takes MATERIALS or PRODUCTS, not '%s'",
                            name, r->dst_type);
    return 0;
}

int wb_layout_rule_check(const json_t *rule_json, const char *name)
{
    rule r;
    pattern p;
    int rc;
    if (!rule_json)
        return wb_error_set(WB_EINVAL, "rule: invalid argument");
    if (!name)
        name = "rule";
    if ((rc = unpack_rule(&r, rule_json, name)) < 0)
        return rc;
    if (r.type == RULE_REQUIRE)
        return 0; /* a path, not a pattern */
    if ((rc = pattern_compile(&p, r.pattern)) < 0)
        return wb_error_prefix(rc, "%s: pattern '%s': ", name, r.pattern);
    pattern_free(&p);
    return 0;
}

/* --- the queue ---
 *
 * The queue is the item's materials (or products) table itself, sorted by
 * path, with a flag per artifact: still queued, consumed by the rule being
 * applied. Looking an artifact up in another link's table is a binary
 * search; MATCH without prefixes, the common case, walks the destination
 * table alongside the queue instead. Hash objects are compared as their
 * canonical bytes (layout_artifacts.c). */

typedef struct {
    const char *item;
    const char *source_type;
    const char *rule;
    const wb_link_data *link; /* the item's */
    const wb_artifacts *source;
    bool *queued, *consumed;
    char *joined; /* room for a prefix joined with a path */
    wb_link_lookup lookup;
    void *payload;
} rule_ctx;

/* os.path.join(a, b) then .replace("\\", "/"), into ctx->joined (room for
 * WB_LAYOUT_MAX_RULE_LEN + WB_LAYOUT_MAX_PATH + 2 bytes: a is a rule word,
 * b an artifact path or a part of one). */
static const char *path_join_slash(char *to, const char *a, const char *b, size_t *len_out)
{
    size_t alen = strlen(a), blen = strlen(b), n = 0, i;
    if (b[0] == '/' || alen == 0) {
        memcpy(to, b, blen);
        n = blen;
    } else {
        memcpy(to, a, alen);
        n = alen;
        if (a[alen - 1] != '/')
            to[n++] = '/';
        memcpy(to + n, b, blen);
        n += blen;
    }
    to[n] = '\0';
    for (i = 0; i < n; i++)
        if (to[i] == '\\')
            to[i] = '/';
    *len_out = n;
    return to;
}

static bool is_ascii(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

/* pattern_match() for an artifact path: JSON made it valid UTF-8, so "*"
 * (the usual MATCH * ...) matches it without decoding, and an ASCII path is
 * its own code points. */
static int pattern_match_artifact(const pattern *p, const char *path, size_t len)
{
    if (p->ntoks == 1 && p->toks[0].kind == TOK_STAR)
        return 1;
    if (is_ascii(path, len))
        return pattern_match_seq(p, path, len, true) ? 1 : 0;
    return pattern_match(p, path);
}

static int apply_match(const rule_ctx *ctx, const rule *r, const pattern *p)
{
    const wb_artifacts *source = ctx->source, *dest;
    const wb_link_data *dest_link = NULL;
    char prefix[WB_LAYOUT_MAX_RULE_LEN + 2];
    size_t i, n = source->count, prefix_len = 0, cursor = 0;
    int rc = 0;

    if ((rc = ctx->lookup(&dest_link, r->dst_name, ctx->payload)) < 0)
        return rc;
    if (!dest_link)
        return 0; /* nothing to match against: nothing consumed */
    if (!(strcmp(r->dst_type, "materials") == 0 ? dest_link->has_materials
                                                : dest_link->has_products))
        return wb_error_set(WB_EFORMAT, "%s: link '%s' has no %s object", ctx->item, r->dst_name,
                            r->dst_type);
    dest = strcmp(r->dst_type, "materials") == 0 ? &dest_link->materials : &dest_link->products;
    if (r->src_prefix[0])
        path_join_slash(prefix, r->src_prefix, "", &prefix_len);
    for (i = 0; i < n && rc == 0; i++) {
        const wb_artifact *a = &source->items[i], *src, *dst;
        const char *rest = a->path;
        size_t rest_len = a->path_len, full_len;
        int m;
        if (!ctx->queued[i])
            continue;
        if (prefix_len) {
            if (strncmp(rest, prefix, prefix_len) != 0)
                continue;
            rest += prefix_len;
            rest_len -= prefix_len;
        }
        if ((m = pattern_match_artifact(p, rest, rest_len)) <= 0) {
            rc = m;
            continue;
        }
        /* without prefixes both paths are the queued one: the destination
         * is found by walking its table along with the queue (the common
         * case, tens of thousands of artifacts in large chains) */
        if (!prefix_len && !r->dst_prefix[0]) {
            while (cursor < dest->count &&
                   wb_artifact_path_cmp(dest->items[cursor].path, dest->items[cursor].path_len,
                                        a->path, a->path_len) < 0)
                cursor++;
            if (cursor < dest->count && dest->items[cursor].path_len == a->path_len &&
                memcmp(dest->items[cursor].path, a->path, a->path_len) == 0 &&
                wb_artifact_hashes_equal(a, &dest->items[cursor]))
                ctx->consumed[i] = true;
            continue;
        }
        if (prefix_len)
            path_join_slash(ctx->joined, r->src_prefix, rest, &full_len);
        else
            full_len = rest_len;
        src = wb_artifacts_find(source, prefix_len ? ctx->joined : rest, full_len);
        if (!src) {
            /* in-toto 1.3.1 raises here (KeyError): fail, do not guess */
            char *shown = wb_escape_display(a->path);
            rc = wb_error_set(WB_EVERIFY,
                              "'%s': expected_%s: rule '%s': artifact '%s' does not join back to a "
                              "path of the %s under prefix '%s'",
                              ctx->item, ctx->source_type, ctx->rule, shown ? shown : "?",
                              ctx->source_type, r->src_prefix);
            wb_free(shown);
            continue;
        }
        if (r->dst_prefix[0])
            path_join_slash(ctx->joined, r->dst_prefix, rest, &full_len);
        else
            full_len = rest_len;
        dst = wb_artifacts_find(dest, r->dst_prefix[0] ? ctx->joined : rest, full_len);
        if (dst && wb_artifact_hashes_equal(src, dst))
            ctx->consumed[src - source->items] = true;
    }
    return rc;
}

static int apply_rule(const rule_ctx *ctx, const rule *r)
{
    const wb_artifacts *source = ctx->source;
    bool source_is_materials = source == &ctx->link->materials;
    pattern p;
    size_t i, n = source->count, matched = 0;
    const char *first = NULL;
    int rc;

    memset(ctx->consumed, 0, n * sizeof(*ctx->consumed));
    if (r->type == RULE_REQUIRE) {
        const wb_artifact *e = wb_artifacts_find(source, r->pattern, strlen(r->pattern));
        if (!e || !ctx->queued[e - source->items]) {
            char *shown = wb_escape_display(r->pattern);
            rc = wb_error_set(WB_EVERIFY,
                              "'%s': expected_%s: rule '%s' failed: artifact '%s' is not in the "
                              "queue of %s",
                              ctx->item, ctx->source_type, ctx->rule, shown ? shown : "?",
                              ctx->source_type);
            wb_free(shown);
            return rc;
        }
        return 0;
    }
    if ((rc = pattern_compile(&p, r->pattern)) < 0)
        return wb_error_prefix(rc, "'%s': expected_%s: rule '%s': ", ctx->item, ctx->source_type,
                               ctx->rule);
    if (r->type == RULE_MATCH) {
        rc = apply_match(ctx, r, &p);
        goto out;
    }
    for (i = 0; i < n; i++) {
        const wb_artifact *a = &source->items[i], *mat, *prod;
        int m;
        if (!ctx->queued[i])
            continue;
        if ((m = pattern_match_artifact(&p, a->path, a->path_len)) < 0) {
            rc = m;
            goto out;
        }
        if (!m)
            continue;
        mat = source_is_materials ? a
                                  : wb_artifacts_find(&ctx->link->materials, a->path, a->path_len);
        prod =
            source_is_materials ? wb_artifacts_find(&ctx->link->products, a->path, a->path_len) : a;
        switch (r->type) {
        case RULE_CREATE:
            ctx->consumed[i] = prod && !mat;
            break;
        case RULE_DELETE:
            ctx->consumed[i] = mat && !prod;
            break;
        case RULE_MODIFY:
            ctx->consumed[i] = mat && prod && !wb_artifact_hashes_equal(mat, prod);
            break;
        case RULE_ALLOW:
            ctx->consumed[i] = true;
            break;
        case RULE_DISALLOW:
            if (!first)
                first = a->path;
            matched++;
            break;
        default:
            break;
        }
    }
    if (matched) {
        char *shown = wb_escape_display(first);
        char others[64] = "";
        if (matched > 1)
            snprintf(others, sizeof(others), " (and %zu more)", matched - 1);
        rc = wb_error_set(WB_EVERIFY,
                          "'%s': expected_%s: rule '%s' failed: artifact '%s'%s is left in the "
                          "queue, no earlier rule accounted for it",
                          ctx->item, ctx->source_type, ctx->rule, shown ? shown : "?", others);
        wb_free(shown);
    }
out:
    pattern_free(&p);
    for (i = 0; rc == 0 && i < n; i++)
        if (ctx->consumed[i])
            ctx->queued[i] = false;
    return rc;
}

int wb_layout_apply_rules(const char *item_name, const char *source_type, const json_t *rules,
                          wb_link_lookup lookup, void *payload)
{
    const json_t *rule_json;
    const wb_link_data *link = NULL;
    rule_ctx ctx = {0};
    size_t n, i, idx;
    int rc = 0;

    if (!item_name || !source_type || !json_is_array(rules) || !lookup ||
        (strcmp(source_type, "materials") != 0 && strcmp(source_type, "products") != 0))
        return wb_error_set(WB_EINVAL, "rules: invalid argument");
    if (json_array_size(rules) > WB_LAYOUT_MAX_RULES)
        return wb_error_set(WB_ELIMIT, "%s: %zu rules, more than %d", item_name,
                            json_array_size(rules), WB_LAYOUT_MAX_RULES);
    if ((rc = lookup(&link, item_name, payload)) < 0)
        return rc;
    if (!link)
        return wb_error_set(WB_ENOTFOUND, "'%s': no link for it", item_name);
    if (!link->has_materials || !link->has_products)
        return wb_error_set(WB_EFORMAT, "%s: link lacks materials or products objects", item_name);
    ctx.item = item_name;
    ctx.source_type = source_type;
    ctx.link = link;
    ctx.source = strcmp(source_type, "materials") == 0 ? &link->materials : &link->products;
    ctx.lookup = lookup;
    ctx.payload = payload;
    n = ctx.source->count;
    if (n > WB_LAYOUT_MAX_ARTIFACTS)
        return wb_error_set(WB_ELIMIT, "%s: %zu %s, more than %d", item_name, n, source_type,
                            WB_LAYOUT_MAX_ARTIFACTS);
    for (i = 0; i < n; i++)
        if (ctx.source->items[i].path_len > WB_LAYOUT_MAX_PATH)
            return wb_error_set(WB_ELIMIT, "'%s': %s: a path of %zu bytes, more than %d", item_name,
                                source_type, ctx.source->items[i].path_len, WB_LAYOUT_MAX_PATH);
    ctx.queued = wb_calloc(2 * n + 1, sizeof(*ctx.queued));
    ctx.joined = wb_malloc(WB_LAYOUT_MAX_RULE_LEN + WB_LAYOUT_MAX_PATH + 2);
    if (!ctx.queued || !ctx.joined) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    ctx.consumed = ctx.queued + n;
    memset(ctx.queued, 1, n * sizeof(*ctx.queued));
    json_array_foreach(rules, idx, rule_json)
    {
        rule r;
        char *text;
        if ((rc = unpack_rule(&r, rule_json, item_name)) < 0)
            break;
        text = rule_text(rule_json);
        if (!text) {
            rc = wb_error_set(WB_ENOMEM, "out of memory");
            break;
        }
        ctx.rule = text;
        rc = apply_rule(&ctx, &r);
        wb_free(text);
        if (rc < 0)
            break;
    }
out:
    wb_free(ctx.queued);
    wb_free(ctx.joined);
    return rc;
}

/* --- rules over links as JSON --- */

typedef struct {
    const json_t *links;
    const char **names;
    wb_link_data **data;
    size_t n, cap;
} json_links;

/* Tables of links[name], made once per name. */
static int lookup_json(const wb_link_data **out, const char *name, void *payload)
{
    json_links *j = payload;
    const json_t *link = json_object_get(j->links, name);
    size_t i;
    int rc;

    *out = NULL;
    if (!link)
        return 0;
    for (i = 0; i < j->n; i++)
        if (strcmp(j->names[i], name) == 0) {
            *out = j->data[i];
            return 0;
        }
    if (j->n == j->cap) {
        size_t ncap = j->cap ? 2 * j->cap : 4;
        const char **names = wb_reallocarray(j->names, ncap, sizeof(*names));
        wb_link_data **data;
        if (!names)
            return wb_error_set(WB_ENOMEM, "out of memory");
        j->names = names;
        data = wb_reallocarray(j->data, ncap, sizeof(*data));
        if (!data)
            return wb_error_set(WB_ENOMEM, "out of memory");
        j->data = data;
        j->cap = ncap;
    }
    if ((rc = wb_link_data_from_json(&j->data[j->n], link)) < 0)
        return rc;
    j->names[j->n] = name;
    *out = j->data[j->n++];
    return 0;
}

int wb_layout_verify_rules(const char *item_name, const char *source_type, const json_t *rules,
                           const json_t *links)
{
    json_links j = {.links = links};
    size_t i;
    int rc;

    if (!item_name || !source_type || !json_is_array(rules) || !json_is_object(links) ||
        (strcmp(source_type, "materials") != 0 && strcmp(source_type, "products") != 0))
        return wb_error_set(WB_EINVAL, "rules: invalid argument");
    rc = wb_layout_apply_rules(item_name, source_type, rules, lookup_json, &j);
    for (i = 0; i < j.n; i++)
        wb_link_data_free(j.data[i]);
    wb_free(j.names);
    wb_free(j.data);
    return rc;
}
