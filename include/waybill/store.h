/*
 * store.h: where the ledger keeps what it has sequenced, behind one narrow
 * interface.
 *
 * A store holds four things: the entries (index, the exact bytes appended,
 * their SHA-256 digest, which is the log entry the tree commits to, its
 * leaf hash, an optional party name, the time of sequencing), the
 * Merkle tree's stored hashes in the stored-hash order of tlog.h (so that
 * appending and proving read O(log n) of them), the signed checkpoints by
 * tree size, and an index from artifact digests (sha256 hex of in-toto
 * subjects) to entry indexes.
 *
 * Everything a batch adds goes in through one call, wb_store_append(), which
 * is all-or-nothing and durable when it returns: entries, hashes, subjects
 * and the checkpoint that covers them become visible together or not at all.
 * That single call is what makes the ledger crash-safe, and it is the one
 * promise a backend must keep.
 *
 * A backend is a table of functions (wb_store_ops) and a pointer to its own
 * state; wb_store_new() wraps them. SQLite (embedded, WAL, synchronous=FULL)
 * is the one backend today; a shared PostgreSQL backend can come as another
 * table without changing the ledger.
 */
#ifndef WAYBILL_STORE_H
#define WAYBILL_STORE_H

#include <stdbool.h>

#include "common.h"
#include "tlog.h"

WB_BEGIN_DECLS

/* Bound on one entry's bytes (an envelope): SQLite's default blob limit is
 * 10^9 bytes, and a bundle carries the entry again in base64. */
#define WB_STORE_MAX_ENTRY_SIZE ((size_t)256 << 20)
/* A sha256 digest as lower-case hex, with its NUL. */
#define WB_STORE_DIGEST_HEX_SIZE 65

typedef struct wb_store wb_store;

/* One entry of a batch; everything is borrowed for the call. */
typedef struct wb_store_entry {
    const unsigned char *data; /* the exact bytes appended (an envelope) */
    size_t data_len;
    wb_tlog_hash digest;    /* SHA-256(data): the log entry (ledger.md) */
    wb_tlog_hash leaf_hash; /* SHA-256(0x00 || digest) */
    const char *party;      /* who submitted it; NULL when not known */
    int64_t time;           /* POSIX seconds at sequencing */
    /* sha256 hex digests (64 lower-case hex characters) to index */
    const char *const *subjects;
    size_t n_subjects;
} wb_store_entry;

/* Everything one append adds, borrowed for the call. */
typedef struct wb_store_batch {
    uint64_t first_index; /* must equal the store's size: entries follow on */
    const wb_store_entry *entries;
    size_t n_entries;
    /* the stored hashes appending the entries adds, at stored indexes
     * wb_tlog_stored_hash_count(first_index) onwards */
    const wb_tlog_hash *hashes;
    size_t n_hashes;
    /* the signed checkpoint of the new size first_index + n_entries */
    const char *checkpoint;
    size_t checkpoint_len;
} wb_store_batch;

/* One stored entry, as read back (wb_store_record_clear() frees its parts). */
typedef struct wb_store_record {
    unsigned char *data;
    size_t data_len;
    wb_tlog_hash digest;
    wb_tlog_hash leaf_hash;
    char *party; /* NULL when none was given */
    int64_t time;
} wb_store_record;

/* A backend. Every function returns 0 or a negative WB_E* code with the
 * message set; `impl` is the backend's state given to wb_store_new(). */
typedef struct wb_store_ops {
    const char *name; /* "sqlite" */
    /* The number of entries, which is the size of the latest checkpoint. */
    int (*size)(void *impl, uint64_t *size_out);
    /* Stored hashes by stored index (see wb_tlog_hash_reader). WB_ENOTFOUND
     * for an index not stored. */
    int (*read_hashes)(void *impl, wb_tlog_hash *out, const uint64_t *indexes, size_t count);
    /* Add a batch atomically and durably; WB_EEXISTS (nothing added) when
     * first_index is not the current size. */
    int (*append)(void *impl, const wb_store_batch *batch);
    /* The signed checkpoint of the largest size (malloc'd, NUL-terminated,
     * wb_free()) and that size. */
    int (*latest_checkpoint)(void *impl, char **out, size_t *out_len, uint64_t *size_out);
    /* The signed checkpoint stored for exactly `size`; WB_ENOTFOUND when none. */
    int (*checkpoint_at)(void *impl, char **out, size_t *out_len, uint64_t size);
    /* The stored checkpoint of the smallest size >= min_size, and that size;
     * WB_ENOTFOUND when none (audits walk them in order with this). */
    int (*checkpoint_after)(void *impl, char **out, size_t *out_len, uint64_t *size_out,
                            uint64_t min_size);
    /* Entry `index`; WB_ENOTFOUND beyond the size. */
    int (*read_entry)(void *impl, wb_store_record *out, uint64_t index);
    /* The digests of entries first .. first + count - 1 (the log entries of
     * an entry bundle), without reading the entries' data; WB_ENOTFOUND
     * when one is missing. */
    int (*read_digests)(void *impl, wb_tlog_hash *out, uint64_t first, size_t count);
    /* The indexes of the entries that index `digest_hex`, ascending
     * (malloc'd, wb_free(); NULL with *count 0 when none). */
    int (*search)(void *impl, uint64_t **out, size_t *count, const char *digest_hex);
    /* Optional (may be NULL): hold one read snapshot across the reads until
     * read_end, so that a proof's many reads see one tree and pay for
     * their locks once. Calls do not nest. */
    int (*read_begin)(void *impl);
    int (*read_end)(void *impl);
    /* Release the backend's state (commits nothing: appends are already durable). */
    void (*close)(void *impl);
} wb_store_ops;

/* Wrap a backend: the store owns `impl` and calls ops->close(impl) when
 * freed (also when this call fails). `ops` must outlive the store. */
WB_EXTERN int wb_store_new(wb_store **out, const wb_store_ops *ops, void *impl);

/* Open the SQLite store at `path` (journal_mode=WAL, synchronous=FULL).
 * With `create` a new database is made with its schema and `path` must not
 * exist (WB_EEXISTS); without it, `path` must exist (WB_ENOTFOUND) and hold
 * waybill's schema (WB_EFORMAT otherwise). */
WB_EXTERN int wb_store_open_sqlite(wb_store **out, const char *path, bool create);

/* Open the PostgreSQL store in the database `conninfo` names (a libpq URI,
 * "postgresql://...", or a "key=value ..." string; the string is only read
 * for the call). With `create` waybill's schema is made in the database,
 * which must not hold it yet (WB_EEXISTS); without it, the database must
 * hold it (WB_EFORMAT otherwise; WB_EUNSUPPORTED for a newer schema
 * version). Missing schema migrations are applied either way. Appends from
 * several processes serialize in the database. A failed connection or a
 * server error is WB_EIO; after a lost connection the next call reconnects
 * once. One store serves one thread at a time. */
WB_EXTERN int wb_store_open_postgresql(wb_store **out, const char *conninfo, bool create);

/* The backend's name ("sqlite", "postgresql"). */
WB_EXTERN const char *wb_store_backend(const wb_store *store);

/* Dispatch to the backend, after checking the arguments (WB_EINVAL). */
WB_EXTERN int wb_store_size(wb_store *store, uint64_t *size_out);
WB_EXTERN int wb_store_read_hashes(wb_tlog_hash *out, wb_store *store, const uint64_t *indexes,
                                   size_t count);
WB_EXTERN int wb_store_append(wb_store *store, const wb_store_batch *batch);
WB_EXTERN int wb_store_latest_checkpoint(char **out, size_t *out_len, uint64_t *size_out,
                                         wb_store *store);
WB_EXTERN int wb_store_checkpoint_at(char **out, size_t *out_len, wb_store *store, uint64_t size);
WB_EXTERN int wb_store_checkpoint_after(char **out, size_t *out_len, uint64_t *size_out,
                                        wb_store *store, uint64_t min_size);
WB_EXTERN int wb_store_read_entry(wb_store_record *out, wb_store *store, uint64_t index);
WB_EXTERN int wb_store_read_digests(wb_tlog_hash *out, wb_store *store, uint64_t first,
                                    size_t count);
WB_EXTERN int wb_store_search(uint64_t **out, size_t *count, wb_store *store,
                              const char *digest_hex);

/* Begin and end one read snapshot (see read_begin); no-ops for a backend
 * without them. */
WB_EXTERN int wb_store_read_begin(wb_store *store);
WB_EXTERN int wb_store_read_end(wb_store *store);

/* A wb_tlog_hash_reader over the store (payload: the wb_store). */
WB_EXTERN int wb_store_hash_reader(wb_tlog_hash *out, const uint64_t *indexes, size_t count,
                                   void *payload);

/* Free what a record holds and zero it; NULL is a no-op. */
WB_EXTERN void wb_store_record_clear(wb_store_record *record);

/* Close the store; NULL is a no-op. */
WB_EXTERN void wb_store_free(wb_store *store);

WB_END_DECLS

#endif
