/*
 * fuzz_metablock.c: in-toto Metablocks (links and layouts), plain or in
 * DSSE envelopes, and the layout verification workflow.
 *
 * Every input goes to wb_metablock_parse(). What parses is checked with
 * abort():
 *  - its type is link or layout and its model says so ("_type");
 *  - the model is a fixed point: written back as {"signed": model} it
 *    parses to an equal model and the same type;
 *  - signature verification against the two fuzz keys (the Ed25519 and
 *    ECDSA P-256 keys of fuzz_envelope.c, private halves in fuzz/keys/) is
 *    0 or WB_EVERIFY (or WB_ENOMEM) and the same when asked twice;
 *  - a layout is verified with both keys as layout keys and a link
 *    directory that does not exist, inspections never run: a pass needs
 *    both keys to have signed it and the layout to have no steps (with no
 *    link anywhere, no step can reach its threshold); the verdict is the
 *    same when asked twice.
 * The seeds (corpora/metablock/) hold layouts and links made by in-toto
 * 1.3.1 (in-toto-keygen keys) and ones signed by the fuzz keys, so that the
 * fuzzer starts from signatures that verify, plus DSSE-wrapped links and
 * malformed documents.
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

static void check_fixed_point(const wb_metablock *mb)
{
    json_t *doc = json_pack("{s:O}", "signed", (json_t *)wb_metablock_signed(mb));
    wb_metablock *again = NULL;
    char *text;
    int rc;

    if (!doc)
        return;
    text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!text)
        return;
    rc = wb_metablock_parse(&again, text, strlen(text), "again");
    free(text);
    if (rc == WB_ENOMEM)
        return;
    if (rc < 0 || wb_metablock_get_type(again) != wb_metablock_get_type(mb) ||
        !json_equal((json_t *)wb_metablock_signed(again), (json_t *)wb_metablock_signed(mb)))
        abort();
    wb_metablock_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_metablock *mb = NULL;
    const char *type;
    int signed_by[2], i, rc, rc2;

    ring();
    if (wb_metablock_parse(&mb, (const char *)data, size, "fuzz") < 0) {
        if (mb)
            abort();
        return 0;
    }
    type = json_string_value(json_object_get(wb_metablock_signed(mb), "_type"));
    if (!type || (wb_metablock_get_type(mb) == WB_METABLOCK_LINK && strcmp(type, "link")) ||
        (wb_metablock_get_type(mb) == WB_METABLOCK_LAYOUT && strcmp(type, "layout")) ||
        (wb_metablock_get_type(mb) != WB_METABLOCK_LINK &&
         wb_metablock_get_type(mb) != WB_METABLOCK_LAYOUT))
        abort();
    check_fixed_point(mb);
    for (i = 0; i < 2; i++) {
        const wb_key *key = wb_keyring_get(ring(), (size_t)i);
        rc = wb_metablock_verify(mb, key);
        rc2 = wb_metablock_verify(mb, key);
        if ((rc != 0 && rc != WB_EVERIFY && rc != WB_ENOMEM) ||
            (rc != WB_ENOMEM && rc2 != WB_ENOMEM && rc != rc2))
            abort();
        signed_by[i] = rc == 0;
    }
    if (wb_metablock_get_type(mb) == WB_METABLOCK_LAYOUT) {
        /* a fixed time, so that the verdict does not depend on the clock */
        wb_layout_options opts = {.run_inspections = false, .now = 1700000000};
        const json_t *steps = json_object_get(wb_metablock_signed(mb), "steps");
        rc = wb_layout_verify(NULL, mb, ring(), "/nonexistent/waybill-fuzz-links", &opts);
        rc2 = wb_layout_verify(NULL, mb, ring(), "/nonexistent/waybill-fuzz-links", &opts);
        if (rc == 0 && (!signed_by[0] || !signed_by[1] || json_array_size(steps) != 0))
            abort();
        if (rc != WB_ENOMEM && rc2 != WB_ENOMEM && rc != rc2)
            abort();
    }
    wb_metablock_free(mb);
    return 0;
}
