/*
 * test_auth.c: bearer tokens and the tokens file (auth.c).
 *
 * Generated tokens: their form, that they differ, that the line made for
 * them parses back and looks them up. The parser: every kind of malformed
 * line is refused with the file name and line number, the same hash on two
 * lines is refused, comments and blank lines are not lines. Loading refuses
 * a file that group or others may write. Client certificate lines
 * (cert-sha256:) are looked up by certificate digest only, never by a
 * token, and the reverse. Then allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "expect.h"
#include "oom.h"
#include "waybill/auth.h"

#define TESTFS_TAG "auth"
#include "testfs.h"

#define HASH_A                                                                                     \
    "sha256:"                                                                                      \
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HASH_B                                                                                     \
    "sha256:"                                                                                      \
    "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static wb_tokens *parse_ok(const char *text)
{
    wb_tokens *tokens = NULL;
    int rc = wb_tokens_parse(&tokens, text, strlen(text), "tokens.txt");
    if (rc < 0)
        fail_msg("%s: %s", wb_error_name(rc), wb_error_last());
    assert_non_null(tokens);
    return tokens;
}

static void test_generate(void **state)
{
    char *tokens[16];
    size_t i, j;
    (void)state;

    for (i = 0; i < 16; i++) {
        assert_int_equal(wb_token_generate(&tokens[i]), 0);
        /* "wbt_" and 43 base64url characters: 32 bytes without padding */
        assert_int_equal(strlen(tokens[i]), 4 + 43);
        assert_memory_equal(tokens[i], "wbt_", 4);
        for (j = 4; tokens[i][j]; j++) {
            char c = tokens[i][j];
            assert_true((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_');
        }
        for (j = 0; j < i; j++)
            assert_string_not_equal(tokens[i], tokens[j]);
    }
    for (i = 0; i < 16; i++)
        wb_free(tokens[i]);
    expect_error(wb_token_generate(NULL), WB_EINVAL, NULL);
}

static void test_line_parses_and_checks(void **state)
{
    char *token[3] = {NULL, NULL, NULL}, *line[3] = {NULL, NULL, NULL}, *text;
    const char *party = NULL;
    unsigned roles = 0;
    wb_tokens *tokens;
    size_t i;
    (void)state;

    for (i = 0; i < 3; i++)
        assert_int_equal(wb_token_generate(&token[i]), 0);
    assert_int_equal(wb_token_line(&line[0], token[0], "acme-release", WB_ROLE_SUBMIT), 0);
    assert_int_equal(
        wb_token_line(&line[1], token[1], "cert@team.example", WB_ROLE_WITNESS | WB_ROLE_ADMIN), 0);
    assert_int_equal(wb_token_line(&line[2], token[2], "acme-release",
                                   WB_ROLE_ADMIN | WB_ROLE_SUBMIT | WB_ROLE_WITNESS),
                     0);
    assert_true(strncmp(line[0], "acme-release submit sha256:", 27) == 0);
    assert_int_equal(strlen(line[0]), 27 + 64);
    assert_true(strncmp(line[1], "cert@team.example witness,admin sha256:", 39) == 0);
    assert_true(strncmp(line[2], "acme-release submit,witness,admin sha256:", 41) == 0);

    text = wb_asprintf("# the tokens\n\n%s\n   \t\n  # indented comment\n%s\n%s", line[0], line[1],
                       line[2]);
    assert_non_null(text);
    tokens = parse_ok(text);
    assert_int_equal(wb_tokens_count(tokens), 3);

    assert_int_equal(wb_tokens_check(tokens, token[0], &party, &roles), 0);
    assert_string_equal(party, "acme-release");
    assert_int_equal(roles, WB_ROLE_SUBMIT);
    assert_int_equal(wb_tokens_check(tokens, token[1], &party, &roles), 0);
    assert_string_equal(party, "cert@team.example");
    assert_int_equal(roles, WB_ROLE_WITNESS | WB_ROLE_ADMIN);
    assert_int_equal(wb_tokens_check(tokens, token[2], NULL, &roles), 0);
    assert_int_equal(roles, WB_ROLE_SUBMIT | WB_ROLE_WITNESS | WB_ROLE_ADMIN);

    /* wrong tokens: another one, a changed character, a prefix, empty */
    wb_free(token[0]);
    assert_int_equal(wb_token_generate(&token[0]), 0);
    expect_error(wb_tokens_check(tokens, token[0], &party, &roles), WB_ENOTFOUND, NULL);
    assert_null(party);
    assert_int_equal(roles, 0);
    token[1][10] = token[1][10] == 'A' ? 'B' : 'A';
    expect_error(wb_tokens_check(tokens, token[1], &party, &roles), WB_ENOTFOUND, NULL);
    token[2][20] = '\0';
    expect_error(wb_tokens_check(tokens, token[2], &party, &roles), WB_ENOTFOUND, NULL);
    expect_error(wb_tokens_check(tokens, "", &party, &roles), WB_ENOTFOUND, NULL);
    expect_error(wb_tokens_check(tokens, NULL, &party, &roles), WB_EINVAL, NULL);
    expect_error(wb_tokens_check(NULL, "x", &party, &roles), WB_EINVAL, NULL);

    wb_tokens_free(tokens);
    wb_free(text);
    for (i = 0; i < 3; i++) {
        wb_free(token[i]);
        wb_free(line[i]);
    }
}

static void test_known_hash(void **state)
{
    wb_tokens *tokens = parse_ok("p submit " HASH_A "\n");
    char *line = NULL;
    (void)state;
    assert_int_equal(wb_token_line(&line, "abc", "p", WB_ROLE_SUBMIT), 0);
    /* sha256("abc"), FIPS 180-2 */
    assert_string_equal(
        line, "p submit sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    wb_free(line);
    wb_tokens_free(tokens);
    tokens = parse_ok(
        "p\tsubmit  \t sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  ");
    assert_int_equal(wb_tokens_check(tokens, "abc", NULL, NULL), 0);
    wb_tokens_free(tokens);
}

static void test_empty_and_comments(void **state)
{
    wb_tokens *tokens;
    (void)state;

    tokens = parse_ok("");
    assert_int_equal(wb_tokens_count(tokens), 0);
    expect_error(wb_tokens_check(tokens, "wbt_x", NULL, NULL), WB_ENOTFOUND, NULL);
    wb_tokens_free(tokens);
    tokens = parse_ok("# only a comment\n\n\t\n#p submit " HASH_A "\n");
    assert_int_equal(wb_tokens_count(tokens), 0);
    wb_tokens_free(tokens);
    assert_int_equal(wb_tokens_parse(&tokens, NULL, 0, NULL), 0);
    wb_tokens_free(tokens);
}

static void test_malformed_lines(void **state)
{
    static const struct {
        const char *text;
        const char *needle;
    } cases[] = {
        /* field counts */
        {"p", "1 field,"},
        {"p submit", "2 fields"},
        {"p submit " HASH_A " extra", "more than three fields"},
        {"p submit " HASH_A " # comment", "more than three fields"},
        /* party names */
        {"p/q submit " HASH_A, "party name"},
        {"p:q submit " HASH_A, "party name"},
        {"p\"q submit " HASH_A, "party name"},
        {"pé submit " HASH_A, "not allowed"},
        /* roles */
        {"p submitter " HASH_A, "unknown role 'submitter'"},
        {"p Submit " HASH_A, "unknown role 'Submit'"},
        {"p submit,submit " HASH_A, "role 'submit' named twice"},
        {"p submit,,admin " HASH_A, "empty role name"},
        {"p ,submit " HASH_A, "empty role name"},
        {"p submit, " HASH_A, "empty role name"},
        {"p , " HASH_A, "empty role name"},
        /* hashes */
        {"p submit 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "sha256:"},
        {"p submit sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
         "sha256:"},
        {"p submit sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
         "lower-case"},
        {"p submit sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
         "64 lower-case"},
        {"p submit sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
         "64 lower-case"},
        {"p submit sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
         "64 lower-case"},
        {"p submit sha256:", "64 lower-case"},
        {"p submit sha256", "sha256:"},
        /* bytes */
        {"p submit " HASH_A "\r", "byte 0x0d"},
        {"p\vsubmit " HASH_A, "byte 0x0b"},
        {"p submit " HASH_A "\x7f", "byte 0x7f"},
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        wb_tokens *tokens = (wb_tokens *)1;
        /* the bad line is line 3, after a comment and a good line */
        char *text = wb_asprintf("# c\nq admin %s\n%s\n", HASH_B, cases[i].text);
        int rc = wb_tokens_parse(&tokens, text, strlen(text), "tokens.txt");
        if (rc != WB_EFORMAT || !strstr(wb_error_last(), "tokens.txt:3: ") ||
            !strstr(wb_error_last(), cases[i].needle))
            fail_msg("case %zu (%s): %s: %s", i, cases[i].text, wb_error_name(rc), wb_error_last());
        assert_null(tokens);
        wb_free(text);
    }
    /* a NUL byte inside a line */
    {
        static const char with_nul[] = "p submit " HASH_A "\np\0 submit " HASH_B "\n";
        wb_tokens *tokens = NULL;
        expect_error(wb_tokens_parse(&tokens, with_nul, sizeof(with_nul) - 1, "t"), WB_EFORMAT,
                     "t:2: byte 0x00");
    }
}

/* sha256("abc"), FIPS 180-2: used as a token's hash and as a certificate's */
#define ABC_HEX "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void test_cert_lines(void **state)
{
    static const unsigned char abc_sha256[WB_CERT_DIGEST_LEN] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
        0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
        0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    unsigned char other[WB_CERT_DIGEST_LEN];
    const char *party = NULL;
    unsigned roles = 0;
    char *line = NULL;
    wb_tokens *tokens;
    (void)state;

    /* a certificate line and a token line */
    tokens = parse_ok("# mTLS\n"
                      "farm submit,witness cert-sha256:" ABC_HEX "\n"
                      "q admin " HASH_B "\n");
    assert_int_equal(wb_tokens_count(tokens), 2);
    assert_int_equal(wb_tokens_check_cert(tokens, abc_sha256, sizeof(abc_sha256), &party, &roles),
                     0);
    assert_string_equal(party, "farm");
    assert_int_equal(roles, WB_ROLE_SUBMIT | WB_ROLE_WITNESS);
    /* the token whose hash is that digest does not match a certificate line */
    expect_error(wb_tokens_check(tokens, "abc", &party, &roles), WB_ENOTFOUND, "not known");
    assert_null(party);
    assert_int_equal(roles, 0);
    /* another digest */
    memcpy(other, abc_sha256, sizeof(other));
    other[31] ^= 1;
    expect_error(wb_tokens_check_cert(tokens, other, sizeof(other), &party, &roles), WB_ENOTFOUND,
                 "client certificate: not known");
    assert_null(party);
    expect_error(wb_tokens_check_cert(tokens, abc_sha256, 31, NULL, NULL), WB_EINVAL, NULL);
    expect_error(wb_tokens_check_cert(NULL, abc_sha256, 32, NULL, NULL), WB_EINVAL, NULL);
    expect_error(wb_tokens_check_cert(tokens, NULL, 32, NULL, NULL), WB_EINVAL, NULL);
    wb_tokens_free(tokens);

    /* and the reverse: a token line is not found by a certificate digest */
    tokens = parse_ok("p submit sha256:" ABC_HEX "\n");
    assert_int_equal(wb_tokens_check(tokens, "abc", &party, NULL), 0);
    assert_string_equal(party, "p");
    expect_error(wb_tokens_check_cert(tokens, abc_sha256, 32, &party, NULL), WB_ENOTFOUND, NULL);
    wb_tokens_free(tokens);

    /* the line for a certificate parses back */
    assert_int_equal(wb_cert_line(&line, abc_sha256, 32, "farm", WB_ROLE_SUBMIT), 0);
    assert_string_equal(line, "farm submit cert-sha256:" ABC_HEX);
    tokens = parse_ok(line);
    assert_int_equal(wb_tokens_check_cert(tokens, abc_sha256, 32, &party, &roles), 0);
    assert_string_equal(party, "farm");
    assert_int_equal(roles, WB_ROLE_SUBMIT);
    wb_tokens_free(tokens);
    wb_free(line);
    expect_error(wb_cert_line(&line, abc_sha256, 32, "a/b", WB_ROLE_SUBMIT), WB_EINVAL, "party");
    expect_error(wb_cert_line(&line, abc_sha256, 32, "p", 0), WB_EINVAL, "roles");
    expect_error(wb_cert_line(&line, abc_sha256, 16, "p", WB_ROLE_SUBMIT), WB_EINVAL, NULL);

    /* malformed certificate lines name the file and line */
    {
        static const struct {
            const char *text;
            const char *needle;
        } cases[] = {
            {"p submit cert-sha256:" ABC_HEX "0", "certificate hash must be cert-sha256:"},
            {"p submit "
             "cert-sha256:BA7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
             "64 lower-case"},
            {"p submit cert-sha256:", "64 lower-case"},
            {"p submit cert-sha512:" ABC_HEX, "cert-sha256:HEX"},
            {"p submit cert:" ABC_HEX, "cert-sha256:HEX"},
            {"p submit cert-sha256:" ABC_HEX " x", "more than three fields"},
        };
        size_t i;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            wb_tokens *bad = (wb_tokens *)1;
            char *text = wb_asprintf("# c\nq admin %s\n%s\n", HASH_B, cases[i].text);
            int rc = wb_tokens_parse(&bad, text, strlen(text), "tokens.txt");
            if (rc != WB_EFORMAT || !strstr(wb_error_last(), "tokens.txt:3: ") ||
                !strstr(wb_error_last(), cases[i].needle))
                fail_msg("case %zu (%s): %s: %s", i, cases[i].text, wb_error_name(rc),
                         wb_error_last());
            assert_null(bad);
            wb_free(text);
        }
    }
    /* one digest on a token line and a certificate line: one of them is wrong */
    {
        static const char both[] =
            "p submit sha256:" ABC_HEX "\nq submit cert-sha256:" ABC_HEX "\n";
        wb_tokens *dup = NULL;
        expect_error(wb_tokens_parse(&dup, both, sizeof(both) - 1, "t"), WB_EFORMAT,
                     "t:2: the same token hash as line 1");
        assert_null(dup);
    }
}

static void test_party_bounds(void **state)
{
    char party[WB_PARTY_MAX + 2], *text, *line = NULL;
    wb_tokens *tokens = NULL;
    (void)state;

    memset(party, 'a', WB_PARTY_MAX);
    party[WB_PARTY_MAX] = '\0';
    text = wb_asprintf("%s submit %s\n", party, HASH_A);
    tokens = parse_ok(text);
    wb_tokens_free(tokens);
    wb_free(text);
    assert_int_equal(wb_token_line(&line, "t", party, WB_ROLE_SUBMIT), 0);
    wb_free(line);

    party[WB_PARTY_MAX] = 'a';
    party[WB_PARTY_MAX + 1] = '\0';
    text = wb_asprintf("%s submit %s\n", party, HASH_A);
    expect_error(wb_tokens_parse(&tokens, text, strlen(text), "t"), WB_EFORMAT, "t:1: party name");
    wb_free(text);
    expect_error(wb_token_line(&line, "t", party, WB_ROLE_SUBMIT), WB_EINVAL, "party name");
    assert_null(line);

    expect_error(wb_token_line(&line, "t", "", WB_ROLE_SUBMIT), WB_EINVAL, "party name");
    expect_error(wb_token_line(&line, "t", "a b", WB_ROLE_SUBMIT), WB_EINVAL, "party name");
    expect_error(wb_token_line(&line, "t", "a\nb", WB_ROLE_SUBMIT), WB_EINVAL, "party name");
    expect_error(wb_token_line(&line, "t", "ok", 0), WB_EINVAL, "roles");
    expect_error(wb_token_line(&line, "t", "ok", 8), WB_EINVAL, "roles");
    expect_error(wb_token_line(&line, NULL, "ok", 1), WB_EINVAL, NULL);
    assert_int_equal(wb_token_line(&line, "t", "A.b_c-d@e9", WB_ROLE_ADMIN), 0);
    wb_free(line);
}

static void test_duplicate_hash(void **state)
{
    wb_tokens *tokens = NULL;
    static const char text[] = "a submit " HASH_A "\n"
                               "b witness " HASH_B "\n"
                               "# a comment\n"
                               "c admin " HASH_A "\n";
    (void)state;

    expect_error(wb_tokens_parse(&tokens, text, strlen(text), "tokens.txt"), WB_EFORMAT,
                 "tokens.txt:4: the same token hash as line 1");
    assert_null(tokens);
    /* the same party on several lines (rotation) is fine */
    tokens = parse_ok("a submit " HASH_A "\na submit,admin " HASH_B "\n");
    assert_int_equal(wb_tokens_count(tokens), 2);
    wb_tokens_free(tokens);
}

static void test_roles_parse(void **state)
{
    static const struct {
        const char *text;
        unsigned roles;
    } good[] = {
        {"submit", WB_ROLE_SUBMIT},
        {"witness", WB_ROLE_WITNESS},
        {"admin", WB_ROLE_ADMIN},
        {"admin,submit", WB_ROLE_ADMIN | WB_ROLE_SUBMIT},
        {"witness,admin,submit", WB_ROLE_ADMIN | WB_ROLE_SUBMIT | WB_ROLE_WITNESS},
    };
    static const char *const bad[] = {
        "",
        ",",
        "submit,",
        ",submit",
        "submit,,admin",
        "submit,submit",
        "admin,submit,admin",
        "SUBMIT",
        "submit ",
        " submit",
        "read",
        "submit;admin",
    };
    unsigned roles;
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(wb_roles_parse(&roles, good[i].text), 0);
        assert_int_equal(roles, good[i].roles);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        roles = 99;
        if (wb_roles_parse(&roles, bad[i]) != WB_EFORMAT)
            fail_msg("roles \"%s\" accepted", bad[i]);
        assert_int_equal(roles, 0);
    }
    expect_error(wb_roles_parse(&roles, "submit,x"), WB_EFORMAT, "unknown role 'x'");
    expect_error(wb_roles_parse(NULL, "submit"), WB_EINVAL, NULL);
    expect_error(wb_roles_parse(&roles, NULL), WB_EINVAL, NULL);
}

static void test_load(void **state)
{
    const char *dir = new_dir("load");
    char *token = NULL, *line = NULL, *text;
    wb_tokens *tokens = NULL;
    const char *party = NULL;
    (void)state;

    assert_int_equal(wb_token_generate(&token), 0);
    assert_int_equal(wb_token_line(&line, token, "acme", WB_ROLE_SUBMIT), 0);
    text = wb_asprintf("%s\n", line);
    put_text(dir, "tokens", text, 0600);
    assert_int_equal(wb_tokens_load(&tokens, join(dir, "tokens")), 0);
    assert_int_equal(wb_tokens_check(tokens, token, &party, NULL), 0);
    assert_string_equal(party, "acme");
    wb_tokens_free(tokens);
    tokens = NULL;

    /* readable by all is fine: the file holds hashes only */
    put_text(dir, "tokens-644", text, 0644);
    assert_int_equal(wb_tokens_load(&tokens, join(dir, "tokens-644")), 0);
    wb_tokens_free(tokens);
    tokens = NULL;

    /* writable by group or others: anyone could grant themselves a role */
    put_text(dir, "tokens-g", text, 0620);
    expect_error(wb_tokens_load(&tokens, join(dir, "tokens-g")), WB_EPERM,
                 "writable by group or others (mode 0620)");
    assert_null(tokens);
    put_text(dir, "tokens-o", text, 0602);
    expect_error(wb_tokens_load(&tokens, join(dir, "tokens-o")), WB_EPERM, "tokens-o");
    put_text(dir, "tokens-666", text, 0666);
    expect_error(wb_tokens_load(&tokens, join(dir, "tokens-666")), WB_EPERM, "chmod go-w");

    /* errors name the file */
    put_text(dir, "bad", "# ok\nacme submit\n", 0600);
    expect_error(wb_tokens_load(&tokens, join(dir, "bad")), WB_EFORMAT, "/bad:2: ");
    expect_error(wb_tokens_load(&tokens, join(dir, "missing")), WB_ENOTFOUND, "missing");
    expect_error(wb_tokens_load(&tokens, dir), WB_EIO, NULL);
    expect_error(wb_tokens_load(NULL, dir), WB_EINVAL, NULL);

    /* the size bound */
    {
        size_t big_len = WB_TOKENS_MAX_SIZE + 1;
        char *big = malloc(big_len);
        assert_non_null(big);
        memset(big, '#', big_len);
        expect_error(wb_tokens_parse(&tokens, big, big_len, "big"), WB_ELIMIT, "big");
        put_file(dir, "big", big, big_len, 0600);
        expect_error(wb_tokens_load(&tokens, join(dir, "big")), WB_ELIMIT, "big");
        free(big);
    }
    wb_free(text);
    wb_free(token);
    wb_free(line);
}

/* Many lines: the duplicate check is not quadratic, and the last line is
 * found. */
static void test_many_lines(void **state)
{
    wb_buf buf = {0};
    char *text = NULL, *line = NULL;
    size_t len = 0, i;
    wb_tokens *tokens = NULL;
    const char *party = NULL;
    (void)state;

    for (i = 0; i < 20000; i++) {
        char token[32];
        snprintf(token, sizeof(token), "token-%zu", i);
        assert_int_equal(wb_token_line(&line, token, "p", WB_ROLE_SUBMIT), 0);
        wb_buf_printf(&buf, "%s\n", line);
        wb_free(line);
    }
    assert_int_equal(wb_token_line(&line, "token-last", "last", WB_ROLE_ADMIN), 0);
    wb_buf_printf(&buf, "%s\n", line);
    wb_free(line);
    assert_int_equal(wb_buf_detach(&buf, &text, &len), 0);
    assert_int_equal(wb_tokens_parse(&tokens, text, len, "many"), 0);
    assert_int_equal(wb_tokens_count(tokens), 20001);
    assert_int_equal(wb_tokens_check(tokens, "token-last", &party, NULL), 0);
    assert_string_equal(party, "last");
    assert_int_equal(wb_tokens_check(tokens, "token-77", &party, NULL), 0);
    assert_string_equal(party, "p");
    wb_tokens_free(tokens);
    wb_free(text);
}

/* ---------- allocation failures ---------- */

typedef oom_operation auth_operation;

static int op_generate_line_parse_check(const void *arg)
{
    char *token = NULL, *line = NULL, *text = NULL;
    wb_tokens *tokens = NULL;
    const char *party;
    unsigned roles = 0;
    int rc;
    (void)arg;

    rc = wb_token_generate(&token);
    if (rc == 0)
        rc = wb_token_line(&line, token, "acme", WB_ROLE_SUBMIT | WB_ROLE_ADMIN);
    if (rc == 0) {
        text = wb_asprintf("# c\nb witness %s\n%s\nc admin %s\n", HASH_A, line, HASH_B);
        if (!text)
            rc = wb_error_set(WB_ENOMEM, "test: out of memory");
    }
    if (rc == 0)
        rc = wb_tokens_parse(&tokens, text, strlen(text), "t");
    if (rc == 0)
        rc = wb_roles_parse(&roles, "submit,admin");
    if (rc == 0)
        rc = wb_tokens_check(tokens, token, &party, &roles);
    if (rc == 0 && (strcmp(party, "acme") != 0 || roles != (WB_ROLE_SUBMIT | WB_ROLE_ADMIN)))
        rc = WB_EINTERNAL;
    wb_tokens_free(tokens);
    wb_free(token);
    wb_free(line);
    wb_free(text);
    return rc;
}

static int op_parse(const void *arg)
{
    wb_tokens *tokens = NULL;
    int rc = wb_tokens_parse(&tokens, arg, strlen(arg), "t");
    wb_tokens_free(tokens);
    return rc;
}

static int op_load(const void *arg)
{
    wb_tokens *tokens = NULL;
    int rc = wb_tokens_load(&tokens, arg);
    if (rc == 0 && wb_tokens_check(tokens, "abc", NULL, NULL) != 0)
        rc = WB_EINTERNAL;
    wb_tokens_free(tokens);
    return rc;
}

static void run_with_failing_allocations(auth_operation op, const void *arg, int expected,
                                         const char *what)
{
    run_with_failing_allocations_ex(op, arg, expected, what, true);
}

static void test_out_of_memory(void **state)
{
    const char *dir = new_dir("oom");
    static const char many[] = "a submit " HASH_A "\nb witness,admin " HASH_B "\n"
                               "c submit sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb41"
                               "0ff61f20015ad\n"
                               "d submit cert-sha256:"
                               "1111111111111111111111111111111111111111111111111111111111111111\n";
    static const char dup[] = "a submit " HASH_A "\nb witness,admin " HASH_A "\n";
    (void)state;

    put_text(dir, "tokens", many, 0600);
    run_with_failing_allocations(op_generate_line_parse_check, NULL, 0, "generate, parse, check");
    run_with_failing_allocations(op_parse, many, 0, "parse");
    run_with_failing_allocations(op_parse, dup, WB_EFORMAT, "parse a duplicate");
    run_with_failing_allocations(op_parse, "a submit,nope " HASH_A, WB_EFORMAT, "bad role");
    run_with_failing_allocations(op_parse, "a submit cert-sha256:" ABC_HEX "\nb admin " HASH_A "\n",
                                 0, "parse a certificate line");
    run_with_failing_allocations(op_load, join(dir, "tokens"), 0, "load");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate),        cmocka_unit_test(test_line_parses_and_checks),
        cmocka_unit_test(test_known_hash),      cmocka_unit_test(test_empty_and_comments),
        cmocka_unit_test(test_malformed_lines), cmocka_unit_test(test_cert_lines),
        cmocka_unit_test(test_party_bounds),    cmocka_unit_test(test_duplicate_hash),
        cmocka_unit_test(test_roles_parse),     cmocka_unit_test(test_load),
        cmocka_unit_test(test_many_lines),      cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, make_base_dir, remove_base_dir);
}
