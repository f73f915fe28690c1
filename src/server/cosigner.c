/*
 * cosigner.c: gather witness cosignatures and publish only witnessed
 * checkpoints (cosigner.h, docs/server.md).
 *
 * One thread. Each round it reads the log's latest checkpoint; for every
 * witness that has not cosigned that size yet it POSTs
 *
 *     old <the witness's size>\n
 *     <consistency proof from that size, one base64 hash a line>
 *     \n
 *     <the signed checkpoint>
 *
 * to <url>/add-checkpoint (c2sp.org/tlog-witness). A 200 carries the
 * witness's cosignature line(s), which are kept only when they verify with
 * the witness's key over this very checkpoint (c2sp.org/tlog-cosignature);
 * a 409 carries the size the witness has (text/x.tlog.size), and the
 * request is made again once from there. Nothing a witness says is trusted
 * otherwise: a wrong size costs a round, never a wrong publication. When
 * the quorum has cosigned, the checkpoint and their lines are written to
 * DIR/checkpoint.witnessed (temporary file, fsync, rename, fsync of the
 * directory).
 *
 * libcurl is the HTTP client (as in the `waybill` command): TLS with the
 * system's CAs, no redirects, 10 s per request, answers bounded to 64 KiB.
 */
#include "cosigner.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <waybill/waybill.h>

#define ANSWER_MAX      ((size_t)64 << 10)
#define REQUEST_TIMEOUT 10L
#define TICK_SECONDS    2
#define TOKEN_FILE_MAX  4096
#define COSIG_LINES_MAX 8

typedef struct {
    char *url; /* without a trailing '/' */
    char *vkey_text;
    wb_note_verifier *vkey;
    char *token;   /* NULL: no Authorization header */
    uint64_t size; /* the size the witness has, as far as we know */
    bool has_lines;
    uint64_t cosigned; /* the size of the checkpoint of `lines` */
    char *lines;       /* its verified cosignature lines */
} witness;

static struct {
    witness list[WBD_WITNESSES_MAX];
    size_t count;
    unsigned quorum;
    const char *dir;
    const char *store;
    int dir_fd;
    wbd_log_fn log;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool kicked, stop;
    bool have_published;
    uint64_t published; /* size of the last checkpoint.witnessed written */
} c = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .cv = PTHREAD_COND_INITIALIZER,
    .dir_fd = -1,
};

bool wbd_cosigner_enabled(void)
{
    return c.count > 0;
}

static char *read_small_file(const char *path, size_t max, const char *what)
{
    FILE *f = fopen(path, "re");
    char *buf;
    size_t n;

    if (!f) {
        fprintf(stderr, "waybilld: %s %s: %s\n", what, path, strerror(errno));
        return NULL;
    }
    buf = malloc(max + 1);
    n = buf ? fread(buf, 1, max + 1, f) : 0;
    fclose(f);
    if (!buf) {
        fprintf(stderr, "waybilld: out of memory\n");
        return NULL;
    }
    if (n > max) {
        fprintf(stderr, "waybilld: %s %s: larger than %zu bytes\n", what, path, max);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* The first line of a token file, trimmed; printable ASCII only. */
static char *load_token(const char *path)
{
    char *text = read_small_file(path, TOKEN_FILE_MAX, "witness token file");
    size_t start = 0, end;
    struct stat st;

    if (!text)
        return NULL;
    if (stat(path, &st) == 0 && (st.st_mode & 077))
        fprintf(stderr, "waybilld: warning: %s may be read by others (chmod 600 it)\n", path);
    text[strcspn(text, "\r\n")] = '\0';
    while (text[start] == ' ' || text[start] == '\t')
        start++;
    end = strlen(text);
    while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\t'))
        end--;
    text[end] = '\0';
    memmove(text, text + start, end - start + 1);
    for (size_t i = 0; text[i]; i++)
        if (text[i] <= ' ' || text[i] > '~') {
            fprintf(stderr, "waybilld: %s: the token must be printable ASCII without spaces\n",
                    path);
            free(text);
            return NULL;
        }
    if (!*text) {
        fprintf(stderr, "waybilld: %s: no token on its first line\n", path);
        free(text);
        return NULL;
    }
    return text;
}

int wbd_cosigner_load(const char *path, unsigned quorum)
{
    char *text = read_small_file(path, WBD_WITNESSES_FILE_MAX, "--witnesses");
    char *line, *save = NULL;
    unsigned lineno = 0;

    if (!text)
        return -1;
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *fields[4] = {0}, *fsave = NULL, *f;
        size_t n = 0;
        witness *w;

        lineno++;
        line[strcspn(line, "#\r")] = '\0';
        for (f = strtok_r(line, " \t", &fsave); f && n < 4; f = strtok_r(NULL, " \t", &fsave))
            fields[n++] = f;
        if (n == 0)
            continue;
        if (n < 2 || n > 3) {
            fprintf(stderr, "waybilld: %s:%u: expected URL VKEY [TOKEN-FILE]\n", path, lineno);
            goto fail;
        }
        if (c.count == WBD_WITNESSES_MAX) {
            fprintf(stderr, "waybilld: %s: more than %d witnesses\n", path, WBD_WITNESSES_MAX);
            goto fail;
        }
        if (strncmp(fields[0], "https://", 8) != 0 && strncmp(fields[0], "http://", 7) != 0) {
            fprintf(stderr, "waybilld: %s:%u: the URL must be http:// or https://\n", path, lineno);
            goto fail;
        }
        w = &c.list[c.count];
        memset(w, 0, sizeof(*w));
        if (wb_note_verifier_parse(&w->vkey, fields[1], strlen(fields[1])) < 0) {
            fprintf(stderr, "waybilld: %s:%u: %s\n", path, lineno, wb_error_last());
            goto fail;
        }
        if (wb_note_verifier_type(w->vkey) != WB_NOTE_COSIGNATURE_V1) {
            fprintf(stderr, "waybilld: %s:%u: %s is not a cosignature (type 0x04) verifier key\n",
                    path, lineno, wb_note_verifier_name(w->vkey));
            wb_note_verifier_free(w->vkey);
            goto fail;
        }
        w->url = strdup(fields[0]);
        w->vkey_text = strdup(fields[1]);
        if (!w->url || !w->vkey_text) {
            fprintf(stderr, "waybilld: out of memory\n");
            free(w->url);
            free(w->vkey_text);
            wb_note_verifier_free(w->vkey);
            goto fail;
        }
        while (strlen(w->url) > 8 && w->url[strlen(w->url) - 1] == '/')
            w->url[strlen(w->url) - 1] = '\0';
        c.count++;
        if (n == 3 && !(w->token = load_token(fields[2])))
            goto fail;
    }
    free(text);
    if (c.count == 0) {
        fprintf(stderr, "waybilld: %s names no witness\n", path);
        return -1;
    }
    if (quorum > c.count) {
        fprintf(stderr, "waybilld: --witness-quorum %u, but %s names %zu witnesses\n", quorum, path,
                c.count);
        return -1;
    }
    c.quorum = quorum ? quorum : (unsigned)c.count;
    return 0;
fail:
    free(text);
    return -1;
}

/* --- one request --- */

typedef struct {
    char *data;
    size_t len;
    bool too_big;
} answer;

static size_t collect(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    answer *a = userdata;
    size_t n = size * nmemb;
    char *grown;

    if (n > ANSWER_MAX - a->len) {
        a->too_big = true;
        return 0; /* libcurl stops with CURLE_WRITE_ERROR */
    }
    if (!(grown = realloc(a->data, a->len + n + 1)))
        return 0;
    a->data = grown;
    memcpy(a->data + a->len, ptr, n);
    a->len += n;
    a->data[a->len] = '\0';
    return n;
}

/* POST `body` to the witness; *status gets the HTTP status (0 when there
 * was none), *content_type the answer's type (may be "") and *out its body. */
static int post(const witness *w, const char *body, size_t len, long *status, char *content_type,
                size_t ct_cap, answer *out)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    char url[2048], auth[600];
    char *ct = NULL;
    CURLcode rc;

    *status = 0;
    content_type[0] = '\0';
    if (!curl)
        return -1;
    snprintf(url, sizeof(url), "%s/add-checkpoint", w->url);
    headers = curl_slist_append(headers, "Content-Type: text/plain; charset=utf-8");
    if (w->token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", w->token);
        headers = curl_slist_append(headers, auth);
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, REQUEST_TIMEOUT);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
        if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
            snprintf(content_type, ct_cap, "%s", ct);
    } else {
        c.log("witness %s: %s", w->url,
              out->too_big ? "answer larger than 64 KiB" : curl_easy_strerror(rc));
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return rc == CURLE_OK ? 0 : -1;
}

/* The add-checkpoint body for a witness at `old` (0 < old: with the proof). */
static char *request_body(size_t *len, wb_ledger *ledger, uint64_t old, uint64_t size,
                          const char *note, size_t note_len)
{
    wb_ledger_consistency proof = {0};
    char *body = NULL;
    size_t cap, i, off;

    if (old > 0 && old < size && wb_ledger_prove_consistency(&proof, ledger, old, size) < 0)
        return NULL;
    cap = 32 + proof.proof_len * 48 + 1 + note_len + 1;
    if (!(body = malloc(cap)))
        return NULL;
    off = (size_t)snprintf(body, cap, "old %" PRIu64 "\n", old);
    for (i = 0; i < proof.proof_len; i++) {
        unsigned char b64[48];
        EVP_EncodeBlock(b64, proof.proof[i].bytes, WB_TLOG_HASH_LEN);
        off += (size_t)snprintf(body + off, cap - off, "%s\n", (const char *)b64);
    }
    body[off++] = '\n';
    memcpy(body + off, note, note_len);
    off += note_len;
    body[off] = '\0';
    *len = off;
    return body;
}

/* Keep the witness's answer when every line is a cosignature by its key
 * over exactly this checkpoint. */
static bool check_cosignature(witness *w, const char *note, size_t note_len, const char *lines,
                              size_t lines_len, uint64_t size)
{
    char *combined;
    wb_note *parsed = NULL;
    size_t i, count = 0;
    bool ok = false;

    if (lines_len == 0 || lines[lines_len - 1] != '\n')
        return false;
    for (i = 0; i < lines_len; i++)
        if (lines[i] == '\n')
            count++;
    if (count > COSIG_LINES_MAX || strncmp(lines, "\xe2\x80\x94 ", 4) != 0)
        return false;
    if (!(combined = malloc(note_len + lines_len + 1)))
        return false;
    memcpy(combined, note, note_len);
    memcpy(combined + note_len, lines, lines_len);
    combined[note_len + lines_len] = '\0';
    if (wb_note_parse(&parsed, combined, note_len + lines_len) == 0 &&
        wb_note_signature_count(parsed) >= count + 1 && wb_cosig_verify(NULL, parsed, w->vkey) == 0)
        ok = true;
    else
        wb_error_clear();
    wb_note_free(parsed);
    free(combined);
    if (ok) {
        char *copy = strndup(lines, lines_len);
        if (!copy)
            return false;
        free(w->lines);
        w->lines = copy;
        w->has_lines = true;
        w->cosigned = size;
        w->size = size;
    }
    return ok;
}

/* Ask one witness to cosign the checkpoint of `size`. */
static void ask(witness *w, wb_ledger *ledger, const char *note, size_t note_len, uint64_t size)
{
    int attempt;

    for (attempt = 0; attempt < 2; attempt++) {
        answer a = {0};
        char type[128];
        long status;
        size_t len = 0;
        char *body = request_body(&len, ledger, w->size, size, note, note_len);

        if (!body) {
            c.log("witness %s: no consistency proof from %" PRIu64 " to %" PRIu64 ": %s", w->url,
                  w->size, size, wb_error_last());
            w->size = 0; /* start over from nothing next round */
            return;
        }
        if (post(w, body, len, &status, type, sizeof(type), &a) < 0) {
            free(body);
            free(a.data);
            return;
        }
        free(body);
        if (status == 200) {
            if (!check_cosignature(w, note, note_len, a.data ? a.data : "", a.len, size))
                c.log("witness %s: 200, but no valid cosignature by %s over size %" PRIu64, w->url,
                      wb_note_verifier_name(w->vkey), size);
            free(a.data);
            return;
        }
        if (status == 409 && strncmp(type, "text/x.tlog.size", 16) == 0 && a.data) {
            char *end;
            unsigned long long has;
            bool bad;
            errno = 0;
            has = strtoull(a.data, &end, 10);
            bad = errno || end == a.data || (*end && *end != '\n') || has > size;
            free(a.data);
            if (bad) {
                c.log("witness %s: 409 with a size it cannot have", w->url);
                return;
            }
            w->size = has;
            continue;
        }
        c.log("witness %s: %ld: %.200s", w->url, status, a.data ? a.data : "");
        free(a.data);
        return;
    }
}

/* Write the checkpoint with the quorum's lines to checkpoint.witnessed. */
static int publish(const char *note, size_t note_len, uint64_t size)
{
    char tmp[64];
    int fd, err = 0;
    size_t i;
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", WBD_WITNESSED_CHECKPOINT, (long)getpid());
    fd = openat(c.dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        c.log("%s/%s: %s", c.dir, tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    fwrite(note, 1, note_len, f);
    for (i = 0; i < c.count; i++)
        if (c.list[i].has_lines && c.list[i].cosigned == size)
            fputs(c.list[i].lines, f);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        err = errno;
    if (fclose(f) != 0 && !err)
        err = errno;
    if (!err && renameat(c.dir_fd, tmp, c.dir_fd, WBD_WITNESSED_CHECKPOINT) != 0)
        err = errno;
    if (!err && fsync(c.dir_fd) != 0)
        err = errno;
    if (err) {
        unlinkat(c.dir_fd, tmp, 0);
        c.log("%s/%s: %s", c.dir, WBD_WITNESSED_CHECKPOINT, strerror(err));
        return -1;
    }
    return 0;
}

static void round_once(wb_ledger *ledger)
{
    char *note = NULL;
    size_t note_len = 0, i;
    wb_checkpoint *cp = NULL;
    wb_note *parsed = NULL;
    unsigned have = 0;

    if (wb_ledger_checkpoint(&note, &note_len, ledger) < 0) {
        c.log("witnessing: %s", wb_error_last());
        return;
    }
    /* the log's own checkpoint, which the library verified on open; only
     * its size is read here */
    if (wb_note_parse(&parsed, note, note_len) < 0 ||
        wb_checkpoint_parse(&cp, wb_note_text(parsed, NULL), strlen(wb_note_text(parsed, NULL))) <
            0) {
        c.log("witnessing: the log's checkpoint: %s", wb_error_last());
        goto out;
    }
    if (c.have_published && cp->size <= c.published)
        goto out;
    for (i = 0; i < c.count; i++) {
        if (!c.list[i].has_lines || c.list[i].cosigned != cp->size)
            ask(&c.list[i], ledger, note, note_len, cp->size);
        if (c.list[i].has_lines && c.list[i].cosigned == cp->size)
            have++;
    }
    if (have >= c.quorum) {
        if (publish(note, note_len, cp->size) == 0) {
            c.log("checkpoint %" PRIu64 " witnessed by %u of %zu", cp->size, have, c.count);
            c.published = cp->size;
            c.have_published = true;
        }
    } else {
        c.log("checkpoint %" PRIu64 ": %u of %u cosignatures needed; not published", cp->size, have,
              c.quorum);
    }
out:
    wb_checkpoint_free(cp);
    wb_note_free(parsed);
    wb_free(note);
}

static void *cosigner_main(void *arg)
{
    wb_ledger *ledger = NULL;

    (void)arg;
    for (;;) {
        struct timespec until;

        pthread_mutex_lock(&c.mu);
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += TICK_SECONDS;
        while (!c.kicked && !c.stop)
            if (pthread_cond_timedwait(&c.cv, &c.mu, &until) == ETIMEDOUT)
                break;
        c.kicked = false;
        if (c.stop) {
            pthread_mutex_unlock(&c.mu);
            break;
        }
        pthread_mutex_unlock(&c.mu);
        if (!ledger && wb_ledger_open_at(&ledger, c.dir, c.store, WB_LEDGER_OPEN_NO_REPAIR) < 0) {
            c.log("witnessing: %s", wb_error_last());
            ledger = NULL;
            continue;
        }
        round_once(ledger);
    }
    wb_ledger_free(ledger);
    return NULL;
}

int wbd_cosigner_start(const char *dir, int dir_fd, const char *store, wbd_log_fn log)
{
    size_t i;

    if (!c.count)
        return 0;
    c.dir = dir;
    c.dir_fd = dir_fd;
    c.store = store;
    c.log = log;
    /* what was published before a restart stays the floor */
    {
        int fd = openat(dir_fd, WBD_WITNESSED_CHECKPOINT, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            char buf[256];
            ssize_t n = read(fd, buf, sizeof(buf) - 1);
            close(fd);
            if (n > 0) {
                char *nl;
                buf[n] = '\0';
                if ((nl = strchr(buf, '\n'))) {
                    c.published = strtoull(nl + 1, NULL, 10);
                    c.have_published = true;
                }
            }
        }
    }
    for (i = 0; i < c.count; i++)
        c.list[i].size = 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "waybilld: libcurl did not initialize\n");
        return -1;
    }
    if (pthread_create(&c.thread, NULL, cosigner_main, NULL) != 0) {
        fprintf(stderr, "waybilld: cannot start the witnessing thread\n");
        return -1;
    }
    c.started = true;
    wbd_cosigner_kick();
    return 0;
}

void wbd_cosigner_kick(void)
{
    if (!c.count)
        return;
    pthread_mutex_lock(&c.mu);
    c.kicked = true;
    pthread_cond_signal(&c.cv);
    pthread_mutex_unlock(&c.mu);
}

void wbd_cosigner_stop(void)
{
    size_t i;

    if (c.started) {
        pthread_mutex_lock(&c.mu);
        c.stop = true;
        pthread_cond_signal(&c.cv);
        pthread_mutex_unlock(&c.mu);
        pthread_join(c.thread, NULL);
        c.started = false;
        curl_global_cleanup();
    }
    for (i = 0; i < c.count; i++) {
        free(c.list[i].url);
        free(c.list[i].vkey_text);
        wb_note_verifier_free(c.list[i].vkey);
        if (c.list[i].token) {
            explicit_bzero(c.list[i].token, strlen(c.list[i].token));
            free(c.list[i].token);
        }
        free(c.list[i].lines);
    }
    c.count = 0;
}
