/*
 * key.h: signing keys and their ids.
 *
 * Key types: Ed25519 and ECDSA P-256 (generate, load, save, sign, verify) and
 * RSA-PSS with SHA-256 (public keys, verification only, as in-toto uses).
 *
 * On disk: private keys are PKCS#8 PEM written with mode 0600, and a private
 * key file readable by group or others is refused when loading; public keys
 * are SubjectPublicKeyInfo PEM. securesystemslib JSON key files, as written by
 * in-toto-keygen (in-toto 1.3.1), load too; encrypted ones are refused with a
 * message saying so.
 *
 * Key id: hex SHA-256 of the securesystemslib canonical JSON of the public
 * key, {"keyid_hash_algorithms":["sha256","sha512"],"keytype":...,
 * "keyval":{"public":...},"scheme":...}, so that ids equal those in-toto and
 * securesystemslib 0.26 compute. The "public" value is hex of the raw key for
 * Ed25519 and the SPKI PEM for ECDSA (with its final newline, as
 * in-toto-keygen writes it) and RSA (without it, as securesystemslib's PEM
 * import strips it). A key loaded from a securesystemslib JSON file keeps the
 * exact "public" string of the file.
 *
 * Signatures: Ed25519 (64 bytes); ECDSA P-256 with SHA-256, DER-encoded
 * (ecdsa-sha2-nistp256); RSA-PSS with SHA-256, MGF1-SHA-256, any salt length
 * (rsassa-pss-sha256).
 */
#ifndef WAYBILL_KEY_H
#define WAYBILL_KEY_H

#include <jansson.h>
#include "common.h"

WB_BEGIN_DECLS

typedef enum {
    WB_KEY_ED25519 = 1,
    WB_KEY_ECDSA_P256 = 2,
    WB_KEY_RSA_PSS = 3,
} wb_key_type;

#define WB_KEYID_HEX_LEN 64

typedef struct wb_key wb_key;
typedef struct wb_keyring wb_keyring;

/* Generate a new private key (Ed25519 or ECDSA P-256). */
WB_EXTERN int wb_key_generate(wb_key **out, wb_key_type type);

/* Load a key (private or public) from `path`: PEM (PKCS#8, SEC1, SPKI) or a
 * securesystemslib JSON key. A private key file with any group or other
 * permission bit set is refused (WB_EPERM). */
WB_EXTERN int wb_key_load(wb_key **out, const char *path);

/* Parse a key from memory. `name` is used in messages. No permission check. */
WB_EXTERN int wb_key_parse(wb_key **out, const char *buf, size_t len, const char *name);

/* Build a public key from a securesystemslib key object
 * ({"keytype","scheme","keyval":{"public"}}), as layouts carry them. */
WB_EXTERN int wb_key_from_sslib_json(wb_key **out, const json_t *obj, const char *name);

/* Write the private key as PKCS#8 PEM, mode 0600, atomically (temporary file,
 * fsync, rename). Refuses to replace an existing file (WB_EEXISTS). */
WB_EXTERN int wb_key_save_private(const wb_key *key, const char *path);

/* Write the public key as SPKI PEM, mode 0644, atomically. Refuses to replace
 * an existing file. */
WB_EXTERN int wb_key_save_public(const wb_key *key, const char *path);

/* SPKI PEM of the public key; free with wb_free(). */
WB_EXTERN int wb_key_public_pem(char **out, const wb_key *key);

/* The securesystemslib public key object (new reference). */
WB_EXTERN int wb_key_to_sslib_json(json_t **out, const wb_key *key);

/* A new key holding only the public half of `key`. */
WB_EXTERN int wb_key_public(wb_key **out, const wb_key *key);

/* The key id: 64 lower-case hex characters, owned by the key. */
WB_EXTERN const char *wb_key_id(const wb_key *key);
WB_EXTERN wb_key_type wb_key_get_type(const wb_key *key);
/* "ed25519", "ecdsa-p256", "rsa-pss". */
WB_EXTERN const char *wb_key_type_name(wb_key_type type);
/* securesystemslib scheme: "ed25519", "ecdsa-sha2-nistp256", "rsassa-pss-sha256". */
WB_EXTERN const char *wb_key_scheme(const wb_key *key);
WB_EXTERN int wb_key_has_private(const wb_key *key);

/* Sign `len` bytes; *sig_out is malloc'd (wb_free()). Needs a private key. */
WB_EXTERN int wb_key_sign(unsigned char **sig_out, size_t *sig_len, const wb_key *key,
                          const void *msg, size_t len);

/* 0 when `sig` is a valid signature of `msg` by `key`, WB_EVERIFY when it is
 * not, another negative code when verification could not run. */
WB_EXTERN WB_MUST_CHECK int wb_key_verify(const wb_key *key, const void *msg, size_t len,
                                          const unsigned char *sig, size_t sig_len);

/* Free a key and wipe its secret material; NULL is a no-op. */
WB_EXTERN void wb_key_free(wb_key *key);

/* A set of trusted public keys, unique by key id. */
WB_EXTERN int wb_keyring_new(wb_keyring **out);
/* Add `key`; the ring takes ownership on success and on failure. Adding a
 * key whose id is already in the ring frees it and returns 0 (a key counts
 * once). */
WB_EXTERN int wb_keyring_add(wb_keyring *ring, wb_key *key);
/* Load a key file and add its public half. */
WB_EXTERN int wb_keyring_add_file(wb_keyring *ring, const char *path);
WB_EXTERN size_t wb_keyring_count(const wb_keyring *ring);
/* The i-th key (borrowed), or NULL. */
WB_EXTERN const wb_key *wb_keyring_get(const wb_keyring *ring, size_t i);
/* The key with this id (borrowed), or NULL. */
WB_EXTERN const wb_key *wb_keyring_find(const wb_keyring *ring, const char *keyid);
WB_EXTERN void wb_keyring_free(wb_keyring *ring);

WB_END_DECLS

#endif
