/*
 * layout_artifacts.c: the materials and products of in-toto links as
 * sorted tables (layout_internal.h), the form the artifact rules and the
 * threshold's agreement check work on.
 *
 * A table is an array of {path, hash object} sorted by path in byte order,
 * which for the NUL-free UTF-8 of JSON keys is strcmp order. The hash
 * object is kept as its OLPC canonical JSON ({"sha256":"..."}): canonical
 * JSON has one spelling per value, so two hash objects are equal exactly
 * when their bytes are, and comparing artifacts is a memcmp. Links read by
 * the streaming reader (layout_reader.c) come as tables already; this file
 * makes them from links as JSON (summaries of sublayouts, inspections, the
 * links handed to wb_layout_verify_rules()) and turns them back into JSON
 * for summary links.
 *
 * All the bytes of one link's tables live in one arena, so a table costs
 * two allocations however many artifacts it holds.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "layout_internal.h"
#include "waybill/layout.h"

void wb_link_data_free(wb_link_data *data)
{
    if (!data)
        return;
    wb_free(data->name);
    wb_free(data->materials.items);
    wb_free(data->products.items);
    json_decref(data->byproducts);
    json_decref(data->command);
    json_decref(data->environment);
    json_decref(data->json);
    wb_free(data->arena);
    wb_free(data);
}

int wb_artifact_path_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t common = alen < blen ? alen : blen;
    int c = common ? memcmp(a, b, common) : 0;
    if (c != 0)
        return c;
    return (alen > blen) - (alen < blen);
}

const wb_artifact *wb_artifacts_find(const wb_artifacts *table, const char *path, size_t len)
{
    size_t lo = 0, hi = table->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const wb_artifact *a = &table->items[mid];
        int c = wb_artifact_path_cmp(a->path, a->path_len, path, len);
        if (c == 0)
            return a;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool wb_artifacts_equal(const wb_artifacts *a, const wb_artifacts *b)
{
    size_t i;
    if (a->count != b->count)
        return false;
    for (i = 0; i < a->count; i++) {
        const wb_artifact *x = &a->items[i], *y = &b->items[i];
        if (x->path_len != y->path_len || memcmp(x->path, y->path, x->path_len) != 0 ||
            !wb_artifact_hashes_equal(x, y))
            return false;
    }
    return true;
}

/* --- from JSON --- */

typedef struct {
    const char *key;
    size_t key_len;
    const json_t *value;
} hash_member;

static int cmp_members(const void *a, const void *b)
{
    const hash_member *x = a, *y = b;
    return wb_artifact_path_cmp(x->key, x->key_len, y->key, y->key_len);
}

static int put_canonical_string(wb_buf *buf, const char *s, size_t len)
{
    size_t start = 0, i;
    wb_buf_putc(buf, '"');
    for (i = 0; i < len; i++) {
        if (s[i] != '"' && s[i] != '\\')
            continue;
        wb_buf_append(buf, s + start, i - start);
        wb_buf_putc(buf, '\\');
        start = i;
    }
    wb_buf_append(buf, s + start, len - start);
    return wb_buf_putc(buf, '"');
}

/* Append the encoding of one artifact's hashes (see layout_internal.h). */
static int put_hashes(wb_buf *buf, const json_t *hashes)
{
    hash_member *members = NULL;
    const char *alg;
    json_t *value;
    size_t n = 0, i;
    bool canonical = json_is_object(hashes);
    int rc = 0;

    if (canonical) {
        json_object_foreach((json_t *)hashes, alg, value)
        {
            if (!json_is_string(value))
                canonical = false;
        }
    }
    if (!canonical) {
        char *text = json_dumps(hashes, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        if (!text)
            return wb_error_set(WB_ENOMEM, "out of memory");
        wb_buf_putc(buf, '\x01');
        rc = wb_buf_puts(buf, text);
        free(text);
        return rc;
    }
    members = wb_calloc(json_object_size(hashes) + 1, sizeof(*members));
    if (!members)
        return wb_error_set(WB_ENOMEM, "out of memory");
    json_object_foreach((json_t *)hashes, alg, value)
    {
        members[n].key = alg;
        members[n].key_len = strlen(alg);
        members[n].value = value;
        n++;
    }
    qsort(members, n, sizeof(*members), cmp_members);
    wb_buf_putc(buf, '{');
    for (i = 0; i < n; i++) {
        if (i)
            wb_buf_putc(buf, ',');
        put_canonical_string(buf, members[i].key, members[i].key_len);
        wb_buf_putc(buf, ':');
        put_canonical_string(buf, json_string_value(members[i].value),
                             json_string_length(members[i].value));
    }
    rc = wb_buf_putc(buf, '}');
    wb_free(members);
    return rc;
}

static int cmp_artifacts(const void *a, const void *b)
{
    const wb_artifact *x = a, *y = b;
    return wb_artifact_path_cmp(x->path, x->path_len, y->path, y->path_len);
}

/* Fill `table` from the artifact object `artifacts`, writing the bytes to
 * `arena`, which may move while it grows: where each path and hash object
 * starts is kept in offsets[2 * i], offsets[2 * i + 1] until
 * fix_pointers(). */
static int table_from_json(wb_artifacts *table, size_t **offsets, wb_buf *arena,
                           const json_t *artifacts)
{
    const char *path;
    json_t *hashes;
    size_t n = 0, count = json_object_size(artifacts);
    int rc;

    table->items = wb_calloc(count + 1, sizeof(*table->items));
    *offsets = wb_calloc(2 * count + 1, sizeof(**offsets));
    if (!table->items || !*offsets)
        return wb_error_set(WB_ENOMEM, "out of memory");
    json_object_foreach((json_t *)artifacts, path, hashes)
    {
        wb_artifact *a = &table->items[n];
        a->path_len = strlen(path);
        (*offsets)[2 * n] = arena->len;
        wb_buf_append(arena, path, a->path_len + 1);
        (*offsets)[2 * n + 1] = arena->len;
        if ((rc = put_hashes(arena, hashes)) < 0)
            return rc;
        a->hashes_len = arena->len - (*offsets)[2 * n + 1];
        n++;
    }
    table->count = n;
    return 0;
}

static void fix_pointers(wb_artifacts *table, const size_t *offsets, const char *base)
{
    size_t i;
    for (i = 0; i < table->count; i++) {
        table->items[i].path = base + offsets[2 * i];
        table->items[i].hashes = base + offsets[2 * i + 1];
    }
    if (table->count > 1)
        qsort(table->items, table->count, sizeof(*table->items), cmp_artifacts);
}

int wb_link_data_from_json(wb_link_data **out, const json_t *link)
{
    wb_link_data *data;
    const json_t *materials = json_object_get(link, "materials");
    const json_t *products = json_object_get(link, "products");
    const char *name = json_string_value(json_object_get(link, "name"));
    wb_buf arena = {0};
    size_t arena_len, *materials_at = NULL, *products_at = NULL;
    int rc = 0;

    *out = NULL;
    data = wb_calloc(1, sizeof(*data));
    if (!data)
        return wb_error_set(WB_ENOMEM, "out of memory");
    data->json = json_incref((json_t *)link);
    data->byproducts = json_incref(json_object_get(link, "byproducts"));
    data->command = json_incref(json_object_get(link, "command"));
    data->environment = json_incref(json_object_get(link, "environment"));
    data->has_materials = json_is_object(materials);
    data->has_products = json_is_object(products);
    if (!(data->name = wb_strdup(name ? name : ""))) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    if ((data->has_materials &&
         (rc = table_from_json(&data->materials, &materials_at, &arena, materials)) < 0) ||
        (data->has_products &&
         (rc = table_from_json(&data->products, &products_at, &arena, products)) < 0))
        goto out;
    if (wb_buf_detach(&arena, &data->arena, &arena_len) < 0) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    fix_pointers(&data->materials, materials_at, data->arena);
    fix_pointers(&data->products, products_at, data->arena);
    *out = data;
    data = NULL;
out:
    wb_free(materials_at);
    wb_free(products_at);
    wb_buf_free(&arena);
    wb_link_data_free(data);
    return rc;
}

/* --- to JSON --- */

/* Read one canonical string at *p (escapes: only \" and \\). */
static json_t *read_canonical_string(const char **p, const char *end)
{
    wb_buf buf = {0};
    const char *s = *p + 1;
    char *text = NULL;
    size_t len;
    json_t *value = NULL;

    while (s < end && *s != '"') {
        if (*s == '\\' && s + 1 < end)
            s++;
        wb_buf_putc(&buf, *s++);
    }
    if (s < end && wb_buf_detach(&buf, &text, &len) == 0) {
        value = json_stringn(text, len);
        *p = s + 1;
    }
    wb_buf_free(&buf);
    wb_free(text);
    return value;
}

static json_t *hashes_to_json(const wb_artifact *a)
{
    const char *p = a->hashes, *end = a->hashes + a->hashes_len;
    json_t *object;

    if (a->hashes_len > 0 && a->hashes[0] == '\x01')
        return json_loadb(a->hashes + 1, a->hashes_len - 1, JSON_DECODE_ANY, NULL);
    object = json_object();
    if (!object || p >= end || *p++ != '{')
        goto bad;
    while (p < end && *p != '}') {
        json_t *key, *value;
        int rc;
        if (*p == ',')
            p++;
        if (p >= end || *p != '"' || !(key = read_canonical_string(&p, end)))
            goto bad;
        if (p >= end || *p++ != ':' || p >= end || *p != '"' ||
            !(value = read_canonical_string(&p, end))) {
            json_decref(key);
            goto bad;
        }
        rc = json_object_set_new(object, json_string_value(key), value);
        json_decref(key);
        if (rc < 0)
            goto bad;
    }
    return object;
bad:
    json_decref(object);
    return NULL;
}

int wb_link_data_artifacts_json(json_t **out, const wb_link_data *data, bool products)
{
    const wb_artifacts *table = products ? &data->products : &data->materials;
    json_t *object;
    size_t i;

    *out = NULL;
    if (data->json) {
        json_t *from = json_object_get(data->json, products ? "products" : "materials");
        *out = json_is_object(from) ? json_incref(from) : json_object();
        return *out ? 0 : wb_error_set(WB_ENOMEM, "out of memory");
    }
    object = json_object();
    if (!object)
        return wb_error_set(WB_ENOMEM, "out of memory");
    for (i = 0; i < table->count; i++) {
        json_t *hashes = hashes_to_json(&table->items[i]);
        if (!hashes || json_object_set_new(object, table->items[i].path, hashes) < 0) {
            json_decref(object);
            return wb_error_set(WB_ENOMEM, "out of memory");
        }
    }
    *out = object;
    return 0;
}
