/*
 * witness.h: a transparency log witness (c2sp.org/tlog-witness) that
 * cosigns checkpoints (c2sp.org/tlog-cosignature, Ed25519 v1).
 *
 * A witness keeps, per log, the last checkpoint it cosigned, and cosigns a
 * new checkpoint of that log only when it is consistent with that one: a
 * larger tree must come with a consistency proof from the recorded tree, the
 * same size must have the same root (another root is a fork: the log shows
 * two views), a smaller size is a rollback. Clients that require
 * cosignatures from witnesses they trust so cannot be shown a split view.
 *
 * The state is a directory (docs/formats/witness.md):
 *     lock                  serializes witnesses (flock), held for the whole
 *                           check-and-record step the spec requires atomic
 *     <hex SHA-256 of the origin>.checkpoint
 *                           the last cosigned checkpoint of that log: the
 *                           full signed note, re-verified with the log key
 *                           (and its origin checked) every time it is read
 * The origin names no file (it may hold '/'); files are opened with
 * O_NOFOLLOW relative to the directory, and the state is replaced with an
 * atomic, fsync()ed rename before any cosignature leaves the library.
 *
 * wb_witness_cosign() serves `waybill log witness` (a JSON proof file);
 * wb_witness_add_parse() and wb_witness_add_checkpoint() serve the HTTP
 * add-checkpoint call (waybilld), with the same state and lock.
 */
#ifndef WAYBILL_WITNESS_H
#define WAYBILL_WITNESS_H

#include <stdbool.h>

#include "common.h"
#include "key.h"
#include "note.h"
#include "tlog.h"

WB_BEGIN_DECLS

/* Bound on a consistency proof file (JSON): 65 hashes and room around. */
#define WB_WITNESS_PROOF_MAX_SIZE ((size_t)64 << 10)

/* A consistency proof as `waybill log consistency --json` prints it:
 * {"from", "to", "old_root", "new_root", "proof": [base64, ...]}. */
typedef struct wb_witness_proof {
    uint64_t from, to;
    wb_tlog_hash old_root, new_root;
    wb_tlog_hash hashes[WB_TLOG_MAX_CONSISTENCY_PROOF];
    size_t n_hashes;
} wb_witness_proof;

/* What a successful wb_witness_cosign() hands back. */
typedef struct wb_witness_result {
    char *cosigned; /* the checkpoint note with the witness's cosignature line
                     * appended (NUL-terminated) */
    size_t cosigned_len;
    char *cosignature; /* that cosignature line alone, with its newline
                        * (NUL-terminated): the body of an add-checkpoint
                        * answer */
    size_t cosignature_len;
    char *origin;           /* the log's origin (NUL-terminated) */
    uint64_t size;          /* the cosigned tree size */
    wb_tlog_hash root;      /* and root */
    char root_b64[45];      /* the root in base64 (NUL-terminated) */
    bool had_state;         /* the witness had cosigned this log before */
    uint64_t previous_size; /* the size it had cosigned (0 when none) */
} wb_witness_result;

/* Parse a consistency proof file of `len` bytes strictly: exactly the five
 * members, sizes that are non-negative integers with from <= to, roots and
 * hashes in standard padded base64 of exactly 32 bytes each, at most
 * WB_TLOG_MAX_CONSISTENCY_PROOF hashes, at most WB_WITNESS_PROOF_MAX_SIZE
 * bytes. `what` names the input in messages. WB_EFORMAT or WB_ELIMIT. */
WB_EXTERN int wb_witness_proof_parse(wb_witness_proof *out, const char *json, size_t len,
                                     const char *what);

/* A cosigner (type WB_NOTE_COSIGNATURE_V1) called `name` from a waybill
 * Ed25519 private key (as `waybill keygen` writes it). Free with
 * wb_note_signer_free(). WB_EINVAL for another key type or a public key. */
WB_EXTERN int wb_witness_signer_from_key(wb_note_signer **out, const wb_key *key, const char *name);

/* Witness the signed checkpoint `checkpoint` (`len` bytes) of the log whose
 * Ed25519 verifier is `log_key` (its name is the origin), with the state in
 * `state_dir` (created with mode 0700 when missing), and cosign it with
 * `witness` (type WB_NOTE_COSIGNATURE_V1) at `timestamp` (POSIX seconds).
 * `proof` (may be NULL) is the consistency proof from the tree this witness
 * last cosigned for the log; its from/old_root must be that tree's and its
 * to/new_root the checkpoint's.
 *
 * Under an exclusive lock on the state: verifies the checkpoint, loads and
 * re-verifies the state, applies the rules (no state: cosign, a proof must
 * be empty; smaller: rollback; same size: the same root, or a fork; larger:
 * the proof must verify), records the cosigned checkpoint durably, and only
 * then fills *out (release with wb_witness_result_clear()).
 *
 * WB_EVERIFY when the witness refuses (bad signature or origin, rollback,
 * fork, missing or failing proof), with a message saying why; WB_EFORMAT
 * for a malformed checkpoint or a state file that is corrupt or no longer
 * verifies (never reset silently); WB_EIO, WB_EPERM (a state directory
 * writable by others), WB_ENOMEM. On any error the state is unchanged, with
 * one exception: an error syncing the directory after the new state's
 * rename leaves the new state recorded although no cosignature is returned,
 * which is safe (it is the checkpoint just verified). */
WB_EXTERN WB_MUST_CHECK int wb_witness_cosign(wb_witness_result *out, const char *state_dir,
                                              const wb_note_signer *witness,
                                              const wb_note_verifier *log_key,
                                              const char *checkpoint, size_t len,
                                              const wb_witness_proof *proof, uint64_t timestamp);

/* --- the HTTP add-checkpoint call (c2sp.org/tlog-witness) --- */

/* Bounds on an add-checkpoint request: the spec's at most 63 proof lines,
 * and a body of the old size line, those lines and one signed note. */
#define WB_WITNESS_ADD_MAX_PROOF 63
#define WB_WITNESS_ADD_MAX_SIZE  ((size_t)(32 + WB_WITNESS_ADD_MAX_PROOF * 45 + WB_NOTE_MAX_SIZE))

/* A parsed add-checkpoint request body. */
typedef struct wb_witness_add {
    uint64_t old_size; /* the "old N" line */
    wb_tlog_hash proof[WB_WITNESS_ADD_MAX_PROOF];
    size_t n_proof;
    const char *checkpoint; /* the signed checkpoint note, pointing into the body */
    size_t checkpoint_len;
    const char *origin; /* its first line (not verified yet), pointing into the body */
    size_t origin_len;
} wb_witness_add;

/* Parse an add-checkpoint request body of `len` bytes strictly: "old N\n"
 * (decimal, no sign, no leading zeros), at most WB_WITNESS_ADD_MAX_PROOF
 * lines each of a hash in standard padded base64 (44 characters), an empty
 * line, then the signed checkpoint, whose first line (the origin) must be
 * non-empty and end in a newline. Nothing is verified. The pointers in
 * *out point into `body`. WB_EFORMAT (the message says what is wrong) or
 * WB_ELIMIT (more than WB_WITNESS_ADD_MAX_SIZE bytes or too many lines). */
WB_EXTERN int wb_witness_add_parse(wb_witness_add *out, const char *body, size_t len);

/* What the witness made of an add-checkpoint request: the HTTP status the
 * spec gives each case is in the comment. */
typedef enum wb_witness_verdict {
    WB_WITNESS_COSIGNED = 0,  /* 200 */
    WB_WITNESS_FAILED,        /* 500: not a refusal, an error (I/O, a corrupt state) */
    WB_WITNESS_MALFORMED,     /* 400: the checkpoint does not parse, or old > its size */
    WB_WITNESS_BAD_SIGNATURE, /* 403: the log key's signature does not verify */
    WB_WITNESS_CONFLICT,      /* 409: old is not the size this witness recorded */
    WB_WITNESS_FORK,          /* 409: the recorded size, with another root */
    WB_WITNESS_BAD_PROOF,     /* 422: the consistency proof does not verify */
} wb_witness_verdict;

/* The add-checkpoint call: like wb_witness_cosign(), under the same lock
 * and with the same durable state, but with the spec's request: the old
 * size the client believes the witness holds and the proof hashes from it
 * to the checkpoint (roots come from the state and the checkpoint). The
 * checkpoint must verify with `log_key` (its name is the origin).
 *
 * 0 and *out filled (release with wb_witness_result_clear()) when
 * cosigned and recorded. Otherwise a negative code, *verdict_out says
 * which case it is, and for WB_WITNESS_CONFLICT and WB_WITNESS_FORK
 * *recorded_size_out (may be NULL) gets the size this witness last
 * cosigned for the origin (0 when none). Refusals are WB_EVERIFY
 * (WB_EFORMAT for WB_WITNESS_MALFORMED); WB_WITNESS_FAILED comes with
 * the error codes of wb_witness_cosign(). The state is changed only on
 * success. */
WB_EXTERN WB_MUST_CHECK int
wb_witness_add_checkpoint(wb_witness_result *out, wb_witness_verdict *verdict_out,
                          uint64_t *recorded_size_out, const char *state_dir,
                          const wb_note_signer *witness, const wb_note_verifier *log_key,
                          const wb_witness_add *request, uint64_t timestamp);

/* Free what a result holds and zero it; NULL is a no-op. */
WB_EXTERN void wb_witness_result_clear(wb_witness_result *result);

/* The path of the state file for `origin` in `state_dir` (wb_free()). */
WB_EXTERN int wb_witness_state_path(char **out, const char *state_dir, const char *origin);

/* Write `len` bytes (a cosigned checkpoint) to `path` atomically (temporary
 * file, fsync, rename), mode 0644, replacing what is there. */
WB_EXTERN int wb_witness_save(const char *path, const char *text, size_t len);

WB_END_DECLS

#endif
