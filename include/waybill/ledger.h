/*
 * ledger.h: the ledger: an append-only transparency log of DSSE envelopes.
 *
 * A ledger is a directory (docs/formats/ledger.md):
 *     ledger.db    the store (SQLite): entries, stored hashes, checkpoints,
 *                  the subject digest index
 *     log.key      the log's Ed25519 signing key (PKCS#8 PEM, mode 0600)
 *     ledger.json  {"origin", "verifier_key"}: what clients need to trust it
 *     checkpoint   the latest signed checkpoint, as served (C2SP
 *                  tlog-checkpoint in a C2SP signed note)
 *     lock         serializes writers (flock)
 *
 * Each envelope is kept verbatim; the log entry the tree commits to is its
 * SHA-256 (32 bytes), and the leaf hash SHA-256(0x00 || entry) (RFC 9162).
 * A digest and not the envelope, because C2SP tlog-tiles serves entries
 * with 16-bit length prefixes (at most 65,535 bytes) and a waybill of a
 * large delivery is megabytes. Appending is in batches: the batch's
 * stored hashes, the new root and the signed checkpoint are computed first,
 * then everything goes into the store in one transaction, and only after
 * it is durable is the `checkpoint` file replaced (atomically). So a crash
 * at any moment leaves a consistent log whose checkpoint file is never ahead
 * of the store; wb_ledger_open() rewrites a checkpoint file that is behind.
 *
 * A bundle is what travels with a delivery: the envelope's exact bytes, its
 * index, an inclusion proof and the signed checkpoint the proof leads to. It
 * verifies offline (wb_bundle_verify()).
 */
#ifndef WAYBILL_LEDGER_H
#define WAYBILL_LEDGER_H

#include <jansson.h>

#include "common.h"
#include "dsse.h"
#include "key.h"
#include "note.h"
#include "store.h"
#include "tlog.h"

WB_BEGIN_DECLS

#define WB_BUNDLE_MEDIA_TYPE "application/vnd.waybill.bundle.v1+json"
/* Most envelopes one append takes. */
#define WB_LEDGER_MAX_BATCH 10000
/* Bound on a bundle file: a maximal entry in base64 and room for the rest. */
#define WB_BUNDLE_MAX_SIZE (WB_STORE_MAX_ENTRY_SIZE / 3 * 4 + ((size_t)1 << 20))

typedef struct wb_ledger wb_ledger;
typedef struct wb_bundle wb_bundle;

/* One envelope to append: its exact bytes (borrowed) and a name for
 * messages (a file name; may be NULL). */
typedef struct wb_ledger_input {
    const void *data;
    size_t len;
    const char *name;
    /* who submitted it (may be NULL: the `party` of wb_ledger_append()) */
    const char *party;
} wb_ledger_input;

/* An inclusion proof with what it proves. */
typedef struct wb_ledger_inclusion {
    uint64_t index;
    uint64_t tree_size;
    wb_tlog_hash leaf_hash;
    wb_tlog_hash root_hash;
    wb_tlog_hash proof[WB_TLOG_MAX_INCLUSION_PROOF];
    size_t proof_len;
} wb_ledger_inclusion;

/* A consistency proof with what it proves. */
typedef struct wb_ledger_consistency {
    uint64_t from;
    uint64_t to;
    wb_tlog_hash old_root;
    wb_tlog_hash new_root;
    wb_tlog_hash proof[WB_TLOG_MAX_CONSISTENCY_PROOF];
    size_t proof_len;
} wb_ledger_consistency;

/* The log entry of an envelope is the SHA-256 of its exact bytes (32
 * bytes: what the tree commits to and what tile/entries/ bundles serve;
 * docs/formats/ledger.md); its leaf hash is SHA-256(0x00 || entry).
 * *digest_out (may be NULL) gets the entry, *leaf_out the leaf hash. */
WB_EXTERN int wb_ledger_entry_hash(wb_tlog_hash *digest_out, wb_tlog_hash *leaf_out,
                                   const void *envelope, size_t len);

/* --- the log's side --- */

/* Create a ledger in `dir` (made with mode 0700 unless it exists; an
 * existing one must not hold a ledger: WB_EEXISTS) for the log called
 * `origin` (a note key name: no spaces, no '+'), signed by `key`, which must
 * be an Ed25519 private key (WB_EINVAL otherwise); the key is copied to
 * DIR/log.key. Records the empty checkpoint (size 0). *verifier_key_out
 * (may be NULL; wb_free()) gets the note verifier key
 * "origin+keyid+base64" that clients verify checkpoints with. */
WB_EXTERN int wb_ledger_init(char **verifier_key_out, const char *dir, const char *origin,
                             const wb_key *key);

/* The same with the entries in `store` (e.g. a shared PostgreSQL store),
 * borrowed: the caller frees it after the call. An empty store gets the
 * log's first checkpoint (size 0); a store that already holds this log
 * (its latest checkpoint signed by `key` for `origin`: another host's
 * directory of a shared log) is joined as it is, and one that holds another
 * log is refused (WB_EVERIFY). ledger.json records the store's kind, and
 * the directory is then opened with wb_ledger_open_store(). */
WB_EXTERN int wb_ledger_init_store(char **verifier_key_out, const char *dir, const char *origin,
                                   const wb_key *key, wb_store *store);

/* Open the ledger in `dir`: reads ledger.json, loads log.key (which must
 * match the verifier key recorded there), opens the store, checks that its
 * latest checkpoint verifies and matches the stored tree, and rewrites the
 * `checkpoint` file when it is missing or differs. Free with
 * wb_ledger_free(). */
WB_EXTERN int wb_ledger_open(wb_ledger **out, const char *dir);

/* wb_ledger_open() leaves the ledger as it finds it with this flag: no check
 * of the store's latest checkpoint, no rewriting of the checkpoint file or
 * the tiles. For audits, which must see what is served. */
#define WB_LEDGER_OPEN_NO_REPAIR 1u
WB_EXTERN int wb_ledger_open_ex(wb_ledger **out, const char *dir, unsigned flags);

/* Open the ledger in `dir` whose entries are in `store` (of the kind its
 * ledger.json records) instead of DIR/ledger.db. The ledger owns `store`
 * from the call on, also when it fails. */
WB_EXTERN int wb_ledger_open_store(wb_ledger **out, const char *dir, wb_store *store,
                                   unsigned flags);

WB_EXTERN const char *wb_ledger_origin(const wb_ledger *ledger);
/* The verifier key string, owned by the ledger. */
WB_EXTERN const char *wb_ledger_verifier_key(const wb_ledger *ledger);
/* The number of entries (the size of the latest checkpoint). */
WB_EXTERN int wb_ledger_size(uint64_t *out, wb_ledger *ledger);
/* The store, borrowed (tests and tools that read it directly). */
WB_EXTERN wb_store *wb_ledger_store(wb_ledger *ledger);

/* Append `n` envelopes (1 to WB_LEDGER_MAX_BATCH) as one batch, recording
 * `party` (may be NULL) as their submitter. Each must parse as a DSSE
 * envelope (WB_EFORMAT names which does not; nothing is appended then);
 * signatures are not checked here. The sha256 digests of the subjects of an
 * in-toto statement payload are indexed for wb_ledger_search(). indexes_out
 * (n entries; may be NULL) gets each envelope's index, and is written only
 * once the batch is durable. When the batch is durable but the checkpoint
 * file could not be written, returns WB_EIO with indexes_out filled: the
 * entries are in the log and the file is rewritten on the next open (a
 * caller tells this from other failures by presetting indexes_out, e.g. to
 * UINT64_MAX). */
WB_EXTERN int wb_ledger_append(uint64_t *indexes_out, wb_ledger *ledger,
                               const wb_ledger_input *envelopes, size_t n, const char *party);

/* An envelope made ready for appending: parsed, its subjects extracted for
 * the index, its entry and leaf hashes computed. wb_ledger_append() does
 * this itself; a server prepares each submission on the thread that
 * received it (where it also checks the envelope against its policy) and
 * hands its one writer only what is left. It borrows input->data,
 * input->name and input->party, which must outlive it. The same failures
 * as wb_ledger_append() for one envelope. */
typedef struct wb_ledger_prepared wb_ledger_prepared;
WB_EXTERN int wb_ledger_prepare(wb_ledger_prepared **out, const wb_ledger_input *input);
/* The parsed envelope, owned by `prepared`. */
WB_EXTERN const wb_envelope *wb_ledger_prepared_envelope(const wb_ledger_prepared *prepared);
WB_EXTERN void wb_ledger_prepared_free(wb_ledger_prepared *prepared);

/* wb_ledger_append() of prepared envelopes (the `party` of each comes from
 * its input). The entries stay the caller's. */
WB_EXTERN int wb_ledger_append_prepared(uint64_t *indexes_out, wb_ledger *ledger,
                                        wb_ledger_prepared *const *entries, size_t n);

/* Bring the served files (tiles, entry bundles, checkpoint) up to the
 * store's latest checkpoint, after checking it (signature, size, root) as
 * wb_ledger_open() does: for a directory over a shared store that others
 * append to. A no-op when they are current. */
WB_EXTERN int wb_ledger_sync(wb_ledger *ledger);

/* The latest signed checkpoint, as served (NUL-terminated, wb_free()). */
WB_EXTERN int wb_ledger_checkpoint(char **out, size_t *out_len, wb_ledger *ledger);

/* The inclusion proof of entry `index` in the tree of `size` entries (0: the
 * current size), from O(log size) stored hashes. WB_EINVAL when index >=
 * size or size exceeds the log. */
WB_EXTERN int wb_ledger_prove_inclusion(wb_ledger_inclusion *out, wb_ledger *ledger, uint64_t index,
                                        uint64_t size);

/* The consistency proof from the tree of `from` entries to the tree of `to`
 * entries (0: the current size); 0 < from <= to <= size (WB_EINVAL). */
WB_EXTERN int wb_ledger_prove_consistency(wb_ledger_consistency *out, wb_ledger *ledger,
                                          uint64_t from, uint64_t to);

/* {"index","tree_size","leaf_hash","root_hash","proof":[...]} with hashes in
 * standard base64 (new reference). */
WB_EXTERN int wb_ledger_inclusion_json(json_t **out, const wb_ledger_inclusion *proof);
/* {"from","to","old_root","new_root","proof":[...]} (new reference). */
WB_EXTERN int wb_ledger_consistency_json(json_t **out, const wb_ledger_consistency *proof);

/* The bundle of entry `index` against the latest checkpoint (JSON text with
 * a final newline, NUL-terminated, wb_free()). */
WB_EXTERN int wb_ledger_bundle(char **out, size_t *out_len, wb_ledger *ledger, uint64_t index);
/* The same for an entry just appended from `prepared`: its bytes and leaf
 * hash are taken from there instead of being read back from the store,
 * and the leaf hash must be the one the tree holds at `index` (WB_EFORMAT
 * otherwise: the entry at `index` is another). */
WB_EXTERN int wb_ledger_bundle_prepared(char **out, size_t *out_len, wb_ledger *ledger,
                                        uint64_t index, const wb_ledger_prepared *prepared);
/* The same, written to `path` atomically (replacing it). */
WB_EXTERN int wb_ledger_bundle_save(wb_ledger *ledger, uint64_t index, const char *path);

/* The indexes of the entries whose statement has a subject of this sha256
 * digest ("sha256:HEX" or HEX, either case), ascending (wb_free(); NULL
 * with *count 0 when none). */
WB_EXTERN int wb_ledger_search(uint64_t **out, size_t *count, wb_ledger *ledger,
                               const char *digest);

/* Whether `path` (relative to the ledger directory, e.g. "tile/0/x001/234"
 * or "tile/entries/005.p/17") is a C2SP tlog-tiles path in the canonical
 * spelling the ledger writes: "tile/<L>/<N>[.p/<W>]" with L 0..7, or
 * "tile/entries/<N>[.p/<W>]". *level gets L (-1 for entry bundles), *n the
 * tile index and *width the width (256 for a full tile). Servers use it to
 * refuse every other path before touching the filesystem. */
WB_EXTERN bool wb_ledger_tile_path_parse(const char *path, int *level, uint64_t *n,
                                         unsigned *width);

/* What an audit looked at and found. */
typedef struct wb_ledger_audit_report {
    uint64_t size;        /* entries in the audited tree (the latest checkpoint's size) */
    uint64_t entries;     /* entries read and rehashed */
    uint64_t hashes;      /* stored hashes recomputed */
    uint64_t checkpoints; /* signed checkpoints checked (stored, served, given) */
    uint64_t tiles;       /* tile files compared */
    uint64_t bundles;     /* entry bundle files compared */
    uint64_t problems;    /* problems found (each also given to the callback) */
} wb_ledger_audit_report;

/* Called once per problem, with a message that says what and where. */
typedef void (*wb_ledger_audit_fn)(const char *problem, void *ctx);

/* Audit the whole ledger from what it stores and serves, under its lock
 * (shared: appends wait): every entry's bytes hash to its stored log entry,
 * whose leaf hash is the tree's stored leaf; every stored hash of the tree
 * is recomputed from the leaves; every stored checkpoint is signed by the
 * log, names the origin, and holds the root recomputed for its size; the
 * served `checkpoint` file is the latest of them; every tile and entry
 * bundle under tile/ (full, and partial at any size) holds exactly the
 * recomputed hashes and entries, the tiles of the current size are all
 * there, and nothing else is. Each of the `given` checkpoints (opened by
 * the caller with the log key; e.g. earlier ones a client kept) must hold
 * the recomputed root of its size: one that does not is a fork. Memory is
 * bounded (a frontier of the tree and one tile per level).
 * Returns 0 when nothing is wrong; WB_EVERIFY when a problem was found (the
 * message is the first one; `problem` (may be NULL) gets each); another
 * code when the audit could not run. `report` may be NULL. Open the ledger
 * with WB_LEDGER_OPEN_NO_REPAIR to audit it as found. */
WB_EXTERN int wb_ledger_audit(wb_ledger_audit_report *report, wb_ledger *ledger,
                              const wb_checkpoint *const *given, size_t n_given,
                              wb_ledger_audit_fn problem, void *ctx);

WB_EXTERN void wb_ledger_free(wb_ledger *ledger);

/* Where a ledger's entries live, as users name it (--store): NULL or "" for
 * DIR/ledger.db (SQLite); a PostgreSQL connection string ("postgresql://…",
 * "postgres://…" or "key=value …", libpq) for a shared store. Open or
 * create with these; they open the store and call wb_ledger_open_store() /
 * wb_ledger_init_store(). init creates waybill's schema in an empty
 * database and joins a database that already holds this log. */
WB_EXTERN int wb_ledger_open_at(wb_ledger **out, const char *dir, const char *store,
                                unsigned flags);
WB_EXTERN int wb_ledger_init_at(char **verifier_key_out, const char *dir, const char *origin,
                                const wb_key *key, const char *store);

/* --- the client's side: bundles --- */

/* Parse a bundle strictly (WB_EFORMAT names what is wrong); `name` is used
 * in messages. */
WB_EXTERN int wb_bundle_parse(wb_bundle **out, const char *buf, size_t len, const char *name);
/* Read and parse a bundle file (at most WB_BUNDLE_MAX_SIZE bytes). */
WB_EXTERN int wb_bundle_load(wb_bundle **out, const char *path);

WB_EXTERN uint64_t wb_bundle_index(const wb_bundle *bundle);
WB_EXTERN uint64_t wb_bundle_tree_size(const wb_bundle *bundle);
/* The envelope's exact bytes (borrowed). */
WB_EXTERN const unsigned char *wb_bundle_envelope(const wb_bundle *bundle, size_t *len);
/* The signed checkpoint text (borrowed). */
WB_EXTERN const char *wb_bundle_checkpoint(const wb_bundle *bundle);

/* Verify a bundle offline, in this order: the checkpoint is signed by
 * `log_key` and its origin is the key's name; its size is the bundle's
 * tree_size; the envelope's bytes hash to the bundle's leaf_hash; the
 * inclusion proof leads from that leaf at `index` to the checkpoint's root;
 * the envelope parses; and, when `trust` is not NULL, at least `threshold`
 * of its keys signed it (wb_dsse_verify). 0 when all hold; WB_EVERIFY with
 * a message saying which check failed otherwise; another code when a check
 * could not run. *envelope_out (may be NULL) gets the parsed envelope when
 * it parsed, *dsse_out (may be NULL) the signature detail when signatures
 * were checked, whatever the verdict. */
WB_EXTERN WB_MUST_CHECK int wb_bundle_verify(wb_envelope **envelope_out, wb_dsse_result **dsse_out,
                                             const wb_bundle *bundle,
                                             const wb_note_verifier *log_key,
                                             const wb_keyring *trust, size_t threshold);

WB_EXTERN void wb_bundle_free(wb_bundle *bundle);

WB_END_DECLS

#endif
