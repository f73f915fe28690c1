/*
 * note.c: C2SP signed-note, tlog-checkpoint and tlog-cosignature (Ed25519).
 *
 * Specs: c2sp.org/signed-note (format, key IDs, the rules for unknown and
 * failing signatures), c2sp.org/tlog-checkpoint (the note text of a tree
 * head) and c2sp.org/tlog-cosignature (the Ed25519 "cosignature/v1" type,
 * 0x04). Key strings follow golang.org/x/mod/sumdb/note, the implementation
 * the signed-note spec grew out of; its documented example keys and note
 * are among our tests.
 *
 * Parsing is strict and bounded before it does any work: a note is rejected
 * unless all of it is UTF-8 without control characters other than newline,
 * it ends in a newline, the last blank line splits it into a text and at
 * most WB_NOTE_MAX_SIGNATURES signature lines, and every line is
 * "— name base64\n" with a valid key name and canonical standard base64.
 * One byte string has one accepted encoding, so what we verify is what
 * everyone else sees.
 *
 * Verification takes the strict reading the spec allows: any signature by a
 * known key (same name and key ID) that fails rejects the whole note, even
 * when another one verifies. Unknown keys are ignored, as the spec requires,
 * so a witness's cosignature does not disturb checking the log's signature.
 *
 * Ed25519 is OpenSSL's (EVP_PKEY_ED25519, raw 32-byte keys). Seeds are wiped
 * with OPENSSL_cleanse when a signer is freed and from every temporary
 * buffer that held one.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "internal.h"
#include "waybill/note.h"

#define ED25519_KEY_LEN 32
#define ED25519_SIG_LEN 64
#define KEY_ID_LEN      4
#define TIMESTAMP_LEN   8
/* the signed message of a cosignature: header and timestamp lines */
#define COSIG_HEADER "cosignature/v1\ntime "
/* timestamps must not exceed 2^63 - 1 (tlog-cosignature, Format) */
#define COSIG_TIMESTAMP_MAX ((uint64_t)INT64_MAX)

/* U+2014 EM DASH and a space open every signature line */
static const char sig_prefix[] = "\xe2\x80\x94 ";
#define SIG_PREFIX_LEN (sizeof(sig_prefix) - 1)

static const char private_prefix[] = "PRIVATE+KEY+";
#define PRIVATE_PREFIX_LEN (sizeof(private_prefix) - 1)

struct wb_note_verifier {
    char *name;
    wb_note_sig_type type;
    uint32_t key_id;
    unsigned char public_key[ED25519_KEY_LEN];
    EVP_PKEY *pkey;
};

struct wb_note_signer {
    char *name;
    wb_note_sig_type type;
    uint32_t key_id;
    unsigned char seed[ED25519_KEY_LEN];
    unsigned char public_key[ED25519_KEY_LEN];
    EVP_PKEY *pkey;
};

typedef struct {
    wb_note_signature view; /* what callers see */
    char *name;
    unsigned char *raw; /* key ID || signature */
} note_sig;

struct wb_note {
    char *text;
    size_t text_len;
    note_sig *sigs;
    size_t n_sigs;
};

static int crypto_error(const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char detail[256] = "";
    if (e)
        ERR_error_string_n(e, detail, sizeof(detail));
    ERR_clear_error();
    return wb_error_set(WB_ECRYPTO, "note: %s%s%s", what, detail[0] ? ": " : "", detail);
}

static uint32_t load_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void store_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint64_t load_be64(const unsigned char *p)
{
    return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

static void store_be64(unsigned char *p, uint64_t v)
{
    store_be32(p, (uint32_t)(v >> 32));
    store_be32(p + 4, (uint32_t)v);
}

/* --- text rules --- */

/* Unicode White_Space, the spaces a key name must not contain (the same set
 * as Go's unicode.IsSpace, which golang.org/x/mod/sumdb/note applies). */
static bool is_unicode_space(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
           cp == 0x205f || cp == 0x3000;
}

/* Notes must be valid UTF-8 without ASCII control characters other than
 * newline (signed-note, Format). */
static int check_note_chars(const char *s, size_t len, const char *what)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t used;
        if (c < 0x80) {
            if (c < 0x20 && c != '\n')
                return wb_error_set(WB_EFORMAT, "%s: control character 0x%02x at offset %zu", what,
                                    c, i);
            i++;
            continue;
        }
        used = wb_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (used == 0)
            return wb_error_set(WB_EFORMAT, "%s: invalid UTF-8 at offset %zu", what, i);
        i += used;
    }
    return 0;
}

/* Key names: non-empty UTF-8 without Unicode spaces or '+' (signed-note,
 * Format), nor the control characters no note may hold. */
static int check_key_name(const char *name, size_t len, const char *what)
{
    size_t i = 0;
    if (len == 0)
        return wb_error_set(WB_EFORMAT, "%s: empty key name", what);
    while (i < len) {
        uint32_t cp;
        size_t used = wb_utf8_decode((const unsigned char *)name + i, len - i, &cp);
        if (used == 0)
            return wb_error_set(WB_EFORMAT, "%s: key name is not valid UTF-8", what);
        if (cp < 0x20 || is_unicode_space(cp) || cp == '+')
            return wb_error_set(
                WB_EFORMAT, "%s: key name contains a space, a '+' or a control character", what);
        i += used;
    }
    return 0;
}

/* Standard base64 with padding (RFC 4648 section 4), canonical: the length
 * is a multiple of 4, only the alphabet and final padding, zero trailing
 * bits (checked by wb_base64_decode). *out is wb_free()d by the caller. */
static int decode_base64_std(unsigned char **out, size_t *out_len, const char *s, size_t len,
                             const char *what)
{
    size_t i, pad = 0;
    int rc;

    *out = NULL;
    if (len == 0 || len % 4 != 0)
        return wb_error_set(WB_EFORMAT, "%s: base64 of length %zu (not a multiple of 4)", what,
                            len);
    while (pad < 2 && s[len - 1 - pad] == '=')
        pad++;
    for (i = 0; i < len - pad; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/'))
            return wb_error_set(WB_EFORMAT, "%s: invalid base64 character at offset %zu", what, i);
    }
    rc = wb_base64_decode(out, out_len, s, len);
    if (rc < 0)
        return wb_error_prefix(rc, "%s: ", what);
    return 0;
}

/* --- Ed25519 --- */

static int key_id_for(uint32_t *out, const char *name, wb_note_sig_type type,
                      const unsigned char public_key[ED25519_KEY_LEN])
{
    unsigned char digest[WB_SHA256_LEN];
    unsigned char type_byte = (unsigned char)type;
    wb_digest_ctx *ctx = NULL;
    int rc;

    /* SHA-256(key name || 0x0A || type || public key)[:4] */
    rc = wb_digest_new(&ctx, WB_DIGEST_SHA256);
    if (rc == 0)
        rc = wb_digest_update(ctx, name, strlen(name));
    if (rc == 0)
        rc = wb_digest_update(ctx, "\n", 1);
    if (rc == 0)
        rc = wb_digest_update(ctx, &type_byte, 1);
    if (rc == 0)
        rc = wb_digest_update(ctx, public_key, ED25519_KEY_LEN);
    if (rc == 0)
        rc = wb_digest_final(ctx, digest);
    wb_digest_free(ctx);
    if (rc == 0)
        *out = load_be32(digest);
    return rc;
}

static int ed25519_sign(unsigned char sig[ED25519_SIG_LEN], EVP_PKEY *pkey, const void *msg,
                        size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t sig_len = ED25519_SIG_LEN;
    int rc = 0;

    if (!ctx)
        return wb_error_set(WB_ENOMEM, "note: out of memory");
    if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) != 1 ||
        EVP_DigestSign(ctx, sig, &sig_len, msg, len) != 1 || sig_len != ED25519_SIG_LEN)
        rc = crypto_error("Ed25519 signing failed");
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* 0 when valid, WB_EVERIFY when not, another code when it could not run. */
static int ed25519_verify(EVP_PKEY *pkey, const void *msg, size_t len,
                          const unsigned char sig[ED25519_SIG_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc;

    if (!ctx)
        return wb_error_set(WB_ENOMEM, "note: out of memory");
    if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1) {
        EVP_MD_CTX_free(ctx);
        return crypto_error("cannot start Ed25519 verification");
    }
    rc = EVP_DigestVerify(ctx, sig, ED25519_SIG_LEN, msg, len) == 1 ? 0 : WB_EVERIFY;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return rc;
}

static bool type_supported(wb_note_sig_type type)
{
    return type == WB_NOTE_ED25519 || type == WB_NOTE_COSIGNATURE_V1;
}

/* --- verifiers --- */

void wb_note_verifier_free(wb_note_verifier *verifier)
{
    if (!verifier)
        return;
    EVP_PKEY_free(verifier->pkey);
    wb_free(verifier->name);
    wb_free(verifier);
}

int wb_note_verifier_new(wb_note_verifier **out, const char *name, wb_note_sig_type type,
                         const unsigned char public_key[32])
{
    wb_note_verifier *verifier;
    int rc;

    if (!out || !name || !public_key)
        return wb_error_set(WB_EINVAL, "note: verifier: invalid argument");
    *out = NULL;
    if (!type_supported(type))
        return wb_error_set(WB_EUNSUPPORTED, "note: verifier '%s': signature type 0x%02x", name,
                            (unsigned)type);
    rc = check_key_name(name, strlen(name), "note: verifier");
    if (rc < 0)
        return rc;
    verifier = wb_calloc(1, sizeof(*verifier));
    if (!verifier)
        return wb_error_set(WB_ENOMEM, "note: out of memory");
    verifier->type = type;
    memcpy(verifier->public_key, public_key, ED25519_KEY_LEN);
    verifier->name = wb_strdup(name);
    if (!verifier->name) {
        rc = wb_error_set(WB_ENOMEM, "note: out of memory");
        goto out;
    }
    rc = key_id_for(&verifier->key_id, name, type, public_key);
    if (rc < 0)
        goto out;
    verifier->pkey =
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, public_key, ED25519_KEY_LEN);
    if (!verifier->pkey) {
        rc = crypto_error("cannot load the Ed25519 public key");
        goto out;
    }
    *out = verifier;
    verifier = NULL;
out:
    wb_note_verifier_free(verifier);
    return rc;
}

/* Split "name+xxxxxxxx+base64" (the tail of a key string): the name, the
 * key ID and the decoded type || key, which must be 33 bytes. */
static int split_key_string(char **name_out, uint32_t *key_id_out, unsigned char **raw_out,
                            const char *s, size_t len, const char *what)
{
    const char *plus1, *plus2, *hex;
    size_t name_len, raw_len = 0, i;
    unsigned char id_bytes[KEY_ID_LEN];
    int rc;

    *name_out = NULL;
    *raw_out = NULL;
    plus1 = memchr(s, '+', len);
    plus2 = plus1 ? memchr(plus1 + 1, '+', len - (size_t)(plus1 + 1 - s)) : NULL;
    if (!plus2)
        return wb_error_set(WB_EFORMAT, "%s: expected name+keyid+key", what);
    name_len = (size_t)(plus1 - s);
    hex = plus1 + 1;
    rc = check_key_name(s, name_len, what);
    if (rc < 0)
        return rc;
    if (plus2 - hex != 2 * KEY_ID_LEN)
        return wb_error_set(WB_EFORMAT, "%s: the key ID is not 8 hex digits", what);
    for (i = 0; i < 2 * KEY_ID_LEN; i++) {
        char c = hex[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return wb_error_set(WB_EFORMAT, "%s: the key ID is not 8 hex digits", what);
    }
    rc = wb_hex_decode(id_bytes, sizeof(id_bytes), NULL, hex, 2 * KEY_ID_LEN);
    if (rc < 0)
        return rc;
    rc = decode_base64_std(raw_out, &raw_len, plus2 + 1, len - (size_t)(plus2 + 1 - s), what);
    if (rc < 0)
        return rc;
    if (raw_len == 0 || !type_supported((wb_note_sig_type)(*raw_out)[0])) {
        rc = wb_error_set(WB_EUNSUPPORTED, "%s: signature type 0x%02x is not supported", what,
                          raw_len ? (*raw_out)[0] : 0);
        goto fail;
    }
    if (raw_len != 1 + ED25519_KEY_LEN) {
        rc =
            wb_error_set(WB_EFORMAT, "%s: an Ed25519 key has 32 bytes, not %zu", what, raw_len - 1);
        goto fail;
    }
    *name_out = wb_strndup(s, name_len);
    if (!*name_out) {
        rc = wb_error_set(WB_ENOMEM, "note: out of memory");
        goto fail;
    }
    *key_id_out = load_be32(id_bytes);
    return 0;
fail:
    OPENSSL_cleanse(*raw_out, raw_len);
    wb_free(*raw_out);
    *raw_out = NULL;
    return rc;
}

/* Refuse NUL bytes and overlong key strings before looking inside. */
static int check_key_string(const char *s, size_t len, const char *what)
{
    if (len > WB_NOTE_KEY_MAX)
        return wb_error_set(WB_ELIMIT, "%s: %zu bytes (at most %d)", what, len, WB_NOTE_KEY_MAX);
    if (memchr(s, '\0', len))
        return wb_error_set(WB_EFORMAT, "%s: contains a NUL byte", what);
    return 0;
}

int wb_note_verifier_parse(wb_note_verifier **out, const char *vkey, size_t len)
{
    const char *what = "note: verifier key";
    unsigned char *raw = NULL;
    char *name = NULL;
    uint32_t key_id = 0;
    int rc;

    if (!out || !vkey)
        return wb_error_set(WB_EINVAL, "%s: invalid argument", what);
    *out = NULL;
    rc = check_key_string(vkey, len, what);
    if (rc < 0)
        return rc;
    rc = split_key_string(&name, &key_id, &raw, vkey, len, what);
    if (rc < 0)
        return rc;
    assert(raw && name);
    rc = wb_note_verifier_new(out, name, (wb_note_sig_type)raw[0], raw + 1);
    assert(rc < 0 || *out);
    if (rc == 0 && (*out)->key_id != key_id) {
        rc = wb_error_set(WB_EFORMAT,
                          "%s '%s': key ID %08" PRIx32 " does not match the key (%08" PRIx32 ")",
                          what, name, key_id, (*out)->key_id);
        wb_note_verifier_free(*out);
        *out = NULL;
    }
    wb_free(raw);
    wb_free(name);
    return rc;
}

/* "[prefix]name+keyid+base64(type || key)" */
static int encode_key_string(char **out, const char *prefix, const char *name, uint32_t key_id,
                             wb_note_sig_type type, const unsigned char key[ED25519_KEY_LEN])
{
    unsigned char raw[1 + ED25519_KEY_LEN];
    char *key_b64 = NULL;
    int rc;

    *out = NULL;
    raw[0] = (unsigned char)type;
    memcpy(raw + 1, key, ED25519_KEY_LEN);
    rc = wb_base64_encode(&key_b64, NULL, raw, sizeof(raw));
    OPENSSL_cleanse(raw, sizeof(raw));
    if (rc < 0)
        return rc;
    *out = wb_asprintf("%s%s+%08" PRIx32 "+%s", prefix, name, key_id, key_b64);
    OPENSSL_cleanse(key_b64, strlen(key_b64));
    wb_free(key_b64);
    if (!*out)
        return wb_error_set(WB_ENOMEM, "note: out of memory");
    return 0;
}

int wb_note_verifier_encode(char **out, const wb_note_verifier *verifier)
{
    if (!out || !verifier)
        return wb_error_set(WB_EINVAL, "note: verifier: invalid argument");
    return encode_key_string(out, "", verifier->name, verifier->key_id, verifier->type,
                             verifier->public_key);
}

const char *wb_note_verifier_name(const wb_note_verifier *verifier)
{
    return verifier ? verifier->name : "";
}

uint32_t wb_note_verifier_key_id(const wb_note_verifier *verifier)
{
    return verifier ? verifier->key_id : 0;
}

wb_note_sig_type wb_note_verifier_type(const wb_note_verifier *verifier)
{
    return verifier->type;
}

/* --- signers --- */

void wb_note_signer_free(wb_note_signer *signer)
{
    if (!signer)
        return;
    EVP_PKEY_free(signer->pkey);
    wb_free(signer->name);
    OPENSSL_cleanse(signer, sizeof(*signer));
    wb_free(signer);
}

int wb_note_signer_from_seed(wb_note_signer **out, const char *name, wb_note_sig_type type,
                             const unsigned char seed[32])
{
    wb_note_signer *signer;
    size_t public_len = ED25519_KEY_LEN;
    int rc;

    if (!out || !name || !seed)
        return wb_error_set(WB_EINVAL, "note: signer: invalid argument");
    *out = NULL;
    if (!type_supported(type))
        return wb_error_set(WB_EUNSUPPORTED, "note: signer '%s': signature type 0x%02x", name,
                            (unsigned)type);
    rc = check_key_name(name, strlen(name), "note: signer");
    if (rc < 0)
        return rc;
    signer = wb_calloc(1, sizeof(*signer));
    if (!signer)
        return wb_error_set(WB_ENOMEM, "note: out of memory");
    signer->type = type;
    memcpy(signer->seed, seed, ED25519_KEY_LEN);
    signer->name = wb_strdup(name);
    if (!signer->name) {
        rc = wb_error_set(WB_ENOMEM, "note: out of memory");
        goto out;
    }
    signer->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, ED25519_KEY_LEN);
    if (!signer->pkey ||
        EVP_PKEY_get_raw_public_key(signer->pkey, signer->public_key, &public_len) != 1 ||
        public_len != ED25519_KEY_LEN) {
        rc = crypto_error("cannot load the Ed25519 private key");
        goto out;
    }
    rc = key_id_for(&signer->key_id, name, type, signer->public_key);
    if (rc < 0)
        goto out;
    *out = signer;
    signer = NULL;
out:
    wb_note_signer_free(signer);
    return rc;
}

int wb_note_signer_generate(wb_note_signer **out, const char *name, wb_note_sig_type type)
{
    unsigned char seed[ED25519_KEY_LEN];
    int rc;

    if (!out)
        return wb_error_set(WB_EINVAL, "note: signer: invalid argument");
    *out = NULL;
    if (RAND_priv_bytes(seed, sizeof(seed)) != 1)
        return crypto_error("no random bytes for a new key");
    rc = wb_note_signer_from_seed(out, name, type, seed);
    OPENSSL_cleanse(seed, sizeof(seed));
    return rc;
}

int wb_note_signer_parse(wb_note_signer **out, const char *skey, size_t len)
{
    const char *what = "note: signer key";
    unsigned char *raw = NULL;
    char *name = NULL;
    uint32_t key_id = 0;
    int rc;

    if (!out || !skey)
        return wb_error_set(WB_EINVAL, "%s: invalid argument", what);
    *out = NULL;
    rc = check_key_string(skey, len, what);
    if (rc < 0)
        return rc;
    if (len < PRIVATE_PREFIX_LEN || memcmp(skey, private_prefix, PRIVATE_PREFIX_LEN) != 0)
        return wb_error_set(WB_EFORMAT, "%s: does not start with PRIVATE+KEY+", what);
    rc = split_key_string(&name, &key_id, &raw, skey + PRIVATE_PREFIX_LEN, len - PRIVATE_PREFIX_LEN,
                          what);
    if (rc < 0)
        return rc;
    assert(raw && name);
    rc = wb_note_signer_from_seed(out, name, (wb_note_sig_type)raw[0], raw + 1);
    assert(rc < 0 || *out);
    /* the key ID names the public key derived from the seed */
    if (rc == 0 && (*out)->key_id != key_id) {
        rc = wb_error_set(WB_EFORMAT,
                          "%s '%s': key ID %08" PRIx32 " does not match the key (%08" PRIx32 ")",
                          what, name, key_id, (*out)->key_id);
        wb_note_signer_free(*out);
        *out = NULL;
    }
    OPENSSL_cleanse(raw, 1 + ED25519_KEY_LEN);
    wb_free(raw);
    wb_free(name);
    return rc;
}

int wb_note_signer_encode(char **out, const wb_note_signer *signer)
{
    if (!out || !signer)
        return wb_error_set(WB_EINVAL, "note: signer: invalid argument");
    return encode_key_string(out, private_prefix, signer->name, signer->key_id, signer->type,
                             signer->seed);
}

int wb_note_signer_verifier(wb_note_verifier **out, const wb_note_signer *signer)
{
    if (!out || !signer)
        return wb_error_set(WB_EINVAL, "note: signer: invalid argument");
    return wb_note_verifier_new(out, signer->name, signer->type, signer->public_key);
}

const char *wb_note_signer_name(const wb_note_signer *signer)
{
    return signer ? signer->name : "";
}

uint32_t wb_note_signer_key_id(const wb_note_signer *signer)
{
    return signer ? signer->key_id : 0;
}

wb_note_sig_type wb_note_signer_type(const wb_note_signer *signer)
{
    return signer->type;
}

/* --- signing --- */

/* The rules a text must meet to be signed (and that parsing enforces). */
static int check_text(const char *text, size_t len, const char *what)
{
    if (len == 0)
        return wb_error_set(WB_EFORMAT, "%s: empty text", what);
    if (len > WB_NOTE_TEXT_MAX)
        return wb_error_set(WB_ELIMIT, "%s: text of %zu bytes (at most %zu)", what, len,
                            WB_NOTE_TEXT_MAX);
    if (text[len - 1] != '\n')
        return wb_error_set(WB_EFORMAT, "%s: text does not end with a newline", what);
    return check_note_chars(text, len, what);
}

/* Append "— name base64(key ID || body)\n" to buf. */
static int append_signature_line(wb_buf *buf, const char *name, uint32_t key_id,
                                 const unsigned char *body, size_t body_len)
{
    unsigned char raw[KEY_ID_LEN + TIMESTAMP_LEN + ED25519_SIG_LEN];
    char *b64 = NULL;
    int rc;

    if (body_len > sizeof(raw) - KEY_ID_LEN)
        return wb_error_set(WB_EINTERNAL, "note: signature of %zu bytes", body_len);
    store_be32(raw, key_id);
    memcpy(raw + KEY_ID_LEN, body, body_len);
    rc = wb_base64_encode(&b64, NULL, raw, KEY_ID_LEN + body_len);
    if (rc < 0)
        return rc;
    wb_buf_append(buf, sig_prefix, SIG_PREFIX_LEN);
    wb_buf_puts(buf, name);
    wb_buf_putc(buf, ' ');
    wb_buf_puts(buf, b64);
    rc = wb_buf_putc(buf, '\n');
    wb_free(b64);
    return rc;
}

static int sign_line_into(wb_buf *buf, const wb_note_signer *signer, const char *text,
                          size_t text_len)
{
    unsigned char sig[ED25519_SIG_LEN];
    int rc;

    if (signer->type != WB_NOTE_ED25519)
        return wb_error_set(WB_EINVAL,
                            "note: signer '%s' makes cosignatures; sign checkpoints with it "
                            "through wb_cosig_sign()",
                            signer->name);
    rc = ed25519_sign(sig, signer->pkey, text, text_len);
    if (rc < 0)
        return rc;
    return append_signature_line(buf, signer->name, signer->key_id, sig, sizeof(sig));
}

int wb_note_signature_line(char **out, size_t *out_len, const wb_note_signer *signer,
                           const char *text, size_t text_len)
{
    wb_buf buf = {0};
    int rc;

    if (!out || !signer || !text)
        return wb_error_set(WB_EINVAL, "note: sign: invalid argument");
    *out = NULL;
    rc = check_text(text, text_len, "note: sign");
    if (rc == 0)
        rc = sign_line_into(&buf, signer, text, text_len);
    if (rc == 0)
        rc = wb_buf_detach(&buf, out, out_len);
    wb_buf_free(&buf);
    return rc;
}

int wb_note_sign(char **out, size_t *out_len, const char *text, size_t text_len,
                 const wb_note_signer *const *signers, size_t n_signers)
{
    wb_buf buf = {0};
    size_t i;
    int rc;

    if (!out || !text || (!signers && n_signers))
        return wb_error_set(WB_EINVAL, "note: sign: invalid argument");
    *out = NULL;
    if (n_signers == 0)
        return wb_error_set(WB_EINVAL, "note: sign: no signers");
    if (n_signers > WB_NOTE_MAX_SIGNATURES)
        return wb_error_set(WB_ELIMIT, "note: sign: %zu signers (at most %d)", n_signers,
                            WB_NOTE_MAX_SIGNATURES);
    rc = check_text(text, text_len, "note: sign");
    if (rc < 0)
        return rc;
    wb_buf_append(&buf, text, text_len);
    rc = wb_buf_putc(&buf, '\n');
    for (i = 0; rc == 0 && i < n_signers; i++) {
        if (!signers[i])
            rc = wb_error_set(WB_EINVAL, "note: sign: signer %zu is NULL", i);
        else
            rc = sign_line_into(&buf, signers[i], text, text_len);
    }
    if (rc == 0)
        rc = wb_buf_detach(&buf, out, out_len);
    wb_buf_free(&buf);
    return rc;
}

/* --- parsing --- */

void wb_note_free(wb_note *note)
{
    size_t i;
    if (!note)
        return;
    for (i = 0; note->sigs && i < note->n_sigs; i++) {
        wb_free(note->sigs[i].name);
        wb_free(note->sigs[i].raw);
    }
    wb_free(note->sigs);
    wb_free(note->text);
    wb_free(note);
}

/* Parse one signature line (without its newline) into *sig. */
static int parse_signature_line(note_sig *sig, const char *line, size_t len, size_t number)
{
    char what[64];
    const char *name, *space;
    size_t name_len, raw_len = 0;
    int rc;

    snprintf(what, sizeof(what), "note: signature line %zu", number);
    if (len > WB_NOTE_SIG_LINE_MAX)
        return wb_error_set(WB_ELIMIT, "%s: %zu bytes (at most %d)", what, len,
                            WB_NOTE_SIG_LINE_MAX);
    if (len < SIG_PREFIX_LEN || memcmp(line, sig_prefix, SIG_PREFIX_LEN) != 0)
        return wb_error_set(WB_EFORMAT, "%s: does not start with an em dash (U+2014) and a space",
                            what);
    name = line + SIG_PREFIX_LEN;
    space = memchr(name, ' ', len - SIG_PREFIX_LEN);
    if (!space)
        return wb_error_set(WB_EFORMAT, "%s: no space between key name and signature", what);
    name_len = (size_t)(space - name);
    rc = check_key_name(name, name_len, what);
    if (rc < 0)
        return rc;
    rc = decode_base64_std(&sig->raw, &raw_len, space + 1, len - SIG_PREFIX_LEN - name_len - 1,
                           what);
    if (rc < 0)
        return rc;
    if (raw_len < KEY_ID_LEN + 1)
        return wb_error_set(WB_EFORMAT, "%s: signature of %zu bytes is too short", what, raw_len);
    sig->name = wb_strndup(name, name_len);
    if (!sig->name)
        return wb_error_set(WB_ENOMEM, "note: out of memory");
    sig->view.name = sig->name;
    sig->view.key_id = load_be32(sig->raw);
    sig->view.signature = sig->raw + KEY_ID_LEN;
    sig->view.signature_len = raw_len - KEY_ID_LEN;
    return 0;
}

int wb_note_parse(wb_note **out, const char *msg, size_t len)
{
    wb_note *note = NULL;
    size_t split, text_len, pos, n_lines = 0, i;
    int rc;

    if (!out || (!msg && len))
        return wb_error_set(WB_EINVAL, "note: parse: invalid argument");
    *out = NULL;
    if (len > WB_NOTE_MAX_SIZE)
        return wb_error_set(WB_ELIMIT, "note: %zu bytes (at most %zu)", len,
                            (size_t)WB_NOTE_MAX_SIZE);
    if (len == 0 || msg[len - 1] != '\n')
        return wb_error_set(WB_EFORMAT, "note: does not end with a newline");
    rc = check_note_chars(msg, len, "note");
    if (rc < 0)
        return rc;
    /* the text ends at the last blank line (signed-note, Format) */
    for (split = len - 1; split > 0; split--) {
        if (msg[split - 1] == '\n' && msg[split] == '\n')
            break;
    }
    if (split == 0)
        return wb_error_set(WB_EFORMAT, "note: no blank line between text and signatures");
    text_len = split; /* msg[0..split) ends with the text's final newline */
    pos = split + 1;  /* the first signature line */
    if (pos == len)
        return wb_error_set(WB_EFORMAT, "note: no signature lines after the blank line");
    if (text_len > WB_NOTE_TEXT_MAX)
        return wb_error_set(WB_ELIMIT, "note: text of %zu bytes (at most %zu)", text_len,
                            WB_NOTE_TEXT_MAX);
    for (i = pos; i < len; i++)
        n_lines += msg[i] == '\n';
    if (n_lines > WB_NOTE_MAX_SIGNATURES)
        return wb_error_set(WB_ELIMIT, "note: %zu signature lines (at most %d)", n_lines,
                            WB_NOTE_MAX_SIGNATURES);

    note = wb_calloc(1, sizeof(*note));
    if (!note)
        return wb_error_set(WB_ENOMEM, "note: out of memory");
    note->text = wb_strndup(msg, text_len);
    note->sigs = wb_calloc(n_lines, sizeof(*note->sigs));
    if (!note->text || !note->sigs) {
        rc = wb_error_set(WB_ENOMEM, "note: out of memory");
        goto out;
    }
    note->text_len = text_len;
    while (pos < len) {
        const char *end = memchr(msg + pos, '\n', len - pos);
        size_t line_len = (size_t)(end - (msg + pos));
        rc = parse_signature_line(&note->sigs[note->n_sigs], msg + pos, line_len, note->n_sigs + 1);
        note->n_sigs++; /* counted even on failure, so wb_note_free() frees it */
        if (rc < 0)
            goto out;
        pos += line_len + 1;
    }
    *out = note;
    note = NULL;
out:
    wb_note_free(note);
    return rc;
}

const char *wb_note_text(const wb_note *note, size_t *len)
{
    if (len)
        *len = note ? note->text_len : 0;
    return note ? note->text : "";
}

size_t wb_note_signature_count(const wb_note *note)
{
    return note ? note->n_sigs : 0;
}

const wb_note_signature *wb_note_signature_at(const wb_note *note, size_t i)
{
    if (!note || i >= note->n_sigs)
        return NULL;
    return &note->sigs[i].view;
}

/* --- verification --- */

/* Check one cosignature body (timestamp || signature) over `text`. */
static int verify_cosignature(uint64_t *timestamp_out, const wb_note_verifier *verifier,
                              const char *text, size_t text_len, const wb_note_signature *sig)
{
    char *message = NULL;
    size_t message_len = 0;
    uint64_t timestamp;
    int rc;

    if (sig->signature_len != TIMESTAMP_LEN + ED25519_SIG_LEN)
        return WB_EVERIFY;
    timestamp = load_be64(sig->signature);
    if (timestamp > COSIG_TIMESTAMP_MAX)
        return WB_EVERIFY;
    rc = wb_cosig_message(&message, &message_len, text, text_len, timestamp);
    if (rc < 0)
        return rc;
    rc = ed25519_verify(verifier->pkey, message, message_len, sig->signature + TIMESTAMP_LEN);
    wb_free(message);
    if (rc == 0 && timestamp_out)
        *timestamp_out = timestamp;
    return rc;
}

/* 0 when `sig` by `verifier` is valid over the note's text, WB_EVERIFY when
 * it is not, another negative code when it could not be checked. */
static int verify_one(uint64_t *timestamp_out, const wb_note_verifier *verifier,
                      const wb_note *note, const wb_note_signature *sig)
{
    if (verifier->type == WB_NOTE_COSIGNATURE_V1)
        return verify_cosignature(timestamp_out, verifier, note->text, note->text_len, sig);
    if (sig->signature_len != ED25519_SIG_LEN)
        return WB_EVERIFY;
    return ed25519_verify(verifier->pkey, note->text, note->text_len, sig->signature);
}

static const wb_note_verifier *find_verifier(const wb_note_verifier *const *verifiers, size_t n,
                                             const wb_note_signature *sig, size_t *index_out)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (verifiers[i]->key_id == sig->key_id && strcmp(verifiers[i]->name, sig->name) == 0) {
            *index_out = i;
            return verifiers[i];
        }
    }
    return NULL;
}

int wb_note_verify(const wb_note *note, const wb_note_verifier *const *verifiers,
                   size_t n_verifiers, unsigned char *verified_out)
{
    size_t i, j, n_verified = 0;
    wb_buf unknown = {0};
    int rc;

    if (!note || (!verifiers && n_verifiers))
        return wb_error_set(WB_EINVAL, "note: verify: invalid argument");
    for (i = 0; i < n_verifiers; i++) {
        if (!verifiers[i])
            return wb_error_set(WB_EINVAL, "note: verify: verifier %zu is NULL", i);
        for (j = 0; j < i; j++) {
            if (verifiers[j]->key_id == verifiers[i]->key_id &&
                strcmp(verifiers[j]->name, verifiers[i]->name) == 0)
                return wb_error_set(WB_EINVAL, "note: verify: two verifiers named %s+%08" PRIx32,
                                    verifiers[i]->name, verifiers[i]->key_id);
        }
    }
    if (verified_out && n_verifiers)
        memset(verified_out, 0, n_verifiers);

    for (i = 0; i < note->n_sigs; i++) {
        const wb_note_signature *sig = &note->sigs[i].view;
        size_t which = 0;
        const wb_note_verifier *verifier = find_verifier(verifiers, n_verifiers, sig, &which);
        if (!verifier) {
            /* unknown keys are ignored (signed-note, Signatures) */
            if (unknown.len < 200)
                wb_buf_printf(&unknown, "%s%s+%08" PRIx32, unknown.len ? ", " : "", sig->name,
                              sig->key_id);
            continue;
        }
        rc = verify_one(NULL, verifier, note, sig);
        if (rc == WB_EVERIFY) {
            rc = wb_error_set(WB_EVERIFY,
                              "note: signature line %zu by %s+%08" PRIx32 " does not verify", i + 1,
                              sig->name, sig->key_id);
            goto out;
        }
        if (rc < 0)
            goto out;
        if (verified_out && !verified_out[which])
            verified_out[which] = 1;
        n_verified++;
    }
    if (n_verified == 0) {
        rc = wb_error_set(WB_EVERIFY, "note: no signature by a known key%s%.*s%s",
                          unknown.len ? " (signed by " : "", (int)unknown.len,
                          unknown.data ? unknown.data : "", unknown.len ? ")" : "");
        goto out;
    }
    rc = 0;
out:
    if (rc < 0 && verified_out && n_verifiers)
        memset(verified_out, 0, n_verifiers);
    wb_buf_free(&unknown);
    return rc;
}

int wb_note_open(wb_note **out, const char *msg, size_t len,
                 const wb_note_verifier *const *verifiers, size_t n_verifiers,
                 unsigned char *verified_out)
{
    wb_note *note = NULL;
    int rc;

    if (!out)
        return wb_error_set(WB_EINVAL, "note: open: invalid argument");
    *out = NULL;
    rc = wb_note_parse(&note, msg, len);
    if (rc < 0)
        return rc;
    rc = wb_note_verify(note, verifiers, n_verifiers, verified_out);
    if (rc < 0) {
        wb_note_free(note);
        return rc;
    }
    *out = note;
    return 0;
}

/* --- checkpoints --- */

void wb_checkpoint_free(wb_checkpoint *checkpoint)
{
    size_t i;
    if (!checkpoint)
        return;
    for (i = 0; i < checkpoint->n_extensions; i++)
        wb_free(checkpoint->extensions[i]);
    wb_free(checkpoint->extensions);
    wb_free(checkpoint->origin);
    wb_free(checkpoint);
}

/* The tree size line: ASCII decimal, no leading zeros (but "0"), 64 bits. */
static int parse_tree_size(uint64_t *out, const char *s, size_t len)
{
    uint64_t value = 0;
    size_t i;

    if (len == 0)
        return wb_error_set(WB_EFORMAT, "checkpoint: empty tree size line");
    if (len > 1 && s[0] == '0')
        return wb_error_set(WB_EFORMAT, "checkpoint: tree size '%.*s' has a leading zero",
                            (int)(len > 24 ? 24 : len), s);
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return wb_error_set(WB_EFORMAT, "checkpoint: tree size line is not a decimal number");
        if (value > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
            return wb_error_set(WB_EFORMAT, "checkpoint: tree size does not fit in 64 bits");
        value = value * 10 + (uint64_t)(s[i] - '0');
    }
    *out = value;
    return 0;
}

int wb_checkpoint_parse(wb_checkpoint **out, const char *text, size_t len)
{
    wb_checkpoint *checkpoint = NULL;
    unsigned char *root = NULL;
    const char *lines[3 + WB_CHECKPOINT_MAX_EXTENSIONS];
    size_t line_lens[3 + WB_CHECKPOINT_MAX_EXTENSIONS];
    size_t n_lines = 0, pos = 0, root_len = 0, i;
    int rc;

    if (!out || (!text && len))
        return wb_error_set(WB_EINVAL, "checkpoint: parse: invalid argument");
    *out = NULL;
    rc = check_text(text, len, "checkpoint");
    if (rc < 0)
        return rc;
    while (pos < len) {
        const char *end = memchr(text + pos, '\n', len - pos);
        size_t line_len = (size_t)(end - (text + pos));
        if (n_lines == 3 + WB_CHECKPOINT_MAX_EXTENSIONS)
            return wb_error_set(WB_ELIMIT, "checkpoint: more than %d extension lines",
                                WB_CHECKPOINT_MAX_EXTENSIONS);
        if (line_len == 0)
            return wb_error_set(WB_EFORMAT, "checkpoint: line %zu is empty", n_lines + 1);
        lines[n_lines] = text + pos;
        line_lens[n_lines++] = line_len;
        pos += line_len + 1;
    }
    if (n_lines < 3)
        return wb_error_set(
            WB_EFORMAT, "checkpoint: %zu lines; origin, tree size and root hash needed", n_lines);

    checkpoint = wb_calloc(1, sizeof(*checkpoint));
    if (!checkpoint)
        return wb_error_set(WB_ENOMEM, "checkpoint: out of memory");
    rc = parse_tree_size(&checkpoint->size, lines[1], line_lens[1]);
    if (rc < 0)
        goto out;
    rc = decode_base64_std(&root, &root_len, lines[2], line_lens[2], "checkpoint: root hash");
    if (rc < 0)
        goto out;
    if (root_len != WB_TLOG_HASH_LEN) {
        rc = wb_error_set(WB_EFORMAT, "checkpoint: root hash of %zu bytes, not %d", root_len,
                          WB_TLOG_HASH_LEN);
        goto out;
    }
    memcpy(checkpoint->root.bytes, root, WB_TLOG_HASH_LEN);
    checkpoint->origin = wb_strndup(lines[0], line_lens[0]);
    if (n_lines > 3)
        checkpoint->extensions = wb_calloc(n_lines - 3, sizeof(char *));
    if (!checkpoint->origin || (n_lines > 3 && !checkpoint->extensions)) {
        rc = wb_error_set(WB_ENOMEM, "checkpoint: out of memory");
        goto out;
    }
    for (i = 3; i < n_lines; i++) {
        checkpoint->extensions[i - 3] = wb_strndup(lines[i], line_lens[i]);
        if (!checkpoint->extensions[i - 3]) {
            rc = wb_error_set(WB_ENOMEM, "checkpoint: out of memory");
            goto out;
        }
        checkpoint->n_extensions++;
    }
    *out = checkpoint;
    checkpoint = NULL;
out:
    wb_free(root);
    wb_checkpoint_free(checkpoint);
    return rc;
}

/* A line of a checkpoint to format: non-empty, no newline, note characters. */
static int check_checkpoint_line(const char *line, const char *what)
{
    size_t len = strlen(line);
    if (len == 0)
        return wb_error_set(WB_EINVAL, "checkpoint: empty %s", what);
    if (memchr(line, '\n', len))
        return wb_error_set(WB_EINVAL, "checkpoint: %s contains a newline", what);
    return check_note_chars(line, len, "checkpoint");
}

int wb_checkpoint_format(char **out, size_t *out_len, const char *origin, uint64_t size,
                         const wb_tlog_hash *root, const char *const *extensions,
                         size_t n_extensions)
{
    wb_buf buf = {0};
    char *root_b64 = NULL;
    size_t i;
    int rc;

    if (!out || !origin || !root || (!extensions && n_extensions))
        return wb_error_set(WB_EINVAL, "checkpoint: format: invalid argument");
    *out = NULL;
    if (n_extensions > WB_CHECKPOINT_MAX_EXTENSIONS)
        return wb_error_set(WB_ELIMIT, "checkpoint: %zu extension lines (at most %d)", n_extensions,
                            WB_CHECKPOINT_MAX_EXTENSIONS);
    rc = check_checkpoint_line(origin, "origin");
    for (i = 0; rc == 0 && i < n_extensions; i++)
        rc = extensions[i] ? check_checkpoint_line(extensions[i], "extension line")
                           : wb_error_set(WB_EINVAL, "checkpoint: extension %zu is NULL", i);
    if (rc < 0)
        return rc;
    rc = wb_base64_encode(&root_b64, NULL, root->bytes, WB_TLOG_HASH_LEN);
    if (rc < 0)
        return rc;
    wb_buf_printf(&buf, "%s\n%" PRIu64 "\n%s\n", origin, size, root_b64);
    for (i = 0; i < n_extensions; i++) {
        wb_buf_puts(&buf, extensions[i]);
        wb_buf_putc(&buf, '\n');
    }
    rc = buf.failed ? wb_error_set(WB_ENOMEM, "checkpoint: out of memory") : 0;
    if (rc == 0 && buf.len > WB_NOTE_TEXT_MAX)
        rc = wb_error_set(WB_ELIMIT, "checkpoint: %zu bytes (at most %zu)", buf.len,
                          WB_NOTE_TEXT_MAX);
    if (rc == 0)
        rc = wb_buf_detach(&buf, out, out_len);
    wb_buf_free(&buf);
    wb_free(root_b64);
    return rc;
}

int wb_checkpoint_open(wb_checkpoint **out, wb_note **note_out, const char *msg, size_t len,
                       const char *origin, const wb_note_verifier *log_key)
{
    wb_checkpoint *checkpoint = NULL;
    wb_note *note = NULL;
    int rc;

    if (!out || !log_key)
        return wb_error_set(WB_EINVAL, "checkpoint: open: invalid argument");
    *out = NULL;
    if (note_out)
        *note_out = NULL;
    if (log_key->type != WB_NOTE_ED25519)
        return wb_error_set(WB_EINVAL, "checkpoint: the log key %s is a cosigner key",
                            log_key->name);
    rc = wb_note_open(&note, msg, len, &log_key, 1, NULL);
    if (rc < 0)
        return rc;
    assert(note);
    rc = wb_checkpoint_parse(&checkpoint, note->text, note->text_len);
    if (rc < 0)
        goto out;
    if (origin && strcmp(checkpoint->origin, origin) != 0) {
        char *shown = wb_escape_display(checkpoint->origin);
        rc = wb_error_set(WB_EVERIFY, "checkpoint: origin '%s', expected '%s'", shown ? shown : "?",
                          origin);
        wb_free(shown);
        goto out;
    }
    *out = checkpoint;
    checkpoint = NULL;
    if (note_out) {
        *note_out = note;
        note = NULL;
    }
out:
    wb_checkpoint_free(checkpoint);
    wb_note_free(note);
    return rc;
}

/* --- cosignatures --- */

int wb_cosig_message(char **out, size_t *out_len, const char *checkpoint_text, size_t len,
                     uint64_t timestamp)
{
    wb_buf buf = {0};
    int rc;

    if (!out || (!checkpoint_text && len))
        return wb_error_set(WB_EINVAL, "cosignature: invalid argument");
    *out = NULL;
    if (timestamp > COSIG_TIMESTAMP_MAX)
        return wb_error_set(WB_EINVAL, "cosignature: timestamp %" PRIu64 " exceeds 2^63 - 1",
                            timestamp);
    wb_buf_printf(&buf, COSIG_HEADER "%" PRIu64 "\n", timestamp);
    wb_buf_append(&buf, checkpoint_text, len);
    rc = buf.failed ? wb_error_set(WB_ENOMEM, "cosignature: out of memory")
                    : wb_buf_detach(&buf, out, out_len);
    wb_buf_free(&buf);
    return rc;
}

int wb_cosig_sign(char **out, size_t *out_len, const wb_note_signer *cosigner,
                  const char *checkpoint_text, size_t len, uint64_t timestamp)
{
    unsigned char body[TIMESTAMP_LEN + ED25519_SIG_LEN];
    wb_checkpoint *checkpoint = NULL;
    char *message = NULL;
    size_t message_len = 0;
    wb_buf buf = {0};
    int rc;

    if (!out || !cosigner || !checkpoint_text)
        return wb_error_set(WB_EINVAL, "cosignature: invalid argument");
    *out = NULL;
    if (cosigner->type != WB_NOTE_COSIGNATURE_V1)
        return wb_error_set(WB_EINVAL, "cosignature: key '%s' is not a cosignature (0x04) key",
                            cosigner->name);
    /* a witness vouches for a tree head: refuse to sign anything else */
    rc = wb_checkpoint_parse(&checkpoint, checkpoint_text, len);
    wb_checkpoint_free(checkpoint);
    if (rc < 0)
        return rc;
    rc = wb_cosig_message(&message, &message_len, checkpoint_text, len, timestamp);
    if (rc < 0)
        return rc;
    store_be64(body, timestamp);
    rc = ed25519_sign(body + TIMESTAMP_LEN, cosigner->pkey, message, message_len);
    if (rc == 0)
        rc = append_signature_line(&buf, cosigner->name, cosigner->key_id, body, sizeof(body));
    if (rc == 0)
        rc = wb_buf_detach(&buf, out, out_len);
    wb_buf_free(&buf);
    wb_free(message);
    return rc;
}

int wb_cosig_verify(uint64_t *timestamp_out, const wb_note *note, const wb_note_verifier *cosigner)
{
    wb_checkpoint *checkpoint = NULL;
    uint64_t latest = 0;
    size_t i, found = 0;
    int rc;

    if (!note || !cosigner)
        return wb_error_set(WB_EINVAL, "cosignature: invalid argument");
    if (cosigner->type != WB_NOTE_COSIGNATURE_V1)
        return wb_error_set(WB_EINVAL, "cosignature: key '%s' is not a cosignature (0x04) key",
                            cosigner->name);
    rc = wb_checkpoint_parse(&checkpoint, note->text, note->text_len);
    wb_checkpoint_free(checkpoint);
    if (rc < 0)
        return wb_error_prefix(rc, "cosignature: ");
    for (i = 0; i < note->n_sigs; i++) {
        const wb_note_signature *sig = &note->sigs[i].view;
        uint64_t timestamp = 0;
        if (sig->key_id != cosigner->key_id || strcmp(sig->name, cosigner->name) != 0)
            continue;
        found++;
        rc = verify_one(&timestamp, cosigner, note, sig);
        if (rc == WB_EVERIFY)
            return wb_error_set(WB_EVERIFY,
                                "cosignature: line %zu by %s+%08" PRIx32 " does not verify", i + 1,
                                sig->name, sig->key_id);
        if (rc < 0)
            return rc;
        if (timestamp > latest)
            latest = timestamp;
    }
    if (found == 0)
        return wb_error_set(WB_EVERIFY, "cosignature: none by %s+%08" PRIx32, cosigner->name,
                            cosigner->key_id);
    if (timestamp_out)
        *timestamp_out = latest;
    return 0;
}
