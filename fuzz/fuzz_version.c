/*
 * fuzz_version.c: wb_version_compare() (version.c) under every ecosystem.
 *
 * The input is up to three versions separated by newlines (a NUL byte ends
 * a version early). For each ecosystem (Debian, npm, PyPI, Maven, Go,
 * crates.io, SemVer):
 *
 *  - compare(a, b) succeeds exactly when both versions are valid
 *    (wb_version_check) and fails only with WB_EFORMAT or WB_ELIMIT, leaving
 *    the result untouched;
 *  - antisymmetry: compare(a, b) == -compare(b, a), results in {-1, 0, 1};
 *  - reflexivity: compare(a, a) == 0 for a valid a;
 *  - transitivity on three valid versions: a <= b and b <= c give a <= c,
 *    and equality carries over (a == b gives the same order against c);
 *  - determinism: the same pair twice gives the same answer.
 *
 * Every violated check is an abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "waybill/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const wb_ecosystem ecosystems[] = {WB_ECO_DEBIAN, WB_ECO_NPM,   WB_ECO_PYPI,  WB_ECO_MAVEN,
                                          WB_ECO_GO,     WB_ECO_CARGO, WB_ECO_SEMVER};

/* compare, with the checks that hold for any pair; returns 2 when invalid */
static int checked_compare(wb_ecosystem eco, const char *a, const char *b)
{
    int ab = 42, ba = 42, again = 42;
    int rc_ab = wb_version_compare(eco, a, b, &ab);
    int rc_ba = wb_version_compare(eco, b, a, &ba);
    int valid = wb_version_check(eco, a) == 0 && wb_version_check(eco, b) == 0;

    if ((rc_ab == 0) != valid || (rc_ba == 0) != valid)
        abort();
    if (!valid) {
        if ((rc_ab != WB_EFORMAT && rc_ab != WB_ELIMIT) || ab != 42 || ba != 42)
            abort();
        return 2;
    }
    if (ab < -1 || ab > 1 || ab != -ba)
        abort();
    if (wb_version_compare(eco, a, b, &again) != 0 || again != ab)
        abort();
    return ab;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1), *v[3], *p;
    size_t n = 0, e, i;

    if (!copy)
        abort();
    memcpy(copy, data, size);
    copy[size] = '\0';
    /* split at the first two newlines; missing versions are empty */
    p = copy;
    for (n = 0; n < 3; n++) {
        v[n] = p;
        if (n < 2) {
            char *nl = strchr(p, '\n');
            if (nl) {
                *nl = '\0';
                p = nl + 1;
            } else {
                p = p + strlen(p);
            }
        }
    }
    for (e = 0; e < sizeof(ecosystems) / sizeof(ecosystems[0]); e++) {
        wb_ecosystem eco = ecosystems[e];
        int ab, bc, ac;

        for (i = 0; i < 3; i++)
            if (checked_compare(eco, v[i], v[i]) != 0 && wb_version_check(eco, v[i]) == 0)
                abort();
        ab = checked_compare(eco, v[0], v[1]);
        bc = checked_compare(eco, v[1], v[2]);
        ac = checked_compare(eco, v[0], v[2]);
        if (ab == 2 || bc == 2 || ac == 2)
            continue;
        if (ab <= 0 && bc <= 0 && ac > 0)
            abort();
        if (ab >= 0 && bc >= 0 && ac < 0)
            abort();
        if (ab == 0 && ac != bc)
            abort();
        if (bc == 0 && ab != ac)
            abort();
    }
    free(copy);
    return 0;
}
