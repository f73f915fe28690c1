/*
 * test_witness.c: the witness (witness.c), in temporary state directories.
 *
 * Logs here are in memory: a list of entries, their root from wb_tlog_root,
 * proofs from wb_tlog_prove_consistency, checkpoints signed with a fresh
 * note key. Two logs with the same origin and key but different entries
 * play the forked log. Every cosigned note is checked with wb_cosig_verify,
 * every refusal for its code and its message, and that it left the state
 * file as it was. Allocation failures are injected into a grow with a proof
 * and into the proof parser. The add-checkpoint call (wb_witness_add_parse,
 * wb_witness_add_checkpoint) is driven with request bodies as a log would
 * send them, and each of the spec's outcomes checked for its verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define TESTFS_TAG "witness"
#include "testfs.h"

#include "internal.h"
#include "waybill/witness.h"
#include "expect.h"
#include "oom.h"

#define ORIGIN      "test.example/log"
#define WITNESS     "witness.example/w1"
#define TIMESTAMP   1700000000u
#define MAX_ENTRIES 64

static wb_note_signer *log_signer, *other_signer, *witness;
static wb_note_verifier *log_verifier, *witness_verifier;

/* an in-memory log: entry i is "<tag>-<i>" */
typedef struct {
    const char *tag;
    uint64_t size;
} test_log;

static int read_leaf(wb_tlog_hash *out, uint64_t index, void *payload)
{
    const test_log *log = payload;
    char entry[64];
    int n = snprintf(entry, sizeof(entry), "%s-%llu", log->tag, (unsigned long long)index);
    return wb_tlog_leaf_hash(out, entry, (size_t)n);
}

static wb_tlog_hash log_root(const char *tag, uint64_t size)
{
    test_log log = {tag, size};
    wb_tlog_hash root;
    assert_int_equal(wb_tlog_root(&root, size, read_leaf, &log), 0);
    return root;
}

/* The checkpoint of `tag`'s first `size` entries, signed by `signer` for
 * `origin` (wb_free()). */
static char *signed_checkpoint(size_t *len, const char *tag, uint64_t size,
                               const wb_note_signer *signer, const char *origin)
{
    wb_tlog_hash root = log_root(tag, size);
    char *text = NULL, *note = NULL;
    size_t text_len = 0;
    assert_int_equal(wb_checkpoint_format(&text, &text_len, origin, size, &root, NULL, 0), 0);
    assert_int_equal(wb_note_sign(&note, len, text, text_len, &signer, 1), 0);
    wb_free(text);
    return note;
}

static char *checkpoint_of(size_t *len, const char *tag, uint64_t size)
{
    return signed_checkpoint(len, tag, size, log_signer, ORIGIN);
}

static wb_witness_proof proof_of(const char *tag, uint64_t from, uint64_t to)
{
    test_log log = {tag, to};
    wb_witness_proof p;
    memset(&p, 0, sizeof(p));
    p.from = from;
    p.to = to;
    p.old_root = log_root(tag, from);
    p.new_root = log_root(tag, to);
    if (from > 0)
        assert_int_equal(wb_tlog_prove_consistency(p.hashes, &p.n_hashes,
                                                   WB_TLOG_MAX_CONSISTENCY_PROOF, from, to,
                                                   read_leaf, &log),
                         0);
    return p;
}

/* Cosign and return the code; on success check the cosignature. */
static int cosign(wb_witness_result *res, const char *dir, const char *tag, uint64_t size,
                  const wb_witness_proof *proof)
{
    size_t len = 0;
    char *cp = checkpoint_of(&len, tag, size);
    int rc = wb_witness_cosign(res, dir, witness, log_verifier, cp, len, proof, TIMESTAMP);
    wb_free(cp);
    if (rc == 0) {
        wb_note *note = NULL;
        uint64_t ts = 0;
        assert_int_equal(wb_note_parse(&note, res->cosigned, res->cosigned_len), 0);
        assert_int_equal(wb_note_signature_count(note), 2);
        assert_int_equal(wb_cosig_verify(&ts, note, witness_verifier), 0);
        assert_int_equal(ts, TIMESTAMP);
        wb_note_free(note);
        assert_string_equal(res->origin, ORIGIN);
        assert_int_equal(res->size, size);
    }
    return rc;
}

static void cosign_ok(const char *dir, const char *tag, uint64_t size,
                      const wb_witness_proof *proof)
{
    wb_witness_result res;
    int rc = cosign(&res, dir, tag, size, proof);
    if (rc != 0)
        fail_msg("cosign %s/%llu: %s: %s", tag, (unsigned long long)size, wb_error_name(rc),
                 wb_error_last());
    wb_witness_result_clear(&res);
}

/* The state file's bytes (wb_free()), NULL when there is none. */
static char *state_bytes(const char *dir, size_t *len)
{
    char *path = NULL, *data = NULL;
    assert_int_equal(wb_witness_state_path(&path, dir, ORIGIN), 0);
    if (access(path, F_OK) == 0)
        assert_int_equal(wb_read_file(&data, len, path, WB_NOTE_MAX_SIZE), 0);
    wb_free(path);
    return data;
}

/* Expect a refusal with `code` and `needle` in the message, state intact. */
static void expect_refused(const char *dir, const char *tag, uint64_t size,
                           const wb_witness_proof *proof, int code, const char *needle)
{
    wb_witness_result res;
    size_t before_len = 0, after_len = 0;
    char *before = state_bytes(dir, &before_len), *after;
    int rc = cosign(&res, dir, tag, size, proof);
    if (rc != code)
        fail_msg("cosign %s/%llu: %s (%s), expected %s", tag, (unsigned long long)size,
                 wb_error_name(rc), wb_error_last(), wb_error_name(code));
    if (!strstr(wb_error_last(), needle))
        fail_msg("message '%s' lacks '%s'", wb_error_last(), needle);
    assert_null(res.cosigned);
    after = state_bytes(dir, &after_len);
    assert_int_equal(before_len, after_len);
    if (before)
        assert_memory_equal(before, after, before_len);
    wb_free(before);
    wb_free(after);
}

static int group_setup(void **state)
{
    if (make_base_dir(state) < 0)
        return -1;
    if (wb_note_signer_generate(&log_signer, ORIGIN, WB_NOTE_ED25519) < 0 ||
        wb_note_signer_generate(&other_signer, ORIGIN, WB_NOTE_ED25519) < 0 ||
        wb_note_signer_generate(&witness, WITNESS, WB_NOTE_COSIGNATURE_V1) < 0 ||
        wb_note_signer_verifier(&log_verifier, log_signer) < 0 ||
        wb_note_signer_verifier(&witness_verifier, witness) < 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    wb_note_signer_free(log_signer);
    wb_note_signer_free(other_signer);
    wb_note_signer_free(witness);
    wb_note_verifier_free(log_verifier);
    wb_note_verifier_free(witness_verifier);
    return remove_base_dir(state);
}

/* The state directory `name` (not created: the witness creates it). */
static const char *state_dir(const char *name)
{
    static char dirs[32][1024];
    static unsigned next;
    char *path = dirs[next++ % 32];
    snprintf(path, sizeof(dirs[0]), "%s/%s", base_dir, name);
    return path;
}

static void test_first_and_growth(void **state)
{
    const char *dir = state_dir("grow");
    wb_witness_result res;
    wb_witness_proof p;
    struct stat st;
    char *path = NULL;

    (void)state;
    /* no state: cosign, and the state directory and file appear, private */
    assert_int_equal(cosign(&res, dir, "a", 3, NULL), 0);
    assert_false(res.had_state);
    assert_int_equal(res.previous_size, 0);
    {
        wb_tlog_hash root = log_root("a", 3);
        assert_memory_equal(res.root.bytes, root.bytes, WB_TLOG_HASH_LEN);
        assert_int_equal(strlen(res.root_b64), 44);
    }
    wb_witness_result_clear(&res);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(wb_witness_state_path(&path, dir, ORIGIN), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    wb_free(path);

    /* the same tree again: cosigned again, with or without an empty proof */
    assert_int_equal(cosign(&res, dir, "a", 3, NULL), 0);
    assert_true(res.had_state);
    assert_int_equal(res.previous_size, 3);
    wb_witness_result_clear(&res);
    p = proof_of("a", 3, 3);
    cosign_ok(dir, "a", 3, &p);

    /* growth needs the proof from the recorded size */
    expect_refused(dir, "a", 10, NULL, WB_EVERIFY, "consistency proof from it to size 10");
    p = proof_of("a", 2, 10);
    expect_refused(dir, "a", 10, &p, WB_EVERIFY, "starts at size 2");
    p = proof_of("a", 3, 10);
    assert_int_equal(cosign(&res, dir, "a", 10, &p), 0);
    assert_int_equal(res.previous_size, 3);
    wb_witness_result_clear(&res);
    p = proof_of("a", 10, 33);
    cosign_ok(dir, "a", 33, &p);

    /* rollback, to any smaller size */
    expect_refused(dir, "a", 10, NULL, WB_EVERIFY, "rollback");
    expect_refused(dir, "a", 0, NULL, WB_EVERIFY, "rollback");
}

static void test_fork(void **state)
{
    const char *dir = state_dir("fork");
    wb_witness_proof p;
    char b64[64];

    (void)state;
    cosign_ok(dir, "a", 5, NULL);
    /* the same size, another root: both roots in the message */
    wb_free(NULL);
    {
        char *s = NULL;
        wb_tlog_hash other = log_root("b", 5);
        assert_int_equal(wb_base64_encode(&s, NULL, other.bytes, WB_TLOG_HASH_LEN), 0);
        snprintf(b64, sizeof(b64), "%s", s);
        wb_free(s);
    }
    expect_refused(dir, "b", 5, NULL, WB_EVERIFY, "fork (split view)");
    expect_refused(dir, "b", 5, NULL, WB_EVERIFY, b64);
    /* a larger tree of the other branch: its own proof starts elsewhere */
    p = proof_of("b", 5, 8);
    expect_refused(dir, "b", 8, &p, WB_EVERIFY, "another tree of size 5");
    /* ...and with the recorded root pasted in, it does not verify */
    p.old_root = log_root("a", 5);
    expect_refused(dir, "b", 8, &p, WB_EVERIFY, "does not verify");
    /* the honest branch goes on */
    p = proof_of("a", 5, 8);
    cosign_ok(dir, "a", 8, &p);
}

static void test_bad_proofs(void **state)
{
    const char *dir = state_dir("proofs");
    wb_witness_proof p;
    size_t i;

    (void)state;
    /* from nothing, a proof must be empty (and from size 0) */
    p = proof_of("a", 0, 4);
    cosign_ok(dir, "a", 4, &p);
    p = proof_of("a", 4, 9);
    p.hashes[0].bytes[7] ^= 1;
    expect_refused(dir, "a", 9, &p, WB_EVERIFY, "does not verify");
    p = proof_of("a", 4, 9);
    p.n_hashes--;
    expect_refused(dir, "a", 9, &p, WB_EVERIFY, "does not verify");
    p = proof_of("a", 4, 9);
    p.hashes[p.n_hashes] = p.hashes[0];
    p.n_hashes++;
    expect_refused(dir, "a", 9, &p, WB_EVERIFY, "does not verify");
    /* a proof for another tree than the checkpoint's */
    p = proof_of("a", 4, 9);
    expect_refused(dir, "a", 10, &p, WB_EVERIFY, "not to this checkpoint");
    p = proof_of("a", 4, 9);
    p.new_root.bytes[0] ^= 1;
    expect_refused(dir, "a", 9, &p, WB_EVERIFY, "not to this checkpoint");
    p = proof_of("a", 4, 9);
    p.old_root.bytes[31] ^= 1;
    expect_refused(dir, "a", 9, &p, WB_EVERIFY, "another tree");
    /* equal sizes: the proof must be empty */
    p = proof_of("a", 4, 4);
    p.hashes[0] = log_root("a", 1);
    p.n_hashes = 1;
    expect_refused(dir, "a", 4, &p, WB_EVERIFY, "must be empty");
    /* every hash of a good proof matters */
    for (i = 0; i < proof_of("a", 4, 9).n_hashes; i++) {
        p = proof_of("a", 4, 9);
        p.hashes[i].bytes[31] ^= 0x80;
        expect_refused(dir, "a", 9, &p, WB_EVERIFY, "does not verify");
    }
    p = proof_of("a", 4, 9);
    cosign_ok(dir, "a", 9, &p);

    /* no state and a non-empty proof, or one from a size the witness never saw */
    dir = state_dir("proofs-new");
    p = proof_of("a", 0, 4);
    p.hashes[0] = log_root("a", 1);
    p.n_hashes = 1;
    expect_refused(dir, "a", 4, &p, WB_EVERIFY, "must be empty");
    p = proof_of("a", 2, 4);
    expect_refused(dir, "a", 4, &p, WB_EVERIFY, "(none yet)");
}

static void test_empty_log(void **state)
{
    const char *dir = state_dir("empty");
    wb_witness_proof p;

    (void)state;
    cosign_ok(dir, "a", 0, NULL);
    cosign_ok(dir, "a", 0, NULL);
    /* nothing to prove from the empty tree */
    cosign_ok(dir, "a", 2, NULL);
    p = proof_of("a", 2, 3);
    cosign_ok(dir, "a", 3, &p);
}

static void test_bad_checkpoints(void **state)
{
    const char *dir = state_dir("badcp");
    wb_witness_result res;
    wb_note_signer *log_as_cosigner = NULL;
    wb_note_verifier *other_origin = NULL;
    size_t len = 0;
    char *cp;

    (void)state;
    cosign_ok(dir, "a", 2, NULL);
    /* signed by another key of the same name: refused, state untouched */
    cp = signed_checkpoint(&len, "a", 3, other_signer, ORIGIN);
    assert_int_equal(wb_witness_cosign(&res, dir, witness, log_verifier, cp, len, NULL, TIMESTAMP),
                     WB_EVERIFY);
    assert_non_null(strstr(wb_error_last(), "checkpoint: "));
    wb_free(cp);
    /* the right key, but the origin is not the key's name */
    {
        wb_note_signer *renamed = NULL;
        unsigned char seed[32] = {1};
        assert_int_equal(
            wb_note_signer_from_seed(&renamed, "elsewhere.example/log", WB_NOTE_ED25519, seed), 0);
        assert_int_equal(wb_note_signer_verifier(&other_origin, renamed), 0);
        cp = signed_checkpoint(&len, "a", 3, renamed, ORIGIN);
        assert_int_equal(
            wb_witness_cosign(&res, dir, witness, other_origin, cp, len, NULL, TIMESTAMP),
            WB_EVERIFY);
        wb_free(cp);
        wb_note_signer_free(renamed);
    }
    /* a changed byte in the body */
    cp = checkpoint_of(&len, "a", 2);
    cp[strlen(ORIGIN) + 1] = '3';
    assert_int_equal(wb_witness_cosign(&res, dir, witness, log_verifier, cp, len, NULL, TIMESTAMP),
                     WB_EVERIFY);
    wb_free(cp);
    /* not a note at all */
    assert_int_equal(
        wb_witness_cosign(&res, dir, witness, log_verifier, "hello\n", 6, NULL, TIMESTAMP),
        WB_EFORMAT);
    /* keys of the wrong types */
    cp = checkpoint_of(&len, "a", 2);
    assert_int_equal(
        wb_witness_cosign(&res, dir, log_signer, log_verifier, cp, len, NULL, TIMESTAMP),
        WB_EINVAL);
    assert_int_equal(
        wb_witness_cosign(&res, dir, witness, witness_verifier, cp, len, NULL, TIMESTAMP),
        WB_EINVAL);
    assert_int_equal(wb_witness_cosign(NULL, dir, witness, log_verifier, cp, len, NULL, TIMESTAMP),
                     WB_EINVAL);
    assert_int_equal(wb_witness_cosign(&res, "", witness, log_verifier, cp, len, NULL, TIMESTAMP),
                     WB_EINVAL);
    wb_free(cp);
    wb_note_verifier_free(other_origin);
    wb_note_signer_free(log_as_cosigner);
}

static void test_state_tampered(void **state)
{
    const char *dir = state_dir("tamper");
    char *path = NULL, *data = NULL, *other_path = NULL;
    size_t len = 0;
    wb_witness_proof p;

    (void)state;
    cosign_ok(dir, "a", 6, NULL);
    assert_int_equal(wb_witness_state_path(&path, dir, ORIGIN), 0);
    assert_int_equal(wb_read_file(&data, &len, path, WB_NOTE_MAX_SIZE), 0);

    /* a changed root in the state: an error, not a reset */
    {
        char *copy = wb_memdup(data, len + 1);
        char *root = strchr(strchr(copy, '\n') + 1, '\n') + 1;
        root[0] = root[0] == 'A' ? 'B' : 'A';
        assert_int_equal(wb_write_file_atomic(path, copy, len, 0600, true), 0);
        wb_free(copy);
    }
    expect_refused(dir, "a", 6, NULL, WB_EFORMAT, "not resetting it");
    p = proof_of("a", 6, 7);
    expect_refused(dir, "a", 7, &p, WB_EFORMAT, "does not verify with the log key");
    /* an empty or truncated state file is an error too */
    assert_int_equal(wb_write_file_atomic(path, "", 0, 0600, true), 0);
    expect_refused(dir, "a", 6, NULL, WB_EFORMAT, "not resetting it");
    assert_int_equal(wb_write_file_atomic(path, data, len / 2, 0600, true), 0);
    expect_refused(dir, "a", 6, NULL, WB_EFORMAT, path);
    /* a genuine checkpoint of another log under this log's name */
    {
        wb_note_signer *other_log = NULL;
        wb_note_verifier *other_verifier = NULL;
        wb_witness_result res;
        size_t cp_len = 0;
        char *cp;
        const char *other_dir = state_dir("tamper-other");
        assert_int_equal(wb_note_signer_generate(&other_log, "other.example/log", WB_NOTE_ED25519),
                         0);
        assert_int_equal(wb_note_signer_verifier(&other_verifier, other_log), 0);
        cp = signed_checkpoint(&cp_len, "a", 6, other_log, "other.example/log");
        assert_int_equal(wb_witness_cosign(&res, other_dir, witness, other_verifier, cp, cp_len,
                                           NULL, TIMESTAMP),
                         0);
        assert_int_equal(wb_write_file_atomic(path, res.cosigned, res.cosigned_len, 0600, true), 0);
        wb_witness_result_clear(&res);
        wb_free(cp);
        wb_note_verifier_free(other_verifier);
        wb_note_signer_free(other_log);
    }
    expect_refused(dir, "a", 6, NULL, WB_EFORMAT, "not resetting it");
    /* a symbolic link in place of the state file is not followed */
    assert_int_equal(unlink(path), 0);
    other_path = wb_asprintf("%s/elsewhere", base_dir);
    assert_int_equal(wb_write_file_atomic(other_path, data, len, 0600, true), 0);
    assert_int_equal(symlink(other_path, path), 0);
    expect_refused(dir, "a", 6, NULL, WB_EFORMAT, "symbolic link");
    /* put back, it works again */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(wb_write_file_atomic(path, data, len, 0600, true), 0);
    cosign_ok(dir, "a", 6, NULL);
    wb_free(other_path);
    wb_free(path);
    wb_free(data);
}

static void test_state_directory(void **state)
{
    const char *dir = state_dir("perm");
    wb_witness_result res;
    size_t len = 0;
    char *cp = checkpoint_of(&len, "a", 1);

    (void)state;
    cosign_ok(dir, "a", 1, NULL);
    assert_int_equal(chmod(dir, 0777), 0);
    assert_int_equal(wb_witness_cosign(&res, dir, witness, log_verifier, cp, len, NULL, TIMESTAMP),
                     WB_EPERM);
    assert_int_equal(chmod(dir, 0700), 0);
    /* a file where the directory should be */
    assert_int_equal(wb_write_file_atomic(join(base_dir, "notadir"), "x", 1, 0600, true), 0);
    assert_true(wb_witness_cosign(&res, join(base_dir, "notadir"), witness, log_verifier, cp, len,
                                  NULL, TIMESTAMP) < 0);
    /* the origin never becomes a path */
    {
        char *path = NULL;
        assert_int_equal(wb_witness_state_path(&path, "/s", "../../etc/passwd"), 0);
        assert_int_equal(strlen(path), strlen("/s/") + 64 + strlen(".checkpoint"));
        assert_null(strstr(path + 3, "/"));
        wb_free(path);
    }
    wb_free(cp);
}

static void test_resubmitted_cosigned(void **state)
{
    const char *dir = state_dir("resubmit");
    wb_witness_result first, second;
    wb_note *note = NULL;
    size_t len = 0;
    char *cp = checkpoint_of(&len, "a", 2);

    (void)state;
    assert_int_equal(
        wb_witness_cosign(&first, dir, witness, log_verifier, cp, len, NULL, TIMESTAMP), 0);
    /* our own output again, later: one fresh cosignature, not two */
    assert_int_equal(wb_witness_cosign(&second, dir, witness, log_verifier, first.cosigned,
                                       first.cosigned_len, NULL, TIMESTAMP + 60),
                     0);
    assert_int_equal(wb_note_parse(&note, second.cosigned, second.cosigned_len), 0);
    assert_int_equal(wb_note_signature_count(note), 2);
    {
        uint64_t ts = 0;
        assert_int_equal(wb_cosig_verify(&ts, note, witness_verifier), 0);
        assert_int_equal(ts, TIMESTAMP + 60);
    }
    wb_note_free(note);
    wb_witness_result_clear(&first);
    wb_witness_result_clear(&second);
    wb_witness_result_clear(NULL);
    wb_free(cp);
}

static void test_signer_from_key(void **state)
{
    wb_key *key = NULL, *pub = NULL, *ecdsa = NULL;
    wb_note_signer *signer = NULL;

    (void)state;
    assert_int_equal(wb_key_generate(&key, WB_KEY_ED25519), 0);
    assert_int_equal(wb_witness_signer_from_key(&signer, key, WITNESS), 0);
    assert_int_equal(wb_note_signer_type(signer), WB_NOTE_COSIGNATURE_V1);
    assert_string_equal(wb_note_signer_name(signer), WITNESS);
    wb_note_signer_free(signer);
    assert_int_equal(wb_key_public(&pub, key), 0);
    assert_int_equal(wb_witness_signer_from_key(&signer, pub, WITNESS), WB_EINVAL);
    assert_int_equal(wb_key_generate(&ecdsa, WB_KEY_ECDSA_P256), 0);
    assert_int_equal(wb_witness_signer_from_key(&signer, ecdsa, WITNESS), WB_EINVAL);
    assert_true(wb_witness_signer_from_key(&signer, key, "bad name") < 0);
    assert_null(signer);
    wb_key_free(key);
    wb_key_free(pub);
    wb_key_free(ecdsa);
}

#define H1 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
#define H2 "Jsa/Rh+bDA+CDDUDZiFmkGP3SymwkSCGJ5ZvUNUT97A="

static int parse(wb_witness_proof *p, const char *json)
{
    return wb_witness_proof_parse(p, json, strlen(json), "p.json");
}

static void test_proof_parse(void **state)
{
    wb_witness_proof p;
    wb_buf big = {0};
    size_t i;

    (void)state;
    assert_int_equal(parse(&p, "{\"from\": 2, \"to\": 3, \"old_root\": \"" H1
                               "\", \"new_root\": \"" H2 "\", \"proof\": [\"" H1 "\"]}"),
                     0);
    assert_int_equal(p.from, 2);
    assert_int_equal(p.to, 3);
    assert_int_equal(p.n_hashes, 1);
    assert_int_equal(p.old_root.bytes[0], 0xe3);
    assert_int_equal(p.new_root.bytes[0], 0x26);
    assert_int_equal(parse(&p, "{\"from\": 3, \"to\": 3, \"old_root\": \"" H1
                               "\", \"new_root\": \"" H1 "\", \"proof\": []}"),
                     0);
    assert_int_equal(p.n_hashes, 0);

    static const char *const bad[] = {
        "",
        "[]",
        "{\"from\": 2, \"to\": 3, \"old_root\": \"" H1 "\", \"new_root\": \"" H2 "\"}",
        "{\"from\": 2, \"to\": 3, \"old_root\": \"" H1 "\", \"new_root\": \"" H2
        "\", \"proof\": [], \"extra\": 1}",
        "{\"from\": 4, \"to\": 3, \"old_root\": \"" H1 "\", \"new_root\": \"" H2
        "\", \"proof\": []}",
        "{\"from\": -1, \"to\": 3, \"old_root\": \"" H1 "\", \"new_root\": \"" H2
        "\", \"proof\": []}",
        "{\"from\": \"2\", \"to\": 3, \"old_root\": \"" H1 "\", \"new_root\": \"" H2
        "\", \"proof\": []}",
        "{\"from\": 2.0, \"to\": 3, \"old_root\": \"" H1 "\", \"new_root\": \"" H2
        "\", \"proof\": []}",
        "{\"from\": 2, \"from\": 2, \"to\": 3, \"old_root\": \"" H1 "\", \"new_root\": \"" H2
        "\", \"proof\": []}",
        /* unpadded, URL-safe, short, long, not a string */
        "{\"from\": 2, \"to\": 3, \"old_root\": \"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\", "
        "\"new_root\": \"" H2 "\", \"proof\": []}",
        "{\"from\": 2, \"to\": 3, \"old_root\": \"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=\", "
        "\"new_root\": \"" H2 "\", \"proof\": []}",
        "{\"from\": 2, \"to\": 3, \"old_root\": \"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hS\", "
        "\"new_root\": \"" H2 "\", \"proof\": []}",
        "{\"from\": 2, \"to\": 3, \"old_root\": \"" H1 "\", \"new_root\": \"" H2
        "\", \"proof\": [\"" H1 "AAAA\"]}",
        "{\"from\": 2, \"to\": 3, \"old_root\": \"" H1 "\", \"new_root\": \"" H2
        "\", \"proof\": [7]}",
        "{\"from\": 2, \"to\": 3, \"old_root\": \"" H1 "\", \"new_root\": \"" H2
        "\", \"proof\": {}}",
        "{\"from\": 2, \"to\": 3, \"old_root\": \"" H1 "\", \"new_root\": \"" H2
        "\", \"proof\": []} x",
    };
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse(&p, bad[i]);
        if (rc != WB_EFORMAT)
            fail_msg("bad[%zu]: %s, expected WB_EFORMAT", i, wb_error_name(rc));
        assert_non_null(strstr(wb_error_last(), "p.json"));
    }
    /* one hash more than any proof can have */
    wb_buf_puts(&big, "{\"from\": 2, \"to\": 3, \"old_root\": \"" H1 "\", \"new_root\": \"" H2
                      "\", \"proof\": [");
    for (i = 0; i <= WB_TLOG_MAX_CONSISTENCY_PROOF; i++)
        wb_buf_printf(&big, "%s\"%s\"", i ? ", " : "", H1);
    wb_buf_puts(&big, "]}");
    assert_false(big.failed);
    assert_int_equal(wb_witness_proof_parse(&p, big.data, big.len, "p.json"), WB_ELIMIT);
    wb_buf_free(&big);
    /* and a file over the size bound */
    {
        char *huge = wb_calloc(1, WB_WITNESS_PROOF_MAX_SIZE + 2);
        memset(huge, ' ', WB_WITNESS_PROOF_MAX_SIZE + 1);
        assert_int_equal(wb_witness_proof_parse(&p, huge, WB_WITNESS_PROOF_MAX_SIZE + 1, "p.json"),
                         WB_ELIMIT);
        wb_free(huge);
    }
    assert_int_equal(wb_witness_proof_parse(NULL, "{}", 2, NULL), WB_EINVAL);
}

/* Fail the n-th allocation for n = 1, 2, ... while a witness grows from 3 to
 * 10 with a proof: every run fails cleanly with the state as it was, until
 * one runs to the end. */
static void test_out_of_memory(void **state)
{
    const char *dir = state_dir("oom");
    wb_witness_result res;
    wb_witness_proof p = proof_of("a", 3, 10);
    size_t n, made, len = 0, before_len = 0, after_len = 0;
    char *cp = checkpoint_of(&len, "a", 10), *before, *after;
    const char *json = "{\"from\": 2, \"to\": 3, \"old_root\": \"" H1 "\", \"new_root\": \"" H2
                       "\", \"proof\": [\"" H1 "\"]}";
    int rc;

    (void)state;
    cosign_ok(dir, "a", 3, NULL);
    before = state_bytes(dir, &before_len);
    json_set_alloc_funcs(wb_malloc, wb_free);
    for (n = 1; n < 10000; n++) {
        wb_error_clear();
        wb_alloc_fail_after(n);
        rc = wb_witness_cosign(&res, dir, witness, log_verifier, cp, len, &p, TIMESTAMP);
        made = wb_alloc_fail_after(0);
        if (made < n) {
            assert_int_equal(rc, 0);
            break;
        }
        if (rc == 0)
            fail_msg("allocation %zu failed, yet cosigned", n);
        assert_true(wb_error_last()[0] != '\0');
        assert_null(res.cosigned);
        after = state_bytes(dir, &after_len);
        if (after_len != before_len || memcmp(before, after, before_len) != 0) {
            /* failing after the rename (syncing the directory) leaves the
             * new state recorded, with no cosignature returned: safe, as it
             * is the verified checkpoint; put the old one back to go on */
            wb_checkpoint *recorded = NULL;
            wb_tlog_hash root = log_root("a", 10);
            char *path = NULL;
            assert_int_equal(
                wb_checkpoint_open(&recorded, NULL, after, after_len, ORIGIN, log_verifier), 0);
            assert_int_equal(recorded->size, 10);
            assert_memory_equal(recorded->root.bytes, root.bytes, WB_TLOG_HASH_LEN);
            wb_checkpoint_free(recorded);
            assert_int_equal(wb_witness_state_path(&path, dir, ORIGIN), 0);
            assert_int_equal(wb_write_file_atomic(path, before, before_len, 0600, true), 0);
            wb_free(path);
        }
        wb_free(after);
    }
    assert_true(n > 1 && n < 10000);
    assert_int_equal(res.size, 10);
    wb_witness_result_clear(&res);

    for (n = 1; n < 10000; n++) {
        wb_error_clear();
        wb_alloc_fail_after(n);
        rc = wb_witness_proof_parse(&p, json, strlen(json), "p.json");
        made = wb_alloc_fail_after(0);
        if (made < n) {
            assert_int_equal(rc, 0);
            break;
        }
        assert_true(rc < 0);
    }
    assert_int_equal(p.n_hashes, 1);
    json_set_alloc_funcs(malloc, free);
    wb_free(before);
    wb_free(cp);
}

/* --- add-checkpoint (c2sp.org/tlog-witness) --- */

/* The request body a log sends: "old N", the proof lines from `old` to
 * `size` of `tag`'s log (`n_proof` overrides their count when not -1,
 * repeating the first hash), the empty line, the checkpoint signed by
 * `signer` (wb_free()). */
static char *add_body(size_t *len, const char *tag, uint64_t old, uint64_t size,
                      const wb_note_signer *signer, int n_proof)
{
    test_log log = {tag, size};
    wb_tlog_hash hashes[WB_TLOG_MAX_CONSISTENCY_PROOF];
    size_t n = 0, i, cp_len = 0;
    char *cp = signed_checkpoint(&cp_len, tag, size, signer, ORIGIN);
    wb_buf buf = {0};

    if (old > 0 && old <= size)
        assert_int_equal(wb_tlog_prove_consistency(hashes, &n, WB_TLOG_MAX_CONSISTENCY_PROOF, old,
                                                   size, read_leaf, &log),
                         0);
    if (n_proof >= 0) {
        if (n == 0)
            memset(hashes, 0x5a, sizeof(hashes));
        for (i = n; i < (size_t)n_proof && i < WB_TLOG_MAX_CONSISTENCY_PROOF; i++)
            hashes[i] = hashes[0];
        n = (size_t)n_proof;
    }
    wb_buf_printf(&buf, "old %llu\n", (unsigned long long)old);
    for (i = 0; i < n; i++) {
        wb_buf_base64(&buf, hashes[i % WB_TLOG_MAX_CONSISTENCY_PROOF].bytes, WB_TLOG_HASH_LEN);
        wb_buf_putc(&buf, '\n');
    }
    wb_buf_putc(&buf, '\n');
    wb_buf_append(&buf, cp, cp_len);
    wb_free(cp);
    assert_false(buf.failed);
    {
        char *out = NULL;
        assert_int_equal(wb_buf_detach(&buf, &out, len), 0);
        return out;
    }
}

/* Send one request; returns the code, with *verdict and *recorded. On
 * success the cosignature line alone must verify on the checkpoint. */
static int add(const char *dir, const char *tag, uint64_t old, uint64_t size,
               const wb_note_signer *signer, int n_proof, wb_witness_verdict *verdict,
               uint64_t *recorded)
{
    wb_witness_result res;
    wb_witness_add req;
    size_t len = 0;
    char *body = add_body(&len, tag, old, size, signer, n_proof);
    int rc;

    assert_int_equal(wb_witness_add_parse(&req, body, len), 0);
    assert_int_equal(req.old_size, old);
    rc = wb_witness_add_checkpoint(&res, verdict, recorded, dir, witness, log_verifier, &req,
                                   TIMESTAMP);
    if (rc == 0) {
        /* the answer's body: the cosignature line, which verifies when
         * appended to the submitted note, as a client does */
        wb_buf joined = {0};
        wb_note *note = NULL;
        char *text = NULL;
        size_t text_len = 0;
        uint64_t ts = 0;
        assert_int_equal(*verdict, WB_WITNESS_COSIGNED);
        assert_int_equal(strncmp(res.cosignature, "\xe2\x80\x94 " WITNESS " ", 4 + strlen(WITNESS)),
                         0);
        assert_int_equal(res.cosignature[res.cosignature_len - 1], '\n');
        assert_int_equal(strlen(res.cosignature), res.cosignature_len);
        assert_null(memchr(res.cosignature, '\n', res.cosignature_len - 1));
        wb_buf_append(&joined, req.checkpoint, req.checkpoint_len);
        wb_buf_append(&joined, res.cosignature, res.cosignature_len);
        assert_int_equal(wb_buf_detach(&joined, &text, &text_len), 0);
        assert_int_equal(wb_note_parse(&note, text, text_len), 0);
        assert_int_equal(wb_cosig_verify(&ts, note, witness_verifier), 0);
        assert_int_equal(ts, TIMESTAMP);
        wb_note_free(note);
        wb_free(text);
        assert_int_equal(res.size, size);
        wb_witness_result_clear(&res);
    } else {
        assert_null(res.cosigned);
        assert_null(res.cosignature);
    }
    wb_free(body);
    return rc;
}

static void expect_add(const char *dir, const char *tag, uint64_t old, uint64_t size,
                       const wb_note_signer *signer, int n_proof, int code,
                       wb_witness_verdict expected, uint64_t expected_recorded, const char *needle)
{
    wb_witness_verdict verdict = WB_WITNESS_COSIGNED;
    uint64_t recorded = 12345;
    size_t before_len = 0, after_len = 0;
    char *before = state_bytes(dir, &before_len), *after;
    int rc = add(dir, tag, old, size, signer, n_proof, &verdict, &recorded);

    if (rc != code || verdict != expected)
        fail_msg("add %s old %llu size %llu: %s (%s), verdict %d; expected %s, verdict %d", tag,
                 (unsigned long long)old, (unsigned long long)size, wb_error_name(rc),
                 wb_error_last(), (int)verdict, wb_error_name(code), (int)expected);
    if (needle && !strstr(wb_error_last(), needle))
        fail_msg("message '%s' lacks '%s'", wb_error_last(), needle);
    assert_int_equal(recorded, expected_recorded);
    if (rc < 0) {
        after = state_bytes(dir, &after_len);
        assert_int_equal(before_len, after_len);
        if (before)
            assert_memory_equal(before, after, before_len);
        wb_free(after);
    }
    wb_free(before);
}

static void test_add_checkpoint(void **state)
{
    const char *dir = state_dir("add");
    (void)state;

    /* first contact: old 0, no proof; a proof from 0 is refused (422) */
    expect_add(dir, "a", 0, 3, log_signer, 1, WB_EVERIFY, WB_WITNESS_BAD_PROOF, 0, "must be empty");
    expect_add(dir, "a", 0, 3, log_signer, -1, 0, WB_WITNESS_COSIGNED, 0, NULL);
    /* the client's old size is not the witness's: 409 with the recorded size */
    expect_add(dir, "a", 0, 5, log_signer, -1, WB_EVERIFY, WB_WITNESS_CONFLICT, 3, "has size 3");
    expect_add(dir, "a", 2, 5, log_signer, -1, WB_EVERIFY, WB_WITNESS_CONFLICT, 3, "has size 3");
    /* old larger than the checkpoint: 400, before anything else */
    expect_add(dir, "a", 9, 5, log_signer, 0, WB_EFORMAT, WB_WITNESS_MALFORMED, 0, "larger");
    /* growth with the proof */
    expect_add(dir, "a", 3, 10, log_signer, -1, 0, WB_WITNESS_COSIGNED, 0, NULL);
    /* a proof that does not verify, or none: 422 */
    expect_add(dir, "a", 10, 33, log_signer, 0, WB_EVERIFY, WB_WITNESS_BAD_PROOF, 0,
               "does not verify");
    expect_add(dir, "a", 10, 33, log_signer, 3, WB_EVERIFY, WB_WITNESS_BAD_PROOF, 0,
               "does not verify");
    /* a proof of another log's growth from 10 (a fork after 10) */
    expect_add(dir, "b", 10, 33, log_signer, -1, WB_EVERIFY, WB_WITNESS_BAD_PROOF, 0,
               "does not verify");
    expect_add(dir, "a", 10, 33, log_signer, -1, 0, WB_WITNESS_COSIGNED, 0, NULL);
    /* the same tree again: cosigned; with proof lines 422; another root 409 */
    expect_add(dir, "a", 33, 33, log_signer, -1, 0, WB_WITNESS_COSIGNED, 0, NULL);
    expect_add(dir, "a", 33, 33, log_signer, 1, WB_EVERIFY, WB_WITNESS_BAD_PROOF, 0,
               "must be empty");
    expect_add(dir, "b", 33, 33, log_signer, -1, WB_EVERIFY, WB_WITNESS_FORK, 33, "fork");
    /* rollback is a conflict: old 33 is right, the checkpoint is smaller: 400 */
    expect_add(dir, "a", 33, 20, log_signer, 0, WB_EFORMAT, WB_WITNESS_MALFORMED, 0, "larger");
    /* signed by another key under the same origin: 403 */
    expect_add(dir, "a", 33, 40, other_signer, -1, WB_EVERIFY, WB_WITNESS_BAD_SIGNATURE, 0,
               "checkpoint: ");
}

typedef struct {
    const char *dir;
    const wb_witness_add *req;
} oom_add_arg;

static int oom_add(const void *arg)
{
    const oom_add_arg *a = arg;
    wb_witness_result res;
    wb_witness_verdict verdict;
    int rc = wb_witness_add_checkpoint(&res, &verdict, NULL, a->dir, witness, log_verifier, a->req,
                                       TIMESTAMP);
    if (rc == 0)
        wb_witness_result_clear(&res);
    return rc;
}

/* Allocations failing one after the other never turn a refusal (a proof
 * that does not verify, an old size that is not the witness's) into a
 * cosignature, and leave the state as it was. */
static void test_add_checkpoint_out_of_memory(void **state)
{
    const char *dir = state_dir("add-oom");
    wb_witness_add req;
    oom_add_arg arg = {dir, &req};
    size_t len = 0, before_len = 0, after_len = 0;
    char *body, *before, *after;
    (void)state;

    expect_add(dir, "a", 0, 3, log_signer, -1, 0, WB_WITNESS_COSIGNED, 0, NULL);
    before = state_bytes(dir, &before_len);
    body = add_body(&len, "a", 3, 10, log_signer, 4);
    assert_int_equal(wb_witness_add_parse(&req, body, len), 0);
    req.proof[0].bytes[0] ^= 1;
    run_with_failing_allocations_ex(oom_add, &arg, WB_EVERIFY, "add-checkpoint, bad proof", false);
    wb_free(body);
    body = add_body(&len, "a", 2, 10, log_signer, -1);
    assert_int_equal(wb_witness_add_parse(&req, body, len), 0);
    run_with_failing_allocations_ex(oom_add, &arg, WB_EVERIFY, "add-checkpoint, conflict", false);
    wb_free(body);
    after = state_bytes(dir, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    wb_free(before);
    wb_free(after);
}

static void test_add_checkpoint_empty_tree(void **state)
{
    const char *dir = state_dir("add-empty");
    (void)state;

    expect_add(dir, "a", 0, 0, log_signer, -1, 0, WB_WITNESS_COSIGNED, 0, NULL);
    expect_add(dir, "b", 0, 0, log_signer, -1, 0, WB_WITNESS_COSIGNED, 0, NULL);
    expect_add(dir, "a", 0, 4, log_signer, -1, 0, WB_WITNESS_COSIGNED, 0, NULL);
}

static void test_add_parse(void **state)
{
    static const char hash_line[] = "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n";
    static const char cp[] = "example.com/log\n5\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n\n"
                             "\xe2\x80\x94 example.com/log AAAA\n";
    static const struct {
        const char *head; /* before the checkpoint */
        const char *tail; /* the checkpoint, or what stands for it */
        int code;
        const char *needle;
    } cases[] = {
        {"", "", WB_EFORMAT, "no old size line"},
        {"old 5", "", WB_EFORMAT, "no old size line"},
        {"old\n\n", cp, WB_EFORMAT, "\"old N\""},
        {"old 05\n\n", cp, WB_EFORMAT, "\"old N\""},
        {"old -1\n\n", cp, WB_EFORMAT, "\"old N\""},
        {"old +1\n\n", cp, WB_EFORMAT, "\"old N\""},
        {"old 1 \n\n", cp, WB_EFORMAT, "\"old N\""},
        {"Old 1\n\n", cp, WB_EFORMAT, "\"old N\""},
        {"old  1\n\n", cp, WB_EFORMAT, "\"old N\""},
        {"old 18446744073709551616\n\n", cp, WB_EFORMAT, "\"old N\""},
        {"old 1\r\n\n", cp, WB_EFORMAT, "\"old N\""},
        {"old 1\n", "", WB_EFORMAT, "line 2 does not end"},
        {"old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n", "", WB_EFORMAT,
         "line 3 does not end"},
        {"old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw\n\n", cp, WB_EFORMAT, "line 2"},
        {"old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpka==\n\n", cp, WB_EFORMAT, "line 2"},
        {"old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n \n", cp, WB_EFORMAT, "line 3"},
        {"old 1\n\n", "", WB_EFORMAT, "no checkpoint"},
        {"old 1\n\n", "\nexample\n", WB_EFORMAT, "no checkpoint"},
        {"old 1\n\n", "example.com/log", WB_EFORMAT, "no checkpoint"},
    };
    wb_witness_add req;
    char *body;
    size_t i;
    (void)state;

    /* good: no proof, and two lines */
    body = wb_asprintf("old 0\n\n%s", cp);
    assert_int_equal(wb_witness_add_parse(&req, body, strlen(body)), 0);
    assert_int_equal(req.old_size, 0);
    assert_int_equal(req.n_proof, 0);
    assert_ptr_equal(req.checkpoint, body + 7);
    assert_int_equal(req.checkpoint_len, strlen(cp));
    assert_int_equal(req.origin_len, strlen("example.com/log"));
    assert_memory_equal(req.origin, "example.com/log", req.origin_len);
    wb_free(body);
    body = wb_asprintf("old 18446744073709551615\n%s%s\n%s", hash_line, hash_line, cp);
    assert_int_equal(wb_witness_add_parse(&req, body, strlen(body)), 0);
    assert_int_equal(req.old_size, UINT64_MAX);
    assert_int_equal(req.n_proof, 2);
    assert_int_equal(req.proof[1].bytes[0], 0x3e);
    wb_free(body);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc;
        body = wb_asprintf("%s%s", cases[i].head, cases[i].tail);
        rc = wb_witness_add_parse(&req, body, strlen(body));
        if (rc != cases[i].code || !strstr(wb_error_last(), cases[i].needle))
            fail_msg("case %zu: %s: %s", i, wb_error_name(rc), wb_error_last());
        assert_null(req.checkpoint);
        wb_free(body);
    }

    /* at most 63 proof lines */
    {
        wb_buf buf = {0};
        size_t len = 0;
        wb_buf_puts(&buf, "old 1\n");
        for (i = 0; i < WB_WITNESS_ADD_MAX_PROOF; i++)
            wb_buf_puts(&buf, hash_line);
        wb_buf_putc(&buf, '\n');
        wb_buf_puts(&buf, cp);
        assert_int_equal(wb_buf_detach(&buf, &body, &len), 0);
        assert_int_equal(wb_witness_add_parse(&req, body, len), 0);
        assert_int_equal(req.n_proof, WB_WITNESS_ADD_MAX_PROOF);
        wb_free(body);
        buf = (wb_buf){0};
        wb_buf_puts(&buf, "old 1\n");
        for (i = 0; i <= WB_WITNESS_ADD_MAX_PROOF; i++)
            wb_buf_puts(&buf, hash_line);
        wb_buf_putc(&buf, '\n');
        wb_buf_puts(&buf, cp);
        assert_int_equal(wb_buf_detach(&buf, &body, &len), 0);
        expect_error(wb_witness_add_parse(&req, body, len), WB_ELIMIT, "more than 63");
        expect_error(wb_witness_add_parse(&req, body, WB_WITNESS_ADD_MAX_SIZE + 1), WB_ELIMIT,
                     "larger than");
        wb_free(body);
    }
    expect_error(wb_witness_add_parse(NULL, "old 0\n", 6), WB_EINVAL, NULL);
    expect_error(wb_witness_add_parse(&req, NULL, 6), WB_EINVAL, NULL);
    {
        wb_witness_verdict verdict = WB_WITNESS_COSIGNED;
        wb_witness_result res;
        expect_error(wb_witness_add_checkpoint(&res, &verdict, NULL, "x", witness, log_verifier,
                                               NULL, TIMESTAMP),
                     WB_EINVAL, NULL);
        assert_int_equal(verdict, WB_WITNESS_FAILED);
    }
}

/* The check and the record are one step: while another holds the lock, a
 * witness waits (here a child process, blocked until the lock is let go). */
static void test_lock_held(void **state)
{
    const char *dir = state_dir("lock");
    int lock_fd, status = 0;
    pid_t child;

    (void)state;
    cosign_ok(dir, "a", 1, NULL);
    lock_fd = open(join(dir, "lock"), O_RDWR | O_CLOEXEC);
    assert_true(lock_fd >= 0);
    assert_int_equal(flock(lock_fd, LOCK_EX), 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        wb_witness_result res;
        _exit(cosign(&res, dir, "a", 1, NULL) == 0 ? 0 : 1);
    }
    usleep(300 * 1000);
    assert_int_equal(waitpid(child, &status, WNOHANG), 0);
    assert_int_equal(flock(lock_fd, LOCK_UN), 0);
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(lock_fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_and_growth),
        cmocka_unit_test(test_fork),
        cmocka_unit_test(test_bad_proofs),
        cmocka_unit_test(test_empty_log),
        cmocka_unit_test(test_bad_checkpoints),
        cmocka_unit_test(test_state_tampered),
        cmocka_unit_test(test_state_directory),
        cmocka_unit_test(test_resubmitted_cosigned),
        cmocka_unit_test(test_signer_from_key),
        cmocka_unit_test(test_proof_parse),
        cmocka_unit_test(test_lock_held),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_add_parse),
        cmocka_unit_test(test_add_checkpoint),
        cmocka_unit_test(test_add_checkpoint_empty_tree),
        cmocka_unit_test(test_add_checkpoint_out_of_memory),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
