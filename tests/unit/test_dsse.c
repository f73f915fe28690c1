/*
 * test_dsse.c: DSSE v1.0 envelopes (dsse.c).
 *
 * Known answers: the PAE example of the DSSE protocol ("DSSEv1 29
 * http://example.com/HelloWorld 11 hello world"), the ECDSA P-256 example of
 * the reference implementation (implementation/signing_spec.py, its key given
 * as the integers d, x, y and its signature as raw r||s, converted here to
 * the DER form that ecdsa-sha2-nistp256 carries), and the protocol test
 * vectors of secure-systems-lab/dsse (testvectors/vectors.json, Ed25519 keys
 * of RFC 8032 section 7.1), each checked with Python's cryptography before
 * being copied here.
 *
 * Then the verification rules of dsse.h: distinct trusted keys count once,
 * untrusted signatures are ignored, the keyid is only a hint; the parser's
 * refusals; and allocation failures on every step of parse, verify,
 * serialize and sign.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>

#include "internal.h"

/* RFC 8032, section 7.1, TEST 1 (key "A") and TEST 2 (key "B") */
#define SEED_A   "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
#define PUBLIC_A "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define SEED_B   "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"
#define PUBLIC_B "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"

#define HELLO_TYPE "http://example.com/HelloWorld"
#define HELLO_PAE  "DSSEv1 29 http://example.com/HelloWorld 11 hello world"
#define INTOTO     "application/vnd.in-toto+json"

/* --- helpers --- */

static wb_key *key_a, *key_b, *key_ecdsa;
static char temp_dir[256];

static wb_key *ed25519_key(const char *seed, const char *public)
{
    char json[256];
    wb_key *key = NULL;
    if (seed)
        snprintf(json, sizeof(json),
                 "{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":{\"public\":\"%s\","
                 "\"private\":\"%s\"}}",
                 public, seed);
    else
        snprintf(json, sizeof(json),
                 "{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":{\"public\":\"%s\"}}",
                 public);
    if (wb_key_parse(&key, json, strlen(json), "test key") != 0)
        return NULL;
    return key;
}

static int setup(void **state)
{
    const char *base = getenv("TMPDIR");
    key_a = ed25519_key(SEED_A, PUBLIC_A);
    key_b = ed25519_key(SEED_B, PUBLIC_B);
    if (!key_a || !key_b || wb_key_generate(&key_ecdsa, WB_KEY_ECDSA_P256) != 0)
        return -1;
    snprintf(temp_dir, sizeof(temp_dir), "%s/wb-test-dsse-XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(temp_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char command[512];
    wb_key_free(key_a);
    wb_key_free(key_b);
    wb_key_free(key_ecdsa);
    snprintf(command, sizeof(command), "rm -rf '%s'", temp_dir);
    return system(command) == 0 ? 0 : -1;
}

/* A keyring with the public halves of up to three keys (NULL ends). */
static wb_keyring *ring_of(const wb_key *k1, const wb_key *k2, const wb_key *k3)
{
    const wb_key *keys[3] = {k1, k2, k3};
    wb_keyring *ring = NULL;
    size_t i;
    assert_int_equal(wb_keyring_new(&ring), 0);
    for (i = 0; i < 3 && keys[i]; i++) {
        wb_key *pub = NULL;
        assert_int_equal(wb_key_public(&pub, keys[i]), 0);
        assert_int_equal(wb_keyring_add(ring, pub), 0);
    }
    return ring;
}

static char *b64(const void *data, size_t len)
{
    char *text = NULL;
    assert_int_equal(wb_base64_encode(&text, NULL, data, len), 0);
    return text;
}

/* base64 of `key`'s signature over PAE(type, payload) */
static char *signature_b64(const wb_key *key, const char *type, const void *payload, size_t len)
{
    unsigned char *pae = NULL, *sig = NULL;
    size_t pae_len = 0, sig_len = 0;
    char *text;
    assert_int_equal(wb_dsse_pae(&pae, &pae_len, type, payload, len), 0);
    assert_int_equal(wb_key_sign(&sig, &sig_len, key, pae, pae_len), 0);
    text = b64(sig, sig_len);
    wb_free(sig);
    wb_free(pae);
    return text;
}

static wb_envelope *parse_or_fail(const char *text)
{
    wb_envelope *env = NULL;
    int rc = wb_envelope_parse(&env, text, strlen(text), "env.json");
    if (rc != 0)
        fail_msg("parse: %s: %s", wb_error_name(rc), wb_error_last());
    assert_non_null(env);
    return env;
}

static wb_envelope *signed_envelope(const char *type, const char *payload, const wb_key *k1,
                                    const wb_key *k2)
{
    wb_envelope *env = NULL;
    assert_int_equal(wb_envelope_new(&env, type, payload, strlen(payload)), 0);
    if (k1)
        assert_int_equal(wb_dsse_sign(env, k1), 0);
    if (k2)
        assert_int_equal(wb_dsse_sign(env, k2), 0);
    return env;
}

static void expect_message_has(const char *needle)
{
    if (!strstr(wb_error_last(), needle))
        fail_msg("message \"%s\" lacks \"%s\"", wb_error_last(), needle);
}

/* --- PAE --- */

static void test_pae_spec_example(void **state)
{
    unsigned char *pae = NULL;
    size_t len = 0;
    assert_int_equal(wb_dsse_pae(&pae, &len, HELLO_TYPE, "hello world", 11), 0);
    assert_int_equal(len, strlen(HELLO_PAE));
    assert_memory_equal(pae, HELLO_PAE, len);
    wb_free(pae);
}

static void test_pae_edge_cases(void **state)
{
    unsigned char *pae = NULL;
    size_t len = 0;
    static const char binary[] = {'a', '\0', ' ', '\n', '\xff'};
    static const char binary_pae[] = "DSSEv1 1 t 5 a\0 \n\xff";
    char *big;
    size_t big_len = 123456;

    /* empty type and payload: the spaces stay */
    assert_int_equal(wb_dsse_pae(&pae, &len, "", NULL, 0), 0);
    assert_int_equal(len, 12);
    assert_memory_equal(pae, "DSSEv1 0  0 ", 12);
    wb_free(pae);

    /* the payload is bytes: NUL and newline included, nothing escaped */
    assert_int_equal(wb_dsse_pae(&pae, &len, "t", binary, sizeof(binary)), 0);
    assert_int_equal(len, sizeof(binary_pae) - 1);
    assert_memory_equal(pae, binary_pae, len);
    wb_free(pae);

    /* LEN is the byte length of the UTF-8 type, not its character count */
    assert_int_equal(wb_dsse_pae(&pae, &len, "\xc3\xa4", "x", 1), 0);
    assert_int_equal(len, strlen("DSSEv1 2 \xc3\xa4 1 x"));
    assert_memory_equal(pae, "DSSEv1 2 \xc3\xa4 1 x", len);
    wb_free(pae);

    /* a payload length with several digits, no leading zeros */
    big = malloc(big_len);
    assert_non_null(big);
    memset(big, 'q', big_len);
    assert_int_equal(wb_dsse_pae(&pae, &len, "ty", big, big_len), 0);
    assert_int_equal(len, strlen("DSSEv1 2 ty 123456 ") + big_len);
    assert_memory_equal(pae, "DSSEv1 2 ty 123456 ", 19);
    assert_memory_equal(pae + 19, big, big_len);
    wb_free(pae);
    free(big);

    assert_int_equal(wb_dsse_pae(NULL, &len, "t", "x", 1), WB_EINVAL);
    assert_int_equal(wb_dsse_pae(&pae, &len, NULL, "x", 1), WB_EINVAL);
    assert_int_equal(wb_dsse_pae(&pae, &len, "t", NULL, 1), WB_EINVAL);
}

/* --- sign, serialize, parse, verify --- */

static void check_round_trip(const wb_key *key)
{
    static const char payload[] = "{\"_type\":\"https://in-toto.io/Statement/v1\"}";
    wb_envelope *env = signed_envelope(INTOTO, payload, key, NULL);
    wb_envelope *parsed;
    wb_keyring *ring = ring_of(key, NULL, NULL);
    wb_dsse_result *result = NULL;
    char *text = NULL;
    size_t text_len = 0, payload_len = 0;
    const unsigned char *payload_out;

    assert_int_equal(wb_envelope_signature_count(env), 1);
    assert_string_equal(wb_envelope_signature_keyid(env, 0), wb_key_id(key));
    assert_int_equal(wb_dsse_verify(NULL, env, ring, 1), 0);

    assert_int_equal(wb_envelope_serialize(&text, &text_len, env), 0);
    assert_int_equal(strlen(text), text_len);
    assert_int_equal(text[text_len - 1], '\n');

    parsed = parse_or_fail(text);
    assert_string_equal(wb_envelope_payload_type(parsed), INTOTO);
    payload_out = wb_envelope_payload(parsed, &payload_len);
    assert_int_equal(payload_len, strlen(payload));
    assert_memory_equal(payload_out, payload, payload_len);
    assert_int_equal(wb_envelope_signature_count(parsed), 1);
    assert_string_equal(wb_envelope_signature_keyid(parsed, 0), wb_key_id(key));
    assert_null(wb_envelope_signature_keyid(parsed, 1));

    assert_int_equal(wb_dsse_verify(&result, parsed, ring, 1), 0);
    assert_non_null(result);
    assert_int_equal(result->valid_keys, 1);
    assert_int_equal(result->threshold, 1);
    assert_int_equal(result->nsigs, 1);
    assert_int_equal(result->sigs[0].status, WB_DSSE_SIG_VALID);
    assert_string_equal(result->sigs[0].keyid, wb_key_id(key));
    wb_dsse_result_free(result);

    /* serializing the parsed envelope gives the same text */
    {
        char *again = NULL;
        assert_int_equal(wb_envelope_serialize(&again, NULL, parsed), 0);
        assert_string_equal(again, text);
        wb_free(again);
    }
    wb_free(text);
    wb_envelope_free(parsed);
    wb_envelope_free(env);
    wb_keyring_free(ring);
}

static void test_round_trip_ed25519(void **state)
{
    check_round_trip(key_a);
}

static void test_round_trip_ecdsa(void **state)
{
    check_round_trip(key_ecdsa);
}

static void test_serialized_form(void **state)
{
    static const unsigned char payload[] = {0xfb, 0xff, 0xbf, 'h', 'i'};
    wb_envelope *env = NULL;
    char *text = NULL;
    json_t *root, *sigs;
    json_error_t error;

    assert_int_equal(wb_envelope_new(&env, HELLO_TYPE, payload, sizeof(payload)), 0);
    assert_int_equal(wb_dsse_sign(env, key_a), 0);
    assert_int_equal(wb_envelope_serialize(&text, NULL, env), 0);
    root = json_loads(text, JSON_REJECT_DUPLICATES, &error);
    assert_non_null(root);
    /* standard alphabet, padded */
    assert_string_equal(json_string_value(json_object_get(root, "payload")), "+/+/aGk=");
    assert_string_equal(json_string_value(json_object_get(root, "payloadType")), HELLO_TYPE);
    sigs = json_object_get(root, "signatures");
    assert_int_equal(json_array_size(sigs), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(sigs, 0), "keyid")),
                        wb_key_id(key_a));
    assert_int_equal(json_string_length(json_object_get(json_array_get(sigs, 0), "sig")), 88);
    json_decref(root);
    wb_free(text);
    wb_envelope_free(env);
}

static void test_hello_world_serialized_payload(void **state)
{
    wb_envelope *env = signed_envelope(HELLO_TYPE, "hello world", NULL, NULL);
    char *text = NULL;
    assert_int_equal(wb_envelope_serialize(&text, NULL, env), 0);
    assert_non_null(strstr(text, "\"aGVsbG8gd29ybGQ=\""));
    assert_non_null(strstr(text, "\"signatures\": []"));
    wb_free(text);
    wb_envelope_free(env);
}

static void test_envelope_new_and_accessors(void **state)
{
    wb_envelope *env = (wb_envelope *)&env;
    size_t len = 99;
    assert_int_equal(wb_envelope_new(&env, "t", NULL, 0), 0);
    assert_non_null(wb_envelope_payload(env, &len));
    assert_int_equal(len, 0);
    assert_int_equal(wb_envelope_signature_count(env), 0);
    assert_null(wb_envelope_signature_keyid(env, 0));
    wb_envelope_free(env);

    env = NULL;
    assert_int_equal(wb_envelope_new(&env, NULL, "x", 1), WB_EINVAL);
    assert_null(env);
    assert_int_equal(wb_envelope_new(&env, "t", NULL, 1), WB_EINVAL);
    assert_int_equal(wb_envelope_new(NULL, "t", "x", 1), WB_EINVAL);
    assert_null(wb_envelope_payload_type(NULL));
    assert_null(wb_envelope_payload(NULL, &len));
    assert_int_equal(wb_envelope_signature_count(NULL), 0);
    wb_envelope_free(NULL);
    wb_dsse_result_free(NULL);
}

static void test_sign_needs_private_key(void **state)
{
    wb_envelope *env = signed_envelope(INTOTO, "{}", NULL, NULL);
    wb_key *pub = NULL;
    assert_int_equal(wb_key_public(&pub, key_a), 0);
    assert_int_equal(wb_dsse_sign(env, pub), WB_EINVAL);
    assert_int_equal(wb_envelope_signature_count(env), 0);
    assert_int_equal(wb_dsse_sign(env, NULL), WB_EINVAL);
    assert_int_equal(wb_dsse_sign(NULL, key_a), WB_EINVAL);
    wb_key_free(pub);
    wb_envelope_free(env);
}

/* The payload type is not UTF-8, so there is no JSON string for it: an error,
 * but not "out of memory", which would send whoever reads it the wrong way. */
static void test_serialize_non_utf8_type(void **state)
{
    wb_envelope *env = NULL;
    char *text = NULL;
    int rc = wb_envelope_new(&env, "type\xff", "x", 1);
    if (rc < 0) {
        assert_null(env); /* refused up front: fine too */
        return;
    }
    rc = wb_envelope_serialize(&text, NULL, env);
    /* free before asserting, so that a failure here leaks nothing */
    wb_envelope_free(env);
    wb_free(text);
    assert_true(rc < 0);
    assert_null(text);
    if (rc == WB_ENOMEM)
        fail_msg("serializing a non-UTF-8 payload type reports WB_ENOMEM (\"%s\")",
                 wb_error_last());
}

/* --- thresholds and trust --- */

static void test_two_of_two(void **state)
{
    wb_envelope *env = signed_envelope(INTOTO, "{\"a\":1}", key_a, key_b);
    wb_keyring *ring = ring_of(key_a, key_b, NULL);
    wb_dsse_result *result = NULL;

    assert_int_equal(wb_dsse_verify(&result, env, ring, 2), 0);
    assert_int_equal(result->valid_keys, 2);
    assert_int_equal(result->threshold, 2);
    assert_int_equal(result->sigs[0].status, WB_DSSE_SIG_VALID);
    assert_int_equal(result->sigs[1].status, WB_DSSE_SIG_VALID);
    assert_string_equal(result->sigs[0].keyid, wb_key_id(key_a));
    assert_string_equal(result->sigs[1].keyid, wb_key_id(key_b));
    wb_dsse_result_free(result);
    /* and 1-of-2 */
    assert_int_equal(wb_dsse_verify(NULL, env, ring, 1), 0);
    /* but not 3 */
    assert_int_equal(wb_dsse_verify(&result, env, ring, 3), WB_EVERIFY);
    expect_message_has("2 of 3");
    assert_int_equal(result->valid_keys, 2);
    wb_dsse_result_free(result);
    wb_envelope_free(env);
    wb_keyring_free(ring);
}

static void test_mixed_key_types(void **state)
{
    wb_envelope *env = signed_envelope(INTOTO, "{}", key_ecdsa, key_b);
    wb_keyring *ring = ring_of(key_b, key_ecdsa, NULL);
    assert_int_equal(wb_dsse_verify(NULL, env, ring, 2), 0);
    wb_envelope_free(env);
    wb_keyring_free(ring);
}

static void test_one_key_twice_counts_once(void **state)
{
    wb_envelope *env = signed_envelope(INTOTO, "{\"b\":2}", key_a, key_a);
    wb_keyring *ring = ring_of(key_a, key_b, NULL);
    wb_dsse_result *result = NULL;

    assert_int_equal(wb_dsse_verify(&result, env, ring, 2), WB_EVERIFY);
    assert_non_null(result);
    assert_int_equal(result->valid_keys, 1);
    assert_int_equal(result->nsigs, 2);
    assert_int_equal(result->sigs[0].status, WB_DSSE_SIG_VALID);
    assert_int_equal(result->sigs[1].status, WB_DSSE_SIG_DUPLICATE);
    assert_string_equal(result->sigs[1].keyid, wb_key_id(key_a));
    expect_message_has("signature 2");
    if (!strstr(wb_error_last(), "already counted") && !strstr(wb_error_last(), "counted once"))
        fail_msg("message \"%s\" does not say the key was counted once", wb_error_last());
    expect_message_has("1 of 2");
    wb_dsse_result_free(result);

    /* threshold 1 is met, and the second is still reported a duplicate */
    assert_int_equal(wb_dsse_verify(&result, env, ring, 1), 0);
    assert_int_equal(result->sigs[1].status, WB_DSSE_SIG_DUPLICATE);
    wb_dsse_result_free(result);
    wb_envelope_free(env);
    wb_keyring_free(ring);
}

/* The same signature copied with no keyid hint is still one key. */
static void test_duplicate_without_hints(void **state)
{
    char *sig = signature_b64(key_a, INTOTO, "{}", 2);
    char json[1024];
    wb_envelope *env;
    wb_keyring *ring = ring_of(key_a, key_b, NULL);
    wb_dsse_result *result = NULL;

    snprintf(json, sizeof(json),
             "{\"payload\":\"e30=\",\"payloadType\":\"" INTOTO "\",\"signatures\":["
             "{\"sig\":\"%s\"},{\"keyid\":\"\",\"sig\":\"%s\"},{\"keyid\":\"%s\",\"sig\":\"%s\"}]}",
             sig, sig, wb_key_id(key_b), sig);
    env = parse_or_fail(json);
    assert_int_equal(wb_dsse_verify(&result, env, ring, 2), WB_EVERIFY);
    assert_int_equal(result->valid_keys, 1);
    assert_int_equal(result->sigs[0].status, WB_DSSE_SIG_VALID);
    assert_int_equal(result->sigs[1].status, WB_DSSE_SIG_DUPLICATE);
    assert_int_equal(result->sigs[2].status, WB_DSSE_SIG_DUPLICATE);
    assert_string_equal(result->sigs[2].keyid, wb_key_id(key_a));
    wb_dsse_result_free(result);
    wb_envelope_free(env);
    wb_keyring_free(ring);
    wb_free(sig);
}

/* One Ed25519 key, written once with its public value in lower-case hex and
 * once in upper case, is two key ids but still one key: its two signatures
 * must not meet a threshold of two. */
static void test_same_key_under_two_ids_counts_once(void **state)
{
    char upper[65];
    wb_key *lower_key = ed25519_key(NULL, PUBLIC_A), *upper_key;
    wb_keyring *ring = NULL;
    wb_envelope *env;
    char *sig = signature_b64(key_a, INTOTO, "{}", 2);
    char json[1024];
    size_t i;
    int rc;

    for (i = 0; i < 64; i++)
        upper[i] = (char)(PUBLIC_A[i] >= 'a' ? PUBLIC_A[i] - 'a' + 'A' : PUBLIC_A[i]);
    upper[64] = '\0';
    upper_key = ed25519_key(NULL, upper);
    assert_non_null(lower_key);
    if (!upper_key) {
        /* refusing the upper-case spelling also closes the hole */
        wb_key_free(lower_key);
        wb_free(sig);
        return;
    }
    assert_int_equal(wb_keyring_new(&ring), 0);
    assert_int_equal(wb_keyring_add(ring, lower_key), 0);
    assert_int_equal(wb_keyring_add(ring, upper_key), 0);

    snprintf(json, sizeof(json),
             "{\"payload\":\"e30=\",\"payloadType\":\"" INTOTO "\",\"signatures\":["
             "{\"keyid\":\"%s\",\"sig\":\"%s\"},{\"keyid\":\"%s\",\"sig\":\"%s\"}]}",
             wb_key_id(wb_keyring_get(ring, 0)), sig, wb_key_id(wb_keyring_get(ring, 1)), sig);
    env = parse_or_fail(json);
    rc = wb_dsse_verify(NULL, env, ring, 2);
    /* free before asserting, so that a failure here leaks nothing */
    wb_envelope_free(env);
    wb_keyring_free(ring);
    wb_free(sig);
    if (rc == 0)
        fail_msg("one Ed25519 key, in the ring under two ids (lower- and upper-case hex), met "
                 "threshold 2 by signing twice");
    assert_int_equal(rc, WB_EVERIFY);
}

static void test_untrusted_ignored(void **state)
{
    wb_envelope *env = signed_envelope(INTOTO, "{\"c\":3}", key_b, key_a);
    wb_keyring *ring = ring_of(key_a, NULL, NULL);
    wb_dsse_result *result = NULL;

    assert_int_equal(wb_dsse_verify(&result, env, ring, 1), 0);
    assert_int_equal(result->valid_keys, 1);
    assert_int_equal(result->sigs[0].status, WB_DSSE_SIG_UNTRUSTED);
    /* for an untrusted signature, the keyid is its hint */
    assert_string_equal(result->sigs[0].keyid, wb_key_id(key_b));
    assert_int_equal(result->sigs[1].status, WB_DSSE_SIG_VALID);
    assert_string_equal(result->sigs[1].keyid, wb_key_id(key_a));
    wb_dsse_result_free(result);

    /* two signatures, one trusted: threshold 2 is not met */
    assert_int_equal(wb_dsse_verify(&result, env, ring, 2), WB_EVERIFY);
    expect_message_has("signature 1");
    expect_message_has("no trusted key");
    expect_message_has(wb_key_id(key_b));
    assert_int_equal(result->sigs[0].status, WB_DSSE_SIG_UNTRUSTED);
    wb_dsse_result_free(result);
    wb_envelope_free(env);
    wb_keyring_free(ring);
}

static void test_only_untrusted(void **state)
{
    wb_envelope *env = signed_envelope(INTOTO, "{}", key_b, NULL);
    wb_keyring *ring = ring_of(key_a, key_ecdsa, NULL);
    wb_keyring *empty = NULL;
    assert_int_equal(wb_dsse_verify(NULL, env, ring, 1), WB_EVERIFY);
    expect_message_has("0 of 1");
    /* an empty keyring trusts nobody */
    assert_int_equal(wb_keyring_new(&empty), 0);
    assert_int_equal(wb_dsse_verify(NULL, env, empty, 1), WB_EVERIFY);
    wb_keyring_free(empty);
    wb_envelope_free(env);
    wb_keyring_free(ring);
}

static void test_hint_is_only_a_hint(void **state)
{
    static const char *const hints[] = {
        NULL, /* no keyid field */
        "",
        "bogus",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "\xe2\x98\x83 snowman",
    };
    char *sig = signature_b64(key_a, INTOTO, "{}", 2);
    wb_keyring *ring = ring_of(key_a, NULL, NULL);
    size_t i;

    for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
        char json[1024];
        wb_envelope *env;
        wb_dsse_result *result = NULL;
        if (hints[i])
            snprintf(json, sizeof(json),
                     "{\"payload\":\"e30=\",\"payloadType\":\"" INTOTO "\",\"signatures\":["
                     "{\"keyid\":\"%s\",\"sig\":\"%s\"}]}",
                     hints[i], sig);
        else
            snprintf(json, sizeof(json),
                     "{\"payload\":\"e30=\",\"payloadType\":\"" INTOTO "\",\"signatures\":["
                     "{\"sig\":\"%s\"}]}",
                     sig);
        env = parse_or_fail(json);
        assert_string_equal(wb_envelope_signature_keyid(env, 0), hints[i] ? hints[i] : "");
        if (wb_dsse_verify(&result, env, ring, 1) != 0)
            fail_msg("hint \"%s\": %s", hints[i] ? hints[i] : "(none)", wb_error_last());
        assert_int_equal(result->sigs[0].status, WB_DSSE_SIG_VALID);
        /* the result names the key that verified, not the hint */
        assert_string_equal(result->sigs[0].keyid, wb_key_id(key_a));
        wb_dsse_result_free(result);
        wb_envelope_free(env);
    }
    wb_keyring_free(ring);
    wb_free(sig);
}

/* A hint naming the wrong trusted key: that key is tried, then the others. */
static void test_hint_naming_other_trusted_key(void **state)
{
    char *sig_a = signature_b64(key_a, INTOTO, "{}", 2);
    char *sig_b = signature_b64(key_b, INTOTO, "{}", 2);
    wb_keyring *ring = ring_of(key_a, key_b, NULL);
    wb_dsse_result *result = NULL;
    wb_envelope *env;
    char json[1024];

    snprintf(json, sizeof(json),
             "{\"payload\":\"e30=\",\"payloadType\":\"" INTOTO "\",\"signatures\":["
             "{\"keyid\":\"%s\",\"sig\":\"%s\"},{\"keyid\":\"%s\",\"sig\":\"%s\"}]}",
             wb_key_id(key_b), sig_a, wb_key_id(key_a), sig_b);
    env = parse_or_fail(json);
    assert_int_equal(wb_dsse_verify(&result, env, ring, 2), 0);
    assert_int_equal(result->valid_keys, 2);
    assert_int_equal(result->sigs[0].status, WB_DSSE_SIG_VALID);
    assert_string_equal(result->sigs[0].keyid, wb_key_id(key_a));
    assert_int_equal(result->sigs[1].status, WB_DSSE_SIG_VALID);
    assert_string_equal(result->sigs[1].keyid, wb_key_id(key_b));
    wb_dsse_result_free(result);
    wb_envelope_free(env);
    wb_keyring_free(ring);
    wb_free(sig_a);
    wb_free(sig_b);
}

static void test_flipped_payload_byte(void **state)
{
    static const char payload[] = "{\"subject\":\"release.tar.gz\"}";
    char tampered[sizeof(payload)];
    char *sig = signature_b64(key_a, INTOTO, payload, strlen(payload));
    char *payload_b64;
    wb_keyring *ring = ring_of(key_a, NULL, NULL);
    size_t i;

    for (i = 0; i < strlen(payload); i += 5) {
        char json[1024];
        wb_envelope *env;
        wb_dsse_result *result = NULL;

        memcpy(tampered, payload, sizeof(payload));
        tampered[i] ^= 0x20;
        payload_b64 = b64(tampered, strlen(payload));
        /* hinted: the named trusted key does not verify it */
        snprintf(json, sizeof(json),
                 "{\"payload\":\"%s\",\"payloadType\":\"" INTOTO "\",\"signatures\":["
                 "{\"keyid\":\"%s\",\"sig\":\"%s\"}]}",
                 payload_b64, wb_key_id(key_a), sig);
        env = parse_or_fail(json);
        assert_int_equal(wb_dsse_verify(&result, env, ring, 1), WB_EVERIFY);
        assert_int_equal(wb_error_last_code(), WB_EVERIFY);
        expect_message_has("signature 1");
        expect_message_has(wb_key_id(key_a));
        assert_int_equal(result->valid_keys, 0);
        assert_int_equal(result->sigs[0].status, WB_DSSE_SIG_INVALID);
        assert_string_equal(result->sigs[0].keyid, wb_key_id(key_a));
        wb_dsse_result_free(result);
        wb_envelope_free(env);

        /* without a hint: no trusted key verifies it */
        snprintf(json, sizeof(json),
                 "{\"payload\":\"%s\",\"payloadType\":\"" INTOTO "\",\"signatures\":["
                 "{\"sig\":\"%s\"}]}",
                 payload_b64, sig);
        env = parse_or_fail(json);
        assert_int_equal(wb_dsse_verify(&result, env, ring, 1), WB_EVERIFY);
        expect_message_has("signature 1");
        assert_int_equal(result->sigs[0].status, WB_DSSE_SIG_UNTRUSTED);
        wb_dsse_result_free(result);
        wb_envelope_free(env);
        wb_free(payload_b64);
    }
    wb_keyring_free(ring);
    wb_free(sig);
}

static void test_payload_type_is_signed(void **state)
{
    char *sig = signature_b64(key_a, INTOTO, "{}", 2);
    wb_keyring *ring = ring_of(key_a, NULL, NULL);
    char json[1024];
    wb_envelope *env;

    snprintf(json, sizeof(json),
             "{\"payload\":\"e30=\",\"payloadType\":\"application/vnd.in-toto+jsoN\","
             "\"signatures\":[{\"sig\":\"%s\"}]}",
             sig);
    env = parse_or_fail(json);
    assert_int_equal(wb_dsse_verify(NULL, env, ring, 1), WB_EVERIFY);
    wb_envelope_free(env);
    wb_keyring_free(ring);
    wb_free(sig);
}

static void test_flipped_signature_byte(void **state)
{
    wb_envelope *env = signed_envelope(INTOTO, "{}", key_ecdsa, NULL);
    wb_keyring *ring = ring_of(key_ecdsa, NULL, NULL);
    char *text = NULL, *sig_field, *parsed_text;
    wb_envelope *parsed;

    assert_int_equal(wb_envelope_serialize(&text, NULL, env), 0);
    sig_field = strstr(text, "\"sig\": \"");
    assert_non_null(sig_field);
    parsed_text = strdup(text);
    assert_non_null(parsed_text);
    /* change one base64 character in the middle of the DER signature */
    sig_field = parsed_text + (sig_field - text) + 8 + 30;
    *sig_field = *sig_field == 'A' ? 'B' : 'A';
    parsed = parse_or_fail(parsed_text);
    assert_int_equal(wb_dsse_verify(NULL, parsed, ring, 1), WB_EVERIFY);
    expect_message_has("signature 1");
    wb_envelope_free(parsed);
    free(parsed_text);
    wb_free(text);
    wb_envelope_free(env);
    wb_keyring_free(ring);
}

static void test_empty_signatures(void **state)
{
    wb_envelope *env =
        parse_or_fail("{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[]}");
    wb_keyring *ring = ring_of(key_a, NULL, NULL);
    wb_dsse_result *result = NULL;
    assert_int_equal(wb_envelope_signature_count(env), 0);
    assert_int_equal(wb_dsse_verify(&result, env, ring, 1), WB_EVERIFY);
    assert_true(strlen(wb_error_last()) > 0);
    expect_message_has("no signatures");
    assert_non_null(result);
    assert_int_equal(result->nsigs, 0);
    assert_int_equal(result->valid_keys, 0);
    wb_dsse_result_free(result);
    wb_envelope_free(env);
    wb_keyring_free(ring);
}

/* An empty "sig" is a signature of zero bytes: parsed, verified by nobody. */
static void test_empty_signature_value(void **state)
{
    wb_envelope *env = parse_or_fail("{\"payload\":\"e30=\",\"payloadType\":\"" INTOTO "\","
                                     "\"signatures\":[{\"keyid\":\"k\",\"sig\":\"\"}]}");
    wb_keyring *ring = ring_of(key_a, key_ecdsa, NULL);
    wb_dsse_result *result = NULL;
    assert_int_equal(wb_envelope_signature_count(env), 1);
    assert_int_equal(wb_dsse_verify(&result, env, ring, 1), WB_EVERIFY);
    assert_int_equal(result->sigs[0].status, WB_DSSE_SIG_UNTRUSTED);
    assert_string_equal(result->sigs[0].keyid, "k");
    wb_dsse_result_free(result);
    wb_envelope_free(env);
    wb_keyring_free(ring);
}

static void test_verify_invalid_arguments(void **state)
{
    wb_envelope *env = signed_envelope(INTOTO, "{}", key_a, NULL);
    wb_keyring *ring = ring_of(key_a, NULL, NULL);
    wb_dsse_result *result = (wb_dsse_result *)&result;
    assert_int_equal(wb_dsse_verify(&result, env, ring, 0), WB_EINVAL);
    assert_null(result);
    assert_int_equal(wb_dsse_verify(NULL, env, NULL, 1), WB_EINVAL);
    assert_int_equal(wb_dsse_verify(NULL, NULL, ring, 1), WB_EINVAL);
    wb_envelope_free(env);
    wb_keyring_free(ring);
}

static void test_long_and_unprintable_hints(void **state)
{
    char hint[101], json[2048];
    wb_keyring *ring = ring_of(key_a, NULL, NULL);
    wb_dsse_result *result = NULL;
    wb_envelope *env;
    char *sig = signature_b64(key_b, INTOTO, "{}", 2);

    memset(hint, 'h', 100);
    hint[100] = '\0';
    snprintf(json, sizeof(json),
             "{\"payload\":\"e30=\",\"payloadType\":\"" INTOTO "\",\"signatures\":["
             "{\"keyid\":\"%s\",\"sig\":\"%s\"},{\"keyid\":\"a\\u0007b\\nc\",\"sig\":\"%s\"}]}",
             hint, sig, sig);
    env = parse_or_fail(json);
    assert_int_equal(wb_dsse_verify(&result, env, ring, 1), WB_EVERIFY);
    /* the hint of an untrusted signature is reported, cut to 64 characters */
    assert_int_equal(result->sigs[0].status, WB_DSSE_SIG_UNTRUSTED);
    assert_int_equal(strlen(result->sigs[0].keyid), WB_KEYID_HEX_LEN);
    assert_memory_equal(result->sigs[0].keyid, hint, WB_KEYID_HEX_LEN);
    /* and control characters never reach the message */
    assert_null(strchr(wb_error_last(), '\007'));
    assert_null(strchr(wb_error_last(), '\n'));
    expect_message_has("a?b?c");
    wb_dsse_result_free(result);
    wb_envelope_free(env);
    wb_keyring_free(ring);
    wb_free(sig);
}

/* --- parsing --- */

typedef struct {
    const char *what;
    const char *json;
    int code;
} parse_case;

static const parse_case parse_cases[] = {
    {"empty", "", WB_EFORMAT},
    {"truncated", "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[", WB_EFORMAT},
    {"truncated string", "{\"payload\":\"e30", WB_EFORMAT},
    {"trailing garbage", "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[]} x",
     WB_EFORMAT},
    {"array", "[]", WB_EFORMAT},
    {"string", "\"payload\"", WB_EFORMAT},
    {"number", "42", WB_EFORMAT},
    {"null", "null", WB_EFORMAT},
    {"empty object", "{}", WB_EFORMAT},
    {"no payload", "{\"payloadType\":\"t\",\"signatures\":[]}", WB_EFORMAT},
    {"no payloadType", "{\"payload\":\"e30=\",\"signatures\":[]}", WB_EFORMAT},
    {"no signatures", "{\"payload\":\"e30=\",\"payloadType\":\"t\"}", WB_EFORMAT},
    {"payload number", "{\"payload\":1,\"payloadType\":\"t\",\"signatures\":[]}", WB_EFORMAT},
    {"payload null", "{\"payload\":null,\"payloadType\":\"t\",\"signatures\":[]}", WB_EFORMAT},
    {"payload object", "{\"payload\":{},\"payloadType\":\"t\",\"signatures\":[]}", WB_EFORMAT},
    {"payloadType number", "{\"payload\":\"e30=\",\"payloadType\":7,\"signatures\":[]}",
     WB_EFORMAT},
    {"payloadType array", "{\"payload\":\"e30=\",\"payloadType\":[\"t\"],\"signatures\":[]}",
     WB_EFORMAT},
    {"payloadType NUL", "{\"payload\":\"e30=\",\"payloadType\":\"a\\u0000b\",\"signatures\":[]}",
     WB_EFORMAT},
    {"signatures object", "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":{}}",
     WB_EFORMAT},
    {"signatures string", "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":\"x\"}",
     WB_EFORMAT},
    {"signature not object",
     "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[\"AAAA\"]}", WB_EFORMAT},
    {"signature null", "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[null]}",
     WB_EFORMAT},
    {"sig missing",
     "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"k\"}]}", WB_EFORMAT},
    {"sig number", "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":5}]}",
     WB_EFORMAT},
    {"keyid number",
     "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":5,\"sig\":\"AAAA\"}]}",
     WB_EFORMAT},
    {"keyid null",
     "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":null,\"sig\":\"AAAA\"}"
     "]"
     "}",
     WB_EFORMAT},
    {"payload bad base64", "{\"payload\":\"e30*\",\"payloadType\":\"t\",\"signatures\":[]}",
     WB_EFORMAT},
    {"payload base64 whitespace", "{\"payload\":\"e3 0=\",\"payloadType\":\"t\",\"signatures\":[]}",
     WB_EFORMAT},
    {"payload base64 bad length", "{\"payload\":\"e30==\",\"payloadType\":\"t\",\"signatures\":[]}",
     WB_EFORMAT},
    {"sig bad base64",
     "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"AA!A\"}]}",
     WB_EFORMAT},
    {"sig mixed alphabets",
     "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"+_AA\"}]}",
     WB_EFORMAT},
    {"duplicate payload",
     "{\"payload\":\"e30=\",\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[]}",
     WB_EFORMAT},
    {"duplicate payloadType",
     "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"payloadType\":\"u\",\"signatures\":[]}",
     WB_EFORMAT},
    {"duplicate signatures",
     "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[],\"signatures\":[]}",
     WB_EFORMAT},
    {"duplicate sig",
     "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"AAAA\",\"sig\":"
     "\"BBBB\"}]"
     "}",
     WB_EFORMAT},
    {"duplicate keyid",
     "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"a\",\"keyid\":\"b\","
     "\"sig\":\"AAAA\"}]}",
     WB_EFORMAT},
};

static void test_parse_errors(void **state)
{
    size_t i;
    for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const parse_case *c = &parse_cases[i];
        wb_envelope *env = (wb_envelope *)&env;
        int rc = wb_envelope_parse(&env, c->json, strlen(c->json), "env.json");
        if (rc != c->code)
            fail_msg("%s: got %s (%s), expected %s", c->what, wb_error_name(rc), wb_error_last(),
                     wb_error_name(c->code));
        assert_null(env);
        assert_int_equal(wb_error_last_code(), c->code);
        if (!strstr(wb_error_last(), "env.json"))
            fail_msg("%s: message \"%s\" does not name the file", c->what, wb_error_last());
    }
}

static void test_parse_error_names_field(void **state)
{
    wb_envelope *env = NULL;
    static const char bad_sig[] = "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":["
                                  "{\"sig\":\"AAAA\"},{\"sig\":\"A*AA\"}]}";
    /* a raw control character inside a JSON string */
    static const char control[] = "{\"payload\":\"e30\x01\",\"payloadType\":\"t\","
                                  "\"signatures\":[]}";
    assert_int_equal(wb_envelope_parse(&env, bad_sig, strlen(bad_sig), "env.json"), WB_EFORMAT);
    expect_message_has("signature 2");
    expect_message_has("base64");
    assert_int_equal(wb_envelope_parse(&env, control, strlen(control), "env.json"), WB_EFORMAT);
    expect_message_has("env.json");
    assert_int_equal(wb_envelope_parse(NULL, "{}", 2, "x"), WB_EINVAL);
}

static void test_unknown_fields_ignored(void **state)
{
    static const char json[] =
        "{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":\"" HELLO_TYPE "\",\"signatures\":[],"
        "\"extension\":{\"kind\":\"x\"},\"x-count\":3}";
    wb_envelope *env = parse_or_fail(json);
    size_t len = 0;
    assert_memory_equal(wb_envelope_payload(env, &len), "hello world", 11);
    assert_int_equal(len, 11);
    wb_envelope_free(env);
}

static char *envelope_with_n_signatures(size_t n)
{
    size_t cap = 128 + n * 40, i;
    char *text = malloc(cap);
    size_t used;
    assert_non_null(text);
    used =
        (size_t)snprintf(text, cap, "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[");
    for (i = 0; i < n; i++)
        used += (size_t)snprintf(text + used, cap - used, "%s{\"keyid\":\"k%zu\",\"sig\":\"AAAA\"}",
                                 i ? "," : "", i);
    snprintf(text + used, cap - used, "]}");
    return text;
}

static void test_signature_limit(void **state)
{
    char *text = envelope_with_n_signatures(WB_DSSE_MAX_SIGNATURES);
    wb_envelope *env = NULL;
    wb_keyring *ring = ring_of(key_a, NULL, NULL);
    wb_dsse_result *result = NULL;

    assert_int_equal(wb_envelope_parse(&env, text, strlen(text), "env.json"), 0);
    assert_int_equal(wb_envelope_signature_count(env), WB_DSSE_MAX_SIGNATURES);
    assert_string_equal(wb_envelope_signature_keyid(env, 255), "k255");
    /* none verifies; the long message is cut, not overflowed */
    assert_int_equal(wb_dsse_verify(&result, env, ring, 1), WB_EVERIFY);
    assert_int_equal(result->nsigs, WB_DSSE_MAX_SIGNATURES);
    assert_true(strlen(wb_error_last()) < 1024);
    wb_dsse_result_free(result);
    /* and one more cannot be signed in */
    assert_int_equal(wb_dsse_sign(env, key_a), WB_ELIMIT);
    assert_int_equal(wb_envelope_signature_count(env), WB_DSSE_MAX_SIGNATURES);
    wb_envelope_free(env);
    free(text);

    text = envelope_with_n_signatures(WB_DSSE_MAX_SIGNATURES + 1);
    env = (wb_envelope *)&env;
    assert_int_equal(wb_envelope_parse(&env, text, strlen(text), "env.json"), WB_ELIMIT);
    assert_null(env);
    expect_message_has("env.json");
    free(text);
    wb_keyring_free(ring);
}

static void test_url_safe_and_unpadded_base64(void **state)
{
    static const unsigned char payload[] = {0xfb, 0xff, 0xbf, 0x3e, 0x3f};
    wb_keyring *ring = ring_of(key_a, NULL, NULL);
    char *sig = signature_b64(key_a, INTOTO, payload, sizeof(payload));
    char url_sig[128], json[1024];
    size_t i, len;
    const char *payload_forms[] = {"-_-_Pj8=", "-_-_Pj8", "+/+/Pj8", "+/+/Pj8="};

    /* the signature in URL-safe alphabet, unpadded */
    snprintf(url_sig, sizeof(url_sig), "%s", sig);
    for (i = 0; url_sig[i]; i++) {
        if (url_sig[i] == '+')
            url_sig[i] = '-';
        else if (url_sig[i] == '/')
            url_sig[i] = '_';
        else if (url_sig[i] == '=')
            url_sig[i] = '\0';
    }
    for (i = 0; i < sizeof(payload_forms) / sizeof(payload_forms[0]); i++) {
        const char *sig_form = i % 2 ? url_sig : sig;
        wb_envelope *env;
        snprintf(json, sizeof(json),
                 "{\"payload\":\"%s\",\"payloadType\":\"" INTOTO "\",\"signatures\":["
                 "{\"sig\":\"%s\"}]}",
                 payload_forms[i], sig_form);
        env = parse_or_fail(json);
        assert_memory_equal(wb_envelope_payload(env, &len), payload, sizeof(payload));
        assert_int_equal(len, sizeof(payload));
        if (wb_dsse_verify(NULL, env, ring, 1) != 0)
            fail_msg("payload %s: %s", payload_forms[i], wb_error_last());
        wb_envelope_free(env);
    }
    wb_keyring_free(ring);
    wb_free(sig);
}

/* --- files --- */

static void test_save_and_load(void **state)
{
    wb_envelope *env = signed_envelope(INTOTO, "{\"file\":true}", key_a, key_ecdsa);
    wb_envelope *loaded = NULL;
    wb_keyring *ring = ring_of(key_a, key_ecdsa, NULL);
    char path[512];
    struct stat st;

    snprintf(path, sizeof(path), "%s/env.json", temp_dir);
    assert_int_equal(wb_envelope_save(env, path), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    /* saving replaces an existing envelope */
    assert_int_equal(wb_envelope_save(env, path), 0);
    assert_int_equal(wb_envelope_load(&loaded, path), 0);
    assert_int_equal(wb_envelope_signature_count(loaded), 2);
    assert_int_equal(wb_dsse_verify(NULL, loaded, ring, 2), 0);
    wb_envelope_free(loaded);

    snprintf(path, sizeof(path), "%s/missing.json", temp_dir);
    loaded = (wb_envelope *)&loaded;
    assert_int_equal(wb_envelope_load(&loaded, path), WB_ENOTFOUND);
    assert_null(loaded);
    expect_message_has("missing.json");
    assert_true(wb_envelope_load(&loaded, temp_dir) < 0);

    snprintf(path, sizeof(path), "%s/garbage.json", temp_dir);
    {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("{\"payload\":", f);
        fclose(f);
    }
    assert_int_equal(wb_envelope_load(&loaded, path), WB_EFORMAT);
    expect_message_has("garbage.json");
    wb_envelope_free(env);
    wb_keyring_free(ring);
}

/* --- known answers from the DSSE repository --- */

/* implementation/signing_spec.py: P-256 key as integers, signature r||s */
#define SPEC_ECDSA_X "46950820868899156662930047687818585632848591499744589407958293238635476079160"
#define SPEC_ECDSA_Y "5640078356564379163099075877009565129882514886557779369047442380624545832820"
#define SPEC_ECDSA_SIG_RAW                                                                         \
    "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="
/* The same point as SubjectPublicKeyInfo, and the signature as DER, computed
 * independently with Python's cryptography. */
#define SPEC_ECDSA_SPKI_B64                                                                        \
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZ805D3eqNZywjCI19lInBJOp7YMr"                             \
    "CrzAH3CVTAOQ0jgMeCvVTiaRJaRPRDOv8UMs6U4SvKc6pnrIDOoSYI3fdA=="
#define SPEC_ECDSA_SIG_DER                                                                         \
    "MEQCIANyarEBrVbCdjtsaqyOSHJ14qeRk6CdxfhZ2fjvPEo7AiBR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JI" \
    "ZA=="

static wb_key *spec_ecdsa_key(void)
{
    static const unsigned char spki_prefix[] = {
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
        0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};
    unsigned char spki[sizeof(spki_prefix) + 64];
    BIGNUM *x = NULL, *y = NULL;
    char *spki_b64, pem[256];
    wb_key *key = NULL;

    assert_true(BN_dec2bn(&x, SPEC_ECDSA_X) > 0);
    assert_true(BN_dec2bn(&y, SPEC_ECDSA_Y) > 0);
    memcpy(spki, spki_prefix, sizeof(spki_prefix));
    assert_int_equal(BN_bn2binpad(x, spki + sizeof(spki_prefix), 32), 32);
    assert_int_equal(BN_bn2binpad(y, spki + sizeof(spki_prefix) + 32, 32), 32);
    BN_free(x);
    BN_free(y);
    spki_b64 = b64(spki, sizeof(spki));
    assert_string_equal(spki_b64, SPEC_ECDSA_SPKI_B64);
    snprintf(pem, sizeof(pem), "-----BEGIN PUBLIC KEY-----\n%.64s\n%s\n-----END PUBLIC KEY-----\n",
             spki_b64, spki_b64 + 64);
    wb_free(spki_b64);
    assert_int_equal(wb_key_parse(&key, pem, strlen(pem), "spec-ecdsa.pub"), 0);
    assert_int_equal(wb_key_get_type(key), WB_KEY_ECDSA_P256);
    return key;
}

static char *raw_to_der_b64(const char *raw_b64)
{
    unsigned char *raw = NULL, *der = NULL;
    size_t raw_len = 0;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r, *s;
    int der_len;
    char *text;

    assert_int_equal(wb_base64_decode(&raw, &raw_len, raw_b64, strlen(raw_b64)), 0);
    assert_int_equal(raw_len, 64);
    r = BN_bin2bn(raw, 32, NULL);
    s = BN_bin2bn(raw + 32, 32, NULL);
    assert_non_null(sig);
    assert_int_equal(ECDSA_SIG_set0(sig, r, s), 1);
    der_len = i2d_ECDSA_SIG(sig, &der);
    assert_true(der_len > 0);
    text = b64(der, (size_t)der_len);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    wb_free(raw);
    return text;
}

static void test_spec_ecdsa_example(void **state)
{
    wb_key *key = spec_ecdsa_key();
    wb_keyring *ring = NULL;
    char *der_b64 = raw_to_der_b64(SPEC_ECDSA_SIG_RAW);
    char json[1024];
    wb_envelope *env;
    wb_dsse_result *result = NULL;

    assert_string_equal(der_b64, SPEC_ECDSA_SIG_DER);
    assert_int_equal(wb_keyring_new(&ring), 0);
    assert_int_equal(wb_keyring_add(ring, key), 0);

    /* the reference implementation's envelope, signature in DER */
    snprintf(json, sizeof(json),
             "{\"payload\": \"aGVsbG8gd29ybGQ=\", \"payloadType\": \"" HELLO_TYPE "\", "
             "\"signatures\": [{\"keyid\": \"66301bbf\", \"sig\": \"%s\"}]}",
             der_b64);
    env = parse_or_fail(json);
    assert_int_equal(wb_dsse_verify(&result, env, ring, 1), 0);
    assert_int_equal(result->sigs[0].status, WB_DSSE_SIG_VALID);
    assert_string_equal(result->sigs[0].keyid, wb_key_id(wb_keyring_get(ring, 0)));
    wb_dsse_result_free(result);
    wb_envelope_free(env);

    /* the raw r||s form is not what ecdsa-sha2-nistp256 carries */
    snprintf(json, sizeof(json),
             "{\"payload\": \"aGVsbG8gd29ybGQ=\", \"payloadType\": \"" HELLO_TYPE "\", "
             "\"signatures\": [{\"keyid\": \"66301bbf\", \"sig\": \"%s\"}]}",
             SPEC_ECDSA_SIG_RAW);
    env = parse_or_fail(json);
    assert_int_equal(wb_dsse_verify(NULL, env, ring, 1), WB_EVERIFY);
    wb_envelope_free(env);

    /* nor does it verify another payload */
    snprintf(json, sizeof(json),
             "{\"payload\": \"aGVsbG8gd29ybGQh\", \"payloadType\": \"" HELLO_TYPE "\", "
             "\"signatures\": [{\"sig\": \"%s\"}]}",
             der_b64);
    env = parse_or_fail(json);
    assert_int_equal(wb_dsse_verify(NULL, env, ring, 1), WB_EVERIFY);
    wb_envelope_free(env);

    wb_keyring_free(ring);
    wb_free(der_b64);
}

typedef struct {
    const char *id;
    const char *envelope;
    const char *trusted; /* "A", "AB" */
    size_t threshold;
    const char *pae_hex;
    int expect;
} dsse_vector;

/* secure-systems-lab/dsse testvectors/vectors.json (keys A, B: RFC 8032
 * TEST 1, TEST 2). "payload-type-swapped" carries a signature over another
 * type, so its "pae" is of that type. "empty-payload-type" is rejected there
 * because no verifier supports the empty type; its signature is valid, and
 * the payload type check is the caller's, so wb_dsse_verify() accepts it. */
static const dsse_vector spec_vectors[] = {
    {"single-signature",
     "{\"payload\":\"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjE"
     "ifQ==\",\"payloadType\":\"application/vnd.in-toto+json\",\"signatures\""
     ":[{\"sig\":\"2WAfaHm5jluo0w+0rk8uVkluELJYWjSmU9x7EUzx+AyteDGJ4/nqyJXfm"
     "AUVFIAoQafWm7AxBZNw5M9ixNHiCA==\",\"keyid\":\"A\"}]}",
     "A", 1,
     "445353457631203238206170706c69636174696f6e2f766e642e696e2d746f746f2b6a736f6e203433207b225f747"
     "97065223a2268747470733a2f2f696e2d746f746f2e696f2f53746174656d656e742f7631227d",
     0},
    {"url-safe-base64",
     "{\"payload\":\"-_-_Pj8=\",\"payloadType\":\"application/vnd.in-toto+js"
     "on\",\"signatures\":[{\"sig\":\"P-_KHICeR7tI6S_YyejJTRtrXhcQyQ2LYPaL8h"
     "90KjC9qN8HU_svOQ6TuDOT1HIrsGW886DbWNWcCmX5twLrAw==\",\"keyid\":\"A\"}]"
     "}",
     "A", 1,
     "445353457631203238206170706c69636174696f6e2f766e642e696e2d746f746f2b6a736f6e203520fbffbf3e3f",
     0},
    {"payload-type-swapped",
     "{\"payload\":\"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjE"
     "ifQ==\",\"payloadType\":\"application/vnd.example.other+json\",\"signa"
     "tures\":[{\"sig\":\"2WAfaHm5jluo0w+0rk8uVkluELJYWjSmU9x7EUzx+AyteDGJ4/"
     "nqyJXfmAUVFIAoQafWm7AxBZNw5M9ixNHiCA==\",\"keyid\":\"A\"}]}",
     "A", 1,
     "445353457631203238206170706c69636174696f6e2f766e642e696e2d746f746f2b6a736f6e203433207b225f747"
     "97065223a2268747470733a2f2f696e2d746f746f2e696f2f53746174656d656e742f7631227d",
     WB_EVERIFY},
    {"non-ascii-payload-type",
     "{\"payload\":\"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjE"
     "ifQ==\",\"payloadType\":\"application/vnd.ex\xc3\xa4mple+json\",\"sign"
     "atures\":[{\"sig\":\"xmSk/ug66ysT7ayhkCIjhAq42zgZXSsEWuzUaNL7w2eGAdF/N"
     "U6/fRXPtmfN+5DNSAs5/i2lUnHjbbjPsu0tAw==\",\"keyid\":\"A\"}]}",
     "A", 1,
     "445353457631203239206170706c69636174696f6e2f766e642e6578c3a46d706c652b6a736f6e203433207b225f7"
     "4797065223a2268747470733a2f2f696e2d746f746f2e696f2f53746174656d656e742f7631227d",
     0},
    {"empty-payload",
     "{\"payload\":\"\",\"payloadType\":\"application/vnd.in-toto+json\",\"s"
     "ignatures\":[{\"sig\":\"gSggCAaTLTYyRH6FIDBem6meyIynsYy8RTHVzwx9tnTb7B"
     "g/1jMWnuVgI/gffqmbsC2VX5/jHfkkDqsj7CDbDg==\",\"keyid\":\"A\"}]}",
     "A", 1, "445353457631203238206170706c69636174696f6e2f766e642e696e2d746f746f2b6a736f6e203020",
     0},
    {"empty-payload-type",
     "{\"payload\":\"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjE"
     "ifQ==\",\"payloadType\":\"\",\"signatures\":[{\"sig\":\"iC3q/+3Rm0+lpA"
     "JRueDmDh15PnwCfxKmS0NAfKsbv+zgulXQC/WM9trc+j1XEqlwDIg/vf/uNfebeD6sxInr"
     "Dg==\",\"keyid\":\"A\"}]}",
     "A", 1,
     "445353457631203020203433207b225f74797065223a2268747470733a2f2f696e2d746f746f2e696f2f537461746"
     "56d656e742f7631227d",
     0},
    {"threshold-two-distinct-keys",
     "{\"payload\":\"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjE"
     "ifQ==\",\"payloadType\":\"application/vnd.in-toto+json\",\"signatures\""
     ":[{\"sig\":\"2WAfaHm5jluo0w+0rk8uVkluELJYWjSmU9x7EUzx+AyteDGJ4/nqyJXfm"
     "AUVFIAoQafWm7AxBZNw5M9ixNHiCA==\",\"keyid\":\"A\"},{\"sig\":\"c1+67/aT"
     "0yqEpwx8PsVY3MLHsj9D0CZ014/Fv/QlG59P+9CobUZ7xECJ/V3USG0Ob9CiE5LjReEZUz"
     "NF2l7eBw==\",\"keyid\":\"B\"}]}",
     "AB", 2,
     "445353457631203238206170706c69636174696f6e2f766e642e696e2d746f746f2b6a736f6e203433207b225f747"
     "97065223a2268747470733a2f2f696e2d746f746f2e696f2f53746174656d656e742f7631227d",
     0},
    {"threshold-two-one-key-twice",
     "{\"payload\":\"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjE"
     "ifQ==\",\"payloadType\":\"application/vnd.in-toto+json\",\"signatures\""
     ":[{\"sig\":\"2WAfaHm5jluo0w+0rk8uVkluELJYWjSmU9x7EUzx+AyteDGJ4/nqyJXfm"
     "AUVFIAoQafWm7AxBZNw5M9ixNHiCA==\",\"keyid\":\"A\"},{\"sig\":\"2WAfaHm5"
     "jluo0w+0rk8uVkluELJYWjSmU9x7EUzx+AyteDGJ4/nqyJXfmAUVFIAoQafWm7AxBZNw5M"
     "9ixNHiCA==\",\"keyid\":\"A\"}]}",
     "AB", 2,
     "445353457631203238206170706c69636174696f6e2f766e642e696e2d746f746f2b6a736f6e203433207b225f747"
     "97065223a2268747470733a2f2f696e2d746f746f2e696f2f53746174656d656e742f7631227d",
     WB_EVERIFY},
    {"threshold-two-without-keyids",
     "{\"payload\":\"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjE"
     "ifQ==\",\"payloadType\":\"application/vnd.in-toto+json\",\"signatures\""
     ":[{\"sig\":\"2WAfaHm5jluo0w+0rk8uVkluELJYWjSmU9x7EUzx+AyteDGJ4/nqyJXfm"
     "AUVFIAoQafWm7AxBZNw5M9ixNHiCA==\"},{\"sig\":\"c1+67/aT0yqEpwx8PsVY3MLH"
     "sj9D0CZ014/Fv/QlG59P+9CobUZ7xECJ/V3USG0Ob9CiE5LjReEZUzNF2l7eBw==\"}]}",
     "AB", 2,
     "445353457631203238206170706c69636174696f6e2f766e642e696e2d746f746f2b6a736f6e203433207b225f747"
     "97065223a2268747470733a2f2f696e2d746f746f2e696f2f53746174656d656e742f7631227d",
     0},
};

static void test_spec_vectors(void **state)
{
    wb_key *pub_a = ed25519_key(NULL, PUBLIC_A), *pub_b = ed25519_key(NULL, PUBLIC_B);
    size_t i;

    assert_non_null(pub_a);
    assert_non_null(pub_b);
    for (i = 0; i < sizeof(spec_vectors) / sizeof(spec_vectors[0]); i++) {
        const dsse_vector *v = &spec_vectors[i];
        wb_envelope *env = NULL;
        wb_keyring *ring = NULL;
        unsigned char *pae = NULL;
        size_t pae_len = 0, payload_len = 0;
        const unsigned char *payload;
        char *pae_hex;
        int rc;

        rc = wb_envelope_parse(&env, v->envelope, strlen(v->envelope), v->id);
        if (rc != 0)
            fail_msg("%s: %s", v->id, wb_error_last());
        payload = wb_envelope_payload(env, &payload_len);
        assert_int_equal(wb_dsse_pae(&pae, &pae_len,
                                     strcmp(v->id, "payload-type-swapped") == 0
                                         ? INTOTO
                                         : wb_envelope_payload_type(env),
                                     payload, payload_len),
                         0);
        pae_hex = malloc(2 * pae_len + 1);
        assert_non_null(pae_hex);
        wb_hex_encode(pae_hex, pae, pae_len);
        if (strcmp(pae_hex, v->pae_hex) != 0)
            fail_msg("%s: PAE %s, expected %s", v->id, pae_hex, v->pae_hex);

        assert_int_equal(wb_keyring_new(&ring), 0);
        if (strchr(v->trusted, 'A')) {
            wb_key *copy = NULL;
            assert_int_equal(wb_key_public(&copy, pub_a), 0);
            assert_int_equal(wb_keyring_add(ring, copy), 0);
        }
        if (strchr(v->trusted, 'B')) {
            wb_key *copy = NULL;
            assert_int_equal(wb_key_public(&copy, pub_b), 0);
            assert_int_equal(wb_keyring_add(ring, copy), 0);
        }
        rc = wb_dsse_verify(NULL, env, ring, v->threshold);
        if (rc != v->expect)
            fail_msg("%s: verify gave %s (%s), expected %s", v->id, wb_error_name(rc),
                     wb_error_last(), wb_error_name(v->expect));
        free(pae_hex);
        wb_free(pae);
        wb_keyring_free(ring);
        wb_envelope_free(env);
    }
    wb_key_free(pub_a);
    wb_key_free(pub_b);
}

/* --- allocation failures --- */

typedef int (*dsse_operation)(const void *arg);

typedef struct {
    const char *text;
    const wb_keyring *ring;
    size_t threshold;
} verify_job;

static int op_parse_verify_serialize(const void *arg)
{
    const verify_job *job = arg;
    wb_envelope *env = NULL;
    wb_dsse_result *result = NULL;
    char *text = NULL;
    int rc = wb_envelope_parse(&env, job->text, strlen(job->text), "oom.json");
    if (rc < 0) {
        assert_null(env);
        return rc;
    }
    rc = wb_dsse_verify(&result, env, job->ring, job->threshold);
    if (rc == 0 || rc == WB_EVERIFY) {
        /* a verdict comes with its detail */
        assert_non_null(result);
        assert_int_equal(result->nsigs, wb_envelope_signature_count(env));
    } else {
        assert_null(result);
    }
    wb_dsse_result_free(result);
    if (rc == 0 || rc == WB_EVERIFY) {
        int verdict = rc;
        rc = wb_envelope_serialize(&text, NULL, env);
        if (rc == 0) {
            /* the text is complete: it is the one we parsed */
            assert_string_equal(text, job->text);
            rc = verdict;
        } else {
            assert_null(text);
        }
    }
    wb_free(text);
    wb_envelope_free(env);
    return rc;
}

static int op_new_sign(const void *arg)
{
    const wb_key *key = arg;
    wb_envelope *env = NULL;
    int rc = wb_envelope_new(&env, INTOTO, "{\"x\":1}", 7);
    if (rc == 0)
        rc = wb_dsse_sign(env, key);
    if (rc == 0)
        assert_int_equal(wb_envelope_signature_count(env), 1);
    else if (env)
        assert_int_equal(wb_envelope_signature_count(env), 0);
    wb_envelope_free(env);
    return rc;
}

static void run_with_failing_allocations(dsse_operation op, const void *arg, int expected,
                                         const char *what)
{
    size_t n, made;
    int rc;

    json_set_alloc_funcs(wb_malloc, wb_free);
    for (n = 1; n < 100000; n++) {
        wb_error_clear();
        wb_alloc_fail_after(n);
        rc = op(arg);
        made = wb_alloc_fail_after(0);
        if (rc > 0)
            fail_msg("%s: allocation %zu failing: positive return %d", what, n, rc);
        if (rc < 0 && wb_error_last()[0] == '\0')
            fail_msg("%s: allocation %zu failing: %s with no message", what, n, wb_error_name(rc));
        if (made < n) {
            if (rc != expected)
                fail_msg("%s: %s (%s) with no allocation failing, expected %s", what,
                         wb_error_name(rc), wb_error_last(), wb_error_name(expected));
            break;
        }
        /* under memory pressure a verdict may not flip */
        if (rc == 0 && expected != 0)
            fail_msg("%s: allocation %zu failing: accepted", what, n);
    }
    json_set_alloc_funcs(malloc, free);
    assert_true(n > 1 || expected != 0);
}

static void test_parse_verify_serialize_out_of_memory(void **state)
{
    wb_envelope *env = signed_envelope(INTOTO, "{\"oom\":true}", key_a, key_ecdsa);
    wb_envelope *dup = signed_envelope(INTOTO, "{\"oom\":true}", key_a, key_a);
    wb_keyring *ring = ring_of(key_a, key_b, key_ecdsa);
    verify_job job = {NULL, ring, 2};
    char *text = NULL;

    /* accepted: 2 of 2 */
    assert_int_equal(wb_envelope_serialize(&text, NULL, env), 0);
    job.text = text;
    run_with_failing_allocations(op_parse_verify_serialize, &job, 0, "2-of-2");
    /* rejected with a message: 3 of 3 not met */
    job.threshold = 3;
    run_with_failing_allocations(op_parse_verify_serialize, &job, WB_EVERIFY, "threshold 3");
    wb_free(text);
    /* rejected: a duplicate */
    text = NULL;
    assert_int_equal(wb_envelope_serialize(&text, NULL, dup), 0);
    job.text = text;
    job.threshold = 2;
    run_with_failing_allocations(op_parse_verify_serialize, &job, WB_EVERIFY, "duplicate");
    wb_free(text);
    wb_envelope_free(dup);
    wb_envelope_free(env);
    wb_keyring_free(ring);
}

static void test_parse_errors_out_of_memory(void **state)
{
    wb_keyring *ring = ring_of(key_a, NULL, NULL);
    verify_job job = {NULL, ring, 1};
    size_t i;
    for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        job.text = parse_cases[i].json;
        run_with_failing_allocations(op_parse_verify_serialize, &job, parse_cases[i].code,
                                     parse_cases[i].what);
    }
    wb_keyring_free(ring);
}

static void test_sign_out_of_memory(void **state)
{
    run_with_failing_allocations(op_new_sign, key_a, 0, "sign ed25519");
    run_with_failing_allocations(op_new_sign, key_ecdsa, 0, "sign ecdsa");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pae_spec_example),
        cmocka_unit_test(test_pae_edge_cases),
        cmocka_unit_test(test_round_trip_ed25519),
        cmocka_unit_test(test_round_trip_ecdsa),
        cmocka_unit_test(test_serialized_form),
        cmocka_unit_test(test_hello_world_serialized_payload),
        cmocka_unit_test(test_envelope_new_and_accessors),
        cmocka_unit_test(test_sign_needs_private_key),
        cmocka_unit_test(test_serialize_non_utf8_type),
        cmocka_unit_test(test_two_of_two),
        cmocka_unit_test(test_mixed_key_types),
        cmocka_unit_test(test_one_key_twice_counts_once),
        cmocka_unit_test(test_duplicate_without_hints),
        cmocka_unit_test(test_same_key_under_two_ids_counts_once),
        cmocka_unit_test(test_untrusted_ignored),
        cmocka_unit_test(test_only_untrusted),
        cmocka_unit_test(test_hint_is_only_a_hint),
        cmocka_unit_test(test_hint_naming_other_trusted_key),
        cmocka_unit_test(test_flipped_payload_byte),
        cmocka_unit_test(test_payload_type_is_signed),
        cmocka_unit_test(test_flipped_signature_byte),
        cmocka_unit_test(test_empty_signatures),
        cmocka_unit_test(test_empty_signature_value),
        cmocka_unit_test(test_verify_invalid_arguments),
        cmocka_unit_test(test_long_and_unprintable_hints),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_error_names_field),
        cmocka_unit_test(test_unknown_fields_ignored),
        cmocka_unit_test(test_signature_limit),
        cmocka_unit_test(test_url_safe_and_unpadded_base64),
        cmocka_unit_test(test_save_and_load),
        cmocka_unit_test(test_spec_ecdsa_example),
        cmocka_unit_test(test_spec_vectors),
        cmocka_unit_test(test_parse_verify_serialize_out_of_memory),
        cmocka_unit_test(test_parse_errors_out_of_memory),
        cmocka_unit_test(test_sign_out_of_memory),
    };
    return cmocka_run_group_tests_name("dsse", tests, setup, teardown);
}
