/*
 * store_pg.c: the shared store backend, one PostgreSQL database (libpq).
 *
 * Schema (version 1 in waybill_schema; the same tables as SQLite's v2):
 *
 *   waybill_schema(version int)     -- one row: the schema version
 *   entries(idx bigint PRIMARY KEY, digest bytea, leaf_hash bytea, party text,
 *           time bigint, data bytea)
 *   hashes(id bigint PRIMARY KEY, hash bytea)
 *   checkpoints(size bigint PRIMARY KEY, note text)
 *   subjects(digest text, idx bigint, PRIMARY KEY(digest, idx))
 *
 * The schema grows by an ordered list of migration steps (`migrations`
 * below); step i takes the database from version i - 1 to i in one
 * transaction, under the same advisory lock, so that several processes
 * opening one database at once apply each step exactly once. Creating
 * makes waybill_schema at version 0 and then runs the steps; opening runs
 * whatever steps are missing and refuses a version newer than it knows.
 *
 * Appends from several processes (waybilld instances, the command) meet in
 * the database, never in process memory: a batch is one transaction that
 * first takes a transaction-scoped advisory lock, then reads the size and
 * compares it with the batch's first index (WB_EEXISTS, nothing added, on
 * a mismatch), inserts everything and commits. The lock makes the size
 * read and the inserts one critical section across all writers; READ
 * COMMITTED lets the size query after the lock see every batch committed
 * before it. With synchronous_commit on (the server default; we never
 * turn it off) COMMIT returns once the batch is in the server's WAL on
 * disk, so an append is durable when it returns.
 *
 * Every value travels as a binary parameter of PQexecParams (bytea,
 * int8, text), and every result is read in binary: no SQL is ever built
 * from data. A lost connection or a server error is WB_EIO with the
 * server's message; the next call after a lost connection tries PQreset
 * once, so that a restarted server is picked up without restarting us.
 * A connection serves one thread at a time, like the SQLite backend's.
 */
#include <assert.h>
#include <endian.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "internal.h"
#include "waybill/store.h"

#define SCHEMA_VERSION 1
/* the advisory lock appends and migrations take: "WBLG" */
#define APPEND_LOCK "1463962695"

/* type oids of the parameters we send (pg_type.dat) */
#define OID_BYTEA       17
#define OID_INT8        20
#define OID_TEXT        25
#define OID_INT8_ARRAY  1016
#define OID_BYTEA_ARRAY 1001
#define OID_TEXT_ARRAY  1009

#define PREPARED_MAX 32

typedef struct {
    PGconn *conn;
    char *label;  /* "postgresql db@host:port" for messages (no password) */
    bool in_read; /* a read snapshot (read_begin) is open */
    /* statements prepared on this connection, known by the address of their
     * SQL (a string constant): the server parses and plans each once, not
     * on every call (that was most of a served bundle's database time).
     * Forgotten when the connection is reset, as the server forgets them. */
    const char *prepared[PREPARED_MAX];
    unsigned n_prepared;
} pg_store;

/* --- parameters and results --- */

#define MAX_PARAMS 6

typedef struct {
    int n;
    const char *values[MAX_PARAMS];
    int lengths[MAX_PARAMS];
    int formats[MAX_PARAMS];
    Oid types[MAX_PARAMS];
    unsigned char ints[MAX_PARAMS][8];
} pg_params;

static void param_int8(pg_params *p, int64_t value)
{
    uint64_t be = htobe64((uint64_t)value);
    assert(p->n < MAX_PARAMS);
    memcpy(p->ints[p->n], &be, 8);
    p->values[p->n] = (const char *)p->ints[p->n];
    p->lengths[p->n] = 8;
    p->formats[p->n] = 1;
    p->types[p->n] = OID_INT8;
    p->n++;
}

/* bytea or text in binary format (for text, the bytes themselves); NULL
 * data with len 0 is an empty value, a NULL `data` for text is SQL NULL.
 * len must fit an int (the caller checks). */
static void param_bytes(pg_params *p, Oid type, const void *data, size_t len)
{
    assert(p->n < MAX_PARAMS && len <= INT_MAX);
    p->values[p->n] = data ? (const char *)data : (type == OID_BYTEA ? "" : NULL);
    p->lengths[p->n] = (int)len;
    p->formats[p->n] = 1;
    p->types[p->n] = type;
    p->n++;
}

static int64_t get_int8(const PGresult *res, int row, int col)
{
    uint64_t be;
    memcpy(&be, PQgetvalue(res, row, col), 8);
    return (int64_t)be64toh(be);
}

/* A one-dimensional array parameter in PostgreSQL's binary form (array_send:
 * ndim, has-nulls flag, element type, then the length and lower bound of
 * the dimension; each element its length, -1 for NULL, and its bytes), so
 * that a whole batch goes in with one statement per table (unnest) instead
 * of one round trip per row. */
typedef struct {
    wb_buf buf;
    size_t count_at; /* offset of the dimension's length */
    uint32_t count;
    bool has_null;
} pg_array;

static void put_be32(wb_buf *buf, uint32_t v)
{
    uint32_t be = htobe32(v);
    wb_buf_append(buf, &be, 4);
}

static void array_start(pg_array *a, Oid element)
{
    memset(a, 0, sizeof(*a));
    put_be32(&a->buf, 1);
    put_be32(&a->buf, 0); /* has-nulls, patched in array_param() */
    put_be32(&a->buf, element);
    a->count_at = a->buf.len;
    put_be32(&a->buf, 0); /* the length, patched in array_param() */
    put_be32(&a->buf, 1);
}

/* An element of `len` bytes (len <= INT32_MAX, checked by the caller);
 * NULL `data` is SQL NULL. */
static void array_add(pg_array *a, const void *data, size_t len)
{
    if (!data) {
        put_be32(&a->buf, UINT32_MAX);
        a->has_null = true;
    } else {
        put_be32(&a->buf, (uint32_t)len);
        wb_buf_append(&a->buf, len ? data : "", len);
    }
    a->count++;
}

static void array_add_int8(pg_array *a, int64_t value)
{
    uint64_t be = htobe64((uint64_t)value);
    array_add(a, &be, 8);
}

/* Add the finished array as the next parameter; fails when an append to
 * it failed or it outgrew what a parameter can hold. */
static int array_param(pg_params *p, pg_array *a, Oid array_type, const char *label)
{
    uint32_t be;
    if (a->buf.failed)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", label);
    if (a->buf.len > INT_MAX)
        return wb_error_set(WB_ELIMIT, "%s: a batch of %zu bytes", label, a->buf.len);
    be = htobe32(a->has_null ? 1 : 0);
    memcpy(a->buf.data + 4, &be, 4);
    be = htobe32(a->count);
    memcpy(a->buf.data + a->count_at, &be, 4);
    param_bytes(p, array_type, a->buf.data, a->buf.len);
    return 0;
}

/* The server's or libpq's message without its trailing newline. */
static const char *pg_message(pg_store *s, const PGresult *res)
{
    static _Thread_local char msg[512];
    const char *m = res ? PQresultErrorMessage(res) : "";
    size_t len;
    if (!m || !*m)
        m = PQerrorMessage(s->conn);
    snprintf(msg, sizeof(msg), "%s", m && *m ? m : "unknown error");
    len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        msg[--len] = '\0';
    return msg;
}

static int pg_error(pg_store *s, const PGresult *res, const char *what)
{
    if (PQstatus(s->conn) != CONNECTION_OK)
        return wb_error_set(WB_EIO, "%s: %s: connection lost: %s", s->label, what,
                            pg_message(s, res));
    return wb_error_set(WB_EIO, "%s: %s: %s", s->label, what, pg_message(s, res));
}

/* Run one statement; *out (when asked for) gets the result on success,
 * PQclear() it. `want` is PGRES_COMMAND_OK or PGRES_TUPLES_OK. */
static int run(pg_store *s, PGresult **out, const char *sql, const pg_params *p,
               ExecStatusType want, const char *what)
{
    PGresult *res;
    int rc = 0;

    unsigned i;
    char name[16];

    if (out)
        *out = NULL;
    for (i = 0; i < s->n_prepared && s->prepared[i] != sql; i++)
        ;
    if (i == s->n_prepared && i < PREPARED_MAX) {
        snprintf(name, sizeof(name), "wb%u", i);
        res = PQprepare(s->conn, name, sql, p ? p->n : 0, p ? p->types : NULL);
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
            rc = pg_error(s, res, what);
            PQclear(res);
            return rc;
        }
        PQclear(res);
        s->prepared[s->n_prepared++] = sql;
    }
    if (i < s->n_prepared) {
        snprintf(name, sizeof(name), "wb%u", i);
        res = PQexecPrepared(s->conn, name, p ? p->n : 0, p ? p->values : NULL,
                             p ? p->lengths : NULL, p ? p->formats : NULL, 1);
    } else {
        res = PQexecParams(s->conn, sql, p ? p->n : 0, p ? p->types : NULL, p ? p->values : NULL,
                           p ? p->lengths : NULL, p ? p->formats : NULL, 1);
    }
    if (!res || PQresultStatus(res) != want) {
        rc = pg_error(s, res, what);
        PQclear(res);
        return rc;
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    return rc;
}

/* Several statements of our own, no parameters (the simple protocol: a
 * migration step), inside the caller's transaction. */
static int run_script(pg_store *s, const char *sql, const char *what)
{
    PGresult *res = PQexec(s->conn, sql);
    int rc = 0;
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = pg_error(s, res, what);
    PQclear(res);
    return rc;
}

static int run_cmd(pg_store *s, const char *sql, const char *what)
{
    return run(s, NULL, sql, NULL, PGRES_COMMAND_OK, what);
}

/* A query yielding one int8 in one row; NULL reads as `dflt`. */
static int query_int8(pg_store *s, int64_t *out, const char *sql, int64_t dflt, const char *what)
{
    PGresult *res = NULL;
    int rc = run(s, &res, sql, NULL, PGRES_TUPLES_OK, what);
    if (rc < 0)
        return rc;
    if (PQntuples(res) != 1 || PQnfields(res) != 1)
        rc = wb_error_set(WB_EINTERNAL, "%s: %s: expected one value", s->label, what);
    else if (PQgetisnull(res, 0, 0))
        *out = dflt;
    else if (PQgetlength(res, 0, 0) != 8)
        rc = wb_error_set(WB_EFORMAT, "%s: %s: not a bigint", s->label, what);
    else
        *out = get_int8(res, 0, 0);
    PQclear(res);
    return rc;
}

/* Before each call: after a lost connection, reconnect once. A read
 * snapshot does not survive the connection. */
static int pg_ready(pg_store *s)
{
    if (PQstatus(s->conn) == CONNECTION_OK)
        return 0;
    s->in_read = false;
    s->n_prepared = 0;
    PQreset(s->conn);
    if (PQstatus(s->conn) != CONNECTION_OK)
        return wb_error_set(WB_EIO, "%s: connection lost, and reconnecting failed: %s", s->label,
                            pg_message(s, NULL));
    return 0;
}

/* End whatever transaction an error left open, if the connection lives. */
static void rollback(pg_store *s)
{
    PGresult *res;
    if (PQstatus(s->conn) != CONNECTION_OK || PQtransactionStatus(s->conn) == PQTRANS_IDLE)
        return;
    res = PQexec(s->conn, "ROLLBACK");
    PQclear(res);
}

/* --- the operations --- */

static int pg_size(void *impl, uint64_t *size_out)
{
    pg_store *s = impl;
    int64_t size = 0;
    int rc = pg_ready(s);
    if (rc == 0)
        rc = query_int8(s, &size, "SELECT COALESCE(MAX(idx) + 1, 0) FROM entries", 0,
                        "reading the log size");
    if (rc == 0)
        *size_out = (uint64_t)size;
    return rc;
}

static int pg_read_hashes(void *impl, wb_tlog_hash *out, const uint64_t *indexes, size_t count)
{
    pg_store *s = impl;
    PGresult *res = NULL;
    pg_params p = {0};
    unsigned char *array = NULL;
    size_t array_len, i;
    int rc;

    /* one query for all of a proof's hashes: a bigint[] in binary (ndim,
     * has-nulls flag, element type, then length and lower bound of the one
     * dimension; each element its length and value), rows back in the
     * order asked, NULL for a missing one */
    if (count > (INT_MAX - 20) / 12)
        return wb_error_set(WB_ELIMIT, "%s: %zu stored hashes in one read", s->label, count);
    for (i = 0; i < count; i++)
        if (indexes[i] > INT64_MAX)
            return wb_error_set(WB_EINVAL, "%s: stored hash %" PRIu64 " is out of range", s->label,
                                indexes[i]);
    if ((rc = pg_ready(s)) < 0)
        return rc;
    array_len = 20 + 12 * count;
    array = wb_malloc(array_len);
    if (!array)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", s->label);
    {
        uint32_t header[5] = {htobe32(1), htobe32(0), htobe32(OID_INT8), htobe32((uint32_t)count),
                              htobe32(1)};
        memcpy(array, header, sizeof(header));
        for (i = 0; i < count; i++) {
            uint32_t len = htobe32(8);
            uint64_t value = htobe64(indexes[i]);
            memcpy(array + 20 + 12 * i, &len, 4);
            memcpy(array + 24 + 12 * i, &value, 8);
        }
    }
    param_bytes(&p, OID_INT8_ARRAY, array, array_len);
    rc = run(s, &res,
             "SELECT h.hash FROM unnest($1::bigint[]) WITH ORDINALITY AS q(id, ord)"
             " LEFT JOIN hashes h ON h.id = q.id ORDER BY q.ord",
             &p, PGRES_TUPLES_OK, "reading stored hashes");
    if (rc < 0)
        goto out;
    if ((size_t)PQntuples(res) != count) {
        rc = wb_error_set(WB_EINTERNAL, "%s: %d stored hashes for %zu asked", s->label,
                          PQntuples(res), count);
        goto out;
    }
    for (i = 0; i < count; i++) {
        if (PQgetisnull(res, (int)i, 0)) {
            rc = wb_error_set(WB_ENOTFOUND, "%s: stored hash %" PRIu64 " is missing", s->label,
                              indexes[i]);
            goto out;
        }
        if (PQgetlength(res, (int)i, 0) != WB_TLOG_HASH_LEN) {
            rc = wb_error_set(WB_EFORMAT, "%s: stored hash %" PRIu64 " is not %d bytes", s->label,
                              indexes[i], WB_TLOG_HASH_LEN);
            goto out;
        }
        memcpy(out[i].bytes, PQgetvalue(res, (int)i, 0), WB_TLOG_HASH_LEN);
    }
out:
    PQclear(res);
    wb_free(array);
    return rc;
}

static int pg_read_begin(void *impl)
{
    pg_store *s = impl;
    int rc;
    if (s->in_read)
        return wb_error_set(WB_EINTERNAL, "%s: a read snapshot is already open", s->label);
    if ((rc = pg_ready(s)) < 0)
        return rc;
    rc = run_cmd(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                 "starting a read transaction");
    if (rc == 0)
        s->in_read = true;
    return rc;
}

static int pg_read_end(void *impl)
{
    pg_store *s = impl;
    int rc = 0;
    if (!s->in_read)
        return 0;
    s->in_read = false;
    if (PQstatus(s->conn) != CONNECTION_OK)
        return 0; /* the snapshot went with the connection; nothing to end */
    if (PQtransactionStatus(s->conn) == PQTRANS_INERROR)
        rollback(s); /* a failed read already reported its error */
    else if (PQtransactionStatus(s->conn) == PQTRANS_INTRANS)
        rc = run_cmd(s, "COMMIT", "ending a read transaction");
    return rc;
}

static int pg_append(void *impl, const wb_store_batch *batch)
{
    pg_store *s = impl;
    uint64_t first_hash = wb_tlog_stored_hash_count(batch->first_index);
    int64_t size, n_hashes;
    PGresult *res = NULL;
    size_t i, j;
    int rc;

    if (s->in_read)
        return wb_error_set(WB_EINTERNAL, "%s: append inside a read snapshot", s->label);
    if (batch->checkpoint_len > INT_MAX)
        return wb_error_set(WB_ELIMIT, "%s: checkpoint of %zu bytes", s->label,
                            batch->checkpoint_len);
    if ((rc = pg_ready(s)) < 0)
        return rc;
    /* READ COMMITTED whatever the server's default: the size read after
     * the lock must see every batch committed before it */
    if ((rc = run_cmd(s, "BEGIN ISOLATION LEVEL READ COMMITTED", "starting a transaction")) < 0)
        goto out;
    /* every writer of this database queues here until the one before
     * commits or rolls back; the size read below cannot change before our
     * COMMIT */
    if ((rc = run(s, NULL, "SELECT pg_advisory_xact_lock(" APPEND_LOCK ")", NULL, PGRES_TUPLES_OK,
                  "taking the append lock")) < 0)
        goto out;
    if ((rc = query_int8(s, &size, "SELECT COALESCE(MAX(idx) + 1, 0) FROM entries", 0,
                         "reading the log size")) < 0 ||
        (rc = query_int8(s, &n_hashes, "SELECT COALESCE(MAX(id) + 1, 0) FROM hashes", 0,
                         "counting stored hashes")) < 0)
        goto out;
    if ((uint64_t)size != batch->first_index) {
        rc = wb_error_set(WB_EEXISTS,
                          "%s: the log has %" PRId64 " entries, not %" PRIu64
                          " (another writer appended?); nothing added",
                          s->label, size, batch->first_index);
        goto out;
    }
    if ((uint64_t)n_hashes != first_hash) {
        rc = wb_error_set(
            WB_EFORMAT, "%s: %" PRId64 " stored hashes for %" PRId64 " entries; expected %" PRIu64,
            s->label, n_hashes, size, first_hash);
        goto out;
    }
    {
        /* the batch's rows, one array per column */
        pg_array col[6], subj_digest, subj_idx, hash_id, hash_value;
        pg_params p = {0}, q = {0}, h = {0};
        size_t k, n_subjects = 0;

        array_start(&col[0], OID_INT8);
        array_start(&col[1], OID_BYTEA);
        array_start(&col[2], OID_BYTEA);
        array_start(&col[3], OID_TEXT);
        array_start(&col[4], OID_INT8);
        array_start(&col[5], OID_BYTEA);
        array_start(&subj_digest, OID_TEXT);
        array_start(&subj_idx, OID_INT8);
        array_start(&hash_id, OID_INT8);
        array_start(&hash_value, OID_BYTEA);
        for (i = 0; i < batch->n_entries && rc == 0; i++) {
            const wb_store_entry *e = &batch->entries[i];
            int64_t idx = (int64_t)(batch->first_index + i);
            size_t party_len = e->party ? strlen(e->party) : 0;

            if (party_len > INT_MAX || e->data_len > INT_MAX) {
                rc = wb_error_set(WB_ELIMIT, "%s: entry %zu is too large", s->label, i);
                break;
            }
            array_add_int8(&col[0], idx);
            array_add(&col[1], e->data ? (const void *)e->data : "", e->data_len);
            array_add(&col[2], e->leaf_hash.bytes, WB_TLOG_HASH_LEN);
            array_add(&col[3], e->party, party_len);
            array_add_int8(&col[4], e->time);
            array_add(&col[5], e->digest.bytes, WB_TLOG_HASH_LEN);
            for (j = 0; j < e->n_subjects; j++) {
                array_add(&subj_digest, e->subjects[j], 64);
                array_add_int8(&subj_idx, idx);
                n_subjects++;
            }
        }
        for (i = 0; i < batch->n_hashes; i++) {
            array_add_int8(&hash_id, (int64_t)(first_hash + i));
            array_add(&hash_value, batch->hashes[i].bytes, WB_TLOG_HASH_LEN);
        }
        if (rc == 0)
            rc = array_param(&p, &col[0], OID_INT8_ARRAY, s->label);
        if (rc == 0)
            rc = array_param(&p, &col[1], OID_BYTEA_ARRAY, s->label);
        if (rc == 0)
            rc = array_param(&p, &col[2], OID_BYTEA_ARRAY, s->label);
        if (rc == 0)
            rc = array_param(&p, &col[3], OID_TEXT_ARRAY, s->label);
        if (rc == 0)
            rc = array_param(&p, &col[4], OID_INT8_ARRAY, s->label);
        if (rc == 0)
            rc = array_param(&p, &col[5], OID_BYTEA_ARRAY, s->label);
        if (rc == 0)
            rc = array_param(&q, &subj_digest, OID_TEXT_ARRAY, s->label);
        if (rc == 0)
            rc = array_param(&q, &subj_idx, OID_INT8_ARRAY, s->label);
        if (rc == 0)
            rc = array_param(&h, &hash_id, OID_INT8_ARRAY, s->label);
        if (rc == 0)
            rc = array_param(&h, &hash_value, OID_BYTEA_ARRAY, s->label);
        if (rc == 0)
            rc = run(s, NULL,
                     "INSERT INTO entries(idx, data, leaf_hash, party, time, digest)"
                     " SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::text[],"
                     " $5::bigint[], $6::bytea[])",
                     &p, PGRES_COMMAND_OK, "adding the entries");
        if (rc == 0 && n_subjects)
            rc = run(
                s, NULL,
                "INSERT INTO subjects(digest, idx) SELECT * FROM unnest($1::text[], $2::bigint[])"
                " ON CONFLICT DO NOTHING",
                &q, PGRES_COMMAND_OK, "indexing the subjects");
        if (rc == 0 && batch->n_hashes)
            rc = run(s, NULL,
                     "INSERT INTO hashes(id, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])",
                     &h, PGRES_COMMAND_OK, "adding the stored hashes");
        for (k = 0; k < 6; k++)
            wb_buf_free(&col[k].buf);
        wb_buf_free(&subj_digest.buf);
        wb_buf_free(&subj_idx.buf);
        wb_buf_free(&hash_id.buf);
        wb_buf_free(&hash_value.buf);
        if (rc < 0)
            goto out;
    }
    {
        pg_params p = {0};
        param_int8(&p, (int64_t)(batch->first_index + batch->n_entries));
        param_bytes(&p, OID_TEXT, batch->checkpoint, batch->checkpoint_len);
        if ((rc = run(s, NULL, "INSERT INTO checkpoints(size, note) VALUES($1, $2)", &p,
                      PGRES_COMMAND_OK, "adding the checkpoint")) < 0)
            goto out;
    }
    /* durable when it returns (synchronous_commit on); a COMMIT that loses
     * the connection leaves the outcome unknown, which the message says */
    res = PQexec(s->conn, "COMMIT");
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK ||
        strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        rc = PQstatus(s->conn) != CONNECTION_OK
                 ? wb_error_set(WB_EIO,
                                "%s: committing the batch: connection lost, the batch may or may "
                                "not be stored: %s",
                                s->label, pg_message(s, res))
                 : pg_error(s, res, "committing the batch");
        goto out;
    }
out:
    PQclear(res);
    if (rc < 0)
        rollback(s);
    return rc;
}

/* The note of one checkpoint row into a new string. */
static int checkpoint_query(pg_store *s, char **out, size_t *out_len, uint64_t *size_out,
                            const char *sql, const uint64_t *size)
{
    PGresult *res = NULL;
    pg_params p = {0};
    int rc = pg_ready(s);
    size_t len;

    if (rc < 0)
        return rc;
    if (size)
        param_int8(&p, (int64_t)*size);
    if ((rc = run(s, &res, sql, &p, PGRES_TUPLES_OK, "reading a checkpoint")) < 0)
        return rc;
    if (PQntuples(res) == 0) {
        rc = size
                 ? wb_error_set(WB_ENOTFOUND, "%s: no checkpoint of size %" PRIu64, s->label, *size)
                 : wb_error_set(WB_EFORMAT, "%s: no checkpoint at all", s->label);
        goto out;
    }
    if (PQgetlength(res, 0, 0) != 8) {
        rc = wb_error_set(WB_EFORMAT, "%s: a checkpoint's size is not a bigint", s->label);
        goto out;
    }
    len = (size_t)PQgetlength(res, 0, 1);
    *out = wb_strndup(PQgetvalue(res, 0, 1), len);
    if (!*out) {
        rc = wb_error_set(WB_ENOMEM, "%s: out of memory", s->label);
        goto out;
    }
    if (out_len)
        *out_len = len;
    if (size_out)
        *size_out = (uint64_t)get_int8(res, 0, 0);
out:
    PQclear(res);
    return rc;
}

static int pg_latest_checkpoint(void *impl, char **out, size_t *out_len, uint64_t *size_out)
{
    return checkpoint_query(impl, out, out_len, size_out,
                            "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1", NULL);
}

static int pg_checkpoint_at(void *impl, char **out, size_t *out_len, uint64_t size)
{
    pg_store *s = impl;
    if (size > INT64_MAX)
        return wb_error_set(WB_ENOTFOUND, "%s: no checkpoint of size %" PRIu64, s->label, size);
    return checkpoint_query(s, out, out_len, NULL,
                            "SELECT size, note FROM checkpoints WHERE size = $1", &size);
}

static int pg_checkpoint_after(void *impl, char **out, size_t *out_len, uint64_t *size_out,
                               uint64_t min_size)
{
    pg_store *s = impl;
    if (min_size > INT64_MAX)
        return wb_error_set(WB_ENOTFOUND, "%s: no checkpoint of size %" PRIu64 " or more", s->label,
                            min_size);
    return checkpoint_query(s, out, out_len, size_out,
                            "SELECT size, note FROM checkpoints WHERE size >= $1"
                            " ORDER BY size LIMIT 1",
                            &min_size);
}

static int pg_read_entry(void *impl, wb_store_record *out, uint64_t index)
{
    pg_store *s = impl;
    PGresult *res = NULL;
    pg_params p = {0};
    int rc;

    if (index > INT64_MAX)
        return wb_error_set(WB_ENOTFOUND, "%s: no entry %" PRIu64, s->label, index);
    if ((rc = pg_ready(s)) < 0)
        return rc;
    param_int8(&p, (int64_t)index);
    rc = run(s, &res, "SELECT data, leaf_hash, party, time, digest FROM entries WHERE idx = $1", &p,
             PGRES_TUPLES_OK, "reading an entry");
    if (rc < 0)
        return rc;
    if (PQntuples(res) == 0) {
        rc = wb_error_set(WB_ENOTFOUND, "%s: no entry %" PRIu64, s->label, index);
        goto out;
    }
    if (PQgetlength(res, 0, 1) != WB_TLOG_HASH_LEN || PQgetlength(res, 0, 4) != WB_TLOG_HASH_LEN ||
        PQgetlength(res, 0, 3) != 8) {
        rc = wb_error_set(WB_EFORMAT, "%s: entry %" PRIu64 ": leaf hash or digest is not %d bytes",
                          s->label, index, WB_TLOG_HASH_LEN);
        goto out;
    }
    memcpy(out->leaf_hash.bytes, PQgetvalue(res, 0, 1), WB_TLOG_HASH_LEN);
    memcpy(out->digest.bytes, PQgetvalue(res, 0, 4), WB_TLOG_HASH_LEN);
    out->data_len = (size_t)PQgetlength(res, 0, 0);
    /* one byte more so that an empty entry still gets a buffer */
    out->data = wb_malloc(out->data_len + 1);
    if (!out->data) {
        rc = wb_error_set(WB_ENOMEM, "%s: out of memory", s->label);
        goto out;
    }
    if (out->data_len)
        memcpy(out->data, PQgetvalue(res, 0, 0), out->data_len);
    if (!PQgetisnull(res, 0, 2)) {
        out->party = wb_strndup(PQgetvalue(res, 0, 2), (size_t)PQgetlength(res, 0, 2));
        if (!out->party) {
            rc = wb_error_set(WB_ENOMEM, "%s: out of memory", s->label);
            goto out;
        }
    }
    out->time = get_int8(res, 0, 3);
out:
    if (rc < 0)
        wb_store_record_clear(out);
    PQclear(res);
    return rc;
}

static int pg_read_digests(void *impl, wb_tlog_hash *out, uint64_t first, size_t count)
{
    pg_store *s = impl;
    PGresult *res = NULL;
    pg_params p = {0};
    size_t n, rows;
    int rc;

    if (first > INT64_MAX || count > INT64_MAX - first)
        return wb_error_set(WB_ENOTFOUND, "%s: no entry %" PRIu64, s->label, first);
    if ((rc = pg_ready(s)) < 0)
        return rc;
    param_int8(&p, (int64_t)first);
    param_int8(&p, (int64_t)(first + count));
    rc = run(s, &res, "SELECT idx, digest FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx",
             &p, PGRES_TUPLES_OK, "reading entry digests");
    if (rc < 0)
        return rc;
    rows = (size_t)PQntuples(res);
    for (n = 0; n < rows && n < count; n++) {
        if ((uint64_t)get_int8(res, (int)n, 0) != first + n)
            break; /* a hole: reported below */
        if (PQgetlength(res, (int)n, 1) != WB_TLOG_HASH_LEN) {
            rc = wb_error_set(WB_EFORMAT, "%s: entry %" PRIu64 ": digest is not %d bytes", s->label,
                              first + n, WB_TLOG_HASH_LEN);
            goto out;
        }
        memcpy(out[n].bytes, PQgetvalue(res, (int)n, 1), WB_TLOG_HASH_LEN);
    }
    if (n != count)
        rc = wb_error_set(WB_ENOTFOUND, "%s: entry %" PRIu64 " is missing", s->label, first + n);
out:
    PQclear(res);
    return rc;
}

static int pg_search(void *impl, uint64_t **out, size_t *count, const char *digest_hex)
{
    pg_store *s = impl;
    PGresult *res = NULL;
    pg_params p = {0};
    uint64_t *found = NULL;
    size_t n, i;
    int rc;

    if ((rc = pg_ready(s)) < 0)
        return rc;
    param_bytes(&p, OID_TEXT, digest_hex, strlen(digest_hex));
    rc = run(s, &res, "SELECT idx FROM subjects WHERE digest = $1 ORDER BY idx", &p,
             PGRES_TUPLES_OK, "searching subjects");
    if (rc < 0)
        return rc;
    n = (size_t)PQntuples(res);
    if (n) {
        found = wb_reallocarray(NULL, n, sizeof(*found));
        if (!found) {
            rc = wb_error_set(WB_ENOMEM, "%s: out of memory", s->label);
            goto out;
        }
        for (i = 0; i < n; i++)
            found[i] = (uint64_t)get_int8(res, (int)i, 0);
    }
    *out = found;
    *count = n;
out:
    PQclear(res);
    return rc;
}

static void pg_close(void *impl)
{
    pg_store *s = impl;
    if (!s)
        return;
    PQfinish(s->conn);
    wb_free(s->label);
    wb_free(s);
}

static const wb_store_ops pg_ops = {
    .name = "postgresql",
    .size = pg_size,
    .read_hashes = pg_read_hashes,
    .append = pg_append,
    .latest_checkpoint = pg_latest_checkpoint,
    .checkpoint_at = pg_checkpoint_at,
    .checkpoint_after = pg_checkpoint_after,
    .read_entry = pg_read_entry,
    .read_digests = pg_read_digests,
    .search = pg_search,
    .read_begin = pg_read_begin,
    .read_end = pg_read_end,
    .close = pg_close,
};

/* --- schema and migrations --- */

/* Step i takes the schema from version i - 1 to version i (index i - 1
 * here). Append new steps; never change one that has shipped. */
static const char *const migrations[] = {
    /* 1: the tables of SQLite's schema 2 */
    "CREATE TABLE entries(idx bigint PRIMARY KEY, digest bytea NOT NULL,"
    " leaf_hash bytea NOT NULL, party text, time bigint NOT NULL, data bytea NOT NULL);"
    "CREATE TABLE hashes(id bigint PRIMARY KEY, hash bytea NOT NULL);"
    "CREATE TABLE checkpoints(size bigint PRIMARY KEY, note text NOT NULL);"
    "CREATE TABLE subjects(digest text NOT NULL, idx bigint NOT NULL,"
    " PRIMARY KEY(digest, idx));",
};

#define N_MIGRATIONS ((int64_t)(sizeof(migrations) / sizeof(migrations[0])))

/* The schema version, or -1 when the database has no waybill_schema. */
static int schema_version(pg_store *s, int64_t *version)
{
    int64_t present;
    int rc = query_int8(s, &present,
                        "SELECT COUNT(*) FROM pg_catalog.pg_tables"
                        " WHERE schemaname = current_schema() AND tablename = 'waybill_schema'",
                        0, "looking for waybill's schema");
    if (rc < 0 || !present) {
        *version = -1;
        return rc;
    }
    return query_int8(s, version, "SELECT MAX(version)::bigint FROM waybill_schema", -1,
                      "reading the schema version");
}

/* Bring the schema to SCHEMA_VERSION: each missing step in a transaction
 * of its own, under the lock, re-reading the version inside (a concurrent
 * opener may have applied some meanwhile). With `create`, the database
 * must not hold waybill's schema yet (WB_EEXISTS) and waybill_schema is
 * made in the first step's transaction, so that a create that fails
 * leaves nothing behind. */
static int migrate(pg_store *s, bool create)
{
    int64_t version;
    int rc = 0;

    for (;;) {
        /* READ COMMITTED whatever the server's default: the version read
         * after the lock must see what the previous holder committed */
        if ((rc = run_cmd(s, "BEGIN ISOLATION LEVEL READ COMMITTED", "starting a migration")) < 0 ||
            (rc = run(s, NULL, "SELECT pg_advisory_xact_lock(" APPEND_LOCK ")", NULL,
                      PGRES_TUPLES_OK, "taking the schema lock")) < 0 ||
            (rc = schema_version(s, &version)) < 0)
            goto out;
        if (create) {
            if (version >= 0) {
                rc = wb_error_set(WB_EEXISTS,
                                  "%s: already holds a waybill ledger (schema version %" PRId64
                                  "); not creating one over it",
                                  s->label, version);
                goto out;
            }
            if ((rc = run_script(s,
                                 "CREATE TABLE waybill_schema(version int NOT NULL);"
                                 "INSERT INTO waybill_schema(version) VALUES(0);",
                                 "creating the schema")) < 0)
                goto out;
            version = 0;
            create = false;
        }
        if (version < 0) {
            rc = wb_error_set(WB_EFORMAT, "%s: not a waybill ledger database (no waybill_schema)",
                              s->label);
            goto out;
        }
        if (version > N_MIGRATIONS) {
            rc =
                wb_error_set(WB_EUNSUPPORTED,
                             "%s: ledger schema version %" PRId64 "; this waybill reads version %d",
                             s->label, version, SCHEMA_VERSION);
            goto out;
        }
        if (version == N_MIGRATIONS)
            break;
        if ((rc = run_script(s, migrations[version], "migrating the schema")) < 0)
            goto out;
        {
            pg_params p = {0};
            param_int8(&p, version + 1);
            if ((rc = run(s, NULL, "UPDATE waybill_schema SET version = $1::bigint::int", &p,
                          PGRES_COMMAND_OK, "recording the schema version")) < 0 ||
                (rc = run_cmd(s, "COMMIT", "committing a migration")) < 0)
                goto out;
        }
    }
    rc = run_cmd(s, "COMMIT", "ending a migration check");
out:
    if (rc < 0)
        rollback(s);
    return rc;
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* the library never prints */
}

int wb_store_open_postgresql(wb_store **out, const char *conninfo, bool create)
{
    pg_store *s = NULL;
    const char *db, *host, *port;
    int rc = 0;

    if (!out || !conninfo)
        return wb_error_set(WB_EINVAL, "store: invalid argument");
    *out = NULL;
    s = wb_calloc(1, sizeof(*s));
    if (!s)
        return wb_error_set(WB_ENOMEM, "postgresql: out of memory");
    s->conn = PQconnectdb(conninfo);
    if (!s->conn) {
        rc = wb_error_set(WB_ENOMEM, "postgresql: cannot connect: out of memory");
        goto out;
    }
    db = PQdb(s->conn);
    host = PQhost(s->conn);
    port = PQport(s->conn);
    s->label = wb_asprintf("postgresql %s@%s:%s", db ? db : "?", host && *host ? host : "?",
                           port && *port ? port : "?");
    if (!s->label) {
        rc = wb_error_set(WB_ENOMEM, "postgresql: out of memory");
        goto out;
    }
    if (PQstatus(s->conn) != CONNECTION_OK) {
        rc = wb_error_set(WB_EIO, "%s: cannot connect: %s", s->label, pg_message(s, NULL));
        goto out;
    }
    PQsetNoticeProcessor(s->conn, ignore_notice, NULL);
    /* durability rests on it: refuse a session that commits asynchronously */
    {
        PGresult *res = NULL;
        if ((rc = run(s, &res, "SELECT current_setting('synchronous_commit')", NULL,
                      PGRES_TUPLES_OK, "reading synchronous_commit")) < 0)
            goto out;
        if (PQntuples(res) == 1 && strncmp(PQgetvalue(res, 0, 0), "off", 3) == 0)
            rc = run_cmd(s, "SET synchronous_commit = on", "setting synchronous_commit");
        PQclear(res);
        if (rc < 0)
            goto out;
    }
    if ((rc = migrate(s, create)) < 0)
        goto out;
    rc = wb_store_new(out, &pg_ops, s);
    s = NULL; /* wb_store_new owns it now, even on failure */
out:
    pg_close(s);
    return rc;
}
