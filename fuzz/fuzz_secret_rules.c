/*
 * fuzz_secret_rules.c: wb_secret_rules_parse() (secrets.c) and the TOML
 * reader under it (toml.c); then the scanner, on the input itself.
 *
 * Checks: a refused input leaves no rules and a code from the documented
 * set (format, unsupported, limit, memory), with a message naming the input
 * ("fuzz:..."); an accepted one has at least one rule, ids non-empty and
 * distinct, and parses again to the same count. The input is then scanned
 * as a file, with the rules it defines when it parses and always with the
 * default rules: every finding names a known rule and the scanned path, has
 * line and column >= 1, a line no later than the input's last, and a
 * redacted match that holds the mask "*****" (or "(file name)" for a rule
 * on paths only); the same scan twice gives the same findings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "waybill/secrets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t lines_in(const uint8_t *data, size_t size)
{
    size_t n = 1, i;
    for (i = 0; i < size; i++)
        if (data[i] == '\n')
            n++;
    return n;
}

static bool known_rule(const wb_secret_rules *rules, const char *id)
{
    size_t i;
    for (i = 0; i < wb_secret_rules_count(rules); i++)
        if (strcmp(wb_secret_rules_id(rules, i), id) == 0)
            return true;
    return false;
}

static void scan_check(const wb_secret_rules *rules, const uint8_t *data, size_t size)
{
    wb_secret_report *first = NULL, *second = NULL;
    wb_secret_options opts = {0};
    size_t i, lines = lines_in(data, size);
    int rc;

    opts.scan_binary = true;
    if (wb_secret_report_new(&first) != 0 || wb_secret_report_new(&second) != 0)
        abort();
    rc = wb_secret_scan_buffer(first, rules, "fuzz/input.txt", data, size, &opts);
    if (rc != 0 && rc != WB_ENOMEM)
        abort();
    if (rc == 0 && wb_secret_scan_buffer(second, rules, "fuzz/input.txt", data, size, &opts) == 0) {
        if (wb_secret_report_count(first) != wb_secret_report_count(second))
            abort();
        for (i = 0; i < wb_secret_report_count(first); i++) {
            const wb_secret_finding *a = wb_secret_report_get(first, i),
                                    *b = wb_secret_report_get(second, i);
            if (!known_rule(rules, a->rule_id) || strcmp(a->path, "fuzz/input.txt") != 0)
                abort();
            if (a->line < 1 || a->column < 1 || a->line > lines)
                abort();
            if (!strstr(a->redacted, "*****") && strcmp(a->redacted, "(file name)") != 0)
                abort();
            if (a->entropy < 0.0 || a->entropy > 8.0)
                abort();
            if (strcmp(a->rule_id, b->rule_id) != 0 || a->line != b->line ||
                a->column != b->column || strcmp(a->redacted, b->redacted) != 0)
                abort();
        }
    }
    wb_secret_report_free(first);
    wb_secret_report_free(second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static wb_secret_rules *defaults;
    wb_secret_rules *rules = (wb_secret_rules *)1, *again = NULL;
    size_t i, j;
    int rc;

    if (!defaults) {
        size_t len;
        const char *text = wb_secret_rules_default_text(&len);
        if (wb_secret_rules_parse(&defaults, text, len, "default") != 0)
            abort();
    }
    rc = wb_secret_rules_parse(&rules, (const char *)data, size, "fuzz");
    if (rc < 0) {
        if (rules ||
            (rc != WB_EFORMAT && rc != WB_EUNSUPPORTED && rc != WB_ELIMIT && rc != WB_ENOMEM))
            abort();
        if (rc != WB_ENOMEM && strncmp(wb_error_last(), "fuzz", 4) != 0)
            abort();
    } else {
        if (!rules || wb_secret_rules_count(rules) == 0)
            abort();
        for (i = 0; i < wb_secret_rules_count(rules); i++) {
            const char *id = wb_secret_rules_id(rules, i);
            if (!id || !*id)
                abort();
            for (j = 0; j < i; j++)
                if (strcmp(id, wb_secret_rules_id(rules, j)) == 0)
                    abort();
        }
        if (wb_secret_rules_parse(&again, (const char *)data, size, "fuzz") == 0 &&
            wb_secret_rules_count(again) != wb_secret_rules_count(rules))
            abort();
        wb_secret_rules_free(again);
        scan_check(rules, data, size);
        wb_secret_rules_free(rules);
    }
    scan_check(defaults, data, size);
    return 0;
}
