/*
 * elf_check.c: libwaybill's ELF hardening verdicts (wb_baseline_elf_check,
 * baseline_elf.c) for each file named, one line each, for
 * test_elf_interop.sh to compare with Debian's hardening-check and
 * checksec:
 *
 *   PATH pie=yes|no|dso|other relro=full|partial|none bindnow=yes|no
 *        nx=yes|no canary=yes|no|unknown fortify=yes|no|unknown
 *
 * (on one line), or "PATH not-elf" for a file that is not ELF. Exit
 * status 0, or 3 when a file cannot be read.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "waybill/baseline.h"

static const char *verdict(wb_elf_verdict v)
{
    return v == WB_ELF_YES ? "yes" : v == WB_ELF_NO ? "no" : "unknown";
}

int main(int argc, char **argv)
{
    int i, status = 0;

    for (i = 1; i < argc; i++) {
        static const char *const kinds[] = {"?", "no", "yes", "dso", "other"};
        static const char *const relro[] = {"none", "partial", "full"};
        wb_baseline_elf elf;
        char *data = NULL;
        size_t len = 0;

        if (wb_read_file(&data, &len, argv[i], (size_t)256 << 20) != 0) {
            fprintf(stderr, "elf_check: %s\n", wb_error_last());
            status = 3;
            continue;
        }
        if (wb_baseline_elf_check(&elf, data, len) != 0)
            printf("%s not-elf\n", argv[i]);
        else
            printf("%s pie=%s relro=%s bindnow=%s nx=%s canary=%s fortify=%s\n", argv[i],
                   kinds[elf.kind], relro[elf.relro], elf.bind_now ? "yes" : "no",
                   elf.nx ? "yes" : "no", verdict(elf.stack_protector), verdict(elf.fortify));
        wb_free(data);
    }
    return status;
}
