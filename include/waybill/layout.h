/*
 * layout.h: in-toto layout verification (in-toto specification v0.9).
 *
 * A layout says which steps a supply chain has, who may perform each
 * (functionary keys and a threshold), and what each step may consume and
 * produce (artifact rules); links are the signed records of steps performed.
 * Both travel as Metablocks, {"signed": {...}, "signatures": [{"keyid",
 * "sig"}]} with hex signatures over the securesystemslib (OLPC) canonical
 * JSON of "signed", or as DSSE envelopes whose payload (type
 * application/vnd.in-toto+json) is the "signed" object itself.
 *
 * The signed bytes of a Metablock are the canonical JSON of the document
 * as in-toto's model holds it: the fields the specification defines, with
 * their defaults when absent; a field that the model does not have is not
 * signed, so a document carrying one fails signature verification, exactly
 * as it does in in-toto 1.3.1.
 *
 * Everything an attacker writes is bounded (the WB_LAYOUT_MAX_* below);
 * a bound exceeded is WB_ELIMIT, never a silent truncation.
 */
#ifndef WAYBILL_LAYOUT_H
#define WAYBILL_LAYOUT_H

#include <stdbool.h>
#include <jansson.h>
#include "common.h"
#include "key.h"

WB_BEGIN_DECLS

#define WB_LAYOUT_MAX_FILE_SIZE  ((size_t)64 << 20) /* one layout or link file */
#define WB_LAYOUT_MAX_NESTING    8                  /* sublayouts within sublayouts */
#define WB_LAYOUT_MAX_ITEMS      1024               /* steps plus inspections */
#define WB_LAYOUT_MAX_KEYS       1024               /* keys of a layout, pubkeys of a step */
#define WB_LAYOUT_MAX_RULES      1024               /* rules in one expected_* list */
#define WB_LAYOUT_MAX_RULE_LEN   4096               /* bytes of one rule element (pattern) */
#define WB_LAYOUT_MAX_ARTIFACTS  200000             /* materials or products of a link */
#define WB_LAYOUT_MAX_PATH       4096               /* bytes of an artifact path */
#define WB_LAYOUT_MAX_SIGNATURES 256                /* signatures of a Metablock */
#define WB_LAYOUT_MAX_ARGS       1024               /* words of an inspection's command */

#define WB_INTOTO_LINK_PAYLOAD_TYPE "application/vnd.in-toto+json"

typedef enum {
    WB_METABLOCK_LINK = 1,
    WB_METABLOCK_LAYOUT = 2,
} wb_metablock_type;

typedef struct wb_metablock wb_metablock;

/* Parse a Metablock or a DSSE envelope holding a link or a layout. The
 * document is checked against the model (types of every field, rules
 * well-formed, step names unique, keys parse and are filed under their own
 * id, expiry well-formed) but no signature is checked. `name` is used in
 * messages. WB_EFORMAT, WB_ELIMIT, WB_EUNSUPPORTED on refusal. */
WB_EXTERN int wb_metablock_parse(wb_metablock **out, const char *buf, size_t len, const char *name);

/* Read (at most WB_LAYOUT_MAX_FILE_SIZE bytes) and parse a file. */
WB_EXTERN int wb_metablock_load(wb_metablock **out, const char *path);

WB_EXTERN wb_metablock_type wb_metablock_get_type(const wb_metablock *mb);
/* 1 when the document came in a DSSE envelope. */
WB_EXTERN int wb_metablock_is_dsse(const wb_metablock *mb);
/* The signed document as the model holds it (borrowed): a link
 * {"_type","name","materials","products","byproducts","command",
 * "environment"} or a layout {"_type","steps","inspect","keys","expires",
 * "readme"}. A link read by the streaming reader (docs/formats/layout.md)
 * has its model made on the first call, which is not safe to race with
 * another call on the same metablock; NULL when that fails (out of
 * memory, the error set). */
WB_EXTERN const json_t *wb_metablock_signed(const wb_metablock *mb);
WB_EXTERN const char *wb_metablock_name(const wb_metablock *mb);

/* 0 when `key` signed the document, WB_EVERIFY when not (for a Metablock:
 * the first signature whose keyid is the key's id must verify, as in-toto
 * checks it; for DSSE: any signature by the key), another negative code
 * when verification could not run. */
WB_EXTERN WB_MUST_CHECK int wb_metablock_verify(const wb_metablock *mb, const wb_key *key);

WB_EXTERN void wb_metablock_free(wb_metablock *mb);

/* Python fnmatch.fnmatchcase() semantics, on code points: '*' matches any
 * string, '/' included; '?' one character; [seq], [!seq] and ranges as
 * Python 3.11 reads them; there is no escape character. Returns 1 on a
 * match, 0 when not, WB_EFORMAT for a pattern Python's re refuses (a range
 * whose ends are out of order that fnmatch does not drop) or that is not
 * UTF-8, WB_ELIMIT beyond WB_LAYOUT_MAX_RULE_LEN. */
WB_EXTERN int wb_layout_fnmatch(const char *pattern, const char *path);

/* Check that `rule` is a well-formed artifact rule (a JSON array of
 * strings): CREATE|DELETE|MODIFY|ALLOW|DISALLOW|REQUIRE pattern, or
 * MATCH pattern [IN prefix] WITH MATERIALS|PRODUCTS [IN prefix] FROM step,
 * keywords in any case. WB_EFORMAT saying why. */
WB_EXTERN int wb_layout_rule_check(const json_t *rule, const char *name);

/* Apply the artifact rules `rules` (a JSON array) of the step or
 * inspection `item_name` to its `source_type` ("materials" or "products"),
 * the queue semantics of the specification: the queue starts as every
 * artifact of that kind in links[item_name]; MATCH, CREATE, DELETE, MODIFY
 * and ALLOW remove what they match from it, DISALLOW fails when anything in
 * the queue matches, REQUIRE fails when its path is not in the queue.
 * `links` maps step and inspection names to link documents (as
 * wb_metablock_signed() gives them). 0 when the rules pass; WB_EVERIFY with
 * a message naming the item, the rule and the artifact when they do not;
 * WB_EFORMAT, WB_ELIMIT for malformed rules or links; WB_ENOTFOUND when
 * links has no item_name. */
WB_EXTERN WB_MUST_CHECK int wb_layout_verify_rules(const char *item_name, const char *source_type,
                                                   const json_t *rules, const json_t *links);

/* Record the artifacts at `paths` as in-toto-run does: a regular file under
 * its normalized path (os.path.normpath), a directory as every regular file
 * under it (its normalized path joined with the file's relative path; "."
 * joins to nothing); in-toto's default exclusions (*.link*, .git, *.pyc,
 * *~); paths that do not exist skipped; symbolic links followed, as
 * in-toto-run follows them (a link to a file recorded under its own name
 * with the hash of its target, a link to a directory walked, a dangling one
 * skipped; WB_EFORMAT for a link to a directory above it, WB_ELIMIT beyond
 * 40 links to directories in a row). *out: a new object path ->
 * {"sha256": HEX} (json_decref()). */
WB_EXTERN int wb_link_record_artifacts(json_t **out, const char *const *paths, size_t npaths);

/* Sign `signed_doc` (a link or layout) with `key` (its private half) and
 * write the Metablock {"signatures": [{"keyid", "sig"}], "signed": MODEL}
 * as JSON text with a final newline (wb_free()). MODEL is the document as
 * the model holds it (every field, defaults filled in), so that in-toto
 * 1.3.1, which re-serializes its model before verifying, accepts the
 * signature. WB_EFORMAT when the document is not a valid link or layout. */
WB_EXTERN int wb_metablock_sign(char **out, size_t *out_len, const json_t *signed_doc,
                                const wb_key *key);

/* The same with several keys: one {"keyid", "sig"} per key, in the order
 * given (a key given twice signs once). `keys` holds `nkeys` (1 to
 * WB_LAYOUT_MAX_SIGNATURES) private keys. */
WB_EXTERN int wb_metablock_sign_keys(char **out, size_t *out_len, const json_t *signed_doc,
                                     const wb_key *const *keys, size_t nkeys);

/* Build an in-toto layout (the "signed" document, not yet signed) from a
 * layout description (docs/formats/layout.md, "Writing layouts"): a JSON
 * object {"expires", "readme", "steps": [{"name", "functionaries",
 * "threshold", "expected_materials", "expected_products",
 * "expected_command"}], "inspect": [{"name", "run", "expected_materials",
 * "expected_products"}]}. Rules are lists of words or strings split at
 * white space ("MATCH * WITH PRODUCTS FROM build"); commands likewise.
 * "functionaries" are public key files, read relative to `base_dir` unless
 * absolute; "expires" is "YYYY-MM-DDTHH:MM:SSZ" or a duration "Nd" / "Nh"
 * from `now` (seconds since the epoch). *out: the layout with every field of
 * in-toto's model (json_decref()). WB_EFORMAT naming the field on a bad
 * description, key loading errors as wb_key_load gives them. */
WB_EXTERN int wb_layout_from_description(json_t **out, const json_t *description,
                                         const char *base_dir, int64_t now, const char *name);

/* Check that the products `products` (an in-toto artifact object, e.g. a
 * summary link's "products") under `prefix` (NULL or "": all of them; else
 * only paths under "prefix/", with it cut off) are exactly `subjects` (an
 * in-toto Statement's "subject" list): the same paths with the same sha256.
 * 0 when they are; WB_EVERIFY naming the first path that differs (a subject
 * that is no product, a product that is not delivered, a digest that
 * differs); WB_EFORMAT for malformed subjects. */
WB_EXTERN WB_MUST_CHECK int wb_layout_check_products(const json_t *products, const char *prefix,
                                                     const json_t *subjects, const char *name);

typedef struct {
    /* Execute the layout's inspections (their "run" commands, in the
     * current directory, recording every regular file under it before and
     * after as materials and products). Without it a layout that has
     * inspections fails verification, saying so: its rules cannot be
     * checked otherwise. */
    bool run_inspections;
    /* Seconds since the epoch to check expiry against; 0: now. */
    int64_t now;
    /* When set, links are read from this object instead of link_dir: it
     * maps a link's path relative to the link directory
     * ("STEP.KEYID8.link", "STEP.KEYID8/SUB.KEYID8.link" for sublayouts)
     * to the document (a Metablock or DSSE envelope as JSON). */
    const json_t *links;
    /* When set (an object), every link that counted towards a threshold
     * (sublayouts and their links included) is added to it, under its
     * relative path as above, as the JSON document read, so that the same
     * verification can be run again from `links`. */
    json_t *collect;
} wb_layout_options;

/* The verification workflow of the specification (section 5.1):
 *  1. every key of `layout_keys` (at least one) signed the layout;
 *  2. the layout has not expired;
 *  3. for each step, the links STEP.KEYID8.link in `link_dir` of its
 *     authorized functionaries (step pubkeys that the layout's keys hold)
 *     are read; a link counts when its functionary signed it and it is
 *     named for the step; fewer than threshold counted links fail;
 *  4. a link that is itself a layout (a sublayout) is verified the same
 *     way with its functionary's key as layout key and links from
 *     link_dir/STEP.KEYID8/, and stands for a summary link: materials of
 *     its first step, products of its last;
 *  5. with a threshold above one, all counted links of a step must agree
 *     on materials and products;
 *  6. the artifact rules of every step, then (opts->run_inspections) the
 *     inspections are run and their rules applied.
 * 0 on success; WB_EVERIFY with a message naming the step, the rule and
 * the artifact on failure; WB_EIO, WB_EFORMAT, WB_ELIMIT when a file cannot
 * be read or parsed (a malformed link of an authorized functionary fails
 * verification, as in in-toto). `summary_out` (may be NULL) receives the
 * summary link (json_decref()). `opts` may be NULL. */
WB_EXTERN WB_MUST_CHECK int wb_layout_verify(json_t **summary_out, const wb_metablock *layout,
                                             const wb_keyring *layout_keys, const char *link_dir,
                                             const wb_layout_options *opts);

WB_END_DECLS

#endif
