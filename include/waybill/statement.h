/*
 * statement.h: in-toto Statement v1 and waybill's delivery predicate.
 *
 * A waybill is a DSSE envelope (payloadType application/vnd.in-toto+json)
 * over an in-toto Statement whose subjects are the delivery's regular files
 * (name = relative path, digest.sha256) and whose predicate
 * (WB_DELIVERY_PREDICATE_TYPE, docs/formats/delivery.md) records who sent
 * what to whom and when, and everything about the tree that subjects do not
 * say: symbolic links and their targets, empty directories, and permission
 * bits that differ from the defaults.
 *
 * wb_delivery_compare() checks a freshly hashed tree against a waybill and
 * reports every difference, never stopping at the first.
 */
#ifndef WAYBILL_STATEMENT_H
#define WAYBILL_STATEMENT_H

#include <jansson.h>
#include "common.h"
#include "tree.h"

WB_BEGIN_DECLS

#define WB_STATEMENT_TYPE          "https://in-toto.io/Statement/v1"
#define WB_INTOTO_PAYLOAD_TYPE     "application/vnd.in-toto+json"
#define WB_DELIVERY_PREDICATE_TYPE "https://waybill.dev/delivery/v0.1"

/* Bound on the statement a waybill may carry (and so on its envelope). */
#define WB_STATEMENT_MAX_SIZE ((size_t)768 << 20)

typedef struct {
    const char *name;          /* delivery name; NULL: source_name */
    const char *version;       /* may be NULL */
    const char *supplier;      /* supplier's name; may be NULL */
    const char *site;          /* recipient site; may be NULL */
    const char *source_name;   /* base name of what was sealed */
    int64_t created;           /* seconds since the epoch (UTC) */
    const char *const *keyids; /* ids of the sealing keys, recorded under supplier */
    size_t nkeyids;
    const char *const *excludes; /* the --exclude patterns, so verify applies them too */
    size_t nexcludes;
    /* the supply chain the delivery came from (an object {"layout",
     * "links", "productPrefix"}, docs/formats/delivery.md), recorded as
     * predicate.supplyChain; NULL: none */
    const json_t *supply_chain;
    /* the review attestation the delivery passed (a DSSE envelope's JSON
     * object, from `waybill review --key --out`), recorded as
     * predicate.review; NULL: none */
    const json_t *review;
} wb_delivery_info;

/* Build the Statement JSON (compact, deterministic for the same inputs) for
 * `tree`. *out is malloc'd (wb_free()). */
WB_EXTERN int wb_delivery_statement(char **out, size_t *out_len, const wb_tree *tree,
                                    const wb_delivery_info *info);

typedef struct wb_delivery wb_delivery;

/* Parse a Statement carrying a delivery predicate (a waybill's payload).
 * `name` is used in messages. Subjects must be unique, with sha256 digests;
 * paths must be relative without "." or ".." components. */
WB_EXTERN int wb_delivery_parse(wb_delivery **out, const void *payload, size_t len,
                                const char *name);
WB_EXTERN void wb_delivery_free(wb_delivery *delivery);

/* What the waybill says; strings are borrowed and may be NULL when absent. */
WB_EXTERN const char *wb_delivery_name(const wb_delivery *d);
WB_EXTERN const char *wb_delivery_version(const wb_delivery *d);
WB_EXTERN const char *wb_delivery_supplier(const wb_delivery *d);
WB_EXTERN const char *wb_delivery_site(const wb_delivery *d);
WB_EXTERN const char *wb_delivery_created(const wb_delivery *d);
WB_EXTERN const char *wb_delivery_source_type(const wb_delivery *d);
WB_EXTERN const char *wb_delivery_source_name(const wb_delivery *d);
WB_EXTERN uint64_t wb_delivery_file_count(const wb_delivery *d);
WB_EXTERN uint64_t wb_delivery_total_bytes(const wb_delivery *d);
WB_EXTERN size_t wb_delivery_exclude_count(const wb_delivery *d);
WB_EXTERN const char *wb_delivery_exclude(const wb_delivery *d, size_t i);
/* predicate.supplyChain (borrowed), or NULL when the waybill has none; its
 * contents are not checked here (wb_layout_verify does that). */
WB_EXTERN const json_t *wb_delivery_supply_chain(const wb_delivery *d);
/* predicate.review (borrowed): the carried review attestation's envelope,
 * or NULL; not checked here (wb_review_attestation_check does that). */
WB_EXTERN const json_t *wb_delivery_review(const wb_delivery *d);
/* The statement's "subject" list (borrowed), as parsed and checked. */
WB_EXTERN const json_t *wb_delivery_subjects(const wb_delivery *d);
WB_EXTERN size_t wb_delivery_symlink_count(const wb_delivery *d);
WB_EXTERN size_t wb_delivery_empty_dir_count(const wb_delivery *d);

typedef enum {
    WB_DIFF_MODIFIED = 1,   /* content (or kind: file vs directory) differs */
    WB_DIFF_MISSING = 2,    /* in the waybill, not in the tree */
    WB_DIFF_UNEXPECTED = 3, /* in the tree, not in the waybill */
    WB_DIFF_MODE = 4,       /* permission bits differ */
    WB_DIFF_SYMLINK = 5,    /* a symlink's target differs, or a symlink appeared or went */
} wb_diff_kind;

typedef struct {
    wb_diff_kind kind;
    const char *path;  /* borrowed from the delivery or the tree */
    char expected[80]; /* detail: mode, target or digest prefix; "" when none */
    char actual[80];
} wb_diff;

/* "modified", "missing", "unexpected", "mode changed", "symlink changed" */
WB_EXTERN const char *wb_diff_kind_name(wb_diff_kind kind);

/* Compare `tree` with the delivery, completely. *out (wb_free()) gets the
 * differences in path order, *count how many; 0 differences means the tree
 * is exactly what was sealed. Paths in the diffs point into `d` and `tree`:
 * free those after the diffs are used. */
WB_EXTERN int wb_delivery_compare(wb_diff **out, size_t *count, const wb_delivery *d,
                                  const wb_tree *tree);

/* A copy of `path` fit to print on one line (control characters escaped);
 * wb_free() it. NULL on allocation failure. */
WB_EXTERN char *wb_path_display(const char *path);

WB_END_DECLS

#endif
