/*
 * cmd_layout.c: `waybill layout verify`: check a software supply chain
 * against its in-toto layout (docs/formats/layout.md).
 *
 * The library does the work (wb_layout_verify); this file reads the
 * options, loads the layout keys and maps the result to exit statuses:
 * 0 verified, 1 verification failed (the message names the step, the rule
 * and the artifact), 2 usage, 3 a file cannot be read or is malformed.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: waybill layout verify LAYOUT --layout-key PUB [--layout-key PUB ...]\n"
    "                             [--link-dir DIR] [--run-inspections] [--json]\n"
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
    "Exit status: 0 verified, 1 verification failed, 2 usage, 3 I/O or format.\n";

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
    if ((rc = wb_metablock_load(&layout, argv[optind])) < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if (wb_metablock_get_type(layout) != WB_METABLOCK_LAYOUT) {
        cli_errorf("%s: a link, not a layout", argv[optind]);
        status = EXIT_ERROR;
        goto out;
    }
    rc = wb_layout_verify(&summary, layout, ring, link_dir, &opts);
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

static int run(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("layout", "layout needs a subcommand: verify");
    if (strcmp(argv[1], "verify") == 0)
        return run_verify(argc - 1, argv + 1);
    return cli_usage_error("layout", "unknown layout subcommand '%s'", argv[1]);
}

const cli_command cmd_layout = {
    .name = "layout",
    .summary = "verify an in-toto layout and its links",
    .run = run,
    .usage = usage,
};
