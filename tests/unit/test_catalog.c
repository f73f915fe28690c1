/*
 * test_catalog.c: the catalogers' parsers (catalog_*.c) on their edge
 * cases: dpkg status paragraphs (states, Source forms, continuation lines,
 * CRLF, a bad paragraph among good ones), npm lock files v1/v2/v3 (aliases,
 * links, workspaces, integrity, malformed JSON, duplicate keys), installed
 * package.json, Python metadata, pom.properties and jars built in memory
 * with libarchive (nested one level, deeper noted, manifest fallback),
 * Cargo.lock, and Go build information in synthetic ELF files (64 and 32
 * bits, both byte orders, replacements, truncation, the pre-1.18 format).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "sbom_internal.h"
#include "expect.h"

static wb_sbom *inventory(void)
{
    wb_sbom *sbom = NULL;
    assert_int_equal(wb_sbom_new(&sbom, "t"), 0);
    return sbom;
}

/* Finish and compare the purls, one a line, with `expected`. */
static void expect_purls(wb_sbom *sbom, const char *expected)
{
    wb_buf got = {0};
    size_t i;
    assert_int_equal(wb_sbom_finish(sbom), 0);
    for (i = 0; i < wb_sbom_count(sbom); i++) {
        wb_buf_puts(&got, wb_sbom_get(sbom, i)->purl);
        wb_buf_putc(&got, '\n');
    }
    wb_buf_putc(&got, '\0');
    if (strcmp(got.data, expected) != 0)
        fail_msg("purls:\n%s\nexpected:\n%s", got.data, expected);
    wb_buf_free(&got);
}

static const wb_sbom_component *find(const wb_sbom *sbom, const char *name)
{
    size_t i;
    for (i = 0; i < wb_sbom_count(sbom); i++)
        if (!strcmp(wb_sbom_get(sbom, i)->name, name))
            return wb_sbom_get(sbom, i);
    fail_msg("no component %s", name);
    return NULL;
}

static bool has_note(const wb_sbom *sbom, const char *needle)
{
    size_t i;
    for (i = 0; i < wb_sbom_note_count(sbom); i++)
        if (strstr(wb_sbom_note_at(sbom, i), needle))
            return true;
    return false;
}

#define CAT(fn, sbom, loc, text) fn(sbom, loc, text, strlen(text))

/* --- dpkg --- */

static void test_dpkg(void **state)
{
    static const char status[] = "Package: installed\n"
                                 "Status: install ok installed\n"
                                 "Priority: optional\n"
                                 "Version: 1:2.0-1\n"
                                 "Architecture: amd64\n"
                                 "Description: a description\n"
                                 " continued; Package: not-a-field\n"
                                 " .\n"
                                 "\n"
                                 "\n"
                                 "Package: removed\n"
                                 "Status: deinstall ok config-files\n"
                                 "Version: 1.0\n"
                                 "Architecture: all\n"
                                 "\n"
                                 "Package: gone\n"
                                 "Status: purge ok not-installed\n"
                                 "Architecture: all\n"
                                 "\n"
                                 "Package: half\n"
                                 "Status: install reinstreq half-installed\n"
                                 "Version: 3\n"
                                 "Architecture: all\n"
                                 "Source: halfsrc\n"
                                 "\n"
                                 "Package: libfoo1\r\n"
                                 "Status: install ok installed\r\n"
                                 "Version: 1.2-3+b1\r\n"
                                 "Architecture: i386\r\n"
                                 "Source: foo (1.2-3)\r\n"
                                 "\r\n"
                                 "Package: libfoo1\n"
                                 "Status: install ok installed\n"
                                 "Version: 1.2-3+b1\n"
                                 "Architecture: amd64\n"
                                 "Source:   foo   (  1.2-3  )  \n"
                                 "\n"
                                 "Package: noversion\n"
                                 "Status: install ok installed\n"
                                 "\n"
                                 "Package: badsource\n"
                                 "Status: install ok installed\n"
                                 "Version: 1\n"
                                 "Source: x (1\n"
                                 "\n"
                                 "Status: install ok installed\n"
                                 "Version: 1\n"
                                 "\n"
                                 "package: lowercase-field-names\n"
                                 "version: 0.1\n"
                                 "architecture: all";
    wb_sbom *sbom = inventory();
    const wb_sbom_component *c;
    (void)state;
    assert_int_equal(CAT(wb_catalog_dpkg, sbom, "var/lib/dpkg/status", status), 0);
    expect_purls(sbom, "pkg:deb/debian/half@3?arch=all\n"
                       "pkg:deb/debian/installed@1:2.0-1?arch=amd64\n"
                       "pkg:deb/debian/libfoo1@1.2-3%2Bb1?arch=amd64\n"
                       "pkg:deb/debian/libfoo1@1.2-3%2Bb1?arch=i386\n"
                       "pkg:deb/debian/lowercase-field-names@0.1?arch=all\n");
    c = find(sbom, "installed");
    assert_string_equal(c->source_name, "installed");
    assert_string_equal(c->source_version, "1:2.0-1");
    c = find(sbom, "half");
    assert_string_equal(c->source_name, "halfsrc");
    assert_string_equal(c->source_version, "3");
    c = wb_sbom_get(sbom, 2);
    assert_string_equal(c->source_name, "foo");
    assert_string_equal(c->source_version, "1.2-3");
    assert_string_equal(c->found_by, "dpkg-status");
    assert_true(has_note(sbom, "package noversion has no Version"));
    assert_true(has_note(sbom, "Source without ')'"));
    wb_sbom_free(sbom);

    /* empty and blank inputs: nothing, no error */
    sbom = inventory();
    assert_int_equal(wb_catalog_dpkg(sbom, "s", "", 0), 0);
    assert_int_equal(CAT(wb_catalog_dpkg, sbom, "s", "\n\n \n"), 0);
    assert_int_equal(wb_sbom_count(sbom), 0);
    /* a control character in a name is refused (noted) */
    assert_int_equal(CAT(wb_catalog_dpkg, sbom, "s",
                         "Package: a\x01"
                         "b\nVersion: 1\n"),
                     0);
    assert_int_equal(wb_sbom_count(sbom), 0);
    assert_true(has_note(sbom, "control character"));
    wb_sbom_free(sbom);
}

/* --- npm --- */

static void test_npm_lock_v3(void **state)
{
    static const char lock[] =
        "{\"name\": \"app\", \"lockfileVersion\": 3, \"packages\": {"
        "\"\": {\"name\": \"app\", \"version\": \"1.0.0\"},"
        "\"node_modules/@scope/pkg\": {\"version\": \"2.0.0\", \"integrity\": "
        "\"sha512-"
        "OfC2uemaknXr87bdLUkWog7nYuliM9Ij5HUcajsVcMCpQrcLmtxRbVFTIqmcSkSeYRBFBRxs2FiUqFJDLdi"
        "ebA==\"},"
        "\"node_modules/a/node_modules/b\": {\"version\": \"1.0.0\", \"integrity\": \"sha1-abc=\"},"
        "\"node_modules/alias\": {\"name\": \"real-name\", \"version\": \"3.0.0\"},"
        "\"node_modules/linked\": {\"resolved\": \"packages/linked\", \"link\": true},"
        "\"packages/linked\": {\"name\": \"linked\", \"version\": \"0.0.1\"},"
        "\"node_modules/noversion\": {},"
        "\"node_modules/\": {\"version\": \"9\"},"
        "\"node_modules/notobject\": 5"
        "}}";
    wb_sbom *sbom = inventory();
    const wb_sbom_component *c;
    (void)state;
    assert_int_equal(CAT(wb_catalog_npm_lock, sbom, "package-lock.json", lock), 0);
    expect_purls(sbom, "pkg:npm/%40scope/pkg@2.0.0\n"
                       "pkg:npm/b@1.0.0\n"
                       "pkg:npm/real-name@3.0.0\n");
    c = find(sbom, "pkg");
    assert_string_equal(c->group, "@scope");
    /* base64 -d | xxd -p of the integrity above */
    assert_string_equal(c->sha512,
                        "39f0b6b9e99a9275ebf3b6dd2d4916a20ee762e96233d223e4751c6a3b1570c0"
                        "a942b70b9adc516d515322a99c4a449e611045051c6cd85894a852432dd89e6c");
    assert_null(find(sbom, "b")->sha512); /* sha1: not kept */
    wb_sbom_free(sbom);
}

static void test_npm_lock_v1_and_errors(void **state)
{
    static const char v1[] =
        "{\"lockfileVersion\": 1, \"dependencies\": {"
        "\"a\": {\"version\": \"1.0.0\", \"dependencies\": {"
        "  \"b\": {\"version\": \"2.0.0\", \"dependencies\": {\"c\": {\"version\": \"3.0.0\"}}}}},"
        "\"alias\": {\"version\": \"npm:@s/real@4.0.0\"},"
        "\"@x/y\": {\"version\": \"5.0.0\"}}}";
    wb_sbom *sbom = inventory();
    wb_buf deep = {0};
    int i;
    (void)state;
    assert_int_equal(CAT(wb_catalog_npm_lock, sbom, "package-lock.json", v1), 0);
    expect_purls(sbom, "pkg:npm/%40s/real@4.0.0\n"
                       "pkg:npm/%40x/y@5.0.0\n"
                       "pkg:npm/a@1.0.0\n"
                       "pkg:npm/b@2.0.0\n"
                       "pkg:npm/c@3.0.0\n");
    /* malformed JSON, duplicate keys, neither shape, a scope without a name */
    expect_error(CAT(wb_catalog_npm_lock, sbom, "l.json", "{\"packages\": "), WB_EFORMAT, "l.json");
    expect_error(CAT(wb_catalog_npm_lock, sbom, "l.json",
                     "{\"packages\": {\"node_modules/a\": {\"version\": \"1\"}, "
                     "\"node_modules/a\": {\"version\": \"2\"}}}"),
                 WB_EFORMAT, NULL);
    expect_error(CAT(wb_catalog_npm_lock, sbom, "l.json", "{\"lockfileVersion\": 3}"), WB_EFORMAT,
                 "neither");
    expect_error(CAT(wb_catalog_npm_lock, sbom, "l.json", "[1]"), WB_EFORMAT, "not a JSON object");
    assert_int_equal(CAT(wb_catalog_npm_lock, sbom, "l.json",
                         "{\"packages\": {\"node_modules/@scope\": {\"version\": \"1\"}}}"),
                     0);
    assert_true(has_note(sbom, "without a package name"));
    /* v1 nesting is bounded */
    wb_buf_puts(&deep, "{\"dependencies\": ");
    for (i = 0; i < 70; i++)
        wb_buf_puts(&deep, "{\"a\": {\"version\": \"1\", \"dependencies\": ");
    wb_buf_puts(&deep, "{}");
    for (i = 0; i < 70; i++)
        wb_buf_puts(&deep, "}}");
    wb_buf_puts(&deep, "}");
    expect_error(wb_catalog_npm_lock(sbom, "deep.json", deep.data, deep.len), WB_ELIMIT,
                 "nested deeper");
    wb_buf_free(&deep);
    wb_sbom_free(sbom);
}

static void test_npm_package(void **state)
{
    wb_sbom *sbom = inventory();
    (void)state;
    assert_int_equal(CAT(wb_catalog_npm_package, sbom, "node_modules/@a/b/package.json",
                         "{\"name\": \"@a/b\", \"version\": \"1.0.0-rc.1\", \"main\": \"x\"}"),
                     0);
    expect_error(CAT(wb_catalog_npm_package, sbom, "p.json", "{\"name\": \"x\"}"), WB_EFORMAT,
                 "no \"name\" and \"version\"");
    expect_error(CAT(wb_catalog_npm_package, sbom, "p.json", "{\"name\": 1, \"version\": \"1\"}"),
                 WB_EFORMAT, NULL);
    expect_error(CAT(wb_catalog_npm_package, sbom, "p.json", "\"x\""), WB_EFORMAT, NULL);
    expect_purls(sbom, "pkg:npm/%40a/b@1.0.0-rc.1\n");
    wb_sbom_free(sbom);
}

/* --- Python --- */

static void test_python(void **state)
{
    wb_sbom *sbom = inventory();
    (void)state;
    assert_int_equal(CAT(wb_catalog_python, sbom, "x/Zope.Interface-5.0.dist-info/METADATA",
                         "Metadata-Version: 2.1\r\nName:  Zope.Interface \r\nVersion: 5.0\r\n"
                         "License: ZPL 2.1\r\n\r\nName: other\r\n"),
                     0);
    assert_string_equal(find(sbom, "Zope.Interface")->license, "ZPL 2.1");
    assert_int_equal(CAT(wb_catalog_python, sbom, "x/a_b.egg-info",
                         "Name: A_B\nVersion: 1.0rc1\nLicense: UNKNOWN\n"),
                     0);
    assert_null(find(sbom, "A_B")->license);
    assert_string_equal(find(sbom, "A_B")->found_by, "python-egg-info");
    assert_int_equal(CAT(wb_catalog_python, sbom, "x/c.dist-info/METADATA",
                         "Name: c\nVersion: 2\nLicense: MIT\nLicense-Expression: Apache-2.0\n"),
                     0);
    assert_string_equal(find(sbom, "c")->license, "Apache-2.0");
    /* the description is not the header */
    expect_error(CAT(wb_catalog_python, sbom, "y/METADATA", "Name: late\n\nVersion: 1\n"),
                 WB_EFORMAT, "no Name and Version");
    expect_error(wb_catalog_python(sbom, "y/METADATA", "", 0), WB_EFORMAT, "y/METADATA");
    expect_error(CAT(wb_catalog_python, sbom, "y/METADATA", "Name: a\x7f\nVersion: 1\n"),
                 WB_EFORMAT, "control character");
    expect_error(CAT(wb_catalog_python, sbom, "y/METADATA", "Name: \xff\nVersion: 1\n"), WB_EFORMAT,
                 "not UTF-8");
    expect_purls(sbom, "pkg:pypi/a-b@1.0rc1\npkg:pypi/c@2\npkg:pypi/zope.interface@5.0\n");
    wb_sbom_free(sbom);
}

/* --- Cargo --- */

static void test_cargo(void **state)
{
    static const char lock[] =
        "# comment\nversion = 3\n\n"
        "[[package]]\nname = \"a\"\nversion = \"0.1.0\"\ndependencies = [\n \"b\",\n]\n\n"
        "[[package]]\n  name=\"b\"  \nversion = \"1.0.0\"\n"
        "source = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        "checksum = \"cf9e0fcba69a370eed61bcf2b728575f726b50b55cba78064753d708ddc7549e\"\n"
        "[[package]]\nname = \"noversion\"\n"
        "[[package]]\nname = \"q\\\"uote\"\nversion = \"2\"\nchecksum = \"XYZ\"\n"
        "[metadata]\nname = \"not a package\"\nversion = \"1\"\n";
    wb_sbom *sbom = inventory();
    (void)state;
    assert_int_equal(CAT(wb_catalog_cargo_lock, sbom, "Cargo.lock", lock), 0);
    assert_true(has_note(sbom, "without name or version"));
    expect_purls(sbom, "pkg:cargo/a@0.1.0\npkg:cargo/b@1.0.0\npkg:cargo/q%22uote@2\n");
    assert_string_equal(find(sbom, "b")->sha256,
                        "cf9e0fcba69a370eed61bcf2b728575f726b50b55cba78064753d708ddc7549e");
    assert_null(find(sbom, "q\"uote")->sha256); /* not 64 hex digits */
    expect_error(CAT(wb_catalog_cargo_lock, sbom, "C.lock", "[[package]]\nname = \"a\\n\"\n"),
                 WB_EFORMAT, "unsupported escape");
    expect_error(CAT(wb_catalog_cargo_lock, sbom, "C.lock", "[[package]]\nname = bare\n"),
                 WB_EFORMAT, "C.lock: line 2");
    expect_error(CAT(wb_catalog_cargo_lock, sbom, "C.lock", "[[package]]\nname = \"a\"b\"\n"),
                 WB_EFORMAT, "unescaped quote");
    wb_sbom_free(sbom);
}

/* --- Java --- */

static void test_pom_properties(void **state)
{
    wb_sbom *sbom = inventory();
    (void)state;
    assert_int_equal(CAT(wb_catalog_pom_properties, sbom, "p",
                         "#Generated by Maven\n! also a comment\n"
                         "groupId : org.x\nartifactId=a:b\n  version = 1.0 \n"),
                     0);
    expect_error(CAT(wb_catalog_pom_properties, sbom, "p2", "groupId=g\nversion=1\n"), WB_EFORMAT,
                 "p2: no artifactId");
    assert_int_equal(CAT(wb_catalog_pom_properties, sbom, "p3", "artifactId=nogroup\nversion=2\n"),
                     0);
    expect_purls(sbom, "pkg:maven/nogroup@2\npkg:maven/org.x/a:b@1.0\n");
    wb_sbom_free(sbom);
}

typedef struct {
    const char *name;
    const void *data;
    size_t len;
} zip_file;

/* A zip of `files` in a new buffer (free()). */
static void *make_zip(const zip_file *files, size_t n, size_t *out_len)
{
    size_t cap = 1 << 20, used = 0, i;
    void *buf = malloc(cap);
    struct archive *a = archive_write_new();
    assert_non_null(buf);
    assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
    assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
    for (i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, files[i].name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)files[i].len);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        assert_int_equal(archive_write_data(a, files[i].data, files[i].len),
                         (la_ssize_t)files[i].len);
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    *out_len = used;
    return buf;
}

static void test_jars(void **state)
{
    static const char pom_deep[] = "groupId=d\nartifactId=deep\nversion=3\n";
    static const char pom_inner[] = "groupId=i\nartifactId=inner\nversion=2\n";
    static const char pom_outer1[] = "groupId=o\nartifactId=outer\nversion=1\n";
    static const char pom_outer2[] = "groupId=o\nartifactId=shaded\nversion=1.5\n";
    static const char manifest[] =
        "Manifest-Version: 1.0\r\n"
        "Bundle-SymbolicName: org.example.very.long.bundle.name.that.is.wrapped.at.seventy-tw\r\n"
        " o.bytes;singleton:=true\r\n"
        "Bundle-Version: 4.5.6\r\n"
        "\r\n"
        "Name: section\r\n"
        "Implementation-Version: 0\r\n";
    zip_file deep_files[] = {{"META-INF/maven/d/deep/pom.properties", pom_deep, strlen(pom_deep)}};
    size_t deep_len, inner_len, outer_len, mf_len, empty_len;
    void *deep = make_zip(deep_files, 1, &deep_len);
    zip_file inner_files[] = {
        {"META-INF/maven/i/inner/pom.properties", pom_inner, strlen(pom_inner)},
        {"lib/deep.jar", deep, deep_len},
    };
    void *inner = make_zip(inner_files, 2, &inner_len);
    zip_file outer_files[] = {
        {"META-INF/maven/o/outer/pom.properties", pom_outer1, strlen(pom_outer1)},
        {"META-INF/maven/o/shaded/pom.properties", pom_outer2, strlen(pom_outer2)},
        {"META-INF/maven/bad/pom.properties", pom_outer2, strlen(pom_outer2)},
        {"BOOT-INF/lib/inner.jar", inner, inner_len},
        {"BOOT-INF/lib/broken.jar", "not a zip", 9},
    };
    void *outer = make_zip(outer_files, 5, &outer_len);
    zip_file mf_files[] = {{"META-INF/MANIFEST.MF", manifest, strlen(manifest)}};
    void *mf = make_zip(mf_files, 1, &mf_len);
    zip_file empty_files[] = {{"README", "x", 1}};
    void *empty = make_zip(empty_files, 1, &empty_len);
    wb_sbom *sbom = inventory();
    (void)state;

    assert_int_equal(wb_catalog_jar_buffer(sbom, "app.jar", outer, outer_len, 0), 0);
    assert_true(has_note(sbom, "app.jar!/BOOT-INF/lib/inner.jar!/lib/deep.jar: jar nested deeper"));
    assert_true(has_note(sbom, "app.jar!/BOOT-INF/lib/broken.jar: not a zip file"));
    assert_int_equal(wb_catalog_jar_buffer(sbom, "lib/bundle-9.9.jar", mf, mf_len, 0), 0);
    assert_int_equal(wb_catalog_jar_buffer(sbom, "lib/plain-lib-1.2.3.jar", empty, empty_len, 0),
                     0);
    assert_int_equal(wb_catalog_jar_buffer(sbom, "lib/noversion.jar", empty, empty_len, 0), 0);
    expect_error(wb_catalog_jar_buffer(sbom, "x.jar", "PK\x03\x04garbage", 11, 0), WB_EFORMAT,
                 NULL);
    /* read through the dispatcher as well: a jar is found by its name, and
     * as a jar of the delivery, its own jars are read (deep.jar) */
    assert_int_equal(wb_sbom_catalog_buffer(sbom, "dir/again.jar", inner, inner_len, false), 0);
    expect_purls(sbom, "pkg:maven/d/deep@3\n"
                       "pkg:maven/i/inner@2\n"
                       "pkg:maven/noversion\n"
                       "pkg:maven/o/outer@1\n"
                       "pkg:maven/o/shaded@1.5\n"
                       "pkg:maven/org.example.very.long.bundle.name.that.is.wrapped.at.seventy-"
                       "two.bytes@4.5.6\n"
                       "pkg:maven/plain-lib@1.2.3\n");
    assert_string_equal(find(sbom, "inner")->location,
                        "app.jar!/BOOT-INF/lib/inner.jar!/META-INF/maven/i/inner/pom.properties");
    assert_string_equal(find(sbom, "plain-lib")->found_by, "java-manifest");
    /* the jar's SHA-256 where the jar is one artifact; not for a jar of two */
    {
        unsigned char digest[WB_SHA256_LEN];
        char hex[2 * WB_SHA256_LEN + 1];
        assert_int_equal(wb_digest_buffer(digest, WB_DIGEST_SHA256, inner, inner_len), 0);
        wb_hex_encode(hex, digest, sizeof(digest));
        assert_string_equal(find(sbom, "inner")->sha256, hex);
        assert_int_equal(wb_digest_buffer(digest, WB_DIGEST_SHA256, empty, empty_len), 0);
        wb_hex_encode(hex, digest, sizeof(digest));
        assert_string_equal(find(sbom, "plain-lib")->sha256, hex);
        assert_null(find(sbom, "outer")->sha256);
        assert_null(find(sbom, "shaded")->sha256);
    }
    wb_sbom_free(sbom);
    free(deep);
    free(inner);
    free(outer);
    free(mf);
    free(empty);
}

/* --- Go --- */

static void put(unsigned char *p, uint64_t v, size_t n, bool big)
{
    size_t i;
    for (i = 0; i < n; i++)
        p[big ? n - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

static size_t put_uvarint(unsigned char *p, size_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

/* A minimal ELF with a .go.buildinfo section; returns its length. */
static size_t make_go_elf(unsigned char *buf, size_t cap, bool is64, bool big, unsigned flags,
                          const char *goversion, const char *modinfo)
{
    static const char strtab[] = "\0.shstrtab\0.go.buildinfo";
    size_t ehsize = is64 ? 64 : 52, shentsize = is64 ? 64 : 40;
    size_t str_off = ehsize, bi_off = 128, bi_len, shoff, pos, mlen = strlen(modinfo), i;
    memset(buf, 0, cap);
    memcpy(buf,
           "\x7f"
           "ELF",
           4);
    buf[4] = is64 ? 2 : 1;
    buf[5] = big ? 2 : 1;
    buf[6] = 1;
    memcpy(buf + str_off, strtab, sizeof(strtab));
    memcpy(buf + bi_off, "\xff Go buildinf:", 14);
    buf[bi_off + 14] = is64 ? 8 : 4;
    buf[bi_off + 15] = (unsigned char)flags;
    pos = bi_off + 32;
    pos += put_uvarint(buf + pos, strlen(goversion));
    memcpy(buf + pos, goversion, strlen(goversion));
    pos += strlen(goversion);
    if (mlen) {
        pos += put_uvarint(buf + pos, mlen + 32);
        memset(buf + pos, 0x30, 16); /* the framing Go writes around it */
        memcpy(buf + pos + 16, modinfo, mlen);
        memset(buf + pos + 16 + mlen, 0xf9, 16);
        pos += mlen + 32;
    } else {
        pos += put_uvarint(buf + pos, 0);
    }
    bi_len = pos - bi_off;
    shoff = (pos + 7) & ~(size_t)7;
    assert_true(shoff + 3 * shentsize <= cap);
    for (i = 0; i < 3; i++) {
        unsigned char *sh = buf + shoff + i * shentsize;
        uint32_t name = i == 1 ? 1 : i == 2 ? 11 : 0;
        uint64_t off = i == 1 ? str_off : i == 2 ? bi_off : 0;
        uint64_t size = i == 1 ? sizeof(strtab) : i == 2 ? bi_len : 0;
        put(sh, name, 4, big);
        put(sh + 4, i == 1 ? 3 : i == 2 ? 1 : 0, 4, big);
        if (is64) {
            put(sh + 0x18, off, 8, big);
            put(sh + 0x20, size, 8, big);
        } else {
            put(sh + 0x10, off, 4, big);
            put(sh + 0x14, size, 4, big);
        }
    }
    if (is64) {
        put(buf + 0x28, shoff, 8, big);
        put(buf + 0x3a, shentsize, 2, big);
        put(buf + 0x3c, 3, 2, big);
        put(buf + 0x3e, 1, 2, big);
    } else {
        put(buf + 0x20, shoff, 4, big);
        put(buf + 0x2e, shentsize, 2, big);
        put(buf + 0x30, 3, 2, big);
        put(buf + 0x32, 1, 2, big);
    }
    return shoff + 3 * shentsize;
}

static int go(wb_sbom *sbom, const unsigned char *buf, size_t len)
{
    wb_sbom_reader reader;
    wb_sbom_membuf mem;
    wb_sbom_reader_mem(&reader, &mem, buf, len);
    return wb_catalog_go(sbom, "usr/bin/app", &reader);
}

static void test_go(void **state)
{
    static const char modinfo[] = "path\texample.com/app/cmd/app\n"
                                  "mod\texample.com/app\t(devel)\t\n"
                                  "dep\tgithub.com/a/b\tv1.2.3\th1:abc=\n"
                                  "dep\tgolang.org/x/sys\tv0.1.0\th1:x=\n"
                                  "=>\tgolang.org/x/sys\tv0.2.0\th1:y=\n"
                                  "dep\texample.com/local\tv1.0.0\n"
                                  "=>\t./local\t(devel)\t\n"
                                  "dep\tgopkg.in/yaml.v3\tv3.0.1\th1:z=\n"
                                  "build\t-compiler=gc\n"
                                  "build\tGOOS=linux\n";
    static const char expected[] = "pkg:golang/example.com/app\n"
                                   "pkg:golang/example.com/local@v1.0.0\n"
                                   "pkg:golang/github.com/a/b@v1.2.3\n"
                                   "pkg:golang/golang.org/x/sys@v0.2.0\n"
                                   "pkg:golang/gopkg.in/yaml.v3@v3.0.1\n"
                                   "pkg:golang/stdlib@1.19.8\n";
    unsigned char buf[4096];
    size_t len;
    wb_sbom *sbom;
    int variant;
    (void)state;
    for (variant = 0; variant < 4; variant++) {
        sbom = inventory();
        len = make_go_elf(buf, sizeof(buf), variant & 1, variant & 2, 2, "go1.19.8", modinfo);
        assert_int_equal(go(sbom, buf, len), 1);
        expect_purls(sbom, expected);
        assert_string_equal(find(sbom, "app")->found_by, "go-binary-main");
        wb_sbom_free(sbom);
    }
    /* a toolchain suffix after a space is not the version; no modules */
    sbom = inventory();
    len = make_go_elf(buf, sizeof(buf), true, false, 2, "go1.25-20250209-RC00 cl/1 X:boringcrypto",
                      "");
    assert_int_equal(go(sbom, buf, len), 1);
    expect_purls(sbom, "pkg:golang/stdlib@1.25-20250209-RC00\n");
    wb_sbom_free(sbom);

    sbom = inventory();
    /* the old pointer format: noted, not read */
    len = make_go_elf(buf, sizeof(buf), true, false, 0, "go1.17", modinfo);
    assert_int_equal(go(sbom, buf, len), 1);
    assert_true(has_note(sbom, "Go before 1.18"));
    /* not ELF, too short, another section name: not a Go binary */
    assert_int_equal(go(sbom, (const unsigned char *)"#!/bin/sh\n", 10), 0);
    memset(buf, 'x', 100);
    assert_int_equal(go(sbom, buf, 100), 0);
    len = make_go_elf(buf, sizeof(buf), true, false, 2, "go1.19", modinfo);
    buf[64 + 11] = 'X'; /* ".Xo.buildinfo" */
    assert_int_equal(go(sbom, buf, len), 0);
    /* truncated before the section headers */
    len = make_go_elf(buf, sizeof(buf), true, false, 2, "go1.19", modinfo);
    expect_error(go(sbom, buf, len - 10), WB_EFORMAT, "usr/bin/app");
    /* a module string longer than the section */
    len = make_go_elf(buf, sizeof(buf), true, false, 2, "go1.19", modinfo);
    buf[128 + 32 + 1 + 6] = 0xff; /* 16383 */
    buf[128 + 32 + 1 + 6 + 1] = 0x7f;
    expect_error(go(sbom, buf, len), WB_EFORMAT, "bad module string");
    /* a wrong section entry size */
    len = make_go_elf(buf, sizeof(buf), true, false, 2, "go1.19", modinfo);
    buf[0x3a] = 63;
    expect_error(go(sbom, buf, len), WB_EFORMAT, "malformed section header table");
    assert_int_equal(wb_sbom_count(sbom), 0);
    wb_sbom_free(sbom);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dpkg),
        cmocka_unit_test(test_npm_lock_v3),
        cmocka_unit_test(test_npm_lock_v1_and_errors),
        cmocka_unit_test(test_npm_package),
        cmocka_unit_test(test_python),
        cmocka_unit_test(test_cargo),
        cmocka_unit_test(test_pom_properties),
        cmocka_unit_test(test_jars),
        cmocka_unit_test(test_go),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
