/*
 * fuzz_checkpoint.c: C2SP checkpoints (tlog-checkpoint) and their
 * cosignatures (tlog-cosignature).
 *
 * A client reads checkpoints from logs and witnesses it does not control.
 * Each input is tried as a checkpoint body (wb_checkpoint_parse()) and as a
 * signed note; when it parses as a note, its text is tried as a body too,
 * the note is opened as a checkpoint with each of two log keys
 * (wb_checkpoint_open()) and its cosignatures are checked with each of five
 * witness keys (wb_cosig_verify()). The keys, built once on the first call:
 * the log and witness keys made for fuzzing (the same as in fuzz_note.c,
 * private halves embedded, throwaway test data), and the log key and four
 * witness keys of a real checkpoint of arche2025h1.staging.ct.transparency.dev
 * (one of the seeds). Checked with abort():
 *  - a body that parses has a non-empty origin, at most
 *    WB_CHECKPOINT_MAX_EXTENSIONS non-empty extension lines, and
 *    wb_checkpoint_format() of its fields gives the input byte for byte (the
 *    parser accepts one spelling per checkpoint); that output parses to the
 *    same origin, size, root and extensions and formats to the same bytes;
 *  - the body signed by the fuzz log key and cosigned by the fuzz witness
 *    key (timestamp: the tree size, capped at 2^63 - 1) opens with the log
 *    key and its origin, to the same fields, not with another origin, and
 *    its cosignature verifies with that timestamp;
 *  - wb_checkpoint_open() succeeds exactly when the note verifies with the
 *    log key alone and its text parses as a checkpoint, and then gives the
 *    fields wb_checkpoint_parse() gives for that text;
 *  - wb_cosig_verify() fails with the checkpoint parser's code when the text
 *    is not a checkpoint; otherwise it succeeds exactly when the note has at
 *    least one line by the witness key and each such line verifies alone
 *    (in a note of the same text and that line), and then reports the
 *    latest timestamp of those lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "waybill/waybill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Made once with wb_note_signer_generate() (see fuzz_note.c). */
static const char fuzz_log_skey[] =
    "PRIVATE+KEY+fuzz.waybill.example/log+783efd00+Aea94nSTxjJSe94L6wlKQHXQOkLlV0tLzYqGSUeSBAJ9";
static const char fuzz_witness_skey[] = "PRIVATE+KEY+fuzz.waybill.example/witness+583e313e+"
                                        "BD2x2wtTzuQJlcVWBBm7Xlcj/hBPuvDQVrbk8O5TSbQ/";

/* The log and witnesses of a real checkpoint (corpora/checkpoint/
 * arche-cosigned.note, also in tests/unit/test_note.c). */
static const char arche_log_vkey[] = "arche2025h1.staging.ct.transparency.dev+ba2f06c0+"
                                     "AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f";
static const char *const arche_witness_vkeys[] = {
    "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
    "witness.stagemole.eu+67f7aea0+BEqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqklv",
    ("transparency.dev/DEV:witness-little-garden+d8042a87+"
     "BCtusOxINQNUTN5Oj8HObRkh2yHf/MwYaGX4CPdiVEPM"),
    "witness1.smartit.nu/witness1+a48c820f+BPSFWg9G6KPiO7QPryYO5Xq4oYJJ+kAvLKLSimDhoxMO",
};

#define N_LOGS      2
#define N_WITNESSES 5
#define COSIG_LEN   (8 + 64) /* timestamp || Ed25519 signature */

/* Built on the first call and kept for the whole process on purpose. */
static wb_note_signer *log_signer, *witness_signer;
static wb_note_verifier *log_keys[N_LOGS];          /* [0]: the fuzz log */
static wb_note_verifier *witness_keys[N_WITNESSES]; /* [0]: the fuzz witness */

static wb_note_signer *load_signer(const char *skey)
{
    wb_note_signer *signer = NULL;

    if (wb_note_signer_parse(&signer, skey, strlen(skey)) < 0)
        abort();
    return signer;
}

static wb_note_verifier *load_verifier(const char *vkey)
{
    wb_note_verifier *verifier = NULL;

    if (wb_note_verifier_parse(&verifier, vkey, strlen(vkey)) < 0)
        abort();
    return verifier;
}

static void setup(void)
{
    size_t i;

    if (log_signer)
        return;
    log_signer = load_signer(fuzz_log_skey);
    witness_signer = load_signer(fuzz_witness_skey);
    if (wb_note_signer_verifier(&log_keys[0], log_signer) < 0 ||
        wb_note_signer_verifier(&witness_keys[0], witness_signer) < 0)
        abort();
    log_keys[1] = load_verifier(arche_log_vkey);
    for (i = 0; i < N_WITNESSES - 1; i++)
        witness_keys[i + 1] = load_verifier(arche_witness_vkeys[i]);
}

static void check_same(const wb_checkpoint *a, const wb_checkpoint *b)
{
    size_t i;

    if (strcmp(a->origin, b->origin) != 0 || a->size != b->size ||
        memcmp(a->root.bytes, b->root.bytes, sizeof(a->root.bytes)) != 0 ||
        a->n_extensions != b->n_extensions)
        abort();
    for (i = 0; i < a->n_extensions; i++)
        if (strcmp(a->extensions[i], b->extensions[i]) != 0)
            abort();
}

static int format(char **out, size_t *out_len, const wb_checkpoint *checkpoint)
{
    return wb_checkpoint_format(out, out_len, checkpoint->origin, checkpoint->size,
                                &checkpoint->root, (const char *const *)checkpoint->extensions,
                                checkpoint->n_extensions);
}

/* Sign `body` with the fuzz log key, cosign it with the fuzz witness key,
 * and open the result. */
static void check_signed(const char *body, size_t body_len, const wb_checkpoint *checkpoint)
{
    const wb_note_signer *signers[1] = {log_signer};
    uint64_t timestamp =
                 checkpoint->size > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : checkpoint->size,
             timestamp_out = 0;
    char *signed_note = NULL, *cosig = NULL, *both = NULL, *other_origin = NULL;
    size_t signed_len = 0, cosig_len = 0, origin_len = strlen(checkpoint->origin);
    wb_checkpoint *opened = NULL, *refused = NULL;
    wb_note *note = NULL, *refused_note = NULL;
    int rc;

    rc = wb_note_sign(&signed_note, &signed_len, body, body_len, signers, 1);
    if (rc == 0)
        rc = wb_cosig_sign(&cosig, &cosig_len, witness_signer, body, body_len, timestamp);
    if (rc == WB_ENOMEM)
        goto out;
    if (rc < 0)
        abort(); /* a checkpoint that parsed can be signed and cosigned */
    both = malloc(signed_len + cosig_len + 1);
    other_origin = malloc(origin_len + 2);
    if (!both || !other_origin)
        abort();
    memcpy(both, signed_note, signed_len);
    memcpy(both + signed_len, cosig, cosig_len + 1);
    memcpy(other_origin, checkpoint->origin, origin_len);
    memcpy(other_origin + origin_len, "x", 2);

    rc = wb_checkpoint_open(&opened, &note, both, signed_len + cosig_len, checkpoint->origin,
                            log_keys[0]);
    if (rc == WB_ENOMEM)
        goto out;
    if (rc < 0 || !opened || !note)
        abort();
    check_same(opened, checkpoint);
    rc = wb_cosig_verify(&timestamp_out, note, witness_keys[0]);
    if (rc == WB_EVERIFY || rc == WB_EFORMAT || (rc == 0 && timestamp_out != timestamp))
        abort();
    /* no line by another witness */
    rc = wb_cosig_verify(NULL, note, witness_keys[1]);
    if (rc == 0 || rc == WB_EFORMAT)
        abort();

    rc = wb_checkpoint_open(&refused, &refused_note, both, signed_len + cosig_len, other_origin,
                            log_keys[0]);
    if (rc == 0 || refused || refused_note || (rc != WB_EVERIFY && rc != WB_ENOMEM))
        abort();
    rc = wb_checkpoint_open(&refused, NULL, both, signed_len + cosig_len, NULL, log_keys[1]);
    if (rc == 0 || refused || (rc != WB_EVERIFY && rc != WB_ENOMEM))
        abort();
out:
    wb_checkpoint_free(opened);
    wb_note_free(note);
    free(other_origin);
    free(both);
    wb_free(cosig);
    wb_free(signed_note);
}

/* `text` as a checkpoint body. */
static void check_body(const char *text, size_t len)
{
    wb_checkpoint *checkpoint = NULL, *again = NULL;
    char *formatted = NULL, *formatted_again = NULL;
    size_t formatted_len = 0, formatted_again_len = 0, i;
    int rc = wb_checkpoint_parse(&checkpoint, text, len);

    if (rc < 0) {
        if (checkpoint)
            abort();
        return;
    }
    if (!checkpoint || !checkpoint->origin || checkpoint->origin[0] == '\0' ||
        checkpoint->n_extensions > WB_CHECKPOINT_MAX_EXTENSIONS ||
        (checkpoint->n_extensions && !checkpoint->extensions))
        abort();
    for (i = 0; i < checkpoint->n_extensions; i++)
        if (!checkpoint->extensions[i] || checkpoint->extensions[i][0] == '\0' ||
            strchr(checkpoint->extensions[i], '\n'))
            abort();

    rc = format(&formatted, &formatted_len, checkpoint);
    if (rc == WB_ENOMEM)
        goto out;
    if (rc < 0 || !formatted || strlen(formatted) != formatted_len)
        abort();
    /* one spelling per checkpoint: what parsed is what formats */
    if (formatted_len != len || memcmp(formatted, text, len) != 0)
        abort();
    rc = wb_checkpoint_parse(&again, formatted, formatted_len);
    if (rc == WB_ENOMEM)
        goto out;
    if (rc < 0)
        abort();
    check_same(again, checkpoint);
    rc = format(&formatted_again, &formatted_again_len, again);
    if (rc == WB_ENOMEM)
        goto out;
    if (rc < 0 || formatted_again_len != formatted_len ||
        memcmp(formatted_again, formatted, formatted_len) != 0)
        abort();
    check_signed(formatted, formatted_len, checkpoint);
out:
    wb_free(formatted_again);
    wb_free(formatted);
    wb_checkpoint_free(again);
    wb_checkpoint_free(checkpoint);
}

/* wb_checkpoint_open() is note parse, verify with the log key alone, and
 * checkpoint parse of the text. `note` is the input parsed, or NULL. */
static void check_open(const uint8_t *data, size_t size, const wb_note *note,
                       wb_note_verifier *log_key)
{
    const wb_note_verifier *keys[1] = {log_key};
    wb_checkpoint *opened = NULL, *parsed = NULL;
    wb_note *opened_note = NULL;
    size_t text_len = 0, opened_len = 0;
    const char *text;
    int rc, verify_rc, parse_rc;

    rc = wb_checkpoint_open(&opened, &opened_note, (const char *)data, size, NULL, log_key);
    if (rc < 0) {
        if (opened || opened_note)
            abort();
        if (!note || rc == WB_ENOMEM || rc == WB_ECRYPTO)
            return;
    } else if (!note || !opened || !opened_note) {
        abort();
    }
    text = wb_note_text(note, &text_len);
    verify_rc = wb_note_verify(note, keys, 1, NULL);
    parse_rc = wb_checkpoint_parse(&parsed, text, text_len);
    if (verify_rc == WB_ENOMEM || verify_rc == WB_ECRYPTO || parse_rc == WB_ENOMEM)
        goto out;
    if ((rc == 0) != (verify_rc == 0 && parse_rc == 0))
        abort();
    if (rc == 0) {
        const char *opened_text = wb_note_text(opened_note, &opened_len);
        check_same(opened, parsed);
        if (opened_len != text_len || memcmp(opened_text, text, text_len) != 0 ||
            wb_note_signature_count(opened_note) != wb_note_signature_count(note))
            abort();
    }
out:
    wb_checkpoint_free(parsed);
    wb_checkpoint_free(opened);
    wb_note_free(opened_note);
}

/* Verify the one signature line `line` (with its newline) alone. */
static int cosig_verify_line(const char *text, size_t text_len, const uint8_t *line,
                             size_t line_len, const wb_note_verifier *witness)
{
    size_t len = text_len + 1 + line_len;
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
    rc = wb_cosig_verify(NULL, alone, witness);
    wb_note_free(alone);
    return rc;
}

static void check_cosig(const uint8_t *data, size_t size, const wb_note *note,
                        const wb_note_verifier *witness)
{
    size_t text_len = 0, n = wb_note_signature_count(note), i, found = 0, pos;
    const char *text = wb_note_text(note, &text_len);
    uint64_t timestamp = 0, latest = 0;
    wb_checkpoint *checkpoint = NULL;
    int rc, parse_rc, failed = 0;

    parse_rc = wb_checkpoint_parse(&checkpoint, text, text_len);
    wb_checkpoint_free(checkpoint);
    rc = wb_cosig_verify(&timestamp, note, witness);
    if (parse_rc == WB_ENOMEM || rc == WB_ENOMEM || rc == WB_ECRYPTO)
        return;
    if (parse_rc < 0) {
        if (rc != parse_rc)
            abort();
        return;
    }
    if (rc != 0 && rc != WB_EVERIFY)
        abort();

    pos = text_len + 1; /* the first signature line */
    for (i = 0; i < n; i++) {
        const wb_note_signature *sig = wb_note_signature_at(note, i);
        const uint8_t *end = memchr(data + pos, '\n', size - pos);
        size_t line_len = (size_t)(end - (data + pos)) + 1;

        if (sig->key_id == wb_note_verifier_key_id(witness) &&
            strcmp(sig->name, wb_note_verifier_name(witness)) == 0) {
            int line_rc = cosig_verify_line(text, text_len, data + pos, line_len, witness);
            uint64_t line_timestamp = 0;
            size_t b;

            if (line_rc != 0 && line_rc != WB_EVERIFY)
                return;
            found++;
            if (line_rc == 0) {
                if (sig->signature_len != COSIG_LEN)
                    abort();
                for (b = 0; b < 8; b++)
                    line_timestamp = line_timestamp << 8 | sig->signature[b];
                if (line_timestamp > (uint64_t)INT64_MAX)
                    abort();
                if (line_timestamp > latest)
                    latest = line_timestamp;
            } else {
                failed = 1;
            }
        }
        pos += line_len;
    }
    if ((rc == 0) != (found > 0 && !failed))
        abort();
    if (rc == 0 && timestamp != latest)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_note *note = NULL;
    size_t text_len = 0, i;
    const char *text;

    setup();
    check_body((const char *)data, size);
    if (wb_note_parse(&note, (const char *)data, size) < 0) {
        if (note)
            abort();
        check_open(data, size, NULL, log_keys[0]);
        return 0;
    }
    text = wb_note_text(note, &text_len);
    check_body(text, text_len);
    for (i = 0; i < N_LOGS; i++)
        check_open(data, size, note, log_keys[i]);
    for (i = 0; i < N_WITNESSES; i++)
        check_cosig(data, size, note, witness_keys[i]);
    wb_note_free(note);
    return 0;
}
