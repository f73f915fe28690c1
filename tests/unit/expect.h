/*
 * expect.h: assert that a call failed with a given code and a message that
 * names what went wrong. Include after cmocka.h and the waybill headers.
 */
#ifndef WAYBILL_TEST_EXPECT_H
#define WAYBILL_TEST_EXPECT_H

#include <string.h>

static inline void expect_error(int rc, int expected, const char *needle)
{
    if (rc != expected)
        fail_msg("%s (%s), expected %s", wb_error_name(rc), wb_error_last(),
                 wb_error_name(expected));
    if (needle && !strstr(wb_error_last(), needle))
        fail_msg("message \"%s\" lacks \"%s\"", wb_error_last(), needle);
}

#endif
