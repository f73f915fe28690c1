/*
 * sbom_scan.c: walk a delivery and hand its files to the catalogers.
 *
 * Three inputs: a directory (a delivery, or the root of a whole system), an
 * archive read with libarchive (tar in its variants, zip, cpio; never
 * unpacked), or one file. Files are picked by path alone
 * (wb_catalog_match), so the walk opens only the few files a package
 * manager writes, plus executables, whose first bytes say whether they are
 * ELF (Go build information is looked for only there).
 *
 * Why not tree.c's walker: it hashes every file, refuses what a delivery
 * may not hold, and reports nothing until the end; an inventory of a root
 * file system must read few files, go past sockets and devices, and stay
 * out of /proc and /sys. So this is a separate, simpler walk with the same
 * manners: directories are opened relative to their parent (openat,
 * O_NOFOLLOW | O_DIRECTORY), symbolic links are never followed, a file is
 * checked to be the regular file that was listed before it is read
 * (fstat after open), and every size is bounded before anything is
 * allocated. Pseudo file systems are recognized by their statfs magic
 * (wb_pseudo_fs_of() in fileio.c: proc, sysfs, devpts, cgroup, debugfs and
 * the rest) and not entered, nor is a "dev" mount point (devtmpfs has
 * tmpfs's magic). Excluded directories (fnmatch patterns) are pruned
 * before they are opened. Nothing here is fatal but running out of
 * memory: an unreadable file or directory, a malformed lock file, a file
 * over its bound is noted (wb_sbom_note) and the walk goes on.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbom_internal.h"

#define OS_RELEASE_MAX ((size_t)64 << 10)

/* --- which file goes where --- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* `path` equals `tail` or ends with "/" + tail */
static bool path_is(const char *path, const char *tail)
{
    size_t n = strlen(path), m = strlen(tail);
    if (n < m || memcmp(path + n - m, tail, m) != 0)
        return false;
    return n == m || path[n - m - 1] == '/';
}

/* The directory part of `path` (before the last '/'), as start/len. */
static size_t dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) : 0;
}

/* The last component of path[0..len). */
static const char *component_before(const char *path, size_t len, size_t *out_len)
{
    size_t start = len;
    while (start > 0 && path[start - 1] != '/')
        start--;
    *out_len = len - start;
    return path + start;
}

/* path[0..dlen) equals `tail` or ends with "/" + tail */
static bool dir_is(const char *path, size_t dlen, const char *tail)
{
    size_t m = strlen(tail);
    if (dlen < m || memcmp(path + dlen - m, tail, m) != 0)
        return false;
    return dlen == m || path[dlen - m - 1] == '/';
}

wb_catalog_kind wb_catalog_match(const char *path, bool executable)
{
    const char *base = strrchr(path, '/');
    size_t dlen = dir_len(path), plen, gplen;
    const char *parent, *grand;
    base = base ? base + 1 : path;
    parent = component_before(path, dlen, &plen);

    if (path_is(path, "var/lib/dpkg/status"))
        return WB_CAT_DPKG_STATUS;
    if (dlen > 0 && dir_is(path, dlen, "var/lib/dpkg/status.d") && base[0] != '.' &&
        !ends_with(base, ".md5sums"))
        return WB_CAT_DPKG_STATUS; /* status.d/<pkg>, not <pkg>.md5sums */
    if (!strcmp(path, "etc/os-release") || !strcmp(path, "usr/lib/os-release"))
        return WB_CAT_OS_RELEASE;
    if (!strcmp(base, "package-lock.json") || !strcmp(base, "npm-shrinkwrap.json") ||
        path_is(path, "node_modules/.package-lock.json"))
        return WB_CAT_NPM_LOCK;
    if (!strcmp(base, "package.json") && plen > 0) {
        /* node_modules/<name>/package.json or node_modules/@scope/<name>/package.json */
        size_t glen = parent - path > 0 ? (size_t)(parent - path - 1) : 0;
        grand = parent > path ? component_before(path, glen, &gplen) : NULL;
        if (grand && gplen == 12 && !memcmp(grand, "node_modules", 12))
            /* node_modules/@scope/package.json: a scope folder, not a package */
            return parent[0] == '@' ? WB_CAT_NONE : WB_CAT_NPM_PACKAGE;
        if (grand && gplen > 1 && grand[0] == '@' && grand > path) {
            size_t gglen;
            const char *gg = component_before(path, (size_t)(grand - path - 1), &gglen);
            if (gglen == 12 && !memcmp(gg, "node_modules", 12))
                return WB_CAT_NPM_PACKAGE;
        }
        return WB_CAT_NONE;
    }
    if (!strcmp(base, "METADATA") && plen > 10 && !memcmp(parent + plen - 10, ".dist-info", 10))
        return WB_CAT_PYTHON;
    if (!strcmp(base, "PKG-INFO") && plen > 9 && !memcmp(parent + plen - 9, ".egg-info", 9))
        return WB_CAT_PYTHON;
    if (ends_with(base, ".egg-info") && strlen(base) > 9)
        return WB_CAT_PYTHON;
    if (!strcmp(base, "pom.properties")) {
        const char *m = path;
        while ((m = strstr(m, "META-INF/maven/"))) {
            if ((m == path || m[-1] == '/') &&
                fnmatch("META-INF/maven/*/*/pom.properties", m, FNM_PATHNAME) == 0)
                return WB_CAT_POM_PROPS;
            m++;
        }
        return WB_CAT_NONE;
    }
    if (!strcmp(base, "Cargo.lock"))
        return WB_CAT_CARGO_LOCK;
    if (ends_with_ci(base, ".jar") || ends_with_ci(base, ".war") || ends_with_ci(base, ".ear"))
        return WB_CAT_JAR;
    if (executable)
        return WB_CAT_EXECUTABLE;
    return WB_CAT_NONE;
}

size_t wb_catalog_max_size(wb_catalog_kind kind)
{
    switch (kind) {
    case WB_CAT_DPKG_STATUS:
    case WB_CAT_NPM_LOCK:
    case WB_CAT_CARGO_LOCK:
        return WB_SBOM_MAX_TEXT_FILE;
    case WB_CAT_OS_RELEASE:
        return OS_RELEASE_MAX;
    case WB_CAT_JAR:
    case WB_CAT_EXECUTABLE:
        return WB_SBOM_MAX_BINARY;
    default:
        return WB_SBOM_MAX_SMALL_FILE;
    }
}

/* --- os-release (freedesktop.org os-release(5)) --- */

/* A shell-style value: "quoted", 'quoted' or bare; backslash escapes in
 * double quotes. New string, or NULL. */
static char *os_release_value(const char *v, size_t n)
{
    char buf[256];
    size_t out = 0, i = 0;
    char quote = 0;
    if (n > 0 && (v[0] == '"' || v[0] == '\'')) {
        quote = v[0];
        i = 1;
    }
    for (; i < n && out < sizeof(buf) - 1; i++) {
        if (quote && v[i] == quote)
            break;
        if (quote == '"' && v[i] == '\\' && i + 1 < n)
            i++;
        buf[out++] = v[i];
    }
    return out ? wb_sbom_field(buf, out, "os-release value") : NULL;
}

int wb_catalog_os_release(wb_sbom *sbom, const char *location, const char *data, size_t len)
{
    const char *line, *key, *value;
    size_t pos = 0, line_len, key_len, value_len, i;
    char *id = NULL, *version_id = NULL;
    (void)location;
    while (wb_sbom_next_line(data, len, &pos, &line, &line_len)) {
        if (!wb_sbom_split_header(line, line_len, '=', &key, &key_len, &value, &value_len))
            continue;
        if (key_len == 2 && !memcmp(key, "ID", 2) && !id)
            id = os_release_value(value, value_len);
        else if (key_len == 10 && !memcmp(key, "VERSION_ID", 10) && !version_id)
            version_id = os_release_value(value, value_len);
    }
    wb_error_clear();
    if (id) {
        for (i = 0; id[i]; i++)
            if (id[i] >= 'A' && id[i] <= 'Z')
                id[i] = (char)(id[i] - 'A' + 'a');
        wb_sbom_set_distro(sbom, id, version_id);
    }
    wb_free(id);
    wb_free(version_id);
    return 0;
}

/* --- readers for Go binaries --- */

static int mem_read_at(void *ctx, uint64_t off, void *buf, size_t len)
{
    const wb_sbom_membuf *mem = ctx;
    if (off > mem->len || len > mem->len - off)
        return wb_error_set(WB_EFORMAT, "read beyond the end");
    memcpy(buf, mem->data + off, len);
    return 0;
}

void wb_sbom_reader_mem(wb_sbom_reader *reader, wb_sbom_membuf *mem, const void *data, size_t len)
{
    mem->data = data;
    mem->len = len;
    reader->read_at = mem_read_at;
    reader->ctx = mem;
    reader->size = len;
}

typedef struct {
    int fd;
    const char *name;
} fd_ctx;

static int fd_read_at(void *ctx, uint64_t off, void *buf, size_t len)
{
    const fd_ctx *f = ctx;
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(f->fd, (char *)buf + got, len - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return wb_error_set(WB_EIO, "%s: %s", f->name, strerror(errno));
        if (n == 0)
            return wb_error_set(WB_EFORMAT, "%s: shorter than its headers say", f->name);
        got += (size_t)n;
    }
    return 0;
}

/* --- dispatch --- */

/* Hand one file in memory to its cataloger. */
static int dispatch_buffer(wb_sbom *sbom, wb_catalog_kind kind, const char *location,
                           const char *data, size_t len)
{
    wb_sbom_reader reader;
    wb_sbom_membuf mem;
    int rc;
    switch (kind) {
    case WB_CAT_DPKG_STATUS:
        return wb_catalog_dpkg(sbom, location, data, len);
    case WB_CAT_NPM_LOCK:
        return wb_catalog_npm_lock(sbom, location, data, len);
    case WB_CAT_NPM_PACKAGE:
        return wb_catalog_npm_package(sbom, location, data, len);
    case WB_CAT_PYTHON:
        return wb_catalog_python(sbom, location, data, len);
    case WB_CAT_POM_PROPS:
        return wb_catalog_pom_properties(sbom, location, data, len);
    case WB_CAT_CARGO_LOCK:
        return wb_catalog_cargo_lock(sbom, location, data, len);
    case WB_CAT_OS_RELEASE:
        return wb_catalog_os_release(sbom, location, data, len);
    case WB_CAT_JAR:
        return wb_catalog_jar_buffer(sbom, location, data, len, 0);
    case WB_CAT_EXECUTABLE:
        wb_sbom_reader_mem(&reader, &mem, data, len);
        rc = wb_catalog_go(sbom, location, &reader);
        return rc > 0 ? 0 : rc;
    default:
        return 0;
    }
}

int wb_sbom_catalog_buffer(wb_sbom *sbom, const char *path, const void *data, size_t len,
                           bool executable)
{
    wb_catalog_kind kind;
    int rc;
    if (!sbom || !path || (!data && len))
        return wb_error_set(WB_EINVAL, "wb_sbom_catalog_buffer: NULL argument");
    kind = wb_catalog_match(path, executable);
    if (kind == WB_CAT_NONE)
        return 0;
    if (len > wb_catalog_max_size(kind)) {
        wb_sbom_note(sbom, "%s: larger than %zu bytes, not read", path, wb_catalog_max_size(kind));
        return wb_error_set(WB_ELIMIT, "%s: larger than %zu bytes", path,
                            wb_catalog_max_size(kind));
    }
    wb_sbom_count_file(sbom);
    rc = dispatch_buffer(sbom, kind, path, data ? data : "", len);
    if (rc < 0 && rc != WB_ENOMEM)
        wb_sbom_note(sbom, "%s", wb_error_last());
    return rc;
}

/* Note a cataloger's failure; only running out of memory stops the walk. */
static int noted(wb_sbom *sbom, int rc)
{
    if (rc == WB_ENOMEM)
        return rc;
    if (rc < 0)
        wb_sbom_note(sbom, "%s", wb_error_last());
    return 0;
}

/* --- directories --- */

typedef struct {
    wb_sbom *sbom;
    const wb_sbom_options *opts;
    dev_t root_dev;
} walker;

static bool excluded(const walker *w, const char *rel)
{
    size_t i;
    if (!w->opts)
        return false;
    for (i = 0; i < w->opts->nexcludes; i++)
        if (w->opts->excludes[i] && fnmatch(w->opts->excludes[i], rel, 0) == 0)
            return true;
    return false;
}

/* The name of a pseudo file system, or NULL for a real one. */
static int catalog_open_file(walker *w, int fd, const char *rel, wb_catalog_kind kind,
                             const struct stat *st)
{
    wb_sbom *sbom = w->sbom;
    size_t max = wb_catalog_max_size(kind);
    char *data = NULL;
    size_t len = 0;
    int rc;

    if (kind == WB_CAT_EXECUTABLE) {
        fd_ctx ctx = {fd, rel};
        wb_sbom_reader reader = {fd_read_at, &ctx, (uint64_t)st->st_size};
        rc = wb_catalog_go(sbom, rel, &reader);
        if (rc > 0)
            wb_sbom_count_file(sbom);
        return noted(sbom, rc > 0 ? 0 : rc);
    }
    if (kind == WB_CAT_JAR) {
        wb_sbom_count_file(sbom);
        return noted(sbom, wb_catalog_jar_fd(sbom, rel, fd));
    }
    if ((uint64_t)st->st_size > max) {
        wb_sbom_note(sbom, "%s: larger than %zu bytes, not read", rel, max);
        return 0;
    }
    if ((rc = wb_read_fd(&data, &len, fd, rel, max)) < 0)
        return noted(sbom, rc);
    wb_sbom_count_file(sbom);
    rc = dispatch_buffer(sbom, kind, rel, data, len);
    wb_free(data);
    return noted(sbom, rc);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(walker *w, int dfd, const char *rel, dev_t dir_dev, unsigned depth);

static int visit(walker *w, int dfd, const char *name, const char *rel, dev_t dir_dev,
                 unsigned depth)
{
    wb_sbom *sbom = w->sbom;
    struct stat st, st2;
    int fd, rc;

    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        wb_sbom_note(sbom, "%s: %s", rel, strerror(errno));
        return 0;
    }
    if (S_ISDIR(st.st_mode)) {
        const char *pseudo;
        if (excluded(w, rel))
            return 0;
        if (depth + 1 >= WB_SBOM_MAX_DEPTH) {
            wb_sbom_note(sbom, "%s: nested deeper than %d directories, not entered", rel,
                         WB_SBOM_MAX_DEPTH);
            return 0;
        }
        if (st.st_dev != w->root_dev && w->opts && w->opts->one_file_system) {
            wb_sbom_note(sbom, "%s: another file system, not entered", rel);
            return 0;
        }
        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            wb_sbom_note(sbom, "%s: %s", rel, strerror(errno));
            return 0;
        }
        if ((pseudo = wb_pseudo_fs_of(fd, name, st.st_dev != dir_dev))) {
            wb_sbom_note(sbom, "%s: a %s file system, not entered", rel, pseudo);
            close(fd);
            return 0;
        }
        return walk_dir(w, fd, rel, st.st_dev, depth + 1);
    }
    if (S_ISREG(st.st_mode)) {
        wb_catalog_kind kind = wb_catalog_match(rel, (st.st_mode & 0111) != 0);
        if (kind == WB_CAT_NONE || excluded(w, rel))
            return 0;
        /* executables that cannot hold an ELF header and a section table */
        if (kind == WB_CAT_EXECUTABLE && st.st_size < 64)
            return 0;
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
            wb_sbom_note(sbom, "%s: %s", rel, strerror(errno));
            return 0;
        }
        if (fstat(fd, &st2) < 0 || !S_ISREG(st2.st_mode) || st2.st_ino != st.st_ino ||
            st2.st_dev != st.st_dev) {
            wb_sbom_note(sbom, "%s: changed while being read, skipped", rel);
            close(fd);
            return 0;
        }
        rc = catalog_open_file(w, fd, rel, kind, &st2);
        close(fd);
        return rc;
    }
    return 0; /* symbolic links, devices, FIFOs, sockets: nothing to read */
}

static int walk_dir(walker *w, int dfd, const char *rel, dev_t dir_dev, unsigned depth)
{
    DIR *dir = fdopendir(dfd);
    struct dirent *de;
    char **names = NULL;
    size_t count = 0, cap = 0, i;
    int rc = 0;

    if (!dir) {
        wb_sbom_note(w->sbom, "%s: %s", rel[0] ? rel : ".", strerror(errno));
        close(dfd);
        return 0;
    }
    for (;;) {
        errno = 0;
        de = readdir(dir);
        if (!de) {
            if (errno)
                wb_sbom_note(w->sbom, "%s: %s", rel[0] ? rel : ".", strerror(errno));
            break;
        }
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (!wb_sbom_count_entry(w->sbom))
            break;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            char **grown = wb_reallocarray(names, ncap, sizeof(*grown));
            if (!grown) {
                rc = wb_error_set(WB_ENOMEM, "out of memory");
                goto out;
            }
            names = grown;
            cap = ncap;
        }
        if (!(names[count] = wb_strdup(de->d_name))) {
            rc = wb_error_set(WB_ENOMEM, "out of memory");
            goto out;
        }
        count++;
    }
    /* sorted, so that notes and first-found locations do not depend on
     * the order the file system lists names in */
    if (count > 1)
        qsort(names, count, sizeof(*names), name_cmp);
    for (i = 0; i < count; i++) {
        char *child = rel[0] ? wb_asprintf("%s/%s", rel, names[i]) : wb_strdup(names[i]);
        if (!child) {
            rc = wb_error_set(WB_ENOMEM, "out of memory");
            goto out;
        }
        rc = visit(w, dirfd(dir), names[i], child, dir_dev, depth);
        wb_free(child);
        if (rc < 0)
            goto out;
    }
out:
    for (i = 0; i < count; i++)
        wb_free(names[i]);
    wb_free(names);
    closedir(dir);
    return rc;
}

/* --- archives --- */

static bool archive_excluded(const walker *w, const char *name)
{
    char *copy;
    char *slash;
    bool hit = false;
    if (!w->opts || !w->opts->nexcludes)
        return false;
    if (!(copy = wb_strdup(name)))
        return false;
    /* every directory on the way, then the entry: what a walk would prune */
    for (slash = strchr(copy, '/'); slash && !hit; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        hit = excluded(w, copy);
        *slash = '/';
    }
    if (!hit)
        hit = excluded(w, copy);
    wb_free(copy);
    return hit;
}

int wb_sbom_read_entry(struct archive *a, struct archive_entry *entry, size_t max, const char *name,
                       char **out, size_t *out_len)
{
    int64_t declared = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : -1;
    size_t cap, got = 0;
    char *buf;
    if (declared > 0 && (uint64_t)declared > max)
        return wb_error_set(WB_ELIMIT, "%s: larger than %zu bytes, not read", name, max);
    /* the declared size when there is one (a zip entry may have none, or
     * lie): the bound holds either way */
    cap = declared >= 0 ? (size_t)declared + 1 : 64 << 10;
    if (!(buf = wb_malloc(cap)))
        return wb_error_set(WB_ENOMEM, "out of memory");
    for (;;) {
        la_ssize_t n;
        if (got + 1 >= cap) {
            size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;
            char *grown;
            if (got >= max + 1) {
                wb_free(buf);
                return wb_error_set(WB_ELIMIT, "%s: larger than %zu bytes, not read", name, max);
            }
            if (!(grown = wb_reallocarray(buf, ncap, 1))) {
                wb_free(buf);
                return wb_error_set(WB_ENOMEM, "out of memory");
            }
            buf = grown;
            cap = ncap;
        }
        n = archive_read_data(a, buf + got, cap - 1 - got);
        if (n < 0) {
            wb_free(buf);
            return wb_error_set(WB_EIO, "%s: %s", name, archive_error_string(a));
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (got > max) {
        wb_free(buf);
        return wb_error_set(WB_ELIMIT, "%s: larger than %zu bytes, not read", name, max);
    }
    buf[got] = '\0';
    *out = buf;
    *out_len = got;
    return 0;
}

static struct archive *delivery_reader(void)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    archive_read_support_format_zip(a);
    archive_read_support_format_cpio(a);
    return a;
}

static int scan_archive(walker *w, struct archive *a)
{
    struct archive_entry *entry;
    wb_sbom *sbom = w->sbom;
    int r, rc = 0;

    while ((r = archive_read_next_header(a, &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *name = archive_entry_pathname_utf8(entry);
        wb_catalog_kind kind;
        char *data = NULL;
        size_t len = 0;
        if (!name)
            name = archive_entry_pathname(entry);
        if (!name)
            continue;
        if (!wb_sbom_count_entry(sbom))
            break;
        while (name[0] == '.' && name[1] == '/')
            name += 2;
        while (name[0] == '/')
            name++;
        if (!name[0] || archive_entry_filetype(entry) != AE_IFREG)
            continue;
        kind = wb_catalog_match(name, (archive_entry_perm(entry) & 0111) != 0);
        if (kind == WB_CAT_NONE || archive_excluded(w, name))
            continue;
        rc = wb_sbom_read_entry(a, entry, wb_catalog_max_size(kind), name, &data, &len);
        if (rc == WB_EIO) {
            wb_sbom_note(sbom, "%s", wb_error_last());
            rc = 0;
            break; /* a damaged archive: stop here, keep what was read */
        }
        if (rc == 0) {
            wb_sbom_count_file(sbom);
            rc = dispatch_buffer(sbom, kind, name, data, len);
            wb_free(data);
        }
        if ((rc = noted(sbom, rc)) < 0)
            return rc;
    }
    if (r != ARCHIVE_EOF && r != ARCHIVE_OK && r != ARCHIVE_WARN)
        wb_sbom_note(sbom, "archive: %s", archive_error_string(a));
    return rc;
}

/* --- the entry point --- */

static char *delivery_name(const char *path)
{
    size_t n = strlen(path);
    const char *end, *start;
    while (n > 1 && path[n - 1] == '/')
        n--;
    end = path + n;
    start = end;
    while (start > path && start[-1] != '/')
        start--;
    if (start == end)
        return wb_strdup(n ? "/" : ".");
    return wb_strndup(start, (size_t)(end - start));
}

int wb_sbom_scan(wb_sbom **out, const char *path, const wb_sbom_options *opts)
{
    wb_sbom *sbom = NULL;
    walker w;
    struct stat st;
    char *name = NULL;
    int fd = -1, rc;

    if (!out || !path)
        return wb_error_set(WB_EINVAL, "wb_sbom_scan: NULL argument");
    *out = NULL;
    if (!(name = delivery_name(path)))
        return wb_error_set(WB_ENOMEM, "out of memory");
    rc = wb_sbom_new(&sbom, name);
    if (rc < 0)
        goto out;
    memset(&w, 0, sizeof(w));
    w.sbom = sbom;
    w.opts = opts;
    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    w.root_dev = st.st_dev;
    if (S_ISDIR(st.st_mode)) {
        const char *pseudo;
        if ((pseudo = wb_pseudo_fs_of(fd, "", false))) {
            wb_sbom_note(sbom, "%s: a %s file system, not entered", path, pseudo);
        } else {
            rc = walk_dir(&w, fd, "", st.st_dev, 0);
            fd = -1; /* closed by walk_dir */
            if (rc < 0)
                goto out;
        }
    } else if (S_ISREG(st.st_mode)) {
        wb_catalog_kind kind = wb_catalog_match(name, (st.st_mode & 0111) != 0);
        struct archive *a = NULL;
        if (kind == WB_CAT_JAR || kind == WB_CAT_NONE || kind == WB_CAT_EXECUTABLE) {
            if (kind != WB_CAT_JAR && (a = delivery_reader()) &&
                archive_read_open_fd(a, fd, 1 << 20) == ARCHIVE_OK) {
                rc = scan_archive(&w, a);
                archive_read_free(a);
                if (rc < 0)
                    goto out;
                goto finish;
            }
            if (a)
                archive_read_free(a);
            if (lseek(fd, 0, SEEK_SET) < 0) {
                rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
                goto out;
            }
            if (kind == WB_CAT_NONE) {
                wb_sbom_note(sbom, "%s: neither an archive nor a file waybill reads", path);
                goto finish;
            }
        }
        if ((rc = catalog_open_file(&w, fd, name, kind, &st)) < 0)
            goto out;
    } else {
        rc = wb_error_set(WB_EIO, "%s: neither a directory nor a regular file", path);
        goto out;
    }
finish:
    if ((rc = wb_sbom_finish(sbom)) < 0)
        goto out;
    *out = sbom;
    sbom = NULL;
out:
    if (fd >= 0)
        close(fd);
    wb_sbom_free(sbom);
    wb_free(name);
    return rc;
}
