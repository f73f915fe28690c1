/*
 * witness_ep.c: POST /add-checkpoint, the C2SP tlog-witness call
 * (witness_ep.h, docs/server.md, c2sp.org/tlog-witness).
 *
 * All of the witnessing is the library's (wb_witness_add_parse,
 * wb_witness_add_checkpoint): the strict body parser, the per-origin
 * state under an exclusive lock held from the check to the durable
 * rename, the cosignature. This file picks the log key by the
 * checkpoint's origin (an origin not configured is 404 before anything is
 * verified or locked) and maps the library's verdict to the status the
 * spec gives it: 403 for a signature that does not verify with the log's
 * key, 409 with the witness's size as text/x.tlog.size when the client's
 * old size is not the one recorded, 409 (JSON) for another root at the
 * recorded size, 422 for a proof that does not verify, 400 for anything
 * malformed, 200 with the cosignature line.
 *
 * The witness key is loaded as `waybill log witness` loads it: a note
 * signer key file of type 0x04, or a `waybill keygen` Ed25519 key with a
 * name; either must be private to its owner.
 */
#include "witness_ep.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <waybill/waybill.h>

#include "tls.h"

#define NOTE_KEY_PREFIX "PRIVATE+KEY+"

struct wbd_witness {
    wb_note_signer *signer;
    char *vkey;
    char *state_dir;
    wb_note_verifier *logs[WBD_WITNESS_MAX_LOGS];
    size_t n_logs;
};

void wbd_witness_free(wbd_witness *witness)
{
    size_t i;

    if (!witness)
        return;
    wb_note_signer_free(witness->signer);
    wb_free(witness->vkey);
    free(witness->state_dir);
    for (i = 0; i < witness->n_logs; i++)
        wb_note_verifier_free(witness->logs[i]);
    free(witness);
}

const char *wbd_witness_vkey(const wbd_witness *witness)
{
    return witness->vkey;
}

static void trim_end(char *text, size_t *len)
{
    while (*len > 0 && (text[*len - 1] == '\n' || text[*len - 1] == '\r' || text[*len - 1] == ' ' ||
                        text[*len - 1] == '\t'))
        text[--*len] = '\0';
}

static int load_signer(wb_note_signer **out, const char *path, const char *name)
{
    struct stat st;
    char *text = NULL;
    size_t len = 0;
    wb_key *key = NULL;
    int rc, ret = -1;

    *out = NULL;
    if (wbd_read_small_file(&text, &len, path, WBD_SMALL_FILE_MAX, "--witness-key") < 0)
        return -1;
    if (strncmp(text, NOTE_KEY_PREFIX, strlen(NOTE_KEY_PREFIX)) == 0) {
        if (name) {
            fprintf(stderr,
                    "waybilld: --witness-name is for `waybill keygen` keys; the note "
                    "signer key %s carries its own name\n",
                    path);
            goto out;
        }
        if (stat(path, &st) < 0 || (st.st_mode & 077)) {
            fprintf(stderr,
                    "waybilld: --witness-key %s: private key file is accessible by group or "
                    "others; refusing it: run chmod 600 %s\n",
                    path, path);
            goto out;
        }
        trim_end(text, &len);
        if ((rc = wb_note_signer_parse(out, text, len)) < 0) {
            fprintf(stderr, "waybilld: --witness-key %s: %s\n", path, wb_error_last());
            goto out;
        }
        if (wb_note_signer_type(*out) != WB_NOTE_COSIGNATURE_V1) {
            fprintf(stderr,
                    "waybilld: --witness-key %s: key %s is of type 0x%02x; a witness cosigns "
                    "with a cosignature key (type 0x04)\n",
                    path, wb_note_signer_name(*out), (unsigned)wb_note_signer_type(*out));
            wb_note_signer_free(*out);
            *out = NULL;
            goto out;
        }
        ret = 0;
        goto out;
    }
    if (!name) {
        fprintf(stderr,
                "waybilld: --witness-key %s: a `waybill keygen` key needs "
                "--witness-name NAME\n",
                path);
        goto out;
    }
    rc = wb_key_load(&key, path);
    if (rc == 0)
        rc = wb_witness_signer_from_key(out, key, name);
    if (rc < 0) {
        fprintf(stderr, "waybilld: --witness-key %s: %s\n", path, wb_error_last());
        goto out;
    }
    ret = 0;
out:
    if (text) {
        explicit_bzero(text, len);
        free(text);
    }
    wb_key_free(key);
    return ret;
}

/* A log key given as the key itself or as a file holding it. */
static int load_log_key(wb_note_verifier **out, const char *arg)
{
    struct stat st;
    char *text = NULL;
    size_t len;
    int rc;

    *out = NULL;
    if (stat(arg, &st) == 0) {
        if (wbd_read_small_file(&text, &len, arg, 4096, "--witness-log") < 0)
            return -1;
        trim_end(text, &len);
        rc = wb_note_verifier_parse(out, text, len);
    } else {
        rc = wb_note_verifier_parse(out, arg, strlen(arg));
    }
    free(text);
    if (rc < 0) {
        fprintf(stderr,
                "waybilld: --witness-log %s: not a note verifier key nor a file holding "
                "one: %s\n",
                arg, wb_error_last());
        return -1;
    }
    if (wb_note_verifier_type(*out) != WB_NOTE_ED25519) {
        fprintf(stderr,
                "waybilld: --witness-log %s: key %s is not an Ed25519 (type 0x01) log key\n", arg,
                wb_note_verifier_name(*out));
        wb_note_verifier_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int wbd_witness_new(wbd_witness **out, const char *key_path, const char *name,
                    const char *state_dir, const char *const *logs, size_t n_logs)
{
    wbd_witness *witness;
    wb_note_verifier *verifier = NULL;
    size_t i, j;

    *out = NULL;
    if (n_logs == 0) {
        fprintf(stderr, "waybilld: --witness-key needs at least one --witness-log VKEY\n");
        return -1;
    }
    if (n_logs > WBD_WITNESS_MAX_LOGS) {
        fprintf(stderr, "waybilld: at most %d --witness-log\n", WBD_WITNESS_MAX_LOGS);
        return -1;
    }
    witness = calloc(1, sizeof(*witness));
    if (!witness || !(witness->state_dir = strdup(state_dir))) {
        fprintf(stderr, "waybilld: out of memory\n");
        goto fail;
    }
    if (load_signer(&witness->signer, key_path, name) < 0)
        goto fail;
    if (wb_note_signer_verifier(&verifier, witness->signer) < 0 ||
        wb_note_verifier_encode(&witness->vkey, verifier) < 0) {
        fprintf(stderr, "waybilld: --witness-key %s: %s\n", key_path, wb_error_last());
        goto fail;
    }
    wb_note_verifier_free(verifier);
    verifier = NULL;
    for (i = 0; i < n_logs; i++) {
        if (load_log_key(&witness->logs[i], logs[i]) < 0)
            goto fail;
        witness->n_logs++;
        /* one key per origin: the origin picks the key */
        for (j = 0; j < i; j++)
            if (strcmp(wb_note_verifier_name(witness->logs[j]),
                       wb_note_verifier_name(witness->logs[i])) == 0) {
                fprintf(stderr, "waybilld: --witness-log: two keys for the origin %s\n",
                        wb_note_verifier_name(witness->logs[i]));
                goto fail;
            }
    }
    *out = witness;
    return 0;
fail:
    wb_note_verifier_free(verifier);
    wbd_witness_free(witness);
    return -1;
}

void wbd_witness_reply_clear(wbd_witness_reply *reply)
{
    free(reply->body);
    memset(reply, 0, sizeof(*reply));
}

static void refuse(wbd_witness_reply *out, unsigned status, const char *error, const char *detail)
{
    out->status = status;
    out->error = error;
    snprintf(out->detail, sizeof(out->detail), "%s", detail);
}

/* The origin for a message: printable ASCII, cut. */
static void shown_origin(char *out, size_t cap, const char *origin, size_t len)
{
    size_t i, o = 0;

    for (i = 0; i < len && o + 1 < cap; i++)
        out[o++] = origin[i] >= 0x20 && origin[i] < 0x7f ? origin[i] : '?';
    out[o] = '\0';
}

void wbd_witness_answer(wbd_witness_reply *out, const wbd_witness *witness, const char *body,
                        size_t len, uint64_t now)
{
    wb_witness_add *req;
    wb_witness_result result;
    wb_witness_verdict verdict = WB_WITNESS_FAILED;
    const wb_note_verifier *log_key = NULL;
    uint64_t recorded = 0;
    char origin[130], text[32];
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    /* 63 proof hashes: on the heap, not on a worker's stack */
    req = malloc(sizeof(*req));
    if (!req) {
        refuse(out, 500, "internal", "out of memory");
        return;
    }
    if (wb_witness_add_parse(req, body, len) < 0) {
        refuse(out, 400, "bad_request", wb_error_last());
        goto out;
    }
    for (i = 0; i < witness->n_logs; i++) {
        const char *name = wb_note_verifier_name(witness->logs[i]);
        if (strlen(name) == req->origin_len && memcmp(name, req->origin, req->origin_len) == 0)
            log_key = witness->logs[i];
    }
    if (!log_key) {
        char detail[200];
        shown_origin(origin, sizeof(origin), req->origin,
                     req->origin_len > 120 ? 120 : req->origin_len);
        snprintf(detail, sizeof(detail), "this witness does not witness the log %s", origin);
        refuse(out, 404, "unknown_log", detail);
        goto out;
    }
    rc = wb_witness_add_checkpoint(&result, &verdict, &recorded, witness->state_dir,
                                   witness->signer, log_key, req, now);
    if (rc == 0)
        verdict = WB_WITNESS_COSIGNED;
    switch (verdict) {
    case WB_WITNESS_COSIGNED:
        out->status = 200;
        out->content_type = "text/plain; charset=utf-8";
        out->body = malloc(result.cosignature_len);
        if (!out->body) {
            /* recorded, but the answer cannot be made: the log asks again */
            refuse(out, 500, "internal", "out of memory");
            out->content_type = NULL;
        } else {
            memcpy(out->body, result.cosignature, result.cosignature_len);
            out->body_len = result.cosignature_len;
        }
        wb_witness_result_clear(&result);
        break;
    case WB_WITNESS_CONFLICT:
        /* the spec's answer: the size this witness holds, so the log can
         * send the proof from there */
        snprintf(text, sizeof(text), "%" PRIu64 "\n", recorded);
        out->status = 409;
        out->content_type = "text/x.tlog.size";
        out->body = strdup(text);
        out->body_len = strlen(text);
        snprintf(out->detail, sizeof(out->detail), "%s", wb_error_last());
        if (!out->body) {
            refuse(out, 500, "internal", "out of memory");
            out->content_type = NULL;
        }
        break;
    case WB_WITNESS_FORK:
        refuse(out, 409, "fork", wb_error_last());
        break;
    case WB_WITNESS_MALFORMED:
        refuse(out, 400, "bad_request", wb_error_last());
        break;
    case WB_WITNESS_BAD_SIGNATURE:
        refuse(out, 403, "bad_signature", wb_error_last());
        break;
    case WB_WITNESS_BAD_PROOF:
        refuse(out, 422, "bad_proof", wb_error_last());
        break;
    case WB_WITNESS_FAILED:
    default:
        refuse(out, 500, "internal", wb_error_last());
        break;
    }
out:
    free(req);
}
