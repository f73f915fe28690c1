/*
 * fuzz_note.c: C2SP signed notes and note key strings.
 *
 * Signed notes and verifier keys come from logs, witnesses and their
 * operators, so every input goes to wb_note_parse(), and inputs no longer
 * than twice WB_NOTE_KEY_MAX also to wb_note_verifier_parse() and
 * wb_note_signer_parse(). A note that parses is verified against a fixed
 * set of four keys built once, on the first call: an Ed25519 key made for
 * fuzzing (fuzz.waybill.example/log), a cosignature (0x04) key made for
 * fuzzing (fuzz.waybill.example/witness), the example key of
 * c2sp.org/signed-note and the PeterNeumann key of golang.org/x/mod/sumdb/
 * note. The private halves of the fuzz keys and of the Go example are
 * embedded below (throwaway test data) so that the target can sign. Checked
 * with abort():
 *  - layout: the text is what precedes the last blank line, ends in a
 *    newline and holds no NUL; there are 1 to WB_NOTE_MAX_SIGNATURES
 *    signatures; each, written again as "— name base64(key ID ||
 *    signature)\n" with our own base64 encoder, gives back the input byte
 *    for byte (one accepted encoding per note);
 *  - verdict: wb_note_verify() accepts exactly when at least one line is by
 *    a known key and every such line verifies on its own (each line is
 *    checked alone, in a note of the same text and that one line); the
 *    verified flags name exactly the keys with such lines; the verdict does
 *    not depend on the order of the keys, and wb_note_open() agrees;
 *  - re-signing: wb_note_sign() of the parsed text by the fuzz key and the
 *    Go key gives the text, a blank line and the two lines of
 *    wb_note_signature_line(), which parses back to the same text and
 *    verifies by exactly those two keys;
 *  - key strings: a verifier or signer key that parses encodes back to the
 *    input (key ID in lower case), its verifier has the same name, key ID
 *    and type, and what it signs verifies.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "waybill/waybill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define EM_DASH "\xe2\x80\x94"

/* Made once with wb_note_signer_generate() for these targets and their
 * seeds (fuzz_checkpoint.c embeds the same keys); test data, not secrets. */
static const char fuzz_log_skey[] =
    "PRIVATE+KEY+fuzz.waybill.example/log+783efd00+Aea94nSTxjJSe94L6wlKQHXQOkLlV0tLzYqGSUeSBAJ9";
static const char fuzz_log_vkey[] =
    "fuzz.waybill.example/log+783efd00+Adk9CMsPNZXPv9e4LkUQbH/tnAJu1FjOxceysvHcFvvZ";
static const char fuzz_witness_skey[] = "PRIVATE+KEY+fuzz.waybill.example/witness+583e313e+"
                                        "BD2x2wtTzuQJlcVWBBm7Xlcj/hBPuvDQVrbk8O5TSbQ/";
static const char fuzz_witness_vkey[] =
    "fuzz.waybill.example/witness+583e313e+BF4KEO3po/ZH/0v0ifcC37B8pJQrIkrDJbapULfy9mFx";
/* c2sp.org/signed-note, the example key */
static const char spec_vkey[] =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
/* golang.org/x/mod/sumdb/note, the documented example (both halves public) */
static const char go_skey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char go_vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

/* a text and a checkpoint body that parsed key strings sign */
static const char probe_text[] = "fuzz_note probe\n";
static const char probe_checkpoint[] =
    "fuzz.waybill.example/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
#define PROBE_TIMESTAMP 1795000000u

enum { V_LOG, V_WITNESS, V_SPEC, V_GO, N_VERIFIERS };

/* Built on the first call and kept for the whole process on purpose. */
static wb_note_signer *log_signer, *witness_signer, *go_signer;
static const wb_note_verifier *verifiers[N_VERIFIERS];

static wb_note_signer *load_signer(const char *skey, const char *vkey)
{
    wb_note_signer *signer = NULL;
    wb_note_verifier *verifier = NULL;
    char *encoded = NULL;

    if (wb_note_signer_parse(&signer, skey, strlen(skey)) < 0 ||
        wb_note_signer_verifier(&verifier, signer) < 0 ||
        wb_note_verifier_encode(&encoded, verifier) < 0 || strcmp(encoded, vkey) != 0)
        abort();
    wb_free(encoded);
    wb_note_verifier_free(verifier);
    return signer;
}

static const wb_note_verifier *load_verifier(const char *vkey)
{
    wb_note_verifier *verifier = NULL;

    if (wb_note_verifier_parse(&verifier, vkey, strlen(vkey)) < 0)
        abort();
    return verifier;
}

static void setup(void)
{
    if (log_signer)
        return;
    log_signer = load_signer(fuzz_log_skey, fuzz_log_vkey);
    witness_signer = load_signer(fuzz_witness_skey, fuzz_witness_vkey);
    go_signer = load_signer(go_skey, go_vkey);
    verifiers[V_LOG] = load_verifier(fuzz_log_vkey);
    verifiers[V_WITNESS] = load_verifier(fuzz_witness_vkey);
    verifiers[V_SPEC] = load_verifier(spec_vkey);
    verifiers[V_GO] = load_verifier(go_vkey);
}

/* Standard base64 with padding, written here rather than taken from the
 * library so that the layout check does not trust the code it checks.
 * `out` has room for 4 * ((len + 2) / 3) + 1 bytes; returns the length. */
static size_t base64_encode(char *out, const unsigned char *in, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;

    for (i = 0; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

/* Where each signature line of the input starts and how long it is, with
 * its newline. */
typedef struct {
    size_t offset[WB_NOTE_MAX_SIGNATURES];
    size_t len[WB_NOTE_MAX_SIGNATURES];
    size_t count;
} line_map;

/* The parsed note must be the input, cut at its last blank line. */
static void check_layout(line_map *lines, const wb_note *note, const uint8_t *data, size_t size)
{
    size_t text_len = 0, pos, i, n = wb_note_signature_count(note);
    const char *text = wb_note_text(note, &text_len);
    unsigned char *raw = NULL;
    char *expected = NULL;

    if (!text || text_len == 0 || text_len + 2 > size || strlen(text) != text_len ||
        text[text_len - 1] != '\n' || memcmp(text, data, text_len) != 0 || data[text_len] != '\n')
        abort();
    /* the last blank line: no empty line after it */
    for (pos = text_len + 1; pos < size; pos++)
        if (data[pos] == '\n' && data[pos - 1] == '\n')
            abort();
    if (n == 0 || n > WB_NOTE_MAX_SIGNATURES || wb_note_signature_at(note, n))
        abort();

    pos = text_len + 1;
    for (i = 0; i < n; i++) {
        const wb_note_signature *sig = wb_note_signature_at(note, i);
        size_t name_len, raw_len, b64_len, line_len;

        if (!sig || !sig->name || !sig->signature || sig->signature_len == 0 ||
            sig->signature_len > WB_NOTE_SIG_LINE_MAX)
            abort();
        name_len = strlen(sig->name);
        if (name_len == 0 || strchr(sig->name, '+') || strchr(sig->name, ' '))
            abort();
        raw_len = 4 + sig->signature_len;
        raw = malloc(raw_len);
        expected = malloc(3 + name_len + 1 + 4 * ((raw_len + 2) / 3) + 2);
        if (!raw || !expected)
            abort();
        raw[0] = (unsigned char)(sig->key_id >> 24);
        raw[1] = (unsigned char)(sig->key_id >> 16);
        raw[2] = (unsigned char)(sig->key_id >> 8);
        raw[3] = (unsigned char)sig->key_id;
        memcpy(raw + 4, sig->signature, sig->signature_len);
        memcpy(expected, EM_DASH " ", 4);
        memcpy(expected + 4, sig->name, name_len);
        expected[4 + name_len] = ' ';
        b64_len = base64_encode(expected + 5 + name_len, raw, raw_len);
        line_len = 5 + name_len + b64_len;
        expected[line_len++] = '\n';
        if (pos + line_len > size || memcmp(data + pos, expected, line_len) != 0)
            abort();
        lines->offset[i] = pos;
        lines->len[i] = line_len;
        pos += line_len;
        free(raw);
        free(expected);
    }
    if (pos != size)
        abort();
    lines->count = n;
}

/* The known key that line `sig` names, or N_VERIFIERS. */
static size_t known_key(const wb_note_signature *sig)
{
    size_t v;

    for (v = 0; v < N_VERIFIERS; v++)
        if (wb_note_verifier_key_id(verifiers[v]) == sig->key_id &&
            strcmp(wb_note_verifier_name(verifiers[v]), sig->name) == 0)
            return v;
    return N_VERIFIERS;
}

/* Verify one signature line alone: the note of the same text and that line
 * only. 0 or WB_EVERIFY, or another code when it could not be checked. */
static int verify_line(size_t which, const char *text, size_t text_len, const uint8_t *line,
                       size_t line_len)
{
    unsigned char verified[N_VERIFIERS];
    size_t len = text_len + 1 + line_len, v;
    wb_note *alone = NULL;
    char *msg = malloc(len);
    int rc;

    if (!msg)
        abort();
    memcpy(msg, text, text_len);
    msg[text_len] = '\n';
    memcpy(msg + text_len + 1, line, line_len);
    rc = wb_note_parse(&alone, msg, len);
    free(msg);
    if (rc == WB_ENOMEM)
        return rc;
    if (rc < 0 || wb_note_signature_count(alone) != 1)
        abort(); /* the line parsed in the whole note */
    rc = wb_note_verify(alone, verifiers, N_VERIFIERS, verified);
    for (v = 0; v < N_VERIFIERS && (rc == 0 || rc == WB_EVERIFY); v++)
        if (verified[v] != (rc == 0 && v == which))
            abort();
    wb_note_free(alone);
    return rc;
}

/* Check the verdict of wb_note_verify() against the lines checked one by
 * one; returns it (or 1 when it could not be checked). */
static int check_verdict(const wb_note *note, const line_map *lines, const uint8_t *data,
                         size_t size)
{
    const wb_note_verifier *reversed[N_VERIFIERS];
    unsigned char verified[N_VERIFIERS], verified_reversed[N_VERIFIERS];
    unsigned char expected[N_VERIFIERS] = {0};
    size_t text_len = 0, i, v;
    const char *text = wb_note_text(note, &text_len);
    int rc, rc_again, known = 0, failed = 0;
    wb_note *opened = NULL;

    /* no known key, no verified signature */
    if (wb_note_verify(note, NULL, 0, NULL) != WB_EVERIFY)
        abort();
    rc = wb_note_verify(note, verifiers, N_VERIFIERS, verified);
    if (rc != 0 && rc != WB_EVERIFY)
        return 1;
    for (i = 0; i < lines->count; i++) {
        size_t which = known_key(wb_note_signature_at(note, i));
        int line_rc;

        if (which == N_VERIFIERS)
            continue; /* unknown keys are ignored */
        known = 1;
        line_rc = verify_line(which, text, text_len, data + lines->offset[i], lines->len[i]);
        if (line_rc != 0 && line_rc != WB_EVERIFY)
            return 1;
        if (line_rc == 0)
            expected[which] = 1;
        else
            failed = 1;
    }
    if ((rc == 0) != (known && !failed))
        abort();
    for (v = 0; v < N_VERIFIERS; v++)
        if (verified[v] != (rc == 0 && expected[v]))
            abort();

    /* the order of the keys does not matter */
    for (v = 0; v < N_VERIFIERS; v++)
        reversed[v] = verifiers[N_VERIFIERS - 1 - v];
    rc_again = wb_note_verify(note, reversed, N_VERIFIERS, verified_reversed);
    if (rc_again == 0 || rc_again == WB_EVERIFY) {
        if (rc_again != rc)
            abort();
        for (v = 0; v < N_VERIFIERS; v++)
            if (verified_reversed[N_VERIFIERS - 1 - v] != verified[v])
                abort();
    }

    /* wb_note_open() is parse then verify */
    rc_again =
        wb_note_open(&opened, (const char *)data, size, verifiers, N_VERIFIERS, verified_reversed);
    if (rc_again == 0 || rc_again == WB_EVERIFY) {
        if (rc_again != rc || (rc == 0) != (opened != NULL) ||
            memcmp(verified_reversed, verified, N_VERIFIERS) != 0)
            abort();
        if (opened && wb_note_signature_count(opened) != lines->count)
            abort();
    }
    wb_note_free(opened);
    return rc;
}

/* Sign the parsed text again by the fuzz key and the Go key. */
static void check_resign(const wb_note *note)
{
    const wb_note_signer *signers[2] = {log_signer, go_signer};
    unsigned char verified[N_VERIFIERS];
    size_t text_len = 0, again_len = 0, signed_len = 0, line_len[2] = {0, 0}, i;
    const char *text = wb_note_text(note, &text_len), *again_text;
    char *signed_note = NULL, *line[2] = {NULL, NULL};
    wb_note *again = NULL;
    int rc;

    rc = wb_note_sign(&signed_note, &signed_len, text, text_len, signers, 2);
    if (rc == WB_ENOMEM)
        return;
    if (rc < 0 || !signed_note || strlen(signed_note) != signed_len)
        abort(); /* a text that parsed is a text that can be signed */
    for (i = 0; i < 2; i++) {
        rc = wb_note_signature_line(&line[i], &line_len[i], signers[i], text, text_len);
        if (rc == WB_ENOMEM)
            goto out;
        if (rc < 0)
            abort();
    }
    /* Ed25519 is deterministic: the same lines, after the text and a blank line */
    if (signed_len != text_len + 1 + line_len[0] + line_len[1] ||
        memcmp(signed_note, text, text_len) != 0 || signed_note[text_len] != '\n' ||
        memcmp(signed_note + text_len + 1, line[0], line_len[0]) != 0 ||
        memcmp(signed_note + text_len + 1 + line_len[0], line[1], line_len[1]) != 0)
        abort();

    rc = wb_note_parse(&again, signed_note, signed_len);
    if (rc == WB_ENOMEM)
        goto out;
    if (rc < 0)
        abort();
    again_text = wb_note_text(again, &again_len);
    if (again_len != text_len || memcmp(again_text, text, text_len) != 0 ||
        wb_note_signature_count(again) != 2 || known_key(wb_note_signature_at(again, 0)) != V_LOG ||
        known_key(wb_note_signature_at(again, 1)) != V_GO ||
        wb_note_signature_at(again, 0)->signature_len != 64 ||
        wb_note_signature_at(again, 1)->signature_len != 64)
        abort();
    rc = wb_note_verify(again, verifiers, N_VERIFIERS, verified);
    if (rc == 0 || rc == WB_EVERIFY) {
        if (rc != 0 || !verified[V_LOG] || !verified[V_GO] || verified[V_WITNESS] ||
            verified[V_SPEC])
            abort();
    }
out:
    wb_note_free(again);
    wb_free(line[0]);
    wb_free(line[1]);
    wb_free(signed_note);
}

/* A key string that parsed encodes back to the input, but for the case of
 * the key ID's hex digits (after `skip` bytes of prefix and the name). */
static void check_encoding(const char *encoded, const uint8_t *data, size_t size, size_t skip)
{
    const uint8_t *plus = memchr(data + skip, '+', size - skip);
    size_t i, id_start;

    if (!encoded || !plus || strlen(encoded) != size)
        abort();
    id_start = (size_t)(plus - data) + 1;
    for (i = 0; i < size; i++) {
        uint8_t c = data[i];
        if (i >= id_start && i < id_start + 8 && c >= 'A' && c <= 'F')
            c = (uint8_t)(c - 'A' + 'a');
        if ((uint8_t)encoded[i] != c)
            abort();
    }
}

static void check_verifier_key(const uint8_t *data, size_t size)
{
    wb_note_verifier *verifier = NULL;
    char *encoded = NULL;
    int rc = wb_note_verifier_parse(&verifier, (const char *)data, size);

    if (rc < 0) {
        if (verifier)
            abort();
        return;
    }
    if (!verifier || (wb_note_verifier_type(verifier) != WB_NOTE_ED25519 &&
                      wb_note_verifier_type(verifier) != WB_NOTE_COSIGNATURE_V1))
        abort();
    rc = wb_note_verifier_encode(&encoded, verifier);
    if (rc < 0 && rc != WB_ENOMEM)
        abort();
    if (rc == 0)
        check_encoding(encoded, data, size, 0);
    wb_free(encoded);
    wb_note_verifier_free(verifier);
}

/* What a parsed signer signs verifies with its verifier. */
static void check_signer_signs(const wb_note_signer *signer, const wb_note_verifier *verifier)
{
    const wb_note_signer *log_only[1] = {log_signer};
    char *signed_note = NULL, *cosig = NULL, *both = NULL;
    size_t signed_len = 0, cosig_len = 0;
    const char *text = probe_text;
    size_t text_len = strlen(probe_text);
    wb_note *note = NULL;
    uint64_t timestamp = 0;
    int rc;

    if (wb_note_signer_type(signer) == WB_NOTE_ED25519) {
        rc = wb_note_sign(&signed_note, &signed_len, text, text_len, &signer, 1);
    } else {
        /* a cosigner signs checkpoints only: log signature, then cosignature */
        text = probe_checkpoint;
        text_len = strlen(probe_checkpoint);
        rc = wb_note_sign(&signed_note, &signed_len, text, text_len, log_only, 1);
        if (rc == 0)
            rc = wb_cosig_sign(&cosig, &cosig_len, signer, text, text_len, PROBE_TIMESTAMP);
        if (rc == 0) {
            both = malloc(signed_len + cosig_len + 1);
            if (!both)
                abort();
            memcpy(both, signed_note, signed_len);
            memcpy(both + signed_len, cosig, cosig_len + 1);
            wb_free(signed_note);
            signed_note = both;
            signed_len += cosig_len;
        }
    }
    if (rc == WB_ENOMEM)
        goto out;
    if (rc < 0)
        abort();
    rc = wb_note_parse(&note, signed_note, signed_len);
    if (rc == WB_ENOMEM)
        goto out;
    if (rc < 0)
        abort();
    rc = wb_note_verify(note, &verifier, 1, NULL);
    if (rc == WB_EVERIFY)
        abort();
    if (wb_note_signer_type(signer) == WB_NOTE_COSIGNATURE_V1) {
        rc = wb_cosig_verify(&timestamp, note, verifier);
        if (rc == WB_EVERIFY || rc == WB_EFORMAT || (rc == 0 && timestamp != PROBE_TIMESTAMP))
            abort();
    }
out:
    wb_note_free(note);
    if (both)
        free(both);
    else
        wb_free(signed_note);
    wb_free(cosig);
}

static void check_signer_key(const uint8_t *data, size_t size)
{
    wb_note_signer *signer = NULL;
    wb_note_verifier *verifier = NULL;
    char *encoded = NULL;
    int rc = wb_note_signer_parse(&signer, (const char *)data, size);

    if (rc < 0) {
        if (signer)
            abort();
        return;
    }
    if (!signer || (wb_note_signer_type(signer) != WB_NOTE_ED25519 &&
                    wb_note_signer_type(signer) != WB_NOTE_COSIGNATURE_V1))
        abort();
    rc = wb_note_signer_encode(&encoded, signer);
    if (rc < 0 && rc != WB_ENOMEM)
        abort();
    if (rc == 0)
        check_encoding(encoded, data, size, strlen("PRIVATE+KEY+"));
    if (encoded) {
        memset(encoded, 0, strlen(encoded));
        wb_free(encoded);
    }
    rc = wb_note_signer_verifier(&verifier, signer);
    if (rc < 0 && rc != WB_ENOMEM)
        abort();
    if (rc == 0) {
        if (strcmp(wb_note_verifier_name(verifier), wb_note_signer_name(signer)) != 0 ||
            wb_note_verifier_key_id(verifier) != wb_note_signer_key_id(signer) ||
            wb_note_verifier_type(verifier) != wb_note_signer_type(signer))
            abort();
        check_signer_signs(signer, verifier);
    }
    wb_note_verifier_free(verifier);
    wb_note_signer_free(signer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_note *note = NULL;
    line_map *lines;

    setup();
    if (size <= 2 * WB_NOTE_KEY_MAX) {
        check_verifier_key(data, size);
        check_signer_key(data, size);
    }
    if (wb_note_parse(&note, (const char *)data, size) < 0) {
        if (note)
            abort();
        return 0;
    }
    lines = calloc(1, sizeof(*lines));
    if (!lines)
        abort();
    check_layout(lines, note, data, size);
    check_verdict(note, lines, data, size);
    check_resign(note);
    free(lines);
    wb_note_free(note);
    return 0;
}
