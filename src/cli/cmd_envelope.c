/*
 * cmd_envelope.c: `waybill envelope sign|verify`: DSSE envelopes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char usage[] =
    "usage: waybill envelope sign --key KEY [--key KEY2 ...] --payload-type TYPE FILE\n"
    "                             [--out ENVELOPE] [--json]\n"
    "       waybill envelope verify ENVELOPE --trust PUB [--trust PUB2 ...]\n"
    "                             [--threshold N] [--json]\n"
    "\n"
    "sign: wrap the bytes of FILE in a DSSE envelope signed by every KEY and\n"
    "write it to ENVELOPE (default: stdout).\n"
    "\n"
    "verify: check that at least N (default 1) distinct trusted keys signed\n"
    "ENVELOPE. A key that signs twice counts once; signatures by keys not\n"
    "given with --trust are ignored. Prints the payload type and the ids of\n"
    "the keys that signed. Exit 0 verified, 1 not verified, 3 unreadable.\n"
    "\n"
    "  -k, --key KEY            private key (PEM or securesystemslib JSON)\n"
    "  -p, --payload-type TYPE  e.g. application/vnd.in-toto+json\n"
    "  -o, --out ENVELOPE       output file (written atomically)\n"
    "  -t, --trust PUB          trusted public key (repeatable)\n"
    "  -n, --threshold N        distinct trusted keys required (default 1)\n"
    "      --json               machine-readable output\n";

/* payloads larger than this are refused: an envelope holds them in memory */
#define MAX_PAYLOAD ((size_t)512 << 20)

static int run_sign(int argc, char **argv)
{
    static const struct option options[] = {
        {"key", required_argument, NULL, 'k'},
        {"payload-type", required_argument, NULL, 'p'},
        {"out", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, 'j'},
        {0, 0, 0, 0},
    };
    cli_list keys = {0};
    const char *payload_type = NULL, *out_path = NULL, *in_path;
    char *payload = NULL, *text = NULL;
    size_t payload_len = 0, text_len, i;
    wb_envelope *env = NULL;
    bool json = false;
    int opt, rc, status = EXIT_OK;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "k:p:o:", options, NULL)) != -1) {
        switch (opt) {
        case 'k':
            if (cli_list_add(&keys, optarg) < 0) {
                status = EXIT_ERROR;
                goto out;
            }
            break;
        case 'p':
            payload_type = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'j':
            json = true;
            break;
        default:
            status = cli_usage_error("envelope", "invalid option");
            goto out;
        }
    }
    if (keys.count == 0 || !payload_type || optind + 1 != argc) {
        status =
            cli_usage_error("envelope", "sign needs --key, --payload-type and exactly one FILE");
        goto out;
    }
    if (!*payload_type) {
        status = cli_usage_error("envelope", "--payload-type must not be empty");
        goto out;
    }
    in_path = argv[optind];
    status = cli_read_file(&payload, &payload_len, in_path, MAX_PAYLOAD);
    if (status != EXIT_OK)
        goto out;
    rc = wb_envelope_new(&env, payload_type, payload, payload_len);
    for (i = 0; rc == 0 && i < keys.count; i++) {
        wb_key *key = NULL;
        rc = wb_key_load(&key, keys.items[i]);
        if (rc == 0 && !wb_key_has_private(key))
            rc = wb_error_set(WB_EINVAL, "%s: is a public key; signing needs the private key",
                              keys.items[i]);
        if (rc == 0)
            rc = wb_dsse_sign(env, key);
        wb_key_free(key);
    }
    if (rc == 0)
        rc = out_path ? wb_envelope_save(env, out_path)
                      : wb_envelope_serialize(&text, &text_len, env);
    if (rc < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if (text && fwrite(text, 1, text_len, stdout) != text_len) {
        cli_errorf("writing to stdout: %s", strerror(errno));
        status = EXIT_ERROR;
        goto out;
    }
    if (out_path && json) {
        json_t *ids = json_array();
        for (i = 0; ids && i < wb_envelope_signature_count(env); i++)
            json_array_append_new(ids, json_string(wb_envelope_signature_keyid(env, i)));
        status = cli_print_json(json_pack("{s:s, s:s, s:o}", "envelope", out_path, "payloadType",
                                          payload_type, "keyids", ids));
    } else if (out_path) {
        fprintf(stderr, "waybill: wrote %s (%zu signature%s)\n", out_path,
                wb_envelope_signature_count(env), wb_envelope_signature_count(env) == 1 ? "" : "s");
    }
out:
    wb_free(text);
    free(payload);
    wb_envelope_free(env);
    cli_list_free(&keys);
    return status;
}

static const char *status_name(wb_dsse_sig_status s)
{
    switch (s) {
    case WB_DSSE_SIG_VALID:
        return "valid";
    case WB_DSSE_SIG_DUPLICATE:
        return "duplicate";
    case WB_DSSE_SIG_UNTRUSTED:
        return "untrusted";
    case WB_DSSE_SIG_INVALID:
        return "invalid";
    }
    return "unknown";
}

static int run_verify(int argc, char **argv)
{
    static const struct option options[] = {
        {"trust", required_argument, NULL, 't'},
        {"threshold", required_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {0, 0, 0, 0},
    };
    cli_list trust = {0};
    size_t threshold = 1, i;
    const char *env_path;
    wb_keyring *ring = NULL;
    wb_envelope *env = NULL;
    wb_dsse_result *result = NULL;
    bool json = false;
    int opt, rc, status = EXIT_OK;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "t:n:", options, NULL)) != -1) {
        switch (opt) {
        case 't':
            if (cli_list_add(&trust, optarg) < 0) {
                status = EXIT_ERROR;
                goto out;
            }
            break;
        case 'n':
            if (!cli_parse_count(&threshold, optarg)) {
                status = cli_usage_error("envelope",
                                         "--threshold needs a positive number, not '%s'", optarg);
                goto out;
            }
            break;
        case 'j':
            json = true;
            break;
        default:
            status = cli_usage_error("envelope", "invalid option");
            goto out;
        }
    }
    if (trust.count == 0 || optind + 1 != argc) {
        status = cli_usage_error("envelope", "verify needs one ENVELOPE and at least one --trust");
        goto out;
    }
    env_path = argv[optind];
    if ((status = cli_load_trust(&ring, &trust, threshold, "envelope")) != EXIT_OK)
        goto out;
    rc = wb_envelope_load(&env, env_path);
    if (rc < 0) {
        status = cli_fail(rc);
        goto out;
    }
    rc = wb_dsse_verify(&result, env, ring, threshold);
    if (rc < 0 && rc != WB_EVERIFY) {
        status = cli_fail(rc);
        goto out;
    }
    if (rc == WB_EVERIFY)
        wb_error_prefix(rc, "%s: ", env_path);
    if (json) {
        json_t *sigs = json_array(), *signers = json_array();
        for (i = 0; sigs && signers && i < result->nsigs; i++) {
            json_array_append_new(sigs, json_pack("{s:s, s:s}", "keyid", result->sigs[i].keyid,
                                                  "status", status_name(result->sigs[i].status)));
            if (result->sigs[i].status == WB_DSSE_SIG_VALID)
                json_array_append_new(signers, json_string(result->sigs[i].keyid));
        }
        status = cli_print_json(
            json_pack("{s:s, s:b, s:s, s:I, s:I, s:o, s:o, s:s?}", "envelope", env_path, "verified",
                      rc == 0, "payloadType", wb_envelope_payload_type(env), "threshold",
                      (json_int_t)threshold, "validKeys", (json_int_t)result->valid_keys, "signers",
                      signers, "signatures", sigs, "error", rc == 0 ? NULL : wb_error_last()));
        if (status == EXIT_OK && rc < 0)
            status = EXIT_VERIFY;
        if (rc < 0)
            cli_errorf("%s", wb_error_last());
        goto out;
    }
    if (rc < 0) {
        status = cli_fail(rc);
        goto out;
    }
    printf("%s: verified (%zu of %zu required keys)\n", env_path, result->valid_keys, threshold);
    printf("payload type: %s\n", wb_envelope_payload_type(env));
    for (i = 0; i < result->nsigs; i++)
        if (result->sigs[i].status == WB_DSSE_SIG_VALID)
            printf("signed by: %s\n", result->sigs[i].keyid);
out:
    wb_dsse_result_free(result);
    wb_envelope_free(env);
    wb_keyring_free(ring);
    cli_list_free(&trust);
    return status;
}

static int run(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage(&cmd_envelope, stderr);
    if (strcmp(argv[1], "sign") == 0)
        return run_sign(argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0)
        return run_verify(argc - 1, argv + 1);
    return cli_usage_error("envelope", "unknown subcommand '%s' (sign or verify)", argv[1]);
}

const cli_command cmd_envelope = {
    .name = "envelope",
    .summary = "sign and verify DSSE envelopes",
    .run = run,
    .usage = usage,
};
