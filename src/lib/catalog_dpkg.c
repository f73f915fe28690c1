/*
 * catalog_dpkg.c: Debian binary packages from dpkg's database.
 *
 * The status file (var/lib/dpkg/status, and each file of
 * var/lib/dpkg/status.d/ that distroless images write instead) is a list of
 * paragraphs separated by blank lines, each a list of "Field: value"
 * lines, continuation lines starting with a space or tab (deb-control(5),
 * dpkg's "status" format). Per package we take Package, Version,
 * Architecture, Status and Source.
 *
 * A package is reported when its Status says it is on the system: the
 * third word (the package state, dpkg(1)) is anything but "not-installed"
 * or "config-files"; a paragraph without Status (status.d/) counts as
 * installed. Source: "foo" or "foo (1.2-3)" gives the source package and,
 * when it differs from the binary's, its version: OSV's Debian records
 * name source packages, so the match needs both (dpkg-query's
 * ${source:Package} and ${source:Version} give the same).
 */
#include <string.h>

#include "sbom_internal.h"

typedef struct {
    const char *package, *version, *arch, *status, *source;
    size_t package_len, version_len, arch_len, status_len, source_len;
    size_t line_no;
} paragraph;

static bool key_is(const char *key, size_t key_len, const char *name)
{
    return key_len == strlen(name) && strncasecmp(key, name, key_len) == 0;
}

/* true when the state word of "want flag state" keeps the package */
static bool installed(const char *status, size_t len)
{
    const char *state;
    size_t n, words = 0, i = 0, start = 0;
    if (!status)
        return true;
    state = NULL;
    n = 0;
    while (i <= len) {
        if (i == len || status[i] == ' ' || status[i] == '\t') {
            if (i > start) {
                words++;
                if (words == 3) {
                    state = status + start;
                    n = i - start;
                }
            }
            start = i + 1;
        }
        i++;
    }
    if (!state)
        return false;
    return !(n == 13 && !strncmp(state, "not-installed", n)) &&
           !(n == 12 && !strncmp(state, "config-files", n));
}

static int emit(wb_sbom *sbom, const char *location, const paragraph *p)
{
    wb_sbom_component c = {0};
    char *name = NULL, *version = NULL, *arch = NULL, *src_name = NULL, *src_version = NULL;
    int rc;

    if (!p->package)
        return 0; /* a paragraph without Package: nothing to report */
    if (!installed(p->status, p->status_len))
        return 0;
    rc = WB_EFORMAT;
    if (!(name = wb_sbom_field(p->package, p->package_len, "Package")))
        goto fail;
    if (!p->version) {
        rc = wb_error_set(WB_EFORMAT, "package %s has no Version", name);
        goto fail;
    }
    if (!(version = wb_sbom_field(p->version, p->version_len, "Version")))
        goto fail;
    if (p->arch && !(arch = wb_sbom_field(p->arch, p->arch_len, "Architecture")))
        goto fail;
    if (p->source) {
        /* "name" or "name (version)" */
        const char *open = memchr(p->source, '(', p->source_len);
        size_t nlen = open ? (size_t)(open - p->source) : p->source_len;
        const char *n = wb_sbom_trim(p->source, &nlen);
        if (!(src_name = wb_sbom_field(n, nlen, "Source")))
            goto fail;
        if (open) {
            const char *close = memchr(open, ')', p->source_len - (size_t)(open - p->source));
            size_t vlen;
            const char *v;
            if (!close) {
                rc = wb_error_set(WB_EFORMAT, "package %s: Source without ')'", name);
                goto fail;
            }
            vlen = (size_t)(close - open - 1);
            v = wb_sbom_trim(open + 1, &vlen);
            if (!(src_version = wb_sbom_field(v, vlen, "Source version")))
                goto fail;
        }
    }
    c.ecosystem = WB_ECO_DEBIAN;
    c.purl_type = "deb";
    c.name = name;
    c.version = version;
    c.arch = arch;
    c.source_name = src_name ? src_name : name;
    c.source_version = src_version ? src_version : version;
    c.location = location;
    c.found_by = "dpkg-status";
    rc = wb_sbom_add(sbom, &c);
fail:
    if (rc < 0 && rc != WB_ENOMEM)
        wb_error_prefix(rc, "%s: paragraph at line %zu: ", location, p->line_no);
    wb_free(name);
    wb_free(version);
    wb_free(arch);
    wb_free(src_name);
    wb_free(src_version);
    return rc;
}

int wb_catalog_dpkg(wb_sbom *sbom, const char *location, const char *data, size_t len)
{
    paragraph p;
    size_t pos = 0, line_no = 0, line_len;
    const char *line;
    int rc;
    bool more = true;

    memset(&p, 0, sizeof(p));
    while (more) {
        more = wb_sbom_next_line(data, len, &pos, &line, &line_len);
        line_no++;
        if (more) {
            size_t trimmed_len = line_len;
            const char *key, *value;
            size_t key_len, value_len;
            wb_sbom_trim(line, &trimmed_len);
            if (trimmed_len > 0) {
                if (!p.line_no)
                    p.line_no = line_no;
                if (wb_sbom_split_header(line, line_len, ':', &key, &key_len, &value, &value_len)) {
                    if (key_is(key, key_len, "Package")) {
                        p.package = value;
                        p.package_len = value_len;
                    } else if (key_is(key, key_len, "Version")) {
                        p.version = value;
                        p.version_len = value_len;
                    } else if (key_is(key, key_len, "Architecture")) {
                        p.arch = value;
                        p.arch_len = value_len;
                    } else if (key_is(key, key_len, "Status")) {
                        p.status = value;
                        p.status_len = value_len;
                    } else if (key_is(key, key_len, "Source")) {
                        p.source = value;
                        p.source_len = value_len;
                    }
                }
                continue;
            }
        }
        /* a blank line or the end: the paragraph is complete */
        if (p.line_no) {
            rc = emit(sbom, location, &p);
            if (rc == WB_ENOMEM || rc == WB_ELIMIT)
                return rc;
            if (rc < 0) {
                /* one bad paragraph does not hide the others: noted */
                wb_sbom_note(sbom, "%s", wb_error_last());
            }
        }
        memset(&p, 0, sizeof(p));
    }
    return 0;
}
