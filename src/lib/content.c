/*
 * content.c: one pass over a delivery that gives its tree and the findings
 * of the content detectors (content.h).
 *
 * The pass rides on the tree hasher (tree_internal.h): each hashing thread
 * reads a file whole into its buffer, hashes it, and hands the same bytes
 * to this file's hook, which runs the secret scan and the YARA scan with
 * scanners of its own (secrets_internal.h). So each file is read once,
 * from one buffer that stays in the cache between the three passes over
 * it, and the threads need no lock but for the rare note. The alternative,
 * hashing first and scanning in a second pooled pass, reads every byte
 * twice: on the warm bench tree (docs/benchmarks.md, "Review") it was 6%
 * slower (YARA is three quarters of the time, a copy from the page cache
 * is cheap), and on a tree larger than the page cache (a whole system) its
 * second pass reads the disk again. Separate scans through the public
 * per-detector calls read every file three times and were 23% slower.
 *
 * An archive is read by one thread (decompression is sequential), which
 * hashes each member as it comes and hands the member's bytes to a pool of
 * threads that run the same hook, so the scans still use every core.
 *
 * Bad digests are looked up after the walk, over the finished tree: it is
 * a binary search per file, and it covers hard-link members of archives,
 * which the hook does not see. At the end the per-thread reports are
 * merged and sorted, so the result does not depend on which thread read
 * which file. Cleanup style: `goto out`.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "secrets_internal.h"
#include "tree_internal.h"
#include "waybill/content.h"

#define MAX_WORKERS      64
#define MAX_YARA_THREADS 32
#define MAX_NOTES        1000

struct wb_content_report {
    wb_tree *tree;
    wb_secret_report *secrets;
    wb_malware_report *malware;
    char **notes;
    size_t nnotes;
    uint64_t notes_dropped;
    wb_content_stats stats;
};

typedef struct {
    wb_secret_scanner *secrets;
    wb_yara_scanner *yara;
    wb_malware_report *malware;
    uint64_t files_scanned, bytes_scanned, files_unscanned;
    double cpu_secrets, cpu_yara;
} worker;

typedef struct {
    const wb_content_options *opts;
    wb_content_report *report;
    pthread_mutex_t lock; /* workers[] and the report's notes */
    worker *workers[MAX_WORKERS];
    size_t nworkers;
} scan_run;

static double now_seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Add a note (the caller holds no lock); past MAX_NOTES only counted. */
static void add_note(wb_content_report *report, pthread_mutex_t *lock, char *note)
{
    bool kept = false;

    if (lock)
        pthread_mutex_lock(lock);
    if (note && report->nnotes < MAX_NOTES) {
        if (!report->notes)
            report->notes = wb_calloc(MAX_NOTES, sizeof(*report->notes));
        if (report->notes) {
            report->notes[report->nnotes++] = note;
            note = NULL;
            kept = true;
        }
    }
    if (!kept)
        report->notes_dropped++;
    if (lock)
        pthread_mutex_unlock(lock);
    wb_free(note);
}

static void worker_destroy(worker *w)
{
    if (!w)
        return;
    wb_secret_scanner_free(w->secrets);
    wb_yara_scanner_free(w->yara);
    wb_malware_report_free(w->malware);
    wb_free(w);
}

static int hook_worker_new(void **out, void *payload)
{
    scan_run *run = payload;
    const wb_content_options *opts = run->opts;
    worker *w = wb_calloc(1, sizeof(*w));
    int rc = 0;

    *out = NULL;
    if (!w)
        return wb_error_set(WB_ENOMEM, "content scan: out of memory");
    if ((rc = wb_malware_report_new(&w->malware)) < 0)
        goto fail;
    if (opts->secret_rules &&
        (rc = wb_secret_scanner_new(&w->secrets, opts->secret_rules, &opts->secrets)) < 0)
        goto fail;
    if (opts->yara_rules &&
        (rc = wb_yara_scanner_new(&w->yara, opts->yara_rules, &opts->malware)) < 0)
        goto fail;
    pthread_mutex_lock(&run->lock);
    if (run->nworkers == MAX_WORKERS) {
        pthread_mutex_unlock(&run->lock);
        rc = wb_error_set(WB_EINTERNAL, "content scan: too many workers");
        goto fail;
    }
    run->workers[run->nworkers++] = w;
    pthread_mutex_unlock(&run->lock);
    *out = w;
    return 0;
fail:
    worker_destroy(w);
    return rc;
}

static void hook_worker_free(void *w, void *payload)
{
    (void)w;
    (void)payload; /* kept for the merge */
}

static int hook_on_file(void *opaque, const wb_tree_entry *entry, const void *data, size_t len,
                        int fd, void *payload)
{
    scan_run *run = payload;
    worker *w = opaque;
    double start;
    int rc = 0;

    if (!w->secrets && !w->yara)
        return 0;
    if (!data && fd < 0) {
        /* an archive member over the bound: its bytes are gone */
        char *shown = wb_escape_display(entry->path);
        w->files_unscanned++;
        if (w->secrets)
            wb_secret_scanner_skip(w->secrets);
        add_note(run->report, &run->lock,
                 shown ? wb_asprintf("%s: %llu bytes, over the scan bound: hashed, not scanned",
                                     shown, (unsigned long long)entry->size)
                       : NULL);
        wb_free(shown);
        return 0;
    }
    if (w->secrets) {
        start = now_seconds(CLOCK_THREAD_CPUTIME_ID);
        if (data)
            rc = wb_secret_scanner_scan(w->secrets, entry->path, data, len);
        else
            wb_secret_scanner_skip(w->secrets); /* over max_file_size */
        w->cpu_secrets += now_seconds(CLOCK_THREAD_CPUTIME_ID) - start;
        if (rc < 0)
            return rc;
    }
    if (w->yara) {
        start = now_seconds(CLOCK_THREAD_CPUTIME_ID);
        rc = data ? wb_yara_scanner_scan(w->yara, w->malware, entry->path, data, len)
                  : wb_yara_scanner_scan_fd(w->yara, w->malware, entry->path, fd);
        w->cpu_yara += now_seconds(CLOCK_THREAD_CPUTIME_ID) - start;
        if (rc < 0)
            return rc;
    }
    w->files_scanned++;
    w->bytes_scanned += entry->size;
    return 0;
}

static int note_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned thread_count(unsigned threads)
{
    if (threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores > 0 ? (unsigned)cores : 1;
    }
    return threads > MAX_YARA_THREADS ? MAX_YARA_THREADS : threads;
}

int wb_content_scan(wb_content_report **out, const char *path, const wb_content_options *opts)
{
    static const wb_content_options none = {0};
    wb_tree_options tree_opts;
    wb_tree_hook hook;
    wb_content_report *report = NULL;
    scan_run run;
    double start = now_seconds(CLOCK_MONOTONIC), walked;
    uint64_t bound;
    size_t i;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !path)
        return wb_error_set(WB_EINVAL, "wb_content_scan: NULL argument");
    if (!opts)
        opts = &none;
    memset(&run, 0, sizeof(run));
    run.opts = opts;
    pthread_mutex_init(&run.lock, NULL);
    report = wb_calloc(1, sizeof(*report));
    if (!report) {
        rc = wb_error_set(WB_ENOMEM, "content scan: out of memory");
        goto out;
    }
    run.report = report;
    if ((rc = wb_secret_report_new(&report->secrets)) < 0 ||
        (rc = wb_malware_report_new(&report->malware)) < 0)
        goto out;

    memset(&tree_opts, 0, sizeof(tree_opts));
    tree_opts.excludes = opts->excludes;
    tree_opts.nexcludes = opts->nexcludes;
    tree_opts.threads = thread_count(opts->threads);
    tree_opts.one_file_system = opts->one_file_system;
    tree_opts.skip_pseudo_fs = true;
    tree_opts.tolerate_unreadable = true;
    report->stats.threads = tree_opts.threads;

    /* files the secret scan would skip for size are not worth holding */
    bound = opts->secrets.max_file_size ? opts->secrets.max_file_size : (uint64_t)32 << 20;
    memset(&hook, 0, sizeof(hook));
    hook.worker_new = hook_worker_new;
    hook.worker_free = hook_worker_free;
    hook.on_file = hook_on_file;
    hook.max_buffer = bound > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)bound;
    if (!opts->secret_rules && !opts->yara_rules)
        rc = wb_tree_hash(&report->tree, path, &tree_opts);
    else
        rc = wb_tree_hash_hooked(&report->tree, path, &tree_opts, &hook, &run);
    if (rc < 0)
        goto out;
    walked = now_seconds(CLOCK_MONOTONIC);

    for (i = 0; i < run.nworkers; i++) {
        worker *w = run.workers[i];
        if (w->secrets && (rc = wb_secret_scanner_merge(report->secrets, w->secrets)) < 0)
            goto out;
        if ((rc = wb_malware_report_move(report->malware, w->malware)) < 0)
            goto out;
        report->stats.files_scanned += w->files_scanned;
        report->stats.bytes_scanned += w->bytes_scanned;
        report->stats.files_unscanned += w->files_unscanned;
        report->stats.cpu_secrets += w->cpu_secrets;
        report->stats.cpu_yara += w->cpu_yara;
    }
    for (i = 0; i < wb_tree_count(report->tree); i++) {
        const wb_tree_entry *e = wb_tree_get(report->tree, i);
        const char *name = NULL;
        if (e->type == WB_TREE_FILE && opts->bad_digests &&
            wb_bad_digests_find(opts->bad_digests, e->sha256, &name) == 0 &&
            (rc = wb_malware_report_add_digest(report->malware, e->path, name, e->sha256)) < 0)
            goto out;
    }
    wb_secret_report_sort(report->secrets);
    wb_malware_report_sort(report->malware);

    for (i = 0; i < wb_tree_note_count(report->tree); i++)
        add_note(report, NULL, wb_strdup(wb_tree_note_at(report->tree, i)));
    report->notes_dropped += wb_tree_notes_dropped(report->tree);
    if (report->nnotes > 1)
        qsort(report->notes, report->nnotes, sizeof(*report->notes), note_cmp);

    report->stats.files = wb_tree_file_count(report->tree);
    report->stats.bytes = wb_tree_total_bytes(report->tree);
    report->stats.seconds_walk = walked - start;
    report->stats.seconds_finish = now_seconds(CLOCK_MONOTONIC) - walked;
    report->stats.seconds = now_seconds(CLOCK_MONOTONIC) - start;
    *out = report;
    report = NULL;
    rc = 0;
out:
    for (i = 0; i < run.nworkers; i++)
        worker_destroy(run.workers[i]);
    pthread_mutex_destroy(&run.lock);
    wb_content_report_free(report);
    return rc;
}

const wb_tree *wb_content_tree(const wb_content_report *report)
{
    return report ? report->tree : NULL;
}

const wb_secret_report *wb_content_secrets(const wb_content_report *report)
{
    return report ? report->secrets : NULL;
}

const wb_malware_report *wb_content_malware(const wb_content_report *report)
{
    return report ? report->malware : NULL;
}

const wb_content_stats *wb_content_stats_of(const wb_content_report *report)
{
    return report ? &report->stats : NULL;
}

size_t wb_content_note_count(const wb_content_report *report)
{
    return report ? report->nnotes : 0;
}

const char *wb_content_note_at(const wb_content_report *report, size_t i)
{
    return report && i < report->nnotes ? report->notes[i] : NULL;
}

uint64_t wb_content_notes_dropped(const wb_content_report *report)
{
    return report ? report->notes_dropped : 0;
}

void wb_content_report_free(wb_content_report *report)
{
    size_t i;

    if (!report)
        return;
    wb_tree_free(report->tree);
    wb_secret_report_free(report->secrets);
    wb_malware_report_free(report->malware);
    for (i = 0; i < report->nnotes; i++)
        wb_free(report->notes[i]);
    wb_free(report->notes);
    wb_free(report);
}
