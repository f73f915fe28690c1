/*
 * cmd_seal.c: `waybill seal`: hash a delivery and sign its waybill.
 *
 * With --ledger the waybill is appended to a local ledger; with --server to
 * waybilld's (http.c), whose bundle is written only once it verifies with
 * --log-key, required for that reason. Keys, log key, token and URL are all
 * checked before hashing starts: a mistake should fail before an hour of
 * hashing, not after.
 *
 * With --layout the supply chain is verified first (wb_layout_verify, links
 * from --link-dir, the layout signed by every --layout-key) and fails
 * closed: nothing is written unless it verifies and the delivered files are
 * exactly the last step's products (under --product-prefix). The layout and
 * the links that counted are then carried in the waybill's predicate
 * (supplyChain), so that verify can run the same check again offline.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "http.h"

static const char usage[] =
    "usage: waybill seal PATH --key KEY [--key KEY2 ...] [--out FILE] [--name NAME]\n"
    "                    [--version V] [--supplier NAME] [--to SITE] [--exclude GLOB ...]\n"
    "                    [--ledger DIR | --server URL --token-file FILE --log-key VKEY]\n"
    "                    [--layout LAYOUT --layout-key PUB ... [--link-dir DIR]\n"
    "                     [--product-prefix DIR]]\n"
    "                    [--review ATTESTATION [--review-key PUB ...]]\n"
    "                    [--threads N] [--quiet] [--json]\n"
    "\n"
    "Hash every file of PATH (a directory, a single file, or a .tar, .tar.gz, .tgz,\n"
    ".tar.xz, .tar.zst, .tar.bz2 or .zip archive, read without unpacking) in\n"
    "parallel and write its waybill: a DSSE envelope over an in-toto Statement\n"
    "with one subject per regular file and a delivery predicate recording\n"
    "symbolic links, empty directories and permission bits\n"
    "(docs/formats/delivery.md). Symbolic links are recorded, never followed;\n"
    "nothing outside PATH is read.\n"
    "\n"
    "  -k, --key KEY        signing key (repeatable: every key signs)\n"
    "  -o, --out FILE       the waybill (default: NAME.waybill.json)\n"
    "      --name NAME      delivery name (default: PATH's base name)\n"
    "      --version V      delivery version\n"
    "      --supplier NAME  who delivers\n"
    "      --to SITE        the recipient site\n"
    "  -x, --exclude GLOB   leave out paths matching GLOB (fnmatch, '*' matches '/');\n"
    "                       recorded in the waybill so verify leaves them out too\n"
    "      --ledger DIR     also append the waybill to this ledger (waybill log init)\n"
    "                       and write its bundle to FILE.bundle\n"
    "      --server URL     or submit the waybill to waybilld (https://, or http://\n"
    "                       to a loopback address) and write the bundle it answers\n"
    "                       to FILE.bundle, once it verifies with --log-key\n"
    "      --token-file FILE  the bearer token to submit with (mode 0600)\n"
    "      --log-key VKEY   the log's verifier key, or a file with it (--server)\n" CLI_HTTP_USAGE
    "      --layout LAYOUT  verify this in-toto layout and its links first (nothing\n"
    "                       is written unless it verifies), then carry both in the\n"
    "                       waybill for verify to check again\n"
    "      --layout-key PUB the layout's signer (repeatable: every one must sign)\n"
    "      --link-dir DIR   where the links are (default: .)\n"
    "      --product-prefix DIR  the delivered files are the last step's products\n"
    "                       under DIR/ (default: all of its products)\n"
    "      --review ATTESTATION  carry this review attestation (waybill review --key\n"
    "                       --out): it must be signed by a --review-key (default:\n"
    "                       a sealing key), cover exactly the files sealed, and\n"
    "                       have passed its redline; nothing is written otherwise\n"
    "      --review-key PUB the reviewer's public key (repeatable)\n"
    "      --threads N      hashing threads (default: one per core)\n"
    "  -q, --quiet          no progress bar\n"
    "      --json           print a summary as JSON\n"
    "\n"
    "The creation time is now, or SOURCE_DATE_EPOCH when set (reproducible builds).\n";

/* Check the review attestation of --review before carrying it: signed by a
 * --review-key (or, without any, by one of the sealing keys), over exactly
 * the files being sealed, and passed its redline. *out gets the envelope's
 * JSON to carry as predicate.review. */
static int check_review(json_t **out, const char *review_path, const cli_list *review_keys,
                        wb_key *const *keys, size_t nkeys, const wb_tree *tree)
{
    wb_keyring *ring = NULL;
    wb_envelope *env = NULL;
    char *text = NULL;
    size_t len, i;
    int rc = 0, status;

    *out = NULL;
    if (review_keys->count) {
        if ((status = cli_load_trust(&ring, review_keys, 1, "seal")) != EXIT_OK)
            return status;
    } else {
        if ((rc = wb_keyring_new(&ring)) < 0)
            return cli_fail(rc);
        for (i = 0; i < nkeys && rc == 0; i++) {
            wb_key *pub = NULL;
            if ((rc = wb_key_public(&pub, keys[i])) == 0)
                rc = wb_keyring_add(ring, pub);
        }
        if (rc < 0) {
            wb_keyring_free(ring);
            return cli_fail(rc);
        }
    }
    if ((status = cli_read_file(&text, &len, review_path, WB_REVIEW_MAX_SIZE)) != EXIT_OK) {
        wb_keyring_free(ring);
        return status;
    }
    if ((rc = wb_envelope_parse(&env, text, len, review_path)) == 0 &&
        (rc = wb_review_attestation_check(NULL, env, ring, NULL, tree, review_path)) == 0)
        rc = wb_json_parse(out, text, len, review_path);
    free(text);
    wb_envelope_free(env);
    wb_keyring_free(ring);
    if (rc < 0) {
        cli_errorf("%s; nothing was sealed", wb_error_last());
        return cli_exit_status(rc);
    }
    return EXIT_OK;
}

/* base name of PATH without a trailing slash or an archive suffix */
static char *default_name(const char *path)
{
    static const char *const suffixes[] = {".tar.gz", ".tar.xz", ".tar.zst", ".tar.bz2", ".tgz",
                                           ".txz",    ".tzst",   ".tar",     ".zip"};
    char *copy = strdup(path), *base;
    size_t len, i;
    if (!copy)
        return NULL;
    len = strlen(copy);
    while (len > 1 && copy[len - 1] == '/')
        copy[--len] = '\0';
    base = strrchr(copy, '/');
    base = base ? base + 1 : copy;
    for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t n = strlen(base), m = strlen(suffixes[i]);
        if (n > m && strcmp(base + n - m, suffixes[i]) == 0) {
            base[n - m] = '\0';
            break;
        }
    }
    memmove(copy, base, strlen(base) + 1);
    if (!*copy || strcmp(copy, ".") == 0 || strcmp(copy, "/") == 0) {
        free(copy);
        return strdup("delivery");
    }
    return copy;
}

static int creation_time(int64_t *out)
{
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    char *end;
    long long v;
    if (!epoch || !*epoch) {
        *out = (int64_t)time(NULL);
        return 0;
    }
    errno = 0;
    v = strtoll(epoch, &end, 10);
    if (errno || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

/* Verify the supply chain of --layout and build what the waybill carries of
 * it: {"layout": DOC, "links": {PATH: DOC}, "productPrefix": DIR}. The
 * summary link (materials of the first step, products of the last) goes to
 * *summary. */
static int verify_supply_chain(json_t **chain_out, json_t **summary, const char *layout_path,
                               const cli_list *layout_key_paths, const char *link_dir,
                               const char *prefix)
{
    wb_keyring *ring = NULL;
    wb_metablock *layout = NULL;
    wb_layout_options lopts = {0};
    json_t *links = NULL, *layout_doc = NULL;
    char *bytes = NULL;
    size_t len = 0;
    int rc, status;

    if ((status = cli_load_trust(&ring, layout_key_paths, 1, "seal")) != EXIT_OK)
        goto out;
    if ((status = cli_read_file(&bytes, &len, layout_path, WB_LAYOUT_MAX_FILE_SIZE)) != EXIT_OK)
        goto out;
    if ((rc = wb_metablock_parse(&layout, bytes, len, layout_path)) < 0 ||
        (rc = wb_json_parse(&layout_doc, bytes, len, layout_path)) < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if (wb_metablock_get_type(layout) != WB_METABLOCK_LAYOUT) {
        cli_errorf("%s: a link, not a layout", layout_path);
        status = EXIT_ERROR;
        goto out;
    }
    /* the customer cannot run the supplier's inspections again, so a sealed
     * chain is one that its steps' links and rules alone decide */
    if (json_array_size(json_object_get(wb_metablock_signed(layout), "inspect")) > 0) {
        cli_errorf("%s: has inspections; a sealed supply chain must be decided by its steps' "
                   "links and rules alone (the customer's verify cannot run the inspections "
                   "again): make each inspection a step",
                   layout_path);
        status = EXIT_VERIFY;
        goto out;
    }
    links = json_object();
    if (!links) {
        status = cli_fail(wb_error_set(WB_ENOMEM, "out of memory"));
        goto out;
    }
    lopts.collect = links;
    if ((rc = wb_layout_verify(summary, layout, ring, link_dir, &lopts)) < 0) {
        cli_errorf("%s", wb_error_last());
        cli_errorf("supply chain not verified: nothing written");
        status = cli_exit_status(rc);
        goto out;
    }
    *chain_out = json_pack("{s:O, s:O, s:s*}", "layout", layout_doc, "links", links,
                           "productPrefix", prefix && prefix[0] ? prefix : NULL);
    if (!*chain_out)
        status = cli_fail(wb_error_set(WB_ENOMEM, "out of memory"));
out:
    json_decref(links);
    json_decref(layout_doc);
    wb_metablock_free(layout);
    wb_keyring_free(ring);
    free(bytes);
    return status;
}

/* The delivered files must be exactly the last step's products. */
static int check_products(const json_t *summary, const char *prefix, const wb_tree *tree,
                          const char *path)
{
    json_t *subjects = json_array();
    size_t i;
    int rc;

    for (i = 0; subjects && i < wb_tree_count(tree); i++) {
        const wb_tree_entry *e = wb_tree_get(tree, i);
        char hex[2 * WB_SHA256_LEN + 1];
        if (e->type != WB_TREE_FILE)
            continue;
        wb_hex_encode(hex, e->sha256, WB_SHA256_LEN);
        if (json_array_append_new(subjects, json_pack("{s:s, s:{s:s}}", "name", e->path, "digest",
                                                      "sha256", hex)) < 0) {
            json_decref(subjects);
            subjects = NULL;
        }
    }
    if (!subjects)
        return cli_fail(wb_error_set(WB_ENOMEM, "out of memory"));
    rc = wb_layout_check_products(json_object_get(summary, "products"), prefix, subjects, path);
    json_decref(subjects);
    if (rc < 0) {
        cli_errorf("%s", wb_error_last());
        cli_errorf("supply chain not verified: nothing written");
        return cli_exit_status(rc);
    }
    return EXIT_OK;
}

/* Append the waybill, exactly as written, to the ledger and write its
 * bundle next to it (FILE.bundle). */
static int append_to_ledger(uint64_t *index, char **bundle_path, const char *dir,
                            const char *waybill_path)
{
    wb_ledger *ledger = NULL;
    wb_ledger_input input = {0};
    char *bytes = NULL;
    size_t len = 0;
    int rc;

    if (asprintf(bundle_path, "%s.bundle", waybill_path) < 0) {
        *bundle_path = NULL;
        return cli_fail(wb_error_set(WB_ENOMEM, "out of memory"));
    }
    if (cli_read_file(&bytes, &len, waybill_path, WB_DSSE_MAX_ENVELOPE_SIZE) != EXIT_OK)
        return EXIT_ERROR;
    input.data = bytes;
    input.len = len;
    input.name = waybill_path;
    rc = wb_ledger_open(&ledger, dir);
    if (rc == 0)
        rc = wb_ledger_append(index, ledger, &input, 1, NULL);
    if (rc == 0)
        rc = wb_ledger_bundle_save(ledger, *index, *bundle_path);
    wb_ledger_free(ledger);
    free(bytes);
    return rc < 0 ? cli_fail(rc) : EXIT_OK;
}

/* Submit the waybill, exactly as written, to waybilld and write the bundle
 * it answers, once verified, next to it (FILE.bundle). */
static int submit_to_server(uint64_t *index, char **bundle_path, const cli_http_config *http,
                            const wb_note_verifier *log_key, const char *waybill_path)
{
    wb_bundle *bundle = NULL;
    char *bytes = NULL, *text = NULL;
    size_t len = 0, text_len = 0;
    int status;

    if (asprintf(bundle_path, "%s.bundle", waybill_path) < 0) {
        *bundle_path = NULL;
        return cli_fail(wb_error_set(WB_ENOMEM, "out of memory"));
    }
    status = cli_read_file(&bytes, &len, waybill_path, WB_DSSE_MAX_ENVELOPE_SIZE);
    if (status == EXIT_OK)
        status =
            cli_server_submit(&bundle, &text, &text_len, http, log_key, bytes, len, waybill_path);
    if (status == EXIT_OK)
        status = cli_write_file_atomic(*bundle_path, text, text_len);
    if (status == EXIT_OK)
        *index = wb_bundle_index(bundle);
    wb_bundle_free(bundle);
    free(text);
    free(bytes);
    return status;
}

static int run(int argc, char **argv)
{
    enum {
        OPT_NAME = 256,
        OPT_VERSION,
        OPT_SUPPLIER,
        OPT_TO,
        OPT_THREADS,
        OPT_JSON,
        OPT_LEDGER,
        OPT_LOG_KEY,
        OPT_LAYOUT,
        OPT_LAYOUT_KEY,
        OPT_LINK_DIR,
        OPT_PRODUCT_PREFIX,
        OPT_REVIEW,
        OPT_REVIEW_KEY,
    };
    static const struct option options[] = {
        {"key", required_argument, NULL, 'k'},
        {"out", required_argument, NULL, 'o'},
        {"name", required_argument, NULL, OPT_NAME},
        {"version", required_argument, NULL, OPT_VERSION},
        {"supplier", required_argument, NULL, OPT_SUPPLIER},
        {"to", required_argument, NULL, OPT_TO},
        {"exclude", required_argument, NULL, 'x'},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, OPT_JSON},
        {"ledger", required_argument, NULL, OPT_LEDGER},
        {"log-key", required_argument, NULL, OPT_LOG_KEY},
        {"layout", required_argument, NULL, OPT_LAYOUT},
        {"layout-key", required_argument, NULL, OPT_LAYOUT_KEY},
        {"link-dir", required_argument, NULL, OPT_LINK_DIR},
        {"product-prefix", required_argument, NULL, OPT_PRODUCT_PREFIX},
        {"review", required_argument, NULL, OPT_REVIEW},
        {"review-key", required_argument, NULL, OPT_REVIEW_KEY},
        CLI_HTTP_LONG_OPTIONS,
        {0, 0, 0, 0},
    };
    cli_list key_paths = {0}, excludes = {0}, layout_keys = {0}, review_keys = {0};
    const char *layout_path = NULL, *link_dir = NULL, *product_prefix = NULL;
    const char *review_path = NULL;
    json_t *chain = NULL, *summary = NULL, *review = NULL;
    wb_delivery_info info = {0};
    wb_tree_options opts = {0};
    cli_progress bar;
    const char *out_path = NULL, *path, *ledger_dir = NULL, *log_key_arg = NULL;
    cli_http_config http = {0};
    wb_note_verifier *log_key = NULL;
    char *bundle_path = NULL;
    uint64_t index = 0;
    char *name = NULL, *out_default = NULL, *statement = NULL;
    const char **keyids = NULL;
    wb_key **keys = NULL;
    wb_tree *tree = NULL;
    wb_envelope *env = NULL;
    bool quiet = false, json = false;
    size_t statement_len, i;
    int opt, rc = 0, status = EXIT_OK;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "k:o:x:q", options, NULL)) != -1) {
        switch (opt) {
        case 'k':
            cli_list_add(&key_paths, optarg);
            break;
        case 'o':
            out_path = optarg;
            break;
        case OPT_NAME:
            info.name = optarg;
            break;
        case OPT_VERSION:
            info.version = optarg;
            break;
        case OPT_SUPPLIER:
            info.supplier = optarg;
            break;
        case OPT_TO:
            info.site = optarg;
            break;
        case 'x':
            cli_list_add(&excludes, optarg);
            break;
        case OPT_THREADS:
            if (!cli_parse_threads(&opts.threads, optarg)) {
                status = cli_usage_error("seal", "--threads needs a number from 1 to 64");
                goto out;
            }
            break;
        case 'q':
            quiet = true;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_LEDGER:
            ledger_dir = optarg;
            break;
        case OPT_LOG_KEY:
            log_key_arg = optarg;
            break;
        case OPT_LAYOUT:
            layout_path = optarg;
            break;
        case OPT_LAYOUT_KEY:
            cli_list_add(&layout_keys, optarg);
            break;
        case OPT_LINK_DIR:
            link_dir = optarg;
            break;
        case OPT_PRODUCT_PREFIX:
            product_prefix = optarg;
            break;
        case OPT_REVIEW:
            review_path = optarg;
            break;
        case OPT_REVIEW_KEY:
            cli_list_add(&review_keys, optarg);
            break;
        default: {
            int st = cli_http_parse_option(&http, opt, optarg, "seal");
            status = st < 0 ? cli_usage_error("seal", "invalid option") : st;
            if (status != EXIT_OK)
                goto out;
        }
        }
    }
    if (optind + 1 != argc || key_paths.count == 0) {
        status = cli_usage_error("seal", "seal needs one PATH and at least one --key");
        goto out;
    }
    path = argv[optind];
    if (ledger_dir && http.server) {
        status = cli_usage_error("seal", "--ledger or --server, not both");
        goto out;
    }
    if (!http.server && (log_key_arg || cli_http_has_options(&http))) {
        status = cli_usage_error("seal", "--log-key, --token-file and the TLS options go with "
                                         "--server URL");
        goto out;
    }
    if (http.server) {
        if (!log_key_arg) {
            status = cli_usage_error("seal", "--server needs --log-key VKEY: the bundle the "
                                             "server answers is verified with it");
            goto out;
        }
        if ((status = cli_load_log_key(&log_key, log_key_arg)) != EXIT_OK)
            goto out;
        if ((status = cli_http_prepare(&http, true, "seal")) != EXIT_OK)
            goto out;
    }
    if (!layout_path && (layout_keys.count || link_dir || product_prefix)) {
        status = cli_usage_error("seal", "--layout-key, --link-dir and --product-prefix go with "
                                         "--layout LAYOUT");
        goto out;
    }
    if (layout_path && layout_keys.count == 0) {
        status = cli_usage_error("seal", "--layout needs at least one --layout-key PUB");
        goto out;
    }
    if (review_keys.count && !review_path) {
        status = cli_usage_error("seal", "--review-key goes with --review FILE");
        goto out;
    }
    if (product_prefix) {
        size_t n = strlen(product_prefix);
        while (n > 1 && product_prefix[n - 1] == '/')
            n--;
        if (n == 0 || product_prefix[0] == '/' || n != strlen(product_prefix)) {
            status = cli_usage_error("seal", "--product-prefix needs a relative directory "
                                             "without a trailing '/'");
            goto out;
        }
    }
    if (creation_time(&info.created) < 0) {
        status = cli_usage_error("seal", "SOURCE_DATE_EPOCH must be a number of seconds");
        goto out;
    }

    /* keys first: a wrong key should fail before an hour of hashing */
    keys = calloc(key_paths.count, sizeof(*keys));
    keyids = calloc(key_paths.count, sizeof(*keyids));
    if (!keys || !keyids) {
        cli_errorf("out of memory");
        status = EXIT_ERROR;
        goto out;
    }
    for (i = 0; i < key_paths.count; i++) {
        rc = wb_key_load(&keys[i], key_paths.items[i]);
        if (rc == 0 && !wb_key_has_private(keys[i]))
            rc = wb_error_set(WB_EINVAL, "%s: is a public key; sealing needs the private key",
                              key_paths.items[i]);
        if (rc < 0) {
            status = cli_fail(rc);
            goto out;
        }
        keyids[i] = wb_key_id(keys[i]);
    }

    /* the supply chain before the hashing: it is the cheaper check */
    if (layout_path &&
        (status = verify_supply_chain(&chain, &summary, layout_path, &layout_keys,
                                      link_dir ? link_dir : ".", product_prefix)) != EXIT_OK)
        goto out;

    name = default_name(path);
    if (!name) {
        cli_errorf("out of memory");
        status = EXIT_ERROR;
        goto out;
    }
    if (!info.name)
        info.name = name;
    if (!out_path) {
        if (asprintf(&out_default, "%s.waybill.json", info.name) < 0) {
            status = EXIT_ERROR;
            goto out;
        }
        out_path = out_default;
    }
    {
        const char *base = strrchr(path, '/');
        info.source_name = base && base[1] ? base + 1 : path;
    }
    info.keyids = keyids;
    info.nkeyids = key_paths.count;
    info.excludes = excludes.items;
    info.nexcludes = excludes.count;
    opts.excludes = excludes.items;
    opts.nexcludes = excludes.count;

    cli_progress_init(&bar, &opts, quiet);
    rc = wb_tree_hash(&tree, path, &opts);
    cli_progress_done(&bar);
    if (rc < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if (chain && (status = check_products(summary, product_prefix, tree, path)) != EXIT_OK)
        goto out;
    if (review_path && (status = check_review(&review, review_path, &review_keys, keys,
                                              key_paths.count, tree)) != EXIT_OK)
        goto out;
    info.supply_chain = chain;
    info.review = review;
    rc = wb_delivery_statement(&statement, &statement_len, tree, &info);
    if (rc == 0)
        rc = wb_envelope_new(&env, WB_INTOTO_PAYLOAD_TYPE, statement, statement_len);
    for (i = 0; rc == 0 && i < key_paths.count; i++)
        rc = wb_dsse_sign(env, keys[i]);
    if (rc == 0)
        rc = wb_envelope_save(env, out_path);
    if (rc < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if (ledger_dir &&
        (status = append_to_ledger(&index, &bundle_path, ledger_dir, out_path)) != EXIT_OK)
        goto out;
    if (http.server &&
        (status = submit_to_server(&index, &bundle_path, &http, log_key, out_path)) != EXIT_OK)
        goto out;
    if (json) {
        json_t *ids = json_array();
        for (i = 0; ids && i < key_paths.count; i++)
            json_array_append_new(ids, json_string(keyids[i]));
        status = cli_print_json(json_pack(
            "{s:s, s:s, s:I, s:I, s:o, s:s?, s:o?, s:o*, s:s?}", "waybill", out_path, "name",
            info.name, "files", (json_int_t)wb_tree_file_count(tree), "bytes",
            (json_int_t)wb_tree_total_bytes(tree), "keyids", ids, "bundle", bundle_path, "index",
            bundle_path ? json_integer((json_int_t)index) : NULL, "links",
            chain ? json_integer((json_int_t)json_object_size(json_object_get(chain, "links")))
                  : NULL,
            "review", review ? review_path : NULL));
    } else {
        char bytes[32];
        cli_format_bytes(bytes, sizeof(bytes), wb_tree_total_bytes(tree));
        printf("sealed %s: %llu file%s, %s -> %s\n", info.name,
               (unsigned long long)wb_tree_file_count(tree),
               wb_tree_file_count(tree) == 1 ? "" : "s", bytes, out_path);
        for (i = 0; i < key_paths.count; i++)
            printf("signed by: %s\n", keyids[i]);
        if (review)
            printf("review: %s verified (it covers every file and passed its redline), "
                   "carried\n",
                   review_path);
        if (chain)
            printf("supply chain: %s verified, %zu link%s carried\n", layout_path,
                   json_object_size(json_object_get(chain, "links")),
                   json_object_size(json_object_get(chain, "links")) == 1 ? "" : "s");
        if (bundle_path)
            printf("logged: entry %llu of %s; bundle %s\n", (unsigned long long)index,
                   ledger_dir ? ledger_dir : http.server, bundle_path);
    }
out:
    if (keys)
        for (i = 0; i < key_paths.count; i++)
            wb_key_free(keys[i]);
    free(keys);
    free(keyids);
    free(name);
    free(out_default);
    free(bundle_path);
    wb_free(statement);
    wb_envelope_free(env);
    wb_tree_free(tree);
    cli_list_free(&key_paths);
    cli_list_free(&excludes);
    cli_list_free(&layout_keys);
    cli_list_free(&review_keys);
    json_decref(review);
    json_decref(chain);
    json_decref(summary);
    wb_note_verifier_free(log_key);
    cli_http_config_clear(&http);
    return status;
}

const cli_command cmd_seal = {
    .name = "seal",
    .summary = "hash a delivery and sign its waybill",
    .run = run,
    .usage = usage,
};
