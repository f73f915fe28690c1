/*
 * tlog.c: RFC 9162 Merkle tree hashing, proofs and their verification.
 *
 * Every proof hash is the Merkle tree hash (MTH) of a range of leaves
 * [lo, hi). The proof algorithms of RFC 9162 (PATH in section 2.1.3.1,
 * PROOF and SUBPROOF in section 2.1.4.1) are recursive over such ranges; here
 * they walk down from the root once and record the ranges they would return,
 * in the RFC's order. Only then are the ranges hashed, by one of two
 * back ends:
 *
 *  - from a leaf reader: each range is folded leaf by leaf with a stack of
 *    complete subtrees (O(range) hashes, O(log n) memory);
 *  - from stored hashes: each range splits into at most 64 complete
 *    subtrees, whose hashes are already stored; all the stored indexes a
 *    proof needs are read in one callback and folded.
 *
 * Both rely on a property of the ranges the recursion produces: each starts
 * at a multiple of the largest power of two not above its length, so its
 * complete subtrees are exactly the binary decomposition of its length, left
 * to right, and the MTH of the range is those subtree hashes folded from the
 * right: MTH = H(s1, H(s2, ... H(s[k-1], s[k]))).
 *
 * Stored-hash order: appending leaf i stores its leaf hash, then the hash of
 * each subtree it completes (one per trailing 1 bit of i). So before leaf i
 * there are 2i - popcount(i) stored hashes, and the subtree at level L,
 * position n, which its last leaf j = (n+1) * 2^L - 1 completes, is stored at
 * (2j - popcount(j)) + L.
 *
 * Verification is RFC 9162 sections 2.1.3.2 and 2.1.4.2, step by step, with
 * the RFC's variable names (fn, sn, r, fr, sr). Before running it the proof's
 * length is checked against the exact length the sizes call for: the RFC
 * algorithm would reject a wrong length too, but an up-front check gives a
 * clear message and bounds the work. Sizes and indexes are untrusted input
 * there, so every failure is WB_EVERIFY with a message that says which check
 * failed.
 */
#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "internal.h"
#include "waybill/tlog.h"

/* ranges in one proof: at most 64 siblings plus the terminal of SUBPROOF */
#define MAX_RANGES (WB_TLOG_MAX_CONSISTENCY_PROOF)
/* stored hashes one proof reads: every range is one complete subtree except
 * at most one that ends at the right edge of the tree (up to 64 subtrees) */
#define MAX_PROOF_READS (MAX_RANGES + 64)

typedef struct {
    uint64_t lo, hi; /* leaves [lo, hi) */
} leaf_range;

static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;

static void fetch_sha256(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256(void)
{
    pthread_once(&sha256_once, fetch_sha256);
    return sha256_md;
}

/* --- hashing --- */

int wb_tlog_leaf_hash(wb_tlog_hash *out, const void *entry, size_t len)
{
    static const unsigned char leaf_prefix = 0x00;
    const EVP_MD *md = sha256();
    EVP_MD_CTX *ctx;
    int ok;

    if (!out || (!entry && len))
        return wb_error_set(WB_EINVAL, "tlog: leaf hash: invalid argument");
    if (!md)
        return wb_error_set(WB_ECRYPTO, "tlog: SHA-256 is not available");
    ctx = EVP_MD_CTX_new();
    if (!ctx)
        return wb_error_set(WB_ENOMEM, "tlog: out of memory");
    ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, &leaf_prefix, 1) == 1 &&
         (len == 0 || EVP_DigestUpdate(ctx, entry, len) == 1) &&
         EVP_DigestFinal_ex(ctx, out->bytes, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : wb_error_set(WB_ECRYPTO, "tlog: leaf hash failed");
}

int wb_tlog_node_hash(wb_tlog_hash *out, const wb_tlog_hash *left, const wb_tlog_hash *right)
{
    unsigned char input[1 + 2 * WB_TLOG_HASH_LEN];
    const EVP_MD *md = sha256();

    if (!out || !left || !right)
        return wb_error_set(WB_EINVAL, "tlog: node hash: invalid argument");
    if (!md)
        return wb_error_set(WB_ECRYPTO, "tlog: SHA-256 is not available");
    /* copy both children first so that `out` may be one of them */
    input[0] = 0x01;
    memcpy(input + 1, left->bytes, WB_TLOG_HASH_LEN);
    memcpy(input + 1 + WB_TLOG_HASH_LEN, right->bytes, WB_TLOG_HASH_LEN);
    if (EVP_Digest(input, sizeof(input), out->bytes, NULL, md, NULL) != 1)
        return wb_error_set(WB_ECRYPTO, "tlog: node hash failed");
    return 0;
}

void wb_tlog_empty_root(wb_tlog_hash *out)
{
    static const unsigned char empty_sha256[WB_TLOG_HASH_LEN] = {
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
        0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
        0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
    };
    memcpy(out->bytes, empty_sha256, WB_TLOG_HASH_LEN);
}

/* --- tree shape --- */

/* The largest power of two strictly below n (n >= 2): the RFC's k. */
static uint64_t split_point(uint64_t n)
{
    assert(n >= 2);
    return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

/* PATH(index, D[0:size]) as ranges, lowest level first. */
static size_t inclusion_ranges(leaf_range *out, uint64_t index, uint64_t size)
{
    uint64_t lo = 0, hi = size;
    size_t count = 0, i;

    assert(index < size);
    while (hi - lo > 1) {
        uint64_t k = split_point(hi - lo);
        if (index - lo < k) {
            out[count++] = (leaf_range){lo + k, hi};
            hi = lo + k;
        } else {
            out[count++] = (leaf_range){lo, lo + k};
            lo += k;
        }
    }
    /* the walk found the siblings top down; PATH lists them bottom up */
    for (i = 0; i < count / 2; i++) {
        leaf_range t = out[i];
        out[i] = out[count - 1 - i];
        out[count - 1 - i] = t;
    }
    return count;
}

/* PROOF(old_size, D[0:new_size]) = SUBPROOF(old_size, D[0:new_size], true)
 * as ranges, in the RFC's order: the terminal MTH(D[lo:hi]) when b ended
 * false, then the siblings, lowest level first. 0 < old_size <= new_size. */
static size_t consistency_ranges(leaf_range *out, uint64_t old_size, uint64_t new_size)
{
    leaf_range siblings[MAX_RANGES];
    uint64_t lo = 0, hi = new_size;
    size_t count = 0, n_siblings = 0;
    bool b = true;

    assert(old_size > 0 && old_size <= new_size);
    /* invariant: lo < old_size <= hi; SUBPROOF stops when old_size == hi */
    while (old_size != hi) {
        uint64_t k = split_point(hi - lo);
        if (old_size - lo <= k) {
            siblings[n_siblings++] = (leaf_range){lo + k, hi};
            hi = lo + k;
        } else {
            siblings[n_siblings++] = (leaf_range){lo, lo + k};
            lo += k;
            b = false;
        }
    }
    if (!b)
        out[count++] = (leaf_range){lo, hi};
    while (n_siblings > 0)
        out[count++] = siblings[--n_siblings];
    return count;
}

size_t wb_tlog_inclusion_proof_size(uint64_t index, uint64_t size)
{
    leaf_range ranges[MAX_RANGES];
    if (index >= size)
        return 0;
    return inclusion_ranges(ranges, index, size);
}

size_t wb_tlog_consistency_proof_size(uint64_t old_size, uint64_t new_size)
{
    leaf_range ranges[MAX_RANGES];
    if (old_size == 0 || old_size >= new_size)
        return 0;
    return consistency_ranges(ranges, old_size, new_size);
}

/* --- hashing ranges from a leaf reader --- */

/* MTH(D[lo:hi]) for a range as described at the top of the file. */
static int leaf_range_hash(wb_tlog_hash *out, leaf_range range, wb_tlog_leaf_reader read_leaf,
                           void *payload)
{
    wb_tlog_hash stack[65];
    size_t depth = 0;
    uint64_t i;
    int rc;

    if (range.hi == range.lo) {
        wb_tlog_empty_root(out);
        return 0;
    }
    for (i = range.lo; i < range.hi; i++) {
        uint64_t done;
        rc = read_leaf(&stack[depth], i, payload);
        if (rc < 0)
            return rc;
        depth++;
        /* each trailing zero of the count so far closes a complete subtree */
        for (done = i - range.lo + 1; (done & 1) == 0; done >>= 1) {
            rc = wb_tlog_node_hash(&stack[depth - 2], &stack[depth - 2], &stack[depth - 1]);
            if (rc < 0)
                return rc;
            depth--;
        }
    }
    while (depth > 1) {
        rc = wb_tlog_node_hash(&stack[depth - 2], &stack[depth - 2], &stack[depth - 1]);
        if (rc < 0)
            return rc;
        depth--;
    }
    *out = stack[0];
    return 0;
}

static int prove_from_leaves(wb_tlog_hash *proof_out, size_t *proof_len, size_t proof_cap,
                             const leaf_range *ranges, size_t count, wb_tlog_leaf_reader read_leaf,
                             void *payload)
{
    size_t i;
    int rc;

    if (count > proof_cap)
        return wb_error_set(WB_ELIMIT, "tlog: the proof has %zu hashes; room for %zu", count,
                            proof_cap);
    for (i = 0; i < count; i++) {
        rc = leaf_range_hash(&proof_out[i], ranges[i], read_leaf, payload);
        if (rc < 0)
            return rc;
    }
    *proof_len = count;
    return 0;
}

int wb_tlog_root(wb_tlog_hash *out, uint64_t size, wb_tlog_leaf_reader read_leaf, void *payload)
{
    if (!out || !read_leaf)
        return wb_error_set(WB_EINVAL, "tlog: root: invalid argument");
    return leaf_range_hash(out, (leaf_range){0, size}, read_leaf, payload);
}

int wb_tlog_prove_inclusion(wb_tlog_hash *proof_out, size_t *proof_len, size_t proof_cap,
                            uint64_t index, uint64_t size, wb_tlog_leaf_reader read_leaf,
                            void *payload)
{
    leaf_range ranges[MAX_RANGES];
    size_t count;

    if (!proof_out || !proof_len || !read_leaf)
        return wb_error_set(WB_EINVAL, "tlog: inclusion proof: invalid argument");
    if (index >= size)
        return wb_error_set(WB_EINVAL,
                            "tlog: inclusion proof: leaf %" PRIu64 " is not in a tree of %" PRIu64
                            " leaves",
                            index, size);
    count = inclusion_ranges(ranges, index, size);
    return prove_from_leaves(proof_out, proof_len, proof_cap, ranges, count, read_leaf, payload);
}

int wb_tlog_prove_consistency(wb_tlog_hash *proof_out, size_t *proof_len, size_t proof_cap,
                              uint64_t old_size, uint64_t new_size, wb_tlog_leaf_reader read_leaf,
                              void *payload)
{
    leaf_range ranges[MAX_RANGES];
    size_t count;

    if (!proof_out || !proof_len || !read_leaf)
        return wb_error_set(WB_EINVAL, "tlog: consistency proof: invalid argument");
    if (old_size == 0 || old_size > new_size)
        return wb_error_set(WB_EINVAL,
                            "tlog: consistency proof: no proof from %" PRIu64 " to %" PRIu64
                            " leaves (0 < old size <= new size)",
                            old_size, new_size);
    count = consistency_ranges(ranges, old_size, new_size);
    return prove_from_leaves(proof_out, proof_len, proof_cap, ranges, count, read_leaf, payload);
}

/* --- the stored-hash layout --- */

uint64_t wb_tlog_stored_hash_count(uint64_t size)
{
    if (size > WB_TLOG_STORED_MAX_SIZE)
        return UINT64_MAX;
    return 2 * size - (uint64_t)__builtin_popcountll(size);
}

uint64_t wb_tlog_stored_hash_index(unsigned level, uint64_t n)
{
    uint64_t last_leaf;

    /* the subtree ends at leaf (n+1) * 2^level, which must be in range */
    if (level > 62 || n >= (WB_TLOG_STORED_MAX_SIZE >> level))
        return UINT64_MAX;
    last_leaf = ((n + 1) << level) - 1;
    return wb_tlog_stored_hash_count(last_leaf) + level;
}

/* Append to indexes[] the stored indexes of the complete subtrees of a range
 * (largest first); returns how many, or 0 when the range is out of bounds. */
static size_t range_subtrees(uint64_t *indexes, leaf_range range)
{
    uint64_t pos = range.lo, length = range.hi - range.lo;
    size_t count = 0;
    int level;

    for (level = 63; level >= 0; level--) {
        uint64_t width = (uint64_t)1 << level;
        if (!(length & width))
            continue;
        assert((pos & (width - 1)) == 0);
        indexes[count] = wb_tlog_stored_hash_index((unsigned)level, pos >> level);
        if (indexes[count] == UINT64_MAX)
            return 0;
        count++;
        pos += width;
    }
    return count;
}

/* Fold the subtree hashes of one range from the right into its MTH. */
static int fold_subtrees(wb_tlog_hash *out, const wb_tlog_hash *subtrees, size_t count)
{
    wb_tlog_hash acc;
    size_t i;
    int rc;

    assert(count > 0);
    acc = subtrees[count - 1];
    for (i = count - 1; i > 0; i--) {
        rc = wb_tlog_node_hash(&acc, &subtrees[i - 1], &acc);
        if (rc < 0)
            return rc;
    }
    *out = acc;
    return 0;
}

/* Hash `count` ranges from stored hashes, reading them all in one call. */
static int hash_ranges_stored(wb_tlog_hash *out, const leaf_range *ranges, size_t count,
                              wb_tlog_hash_reader read_hashes, void *payload, const char *what)
{
    uint64_t indexes[MAX_PROOF_READS];
    wb_tlog_hash hashes[MAX_PROOF_READS];
    size_t per_range[MAX_RANGES];
    size_t total = 0, used = 0, i;
    int rc;

    assert(count <= MAX_RANGES);
    for (i = 0; i < count; i++) {
        uint64_t length = ranges[i].hi - ranges[i].lo;
        if (total + (size_t)__builtin_popcountll(length) > MAX_PROOF_READS)
            return wb_error_set(WB_EINTERNAL, "tlog: %s: more than %d stored hashes to read", what,
                                MAX_PROOF_READS);
        per_range[i] = range_subtrees(indexes + total, ranges[i]);
        if (per_range[i] == 0)
            return wb_error_set(WB_EINVAL,
                                "tlog: %s: leaves %" PRIu64 "..%" PRIu64
                                " are beyond the stored-hash layout",
                                what, ranges[i].lo, ranges[i].hi);
        total += per_range[i];
    }
    if (total > 0) {
        rc = read_hashes(hashes, indexes, total, payload);
        if (rc < 0)
            return rc;
    }
    for (i = 0; i < count; i++) {
        rc = fold_subtrees(&out[i], hashes + used, per_range[i]);
        if (rc < 0)
            return rc;
        used += per_range[i];
    }
    return 0;
}

int wb_tlog_stored_root(wb_tlog_hash *out, uint64_t size, wb_tlog_hash_reader read_hashes,
                        void *payload)
{
    leaf_range all = {0, size};

    if (!out || !read_hashes)
        return wb_error_set(WB_EINVAL, "tlog: root: invalid argument");
    if (size > WB_TLOG_STORED_MAX_SIZE)
        return wb_error_set(WB_EINVAL, "tlog: root: %" PRIu64 " leaves exceed the stored layout",
                            size);
    if (size == 0) {
        wb_tlog_empty_root(out);
        return 0;
    }
    return hash_ranges_stored(out, &all, 1, read_hashes, payload, "root");
}

int wb_tlog_stored_prove_inclusion(wb_tlog_hash *proof_out, size_t *proof_len, size_t proof_cap,
                                   uint64_t index, uint64_t size, wb_tlog_hash_reader read_hashes,
                                   void *payload)
{
    leaf_range ranges[MAX_RANGES];
    size_t count;
    int rc;

    if (!proof_out || !proof_len || !read_hashes)
        return wb_error_set(WB_EINVAL, "tlog: inclusion proof: invalid argument");
    if (index >= size)
        return wb_error_set(WB_EINVAL,
                            "tlog: inclusion proof: leaf %" PRIu64 " is not in a tree of %" PRIu64
                            " leaves",
                            index, size);
    if (size > WB_TLOG_STORED_MAX_SIZE)
        return wb_error_set(
            WB_EINVAL, "tlog: inclusion proof: %" PRIu64 " leaves exceed the stored layout", size);
    count = inclusion_ranges(ranges, index, size);
    if (count > proof_cap)
        return wb_error_set(WB_ELIMIT, "tlog: inclusion proof has %zu hashes; room for %zu", count,
                            proof_cap);
    rc = hash_ranges_stored(proof_out, ranges, count, read_hashes, payload, "inclusion proof");
    if (rc == 0)
        *proof_len = count;
    return rc;
}

int wb_tlog_stored_prove_consistency(wb_tlog_hash *proof_out, size_t *proof_len, size_t proof_cap,
                                     uint64_t old_size, uint64_t new_size,
                                     wb_tlog_hash_reader read_hashes, void *payload)
{
    leaf_range ranges[MAX_RANGES];
    size_t count;
    int rc;

    if (!proof_out || !proof_len || !read_hashes)
        return wb_error_set(WB_EINVAL, "tlog: consistency proof: invalid argument");
    if (old_size == 0 || old_size > new_size)
        return wb_error_set(WB_EINVAL,
                            "tlog: consistency proof: no proof from %" PRIu64 " to %" PRIu64
                            " leaves (0 < old size <= new size)",
                            old_size, new_size);
    if (new_size > WB_TLOG_STORED_MAX_SIZE)
        return wb_error_set(WB_EINVAL,
                            "tlog: consistency proof: %" PRIu64 " leaves exceed the stored layout",
                            new_size);
    count = consistency_ranges(ranges, old_size, new_size);
    if (count > proof_cap)
        return wb_error_set(WB_ELIMIT, "tlog: consistency proof has %zu hashes; room for %zu",
                            count, proof_cap);
    rc = hash_ranges_stored(proof_out, ranges, count, read_hashes, payload, "consistency proof");
    if (rc == 0)
        *proof_len = count;
    return rc;
}

int wb_tlog_stored_hashes_append(wb_tlog_hash *out, size_t *count, size_t out_cap, uint64_t index,
                                 const wb_tlog_hash *leaf_hash, wb_tlog_hash_reader read_hashes,
                                 void *payload)
{
    uint64_t indexes[WB_TLOG_MAX_STORED_PER_LEAF];
    wb_tlog_hash siblings[WB_TLOG_MAX_STORED_PER_LEAF];
    unsigned completed, level;
    int rc;

    if (!out || !count || !leaf_hash || !read_hashes)
        return wb_error_set(WB_EINVAL, "tlog: append: invalid argument");
    if (index >= WB_TLOG_STORED_MAX_SIZE)
        return wb_error_set(
            WB_EINVAL, "tlog: append: leaf %" PRIu64 " is beyond the stored-hash layout", index);
    /* leaf `index` completes one subtree per trailing 1 bit of `index` */
    completed = (unsigned)__builtin_ctzll(~index);
    if ((size_t)completed + 1 > out_cap)
        return wb_error_set(WB_ELIMIT, "tlog: append: %u hashes to store; room for %zu",
                            completed + 1, out_cap);
    for (level = 0; level < completed; level++)
        indexes[level] = wb_tlog_stored_hash_index(level, (index >> level) - 1);
    if (completed > 0) {
        rc = read_hashes(siblings, indexes, completed, payload);
        if (rc < 0)
            return rc;
    }
    out[0] = *leaf_hash;
    for (level = 1; level <= completed; level++) {
        rc = wb_tlog_node_hash(&out[level], &siblings[level - 1], &out[level - 1]);
        if (rc < 0)
            return rc;
    }
    *count = completed + 1;
    return 0;
}

/* --- verification --- */

int wb_tlog_verify_inclusion(const wb_tlog_hash *leaf_hash, uint64_t index, uint64_t size,
                             const wb_tlog_hash *proof, size_t proof_len, const wb_tlog_hash *root)
{
    wb_tlog_hash r;
    uint64_t fn, sn;
    size_t expected, i;
    int rc;

    if (!leaf_hash || !root || (!proof && proof_len))
        return wb_error_set(WB_EINVAL, "inclusion proof: invalid argument");
    /* 1. leaf_index must be below tree_size */
    if (index >= size)
        return wb_error_set(WB_EVERIFY,
                            "inclusion proof: leaf index %" PRIu64
                            " is not below the tree size %" PRIu64,
                            index, size);
    expected = wb_tlog_inclusion_proof_size(index, size);
    if (proof_len != expected)
        return wb_error_set(WB_EVERIFY,
                            "inclusion proof: %zu hashes, but leaf %" PRIu64
                            " of a tree of %" PRIu64 " leaves has a proof of %zu",
                            proof_len, index, size, expected);
    /* 2. fn = leaf_index, sn = tree_size - 1; 3. r = hash */
    fn = index;
    sn = size - 1;
    r = *leaf_hash;
    /* 4. for each p in inclusion_path */
    for (i = 0; i < proof_len; i++) {
        /* a. sn == 0: the path is too long */
        if (sn == 0)
            return wb_error_set(WB_EVERIFY, "inclusion proof: too many hashes");
        if ((fn & 1) || fn == sn) {
            /* b. r = HASH(0x01 || p || r); if LSB(fn) is not set, shift fn
             * and sn right until LSB(fn) is set or fn is 0 */
            rc = wb_tlog_node_hash(&r, &proof[i], &r);
            if (rc < 0)
                return rc;
            if (!(fn & 1)) {
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            /* otherwise r = HASH(0x01 || r || p) */
            rc = wb_tlog_node_hash(&r, &r, &proof[i]);
            if (rc < 0)
                return rc;
        }
        /* c. shift fn and sn right once */
        fn >>= 1;
        sn >>= 1;
    }
    /* 5. sn must be 0 and r must equal root_hash */
    if (sn != 0)
        return wb_error_set(WB_EVERIFY, "inclusion proof: too few hashes");
    if (!wb_digest_equal(r.bytes, root->bytes, WB_TLOG_HASH_LEN))
        return wb_error_set(WB_EVERIFY,
                            "inclusion proof: leaf %" PRIu64 " and its proof lead to a root other "
                            "than the tree head's for %" PRIu64 " leaves",
                            index, size);
    return 0;
}

int wb_tlog_verify_consistency(uint64_t old_size, uint64_t new_size, const wb_tlog_hash *proof,
                               size_t proof_len, const wb_tlog_hash *old_root,
                               const wb_tlog_hash *new_root)
{
    const wb_tlog_hash *path_first;
    wb_tlog_hash fr, sr;
    uint64_t fn, sn;
    size_t expected, path_len, i;
    bool prepend;
    int rc, first_ok, second_ok;

    if (!old_root || !new_root || (!proof && proof_len))
        return wb_error_set(WB_EINVAL, "consistency proof: invalid argument");
    if (old_size > new_size)
        return wb_error_set(WB_EVERIFY,
                            "consistency proof: the old tree (%" PRIu64
                            " leaves) is larger than the new one (%" PRIu64 ")",
                            old_size, new_size);
    if (old_size == 0)
        return wb_error_set(WB_EVERIFY, "consistency proof: there is no proof from the empty tree");
    if (old_size == new_size) {
        /* SUBPROOF(m, D[m], true) is empty: the heads must be the same */
        if (proof_len != 0)
            return wb_error_set(
                WB_EVERIFY, "consistency proof: %zu hashes between trees of equal size", proof_len);
        if (!wb_digest_equal(old_root->bytes, new_root->bytes, WB_TLOG_HASH_LEN))
            return wb_error_set(WB_EVERIFY,
                                "consistency proof: two different roots for %" PRIu64 " leaves",
                                old_size);
        return 0;
    }
    expected = wb_tlog_consistency_proof_size(old_size, new_size);
    /* 1. an empty consistency_path fails */
    if (proof_len == 0 || proof_len != expected)
        return wb_error_set(WB_EVERIFY,
                            "consistency proof: %zu hashes, but the proof from %" PRIu64
                            " to %" PRIu64 " leaves has %zu",
                            proof_len, old_size, new_size, expected);
    /* 2. if first is an exact power of 2, prepend first_hash to the path */
    prepend = (old_size & (old_size - 1)) == 0;
    path_len = proof_len + (prepend ? 1 : 0);
    path_first = prepend ? old_root : &proof[0];
    /* 3. fn = first - 1, sn = second - 1 */
    fn = old_size - 1;
    sn = new_size - 1;
    /* 4. while LSB(fn) is set, shift fn and sn right */
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    /* 5. fr = sr = the first value of the path */
    fr = *path_first;
    sr = *path_first;
    /* 6. for each subsequent value c of the path */
    for (i = 1; i < path_len; i++) {
        const wb_tlog_hash *c = prepend ? &proof[i - 1] : &proof[i];
        /* a. sn == 0: the path is too long */
        if (sn == 0)
            return wb_error_set(WB_EVERIFY, "consistency proof: too many hashes");
        if ((fn & 1) || fn == sn) {
            /* b. fr = HASH(0x01 || c || fr), sr = HASH(0x01 || c || sr);
             * if LSB(fn) is not set, shift fn and sn right until LSB(fn) is
             * set or fn is 0 */
            rc = wb_tlog_node_hash(&fr, c, &fr);
            if (rc == 0)
                rc = wb_tlog_node_hash(&sr, c, &sr);
            if (rc < 0)
                return rc;
            if (!(fn & 1)) {
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            /* otherwise sr = HASH(0x01 || sr || c) */
            rc = wb_tlog_node_hash(&sr, &sr, c);
            if (rc < 0)
                return rc;
        }
        /* c. shift fn and sn right once */
        fn >>= 1;
        sn >>= 1;
    }
    /* 7. fr must equal first_hash, sr second_hash, and sn must be 0 */
    if (sn != 0)
        return wb_error_set(WB_EVERIFY, "consistency proof: too few hashes");
    first_ok = wb_digest_equal(fr.bytes, old_root->bytes, WB_TLOG_HASH_LEN);
    second_ok = wb_digest_equal(sr.bytes, new_root->bytes, WB_TLOG_HASH_LEN);
    if (!first_ok)
        return wb_error_set(WB_EVERIFY,
                            "consistency proof: does not lead to the old root (%" PRIu64 " leaves)",
                            old_size);
    if (!second_ok)
        return wb_error_set(WB_EVERIFY,
                            "consistency proof: does not lead to the new root (%" PRIu64 " leaves)",
                            new_size);
    return 0;
}
