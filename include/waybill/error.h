/*
 * error.h: error codes and the thread-local last-error message.
 *
 * Every libwaybill function that can fail returns 0 on success or one of the
 * negative WB_E* codes below, and leaves a message saying what failed and
 * where ("env.json: signature 2: no trusted key with id 5f3a…") that the
 * caller reads with wb_error_last(). The message lives in thread-local
 * storage, so threads do not see each other's errors (libgit2's model).
 */
#ifndef WAYBILL_ERROR_H
#define WAYBILL_ERROR_H

#include <stdarg.h>
#include "common.h"

WB_BEGIN_DECLS

typedef enum {
    WB_OK = 0,
    WB_EINVAL = -1,        /* a caller passed an invalid argument */
    WB_ENOMEM = -2,        /* an allocation failed */
    WB_EIO = -3,           /* reading or writing a file failed */
    WB_EFORMAT = -4,       /* input is malformed (JSON, PEM, base64, envelope...) */
    WB_EVERIFY = -5,       /* a signature, digest or proof does not verify */
    WB_ECRYPTO = -6,       /* the crypto library failed */
    WB_ENOTFOUND = -7,     /* a named thing does not exist */
    WB_EPERM = -8,         /* refused for safety (e.g. private key readable by others) */
    WB_ELIMIT = -9,        /* input exceeds a size or count bound */
    WB_EUNSUPPORTED = -10, /* valid input that this version does not handle */
    WB_EEXISTS = -11,      /* would overwrite something that exists */
    WB_EINTERNAL = -12,    /* a bug: an invariant did not hold */
} wb_error_code;

/* The message of the last error set on this thread, or "" when none was.
 * The string belongs to the library and stays valid until the next call that
 * sets or clears an error on this thread. Never NULL. */
WB_EXTERN const char *wb_error_last(void);

/* The code of the last error set on this thread (0 when none). */
WB_EXTERN int wb_error_last_code(void);

/* Set this thread's error message (printf-style) and return `code`, so
 * callers can write `return wb_error_set(WB_EFORMAT, "%s: ...", name);`. */
WB_EXTERN int wb_error_set(int code, const char *fmt, ...) WB_PRINTF(2, 3);
WB_EXTERN int wb_error_setv(int code, const char *fmt, va_list ap) WB_PRINTF(2, 0);

/* Prefix the current message with context ("env.json: " + message) and
 * return `code`. Used when a lower layer's message lacks the file name. */
WB_EXTERN int wb_error_prefix(int code, const char *fmt, ...) WB_PRINTF(2, 3);

/* Forget the last error on this thread. */
WB_EXTERN void wb_error_clear(void);

/* A short constant name for a code ("WB_EFORMAT"), for logs and tests. */
WB_EXTERN const char *wb_error_name(int code);

WB_END_DECLS

#endif
