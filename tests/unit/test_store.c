/*
 * test_store.c: the store interface (store.h), one suite for every backend.
 *
 * The same tests run against the backend chosen at run time: SQLite in a
 * temporary directory by default, PostgreSQL when WB_TEST_PG holds a libpq
 * connection string (tests/pg/with-postgres.sh starts a throwaway server
 * and sets it). Under PostgreSQL every test gets a database of its own,
 * created from the one WB_TEST_PG names and dropped afterwards.
 *
 * Batches are built as the ledger builds them: digests and leaf hashes
 * from the entries' bytes, stored hashes with wb_tlog_stored_hashes_append
 * over a reader that sees the store and the batch's own earlier hashes.
 * Roots read from the stored hashes are checked against roots recomputed
 * from the entries alone, so a misplaced hash cannot hide. The concurrency
 * test forks writers that race on one store and checks that the result is
 * one dense log holding each of their entries exactly once.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#define TESTFS_TAG "store"
#include "testfs.h"

#include "internal.h"
#include "waybill/digest.h"
#include "waybill/store.h"
#include "waybill/tlog.h"

/* --- the backend under test --- */

static const char *pg_conninfo; /* WB_TEST_PG; NULL: SQLite */

typedef struct {
    char location[2048]; /* the SQLite path or the PostgreSQL conninfo */
    char pg_name[64];    /* the PostgreSQL database made for the test */
} test_db;

/* Run one SQL command on the database `conninfo` names; fails the test. */
static void pg_command(const char *conninfo, const char *sql)
{
    PGconn *conn = PQconnectdb(conninfo);
    PGresult *res;
    if (PQstatus(conn) != CONNECTION_OK)
        fail_msg("connecting to %s: %s", conninfo, PQerrorMessage(conn));
    res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(conn));
    PQclear(res);
    PQfinish(conn);
}

/* WB_TEST_PG with its database replaced by `dbname`, as key=value pairs. */
static void pg_conninfo_for(char *out, size_t out_size, const char *dbname)
{
    PQconninfoOption *opts, *o;
    char *err = NULL;
    size_t used = 0;

    opts = PQconninfoParse(pg_conninfo, &err);
    if (!opts)
        fail_msg("WB_TEST_PG: %s", err ? err : "cannot parse");
    out[0] = '\0';
    for (o = opts; o->keyword; o++) {
        const char *val = strcmp(o->keyword, "dbname") == 0 ? dbname : o->val;
        const char *c;
        if (!val)
            continue;
        used += (size_t)snprintf(out + used, out_size - used, "%s='", o->keyword);
        for (c = val; *c && used + 4 < out_size; c++) {
            if (*c == '\'' || *c == '\\')
                out[used++] = '\\';
            out[used++] = *c;
        }
        used += (size_t)snprintf(out + used, out_size - used, "' ");
        assert_true(used < out_size);
    }
    PQconninfoFree(opts);
}

/* A place for a new store (nothing there yet). */
static void db_new(test_db *db, const char *name)
{
    static unsigned counter;
    memset(db, 0, sizeof(*db));
    if (!pg_conninfo) {
        snprintf(db->location, sizeof(db->location), "%s/%s.db", base_dir, name);
        return;
    }
    /* the name is made from our pid and a counter only: no data in SQL */
    snprintf(db->pg_name, sizeof(db->pg_name), "wbtest_%ld_%u", (long)getpid(), counter++);
    {
        char sql[128];
        snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db->pg_name);
        pg_command(pg_conninfo, sql);
    }
    pg_conninfo_for(db->location, sizeof(db->location), db->pg_name);
}

static void db_drop(test_db *db)
{
    char sql[160];
    if (!pg_conninfo || !db->pg_name[0])
        return;
    snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", db->pg_name);
    pg_command(pg_conninfo, sql);
}

static int db_open(wb_store **out, const test_db *db, bool create)
{
    return pg_conninfo ? wb_store_open_postgresql(out, db->location, create)
                       : wb_store_open_sqlite(out, db->location, create);
}

static wb_store *db_open_ok(const test_db *db, bool create)
{
    wb_store *store = NULL;
    int rc = db_open(&store, db, create);
    if (rc < 0)
        fail_msg("opening the store: %s", wb_error_last());
    assert_string_equal(wb_store_backend(store), pg_conninfo ? "postgresql" : "sqlite");
    return store;
}

/* Make the place hold a database that is not waybill's. */
static void db_make_foreign(test_db *db)
{
    if (!pg_conninfo) {
        /* an empty file is an empty SQLite database */
        FILE *f = fopen(db->location, "w");
        assert_non_null(f);
        fclose(f);
        return;
    }
    pg_command(db->location, "CREATE TABLE entries(id int PRIMARY KEY, name text)");
}

/* Run SQL on the backend's database directly, around the interface: to
 * plant a row that makes a later batch fail half-way. */
static void db_exec_raw(const test_db *db, const char *sql)
{
    sqlite3 *conn = NULL;
    if (pg_conninfo) {
        pg_command(db->location, sql);
        return;
    }
    assert_int_equal(sqlite3_open(db->location, &conn), SQLITE_OK);
    if (sqlite3_exec(conn, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(conn));
    sqlite3_close(conn);
}

static int group_setup(void **state)
{
    const char *pg = getenv("WB_TEST_PG");
    pg_conninfo = pg && *pg ? pg : NULL;
    return make_base_dir(state);
}

static int group_teardown(void **state)
{
    return remove_base_dir(state);
}

/* --- building batches --- */

#define MAX_BATCH 64

typedef struct {
    wb_store_entry entries[MAX_BATCH];
    char data[MAX_BATCH][96];
    char party[MAX_BATCH][32];
    char subject_hex[MAX_BATCH][WB_STORE_DIGEST_HEX_SIZE];
    const char *subjects[MAX_BATCH][2];
    wb_tlog_hash hashes[MAX_BATCH * WB_TLOG_MAX_STORED_PER_LEAF];
    size_t n_hashes;
    char checkpoint[64];
    wb_store_batch batch;
} test_batch;

/* A reader over the store and the stored hashes of the batch being built,
 * which follow the store's at stored index `first_hash`. */
typedef struct {
    wb_store *store;
    uint64_t first_hash;
    const test_batch *pending;
} pending_reader;

static int read_pending(wb_tlog_hash *out, const uint64_t *indexes, size_t count, void *payload)
{
    pending_reader *r = payload;
    size_t i;
    int rc;
    for (i = 0; i < count; i++) {
        if (indexes[i] >= r->first_hash) {
            uint64_t at = indexes[i] - r->first_hash;
            if (at >= r->pending->n_hashes)
                return wb_error_set(WB_ENOTFOUND, "pending hash %" PRIu64 " missing", indexes[i]);
            out[i] = r->pending->hashes[at];
        } else if ((rc = wb_store_read_hashes(&out[i], r->store, &indexes[i], 1)) < 0) {
            return rc;
        }
    }
    return 0;
}

static void sha256_hex(char out[WB_STORE_DIGEST_HEX_SIZE], const char *text)
{
    unsigned char digest[WB_SHA256_LEN];
    size_t i;
    assert_int_equal(wb_digest_buffer(digest, WB_DIGEST_SHA256, text, strlen(text)), 0);
    for (i = 0; i < WB_SHA256_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* Build a batch of `n` entries at `first`: entry i holds "<tag> <i>", is
 * indexed under the subject sha256("<subject_tag>") when subject_tag is
 * given, and has a party on even i. Stored hashes are computed over the
 * store as it is; a stale store makes wrong hashes, which the append then
 * refuses (WB_EEXISTS) before looking at them. Returns 0 or the error of
 * reading the store. */
static int build_batch(test_batch *b, wb_store *store, uint64_t first, size_t n, const char *tag,
                       const char *subject_tag)
{
    pending_reader reader = {store, wb_tlog_stored_hash_count(first), b};
    size_t i;
    int rc;

    assert_true(n <= MAX_BATCH);
    memset(b, 0, sizeof(*b));
    for (i = 0; i < n; i++) {
        wb_store_entry *e = &b->entries[i];
        size_t added = 0;

        snprintf(b->data[i], sizeof(b->data[i]), "%s %zu", tag, i);
        e->data = (const unsigned char *)b->data[i];
        e->data_len = strlen(b->data[i]);
        assert_int_equal(wb_digest_buffer(e->digest.bytes, WB_DIGEST_SHA256, e->data, e->data_len),
                         0);
        assert_int_equal(wb_tlog_leaf_hash(&e->leaf_hash, e->digest.bytes, WB_TLOG_HASH_LEN), 0);
        if (i % 2 == 0) {
            snprintf(b->party[i], sizeof(b->party[i]), "party-%zu", i);
            e->party = b->party[i];
        }
        e->time = 1700000000 + (int64_t)(first + i);
        if (subject_tag) {
            sha256_hex(b->subject_hex[i], subject_tag);
            b->subjects[i][0] = b->subject_hex[i];
            e->subjects = b->subjects[i];
            e->n_subjects = 1;
        }
        rc = wb_tlog_stored_hashes_append(&b->hashes[b->n_hashes], &added,
                                          WB_TLOG_MAX_STORED_PER_LEAF, first + i, &e->leaf_hash,
                                          read_pending, &reader);
        if (rc < 0)
            return rc;
        b->n_hashes += added;
    }
    snprintf(b->checkpoint, sizeof(b->checkpoint), "checkpoint %" PRIu64 "\n", first + n);
    b->batch.first_index = first;
    b->batch.entries = b->entries;
    b->batch.n_entries = n;
    b->batch.hashes = b->hashes;
    b->batch.n_hashes = b->n_hashes;
    b->batch.checkpoint = b->checkpoint;
    b->batch.checkpoint_len = strlen(b->checkpoint);
    return 0;
}

static void append_ok(wb_store *store, uint64_t first, size_t n, const char *tag,
                      const char *subject_tag)
{
    test_batch *b = wb_calloc(1, sizeof(*b));
    assert_non_null(b);
    assert_int_equal(build_batch(b, store, first, n, tag, subject_tag), 0);
    if (wb_store_append(store, &b->batch) < 0)
        fail_msg("append at %" PRIu64 ": %s", first, wb_error_last());
    wb_free(b);
}

static uint64_t size_of(wb_store *store)
{
    uint64_t size = UINT64_MAX;
    assert_int_equal(wb_store_size(store, &size), 0);
    return size;
}

/* Leaf reader over the entries' digests as stored (the log's leaves). */
static int read_leaf(wb_tlog_hash *out, uint64_t index, void *payload)
{
    wb_tlog_hash digest;
    int rc = wb_store_read_digests(&digest, payload, index, 1);
    if (rc < 0)
        return rc;
    return wb_tlog_leaf_hash(out, digest.bytes, WB_TLOG_HASH_LEN);
}

/* The root from the stored hashes equals the root of the leaves. */
static void assert_roots_agree(wb_store *store, uint64_t size)
{
    wb_tlog_hash stored, recomputed;
    assert_int_equal(wb_tlog_stored_root(&stored, size, wb_store_hash_reader, store), 0);
    assert_int_equal(wb_tlog_root(&recomputed, size, read_leaf, store), 0);
    assert_memory_equal(stored.bytes, recomputed.bytes, WB_TLOG_HASH_LEN);
}

static void assert_checkpoint(wb_store *store, uint64_t size)
{
    char *note = NULL, expected[64];
    size_t len = 0;
    snprintf(expected, sizeof(expected), "checkpoint %" PRIu64 "\n", size);
    assert_int_equal(wb_store_checkpoint_at(&note, &len, store, size), 0);
    assert_int_equal(len, strlen(expected));
    assert_string_equal(note, expected);
    wb_free(note);
}

/* --- tests --- */

static void test_empty(void **state)
{
    test_db db;
    wb_store *store;
    char *note = NULL;
    size_t len = 0;
    uint64_t size = 7, *found = NULL;
    size_t n_found = 9;
    wb_tlog_hash hash;
    wb_store_record rec;
    (void)state;

    db_new(&db, "empty");
    store = db_open_ok(&db, true);
    assert_int_equal(size_of(store), 0);
    assert_int_equal(wb_store_latest_checkpoint(&note, &len, &size, store), WB_EFORMAT);
    assert_null(note);
    assert_int_equal(wb_store_checkpoint_at(&note, &len, store, 0), WB_ENOTFOUND);
    assert_int_equal(wb_store_checkpoint_after(&note, &len, &size, store, 0), WB_ENOTFOUND);
    assert_int_equal(wb_store_read_entry(&rec, store, 0), WB_ENOTFOUND);
    assert_int_equal(wb_store_read_digests(&hash, store, 0, 1), WB_ENOTFOUND);
    {
        uint64_t idx = 0;
        assert_int_equal(wb_store_read_hashes(&hash, store, &idx, 1), WB_ENOTFOUND);
    }
    assert_int_equal(
        wb_store_search(&found, &n_found, store,
                        "0000000000000000000000000000000000000000000000000000000000000000"),
        0);
    assert_null(found);
    assert_int_equal(n_found, 0);

    /* the ledger's first batch: no entries, the checkpoint of size 0 */
    append_ok(store, 0, 0, "none", NULL);
    assert_int_equal(wb_store_latest_checkpoint(&note, &len, &size, store), 0);
    assert_int_equal(size, 0);
    assert_string_equal(note, "checkpoint 0\n");
    assert_int_equal(len, strlen(note));
    wb_free(note);
    wb_store_free(store);
    db_drop(&db);
}

static void test_append_and_read(void **state)
{
    static const size_t batch_sizes[] = {0, 1, 2, 5, 1, 8, 16, 3};
    test_db db;
    wb_store *store;
    uint64_t size = 0;
    size_t i;
    char tag[32];
    (void)state;

    db_new(&db, "append");
    store = db_open_ok(&db, true);
    for (i = 0; i < sizeof(batch_sizes) / sizeof(batch_sizes[0]); i++) {
        snprintf(tag, sizeof(tag), "batch%zu", i);
        append_ok(store, size, batch_sizes[i], tag, i % 2 ? "odd" : NULL);
        size += batch_sizes[i];
        assert_int_equal(size_of(store), size);
        assert_roots_agree(store, size);
        assert_checkpoint(store, size);
    }
    assert_int_equal(size, 36);

    /* entries read back as appended */
    {
        test_batch *b = wb_calloc(1, sizeof(*b));
        wb_store_record rec;
        uint64_t first = 0;
        size_t k, j;
        assert_non_null(b);
        for (k = 0; k < sizeof(batch_sizes) / sizeof(batch_sizes[0]); k++) {
            snprintf(tag, sizeof(tag), "batch%zu", k);
            /* the hashes do not matter here: only the entries are compared */
            assert_int_equal(build_batch(b, store, first, batch_sizes[k], tag, NULL), 0);
            for (j = 0; j < batch_sizes[k]; j++) {
                assert_int_equal(wb_store_read_entry(&rec, store, first + j), 0);
                assert_int_equal(rec.data_len, b->entries[j].data_len);
                assert_memory_equal(rec.data, b->entries[j].data, rec.data_len);
                assert_memory_equal(rec.digest.bytes, b->entries[j].digest.bytes, WB_TLOG_HASH_LEN);
                assert_memory_equal(rec.leaf_hash.bytes, b->entries[j].leaf_hash.bytes,
                                    WB_TLOG_HASH_LEN);
                if (b->entries[j].party)
                    assert_string_equal(rec.party, b->entries[j].party);
                else
                    assert_null(rec.party);
                assert_int_equal(rec.time, b->entries[j].time);
                wb_store_record_clear(&rec);
            }
            first += batch_sizes[k];
        }
        wb_free(b);
        assert_int_equal(wb_store_read_entry(&rec, store, size), WB_ENOTFOUND);
        assert_int_equal(wb_store_read_entry(&rec, store, UINT64_MAX), WB_ENOTFOUND);
    }

    /* digests: whole ranges, and a range running past the end */
    {
        wb_tlog_hash digests[36], one;
        wb_store_record rec;
        assert_int_equal(wb_store_read_digests(digests, store, 0, 36), 0);
        for (i = 0; i < 36; i += 7) {
            assert_int_equal(wb_store_read_entry(&rec, store, i), 0);
            assert_memory_equal(digests[i].bytes, rec.digest.bytes, WB_TLOG_HASH_LEN);
            wb_store_record_clear(&rec);
        }
        assert_int_equal(wb_store_read_digests(digests, store, 10, 5), 0);
        assert_int_equal(wb_store_read_digests(&one, store, 35, 1), 0);
        assert_int_equal(wb_store_read_digests(digests, store, 30, 7), WB_ENOTFOUND);
        assert_int_equal(wb_store_read_digests(&one, store, 36, 1), WB_ENOTFOUND);
    }

    /* stored hashes: all there, none beyond */
    {
        uint64_t n = wb_tlog_stored_hash_count(size), idx[3] = {0, n - 1, n / 2};
        wb_tlog_hash hashes[3];
        assert_int_equal(wb_store_read_hashes(hashes, store, idx, 3), 0);
        idx[1] = n;
        assert_int_equal(wb_store_read_hashes(hashes, store, idx, 3), WB_ENOTFOUND);
        /* the same index twice reads the same hash */
        idx[1] = idx[0];
        assert_int_equal(wb_store_read_hashes(hashes, store, idx, 2), 0);
        assert_memory_equal(hashes[0].bytes, hashes[1].bytes, WB_TLOG_HASH_LEN);
    }

    /* checkpoints: at, after, latest */
    {
        char *note = NULL;
        size_t len;
        uint64_t at = 0;
        assert_int_equal(wb_store_checkpoint_after(&note, &len, &at, store, 2), 0);
        assert_int_equal(at, 3);
        assert_string_equal(note, "checkpoint 3\n");
        wb_free(note);
        assert_int_equal(wb_store_checkpoint_after(&note, &len, &at, store, 3), 0);
        assert_int_equal(at, 3);
        wb_free(note);
        assert_int_equal(wb_store_checkpoint_after(&note, &len, &at, store, 0), 0);
        assert_int_equal(at, 0);
        wb_free(note);
        assert_int_equal(wb_store_checkpoint_after(&note, &len, &at, store, 37), WB_ENOTFOUND);
        assert_int_equal(wb_store_checkpoint_after(&note, &len, &at, store, UINT64_MAX),
                         WB_ENOTFOUND);
        assert_int_equal(wb_store_checkpoint_at(&note, &len, store, 2), WB_ENOTFOUND);
        assert_int_equal(wb_store_checkpoint_at(&note, &len, store, UINT64_MAX), WB_ENOTFOUND);
        assert_int_equal(wb_store_latest_checkpoint(&note, &len, &at, store), 0);
        assert_int_equal(at, 36);
        assert_string_equal(note, "checkpoint 36\n");
        wb_free(note);
    }

    /* search: the odd batches (1, 3, 5, 7) indexed "odd" */
    {
        char hex[WB_STORE_DIGEST_HEX_SIZE];
        uint64_t *found = NULL;
        size_t n_found = 0;
        /* batch 1: [0,1), batch 3: [3,8), batch 5: [9,17), batch 7: [33,36) */
        static const uint64_t expected[] = {0,  3,  4,  5,  6,  7,  9,  10, 11,
                                            12, 13, 14, 15, 16, 33, 34, 35};
        sha256_hex(hex, "odd");
        assert_int_equal(wb_store_search(&found, &n_found, store, hex), 0);
        assert_int_equal(n_found, sizeof(expected) / sizeof(expected[0]));
        for (i = 0; i < n_found; i++)
            assert_int_equal(found[i], expected[i]);
        wb_free(found);
        sha256_hex(hex, "even");
        assert_int_equal(wb_store_search(&found, &n_found, store, hex), 0);
        assert_int_equal(n_found, 0);
        assert_null(found);
        assert_int_equal(wb_store_search(&found, &n_found, store, "ABC"), WB_EINVAL);
    }
    wb_store_free(store);
    db_drop(&db);
}

/* The same subject twice in one entry is indexed once. */
static void test_subject_twice(void **state)
{
    test_db db;
    wb_store *store;
    test_batch *b = wb_calloc(1, sizeof(*b));
    char hex[WB_STORE_DIGEST_HEX_SIZE];
    uint64_t *found = NULL;
    size_t n_found = 0;
    (void)state;

    assert_non_null(b);
    db_new(&db, "subject-twice");
    store = db_open_ok(&db, true);
    assert_int_equal(build_batch(b, store, 0, 2, "twice", "s"), 0);
    b->subjects[1][1] = b->subject_hex[1];
    b->entries[1].n_subjects = 2;
    assert_int_equal(wb_store_append(store, &b->batch), 0);
    sha256_hex(hex, "s");
    assert_int_equal(wb_store_search(&found, &n_found, store, hex), 0);
    assert_int_equal(n_found, 2);
    assert_int_equal(found[0], 0);
    assert_int_equal(found[1], 1);
    wb_free(found);
    wb_free(b);
    wb_store_free(store);
    db_drop(&db);
}

static void test_stale_first_index(void **state)
{
    test_db db;
    wb_store *store;
    test_batch *b = wb_calloc(1, sizeof(*b));
    (void)state;

    assert_non_null(b);
    db_new(&db, "stale");
    store = db_open_ok(&db, true);
    append_ok(store, 0, 0, "first", NULL);
    append_ok(store, 0, 3, "first", "x");

    /* behind the size, and ahead of it */
    assert_int_equal(build_batch(b, store, 1, 2, "behind", "x"), 0);
    assert_int_equal(wb_store_append(store, &b->batch), WB_EEXISTS);
    assert_non_null(strstr(wb_error_last(), "nothing added"));
    memset(b, 0, sizeof(*b));
    b->batch.first_index = 4;
    b->batch.checkpoint = "checkpoint 4\n";
    b->batch.checkpoint_len = strlen(b->batch.checkpoint);
    /* one entry at 4 when the size is 3 (its hashes are never looked at) */
    {
        wb_store_entry e = {0};
        wb_tlog_hash h = {{0}};
        size_t n = (size_t)(wb_tlog_stored_hash_count(5) - wb_tlog_stored_hash_count(4));
        wb_tlog_hash hashes[8] = {{{0}}};
        e.data = (const unsigned char *)"x";
        e.data_len = 1;
        e.digest = h;
        e.leaf_hash = h;
        b->batch.entries = &e;
        b->batch.n_entries = 1;
        b->batch.hashes = hashes;
        b->batch.n_hashes = n;
        assert_int_equal(wb_store_append(store, &b->batch), WB_EEXISTS);
    }
    assert_int_equal(size_of(store), 3);
    assert_roots_agree(store, 3);
    {
        char *note = NULL;
        size_t len;
        uint64_t at;
        assert_int_equal(wb_store_latest_checkpoint(&note, &len, &at, store), 0);
        assert_int_equal(at, 3);
        wb_free(note);
        assert_int_equal(wb_store_checkpoint_at(&note, &len, store, 4), WB_ENOTFOUND);
    }
    /* and the log goes on at the right index */
    append_ok(store, 3, 2, "second", NULL);
    assert_int_equal(size_of(store), 5);
    assert_roots_agree(store, 5);
    wb_free(b);
    wb_store_free(store);
    db_drop(&db);
}

/* A batch that fails leaves nothing: not its entries, hashes, subjects or
 * checkpoint. */
static void test_failed_batch_adds_nothing(void **state)
{
    test_db db;
    wb_store *store;
    test_batch *b = wb_calloc(1, sizeof(*b));
    char hex[WB_STORE_DIGEST_HEX_SIZE], *note = NULL;
    uint64_t *found = NULL, at = 0, hash_index;
    size_t n_found = 0, len = 0;
    wb_store_record rec;
    wb_tlog_hash hash;
    (void)state;

    assert_non_null(b);
    db_new(&db, "all-or-nothing");
    store = db_open_ok(&db, true);
    append_ok(store, 0, 0, "start", NULL);
    append_ok(store, 0, 4, "start", NULL);

    /* an invalid subject in the last entry (the checks of store.c) */
    assert_int_equal(build_batch(b, store, 4, 5, "bad-subject", "y"), 0);
    b->subjects[4][0] = "not hex";
    assert_int_equal(wb_store_append(store, &b->batch), WB_EINVAL);

    /* a duplicate checkpoint: a batch of no entries at the current size
     * records the checkpoint of size 4 again, which fails in the backend */
    assert_int_equal(build_batch(b, store, 4, 0, "dup", NULL), 0);
    snprintf(b->checkpoint, sizeof(b->checkpoint), "duplicate 4\n");
    b->batch.checkpoint_len = strlen(b->checkpoint);
    assert_true(wb_store_append(store, &b->batch) < 0);
    assert_checkpoint(store, 4);

    /* a failure half-way through the transaction: a checkpoint of size 7
     * planted behind the store's back makes a batch of 3 entries fail at
     * its last insert, after its entries, subjects and hashes went in */
    db_exec_raw(&db, "INSERT INTO checkpoints(size, note) VALUES(7, 'planted')");
    assert_int_equal(build_batch(b, store, 4, 3, "late", "z"), 0);
    assert_true(wb_store_append(store, &b->batch) < 0);
    assert_int_equal(size_of(store), 4);
    assert_int_equal(wb_store_read_entry(&rec, store, 4), WB_ENOTFOUND);
    hash_index = wb_tlog_stored_hash_count(4);
    assert_int_equal(wb_store_read_hashes(&hash, store, &hash_index, 1), WB_ENOTFOUND);
    sha256_hex(hex, "z");
    assert_int_equal(wb_store_search(&found, &n_found, store, hex), 0);
    assert_int_equal(n_found, 0);
    assert_int_equal(wb_store_checkpoint_after(&note, &len, &at, store, 5), 0);
    assert_int_equal(at, 7);
    assert_string_equal(note, "planted");
    wb_free(note);
    sha256_hex(hex, "y");
    assert_int_equal(wb_store_search(&found, &n_found, store, hex), 0);
    assert_int_equal(n_found, 0);
    assert_roots_agree(store, 4);

    /* without the planted row the same batch goes in */
    db_exec_raw(&db, "DELETE FROM checkpoints WHERE size = 7");
    assert_int_equal(wb_store_append(store, &b->batch), 0);
    assert_int_equal(size_of(store), 7);
    assert_roots_agree(store, 7);
    assert_checkpoint(store, 7);
    sha256_hex(hex, "z");
    assert_int_equal(wb_store_search(&found, &n_found, store, hex), 0);
    assert_int_equal(n_found, 3);
    wb_free(found);
    wb_free(b);
    wb_store_free(store);
    db_drop(&db);
}

static void test_read_snapshot(void **state)
{
    test_db db;
    wb_store *store, *writer;
    wb_tlog_hash root_before, root_in;
    uint64_t size;
    (void)state;

    db_new(&db, "snapshot");
    store = db_open_ok(&db, true);
    append_ok(store, 0, 0, "s", NULL);
    append_ok(store, 0, 5, "s", NULL);
    writer = db_open_ok(&db, false);

    assert_int_equal(wb_store_read_begin(store), 0);
    assert_int_equal(wb_store_read_begin(store), WB_EINTERNAL); /* no nesting */
    size = size_of(store);
    assert_int_equal(size, 5);
    assert_int_equal(wb_tlog_stored_root(&root_before, size, wb_store_hash_reader, store), 0);
    /* another connection appends meanwhile (PostgreSQL MVCC, SQLite WAL);
     * the snapshot keeps showing the old tree */
    append_ok(writer, 5, 3, "w", NULL);
    assert_int_equal(size_of(store), 5);
    assert_int_equal(wb_tlog_stored_root(&root_in, 5, wb_store_hash_reader, store), 0);
    assert_memory_equal(root_before.bytes, root_in.bytes, WB_TLOG_HASH_LEN);
    assert_int_equal(wb_store_read_end(store), 0);
    assert_int_equal(wb_store_read_end(store), 0); /* nothing open: a no-op */
    assert_int_equal(size_of(store), 8);
    assert_roots_agree(store, 8);
    wb_store_free(writer);
    wb_store_free(store);
    db_drop(&db);
}

static void test_reopen_and_refusals(void **state)
{
    test_db db, foreign, missing;
    wb_store *store = NULL;
    (void)state;

    db_new(&db, "reopen");
    store = db_open_ok(&db, true);
    append_ok(store, 0, 0, "r", NULL);
    append_ok(store, 0, 6, "r", "subj");
    wb_store_free(store);

    /* creating over it is refused; opening sees everything */
    assert_int_equal(db_open(&store, &db, true), WB_EEXISTS);
    assert_null(store);
    store = db_open_ok(&db, false);
    assert_int_equal(size_of(store), 6);
    assert_roots_agree(store, 6);
    assert_checkpoint(store, 6);
    assert_checkpoint(store, 0);
    append_ok(store, 6, 2, "r2", NULL);
    wb_store_free(store);
    store = db_open_ok(&db, false);
    assert_int_equal(size_of(store), 8);
    assert_roots_agree(store, 8);
    wb_store_free(store);
    store = NULL;

    /* a newer schema than this waybill knows */
    db_exec_raw(&db, pg_conninfo ? "UPDATE waybill_schema SET version = 99"
                                 : "PRAGMA user_version = 99");
    assert_int_equal(db_open(&store, &db, false), WB_EUNSUPPORTED);
    assert_null(store);

    /* a database that is not waybill's */
    db_new(&foreign, "foreign");
    db_make_foreign(&foreign);
    assert_int_equal(db_open(&store, &foreign, false), WB_EFORMAT);
    assert_null(store);
    if (pg_conninfo) {
        /* creating over someone else's tables fails and leaves nothing:
         * not even waybill_schema, so the refusal stays WB_EFORMAT */
        assert_true(db_open(&store, &foreign, true) < 0);
        assert_null(store);
        assert_int_equal(db_open(&store, &foreign, false), WB_EFORMAT);
    }
    db_drop(&foreign);

    /* nothing there: SQLite has no file, PostgreSQL an empty database */
    db_new(&missing, "missing");
    assert_true(db_open(&store, &missing, false) < 0);
    assert_int_equal(wb_error_last_code(), pg_conninfo ? WB_EFORMAT : WB_ENOTFOUND);
    assert_null(store);
    db_drop(&missing);
    db_drop(&db);
}

/* PostgreSQL only: a connection the server drops fails the call in flight
 * with WB_EIO, and the next call reconnects. */
static void test_reconnect(void **state)
{
    test_db db;
    wb_store *store;
    uint64_t size = 0;
    char sql[256];
    (void)state;

    db_new(&db, "reconnect");
    store = db_open_ok(&db, true);
    append_ok(store, 0, 0, "c", NULL);
    append_ok(store, 0, 2, "c", NULL);
    snprintf(sql, sizeof(sql),
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
             " WHERE datname = '%s' AND pid <> pg_backend_pid()",
             db.pg_name);
    {
        PGconn *conn = PQconnectdb(db.location);
        PGresult *res = PQexec(conn, sql);
        assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
        assert_int_equal(PQntuples(res), 1);
        PQclear(res);
        PQfinish(conn);
    }
    assert_int_equal(wb_store_size(store, &size), WB_EIO);
    assert_non_null(strstr(wb_error_last(), db.pg_name));
    assert_int_equal(wb_store_size(store, &size), 0);
    assert_int_equal(size, 2);
    append_ok(store, 2, 3, "after", NULL);
    assert_roots_agree(store, 5);
    wb_store_free(store);
    db_drop(&db);
}

/* --- concurrency --- */

#define WRITERS           4
#define BATCHES_PER       12
#define ENTRIES_PER_BATCH 3

/* One writer: its own store, batches appended in a retry loop. Exit
 * status 0 when all went in. */
static int writer_main(const test_db *db, int writer)
{
    wb_store *store = NULL;
    test_batch *b = wb_calloc(1, sizeof(*b));
    char tag[32], subject[32];
    int batch, attempts;

    if (!b || db_open(&store, db, false) < 0) {
        fprintf(stderr, "writer %d: %s\n", writer, wb_error_last());
        return 1;
    }
    snprintf(subject, sizeof(subject), "writer %d", writer);
    for (batch = 0; batch < BATCHES_PER; batch++) {
        snprintf(tag, sizeof(tag), "w%d b%d", writer, batch);
        for (attempts = 0;; attempts++) {
            uint64_t size;
            int rc = wb_store_size(store, &size);
            if (rc == 0)
                rc = build_batch(b, store, size, ENTRIES_PER_BATCH, tag, subject);
            if (rc == 0)
                rc = wb_store_append(store, &b->batch);
            if (rc == 0)
                break;
            /* another writer got there first (or its batch was half-read
             * when we built ours): recompute over the new size */
            if ((rc != WB_EEXISTS && rc != WB_ENOTFOUND) || attempts > 10000) {
                fprintf(stderr, "writer %d: %s\n", writer, wb_error_last());
                return 1;
            }
        }
    }
    wb_free(b);
    wb_store_free(store);
    return 0;
}

static void test_concurrent_writers(void **state)
{
    test_db db;
    wb_store *store;
    pid_t pids[WRITERS];
    int w, status, start[2];
    uint64_t size, i, total = WRITERS * BATCHES_PER * ENTRIES_PER_BATCH;
    unsigned seen[WRITERS][BATCHES_PER][ENTRIES_PER_BATCH];
    (void)state;

    db_new(&db, "concurrent");
    store = db_open_ok(&db, true);
    append_ok(store, 0, 0, "start", NULL);
    wb_store_free(store);

    /* the writers start together: each waits for the parent to close the
     * pipe's write end, so that they race from their first batch */
    assert_int_equal(pipe(start), 0);
    fflush(NULL);
    for (w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0) {
            char c;
            close(start[1]);
            if (read(start[0], &c, 1) != 0)
                _exit(1);
            _exit(writer_main(&db, w));
        }
    }
    close(start[0]);
    close(start[1]);
    for (w = 0; w < WRITERS; w++) {
        assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }

    store = db_open_ok(&db, false);
    size = size_of(store);
    assert_int_equal(size, total);
    memset(seen, 0, sizeof(seen));
    for (i = 0; i < size; i++) {
        wb_store_record rec;
        char text[96];
        int writer, batch, entry;
        unsigned char digest[WB_SHA256_LEN];
        wb_tlog_hash leaf;

        assert_int_equal(wb_store_read_entry(&rec, store, i), 0);
        assert_true(rec.data_len < sizeof(text));
        memcpy(text, rec.data, rec.data_len);
        text[rec.data_len] = '\0';
        assert_int_equal(sscanf(text, "w%d b%d %d", &writer, &batch, &entry), 3);
        assert_true(writer >= 0 && writer < WRITERS && batch >= 0 && batch < BATCHES_PER &&
                    entry >= 0 && entry < ENTRIES_PER_BATCH);
        seen[writer][batch][entry]++;
        /* each entry's digest and leaf hash match its bytes */
        assert_int_equal(wb_digest_buffer(digest, WB_DIGEST_SHA256, rec.data, rec.data_len), 0);
        assert_memory_equal(digest, rec.digest.bytes, WB_SHA256_LEN);
        assert_int_equal(wb_tlog_leaf_hash(&leaf, digest, WB_SHA256_LEN), 0);
        assert_memory_equal(leaf.bytes, rec.leaf_hash.bytes, WB_TLOG_HASH_LEN);
        /* a batch's entries stay together and in order */
        assert_int_equal(i % ENTRIES_PER_BATCH, (uint64_t)entry);
        wb_store_record_clear(&rec);
    }
    for (w = 0; w < WRITERS; w++) {
        int batch, entry;
        for (batch = 0; batch < BATCHES_PER; batch++)
            for (entry = 0; entry < ENTRIES_PER_BATCH; entry++)
                assert_int_equal(seen[w][batch][entry], 1);
    }
    /* the stored hashes give the RFC 9162 root of the leaves, at every
     * checkpoint as well as at the end */
    assert_roots_agree(store, size);
    {
        uint64_t at = 0, n_checkpoints = 0;
        char *note = NULL;
        size_t len;
        while (wb_store_checkpoint_after(&note, &len, &at, store, at) == 0) {
            wb_free(note);
            if (at)
                assert_roots_agree(store, at);
            n_checkpoints++;
            at++;
        }
        assert_int_equal(n_checkpoints, 1 + WRITERS * BATCHES_PER);
    }
    /* every writer's subject finds its entries */
    for (w = 0; w < WRITERS; w++) {
        char subject[32], hex[WB_STORE_DIGEST_HEX_SIZE];
        uint64_t *found = NULL;
        size_t n_found = 0;
        snprintf(subject, sizeof(subject), "writer %d", w);
        sha256_hex(hex, subject);
        assert_int_equal(wb_store_search(&found, &n_found, store, hex), 0);
        assert_int_equal(n_found, BATCHES_PER * ENTRIES_PER_BATCH);
        wb_free(found);
    }
    wb_store_free(store);
    db_drop(&db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_append_and_read),
        cmocka_unit_test(test_subject_twice),
        cmocka_unit_test(test_stale_first_index),
        cmocka_unit_test(test_failed_batch_adds_nothing),
        cmocka_unit_test(test_read_snapshot),
        cmocka_unit_test(test_reopen_and_refusals),
        cmocka_unit_test(test_concurrent_writers),
        /* last, and only for PostgreSQL: an embedded database has no
         * connection to lose */
        cmocka_unit_test(test_reconnect),
    };
    const char *pg = getenv("WB_TEST_PG");
    size_t count = sizeof(tests) / sizeof(tests[0]) - (pg && *pg ? 0 : 1);
    return _cmocka_run_group_tests(pg && *pg ? "store-postgresql" : "store-sqlite", tests, count,
                                   group_setup, group_teardown);
}
