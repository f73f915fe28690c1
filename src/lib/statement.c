/*
 * statement.c: the delivery Statement: build it from a hashed tree, parse it
 * back, compare a tree with it.
 *
 * Building writes the JSON directly into a buffer, one subject at a time,
 * rather than through a jansson tree: for a million files that is the
 * difference between ~150 MB and ~1 GB of memory. Key order is fixed and
 * entries come in path order, so the same tree and inputs give the same
 * bytes.
 *
 * Parsing keeps the jansson document alive and points into it. The expected
 * tree is one sorted array: every subject (a file), plus the predicate's
 * explicit entries (symlinks, empty directories, directories with
 * non-default modes); file entries of the predicate only override a
 * subject's mode. Comparison is a merge of two sorted lists, so it is linear
 * and reports everything.
 *
 * Format: docs/formats/delivery.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "waybill/statement.h"

#define DEFAULT_FILE_MODE 0644u
#define DEFAULT_DIR_MODE  0755u

/* ---------- building ---------- */

static void put_key(wb_buf *b, const char *key)
{
    wb_buf_json_string(b, key, strlen(key));
    wb_buf_putc(b, ':');
}

static void put_string_field(wb_buf *b, const char *key, const char *value, bool comma)
{
    if (comma)
        wb_buf_putc(b, ',');
    put_key(b, key);
    wb_buf_json_string(b, value, strlen(value));
}

static void put_mode_field(wb_buf *b, uint32_t mode)
{
    wb_buf_printf(b, ",\"mode\":\"%04o\"", mode & 07777);
}

static const char *source_type_name(wb_tree_source source)
{
    switch (source) {
    case WB_TREE_SOURCE_DIRECTORY:
        return "directory";
    case WB_TREE_SOURCE_ARCHIVE:
        return "archive";
    default:
        return "file";
    }
}

/* ,"NAME":VALUE with VALUE compact, keys sorted; -1 on allocation failure */
static int put_json_field(wb_buf *b, const char *name, const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return -1;
    wb_buf_printf(b, ",\"%s\":", name);
    wb_buf_puts(b, text);
    free(text);
    return 0;
}

int wb_buf_statement_head(wb_buf *b, const wb_tree *tree)
{
    size_t i, n = wb_tree_count(tree);
    bool first = true;

    wb_buf_puts(b, "{\"_type\":\"" WB_STATEMENT_TYPE "\",\"subject\":[");
    for (i = 0; i < n; i++) {
        const wb_tree_entry *e = wb_tree_get(tree, i);
        char hex[2 * WB_SHA256_LEN + 1];
        if (e->type != WB_TREE_FILE)
            continue;
        wb_hex_encode(hex, e->sha256, WB_SHA256_LEN);
        if (!first)
            wb_buf_putc(b, ',');
        first = false;
        wb_buf_puts(b, "{\"name\":");
        wb_buf_json_string(b, e->path, strlen(e->path));
        wb_buf_printf(b, ",\"digest\":{\"sha256\":\"%s\"}}", hex);
        if (b->failed)
            return wb_error_set(WB_ENOMEM, "out of memory");
    }
    wb_buf_putc(b, ']');
    return b->failed ? wb_error_set(WB_ENOMEM, "out of memory") : 0;
}

int wb_delivery_statement(char **out, size_t *out_len, const wb_tree *tree,
                          const wb_delivery_info *info)
{
    wb_buf b = {0};
    size_t i, n;
    bool first;
    char created[32];
    struct tm tm;
    time_t when;

    if (!out || !tree || !info)
        return wb_error_set(WB_EINVAL, "statement: invalid argument");
    *out = NULL;
    when = (time_t)info->created;
    if (!gmtime_r(&when, &tm) || strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return wb_error_set(WB_EINVAL, "statement: invalid creation time");

    n = wb_tree_count(tree);
    if (wb_buf_statement_head(&b, tree) < 0)
        goto nomem;
    wb_buf_puts(&b, ",\"predicateType\":\"" WB_DELIVERY_PREDICATE_TYPE "\",\"predicate\":{");
    put_string_field(&b, "name",
                     info->name          ? info->name
                     : info->source_name ? info->source_name
                                         : "",
                     false);
    if (info->version)
        put_string_field(&b, "version", info->version, true);
    wb_buf_puts(&b, ",\"supplier\":{");
    if (info->supplier) {
        put_string_field(&b, "name", info->supplier, false);
        wb_buf_putc(&b, ',');
    }
    wb_buf_puts(&b, "\"keyids\":[");
    for (i = 0; i < info->nkeyids; i++) {
        if (i)
            wb_buf_putc(&b, ',');
        wb_buf_json_string(&b, info->keyids[i], strlen(info->keyids[i]));
    }
    wb_buf_puts(&b, "]}");
    if (info->site) {
        wb_buf_puts(&b, ",\"recipient\":{");
        put_string_field(&b, "site", info->site, false);
        wb_buf_putc(&b, '}');
    }
    put_string_field(&b, "created", created, true);
    wb_buf_puts(&b, ",\"source\":{");
    put_string_field(&b, "type", source_type_name(wb_tree_get_source(tree)), false);
    if (info->source_name)
        put_string_field(&b, "name", info->source_name, true);
    wb_buf_putc(&b, '}');
    wb_buf_printf(&b, ",\"fileCount\":%llu,\"totalBytes\":%llu",
                  (unsigned long long)wb_tree_file_count(tree),
                  (unsigned long long)wb_tree_total_bytes(tree));
    wb_buf_puts(&b, ",\"excludes\":[");
    for (i = 0; i < info->nexcludes; i++) {
        if (i)
            wb_buf_putc(&b, ',');
        wb_buf_json_string(&b, info->excludes[i], strlen(info->excludes[i]));
    }
    wb_buf_printf(&b, "],\"defaultModes\":{\"file\":\"%04o\",\"directory\":\"%04o\"}",
                  DEFAULT_FILE_MODE, DEFAULT_DIR_MODE);
    wb_buf_puts(&b, ",\"entries\":[");
    first = true;
    for (i = 0; i < n; i++) {
        const wb_tree_entry *e = wb_tree_get(tree, i);
        bool record = e->type == WB_TREE_SYMLINK ||
                      (e->type == WB_TREE_FILE && e->mode != DEFAULT_FILE_MODE) ||
                      (e->type == WB_TREE_DIRECTORY && (e->empty || e->mode != DEFAULT_DIR_MODE));
        if (!record)
            continue;
        if (!first)
            wb_buf_putc(&b, ',');
        first = false;
        wb_buf_puts(&b, "{");
        put_string_field(&b, "path", e->path, false);
        switch (e->type) {
        case WB_TREE_FILE:
            put_string_field(&b, "type", "file", true);
            put_mode_field(&b, e->mode);
            break;
        case WB_TREE_DIRECTORY:
            put_string_field(&b, "type", "directory", true);
            put_mode_field(&b, e->mode);
            wb_buf_printf(&b, ",\"empty\":%s", e->empty ? "true" : "false");
            break;
        case WB_TREE_SYMLINK:
            put_string_field(&b, "type", "symlink", true);
            put_string_field(&b, "target", e->target, true);
            break;
        case WB_TREE_OTHER:
            break;
        }
        wb_buf_putc(&b, '}');
        if (b.failed)
            goto nomem;
    }
    wb_buf_putc(&b, ']');
    if ((info->supply_chain && put_json_field(&b, "supplyChain", info->supply_chain) < 0) ||
        (info->review && put_json_field(&b, "review", info->review) < 0))
        goto nomem;
    wb_buf_puts(&b, "}}\n");
    if (b.failed)
        goto nomem;
    return wb_buf_detach(&b, out, out_len);
nomem:
    wb_buf_free(&b);
    return wb_error_set(WB_ENOMEM, "statement: out of memory");
}

/* ---------- parsing ---------- */

typedef struct {
    const char *path;
    wb_tree_entry_type type;
    uint32_t mode;
    unsigned char sha256[WB_SHA256_LEN];
    const char *target;
    bool empty;
    bool mode_listed; /* a file entry of the predicate set the mode */
} expected_entry;

struct wb_delivery {
    json_t *root;
    expected_entry *entries;
    size_t count;
    const char *name, *version, *supplier, *site, *created, *source_type, *source_name;
    uint64_t file_count, total_bytes;
    uint32_t dir_mode; /* defaultModes.directory */
    json_t *excludes;
    size_t symlinks, empty_dirs;
};

void wb_delivery_free(wb_delivery *d)
{
    if (!d)
        return;
    json_decref(d->root);
    wb_free(d->entries);
    wb_free(d);
}

static int expected_cmp(const void *a, const void *b)
{
    const expected_entry *x = a, *y = b;
    return wb_tree_path_cmp(x->path, y->path);
}

static expected_entry *expected_find(const wb_delivery *d, const char *path)
{
    expected_entry key = {.path = path};
    return bsearch(&key, d->entries, d->count, sizeof(key), expected_cmp);
}

/* relative, '/'-separated, no empty, "." or ".." component, no NUL */
static bool safe_relative_path(const json_t *value)
{
    const char *p = json_string_value(value), *c;
    size_t len = json_string_length(value);
    if (!p || len == 0 || strlen(p) != len || p[0] == '/')
        return false;
    for (c = p;;) {
        const char *slash = strchr(c, '/');
        size_t n = slash ? (size_t)(slash - c) : strlen(c);
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return false;
        if (!slash)
            return true;
        c = slash + 1;
    }
}

static bool parse_mode(uint32_t *out, const json_t *value)
{
    const char *s = json_string_value(value);
    uint32_t mode = 0;
    size_t i;
    if (!s || strlen(s) != 4)
        return false;
    for (i = 0; i < 4; i++) {
        if (s[i] < '0' || s[i] > '7')
            return false;
        mode = mode * 8 + (uint32_t)(s[i] - '0');
    }
    *out = mode;
    return true;
}

static const char *opt_string(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

int wb_delivery_parse(wb_delivery **out, const void *payload, size_t len, const char *name)
{
    json_t *subjects, *predicate, *entries, *defaults, *value;
    uint32_t file_mode = DEFAULT_FILE_MODE, dir_mode = DEFAULT_DIR_MODE;
    wb_delivery *d = NULL;
    size_t i, n = 0, cap;
    int rc;

    if (!out || !payload)
        return wb_error_set(WB_EINVAL, "statement: invalid argument");
    *out = NULL;
    if (!name)
        name = "statement";
    if (len > WB_STATEMENT_MAX_SIZE)
        return wb_error_set(WB_ELIMIT, "%s: statement of %zu bytes exceeds the limit", name, len);
    d = wb_calloc(1, sizeof(*d));
    if (!d)
        return wb_error_set(WB_ENOMEM, "out of memory");
    if ((rc = wb_json_parse(&d->root, payload, len, name)) < 0)
        goto fail;
    if (!json_is_object(d->root) || !json_is_string(json_object_get(d->root, "_type")) ||
        strcmp(opt_string(d->root, "_type"), WB_STATEMENT_TYPE) != 0) {
        rc = wb_error_set(WB_EFORMAT, "%s: not an in-toto Statement v1 (_type %s expected)", name,
                          WB_STATEMENT_TYPE);
        goto fail;
    }
    if (!json_is_string(json_object_get(d->root, "predicateType")) ||
        strcmp(opt_string(d->root, "predicateType"), WB_DELIVERY_PREDICATE_TYPE) != 0) {
        rc = wb_error_set(WB_EFORMAT, "%s: predicateType is not %s; not a waybill", name,
                          WB_DELIVERY_PREDICATE_TYPE);
        goto fail;
    }
    subjects = json_object_get(d->root, "subject");
    predicate = json_object_get(d->root, "predicate");
    if (!json_is_array(subjects) || !json_is_object(predicate)) {
        rc = wb_error_set(WB_EFORMAT, "%s: subject must be a list and predicate an object", name);
        goto fail;
    }
    entries = json_object_get(predicate, "entries");
    if (entries && !json_is_array(entries)) {
        rc = wb_error_set(WB_EFORMAT, "%s: predicate.entries must be a list", name);
        goto fail;
    }
    defaults = json_object_get(predicate, "defaultModes");
    if (defaults && ((json_object_get(defaults, "file") &&
                      !parse_mode(&file_mode, json_object_get(defaults, "file"))) ||
                     (json_object_get(defaults, "directory") &&
                      !parse_mode(&dir_mode, json_object_get(defaults, "directory"))))) {
        rc = wb_error_set(WB_EFORMAT, "%s: predicate.defaultModes: modes are 4 octal digits", name);
        goto fail;
    }
    d->dir_mode = dir_mode;
    d->name = opt_string(predicate, "name");
    d->version = opt_string(predicate, "version");
    d->supplier = opt_string(json_object_get(predicate, "supplier"), "name");
    d->site = opt_string(json_object_get(predicate, "recipient"), "site");
    d->created = opt_string(predicate, "created");
    d->source_type = opt_string(json_object_get(predicate, "source"), "type");
    d->source_name = opt_string(json_object_get(predicate, "source"), "name");
    value = json_object_get(predicate, "fileCount");
    d->file_count = json_is_integer(value) && json_integer_value(value) >= 0
                        ? (uint64_t)json_integer_value(value)
                        : 0;
    value = json_object_get(predicate, "totalBytes");
    d->total_bytes = json_is_integer(value) && json_integer_value(value) >= 0
                         ? (uint64_t)json_integer_value(value)
                         : 0;
    d->excludes = json_object_get(predicate, "excludes");
    if (d->excludes && !json_is_array(d->excludes)) {
        rc = wb_error_set(WB_EFORMAT, "%s: predicate.excludes must be a list", name);
        goto fail;
    }
    for (i = 0; d->excludes && i < json_array_size(d->excludes); i++)
        if (!json_is_string(json_array_get(d->excludes, i))) {
            rc = wb_error_set(WB_EFORMAT, "%s: predicate.excludes[%zu] is not a string", name, i);
            goto fail;
        }

    cap = json_array_size(subjects) + (entries ? json_array_size(entries) : 0);
    d->entries = wb_calloc(cap ? cap : 1, sizeof(*d->entries));
    if (!d->entries) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto fail;
    }
    for (i = 0; i < json_array_size(subjects); i++) {
        json_t *s = json_array_get(subjects, i), *hex_json;
        expected_entry *e = &d->entries[n];
        size_t got;
        hex_json = json_object_get(json_object_get(s, "digest"), "sha256");
        if (!json_is_object(s) || !safe_relative_path(json_object_get(s, "name"))) {
            rc = wb_error_set(WB_EFORMAT,
                              "%s: subject %zu: name missing or not a safe relative "
                              "path",
                              name, i + 1);
            goto fail;
        }
        e->path = opt_string(s, "name");
        if (!json_is_string(hex_json) || json_string_length(hex_json) != 2 * WB_SHA256_LEN ||
            wb_hex_decode(e->sha256, sizeof(e->sha256), &got, json_string_value(hex_json),
                          2 * WB_SHA256_LEN) < 0) {
            rc = wb_error_set(WB_EFORMAT,
                              "%s: subject %zu (%s): digest.sha256 must be 64 hex "
                              "digits",
                              name, i + 1, e->path);
            goto fail;
        }
        e->type = WB_TREE_FILE;
        e->mode = file_mode;
        n++;
    }
    d->count = n;
    qsort(d->entries, d->count, sizeof(*d->entries), expected_cmp);
    for (i = 0; i + 1 < d->count; i++)
        if (strcmp(d->entries[i].path, d->entries[i + 1].path) == 0) {
            rc = wb_error_set(WB_EFORMAT, "%s: subject %s appears twice", name, d->entries[i].path);
            goto fail;
        }
    /* predicate entries: mode overrides for files, then the other kinds */
    for (i = 0; entries && i < json_array_size(entries); i++) {
        json_t *pe = json_array_get(entries, i);
        const char *type = opt_string(pe, "type");
        expected_entry *e;
        if (!json_is_object(pe) || !safe_relative_path(json_object_get(pe, "path")) || !type) {
            rc = wb_error_set(WB_EFORMAT,
                              "%s: predicate.entries[%zu]: needs a safe relative "
                              "path and a type",
                              name, i);
            goto fail;
        }
        if (strcmp(type, "file") == 0) {
            e = expected_find(d, opt_string(pe, "path"));
            if (e && e->mode_listed) {
                rc = wb_error_set(WB_EFORMAT, "%s: predicate.entries[%zu]: %s is listed twice",
                                  name, i, e->path);
                goto fail;
            }
            if (e)
                e->mode_listed = true;
            if (!e || !parse_mode(&e->mode, json_object_get(pe, "mode"))) {
                rc = wb_error_set(WB_EFORMAT,
                                  "%s: predicate.entries[%zu]: a file entry needs a "
                                  "subject of the same name and a mode",
                                  name, i);
                goto fail;
            }
            continue;
        }
        e = &d->entries[n];
        e->path = opt_string(pe, "path");
        if (strcmp(type, "directory") == 0) {
            e->type = WB_TREE_DIRECTORY;
            e->mode = dir_mode;
            if (json_object_get(pe, "mode") && !parse_mode(&e->mode, json_object_get(pe, "mode"))) {
                rc = wb_error_set(WB_EFORMAT, "%s: predicate.entries[%zu]: bad mode", name, i);
                goto fail;
            }
            e->empty = json_is_true(json_object_get(pe, "empty"));
            d->empty_dirs += e->empty;
        } else if (strcmp(type, "symlink") == 0) {
            json_t *target = json_object_get(pe, "target");
            if (!json_is_string(target) ||
                strlen(json_string_value(target)) != json_string_length(target)) {
                rc = wb_error_set(WB_EFORMAT,
                                  "%s: predicate.entries[%zu]: a symlink needs a "
                                  "target",
                                  name, i);
                goto fail;
            }
            e->type = WB_TREE_SYMLINK;
            e->mode = 0777;
            e->target = json_string_value(target);
            d->symlinks++;
        } else {
            rc = wb_error_set(WB_EFORMAT, "%s: predicate.entries[%zu]: unknown type '%s'", name, i,
                              type);
            goto fail;
        }
        n++;
    }
    d->count = n;
    qsort(d->entries, d->count, sizeof(*d->entries), expected_cmp);
    for (i = 0; i + 1 < d->count; i++)
        if (strcmp(d->entries[i].path, d->entries[i + 1].path) == 0) {
            rc = wb_error_set(WB_EFORMAT, "%s: %s is listed twice", name, d->entries[i].path);
            goto fail;
        }
    *out = d;
    return 0;
fail:
    wb_delivery_free(d);
    return rc;
}

const char *wb_delivery_name(const wb_delivery *d)
{
    return d->name;
}
const char *wb_delivery_version(const wb_delivery *d)
{
    return d->version;
}
const char *wb_delivery_supplier(const wb_delivery *d)
{
    return d->supplier;
}
const char *wb_delivery_site(const wb_delivery *d)
{
    return d->site;
}
const char *wb_delivery_created(const wb_delivery *d)
{
    return d->created;
}
const char *wb_delivery_source_type(const wb_delivery *d)
{
    return d->source_type;
}
const char *wb_delivery_source_name(const wb_delivery *d)
{
    return d->source_name;
}
uint64_t wb_delivery_file_count(const wb_delivery *d)
{
    return d->file_count;
}
uint64_t wb_delivery_total_bytes(const wb_delivery *d)
{
    return d->total_bytes;
}
size_t wb_delivery_symlink_count(const wb_delivery *d)
{
    return d->symlinks;
}
size_t wb_delivery_empty_dir_count(const wb_delivery *d)
{
    return d->empty_dirs;
}

size_t wb_delivery_exclude_count(const wb_delivery *d)
{
    return d->excludes ? json_array_size(d->excludes) : 0;
}

const json_t *wb_delivery_supply_chain(const wb_delivery *d)
{
    return d ? json_object_get(json_object_get(d->root, "predicate"), "supplyChain") : NULL;
}

const json_t *wb_delivery_review(const wb_delivery *d)
{
    return d ? json_object_get(json_object_get(d->root, "predicate"), "review") : NULL;
}

const json_t *wb_delivery_subjects(const wb_delivery *d)
{
    return d ? json_object_get(d->root, "subject") : NULL;
}

const char *wb_delivery_exclude(const wb_delivery *d, size_t i)
{
    return json_string_value(json_array_get(d->excludes, i));
}

/* ---------- comparing ---------- */

const char *wb_diff_kind_name(wb_diff_kind kind)
{
    switch (kind) {
    case WB_DIFF_MODIFIED:
        return "modified";
    case WB_DIFF_MISSING:
        return "missing";
    case WB_DIFF_UNEXPECTED:
        return "unexpected";
    case WB_DIFF_MODE:
        return "mode changed";
    case WB_DIFF_SYMLINK:
        return "symlink changed";
    }
    return "changed";
}

typedef struct {
    wb_diff *items;
    size_t count, cap;
    bool failed;
} diff_list;

static void diff_add(diff_list *list, wb_diff_kind kind, const char *path, const char *expected,
                     const char *actual)
{
    wb_diff *d;
    if (list->failed)
        return;
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        wb_diff *grown = wb_reallocarray(list->items, cap, sizeof(*grown));
        if (!grown) {
            list->failed = true;
            return;
        }
        list->items = grown;
        list->cap = cap;
    }
    d = &list->items[list->count++];
    d->kind = kind;
    d->path = path;
    snprintf(d->expected, sizeof(d->expected), "%s", expected ? expected : "");
    snprintf(d->actual, sizeof(d->actual), "%s", actual ? actual : "");
}

static const char *kind_word(wb_tree_entry_type type)
{
    switch (type) {
    case WB_TREE_FILE:
        return "file";
    case WB_TREE_DIRECTORY:
        return "directory";
    default:
        return "symlink";
    }
}

static void compare_pair(diff_list *list, const expected_entry *e, const wb_tree_entry *a)
{
    char want[16], got[16];
    if (e->type != a->type) {
        bool link = e->type == WB_TREE_SYMLINK || a->type == WB_TREE_SYMLINK;
        diff_add(list, link ? WB_DIFF_SYMLINK : WB_DIFF_MODIFIED, a->path, kind_word(e->type),
                 kind_word(a->type));
        return;
    }
    switch (e->type) {
    case WB_TREE_FILE:
        if (!wb_digest_equal(e->sha256, a->sha256, WB_SHA256_LEN)) {
            char want_hex[2 * WB_SHA256_LEN + 1], got_hex[2 * WB_SHA256_LEN + 1];
            wb_hex_encode(want_hex, e->sha256, WB_SHA256_LEN);
            wb_hex_encode(got_hex, a->sha256, WB_SHA256_LEN);
            diff_add(list, WB_DIFF_MODIFIED, a->path, want_hex, got_hex);
        }
        break;
    case WB_TREE_SYMLINK:
        if (strcmp(e->target, a->target) != 0)
            diff_add(list, WB_DIFF_SYMLINK, a->path, e->target, a->target);
        return;
    case WB_TREE_DIRECTORY:
    case WB_TREE_OTHER:
        break;
    }
    if (e->mode != a->mode) {
        snprintf(want, sizeof(want), "%04o", e->mode);
        snprintf(got, sizeof(got), "%04o", a->mode);
        diff_add(list, WB_DIFF_MODE, a->path, want, got);
    }
}

static bool inside(const char *dir, const char *child)
{
    size_t n = strlen(dir);
    return strncmp(dir, child, n) == 0 && child[n] == '/';
}

int wb_delivery_compare(wb_diff **out, size_t *count, const wb_delivery *d, const wb_tree *tree)
{
    size_t i = 0, j = 0, na = wb_tree_count(tree);
    diff_list list = {0};
    char want[16], got[16];

    if (!out || !count || !d || !tree)
        return wb_error_set(WB_EINVAL, "compare: invalid argument");
    *out = NULL;
    *count = 0;
    while (i < d->count || j < na) {
        const expected_entry *e = i < d->count ? &d->entries[i] : NULL;
        const wb_tree_entry *a = j < na ? wb_tree_get(tree, j) : NULL;
        int c = e && a ? wb_tree_path_cmp(e->path, a->path) : e ? -1 : 1;
        if (c < 0) {
            diff_add(&list, WB_DIFF_MISSING, e->path, kind_word(e->type), NULL);
            i++;
        } else if (c > 0) {
            if (a->type != WB_TREE_DIRECTORY && e && inside(a->path, e->path)) {
                /* a directory the waybill implies became a file or a symlink */
                diff_add(&list, a->type == WB_TREE_SYMLINK ? WB_DIFF_SYMLINK : WB_DIFF_MODIFIED,
                         a->path, "directory", kind_word(a->type));
            } else if (a->type != WB_TREE_DIRECTORY) {
                diff_add(&list, WB_DIFF_UNEXPECTED, a->path, NULL, kind_word(a->type));
            } else if (e && inside(a->path, e->path)) {
                /* a directory the waybill implies by its contents */
                if (a->mode != d->dir_mode) {
                    snprintf(want, sizeof(want), "%04o", d->dir_mode);
                    snprintf(got, sizeof(got), "%04o", a->mode);
                    diff_add(&list, WB_DIFF_MODE, a->path, want, got);
                }
            } else if (a->empty) {
                diff_add(&list, WB_DIFF_UNEXPECTED, a->path, NULL, "directory");
            }
            j++;
        } else {
            compare_pair(&list, e, a);
            i++;
            j++;
        }
    }
    if (list.failed) {
        wb_free(list.items);
        return wb_error_set(WB_ENOMEM, "compare: out of memory");
    }
    *out = list.items;
    *count = list.count;
    return 0;
}

char *wb_path_display(const char *path)
{
    return wb_escape_display(path ? path : "");
}
