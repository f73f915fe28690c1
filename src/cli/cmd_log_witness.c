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
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cli.h"

static const char usage[] =
    "usage: waybill log witness --log-key VKEY --witness-key KEY [--name NAME] --state DIR\n"
    "                           CHECKPOINT [--proof FILE] [--out FILE] [--json]\n"
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
    "      --json              {origin, size, root, cosigned, previous_size}\n";

static const struct option options[] = {
    {"log-key", required_argument, NULL, 'L'},
    {"witness-key", required_argument, NULL, 'w'},
    {"name", required_argument, NULL, 'N'},
    {"state", required_argument, NULL, 's'},
    {"proof", required_argument, NULL, 'p'},
    {"out", required_argument, NULL, 'o'},
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
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
    int opt, rc, status = EXIT_OK;

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
        default:
            return witness_usage_error("invalid option");
        }
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
    return status;
}
