/*
 * ledger_bench.c: durable appends per second and inclusion proof latency of
 * the ledger, through the public API (issue 4).
 *
 *   ledger_bench DIR [ENTRIES_AT_BATCH_1024] [PROOFS]
 *
 * Makes a fresh ledger in DIR/b1, DIR/b64 and DIR/b1024 (DIR must exist and
 * be on the disk under test: every batch is one durable SQLite transaction
 * with synchronous=FULL). Entries are 1 KiB DSSE envelopes from a pool of
 * 65,536 distinct ones (repeating past that; the ledger does not dedupe), built
 * before the clock starts. It times, with CLOCK_MONOTONIC:
 *   batch 1:    2,000 appends of one envelope;
 *   batch 64:   64,000 envelopes in batches of 64;
 *   batch 1024: ENTRIES (default 1,048,576 = 2^20) in batches of 1024;
 * then PROOFS (default 10,000) inclusion proofs of random indexes in the
 * batch-1024 ledger at its full size (wb_ledger_prove_inclusion, which reads
 * O(log n) stored hashes from SQLite), each timed alone; prints median, p90
 * and p99 in microseconds. One "name value unit" line per figure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "waybill/waybill.h"

#define ENTRY_SIZE 1024

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "ledger_bench: %s: %s (%d)\n", what, wb_error_last(), rc);
    exit(1);
}

/* A distinct DSSE envelope of exactly ENTRY_SIZE bytes: a base64 payload
 * padded so the whole JSON text is 1 KiB. */
static void make_envelope(char *out, uint64_t n)
{
    static const char head[] = "{\"payloadType\":\"application/vnd.waybill.bench\",\"payload\":\"";
    static const char mid[] = "\",\"signatures\":[{\"keyid\":\"";
    static const char tail[] = "\",\"sig\":\"AAAA\"}]}";
    size_t room = ENTRY_SIZE - (sizeof(head) - 1) - (sizeof(mid) - 1) - (sizeof(tail) - 1);
    size_t keyid_len = room % 4; /* base64 wants a multiple of 4; the rest pads the keyid */
    char num[32];
    size_t i, len;

    room -= keyid_len;
    snprintf(num, sizeof(num), "%016" PRIx64, n);
    memcpy(out, head, sizeof(head) - 1);
    len = sizeof(head) - 1;
    for (i = 0; i < room; i++)
        out[len + i] = i < 16 ? num[i] : 'A' + (char)(i % 26);
    len += room;
    memcpy(out + len, mid, sizeof(mid) - 1);
    len += sizeof(mid) - 1;
    memset(out + len, 'k', keyid_len);
    len += keyid_len;
    memcpy(out + len, tail, sizeof(tail) - 1);
    len += sizeof(tail) - 1;
    if (len != ENTRY_SIZE)
        die("envelope size", 0);
}

static wb_ledger *fresh_ledger(const char *dir, const char *sub, const wb_key *key)
{
    char path[4096];
    wb_ledger *ledger = NULL;
    int rc;

    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    if ((rc = wb_ledger_init(NULL, path, "bench.example/log", key)) < 0)
        die("init", rc);
    if ((rc = wb_ledger_open(&ledger, path)) < 0)
        die("open", rc);
    return ledger;
}

static double run_appends(wb_ledger *ledger, const char *pool, size_t pool_n, uint64_t total,
                          size_t batch)
{
    wb_ledger_input *in = calloc(batch, sizeof(*in));
    uint64_t *idx = calloc(batch, sizeof(*idx));
    uint64_t done = 0;
    double start, secs;
    int rc;

    if (!in || !idx)
        die("calloc", 0);
    start = now();
    while (done < total) {
        size_t i, n = total - done < batch ? (size_t)(total - done) : batch;
        for (i = 0; i < n; i++) {
            in[i].data = pool + ((done + i) % pool_n) * ENTRY_SIZE;
            in[i].len = ENTRY_SIZE;
        }
        if ((rc = wb_ledger_append(idx, ledger, in, n, NULL)) < 0)
            die("append", rc);
        done += n;
    }
    secs = now() - start;
    free(in);
    free(idx);
    return (double)total / secs;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    uint64_t big = argc > 2 ? strtoull(argv[2], NULL, 10) : ((uint64_t)1 << 20);
    size_t proofs = argc > 3 ? strtoul(argv[3], NULL, 10) : 10000, i;
    size_t pool_n = 65536; /* distinct within every batch; the ledger does not dedupe */
    wb_key *key = NULL;
    wb_ledger *ledger;
    char *pool;
    double *lat, rate, sum = 0;
    uint64_t size;
    int rc;

    if (argc < 2) {
        fprintf(stderr, "usage: ledger_bench DIR [ENTRIES_AT_BATCH_1024] [PROOFS]\n");
        return 2;
    }
    if ((rc = wb_key_generate(&key, WB_KEY_ED25519)) < 0)
        die("keygen", rc);
    pool = malloc(pool_n * ENTRY_SIZE);
    lat = calloc(proofs ? proofs : 1, sizeof(*lat));
    if (!pool || !lat)
        die("malloc", 0);
    for (i = 0; i < pool_n; i++)
        make_envelope(pool + i * ENTRY_SIZE, i);

    ledger = fresh_ledger(argv[1], "b1", key);
    rate = run_appends(ledger, pool, pool_n, 2000, 1);
    printf("append_batch_1 %.0f appends/s (2000 entries)\n", rate);
    fflush(stdout);
    wb_ledger_free(ledger);

    ledger = fresh_ledger(argv[1], "b64", key);
    rate = run_appends(ledger, pool, pool_n, 64000, 64);
    printf("append_batch_64 %.0f appends/s (64000 entries)\n", rate);
    fflush(stdout);
    wb_ledger_free(ledger);

    ledger = fresh_ledger(argv[1], "b1024", key);
    rate = run_appends(ledger, pool, pool_n, big, 1024);
    printf("append_batch_1024 %.0f appends/s (%" PRIu64 " entries)\n", rate, big);
    fflush(stdout);

    if ((rc = wb_ledger_size(&size, ledger)) < 0)
        die("size", rc);
    srand(12345);
    for (i = 0; i < proofs; i++) {
        wb_ledger_inclusion proof;
        uint64_t index = (((uint64_t)rand() << 31) ^ (uint64_t)rand()) % size;
        double t0 = now();
        if ((rc = wb_ledger_prove_inclusion(&proof, ledger, index, 0)) < 0)
            die("prove", rc);
        lat[i] = (now() - t0) * 1e6;
        sum += lat[i];
        if (proof.tree_size != size)
            die("prove: wrong size", 0);
    }
    if (proofs) {
        qsort(lat, proofs, sizeof(*lat), cmp_double);
        printf("prove_inclusion_median %.1f us (%zu proofs at %" PRIu64 " entries)\n",
               lat[proofs / 2], proofs, size);
        printf("prove_inclusion_p90 %.1f us\n", lat[proofs * 9 / 10]);
        printf("prove_inclusion_p99 %.1f us\n", lat[proofs * 99 / 100]);
        printf("prove_inclusion_mean %.1f us\n", sum / (double)proofs);
    }
    wb_ledger_free(ledger);
    wb_key_free(key);
    free(pool);
    free(lat);
    return 0;
}
