/*
 * fuzz_elf.c: wb_baseline_elf_check() (baseline_elf.c), the ELF hardening
 * reader of the baseline detector, on the input as an ELF file.
 *
 * Checks: a refusal is WB_EFORMAT, and only for inputs shorter than an
 * ELF header or without the magic, a known class or a known byte order;
 * an accepted file has class 32 or 64, a known kind and RELRO level, full
 * RELRO only with BIND_NOW, NX only with a PT_GNU_STACK, FORTIFY "yes"
 * exactly when a checked function is imported and "no" only when a
 * fortifiable one is, counts within what the input can hold; the same
 * verdicts twice; and every shorter prefix of the input is read without a
 * fault (a quarter, a half, all but one byte).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "waybill/baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_one(const uint8_t *data, size_t size)
{
    wb_baseline_elf a, b;
    int rc = wb_baseline_elf_check(&a, data, size);
    bool header_ok = size >= 52 && memcmp(data, "\177ELF", 4) == 0 &&
                     (data[4] == 1 || (data[4] == 2 && size >= 64)) &&
                     (data[5] == 1 || data[5] == 2);

    if (rc != 0) {
        if (rc != WB_EFORMAT || header_ok)
            abort();
        return;
    }
    if (!header_ok)
        abort();
    if (a.elf_class != (data[4] == 2 ? 64u : 32u) || a.big_endian != (data[5] == 2))
        abort();
    if (a.kind < WB_ELF_KIND_EXECUTABLE || a.kind > WB_ELF_KIND_OTHER)
        abort();
    if (a.relro > WB_ELF_RELRO_FULL || (a.relro == WB_ELF_RELRO_FULL && !a.bind_now))
        abort();
    if (a.nx && !a.gnu_stack)
        abort();
    if ((a.fortify == WB_ELF_YES) != (a.fortified > 0) ||
        (a.fortify == WB_ELF_NO && a.fortifiable == 0))
        abort();
    /* each import is a distinct symbol entry of at least 16 bytes */
    if (a.imported > size / 16 || a.fortified + a.fortifiable > a.imported)
        abort();
    if (wb_baseline_elf_check(&b, data, size) != 0 || memcmp(&a, &b, sizeof(a)) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *prefix;

    check_one(data, size);
    /* shorter copies, each in a buffer of exactly its size */
    if (size > 1) {
        size_t cuts[3] = {size / 4, size / 2, size - 1}, i;
        for (i = 0; i < 3; i++) {
            prefix = malloc(cuts[i] ? cuts[i] : 1);
            if (!prefix)
                return 0;
            memcpy(prefix, data, cuts[i]);
            check_one(prefix, cuts[i]);
            free(prefix);
        }
    }
    return 0;
}
