/*
 * driver.c: replay fuzz inputs without libFuzzer.
 *
 * Linked with one fuzz target instead of -fsanitize=fuzzer, so that every
 * build (gcc included) runs each corpus through its target: `meson test
 * --suite fuzz-replay`. Each argument is a file or a directory whose regular
 * files (not recursing, dot files skipped, in name order) are inputs. Output
 * is TAP: the plan first, then "ok N - path" per input that returned and
 * "not ok N - path: ..." per input that crashed the target.
 *
 * Each input runs in a child process of its own, so that one crash (abort,
 * sanitizer report, leak found by LeakSanitizer at the child's exit) fails
 * that input only and every reproducer in a corpus is reported, and so that
 * no state carries from one input to the next that libFuzzer would not
 * carry either. The input is handed over in a buffer of exactly its size,
 * so that AddressSanitizer builds catch a read past its end.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer's own default is 4096 bytes; our campaigns use 65536. Seeds
 * beyond a few MiB are a mistake, not a test. */
#define REPLAY_MAX_INPUT ((size_t)16 << 20)

typedef struct {
    char **paths;
    size_t count, cap;
} path_list;

/* Append `path` (a malloc'd string, owned by the list from now on). */
static int add_path(path_list *list, char *path)
{
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 64;
        char **grown = realloc(list->paths, cap * sizeof(*grown));
        if (!grown) {
            free(path);
            return -1;
        }
        list->paths = grown;
        list->cap = cap;
    }
    list->paths[list->count++] = path;
    return 0;
}

static int collect(path_list *list, const char *arg)
{
    struct dirent **entries = NULL;
    struct stat st;
    int n, i, rc = 0;

    if (stat(arg, &st) < 0) {
        fprintf(stderr, "%s: %s\n", arg, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        char *path = strdup(arg);
        return path ? add_path(list, path) : -1;
    }
    n = scandir(arg, &entries, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "%s: %s\n", arg, strerror(errno));
        return -1;
    }
    for (i = 0; i < n; i++) {
        size_t len = strlen(arg) + strlen(entries[i]->d_name) + 2;
        char *path = NULL;

        if (rc == 0 && entries[i]->d_name[0] != '.') {
            path = malloc(len);
            if (!path)
                rc = -1;
        }
        if (path) {
            snprintf(path, len, "%s/%s", arg, entries[i]->d_name);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
                rc = add_path(list, path);
            else
                free(path);
        }
        free(entries[i]);
    }
    free(entries);
    return rc;
}

/* Read a whole file into a buffer of exactly its size (NULL for empty). */
static int read_input(uint8_t **out, size_t *out_len, const char *path)
{
    FILE *in = fopen(path, "rb");
    uint8_t *data = NULL;
    long size;

    *out = NULL;
    *out_len = 0;
    if (!in)
        return -1;
    if (fseek(in, 0, SEEK_END) < 0 || (size = ftell(in)) < 0 || (size_t)size > REPLAY_MAX_INPUT ||
        fseek(in, 0, SEEK_SET) < 0)
        goto fail;
    if (size > 0) {
        data = malloc((size_t)size);
        if (!data || fread(data, 1, (size_t)size, in) != (size_t)size)
            goto fail;
    }
    fclose(in);
    *out = data;
    *out_len = (size_t)size;
    return 0;
fail:
    free(data);
    fclose(in);
    return -1;
}

/* Run one input in a child; 0 when the target returned, else -1 with a
 * reason in why[]. */
static int run_input(const char *path, char *why, size_t why_size)
{
    uint8_t *data;
    size_t size;
    int status;
    pid_t child;

    fflush(NULL); /* nothing buffered may be written twice */
    child = fork();
    if (child < 0) {
        snprintf(why, why_size, "fork: %s", strerror(errno));
        return -1;
    }
    if (child == 0) {
        if (read_input(&data, &size, path) < 0) {
            fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
            exit(3);
        }
        LLVMFuzzerTestOneInput(data, size);
        free(data);
        exit(0); /* exit(), not _exit(): LeakSanitizer checks at exit */
    }
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(why, why_size, "waitpid: %s", strerror(errno));
            return -1;
        }
    }
    if (WIFSIGNALED(status)) {
        snprintf(why, why_size, "killed by signal %d", WTERMSIG(status));
        return -1;
    }
    if (WEXITSTATUS(status) != 0) {
        snprintf(why, why_size, "exit status %d", WEXITSTATUS(status));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    path_list list = {0};
    size_t i;
    int arg, failed = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR|FILE...\n", argv[0]);
        return 2;
    }
    for (arg = 1; arg < argc; arg++)
        if (collect(&list, argv[arg]) < 0)
            return 2;
    printf("1..%zu\n", list.count);
    fflush(stdout);
    for (i = 0; i < list.count; i++) {
        char why[128];

        if (run_input(list.paths[i], why, sizeof(why)) == 0) {
            printf("ok %zu - %s\n", i + 1, list.paths[i]);
        } else {
            printf("not ok %zu - %s: %s\n", i + 1, list.paths[i], why);
            failed = 1;
        }
        free(list.paths[i]);
    }
    free(list.paths);
    return failed;
}
