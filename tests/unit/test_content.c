/*
 * test_content.c: the review's one-pass content scan (content.h).
 *
 * One delivery, built here, holds a planted AWS access key, a PEM private
 * key, a GitHub token under node_modules/ (scanned like everything else),
 * the EICAR test file (its string assembled from two halves, so that this
 * source does not itself look like the test file to a scanner) and a file
 * whose digest is on a bad-digest list. Scanned as a directory, as a
 * .tar.gz written with libarchive, and file by file, it must give the
 * same findings under the same relative paths, in the same order, with
 * any thread count; a truncated archive fails cleanly while the member
 * pool is busy.
 *
 * The walk's manners: an excluded directory is never opened (it holds a
 * FIFO and a directory nobody may read, either of which would show up if
 * it were); what cannot be read is noted and skipped (a FIFO, a socket,
 * and a file and a directory with mode 000 - when run as root, the test
 * drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from its effective set
 * around the scan, so that the kernel really refuses them); a pseudo file
 * system is not entered (a bind mount of /proc, in a private mount
 * namespace, when the test may mount; otherwise only the classification
 * of statfs types is checked, and the test says so), and with
 * one_file_system neither is another one (a tmpfs mounted in the tree).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <archive.h>
#include <archive_entry.h>

#include "internal.h"
#include "oom.h"
#include "waybill/content.h"

#define TESTFS_TAG "content"
#include "testfs.h"

static const char eicar_head[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$";
static const char eicar_tail[] = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
static const char yara_text[] = "rule eicar_test { strings: $a = \"EICAR-STANDARD-ANTIVIRUS-\" "
                                "condition: $a }\n";
static const char pem[] = "-----BEGIN RSA PRIVATE KEY-----\n"
                          "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
                          "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
                          "LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo\n"
                          "-----END RSA PRIVATE KEY-----\n";
static const char bad_bytes[] = "\x7f"
                                "ELF pretend this is a known-bad binary\n";

typedef struct {
    const char *path;
    const char *text; /* NULL: the EICAR file; "" with len: bad_bytes */
} planted;

static char eicar[128];

/* The delivery: path and content. */
static const planted delivery[] = {
    {"README.md", "# a delivery\nnothing to see\n"},
    {"config/aws.env", "AWS_REGION=eu-west-1\nAWS_ACCESS_KEY_ID=AKIAQ3EGUJ2Z7LKWPMRX\n"},
    {"keys/server.pem", pem},
    {"node_modules/left/index.js",
     "module.exports = 'ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5';\n"},
    {"samples/eicar.com", NULL},
    {"bin/tool", ""},
};
#define NDELIVERY (sizeof(delivery) / sizeof(delivery[0]))

/* What a scan of it finds, in report order: (kind, path, rule). */
static const struct {
    const char *kind, *path, *rule;
} expected[] = {
    {"malware", "bin/tool", "bad-tool"},
    {"secret", "config/aws.env", "aws-access-key-id"},
    {"secret", "keys/server.pem", "private-key"},
    {"secret", "node_modules/left/index.js", "github-token"},
    {"malware", "samples/eicar.com", "eicar_test"},
};
#define NEXPECTED (sizeof(expected) / sizeof(expected[0]))

static wb_secret_rules *secret_rules;
static wb_malware_rules *yara_rules;
static wb_bad_digests *bad_digests;

static void content_of(const planted *p, const char **data, size_t *len)
{
    if (!p->text) {
        *data = eicar;
        *len = strlen(eicar);
    } else if (!*p->text) {
        *data = bad_bytes;
        *len = sizeof(bad_bytes) - 1;
    } else {
        *data = p->text;
        *len = strlen(p->text);
    }
}

static void make_parents(const char *dir, const char *rel)
{
    char sub[512];
    const char *slash;
    for (slash = strchr(rel, '/'); slash; slash = strchr(slash + 1, '/')) {
        snprintf(sub, sizeof(sub), "%.*s", (int)(slash - rel), rel);
        if (mkdir(join(dir, sub), 0755) < 0 && errno != EEXIST)
            fail_msg("mkdir %s: %s", sub, strerror(errno));
    }
}

static void write_delivery(const char *dir)
{
    size_t i;
    for (i = 0; i < NDELIVERY; i++) {
        const char *data;
        size_t len;
        content_of(&delivery[i], &data, &len);
        make_parents(dir, delivery[i].path);
        put_file(dir, delivery[i].path, data, len, 0644);
    }
}

static void write_delivery_tar_gz(const char *path)
{
    struct archive *ar = archive_write_new();
    size_t i;
    assert_non_null(ar);
    assert_int_equal(archive_write_set_format_pax_restricted(ar), ARCHIVE_OK);
    assert_int_equal(archive_write_add_filter_gzip(ar), ARCHIVE_OK);
    assert_int_equal(archive_write_open_filename(ar, path), ARCHIVE_OK);
    for (i = 0; i < NDELIVERY; i++) {
        struct archive_entry *ae = archive_entry_new();
        const char *data;
        size_t len;
        content_of(&delivery[i], &data, &len);
        archive_entry_set_pathname(ae, delivery[i].path);
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        archive_entry_set_size(ae, (la_int64_t)len);
        assert_int_equal(archive_write_header(ar, ae), ARCHIVE_OK);
        assert_int_equal(archive_write_data(ar, data, len), (la_ssize_t)len);
        archive_entry_free(ae);
    }
    assert_int_equal(archive_write_close(ar), ARCHIVE_OK);
    assert_int_equal(archive_write_free(ar), ARCHIVE_OK);
}

static int setup(void **state)
{
    unsigned char digest[WB_SHA256_LEN];
    char list[256];
    size_t i;

    if (make_base_dir(state) < 0)
        return -1;
    snprintf(eicar, sizeof(eicar), "%s%s", eicar_head, eicar_tail);
    if (wb_secret_rules_load_default(&secret_rules) < 0 ||
        wb_malware_rules_compile_string(&yara_rules, yara_text, "test") < 0)
        return -1;
    if (wb_digest_buffer(digest, WB_DIGEST_SHA256, bad_bytes, sizeof(bad_bytes) - 1) < 0)
        return -1;
    for (i = 0; i < WB_SHA256_LEN; i++)
        snprintf(list + 2 * i, 3, "%02x", digest[i]);
    snprintf(list + 2 * WB_SHA256_LEN, sizeof(list) - 2 * WB_SHA256_LEN, " bad-tool\n");
    return wb_bad_digests_parse(&bad_digests, list, strlen(list), "bad.txt") < 0 ? -1 : 0;
}

static int teardown(void **state)
{
    wb_secret_rules_free(secret_rules);
    wb_malware_rules_free(yara_rules);
    wb_bad_digests_free(bad_digests);
    return remove_base_dir(state);
}

static wb_content_options all_rules(unsigned threads)
{
    wb_content_options opts;
    memset(&opts, 0, sizeof(opts));
    opts.secret_rules = secret_rules;
    opts.yara_rules = yara_rules;
    opts.bad_digests = bad_digests;
    opts.threads = threads;
    return opts;
}

static wb_content_report *scan_ok(const char *path, const wb_content_options *opts)
{
    wb_content_report *report = NULL;
    int rc = wb_content_scan(&report, path, opts);
    if (rc != 0)
        fail_msg("wb_content_scan(%s): %s: %s", path, wb_error_name(rc), wb_error_last());
    assert_non_null(report);
    assert_non_null(wb_content_tree(report));
    assert_non_null(wb_content_secrets(report));
    assert_non_null(wb_content_malware(report));
    return report;
}

/* The findings as "kind path rule" lines, secrets then malware, each in
 * report order. */
static char *findings_text(const wb_content_report *report)
{
    const wb_secret_report *secrets = wb_content_secrets(report);
    const wb_malware_report *malware = wb_content_malware(report);
    wb_buf out = {0};
    size_t i;
    for (i = 0; i < wb_secret_report_count(secrets); i++) {
        const wb_secret_finding *f = wb_secret_report_get(secrets, i);
        wb_buf_printf(&out, "secret %s %s %zu:%zu\n", f->path, f->rule_id, f->line, f->column);
    }
    for (i = 0; i < wb_malware_report_count(malware); i++) {
        const wb_malware_finding *f = wb_malware_report_get(malware, i);
        wb_buf_printf(&out, "malware %s %s %d\n", f->path, f->rule, (int)f->kind);
    }
    wb_buf_putc(&out, '\0');
    assert_false(out.failed);
    return out.data;
}

/* Every expected finding is there, and nothing else. */
static void check_findings(const wb_content_report *report, const char *prefix)
{
    const wb_secret_report *secrets = wb_content_secrets(report);
    const wb_malware_report *malware = wb_content_malware(report);
    size_t i, nsecret = 0, nmalware = 0;
    char path[256];

    for (i = 0; i < NEXPECTED; i++) {
        snprintf(path, sizeof(path), "%s%s", prefix, expected[i].path);
        if (strcmp(expected[i].kind, "secret") == 0) {
            const wb_secret_finding *f = wb_secret_report_get(secrets, nsecret++);
            if (!f || strcmp(f->path, path) != 0 || strcmp(f->rule_id, expected[i].rule) != 0)
                fail_msg("secret %zu: expected %s %s, got %s %s\n%s", nsecret - 1, path,
                         expected[i].rule, f ? f->path : "(none)", f ? f->rule_id : "",
                         findings_text(report));
        } else {
            const wb_malware_finding *f = wb_malware_report_get(malware, nmalware++);
            if (!f || strcmp(f->path, path) != 0 || strcmp(f->rule, expected[i].rule) != 0)
                fail_msg("malware %zu: expected %s %s, got %s %s", nmalware - 1, path,
                         expected[i].rule, f ? f->path : "(none)", f ? f->rule : "");
        }
    }
    assert_int_equal(wb_secret_report_count(secrets), nsecret);
    assert_int_equal(wb_malware_report_count(malware), nmalware);
}

static void test_directory(void **state)
{
    const char *dir = new_dir("plain");
    wb_content_options opts = all_rules(0);
    wb_content_report *report;
    const wb_content_stats *stats;
    const wb_tree_entry *entry;
    const wb_malware_finding *digest_hit;
    (void)state;

    write_delivery(dir);
    report = scan_ok(dir, &opts);
    check_findings(report, "");
    /* the tree is the tree hasher's, with owners */
    entry = wb_tree_find(wb_content_tree(report), "samples/eicar.com");
    assert_non_null(entry);
    assert_int_equal(entry->size, strlen(eicar));
    assert_int_equal(entry->uid, geteuid());
    digest_hit = wb_malware_report_get(wb_content_malware(report), 0);
    assert_int_equal(digest_hit->kind, WB_MALWARE_DIGEST);
    assert_memory_equal(digest_hit->sha256,
                        wb_tree_find(wb_content_tree(report), "bin/tool")->sha256, WB_SHA256_LEN);
    stats = wb_content_stats_of(report);
    assert_int_equal(stats->files, NDELIVERY);
    assert_int_equal(stats->files_scanned, NDELIVERY);
    assert_int_equal(stats->files_unscanned, 0);
    assert_int_equal(stats->bytes, wb_tree_total_bytes(wb_content_tree(report)));
    assert_int_equal(wb_content_note_count(report), 0);
    assert_int_equal(wb_content_notes_dropped(report), 0);
    wb_content_report_free(report);

    /* no rules: the tree only */
    report = scan_ok(dir, NULL);
    assert_int_equal(wb_tree_file_count(wb_content_tree(report)), NDELIVERY);
    assert_int_equal(wb_secret_report_count(wb_content_secrets(report)), 0);
    assert_int_equal(wb_malware_report_count(wb_content_malware(report)), 0);
    wb_content_report_free(report);
}

static void test_threads_agree(void **state)
{
    const char *dir = new_dir("threads");
    char *reference = NULL;
    unsigned threads[] = {1, 2, 3, 8};
    size_t i;
    (void)state;

    write_delivery(dir);
    for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
        wb_content_options opts = all_rules(threads[i]);
        wb_content_report *report = scan_ok(dir, &opts);
        char *text = findings_text(report);
        if (!reference)
            reference = text;
        else {
            assert_string_equal(text, reference);
            wb_free(text);
        }
        wb_content_report_free(report);
    }
    wb_free(reference);
}

/* The archive holds the same files: the same findings, same paths. */
static void test_archive_matches_directory(void **state)
{
    const char *dir = new_dir("as-dir");
    const char *archive = join(base_dir, "delivery.tar.gz");
    wb_content_options opts = all_rules(0);
    wb_content_report *from_dir, *from_archive;
    char *a, *b;
    (void)state;

    write_delivery(dir);
    write_delivery_tar_gz(archive);
    from_dir = scan_ok(dir, &opts);
    from_archive = scan_ok(archive, &opts);
    assert_int_equal(wb_tree_get_source(wb_content_tree(from_archive)), WB_TREE_SOURCE_ARCHIVE);
    check_findings(from_archive, "");
    a = findings_text(from_dir);
    b = findings_text(from_archive);
    assert_string_equal(a, b);
    assert_int_equal(wb_content_stats_of(from_archive)->files_scanned, NDELIVERY);
    wb_free(a);
    wb_free(b);
    wb_content_report_free(from_dir);
    wb_content_report_free(from_archive);
}

/* A member over the bound is hashed and noted, not scanned; a file over
 * it on disk is still scanned by YARA (from the file), not for secrets. */
static void test_over_the_bound(void **state)
{
    const char *dir = new_dir("bound");
    const char *archive = join(base_dir, "bound.tar.gz");
    wb_content_options opts = all_rules(0);
    wb_content_report *report;
    char big[4096];
    (void)state;

    memset(big, 'a', sizeof(big));
    memcpy(big + 1000, eicar_tail, strlen(eicar_tail));
    memcpy(big + 2000, "AKIAQ3EGUJ2Z7LKWPMRX", 20);
    put_file(dir, "big.txt", big, sizeof(big), 0644);
    opts.secrets.max_file_size = 1024;
    report = scan_ok(dir, &opts);
    assert_int_equal(wb_secret_report_count(wb_content_secrets(report)), 0);
    assert_int_equal(wb_secret_report_stats(wb_content_secrets(report))->files_skipped, 1);
    assert_int_equal(wb_malware_report_count(wb_content_malware(report)), 1);
    assert_string_equal(wb_malware_report_get(wb_content_malware(report), 0)->path, "big.txt");
    wb_content_report_free(report);

    {
        struct archive *ar = archive_write_new();
        struct archive_entry *ae = archive_entry_new();
        assert_int_equal(archive_write_set_format_pax_restricted(ar), ARCHIVE_OK);
        assert_int_equal(archive_write_add_filter_gzip(ar), ARCHIVE_OK);
        assert_int_equal(archive_write_open_filename(ar, archive), ARCHIVE_OK);
        archive_entry_set_pathname(ae, "big.txt");
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        archive_entry_set_size(ae, sizeof(big));
        assert_int_equal(archive_write_header(ar, ae), ARCHIVE_OK);
        assert_int_equal(archive_write_data(ar, big, sizeof(big)), (la_ssize_t)sizeof(big));
        archive_entry_free(ae);
        assert_int_equal(archive_write_close(ar), ARCHIVE_OK);
        assert_int_equal(archive_write_free(ar), ARCHIVE_OK);
    }
    report = scan_ok(archive, &opts);
    assert_int_equal(wb_tree_file_count(wb_content_tree(report)), 1);
    assert_int_equal(wb_secret_report_count(wb_content_secrets(report)), 0);
    assert_int_equal(wb_malware_report_count(wb_content_malware(report)), 0);
    assert_int_equal(wb_content_stats_of(report)->files_unscanned, 1);
    assert_int_equal(wb_content_note_count(report), 1);
    assert_non_null(
        strstr(wb_content_note_at(report, 0), "big.txt: 4096 bytes, over the scan bound"));
    wb_content_report_free(report);
}

/* A truncated or corrupt archive fails cleanly wherever it breaks, with
 * the member pool busy (several threads), and leaves nothing behind. */
static void test_archive_truncated(void **state)
{
    const char *archive = join(base_dir, "whole.tar");
    const char *cut = join(base_dir, "cut.tar");
    wb_content_options opts = all_rules(3);
    unsigned char *data;
    size_t len = 0, at;
    FILE *f;
    (void)state;

    {
        struct archive *ar = archive_write_new();
        size_t i;
        assert_int_equal(archive_write_set_format_pax_restricted(ar), ARCHIVE_OK);
        assert_int_equal(archive_write_open_filename(ar, archive), ARCHIVE_OK);
        for (i = 0; i < 40; i++) {
            struct archive_entry *ae = archive_entry_new();
            char name[32], body[3000];
            snprintf(name, sizeof(name), "dir/f%02zu.txt", i);
            memset(body, 'a' + (int)(i % 26), sizeof(body));
            archive_entry_set_pathname(ae, name);
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_perm(ae, 0644);
            archive_entry_set_size(ae, sizeof(body));
            assert_int_equal(archive_write_header(ar, ae), ARCHIVE_OK);
            assert_int_equal(archive_write_data(ar, body, sizeof(body)), (la_ssize_t)sizeof(body));
            archive_entry_free(ae);
        }
        assert_int_equal(archive_write_close(ar), ARCHIVE_OK);
        assert_int_equal(archive_write_free(ar), ARCHIVE_OK);
    }
    f = fopen(archive, "rb");
    assert_non_null(f);
    data = malloc(1 << 20);
    assert_non_null(data);
    len = fread(data, 1, 1 << 20, f);
    fclose(f);
    for (at = 700; at < len - 2048; at += 9000) {
        wb_content_report *report = (wb_content_report *)&report;
        put_file(base_dir, "cut.tar", data, at, 0644);
        assert_true(wb_content_scan(&report, cut, &opts) < 0);
        assert_null(report);
        assert_non_null(strstr(wb_error_last(), "cut.tar"));
    }
    free(data);
}

/* One file: its base name is its path. */
static void test_single_file(void **state)
{
    const char *dir = new_dir("single");
    wb_content_options opts = all_rules(0);
    wb_content_report *report;
    (void)state;

    put_text(dir, "eicar.com", eicar, 0644);
    report = scan_ok(join(dir, "eicar.com"), &opts);
    assert_int_equal(wb_tree_get_source(wb_content_tree(report)), WB_TREE_SOURCE_FILE);
    assert_int_equal(wb_malware_report_count(wb_content_malware(report)), 1);
    assert_string_equal(wb_malware_report_get(wb_content_malware(report), 0)->path, "eicar.com");
    wb_content_report_free(report);
}

static void make_fifo(const char *dir, const char *rel)
{
    if (mkfifo(join(dir, rel), 0644) < 0)
        fail_msg("mkfifo %s: %s", rel, strerror(errno));
}

static void make_socket(const char *dir, const char *rel)
{
    struct sockaddr_un addr;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    if ((size_t)snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", join(dir, rel)) >=
        sizeof(addr.sun_path)) {
        close(fd);
        skip();
    }
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        fail_msg("bind %s: %s", rel, strerror(errno));
    close(fd); /* the socket file stays */
}

/* Excluded directories are pruned before they are opened: what lies in
 * one (a FIFO, a directory nobody may read, a secret) is never seen, even
 * by the strict default walk that refuses FIFOs. */
static void test_excluded_not_descended(void **state)
{
    const char *dir = new_dir("excluded");
    const char *const excludes[] = {"*/skipme", "*.log"};
    wb_content_options opts = all_rules(0);
    wb_tree_options tree_opts = {0};
    wb_content_report *report;
    wb_tree *tree = NULL;
    (void)state;

    write_delivery(dir);
    put_dir(dir, "deep", 0755);
    put_dir(dir, "deep/skipme", 0755);
    make_fifo(dir, "deep/skipme/pipe");
    put_text(dir, "deep/skipme/key.env", "AWS_ACCESS_KEY_ID=AKIAQ3EGUJ2Z7LKWPMRY\n", 0644);
    put_dir(dir, "deep/skipme/closed", 0000);
    put_text(dir, "deep/trace.log", "AWS_ACCESS_KEY_ID=AKIAQ3EGUJ2Z7LKWPMRZ\n", 0644);
    opts.excludes = excludes;
    opts.nexcludes = 2;
    report = scan_ok(dir, &opts);
    check_findings(report, "");
    assert_int_equal(wb_content_note_count(report), 0);
    assert_non_null(wb_tree_find(wb_content_tree(report), "deep"));
    assert_null(wb_tree_find(wb_content_tree(report), "deep/skipme"));
    assert_null(wb_tree_find(wb_content_tree(report), "deep/trace.log"));
    wb_content_report_free(report);

    tree_opts.excludes = excludes;
    tree_opts.nexcludes = 2;
    assert_int_equal(wb_tree_hash(&tree, dir, &tree_opts), 0);
    wb_tree_free(tree);
    assert_int_equal(chmod(join(dir, "deep/skipme/closed"), 0755), 0);
}

/* Capabilities: the effective set of this thread (threads it starts
 * inherit it). */
static bool set_dac_override(bool on)
{
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    const uint32_t dac = (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH);

    if (syscall(SYS_capget, &header, data) < 0)
        return false;
    if (on)
        data[0].effective |= dac & data[0].permitted;
    else
        data[0].effective &= ~dac;
    return syscall(SYS_capset, &header, data) == 0;
}

static bool has_note(const wb_content_report *report, const char *needle)
{
    size_t i;
    for (i = 0; i < wb_content_note_count(report); i++)
        if (strstr(wb_content_note_at(report, i), needle))
            return true;
    return false;
}

static void print_notes(const wb_content_report *report)
{
    size_t i;
    for (i = 0; i < wb_content_note_count(report); i++)
        print_message("# note: %s\n", wb_content_note_at(report, i));
}

/* What cannot be read is noted and left out; the rest is scanned. The
 * strict walk (seal, verify) still refuses the same tree. */
static void test_unreadable_noted(void **state)
{
    const char *dir = new_dir("unreadable");
    wb_content_options opts = all_rules(0);
    wb_content_report *report;
    wb_tree *tree = NULL;
    bool root = geteuid() == 0, dropped = false;
    (void)state;

    write_delivery(dir);
    make_fifo(dir, "pipe");
    make_socket(dir, "control.sock");
    put_text(dir, "locked.env", "AWS_ACCESS_KEY_ID=AKIAQ3EGUJ2Z7LKWPMRY\n", 0000);
    put_dir(dir, "vault", 0755);
    put_text(dir, "vault/inner.env", "AWS_ACCESS_KEY_ID=AKIAQ3EGUJ2Z7LKWPMRZ\n", 0644);
    assert_int_equal(chmod(join(dir, "vault"), 0000), 0);

    if (root) {
        dropped = set_dac_override(false);
        if (!dropped)
            print_message("# cannot drop CAP_DAC_OVERRIDE: mode 000 is readable to root\n");
    }
    report = scan_ok(dir, &opts);
    if (dropped)
        assert_true(set_dac_override(true));
    print_notes(report);
    check_findings(report, "");
    assert_true(has_note(report, "pipe: a FIFO; left out"));
    assert_true(has_note(report, "control.sock: a socket; left out"));
    assert_null(wb_tree_find(wb_content_tree(report), "pipe"));
    assert_null(wb_tree_find(wb_content_tree(report), "control.sock"));
    if (!root || dropped) {
        assert_true(has_note(report, "locked.env: Permission denied; left out"));
        assert_true(has_note(report, "vault: Permission denied; not entered"));
        assert_null(wb_tree_find(wb_content_tree(report), "locked.env"));
        assert_non_null(wb_tree_find(wb_content_tree(report), "vault"));
        assert_int_equal(wb_content_note_count(report), 4);
    }
    wb_content_report_free(report);

    /* the default walk refuses it, as seal must */
    assert_true(wb_tree_hash(&tree, dir, NULL) < 0);
    assert_null(tree);
    assert_int_equal(chmod(join(dir, "vault"), 0755), 0);
    assert_int_equal(chmod(join(dir, "locked.env"), 0644), 0);
}

/* Pseudo file systems: the table, then a real one when we may mount. */
static void test_pseudo_fs(void **state)
{
    const char *dir = new_dir("system");
    wb_content_options opts = all_rules(0);
    wb_content_report *report;
    bool mounted = false;
    (void)state;

    assert_string_equal(wb_pseudo_fs_kind(0x9fa0), "proc");
    assert_string_equal(wb_pseudo_fs_kind(0x62656572), "sysfs");
    assert_string_equal(wb_pseudo_fs_kind(0x63677270), "cgroup2");
    assert_null(wb_pseudo_fs_kind(0x01021994)); /* tmpfs holds real files */
    assert_null(wb_pseudo_fs_kind(0xef53));     /* ext4 */

    write_delivery(dir);
    put_dir(dir, "proc", 0555);
    /* a private mount namespace: the bind mount vanishes with this
     * process whatever happens, and never shows outside it */
    if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
        mount("/proc", join(dir, "proc"), NULL, MS_BIND, NULL) == 0)
        mounted = true;
    if (!mounted) {
        print_message("# cannot bind-mount /proc here (%s): only the table is checked\n",
                      strerror(errno));
        return;
    }
    report = scan_ok(dir, &opts);
    assert_int_equal(umount2(join(dir, "proc"), MNT_DETACH), 0);
    print_notes(report);
    check_findings(report, "");
    assert_true(has_note(report, "proc: a proc file system, not entered"));
    assert_non_null(wb_tree_find(wb_content_tree(report), "proc"));
    assert_null(wb_tree_find(wb_content_tree(report), "proc/self"));
    assert_int_equal(wb_content_note_count(report), 1);
    wb_content_report_free(report);

    /* another file system (a tmpfs, which is entered by default: it
     * holds real files) is left alone with one_file_system */
    put_dir(dir, "other", 0755);
    if (mount("tmpfs", join(dir, "other"), "tmpfs", 0, "size=1m") < 0) {
        print_message("# cannot mount a tmpfs here (%s): one_file_system not checked\n",
                      strerror(errno));
        return;
    }
    put_text(dir, "other/aws.env", "AWS_ACCESS_KEY_ID=AKIAQ3EGUJ2Z7LKWPMRY\n", 0644);
    report = scan_ok(dir, &opts);
    assert_non_null(wb_tree_find(wb_content_tree(report), "other/aws.env"));
    assert_int_equal(wb_secret_report_count(wb_content_secrets(report)), 4);
    assert_int_equal(wb_content_note_count(report), 0);
    wb_content_report_free(report);
    opts.one_file_system = true;
    report = scan_ok(dir, &opts);
    check_findings(report, "");
    assert_true(has_note(report, "other: another file system, not entered"));
    assert_non_null(wb_tree_find(wb_content_tree(report), "other"));
    assert_null(wb_tree_find(wb_content_tree(report), "other/aws.env"));
    wb_content_report_free(report);
    assert_int_equal(umount2(join(dir, "other"), MNT_DETACH), 0);
}

typedef struct {
    const char *path;
    const wb_content_options *opts;
} scan_call;

static int scan_once(const void *arg)
{
    const scan_call *call = arg;
    wb_content_report *report = NULL;
    int rc = wb_content_scan(&report, call->path, call->opts);
    if (rc == 0) {
        assert_non_null(report);
        wb_content_report_free(report);
    } else {
        assert_null(report);
    }
    return rc;
}

/* The n-th allocation failing, for every n: a clean error or a full
 * result, never a crash or a leak (one thread: the failure counter is not
 * thread-safe; an archive is then read without the member pool). */
static void test_out_of_memory(void **state)
{
    const char *dir = new_dir("oom");
    const char *archive = join(base_dir, "oom.tar.gz");
    wb_content_options opts = all_rules(1);
    scan_call call = {dir, &opts};
    (void)state;

    write_delivery(dir);
    write_delivery_tar_gz(archive);
    run_with_failing_allocations_ex(scan_once, &call, 0, "directory", false);
    call.path = archive;
    run_with_failing_allocations_ex(scan_once, &call, 0, "archive", false);
    call.path = join(dir, "samples/eicar.com");
    run_with_failing_allocations_ex(scan_once, &call, 0, "one file", false);
}

static void test_arguments(void **state)
{
    wb_content_report *report = (wb_content_report *)&report;
    (void)state;
    assert_int_equal(wb_content_scan(NULL, base_dir, NULL), WB_EINVAL);
    assert_int_equal(wb_content_scan(&report, NULL, NULL), WB_EINVAL);
    assert_null(report);
    assert_int_equal(wb_content_scan(&report, join(base_dir, "missing"), NULL), WB_ENOTFOUND);
    assert_null(report);
    assert_null(wb_content_tree(NULL));
    assert_int_equal(wb_content_note_count(NULL), 0);
    assert_null(wb_content_note_at(NULL, 0));
    wb_content_report_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_directory),
        cmocka_unit_test(test_threads_agree),
        cmocka_unit_test(test_archive_matches_directory),
        cmocka_unit_test(test_over_the_bound),
        cmocka_unit_test(test_archive_truncated),
        cmocka_unit_test(test_single_file),
        cmocka_unit_test(test_excluded_not_descended),
        cmocka_unit_test(test_unreadable_noted),
        cmocka_unit_test(test_pseudo_fs),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
