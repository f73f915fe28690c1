/*
 * test_policy.c: the signing policy of a shared ledger (policy.c).
 *
 * Four keys are made for the run (Ed25519 A, B, C and ECDSA P-256 D) and
 * their public halves written under keys/ of a temporary directory, next
 * to the policy files. Checking: a threshold met passes and names the keys
 * that counted; below the threshold, a key signing twice, a key the rule
 * does not trust, an unknown predicate type and payloads that are not
 * in-toto statements all fail with WB_EVERIFY and say why. Loading: every
 * kind of malformed policy, and key paths that would leave the policy's
 * directory. Then allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "expect.h"
#include "oom.h"
#include "waybill/policy.h"

#define TESTFS_TAG "policy"
#include "testfs.h"

#define PT_DELIVERY "https://waybill.dev/delivery/v0.1"
#define PT_SLSA     "https://slsa.dev/provenance/v1"

#define STATEMENT(type)                                                                            \
    "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"a.txt\","             \
    "\"digest\":{\"sha256\":"                                                                      \
    "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"}}],"                     \
    "\"predicateType\":\"" type "\",\"predicate\":{}}"

enum { KEY_A, KEY_B, KEY_C, KEY_D, N_KEYS };
static wb_key *keys[N_KEYS];
static const char *const key_files[N_KEYS] = {"keys/a.pub", "keys/b.pub", "keys/c.pub",
                                              "keys/d.pub"};

/* The default policy: delivery needs one of A or D; SLSA needs two of A, B
 * (A named twice, once by its private key file: it counts once). */
static const char default_policy[] =
    "{\"version\": 1, \"rules\": ["
    "{\"predicateType\": \"" PT_DELIVERY "\", \"keys\": [\"keys/a.pub\", \"keys/d.pub\"], "
    "\"threshold\": 1},"
    "{\"predicateType\": \"" PT_SLSA "\", \"keys\": [\"keys/a.pub\", \"./keys/b.pub\", "
    "\"keys/a.key\"], \"threshold\": 2}]}";

static int setup(void **state)
{
    size_t i;

    if (make_base_dir(state) < 0)
        return -1;
    if (mkdir(join(base_dir, "keys"), 0755) < 0)
        return -1;
    for (i = 0; i < N_KEYS; i++) {
        if (wb_key_generate(&keys[i], i == KEY_D ? WB_KEY_ECDSA_P256 : WB_KEY_ED25519) < 0 ||
            wb_key_save_public(keys[i], join(base_dir, key_files[i])) < 0)
            return -1;
    }
    if (wb_key_save_private(keys[KEY_A], join(base_dir, "keys/a.key")) < 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    size_t i;
    for (i = 0; i < N_KEYS; i++)
        wb_key_free(keys[i]);
    return remove_base_dir(state);
}

static wb_policy *policy_of(const char *text)
{
    wb_policy *policy = NULL;
    int rc = wb_policy_parse(&policy, text, strlen(text), base_dir, "policy.json");
    if (rc < 0)
        fail_msg("%s: %s", wb_error_name(rc), wb_error_last());
    return policy;
}

/* An envelope of `payload` signed by the keys listed (-1 ends the list). */
static wb_envelope *envelope_of(const char *payload_type, const char *payload, ...)
{
    wb_envelope *env = NULL;
    va_list ap;
    int k;

    assert_int_equal(wb_envelope_new(&env, payload_type, payload, strlen(payload)), 0);
    va_start(ap, payload);
    while ((k = va_arg(ap, int)) >= 0)
        assert_int_equal(wb_dsse_sign(env, keys[k]), 0);
    va_end(ap);
    return env;
}

static void test_accept(void **state)
{
    wb_policy *policy = policy_of(default_policy);
    wb_envelope *env;
    char *who = NULL, *expected;
    (void)state;

    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE, STATEMENT(PT_DELIVERY), KEY_A, -1);
    assert_int_equal(wb_policy_check(&who, policy, env), 0);
    assert_string_equal(who, wb_key_id(keys[KEY_A]));
    wb_free(who);
    wb_envelope_free(env);

    /* the ECDSA key, and an untrusted signature beside it */
    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE, STATEMENT(PT_DELIVERY), KEY_C, KEY_D, -1);
    assert_int_equal(wb_policy_check(&who, policy, env), 0);
    assert_string_equal(who, wb_key_id(keys[KEY_D]));
    wb_free(who);
    assert_int_equal(wb_policy_check(NULL, policy, env), 0);
    wb_envelope_free(env);

    /* two of two, in any order */
    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE, STATEMENT(PT_SLSA), KEY_B, KEY_A, -1);
    assert_int_equal(wb_policy_check(&who, policy, env), 0);
    expected = wb_asprintf("%s,%s", wb_key_id(keys[KEY_B]), wb_key_id(keys[KEY_A]));
    assert_string_equal(who, expected);
    wb_free(expected);
    wb_free(who);
    wb_envelope_free(env);
    wb_policy_free(policy);
}

static void test_refuse(void **state)
{
    wb_policy *policy = policy_of(default_policy);
    wb_envelope *env;
    char *who = (char *)1;
    (void)state;

    /* below the threshold */
    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE, STATEMENT(PT_SLSA), KEY_A, -1);
    expect_error(wb_policy_check(&who, policy, env), WB_EVERIFY,
                 "policy.json: predicate type " PT_SLSA ": 1 of 2 required signatures");
    assert_null(who);
    wb_envelope_free(env);

    /* the same key twice counts once */
    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE, STATEMENT(PT_SLSA), KEY_A, KEY_A, -1);
    expect_error(wb_policy_check(&who, policy, env), WB_EVERIFY, "1 of 2 required");
    expect_error(wb_policy_check(&who, policy, env), WB_EVERIFY, "already counted");
    wb_envelope_free(env);

    /* a key of another rule does not count here */
    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE, STATEMENT(PT_SLSA), KEY_A, KEY_D, -1);
    expect_error(wb_policy_check(&who, policy, env), WB_EVERIFY, "1 of 2 required");
    wb_envelope_free(env);

    /* untrusted and unsigned */
    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE, STATEMENT(PT_DELIVERY), KEY_C, -1);
    expect_error(wb_policy_check(&who, policy, env), WB_EVERIFY,
                 "predicate type " PT_DELIVERY ": 0 of 1 required");
    wb_envelope_free(env);
    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE, STATEMENT(PT_DELIVERY), -1);
    expect_error(wb_policy_check(&who, policy, env), WB_EVERIFY, "no signatures");
    wb_envelope_free(env);

    /* no rule */
    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE, STATEMENT("https://example/other"), KEY_A, KEY_B, -1);
    expect_error(wb_policy_check(&who, policy, env), WB_EVERIFY,
                 "policy.json: no rule for predicate type https://example/other");
    wb_envelope_free(env);

    /* not in-toto */
    env = envelope_of("text/plain", STATEMENT(PT_DELIVERY), KEY_A, -1);
    expect_error(wb_policy_check(&who, policy, env), WB_EVERIFY,
                 "payload type \"text/plain\" is not application/vnd.in-toto+json");
    wb_envelope_free(env);
    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE, "not json", KEY_A, -1);
    expect_error(wb_policy_check(&who, policy, env), WB_EVERIFY, "not an in-toto statement");
    wb_envelope_free(env);
    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE, "", KEY_A, -1);
    expect_error(wb_policy_check(&who, policy, env), WB_EVERIFY, "not an in-toto statement");
    wb_envelope_free(env);
    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE, "[1,2]", KEY_A, -1);
    expect_error(wb_policy_check(&who, policy, env), WB_EVERIFY, "in-toto Statement v1");
    wb_envelope_free(env);
    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE,
                      "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"subject\":[{}],"
                      "\"predicateType\":\"" PT_DELIVERY "\"}",
                      KEY_A, -1);
    expect_error(wb_policy_check(&who, policy, env), WB_EVERIFY, "in-toto Statement v1");
    wb_envelope_free(env);
    env =
        envelope_of(WB_INTOTO_PAYLOAD_TYPE,
                    "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{}]}", KEY_A, -1);
    expect_error(wb_policy_check(&who, policy, env), WB_EVERIFY, "predicateType");
    wb_envelope_free(env);
    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE,
                      "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[],"
                      "\"predicateType\":\"" PT_DELIVERY "\"}",
                      KEY_A, -1);
    expect_error(wb_policy_check(&who, policy, env), WB_EVERIFY, "subject");
    wb_envelope_free(env);
    /* duplicate keys in the statement: two readers could see two types */
    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE,
                      "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{}],"
                      "\"predicateType\":\"" PT_SLSA "\",\"predicateType\":\"" PT_DELIVERY "\"}",
                      KEY_A, -1);
    expect_error(wb_policy_check(&who, policy, env), WB_EVERIFY, "not an in-toto statement");
    wb_envelope_free(env);

    expect_error(wb_policy_check(&who, NULL, NULL), WB_EINVAL, NULL);
    wb_policy_free(policy);
}

static void test_bad_policies(void **state)
{
#define RULE_OK         "{\"predicateType\":\"p\",\"keys\":[\"keys/a.pub\"],\"threshold\":1}"
#define WITH_RULE(rule) "{\"version\":1,\"rules\":[" rule "]}"
    static const struct {
        const char *text;
        int code;
        const char *needle;
    } cases[] = {
        {"", WB_EFORMAT, "policy.json"},
        {"{\"version\":1,", WB_EFORMAT, "policy.json"},
        {"[]", WB_EFORMAT, "a policy is a JSON object"},
        {"{\"version\":1,\"version\":1,\"rules\":[" RULE_OK "]}", WB_EFORMAT, "policy.json"},
        {"{\"rules\":[" RULE_OK "]}", WB_EFORMAT, "version must be 1"},
        {"{\"version\":\"1\",\"rules\":[" RULE_OK "]}", WB_EFORMAT, "version must be 1"},
        {"{\"version\":2,\"rules\":[" RULE_OK "]}", WB_EUNSUPPORTED, "version must be 1"},
        {"{\"version\":1,\"rules\":[" RULE_OK "],\"extra\":0}", WB_EFORMAT,
         "policy: unknown field \"extra\""},
        {"{\"version\":1}", WB_EFORMAT, "rules must be a non-empty list"},
        {"{\"version\":1,\"rules\":[]}", WB_EFORMAT, "rules must be a non-empty list"},
        {"{\"version\":1,\"rules\":{}}", WB_EFORMAT, "rules must be a non-empty list"},
        {WITH_RULE("1"), WB_EFORMAT, "rule 1 must be an object"},
        {WITH_RULE(RULE_OK ",[]"), WB_EFORMAT, "rule 2 must be an object"},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"keys/a.pub\"],\"threshold\":1,"
                   "\"thresold\":2}"),
         WB_EFORMAT, "rule 1: unknown field \"thresold\""},
        {WITH_RULE("{\"keys\":[\"keys/a.pub\"],\"threshold\":1}"), WB_EFORMAT,
         "rule 1: predicateType must be a non-empty string"},
        {WITH_RULE("{\"predicateType\":\"\",\"keys\":[\"keys/a.pub\"],\"threshold\":1}"),
         WB_EFORMAT, "predicateType must be a non-empty string"},
        {WITH_RULE("{\"predicateType\":7,\"keys\":[\"keys/a.pub\"],\"threshold\":1}"), WB_EFORMAT,
         "predicateType must be a non-empty string"},
        {WITH_RULE("{\"predicateType\":\"p\",\"threshold\":1}"), WB_EFORMAT,
         "keys must be a non-empty list"},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[],\"threshold\":1}"), WB_EFORMAT,
         "keys must be a non-empty list"},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":\"keys/a.pub\",\"threshold\":1}"), WB_EFORMAT,
         "keys must be a non-empty list"},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"keys/a.pub\",3],\"threshold\":1}"),
         WB_EFORMAT, "rule 1: key 2 must be a file name"},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"keys/a.pub\"]}"), WB_EFORMAT,
         "threshold must be an integer of at least 1"},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"keys/a.pub\"],\"threshold\":0}"),
         WB_EFORMAT, "threshold must be an integer of at least 1"},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"keys/a.pub\"],\"threshold\":-1}"),
         WB_EFORMAT, "threshold must be an integer of at least 1"},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"keys/a.pub\"],\"threshold\":1.0}"),
         WB_EFORMAT, "threshold must be an integer of at least 1"},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"keys/a.pub\"],\"threshold\":\"1\"}"),
         WB_EFORMAT, "threshold must be an integer of at least 1"},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"keys/a.pub\",\"keys/b.pub\"],"
                   "\"threshold\":3}"),
         WB_EFORMAT, "rule 1 (p): threshold 3 is more than its 2 distinct keys"},
        /* the same key twice is one key */
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"keys/a.pub\",\"keys/a.key\"],"
                   "\"threshold\":2}"),
         WB_EFORMAT, "threshold 2 is more than its 1 distinct keys"},
        {WITH_RULE(RULE_OK "," RULE_OK), WB_EFORMAT, "rules 1 and 2 are both for predicate type p"},
        /* key files */
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"keys/none.pub\"],\"threshold\":1}"),
         WB_ENOTFOUND, "rule 1: "},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"keys\"],\"threshold\":1}"), WB_EIO,
         "rule 1: "},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"not-a-key.txt\"],\"threshold\":1}"),
         WB_EFORMAT, "not-a-key.txt"},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"\"],\"threshold\":1}"), WB_EFORMAT,
         "must be relative"},
        /* leaving the policy's directory */
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"/etc/passwd\"],\"threshold\":1}"),
         WB_EFORMAT, "key path \"/etc/passwd\" must be relative to the policy's directory"},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"../keys/a.pub\"],\"threshold\":1}"),
         WB_EFORMAT, "without \"..\""},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"keys/../keys/a.pub\"],\"threshold\":1}"),
         WB_EFORMAT, "key path \"keys/../keys/a.pub\""},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"keys/..\"],\"threshold\":1}"), WB_EFORMAT,
         "without \"..\""},
        {WITH_RULE("{\"predicateType\":\"p\",\"keys\":[\"..\"],\"threshold\":1}"), WB_EFORMAT,
         "without \"..\""},
    };
    size_t i;
    (void)state;

    put_text(base_dir, "not-a-key.txt", "hello\n", 0644);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        wb_policy *policy = (wb_policy *)1;
        int rc =
            wb_policy_parse(&policy, cases[i].text, strlen(cases[i].text), base_dir, "policy.json");
        if (rc != cases[i].code || !strstr(wb_error_last(), cases[i].needle) ||
            strncmp(wb_error_last(), "policy.json", 11) != 0)
            fail_msg("case %zu: %s: %s (expected %s, \"%s\")", i, wb_error_name(rc),
                     wb_error_last(), wb_error_name(cases[i].code), cases[i].needle);
        assert_null(policy);
    }
    {
        wb_policy *policy = NULL;
        expect_error(wb_policy_parse(&policy, "{}", WB_POLICY_MAX_SIZE + 1, base_dir, "big"),
                     WB_ELIMIT, "big");
        expect_error(wb_policy_parse(&policy, NULL, 0, base_dir, "x"), WB_EINVAL, NULL);
        expect_error(wb_policy_parse(&policy, "{}", 2, NULL, "x"), WB_EINVAL, NULL);
    }
#undef RULE_OK
#undef WITH_RULE
}

static void test_load(void **state)
{
    const char *dir = new_dir("load");
    wb_policy *policy = NULL;
    wb_envelope *env;
    char *who = NULL;
    (void)state;

    /* keys relative to the policy's directory, not the working directory */
    assert_int_equal(mkdir(join(dir, "keys"), 0755), 0);
    assert_int_equal(wb_key_save_public(keys[KEY_B], join(dir, "keys/release.pub")), 0);
    put_text(dir, "policy.json",
             "{\"version\": 1, \"rules\": [{\"predicateType\": \"" PT_DELIVERY
             "\", \"keys\": [\"keys/release.pub\"], \"threshold\": 1}]}\n",
             0644);
    assert_int_equal(wb_policy_load(&policy, join(dir, "policy.json")), 0);
    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE, STATEMENT(PT_DELIVERY), KEY_B, -1);
    assert_int_equal(wb_policy_check(&who, policy, env), 0);
    assert_string_equal(who, wb_key_id(keys[KEY_B]));
    wb_free(who);
    wb_envelope_free(env);
    env = envelope_of(WB_INTOTO_PAYLOAD_TYPE, STATEMENT(PT_DELIVERY), KEY_A, -1);
    expect_error(wb_policy_check(&who, policy, env), WB_EVERIFY, "policy.json: predicate type");
    wb_envelope_free(env);
    wb_policy_free(policy);
    policy = NULL;

    put_text(dir, "bad.json", "{\"version\": 1}", 0644);
    expect_error(wb_policy_load(&policy, join(dir, "bad.json")), WB_EFORMAT, "/bad.json: rules");
    expect_error(wb_policy_load(&policy, join(dir, "missing.json")), WB_ENOTFOUND, "missing.json");
    expect_error(wb_policy_load(NULL, "x"), WB_EINVAL, NULL);
    assert_null(policy);
    wb_policy_free(NULL);
}

/* ---------- allocation failures ---------- */

typedef oom_operation policy_operation;

static int op_parse_check(const void *arg)
{
    const char *statement = arg;
    wb_policy *policy = NULL;
    wb_envelope *env = NULL;
    char *who = NULL;
    int rc;

    rc = wb_policy_parse(&policy, default_policy, strlen(default_policy), base_dir, "policy.json");
    if (rc == 0)
        rc = wb_envelope_new(&env, WB_INTOTO_PAYLOAD_TYPE, statement, strlen(statement));
    if (rc == 0)
        rc = wb_dsse_sign(env, keys[KEY_A]);
    if (rc == 0)
        rc = wb_dsse_sign(env, keys[KEY_D]);
    if (rc == 0)
        rc = wb_policy_check(&who, policy, env);
    wb_free(who);
    wb_envelope_free(env);
    wb_policy_free(policy);
    return rc;
}

static void run_with_failing_allocations(policy_operation op, const void *arg, int expected,
                                         const char *what)
{
    run_with_failing_allocations_ex(op, arg, expected, what, false);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    run_with_failing_allocations(op_parse_check, STATEMENT(PT_DELIVERY), 0, "accepted");
    run_with_failing_allocations(op_parse_check, STATEMENT(PT_SLSA), WB_EVERIFY, "below threshold");
    run_with_failing_allocations(op_parse_check, STATEMENT("https://example/x"), WB_EVERIFY,
                                 "no rule");
    run_with_failing_allocations(op_parse_check, "{}", WB_EVERIFY, "not a statement");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept),        cmocka_unit_test(test_refuse),
        cmocka_unit_test(test_bad_policies),  cmocka_unit_test(test_load),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
