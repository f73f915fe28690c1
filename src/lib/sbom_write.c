/*
 * sbom_write.c: the inventory as SPDX 2.3 JSON and CycloneDX 1.6 JSON.
 *
 * Both documents are functions of the finished inventory and the caller's
 * creation time only, so the same delivery gives the same bytes: the
 * components are in purl order (wb_sbom_finish), the SPDX
 * documentNamespace ends in the hex content digest and the CycloneDX
 * serialNumber is a version-5-shaped UUID cut from the same digest (RFC
 * 4122 layout: version nibble 5, variant 10).
 *
 * SPDX 2.3 (spdx.github.io/spdx-spec/v2.3, JSON schema of the
 * support/2.3 branch): one package "SPDXRef-Delivery" for the delivery,
 * DESCRIBED by the document, CONTAINing one package per component; every
 * package has filesAnalyzed false, NOASSERTION for download location,
 * licences and copyright (waybill does not conclude licences; a declared
 * licence that is free text is kept in the comment), the purl as a
 * PACKAGE-MANAGER external reference, checksums when known (npm
 * integrity, Cargo checksum, a jar's own SHA-256). SPDXRef ids are
 * "SPDXRef-Package-" + index + "-" + the name with every character outside
 * [A-Za-z0-9.-] as '-', which the idstring rule allows.
 *
 * CycloneDX 1.6 (cyclonedx.org/docs/1.6/json): metadata.component is the
 * delivery, components are "library" (Go main modules "application"),
 * bom-ref is the purl (unique after deduplication), hashes as SHA-256 /
 * SHA-512, and what the two standards lack a field for (where it was
 * found, the cataloger, the Debian source package) as "waybill:*"
 * properties.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sbom_internal.h"

static int set_str(json_t *obj, const char *key, const char *value)
{
    json_t *s;
    if (!value)
        return 0;
    s = json_string(value);
    if (!s || json_object_set_new(obj, key, s) < 0)
        return wb_error_set(WB_ENOMEM, "JSON: cannot hold '%s' of %s", key, value);
    return 0;
}

static int append(json_t *array, json_t *value)
{
    if (!value || json_array_append_new(array, value) < 0)
        return wb_error_set(WB_ENOMEM, "out of memory");
    return 0;
}

static int format_time(char *out, size_t size, int64_t created)
{
    time_t t = (time_t)created;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return wb_error_set(WB_EINVAL, "creation time %lld cannot be written", (long long)created);
    return 0;
}

static int dump(char **out, size_t *out_len, json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(2));
    size_t len;
    if (!text)
        return wb_error_set(WB_ENOMEM, "out of memory");
    len = strlen(text);
    *out = wb_malloc(len + 2);
    if (!*out) {
        free(text);
        return wb_error_set(WB_ENOMEM, "out of memory");
    }
    memcpy(*out, text, len);
    (*out)[len] = '\n';
    (*out)[len + 1] = '\0';
    free(text);
    if (out_len)
        *out_len = len + 1;
    return 0;
}

/* "@babel/core", "github.com/x/y", "org.slf4j:slf4j-api", "curl" */
static char *display_name(const wb_sbom_component *c)
{
    if (!c->group)
        return wb_strdup(c->name);
    if (c->ecosystem == WB_ECO_MAVEN)
        return wb_asprintf("%s:%s", c->group, c->name);
    if (c->ecosystem == WB_ECO_DEBIAN)
        return wb_strdup(c->name);
    return wb_asprintf("%s/%s", c->group, c->name);
}

static const char *tool_name(const wb_sbom_doc_options *opts, char *buf, size_t size)
{
    if (opts && opts->tool)
        return opts->tool;
    snprintf(buf, size, "waybill-%s", wb_version());
    return buf;
}

static int check_args(char **out, const wb_sbom *sbom, const char *what)
{
    if (!out || !sbom)
        return wb_error_set(WB_EINVAL, "%s: NULL argument", what);
    *out = NULL;
    return 0;
}

static char *spdx_id(size_t index, const char *name)
{
    char *id = wb_asprintf("SPDXRef-Package-%zu-%s", index, name);
    char *p;
    if (!id)
        return NULL;
    for (p = id + strlen("SPDXRef-"); *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-'))
            *p = '-';
    return id;
}

static json_t *relationship(const char *from, const char *type, const char *to)
{
    return json_pack("{s:s, s:s, s:s}", "spdxElementId", from, "relationshipType", type,
                     "relatedSpdxElement", to);
}

static int spdx_package(json_t *packages, json_t *relationships, const wb_sbom_component *c,
                        size_t index)
{
    json_t *pkg = json_object(), *refs, *sums;
    char *name = display_name(c), *id = name ? spdx_id(index, name) : NULL, *text = NULL;
    int rc = WB_ENOMEM;
    if (!pkg || !name || !id)
        goto out;
    if (set_str(pkg, "SPDXID", id) || set_str(pkg, "name", name) ||
        set_str(pkg, "versionInfo", c->version) ||
        set_str(pkg, "downloadLocation", "NOASSERTION") ||
        json_object_set_new(pkg, "filesAnalyzed", json_false()) < 0 ||
        set_str(pkg, "licenseConcluded", "NOASSERTION") ||
        set_str(pkg, "licenseDeclared", "NOASSERTION") ||
        set_str(pkg, "copyrightText", "NOASSERTION"))
        goto out;
    if (c->ecosystem == WB_ECO_DEBIAN && c->source_name) {
        text = wb_asprintf("built package from: %s %s", c->source_name,
                           c->source_version ? c->source_version : "");
        if (!text || set_str(pkg, "sourceInfo", text))
            goto out;
        wb_free(text);
        text = NULL;
    }
    text = wb_asprintf("found at %s by waybill's %s cataloger%s%s", c->location ? c->location : "?",
                       c->found_by ? c->found_by : "?", c->license ? "; declared licence: " : "",
                       c->license ? c->license : "");
    if (!text || set_str(pkg, "comment", text))
        goto out;
    refs = json_pack("[{s:s, s:s, s:s}]", "referenceCategory", "PACKAGE-MANAGER", "referenceType",
                     "purl", "referenceLocator", c->purl);
    if (!refs || json_object_set_new(pkg, "externalRefs", refs) < 0)
        goto out;
    if (c->sha256 || c->sha512) {
        if (!(sums = json_array()) || json_object_set_new(pkg, "checksums", sums) < 0)
            goto out;
        if (c->sha256 && append(sums, json_pack("{s:s, s:s}", "algorithm", "SHA256",
                                                "checksumValue", c->sha256)) < 0)
            goto out;
        if (c->sha512 && append(sums, json_pack("{s:s, s:s}", "algorithm", "SHA512",
                                                "checksumValue", c->sha512)) < 0)
            goto out;
    }
    if (append(packages, pkg) < 0) {
        pkg = NULL;
        goto out;
    }
    pkg = NULL;
    if (append(relationships, relationship("SPDXRef-Delivery", "CONTAINS", id)) < 0)
        goto out;
    rc = 0;
out:
    if (rc == WB_ENOMEM)
        wb_error_set(WB_ENOMEM, "out of memory");
    json_decref(pkg);
    wb_free(text);
    wb_free(id);
    wb_free(name);
    return rc;
}

int wb_sbom_write_spdx(char **out, size_t *out_len, const wb_sbom *sbom,
                       const wb_sbom_doc_options *opts)
{
    unsigned char digest[32];
    char hex[65], created[32], toolbuf[64], *ns = NULL, *tool = NULL;
    json_t *doc = NULL, *packages, *relationships, *delivery;
    size_t i;
    int rc;

    if ((rc = check_args(out, sbom, "wb_sbom_write_spdx")) < 0)
        return rc;
    if ((rc = wb_sbom_content_digest(digest, sbom)) < 0 ||
        (rc = format_time(created, sizeof(created), opts ? opts->created : 0)) < 0)
        return rc;
    wb_hex_encode(hex, digest, sizeof(digest));
    rc = WB_ENOMEM;
    ns = wb_asprintf("https://waybill.invalid/spdx/sha256-%s", hex);
    tool = wb_asprintf("Tool: %s", tool_name(opts, toolbuf, sizeof(toolbuf)));
    if (!ns || !tool || !(doc = json_object()))
        goto out;
    /* owned by doc from here on (json_object_set_new steals them) */
    packages = json_array();
    relationships = json_array();
    if (json_object_set_new(doc, "packages", packages) < 0 ||
        json_object_set_new(doc, "relationships", relationships) < 0)
        goto out;
    if (json_object_set_new(doc, "spdxVersion", json_string("SPDX-2.3")) ||
        set_str(doc, "dataLicense", "CC0-1.0") || set_str(doc, "SPDXID", "SPDXRef-DOCUMENT") ||
        set_str(doc, "name", wb_sbom_name(sbom)) || set_str(doc, "documentNamespace", ns) ||
        json_object_set_new(doc, "creationInfo",
                            json_pack("{s:s, s:[s]}", "created", created, "creators", tool)) < 0)
        goto out;
    delivery = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s}", "SPDXID", "SPDXRef-Delivery",
                         "name", wb_sbom_name(sbom), "downloadLocation", "NOASSERTION",
                         "filesAnalyzed", 0, "licenseConcluded", "NOASSERTION", "licenseDeclared",
                         "NOASSERTION", "copyrightText", "NOASSERTION");
    if (append(packages, delivery) < 0 ||
        append(relationships, relationship("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Delivery")) <
            0)
        goto out;
    for (i = 0; i < wb_sbom_count(sbom); i++)
        if ((rc = spdx_package(packages, relationships, wb_sbom_get(sbom, i), i + 1)) < 0)
            goto out;
    rc = dump(out, out_len, doc);
out:
    if (rc == WB_ENOMEM && !*out)
        wb_error_set(WB_ENOMEM, "out of memory");
    json_decref(doc);
    wb_free(ns);
    wb_free(tool);
    return rc;
}

static int add_property(json_t *props, const char *name, const char *value)
{
    if (!value)
        return 0;
    return append(props, json_pack("{s:s, s:s}", "name", name, "value", value));
}

static int cdx_component(json_t *components, json_t *depends, const wb_sbom_component *c)
{
    json_t *comp = json_object(), *props = json_array(), *hashes;
    char *name = NULL, *source = NULL;
    int rc = WB_ENOMEM;
    bool go_main = c->found_by && !strcmp(c->found_by, "go-binary-main");
    if (!comp || !props)
        goto out;
    if (c->ecosystem == WB_ECO_GO)
        name = display_name(c); /* the whole module path */
    else
        name = wb_strdup(c->name);
    if (!name || set_str(comp, "type", go_main ? "application" : "library") ||
        set_str(comp, "bom-ref", c->purl))
        goto out;
    if (c->group && c->ecosystem != WB_ECO_GO && set_str(comp, "group", c->group))
        goto out;
    if (set_str(comp, "name", name) || set_str(comp, "version", c->version))
        goto out;
    if (c->sha256 || c->sha512) {
        if (!(hashes = json_array()) || json_object_set_new(comp, "hashes", hashes) < 0)
            goto out;
        if (c->sha256 &&
            append(hashes, json_pack("{s:s, s:s}", "alg", "SHA-256", "content", c->sha256)) < 0)
            goto out;
        if (c->sha512 &&
            append(hashes, json_pack("{s:s, s:s}", "alg", "SHA-512", "content", c->sha512)) < 0)
            goto out;
    }
    if (c->license &&
        json_object_set_new(comp, "licenses",
                            json_pack("[{s:{s:s}}]", "license", "name", c->license)) < 0)
        goto out;
    if (set_str(comp, "purl", c->purl))
        goto out;
    if (c->ecosystem == WB_ECO_DEBIAN && c->source_name) {
        source = wb_asprintf("%s %s", c->source_name, c->source_version ? c->source_version : "");
        if (!source)
            goto out;
    }
    if (add_property(props, "waybill:location", c->location) < 0 ||
        add_property(props, "waybill:found-by", c->found_by) < 0 ||
        add_property(props, "waybill:deb:arch", c->arch) < 0 ||
        add_property(props, "waybill:deb:source", source) < 0)
        goto out;
    if (json_array_size(props) > 0) {
        if (json_object_set(comp, "properties", props) < 0)
            goto out;
    }
    if (append(components, comp) < 0) {
        comp = NULL;
        goto out;
    }
    comp = NULL;
    if (append(depends, json_string(c->purl)) < 0)
        goto out;
    rc = 0;
out:
    if (rc == WB_ENOMEM)
        wb_error_set(WB_ENOMEM, "out of memory");
    json_decref(comp);
    json_decref(props);
    wb_free(name);
    wb_free(source);
    return rc;
}

int wb_sbom_write_cyclonedx(char **out, size_t *out_len, const wb_sbom *sbom,
                            const wb_sbom_doc_options *opts)
{
    unsigned char digest[32];
    char hex[65], uuid[64], created[32];
    json_t *doc = NULL, *components, *depends, *metadata;
    size_t i;
    int rc;

    if ((rc = check_args(out, sbom, "wb_sbom_write_cyclonedx")) < 0)
        return rc;
    if ((rc = wb_sbom_content_digest(digest, sbom)) < 0 ||
        (rc = format_time(created, sizeof(created), opts ? opts->created : 0)) < 0)
        return rc;
    digest[6] = (unsigned char)((digest[6] & 0x0f) | 0x50);
    digest[8] = (unsigned char)((digest[8] & 0x3f) | 0x80);
    wb_hex_encode(hex, digest, 16);
    snprintf(uuid, sizeof(uuid), "urn:uuid:%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
             hex + 16, hex + 20);
    rc = WB_ENOMEM;
    doc = json_object();
    components = json_array();
    depends = json_array();
    metadata = json_pack("{s:s, s:{s:[{s:s, s:s, s:s}]}, s:{s:s, s:s, s:s}}", "timestamp", created,
                         "tools", "components", "type", "application", "name", "waybill", "version",
                         wb_version(), "component", "type", "application", "bom-ref", "delivery",
                         "name", wb_sbom_name(sbom));
    if (!doc || !components || !depends || !metadata || set_str(doc, "bomFormat", "CycloneDX") ||
        set_str(doc, "specVersion", "1.6") || set_str(doc, "serialNumber", uuid) ||
        json_object_set_new(doc, "version", json_integer(1)) < 0 ||
        json_object_set_new(doc, "metadata", metadata) < 0) {
        if (doc && metadata && !json_object_get(doc, "metadata"))
            json_decref(metadata);
        json_decref(components);
        json_decref(depends);
        goto out;
    }
    if (json_object_set_new(doc, "components", components) < 0) {
        json_decref(depends);
        goto out;
    }
    for (i = 0; i < wb_sbom_count(sbom); i++)
        if ((rc = cdx_component(components, depends, wb_sbom_get(sbom, i))) < 0) {
            json_decref(depends);
            goto out;
        }
    rc = WB_ENOMEM;
    if (json_object_set_new(doc, "dependencies",
                            json_pack("[{s:s, s:o}]", "ref", "delivery", "dependsOn", depends)) < 0)
        goto out;
    rc = dump(out, out_len, doc);
out:
    if (rc == WB_ENOMEM && !*out)
        wb_error_set(WB_ENOMEM, "out of memory");
    json_decref(doc);
    return rc;
}
