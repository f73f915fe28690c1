/*
 * test_review.c: what the review's detectors share (review.c, cvss.c):
 * CVSS base scores, the finding order, the redline, SARIF and the review
 * attestation's statement.
 *
 * The CVSS scores are the ones FIRST's calculator and NVD publish for the
 * same vectors (the CVSS v3.1 specification's examples and well-known
 * CVEs); the SARIF log is read back and checked field by field (its schema
 * validation with ajv is in tests/interop/test_review_interop.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "expect.h"
#include "waybill/review.h"

static void test_cvss_scores(void **state)
{
    static const struct {
        const char *vector;
        double score;
        wb_severity severity;
    } cases[] = {
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, WB_SEVERITY_CRITICAL},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, WB_SEVERITY_CRITICAL},
        {"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, WB_SEVERITY_HIGH},
        {"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, WB_SEVERITY_MEDIUM},
        {"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9, WB_SEVERITY_MEDIUM},
        {"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, WB_SEVERITY_MEDIUM},
        {"CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:N/I:N/A:H", 4.7, WB_SEVERITY_MEDIUM},
        {"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, WB_SEVERITY_LOW},
        {"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 0.0, WB_SEVERITY_NONE},
        /* temporal metrics follow the base and leave its score alone */
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", 9.8, WB_SEVERITY_CRITICAL},
        {"AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5, WB_SEVERITY_HIGH},
        {"AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3, WB_SEVERITY_MEDIUM},
        {"AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0, WB_SEVERITY_HIGH}, /* v2 has no critical */
        {"AV:L/AC:L/Au:N/C:P/I:N/A:N", 2.1, WB_SEVERITY_LOW},
        /* no impact: 0, not -0 (found by the ae-cvss-calculator interop) */
        {"AV:N/AC:L/Au:N/C:N/I:N/A:N", 0.0, WB_SEVERITY_NONE},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        wb_severity sev;
        double score = -1;
        if (wb_cvss_severity(&sev, &score, cases[i].vector) != 0)
            fail_msg("%s: %s", cases[i].vector, wb_error_last());
        if (fabs(score - cases[i].score) > 1e-9 || signbit(score) || sev != cases[i].severity)
            fail_msg("%s: %.1f %s, expected %.1f %s", cases[i].vector, score, wb_severity_name(sev),
                     cases[i].score, wb_severity_name(cases[i].severity));
    }
}

static void test_cvss_refused(void **state)
{
    wb_severity sev;
    (void)state;
    expect_error(wb_cvss_severity(
                     &sev, NULL, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
                 WB_EFORMAT, "only versions 2, 3.0 and 3.1");
    expect_error(wb_cvss_severity(&sev, NULL, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"),
                 WB_EFORMAT, "base metric A missing");
    expect_error(wb_cvss_severity(&sev, NULL, "CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
                 WB_EFORMAT, "AV given twice");
    expect_error(wb_cvss_severity(&sev, NULL, "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
                 WB_EFORMAT, "AV:X is not a value");
    expect_error(wb_cvss_severity(&sev, NULL, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1"),
                 WB_EFORMAT, "unknown metric ZZ");
    expect_error(wb_cvss_severity(&sev, NULL, "CVSS:3.1/AV:NN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
                 WB_EFORMAT, "is not a value");
    expect_error(wb_cvss_severity(&sev, NULL, "HIGH"), WB_EFORMAT, "not METRIC:VALUE");
    expect_error(wb_cvss_severity(&sev, NULL, ""), WB_EFORMAT, "base metric AV missing");
}

static void test_severity_names(void **state)
{
    wb_severity s;
    (void)state;
    assert_int_equal(wb_severity_parse(&s, "Critical"), 0);
    assert_int_equal(s, WB_SEVERITY_CRITICAL);
    assert_string_equal(wb_severity_name(WB_SEVERITY_MEDIUM), "medium");
    expect_error(wb_severity_parse(&s, "severe"), WB_EFORMAT, "severe");
}

static void test_redline(void **state)
{
    wb_redline r;
    char *text;
    (void)state;
    assert_int_equal(wb_redline_parse(&r, wb_redline_default_text()), 0);
    text = wb_redline_format(&r);
    assert_string_equal(text, "vulnerability:critical,secret:any,malware:any,baseline:high");
    wb_free(text);
    /* later items override; comments and newlines separate */
    assert_int_equal(wb_redline_parse(&r, "# policy\nall:off\nsecret:low, baseline:medium\n"), 0);
    text = wb_redline_format(&r);
    assert_string_equal(text, "vulnerability:off,secret:low,malware:off,baseline:medium");
    wb_free(text);
    expect_error(wb_redline_parse(&r, "virus:any"), WB_EFORMAT, "\"virus\" is not");
    expect_error(wb_redline_parse(&r, "secret"), WB_EFORMAT, "not KIND:SEVERITY");
    expect_error(wb_redline_parse(&r, "secret:severe"), WB_EFORMAT, "\"severe\" is not a severity");
}

static void add(wb_review *r, wb_finding_kind kind, wb_severity sev, const char *rule,
                const char *path, size_t line)
{
    wb_finding f = {
        .kind = kind, .severity = sev, .rule_id = rule, .message = "m", .path = path, .line = line};
    assert_int_equal(wb_review_add(r, &f), 0);
}

static wb_review *sample_review(void)
{
    wb_review *r;
    const char *aliases[] = {"CVE-2024-0001"};
    wb_finding vuln = {.kind = WB_FINDING_VULNERABILITY,
                       .severity = WB_SEVERITY_CRITICAL,
                       .rule_id = "GHSA-xxxx-yyyy-zzzz",
                       .message = "left-pad 1.0.0 is vulnerable",
                       .path = "node_modules/left-pad/package.json",
                       .component = "pkg:npm/left-pad@1.0.0",
                       .fixed = "1.0.1",
                       .aliases = aliases,
                       .n_aliases = 1};
    wb_review_rule rule = {WB_FINDING_SECRET, "aws-access-key-id", "AWS key", WB_SEVERITY_HIGH,
                           "PR.AA-01"};
    unsigned char digest[32] = {1};

    assert_int_equal(wb_review_new(&r, "delivery"), 0);
    add(r, WB_FINDING_BASELINE, WB_SEVERITY_MEDIUM, "WB-BL-1", "etc/ssh/sshd_config", 3);
    add(r, WB_FINDING_SECRET, WB_SEVERITY_HIGH, "aws-access-key-id", "b/config ini", 2);
    add(r, WB_FINDING_SECRET, WB_SEVERITY_HIGH, "aws-access-key-id", "a/config", 9);
    add(r, WB_FINDING_SECRET, WB_SEVERITY_HIGH, "aws-access-key-id", "a/config", 1);
    assert_int_equal(wb_review_add(r, &vuln), 0);
    assert_int_equal(wb_review_add_rule(r, &rule), 0);
    assert_int_equal(wb_review_add_rule(r, &rule), 0); /* once */
    assert_int_equal(wb_review_add_rule_set(r, "secrets", "1", digest), 0);
    assert_int_equal(wb_review_note(r, "x: Permission denied"), 0);
    wb_review_sort(r);
    return r;
}

static void test_sort_and_redline(void **state)
{
    wb_review *r = sample_review();
    wb_redline line;
    (void)state;
    assert_int_equal(wb_review_count(r), 5);
    /* worst first, then kind, path, line */
    assert_string_equal(wb_review_get(r, 0)->rule_id, "GHSA-xxxx-yyyy-zzzz");
    assert_string_equal(wb_review_get(r, 1)->path, "a/config");
    assert_int_equal(wb_review_get(r, 1)->line, 1);
    assert_int_equal(wb_review_get(r, 2)->line, 9);
    assert_string_equal(wb_review_get(r, 3)->path, "b/config ini");
    assert_string_equal(wb_review_get(r, 4)->rule_id, "WB-BL-1");
    assert_int_equal(wb_review_count_of(r, WB_FINDING_SECRET, WB_SEVERITY_HIGH), 3);

    assert_int_equal(wb_redline_parse(&line, wb_redline_default_text()), 0);
    assert_int_equal(wb_redline_crossed(&line, r), 4); /* the vulnerability and 3 secrets */
    assert_int_equal(wb_redline_parse(&line, "all:off"), 0);
    assert_int_equal(wb_redline_crossed(&line, r), 0);
    assert_int_equal(wb_redline_parse(&line, "all:off,baseline:medium"), 0);
    assert_int_equal(wb_redline_crossed(&line, r), 1);
    wb_review_free(r);
}

static void test_sarif(void **state)
{
    wb_review *r = sample_review();
    wb_sarif_options opts = {.tool_version = "9.9", .root_uri = "file:///srv/delivery/"};
    char *text = NULL;
    size_t len = 0;
    json_t *log, *run, *results, *res, *loc;
    (void)state;

    assert_int_equal(wb_review_write_sarif(&text, &len, r, &opts), 0);
    assert_int_equal(strlen(text), len);
    log = json_loads(text, 0, NULL);
    assert_non_null(log);
    assert_string_equal(json_string_value(json_object_get(log, "version")), "2.1.0");
    run = json_array_get(json_object_get(log, "runs"), 0);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(run, "tool"), "driver"), "version")),
                        "9.9");
    assert_int_equal(json_array_size(json_object_get(
                         json_object_get(json_object_get(run, "tool"), "driver"), "rules")),
                     1);
    results = json_object_get(run, "results");
    assert_int_equal(json_array_size(results), 5);
    res = json_array_get(results, 0);
    assert_string_equal(json_string_value(json_object_get(res, "level")), "error");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(res, "properties"), "fixedVersion")),
        "1.0.1");
    /* the secret at "b/config ini": its URI is percent-encoded, with a line */
    res = json_array_get(results, 3);
    assert_int_equal(json_integer_value(json_object_get(res, "ruleIndex")), 0);
    loc = json_object_get(json_array_get(json_object_get(res, "locations"), 0), "physicalLocation");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(loc, "artifactLocation"), "uri")),
        "b/config%20ini");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(loc, "region"), "startLine")), 2);
    res = json_array_get(results, 4);
    assert_string_equal(json_string_value(json_object_get(res, "level")), "warning");
    assert_null(json_object_get(res, "ruleIndex")); /* its rule was not listed */
    assert_int_equal(
        json_array_size(json_object_get(json_array_get(json_object_get(run, "invocations"), 0),
                                        "toolExecutionNotifications")),
        1);
    json_decref(log);
    wb_free(text);
    wb_review_free(r);
}

static void test_statement(void **state)
{
    char dir[] = "/tmp/wb-test-review-XXXXXX", path[300];
    wb_review *r = sample_review();
    wb_tree *tree = NULL;
    wb_redline line;
    unsigned char sbom[32] = {0xab};
    const char *keyids[] = {"k1"};
    wb_review_attestation_info info = {.reviewed = 1700000000,
                                       .redline = &line,
                                       .sbom_sha256 = sbom,
                                       .components = 7,
                                       .keyids = keyids,
                                       .nkeyids = 1,
                                       .tool_version = "9.9"};
    char *text = NULL;
    size_t len;
    json_t *st, *pred;
    FILE *f;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/a.txt", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("abc", f);
    fclose(f);
    assert_int_equal(wb_tree_hash(&tree, dir, NULL), 0);
    assert_int_equal(wb_redline_parse(&line, wb_redline_default_text()), 0);
    assert_int_equal(wb_review_statement(&text, &len, r, tree, &info), 0);
    st = json_loads(text, 0, NULL);
    assert_non_null(st);
    assert_string_equal(json_string_value(json_object_get(st, "_type")),
                        "https://in-toto.io/Statement/v1");
    assert_string_equal(json_string_value(json_object_get(st, "predicateType")),
                        WB_REVIEW_PREDICATE_TYPE);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(st, "subject"), 0), "digest"),
            "sha256")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    pred = json_object_get(st, "predicate");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(pred, "redline"), "result")), "fail");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(pred, "counts"), "secret"), "high")),
                     3);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(pred, "sbom"), "components")), 7);
    assert_string_equal(json_string_value(json_object_get(pred, "reviewed")),
                        "2023-11-14T22:13:20Z");
    assert_int_equal(json_array_size(json_object_get(pred, "ruleSets")), 1);
    json_decref(st);
    wb_free(text);
    wb_tree_free(tree);
    wb_review_free(r);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cvss_scores),      cmocka_unit_test(test_cvss_refused),
        cmocka_unit_test(test_severity_names),   cmocka_unit_test(test_redline),
        cmocka_unit_test(test_sort_and_redline), cmocka_unit_test(test_sarif),
        cmocka_unit_test(test_statement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
