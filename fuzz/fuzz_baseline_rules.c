/*
 * fuzz_baseline_rules.c: wb_baseline_rules_parse() (baseline.c): the
 * container-structure-test sections, the tree checks and the Lynis-style
 * option tables; then a scan of a small fixed root filesystem with what
 * parses.
 *
 * The root filesystem is made once, as $TMPDIR/wb-fuzz-baseline-fixture-1,
 * shared by the processes of a campaign and left for the next one: an
 * sshd_config with an Include and a drop-in, a
 * shadow file with an empty password, an inetd.conf, login.defs, an
 * xinetd service, a private key 0644, a setuid file, a world-writable
 * directory and a small ELF header. It is hashed once.
 *
 * Checks: a refused input leaves no rules and a code from the documented
 * set (format, unsupported, limit, memory), with a message naming the
 * input ("fuzz:..."); an accepted one has rules with non-empty distinct
 * ids, a CSF id of 8 characters, a severity on the scale, a version, and
 * parses again to the same count. Its scan succeeds (or runs out of
 * memory); every finding names one of its rules, a path of the tree, a
 * message; findings are sorted; the same scan twice gives the same
 * findings.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "waybill/baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[256];
static wb_tree *tree;

static const struct {
    const char *path;
    const char *text;
    unsigned mode;
} files[] = {
    {"etc/ssh/sshd_config",
     "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nMaxAuthTries 9\n"
     "Match User x\nX11Forwarding yes\n",
     0644},
    {"etc/ssh/sshd_config.d/a.conf", "PasswordAuthentication no\nInclude a.conf\n", 0644},
    {"etc/shadow", "root::1:0:99999:7:::\nbin:$1$ab$cdefgh:1:0:99999:7:::\n", 0640},
    {"etc/passwd", "root:x:0:0::/root:/bin/sh\nold::1:1::/:/bin/sh\n", 0644},
    {"etc/inetd.conf", "telnet stream tcp nowait root /usr/sbin/in.telnetd\n", 0644},
    {"etc/login.defs", "ENCRYPT_METHOD MD5\nUMASK 000\n", 0644},
    {"etc/xinetd.d/telnet", "service telnet\n{\n disable = no\n}\n", 0644},
    {"etc/key.pem", "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n", 0644},
    {"usr/bin/s", "#!/bin/sh\n", 04755},
    {"usr/bin/elf", NULL, 0755}, /* elf_header below */
};

/* an ELF64 executable's header alone: ET_EXEC, x86-64, no program headers */
static const unsigned char elf_header[64] = {0x7f, 'E', 'L',      'F',         2,       1,
                                             1,    0,   [16] = 2, [18] = 0x3e, [20] = 1};

static const char *const dirs[] = {
    "etc", "etc/ssh", "etc/ssh/sshd_config.d", "etc/xinetd.d", "usr", "usr/bin", "tmp", "srv"};

static void free_tree(void)
{
    wb_tree_free(tree);
    tree = NULL;
}

/* remove the fixture at `base` */
static void cleanup_files(void)
{
    size_t i;
    char path[512];

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", base, files[i].path);
        unlink(path);
    }
    for (i = sizeof(dirs) / sizeof(dirs[0]); i-- > 0;) {
        snprintf(path, sizeof(path), "%s/%s", base, dirs[i]);
        rmdir(path);
    }
    rmdir(base);
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    char path[512];
    size_t i;

    if (tree)
        return;
    snprintf(base, sizeof(base), "%s/wb-fuzz-baseline-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(base) || chmod(base, 0755) < 0)
        abort();
    for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", base, dirs[i]);
        if (mkdir(path, 0755) < 0)
            abort();
    }
    snprintf(path, sizeof(path), "%s/srv", base);
    if (chmod(path, 0777) < 0)
        abort();
    snprintf(path, sizeof(path), "%s/tmp", base);
    if (chmod(path, 01777) < 0)
        abort();
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        FILE *f;
        const void *bytes = files[i].text ? (const void *)files[i].text : elf_header;
        size_t len = files[i].text ? strlen(files[i].text) : sizeof(elf_header);
        snprintf(path, sizeof(path), "%s/%s", base, files[i].path);
        f = fopen(path, "wb");
        if (!f || fwrite(bytes, 1, len, f) != len || fclose(f) != 0 ||
            chmod(path, files[i].mode) < 0)
            abort();
    }
    /* One fixture for every process of a campaign: libFuzzer's fork mode
     * ends its children with _exit(), so a directory per process would be
     * left behind, hundreds of them. The fixture is made whole in a fresh
     * directory and renamed into place; when another process got there
     * first (the rename fails), ours is removed and theirs used. */
    snprintf(path, sizeof(path), "%s/wb-fuzz-baseline-fixture-1", tmp && *tmp ? tmp : "/tmp");
    if (strlen(path) >= sizeof(base))
        abort();
    if (rename(base, path) != 0) {
        struct stat st;
        cleanup_files();
        if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
            abort();
    }
    memcpy(base, path, strlen(path) + 1);
    if (wb_tree_hash(&tree, base, NULL) != 0)
        abort();
    atexit(free_tree);
}

static bool known_rule(const wb_baseline_rules *rules, const char *id)
{
    size_t i;
    for (i = 0; i < wb_baseline_rules_count(rules); i++)
        if (strcmp(wb_baseline_rules_id(rules, i), id) == 0)
            return true;
    return false;
}

static void scan_check(const wb_baseline_rules *rules)
{
    wb_baseline_report *first = NULL, *second = NULL;
    wb_baseline_options opts = {0};
    size_t i;
    int rc;

    opts.threads = 1;
    opts.ignore_owners = true;
    rc = wb_baseline_scan(&first, rules, base, tree, &opts);
    if (rc == WB_ENOMEM)
        return;
    if (rc != 0)
        abort();
    if (wb_baseline_scan(&second, rules, base, tree, &opts) == 0) {
        if (wb_baseline_report_count(first) != wb_baseline_report_count(second) ||
            wb_baseline_report_note_count(first) != wb_baseline_report_note_count(second))
            abort();
        for (i = 0; i < wb_baseline_report_count(first); i++) {
            const wb_baseline_finding *a = wb_baseline_report_get(first, i),
                                      *b = wb_baseline_report_get(second, i);
            if (!known_rule(rules, a->rule_id) || !a->message || !a->csf || !a->description)
                abort();
            if (a->severity < WB_SEVERITY_NONE || a->severity > WB_SEVERITY_CRITICAL)
                abort();
            /* a finding is on an entry of the tree, or on a path a CST
             * test names that should exist and does not */
            if (!wb_tree_find(tree, a->path) && !strstr(a->message, "missing"))
                abort();
            if (i > 0 && wb_tree_path_cmp(wb_baseline_report_get(first, i - 1)->path, a->path) > 0)
                abort();
            if (strcmp(a->rule_id, b->rule_id) != 0 || strcmp(a->path, b->path) != 0 ||
                a->line != b->line || strcmp(a->message, b->message) != 0)
                abort();
        }
    }
    wb_baseline_report_free(first);
    wb_baseline_report_free(second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_baseline_rules *rules = (wb_baseline_rules *)1, *again = NULL;
    size_t i, j;
    int rc;

    setup();
    rc = wb_baseline_rules_parse(&rules, (const char *)data, size, "fuzz");
    if (rc < 0) {
        if (rules ||
            (rc != WB_EFORMAT && rc != WB_EUNSUPPORTED && rc != WB_ELIMIT && rc != WB_ENOMEM))
            abort();
        if (rc != WB_ENOMEM && strncmp(wb_error_last(), "fuzz", 4) != 0)
            abort();
        return 0;
    }
    if (!rules || wb_baseline_rules_count(rules) == 0 || !wb_baseline_rules_version(rules))
        abort();
    for (i = 0; i < wb_baseline_rules_count(rules); i++) {
        const char *id = wb_baseline_rules_id(rules, i);
        wb_severity severity = wb_baseline_rules_severity(rules, i);
        if (!id || !*id || !wb_baseline_rules_description(rules, i) ||
            strlen(wb_baseline_rules_csf(rules, i)) != 8 || severity < WB_SEVERITY_NONE ||
            severity > WB_SEVERITY_CRITICAL)
            abort();
        for (j = 0; j < i; j++)
            if (strcmp(id, wb_baseline_rules_id(rules, j)) == 0)
                abort();
    }
    if (wb_baseline_rules_parse(&again, (const char *)data, size, "fuzz") == 0 &&
        wb_baseline_rules_count(again) != wb_baseline_rules_count(rules))
        abort();
    wb_baseline_rules_free(again);
    scan_check(rules);
    wb_baseline_rules_free(rules);
    return 0;
}
