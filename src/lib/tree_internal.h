/*
 * tree_internal.h: a hook into tree.c's walk, so that a scan can see each
 * regular file's bytes while the tree hashes them, reading every file
 * once (content.c).
 *
 * The hook runs in the hashing threads (one worker state per thread, made
 * by worker_new and freed by worker_free in that thread). For an archive,
 * which is read by one thread, each kept member's bytes go with their
 * buffer to a pool of threads (one per core, each with its own worker
 * state; at most one buffer per pool thread plus one in circulation), or
 * to the calling thread with one thread; for one file, to the calling
 * thread. A file that fits in
 * `max_buffer` is read whole into the thread's buffer, hashed from it and
 * handed to on_file; a larger one is hashed in blocks as usual and
 * on_file gets data NULL and, for a file on disk, the open descriptor (at
 * an unspecified offset; the callee may pread or lseek it), -1 for an
 * archive member, which cannot be read twice. Hard-link members of an
 * archive are not handed over (their content is their target's, which
 * was), nor are excluded members hashed on the side. on_file sees the
 * entry with its digest and size set; a negative return stops the walk
 * with that error.
 */
#ifndef WAYBILL_TREE_INTERNAL_H
#define WAYBILL_TREE_INTERNAL_H

#include "internal.h"

typedef struct {
    int (*worker_new)(void **worker, void *payload);
    void (*worker_free)(void *worker, void *payload);
    int (*on_file)(void *worker, const wb_tree_entry *entry, const void *data, size_t len, int fd,
                   void *payload);
    size_t max_buffer;
} wb_tree_hook;

/* wb_tree_hash() with the hook run on every regular file. */
int wb_tree_hash_hooked(wb_tree **out, const char *path, const wb_tree_options *opts,
                        const wb_tree_hook *hook, void *payload);

/* An archive member's name as the tree spells it, into `out`: "./" and
 * empty or "." components dropped. WB_EFORMAT (message naming it) for an
 * absolute name, a ".." component or no name; an empty result is the
 * archive's root. */
int wb_tree_member_path(wb_buf *out, const char *name);

#endif
