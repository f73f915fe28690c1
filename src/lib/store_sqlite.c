/*
 * store_sqlite.c: the embedded store backend, one SQLite database file.
 *
 * Schema (PRAGMA user_version 2, application_id 'WBLG'):
 *
 *   entries(idx INTEGER PRIMARY KEY, digest BLOB, leaf_hash BLOB, party TEXT,
 *           time INTEGER, data BLOB)      -- what was appended, verbatim, and
 *                                         -- its SHA-256, the log entry
 *                                         -- (data last: reading the other
 *                                         -- columns never touches its pages)
 *   hashes(id INTEGER PRIMARY KEY, hash BLOB)
 *                                         -- tlog.h's stored hashes, by index
 *   checkpoints(size INTEGER PRIMARY KEY, note TEXT)
 *                                         -- signed checkpoints, by tree size
 *   subjects(digest TEXT, idx INTEGER, PRIMARY KEY(digest, idx)) WITHOUT ROWID
 *                                         -- sha256 hex -> entries
 *
 * Durability: journal_mode=WAL with synchronous=FULL, so a COMMIT has
 * reached the disk (the WAL is fsync()ed) when sqlite3_step returns. A batch
 * is one BEGIN IMMEDIATE ... COMMIT: the write lock is taken up front, the
 * size is checked against the batch's first index inside the transaction
 * (so two writers can never hand out the same index), and any failure rolls
 * everything back. A crash mid-batch leaves the WAL without a commit record
 * for it, which SQLite discards on the next open: no torn batch.
 *
 * Row ids hold indexes directly; SQLite integers are signed 64-bit, and the
 * stored-hash layout stops at 2^62 leaves (2^63 hashes), so they fit.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "internal.h"
#include "waybill/store.h"

#define SCHEMA_VERSION 2
#define APPLICATION_ID 0x57424c47 /* "WBLG" */

typedef struct {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *read_hash; /* prepared once: proofs read many hashes */
    sqlite3_stmt *read_size; /* prepared once: every proof asks the size */
    /* the other reads of a served request (checkpoint, entry, digests),
     * prepared on first use and kept: parsing SQL was a visible part of
     * serving a bundle */
    struct {
        const char *sql;
        sqlite3_stmt *stmt;
    } cache[24];
} sqlite_store;

/* The statements of every transaction, kept too: sqlite3_exec() parses its
 * SQL on each call, which was about a tenth of an append batch's CPU. The
 * cache knows a statement by its address, so each has one. */
static const char sql_begin[] = "BEGIN";
static const char sql_begin_immediate[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_next_index[] = "SELECT MAX(idx) + 1 FROM entries";
static const char sql_next_hash[] = "SELECT MAX(id) + 1 FROM hashes";
static const char sql_insert_entry[] =
    "INSERT INTO entries(idx, data, leaf_hash, party, time, digest) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_insert_hash[] = "INSERT INTO hashes(id, hash) VALUES(?1, ?2)";
static const char sql_insert_subject[] =
    "INSERT OR IGNORE INTO subjects(digest, idx) VALUES(?1, ?2)";
static const char sql_insert_checkpoint[] = "INSERT INTO checkpoints(size, note) VALUES(?1, ?2)";

static int db_error(sqlite_store *s, const char *what)
{
    int code = sqlite3_errcode(s->db);
    int rc = code == SQLITE_NOMEM                              ? WB_ENOMEM
             : code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? WB_EFORMAT
                                                               : WB_EIO;
    return wb_error_set(rc, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static int exec_sql(sqlite_store *s, const char *sql, const char *what)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_error(s, what);
    return 0;
}

static int prepare(sqlite_store *s, sqlite3_stmt **stmt, const char *sql)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, stmt, NULL) != SQLITE_OK) {
        *stmt = NULL;
        return db_error(s, "preparing a statement");
    }
    return 0;
}

/* A kept statement for `sql` (a string constant), reset and unbound: give
 * it back with done_cached(), never finalize it. */
static int cached(sqlite_store *s, sqlite3_stmt **stmt, const char *sql)
{
    size_t i;
    for (i = 0; i < sizeof(s->cache) / sizeof(s->cache[0]); i++) {
        if (s->cache[i].sql == sql) {
            *stmt = s->cache[i].stmt;
            return 0;
        }
        if (!s->cache[i].sql) {
            int rc = prepare(s, stmt, sql);
            if (rc == 0) {
                s->cache[i].sql = sql;
                s->cache[i].stmt = *stmt;
            }
            return rc;
        }
    }
    return wb_error_set(WB_EINTERNAL, "%s: statement cache full", s->path);
}

static void done_cached(sqlite3_stmt *stmt)
{
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

/* Run one of the kept statements above that takes no parameters. */
static int exec_kept(sqlite_store *s, const char *sql, const char *what)
{
    sqlite3_stmt *stmt;
    int rc = cached(s, &stmt, sql), step;

    if (rc < 0)
        return rc;
    step = sqlite3_step(stmt);
    if (step != SQLITE_DONE && step != SQLITE_ROW)
        rc = db_error(s, what);
    sqlite3_reset(stmt);
    return rc;
}

/* Step a query that yields one integer (NULL or no row reads as `dflt`). */
static int step_int(sqlite_store *s, sqlite3_stmt *stmt, int64_t *out, int64_t dflt)
{
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        *out = sqlite3_column_type(stmt, 0) == SQLITE_NULL ? dflt : sqlite3_column_int64(stmt, 0);
    else if (step == SQLITE_DONE)
        *out = dflt;
    else
        return db_error(s, "reading");
    return 0;
}

/* A kept query that yields one integer. */
static int query_kept(sqlite_store *s, int64_t *out, const char *sql, int64_t dflt)
{
    sqlite3_stmt *stmt;
    int rc = cached(s, &stmt, sql);

    if (rc < 0)
        return rc;
    rc = step_int(s, stmt, out, dflt);
    sqlite3_reset(stmt);
    return rc;
}

/* Run a query that yields one integer (NULL reads as `dflt`). */
static int query_int(sqlite_store *s, int64_t *out, const char *sql, int64_t dflt)
{
    sqlite3_stmt *stmt = NULL;
    int rc = prepare(s, &stmt, sql);

    if (rc < 0)
        return rc;
    rc = step_int(s, stmt, out, dflt);
    sqlite3_finalize(stmt);
    return rc;
}

static int sqlite_size(void *impl, uint64_t *size_out)
{
    sqlite_store *s = impl;
    int step, rc = 0;

    sqlite3_reset(s->read_size);
    step = sqlite3_step(s->read_size);
    if (step == SQLITE_ROW)
        *size_out = sqlite3_column_type(s->read_size, 0) == SQLITE_NULL
                        ? 0
                        : (uint64_t)sqlite3_column_int64(s->read_size, 0);
    else
        rc = db_error(s, "reading the log size");
    sqlite3_reset(s->read_size);
    return rc;
}

static int sqlite_read_hashes(void *impl, wb_tlog_hash *out, const uint64_t *indexes, size_t count)
{
    sqlite_store *s = impl;
    size_t i;
    int rc = 0, step;
    /* one read transaction for all of a proof's hashes: outside one, each
     * statement takes and drops the database's locks on its own (about 45%
     * of a proof's time went there) */
    bool own_txn = sqlite3_get_autocommit(s->db) != 0;

    for (i = 0; i < count; i++)
        if (indexes[i] > INT64_MAX)
            return wb_error_set(WB_EINVAL, "%s: stored hash %" PRIu64 " is out of range", s->path,
                                indexes[i]);
    if (own_txn && (rc = exec_kept(s, sql_begin, "starting a read transaction")) < 0)
        return rc;
    for (i = 0; i < count && rc == 0; i++) {
        sqlite3_reset(s->read_hash);
        sqlite3_bind_int64(s->read_hash, 1, (int64_t)indexes[i]);
        step = sqlite3_step(s->read_hash);
        if (step == SQLITE_ROW) {
            if (sqlite3_column_bytes(s->read_hash, 0) != WB_TLOG_HASH_LEN)
                rc = wb_error_set(WB_EFORMAT, "%s: stored hash %" PRIu64 " is not %d bytes",
                                  s->path, indexes[i], WB_TLOG_HASH_LEN);
            else
                memcpy(out[i].bytes, sqlite3_column_blob(s->read_hash, 0), WB_TLOG_HASH_LEN);
        } else if (step == SQLITE_DONE) {
            rc = wb_error_set(WB_ENOTFOUND, "%s: stored hash %" PRIu64 " is missing", s->path,
                              indexes[i]);
        } else {
            rc = db_error(s, "reading a stored hash");
        }
    }
    sqlite3_reset(s->read_hash);
    if (own_txn) {
        int end = exec_kept(s, sql_commit, "ending a read transaction");
        if (rc == 0)
            rc = end;
    }
    return rc;
}

static int sqlite_read_begin(void *impl)
{
    sqlite_store *s = impl;
    if (!sqlite3_get_autocommit(s->db))
        return wb_error_set(WB_EINTERNAL, "%s: a read snapshot is already open", s->path);
    return exec_kept(s, sql_begin, "starting a read transaction");
}

static int sqlite_read_end(void *impl)
{
    sqlite_store *s = impl;
    if (sqlite3_get_autocommit(s->db))
        return 0;
    return exec_kept(s, sql_commit, "ending a read transaction");
}

/* Step a write statement to completion, then reset it for the next row. */
static int step_done(sqlite_store *s, sqlite3_stmt *stmt, const char *what)
{
    int step = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return step == SQLITE_DONE ? 0 : db_error(s, what);
}

static int sqlite_append(void *impl, const wb_store_batch *batch)
{
    sqlite_store *s = impl;
    sqlite3_stmt *ins_entry = NULL, *ins_hash = NULL, *ins_subject = NULL, *ins_cp = NULL;
    uint64_t first_hash = wb_tlog_stored_hash_count(batch->first_index);
    int64_t size, n_hashes;
    bool in_tx = false;
    size_t i, j;
    int rc;

    /* IMMEDIATE: take the write lock now, so the size read below cannot
     * change before COMMIT */
    rc = exec_kept(s, sql_begin_immediate, "starting a transaction");
    if (rc < 0)
        goto out;
    in_tx = true;
    rc = query_kept(s, &size, sql_next_index, 0);
    if (rc == 0)
        rc = query_kept(s, &n_hashes, sql_next_hash, 0);
    if (rc < 0)
        goto out;
    if ((uint64_t)size != batch->first_index) {
        rc = wb_error_set(WB_EEXISTS,
                          "%s: the log has %" PRId64 " entries, not %" PRIu64
                          " (another writer appended?); nothing added",
                          s->path, size, batch->first_index);
        goto out;
    }
    if ((uint64_t)n_hashes != first_hash) {
        rc = wb_error_set(
            WB_EFORMAT, "%s: %" PRId64 " stored hashes for %" PRId64 " entries; expected %" PRIu64,
            s->path, n_hashes, size, first_hash);
        goto out;
    }
    if ((rc = cached(s, &ins_entry, sql_insert_entry)) < 0 ||
        (rc = cached(s, &ins_hash, sql_insert_hash)) < 0 ||
        (rc = cached(s, &ins_subject, sql_insert_subject)) < 0 ||
        (rc = cached(s, &ins_cp, sql_insert_checkpoint)) < 0)
        goto out;
    for (i = 0; i < batch->n_entries; i++) {
        const wb_store_entry *e = &batch->entries[i];
        int64_t idx = (int64_t)(batch->first_index + i);
        /* zeroblob: an empty entry must still be a BLOB, never NULL */
        if (e->data_len)
            sqlite3_bind_blob64(ins_entry, 2, e->data, e->data_len, SQLITE_STATIC);
        else
            sqlite3_bind_zeroblob(ins_entry, 2, 0);
        sqlite3_bind_int64(ins_entry, 1, idx);
        sqlite3_bind_blob(ins_entry, 3, e->leaf_hash.bytes, WB_TLOG_HASH_LEN, SQLITE_STATIC);
        if (e->party)
            sqlite3_bind_text(ins_entry, 4, e->party, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(ins_entry, 4);
        sqlite3_bind_int64(ins_entry, 5, e->time);
        sqlite3_bind_blob(ins_entry, 6, e->digest.bytes, WB_TLOG_HASH_LEN, SQLITE_STATIC);
        if ((rc = step_done(s, ins_entry, "adding an entry")) < 0)
            goto out;
        for (j = 0; j < e->n_subjects; j++) {
            sqlite3_bind_text(ins_subject, 1, e->subjects[j], -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins_subject, 2, idx);
            if ((rc = step_done(s, ins_subject, "indexing a subject")) < 0)
                goto out;
        }
    }
    for (i = 0; i < batch->n_hashes; i++) {
        sqlite3_bind_int64(ins_hash, 1, (int64_t)(first_hash + i));
        sqlite3_bind_blob(ins_hash, 2, batch->hashes[i].bytes, WB_TLOG_HASH_LEN, SQLITE_STATIC);
        if ((rc = step_done(s, ins_hash, "adding a stored hash")) < 0)
            goto out;
    }
    sqlite3_bind_int64(ins_cp, 1, (int64_t)(batch->first_index + batch->n_entries));
    sqlite3_bind_text(ins_cp, 2, batch->checkpoint, (int)batch->checkpoint_len, SQLITE_STATIC);
    if ((rc = step_done(s, ins_cp, "adding the checkpoint")) < 0)
        goto out;
    /* with synchronous=FULL, the batch is on disk when COMMIT returns */
    rc = exec_kept(s, sql_commit, "committing the batch");
    if (rc == 0)
        in_tx = false;
out:
    /* step_done() has reset every kept statement it ran; one that failed
     * before its step holds bindings only */
    if (ins_entry)
        done_cached(ins_entry);
    if (ins_hash)
        done_cached(ins_hash);
    if (ins_subject)
        done_cached(ins_subject);
    if (ins_cp)
        done_cached(ins_cp);
    if (in_tx)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* The note column of one checkpoint row into a new string. */
static int checkpoint_query(sqlite_store *s, char **out, size_t *out_len, uint64_t *size_out,
                            const char *sql, const uint64_t *size)
{
    sqlite3_stmt *stmt = NULL;
    int rc = cached(s, &stmt, sql), step;

    if (rc < 0)
        return rc;
    if (size)
        sqlite3_bind_int64(stmt, 1, (int64_t)*size);
    step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        const unsigned char *note = sqlite3_column_text(stmt, 1);
        size_t len = (size_t)sqlite3_column_bytes(stmt, 1);
        *out = note ? wb_strndup((const char *)note, len) : NULL;
        if (!*out)
            rc = wb_error_set(WB_ENOMEM, "%s: out of memory", s->path);
        else {
            if (out_len)
                *out_len = len;
            if (size_out)
                *size_out = (uint64_t)sqlite3_column_int64(stmt, 0);
        }
    } else if (step == SQLITE_DONE) {
        rc = size ? wb_error_set(WB_ENOTFOUND, "%s: no checkpoint of size %" PRIu64, s->path, *size)
                  : wb_error_set(WB_EFORMAT, "%s: no checkpoint at all", s->path);
    } else {
        rc = db_error(s, "reading a checkpoint");
    }
    done_cached(stmt);
    return rc;
}

static int sqlite_latest_checkpoint(void *impl, char **out, size_t *out_len, uint64_t *size_out)
{
    return checkpoint_query(impl, out, out_len, size_out,
                            "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1", NULL);
}

static int sqlite_checkpoint_at(void *impl, char **out, size_t *out_len, uint64_t size)
{
    if (size > INT64_MAX)
        return wb_error_set(WB_ENOTFOUND, "no checkpoint of size %" PRIu64, size);
    return checkpoint_query(impl, out, out_len, NULL,
                            "SELECT size, note FROM checkpoints WHERE size = ?1", &size);
}

static int sqlite_checkpoint_after(void *impl, char **out, size_t *out_len, uint64_t *size_out,
                                   uint64_t min_size)
{
    if (min_size > INT64_MAX)
        return wb_error_set(WB_ENOTFOUND, "no checkpoint of size %" PRIu64 " or more", min_size);
    return checkpoint_query(impl, out, out_len, size_out,
                            "SELECT size, note FROM checkpoints WHERE size >= ?1 "
                            "ORDER BY size LIMIT 1",
                            &min_size);
}

static int sqlite_read_entry(void *impl, wb_store_record *out, uint64_t index)
{
    sqlite_store *s = impl;
    sqlite3_stmt *stmt = NULL;
    int rc, step;

    if (index > INT64_MAX)
        return wb_error_set(WB_ENOTFOUND, "%s: no entry %" PRIu64, s->path, index);
    rc =
        cached(s, &stmt, "SELECT data, leaf_hash, party, time, digest FROM entries WHERE idx = ?1");
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, (int64_t)index);
    step = sqlite3_step(stmt);
    if (step == SQLITE_DONE) {
        rc = wb_error_set(WB_ENOTFOUND, "%s: no entry %" PRIu64, s->path, index);
        goto out;
    }
    if (step != SQLITE_ROW) {
        rc = db_error(s, "reading an entry");
        goto out;
    }
    if (sqlite3_column_bytes(stmt, 1) != WB_TLOG_HASH_LEN ||
        sqlite3_column_bytes(stmt, 4) != WB_TLOG_HASH_LEN) {
        rc = wb_error_set(WB_EFORMAT, "%s: entry %" PRIu64 ": leaf hash or digest is not %d bytes",
                          s->path, index, WB_TLOG_HASH_LEN);
        goto out;
    }
    memcpy(out->leaf_hash.bytes, sqlite3_column_blob(stmt, 1), WB_TLOG_HASH_LEN);
    memcpy(out->digest.bytes, sqlite3_column_blob(stmt, 4), WB_TLOG_HASH_LEN);
    out->data_len = (size_t)sqlite3_column_bytes(stmt, 0);
    /* one byte more so that an empty entry still gets a buffer */
    out->data = wb_malloc(out->data_len + 1);
    if (!out->data) {
        rc = wb_error_set(WB_ENOMEM, "%s: out of memory", s->path);
        goto out;
    }
    if (out->data_len)
        memcpy(out->data, sqlite3_column_blob(stmt, 0), out->data_len);
    if (sqlite3_column_type(stmt, 2) != SQLITE_NULL) {
        out->party = wb_strdup((const char *)sqlite3_column_text(stmt, 2));
        if (!out->party) {
            rc = wb_error_set(WB_ENOMEM, "%s: out of memory", s->path);
            goto out;
        }
    }
    out->time = sqlite3_column_int64(stmt, 3);
out:
    if (rc < 0)
        wb_store_record_clear(out);
    done_cached(stmt);
    return rc;
}

static int sqlite_read_digests(void *impl, wb_tlog_hash *out, uint64_t first, size_t count)
{
    sqlite_store *s = impl;
    sqlite3_stmt *stmt = NULL;
    size_t n = 0;
    int rc, step;

    if (first > INT64_MAX || count > INT64_MAX - first)
        return wb_error_set(WB_ENOTFOUND, "%s: no entry %" PRIu64, s->path, first);
    rc = cached(s, &stmt,
                "SELECT idx, digest FROM entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx");
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, (int64_t)first);
    sqlite3_bind_int64(stmt, 2, (int64_t)(first + count));
    while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if ((uint64_t)sqlite3_column_int64(stmt, 0) != first + n)
            break; /* a hole: reported below */
        if (sqlite3_column_bytes(stmt, 1) != WB_TLOG_HASH_LEN)
            rc = wb_error_set(WB_EFORMAT, "%s: entry %" PRIu64 ": digest is not %d bytes", s->path,
                              first + n, WB_TLOG_HASH_LEN);
        else
            memcpy(out[n++].bytes, sqlite3_column_blob(stmt, 1), WB_TLOG_HASH_LEN);
    }
    if (rc == 0 && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = db_error(s, "reading entry digests");
    if (rc == 0 && n != count)
        rc = wb_error_set(WB_ENOTFOUND, "%s: entry %" PRIu64 " is missing", s->path, first + n);
    done_cached(stmt);
    return rc;
}

static int sqlite_search(void *impl, uint64_t **out, size_t *count, const char *digest_hex)
{
    sqlite_store *s = impl;
    sqlite3_stmt *stmt = NULL;
    uint64_t *found = NULL;
    size_t n = 0, cap = 0;
    int rc, step;

    rc = prepare(s, &stmt, "SELECT idx FROM subjects WHERE digest = ?1 ORDER BY idx");
    if (rc < 0)
        return rc;
    sqlite3_bind_text(stmt, 1, digest_hex, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (n == cap) {
            size_t new_cap = cap ? cap * 2 : 8;
            uint64_t *grown = wb_reallocarray(found, new_cap, sizeof(*found));
            if (!grown) {
                rc = wb_error_set(WB_ENOMEM, "%s: out of memory", s->path);
                goto out;
            }
            found = grown;
            cap = new_cap;
        }
        found[n++] = (uint64_t)sqlite3_column_int64(stmt, 0);
    }
    if (step != SQLITE_DONE) {
        rc = db_error(s, "searching subjects");
        goto out;
    }
    *out = found;
    *count = n;
    found = NULL;
out:
    wb_free(found);
    sqlite3_finalize(stmt);
    return rc;
}

static void sqlite_close(void *impl)
{
    sqlite_store *s = impl;
    if (!s)
        return;
    sqlite3_finalize(s->read_hash);
    sqlite3_finalize(s->read_size);
    for (size_t i = 0; i < sizeof(s->cache) / sizeof(s->cache[0]); i++)
        sqlite3_finalize(s->cache[i].stmt);
    sqlite3_close(s->db);
    wb_free(s->path);
    wb_free(s);
}

static const wb_store_ops sqlite_ops = {
    .name = "sqlite",
    .size = sqlite_size,
    .read_hashes = sqlite_read_hashes,
    .append = sqlite_append,
    .latest_checkpoint = sqlite_latest_checkpoint,
    .checkpoint_at = sqlite_checkpoint_at,
    .checkpoint_after = sqlite_checkpoint_after,
    .read_entry = sqlite_read_entry,
    .read_digests = sqlite_read_digests,
    .search = sqlite_search,
    .read_begin = sqlite_read_begin,
    .read_end = sqlite_read_end,
    .close = sqlite_close,
};

static const char schema_sql[] =
    "BEGIN;"
    "CREATE TABLE entries(idx INTEGER PRIMARY KEY, digest BLOB NOT NULL,"
    " leaf_hash BLOB NOT NULL, party TEXT, time INTEGER NOT NULL, data BLOB NOT NULL);"
    "CREATE TABLE hashes(id INTEGER PRIMARY KEY, hash BLOB NOT NULL);"
    "CREATE TABLE checkpoints(size INTEGER PRIMARY KEY, note TEXT NOT NULL);"
    "CREATE TABLE subjects(digest TEXT NOT NULL, idx INTEGER NOT NULL,"
    " PRIMARY KEY(digest, idx)) WITHOUT ROWID;"
    "PRAGMA application_id = 1463962695;"
    "PRAGMA user_version = 2;"
    "COMMIT;";

static int check_schema(sqlite_store *s)
{
    int64_t app_id, version, tables;
    int rc = query_int(s, &app_id, "PRAGMA application_id", 0);
    if (rc == 0)
        rc = query_int(s, &version, "PRAGMA user_version", 0);
    if (rc == 0)
        rc = query_int(s, &tables,
                       "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                       "('entries', 'hashes', 'checkpoints', 'subjects')",
                       0);
    if (rc < 0)
        return rc;
    if (app_id != APPLICATION_ID || tables != 4)
        return wb_error_set(WB_EFORMAT, "%s: not a waybill ledger database", s->path);
    if (version != SCHEMA_VERSION)
        return wb_error_set(WB_EUNSUPPORTED,
                            "%s: ledger schema version %" PRId64 "; this waybill reads version %d",
                            s->path, version, SCHEMA_VERSION);
    return 0;
}

int wb_store_open_sqlite(wb_store **out, const char *path, bool create)
{
    sqlite_store *s = NULL;
    struct stat st;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW;
    int rc = 0;

    if (!out || !path)
        return wb_error_set(WB_EINVAL, "store: invalid argument");
    *out = NULL;
    if (create && lstat(path, &st) == 0)
        return wb_error_set(WB_EEXISTS, "%s: already exists; not creating a ledger over it", path);
    if (!create && stat(path, &st) < 0)
        return wb_error_set(errno == ENOENT ? WB_ENOTFOUND : WB_EIO, "%s: %s", path,
                            strerror(errno));
    if (create)
        flags |= SQLITE_OPEN_CREATE;
    s = wb_calloc(1, sizeof(*s));
    if (!s || !(s->path = wb_strdup(path))) {
        wb_free(s);
        return wb_error_set(WB_ENOMEM, "%s: out of memory", path);
    }
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        rc = s->db ? db_error(s, "cannot open")
                   : wb_error_set(WB_ENOMEM, "%s: cannot open: out of memory", path);
        goto out;
    }
    sqlite3_extended_result_codes(s->db, 0);
    /* a second writer waits for the lock rather than failing at once */
    sqlite3_busy_timeout(s->db, 10000);
    if ((rc = exec_sql(s, "PRAGMA journal_mode = WAL", "setting WAL mode")) < 0 ||
        (rc = exec_sql(s, "PRAGMA synchronous = FULL", "setting synchronous=FULL")) < 0)
        goto out;
    if (create && (rc = exec_sql(s, schema_sql, "creating the schema")) < 0)
        goto out;
    if ((rc = check_schema(s)) < 0)
        goto out;
    if ((rc = prepare(s, &s->read_size, "SELECT MAX(idx) + 1 FROM entries")) < 0)
        goto out;
    if ((rc = prepare(s, &s->read_hash, "SELECT hash FROM hashes WHERE id = ?1")) < 0)
        goto out;
    rc = wb_store_new(out, &sqlite_ops, s);
    s = NULL; /* wb_store_new owns it now, even on failure */
out:
    sqlite_close(s);
    return rc;
}
