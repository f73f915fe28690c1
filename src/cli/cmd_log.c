/*
 * cmd_log.c: `waybill log init|add|checkpoint|prove|consistency|verify`:
 * the ledger, a transparency log of DSSE envelopes (include/waybill/ledger.h,
 * docs/formats/ledger.md).
 *
 * The log's side (init, add, checkpoint, prove, consistency) works on a
 * ledger directory; the client's side (verify) needs only a bundle and the
 * log's verifier key, and works offline.
 *
 * With --server URL, add and verify talk to waybilld instead (http.c):
 * add submits each envelope and writes the bundle the server answers only
 * after verifying it against --log-key, which is therefore required (a
 * client must never keep a bundle it has not checked); verify also checks
 * that the server's current checkpoint, signed by the same key, is the
 * bundle's tree or extends it (a consistency proof), which a fork or a
 * rollback of the log would fail.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http.h"

static const char usage[] =
    "usage: waybill log init --ledger DIR --origin NAME --key KEY [--json]\n"
    "       waybill log add --ledger DIR [--party NAME] [--no-bundle] ENVELOPE... [--json]\n"
    "       waybill log add --server URL --token-file FILE --log-key VKEY [--no-bundle]\n"
    "                       ENVELOPE... [--json]\n"
    "       waybill log checkpoint --ledger DIR [--json]\n"
    "       waybill log prove --ledger DIR --index N [--size S] [--json]\n"
    "       waybill log consistency --ledger DIR --from M [--to N] [--json]\n"
    "       waybill log verify BUNDLE --log-key VKEY [--trust PUB ...] [--threshold N]\n"
    "                          [--server URL] [--json]\n"
    "       waybill log witness --log-key VKEY --witness-key KEY [--name NAME] --state DIR\n"
    "                           CHECKPOINT [--proof FILE] [--out FILE] [--json]\n"
    "\n"
    "init: create a ledger in DIR for the log called NAME (no spaces, no '+'),\n"
    "signed with the Ed25519 private KEY (copied to DIR/log.key), and print the\n"
    "log's verifier key (name+keyid+base64) that clients verify it with.\n"
    "\n"
    "add: append the ENVELOPEs (DSSE, exact bytes) in one batch, print the index\n"
    "of each, and write ENVELOPE.bundle next to each (unless --no-bundle).\n"
    "With --server, submit each to waybilld (POST /v1/entries) instead, with the\n"
    "bearer token in FILE (first line; the file must be mode 0600) or a TLS\n"
    "client certificate (--client-cert, --client-key), and write the bundle it\n"
    "answers only once it verifies with --log-key VKEY and holds that very\n"
    "envelope. Exit 1 when the server refuses (4xx) or a bundle does not\n"
    "verify, 3 when it cannot be reached or answers garbage.\n"
    "\n"
    "checkpoint: print the latest signed checkpoint (C2SP signed note).\n"
    "\n"
    "prove: the inclusion proof of entry N in the tree of S entries (default:\n"
    "the current size). consistency: the proof that the tree of M entries is a\n"
    "prefix of the tree of N (default: the current size).\n"
    "\n"
    "verify: check BUNDLE offline: the checkpoint's signature by the log key\n"
    "VKEY (the key string, or a file holding it), the inclusion proof of the\n"
    "envelope against the checkpoint, and with --trust the envelope's\n"
    "signatures (at least N distinct trusted keys). With --server, also fetch\n"
    "the log's current checkpoint (signed by VKEY) and check that it is the\n"
    "bundle's tree or extends it (consistency proof from the server): a fork,\n"
    "a rollback or another log fails. Exit 0 verified, 1 not verified,\n"
    "3 unreadable, malformed or unreachable.\n"
    "\n"
    "witness: cosign CHECKPOINT as a witness, if it is consistent with the last\n"
    "checkpoint of the log this witness cosigned; with --server, ask a remote\n"
    "C2SP tlog-witness to (see `waybill log witness --help`).\n"
    "\n"
    "  -l, --ledger DIR         the ledger directory\n"
    "      --store URL          the ledger's entries are in this PostgreSQL database\n"
    "                           (postgresql://...; default: DIR/ledger.db, SQLite);\n"
    "                           init joins a database that holds the log already\n"
    "  -O, --origin NAME        the log's name (init)\n"
    "  -k, --key KEY            the log's Ed25519 private key (init)\n"
    "  -P, --party NAME         record who submitted the envelopes (add)\n"
    "      --no-bundle          do not write ENVELOPE.bundle files (add)\n"
    "  -i, --index N            entry index (prove)\n"
    "  -s, --size S             tree size (prove)\n"
    "  -f, --from M, -T, --to N tree sizes (consistency)\n"
    "  -L, --log-key VKEY       the log's verifier key or a file with it (verify)\n"
    "  -t, --trust PUB          trusted public key (verify; repeatable)\n"
    "  -n, --threshold N        distinct trusted keys required (default 1)\n"
    "      --server URL         waybilld's base URL (add, verify): https://, or\n"
    "                           http:// to a loopback address only\n"
    "      --token-file FILE    the bearer token to submit with (add --server)\n" CLI_HTTP_USAGE
    "      --json               machine-readable output\n";

#define OPT_NO_BUNDLE 1000
#define OPT_STORE     1001

static const struct option options[] = {
    {"ledger", required_argument, NULL, 'l'},
    {"origin", required_argument, NULL, 'O'},
    {"key", required_argument, NULL, 'k'},
    {"party", required_argument, NULL, 'P'},
    {"no-bundle", no_argument, NULL, OPT_NO_BUNDLE},
    {"index", required_argument, NULL, 'i'},
    {"size", required_argument, NULL, 's'},
    {"from", required_argument, NULL, 'f'},
    {"to", required_argument, NULL, 'T'},
    {"log-key", required_argument, NULL, 'L'},
    {"trust", required_argument, NULL, 't'},
    {"threshold", required_argument, NULL, 'n'},
    {"checkpoint", required_argument, NULL, 'c'},
    {"store", required_argument, NULL, OPT_STORE},
    {"json", no_argument, NULL, 'j'},
    CLI_HTTP_LONG_OPTIONS,
    {0, 0, 0, 0},
};

typedef struct {
    const char *ledger, *origin, *key, *party, *log_key, *store;
    bool no_bundle, json;
    bool has_index, has_size, has_from, has_to;
    uint64_t index, size, from, to;
    size_t threshold;
    cli_list trust;
    cli_list checkpoints;
    cli_http_config http;
} log_options;

static bool parse_u64(uint64_t *out, const char *text)
{
    char *end;
    unsigned long long v;
    if (!text || *text < '0' || *text > '9')
        return false;
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno || *end)
        return false;
    *out = (uint64_t)v;
    return true;
}

/* Parse the options shared by every subcommand; returns an exit status. */
static int parse_options(log_options *o, int argc, char **argv)
{
    int opt;

    memset(o, 0, sizeof(*o));
    o->threshold = 1;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "l:O:k:P:i:s:f:T:L:t:n:c:", options, NULL)) != -1) {
        switch (opt) {
        case 'l':
            o->ledger = optarg;
            break;
        case 'O':
            o->origin = optarg;
            break;
        case 'k':
            o->key = optarg;
            break;
        case 'P':
            o->party = optarg;
            break;
        case OPT_NO_BUNDLE:
            o->no_bundle = true;
            break;
        case OPT_STORE:
            o->store = optarg;
            break;
        case 'i':
        case 's':
        case 'f':
        case 'T': {
            uint64_t *dst = opt == 'i'   ? &o->index
                            : opt == 's' ? &o->size
                            : opt == 'f' ? &o->from
                                         : &o->to;
            if (!parse_u64(dst, optarg))
                return cli_usage_error("log", "--%s needs a number, not '%s'",
                                       opt == 'i'   ? "index"
                                       : opt == 's' ? "size"
                                       : opt == 'f' ? "from"
                                                    : "to",
                                       optarg);
            *(opt == 'i'   ? &o->has_index
              : opt == 's' ? &o->has_size
              : opt == 'f' ? &o->has_from
                           : &o->has_to) = true;
            break;
        }
        case 'L':
            o->log_key = optarg;
            break;
        case 'c':
        case 't':
            if (cli_list_add(opt == 'c' ? &o->checkpoints : &o->trust, optarg) < 0) {
                cli_errorf("out of memory");
                return EXIT_ERROR;
            }
            break;
        case 'n':
            if (!cli_parse_count(&o->threshold, optarg))
                return cli_usage_error("log", "--threshold needs a positive number, not '%s'",
                                       optarg);
            break;
        case 'j':
            o->json = true;
            break;
        default: {
            int st = cli_http_parse_option(&o->http, opt, optarg, "log");
            if (st < 0)
                return cli_usage_error("log", "invalid option");
            if (st != EXIT_OK)
                return st;
        }
        }
    }
    return EXIT_OK;
}

static int need_ledger(const log_options *o, const char *sub)
{
    if (o->http.server || cli_http_has_options(&o->http))
        return cli_usage_error("log",
                               "%s works on a ledger directory: --server and its options "
                               "are for add and verify",
                               sub);
    if (!o->ledger || !*o->ledger)
        return cli_usage_error("log", "%s needs --ledger DIR", sub);
    return EXIT_OK;
}

static int run_init(int argc, char **argv)
{
    log_options o;
    wb_key *key = NULL;
    char *vkey = NULL;
    int rc, status;

    if ((status = parse_options(&o, argc, argv)) != EXIT_OK)
        goto out;
    if ((status = need_ledger(&o, "init")) != EXIT_OK)
        goto out;
    if (!o.origin || !o.key || optind != argc) {
        status = cli_usage_error("log", "init needs --ledger, --origin and --key, and no operands");
        goto out;
    }
    rc = wb_key_load(&key, o.key);
    if (rc == 0)
        rc = wb_ledger_init_at(&vkey, o.ledger, o.origin, key, o.store);
    if (rc < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if (o.json)
        status = cli_print_json(json_pack("{s:s, s:s, s:s}", "ledger", o.ledger, "origin", o.origin,
                                          "verifier_key", vkey));
    else
        printf("%s\n", vkey);
out:
    wb_free(vkey);
    wb_key_free(key);
    cli_list_free(&o.trust);
    cli_list_free(&o.checkpoints);
    return status;
}

/* add --server: submit each envelope to waybilld, verify the bundle it
 * answers, write it. One request per envelope, in order, stopping at the
 * first failure: the envelopes before it are logged and their bundles
 * written, as the output says. */
static int add_to_server(log_options *o, int argc, char **argv)
{
    wb_note_verifier *log_key = NULL;
    wb_bundle *bundle = NULL;
    json_t *list = NULL;
    char *data = NULL, *text = NULL, *bundle_path = NULL;
    size_t n = (size_t)(argc - optind), len = 0, text_len = 0, i;
    uint64_t tree_size = 0;
    int status;

    if (o->ledger || o->store || o->party) {
        status = cli_usage_error("log", "add --server: --ledger, --store and --party are for a "
                                        "local ledger (the server records the token's party)");
        goto out;
    }
    if (!o->log_key) {
        status = cli_usage_error("log", "add --server needs --log-key VKEY: every bundle the "
                                        "server answers is verified with it before it is written");
        goto out;
    }
    if (n == 0) {
        status = cli_usage_error("log", "add needs at least one ENVELOPE");
        goto out;
    }
    if ((status = cli_load_log_key(&log_key, o->log_key)) != EXIT_OK)
        goto out;
    if ((status = cli_http_prepare(&o->http, true, "log")) != EXIT_OK)
        goto out;
    if (o->json && !(list = json_array())) {
        cli_errorf("out of memory");
        status = EXIT_ERROR;
        goto out;
    }
    for (i = 0; i < n; i++) {
        const char *name = argv[optind + (int)i];
        status = cli_read_file(&data, &len, name, WB_STORE_MAX_ENTRY_SIZE);
        if (status == EXIT_OK)
            status =
                cli_server_submit(&bundle, &text, &text_len, &o->http, log_key, data, len, name);
        if (status != EXIT_OK)
            goto out;
        if (!o->no_bundle) {
            if (asprintf(&bundle_path, "%s.bundle", name) < 0) {
                bundle_path = NULL;
                cli_errorf("out of memory");
                status = EXIT_ERROR;
                goto out;
            }
            if ((status = cli_write_file_atomic(bundle_path, text, text_len)) != EXIT_OK)
                goto out;
        }
        if (wb_bundle_tree_size(bundle) > tree_size)
            tree_size = wb_bundle_tree_size(bundle);
        if (list)
            json_array_append_new(list, json_pack("{s:s, s:I, s:s*}", "envelope", name, "index",
                                                  (json_int_t)wb_bundle_index(bundle), "bundle",
                                                  bundle_path));
        else {
            printf("%" PRIu64 " %s%s%s\n", wb_bundle_index(bundle), name, bundle_path ? " -> " : "",
                   bundle_path ? bundle_path : "");
            fflush(stdout);
        }
        free(bundle_path);
        bundle_path = NULL;
        free(text);
        text = NULL;
        free(data);
        data = NULL;
        wb_bundle_free(bundle);
        bundle = NULL;
    }
    if (list) {
        status = cli_print_json(
            json_pack("{s:o, s:I}", "entries", list, "tree_size", (json_int_t)tree_size));
        list = NULL;
    }
out:
    json_decref(list);
    free(bundle_path);
    free(text);
    free(data);
    wb_bundle_free(bundle);
    wb_note_verifier_free(log_key);
    return status;
}

static int run_add(int argc, char **argv)
{
    log_options o;
    wb_ledger *ledger = NULL;
    wb_ledger_input *inputs = NULL;
    char **data = NULL, *bundle_path = NULL;
    uint64_t *indexes = NULL;
    size_t n = 0, i;
    json_t *list = NULL;
    int rc, status;

    if ((status = parse_options(&o, argc, argv)) != EXIT_OK)
        goto out;
    if (o.http.server) {
        status = add_to_server(&o, argc, argv);
        goto out;
    }
    if ((status = need_ledger(&o, "add")) != EXIT_OK)
        goto out;
    n = (size_t)(argc - optind);
    if (n == 0) {
        status = cli_usage_error("log", "add needs at least one ENVELOPE");
        goto out;
    }
    if (n > WB_LEDGER_MAX_BATCH) {
        status =
            cli_usage_error("log", "add takes at most %d envelopes at a time", WB_LEDGER_MAX_BATCH);
        goto out;
    }
    inputs = calloc(n, sizeof(*inputs));
    data = calloc(n, sizeof(*data));
    indexes = calloc(n, sizeof(*indexes));
    if (!inputs || !data || !indexes) {
        cli_errorf("out of memory");
        status = EXIT_ERROR;
        goto out;
    }
    for (i = 0; i < n; i++) {
        inputs[i].name = argv[optind + (int)i];
        status = cli_read_file(&data[i], &inputs[i].len, inputs[i].name, WB_STORE_MAX_ENTRY_SIZE);
        if (status != EXIT_OK)
            goto out;
        inputs[i].data = data[i];
    }
    if ((rc = wb_ledger_open_at(&ledger, o.ledger, o.store, 0)) < 0) {
        status = cli_fail(rc);
        goto out;
    }
    /* the library writes the indexes only once the batch is durable */
    for (i = 0; i < n; i++)
        indexes[i] = UINT64_MAX;
    rc = wb_ledger_append(indexes, ledger, inputs, n, o.party);
    if (rc < 0 && (rc != WB_EIO || indexes[0] == UINT64_MAX)) {
        status = cli_fail(rc);
        goto out;
    }
    if (rc < 0) {
        /* appended, but the checkpoint file lags: say so, carry on */
        cli_errorf("%s", wb_error_last());
        status = EXIT_ERROR;
    }
    list = o.json ? json_array() : NULL;
    for (i = 0; i < n; i++) {
        bool bundled = false;
        if (!o.no_bundle) {
            free(bundle_path);
            bundle_path = malloc(strlen(inputs[i].name) + sizeof(".bundle"));
            if (!bundle_path) {
                cli_errorf("out of memory");
                status = EXIT_ERROR;
                goto out;
            }
            strcpy(bundle_path, inputs[i].name);
            strcat(bundle_path, ".bundle");
            rc = wb_ledger_bundle_save(ledger, indexes[i], bundle_path);
            if (rc < 0) {
                status = cli_fail(rc);
                goto out;
            }
            bundled = true;
        }
        if (list)
            json_array_append_new(list, json_pack("{s:s, s:I, s:s*}", "envelope", inputs[i].name,
                                                  "index", (json_int_t)indexes[i], "bundle",
                                                  bundled ? bundle_path : NULL));
        else
            printf("%" PRIu64 " %s%s%s\n", indexes[i], inputs[i].name, bundled ? " -> " : "",
                   bundled ? bundle_path : "");
    }
    if (list) {
        uint64_t size = 0;
        if ((rc = wb_ledger_size(&size, ledger)) < 0) {
            status = cli_fail(rc);
            goto out;
        }
        rc =
            cli_print_json(json_pack("{s:o, s:I}", "entries", list, "tree_size", (json_int_t)size));
        list = NULL;
        if (status == EXIT_OK)
            status = rc;
    }
out:
    json_decref(list);
    free(bundle_path);
    for (i = 0; data && i < n; i++)
        free(data[i]);
    free(data);
    free(inputs);
    free(indexes);
    wb_ledger_free(ledger);
    cli_http_config_clear(&o.http);
    cli_list_free(&o.trust);
    cli_list_free(&o.checkpoints);
    return status;
}

static int run_checkpoint(int argc, char **argv)
{
    log_options o;
    wb_ledger *ledger = NULL;
    char *note = NULL;
    size_t len = 0;
    uint64_t size = 0;
    int rc, status;

    if ((status = parse_options(&o, argc, argv)) != EXIT_OK)
        goto out;
    if ((status = need_ledger(&o, "checkpoint")) != EXIT_OK)
        goto out;
    if (optind != argc) {
        status = cli_usage_error("log", "checkpoint takes no operands");
        goto out;
    }
    rc = wb_ledger_open_at(&ledger, o.ledger, o.store, 0);
    if (rc == 0)
        rc = wb_ledger_checkpoint(&note, &len, ledger);
    if (rc == 0)
        rc = wb_ledger_size(&size, ledger);
    if (rc < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if (o.json) {
        status = cli_print_json(json_pack(
            "{s:s, s:I, s:s, s:s}", "origin", wb_ledger_origin(ledger), "tree_size",
            (json_int_t)size, "verifier_key", wb_ledger_verifier_key(ledger), "checkpoint", note));
    } else if (fwrite(note, 1, len, stdout) != len) {
        cli_errorf("writing to stdout: %s", strerror(errno));
        status = EXIT_ERROR;
    }
out:
    wb_free(note);
    wb_ledger_free(ledger);
    cli_list_free(&o.trust);
    cli_list_free(&o.checkpoints);
    return status;
}

/* Print a proof object for people: one "key: value" line each, the proof
 * hashes one per line. */
static int print_proof(json_t *obj, bool json)
{
    const char *key;
    json_t *value;
    size_t i;

    if (json)
        return cli_print_json(obj);
    json_object_foreach(obj, key, value)
    {
        if (json_is_integer(value))
            printf("%s: %" JSON_INTEGER_FORMAT "\n", key, json_integer_value(value));
        else if (json_is_string(value))
            printf("%s: %s\n", key, json_string_value(value));
        else if (json_is_array(value)) {
            printf("%s: %zu hashes\n", key, json_array_size(value));
            for (i = 0; i < json_array_size(value); i++)
                printf("  %s\n", json_string_value(json_array_get(value, i)));
        }
    }
    json_decref(obj);
    return EXIT_OK;
}

static int run_prove(int argc, char **argv)
{
    log_options o;
    wb_ledger *ledger = NULL;
    wb_ledger_inclusion proof;
    json_t *obj = NULL;
    int rc, status;

    if ((status = parse_options(&o, argc, argv)) != EXIT_OK)
        goto out;
    if ((status = need_ledger(&o, "prove")) != EXIT_OK)
        goto out;
    if (!o.has_index || optind != argc) {
        status = cli_usage_error("log", "prove needs --index N and no operands");
        goto out;
    }
    if (o.has_size && o.size == 0) {
        status = cli_usage_error("log", "--size 0: the empty tree holds no entry");
        goto out;
    }
    rc = wb_ledger_open_at(&ledger, o.ledger, o.store, 0);
    if (rc == 0)
        rc = wb_ledger_prove_inclusion(&proof, ledger, o.index, o.size);
    if (rc == 0)
        rc = wb_ledger_inclusion_json(&obj, &proof);
    if (rc < 0) {
        status = cli_fail(rc);
        goto out;
    }
    status = print_proof(obj, o.json);
out:
    wb_ledger_free(ledger);
    cli_list_free(&o.trust);
    cli_list_free(&o.checkpoints);
    return status;
}

static int run_consistency(int argc, char **argv)
{
    log_options o;
    wb_ledger *ledger = NULL;
    wb_ledger_consistency proof;
    json_t *obj = NULL;
    int rc, status;

    if ((status = parse_options(&o, argc, argv)) != EXIT_OK)
        goto out;
    if ((status = need_ledger(&o, "consistency")) != EXIT_OK)
        goto out;
    if (!o.has_from || optind != argc) {
        status = cli_usage_error("log", "consistency needs --from M and no operands");
        goto out;
    }
    if (o.from == 0 || (o.has_to && o.to == 0)) {
        status = cli_usage_error("log", "there is no consistency proof from or to the empty tree");
        goto out;
    }
    rc = wb_ledger_open_at(&ledger, o.ledger, o.store, 0);
    if (rc == 0)
        rc = wb_ledger_prove_consistency(&proof, ledger, o.from, o.to);
    if (rc == 0)
        rc = wb_ledger_consistency_json(&obj, &proof);
    if (rc < 0) {
        status = cli_fail(rc);
        goto out;
    }
    status = print_proof(obj, o.json);
out:
    wb_ledger_free(ledger);
    cli_list_free(&o.trust);
    cli_list_free(&o.checkpoints);
    return status;
}

static int run_verify(int argc, char **argv)
{
    log_options o;
    wb_note_verifier *log_key = NULL;
    wb_keyring *ring = NULL;
    wb_bundle *bundle = NULL;
    wb_envelope *env = NULL;
    wb_dsse_result *result = NULL;
    wb_checkpoint *bundle_cp = NULL, *current = NULL;
    const char *path;
    size_t i;
    int rc, status, server_status = EXIT_OK;

    if ((status = parse_options(&o, argc, argv)) != EXIT_OK)
        goto out;
    if (!o.log_key || optind + 1 != argc) {
        status = cli_usage_error("log", "verify needs one BUNDLE and --log-key VKEY");
        goto out;
    }
    path = argv[optind];
    if ((status = cli_load_log_key(&log_key, o.log_key)) != EXIT_OK)
        goto out;
    if ((o.http.server || cli_http_has_options(&o.http)) &&
        (status = cli_http_prepare(&o.http, false, "log")) != EXIT_OK)
        goto out;
    if (o.trust.count > 0 &&
        (status = cli_load_trust(&ring, &o.trust, o.threshold, "log")) != EXIT_OK)
        goto out;
    if ((rc = wb_bundle_load(&bundle, path)) < 0) {
        status = cli_fail(rc);
        goto out;
    }
    rc = wb_bundle_verify(&env, &result, bundle, log_key, ring, o.threshold);
    if (rc < 0 && rc != WB_EVERIFY) {
        status = cli_fail(rc);
        goto out;
    }
    if (rc == 0 && o.http.server) {
        /* the bundle holds: is its tree (still) the log's, as the server
         * shows it now? */
        const char *note = wb_bundle_checkpoint(bundle);
        int crc = wb_checkpoint_open(&bundle_cp, NULL, note, strlen(note),
                                     wb_note_verifier_name(log_key), log_key);
        if (crc < 0) {
            status = cli_fail(crc);
            goto out;
        }
        server_status = cli_server_check_consistent(&current, &o.http, log_key, bundle_cp);
        if (server_status != EXIT_OK && !o.json) {
            status = server_status;
            goto out;
        }
    }
    if (o.json) {
        json_t *signers = json_array();
        for (i = 0; signers && result && i < result->nsigs; i++)
            if (result->sigs[i].status == WB_DSSE_SIG_VALID)
                json_array_append_new(signers, json_string(result->sigs[i].keyid));
        const char *error = rc < 0                     ? wb_error_last()
                            : server_status != EXIT_OK ? "not consistent with the server's log"
                                                       : NULL;
        status = cli_print_json(json_pack(
            "{s:s, s:b, s:s, s:I, s:I, s:b, s:o, s:s?, s:s?, s:o?}", "bundle", path, "verified",
            rc == 0 && server_status == EXIT_OK, "log", wb_note_verifier_name(log_key), "index",
            (json_int_t)wb_bundle_index(bundle), "tree_size",
            (json_int_t)wb_bundle_tree_size(bundle), "signatures_checked", ring != NULL, "signers",
            signers, "error", error, "server", o.http.server, "server_tree_size",
            current ? json_integer((json_int_t)current->size) : NULL));
        if (rc < 0) {
            cli_errorf("%s", wb_error_last());
            status = EXIT_VERIFY;
        } else if (server_status != EXIT_OK)
            status = server_status;
        goto out;
    }
    if (rc < 0) {
        status = cli_fail(rc);
        goto out;
    }
    printf("%s: verified: entry %" PRIu64 " of %s (tree size %" PRIu64 ")\n", path,
           wb_bundle_index(bundle), wb_note_verifier_name(log_key), wb_bundle_tree_size(bundle));
    if (current)
        printf("log: %s is at tree size %" PRIu64 ", consistent with the bundle's\n", o.http.server,
               current->size);
    if (env)
        printf("payload type: %s\n", wb_envelope_payload_type(env));
    if (!ring)
        printf("signatures: not checked (no --trust given)\n");
    for (i = 0; result && i < result->nsigs; i++)
        if (result->sigs[i].status == WB_DSSE_SIG_VALID)
            printf("signed by: %s\n", result->sigs[i].keyid);
out:
    wb_dsse_result_free(result);
    wb_envelope_free(env);
    wb_bundle_free(bundle);
    wb_keyring_free(ring);
    wb_note_verifier_free(log_key);
    wb_checkpoint_free(bundle_cp);
    wb_checkpoint_free(current);
    cli_http_config_clear(&o.http);
    cli_list_free(&o.trust);
    cli_list_free(&o.checkpoints);
    return status;
}

/* Problems as the audit finds them: printed (the first AUDIT_PRINT_MAX)
 * or collected for --json. */
#define AUDIT_PRINT_MAX 100

typedef struct {
    bool json;
    json_t *list;
    uint64_t count;
} audit_out;

static void audit_problem(const char *problem, void *ctx)
{
    audit_out *out = ctx;
    char *safe = wb_path_display(problem);
    if (out->count++ < AUDIT_PRINT_MAX) {
        if (out->json)
            json_array_append_new(out->list, json_string(safe ? safe : problem));
        else
            printf("problem: %s\n", safe ? safe : problem);
    }
    wb_free(safe);
}

/* Open the checkpoints given with --checkpoint with the log key. */
static int load_given(wb_checkpoint ***out, const cli_list *paths, const wb_note_verifier *key)
{
    wb_checkpoint **given = calloc(paths->count ? paths->count : 1, sizeof(*given));
    size_t i;
    int status = EXIT_OK;

    if (!given) {
        cli_errorf("out of memory");
        return EXIT_ERROR;
    }
    for (i = 0; i < paths->count && status == EXIT_OK; i++) {
        char *text = NULL;
        size_t len = 0;
        int rc;
        if ((status = cli_read_file(&text, &len, paths->items[i], WB_NOTE_MAX_SIZE)) != EXIT_OK)
            break;
        rc = wb_checkpoint_open(&given[i], NULL, text, len, wb_note_verifier_name(key), key);
        free(text);
        if (rc < 0) {
            wb_error_prefix(rc, "log audit: --checkpoint %s: ", paths->items[i]);
            status = cli_fail(rc);
        }
    }
    *out = given;
    return status;
}

static int run_audit(int argc, char **argv)
{
    log_options o;
    wb_ledger *ledger = NULL;
    wb_note_verifier *key = NULL, *expected = NULL;
    wb_checkpoint **given = NULL;
    wb_ledger_audit_report report;
    audit_out out = {0};
    size_t i;
    int rc, status;

    if ((status = parse_options(&o, argc, argv)) != EXIT_OK)
        goto out;
    if ((status = need_ledger(&o, "audit")) != EXIT_OK)
        goto out;
    if (optind != argc) {
        status = cli_usage_error("log", "audit takes no operands");
        goto out;
    }
    /* as found: no repair of the checkpoint file or the tiles first */
    if ((rc = wb_ledger_open_at(&ledger, o.ledger, o.store, WB_LEDGER_OPEN_NO_REPAIR)) < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if ((status = cli_load_log_key(&key, wb_ledger_verifier_key(ledger))) != EXIT_OK)
        goto out;
    if (o.log_key) {
        char *a = NULL, *b = NULL;
        if ((status = cli_load_log_key(&expected, o.log_key)) != EXIT_OK)
            goto out;
        if (wb_note_verifier_encode(&a, expected) < 0 || wb_note_verifier_encode(&b, key) < 0) {
            wb_free(a);
            wb_free(b);
            status = cli_fail(wb_error_last_code());
            goto out;
        }
        if (strcmp(a, b) != 0) {
            cli_errorf("log audit: %s is the ledger of %s, not of the log key %s", o.ledger, b, a);
            status = EXIT_VERIFY;
        }
        wb_free(a);
        wb_free(b);
        if (status != EXIT_OK)
            goto out;
    }
    if ((status = load_given(&given, &o.checkpoints, key)) != EXIT_OK)
        goto out;
    out.json = o.json;
    if (o.json && !(out.list = json_array())) {
        cli_errorf("out of memory");
        status = EXIT_ERROR;
        goto out;
    }
    rc = wb_ledger_audit(&report, ledger, (const wb_checkpoint *const *)given, o.checkpoints.count,
                         audit_problem, &out);
    if (rc < 0 && rc != WB_EVERIFY) {
        status = cli_fail(rc);
        goto out;
    }
    status = report.problems ? EXIT_VERIFY : EXIT_OK;
    if (o.json) {
        json_t *doc = json_pack(
            "{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:O}", "ok", report.problems == 0,
            "tree_size", (json_int_t)report.size, "entries", (json_int_t)report.entries, "hashes",
            (json_int_t)report.hashes, "checkpoints", (json_int_t)report.checkpoints, "tiles",
            (json_int_t)report.tiles, "entry_bundles", (json_int_t)report.bundles, "problem_count",
            (json_int_t)report.problems, "problems", out.list);
        int pst = cli_print_json(doc);
        if (pst != EXIT_OK)
            status = pst;
        goto out;
    }
    if (report.problems > AUDIT_PRINT_MAX)
        printf("... and %" PRIu64 " more problems\n", report.problems - AUDIT_PRINT_MAX);
    printf("audited %s: %" PRIu64 " entries, %" PRIu64 " stored hashes, %" PRIu64
           " checkpoints, %" PRIu64 " tiles, %" PRIu64 " entry bundles\n",
           o.ledger, report.entries, report.hashes, report.checkpoints, report.tiles,
           report.bundles);
    if (report.problems)
        printf("NOT OK: %" PRIu64 " problem%s\n", report.problems, report.problems == 1 ? "" : "s");
    else
        printf("OK: the log of %" PRIu64 " entries is what its checkpoints sign\n", report.size);
out:
    for (i = 0; given && i < o.checkpoints.count; i++)
        wb_checkpoint_free(given[i]);
    free(given);
    json_decref(out.list);
    wb_note_verifier_free(key);
    wb_note_verifier_free(expected);
    wb_ledger_free(ledger);
    cli_list_free(&o.trust);
    cli_list_free(&o.checkpoints);
    return status;
}

static int run(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } subs[] = {
        {"init", run_init},
        {"add", run_add},
        {"checkpoint", run_checkpoint},
        {"prove", run_prove},
        {"consistency", run_consistency},
        {"verify", run_verify},
        {"audit", run_audit},
        {"witness", cmd_log_witness_run},
    };
    size_t i;

    if (argc < 2)
        return cli_usage(&cmd_log, stderr);
    for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(argc - 1, argv + 1);
    return cli_usage_error(
        "log",
        "unknown subcommand '%s' (init, add, checkpoint, prove, consistency, verify or witness)",
        argv[1]);
}

const cli_command cmd_log = {
    .name = "log",
    .summary = "the ledger: append envelopes, prove, verify bundles",
    .run = run,
    .usage = usage,
};
