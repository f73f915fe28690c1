/*
 * cmd_verify.c: `waybill verify`: check a delivery against its waybill.
 *
 * Order matters: the envelope's signatures are checked first, and nothing in
 * the payload is trusted (not even the exclude patterns) before they hold.
 * Then the tree is re-hashed and compared completely, so the report lists
 * every difference, not the first.
 *
 * With --bundle and --server, the bundle's checkpoint must also be the tree
 * the log's server shows now, or a prefix of it (http.c): checked before
 * the hours of hashing, as the signatures are.
 *
 * A waybill that carries a supply chain (seal --layout) is accepted only
 * with --layout-key, the customer's pin of the layout's signers: the
 * layout and the carried links are verified again (signatures, expiry,
 * thresholds, rules) and the waybill's subjects must be exactly the last
 * step's products; also before the hashing. --layout-key with a waybill
 * that carries no supply chain fails: the customer asked for one.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http.h"

static const char usage[] =
    "usage: waybill verify PATH (--waybill FILE | --bundle FILE --log-key VKEY)\n"
    "                      --trust PUB [--trust PUB2 ...]\n"
    "                      [--threshold N] [--layout-key PUB ...] [--threads N]\n"
    "                      [--require-review [--review-key PUB ...]]\n"
    "                      [--server URL] [--quiet] [--json]\n"
    "\n"
    "Check the waybill's signatures (at least N distinct trusted keys, default\n"
    "1), then re-hash PATH (directory, file or archive) and compare it with the\n"
    "waybill, completely. One line per difference:\n"
    "  modified: P   missing: P   unexpected: P   mode changed: P   symlink changed: P\n"
    "Exit 0 only when the signatures hold and there is no difference; 1 when\n"
    "either fails; 3 when something cannot be read.\n"
    "\n"
    "  -w, --waybill FILE   the waybill (from waybill seal)\n"
    "  -b, --bundle FILE    the waybill's ledger bundle (seal --ledger): checks\n"
    "                       also that the waybill is in the log (inclusion proof\n"
    "                       and checkpoint signed by --log-key); with --waybill\n"
    "                       too, the bundle must hold that very waybill\n"
    "      --log-key VKEY   the ledger's verifier key (name+hash+base64, or a file)\n"
    "      --server URL     with --bundle: also check that the log's current\n"
    "                       checkpoint at waybilld URL (signed by VKEY) is the\n"
    "                       bundle's tree or extends it (a fork fails)\n" CLI_HTTP_USAGE
    "  -t, --trust PUB      trusted public key (repeatable)\n"
    "  -n, --threshold N    distinct trusted keys required (default 1)\n"
    "      --layout-key PUB the in-toto layout's signer (repeatable: every one must\n"
    "                       have signed); required when the waybill carries a\n"
    "                       supply chain (seal --layout), which is then verified\n"
    "                       again: layout, links, rules, and the delivered files\n"
    "                       equal to the last step's products\n"
    "      --require-review the waybill must carry a review attestation (seal\n"
    "                       --review) signed by a --review-key (default: a --trust\n"
    "                       key), over exactly its files, that passed its redline\n"
    "      --review-key PUB the reviewer's public key (repeatable; implies\n"
    "                       --require-review)\n"
    "      --threads N      hashing threads (default: one per core)\n"
    "  -q, --quiet          no progress bar\n"
    "      --json           the verdict and differences as JSON\n";

/* --require-review: the waybill must carry a review attestation, signed by
 * a --review-key (or, without any, a --trust key), over exactly the
 * waybill's subjects, that passed its redline. *out gets its predicate. */
static int verify_review(json_t **out, const wb_delivery *delivery, const cli_list *review_keys,
                         const wb_keyring *trust, const char *waybill_path)
{
    const json_t *carried = wb_delivery_review(delivery);
    wb_keyring *ring = NULL;
    wb_envelope *env = NULL;
    char *text = NULL, *name = NULL;
    int rc, status;

    if (!carried) {
        wb_error_set(WB_EVERIFY, "%s: the waybill carries no review attestation (seal --review)",
                     waybill_path);
        cli_errorf("%s", wb_error_last());
        return EXIT_VERIFY;
    }
    if (review_keys->count && (status = cli_load_trust(&ring, review_keys, 1, "verify")) != EXIT_OK)
        return status;
    if (asprintf(&name, "%s: predicate.review", waybill_path) < 0 ||
        !(text = json_dumps(carried, JSON_COMPACT))) {
        free(name);
        wb_keyring_free(ring);
        return cli_fail(wb_error_set(WB_ENOMEM, "out of memory"));
    }
    if ((rc = wb_envelope_parse(&env, text, strlen(text), name)) == 0)
        rc = wb_review_attestation_check(out, env, ring ? ring : trust,
                                         wb_delivery_subjects(delivery), NULL, name);
    free(text);
    free(name);
    wb_envelope_free(env);
    wb_keyring_free(ring);
    return rc < 0 ? cli_fail(rc) : EXIT_OK;
}

/* JSON strings are UTF-8: a name that is not (only found by verify, as an
 * unexpected entry) is given in its escaped display form */
static json_t *path_json(const char *path)
{
    json_t *value = json_string(path);
    char *shown;
    if (value)
        return value;
    shown = wb_path_display(path);
    value = shown ? json_string(shown) : NULL;
    wb_free(shown);
    return value;
}

static json_t *diff_json(const wb_diff *d)
{
    return json_pack("{s:s, s:o, s:o?, s:o?}", "kind", wb_diff_kind_name(d->kind), "path",
                     path_json(d->path), "expected", d->expected[0] ? path_json(d->expected) : NULL,
                     "actual", d->actual[0] ? path_json(d->actual) : NULL);
}

/* The supply chain the waybill carries, verified again with the pinned
 * layout keys; *steps_out: the layout's number of steps. */
static int verify_supply_chain(size_t *steps_out, const wb_delivery *delivery,
                               const cli_list *layout_key_paths, const char *waybill_path)
{
    const json_t *chain = wb_delivery_supply_chain(delivery), *prefix;
    wb_keyring *ring = NULL;
    wb_metablock *layout = NULL;
    wb_layout_options lopts = {0};
    json_t *summary = NULL;
    char *text = NULL, *name = NULL;
    int rc = 0, status = EXIT_OK;

    if (!chain && layout_key_paths->count == 0)
        return EXIT_OK;
    /* wb_error_set, not only a message: --json reports wb_error_last() */
    if (!chain)
        return cli_fail(wb_error_set(WB_EVERIFY,
                                     "%s: carries no supply chain (no in-toto layout), but "
                                     "--layout-key asks for one",
                                     waybill_path));
    if (layout_key_paths->count == 0)
        return cli_fail(wb_error_set(WB_EVERIFY,
                                     "%s: carries an in-toto supply chain; give the layout's "
                                     "signer with --layout-key PUB to verify it",
                                     waybill_path));
    if ((status = cli_load_trust(&ring, layout_key_paths, 1, "verify")) != EXIT_OK)
        goto out;
    prefix = json_object_get(chain, "productPrefix");
    if (!json_is_object(chain) || !json_is_object(json_object_get(chain, "layout")) ||
        !json_is_object(json_object_get(chain, "links")) || (prefix && !json_is_string(prefix))) {
        rc = wb_error_set(WB_EFORMAT,
                          "%s: predicate.supplyChain needs objects \"layout\" and \"links\"",
                          waybill_path);
        goto out;
    }
    if (asprintf(&name, "%s: supplyChain.layout", waybill_path) < 0)
        name = NULL;
    text = json_dumps(json_object_get(chain, "layout"), JSON_COMPACT);
    if (!name || !text) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = wb_metablock_parse(&layout, text, strlen(text), name)) < 0)
        goto out;
    if (wb_metablock_get_type(layout) != WB_METABLOCK_LAYOUT) {
        rc = wb_error_set(WB_EFORMAT, "%s: a link, not a layout", name);
        goto out;
    }
    *steps_out = json_array_size(json_object_get(wb_metablock_signed(layout), "steps"));
    lopts.links = json_object_get(chain, "links");
    free(name);
    if (asprintf(&name, "%s: supplyChain.links", waybill_path) < 0)
        name = NULL;
    if (!name) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = wb_layout_verify(&summary, layout, ring, name, &lopts)) < 0)
        goto out;
    rc = wb_layout_check_products(json_object_get(summary, "products"), json_string_value(prefix),
                                  wb_delivery_subjects(delivery), waybill_path);
out:
    if (rc < 0)
        status = cli_fail(rc);
    json_decref(summary);
    free(text);
    free(name);
    wb_metablock_free(layout);
    wb_keyring_free(ring);
    return status;
}

/* The bundle must carry exactly the waybill given with --waybill. */
static int same_waybill(const wb_bundle *bundle, const char *waybill_path, const char *bundle_path)
{
    const unsigned char *in_bundle;
    size_t bundle_len, len = 0;
    char *bytes = NULL;
    int status, same;

    status = cli_read_file(&bytes, &len, waybill_path, WB_DSSE_MAX_ENVELOPE_SIZE);
    if (status != EXIT_OK)
        return status;
    in_bundle = wb_bundle_envelope(bundle, &bundle_len);
    same = bundle_len == len && wb_digest_equal(in_bundle, bytes, len);
    free(bytes);
    if (!same) {
        cli_errorf("%s: holds another waybill than %s", bundle_path, waybill_path);
        return EXIT_VERIFY;
    }
    return EXIT_OK;
}

static int run(int argc, char **argv)
{
    enum {
        OPT_THREADS = 256,
        OPT_JSON,
        OPT_LOG_KEY,
        OPT_LAYOUT_KEY,
        OPT_REQUIRE_REVIEW,
        OPT_REVIEW_KEY
    };
    static const struct option options[] = {
        {"waybill", required_argument, NULL, 'w'},
        {"trust", required_argument, NULL, 't'},
        {"threshold", required_argument, NULL, 'n'},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, OPT_JSON},
        {"bundle", required_argument, NULL, 'b'},
        {"log-key", required_argument, NULL, OPT_LOG_KEY},
        {"layout-key", required_argument, NULL, OPT_LAYOUT_KEY},
        {"require-review", no_argument, NULL, OPT_REQUIRE_REVIEW},
        {"review-key", required_argument, NULL, OPT_REVIEW_KEY},
        CLI_HTTP_LONG_OPTIONS,
        {0, 0, 0, 0},
    };
    cli_list trust = {0}, layout_keys = {0}, review_keys = {0};
    bool require_review = false;
    json_t *review = NULL;
    size_t chain_steps = 0;
    const char *waybill_path = NULL, *path, *bundle_path = NULL, *log_key_arg = NULL;
    wb_note_verifier *log_key = NULL;
    wb_bundle *bundle = NULL;
    wb_checkpoint *bundle_cp = NULL, *current = NULL;
    cli_http_config http = {0};
    size_t threshold = 1, ndiffs = 0, i, payload_len;
    const unsigned char *payload;
    wb_keyring *ring = NULL;
    wb_envelope *env = NULL;
    wb_dsse_result *result = NULL;
    wb_delivery *delivery = NULL;
    wb_tree *tree = NULL;
    wb_diff *diffs = NULL;
    wb_tree_options opts = {0};
    const char **excludes = NULL;
    cli_progress bar;
    bool quiet = false, json = false;
    int opt, rc, status = EXIT_OK;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "w:t:n:qb:", options, NULL)) != -1) {
        switch (opt) {
        case 'b':
            bundle_path = optarg;
            break;
        case OPT_LOG_KEY:
            log_key_arg = optarg;
            break;
        case OPT_LAYOUT_KEY:
            cli_list_add(&layout_keys, optarg);
            break;
        case OPT_REQUIRE_REVIEW:
            require_review = true;
            break;
        case OPT_REVIEW_KEY:
            cli_list_add(&review_keys, optarg);
            require_review = true;
            break;
        case 'w':
            waybill_path = optarg;
            break;
        case 't':
            cli_list_add(&trust, optarg);
            break;
        case 'n':
            if (!cli_parse_count(&threshold, optarg)) {
                status = cli_usage_error("verify", "--threshold needs a positive number");
                goto out;
            }
            break;
        case OPT_THREADS:
            if (!cli_parse_threads(&opts.threads, optarg)) {
                status = cli_usage_error("verify", "--threads needs a number from 1 to 64");
                goto out;
            }
            break;
        case 'q':
            quiet = true;
            break;
        case OPT_JSON:
            json = true;
            break;
        default: {
            int st = cli_http_parse_option(&http, opt, optarg, "verify");
            status = st < 0 ? cli_usage_error("verify", "invalid option") : st;
            if (status != EXIT_OK)
                goto out;
        }
        }
    }
    if (optind + 1 != argc || (!waybill_path && !bundle_path) || trust.count == 0) {
        status = cli_usage_error("verify", "verify needs PATH, --waybill FILE (or --bundle FILE) "
                                           "and --trust PUB");
        goto out;
    }
    if (!bundle_path != !log_key_arg) {
        status = cli_usage_error("verify", "--bundle and --log-key go together");
        goto out;
    }
    if ((http.server || cli_http_has_options(&http)) && !bundle_path) {
        status = cli_usage_error("verify", "--server checks a --bundle against the log");
        goto out;
    }
    path = argv[optind];
    if ((status = cli_load_trust(&ring, &trust, threshold, "verify")) != EXIT_OK)
        goto out;
    if (bundle_path && (http.server || cli_http_has_options(&http)) &&
        (status = cli_http_prepare(&http, false, "verify")) != EXIT_OK)
        goto out;
    if (bundle_path) {
        /* the log's word first: the checkpoint, the inclusion proof, then the
         * signatures of the envelope the bundle carries */
        if ((status = cli_load_log_key(&log_key, log_key_arg)) != EXIT_OK)
            goto out;
        if ((rc = wb_bundle_load(&bundle, bundle_path)) < 0) {
            status = cli_fail(rc);
            goto out;
        }
        if (waybill_path && (status = same_waybill(bundle, waybill_path, bundle_path)) != EXIT_OK)
            goto out;
        rc = wb_bundle_verify(&env, &result, bundle, log_key, ring, threshold);
        if (!waybill_path)
            waybill_path = bundle_path;
    } else {
        if ((rc = wb_envelope_load(&env, waybill_path)) < 0) {
            status = cli_fail(rc);
            goto out;
        }
        rc = wb_dsse_verify(&result, env, ring, threshold);
    }
    if (rc < 0) {
        if (rc == WB_EVERIFY && !bundle_path)
            wb_error_prefix(rc, "%s: ", waybill_path);
        if (json && rc == WB_EVERIFY)
            cli_print_json(json_pack("{s:b, s:b, s:s}", "verified", 0, "signaturesValid", 0,
                                     "error", wb_error_last()));
        status = cli_fail(rc);
        goto out;
    }
    if (bundle && http.server) {
        const char *note = wb_bundle_checkpoint(bundle);
        rc = wb_checkpoint_open(&bundle_cp, NULL, note, strlen(note),
                                wb_note_verifier_name(log_key), log_key);
        if (rc < 0) {
            status = cli_fail(rc);
            goto out;
        }
        if ((status = cli_server_check_consistent(&current, &http, log_key, bundle_cp)) !=
            EXIT_OK) {
            if (json)
                cli_print_json(json_pack("{s:b, s:b, s:s}", "verified", 0, "signaturesValid", 1,
                                         "error", "not consistent with the log's server"));
            goto out;
        }
    }
    if (strcmp(wb_envelope_payload_type(env), WB_INTOTO_PAYLOAD_TYPE) != 0) {
        status = cli_fail(wb_error_set(WB_EFORMAT, "%s: payload type is %s, not %s", waybill_path,
                                       wb_envelope_payload_type(env), WB_INTOTO_PAYLOAD_TYPE));
        goto out;
    }
    payload = wb_envelope_payload(env, &payload_len);
    if ((rc = wb_delivery_parse(&delivery, payload, payload_len, waybill_path)) < 0) {
        status = cli_fail(rc);
        goto out;
    }
    /* the supply chain before the hashing, as the signatures */
    if ((status = verify_supply_chain(&chain_steps, delivery, &layout_keys, waybill_path)) !=
        EXIT_OK) {
        if (json)
            cli_print_json(json_pack("{s:b, s:b, s:b, s:s}", "verified", 0, "signaturesValid", 1,
                                     "supplyChainVerified", 0, "error", wb_error_last()));
        goto out;
    }
    if (require_review &&
        (status = verify_review(&review, delivery, &review_keys, ring, waybill_path)) != EXIT_OK) {
        if (json)
            cli_print_json(json_pack("{s:b, s:b, s:b, s:s}", "verified", 0, "signaturesValid", 1,
                                     "reviewVerified", 0, "error", wb_error_last()));
        goto out;
    }
    /* the excludes come from the signed statement, so seal and verify agree */
    opts.nexcludes = wb_delivery_exclude_count(delivery);
    excludes = calloc(opts.nexcludes + 1, sizeof(*excludes));
    if (!excludes) {
        status = cli_fail(wb_error_set(WB_ENOMEM, "out of memory"));
        goto out;
    }
    for (i = 0; i < opts.nexcludes; i++)
        excludes[i] = wb_delivery_exclude(delivery, i);
    opts.excludes = excludes;
    opts.record_foreign = true; /* report FIFOs and non-UTF-8 names, don't stop at them */

    cli_progress_init(&bar, &opts, quiet);
    rc = wb_tree_hash(&tree, path, &opts);
    cli_progress_done(&bar);
    if (rc == 0)
        rc = wb_delivery_compare(&diffs, &ndiffs, delivery, tree);
    if (rc < 0) {
        status = cli_fail(rc);
        goto out;
    }
    status = ndiffs == 0 ? EXIT_OK : EXIT_VERIFY;
    if (json) {
        json_t *list = json_array(), *signers = json_array();
        for (i = 0; list && i < ndiffs; i++)
            json_array_append_new(list, diff_json(&diffs[i]));
        for (i = 0; signers && i < result->nsigs; i++)
            if (result->sigs[i].status == WB_DSSE_SIG_VALID)
                json_array_append_new(signers, json_string(result->sigs[i].keyid));
        rc = cli_print_json(json_pack(
            "{s:b, s:b, s:s, s:s?, s:s?, s:I, s:I, s:o, s:o, s:o?, s:o?, s:o*, s:O?}", "verified",
            ndiffs == 0, "signaturesValid", 1, "path", path, "name", wb_delivery_name(delivery),
            "version", wb_delivery_version(delivery), "files", (json_int_t)wb_tree_file_count(tree),
            "bytes", (json_int_t)wb_tree_total_bytes(tree), "signers", signers, "differences", list,
            "logIndex", bundle ? json_integer((json_int_t)wb_bundle_index(bundle)) : NULL,
            "logServerTreeSize", current ? json_integer((json_int_t)current->size) : NULL,
            "supplyChainVerified", layout_keys.count ? json_true() : NULL, "review", review));
        if (rc != EXIT_OK)
            status = rc;
        goto out;
    }
    for (i = 0; i < ndiffs; i++) {
        char *shown = wb_path_display(diffs[i].path);
        printf("%s: %s", wb_diff_kind_name(diffs[i].kind), shown ? shown : "?");
        if ((diffs[i].kind == WB_DIFF_MODE || diffs[i].kind == WB_DIFF_SYMLINK) &&
            diffs[i].expected[0]) {
            char *want = wb_path_display(diffs[i].expected),
                 *got = wb_path_display(diffs[i].actual);
            printf(" (%s -> %s)", want ? want : "?", got ? got : "?");
            wb_free(want);
            wb_free(got);
        }
        putchar('\n');
        wb_free(shown);
    }
    if (ndiffs) {
        cli_errorf("%s: %zu difference%s from the waybill %s", path, ndiffs, ndiffs == 1 ? "" : "s",
                   waybill_path);
    } else {
        char bytes[32];
        cli_format_bytes(bytes, sizeof(bytes), wb_tree_total_bytes(tree));
        printf("%s: verified: %llu file%s, %s match %s\n", path,
               (unsigned long long)wb_tree_file_count(tree),
               wb_tree_file_count(tree) == 1 ? "" : "s", bytes, waybill_path);
        for (i = 0; i < result->nsigs; i++)
            if (result->sigs[i].status == WB_DSSE_SIG_VALID)
                printf("signed by: %s\n", result->sigs[i].keyid);
        if (bundle)
            printf("in the log: entry %llu of %llu, checkpoint signed by %s\n",
                   (unsigned long long)wb_bundle_index(bundle),
                   (unsigned long long)wb_bundle_tree_size(bundle), wb_note_verifier_name(log_key));
        if (current)
            printf("log: %s is at tree size %llu, consistent with the bundle's\n", http.server,
                   (unsigned long long)current->size);
        if (layout_keys.count)
            printf("supply chain: verified: %zu step%s, layout signed by %zu pinned key%s, "
                   "files are the last step's products\n",
                   chain_steps, chain_steps == 1 ? "" : "s", layout_keys.count,
                   layout_keys.count == 1 ? "" : "s");
        if (review)
            printf(
                "review: verified: reviewed %s, every file, redline %s passed\n",
                json_string_value(json_object_get(review, "reviewed")),
                json_string_value(json_object_get(json_object_get(review, "redline"), "policy")));
    }
out:
    wb_checkpoint_free(bundle_cp);
    wb_checkpoint_free(current);
    cli_http_config_clear(&http);
    wb_bundle_free(bundle);
    wb_note_verifier_free(log_key);
    free(excludes);
    wb_free(diffs);
    wb_tree_free(tree);
    wb_delivery_free(delivery);
    wb_dsse_result_free(result);
    wb_envelope_free(env);
    wb_keyring_free(ring);
    cli_list_free(&trust);
    cli_list_free(&layout_keys);
    cli_list_free(&review_keys);
    json_decref(review);
    return status;
}

const cli_command cmd_verify = {
    .name = "verify",
    .summary = "check a delivery against its waybill",
    .run = run,
    .usage = usage,
};
