/*
 * dsse.h: Dead Simple Signing Envelopes (DSSE v1.0).
 *
 * An envelope carries a payload, its type, and signatures over the
 * pre-authentication encoding PAE(type, payload) =
 *   "DSSEv1" SP LEN(type) SP type SP LEN(payload) SP payload
 * with LEN the decimal byte length without leading zeros.
 *
 * Verification counts distinct trusted keys that made a valid signature: a
 * key that signs twice counts once, signatures by keys not in the trusted
 * ring are ignored, and the keyid field is only a hint (a signature whose
 * hint names no trusted key is still tried against the trusted keys).
 *
 * Parsing is bounded: at most WB_DSSE_MAX_SIGNATURES signatures, and the
 * caller bounds the envelope size (wb_envelope_load() uses
 * WB_DSSE_MAX_ENVELOPE_SIZE).
 */
#ifndef WAYBILL_DSSE_H
#define WAYBILL_DSSE_H

#include "common.h"
#include "key.h"

WB_BEGIN_DECLS

#define WB_DSSE_MAX_SIGNATURES    256
#define WB_DSSE_MAX_ENVELOPE_SIZE ((size_t)1 << 30) /* 1 GiB */

typedef struct wb_envelope wb_envelope;

/* PAE(type, payload) into a malloc'd buffer (wb_free()). */
WB_EXTERN int wb_dsse_pae(unsigned char **out, size_t *out_len, const char *payload_type,
                          const void *payload, size_t payload_len);

/* A new unsigned envelope holding copies of the type and payload. */
WB_EXTERN int wb_envelope_new(wb_envelope **out, const char *payload_type, const void *payload,
                              size_t payload_len);

/* Parse the JSON form {"payload","payloadType","signatures":[{"keyid","sig"}]}.
 * base64 may be standard or URL-safe, padded or not. `name` is used in
 * messages. */
WB_EXTERN int wb_envelope_parse(wb_envelope **out, const char *buf, size_t len, const char *name);

/* Read and parse an envelope file. */
WB_EXTERN int wb_envelope_load(wb_envelope **out, const char *path);

/* Sign with `key` (needs its private half) and append the signature, with
 * the key id as its keyid hint. */
WB_EXTERN int wb_dsse_sign(wb_envelope *env, const wb_key *key);

/* The JSON form (standard base64, padded), followed by a newline; wb_free(). */
WB_EXTERN int wb_envelope_serialize(char **out, size_t *out_len, const wb_envelope *env);

/* Write the JSON form to `path` atomically. */
WB_EXTERN int wb_envelope_save(const wb_envelope *env, const char *path);

WB_EXTERN const char *wb_envelope_payload_type(const wb_envelope *env);
/* The decoded payload (borrowed); *len gets its length. */
WB_EXTERN const unsigned char *wb_envelope_payload(const wb_envelope *env, size_t *len);
WB_EXTERN size_t wb_envelope_signature_count(const wb_envelope *env);
/* The keyid hint of signature i ("" when absent), borrowed. */
WB_EXTERN const char *wb_envelope_signature_keyid(const wb_envelope *env, size_t i);
WB_EXTERN void wb_envelope_free(wb_envelope *env);

typedef enum {
    WB_DSSE_SIG_VALID = 0,     /* valid, by a trusted key counted for the first time */
    WB_DSSE_SIG_DUPLICATE = 1, /* valid, but its key was already counted */
    WB_DSSE_SIG_UNTRUSTED = 2, /* no trusted key verifies it */
    WB_DSSE_SIG_INVALID = 3,   /* the trusted key its hint names does not verify it */
} wb_dsse_sig_status;

typedef struct {
    wb_dsse_sig_status status;
    /* The trusted key's id for VALID, DUPLICATE and INVALID; the keyid hint
     * (possibly "") for UNTRUSTED, cut to 64 characters. */
    char keyid[WB_KEYID_HEX_LEN + 1];
} wb_dsse_sig_result;

typedef struct {
    size_t valid_keys; /* distinct trusted keys with a valid signature */
    size_t threshold;
    size_t nsigs;
    wb_dsse_sig_result *sigs; /* one per signature, in envelope order */
} wb_dsse_result;

/* Verify `env` against the trusted keys in `ring`: 0 when at least
 * `threshold` (>= 1) distinct trusted keys made valid signatures, WB_EVERIFY
 * when not (the message names each signature that did not count and why),
 * another negative code on error. When `result_out` is not NULL it receives
 * the per-signature detail (wb_dsse_result_free()) whatever the verdict. */
WB_EXTERN WB_MUST_CHECK int wb_dsse_verify(wb_dsse_result **result_out, const wb_envelope *env,
                                           const wb_keyring *ring, size_t threshold);

WB_EXTERN void wb_dsse_result_free(wb_dsse_result *result);

WB_END_DECLS

#endif
