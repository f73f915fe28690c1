/*
 * fuzz_delivery.c: wb_delivery_parse() and wb_delivery_compare(), the
 * reading side of a waybill's statement.
 *
 * Every input goes to wb_delivery_parse(). A statement that parses has every
 * accessor called (and its strings read to the end, so a dangling pointer
 * shows under AddressSanitizer), and is compared with two fixed trees: a
 * small one (a file, a file in a directory, a symlink, an empty directory,
 * a setuid file) written to a temporary directory, hashed and the directory
 * removed on the first call; and an empty one. Checked with abort():
 *  - every difference has a known kind with a name, a non-empty path that
 *    is in the statement or the tree, and NUL-terminated details;
 *  - differences come in path order (two may share a path: content and
 *    mode);
 *  - a difference other than "missing" names a path the tree has, and a
 *    "missing" one a path it lacks;
 *  - against the empty tree every difference is "missing", one per entry
 *    of the statement, so at least one per symlink and empty directory.
 * The trees live for the whole process; they are never freed on purpose.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "waybill/waybill.h"
#include "waybill/statement.h"
#include "waybill/tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static wb_tree *small_tree, *empty_tree;
static volatile size_t sink; /* keeps the reads of borrowed strings */

static void put_file(const char *dir, const char *rel, const char *text, mode_t mode)
{
    char path[512];
    int fd;
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) < 0 ||
        chmod(path, mode) < 0)
        abort();
}

static void put_dir(const char *dir, const char *rel, mode_t mode)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    if (mkdir(path, 0700) < 0 || chmod(path, mode) < 0)
        abort();
}

static void put_link(const char *dir, const char *rel, const char *target)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    if (symlink(target, path) < 0)
        abort();
}

static void remove_entry(const char *dir, const char *rel)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    if (remove(path) < 0)
        abort();
}

static wb_tree *hash_dir(const char *dir)
{
    wb_tree_options opts = {.threads = 1};
    wb_tree *tree = NULL;
    if (wb_tree_hash(&tree, dir, &opts) < 0)
        abort();
    return tree;
}

/* Build both trees once; the temporary directories are gone afterwards. */
static void make_trees(void)
{
    const char *tmp = getenv("TMPDIR");
    char dir[256];

    snprintf(dir, sizeof(dir), "%s/wb-fuzz-delivery-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        abort();
    empty_tree = hash_dir(dir);
    put_file(dir, "README", "hello\n", 0644);
    put_dir(dir, "bin", 0755);
    put_file(dir, "bin/tool", "#!/bin/sh\n", 04755);
    put_link(dir, "bin/sh", "tool");
    put_dir(dir, "empty", 0700);
    put_file(dir, "a-b", "", 0644);
    small_tree = hash_dir(dir);
    remove_entry(dir, "a-b");
    remove_entry(dir, "empty");
    remove_entry(dir, "bin/sh");
    remove_entry(dir, "bin/tool");
    remove_entry(dir, "bin");
    remove_entry(dir, "README");
    if (rmdir(dir) < 0)
        abort();
}

/* Read a borrowed string to its end (NULL allowed). */
static size_t touch(const char *s)
{
    return s ? strlen(s) : 0;
}

static void check_diffs(const wb_diff *diffs, size_t count, const wb_tree *tree, size_t *missing)
{
    size_t i;
    *missing = 0;
    if (count > 0 && !diffs)
        abort();
    for (i = 0; i < count; i++) {
        const wb_diff *d = &diffs[i];
        char *shown;
        if (d->kind < WB_DIFF_MODIFIED || d->kind > WB_DIFF_SYMLINK || !wb_diff_kind_name(d->kind))
            abort();
        if (!d->path || !d->path[0])
            abort();
        if (!memchr(d->expected, '\0', sizeof(d->expected)) ||
            !memchr(d->actual, '\0', sizeof(d->actual)))
            abort();
        /* a path the tree does not have can only be missing from it */
        if (d->kind != WB_DIFF_MISSING && !wb_tree_find(tree, d->path))
            abort();
        if (d->kind == WB_DIFF_MISSING) {
            if (wb_tree_find(tree, d->path))
                abort();
            (*missing)++;
        }
        if (i > 0 && wb_tree_path_cmp(diffs[i - 1].path, d->path) > 0)
            abort();
        shown = wb_path_display(d->path);
        if (shown && strchr(shown, '\n'))
            abort();
        wb_free(shown);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_delivery *d = NULL;
    wb_diff *diffs = NULL;
    size_t count = 0, missing, i, sum = 0;

    if (!small_tree)
        make_trees();
    if (wb_delivery_parse(&d, data, size, "fuzz.json") < 0) {
        if (d)
            abort(); /* nothing handed out on failure */
        return 0;
    }
    sum += touch(wb_delivery_name(d));
    sum += touch(wb_delivery_version(d));
    sum += touch(wb_delivery_supplier(d));
    sum += touch(wb_delivery_site(d));
    sum += touch(wb_delivery_created(d));
    sum += touch(wb_delivery_source_type(d));
    sum += touch(wb_delivery_source_name(d));
    sum += (size_t)wb_delivery_file_count(d) + (size_t)wb_delivery_total_bytes(d);
    sum += wb_delivery_symlink_count(d) + wb_delivery_empty_dir_count(d);
    for (i = 0; i < wb_delivery_exclude_count(d); i++) {
        const char *pattern = wb_delivery_exclude(d, i);
        if (!pattern)
            abort(); /* excludes are strings */
        sum += touch(pattern);
    }
    if (wb_delivery_exclude(d, wb_delivery_exclude_count(d)) != NULL)
        abort();

    if (wb_delivery_compare(&diffs, &count, d, small_tree) == 0) {
        check_diffs(diffs, count, small_tree, &missing);
        wb_free(diffs);
    }
    diffs = NULL;
    count = 0;
    if (wb_delivery_compare(&diffs, &count, d, empty_tree) == 0) {
        check_diffs(diffs, count, empty_tree, &missing);
        if (missing != count)
            abort();
        if (count < wb_delivery_symlink_count(d) + wb_delivery_empty_dir_count(d))
            abort();
        wb_free(diffs);
    }
    wb_delivery_free(d);
    sink += sum;
    return 0;
}
