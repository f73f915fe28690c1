/*
 * content.h: one pass over a delivery for the redline review: the tree
 * (paths, digests, modes, owners) and what the content detectors find in
 * it (secrets, YARA rules, known-bad digests), reading each file once.
 *
 * A directory is walked by the tree hasher (tree.h), and each regular file
 * is read whole into the hashing thread's buffer, hashed, and scanned for
 * secrets and with the YARA rules from the same bytes; a file over the
 * bound (the secret scan's max_file_size, 32 MiB by default) is hashed in
 * blocks and scanned by YARA from the file, and counted as skipped by the
 * secret scan. An archive is read once with libarchive: each regular
 * member is hashed and kept in memory up to the same bound, then scanned
 * by a pool of threads while the next members are read; a larger member
 * is hashed and noted as not scanned. One file is hashed
 * and scanned. Digests are looked up in the bad-digest list after the
 * walk, for every regular file (hard-link members too).
 *
 * The walk is the one a review of a whole system needs: pseudo file
 * systems (proc, sysfs, ...) are never entered; a file or directory that
 * cannot be read, a device, FIFO or socket is left out with a note, never
 * failing the review; excluded directories are pruned before they are
 * opened. Nothing else is skipped: node_modules, lock files and vendored
 * trees are scanned like everything else (gitleaks leaves some of them
 * out by default).
 *
 * Paths in findings are the tree's relative paths; findings are sorted by
 * path, then line and rule (secrets) or kind and rule (malware), so a
 * report is the same whatever the thread count.
 */
#ifndef WAYBILL_CONTENT_H
#define WAYBILL_CONTENT_H

#include <stdbool.h>
#include "common.h"
#include "malware.h"
#include "secrets.h"
#include "tree.h"

WB_BEGIN_DECLS

typedef struct {
    const wb_secret_rules *secret_rules; /* NULL: no secret scan */
    const wb_malware_rules *yara_rules;  /* NULL: no YARA scan */
    const wb_bad_digests *bad_digests;   /* NULL: no digest list */
    wb_secret_options secrets;           /* bounds; .threads is not used */
    wb_malware_options malware;          /* timeout; .threads, .bad_digests are not used */
    /* fnmatch(3) patterns as in wb_tree_options: matching directories are
     * not entered, matching files not read */
    const char *const *excludes;
    size_t nexcludes;
    /* do not enter other file systems than PATH's; pseudo file systems
     * are never entered, and unreadable files never stop the scan */
    bool one_file_system;
    unsigned threads; /* 0: one per online core, at most 32 (libyara's bound) */
} wb_content_options;

typedef struct {
    uint64_t files, bytes;                 /* regular files in the tree */
    uint64_t files_scanned, bytes_scanned; /* handed to the detectors whole */
    uint64_t files_unscanned;              /* archive members over the bound (noted) */
    double seconds;                        /* wall time of the whole scan */
    double seconds_walk;                   /* wall: walk, read, hash, scan */
    double seconds_finish;                 /* wall: digest lookups, merge, sort */
    /* CPU seconds summed over the threads, inside each detector */
    double cpu_secrets, cpu_yara;
    unsigned threads;
} wb_content_stats;

typedef struct wb_content_report wb_content_report;

/* Scan `path` (a directory, an archive by its name as wb_tree_hash()
 * reads it, or one file). `opts` may be NULL (the tree only: no rules).
 * *out is a new report (wb_content_report_free()). Fails only when PATH
 * itself cannot be read, an archive is malformed, or on an internal error
 * (out of memory, a YARA scan that fails outright); a YARA timeout is a
 * WB_MALWARE_INCOMPLETE finding. */
WB_EXTERN int wb_content_scan(wb_content_report **out, const char *path,
                              const wb_content_options *opts);

/* The parts, borrowed until wb_content_report_free(); never NULL for a
 * report (a detector that did not run gives an empty report). */
WB_EXTERN const wb_tree *wb_content_tree(const wb_content_report *report);
WB_EXTERN const wb_secret_report *wb_content_secrets(const wb_content_report *report);
WB_EXTERN const wb_malware_report *wb_content_malware(const wb_content_report *report);
WB_EXTERN const wb_content_stats *wb_content_stats_of(const wb_content_report *report);

/* What the scan left out and why, sorted: the tree's notes (unreadable
 * files, file systems not entered) and members not scanned. At most 1000
 * kept; wb_content_notes_dropped() counts the rest. Borrowed. */
WB_EXTERN size_t wb_content_note_count(const wb_content_report *report);
WB_EXTERN const char *wb_content_note_at(const wb_content_report *report, size_t i);
WB_EXTERN uint64_t wb_content_notes_dropped(const wb_content_report *report);

WB_EXTERN void wb_content_report_free(wb_content_report *report);

WB_END_DECLS

#endif
