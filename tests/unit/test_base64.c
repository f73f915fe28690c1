/*
 * test_base64.c: strict RFC 4648 base64 (base64.c).
 *
 * The RFC 4648 section 10 vectors both ways; the URL-safe alphabet and
 * unpadded input accepted, as DSSE requires; and everything that would give
 * one byte string two accepted encodings refused: whitespace, a mix of the
 * two alphabets, padding anywhere but the end or in the wrong amount,
 * non-zero bits after the last byte, a length that leaves a lone character.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

typedef struct {
    const char *plain;
    const char *encoded;
} vector;

/* RFC 4648, section 10 */
static const vector rfc4648[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static void fill_pseudo_random(unsigned char *buf, size_t len, uint32_t seed)
{
    size_t i;
    uint32_t x = seed * 2654435761u + 1;
    for (i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (unsigned char)(x >> 7);
    }
}

/* decode `text` (its strlen) and expect success with `plain_len` bytes */
static void expect_decodes(const char *text, const void *plain, size_t plain_len)
{
    unsigned char *out = NULL;
    size_t out_len = 12345;
    int rc = wb_base64_decode(&out, &out_len, text, strlen(text));
    if (rc != 0)
        fail_msg("decoding \"%s\" failed: %s", text, wb_error_last());
    assert_non_null(out);
    assert_int_equal(out_len, plain_len);
    if (plain_len)
        assert_memory_equal(out, plain, plain_len);
    wb_free(out);
}

/* decode the first `len` bytes at `text` and expect WB_EFORMAT */
static void expect_rejected_n(const char *text, size_t len)
{
    unsigned char *out = (unsigned char *)"sentinel";
    size_t out_len = 0;
    int rc = wb_base64_decode(&out, &out_len, text, len);
    if (rc != WB_EFORMAT)
        fail_msg("decoding \"%.*s\" (%zu bytes) gave %s, expected WB_EFORMAT", (int)len, text, len,
                 wb_error_name(rc));
    assert_null(out);
    assert_int_equal(wb_error_last_code(), WB_EFORMAT);
    assert_non_null(strstr(wb_error_last(), "base64"));
}

static void expect_rejected(const char *text)
{
    expect_rejected_n(text, strlen(text));
}

static void test_rfc4648_encode(void **state)
{
    size_t i;
    for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
        char *out = NULL;
        size_t out_len = 999;
        assert_int_equal(
            wb_base64_encode(&out, &out_len, rfc4648[i].plain, strlen(rfc4648[i].plain)), 0);
        assert_non_null(out);
        assert_string_equal(out, rfc4648[i].encoded);
        assert_int_equal(out_len, strlen(rfc4648[i].encoded));
        wb_free(out);
    }
}

static void test_rfc4648_decode(void **state)
{
    size_t i;
    for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++)
        expect_decodes(rfc4648[i].encoded, rfc4648[i].plain, strlen(rfc4648[i].plain));
}

static void test_encode_out_len_optional(void **state)
{
    char *out = NULL;
    assert_int_equal(wb_base64_encode(&out, NULL, "foobar", 6), 0);
    assert_string_equal(out, "Zm9vYmFy");
    wb_free(out);
}

static void test_unpadded_accepted(void **state)
{
    expect_decodes("Zg", "f", 1);
    expect_decodes("Zm8", "fo", 2);
    expect_decodes("Zm9vYg", "foob", 4);
    expect_decodes("Zm9vYmE", "fooba", 5);
}

static void test_url_safe_alphabet(void **state)
{
    static const unsigned char bytes[] = {0xfb, 0xff, 0xbf, 0x3e, 0x3f};
    char *out = NULL;
    /* the encoder writes the standard alphabet */
    assert_int_equal(wb_base64_encode(&out, NULL, bytes, sizeof(bytes)), 0);
    assert_string_equal(out, "+/+/Pj8=");
    wb_free(out);
    expect_decodes("+/+/Pj8=", bytes, sizeof(bytes));
    expect_decodes("-_-_Pj8=", bytes, sizeof(bytes));
    expect_decodes("-_-_Pj8", bytes, sizeof(bytes));
    expect_decodes("+/+/Pj8", bytes, sizeof(bytes));
    /* '-' is 62 and '_' is 63, exactly as '+' and '/' */
    expect_decodes("----", "\xfb\xef\xbe", 3);
    expect_decodes("____", "\xff\xff\xff", 3);
    expect_decodes("++++", "\xfb\xef\xbe", 3);
    expect_decodes("////", "\xff\xff\xff", 3);
}

static void test_rejects_mixed_alphabets(void **state)
{
    expect_rejected("+_+_");
    expect_rejected("-/-/");
    expect_rejected("+/-_");
    expect_rejected("Zm9v+AAA-AAA");
    assert_non_null(strstr(wb_error_last(), "alphabet"));
}

static void test_rejects_whitespace(void **state)
{
    expect_rejected("Zm9v\n");
    expect_rejected("Zm9v\r\n");
    expect_rejected(" Zm9v");
    expect_rejected("Zm 9v");
    expect_rejected("Zm9v YmFy");
    expect_rejected("Zm9v\tYmFy");
    expect_rejected("Zm9vYmFy\n");
    expect_rejected("Zg==\n");
    expect_rejected("Zg= =");
}

static void test_rejects_other_characters(void **state)
{
    expect_rejected("Zm9v!A==");
    expect_rejected("Zm.v");
    expect_rejected("Zm9\x80");
    expect_rejected("\xff\xff\xff\xff");
    expect_rejected_n("Zm\0v", 4);
    expect_rejected_n("Zm9v\0\0\0\0", 8);
}

static void test_rejects_bad_padding(void **state)
{
    expect_rejected("=");
    expect_rejected("==");
    expect_rejected("===");
    expect_rejected("====");
    expect_rejected("Zg=");   /* too little padding */
    expect_rejected("Zg==="); /* too much */
    expect_rejected("Z===");  /* three pad characters */
    expect_rejected("Zm9v="); /* padding after a full group */
    expect_rejected("Zm9v====");
    expect_rejected("Zm8==");
    expect_rejected("=Zm8");     /* padding at the start */
    expect_rejected("Z=m8");     /* in the middle of a group */
    expect_rejected("Zg==Zg=="); /* between groups */
    expect_rejected("Zg==Zm9v");
    expect_rejected("Zm9vYg=");
    expect_rejected("Zm9vYmE==");
}

static void test_rejects_nonzero_trailing_bits(void **state)
{
    /* "f" is Zg==; Zh, Zi ... Zv carry bits past the byte */
    expect_rejected("Zh==");
    expect_rejected("Zh");
    expect_rejected("Zv==");
    expect_rejected("Z/==");
    expect_rejected("Z_");
    /* "fo" is Zm8=; Zm9 carries one extra bit */
    expect_rejected("Zm9=");
    expect_rejected("Zm9");
    expect_rejected("Zm9vYh==");
    expect_rejected("Zm9vYmF=");
    assert_non_null(strstr(wb_error_last(), "trailing"));
}

static void test_rejects_length_mod_4_is_1(void **state)
{
    expect_rejected("Z");
    expect_rejected("A");
    expect_rejected("Zm9vY");
    expect_rejected("AAAAA");
    expect_rejected("Zm9vYmFyZ");
}

static void test_empty_decode(void **state)
{
    unsigned char *out = NULL;
    size_t out_len = 7;
    assert_int_equal(wb_base64_decode(&out, &out_len, "", 0), 0);
    assert_non_null(out);
    assert_int_equal(out_len, 0);
    wb_free(out);
    /* only `len` bytes are read */
    out = NULL;
    assert_int_equal(wb_base64_decode(&out, &out_len, "Zm9vgarbage", 4), 0);
    assert_int_equal(out_len, 3);
    assert_memory_equal(out, "foo", 3);
    wb_free(out);
}

/* standard -> URL-safe, padding dropped */
static void to_url_unpadded(char *text)
{
    size_t i, len = strlen(text);
    for (i = 0; i < len; i++) {
        if (text[i] == '+')
            text[i] = '-';
        else if (text[i] == '/')
            text[i] = '_';
    }
    while (len > 0 && text[len - 1] == '=')
        text[--len] = '\0';
}

static void test_round_trip_every_length(void **state)
{
    unsigned char bytes[300];
    size_t len;
    for (len = 0; len <= sizeof(bytes); len++) {
        char *text = NULL;
        size_t text_len = 0;
        unsigned char *back = NULL;
        size_t back_len = 0;

        fill_pseudo_random(bytes, len, (uint32_t)len);
        assert_int_equal(wb_base64_encode(&text, &text_len, bytes, len), 0);
        assert_int_equal(text_len, (len + 2) / 3 * 4);
        assert_int_equal(strlen(text), text_len);
        assert_int_equal(text_len % 4, 0);

        assert_int_equal(wb_base64_decode(&back, &back_len, text, text_len), 0);
        assert_int_equal(back_len, len);
        if (len)
            assert_memory_equal(back, bytes, len);
        wb_free(back);

        /* the same bytes from the URL-safe, unpadded form */
        to_url_unpadded(text);
        back = NULL;
        assert_int_equal(wb_base64_decode(&back, &back_len, text, strlen(text)), 0);
        assert_int_equal(back_len, len);
        if (len)
            assert_memory_equal(back, bytes, len);
        wb_free(back);
        wb_free(text);
    }
}

/* Every 2- and 3-character tail either decodes to bytes that encode back to
 * it, or is refused: one accepted encoding per byte string. */
static void test_canonical_tails(void **state)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t a, b, accepted = 0;
    for (a = 0; a < 64; a++) {
        for (b = 0; b < 64; b++) {
            char text[5] = {alphabet[a], alphabet[b], '=', '=', '\0'};
            unsigned char *out = NULL;
            size_t out_len = 0;
            if (wb_base64_decode(&out, &out_len, text, 4) == 0) {
                char *again = NULL;
                accepted++;
                assert_int_equal(out_len, 1);
                assert_int_equal(wb_base64_encode(&again, NULL, out, out_len), 0);
                assert_string_equal(again, text);
                wb_free(again);
                wb_free(out);
            } else {
                assert_null(out);
            }
        }
    }
    /* exactly one encoding for each of the 256 byte values */
    assert_int_equal(accepted, 256);
}

static void test_out_of_memory(void **state)
{
    char *text = (char *)"x";
    unsigned char *bytes = (unsigned char *)"x";
    size_t len = 0;
    wb_alloc_fail_after(1);
    assert_int_equal(wb_base64_encode(&text, &len, "foobar", 6), WB_ENOMEM);
    assert_null(text);
    assert_int_equal(wb_base64_decode(&bytes, &len, "Zm9vYmFy", 8), WB_ENOMEM);
    assert_null(bytes);
    wb_alloc_fail_after(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_encode),
        cmocka_unit_test(test_rfc4648_decode),
        cmocka_unit_test(test_encode_out_len_optional),
        cmocka_unit_test(test_unpadded_accepted),
        cmocka_unit_test(test_url_safe_alphabet),
        cmocka_unit_test(test_rejects_mixed_alphabets),
        cmocka_unit_test(test_rejects_whitespace),
        cmocka_unit_test(test_rejects_other_characters),
        cmocka_unit_test(test_rejects_bad_padding),
        cmocka_unit_test(test_rejects_nonzero_trailing_bits),
        cmocka_unit_test(test_rejects_length_mod_4_is_1),
        cmocka_unit_test(test_empty_decode),
        cmocka_unit_test(test_round_trip_every_length),
        cmocka_unit_test(test_canonical_tails),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests_name("base64", tests, NULL, NULL);
}
