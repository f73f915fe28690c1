/*
 * catalog_npm.c: npm packages from lock files and installed package.json.
 *
 * package-lock.json, npm-shrinkwrap.json and node_modules/.package-lock.json
 * (docs.npmjs.com, "package-lock.json"): lockfileVersion 2 and 3 list every
 * installed package under "packages", keyed by its folder
 * ("node_modules/a/node_modules/@s/b"): the package name is what follows
 * the last "node_modules/", unless the entry has "name" (an alias
 * installed under another folder name). The root ("") and links to
 * workspace folders are not packages of the delivery; entries outside any
 * node_modules/ (workspace sources) are skipped too. lockfileVersion 1 has
 * only the nested "dependencies" tree, read to a bounded depth, with
 * "npm:name@version" aliases. "integrity" (SRI, sha512-<base64>) becomes
 * the SHA-512 checksum.
 *
 * node_modules/<name>/package.json and node_modules/@scope/<name>/
 * package.json give "name" and "version" of what is installed.
 *
 * JSON goes through wb_json_parse(), which refuses duplicate keys.
 */
#include <string.h>

#include "sbom_internal.h"

#define NPM_V1_MAX_DEPTH 64

/* "sha512-<base64>" into 128 hex digits, or NULL (not an error) */
static char *integrity_sha512(const char *integrity)
{
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    char *hex = NULL;
    const char *p;
    size_t n;
    if (!integrity || strncmp(integrity, "sha512-", 7) != 0)
        return NULL;
    p = integrity + 7;
    n = strcspn(p, " \t"); /* SRI may list several hashes */
    if (wb_base64_decode(&raw, &raw_len, p, n) == 0 && raw_len == 64 && (hex = wb_malloc(129)))
        wb_hex_encode(hex, raw, 64);
    wb_free(raw);
    wb_error_clear();
    return hex;
}

static int add_package(wb_sbom *sbom, const char *location, const char *found_by,
                       const char *full_name, const char *version, const char *integrity)
{
    wb_sbom_component c = {0};
    char *group = NULL, *hex = NULL;
    int rc;
    if (!full_name || !full_name[0] || !version || !version[0])
        return 0;
    if (strlen(full_name) > WB_SBOM_MAX_FIELD || strlen(version) > WB_SBOM_MAX_FIELD ||
        !wb_utf8_valid(full_name, strlen(full_name)))
        return wb_error_set(WB_EFORMAT, "%s: name or version too long or not UTF-8", location);
    c.name = full_name;
    if (full_name[0] == '@') {
        const char *slash = strchr(full_name, '/');
        if (!slash || !slash[1])
            return wb_error_set(WB_EFORMAT, "%s: scoped name '%s' without a package name", location,
                                full_name);
        if (!(group = wb_strndup(full_name, (size_t)(slash - full_name))))
            return wb_error_set(WB_ENOMEM, "out of memory");
        c.group = group;
        c.name = slash + 1;
    }
    hex = integrity_sha512(integrity);
    c.ecosystem = WB_ECO_NPM;
    c.purl_type = "npm";
    c.version = version;
    c.location = location;
    c.found_by = found_by;
    c.sha512 = hex;
    rc = wb_sbom_add(sbom, &c);
    wb_free(group);
    wb_free(hex);
    return rc;
}

static int lock_v2(wb_sbom *sbom, const char *location, json_t *packages)
{
    const char *key;
    json_t *entry;
    json_object_foreach(packages, key, entry)
    {
        const char *name, *version, *last;
        int rc;
        if (!json_is_object(entry) || !key[0])
            continue;
        if (json_is_true(json_object_get(entry, "link")))
            continue;
        last = NULL;
        for (const char *p = key; (p = strstr(p, "node_modules/")); p += 13)
            last = p + 13;
        if (!last || !last[0])
            continue;
        name = json_string_value(json_object_get(entry, "name"));
        if (!name)
            name = last;
        version = json_string_value(json_object_get(entry, "version"));
        rc = add_package(sbom, location, "npm-lock", name, version,
                         json_string_value(json_object_get(entry, "integrity")));
        if (rc == WB_ENOMEM || rc == WB_ELIMIT)
            return rc;
        if (rc < 0)
            wb_sbom_note(sbom, "%s", wb_error_last());
    }
    return 0;
}

static int lock_v1(wb_sbom *sbom, const char *location, json_t *deps, unsigned depth)
{
    const char *key;
    json_t *entry;
    if (depth > NPM_V1_MAX_DEPTH)
        return wb_error_set(WB_ELIMIT, "%s: dependencies nested deeper than %d", location,
                            NPM_V1_MAX_DEPTH);
    json_object_foreach(deps, key, entry)
    {
        const char *version;
        char *alias_name = NULL;
        int rc;
        if (!json_is_object(entry))
            continue;
        version = json_string_value(json_object_get(entry, "version"));
        if (version && !strncmp(version, "npm:", 4)) {
            /* "npm:real-name@1.2.3" */
            const char *at = strrchr(version + 4, '@');
            if (at && at > version + 4) {
                alias_name = wb_strndup(version + 4, (size_t)(at - version - 4));
                if (!alias_name)
                    return wb_error_set(WB_ENOMEM, "out of memory");
                version = at + 1;
            }
        }
        rc = add_package(sbom, location, "npm-lock", alias_name ? alias_name : key, version,
                         json_string_value(json_object_get(entry, "integrity")));
        wb_free(alias_name);
        if (rc == WB_ENOMEM || rc == WB_ELIMIT)
            return rc;
        if (rc < 0)
            wb_sbom_note(sbom, "%s", wb_error_last());
        if (json_is_object(json_object_get(entry, "dependencies"))) {
            rc = lock_v1(sbom, location, json_object_get(entry, "dependencies"), depth + 1);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

int wb_catalog_npm_lock(wb_sbom *sbom, const char *location, const char *data, size_t len)
{
    json_t *root = NULL, *packages;
    int rc = wb_json_parse(&root, data, len, location);
    if (rc < 0)
        return rc;
    if (!json_is_object(root)) {
        rc = wb_error_set(WB_EFORMAT, "%s: not a JSON object", location);
        goto out;
    }
    packages = json_object_get(root, "packages");
    if (json_is_object(packages))
        rc = lock_v2(sbom, location, packages);
    else if (json_is_object(json_object_get(root, "dependencies")))
        rc = lock_v1(sbom, location, json_object_get(root, "dependencies"), 0);
    else
        rc = wb_error_set(WB_EFORMAT, "%s: neither \"packages\" nor \"dependencies\"", location);
out:
    json_decref(root);
    return rc;
}

int wb_catalog_npm_package(wb_sbom *sbom, const char *location, const char *data, size_t len)
{
    json_t *root = NULL;
    const char *name, *version;
    int rc = wb_json_parse(&root, data, len, location);
    if (rc < 0)
        return rc;
    name = json_string_value(json_object_get(root, "name"));
    version = json_string_value(json_object_get(root, "version"));
    if (!json_is_object(root) || !name || !version)
        rc = wb_error_set(WB_EFORMAT, "%s: no \"name\" and \"version\"", location);
    else
        rc = add_package(sbom, location, "npm-package", name, version, NULL);
    json_decref(root);
    return rc;
}
