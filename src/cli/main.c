/*
 * main.c: the `waybill` command: git-style subcommands over libwaybill.
 *
 * Exit statuses: 0 success, 1 verification or policy failure, 2 usage
 * error, 3 I/O, format or internal error.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "wb_config.h"

static const cli_command *const commands[] = {
    &cmd_keygen, &cmd_envelope, &cmd_seal, &cmd_verify, &cmd_show,   &cmd_log,
    &cmd_token,  &cmd_layout,   &cmd_run,  &cmd_record, &cmd_review, &cmd_help,
};

const cli_command *cli_find(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static void print_overview(FILE *out)
{
    size_t i;
    fputs("usage: waybill [--version] [--help] <command> [<args>]\n\n"
          "waybill makes software delivery verifiable end to end.\n\n"
          "Commands:\n",
          out);
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fputs("\nRun 'waybill help <command>' for the options of a command.\n"
          "Exit status: 0 ok, 1 verification failed, 2 usage, 3 I/O, format or internal error.\n",
          out);
}

static int run_help(int argc, char **argv)
{
    const cli_command *cmd;
    if (argc < 2) {
        print_overview(stdout);
        return EXIT_OK;
    }
    cmd = cli_find(argv[1]);
    if (!cmd) {
        cli_errorf("no command '%s'", argv[1]);
        return EXIT_USAGE;
    }
    fputs(cmd->usage, stdout);
    return EXIT_OK;
}

const cli_command cmd_help = {
    .name = "help",
    .summary = "show the usage of waybill or of one command",
    .run = run_help,
    .usage = "usage: waybill help [<command>]\n",
};

int main(int argc, char **argv)
{
    const cli_command *cmd;

    if (argc < 2) {
        print_overview(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("waybill %s (libwaybill %s)\n", WB_VERSION, wb_version());
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_overview(stdout);
        return EXIT_OK;
    }
    cmd = cli_find(argv[1]);
    if (!cmd) {
        cli_errorf("'%s' is not a waybill command; see 'waybill --help'", argv[1]);
        return EXIT_USAGE;
    }
    if (argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
        fputs(cmd->usage, stdout);
        return EXIT_OK;
    }
    return cmd->run(argc - 1, argv + 1);
}
