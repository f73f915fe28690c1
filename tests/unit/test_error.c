/*
 * test_error.c: the thread-local last error (error.c).
 *
 * Checks the contract of error.h: wb_error_set() returns its code and leaves
 * the formatted message, wb_error_prefix() puts context in front of the
 * current message, wb_error_clear() forgets both, messages longer than the
 * fixed buffer are cut and end with "...", each thread sees only its own
 * error, and every code has its name.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "wb_config.h"

/* error.c formats into a buffer of this many bytes, NUL included */
#define ERROR_BUFFER 1024

static int set_via_va_list(int code, const char *fmt, ...) WB_PRINTF(2, 3);
static int set_via_va_list(int code, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = wb_error_setv(code, fmt, ap);
    va_end(ap);
    return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static void test_initially_empty(void **state)
{
    wb_error_clear();
    assert_non_null(wb_error_last());
    assert_string_equal(wb_error_last(), "");
    assert_int_equal(wb_error_last_code(), 0);
}

static void test_set_and_last(void **state)
{
    int rc = wb_error_set(WB_EFORMAT, "%s: line %d: %s", "env.json", 42, "unexpected '}'");
    assert_int_equal(rc, WB_EFORMAT);
    assert_string_equal(wb_error_last(), "env.json: line 42: unexpected '}'");
    assert_int_equal(wb_error_last_code(), WB_EFORMAT);

    /* a second error replaces the first entirely */
    rc = wb_error_set(WB_EIO, "short");
    assert_int_equal(rc, WB_EIO);
    assert_string_equal(wb_error_last(), "short");
    assert_int_equal(wb_error_last_code(), WB_EIO);
}

static void test_setv(void **state)
{
    int rc = set_via_va_list(WB_ELIMIT, "%zu signatures, more than %d", (size_t)300, 256);
    assert_int_equal(rc, WB_ELIMIT);
    assert_string_equal(wb_error_last(), "300 signatures, more than 256");
    assert_int_equal(wb_error_last_code(), WB_ELIMIT);
}

static void test_set_empty_message(void **state)
{
    wb_error_set(WB_EIO, "something");
    assert_int_equal(wb_error_set(WB_EVERIFY, "%s", ""), WB_EVERIFY);
    assert_string_equal(wb_error_last(), "");
    assert_int_equal(wb_error_last_code(), WB_EVERIFY);
}

static void test_prefix(void **state)
{
    int rc;
    wb_error_set(WB_EFORMAT, "base64: invalid character at offset 3");
    rc = wb_error_prefix(WB_EFORMAT, "%s: %s: ", "env.json", "payload");
    assert_int_equal(rc, WB_EFORMAT);
    assert_string_equal(wb_error_last(),
                        "env.json: payload: base64: invalid character at offset 3");

    /* the prefix may change the code */
    rc = wb_error_prefix(WB_EVERIFY, "outer: ");
    assert_int_equal(rc, WB_EVERIFY);
    assert_int_equal(wb_error_last_code(), WB_EVERIFY);
    assert_string_equal(wb_error_last(),
                        "outer: env.json: payload: base64: invalid character at offset 3");
}

static void test_prefix_on_empty(void **state)
{
    wb_error_clear();
    assert_int_equal(wb_error_prefix(WB_EIO, "file.txt: "), WB_EIO);
    assert_string_equal(wb_error_last(), "file.txt: ");
    assert_int_equal(wb_error_last_code(), WB_EIO);
}

static void test_clear(void **state)
{
    wb_error_set(WB_ECRYPTO, "openssl said no");
    wb_error_clear();
    assert_string_equal(wb_error_last(), "");
    assert_int_equal(wb_error_last_code(), 0);
    wb_error_clear(); /* twice is fine */
    assert_string_equal(wb_error_last(), "");
}

static void test_exact_fit_is_not_truncated(void **state)
{
    char text[ERROR_BUFFER];
    memset(text, 'x', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0'; /* 1023 characters: fits exactly */
    wb_error_set(WB_EFORMAT, "%s", text);
    assert_int_equal(strlen(wb_error_last()), ERROR_BUFFER - 1);
    assert_string_equal(wb_error_last(), text);
    assert_false(ends_with(wb_error_last(), "..."));
}

static void test_one_over_is_truncated(void **state)
{
    char text[ERROR_BUFFER + 1];
    memset(text, 'y', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0'; /* 1024 characters: one too many */
    wb_error_set(WB_EFORMAT, "%s", text);
    assert_int_equal(strlen(wb_error_last()), ERROR_BUFFER - 1);
    assert_true(ends_with(wb_error_last(), "..."));
    assert_int_equal(wb_error_last()[0], 'y');
    assert_int_equal(wb_error_last_code(), WB_EFORMAT);
}

static void test_very_long_message_truncated(void **state)
{
    size_t len = 100000, i;
    char *text = malloc(len + 1);
    const char *msg;
    assert_non_null(text);
    for (i = 0; i < len; i++)
        text[i] = (char)('a' + i % 26);
    text[len] = '\0';
    assert_int_equal(wb_error_set(WB_ELIMIT, "start:%s", text), WB_ELIMIT);
    msg = wb_error_last();
    assert_int_equal(strlen(msg), ERROR_BUFFER - 1);
    assert_true(ends_with(msg, "..."));
    assert_memory_equal(msg, "start:abcdef", 12);
    /* everything before the ellipsis is the start of the real message */
    assert_memory_equal(msg + 6, text, ERROR_BUFFER - 1 - 3 - 6);
    assert_int_equal(wb_error_last_code(), WB_ELIMIT);
    free(text);
}

static void test_prefix_truncated(void **state)
{
    char text[ERROR_BUFFER];
    const char *msg;
    memset(text, 'z', 1000);
    text[1000] = '\0';
    wb_error_set(WB_EIO, "%s", text);
    wb_error_prefix(WB_EIO, "%s: ", "a-rather-long-file-name-that-pushes-it-over.json");
    msg = wb_error_last();
    assert_int_equal(strlen(msg), ERROR_BUFFER - 1);
    assert_true(ends_with(msg, "..."));
    assert_memory_equal(msg, "a-rather-long-file-name-that-pushes-it-over.json: zzz", 53);
}

static void test_prefix_longer_than_buffer(void **state)
{
    char prefix[3000];
    memset(prefix, 'p', sizeof(prefix) - 1);
    prefix[sizeof(prefix) - 1] = '\0';
    wb_error_set(WB_EIO, "inner");
    wb_error_prefix(WB_EIO, "%s", prefix);
    assert_int_equal(strlen(wb_error_last()), ERROR_BUFFER - 1);
    assert_true(ends_with(wb_error_last(), "..."));
    assert_int_equal(wb_error_last()[0], 'p');
}

/* The message may be passed to the next wb_error_set() as an argument, as
 * libgit2 allows with git_error_last()->message: the buffer being written is
 * then also being read, which must not garble the result. */
static void test_set_with_last_as_argument(void **state)
{
    wb_error_clear();
    wb_error_set(WB_EFORMAT, "inner problem");
    wb_error_set(WB_EIO, "outer context: %s", wb_error_last());
    if (strcmp(wb_error_last(), "outer context: inner problem") != 0)
        fail_msg("wb_error_set(code, \"outer context: %%s\", wb_error_last()) left \"%.60s\"%s",
                 wb_error_last(), strlen(wb_error_last()) > 60 ? "..." : "");
    assert_int_equal(wb_error_last_code(), WB_EIO);
}

/* --- thread locality --- */

typedef struct {
    pthread_barrier_t *barrier;
    char seen_at_start[64];
    int code_at_start;
    char seen_at_end[64];
    int code_at_end;
} thread_view;

static void *other_thread(void *arg)
{
    thread_view *view = arg;
    snprintf(view->seen_at_start, sizeof(view->seen_at_start), "%s", wb_error_last());
    view->code_at_start = wb_error_last_code();
    wb_error_set(WB_ENOTFOUND, "thread: %s", "its own message");
    /* both threads have now set their error; let the main thread check */
    pthread_barrier_wait(view->barrier);
    /* wait while the main thread sets another error */
    pthread_barrier_wait(view->barrier);
    snprintf(view->seen_at_end, sizeof(view->seen_at_end), "%s", wb_error_last());
    view->code_at_end = wb_error_last_code();
    return NULL;
}

static void test_thread_local(void **state)
{
    pthread_barrier_t barrier;
    thread_view view;
    pthread_t thread;

    memset(&view, 0, sizeof(view));
    assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
    view.barrier = &barrier;
    wb_error_set(WB_EPERM, "main: %s", "first message");

    assert_int_equal(pthread_create(&thread, NULL, other_thread, &view), 0);
    pthread_barrier_wait(&barrier);
    /* the other thread's error did not touch ours */
    assert_string_equal(wb_error_last(), "main: first message");
    assert_int_equal(wb_error_last_code(), WB_EPERM);
    wb_error_set(WB_EVERIFY, "main: second message");
    pthread_barrier_wait(&barrier);
    assert_int_equal(pthread_join(thread, NULL), 0);
    pthread_barrier_destroy(&barrier);

    /* a new thread starts with no error, whatever this one had */
    assert_string_equal(view.seen_at_start, "");
    assert_int_equal(view.code_at_start, 0);
    /* and kept its own while we set ours */
    assert_string_equal(view.seen_at_end, "thread: its own message");
    assert_int_equal(view.code_at_end, WB_ENOTFOUND);
    assert_string_equal(wb_error_last(), "main: second message");
    assert_int_equal(wb_error_last_code(), WB_EVERIFY);
}

static void *clear_in_thread(void *arg)
{
    (void)arg;
    wb_error_clear();
    return NULL;
}

static void test_clear_is_thread_local(void **state)
{
    pthread_t thread;
    wb_error_set(WB_EIO, "kept");
    assert_int_equal(pthread_create(&thread, NULL, clear_in_thread, NULL), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_string_equal(wb_error_last(), "kept");
    assert_int_equal(wb_error_last_code(), WB_EIO);
}

/* --- names --- */

static void test_error_names(void **state)
{
    static const struct {
        int code;
        const char *name;
    } names[] = {
        {WB_OK, "WB_OK"},
        {WB_EINVAL, "WB_EINVAL"},
        {WB_ENOMEM, "WB_ENOMEM"},
        {WB_EIO, "WB_EIO"},
        {WB_EFORMAT, "WB_EFORMAT"},
        {WB_EVERIFY, "WB_EVERIFY"},
        {WB_ECRYPTO, "WB_ECRYPTO"},
        {WB_ENOTFOUND, "WB_ENOTFOUND"},
        {WB_EPERM, "WB_EPERM"},
        {WB_ELIMIT, "WB_ELIMIT"},
        {WB_EUNSUPPORTED, "WB_EUNSUPPORTED"},
        {WB_EEXISTS, "WB_EEXISTS"},
        {WB_EINTERNAL, "WB_EINTERNAL"},
    };
    size_t i, j;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_string_equal(wb_error_name(names[i].code), names[i].name);
        /* names are distinct */
        for (j = 0; j < i; j++)
            assert_string_not_equal(wb_error_name(names[i].code), wb_error_name(names[j].code));
    }
    /* the codes are the documented values */
    assert_int_equal(WB_EINVAL, -1);
    assert_int_equal(WB_EINTERNAL, -12);
}

static void test_error_name_unknown(void **state)
{
    static const int unknown[] = {1, 5, -13, -100, 1000};
    size_t i;
    for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        const char *name = wb_error_name(unknown[i]);
        assert_non_null(name);
        assert_string_equal(name, "WB_E?");
    }
}

static void test_version(void **state)
{
    assert_non_null(wb_version());
    assert_string_equal(wb_version(), WB_VERSION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initially_empty),
        cmocka_unit_test(test_set_and_last),
        cmocka_unit_test(test_setv),
        cmocka_unit_test(test_set_empty_message),
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_prefix_on_empty),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_exact_fit_is_not_truncated),
        cmocka_unit_test(test_one_over_is_truncated),
        cmocka_unit_test(test_very_long_message_truncated),
        cmocka_unit_test(test_prefix_truncated),
        cmocka_unit_test(test_prefix_longer_than_buffer),
        cmocka_unit_test(test_set_with_last_as_argument),
        cmocka_unit_test(test_thread_local),
        cmocka_unit_test(test_clear_is_thread_local),
        cmocka_unit_test(test_error_names),
        cmocka_unit_test(test_error_name_unknown),
        cmocka_unit_test(test_version),
    };
    return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
