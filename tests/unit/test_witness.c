/*
 * test_witness.c: the witness (witness.c), in temporary state directories.
 *
 * Logs here are in memory: a list of entries, their root from wb_tlog_root,
 * proofs from wb_tlog_prove_consistency, checkpoints signed with a fresh
 * note key. Two logs with the same origin and key but different entries
 * play the forked log. Every cosigned note is checked with wb_cosig_verify,
 * every refusal for its code and its message, and that it left the state
 * file as it was. Allocation failures are injected into a grow with a proof
 * and into the proof parser.
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
        cmocka_unit_test(test_first_and_growth), cmocka_unit_test(test_fork),
        cmocka_unit_test(test_bad_proofs),       cmocka_unit_test(test_empty_log),
        cmocka_unit_test(test_bad_checkpoints),  cmocka_unit_test(test_state_tampered),
        cmocka_unit_test(test_state_directory),  cmocka_unit_test(test_resubmitted_cosigned),
        cmocka_unit_test(test_signer_from_key),  cmocka_unit_test(test_proof_parse),
        cmocka_unit_test(test_lock_held),        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
