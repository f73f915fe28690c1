/*
 * alloc.c: the one place libwaybill allocates memory, and a growable buffer.
 *
 * Every size multiplication and addition is checked here so callers cannot
 * wrap a size. A countdown lets tests make the n-th allocation fail; the
 * counter is a plain global because only single-threaded tests touch it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static size_t alloc_count;   /* allocations since the last wb_alloc_fail_after() */
static size_t alloc_fail_at; /* 0: never fail; else fail from this allocation on */

size_t wb_alloc_fail_after(size_t n)
{
    size_t made = alloc_count;
    alloc_count = 0;
    alloc_fail_at = n;
    return made;
}

static bool injected_failure(void)
{
    alloc_count++;
    return alloc_fail_at != 0 && alloc_count >= alloc_fail_at;
}

void *wb_malloc(size_t size)
{
    if (injected_failure())
        return NULL;
    return malloc(size ? size : 1);
}

void *wb_calloc(size_t count, size_t size)
{
    size_t total;
    if (wb_mul_overflows(count, size, &total) || injected_failure())
        return NULL;
    return calloc(1, total ? total : 1);
}

void *wb_reallocarray(void *ptr, size_t count, size_t size)
{
    size_t total;
    if (wb_mul_overflows(count, size, &total) || injected_failure())
        return NULL;
    return realloc(ptr, total ? total : 1);
}

void wb_free(void *ptr)
{
    free(ptr);
}

void *wb_memdup(const void *p, size_t n)
{
    void *copy = wb_malloc(n);
    if (copy && n)
        memcpy(copy, p, n);
    return copy;
}

char *wb_strndup(const char *s, size_t n)
{
    size_t size;
    char *copy;
    if (wb_add_overflows(n, 1, &size))
        return NULL;
    copy = wb_malloc(size);
    if (!copy)
        return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

char *wb_strdup(const char *s)
{
    return wb_strndup(s, strlen(s));
}

char *wb_asprintf(const char *fmt, ...)
{
    va_list ap, ap2;
    int n;
    char *out;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return NULL;
    }
    out = wb_malloc((size_t)n + 1);
    if (out)
        vsnprintf(out, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return out;
}

int wb_buf_reserve(wb_buf *buf, size_t extra)
{
    size_t need, cap;
    char *grown;

    if (buf->failed)
        return WB_ENOMEM;
    /* one spare byte for the NUL that wb_buf_detach() adds */
    if (wb_add_overflows(buf->len, extra, &need) || wb_add_overflows(need, 1, &need))
        goto fail;
    if (need <= buf->cap)
        return 0;
    cap = buf->cap ? buf->cap : 256;
    while (cap < need) {
        if (wb_mul_overflows(cap, 2, &cap))
            goto fail;
    }
    grown = wb_reallocarray(buf->data, cap, 1);
    if (!grown)
        goto fail;
    buf->data = grown;
    buf->cap = cap;
    return 0;
fail:
    buf->failed = true;
    return wb_error_set(WB_ENOMEM, "out of memory");
}

int wb_buf_append(wb_buf *buf, const void *data, size_t len)
{
    int rc = wb_buf_reserve(buf, len);
    if (rc < 0)
        return rc;
    if (len)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    return 0;
}

int wb_buf_putc(wb_buf *buf, char c)
{
    return wb_buf_append(buf, &c, 1);
}

int wb_buf_puts(wb_buf *buf, const char *s)
{
    return wb_buf_append(buf, s, strlen(s));
}

int wb_buf_printf(wb_buf *buf, const char *fmt, ...)
{
    va_list ap, ap2;
    int n, rc;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return wb_error_set(WB_EINTERNAL, "formatting failed");
    }
    rc = wb_buf_reserve(buf, (size_t)n);
    if (rc == 0) {
        vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap2);
        buf->len += (size_t)n;
    }
    va_end(ap2);
    return rc;
}

int wb_buf_detach(wb_buf *buf, char **out, size_t *out_len)
{
    int rc = wb_buf_reserve(buf, 0);
    if (rc < 0) {
        wb_buf_free(buf);
        return rc;
    }
    buf->data[buf->len] = '\0';
    *out = buf->data;
    if (out_len)
        *out_len = buf->len;
    memset(buf, 0, sizeof(*buf));
    return 0;
}

void wb_buf_free(wb_buf *buf)
{
    free(buf->data);
    memset(buf, 0, sizeof(*buf));
}
