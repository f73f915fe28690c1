/*
 * cmd_token.c: `waybill token new`: make a bearer token for a shared
 * ledger (waybilld) and the line that grants it in the tokens file.
 *
 * The token is printed once and stored nowhere: the tokens file holds only
 * its SHA-256 (include/waybill/auth.h), so whoever reads that file cannot
 * write to the ledger with it.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"

static const char usage[] =
    "usage: waybill token new --party NAME --roles ROLE[,ROLE...] [--json]\n"
    "\n"
    "Make a new random bearer token for waybilld. Prints the token on the\n"
    "first line (give it to the party; it is shown only once) and, on the\n"
    "second, the line to add to the server's tokens file, which holds only the\n"
    "token's SHA-256.\n"
    "\n"
    "  -p, --party NAME    who holds the token: 1 to 128 letters, digits, '.',\n"
    "                      '_', '-' or '@'\n"
    "  -r, --roles ROLES   comma-separated, each once: submit (append\n"
    "                      entries), witness (add cosignatures), admin\n"
    "      --json          print {\"token\",\"line\",\"party\",\"roles\"}\n";

static int run_new(int argc, char **argv)
{
    static const struct option options[] = {
        {"party", required_argument, NULL, 'p'},
        {"roles", required_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'},
        {0, 0, 0, 0},
    };
    const char *party = NULL, *roles_text = NULL;
    char *token = NULL, *line = NULL;
    unsigned roles = 0;
    bool json = false;
    int opt, rc, status = EXIT_OK;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "p:r:", options, NULL)) != -1) {
        switch (opt) {
        case 'p':
            party = optarg;
            break;
        case 'r':
            roles_text = optarg;
            break;
        case 'j':
            json = true;
            break;
        default:
            return cli_usage_error("token", "invalid option");
        }
    }
    if (!party || !roles_text)
        return cli_usage_error("token", "token new: needs --party NAME and --roles ROLES");
    if (optind != argc)
        return cli_usage_error("token", "unexpected argument '%s'", argv[optind]);
    if (wb_roles_parse(&roles, roles_text) < 0)
        return cli_usage_error("token", "--roles: %s", wb_error_last());

    rc = wb_token_generate(&token);
    if (rc == 0)
        rc = wb_token_line(&line, token, party, roles);
    if (rc == WB_EINVAL) {
        status = cli_usage_error("token", "--party: %s", wb_error_last());
        goto out;
    }
    if (rc < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if (json) {
        json_t *role_list = json_array();
        static const struct {
            const char *name;
            unsigned bit;
        } names[] = {
            {"submit", WB_ROLE_SUBMIT}, {"witness", WB_ROLE_WITNESS}, {"admin", WB_ROLE_ADMIN}};
        size_t i;
        for (i = 0; role_list && i < sizeof(names) / sizeof(names[0]); i++)
            if ((roles & names[i].bit) &&
                json_array_append_new(role_list, json_string(names[i].name)) < 0) {
                json_decref(role_list);
                role_list = NULL;
            }
        status =
            cli_print_json(role_list ? json_pack("{s:s, s:s, s:s, s:o}", "token", token, "line",
                                                 line, "party", party, "roles", role_list)
                                     : NULL);
    } else {
        printf("%s\n%s\n", token, line);
        if (fflush(stdout) != 0) {
            cli_errorf("writing to stdout failed");
            status = EXIT_ERROR;
        }
        fprintf(stderr, "waybill: add the second line to the tokens file; the token is not "
                        "stored anywhere\n");
    }
out:
    if (token) {
        OPENSSL_cleanse(token, strlen(token));
        wb_free(token);
    }
    wb_free(line);
    return status;
}

static int run(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage(&cmd_token, stderr);
    if (strcmp(argv[1], "new") == 0)
        return run_new(argc - 1, argv + 1);
    return cli_usage_error("token", "unknown subcommand '%s' (new)", argv[1]);
}

const cli_command cmd_token = {
    .name = "token",
    .summary = "make bearer tokens for a shared ledger (waybilld)",
    .run = run,
    .usage = usage,
};
