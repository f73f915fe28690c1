/*
 * tlog.h: the Merkle tree of the ledger (RFC 6962 / RFC 9162 section 2.1).
 *
 * Hashing: leaf hash = SHA-256(0x00 || entry), node hash = SHA-256(0x01 ||
 * left || right); the hash of n leaves is MTH of RFC 9162 section 2.1.1,
 * split at the largest power of two smaller than n; the empty tree hashes
 * to SHA-256 of nothing.
 *
 * Nothing here stores anything. Callers hand in hashes through callbacks in
 * one of two shapes:
 *
 *  - a leaf reader (wb_tlog_leaf_reader) that returns the hash of leaf i:
 *    simple, but roots and proofs then cost O(n) hashing;
 *  - a stored-hash reader (wb_tlog_hash_reader) over the whole tree of node
 *    hashes kept in "stored hash" order: the hashes are numbered in the order
 *    they become computable while leaves are appended (leaf 0, leaf 1, their
 *    parent, leaf 2, ...), so a log appends in O(log n) hashes
 *    (wb_tlog_stored_hashes_append) and proves in O(log n) reads, each done
 *    in one batched callback. This is the layout of Go's sumdb/tlog (facts
 *    only; the code is ours).
 *
 * Verification follows RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step,
 * after checking that the proof has exactly the number of hashes the sizes
 * call for; the final root comparison is constant-time.
 *
 * A Merkle hash is a wb_tlog_hash (32 bytes in a struct) rather than a bare
 * unsigned char[32] so that arrays of them pass as const without the casts
 * that ISO C11 requires for pointers to arrays.
 */
#ifndef WAYBILL_TLOG_H
#define WAYBILL_TLOG_H

#include "common.h"

WB_BEGIN_DECLS

#define WB_TLOG_HASH_LEN 32

/* The longest inclusion proof: ceil(log2(size)) for a size below 2^64. */
#define WB_TLOG_MAX_INCLUSION_PROOF 64
/* The longest consistency proof: ceil(log2(size)) + 1 (one extra hash when
 * the old tree is not a complete left subtree of the new one). */
#define WB_TLOG_MAX_CONSISTENCY_PROOF 65
/* The most hashes appending one leaf stores: the leaf and one per level
 * it completes. */
#define WB_TLOG_MAX_STORED_PER_LEAF 64
/* The stored-hash layout numbers hashes with 64 bits; trees built with it
 * may hold at most this many leaves. */
#define WB_TLOG_STORED_MAX_SIZE ((uint64_t)1 << 62)

typedef struct wb_tlog_hash {
    unsigned char bytes[WB_TLOG_HASH_LEN];
} wb_tlog_hash;

/* Write the hash of leaf `index` to *out; return 0 or a negative WB_E*
 * code (with a message set), which the caller passes through. */
typedef int (*wb_tlog_leaf_reader)(wb_tlog_hash *out, uint64_t index, void *payload);

/* Write the stored hashes at `indexes[0..count)` to out[0..count); return 0
 * or a negative WB_E* code (with a message set), which is passed through. */
typedef int (*wb_tlog_hash_reader)(wb_tlog_hash *out, const uint64_t *indexes, size_t count,
                                   void *payload);

/* --- hashing --- */

/* SHA-256(0x00 || entry[0..len)). */
WB_EXTERN int wb_tlog_leaf_hash(wb_tlog_hash *out, const void *entry, size_t len);

/* SHA-256(0x01 || left || right). `out` may alias either input. */
WB_EXTERN int wb_tlog_node_hash(wb_tlog_hash *out, const wb_tlog_hash *left,
                                const wb_tlog_hash *right);

/* SHA-256 of the empty string: the root of the empty tree. */
WB_EXTERN void wb_tlog_empty_root(wb_tlog_hash *out);

/* --- over a leaf reader: O(n) hashing --- */

/* The root of the first `size` leaves (the empty-tree hash for 0). */
WB_EXTERN int wb_tlog_root(wb_tlog_hash *out, uint64_t size, wb_tlog_leaf_reader read_leaf,
                           void *payload);

/* The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162
 * 2.1.3.1, PATH), lowest level first, into proof_out[0..*proof_len) of
 * capacity `proof_cap` (WB_TLOG_MAX_INCLUSION_PROOF always suffices).
 * WB_EINVAL when index >= size, WB_ELIMIT when the proof does not fit. */
WB_EXTERN int wb_tlog_prove_inclusion(wb_tlog_hash *proof_out, size_t *proof_len, size_t proof_cap,
                                      uint64_t index, uint64_t size, wb_tlog_leaf_reader read_leaf,
                                      void *payload);

/* The consistency proof from the tree of `old_size` leaves to the tree of
 * `new_size` leaves (RFC 9162 2.1.4.1, PROOF), into proof_out[0..*proof_len)
 * (WB_TLOG_MAX_CONSISTENCY_PROOF always suffices). The RFC defines proofs for
 * 0 < old_size <= new_size; the proof is empty when the sizes are equal.
 * WB_EINVAL otherwise. */
WB_EXTERN int wb_tlog_prove_consistency(wb_tlog_hash *proof_out, size_t *proof_len,
                                        size_t proof_cap, uint64_t old_size, uint64_t new_size,
                                        wb_tlog_leaf_reader read_leaf, void *payload);

/* --- the stored-hash layout --- */

/* The stored-hash index of the node at `level` (0 = leaves) and position
 * `n` within that level, which covers leaves [n * 2^level, (n+1) * 2^level).
 * UINT64_MAX when level > 62 or the node lies beyond
 * WB_TLOG_STORED_MAX_SIZE leaves. */
WB_EXTERN uint64_t wb_tlog_stored_hash_index(unsigned level, uint64_t n);

/* How many hashes a tree of `size` leaves stores (2 * size - popcount(size)),
 * which is also the index of the first hash appending leaf `size` stores.
 * UINT64_MAX when size > WB_TLOG_STORED_MAX_SIZE. */
WB_EXTERN uint64_t wb_tlog_stored_hash_count(uint64_t size);

/* The hashes to store when appending leaf `index` (the tree grows from
 * `index` to `index + 1` leaves) whose leaf hash is `leaf_hash`: the leaf
 * hash itself, then the hash of every subtree the leaf completes, lowest
 * first, into out[0..*count) (capacity `out_cap`; at most
 * WB_TLOG_MAX_STORED_PER_LEAF). They belong at stored indexes
 * wb_tlog_stored_hash_count(index) onwards. Reads the left siblings through
 * `read_hashes`, in one call (none for an even index). */
WB_EXTERN int wb_tlog_stored_hashes_append(wb_tlog_hash *out, size_t *count, size_t out_cap,
                                           uint64_t index, const wb_tlog_hash *leaf_hash,
                                           wb_tlog_hash_reader read_hashes, void *payload);

/* The root of the first `size` leaves, from popcount(size) stored hashes. */
WB_EXTERN int wb_tlog_stored_root(wb_tlog_hash *out, uint64_t size, wb_tlog_hash_reader read_hashes,
                                  void *payload);

/* wb_tlog_prove_inclusion over stored hashes: O(log size) reads, one call. */
WB_EXTERN int wb_tlog_stored_prove_inclusion(wb_tlog_hash *proof_out, size_t *proof_len,
                                             size_t proof_cap, uint64_t index, uint64_t size,
                                             wb_tlog_hash_reader read_hashes, void *payload);

/* wb_tlog_prove_consistency over stored hashes: O(log size) reads, one call. */
WB_EXTERN int wb_tlog_stored_prove_consistency(wb_tlog_hash *proof_out, size_t *proof_len,
                                               size_t proof_cap, uint64_t old_size,
                                               uint64_t new_size, wb_tlog_hash_reader read_hashes,
                                               void *payload);

/* --- verification (RFC 9162 2.1.3.2 and 2.1.4.2) --- */

/* The number of hashes in the inclusion proof of leaf `index` in a tree of
 * `size` leaves (0 when index >= size: there is no such proof). */
WB_EXTERN size_t wb_tlog_inclusion_proof_size(uint64_t index, uint64_t size);

/* The number of hashes in the consistency proof from `old_size` to
 * `new_size` (0 when the sizes are equal or out of order). */
WB_EXTERN size_t wb_tlog_consistency_proof_size(uint64_t old_size, uint64_t new_size);

/* 0 when `proof` (proof_len hashes, lowest level first) proves that the leaf
 * whose leaf hash is `leaf_hash` is leaf `index` of the tree of `size`
 * leaves with root `root`. WB_EVERIFY (message says why) when it does not:
 * index >= size, a proof of the wrong length, or a root that differs. */
WB_EXTERN WB_MUST_CHECK int wb_tlog_verify_inclusion(const wb_tlog_hash *leaf_hash, uint64_t index,
                                                     uint64_t size, const wb_tlog_hash *proof,
                                                     size_t proof_len, const wb_tlog_hash *root);

/* 0 when `proof` proves that the tree of `old_size` leaves with root
 * `old_root` is a prefix of the tree of `new_size` leaves with root
 * `new_root`. Equal sizes need an empty proof and equal roots. WB_EVERIFY
 * otherwise, including for old_size 0 (the RFC defines no proof from the
 * empty tree; a client with no earlier tree needs none) and for
 * old_size > new_size. */
WB_EXTERN WB_MUST_CHECK int wb_tlog_verify_consistency(uint64_t old_size, uint64_t new_size,
                                                       const wb_tlog_hash *proof, size_t proof_len,
                                                       const wb_tlog_hash *old_root,
                                                       const wb_tlog_hash *new_root);

WB_END_DECLS

#endif
