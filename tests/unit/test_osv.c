/*
 * test_osv.c: OSV loading, shape checks and matching (osv.c).
 *
 * The records are tests/vectors/osv/records (real advisories restated,
 * plus synthetic ones; see its README), which tests/interop also validates
 * against the OSV schema with ajv. Checked here: what each query reports
 * (id, aliases, summary, severity, fixed version) at versions on both
 * sides of every range bound, alias de-duplication (DEBIAN-CVE + DSA,
 * GHSA + PYSEC), Debian releases kept apart, withdrawn records left out,
 * the notes (GIT ranges, invalid versions, unknown ecosystems), the OSV
 * evaluation rules one by one on small records (unsorted events, several
 * introduced, last_affected, limit, ties), loading from a zip, every
 * invalid fixture and the bounds refused, duplicates, the directory walk
 * (symbolic links and other files ignored), and allocation failures.
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

#include "internal.h"
#include "waybill/osv.h"
#include "expect.h"
#include "oom.h"
#define TESTFS_TAG "osv"
#include "testfs.h"

#define N(a)   (sizeof(a) / sizeof((a)[0]))
#define NO_FIX ""

static wb_osv_db *vectors;
static char records_dir[1024], invalid_dir[1024];

static int setup(void **state)
{
    const char *root = getenv("WB_SOURCE_ROOT");

    if (!root)
        root = "../..";
    snprintf(records_dir, sizeof(records_dir), "%s/tests/vectors/osv/records", root);
    snprintf(invalid_dir, sizeof(invalid_dir), "%s/tests/vectors/osv/invalid", root);
    if (wb_osv_db_load(&vectors, records_dir) != 0) {
        fprintf(stderr, "%s: %s\n", records_dir, wb_error_last());
        return -1;
    }
    return make_base_dir(state);
}

static int teardown(void **state)
{
    wb_osv_db_free(vectors);
    return remove_base_dir(state);
}

/* The findings for one query; fails the test when the query fails. */
static wb_osv_findings *query(const wb_osv_db *db, const char *eco, const char *name,
                              const char *version)
{
    wb_osv_findings *findings = NULL;
    int rc = wb_osv_query(&findings, db, eco, name, version);
    if (rc != 0)
        fail_msg("%s/%s@%s: %s (%s)", eco, name, version, wb_error_name(rc), wb_error_last());
    return findings;
}

/* Exactly one finding, with this id and fixed version (NO_FIX: none). */
static const wb_osv_finding *expect_one(wb_osv_findings *findings, const char *id,
                                        const char *fixed)
{
    const wb_osv_finding *f;

    if (wb_osv_findings_count(findings) != 1)
        fail_msg("expected one finding (%s), got %zu", id, wb_osv_findings_count(findings));
    f = wb_osv_findings_at(findings, 0);
    assert_string_equal(f->id, id);
    if (fixed[0])
        assert_string_equal(f->fixed ? f->fixed : "(none)", fixed);
    else if (f->fixed)
        fail_msg("%s: expected no fixed version, got %s", id, f->fixed);
    assert_null(wb_osv_findings_at(findings, 1));
    return f;
}

/* Check a query that must give one finding (id, fix) or none (id NULL). */
static void check(const wb_osv_db *db, const char *eco, const char *name, const char *version,
                  const char *id, const char *fixed)
{
    wb_osv_findings *findings = query(db, eco, name, version);

    if (id) {
        expect_one(findings, id, fixed);
    } else if (wb_osv_findings_count(findings) != 0) {
        fail_msg("%s/%s@%s: expected nothing, got %s", eco, name, version,
                 wb_osv_findings_at(findings, 0)->id);
    }
    wb_osv_findings_free(findings);
}

static bool has_note(const wb_osv_db *db, const char *needle)
{
    size_t i;

    for (i = 0; i < wb_osv_db_note_count(db); i++)
        if (strstr(wb_osv_db_note_at(db, i), needle))
            return true;
    return false;
}

static bool has_severity(const wb_osv_finding *f, const char *type, const char *score)
{
    size_t i;

    for (i = 0; i < f->n_severity; i++)
        if (strcmp(f->severity[i].type, type) == 0 && strcmp(f->severity[i].score, score) == 0)
            return true;
    return false;
}

static wb_osv_db *db_of(const char *json)
{
    wb_osv_db *db = NULL;
    if (wb_osv_db_load_buffer(&db, json, strlen(json), "test.json") != 0)
        fail_msg("%s\n%s", wb_error_last(), json);
    return db;
}

/* --- the vectors --- */

static void test_load_vectors(void **state)
{
    /* 11 files, one withdrawn */
    assert_int_equal(wb_osv_db_record_count(vectors), 10);
    assert_true(has_note(vectors, "x_WAYBILL-TEST-0002: withdrawn"));
    assert_true(has_note(vectors, "PYSEC-2023-74: affected[0].ranges[1]: GIT range skipped"));
    assert_true(has_note(vectors, "x_WAYBILL-TEST-0001: affected[0].ranges[2]: range skipped: "
                                  "'not a version!' is not a valid PyPI version"));
    assert_true(has_note(vectors, "x_WAYBILL-TEST-0001: affected[1]: no version ordering for "
                                  "ecosystem 'Alpine:v3.20'"));
    assert_int_equal(wb_osv_db_note_count(vectors), 4);
    assert_int_equal(wb_osv_db_notes_dropped(vectors), 0);
    assert_null(wb_osv_db_note_at(vectors, 4));
}

static void test_debian(void **state)
{
    wb_osv_findings *findings = query(vectors, "Debian:7", "openssl", "1.0.1e-2+deb7u4");
    const wb_osv_finding *f = expect_one(findings, "DEBIAN-CVE-2014-0160", "1.0.1e-2+deb7u5");

    /* DSA-2896-1 names the same CVE as its one upstream id: one finding */
    assert_int_equal(f->n_aliases, 2);
    assert_string_equal(f->aliases[0], "CVE-2014-0160");
    assert_string_equal(f->aliases[1], "DSA-2896-1");
    assert_string_equal(f->summary, "openssl - security update");
    assert_int_equal(f->n_severity, 0);
    wb_osv_findings_free(findings);

    check(vectors, "Debian:7", "openssl", "1.0.1e-2", "DEBIAN-CVE-2014-0160", "1.0.1e-2+deb7u5");
    check(vectors, "Debian:7", "openssl", "1.0.1e-2+deb7u4+b1", "DEBIAN-CVE-2014-0160",
          "1.0.1e-2+deb7u5");
    check(vectors, "Debian:7", "openssl", "1.0.1e-2+deb7u5", NULL, NULL);
    check(vectors, "Debian:7", "openssl", "1.0.1e-2+deb7u10", NULL, NULL);
    check(vectors, "Debian:7", "openssl", "1:0.9", NULL, NULL);
    check(vectors, "Debian:7", "openssl", "0.9.8o-4squeeze14", "DEBIAN-CVE-2014-0160",
          "1.0.1e-2+deb7u5");
    /* other releases, other names: nothing */
    check(vectors, "Debian:12", "openssl", "1.0.1e-2", NULL, NULL);
    check(vectors, "Debian", "openssl", "1.0.1e-2", NULL, NULL);
    check(vectors, "Debian:7", "libssl1.0.0", "1.0.1e-2", NULL, NULL);
    check(vectors, "Debian:7", "OpenSSL", "1.0.1e-2", NULL, NULL);

    check(vectors, "Debian:13", "xz-utils", "5.6.1-1", "DEBIAN-CVE-2024-3094",
          "5.6.1+really5.4.5-1");
    check(vectors, "Debian:13", "xz-utils", "5.6.0-0.2", "DEBIAN-CVE-2024-3094",
          "5.6.1+really5.4.5-1");
    check(vectors, "Debian:13", "xz-utils", "5.6.1+really5.4.5-1", NULL, NULL);
    check(vectors, "Debian:13", "xz-utils", "5.6.1+really5.4.5-1+b1", NULL, NULL);
    findings = query(vectors, "Debian:13", "xz-utils", "5.6.1-1");
    f = wb_osv_findings_at(findings, 0);
    assert_int_equal(f->n_aliases, 1);
    assert_string_equal(f->aliases[0], "CVE-2024-3094");
    assert_null(f->summary);
    wb_osv_findings_free(findings);
}

static void test_npm(void **state)
{
    wb_osv_findings *findings = query(vectors, "npm", "lodash", "4.17.11");
    const wb_osv_finding *f = expect_one(findings, "GHSA-jf85-cpcp-j695", "4.17.12");

    assert_int_equal(f->n_aliases, 1);
    assert_string_equal(f->aliases[0], "CVE-2019-10744");
    assert_string_equal(f->summary, "Prototype Pollution in lodash");
    assert_int_equal(f->n_severity, 2);
    assert_true(has_severity(f, "CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H"));
    assert_true(has_severity(f, "database_specific", "CRITICAL"));
    wb_osv_findings_free(findings);

    check(vectors, "npm", "lodash", "0.1.0", "GHSA-jf85-cpcp-j695", "4.17.12");
    check(vectors, "npm", "lodash", "4.17.12-pre.1", "GHSA-jf85-cpcp-j695", "4.17.12");
    check(vectors, "npm", "lodash", "v4.17.11", "GHSA-jf85-cpcp-j695", "4.17.12");
    check(vectors, "npm", "lodash", "4.17.12", NULL, NULL);
    check(vectors, "npm", "lodash", "4.17.21", NULL, NULL);
    check(vectors, "npm", "lodash", "4.17.12+build.1", NULL, NULL);

    /* three affected entries, one per release line */
    check(vectors, "npm", "semver", "7.5.1", "GHSA-c2qf-rxjj-qqgw", "7.5.2");
    check(vectors, "npm", "semver", "7.0.0", "GHSA-c2qf-rxjj-qqgw", "7.5.2");
    check(vectors, "npm", "semver", "7.0.0-rc.1", NULL, NULL);
    check(vectors, "npm", "semver", "6.3.0", "GHSA-c2qf-rxjj-qqgw", "6.3.1");
    check(vectors, "npm", "semver", "5.7.1", "GHSA-c2qf-rxjj-qqgw", "5.7.2");
    check(vectors, "npm", "semver", "5.7.2", NULL, NULL);
    check(vectors, "npm", "semver", "6.0.0-beta", NULL, NULL);
    check(vectors, "npm", "semver", "6.3.1", NULL, NULL);
    check(vectors, "npm", "semver", "7.5.2", NULL, NULL);
    check(vectors, "npm", "semver", "7.6.0", NULL, NULL);
}

static void test_pypi(void **state)
{
    wb_osv_findings *findings = query(vectors, "PyPI", "requests", "2.30.0");
    const wb_osv_finding *f = expect_one(findings, "GHSA-j8r2-6x86-q33q", "2.31.0");

    /* the GHSA and the PYSEC alias each other: one finding */
    assert_int_equal(f->n_aliases, 2);
    assert_string_equal(f->aliases[0], "CVE-2023-32681");
    assert_string_equal(f->aliases[1], "PYSEC-2023-74");
    assert_true(has_severity(f, "CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N"));
    assert_true(has_severity(f, "database_specific", "MODERATE"));
    assert_int_equal(f->n_severity, 2);
    wb_osv_findings_free(findings);

    check(vectors, "PyPI", "requests", "2.3.0", "GHSA-j8r2-6x86-q33q", "2.31.0");
    check(vectors, "PyPI", "requests", "2.31.0rc1", "GHSA-j8r2-6x86-q33q", "2.31.0");
    check(vectors, "PyPI", "Requests", "2.30", "GHSA-j8r2-6x86-q33q", "2.31.0");
    check(vectors, "PyPI", "requests", "2.3.0.dev1", NULL, NULL);
    check(vectors, "PyPI", "requests", "2.2.1", NULL, NULL);
    check(vectors, "PyPI", "requests", "2.31.0", NULL, NULL);
    check(vectors, "PyPI", "requests", "2.31", NULL, NULL);

    /* synthetic: last_affected, limit, versions list; PEP 503 names */
    findings = query(vectors, "PyPI", "waybill-example-pkg", "2.2.post1");
    f = expect_one(findings, "x_WAYBILL-TEST-0001", NO_FIX);
    assert_true(has_severity(f, "CVSS_V4",
                             "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"));
    assert_true(has_severity(f, "ecosystem_specific", "low"));
    assert_int_equal(f->n_aliases, 0);
    wb_osv_findings_free(findings);
    check(vectors, "PyPI", "WAYBILL.example__PKG", "2.0", "x_WAYBILL-TEST-0001", NO_FIX);
    check(vectors, "PyPI", "waybill-example-pkg", "2.2.post2", NULL, NULL);
    check(vectors, "PyPI", "waybill-example-pkg", "2.3", NULL, NULL);
    check(vectors, "PyPI", "waybill-example-pkg", "2.0rc1", NULL, NULL);
    check(vectors, "PyPI", "waybill-example-pkg", "3.0.dev0", "x_WAYBILL-TEST-0001", NO_FIX);
    check(vectors, "PyPI", "waybill-example-pkg", "3.0.99", "x_WAYBILL-TEST-0001", NO_FIX);
    check(vectors, "PyPI", "waybill-example-pkg", "3.1.dev0", "x_WAYBILL-TEST-0001", NO_FIX);
    check(vectors, "PyPI", "waybill-example-pkg", "3.1", NULL, NULL);
    check(vectors, "PyPI", "waybill-example-pkg", "1.0rc1", "x_WAYBILL-TEST-0001", NO_FIX);
    check(vectors, "PyPI", "waybill-example-pkg", "1.0.0", "x_WAYBILL-TEST-0001", NO_FIX);
    check(vectors, "PyPI", "waybill-example-pkg", "1.1", "x_WAYBILL-TEST-0001", NO_FIX);
    check(vectors, "PyPI", "waybill-example-pkg", "1.0.1", NULL, NULL);
    check(vectors, "PyPI", "waybill-example-pkg", "0.9", NULL, NULL);
}

static void test_maven_go_cargo(void **state)
{
    static const char *const log4j = "org.apache.logging.log4j:log4j-core";

    check(vectors, "Maven", log4j, "2.14.1", "GHSA-jfh8-c2jp-5v3q", "2.15.0");
    check(vectors, "Maven", log4j, "2.13.0", "GHSA-jfh8-c2jp-5v3q", "2.15.0");
    check(vectors, "Maven", log4j, "2.15.0-rc1", "GHSA-jfh8-c2jp-5v3q", "2.15.0");
    check(vectors, "Maven", log4j, "2.15.0", NULL, NULL);
    check(vectors, "Maven", log4j, "2.12.1", "GHSA-jfh8-c2jp-5v3q", "2.12.2");
    check(vectors, "Maven", log4j, "2.12.2", NULL, NULL);
    check(vectors, "Maven", log4j, "2.4", "GHSA-jfh8-c2jp-5v3q", "2.12.2");
    check(vectors, "Maven", log4j, "2.3.1", NULL, NULL);
    check(vectors, "Maven", log4j, "2.3", "GHSA-jfh8-c2jp-5v3q", "2.3.1");
    check(vectors, "Maven", log4j, "2.0", "GHSA-jfh8-c2jp-5v3q", "2.3.1");
    check(vectors, "Maven", log4j, "2.0-rc1", "GHSA-jfh8-c2jp-5v3q", "2.3.1");
    check(vectors, "Maven", log4j, "2.0-beta9", "GHSA-jfh8-c2jp-5v3q", "2.3.1");
    check(vectors, "Maven", log4j, "2.0-beta8", NULL, NULL);
    check(vectors, "Maven", log4j, "1.2.17", NULL, NULL);
    check(vectors, "Maven", "org.apache.logging.log4j:log4j-api", "2.14.1", NULL, NULL);

    check(vectors, "Go", "golang.org/x/text", "v0.3.7", "GO-2022-1059", "0.3.8");
    check(vectors, "Go", "golang.org/x/text", "0.3.7", "GO-2022-1059", "0.3.8");
    check(vectors, "Go", "golang.org/x/text", "v0.0.0-20170915032832-14c0d48ead0c", "GO-2022-1059",
          "0.3.8");
    check(vectors, "Go", "golang.org/x/text", "v0.3.8", NULL, NULL);
    check(vectors, "Go", "golang.org/x/text", "v0.14.0", NULL, NULL);

    check(vectors, "crates.io", "waybill-example", "0.2.0-alpha.2", "x_WAYBILL-TEST-0001", "0.2.0");
    check(vectors, "crates.io", "waybill-example", "0.2.0-alpha.0", NULL, NULL);
    check(vectors, "crates.io", "waybill-example", "0.2.0", NULL, NULL);
    check(vectors, "crates.io", "waybill-example", "0.3.3", "x_WAYBILL-TEST-0001", "0.3.4");
    check(vectors, "crates.io", "waybill-example", "0.3.4", NULL, NULL);
    check(vectors, "crates.io", "waybill-example", "0.1.0", NULL, NULL);
}

static void test_query_errors(void **state)
{
    wb_osv_findings *findings = (wb_osv_findings *)&findings;

    expect_error(wb_osv_query(&findings, vectors, "Alpine:v3.20", "waybill-example", "1.0-r0"),
                 WB_ENOTFOUND, "Alpine");
    assert_null(findings);
    expect_error(wb_osv_query(&findings, vectors, "npm", "lodash", "4.17"), WB_EFORMAT,
                 "npm/lodash: '4.17' is not a valid npm version");
    expect_error(wb_osv_query(&findings, vectors, "Debian:7", "openssl", "a1"), WB_EFORMAT,
                 "Debian");
    expect_error(wb_osv_query(&findings, vectors, "PyPI", "requests", "2.x"), WB_EFORMAT, "PyPI");
    expect_error(wb_osv_query(NULL, vectors, "npm", "lodash", "1.0.0"), WB_EINVAL, NULL);
    expect_error(wb_osv_query(&findings, NULL, "npm", "lodash", "1.0.0"), WB_EINVAL, NULL);
    expect_error(wb_osv_query(&findings, vectors, NULL, "lodash", "1.0.0"), WB_EINVAL, NULL);
    expect_error(wb_osv_query(&findings, vectors, "npm", NULL, "1.0.0"), WB_EINVAL, NULL);
    expect_error(wb_osv_query(&findings, vectors, "npm", "lodash", NULL), WB_EINVAL, NULL);
    /* nothing known: an empty list, not an error */
    findings = query(vectors, "npm", "left-pad", "1.3.0");
    assert_int_equal(wb_osv_findings_count(findings), 0);
    assert_null(wb_osv_findings_at(findings, 0));
    wb_osv_findings_free(findings);
    wb_osv_findings_free(NULL);
    wb_osv_db_free(NULL);
    assert_int_equal(wb_osv_findings_count(NULL), 0);
    assert_int_equal(wb_osv_db_record_count(NULL), 0);
}

/* --- the evaluation rules, one by one --- */

#define RECORD_OF(events)                                                                          \
    "{\"id\":\"x_T\",\"modified\":\"2026-01-01T00:00:00Z\",\"affected\":[{\"package\":"            \
    "{\"ecosystem\":\"npm\",\"name\":\"p\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":" events   \
    "}]}]}"

static void check_range(const char *json, const char *version, bool affected, const char *fixed)
{
    wb_osv_db *db = db_of(json);
    check(db, "npm", "p", version, affected ? "x_T" : NULL, fixed);
    wb_osv_db_free(db);
}

static void test_evaluation(void **state)
{
    const char *two = RECORD_OF("[{\"introduced\":\"0\"},{\"fixed\":\"1.0.0\"},"
                                "{\"introduced\":\"2.0.0\"},{\"fixed\":\"3.0.0\"}]");
    const char *unsorted = RECORD_OF("[{\"fixed\":\"3.0.0\"},{\"introduced\":\"2.0.0\"},"
                                     "{\"fixed\":\"1.0.0\"},{\"introduced\":\"0\"}]");
    const char *tie = RECORD_OF("[{\"introduced\":\"1.0.0\"},{\"fixed\":\"1.0.0\"}]");
    const char *last = RECORD_OF("[{\"introduced\":\"1.0.0\"},{\"last_affected\":\"1.2.0\"}]");
    const char *limit = RECORD_OF("[{\"introduced\":\"1.0.0\"},{\"limit\":\"2.0.0\"}]");
    const char *star = RECORD_OF("[{\"introduced\":\"1.0.0\"},{\"limit\":\"*\"}]");
    const char *open = RECORD_OF("[{\"introduced\":\"1.0.0-rc.1\"}]");
    const char *s;
    size_t i;

    for (i = 0; i < 2; i++) {
        s = i ? unsorted : two;
        check_range(s, "0.0.0", true, "1.0.0");
        check_range(s, "0.9.9", true, "1.0.0");
        check_range(s, "1.0.0", false, NULL);
        check_range(s, "1.9.9", false, NULL);
        check_range(s, "2.0.0-rc.1", false, NULL);
        check_range(s, "2.0.0", true, "3.0.0");
        check_range(s, "2.9.9", true, "3.0.0");
        check_range(s, "3.0.0-0", true, "3.0.0");
        check_range(s, "3.0.0", false, NULL);
        check_range(s, "99.0.0", false, NULL);
    }
    check_range(tie, "1.0.0", false, NULL);
    check_range(tie, "0.9.0", false, NULL);
    check_range(last, "1.2.0", true, NO_FIX);
    check_range(last, "1.2.0+build", true, NO_FIX);
    check_range(last, "1.2.1-0", false, NULL);
    check_range(last, "0.9.0", false, NULL);
    check_range(limit, "1.9.9", true, NO_FIX);
    check_range(limit, "2.0.0", false, NULL);
    check_range(star, "99.0.0", true, NO_FIX);
    check_range(open, "1.0.0-rc.1", true, NO_FIX);
    check_range(open, "1.0.0-beta", false, NULL);
    check_range(open, "123.0.0", true, NO_FIX);
}

static void test_ecosystem_and_semver_ranges(void **state)
{
    /* a SEMVER range under PyPI compares as SemVer, not PEP 440 */
    static const char pypi_semver[] =
        "{\"id\":\"x_S\",\"modified\":\"2026-01-01T00:00:00Z\",\"affected\":[{\"package\":"
        "{\"ecosystem\":\"PyPI\",\"name\":\"p\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":"
        "[{\"introduced\":\"1.0.0\"},{\"fixed\":\"1.0.1\"}]}]}]}";
    wb_osv_db *db = db_of(pypi_semver);

    check(db, "PyPI", "p", "1.0.0", "x_S", "1.0.1");
    /* "1.0" is a fine PEP 440 version but not SemVer: the range cannot say */
    check(db, "PyPI", "p", "1.0", NULL, NULL);
    wb_osv_db_free(db);
}

/* --- loading --- */

static void test_invalid_fixtures(void **state)
{
    static const struct {
        const char *file, *needle;
    } cases[] = {
        {"no-introduced.json", "affected[0].ranges[0].events: no \"introduced\" event"},
        {"fixed-and-last-affected.json", "both \"fixed\" and \"last_affected\""},
        {"event-two-kinds.json", "affected[0].ranges[0].events[0]: not an object with exactly one"},
        {"git-without-repo.json", "GIT range without a string \"repo\""},
        {"no-modified.json", "modified: missing"},
        {"range-type-unknown.json", "type is not GIT, SEMVER or ECOSYSTEM"},
        {"versions-not-strings.json", "affected[0].versions[1]: not a string"},
        {"package-without-name.json", "affected[0].package.name: missing"},
    };
    char path[1200];
    size_t i;

    for (i = 0; i < N(cases); i++) {
        wb_osv_db *db = (wb_osv_db *)&db;
        snprintf(path, sizeof(path), "%s/%s", invalid_dir, cases[i].file);
        expect_error(wb_osv_db_load(&db, path), WB_EFORMAT, cases[i].needle);
        assert_null(db);
        assert_non_null(strstr(wb_error_last(), cases[i].file));
    }
}

static void test_shape_rejections(void **state)
{
    static const struct {
        const char *json, *needle;
    } cases[] = {
        {"[]", "not a JSON object"},
        {"{\"id\":\"a b\",\"modified\":\"x\"}", "id: not 1 to 256"},
        {"{\"id\":\"\",\"modified\":\"x\"}", "id: not 1 to 256"},
        {"{\"id\":7,\"modified\":\"x\"}", "id: not a string"},
        {"{\"modified\":\"x\"}", "id: missing"},
        {"{\"id\":\"x_a\",\"modified\":\"x\",\"aliases\":\"CVE-1\"}", "aliases: not an array"},
        {"{\"id\":\"x_a\",\"modified\":\"x\",\"aliases\":[1]}", "aliases[0]: not a string"},
        {"{\"id\":\"x_a\",\"modified\":\"x\",\"summary\":[]}", "summary: not a string"},
        {"{\"id\":\"x_a\",\"modified\":\"x\",\"withdrawn\":true}", "withdrawn: not a string"},
        {"{\"id\":\"x_a\",\"modified\":\"x\",\"severity\":[{\"type\":\"CVSS_V3\"}]}",
         "severity[0]"},
        {"{\"id\":\"x_a\",\"modified\":\"x\",\"affected\":{}}", "affected: not an array"},
        {"{\"id\":\"x_a\",\"modified\":\"x\",\"affected\":[1]}", "affected[0]: not an object"},
        {"{\"id\":\"x_a\",\"modified\":\"x\",\"affected\":[{\"package\":\"npm\"}]}",
         "affected[0].package: not an object"},
        {"{\"id\":\"x_a\",\"modified\":\"x\",\"affected\":[{\"ranges\":[{\"type\":\"SEMVER\"}]}]}",
         "affected[0].ranges[0].events: missing"},
        {"{\"id\":\"x_a\",\"modified\":\"x\",\"affected\":[{\"ranges\":[{\"type\":\"SEMVER\","
         "\"events\":[]}]}]}",
         "not a non-empty array"},
        {"{\"id\":\"x_a\",\"modified\":\"x\",\"affected\":[{\"ranges\":[{\"type\":\"SEMVER\","
         "\"events\":[{\"introduced\":0}]}]}]}",
         "events[0]"},
        {"{\"id\":\"x_a\",\"modified\":\"x\",\"affected\":[{\"ranges\":[{\"type\":\"SEMVER\","
         "\"events\":[{\"fixed\":\"1\",\"limit\":\"2\"}]}]}]}",
         "events[0]"},
        {"{\"id\":\"x_a\",\"modified\":\"x\",\"affected\":[{\"ecosystem_specific\":[]}]}",
         "ecosystem_specific: not an object"},
        {"{\"id\":\"x_a\",\"modified\":\"x\",\"affected\":[{\"ranges\":[{\"type\":\"SEMVER\","
         "\"events\":[{\"introduced\":\"0\"}],\"database_specific\":1}]}]}",
         "database_specific: not an object"},
        {"{\"id\":\"x_a\",\"modified\":\"x\",\"id\":\"x_b\"}", "duplicate"},
        {"{\"id\":\"x_a\",\"modified\":\"x\"", NULL},
    };
    size_t i;

    for (i = 0; i < N(cases); i++) {
        wb_osv_db *db = NULL;
        int rc = wb_osv_db_load_buffer(&db, cases[i].json, strlen(cases[i].json), "t.json");
        if (rc != WB_EFORMAT)
            fail_msg("%s: %s (%s)", cases[i].json, wb_error_name(rc), wb_error_last());
        assert_null(db);
        if (cases[i].needle && !strstr(wb_error_last(), cases[i].needle))
            fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].json, wb_error_last(),
                     cases[i].needle);
        assert_non_null(strstr(wb_error_last(), "t.json"));
    }
    /* null arrays are absent ones (the schema allows null) */
    {
        wb_osv_db *db = db_of("{\"id\":\"x_a\",\"modified\":\"x\",\"affected\":null,"
                              "\"severity\":null}");
        assert_int_equal(wb_osv_db_record_count(db), 1);
        wb_osv_db_free(db);
    }
}

static void test_bounds(void **state)
{
    static const char head[] = "{\"id\":\"x_a\",\"modified\":\"x\",\"aliases\":[";
    size_t n = WB_OSV_MAX_ITEMS + 1, i, len = 0;
    char *json = malloc(sizeof(head) + n * 4 + 8);
    wb_osv_db *db = NULL;

    assert_non_null(json);
    memcpy(json, head, sizeof(head) - 1);
    len = sizeof(head) - 1;
    for (i = 0; i < n; i++) {
        memcpy(json + len, i ? ",\"a\"" : "\"a\"", i ? 4 : 3);
        len += i ? 4 : 3;
    }
    memcpy(json + len, "]}", 2);
    len += 2;
    expect_error(wb_osv_db_load_buffer(&db, json, len, "big.json"), WB_ELIMIT, "aliases");
    /* one fewer is fine */
    memmove(json + len - 6, "]}", 2);
    assert_int_equal(wb_osv_db_load_buffer(&db, json, len - 4, "big.json"), 0);
    wb_osv_db_free(db);
    free(json);

    json = malloc(WB_OSV_MAX_FILE_SIZE + 1);
    assert_non_null(json);
    memset(json, ' ', WB_OSV_MAX_FILE_SIZE + 1);
    expect_error(wb_osv_db_load_buffer(&db, json, WB_OSV_MAX_FILE_SIZE + 1, "huge.json"), WB_ELIMIT,
                 "huge.json");
    /* the same file on disk */
    put_file(base_dir, "huge.json", json, WB_OSV_MAX_FILE_SIZE + 1, 0644);
    expect_error(wb_osv_db_load(&db, join(base_dir, "huge.json")), WB_ELIMIT, "huge.json");
    remove_path(base_dir, "huge.json");
    free(json);
    expect_error(wb_osv_db_load(&db, join(base_dir, "missing")), WB_ENOTFOUND, "missing");
    expect_error(wb_osv_db_load(NULL, base_dir), WB_EINVAL, NULL);
    expect_error(wb_osv_db_load_buffer(&db, NULL, 1, "x"), WB_EINVAL, NULL);
}

/* A record at the alias bound (all distinct, and one of them repeated):
 * queries stay fast (names are sorted, not compared pairwise). */
static void test_many_aliases(void **state)
{
    size_t n = WB_OSV_MAX_ITEMS, i, len = 0, cap = n * 12 + 512;
    char *json = malloc(cap);
    wb_osv_db *db = NULL;
    wb_osv_findings *findings;
    const wb_osv_finding *f;

    assert_non_null(json);
    len += (size_t)snprintf(json + len, cap - len,
                            "{\"id\":\"x_many\",\"modified\":\"m\",\"aliases\":[");
    for (i = 0; i < n; i++)
        len += (size_t)snprintf(json + len, cap - len, "%s\"A%06zu\"", i ? "," : "",
                                i == n - 1 ? (size_t)0 : i);
    len += (size_t)snprintf(json + len, cap - len,
                            "],\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":"
                            "\"p\"},\"versions\":[\"1.0.0\"]}]}");
    assert_int_equal(wb_osv_db_load_buffer(&db, json, len, "many.json"), 0);
    findings = query(db, "npm", "p", "1.0.0");
    f = expect_one(findings, "x_many", NO_FIX);
    assert_int_equal(f->n_aliases, n - 1);
    assert_string_equal(f->aliases[0], "A000000");
    assert_string_equal(f->aliases[n - 2], "A099998");
    wb_osv_findings_free(findings);
    wb_osv_db_free(db);
    free(json);
}

#define SIMPLE(id, modified)                                                                       \
    "{\"id\":\"" id "\",\"modified\":\"" modified "\",\"summary\":\"" modified "\","               \
    "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"p\"},\"ranges\":[{\"type\":"     \
    "\"SEMVER\",\"events\":[{\"introduced\":\"0\"}]}]}]}"

static void test_directory_walk(void **state)
{
    const char *dir = new_dir("walk");
    wb_osv_db *db = NULL;
    wb_osv_findings *findings;
    char deep[600];
    int depth;

    put_dir(dir, "a", 0755);
    put_dir(dir, "a/b", 0755);
    put_text(dir, "a/b/x_one.json", SIMPLE("x_one", "2026-01-01T00:00:00Z"), 0644);
    /* the same id twice: the later modification wins, wherever it is */
    put_text(dir, "a/x_dup-new.json", SIMPLE("x_dup", "2026-02-01T00:00:00Z"), 0644);
    put_text(dir, "x_dup-old.json", SIMPLE("x_dup", "2026-01-01T00:00:00Z"), 0644);
    /* not read: other names, dot files, links (to files and directories) */
    put_text(dir, "notes.txt", "not json", 0644);
    put_text(dir, "x_two.json.bak", "not json", 0644);
    put_text(dir, ".hidden.json", "not json", 0644);
    put_link(dir, "link.json", "a/b/x_one.json");
    put_link(dir, "loop", ".");
    put_link(dir, "outside", "/etc");

    assert_int_equal(wb_osv_db_load(&db, dir), 0);
    assert_int_equal(wb_osv_db_record_count(db), 2);
    assert_true(has_note(db, "x_dup: found twice, kept the one modified 2026-02-01T00:00:00Z"));
    findings = query(db, "npm", "p", "1.0.0");
    assert_int_equal(wb_osv_findings_count(findings), 2);
    assert_string_equal(wb_osv_findings_at(findings, 0)->id, "x_dup");
    assert_string_equal(wb_osv_findings_at(findings, 0)->summary, "2026-02-01T00:00:00Z");
    assert_string_equal(wb_osv_findings_at(findings, 1)->id, "x_one");
    wb_osv_findings_free(findings);
    wb_osv_db_free(db);

    /* one bad file fails the load and is named */
    put_text(dir, "a/b/x_bad.json", "{\"id\":\"x_bad\"}", 0644);
    expect_error(wb_osv_db_load(&db, dir), WB_EFORMAT, "a/b/x_bad.json: modified: missing");
    assert_null(db);
    remove_path(dir, "a/b/x_bad.json");

    /* a single .json file is a database of one record */
    assert_int_equal(wb_osv_db_load(&db, join(dir, "a/b/x_one.json")), 0);
    assert_int_equal(wb_osv_db_record_count(db), 1);
    wb_osv_db_free(db);

    /* nesting beyond the bound */
    snprintf(deep, sizeof(deep), "%s", dir);
    for (depth = 0; depth <= WB_OSV_MAX_DEPTH; depth++) {
        strcat(deep, "/d");
        if (mkdir(deep, 0755) < 0)
            fail_msg("mkdir %s", deep);
    }
    expect_error(wb_osv_db_load(&db, dir), WB_ELIMIT, "nested deeper");
}

/* Write the vectors' records into a zip (and a few entries to ignore). */
static void write_zip(const char *path, bool with_bad_entry)
{
    static const char *const files[] = {
        "debian/DEBIAN-CVE-2014-0160.json", "debian/DSA-2896-1.json",
        "npm/GHSA-jf85-cpcp-j695.json",     "pypi/PYSEC-2023-74.json",
        "pypi/GHSA-j8r2-6x86-q33q.json",
    };
    struct archive *ar = archive_write_new();
    struct archive_entry *ae;
    size_t i;

    assert_non_null(ar);
    assert_int_equal(archive_write_set_format_zip(ar), ARCHIVE_OK);
    assert_int_equal(archive_write_open_filename(ar, path), ARCHIVE_OK);
    for (i = 0; i < N(files) + 2; i++) {
        char *data = NULL, full[1200];
        size_t len = 0;
        const char *name;
        if (i < N(files)) {
            snprintf(full, sizeof(full), "%s/%s", records_dir, files[i]);
            assert_int_equal(wb_read_file(&data, &len, full, 1 << 20), 0);
            name = strchr(files[i], '/') + 1;
        } else if (i == N(files)) {
            data = wb_strdup("ignored");
            len = strlen(data);
            name = "README.txt";
        } else {
            data = wb_strdup(with_bad_entry ? "{\"id\":1}" : "{\"id\":\"x_z\",\"modified\":\"m\"}");
            len = strlen(data);
            name = "sub/x_z.json";
        }
        ae = archive_entry_new();
        archive_entry_set_pathname(ae, name);
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        archive_entry_set_size(ae, (la_int64_t)len);
        assert_int_equal(archive_write_header(ar, ae), ARCHIVE_OK);
        assert_int_equal(archive_write_data(ar, data, len), (la_ssize_t)len);
        archive_entry_free(ae);
        wb_free(data);
    }
    assert_int_equal(archive_write_close(ar), ARCHIVE_OK);
    archive_write_free(ar);
}

static void test_zip(void **state)
{
    const char *zip = join(base_dir, "all.zip");
    wb_osv_db *db = NULL;

    write_zip(zip, false);
    assert_int_equal(wb_osv_db_load(&db, zip), 0);
    assert_int_equal(wb_osv_db_record_count(db), 6);
    check(db, "Debian:7", "openssl", "1.0.1e-2", "DEBIAN-CVE-2014-0160", "1.0.1e-2+deb7u5");
    check(db, "PyPI", "requests", "2.30.0", "GHSA-j8r2-6x86-q33q", "2.31.0");
    check(db, "npm", "lodash", "4.17.11", "GHSA-jf85-cpcp-j695", "4.17.12");
    wb_osv_db_free(db);

    write_zip(zip, true);
    expect_error(wb_osv_db_load(&db, zip), WB_EFORMAT, "all.zip:sub/x_z.json: id: not a string");
    assert_null(db);

    put_text(base_dir, "not.zip", "this is not a zip file", 0644);
    expect_error(wb_osv_db_load(&db, join(base_dir, "not.zip")), WB_EFORMAT, "not.zip");
    remove_path(base_dir, "all.zip");
    remove_path(base_dir, "not.zip");
}

/* --- allocation failures --- */

typedef struct {
    const char *json;
    const char *eco, *name, *version;
    size_t expected_findings;
} oom_job;

static int op_load_query(const void *arg)
{
    const oom_job *job = arg;
    wb_osv_db *db = NULL;
    wb_osv_findings *findings = NULL;
    int rc = wb_osv_db_load_buffer(&db, job->json, strlen(job->json), "oom.json");

    if (rc == 0)
        rc = wb_osv_query(&findings, db, job->eco, job->name, job->version);
    if (rc == 0 && wb_osv_findings_count(findings) != job->expected_findings)
        rc = wb_error_set(WB_EINTERNAL, "wrong number of findings");
    wb_osv_findings_free(findings);
    wb_osv_db_free(db);
    return rc;
}

static int op_query_vectors(const void *arg)
{
    const oom_job *job = arg;
    wb_osv_findings *findings = NULL;
    int rc = wb_osv_query(&findings, vectors, job->eco, job->name, job->version);

    if (rc == 0 && wb_osv_findings_count(findings) != job->expected_findings)
        rc = wb_error_set(WB_EINTERNAL, "wrong number of findings");
    wb_osv_findings_free(findings);
    return rc;
}

static int op_load_dir(const void *arg)
{
    wb_osv_db *db = NULL;
    int rc = wb_osv_db_load(&db, arg);
    wb_osv_db_free(db);
    return rc;
}

static void test_out_of_memory(void **state)
{
    oom_job job = {RECORD_OF("[{\"introduced\":\"0\"},{\"fixed\":\"2.0.0\"}]"), "npm", "p", "1.0.0",
                   1};

    run_with_failing_allocations_ex(op_load_query, &job, 0, "load and query", true);
    job.eco = "Debian:7";
    job.name = "openssl";
    job.version = "1.0.1e-2";
    run_with_failing_allocations_ex(op_query_vectors, &job, 0, "query with aliases", true);
    job.eco = "PyPI";
    job.name = "Waybill.Example-Pkg";
    job.version = "1.0";
    run_with_failing_allocations_ex(op_query_vectors, &job, 0, "query with severities", true);
    run_with_failing_allocations_ex(op_load_dir, records_dir, 0, "load the vectors", true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_vectors),
        cmocka_unit_test(test_debian),
        cmocka_unit_test(test_npm),
        cmocka_unit_test(test_pypi),
        cmocka_unit_test(test_maven_go_cargo),
        cmocka_unit_test(test_query_errors),
        cmocka_unit_test(test_evaluation),
        cmocka_unit_test(test_ecosystem_and_semver_ranges),
        cmocka_unit_test(test_invalid_fixtures),
        cmocka_unit_test(test_shape_rejections),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_many_aliases),
        cmocka_unit_test(test_directory_walk),
        cmocka_unit_test(test_zip),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
