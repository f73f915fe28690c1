/*
 * test_note.c: signed notes, checkpoints and cosignatures (note.c).
 *
 * Known answers, each checked with Python's cryptography (pyca) before being
 * copied here:
 *  - the example of c2sp.org/signed-note: verifier key example.com/foo and
 *    its note "This is an example message.";
 *  - the example of golang.org/x/mod/sumdb/note (package documentation and
 *    note_test.go): the PeterNeumann signer and verifier keys, the exact
 *    signed note Ed25519 must reproduce, and the EnochRoot second signature;
 *  - the verifier keys of transparency-dev/formats' tests (one whose base64
 *    holds a '+', and the cosignature key of remora.n621.de);
 *  - a real checkpoint of the log arche2025h1.staging.ct.transparency.dev,
 *    signed by the log (Ed25519), by the log again in RFC 6962 form (a type
 *    we do not know, so ignored) and cosigned (tlog-cosignature v1) by four
 *    public witnesses run on independent implementations;
 *  - the example of c2sp.org/tlog-cosignature (its timestamp and message).
 *
 * Then round trips, every rejection path of the parser and the verifier,
 * checkpoint syntax, cosignature rejections, and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>

#include "internal.h"
#include "oom.h"
#include "waybill/note.h"

#define EM_DASH "\xe2\x80\x94"

/* c2sp.org/signed-note, the example */
#define SPEC_VKEY "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
#define SPEC_TEXT "This is an example message.\n"
#define SPEC_SIG                                                                                   \
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
#define SPEC_NOTE SPEC_TEXT "\n" EM_DASH " example.com/foo " SPEC_SIG "\n"

/* golang.org/x/mod/sumdb/note */
#define GO_SKEY "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define GO_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define GO_TEXT                                                                                    \
    "If you think cryptography is the answer to your problem,\n"                                   \
    "then you don't know what your problem is.\n"
#define GO_SIG_LINE                                                                                \
    EM_DASH " PeterNeumann "                                                                       \
            "x08go/ZJkuBS9UG/"                                                                     \
            "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
#define ENOCH_VKEY "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
#define ENOCH_SIG_LINE                                                                             \
    EM_DASH " EnochRoot "                                                                          \
            "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"                                         \
            "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
#define GO_NOTE GO_TEXT "\n" GO_SIG_LINE

/* transparency-dev/formats, note/note_cosigv1_test.go */
#define PLUS_VKEY "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"

/* a real checkpoint with four witness cosignatures */
#define ARCHE_ORIGIN "arche2025h1.staging.ct.transparency.dev"
#define ARCHE_TEXT   ARCHE_ORIGIN "\n1432088532\nU7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n"
#define ARCHE_NOTE                                                                                 \
    ARCHE_TEXT                                                                                     \
    "\n" EM_DASH " " ARCHE_ORIGIN                                                                  \
    " zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllz"                              \
    "alApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=\n" EM_DASH " " ARCHE_ORIGIN            \
    " ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFW"   \
    "wQ=\n" EM_DASH " transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE" \
    "6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==\n" EM_DASH           \
    " witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcx"  \
    "Z75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==\n" EM_DASH " remora.n621.de 2net5wAAAABqEiEgPlf"  \
    "F3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/"                           \
    "zZ0WBxtqB0DrAWfBw==\n" EM_DASH                                                                \
    " witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8Ft"             \
    "EyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==\n"
#define ARCHE_VKEY      ARCHE_ORIGIN "+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f"
#define ARCHE_TIMESTAMP 1779573024u
static const char *const witness_vkeys[4] = {
    "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
    "witness.stagemole.eu+67f7aea0+BEqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqklv",
    "transparency.dev/DEV:witness-little-garden+d8042a87+BCtusOxINQNUTN5Oj8HObRkh2yHf/"
    "MwYaGX4CPdiVEPM",
    "witness1.smartit.nu/witness1+a48c820f+BPSFWg9G6KPiO7QPryYO5Xq4oYJJ+kAvLKLSimDhoxMO",
};

/* c2sp.org/tlog-cosignature, the example */
#define COSIG_SPEC_TEXT                                                                            \
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
#define COSIG_SPEC_NOTE                                                                            \
    COSIG_SPEC_TEXT                                                                                \
    "\n" EM_DASH " example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp"                 \
    "+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n" EM_DASH                         \
    " witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXE"                \
    "hZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"

/* --- helpers --- */

static wb_note_verifier *verifier_of(const char *vkey)
{
    wb_note_verifier *verifier = NULL;
    if (wb_note_verifier_parse(&verifier, vkey, strlen(vkey)) != 0)
        fail_msg("%s: %s", vkey, wb_error_last());
    return verifier;
}

static wb_note_signer *signer_from_byte(const char *name, wb_note_sig_type type, unsigned char b)
{
    unsigned char seed[32];
    wb_note_signer *signer = NULL;
    memset(seed, b, sizeof(seed));
    assert_int_equal(wb_note_signer_from_seed(&signer, name, type, seed), 0);
    return signer;
}

static wb_note_verifier *verifier_for(const wb_note_signer *signer)
{
    wb_note_verifier *verifier = NULL;
    assert_int_equal(wb_note_signer_verifier(&verifier, signer), 0);
    return verifier;
}

/* Open `msg` (a C string) against the given verifiers. */
static int open_with(const char *msg, const wb_note_verifier *v1, const wb_note_verifier *v2,
                     unsigned char *verified)
{
    const wb_note_verifier *verifiers[2] = {v1, v2};
    wb_note *note = NULL;
    int rc = wb_note_open(&note, msg, strlen(msg), verifiers, v2 ? 2 : 1, verified);
    if (rc == 0)
        assert_non_null(note);
    else
        assert_null(note);
    wb_note_free(note);
    return rc;
}

static int parse_status(const char *msg, size_t len)
{
    wb_note *note = NULL;
    int rc = wb_note_parse(&note, msg, len);
    wb_note_free(note);
    return rc;
}

/* "text" "\n" "line" as a new string (free()). */
static char *concat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = malloc(la + lb + lc + 1);
    assert_non_null(s);
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

/* A signature line with the raw bytes `raw` (key ID || signature). */
static char *line_of(const char *name, const unsigned char *raw, size_t len)
{
    char *b64 = NULL, *line;
    assert_int_equal(wb_base64_encode(&b64, NULL, raw, len), 0);
    line = malloc(strlen(name) + strlen(b64) + 16);
    assert_non_null(line);
    sprintf(line, EM_DASH " %s %s\n", name, b64);
    wb_free(b64);
    return line;
}

/* Decode the base64 of a signature line ("— name b64\n"). */
static unsigned char *line_bytes(const char *line, size_t *len)
{
    const char *b64 = strrchr(line, ' ') + 1;
    unsigned char *raw = NULL;
    assert_int_equal(wb_base64_decode(&raw, len, b64, strlen(b64) - 1), 0);
    return raw;
}

/* --- known answers --- */

static void test_spec_example(void **state)
{
    wb_note_verifier *verifier = verifier_of(SPEC_VKEY);
    unsigned char verified[1] = {0};
    char *encoded = NULL, *changed;
    wb_note *note = NULL;
    const wb_note_signature *sig;
    size_t len = 0;

    assert_string_equal(wb_note_verifier_name(verifier), "example.com/foo");
    assert_int_equal(wb_note_verifier_key_id(verifier), 0x530d903a);
    assert_int_equal(wb_note_verifier_type(verifier), WB_NOTE_ED25519);
    assert_int_equal(wb_note_verifier_encode(&encoded, verifier), 0);
    assert_string_equal(encoded, SPEC_VKEY);
    wb_free(encoded);

    assert_int_equal(open_with(SPEC_NOTE, verifier, NULL, verified), 0);
    assert_int_equal(verified[0], 1);
    assert_int_equal(wb_note_parse(&note, SPEC_NOTE, strlen(SPEC_NOTE)), 0);
    assert_string_equal(wb_note_text(note, &len), SPEC_TEXT);
    assert_int_equal(len, strlen(SPEC_TEXT));
    assert_int_equal(wb_note_signature_count(note), 1);
    sig = wb_note_signature_at(note, 0);
    assert_string_equal(sig->name, "example.com/foo");
    assert_int_equal(sig->key_id, 0x530d903a);
    assert_int_equal(sig->signature_len, 64);
    assert_null(wb_note_signature_at(note, 1));
    wb_note_free(note);

    /* one byte of the text changed */
    changed = strdup(SPEC_NOTE);
    changed[5] = 'I';
    assert_int_equal(open_with(changed, verifier, NULL, verified), WB_EVERIFY);
    assert_int_equal(verified[0], 0);
    assert_non_null(strstr(wb_error_last(), "does not verify"));
    free(changed);
    /* one byte of the signature changed (still canonical base64) */
    {
        size_t raw_len = 0;
        unsigned char *raw = line_bytes(EM_DASH " example.com/foo " SPEC_SIG "\n", &raw_len);
        char *line;
        raw[40] ^= 0x01;
        line = line_of("example.com/foo", raw, raw_len);
        changed = concat3(SPEC_TEXT, "\n", line);
        assert_int_equal(open_with(changed, verifier, NULL, NULL), WB_EVERIFY);
        /* the key ID changed: the signature is no longer by a known key */
        raw[40] ^= 0x01;
        raw[0] ^= 0x01;
        free(line);
        free(changed);
        line = line_of("example.com/foo", raw, raw_len);
        changed = concat3(SPEC_TEXT, "\n", line);
        assert_int_equal(open_with(changed, verifier, NULL, NULL), WB_EVERIFY);
        assert_non_null(strstr(wb_error_last(), "no signature by a known key"));
        free(line);
        free(changed);
        wb_free(raw);
    }
    wb_note_verifier_free(verifier);
}

static void test_go_example(void **state)
{
    wb_note_signer *signer = NULL;
    wb_note_verifier *peter = verifier_of(GO_VKEY), *enoch = verifier_of(ENOCH_VKEY), *derived;
    const wb_note_signer *signers[1];
    unsigned char verified[2];
    char *text = NULL, *both;
    size_t len = 0;

    assert_int_equal(wb_note_signer_parse(&signer, GO_SKEY, strlen(GO_SKEY)), 0);
    assert_string_equal(wb_note_signer_name(signer), "PeterNeumann");
    assert_int_equal(wb_note_signer_key_id(signer), 0xc74f20a3);
    assert_int_equal(wb_note_signer_type(signer), WB_NOTE_ED25519);
    assert_int_equal(wb_note_signer_encode(&text, signer), 0);
    assert_string_equal(text, GO_SKEY);
    wb_free(text);
    derived = verifier_for(signer);
    assert_int_equal(wb_note_verifier_encode(&text, derived), 0);
    assert_string_equal(text, GO_VKEY);
    wb_free(text);
    wb_note_verifier_free(derived);

    /* Ed25519 is deterministic: the same note, byte for byte */
    signers[0] = signer;
    assert_int_equal(wb_note_sign(&text, &len, GO_TEXT, strlen(GO_TEXT), signers, 1), 0);
    assert_string_equal(text, GO_NOTE);
    assert_int_equal(len, strlen(GO_NOTE));
    wb_free(text);
    assert_int_equal(wb_note_signature_line(&text, &len, signer, GO_TEXT, strlen(GO_TEXT)), 0);
    assert_string_equal(text, GO_SIG_LINE);
    wb_free(text);

    /* two signers; each key alone suffices, both verify together */
    both = concat3(GO_TEXT, "\n", GO_SIG_LINE ENOCH_SIG_LINE);
    assert_int_equal(open_with(both, peter, enoch, verified), 0);
    assert_int_equal(verified[0], 1);
    assert_int_equal(verified[1], 1);
    assert_int_equal(open_with(both, enoch, NULL, verified), 0);
    assert_int_equal(verified[0], 1);
    assert_int_equal(open_with(GO_NOTE, enoch, peter, verified), 0);
    assert_int_equal(verified[0], 0);
    assert_int_equal(verified[1], 1);
    assert_int_equal(open_with(GO_NOTE, enoch, NULL, NULL), WB_EVERIFY);
    assert_non_null(strstr(wb_error_last(), "PeterNeumann+c74f20a3"));
    free(both);

    wb_note_signer_free(signer);
    wb_note_verifier_free(peter);
    wb_note_verifier_free(enoch);
}

static void test_real_cosigned_checkpoint(void **state)
{
    wb_note_verifier *log_key = verifier_of(ARCHE_VKEY);
    wb_note_verifier *witnesses[4];
    const wb_note_verifier *all[5];
    unsigned char verified[5];
    wb_checkpoint *checkpoint = NULL;
    wb_note *note = NULL;
    char *changed;
    size_t i;

    assert_int_equal(wb_checkpoint_open(&checkpoint, &note, ARCHE_NOTE, strlen(ARCHE_NOTE),
                                        ARCHE_ORIGIN, log_key),
                     0);
    assert_string_equal(checkpoint->origin, ARCHE_ORIGIN);
    assert_int_equal(checkpoint->size, 1432088532u);
    assert_int_equal(checkpoint->n_extensions, 0);
    assert_int_equal(checkpoint->root.bytes[0], 0x53);
    assert_int_equal(checkpoint->root.bytes[31], 0x1a);
    assert_int_equal(wb_note_signature_count(note), 6);

    all[0] = log_key;
    for (i = 0; i < 4; i++) {
        uint64_t timestamp = 0;
        witnesses[i] = verifier_of(witness_vkeys[i]);
        assert_int_equal(wb_note_verifier_type(witnesses[i]), WB_NOTE_COSIGNATURE_V1);
        if (wb_cosig_verify(&timestamp, note, witnesses[i]) != 0)
            fail_msg("%s: %s", witness_vkeys[i], wb_error_last());
        assert_int_equal(timestamp, ARCHE_TIMESTAMP);
        all[i + 1] = witnesses[i];
    }
    /* all five known: every one verifies, the RFC 6962 signature is ignored */
    assert_int_equal(wb_note_verify(note, all, 5, verified), 0);
    for (i = 0; i < 5; i++)
        assert_int_equal(verified[i], 1);
    /* a cosigner key is not a log key */
    assert_int_equal(wb_cosig_verify(NULL, note, log_key), WB_EINVAL);
    wb_checkpoint_free(checkpoint);
    wb_note_free(note);

    /* the tree size changed: the log's signature and every cosignature fail */
    changed = strdup(ARCHE_NOTE);
    changed[strlen(ARCHE_ORIGIN) + 1] = '2';
    assert_int_equal(
        wb_checkpoint_open(&checkpoint, NULL, changed, strlen(changed), ARCHE_ORIGIN, log_key),
        WB_EVERIFY);
    assert_null(checkpoint);
    assert_int_equal(wb_note_parse(&note, changed, strlen(changed)), 0);
    for (i = 0; i < 4; i++)
        assert_int_equal(wb_cosig_verify(NULL, note, witnesses[i]), WB_EVERIFY);
    wb_note_free(note);
    free(changed);
    /* the right note, the wrong origin */
    assert_int_equal(wb_checkpoint_open(&checkpoint, NULL, ARCHE_NOTE, strlen(ARCHE_NOTE),
                                        "example.com/log", log_key),
                     WB_EVERIFY);
    assert_non_null(strstr(wb_error_last(), "expected 'example.com/log'"));
    /* the wrong log key */
    assert_int_equal(
        wb_checkpoint_open(&checkpoint, NULL, ARCHE_NOTE, strlen(ARCHE_NOTE), ARCHE_ORIGIN, all[1]),
        WB_EINVAL);
    {
        wb_note_verifier *other = verifier_of(SPEC_VKEY);
        assert_int_equal(wb_checkpoint_open(&checkpoint, NULL, ARCHE_NOTE, strlen(ARCHE_NOTE),
                                            ARCHE_ORIGIN, other),
                         WB_EVERIFY);
        wb_note_verifier_free(other);
    }

    for (i = 0; i < 4; i++)
        wb_note_verifier_free(witnesses[i]);
    wb_note_verifier_free(log_key);
}

static void test_cosignature_spec_example(void **state)
{
    wb_note *note = NULL;
    const wb_note_signature *sig;
    wb_checkpoint *checkpoint = NULL;
    char *message = NULL;
    size_t len = 0;
    uint64_t timestamp;

    assert_int_equal(wb_note_parse(&note, COSIG_SPEC_NOTE, strlen(COSIG_SPEC_NOTE)), 0);
    assert_int_equal(wb_note_signature_count(note), 2);
    sig = wb_note_signature_at(note, 1);
    assert_string_equal(sig->name, "witness.example.com/w1");
    assert_int_equal(sig->key_id, 0x8d66cf3f);
    assert_int_equal(sig->signature_len, 72);
    timestamp = (uint64_t)sig->signature[0] << 56 | (uint64_t)sig->signature[1] << 48 |
                (uint64_t)sig->signature[2] << 40 | (uint64_t)sig->signature[3] << 32 |
                (uint64_t)sig->signature[4] << 24 | (uint64_t)sig->signature[5] << 16 |
                (uint64_t)sig->signature[6] << 8 | sig->signature[7];
    assert_int_equal(timestamp, 1679315147);
    assert_int_equal(wb_checkpoint_parse(&checkpoint, wb_note_text(note, NULL),
                                         strlen(wb_note_text(note, NULL))),
                     0);
    assert_string_equal(checkpoint->origin, "example.com/behind-the-sofa");
    assert_int_equal(checkpoint->size, 20852163);
    wb_checkpoint_free(checkpoint);
    wb_note_free(note);

    /* the signed message of the spec */
    assert_int_equal(
        wb_cosig_message(&message, &len, COSIG_SPEC_TEXT, strlen(COSIG_SPEC_TEXT), 1679315147), 0);
    assert_string_equal(message, "cosignature/v1\ntime 1679315147\n" COSIG_SPEC_TEXT);
    assert_int_equal(len, strlen(message));
    wb_free(message);
    assert_int_equal(wb_cosig_message(&message, &len, COSIG_SPEC_TEXT, strlen(COSIG_SPEC_TEXT), 0),
                     0);
    assert_string_equal(message, "cosignature/v1\ntime 0\n" COSIG_SPEC_TEXT);
    wb_free(message);
    assert_int_equal(wb_cosig_message(&message, &len, COSIG_SPEC_TEXT, strlen(COSIG_SPEC_TEXT),
                                      (uint64_t)INT64_MAX + 1),
                     WB_EINVAL);
}

/* --- keys --- */

static void test_key_strings(void **state)
{
    static const struct {
        const char *key;
        int rc;
    } bad_vkeys[] = {
        {"", WB_EFORMAT},
        {"example.com/foo", WB_EFORMAT},
        {"example.com/foo+530d903a", WB_EFORMAT},
        {"+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", WB_EFORMAT},
        {"example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", WB_EFORMAT},
        {"example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", WB_EFORMAT},
        {"example.com/foo+530d903a0+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", WB_EFORMAT},
        {"example.com/foo+530d903x+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", WB_EFORMAT},
        {"example.com/fo o+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", WB_EFORMAT},
        {"example.com/foo\xc2\xa0+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
         WB_EFORMAT},
        {"example.com/foo\xff+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", WB_EFORMAT},
        {"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2", WB_EFORMAT},
        {"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k=", WB_EFORMAT},
        {"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k ", WB_EFORMAT},
        {"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U", WB_EFORMAT},
        {"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2kAA==", WB_EFORMAT},
        {"example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", WB_EUNSUPPORTED},
        {"example.com/foo+530d903a+A-kyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", WB_EFORMAT},
    };
    wb_note_verifier *verifier = NULL;
    wb_note_signer *signer = NULL, *parsed = NULL;
    char *text = NULL, long_key[WB_NOTE_KEY_MAX + 2];
    size_t i;

    /* a '+' inside the base64; upper-case hex in the key ID */
    verifier = verifier_of(PLUS_VKEY);
    assert_int_equal(wb_note_verifier_key_id(verifier), 0x7997405c);
    assert_int_equal(wb_note_verifier_encode(&text, verifier), 0);
    assert_string_equal(text, PLUS_VKEY);
    wb_free(text);
    wb_note_verifier_free(verifier);
    verifier = verifier_of("example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
    assert_int_equal(wb_note_verifier_encode(&text, verifier), 0);
    assert_string_equal(text, SPEC_VKEY);
    wb_free(text);
    wb_note_verifier_free(verifier);

    for (i = 0; i < sizeof(bad_vkeys) / sizeof(bad_vkeys[0]); i++) {
        int rc = wb_note_verifier_parse(&verifier, bad_vkeys[i].key, strlen(bad_vkeys[i].key));
        if (rc != bad_vkeys[i].rc)
            fail_msg("'%s': %s (%s), expected %s", bad_vkeys[i].key, wb_error_name(rc),
                     wb_error_last(), wb_error_name(bad_vkeys[i].rc));
        assert_null(verifier);
        assert_true(wb_error_last()[0] != '\0');
    }
    assert_int_equal(wb_note_verifier_parse(&verifier, SPEC_VKEY "\0", strlen(SPEC_VKEY) + 1),
                     WB_EFORMAT);
    memset(long_key, 'a', sizeof(long_key));
    assert_int_equal(wb_note_verifier_parse(&verifier, long_key, sizeof(long_key)), WB_ELIMIT);
    /* a signer key is not a verifier key, and the other way round */
    assert_int_equal(wb_note_verifier_parse(&verifier, GO_SKEY, strlen(GO_SKEY)), WB_EFORMAT);
    assert_int_equal(wb_note_signer_parse(&signer, GO_VKEY, strlen(GO_VKEY)), WB_EFORMAT);
    assert_int_equal(wb_note_signer_parse(&signer,
                                          "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyN"
                                          "hPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
                                          strlen(GO_SKEY)),
                     WB_EFORMAT);
    assert_non_null(strstr(wb_error_last(), "does not match"));
    assert_int_equal(wb_note_signer_parse(&signer,
                                          "private+key+PeterNeumann+c74f20a3+AYEKFALVFGyN"
                                          "hPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
                                          strlen(GO_SKEY)),
                     WB_EFORMAT);
    assert_null(signer);

    /* generated keys of both types round-trip through their strings */
    for (i = 0; i < 2; i++) {
        wb_note_sig_type type = i ? WB_NOTE_COSIGNATURE_V1 : WB_NOTE_ED25519;
        char *vkey = NULL;
        assert_int_equal(wb_note_signer_generate(&signer, "witness.example/w1", type), 0);
        assert_int_equal(wb_note_signer_encode(&text, signer), 0);
        assert_int_equal(wb_note_signer_parse(&parsed, text, strlen(text)), 0);
        assert_int_equal(wb_note_signer_key_id(parsed), wb_note_signer_key_id(signer));
        assert_int_equal(wb_note_signer_type(parsed), type);
        OPENSSL_cleanse(text, strlen(text));
        wb_free(text);
        verifier = verifier_for(parsed);
        assert_int_equal(wb_note_verifier_encode(&vkey, verifier), 0);
        assert_int_equal(vkey[strlen("witness.example/w1+") + 9], i ? 'B' : 'A');
        wb_free(vkey);
        wb_note_verifier_free(verifier);
        wb_note_signer_free(parsed);
        wb_note_signer_free(signer);
    }
    /* names the spec forbids */
    assert_int_equal(wb_note_signer_generate(&signer, "", WB_NOTE_ED25519), WB_EFORMAT);
    assert_int_equal(wb_note_signer_generate(&signer, "a+b", WB_NOTE_ED25519), WB_EFORMAT);
    assert_int_equal(wb_note_signer_generate(&signer, "a b", WB_NOTE_ED25519), WB_EFORMAT);
    assert_int_equal(wb_note_signer_generate(&signer,
                                             "a\xe3\x80\x80"
                                             "b",
                                             WB_NOTE_ED25519),
                     WB_EFORMAT);
    assert_int_equal(wb_note_signer_generate(&signer, "a\tb", WB_NOTE_ED25519), WB_EFORMAT);
    assert_int_equal(wb_note_signer_generate(&signer, "a", (wb_note_sig_type)2), WB_EUNSUPPORTED);
    assert_int_equal(wb_note_signer_generate(&signer, "caf\xc3\xa9/log", WB_NOTE_ED25519), 0);
    wb_note_signer_free(signer);
    assert_int_equal(wb_note_signer_generate(&signer, "del\x7f/ok", WB_NOTE_ED25519), 0);
    wb_note_signer_free(signer);
    wb_note_signer_free(NULL);
    wb_note_verifier_free(NULL);
    wb_note_free(NULL);
    wb_checkpoint_free(NULL);
}

/* --- notes --- */

static void test_sign_parse_verify(void **state)
{
    wb_note_signer *a = signer_from_byte("log.example/a", WB_NOTE_ED25519, 1);
    wb_note_signer *b = signer_from_byte("log.example/b", WB_NOTE_ED25519, 2);
    wb_note_signer *w = signer_from_byte("witness.example/w", WB_NOTE_COSIGNATURE_V1, 3);
    wb_note_verifier *va = verifier_for(a), *vb = verifier_for(b), *vw = verifier_for(w);
    const wb_note_signer *signers[2] = {a, b};
    const char *text = "caf\xc3\xa9 \x7f\n\nlast line with an empty one above\n";
    unsigned char verified[2];
    char *msg = NULL, *line = NULL, *more;
    wb_note *note = NULL;
    size_t len = 0;

    assert_int_equal(wb_note_sign(&msg, &len, text, strlen(text), signers, 2), 0);
    assert_int_equal(wb_note_parse(&note, msg, len), 0);
    assert_string_equal(wb_note_text(note, NULL), text);
    assert_int_equal(wb_note_signature_count(note), 2);
    assert_string_equal(wb_note_signature_at(note, 1)->name, "log.example/b");
    assert_int_equal(wb_note_signature_at(note, 1)->key_id, wb_note_signer_key_id(b));
    wb_note_free(note);
    assert_int_equal(open_with(msg, va, vb, verified), 0);
    assert_true(verified[0] && verified[1]);
    assert_int_equal(open_with(msg, vb, NULL, verified), 0);

    /* a line added later, by a third key */
    assert_int_equal(wb_note_signature_line(&line, NULL, b, text, strlen(text)), 0);
    more = concat3(msg, "", line);
    assert_int_equal(open_with(more, vb, NULL, verified), 0); /* b twice counts once */
    assert_int_equal(verified[0], 1);
    free(more);
    wb_free(line);

    /* a text ending in blank lines is still split at the last one */
    wb_free(msg);
    assert_int_equal(wb_note_sign(&msg, &len, "a\n\n\n", 4, signers, 1), 0);
    assert_int_equal(wb_note_parse(&note, msg, len), 0);
    assert_string_equal(wb_note_text(note, NULL), "a\n\n\n");
    wb_note_free(note);
    assert_int_equal(open_with(msg, va, NULL, NULL), 0);
    wb_free(msg);

    /* a text whose lines look like signatures */
    text = "x\n\n" EM_DASH " log.example/a AAAAAAA=\n";
    assert_int_equal(wb_note_sign(&msg, &len, text, strlen(text), signers, 1), 0);
    assert_int_equal(wb_note_parse(&note, msg, len), 0);
    assert_string_equal(wb_note_text(note, NULL), text);
    assert_int_equal(wb_note_signature_count(note), 1);
    wb_note_free(note);
    wb_free(msg);

    /* signing refuses what a note cannot carry */
    assert_int_equal(wb_note_sign(&msg, &len, "no newline", 10, signers, 1), WB_EFORMAT);
    assert_non_null(strstr(wb_error_last(), "does not end with a newline"));
    assert_null(msg);
    assert_int_equal(wb_note_sign(&msg, &len, "", 0, signers, 1), WB_EFORMAT);
    assert_int_equal(wb_note_sign(&msg, &len, "tab\there\n", 9, signers, 1), WB_EFORMAT);
    assert_int_equal(wb_note_sign(&msg, &len, "cr\r\n", 4, signers, 1), WB_EFORMAT);
    assert_int_equal(wb_note_sign(&msg, &len, "nul\0\n", 5, signers, 1), WB_EFORMAT);
    assert_int_equal(wb_note_sign(&msg, &len, "bad \xc3\x28\n", 7, signers, 1), WB_EFORMAT);
    assert_int_equal(wb_note_sign(&msg, &len, "surrogate \xed\xa0\x80\n", 14, signers, 1),
                     WB_EFORMAT);
    assert_int_equal(wb_note_sign(&msg, &len, "x\n", 2, signers, 0), WB_EINVAL);
    {
        const wb_note_signer *cosigners[1] = {w};
        assert_int_equal(wb_note_sign(&msg, &len, "x\n", 2, cosigners, 1), WB_EINVAL);
        assert_non_null(strstr(wb_error_last(), "wb_cosig_sign"));
    }
    {
        char *big = malloc(WB_NOTE_TEXT_MAX + 1);
        assert_non_null(big);
        memset(big, 'x', WB_NOTE_TEXT_MAX + 1);
        big[WB_NOTE_TEXT_MAX] = '\n';
        assert_int_equal(wb_note_sign(&msg, &len, big, WB_NOTE_TEXT_MAX + 1, signers, 1),
                         WB_ELIMIT);
        assert_int_equal(wb_note_sign(&msg, &len, big + 1, WB_NOTE_TEXT_MAX, signers, 1), 0);
        assert_int_equal(open_with(msg, va, NULL, NULL), 0);
        wb_free(msg);
        free(big);
    }

    wb_note_verifier_free(va);
    wb_note_verifier_free(vb);
    wb_note_verifier_free(vw);
    wb_note_signer_free(a);
    wb_note_signer_free(b);
    wb_note_signer_free(w);
}

static void test_note_rejections(void **state)
{
    static const struct {
        const char *msg;
        int rc;
        const char *why;
    } bad[] = {
        {"", WB_EFORMAT, "end with a newline"},
        {SPEC_TEXT, WB_EFORMAT, "no blank line"},
        {SPEC_TEXT "\n", WB_EFORMAT, "no signature lines"},
        {SPEC_TEXT "\n\n", WB_EFORMAT, "no signature lines"},
        {SPEC_TEXT EM_DASH " example.com/foo " SPEC_SIG "\n", WB_EFORMAT, "no blank line"},
        {SPEC_TEXT "\n" EM_DASH " example.com/foo " SPEC_SIG, WB_EFORMAT, "end with a newline"},
        {SPEC_TEXT "\n" EM_DASH " example.com/foo " SPEC_SIG "\n\n", WB_EFORMAT,
         "no signature lines"},
        {SPEC_TEXT "\n- example.com/foo " SPEC_SIG "\n", WB_EFORMAT, "em dash"},
        {SPEC_TEXT "\n\xe2\x80\x93 example.com/foo " SPEC_SIG "\n", WB_EFORMAT, "em dash"},
        {SPEC_TEXT "\n" EM_DASH "example.com/foo " SPEC_SIG "\n", WB_EFORMAT, "em dash"},
        {SPEC_TEXT "\n " EM_DASH " example.com/foo " SPEC_SIG "\n", WB_EFORMAT, "em dash"},
        {SPEC_TEXT "\n" EM_DASH " example.com/foo" SPEC_SIG "\n", WB_EFORMAT, "no space"},
        {SPEC_TEXT "\n" EM_DASH "  " SPEC_SIG "\n", WB_EFORMAT, "empty key name"},
        {SPEC_TEXT "\n" EM_DASH " example.com/foo  " SPEC_SIG "\n", WB_EFORMAT, "base64"},
        {SPEC_TEXT "\n" EM_DASH " example.com/foo " SPEC_SIG " \n", WB_EFORMAT, "base64"},
        {SPEC_TEXT "\n" EM_DASH " example.com/foo \n", WB_EFORMAT, "base64"},
        {SPEC_TEXT "\n" EM_DASH " example+com " SPEC_SIG "\n", WB_EFORMAT, "key name"},
        {SPEC_TEXT "\n" EM_DASH " example\xc2\xa0"
                   "com " SPEC_SIG "\n",
         WB_EFORMAT, "key name"},
        {SPEC_TEXT "\n" EM_DASH " example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTg"
                   "K7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM\n",
         WB_EFORMAT, "base64"},
        {SPEC_TEXT "\n" EM_DASH " example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTg"
                   "K7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQN=\n",
         WB_EFORMAT, "trailing bits"},
        {SPEC_TEXT "\n" EM_DASH " example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTg"
                   "K7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM_\n",
         WB_EFORMAT, "base64"},
        {SPEC_TEXT "\n" EM_DASH " example.com/foo Uw2QOg==\n", WB_EFORMAT, "too short"},
        {SPEC_TEXT "\n" EM_DASH " example.com/foo AAAAAA==\n", WB_EFORMAT, "too short"},
        {"tab\there\n\n" EM_DASH " example.com/foo " SPEC_SIG "\n", WB_EFORMAT, "control"},
        {"cr\r\n\n" EM_DASH " example.com/foo " SPEC_SIG "\n", WB_EFORMAT, "control"},
        {"bad\xff\n\n" EM_DASH " example.com/foo " SPEC_SIG "\n", WB_EFORMAT, "UTF-8"},
        {"overlong \xc0\xae\n\n" EM_DASH " example.com/foo " SPEC_SIG "\n", WB_EFORMAT, "UTF-8"},
    };
    wb_note_verifier *verifier = verifier_of(SPEC_VKEY);
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse_status(bad[i].msg, strlen(bad[i].msg));
        if (rc != bad[i].rc || !strstr(wb_error_last(), bad[i].why))
            fail_msg("case %zu: %s (%s), expected %s mentioning '%s'", i, wb_error_name(rc),
                     wb_error_last(), wb_error_name(bad[i].rc), bad[i].why);
        assert_int_equal(open_with(bad[i].msg, verifier, NULL, NULL), bad[i].rc);
    }
    /* a NUL byte inside */
    {
        static const char with_nul[] = "a\0b\n\n" EM_DASH " example.com/foo " SPEC_SIG "\n";
        assert_int_equal(parse_status(with_nul, sizeof(with_nul) - 1), WB_EFORMAT);
    }
    /* only unknown signers */
    {
        wb_note_verifier *other = verifier_of(GO_VKEY);
        assert_int_equal(open_with(SPEC_NOTE, other, NULL, NULL), WB_EVERIFY);
        assert_non_null(strstr(wb_error_last(), "no signature by a known key"));
        assert_non_null(strstr(wb_error_last(), "example.com/foo+530d903a"));
        assert_int_equal(open_with(SPEC_NOTE, other, NULL, NULL), WB_EVERIFY);
        wb_note_verifier_free(other);
    }
    /* the right key ID under another name is an unknown key */
    {
        char *renamed = strdup(SPEC_NOTE);
        memcpy(strstr(renamed, "example.com/foo"), "example.com/bar", 15);
        assert_int_equal(open_with(renamed, verifier, NULL, NULL), WB_EVERIFY);
        assert_non_null(strstr(wb_error_last(), "no signature by a known key"));
        free(renamed);
    }
    /* a failing signature by a known key rejects the note, a good one beside it or not */
    {
        size_t raw_len = 0;
        unsigned char *raw = line_bytes(EM_DASH " example.com/foo " SPEC_SIG "\n", &raw_len);
        char *bad_line, *note_text;
        raw[raw_len - 1] ^= 0x80;
        bad_line = line_of("example.com/foo", raw, raw_len);
        note_text = concat3(SPEC_NOTE, "", bad_line);
        assert_int_equal(open_with(note_text, verifier, NULL, NULL), WB_EVERIFY);
        assert_non_null(strstr(wb_error_last(), "signature line 2"));
        free(note_text);
        /* a known key with a signature of the wrong length */
        free(bad_line);
        bad_line = line_of("example.com/foo", raw, raw_len - 1);
        note_text = concat3(SPEC_NOTE, "", bad_line);
        assert_int_equal(open_with(note_text, verifier, NULL, NULL), WB_EVERIFY);
        free(note_text);
        free(bad_line);
        wb_free(raw);
    }
    /* two verifiers with the same name and key ID */
    {
        wb_note_verifier *again = verifier_of(SPEC_VKEY);
        assert_int_equal(open_with(SPEC_NOTE, verifier, again, NULL), WB_EINVAL);
        wb_note_verifier_free(again);
    }
    assert_int_equal(wb_note_parse(NULL, SPEC_NOTE, 10), WB_EINVAL);
    wb_note_verifier_free(verifier);
}

/* The spec's text with `n_lines` signature lines: the spec's own signature
 * when line_len is 0, else an unknown key whose line is line_len bytes. */
static char *note_with_lines(size_t n_lines, size_t line_len)
{
    const char *sig_line = EM_DASH " example.com/foo " SPEC_SIG "\n";
    wb_buf buf = {0};
    char *out = NULL;
    size_t i;

    wb_buf_puts(&buf, SPEC_TEXT "\n");
    for (i = 0; i < n_lines; i++) {
        if (line_len == 0) {
            wb_buf_puts(&buf, sig_line);
        } else {
            /* an unknown key with a long (but valid) name */
            size_t name_len = line_len - strlen(EM_DASH "  " SPEC_SIG);
            size_t j;
            wb_buf_puts(&buf, EM_DASH " ");
            for (j = 0; j < name_len; j++)
                wb_buf_putc(&buf, 'n');
            wb_buf_puts(&buf, " " SPEC_SIG "\n");
        }
    }
    assert_int_equal(wb_buf_detach(&buf, &out, NULL), 0);
    return out;
}

static void test_note_bounds(void **state)
{
    wb_note_verifier *verifier = verifier_of(SPEC_VKEY);
    unsigned char verified[1];
    char *msg;

    /* the spec requires accepting 16 signatures; we take up to 100 */
    msg = note_with_lines(16, 0);
    assert_int_equal(open_with(msg, verifier, NULL, verified), 0);
    wb_free(msg);
    msg = note_with_lines(WB_NOTE_MAX_SIGNATURES, 0);
    assert_int_equal(open_with(msg, verifier, NULL, verified), 0);
    assert_int_equal(verified[0], 1);
    wb_free(msg);
    msg = note_with_lines(WB_NOTE_MAX_SIGNATURES + 1, 0);
    assert_int_equal(parse_status(msg, strlen(msg)), WB_ELIMIT);
    assert_non_null(strstr(wb_error_last(), "signature lines"));
    wb_free(msg);
    /* the longest signature line, and one byte more */
    msg = note_with_lines(1, WB_NOTE_SIG_LINE_MAX);
    assert_int_equal(parse_status(msg, strlen(msg)), 0);
    wb_free(msg);
    msg = note_with_lines(1, WB_NOTE_SIG_LINE_MAX + 1);
    assert_int_equal(parse_status(msg, strlen(msg)), WB_ELIMIT);
    wb_free(msg);
    /* a text over the bound, a note over the bound */
    {
        size_t text_len = WB_NOTE_TEXT_MAX + 1;
        const char *tail = "\n" EM_DASH " example.com/foo " SPEC_SIG "\n";
        char *big = malloc(WB_NOTE_MAX_SIZE + 2);
        assert_non_null(big);
        memset(big, 'x', text_len - 1);
        big[text_len - 1] = '\n';
        strcpy(big + text_len, tail);
        assert_int_equal(parse_status(big, strlen(big)), WB_ELIMIT);
        assert_non_null(strstr(wb_error_last(), "text of"));
        memset(big, 'x', WB_NOTE_MAX_SIZE + 1);
        big[WB_NOTE_MAX_SIZE] = '\n';
        assert_int_equal(parse_status(big, WB_NOTE_MAX_SIZE + 1), WB_ELIMIT);
        free(big);
    }
    wb_note_verifier_free(verifier);
}

/* --- checkpoints --- */

static void test_checkpoint(void **state)
{
    static const struct {
        const char *text;
        int rc;
    } bad[] = {
        {"", WB_EFORMAT},
        {"origin\n", WB_EFORMAT},
        {"origin\n1\n", WB_EFORMAT},
        {"origin\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", WB_EFORMAT},
        {"\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", WB_EFORMAT},
        {"origin\n\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", WB_EFORMAT},
        {"origin\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", WB_EFORMAT},
        {"origin\n00\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", WB_EFORMAT},
        {"origin\n+1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", WB_EFORMAT},
        {"origin\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", WB_EFORMAT},
        {"origin\n 1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", WB_EFORMAT},
        {"origin\n1 \nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", WB_EFORMAT},
        {"origin\n0x10\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", WB_EFORMAT},
        {"origin\n18446744073709551616\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
         WB_EFORMAT},
        {"origin\n99999999999999999999\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
         WB_EFORMAT},
        {"origin\n1\n\n", WB_EFORMAT},
        {"origin\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", WB_EFORMAT},
        {"origin\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n", WB_EFORMAT},
        {"origin\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n", WB_EFORMAT},
        {"origin\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=AAAA\n", WB_EFORMAT},
        {"origin\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2Iq\n", WB_EFORMAT},
        {"origin\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n", WB_EFORMAT},
        {"origin\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\n\n", WB_EFORMAT},
        {"origin\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next", WB_EFORMAT},
        {"ori\tgin\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", WB_EFORMAT},
    };
    const char *extensions[2] = {"first extension", "\xc3\xa9xtension 2"};
    wb_checkpoint *checkpoint = NULL;
    wb_tlog_hash root;
    char *text = NULL;
    size_t len = 0, i;

    for (i = 0; i < WB_TLOG_HASH_LEN; i++)
        root.bytes[i] = (unsigned char)i;
    /* round trip, with extension lines */
    assert_int_equal(
        wb_checkpoint_format(&text, &len, "example.com/log", 12345, &root, extensions, 2), 0);
    assert_string_equal(text,
                        "example.com/log\n12345\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
                        "first extension\n\xc3\xa9xtension 2\n");
    assert_int_equal(len, strlen(text));
    assert_int_equal(wb_checkpoint_parse(&checkpoint, text, len), 0);
    assert_string_equal(checkpoint->origin, "example.com/log");
    assert_int_equal(checkpoint->size, 12345);
    assert_memory_equal(checkpoint->root.bytes, root.bytes, WB_TLOG_HASH_LEN);
    assert_int_equal(checkpoint->n_extensions, 2);
    assert_string_equal(checkpoint->extensions[1], extensions[1]);
    wb_checkpoint_free(checkpoint);
    wb_free(text);

    /* the empty tree, the largest size, an origin that is not a URL */
    assert_int_equal(wb_checkpoint_format(&text, &len, "any origin+at all", 0, &root, NULL, 0), 0);
    assert_int_equal(wb_checkpoint_parse(&checkpoint, text, len), 0);
    assert_int_equal(checkpoint->size, 0);
    assert_string_equal(checkpoint->origin, "any origin+at all");
    assert_null(checkpoint->extensions);
    wb_checkpoint_free(checkpoint);
    wb_free(text);
    assert_int_equal(wb_checkpoint_format(&text, &len, "o", UINT64_MAX, &root, NULL, 0), 0);
    assert_int_equal(wb_checkpoint_parse(&checkpoint, text, len), 0);
    assert_int_equal(checkpoint->size, UINT64_MAX);
    wb_checkpoint_free(checkpoint);
    wb_free(text);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = wb_checkpoint_parse(&checkpoint, bad[i].text, strlen(bad[i].text));
        if (rc != bad[i].rc)
            fail_msg("case %zu: %s (%s), expected %s", i, wb_error_name(rc), wb_error_last(),
                     wb_error_name(bad[i].rc));
        assert_null(checkpoint);
    }
    /* at most WB_CHECKPOINT_MAX_EXTENSIONS extension lines */
    {
        wb_buf buf = {0};
        char *many = NULL;
        size_t many_len = 0;
        wb_buf_puts(&buf, "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
        for (i = 0; i < WB_CHECKPOINT_MAX_EXTENSIONS; i++)
            wb_buf_puts(&buf, "e\n");
        assert_int_equal(wb_buf_detach(&buf, &many, &many_len), 0);
        assert_int_equal(wb_checkpoint_parse(&checkpoint, many, many_len), 0);
        assert_int_equal(checkpoint->n_extensions, WB_CHECKPOINT_MAX_EXTENSIONS);
        wb_checkpoint_free(checkpoint);
        wb_buf_puts(&buf, many);
        wb_buf_puts(&buf, "e\n");
        wb_free(many);
        assert_int_equal(wb_buf_detach(&buf, &many, &many_len), 0);
        assert_int_equal(wb_checkpoint_parse(&checkpoint, many, many_len), WB_ELIMIT);
        wb_free(many);
    }
    /* formatting refuses what would not parse */
    assert_int_equal(wb_checkpoint_format(&text, &len, "", 1, &root, NULL, 0), WB_EINVAL);
    assert_int_equal(wb_checkpoint_format(&text, &len, "two\nlines", 1, &root, NULL, 0), WB_EINVAL);
    assert_int_equal(wb_checkpoint_format(&text, &len, "tab\t", 1, &root, NULL, 0), WB_EFORMAT);
    {
        const char *empty_extension[1] = {""};
        assert_int_equal(wb_checkpoint_format(&text, &len, "o", 1, &root, empty_extension, 1),
                         WB_EINVAL);
    }
    assert_null(text);
}

/* --- cosignatures --- */

static void test_cosignature(void **state)
{
    wb_note_signer *log = signer_from_byte("example.com/log", WB_NOTE_ED25519, 7);
    wb_note_signer *witness = signer_from_byte("witness.example/w1", WB_NOTE_COSIGNATURE_V1, 8);
    wb_note_signer *other = signer_from_byte("witness.example/w2", WB_NOTE_COSIGNATURE_V1, 9);
    wb_note_verifier *log_key = verifier_for(log), *witness_key = verifier_for(witness);
    wb_note_verifier *other_key = verifier_for(other);
    const wb_note_signer *signers[1] = {log};
    const wb_note_verifier *both[2] = {log_key, witness_key};
    wb_tlog_hash root;
    char *body = NULL, *body2 = NULL, *signed_note = NULL, *line = NULL, *cosigned;
    wb_note *note = NULL;
    unsigned char verified[2];
    uint64_t timestamp = 0;
    size_t len = 0;

    memset(root.bytes, 0x42, sizeof(root.bytes));
    assert_int_equal(wb_checkpoint_format(&body, &len, "example.com/log", 10, &root, NULL, 0), 0);
    assert_int_equal(wb_note_sign(&signed_note, NULL, body, len, signers, 1), 0);
    assert_int_equal(wb_cosig_sign(&line, NULL, witness, body, len, 1700000000), 0);
    assert_true(strncmp(line, EM_DASH " witness.example/w1 ", strlen(EM_DASH) + 20) == 0);
    cosigned = concat3(signed_note, "", line);

    assert_int_equal(wb_note_parse(&note, cosigned, strlen(cosigned)), 0);
    assert_int_equal(wb_cosig_verify(&timestamp, note, witness_key), 0);
    assert_int_equal(timestamp, 1700000000);
    assert_int_equal(wb_note_signature_at(note, 1)->signature_len, 72);
    assert_int_equal(wb_note_verify(note, both, 2, verified), 0);
    assert_true(verified[0] && verified[1]);
    /* another witness's key: no cosignature by it */
    assert_int_equal(wb_cosig_verify(&timestamp, note, other_key), WB_EVERIFY);
    assert_non_null(strstr(wb_error_last(), "none by witness.example/w2"));
    wb_note_free(note);

    /* the log's key alone still opens it: the cosignature is an unknown key */
    {
        wb_checkpoint *checkpoint = NULL;
        assert_int_equal(wb_checkpoint_open(&checkpoint, NULL, cosigned, strlen(cosigned),
                                            "example.com/log", log_key),
                         0);
        assert_int_equal(checkpoint->size, 10);
        wb_checkpoint_free(checkpoint);
    }

    /* the same cosignature on another checkpoint */
    {
        char *signed2 = NULL, *moved;
        assert_int_equal(wb_checkpoint_format(&body2, &len, "example.com/log", 11, &root, NULL, 0),
                         0);
        assert_int_equal(wb_note_sign(&signed2, NULL, body2, len, signers, 1), 0);
        moved = concat3(signed2, "", line);
        assert_int_equal(wb_note_parse(&note, moved, strlen(moved)), 0);
        assert_int_equal(wb_cosig_verify(&timestamp, note, witness_key), WB_EVERIFY);
        assert_non_null(strstr(wb_error_last(), "does not verify"));
        assert_int_equal(wb_note_verify(note, both, 2, verified), WB_EVERIFY);
        assert_int_equal(verified[0], 0);
        wb_note_free(note);
        free(moved);
        wb_free(signed2);
    }
    /* the timestamp changed (+1 and the top bit) */
    {
        size_t raw_len = 0, k;
        unsigned char *raw = line_bytes(line, &raw_len);
        assert_int_equal(raw_len, 4 + 8 + 64);
        for (k = 0; k < 2; k++) {
            char *new_line, *changed;
            if (k == 0)
                raw[4 + 7] ^= 0x01;
            else
                raw[4] ^= 0x80; /* also beyond 2^63 - 1 */
            new_line = line_of("witness.example/w1", raw, raw_len);
            changed = concat3(signed_note, "", new_line);
            assert_int_equal(wb_note_parse(&note, changed, strlen(changed)), 0);
            assert_int_equal(wb_cosig_verify(&timestamp, note, witness_key), WB_EVERIFY);
            wb_note_free(note);
            free(changed);
            free(new_line);
        }
        wb_free(raw);
    }
    /* the cosigner's signature as a plain Ed25519 note signature (no header) */
    {
        wb_note_signer *as_plain = signer_from_byte("witness.example/w1", WB_NOTE_ED25519, 8);
        wb_note_verifier *plain_key = verifier_for(as_plain);
        char *plain_line = NULL, *mixed;
        assert_true(wb_note_verifier_key_id(plain_key) != wb_note_verifier_key_id(witness_key));
        assert_int_equal(wb_note_signature_line(&plain_line, NULL, as_plain, body, strlen(body)),
                         0);
        mixed = concat3(signed_note, "", plain_line);
        assert_int_equal(wb_note_parse(&note, mixed, strlen(mixed)), 0);
        /* the key IDs differ by type, so it is not taken for a cosignature */
        assert_int_equal(wb_cosig_verify(&timestamp, note, witness_key), WB_EVERIFY);
        assert_non_null(strstr(wb_error_last(), "none by"));
        wb_note_free(note);
        free(mixed);
        wb_free(plain_line);
        wb_note_verifier_free(plain_key);
        wb_note_signer_free(as_plain);
    }
    /* refusals */
    {
        char *out = NULL;
        assert_int_equal(wb_cosig_sign(&out, NULL, log, body, strlen(body), 1), WB_EINVAL);
        assert_int_equal(
            wb_cosig_sign(&out, NULL, witness, body, strlen(body), (uint64_t)INT64_MAX + 1),
            WB_EINVAL);
        assert_int_equal(wb_cosig_sign(&out, NULL, witness, "not a checkpoint\n", 17, 1),
                         WB_EFORMAT);
        assert_null(out);
        assert_int_equal(wb_cosig_sign(&out, NULL, witness, body, strlen(body), INT64_MAX), 0);
        wb_free(out);
        assert_int_equal(wb_note_parse(&note, SPEC_NOTE, strlen(SPEC_NOTE)), 0);
        assert_int_equal(wb_cosig_verify(&timestamp, note, witness_key), WB_EFORMAT);
        assert_int_equal(wb_cosig_verify(&timestamp, note, log_key), WB_EINVAL);
        wb_note_free(note);
    }

    free(cosigned);
    wb_free(line);
    wb_free(body);
    wb_free(body2);
    wb_free(signed_note);
    wb_note_verifier_free(log_key);
    wb_note_verifier_free(witness_key);
    wb_note_verifier_free(other_key);
    wb_note_signer_free(log);
    wb_note_signer_free(witness);
    wb_note_signer_free(other);
}

/* --- allocation failures --- */

typedef oom_operation note_operation;

typedef struct {
    const char *msg;
    const wb_note_verifier *const *verifiers;
    size_t n_verifiers;
} open_job;

static int op_open(const void *arg)
{
    const open_job *job = arg;
    wb_note *note = NULL;
    int rc =
        wb_note_open(&note, job->msg, strlen(job->msg), job->verifiers, job->n_verifiers, NULL);
    wb_note_free(note);
    return rc;
}

static int op_checkpoint_cosig(const void *arg)
{
    const open_job *job = arg;
    wb_checkpoint *checkpoint = NULL;
    wb_note *note = NULL;
    int rc = wb_checkpoint_open(&checkpoint, &note, job->msg, strlen(job->msg), ARCHE_ORIGIN,
                                job->verifiers[0]);
    if (rc == 0)
        rc = wb_cosig_verify(NULL, note, job->verifiers[1]);
    wb_checkpoint_free(checkpoint);
    wb_note_free(note);
    return rc;
}

static int op_sign_all(const void *arg)
{
    const wb_note_signer *const *signers = arg;
    wb_note_signer *parsed = NULL;
    wb_note_verifier *verifier = NULL;
    wb_checkpoint *checkpoint = NULL;
    char *body = NULL, *msg = NULL, *line = NULL, *key = NULL;
    const char *ext[1] = {"x"};
    wb_tlog_hash root = {{0}};
    size_t len = 0;
    int rc;

    rc = wb_checkpoint_format(&body, &len, "example.com/log", 3, &root, ext, 1);
    if (rc == 0)
        rc = wb_checkpoint_parse(&checkpoint, body, len);
    if (rc == 0)
        rc = wb_note_sign(&msg, NULL, body, len, signers, 1);
    if (rc == 0)
        rc = wb_cosig_sign(&line, NULL, signers[1], body, len, 5);
    if (rc == 0)
        rc = wb_note_signer_encode(&key, signers[1]);
    if (rc == 0)
        rc = wb_note_signer_parse(&parsed, key, strlen(key));
    if (rc == 0)
        rc = wb_note_signer_verifier(&verifier, parsed);
    wb_free(body);
    wb_free(msg);
    wb_free(line);
    wb_free(key);
    wb_checkpoint_free(checkpoint);
    wb_note_signer_free(parsed);
    wb_note_verifier_free(verifier);
    return rc;
}

static void run_with_failing_allocations(note_operation op, const void *arg, int expected,
                                         const char *what)
{
    run_with_failing_allocations_ex(op, arg, expected, what, false);
}

static void test_out_of_memory(void **state)
{
    wb_note_verifier *arche = verifier_of(ARCHE_VKEY), *remora = verifier_of(witness_vkeys[0]);
    wb_note_verifier *spec = verifier_of(SPEC_VKEY), *go = verifier_of(GO_VKEY);
    wb_note_signer *log = signer_from_byte("example.com/log", WB_NOTE_ED25519, 7);
    wb_note_signer *witness = signer_from_byte("witness.example/w1", WB_NOTE_COSIGNATURE_V1, 8);
    const wb_note_verifier *pair[2] = {arche, remora};
    const wb_note_verifier *known[2] = {go, spec};
    const wb_note_verifier *unknown[1] = {go};
    const wb_note_signer *signers[2] = {log, witness};
    open_job job = {ARCHE_NOTE, pair, 2};

    run_with_failing_allocations(op_open, &job, 0, "open the real checkpoint");
    run_with_failing_allocations(op_checkpoint_cosig, &job, 0, "checkpoint and cosignature");
    job.msg = SPEC_NOTE;
    job.verifiers = known;
    run_with_failing_allocations(op_open, &job, 0, "open the spec note");
    job.verifiers = unknown;
    job.n_verifiers = 1;
    run_with_failing_allocations(op_open, &job, WB_EVERIFY, "only unknown signers");
    run_with_failing_allocations(op_sign_all, signers, 0, "sign, cosign, keys");

    wb_note_verifier_free(arche);
    wb_note_verifier_free(remora);
    wb_note_verifier_free(spec);
    wb_note_verifier_free(go);
    wb_note_signer_free(log);
    wb_note_signer_free(witness);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_example),
        cmocka_unit_test(test_go_example),
        cmocka_unit_test(test_real_cosigned_checkpoint),
        cmocka_unit_test(test_cosignature_spec_example),
        cmocka_unit_test(test_key_strings),
        cmocka_unit_test(test_sign_parse_verify),
        cmocka_unit_test(test_note_rejections),
        cmocka_unit_test(test_note_bounds),
        cmocka_unit_test(test_checkpoint),
        cmocka_unit_test(test_cosignature),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
