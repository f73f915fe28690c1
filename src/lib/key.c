/*
 * key.c: Ed25519, ECDSA P-256 and RSA-PSS keys on OpenSSL 3 EVP.
 *
 * A wb_key is an EVP_PKEY plus the securesystemslib view of it (keytype,
 * scheme, the "public" string) from which the key id is computed: hex
 * SHA-256 of the OLPC canonical JSON of
 *   {"keyid_hash_algorithms":["sha256","sha512"],"keytype":T,
 *    "keyval":{"public":P},"scheme":S}
 * exactly as securesystemslib 0.26 (_get_keyid) does, so waybill and in-toto
 * name a key the same way. Keys read from securesystemslib JSON keep their
 * strings verbatim: re-encoding a PEM could change a byte and with it the id.
 *
 * Loading never prompts for a password: encrypted keys (PEM or
 * securesystemslib) are recognised and refused with a message. Private keys
 * whose file is readable by group or others are refused, like ssh does.
 * Secret bytes that pass through our buffers are wiped with OPENSSL_cleanse.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "internal.h"

/* a key file is a few KiB; anything much larger is not a key */
#define WB_KEY_FILE_MAX (64 * 1024)

struct wb_key {
    wb_key_type type;
    EVP_PKEY *pkey;
    bool has_private;
    char *sslib_keytype;
    char *sslib_scheme;
    char *sslib_public;
    char keyid[WB_KEYID_HEX_LEN + 1];
};

struct wb_keyring {
    wb_key **keys;
    size_t count, cap;
};

static int crypto_error(const char *what, const char *name)
{
    unsigned long e = ERR_peek_last_error();
    char detail[256] = "";
    if (e)
        ERR_error_string_n(e, detail, sizeof(detail));
    ERR_clear_error();
    return wb_error_set(WB_ECRYPTO, "%s: %s%s%s", name, what, detail[0] ? ": " : "", detail);
}

const char *wb_key_type_name(wb_key_type type)
{
    switch (type) {
    case WB_KEY_ED25519:
        return "ed25519";
    case WB_KEY_ECDSA_P256:
        return "ecdsa-p256";
    case WB_KEY_RSA_PSS:
        return "rsa-pss";
    default:
        return "unknown";
    }
}

static const char *default_keytype(wb_key_type type)
{
    switch (type) {
    case WB_KEY_ED25519:
        return "ed25519";
    case WB_KEY_ECDSA_P256:
        return "ecdsa";
    default:
        return "rsa";
    }
}

static const char *default_scheme(wb_key_type type)
{
    switch (type) {
    case WB_KEY_ED25519:
        return "ed25519";
    case WB_KEY_ECDSA_P256:
        return "ecdsa-sha2-nistp256";
    default:
        return "rsassa-pss-sha256";
    }
}

void wb_key_free(wb_key *key)
{
    if (!key)
        return;
    EVP_PKEY_free(key->pkey);
    wb_free(key->sslib_keytype);
    wb_free(key->sslib_scheme);
    wb_free(key->sslib_public);
    wb_free(key);
}

const char *wb_key_id(const wb_key *key)
{
    return key ? key->keyid : "";
}

wb_key_type wb_key_get_type(const wb_key *key)
{
    return key->type;
}

const char *wb_key_scheme(const wb_key *key)
{
    return key->sslib_scheme;
}

int wb_key_has_private(const wb_key *key)
{
    return key && key->has_private;
}

/* The securesystemslib public-key object, as its keyid is computed over. */
static json_t *sslib_public_object(const char *keytype, const char *scheme, const char *public)
{
    return json_pack("{s:[s,s], s:s, s:{s:s}, s:s}", "keyid_hash_algorithms", "sha256", "sha512",
                     "keytype", keytype, "keyval", "public", public, "scheme", scheme);
}

static int compute_keyid(wb_key *key)
{
    json_t *obj = sslib_public_object(key->sslib_keytype, key->sslib_scheme, key->sslib_public);
    unsigned char digest[WB_SHA256_LEN];
    char *canonical = NULL;
    size_t len;
    int rc;

    if (!obj)
        return wb_error_set(WB_ENOMEM, "key: out of memory");
    rc = wb_json_canonical_olpc(&canonical, &len, obj);
    if (rc == 0)
        rc = wb_digest_buffer(digest, WB_DIGEST_SHA256, canonical, len);
    if (rc == 0)
        wb_hex_encode(key->keyid, digest, sizeof(digest));
    wb_free(canonical);
    json_decref(obj);
    return rc;
}

/* SPKI PEM of `pkey` as OpenSSL writes it (64-column lines, final newline). */
static int pkey_public_pem(char **out, EVP_PKEY *pkey)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
    long len;
    int rc = 0;

    *out = NULL;
    if (!bio)
        return wb_error_set(WB_ENOMEM, "key: out of memory");
    if (PEM_write_bio_PUBKEY(bio, pkey) != 1) {
        rc = crypto_error("cannot encode the public key", "key");
        goto out;
    }
    len = BIO_get_mem_data(bio, &data);
    *out = wb_strndup(data, (size_t)len);
    if (!*out)
        rc = wb_error_set(WB_ENOMEM, "key: out of memory");
out:
    BIO_free(bio);
    return rc;
}

/* Classify `pkey`; refuse curves and algorithms we do not sign with. */
static int classify(wb_key_type *out, EVP_PKEY *pkey, const char *name)
{
    char group[64];
    size_t group_len = 0;

    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_ED25519:
        *out = WB_KEY_ED25519;
        return 0;
    case EVP_PKEY_EC:
        if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                           &group_len) != 1 ||
            (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0)) {
            ERR_clear_error();
            return wb_error_set(WB_EUNSUPPORTED,
                                "%s: ECDSA key on curve %s; only P-256 is supported", name,
                                group_len ? group : "(unknown)");
        }
        *out = WB_KEY_ECDSA_P256;
        return 0;
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
        if (EVP_PKEY_get_bits(pkey) < 2048)
            return wb_error_set(WB_EUNSUPPORTED, "%s: RSA key of %d bits; at least 2048 required",
                                name, EVP_PKEY_get_bits(pkey));
        *out = WB_KEY_RSA_PSS;
        return 0;
    default:
        return wb_error_set(WB_EUNSUPPORTED,
                            "%s: unsupported key algorithm (ed25519, ecdsa P-256 or rsa expected)",
                            name);
    }
}

/* The securesystemslib "public" string derived from the key itself. */
static int derive_sslib_public(char **out, wb_key_type type, EVP_PKEY *pkey)
{
    unsigned char raw[32];
    size_t raw_len = sizeof(raw);
    int rc;

    if (type == WB_KEY_ED25519) {
        if (EVP_PKEY_get_raw_public_key(pkey, raw, &raw_len) != 1 || raw_len != 32)
            return crypto_error("cannot read the Ed25519 public key", "key");
        *out = wb_malloc(65);
        if (!*out)
            return wb_error_set(WB_ENOMEM, "key: out of memory");
        wb_hex_encode(*out, raw, 32);
        return 0;
    }
    rc = pkey_public_pem(out, pkey);
    if (rc == 0 && type == WB_KEY_RSA_PSS) {
        /* securesystemslib's PEM import keeps no trailing newline for RSA */
        size_t len = strlen(*out);
        while (len > 0 && ((*out)[len - 1] == '\n' || (*out)[len - 1] == '\r'))
            (*out)[--len] = '\0';
    }
    return rc;
}

/* Wrap `pkey` (ownership taken) in a wb_key. Strings NULL: derive them. */
static int key_wrap(wb_key **out, EVP_PKEY *pkey, bool has_private, const char *keytype,
                    const char *scheme, const char *public, const char *name)
{
    wb_key *key;
    int rc;

    *out = NULL;
    key = wb_calloc(1, sizeof(*key));
    if (!key) {
        EVP_PKEY_free(pkey);
        return wb_error_set(WB_ENOMEM, "%s: out of memory", name);
    }
    key->pkey = pkey;
    key->has_private = has_private;
    rc = classify(&key->type, pkey, name);
    if (rc < 0)
        goto fail;
    key->sslib_keytype = wb_strdup(keytype ? keytype : default_keytype(key->type));
    key->sslib_scheme = wb_strdup(scheme ? scheme : default_scheme(key->type));
    if (!key->sslib_keytype || !key->sslib_scheme) {
        rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
        goto fail;
    }
    if (public) {
        key->sslib_public = wb_strdup(public);
        if (!key->sslib_public) {
            rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
            goto fail;
        }
    } else {
        rc = derive_sslib_public(&key->sslib_public, key->type, pkey);
        if (rc < 0)
            goto fail;
    }
    rc = compute_keyid(key);
    if (rc < 0)
        goto fail;
    *out = key;
    return 0;
fail:
    wb_key_free(key);
    return rc;
}

int wb_key_generate(wb_key **out, wb_key_type type)
{
    EVP_PKEY *pkey = NULL;

    if (!out)
        return wb_error_set(WB_EINVAL, "keygen: no output");
    *out = NULL;
    switch (type) {
    case WB_KEY_ED25519:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        break;
    case WB_KEY_ECDSA_P256:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        break;
    default:
        return wb_error_set(WB_EUNSUPPORTED, "keygen: cannot generate %s keys",
                            wb_key_type_name(type));
    }
    if (!pkey)
        return crypto_error("key generation failed", "keygen");
    return key_wrap(out, pkey, true, NULL, NULL, NULL, "keygen");
}

static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

static bool contains(const char *buf, size_t len, const char *needle)
{
    return memmem(buf, len, needle, strlen(needle)) != NULL;
}

static int check_pair(EVP_PKEY *pkey, wb_key_type type, const char *name);

static int parse_pem(wb_key **out, const char *buf, size_t len, const char *name)
{
    BIO *bio;
    EVP_PKEY *pkey;
    bool private_key;

    if (contains(buf, len, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
        contains(buf, len, "Proc-Type: 4,ENCRYPTED"))
        return wb_error_set(WB_EUNSUPPORTED,
                            "%s: the private key is encrypted; waybill reads unencrypted PKCS#8 "
                            "keys (protect the file with its permissions, 0600)",
                            name);
    if (len > INT32_MAX)
        return wb_error_set(WB_ELIMIT, "%s: too large for a key", name);
    private_key = contains(buf, len, "PRIVATE KEY-----");
    bio = BIO_new_mem_buf(buf, (int)len);
    if (!bio)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", name);
    pkey = private_key ? PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL)
                       : PEM_read_bio_PUBKEY(bio, NULL, no_password, NULL);
    BIO_free(bio);
    if (!pkey) {
        ERR_clear_error();
        return wb_error_set(WB_EFORMAT, "%s: not a valid PEM %s key", name,
                            private_key ? "private" : "public");
    }
    if (private_key) {
        wb_key_type type;
        int rc = classify(&type, pkey, name);
        if (rc == 0)
            rc = check_pair(pkey, type, name);
        if (rc < 0) {
            EVP_PKEY_free(pkey);
            return rc;
        }
    }
    return key_wrap(out, pkey, private_key, NULL, NULL, NULL, name);
}

static int pem_public_from_string(EVP_PKEY **out, const char *pem, const char *name)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (!bio)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", name);
    *out = PEM_read_bio_PUBKEY(bio, NULL, no_password, NULL);
    BIO_free(bio);
    if (!*out) {
        ERR_clear_error();
        return wb_error_set(WB_EFORMAT, "%s: keyval.public is not a valid PEM public key", name);
    }
    return 0;
}

/* 1 when a and b hold the same public key, 0 when not */
static int same_public(EVP_PKEY *a, EVP_PKEY *b)
{
    int r = EVP_PKEY_eq(a, b);
    ERR_clear_error();
    return r == 1;
}

/* Refuse a private key whose halves do not belong together: it would sign
 * what its own public key (and so its id) does not verify. OpenSSL's
 * pairwise check covers EC and RSA; a sign-and-verify round trip covers
 * every type, Ed25519 included. */
static int check_pair(EVP_PKEY *pkey, wb_key_type type, const char *name)
{
    static const unsigned char probe[] = "waybill key pairwise check";
    wb_key tmp = {.type = type, .pkey = pkey, .has_private = true, .keyid = "(pairwise check)"};
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    int ok;

    ok = wb_key_sign(&sig, &sig_len, &tmp, probe, sizeof(probe));
    if (ok == WB_ENOMEM)
        return ok;
    if (ok < 0) {
        ERR_clear_error();
        return wb_error_set(WB_EFORMAT, "%s: the private key cannot sign; it is malformed", name);
    }
    ok = wb_key_verify(&tmp, probe, sizeof(probe), sig, sig_len);
    wb_free(sig);
    if (ok == WB_ENOMEM)
        return ok;
    if (ok != 0)
        return wb_error_set(WB_EFORMAT,
                            "%s: the private key does not match its public key; refusing it", name);
    return 0;
}

/* A securesystemslib key object; `allow_private` also reads keyval.private. */
static int parse_sslib_object(wb_key **out, const json_t *obj, bool allow_private, const char *name)
{
    const char *keytype, *scheme, *public, *private = NULL, *file_keyid = NULL;
    json_t *keyval, *priv_json, *id_json;
    EVP_PKEY *pkey = NULL, *pub_pkey = NULL;
    wb_key_type type;
    int rc;

    *out = NULL;
    if (!json_is_object(obj))
        return wb_error_set(WB_EFORMAT, "%s: a key must be a JSON object", name);
    keytype = json_string_value(json_object_get(obj, "keytype"));
    scheme = json_string_value(json_object_get(obj, "scheme"));
    keyval = json_object_get(obj, "keyval");
    public = json_string_value(json_object_get(keyval, "public"));
    if (!keytype || !scheme || !json_is_object(keyval) || !public)
        return wb_error_set(WB_EFORMAT,
                            "%s: key needs string fields keytype, scheme and "
                            "keyval.public",
                            name);
    priv_json = json_object_get(keyval, "private");
    if (allow_private && json_is_string(priv_json) && json_string_length(priv_json) > 0)
    private = json_string_value(priv_json);
    id_json = json_object_get(obj, "keyid");
    if (id_json && !json_is_string(id_json))
        return wb_error_set(WB_EFORMAT, "%s: \"keyid\" must be a string", name);
    if (id_json)
        file_keyid = json_string_value(id_json);

    if (strcmp(keytype, "ed25519") == 0 && strcmp(scheme, "ed25519") == 0) {
        unsigned char raw[32];
        size_t raw_len;
        type = WB_KEY_ED25519;
        if (strlen(public) != 64 || wb_hex_decode(raw, sizeof(raw), &raw_len, public, 64) < 0)
            return wb_error_set(WB_EFORMAT, "%s: ed25519 keyval.public must be 64 hex digits",
                                name);
        pub_pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32);
        if (!pub_pkey)
            return crypto_error("invalid Ed25519 public key", name);
        if (private) {
            unsigned char seed[32];
            size_t seed_len;
            if (strlen(private) != 64 ||
                wb_hex_decode(seed, sizeof(seed), &seed_len, private, 64) < 0) {
                rc = wb_error_set(WB_EFORMAT, "%s: ed25519 keyval.private must be 64 hex digits",
                                  name);
                goto out;
            }
            pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
            OPENSSL_cleanse(seed, sizeof(seed));
            if (!pkey) {
                rc = crypto_error("invalid Ed25519 private key", name);
                goto out;
            }
        }
    } else if ((strcmp(keytype, "ecdsa") == 0 || strcmp(keytype, "ecdsa-sha2-nistp256") == 0) &&
               strcmp(scheme, "ecdsa-sha2-nistp256") == 0) {
        type = WB_KEY_ECDSA_P256;
        rc = pem_public_from_string(&pub_pkey, public, name);
        if (rc < 0)
            return rc;
        if (private) {
            BIO *bio = BIO_new_mem_buf(private, -1);
            if (!bio) {
                rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
                goto out;
            }
            pkey = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
            BIO_free(bio);
            if (!pkey) {
                rc = crypto_error("keyval.private is not a valid PEM private key", name);
                goto out;
            }
        }
    } else if (strcmp(keytype, "rsa") == 0 && strcmp(scheme, "rsassa-pss-sha256") == 0) {
        type = WB_KEY_RSA_PSS;
        rc = pem_public_from_string(&pub_pkey, public, name);
        if (rc < 0)
            return rc;
        if (private) {
            BIO *bio = BIO_new_mem_buf(private, -1);
            if (!bio) {
                rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
                goto out;
            }
            pkey = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
            BIO_free(bio);
            if (!pkey) {
                rc = crypto_error("keyval.private is not a valid PEM private key", name);
                goto out;
            }
        }
    } else {
        return wb_error_set(WB_EUNSUPPORTED, "%s: unsupported keytype/scheme %s/%s", name, keytype,
                            scheme);
    }
    {
        /* the declared algorithm must be the one the key material is */
        wb_key_type found;
        if ((rc = classify(&found, pub_pkey, name)) < 0)
            goto out;
        if (found != type) {
            rc = wb_error_set(WB_EFORMAT, "%s: keytype %s / scheme %s, but the public key is %s",
                              name, keytype, scheme, wb_key_type_name(found));
            goto out;
        }
        if (pkey) {
            if ((rc = classify(&found, pkey, name)) < 0)
                goto out;
            if (found != type) {
                rc = wb_error_set(WB_EFORMAT,
                                  "%s: keytype %s / scheme %s, but the private key is %s", name,
                                  keytype, scheme, wb_key_type_name(found));
                goto out;
            }
            if ((rc = check_pair(pkey, type, name)) < 0)
                goto out;
        }
    }
    if (pkey && !same_public(pkey, pub_pkey)) {
        rc = wb_error_set(WB_EFORMAT, "%s: keyval.private does not belong to keyval.public", name);
        goto out;
    }
    rc = key_wrap(out, pkey ? pkey : pub_pkey, pkey != NULL, keytype, scheme, public, name);
    if (pkey)
        EVP_PKEY_free(pub_pkey);
    pkey = pub_pkey = NULL;
    if (rc < 0)
        goto out;
    if (file_keyid && strcmp(file_keyid, (*out)->keyid) != 0) {
        rc = wb_error_set(WB_EFORMAT, "%s: the file says keyid %s but the key's id is %s", name,
                          file_keyid, (*out)->keyid);
        wb_key_free(*out);
        *out = NULL;
    }
out:
    EVP_PKEY_free(pkey);
    EVP_PKEY_free(pub_pkey);
    return rc;
}

int wb_key_from_sslib_json(wb_key **out, const json_t *obj, const char *name)
{
    if (!out || !obj)
        return wb_error_set(WB_EINVAL, "key: invalid argument");
    return parse_sslib_object(out, obj, false, name ? name : "key");
}

/* securesystemslib's encrypted key files: hex fields joined by "@@@@" */
static bool looks_sslib_encrypted(const char *buf, size_t len)
{
    return len > 0 && buf[0] != '{' && contains(buf, len, "@@@@");
}

int wb_key_parse(wb_key **out, const char *buf, size_t len, const char *name)
{
    size_t skip = 0;
    json_t *obj = NULL;
    int rc;

    if (!out || (!buf && len))
        return wb_error_set(WB_EINVAL, "key: invalid argument");
    *out = NULL;
    if (!name)
        name = "key";
    while (skip < len &&
           (buf[skip] == ' ' || buf[skip] == '\n' || buf[skip] == '\r' || buf[skip] == '\t'))
        skip++;
    if (skip < len && buf[skip] == '{') {
        rc = wb_json_parse(&obj, buf, len, name);
        if (rc < 0)
            return rc;
        rc = parse_sslib_object(out, obj, true, name);
        json_decref(obj);
        return rc;
    }
    if (contains(buf, len, "-----BEGIN "))
        return parse_pem(out, buf, len, name);
    if (looks_sslib_encrypted(buf, len))
        return wb_error_set(WB_EUNSUPPORTED,
                            "%s: an encrypted securesystemslib key; waybill cannot decrypt it "
                            "(write it unencrypted with in-toto-keygen without -p)",
                            name);
    return wb_error_set(WB_EFORMAT, "%s: not a PEM or securesystemslib JSON key", name);
}

int wb_key_load(wb_key **out, const char *path)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    int fd, rc;

    if (!out || !path)
        return wb_error_set(WB_EINVAL, "key: invalid argument");
    *out = NULL;
    fd = wb_open_read(path);
    if (fd < 0)
        return fd;
    /* the permissions checked are those of the file read: same descriptor */
    if (fstat(fd, &st) < 0) {
        rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
        close(fd);
        return rc;
    }
    rc = wb_read_fd(&buf, &len, fd, path, WB_KEY_FILE_MAX);
    close(fd);
    if (rc < 0)
        return rc;
    rc = wb_key_parse(out, buf, len, path);
    OPENSSL_cleanse(buf, len);
    wb_free(buf);
    if (rc == 0 && (*out)->has_private && (st.st_mode & 077)) {
        wb_key_free(*out);
        *out = NULL;
        return wb_error_set(WB_EPERM,
                            "%s: private key file is accessible by group or others (mode %04o); "
                            "refusing to use it: run chmod 600 %s",
                            path, (unsigned)(st.st_mode & 07777), path);
    }
    return rc;
}

int wb_key_public_pem(char **out, const wb_key *key)
{
    if (!out || !key)
        return wb_error_set(WB_EINVAL, "key: invalid argument");
    return pkey_public_pem(out, key->pkey);
}

int wb_key_to_sslib_json(json_t **out, const wb_key *key)
{
    if (!out || !key)
        return wb_error_set(WB_EINVAL, "key: invalid argument");
    *out = sslib_public_object(key->sslib_keytype, key->sslib_scheme, key->sslib_public);
    return *out ? 0 : wb_error_set(WB_ENOMEM, "key: out of memory");
}

int wb_key_public(wb_key **out, const wb_key *key)
{
    unsigned char *der = NULL;
    const unsigned char *p;
    EVP_PKEY *pub;
    int der_len;

    if (!out || !key)
        return wb_error_set(WB_EINVAL, "key: invalid argument");
    *out = NULL;
    der_len = i2d_PUBKEY(key->pkey, &der);
    if (der_len <= 0)
        return crypto_error("cannot encode the public key", "key");
    p = der;
    pub = d2i_PUBKEY(NULL, &p, der_len);
    OPENSSL_free(der);
    if (!pub)
        return crypto_error("cannot decode the public key", "key");
    return key_wrap(out, pub, false, key->sslib_keytype, key->sslib_scheme, key->sslib_public,
                    key->keyid);
}

static int save_pem(const wb_key *key, const char *path, bool private_key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
    long len;
    int rc;

    if (!bio)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", path);
    if ((private_key ? PEM_write_bio_PKCS8PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL)
                     : PEM_write_bio_PUBKEY(bio, key->pkey)) != 1) {
        BIO_free(bio);
        return crypto_error("cannot encode the key", path);
    }
    len = BIO_get_mem_data(bio, &data);
    rc = wb_write_file_atomic(path, data, (size_t)len, private_key ? 0600 : 0644, false);
    if (private_key)
        OPENSSL_cleanse(data, (size_t)len);
    BIO_free(bio);
    return rc;
}

int wb_key_save_private(const wb_key *key, const char *path)
{
    if (!key || !path)
        return wb_error_set(WB_EINVAL, "key: invalid argument");
    if (!key->has_private)
        return wb_error_set(WB_EINVAL, "%s: key %.12s has no private half", path, key->keyid);
    return save_pem(key, path, true);
}

int wb_key_save_public(const wb_key *key, const char *path)
{
    if (!key || !path)
        return wb_error_set(WB_EINVAL, "key: invalid argument");
    return save_pem(key, path, false);
}

int wb_key_ed25519_seed(unsigned char seed[32], const wb_key *key)
{
    size_t len = 32;

    if (!seed || !key)
        return wb_error_set(WB_EINVAL, "key: invalid argument");
    if (key->type != WB_KEY_ED25519)
        return wb_error_set(WB_EINVAL, "key %.12s is %s, not ed25519", key->keyid,
                            wb_key_type_name(key->type));
    if (!key->has_private)
        return wb_error_set(WB_EINVAL, "key %.12s has no private half", key->keyid);
    if (EVP_PKEY_get_raw_private_key(key->pkey, seed, &len) != 1 || len != 32) {
        OPENSSL_cleanse(seed, 32);
        return crypto_error("cannot read the Ed25519 seed", "key");
    }
    return 0;
}

/* Set up a sign or verify context for the key's scheme. */
static int init_ctx(EVP_MD_CTX **out, const wb_key *key, bool sign)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    const char *md = key->type == WB_KEY_ED25519 ? NULL : "SHA256";
    int ok;

    *out = NULL;
    if (!ctx)
        return wb_error_set(WB_ENOMEM, "key: out of memory");
    ok = sign ? EVP_DigestSignInit_ex(ctx, &pctx, md, NULL, NULL, key->pkey, NULL)
              : EVP_DigestVerifyInit_ex(ctx, &pctx, md, NULL, NULL, key->pkey, NULL);
    if (ok == 1 && key->type == WB_KEY_RSA_PSS) {
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", NULL) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, sign ? RSA_PSS_SALTLEN_DIGEST
                                                         : RSA_PSS_SALTLEN_AUTO) == 1;
    }
    if (ok != 1) {
        EVP_MD_CTX_free(ctx);
        return crypto_error("cannot set up the signature scheme", key->keyid);
    }
    *out = ctx;
    return 0;
}

int wb_key_sign(unsigned char **sig_out, size_t *sig_len, const wb_key *key, const void *msg,
                size_t len)
{
    EVP_MD_CTX *ctx = NULL;
    unsigned char *sig = NULL;
    size_t size = 0;
    int rc;

    if (!sig_out || !sig_len || !key || (!msg && len))
        return wb_error_set(WB_EINVAL, "sign: invalid argument");
    *sig_out = NULL;
    if (!key->has_private)
        return wb_error_set(WB_EINVAL, "sign: key %s is a public key", key->keyid);
    rc = init_ctx(&ctx, key, true);
    if (rc < 0)
        return rc;
    if (EVP_DigestSign(ctx, NULL, &size, msg, len) != 1) {
        rc = crypto_error("signing failed", key->keyid);
        goto out;
    }
    sig = wb_malloc(size);
    if (!sig) {
        rc = wb_error_set(WB_ENOMEM, "sign: out of memory");
        goto out;
    }
    if (EVP_DigestSign(ctx, sig, &size, msg, len) != 1) {
        rc = crypto_error("signing failed", key->keyid);
        goto out;
    }
    *sig_out = sig;
    *sig_len = size;
    sig = NULL;
out:
    wb_free(sig);
    EVP_MD_CTX_free(ctx);
    return rc;
}

int wb_key_verify(const wb_key *key, const void *msg, size_t len, const unsigned char *sig,
                  size_t sig_len)
{
    EVP_MD_CTX *ctx = NULL;
    int rc, ok;

    if (!key || (!msg && len) || (!sig && sig_len))
        return wb_error_set(WB_EINVAL, "verify: invalid argument");
    if (key->type == WB_KEY_ED25519 && sig_len != 64)
        return wb_error_set(WB_EVERIFY, "signature by %s has %zu bytes; Ed25519 has 64", key->keyid,
                            sig_len);
    rc = init_ctx(&ctx, key, false);
    if (rc < 0)
        return rc;
    ok = EVP_DigestVerify(ctx, sig, sig_len, msg, len);
    ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    if (ok != 1)
        return wb_error_set(WB_EVERIFY, "signature does not verify with key %s", key->keyid);
    return 0;
}

int wb_keyring_new(wb_keyring **out)
{
    if (!out)
        return wb_error_set(WB_EINVAL, "keyring: invalid argument");
    *out = wb_calloc(1, sizeof(**out));
    return *out ? 0 : wb_error_set(WB_ENOMEM, "keyring: out of memory");
}

int wb_keyring_add(wb_keyring *ring, wb_key *key)
{
    size_t i;

    if (!ring || !key) {
        wb_key_free(key);
        return wb_error_set(WB_EINVAL, "keyring: invalid argument");
    }
    /* a key counts once, however its id is spelled: the same key material
     * under two ids (upper-case hex, another keytype alias, other PEM line
     * endings) must not count twice toward a threshold */
    for (i = 0; i < ring->count; i++) {
        if (strcmp(ring->keys[i]->keyid, key->keyid) == 0 ||
            same_public(ring->keys[i]->pkey, key->pkey)) {
            wb_key_free(key);
            return 0;
        }
    }
    if (ring->count == ring->cap) {
        size_t cap = ring->cap ? ring->cap * 2 : 4;
        wb_key **grown = wb_reallocarray(ring->keys, cap, sizeof(*grown));
        if (!grown) {
            wb_key_free(key);
            return wb_error_set(WB_ENOMEM, "keyring: out of memory");
        }
        ring->keys = grown;
        ring->cap = cap;
    }
    ring->keys[ring->count++] = key;
    return 0;
}

int wb_keyring_add_file(wb_keyring *ring, const char *path)
{
    wb_key *key = NULL, *pub = NULL;
    int rc;

    if (!ring || !path)
        return wb_error_set(WB_EINVAL, "keyring: invalid argument");
    rc = wb_key_load(&key, path);
    if (rc < 0)
        return rc;
    rc = wb_key_public(&pub, key);
    wb_key_free(key);
    if (rc < 0)
        return rc;
    return wb_keyring_add(ring, pub);
}

size_t wb_keyring_count(const wb_keyring *ring)
{
    return ring ? ring->count : 0;
}

const wb_key *wb_keyring_get(const wb_keyring *ring, size_t i)
{
    return ring && i < ring->count ? ring->keys[i] : NULL;
}

const wb_key *wb_keyring_find(const wb_keyring *ring, const char *keyid)
{
    size_t i;
    if (!ring || !keyid)
        return NULL;
    for (i = 0; i < ring->count; i++)
        if (strcmp(ring->keys[i]->keyid, keyid) == 0)
            return ring->keys[i];
    return NULL;
}

void wb_keyring_free(wb_keyring *ring)
{
    size_t i;
    if (!ring)
        return;
    for (i = 0; i < ring->count; i++)
        wb_key_free(ring->keys[i]);
    wb_free(ring->keys);
    wb_free(ring);
}
