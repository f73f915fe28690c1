/*
 * test_sbom.c: the inventory (sbom.c, sbom_write.c, sbom_scan.c): Package
 * URLs, deduplication, the SPDX 2.3 and CycloneDX 1.6 writers, the walk.
 *
 * Purl answers are the purl specification's own examples (PURL-TYPES and
 * the "Character encoding" section) plus the corners its rules decide:
 * ':' kept, '@' '/' '?' '#' '%' '+' ' ' and non-ASCII bytes encoded, type
 * normalizations, sorted and lower-cased qualifier keys, empty values
 * dropped, "." and ".." dropped from subpaths. The parsers' own edge cases
 * are in test_catalog.c; the comparisons with dpkg-query, npm ls and
 * `go version -m` and the schema validation are in
 * tests/interop/test_sbom_interop.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sbom_internal.h"
#include "expect.h"
#include "oom.h"

static void check_purl(const char *expected, const char *type, const char *ns, const char *name,
                       const char *version, const char *const *quals, size_t nq,
                       const char *subpath)
{
    char *purl = NULL;
    int rc = wb_purl_build(&purl, type, ns, name, version, quals, nq, subpath);
    if (rc != 0)
        fail_msg("purl %s: %s", expected, wb_error_last());
    if (strcmp(purl, expected) != 0)
        fail_msg("purl: expected %s, got %s", expected, purl);
    wb_free(purl);
}

static void test_purl_spec_examples(void **state)
{
    static const char *const deb_q[] = {"arch", "i386", "distro", "jessie"};
    static const char *const deb_src[] = {"arch", "source"};
    static const char *const maven_q[] = {"type", "pom"};
    (void)state;
    check_purl("pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie", "deb", "debian", "curl",
               "7.50.3-1", deb_q, 2, NULL);
    /* the colon of an epoch is not encoded */
    check_purl("pkg:deb/debian/attr@1:2.4.47-2?arch=source", "deb", "debian", "attr", "1:2.4.47-2",
               deb_src, 1, NULL);
    check_purl("pkg:npm/%40angular/animation@12.3.1", "npm", "@angular", "animation", "12.3.1",
               NULL, 0, NULL);
    check_purl("pkg:npm/foobar@12.3.1", "npm", NULL, "foobar", "12.3.1", NULL, 0, NULL);
    check_purl("pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?type=pom", "maven",
               "org.apache.xmlgraphics", "batik-anim", "1.9.1", maven_q, 1, NULL);
    check_purl("pkg:pypi/django@1.11.1", "pypi", NULL, "django", "1.11.1", NULL, 0, NULL);
    check_purl("pkg:golang/google.golang.org/genproto#googleapis/api/annotations", "golang",
               "google.golang.org", "genproto", NULL, NULL, 0, "googleapis/api/annotations");
    check_purl("pkg:cargo/rand@0.7.2", "cargo", NULL, "rand", "0.7.2", NULL, 0, NULL);
}

static void test_purl_normalization(void **state)
{
    static const char *const quals[] = {"Repository_URL", "https://x.org/a b", "arch", "",
                                        "checksum",       "sha256:ab"};
    (void)state;
    /* type lower-cased; deb, npm and pypi names lower-cased; pypi '_' -> '-' */
    check_purl("pkg:pypi/django-allauth@0.1", "PyPI", NULL, "Django_Allauth", "0.1", NULL, 0, NULL);
    check_purl("pkg:npm/%40babel/core@7.0.0-Beta.1", "npm", "@Babel", "Core", "7.0.0-Beta.1", NULL,
               0, NULL);
    check_purl("pkg:deb/ubuntu/libc6@2.35", "deb", "Ubuntu", "LibC6", "2.35", NULL, 0, NULL);
    /* golang and maven keep case (case-sensitive identifiers) */
    check_purl("pkg:golang/github.com/BurntSushi/toml@v1.3.2", "golang", "github.com/BurntSushi",
               "toml", "v1.3.2", NULL, 0, NULL);
    check_purl("pkg:maven/org.Example/Thing@1", "maven", "org.Example", "Thing", "1", NULL, 0,
               NULL);
    /* qualifiers: keys lower case, sorted, empty values left out, values encoded */
    check_purl("pkg:generic/x@1?checksum=sha256:ab&repository_url=https:%2F%2Fx.org%2Fa%20b",
               "generic", NULL, "x", "1", quals, 3, NULL);
    /* subpath: "." and ".." and empty segments dropped; nothing left, no '#' */
    check_purl("pkg:generic/x#a/b", "generic", NULL, "x", NULL, NULL, 0, "./a//../b/");
    check_purl("pkg:generic/x", "generic", NULL, "x", NULL, NULL, 0, "/./");
    /* namespace: leading, trailing and doubled slashes dropped */
    check_purl("pkg:golang/a/b/c", "golang", "/a//b/", "c", NULL, NULL, 0, NULL);
}

static void test_purl_encoding(void **state)
{
    (void)state;
    /* every reserved character of a name and a version is encoded */
    check_purl("pkg:generic/a%20b%2Fc%40d%3Fe%23f%25g%2Bh%26i%3Dj@1.0%2Bdfsg~rc1:2", "generic",
               NULL, "a b/c@d?e#f%g+h&i=j", "1.0+dfsg~rc1:2", NULL, 0, NULL);
    /* unreserved characters as they are */
    check_purl("pkg:generic/AZaz09.-_~", "generic", NULL, "AZaz09.-_~", NULL, NULL, 0, NULL);
    /* UTF-8 bytes, upper-case hex */
    check_purl("pkg:generic/%C3%BCber@%E2%82%AC", "generic", NULL,
               "\xc3\xbc"
               "ber",
               "\xe2\x82\xac", NULL, 0, NULL);
    /* a namespace segment with '@' and ' ' */
    check_purl("pkg:maven/a%40b/c%20d/e", "maven", "a@b/c d", "e", NULL, NULL, 0, NULL);
}

static void test_purl_errors(void **state)
{
    char *purl = NULL;
    (void)state;
    expect_error(wb_purl_build(&purl, NULL, NULL, "x", NULL, NULL, 0, NULL), WB_EINVAL, NULL);
    expect_error(wb_purl_build(&purl, "npm", NULL, "", NULL, NULL, 0, NULL), WB_EINVAL, NULL);
    expect_error(wb_purl_build(&purl, "npm", NULL, NULL, NULL, NULL, 0, NULL), WB_EINVAL, NULL);
    expect_error(wb_purl_build(&purl, "1abc", NULL, "x", NULL, NULL, 0, NULL), WB_EINVAL,
                 "invalid type");
    expect_error(wb_purl_build(&purl, "a/b", NULL, "x", NULL, NULL, 0, NULL), WB_EINVAL,
                 "invalid type");
    expect_error(wb_purl_build(&purl, "", NULL, "x", NULL, NULL, 0, NULL), WB_EINVAL, NULL);
    assert_null(purl);
}

static wb_sbom *inventory(void)
{
    wb_sbom *sbom = NULL;
    assert_int_equal(wb_sbom_new(&sbom, "delivery"), 0);
    return sbom;
}

static void add(wb_sbom *sbom, wb_ecosystem eco, const char *type, const char *group,
                const char *name, const char *version, const char *location, const char *sha512)
{
    wb_sbom_component c = {0};
    c.ecosystem = eco;
    c.purl_type = type;
    c.group = group;
    c.name = name;
    c.version = version;
    c.location = location;
    c.found_by = "test";
    c.sha512 = sha512;
    assert_int_equal(wb_sbom_add(sbom, &c), 0);
}

static void test_finish_dedup(void **state)
{
    wb_sbom *sbom = inventory();
    const wb_sbom_component *c;
    (void)state;
    add(sbom, WB_ECO_NPM, "npm", NULL, "ms", "2.1.3", "node_modules/ms/package.json", NULL);
    add(sbom, WB_ECO_NPM, "npm", NULL, "ms", "2.1.3", "package-lock.json", "ab12");
    add(sbom, WB_ECO_NPM, "npm", NULL, "ms", "2.0.0", "package-lock.json", NULL);
    add(sbom, WB_ECO_CARGO, "cargo", NULL, "rand", "0.8.5", "Cargo.lock", NULL);
    assert_int_equal(wb_sbom_finish(sbom), 0);
    assert_int_equal(wb_sbom_finish(sbom), 0); /* idempotent */
    assert_int_equal(wb_sbom_count(sbom), 3);
    assert_string_equal(wb_sbom_get(sbom, 0)->purl, "pkg:cargo/rand@0.8.5");
    assert_string_equal(wb_sbom_get(sbom, 1)->purl, "pkg:npm/ms@2.0.0");
    c = wb_sbom_get(sbom, 2);
    assert_string_equal(c->purl, "pkg:npm/ms@2.1.3");
    /* the first location in path order, the checksum of the other */
    assert_string_equal(c->location, "node_modules/ms/package.json");
    assert_string_equal(c->sha512, "ab12");
    assert_null(wb_sbom_get(sbom, 3));
    assert_int_equal(wb_sbom_count_ecosystem(sbom, WB_ECO_NPM), 2);
    assert_int_equal(wb_sbom_count_ecosystem(sbom, WB_ECO_DEBIAN), 0);
    wb_sbom_free(sbom);
    wb_sbom_free(NULL);
}

static void test_add_refuses(void **state)
{
    wb_sbom *sbom = inventory();
    wb_sbom_component c = {0};
    char *long_name = malloc(WB_SBOM_MAX_FIELD + 2);
    (void)state;
    c.purl_type = "npm";
    expect_error(wb_sbom_add(sbom, &c), WB_EINVAL, NULL); /* no name */
    c.name = "";
    expect_error(wb_sbom_add(sbom, &c), WB_EINVAL, NULL);
    memset(long_name, 'a', WB_SBOM_MAX_FIELD + 1);
    long_name[WB_SBOM_MAX_FIELD + 1] = '\0';
    c.name = long_name;
    expect_error(wb_sbom_add(sbom, &c), WB_EINVAL, "overlong");
    long_name[WB_SBOM_MAX_FIELD] = '\0';
    assert_int_equal(wb_sbom_add(sbom, &c), 0);
    expect_error(wb_sbom_add(NULL, &c), WB_EINVAL, NULL);
    assert_int_equal(wb_sbom_count(sbom), 1);
    free(long_name);
    wb_sbom_free(sbom);
}

static void test_location_not_utf8(void **state)
{
    wb_sbom *sbom = inventory();
    wb_sbom_doc_options opts = {.created = 0};
    wb_sbom_component c = {0};
    char *text = NULL;
    (void)state;
    /* a path from the delivery may be any bytes: kept, escaped */
    add(sbom, WB_ECO_CARGO, "cargo", NULL, "a", "1", "dir\xa1/Cargo.lock", NULL);
    assert_string_equal(wb_sbom_get(sbom, 0)->location, "dir\\xa1/Cargo.lock");
    wb_sbom_note(sbom, "%s: note", "x\xff\ny");
    assert_string_equal(wb_sbom_note_at(sbom, 0), "x\\xff\\ny: note");
    /* names and versions must be UTF-8 */
    c.purl_type = "cargo";
    c.name = "b\xff";
    expect_error(wb_sbom_add(sbom, &c), WB_EINVAL, "non-UTF-8");
    assert_int_equal(wb_sbom_finish(sbom), 0);
    assert_int_equal(wb_sbom_write_spdx(&text, NULL, sbom, &opts), 0);
    wb_free(text);
    assert_int_equal(wb_sbom_write_cyclonedx(&text, NULL, sbom, &opts), 0);
    wb_free(text);
    wb_sbom_free(sbom);
}

static void test_deb_distro(void **state)
{
    static const char status[] = "Package: curl\nStatus: install ok installed\n"
                                 "Version: 7.88.1-10+deb12u5\nArchitecture: amd64\n";
    static const char os_release[] = "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n";
    wb_sbom *sbom = inventory();
    (void)state;
    assert_int_equal(
        wb_sbom_catalog_buffer(sbom, "var/lib/dpkg/status", status, strlen(status), false), 0);
    assert_int_equal(wb_sbom_finish(sbom), 0);
    assert_string_equal(wb_sbom_get(sbom, 0)->purl,
                        "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64");
    /* os-release found later still applies: purls are built when finished */
    assert_int_equal(
        wb_sbom_catalog_buffer(sbom, "etc/os-release", os_release, strlen(os_release), false), 0);
    assert_int_equal(wb_sbom_finish(sbom), 0);
    assert_string_equal(wb_sbom_distro(sbom), "debian-12");
    assert_string_equal(wb_sbom_get(sbom, 0)->purl,
                        "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12");
    wb_sbom_free(sbom);
}

static void test_size_bounds(void **state)
{
    size_t big = wb_catalog_max_size(WB_CAT_OS_RELEASE) + 1;
    char *text = malloc(big);
    wb_sbom *sbom = inventory();
    (void)state;
    assert_non_null(text);
    memset(text, '#', big);
    expect_error(wb_sbom_catalog_buffer(sbom, "etc/os-release", text, big, false), WB_ELIMIT,
                 "etc/os-release: larger than 65536 bytes");
    assert_true(wb_sbom_note_count(sbom) == 1);
    /* at the bound it is read */
    assert_int_equal(wb_sbom_catalog_buffer(sbom, "etc/os-release", text, big - 1, false), 0);
    assert_int_equal(wb_catalog_max_size(WB_CAT_DPKG_STATUS), WB_SBOM_MAX_TEXT_FILE);
    assert_int_equal(wb_catalog_max_size(WB_CAT_NPM_PACKAGE), WB_SBOM_MAX_SMALL_FILE);
    assert_int_equal(wb_catalog_max_size(WB_CAT_EXECUTABLE), WB_SBOM_MAX_BINARY);
    /* files of no interest are not read at all */
    assert_int_equal(wb_sbom_catalog_buffer(sbom, "README", text, big, false), 0);
    assert_int_equal(wb_sbom_files_read(sbom), 1);
    free(text);
    wb_sbom_free(sbom);
}

static void test_match(void **state)
{
    static const struct {
        const char *path;
        bool exec;
        wb_catalog_kind kind;
    } cases[] = {
        {"var/lib/dpkg/status", false, WB_CAT_DPKG_STATUS},
        {"rootfs/var/lib/dpkg/status", false, WB_CAT_DPKG_STATUS},
        {"xvar/lib/dpkg/status", false, WB_CAT_NONE},
        {"var/lib/dpkg/status-old", false, WB_CAT_NONE},
        {"var/lib/dpkg/status.d/libc6", false, WB_CAT_DPKG_STATUS},
        {"var/lib/dpkg/status.d/python3.11", false, WB_CAT_DPKG_STATUS},
        {"var/lib/dpkg/status.d/libc6.md5sums", false, WB_CAT_NONE},
        {"var/lib/dpkg/status.d/sub/libc6", false, WB_CAT_NONE},
        {"package-lock.json", false, WB_CAT_NPM_LOCK},
        {"app/npm-shrinkwrap.json", false, WB_CAT_NPM_LOCK},
        {"app/node_modules/.package-lock.json", false, WB_CAT_NPM_LOCK},
        {"node_modules/ms/package.json", false, WB_CAT_NPM_PACKAGE},
        {"node_modules/@babel/core/package.json", false, WB_CAT_NPM_PACKAGE},
        {"a/node_modules/b/node_modules/c/package.json", false, WB_CAT_NPM_PACKAGE},
        {"node_modules/ms/lib/package.json", false, WB_CAT_NONE},
        {"package.json", false, WB_CAT_NONE},
        {"node_modules/@babel/package.json", false, WB_CAT_NONE},
        {"x/requests-2.0.dist-info/METADATA", false, WB_CAT_PYTHON},
        {"x/.dist-info/METADATA", false, WB_CAT_NONE},
        {"x/foo.egg-info/PKG-INFO", false, WB_CAT_PYTHON},
        {"x/foo-1.0.egg-info", false, WB_CAT_PYTHON},
        {"x/PKG-INFO", false, WB_CAT_NONE},
        {"META-INF/maven/g/a/pom.properties", false, WB_CAT_POM_PROPS},
        {"w/META-INF/maven/g/a/pom.properties", false, WB_CAT_POM_PROPS},
        {"META-INF/maven/g/pom.properties", false, WB_CAT_NONE},
        {"META-INF/maven/g/a/b/pom.properties", false, WB_CAT_NONE},
        {"xMETA-INF/maven/g/a/pom.properties", false, WB_CAT_NONE},
        {"lib/a.jar", false, WB_CAT_JAR},
        {"lib/A.WAR", false, WB_CAT_JAR},
        {"Cargo.lock", false, WB_CAT_CARGO_LOCK},
        {"cargo.lock", false, WB_CAT_NONE},
        {"etc/os-release", false, WB_CAT_OS_RELEASE},
        {"x/etc/os-release", false, WB_CAT_NONE},
        {"usr/bin/kubectl", true, WB_CAT_EXECUTABLE},
        {"usr/bin/kubectl", false, WB_CAT_NONE},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (wb_catalog_match(cases[i].path, cases[i].exec) != cases[i].kind)
            fail_msg("%s: kind %d, expected %d", cases[i].path,
                     wb_catalog_match(cases[i].path, cases[i].exec), cases[i].kind);
}

static json_t *parse_doc(const char *text, size_t len)
{
    json_t *doc = NULL;
    assert_int_equal(wb_json_parse(&doc, text, len, "doc"), 0);
    return doc;
}

static wb_sbom *sample(void)
{
    static const char status[] = "Package: libssl3\nStatus: install ok installed\n"
                                 "Version: 3.0.15-1~deb12u1\nArchitecture: amd64\n"
                                 "Source: openssl\n";
    wb_sbom *sbom = inventory();
    add(sbom, WB_ECO_NPM, "npm", "@babel", "core", "7.24.0", "package-lock.json",
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    add(sbom, WB_ECO_GO, "golang", "github.com/x", "y", "v1.0.0", "usr/bin/app", NULL);
    add(sbom, WB_ECO_MAVEN, "maven", "org.example", "demo", "1.0", "a.jar!/x", NULL);
    assert_int_equal(
        wb_sbom_catalog_buffer(sbom, "var/lib/dpkg/status", status, strlen(status), false), 0);
    assert_int_equal(wb_sbom_finish(sbom), 0);
    return sbom;
}

static void test_spdx(void **state)
{
    wb_sbom *sbom = sample();
    wb_sbom_doc_options opts = {.created = 1764720000, .tool = "waybill-test"};
    char *text = NULL, *again = NULL;
    size_t len = 0, len2 = 0, i;
    json_t *doc, *pkgs, *rels;
    (void)state;
    assert_int_equal(wb_sbom_write_spdx(&text, &len, sbom, &opts), 0);
    assert_int_equal(strlen(text), len);
    assert_int_equal(wb_sbom_write_spdx(&again, &len2, sbom, &opts), 0);
    assert_int_equal(len, len2);
    assert_memory_equal(text, again, len); /* deterministic */
    doc = parse_doc(text, len);
    assert_string_equal(json_string_value(json_object_get(doc, "spdxVersion")), "SPDX-2.3");
    assert_string_equal(json_string_value(json_object_get(doc, "dataLicense")), "CC0-1.0");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "creationInfo"), "created")),
        "2025-12-03T00:00:00Z");
    assert_non_null(strstr(json_string_value(json_object_get(doc, "documentNamespace")),
                           "https://waybill.invalid/spdx/sha256-"));
    pkgs = json_object_get(doc, "packages");
    rels = json_object_get(doc, "relationships");
    assert_int_equal(json_array_size(pkgs), 5);
    assert_int_equal(json_array_size(rels), 5);
    for (i = 0; i < json_array_size(pkgs); i++) {
        const char *id = json_string_value(json_object_get(json_array_get(pkgs, i), "SPDXID"));
        const char *p;
        assert_non_null(id);
        assert_int_equal(strncmp(id, "SPDXRef-", 8), 0);
        for (p = id + 8; *p; p++)
            assert_true((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                        (*p >= '0' && *p <= '9') || *p == '.' || *p == '-');
    }
    assert_non_null(strstr(text, "\"relationshipType\": \"DESCRIBES\""));
    assert_non_null(strstr(text, "\"referenceLocator\": \"pkg:npm/%40babel/core@7.24.0\""));
    assert_non_null(strstr(text, "\"name\": \"@babel/core\""));
    assert_non_null(strstr(text, "\"name\": \"org.example:demo\""));
    assert_non_null(strstr(text, "\"algorithm\": \"SHA512\""));
    assert_non_null(
        strstr(text, "\"sourceInfo\": \"built package from: openssl 3.0.15-1~deb12u1\""));
    json_decref(doc);
    wb_free(text);
    wb_free(again);

    /* another content, another namespace */
    {
        char *other = NULL;
        wb_sbom *empty = inventory();
        assert_int_equal(wb_sbom_finish(empty), 0);
        assert_int_equal(wb_sbom_write_spdx(&other, NULL, empty, &opts), 0);
        assert_int_equal(wb_sbom_write_spdx(&text, NULL, sbom, &opts), 0);
        json_t *full = parse_doc(text, strlen(text));
        doc = parse_doc(other, strlen(other));
        assert_int_equal(json_array_size(json_object_get(doc, "packages")), 1);
        assert_string_not_equal(json_string_value(json_object_get(doc, "documentNamespace")),
                                json_string_value(json_object_get(full, "documentNamespace")));
        json_decref(full);
        json_decref(doc);
        wb_free(other);
        wb_free(text);
        wb_sbom_free(empty);
    }
    wb_sbom_free(sbom);
}

static void test_cyclonedx(void **state)
{
    wb_sbom *sbom = sample();
    wb_sbom_doc_options opts = {.created = 0};
    char *text = NULL;
    size_t len = 0;
    json_t *doc, *comps;
    const char *serial;
    (void)state;
    assert_int_equal(wb_sbom_write_cyclonedx(&text, &len, sbom, &opts), 0);
    doc = parse_doc(text, len);
    assert_string_equal(json_string_value(json_object_get(doc, "bomFormat")), "CycloneDX");
    assert_string_equal(json_string_value(json_object_get(doc, "specVersion")), "1.6");
    serial = json_string_value(json_object_get(doc, "serialNumber"));
    assert_int_equal(strlen(serial), 45);
    assert_int_equal(strncmp(serial, "urn:uuid:", 9), 0);
    assert_int_equal(serial[9 + 14], '5');           /* version 5 */
    assert_non_null(strchr("89ab", serial[9 + 19])); /* RFC 4122 variant */
    comps = json_object_get(doc, "components");
    assert_int_equal(json_array_size(comps), 4);
    assert_non_null(strstr(text, "\"group\": \"@babel\""));
    assert_non_null(strstr(text, "\"name\": \"github.com/x/y\""));
    assert_non_null(strstr(text, "\"alg\": \"SHA-512\""));
    assert_non_null(strstr(text, "\"name\": \"waybill:deb:source\""));
    assert_non_null(strstr(text, "\"timestamp\": \"1970-01-01T00:00:00Z\""));
    json_decref(doc);
    wb_free(text);
    expect_error(wb_sbom_write_cyclonedx(&text, &len, NULL, &opts), WB_EINVAL, NULL);
    wb_sbom_free(sbom);
}

static int oom_inventory(const void *arg)
{
    static const char status[] = "Package: a\nStatus: install ok installed\nVersion: 1\n"
                                 "Architecture: all\nSource: src (2)\n\n"
                                 "Package: b\nVersion: 1\n";
    static const char lock[] = "{\"lockfileVersion\": 3, \"packages\": {\"\": {},"
                               "\"node_modules/@s/x\": {\"version\": \"1.0.0\", \"integrity\":"
                               "\"sha512-OfC2uemaknXr87bdLUkWog7nYuliM9Ij5HUcajsVcMCpQrcLmtxRbVFTI"
                               "qmcSkSeYRBFBRxs2FiUqFJDLdiebA==\"}}}";
    static const char cargo[] = "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n";
    wb_sbom *sbom = NULL;
    char *text = NULL;
    int rc;
    (void)arg;
    if ((rc = wb_sbom_new(&sbom, "d")) < 0)
        return rc;
    if ((rc = wb_sbom_catalog_buffer(sbom, "var/lib/dpkg/status", status, strlen(status), false)) <
            0 ||
        (rc = wb_sbom_catalog_buffer(sbom, "package-lock.json", lock, strlen(lock), false)) < 0 ||
        (rc = wb_sbom_catalog_buffer(sbom, "Cargo.lock", cargo, strlen(cargo), false)) < 0 ||
        (rc = wb_sbom_finish(sbom)) < 0)
        goto out;
    if (wb_sbom_count(sbom) != 4) {
        /* a component lost to a failed allocation must be noted */
        if (wb_sbom_note_count(sbom) + wb_sbom_notes_dropped(sbom) == 0)
            rc = wb_error_set(WB_EINTERNAL, "component lost without a note");
        else
            rc = wb_error_set(WB_ENOMEM, "component lost (noted)");
        goto out;
    }
    if ((rc = wb_sbom_write_spdx(&text, NULL, sbom, NULL)) < 0)
        goto out;
    wb_free(text);
    text = NULL;
    rc = wb_sbom_write_cyclonedx(&text, NULL, sbom, NULL);
out:
    wb_free(text);
    wb_sbom_free(sbom);
    return rc;
}

static void test_oom(void **state)
{
    (void)state;
    run_with_failing_allocations_ex(oom_inventory, NULL, 0, "inventory", false);
}

/* --- the walk --- */

static char tmp_root[64];

static void write_file(const char *rel, const char *content, mode_t mode)
{
    char path[512], *slash;
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s", tmp_root, rel);
    for (slash = strchr(path + strlen(tmp_root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(path, 0755);
        *slash = '/';
    }
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    chmod(path, mode);
}

static bool has_note(const wb_sbom *sbom, const char *needle)
{
    size_t i;
    for (i = 0; i < wb_sbom_note_count(sbom); i++)
        if (strstr(wb_sbom_note_at(sbom, i), needle))
            return true;
    return false;
}

static void test_scan_directory(void **state)
{
    static const char *const excludes[] = {"skipped", "*/ignored-*"};
    wb_sbom_options opts = {.excludes = excludes, .nexcludes = 2};
    wb_sbom *sbom = NULL;
    char path[512];
    size_t i;
    (void)state;
    snprintf(tmp_root, sizeof(tmp_root), "/tmp/wb-sbom-XXXXXX");
    assert_non_null(mkdtemp(tmp_root));
    write_file("var/lib/dpkg/status",
               "Package: a\nStatus: install ok installed\nVersion: 1.0\nArchitecture: all\n", 0644);
    write_file("app/Cargo.lock", "[[package]]\nname = \"rand\"\nversion = \"0.8.5\"\n", 0644);
    write_file("skipped/Cargo.lock", "[[package]]\nname = \"no\"\nversion = \"1\"\n", 0644);
    write_file("app/ignored-x/Cargo.lock", "[[package]]\nname = \"no2\"\nversion = \"1\"\n", 0644);
    write_file("bad/package-lock.json", "{not json", 0644);
    write_file("bin/script", "#!/bin/sh\necho this is not ELF but long enough to be looked at\n",
               0755);
    /* a symbolic link to a lock file elsewhere is not followed */
    snprintf(path, sizeof(path), "%s/linked", tmp_root);
    assert_int_equal(symlink("/var/lib/dpkg", path), 0);

    assert_int_equal(wb_sbom_scan(&sbom, tmp_root, &opts), 0);
    assert_int_equal(wb_sbom_count(sbom), 2);
    assert_string_equal(wb_sbom_get(sbom, 0)->purl, "pkg:cargo/rand@0.8.5");
    assert_string_equal(wb_sbom_get(sbom, 0)->location, "app/Cargo.lock");
    assert_string_equal(wb_sbom_get(sbom, 1)->purl, "pkg:deb/debian/a@1.0?arch=all");
    assert_true(has_note(sbom, "bad/package-lock.json"));
    for (i = 0; i < wb_sbom_note_count(sbom); i++)
        print_message("# note: %s\n", wb_sbom_note_at(sbom, i));
    wb_sbom_free(sbom);

    /* an unreadable file is noted and the walk goes on (root reads anyway) */
    if (geteuid() != 0) {
        snprintf(path, sizeof(path), "%s/bad/package-lock.json", tmp_root);
        chmod(path, 0);
        assert_int_equal(wb_sbom_scan(&sbom, tmp_root, &opts), 0);
        assert_int_equal(wb_sbom_count(sbom), 2);
        assert_true(has_note(sbom, "Permission denied"));
        wb_sbom_free(sbom);
    }
    /* one file: read by the cataloger its name calls for */
    snprintf(path, sizeof(path), "%s/app/Cargo.lock", tmp_root);
    assert_int_equal(wb_sbom_scan(&sbom, path, NULL), 0);
    assert_int_equal(wb_sbom_count(sbom), 1);
    assert_string_equal(wb_sbom_name(sbom), "Cargo.lock");
    wb_sbom_free(sbom);

    snprintf(path, sizeof(path), "rm -rf '%s'", tmp_root);
    assert_int_equal(system(path), 0);
    expect_error(wb_sbom_scan(&sbom, "/nonexistent/wb-sbom", NULL), WB_EIO, "/nonexistent");
    assert_null(sbom);
}

static void test_scan_proc(void **state)
{
    wb_sbom *sbom = NULL;
    (void)state;
    /* given a pseudo file system as the root, nothing is entered */
    assert_int_equal(wb_sbom_scan(&sbom, "/proc", NULL), 0);
    assert_int_equal(wb_sbom_count(sbom), 0);
    assert_true(has_note(sbom, "a proc file system, not entered"));
    assert_int_equal(wb_sbom_entries_seen(sbom), 0);
    wb_sbom_free(sbom);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_purl_spec_examples),
        cmocka_unit_test(test_purl_normalization),
        cmocka_unit_test(test_purl_encoding),
        cmocka_unit_test(test_purl_errors),
        cmocka_unit_test(test_finish_dedup),
        cmocka_unit_test(test_add_refuses),
        cmocka_unit_test(test_location_not_utf8),
        cmocka_unit_test(test_deb_distro),
        cmocka_unit_test(test_size_bounds),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_spdx),
        cmocka_unit_test(test_cyclonedx),
        cmocka_unit_test(test_oom),
        cmocka_unit_test(test_scan_directory),
        cmocka_unit_test(test_scan_proc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
