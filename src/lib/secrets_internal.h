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
} wb_scan_callbacks;

/* `threads` 0: one per online core. WB_EUNSUPPORTED for archive trees. */
int wb_scan_tree_files(const char *root, const wb_tree *tree, unsigned threads,
                       const wb_scan_callbacks *callbacks, void *payload);

#endif
