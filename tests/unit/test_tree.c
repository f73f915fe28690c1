/*
 * test_tree.c: walking and hashing deliveries (directories, single files,
 * archives).
 *
 * Every test builds its input from scratch in a fresh directory under one
 * mkdtemp() directory: plain files, directories, symbolic links and FIFOs
 * with the system calls, archives with libarchive's writing API (so that the
 * exact members, including hostile ones, are under the test's control).
 * Digests are checked against wb_digest_buffer() of the bytes written, never
 * against constants, so the tests say what the walk must agree with.
 *
 * The same delivery written as a directory and as each kind of archive must
 * give identical entries; thread counts must not change anything. The last
 * tests make the n-th allocation fail, for every n, on a small directory
 * (one hashing thread) and a small archive: each run returns 0 or a negative
 * code and, in the sanitizer build, leaks nothing.
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
#include <sys/sysmacros.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "internal.h"
#include "waybill/tree.h"

#define TESTFS_TAG "tree"
#include "testfs.h"

static unsigned char *pattern(size_t len, uint32_t seed)
{
    unsigned char *data = malloc(len ? len : 1);
    uint32_t x = seed * 2654435761u + 1;
    size_t i;
    assert_non_null(data);
    for (i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = (unsigned char)(x >> 11);
    }
    return data;
}

static wb_tree *hash_ok(const char *path, const wb_tree_options *opts)
{
    wb_tree *tree = NULL;
    int rc = wb_tree_hash(&tree, path, opts);
    if (rc != 0)
        fail_msg("wb_tree_hash(%s): %s: %s", path, wb_error_name(rc), wb_error_last());
    assert_non_null(tree);
    return tree;
}

static wb_tree *hash_archive_ok(const char *path, const wb_tree_options *opts)
{
    wb_tree *tree = NULL;
    int rc = wb_tree_hash_archive(&tree, path, opts);
    if (rc != 0)
        fail_msg("wb_tree_hash_archive(%s): %s: %s", path, wb_error_name(rc), wb_error_last());
    assert_non_null(tree);
    assert_int_equal(wb_tree_get_source(tree), WB_TREE_SOURCE_ARCHIVE);
    return tree;
}

/* Hashing fails with `code`, leaves *out NULL, and the message holds
 * `needle` (when given). */
static void check_refused(int (*hash)(wb_tree **, const char *, const wb_tree_options *),
                          const char *path, const wb_tree_options *opts, int code,
                          const char *needle)
{
    wb_tree *tree = (wb_tree *)&tree; /* must be reset to NULL */
    int rc = hash(&tree, path, opts);
    if (rc != code)
        fail_msg("%s: got %s (%s), expected %s", path, wb_error_name(rc), wb_error_last(),
                 wb_error_name(code));
    assert_null(tree);
    if (needle && !strstr(wb_error_last(), needle))
        fail_msg("%s: message '%s' lacks '%s'", path, wb_error_last(), needle);
}

static const wb_tree_entry *find_ok(const wb_tree *tree, const char *path)
{
    const wb_tree_entry *e = wb_tree_find(tree, path);
    if (!e)
        fail_msg("no entry '%s' in the tree", path);
    assert_string_equal(e->path, path);
    return e;
}

static void check_file(const wb_tree *tree, const char *path, const void *data, size_t len,
                       uint32_t mode)
{
    const wb_tree_entry *e = find_ok(tree, path);
    unsigned char expected[WB_SHA256_LEN];
    assert_int_equal(wb_digest_buffer(expected, WB_DIGEST_SHA256, data, len), 0);
    assert_int_equal(e->type, WB_TREE_FILE);
    assert_int_equal(e->size, len);
    if (memcmp(e->sha256, expected, WB_SHA256_LEN) != 0)
        fail_msg("%s: wrong digest", path);
    if (e->mode != mode)
        fail_msg("%s: mode %04o, expected %04o", path, e->mode, mode);
}

static void check_text(const wb_tree *tree, const char *path, const char *text, uint32_t mode)
{
    check_file(tree, path, text, strlen(text), mode);
}

static void check_dir(const wb_tree *tree, const char *path, uint32_t mode, bool empty)
{
    const wb_tree_entry *e = find_ok(tree, path);
    assert_int_equal(e->type, WB_TREE_DIRECTORY);
    if (e->mode != mode)
        fail_msg("%s: mode %04o, expected %04o", path, e->mode, mode);
    if (e->empty != empty)
        fail_msg("%s: empty is %d, expected %d", path, e->empty, empty);
}

static void check_symlink(const wb_tree *tree, const char *path, const char *target)
{
    const wb_tree_entry *e = find_ok(tree, path);
    assert_int_equal(e->type, WB_TREE_SYMLINK);
    assert_non_null(e->target);
    assert_string_equal(e->target, target);
}

/* The entries, one per line, for messages. */
static void print_tree(const char *label, const wb_tree *tree)
{
    size_t i;
    print_message("%s: %zu entries\n", label, wb_tree_count(tree));
    for (i = 0; i < wb_tree_count(tree); i++) {
        const wb_tree_entry *e = wb_tree_get(tree, i);
        print_message("  %d %04o %s%s%s\n", (int)e->type, e->mode, e->path, e->target ? " -> " : "",
                      e->target ? e->target : "");
    }
}

/* Every entry of `a` equals the same entry of `b`, field by field. */
static void check_same_entries(const wb_tree *a, const wb_tree *b, const char *what)
{
    size_t i;
    bool same = wb_tree_count(a) == wb_tree_count(b);
    for (i = 0; same && i < wb_tree_count(a); i++) {
        const wb_tree_entry *x = wb_tree_get(a, i), *y = wb_tree_get(b, i);
        if (strcmp(x->path, y->path) != 0 || x->type != y->type || x->mode != y->mode ||
            x->empty != y->empty) {
            print_message("%s: entry %zu differs: %s / %s\n", what, i, x->path, y->path);
            same = false;
        } else if (x->type == WB_TREE_FILE &&
                   (x->size != y->size || memcmp(x->sha256, y->sha256, WB_SHA256_LEN) != 0)) {
            print_message("%s: %s: content differs\n", what, x->path);
            same = false;
        } else if (x->type == WB_TREE_SYMLINK && strcmp(x->target, y->target) != 0) {
            print_message("%s: %s: target differs\n", what, x->path);
            same = false;
        }
    }
    if (!same) {
        print_tree("first", a);
        print_tree("second", b);
        fail_msg("%s: the trees differ", what);
    }
    assert_int_equal(wb_tree_file_count(a), wb_tree_file_count(b));
    assert_int_equal(wb_tree_total_bytes(a), wb_tree_total_bytes(b));
}

/* Entries strictly increasing by wb_tree_path_cmp; file count and bytes
 * agree with the entries. */
static void check_sorted(const wb_tree *tree)
{
    uint64_t files = 0, bytes = 0;
    size_t i;
    for (i = 0; i < wb_tree_count(tree); i++) {
        const wb_tree_entry *e = wb_tree_get(tree, i);
        if (i > 0 && wb_tree_path_cmp(wb_tree_get(tree, i - 1)->path, e->path) >= 0)
            fail_msg("entries %zu and %zu out of order: %s, %s", i - 1, i,
                     wb_tree_get(tree, i - 1)->path, e->path);
        assert_ptr_equal(wb_tree_find(tree, e->path), e);
        if (e->type == WB_TREE_FILE) {
            files++;
            bytes += e->size;
        }
    }
    assert_null(wb_tree_get(tree, wb_tree_count(tree)));
    assert_int_equal(wb_tree_file_count(tree), files);
    assert_int_equal(wb_tree_total_bytes(tree), bytes);
}

/* ---------- archives written with libarchive ---------- */

typedef enum { FMT_PAX, FMT_USTAR, FMT_GNUTAR, FMT_ZIP } member_format;
typedef enum { FILTER_NONE, FILTER_GZIP, FILTER_XZ } member_filter;

typedef struct {
    const char *name;
    mode_t type;          /* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR, AE_IFIFO */
    mode_t perm;          /* 07777 */
    const char *data;     /* regular files: the content (NULL: empty) */
    size_t len;           /* 0: strlen(data) */
    const char *symlink;  /* AE_IFLNK: the target */
    const char *hardlink; /* a hard link to this earlier member */
} member;

#define FILE_M(name, perm, text)                                                                   \
    {                                                                                              \
        (name), AE_IFREG, (perm), (text), 0, NULL, NULL                                            \
    }
#define DIR_M(name, perm)                                                                          \
    {                                                                                              \
        (name), AE_IFDIR, (perm), NULL, 0, NULL, NULL                                              \
    }
#define LINK_M(name, target)                                                                       \
    {                                                                                              \
        (name), AE_IFLNK, 0777, NULL, 0, (target), NULL                                            \
    }
#define HARDLINK_M(name, perm, to)                                                                 \
    {                                                                                              \
        (name), AE_IFREG, (perm), NULL, 0, NULL, (to)                                              \
    }
#define NMEMBERS(array) (sizeof(array) / sizeof((array)[0]))

static void write_archive(const char *path, member_format format, member_filter filter,
                          const member *members, size_t count)
{
    struct archive *ar = archive_write_new();
    size_t i;
    int r = ARCHIVE_OK;

    assert_non_null(ar);
    switch (format) {
    case FMT_PAX:
        r = archive_write_set_format_pax_restricted(ar);
        break;
    case FMT_USTAR:
        r = archive_write_set_format_ustar(ar);
        break;
    case FMT_GNUTAR:
        r = archive_write_set_format_gnutar(ar);
        break;
    case FMT_ZIP:
        r = archive_write_set_format_zip(ar);
        break;
    }
    assert_int_equal(r, ARCHIVE_OK);
    switch (filter) {
    case FILTER_NONE:
        r = archive_write_add_filter_none(ar);
        break;
    case FILTER_GZIP:
        r = archive_write_add_filter_gzip(ar);
        break;
    case FILTER_XZ:
        r = archive_write_add_filter_xz(ar);
        break;
    }
    assert_int_equal(r, ARCHIVE_OK);
    if (archive_write_open_filename(ar, path) != ARCHIVE_OK)
        fail_msg("%s: %s", path, archive_error_string(ar));
    for (i = 0; i < count; i++) {
        const member *m = &members[i];
        struct archive_entry *ae = archive_entry_new();
        size_t len = m->data ? (m->len ? m->len : strlen(m->data)) : 0;
        assert_non_null(ae);
        archive_entry_set_pathname(ae, m->name);
        archive_entry_set_filetype(ae, m->type);
        archive_entry_set_perm(ae, m->perm);
        archive_entry_set_mtime(ae, 1700000000, 0);
        archive_entry_set_uid(ae, 0);
        archive_entry_set_gid(ae, 0);
        if (m->hardlink) {
            archive_entry_set_hardlink(ae, m->hardlink);
            archive_entry_set_size(ae, 0);
        } else if (m->type == AE_IFREG) {
            archive_entry_set_size(ae, (la_int64_t)len);
        } else if (m->type == AE_IFLNK) {
            archive_entry_set_symlink(ae, m->symlink);
        } else if (m->type == AE_IFCHR || m->type == AE_IFBLK) {
            archive_entry_set_rdev(ae, makedev(1, 3));
        }
        r = archive_write_header(ar, ae);
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            fail_msg("%s: member %s: %s", path, m->name, archive_error_string(ar));
        if (!m->hardlink && m->type == AE_IFREG && len > 0 &&
            archive_write_data(ar, m->data, len) != (la_ssize_t)len)
            fail_msg("%s: member %s: %s", path, m->name, archive_error_string(ar));
        archive_entry_free(ae);
    }
    assert_int_equal(archive_write_close(ar), ARCHIVE_OK);
    assert_int_equal(archive_write_free(ar), ARCHIVE_OK);
}

/* ---------- ordering ---------- */

static void check_order(const char *a, const char *b)
{
    if (wb_tree_path_cmp(a, b) >= 0)
        fail_msg("'%s' should sort before '%s'", a, b);
    if (wb_tree_path_cmp(b, a) <= 0)
        fail_msg("'%s' should sort after '%s'", b, a);
}

static void test_path_cmp(void **state)
{
    (void)state;
    assert_int_equal(wb_tree_path_cmp("", ""), 0);
    assert_int_equal(wb_tree_path_cmp("a/b", "a/b"), 0);
    check_order("", "a");
    check_order("a", "a/b");
    check_order("a", "a-b");
    check_order("a/b", "a-b");
    check_order("a/b", "a.b");
    check_order("a/b", "a!");
    check_order("a/b", "a\x01");
    check_order("a/zzz", "a-");
    check_order("a/b/c", "a/b-c");
    check_order("a-b", "a.b");
    check_order("a.b", "a0");
    check_order("A", "a");
    check_order("a/b", "a\xc3\xa9"); /* bytes above 0x7f compare unsigned */
    check_order("a\x7f", "a\xc3\xa9");
    check_order("ab", "b");
}

static void test_sorted_order(void **state)
{
    static const char *const expected[] = {"a", "a/b", "a/b/c", "a/b-c", "a-b", "a.b", "b"};
    const char *dir = new_dir("order");
    wb_tree *tree;
    size_t i;
    (void)state;

    put_text(dir, "b", "b", 0644);
    put_text(dir, "a.b", "a.b", 0644);
    put_text(dir, "a-b", "a-b", 0644);
    put_dir(dir, "a", 0755);
    put_text(dir, "a/b-c", "x", 0644);
    put_dir(dir, "a/b", 0755);
    put_text(dir, "a/b/c", "c", 0644);
    tree = hash_ok(dir, NULL);
    assert_int_equal(wb_tree_get_source(tree), WB_TREE_SOURCE_DIRECTORY);
    assert_int_equal(wb_tree_count(tree), NMEMBERS(expected));
    for (i = 0; i < NMEMBERS(expected); i++)
        assert_string_equal(wb_tree_get(tree, i)->path, expected[i]);
    check_sorted(tree);
    wb_tree_free(tree);
}

/* ---------- directories ---------- */

static void test_file_digests(void **state)
{
    const size_t big_len = 5u << 20;
    unsigned char *big = pattern(big_len, 1);
    const char *dir = new_dir("digests");
    wb_tree *tree;
    (void)state;

    put_text(dir, "small.txt", "hello, waybill\n", 0644);
    put_file(dir, "empty", "", 0, 0644);
    put_file(dir, "big.bin", big, big_len, 0644);
    put_file(dir, "exact-block", big, 1u << 20, 0644);
    tree = hash_ok(dir, NULL);
    assert_int_equal(wb_tree_count(tree), 4);
    check_text(tree, "small.txt", "hello, waybill\n", 0644);
    check_file(tree, "empty", "", 0, 0644);
    check_file(tree, "big.bin", big, big_len, 0644);
    check_file(tree, "exact-block", big, 1u << 20, 0644);
    assert_int_equal(wb_tree_file_count(tree), 4);
    assert_int_equal(wb_tree_total_bytes(tree), big_len + (1u << 20) + 15);
    check_sorted(tree);
    wb_tree_free(tree);
    free(big);
}

static void test_empty_directories(void **state)
{
    const char *dir = new_dir("empties");
    wb_tree *tree;
    (void)state;

    put_dir(dir, "empty", 0755);
    put_dir(dir, "full", 0755);
    put_text(dir, "full/f", "f", 0644);
    put_dir(dir, "outer", 0755);
    put_dir(dir, "outer/inner", 0755);
    put_dir(dir, "outer-x", 0755);
    tree = hash_ok(dir, NULL);
    assert_int_equal(wb_tree_count(tree), 6);
    check_dir(tree, "empty", 0755, true);
    check_dir(tree, "full", 0755, false);
    check_dir(tree, "outer", 0755, false);
    check_dir(tree, "outer/inner", 0755, true);
    /* "outer-x" follows "outer/inner" but is not inside "outer" */
    check_dir(tree, "outer-x", 0755, true);
    wb_tree_free(tree);

    /* a delivery that is one empty directory has no entries at all */
    tree = hash_ok(join(dir, "empty"), NULL);
    assert_int_equal(wb_tree_count(tree), 0);
    assert_int_equal(wb_tree_file_count(tree), 0);
    assert_null(wb_tree_get(tree, 0));
    wb_tree_free(tree);
}

static void test_symlinks_not_followed(void **state)
{
    const char *outside = new_dir("outside");
    const char *dir = new_dir("links");
    wb_tree *tree;
    size_t i;
    (void)state;

    put_text(outside, "secret", "not for the tree", 0644);
    put_dir(outside, "sub", 0755);
    put_text(outside, "sub/deeper", "nor this", 0644);
    put_text(dir, "real", "real", 0644);
    put_link(dir, "to-outside", outside);
    put_link(dir, "to-parent", "..");
    put_link(dir, "to-real", "real");
    put_link(dir, "dangling", "no/such/thing");
    put_link(dir, "to-self", "to-self");
    tree = hash_ok(dir, NULL);
    check_symlink(tree, "to-outside", outside);
    check_symlink(tree, "to-parent", "..");
    check_symlink(tree, "to-real", "real");
    check_symlink(tree, "dangling", "no/such/thing");
    check_symlink(tree, "to-self", "to-self");
    assert_int_equal(find_ok(tree, "to-outside")->mode, 0777);
    assert_int_equal(wb_tree_count(tree), 6);
    assert_int_equal(wb_tree_file_count(tree), 1);
    for (i = 0; i < wb_tree_count(tree); i++) {
        const char *path = wb_tree_get(tree, i)->path;
        if (strstr(path, "secret") || strstr(path, "deeper") || strchr(path, '/'))
            fail_msg("the walk followed a symbolic link: %s", path);
    }
    wb_tree_free(tree);
}

static void test_fifo_refused(void **state)
{
    const char *dir = new_dir("fifo");
    static const char *const excludes[] = {"sub/pipe"};
    wb_tree_options opts = {.excludes = excludes, .nexcludes = 1};
    wb_tree *tree;
    (void)state;

    put_text(dir, "file", "x", 0644);
    put_dir(dir, "sub", 0755);
    assert_int_equal(mkfifo(join(dir, "sub/pipe"), 0644), 0);
    check_refused(wb_tree_hash, dir, NULL, WB_EUNSUPPORTED, "sub/pipe");
    assert_non_null(strstr(wb_error_last(), "FIFO"));
    /* an excluded FIFO is no obstacle */
    tree = hash_ok(dir, &opts);
    assert_null(wb_tree_find(tree, "sub/pipe"));
    check_dir(tree, "sub", 0755, true);
    wb_tree_free(tree);
    /* nor does naming a FIFO directly hang */
    check_refused(wb_tree_hash, join(dir, "sub/pipe"), NULL, WB_EUNSUPPORTED, NULL);
}

/* tolerate_unreadable: what a delivery cannot hold is left out with a
 * note (sorted, names escaped) instead of failing the walk; the default
 * walk stays strict (test_fifo_refused). Archives too. */
static void test_tolerate_unreadable(void **state)
{
    const char *dir = new_dir("tolerate");
    static const member chr[] = {FILE_M("ok", 0644, "ok"),
                                 {"dev/null", AE_IFCHR, 0666, NULL, 0, NULL, NULL}};
    const char *archive = join(base_dir, "tolerate.tar");
    wb_tree_options opts = {.tolerate_unreadable = true};
    wb_tree *tree;
    (void)state;

    put_text(dir, "file", "x", 0644);
    put_dir(dir, "sub", 0755);
    assert_int_equal(mkfifo(join(dir, "sub/pipe"), 0644), 0);
    assert_int_equal(mkfifo(join(dir, "a\nfifo"), 0644), 0);
    tree = hash_ok(dir, &opts);
    check_text(tree, "file", "x", 0644);
    assert_null(wb_tree_find(tree, "sub/pipe"));
    assert_int_equal(wb_tree_note_count(tree), 2);
    assert_string_equal(wb_tree_note_at(tree, 0), "a\\nfifo: a FIFO; left out");
    assert_string_equal(wb_tree_note_at(tree, 1), "sub/pipe: a FIFO; left out");
    assert_null(wb_tree_note_at(tree, 2));
    assert_int_equal(wb_tree_notes_dropped(tree), 0);
    wb_tree_free(tree);

    /* without the option: no notes, and the same tree refused */
    tree = hash_ok(join(dir, "file"), NULL);
    assert_int_equal(wb_tree_note_count(tree), 0);
    wb_tree_free(tree);
    check_refused(wb_tree_hash, dir, NULL, WB_EUNSUPPORTED, "FIFO");

    write_archive(archive, FMT_PAX, FILTER_NONE, chr, NMEMBERS(chr));
    tree = NULL;
    assert_int_equal(wb_tree_hash(&tree, archive, &opts), 0);
    check_text(tree, "ok", "ok", 0644);
    assert_null(wb_tree_find(tree, "dev/null"));
    assert_int_equal(wb_tree_note_count(tree), 1);
    assert_non_null(strstr(wb_tree_note_at(tree, 0), "dev/null: a device, FIFO or socket"));
    wb_tree_free(tree);
    assert_int_equal(wb_tree_note_count(NULL), 0);
}

static void test_invalid_utf8_name_refused(void **state)
{
    const char *dir = new_dir("utf8");
    static const char *const excludes[] = {"bad*"};
    wb_tree_options opts = {.excludes = excludes, .nexcludes = 1};
    wb_tree *tree;
    (void)state;

    put_text(dir, "caf\xc3\xa9", "ok", 0644);
    tree = hash_ok(dir, NULL);
    check_text(tree, "caf\xc3\xa9", "ok", 0644);
    wb_tree_free(tree);

    put_text(dir, "bad\xff", "no", 0644);
    check_refused(wb_tree_hash, dir, NULL, WB_EFORMAT, "UTF-8");
    tree = hash_ok(dir, &opts);
    assert_int_equal(wb_tree_count(tree), 1);
    wb_tree_free(tree);
}

static void make_exclude_tree(const char *dir)
{
    put_text(dir, "keep.txt", "keep", 0644);
    put_text(dir, "x.log", "log", 0644);
    put_dir(dir, "build", 0755);
    put_text(dir, "build/out.o", "obj", 0644);
    put_dir(dir, "build/sub", 0755);
    put_text(dir, "build/sub/z", "z", 0644);
    put_dir(dir, "keep", 0755);
    put_text(dir, "keep/a", "a", 0644);
    put_text(dir, "keep/y.log", "log", 0644);
    put_dir(dir, "keep/sub", 0755);
    put_text(dir, "keep/sub/f", "f", 0644);
    put_dir(dir, "keep/only-logs", 0755);
    put_text(dir, "keep/only-logs/z.log", "log", 0644);
}

static const char *const exclude_patterns[] = {"*.log", "build", "keep/sub"};

static void check_excluded_tree(const wb_tree *tree)
{
    size_t i;
    for (i = 0; i < wb_tree_count(tree); i++) {
        const char *path = wb_tree_get(tree, i)->path;
        if (strstr(path, ".log") || strncmp(path, "build", 5) == 0 ||
            strncmp(path, "keep/sub", 8) == 0)
            fail_msg("excluded path in the tree: %s", path);
    }
    check_text(tree, "keep.txt", "keep", 0644);
    check_text(tree, "keep/a", "a", 0644);
    check_dir(tree, "keep", 0755, false);
    /* a directory whose contents are all excluded reads as empty */
    check_dir(tree, "keep/only-logs", 0755, true);
    assert_int_equal(wb_tree_count(tree), 4);
    assert_int_equal(wb_tree_file_count(tree), 2);
}

static void test_excludes(void **state)
{
    const char *dir = new_dir("excludes");
    wb_tree_options opts = {.excludes = exclude_patterns, .nexcludes = 3};
    wb_tree *tree;
    (void)state;

    make_exclude_tree(dir);
    tree = hash_ok(dir, &opts);
    check_excluded_tree(tree);
    wb_tree_free(tree);

    /* without excludes everything is there */
    tree = hash_ok(dir, NULL);
    assert_non_null(wb_tree_find(tree, "build/sub/z"));
    assert_non_null(wb_tree_find(tree, "keep/y.log"));
    assert_int_equal(wb_tree_file_count(tree), 8);
    wb_tree_free(tree);
}

static void test_thread_counts_agree(void **state)
{
    static const unsigned counts[] = {2, 8, 0, 64, 1000};
    const char *dir = new_dir("threads");
    wb_tree_options opts = {.threads = 1};
    wb_tree *reference;
    size_t i;
    (void)state;

    put_dir(dir, "d0", 0755);
    put_dir(dir, "d1", 0750);
    put_dir(dir, "d1/deep", 0755);
    put_dir(dir, "d1/empty", 0700);
    for (i = 0; i < 90; i++) {
        char name[64];
        size_t len = (i * 7919) % (300u << 10);
        unsigned char *data = pattern(len, (uint32_t)i + 10);
        snprintf(name, sizeof(name), "%s/f%02zu",
                 i % 3 == 0   ? "d0"
                 : i % 3 == 1 ? "d1/deep"
                              : ".",
                 i);
        put_file(dir, name, data, len, i % 5 == 0 ? 0755 : 0644);
        free(data);
    }
    put_link(dir, "d0/link", "../f02");
    reference = hash_ok(dir, &opts);
    check_sorted(reference);
    assert_int_equal(wb_tree_file_count(reference), 90);
    for (i = 0; i < NMEMBERS(counts); i++) {
        wb_tree *tree;
        char what[32];
        opts.threads = counts[i];
        tree = hash_ok(dir, &opts);
        snprintf(what, sizeof(what), "%u threads", counts[i]);
        check_same_entries(reference, tree, what);
        wb_tree_free(tree);
    }
    wb_tree_free(reference);
}

static void test_modes(void **state)
{
    const char *dir = new_dir("modes");
    wb_tree *tree;
    (void)state;

    put_text(dir, "setuid", "s", 04755);
    put_text(dir, "setgid", "g", 02755);
    put_text(dir, "private", "p", 0600);
    put_text(dir, "owner-only", "n", 0400);
    put_dir(dir, "sticky", 01777);
    put_dir(dir, "closed", 0700);
    tree = hash_ok(dir, NULL);
    check_text(tree, "setuid", "s", 04755);
    check_text(tree, "setgid", "g", 02755);
    check_text(tree, "private", "p", 0600);
    check_text(tree, "owner-only", "n", 0400);
    check_dir(tree, "sticky", 01777, true);
    check_dir(tree, "closed", 0700, true);
    wb_tree_free(tree);
}

/* Owners: lstat's numbers for a directory walk (chown needs root; as
 * another user only the caller's own ids are checked) and for one file;
 * the recorded numbers for archive members, a hard link keeping its own. */
static void test_owners(void **state)
{
    const char *dir = new_dir("owners");
    const char *path = join(base_dir, "owners.tar");
    bool root = geteuid() == 0;
    uint32_t uid = root ? 1234 : (uint32_t)geteuid(), gid = root ? 5678 : (uint32_t)getegid();
    static const struct {
        const char *name;
        const char *hardlink;
        unsigned uid, gid;
    } members[] = {{"f", NULL, 101, 202}, {"h", "f", 303, 404}};
    struct archive *ar;
    wb_tree *tree;
    size_t i;
    (void)state;

    put_text(dir, "file", "x", 0644);
    put_dir(dir, "sub", 0755);
    put_link(dir, "link", "file");
    if (root) {
        assert_int_equal(lchown(join(dir, "file"), uid, gid), 0);
        assert_int_equal(lchown(join(dir, "sub"), uid + 1, gid + 1), 0);
        assert_int_equal(lchown(join(dir, "link"), uid + 2, gid + 2), 0);
    }
    tree = hash_ok(dir, NULL);
    assert_int_equal(find_ok(tree, "file")->uid, uid);
    assert_int_equal(find_ok(tree, "file")->gid, gid);
    assert_int_equal(find_ok(tree, "sub")->uid, root ? uid + 1 : uid);
    assert_int_equal(find_ok(tree, "sub")->gid, root ? gid + 1 : gid);
    assert_int_equal(find_ok(tree, "link")->uid, root ? uid + 2 : uid);
    assert_int_equal(find_ok(tree, "link")->gid, root ? gid + 2 : gid);
    wb_tree_free(tree);

    tree = hash_ok(join(dir, "file"), NULL);
    assert_int_equal(find_ok(tree, "file")->uid, uid);
    assert_int_equal(find_ok(tree, "file")->gid, gid);
    wb_tree_free(tree);

    ar = archive_write_new();
    assert_non_null(ar);
    assert_int_equal(archive_write_set_format_pax_restricted(ar), ARCHIVE_OK);
    assert_int_equal(archive_write_open_filename(ar, path), ARCHIVE_OK);
    for (i = 0; i < NMEMBERS(members); i++) {
        struct archive_entry *ae = archive_entry_new();
        assert_non_null(ae);
        archive_entry_set_pathname(ae, members[i].name);
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        archive_entry_set_uid(ae, members[i].uid);
        archive_entry_set_gid(ae, members[i].gid);
        if (members[i].hardlink)
            archive_entry_set_hardlink(ae, members[i].hardlink);
        archive_entry_set_size(ae, members[i].hardlink ? 0 : 3);
        assert_int_equal(archive_write_header(ar, ae), ARCHIVE_OK);
        if (!members[i].hardlink)
            assert_int_equal(archive_write_data(ar, "abc", 3), 3);
        archive_entry_free(ae);
    }
    assert_int_equal(archive_write_close(ar), ARCHIVE_OK);
    assert_int_equal(archive_write_free(ar), ARCHIVE_OK);
    tree = hash_archive_ok(path, NULL);
    for (i = 0; i < NMEMBERS(members); i++) {
        const wb_tree_entry *e = find_ok(tree, members[i].name);
        assert_int_equal(e->uid, members[i].uid);
        assert_int_equal(e->gid, members[i].gid);
        assert_int_equal(e->size, 3);
    }
    wb_tree_free(tree);
}

static void test_find(void **state)
{
    const char *dir = new_dir("find");
    wb_tree *tree;
    size_t i;
    (void)state;

    put_dir(dir, "a", 0755);
    put_text(dir, "a/b", "b", 0644);
    put_text(dir, "a-b", "a-b", 0644);
    put_link(dir, "l", "a");
    tree = hash_ok(dir, NULL);
    for (i = 0; i < wb_tree_count(tree); i++)
        assert_ptr_equal(wb_tree_find(tree, wb_tree_get(tree, i)->path), wb_tree_get(tree, i));
    assert_int_equal(find_ok(tree, "a")->type, WB_TREE_DIRECTORY);
    assert_int_equal(find_ok(tree, "a/b")->type, WB_TREE_FILE);
    assert_int_equal(find_ok(tree, "l")->type, WB_TREE_SYMLINK);
    assert_null(wb_tree_find(tree, "a/"));
    assert_null(wb_tree_find(tree, "./a"));
    assert_null(wb_tree_find(tree, "b"));
    assert_null(wb_tree_find(tree, ""));
    assert_null(wb_tree_find(tree, "zzz"));
    assert_null(wb_tree_find(tree, NULL));
    assert_null(wb_tree_find(NULL, "a"));
    assert_null(wb_tree_get(tree, 99));
    assert_int_equal(wb_tree_count(NULL), 0);
    wb_tree_free(tree);
    wb_tree_free(NULL);
}

static void test_single_file(void **state)
{
    const char *dir = new_dir("single");
    unsigned char *data = pattern(3000, 7);
    wb_tree *tree = NULL;
    (void)state;

    put_file(dir, "firmware.img", data, 3000, 0640);
    tree = hash_ok(join(dir, "firmware.img"), NULL);
    assert_int_equal(wb_tree_get_source(tree), WB_TREE_SOURCE_FILE);
    assert_int_equal(wb_tree_count(tree), 1);
    check_file(tree, "firmware.img", data, 3000, 0640);
    assert_int_equal(wb_tree_file_count(tree), 1);
    assert_int_equal(wb_tree_total_bytes(tree), 3000);
    wb_tree_free(tree);
    free(data);

    check_refused(wb_tree_hash, join(dir, "missing"), NULL, WB_ENOTFOUND, "missing");
    assert_int_equal(wb_tree_hash(NULL, dir, NULL), WB_EINVAL);
    assert_int_equal(wb_tree_hash(&tree, NULL, NULL), WB_EINVAL);

    /* a name that says archive is read as one */
    put_text(dir, "notes.tar", "this is not a tar file\n", 0644);
    assert_true(wb_tree_hash(&tree, join(dir, "notes.tar"), NULL) < 0);
    assert_null(tree);
}

/* ---------- archives ---------- */

static const char big_text_seed[] = "0123456789abcdef";

/* The delivery used for the directory-vs-archive comparisons, in both
 * forms. */
static char *sample_big;
static const size_t sample_big_len = 200000;

static const member *sample_members(size_t *count)
{
    static member members[] = {
        FILE_M("README", 0644, "hello\n"),
        DIR_M("bin", 0755),
        FILE_M("bin/tool", 04755, "#!/bin/sh\necho tool\n"),
        DIR_M("empty", 0700),
        DIR_M("lib", 0755),
        FILE_M("lib/libx.so.1", 0644, "ELF?"),
        LINK_M("lib/libx.so", "libx.so.1"),
        FILE_M("caf\xc3\xa9.txt", 0600, "utf8\n"),
        FILE_M("big.bin", 0644, NULL),
        FILE_M("a-b", 0644, "dash"),
        DIR_M("a", 0755),
        FILE_M("a/b", 0644, "slash"),
        FILE_M("zero", 0644, ""),
    };
    size_t i;
    if (!sample_big) {
        sample_big = malloc(sample_big_len + 1);
        assert_non_null(sample_big);
        for (i = 0; i < sample_big_len; i++)
            sample_big[i] = big_text_seed[(i * 31 + i / 1000) % 16];
        sample_big[sample_big_len] = '\0';
    }
    members[8].data = sample_big;
    *count = NMEMBERS(members);
    return members;
}

static void write_members_as_directory(const char *dir, const member *members, size_t count)
{
    size_t i;
    for (i = 0; i < count; i++) {
        const member *m = &members[i];
        if (m->type == AE_IFDIR)
            put_dir(dir, m->name, m->perm);
        else if (m->type == AE_IFLNK)
            put_link(dir, m->name, m->symlink);
        else
            put_text(dir, m->name, m->data, m->perm);
    }
}

static void test_archives_match_directory(void **state)
{
    static const struct {
        const char *name;
        member_format format;
        member_filter filter;
    } kinds[] = {
        {"d.tar", FMT_PAX, FILTER_NONE},    {"d.tar.gz", FMT_PAX, FILTER_GZIP},
        {"d.tgz", FMT_GNUTAR, FILTER_GZIP}, {"d.tar.xz", FMT_PAX, FILTER_XZ},
        {"d.zip", FMT_ZIP, FILTER_NONE},
    };
    const char *top = new_dir("archives");
    const char *dir = new_dir("archives/d");
    size_t count, i;
    const member *members = sample_members(&count);
    wb_tree *from_dir;
    (void)state;

    write_members_as_directory(dir, members, count);
    from_dir = hash_ok(dir, NULL);
    check_text(from_dir, "bin/tool", "#!/bin/sh\necho tool\n", 04755);
    check_dir(from_dir, "empty", 0700, true);
    check_symlink(from_dir, "lib/libx.so", "libx.so.1");
    check_file(from_dir, "big.bin", sample_big, sample_big_len, 0644);

    for (i = 0; i < NMEMBERS(kinds); i++) {
        const char *path = join(top, kinds[i].name);
        wb_tree *tree;
        write_archive(path, kinds[i].format, kinds[i].filter, members, count);
        tree = hash_ok(path, NULL);
        assert_int_equal(wb_tree_get_source(tree), WB_TREE_SOURCE_ARCHIVE);
        check_same_entries(from_dir, tree, kinds[i].name);
        wb_tree_free(tree);
    }
    wb_tree_free(from_dir);
}

static void test_archive_excludes_match_directory(void **state)
{
    static const member members[] = {
        FILE_M("keep.txt", 0644, "keep"),
        FILE_M("x.log", 0644, "log"),
        DIR_M("build", 0755),
        FILE_M("build/out.o", 0644, "obj"),
        DIR_M("build/sub", 0755),
        FILE_M("build/sub/z", 0644, "z"),
        DIR_M("keep", 0755),
        FILE_M("keep/a", 0644, "a"),
        FILE_M("keep/y.log", 0644, "log"),
        DIR_M("keep/sub", 0755),
        FILE_M("keep/sub/f", 0644, "f"),
        DIR_M("keep/only-logs", 0755),
        FILE_M("keep/only-logs/z.log", 0644, "log"),
        /* no member for "keep/sub/more": excluded through "keep/sub" */
        FILE_M("keep/sub/more/deep", 0644, "deep"),
    };
    const char *top = new_dir("archive-excludes");
    const char *path = join(top, "x.tar.gz");
    wb_tree_options opts = {.excludes = exclude_patterns, .nexcludes = 3};
    wb_tree *tree;
    (void)state;

    write_archive(path, FMT_PAX, FILTER_GZIP, members, NMEMBERS(members));
    tree = hash_ok(path, &opts);
    check_excluded_tree(tree);
    wb_tree_free(tree);
}

static void test_archive_normalises_names(void **state)
{
    static const member members[] = {
        DIR_M("./", 0755),
        DIR_M("./top/", 0755),
        FILE_M("./top/./a", 0644, "a"),
        FILE_M("top//b", 0644, "b"),
    };
    const char *top = new_dir("normalise");
    const char *path = join(top, "n.tar");
    wb_tree *tree;
    (void)state;

    write_archive(path, FMT_PAX, FILTER_NONE, members, NMEMBERS(members));
    tree = hash_ok(path, NULL);
    check_dir(tree, "top", 0755, false);
    check_text(tree, "top/a", "a", 0644);
    check_text(tree, "top/b", "b", 0644);
    assert_null(wb_tree_find(tree, ""));
    assert_null(wb_tree_find(tree, "."));
    wb_tree_free(tree);
}

/* An archive of `members` written as `format` is refused with `code`. */
static void check_archive_refused(const char *name, member_format format, const member *members,
                                  size_t count, int code, const char *needle)
{
    const char *path = join(base_dir, name);
    write_archive(path, format, FILTER_NONE, members, count);
    check_refused(wb_tree_hash_archive, path, NULL, code, needle);
}

static void test_archive_escapes_refused(void **state)
{
    static const char *const names[] = {"../x",    "/abs",       "a/../../b", "a/..",
                                        "..",      "./../x",     "/",         "a/b/../c",
                                        "//etc/x", "x/../../..", "../"};
    size_t i;
    (void)state;
    for (i = 0; i < NMEMBERS(names); i++) {
        member members[] = {FILE_M("ok", 0644, "ok"), FILE_M(names[i], 0644, "evil")};
        char file[64];
        snprintf(file, sizeof(file), "escape-%zu.tar", i);
        check_archive_refused(file, FMT_PAX, members, NMEMBERS(members), WB_EFORMAT, NULL);
        snprintf(file, sizeof(file), "escape-%zu.zip", i);
        check_archive_refused(file, FMT_ZIP, members, NMEMBERS(members), WB_EFORMAT, NULL);
    }
    {
        /* a symlink's target may point anywhere: it is recorded, not followed */
        member members[] = {LINK_M("up", "../../etc/passwd")};
        const char *path = join(base_dir, "link-up.tar");
        wb_tree *tree;
        write_archive(path, FMT_PAX, FILTER_NONE, members, 1);
        tree = hash_archive_ok(path, NULL);
        check_symlink(tree, "up", "../../etc/passwd");
        wb_tree_free(tree);
    }
}

static void test_archive_duplicates_refused(void **state)
{
    static const member twice[] = {FILE_M("dup", 0644, "one"), FILE_M("dup", 0644, "two")};
    static const member dotted[] = {FILE_M("d/x", 0644, "one"), FILE_M("./d/x", 0644, "two")};
    static const member dirs[] = {DIR_M("d", 0755), DIR_M("d/", 0755)};
    static const member kinds[] = {FILE_M("k", 0644, "file"), LINK_M("k", "elsewhere")};
    (void)state;
    check_archive_refused("dup1.tar", FMT_PAX, twice, 2, WB_EFORMAT, "twice");
    assert_non_null(strstr(wb_error_last(), "dup"));
    check_archive_refused("dup2.tar", FMT_PAX, dotted, 2, WB_EFORMAT, "twice");
    check_archive_refused("dup3.tar", FMT_PAX, dirs, 2, WB_EFORMAT, "twice");
    check_archive_refused("dup4.tar", FMT_PAX, kinds, 2, WB_EFORMAT, "twice");
    check_archive_refused("dup5.zip", FMT_ZIP, twice, 2, WB_EFORMAT, "twice");
}

static void test_archive_hard_links(void **state)
{
    static const member good[] = {
        FILE_M("f", 0644, "shared content"), HARDLINK_M("h", 0644, "f"), DIR_M("sub", 0755),
        HARDLINK_M("sub/h2", 0644, "./h"), /* a link to a link */
    };
    static const member missing[] = {FILE_M("f", 0644, "x"), HARDLINK_M("h", 0644, "nope")};
    static const member forward[] = {HARDLINK_M("h", 0644, "f"), FILE_M("f", 0644, "x")};
    static const member to_dir[] = {DIR_M("d", 0755), HARDLINK_M("h", 0644, "d")};
    static const member to_link[] = {LINK_M("l", "f"), FILE_M("f", 0644, "x"),
                                     HARDLINK_M("h", 0644, "l")};
    static const member escaping[] = {FILE_M("f", 0644, "x"), HARDLINK_M("h", 0644, "../f")};
    const char *path = join(base_dir, "hardlinks.tar");
    wb_tree *tree;
    (void)state;

    write_archive(path, FMT_PAX, FILTER_NONE, good, NMEMBERS(good));
    tree = hash_archive_ok(path, NULL);
    check_text(tree, "f", "shared content", 0644);
    check_text(tree, "h", "shared content", 0644);
    check_text(tree, "sub/h2", "shared content", 0644);
    assert_int_equal(wb_tree_file_count(tree), 3);
    assert_int_equal(wb_tree_total_bytes(tree), 3 * strlen("shared content"));
    wb_tree_free(tree);

    check_archive_refused("hl-missing.tar", FMT_PAX, missing, 2, WB_EFORMAT, "nope");
    check_archive_refused("hl-forward.tar", FMT_PAX, forward, 2, WB_EFORMAT, NULL);
    check_archive_refused("hl-dir.tar", FMT_PAX, to_dir, 2, WB_EFORMAT, NULL);
    check_archive_refused("hl-link.tar", FMT_PAX, to_link, 3, WB_EFORMAT, NULL);
    check_archive_refused("hl-escape.tar", FMT_PAX, escaping, 2, WB_EFORMAT, NULL);
}

/* docs/formats/delivery.md: only hard links to names that are not earlier
 * regular files in the archive are refused. An excluded member is still an
 * earlier regular file of the archive: a link to it that is kept must get
 * its content. */
static void test_archive_hard_link_to_excluded_member(void **state)
{
    static const member members[] = {
        DIR_M("build", 0755),
        FILE_M("build/app", 0755, "the app"),
        DIR_M("dist", 0755),
        HARDLINK_M("dist/app", 0755, "build/app"),
    };
    static const char *const excludes[] = {"build"};
    wb_tree_options opts = {.excludes = excludes, .nexcludes = 1};
    const char *path = join(base_dir, "hl-excluded.tar");
    wb_tree *tree = NULL;
    int rc;
    (void)state;

    write_archive(path, FMT_PAX, FILTER_NONE, members, NMEMBERS(members));
    rc = wb_tree_hash_archive(&tree, path, &opts);
    if (rc != 0)
        fail_msg("hard link to an excluded member refused: %s", wb_error_last());
    assert_null(wb_tree_find(tree, "build/app"));
    check_text(tree, "dist/app", "the app", 0755);
    wb_tree_free(tree);
}

static void test_archive_special_files_refused(void **state)
{
    static const member chr[] = {FILE_M("ok", 0644, "ok"),
                                 {"dev/null", AE_IFCHR, 0666, NULL, 0, NULL, NULL}};
    static const member blk[] = {{"sda", AE_IFBLK, 0660, NULL, 0, NULL, NULL}};
    static const member fifo[] = {{"pipe", AE_IFIFO, 0644, NULL, 0, NULL, NULL}};
    (void)state;
    check_archive_refused("chr.tar", FMT_PAX, chr, 2, WB_EUNSUPPORTED, "dev/null");
    check_archive_refused("blk.tar", FMT_USTAR, blk, 1, WB_EUNSUPPORTED, "sda");
    check_archive_refused("fifo.tar", FMT_GNUTAR, fifo, 1, WB_EUNSUPPORTED, "pipe");
}

static void test_archive_invalid_utf8_refused(void **state)
{
    static const member bad_name[] = {FILE_M("bad\xff", 0644, "x")};
    static const member overlong[] = {FILE_M("slash\xc0\xaf", 0644, "x")};
    static const member bad_target[] = {LINK_M("l", "t\xfe")};
    static const member good_name[] = {FILE_M("na\xc3\xafve", 0644, "x")};
    const char *path = join(base_dir, "utf8-good.tar");
    wb_tree *tree;
    (void)state;
    check_archive_refused("utf8-ustar.tar", FMT_USTAR, bad_name, 1, WB_EFORMAT, "UTF-8");
    check_archive_refused("utf8-gnu.tar", FMT_GNUTAR, bad_name, 1, WB_EFORMAT, "UTF-8");
    check_archive_refused("utf8-pax.tar", FMT_PAX, bad_name, 1, WB_EFORMAT, "UTF-8");
    check_archive_refused("utf8-overlong.tar", FMT_USTAR, overlong, 1, WB_EFORMAT, "UTF-8");
    check_archive_refused("utf8-target.tar", FMT_USTAR, bad_target, 1, WB_EFORMAT, "UTF-8");

    write_archive(path, FMT_USTAR, FILTER_NONE, good_name, 1);
    tree = hash_archive_ok(path, NULL);
    check_text(tree, "na\xc3\xafve", "x", 0644);
    wb_tree_free(tree);
}

/* The refusal says "rename it or exclude it": excluding must then work for
 * archives as it does for directories. */
static void test_archive_excluded_invalid_utf8_accepted(void **state)
{
    static const member members[] = {FILE_M("keep", 0644, "k"), DIR_M("junk\xff", 0755),
                                     FILE_M("junk\xff/x", 0644, "x"),
                                     FILE_M("bad\xfe.tmp", 0644, "t")};
    static const char *const excludes[] = {"junk*", "*.tmp"};
    wb_tree_options opts = {.excludes = excludes, .nexcludes = 2};
    const char *path = join(base_dir, "utf8-excluded.tar");
    wb_tree *tree = NULL;
    int rc;
    (void)state;

    write_archive(path, FMT_USTAR, FILTER_NONE, members, NMEMBERS(members));
    rc = wb_tree_hash_archive(&tree, path, &opts);
    if (rc != 0)
        fail_msg("excluded names still refused: %s", wb_error_last());
    assert_int_equal(wb_tree_count(tree), 1);
    check_text(tree, "keep", "k", 0644);
    wb_tree_free(tree);
}

static void test_archive_file_used_as_directory(void **state)
{
    static const member file_first[] = {FILE_M("a", 0644, "a"), FILE_M("a/b", 0644, "b")};
    static const member file_last[] = {FILE_M("a/b", 0644, "b"), FILE_M("a", 0644, "a")};
    static const member link_dir[] = {LINK_M("l", "/etc"), FILE_M("l/passwd", 0644, "x")};
    static const member with_sibling[] = {FILE_M("a", 0644, "a"), FILE_M("a-x", 0644, "x"),
                                          FILE_M("a/b", 0644, "b")};
    (void)state;
    check_archive_refused("fdir1.tar", FMT_PAX, file_first, 2, WB_EFORMAT, "a/b");
    check_archive_refused("fdir2.tar", FMT_PAX, file_last, 2, WB_EFORMAT, "a/b");
    check_archive_refused("fdir3.tar", FMT_PAX, link_dir, 2, WB_EFORMAT, "l/passwd");
    check_archive_refused("fdir4.tar", FMT_PAX, with_sibling, 3, WB_EFORMAT, "a/b");
}

/* Write one sparse member: `len` bytes, data `chunk` bytes of 'D' at each
 * of the `offsets`, holes elsewhere. */
/* libarchive's writer takes the whole logical file and stores only the
 * regions its sparse map names, so write the expanded content: `chunk`
 * bytes of 'D' at each offset, zeros between. */
static void write_sparse_archive(const char *path, const char *name, size_t len,
                                 const size_t *offsets, size_t noffsets, size_t chunk)
{
    struct archive *ar = archive_write_new();
    struct archive_entry *ae = archive_entry_new();
    char *data = calloc(1, len);
    size_t i;
    assert_non_null(ar);
    assert_non_null(ae);
    assert_non_null(data);
    for (i = 0; i < noffsets; i++)
        memset(data + offsets[i], 'D', chunk);
    assert_int_equal(archive_write_set_format_pax_restricted(ar), ARCHIVE_OK);
    assert_int_equal(archive_write_add_filter_none(ar), ARCHIVE_OK);
    assert_int_equal(archive_write_open_filename(ar, path), ARCHIVE_OK);
    archive_entry_set_pathname(ae, name);
    archive_entry_set_filetype(ae, AE_IFREG);
    archive_entry_set_perm(ae, 0644);
    archive_entry_set_size(ae, (la_int64_t)len);
    for (i = 0; i < noffsets; i++)
        archive_entry_sparse_add_entry(ae, (la_int64_t)offsets[i], (la_int64_t)chunk);
    if (archive_write_header(ar, ae) != ARCHIVE_OK)
        fail_msg("%s: %s", path, archive_error_string(ar));
    assert_int_equal(archive_write_data(ar, data, len), (la_ssize_t)len);
    archive_entry_free(ae);
    assert_int_equal(archive_write_close(ar), ARCHIVE_OK);
    assert_int_equal(archive_write_free(ar), ARCHIVE_OK);
    free(data);
}

/* A sparse member (GNU tar --sparse, bsdtar's default for files with
 * holes) is hashed as the file it unpacks to: holes are zeros. */
static void test_archive_sparse_member(void **state)
{
    const size_t chunk = 4096, len = (3u << 20) + chunk;
    const size_t layout_a[] = {0, 3u << 20}, layout_b[] = {0, 1u << 20};
    const char *path_a = join(base_dir, "sparse-a.tar"), *path_b = join(base_dir, "sparse-b.tar");
    unsigned char *expanded = calloc(1, len);
    unsigned char expected[WB_SHA256_LEN];
    const wb_tree_entry *a, *b;
    wb_tree *tree_a, *tree_b;
    bool same_digest, right_digest;
    uint64_t size_a;
    (void)state;

    assert_non_null(expanded);
    memset(expanded, 'D', chunk);
    memset(expanded + (3u << 20), 'D', chunk);
    assert_int_equal(wb_digest_buffer(expected, WB_DIGEST_SHA256, expanded, len), 0);
    free(expanded);
    write_sparse_archive(path_a, "disk.img", len, layout_a, 2, chunk);
    write_sparse_archive(path_b, "disk.img", len, layout_b, 2, chunk);
    tree_a = hash_archive_ok(path_a, NULL);
    tree_b = hash_archive_ok(path_b, NULL);
    a = wb_tree_find(tree_a, "disk.img");
    b = wb_tree_find(tree_b, "disk.img");
    assert_non_null(a);
    assert_non_null(b);
    same_digest = memcmp(a->sha256, b->sha256, WB_SHA256_LEN) == 0;
    right_digest = memcmp(a->sha256, expected, WB_SHA256_LEN) == 0;
    size_a = a->size;
    wb_tree_free(tree_a);
    wb_tree_free(tree_b);
    /* two different files must not get one digest */
    if (same_digest)
        fail_msg("sparse members with different contents hash the same");
    if (!right_digest || size_a != len)
        fail_msg("sparse member: %llu bytes, expected %zu, or wrong digest",
                 (unsigned long long)size_a, len);
}

static void test_archive_truncated(void **state)
{
    const size_t len = 100000;
    unsigned char *data = pattern(len, 3);
    member members[] = {FILE_M("first", 0644, "first"),
                        {"random.bin", AE_IFREG, 0644, (const char *)data, len, NULL, NULL},
                        FILE_M("last", 0644, "last")};
    const char *path = join(base_dir, "whole.tar.gz");
    const char *cut = join(base_dir, "cut.tar.gz");
    struct stat st;
    unsigned char *whole;
    size_t size, at;
    FILE *f;
    wb_tree *tree;
    (void)state;

    write_archive(path, FMT_PAX, FILTER_GZIP, members, 3);
    tree = hash_ok(path, NULL);
    check_file(tree, "random.bin", data, len, 0644);
    wb_tree_free(tree);

    assert_int_equal(stat(path, &st), 0);
    size = (size_t)st.st_size;
    whole = malloc(size);
    assert_non_null(whole);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(whole, 1, size, f), size);
    fclose(f);
    /* cut anywhere: an error or (past the data) success, never a crash;
     * cut inside the random member's data: always an error */
    for (at = 0; at < size; at += at < 64 ? 1 : 997) {
        int rc;
        f = fopen(cut, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(whole, 1, at, f), at);
        fclose(f);
        tree = NULL;
        rc = wb_tree_hash(&tree, cut, NULL);
        assert_true(rc <= 0);
        if (rc == 0) {
            if (at < size / 2 || !wb_tree_find(tree, "random.bin"))
                fail_msg("cut at %zu of %zu bytes: accepted", at, size);
            check_file(tree, "random.bin", data, len, 0644);
        } else {
            assert_null(tree);
            assert_true(wb_error_last()[0] != '\0');
        }
        wb_tree_free(tree);
    }
    free(whole);
    free(data);
}

static void test_archive_garbage(void **state)
{
    const char *dir = new_dir("garbage");
    wb_tree *tree = NULL;
    int rc;
    (void)state;
    put_text(dir, "text.tar", "hello, this is text and no archive at all\n", 0644);
    check_refused(wb_tree_hash, join(dir, "text.tar"), NULL, WB_EFORMAT, "text.tar");
    put_file(dir, "empty.tar", "", 0, 0644);
    rc = wb_tree_hash(&tree, join(dir, "empty.tar"), NULL);
    assert_true(rc <= 0);
    wb_tree_free(tree);
    check_refused(wb_tree_hash_archive, join(dir, "missing.zip"), NULL, WB_ENOTFOUND, NULL);
    /* wb_tree_hash_archive reads whatever the name */
    check_refused(wb_tree_hash_archive, join(dir, "text.tar"), NULL, WB_EFORMAT, NULL);
}

/* ---------- out of memory ---------- */

typedef struct {
    int (*hash)(wb_tree **, const char *, const wb_tree_options *);
    const char *path;
    const wb_tree_options *opts;
} hash_call;

static void run_with_failing_allocations(const hash_call *call, const char *what)
{
    size_t n, made = 0;
    int rc = 0;

    for (n = 1; n < 20000; n++) {
        wb_tree *tree = NULL;
        wb_error_clear();
        wb_alloc_fail_after(n);
        rc = call->hash(&tree, call->path, call->opts);
        made = wb_alloc_fail_after(0);
        if (rc > 0)
            fail_msg("%s: allocation %zu failing: positive return %d", what, n, rc);
        if (rc < 0) {
            assert_null(tree);
            if (wb_error_last()[0] == '\0')
                fail_msg("%s: allocation %zu failing: %s with no message", what, n,
                         wb_error_name(rc));
        } else {
            assert_non_null(tree);
            check_sorted(tree);
        }
        wb_tree_free(tree);
        if (made < n) {
            if (rc != 0)
                fail_msg("%s: %s (%s) with no allocation failing", what, wb_error_name(rc),
                         wb_error_last());
            break;
        }
    }
    assert_true(n > 1);
    assert_true(made < n);
}

static void test_directory_out_of_memory(void **state)
{
    const char *dir = new_dir("oom-dir");
    static const char *const excludes[] = {"*.o"};
    wb_tree_options opts = {.threads = 1, .excludes = excludes, .nexcludes = 1};
    hash_call call = {wb_tree_hash, dir, &opts};
    (void)state;

    put_text(dir, "a", "a", 0644);
    put_text(dir, "x.o", "o", 0644);
    put_dir(dir, "d", 0700);
    put_text(dir, "d/b", "b", 0755);
    put_dir(dir, "d/e", 0755);
    put_link(dir, "l", "d/b");
    run_with_failing_allocations(&call, "directory");
    call.path = join(dir, "a");
    run_with_failing_allocations(&call, "single file");
}

static void test_archive_out_of_memory(void **state)
{
    static const member members[] = {
        DIR_M("d", 0700),          FILE_M("d/b", 0755, "b"), DIR_M("d/e", 0755),
        FILE_M("a", 0644, "a"),    LINK_M("l", "d/b"),       HARDLINK_M("h", 0644, "a"),
        FILE_M("x/y.o", 0644, ""),
    };
    static const member bad[] = {FILE_M("a", 0644, "a"), FILE_M("./a", 0644, "a")};
    static const char *const excludes[] = {"x"};
    wb_tree_options opts = {.threads = 1, .excludes = excludes, .nexcludes = 1};
    const char *path = join(base_dir, "oom.tar.gz");
    const char *bad_path = join(base_dir, "oom-bad.tar");
    hash_call call = {wb_tree_hash_archive, path, &opts};
    size_t n;
    (void)state;

    write_archive(path, FMT_PAX, FILTER_GZIP, members, NMEMBERS(members));
    run_with_failing_allocations(&call, "archive");

    /* an archive that is refused anyway: every n gives an error, never 0 */
    write_archive(bad_path, FMT_PAX, FILTER_NONE, bad, 2);
    for (n = 1; n < 200; n++) {
        wb_tree *tree = NULL;
        int rc;
        wb_alloc_fail_after(n);
        rc = wb_tree_hash_archive(&tree, bad_path, &opts);
        wb_alloc_fail_after(0);
        assert_true(rc < 0);
        assert_null(tree);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_cmp),
        cmocka_unit_test(test_sorted_order),
        cmocka_unit_test(test_file_digests),
        cmocka_unit_test(test_empty_directories),
        cmocka_unit_test(test_symlinks_not_followed),
        cmocka_unit_test(test_fifo_refused),
        cmocka_unit_test(test_tolerate_unreadable),
        cmocka_unit_test(test_invalid_utf8_name_refused),
        cmocka_unit_test(test_excludes),
        cmocka_unit_test(test_thread_counts_agree),
        cmocka_unit_test(test_modes),
        cmocka_unit_test(test_owners),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_single_file),
        cmocka_unit_test(test_archives_match_directory),
        cmocka_unit_test(test_archive_excludes_match_directory),
        cmocka_unit_test(test_archive_normalises_names),
        cmocka_unit_test(test_archive_escapes_refused),
        cmocka_unit_test(test_archive_duplicates_refused),
        cmocka_unit_test(test_archive_hard_links),
        cmocka_unit_test(test_archive_hard_link_to_excluded_member),
        cmocka_unit_test(test_archive_special_files_refused),
        cmocka_unit_test(test_archive_invalid_utf8_refused),
        cmocka_unit_test(test_archive_excluded_invalid_utf8_accepted),
        cmocka_unit_test(test_archive_file_used_as_directory),
        cmocka_unit_test(test_archive_sparse_member),
        cmocka_unit_test(test_archive_truncated),
        cmocka_unit_test(test_archive_garbage),
        cmocka_unit_test(test_directory_out_of_memory),
        cmocka_unit_test(test_archive_out_of_memory),
    };
    int failed = cmocka_run_group_tests_name("tree", tests, make_base_dir, remove_base_dir);
    free(sample_big);
    return failed;
}
