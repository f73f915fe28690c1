/*
 * fuzz_review.c: the review's parsers of text others write (review.c,
 * cvss.c): redline policies, CVSS vectors from OSV records, and review
 * attestations read back by `seal --review` and `verify --require-review`.
 *
 * The first byte picks the parser, the rest is the input:
 *
 *  0  wb_redline_parse(). Checks: refusals are WB_EFORMAT only; a parsed
 *     redline formats to text that parses to the same redline, and that
 *     text formats to itself (the canonical form is a fixed point).
 *  1  wb_cvss_severity(). Checks: refusals are WB_EFORMAT only; a score is
 *     in [0, 10] with one decimal, and the severity is the rating of the
 *     score; the same vector gives the same answer twice.
 *  2  wb_envelope_parse(), then wb_review_attestation_check() against a
 *     fixed ring and a fixed subject list. Checks: the verdict is 0,
 *     WB_EVERIFY or WB_EFORMAT; the same input gives the same verdict;
 *     a predicate is handed back exactly on success.
 *
 * Every violated check is an abort().
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "waybill/review.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The Ed25519 key of fuzz_envelope.c (private half in fuzz/keys/fuzz-ed25519.key). */
static const char ring_pem[] = "-----BEGIN PUBLIC KEY-----\n"
                               "MCowBQYDK2VwAyEAAvgvxXmPr+KzDqq4+TP6dcdGp23+LraUtiaJGeqRV2U=\n"
                               "-----END PUBLIC KEY-----\n";

static void fuzz_redline(const char *text)
{
    wb_redline a, b, c;
    char *t1, *t2;
    int rc = wb_redline_parse(&a, text);
    if (rc != 0) {
        if (rc != WB_EFORMAT)
            abort();
        return;
    }
    if (!(t1 = wb_redline_format(&a)))
        abort();
    if (wb_redline_parse(&b, t1) != 0)
        abort();
    if (memcmp(a.enabled, b.enabled, sizeof(a.enabled)) != 0)
        abort();
    for (size_t k = 1; k <= WB_FINDING_KINDS; k++)
        if (a.enabled[k] && a.at_least[k] != b.at_least[k])
            abort();
    if (!(t2 = wb_redline_format(&b)) || strcmp(t1, t2) != 0 || wb_redline_parse(&c, t2) != 0)
        abort();
    wb_free(t1);
    wb_free(t2);
}

static void fuzz_cvss(const char *text)
{
    wb_severity s1, s2;
    double score = -1, again = -1;
    int rc = wb_cvss_severity(&s1, &score, text);
    if (rc != 0) {
        if (rc != WB_EFORMAT)
            abort();
        return;
    }
    if (!(score >= 0 && score <= 10) || fabs(score * 10 - round(score * 10)) > 1e-6)
        abort();
    if (score == 0  ? s1 != WB_SEVERITY_NONE
        : score < 4 ? s1 != WB_SEVERITY_LOW
        : score < 7 ? s1 != WB_SEVERITY_MEDIUM
        : score < 9 ? s1 != WB_SEVERITY_HIGH
                    : (s1 != WB_SEVERITY_HIGH && s1 != WB_SEVERITY_CRITICAL))
        abort();
    if (wb_cvss_severity(&s2, &again, text) != 0 || s2 != s1 || again != score)
        abort();
}

static void fuzz_attestation(const char *data, size_t size)
{
    static wb_keyring *ring;
    static json_t *subjects;
    wb_envelope *env = NULL;
    json_t *pred = NULL;
    int rc, rc2;

    if (!ring) {
        wb_key *key = NULL;
        if (wb_keyring_new(&ring) != 0 ||
            wb_key_parse(&key, ring_pem, sizeof(ring_pem) - 1, "fuzz key") != 0 ||
            wb_keyring_add(ring, key) != 0)
            abort();
        subjects =
            json_loads("[{\"name\":\"a.txt\",\"digest\":{\"sha256\":"
                       "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"}}]",
                       0, NULL);
        if (!subjects)
            abort();
    }
    if (wb_envelope_parse(&env, data, size, "fuzz") != 0)
        return;
    rc = wb_review_attestation_check(&pred, env, ring, subjects, NULL, "fuzz");
    if (rc != 0 && rc != WB_EVERIFY && rc != WB_EFORMAT && rc != WB_ELIMIT)
        abort();
    if ((rc == 0) != (pred != NULL))
        abort();
    json_decref(pred);
    rc2 = wb_review_attestation_check(NULL, env, ring, subjects, NULL, "fuzz");
    if (rc2 != rc)
        abort();
    wb_envelope_free(env);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;
    if (size < 1 || size > 1 << 16)
        return 0;
    if (data[0] % 3 == 2) {
        fuzz_attestation((const char *)data + 1, size - 1);
        return 0;
    }
    if (!(text = malloc(size)))
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    if (data[0] % 3 == 0)
        fuzz_redline(text);
    else
        fuzz_cvss(text);
    free(text);
    return 0;
}
