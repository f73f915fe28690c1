/*
 * http.c: the `waybill` tool's HTTP client over libcurl easy handles, and
 * the few waybilld calls the commands make (docs/server.md, "Client").
 *
 * Nothing that comes back is trusted for being fetched: bundles are
 * verified against the log key, checkpoints opened with it, consistency
 * proofs checked against roots the caller already trusts. So the transport
 * needs only to keep the bearer token secret and to keep a hostile server
 * from exhausting the client. Its policy:
 *
 *  - https://, or plain http:// only to a loopback address (localhost,
 *    127.0.0.0/8, [::1]), so a token never crosses a network in clear;
 *    plain HTTP never goes through a proxy (CURLOPT_NOPROXY "*");
 *  - redirects are not followed (a token must not follow one), and only
 *    the http and https protocols are enabled;
 *  - every answer is bounded (CURLOPT_MAXFILESIZE for a declared length,
 *    and the write callback for the bytes actually received), with a
 *    connect timeout of 10 s and a whole-request timeout (--timeout);
 *  - 503 with Retry-After (waybilld's "queue full" and "append failed",
 *    where nothing was appended) is retried at most HTTP_TRIES times in
 *    all, waiting what the server asks up to HTTP_RETRY_MAX_WAIT seconds;
 *  - errors name the method, the URL, the status and the server's JSON
 *    "detail" (control characters escaped, cut at DETAIL_MAX bytes).
 *
 * One exit path per function with `goto out`, as in the commands.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "http.h"
#include "wb_config.h"

#define HTTP_TRIES           4
#define HTTP_RETRY_MAX_WAIT  10
#define HTTP_CONNECT_TIMEOUT 10L
#define HTTP_DEFAULT_TIMEOUT 60L
#define TOKEN_FILE_MAX       4096
#define DETAIL_MAX           300
#define CHECKPOINT_MAX       ((size_t)1 << 20)
/* a bundle beyond its envelope's base64: checkpoint, proof, members */
#define BUNDLE_SLACK ((size_t)4 << 20)

static bool curl_ready;

static int http_init(void)
{
    if (curl_ready)
        return EXIT_OK;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        cli_errorf("libcurl failed to initialize");
        return EXIT_ERROR;
    }
    atexit(curl_global_cleanup);
    curl_ready = true;
    return EXIT_OK;
}

int cli_http_parse_option(cli_http_config *cfg, int opt, const char *arg, const char *cmd_name)
{
    size_t seconds;

    switch (opt) {
    case CLI_OPT_SERVER:
        cfg->server = arg;
        return EXIT_OK;
    case CLI_OPT_TOKEN_FILE:
        cfg->token_file = arg;
        return EXIT_OK;
    case CLI_OPT_CACERT:
        cfg->cacert = arg;
        return EXIT_OK;
    case CLI_OPT_CLIENT_CERT:
        cfg->client_cert = arg;
        return EXIT_OK;
    case CLI_OPT_CLIENT_KEY:
        cfg->client_key = arg;
        return EXIT_OK;
    case CLI_OPT_TIMEOUT:
        if (!cli_parse_count(&seconds, arg) || seconds > 3600)
            return cli_usage_error(cmd_name, "--timeout needs a number of seconds from 1 to 3600");
        cfg->timeout = (long)seconds;
        return EXIT_OK;
    default:
        return -1;
    }
}

bool cli_http_has_options(const cli_http_config *cfg)
{
    return cfg->token_file || cfg->cacert || cfg->client_cert || cfg->client_key || cfg->timeout;
}

/* localhost, 127.0.0.0/8, ::1 (curl gives IPv6 hosts in brackets) */
static bool host_is_loopback(const char *host)
{
    unsigned char addr[16];
    char v6[64];
    size_t len = strlen(host);

    if (strcasecmp(host, "localhost") == 0)
        return true;
    if (inet_pton(AF_INET, host, addr) == 1)
        return addr[0] == 127;
    if (len > 2 && len < sizeof(v6) + 2 && host[0] == '[' && host[len - 1] == ']') {
        memcpy(v6, host + 1, len - 2);
        v6[len - 2] = '\0';
        if (inet_pton(AF_INET6, v6, addr) == 1) {
            static const unsigned char loopback[16] = {[15] = 1};
            return memcmp(addr, loopback, sizeof(loopback)) == 0;
        }
    }
    return false;
}

/* https://, or http:// to a loopback host; no query, fragment or
 * credentials in the base URL. Returns an exit status; errors reported. */
static int check_url(const char *url, const char *cmd_name)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL, *query = NULL, *fragment = NULL;
    int status = EXIT_OK;

    if (!u) {
        cli_errorf("out of memory");
        return EXIT_ERROR;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        status =
            cli_usage_error(cmd_name, "--server %s: not a URL (https://HOST[:PORT][/PATH])", url);
        goto out;
    }
    curl_url_get(u, CURLUPART_USER, &user, 0);
    curl_url_get(u, CURLUPART_QUERY, &query, 0);
    curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0);
    if (user || query || fragment) {
        status = cli_usage_error(cmd_name,
                                 "--server %s: give the base URL alone, without credentials, "
                                 "query or fragment (tokens go in --token-file)",
                                 url);
        goto out;
    }
    if (strcmp(scheme, "https") == 0)
        goto out;
    if (strcmp(scheme, "http") != 0) {
        status = cli_usage_error(cmd_name, "--server %s: only https:// and http:// URLs", url);
        goto out;
    }
    if (!host_is_loopback(host)) {
        status = cli_usage_error(cmd_name,
                                 "--server %s: plain http:// only to a loopback address "
                                 "(localhost, 127.0.0.1, [::1]); use https://",
                                 url);
        goto out;
    }
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(query);
    curl_free(fragment);
    curl_url_cleanup(u);
    return status;
}

int cli_http_load_token(char **out, const char *path)
{
    char buf[TOKEN_FILE_MAX + 1];
    struct stat st;
    ssize_t got;
    size_t used = 0, start, end, i;
    int fd, status = EXIT_ERROR;

    *out = NULL;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        cli_errorf("--token-file %s: %s", path, strerror(errno));
        return EXIT_ERROR;
    }
    if (fstat(fd, &st) < 0) {
        cli_errorf("--token-file %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        cli_errorf("--token-file %s: not a regular file", path);
        goto out;
    }
    if (st.st_mode & 077) {
        cli_errorf("--token-file %s: readable or writable by group or others (mode %04o); "
                   "refusing to use it: run chmod 600 %s",
                   path, (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    for (;;) {
        got = read(fd, buf + used, sizeof(buf) - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            cli_errorf("--token-file %s: %s", path, strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        used += (size_t)got;
        if (used == sizeof(buf)) {
            cli_errorf("--token-file %s: larger than %d bytes; not a token file", path,
                       TOKEN_FILE_MAX);
            goto out;
        }
    }
    /* the first line, whitespace around it trimmed */
    for (end = 0; end < used && buf[end] != '\n'; end++)
        ;
    for (start = 0; start < end && (buf[start] == ' ' || buf[start] == '\t'); start++)
        ;
    while (end > start && (buf[end - 1] == ' ' || buf[end - 1] == '\t' || buf[end - 1] == '\r'))
        end--;
    if (start == end) {
        cli_errorf("--token-file %s: the first line holds no token", path);
        goto out;
    }
    for (i = start; i < end; i++)
        if (buf[i] < 0x21 || buf[i] > 0x7e) {
            cli_errorf("--token-file %s: the token must be printable ASCII without spaces", path);
            goto out;
        }
    *out = malloc(end - start + 1);
    if (!*out) {
        cli_errorf("out of memory");
        goto out;
    }
    memcpy(*out, buf + start, end - start);
    (*out)[end - start] = '\0';
    status = EXIT_OK;
out:
    OPENSSL_cleanse(buf, sizeof(buf));
    close(fd);
    return status;
}

int cli_http_prepare(cli_http_config *cfg, bool need_token, const char *cmd_name)
{
    int status;

    if (!cfg->server)
        return cli_usage_error(cmd_name, "--server URL is missing");
    if ((status = check_url(cfg->server, cmd_name)) != EXIT_OK)
        return status;
    if ((cfg->client_cert == NULL) != (cfg->client_key == NULL))
        return cli_usage_error(cmd_name, "--client-cert and --client-key go together");
    if (need_token && !cfg->token_file && !cfg->client_cert)
        return cli_usage_error(cmd_name, "--server needs --token-file FILE (or a client "
                                         "certificate, --client-cert and --client-key) to submit");
    if (cfg->token_file && !cfg->token)
        if ((status = cli_http_load_token(&cfg->token, cfg->token_file)) != EXIT_OK)
            return status;
    return http_init();
}

void cli_http_config_clear(cli_http_config *cfg)
{
    if (cfg->token) {
        OPENSSL_cleanse(cfg->token, strlen(cfg->token));
        free(cfg->token);
        cfg->token = NULL;
    }
}

void cli_http_response_clear(cli_http_response *resp)
{
    free(resp->body);
    free(resp->content_type);
    free(resp->url);
    memset(resp, 0, sizeof(*resp));
}

/* The body as it arrives, refused beyond `max` bytes. */
typedef struct {
    char *data;
    size_t len, cap, max;
    bool too_big;
} body_buffer;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    body_buffer *b = userdata;
    size_t n = size * nmemb;

    if (n > b->max - b->len) {
        b->too_big = true;
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *grown;
        while (cap < b->len + n + 1)
            cap = cap > b->max ? b->max + 1 : cap * 2;
        grown = realloc(b->data, cap);
        if (!grown)
            return 0;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* One request. EXIT_OK with *out filled (any status), or the transport
 * error reported. *retry_after gets the Retry-After of a 503 (0: none). */
static int request_once(cli_http_response *out, long *retry_after, const cli_http_config *cfg,
                        const char *method, const char *url, const char *content_type,
                        const void *body, size_t len, size_t max)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL, *grown;
    char errbuf[CURL_ERROR_SIZE] = "", *auth = NULL;
    body_buffer buf = {.max = max};
    curl_off_t wait = 0;
    char *ctype = NULL;
    bool plain = strncmp(url, "http://", 7) == 0;
    CURLcode rc;
    int status = EXIT_ERROR;

    *retry_after = 0;
    if (!curl) {
        cli_errorf("%s %s: libcurl failed to start a request", method, url);
        return EXIT_ERROR;
    }
#define ADD_HEADER(h)                                                                              \
    do {                                                                                           \
        if (!(grown = curl_slist_append(headers, (h))))                                            \
            goto nomem;                                                                            \
        headers = grown;                                                                           \
    } while (0)
    ADD_HEADER("Accept: application/json, application/vnd.waybill.bundle.v1+json, text/plain");
    ADD_HEADER("Expect:");
    if (content_type) {
        char line[256];
        snprintf(line, sizeof(line), "Content-Type: %s", content_type);
        ADD_HEADER(line);
    }
    if (cfg->token && strcmp(method, "POST") == 0) {
        if (asprintf(&auth, "Authorization: Bearer %s", cfg->token) < 0) {
            auth = NULL;
            goto nomem;
        }
        ADD_HEADER(auth);
    }
#undef ADD_HEADER
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "waybill/" WB_VERSION);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, HTTP_CONNECT_TIMEOUT);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, cfg->timeout > 0 ? cfg->timeout : HTTP_DEFAULT_TIMEOUT);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buf);
    if (plain)
        curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    if (cfg->cacert)
        curl_easy_setopt(curl, CURLOPT_CAINFO, cfg->cacert);
    if (cfg->client_cert) {
        curl_easy_setopt(curl, CURLOPT_SSLCERT, cfg->client_cert);
        curl_easy_setopt(curl, CURLOPT_SSLKEY, cfg->client_key);
    }
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    rc = curl_easy_perform(curl);
    if (rc == CURLE_FILESIZE_EXCEEDED || (rc == CURLE_WRITE_ERROR && buf.too_big)) {
        cli_errorf("%s %s: the answer is larger than %zu bytes; refusing it", method, url, max);
        goto out;
    }
    if (rc != CURLE_OK) {
        cli_errorf("%s %s: %s", method, url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
        goto out;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ctype);
    curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &wait);
    if (out->status == 503 && wait > 0)
        *retry_after = wait > 1000000 ? 1000000 : (long)wait;
    if (!buf.data && !(buf.data = calloc(1, 1)))
        goto nomem;
    out->url = strdup(url);
    out->content_type = ctype ? strdup(ctype) : NULL;
    if (!out->url || (ctype && !out->content_type))
        goto nomem;
    out->body = buf.data;
    out->len = buf.len;
    out->method = method;
    buf.data = NULL;
    status = EXIT_OK;
    goto out;
nomem:
    cli_errorf("%s %s: out of memory", method, url);
out:
    if (status != EXIT_OK)
        cli_http_response_clear(out);
    free(buf.data);
    if (auth) {
        OPENSSL_cleanse(auth, strlen(auth));
        free(auth);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return status;
}

static int request(cli_http_response *out, const cli_http_config *cfg, const char *method,
                   const char *path, const char *content_type, const void *body, size_t len,
                   size_t max)
{
    size_t base_len = strlen(cfg->server);
    char *url = NULL;
    long retry_after = 0;
    int tries, status;

    memset(out, 0, sizeof(*out));
    if ((status = http_init()) != EXIT_OK)
        return status;
    while (base_len > 0 && cfg->server[base_len - 1] == '/')
        base_len--;
    if (asprintf(&url, "%.*s%s", (int)base_len, cfg->server, path) < 0) {
        cli_errorf("out of memory");
        return EXIT_ERROR;
    }
    for (tries = 1;; tries++) {
        status = request_once(out, &retry_after, cfg, method, url, content_type, body, len, max);
        if (status != EXIT_OK || out->status != 503 || retry_after == 0 || tries == HTTP_TRIES ||
            retry_after > HTTP_RETRY_MAX_WAIT)
            break;
        fprintf(stderr, "waybill: %s %s: 503, retrying in %ld s (try %d of %d)\n", method, url,
                retry_after, tries + 1, HTTP_TRIES);
        cli_http_response_clear(out);
        sleep((unsigned)retry_after);
    }
    free(url);
    return status;
}

int cli_http_get(cli_http_response *out, const cli_http_config *cfg, const char *path, size_t max)
{
    return request(out, cfg, "GET", path, NULL, NULL, 0, max);
}

int cli_http_post(cli_http_response *out, const cli_http_config *cfg, const char *path,
                  const char *content_type, const void *body, size_t len, size_t max)
{
    return request(out, cfg, "POST", path, content_type, body, len, max);
}

bool cli_http_content_type_is(const cli_http_response *resp, const char *type)
{
    size_t n = strlen(type);
    const char *ct = resp->content_type;

    if (!ct || strncasecmp(ct, type, n) != 0)
        return false;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static const char *reason(long status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return NULL;
    }
}

int cli_http_fail_status(const cli_http_response *resp, const char *what)
{
    json_t *doc = NULL;
    char cut[DETAIL_MAX + 1], *shown = NULL;
    const char *detail = NULL, *name = reason(resp->status);
    size_t n;

    if (cli_http_content_type_is(resp, "application/json") &&
        (doc = json_loadb(resp->body, resp->len, JSON_REJECT_DUPLICATES, NULL)) &&
        json_is_object(doc)) {
        detail = json_string_value(json_object_get(doc, "detail"));
        if (!detail)
            detail = json_string_value(json_object_get(doc, "error"));
    } else if (cli_http_content_type_is(resp, "text/plain") && resp->len > 0) {
        detail = resp->body; /* tlog-witness errors are plain text */
    }
    if (detail) {
        n = strnlen(detail, DETAIL_MAX);
        memcpy(cut, detail, n);
        cut[n] = '\0';
        while (n > 0 && (cut[n - 1] == '\n' || cut[n - 1] == '\r'))
            cut[--n] = '\0';
        shown = wb_path_display(cut);
    }
    cli_errorf("%s%s%s %s: HTTP %ld%s%s%s%s%s", what ? what : "", what ? ": " : "", resp->method,
               resp->url, resp->status, name ? " (" : "", name ? name : "", name ? ")" : "",
               shown && *shown ? ": " : "", shown ? shown : "");
    wb_free(shown);
    json_decref(doc);
    return resp->status >= 400 && resp->status < 500 ? EXIT_VERIFY : EXIT_ERROR;
}

/* --- waybilld --- */

int cli_server_submit(wb_bundle **bundle_out, char **text_out, size_t *text_len,
                      const cli_http_config *cfg, const wb_note_verifier *log_key, const void *data,
                      size_t len, const char *name)
{
    cli_http_response resp = {0};
    wb_bundle *bundle = NULL;
    const unsigned char *logged;
    size_t logged_len = 0, max;
    int rc, status;

    *bundle_out = NULL;
    *text_out = NULL;
    *text_len = 0;
    /* the envelope in base64 and room for the checkpoint and the proof:
     * a server cannot make us hold more than that */
    max = len / 3 * 4 + 4 + BUNDLE_SLACK;
    if (max > WB_BUNDLE_MAX_SIZE)
        max = WB_BUNDLE_MAX_SIZE;
    status = cli_http_post(&resp, cfg, "/v1/entries", "application/vnd.dsse.envelope+json", data,
                           len, max);
    if (status != EXIT_OK)
        goto out;
    if (resp.status != 201) {
        status = cli_http_fail_status(&resp, name);
        goto out;
    }
    if (!cli_http_content_type_is(&resp, WB_BUNDLE_MEDIA_TYPE)) {
        cli_errorf("%s: POST %s: answered Content-Type %s, not a bundle (%s); nothing written",
                   name, resp.url, resp.content_type ? resp.content_type : "(none)",
                   WB_BUNDLE_MEDIA_TYPE);
        status = EXIT_ERROR;
        goto out;
    }
    if ((rc = wb_bundle_parse(&bundle, resp.body, resp.len, resp.url)) < 0) {
        cli_errorf("%s: the server's answer is not a bundle: %s; nothing written", name,
                   wb_error_last());
        status = EXIT_ERROR;
        goto out;
    }
    logged = wb_bundle_envelope(bundle, &logged_len);
    if (logged_len != len || !wb_digest_equal(logged, data, len)) {
        cli_errorf("%s: the bundle from %s holds another envelope than the one submitted; "
                   "nothing written",
                   name, resp.url);
        status = EXIT_VERIFY;
        goto out;
    }
    rc = wb_bundle_verify(NULL, NULL, bundle, log_key, NULL, 1);
    if (rc < 0) {
        cli_errorf("%s: the bundle from %s does not verify with the log key %s: %s; nothing "
                   "written",
                   name, resp.url, wb_note_verifier_name(log_key), wb_error_last());
        status = rc == WB_EVERIFY ? EXIT_VERIFY : EXIT_ERROR;
        goto out;
    }
    *bundle_out = bundle;
    bundle = NULL;
    *text_out = resp.body;
    *text_len = resp.len;
    resp.body = NULL;
out:
    wb_bundle_free(bundle);
    cli_http_response_clear(&resp);
    return status;
}

int cli_server_checkpoint(wb_checkpoint **out, char **note_out, size_t *note_len,
                          const cli_http_config *cfg, const wb_note_verifier *log_key)
{
    cli_http_response resp = {0};
    int rc, status;

    *out = NULL;
    if (note_out)
        *note_out = NULL;
    if ((status = cli_http_get(&resp, cfg, "/checkpoint", CHECKPOINT_MAX)) != EXIT_OK)
        goto out;
    if (resp.status != 200) {
        status = cli_http_fail_status(&resp, NULL);
        goto out;
    }
    rc =
        wb_checkpoint_open(out, NULL, resp.body, resp.len, wb_note_verifier_name(log_key), log_key);
    if (rc < 0) {
        cli_errorf("GET %s: the checkpoint does not verify with the log key %s: %s", resp.url,
                   wb_note_verifier_name(log_key), wb_error_last());
        status = rc == WB_EVERIFY ? EXIT_VERIFY : EXIT_ERROR;
        goto out;
    }
    if (note_out) {
        *note_out = resp.body;
        *note_len = resp.len;
        resp.body = NULL;
    }
out:
    cli_http_response_clear(&resp);
    return status;
}

int cli_server_consistency(wb_witness_proof *out, const cli_http_config *cfg, uint64_t from,
                           uint64_t to)
{
    cli_http_response resp = {0};
    char path[96];
    int rc, status;

    snprintf(path, sizeof(path), "/v1/proof/consistency?from=%" PRIu64 "&to=%" PRIu64, from, to);
    if ((status = cli_http_get(&resp, cfg, path, WB_WITNESS_PROOF_MAX_SIZE)) != EXIT_OK)
        goto out;
    if (resp.status != 200) {
        status = cli_http_fail_status(&resp, NULL);
        goto out;
    }
    if ((rc = wb_witness_proof_parse(out, resp.body, resp.len, resp.url)) < 0) {
        cli_errorf("GET %s: %s", resp.url, wb_error_last());
        status = EXIT_ERROR;
        goto out;
    }
    if (out->from != from || out->to != to) {
        cli_errorf("GET %s: answered the proof from %" PRIu64 " to %" PRIu64 " instead", resp.url,
                   out->from, out->to);
        status = EXIT_VERIFY;
    }
out:
    cli_http_response_clear(&resp);
    return status;
}

int cli_server_check_consistent(wb_checkpoint **current_out, const cli_http_config *cfg,
                                const wb_note_verifier *log_key, const wb_checkpoint *cp)
{
    wb_checkpoint *current = NULL;
    wb_witness_proof proof;
    int rc, status;

    if (current_out)
        *current_out = NULL;
    if ((status = cli_server_checkpoint(&current, NULL, NULL, cfg, log_key)) != EXIT_OK)
        goto out;
    if (current->size < cp->size) {
        cli_errorf("%s: the log's checkpoint has %" PRIu64 " entries, fewer than the %" PRIu64
                   " of the checkpoint given: the server shows an older or another tree "
                   "(rollback or fork)",
                   cfg->server, current->size, cp->size);
        status = EXIT_VERIFY;
        goto out;
    }
    if (current->size == cp->size) {
        if (!wb_digest_equal(current->root.bytes, cp->root.bytes, WB_TLOG_HASH_LEN)) {
            cli_errorf("%s: the log's checkpoint of size %" PRIu64
                       " has another root than the checkpoint given: a fork (split view)",
                       cfg->server, cp->size);
            status = EXIT_VERIFY;
        }
        goto out;
    }
    if (cp->size == 0)
        goto out; /* every tree extends the empty one */
    if ((status = cli_server_consistency(&proof, cfg, cp->size, current->size)) != EXIT_OK)
        goto out;
    /* against the roots of the two signed checkpoints, never the proof's own */
    rc = wb_tlog_verify_consistency(cp->size, current->size, proof.hashes, proof.n_hashes,
                                    &cp->root, &current->root);
    if (rc < 0) {
        cli_errorf("%s: the log of %" PRIu64 " entries is not consistent with the checkpoint "
                   "of %" PRIu64 " given (a fork): %s",
                   cfg->server, current->size, cp->size, wb_error_last());
        status = rc == WB_EVERIFY ? EXIT_VERIFY : EXIT_ERROR;
    }
out:
    if (status == EXIT_OK && current_out)
        *current_out = current;
    else
        wb_checkpoint_free(current);
    return status;
}
