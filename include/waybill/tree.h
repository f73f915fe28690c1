/*
 * tree.h: walk a delivery (a directory, one file, or an archive) safely and
 * hash its regular files in parallel.
 *
 * The result is the delivery's entries sorted by path: regular files with
 * their SHA-256 and size, directories, symbolic links with their targets,
 * each with its permission bits (07777, so setuid and sticky bits too).
 *
 * Safety: a directory is walked with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS) relative to the root, so nothing outside PATH is ever
 * opened, whatever is renamed or replaced during the walk; symbolic links are
 * recorded, never followed. Archives (tar in its variants, compressed with
 * gzip, xz, zstd or bzip2, and zip) are read with libarchive, never unpacked:
 * absolute names, ".." components, duplicate names, hard links to names not
 * in the archive, and device files are refused with a message naming the
 * entry. Names must be valid UTF-8 (JSON carries them); control characters
 * are kept and escaped wherever names are shown.
 *
 * Speed: one walker thread feeds a bounded queue; one hashing thread per
 * core reads files in 1 MiB blocks through its own buffer. Memory is one
 * record per entry plus the fixed buffers, whatever the file sizes.
 *
 * By default anything that cannot be sealed faithfully (an unreadable
 * file, a device) fails the walk, as seal and verify need. A review of a
 * whole system sets one_file_system, skip_pseudo_fs and
 * tolerate_unreadable instead: what is left out then gets a note
 * (wb_tree_note_at) and the walk goes on.
 */
#ifndef WAYBILL_TREE_H
#define WAYBILL_TREE_H

#include <stdbool.h>
#include "common.h"
#include "digest.h"

WB_BEGIN_DECLS

typedef enum {
    WB_TREE_FILE = 1,
    WB_TREE_DIRECTORY = 2,
    WB_TREE_SYMLINK = 3,
    WB_TREE_OTHER = 4, /* a device, FIFO or socket, or a name that is not UTF-8
                          (only with wb_tree_options.record_foreign) */
} wb_tree_entry_type;

typedef enum {
    WB_TREE_SOURCE_DIRECTORY = 1,
    WB_TREE_SOURCE_FILE = 2,
    WB_TREE_SOURCE_ARCHIVE = 3,
} wb_tree_source;

typedef struct {
    const char *path; /* relative, '/'-separated, no leading "./" */
    wb_tree_entry_type type;
    uint32_t mode;                       /* permission bits, 07777 */
    uint64_t size;                       /* regular files */
    unsigned char sha256[WB_SHA256_LEN]; /* regular files */
    const char *target;                  /* symbolic links */
    bool empty;                          /* directories with no entries */
    /* The owner: st_uid/st_gid from lstat for a walked directory or one
     * file; the member's recorded uid/gid (archive_entry_uid/gid) in an
     * archive, a hard-link member's own, not its target's. Names are not
     * kept: numbers are what the file system and tar store. */
    uint32_t uid, gid;
} wb_tree_entry;

typedef struct {
    uint64_t files_done, bytes_done;   /* hashed so far */
    uint64_t files_total, bytes_total; /* found so far */
    bool walk_done;                    /* the totals are final */
} wb_tree_progress;

typedef struct {
    /* fnmatch(3) patterns (no FNM_PATHNAME: '*' matches '/') tested against
     * each relative path; a matching directory is not descended into. */
    const char *const *excludes;
    size_t nexcludes;
    unsigned threads; /* hashing threads; 0: one per online core */
    /* Record what a delivery cannot hold (devices, FIFOs, sockets, names
     * that are not valid UTF-8) as WB_TREE_OTHER entries, never opened or
     * descended into, instead of refusing the tree: verify uses this to
     * report them as differences along with everything else. */
    bool record_foreign;
    /* called about 5 times a second from a helper thread while hashing */
    void (*progress)(const wb_tree_progress *progress, void *payload);
    void *payload;
    /* The options below are for reviews of whole systems; seal and verify
     * leave them off, so that nothing is ever left out of a seal silently.
     * Each directory or file they leave out gets a note (wb_tree_note_at).
     *
     * one_file_system: a directory on another device (st_dev) than PATH
     * is recorded but not entered. */
    bool one_file_system;
    /* skip_pseudo_fs: a mount point holding a pseudo file system (proc,
     * sysfs, devtmpfs, devpts, cgroup and cgroup2, debugfs, tracefs,
     * securityfs, bpf, pstore, efivarfs, configfs, fusectl, hugetlbfs,
     * mqueue, binfmt_misc, autofs, selinuxfs, nsfs and a few more; by
     * statfs magic) is recorded but not entered. tmpfs is entered: /tmp,
     * /run and /dev/shm hold real files. */
    bool skip_pseudo_fs;
    /* tolerate_unreadable: a file or directory that cannot be opened or
     * read, a device, FIFO or socket (without record_foreign), or a name
     * that is not UTF-8 is left out of the tree with a note (its path and
     * the reason) instead of failing the whole walk. */
    bool tolerate_unreadable;
} wb_tree_options;

typedef struct wb_tree wb_tree;

/* Walk and hash `path`. A directory is walked; a regular file whose name
 * ends in .tar, .tar.gz, .tgz, .tar.xz, .txz, .tar.zst, .tzst, .tar.bz2 or
 * .zip is read as an archive, any other file as a one-file delivery named
 * by its base name. `opts` may be NULL. */
WB_EXTERN int wb_tree_hash(wb_tree **out, const char *path, const wb_tree_options *opts);

/* Like wb_tree_hash() but read `path` as an archive whatever its name. */
WB_EXTERN int wb_tree_hash_archive(wb_tree **out, const char *path, const wb_tree_options *opts);

WB_EXTERN wb_tree_source wb_tree_get_source(const wb_tree *tree);
WB_EXTERN size_t wb_tree_count(const wb_tree *tree);
/* The i-th entry in path order (borrowed; valid until wb_tree_free). */
WB_EXTERN const wb_tree_entry *wb_tree_get(const wb_tree *tree, size_t i);
/* The entry with this path, or NULL (binary search). */
WB_EXTERN const wb_tree_entry *wb_tree_find(const wb_tree *tree, const char *path);
WB_EXTERN uint64_t wb_tree_file_count(const wb_tree *tree);
WB_EXTERN uint64_t wb_tree_total_bytes(const wb_tree *tree);
/* What the walk left out and why, one line each ("proc: a proc file
 * system, not entered", "etc/shadow: Permission denied; left out"), names
 * escaped for display, sorted. At most 1000 are kept (which ones, when
 * there are more, depends on timing); wb_tree_notes_dropped() counts the
 * rest. Borrowed until wb_tree_free. */
WB_EXTERN size_t wb_tree_note_count(const wb_tree *tree);
WB_EXTERN const char *wb_tree_note_at(const wb_tree *tree, size_t i);
WB_EXTERN uint64_t wb_tree_notes_dropped(const wb_tree *tree);
WB_EXTERN void wb_tree_free(wb_tree *tree);

/* The order entries are sorted in: bytewise, except that '/' sorts before
 * every other byte, so a directory's entries follow it directly. */
WB_EXTERN int wb_tree_path_cmp(const char *a, const char *b);

WB_END_DECLS

#endif
