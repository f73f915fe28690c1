/*
 * catalog_java.c: Maven artifacts from jars and exploded jars.
 *
 * Maven writes META-INF/maven/<groupId>/<artifactId>/pom.properties into
 * every jar it builds: a Java properties file (key=value or key: value,
 * comments after # or !) with groupId, artifactId and version, which give
 * pkg:maven/<groupId>/<artifactId>@<version>. A jar may hold several (a
 * shaded or "fat" jar), each its own component.
 *
 * Jars (.jar, .war, .ear: zip files) are read with libarchive, never
 * unpacked. Jars inside a jar (Spring Boot's BOOT-INF/lib/, a war's
 * WEB-INF/lib/) are read from memory, WB_SBOM_MAX_JAR_DEPTH levels deep
 * (one): deeper ones are noted. A jar without pom.properties is described
 * by its META-INF/MANIFEST.MF main section (JAR File Specification:
 * "Name: value" lines of at most 72 bytes, continued on lines starting
 * with one space): Bundle-SymbolicName or Implementation-Title for the
 * name, Implementation-Version or Bundle-Version for the version,
 * Implementation-Vendor-Id for the group; what is missing comes from the
 * file name ("commons-io-2.11.0.jar"). Such components have found_by
 * "java-manifest", so a reader can tell a guess from Maven's own record.
 * The jar's SHA-256 is the checksum of the component it describes when it
 * describes one: its manifest component, or its only pom.properties.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include <unistd.h>

#include "sbom_internal.h"

#define JAR_MAX_NESTED ((size_t)64 << 20)

static bool key_is(const char *key, size_t key_len, const char *name)
{
    return key_len == strlen(name) && strncmp(key, name, key_len) == 0;
}

int wb_catalog_pom_properties(wb_sbom *sbom, const char *location, const char *data, size_t len)
{
    const char *line, *g = NULL, *a = NULL, *v = NULL;
    size_t pos = 0, line_len, gl = 0, al = 0, vl = 0;
    char *group = NULL, *artifact = NULL, *version = NULL;
    wb_sbom_component c = {0};
    int rc = WB_EFORMAT;

    while (wb_sbom_next_line(data, len, &pos, &line, &line_len)) {
        const char *t = line, *key, *value;
        size_t t_len = line_len, key_len, value_len, eq, colon;
        t = wb_sbom_trim(t, &t_len);
        if (t_len == 0 || t[0] == '#' || t[0] == '!')
            continue;
        /* the first '=' or ':' separates key and value (java.util.Properties) */
        {
            const char *eq_p = memchr(t, '=', t_len), *colon_p = memchr(t, ':', t_len);
            eq = eq_p ? (size_t)(eq_p - t) : t_len;
            colon = colon_p ? (size_t)(colon_p - t) : t_len;
        }
        if (!wb_sbom_split_header(t, t_len, eq < colon ? '=' : ':', &key, &key_len, &value,
                                  &value_len))
            continue;
        if (key_is(key, key_len, "groupId")) {
            g = value;
            gl = value_len;
        } else if (key_is(key, key_len, "artifactId")) {
            a = value;
            al = value_len;
        } else if (key_is(key, key_len, "version")) {
            v = value;
            vl = value_len;
        }
    }
    if (!a || !v) {
        rc = wb_error_set(WB_EFORMAT, "%s: no artifactId and version", location);
        goto out;
    }
    if ((g && !(group = wb_sbom_field(g, gl, "groupId"))) ||
        !(artifact = wb_sbom_field(a, al, "artifactId")) ||
        !(version = wb_sbom_field(v, vl, "version"))) {
        rc = wb_error_prefix(wb_error_last_code(), "%s: ", location);
        goto out;
    }
    c.ecosystem = WB_ECO_MAVEN;
    c.purl_type = "maven";
    c.group = group;
    c.name = artifact;
    c.version = version;
    c.location = location;
    c.found_by = "java-pom-properties";
    rc = wb_sbom_add(sbom, &c);
out:
    wb_free(group);
    wb_free(artifact);
    wb_free(version);
    return rc;
}

/* The value of `key` in the main section of a manifest, continuation
 * lines joined; NULL when absent (a new string otherwise). */
static char *manifest_value(const char *data, size_t len, const char *key)
{
    size_t pos = 0, line_len, klen = strlen(key);
    const char *line;
    wb_buf value = {0};
    bool in_value = false;
    char *out = NULL;

    while (wb_sbom_next_line(data, len, &pos, &line, &line_len)) {
        if (line_len == 0)
            break; /* end of the main section */
        if (in_value) {
            if (line[0] == ' ') {
                wb_buf_append(&value, line + 1, line_len - 1);
                continue;
            }
            break;
        }
        if (line_len > klen + 1 && !strncasecmp(line, key, klen) && line[klen] == ':') {
            const char *v = line + klen + 1;
            size_t vl = line_len - klen - 1;
            if (vl > 0 && v[0] == ' ') {
                v++;
                vl--;
            }
            wb_buf_append(&value, v, vl);
            in_value = true;
        }
    }
    if (in_value && !value.failed && value.len > 0) {
        size_t n = value.len;
        const char *t = wb_sbom_trim(value.data, &n);
        if (n > 0)
            out = wb_sbom_field(t, n, key);
    }
    wb_buf_free(&value);
    wb_error_clear();
    return out;
}

/* "dir/commons-io-2.11.0.jar" -> name "commons-io", version "2.11.0" */
static void name_from_file(const char *location, char **name, char **version)
{
    const char *base = strrchr(location, '/');
    const char *bang = strrchr(location, '!');
    const char *dot, *dash = NULL, *p;
    if (!base || (bang && bang > base))
        base = bang;
    base = base ? base + 1 : location;
    dot = strrchr(base, '.');
    if (!dot || dot == base)
        dot = base + strlen(base);
    for (p = base; p < dot; p++)
        if (*p == '-' && p + 1 < dot && p[1] >= '0' && p[1] <= '9') {
            dash = p;
            break;
        }
    if (dash) {
        *name = wb_sbom_field(base, (size_t)(dash - base), "jar name");
        *version = wb_sbom_field(dash + 1, (size_t)(dot - dash - 1), "jar version");
    } else {
        *name = dot > base ? wb_sbom_field(base, (size_t)(dot - base), "jar name") : NULL;
        *version = NULL;
    }
    wb_error_clear();
}

static int manifest_component(wb_sbom *sbom, const char *location, const char *mf, size_t mf_len,
                              const char *jar_sha256)
{
    char *name = NULL, *version = NULL, *group = NULL, *file_name = NULL, *file_version = NULL;
    wb_sbom_component c = {0};
    int rc = 0;
    if (mf) {
        name = manifest_value(mf, mf_len, "Bundle-SymbolicName");
        if (name)
            name[strcspn(name, ";")] = '\0'; /* ";singleton:=true" */
        if (name && !name[0]) {
            wb_free(name);
            name = NULL;
        }
        if (!name)
            name = manifest_value(mf, mf_len, "Implementation-Title");
        version = manifest_value(mf, mf_len, "Implementation-Version");
        if (!version)
            version = manifest_value(mf, mf_len, "Bundle-Version");
        group = manifest_value(mf, mf_len, "Implementation-Vendor-Id");
    }
    name_from_file(location, &file_name, &file_version);
    c.ecosystem = WB_ECO_MAVEN;
    c.purl_type = "maven";
    c.group = group;
    c.name = name ? name : file_name;
    c.version = version ? version : file_version;
    c.location = location;
    c.found_by = "java-manifest";
    c.sha256 = jar_sha256;
    if (c.name)
        rc = wb_sbom_add(sbom, &c);
    else
        wb_sbom_note(sbom, "%s: no Maven coordinates found", location);
    wb_free(name);
    wb_free(version);
    wb_free(group);
    wb_free(file_name);
    wb_free(file_version);
    return rc;
}

static bool is_jar_name(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && (!strcasecmp(name + n - 4, ".jar") || !strcasecmp(name + n - 4, ".war") ||
                     !strcasecmp(name + n - 4, ".ear"));
}

static int read_jar(wb_sbom *sbom, const char *location, struct archive *a, unsigned depth,
                    const char *jar_sha256)
{
    struct archive_entry *entry;
    char *manifest = NULL;
    size_t manifest_len = 0, poms = 0, first_pom = 0;
    int rc = 0, r;

    while ((r = archive_read_next_header(a, &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *name = archive_entry_pathname_utf8(entry);
        char *inner = NULL, *data = NULL;
        size_t data_len = 0;
        bool pom, mf, jar;
        if (!name)
            name = archive_entry_pathname(entry);
        if (!name || archive_entry_filetype(entry) != AE_IFREG)
            continue;
        if (!wb_sbom_count_entry(sbom))
            break;
        pom = fnmatch("META-INF/maven/*/*/pom.properties", name, FNM_PATHNAME) == 0;
        mf = strcmp(name, "META-INF/MANIFEST.MF") == 0;
        jar = is_jar_name(name);
        if (!pom && !mf && !jar)
            continue;
        if (!(inner = wb_asprintf("%s!/%s", location, name))) {
            rc = wb_error_set(WB_ENOMEM, "out of memory");
            break;
        }
        if (jar && depth >= WB_SBOM_MAX_JAR_DEPTH) {
            wb_sbom_note(sbom, "%s: jar nested deeper than %d level, not read", inner,
                         WB_SBOM_MAX_JAR_DEPTH);
            wb_free(inner);
            continue;
        }
        rc = wb_sbom_read_entry(a, entry, jar ? JAR_MAX_NESTED : WB_SBOM_MAX_SMALL_FILE, inner,
                                &data, &data_len);
        if (rc == 0) {
            wb_sbom_count_file(sbom);
            if (pom) {
                rc = wb_catalog_pom_properties(sbom, inner, data, data_len);
                if (rc == 0 && poms++ == 0)
                    first_pom = wb_sbom_count(sbom) - 1;
            } else if (mf) {
                wb_free(manifest);
                manifest = data;
                manifest_len = data_len;
                data = NULL;
            } else {
                rc = wb_catalog_jar_buffer(sbom, inner, data, data_len, depth + 1);
            }
        }
        wb_free(data);
        wb_free(inner);
        if (rc == WB_ENOMEM || rc == WB_ELIMIT) {
            if (rc == WB_ELIMIT && wb_sbom_count(sbom) < WB_SBOM_MAX_COMPONENTS) {
                wb_sbom_note(sbom, "%s", wb_error_last());
                rc = 0;
                continue;
            }
            break;
        }
        if (rc == WB_EIO) {
            /* the zip itself is damaged: keep what was read */
            wb_sbom_note(sbom, "%s", wb_error_last());
            rc = 0;
            break;
        }
        if (rc < 0) {
            wb_sbom_note(sbom, "%s", wb_error_last());
            rc = 0;
        }
    }
    if (rc == 0 && r != ARCHIVE_EOF && r != ARCHIVE_OK && r != ARCHIVE_WARN) {
        if (archive_file_count(a) <= 1 && !manifest && poms == 0) {
            /* not one entry could be read: not a jar, nothing to guess */
            rc = wb_error_set(WB_EFORMAT, "%s: not a zip file: %s", location,
                              archive_error_string(a));
            goto out;
        }
        wb_sbom_note(sbom, "%s: %s", location, archive_error_string(a));
    }
    if (rc == 0 && poms == 0)
        rc = manifest_component(sbom, location, manifest, manifest_len, jar_sha256);
    /* the jar's digest is the artifact's only when the jar is that one
     * artifact (not a shaded jar of several) */
    if (rc == 0 && poms == 1 && jar_sha256)
        rc = wb_sbom_set_sha256(sbom, first_pom, jar_sha256);
out:
    wb_free(manifest);
    return rc;
}

static struct archive *jar_reader(void)
{
    struct archive *a = archive_read_new();
    if (a)
        archive_read_support_format_zip(a);
    return a;
}

int wb_catalog_jar_buffer(wb_sbom *sbom, const char *location, const void *data, size_t len,
                          unsigned depth)
{
    unsigned char digest[WB_SHA256_LEN];
    char hex[2 * WB_SHA256_LEN + 1];
    struct archive *a;
    int rc;
    if (depth > WB_SBOM_MAX_JAR_DEPTH) {
        wb_sbom_note(sbom, "%s: jar nested deeper than %d level, not read", location,
                     WB_SBOM_MAX_JAR_DEPTH);
        return 0;
    }
    if ((rc = wb_digest_buffer(digest, WB_DIGEST_SHA256, data, len)) < 0)
        return rc;
    wb_hex_encode(hex, digest, sizeof(digest));
    if (!(a = jar_reader()))
        return wb_error_set(WB_ENOMEM, "out of memory");
    if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
        rc = wb_error_set(WB_EFORMAT, "%s: not a zip file: %s", location, archive_error_string(a));
        archive_read_free(a);
        return rc;
    }
    rc = read_jar(sbom, location, a, depth, hex);
    archive_read_free(a);
    return rc;
}

int wb_catalog_jar_fd(wb_sbom *sbom, const char *location, int fd)
{
    unsigned char digest[WB_SHA256_LEN];
    char hex[2 * WB_SHA256_LEN + 1];
    struct archive *a;
    int rc;
    /* the jar's SHA-256 first (streamed), then the jar from its start */
    if ((rc = wb_digest_fd(digest, NULL, WB_DIGEST_SHA256, fd, location)) < 0)
        return rc;
    wb_hex_encode(hex, digest, sizeof(digest));
    if (lseek(fd, 0, SEEK_SET) < 0)
        return wb_error_set(WB_EIO, "%s: %s", location, strerror(errno));
    if (!(a = jar_reader()))
        return wb_error_set(WB_ENOMEM, "out of memory");
    if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK) {
        rc = wb_error_set(WB_EFORMAT, "%s: not a zip file: %s", location, archive_error_string(a));
        archive_read_free(a);
        return rc;
    }
    rc = read_jar(sbom, location, a, 0, hex);
    archive_read_free(a);
    return rc;
}
