/*
 * cmd_log_witness.c: `waybill log witness`: cosign a log's checkpoint as a
 * witness (c2sp.org/tlog-witness, c2sp.org/tlog-cosignature v1), after
 * checking it against the last checkpoint of that log this witness cosigned
 * (include/waybill/witness.h, docs/formats/witness.md).
 *
 * The library does the checking and the recording under the state's lock;
 * the command loads the keys and the inputs, and prints the cosigned
 * checkpoint only once the library has returned, that is once the new state
 * is durable.
 *
 * With --server URL the witness is remote: the command asks it for a
 * cosignature with the tlog-witness call (POST /add-checkpoint: "old N",
 * the consistency proof lines in base64, a blank line, the signed
 * checkpoint). A witness that has cosigned another size answers 409 with
 * that size (text/x.tlog.size); the command then retries once from that
 * size with a proof from the log (--log-server, waybilld). The checkpoint
 * is verified with the log key before it is sent, and the cosignature with
 * --witness-vkey, when given, before it is printed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cli.h"
#include "http.h"

static const char usage[] =
    "usage: waybill log witness --log-key VKEY --witness-key KEY [--name NAME] --state DIR\n"
    "                           CHECKPOINT [--proof FILE] [--out FILE] [--json]\n"
    "       waybill log witness --server URL --log-key VKEY [--token-file FILE]\n"
    "                           (CHECKPOINT | --log-server URL) [--log-server URL]\n"
    "                           [--old N [--proof FILE]] [--witness-vkey VKEY]\n"
    "                           [--out FILE] [--json]\n"
    "\n"
    "witness: cosign the signed CHECKPOINT (as `waybill log checkpoint` prints it)\n"
    "of the log whose verifier key is VKEY, if it is consistent with the last\n"
    "checkpoint of that log this witness cosigned (kept in DIR): with none, it is\n"
    "cosigned; a smaller size is a rollback and a same size with another root a\n"
    "fork, both refused; a larger size needs --proof, the consistency proof from\n"
    "the recorded size (`waybill log consistency --from M --json`). Prints the\n"
    "checkpoint with the witness's cosignature line appended, after recording it.\n"
    "Exit 0 cosigned, 1 refused, 2 usage, 3 unreadable, malformed or I/O error.\n"
    "\n"
    "  -L, --log-key VKEY      the log's verifier key or a file with it\n"
    "  -w, --witness-key KEY   the witness's key: a file holding a note signer key\n"
    "                          (PRIVATE+KEY+name+keyid+base64, type 0x04; its name is\n"
    "                          the witness's), or an Ed25519 key from `waybill\n"
    "                          keygen` with --name\n"
    "  -N, --name NAME         the witness's name, for a `waybill keygen` key\n"
    "  -s, --state DIR         the witness's state (created 0700 when missing)\n"
    "  -p, --proof FILE        the consistency proof (JSON) from the recorded size\n"
    "  -o, --out FILE          write the cosigned checkpoint to FILE (atomically)\n"
    "      --json              {origin, size, root, cosigned, previous_size}\n"
    "\n"
    "With --server, ask the C2SP tlog-witness at URL (POST URL/add-checkpoint)\n"
    "instead of cosigning here. The checkpoint is CHECKPOINT, or the log's\n"
    "current one from --log-server (waybilld's GET /checkpoint); it must verify\n"
    "with VKEY. The request claims the witness last cosigned size N (--old,\n"
    "default 0), with the consistency proof from N (--proof FILE, or from\n"
    "--log-server); a witness at another size answers 409 with it, and the\n"
    "request is made once more from that size with a proof from --log-server.\n"
    "Prints the checkpoint with the witness's cosignature lines appended; exit\n"
    "1 when the witness refuses (403, 404, 409, 422, ...) or its cosignature\n"
    "does not verify with --witness-vkey, 3 when it cannot be reached.\n"
    "\n"
    "      --server URL        the witness's base URL (https://, or http:// to a\n"
    "                          loopback address)\n"
    "      --log-server URL    the log's waybilld: checkpoint and proofs\n"
    "      --old N             the size the witness last cosigned, if known\n"
    "      --witness-vkey VKEY the witness's verifier key (name+keyid+base64 of\n"
    "                          0x04 and the public key), or a file with it\n"
    "      --token-file FILE   a bearer token for the witness (mode 0600)\n" CLI_HTTP_USAGE;

#define OPT_LOG_SERVER   2000
#define OPT_OLD          2001
#define OPT_WITNESS_VKEY 2002

static const struct option options[] = {
    {"log-key", required_argument, NULL, 'L'},
    {"witness-key", required_argument, NULL, 'w'},
    {"name", required_argument, NULL, 'N'},
    {"state", required_argument, NULL, 's'},
    {"proof", required_argument, NULL, 'p'},
    {"out", required_argument, NULL, 'o'},
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {"log-server", required_argument, NULL, OPT_LOG_SERVER},
    {"old", required_argument, NULL, OPT_OLD},
    {"witness-vkey", required_argument, NULL, OPT_WITNESS_VKEY},
    CLI_HTTP_LONG_OPTIONS,
    {0, 0, 0, 0},
};

#define NOTE_KEY_PREFIX "PRIVATE+KEY+"

static int witness_usage_error(const char *msg)
{
    return cli_usage_error("log", "log witness: %s", msg);
}

/* Report the library's last error as "log witness: ..." and map `rc`. */
static int witness_fail(int rc)
{
    const char *msg = wb_error_last();
    cli_errorf("log witness: %s", msg[0] ? msg : wb_error_name(rc));
    return cli_exit_status(rc == WB_EINVAL ? WB_EFORMAT : rc);
}

/* The witness's cosigner from KEY: a note signer key file, or a waybill
 * Ed25519 key with a name. Returns an exit status; errors reported. */
static int load_witness_key(wb_note_signer **out, const char *path, const char *name)
{
    struct stat st;
    char *text = NULL;
    size_t len = 0;
    wb_key *key = NULL;
    int rc, status = EXIT_OK;

    *out = NULL;
    if (stat(path, &st) < 0) {
        cli_errorf("log witness: --witness-key %s: %s", path, strerror(errno));
        return EXIT_ERROR;
    }
    if ((status = cli_read_file(&text, &len, path, 64 << 10)) != EXIT_OK)
        return status;
    if (strncmp(text, NOTE_KEY_PREFIX, strlen(NOTE_KEY_PREFIX)) == 0) {
        if (name) {
            status = witness_usage_error("--name is for `waybill keygen` keys; a note signer "
                                         "key carries its own name");
            goto out;
        }
        if (st.st_mode & 077) {
            cli_errorf("log witness: %s: private key file is accessible by group or others "
                       "(mode %04o); refusing to use it: run chmod 600 %s",
                       path, (unsigned)(st.st_mode & 07777), path);
            status = EXIT_ERROR;
            goto out;
        }
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
            text[--len] = '\0';
        rc = wb_note_signer_parse(out, text, len);
        if (rc < 0) {
            wb_error_prefix(rc, "%s: ", path);
            status = witness_fail(rc);
            goto out;
        }
        if (wb_note_signer_type(*out) != WB_NOTE_COSIGNATURE_V1) {
            cli_errorf("log witness: %s: key %s is of type 0x%02x; a witness cosigns with a "
                       "cosignature key (type 0x04)",
                       path, wb_note_signer_name(*out), (unsigned)wb_note_signer_type(*out));
            wb_note_signer_free(*out);
            *out = NULL;
            status = EXIT_ERROR;
        }
        goto out;
    }
    if (!name) {
        status = witness_usage_error("a `waybill keygen` witness key needs --name NAME");
        goto out;
    }
    rc = wb_key_load(&key, path);
    if (rc == 0)
        rc = wb_witness_signer_from_key(out, key, name);
    if (rc < 0)
        status = witness_fail(rc);
out:
    if (text) {
        OPENSSL_cleanse(text, len);
        free(text);
    }
    wb_key_free(key);
    return status;
}

/* --- a remote witness (--server) --- */

/* Bound on a witness's answer: cosignature lines, or a size. */
#define WITNESS_ANSWER_MAX ((size_t)64 << 10)

typedef struct {
    cli_http_config http; /* the witness */
    const char *log_server, *log_key_arg, *witness_vkey_arg, *proof_path, *out_path;
    const char *checkpoint_path; /* NULL: the log server's current checkpoint */
    bool has_old, json;
    uint64_t old;
} remote_options;

/* The add-checkpoint body: "old N", the proof lines, a blank line, the
 * signed checkpoint. */
static int build_request(char **out, size_t *out_len, uint64_t old, const wb_witness_proof *proof,
                         const char *note, size_t note_len)
{
    size_t cap = 32 + proof->n_hashes * 46 + note_len, used, i;
    char *buf = malloc(cap);
    int n;

    if (!buf) {
        cli_errorf("out of memory");
        return EXIT_ERROR;
    }
    n = snprintf(buf, cap, "old %" PRIu64 "\n", old);
    used = (size_t)n;
    for (i = 0; i < proof->n_hashes; i++) {
        used += (size_t)EVP_EncodeBlock((unsigned char *)buf + used, proof->hashes[i].bytes,
                                        WB_TLOG_HASH_LEN);
        buf[used++] = '\n';
    }
    buf[used++] = '\n';
    memcpy(buf + used, note, note_len);
    used += note_len;
    *out = buf;
    *out_len = used;
    return EXIT_OK;
}

/* The body of a 409: the witness's size, "N\n" in decimal, as
 * text/x.tlog.size. False when it is not that. */
static bool parse_size_answer(uint64_t *out, const cli_http_response *resp)
{
    char *end;
    unsigned long long v;

    if (!cli_http_content_type_is(resp, "text/x.tlog.size") || resp->len < 2 || resp->len > 21 ||
        resp->body[resp->len - 1] != '\n' || resp->body[0] < '0' || resp->body[0] > '9' ||
        (resp->body[0] == '0' && resp->len != 2))
        return false;
    errno = 0;
    v = strtoull(resp->body, &end, 10);
    if (errno || end != resp->body + resp->len - 1)
        return false;
    *out = (uint64_t)v;
    return true;
}

/* The proof from `from` to the checkpoint's size, from the log server;
 * it must lead to the checkpoint's root. */
static int proof_from_log(wb_witness_proof *out, const cli_http_config *log_http, uint64_t from,
                          const wb_checkpoint *cp)
{
    int status;

    memset(out, 0, sizeof(*out));
    if (from == 0 || from == cp->size)
        return EXIT_OK; /* no proof from the empty tree, none between equals */
    if ((status = cli_server_consistency(out, log_http, from, cp->size)) != EXIT_OK)
        return status;
    if (!wb_digest_equal(out->new_root.bytes, cp->root.bytes, WB_TLOG_HASH_LEN)) {
        cli_errorf("log witness: %s serves another tree of size %" PRIu64
                   " than the checkpoint's (a fork?); not asking the witness with it",
                   log_http->server, cp->size);
        return EXIT_VERIFY;
    }
    return EXIT_OK;
}

/* The answer of a 200: one or more signature lines ("— name base64\n"). */
static bool are_signature_lines(const char *body, size_t len)
{
    static const char dash[] = "\xe2\x80\x94 ";
    size_t at = 0;

    if (len == 0 || body[len - 1] != '\n' || memchr(body, '\0', len))
        return false;
    while (at < len) {
        const char *nl = memchr(body + at, '\n', len - at);
        if (len - at < sizeof(dash) - 1 || memcmp(body + at, dash, sizeof(dash) - 1) != 0)
            return false;
        at = (size_t)(nl - body) + 1;
    }
    return true;
}

static int witness_remote(remote_options *o)
{
    wb_note_verifier *log_key = NULL, *witness_vkey = NULL;
    cli_http_config log_http = {0};
    wb_checkpoint *cp = NULL;
    wb_note *cosigned_note = NULL;
    wb_witness_proof proof;
    cli_http_response resp = {0};
    char *note = NULL, *proof_text = NULL, *request = NULL, *cosigned = NULL;
    size_t note_len = 0, proof_len = 0, request_len = 0, cosigned_len = 0;
    uint64_t old = o->has_old ? o->old : 0, witness_size = 0, timestamp = 0;
    char root_b64[64];
    int attempt, rc, status;

    memset(&proof, 0, sizeof(proof));
    if (!o->log_key_arg || (!o->checkpoint_path && !o->log_server)) {
        status = witness_usage_error("--server needs --log-key VKEY, and a CHECKPOINT or "
                                     "--log-server URL");
        goto out;
    }
    if (o->proof_path && !o->has_old) {
        status = witness_usage_error("--proof goes with --old N, the size it proves from");
        goto out;
    }
    if ((status = cli_load_log_key(&log_key, o->log_key_arg)) != EXIT_OK)
        goto out;
    if (o->witness_vkey_arg && (status = cli_load_verifier(&witness_vkey, o->witness_vkey_arg,
                                                           "--witness-vkey")) != EXIT_OK)
        goto out;
    if ((status = cli_http_prepare(&o->http, false, "log")) != EXIT_OK)
        goto out;
    if (o->log_server) {
        /* the same TLS settings; the witness's token stays with the witness */
        log_http = o->http;
        log_http.server = o->log_server;
        log_http.token_file = NULL;
        log_http.token = NULL;
        if ((status = cli_http_prepare(&log_http, false, "log")) != EXIT_OK)
            goto out;
    }

    if (o->checkpoint_path) {
        if ((status = cli_read_file(&note, &note_len, o->checkpoint_path, WB_NOTE_MAX_SIZE)) !=
            EXIT_OK)
            goto out;
        rc = wb_checkpoint_open(&cp, NULL, note, note_len, wb_note_verifier_name(log_key), log_key);
        if (rc < 0) {
            wb_error_prefix(rc, "%s: ", o->checkpoint_path);
            status = witness_fail(rc);
            goto out;
        }
    } else if ((status = cli_server_checkpoint(&cp, &note, &note_len, &log_http, log_key)) !=
               EXIT_OK)
        goto out;

    if (old > cp->size) {
        status = witness_usage_error("--old is larger than the checkpoint's size");
        goto out;
    }
    if (o->proof_path) {
        if ((status = cli_read_file(&proof_text, &proof_len, o->proof_path,
                                    WB_WITNESS_PROOF_MAX_SIZE)) != EXIT_OK)
            goto out;
        if ((rc = wb_witness_proof_parse(&proof, proof_text, proof_len, o->proof_path)) < 0) {
            status = witness_fail(rc);
            goto out;
        }
        if (proof.from != old || proof.to != cp->size ||
            !wb_digest_equal(proof.new_root.bytes, cp->root.bytes, WB_TLOG_HASH_LEN)) {
            cli_errorf("log witness: %s: not the proof from %" PRIu64 " to this checkpoint "
                       "(size %" PRIu64 ")",
                       o->proof_path, old, cp->size);
            status = EXIT_VERIFY;
            goto out;
        }
    } else if (old > 0 && old < cp->size) {
        if (!o->log_server) {
            status = witness_usage_error("--old N needs --proof FILE or --log-server URL");
            goto out;
        }
        if ((status = proof_from_log(&proof, &log_http, old, cp)) != EXIT_OK)
            goto out;
    }

    for (attempt = 0;; attempt++) {
        free(request);
        request = NULL;
        cli_http_response_clear(&resp);
        if ((status = build_request(&request, &request_len, old, &proof, note, note_len)) !=
            EXIT_OK)
            goto out;
        if ((status = cli_http_post(&resp, &o->http, "/add-checkpoint", "text/plain", request,
                                    request_len, WITNESS_ANSWER_MAX)) != EXIT_OK)
            goto out;
        if (resp.status == 200)
            break;
        if (resp.status != 409 || attempt > 0 || !parse_size_answer(&witness_size, &resp) ||
            witness_size == old) {
            status = cli_http_fail_status(&resp, "log witness");
            goto out;
        }
        if (witness_size > cp->size) {
            cli_errorf("log witness: %s has cosigned a tree of %" PRIu64
                       " entries, larger than this checkpoint's %" PRIu64
                       ": a witness cosigns only newer checkpoints",
                       o->http.server, witness_size, cp->size);
            status = EXIT_VERIFY;
            goto out;
        }
        if (!o->log_server && witness_size != 0 && witness_size != cp->size) {
            cli_errorf("log witness: %s last cosigned size %" PRIu64
                       "; give --log-server URL to fetch the proof from it",
                       o->http.server, witness_size);
            status = EXIT_VERIFY;
            goto out;
        }
        fprintf(stderr,
                "waybill: log witness: %s is at size %" PRIu64 ", not %" PRIu64
                "; asking again from there\n",
                o->http.server, witness_size, old);
        old = witness_size;
        if ((status = proof_from_log(&proof, &log_http, old, cp)) != EXIT_OK)
            goto out;
    }

    if (!are_signature_lines(resp.body, resp.len)) {
        cli_errorf("log witness: POST %s: answered 200 without signature lines", resp.url);
        status = EXIT_ERROR;
        goto out;
    }
    cosigned_len = note_len + resp.len;
    if (!(cosigned = malloc(cosigned_len + 1))) {
        cli_errorf("out of memory");
        status = EXIT_ERROR;
        goto out;
    }
    memcpy(cosigned, note, note_len);
    memcpy(cosigned + note_len, resp.body, resp.len);
    cosigned[cosigned_len] = '\0';
    if ((rc = wb_note_parse(&cosigned_note, cosigned, cosigned_len)) < 0) {
        cli_errorf("log witness: POST %s: the cosignature lines do not parse: %s", resp.url,
                   wb_error_last());
        status = EXIT_ERROR;
        goto out;
    }
    if (witness_vkey) {
        rc = wb_cosig_verify(&timestamp, cosigned_note, witness_vkey);
        if (rc < 0) {
            cli_errorf("log witness: POST %s: no valid cosignature by %s: %s", resp.url,
                       wb_note_verifier_name(witness_vkey), wb_error_last());
            status = rc == WB_EVERIFY ? EXIT_VERIFY : EXIT_ERROR;
            goto out;
        }
    }

    if (o->out_path &&
        (status = cli_write_file_atomic(o->out_path, cosigned, cosigned_len)) != EXIT_OK)
        goto out;
    if (o->json) {
        EVP_EncodeBlock((unsigned char *)root_b64, cp->root.bytes, WB_TLOG_HASH_LEN);
        status =
            cli_print_json(json_pack("{s:s, s:I, s:s, s:s, s:I, s:s, s:b}", "origin", cp->origin,
                                     "size", (json_int_t)cp->size, "root", root_b64, "cosigned",
                                     cosigned, "old_size", (json_int_t)old, "witness",
                                     o->http.server, "cosignature_verified", witness_vkey != NULL));
    } else if (!o->out_path) {
        if (fwrite(cosigned, 1, cosigned_len, stdout) != cosigned_len || fflush(stdout) != 0) {
            cli_errorf("log witness: writing to stdout: %s", strerror(errno));
            status = EXIT_ERROR;
        }
    }
out:
    cli_http_response_clear(&resp);
    wb_note_free(cosigned_note);
    free(cosigned);
    free(request);
    free(proof_text);
    free(note);
    wb_checkpoint_free(cp);
    wb_note_verifier_free(witness_vkey);
    wb_note_verifier_free(log_key);
    return status;
}

int cmd_log_witness_run(int argc, char **argv)
{
    const char *log_key_arg = NULL, *witness_key = NULL, *name = NULL, *state = NULL,
               *proof_path = NULL, *out_path = NULL, *checkpoint_path;
    bool json = false;
    wb_note_verifier *log_key = NULL;
    wb_note_signer *witness = NULL;
    wb_witness_proof proof;
    wb_witness_result result = {0};
    char *checkpoint = NULL, *proof_text = NULL;
    size_t checkpoint_len = 0, proof_len = 0;
    time_t now;
    remote_options remote;
    int opt, rc, status = EXIT_OK;

    memset(&remote, 0, sizeof(remote));

    optind = 1;
    while ((opt = getopt_long(argc, argv, "L:w:N:s:p:o:h", options, NULL)) != -1) {
        switch (opt) {
        case 'L':
            log_key_arg = optarg;
            break;
        case 'w':
            witness_key = optarg;
            break;
        case 'N':
            name = optarg;
            break;
        case 's':
            state = optarg;
            break;
        case 'p':
            proof_path = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return EXIT_OK;
        case OPT_LOG_SERVER:
            remote.log_server = optarg;
            break;
        case OPT_OLD: {
            char *end;
            unsigned long long v;
            errno = 0;
            v = strtoull(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || errno || *end)
                return witness_usage_error("--old needs a tree size");
            remote.old = (uint64_t)v;
            remote.has_old = true;
            break;
        }
        case OPT_WITNESS_VKEY:
            remote.witness_vkey_arg = optarg;
            break;
        default:
            status = cli_http_parse_option(&remote.http, opt, optarg, "log");
            if (status < 0)
                return witness_usage_error("invalid option");
            if (status != EXIT_OK)
                return status;
        }
    }
    if (remote.http.server) {
        if (witness_key || state || name || optind + 1 < argc) {
            status = witness_usage_error("--server asks a remote witness: --witness-key, --name "
                                         "and --state are a local witness's; at most one "
                                         "CHECKPOINT");
            goto out;
        }
        remote.log_key_arg = log_key_arg;
        remote.proof_path = proof_path;
        remote.out_path = out_path;
        remote.json = json;
        remote.checkpoint_path = optind < argc ? argv[optind] : NULL;
        status = witness_remote(&remote);
        goto out;
    }
    if (remote.log_server || remote.has_old || remote.witness_vkey_arg ||
        cli_http_has_options(&remote.http)) {
        status = witness_usage_error("--log-server, --old, --witness-vkey and the HTTP options "
                                     "go with --server URL");
        goto out;
    }
    if (!log_key_arg || !witness_key || !state || !*state || optind + 1 != argc) {
        status = witness_usage_error(
            "needs --log-key VKEY, --witness-key KEY, --state DIR and one CHECKPOINT");
        goto out;
    }
    checkpoint_path = argv[optind];

    if ((status = cli_load_log_key(&log_key, log_key_arg)) != EXIT_OK)
        goto out;
    if ((status = load_witness_key(&witness, witness_key, name)) != EXIT_OK)
        goto out;
    if ((status = cli_read_file(&checkpoint, &checkpoint_len, checkpoint_path, WB_NOTE_MAX_SIZE)) !=
        EXIT_OK)
        goto out;
    if (proof_path) {
        if ((status = cli_read_file(&proof_text, &proof_len, proof_path,
                                    WB_WITNESS_PROOF_MAX_SIZE)) != EXIT_OK)
            goto out;
        if ((rc = wb_witness_proof_parse(&proof, proof_text, proof_len, proof_path)) < 0) {
            status = witness_fail(rc);
            goto out;
        }
    }
    now = time(NULL);
    if (now < 0) {
        cli_errorf("log witness: the clock is before 1970");
        status = EXIT_ERROR;
        goto out;
    }
    rc = wb_witness_cosign(&result, state, witness, log_key, checkpoint, checkpoint_len,
                           proof_path ? &proof : NULL, (uint64_t)now);
    if (rc < 0) {
        if (rc == WB_EVERIFY)
            wb_error_prefix(rc, "%s: ", checkpoint_path);
        status = witness_fail(rc);
        goto out;
    }

    /* the state is durable: the cosignature may leave */
    if (out_path) {
        if ((rc = wb_witness_save(out_path, result.cosigned, result.cosigned_len)) < 0) {
            status = witness_fail(rc);
            goto out;
        }
    }
    if (json) {
        status = cli_print_json(json_pack("{s:s, s:I, s:s, s:s, s:I}", "origin", result.origin,
                                          "size", (json_int_t)result.size, "root", result.root_b64,
                                          "cosigned", result.cosigned, "previous_size",
                                          (json_int_t)result.previous_size));
    } else if (!out_path) {
        if (fwrite(result.cosigned, 1, result.cosigned_len, stdout) != result.cosigned_len ||
            fflush(stdout) != 0) {
            cli_errorf("log witness: writing to stdout: %s", strerror(errno));
            status = EXIT_ERROR;
        }
    }
out:
    free(proof_text);
    free(checkpoint);
    wb_witness_result_clear(&result);
    wb_note_signer_free(witness);
    wb_note_verifier_free(log_key);
    cli_http_config_clear(&remote.http);
    return status;
}
