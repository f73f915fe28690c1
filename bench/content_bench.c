/*
 * content_bench.c: time the review's content pass (content.h) on a tree,
 * and the ways it could have been built, so the choice stays measured.
 *
 *   content_bench [--mode MODE] [--threads N] [--yara RULES]... [--no-secrets]
 *                 [--bad-digests FILE] [--list] PATH
 *
 * MODE:
 *   fused     wb_content_scan(): each file read once, hashed and scanned
 *             from one buffer in the hashing threads (the default)
 *   twopass   wb_tree_hash(), then one pooled pass that reads each file
 *             again and runs both scanners on the same buffer
 *   separate  wb_tree_hash(), wb_secret_scan_tree(), wb_malware_scan_tree():
 *             the public per-detector calls, three reads of every file
 *   hash      wb_tree_hash() alone: the floor
 *
 * The secret rules are the default set; YARA rules are compiled from the
 * files given. Prints one line: mode, seconds, MB/s, files, bytes,
 * findings, and the per-detector CPU seconds where known; --list prints
 * the findings too. Used by bench/review-bench.sh.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "secrets_internal.h"
#include "waybill/waybill.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "content_bench: %s: %s: %s\n", what, wb_error_name(rc), wb_error_last());
    return 3;
}

/* --- twopass: one pooled scan after hashing (secrets_internal.h) --- */

typedef struct {
    wb_secret_scanner *secrets;
    wb_yara_scanner *yara;
    wb_malware_report *malware;
    char *buf;
    size_t cap;
} twopass_worker;

typedef struct {
    const wb_secret_rules *secret_rules;
    const wb_malware_rules *yara_rules;
    twopass_worker *workers[64];
    size_t nworkers;
} twopass_run;

static int tp_new(void **out, void *payload)
{
    twopass_run *run = payload;
    twopass_worker *w = calloc(1, sizeof(*w));
    int rc = 0;
    if (!w)
        return wb_error_set(WB_ENOMEM, "out of memory");
    if ((rc = wb_malware_report_new(&w->malware)) < 0 ||
        (run->secret_rules &&
         (rc = wb_secret_scanner_new(&w->secrets, run->secret_rules, NULL)) < 0) ||
        (run->yara_rules && (rc = wb_yara_scanner_new(&w->yara, run->yara_rules, NULL)) < 0))
        return rc;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    run->workers[__atomic_fetch_add(&run->nworkers, 1, __ATOMIC_SEQ_CST)] = w;
    *out = w;
    return 0;
}

static void tp_free(void *w, void *payload)
{
    (void)w;
    (void)payload;
}

static int tp_file(void *opaque, const wb_tree_entry *entry, int fd, void *payload)
{
    twopass_worker *w = opaque;
    size_t len = 0;
    int rc = 0;
    (void)payload;
    if (entry->size + 1 > w->cap) {
        free(w->buf);
        w->cap = (size_t)entry->size + 1;
        if (!(w->buf = malloc(w->cap)))
            return wb_error_set(WB_ENOMEM, "out of memory");
    }
    for (;;) {
        ssize_t n = read(fd, w->buf + len, w->cap - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    if (w->secrets)
        rc = wb_secret_scanner_scan(w->secrets, entry->path, w->buf, len);
    if (rc == 0 && w->yara)
        rc = wb_yara_scanner_scan(w->yara, w->malware, entry->path, w->buf, len);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"mode", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 't'},
        {"yara", required_argument, NULL, 'y'},
        {"no-secrets", no_argument, NULL, 'n'},
        {"bad-digests", required_argument, NULL, 'b'},
        {"list", no_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    const char *mode = "fused", *yara_paths[16], *bad_path = NULL, *path;
    size_t nyara = 0, nsecrets = 0, nmalware = 0, i;
    unsigned threads = 0;
    bool secrets = true, list = false;
    wb_secret_rules *secret_rules = NULL;
    wb_malware_rules *yara_rules = NULL;
    wb_bad_digests *bad = NULL;
    wb_content_report *report = NULL;
    wb_tree *tree = NULL;
    wb_secret_report *sr = NULL;
    wb_malware_report *mr = NULL;
    const wb_secret_report *secret_report = NULL;
    const wb_malware_report *malware_report = NULL;
    double start, seconds, cpu_secrets = -1, cpu_yara = -1;
    uint64_t bytes, files;
    int opt, rc, status = 0;

    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 'm':
            mode = optarg;
            break;
        case 't':
            threads = (unsigned)atoi(optarg);
            break;
        case 'y':
            if (nyara < 16)
                yara_paths[nyara++] = optarg;
            break;
        case 'n':
            secrets = false;
            break;
        case 'b':
            bad_path = optarg;
            break;
        case 'l':
            list = true;
            break;
        default:
            return 2;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "usage: content_bench [--mode fused|twopass|separate|hash] [--threads N] "
                        "[--yara RULES]... [--no-secrets] [--bad-digests FILE] [--list] PATH\n");
        return 2;
    }
    path = argv[optind];
    if (secrets && (rc = wb_secret_rules_load_default(&secret_rules)) < 0)
        return fail("secret rules", rc);
    if (nyara && (rc = wb_malware_rules_compile(&yara_rules, yara_paths, nyara)) < 0)
        return fail("YARA rules", rc);
    if (bad_path && (rc = wb_bad_digests_load(&bad, bad_path)) < 0)
        return fail(bad_path, rc);

    start = now();
    if (strcmp(mode, "fused") == 0) {
        wb_content_options opts = {0};
        const wb_content_stats *st;
        opts.secret_rules = secret_rules;
        opts.yara_rules = yara_rules;
        opts.bad_digests = bad;
        opts.threads = threads;
        if ((rc = wb_content_scan(&report, path, &opts)) < 0) {
            status = fail(path, rc);
            goto out;
        }
        tree = (wb_tree *)wb_content_tree(report);
        secret_report = wb_content_secrets(report);
        malware_report = wb_content_malware(report);
        st = wb_content_stats_of(report);
        cpu_secrets = st->cpu_secrets;
        cpu_yara = st->cpu_yara;
        for (i = 0; i < wb_content_note_count(report); i++)
            fprintf(stderr, "note: %s\n", wb_content_note_at(report, i));
    } else {
        wb_tree_options topts = {0};
        topts.threads = threads;
        if ((rc = wb_tree_hash(&tree, path, &topts)) < 0) {
            status = fail(path, rc);
            goto out;
        }
        if (strcmp(mode, "separate") == 0) {
            wb_secret_options so = {0};
            wb_malware_options mo = {0};
            so.threads = threads;
            mo.threads = threads;
            mo.bad_digests = bad;
            if (secret_rules &&
                (rc = wb_secret_scan_tree(&sr, secret_rules, path, tree, &so)) < 0) {
                status = fail("secrets", rc);
                goto out;
            }
            if ((rc = wb_malware_scan_tree(&mr, yara_rules, path, tree, &mo)) < 0) {
                status = fail("malware", rc);
                goto out;
            }
        } else if (strcmp(mode, "twopass") == 0) {
            static const wb_scan_callbacks cb = {tp_new, tp_free, tp_file, NULL};
            twopass_run run = {secret_rules, yara_rules, {0}, 0};
            if ((rc = wb_scan_tree_files(path, tree, threads, &cb, &run)) < 0) {
                status = fail("scan", rc);
                goto out;
            }
            if ((rc = wb_secret_report_new(&sr)) < 0 || (rc = wb_malware_report_new(&mr)) < 0) {
                status = fail("report", rc);
                goto out;
            }
            for (i = 0; i < run.nworkers; i++) {
                if (run.workers[i]->secrets)
                    wb_secret_scanner_merge(sr, run.workers[i]->secrets);
                wb_malware_report_move(mr, run.workers[i]->malware);
            }
            wb_secret_report_sort(sr);
            wb_malware_report_sort(mr);
        } else if (strcmp(mode, "hash") != 0) {
            fprintf(stderr, "content_bench: unknown mode %s\n", mode);
            status = 2;
            goto out;
        }
        secret_report = sr;
        malware_report = mr;
    }
    seconds = now() - start;
    bytes = wb_tree_total_bytes(tree);
    files = wb_tree_file_count(tree);
    nsecrets = wb_secret_report_count(secret_report);
    nmalware = wb_malware_report_count(malware_report);
    printf("mode=%s seconds=%.3f mbps=%.1f files=%llu bytes=%llu secrets=%zu malware=%zu", mode,
           seconds, (double)bytes / 1e6 / seconds, (unsigned long long)files,
           (unsigned long long)bytes, nsecrets, nmalware);
    if (cpu_secrets >= 0)
        printf(" cpu_secrets=%.3f cpu_yara=%.3f", cpu_secrets, cpu_yara);
    printf("\n");
    if (list) {
        for (i = 0; i < nsecrets; i++) {
            const wb_secret_finding *f = wb_secret_report_get(secret_report, i);
            printf("secret %s %s:%zu\n", f->rule_id, f->path, f->line);
        }
        for (i = 0; i < nmalware; i++) {
            const wb_malware_finding *f = wb_malware_report_get(malware_report, i);
            printf("malware %d %s %s\n", (int)f->kind, f->rule, f->path);
        }
    }
out:
    if (report)
        wb_content_report_free(report);
    else
        wb_tree_free(tree);
    wb_secret_report_free(sr);
    wb_malware_report_free(mr);
    wb_secret_rules_free(secret_rules);
    wb_malware_rules_free(yara_rules);
    wb_bad_digests_free(bad);
    return status;
}
