/*
 * fuzz_tokens.c: wb_tokens_parse(), the tokens file of waybilld (auth.c).
 *
 * Checks: a refused input leaves no result and says where (the name given,
 * "fuzz"); an accepted one holds exactly one entry per line that is neither
 * blank nor a comment, and parsing it again gives the same count; the token
 * "abc" is found only when the input holds its hash, and the certificate
 * whose DER hashes to that digest only when the input holds it as a
 * cert-sha256: line; every line, parsed alone, is accepted too. The input
 * read as role names: when wb_roles_parse() accepts it, the lines
 * wb_token_line() and wb_cert_line() write for those roles parse back to
 * the same roles.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "waybill/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* sha256("abc"), FIPS 180-2 */
#define ABC_HASH "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define ABC_CERT "cert-" ABC_HASH

static const unsigned char abc_sha256[WB_CERT_DIGEST_LEN] = {
    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};

static size_t token_lines(const uint8_t *data, size_t size)
{
    size_t pos = 0, count = 0;

    while (pos < size) {
        const uint8_t *nl = memchr(data + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - data) : size, i = pos;

        while (i < end && (data[i] == ' ' || data[i] == '\t'))
            i++;
        if (i < end && data[i] != '#')
            count++;
        pos = end + 1;
    }
    return count;
}

static bool holds(const uint8_t *data, size_t size, const char *needle)
{
    size_t n = strlen(needle), i;

    for (i = 0; i + n <= size; i++)
        if (memcmp(data + i, needle, n) == 0)
            return true;
    return false;
}

/* Every line alone parses. */
static void check_lines_alone(const uint8_t *data, size_t size)
{
    size_t pos = 0;

    while (pos < size) {
        const uint8_t *nl = memchr(data + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - data) : size;
        wb_tokens *one = NULL;
        int rc = wb_tokens_parse(&one, (const char *)data + pos, end - pos, "line");

        if (rc < 0 && rc != WB_ENOMEM)
            abort();
        if (rc == 0 && wb_tokens_count(one) > 1)
            abort();
        wb_tokens_free(one);
        pos = end + 1;
    }
}

static void check_roles(const uint8_t *data, size_t size)
{
    char *text, *line = NULL;
    wb_tokens *tokens = NULL;
    unsigned roles = 0, found = 0;
    int rc;

    if (size > 64 || memchr(data, '\0', size))
        return;
    text = malloc(size + 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    rc = wb_roles_parse(&roles, text);
    free(text);
    if (rc < 0) {
        if (roles != 0 || (rc != WB_EFORMAT && rc != WB_ENOMEM))
            abort();
        return;
    }
    if (roles == 0 || (roles & ~(unsigned)(WB_ROLE_SUBMIT | WB_ROLE_WITNESS | WB_ROLE_ADMIN)))
        abort();
    rc = wb_token_line(&line, "t", "party", roles);
    if (rc == WB_ENOMEM)
        return;
    if (rc < 0)
        abort();
    rc = wb_tokens_parse(&tokens, line, strlen(line), "line");
    if (rc == 0 && (wb_tokens_check(tokens, "t", NULL, &found) != 0 || found != roles))
        abort();
    if (rc < 0 && rc != WB_ENOMEM)
        abort();
    wb_tokens_free(tokens);
    tokens = NULL;
    wb_free(line);
    line = NULL;
    rc = wb_cert_line(&line, abc_sha256, sizeof(abc_sha256), "party", roles);
    if (rc == WB_ENOMEM)
        return;
    if (rc < 0)
        abort();
    rc = wb_tokens_parse(&tokens, line, strlen(line), "line");
    if (rc == 0 &&
        (wb_tokens_check_cert(tokens, abc_sha256, sizeof(abc_sha256), NULL, &found) != 0 ||
         found != roles || wb_tokens_check(tokens, "abc", NULL, NULL) == 0))
        abort();
    if (rc < 0 && rc != WB_ENOMEM)
        abort();
    wb_tokens_free(tokens);
    wb_free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_tokens *tokens = (wb_tokens *)1, *again = NULL;
    const char *party = NULL;
    unsigned roles = 0;
    int rc;

    check_roles(data, size);
    rc = wb_tokens_parse(&tokens, (const char *)data, size, "fuzz");
    if (rc < 0) {
        if (tokens || (rc != WB_EFORMAT && rc != WB_ENOMEM))
            abort();
        if (rc == WB_EFORMAT && strncmp(wb_error_last(), "fuzz:", 5) != 0)
            abort();
        return 0;
    }
    if (!tokens || wb_tokens_count(tokens) != token_lines(data, size))
        abort();
    if (wb_tokens_parse(&again, (const char *)data, size, "fuzz") == 0 &&
        wb_tokens_count(again) != wb_tokens_count(tokens))
        abort();
    wb_tokens_free(again);
    rc = wb_tokens_check(tokens, "abc", &party, &roles);
    if (rc == 0 && (!party || !*party || roles == 0 || !holds(data, size, ABC_HASH)))
        abort();
    if (rc != 0 && rc != WB_ENOTFOUND)
        abort();
    rc = wb_tokens_check_cert(tokens, abc_sha256, sizeof(abc_sha256), &party, &roles);
    if (rc == 0 && (!party || !*party || roles == 0 || !holds(data, size, ABC_CERT)))
        abort();
    if (rc != 0 && rc != WB_ENOTFOUND)
        abort();
    check_lines_alone(data, size);
    wb_tokens_free(tokens);
    return 0;
}
