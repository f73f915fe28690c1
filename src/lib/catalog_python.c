/*
 * catalog_python.c: Python distributions from their installed metadata.
 *
 * <name>.dist-info/METADATA (wheels, the Core Metadata specification of
 * packaging.python.org) and <name>.egg-info/PKG-INFO or a file named
 * <name>.egg-info (setuptools) hold the same format: e-mail style header
 * fields up to the first blank line, then the description. We read Name,
 * Version, and License-Expression or License (free text, first line
 * only). Continuation lines (leading blank) belong to the field before
 * them and are skipped. The purl name is normalized as the pypi type asks
 * (lower case, '_' as '-').
 */
#include <string.h>

#include "sbom_internal.h"

int wb_catalog_python(wb_sbom *sbom, const char *location, const char *data, size_t len)
{
    const char *line, *key, *value;
    const char *name = NULL, *version = NULL, *license = NULL, *license_expr = NULL;
    size_t name_len = 0, version_len = 0, license_len = 0, expr_len = 0;
    size_t pos = 0, line_len, key_len, value_len;
    char *f_name = NULL, *f_version = NULL, *f_license = NULL;
    wb_sbom_component c = {0};
    int rc = WB_EFORMAT;

    while (wb_sbom_next_line(data, len, &pos, &line, &line_len)) {
        if (line_len == 0)
            break; /* end of the header */
        if (!wb_sbom_split_header(line, line_len, ':', &key, &key_len, &value, &value_len))
            continue;
        if (key_len == 4 && !strncasecmp(key, "Name", 4) && !name) {
            name = value;
            name_len = value_len;
        } else if (key_len == 7 && !strncasecmp(key, "Version", 7) && !version) {
            version = value;
            version_len = value_len;
        } else if (key_len == 7 && !strncasecmp(key, "License", 7) && !license) {
            license = value;
            license_len = value_len;
        } else if (key_len == 18 && !strncasecmp(key, "License-Expression", 18) && !license_expr) {
            license_expr = value;
            expr_len = value_len;
        }
    }
    if (!name || !version) {
        rc = wb_error_set(WB_EFORMAT, "%s: no Name and Version fields", location);
        goto out;
    }
    if (!(f_name = wb_sbom_field(name, name_len, "Name")) ||
        !(f_version = wb_sbom_field(version, version_len, "Version")))
        goto out;
    if (license_expr) {
        license = license_expr;
        license_len = expr_len;
    }
    /* "UNKNOWN" is what old setuptools writes for no licence */
    if (license && license_len > 0 && !(license_len == 7 && !strncmp(license, "UNKNOWN", 7)) &&
        license_len <= WB_SBOM_MAX_FIELD)
        f_license = wb_sbom_field(license, license_len, "License");
    wb_error_clear();
    c.ecosystem = WB_ECO_PYPI;
    c.purl_type = "pypi";
    c.name = f_name;
    c.version = f_version;
    c.license = f_license;
    c.location = location;
    c.found_by = strstr(location, ".dist-info/") ? "python-dist-info" : "python-egg-info";
    rc = wb_sbom_add(sbom, &c);
out:
    if (rc < 0 && rc != WB_ENOMEM && !strstr(wb_error_last(), location))
        wb_error_prefix(rc, "%s: ", location);
    wb_free(f_name);
    wb_free(f_version);
    wb_free(f_license);
    return rc;
}
