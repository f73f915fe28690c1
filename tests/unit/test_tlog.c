/*
 * test_tlog.c: Merkle tree hashing, proofs and verification (tlog.c).
 *
 * Known answers: SHA-256 of nothing for the empty tree, and the roots of the
 * eight-leaf test tree of RFC 6962's reference implementation (leaves "",
 * 00, 10, 2021, 3031, 40414243, 5051..57, 6061..6f), as Certificate
 * Transparency and transparency-dev/merkle publish them (checked here with
 * Python's hashlib before being copied).
 *
 * The transparency-dev/merkle vectors (tests/vectors/merkle/, see its
 * README.md): every happy path must verify and every broken variant must be
 * rejected.
 *
 * Then every tree of 1 to 300 leaves against a naive recursive MTH, PATH and
 * SUBPROOF written straight from RFC 9162 2.1.1, 2.1.3.1 and 2.1.4.1: roots
 * from both back ends (leaf reader, stored hashes built by the append path),
 * every inclusion proof and every consistency proof must equal the naive
 * one, verify, and fail once damaged. Stored-hash readers refuse to read
 * beyond the tree being proved, so a proof that peeks at later leaves fails.
 * Finally trees of up to 2^62 leaves, all of them the same leaf, whose
 * stored hashes a reader computes on the fly.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "internal.h"
#include "waybill/tlog.h"

#define MAX_LEAVES 300

/* --- helpers --- */

static wb_tlog_hash hash_from_hex(const char *hex)
{
    wb_tlog_hash h;
    size_t len = 0;
    assert_int_equal(wb_hex_decode(h.bytes, sizeof(h.bytes), &len, hex, strlen(hex)), 0);
    assert_int_equal(len, WB_TLOG_HASH_LEN);
    return h;
}

static void assert_hash_equal(const wb_tlog_hash *a, const wb_tlog_hash *b)
{
    assert_memory_equal(a->bytes, b->bytes, WB_TLOG_HASH_LEN);
}

static int hash_equal(const wb_tlog_hash *a, const wb_tlog_hash *b)
{
    return memcmp(a->bytes, b->bytes, WB_TLOG_HASH_LEN) == 0;
}

/* The leaves of the naive trees: leaf hashes of "leaf 0", "leaf 1", ... */
static wb_tlog_hash leaf_hashes[MAX_LEAVES];

/* Naive MTH(D[lo:hi]) over leaf_hashes, RFC 9162 2.1.1, memoised because
 * every tree of the test is a prefix of the same leaves. */
static wb_tlog_hash *mth_memo;
static unsigned char *mth_known;

static size_t memo_slot(uint64_t lo, uint64_t hi)
{
    return (size_t)lo * (MAX_LEAVES + 1) + (size_t)hi;
}

static uint64_t naive_split(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

static wb_tlog_hash naive_mth(uint64_t lo, uint64_t hi)
{
    size_t slot = memo_slot(lo, hi);
    wb_tlog_hash result;

    if (mth_known[slot])
        return mth_memo[slot];
    if (hi - lo == 0) {
        wb_tlog_empty_root(&result);
    } else if (hi - lo == 1) {
        result = leaf_hashes[lo];
    } else {
        uint64_t k = naive_split(hi - lo);
        wb_tlog_hash left = naive_mth(lo, lo + k), right = naive_mth(lo + k, hi);
        unsigned char input[65];
        input[0] = 1;
        memcpy(input + 1, left.bytes, 32);
        memcpy(input + 33, right.bytes, 32);
        assert_int_equal(wb_digest_buffer(result.bytes, WB_DIGEST_SHA256, input, 65), 0);
    }
    mth_memo[slot] = result;
    mth_known[slot] = 1;
    return result;
}

/* PATH(m, D[lo:hi]), RFC 9162 2.1.3.1, appended to out[*n]. */
static void naive_path(wb_tlog_hash *out, size_t *n, uint64_t m, uint64_t lo, uint64_t hi)
{
    uint64_t k;
    if (hi - lo == 1)
        return;
    k = naive_split(hi - lo);
    if (m < k) {
        naive_path(out, n, m, lo, lo + k);
        out[(*n)++] = naive_mth(lo + k, hi);
    } else {
        naive_path(out, n, m - k, lo + k, hi);
        out[(*n)++] = naive_mth(lo, lo + k);
    }
}

/* SUBPROOF(m, D[lo:hi], b), RFC 9162 2.1.4.1, appended to out[*n]. */
static void naive_subproof(wb_tlog_hash *out, size_t *n, uint64_t m, uint64_t lo, uint64_t hi,
                           int b)
{
    uint64_t k;
    if (m == hi - lo) {
        if (!b)
            out[(*n)++] = naive_mth(lo, hi);
        return;
    }
    k = naive_split(hi - lo);
    if (m <= k) {
        naive_subproof(out, n, m, lo, lo + k, b);
        out[(*n)++] = naive_mth(lo + k, hi);
    } else {
        naive_subproof(out, n, m - k, lo + k, hi, 0);
        out[(*n)++] = naive_mth(lo, lo + k);
    }
}

/* A leaf reader over leaf_hashes that refuses leaves beyond `limit`. */
typedef struct {
    uint64_t limit;
    uint64_t calls;
    uint64_t fail_at; /* UINT64_MAX: never */
} leaf_source;

static int read_leaf(wb_tlog_hash *out, uint64_t index, void *payload)
{
    leaf_source *source = payload;
    source->calls++;
    if (index == source->fail_at)
        return wb_error_set(WB_EIO, "test: leaf %" PRIu64 " unreadable", index);
    if (index >= source->limit)
        return wb_error_set(WB_EINTERNAL, "test: read leaf %" PRIu64 " beyond %" PRIu64, index,
                            source->limit);
    *out = leaf_hashes[index];
    return 0;
}

/* Stored hashes of MAX_LEAVES leaves, built by the append path; a reader
 * that refuses indexes at or beyond `limit`. */
static wb_tlog_hash *stored;
static uint64_t stored_len;

typedef struct {
    uint64_t limit;
    size_t calls, hashes_read;
    int fail;
} stored_source;

static int read_stored(wb_tlog_hash *out, const uint64_t *indexes, size_t count, void *payload)
{
    stored_source *source = payload;
    size_t i;
    source->calls++;
    source->hashes_read += count;
    if (source->fail)
        return wb_error_set(WB_EIO, "test: storage unreadable");
    for (i = 0; i < count; i++) {
        if (indexes[i] >= source->limit)
            return wb_error_set(WB_EINTERNAL, "test: read stored hash %" PRIu64 " beyond %" PRIu64,
                                indexes[i], source->limit);
        out[i] = stored[indexes[i]];
    }
    return 0;
}

static int setup(void **state)
{
    size_t i;
    mth_memo = calloc((MAX_LEAVES + 1) * (MAX_LEAVES + 1), sizeof(*mth_memo));
    mth_known = calloc((MAX_LEAVES + 1) * (MAX_LEAVES + 1), 1);
    if (!mth_memo || !mth_known)
        return -1;
    for (i = 0; i < MAX_LEAVES; i++) {
        char entry[32];
        int len = snprintf(entry, sizeof(entry), "leaf %zu", i);
        if (wb_tlog_leaf_hash(&leaf_hashes[i], entry, (size_t)len) != 0)
            return -1;
    }
    /* the stored hashes, appended one leaf at a time */
    stored_len = wb_tlog_stored_hash_count(MAX_LEAVES);
    stored = calloc(stored_len, sizeof(*stored));
    if (!stored)
        return -1;
    for (i = 0; i < MAX_LEAVES; i++) {
        wb_tlog_hash new_hashes[WB_TLOG_MAX_STORED_PER_LEAF];
        uint64_t first = wb_tlog_stored_hash_count(i);
        stored_source source = {.limit = first};
        size_t count = 0;
        if (wb_tlog_stored_hashes_append(new_hashes, &count, WB_TLOG_MAX_STORED_PER_LEAF, i,
                                         &leaf_hashes[i], read_stored, &source) != 0)
            return -1;
        if (first + count != wb_tlog_stored_hash_count(i + 1) || source.calls > 1)
            return -1;
        memcpy(&stored[first], new_hashes, count * sizeof(*new_hashes));
    }
    return 0;
}

static int teardown(void **state)
{
    free(mth_memo);
    free(mth_known);
    free(stored);
    return 0;
}

/* --- known answers --- */

static void test_hash_known_answers(void **state)
{
    static const unsigned char entries[8][16] = {
        {0},
        {0x00},
        {0x10},
        {0x20, 0x21},
        {0x30, 0x31},
        {0x40, 0x41, 0x42, 0x43},
        {0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57},
        {0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e,
         0x6f},
    };
    static const size_t entry_lens[8] = {0, 1, 1, 2, 2, 4, 8, 16};
    static const char *roots[8] = {
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    };
    wb_tlog_hash saved[MAX_LEAVES];
    wb_tlog_hash empty, want, got, a, b;
    size_t i;

    wb_tlog_empty_root(&empty);
    want = hash_from_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_hash_equal(&empty, &want);

    /* node hash: SHA-256(0x01 || left || right), and out may alias */
    memset(a.bytes, 0xaa, 32);
    memset(b.bytes, 0xbb, 32);
    {
        unsigned char input[65];
        input[0] = 1;
        memcpy(input + 1, a.bytes, 32);
        memcpy(input + 33, b.bytes, 32);
        assert_int_equal(wb_digest_buffer(want.bytes, WB_DIGEST_SHA256, input, 65), 0);
    }
    assert_int_equal(wb_tlog_node_hash(&got, &a, &b), 0);
    assert_hash_equal(&got, &want);
    assert_int_equal(wb_tlog_node_hash(&a, &a, &b), 0);
    assert_hash_equal(&a, &want);

    /* the RFC 6962 test tree, through the leaf reader and through stored
     * hashes built by appending; the leaf table is borrowed for it */
    memcpy(saved, leaf_hashes, sizeof(saved));
    for (i = 0; i < 8; i++)
        assert_int_equal(wb_tlog_leaf_hash(&leaf_hashes[i], entries[i], entry_lens[i]), 0);
    for (i = 1; i <= 8; i++) {
        leaf_source source = {.limit = i, .fail_at = UINT64_MAX};
        want = hash_from_hex(roots[i - 1]);
        assert_int_equal(wb_tlog_root(&got, i, read_leaf, &source), 0);
        assert_hash_equal(&got, &want);
    }
    memcpy(leaf_hashes, saved, sizeof(saved));

    /* a leaf hash is SHA-256(0x00 || entry), and of nothing for the empty entry */
    assert_int_equal(wb_tlog_leaf_hash(&got, NULL, 0), 0);
    want = hash_from_hex(roots[0]);
    assert_hash_equal(&got, &want);

    /* the empty tree */
    {
        leaf_source source = {.limit = 0, .fail_at = UINT64_MAX};
        stored_source none = {.limit = 0};
        assert_int_equal(wb_tlog_root(&got, 0, read_leaf, &source), 0);
        assert_hash_equal(&got, &empty);
        assert_int_equal(wb_tlog_stored_root(&got, 0, read_stored, &none), 0);
        assert_hash_equal(&got, &empty);
        assert_int_equal(none.calls, 0);
    }
}

/* --- the transparency-dev/merkle vectors --- */

static const char *merkle_vectors_dir(void)
{
    static char path[4096];
    const char *candidates[6];
    const char *root = getenv("WB_SOURCE_ROOT");
    size_t n = 0, i;
    struct stat st;

    if (root && *root) {
        snprintf(path, sizeof(path), "%s/tests/vectors/merkle", root);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return path;
    }
#ifdef WB_SOURCE_ROOT_DIR
    candidates[n++] = WB_SOURCE_ROOT_DIR "/tests/vectors/merkle";
#endif
    candidates[n++] = "tests/vectors/merkle";
    candidates[n++] = "../tests/vectors/merkle";
    candidates[n++] = "../../tests/vectors/merkle";
    candidates[n++] = "../../../tests/vectors/merkle";
    for (i = 0; i < n; i++) {
        if (stat(candidates[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(path, sizeof(path), "%s", candidates[i]);
            return path;
        }
    }
    return NULL;
}

/* A base64 field as a hash. The vectors also hold values that are not
 * 32-byte hashes ("", "WrongRoot", ...), which waybill's API cannot take;
 * they become SHA-256("wb-test-not-a-hash:" || role || ":" || value), so that
 * equal values in the same role (leaf, root, proof) stay equal, values in
 * different roles never match, and the verifier itself, not this decoder,
 * has to reject the case. */
static wb_tlog_hash vector_hash(const json_t *value, const char *role, const char *path)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    wb_tlog_hash h;
    const char *text = json_string_value(value);

    if (!text)
        fail_msg("%s: a hash field is not a string", path);
    assert_int_equal(wb_base64_decode(&bytes, &len, text, strlen(text)), 0);
    if (len == WB_TLOG_HASH_LEN) {
        memcpy(h.bytes, bytes, WB_TLOG_HASH_LEN);
    } else {
        char tag[64];
        int tag_len = snprintf(tag, sizeof(tag), "wb-test-not-a-hash:%s:", role);
        unsigned char *tagged = malloc((size_t)tag_len + len);
        assert_non_null(tagged);
        memcpy(tagged, tag, (size_t)tag_len);
        if (len)
            memcpy(tagged + tag_len, bytes, len);
        assert_int_equal(wb_digest_buffer(h.bytes, WB_DIGEST_SHA256, tagged, (size_t)tag_len + len),
                         0);
        free(tagged);
    }
    wb_free(bytes);
    return h;
}

/* An unsigned integer field, read from the file's text: some broken
 * variants hold 2^64 - 1 (0 - 1 in Go's uint64), beyond jansson's integers. */
static uint64_t vector_uint(const char *text, const char *key, const char *path)
{
    char quoted[64];
    const char *p;
    char *end;
    unsigned long long value;

    snprintf(quoted, sizeof(quoted), "\"%s\"", key);
    p = strstr(text, quoted);
    if (!p)
        fail_msg("%s: no '%s'", path, key);
    p += strlen(quoted);
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (*p++ != ':')
        fail_msg("%s: '%s' is not followed by a colon", path, key);
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (*p < '0' || *p > '9')
        fail_msg("%s: '%s' is not a non-negative integer", path, key);
    errno = 0;
    value = strtoull(p, &end, 10);
    if (errno != 0 || (*end >= '0' && *end <= '9'))
        fail_msg("%s: '%s' does not fit in 64 bits", path, key);
    return (uint64_t)value;
}

/* The proof array (or null) as hashes; returns how many. */
static size_t vector_proof(wb_tlog_hash *out, size_t cap, const json_t *obj, const char *path)
{
    const json_t *proof = json_object_get(obj, "proof");
    size_t i;
    if (json_is_null(proof))
        return 0;
    if (!json_is_array(proof) || json_array_size(proof) > cap)
        fail_msg("%s: 'proof' is not an array of at most %zu hashes", path, cap);
    for (i = 0; i < json_array_size(proof); i++)
        out[i] = vector_hash(json_array_get(proof, i), "proof", path);
    return json_array_size(proof);
}

typedef struct {
    size_t files, good, bad;
} vector_counts;

static void check_inclusion_vector(const json_t *obj, const char *text, const char *path,
                                   vector_counts *counts)
{
    wb_tlog_hash proof[WB_TLOG_MAX_CONSISTENCY_PROOF + 4];
    wb_tlog_hash leaf = vector_hash(json_object_get(obj, "leafHash"), "leaf", path);
    wb_tlog_hash root = vector_hash(json_object_get(obj, "root"), "root", path);
    uint64_t index = vector_uint(text, "leafIdx", path);
    uint64_t size = vector_uint(text, "treeSize", path);
    size_t proof_len = vector_proof(proof, sizeof(proof) / sizeof(proof[0]), obj, path);
    int want_error = json_is_true(json_object_get(obj, "wantErr"));
    int rc = wb_tlog_verify_inclusion(&leaf, index, size, proof, proof_len, &root);

    if (want_error && rc == 0)
        fail_msg("%s: a broken proof verified", path);
    if (!want_error && rc != 0)
        fail_msg("%s: a good proof was rejected: %s", path, wb_error_last());
    if (want_error)
        assert_int_equal(rc, WB_EVERIFY);
    counts->good += !want_error;
    counts->bad += want_error;
}

static void check_consistency_vector(const json_t *obj, const char *text, const char *path,
                                     vector_counts *counts)
{
    wb_tlog_hash proof[WB_TLOG_MAX_CONSISTENCY_PROOF + 4];
    wb_tlog_hash root1 = vector_hash(json_object_get(obj, "root1"), "root", path);
    wb_tlog_hash root2 = vector_hash(json_object_get(obj, "root2"), "root", path);
    uint64_t size1 = vector_uint(text, "size1", path);
    uint64_t size2 = vector_uint(text, "size2", path);
    size_t proof_len = vector_proof(proof, sizeof(proof) / sizeof(proof[0]), obj, path);
    int want_error = json_is_true(json_object_get(obj, "wantErr"));
    int rc = wb_tlog_verify_consistency(size1, size2, proof, proof_len, &root1, &root2);

    if (want_error && rc == 0)
        fail_msg("%s: a broken proof verified", path);
    if (!want_error && rc != 0)
        fail_msg("%s: a good proof was rejected: %s", path, wb_error_last());
    if (want_error)
        assert_int_equal(rc, WB_EVERIFY);
    counts->good += !want_error;
    counts->bad += want_error;
}

typedef void (*vector_check)(const json_t *obj, const char *text, const char *path,
                             vector_counts *counts);

static void walk_vectors(const char *dir, vector_check check, vector_counts *counts)
{
    DIR *d = opendir(dir);
    struct dirent *entry;

    if (!d)
        fail_msg("%s: %s", dir, strerror(errno));
    while ((entry = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;
        size_t name_len = strlen(entry->d_name);
        if (entry->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
        assert_int_equal(stat(path, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            walk_vectors(path, check, counts);
        } else if (name_len > 5 && strcmp(entry->d_name + name_len - 5, ".json") == 0) {
            json_error_t error;
            char *text = NULL;
            size_t text_len = 0;
            json_t *obj;
            assert_int_equal(wb_read_file(&text, &text_len, path, 1 << 20), 0);
            /* integers too large for jansson are read from the text instead */
            obj = json_loadb(text, text_len, JSON_DECODE_INT_AS_REAL, &error);
            if (!obj)
                fail_msg("%s: %s", path, error.text);
            check(obj, text, path, counts);
            json_decref(obj);
            wb_free(text);
            counts->files++;
        }
    }
    closedir(d);
}

static void test_vectors_inclusion(void **state)
{
    const char *dir = merkle_vectors_dir();
    char path[4096];
    vector_counts counts = {0};

    if (!dir)
        fail_msg("tests/vectors/merkle not found: set WB_SOURCE_ROOT to the source tree");
    snprintf(path, sizeof(path), "%s/inclusion", dir);
    walk_vectors(path, check_inclusion_vector, &counts);
    print_message("# inclusion vectors: %zu files, %zu good verified, %zu broken rejected\n",
                  counts.files, counts.good, counts.bad);
    assert_int_equal(counts.files, 98);
    assert_int_equal(counts.good, 6); /* five happy paths and one single-leaf tree */
    assert_int_equal(counts.good + counts.bad, counts.files);
}

static void test_vectors_consistency(void **state)
{
    const char *dir = merkle_vectors_dir();
    char path[4096];
    vector_counts counts = {0};

    if (!dir)
        fail_msg("tests/vectors/merkle not found: set WB_SOURCE_ROOT to the source tree");
    snprintf(path, sizeof(path), "%s/consistency", dir);
    walk_vectors(path, check_consistency_vector, &counts);
    print_message("# consistency vectors: %zu files, %zu good verified, %zu broken rejected\n",
                  counts.files, counts.good, counts.bad);
    assert_int_equal(counts.files, 98);
    assert_int_equal(counts.good, 6); /* five happy paths and equal sizes of one */
    assert_int_equal(counts.good + counts.bad, counts.files);
}

/* --- every tree of 1..MAX_LEAVES leaves --- */

static void flip_bit(wb_tlog_hash *h, size_t bit)
{
    h->bytes[(bit / 8) % WB_TLOG_HASH_LEN] ^= (unsigned char)(1u << (bit % 8));
}

/* A valid inclusion proof, damaged in every way the vectors name. */
static void check_inclusion_damage(const wb_tlog_hash *proof, size_t len, uint64_t index,
                                   uint64_t size, const wb_tlog_hash *root)
{
    wb_tlog_hash damaged[WB_TLOG_MAX_INCLUSION_PROOF + 2];
    wb_tlog_hash leaf = leaf_hashes[index], other_root = *root;
    size_t i;

    /* wrong leaf, wrong root */
    flip_bit(&leaf, index);
    assert_int_equal(wb_tlog_verify_inclusion(&leaf, index, size, proof, len, root), WB_EVERIFY);
    leaf = leaf_hashes[index];
    flip_bit(&other_root, size);
    assert_int_equal(wb_tlog_verify_inclusion(&leaf, index, size, proof, len, &other_root),
                     WB_EVERIFY);
    /* index off by one, index == size */
    if (index + 1 < size)
        assert_int_equal(wb_tlog_verify_inclusion(&leaf, index + 1, size, proof, len, root),
                         WB_EVERIFY);
    if (index > 0)
        assert_int_equal(wb_tlog_verify_inclusion(&leaf, index - 1, size, proof, len, root),
                         WB_EVERIFY);
    assert_int_equal(wb_tlog_verify_inclusion(&leaf, size, size, proof, len, root), WB_EVERIFY);
    /* (the size is not checked by changing it: proofs for some sizes have the
     * same shape, and a tree head binds its size to its root) */
    /* each hash flipped */
    for (i = 0; i < len; i++) {
        memcpy(damaged, proof, len * sizeof(*proof));
        flip_bit(&damaged[i], i * 7 + 3);
        assert_int_equal(wb_tlog_verify_inclusion(&leaf, index, size, damaged, len, root),
                         WB_EVERIFY);
    }
    /* a hash missing at the end, one extra at either end */
    if (len > 0)
        assert_int_equal(wb_tlog_verify_inclusion(&leaf, index, size, proof, len - 1, root),
                         WB_EVERIFY);
    memcpy(damaged, proof, len * sizeof(*proof));
    damaged[len] = *root;
    assert_int_equal(wb_tlog_verify_inclusion(&leaf, index, size, damaged, len + 1, root),
                     WB_EVERIFY);
    damaged[0] = leaf;
    memcpy(damaged + 1, proof, len * sizeof(*proof));
    assert_int_equal(wb_tlog_verify_inclusion(&leaf, index, size, damaged, len + 1, root),
                     WB_EVERIFY);
}

static void check_consistency_damage(const wb_tlog_hash *proof, size_t len, uint64_t m, uint64_t n,
                                     const wb_tlog_hash *root_m, const wb_tlog_hash *root_n)
{
    wb_tlog_hash damaged[WB_TLOG_MAX_CONSISTENCY_PROOF + 2];
    wb_tlog_hash bad_root;
    size_t i;

    bad_root = *root_m;
    flip_bit(&bad_root, m);
    assert_int_equal(wb_tlog_verify_consistency(m, n, proof, len, &bad_root, root_n), WB_EVERIFY);
    bad_root = *root_n;
    flip_bit(&bad_root, n);
    assert_int_equal(wb_tlog_verify_consistency(m, n, proof, len, root_m, &bad_root), WB_EVERIFY);
    if (!hash_equal(root_m, root_n))
        assert_int_equal(wb_tlog_verify_consistency(m, n, proof, len, root_n, root_m), WB_EVERIFY);
    /* the old size off by one (the new size is not checked by changing it:
     * proofs to some neighbouring sizes have the same shape, and a tree head
     * binds its size to its root) */
    if (m + 1 < n)
        assert_int_equal(wb_tlog_verify_consistency(m + 1, n, proof, len, root_m, root_n),
                         WB_EVERIFY);
    if (m > 1)
        assert_int_equal(wb_tlog_verify_consistency(m - 1, n, proof, len, root_m, root_n),
                         WB_EVERIFY);
    for (i = 0; i < len; i++) {
        memcpy(damaged, proof, len * sizeof(*proof));
        flip_bit(&damaged[i], i * 5 + 1);
        assert_int_equal(wb_tlog_verify_consistency(m, n, damaged, len, root_m, root_n),
                         WB_EVERIFY);
    }
    if (len > 0)
        assert_int_equal(wb_tlog_verify_consistency(m, n, proof, len - 1, root_m, root_n),
                         WB_EVERIFY);
    memcpy(damaged, proof, len * sizeof(*proof));
    damaged[len] = *root_n;
    assert_int_equal(wb_tlog_verify_consistency(m, n, damaged, len + 1, root_m, root_n),
                     WB_EVERIFY);
    damaged[0] = *root_m;
    memcpy(damaged + 1, proof, len * sizeof(*proof));
    assert_int_equal(wb_tlog_verify_consistency(m, n, damaged, len + 1, root_m, root_n),
                     WB_EVERIFY);
}

static void test_trees_against_naive(void **state)
{
    wb_tlog_hash want[WB_TLOG_MAX_CONSISTENCY_PROOF], got[WB_TLOG_MAX_CONSISTENCY_PROOF];
    wb_tlog_hash roots[MAX_LEAVES + 1];
    uint64_t n, i, m;
    size_t total_inclusion = 0, total_consistency = 0, max_reads = 0;

    for (n = 1; n <= MAX_LEAVES; n++) {
        leaf_source leaves = {.limit = n, .fail_at = UINT64_MAX};
        stored_source hashes = {.limit = wb_tlog_stored_hash_count(n)};
        wb_tlog_hash root;

        roots[n] = naive_mth(0, n);
        assert_int_equal(wb_tlog_root(&root, n, read_leaf, &leaves), 0);
        assert_hash_equal(&root, &roots[n]);
        assert_int_equal(leaves.calls, n);
        assert_int_equal(wb_tlog_stored_root(&root, n, read_stored, &hashes), 0);
        assert_hash_equal(&root, &roots[n]);
        assert_int_equal(hashes.hashes_read, __builtin_popcountll(n));
    }

    for (n = 1; n <= MAX_LEAVES; n++) {
        for (i = 0; i < n; i++) {
            leaf_source leaves = {.limit = n, .fail_at = UINT64_MAX};
            stored_source hashes = {.limit = wb_tlog_stored_hash_count(n)};
            size_t want_len = 0, got_len = 0;

            naive_path(want, &want_len, i, 0, n);
            assert_int_equal(wb_tlog_inclusion_proof_size(i, n), want_len);

            assert_int_equal(wb_tlog_stored_prove_inclusion(got, &got_len,
                                                            WB_TLOG_MAX_INCLUSION_PROOF, i, n,
                                                            read_stored, &hashes),
                             0);
            assert_int_equal(got_len, want_len);
            assert_memory_equal(got, want, want_len * sizeof(*want));
            assert_true(hashes.calls <= 1);
            if (hashes.hashes_read > max_reads)
                max_reads = hashes.hashes_read;

            assert_int_equal(wb_tlog_prove_inclusion(got, &got_len, WB_TLOG_MAX_INCLUSION_PROOF, i,
                                                     n, read_leaf, &leaves),
                             0);
            assert_int_equal(got_len, want_len);
            assert_memory_equal(got, want, want_len * sizeof(*want));
            assert_int_equal(leaves.calls, n - 1); /* every other leaf, once */

            if (wb_tlog_verify_inclusion(&leaf_hashes[i], i, n, got, got_len, &roots[n]) != 0)
                fail_msg("leaf %" PRIu64 " of %" PRIu64 ": %s", i, n, wb_error_last());
            check_inclusion_damage(got, got_len, i, n, &roots[n]);
            total_inclusion++;
        }
        for (m = 1; m <= n; m++) {
            leaf_source leaves = {.limit = n, .fail_at = UINT64_MAX};
            stored_source hashes = {.limit = wb_tlog_stored_hash_count(n)};
            size_t want_len = 0, got_len = 0;

            naive_subproof(want, &want_len, m, 0, n, 1);
            assert_int_equal(wb_tlog_consistency_proof_size(m, n), want_len);

            assert_int_equal(wb_tlog_stored_prove_consistency(got, &got_len,
                                                              WB_TLOG_MAX_CONSISTENCY_PROOF, m, n,
                                                              read_stored, &hashes),
                             0);
            assert_int_equal(got_len, want_len);
            assert_memory_equal(got, want, want_len * sizeof(*want));
            assert_true(hashes.calls <= 1);
            if (hashes.hashes_read > max_reads)
                max_reads = hashes.hashes_read;

            assert_int_equal(wb_tlog_prove_consistency(got, &got_len, WB_TLOG_MAX_CONSISTENCY_PROOF,
                                                       m, n, read_leaf, &leaves),
                             0);
            assert_int_equal(got_len, want_len);
            assert_memory_equal(got, want, want_len * sizeof(*want));

            if (wb_tlog_verify_consistency(m, n, got, got_len, &roots[m], &roots[n]) != 0)
                fail_msg("consistency %" PRIu64 " -> %" PRIu64 ": %s", m, n, wb_error_last());
            check_consistency_damage(got, got_len, m, n, &roots[m], &roots[n]);
            total_consistency++;
        }
    }
    print_message("# %zu inclusion and %zu consistency proofs checked; at most %zu stored hashes "
                  "read for one proof\n",
                  total_inclusion, total_consistency, max_reads);
}

/* --- the stored-hash layout --- */

static void test_stored_layout(void **state)
{
    uint64_t level, n;

    /* leaf 0, leaf 1, node(0,1), leaf 2, leaf 3, node(2,3), node(0..3), ... */
    assert_int_equal(wb_tlog_stored_hash_count(0), 0);
    assert_int_equal(wb_tlog_stored_hash_count(1), 1);
    assert_int_equal(wb_tlog_stored_hash_count(2), 3);
    assert_int_equal(wb_tlog_stored_hash_count(3), 4);
    assert_int_equal(wb_tlog_stored_hash_count(4), 7);
    assert_int_equal(wb_tlog_stored_hash_index(0, 0), 0);
    assert_int_equal(wb_tlog_stored_hash_index(0, 1), 1);
    assert_int_equal(wb_tlog_stored_hash_index(1, 0), 2);
    assert_int_equal(wb_tlog_stored_hash_index(0, 2), 3);
    assert_int_equal(wb_tlog_stored_hash_index(0, 3), 4);
    assert_int_equal(wb_tlog_stored_hash_index(1, 1), 5);
    assert_int_equal(wb_tlog_stored_hash_index(2, 0), 6);
    assert_int_equal(wb_tlog_stored_hash_index(0, 4), 7);

    /* every stored hash is the MTH of its subtree, and every index is used once */
    for (level = 0; ((uint64_t)1 << level) <= MAX_LEAVES; level++) {
        for (n = 0; ((n + 1) << level) <= MAX_LEAVES; n++) {
            uint64_t index = wb_tlog_stored_hash_index((unsigned)level, n);
            wb_tlog_hash want = naive_mth(n << level, (n + 1) << level);
            assert_true(index < stored_len);
            assert_true(index < wb_tlog_stored_hash_count((n + 1) << level));
            assert_true(index >= wb_tlog_stored_hash_count(((n + 1) << level) - 1));
            assert_hash_equal(&stored[index], &want);
        }
    }

    /* the edges of the layout */
    assert_int_equal(wb_tlog_stored_hash_count(WB_TLOG_STORED_MAX_SIZE),
                     2 * WB_TLOG_STORED_MAX_SIZE - 1);
    assert_int_equal(wb_tlog_stored_hash_count(WB_TLOG_STORED_MAX_SIZE + 1), UINT64_MAX);
    assert_int_equal(wb_tlog_stored_hash_index(62, 0), 2 * WB_TLOG_STORED_MAX_SIZE - 2);
    assert_int_equal(wb_tlog_stored_hash_index(62, 1), UINT64_MAX);
    assert_int_equal(wb_tlog_stored_hash_index(63, 0), UINT64_MAX);
    assert_int_equal(wb_tlog_stored_hash_index(0, WB_TLOG_STORED_MAX_SIZE - 1),
                     2 * WB_TLOG_STORED_MAX_SIZE - 2 - 62);
    assert_int_equal(wb_tlog_stored_hash_index(0, WB_TLOG_STORED_MAX_SIZE), UINT64_MAX);
    assert_int_equal(wb_tlog_stored_hash_index(1000, 0), UINT64_MAX);
}

static void test_append(void **state)
{
    wb_tlog_hash out[WB_TLOG_MAX_STORED_PER_LEAF];
    stored_source source = {.limit = wb_tlog_stored_hash_count(7)};
    size_t count = 0;

    /* leaf 7 completes three subtrees: reads leaf 6, node(4,5), node(0..3) */
    assert_int_equal(wb_tlog_stored_hashes_append(out, &count, WB_TLOG_MAX_STORED_PER_LEAF, 7,
                                                  &leaf_hashes[7], read_stored, &source),
                     0);
    assert_int_equal(count, 4);
    assert_int_equal(source.calls, 1);
    assert_int_equal(source.hashes_read, 3);
    assert_memory_equal(out, &stored[wb_tlog_stored_hash_count(7)], 4 * sizeof(*out));
    {
        wb_tlog_hash root8 = naive_mth(0, 8);
        assert_hash_equal(&out[3], &root8);
    }
    /* an even leaf reads nothing */
    source.calls = 0;
    assert_int_equal(
        wb_tlog_stored_hashes_append(out, &count, 1, 8, &leaf_hashes[8], read_stored, &source), 0);
    assert_int_equal(count, 1);
    assert_int_equal(source.calls, 0);
    /* too little room, a failing reader, bad arguments */
    assert_int_equal(
        wb_tlog_stored_hashes_append(out, &count, 3, 7, &leaf_hashes[7], read_stored, &source),
        WB_ELIMIT);
    source.fail = 1;
    assert_int_equal(
        wb_tlog_stored_hashes_append(out, &count, 4, 7, &leaf_hashes[7], read_stored, &source),
        WB_EIO);
    assert_string_equal(wb_error_last(), "test: storage unreadable");
    assert_int_equal(wb_tlog_stored_hashes_append(out, &count, 4, WB_TLOG_STORED_MAX_SIZE,
                                                  &leaf_hashes[0], read_stored, &source),
                     WB_EINVAL);
    assert_int_equal(
        wb_tlog_stored_hashes_append(NULL, &count, 4, 0, &leaf_hashes[0], read_stored, &source),
        WB_EINVAL);
}

/* --- huge trees: every leaf the same, stored hashes computed on demand --- */

static wb_tlog_hash level_hash[64]; /* the hash of a complete subtree at each level */

/* The level of the subtree stored at `index`: find the leaf j whose append
 * stored it (count(j) <= index < count(j+1)), then index - count(j). */
static unsigned level_of_stored_index(uint64_t index)
{
    uint64_t lo = 0, hi = WB_TLOG_STORED_MAX_SIZE;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (wb_tlog_stored_hash_count(mid) <= index)
            lo = mid;
        else
            hi = mid;
    }
    return (unsigned)(index - wb_tlog_stored_hash_count(lo));
}

static int read_uniform(wb_tlog_hash *out, const uint64_t *indexes, size_t count, void *payload)
{
    const uint64_t *limit = payload;
    size_t i;
    for (i = 0; i < count; i++) {
        if (indexes[i] >= *limit)
            return wb_error_set(WB_EINTERNAL, "test: read beyond the tree");
        out[i] = level_hash[level_of_stored_index(indexes[i])];
    }
    return 0;
}

static void test_huge_trees(void **state)
{
    static const uint64_t sizes[] = {
        WB_TLOG_STORED_MAX_SIZE, WB_TLOG_STORED_MAX_SIZE - 1, ((uint64_t)1 << 61) + 12345,
        ((uint64_t)1 << 40) + 1, 0x2aaaaaaaaaaaaaabull,
    };
    size_t a, b, level;

    level_hash[0] = leaf_hashes[0];
    for (level = 1; level < 64; level++)
        assert_int_equal(
            wb_tlog_node_hash(&level_hash[level], &level_hash[level - 1], &level_hash[level - 1]),
            0);

    for (a = 0; a < sizeof(sizes) / sizeof(sizes[0]); a++) {
        uint64_t n = sizes[a], limit = wb_tlog_stored_hash_count(n);
        uint64_t indexes[] = {0, 1, n / 2, n / 3, n - 2, n - 1};
        wb_tlog_hash root, proof[WB_TLOG_MAX_CONSISTENCY_PROOF];
        size_t len = 0, i;

        assert_int_equal(wb_tlog_stored_root(&root, n, read_uniform, &limit), 0);
        for (i = 0; i < sizeof(indexes) / sizeof(indexes[0]); i++) {
            assert_int_equal(wb_tlog_stored_prove_inclusion(proof, &len,
                                                            WB_TLOG_MAX_INCLUSION_PROOF, indexes[i],
                                                            n, read_uniform, &limit),
                             0);
            assert_int_equal(len, wb_tlog_inclusion_proof_size(indexes[i], n));
            if (wb_tlog_verify_inclusion(&leaf_hashes[0], indexes[i], n, proof, len, &root) != 0)
                fail_msg("leaf %" PRIu64 " of %" PRIu64 ": %s", indexes[i], n, wb_error_last());
            assert_int_equal(
                wb_tlog_verify_inclusion(&leaf_hashes[1], indexes[i], n, proof, len, &root),
                WB_EVERIFY);
        }
        for (b = 0; b < sizeof(sizes) / sizeof(sizes[0]); b++) {
            uint64_t m = sizes[b];
            wb_tlog_hash old_root;
            if (m > n)
                continue;
            assert_int_equal(wb_tlog_stored_root(&old_root, m, read_uniform, &limit), 0);
            assert_int_equal(wb_tlog_stored_prove_consistency(proof, &len,
                                                              WB_TLOG_MAX_CONSISTENCY_PROOF, m, n,
                                                              read_uniform, &limit),
                             0);
            if (wb_tlog_verify_consistency(m, n, proof, len, &old_root, &root) != 0)
                fail_msg("consistency %" PRIu64 " -> %" PRIu64 ": %s", m, n, wb_error_last());
        }
    }

    /* proof sizes at the very top of the 64-bit range */
    assert_int_equal(wb_tlog_inclusion_proof_size(0, UINT64_MAX), 64);
    assert_int_equal(wb_tlog_inclusion_proof_size(UINT64_MAX - 1, UINT64_MAX), 63);
    assert_int_equal(wb_tlog_inclusion_proof_size(0, (uint64_t)1 << 63), 63);
    assert_int_equal(wb_tlog_consistency_proof_size(3, UINT64_MAX), 65);
    assert_int_equal(wb_tlog_consistency_proof_size(UINT64_MAX - 1, UINT64_MAX), 64);
    assert_int_equal(wb_tlog_consistency_proof_size(UINT64_MAX, UINT64_MAX), 0);
    /* garbage proofs of the right length at that size are rejected, not crashed on */
    {
        wb_tlog_hash proof[WB_TLOG_MAX_CONSISTENCY_PROOF];
        memset(proof, 0x5a, sizeof(proof));
        assert_int_equal(wb_tlog_verify_inclusion(&leaf_hashes[0], UINT64_MAX - 1, UINT64_MAX,
                                                  proof, 64, &level_hash[0]),
                         WB_EVERIFY);
        assert_int_equal(
            wb_tlog_verify_consistency(3, UINT64_MAX, proof, 65, &level_hash[0], &level_hash[1]),
            WB_EVERIFY);
        assert_int_equal(
            wb_tlog_verify_consistency(1, UINT64_MAX, proof, 64, &level_hash[0], &level_hash[1]),
            WB_EVERIFY);
    }
    /* the stored layout refuses what it cannot number */
    {
        uint64_t limit = UINT64_MAX;
        wb_tlog_hash root, proof[WB_TLOG_MAX_CONSISTENCY_PROOF];
        size_t len;
        assert_int_equal(
            wb_tlog_stored_root(&root, WB_TLOG_STORED_MAX_SIZE + 1, read_uniform, &limit),
            WB_EINVAL);
        assert_int_equal(wb_tlog_stored_prove_inclusion(
                             proof, &len, 64, 0, WB_TLOG_STORED_MAX_SIZE + 1, read_uniform, &limit),
                         WB_EINVAL);
        assert_int_equal(wb_tlog_stored_prove_consistency(
                             proof, &len, 65, 1, WB_TLOG_STORED_MAX_SIZE + 1, read_uniform, &limit),
                         WB_EINVAL);
    }
}

/* --- arguments and errors --- */

static void test_rejections(void **state)
{
    wb_tlog_hash proof[WB_TLOG_MAX_CONSISTENCY_PROOF], root = naive_mth(0, 5);
    wb_tlog_hash root1 = naive_mth(0, 1);
    leaf_source leaves = {.limit = 5, .fail_at = UINT64_MAX};
    stored_source hashes = {.limit = wb_tlog_stored_hash_count(5)};
    size_t len = 0;

    /* inclusion: index >= size, the empty tree */
    assert_int_equal(wb_tlog_verify_inclusion(&leaf_hashes[0], 5, 5, proof, 0, &root), WB_EVERIFY);
    assert_non_null(strstr(wb_error_last(), "not below the tree size"));
    assert_int_equal(wb_tlog_verify_inclusion(&leaf_hashes[0], 0, 0, NULL, 0, &root), WB_EVERIFY);
    /* a one-leaf tree: the root is the leaf hash and the proof is empty */
    assert_int_equal(wb_tlog_verify_inclusion(&leaf_hashes[0], 0, 1, NULL, 0, &root1), 0);
    assert_int_equal(wb_tlog_verify_inclusion(&leaf_hashes[0], 0, 1, &root1, 1, &root1),
                     WB_EVERIFY);
    assert_non_null(strstr(wb_error_last(), "has a proof of 0"));
    assert_int_equal(wb_tlog_verify_inclusion(NULL, 0, 1, NULL, 0, &root1), WB_EINVAL);
    assert_int_equal(wb_tlog_verify_inclusion(&leaf_hashes[0], 0, 1, NULL, 1, &root1), WB_EINVAL);

    /* consistency: from the empty tree, backwards, equal sizes */
    assert_int_equal(wb_tlog_verify_consistency(0, 0, NULL, 0, &root, &root), WB_EVERIFY);
    assert_int_equal(wb_tlog_verify_consistency(0, 5, NULL, 0, &root, &root), WB_EVERIFY);
    assert_non_null(strstr(wb_error_last(), "empty tree"));
    assert_int_equal(wb_tlog_verify_consistency(5, 1, NULL, 0, &root, &root1), WB_EVERIFY);
    assert_int_equal(wb_tlog_verify_consistency(5, 5, NULL, 0, &root, &root), 0);
    assert_int_equal(wb_tlog_verify_consistency(5, 5, NULL, 0, &root, &root1), WB_EVERIFY);
    assert_int_equal(wb_tlog_verify_consistency(5, 5, &root, 1, &root, &root), WB_EVERIFY);
    assert_int_equal(wb_tlog_verify_consistency(1, 5, NULL, 0, &root1, &root), WB_EVERIFY);
    assert_int_equal(wb_tlog_verify_consistency(1, 5, NULL, 0, NULL, &root), WB_EINVAL);

    /* proving: out of range, too little room, failing readers */
    assert_int_equal(wb_tlog_prove_inclusion(proof, &len, 64, 5, 5, read_leaf, &leaves), WB_EINVAL);
    assert_int_equal(wb_tlog_stored_prove_inclusion(proof, &len, 64, 5, 5, read_stored, &hashes),
                     WB_EINVAL);
    assert_int_equal(wb_tlog_prove_consistency(proof, &len, 65, 0, 5, read_leaf, &leaves),
                     WB_EINVAL);
    assert_int_equal(wb_tlog_prove_consistency(proof, &len, 65, 6, 5, read_leaf, &leaves),
                     WB_EINVAL);
    assert_int_equal(wb_tlog_stored_prove_consistency(proof, &len, 65, 0, 5, read_stored, &hashes),
                     WB_EINVAL);
    assert_int_equal(wb_tlog_prove_inclusion(proof, &len, 2, 0, 5, read_leaf, &leaves), WB_ELIMIT);
    assert_int_equal(wb_tlog_stored_prove_inclusion(proof, &len, 2, 0, 5, read_stored, &hashes),
                     WB_ELIMIT);
    assert_int_equal(wb_tlog_stored_prove_consistency(proof, &len, 1, 1, 5, read_stored, &hashes),
                     WB_ELIMIT);
    leaves.fail_at = 3;
    assert_int_equal(wb_tlog_prove_inclusion(proof, &len, 64, 0, 5, read_leaf, &leaves), WB_EIO);
    assert_string_equal(wb_error_last(), "test: leaf 3 unreadable");
    assert_int_equal(wb_tlog_root(&root, 5, read_leaf, &leaves), WB_EIO);
    assert_int_equal(wb_tlog_prove_consistency(proof, &len, 65, 2, 5, read_leaf, &leaves), WB_EIO);
    hashes.fail = 1;
    assert_int_equal(wb_tlog_stored_root(&root, 5, read_stored, &hashes), WB_EIO);
    assert_int_equal(wb_tlog_stored_prove_inclusion(proof, &len, 64, 0, 5, read_stored, &hashes),
                     WB_EIO);
    assert_int_equal(wb_tlog_stored_prove_consistency(proof, &len, 65, 2, 5, read_stored, &hashes),
                     WB_EIO);
    assert_int_equal(wb_tlog_root(NULL, 5, read_leaf, &leaves), WB_EINVAL);
    assert_int_equal(wb_tlog_leaf_hash(&root, NULL, 1), WB_EINVAL);
    assert_int_equal(wb_tlog_node_hash(&root, NULL, &root), WB_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_known_answers),
        cmocka_unit_test(test_vectors_inclusion),
        cmocka_unit_test(test_vectors_consistency),
        cmocka_unit_test(test_stored_layout),
        cmocka_unit_test(test_append),
        cmocka_unit_test(test_trees_against_naive),
        cmocka_unit_test(test_huge_trees),
        cmocka_unit_test(test_rejections),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
