/*
 * test_json.c: strict parsing and the two canonical encoders.
 *
 * Expected outputs are exact bytes. The OLPC goldens were checked once
 * against securesystemslib 0.26 formats.encode_canonical() (Debian's
 * python3-securesystemslib); the JCS goldens against RFC 8785 (section 3.2
 * examples, appendix B number table) and against node's JSON.stringify /
 * Number.prototype.toString, which RFC 8785 builds on. Neither tool runs
 * here: the bytes are written into the tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "waybill/json.h"

typedef int (*encode_fn)(char **out, size_t *out_len, const json_t *value);

static json_t *parse_ok(const char *text)
{
    json_t *value = NULL;
    int rc = wb_json_parse(&value, text, strlen(text), "test.json");

    if (rc != 0)
        fail_msg("parse failed: %s", wb_error_last());
    assert_non_null(value);
    return value;
}

static void check_encoding(encode_fn encode, const json_t *value, const char *expected,
                           size_t expected_len)
{
    char *out = NULL;
    size_t len = 0;
    int rc = encode(&out, &len, value);

    if (rc != 0)
        fail_msg("encoding failed (%d): %s", rc, wb_error_last());
    assert_non_null(out);
    if (len != expected_len || memcmp(out, expected, len) != 0)
        fail_msg("got %zu bytes [%.*s], expected %zu bytes [%.*s]", len, (int)len, out,
                 expected_len, (int)expected_len, expected);
    assert_int_equal(out[len], '\0');
    wb_free(out);
}

/* Literals may hold NUL bytes, so lengths come from sizeof. */
#define CHECK_OLPC(value, literal)                                                                 \
    check_encoding(wb_json_canonical_olpc, (value), (literal), sizeof(literal) - 1)
#define CHECK_JCS(value, literal)                                                                  \
    check_encoding(wb_json_canonical_jcs, (value), (literal), sizeof(literal) - 1)

/* Parse `text`, encode both ways, compare. */
static void check_text(const char *text, const char *olpc, size_t olpc_len, const char *jcs,
                       size_t jcs_len)
{
    json_t *value = parse_ok(text);

    if (olpc)
        check_encoding(wb_json_canonical_olpc, value, olpc, olpc_len);
    if (jcs)
        check_encoding(wb_json_canonical_jcs, value, jcs, jcs_len);
    json_decref(value);
}

#define CHECK_TEXT(text, olpc, jcs)                                                                \
    check_text((text), (olpc), sizeof(olpc) - 1, (jcs), sizeof(jcs) - 1)
#define CHECK_TEXT_OLPC(text, olpc) check_text((text), (olpc), sizeof(olpc) - 1, NULL, 0)
#define CHECK_TEXT_JCS(text, jcs)   check_text((text), NULL, 0, (jcs), sizeof(jcs) - 1)

/* Encoding fails with `code`, leaves *out NULL, and (when given) the error
 * message equals `message`. */
static void check_refused(encode_fn encode, const json_t *value, int code, const char *message)
{
    char *out = (char *)"untouched";
    size_t len = 12345;
    int rc = encode(&out, &len, value);

    assert_int_equal(rc, code);
    assert_int_equal(wb_error_last_code(), code);
    assert_null(out);
    assert_int_equal(len, 0);
    if (message)
        assert_string_equal(wb_error_last(), message);
}

static void check_parse_refused_len(const char *text, size_t len, int code, const char *message)
{
    json_t *value = (json_t *)&value;
    int rc = wb_json_parse(&value, text, len, "doc.json");

    assert_int_equal(rc, code);
    assert_null(value);
    if (message)
        assert_string_equal(wb_error_last(), message);
}

/* Literals may hold NUL bytes, so lengths come from sizeof. */
#define check_parse_refused(literal, code, message)                                                \
    check_parse_refused_len((literal), sizeof(literal) - 1, (code), (message))

/* --- parsing --- */

static void test_parse_any_top_level(void **state)
{
    static const char *texts[] = {"1", "-2.5", "\"s\"", "null", "true", "[1]", " {} \n"};
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        json_t *value = parse_ok(texts[i]);
        json_decref(value);
    }
}

static void test_parse_length_not_nul(void **state)
{
    /* only `len` bytes are read: the rest of the buffer is not JSON */
    const char text[] = "[1,2]garbage";
    json_t *value = NULL;
    (void)state;

    assert_int_equal(wb_json_parse(&value, text, 5, "x"), 0);
    assert_int_equal(json_array_size(value), 2);
    json_decref(value);
}

static void test_parse_duplicate_keys(void **state)
{
    (void)state;
    check_parse_refused("{\"a\":1,\n \"a\":2}", WB_EFORMAT,
                        "doc.json: line 2, column 4: duplicate object key near '\"a\"'");
    /* nested, and with different values types */
    check_parse_refused("[{\"k\":{\"x\":1,\"x\":[]}}]", WB_EFORMAT, NULL);
    assert_non_null(strstr(wb_error_last(), "duplicate object key"));
}

static void test_parse_error_position(void **state)
{
    const char *text = "{\n  \"a\": 1,\n  \"b\": ]\n}";
    (void)state;

    check_parse_refused_len(text, strlen(text), WB_EFORMAT,
                            "doc.json: line 3, column 8: unexpected token near ']'");
    check_parse_refused("1 2", WB_EFORMAT,
                        "doc.json: line 1, column 3: end of file expected near '2'");
    check_parse_refused("\"\xff\"", WB_EFORMAT,
                        "doc.json: line 1, column 1: unable to decode byte 0xff near '\"'");
    check_parse_refused("123456789012345678901234567890", WB_EFORMAT,
                        "doc.json: line 1, column 30: too big integer");
    /* bytes of the input quoted in the message are made safe to print */
    check_parse_refused("[1,\x1b]", WB_EFORMAT,
                        "doc.json: line 1, column 4: invalid token near '\\x1b'");
    check_parse_refused("{\"a\x7f\":1,\"a\x7f\":2}", WB_EFORMAT,
                        "doc.json: line 1, column 12: duplicate object key near '\"a\\x7f\"'");
}

static void test_parse_nul_refused(void **state)
{
    (void)state;
    check_parse_refused("\"a\\u0000b\"", WB_EFORMAT, NULL);
    assert_non_null(strstr(wb_error_last(), "line 1, column 10"));
    check_parse_refused("{\"a\\u0000\":1}", WB_EFORMAT, NULL);
    /* a raw NUL byte in the text */
    check_parse_refused("\"a\0b\"", WB_EFORMAT, NULL);
}

static void test_parse_empty_and_arguments(void **state)
{
    json_t *value = NULL;
    (void)state;

    check_parse_refused("", WB_EFORMAT, "doc.json: empty input, expected a JSON value");
    check_parse_refused("   ", WB_EFORMAT,
                        "doc.json: line 1, column 3: unexpected token near end of file");
    check_parse_refused_len(NULL, 4, WB_EINVAL, "doc.json: invalid argument");
    assert_int_equal(wb_json_parse(NULL, "1", 1, "doc.json"), WB_EINVAL);
    /* NULL name: messages still name something */
    assert_int_equal(wb_json_parse(&value, "[", 1, NULL), WB_EFORMAT);
    assert_null(value);
    assert_int_equal(strncmp(wb_error_last(), "JSON: line 1", 12), 0);
}

/* --- OLPC canonical JSON --- */

static void test_olpc_literals_and_containers(void **state)
{
    (void)state;
    CHECK_TEXT("{}", "{}", "{}");
    CHECK_TEXT("[]", "[]", "[]");
    CHECK_TEXT(" [ {} , [ ] , { \"a\" : [ ] } ] ", "[{},[],{\"a\":[]}]", "[{},[],{\"a\":[]}]");
    CHECK_TEXT("[null, true, false]", "[null,true,false]", "[null,true,false]");
    CHECK_TEXT("\"\"", "\"\"", "\"\"");
    CHECK_TEXT("{\"x\" : 3, \"y\" : 2}", "{\"x\":3,\"y\":2}", "{\"x\":3,\"y\":2}");
    CHECK_TEXT("{\"b\":{\"d\":[1,{\"f\":0,\"e\":-7}],\"c\":null},\"a\":\"z\"}",
               "{\"a\":\"z\",\"b\":{\"c\":null,\"d\":[1,{\"e\":-7,\"f\":0}]}}",
               "{\"a\":\"z\",\"b\":{\"c\":null,\"d\":[1,{\"e\":-7,\"f\":0}]}}");
    CHECK_TEXT("7", "7", "7");
}

static void test_olpc_integers(void **state)
{
    (void)state;
    CHECK_TEXT_OLPC("[9223372036854775807,-9223372036854775808,0,-0,-1,10]",
                    "[9223372036854775807,-9223372036854775808,0,0,-1,10]");
}

static void test_olpc_control_characters_raw(void **state)
{
    static const char bytes[] = "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
                                "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e"
                                "\x1f\x7f";
    json_t *value = json_stringn(bytes, sizeof(bytes) - 1);
    (void)state;

    assert_non_null(value);
    CHECK_OLPC(value, "\"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
                      "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e"
                      "\x1f\x7f\"");
    json_decref(value);
}

static void test_olpc_quotes_backslashes(void **state)
{
    (void)state;
    /* say "hi" \ C:\dir/file */
    CHECK_TEXT("\"say \\\"hi\\\" \\\\ C:\\\\dir\\/file\"", "\"say \\\"hi\\\" \\\\ C:\\\\dir/file\"",
               "\"say \\\"hi\\\" \\\\ C:\\\\dir/file\"");
    CHECK_TEXT("{\"a\\\"b\\\\\":\"\\\"\\\"\"}", "{\"a\\\"b\\\\\":\"\\\"\\\"\"}",
               "{\"a\\\"b\\\\\":\"\\\"\\\"\"}");
}

static void test_olpc_unicode_raw(void **state)
{
    (void)state;
    /* BMP, supplementary plane, combining acute accent, all raw */
    CHECK_TEXT(
        "[\"\\u00e9\\u20ac\", \"\\ud83d\\ude00\", \"e\\u0301\", \"\\u0080\\uffff\"]",
        "[\"\xc3\xa9\xe2\x82\xac\",\"\xf0\x9f\x98\x80\",\"e\xcc\x81\",\"\xc2\x80\xef\xbf\xbf\"]",
        "[\"\xc3\xa9\xe2\x82\xac\",\"\xf0\x9f\x98\x80\",\"e\xcc\x81\",\"\xc2\x80\xef\xbf\xbf\"]");
}

static void test_olpc_nul_in_string(void **state)
{
    json_t *value = json_stringn("a\0b", 3);
    (void)state;

    assert_non_null(value);
    CHECK_OLPC(value, "\"a\0b\"");
    CHECK_JCS(value, "\"a\\u0000b\"");
    json_decref(value);
}

static void test_olpc_key_order(void **state)
{
    (void)state;
    /* code point order; a prefix sorts first; combining sequences are
     * not normalised: "e" U+0301 sorts by its 'e' */
    CHECK_TEXT("{\"b\":5,\"\\u00e9\":7,\"a\":3,\"aa\":4,\"\":0,\"z\":6,\"A\":1,\"_\":2,"
               "\"e\\u0301\":8}",
               "{\"\":0,\"A\":1,\"_\":2,\"a\":3,\"aa\":4,\"b\":5,\"e\xcc\x81\":8,\"z\":6,"
               "\"\xc3\xa9\":7}",
               "{\"\":0,\"A\":1,\"_\":2,\"a\":3,\"aa\":4,\"b\":5,\"e\xcc\x81\":8,\"z\":6,"
               "\"\xc3\xa9\":7}");
}

static void test_olpc_keys_with_nul(void **state)
{
#if JANSSON_VERSION_HEX >= 0x020e00
    json_t *object = json_object();
    (void)state;

    assert_non_null(object);
    assert_int_equal(json_object_setn_new(object, "ab", 2, json_integer(3)), 0);
    assert_int_equal(json_object_setn_new(object, "a\0b", 3, json_integer(2)), 0);
    assert_int_equal(json_object_setn_new(object, "a", 1, json_integer(1)), 0);
    CHECK_OLPC(object, "{\"a\":1,\"a\0b\":2,\"ab\":3}");
    CHECK_JCS(object, "{\"a\":1,\"a\\u0000b\":2,\"ab\":3}");
    json_decref(object);
#else
    (void)state;
    skip();
#endif
}

static void test_olpc_floats_refused(void **state)
{
    json_t *value;
    (void)state;

    value = parse_ok("{\"a\":[1,2,1.5]}");
    check_refused(wb_json_canonical_olpc, value, WB_EFORMAT,
                  "canonical JSON: $.a[2]: floats are not allowed");
    json_decref(value);

    value = parse_ok("1.0");
    check_refused(wb_json_canonical_olpc, value, WB_EFORMAT,
                  "canonical JSON: $: floats are not allowed");
    json_decref(value);

    /* keys that are not plain identifiers are quoted, bytes escaped */
    value = parse_ok("{\"a b\":{\"x\\n\\\"\":[0, 0.5]}}");
    check_refused(wb_json_canonical_olpc, value, WB_EFORMAT,
                  "canonical JSON: $[\"a b\"][\"x\\x0a\\x22\"][1]: floats are not allowed");
    json_decref(value);

    /* -0.0 and 0.0 are reals too */
    value = parse_ok("[-0.0]");
    check_refused(wb_json_canonical_olpc, value, WB_EFORMAT,
                  "canonical JSON: $[0]: floats are not allowed");
    json_decref(value);
}

/* The RFC 8785 sorting example: code point order (OLPC) and UTF-16 code
 * unit order (JCS) differ for U+FB33 against U+1F600. */
static void test_key_order_olpc_vs_jcs(void **state)
{
    (void)state;
    CHECK_TEXT("{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\","
               "\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\",\"1\":\"One\","
               "\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\","
               "\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}",
               /* OLPC: ..., U+20AC, U+FB33, U+1F600; CR written raw */
               "{\"\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
               "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
               "\"\xe2\x82\xac\":\"Euro Sign\","
               "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\","
               "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\"}",
               /* JCS (RFC 8785 section 3.2.3): U+1F600 (D83D DE00) before U+FB33 */
               "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
               "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
               "\"\xe2\x82\xac\":\"Euro Sign\","
               "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
               "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

static void test_jcs_key_order_surrogates(void **state)
{
    (void)state;
    /* U+D7FF < U+10000 < U+10FFFF < U+E000 < U+FFFF in UTF-16 order; a
     * string that is a prefix of another sorts first */
    CHECK_TEXT("{\"\\uffff\":5,\"\\ue000\":4,\"\\udbff\\udfff\":3,\"\\ud800\\udc00\":2,"
               "\"\\ud7ff\":1,\"\\ud800\\udc00x\":6}",
               "{\"\xed\x9f\xbf\":1,\"\xee\x80\x80\":4,\"\xef\xbf\xbf\":5,"
               "\"\xf0\x90\x80\x80\":2,\"\xf0\x90\x80\x80x\":6,\"\xf4\x8f\xbf\xbf\":3}",
               "{\"\xed\x9f\xbf\":1,\"\xf0\x90\x80\x80\":2,\"\xf0\x90\x80\x80x\":6,"
               "\"\xf4\x8f\xbf\xbf\":3,\"\xee\x80\x80\":4,\"\xef\xbf\xbf\":5}");
}

/* --- JCS --- */

static void test_jcs_rfc8785_example(void **state)
{
    (void)state;
    /* RFC 8785 section 3.2.2 */
    CHECK_TEXT_JCS("{\"numbers\":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"
                   "\"string\":\"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\","
                   "\"literals\":[null,true,false]}",
                   "{\"literals\":[null,true,false],"
                   "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                   "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

static void test_jcs_control_characters(void **state)
{
    static const char bytes[] = "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
                                "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e"
                                "\x1f\x7f";
    json_t *value = json_stringn(bytes, sizeof(bytes) - 1);
    (void)state;

    assert_non_null(value);
    CHECK_JCS(value, "\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r"
                     "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
                     "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\x7f\"");
    json_decref(value);
}

static void test_jcs_escapes_in_keys(void **state)
{
    (void)state;
    CHECK_TEXT("{\"\\t\":1,\"\\u001f/\":2,\"\\\"\":3}", "{\"\t\":1,\"\x1f/\":2,\"\\\"\":3}",
               "{\"\\t\":1,\"\\u001f/\":2,\"\\\"\":3}");
}

static void test_jcs_invalid_utf8(void **state)
{
    static const struct {
        const char *bytes;
        size_t len;
    } bad[] = {
        {"\xff", 1},             /* never valid */
        {"a\x80", 2},            /* lone continuation */
        {"\xc0\x80", 2},         /* overlong NUL */
        {"\xe0\x80\xaf", 3},     /* overlong '/' */
        {"\xed\xa0\x80", 3},     /* UTF-8 of a lone surrogate D800 */
        {"\xf4\x90\x80\x80", 4}, /* above U+10FFFF */
        {"\xe2\x82", 2},         /* truncated */
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *value = json_pack("[i,o]", 1, json_stringn_nocheck(bad[i].bytes, bad[i].len));
        assert_non_null(value);
        check_refused(wb_json_canonical_jcs, value, WB_EFORMAT, NULL);
        assert_non_null(strstr(wb_error_last(), "JCS: $[1]: string is not valid UTF-8"));
        json_decref(value);
    }
#if JANSSON_VERSION_HEX >= 0x020e00
    {
        json_t *object = json_object();
        assert_non_null(object);
        assert_int_equal(json_object_setn_new_nocheck(object, "k\xff", 2, json_true()), 0);
        check_refused(wb_json_canonical_jcs, object, WB_EFORMAT,
                      "JCS: $[\"k\\xff\"]: object key is not valid UTF-8");
        CHECK_OLPC(object, "{\"k\xff\":true}");
        json_decref(object);
    }
#endif
}

/* RFC 8785 appendix B, each value checked against node's
 * Number.prototype.toString. */
static void test_jcs_number_table(void **state)
{
    static const struct {
        uint64_t bits;
        const char *text;
    } table[] = {
        {0x0000000000000000, "0"},
        {0x8000000000000000, "0"},
        {0x0000000000000001, "5e-324"},
        {0x8000000000000001, "-5e-324"},
        {0x7fefffffffffffff, "1.7976931348623157e+308"},
        {0xffefffffffffffff, "-1.7976931348623157e+308"},
        {0x4340000000000000, "9007199254740992"},
        {0xc340000000000000, "-9007199254740992"},
        {0x4430000000000000, "295147905179352830000"},
        {0x44b52d02c7e14af5, "9.999999999999997e+22"},
        {0x44b52d02c7e14af6, "1e+23"},
        {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
        {0x444b1ae4d6e2ef4e, "999999999999999700000"},
        {0x444b1ae4d6e2ef4f, "999999999999999900000"},
        {0x444b1ae4d6e2ef50, "1e+21"},
        {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
        {0x3eb0c6f7a0b5ed8d, "0.000001"},
        {0x41b3de4355555553, "333333333.3333332"},
        {0x41b3de4355555554, "333333333.33333325"},
        {0x41b3de4355555555, "333333333.3333333"},
        {0x41b3de4355555556, "333333333.3333334"},
        {0x41b3de4355555557, "333333333.33333343"},
        {0xbecbf647612f3696, "-0.0000033333333333333333"},
        {0x43143ff3c1cb0959, "1424953923781206.2"},
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        double number;
        json_t *value;
        memcpy(&number, &table[i].bits, sizeof(number));
        value = json_real(number);
        assert_non_null(value);
        check_encoding(wb_json_canonical_jcs, value, table[i].text, strlen(table[i].text));
        json_decref(value);
    }
}

static void test_jcs_numbers_from_text(void **state)
{
    (void)state;
    /* expected output is node's JSON.stringify(JSON.parse(text)) */
    CHECK_TEXT_JCS(
        "[0,-0,-0.0,1,-1,0.5,1E30,4.50,2e-3,1e-7,1e21,1e20,0.1,100,1.5e300,"
        "123.456e5,5e-7,0.000001234,-1.5e-7,9007199254740991.0,1e-6,123e-20]",
        "[0,0,0,1,-1,0.5,1e+30,4.5,0.002,1e-7,1e+21,100000000000000000000,0.1,100,"
        "1.5e+300,12345600,5e-7,0.000001234,-1.5e-7,9007199254740991,0.000001,1.23e-18]");
    CHECK_TEXT_JCS("[9007199254740992.0,9007199254740994.0,1e22,1e16,12345678.9]",
                   "[9007199254740992,9007199254740994,1e+22,10000000000000000,12345678.9]");
}

static void test_jcs_integer_and_real_agree(void **state)
{
    static const json_int_t values[] = {
        0, 1, -1, 100, 123456789, 1000000000000000, 9007199254740991, -9007199254740991,
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        json_t *integer = json_integer(values[i]);
        json_t *real = json_real((double)values[i]);
        char *integer_text = NULL, *real_text = NULL;
        size_t integer_len = 0, real_len = 0;
        assert_int_equal(wb_json_canonical_jcs(&integer_text, &integer_len, integer), 0);
        assert_int_equal(wb_json_canonical_jcs(&real_text, &real_len, real), 0);
        assert_string_equal(integer_text, real_text);
        assert_int_equal(integer_len, real_len);
        wb_free(integer_text);
        wb_free(real_text);
        json_decref(integer);
        json_decref(real);
    }
}

static void test_jcs_integer_range(void **state)
{
    json_t *value;
    (void)state;

    /* +-(2^53-1) is the I-JSON range: written exactly */
    CHECK_TEXT("[9007199254740991,-9007199254740991]", "[9007199254740991,-9007199254740991]",
               "[9007199254740991,-9007199254740991]");

    /* beyond that, an integer is written when its digits are already the
     * canonical ECMAScript form of its double, and refused when JCS would
     * rewrite it (2^53+1 reads as 2^53; 2^60 is written 1152921504606847000;
     * INT64_MAX and INT64_MIN become ...776000 / ...775808) */
    CHECK_TEXT("[9007199254740992,1152921504606847000,3335555555555556000]",
               "[9007199254740992,1152921504606847000,3335555555555556000]",
               "[9007199254740992,1152921504606847000,3335555555555556000]");
    value = parse_ok("{\"n\":[9007199254740993]}");
    check_refused(wb_json_canonical_jcs, value, WB_EFORMAT,
                  "JCS: $.n[0]: integer 9007199254740993 is not exactly an IEEE 754 double in "
                  "canonical form (it would be written 9007199254740992)");
    CHECK_OLPC(value, "{\"n\":[9007199254740993]}");
    json_decref(value);

    value = json_integer(1152921504606846976LL);
    check_refused(wb_json_canonical_jcs, value, WB_EFORMAT,
                  "JCS: $: integer 1152921504606846976 is not exactly an IEEE 754 double in "
                  "canonical form (it would be written 1152921504606847000)");
    json_decref(value);
    value = json_integer(-9007199254740993LL);
    check_refused(wb_json_canonical_jcs, value, WB_EFORMAT, NULL);
    json_decref(value);
    value = json_integer(INT64_MAX);
    check_refused(wb_json_canonical_jcs, value, WB_EFORMAT, NULL);
    json_decref(value);
    value = json_integer(INT64_MIN);
    check_refused(wb_json_canonical_jcs, value, WB_EFORMAT, NULL);
    json_decref(value);
}

static void test_jcs_unicode_raw(void **state)
{
    (void)state;
    CHECK_TEXT(
        "{\"\\u00e9\":\"e\\u0301\",\"s\":\"\\ud83d\\ude00 \\u2028\\u2029 \\u007f/\"}",
        "{\"s\":\"\xf0\x9f\x98\x80 \xe2\x80\xa8\xe2\x80\xa9 \x7f/\",\"\xc3\xa9\":\"e\xcc\x81\"}",
        "{\"s\":\"\xf0\x9f\x98\x80 \xe2\x80\xa8\xe2\x80\xa9 \x7f/\",\"\xc3\xa9\":\"e\xcc\x81\"}");
}

/* --- depth --- */

/* `depth` arrays around 7, or objects {"k": ...} when `objects`. */
static json_t *nested(size_t depth, bool objects)
{
    json_t *value = json_integer(7);
    size_t i;

    for (i = 0; i < depth && value; i++) {
        json_t *container = objects ? json_object() : json_array();
        assert_non_null(container);
        if (objects)
            assert_int_equal(json_object_set_new(container, "k", value), 0);
        else
            assert_int_equal(json_array_append_new(container, value), 0);
        value = container;
    }
    assert_non_null(value);
    return value;
}

static char *nested_text(size_t depth, bool objects, size_t *len)
{
    size_t open_len = objects ? 5 : 1, i, o = 0;
    char *text = malloc(depth * (open_len + 1) + 2);

    assert_non_null(text);
    for (i = 0; i < depth; i++) {
        memcpy(text + o, objects ? "{\"k\":" : "[", open_len);
        o += open_len;
    }
    text[o++] = '7';
    for (i = 0; i < depth; i++)
        text[o++] = objects ? '}' : ']';
    text[o] = '\0';
    *len = o;
    return text;
}

static void test_depth_limit(void **state)
{
    static const encode_fn encoders[] = {wb_json_canonical_olpc, wb_json_canonical_jcs};
    size_t e, kind;
    (void)state;

    for (kind = 0; kind < 2; kind++) {
        bool objects = kind == 1;
        size_t expected_len;
        char *expected = nested_text(WB_JSON_MAX_DEPTH, objects, &expected_len);
        json_t *at_limit = nested(WB_JSON_MAX_DEPTH, objects);
        json_t *beyond = nested(WB_JSON_MAX_DEPTH + 1, objects);

        for (e = 0; e < 2; e++) {
            check_encoding(encoders[e], at_limit, expected, expected_len);
            check_refused(encoders[e], beyond, WB_ELIMIT, NULL);
            assert_non_null(strstr(wb_error_last(), "nesting deeper than 512 levels"));
            assert_non_null(strstr(wb_error_last(), objects ? ": $.k.k.k" : ": $[0][0][0]"));
        }
        /* jansson's parser allows 2048 levels, so the limit applies to
         * parsed documents too */
        {
            json_t *parsed = NULL;
            assert_int_equal(wb_json_parse(&parsed, expected, expected_len, "deep.json"), 0);
            check_encoding(wb_json_canonical_jcs, parsed, expected, expected_len);
            json_decref(parsed);
        }
        free(expected);
        json_decref(at_limit);
        json_decref(beyond);
    }
}

static void test_depth_cycle(void **state)
{
    /* a caller-built tree that contains itself (jansson refuses only the
     * direct self-reference) ends at the depth limit */
    json_t *outer = json_array(), *inner = json_array();
    (void)state;

    assert_non_null(outer);
    assert_non_null(inner);
    assert_int_equal(json_array_append(outer, inner), 0);
    assert_int_equal(json_array_append(inner, outer), 0);
    check_refused(wb_json_canonical_olpc, outer, WB_ELIMIT, NULL);
    check_refused(wb_json_canonical_jcs, outer, WB_ELIMIT, NULL);
    json_array_clear(inner); /* break the cycle so both can be freed */
    json_decref(inner);
    json_decref(outer);
}

/* --- arguments, allocation failure --- */

static void test_arguments(void **state)
{
    json_t *value = json_integer(1);
    char *out = NULL;
    size_t len = 0;
    (void)state;

    assert_int_equal(wb_json_canonical_olpc(NULL, &len, value), WB_EINVAL);
    assert_int_equal(wb_json_canonical_jcs(NULL, &len, value), WB_EINVAL);
    assert_int_equal(wb_json_canonical_olpc(&out, &len, NULL), WB_EINVAL);
    assert_int_equal(wb_json_canonical_jcs(&out, &len, NULL), WB_EINVAL);
    assert_string_equal(wb_error_last(), "JCS: invalid argument");
    /* the length is optional: the output is NUL-terminated */
    assert_int_equal(wb_json_canonical_jcs(&out, NULL, value), 0);
    assert_string_equal(out, "1");
    wb_free(out);
    json_decref(value);
}

static void test_out_of_memory(void **state)
{
    static const encode_fn encoders[] = {wb_json_canonical_olpc, wb_json_canonical_jcs};
    char long_text[1200];
    json_t *document;
    char *reference[2] = {NULL, NULL};
    size_t reference_len[2], e, n;
    bool failed[2] = {false, false}, succeeded[2] = {false, false};
    (void)state;

    memset(long_text, 'x', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    document = json_pack("{s:[i,i,{s:s,s:[b,b,n,{s:s}]}],s:{s:{s:[i,s]}},s:s,s:{s:{},s:[]}}", "z",
                         1, 2, "y", "\xc3\xa9\n", "x", 1, 0, "k", "v", "a", "b", "c", -5, "s\"q",
                         "long", long_text, "m", "p", "q");
    assert_non_null(document);
    for (e = 0; e < 2; e++)
        assert_int_equal(encoders[e](&reference[e], &reference_len[e], document), 0);

    for (n = 1; n <= 200; n++) {
        for (e = 0; e < 2; e++) {
            char *out = NULL;
            size_t len = 0;
            int rc;
            wb_alloc_fail_after(n);
            rc = encoders[e](&out, &len, document);
            wb_alloc_fail_after(0);
            if (rc == 0) {
                succeeded[e] = true;
                assert_int_equal(len, reference_len[e]);
                assert_memory_equal(out, reference[e], len);
                wb_free(out);
            } else {
                failed[e] = true;
                assert_int_equal(rc, WB_ENOMEM);
                assert_null(out);
                assert_non_null(strstr(wb_error_last(), "out of memory"));
            }
        }
    }
    wb_alloc_fail_after(0);
    for (e = 0; e < 2; e++) {
        assert_true(failed[e]);
        assert_true(succeeded[e]);
        wb_free(reference[e]);
    }
    json_decref(document);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_any_top_level),
        cmocka_unit_test(test_parse_length_not_nul),
        cmocka_unit_test(test_parse_duplicate_keys),
        cmocka_unit_test(test_parse_error_position),
        cmocka_unit_test(test_parse_nul_refused),
        cmocka_unit_test(test_parse_empty_and_arguments),
        cmocka_unit_test(test_olpc_literals_and_containers),
        cmocka_unit_test(test_olpc_integers),
        cmocka_unit_test(test_olpc_control_characters_raw),
        cmocka_unit_test(test_olpc_quotes_backslashes),
        cmocka_unit_test(test_olpc_unicode_raw),
        cmocka_unit_test(test_olpc_nul_in_string),
        cmocka_unit_test(test_olpc_key_order),
        cmocka_unit_test(test_olpc_keys_with_nul),
        cmocka_unit_test(test_olpc_floats_refused),
        cmocka_unit_test(test_key_order_olpc_vs_jcs),
        cmocka_unit_test(test_jcs_key_order_surrogates),
        cmocka_unit_test(test_jcs_rfc8785_example),
        cmocka_unit_test(test_jcs_control_characters),
        cmocka_unit_test(test_jcs_escapes_in_keys),
        cmocka_unit_test(test_jcs_invalid_utf8),
        cmocka_unit_test(test_jcs_number_table),
        cmocka_unit_test(test_jcs_numbers_from_text),
        cmocka_unit_test(test_jcs_integer_and_real_agree),
        cmocka_unit_test(test_jcs_integer_range),
        cmocka_unit_test(test_jcs_unicode_raw),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_depth_cycle),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_out_of_memory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
