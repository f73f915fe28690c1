/*
 * review.h: what every detector of the redline review shares.
 *
 * The review (`waybill review`, docs/formats/review.md) runs several
 * detectors over a delivery: the inventory and its vulnerabilities (OSV),
 * secrets, malware indicators and the baseline. Each reports findings in
 * its own terms; they meet here on one severity scale, which is the scale
 * of a redline policy ("any critical vulnerability", "any secret") and
 * maps onto SARIF's levels: critical and high are "error", medium is
 * "warning", low and none are "note".
 */
#ifndef WAYBILL_REVIEW_H
#define WAYBILL_REVIEW_H

#include <jansson.h>
#include "common.h"
#include "dsse.h"
#include "tree.h"

WB_BEGIN_DECLS

typedef enum {
    WB_SEVERITY_NONE = 0, /* informational */
    WB_SEVERITY_LOW = 1,
    WB_SEVERITY_MEDIUM = 2,
    WB_SEVERITY_HIGH = 3,
    WB_SEVERITY_CRITICAL = 4,
} wb_severity;

/* "none", "low", "medium", "high", "critical". */
WB_EXTERN const char *wb_severity_name(wb_severity severity);

/* Parse one of those names (ASCII case-insensitive) into *out; WB_EFORMAT
   for anything else. */
WB_EXTERN int wb_severity_parse(wb_severity *out, const char *name);

/* The severity of a CVSS vector: its base score computed from the vector
 * (CVSS v3.0 and v3.1 by the FIRST specification's formula, v2 by its
 * own), then the qualitative rating (0 none, 0.1-3.9 low, 4-6.9 medium,
 * 7-8.9 high, 9-10 critical; v2 has no critical). *score_out (may be NULL)
 * gets the base score. WB_EFORMAT for a vector this cannot score (CVSS v4,
 * a missing or repeated metric, an unknown value). */
WB_EXTERN int wb_cvss_severity(wb_severity *out, double *score_out, const char *vector);

/* --- the findings of one review --- */

typedef enum {
    WB_FINDING_VULNERABILITY = 1, /* a component matches an OSV record */
    WB_FINDING_SECRET = 2,        /* a secret rule matched */
    WB_FINDING_MALWARE = 3,       /* a YARA rule or a bad digest matched */
    WB_FINDING_BASELINE = 4,      /* a baseline rule is not met */
} wb_finding_kind;
#define WB_FINDING_KINDS 4

/* "vulnerability", "secret", "malware", "baseline". */
WB_EXTERN const char *wb_finding_kind_name(wb_finding_kind kind);

/* One finding. Strings are copied by wb_review_add(); NULL where absent. */
typedef struct {
    wb_finding_kind kind;
    wb_severity severity;
    const char *rule_id;        /* SARIF ruleId: the OSV id, the secret or
                                   baseline rule's id, "yara/NAMESPACE/RULE",
                                   "bad-digest" */
    const char *message;        /* one line for people */
    const char *path;           /* relative path in the delivery */
    size_t line, column;        /* 1-based; 0: unknown */
    const char *component;      /* vulnerabilities: the component's purl */
    const char *fixed;          /* vulnerabilities: the first fixed version */
    const char *const *aliases; /* vulnerabilities: CVE ids and others */
    size_t n_aliases;
} wb_finding;

/* A rule that a review ran (SARIF's tool.driver.rules): every rule of
 * every rule set, whether or not it matched. */
typedef struct {
    wb_finding_kind kind;
    const char *id;
    const char *description;
    wb_severity severity; /* the rule's own; findings may differ */
    const char *csf;      /* the NIST CSF 2.0 subcategory it gives
                             evidence for ("PR.AA-05"); NULL: none */
} wb_review_rule;

typedef struct wb_review wb_review;

/* An empty review of the delivery `name` (as shown to people). */
WB_EXTERN int wb_review_new(wb_review **out, const char *name);
WB_EXTERN void wb_review_free(wb_review *review);
WB_EXTERN int wb_review_add(wb_review *review, const wb_finding *finding);
/* A rule (a second rule with the same kind and id is ignored). */
WB_EXTERN int wb_review_add_rule(wb_review *review, const wb_review_rule *rule);
/* A rule set used: its name ("secrets"), version (from the rule file, or
 * "" when it has none) and the SHA-256 of its text; recorded in the
 * attestation so a reader knows what the review looked for. */
WB_EXTERN int wb_review_add_rule_set(wb_review *review, const char *name, const char *version,
                                     const unsigned char sha256[32]);
/* A note (a file that could not be read, a record skipped); bounded. */
WB_EXTERN int wb_review_note(wb_review *review, const char *text);

/* Sort the findings: worst severity first, then kind, path, line, rule. */
WB_EXTERN void wb_review_sort(wb_review *review);
WB_EXTERN size_t wb_review_count(const wb_review *review);
WB_EXTERN const wb_finding *wb_review_get(const wb_review *review, size_t i);
WB_EXTERN size_t wb_review_count_of(const wb_review *review, wb_finding_kind kind,
                                    wb_severity severity);
WB_EXTERN size_t wb_review_note_count(const wb_review *review);
WB_EXTERN const char *wb_review_note_at(const wb_review *review, size_t i);

/* A finding as JSON (`waybill review --json`): kind, severity, ruleId,
 * message, path, line, column, and for vulnerabilities component, fixed
 * and aliases, each where known. NULL on allocation failure. */
WB_EXTERN json_t *wb_finding_json(const wb_finding *f);

/* --- the redline --- */

/* A redline: for each kind, the lowest severity that crosses it, or none
 * at all. Its text form (docs/formats/review.md) is a comma- or
 * newline-separated list of KIND:SEVERITY, KIND:any or KIND:off, KIND one
 * of the finding kinds or "all"; later items override earlier ones. */
typedef struct {
    bool enabled[WB_FINDING_KINDS + 1];
    wb_severity at_least[WB_FINDING_KINDS + 1];
} wb_redline;

/* The default: "vulnerability:critical,secret:any,malware:any,baseline:high". */
WB_EXTERN const char *wb_redline_default_text(void);
WB_EXTERN int wb_redline_parse(wb_redline *out, const char *text);
/* The text form of a redline, canonical (every kind, in kind order);
 * wb_free(). */
WB_EXTERN char *wb_redline_format(const wb_redline *redline);
/* How many findings cross the redline. */
WB_EXTERN size_t wb_redline_crossed(const wb_redline *redline, const wb_review *review);

/* --- documents --- */

typedef struct {
    const char *tool_version; /* waybill's version */
    const char *root_uri;     /* the delivery's location as a file: URI
                                 ending in '/', for originalUriBaseIds;
                                 NULL: left out */
} wb_sarif_options;

/* The review as a SARIF 2.1.0 log (one run; results in the sorted order;
 * paths as relative URIs against the base id "DELIVERY"); wb_free(). */
WB_EXTERN int wb_review_write_sarif(char **out, size_t *out_len, const wb_review *review,
                                    const wb_sarif_options *opts);

#define WB_REVIEW_PREDICATE_TYPE "https://waybill.dev/review/v0.1"

typedef struct {
    int64_t reviewed; /* seconds since the epoch */
    const wb_redline *redline;
    const unsigned char *sbom_sha256; /* the SBOM's content digest; NULL: none */
    size_t components;
    const char *const *keyids; /* the reviewer's keys */
    size_t nkeyids;
    const char *tool_version;
} wb_review_attestation_info;

/* The review attestation: an in-toto Statement v1 whose subjects are the
 * regular files of `tree` (the reviewed delivery) and whose predicate
 * (WB_REVIEW_PREDICATE_TYPE) holds the verdict against the redline, the
 * counts by kind and severity, the rule sets and the SBOM's digest
 * (docs/formats/review.md). Compact JSON; wb_free(). */
WB_EXTERN int wb_review_statement(char **out, size_t *out_len, const wb_review *review,
                                  const wb_tree *tree, const wb_review_attestation_info *info);

/* Bound on a review attestation read back (its subjects are the files). */
#define WB_REVIEW_MAX_SIZE ((size_t)768 << 20)

/* Check a review attestation (a DSSE envelope, as wb_review_statement()
 * made and `waybill review --key --out` signed) before trusting it:
 *  - a trusted key of `ring` signed it (DSSE, threshold 1);
 *  - it is an in-toto Statement v1 with WB_REVIEW_PREDICATE_TYPE;
 *  - its subjects are exactly `subjects` (a Statement's subject list: the
 *    sealed files) or, when `subjects` is NULL, the regular files of
 *    `tree`: same names and SHA-256, none missing and none more;
 *  - the review passed its redline (predicate.redline.result "pass").
 * `name` names the envelope in messages. 0 when all hold, with
 * *predicate_out (may be NULL; json_decref()) set to the predicate;
 * WB_EVERIFY with a message saying which does not hold; WB_EFORMAT when
 * the attestation is malformed. */
WB_EXTERN int wb_review_attestation_check(json_t **predicate_out, const wb_envelope *env,
                                          const wb_keyring *ring, const json_t *subjects,
                                          const wb_tree *tree, const char *name);

WB_END_DECLS

#endif
