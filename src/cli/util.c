/*
 * util.c: error reporting, exit statuses and small helpers for commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int cli_read_file(char **out, size_t *len, const char *path, size_t max)
{
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    size_t cap = 1 << 16, used = 0;
    char *data = NULL;
    int status = EXIT_OK;

    *out = NULL;
    if (!in) {
        cli_errorf("%s: %s", path, strerror(errno));
        return EXIT_ERROR;
    }
    for (;;) {
        size_t n;
        if (!data || used == cap) {
            char *grown;
            if (data && cap > max) {
                cli_errorf("%s: larger than %zu bytes; refusing it", path, max);
                status = EXIT_ERROR;
                goto out;
            }
            cap = data ? cap * 2 : cap;
            grown = realloc(data, cap + 1);
            if (!grown) {
                cli_errorf("%s: out of memory", path);
                status = EXIT_ERROR;
                goto out;
            }
            data = grown;
        }
        n = fread(data + used, 1, cap - used, in);
        used += n;
        if (n == 0)
            break;
    }
    if (ferror(in)) {
        cli_errorf("%s: %s", path, strerror(errno));
        status = EXIT_ERROR;
        goto out;
    }
    if (used > max) {
        cli_errorf("%s: larger than %zu bytes; refusing it", path, max);
        status = EXIT_ERROR;
        goto out;
    }
    data[used] = '\0';
    *out = data;
    *len = used;
    data = NULL;
out:
    free(data);
    if (in != stdin)
        fclose(in);
    return status;
}

int cli_load_log_key(wb_note_verifier **out, const char *arg)
{
    return cli_load_verifier(out, arg, "--log-key");
}

int cli_load_verifier(wb_note_verifier **out, const char *arg, const char *option)
{
    char *text = NULL;
    size_t len = 0;
    int rc, status;

    if (wb_note_verifier_parse(out, arg, strlen(arg)) == 0)
        return EXIT_OK;
    if (access(arg, F_OK) != 0) {
        cli_errorf("%s %s: neither a verifier key (name+keyid+base64) nor a file", option, arg);
        return EXIT_ERROR;
    }
    status = cli_read_file(&text, &len, arg, 4096);
    if (status != EXIT_OK)
        return status;
    /* a key file as `waybill log init > vkey.txt` writes it */
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        text[--len] = '\0';
    rc = wb_note_verifier_parse(out, text, len);
    free(text);
    if (rc < 0) {
        wb_error_prefix(rc, "%s: ", arg);
        return cli_fail(rc);
    }
    return EXIT_OK;
}

int cli_write_file_atomic(const char *path, const void *data, size_t len)
{
    char *tmp = NULL, *dir_copy = NULL;
    const unsigned char *p = data;
    size_t done = 0;
    int fd = -1, dir_fd = -1, status = EXIT_ERROR;

    if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
        tmp = NULL;
        cli_errorf("%s: out of memory", path);
        return EXIT_ERROR;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        cli_errorf("%s: %s", tmp, strerror(errno));
        free(tmp);
        return EXIT_ERROR;
    }
    while (done < len) {
        ssize_t n = write(fd, p + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cli_errorf("%s: %s", tmp, strerror(errno));
            goto out;
        }
        done += (size_t)n;
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        fd = -1;
        cli_errorf("%s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        cli_errorf("%s: %s", path, strerror(errno));
        goto out;
    }
    free(tmp);
    tmp = NULL;
    /* the rename is durable once the directory is */
    if (!(dir_copy = strdup(path))) {
        cli_errorf("%s: out of memory", path);
        goto out;
    }
    dir_fd = open(dirname(dir_copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0 || fsync(dir_fd) < 0) {
        cli_errorf("%s: syncing its directory: %s", path, strerror(errno));
        goto out;
    }
    status = EXIT_OK;
out:
    if (fd >= 0)
        close(fd);
    if (dir_fd >= 0)
        close(dir_fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    free(dir_copy);
    return status;
}
