/*
 * fuzz_key.c: wb_key_parse(), PEM and securesystemslib JSON keys.
 *
 * Layouts and key files come from other people, so every input goes to
 * wb_key_parse(). A key that parses must be usable; checked with abort():
 *  - its id is 64 lower-case hex digits;
 *  - its scheme names the algorithm of its key material (a JSON key that
 *    says "ecdsa-sha2-nistp256" but holds an Ed25519 PEM is not one);
 *  - its public half (wb_key_public) has the same id and no private part,
 *    and its securesystemslib form (wb_key_to_sslib_json) reads back with
 *    wb_key_from_sslib_json() to a key of the same id;
 *  - with a private half, a signature over 32 fixed bytes verifies with the
 *    key, its public half and the key read back from JSON (wb_key_verify
 *    returns 0), and does not verify over other bytes (WB_EVERIFY).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "waybill/waybill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_id(const wb_key *key)
{
    const char *id = wb_key_id(key);
    size_t i;

    if (strlen(id) != WB_KEYID_HEX_LEN)
        abort();
    for (i = 0; i < WB_KEYID_HEX_LEN; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            abort();
}

static void check_scheme(const wb_key *key)
{
    const char *scheme = wb_key_scheme(key), *expected;

    switch (wb_key_get_type(key)) {
    case WB_KEY_ED25519:
        expected = "ed25519";
        break;
    case WB_KEY_ECDSA_P256:
        expected = "ecdsa-sha2-nistp256";
        break;
    case WB_KEY_RSA_PSS:
        expected = "rsassa-pss-sha256";
        break;
    default:
        abort();
    }
    if (!scheme || strcmp(scheme, expected) != 0)
        abort();
}

static void check_signature(const wb_key *key, const wb_key *pub, const wb_key *from_json)
{
    static const unsigned char message[32] = "waybill fuzz_key: 32 bytes msg.";
    unsigned char other[32];
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    int rc = wb_key_sign(&sig, &sig_len, key, message, sizeof(message));

    if (rc == WB_ENOMEM)
        return;
    if (rc < 0 || !sig || sig_len == 0)
        abort();
    if (wb_key_verify(key, message, sizeof(message), sig, sig_len) != 0)
        abort();
    if (pub && wb_key_verify(pub, message, sizeof(message), sig, sig_len) != 0)
        abort();
    if (from_json && wb_key_verify(from_json, message, sizeof(message), sig, sig_len) != 0)
        abort();
    memcpy(other, message, sizeof(other));
    other[0] ^= 1;
    if (wb_key_verify(key, other, sizeof(other), sig, sig_len) != WB_EVERIFY)
        abort();
    wb_free(sig);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_key *key = NULL, *pub = NULL, *from_json = NULL;
    json_t *sslib = NULL;
    int rc;

    if (wb_key_parse(&key, (const char *)data, size, "fuzz") < 0) {
        if (key)
            abort();
        return 0;
    }
    check_id(key);
    check_scheme(key);

    rc = wb_key_public(&pub, key);
    if (rc == 0 && (wb_key_has_private(pub) || strcmp(wb_key_id(pub), wb_key_id(key)) != 0 ||
                    wb_key_get_type(pub) != wb_key_get_type(key)))
        abort();
    if (rc < 0 && rc != WB_ENOMEM)
        abort();

    rc = wb_key_to_sslib_json(&sslib, key);
    if (rc == 0) {
        rc = wb_key_from_sslib_json(&from_json, sslib, "fuzz.json");
        if (rc == 0 &&
            (wb_key_has_private(from_json) || strcmp(wb_key_id(from_json), wb_key_id(key)) != 0 ||
             wb_key_get_type(from_json) != wb_key_get_type(key)))
            abort();
    }
    if (rc < 0 && rc != WB_ENOMEM)
        abort();

    if (wb_key_has_private(key))
        check_signature(key, pub, from_json);

    wb_key_free(from_json);
    json_decref(sslib);
    wb_key_free(pub);
    wb_key_free(key);
    return 0;
}
