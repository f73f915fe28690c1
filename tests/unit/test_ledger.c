/*
 * test_ledger.c: the ledger and its SQLite store (ledger.c, store.c,
 * store_sqlite.c), in temporary directories.
 *
 * Every proof the ledger hands out is checked with the verifiers of tlog.c,
 * and every root against one recomputed from the entries' bytes alone
 * (wb_tlog_root over a leaf reader), so a wrong stored hash cannot hide.
 * Crash safety is checked two ways: by putting the directory in the state a
 * crash between COMMIT and the checkpoint file's rename leaves (an old or no
 * checkpoint file) and reopening, and by killing a child process with
 * SIGKILL while it appends batches, then reopening and checking that the
 * log is whole.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define TESTFS_TAG "ledger"
#include "testfs.h"

#include "internal.h"
#include "waybill/ledger.h"

#define ORIGIN "test.example/log"

static wb_key *log_key, *signer_key;

static int group_setup(void **state)
{
    if (make_base_dir(state) < 0)
        return -1;
    if (wb_key_generate(&log_key, WB_KEY_ED25519) < 0 ||
        wb_key_generate(&signer_key, WB_KEY_ED25519) < 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    wb_key_free(log_key);
    wb_key_free(signer_key);
    return remove_base_dir(state);
}

/* A signed envelope whose in-toto statement has the given subject digests
 * and a tag making it unique; wb_free() the result. */
static char *make_envelope(size_t *len, const char *tag, const char *const *digests, size_t n)
{
    wb_buf st = {0};
    wb_envelope *env = NULL;
    char *out = NULL;
    size_t i;

    wb_buf_printf(&st, "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[");
    for (i = 0; i < n; i++)
        wb_buf_printf(&st, "%s{\"name\":\"f%zu\",\"digest\":{\"sha256\":\"%s\"}}", i ? "," : "", i,
                      digests[i]);
    wb_buf_printf(&st, "],\"predicateType\":\"https://example/t\",\"predicate\":{\"tag\":\"%s\"}}",
                  tag);
    assert_false(st.failed);
    assert_int_equal(wb_envelope_new(&env, "application/vnd.in-toto+json", st.data, st.len), 0);
    assert_int_equal(wb_dsse_sign(env, signer_key), 0);
    assert_int_equal(wb_envelope_serialize(&out, len, env), 0);
    wb_envelope_free(env);
    wb_buf_free(&st);
    return out;
}

static const char *new_ledger(const char *name, char **vkey)
{
    static char dirs[32][1024];
    static unsigned next;
    char *dir = dirs[next++ % 32];
    snprintf(dir, sizeof(dirs[0]), "%s/%s", base_dir, name);
    assert_int_equal(wb_ledger_init(vkey, dir, ORIGIN, log_key), 0);
    return dir;
}

static wb_note_verifier *verifier_of(const char *vkey)
{
    wb_note_verifier *v = NULL;
    assert_int_equal(wb_note_verifier_parse(&v, vkey, strlen(vkey)), 0);
    return v;
}

/* Open and verify the latest checkpoint; returns it parsed. */
static wb_checkpoint *latest(wb_ledger *ledger, const wb_note_verifier *v)
{
    wb_checkpoint *cp = NULL;
    char *note = NULL;
    size_t len = 0;
    assert_int_equal(wb_ledger_checkpoint(&note, &len, ledger), 0);
    assert_int_equal(wb_checkpoint_open(&cp, NULL, note, len, ORIGIN, v), 0);
    wb_free(note);
    return cp;
}

static void assert_file_matches_db(const char *dir, wb_ledger *ledger)
{
    char *file = NULL, *note = NULL;
    size_t file_len = 0, note_len = 0;
    assert_int_equal(wb_read_file(&file, &file_len, join(dir, "checkpoint"), 1 << 20), 0);
    assert_int_equal(wb_ledger_checkpoint(&note, &note_len, ledger), 0);
    assert_int_equal(file_len, note_len);
    assert_memory_equal(file, note, note_len);
    wb_free(file);
    wb_free(note);
}

/* A leaf reader over the stored entries' bytes: independent of the stored
 * hashes. */
static int entry_leaf_reader(wb_tlog_hash *out, uint64_t index, void *payload)
{
    wb_store_record rec;
    int rc = wb_store_read_entry(&rec, payload, index);
    if (rc < 0)
        return rc;
    {
        /* the log entry is the SHA-256 of the bytes, stored beside them */
        unsigned char digest[32];
        rc = wb_digest_buffer(digest, WB_DIGEST_SHA256, rec.data, rec.data_len);
        if (rc == 0 && memcmp(digest, rec.digest.bytes, sizeof(digest)) != 0)
            rc = WB_EFORMAT;
        if (rc == 0)
            rc = wb_tlog_leaf_hash(out, digest, sizeof(digest));
    }
    wb_store_record_clear(&rec);
    return rc;
}

/* Check the whole log: checkpoint verified, root recomputed from the bytes,
 * every inclusion proof, consistency from every size in `sizes`. */
static void check_log(wb_ledger *ledger, const wb_note_verifier *v, const uint64_t *sizes,
                      size_t n_sizes)
{
    wb_checkpoint *cp = latest(ledger, v);
    wb_tlog_hash root;
    uint64_t size = 0, i;
    size_t j;

    assert_int_equal(wb_ledger_size(&size, ledger), 0);
    assert_int_equal(cp->size, size);
    assert_int_equal(wb_tlog_root(&root, size, entry_leaf_reader, wb_ledger_store(ledger)), 0);
    assert_memory_equal(root.bytes, cp->root.bytes, WB_TLOG_HASH_LEN);
    for (i = 0; i < size; i++) {
        wb_ledger_inclusion p;
        wb_tlog_hash leaf;
        assert_int_equal(wb_ledger_prove_inclusion(&p, ledger, i, 0), 0);
        assert_int_equal(entry_leaf_reader(&leaf, i, wb_ledger_store(ledger)), 0);
        assert_memory_equal(leaf.bytes, p.leaf_hash.bytes, WB_TLOG_HASH_LEN);
        assert_int_equal(wb_tlog_verify_inclusion(&leaf, i, size, p.proof, p.proof_len, &cp->root),
                         0);
        /* and in a smaller tree */
        if (i + 1 < size) {
            wb_tlog_hash small_root;
            assert_int_equal(wb_ledger_prove_inclusion(&p, ledger, i, i + 1), 0);
            assert_int_equal(
                wb_tlog_root(&small_root, i + 1, entry_leaf_reader, wb_ledger_store(ledger)), 0);
            assert_int_equal(
                wb_tlog_verify_inclusion(&leaf, i, i + 1, p.proof, p.proof_len, &small_root), 0);
        }
    }
    for (j = 0; j < n_sizes; j++) {
        wb_ledger_consistency c;
        wb_tlog_hash old_root;
        if (sizes[j] == 0 || sizes[j] > size)
            continue;
        assert_int_equal(wb_ledger_prove_consistency(&c, ledger, sizes[j], 0), 0);
        assert_int_equal(
            wb_tlog_root(&old_root, sizes[j], entry_leaf_reader, wb_ledger_store(ledger)), 0);
        assert_memory_equal(old_root.bytes, c.old_root.bytes, WB_TLOG_HASH_LEN);
        assert_int_equal(wb_tlog_verify_consistency(sizes[j], size, c.proof, c.proof_len,
                                                    &c.old_root, &cp->root),
                         0);
    }
    wb_checkpoint_free(cp);
}

/* Append `n` fresh envelopes tagged prefix-i; checks the indexes. */
static void append_n(wb_ledger *ledger, const char *prefix, size_t n, const char *party)
{
    wb_ledger_input *in = calloc(n, sizeof(*in));
    uint64_t *idx = calloc(n, sizeof(*idx)), before = 0;
    size_t i;

    assert_non_null(in);
    assert_non_null(idx);
    assert_int_equal(wb_ledger_size(&before, ledger), 0);
    for (i = 0; i < n; i++) {
        char tag[64];
        snprintf(tag, sizeof(tag), "%s-%zu", prefix, i);
        in[i].data = make_envelope(&in[i].len, tag, NULL, 0);
        in[i].name = "test";
    }
    assert_int_equal(wb_ledger_append(idx, ledger, in, n, party), 0);
    for (i = 0; i < n; i++) {
        assert_int_equal(idx[i], before + i);
        wb_free((void *)in[i].data);
    }
    free(in);
    free(idx);
}

static void test_init_open(void **state)
{
    char *vkey = NULL;
    const char *dir;
    wb_ledger *ledger = NULL;
    wb_note_verifier *v;
    wb_checkpoint *cp;
    wb_tlog_hash empty;
    struct stat st;
    uint64_t size = 1;

    (void)state;
    dir = new_ledger("init", &vkey);
    assert_non_null(vkey);
    assert_int_equal(strncmp(vkey, ORIGIN "+", strlen(ORIGIN) + 1), 0);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(join(dir, "log.key"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    assert_string_equal(wb_ledger_origin(ledger), ORIGIN);
    assert_string_equal(wb_ledger_verifier_key(ledger), vkey);
    assert_string_equal(wb_store_backend(wb_ledger_store(ledger)), "sqlite");
    assert_int_equal(wb_ledger_size(&size, ledger), 0);
    assert_int_equal(size, 0);
    v = verifier_of(vkey);
    cp = latest(ledger, v);
    assert_int_equal(cp->size, 0);
    wb_tlog_empty_root(&empty);
    assert_memory_equal(cp->root.bytes, empty.bytes, WB_TLOG_HASH_LEN);
    assert_file_matches_db(dir, ledger);
    wb_checkpoint_free(cp);
    wb_note_verifier_free(v);
    wb_ledger_free(ledger);
    wb_free(vkey);
}

static void test_init_refusals(void **state)
{
    wb_key *ecdsa = NULL, *pub = NULL;
    char path[1024];
    const char *dir;

    (void)state;
    assert_int_equal(wb_key_generate(&ecdsa, WB_KEY_ECDSA_P256), 0);
    snprintf(path, sizeof(path), "%s/ecdsa", base_dir);
    assert_int_equal(wb_ledger_init(NULL, path, ORIGIN, ecdsa), WB_EINVAL);
    assert_non_null(strstr(wb_error_last(), "Ed25519"));
    assert_int_equal(wb_key_public(&pub, log_key), 0);
    assert_int_equal(wb_ledger_init(NULL, path, ORIGIN, pub), WB_EINVAL);
    assert_int_not_equal(wb_ledger_init(NULL, path, "bad origin", log_key), 0);
    assert_int_not_equal(wb_ledger_init(NULL, path, "", log_key), 0);
    dir = new_ledger("twice", NULL);
    assert_int_equal(wb_ledger_init(NULL, dir, ORIGIN, log_key), WB_EEXISTS);
    snprintf(path, sizeof(path), "%s/none", base_dir);
    {
        wb_ledger *ledger = NULL;
        assert_int_equal(wb_ledger_open(&ledger, path), WB_ENOTFOUND);
        assert_null(ledger);
    }
    wb_key_free(ecdsa);
    wb_key_free(pub);
}

static void test_append_batches(void **state)
{
    static const uint64_t sizes[] = {1, 2, 3, 4, 5, 8, 64, 103, 104};
    char *vkey = NULL;
    const char *dir;
    wb_ledger *ledger = NULL;
    wb_note_verifier *v;
    wb_store_record rec;

    (void)state;
    dir = new_ledger("batches", &vkey);
    v = verifier_of(vkey);
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    append_n(ledger, "one", 1, "alice");
    check_log(ledger, v, sizes, 1);
    assert_file_matches_db(dir, ledger);
    append_n(ledger, "three", 3, NULL);
    check_log(ledger, v, sizes, 4);
    assert_file_matches_db(dir, ledger);
    append_n(ledger, "hundred", 100, "bob");
    check_log(ledger, v, sizes, sizeof(sizes) / sizeof(sizes[0]));
    assert_file_matches_db(dir, ledger);
    /* the party and the bytes come back as given */
    assert_int_equal(wb_store_read_entry(&rec, wb_ledger_store(ledger), 0), 0);
    assert_string_equal(rec.party, "alice");
    assert_true(rec.time > 0);
    wb_store_record_clear(&rec);
    assert_int_equal(wb_store_read_entry(&rec, wb_ledger_store(ledger), 2), 0);
    assert_null(rec.party);
    wb_store_record_clear(&rec);
    assert_int_equal(wb_store_read_entry(&rec, wb_ledger_store(ledger), 104), WB_ENOTFOUND);
    wb_ledger_free(ledger);

    /* reopening preserves everything */
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    check_log(ledger, v, sizes, sizeof(sizes) / sizeof(sizes[0]));
    assert_file_matches_db(dir, ledger);
    {
        /* out-of-range proofs */
        wb_ledger_inclusion p;
        wb_ledger_consistency c;
        assert_int_equal(wb_ledger_prove_inclusion(&p, ledger, 104, 0), WB_EINVAL);
        assert_int_equal(wb_ledger_prove_inclusion(&p, ledger, 5, 5), WB_EINVAL);
        assert_int_equal(wb_ledger_prove_inclusion(&p, ledger, 0, 105), WB_EINVAL);
        assert_int_equal(wb_ledger_prove_consistency(&c, ledger, 0, 0), WB_EINVAL);
        assert_int_equal(wb_ledger_prove_consistency(&c, ledger, 10, 9), WB_EINVAL);
        assert_int_equal(wb_ledger_prove_consistency(&c, ledger, 1, 105), WB_EINVAL);
        assert_int_equal(wb_ledger_prove_consistency(&c, ledger, 104, 104), 0);
        assert_int_equal(c.proof_len, 0);
    }
    wb_ledger_free(ledger);
    wb_note_verifier_free(v);
    wb_free(vkey);
}

static void test_bad_envelope_appends_nothing(void **state)
{
    const char *dir;
    wb_ledger *ledger = NULL;
    wb_ledger_input in[2] = {{0}};
    char *good;
    uint64_t size = 9;

    (void)state;
    dir = new_ledger("bad", NULL);
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    good = make_envelope(&in[0].len, "good", NULL, 0);
    in[0].data = good;
    in[0].name = "good.json";
    in[1].data = "{\"not\":\"dsse\"}";
    in[1].len = strlen(in[1].data);
    in[1].name = "bad.json";
    assert_int_equal(wb_ledger_append(NULL, ledger, in, 2, NULL), WB_EFORMAT);
    assert_non_null(strstr(wb_error_last(), "bad.json"));
    assert_int_equal(wb_ledger_size(&size, ledger), 0);
    assert_int_equal(size, 0);
    assert_int_equal(wb_ledger_append(NULL, ledger, in, 0, NULL), WB_EINVAL);
    wb_free(good);
    wb_ledger_free(ledger);
}

static void test_crash_after_commit_repaired(void **state)
{
    char *vkey = NULL, *old = NULL, *now = NULL;
    size_t old_len = 0, now_len = 0;
    const char *dir;
    wb_ledger *ledger = NULL;
    wb_note_verifier *v;
    static const uint64_t sizes[] = {3};

    (void)state;
    dir = new_ledger("crash", &vkey);
    v = verifier_of(vkey);
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    append_n(ledger, "a", 3, NULL);
    assert_int_equal(wb_read_file(&old, &old_len, join(dir, "checkpoint"), 1 << 20), 0);
    append_n(ledger, "b", 2, NULL);
    assert_int_equal(wb_ledger_checkpoint(&now, &now_len, ledger), 0);
    wb_ledger_free(ledger);

    /* a crash between COMMIT and the rename leaves the old file */
    assert_int_equal(wb_write_file_atomic(join(dir, "checkpoint"), old, old_len, 0644, true), 0);
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    assert_file_matches_db(dir, ledger);
    check_log(ledger, v, sizes, 1);
    wb_ledger_free(ledger);

    /* a crash in init, or a lost file: none at all */
    assert_int_equal(unlink(join(dir, "checkpoint")), 0);
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    assert_file_matches_db(dir, ledger);
    wb_ledger_free(ledger);
    {
        char *file = NULL;
        size_t len = 0;
        assert_int_equal(wb_read_file(&file, &len, join(dir, "checkpoint"), 1 << 20), 0);
        assert_int_equal(len, now_len);
        assert_memory_equal(file, now, len);
        wb_free(file);
    }
    /* a damaged file is replaced too */
    put_text(dir, "checkpoint", "garbage\n", 0644);
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    assert_file_matches_db(dir, ledger);
    wb_ledger_free(ledger);
    wb_free(old);
    wb_free(now);
    wb_note_verifier_free(v);
    wb_free(vkey);
}

static void test_store_refuses_stale_batch(void **state)
{
    const char *dir;
    wb_ledger *ledger = NULL;
    wb_store_entry entry = {0};
    wb_tlog_hash hash = {{0}};
    wb_store_batch batch = {0};
    uint64_t size = 0;

    (void)state;
    dir = new_ledger("stale", NULL);
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    append_n(ledger, "s", 2, NULL);
    /* a writer that read size 1 must not get index 1 again */
    entry.data = (const unsigned char *)"x";
    entry.data_len = 1;
    batch.first_index = 1;
    batch.entries = &entry;
    batch.n_entries = 1;
    batch.hashes = &hash;
    batch.n_hashes = 2; /* leaf 1 stores itself and its parent */
    batch.checkpoint = "x\n";
    batch.checkpoint_len = 2;
    assert_int_equal(wb_store_append(wb_ledger_store(ledger), &batch), WB_EEXISTS);
    /* hashes that do not fit the layout are refused before the backend */
    batch.first_index = 2;
    assert_int_equal(wb_store_append(wb_ledger_store(ledger), &batch), WB_EINVAL);
    assert_int_equal(wb_ledger_size(&size, ledger), 0);
    assert_int_equal(size, 2);
    wb_ledger_free(ledger);
    /* and the log is as it was */
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    wb_ledger_free(ledger);
}

static void test_killed_while_appending(void **state)
{
    char *vkey = NULL;
    const char *dir;
    wb_note_verifier *v;
    int round;
    uint64_t prev_size = 0;

    (void)state;
    dir = new_ledger("killed", &vkey);
    v = verifier_of(vkey);
    for (round = 0; round < 4; round++) {
        wb_ledger *ledger = NULL;
        uint64_t size = 0;
        struct timespec delay = {0, 5000000L + round * 17000000L};
        int ready[2];
        char byte = 0;
        pid_t pid;
        assert_int_equal(pipe(ready), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            /* the child appends batches until it is killed, and says when
             * the first is in, so the kill lands while it is busy */
            unsigned batch;
            close(ready[0]);
            if (wb_ledger_open(&ledger, dir) < 0)
                _exit(2);
            for (batch = 0;; batch++) {
                char prefix[32];
                snprintf(prefix, sizeof(prefix), "r%d-%u", round, batch);
                append_n(ledger, prefix, 1 + batch % 7, NULL);
                if (batch == 0 && (write(ready[1], "", 1) != 1 || close(ready[1]) < 0))
                    _exit(3);
            }
        }
        close(ready[1]);
        assert_int_equal(read(ready[0], &byte, 1), 1);
        close(ready[0]);
        nanosleep(&delay, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        /* whatever moment it died at, the served checkpoint is not ahead
         * of the store, and the log is whole */
        {
            char *file = NULL;
            size_t len = 0;
            wb_checkpoint *cp = NULL;
            assert_int_equal(wb_read_file(&file, &len, join(dir, "checkpoint"), 1 << 20), 0);
            assert_int_equal(wb_checkpoint_open(&cp, NULL, file, len, ORIGIN, v), 0);
            assert_int_equal(wb_ledger_open(&ledger, dir), 0);
            assert_int_equal(wb_ledger_size(&size, ledger), 0);
            assert_true(cp->size <= size);
            wb_checkpoint_free(cp);
            wb_free(file);
        }
        assert_file_matches_db(dir, ledger);
        assert_int_equal(wb_ledger_size(&size, ledger), 0);
        /* the child had committed at least one batch when it was killed */
        assert_true(size > prev_size);
        prev_size = size;
        {
            uint64_t sizes[] = {1, size / 2, size};
            check_log(ledger, v, sizes, 3);
        }
        wb_ledger_free(ledger);
    }
    wb_note_verifier_free(v);
    wb_free(vkey);
}

#define D1 "1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "2222222222222222222222222222222222222222222222222222222222222222"
#define DA "abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdef0123"

static void test_search(void **state)
{
    static const char *const s0[] = {D1, D2};
    static const char *const s1[] = {DA};
    static const char *const s2[] = {D2, D2};
    const char *dir;
    wb_ledger *ledger = NULL;
    wb_ledger_input in[4] = {{0}};
    uint64_t *found = NULL;
    size_t count = 9, i;

    (void)state;
    dir = new_ledger("search", NULL);
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    in[0].data = make_envelope(&in[0].len, "s0", s0, 2);
    in[1].data = make_envelope(&in[1].len, "s1", s1, 1);
    in[2].data = make_envelope(&in[2].len, "s2", s2, 2);
    in[3].data = "{\"payload\":\"aGk=\",\"payloadType\":\"text/plain\",\"signatures\":[]}";
    in[3].len = strlen(in[3].data);
    assert_int_equal(wb_ledger_append(NULL, ledger, in, 4, NULL), 0);
    assert_int_equal(wb_ledger_search(&found, &count, ledger, D2), 0);
    assert_int_equal(count, 2);
    assert_int_equal(found[0], 0);
    assert_int_equal(found[1], 2);
    wb_free(found);
    assert_int_equal(wb_ledger_search(&found, &count, ledger,
                                      "sha256:ABCDEFabcdefABCDEFabcdef"
                                      "abcdefabcdefabcdefabcdefabcdef"
                                      "abcdef0123"),
                     0);
    assert_int_equal(count, 1);
    assert_int_equal(found[0], 1);
    wb_free(found);
    assert_int_equal(
        wb_ledger_search(&found, &count, ledger,
                         "3333333333333333333333333333333333333333333333333333333333333333"),
        0);
    assert_int_equal(count, 0);
    assert_null(found);
    assert_int_equal(wb_ledger_search(&found, &count, ledger, "1234"), WB_EINVAL);
    assert_int_equal(wb_ledger_search(&found, &count, ledger, D1 "0"), WB_EINVAL);
    wb_ledger_free(ledger);
    /* survives a reopen */
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    assert_int_equal(wb_ledger_search(&found, &count, ledger, D1), 0);
    assert_int_equal(count, 1);
    wb_free(found);
    wb_ledger_free(ledger);
    for (i = 0; i < 3; i++)
        wb_free((void *)in[i].data);
}

static int bundle_verdict(const char *text, size_t len, const wb_note_verifier *v,
                          const wb_keyring *ring)
{
    wb_bundle *b = NULL;
    int rc = wb_bundle_parse(&b, text, len, "b.bundle");
    if (rc == 0)
        rc = wb_bundle_verify(NULL, NULL, b, v, ring, 1);
    wb_bundle_free(b);
    return rc;
}

/* Replace the first `from` in `text` with `to` (same length) in a copy. */
static char *replaced(const char *text, const char *from, const char *to)
{
    char *copy = wb_strdup(text), *at;
    assert_non_null(copy);
    at = strstr(copy, from);
    assert_non_null(at);
    assert_int_equal(strlen(from), strlen(to));
    memcpy(at, to, strlen(to));
    return copy;
}

static void test_bundle(void **state)
{
    char *vkey = NULL, *text = NULL, *bad;
    size_t len = 0;
    const char *dir;
    wb_ledger *ledger = NULL;
    wb_note_verifier *v, *other_v = NULL;
    wb_note_signer *other = NULL;
    wb_keyring *ring = NULL;
    wb_key *pub = NULL;
    wb_bundle *b = NULL;
    wb_envelope *env = NULL;
    wb_dsse_result *res = NULL;

    (void)state;
    dir = new_ledger("bundle", &vkey);
    v = verifier_of(vkey);
    assert_int_equal(wb_keyring_new(&ring), 0);
    assert_int_equal(wb_key_public(&pub, signer_key), 0);
    assert_int_equal(wb_keyring_add(ring, pub), 0);
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    append_n(ledger, "b", 5, NULL);
    assert_int_equal(wb_ledger_bundle(&text, &len, ledger, 2), 0);
    assert_int_equal(wb_ledger_bundle(&bad, &len, ledger, 5), WB_ENOTFOUND);
    assert_int_equal(bundle_verdict(text, len, v, ring), 0);
    assert_int_equal(bundle_verdict(text, len, v, NULL), 0);
    assert_int_equal(wb_bundle_parse(&b, text, len, "b"), 0);
    assert_int_equal(wb_bundle_index(b), 2);
    assert_int_equal(wb_bundle_tree_size(b), 5);
    assert_int_equal(wb_bundle_verify(&env, &res, b, v, ring, 1), 0);
    assert_non_null(env);
    assert_non_null(res);
    assert_int_equal(res->valid_keys, 1);
    wb_envelope_free(env);
    wb_dsse_result_free(res);
    wb_bundle_free(b);

    /* index off by one */
    bad = replaced(text, "\"index\": 2", "\"index\": 3");
    assert_int_equal(bundle_verdict(bad, len, v, NULL), WB_EVERIFY);
    assert_non_null(strstr(wb_error_last(), "entry 3"));
    wb_free(bad);
    /* tree size that is not the checkpoint's */
    bad = replaced(text, "\"tree_size\": 5", "\"tree_size\": 4");
    assert_int_equal(bundle_verdict(bad, len, v, NULL), WB_EVERIFY);
    assert_non_null(strstr(wb_error_last(), "tree_size"));
    wb_free(bad);
    /* checkpoint by another key of the same name */
    assert_int_equal(wb_note_signer_generate(&other, ORIGIN, WB_NOTE_ED25519), 0);
    assert_int_equal(wb_note_signer_verifier(&other_v, other), 0);
    assert_int_equal(bundle_verdict(text, len, other_v, NULL), WB_EVERIFY);
    assert_non_null(strstr(wb_error_last(), "checkpoint"));
    /* a wrong media type or a missing field is a format error */
    bad = replaced(text, "bundle.v1", "bundle.v9");
    assert_int_equal(bundle_verdict(bad, len, v, NULL), WB_EFORMAT);
    wb_free(bad);
    /* an untrusted signer fails the signature check only */
    {
        wb_keyring *empty_ring = NULL;
        wb_key *k = NULL, *kp = NULL;
        assert_int_equal(wb_keyring_new(&empty_ring), 0);
        assert_int_equal(wb_key_generate(&k, WB_KEY_ED25519), 0);
        assert_int_equal(wb_key_public(&kp, k), 0);
        assert_int_equal(wb_keyring_add(empty_ring, kp), 0);
        assert_int_equal(bundle_verdict(text, len, v, empty_ring), WB_EVERIFY);
        assert_non_null(strstr(wb_error_last(), "signatures"));
        wb_keyring_free(empty_ring);
        wb_key_free(k);
    }
    wb_note_signer_free(other);
    wb_note_verifier_free(other_v);
    wb_free(text);
    wb_keyring_free(ring);
    wb_ledger_free(ledger);
    wb_note_verifier_free(v);
    wb_free(vkey);
}

/* wb_ledger_prepare() + wb_ledger_append_prepared() is wb_ledger_append();
 * wb_ledger_bundle_prepared() gives the bundle wb_ledger_bundle() gives, and
 * refuses an envelope that is not the entry at that index. */
static void test_prepared(void **state)
{
    static const char *const d[] = {
        "1111111111111111111111111111111111111111111111111111111111111111"};
    char *vkey = NULL, *e1, *e2, *from_store = NULL, *from_memory = NULL, *bad = NULL;
    size_t l1, l2, len_store = 0, len_memory = 0, len_bad = 0;
    wb_ledger_prepared *p[2] = {NULL, NULL}, *junk = NULL;
    wb_ledger_input in1 = {0}, in2 = {0}, garbage = {0};
    uint64_t indexes[2] = {0, 0}, *found = NULL;
    size_t n_found = 0;
    const char *dir;
    wb_ledger *ledger = NULL;

    (void)state;
    dir = new_ledger("prepared", &vkey);
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    e1 = make_envelope(&l1, "p1", d, 1);
    e2 = make_envelope(&l2, "p2", NULL, 0);
    in1 = (wb_ledger_input){.data = e1, .len = l1, .name = "e1", .party = "alice"};
    in2 = (wb_ledger_input){.data = e2, .len = l2, .name = "e2"};
    assert_int_equal(wb_ledger_prepare(&p[0], &in1), 0);
    assert_int_equal(wb_ledger_prepare(&p[1], &in2), 0);
    assert_string_equal(wb_envelope_payload_type(wb_ledger_prepared_envelope(p[0])),
                        "application/vnd.in-toto+json");
    /* what does not parse is refused by prepare, with its name */
    garbage = (wb_ledger_input){.data = "{", .len = 1, .name = "garbage"};
    assert_int_equal(wb_ledger_prepare(&junk, &garbage), WB_EFORMAT);
    assert_null(junk);
    assert_non_null(strstr(wb_error_last(), "garbage"));

    assert_int_equal(wb_ledger_append_prepared(indexes, ledger, p, 2), 0);
    assert_int_equal(indexes[0], 0);
    assert_int_equal(indexes[1], 1);
    /* the subject was indexed, the party recorded */
    assert_int_equal(wb_ledger_search(&found, &n_found, ledger, d[0]), 0);
    assert_int_equal(n_found, 1);
    assert_int_equal(found[0], 0);
    wb_free(found);
    {
        wb_store_record rec = {0};
        assert_int_equal(wb_store_read_entry(&rec, wb_ledger_store(ledger), 0), 0);
        assert_string_equal(rec.party, "alice");
        wb_store_record_clear(&rec);
    }
    assert_int_equal(wb_ledger_bundle(&from_store, &len_store, ledger, 1), 0);
    assert_int_equal(wb_ledger_bundle_prepared(&from_memory, &len_memory, ledger, 1, p[1]), 0);
    assert_int_equal(len_store, len_memory);
    assert_string_equal(from_store, from_memory);
    /* envelope 0 is not entry 1 */
    assert_int_equal(wb_ledger_bundle_prepared(&bad, &len_bad, ledger, 1, p[0]), WB_EFORMAT);
    assert_null(bad);
    assert_int_equal(wb_ledger_bundle_prepared(&bad, &len_bad, ledger, 1, NULL), WB_EINVAL);

    wb_free(from_store);
    wb_free(from_memory);
    wb_ledger_prepared_free(p[0]);
    wb_ledger_prepared_free(p[1]);
    wb_free(e1);
    wb_free(e2);
    wb_ledger_free(ledger);
    wb_free(vkey);
}

static void test_log_key_mismatch(void **state)
{
    const char *dir;
    wb_ledger *ledger = NULL;
    wb_key *other = NULL;

    (void)state;
    dir = new_ledger("mismatch", NULL);
    assert_int_equal(unlink(join(dir, "log.key")), 0);
    assert_int_equal(wb_key_generate(&other, WB_KEY_ED25519), 0);
    assert_int_equal(wb_key_save_private(other, join(dir, "log.key")), 0);
    assert_int_equal(wb_ledger_open(&ledger, dir), WB_EFORMAT);
    assert_non_null(strstr(wb_error_last(), "log.key"));
    assert_null(ledger);
    wb_key_free(other);
}

/* Two ledger directories over one store (as two hosts over one
 * PostgreSQL): the second joins the log, appends from both race and are
 * sequenced again when the other got there first, and each directory's
 * tiles cover what the other appended. */
static wb_ledger *open_shared(const char *dir, const char *db)
{
    wb_store *store = NULL;
    wb_ledger *ledger = NULL;
    assert_int_equal(wb_store_open_sqlite(&store, db, false), 0);
    assert_int_equal(wb_ledger_open_store(&ledger, dir, store, 0), 0);
    return ledger;
}

static void test_shared_store(void **state)
{
    char a[1024], b[1024], c[1024], db[1024];
    wb_store *store = NULL;
    wb_ledger *la, *lb, *ledger = NULL;
    wb_ledger_audit_report r;
    wb_key *other = NULL;
    uint64_t size = 0;
    pid_t pids[2];
    int k, status, rc;

    (void)state;
    snprintf(a, sizeof(a), "%s/shared-a", base_dir);
    snprintf(b, sizeof(b), "%s/shared-b", base_dir);
    snprintf(c, sizeof(c), "%s/shared-c", base_dir);
    snprintf(db, sizeof(db), "%s/shared.db", base_dir);
    assert_int_equal(wb_store_open_sqlite(&store, db, true), 0);
    assert_int_equal(wb_ledger_init_store(NULL, a, ORIGIN, log_key, store), 0);
    assert_int_equal(wb_ledger_init_store(NULL, b, ORIGIN, log_key, store), 0);
    /* another log's key cannot join it */
    assert_int_equal(wb_key_generate(&other, WB_KEY_ED25519), 0);
    assert_int_equal(wb_ledger_init_store(NULL, c, ORIGIN, other, store), WB_EVERIFY);
    wb_key_free(other);
    wb_store_free(store);
    /* a directory whose entries are elsewhere does not open on its own */
    rc = wb_ledger_open(&ledger, a);
    assert_int_equal(rc, WB_EINVAL);
    assert_non_null(strstr(wb_error_last(), "outside the directory"));
    wb_error_clear();

    la = open_shared(a, db);
    lb = open_shared(b, db);
    append_n(la, "a", 3, "alice");
    append_n(lb, "b", 2, "bob");
    wb_ledger_free(la);
    wb_ledger_free(lb);
    /* both at once: each store append that loses the race is sequenced again */
    for (k = 0; k < 2; k++) {
        pids[k] = fork();
        assert_true(pids[k] >= 0);
        if (pids[k] == 0) {
            wb_ledger *l = NULL;
            wb_store *st = NULL;
            const char *dir = k ? b : a;
            if (wb_store_open_sqlite(&st, db, false) < 0 ||
                wb_ledger_open_store(&l, dir, st, 0) < 0)
                _exit(2);
            for (int i = 0; i < 30; i++) {
                size_t len;
                char tag[32];
                char *env;
                snprintf(tag, sizeof(tag), "race-%d-%d", k, i);
                env = make_envelope(&len, tag, NULL, 0);
                wb_ledger_input in = {.data = env, .len = len, .name = tag};
                if (wb_ledger_append(NULL, l, &in, 1, NULL) < 0)
                    _exit(3);
                wb_free(env);
            }
            wb_ledger_free(l);
            _exit(0);
        }
    }
    for (k = 0; k < 2; k++) {
        assert_int_equal(waitpid(pids[k], &status, 0), pids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    /* every directory serves the whole log after it opens */
    la = open_shared(a, db);
    lb = open_shared(b, db);
    assert_int_equal(wb_ledger_size(&size, la), 0);
    assert_true(size == 65);
    assert_int_equal(wb_ledger_audit(&r, la, NULL, 0, NULL, NULL), 0);
    assert_true(r.size == 65 && r.problems == 0);
    assert_int_equal(wb_ledger_audit(&r, lb, NULL, 0, NULL, NULL), 0);
    assert_true(r.size == 65 && r.problems == 0);
    wb_ledger_free(la);
    wb_ledger_free(lb);
}

static void test_out_of_memory(void **state)
{
    const char *dir;
    wb_ledger *ledger = NULL;
    size_t n, len = 0;
    char *env;
    int rc;

    (void)state;
    dir = new_ledger("oom", NULL);
    env = make_envelope(&len, "oom", NULL, 0);
    /* each failing allocation must fail cleanly; the log stays whole */
    for (n = 1; n < 400; n++) {
        wb_ledger_input in = {.data = env, .len = len, .name = "oom"};
        bool opened;
        wb_alloc_fail_after(n);
        rc = wb_ledger_open(&ledger, dir);
        opened = rc == 0;
        if (opened)
            rc = wb_ledger_append(NULL, ledger, &in, 1, NULL);
        wb_alloc_fail_after(0);
        wb_ledger_free(ledger);
        ledger = NULL;
        /* WB_EIO: committed, but the checkpoint file was not written (an
         * allocation in wb_write_file_atomic failed); reopening repairs it */
        if (rc == 0 || (opened && rc == WB_EIO))
            break;
        /* key.c reports some allocation failures inside key checks as a
         * malformed key; appending must say out of memory */
        if (opened && rc != WB_ENOMEM)
            fail_msg("allocation %zu: %s: %s", n, wb_error_name(rc), wb_error_last());
        assert_true(rc < 0);
    }
    assert_true(n < 400);
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    assert_file_matches_db(dir, ledger);
    {
        uint64_t size = 0;
        assert_int_equal(wb_ledger_size(&size, ledger), 0);
        assert_int_equal(size, 1);
    }
    wb_ledger_free(ledger);
    wb_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_open),
        cmocka_unit_test(test_init_refusals),
        cmocka_unit_test(test_append_batches),
        cmocka_unit_test(test_bad_envelope_appends_nothing),
        cmocka_unit_test(test_crash_after_commit_repaired),
        cmocka_unit_test(test_store_refuses_stale_batch),
        cmocka_unit_test(test_killed_while_appending),
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_bundle),
        cmocka_unit_test(test_prepared),
        cmocka_unit_test(test_log_key_mismatch),
        cmocka_unit_test(test_shared_store),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
