/*
 * cmd_keygen.c: `waybill keygen`: make a signing key pair.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: waybill keygen [--type ed25519|ecdsa-p256] --out PREFIX [--json]\n"
    "\n"
    "Generate a key pair: PREFIX.key (private, PKCS#8 PEM, mode 0600) and\n"
    "PREFIX.pub (public, SubjectPublicKeyInfo PEM), and print the key id (the\n"
    "id in-toto and securesystemslib give the same key). Existing files are\n"
    "never replaced.\n"
    "\n"
    "  -t, --type TYPE   ed25519 (default) or ecdsa-p256\n"
    "  -o, --out PREFIX  where to write the two files\n"
    "      --json        print {\"keyid\",\"type\",\"private\",\"public\"}\n";

static int run(int argc, char **argv)
{
    static const struct option options[] = {
        {"type", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, 'j'},
        {0, 0, 0, 0},
    };
    const char *prefix = NULL;
    wb_key_type type = WB_KEY_ED25519;
    bool json = false;
    char *private_path = NULL, *public_path = NULL;
    wb_key *key = NULL;
    int opt, rc, status = EXIT_OK;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "t:o:", options, NULL)) != -1) {
        switch (opt) {
        case 't':
            if (strcmp(optarg, "ed25519") == 0)
                type = WB_KEY_ED25519;
            else if (strcmp(optarg, "ecdsa-p256") == 0 || strcmp(optarg, "ecdsa") == 0)
                type = WB_KEY_ECDSA_P256;
            else
                return cli_usage_error("keygen", "unknown key type '%s' (ed25519 or ecdsa-p256)",
                                       optarg);
            break;
        case 'o':
            prefix = optarg;
            break;
        case 'j':
            json = true;
            break;
        default:
            return cli_usage_error("keygen", "invalid option");
        }
    }
    if (!prefix || !*prefix)
        return cli_usage_error("keygen", "--out PREFIX is required");
    if (optind != argc)
        return cli_usage_error("keygen", "unexpected argument '%s'", argv[optind]);

    if (asprintf(&private_path, "%s.key", prefix) < 0 ||
        asprintf(&public_path, "%s.pub", prefix) < 0) {
        cli_errorf("out of memory");
        status = EXIT_ERROR;
        goto out;
    }
    rc = wb_key_generate(&key, type);
    if (rc == 0)
        rc = wb_key_save_private(key, private_path);
    if (rc == 0) {
        rc = wb_key_save_public(key, public_path);
        if (rc < 0)
            remove(private_path); /* not half a pair */
    }
    if (rc < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if (json) {
        status = cli_print_json(json_pack("{s:s, s:s, s:s, s:s}", "keyid", wb_key_id(key), "type",
                                          wb_key_type_name(type), "private", private_path, "public",
                                          public_path));
    } else {
        printf("%s\n", wb_key_id(key));
        fprintf(stderr, "waybill: wrote %s (keep it secret) and %s\n", private_path, public_path);
    }
out:
    wb_key_free(key);
    free(private_path);
    free(public_path);
    return status;
}

const cli_command cmd_keygen = {
    .name = "keygen",
    .summary = "generate a signing key pair",
    .run = run,
    .usage = usage,
};
