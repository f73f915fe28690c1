/*
 * toml_internal.h: the subset of TOML 1.0 that waybill's rule files use
 * (toml.c), read as a stream of events rather than a document tree.
 *
 * Supported: comments, [table] and [[array of tables]] headers with dotted
 * names, `key = value` with bare or quoted keys, and as values the four
 * string forms (basic, literal, multi-line basic, multi-line literal),
 * decimal integers and floats, booleans and arrays of these. Refused with
 * WB_EUNSUPPORTED and the line: dotted keys, inline tables, dates and times,
 * hexadecimal, octal, binary, inf and nan. The whole text must be UTF-8.
 */
#ifndef WAYBILL_TOML_INTERNAL_H
#define WAYBILL_TOML_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    WB_TOML_STRING = 1,
    WB_TOML_INTEGER = 2,
    WB_TOML_FLOAT = 3,
    WB_TOML_BOOL = 4,
    WB_TOML_ARRAY = 5,
} wb_toml_type;

typedef struct wb_toml_value {
    wb_toml_type type;
    char *string; /* WB_TOML_STRING: NUL-terminated, may hold no NUL */
    size_t string_len;
    int64_t integer;
    double number; /* WB_TOML_FLOAT */
    bool boolean;
    struct wb_toml_value *items; /* WB_TOML_ARRAY */
    size_t nitems;
} wb_toml_value;

/* The most nested arrays a value may hold ([[[...]]] is 3). */
#define WB_TOML_MAX_DEPTH 8

typedef struct {
    /* A header: `names` are its dotted parts, `array` is true for [[...]]. */
    int (*table)(void *payload, const char *const *names, size_t nnames, bool array, size_t line);
    /* A `key = value` line under the last header (none: the root table).
     * Both are borrowed for the call only. */
    int (*key)(void *payload, const char *key, const wb_toml_value *value, size_t line);
} wb_toml_handler;

/* Parse `len` bytes of `text`, calling `handler` in document order. Returns
 * 0, a parse error (WB_EFORMAT, WB_EUNSUPPORTED, WB_ELIMIT with the message
 * "NAME:LINE: ...") or the first negative value a callback returned (the
 * callback sets its own message). */
int wb_toml_parse(const char *text, size_t len, const char *name, const wb_toml_handler *handler,
                  void *payload);

#endif
