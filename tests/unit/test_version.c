/*
 * test_version.c: version ordering per ecosystem (version.c).
 *
 * Known answers from the specifications themselves: the examples of Debian
 * Policy 5.6.12 and deb-version(7) (tildes, epochs, revisions), the
 * precedence list of SemVer 2.0.0 section 11, the ordering example and the
 * normalization rules of PEP 440, the examples of the Maven POM
 * reference's "Version Order Specification", golang.org/x/mod/semver's
 * documented shorthands. Each ordered list is checked on every pair (so
 * transitivity too), both ways round; equal classes both ways; then the
 * invalid versions of each ecosystem, the bounds and the argument checks.
 * The large agreement runs against dpkg and node-semver are in
 * tests/interop/test_versions_interop.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "waybill/version.h"
#include "expect.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int cmp(wb_ecosystem eco, const char *a, const char *b)
{
    int c = 99, rc = wb_version_compare(eco, a, b, &c);
    if (rc != 0)
        fail_msg("%s: compare '%s' '%s': %s (%s)", wb_ecosystem_name(eco), a, b, wb_error_name(rc),
                 wb_error_last());
    if (c < -1 || c > 1)
        fail_msg("%s: compare '%s' '%s' gave %d", wb_ecosystem_name(eco), a, b, c);
    return c;
}

/* Every pair of an ascending list, both ways. */
static void check_ascending(wb_ecosystem eco, const char *const *list, size_t n)
{
    size_t i, j;

    for (i = 0; i < n; i++) {
        if (cmp(eco, list[i], list[i]) != 0)
            fail_msg("%s: '%s' not equal to itself", wb_ecosystem_name(eco), list[i]);
        for (j = i + 1; j < n; j++) {
            if (cmp(eco, list[i], list[j]) != -1 || cmp(eco, list[j], list[i]) != 1)
                fail_msg("%s: expected '%s' < '%s'", wb_ecosystem_name(eco), list[i], list[j]);
        }
    }
}

/* Every pair of a list of equal versions, both ways. */
static void check_equal(wb_ecosystem eco, const char *const *list, size_t n)
{
    size_t i, j;

    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            if (cmp(eco, list[i], list[j]) != 0)
                fail_msg("%s: expected '%s' == '%s'", wb_ecosystem_name(eco), list[i], list[j]);
}

static void check_invalid(wb_ecosystem eco, const char *const *list, size_t n)
{
    size_t i;
    int c = 42;

    for (i = 0; i < n; i++) {
        int rc = wb_version_compare(eco, list[i], "1.0.0", &c);
        if (rc != WB_EFORMAT)
            fail_msg("%s: '%s' accepted (%s), expected WB_EFORMAT", wb_ecosystem_name(eco), list[i],
                     wb_error_name(rc));
        assert_int_equal(c, 42);
        assert_non_null(strstr(wb_error_last(), wb_ecosystem_name(eco)));
        assert_int_equal(wb_version_compare(eco, "1.0.0", list[i], &c), WB_EFORMAT);
        assert_int_equal(wb_version_check(eco, list[i]), WB_EFORMAT);
    }
}

/* --- Debian --- */

static void test_debian(void **state)
{
    /* deb-version(7): '~' sorts before everything, even the end of a part */
    static const char *const tildes[] = {"1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a"};
    /* after "1.0": its revisions, then letters, then other characters */
    static const char *const ordered[] = {
        "0",         "0.0.1",    "0.9",     "1.0~beta1~svn1245",
        "1.0~beta1", "1.0~rc1",  "1.0",     "1.0-0.1",
        "1.0-1",     "1.0-1+b1", "1.0-1.1", "1.0-2~bpo1",
        "1.0-2",     "1.0-10",   "1.0a",    "1.0a-1",
        "1.0b",      "1.0z",     "1.0+",    "1.0+dfsg-1",
        "1.0.",      "1.0.1",    "1.2",     "1.10",
        "1.10a",     "2",        "10",      "1:0~",
        "1:0",       "1:1a",     "9:0~",    "10:0",
    };
    static const char *const same[][3] = {
        {"1.0", "0:1.0", "00:1.0"}, {"1.0-1", "0:1.0-1", "1.0-01"},       {"1.0", "1.0-0", "1.00"},
        {"1.01", "1.1", "1.001"},   {"2:1.0-1", "002:1.0-1", "2:1.00-1"},
    };
    static const char *const invalid[] = {
        "",    "a1.0",   "1.0-",    ":1.0",         "a:1.0", "1.0 ",   " 1.0",
        "1 0", "1_0",    "1.0-a_b", "1.0-a:b",      "-1",    "1:",     "1:-1",
        "1:a", "1.0-1-", "1.0/2",   "2147483648:1", "+1:1",  "1.0-a-", "é",
    };
    size_t i;
    int c = 0;

    check_ascending(WB_ECO_DEBIAN, tildes, N(tildes));
    check_ascending(WB_ECO_DEBIAN, ordered, N(ordered));
    assert_int_equal(cmp(WB_ECO_DEBIAN, "1:0", "99999"), 1);
    assert_int_equal(cmp(WB_ECO_DEBIAN, "2147483647:1", "2147483646:9"), 1);
    /* hyphens in the upstream part only with a revision, colons only with an epoch */
    assert_int_equal(cmp(WB_ECO_DEBIAN, "1:1.0-rc1-1", "1:1.0-rc1"), 1);
    assert_int_equal(cmp(WB_ECO_DEBIAN, "1:1:0", "1:1.0"), 1);
    /* numbers beyond 64 bits */
    assert_int_equal(
        cmp(WB_ECO_DEBIAN, "123456789012345678901234567890", "123456789012345678901234567891"), -1);
    for (i = 0; i < N(same); i++)
        check_equal(WB_ECO_DEBIAN, same[i], 3);
    check_invalid(WB_ECO_DEBIAN, invalid, N(invalid));
    expect_error(wb_version_compare(WB_ECO_DEBIAN, "2147483648:1", "1", &c), WB_EFORMAT,
                 "epoch is too big");
    expect_error(wb_version_compare(WB_ECO_DEBIAN, "x", "1", &c), WB_EFORMAT,
                 "'x' is not a valid Debian version");
}

/* --- SemVer and its dialects --- */

static const char *const semver_spec_order[] = {
    /* semver.org 2.0.0, section 11 */
    "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
    "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
    "1.0.0-rc.1",  "1.0.0",         "2.0.0",
    "2.1.0",       "2.1.1",
};

static const char *const semver_more_order[] = {
    "0.0.0-0",  "0.0.0-0.0", "0.0.0-1", "0.0.0-9", "0.0.0-10",  "0.0.0-99999999999999999999",
    "0.0.0--",  "0.0.0-A",   "0.0.0-Z", "0.0.0-a", "0.0.0-a.0", "0.0.0-a-",
    "0.0.0-a0", "0.0.0",     "0.0.1",   "0.1.0",   "0.10.0",    "1.0.0",
};

static void test_semver_family(void **state)
{
    static const wb_ecosystem ecos[] = {WB_ECO_NPM, WB_ECO_CARGO, WB_ECO_GO, WB_ECO_SEMVER};
    static const char *const build_ignored[] = {"1.0.0", "1.0.0+build", "1.0.0+001",
                                                "1.0.0+exp.sha.5114f85"};
    static const char *const pre_build[] = {"1.0.0-rc.1", "1.0.0-rc.1+build.1"};
    static const char *const invalid_all[] = {
        "",         "1.2.3.4",    "01.2.3",    "1.02.3",   "1.2.03",     "1.2.3-",
        "1.2.3-01", "1.2.3-a..b", "1.2.3-a.",  "1.2.3+",   "1.2.3+a..b", "1.2.3-a$",
        "1.2.3 ",   " 1.2.3",     "a.b.c",     "1.2.3-+a", "=1.2.3",     "1..3",
        "-1.2.3",   "V1.2.3",     "1.2.3+a+b", "1.2.3_4",
    };
    static const char *const short_forms[] = {"1", "1.2", "v1"};
    size_t e;

    for (e = 0; e < N(ecos); e++) {
        check_ascending(ecos[e], semver_spec_order, N(semver_spec_order));
        check_ascending(ecos[e], semver_more_order, N(semver_more_order));
        check_equal(ecos[e], build_ignored, N(build_ignored));
        check_equal(ecos[e], pre_build, N(pre_build));
        check_invalid(ecos[e], invalid_all, N(invalid_all));
        if (ecos[e] != WB_ECO_GO) /* Go's shorthands */
            check_invalid(ecos[e], short_forms, N(short_forms));
        /* leading zeros are fine in build metadata */
        assert_int_equal(cmp(ecos[e], "1.0.0+0001", "1.0.0"), 0);
        assert_int_equal(cmp(ecos[e], "1.0.0-x-y-z.--", "1.0.0-x-y-z.-"), 1);
    }
}

static void test_npm(void **state)
{
    static const char *const with_v[] = {"1.2.3", "v1.2.3"};
    static const char *const invalid[] = {"9007199254740992.0.0", "0.9007199254740992.0", "vv1.2.3",
                                          "v", "1.2"};
    char long_version[300];
    int c = 0;

    check_equal(WB_ECO_NPM, with_v, N(with_v));
    check_invalid(WB_ECO_NPM, invalid, N(invalid));
    assert_int_equal(cmp(WB_ECO_NPM, "9007199254740991.0.0", "9007199254740990.9.9"), 1);
    /* node-semver's MAX_LENGTH: 256 */
    memset(long_version, 'a', sizeof(long_version));
    memcpy(long_version, "1.0.0-", 6);
    long_version[256] = '\0';
    assert_int_equal(wb_version_compare(WB_ECO_NPM, long_version, "1.0.0", &c), 0);
    assert_int_equal(c, -1);
    long_version[256] = '0';
    long_version[257] = '\0';
    expect_error(wb_version_compare(WB_ECO_NPM, long_version, "1.0.0", &c), WB_EFORMAT, "too long");
    /* the same is fine in plain SemVer */
    assert_int_equal(wb_version_compare(WB_ECO_SEMVER, long_version, "1.0.0", &c), 0);
}

static void test_cargo(void **state)
{
    static const char *const invalid[] = {"v1.2.3", "18446744073709551616.0.0",
                                          "0.0.18446744073709551616"};
    check_invalid(WB_ECO_CARGO, invalid, N(invalid));
    assert_int_equal(cmp(WB_ECO_CARGO, "18446744073709551615.0.0", "18446744073709551614.1.1"), 1);
}

static void test_go(void **state)
{
    static const char *const v1[] = {
        "v1", "v1.0", "v1.0.0", "1", "1.0", "1.0.0", "v1.0.0+incompatible"};
    static const char *const ordered[] = {
        "v0.0.0-20191109021931-daa7c04131f5",
        "v0.0.0-20200101000000-000000000000",
        "v0.0.0",
        "v0.0.1-0.20200101000000-abcdefabcdef",
        "v0.0.1",
        "v0.1",
        "v1.9.9",
        "v2.0.0+incompatible",
        "v2.0.1",
        "v10.0.0",
        "v123456789012345678901234567890.0.0",
    };
    static const char *const invalid[] = {"v1.2-pre", "v1-pre", "v1+build", "v1.",
                                          "v1.2.",    "v01",    "vv1"};

    check_equal(WB_ECO_GO, v1, N(v1));
    check_ascending(WB_ECO_GO, ordered, N(ordered));
    check_invalid(WB_ECO_GO, invalid, N(invalid));
}

/* --- PEP 440 --- */

static void test_pypi(void **state)
{
    /* PEP 440, "Summary of permitted suffixes and relative ordering" */
    static const char *const pep_order[] = {
        "1.dev0",
        "1.0.dev456",
        "1.0a1",
        "1.0a2.dev456",
        "1.0a12.dev456",
        "1.0a12",
        "1.0b1.dev456",
        "1.0b2",
        "1.0b2.post345.dev456",
        "1.0b2.post345",
        "1.0rc1.dev456",
        "1.0rc1",
        "1.0",
        "1.0+abc.5",
        "1.0+abc.7",
        "1.0+5",
        "1.0.post456.dev34",
        "1.0.post456",
        "1.0.15",
        "1.1.dev1",
    };
    static const char *const more_order[] = {
        "0.9",       "1.0.dev0", "1.0a0",   "1.0",     "1.0+a", "1.0+a.b",        "1.0+a.1",
        "1.0+a1",    "1.0+0",    "1.0+1.a", "1.0+1.0", "1.0+2", "1.0.post0.dev0", "1.0.post0",
        "1.0.post1", "1.0.1",    "1.1",     "2",       "1!0.1", "1!1.0",          "2!0",
    };
    static const char *const same[][6] = {
        {"1.0a", "1.0a0", "1.0.a.0", "1.0-alpha", "1.0_ALPHA_0", "1.0alpha0"},
        {"1.0b1", "1.0beta1", "1.0-b-1", "1.0.beta.1", "1.0B1", "1.0b01"},
        {"1.0rc1", "1.0c1", "1.0pre1", "1.0preview1", "1.0-RC-1", "1.0.rc.1"},
        {"1.0.post1", "1.0-1", "1.0post1", "1.0.rev1", "1.0-r1", "1.0_post_1"},
        {"1.0.post0", "1.0.post", "1.0-post", "1.0rev", "1.0r", "1.0.r0"},
        {"1.0.dev0", "1.0.dev", "1.0-dev", "1.0dev0", "1.0_DEV", "1.0.dev00"},
        {"1.0", "1", "1.0.0", "v1.0", " 1.0 ", "0!1.0.0.0"},
        {"1.0+ubuntu-1", "1.0+ubuntu.1", "1.0+ubuntu_1", "1.0+UBUNTU.1", "1.0+ubuntu.01",
         "V1.0+ubuntu-1"},
        {"1.0a.", "1.0a", "1.0a_", "1.0.a", "1.0-a", "1.0a0"},
    };
    static const char *const invalid[] = {
        "",
        "abc",
        "1.0-",
        "1.0+",
        "1.0+a..b",
        "1.0.x",
        "1!",
        "!1",
        "1.0+-a",
        "1.0+a-",
        "1.0 a",
        "1.0.post.post",
        "1.0..1",
        "1.0a1a1",
        "1.0.dev1.dev2",
        "1.0rc1.post1.a1",
        "1.0+a+b",
        "1.0-dev-post",
    };
    size_t i;

    check_ascending(WB_ECO_PYPI, pep_order, N(pep_order));
    check_ascending(WB_ECO_PYPI, more_order, N(more_order));
    for (i = 0; i < N(same); i++)
        check_equal(WB_ECO_PYPI, same[i], 6);
    check_invalid(WB_ECO_PYPI, invalid, N(invalid));
    assert_int_equal(cmp(WB_ECO_PYPI, "1.0.99999999999999999999999", "1.0.99999999999999999999998"),
                     1);
}

/* --- Maven --- */

static void test_maven(void **state)
{
    /* the spec's "End Result Examples" */
    static const char *const padding[] = {"1-snapshot", "1", "1-sp"};
    static const char *const numbers[] = {"1", "1.1"};
    static const char *const foo[] = {"1-foo2", "1-foo10"};
    static const char *const dots[] = {"1.foo", "1-1", "1.1"};
    static const char *const null_values[] = {"1.ga",    "1-ga", "1-0", "1.0",  "1",
                                              "1.final", "1.",   "1-",  "1.0.0"};
    static const char *const hyphen_trim[] = {"1-ga-1", "1-1", "1.0-1", "1-final-1"};
    static const char *const alpha[] = {"1-a1",    "1-alpha-1", "1-ALPHA1",
                                        "1alpha1", "1.0a1",     "1.0-alpha-1"};
    static const char *const trim_foo[] = {"1.0.0-foo.0.0", "1-foo", "1.foo"};
    static const char *const split[] = {"1-1.foo-bar1baz-.1", "1-1.foo-bar-1-baz-0.1"};
    /* ComparableVersion's well-known ordering, as the spec describes it */
    static const char *const ordered[] = {
        "NotAVersionSting",
        "1.0a1-SNAPSHOT",
        "1.0-alpha1",
        "1.0beta1-SNAPSHOT",
        "1.0-b2",
        "1.0-beta3.SNAPSHOT",
        "1.0-beta3",
        "1.0-milestone1-SNAPSHOT",
        "1.0-m2",
        "1.0-rc1-SNAPSHOT",
        "1.0-cr1",
        "1.0-SNAPSHOT",
        "1.0",
        "1.0-sp",
        "1.0-a",
        "1.0-RELEASE",
        "1.0-whatever",
        "1.0.z",
        "1.0.1",
        "1.0.1.0.0.0.0.0.0.0.0.0.0.0.1",
        "1.0.2",
        "1.0.10",
        "1.0.123456789012345678901234567890",
        "2-alpha",
        "2",
    };
    static const char *const invalid[] = {"", "1 0", "1.0\t", "1.0\n"};
    static const char *const rc[] = {"1.0-rc1", "1.0-cr1", "1.0RC1", "1.0-rc-1"};

    check_ascending(WB_ECO_MAVEN, padding, N(padding));
    check_ascending(WB_ECO_MAVEN, numbers, N(numbers));
    check_ascending(WB_ECO_MAVEN, foo, N(foo));
    check_ascending(WB_ECO_MAVEN, dots, N(dots));
    assert_int_equal(cmp(WB_ECO_MAVEN, "1.foo", "1-foo"), 0);
    check_equal(WB_ECO_MAVEN, null_values, N(null_values));
    assert_int_equal(cmp(WB_ECO_MAVEN, "1-sp", "1-ga"), 1);
    assert_int_equal(cmp(WB_ECO_MAVEN, "1-sp.1", "1-ga.1"), 1);
    assert_int_equal(cmp(WB_ECO_MAVEN, "1-sp-1", "1-ga-1"), -1);
    check_equal(WB_ECO_MAVEN, hyphen_trim, N(hyphen_trim));
    check_equal(WB_ECO_MAVEN, alpha, N(alpha));
    check_equal(WB_ECO_MAVEN, trim_foo, N(trim_foo));
    check_equal(WB_ECO_MAVEN, split, N(split));
    check_equal(WB_ECO_MAVEN, rc, N(rc));
    check_ascending(WB_ECO_MAVEN, ordered, N(ordered));
    /* "a" is alpha only when a number follows it directly */
    assert_int_equal(cmp(WB_ECO_MAVEN, "1-a-1", "1-alpha-1"), 1);
    assert_int_equal(cmp(WB_ECO_MAVEN, "0", "0.0"), 0);
    assert_int_equal(cmp(WB_ECO_MAVEN, "0-1", "1"), -1);
    check_invalid(WB_ECO_MAVEN, invalid, N(invalid));
}

/* --- names, bounds, arguments --- */

static void test_ecosystem_names(void **state)
{
    static const struct {
        const char *name;
        wb_ecosystem eco;
    } osv[] = {
        {"Debian", WB_ECO_DEBIAN}, {"Debian:12", WB_ECO_DEBIAN}, {"Debian:13", WB_ECO_DEBIAN},
        {"npm", WB_ECO_NPM},       {"PyPI", WB_ECO_PYPI},        {"Maven", WB_ECO_MAVEN},
        {"Go", WB_ECO_GO},         {"crates.io", WB_ECO_CARGO},
    };
    static const char *const unknown_osv[] = {"debian", "Debian:", "Debian12",     "NPM", "pypi",
                                              "Alpine", "",        "Ubuntu:22.04", "GIT", "crates"};
    static const struct {
        const char *type;
        wb_ecosystem eco;
    } purl[] = {
        {"deb", WB_ECO_DEBIAN},  {"npm", WB_ECO_NPM},   {"pypi", WB_ECO_PYPI},
        {"maven", WB_ECO_MAVEN}, {"golang", WB_ECO_GO}, {"cargo", WB_ECO_CARGO},
    };
    wb_ecosystem eco = WB_ECO_NPM;
    size_t i;

    for (i = 0; i < N(osv); i++) {
        assert_int_equal(wb_ecosystem_from_osv(&eco, osv[i].name), 0);
        assert_int_equal(eco, osv[i].eco);
    }
    for (i = 0; i < N(unknown_osv); i++) {
        expect_error(wb_ecosystem_from_osv(&eco, unknown_osv[i]), WB_ENOTFOUND, "OSV ecosystem");
        assert_int_equal(eco, WB_ECO_UNKNOWN);
    }
    for (i = 0; i < N(purl); i++) {
        assert_int_equal(wb_ecosystem_from_purl_type(&eco, purl[i].type), 0);
        assert_int_equal(eco, purl[i].eco);
        /* the OSV name of a purl type's ecosystem reads back */
        assert_int_equal(wb_ecosystem_from_osv(&eco, wb_ecosystem_name(purl[i].eco)), 0);
        assert_int_equal(eco, purl[i].eco);
    }
    expect_error(wb_ecosystem_from_purl_type(&eco, "Deb"), WB_ENOTFOUND, "purl type");
    expect_error(wb_ecosystem_from_purl_type(&eco, "apk"), WB_ENOTFOUND, "purl type");
    expect_error(wb_ecosystem_from_osv(NULL, "npm"), WB_EINVAL, NULL);
    expect_error(wb_ecosystem_from_purl_type(&eco, NULL), WB_EINVAL, NULL);
    assert_string_equal(wb_ecosystem_name(WB_ECO_SEMVER), "SemVer");
    assert_string_equal(wb_ecosystem_name(WB_ECO_UNKNOWN), "unknown");
    assert_string_equal(wb_ecosystem_name((wb_ecosystem)77), "unknown");
}

static void test_bounds_and_arguments(void **state)
{
    static const wb_ecosystem all[] = {WB_ECO_DEBIAN, WB_ECO_NPM,   WB_ECO_PYPI,  WB_ECO_MAVEN,
                                       WB_ECO_GO,     WB_ECO_CARGO, WB_ECO_SEMVER};
    char *long_version = malloc(WB_VERSION_MAX_LEN + 2);
    size_t i;
    int c = 7;

    assert_non_null(long_version);
    /* WB_VERSION_MAX_LEN bytes are read (valid or not), one more is refused */
    memset(long_version, '1', WB_VERSION_MAX_LEN + 1);
    long_version[WB_VERSION_MAX_LEN] = '\0';
    for (i = 0; i < N(all); i++) {
        int rc = wb_version_compare(all[i], long_version, "1.0.0", &c);
        if (rc == WB_ELIMIT)
            fail_msg("%s: %s", wb_ecosystem_name(all[i]), wb_error_last());
    }
    long_version[WB_VERSION_MAX_LEN] = '0';
    long_version[WB_VERSION_MAX_LEN + 1] = '\0';
    for (i = 0; i < N(all); i++) {
        c = 7;
        expect_error(wb_version_compare(all[i], long_version, "1.0.0", &c), WB_ELIMIT, "longer");
        expect_error(wb_version_compare(all[i], "1.0.0", long_version, &c), WB_ELIMIT, "longer");
        assert_int_equal(c, 7);
        expect_error(wb_version_compare(all[i], NULL, "1", &c), WB_EINVAL, NULL);
        expect_error(wb_version_compare(all[i], "1", NULL, &c), WB_EINVAL, NULL);
        expect_error(wb_version_compare(all[i], "1", "1", NULL), WB_EINVAL, NULL);
    }
    expect_error(wb_version_compare(WB_ECO_UNKNOWN, "1", "1", &c), WB_EINVAL, "unknown ecosystem");
    expect_error(wb_version_compare((wb_ecosystem)99, "1", "1", &c), WB_EINVAL, NULL);
    expect_error(wb_version_check(WB_ECO_NPM, NULL), WB_EINVAL, NULL);
    assert_int_equal(wb_version_check(WB_ECO_NPM, "1.0.0"), 0);
    /* comparing does not allocate */
    wb_alloc_fail_after(1);
    assert_int_equal(wb_version_compare(WB_ECO_MAVEN, "1.0-rc1", "1.0", &c), 0);
    assert_int_equal(wb_version_compare(WB_ECO_PYPI, "1.0rc1", "1.0", &c), 0);
    assert_int_equal(wb_alloc_fail_after(0), 0);
    free(long_version);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debian),
        cmocka_unit_test(test_semver_family),
        cmocka_unit_test(test_npm),
        cmocka_unit_test(test_cargo),
        cmocka_unit_test(test_go),
        cmocka_unit_test(test_pypi),
        cmocka_unit_test(test_maven),
        cmocka_unit_test(test_ecosystem_names),
        cmocka_unit_test(test_bounds_and_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
