/*
 * util.c: error reporting, exit statuses and small helpers for commands.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_errorf(const char *fmt, ...)
{
    va_list ap;
    fputs("waybill: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_exit_status(int rc)
{
    switch (rc) {
    case WB_OK:
        return EXIT_OK;
    case WB_EVERIFY:
        return EXIT_VERIFY;
    case WB_EINVAL:
        return EXIT_USAGE;
    default:
        return EXIT_ERROR;
    }
}

int cli_fail(int rc)
{
    const char *msg = wb_error_last();
    cli_errorf("%s", msg[0] ? msg : wb_error_name(rc));
    return cli_exit_status(rc);
}

int cli_usage(const cli_command *cmd, FILE *out)
{
    fputs(cmd->usage, out);
    return EXIT_USAGE;
}

int cli_usage_error(const char *cmd_name, const char *fmt, ...)
{
    va_list ap;
    fputs("waybill: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nRun 'waybill help %s' for usage.\n", cmd_name);
    return EXIT_USAGE;
}

int cli_print_json(json_t *value)
{
    int rc;
    if (!value) {
        cli_errorf("out of memory");
        return EXIT_ERROR;
    }
    rc = json_dumpf(value, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(value);
    fputc('\n', stdout);
    if (rc < 0 || fflush(stdout) != 0) {
        cli_errorf("writing to stdout: %s", strerror(errno));
        return EXIT_ERROR;
    }
    return EXIT_OK;
}

int cli_list_add(cli_list *list, const char *item)
{
    const char **grown = realloc(list->items, (list->count + 1) * sizeof(*grown));
    if (!grown)
        return -1;
    list->items = grown;
    list->items[list->count++] = item;
    return 0;
}

void cli_list_free(cli_list *list)
{
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

bool cli_parse_count(size_t *out, const char *text)
{
    char *end;
    unsigned long long v;
    if (!text || !*text || *text == '-' || *text == '+')
        return false;
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno || *end || v == 0 || v > 1000000)
        return false;
    *out = (size_t)v;
    return true;
}

int cli_load_trust(wb_keyring **out, const cli_list *paths, size_t threshold, const char *cmd_name)
{
    wb_keyring *ring = NULL;
    size_t i;
    int rc = wb_keyring_new(&ring);

    *out = NULL;
    for (i = 0; rc == 0 && i < paths->count; i++)
        rc = wb_keyring_add_file(ring, paths->items[i]);
    if (rc < 0) {
        wb_keyring_free(ring);
        return cli_fail(rc);
    }
    if (threshold > wb_keyring_count(ring)) {
        /* the same key given twice is one key */
        size_t distinct = wb_keyring_count(ring);
        wb_keyring_free(ring);
        return cli_usage_error(cmd_name,
                               "--threshold %zu is more than the %zu distinct trusted keys given",
                               threshold, distinct);
    }
    *out = ring;
    return EXIT_OK;
}

bool cli_parse_threads(unsigned *out, const char *text)
{
    size_t threads;
    if (!cli_parse_count(&threads, text) || threads > 64)
        return false;
    *out = (unsigned)threads;
    return true;
}
