/*
 * note.h: C2SP signed notes, checkpoints and cosignatures, with Ed25519.
 *
 * A signed note (c2sp.org/signed-note) is a text ending in a newline, a
 * blank line, and one or more signature lines
 *     "— <key name> base64(key ID || signature)\n"
 * (U+2014 EM DASH, then a space). The key ID is the first four bytes,
 * big-endian, of SHA-256(key name || "\n" || type || public key); type 0x01
 * is a plain Ed25519 signature over the text, type 0x04 a timestamped
 * cosignature (c2sp.org/tlog-cosignature) over
 *     "cosignature/v1\ntime <seconds>\n" || text
 * whose signature bytes are an 8-byte big-endian timestamp and the 64-byte
 * Ed25519 signature.
 *
 * Keys travel as strings, in the form of Go's golang.org/x/mod/sumdb/note:
 *     verifier key: <name>+<key ID as 8 hex digits>+base64(type || public key)
 *     signer key:   PRIVATE+KEY+<name>+<key ID>+base64(type || Ed25519 seed)
 * (the signer key of type 0x04 is waybill's by analogy: no spec defines it).
 *
 * Verification follows the spec's rules: signatures by keys the caller does
 * not know are ignored; a signature by a known key (name and key ID both
 * match) must verify, and one that does not rejects the whole note; a note
 * with no verified signature by a known key is rejected. A key that signs
 * twice counts once.
 *
 * A checkpoint (c2sp.org/tlog-checkpoint) is a note whose text is the log's
 * origin, its tree size in decimal and its root hash in base64, one per line,
 * then optional non-empty extension lines.
 *
 * Bounds on input: a note of at most WB_NOTE_MAX_SIZE bytes, a text of at
 * most WB_NOTE_TEXT_MAX, at most WB_NOTE_MAX_SIGNATURES signature lines of at
 * most WB_NOTE_SIG_LINE_MAX bytes each (the spec requires accepting 16).
 */
#ifndef WAYBILL_NOTE_H
#define WAYBILL_NOTE_H

#include "common.h"
#include "tlog.h"

WB_BEGIN_DECLS

#define WB_NOTE_TEXT_MAX       ((size_t)1 << 20)
#define WB_NOTE_MAX_SIGNATURES 100
/* one signature line, em dash to newline; room for post-quantum signatures */
#define WB_NOTE_SIG_LINE_MAX 8192
#define WB_NOTE_MAX_SIZE     (WB_NOTE_TEXT_MAX + 1 + WB_NOTE_MAX_SIGNATURES * WB_NOTE_SIG_LINE_MAX)
/* a key string (signer or verifier) */
#define WB_NOTE_KEY_MAX 1024

#define WB_CHECKPOINT_MAX_EXTENSIONS 100

typedef enum {
    WB_NOTE_ED25519 = 0x01,        /* signed-note Ed25519 */
    WB_NOTE_COSIGNATURE_V1 = 0x04, /* tlog-cosignature, timestamped Ed25519 */
} wb_note_sig_type;

typedef struct wb_note_signer wb_note_signer;
typedef struct wb_note_verifier wb_note_verifier;
typedef struct wb_note wb_note;

/* One signature line of a parsed note; everything belongs to the note. */
typedef struct wb_note_signature {
    const char *name;               /* key name, NUL-terminated */
    uint32_t key_id;                /* the first four bytes, big-endian */
    const unsigned char *signature; /* the bytes after the key ID */
    size_t signature_len;
} wb_note_signature;

/* --- signers (private keys) --- */

/* A new random key called `name` (non-empty, no spaces, no '+'). */
WB_EXTERN int wb_note_signer_generate(wb_note_signer **out, const char *name,
                                      wb_note_sig_type type);

/* A key from its 32-byte Ed25519 seed (RFC 8032 private key). */
WB_EXTERN int wb_note_signer_from_seed(wb_note_signer **out, const char *name,
                                       wb_note_sig_type type, const unsigned char seed[32]);

/* Parse a signer key string "PRIVATE+KEY+name+keyid+base64(type || seed)"
 * of `len` bytes. The key ID must match the key. WB_EFORMAT otherwise,
 * WB_EUNSUPPORTED for a type other than 0x01 and 0x04. */
WB_EXTERN int wb_note_signer_parse(wb_note_signer **out, const char *skey, size_t len);

/* The signer key string (NUL-terminated, wb_free()). It holds the private
 * key: wipe it (OPENSSL_cleanse, explicit_bzero) before freeing. */
WB_EXTERN int wb_note_signer_encode(char **out, const wb_note_signer *signer);

/* The matching verifier (free with wb_note_verifier_free()). */
WB_EXTERN int wb_note_signer_verifier(wb_note_verifier **out, const wb_note_signer *signer);

WB_EXTERN const char *wb_note_signer_name(const wb_note_signer *signer);
WB_EXTERN uint32_t wb_note_signer_key_id(const wb_note_signer *signer);
WB_EXTERN wb_note_sig_type wb_note_signer_type(const wb_note_signer *signer);

/* Free a signer and wipe its key; NULL is a no-op. */
WB_EXTERN void wb_note_signer_free(wb_note_signer *signer);

/* --- verifiers (public keys) --- */

/* Parse a verifier key string "name+keyid+base64(type || public key)" of
 * `len` bytes; the key ID must match. WB_EFORMAT otherwise. */
WB_EXTERN int wb_note_verifier_parse(wb_note_verifier **out, const char *vkey, size_t len);

/* A verifier from a raw 32-byte Ed25519 public key. */
WB_EXTERN int wb_note_verifier_new(wb_note_verifier **out, const char *name, wb_note_sig_type type,
                                   const unsigned char public_key[32]);

/* The verifier key string (NUL-terminated, wb_free()). */
WB_EXTERN int wb_note_verifier_encode(char **out, const wb_note_verifier *verifier);

WB_EXTERN const char *wb_note_verifier_name(const wb_note_verifier *verifier);
WB_EXTERN uint32_t wb_note_verifier_key_id(const wb_note_verifier *verifier);
WB_EXTERN wb_note_sig_type wb_note_verifier_type(const wb_note_verifier *verifier);
WB_EXTERN void wb_note_verifier_free(wb_note_verifier *verifier);

/* --- notes --- */

/* Sign `text` (text_len bytes: ending in "\n", valid UTF-8, no control
 * characters but newline, at most WB_NOTE_TEXT_MAX) with each of the
 * `n_signers` Ed25519 (type 0x01) signers: *out is the signed note, text,
 * blank line, one signature line per signer (NUL-terminated, wb_free()). */
WB_EXTERN int wb_note_sign(char **out, size_t *out_len, const char *text, size_t text_len,
                           const wb_note_signer *const *signers, size_t n_signers);

/* One signature line ("— name base64\n") by an Ed25519 signer over `text`,
 * to append to a signed note of that text (NUL-terminated, wb_free()). */
WB_EXTERN int wb_note_signature_line(char **out, size_t *out_len, const wb_note_signer *signer,
                                     const char *text, size_t text_len);

/* Parse the syntax of a signed note of `len` bytes (no verification):
 * WB_EFORMAT with the reason (no final newline, no blank line, a line
 * without the em dash, bad base64, an invalid key name, ...), WB_ELIMIT over
 * the bounds. Free with wb_note_free(). */
WB_EXTERN int wb_note_parse(wb_note **out, const char *msg, size_t len);

/* The note's text (with its final newline, NUL-terminated, owned by the
 * note); *len (may be NULL) gets its length. Trust it only after a
 * successful wb_note_verify(). */
WB_EXTERN const char *wb_note_text(const wb_note *note, size_t *len);
WB_EXTERN size_t wb_note_signature_count(const wb_note *note);
/* The i-th signature line (owned by the note), or NULL. */
WB_EXTERN const wb_note_signature *wb_note_signature_at(const wb_note *note, size_t i);

/* Verify the note against `n_verifiers` known keys, which must differ in
 * name or key ID (WB_EINVAL otherwise). 0 when at least one known key's
 * signature verifies and none fails; WB_EVERIFY otherwise. verified_out (may
 * be NULL) has n_verifiers entries, set to 1 for each verifier whose
 * signature verified and 0 for the others. */
WB_EXTERN WB_MUST_CHECK int wb_note_verify(const wb_note *note,
                                           const wb_note_verifier *const *verifiers,
                                           size_t n_verifiers, unsigned char *verified_out);

/* wb_note_parse() then wb_note_verify(); *out is set only on success. */
WB_EXTERN WB_MUST_CHECK int wb_note_open(wb_note **out, const char *msg, size_t len,
                                         const wb_note_verifier *const *verifiers,
                                         size_t n_verifiers, unsigned char *verified_out);

WB_EXTERN void wb_note_free(wb_note *note);

/* --- checkpoints (c2sp.org/tlog-checkpoint) --- */

typedef struct wb_checkpoint {
    char *origin; /* non-empty */
    uint64_t size;
    wb_tlog_hash root;
    char **extensions; /* n_extensions non-empty lines, without newlines */
    size_t n_extensions;
} wb_checkpoint;

/* Parse a checkpoint body (a note's text), strictly: at least three lines,
 * each ending in a newline; a non-empty origin; a decimal size without
 * leading zeros that fits in 64 bits; a root in standard padded base64 of
 * exactly 32 bytes; non-empty extension lines (at most
 * WB_CHECKPOINT_MAX_EXTENSIONS). WB_EFORMAT otherwise. Free with
 * wb_checkpoint_free(). */
WB_EXTERN int wb_checkpoint_parse(wb_checkpoint **out, const char *text, size_t len);

/* The checkpoint body for these fields (NUL-terminated, wb_free()).
 * `extensions` may be NULL when n_extensions is 0. */
WB_EXTERN int wb_checkpoint_format(char **out, size_t *out_len, const char *origin, uint64_t size,
                                   const wb_tlog_hash *root, const char *const *extensions,
                                   size_t n_extensions);

/* Open a signed checkpoint: verify the note with the log's Ed25519 key
 * alone (other signatures, such as cosignatures, are ignored), parse its
 * text, and when `origin` is not NULL require that origin. *out gets the
 * checkpoint and *note_out (may be NULL) the note, for cosignature checks.
 * WB_EVERIFY when the signature or the origin is wrong. */
WB_EXTERN WB_MUST_CHECK int wb_checkpoint_open(wb_checkpoint **out, wb_note **note_out,
                                               const char *msg, size_t len, const char *origin,
                                               const wb_note_verifier *log_key);

WB_EXTERN void wb_checkpoint_free(wb_checkpoint *checkpoint);

/* --- cosignatures (c2sp.org/tlog-cosignature, Ed25519 v1) --- */

/* The signed message "cosignature/v1\ntime <timestamp>\n" || checkpoint
 * (NUL-terminated, wb_free()). The timestamp must not exceed 2^63 - 1. */
WB_EXTERN int wb_cosig_message(char **out, size_t *out_len, const char *checkpoint_text, size_t len,
                               uint64_t timestamp);

/* A cosignature line by `cosigner` (type WB_NOTE_COSIGNATURE_V1) over the
 * checkpoint body `checkpoint_text` (which must parse as a checkpoint) at
 * `timestamp` (POSIX seconds, at most 2^63 - 1): "— name base64(key ID ||
 * timestamp || signature)\n", to append to the signed checkpoint. */
WB_EXTERN int wb_cosig_sign(char **out, size_t *out_len, const wb_note_signer *cosigner,
                            const char *checkpoint_text, size_t len, uint64_t timestamp);

/* Verify the cosignature of `cosigner` (type WB_NOTE_COSIGNATURE_V1) on a
 * parsed note whose text is a checkpoint. 0 when the note carries at least
 * one cosignature line by that key and every such line verifies; the latest
 * timestamp goes to *timestamp_out (may be NULL), for the caller's freshness
 * policy. WB_EVERIFY when there is none or one fails, WB_EFORMAT when the
 * text is not a checkpoint. */
WB_EXTERN WB_MUST_CHECK int wb_cosig_verify(uint64_t *timestamp_out, const wb_note *note,
                                            const wb_note_verifier *cosigner);

WB_END_DECLS

#endif
