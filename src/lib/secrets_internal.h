/*
 * secrets_internal.h: what the file scanners of the redline review share
 * (secrets.c, malware.c), implemented in secrets_walk.c.
 *
 * wb_scan_tree_files() runs a callback on every regular file of a tree
 * that wb_tree_hash() made, opening each beneath the root with openat2
 * (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), on a pool of threads that take
 * files in tree order from a shared counter. Each thread has its own
 * worker state (made by worker_new, freed by worker_free) so that
 * callbacks need no locks; the first error stops the pool and is handed
 * back to the calling thread with its message.
 */
#ifndef WAYBILL_SECRETS_INTERNAL_H
#define WAYBILL_SECRETS_INTERNAL_H

#include "internal.h"

typedef struct {
    int (*worker_new)(void **worker, void *payload);
    void (*worker_free)(void *worker, void *payload);
    /* `fd` is open for reading and closed by the caller after the call. */
    int (*on_file)(void *worker, const wb_tree_entry *entry, int fd, void *payload);
    /* May be NULL. When a file cannot be opened (removed or replaced since
     * the tree was hashed): 0 to note it (the message is set) and go on,
     * or a negative code that stops the pool. NULL: the pool stops with
     * WB_EIO. */
    int (*on_open_error)(void *worker, const wb_tree_entry *entry, void *payload);
} wb_scan_callbacks;

/* `threads` 0: one per online core. WB_EUNSUPPORTED for archive trees. */
int wb_scan_tree_files(const char *root, const wb_tree *tree, unsigned threads,
                       const wb_scan_callbacks *callbacks, void *payload);

/* --- scanners that bring their own bytes (content.c) ---
 *
 * One of each per thread, never shared: a secret scanner (secrets.c) keeps
 * its own report, merged at the end; a YARA scanner (malware.c) adds to
 * whatever report it is given. Both take the options of their public
 * counterparts (secrets.h, malware.h). */

typedef struct wb_secret_scanner wb_secret_scanner;
int wb_secret_scanner_new(wb_secret_scanner **out, const wb_secret_rules *rules,
                          const wb_secret_options *opts);
/* Scan `len` bytes named `path` into the scanner's report (the bounds of
 * wb_secret_scan_buffer). */
int wb_secret_scanner_scan(wb_secret_scanner *s, const char *path, const void *data, size_t len);
/* Count a file that was not scanned (over the size bound). */
void wb_secret_scanner_skip(wb_secret_scanner *s);
/* The size bound (max_file_size or its default). */
uint64_t wb_secret_scanner_max_size(const wb_secret_scanner *s);
/* Move the scanner's findings and counts into `into`. */
int wb_secret_scanner_merge(wb_secret_report *into, wb_secret_scanner *s);
void wb_secret_scanner_free(wb_secret_scanner *s);
/* Path (wb_tree_path_cmp), line, column, rule order. */
void wb_secret_report_sort(wb_secret_report *report);

typedef struct wb_yara_scanner wb_yara_scanner;
int wb_yara_scanner_new(wb_yara_scanner **out, const wb_malware_rules *rules,
                        const wb_malware_options *opts);
int wb_yara_scanner_scan(wb_yara_scanner *s, wb_malware_report *report, const char *path,
                         const void *data, size_t len);
/* libyara maps the file itself. */
int wb_yara_scanner_scan_fd(wb_yara_scanner *s, wb_malware_report *report, const char *path,
                            int fd);
void wb_yara_scanner_free(wb_yara_scanner *s);
/* A WB_MALWARE_DIGEST finding (strings copied). */
int wb_malware_report_add_digest(wb_malware_report *report, const char *path, const char *name,
                                 const unsigned char sha256[WB_SHA256_LEN]);
/* Move every finding of `from` to the end of `into`. */
int wb_malware_report_move(wb_malware_report *into, wb_malware_report *from);
/* Path, kind, namespace, rule order. */
void wb_malware_report_sort(wb_malware_report *report);

#endif
