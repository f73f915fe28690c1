/*
 * testfs.h: temporary trees for the unit tests that walk a filesystem
 * (test_tree.c, test_statement.c): a base directory made in the group
 * setup and removed in the teardown, and small helpers that create files,
 * directories and links in it and fail the test on any error.
 *
 * Include after cmocka.h; define TESTFS_TAG (a short name for the mkdtemp
 * template) first.
 */
#ifndef WAYBILL_TESTFS_H
#define WAYBILL_TESTFS_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef TESTFS_TAG
#error "define TESTFS_TAG before including testfs.h"
#endif

static char base_dir[512];

static inline int make_base_dir(void **state)
{
    const char *tmp = getenv("TMPDIR");
    (void)state;
    snprintf(base_dir, sizeof(base_dir), "%s/wb-test-" TESTFS_TAG "-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(base_dir) ? 0 : -1;
}

static inline int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline int remove_base_dir(void **state)
{
    (void)state;
    return nftw(base_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* "dir/rel" in one of a few rotating static buffers. */
static inline const char *join(const char *dir, const char *rel)
{
    static char paths[16][1024];
    static unsigned next;
    char *path = paths[next++ % 16];
    snprintf(path, sizeof(paths[0]), "%s/%s", dir, rel);
    return path;
}

/* A new empty directory under the base directory; its name stays valid
 * for the whole run (unlike join()'s). */
static inline const char *new_dir(const char *name)
{
    static char dirs[64][1024];
    static unsigned next;
    char *path = dirs[next++ % 64];
    snprintf(path, sizeof(dirs[0]), "%s/%s", base_dir, name);
    if (mkdir(path, 0755) < 0)
        fail_msg("mkdir %s: %s", path, strerror(errno));
    assert_int_equal(chmod(path, 0755), 0);
    return path;
}

static inline void put_dir(const char *dir, const char *rel, mode_t mode)
{
    const char *path = join(dir, rel);
    if (mkdir(path, 0700) < 0)
        fail_msg("mkdir %s: %s", path, strerror(errno));
    assert_int_equal(chmod(path, mode), 0);
}

static inline void put_file(const char *dir, const char *rel, const void *data, size_t len,
                            mode_t mode)
{
    const char *path = join(dir, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const unsigned char *p = data;
    if (fd < 0)
        fail_msg("create %s: %s", path, strerror(errno));
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        assert_true(n > 0);
        p += n;
        len -= (size_t)n;
    }
    assert_int_equal(close(fd), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static inline void put_text(const char *dir, const char *rel, const char *text, mode_t mode)
{
    put_file(dir, rel, text, strlen(text), mode);
}

static inline void put_link(const char *dir, const char *rel, const char *target)
{
    const char *path = join(dir, rel);
    if (symlink(target, path) < 0)
        fail_msg("symlink %s: %s", path, strerror(errno));
}

/* `len` bytes of a fixed pseudo-random pattern (malloc'd). */
static inline void remove_path(const char *dir, const char *rel)
{
    const char *path = join(dir, rel);
    if (remove(path) < 0)
        fail_msg("remove %s: %s", path, strerror(errno));
}

#endif
