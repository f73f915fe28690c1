/*
 * tls.c: waybilld's TLS files and client certificates (tls.h,
 * docs/server.md).
 *
 * The files are read once at start, each bounded (WBD_SMALL_FILE_MAX) and
 * refused when not a regular file, and loaded into a throwaway GnuTLS
 * credential to check them: a certificate that does not match its key, a
 * key that does not parse, a CA file with no certificate are named at
 * start, where libmicrohttpd would only fail later and vaguely. The key's
 * copy is wiped when the daemon has stopped.
 *
 * Client certificates: libmicrohttpd, given a trust list
 * (MHD_OPTION_HTTPS_MEM_TRUST), asks clients for a certificate
 * (GNUTLS_CERT_REQUEST) and loads the CA into the session's credentials,
 * but never verifies what the client sends; a handshake with any
 * certificate, or none, succeeds. So every use of a client certificate goes
 * through wbd_tls_peer(), which has GnuTLS verify the peer's chain against
 * that CA, for the TLS client purpose, and only then hashes the leaf
 * certificate's DER. Nothing about an unverified certificate is looked up.
 * A client that sends no certificate is not refused by TLS: it may still
 * present a bearer token.
 */
#include "tls.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <waybill/waybill.h>

int wbd_read_small_file(char **out, size_t *out_len, const char *path, size_t max, const char *what)
{
    struct stat st;
    char *data = NULL;
    size_t got = 0;
    int fd, ret = -1;

    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        fprintf(stderr, "waybilld: %s %s: %s\n", what, path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        fprintf(stderr, "waybilld: %s %s: %s\n", what, path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        fprintf(stderr, "waybilld: %s %s: not a regular file\n", what, path);
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        fprintf(stderr, "waybilld: %s %s: %jd bytes, more than the limit of %zu\n", what, path,
                (intmax_t)st.st_size, max);
        goto out;
    }
    data = malloc((size_t)st.st_size + 1);
    if (!data) {
        fprintf(stderr, "waybilld: %s %s: out of memory\n", what, path);
        goto out;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "waybilld: %s %s: %s\n", what, path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    data[got] = '\0';
    if (memchr(data, '\0', got)) {
        fprintf(stderr, "waybilld: %s %s: holds a NUL byte; not a text (PEM) file\n", what, path);
        goto out;
    }
    *out = data;
    if (out_len)
        *out_len = got;
    data = NULL;
    ret = 0;
out:
    if (data) {
        explicit_bzero(data, (size_t)st.st_size + 1);
        free(data);
    }
    close(fd);
    return ret;
}

void wbd_tls_clear(wbd_tls *tls)
{
    if (tls->key) {
        explicit_bzero(tls->key, tls->key_len);
        free(tls->key);
    }
    free(tls->cert);
    free(tls->client_ca);
    memset(tls, 0, sizeof(*tls));
}

int wbd_tls_load(wbd_tls *out, const char *cert_path, const char *key_path,
                 const char *client_ca_path)
{
    gnutls_certificate_credentials_t cred = NULL;
    gnutls_datum_t cert, key, ca;
    size_t cert_len = 0, ca_len = 0;
    int rc, ret = -1;

    memset(out, 0, sizeof(*out));
    if (wbd_read_small_file(&out->cert, &cert_len, cert_path, WBD_SMALL_FILE_MAX, "--tls-cert") <
            0 ||
        wbd_read_small_file(&out->key, &out->key_len, key_path, WBD_SMALL_FILE_MAX, "--tls-key") <
            0 ||
        (client_ca_path && wbd_read_small_file(&out->client_ca, &ca_len, client_ca_path,
                                               WBD_SMALL_FILE_MAX, "--tls-client-ca") < 0))
        goto out;
    if ((rc = gnutls_certificate_allocate_credentials(&cred)) < 0) {
        fprintf(stderr, "waybilld: TLS: %s\n", gnutls_strerror(rc));
        goto out;
    }
    cert = (gnutls_datum_t){(unsigned char *)out->cert, (unsigned)cert_len};
    key = (gnutls_datum_t){(unsigned char *)out->key, (unsigned)out->key_len};
    rc = gnutls_certificate_set_x509_key_mem2(cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (rc < 0) {
        fprintf(stderr, "waybilld: --tls-cert %s, --tls-key %s: %s\n", cert_path, key_path,
                gnutls_strerror(rc));
        goto out;
    }
    if (client_ca_path) {
        ca = (gnutls_datum_t){(unsigned char *)out->client_ca, (unsigned)ca_len};
        rc = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
        if (rc <= 0) {
            fprintf(stderr, "waybilld: --tls-client-ca %s: %s\n", client_ca_path,
                    rc < 0 ? gnutls_strerror(rc) : "no PEM certificate in it");
            goto out;
        }
    }
    ret = 0;
out:
    if (cred)
        gnutls_certificate_free_credentials(cred);
    if (ret < 0)
        wbd_tls_clear(out);
    return ret;
}

wbd_peer wbd_tls_peer(struct MHD_Connection *conn, unsigned char digest[32], char *why,
                      size_t why_len)
{
    const union MHD_ConnectionInfo *info;
    const gnutls_datum_t *chain;
    gnutls_session_t session;
    gnutls_datum_t printed = {NULL, 0};
    /* the leaf must be for TLS clients (extendedKeyUsage clientAuth, or no
     * extendedKeyUsage at all) */
    gnutls_typed_vdata_st purpose = {
        .type = GNUTLS_DT_KEY_PURPOSE_OID,
        .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT,
        .size = 0,
    };
    unsigned int n = 0, status = 0;
    int rc;

    why[0] = '\0';
    info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!info || !info->tls_session)
        return WBD_PEER_NONE;
    session = (gnutls_session_t)info->tls_session;
    chain = gnutls_certificate_get_peers(session, &n);
    if (!chain || n == 0)
        return WBD_PEER_NONE;
    rc = gnutls_certificate_verify_peers(session, &purpose, 1, &status);
    if (rc < 0) {
        snprintf(why, why_len, "%s", gnutls_strerror(rc));
        return WBD_PEER_UNVERIFIED;
    }
    if (status != 0) {
        if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &printed, 0) ==
                0 &&
            printed.data) {
            size_t len;
            snprintf(why, why_len, "%s", (const char *)printed.data);
            gnutls_free(printed.data);
            len = strlen(why);
            while (len > 0 && why[len - 1] == ' ')
                why[--len] = '\0';
        } else {
            snprintf(why, why_len, "does not verify (status 0x%x)", status);
        }
        return WBD_PEER_UNVERIFIED;
    }
    if (wb_digest_buffer(digest, WB_DIGEST_SHA256, chain[0].data, chain[0].size) < 0) {
        snprintf(why, why_len, "%s", wb_error_last());
        return WBD_PEER_UNVERIFIED;
    }
    return WBD_PEER_VERIFIED;
}
