/*
 * catalog_go.c: Go modules from the build information of Go binaries.
 *
 * Since Go 1.18 the linker writes a section .go.buildinfo into ELF
 * binaries: a 32-byte header that starts with the 14 bytes "\xff Go
 * buildinf:", then a pointer size byte and a flags byte; when flag 0x2 is
 * set the header is followed by two strings, each a length in unsigned
 * LEB128 ("varint") and its bytes: the Go version ("go1.19.8") and the
 * module information. The module information is framed by 16 bytes on
 * each side (recognized by a '\n' 17 bytes from its end) and holds
 * tab-separated lines (the format `go version -m` prints and
 * runtime/debug.BuildInfo reads):
 *
 *   path  <main package>
 *   mod   <main module> <version> [<sum>]
 *   dep   <module> <version> [<sum>]
 *   =>    <replacement module> <version> [<sum>]   (replaces the line above)
 *   build <key>=<value>
 *
 * Components: the main module (version left out when it is "(devel)"),
 * every dep, and the standard library as "stdlib" at the Go version
 * without its "go" prefix (as OSV's Go ecosystem names it). A replaced
 * module is reported as its replacement when that has a version, else
 * (a replacement by a local directory) as the module and version required.
 *
 * We read the section table (ELF32/ELF64, either byte order) through a
 * positioned reader, so only the headers and the section are read, not the
 * binary. The older pointer-based format (Go before 1.18) and binaries
 * without section headers are noted as not read. Other object formats
 * (Mach-O, PE) are not looked at.
 */
#include <string.h>

#include "sbom_internal.h"

#define GO_MAGIC       "\xff Go buildinf:"
#define GO_MAGIC_LEN   14
#define GO_MAX_MODINFO ((size_t)16 << 20)
#define GO_MAX_VERSION 1024

typedef struct {
    const wb_sbom_reader *r;
    bool is64, big;
} elf;

static uint64_t get_uint(const unsigned char *p, size_t n, bool big)
{
    uint64_t v = 0;
    size_t i;
    for (i = 0; i < n; i++)
        v |= (uint64_t)p[big ? i : n - 1 - i] << (8 * (n - 1 - i));
    return v;
}

static int read_at(const wb_sbom_reader *r, uint64_t off, void *buf, size_t len)
{
    uint64_t end;
    if (__builtin_add_overflow(off, (uint64_t)len, &end) || end > r->size)
        return wb_error_set(WB_EFORMAT, "ELF: offset %llu+%zu beyond the file",
                            (unsigned long long)off, len);
    return r->read_at(r->ctx, off, buf, len);
}

/* Offset and size of .go.buildinfo; 0 found, 1 not present, <0 error. */
static int find_section(const elf *e, uint64_t *off_out, uint64_t *size_out)
{
    unsigned char hdr[64], sh[64];
    uint64_t shoff, str_off, str_size;
    unsigned shentsize, shnum, shstrndx, i;
    size_t want_ent = e->is64 ? 64 : 40;
    int rc;

    if ((rc = read_at(e->r, 0, hdr, e->is64 ? 64 : 52)) < 0)
        return rc;
    if (e->is64) {
        shoff = get_uint(hdr + 0x28, 8, e->big);
        shentsize = (unsigned)get_uint(hdr + 0x3a, 2, e->big);
        shnum = (unsigned)get_uint(hdr + 0x3c, 2, e->big);
        shstrndx = (unsigned)get_uint(hdr + 0x3e, 2, e->big);
    } else {
        shoff = get_uint(hdr + 0x20, 4, e->big);
        shentsize = (unsigned)get_uint(hdr + 0x2e, 2, e->big);
        shnum = (unsigned)get_uint(hdr + 0x30, 2, e->big);
        shstrndx = (unsigned)get_uint(hdr + 0x32, 2, e->big);
    }
    if (shoff == 0 || shnum == 0)
        return 1; /* no section headers (or extended numbering): not read */
    if (shentsize != want_ent || shstrndx >= shnum)
        return wb_error_set(WB_EFORMAT, "ELF: malformed section header table");

#define SECTION(idx, off, size)                                                                    \
    do {                                                                                           \
        if ((rc = read_at(e->r, shoff + (uint64_t)(idx)*want_ent, sh, want_ent)) < 0)              \
            return rc;                                                                             \
        off = e->is64 ? get_uint(sh + 0x18, 8, e->big) : get_uint(sh + 0x10, 4, e->big);           \
        size = e->is64 ? get_uint(sh + 0x20, 8, e->big) : get_uint(sh + 0x14, 4, e->big);          \
    } while (0)

    SECTION(shstrndx, str_off, str_size);
    for (i = 0; i < shnum; i++) {
        uint64_t off, size, name_off;
        char name[GO_MAGIC_LEN];
        SECTION(i, off, size);
        name_off = get_uint(sh, 4, e->big);
        if (name_off >= str_size || str_size - name_off < sizeof(name))
            continue;
        if ((rc = read_at(e->r, str_off + name_off, name, sizeof(name))) < 0)
            return rc;
        if (memcmp(name, ".go.buildinfo", 14) == 0) {
            *off_out = off;
            *size_out = size;
            return 0;
        }
    }
#undef SECTION
    return 1;
}

/* An unsigned LEB128 number at data[*pos..len). */
static bool uvarint(const unsigned char *data, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    while (*pos < len && shift < 64) {
        unsigned char b = data[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
        shift += 7;
    }
    return false;
}

typedef struct {
    char *path, *version;
    const char *found_by;
} gomod;

static void gomod_clear(gomod *m)
{
    wb_free(m->path);
    wb_free(m->version);
    memset(m, 0, sizeof(*m));
}

static int add_module(wb_sbom *sbom, const char *location, const char *path, const char *version,
                      const char *found_by)
{
    wb_sbom_component c = {0};
    const char *slash = strrchr(path, '/');
    char *group = NULL;
    int rc;
    if (slash && slash[1]) {
        if (!(group = wb_strndup(path, (size_t)(slash - path))))
            return wb_error_set(WB_ENOMEM, "out of memory");
        c.name = slash + 1;
    } else {
        c.name = path;
    }
    c.ecosystem = WB_ECO_GO;
    c.purl_type = "golang";
    c.group = group;
    c.version = version && strcmp(version, "(devel)") ? version : NULL;
    c.location = location;
    c.found_by = found_by;
    rc = wb_sbom_add(sbom, &c);
    wb_free(group);
    return rc;
}

static int flush(wb_sbom *sbom, const char *location, gomod *m)
{
    int rc = 0;
    if (m->path)
        rc = add_module(sbom, location, m->path, m->version, m->found_by);
    gomod_clear(m);
    return rc;
}

/* Fields of a modinfo line after its first tab: field[0..n) */
static size_t split_tabs(const char *line, size_t len, const char **field, size_t *flen, size_t max)
{
    size_t n = 0, start = 0, i;
    for (i = 0; i <= len && n < max; i++) {
        if (i == len || line[i] == '\t') {
            field[n] = line + start;
            flen[n] = i - start;
            n++;
            start = i + 1;
        }
    }
    return n;
}

static int parse_modinfo(wb_sbom *sbom, const char *location, const char *mod, size_t len)
{
    gomod cur = {0};
    size_t pos = 0, line_len;
    const char *line;
    int rc = 0;

    while (wb_sbom_next_line(mod, len, &pos, &line, &line_len)) {
        const char *f[4];
        size_t fl[4], n = split_tabs(line, line_len, f, fl, 4);
        bool is_mod = n >= 3 && fl[0] == 3 && !memcmp(f[0], "mod", 3);
        bool is_dep = n >= 3 && fl[0] == 3 && !memcmp(f[0], "dep", 3);
        bool is_rep = n >= 2 && fl[0] == 2 && !memcmp(f[0], "=>", 2);
        char *path, *version = NULL;
        if (!is_mod && !is_dep && !is_rep)
            continue;
        if (!(path = wb_sbom_field(f[1], fl[1], "module path")) ||
            (n >= 3 && fl[2] > 0 && !(version = wb_sbom_field(f[2], fl[2], "module version")))) {
            rc = wb_error_last_code();
            wb_free(path);
            goto out;
        }
        if (is_rep) {
            bool local = path[0] == '.' || path[0] == '/';
            if (cur.path && version && strcmp(version, "(devel)") != 0 && !local) {
                /* replaced by another module version: that is what was built */
                wb_free(cur.path);
                wb_free(cur.version);
                cur.path = path;
                cur.version = version;
            } else {
                wb_free(path);
                wb_free(version);
            }
            continue;
        }
        if ((rc = flush(sbom, location, &cur)) < 0) {
            wb_free(path);
            wb_free(version);
            goto out;
        }
        cur.path = path;
        cur.version = version;
        cur.found_by = is_mod ? "go-binary-main" : "go-binary";
    }
    rc = flush(sbom, location, &cur);
out:
    gomod_clear(&cur);
    return rc;
}

int wb_catalog_go(wb_sbom *sbom, const char *location, const wb_sbom_reader *reader)
{
    unsigned char ident[16], hdr[32], *sect = NULL;
    uint64_t off = 0, size = 0, vlen, mlen;
    size_t want, pos;
    elf e = {reader, false, false};
    char *goversion = NULL;
    int rc;

    if (reader->size < 64)
        return 0;
    if ((rc = read_at(reader, 0, ident, sizeof(ident))) < 0)
        return rc;
    if (memcmp(ident,
               "\x7f"
               "ELF",
               4) != 0)
        return 0;
    if ((ident[4] != 1 && ident[4] != 2) || (ident[5] != 1 && ident[5] != 2))
        return 0;
    e.is64 = ident[4] == 2;
    e.big = ident[5] == 2;
    rc = find_section(&e, &off, &size);
    if (rc != 0)
        return rc < 0 ? wb_error_prefix(rc, "%s: ", location) : 0;
    if (size < 32 || (rc = read_at(reader, off, hdr, 32)) < 0)
        return 0;
    if (memcmp(hdr, GO_MAGIC, GO_MAGIC_LEN) != 0)
        return 0;
    if (!(hdr[15] & 0x2)) {
        wb_sbom_note(sbom, "%s: Go build information of Go before 1.18, not read", location);
        return 1;
    }
    want = size - 32 > GO_MAX_MODINFO + 2 * GO_MAX_VERSION ? GO_MAX_MODINFO + 2 * GO_MAX_VERSION
                                                           : (size_t)(size - 32);
    if (!(sect = wb_malloc(want ? want : 1)))
        return wb_error_set(WB_ENOMEM, "out of memory");
    if ((rc = read_at(reader, off + 32, sect, want)) < 0)
        goto out;
    pos = 0;
    if (!uvarint(sect, want, &pos, &vlen) || vlen > GO_MAX_VERSION || vlen > want - pos) {
        rc = wb_error_set(WB_EFORMAT, "%s: Go build information: bad version string", location);
        goto out;
    }
    if (vlen > 2 && !memcmp(sect + pos, "go", 2)) {
        size_t n = (size_t)vlen - 2;
        const char *sp = memchr(sect + pos + 2, ' ', n);
        if (sp)
            n = (size_t)(sp - (const char *)(sect + pos + 2));
        if (n > 0 && !(goversion = wb_sbom_field((const char *)sect + pos + 2, n, "Go version"))) {
            rc = wb_error_prefix(wb_error_last_code(), "%s: ", location);
            goto out;
        }
    }
    pos += (size_t)vlen;
    if (!uvarint(sect, want, &pos, &mlen) || mlen > want - pos) {
        rc = wb_error_set(WB_EFORMAT, "%s: Go build information: bad module string", location);
        goto out;
    }
    if (mlen >= 33 && sect[pos + mlen - 17] == '\n') {
        pos += 16;
        mlen -= 32;
    }
    if ((rc = parse_modinfo(sbom, location, (const char *)sect + pos, (size_t)mlen)) < 0) {
        if (rc != WB_ENOMEM && !strstr(wb_error_last(), location))
            wb_error_prefix(rc, "%s: ", location);
        goto out;
    }
    if (goversion && (rc = add_module(sbom, location, "stdlib", goversion, "go-binary-stdlib")) < 0)
        goto out;
    rc = 1;
out:
    wb_free(goversion);
    wb_free(sect);
    return rc;
}
