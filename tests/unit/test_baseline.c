/*
 * test_baseline.c: the baseline detector (baseline.c) and its ELF reader
 * (baseline_elf.c).
 *
 * The main test builds a small root filesystem in a temporary directory
 * with one instance of each problem the default rules look for (a setuid
 * file not on the allowlist next to one that is, a world-writable file and
 * directory next to a sticky /tmp, a private key 0644, an sshd_config
 * with PermitRootLogin and PasswordAuthentication yes where a drop-in
 * overrides the second, a shadow file with an empty password, a telnet
 * line in inetd.conf, a file owned by uid 1000, a synthetic ELF executable
 * without PIE, RELRO or NX) and checks the exact (rule, path, line) list;
 * then the fixed tree, which must give nothing; then the same trees as a
 * tar archive, which must give the same findings. Then the bounds (a file
 * over the size bound and one changed since hashing are notes, and the
 * scan goes on), the option-table semantics (defaults, Lynis operators,
 * Include, Match, drop-ins without a main file), the rule-file errors,
 * the ELF reader on hand-made files of both classes and byte orders, and
 * allocation failures in the loader.
 *
 * Unreadable files: the tests run as root in CI, where chmod 000 does not
 * stop a read, so unreadability is simulated by the size bound and by a
 * file that shrinks after hashing (both reach the same "note and go on"
 * path as a read error).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "internal.h"
#include "expect.h"
#include "oom.h"
#include "waybill/baseline.h"

#define TESTFS_TAG "baseline"
#include "testfs.h"

/* --- synthetic ELF files --- */

typedef struct {
    bool is64, big;
    uint16_t type; /* 2 ET_EXEC, 3 ET_DYN */
    bool interp, relro, gnu_stack, stack_exec, dynamic;
    uint64_t dt_flags, dt_flags_1;
    const char *const *imports; /* undefined function symbols, NULL-terminated */
} elf_spec;

typedef struct {
    unsigned char *p;
    size_t len;
    const elf_spec *s;
} elf_out;

static void put_n(elf_out *o, size_t at, uint64_t v, unsigned width)
{
    unsigned i;
    for (i = 0; i < width; i++)
        o->p[at + i] = (unsigned char)(v >> (8 * (o->s->big ? width - 1 - i : i)));
}

/* Lay out: header, program headers, dynamic, dynstr, dynsym, section
 * headers (null, .dynsym, .dynstr). Returns the length. */
static size_t make_elf(unsigned char *buf, size_t cap, const elf_spec *s)
{
    elf_out o = {buf, 0, s};
    size_t eh = s->is64 ? 64 : 52, ph = s->is64 ? 56 : 32, sh = s->is64 ? 64 : 40;
    size_t sym = s->is64 ? 24 : 16, dyn = s->is64 ? 16 : 8;
    size_t nph = 0, nimports = 0, i, at, phoff, dynoff, stroff, strsize, symoff, shoff;
    uint32_t types[4], flags[4];

    memset(buf, 0, cap);
    while (s->imports && s->imports[nimports])
        nimports++;
    if (s->interp)
        types[nph] = 3, flags[nph++] = 4;
    if (s->relro)
        types[nph] = 0x6474e552u, flags[nph++] = 4;
    if (s->gnu_stack)
        types[nph] = 0x6474e551u, flags[nph++] = s->stack_exec ? 7 : 6;
    if (s->dynamic)
        types[nph] = 2, flags[nph++] = 6;
    phoff = eh;
    dynoff = phoff + nph * ph;
    stroff = dynoff + 4 * dyn;
    strsize = 1;
    for (i = 0; i < nimports; i++)
        strsize += strlen(s->imports[i]) + 1;
    symoff = (stroff + strsize + 7) & ~(size_t)7;
    shoff = symoff + (nimports + 1) * sym;
    o.len = shoff + 3 * sh;
    assert_true(o.len <= cap);

    memcpy(buf, "\177ELF", 4);
    buf[4] = s->is64 ? 2 : 1;
    buf[5] = s->big ? 2 : 1;
    buf[6] = 1;
    put_n(&o, 16, s->type, 2);
    put_n(&o, 18, s->is64 ? 62 : 3, 2);
    put_n(&o, 20, 1, 4);
    if (s->is64) {
        put_n(&o, 32, phoff, 8);
        put_n(&o, 40, shoff, 8);
        put_n(&o, 52, eh, 2);
        put_n(&o, 54, ph, 2);
        put_n(&o, 56, nph, 2);
        put_n(&o, 58, sh, 2);
        put_n(&o, 60, 3, 2);
    } else {
        put_n(&o, 28, phoff, 4);
        put_n(&o, 32, shoff, 4);
        put_n(&o, 40, eh, 2);
        put_n(&o, 42, ph, 2);
        put_n(&o, 44, nph, 2);
        put_n(&o, 46, sh, 2);
        put_n(&o, 48, 3, 2);
    }
    for (i = 0; i < nph; i++) {
        at = phoff + i * ph;
        put_n(&o, at, types[i], 4);
        if (s->is64) {
            put_n(&o, at + 4, flags[i], 4);
            put_n(&o, at + 8, types[i] == 2 ? dynoff : 0, 8);
            put_n(&o, at + 32, types[i] == 2 ? 4 * dyn : 0, 8);
        } else {
            put_n(&o, at + 4, types[i] == 2 ? dynoff : 0, 4);
            put_n(&o, at + 16, types[i] == 2 ? 4 * dyn : 0, 4);
            put_n(&o, at + 24, flags[i], 4);
        }
    }
    at = dynoff;
    if (s->dt_flags) {
        put_n(&o, at, 30, s->is64 ? 8 : 4);
        put_n(&o, at + dyn / 2, s->dt_flags, s->is64 ? 8 : 4);
        at += dyn;
    }
    if (s->dt_flags_1) {
        put_n(&o, at, 0x6ffffffb, s->is64 ? 8 : 4);
        put_n(&o, at + dyn / 2, s->dt_flags_1, s->is64 ? 8 : 4);
    }
    at = stroff + 1;
    for (i = 0; i < nimports; i++) {
        size_t entry = symoff + (i + 1) * sym;
        memcpy(buf + at, s->imports[i], strlen(s->imports[i]));
        put_n(&o, entry, at - stroff, 4);
        buf[entry + (s->is64 ? 4 : 12)] = 0x12; /* GLOBAL FUNC, shndx 0 */
        at += strlen(s->imports[i]) + 1;
    }
    /* section 1: .dynsym (link 2), section 2: .dynstr */
    at = shoff + sh;
    put_n(&o, at + 4, 11, 4);
    if (s->is64) {
        put_n(&o, at + 24, symoff, 8);
        put_n(&o, at + 32, (nimports + 1) * sym, 8);
        put_n(&o, at + 40, 2, 4);
        put_n(&o, at + 56, sym, 8);
    } else {
        put_n(&o, at + 16, symoff, 4);
        put_n(&o, at + 20, (nimports + 1) * sym, 4);
        put_n(&o, at + 24, 2, 4);
        put_n(&o, at + 36, sym, 4);
    }
    at = shoff + 2 * sh;
    put_n(&o, at + 4, 3, 4);
    if (s->is64) {
        put_n(&o, at + 24, stroff, 8);
        put_n(&o, at + 32, strsize, 8);
    } else {
        put_n(&o, at + 16, stroff, 4);
        put_n(&o, at + 20, strsize, 4);
    }
    return o.len;
}

static const char *const hardened_imports[] = {"puts", "__stack_chk_fail", "__memcpy_chk", "memcpy",
                                               NULL};
static const char *const plain_imports[] = {"puts", "memcpy", "strcpy", NULL};

/* a hardened PIE: interp, full RELRO, NX, canary, FORTIFY */
static const elf_spec hardened = {
    true, false, 3, true, true, true, false, true, 0x8, 0x08000001, hardened_imports};
/* an old-style executable: ET_EXEC, no RELRO, no PT_GNU_STACK, no symbols */
static const elf_spec weak_exec = {true, false, 2, true, false, false, false, false, 0, 0, NULL};

/* --- scanning helpers --- */

static wb_baseline_rules *default_rules(void)
{
    wb_baseline_rules *rules = NULL;
    size_t len;
    const char *text = wb_baseline_rules_default_text(&len);
    if (wb_baseline_rules_parse(&rules, text, len, "baseline.json") != 0)
        fail_msg("default rules: %s", wb_error_last());
    return rules;
}

/* The findings as "RULE PATH:LINE" lines, in report order. */
static char *scan_text(const wb_baseline_rules *rules, const char *root,
                       const wb_baseline_options *opts, wb_baseline_report **keep)
{
    wb_tree *tree = NULL;
    wb_baseline_report *report = NULL;
    wb_buf out = {0};
    char *text;
    size_t len, i;

    if (wb_tree_hash(&tree, root, NULL) != 0)
        fail_msg("hash %s: %s", root, wb_error_last());
    if (wb_baseline_scan(&report, rules, root, tree, opts) != 0)
        fail_msg("scan %s: %s", root, wb_error_last());
    for (i = 0; i < wb_baseline_report_count(report); i++) {
        const wb_baseline_finding *f = wb_baseline_report_get(report, i);
        assert_non_null(f->message);
        assert_non_null(f->csf);
        wb_buf_printf(&out, "%s %s:%zu\n", f->rule_id, f->path, f->line);
    }
    wb_buf_puts(&out, "");
    assert_int_equal(wb_buf_detach(&out, &text, &len), 0);
    if (keep)
        *keep = report;
    else
        wb_baseline_report_free(report);
    wb_tree_free(tree);
    return text;
}

static void expect_text(const char *got, const char *want)
{
    if (strcmp(got, want) != 0)
        fail_msg("findings:\n%s\nexpected:\n%s", got, want);
}

static void run_cmd(const char *cmd)
{
    int status = system(cmd);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("command failed: %s", cmd);
}

static bool is_root(void)
{
    return geteuid() == 0;
}

static void owned_by(const char *dir, const char *rel, uid_t uid, gid_t gid)
{
    if (is_root())
        assert_int_equal(lchown(join(dir, rel), uid, gid), 0);
}

/* The rootfs with one of each problem (`dirty`) or fixed (`!dirty`). */
static void make_rootfs(const char *root, bool dirty)
{
    unsigned char elf[4096];
    size_t n;

    put_dir(root, "etc", 0755);
    put_dir(root, "etc/ssh", 0755);
    put_dir(root, "etc/ssh/sshd_config.d", 0755);
    put_dir(root, "etc/ssl", 0755);
    put_dir(root, "etc/ssl/private", 0700);
    put_dir(root, "usr", 0755);
    put_dir(root, "usr/bin", 0755);
    put_dir(root, "srv", 0755);
    put_dir(root, "srv/drop", dirty ? 0777 : 0755);
    put_dir(root, "tmp", 01777);
    put_text(root, "usr/bin/passwd", "#!/bin/sh\n", 04755);
    put_text(root, "usr/bin/evil", "#!/bin/sh\n", dirty ? 04755 : 0755);
    put_text(root, "srv/data.txt", "data\n", dirty ? 0666 : 0644);
    put_text(root, "etc/ssl/private/server.key",
             "-----BEGIN PRIVATE KEY-----\nnot a real key\n-----END PRIVATE KEY-----\n",
             dirty ? 0644 : 0600);
    put_text(root, "etc/ssh/sshd_config",
             "# test\nInclude /etc/ssh/sshd_config.d/*.conf\n"
             "PermitRootLogin yes\nPasswordAuthentication yes\n"
             "Match User backup\n  PermitRootLogin yes\n",
             0644);
    put_text(root, "etc/ssh/sshd_config.d/50-local.conf",
             dirty ? "passwordauthentication no\n"
                   : "PasswordAuthentication no\nPermitRootLogin no\n",
             0644);
    put_text(root, "etc/passwd",
             "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
             "+::::::\n",
             0644);
    put_text(root, "etc/shadow",
             dirty ? "root::19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n+::::::::\n"
                   : "root:!:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n+::::::::\n",
             0640);
    put_text(root, "etc/inetd.conf",
             dirty ? "# services\ntelnet stream tcp nowait root /usr/sbin/in.telnetd in.telnetd\n"
                   : "# services\n#telnet stream tcp nowait root /usr/sbin/in.telnetd\n",
             0644);
    put_text(root, "srv/readme.txt", "hello\n", 0644);
    owned_by(root, "srv/readme.txt", dirty ? 1000 : 0, 0);
    n = make_elf(elf, sizeof(elf), dirty ? &weak_exec : &hardened);
    put_file(root, "usr/bin/tool", elf, n, 0755);
}

static const char dirty_findings[] = "WB-BL-SVC-001 etc/inetd.conf:2\n"
                                     "WB-BL-PWD-001 etc/shadow:1\n"
                                     "WB-BL-SSH-001 etc/ssh/sshd_config:3\n"
                                     "WB-BL-KEY-001 etc/ssl/private/server.key:0\n"
                                     "WB-BL-PERM-002 srv/data.txt:0\n"
                                     "WB-BL-PERM-003 srv/drop:0\n"
                                     "WB-BL-PERM-004 srv/readme.txt:0\n"
                                     "WB-BL-PERM-001 usr/bin/evil:0\n"
                                     "WB-BL-ELF-001 usr/bin/tool:0\n"
                                     "WB-BL-ELF-002 usr/bin/tool:0\n"
                                     "WB-BL-ELF-004 usr/bin/tool:0\n"
                                     "WB-BL-ELF-005 usr/bin/tool:0\n";

/* without the owner finding, for runs that cannot chown */
static char *expected_dirty(void)
{
    wb_buf out = {0};
    char *text;
    size_t len;
    const char *p = dirty_findings;

    while (*p) {
        const char *eol = strchr(p, '\n');
        if (is_root() || strncmp(p, "WB-BL-PERM-004", 14) != 0)
            wb_buf_append(&out, p, (size_t)(eol - p + 1));
        p = eol + 1;
    }
    wb_buf_puts(&out, "");
    assert_int_equal(wb_buf_detach(&out, &text, &len), 0);
    return text;
}

/* --- tests --- */

static void test_default_rules(void **state)
{
    wb_baseline_rules *rules = default_rules(), *again = NULL;
    size_t i, j, n = wb_baseline_rules_count(rules);

    (void)state;
    assert_true(n >= 25 && n <= 45);
    assert_string_equal(wb_baseline_rules_version(rules), "2026.12.1");
    for (i = 0; i < n; i++) {
        const char *id = wb_baseline_rules_id(rules, i);
        assert_non_null(id);
        assert_true(strncmp(id, "WB-BL-", 6) == 0);
        assert_non_null(wb_baseline_rules_description(rules, i));
        assert_int_equal(strlen(wb_baseline_rules_csf(rules, i)), 8);
        assert_true(wb_baseline_rules_severity(rules, i) >= WB_SEVERITY_LOW);
        for (j = 0; j < i; j++)
            assert_string_not_equal(id, wb_baseline_rules_id(rules, j));
    }
    assert_null(wb_baseline_rules_id(rules, n));
    assert_null(wb_baseline_rules_csf(rules, n));
    assert_int_equal(wb_baseline_rules_severity(rules, n), WB_SEVERITY_NONE);
    /* the installed or built-in set loads the same */
    assert_int_equal(wb_baseline_rules_load_default(&again), 0);
    assert_int_equal(wb_baseline_rules_count(again), n);
    wb_baseline_rules_free(again);
    wb_baseline_rules_free(rules);
    wb_baseline_rules_free(NULL);
    wb_baseline_report_free(NULL);
}

static void test_rootfs(void **state)
{
    wb_baseline_rules *rules = default_rules();
    wb_baseline_options opts = {0};
    wb_baseline_report *report = NULL;
    const char *dirty = new_dir("dirty"), *clean = new_dir("clean");
    char *got, *want = expected_dirty(), cmd[2048];
    size_t i;

    (void)state;
    opts.ignore_owners = !is_root();
    make_rootfs(dirty, true);
    make_rootfs(clean, false);
    got = scan_text(rules, dirty, &opts, &report);
    expect_text(got, want);
    assert_int_equal(wb_baseline_report_note_count(report), 0);
    /* what people read */
    for (i = 0; i < wb_baseline_report_count(report); i++) {
        const wb_baseline_finding *f = wb_baseline_report_get(report, i);
        if (strcmp(f->rule_id, "WB-BL-SSH-001") == 0) {
            assert_string_equal(f->message, "PermitRootLogin yes");
            assert_string_equal(f->csf, "PR.AA-05");
            assert_int_equal(f->severity, WB_SEVERITY_HIGH);
        }
        if (strcmp(f->rule_id, "WB-BL-PWD-001") == 0)
            assert_non_null(strstr(f->message, "\"root\""));
        if (strcmp(f->rule_id, "WB-BL-PERM-001") == 0)
            assert_non_null(strstr(f->message, "4755"));
    }
    assert_null(wb_baseline_report_get(report, wb_baseline_report_count(report)));
    wb_baseline_report_free(report);
    wb_free(got);

    /* one thread and many agree */
    opts.threads = 1;
    got = scan_text(rules, dirty, &opts, NULL);
    expect_text(got, want);
    wb_free(got);
    opts.threads = 0;

    got = scan_text(rules, clean, &opts, NULL);
    expect_text(got, "");
    wb_free(got);

    /* the same trees as archives: the same findings */
    snprintf(cmd, sizeof(cmd),
             "tar --numeric-owner -C '%s' -cf '%s/dirty.tar' . && "
             "tar --numeric-owner -C '%s' -czf '%s/clean.tar.gz' .",
             dirty, base_dir, clean, base_dir);
    run_cmd(cmd);
    got = scan_text(rules, join(base_dir, "dirty.tar"), &opts, NULL);
    expect_text(got, want);
    wb_free(got);
    got = scan_text(rules, join(base_dir, "clean.tar.gz"), &opts, NULL);
    expect_text(got, "");
    wb_free(got);

    /* one file: the ELF alone */
    got = scan_text(rules, join(dirty, "usr/bin/tool"), &opts, NULL);
    expect_text(got, "WB-BL-ELF-001 tool:0\nWB-BL-ELF-002 tool:0\nWB-BL-ELF-004 tool:0\n"
                     "WB-BL-ELF-005 tool:0\n");
    wb_free(got);

    wb_free(want);
    wb_baseline_rules_free(rules);
}

/* A file over the bound and a file changed since hashing are notes; the
 * rest of the scan goes on. */
static void test_notes_and_bounds(void **state)
{
    wb_baseline_rules *rules = default_rules();
    wb_baseline_options opts = {0};
    wb_baseline_report *report = NULL;
    wb_tree *tree = NULL;
    const char *root = new_dir("bounds");
    char *got;

    (void)state;
    opts.ignore_owners = true;
    make_rootfs(root, true);
    opts.max_file_size = 40; /* shadow, inetd.conf, passwd, sshd_config are over it */
    got = scan_text(rules, root, &opts, &report);
    assert_null(strstr(got, "WB-BL-PWD-001"));
    assert_null(strstr(got, "WB-BL-SVC-001"));
    assert_null(strstr(got, "WB-BL-SSH-001"));
    assert_non_null(strstr(got, "WB-BL-PERM-001 usr/bin/evil"));
    assert_non_null(strstr(got, "WB-BL-KEY-001 etc/ssl/private/server.key"));
    assert_non_null(strstr(got, "WB-BL-ELF-004 usr/bin/tool"));
    assert_int_equal(wb_baseline_report_note_count(report), 4);
    assert_non_null(strstr(wb_baseline_report_note(report, 0), "etc/inetd.conf: larger than 40"));
    assert_non_null(strstr(wb_baseline_report_note(report, 1), "etc/passwd: larger than 40"));
    assert_non_null(strstr(wb_baseline_report_note(report, 2), "etc/shadow: larger than 40"));
    assert_non_null(strstr(wb_baseline_report_note(report, 3), "etc/ssh/sshd_config: larger"));
    assert_null(wb_baseline_report_note(report, 4));
    wb_baseline_report_free(report);
    wb_free(got);

    /* an ELF file over its bound */
    opts.max_file_size = 0;
    opts.max_elf_size = 100;
    got = scan_text(rules, root, &opts, &report);
    assert_null(strstr(got, "WB-BL-ELF"));
    assert_int_equal(wb_baseline_report_note_count(report), 1);
    assert_non_null(strstr(wb_baseline_report_note(report, 0), "usr/bin/tool: an ELF file larger"));
    wb_baseline_report_free(report);
    wb_free(got);

    /* a file that shrinks between hashing and scanning */
    opts.max_elf_size = 0;
    assert_int_equal(wb_tree_hash(&tree, root, NULL), 0);
    put_text(root, "etc/shadow", "x\n", 0640);
    assert_int_equal(wb_baseline_scan(&report, rules, root, tree, &opts), 0);
    assert_int_equal(wb_baseline_report_note_count(report), 1);
    assert_non_null(strstr(wb_baseline_report_note(report, 0), "etc/shadow: changed since"));
    assert_true(wb_baseline_report_count(report) > 5);
    wb_baseline_report_free(report);

    /* a file removed between hashing and scanning: a note, and on */
    {
        char path[4096];
        snprintf(path, sizeof(path), "%s/etc/inetd.conf", root);
        assert_int_equal(unlink(path), 0);
    }
    assert_int_equal(wb_baseline_scan(&report, rules, root, tree, &opts), 0);
    assert_int_equal(wb_baseline_report_note_count(report), 2);
    assert_non_null(strstr(wb_baseline_report_note(report, 0), "etc/inetd.conf: cannot be opened"));
    assert_non_null(strstr(wb_baseline_report_note(report, 1), "etc/shadow: changed since"));
    assert_true(wb_baseline_report_count(report) > 5);
    wb_baseline_report_free(report);
    wb_tree_free(tree);

    /* notes are bounded: 1,100 ELF files over a 4-byte bound give 1,000
     * notes and count the other 100 */
    {
        const char *many = new_dir("many-notes");
        char name[64];
        int i;
        put_dir(many, "bin", 0755);
        for (i = 0; i < 1100; i++) {
            snprintf(name, sizeof(name), "bin/elf%04d", i);
            put_text(many, name, "\177ELF: a header of 52 bytes or more, never read past its 4",
                     0755);
        }
        opts.max_elf_size = 4;
        assert_int_equal(wb_tree_hash(&tree, many, NULL), 0);
        assert_int_equal(wb_baseline_scan(&report, rules, many, tree, &opts), 0);
        assert_int_equal(wb_baseline_report_note_count(report), WB_BASELINE_MAX_NOTES);
        assert_int_equal(wb_baseline_report_notes_dropped(report), 100);
        wb_baseline_report_free(report);
        wb_tree_free(tree);
    }
    wb_baseline_rules_free(rules);
}

static void test_option_tables(void **state)
{
    wb_baseline_rules *rules = default_rules();
    wb_baseline_options opts = {0};
    wb_baseline_report *report = NULL;
    const char *a = new_dir("opt-a"), *b = new_dir("opt-b"), *c = new_dir("opt-c");
    char *got;
    size_t i;

    (void)state;
    opts.ignore_owners = true;
    /* defaults: nothing set, so PasswordAuthentication's default "yes" is
     * a finding at line 0; Lynis's '<' with a medium value; Key=value;
     * first value wins; a Match block is not the global value */
    put_dir(a, "etc", 0755);
    put_dir(a, "etc/ssh", 0755);
    put_text(a, "etc/ssh/sshd_config",
             "MaxAuthTries 8\nMaxAuthTries 2\nX11Forwarding=yes\nLOGLEVEL quiet\n"
             "Match Address 10.0.0.0/8\nPasswordAuthentication no\n",
             0644);
    got = scan_text(rules, a, &opts, &report);
    expect_text(got, "WB-BL-SSH-002 etc/ssh/sshd_config:0\n"
                     "WB-BL-SSH-008 etc/ssh/sshd_config:1\n"
                     "WB-BL-SSH-007 etc/ssh/sshd_config:3\n"
                     "WB-BL-SSH-010 etc/ssh/sshd_config:4\n");
    for (i = 0; i < wb_baseline_report_count(report); i++) {
        const wb_baseline_finding *f = wb_baseline_report_get(report, i);
        if (strcmp(f->rule_id, "WB-BL-SSH-002") == 0)
            assert_string_equal(f->message, "PasswordAuthentication not set: the default is yes");
        if (strcmp(f->rule_id, "WB-BL-SSH-008") == 0) {
            assert_string_equal(f->message, "MaxAuthTries 8");
            assert_int_equal(f->severity, WB_SEVERITY_LOW); /* Lynis "medium" */
        }
    }
    wb_baseline_report_free(report);
    wb_free(got);

    /* a drop-in with no main file stands alone, without defaults; a
     * number that is not one; login.defs and an xinetd service */
    put_dir(b, "etc", 0755);
    put_dir(b, "etc/ssh", 0755);
    put_dir(b, "etc/ssh/sshd_config.d", 0755);
    put_dir(b, "etc/xinetd.d", 0755);
    put_text(b, "etc/ssh/sshd_config.d/vendor.conf", "PermitRootLogin yes\nMaxAuthTries lots\n",
             0644);
    put_text(b, "etc/login.defs", "UMASK 022\nENCRYPT_METHOD MD5\n", 0644);
    put_text(b, "etc/xinetd.d/telnet",
             "service telnet\n{\n\tdisable         = no\n\tserver = /usr/sbin/in.telnetd\n}\n",
             0644);
    got = scan_text(rules, b, &opts, NULL);
    expect_text(got, "WB-BL-LOGIN-001 etc/login.defs:2\n"
                     "WB-BL-SSH-001 etc/ssh/sshd_config.d/vendor.conf:1\n"
                     "WB-BL-SSH-008 etc/ssh/sshd_config.d/vendor.conf:2\n"
                     "WB-BL-SVC-006 etc/xinetd.d/telnet:3\n");
    wb_free(got);

    /* include loops and relative includes; quoted values */
    put_dir(c, "etc", 0755);
    put_dir(c, "etc/ssh", 0755);
    put_dir(c, "etc/ssh/sshd_config.d", 0755);
    put_text(c, "etc/ssh/sshd_config",
             "Include sshd_config.d/*.conf\nPasswordAuthentication \"yes\"\n", 0644);
    put_text(c, "etc/ssh/sshd_config.d/a.conf",
             "Include /etc/ssh/sshd_config\nInclude /etc/ssh/sshd_config.d/b.conf\n", 0644);
    put_text(c, "etc/ssh/sshd_config.d/b.conf", "PasswordAuthentication no\n", 0644);
    got = scan_text(rules, c, &opts, NULL);
    expect_text(got, "");
    wb_free(got);
    wb_baseline_rules_free(rules);
}

static void test_existence_and_modes(void **state)
{
    static const char rules_json[] =
        "{\"schemaVersion\": \"2.0.0\", \"x-waybill-version\": \"t1\",\n"
        " \"fileExistenceTests\": [\n"
        "  {\"id\": \"T-1\", \"severity\": \"low\", \"csf\": \"PR.PS-01\", \"name\": \"motd\",\n"
        "   \"path\": \"/etc/motd\", \"shouldExist\": true},\n"
        "  {\"id\": \"T-2\", \"severity\": \"low\", \"csf\": \"PR.PS-01\", \"name\": \"tmp\",\n"
        "   \"path\": \"/tmp\", \"shouldExist\": true, \"permissions\": \"dtrwxrwxrwx\"},\n"
        "  {\"id\": \"T-3\", \"severity\": \"low\", \"csf\": \"PR.PS-01\", \"name\": \"suid\",\n"
        "   \"path\": \"/bin/s\", \"shouldExist\": true, \"permissions\": \"-rwxr-xr-x\",\n"
        "   \"isExecutableBy\": \"other\"},\n"
        "  {\"id\": \"T-4\", \"severity\": \"low\", \"csf\": \"PR.PS-01\", \"name\": \"link\",\n"
        "   \"path\": \"/bin/l\", \"shouldExist\": true, \"permissions\": \"Lrwxrwxrwx\"}],\n"
        " \"fileContentTests\": [\n"
        "  {\"id\": \"T-5\", \"severity\": \"low\", \"csf\": \"PR.PS-01\", \"name\": \"banner\",\n"
        "   \"path\": \"/etc/issue\", \"expectedContents\": [\"^Authorized\", \"only$\"]}]}\n";
    wb_baseline_rules *rules = NULL;
    wb_baseline_options opts = {0};
    wb_baseline_report *report = NULL;
    const char *root = new_dir("exist");
    char *got;

    (void)state;
    assert_int_equal(wb_baseline_rules_parse(&rules, rules_json, strlen(rules_json), "t.json"), 0);
    assert_string_equal(wb_baseline_rules_version(rules), "t1");
    assert_string_equal(wb_baseline_rules_description(rules, 0), "motd");
    opts.ignore_owners = true;
    put_dir(root, "etc", 0755);
    put_dir(root, "tmp", 01777);
    put_dir(root, "bin", 0755);
    put_text(root, "bin/s", "x", 04754);
    put_link(root, "bin/l", "s");
    /* Go's '$' without (?m) is the very end: a final newline fails it */
    put_text(root, "etc/issue", "Authorized users only\n", 0644);
    got = scan_text(rules, root, &opts, &report);
    expect_text(got, "T-3 bin/s:0\nT-3 bin/s:0\nT-5 etc/issue:0\nT-1 etc/motd:0\n");
    assert_string_equal(wb_baseline_report_get(report, 0)->message,
                        "not executable by other (urwxr-xr--)");
    assert_string_equal(wb_baseline_report_get(report, 1)->message,
                        "permissions urwxr-xr--, expected -rwxr-xr-x");
    assert_string_equal(wb_baseline_report_get(report, 2)->message,
                        "banner: expected content /only$/ not found");
    wb_baseline_report_free(report);
    wb_free(got);
    wb_baseline_rules_free(rules);
}

typedef struct {
    const char *json;
    int code;
    const char *needle;
} bad_rules;

#define HEAD "{\"schemaVersion\": \"2.0.0\", \"x-waybill-version\": \"1\", "
#define T(extra)                                                                                   \
    HEAD "\"x-waybill-treeChecks\": [{\"id\": \"A\", \"severity\": \"low\", \"csf\": "             \
         "\"PR.PS-01\", \"description\": \"d\", " extra "}]}"

static void test_rule_errors(void **state)
{
    static const bad_rules cases[] = {
        {"", WB_EFORMAT, "bad.json"},
        {"[]", WB_EFORMAT, "expected a JSON object"},
        {"{\"schemaVersion\": \"1.0.0\"}", WB_EFORMAT, "schemaVersion"},
        {"{\"schemaVersion\": \"2.0.0\", \"commandTests\": []}", WB_EUNSUPPORTED, "commandTests"},
        {HEAD "\"x-waybill-bogus\": 1}", WB_EFORMAT, "x-waybill-bogus: unknown field"},
        {"{\"schemaVersion\": \"2.0.0\", \"fileContentTests\": []}", WB_EFORMAT,
         "x-waybill-version"},
        {HEAD "\"fileContentTests\": []}", WB_EFORMAT, "no rules"},
        {T("\"kind\": \"setuid\", \"colour\": 1"), WB_EFORMAT,
         "x-waybill-treeChecks[0]: colour: unknown field"},
        {T("\"kind\": \"teleport\""), WB_EFORMAT, "kind"},
        {T("\"kind\": \"owner\", \"uids\": [\"5-1\"], \"gids\": [0]"), WB_EFORMAT, "uids"},
        {T("\"kind\": \"owner\", \"uids\": [0]"), WB_EFORMAT, "gids: missing"},
        {T("\"kind\": \"setuid\", \"markers\": [\"x\"]"), WB_EFORMAT, "another kind"},
        {T("\"kind\": \"mode\", \"paths\": [\"a\"], \"forbiddenBits\": \"9\""), WB_EFORMAT,
         "forbiddenBits"},
        {T("\"kind\": \"elf-hardening\", \"property\": \"magic\""), WB_EFORMAT, "property"},
        {T("\"kind\": \"elf-hardening\", \"property\": \"nx\", \"elfKinds\": [\"core\"]"),
         WB_EFORMAT, "elfKinds"},
        {HEAD "\"x-waybill-treeChecks\": [{\"id\": \"A B\", \"severity\": \"low\", \"csf\": "
              "\"PR.PS-01\", \"description\": \"d\", \"kind\": \"setuid\"}]}",
         WB_EFORMAT, "id"},
        {HEAD "\"x-waybill-treeChecks\": [{\"id\": \"A\", \"severity\": \"dire\", \"csf\": "
              "\"PR.PS-01\", \"description\": \"d\", \"kind\": \"setuid\"}]}",
         WB_EFORMAT, "severity"},
        {HEAD "\"x-waybill-treeChecks\": [{\"id\": \"A\", \"severity\": \"low\", \"csf\": "
              "\"PR.PS-1\", \"description\": \"d\", \"kind\": \"setuid\"}]}",
         WB_EFORMAT, "csf"},
        {HEAD "\"x-waybill-treeChecks\": [{\"id\": \"A\", \"severity\": \"low\", \"csf\": "
              "\"PR.PS-01\", \"description\": \"d\", \"kind\": \"setuid\"}, {\"id\": \"A\", "
              "\"severity\": \"low\", \"csf\": \"PR.PS-01\", \"description\": \"d\", \"kind\": "
              "\"setuid\"}]}",
         WB_EFORMAT, "id 'A' is used twice"},
        {HEAD "\"fileExistenceTests\": [{\"id\": \"A\", \"severity\": \"low\", \"csf\": "
              "\"PR.PS-01\", \"name\": \"n\", \"path\": \"/x\"}]}",
         WB_EFORMAT, "shouldExist: missing"},
        {HEAD "\"fileExistenceTests\": [{\"id\": \"A\", \"severity\": \"low\", \"csf\": "
              "\"PR.PS-01\", \"name\": \"n\", \"path\": \"/x\", \"shouldExist\": true, "
              "\"permissions\": \"rw-r--r--\"}]}",
         WB_EFORMAT, "permissions"},
        {HEAD "\"fileExistenceTests\": [{\"id\": \"A\", \"severity\": \"low\", \"csf\": "
              "\"PR.PS-01\", \"name\": \"n\", \"path\": \"/x\", \"shouldExist\": true, "
              "\"uid\": -1}]}",
         WB_EFORMAT, "uid"},
        {HEAD "\"fileContentTests\": [{\"id\": \"A\", \"severity\": \"low\", \"csf\": "
              "\"PR.PS-01\", \"name\": \"n\", \"path\": \"/x\", \"excludedContents\": [\"(\"]}]}",
         WB_EFORMAT, "excludedContents: at offset 1"},
        {HEAD "\"fileContentTests\": [{\"id\": \"A\", \"severity\": \"low\", \"csf\": "
              "\"PR.PS-01\", \"name\": \"n\", \"path\": \"/x\"}]}",
         WB_EFORMAT, "neither"},
        {HEAD "\"x-waybill-optionTables\": [{\"name\": \"t\", \"files\": [\"a*\"], \"syntax\": "
              "\"whitespace\", \"precedence\": \"first\", \"include\": \"Include\", \"rows\": "
              "[]}]}",
         WB_EFORMAT, "no wildcards"},
        {HEAD "\"x-waybill-optionTables\": [{\"name\": \"t\", \"files\": [\"a\"], \"syntax\": "
              "\"yaml\", \"precedence\": \"first\", \"rows\": []}]}",
         WB_EFORMAT, "syntax"},
        {HEAD "\"x-waybill-optionTables\": [{\"name\": \"t\", \"files\": [\"a\"], \"syntax\": "
              "\"equals\", \"precedence\": \"first\", \"rows\": []}]}",
         WB_EFORMAT, "rows"},
        {HEAD "\"x-waybill-optionTables\": [{\"name\": \"t\", \"files\": [\"a\"], \"syntax\": "
              "\"equals\", \"precedence\": \"first\", \"rows\": [{\"id\": \"A\", \"severity\": "
              "\"low\", \"csf\": \"PR.PS-01\", \"description\": \"d\", \"option\": \"k\", "
              "\"expected\": \"x\", \"operator\": \"lessthan\"}]}]}",
         WB_EFORMAT, "numeric"},
        {HEAD "\"x-waybill-optionTables\": [{\"name\": \"t\", \"files\": [\"a\"], \"syntax\": "
              "\"equals\", \"precedence\": \"first\", \"rows\": [{\"id\": \"A\", \"severity\": "
              "\"low\", \"csf\": \"PR.PS-01\", \"description\": \"d\", \"option\": \"k\", "
              "\"operator\": \"notequal\"}]}]}",
         WB_EFORMAT, "weak"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        wb_baseline_rules *rules = (wb_baseline_rules *)1;
        int rc = wb_baseline_rules_parse(&rules, cases[i].json, strlen(cases[i].json), "bad.json");
        if (rc != cases[i].code)
            fail_msg("case %zu: %s (%s), expected %s", i, wb_error_name(rc), wb_error_last(),
                     wb_error_name(cases[i].code));
        assert_null(rules);
        expect_error(rc, cases[i].code, cases[i].needle);
        assert_non_null(strstr(wb_error_last(), "bad.json"));
    }
    expect_error(wb_baseline_rules_parse(NULL, "", 0, "x"), WB_EINVAL, NULL);
    expect_error(wb_baseline_rules_load(NULL, "x"), WB_EINVAL, NULL);
    {
        wb_baseline_rules *rules = NULL;
        expect_error(wb_baseline_rules_load(&rules, join(base_dir, "missing.json")), WB_ENOTFOUND,
                     "missing.json");
    }
    expect_error(wb_baseline_scan(NULL, NULL, NULL, NULL, NULL), WB_EINVAL, NULL);
}

static void test_elf_reader(void **state)
{
    static const char *const symtab_imports[] = {"printf@GLIBC_2.2.5", "__printf_chk", NULL};
    unsigned char buf[4096];
    wb_baseline_elf elf;
    elf_spec spec;
    size_t n, i;
    int classes;

    (void)state;
    /* every class and byte order reads the same */
    for (classes = 0; classes < 4; classes++) {
        spec = hardened;
        spec.is64 = classes & 1;
        spec.big = classes & 2;
        n = make_elf(buf, sizeof(buf), &spec);
        assert_int_equal(wb_baseline_elf_check(&elf, buf, n), 0);
        assert_int_equal(elf.elf_class, spec.is64 ? 64 : 32);
        assert_int_equal(elf.big_endian, spec.big);
        assert_int_equal(elf.kind, WB_ELF_KIND_PIE);
        assert_int_equal(elf.relro, WB_ELF_RELRO_FULL);
        assert_true(elf.bind_now && elf.nx && elf.gnu_stack && elf.dynamic);
        assert_int_equal(elf.stack_protector, WB_ELF_YES);
        assert_int_equal(elf.fortify, WB_ELF_YES);
        assert_int_equal(elf.fortified, 1);
        assert_int_equal(elf.fortifiable, 1);
        assert_int_equal(elf.imported, 4);
        assert_false(elf.symbols_truncated);

        /* a shared library: ET_DYN without interpreter or DF_1_PIE;
         * RELRO without BIND_NOW; executable stack; no canary, no FORTIFY */
        spec.interp = false;
        spec.dt_flags = 0;
        spec.dt_flags_1 = 0;
        spec.stack_exec = true;
        spec.imports = plain_imports;
        n = make_elf(buf, sizeof(buf), &spec);
        assert_int_equal(wb_baseline_elf_check(&elf, buf, n), 0);
        assert_int_equal(elf.kind, WB_ELF_KIND_SHARED);
        assert_int_equal(elf.relro, WB_ELF_RELRO_PARTIAL);
        assert_false(elf.nx);
        assert_true(elf.gnu_stack);
        assert_int_equal(elf.stack_protector, WB_ELF_NO);
        assert_int_equal(elf.fortify, WB_ELF_NO);
        assert_int_equal(elf.fortifiable, 2);

        /* DF_1_PIE alone makes a PIE; DF_1_NOW is BIND_NOW */
        spec.dt_flags_1 = 0x08000001;
        n = make_elf(buf, sizeof(buf), &spec);
        assert_int_equal(wb_baseline_elf_check(&elf, buf, n), 0);
        assert_int_equal(elf.kind, WB_ELF_KIND_PIE);
        assert_int_equal(elf.relro, WB_ELF_RELRO_FULL);

        /* versioned names as newer linkers write them in .symtab */
        spec.imports = symtab_imports;
        n = make_elf(buf, sizeof(buf), &spec);
        assert_int_equal(wb_baseline_elf_check(&elf, buf, n), 0);
        assert_int_equal(elf.fortify, WB_ELF_YES);
        assert_int_equal(elf.fortifiable, 1);
    }

    /* ET_EXEC without PT_GNU_STACK or symbols */
    n = make_elf(buf, sizeof(buf), &weak_exec);
    assert_int_equal(wb_baseline_elf_check(&elf, buf, n), 0);
    assert_int_equal(elf.kind, WB_ELF_KIND_EXECUTABLE);
    assert_int_equal(elf.relro, WB_ELF_RELRO_NONE);
    assert_false(elf.nx || elf.gnu_stack);
    assert_int_equal(elf.stack_protector, WB_ELF_NO); /* an empty .dynsym is a table */
    assert_int_equal(elf.fortify, WB_ELF_UNKNOWN);

    /* every prefix of a file is read without a fault, and refused only
     * when the header itself is cut */
    n = make_elf(buf, sizeof(buf), &hardened);
    for (i = 0; i <= n; i++) {
        unsigned char *copy = wb_memdup(buf, i ? i : 1);
        int rc = wb_baseline_elf_check(&elf, copy, i);
        assert_int_equal(rc, i < 64 ? WB_EFORMAT : 0);
        wb_free(copy);
    }
    /* a symbol table that points past the end is flagged, not followed */
    n = make_elf(buf, sizeof(buf), &hardened);
    memset(buf + n - 2 * 64 + 32, 0xff, 8); /* .dynsym's size: huge */
    assert_int_equal(wb_baseline_elf_check(&elf, buf, n), 0);
    assert_true(elf.symbols_truncated);

    expect_error(wb_baseline_elf_check(&elf, "\177ELF", 4), WB_EFORMAT, "ELF");
    expect_error(wb_baseline_elf_check(&elf, "MZ\x90\x00", 4), WB_EFORMAT, "not an ELF");
    memcpy(buf, "\177ELF\3", 5);
    expect_error(wb_baseline_elf_check(&elf, buf, 64), WB_EFORMAT, "class");
    expect_error(wb_baseline_elf_check(NULL, buf, 64), WB_EINVAL, NULL);
}

static int parse_default(const void *arg)
{
    wb_baseline_rules *rules = NULL;
    size_t len;
    const char *text = wb_baseline_rules_default_text(&len);
    int rc;

    (void)arg;
    rc = wb_baseline_rules_parse(&rules, text, len, "baseline.json");
    wb_baseline_rules_free(rules);
    return rc;
}

static wb_baseline_rules *oom_rules;
static wb_tree *oom_tree;

static int scan_tree(const void *arg)
{
    wb_baseline_report *report = NULL;
    wb_baseline_options opts = {0};
    int rc;

    opts.threads = 1;
    opts.ignore_owners = true;
    rc = wb_baseline_scan(&report, oom_rules, arg, oom_tree, &opts);
    wb_baseline_report_free(report);
    return rc;
}

static void test_out_of_memory(void **state)
{
    const char *root = new_dir("oom");

    (void)state;
    run_with_failing_allocations_ex(parse_default, NULL, 0, "parse default rules", true);
    make_rootfs(root, true);
    oom_rules = default_rules();
    assert_int_equal(wb_tree_hash(&oom_tree, root, NULL), 0);
    run_with_failing_allocations_ex(scan_tree, root, 0, "scan", true);
    wb_tree_free(oom_tree);
    wb_baseline_rules_free(oom_rules);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_rules),       cmocka_unit_test(test_rootfs),
        cmocka_unit_test(test_notes_and_bounds),    cmocka_unit_test(test_option_tables),
        cmocka_unit_test(test_existence_and_modes), cmocka_unit_test(test_rule_errors),
        cmocka_unit_test(test_elf_reader),          cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, make_base_dir, remove_base_dir);
}
