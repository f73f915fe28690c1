/*
 * fuzz_envelope.c: DSSE envelope parsing, verification and serialization.
 *
 * Every input goes to wb_envelope_parse(). An envelope that parses is
 * verified against a fixed two-key ring (one Ed25519, one ECDSA P-256 key,
 * embedded below as PEM and built once, on the first call) with thresholds
 * 1 and 2, then serialized and parsed again. Checked with abort():
 *  - the verdict agrees with the per-signature detail (0 exactly when at
 *    least `threshold` distinct keys counted, never more keys than the ring
 *    holds, one result per signature);
 *  - the round trip keeps the payload type, the payload bytes, the number
 *    of signatures and their keyid hints, and the verdict at threshold 1.
 * The seed corpus (fuzz/corpora/envelope/) holds envelopes signed by these
 * two keys, so the fuzzer starts with signatures that verify; their private
 * halves are in fuzz/keys/ for making more seeds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "waybill/waybill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_ed25519_pub[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAAvgvxXmPr+KzDqq4+TP6dcdGp23+LraUtiaJGeqRV2U=\n"
    "-----END PUBLIC KEY-----\n";

static const char fuzz_ecdsa_pub[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQ+HcsnWQEn13r7E+mFDwoKuy2d/U\n"
    "FIEpLwlk0XEE7e1uxKvLl34I+yykT2ng1vKTeT0x91AolueuDf53ugGtAQ==\n"
    "-----END PUBLIC KEY-----\n";

static wb_keyring *fuzz_ring;

static void add_key(const char *pem, const char *name)
{
    wb_key *key = NULL;

    if (wb_key_parse(&key, pem, strlen(pem), name) < 0 || wb_keyring_add(fuzz_ring, key) < 0)
        abort();
}

/* The ring lives for the whole process; it is never freed on purpose. */
static const wb_keyring *ring(void)
{
    if (!fuzz_ring) {
        if (wb_keyring_new(&fuzz_ring) < 0)
            abort();
        add_key(fuzz_ed25519_pub, "fuzz-ed25519.pub");
        add_key(fuzz_ecdsa_pub, "fuzz-ecdsa.pub");
        if (wb_keyring_count(fuzz_ring) != 2)
            abort();
    }
    return fuzz_ring;
}

/* Verify at `threshold`; check the verdict against the detail and return
 * the number of distinct keys that counted (or SIZE_MAX on an error other
 * than a failed verification, e.g. out of memory). */
static size_t verify_checked(const wb_envelope *env, size_t threshold)
{
    wb_dsse_result *result = NULL;
    size_t valid_keys, i, counted = 0;
    int rc = wb_dsse_verify(&result, env, ring(), threshold);

    if (rc != 0 && rc != WB_EVERIFY) {
        if (result)
            abort(); /* no detail on errors */
        return SIZE_MAX;
    }
    if (!result || result->threshold != threshold ||
        result->nsigs != wb_envelope_signature_count(env) || result->valid_keys > 2 ||
        (rc == 0) != (result->valid_keys >= threshold))
        abort();
    for (i = 0; i < result->nsigs; i++) {
        if (result->sigs[i].status > WB_DSSE_SIG_INVALID ||
            strlen(result->sigs[i].keyid) > WB_KEYID_HEX_LEN)
            abort();
        counted += result->sigs[i].status == WB_DSSE_SIG_VALID;
    }
    if (counted != result->valid_keys)
        abort();
    valid_keys = result->valid_keys;
    wb_dsse_result_free(result);
    return valid_keys;
}

static void check_round_trip(const wb_envelope *env, size_t valid_keys)
{
    wb_envelope *again = NULL;
    const unsigned char *payload, *payload_again;
    size_t payload_len, payload_len_again, i, nsigs = wb_envelope_signature_count(env);
    char *text = NULL;
    size_t text_len = 0;
    int rc;

    rc = wb_envelope_serialize(&text, &text_len, env);
    if (rc == WB_ENOMEM)
        return;
    if (rc < 0 || !text || strlen(text) != text_len)
        abort();
    rc = wb_envelope_parse(&again, text, text_len, "serialized");
    if (rc == WB_ENOMEM)
        goto out;
    if (rc < 0)
        abort(); /* what we wrote we must read back */
    payload = wb_envelope_payload(env, &payload_len);
    payload_again = wb_envelope_payload(again, &payload_len_again);
    if (strcmp(wb_envelope_payload_type(env), wb_envelope_payload_type(again)) != 0 ||
        payload_len != payload_len_again ||
        (payload_len && memcmp(payload, payload_again, payload_len) != 0) ||
        wb_envelope_signature_count(again) != nsigs)
        abort();
    for (i = 0; i < nsigs; i++)
        if (strcmp(wb_envelope_signature_keyid(env, i), wb_envelope_signature_keyid(again, i)))
            abort();
    if (valid_keys != SIZE_MAX) {
        size_t valid_again = verify_checked(again, 1);
        if (valid_again != SIZE_MAX && valid_again != valid_keys)
            abort();
    }
out:
    wb_envelope_free(again);
    wb_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_envelope *env = NULL;
    size_t valid_keys, valid_keys_2;

    ring();
    if (wb_envelope_parse(&env, (const char *)data, size, "fuzz") < 0) {
        if (env)
            abort();
        return 0;
    }
    valid_keys = verify_checked(env, 1);
    valid_keys_2 = verify_checked(env, 2);
    /* how many keys count does not depend on the threshold */
    if (valid_keys != SIZE_MAX && valid_keys_2 != SIZE_MAX && valid_keys != valid_keys_2)
        abort();
    check_round_trip(env, valid_keys);
    wb_envelope_free(env);
    return 0;
}
