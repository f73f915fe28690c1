/*
 * catalog_cargo.c: Rust crates from Cargo.lock.
 *
 * Cargo.lock is TOML written by cargo in a fixed shape (doc.rust-lang.org/
 * cargo, "Cargo.lock"): one [[package]] table per crate with name =,
 * version =, and for crates from a registry source = "registry+<url>" and
 * checksum = "<sha256 hex>". We read that shape only, not TOML at large:
 * a line "[[package]]" opens a package, any other table header closes it,
 * and key = "basic string" lines inside set its fields (escapes \" and \\
 * decoded; other escapes refused). Every package is reported, path and
 * git dependencies and the workspace's own crates included (location
 * says where; the source decides nothing about the purl).
 */
#include <string.h>

#include "sbom_internal.h"

typedef struct {
    char *name, *version, *checksum;
    size_t line_no;
} crate;

static void crate_clear(crate *c)
{
    wb_free(c->name);
    wb_free(c->version);
    wb_free(c->checksum);
    memset(c, 0, sizeof(*c));
}

/* The basic string at s[0..len) ("..."), decoded. */
static char *toml_string(const char *s, size_t len, const char *what)
{
    char *raw, *out;
    size_t i, n = 0;
    if (len < 2 || s[0] != '"' || s[len - 1] != '"') {
        wb_error_set(WB_EFORMAT, "%s is not a basic string", what);
        return NULL;
    }
    if (!(raw = wb_malloc(len)))
        return NULL;
    for (i = 1; i + 1 < len; i++) {
        char ch = s[i];
        if (ch == '"') {
            wb_free(raw);
            wb_error_set(WB_EFORMAT, "%s: unescaped quote", what);
            return NULL;
        }
        if (ch == '\\') {
            if (i + 2 >= len || (s[i + 1] != '"' && s[i + 1] != '\\')) {
                wb_free(raw);
                wb_error_set(WB_EFORMAT, "%s: unsupported escape", what);
                return NULL;
            }
            ch = s[++i];
        }
        raw[n++] = ch;
    }
    out = wb_sbom_field(raw, n, what);
    wb_free(raw);
    return out;
}

static int emit(wb_sbom *sbom, const char *location, crate *c)
{
    wb_sbom_component comp = {0};
    int rc;
    if (!c->line_no)
        return 0;
    if (!c->name || !c->version) {
        rc = wb_error_set(WB_EFORMAT, "%s: [[package]] at line %zu without name or version",
                          location, c->line_no);
        crate_clear(c);
        return rc;
    }
    comp.ecosystem = WB_ECO_CARGO;
    comp.purl_type = "cargo";
    comp.name = c->name;
    comp.version = c->version;
    comp.location = location;
    comp.found_by = "cargo-lock";
    if (c->checksum && strlen(c->checksum) == 64 && strspn(c->checksum, "0123456789abcdef") == 64)
        comp.sha256 = c->checksum;
    rc = wb_sbom_add(sbom, &comp);
    crate_clear(c);
    return rc;
}

int wb_catalog_cargo_lock(wb_sbom *sbom, const char *location, const char *data, size_t len)
{
    crate cur = {0};
    const char *line;
    size_t pos = 0, line_len, line_no = 0;
    int rc = 0;

    while (wb_sbom_next_line(data, len, &pos, &line, &line_len)) {
        const char *t, *key, *value;
        size_t t_len = line_len, key_len, value_len;
        char **slot = NULL;
        line_no++;
        t = wb_sbom_trim(line, &t_len);
        if (t_len == 0 || t[0] == '#')
            continue;
        if (t[0] == '[') {
            if ((rc = emit(sbom, location, &cur)) < 0) {
                if (rc == WB_ENOMEM || rc == WB_ELIMIT)
                    goto out;
                wb_sbom_note(sbom, "%s", wb_error_last());
            }
            if (t_len == 11 && !strncmp(t, "[[package]]", 11))
                cur.line_no = line_no;
            continue;
        }
        if (!cur.line_no)
            continue;
        if (!wb_sbom_split_header(t, t_len, '=', &key, &key_len, &value, &value_len))
            continue;
        if (key_len == 4 && !strncmp(key, "name", 4))
            slot = &cur.name;
        else if (key_len == 7 && !strncmp(key, "version", 7))
            slot = &cur.version;
        else if (key_len == 8 && !strncmp(key, "checksum", 8))
            slot = &cur.checksum;
        if (!slot)
            continue;
        wb_free(*slot);
        if (!(*slot = toml_string(value, value_len, "string"))) {
            rc = wb_error_last_code() == WB_ENOMEM ? WB_ENOMEM : WB_EFORMAT;
            wb_error_prefix(rc, "%s: line %zu: ", location, line_no);
            goto out;
        }
    }
    rc = emit(sbom, location, &cur);
out:
    crate_clear(&cur);
    return rc;
}
