/*
 * tiles.c: writing the ledger's C2SP tlog-tiles files from the store.
 *
 * A tile at level L holds hashes of tree height 8*L: hash k of tile n is
 * the stored hash (tlog.h) of height 8*L and index n*256 + k, so a tile is
 * one read of at most 256 stored hashes. An entry bundle holds the log
 * entries (SHA-256 digests of the envelopes) of level-0 tile n, each behind
 * its length as a big-endian uint16 (always 0x0020).
 *
 * Files are written beside their final name as ".NAME.XXXXXX" and renamed
 * into place, so a reader never sees half a tile; directories are opened
 * one component at a time with O_NOFOLLOW, so a symlink planted in tile/
 * is refused rather than followed. Nothing is fsync()ed per file: one
 * syncfs() at the end makes the whole batch durable before the caller
 * replaces the checkpoint file, which is what clients start from.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tiles.h"

int wb_tile_path(char out[WB_TILE_PATH_MAX], int level, uint64_t n, unsigned width)
{
    char groups[8][4];
    size_t count = 0, len, i;
    int w;

    if (level < WB_TILE_ENTRIES || level >= WB_TILE_LEVELS || width == 0 || width > WB_TILE_WIDTH)
        return wb_error_set(WB_EINVAL, "tiles: no tile at level %d of width %u", level, width);
    /* 2^64 has 20 digits: at most 7 groups */
    do {
        snprintf(groups[count++], sizeof(groups[0]), "%03u", (unsigned)(n % 1000));
        n /= 1000;
    } while (n > 0);
    if (level == WB_TILE_ENTRIES)
        w = snprintf(out, WB_TILE_PATH_MAX, "tile/entries/");
    else
        w = snprintf(out, WB_TILE_PATH_MAX, "tile/%d/", level);
    len = (size_t)w;
    for (i = count; i-- > 0;) {
        w = snprintf(out + len, WB_TILE_PATH_MAX - len, "%s%s%s", i ? "x" : "", groups[i],
                     i ? "/" : "");
        len += (size_t)w;
    }
    if (width < WB_TILE_WIDTH)
        snprintf(out + len, WB_TILE_PATH_MAX - len, ".p/%u", width);
    return 0;
}

uint64_t wb_tile_level_count(int level, uint64_t size)
{
    if (level <= 0)
        return size;
    return size >> (WB_TILE_HEIGHT * level);
}

int wb_tile_read(unsigned char *out, size_t *out_len, wb_store *store, int level, uint64_t n,
                 unsigned width)
{
    wb_tlog_hash hashes[WB_TILE_WIDTH];
    uint64_t indexes[WB_TILE_WIDTH] = {0};
    unsigned k;
    int rc;

    if (width == 0 || width > WB_TILE_WIDTH || n > (UINT64_MAX >> WB_TILE_HEIGHT))
        return wb_error_set(WB_EINVAL, "tiles: no tile %" PRIu64 " of width %u", n, width);
    if (level == WB_TILE_ENTRIES) {
        if ((rc = wb_store_read_digests(hashes, store, n * WB_TILE_WIDTH, width)) < 0)
            return rc;
        for (k = 0; k < width; k++) {
            out[k * WB_TILE_ENTRY_SIZE] = 0;
            out[k * WB_TILE_ENTRY_SIZE + 1] = WB_TLOG_HASH_LEN;
            memcpy(out + k * WB_TILE_ENTRY_SIZE + 2, hashes[k].bytes, WB_TLOG_HASH_LEN);
        }
        *out_len = (size_t)width * WB_TILE_ENTRY_SIZE;
        return 0;
    }
    for (k = 0; k < width; k++) {
        indexes[k] =
            wb_tlog_stored_hash_index((unsigned)(WB_TILE_HEIGHT * level), n * WB_TILE_WIDTH + k);
        if (indexes[k] == UINT64_MAX)
            return wb_error_set(WB_EINVAL, "tiles: tile %d/%" PRIu64 " is beyond any tree", level,
                                n);
    }
    if ((rc = wb_store_read_hashes(hashes, store, indexes, width)) < 0)
        return rc;
    for (k = 0; k < width; k++)
        memcpy(out + (size_t)k * WB_TLOG_HASH_LEN, hashes[k].bytes, WB_TLOG_HASH_LEN);
    *out_len = (size_t)width * WB_TLOG_HASH_LEN;
    return 0;
}

int wb_tiles_open_parent(int dirfd, const char *dir, const char *path, bool create,
                         const char **base)
{
    char comp[WB_TILE_PATH_MAX];
    const char *p = path, *slash;
    int fd = dirfd, next;

    while ((slash = strchr(p, '/')) != NULL) {
        size_t len = (size_t)(slash - p);
        memcpy(comp, p, len);
        comp[len] = '\0';
        if (create && mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
            int e = errno;
            if (fd != dirfd)
                close(fd);
            return wb_error_set(WB_EIO, "%s/%.*s: cannot create: %s", dir, (int)(slash - path),
                                path, strerror(e));
        }
        next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            int e = errno;
            if (fd != dirfd)
                close(fd);
            return wb_error_set(
                e == ENOENT ? WB_ENOTFOUND : WB_EIO, "%s/%.*s: %s", dir, (int)(slash - path), path,
                e == ELOOP || e == ENOTDIR ? "not a directory (a symlink?)" : strerror(e));
        }
        if (fd != dirfd)
            close(fd);
        fd = next;
        p = slash + 1;
    }
    *base = p;
    return fd;
}

/* Write one tile file: a temporary beside it, renamed into place. */
static int put_file(int dirfd, const char *dir, const char *path, const unsigned char *data,
                    size_t len)
{
    char tmp[WB_TILE_PATH_MAX + 16];
    const char *base;
    int parent, fd = -1, rc = 0, attempt;

    parent = wb_tiles_open_parent(dirfd, dir, path, true, &base);
    if (parent < 0)
        return parent;
    for (attempt = 0; attempt < 100 && fd < 0; attempt++) {
        snprintf(tmp, sizeof(tmp), ".%s.%06x", base, (unsigned)(random() & 0xffffff));
        fd = openat(parent, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        rc = wb_error_set(WB_EIO, "%s/%s: cannot create a temporary file: %s", dir, path,
                          strerror(errno));
        goto out;
    }
    if (wb_write_all(fd, data, len) < 0 || close(fd) < 0) {
        fd = -1;
        rc = wb_error_set(WB_EIO, "%s/%s: %s", dir, path, strerror(errno));
        unlinkat(parent, tmp, 0);
        goto out;
    }
    fd = -1;
    if (renameat(parent, tmp, parent, base) < 0) {
        rc = wb_error_set(WB_EIO, "%s/%s: %s", dir, path, strerror(errno));
        unlinkat(parent, tmp, 0);
    }
out:
    if (fd >= 0)
        close(fd);
    if (parent != dirfd)
        close(parent);
    return rc;
}

/* Write the tiles of one level (or the entry bundles) that change between
 * the two sizes. */
static int write_level(int dirfd, const char *dir, wb_store *store, int level, uint64_t old_size,
                       uint64_t new_size, unsigned char *buf)
{
    uint64_t old_count = wb_tile_level_count(level, old_size);
    uint64_t new_count = wb_tile_level_count(level, new_size);
    uint64_t n;
    char path[WB_TILE_PATH_MAX];
    size_t len;
    int rc;

    if (new_count <= old_count)
        return 0;
    for (n = old_count / WB_TILE_WIDTH; n <= (new_count - 1) / WB_TILE_WIDTH; n++) {
        uint64_t left = new_count - n * WB_TILE_WIDTH;
        unsigned width = left >= WB_TILE_WIDTH ? WB_TILE_WIDTH : (unsigned)left;
        if ((rc = wb_tile_path(path, level, n, width)) < 0 ||
            (rc = wb_tile_read(buf, &len, store, level, n, width)) < 0 ||
            (rc = put_file(dirfd, dir, path, buf, len)) < 0)
            return rc;
    }
    return 0;
}

int wb_tiles_write(int dirfd, const char *dir, wb_store *store, uint64_t old_size,
                   uint64_t new_size)
{
    unsigned char *buf;
    int level, rc = 0;

    if (dirfd < 0 || !dir || !store || old_size > new_size)
        return wb_error_set(WB_EINVAL, "tiles: invalid argument");
    if (old_size == new_size)
        return 0;
    buf = wb_malloc((size_t)WB_TILE_WIDTH * WB_TILE_ENTRY_SIZE);
    if (!buf)
        return wb_error_set(WB_ENOMEM, "tiles: out of memory");
    for (level = WB_TILE_ENTRIES; level < WB_TILE_LEVELS && rc == 0; level++)
        rc = write_level(dirfd, dir, store, level, old_size, new_size, buf);
    wb_free(buf);
    if (rc == 0 && syncfs(dirfd) < 0)
        rc = wb_error_set(WB_EIO, "%s: syncing the tiles: %s", dir, strerror(errno));
    return rc;
}

/* Remove `path`'s .p directory and the partial tiles in it. */
static void remove_partials(int dirfd, const char *full_path)
{
    char pdir[WB_TILE_PATH_MAX + 4];
    const char *base;
    int parent, fd;
    DIR *d;
    struct dirent *e;

    snprintf(pdir, sizeof(pdir), "%s.p/", full_path);
    parent = wb_tiles_open_parent(dirfd, "", pdir, false, &base);
    if (parent < 0) {
        wb_error_clear();
        return;
    }
    /* parent is the .p directory itself (base is the empty last component) */
    fd = dup(parent);
    d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d && fd >= 0)
        close(fd);
    while (d && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0))
            unlinkat(parent, e->d_name, 0);
    if (d)
        closedir(d);
    close(parent);
    {
        const char *slash = strrchr(full_path, '/');
        char name[WB_TILE_PATH_MAX + 4];
        int up;
        snprintf(name, sizeof(name), "%s.p", slash ? slash + 1 : full_path);
        up = wb_tiles_open_parent(dirfd, "", full_path, false, &base);
        if (up >= 0) {
            unlinkat(up, name, AT_REMOVEDIR);
            if (up != dirfd)
                close(up);
        } else {
            wb_error_clear();
        }
    }
}

void wb_tiles_prune(int dirfd, uint64_t old_size, uint64_t new_size)
{
    char path[WB_TILE_PATH_MAX];
    int level;
    uint64_t n;

    for (level = WB_TILE_ENTRIES; level < WB_TILE_LEVELS; level++) {
        uint64_t old_full = wb_tile_level_count(level, old_size) / WB_TILE_WIDTH;
        uint64_t new_full = wb_tile_level_count(level, new_size) / WB_TILE_WIDTH;
        /* tiles old_full .. new_full - 1 became full; only a tile that was
         * partial before (the first) or filled within the batch can have
         * partials, and each was partial at most once per batch */
        for (n = old_full; n < new_full; n++)
            if (wb_tile_path(path, level, n, WB_TILE_WIDTH) == 0)
                remove_partials(dirfd, path);
    }
}

int wb_tile_file_read(int dirfd, const char *path, unsigned char *buf, size_t cap, size_t *len)
{
    const char *base;
    int parent, fd, rc = 0;
    size_t got = 0;

    parent = wb_tiles_open_parent(dirfd, "", path, false, &base);
    if (parent < 0)
        return parent;
    fd = openat(parent, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        rc = wb_error_set(errno == ENOENT ? WB_ENOTFOUND : WB_EIO, "%s: %s", path,
                          errno == ELOOP ? "a symlink" : strerror(errno));
        goto out;
    }
    /* one byte more than the bound tells a longer file */
    for (;;) {
        ssize_t r = read(fd, buf + got, cap + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        got += (size_t)r;
        if (got > cap) {
            rc = wb_error_set(WB_ELIMIT, "%s: longer than a tile", path);
            break;
        }
    }
    close(fd);
    *len = got;
out:
    if (parent != dirfd)
        close(parent);
    return rc;
}

/* "ddd" or "xddd" (with_x) as a number; -1 when it is neither. */
static int group_value(const char *s, size_t len, bool with_x)
{
    size_t off = with_x ? 1 : 0;
    if (len != off + 3 || (with_x && s[0] != 'x'))
        return -1;
    if (s[off] < '0' || s[off] > '9' || s[off + 1] < '0' || s[off + 1] > '9' || s[off + 2] < '0' ||
        s[off + 2] > '9')
        return -1;
    return (s[off] - '0') * 100 + (s[off + 1] - '0') * 10 + (s[off + 2] - '0');
}

bool wb_tile_path_parse(const char *path, int *level, uint64_t *n, unsigned *width)
{
    const char *comps[16];
    size_t lens[16], count = 0, i, last;
    const char *p = path;
    char canon[WB_TILE_PATH_MAX];
    uint64_t value = 0;
    unsigned w = WB_TILE_WIDTH;
    int lvl, g;

    while (*p && count < 16) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        comps[count] = p;
        lens[count++] = len;
        p += len + (slash ? 1 : 0);
        if (!slash)
            break;
    }
    if (*p || count < 3 || lens[0] != 4 || memcmp(comps[0], "tile", 4) != 0)
        return false;
    if (lens[1] == 7 && memcmp(comps[1], "entries", 7) == 0)
        lvl = WB_TILE_ENTRIES;
    else if (lens[1] == 1 && comps[1][0] >= '0' && comps[1][0] < '0' + WB_TILE_LEVELS)
        lvl = comps[1][0] - '0';
    else
        return false;
    last = count - 1;
    /* a partial tile ends in "ddd.p/W" */
    if (count >= 4 && lens[last - 1] == 5 && memcmp(comps[last - 1] + 3, ".p", 2) == 0) {
        unsigned long wv = 0;
        if (lens[last] == 0 || lens[last] > 3)
            return false;
        for (i = 0; i < lens[last]; i++) {
            if (comps[last][i] < '0' || comps[last][i] > '9')
                return false;
            wv = wv * 10 + (unsigned long)(comps[last][i] - '0');
        }
        if (wv == 0 || wv >= WB_TILE_WIDTH)
            return false;
        w = (unsigned)wv;
        lens[last - 1] = 3;
        last--;
    }
    for (i = 2; i <= last; i++) {
        g = group_value(comps[i], lens[i], i != last);
        if (g < 0 || value > (UINT64_MAX - (uint64_t)g) / 1000)
            return false;
        value = value * 1000 + (uint64_t)g;
    }
    /* only the canonical spelling (no extra leading groups) */
    if (wb_tile_path(canon, lvl, value, w) < 0) {
        wb_error_clear();
        return false;
    }
    if (strcmp(canon, path) != 0)
        return false;
    *level = lvl;
    *n = value;
    *width = w;
    return true;
}
