/*
 * json.h: bounded JSON parsing (jansson) and the two canonical encodings
 * that signatures are computed over.
 *
 *  - wb_json_canonical_olpc(): the "canonical JSON" of OLPC as implemented by
 *    securesystemslib (encode_canonical) and signed by in-toto and TUF:
 *    object keys sorted by code point, no whitespace, only '"' and '\'
 *    escaped in strings (all other bytes, control characters included, are
 *    written as they are), integers only; floats are refused.
 *  - wb_json_canonical_jcs(): RFC 8785 JSON Canonicalization Scheme: keys
 *    sorted by UTF-16 code units, ECMAScript number formatting, the minimal
 *    JSON string escapes. Numbers are IEEE 754 doubles: an integer beyond
 *    +-(2^53-1) is written only when its digits are already the canonical
 *    form of that double (9007199254740992, 1152921504606847000), and
 *    refused when canonicalization would change it (9007199254740993, 2^60
 *    = 1152921504606846976), never rounded.
 *
 * Both return a malloc'd buffer (free with wb_free()) and its length; the
 * buffer is also NUL-terminated for convenience.
 */
#ifndef WAYBILL_JSON_H
#define WAYBILL_JSON_H

#include <jansson.h>
#include "common.h"

WB_BEGIN_DECLS

/* Nesting deeper than this is refused by the canonical encoders (jansson's
 * parser has its own limit of 2048). */
#define WB_JSON_MAX_DEPTH 512

/* Parse `len` bytes of JSON text. Duplicate object keys are refused (an
 * attacker must not be able to make two readers see two documents), so are
 * NUL characters in strings. `what` names the input in error messages
 * ("env.json"). On success *out is a new reference the caller releases
 * with json_decref(). */
WB_EXTERN int wb_json_parse(json_t **out, const char *buf, size_t len, const char *what);

/* OLPC / securesystemslib canonical form of `value`. WB_EFORMAT for a
 * float (real) anywhere in it, WB_ELIMIT beyond WB_JSON_MAX_DEPTH. */
WB_EXTERN int wb_json_canonical_olpc(char **out, size_t *out_len, const json_t *value);

/* RFC 8785 (JCS) canonical form of `value`. WB_EFORMAT for a non-finite
 * number, an integer that canonicalization would change, or a string
 * that is not valid UTF-8; WB_ELIMIT beyond WB_JSON_MAX_DEPTH. Note that a
 * real between 2^63 and 1e21 is written as plain digits (as ECMAScript
 * does), which jansson cannot read back: it has 64-bit integers only. */
WB_EXTERN int wb_json_canonical_jcs(char **out, size_t *out_len, const json_t *value);

WB_END_DECLS

#endif
