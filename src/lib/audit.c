/*
 * audit.c: `waybill log audit`: recompute the whole ledger from its stored
 * entries and compare with everything it stores and serves.
 *
 * One pass over the entries, in index order, with bounded memory:
 *
 *   - each entry's chain: bytes -> SHA-256 = stored log entry (digest) ->
 *     SHA-256(0x00 || entry) = stored leaf hash = the tree's stored hash of
 *     leaf i. Each link is checked once; the tree goes on from the log
 *     entry, so one changed byte is one problem, not a cascade;
 *   - the tree: a frontier of complete subtrees (at most 62), as in an RFC
 *     9162 compact range. Adding leaf i completes the subtrees it closes;
 *     each is compared with its stored hash, in the store's stored-hash
 *     order (tlog.h), and the root of any size is the frontier folded;
 *   - tiles: the hashes of heights 0, 8, 16, ... fill one 256-hash buffer
 *     per level; a full buffer is compared with tile/<L>/<N> (and with any
 *     partial tiles of it left in <N>.p/), the buffers left at the end with
 *     the partial tiles of the current size; entry bundles the same way;
 *   - checkpoints: the stored ones in size order, each when the pass
 *     reaches its size; the served file; and those the caller gives;
 *   - last, a walk of tile/ for files that are no tile of this tree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger_internal.h"
#include "tiles.h"

#define MAX_DEPTH  64
#define WALK_DEPTH 16

typedef struct {
    wb_ledger *ledger;
    wb_ledger_audit_report *r;
    wb_ledger_audit_fn fn;
    void *ctx;
    char first[1024];
    /* the tree's frontier: complete subtrees, largest first */
    wb_tlog_hash stack[MAX_DEPTH];
    unsigned stack_level[MAX_DEPTH];
    size_t depth;
    /* one tile per level being filled, and one entry bundle */
    unsigned char tile[WB_TILE_LEVELS][WB_TILE_WIDTH * WB_TLOG_HASH_LEN];
    unsigned char bundle[WB_TILE_WIDTH * WB_TILE_ENTRY_SIZE];
    unsigned char file[WB_TILE_WIDTH * WB_TILE_ENTRY_SIZE + 1];
    /* the next stored checkpoint, when there is one */
    char *cp_note;
    size_t cp_len;
    uint64_t cp_size;
    bool cp_more;
    const wb_checkpoint *const *given;
    size_t n_given;
    uint64_t size; /* entries the pass covers */
} audit;

static void problem(audit *a, const char *fmt, ...) WB_PRINTF(2, 3);

static void problem(audit *a, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (a->r->problems++ == 0)
        snprintf(a->first, sizeof(a->first), "%s", msg);
    if (a->fn)
        a->fn(msg, a->ctx);
}

static void root_of_frontier(wb_tlog_hash *out, const audit *a)
{
    size_t j;
    if (a->depth == 0) {
        wb_tlog_empty_root(out);
        return;
    }
    *out = a->stack[a->depth - 1];
    for (j = a->depth - 1; j > 0; j--)
        wb_tlog_node_hash(out, &a->stack[j - 1], out);
}

/* Compare `expect` (len bytes) with the tile file of (level, n, width). */
static int check_file(audit *a, int level, uint64_t n, unsigned width, const unsigned char *expect,
                      size_t len)
{
    char path[WB_TILE_PATH_MAX];
    size_t got = 0, unit = level == WB_TILE_ENTRIES ? WB_TILE_ENTRY_SIZE : WB_TLOG_HASH_LEN, k;
    int rc;

    if ((rc = wb_tile_path(path, level, n, width)) < 0)
        return rc;
    rc = wb_tile_file_read(a->ledger->dir_fd, path, a->file, sizeof(a->file) - 1, &got);
    if (level == WB_TILE_ENTRIES)
        a->r->bundles++;
    else
        a->r->tiles++;
    if (rc == WB_ENOTFOUND) {
        wb_error_clear();
        problem(a, "%s/%s: missing (the tree of %" PRIu64 " entries needs it)", a->ledger->dir,
                path, a->size);
        return 0;
    }
    if (rc < 0) {
        problem(a, "%s/%s: %s", a->ledger->dir, path, wb_error_last());
        wb_error_clear();
        return 0;
    }
    if (got != len) {
        problem(a, "%s/%s: %zu bytes; the %s of %u holds %zu", a->ledger->dir, path, got,
                level == WB_TILE_ENTRIES ? "entry bundle" : "tile", width, len);
        return 0;
    }
    for (k = 0; k < width; k++)
        if (memcmp(a->file + k * unit, expect + k * unit, unit) != 0) {
            problem(a,
                    "%s/%s: %s %zu differs from the one recomputed from the stored entries "
                    "(entry %" PRIu64 " onwards)",
                    a->ledger->dir, path, level == WB_TILE_ENTRIES ? "log entry" : "hash", k,
                    level <= 0 ? n * WB_TILE_WIDTH + k
                               : (n * WB_TILE_WIDTH + k) << (WB_TILE_HEIGHT * level));
            break;
        }
    return 0;
}

/* Check the partial tiles of tile n left in its .p/ directory, up to width
 * `max_width` (wider ones are beyond the tree: the walk reports them). */
static int check_partials(audit *a, int level, uint64_t n, unsigned max_width, unsigned skip,
                          const unsigned char *expect)
{
    char path[WB_TILE_PATH_MAX + 4];
    const char *base;
    size_t unit = level == WB_TILE_ENTRIES ? WB_TILE_ENTRY_SIZE : WB_TLOG_HASH_LEN;
    struct dirent *e;
    DIR *d;
    int fd, rc;

    if ((rc = wb_tile_path(path, level, n, WB_TILE_WIDTH)) < 0)
        return rc;
    strcat(path, ".p/");
    fd = wb_tiles_open_parent(a->ledger->dir_fd, a->ledger->dir, path, false, &base);
    if (fd < 0) {
        wb_error_clear();
        return 0; /* no partial tiles (the usual case), or the walk says why */
    }
    d = fdopendir(fd);
    if (!d) {
        close(fd);
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        char full[WB_TILE_PATH_MAX + 8];
        int lvl;
        uint64_t nn;
        unsigned w;
        if (strlen(path) + strlen(e->d_name) >= sizeof(full))
            continue; /* no tile name is this long: the walk reports it */
        memcpy(full, path, strlen(path));
        memcpy(full + strlen(path), e->d_name, strlen(e->d_name) + 1);
        if (!wb_tile_path_parse(full, &lvl, &nn, &w) || w > max_width || w == skip)
            continue;
        check_file(a, level, n, w, expect, w * unit);
    }
    closedir(d);
    return 0;
}

/* A hash of height 8*level, index `index`, completes position index % 256
 * of its tile; a full tile is compared at once. */
static void tile_add(audit *a, int level, uint64_t index, const wb_tlog_hash *hash)
{
    size_t pos = (size_t)(index % WB_TILE_WIDTH);
    memcpy(a->tile[level] + pos * WB_TLOG_HASH_LEN, hash->bytes, WB_TLOG_HASH_LEN);
    if (pos == WB_TILE_WIDTH - 1) {
        check_file(a, level, index / WB_TILE_WIDTH, WB_TILE_WIDTH, a->tile[level],
                   sizeof(a->tile[level]));
        check_partials(a, level, index / WB_TILE_WIDTH, WB_TILE_WIDTH - 1, 0, a->tile[level]);
    }
}

static void bundle_add(audit *a, uint64_t index, const wb_tlog_hash *entry)
{
    size_t pos = (size_t)(index % WB_TILE_WIDTH);
    unsigned char *p = a->bundle + pos * WB_TILE_ENTRY_SIZE;
    p[0] = 0;
    p[1] = WB_TLOG_HASH_LEN;
    memcpy(p + 2, entry->bytes, WB_TLOG_HASH_LEN);
    if (pos == WB_TILE_WIDTH - 1) {
        check_file(a, WB_TILE_ENTRIES, index / WB_TILE_WIDTH, WB_TILE_WIDTH, a->bundle,
                   sizeof(a->bundle));
        check_partials(a, WB_TILE_ENTRIES, index / WB_TILE_WIDTH, WB_TILE_WIDTH - 1, 0, a->bundle);
    }
}

/* Add leaf `i` to the frontier, comparing each subtree it completes with
 * the stored hashes `stored` (n_stored of them: the leaf's own first). */
static void add_leaf(audit *a, uint64_t i, const wb_tlog_hash *leaf, const wb_tlog_hash *stored,
                     size_t n_stored)
{
    wb_tlog_hash h = *leaf;
    unsigned level = 0;

    tile_add(a, 0, i, &h);
    while (a->depth > 0 && a->stack_level[a->depth - 1] == level) {
        wb_tlog_node_hash(&h, &a->stack[a->depth - 1], &h);
        a->depth--;
        level++;
        a->r->hashes++;
        if (level < n_stored && !wb_digest_equal(h.bytes, stored[level].bytes, WB_TLOG_HASH_LEN))
            problem(a,
                    "%s: stored hash of height %u, index %" PRIu64
                    " is not the hash of the entries under it (%" PRIu64 "..%" PRIu64 ")",
                    a->ledger->dir, level, i >> level, (i >> level) << level, i);
        if (level % WB_TILE_HEIGHT == 0)
            tile_add(a, (int)(level / WB_TILE_HEIGHT), i >> level, &h);
    }
    a->stack[a->depth] = h;
    a->stack_level[a->depth] = level;
    a->depth++;
}

static int next_checkpoint(audit *a, uint64_t min_size)
{
    int rc;
    wb_free(a->cp_note);
    a->cp_note = NULL;
    rc =
        wb_store_checkpoint_after(&a->cp_note, &a->cp_len, &a->cp_size, a->ledger->store, min_size);
    a->cp_more = rc == 0;
    if (rc == WB_ENOTFOUND) {
        wb_error_clear();
        return 0;
    }
    return rc;
}

/* Everything that must hold once the pass has reached `size` entries. */
static int checkpoints_at(audit *a, uint64_t size)
{
    wb_tlog_hash root;
    size_t g;
    int rc;

    root_of_frontier(&root, a);
    for (g = 0; g < a->n_given; g++) {
        if (a->given[g]->size != size)
            continue;
        a->r->checkpoints++;
        if (!wb_digest_equal(root.bytes, a->given[g]->root.bytes, WB_TLOG_HASH_LEN))
            problem(a,
                    "a given checkpoint of size %" PRIu64
                    ", signed by the log, holds another root than the log's tree of that size: "
                    "the log forked (or was rewritten)",
                    size);
    }
    while (a->cp_more && a->cp_size == size) {
        wb_checkpoint *cp = NULL;
        a->r->checkpoints++;
        rc = wb_checkpoint_open(&cp, NULL, a->cp_note, a->cp_len, a->ledger->origin,
                                a->ledger->verifier);
        if (rc < 0 && rc != WB_EVERIFY && rc != WB_EFORMAT)
            return rc;
        if (rc < 0)
            problem(a, "%s: stored checkpoint of size %" PRIu64 ": %s", a->ledger->dir, size,
                    wb_error_last());
        else if (cp->size != size)
            problem(a, "%s: the stored checkpoint of size %" PRIu64 " says size %" PRIu64,
                    a->ledger->dir, size, cp->size);
        else if (!wb_digest_equal(root.bytes, cp->root.bytes, WB_TLOG_HASH_LEN))
            problem(a,
                    "%s: the stored checkpoint of size %" PRIu64
                    " holds another root than the tree recomputed from the entries",
                    a->ledger->dir, size);
        wb_error_clear();
        wb_checkpoint_free(cp);
        if ((rc = next_checkpoint(a, size + 1)) < 0)
            return rc;
    }
    return 0;
}

/* Entry i's chain; *leaf and *entry get what the tree goes on with. */
static int check_entry(audit *a, uint64_t i, wb_tlog_hash *leaf, wb_tlog_hash *entry,
                       wb_tlog_hash *stored, size_t n_stored)
{
    wb_store_record rec;
    wb_tlog_hash digest, from_entry;
    uint64_t first = wb_tlog_stored_hash_count(i);
    uint64_t ids[MAX_DEPTH];
    size_t k;
    int rc;

    for (k = 0; k < n_stored; k++)
        ids[k] = first + k;
    rc = wb_store_read_hashes(stored, a->ledger->store, ids, n_stored);
    if (rc == WB_ENOTFOUND || rc == WB_EFORMAT) {
        problem(a, "%s: %s", a->ledger->dir, wb_error_last());
        wb_error_clear();
        memset(stored, 0, n_stored * sizeof(*stored));
    } else if (rc < 0) {
        return rc;
    }
    rc = wb_store_read_entry(&rec, a->ledger->store, i);
    if (rc == WB_ENOTFOUND || rc == WB_EFORMAT) {
        problem(a, "%s: entry %" PRIu64 " is missing or damaged (%s)", a->ledger->dir, i,
                wb_error_last());
        wb_error_clear();
        /* go on with the tree's own leaf */
        *leaf = stored[0];
        memset(entry, 0, sizeof(*entry));
        return 0;
    }
    if (rc < 0)
        return rc;
    a->r->entries++;
    rc = wb_digest_buffer(digest.bytes, WB_DIGEST_SHA256,
                          rec.data_len ? (const void *)rec.data : (const void *)"", rec.data_len);
    if (rc == 0)
        rc = wb_tlog_leaf_hash(&from_entry, rec.digest.bytes, WB_TLOG_HASH_LEN);
    if (rc < 0) {
        wb_store_record_clear(&rec);
        return rc;
    }
    if (!wb_digest_equal(digest.bytes, rec.digest.bytes, WB_TLOG_HASH_LEN))
        problem(a,
                "%s: entry %" PRIu64
                ": its stored bytes do not hash to its log entry (changed after it was logged)",
                a->ledger->dir, i);
    if (!wb_digest_equal(from_entry.bytes, rec.leaf_hash.bytes, WB_TLOG_HASH_LEN))
        problem(a, "%s: entry %" PRIu64 ": its stored leaf hash is not that of its log entry",
                a->ledger->dir, i);
    a->r->hashes++;
    if (!wb_digest_equal(from_entry.bytes, stored[0].bytes, WB_TLOG_HASH_LEN))
        problem(a,
                "%s: entry %" PRIu64
                ": the tree holds another leaf at this index (entries swapped, replaced or "
                "dropped?)",
                a->ledger->dir, i);
    *leaf = from_entry;
    *entry = rec.digest;
    wb_store_record_clear(&rec);
    return 0;
}

/* Walk tile/ for files that are no tile of the tree of a->size entries. */
static void walk(audit *a, int parent, char *path, size_t len, int depth)
{
    DIR *d;
    struct dirent *e;
    int fd = openat(parent, depth == 0 ? "tile" : path + len,
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    (void)len;
    if (fd < 0) {
        if (!(depth == 0 && errno == ENOENT))
            problem(a, "%s/%s: cannot be read as a directory: %s", a->ledger->dir, path,
                    strerror(errno));
        return;
    }
    if (!(d = fdopendir(fd))) {
        close(fd);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        size_t plen = strlen(path), nlen = strlen(e->d_name);
        struct stat st;
        if (e->d_name[0] == '.')
            continue; /* ".", "..", and temporary files of an interrupted write */
        if (plen + 1 + nlen + 1 > WB_TILE_PATH_MAX + 16 || depth >= WALK_DEPTH) {
            problem(a, "%s/%s/%s: not a tile of this log", a->ledger->dir, path, e->d_name);
            continue;
        }
        path[plen] = '/';
        memcpy(path + plen + 1, e->d_name, nlen + 1);
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            problem(a, "%s/%s: %s", a->ledger->dir, path, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            walk(a, dirfd(d), path, plen + 1, depth + 1);
        } else if (!S_ISREG(st.st_mode)) {
            problem(a, "%s/%s: not a regular file", a->ledger->dir, path);
        } else {
            int level;
            uint64_t n, count;
            unsigned w;
            if (!wb_tile_path_parse(path, &level, &n, &w)) {
                problem(a, "%s/%s: not a tile path (C2SP tlog-tiles)", a->ledger->dir, path);
            } else {
                count = wb_tile_level_count(level, a->size);
                if (n >= count / WB_TILE_WIDTH + 1 || n * WB_TILE_WIDTH + w > count)
                    problem(a,
                            "%s/%s: beyond the tree of %" PRIu64
                            " entries (left from another tree?)",
                            a->ledger->dir, path, a->size);
            }
        }
        path[plen] = '\0';
    }
    closedir(d);
}

/* The served checkpoint file is the latest stored checkpoint. */
static int check_served(audit *a, const char *latest, size_t latest_len)
{
    char *path = wb_asprintf("%s/checkpoint", a->ledger->dir), *file = NULL;
    size_t len = 0;
    int rc;

    if (!path)
        return wb_error_set(WB_ENOMEM, "audit: out of memory");
    a->r->checkpoints++;
    rc = wb_read_file(&file, &len, path, WB_NOTE_MAX_SIZE);
    if (rc == WB_ENOMEM)
        goto out;
    if (rc < 0)
        problem(a, "%s", wb_error_last());
    else if (!latest || len != latest_len || memcmp(file, latest, len) != 0)
        problem(a,
                "%s: is not the log's latest signed checkpoint (a crash before it was replaced "
                "leaves it behind, which the next append repairs; anything else is tampering)",
                path);
    wb_error_clear();
    rc = 0;
out:
    wb_free(file);
    wb_free(path);
    return rc;
}

static int run_audit(audit *a)
{
    wb_ledger *ledger = a->ledger;
    char *latest = NULL;
    size_t latest_len = 0, g;
    uint64_t store_size = 0, latest_size = 0, i;
    wb_tlog_hash stored[MAX_DEPTH];
    char walk_path[WB_TILE_PATH_MAX + 16] = "tile";
    int rc, level;

    if ((rc = wb_store_size(ledger->store, &store_size)) < 0)
        return rc;
    rc = wb_store_latest_checkpoint(&latest, &latest_len, &latest_size, ledger->store);
    if (rc == WB_EFORMAT) {
        problem(a, "%s", wb_error_last());
        wb_error_clear();
        latest_size = store_size;
    } else if (rc < 0) {
        return rc;
    }
    if (latest_size != store_size)
        problem(a,
                "%s: the store holds %" PRIu64
                " entries but its latest checkpoint is of size %" PRIu64
                " (entries dropped or added outside the log?)",
                ledger->dir, store_size, latest_size);
    a->size = latest_size > store_size ? latest_size : store_size;
    a->r->size = latest_size;
    for (g = 0; g < a->n_given; g++)
        if (a->given[g]->size > a->size)
            problem(a,
                    "a given checkpoint of size %" PRIu64
                    ", signed by the log, is beyond its %" PRIu64
                    " entries: the log was rolled back or forked",
                    a->given[g]->size, a->size);
    if ((rc = next_checkpoint(a, 0)) < 0 || (rc = checkpoints_at(a, 0)) < 0)
        goto out;
    for (i = 0; i < a->size; i++) {
        size_t n_stored = (size_t)(wb_tlog_stored_hash_count(i + 1) - wb_tlog_stored_hash_count(i));
        wb_tlog_hash leaf, entry;
        if ((rc = check_entry(a, i, &leaf, &entry, stored, n_stored)) < 0)
            goto out;
        bundle_add(a, i, &entry);
        add_leaf(a, i, &leaf, stored, n_stored);
        if ((rc = checkpoints_at(a, i + 1)) < 0)
            goto out;
    }
    if (a->cp_more)
        problem(a, "%s: a stored checkpoint of size %" PRIu64 " is beyond the %" PRIu64 " entries",
                ledger->dir, a->cp_size, a->size);
    /* the partial tiles of the current size */
    for (level = WB_TILE_ENTRIES; level < WB_TILE_LEVELS; level++) {
        uint64_t count = wb_tile_level_count(level, a->size);
        unsigned w = (unsigned)(count % WB_TILE_WIDTH);
        const unsigned char *expect = level == WB_TILE_ENTRIES ? a->bundle : a->tile[level];
        size_t unit = level == WB_TILE_ENTRIES ? WB_TILE_ENTRY_SIZE : WB_TLOG_HASH_LEN;
        if (w == 0)
            continue;
        check_file(a, level, count / WB_TILE_WIDTH, w, expect, w * unit);
        check_partials(a, level, count / WB_TILE_WIDTH, w, w, expect);
    }
    if ((rc = check_served(a, latest, latest_len)) < 0)
        goto out;
    walk(a, ledger->dir_fd, walk_path, 0, 0);
out:
    wb_free(latest);
    return rc;
}

int wb_ledger_audit(wb_ledger_audit_report *report, wb_ledger *ledger,
                    const wb_checkpoint *const *given, size_t n_given, wb_ledger_audit_fn fn,
                    void *ctx)
{
    wb_ledger_audit_report local;
    audit *a;
    int rc;

    if (!ledger || (n_given && !given))
        return wb_error_set(WB_EINVAL, "audit: invalid argument");
    if (!report)
        report = &local;
    memset(report, 0, sizeof(*report));
    a = wb_calloc(1, sizeof(*a));
    if (!a)
        return wb_error_set(WB_ENOMEM, "audit: out of memory");
    a->ledger = ledger;
    a->r = report;
    a->fn = fn;
    a->ctx = ctx;
    a->given = given;
    a->n_given = n_given;
    if ((rc = wb_ledger_lock(ledger, false)) == 0) {
        rc = run_audit(a);
        wb_ledger_unlock(ledger);
    }
    if (rc == 0 && report->problems)
        rc = wb_error_set(WB_EVERIFY, "%s", a->first);
    wb_free(a->cp_note);
    wb_free(a);
    return rc;
}
