/*
 * baseline_load.c: reading a baseline rule file (baseline.h,
 * docs/formats/baseline.md) into the compiled rules of
 * baseline_internal.h.
 *
 * The file is one JSON document (jansson, through wb_json_parse, which
 * refuses duplicate keys and NUL characters): container-structure-test
 * v2's fileExistenceTests and fileContentTests with CST's field names and
 * meanings, plus waybill's tree checks and Lynis-style option tables.
 * The loader is strict: unknown fields are refused, so that a misspelt
 * field cannot switch a check off without a word, and so are CST's
 * sections that would run something (commandTests). Every string, list,
 * count and expression is bounded; regular expressions are compiled here
 * (PCRE2, JIT when it can, '$' at the very end only, as in Go's regexp)
 * so that a scan never meets a rule it cannot run. Messages name the file
 * and the place: "baseline.json: x-waybill-optionTables[0].rows[2]:
 * operator: expected equal, notequal, lessthan or greaterthan".
 * Cleanup style: `goto out`, one exit per function.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline_internal.h"

/* bounds on rule files (docs/formats/baseline.md) */
#define MAX_RULES_FILE  ((size_t)4 << 20)
#define MAX_RULES       4096
#define MAX_LIST_ITEMS  1024
#define MAX_STRING      4096
#define MAX_PATTERN_LEN 8192
#define MAX_ID_LEN      128
#define MAX_TABLES      256

/* Installed next to secrets.toml (DATADIR/waybill/), whose path the build
 * gives to the library */
#ifndef WB_SECRETS_DATADIR_PATH
#define WB_SECRETS_DATADIR_PATH "/usr/local/share/waybill/secrets.toml"
#endif

/* rules/baseline.json, compiled in (baseline_rules.c, made by the build) */
extern const char wb_baseline_default_rules[];
extern const size_t wb_baseline_default_rules_len;

static void strlist_clear(strlist *list)
{
    size_t i;

    for (i = 0; i < list->count; i++)
        wb_free(list->items[i]);
    wb_free(list->items);
    list->items = NULL;
    list->count = 0;
}

static bool has_wildcard(const char *s)
{
    return strpbrk(s, "*?[\\") != NULL;
}

/* ------------------------------------------------------------------ */
/* rules: freeing and accessors */

static void rule_clear(rule *r)
{
    size_t i;

    wb_free(r->id);
    wb_free(r->description);
    wb_free(r->csf);
    wb_free(r->name);
    wb_free(r->path);
    wb_free(r->permissions);
    for (i = 0; i < r->expected_src.count; i++)
        pcre2_code_free(r->expected ? r->expected[i] : NULL);
    for (i = 0; i < r->excluded_src.count; i++)
        pcre2_code_free(r->excluded ? r->excluded[i] : NULL);
    wb_free(r->expected);
    wb_free(r->excluded);
    strlist_clear(&r->expected_src);
    strlist_clear(&r->excluded_src);
    strlist_clear(&r->allow);
    strlist_clear(&r->paths);
    strlist_clear(&r->markers);
    wb_free(r->uids);
    wb_free(r->gids);
    wb_free(r->option);
    strlist_clear(&r->expected_values);
    strlist_clear(&r->medium_values);
    strlist_clear(&r->weak_values);
    wb_free(r->default_value);
}

void wb_baseline_rules_free(wb_baseline_rules *rules)
{
    size_t i;

    if (!rules)
        return;
    for (i = 0; i < rules->nrules; i++)
        rule_clear(&rules->rules[i]);
    for (i = 0; i < rules->ntables; i++) {
        option_table *t = &rules->tables[i];
        wb_free(t->name);
        strlist_clear(&t->files);
        wb_free(t->include_keyword);
        wb_free(t->include_base);
        wb_free(t->stop_keyword);
    }
    wb_free(rules->rules);
    wb_free(rules->tables);
    wb_free(rules->version);
    wb_free(rules);
}

size_t wb_baseline_rules_count(const wb_baseline_rules *rules)
{
    return rules ? rules->nrules : 0;
}

const char *wb_baseline_rules_id(const wb_baseline_rules *rules, size_t i)
{
    return rules && i < rules->nrules ? rules->rules[i].id : NULL;
}

const char *wb_baseline_rules_description(const wb_baseline_rules *rules, size_t i)
{
    return rules && i < rules->nrules ? rules->rules[i].description : NULL;
}

const char *wb_baseline_rules_csf(const wb_baseline_rules *rules, size_t i)
{
    return rules && i < rules->nrules ? rules->rules[i].csf : NULL;
}

wb_severity wb_baseline_rules_severity(const wb_baseline_rules *rules, size_t i)
{
    return rules && i < rules->nrules ? rules->rules[i].severity : WB_SEVERITY_NONE;
}

const char *wb_baseline_rules_version(const wb_baseline_rules *rules)
{
    return rules ? rules->version : NULL;
}

/* ------------------------------------------------------------------ */
/* loading */

typedef struct {
    wb_baseline_rules *rules;
    const char *name;
    char where[160]; /* "fileExistenceTests[3]", for messages */
} loader;

static int oom(const loader *ld)
{
    return wb_error_set(WB_ENOMEM, "%s: out of memory", ld->name);
}

static int bad(const loader *ld, const char *field, const char *what)
{
    return wb_error_set(WB_EFORMAT, "%s: %s: %s: %s", ld->name, ld->where, field, what);
}

/* Refuse fields not in `known` (NULL-terminated). */
static int check_fields(const loader *ld, json_t *obj, const char *const *known)
{
    const char *key;
    json_t *value;

    json_object_foreach(obj, key, value)
    {
        const char *const *k;
        (void)value;
        for (k = known; *k; k++)
            if (strcmp(*k, key) == 0)
                break;
        if (!*k)
            return bad(ld, key, "unknown field");
    }
    return 0;
}

/* A string field into a new copy (NULL when absent and not required). */
static int get_string(const loader *ld, json_t *obj, const char *key, bool required, char **out)
{
    json_t *value = json_object_get(obj, key);

    *out = NULL;
    if (!value)
        return required ? bad(ld, key, "missing") : 0;
    if (!json_is_string(value))
        return bad(ld, key, "expected a string");
    if (json_string_length(value) > MAX_STRING)
        return wb_error_set(WB_ELIMIT, "%s: %s: %s: longer than %d bytes", ld->name, ld->where, key,
                            MAX_STRING);
    *out = wb_strdup(json_string_value(value));
    return *out ? 0 : oom(ld);
}

static int get_bool(const loader *ld, json_t *obj, const char *key, bool *out, bool fallback,
                    bool required)
{
    json_t *value = json_object_get(obj, key);

    *out = fallback;
    if (!value)
        return required ? bad(ld, key, "missing") : 0;
    if (!json_is_boolean(value))
        return bad(ld, key, "expected true or false");
    *out = json_is_true(value);
    return 0;
}

/* A string or an array of strings into `list`; `strip_slash` drops one
 * leading '/' from each (CST's absolute paths, tree-relative here). */
static int get_strlist(const loader *ld, json_t *obj, const char *key, strlist *list,
                       bool strip_slash)
{
    json_t *value = json_object_get(obj, key), *item;
    size_t i, n;

    if (!value)
        return 0;
    if (json_is_string(value))
        n = 1;
    else if (json_is_array(value))
        n = json_array_size(value);
    else
        return bad(ld, key, "expected a string or an array of strings");
    if (n > MAX_LIST_ITEMS)
        return wb_error_set(WB_ELIMIT, "%s: %s: %s: more than %d items", ld->name, ld->where, key,
                            MAX_LIST_ITEMS);
    list->items = wb_calloc(n ? n : 1, sizeof(char *));
    if (!list->items)
        return oom(ld);
    for (i = 0; i < n; i++) {
        const char *s;
        item = json_is_string(value) ? value : json_array_get(value, i);
        if (!json_is_string(item))
            return bad(ld, key, "expected a string or an array of strings");
        if (json_string_length(item) > MAX_STRING)
            return wb_error_set(WB_ELIMIT, "%s: %s: %s: an item longer than %d bytes", ld->name,
                                ld->where, key, MAX_STRING);
        s = json_string_value(item);
        if (strip_slash && s[0] == '/')
            s++;
        list->items[i] = wb_strdup(s);
        if (!list->items[i])
            return oom(ld);
        list->count++;
    }
    return 0;
}

static bool valid_id(const char *id)
{
    size_t i, n = strlen(id);

    if (n == 0 || n > MAX_ID_LEN)
        return false;
    for (i = 0; i < n; i++)
        if (!isalnum((unsigned char)id[i]) && !strchr("._-", id[i]))
            return false;
    return true;
}

/* "PR.AA-05": function, category, two-digit subcategory (CSF 2.0 ids) */
static bool valid_csf(const char *csf)
{
    return strlen(csf) == 8 && isupper((unsigned char)csf[0]) && isupper((unsigned char)csf[1]) &&
           csf[2] == '.' && isupper((unsigned char)csf[3]) && isupper((unsigned char)csf[4]) &&
           csf[5] == '-' && isdigit((unsigned char)csf[6]) && isdigit((unsigned char)csf[7]);
}

static int new_rule(const loader *ld, rule **out, rule_kind kind)
{
    wb_baseline_rules *rules = ld->rules;
    rule *grown;

    if (rules->nrules >= MAX_RULES)
        return wb_error_set(WB_ELIMIT, "%s: more than %d rules", ld->name, MAX_RULES);
    grown = wb_reallocarray(rules->rules, rules->nrules + 1, sizeof(*grown));
    if (!grown)
        return oom(ld);
    rules->rules = grown;
    *out = &grown[rules->nrules++];
    memset(*out, 0, sizeof(**out));
    (*out)->kind = kind;
    (*out)->uid = (*out)->gid = -1;
    return 0;
}

/* The fields every rule has: id, severity, csf, description (waybill's
 * additions to CST tests; a CST test's description defaults to its name). */
static int common_fields(const loader *ld, json_t *obj, rule *r)
{
    char *severity = NULL;
    size_t i;
    int rc;

    if ((rc = get_string(ld, obj, "id", true, &r->id)) < 0 ||
        (rc = get_string(ld, obj, "severity", true, &severity)) < 0 ||
        (rc = get_string(ld, obj, "csf", true, &r->csf)) < 0 ||
        (rc = get_string(ld, obj, "description", r->name == NULL, &r->description)) < 0)
        goto out;
    if (!valid_id(r->id)) {
        rc = bad(ld, "id", "expected 1 to 128 letters, digits, '.', '_' or '-'");
        goto out;
    }
    for (i = 0; i + 1 < ld->rules->nrules; i++)
        if (strcmp(ld->rules->rules[i].id, r->id) == 0) {
            rc = wb_error_set(WB_EFORMAT, "%s: %s: id '%s' is used twice", ld->name, ld->where,
                              r->id);
            goto out;
        }
    if (wb_severity_parse(&r->severity, severity) < 0) {
        rc = bad(ld, "severity", "expected none, low, medium, high or critical");
        goto out;
    }
    if (!valid_csf(r->csf)) {
        rc = bad(ld, "csf", "expected a NIST CSF 2.0 subcategory id such as \"PR.AA-05\"");
        goto out;
    }
    if (!r->description && !(r->description = wb_strdup(r->name)))
        rc = oom(ld);
out:
    wb_free(severity);
    return rc;
}

static int compile_regex(const loader *ld, const char *field, const char *pattern, pcre2_code **out)
{
    int error_code = 0;
    PCRE2_SIZE error_offset = 0;
    PCRE2_UCHAR message[160];

    if (strlen(pattern) == 0 || strlen(pattern) > MAX_PATTERN_LEN)
        return bad(ld, field, "expression empty or longer than 8192 bytes");
    /* Go's regexp (which CST uses): '$' without (?m) matches only at the
     * very end, hence DOLLAR_ENDONLY */
    *out = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                         PCRE2_NEVER_BACKSLASH_C | PCRE2_DOLLAR_ENDONLY, &error_code, &error_offset,
                         NULL);
    if (!*out) {
        if (error_code == PCRE2_ERROR_NOMEMORY || error_code == PCRE2_ERROR_HEAP_FAILED)
            return oom(ld);
        pcre2_get_error_message(error_code, message, sizeof(message));
        return wb_error_set(WB_EFORMAT, "%s: %s: %s: at offset %zu: %s", ld->name, ld->where, field,
                            (size_t)error_offset, (const char *)message);
    }
    (void)pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE);
    return 0;
}

static int compile_list(const loader *ld, const char *field, const strlist *src, pcre2_code ***out)
{
    size_t i;
    int rc;

    *out = wb_calloc(src->count ? src->count : 1, sizeof(**out));
    if (!*out)
        return oom(ld);
    for (i = 0; i < src->count; i++)
        if ((rc = compile_regex(ld, field, src->items[i], &(*out)[i])) < 0)
            return rc;
    return 0;
}

static bool valid_go_mode(const char *s)
{
    size_t n = strlen(s), i;

    if (n < 10 || n > 21)
        return false;
    for (i = 0; i < n - 9; i++)
        if (!strchr("-dalTLDpSugct?", s[i]))
            return false;
    for (i = 0; i < 9; i++)
        if (s[n - 9 + i] != '-' && s[n - 9 + i] != "rwxrwxrwx"[i])
            return false;
    return true;
}

static int get_id(const loader *ld, json_t *obj, const char *key, int64_t *out)
{
    json_t *value = json_object_get(obj, key);

    if (!value)
        return 0;
    if (!json_is_integer(value) || json_integer_value(value) < 0 ||
        json_integer_value(value) > UINT32_MAX)
        return bad(ld, key, "expected an integer from 0 to 4294967295");
    *out = json_integer_value(value);
    return 0;
}

static int load_existence(const loader *ld, json_t *obj)
{
    static const char *const known[] = {
        "name", "path",     "shouldExist", "permissions", "uid",      "gid", "isExecutableBy",
        "id",   "severity", "csf",         "description", "ifExists", NULL};
    char *executable_by = NULL;
    rule *r;
    int rc;

    if ((rc = new_rule(ld, &r, RULE_EXISTENCE)) < 0 || (rc = check_fields(ld, obj, known)) < 0 ||
        (rc = get_string(ld, obj, "name", true, &r->name)) < 0 ||
        (rc = common_fields(ld, obj, r)) < 0 ||
        (rc = get_string(ld, obj, "path", true, &r->path)) < 0 ||
        (rc = get_bool(ld, obj, "shouldExist", &r->should_exist, true, true)) < 0 ||
        (rc = get_bool(ld, obj, "ifExists", &r->if_exists, false, false)) < 0 ||
        (rc = get_string(ld, obj, "permissions", false, &r->permissions)) < 0 ||
        (rc = get_id(ld, obj, "uid", &r->uid)) < 0 || (rc = get_id(ld, obj, "gid", &r->gid)) < 0 ||
        (rc = get_string(ld, obj, "isExecutableBy", false, &executable_by)) < 0)
        goto out;
    if (r->path[0] == '/')
        memmove(r->path, r->path + 1, strlen(r->path));
    if (!r->path[0]) {
        rc = bad(ld, "path", "empty");
        goto out;
    }
    if (r->permissions && !valid_go_mode(r->permissions)) {
        rc = bad(ld, "permissions", "expected Go's FileMode form, such as \"-rw-r--r--\"");
        goto out;
    }
    if (executable_by) {
        if (strcmp(executable_by, "any") == 0)
            r->executable_by = 'a';
        else if (strcmp(executable_by, "owner") == 0)
            r->executable_by = 'o';
        else if (strcmp(executable_by, "group") == 0)
            r->executable_by = 'g';
        else if (strcmp(executable_by, "other") == 0)
            r->executable_by = 't';
        else
            rc = bad(ld, "isExecutableBy", "expected any, owner, group or other");
    }
out:
    wb_free(executable_by);
    return rc;
}

static int load_content(const loader *ld, json_t *obj)
{
    static const char *const known[] = {
        "name",        "path", "expectedContents", "excludedContents", "id", "severity", "csf",
        "description", NULL};
    rule *r;
    int rc;

    if ((rc = new_rule(ld, &r, RULE_CONTENT)) < 0 || (rc = check_fields(ld, obj, known)) < 0 ||
        (rc = get_string(ld, obj, "name", true, &r->name)) < 0 ||
        (rc = common_fields(ld, obj, r)) < 0 ||
        (rc = get_string(ld, obj, "path", true, &r->path)) < 0 ||
        (rc = get_strlist(ld, obj, "expectedContents", &r->expected_src, false)) < 0 ||
        (rc = get_strlist(ld, obj, "excludedContents", &r->excluded_src, false)) < 0)
        return rc;
    if (r->path[0] == '/')
        memmove(r->path, r->path + 1, strlen(r->path));
    if (!r->path[0])
        return bad(ld, "path", "empty");
    if (r->expected_src.count + r->excluded_src.count == 0)
        return bad(ld, "expectedContents", "neither expectedContents nor excludedContents given");
    if ((rc = compile_list(ld, "expectedContents", &r->expected_src, &r->expected)) < 0 ||
        (rc = compile_list(ld, "excludedContents", &r->excluded_src, &r->excluded)) < 0)
        return rc;
    return 0;
}

/* "0-999" or 0 into ranges */
static int get_ranges(const loader *ld, json_t *obj, const char *key, id_range **out, size_t *n)
{
    json_t *value = json_object_get(obj, key), *item;
    size_t i;

    if (!value)
        return bad(ld, key, "missing");
    if (!json_is_array(value) || json_array_size(value) == 0)
        return bad(ld, key, "expected a non-empty array of ids and \"low-high\" ranges");
    if (json_array_size(value) > MAX_LIST_ITEMS)
        return wb_error_set(WB_ELIMIT, "%s: %s: %s: more than %d items", ld->name, ld->where, key,
                            MAX_LIST_ITEMS);
    *out = wb_calloc(json_array_size(value), sizeof(**out));
    if (!*out)
        return oom(ld);
    json_array_foreach(value, i, item)
    {
        unsigned long long lo, hi;
        int used = 0;
        if (json_is_integer(item) && json_integer_value(item) >= 0 &&
            json_integer_value(item) <= UINT32_MAX) {
            lo = hi = (unsigned long long)json_integer_value(item);
        } else if (!json_is_string(item) ||
                   sscanf(json_string_value(item), "%llu-%llu%n", &lo, &hi, &used) != 2 ||
                   (size_t)used != json_string_length(item) ||
                   !isdigit((unsigned char)json_string_value(item)[0]) || lo > hi ||
                   hi > UINT32_MAX) {
            return bad(ld, key, "expected ids from 0 to 4294967295 and \"low-high\" ranges");
        }
        (*out)[i].lo = (uint32_t)lo;
        (*out)[i].hi = (uint32_t)hi;
        (*n)++;
    }
    return 0;
}

static int get_bits(const loader *ld, json_t *obj, const char *key, uint32_t *out,
                    uint32_t fallback)
{
    json_t *value = json_object_get(obj, key);
    const char *s;
    char *end;
    unsigned long bits;

    *out = fallback;
    if (!value)
        return 0;
    s = json_is_string(value) ? json_string_value(value) : "";
    bits = strtoul(s, &end, 8);
    if (!*s || *end || bits == 0 || bits > 07777)
        return bad(ld, key, "expected octal permission bits such as \"0044\"");
    *out = (uint32_t)bits;
    return 0;
}

static int load_tree_check(const loader *ld, json_t *obj)
{
    static const char *const known[] = {
        "id",   "severity", "csf",     "description",   "kind",     "allow",    "paths", "types",
        "uids", "gids",     "markers", "forbiddenBits", "property", "elfKinds", NULL};
    char *kind = NULL, *property = NULL;
    strlist types = {0}, elf_kinds = {0};
    rule *r;
    size_t i;
    int rc;

    if ((rc = new_rule(ld, &r, RULE_TREE)) < 0 || (rc = check_fields(ld, obj, known)) < 0 ||
        (rc = common_fields(ld, obj, r)) < 0 ||
        (rc = get_string(ld, obj, "kind", true, &kind)) < 0 ||
        (rc = get_strlist(ld, obj, "allow", &r->allow, true)) < 0 ||
        (rc = get_strlist(ld, obj, "paths", &r->paths, true)) < 0 ||
        (rc = get_strlist(ld, obj, "markers", &r->markers, false)) < 0 ||
        (rc = get_strlist(ld, obj, "types", &types, false)) < 0 ||
        (rc = get_strlist(ld, obj, "elfKinds", &elf_kinds, false)) < 0 ||
        (rc = get_string(ld, obj, "property", false, &property)) < 0)
        goto out;
    r->types = 0;
    for (i = 0; i < types.count; i++) {
        if (strcmp(types.items[i], "file") == 0)
            r->types |= TYPE_FILE;
        else if (strcmp(types.items[i], "directory") == 0)
            r->types |= TYPE_DIRECTORY;
        else if (strcmp(types.items[i], "other") == 0)
            r->types |= TYPE_OTHER;
        else {
            rc = bad(ld, "types", "expected \"file\", \"directory\" or \"other\"");
            goto out;
        }
    }
    if (r->types == 0)
        r->types = TYPE_FILE | TYPE_DIRECTORY | TYPE_OTHER;
    if (strcmp(kind, "setuid") == 0) {
        r->tree = TREE_SETUID;
    } else if (strcmp(kind, "world-writable") == 0) {
        r->tree = TREE_WORLD_WRITABLE;
    } else if (strcmp(kind, "owner") == 0) {
        r->tree = TREE_OWNER;
        if ((rc = get_ranges(ld, obj, "uids", &r->uids, &r->nuids)) < 0 ||
            (rc = get_ranges(ld, obj, "gids", &r->gids, &r->ngids)) < 0)
            goto out;
    } else if (strcmp(kind, "mode") == 0) {
        r->tree = TREE_MODE;
        if ((rc = get_bits(ld, obj, "forbiddenBits", &r->forbidden_bits, 0)) < 0)
            goto out;
        if (r->paths.count == 0 || r->forbidden_bits == 0) {
            rc = bad(ld, "paths", "a mode check needs paths and forbiddenBits");
            goto out;
        }
    } else if (strcmp(kind, "private-key-mode") == 0) {
        r->tree = TREE_PRIVATE_KEY;
        ld->rules->any_key = true;
        if ((rc = get_bits(ld, obj, "forbiddenBits", &r->forbidden_bits, 0004)) < 0)
            goto out;
        if (r->markers.count == 0) {
            rc = bad(ld, "markers", "missing");
            goto out;
        }
        for (i = 0; i < r->markers.count; i++)
            if (!r->markers.items[i][0] ||
                strlen(r->markers.items[i]) > WB_BASELINE_KEY_PROBE / 2) {
                rc = bad(ld, "markers", "a marker is empty or longer than 2048 bytes");
                goto out;
            }
    } else if (strcmp(kind, "forbidden") == 0) {
        r->tree = TREE_FORBIDDEN;
        if (r->paths.count == 0) {
            rc = bad(ld, "paths", "missing");
            goto out;
        }
    } else if (strcmp(kind, "elf-hardening") == 0) {
        static const char *const names[] = {"pie", "relro",           "bind-now",
                                            "nx",  "stack-protector", "fortify"};
        r->tree = TREE_ELF;
        ld->rules->any_elf = true;
        for (i = 0; property && i < sizeof(names) / sizeof(names[0]); i++)
            if (strcmp(property, names[i]) == 0)
                break;
        if (!property || i == sizeof(names) / sizeof(names[0])) {
            rc = bad(ld, "property",
                     "expected pie, relro, bind-now, nx, stack-protector or fortify");
            goto out;
        }
        r->property = (elf_property)i;
        for (i = 0; i < elf_kinds.count; i++) {
            if (strcmp(elf_kinds.items[i], "executable") == 0)
                r->elf_kinds |= 1u << WB_ELF_KIND_EXECUTABLE;
            else if (strcmp(elf_kinds.items[i], "pie") == 0)
                r->elf_kinds |= 1u << WB_ELF_KIND_PIE;
            else if (strcmp(elf_kinds.items[i], "shared") == 0)
                r->elf_kinds |= 1u << WB_ELF_KIND_SHARED;
            else {
                rc = bad(ld, "elfKinds", "expected \"executable\", \"pie\" or \"shared\"");
                goto out;
            }
        }
        if (r->elf_kinds == 0)
            r->elf_kinds = (1u << WB_ELF_KIND_EXECUTABLE) | (1u << WB_ELF_KIND_PIE) |
                           (1u << WB_ELF_KIND_SHARED);
    } else {
        rc = bad(ld, "kind",
                 "expected setuid, world-writable, owner, mode, private-key-mode, forbidden or "
                 "elf-hardening");
        goto out;
    }
    /* fields that belong to another kind are refused, not ignored */
    if ((r->tree != TREE_OWNER && (json_object_get(obj, "uids") || json_object_get(obj, "gids"))) ||
        (r->tree != TREE_PRIVATE_KEY && json_object_get(obj, "markers")) ||
        (r->tree != TREE_MODE && r->tree != TREE_PRIVATE_KEY &&
         json_object_get(obj, "forbiddenBits")) ||
        (r->tree != TREE_ELF && (property || json_object_get(obj, "elfKinds"))))
        rc = bad(ld, "kind", "a field of another kind of check is given");
out:
    wb_free(kind);
    wb_free(property);
    strlist_clear(&types);
    strlist_clear(&elf_kinds);
    return rc;
}

static bool is_number(const char *s)
{
    char *end;

    if (!*s)
        return false;
    errno = 0;
    (void)strtoll(s, &end, 10);
    return !*end && errno == 0;
}

static int load_row(const loader *ld, json_t *obj, size_t table)
{
    static const char *const known[] = {"id",       "severity", "csf",    "description",
                                        "option",   "expected", "medium", "weak",
                                        "operator", "default",  NULL};
    char *op = NULL;
    rule *r;
    int rc;

    if ((rc = new_rule(ld, &r, RULE_OPTION)) < 0 || (rc = check_fields(ld, obj, known)) < 0 ||
        (rc = common_fields(ld, obj, r)) < 0 ||
        (rc = get_string(ld, obj, "option", true, &r->option)) < 0 ||
        (rc = get_strlist(ld, obj, "expected", &r->expected_values, false)) < 0 ||
        (rc = get_strlist(ld, obj, "medium", &r->medium_values, false)) < 0 ||
        (rc = get_strlist(ld, obj, "weak", &r->weak_values, false)) < 0 ||
        (rc = get_string(ld, obj, "operator", true, &op)) < 0 ||
        (rc = get_string(ld, obj, "default", false, &r->default_value)) < 0)
        goto out;
    r->table = table;
    if (!r->option[0] || strpbrk(r->option, " \t=")) {
        rc = bad(ld, "option", "empty or holds blanks or '='");
        goto out;
    }
    if (strcmp(op, "equal") == 0)
        r->op = OP_EQUAL;
    else if (strcmp(op, "notequal") == 0)
        r->op = OP_NOTEQUAL;
    else if (strcmp(op, "lessthan") == 0)
        r->op = OP_LESSTHAN;
    else if (strcmp(op, "greaterthan") == 0)
        r->op = OP_GREATERTHAN;
    else {
        rc = bad(ld, "operator", "expected equal, notequal, lessthan or greaterthan");
        goto out;
    }
    if (r->op == OP_EQUAL && r->expected_values.count == 0)
        rc = bad(ld, "expected", "missing (operator equal)");
    else if (r->op == OP_NOTEQUAL && r->weak_values.count == 0)
        rc = bad(ld, "weak", "missing (operator notequal)");
    else if ((r->op == OP_LESSTHAN || r->op == OP_GREATERTHAN) &&
             (r->expected_values.count != 1 || !is_number(r->expected_values.items[0]) ||
              r->medium_values.count > 1 ||
              (r->medium_values.count && !is_number(r->medium_values.items[0]))))
        rc = bad(ld, "expected", "a numeric operator takes one integer (and at most one medium)");
out:
    wb_free(op);
    return rc;
}

static int load_table(const loader *lp, json_t *obj, size_t index)
{
    static const char *const known[] = {
        "name",   "files", "syntax", "caseInsensitiveKeys", "precedence", "include", "includeBase",
        "stopAt", "rows",  NULL};
    loader ld = *lp;
    option_table *t = &ld.rules->tables[index];
    char *syntax = NULL, *precedence = NULL;
    json_t *rows, *row;
    size_t i;
    int rc;

    memset(t, 0, sizeof(*t));
    ld.rules->ntables++;
    if ((rc = check_fields(&ld, obj, known)) < 0 ||
        (rc = get_string(&ld, obj, "name", true, &t->name)) < 0 ||
        (rc = get_strlist(&ld, obj, "files", &t->files, true)) < 0 ||
        (rc = get_string(&ld, obj, "syntax", true, &syntax)) < 0 ||
        (rc = get_bool(&ld, obj, "caseInsensitiveKeys", &t->case_insensitive_keys, false, false)) <
            0 ||
        (rc = get_string(&ld, obj, "precedence", true, &precedence)) < 0 ||
        (rc = get_string(&ld, obj, "include", false, &t->include_keyword)) < 0 ||
        (rc = get_string(&ld, obj, "includeBase", false, &t->include_base)) < 0 ||
        (rc = get_string(&ld, obj, "stopAt", false, &t->stop_keyword)) < 0)
        goto out;
    if (t->files.count == 0) {
        rc = bad(&ld, "files", "missing");
        goto out;
    }
    if (strcmp(syntax, "whitespace") == 0)
        t->equals_syntax = false;
    else if (strcmp(syntax, "equals") == 0)
        t->equals_syntax = true;
    else {
        rc = bad(&ld, "syntax", "expected \"whitespace\" (key value) or \"equals\" (key=value)");
        goto out;
    }
    if (strcmp(precedence, "first") == 0)
        t->first_wins = true;
    else if (strcmp(precedence, "last") == 0)
        t->first_wins = false;
    else {
        rc = bad(&ld, "precedence", "expected \"first\" or \"last\"");
        goto out;
    }
    if (t->include_keyword && has_wildcard(t->files.items[0])) {
        rc = bad(&ld, "files", "with include, the first entry names the main file, no wildcards");
        goto out;
    }
    if (t->include_base && t->include_base[0] == '/')
        memmove(t->include_base, t->include_base + 1, strlen(t->include_base));
    rows = json_object_get(obj, "rows");
    if (!json_is_array(rows) || json_array_size(rows) == 0) {
        rc = bad(&ld, "rows", "expected a non-empty array");
        goto out;
    }
    json_array_foreach(rows, i, row)
    {
        snprintf(ld.where, sizeof(ld.where), "x-waybill-optionTables[%zu].rows[%zu]", index, i);
        if (!json_is_object(row)) {
            rc = bad(&ld, "rows", "expected objects");
            goto out;
        }
        if ((rc = load_row(&ld, row, index)) < 0)
            goto out;
    }
out:
    wb_free(syntax);
    wb_free(precedence);
    return rc;
}

static int load_section(loader *ld, json_t *doc, const char *key,
                        int (*load_one)(const loader *, json_t *))
{
    json_t *list = json_object_get(doc, key), *item;
    size_t i;
    int rc;

    if (!list)
        return 0;
    if (!json_is_array(list))
        return wb_error_set(WB_EFORMAT, "%s: %s: expected an array", ld->name, key);
    json_array_foreach(list, i, item)
    {
        snprintf(ld->where, sizeof(ld->where), "%s[%zu]", key, i);
        if (!json_is_object(item))
            return wb_error_set(WB_EFORMAT, "%s: %s: expected an object", ld->name, ld->where);
        if ((rc = load_one(ld, item)) < 0)
            return rc;
    }
    return 0;
}

static int load_document(loader *ld, json_t *doc)
{
    static const char *const known[] = {"schemaVersion",
                                        "x-waybill-version",
                                        "fileExistenceTests",
                                        "fileContentTests",
                                        "x-waybill-treeChecks",
                                        "x-waybill-optionTables",
                                        NULL};
    static const char *const cst_unsupported[] = {"commandTests",        "metadataTest",
                                                  "licenseTests",        "globalEnvVars",
                                                  "containerRunOptions", NULL};
    json_t *schema = json_object_get(doc, "schemaVersion"), *tables, *table;
    const char *const *k;
    size_t i;
    int rc;

    if (!json_is_object(doc))
        return wb_error_set(WB_EFORMAT, "%s: expected a JSON object", ld->name);
    for (k = cst_unsupported; *k; k++)
        if (json_object_get(doc, *k))
            return wb_error_set(WB_EUNSUPPORTED,
                                "%s: %s: container-structure-test's %s are not run by waybill "
                                "(only fileExistenceTests and fileContentTests)",
                                ld->name, *k, *k);
    snprintf(ld->where, sizeof(ld->where), "(top level)");
    if ((rc = check_fields(ld, doc, known)) < 0)
        return rc;
    if (!json_is_string(schema) || strcmp(json_string_value(schema), "2.0.0") != 0)
        return wb_error_set(WB_EFORMAT, "%s: schemaVersion: expected \"2.0.0\"", ld->name);
    if ((rc = get_string(ld, doc, "x-waybill-version", true, &ld->rules->version)) < 0)
        return rc;
    if (!ld->rules->version[0])
        return wb_error_set(WB_EFORMAT, "%s: x-waybill-version: empty", ld->name);
    if ((rc = load_section(ld, doc, "fileExistenceTests", load_existence)) < 0 ||
        (rc = load_section(ld, doc, "fileContentTests", load_content)) < 0 ||
        (rc = load_section(ld, doc, "x-waybill-treeChecks", load_tree_check)) < 0)
        return rc;
    tables = json_object_get(doc, "x-waybill-optionTables");
    if (tables) {
        if (!json_is_array(tables))
            return wb_error_set(WB_EFORMAT, "%s: x-waybill-optionTables: expected an array",
                                ld->name);
        if (json_array_size(tables) > MAX_TABLES)
            return wb_error_set(WB_ELIMIT, "%s: more than %d option tables", ld->name, MAX_TABLES);
        ld->rules->tables = wb_calloc(json_array_size(tables) + 1, sizeof(option_table));
        if (!ld->rules->tables)
            return oom(ld);
        json_array_foreach(tables, i, table)
        {
            snprintf(ld->where, sizeof(ld->where), "x-waybill-optionTables[%zu]", i);
            if (!json_is_object(table))
                return wb_error_set(WB_EFORMAT, "%s: %s: expected an object", ld->name, ld->where);
            if ((rc = load_table(ld, table, i)) < 0)
                return rc;
        }
    }
    if (ld->rules->nrules == 0)
        return wb_error_set(WB_EFORMAT, "%s: no rules", ld->name);
    return 0;
}

int wb_baseline_rules_parse(wb_baseline_rules **out, const char *text, size_t len, const char *name)
{
    loader ld;
    json_t *doc = NULL;
    int rc;

    if (!out || (!text && len))
        return wb_error_set(WB_EINVAL, "wb_baseline_rules_parse: NULL argument");
    *out = NULL;
    if (!name)
        name = "rules";
    if (len > MAX_RULES_FILE)
        return wb_error_set(WB_ELIMIT, "%s: more than %zu bytes", name, MAX_RULES_FILE);
    memset(&ld, 0, sizeof(ld));
    ld.name = name;
    if ((rc = wb_json_parse(&doc, text ? text : "", len, name)) < 0)
        return rc;
    ld.rules = wb_calloc(1, sizeof(*ld.rules));
    if (!ld.rules) {
        rc = oom(&ld);
        goto out;
    }
    rc = load_document(&ld, doc);
out:
    json_decref(doc);
    if (rc < 0) {
        wb_baseline_rules_free(ld.rules);
        return rc;
    }
    *out = ld.rules;
    return 0;
}

int wb_baseline_rules_load(wb_baseline_rules **out, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    if (!out || !path)
        return wb_error_set(WB_EINVAL, "wb_baseline_rules_load: NULL argument");
    *out = NULL;
    rc = wb_read_file(&text, &len, path, MAX_RULES_FILE);
    if (rc == 0)
        rc = wb_baseline_rules_parse(out, text, len, path);
    wb_free(text);
    return rc;
}

const char *wb_baseline_rules_default_text(size_t *len_out)
{
    if (len_out)
        *len_out = wb_baseline_default_rules_len;
    return wb_baseline_default_rules;
}

int wb_baseline_rules_load_default(wb_baseline_rules **out)
{
    if (!out)
        return wb_error_set(WB_EINVAL, "wb_baseline_rules_load_default: NULL argument");
    {
        const char *secrets = WB_SECRETS_DATADIR_PATH, *slash = strrchr(secrets, '/');
        char *path =
            slash ? wb_asprintf("%.*sbaseline.json", (int)(slash - secrets + 1), secrets) : NULL;
        if (path && access(path, R_OK) == 0) {
            int rc = wb_baseline_rules_load(out, path);
            wb_free(path);
            return rc;
        }
        wb_free(path);
    }
    return wb_baseline_rules_parse(out, wb_baseline_default_rules, wb_baseline_default_rules_len,
                                   "baseline.json (built in)");
}
