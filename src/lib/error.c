/*
 * error.c: the thread-local last error.
 *
 * Messages are formatted into a fixed thread-local buffer: setting an error
 * must work when memory has run out, so it never allocates. Long messages are
 * cut with an ellipsis rather than lost.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "wb_config.h"

#define WB_ERROR_MAX 1024

static _Thread_local char error_message[WB_ERROR_MAX];
static _Thread_local int error_code;

const char *wb_error_last(void)
{
    return error_message;
}

int wb_error_last_code(void)
{
    return error_code;
}

static void mark_truncated(int n)
{
    if (n >= WB_ERROR_MAX)
        memcpy(error_message + WB_ERROR_MAX - 4, "...", 4);
}

int wb_error_setv(int code, const char *fmt, va_list ap)
{
    /* format aside first: the arguments may point into error_message
     * (wb_error_set(code, "context: %s", wb_error_last())) */
    char message[WB_ERROR_MAX];
    int n = vsnprintf(message, sizeof(message), fmt, ap);
    if (n < 0)
        snprintf(message, sizeof(message), "%s", wb_error_name(code));
    memcpy(error_message, message, sizeof(error_message));
    mark_truncated(n);
    error_code = code;
    return code;
}

int wb_error_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wb_error_setv(code, fmt, ap);
    va_end(ap);
    return code;
}

int wb_error_prefix(int code, const char *fmt, ...)
{
    char prefix[WB_ERROR_MAX];
    char previous[WB_ERROR_MAX];
    va_list ap;
    int n;

    memcpy(previous, error_message, sizeof(previous));
    va_start(ap, fmt);
    n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    if (n < 0)
        prefix[0] = '\0';
    n = snprintf(error_message, sizeof(error_message), "%s%s", prefix, previous);
    mark_truncated(n);
    error_code = code;
    return code;
}

void wb_error_clear(void)
{
    error_message[0] = '\0';
    error_code = 0;
}

const char *wb_error_name(int code)
{
    switch (code) {
    case WB_OK:
        return "WB_OK";
    case WB_EINVAL:
        return "WB_EINVAL";
    case WB_ENOMEM:
        return "WB_ENOMEM";
    case WB_EIO:
        return "WB_EIO";
    case WB_EFORMAT:
        return "WB_EFORMAT";
    case WB_EVERIFY:
        return "WB_EVERIFY";
    case WB_ECRYPTO:
        return "WB_ECRYPTO";
    case WB_ENOTFOUND:
        return "WB_ENOTFOUND";
    case WB_EPERM:
        return "WB_EPERM";
    case WB_ELIMIT:
        return "WB_ELIMIT";
    case WB_EUNSUPPORTED:
        return "WB_EUNSUPPORTED";
    case WB_EEXISTS:
        return "WB_EEXISTS";
    case WB_EINTERNAL:
        return "WB_EINTERNAL";
    default:
        return "WB_E?";
    }
}

const char *wb_version(void)
{
    return WB_VERSION;
}
