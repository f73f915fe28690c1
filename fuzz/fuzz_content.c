/*
 * fuzz_content.c: wb_content_scan() (content.c) of an archive from a
 * stranger: the one libarchive pass whose members go to a pool of scanning
 * threads (secrets and YARA on each member's bytes, digests looked up
 * after the walk).
 *
 * Each input is written to $TMPDIR/wb-fuzz-content/in-PID.tar (the name
 * makes it an archive; libarchive detects gzip, xz, zstd, bzip2 and zip
 * by content; the file is removed after each input, as libFuzzer's fork
 * mode ends its children with _exit()) and scanned twice, with one thread and
 * with three, with the default secret rules, two YARA rules and a
 * bad-digest list. Checks, each an abort():
 *  - both scans give the same verdict; failures are format, limit or I/O
 *    errors only;
 *  - on success, the same findings in the same order (the report is the
 *    same whatever the thread count), every finding names a regular file
 *    of the tree, secret findings have a line and column from 1;
 *  - the scanned counts never exceed the tree's files and bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "waybill/content.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static wb_secret_rules *secret_rules;
static wb_malware_rules *yara_rules;
static wb_bad_digests *bad;
static char archive_path[256];

static void setup(void)
{
    static const char rules[] =
        "rule marker { strings: $a = \"WAYBILL-FUZZ-MARKER\" condition: $a }\n"
        "rule hexy { strings: $h = { 7F 45 4C 46 } condition: $h at 0 }\n";
    /* sha256("abc") */
    static const char list[] =
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  abc\n";
    size_t len;
    const char *text = wb_secret_rules_default_text(&len);
    const char *tmp = getenv("TMPDIR");
    char dir[200];
    struct stat st;

    if (wb_secret_rules_parse(&secret_rules, text, len, "default") != 0 ||
        wb_malware_rules_compile_string(&yara_rules, rules, "fuzz") != 0 ||
        wb_bad_digests_parse(&bad, list, sizeof(list) - 1, "fuzz list") != 0)
        abort();
    snprintf(dir, sizeof(dir), "%s/wb-fuzz-content", tmp && *tmp ? tmp : "/tmp");
    if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != geteuid())
        abort();
    snprintf(archive_path, sizeof(archive_path), "%s/in-%ld.tar", dir, (long)getpid());
}

static int scan(wb_content_report **out, unsigned threads)
{
    wb_content_options opts = {
        .secret_rules = secret_rules,
        .yara_rules = yara_rules,
        .bad_digests = bad,
        .threads = threads,
    };
    opts.malware.timeout_seconds = 5;
    return wb_content_scan(out, archive_path, &opts);
}

static void check_file(const wb_tree *tree, const char *path)
{
    const wb_tree_entry *e = path ? wb_tree_find(tree, path) : NULL;
    if (!e || e->type != WB_TREE_FILE)
        abort();
}

static void compare(const wb_content_report *a, const wb_content_report *b)
{
    const wb_secret_report *sa = wb_content_secrets(a), *sb = wb_content_secrets(b);
    const wb_malware_report *ma = wb_content_malware(a), *mb = wb_content_malware(b);
    const wb_tree *tree = wb_content_tree(a);
    const wb_content_stats *st = wb_content_stats_of(a);
    size_t i;

    if (wb_secret_report_count(sa) != wb_secret_report_count(sb) ||
        wb_malware_report_count(ma) != wb_malware_report_count(mb) ||
        wb_tree_count(tree) != wb_tree_count(wb_content_tree(b)))
        abort();
    for (i = 0; i < wb_secret_report_count(sa); i++) {
        const wb_secret_finding *x = wb_secret_report_get(sa, i), *y = wb_secret_report_get(sb, i);
        if (strcmp(x->path, y->path) != 0 || strcmp(x->rule_id, y->rule_id) != 0 ||
            x->line != y->line || x->column != y->column || x->line < 1 || x->column < 1)
            abort();
        check_file(tree, x->path);
    }
    for (i = 0; i < wb_malware_report_count(ma); i++) {
        const wb_malware_finding *x = wb_malware_report_get(ma, i),
                                 *y = wb_malware_report_get(mb, i);
        if (x->kind != y->kind || strcmp(x->path, y->path) != 0 || strcmp(x->rule, y->rule) != 0)
            abort();
        check_file(tree, x->path);
    }
    if (st->files_scanned > st->files || st->bytes_scanned > st->bytes ||
        st->files != wb_tree_file_count(tree))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_content_report *one = NULL, *three = NULL;
    FILE *f;
    int rc1, rc3;

    if (!secret_rules)
        setup();
    if (size > 1 << 20 || !(f = fopen(archive_path, "wb")))
        return 0;
    if (size && fwrite(data, 1, size, f) != size) {
        fclose(f);
        return 0;
    }
    fclose(f);
    rc1 = scan(&one, 1);
    rc3 = scan(&three, 3);
    if (rc1 != rc3)
        abort();
    if (rc1 != 0) {
        if (rc1 != WB_EFORMAT && rc1 != WB_ELIMIT && rc1 != WB_EIO && rc1 != WB_EUNSUPPORTED)
            abort();
    } else {
        compare(one, three);
    }
    wb_content_report_free(one);
    wb_content_report_free(three);
    unlink(archive_path);
    return 0;
}
