/*
 * test_statement.c: the delivery Statement: build, parse, compare.
 *
 * A sample delivery is written into a fresh temporary directory, hashed,
 * and sealed into a Statement with fixed inputs (creation time 1700000000,
 * 2023-11-14T22:13:20Z), so the output is checked both as JSON (field by
 * field, with jansson) and as bytes (the same input gives the same bytes).
 * Comparison is checked one change at a time against a fresh copy of the
 * sample: each change must give exactly the one expected difference, and
 * several changes all of theirs, in path order.
 *
 * Parse refusals use small hand-written statements, one defect each. The
 * allocation-failure loops run parse + compare and build with every
 * allocation failing in turn (jansson's too, through json_set_alloc_funcs).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"
#include "waybill/statement.h"
#include "waybill/tree.h"

#define TESTFS_TAG "statement"
#include "testfs.h"

#define CREATED_TIME  1700000000
#define CREATED_TEXT  "2023-11-14T22:13:20Z"
#define NELEMS(array) (sizeof(array) / sizeof((array)[0]))

/* The sample delivery: files with default and other modes, a symlink, an
 * empty directory, a directory with a non-default mode, and names whose
 * order depends on '/' sorting first. */
static void make_sample(const char *dir)
{
    put_text(dir, "README", "hello\n", 0644);
    put_dir(dir, "bin", 0755);
    put_text(dir, "bin/tool", "#!/bin/sh\n", 0755);
    put_dir(dir, "etc", 0755);
    put_text(dir, "etc/conf", "key=value\n", 0600);
    put_text(dir, "etc/other", "x\n", 0644);
    put_dir(dir, "lib", 0755);
    put_text(dir, "lib/libx.so.1", "ELF\n", 0644);
    put_link(dir, "lib/libx.so", "libx.so.1");
    put_dir(dir, "empty", 0755);
    put_dir(dir, "secret", 0700);
    put_text(dir, "secret/key", "k\n", 0644);
    put_text(dir, "a-b", "dash\n", 0644);
    put_dir(dir, "a", 0755);
    put_text(dir, "a/b", "slash\n", 0644);
}

#define SAMPLE_FILES 8
#define SAMPLE_BYTES (6 + 10 + 10 + 2 + 4 + 2 + 5 + 6)

static const char *const sample_keyids[] = {"f39d6cf1aa", "0badc0de"};
static const char *const sample_excludes[] = {"*.tmp", "build"};

static wb_delivery_info sample_info(void)
{
    wb_delivery_info info = {
        .name = "acme-tools",
        .version = "2.4.1",
        .supplier = "Acme Networks",
        .site = "customer-site-7",
        .source_name = "acme-tools-dir",
        .created = CREATED_TIME,
        .keyids = sample_keyids,
        .nkeyids = 2,
        .excludes = sample_excludes,
        .nexcludes = 2,
    };
    return info;
}

static wb_tree *hash_ok(const char *path, unsigned threads)
{
    wb_tree_options opts = {.threads = threads};
    wb_tree *tree = NULL;
    int rc = wb_tree_hash(&tree, path, &opts);
    if (rc != 0)
        fail_msg("wb_tree_hash(%s): %s", path, wb_error_last());
    return tree;
}

static char *statement_ok(const wb_tree *tree, const wb_delivery_info *info, size_t *len)
{
    char *text = NULL;
    int rc = wb_delivery_statement(&text, len, tree, info);
    if (rc != 0)
        fail_msg("wb_delivery_statement: %s", wb_error_last());
    assert_non_null(text);
    assert_int_equal(strlen(text), *len);
    return text;
}

static wb_delivery *parse_ok(const char *text, size_t len)
{
    wb_delivery *d = NULL;
    int rc = wb_delivery_parse(&d, text, len, "test.json");
    if (rc != 0)
        fail_msg("wb_delivery_parse: %s: %s\n%s", wb_error_name(rc), wb_error_last(), text);
    assert_non_null(d);
    return d;
}

/* The sample, hashed, sealed and parsed back. */
typedef struct {
    const char *dir;
    wb_tree *tree;
    char *text;
    size_t len;
    wb_delivery *delivery;
} sealed;

static void seal_sample(sealed *s, const char *name)
{
    wb_delivery_info info = sample_info();
    s->dir = new_dir(name);
    make_sample(s->dir);
    s->tree = hash_ok(s->dir, 0);
    s->text = statement_ok(s->tree, &info, &s->len);
    s->delivery = parse_ok(s->text, s->len);
}

static void unseal(sealed *s)
{
    wb_delivery_free(s->delivery);
    wb_free(s->text);
    wb_tree_free(s->tree);
}

/* ---------- building and parsing back ---------- */

static void test_round_trip(void **state)
{
    sealed s;
    (void)state;
    seal_sample(&s, "round-trip");
    assert_string_equal(wb_delivery_name(s.delivery), "acme-tools");
    assert_string_equal(wb_delivery_version(s.delivery), "2.4.1");
    assert_string_equal(wb_delivery_supplier(s.delivery), "Acme Networks");
    assert_string_equal(wb_delivery_site(s.delivery), "customer-site-7");
    assert_string_equal(wb_delivery_created(s.delivery), CREATED_TEXT);
    assert_string_equal(wb_delivery_source_type(s.delivery), "directory");
    assert_string_equal(wb_delivery_source_name(s.delivery), "acme-tools-dir");
    assert_int_equal(wb_delivery_file_count(s.delivery), SAMPLE_FILES);
    assert_int_equal(wb_tree_file_count(s.tree), SAMPLE_FILES);
    assert_int_equal(wb_delivery_total_bytes(s.delivery), SAMPLE_BYTES);
    assert_int_equal(wb_tree_total_bytes(s.tree), SAMPLE_BYTES);
    assert_int_equal(wb_delivery_exclude_count(s.delivery), 2);
    assert_string_equal(wb_delivery_exclude(s.delivery, 0), "*.tmp");
    assert_string_equal(wb_delivery_exclude(s.delivery, 1), "build");
    assert_null(wb_delivery_exclude(s.delivery, 2));
    assert_int_equal(wb_delivery_symlink_count(s.delivery), 1);
    assert_int_equal(wb_delivery_empty_dir_count(s.delivery), 1);
    unseal(&s);
}

static void test_optional_fields_absent(void **state)
{
    const char *dir = new_dir("optional");
    wb_delivery_info info = {.name = "only-name", .created = 0};
    wb_tree *tree;
    wb_delivery *d;
    char *text;
    size_t len;
    json_t *root, *predicate;
    json_error_t error;
    (void)state;

    put_text(dir, "f", "f", 0644);
    tree = hash_ok(dir, 1);
    text = statement_ok(tree, &info, &len);
    d = parse_ok(text, len);
    assert_string_equal(wb_delivery_name(d), "only-name");
    assert_null(wb_delivery_version(d));
    assert_null(wb_delivery_supplier(d));
    assert_null(wb_delivery_site(d));
    assert_null(wb_delivery_source_name(d));
    assert_string_equal(wb_delivery_created(d), "1970-01-01T00:00:00Z");
    assert_int_equal(wb_delivery_exclude_count(d), 0);
    assert_null(wb_delivery_exclude(d, 0));
    root = json_loadb(text, len, 0, &error);
    assert_non_null(root);
    predicate = json_object_get(root, "predicate");
    assert_null(json_object_get(predicate, "version"));
    assert_null(json_object_get(predicate, "recipient"));
    assert_null(json_object_get(json_object_get(predicate, "supplier"), "name"));
    assert_int_equal(
        json_array_size(json_object_get(json_object_get(predicate, "supplier"), "keyids")), 0);
    json_decref(root);
    wb_delivery_free(d);
    wb_free(text);
    wb_tree_free(tree);
}

static const char *string_at(const json_t *obj, const char *key)
{
    const char *value = json_string_value(json_object_get(obj, key));
    if (!value)
        fail_msg("no string '%s'", key);
    return value;
}

/* The predicate entry for `path`, or NULL. */
static const json_t *predicate_entry(const json_t *entries, const char *path)
{
    size_t i;
    for (i = 0; i < json_array_size(entries); i++) {
        const json_t *e = json_array_get(entries, i);
        if (strcmp(string_at(e, "path"), path) == 0)
            return e;
    }
    return NULL;
}

static void test_json_shape(void **state)
{
    sealed s;
    json_error_t error;
    json_t *root, *subjects, *predicate, *entries, *e;
    size_t i, nsubject = 0;
    (void)state;

    seal_sample(&s, "shape");
    assert_int_equal(s.text[s.len - 1], '\n');
    root = json_loadb(s.text, s.len, JSON_REJECT_DUPLICATES, &error);
    if (!root)
        fail_msg("not JSON: %s", error.text);
    assert_string_equal(string_at(root, "_type"), "https://in-toto.io/Statement/v1");
    assert_string_equal(string_at(root, "predicateType"), WB_DELIVERY_PREDICATE_TYPE);
    assert_string_equal(WB_STATEMENT_TYPE, "https://in-toto.io/Statement/v1");

    /* subjects: exactly the regular files, in tree order, sha256 only */
    subjects = json_object_get(root, "subject");
    assert_true(json_is_array(subjects));
    for (i = 0; i < wb_tree_count(s.tree); i++) {
        const wb_tree_entry *te = wb_tree_get(s.tree, i);
        const json_t *subject, *digest;
        char hex[2 * WB_SHA256_LEN + 1];
        if (te->type != WB_TREE_FILE)
            continue;
        subject = json_array_get(subjects, nsubject++);
        assert_non_null(subject);
        assert_string_equal(string_at(subject, "name"), te->path);
        digest = json_object_get(subject, "digest");
        assert_int_equal(json_object_size(digest), 1);
        wb_hex_encode(hex, te->sha256, WB_SHA256_LEN);
        assert_string_equal(string_at(digest, "sha256"), hex);
    }
    assert_int_equal(json_array_size(subjects), nsubject);
    assert_int_equal(nsubject, SAMPLE_FILES);
    assert_string_equal(string_at(json_array_get(subjects, 0), "name"), "README");
    assert_string_equal(string_at(json_array_get(subjects, 1), "name"), "a/b");
    assert_string_equal(string_at(json_array_get(subjects, 2), "name"), "a-b");

    predicate = json_object_get(root, "predicate");
    assert_string_equal(string_at(predicate, "name"), "acme-tools");
    assert_string_equal(string_at(predicate, "version"), "2.4.1");
    assert_string_equal(string_at(json_object_get(predicate, "supplier"), "name"), "Acme Networks");
    e = json_object_get(json_object_get(predicate, "supplier"), "keyids");
    assert_int_equal(json_array_size(e), 2);
    assert_string_equal(json_string_value(json_array_get(e, 0)), "f39d6cf1aa");
    assert_string_equal(json_string_value(json_array_get(e, 1)), "0badc0de");
    assert_string_equal(string_at(json_object_get(predicate, "recipient"), "site"),
                        "customer-site-7");
    assert_string_equal(string_at(predicate, "created"), CREATED_TEXT);
    assert_string_equal(string_at(json_object_get(predicate, "source"), "type"), "directory");
    assert_int_equal(json_integer_value(json_object_get(predicate, "fileCount")), SAMPLE_FILES);
    assert_int_equal(json_integer_value(json_object_get(predicate, "totalBytes")), SAMPLE_BYTES);
    assert_int_equal(json_array_size(json_object_get(predicate, "excludes")), 2);
    assert_string_equal(string_at(json_object_get(predicate, "defaultModes"), "file"), "0644");
    assert_string_equal(string_at(json_object_get(predicate, "defaultModes"), "directory"), "0755");

    /* entries: what subjects cannot say, and nothing else */
    entries = json_object_get(predicate, "entries");
    assert_int_equal(json_array_size(entries), 5);
    e = (json_t *)predicate_entry(entries, "bin/tool");
    assert_non_null(e);
    assert_string_equal(string_at(e, "type"), "file");
    assert_string_equal(string_at(e, "mode"), "0755");
    e = (json_t *)predicate_entry(entries, "etc/conf");
    assert_non_null(e);
    assert_string_equal(string_at(e, "mode"), "0600");
    e = (json_t *)predicate_entry(entries, "lib/libx.so");
    assert_non_null(e);
    assert_string_equal(string_at(e, "type"), "symlink");
    assert_string_equal(string_at(e, "target"), "libx.so.1");
    e = (json_t *)predicate_entry(entries, "empty");
    assert_non_null(e);
    assert_string_equal(string_at(e, "type"), "directory");
    assert_string_equal(string_at(e, "mode"), "0755");
    assert_true(json_is_true(json_object_get(e, "empty")));
    e = (json_t *)predicate_entry(entries, "secret");
    assert_non_null(e);
    assert_string_equal(string_at(e, "mode"), "0700");
    assert_true(json_is_false(json_object_get(e, "empty")));
    assert_null(predicate_entry(entries, "README"));
    assert_null(predicate_entry(entries, "bin"));
    /* in path order */
    for (i = 1; i < json_array_size(entries); i++)
        assert_true(wb_tree_path_cmp(string_at(json_array_get(entries, i - 1), "path"),
                                     string_at(json_array_get(entries, i), "path")) < 0);
    json_decref(root);
    unseal(&s);
}

static void test_deterministic(void **state)
{
    sealed s;
    wb_delivery_info info = sample_info();
    wb_tree *again;
    char *text;
    size_t len;
    (void)state;

    seal_sample(&s, "deterministic");
    text = statement_ok(s.tree, &info, &len);
    assert_int_equal(len, s.len);
    assert_memory_equal(text, s.text, len);
    wb_free(text);
    /* hashing again, with another thread count, changes nothing either */
    again = hash_ok(s.dir, 1);
    text = statement_ok(again, &info, &len);
    assert_int_equal(len, s.len);
    assert_memory_equal(text, s.text, len);
    wb_free(text);
    wb_tree_free(again);
    unseal(&s);
}

static void test_escaped_names(void **state)
{
    const char *dir = new_dir("escapes");
    wb_delivery_info info = {.name = "quote\" back\\slash\nnew", .created = CREATED_TIME};
    wb_tree *tree;
    wb_delivery *d;
    wb_diff *diffs = NULL;
    size_t len, count = 99;
    char *text, *shown;
    json_error_t error;
    json_t *root;
    (void)state;

    put_text(dir, "line\nbreak", "1", 0644);
    put_text(dir, "tab\there \"q\" \\", "2", 0644);
    put_text(dir, "caf\xc3\xa9", "3", 0644);
    put_link(dir, "ctl", "to\x01x");
    tree = hash_ok(dir, 0);
    text = statement_ok(tree, &info, &len);
    root = json_loadb(text, len, 0, &error);
    if (!root)
        fail_msg("not JSON: %s", error.text);
    json_decref(root);
    d = parse_ok(text, len);
    assert_string_equal(wb_delivery_name(d), "quote\" back\\slash\nnew");
    assert_int_equal(wb_delivery_compare(&diffs, &count, d, tree), 0);
    assert_int_equal(count, 0);
    wb_free(diffs);
    shown = wb_path_display("line\nbreak\x7f\\");
    assert_non_null(shown);
    assert_null(strchr(shown, '\n'));
    assert_null(strchr(shown, '\x7f'));
    wb_free(shown);
    wb_delivery_free(d);
    wb_free(text);
    wb_tree_free(tree);
}

static void test_statement_invalid_arguments(void **state)
{
    wb_delivery_info info = sample_info();
    wb_delivery *d = NULL;
    wb_diff *diffs = NULL;
    size_t count = 0;
    char *text = NULL;
    size_t len;
    (void)state;
    assert_int_equal(wb_delivery_statement(&text, &len, NULL, &info), WB_EINVAL);
    assert_int_equal(wb_delivery_parse(&d, NULL, 0, "x"), WB_EINVAL);
    assert_int_equal(wb_delivery_parse(NULL, "{}", 2, "x"), WB_EINVAL);
    assert_int_equal(wb_delivery_compare(&diffs, &count, NULL, NULL), WB_EINVAL);
    wb_delivery_free(NULL);
}

/* ---------- comparing ---------- */

static void test_compare_unchanged(void **state)
{
    sealed s;
    wb_diff *diffs = NULL;
    size_t count = 99;
    const char *copy;
    wb_tree *tree;
    (void)state;

    seal_sample(&s, "unchanged");
    assert_int_equal(wb_delivery_compare(&diffs, &count, s.delivery, s.tree), 0);
    assert_int_equal(count, 0);
    wb_free(diffs);
    /* an identical copy made separately compares equal too */
    copy = new_dir("unchanged-copy");
    make_sample(copy);
    tree = hash_ok(copy, 2);
    assert_int_equal(wb_delivery_compare(&diffs, &count, s.delivery, tree), 0);
    assert_int_equal(count, 0);
    wb_free(diffs);
    wb_tree_free(tree);
    unseal(&s);
}

typedef struct {
    wb_diff_kind kind;
    const char *path;
    const char *expected; /* NULL: not checked */
    const char *actual;
} diff_want;

static void print_diffs(const wb_diff *diffs, size_t count)
{
    size_t i;
    for (i = 0; i < count; i++)
        print_message("  %s: %s [%s] [%s]\n", wb_diff_kind_name(diffs[i].kind), diffs[i].path,
                      diffs[i].expected, diffs[i].actual);
}

/* Compare `dir` with the delivery: exactly the `nwant` differences, in that
 * order (which must be path order). Frees everything before failing, so
 * that a failure here does not read as a leak in the sanitizer build. */
static void check_diffs(const wb_delivery *d, const char *dir, const diff_want *want, size_t nwant,
                        const char *what)
{
    wb_tree *tree = hash_ok(dir, 0);
    wb_diff *diffs = NULL;
    size_t count = 0, i;
    char problem[512] = "";
    int rc = wb_delivery_compare(&diffs, &count, d, tree);

    if (rc != 0)
        snprintf(problem, sizeof(problem), "compare: %s", wb_error_last());
    else if (count != nwant)
        snprintf(problem, sizeof(problem), "%zu differences, expected %zu", count, nwant);
    for (i = 0; !problem[0] && i < count; i++) {
        if (diffs[i].kind != want[i].kind || strcmp(diffs[i].path, want[i].path) != 0 ||
            (want[i].expected && strcmp(diffs[i].expected, want[i].expected) != 0) ||
            (want[i].actual && strcmp(diffs[i].actual, want[i].actual) != 0))
            snprintf(problem, sizeof(problem), "difference %zu is %s %s, expected %s %s", i,
                     wb_diff_kind_name(diffs[i].kind), diffs[i].path,
                     wb_diff_kind_name(want[i].kind), want[i].path);
        else if (i > 0 && wb_tree_path_cmp(diffs[i - 1].path, diffs[i].path) >= 0)
            snprintf(problem, sizeof(problem), "differences out of path order");
    }
    if (problem[0])
        print_diffs(diffs, count);
    wb_free(diffs);
    wb_tree_free(tree);
    if (problem[0])
        fail_msg("%s: %s", what, problem);
}

static void change_content(const char *dir)
{
    put_text(dir, "README", "HELLO\n", 0644);
}
static void change_mode(const char *dir)
{
    assert_int_equal(chmod(join(dir, "bin/tool"), 04755), 0);
}
static void change_symlink_target(const char *dir)
{
    remove_path(dir, "lib/libx.so");
    put_link(dir, "lib/libx.so", "libx.so.2");
}
static void change_symlink_to_file(const char *dir)
{
    remove_path(dir, "lib/libx.so");
    put_text(dir, "lib/libx.so", "ELF\n", 0644);
}
static void change_file_to_symlink(const char *dir)
{
    remove_path(dir, "etc/other");
    put_link(dir, "etc/other", "conf");
}
static void change_remove_file(const char *dir)
{
    remove_path(dir, "etc/other");
}
static void change_add_file(const char *dir)
{
    put_text(dir, "lib/extra.so", "new\n", 0644);
}
static void change_add_symlink(const char *dir)
{
    put_link(dir, "bin/sh", "/bin/sh");
}
static void change_remove_empty_dir(const char *dir)
{
    remove_path(dir, "empty");
}
static void change_add_empty_dir(const char *dir)
{
    put_dir(dir, "bin/new", 0755);
}
static void change_dir_mode(const char *dir)
{
    assert_int_equal(chmod(join(dir, "bin"), 0775), 0);
}
static void change_listed_dir_mode(const char *dir)
{
    assert_int_equal(chmod(join(dir, "secret"), 0755), 0);
}
static void change_empty_dir_mode(const char *dir)
{
    assert_int_equal(chmod(join(dir, "empty"), 0700), 0);
}
static void change_empty_dir_to_file(const char *dir)
{
    remove_path(dir, "empty");
    put_text(dir, "empty", "", 0644);
}

static void test_compare_single_changes(void **state)
{
    static const struct {
        const char *name;
        void (*change)(const char *dir);
        diff_want want;
    } cases[] = {
        {"content", change_content, {WB_DIFF_MODIFIED, "README", NULL, NULL}},
        {"mode", change_mode, {WB_DIFF_MODE, "bin/tool", "0755", "4755"}},
        {"symlink-target",
         change_symlink_target,
         {WB_DIFF_SYMLINK, "lib/libx.so", "libx.so.1", "libx.so.2"}},
        {"symlink-to-file",
         change_symlink_to_file,
         {WB_DIFF_SYMLINK, "lib/libx.so", "symlink", "file"}},
        {"file-to-symlink",
         change_file_to_symlink,
         {WB_DIFF_SYMLINK, "etc/other", "file", "symlink"}},
        {"remove-file", change_remove_file, {WB_DIFF_MISSING, "etc/other", NULL, NULL}},
        {"add-file", change_add_file, {WB_DIFF_UNEXPECTED, "lib/extra.so", NULL, "file"}},
        {"add-symlink", change_add_symlink, {WB_DIFF_UNEXPECTED, "bin/sh", NULL, "symlink"}},
        {"remove-empty-dir", change_remove_empty_dir, {WB_DIFF_MISSING, "empty", NULL, NULL}},
        {"add-empty-dir", change_add_empty_dir, {WB_DIFF_UNEXPECTED, "bin/new", NULL, "directory"}},
        {"dir-mode", change_dir_mode, {WB_DIFF_MODE, "bin", "0755", "0775"}},
        {"listed-dir-mode", change_listed_dir_mode, {WB_DIFF_MODE, "secret", "0700", "0755"}},
        {"empty-dir-mode", change_empty_dir_mode, {WB_DIFF_MODE, "empty", "0755", "0700"}},
        {"empty-dir-to-file",
         change_empty_dir_to_file,
         {WB_DIFF_MODIFIED, "empty", "directory", "file"}},
    };
    sealed s;
    size_t i;
    (void)state;

    seal_sample(&s, "single");
    for (i = 0; i < NELEMS(cases); i++) {
        char name[64];
        const char *dir;
        snprintf(name, sizeof(name), "single-%s", cases[i].name);
        dir = new_dir(name);
        make_sample(dir);
        cases[i].change(dir);
        check_diffs(s.delivery, dir, &cases[i].want, 1, cases[i].name);
    }
    unseal(&s);
}

static void test_compare_content_detail(void **state)
{
    sealed s;
    const char *dir;
    wb_tree *tree;
    wb_diff *diffs = NULL;
    size_t count = 0;
    char want_hex[2 * WB_SHA256_LEN + 1], got_hex[2 * WB_SHA256_LEN + 1];
    (void)state;

    seal_sample(&s, "detail");
    dir = new_dir("detail-changed");
    make_sample(dir);
    change_content(dir);
    tree = hash_ok(dir, 0);
    wb_hex_encode(want_hex, wb_tree_find(s.tree, "README")->sha256, WB_SHA256_LEN);
    wb_hex_encode(got_hex, wb_tree_find(tree, "README")->sha256, WB_SHA256_LEN);
    assert_int_equal(wb_delivery_compare(&diffs, &count, s.delivery, tree), 0);
    assert_int_equal(count, 1);
    /* the detail is the digest or a prefix of it */
    assert_true(diffs[0].expected[0] != '\0');
    assert_true(strncmp(want_hex, diffs[0].expected, strlen(diffs[0].expected)) == 0);
    assert_true(strncmp(got_hex, diffs[0].actual, strlen(diffs[0].actual)) == 0);
    assert_string_equal(wb_diff_kind_name(diffs[0].kind), "modified");
    wb_free(diffs);
    wb_tree_free(tree);
    unseal(&s);
}

static void test_compare_several_changes(void **state)
{
    static const diff_want want[] = {
        {WB_DIFF_MODIFIED, "README", "file", "directory"},
        {WB_DIFF_UNEXPECTED, "README/inside", NULL, "file"},
        {WB_DIFF_MISSING, "a/b", NULL, NULL},
        {WB_DIFF_UNEXPECTED, "a/b2", NULL, "file"},
        {WB_DIFF_MODIFIED, "a-b", NULL, NULL},
        {WB_DIFF_MODE, "bin/tool", "0755", "0644"},
        {WB_DIFF_MISSING, "empty", NULL, NULL},
        {WB_DIFF_MODE, "etc", "0755", "0700"},
        {WB_DIFF_SYMLINK, "lib/libx.so", "libx.so.1", "/etc/passwd"},
        {WB_DIFF_UNEXPECTED, "new", NULL, "directory"},
        {WB_DIFF_UNEXPECTED, "zz", NULL, "file"},
    };
    sealed s;
    const char *dir;
    (void)state;

    seal_sample(&s, "several");
    dir = new_dir("several-changed");
    make_sample(dir);
    remove_path(dir, "README");
    put_dir(dir, "README", 0755);
    put_text(dir, "README/inside", "x", 0644);
    remove_path(dir, "a/b");
    put_text(dir, "a/b2", "", 0644); /* keeps "a" non-empty */
    put_text(dir, "a-b", "changed\n", 0644);
    assert_int_equal(chmod(join(dir, "bin/tool"), 0644), 0);
    remove_path(dir, "empty");
    assert_int_equal(chmod(join(dir, "etc"), 0700), 0);
    remove_path(dir, "lib/libx.so");
    put_link(dir, "lib/libx.so", "/etc/passwd");
    put_dir(dir, "new", 0755);
    put_text(dir, "zz", "z", 0644);
    check_diffs(s.delivery, dir, want, NELEMS(want), "several");
    unseal(&s);
}

/* A statement from another producer may declare other default modes; the
 * directories it implies must be held to them, not to 0755. */
static void test_compare_honours_default_directory_mode(void **state)
{
    const char *dir = new_dir("default-modes");
    char hex[2 * WB_SHA256_LEN + 1];
    wb_diff *diffs = NULL;
    size_t count = 0;
    wb_delivery *d;
    wb_tree *tree;
    char *text;
    int rc;
    (void)state;

    put_dir(dir, "d", 0700);
    put_text(dir, "d/f", "f", 0600);
    tree = hash_ok(dir, 0);
    wb_hex_encode(hex, wb_tree_find(tree, "d/f")->sha256, WB_SHA256_LEN);
    text = wb_asprintf(
        "{\"_type\":\"" WB_STATEMENT_TYPE "\",\"subject\":[{\"name\":\"d/f\","
        "\"digest\":{\"sha256\":\"%s\"}}],\"predicateType\":\"" WB_DELIVERY_PREDICATE_TYPE
        "\",\"predicate\":{\"name\":\"x\",\"defaultModes\":{\"file\":\"0600\","
        "\"directory\":\"0700\"},\"entries\":[]}}",
        hex);
    assert_non_null(text);
    d = parse_ok(text, strlen(text));
    rc = wb_delivery_compare(&diffs, &count, d, tree);
    print_diffs(diffs, count);
    wb_free(diffs);
    wb_delivery_free(d);
    wb_free(text);
    wb_tree_free(tree);
    assert_int_equal(rc, 0);
    if (count != 0)
        fail_msg("defaultModes.directory 0700: %zu differences, expected none", count);
}

/* ---------- parse refusals ---------- */

#define EMPTY_SHA256  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SUBJECT(name) "{\"name\":\"" name "\",\"digest\":{\"sha256\":\"" EMPTY_SHA256 "\"}}"

/* A statement from its parts (malloc'd through wb_asprintf). */
static char *make_statement(const char *type, const char *subjects, const char *predicate_type,
                            const char *entries)
{
    char *text = wb_asprintf("{\"_type\":\"%s\",\"subject\":%s,\"predicateType\":\"%s\","
                             "\"predicate\":{\"name\":\"n\",\"created\":\"" CREATED_TEXT "\","
                             "\"entries\":%s}}",
                             type, subjects, predicate_type, entries);
    assert_non_null(text);
    return text;
}

/* Parsing `text` fails with `code`, leaves *out NULL and names the input.
 * `owned` (may be NULL) is wb_free()d before returning or failing. */
static void check_refused_and_free(const char *text, int code, const char *what, char *owned)
{
    wb_delivery *d = (wb_delivery *)&d; /* must be reset */
    char problem[1024] = "";
    int rc = wb_delivery_parse(&d, text, strlen(text), "bad.json");

    if (rc != code)
        snprintf(problem, sizeof(problem), "got %s, expected %s\n%s",
                 rc ? wb_error_name(rc) : "success", wb_error_name(code), text);
    else if (d != NULL)
        snprintf(problem, sizeof(problem), "*out not reset");
    else if (!strstr(wb_error_last(), "bad.json"))
        snprintf(problem, sizeof(problem), "message '%s' does not name the input", wb_error_last());
    if (rc == 0)
        wb_delivery_free(d);
    wb_free(owned);
    if (problem[0])
        fail_msg("%s: %s", what, problem);
}

static void check_parse_refused(const char *text, int code, const char *what)
{
    check_refused_and_free(text, code, what, NULL);
}

static void check_parts_refused(const char *type, const char *subjects, const char *ptype,
                                const char *entries, const char *what)
{
    char *text = make_statement(type, subjects, ptype, entries);
    check_refused_and_free(text, WB_EFORMAT, what, text);
}

#define OK_TYPE     WB_STATEMENT_TYPE
#define OK_PTYPE    WB_DELIVERY_PREDICATE_TYPE
#define OK_SUBJECTS "[" SUBJECT("a") "," SUBJECT("d/b") "]"

static void test_parse_minimal_accepted(void **state)
{
    char *text = make_statement(OK_TYPE, OK_SUBJECTS, OK_PTYPE,
                                "[{\"path\":\"a\",\"type\":\"file\",\"mode\":\"0755\"},"
                                "{\"path\":\"l\",\"type\":\"symlink\",\"target\":\"../../x\"},"
                                "{\"path\":\"e\",\"type\":\"directory\",\"empty\":true}]");
    wb_delivery *d = parse_ok(text, strlen(text));
    (void)state;
    assert_string_equal(wb_delivery_name(d), "n");
    assert_null(wb_delivery_version(d));
    assert_null(wb_delivery_source_type(d));
    assert_int_equal(wb_delivery_symlink_count(d), 1);
    assert_int_equal(wb_delivery_empty_dir_count(d), 1);
    wb_delivery_free(d);
    wb_free(text);
}

static void test_parse_refusals(void **state)
{
    static const char *const bad_names[] = {"../x", "/x", "a//b", "./a", "a/.",   "a/..",
                                            "",     "a/", ".",    "..",  "a/./b", "a/../b"};
    char subjects[512];
    size_t i;
    (void)state;

    check_parts_refused("https://in-toto.io/Statement/v0.1", OK_SUBJECTS, OK_PTYPE, "[]",
                        "wrong _type");
    check_parts_refused("", OK_SUBJECTS, OK_PTYPE, "[]", "empty _type");
    check_parts_refused(OK_TYPE, OK_SUBJECTS, "https://slsa.dev/provenance/v1", "[]",
                        "wrong predicateType");
    check_parts_refused(OK_TYPE, OK_SUBJECTS, "https://waybill.dev/delivery/v0.2", "[]",
                        "other predicate version");
    for (i = 0; i < NELEMS(bad_names); i++) {
        snprintf(subjects, sizeof(subjects),
                 "[" SUBJECT("ok") ",{\"name\":\"%s\",\"digest\":"
                                   "{\"sha256\":\"" EMPTY_SHA256 "\"}}]",
                 bad_names[i]);
        check_parts_refused(OK_TYPE, subjects, OK_PTYPE, "[]", bad_names[i]);
        snprintf(subjects, sizeof(subjects),
                 "[{\"path\":\"%s\",\"type\":\"symlink\","
                 "\"target\":\"x\"}]",
                 bad_names[i]);
        check_parts_refused(OK_TYPE, OK_SUBJECTS, OK_PTYPE, subjects, bad_names[i]);
    }
    check_parts_refused(OK_TYPE,
                        "[{\"name\":\"a\\u0000b\",\"digest\":{\"sha256\":\"" EMPTY_SHA256 "\"}}]",
                        OK_PTYPE, "[]", "NUL in a name");
    check_parts_refused(OK_TYPE, "[{\"name\":\"a\",\"digest\":{\"sha256\":\"zz\"}}]", OK_PTYPE,
                        "[]", "short digest");
    check_parts_refused(OK_TYPE,
                        "[{\"name\":\"a\",\"digest\":{\"sha256\":"
                        "\"g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}}]",
                        OK_PTYPE, "[]", "non-hex digest");
    check_parts_refused(OK_TYPE,
                        "[{\"name\":\"a\",\"digest\":{\"sha256\":"
                        "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8550\"}}]",
                        OK_PTYPE, "[]", "65-digit digest");
    check_parts_refused(OK_TYPE, "[{\"name\":\"a\",\"digest\":{\"sha512\":\"00\"}}]", OK_PTYPE,
                        "[]", "no sha256");
    check_parts_refused(OK_TYPE, "[{\"name\":\"a\"}]", OK_PTYPE, "[]", "no digest");
    check_parts_refused(OK_TYPE, "[{\"name\":\"a\",\"digest\":{\"sha256\":42}}]", OK_PTYPE, "[]",
                        "number digest");
    check_parts_refused(OK_TYPE, "[\"a\"]", OK_PTYPE, "[]", "string subject");
    check_parts_refused(OK_TYPE, "[" SUBJECT("a") "," SUBJECT("b") "," SUBJECT("a") "]", OK_PTYPE,
                        "[]", "duplicate subject");
    check_parts_refused(OK_TYPE, "{\"name\":\"a\"}", OK_PTYPE, "[]", "non-array subject");
    check_parts_refused(OK_TYPE, "null", OK_PTYPE, "[]", "null subject");
    check_parts_refused(OK_TYPE, OK_SUBJECTS, OK_PTYPE,
                        "[{\"path\":\"nope\",\"type\":\"file\",\"mode\":\"0755\"}]",
                        "file entry without subject");
    check_parts_refused(OK_TYPE, OK_SUBJECTS, OK_PTYPE, "[{\"path\":\"a\",\"type\":\"file\"}]",
                        "file entry without mode");
    check_parts_refused(OK_TYPE, OK_SUBJECTS, OK_PTYPE, "[{\"path\":\"dev\",\"type\":\"device\"}]",
                        "unknown type");
    check_parts_refused(OK_TYPE, OK_SUBJECTS, OK_PTYPE, "[{\"path\":\"x\"}]", "no type");
    check_parts_refused(OK_TYPE, OK_SUBJECTS, OK_PTYPE,
                        "[{\"path\":\"a\",\"type\":\"file\",\"mode\":\"999\"}]", "mode 999");
    check_parts_refused(OK_TYPE, OK_SUBJECTS, OK_PTYPE,
                        "[{\"path\":\"a\",\"type\":\"file\",\"mode\":\"0999\"}]", "mode 0999");
    check_parts_refused(OK_TYPE, OK_SUBJECTS, OK_PTYPE,
                        "[{\"path\":\"a\",\"type\":\"file\",\"mode\":\"07555\"}]", "mode 07555");
    check_parts_refused(OK_TYPE, OK_SUBJECTS, OK_PTYPE,
                        "[{\"path\":\"a\",\"type\":\"file\",\"mode\":493}]", "numeric mode");
    check_parts_refused(OK_TYPE, OK_SUBJECTS, OK_PTYPE,
                        "[{\"path\":\"e\",\"type\":\"directory\",\"mode\":\"999\"}]",
                        "directory mode 999");
    check_parts_refused(OK_TYPE, OK_SUBJECTS, OK_PTYPE, "[{\"path\":\"l\",\"type\":\"symlink\"}]",
                        "symlink without target");
    check_parts_refused(OK_TYPE, OK_SUBJECTS, OK_PTYPE,
                        "[{\"path\":\"a\",\"type\":\"symlink\",\"target\":\"x\"}]",
                        "symlink named like a subject");
    check_parts_refused(OK_TYPE, OK_SUBJECTS, OK_PTYPE,
                        "[{\"path\":\"e\",\"type\":\"directory\"},"
                        "{\"path\":\"e\",\"type\":\"symlink\",\"target\":\"x\"}]",
                        "entry listed twice");
    check_parts_refused(OK_TYPE, OK_SUBJECTS, OK_PTYPE, "{}", "non-array entries");
    check_parts_refused(OK_TYPE, OK_SUBJECTS, OK_PTYPE, "[42]", "number entry");
}

/* Two file entries for one path give the same signed document two
 * readings (first wins or last wins); refused like duplicate subjects. */
static void test_parse_refuses_duplicate_file_entries(void **state)
{
    (void)state;
    check_parts_refused(OK_TYPE, OK_SUBJECTS, OK_PTYPE,
                        "[{\"path\":\"a\",\"type\":\"file\",\"mode\":\"0755\"},"
                        "{\"path\":\"a\",\"type\":\"file\",\"mode\":\"0644\"}]",
                        "file entry listed twice");
}

static void test_parse_refuses_malformed_documents(void **state)
{
    static const char *const documents[] = {
        "",
        "[]",
        "null",
        "42",
        "\"" WB_STATEMENT_TYPE "\"",
        "{",
        "{\"_type\":\"" WB_STATEMENT_TYPE "\"}",
        "{\"_type\":\"" WB_STATEMENT_TYPE "\",\"_type\":\"" WB_STATEMENT_TYPE "\"}",
        "{\"_type\":42,\"subject\":[],\"predicateType\":\"" WB_DELIVERY_PREDICATE_TYPE
        "\",\"predicate\":{}}",
        "{\"_type\":\"" WB_STATEMENT_TYPE
        "\",\"subject\":[],\"predicateType\":\"" WB_DELIVERY_PREDICATE_TYPE "\"}",
        "{\"_type\":\"" WB_STATEMENT_TYPE
        "\",\"subject\":[],\"predicateType\":\"" WB_DELIVERY_PREDICATE_TYPE "\",\"predicate\":[]}",
        "{\"_type\":\"" WB_STATEMENT_TYPE
        "\",\"subject\":[],\"predicateType\":\"" WB_DELIVERY_PREDICATE_TYPE
        "\",\"predicate\":{\"excludes\":\"*.tmp\"}}",
        "{\"_type\":\"" WB_STATEMENT_TYPE
        "\",\"subject\":[],\"predicateType\":\"" WB_DELIVERY_PREDICATE_TYPE
        "\",\"predicate\":{\"excludes\":[1]}}",
        "{\"_type\":\"" WB_STATEMENT_TYPE
        "\",\"subject\":[],\"predicateType\":\"" WB_DELIVERY_PREDICATE_TYPE
        "\",\"predicate\":{\"defaultModes\":{\"file\":\"rw-r--r--\"}}}",
    };
    size_t i;
    (void)state;
    for (i = 0; i < NELEMS(documents); i++)
        check_parse_refused(documents[i], WB_EFORMAT, documents[i]);
    {
        /* an empty statement is well-formed: a delivery with nothing in it */
        const char *empty = "{\"_type\":\"" WB_STATEMENT_TYPE "\",\"subject\":[],"
                            "\"predicateType\":\"" WB_DELIVERY_PREDICATE_TYPE "\","
                            "\"predicate\":{}}";
        wb_delivery *d = parse_ok(empty, strlen(empty));
        assert_null(wb_delivery_name(d));
        assert_int_equal(wb_delivery_file_count(d), 0);
        wb_delivery_free(d);
    }
}

/* ---------- out of memory ---------- */

static void test_parse_and_compare_out_of_memory(void **state)
{
    sealed s;
    const char *dir;
    wb_tree *changed;
    size_t n, made = 0;
    (void)state;

    seal_sample(&s, "oom");
    dir = new_dir("oom-changed");
    make_sample(dir);
    change_content(dir);
    change_symlink_target(dir);
    change_add_empty_dir(dir);
    change_remove_file(dir);
    changed = hash_ok(dir, 1);

    json_set_alloc_funcs(wb_malloc, wb_free);
    for (n = 1; n < 100000; n++) {
        wb_delivery *d = NULL;
        wb_diff *diffs = NULL;
        size_t count = 0;
        int rc;
        wb_error_clear();
        wb_alloc_fail_after(n);
        rc = wb_delivery_parse(&d, s.text, s.len, "oom.json");
        if (rc == 0)
            rc = wb_delivery_compare(&diffs, &count, d, changed);
        made = wb_alloc_fail_after(0);
        assert_true(rc <= 0);
        if (rc < 0 && wb_error_last()[0] == '\0')
            fail_msg("allocation %zu failing: %s with no message", n, wb_error_name(rc));
        if (rc == 0)
            assert_int_equal(count, 4);
        else
            assert_null(diffs);
        wb_free(diffs);
        wb_delivery_free(d);
        if (made < n) {
            assert_int_equal(rc, 0);
            break;
        }
    }
    json_set_alloc_funcs(malloc, free);
    assert_true(n > 1 && made < n);
    wb_tree_free(changed);
    unseal(&s);
}

static void test_build_out_of_memory(void **state)
{
    sealed s;
    wb_delivery_info info = sample_info();
    size_t n, made = 0;
    (void)state;

    seal_sample(&s, "oom-build");
    for (n = 1; n < 100000; n++) {
        char *text = NULL;
        size_t len = 0;
        int rc;
        wb_error_clear();
        wb_alloc_fail_after(n);
        rc = wb_delivery_statement(&text, &len, s.tree, &info);
        made = wb_alloc_fail_after(0);
        assert_true(rc <= 0);
        if (rc == 0) {
            /* never a truncated statement */
            assert_int_equal(len, s.len);
            assert_memory_equal(text, s.text, len);
        } else {
            assert_null(text);
        }
        wb_free(text);
        if (made < n) {
            assert_int_equal(rc, 0);
            break;
        }
    }
    assert_true(n > 1 && made < n);
    unseal(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_optional_fields_absent),
        cmocka_unit_test(test_json_shape),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_escaped_names),
        cmocka_unit_test(test_statement_invalid_arguments),
        cmocka_unit_test(test_compare_unchanged),
        cmocka_unit_test(test_compare_single_changes),
        cmocka_unit_test(test_compare_content_detail),
        cmocka_unit_test(test_compare_several_changes),
        cmocka_unit_test(test_compare_honours_default_directory_mode),
        cmocka_unit_test(test_parse_minimal_accepted),
        cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_parse_refuses_duplicate_file_entries),
        cmocka_unit_test(test_parse_refuses_malformed_documents),
        cmocka_unit_test(test_parse_and_compare_out_of_memory),
        cmocka_unit_test(test_build_out_of_memory),
    };
    return cmocka_run_group_tests_name("statement", tests, make_base_dir, remove_base_dir);
}
