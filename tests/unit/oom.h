/*
 * oom.h: the allocation-failure loop shared by the unit tests (curl's
 * torture mode, SQLite's OOM tests): run an operation with its 1st, 2nd,
 * ... allocation failing (wb_alloc_fail_after) until it runs with none
 * failing. Every failure must be a clean negative code with a message and
 * must never turn a refusal into an acceptance; the run with nothing
 * failing must give `expected`. With `strict`, a failing allocation may
 * only give WB_ENOMEM or `expected`.
 *
 * Include after cmocka.h and internal.h.
 */
#ifndef WAYBILL_TEST_OOM_H
#define WAYBILL_TEST_OOM_H

#include <stdbool.h>

typedef int (*oom_operation)(const void *arg);

static inline void run_with_failing_allocations_ex(oom_operation op, const void *arg, int expected,
                                                   const char *what, bool strict)
{
    size_t n, made;
    int rc;

    for (n = 1; n < 100000; n++) {
        wb_error_clear();
        wb_alloc_fail_after(n);
        rc = op(arg);
        made = wb_alloc_fail_after(0);
        if (rc > 0)
            fail_msg("%s: allocation %zu failing: positive return %d", what, n, rc);
        if (rc < 0 && wb_error_last()[0] == '\0')
            fail_msg("%s: allocation %zu failing: %s with no message", what, n, wb_error_name(rc));
        if (made < n) {
            if (rc != expected)
                fail_msg("%s: %s (%s) with no allocation failing, expected %s", what,
                         wb_error_name(rc), wb_error_last(), wb_error_name(expected));
            break;
        }
        if (rc == 0 && expected != 0)
            fail_msg("%s: allocation %zu failing: accepted", what, n);
        if (strict && rc != WB_ENOMEM && rc != expected)
            fail_msg("%s: allocation %zu failing: %s (%s)", what, n, wb_error_name(rc),
                     wb_error_last());
    }
    assert_true(n > 1);
}

#endif
