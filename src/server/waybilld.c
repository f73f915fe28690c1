/*
 * waybilld.c: the ledger as an HTTP service (docs/server.md).
 *
 * libmicrohttpd runs the connections: a pool of worker threads, each
 * polling its share of them. The read side (checkpoint, tiles, entries,
 * proofs, search) is answered in the worker, from a ledger handle of that
 * worker's own (wb_ledger is not thread-safe; SQLite in WAL mode lets the
 * readers run beside the writer). Tiles and the checkpoint are the files
 * of the ledger directory, opened below it component by component with
 * O_NOFOLLOW, and only for paths wb_ledger_tile_path_parse() accepts.
 *
 * The write side is a group commit. A worker checks the token, parses the
 * envelope (and checks it against the policy, with --policy), suspends the
 * connection and puts the submission on a bounded queue. One sequencer
 * thread, with the only writing handle, takes everything queued (at most
 * WB_LEDGER_MAX_BATCH), appends it in one wb_ledger_append() (one
 * transaction, each entry with its own party), fills in each submission's index
 * or error, and resumes the connections. The resumed worker builds the
 * bundle from its own handle and answers 201. Suspending rather than
 * blocking a worker on a condition variable is what lets a batch be larger
 * than the number of workers: a blocked worker would stop polling all its
 * other connections. Nothing is acknowledged before wb_ledger_append() says
 * the batch is durable; when an append fails, every submission of it gets
 * an error.
 *
 * Signals are taken by sigwait() in the main thread: SIGHUP reloads the
 * tokens file (keeping the old tokens when the new file does not load),
 * SIGTERM and SIGINT stop accepting, let the sequencer finish what is
 * queued, wait (up to a bound) for those answers to be sent, then stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <waybill/waybill.h>

#include "cosigner.h"
#include "route.h"
#include "tls.h"
#include "witness_ep.h"

#define DEFAULT_MAX_BODY      ((size_t)1 << 20)
#define QUEUE_MAX             (4 * WB_LEDGER_MAX_BATCH)
#define STATIC_FILE_MAX       ((size_t)64 << 10) /* checkpoint, tiles, entry bundles */
#define TOKEN_MAX             512
#define LOG_PATH_MAX          200
#define DRAIN_SECONDS         30
#define CONNECTION_TIMEOUT_S  30
#define CONNECTION_MEMORY_MAX ((size_t)64 << 10) /* bounds the request headers */

typedef struct submission {
    /* the request's body, parsed and hashed on the connection's thread
     * (wb_ledger_prepare()), so that the sequencer only sequences */
    wb_ledger_prepared *prepared;
    struct MHD_Connection *conn;
    struct submission *next;
    /* filled in by the sequencer before it resumes the connection */
    bool ok;
    uint64_t index;
    char error[512];
} submission;

typedef enum { REQ_ANSWERED, REQ_ROUTED, REQ_BODY, REQ_WAITING } request_state;

typedef struct request {
    struct timespec start;
    char method[16];
    char path[LOG_PATH_MAX * 4 + 8]; /* escaped, for the log */
    unsigned status;
    char party[WB_PARTY_MAX + 1];
    request_state state;
    bool counted; /* in the in-flight count of submissions */
    wbd_route route;
    unsigned char *body;
    size_t body_len, body_cap;
    submission sub;
} request;

static struct {
    const char *dir;
    const char *store; /* --store: a PostgreSQL connection string, or NULL */
    int dir_fd;
    size_t max_body;
    wb_policy *policy;
    const char *tokens_path;
    pthread_rwlock_t tokens_lock;
    wb_tokens *tokens;
    pthread_key_t reader_key;
    /* the sequencer and its queue, under mu */
    wb_ledger *writer;
    pthread_mutex_t mu;
    pthread_cond_t queue_cv; /* submissions queued, or exit */
    pthread_cond_t idle_cv;  /* in_flight reached 0 */
    submission *head, *tail;
    size_t queued;
    size_t in_flight; /* submissions queued and not yet answered */
    bool stopping;    /* refuse new submissions */
    bool sequencer_exit;
    bool log_batches;
    unsigned timeout_s; /* --timeout: idle connections, and a whole request's body */
    pthread_t sequencer;
} g = {
    .dir_fd = -1,
    .timeout_s = CONNECTION_TIMEOUT_S,
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .tokens_lock = PTHREAD_RWLOCK_INITIALIZER,
};

/* TLS, mutual TLS and the witness endpoint (tls.c, witness_ep.c), set at
 * start and read-only afterwards. */
static struct {
    wbd_tls tls;          /* the PEM text, while the daemon runs */
    bool https;           /* --tls-cert and --tls-key */
    bool client_certs;    /* --tls-client-ca: verify and map client certificates */
    wbd_witness *witness; /* --witness-key: POST /add-checkpoint */
} tlsw;

static void log_line(const char *fmt, ...) WB_PRINTF(1, 2);
static void log_line(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    fprintf(stderr, "waybilld: %s\n", buf);
}

static double ms_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 +
           (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* The path for the log: printable ASCII as is, anything else, '"' and
 * '\\' as \xHH; cut at LOG_PATH_MAX bytes. */
static void escape_path(char *out, size_t cap, const char *path)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, o = 0;

    for (i = 0; path[i] && i < LOG_PATH_MAX && o + 5 < cap; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c > 0x20 && c < 0x7f && c != '"' && c != '\\') {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    if (path[i] && o + 4 < cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* --- responses --- */

static enum MHD_Result send_response(struct MHD_Connection *conn, request *req, unsigned status,
                                     const char *content_type, const void *data, size_t len,
                                     const char *cache_control, const char *header,
                                     const char *header_value)
{
    struct MHD_Response *response;
    enum MHD_Result ret;

    response = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (!response)
        return MHD_NO;
    if (content_type)
        MHD_add_response_header(response, "Content-Type", content_type);
    if (cache_control)
        MHD_add_response_header(response, "Cache-Control", cache_control);
    if (header)
        MHD_add_response_header(response, header, header_value);
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    ret = MHD_queue_response(conn, status, response);
    MHD_destroy_response(response);
    req->status = status;
    req->state = REQ_ANSWERED;
    return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *conn, request *req, unsigned status,
                                 json_t *value, const char *header, const char *header_value)
{
    char *text = value ? json_dumps(value, JSON_COMPACT) : NULL;
    enum MHD_Result ret;
    size_t len;

    json_decref(value);
    if (!text) {
        static const char oom[] = "{\"error\":\"internal\",\"detail\":\"out of memory\"}\n";
        return send_response(conn, req, 500, "application/json", oom, sizeof(oom) - 1, "no-store",
                             NULL, NULL);
    }
    len = strlen(text);
    /* a final newline, as the command writes its JSON */
    {
        char *with_nl = realloc(text, len + 2);
        if (with_nl) {
            text = with_nl;
            text[len++] = '\n';
            text[len] = '\0';
        }
    }
    ret = send_response(conn, req, status, "application/json", text, len, "no-store", header,
                        header_value);
    free(text);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, request *req, unsigned status,
                                  const char *error, const char *detail, const char *header,
                                  const char *header_value)
{
    json_t *body = json_pack("{s:s,s:s}", "error", error, "detail", detail ? detail : "");
    return send_json(conn, req, status, body, header, header_value);
}

/* A library failure: 404 for what does not exist, 400 for arguments the
 * library refuses (an index beyond the size), 503 when the store cannot be
 * reached, 500 otherwise (logged, and the detail is not shown). */
static enum MHD_Result send_lib_error(struct MHD_Connection *conn, request *req, int rc)
{
    if (rc == WB_ENOTFOUND)
        return send_error(conn, req, 404, "not_found", wb_error_last(), NULL, NULL);
    if (rc == WB_EINVAL || rc == WB_ELIMIT)
        return send_error(conn, req, 400, "bad_request", wb_error_last(), NULL, NULL);
    log_line("%s %s: %s (%s)", req->method, req->path, wb_error_last(), wb_error_name(rc));
    /* the store out of reach (a PostgreSQL restart, a full disk): try again */
    if (rc == WB_EIO)
        return send_error(conn, req, 503, "unavailable",
                          "the log's store cannot be reached; see the server's log", "Retry-After",
                          "1");
    return send_error(conn, req, 500, "internal", "the server could not answer; see its log", NULL,
                      NULL);
}

/* --- the read side --- */

static void reader_free(void *ledger)
{
    wb_ledger_free(ledger);
}

/* This worker thread's own ledger handle, opened on first use. */
static int reader(wb_ledger **out)
{
    wb_ledger *ledger = pthread_getspecific(g.reader_key);
    int rc;

    if (!ledger) {
        if ((rc = wb_ledger_open_at(&ledger, g.dir, g.store, WB_LEDGER_OPEN_NO_REPAIR)) < 0)
            return rc;
        if (pthread_setspecific(g.reader_key, ledger) != 0) {
            wb_ledger_free(ledger);
            return wb_error_set(WB_ENOMEM, "out of memory");
        }
    }
    *out = ledger;
    return 0;
}

/* Open `rel` (a path that wb_ledger_tile_path_parse() or the fixed name
 * "checkpoint" vouches for) below the ledger directory, following no
 * symbolic link on the way, and read it whole (at most STATIC_FILE_MAX).
 * Returns 0, or the errno (ENOENT: not there). */
static int read_static(unsigned char **out, size_t *out_len, const char *rel)
{
    char buf[WBD_PATH_MAX + 1];
    char *part, *slash;
    int fd = g.dir_fd, next, err = 0;
    struct stat st;
    unsigned char *data = NULL;
    size_t got = 0;

    if (strlen(rel) > WBD_PATH_MAX)
        return ENOENT;
    strcpy(buf, rel);
    part = buf;
    while ((slash = strchr(part, '/'))) {
        *slash = '\0';
        next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd != g.dir_fd)
            close(fd);
        if (next < 0)
            return errno == ELOOP || errno == ENOTDIR ? ENOENT : errno;
        fd = next;
        part = slash + 1;
    }
    next = openat(fd, part, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd != g.dir_fd)
        close(fd);
    if (next < 0)
        return errno == ELOOP ? ENOENT : errno;
    fd = next;
    if (fstat(fd, &st) < 0) {
        err = errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > STATIC_FILE_MAX) {
        err = ENOENT;
        goto out;
    }
    data = malloc((size_t)st.st_size + 1);
    if (!data) {
        err = ENOMEM;
        goto out;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = errno;
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    *out = data;
    *out_len = got;
    data = NULL;
out:
    free(data);
    close(fd);
    return err;
}

static enum MHD_Result answer_static(struct MHD_Connection *conn, request *req, const char *rel,
                                     const char *content_type, const char *cache_control)
{
    unsigned char *data = NULL;
    size_t len = 0;
    enum MHD_Result ret;
    int err = read_static(&data, &len, rel);

    if (err == ENOENT)
        return send_error(conn, req, 404, "not_found",
                          strcmp(rel, WBD_WITNESSED_CHECKPOINT) == 0
                              ? "no checkpoint has been cosigned by a quorum of witnesses yet"
                              : "no such tile",
                          NULL, NULL);
    if (err) {
        log_line("%s: %s", rel, strerror(err));
        return send_error(conn, req, 500, "internal", "the server could not read the file", NULL,
                          NULL);
    }
    ret = send_response(conn, req, 200, content_type, data, len, cache_control, NULL, NULL);
    free(data);
    return ret;
}

static enum MHD_Result answer_entry(struct MHD_Connection *conn, request *req, uint64_t index)
{
    wb_store_record record = {0};
    wb_ledger *ledger;
    enum MHD_Result ret;
    int rc;

    if ((rc = reader(&ledger)) < 0 ||
        (rc = wb_store_read_entry(&record, wb_ledger_store(ledger), index)) < 0)
        return send_lib_error(conn, req, rc);
    ret = send_response(conn, req, 200, "application/json", record.data, record.data_len,
                        "public, max-age=31536000, immutable", NULL, NULL);
    wb_store_record_clear(&record);
    return ret;
}

static enum MHD_Result answer_inclusion(struct MHD_Connection *conn, request *req,
                                        const wbd_route *route)
{
    wb_ledger_inclusion proof;
    wb_ledger *ledger;
    json_t *value = NULL;
    int rc;

    if ((rc = reader(&ledger)) < 0 ||
        (rc = wb_ledger_prove_inclusion(&proof, ledger, route->index, route->size)) < 0 ||
        (rc = wb_ledger_inclusion_json(&value, &proof)) < 0)
        return send_lib_error(conn, req, rc);
    return send_json(conn, req, 200, value, NULL, NULL);
}

static enum MHD_Result answer_consistency(struct MHD_Connection *conn, request *req,
                                          const wbd_route *route)
{
    wb_ledger_consistency proof;
    wb_ledger *ledger;
    json_t *value = NULL;
    int rc;

    if ((rc = reader(&ledger)) < 0 ||
        (rc = wb_ledger_prove_consistency(&proof, ledger, route->from, route->to)) < 0 ||
        (rc = wb_ledger_consistency_json(&value, &proof)) < 0)
        return send_lib_error(conn, req, rc);
    return send_json(conn, req, 200, value, NULL, NULL);
}

static enum MHD_Result answer_search(struct MHD_Connection *conn, request *req,
                                     const wbd_route *route)
{
    uint64_t *indexes = NULL;
    size_t count = 0, i;
    wb_ledger *ledger;
    json_t *value, *list;
    char digest[80];
    int rc;

    if ((rc = reader(&ledger)) < 0 ||
        (rc = wb_ledger_search(&indexes, &count, ledger, route->digest_hex)) < 0)
        return send_lib_error(conn, req, rc);
    snprintf(digest, sizeof(digest), "sha256:%s", route->digest_hex);
    list = json_array();
    for (i = 0; list && i < count; i++)
        if (json_array_append_new(list, json_integer((json_int_t)indexes[i])) < 0) {
            json_decref(list);
            list = NULL;
        }
    wb_free(indexes);
    value = list ? json_pack("{s:s,s:o}", "digest", digest, "indexes", list) : NULL;
    return send_json(conn, req, 200, value, NULL, NULL);
}

/* --- the write side --- */

static bool media_type_is(const char *header, const char *type)
{
    size_t len = strlen(type);

    while (*header == ' ' || *header == '\t')
        header++;
    if (strncasecmp(header, type, len) != 0)
        return false;
    header += len;
    while (*header == ' ' || *header == '\t')
        header++;
    return *header == '\0' || *header == ';';
}

/* Who is asking: the party of the bearer token when the request has an
 * Authorization header (a token not known is refused, whatever the
 * connection's certificate), else, with --tls-client-ca, the party that a
 * cert-sha256 line of the tokens file gives the client certificate, once
 * that has been verified against the client CA. true with req->party and
 * *roles set; false when refused, the 401 queued and its result in
 * *refused. */
static bool authenticate(struct MHD_Connection *conn, request *req, unsigned *roles,
                         enum MHD_Result *refused)
{
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    const char *party = NULL;
    unsigned char digest[WB_CERT_DIGEST_LEN];
    char why[256];
    int rc;

    *roles = 0;
    if (!auth && tlsw.client_certs) {
        switch (wbd_tls_peer(conn, digest, why, sizeof(why))) {
        case WBD_PEER_NONE:
            break;
        case WBD_PEER_UNVERIFIED:
            log_line("%s %s: client certificate refused: %s", req->method, req->path, why);
            *refused = send_error(conn, req, 401, "unauthorized",
                                  "the client certificate does not verify against the client CA",
                                  "WWW-Authenticate", "Bearer");
            return false;
        case WBD_PEER_VERIFIED:
            pthread_rwlock_rdlock(&g.tokens_lock);
            rc = wb_tokens_check_cert(g.tokens, digest, sizeof(digest), &party, roles);
            if (rc == 0)
                snprintf(req->party, sizeof(req->party), "%s", party);
            pthread_rwlock_unlock(&g.tokens_lock);
            if (rc < 0) {
                *refused = send_error(conn, req, 401, "unauthorized",
                                      "the client certificate is not in the tokens file",
                                      "WWW-Authenticate", "Bearer");
                return false;
            }
            return true;
        }
    }
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0) {
        *refused =
            send_error(conn, req, 401, "unauthorized",
                       tlsw.client_certs ? "a bearer token or a client certificate is required"
                                         : "a bearer token is required",
                       "WWW-Authenticate", "Bearer");
        return false;
    }
    auth += 7;
    while (*auth == ' ')
        auth++;
    if (!*auth || strlen(auth) > TOKEN_MAX) {
        *refused = send_error(conn, req, 401, "unauthorized", "the token is not known",
                              "WWW-Authenticate", "Bearer error=\"invalid_token\"");
        return false;
    }
    pthread_rwlock_rdlock(&g.tokens_lock);
    rc = wb_tokens_check(g.tokens, auth, &party, roles);
    if (rc == 0)
        snprintf(req->party, sizeof(req->party), "%s", party);
    pthread_rwlock_unlock(&g.tokens_lock);
    if (rc < 0) {
        *refused = send_error(conn, req, 401, "unauthorized", "the token is not known",
                              "WWW-Authenticate", "Bearer error=\"invalid_token\"");
        return false;
    }
    return true;
}

/* The first call of a POST /v1/entries, headers only: who, what, how big.
 * Refusals are answered at once, before any of the body is read. */
static enum MHD_Result start_submit(struct MHD_Connection *conn, request *req)
{
    const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    enum MHD_Result refused;
    unsigned roles = 0;
    uint64_t declared;

    if (!authenticate(conn, req, &roles, &refused))
        return refused;
    if (!(roles & WB_ROLE_SUBMIT))
        return send_error(conn, req, 403, "forbidden", "the party does not have the submit role",
                          NULL, NULL);
    if (!type || !(media_type_is(type, "application/json") ||
                   media_type_is(type, "application/vnd.dsse.envelope+json")))
        return send_error(conn, req, 415, "unsupported_media_type",
                          "Content-Type must be application/json or "
                          "application/vnd.dsse.envelope+json",
                          NULL, NULL);
    if (length && (!wbd_parse_u64(&declared, length) || declared > g.max_body))
        return send_error(conn, req, 413, "too_large", "the body is larger than --max-body", NULL,
                          NULL);
    req->state = REQ_BODY;
    return MHD_YES;
}

/* The whole body is in: parse, check against the policy, and queue it for
 * the sequencer, with the connection suspended until it has an answer. */
static enum MHD_Result finish_submit(struct MHD_Connection *conn, request *req)
{
    wb_ledger_input input = {
        .data = req->body,
        .len = req->body_len,
        .name = "request body",
        .party = req->party[0] ? req->party : NULL,
    };
    char *who = NULL;
    int rc;

    rc = wb_ledger_prepare(&req->sub.prepared, &input);
    if (rc == WB_EFORMAT || rc == WB_ELIMIT)
        return send_error(conn, req, 400, "bad_envelope", wb_error_last(), NULL, NULL);
    if (rc < 0)
        return send_lib_error(conn, req, rc);
    if (g.policy) {
        rc = wb_policy_check(&who, g.policy, wb_ledger_prepared_envelope(req->sub.prepared));
        wb_free(who);
        if (rc == WB_EVERIFY)
            return send_error(conn, req, 403, "policy", wb_error_last(), NULL, NULL);
        if (rc < 0)
            return send_lib_error(conn, req, rc);
    }
    req->sub.conn = conn;
    pthread_mutex_lock(&g.mu);
    if (g.stopping || g.queued >= QUEUE_MAX) {
        bool stopping = g.stopping;
        pthread_mutex_unlock(&g.mu);
        return send_error(conn, req, 503, "unavailable",
                          stopping ? "the server is stopping" : "too many submissions queued",
                          "Retry-After", "1");
    }
    /* suspended before it is visible to the sequencer, so that its resume
     * always comes after */
    MHD_suspend_connection(conn);
    if (g.tail)
        g.tail->next = &req->sub;
    else
        g.head = &req->sub;
    g.tail = &req->sub;
    g.queued++;
    g.in_flight++;
    req->counted = true;
    req->state = REQ_WAITING;
    pthread_cond_signal(&g.queue_cv);
    pthread_mutex_unlock(&g.mu);
    return MHD_YES;
}

/* Resumed: the sequencer has put the submission in the log, or failed. */
static enum MHD_Result answer_submit(struct MHD_Connection *conn, request *req)
{
    wb_ledger *ledger;
    char *bundle = NULL;
    size_t len = 0;
    char location[64];
    enum MHD_Result ret;
    int rc;

    if (!req->sub.ok)
        return send_error(conn, req, 503, "append_failed", req->sub.error, "Retry-After", "1");
    if ((rc = reader(&ledger)) < 0 ||
        (rc = wb_ledger_bundle_prepared(&bundle, &len, ledger, req->sub.index, req->sub.prepared)) <
            0) {
        /* it is in the log; only the bundle could not be made */
        char detail[160];
        log_line("entry %" PRIu64 ": bundle: %s", req->sub.index, wb_error_last());
        snprintf(detail, sizeof(detail),
                 "appended as entry %" PRIu64 ", but its bundle could not be made; "
                 "fetch its inclusion proof later",
                 req->sub.index);
        return send_error(conn, req, 500, "bundle_failed", detail, NULL, NULL);
    }
    snprintf(location, sizeof(location), "/v1/entries/%" PRIu64, req->sub.index);
    ret = send_response(conn, req, 201, WB_BUNDLE_MEDIA_TYPE, bundle, len, "no-store", "Location",
                        location);
    wb_free(bundle);
    return ret;
}

/* Append `n` submissions in one batch (each with its party) and record
 * the outcome in each. */
static void append_group(submission **subs, size_t n, wb_ledger_prepared **entries,
                         uint64_t *indexes)
{
    size_t i;
    int rc;

    for (i = 0; i < n; i++) {
        entries[i] = subs[i]->prepared;
        indexes[i] = UINT64_MAX;
    }
    rc = wb_ledger_append_prepared(indexes, g.writer, entries, n);
    /* WB_EIO with the indexes filled: durable, only the files lag */
    if (rc < 0 && !(rc == WB_EIO && indexes[0] != UINT64_MAX)) {
        log_line("append of %zu entries failed: %s", n, wb_error_last());
        for (i = 0; i < n; i++) {
            subs[i]->ok = false;
            snprintf(subs[i]->error, sizeof(subs[i]->error), "not appended: %s", wb_error_last());
        }
        return;
    }
    if (rc < 0)
        log_line("%s", wb_error_last());
    for (i = 0; i < n; i++) {
        subs[i]->ok = true;
        subs[i]->index = indexes[i];
    }
}

static void *sequencer_main(void *arg)
{
    submission **batch = calloc(WB_LEDGER_MAX_BATCH, sizeof(*batch));
    wb_ledger_prepared **entries = calloc(WB_LEDGER_MAX_BATCH, sizeof(*entries));
    uint64_t *indexes = calloc(WB_LEDGER_MAX_BATCH, sizeof(*indexes));
    size_t n, i;

    (void)arg;
    for (;;) {
        pthread_mutex_lock(&g.mu);
        while (!g.head && !g.sequencer_exit) {
            /* idle for a second: bring this directory's tiles and checkpoint
             * up to what other servers of a shared store appended */
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            if (pthread_cond_timedwait(&g.queue_cv, &g.mu, &until) == ETIMEDOUT && !g.head) {
                pthread_mutex_unlock(&g.mu);
                if (wb_ledger_sync(g.writer) < 0)
                    log_line("sync: %s", wb_error_last());
                pthread_mutex_lock(&g.mu);
            }
        }
        if (!g.head) {
            pthread_mutex_unlock(&g.mu);
            /* last: serve everything the store holds */
            if (wb_ledger_sync(g.writer) < 0)
                log_line("sync: %s", wb_error_last());
            break;
        }
        for (n = 0; g.head && n < WB_LEDGER_MAX_BATCH; n++) {
            batch[n] = g.head;
            g.head = g.head->next;
            batch[n]->next = NULL;
        }
        if (!g.head)
            g.tail = NULL;
        g.queued -= n;
        pthread_mutex_unlock(&g.mu);

        if (!batch || !entries || !indexes) {
            for (i = 0; i < n; i++) {
                batch[i]->ok = false;
                snprintf(batch[i]->error, sizeof(batch[i]->error), "not appended: out of memory");
            }
        } else {
            /* one append (one transaction, one durability barrier) for all */
            struct timespec t0;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            append_group(batch, n, entries, indexes);
            wbd_cosigner_kick();
            if (g.log_batches)
                log_line("batch %zu in %.1fms", n, ms_since(&t0));
        }
        for (i = 0; i < n; i++)
            MHD_resume_connection(batch[i]->conn);
    }
    free(batch);
    free(entries);
    free(indexes);
    return NULL;
}

/* --- the witness (POST /add-checkpoint, witness_ep.c) --- */

/* The first call, headers only: a witness at all, who, how big. */
static enum MHD_Result start_witness(struct MHD_Connection *conn, request *req)
{
    const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    enum MHD_Result refused;
    unsigned roles = 0;
    uint64_t declared;

    if (!tlsw.witness)
        return send_error(conn, req, 404, "not_found",
                          "this server is not a witness (started without --witness-key)", NULL,
                          NULL);
    if (!authenticate(conn, req, &roles, &refused))
        return refused;
    if (!(roles & WB_ROLE_WITNESS))
        return send_error(conn, req, 403, "forbidden", "the party does not have the witness role",
                          NULL, NULL);
    if (length && (!wbd_parse_u64(&declared, length) || declared > WBD_WITNESS_BODY_MAX))
        return send_error(conn, req, 413, "too_large", "an add-checkpoint body is at most 64 KiB",
                          NULL, NULL);
    req->state = REQ_BODY;
    return MHD_YES;
}

/* The whole body is in: witness it (in this worker: the library's lock
 * serializes the witnesses of one state directory, and its fsyncs are few
 * next to the submissions'). */
static enum MHD_Result finish_witness(struct MHD_Connection *conn, request *req)
{
    wbd_witness_reply reply;
    enum MHD_Result ret;

    wbd_witness_answer(&reply, tlsw.witness, (const char *)req->body, req->body_len,
                       (uint64_t)time(NULL));
    if (reply.status == 500)
        log_line("%s %s: %s", req->method, req->path, reply.detail);
    if (reply.content_type)
        ret = send_response(conn, req, reply.status, reply.content_type, reply.body, reply.body_len,
                            "no-store", NULL, NULL);
    else
        ret = send_error(conn, req, reply.status, reply.error,
                         reply.status == 500 ? "the witness could not answer; see its log"
                                             : reply.detail,
                         NULL, NULL);
    wbd_witness_reply_clear(&reply);
    return ret;
}

/* The largest body the request's route takes. */
static size_t body_max(const request *req)
{
    return req->route.id == WBD_ROUTE_ADD_CHECKPOINT ? WBD_WITNESS_BODY_MAX : g.max_body;
}

/* --- the request handler --- */

typedef struct {
    wbd_query_arg args[WBD_QUERY_MAX + 1];
    size_t count;
} query_args;

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    query_args *q = cls;

    (void)kind;
    if (q->count < WBD_QUERY_MAX + 1)
        q->args[q->count] = (wbd_query_arg){.key = key, .value = value};
    q->count++;
    return MHD_YES;
}

static enum MHD_Result answer_get(struct MHD_Connection *conn, request *req, const wbd_route *route)
{
    switch (route->id) {
    case WBD_ROUTE_ERROR:
        return send_error(conn, req, route->status, route->error, route->detail,
                          route->allow ? "Allow" : NULL, route->allow);
    case WBD_ROUTE_CHECKPOINT:
        return answer_static(conn, req,
                             wbd_cosigner_enabled() ? WBD_WITNESSED_CHECKPOINT : "checkpoint",
                             "text/plain; charset=utf-8", "no-cache, max-age=1");
    case WBD_ROUTE_TILE:
        return answer_static(conn, req, route->tile_path, "application/octet-stream",
                             route->tile_width == 256 ? "public, max-age=31536000, immutable"
                                                      : "public, max-age=5");
    case WBD_ROUTE_ENTRY:
        return answer_entry(conn, req, route->index);
    case WBD_ROUTE_PROOF_INCLUSION:
        return answer_inclusion(conn, req, route);
    case WBD_ROUTE_PROOF_CONSISTENCY:
        return answer_consistency(conn, req, route);
    case WBD_ROUTE_SEARCH:
        return answer_search(conn, req, route);
    case WBD_ROUTE_SUBMIT:
    case WBD_ROUTE_ADD_CHECKPOINT:
        break;
    }
    return send_error(conn, req, 500, "internal", "unrouted", NULL, NULL);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    request *req = *con_cls;

    (void)cls;
    (void)version;
    if (!req) {
        query_args q = {.count = 0};

        req = calloc(1, sizeof(*req));
        if (!req)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &req->start);
        snprintf(req->method, sizeof(req->method), "%s", method);
        escape_path(req->path, sizeof(req->path), url);
        *con_cls = req;
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &q);
        wbd_route_parse(&req->route, method, url, q.args,
                        q.count > WBD_QUERY_MAX ? WBD_QUERY_MAX + 1 : q.count);
        if (req->route.id == WBD_ROUTE_SUBMIT)
            return start_submit(conn, req);
        if (req->route.id == WBD_ROUTE_ADD_CHECKPOINT)
            return start_witness(conn, req);
        /* answered on the next call, once the (empty) body is read:
         * libmicrohttpd closes a connection answered before that */
        req->state = REQ_ROUTED;
        return MHD_YES;
    }
    /* a body that trickles in is cut off after --timeout seconds in all
     * (libmicrohttpd's own timeout only closes connections that go quiet) */
    if (*upload_data_size && (req->state == REQ_ROUTED || req->state == REQ_BODY) &&
        ms_since(&req->start) > 1000.0 * g.timeout_s) {
        req->status = 408;
        return MHD_NO;
    }
    switch (req->state) {
    case REQ_ROUTED:
        if (*upload_data_size) {
            /* a body where none is taken: dropped, bounded by the same limit */
            if (*upload_data_size > g.max_body - req->body_len) {
                req->status = 413;
                return MHD_NO;
            }
            req->body_len += *upload_data_size;
            *upload_data_size = 0;
            return MHD_YES;
        }
        return answer_get(conn, req, &req->route);
    case REQ_BODY:
        if (*upload_data_size) {
            size_t len = *upload_data_size;
            *upload_data_size = 0;
            if (len > body_max(req) - req->body_len) {
                /* refused while receiving: the connection is closed, so
                 * no more of it is read */
                req->status = 413;
                free(req->body);
                req->body = NULL;
                return MHD_NO;
            }
            if (req->body_len + len > req->body_cap) {
                size_t cap = req->body_cap ? req->body_cap : 4096;
                unsigned char *grown;
                while (cap < req->body_len + len)
                    cap *= 2;
                if (cap > body_max(req))
                    cap = body_max(req);
                if (!(grown = realloc(req->body, cap))) {
                    req->status = 500;
                    return MHD_NO;
                }
                req->body = grown;
                req->body_cap = cap;
            }
            memcpy(req->body + req->body_len, upload_data, len);
            req->body_len += len;
            return MHD_YES;
        }
        if (req->route.id == WBD_ROUTE_ADD_CHECKPOINT)
            return finish_witness(conn, req);
        return finish_submit(conn, req);
    case REQ_WAITING:
        return answer_submit(conn, req);
    case REQ_ANSWERED:
        /* a body after an early answer: not read */
        *upload_data_size = 0;
        return MHD_YES;
    }
    return MHD_NO;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    request *req = *con_cls;

    (void)cls;
    (void)conn;
    if (!req)
        return;
    fprintf(stderr, "waybilld: %s %s %u %s %.1fms%s\n", req->method, req->path,
            req->status ? req->status : 0u, req->party[0] ? req->party : "-", ms_since(&req->start),
            toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection closed)");
    if (req->counted) {
        pthread_mutex_lock(&g.mu);
        if (--g.in_flight == 0)
            pthread_cond_broadcast(&g.idle_cv);
        pthread_mutex_unlock(&g.mu);
    }
    wb_ledger_prepared_free(req->sub.prepared);
    free(req->body);
    free(req);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char buf[512];

    (void)cls;
    vsnprintf(buf, sizeof(buf), fmt, ap);
    buf[strcspn(buf, "\n")] = '\0';
    log_line("libmicrohttpd: %s", buf);
}

/* --- main --- */

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: waybilld --ledger DIR [--store URL] --listen ADDR:PORT --tokens FILE\n"
        "                [--policy FILE] [--max-body BYTES] [--threads N] [--max-connections N]\n"
        "                [--max-per-ip N] [--timeout SECONDS] [--log-batches]\n"
        "                [--witnesses FILE [--witness-quorum K]]\n"
        "                [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]\n"
        "                [--witness-key KEY [--witness-name NAME] --witness-state DIR\n"
        "                 --witness-log VKEY [--witness-log VKEY ...]]\n"
        "\n"
        "Serve the ledger in DIR over HTTP (docs/server.md); with --store its\n"
        "entries are in that PostgreSQL database (postgresql://...), which several\n"
        "waybilld, each with its own DIR, may share. ADDR is an IPv4\n"
        "address or [IPv6]; PORT 0 picks a free port (logged at start).\n"
        "Without --policy, envelopes are logged without checking their signatures.\n"
        "With --tls-cert and --tls-key (PEM), HTTPS only; with --tls-client-ca,\n"
        "a client certificate verified against that CA and named by a\n"
        "cert-sha256: line of the tokens file authenticates like a token.\n"
        "With --witness-key, POST /add-checkpoint cosigns checkpoints of the\n"
        "logs given by --witness-log (c2sp.org/tlog-witness), for parties with\n"
        "the witness role.\n");
}

/* --- TLS and witness options --- */

static struct {
    const char *cert, *key, *client_ca;
    const char *witness_key, *witness_name, *witness_state;
    const char *witness_logs[WBD_WITNESS_MAX_LOGS];
    size_t n_witness_logs;
} tlsw_opts;

static int tlsw_option(int opt, const char *arg)
{
    switch (opt) {
    case 'C':
        tlsw_opts.cert = arg;
        break;
    case 'K':
        tlsw_opts.key = arg;
        break;
    case 'A':
        tlsw_opts.client_ca = arg;
        break;
    case 'W':
        tlsw_opts.witness_key = arg;
        break;
    case 'N':
        tlsw_opts.witness_name = arg;
        break;
    case 'S':
        tlsw_opts.witness_state = arg;
        break;
    case 'L':
        if (tlsw_opts.n_witness_logs == WBD_WITNESS_MAX_LOGS) {
            fprintf(stderr, "waybilld: at most %d --witness-log\n", WBD_WITNESS_MAX_LOGS);
            return -1;
        }
        tlsw_opts.witness_logs[tlsw_opts.n_witness_logs++] = arg;
        break;
    default:
        return -1;
    }
    return 0;
}

/* The options that go together, before anything is loaded. */
static int tlsw_check(void)
{
    if (!tlsw_opts.cert != !tlsw_opts.key) {
        fprintf(stderr, "waybilld: --tls-cert and --tls-key go together: %s is missing\n",
                tlsw_opts.cert ? "--tls-key" : "--tls-cert");
        return -1;
    }
    if (tlsw_opts.client_ca && !tlsw_opts.cert) {
        fprintf(stderr, "waybilld: --tls-client-ca needs --tls-cert and --tls-key\n");
        return -1;
    }
    if (!tlsw_opts.witness_key &&
        (tlsw_opts.witness_name || tlsw_opts.witness_state || tlsw_opts.n_witness_logs)) {
        fprintf(stderr, "waybilld: --witness-name, --witness-state and --witness-log need "
                        "--witness-key\n");
        return -1;
    }
    if (tlsw_opts.witness_key && (!tlsw_opts.witness_state || !tlsw_opts.n_witness_logs)) {
        fprintf(stderr, "waybilld: --witness-key needs --witness-state DIR and at least one "
                        "--witness-log VKEY\n");
        return -1;
    }
    return 0;
}

/* The libmicrohttpd options for TLS (none without it), for
 * MHD_OPTION_ARRAY. MHD keeps the pointers: tlsw.tls lives until the
 * daemon has stopped. */
static void tlsw_mhd_options(struct MHD_OptionItem items[4])
{
    size_t n = 0;

    if (tlsw.https) {
        items[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, tlsw.tls.cert};
        items[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, tlsw.tls.key};
        /* a trust list makes MHD ask for client certificates; it does not
         * verify them (wbd_tls_peer() does) */
        if (tlsw.client_certs)
            items[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, tlsw.tls.client_ca};
    }
    items[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
}

static int tlsw_load(void)
{
    if (tlsw_opts.cert) {
        if (wbd_tls_load(&tlsw.tls, tlsw_opts.cert, tlsw_opts.key, tlsw_opts.client_ca) < 0)
            return -1;
        tlsw.https = true;
        tlsw.client_certs = tlsw_opts.client_ca != NULL;
    }
    if (tlsw_opts.witness_key &&
        wbd_witness_new(&tlsw.witness, tlsw_opts.witness_key, tlsw_opts.witness_name,
                        tlsw_opts.witness_state, tlsw_opts.witness_logs,
                        tlsw_opts.n_witness_logs) < 0)
        return -1;
    return 0;
}

static int parse_listen(struct sockaddr_storage *out, socklen_t *out_len, const char *text)
{
    char host[256];
    const char *colon = strrchr(text, ':');
    struct addrinfo hints = {0}, *res = NULL;
    size_t host_len;

    if (!colon || colon == text || !colon[1])
        return -1;
    host_len = (size_t)(colon - text);
    if (text[0] == '[') {
        if (host_len < 3 || text[host_len - 1] != ']')
            return -1;
        text++;
        host_len -= 2;
    }
    if (host_len >= sizeof(host))
        return -1;
    memcpy(host, text, host_len);
    host[host_len] = '\0';
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || !res)
        return -1;
    memcpy(out, res->ai_addr, res->ai_addrlen);
    *out_len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static bool parse_count(unsigned *out, const char *text, unsigned min, unsigned max)
{
    uint64_t value;
    if (!wbd_parse_u64(&value, text) || value < min || value > max)
        return false;
    *out = (unsigned)value;
    return true;
}

static void reload_tokens(void)
{
    wb_tokens *fresh = NULL, *old;

    if (wb_tokens_load(&fresh, g.tokens_path) < 0) {
        log_line("SIGHUP: %s not reloaded, keeping the tokens loaded before: %s", g.tokens_path,
                 wb_error_last());
        return;
    }
    pthread_rwlock_wrlock(&g.tokens_lock);
    old = g.tokens;
    g.tokens = fresh;
    pthread_rwlock_unlock(&g.tokens_lock);
    wb_tokens_free(old);
    log_line("SIGHUP: reloaded %s", g.tokens_path);
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"ledger", required_argument, NULL, 'l'},
        {"store", required_argument, NULL, 's'},
        {"listen", required_argument, NULL, 'a'},
        {"tokens", required_argument, NULL, 't'},
        {"policy", required_argument, NULL, 'p'},
        {"max-body", required_argument, NULL, 'b'},
        {"threads", required_argument, NULL, 'j'},
        {"max-connections", required_argument, NULL, 'c'},
        {"max-per-ip", required_argument, NULL, 'i'},
        {"log-batches", no_argument, NULL, 'v'},
        {"witnesses", required_argument, NULL, 'w'},
        {"witness-quorum", required_argument, NULL, 'q'},
        {"timeout", required_argument, NULL, 'T'},
        {"tls-cert", required_argument, NULL, 'C'},
        {"tls-key", required_argument, NULL, 'K'},
        {"tls-client-ca", required_argument, NULL, 'A'},
        {"witness-key", required_argument, NULL, 'W'},
        {"witness-name", required_argument, NULL, 'N'},
        {"witness-state", required_argument, NULL, 'S'},
        {"witness-log", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *listen_text = NULL, *policy_path = NULL, *witnesses_path = NULL;
    unsigned witness_quorum = 0;
    struct sockaddr_storage addr;
    socklen_t addr_len = 0;
    unsigned threads = 0, max_connections = 1000, max_per_ip = 256;
    uint64_t max_body = DEFAULT_MAX_BODY;
    struct MHD_Daemon *daemon = NULL;
    struct MHD_OptionItem tls_options[4];
    const union MHD_DaemonInfo *info;
    sigset_t signals;
    bool sequencer_started = false;
    int opt, sig, status = 3;

    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'l':
            g.dir = optarg;
            break;
        case 's':
            g.store = optarg;
            break;
        case 'a':
            listen_text = optarg;
            break;
        case 't':
            g.tokens_path = optarg;
            break;
        case 'p':
            policy_path = optarg;
            break;
        case 'b':
            if (!wbd_parse_u64(&max_body, optarg) || max_body == 0 ||
                max_body > WB_STORE_MAX_ENTRY_SIZE) {
                fprintf(stderr, "waybilld: --max-body: 1 to %zu bytes\n", WB_STORE_MAX_ENTRY_SIZE);
                return 2;
            }
            break;
        case 'j':
            if (!parse_count(&threads, optarg, 1, 1024)) {
                fprintf(stderr, "waybilld: --threads: 1 to 1024\n");
                return 2;
            }
            break;
        case 'c':
            if (!parse_count(&max_connections, optarg, 1, 1000000)) {
                fprintf(stderr, "waybilld: --max-connections: 1 to 1000000\n");
                return 2;
            }
            break;
        case 'i':
            if (!parse_count(&max_per_ip, optarg, 1, 1000000)) {
                fprintf(stderr, "waybilld: --max-per-ip: 1 to 1000000\n");
                return 2;
            }
            break;
        case 'v':
            g.log_batches = true;
            break;
        case 'w':
            witnesses_path = optarg;
            break;
        case 'q':
            if (!parse_count(&witness_quorum, optarg, 1, WBD_WITNESSES_MAX)) {
                fprintf(stderr, "waybilld: --witness-quorum: 1 to %d\n", WBD_WITNESSES_MAX);
                return 2;
            }
            break;
        case 'T':
            if (!parse_count(&g.timeout_s, optarg, 1, 3600)) {
                fprintf(stderr, "waybilld: --timeout: 1 to 3600 seconds\n");
                return 2;
            }
            break;
        case 'C':
        case 'K':
        case 'A':
        case 'W':
        case 'N':
        case 'S':
        case 'L':
            if (tlsw_option(opt, optarg) < 0)
                return 2;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || !g.dir || !listen_text || !g.tokens_path) {
        usage(stderr);
        return 2;
    }
    if (parse_listen(&addr, &addr_len, listen_text) < 0) {
        fprintf(stderr, "waybilld: --listen %s: not ADDR:PORT with a numeric address\n",
                listen_text);
        return 2;
    }
    if (tlsw_check() < 0)
        return 2;
    g.max_body = (size_t)max_body;
    if (threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores > 0 && cores < 1024 ? (unsigned)cores : 1;
    }

    if (wb_tokens_load(&g.tokens, g.tokens_path) < 0) {
        fprintf(stderr, "waybilld: %s\n", wb_error_last());
        goto out;
    }
    if (policy_path && wb_policy_load(&g.policy, policy_path) < 0) {
        fprintf(stderr, "waybilld: %s\n", wb_error_last());
        goto out;
    }
    if (tlsw_load() < 0)
        goto out;
    if (witness_quorum && !witnesses_path) {
        fprintf(stderr, "waybilld: --witness-quorum needs --witnesses\n");
        goto out;
    }
    if (witnesses_path && wbd_cosigner_load(witnesses_path, witness_quorum) < 0)
        goto out;
    if (wb_ledger_open_at(&g.writer, g.dir, g.store, 0) < 0) {
        fprintf(stderr, "waybilld: %s\n", wb_error_last());
        goto out;
    }
    g.dir_fd = open(g.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (g.dir_fd < 0) {
        fprintf(stderr, "waybilld: %s: %s\n", g.dir, strerror(errno));
        goto out;
    }
    if (pthread_key_create(&g.reader_key, reader_free) != 0 ||
        pthread_cond_init(&g.queue_cv, NULL) != 0 || pthread_cond_init(&g.idle_cv, NULL) != 0) {
        fprintf(stderr, "waybilld: out of resources\n");
        goto out;
    }

    /* every thread started from here on inherits the mask: the signals
     * come to sigwait() below only */
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (pthread_create(&g.sequencer, NULL, sequencer_main, NULL) != 0) {
        fprintf(stderr, "waybilld: cannot start the sequencer thread\n");
        goto out;
    }
    sequencer_started = true;
    if (wbd_cosigner_start(g.dir, g.dir_fd, g.store, log_line) < 0)
        goto out;

    tlsw_mhd_options(tls_options);
    daemon = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
            (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) | (tlsw.https ? MHD_USE_TLS : 0),
        0, NULL, NULL, handle, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_ARRAY,
        tls_options, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
        threads, MHD_OPTION_CONNECTION_TIMEOUT, g.timeout_s, MHD_OPTION_CONNECTION_LIMIT,
        max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, max_per_ip,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY_MAX, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        1024u, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
    if (!daemon) {
        fprintf(stderr, "waybilld: cannot listen on %s\n", listen_text);
        goto out;
    }
    info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    log_line("serving %s on %s (port %u), %u threads, max body %zu bytes, %s", g.dir, listen_text,
             info ? (unsigned)info->port : 0u, threads, g.max_body,
             g.policy ? "policy checked" : "no policy: signatures are not checked");
    if (tlsw.https)
        log_line("HTTPS only%s", tlsw.client_certs ? "; client certificates verified against "
                                                     "--tls-client-ca and mapped by the tokens file"
                                                   : "");
    if (tlsw.witness)
        log_line("witness %s: POST /add-checkpoint for %zu log%s", wbd_witness_vkey(tlsw.witness),
                 tlsw_opts.n_witness_logs, tlsw_opts.n_witness_logs == 1 ? "" : "s");

    for (;;) {
        if (sigwait(&signals, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            reload_tokens();
            continue;
        }
        break;
    }
    log_line("%s: stopping: no new connections, finishing the appends in flight",
             sig == SIGINT ? "SIGINT" : "SIGTERM");
    {
        MHD_socket listen_fd = MHD_quiesce_daemon(daemon);
        if (listen_fd != MHD_INVALID_SOCKET)
            close(listen_fd);
    }
    pthread_mutex_lock(&g.mu);
    g.stopping = true;
    g.sequencer_exit = true;
    pthread_cond_signal(&g.queue_cv);
    pthread_mutex_unlock(&g.mu);
    pthread_join(g.sequencer, NULL);
    sequencer_started = false;
    wbd_cosigner_stop();
    /* the answers of what was appended go out before the connections close */
    {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += DRAIN_SECONDS;
        pthread_mutex_lock(&g.mu);
        while (g.in_flight > 0)
            if (pthread_cond_timedwait(&g.idle_cv, &g.mu, &deadline) == ETIMEDOUT)
                break;
        if (g.in_flight > 0)
            log_line("%zu answers not sent after %d s", g.in_flight, DRAIN_SECONDS);
        pthread_mutex_unlock(&g.mu);
    }
    MHD_stop_daemon(daemon);
    daemon = NULL;
    log_line("stopped");
    status = 0;
out:
    if (sequencer_started) {
        pthread_mutex_lock(&g.mu);
        g.sequencer_exit = true;
        pthread_cond_signal(&g.queue_cv);
        pthread_mutex_unlock(&g.mu);
        pthread_join(g.sequencer, NULL);
    }
    if (daemon)
        MHD_stop_daemon(daemon);
    wbd_cosigner_stop();
    wb_ledger_free(g.writer);
    wb_policy_free(g.policy);
    wb_tokens_free(g.tokens);
    wbd_witness_free(tlsw.witness);
    wbd_tls_clear(&tlsw.tls);
    if (g.dir_fd >= 0)
        close(g.dir_fd);
    return status;
}
