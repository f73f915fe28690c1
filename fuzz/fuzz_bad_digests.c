/*
 * fuzz_bad_digests.c: wb_bad_digests_parse() (malware.c), the known-bad
 * digest list.
 *
 * Checks: a refused input leaves no list and fails with a format, limit or
 * memory error whose message names the input ("fuzz:LINE: ..."); an
 * accepted one holds no more digests than it has lines that are neither
 * blank nor comments, and every such line's digest is found (read here
 * independently of the parser: optional "sha256:", then 64 hex digits)
 * with a name; parsing again gives the same count.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "waybill/malware.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hex_digit(uint8_t ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_bad_digests *list = (wb_bad_digests *)1, *again = NULL;
    size_t pos = 0, entries = 0;
    int rc;

    rc = wb_bad_digests_parse(&list, (const char *)data, size, "fuzz");
    if (rc < 0) {
        if (list || (rc != WB_EFORMAT && rc != WB_ELIMIT && rc != WB_ENOMEM))
            abort();
        if (rc != WB_ENOMEM && strncmp(wb_error_last(), "fuzz", 4) != 0)
            abort();
        return 0;
    }
    if (!list)
        abort();
    while (pos < size) {
        const uint8_t *nl = memchr(data + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - data) : size, i = pos, j;
        unsigned char digest[WB_SHA256_LEN];
        const char *name = NULL;

        while (i < end && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r'))
            i++;
        if (i < end && data[i] != '#') {
            entries++;
            if (end - i >= 7 && memcmp(data + i, "sha256:", 7) == 0)
                i += 7;
            if (end - i < 64)
                abort(); /* accepted a line too short to hold a digest */
            for (j = 0; j < WB_SHA256_LEN; j++) {
                int hi = hex_digit(data[i + 2 * j]), lo = hex_digit(data[i + 2 * j + 1]);
                if (hi < 0 || lo < 0)
                    abort();
                digest[j] = (unsigned char)(hi << 4 | lo);
            }
            if (wb_bad_digests_find(list, digest, &name) != 0 || !name)
                abort();
        }
        pos = end + 1;
    }
    if (wb_bad_digests_count(list) > entries || (entries > 0 && wb_bad_digests_count(list) == 0))
        abort();
    if (wb_bad_digests_parse(&again, (const char *)data, size, "fuzz") == 0 &&
        wb_bad_digests_count(again) != wb_bad_digests_count(list))
        abort();
    wb_bad_digests_free(again);
    wb_bad_digests_free(list);
    return 0;
}
