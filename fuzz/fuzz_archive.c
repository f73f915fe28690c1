/*
 * fuzz_archive.c: wb_tree_hash_archive(), reading tar (plain, gzip, xz,
 * zstd, bzip2) and zip archives from strangers.
 *
 * Each input is written to an anonymous memory file (memfd_create) and read
 * as an archive through /proc/self/fd/N, the way `waybill seal` and
 * `waybill verify` read a delivery. Whatever the bytes, the call returns 0
 * or a negative code; when it returns 0 the entries must be what the rest of
 * waybill relies on, checked with abort():
 *  - every path is non-empty, valid UTF-8, relative (no leading '/'), with
 *    no empty, "." or ".." component;
 *  - entries are strictly increasing by wb_tree_path_cmp() (sorted and
 *    unique), and wb_tree_find() finds each one at its place;
 *  - nothing lies under a file or a symlink; a directory is flagged empty
 *    exactly when no entry lies under it;
 *  - symlinks have a valid UTF-8 target; modes fit in 07777; the file count
 *    and byte total agree with the entries.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "waybill/tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(const char *path)
{
    const char *c = path;
    size_t len = strlen(path);

    if (len == 0 || path[0] == '/' || !wb_utf8_valid(path, len))
        abort();
    for (;;) {
        const char *slash = strchr(c, '/');
        size_t n = slash ? (size_t)(slash - c) : strlen(c);
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            abort();
        if (!slash)
            break;
        c = slash + 1;
    }
}

static int inside(const char *dir, const char *child)
{
    size_t n = strlen(dir);
    return strncmp(dir, child, n) == 0 && child[n] == '/';
}

static void check_tree(const wb_tree *tree)
{
    size_t i, count = wb_tree_count(tree);
    uint64_t files = 0, bytes = 0;

    if (wb_tree_get_source(tree) != WB_TREE_SOURCE_ARCHIVE)
        abort();
    for (i = 0; i < count; i++) {
        const wb_tree_entry *e = wb_tree_get(tree, i);
        const wb_tree_entry *next = i + 1 < count ? wb_tree_get(tree, i + 1) : NULL;

        if (!e || !e->path)
            abort();
        check_path(e->path);
        if (next && wb_tree_path_cmp(e->path, next->path) >= 0)
            abort();
        if (wb_tree_find(tree, e->path) != e)
            abort();
        if (e->mode & ~07777u)
            abort();
        switch (e->type) {
        case WB_TREE_FILE:
            files++;
            bytes += e->size;
            /* fall through */
        case WB_TREE_SYMLINK:
            if (next && inside(e->path, next->path))
                abort();
            if (e->type == WB_TREE_SYMLINK &&
                (!e->target || !wb_utf8_valid(e->target, strlen(e->target))))
                abort();
            break;
        case WB_TREE_DIRECTORY:
            if (e->empty != !(next && inside(e->path, next->path)))
                abort();
            break;
        default:
            abort();
        }
    }
    if (wb_tree_get(tree, count) != NULL)
        abort();
    if (wb_tree_file_count(tree) != files || wb_tree_total_bytes(tree) != bytes)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_tree_options opts = {.threads = 1};
    wb_tree *tree = NULL;
    char path[64];
    size_t done = 0;
    int fd, rc;

    fd = memfd_create("fuzz-archive", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0)
            abort();
        done += (size_t)n;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    rc = wb_tree_hash_archive(&tree, path, &opts);
    if (rc > 0 || (rc < 0 && tree) || (rc == 0 && !tree))
        abort();
    if (rc == 0)
        check_tree(tree);
    wb_tree_free(tree);
    close(fd);
    return 0;
}
