/*
 * version_pairs.c: waybill's verdict on pairs of versions, for the interop
 * tests that put the same pairs to dpkg and node-semver.
 *
 * Usage: version_pairs ECOSYSTEM < PAIRS
 * ECOSYSTEM is an OSV name ("Debian", "npm", "PyPI", ...). Each input line
 * is "a<TAB>b"; each output line is "<", "=" or ">" for
 * wb_version_compare(a, b), or "invalid" when either version is refused.
 * One process for any number of pairs, so 10,000 pairs take milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "waybill/waybill.h"

int main(int argc, char **argv)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    wb_ecosystem eco;

    if (argc != 2 || wb_ecosystem_from_osv(&eco, argv[1]) != 0) {
        fprintf(stderr, "usage: version_pairs ECOSYSTEM < PAIRS\n");
        return 2;
    }
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        char *tab;
        int c = 0;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        tab = strchr(line, '\t');
        if (!tab) {
            fprintf(stderr, "version_pairs: line without a tab: %s\n", line);
            free(line);
            return 2;
        }
        *tab = '\0';
        if (wb_version_compare(eco, line, tab + 1, &c) != 0)
            puts("invalid");
        else
            puts(c < 0 ? "<" : c > 0 ? ">" : "=");
    }
    free(line);
    return 0;
}
