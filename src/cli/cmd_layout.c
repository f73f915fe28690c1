/*
 * cmd_layout.c: `waybill layout verify`: check a software supply chain
 * against its in-toto layout; `waybill layout create`: write and sign a
 * layout from a short JSON description (docs/formats/layout.md).
 *
 * The library does the work (wb_layout_verify); this file reads the
 * options, loads the layout keys and maps the result to exit statuses:
 * 0 verified, 1 verification failed (the message names the step, the rule
 * and the artifact), 2 usage, 3 a file cannot be read or is malformed.
 */
#include <getopt.h>
#include <libgen.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char usage[] =
    "usage: waybill layout verify LAYOUT --layout-key PUB [--layout-key PUB ...]\n"
    "                             [--link-dir DIR] [--run-inspections] [--json]\n"
    "       waybill layout create DESCRIPTION --key KEY [--key KEY ...] --out LAYOUT\n"
    "\n"
    "Verify an in-toto layout (spec v0.9) and the links of its steps: the\n"
    "layout must be signed by every --layout-key (PEM or securesystemslib JSON\n"
    "public keys, as in-toto-keygen writes them) and not expired; each step\n"
    "needs links STEP.KEYID8.link in DIR (default: .) signed by at least\n"
    "threshold of its authorized functionaries, agreeing on their artifacts;\n"
    "sublayouts are verified with links from DIR/STEP.KEYID8/; then every\n"
    "artifact rule is applied. Layouts and links may be Metablocks or DSSE\n"
    "envelopes.\n"
    "\n"
    "  --run-inspections  run the layout's inspection commands in the current\n"
    "                     directory (a layout with inspections fails without)\n"
    "  --json             print the summary link on success\n"
    "\n"
    "create writes the in-toto layout that the JSON DESCRIPTION describes (steps,\n"
    "their functionaries' public key files, thresholds, rules, commands,\n"
    "inspections, expires as a time or a duration like \"365d\", readme; see\n"
    "docs/formats/layout.md) to LAYOUT, signed by every --key (private keys).\n"
    "\n"
    "Exit status: 0 verified (written), 1 verification failed, 2 usage, 3 I/O or\n"
    "format.\n";

static int run_verify(int argc, char **argv)
{
    static const struct option options[] = {
        {"layout-key", required_argument, NULL, 'k'},
        {"link-dir", required_argument, NULL, 'd'},
        {"run-inspections", no_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'},
        {0, 0, 0, 0},
    };
    cli_list key_paths = {0};
    wb_keyring *ring = NULL;
    wb_metablock *layout = NULL;
    wb_layout_options opts = {0};
    const char *link_dir = ".";
    json_t *summary = NULL;
    bool json = false;
    int opt, rc, status = EXIT_OK;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'k':
            if (cli_list_add(&key_paths, optarg) < 0) {
                cli_errorf("out of memory");
                status = EXIT_ERROR;
                goto out;
            }
            break;
        case 'd':
            link_dir = optarg;
            break;
        case 'r':
            opts.run_inspections = true;
            break;
        case 'j':
            json = true;
            break;
        default:
            status = cli_usage_error("layout", "invalid option");
            goto out;
        }
    }
    if (optind + 1 != argc) {
        status = cli_usage_error("layout", "layout verify needs one LAYOUT");
        goto out;
    }
    if (key_paths.count == 0) {
        status = cli_usage_error("layout", "layout verify needs at least one --layout-key");
        goto out;
    }
    if ((status = cli_load_trust(&ring, &key_paths, 1, "layout")) != EXIT_OK)
        goto out;
    /* Links of large steps are read into buffers of megabytes that are
     * freed as soon as their signature is checked; kept in the heap (not
     * handed back to the kernel and asked for again), the next link reuses
     * them instead of faulting in fresh pages. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    if ((rc = wb_metablock_load(&layout, argv[optind])) < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if (wb_metablock_get_type(layout) != WB_METABLOCK_LAYOUT) {
        cli_errorf("%s: a link, not a layout", argv[optind]);
        status = EXIT_ERROR;
        goto out;
    }
    /* the summary link is only printed with --json; building it costs a
     * JSON object per product of the last step */
    rc = wb_layout_verify(json ? &summary : NULL, layout, ring, link_dir, &opts);
    if (rc < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if (json) {
        status = cli_print_json(summary);
        summary = NULL;
    } else {
        printf("%s: verified: signed by %zu layout key%s, every step's links and artifact "
               "rules check\n",
               argv[optind], wb_keyring_count(ring), wb_keyring_count(ring) == 1 ? "" : "s");
    }
out:
    json_decref(summary);
    wb_metablock_free(layout);
    wb_keyring_free(ring);
    cli_list_free(&key_paths);
    return status;
}

static int run_create(int argc, char **argv)
{
    static const struct option options[] = {
        {"key", required_argument, NULL, 'k'},
        {"out", required_argument, NULL, 'o'},
        {0, 0, 0, 0},
    };
    cli_list key_paths = {0};
    wb_key **keys = NULL;
    json_t *description = NULL, *layout = NULL;
    const char *out_path = NULL, *desc_path;
    char *buf = NULL, *dir_copy = NULL, *text = NULL;
    size_t len, text_len, i;
    int opt, rc, status = EXIT_OK;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'k':
            if (cli_list_add(&key_paths, optarg) < 0) {
                cli_errorf("out of memory");
                status = EXIT_ERROR;
                goto out;
            }
            break;
        case 'o':
            out_path = optarg;
            break;
        default:
            status = cli_usage_error("layout", "invalid option");
            goto out;
        }
    }
    if (optind + 1 != argc || key_paths.count == 0 || !out_path) {
        status = cli_usage_error("layout", "layout create needs one DESCRIPTION, at least one "
                                           "--key and --out LAYOUT");
        goto out;
    }
    desc_path = argv[optind];
    keys = calloc(key_paths.count, sizeof(*keys));
    if (!keys) {
        cli_errorf("out of memory");
        status = EXIT_ERROR;
        goto out;
    }
    for (i = 0; i < key_paths.count; i++) {
        if ((rc = wb_key_load(&keys[i], key_paths.items[i])) < 0) {
            status = cli_fail(rc);
            goto out;
        }
        if (!wb_key_has_private(keys[i])) {
            cli_errorf("%s: a public key; signing needs the private key", key_paths.items[i]);
            status = EXIT_ERROR;
            goto out;
        }
    }
    if ((status = cli_read_file(&buf, &len, desc_path, WB_LAYOUT_MAX_FILE_SIZE)) != EXIT_OK)
        goto out;
    if ((rc = wb_json_parse(&description, buf, len, desc_path)) < 0) {
        status = cli_fail(rc);
        goto out;
    }
    /* key files named in the description are read next to it */
    dir_copy = strdup(desc_path);
    if (!dir_copy) {
        cli_errorf("out of memory");
        status = EXIT_ERROR;
        goto out;
    }
    if ((rc = wb_layout_from_description(&layout, description, dirname(dir_copy),
                                         (int64_t)time(NULL), desc_path)) < 0 ||
        (rc = wb_metablock_sign_keys(&text, &text_len, layout, (const wb_key *const *)keys,
                                     key_paths.count)) < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if ((status = cli_write_file_atomic(out_path, text, text_len)) != EXIT_OK)
        goto out;
    printf("%s: %zu step%s, %zu inspection%s, expires %s, signed by %zu key%s\n", out_path,
           json_array_size(json_object_get(layout, "steps")),
           json_array_size(json_object_get(layout, "steps")) == 1 ? "" : "s",
           json_array_size(json_object_get(layout, "inspect")),
           json_array_size(json_object_get(layout, "inspect")) == 1 ? "" : "s",
           json_string_value(json_object_get(layout, "expires")), key_paths.count,
           key_paths.count == 1 ? "" : "s");
out:
    if (keys)
        for (i = 0; i < key_paths.count; i++)
            wb_key_free(keys[i]);
    free(keys);
    free(buf);
    free(dir_copy);
    wb_free(text);
    json_decref(description);
    json_decref(layout);
    cli_list_free(&key_paths);
    return status;
}

static int run(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("layout", "layout needs a subcommand: verify or create");
    if (strcmp(argv[1], "verify") == 0)
        return run_verify(argc - 1, argv + 1);
    if (strcmp(argv[1], "create") == 0)
        return run_create(argc - 1, argv + 1);
    return cli_usage_error("layout", "unknown layout subcommand '%s'", argv[1]);
}

const cli_command cmd_layout = {
    .name = "layout",
    .summary = "verify an in-toto layout and its links, or create and sign one",
    .run = run,
    .usage = usage,
};
