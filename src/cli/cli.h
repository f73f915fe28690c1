/*
 * cli.h: what the commands of the `waybill` tool share.
 *
 * The tool is a thin user of libwaybill's public API (curl's lib/ vs src/):
 * each command parses its options, calls the library, and maps the
 * library's error codes to the exit statuses users script against.
 */
#ifndef WAYBILL_CLI_H
#define WAYBILL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <waybill/waybill.h>

enum {
    EXIT_OK = 0,
    EXIT_VERIFY = 1, /* verification or policy failure */
    EXIT_USAGE = 2,  /* bad command line */
    EXIT_ERROR = 3,  /* I/O, format or internal error */
};

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
    const char *usage; /* full help text */
} cli_command;

/* Print "waybill: <message>" to stderr. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Report the library's last error and return the exit status for `rc`. */
int cli_fail(int rc);
/* Exit status for a library return code. */
int cli_exit_status(int rc);
/* Print the usage of `cmd` to `out`; return EXIT_USAGE. */
int cli_usage(const cli_command *cmd, FILE *out);
/* A usage error: message, a hint to run help, EXIT_USAGE. */
int cli_usage_error(const char *cmd_name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Find a command by name (NULL when unknown). */
const cli_command *cli_find(const char *name);
/* Print a JSON value to stdout, indented, with a final newline; steals it. */
int cli_print_json(json_t *value);

/* A growable list of strings from repeated options (--key A --key B). */
typedef struct {
    const char **items;
    size_t count;
} cli_list;
int cli_list_add(cli_list *list, const char *item);
void cli_list_free(cli_list *list);

/* Parse a positive decimal count; false when it is not one. */
bool cli_parse_count(size_t *out, const char *text);

/* "12.3 MiB" */
void cli_format_bytes(char *out, size_t size, uint64_t bytes);

/* The progress bar of hashing commands (progress.c). */
typedef struct {
    double started;
    bool drawn;
} cli_progress;
/* Hook the bar into `opts` when stderr is a terminal and not `quiet`. */
void cli_progress_init(cli_progress *bar, wb_tree_options *opts, bool quiet);
/* Erase the bar if it was drawn. */
void cli_progress_done(cli_progress *bar);

/* Load every file of `paths` into a new keyring (verify commands) and check
 * that `threshold` distinct keys are there. Returns an exit status: EXIT_OK,
 * or the error already reported. */
int cli_load_trust(wb_keyring **out, const cli_list *paths, size_t threshold, const char *cmd_name);
/* Read a whole file ("-": standard input) of at most `max` bytes into a
 * NUL-terminated buffer (free()). Returns an exit status; errors reported. */
int cli_read_file(char **out, size_t *len, const char *path, size_t max);

/* Write `len` bytes to `path` atomically: a temporary file next to it
 * (O_EXCL, O_NOFOLLOW), fsync, rename over `path`, fsync of the directory;
 * mode 0644. Returns an exit status; errors reported. */
int cli_write_file_atomic(const char *path, const void *data, size_t len);

/* A ledger's note verifier key from its name+hash+base64 string or from a
 * file holding one (as `waybill log init` prints it). Returns an exit
 * status; errors reported. */
int cli_load_log_key(wb_note_verifier **out, const char *arg);
/* The same for any option that names a note verifier key (for messages). */
int cli_load_verifier(wb_note_verifier **out, const char *arg, const char *option);

/* Parse --threads (1 to 64). */
bool cli_parse_threads(unsigned *out, const char *text);

/* `waybill log witness` (cmd_log_witness.c), dispatched by cmd_log.c */
int cmd_log_witness_run(int argc, char **argv);

extern const cli_command cmd_keygen;
extern const cli_command cmd_seal;
extern const cli_command cmd_verify;
extern const cli_command cmd_show;
extern const cli_command cmd_envelope;
extern const cli_command cmd_log;
extern const cli_command cmd_token;
extern const cli_command cmd_layout;
extern const cli_command cmd_run;
extern const cli_command cmd_record;
extern const cli_command cmd_review;
extern const cli_command cmd_help;

#endif
