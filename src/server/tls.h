/*
 * tls.h: waybilld's TLS and mutual TLS (docs/server.md).
 *
 * libmicrohttpd does the TLS (with GnuTLS, as Debian builds it) from PEM
 * held in memory; this module reads those files with bounds and checks
 * them with GnuTLS before the daemon starts, so that a wrong file is named
 * at start rather than failing every handshake. With a client CA,
 * libmicrohttpd asks every client for a certificate but does not check it:
 * wbd_tls_peer() verifies the chain against that CA (and the TLS client
 * purpose) and hands back the SHA-256 of the certificate's DER, which the
 * tokens file maps to a party (cert-sha256: lines, waybill/auth.h).
 */
#ifndef WAYBILLD_TLS_H
#define WAYBILLD_TLS_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

/* Bound on a PEM file (certificate chain, key, CA bundle) and on any other
 * small file waybilld reads at start (keys). */
#define WBD_SMALL_FILE_MAX ((size_t)256 << 10)

/* The PEM text libmicrohttpd is given, NUL-terminated; it keeps pointers
 * to them while the daemon runs. */
typedef struct wbd_tls {
    char *cert;      /* --tls-cert: the server's certificate (chain) */
    char *key;       /* --tls-key: its private key */
    char *client_ca; /* --tls-client-ca, or NULL: no client certificates */
    size_t key_len;
} wbd_tls;

/* Read a regular file of at most `max` bytes whole, NUL-terminated, with
 * no NUL inside (free()). `what` names the option in messages. On failure
 * print "waybilld: WHAT FILE: why" on stderr and return -1. */
int wbd_read_small_file(char **out, size_t *out_len, const char *path, size_t max,
                        const char *what);

/* Read and check the PEM files: the certificate and key must load as a
 * pair, the CA file must hold at least one certificate. `client_ca` may be
 * NULL. Errors are printed (naming the file); returns 0 or -1. */
int wbd_tls_load(wbd_tls *out, const char *cert_path, const char *key_path,
                 const char *client_ca_path);

/* Wipe the key and free everything; a zeroed wbd_tls is a no-op. */
void wbd_tls_clear(wbd_tls *tls);

typedef enum {
    WBD_PEER_NONE,       /* plain HTTP, or no client certificate sent */
    WBD_PEER_VERIFIED,   /* a certificate that chains to the client CA */
    WBD_PEER_UNVERIFIED, /* a certificate that does not (why says how) */
} wbd_peer;

/* The client certificate of `conn`, verified against the client CA the
 * daemon was started with: its DER's SHA-256 in `digest` when verified.
 * `why` gets a reason for WBD_PEER_UNVERIFIED. */
wbd_peer wbd_tls_peer(struct MHD_Connection *conn, unsigned char digest[32], char *why,
                      size_t why_len);

#endif
