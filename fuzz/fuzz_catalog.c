/*
 * fuzz_catalog.c: the catalogers of the inventory (catalog_*.c) and the
 * two SBOM writers, one target with a selector byte.
 *
 * The first byte picks the file the rest of the input is presented as (so
 * the cataloger wb_sbom_catalog_buffer() dispatches to): 0 dpkg status,
 * 1 npm package-lock.json, 2 node_modules/<pkg>/package.json, 3 Python
 * METADATA, 4 pom.properties, 5 Cargo.lock, 6 os-release, 7 a jar (zip,
 * nested jars included), 8 an executable (Go build information in ELF);
 * the selector is taken modulo 9. Checks:
 *
 *  - the cataloger returns 0 or a negative code with a message, never
 *    WB_EINTERNAL;
 *  - after wb_sbom_finish(), purls are unique and in order, each starts
 *    with "pkg:<type>/", and every name and version is non-empty UTF-8
 *    without control characters, within WB_SBOM_MAX_FIELD bytes;
 *  - the same input read again gives the same components (deterministic);
 *  - both writers succeed, write the same bytes twice, and their output
 *    parses as JSON with as many packages (SPDX: one more, the delivery)
 *    and components as the inventory has.
 *
 * Every violated check is an abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sbom_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    const char *path;
    bool executable;
} targets[] = {
    {"var/lib/dpkg/status", false},
    {"package-lock.json", false},
    {"node_modules/@s/pkg/package.json", false},
    {"lib/x-1.0.dist-info/METADATA", false},
    {"META-INF/maven/g/a/pom.properties", false},
    {"Cargo.lock", false},
    {"etc/os-release", false},
    {"lib/app.jar", false},
    {"usr/bin/app", true},
};

static void check_text(const char *s)
{
    size_t i, n;
    if (!s)
        return;
    n = strlen(s);
    if (n == 0 || n > WB_SBOM_MAX_FIELD || !wb_utf8_valid(s, n))
        abort();
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            abort();
}

static wb_sbom *read_input(const char *path, bool executable, const uint8_t *data, size_t size)
{
    wb_sbom *sbom = NULL;
    int rc;
    if (wb_sbom_new(&sbom, "fuzz") != 0)
        abort();
    wb_error_clear();
    rc = wb_sbom_catalog_buffer(sbom, path, data, size, executable);
    if (rc > 0 || rc == WB_EINTERNAL || (rc < 0 && !wb_error_last()[0]))
        abort();
    if (wb_sbom_finish(sbom) != 0)
        abort();
    return sbom;
}

static void check_writer(const wb_sbom *sbom, bool spdx)
{
    wb_sbom_doc_options opts = {.created = 1764720000};
    char *a = NULL, *b = NULL;
    size_t la = 0, lb = 0, want;
    json_t *doc = NULL;
    int ra = spdx ? wb_sbom_write_spdx(&a, &la, sbom, &opts)
                  : wb_sbom_write_cyclonedx(&a, &la, sbom, &opts);
    int rb = spdx ? wb_sbom_write_spdx(&b, &lb, sbom, &opts)
                  : wb_sbom_write_cyclonedx(&b, &lb, sbom, &opts);
    if (ra != 0 || rb != 0 || la != lb || memcmp(a, b, la) != 0)
        abort();
    if (wb_json_parse(&doc, a, la, "sbom") != 0)
        abort();
    want = wb_sbom_count(sbom) + (spdx ? 1 : 0);
    if (json_array_size(json_object_get(doc, spdx ? "packages" : "components")) != want)
        abort();
    json_decref(doc);
    wb_free(a);
    wb_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_sbom *sbom, *again;
    size_t t, i;

    if (size < 1)
        return 0;
    t = data[0] % (sizeof(targets) / sizeof(targets[0]));
    sbom = read_input(targets[t].path, targets[t].executable, data + 1, size - 1);
    again = read_input(targets[t].path, targets[t].executable, data + 1, size - 1);
    if (wb_sbom_count(sbom) != wb_sbom_count(again))
        abort();
    for (i = 0; i < wb_sbom_count(sbom); i++) {
        const wb_sbom_component *c = wb_sbom_get(sbom, i);
        size_t tl = strlen(c->purl_type);
        if (strcmp(c->purl, wb_sbom_get(again, i)->purl) != 0)
            abort();
        if (strncmp(c->purl, "pkg:", 4) != 0 || strncmp(c->purl + 4, c->purl_type, tl) != 0 ||
            c->purl[4 + tl] != '/')
            abort();
        if (i > 0 && strcmp(wb_sbom_get(sbom, i - 1)->purl, c->purl) >= 0)
            abort();
        check_text(c->name);
        check_text(c->version);
        check_text(c->group);
    }
    check_writer(sbom, true);
    check_writer(sbom, false);
    wb_sbom_free(sbom);
    wb_sbom_free(again);
    return 0;
}
