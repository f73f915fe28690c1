/*
 * fuzz_policy.c: wb_policy_parse() and wb_policy_check() (policy.c).
 *
 * The first input makes a directory holding keys/a.pub (Ed25519) and
 * keys/b.pub (ECDSA P-256), keys made for the run, and an empty directory
 * beside it; it removes both at exit. Each input is parsed as a policy
 * relative to the first directory, and again relative to the empty one.
 *
 * Checks: a refused policy leaves no result and a message naming it;
 * relative to the empty directory no policy is accepted (every rule names
 * a key, so an accepted one would have read a key from outside the
 * directory it was given). An accepted policy is checked against in-toto
 * statements of a few predicate types signed by A, by B, by both and by
 * nobody: the verdict is 0 or WB_EVERIFY; nothing unsigned and nothing that
 * is not an in-toto statement passes; a second signer never turns a pass
 * into a failure; on a pass the signers named are among those that signed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "waybill/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const predicate_types[] = {
    "https://waybill.dev/delivery/v0.1",
    "https://slsa.dev/provenance/v1",
    "p",
};
#define N_TYPES (sizeof(predicate_types) / sizeof(predicate_types[0]))

enum { SIGNED_NONE, SIGNED_A, SIGNED_B, SIGNED_AB, N_SIGNERS };

static char base[256], keys_dir[300], empty_dir[300], a_path[320], b_path[320];
static wb_key *key_a, *key_b;
static wb_envelope *envelopes[N_TYPES][N_SIGNERS];
static wb_envelope *not_in_toto;

static void cleanup(void)
{
    size_t t, s;

    for (t = 0; t < N_TYPES; t++)
        for (s = 0; s < N_SIGNERS; s++)
            wb_envelope_free(envelopes[t][s]);
    wb_envelope_free(not_in_toto);
    wb_key_free(key_a);
    wb_key_free(key_b);
    unlink(a_path);
    unlink(b_path);
    rmdir(keys_dir);
    rmdir(empty_dir);
    rmdir(base);
}

static wb_envelope *signed_envelope(const char *payload_type, const char *payload, int signers)
{
    wb_envelope *env = NULL;

    if (wb_envelope_new(&env, payload_type, payload, strlen(payload)) < 0 ||
        ((signers & 1) && wb_dsse_sign(env, key_a) < 0) ||
        ((signers & 2) && wb_dsse_sign(env, key_b) < 0))
        abort();
    return env;
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    size_t t;
    int s;

    if (key_a)
        return;
    snprintf(base, sizeof(base), "%s/wb-fuzz-policy-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(base))
        abort();
    snprintf(keys_dir, sizeof(keys_dir), "%s/keys", base);
    snprintf(empty_dir, sizeof(empty_dir), "%s/empty", base);
    snprintf(a_path, sizeof(a_path), "%s/a.pub", keys_dir);
    snprintf(b_path, sizeof(b_path), "%s/b.pub", keys_dir);
    if (mkdir(keys_dir, 0755) < 0 || mkdir(empty_dir, 0755) < 0 ||
        wb_key_generate(&key_a, WB_KEY_ED25519) < 0 ||
        wb_key_generate(&key_b, WB_KEY_ECDSA_P256) < 0 || wb_key_save_public(key_a, a_path) < 0 ||
        wb_key_save_public(key_b, b_path) < 0)
        abort();
    atexit(cleanup);
    for (t = 0; t < N_TYPES; t++) {
        char *statement = wb_asprintf(
            "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"f\","
            "\"digest\":{\"sha256\":\"00\"}}],\"predicateType\":\"%s\",\"predicate\":{}}",
            predicate_types[t]);
        if (!statement)
            abort();
        for (s = 0; s < N_SIGNERS; s++)
            envelopes[t][s] = signed_envelope(WB_INTOTO_PAYLOAD_TYPE, statement, s);
        if (t == 0)
            not_in_toto = signed_envelope("application/json", statement, SIGNED_AB);
        wb_free(statement);
    }
}

/* The verdict of `policy` on `env`; -1 when it could not run (memory). */
static int verdict(const wb_policy *policy, const wb_envelope *env, int signers)
{
    char *who = NULL;
    int rc = wb_policy_check(&who, policy, env);

    if (rc == WB_ENOMEM)
        return -1;
    if (rc != 0 && rc != WB_EVERIFY)
        abort();
    if (rc == 0) {
        /* every id named signed */
        const char *p = who;
        if (!who || !*who)
            abort();
        while (*p) {
            if (strncmp(p, wb_key_id(key_a), WB_KEYID_HEX_LEN) == 0 && (signers & 1))
                p += WB_KEYID_HEX_LEN;
            else if (strncmp(p, wb_key_id(key_b), WB_KEYID_HEX_LEN) == 0 && (signers & 2))
                p += WB_KEYID_HEX_LEN;
            else
                abort();
            if (*p == ',')
                p++;
        }
    } else if (who || !strstr(wb_error_last(), "fuzz")) {
        abort();
    }
    wb_free(who);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_policy *policy = (wb_policy *)1;
    size_t t;
    int rc;

    setup();
    rc = wb_policy_parse(&policy, (const char *)data, size, empty_dir, "fuzz-empty");
    if (rc == 0)
        abort(); /* a key was read from outside the directory */
    if (policy || !strstr(wb_error_last(), "fuzz-empty"))
        abort();

    rc = wb_policy_parse(&policy, (const char *)data, size, base, "fuzz");
    if (rc < 0) {
        if (policy || !strstr(wb_error_last(), "fuzz"))
            abort();
        return 0;
    }
    for (t = 0; t < N_TYPES; t++) {
        int none = verdict(policy, envelopes[t][SIGNED_NONE], 0);
        int a = verdict(policy, envelopes[t][SIGNED_A], 1);
        int b = verdict(policy, envelopes[t][SIGNED_B], 2);
        int ab = verdict(policy, envelopes[t][SIGNED_AB], 3);

        if (none == 0)
            abort();
        if ((a == 0 || b == 0) && ab == WB_EVERIFY)
            abort();
    }
    if (verdict(policy, not_in_toto, 3) == 0)
        abort();
    wb_policy_free(policy);
    return 0;
}
