/*
 * fileio.c: bounded whole-file reads and atomic writes.
 *
 * Reads refuse anything that is not a regular file and anything larger than
 * the caller's bound, checked on the open descriptor (fstat) and again while
 * reading, so a file that grows under us cannot blow the bound.
 *
 * Writes never leave a half-written file: data goes to a temporary file in
 * the target's directory (so rename() stays within one filesystem), is
 * fsync()ed, then renamed over the target; the directory is fsync()ed so the
 * rename itself survives a crash. Without `overwrite`, link() replaces
 * rename() so that an existing file is never replaced, even in a race.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

int wb_open_read(const char *path)
{
    /* O_NONBLOCK: opening a FIFO with no writer must not hang us; it has no
     * effect on the regular files we go on to read */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return wb_error_set(errno == ENOENT ? WB_ENOTFOUND : WB_EIO, "%s: %s", path,
                            strerror(errno));
    return fd;
}

int wb_read_file(char **out, size_t *out_len, const char *path, size_t max)
{
    int fd, rc;

    *out = NULL;
    fd = wb_open_read(path);
    if (fd < 0)
        return fd;
    rc = wb_read_fd(out, out_len, fd, path, max);
    close(fd);
    return rc;
}

int wb_read_fd(char **out, size_t *out_len, int fd, const char *path, size_t max)
{
    struct stat st;
    char *data = NULL;
    size_t cap, len = 0;
    int rc = 0;

    *out = NULL;
    if (fstat(fd, &st) < 0) {
        rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = wb_error_set(WB_EIO, "%s: not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        rc = wb_error_set(WB_ELIMIT, "%s: %lld bytes, more than the limit of %zu", path,
                          (long long)st.st_size, max);
        goto out;
    }
    cap = (size_t)st.st_size + 1;
    data = wb_malloc(cap);
    if (!data) {
        rc = wb_error_set(WB_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    for (;;) {
        ssize_t n;
        if (len == cap - 1) {
            /* the file grew since fstat: probe one byte past the bound */
            char probe;
            n = read(fd, &probe, 1);
            if (n == 0)
                break;
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
                goto out;
            }
            rc = wb_error_set(WB_EIO, "%s: file changed while being read", path);
            goto out;
        }
        n = read(fd, data + len, cap - 1 - len);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
        len += (size_t)n;
    }
    data[len] = '\0';
    *out = data;
    data = NULL;
    if (out_len)
        *out_len = len;
out:
    wb_free(data);
    return rc;
}

int wb_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* 0, or a negative WB_E* code with the message set */
static int fsync_parent(const char *path)
{
    char *copy = wb_strdup(path);
    int fd, rc = 0;
    if (!copy)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", path);
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        /* some filesystems refuse fsync on a directory: that is not our failure */
        if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
            rc = wb_error_set(WB_EIO, "%s: syncing its directory: %s", path, strerror(errno));
        close(fd);
    }
    wb_free(copy);
    return rc;
}

int wb_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         bool overwrite)
{
    char *tmp = NULL;
    int fd = -1, rc = 0;

    tmp = wb_asprintf("%s.tmp.XXXXXX", path);
    if (!tmp)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", path);
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = wb_error_set(WB_EIO, "%s: cannot create a temporary file: %s", path, strerror(errno));
        goto out;
    }
    if (fchmod(fd, mode) < 0 || wb_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    fd = -1;
    if (overwrite) {
        if (rename(tmp, path) < 0) {
            rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
    } else {
        if (link(tmp, path) < 0) {
            rc = errno == EEXIST
                     ? wb_error_set(WB_EEXISTS, "%s: already exists; not replacing it", path)
                     : wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
        unlink(tmp);
    }
    wb_free(tmp);
    tmp = NULL;
    rc = fsync_parent(path);
out:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        wb_free(tmp);
    }
    return rc;
}

/* statfs magics from <linux/magic.h> (and the kernel for the few it does
 * not list), kept as numbers so the table builds on any libc */
const char *wb_pseudo_fs_kind(unsigned long f_type)
{
    static const struct {
        unsigned long magic;
        const char *name;
    } table[] = {
        {0x9fa0, "proc"},          {0x62656572, "sysfs"},      {0x1cd1, "devpts"},
        {0x27e0eb, "cgroup"},      {0x63677270, "cgroup2"},    {0x64626720, "debugfs"},
        {0x74726163, "tracefs"},   {0x73636673, "securityfs"}, {0xcafe4a11, "bpf"},
        {0x6165676c, "pstore"},    {0x62656570, "configfs"},   {0x65735543, "fusectl"},
        {0x958458f6, "hugetlbfs"}, {0x19800202, "mqueue"},     {0x42494e4d, "binfmt_misc"},
        {0xf97cff8c, "selinuxfs"}, {0x43415d53, "smackfs"},    {0xde5e81e4, "efivarfs"},
        {0x6e736673, "nsfs"},      {0x0187, "autofs"},         {0x67596969, "rpc_pipefs"},
        {0x6e667364, "nfsd"},      {0xabba1974, "xenfs"},      {0x9fa1, "openpromfs"},
        {0x9fa2, "usbfs"},
    };
    size_t i;
    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if ((f_type & 0xffffffffUL) == table[i].magic)
            return table[i].name;
    return NULL;
}

const char *wb_pseudo_fs_of(int fd, const char *name, bool mount_point)
{
    struct statfs sfs;
    const char *kind;
    if (fstatfs(fd, &sfs) < 0)
        return NULL;
    kind = wb_pseudo_fs_kind((unsigned long)sfs.f_type);
    if (!kind && mount_point && name && strcmp(name, "dev") == 0 &&
        (unsigned long)sfs.f_type == 0x01021994UL)
        kind = "devtmpfs";
    return kind;
}

int wb_open_beneath(int root, const char *rel, int flags)
{
    static atomic_bool no_openat2;
    struct open_how how;
    char *copy, *component, *save = NULL;
    int fd, dir;

    if (!atomic_load(&no_openat2)) {
        memset(&how, 0, sizeof(how));
        how.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW);
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
        fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
        if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
            return fd;
        atomic_store(&no_openat2, true);
    }
    /* one component at a time; walker-made paths hold no "." or ".." */
    copy = wb_strdup(rel);
    if (!copy) {
        errno = ENOMEM;
        return -1;
    }
    dir = dup(root);
    fd = -1;
    for (component = strtok_r(copy, "/", &save); component && dir >= 0;) {
        char *next = strtok_r(NULL, "/", &save);
        if (strcmp(component, "..") == 0 || strcmp(component, ".") == 0) {
            errno = EXDEV;
            break;
        }
        if (!next) {
            fd = openat(dir, component, flags | O_CLOEXEC | O_NOFOLLOW);
            break;
        }
        {
            int sub = openat(dir, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            close(dir);
            dir = sub;
        }
        component = next;
    }
    if (dir >= 0) {
        int saved = errno;
        close(dir);
        errno = saved;
    }
    wb_free(copy);
    return fd;
}
