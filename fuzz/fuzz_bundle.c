/*
 * fuzz_bundle.c: bundle parsing and offline verification.
 *
 * Every input goes to wb_bundle_parse(). A bundle that parses is verified
 * with wb_bundle_verify() against a fixed log verifier key (the key of the
 * ledger the seeds come from, below), first without a trust ring, then with
 * a one-key ring (fuzz_envelope.c's Ed25519 key) at threshold 1. Checked
 * with abort():
 *  - a failed parse leaves no bundle; a parsed one has a checkpoint and
 *    envelope bytes to hand out;
 *  - verification is deterministic and gives no signature detail without a
 *    ring;
 *  - a bundle that verifies has index < tree_size, an envelope that parsed
 *    (handed out), and a checkpoint that wb_checkpoint_open() accepts on its
 *    own for the key's origin at exactly tree_size;
 *  - the log-side checks (1-4 of docs/formats/ledger.md) do not depend on
 *    the ring: with a ring the verdict is a failure whenever it was without
 *    one, and when it was a success, the verdict with the ring agrees with
 *    the signature detail (0 exactly when at least one key counted).
 * The seed corpus (fuzz/corpora/bundle/) holds bundles written by `waybill
 * log add` for a ledger whose log key matches the verifier key below (one
 * with an envelope signed by the ring's key), and malformed variants.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "waybill/waybill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_log_vkey[] =
    "fuzz.example/log+8296b9a9+ARU2x/fLDzOtU2xJAqoie58Sk9TMLZFBOXPROSNVGMA8";

static const char fuzz_ed25519_pub[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAAvgvxXmPr+KzDqq4+TP6dcdGp23+LraUtiaJGeqRV2U=\n"
    "-----END PUBLIC KEY-----\n";

/* Both live for the whole process; never freed on purpose. */
static wb_note_verifier *fuzz_log_key;
static wb_keyring *fuzz_ring;

static void setup(void)
{
    wb_key *key = NULL;

    if (fuzz_log_key)
        return;
    if (wb_note_verifier_parse(&fuzz_log_key, fuzz_log_vkey, strlen(fuzz_log_vkey)) < 0 ||
        wb_keyring_new(&fuzz_ring) < 0 ||
        wb_key_parse(&key, fuzz_ed25519_pub, strlen(fuzz_ed25519_pub), "fuzz-ed25519.pub") < 0 ||
        wb_keyring_add(fuzz_ring, key) < 0)
        abort();
}

/* The checks of a bundle that verified (without a ring). */
static void check_verified(const wb_bundle *bundle, const wb_envelope *env)
{
    wb_checkpoint *cp = NULL;
    const char *text = wb_bundle_checkpoint(bundle);
    int rc;

    if (!env || wb_bundle_index(bundle) >= wb_bundle_tree_size(bundle))
        abort();
    rc = wb_checkpoint_open(&cp, NULL, text, strlen(text), wb_note_verifier_name(fuzz_log_key),
                            fuzz_log_key);
    if (rc == WB_ENOMEM)
        return;
    if (rc < 0 || !cp || cp->size != wb_bundle_tree_size(bundle) ||
        strcmp(cp->origin, wb_note_verifier_name(fuzz_log_key)) != 0)
        abort();
    wb_checkpoint_free(cp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_bundle *bundle = NULL;
    wb_envelope *env = NULL, *env2 = NULL;
    wb_dsse_result *detail = NULL;
    const unsigned char *bytes;
    size_t len = SIZE_MAX;
    int rc, rc2, rc_trust;

    setup();
    if (wb_bundle_parse(&bundle, (const char *)data, size, "fuzz") < 0) {
        if (bundle)
            abort();
        return 0;
    }
    bytes = wb_bundle_envelope(bundle, &len);
    if (!bundle || !wb_bundle_checkpoint(bundle) || len == SIZE_MAX || (len && !bytes))
        abort();

    rc = wb_bundle_verify(&env, &detail, bundle, fuzz_log_key, NULL, 0);
    if (detail)
        abort(); /* no ring, no signature detail */
    rc2 = wb_bundle_verify(&env2, NULL, bundle, fuzz_log_key, NULL, 0);
    if (rc != WB_ENOMEM && rc2 != WB_ENOMEM && rc != rc2)
        abort();
    if (rc == 0)
        check_verified(bundle, env);
    wb_envelope_free(env);
    wb_envelope_free(env2);
    env = NULL;

    rc_trust = wb_bundle_verify(&env, &detail, bundle, fuzz_log_key, fuzz_ring, 1);
    if (rc_trust != WB_ENOMEM && rc != WB_ENOMEM) {
        if (rc != 0 && rc_trust == 0)
            abort(); /* a ring cannot make a bad log proof good */
        if (rc == 0) {
            if (!detail || detail->valid_keys > 1 || (rc_trust == 0) != (detail->valid_keys >= 1))
                abort();
        }
    }
    wb_dsse_result_free(detail);
    wb_envelope_free(env);
    wb_bundle_free(bundle);
    return 0;
}
