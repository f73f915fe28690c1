/*
 * cmd_run.c: `waybill run`: perform a supply-chain step and write its
 * in-toto link, as in-toto-run does (docs/formats/layout.md).
 *
 * The materials are recorded, the command run (directly, no shell; its
 * output passes through), the products recorded, and the link
 * STEP.KEYID8.link written atomically in the output directory, signed as a
 * Metablock over the canonical JSON of the complete link (every field of
 * in-toto's model, empty ones too), so that in-toto-verify accepts it.
 * Exit status: 0 when the command succeeded and the link was written, 1
 * when the command failed (the link is written all the same, recording its
 * return value), 2 usage, 3 I/O or key errors.
 *
 * `waybill record start|stop` (in-toto-record) splits a step in two: start
 * records the materials into a signed .NAME.KEYID8.link-unfinished, stop
 * checks that file's signature with the same key, records the products and
 * writes the link (without a command), then removes the unfinished file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
    "usage: waybill run --step NAME --key KEY [--materials PATH...] [--products PATH...]\n"
    "                   [--out-dir DIR] -- COMMAND [ARG...]\n"
    "       waybill run --step NAME --key KEY [--materials PATH...] [--products PATH...]\n"
    "                   [--out-dir DIR] --no-command\n"
    "\n"
    "Record the materials, run COMMAND, record the products, and write the\n"
    "signed in-toto link NAME.KEYID8.link (KEYID8: the first 8 hex digits of\n"
    "the key's id) into DIR (default: .). KEY is a private key: PEM, or a\n"
    "securesystemslib JSON key as in-toto-keygen writes it. A directory is\n"
    "recorded as every regular file under it; *.link*, .git, *.pyc and *~ are\n"
    "left out, as in-toto-run leaves them out. --materials and --products take\n"
    "every following argument up to the next option.\n"
    "\n"
    "Exit status: 0 link written, 1 the command failed (link written), 2 usage,\n"
    "3 I/O or key error.\n";

static int run_command(int *status_out, char **argv)
{
    pid_t pid, waited;
    int status;

    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        cli_errorf("cannot fork: %s", strerror(errno));
        return EXIT_ERROR;
    }
    if (pid == 0) {
        execvp(argv[0], argv);
        fprintf(stderr, "waybill: %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    do
        waited = waitpid(pid, &status, 0);
    while (waited < 0 && errno == EINTR);
    if (waited < 0) {
        cli_errorf("waitpid: %s", strerror(errno));
        return EXIT_ERROR;
    }
    *status_out = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return EXIT_OK;
}

static int record(json_t **out, const cli_list *paths, const char *what)
{
    int rc = wb_link_record_artifacts(out, paths->items, paths->count);
    if (rc < 0) {
        cli_errorf("recording %s: %s", what, wb_error_last());
        return cli_exit_status(rc);
    }
    return EXIT_OK;
}

static int run(int argc, char **argv)
{
    const char *step = NULL, *key_path = NULL, *out_dir = ".";
    cli_list materials = {0}, products = {0}, *collecting = NULL;
    char **command = NULL;
    bool no_command = false;
    wb_key *key = NULL;
    json_t *mat = NULL, *prod = NULL, *link = NULL, *command_json = NULL;
    char *text = NULL, *path = NULL;
    size_t text_len;
    int i, rc, status = EXIT_OK, return_value = 0;

    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            command = argv + i + 1;
            break;
        }
        if (collecting && arg[0] != '-') {
            if (cli_list_add(collecting, arg) < 0) {
                cli_errorf("out of memory");
                status = EXIT_ERROR;
                goto out;
            }
            continue;
        }
        collecting = NULL;
        if ((strcmp(arg, "--step") == 0 || strcmp(arg, "--key") == 0 ||
             strcmp(arg, "--out-dir") == 0) &&
            i + 1 < argc) {
            const char **slot = arg[2] == 's' ? &step : arg[2] == 'k' ? &key_path : &out_dir;
            *slot = argv[++i];
        } else if (strcmp(arg, "--materials") == 0) {
            collecting = &materials;
        } else if (strcmp(arg, "--products") == 0) {
            collecting = &products;
        } else if (strcmp(arg, "--no-command") == 0) {
            no_command = true;
        } else {
            status = cli_usage_error("run", "invalid argument '%s'", arg);
            goto out;
        }
    }
    if (!step || !step[0] || !key_path) {
        status = cli_usage_error("run", "run needs --step NAME and --key KEY");
        goto out;
    }
    if (strchr(step, '/')) {
        status = cli_usage_error("run", "the step name '%s' must not hold '/'", step);
        goto out;
    }
    if (no_command == (command != NULL && command[0] != NULL)) {
        status = cli_usage_error("run", "give either -- COMMAND or --no-command");
        goto out;
    }
    if ((rc = wb_key_load(&key, key_path)) < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if (!wb_key_has_private(key)) {
        cli_errorf("%s: a public key; signing needs the private key", key_path);
        status = EXIT_ERROR;
        goto out;
    }
    if ((status = record(&mat, &materials, "materials")) != EXIT_OK)
        goto out;
    command_json = json_array();
    if (!command_json) {
        status = EXIT_ERROR;
        goto out;
    }
    if (!no_command) {
        for (i = 0; command[i]; i++)
            json_array_append_new(command_json, json_string(command[i]));
        if ((status = run_command(&return_value, command)) != EXIT_OK)
            goto out;
    }
    if ((status = record(&prod, &products, "products")) != EXIT_OK)
        goto out;
    /* every field of in-toto's Link model, as in-toto-run writes it */
    link = json_pack("{s:s, s:s, s:O, s:O, s:{s:s, s:s, s:i}, s:O, s:{}}", "_type", "link", "name",
                     step, "materials", mat, "products", prod, "byproducts", "stderr", "", "stdout",
                     "", "return-value", return_value, "command", command_json, "environment");
    if (no_command && link)
        json_object_set_new(link, "byproducts", json_object());
    if (!link) {
        cli_errorf("out of memory");
        status = EXIT_ERROR;
        goto out;
    }
    if ((rc = wb_metablock_sign(&text, &text_len, link, key)) < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if (asprintf(&path, "%s/%s.%.8s.link", out_dir, step, wb_key_id(key)) < 0) {
        path = NULL;
        cli_errorf("out of memory");
        status = EXIT_ERROR;
        goto out;
    }
    if ((status = cli_write_file_atomic(path, text, text_len)) != EXIT_OK)
        goto out;
    printf("%s\n", path);
    if (return_value != 0) {
        cli_errorf("%s exited with status %d (recorded in %s)", command[0], return_value, path);
        status = EXIT_VERIFY;
    }
out:
    free(path);
    wb_free(text);
    json_decref(link);
    json_decref(command_json);
    json_decref(mat);
    json_decref(prod);
    wb_key_free(key);
    cli_list_free(&materials);
    cli_list_free(&products);
    return status;
}

static const char record_usage[] =
    "usage: waybill record start --step NAME --key KEY [--materials PATH...] [--out-dir DIR]\n"
    "       waybill record stop --step NAME --key KEY [--products PATH...] [--out-dir DIR]\n"
    "\n"
    "Record a step in two parts, as in-toto-record does: start records the\n"
    "materials into DIR/.NAME.KEYID8.link-unfinished (signed with KEY); stop\n"
    "checks that file with KEY, records the products, writes the link\n"
    "DIR/NAME.KEYID8.link and removes the unfinished file. Paths are recorded\n"
    "as by waybill run.\n"
    "\n"
    "Exit status: 0 written, 1 the unfinished file is not signed by KEY or is\n"
    "of another step, 2 usage, 3 I/O, format or key error.\n";

static int run_record(int argc, char **argv)
{
    const char *step = NULL, *key_path = NULL, *out_dir = ".";
    cli_list paths = {0};
    bool collecting = false, start;
    wb_key *key = NULL;
    wb_metablock *unfinished = NULL;
    json_t *artifacts = NULL, *link = NULL;
    char *text = NULL, *unfinished_path = NULL, *link_path = NULL;
    size_t text_len;
    int i, rc, status = EXIT_OK;

    if (argc < 2 || (strcmp(argv[1], "start") != 0 && strcmp(argv[1], "stop") != 0))
        return cli_usage_error("record", "record needs start or stop");
    start = strcmp(argv[1], "start") == 0;
    for (i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (collecting && arg[0] != '-') {
            if (cli_list_add(&paths, arg) < 0) {
                cli_errorf("out of memory");
                status = EXIT_ERROR;
                goto out;
            }
            continue;
        }
        collecting = false;
        if ((strcmp(arg, "--step") == 0 || strcmp(arg, "--key") == 0 ||
             strcmp(arg, "--out-dir") == 0) &&
            i + 1 < argc) {
            const char **slot = arg[2] == 's' ? &step : arg[2] == 'k' ? &key_path : &out_dir;
            *slot = argv[++i];
        } else if (strcmp(arg, start ? "--materials" : "--products") == 0) {
            collecting = true;
        } else {
            status = cli_usage_error("record", "invalid argument '%s'", arg);
            goto out;
        }
    }
    if (!step || !step[0] || !key_path || strchr(step, '/')) {
        status = cli_usage_error("record", "record needs --step NAME (no '/') and --key KEY");
        goto out;
    }
    if ((rc = wb_key_load(&key, key_path)) < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if (!wb_key_has_private(key)) {
        cli_errorf("%s: a public key; signing needs the private key", key_path);
        status = EXIT_ERROR;
        goto out;
    }
    if (asprintf(&unfinished_path, "%s/.%s.%.8s.link-unfinished", out_dir, step, wb_key_id(key)) <
            0 ||
        asprintf(&link_path, "%s/%s.%.8s.link", out_dir, step, wb_key_id(key)) < 0) {
        cli_errorf("out of memory");
        status = EXIT_ERROR;
        goto out;
    }
    if ((status = record(&artifacts, &paths, start ? "materials" : "products")) != EXIT_OK)
        goto out;
    if (start) {
        link =
            json_pack("{s:s, s:s, s:O, s:{}, s:{}, s:[], s:{}}", "_type", "link", "name", step,
                      "materials", artifacts, "products", "byproducts", "command", "environment");
    } else {
        const json_t *done;
        if ((rc = wb_metablock_load(&unfinished, unfinished_path)) < 0) {
            status = cli_fail(rc);
            goto out;
        }
        done = wb_metablock_signed(unfinished);
        if (wb_metablock_get_type(unfinished) != WB_METABLOCK_LINK ||
            strcmp(json_string_value(json_object_get(done, "name")), step) != 0) {
            cli_errorf("%s: not an unfinished link of step '%s'", unfinished_path, step);
            status = EXIT_VERIFY;
            goto out;
        }
        if ((rc = wb_metablock_verify(unfinished, key)) < 0) {
            status = cli_fail(rc);
            goto out;
        }
        link = json_deep_copy(done);
        if (link && json_object_set(link, "products", artifacts) < 0) {
            json_decref(link);
            link = NULL;
        }
    }
    if (!link) {
        cli_errorf("out of memory");
        status = EXIT_ERROR;
        goto out;
    }
    if ((rc = wb_metablock_sign(&text, &text_len, link, key)) < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if ((status = cli_write_file_atomic(start ? unfinished_path : link_path, text, text_len)) !=
        EXIT_OK)
        goto out;
    if (!start && unlink(unfinished_path) < 0)
        cli_errorf("warning: cannot remove %s: %s", unfinished_path, strerror(errno));
    printf("%s\n", start ? unfinished_path : link_path);
out:
    free(unfinished_path);
    free(link_path);
    wb_free(text);
    json_decref(link);
    json_decref(artifacts);
    wb_metablock_free(unfinished);
    wb_key_free(key);
    cli_list_free(&paths);
    return status;
}

const cli_command cmd_record = {
    .name = "record",
    .summary = "record a supply-chain step in two parts (start, stop) as an in-toto link",
    .run = run_record,
    .usage = record_usage,
};

const cli_command cmd_run = {
    .name = "run",
    .summary = "run a supply-chain step and write its signed in-toto link",
    .run = run,
    .usage = usage,
};
