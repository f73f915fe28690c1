/*
 * secrets.c: the secret detector of the redline review (secrets.h).
 *
 * Rules come from TOML (toml.c) in the shape of gitleaks' rules: each has an
 * id, a PCRE2 expression, the capture group that holds the secret, an
 * optional entropy floor, keywords, an optional path expression and
 * allowlists; a global allowlist applies to every rule. The format and its
 * semantics are in docs/formats/secrets.md.
 *
 * The shape of a scan is driven by speed. All keywords of all rules are
 * compiled into one Aho-Corasick automaton, a full DFA over byte classes
 * with upper-case letters folded onto lower-case (a table that fits the L1
 * cache), so one pass over a file says which rules can match at all; four
 * segments of a file run side by side so that the table loads overlap. Only those rules'
 * expressions run, JIT-compiled, over the whole file; a file that holds no
 * keyword costs that single pass. Expressions run on bytes (no UTF mode),
 * so files need not be valid UTF-8.
 *
 * Findings keep a redacted copy of the match only: the secret is cut to a
 * few leading characters and masked, so a report can be shared without
 * spreading what it found. Cleanup style: `goto out`, one exit per function.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secrets_internal.h"
#include "toml_internal.h"
#include "waybill/secrets.h"

/* bounds on rule files (docs/formats/secrets.md) */
#define MAX_RULES_FILE   ((size_t)4 << 20)
#define MAX_RULES        1024
#define MAX_KEYWORDS     64 /* per rule */
#define MAX_KEYWORD_LEN  256
#define MAX_LIST_ITEMS   1024 /* regexes, paths or stopwords of one allowlist */
#define MAX_ALLOWLISTS   64   /* per rule, and global */
#define MAX_PATTERN_LEN  8192
#define MAX_SECRET_GROUP 99
#define MAX_ID_LEN       128
#define MAX_AC_STATES    65536
/* bounds on scans, defaults of wb_secret_options */
#define DEFAULT_MAX_FILE     ((uint64_t)32 << 20)
#define DEFAULT_MAX_LINE     ((size_t)64 << 10)
#define DEFAULT_MAX_FINDINGS 100
#define BINARY_PROBE         8192
#define MATCH_LIMIT          10000000u
#define JIT_STACK_MAX        ((size_t)1 << 20)
/* what a redacted match shows around the secret */
#define REDACT_CONTEXT 40

#ifndef WB_SECRETS_DATADIR_PATH
#define WB_SECRETS_DATADIR_PATH "/usr/local/share/waybill/secrets.toml"
#endif

/* rules/secrets.toml, compiled in (secrets_rules.c, made by the build) */
extern const char wb_secret_default_rules[];
extern const size_t wb_secret_default_rules_len;

typedef enum { TARGET_SECRET = 0, TARGET_MATCH = 1, TARGET_LINE = 2 } allow_target;

typedef struct {
    pcre2_code **regexes;
    size_t nregexes;
    pcre2_code **paths;
    size_t npaths;
    char **stopwords; /* lower-cased */
    size_t nstopwords;
    allow_target target;
    bool and_condition;
    /* fields seen, to refuse duplicates */
    unsigned seen;
} allowlist;

typedef struct {
    char *id;
    char *description;
    pcre2_code *regex; /* NULL: a rule on paths only */
    pcre2_code *path;
    uint32_t secret_group;
    double entropy;  /* 0: no floor */
    char **keywords; /* lower-cased */
    size_t nkeywords;
    allowlist *allowlists;
    size_t nallowlists;
    size_t line; /* where it starts in the file, for messages */
    unsigned seen;
} rule;

struct wb_secret_rules {
    rule *rules;
    size_t nrules;
    allowlist *global;
    size_t nglobal;
    uint32_t max_groups;
    /* the keyword automaton: table[state * nclasses + byte_class[byte]];
     * bytes that are in no keyword share class 0, and upper-case letters
     * the class of their lower-case form, so the table is small enough for
     * the L1 cache. States are numbered so that those where a keyword ends
     * are first_output and above; out_start/out_count index out_rules, the
     * rules whose keyword ends in that state (also through failure links) */
    uint16_t *table;
    unsigned char byte_class[256];
    size_t nclasses;
    uint32_t first_output;
    size_t max_keyword;
    uint32_t *out_start, *out_count;
    uint32_t *out_rules;
    size_t nstates;
    /* rules that have no keyword run on every file */
    uint32_t *always;
    size_t nalways;
};

struct wb_secret_report {
    wb_secret_finding *findings;
    size_t count, cap;
    wb_secret_stats stats;
};

/* ------------------------------------------------------------------ */
/* entropy and small helpers */

double wb_secret_entropy(const void *data, size_t len)
{
    const unsigned char *bytes = data;
    size_t counts[256] = {0}, i;
    double entropy = 0.0;

    if (!data || len == 0)
        return 0.0;
    for (i = 0; i < len; i++)
        counts[bytes[i]]++;
    for (i = 0; i < 256; i++) {
        if (counts[i]) {
            double p = (double)counts[i] / (double)len;
            entropy -= p * log2(p);
        }
    }
    return entropy;
}

static char *lower_dup(const char *s, size_t len)
{
    char *copy = wb_strndup(s, len);
    size_t i;

    if (copy)
        for (i = 0; i < len; i++)
            copy[i] = (char)tolower((unsigned char)copy[i]);
    return copy;
}

static bool contains_lower(const char *hay, size_t hay_len, const char *needle)
{
    size_t n = strlen(needle), i, j;

    if (n == 0 || n > hay_len)
        return n == 0;
    for (i = 0; i + n <= hay_len; i++) {
        for (j = 0; j < n; j++)
            if (tolower((unsigned char)hay[i + j]) != (unsigned char)needle[j])
                break;
        if (j == n)
            return true;
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* loading */

typedef enum { IN_ROOT, IN_RULE, IN_RULE_ALLOWLIST, IN_GLOBAL_ALLOWLIST } section;

typedef struct {
    wb_secret_rules *rules;
    const char *name;
    section where;
    bool seen_title, seen_global_table;
} loader;

static void allowlist_clear(allowlist *list)
{
    size_t i;

    for (i = 0; i < list->nregexes; i++)
        pcre2_code_free(list->regexes[i]);
    for (i = 0; i < list->npaths; i++)
        pcre2_code_free(list->paths[i]);
    for (i = 0; i < list->nstopwords; i++)
        wb_free(list->stopwords[i]);
    wb_free(list->regexes);
    wb_free(list->paths);
    wb_free(list->stopwords);
}

static void rule_clear(rule *r)
{
    size_t i;

    wb_free(r->id);
    wb_free(r->description);
    pcre2_code_free(r->regex);
    pcre2_code_free(r->path);
    for (i = 0; i < r->nkeywords; i++)
        wb_free(r->keywords[i]);
    wb_free(r->keywords);
    for (i = 0; i < r->nallowlists; i++)
        allowlist_clear(&r->allowlists[i]);
    wb_free(r->allowlists);
}

void wb_secret_rules_free(wb_secret_rules *rules)
{
    size_t i;

    if (!rules)
        return;
    for (i = 0; i < rules->nrules; i++)
        rule_clear(&rules->rules[i]);
    wb_free(rules->rules);
    for (i = 0; i < rules->nglobal; i++)
        allowlist_clear(&rules->global[i]);
    wb_free(rules->global);
    wb_free(rules->table);
    wb_free(rules->out_start);
    wb_free(rules->out_count);
    wb_free(rules->out_rules);
    wb_free(rules->always);
    wb_free(rules);
}

static int oom(const loader *ld, size_t line)
{
    return wb_error_set(WB_ENOMEM, "%s:%zu: out of memory", ld->name, line);
}

/* Compile one expression; the error names the rule and field. */
static int compile_regex(pcre2_code **out, const loader *ld, size_t line, const char *what,
                         const wb_toml_value *value)
{
    int error_code = 0;
    PCRE2_SIZE error_offset = 0;
    PCRE2_UCHAR message[160];
    pcre2_code *code;

    *out = NULL;
    if (value->type != WB_TOML_STRING)
        return wb_error_set(WB_EFORMAT, "%s:%zu: %s: expected a string", ld->name, line, what);
    if (value->string_len == 0 || value->string_len > MAX_PATTERN_LEN)
        return wb_error_set(value->string_len ? WB_ELIMIT : WB_EFORMAT,
                            "%s:%zu: %s: expression empty or longer than %d bytes", ld->name, line,
                            what, MAX_PATTERN_LEN);
    code = pcre2_compile((PCRE2_SPTR)value->string, value->string_len, PCRE2_NEVER_BACKSLASH_C,
                         &error_code, &error_offset, NULL);
    if (!code) {
        if (error_code == PCRE2_ERROR_NOMEMORY || error_code == PCRE2_ERROR_HEAP_FAILED)
            return oom(ld, line);
        pcre2_get_error_message(error_code, message, sizeof(message));
        return wb_error_set(WB_EFORMAT, "%s:%zu: %s: at offset %zu: %s", ld->name, line, what,
                            (size_t)error_offset, (const char *)message);
    }
    /* JIT is an acceleration: an expression it cannot take still runs,
     * interpreted */
    (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    *out = code;
    return 0;
}

static int expect_string(const loader *ld, size_t line, const char *what,
                         const wb_toml_value *value, size_t max)
{
    if (value->type != WB_TOML_STRING)
        return wb_error_set(WB_EFORMAT, "%s:%zu: %s: expected a string", ld->name, line, what);
    if (value->string_len > max)
        return wb_error_set(WB_ELIMIT, "%s:%zu: %s: longer than %zu bytes", ld->name, line, what,
                            max);
    if (strlen(value->string) != value->string_len)
        return wb_error_set(WB_EFORMAT, "%s:%zu: %s: holds a NUL", ld->name, line, what);
    return 0;
}

static int expect_string_array(const loader *ld, size_t line, const char *what,
                               const wb_toml_value *value, size_t max_items)
{
    size_t i;

    if (value->type != WB_TOML_ARRAY)
        return wb_error_set(WB_EFORMAT, "%s:%zu: %s: expected an array of strings", ld->name, line,
                            what);
    if (value->nitems > max_items)
        return wb_error_set(WB_ELIMIT, "%s:%zu: %s: more than %zu items", ld->name, line, what,
                            max_items);
    for (i = 0; i < value->nitems; i++)
        if (value->items[i].type != WB_TOML_STRING)
            return wb_error_set(WB_EFORMAT, "%s:%zu: %s: expected an array of strings", ld->name,
                                line, what);
    return 0;
}

/* A field seen twice in one table is an error (TOML forbids it). */
static int mark_seen(const loader *ld, unsigned *seen, unsigned bit, const char *key, size_t line)
{
    if (*seen & bit)
        return wb_error_set(WB_EFORMAT, "%s:%zu: '%s' given twice", ld->name, line, key);
    *seen |= bit;
    return 0;
}

static int compile_list(pcre2_code ***out, size_t *count, const loader *ld, size_t line,
                        const char *what, const wb_toml_value *value)
{
    size_t i;
    int rc;

    rc = expect_string_array(ld, line, what, value, MAX_LIST_ITEMS);
    if (rc < 0)
        return rc;
    *out = wb_calloc(value->nitems ? value->nitems : 1, sizeof(**out));
    if (!*out)
        return oom(ld, line);
    for (i = 0; i < value->nitems; i++) {
        rc = compile_regex(&(*out)[i], ld, line, what, &value->items[i]);
        if (rc < 0)
            return rc;
        (*count)++;
    }
    return 0;
}

static int allowlist_key(const loader *ld, allowlist *list, const char *key,
                         const wb_toml_value *value, size_t line)
{
    size_t i;
    int rc;

    if (strcmp(key, "description") == 0) {
        rc = mark_seen(ld, &list->seen, 1u << 0, key, line);
        return rc < 0 ? rc : expect_string(ld, line, key, value, 4096);
    }
    if (strcmp(key, "regexes") == 0) {
        rc = mark_seen(ld, &list->seen, 1u << 1, key, line);
        return rc < 0 ? rc : compile_list(&list->regexes, &list->nregexes, ld, line, key, value);
    }
    if (strcmp(key, "paths") == 0) {
        rc = mark_seen(ld, &list->seen, 1u << 2, key, line);
        return rc < 0 ? rc : compile_list(&list->paths, &list->npaths, ld, line, key, value);
    }
    if (strcmp(key, "stopwords") == 0) {
        rc = mark_seen(ld, &list->seen, 1u << 3, key, line);
        if (rc == 0)
            rc = expect_string_array(ld, line, key, value, MAX_LIST_ITEMS);
        if (rc < 0)
            return rc;
        list->stopwords = wb_calloc(value->nitems ? value->nitems : 1, sizeof(char *));
        if (!list->stopwords)
            return oom(ld, line);
        for (i = 0; i < value->nitems; i++) {
            rc = expect_string(ld, line, key, &value->items[i], MAX_KEYWORD_LEN);
            if (rc < 0)
                return rc;
            if (value->items[i].string_len == 0)
                return wb_error_set(WB_EFORMAT, "%s:%zu: stopwords: empty stopword", ld->name,
                                    line);
            list->stopwords[i] = lower_dup(value->items[i].string, value->items[i].string_len);
            if (!list->stopwords[i])
                return oom(ld, line);
            list->nstopwords++;
        }
        return 0;
    }
    if (strcmp(key, "regexTarget") == 0) {
        rc = mark_seen(ld, &list->seen, 1u << 4, key, line);
        if (rc == 0)
            rc = expect_string(ld, line, key, value, 16);
        if (rc < 0)
            return rc;
        if (strcmp(value->string, "secret") == 0)
            list->target = TARGET_SECRET;
        else if (strcmp(value->string, "match") == 0)
            list->target = TARGET_MATCH;
        else if (strcmp(value->string, "line") == 0)
            list->target = TARGET_LINE;
        else
            return wb_error_set(WB_EFORMAT,
                                "%s:%zu: regexTarget: expected \"secret\", \"match\" or \"line\"",
                                ld->name, line);
        return 0;
    }
    if (strcmp(key, "condition") == 0) {
        rc = mark_seen(ld, &list->seen, 1u << 5, key, line);
        if (rc == 0)
            rc = expect_string(ld, line, key, value, 16);
        if (rc < 0)
            return rc;
        if (strcmp(value->string, "OR") == 0 || strcmp(value->string, "or") == 0)
            list->and_condition = false;
        else if (strcmp(value->string, "AND") == 0 || strcmp(value->string, "and") == 0)
            list->and_condition = true;
        else
            return wb_error_set(WB_EFORMAT, "%s:%zu: condition: expected \"OR\" or \"AND\"",
                                ld->name, line);
        return 0;
    }
    if (strcmp(key, "commits") == 0) {
        /* gitleaks allows commits; a tree has none, so they never match */
        rc = mark_seen(ld, &list->seen, 1u << 6, key, line);
        return rc < 0 ? rc : expect_string_array(ld, line, key, value, MAX_LIST_ITEMS);
    }
    return wb_error_set(WB_EFORMAT, "%s:%zu: unknown allowlist field '%s'", ld->name, line, key);
}

static int rule_key(const loader *ld, rule *r, const char *key, const wb_toml_value *value,
                    size_t line)
{
    size_t i, j;
    int rc;

    if (strcmp(key, "id") == 0) {
        rc = mark_seen(ld, &r->seen, 1u << 0, key, line);
        if (rc == 0)
            rc = expect_string(ld, line, key, value, MAX_ID_LEN);
        if (rc < 0)
            return rc;
        if (value->string_len == 0)
            return wb_error_set(WB_EFORMAT, "%s:%zu: id: empty", ld->name, line);
        for (i = 0; i < value->string_len; i++) {
            char ch = value->string[i];
            if (!isalnum((unsigned char)ch) && ch != '-' && ch != '_' && ch != '.')
                return wb_error_set(WB_EFORMAT,
                                    "%s:%zu: id: only letters, digits, '-', '_' and '.'", ld->name,
                                    line);
        }
        r->id = wb_strdup(value->string);
        return r->id ? 0 : oom(ld, line);
    }
    if (strcmp(key, "description") == 0) {
        rc = mark_seen(ld, &r->seen, 1u << 1, key, line);
        if (rc == 0)
            rc = expect_string(ld, line, key, value, 4096);
        if (rc < 0)
            return rc;
        r->description = wb_strdup(value->string);
        return r->description ? 0 : oom(ld, line);
    }
    if (strcmp(key, "regex") == 0) {
        rc = mark_seen(ld, &r->seen, 1u << 2, key, line);
        return rc < 0 ? rc : compile_regex(&r->regex, ld, line, "regex", value);
    }
    if (strcmp(key, "path") == 0) {
        rc = mark_seen(ld, &r->seen, 1u << 3, key, line);
        return rc < 0 ? rc : compile_regex(&r->path, ld, line, "path", value);
    }
    if (strcmp(key, "secretGroup") == 0) {
        rc = mark_seen(ld, &r->seen, 1u << 4, key, line);
        if (rc < 0)
            return rc;
        if (value->type != WB_TOML_INTEGER || value->integer < 0 ||
            value->integer > MAX_SECRET_GROUP)
            return wb_error_set(WB_EFORMAT, "%s:%zu: secretGroup: expected an integer 0-%d",
                                ld->name, line, MAX_SECRET_GROUP);
        r->secret_group = (uint32_t)value->integer;
        return 0;
    }
    if (strcmp(key, "entropy") == 0) {
        double e;
        rc = mark_seen(ld, &r->seen, 1u << 5, key, line);
        if (rc < 0)
            return rc;
        if (value->type == WB_TOML_FLOAT)
            e = value->number;
        else if (value->type == WB_TOML_INTEGER)
            e = (double)value->integer;
        else
            e = -1;
        if (!(e >= 0.0 && e <= 8.0))
            return wb_error_set(WB_EFORMAT, "%s:%zu: entropy: expected a number from 0 to 8",
                                ld->name, line);
        r->entropy = e;
        return 0;
    }
    if (strcmp(key, "keywords") == 0) {
        rc = mark_seen(ld, &r->seen, 1u << 6, key, line);
        if (rc == 0)
            rc = expect_string_array(ld, line, key, value, MAX_KEYWORDS);
        if (rc < 0)
            return rc;
        r->keywords = wb_calloc(value->nitems ? value->nitems : 1, sizeof(char *));
        if (!r->keywords)
            return oom(ld, line);
        for (i = 0; i < value->nitems; i++) {
            const wb_toml_value *item = &value->items[i];
            rc = expect_string(ld, line, key, item, MAX_KEYWORD_LEN);
            if (rc < 0)
                return rc;
            if (item->string_len == 0)
                return wb_error_set(WB_EFORMAT, "%s:%zu: keywords: empty keyword", ld->name, line);
            r->keywords[r->nkeywords] = lower_dup(item->string, item->string_len);
            if (!r->keywords[r->nkeywords])
                return oom(ld, line);
            for (j = 0; j < r->nkeywords; j++)
                if (strcmp(r->keywords[j], r->keywords[r->nkeywords]) == 0)
                    break;
            if (j < r->nkeywords) /* a duplicate adds nothing */
                wb_free(r->keywords[r->nkeywords]);
            else
                r->nkeywords++;
        }
        return 0;
    }
    if (strcmp(key, "tags") == 0) {
        rc = mark_seen(ld, &r->seen, 1u << 7, key, line);
        return rc < 0 ? rc : expect_string_array(ld, line, key, value, MAX_LIST_ITEMS);
    }
    return wb_error_set(WB_EFORMAT, "%s:%zu: unknown rule field '%s'", ld->name, line, key);
}

static int new_allowlist(allowlist **lists, size_t *count, const loader *ld, size_t line)
{
    allowlist *grown;

    if (*count >= MAX_ALLOWLISTS)
        return wb_error_set(WB_ELIMIT, "%s:%zu: more than %d allowlists", ld->name, line,
                            MAX_ALLOWLISTS);
    grown = wb_reallocarray(*lists, *count + 1, sizeof(**lists));
    if (!grown)
        return oom(ld, line);
    *lists = grown;
    memset(&grown[*count], 0, sizeof(grown[0]));
    (*count)++;
    return 0;
}

static int finish_rule(const loader *ld, const rule *r)
{
    uint32_t captures = 0;
    size_t i;

    if (!r->id)
        return wb_error_set(WB_EFORMAT, "%s:%zu: rule without an id", ld->name, r->line);
    if (!r->regex && !r->path)
        return wb_error_set(WB_EFORMAT, "%s:%zu: rule '%s': needs a regex or a path", ld->name,
                            r->line, r->id);
    if (r->regex) {
        pcre2_pattern_info(r->regex, PCRE2_INFO_CAPTURECOUNT, &captures);
        if (r->secret_group > captures)
            return wb_error_set(WB_EFORMAT,
                                "%s:%zu: rule '%s': secretGroup %u but the regex has %u groups",
                                ld->name, r->line, r->id, r->secret_group, captures);
    } else if (r->secret_group || r->entropy > 0) {
        return wb_error_set(WB_EFORMAT, "%s:%zu: rule '%s': secretGroup and entropy need a regex",
                            ld->name, r->line, r->id);
    }
    for (i = 0; i + 1 < ld->rules->nrules; i++)
        if (strcmp(ld->rules->rules[i].id, r->id) == 0)
            return wb_error_set(WB_EFORMAT, "%s:%zu: rule id '%s' used twice", ld->name, r->line,
                                r->id);
    return 0;
}

static int on_table(void *payload, const char *const *names, size_t nnames, bool array, size_t line)
{
    loader *ld = payload;
    wb_secret_rules *rules = ld->rules;
    int rc;

    if (ld->where == IN_RULE || ld->where == IN_RULE_ALLOWLIST) {
        rc = finish_rule(ld, &rules->rules[rules->nrules - 1]);
        if (rc < 0)
            return rc;
    }
    if (nnames == 1 && array && strcmp(names[0], "rules") == 0) {
        rule *grown;
        if (rules->nrules >= MAX_RULES)
            return wb_error_set(WB_ELIMIT, "%s:%zu: more than %d rules", ld->name, line, MAX_RULES);
        grown = wb_reallocarray(rules->rules, rules->nrules + 1, sizeof(*grown));
        if (!grown)
            return oom(ld, line);
        rules->rules = grown;
        memset(&grown[rules->nrules], 0, sizeof(grown[0]));
        grown[rules->nrules].line = line;
        rules->nrules++;
        ld->where = IN_RULE;
        return 0;
    }
    if (nnames == 2 && strcmp(names[0], "rules") == 0 &&
        ((!array && strcmp(names[1], "allowlist") == 0) ||
         (array && strcmp(names[1], "allowlists") == 0))) {
        rule *r;
        if (rules->nrules == 0)
            return wb_error_set(WB_EFORMAT, "%s:%zu: allowlist before any [[rules]]", ld->name,
                                line);
        r = &rules->rules[rules->nrules - 1];
        if (!array && (r->seen & (1u << 8)))
            return wb_error_set(WB_EFORMAT, "%s:%zu: [rules.allowlist] given twice", ld->name,
                                line);
        if (!array)
            r->seen |= 1u << 8;
        rc = new_allowlist(&r->allowlists, &r->nallowlists, ld, line);
        if (rc < 0)
            return rc;
        ld->where = IN_RULE_ALLOWLIST;
        return 0;
    }
    if (nnames == 1 && ((!array && strcmp(names[0], "allowlist") == 0) ||
                        (array && strcmp(names[0], "allowlists") == 0))) {
        if (!array && ld->seen_global_table)
            return wb_error_set(WB_EFORMAT, "%s:%zu: [allowlist] given twice", ld->name, line);
        if (!array)
            ld->seen_global_table = true;
        rc = new_allowlist(&rules->global, &rules->nglobal, ld, line);
        if (rc < 0)
            return rc;
        ld->where = IN_GLOBAL_ALLOWLIST;
        return 0;
    }
    return wb_error_set(WB_EFORMAT, "%s:%zu: unknown table '%s%s'", ld->name, line, names[0],
                        nnames > 1 ? ".…" : "");
}

static int on_key(void *payload, const char *key, const wb_toml_value *value, size_t line)
{
    loader *ld = payload;
    wb_secret_rules *rules = ld->rules;

    switch (ld->where) {
    case IN_ROOT:
        if (strcmp(key, "title") == 0) {
            if (ld->seen_title)
                return wb_error_set(WB_EFORMAT, "%s:%zu: 'title' given twice", ld->name, line);
            ld->seen_title = true;
            return expect_string(ld, line, key, value, 4096);
        }
        return wb_error_set(WB_EFORMAT, "%s:%zu: unknown field '%s'", ld->name, line, key);
    case IN_RULE:
        return rule_key(ld, &rules->rules[rules->nrules - 1], key, value, line);
    case IN_RULE_ALLOWLIST: {
        rule *r = &rules->rules[rules->nrules - 1];
        return allowlist_key(ld, &r->allowlists[r->nallowlists - 1], key, value, line);
    }
    case IN_GLOBAL_ALLOWLIST:
        return allowlist_key(ld, &rules->global[rules->nglobal - 1], key, value, line);
    }
    return wb_error_set(WB_EINTERNAL, "%s:%zu: bad loader state", ld->name, line);
}

/* The keyword automaton: a trie of all keywords, then failure links by
 * breadth-first search, completed into a full DFA; letters are folded so
 * that 'A' moves like 'a'. */
static int build_automaton(wb_secret_rules *rules, const char *name)
{
    size_t total = 1, r, k, nstates = 1, head = 0, tail = 0, nout = 0;
    uint32_t *fail = NULL, *queue = NULL, *own_count = NULL, **own = NULL, *delta = NULL;
    uint32_t *new_id = NULL, *old_start = NULL, *old_count = NULL;
    int rc = 0;

    for (r = 0; r < rules->nrules; r++)
        for (k = 0; k < rules->rules[r].nkeywords; k++) {
            size_t n = strlen(rules->rules[r].keywords[k]);
            total += n;
            if (n > rules->max_keyword)
                rules->max_keyword = n;
        }
    if (total > MAX_AC_STATES) /* state ids fit 16 bits */
        return wb_error_set(WB_ELIMIT, "%s: keywords longer than %d bytes in all", name,
                            MAX_AC_STATES);
    delta = wb_calloc(total * 256, sizeof(uint32_t));
    fail = wb_calloc(total, sizeof(uint32_t));
    queue = wb_calloc(total, sizeof(uint32_t));
    own_count = wb_calloc(total, sizeof(uint32_t));
    own = wb_calloc(total, sizeof(uint32_t *));
    rules->out_start = wb_calloc(total, sizeof(uint32_t));
    rules->out_count = wb_calloc(total, sizeof(uint32_t));
    rules->always = wb_calloc(rules->nrules ? rules->nrules : 1, sizeof(uint32_t));
    if (!delta || !fail || !queue || !own_count || !own || !rules->out_start || !rules->out_count ||
        !rules->always)
        goto nomem;
    /* 0 in delta means "no edge yet" in the trie phase: state 0 is the root
     * and nothing moves to it by a trie edge */
    for (r = 0; r < rules->nrules; r++) {
        if (rules->rules[r].nkeywords == 0)
            rules->always[rules->nalways++] = (uint32_t)r;
        for (k = 0; k < rules->rules[r].nkeywords; k++) {
            const unsigned char *kw = (const unsigned char *)rules->rules[r].keywords[k];
            uint32_t state = 0, *grown;
            for (; *kw; kw++) {
                uint32_t *edge = &delta[(size_t)state * 256 + *kw];
                if (*edge == 0)
                    *edge = (uint32_t)nstates++;
                state = *edge;
            }
            grown = wb_reallocarray(own[state], own_count[state] + 1, sizeof(uint32_t));
            if (!grown)
                goto nomem;
            own[state] = grown;
            grown[own_count[state]++] = (uint32_t)r;
        }
    }
    /* breadth-first: failure links and the full transition table */
    for (k = 0; k < 256; k++) {
        uint32_t next = delta[k];
        if (next) {
            fail[next] = 0;
            queue[tail++] = next;
        }
    }
    while (head < tail) {
        uint32_t state = queue[head++];
        for (k = 0; k < 256; k++) {
            uint32_t *edge = &delta[(size_t)state * 256 + k];
            if (*edge) {
                fail[*edge] = delta[(size_t)fail[state] * 256 + k];
                queue[tail++] = *edge;
            } else {
                *edge = delta[(size_t)fail[state] * 256 + k];
            }
        }
    }
    /* outputs: a state's own rules plus those of its failure chain,
     * without duplicates (a rule may be listed once per state) */
    {
        size_t cap = 0, s;
        for (s = 0; s < nstates; s++) {
            uint32_t t = (uint32_t)s;
            rules->out_start[s] = (uint32_t)nout;
            for (;;) {
                size_t i;
                for (i = 0; i < own_count[t]; i++) {
                    size_t j;
                    for (j = rules->out_start[s]; j < nout; j++)
                        if (rules->out_rules[j] == own[t][i])
                            break;
                    if (j < nout)
                        continue;
                    if (nout == cap) {
                        size_t new_cap = cap ? cap * 2 : 64;
                        uint32_t *grown =
                            wb_reallocarray(rules->out_rules, new_cap, sizeof(uint32_t));
                        if (!grown)
                            goto nomem;
                        rules->out_rules = grown;
                        cap = new_cap;
                    }
                    rules->out_rules[nout++] = own[t][i];
                }
                if (t == 0)
                    break;
                t = fail[t];
            }
            rules->out_count[s] = (uint32_t)(nout - rules->out_start[s]);
        }
    }
    /* byte classes: one per byte that some keyword holds, upper-case
     * letters folded onto lower-case (keywords are lower-cased), the rest 0 */
    {
        unsigned char rep[256];
        size_t st, c, nclasses = 1, nplain = 0;

        memset(rules->byte_class, 0, sizeof(rules->byte_class));
        rep[0] = 0;
        for (r = 0; r < rules->nrules; r++) {
            for (k = 0; k < rules->rules[r].nkeywords; k++) {
                const unsigned char *kw = (const unsigned char *)rules->rules[r].keywords[k];
                for (; *kw; kw++) {
                    if (rules->byte_class[*kw])
                        continue;
                    rep[nclasses] = *kw;
                    rules->byte_class[*kw] = (unsigned char)nclasses++;
                }
            }
        }
        for (k = 'A'; k <= 'Z'; k++)
            rules->byte_class[k] = rules->byte_class[k + ('a' - 'A')];
        /* class 0 moves like any byte in no keyword, if there is one; when
         * every byte is in some keyword (nclasses 257 cannot happen: 'A'-'Z'
         * never are) class 0 is unused */
        for (k = 0; k < 256; k++) {
            if (rules->byte_class[k] == 0 && !(k >= 'A' && k <= 'Z')) {
                rep[0] = (unsigned char)k;
                break;
            }
        }
        if (nclasses > 255) { /* cannot happen: 'A'-'Z' are never in a keyword */
            rc = wb_error_set(WB_EINTERNAL, "%s: too many byte classes", name);
            goto out;
        }
        /* states without output first, so "state >= first_output" says a
         * keyword ended (the root, 0, never has output: keywords are not
         * empty) */
        new_id = wb_calloc(nstates, sizeof(uint32_t));
        old_start = wb_memdup(rules->out_start, nstates * sizeof(uint32_t));
        old_count = wb_memdup(rules->out_count, nstates * sizeof(uint32_t));
        rules->table = wb_calloc(nstates * nclasses, sizeof(uint16_t));
        if (!new_id || !old_start || !old_count || !rules->table)
            goto nomem;
        for (st = 0; st < nstates; st++)
            if (old_count[st] == 0)
                new_id[st] = (uint32_t)nplain++;
        rules->first_output = (uint32_t)nplain;
        for (st = 0; st < nstates; st++)
            if (old_count[st] != 0)
                new_id[st] = (uint32_t)nplain++;
        for (st = 0; st < nstates; st++) {
            uint32_t to = new_id[st];
            rules->out_start[to] = old_start[st];
            rules->out_count[to] = old_count[st];
            for (c = 0; c < nclasses; c++)
                rules->table[(size_t)to * nclasses + c] =
                    (uint16_t)new_id[delta[st * 256 + rep[c]]];
        }
        rules->nclasses = nclasses;
    }
    rules->nstates = nstates;
    goto out;
nomem:
    rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
out:
    if (own)
        for (k = 0; k < total; k++)
            wb_free(own[k]);
    wb_free(own);
    wb_free(own_count);
    wb_free(queue);
    wb_free(fail);
    wb_free(delta);
    wb_free(new_id);
    wb_free(old_start);
    wb_free(old_count);
    return rc;
}

int wb_secret_rules_parse(wb_secret_rules **out, const char *text, size_t len, const char *name)
{
    static const wb_toml_handler handler = {on_table, on_key};
    loader ld = {0};
    size_t r;
    int rc;

    if (!out || (!text && len))
        return wb_error_set(WB_EINVAL, "wb_secret_rules_parse: NULL argument");
    *out = NULL;
    if (!name)
        name = "rules";
    if (len > MAX_RULES_FILE)
        return wb_error_set(WB_ELIMIT, "%s: more than %zu bytes", name, MAX_RULES_FILE);
    ld.rules = wb_calloc(1, sizeof(*ld.rules));
    if (!ld.rules)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", name);
    ld.name = name;
    ld.where = IN_ROOT;
    rc = wb_toml_parse(text ? text : "", len, name, &handler, &ld);
    if (rc == 0 && (ld.where == IN_RULE || ld.where == IN_RULE_ALLOWLIST))
        rc = finish_rule(&ld, &ld.rules->rules[ld.rules->nrules - 1]);
    if (rc == 0 && ld.rules->nrules == 0)
        rc = wb_error_set(WB_EFORMAT, "%s: no [[rules]]", name);
    if (rc < 0)
        goto out;
    for (r = 0; r < ld.rules->nrules; r++) {
        uint32_t captures = 0;
        if (ld.rules->rules[r].regex)
            pcre2_pattern_info(ld.rules->rules[r].regex, PCRE2_INFO_CAPTURECOUNT, &captures);
        if (captures > ld.rules->max_groups)
            ld.rules->max_groups = captures;
    }
    rc = build_automaton(ld.rules, name);
out:
    if (rc < 0) {
        wb_secret_rules_free(ld.rules);
        return rc;
    }
    *out = ld.rules;
    return 0;
}

int wb_secret_rules_load(wb_secret_rules **out, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    if (!out || !path)
        return wb_error_set(WB_EINVAL, "wb_secret_rules_load: NULL argument");
    *out = NULL;
    rc = wb_read_file(&text, &len, path, MAX_RULES_FILE);
    if (rc == 0)
        rc = wb_secret_rules_parse(out, text, len, path);
    wb_free(text);
    return rc;
}

const char *wb_secret_rules_default_text(size_t *len_out)
{
    if (len_out)
        *len_out = wb_secret_default_rules_len;
    return wb_secret_default_rules;
}

int wb_secret_rules_load_default(wb_secret_rules **out)
{
    if (!out)
        return wb_error_set(WB_EINVAL, "wb_secret_rules_load_default: NULL argument");
    if (access(WB_SECRETS_DATADIR_PATH, R_OK) == 0)
        return wb_secret_rules_load(out, WB_SECRETS_DATADIR_PATH);
    return wb_secret_rules_parse(out, wb_secret_default_rules, wb_secret_default_rules_len,
                                 "secrets.toml (built in)");
}

size_t wb_secret_rules_count(const wb_secret_rules *rules)
{
    return rules ? rules->nrules : 0;
}

const char *wb_secret_rules_id(const wb_secret_rules *rules, size_t i)
{
    return rules && i < rules->nrules ? rules->rules[i].id : NULL;
}

/* ------------------------------------------------------------------ */
/* reports */

int wb_secret_report_new(wb_secret_report **out)
{
    if (!out)
        return wb_error_set(WB_EINVAL, "wb_secret_report_new: NULL argument");
    *out = wb_calloc(1, sizeof(**out));
    return *out ? 0 : wb_error_set(WB_ENOMEM, "secret report: out of memory");
}

size_t wb_secret_report_count(const wb_secret_report *report)
{
    return report ? report->count : 0;
}

const wb_secret_finding *wb_secret_report_get(const wb_secret_report *report, size_t i)
{
    return report && i < report->count ? &report->findings[i] : NULL;
}

const wb_secret_stats *wb_secret_report_stats(const wb_secret_report *report)
{
    return report ? &report->stats : NULL;
}

static void finding_clear(wb_secret_finding *finding)
{
    wb_free((char *)finding->path);
    wb_free((char *)finding->redacted);
}

void wb_secret_report_free(wb_secret_report *report)
{
    size_t i;

    if (!report)
        return;
    for (i = 0; i < report->count; i++)
        finding_clear(&report->findings[i]);
    wb_free(report->findings);
    wb_free(report);
}

/* Move every finding of `from` into `into`, and add the counts. */
static int report_merge(wb_secret_report *into, wb_secret_report *from)
{
    size_t need;

    if (wb_add_overflows(into->count, from->count, &need))
        return wb_error_set(WB_ENOMEM, "secret report: too many findings");
    if (need > into->cap) {
        wb_secret_finding *grown = wb_reallocarray(into->findings, need, sizeof(*grown));
        if (!grown)
            return wb_error_set(WB_ENOMEM, "secret report: out of memory");
        into->findings = grown;
        into->cap = need;
    }
    if (from->count)
        memcpy(into->findings + into->count, from->findings,
               from->count * sizeof(into->findings[0]));
    into->count = need;
    from->count = 0;
    into->stats.files_scanned += from->stats.files_scanned;
    into->stats.files_prefiltered += from->stats.files_prefiltered;
    into->stats.files_skipped += from->stats.files_skipped;
    into->stats.bytes_scanned += from->stats.bytes_scanned;
    into->stats.findings_dropped += from->stats.findings_dropped;
    into->stats.searches_stopped += from->stats.searches_stopped;
    memset(&from->stats, 0, sizeof(from->stats));
    return 0;
}

/* ------------------------------------------------------------------ */
/* scanning */

typedef struct {
    pcre2_match_data *match_data;
    pcre2_match_context *match_context;
    pcre2_jit_stack *jit_stack;
    bool *enabled;
    uint32_t *enabled_list;
    size_t nenabled;
    char *buffer; /* file contents, reused across files */
    size_t buffer_cap;
    wb_secret_report *report; /* a worker's own findings */
} scanner;

typedef struct {
    uint64_t max_file_size;
    size_t max_line_length, max_findings;
    bool scan_binary;
} limits;

static limits limits_of(const wb_secret_options *opts)
{
    limits lim = {DEFAULT_MAX_FILE, DEFAULT_MAX_LINE, DEFAULT_MAX_FINDINGS, false};

    if (opts) {
        if (opts->max_file_size)
            lim.max_file_size = opts->max_file_size;
        if (opts->max_line_length)
            lim.max_line_length = opts->max_line_length;
        if (opts->max_findings_per_file)
            lim.max_findings = opts->max_findings_per_file;
        lim.scan_binary = opts->scan_binary;
    }
    return lim;
}

static void scanner_free(scanner *sc)
{
    if (!sc)
        return;
    pcre2_match_data_free(sc->match_data);
    pcre2_match_context_free(sc->match_context);
    pcre2_jit_stack_free(sc->jit_stack);
    wb_free(sc->enabled);
    wb_free(sc->enabled_list);
    wb_free(sc->buffer);
    wb_secret_report_free(sc->report);
    wb_free(sc);
}

static int scanner_new(scanner **out, const wb_secret_rules *rules, bool with_report)
{
    scanner *sc = wb_calloc(1, sizeof(*sc));

    *out = NULL;
    if (!sc)
        goto nomem;
    sc->match_data = pcre2_match_data_create(rules->max_groups + 1, NULL);
    sc->match_context = pcre2_match_context_create(NULL);
    sc->jit_stack = pcre2_jit_stack_create(32 * 1024, JIT_STACK_MAX, NULL);
    sc->enabled = wb_calloc(rules->nrules, sizeof(bool));
    sc->enabled_list = wb_calloc(rules->nrules, sizeof(uint32_t));
    if (!sc->match_data || !sc->match_context || !sc->jit_stack || !sc->enabled ||
        !sc->enabled_list)
        goto nomem;
    if (with_report && wb_secret_report_new(&sc->report) < 0)
        goto nomem;
    pcre2_set_match_limit(sc->match_context, MATCH_LIMIT);
    pcre2_jit_stack_assign(sc->match_context, NULL, sc->jit_stack);
    *out = sc;
    return 0;
nomem:
    scanner_free(sc);
    return wb_error_set(WB_ENOMEM, "secret scan: out of memory");
}

/* 1 match, 0 none, <0 an error that stops the scan (out of memory) */
static int regex_hits(scanner *sc, const pcre2_code *re, const char *s, size_t len,
                      wb_secret_stats *stats)
{
    int rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, sc->match_data, sc->match_context);

    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc == PCRE2_ERROR_NOMEMORY || rc == PCRE2_ERROR_HEAP_FAILED)
        return wb_error_set(WB_ENOMEM, "secret scan: out of memory");
    stats->searches_stopped++;
    return 0;
}

static int any_regex(scanner *sc, pcre2_code *const *list, size_t n, const char *s, size_t len,
                     wb_secret_stats *stats)
{
    size_t i;
    int rc;

    for (i = 0; i < n; i++) {
        rc = regex_hits(sc, list[i], s, len, stats);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The spans of one match, offsets into the file. */
typedef struct {
    size_t match_start, match_end;
    size_t secret_start, secret_end;
    size_t line_start, line_end;
} match_spans;

/* 1 when `list` allows (drops) this match, 0 when not, <0 on error. */
static int allowlist_allows(scanner *sc, const allowlist *list, const char *path, const char *data,
                            const match_spans *m, wb_secret_stats *stats)
{
    bool any = false, all = true, criteria = false;
    int hit;
    size_t i;

    if (list->npaths) {
        criteria = true;
        hit = any_regex(sc, list->paths, list->npaths, path, strlen(path), stats);
        if (hit < 0)
            return hit;
        any |= hit > 0;
        all &= hit > 0;
    }
    if (list->nregexes) {
        size_t start = m->secret_start, end = m->secret_end;
        if (list->target == TARGET_MATCH) {
            start = m->match_start;
            end = m->match_end;
        } else if (list->target == TARGET_LINE) {
            start = m->line_start;
            end = m->line_end > m->match_end ? m->line_end : m->match_end;
        }
        criteria = true;
        hit = any_regex(sc, list->regexes, list->nregexes, data + start, end - start, stats);
        if (hit < 0)
            return hit;
        any |= hit > 0;
        all &= hit > 0;
    }
    if (list->nstopwords) {
        bool found = false;
        criteria = true;
        for (i = 0; i < list->nstopwords && !found; i++)
            found = contains_lower(data + m->secret_start, m->secret_end - m->secret_start,
                                   list->stopwords[i]);
        any |= found;
        all &= found;
    }
    if (!criteria)
        return 0;
    return list->and_condition ? all : any;
}

/* An allowlist whose paths alone decide: OR, or AND with nothing else. */
static int allowlist_skips_path(scanner *sc, const allowlist *list, const char *path,
                                wb_secret_stats *stats)
{
    if (!list->npaths || (list->and_condition && (list->nregexes || list->nstopwords)))
        return 0;
    return any_regex(sc, list->paths, list->npaths, path, strlen(path), stats);
}

static void escape_into(wb_buf *buf, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\n') {
            wb_buf_puts(buf, "\\n");
        } else if (ch == '\r') {
            wb_buf_puts(buf, "\\r");
        } else if (ch == '\t') {
            wb_buf_puts(buf, "\\t");
        } else if (ch == '\\') {
            wb_buf_puts(buf, "\\\\");
        } else if (ch < 0x20 || ch >= 0x7f) {
            char esc[4] = {'\\', 'x', hex[ch >> 4], hex[ch & 15]};
            wb_buf_append(buf, esc, 4);
        } else {
            wb_buf_putc(buf, (char)ch);
        }
    }
}

/* The match with the secret masked: at most REDACT_CONTEXT bytes of the
 * match either side of it, the secret's first 4 bytes when it has 16 or
 * more (2 from 8, none below), then "*****" whatever its length. */
static char *redact(const char *data, const match_spans *m)
{
    size_t before = m->secret_start - m->match_start, after = m->match_end - m->secret_end;
    size_t secret_len = m->secret_end - m->secret_start;
    size_t shown = secret_len >= 16 ? 4 : secret_len >= 8 ? 2 : 0;
    wb_buf buf = {0};
    char *out = NULL;

    if (before > REDACT_CONTEXT) {
        wb_buf_puts(&buf, "...");
        escape_into(&buf, data + m->secret_start - REDACT_CONTEXT, REDACT_CONTEXT);
    } else {
        escape_into(&buf, data + m->match_start, before);
    }
    escape_into(&buf, data + m->secret_start, shown);
    wb_buf_puts(&buf, "*****");
    escape_into(&buf, data + m->secret_end, after > REDACT_CONTEXT ? REDACT_CONTEXT : after);
    if (after > REDACT_CONTEXT)
        wb_buf_puts(&buf, "...");
    if (wb_buf_detach(&buf, &out, NULL) < 0)
        return NULL;
    return out;
}

static int add_finding(wb_secret_report *report, const rule *r, const char *path, size_t line,
                       size_t column, char *redacted, double entropy, size_t secret_length)
{
    wb_secret_finding *finding;

    if (report->count == report->cap) {
        size_t cap = report->cap ? report->cap * 2 : 16;
        wb_secret_finding *grown = wb_reallocarray(report->findings, cap, sizeof(*grown));
        if (!grown)
            goto nomem;
        report->findings = grown;
        report->cap = cap;
    }
    finding = &report->findings[report->count];
    memset(finding, 0, sizeof(*finding));
    finding->rule_id = r->id;
    finding->description = r->description ? r->description : "";
    finding->path = wb_strdup(path);
    if (!finding->path)
        goto nomem;
    finding->line = line;
    finding->column = column;
    finding->redacted = redacted;
    finding->entropy = entropy;
    finding->secret_length = secret_length;
    report->count++;
    return 0;
nomem:
    wb_free(redacted);
    return wb_error_set(WB_ENOMEM, "%s: out of memory", path);
}

/* Count newlines in data[from, to) (memchr runs at memory speed). */
static size_t count_lines(const char *data, size_t from, size_t to)
{
    size_t n = 0;
    const char *p = data + from, *end = data + to;

    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

/* Enable the rules whose keyword ends in `state`; true when all are. */
static bool note_output(scanner *sc, const wb_secret_rules *rules, uint32_t state)
{
    const uint32_t *outs = rules->out_rules + rules->out_start[state];
    size_t k;

    for (k = 0; k < rules->out_count[state]; k++) {
        if (!sc->enabled[outs[k]]) {
            sc->enabled[outs[k]] = true;
            sc->enabled_list[sc->nenabled++] = outs[k];
        }
    }
    return sc->nenabled == rules->nrules;
}

/* Run the automaton over data[0, len) from `state`; returns true when
 * every rule is enabled (the caller can stop), else leaves the final state
 * in *state. */
static bool run_automaton(scanner *sc, const wb_secret_rules *rules, const unsigned char *data,
                          size_t len, uint32_t *state)
{
    const uint16_t *table = rules->table;
    const unsigned char *byte_class = rules->byte_class;
    size_t width = rules->nclasses, i;
    uint32_t first = rules->first_output, s = *state;

    for (i = 0; i < len; i++) {
        s = table[(size_t)s * width + byte_class[data[i]]];
        if (__builtin_expect(s >= first, 0) && note_output(sc, rules, s))
            return true;
    }
    *state = s;
    return false;
}

#define LANES     4
#define LANES_MIN ((size_t)2048) /* so len / LANES > max_keyword (<= 256) */

/* Which rules can match. A DFA's next state depends on the last, so one
 * stream runs at the latency of a table load per byte; large files are cut
 * into LANES segments run side by side in one loop, so that the loads
 * overlap. Each segment but the first starts max_keyword - 1 bytes early,
 * from the root, so that a keyword across a cut is still seen whole by
 * the segment it ends in. */
static void prefilter(scanner *sc, const wb_secret_rules *rules, const unsigned char *data,
                      size_t len)
{
    const uint16_t *table = rules->table;
    const unsigned char *byte_class = rules->byte_class;
    const unsigned char *p[LANES];
    size_t width = rules->nclasses, n[LANES], common, i, k;
    uint32_t first = rules->first_output, st[LANES] = {0};

    for (i = 0; i < sc->nenabled; i++)
        sc->enabled[sc->enabled_list[i]] = false;
    sc->nenabled = 0;
    for (i = 0; i < rules->nalways; i++) {
        sc->enabled[rules->always[i]] = true;
        sc->enabled_list[sc->nenabled++] = rules->always[i];
    }
    if (rules->nstates <= 1 || sc->nenabled == rules->nrules)
        return;
    if (len < LANES_MIN) {
        run_automaton(sc, rules, data, len, &st[0]);
        return;
    }
    for (k = 0; k < LANES; k++) {
        size_t begin = k * (len / LANES), end = k == LANES - 1 ? len : (k + 1) * (len / LANES);
        if (k > 0)
            begin -= rules->max_keyword - 1; /* max_keyword <= 256 < len / LANES */
        p[k] = data + begin;
        n[k] = end - begin;
    }
    common = n[0];
    for (k = 1; k < LANES; k++)
        if (n[k] < common)
            common = n[k];
    for (i = 0; i < common; i++) {
        st[0] = table[(size_t)st[0] * width + byte_class[p[0][i]]];
        st[1] = table[(size_t)st[1] * width + byte_class[p[1][i]]];
        st[2] = table[(size_t)st[2] * width + byte_class[p[2][i]]];
        st[3] = table[(size_t)st[3] * width + byte_class[p[3][i]]];
        if (__builtin_expect(
                (st[0] >= first) | (st[1] >= first) | (st[2] >= first) | (st[3] >= first), 0)) {
            for (k = 0; k < LANES; k++)
                if (st[k] >= first && note_output(sc, rules, st[k]))
                    return;
        }
    }
    for (k = 0; k < LANES; k++)
        if (run_automaton(sc, rules, p[k] + common, n[k] - common, &st[k]))
            return;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int scan_rule(scanner *sc, const wb_secret_rules *rules, const rule *r,
                     wb_secret_report *report, const char *path, const char *data, size_t len,
                     const limits *lim, size_t *file_findings)
{
    size_t offset = 0, cache_offset = 0, cache_line = 1, i;
    int rc, hit;

    for (i = 0; i < r->nallowlists; i++) {
        hit = allowlist_skips_path(sc, &r->allowlists[i], path, &report->stats);
        if (hit != 0)
            return hit < 0 ? hit : 0;
    }
    if (!r->regex) {
        /* a rule on paths alone reports the file */
        char *redacted = wb_strdup("(file name)");
        if (!redacted)
            return wb_error_set(WB_ENOMEM, "%s: out of memory", path);
        if (*file_findings >= lim->max_findings) {
            wb_free(redacted);
            report->stats.findings_dropped++;
            return 0;
        }
        (*file_findings)++;
        return add_finding(report, r, path, 1, 1, redacted, 0.0, 0);
    }
    while (offset <= len) {
        PCRE2_SIZE *ov;
        match_spans m;
        double entropy;
        char *redacted;

        rc = pcre2_match(r->regex, (PCRE2_SPTR)data, len, offset, 0, sc->match_data,
                         sc->match_context);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc == PCRE2_ERROR_NOMEMORY || rc == PCRE2_ERROR_HEAP_FAILED)
            return wb_error_set(WB_ENOMEM, "%s: out of memory", path);
        if (rc < 0) {
            report->stats.searches_stopped++;
            break;
        }
        ov = pcre2_get_ovector_pointer(sc->match_data);
        m.match_start = ov[0];
        m.match_end = ov[1];
        if (m.match_end < m.match_start) /* \K in a lookahead: take the start */
            m.match_end = m.match_start;
        offset = m.match_end > offset ? m.match_end : offset + 1;
        if (rc <= (int)r->secret_group || ov[2 * r->secret_group] == PCRE2_UNSET)
            continue;
        m.secret_start = ov[2 * r->secret_group];
        m.secret_end = ov[2 * r->secret_group + 1];
        if (m.secret_end <= m.secret_start || m.secret_start < m.match_start ||
            m.secret_end > m.match_end)
            continue;
        entropy = wb_secret_entropy(data + m.secret_start, m.secret_end - m.secret_start);
        if (r->entropy > 0 && entropy < r->entropy)
            continue;
        {
            const char *nl = m.match_start ? memrchr(data, '\n', m.match_start) : NULL;
            const char *end_nl = memchr(data + m.match_start, '\n', len - m.match_start);
            m.line_start = nl ? (size_t)(nl - data) + 1 : 0;
            m.line_end = end_nl ? (size_t)(end_nl - data) : len;
        }
        if (m.line_end - m.line_start > lim->max_line_length) {
            report->stats.findings_dropped++;
            continue;
        }
        hit = 0;
        for (i = 0; i < r->nallowlists && hit == 0; i++)
            hit = allowlist_allows(sc, &r->allowlists[i], path, data, &m, &report->stats);
        for (i = 0; i < rules->nglobal && hit == 0; i++)
            hit = allowlist_allows(sc, &rules->global[i], path, data, &m, &report->stats);
        if (hit < 0)
            return hit;
        if (hit > 0)
            continue;
        if (*file_findings >= lim->max_findings) {
            report->stats.findings_dropped++;
            continue;
        }
        if (m.match_start < cache_offset) {
            cache_offset = 0;
            cache_line = 1;
        }
        cache_line += count_lines(data, cache_offset, m.match_start);
        cache_offset = m.match_start;
        redacted = redact(data, &m);
        if (!redacted)
            return wb_error_set(WB_ENOMEM, "%s: out of memory", path);
        rc = add_finding(report, r, path, cache_line, m.match_start - m.line_start + 1, redacted,
                         entropy, m.secret_end - m.secret_start);
        if (rc < 0)
            return rc;
        (*file_findings)++;
    }
    return 0;
}

static int scan_data(scanner *sc, const wb_secret_rules *rules, wb_secret_report *report,
                     const char *path, const char *data, size_t len, const limits *lim)
{
    size_t i, file_findings = 0;
    int rc;

    if ((uint64_t)len > lim->max_file_size ||
        (!lim->scan_binary && memchr(data, '\0', len < BINARY_PROBE ? len : BINARY_PROBE))) {
        report->stats.files_skipped++;
        return 0;
    }
    for (i = 0; i < rules->nglobal; i++) {
        rc = allowlist_skips_path(sc, &rules->global[i], path, &report->stats);
        if (rc < 0)
            return rc;
        if (rc > 0) {
            report->stats.files_skipped++;
            return 0;
        }
    }
    prefilter(sc, rules, (const unsigned char *)data, len);
    if (sc->nenabled == 0) {
        report->stats.files_prefiltered++;
        return 0;
    }
    report->stats.files_scanned++;
    report->stats.bytes_scanned += len;
    /* rule order, so that the findings of one file come out the same
     * whatever order the keywords appeared in */
    qsort(sc->enabled_list, sc->nenabled, sizeof(uint32_t), cmp_u32);
    for (i = 0; i < sc->nenabled; i++) {
        const rule *r = &rules->rules[sc->enabled_list[i]];
        if (r->path) {
            rc = regex_hits(sc, r->path, path, strlen(path), &report->stats);
            if (rc < 0)
                return rc;
            if (rc == 0)
                continue;
        }
        rc = scan_rule(sc, rules, r, report, path, data, len, lim, &file_findings);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int wb_secret_scan_buffer(wb_secret_report *report, const wb_secret_rules *rules, const char *path,
                          const void *data, size_t len, const wb_secret_options *opts)
{
    scanner *sc = NULL;
    limits lim = limits_of(opts);
    int rc;

    if (!report || !rules || !path || (!data && len))
        return wb_error_set(WB_EINVAL, "wb_secret_scan_buffer: NULL argument");
    rc = scanner_new(&sc, rules, false);
    if (rc == 0)
        rc = scan_data(sc, rules, report, path, data ? data : "", len, &lim);
    scanner_free(sc);
    return rc;
}

/* --- trees --- */

#define MAX_WORKERS 65

typedef struct {
    const wb_secret_rules *rules;
    limits lim;
    pthread_mutex_t lock;
    scanner *workers[MAX_WORKERS];
    size_t nworkers;
} tree_scan;

static int worker_new(void **out, void *payload)
{
    tree_scan *ts = payload;
    scanner *sc = NULL;
    int rc = scanner_new(&sc, ts->rules, true);

    if (rc < 0)
        return rc;
    pthread_mutex_lock(&ts->lock);
    if (ts->nworkers == MAX_WORKERS) {
        pthread_mutex_unlock(&ts->lock);
        scanner_free(sc);
        return wb_error_set(WB_EINTERNAL, "secret scan: too many workers");
    }
    ts->workers[ts->nworkers++] = sc;
    pthread_mutex_unlock(&ts->lock);
    *out = sc;
    return 0;
}

static void worker_free(void *worker, void *payload)
{
    scanner *sc = worker;

    (void)payload;
    /* the report stays for the merge; only the big buffer goes now */
    wb_free(sc->buffer);
    sc->buffer = NULL;
    sc->buffer_cap = 0;
}

static int scan_fd(void *worker, const wb_tree_entry *entry, int fd, void *payload)
{
    tree_scan *ts = payload;
    scanner *sc = worker;
    size_t len = 0, want;

    if (entry->size > ts->lim.max_file_size) {
        sc->report->stats.files_skipped++;
        return 0;
    }
    /* read one byte more than the hashed size, to see growth */
    want = (size_t)entry->size + 1;
    if (want > sc->buffer_cap) {
        char *grown = wb_reallocarray(sc->buffer, want, 1);
        if (!grown)
            return wb_error_set(WB_ENOMEM, "%s: out of memory", entry->path);
        sc->buffer = grown;
        sc->buffer_cap = want;
    }
    while (len < want) {
        ssize_t n = read(fd, sc->buffer + len, want - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return wb_error_set(WB_EIO, "%s: %s", entry->path, strerror(errno));
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len != entry->size)
        return wb_error_set(WB_EIO, "%s: changed since it was hashed (%zu bytes, hashed %llu)",
                            entry->path, len, (unsigned long long)entry->size);
    return scan_data(sc, ts->rules, sc->report, entry->path, sc->buffer, len, &ts->lim);
}

static int finding_cmp(const void *a, const void *b)
{
    const wb_secret_finding *x = a, *y = b;
    int c = wb_tree_path_cmp(x->path, y->path);

    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->column != y->column)
        return x->column < y->column ? -1 : 1;
    return strcmp(x->rule_id, y->rule_id);
}

int wb_secret_scan_tree(wb_secret_report **out, const wb_secret_rules *rules, const char *root,
                        const wb_tree *tree, const wb_secret_options *opts)
{
    static const wb_scan_callbacks callbacks = {worker_new, worker_free, scan_fd, NULL};
    wb_secret_report *report = NULL;
    tree_scan ts;
    size_t i;
    int rc;

    if (!out || !rules || !root || !tree)
        return wb_error_set(WB_EINVAL, "wb_secret_scan_tree: NULL argument");
    *out = NULL;
    memset(&ts, 0, sizeof(ts));
    ts.rules = rules;
    ts.lim = limits_of(opts);
    pthread_mutex_init(&ts.lock, NULL);
    rc = wb_secret_report_new(&report);
    if (rc == 0)
        rc = wb_scan_tree_files(root, tree, opts ? opts->threads : 0, &callbacks, &ts);
    for (i = 0; i < ts.nworkers; i++) {
        if (rc == 0)
            rc = report_merge(report, ts.workers[i]->report);
        scanner_free(ts.workers[i]);
    }
    pthread_mutex_destroy(&ts.lock);
    if (rc < 0) {
        wb_secret_report_free(report);
        return rc;
    }
    if (report->count > 1)
        qsort(report->findings, report->count, sizeof(report->findings[0]), finding_cmp);
    *out = report;
    return 0;
}

/* --- one scanner per thread, for scans that bring their own bytes
 * (content.c; secrets_internal.h) --- */

struct wb_secret_scanner {
    const wb_secret_rules *rules;
    limits lim;
    scanner *sc; /* with its own report */
};

int wb_secret_scanner_new(wb_secret_scanner **out, const wb_secret_rules *rules,
                          const wb_secret_options *opts)
{
    wb_secret_scanner *s;
    int rc;

    if (!out || !rules)
        return wb_error_set(WB_EINVAL, "wb_secret_scanner_new: NULL argument");
    *out = NULL;
    s = wb_calloc(1, sizeof(*s));
    if (!s)
        return wb_error_set(WB_ENOMEM, "secret scan: out of memory");
    s->rules = rules;
    s->lim = limits_of(opts);
    rc = scanner_new(&s->sc, rules, true);
    if (rc < 0) {
        wb_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int wb_secret_scanner_scan(wb_secret_scanner *s, const char *path, const void *data, size_t len)
{
    if (!s || !path || (!data && len))
        return wb_error_set(WB_EINVAL, "wb_secret_scanner_scan: bad argument");
    return scan_data(s->sc, s->rules, s->sc->report, path, data ? data : "", len, &s->lim);
}

void wb_secret_scanner_skip(wb_secret_scanner *s)
{
    if (s)
        s->sc->report->stats.files_skipped++;
}

uint64_t wb_secret_scanner_max_size(const wb_secret_scanner *s)
{
    return s ? s->lim.max_file_size : 0;
}

int wb_secret_scanner_merge(wb_secret_report *into, wb_secret_scanner *s)
{
    if (!into || !s)
        return wb_error_set(WB_EINVAL, "wb_secret_scanner_merge: NULL argument");
    return report_merge(into, s->sc->report);
}

void wb_secret_scanner_free(wb_secret_scanner *s)
{
    if (!s)
        return;
    scanner_free(s->sc);
    wb_free(s);
}

void wb_secret_report_sort(wb_secret_report *report)
{
    if (report && report->count > 1)
        qsort(report->findings, report->count, sizeof(report->findings[0]), finding_cmp);
}
