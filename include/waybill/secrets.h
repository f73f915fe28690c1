/*
 * secrets.h: find secrets (private keys, cloud credentials, API tokens,
 * passwords in configuration) in the files of a delivery, one part of the
 * redline review.
 *
 * Rules are data: a TOML file whose fields follow gitleaks' rule format
 * (id, description, regex, secretGroup, entropy, keywords, path, allowlist),
 * documented in docs/formats/secrets.md. A default set ships with waybill
 * (rules/secrets.toml, installed under DATADIR/waybill/ and compiled into the
 * library as a fallback). Regular expressions are PCRE2, JIT-compiled.
 *
 * Speed: every keyword of every rule (lower-cased) goes into one
 * Aho-Corasick automaton that reads each file once, case-insensitively; a
 * rule's expression runs only on files that hold one of its keywords, so a
 * file with none is skipped after a single pass at memory speed.
 *
 * Findings never hold a whole secret: only a redacted copy of the match (the
 * secret's first few characters, then '*'), with its Shannon entropy.
 */
#ifndef WAYBILL_SECRETS_H
#define WAYBILL_SECRETS_H

#include <stdbool.h>
#include "common.h"
#include "tree.h"

WB_BEGIN_DECLS

typedef struct wb_secret_rules wb_secret_rules;
typedef struct wb_secret_report wb_secret_report;

/* Bounds of a scan; a zero field takes the default in brackets. */
typedef struct {
    uint64_t max_file_size;       /* larger files are skipped, and counted [32 MiB] */
    size_t max_line_length;       /* matches on longer lines are dropped [64 KiB] */
    size_t max_findings_per_file; /* further findings are counted, not kept [100] */
    unsigned threads;             /* scanning threads for a tree; 0: one per core */
    bool scan_binary;             /* also scan files with a NUL in their first 8 KiB */
} wb_secret_options;

/* rule_id and description point into the rules, which must outlive the
 * report; the other strings belong to the report. */
typedef struct {
    const char *rule_id;
    const char *description;
    const char *path;     /* as given to the scan */
    size_t line, column;  /* 1-based; the column counts bytes */
    const char *redacted; /* the match, secret masked, one line, at most ~100 bytes */
    double entropy;       /* Shannon entropy of the secret, bits per byte */
    size_t secret_length; /* bytes */
} wb_secret_finding;

typedef struct {
    uint64_t files_scanned;     /* read and searched */
    uint64_t files_prefiltered; /* skipped: held no keyword of any rule */
    uint64_t files_skipped;     /* too large, binary, or on a global allowlist's paths */
    uint64_t bytes_scanned;
    uint64_t findings_dropped; /* over max_findings_per_file, or on too long lines */
    uint64_t searches_stopped; /* a rule's search of a file hit PCRE2's match limit */
} wb_secret_stats;

/* The rule set compiled into the library (TOML text, NUL-terminated,
 * static). */
WB_EXTERN const char *wb_secret_rules_default_text(size_t *len_out);

/* Parse and compile rules from TOML text; `name` names it in messages
 * ("rules.toml:12: rule 'x': regex: missing )"). Free with
 * wb_secret_rules_free(). WB_EFORMAT for malformed TOML, unknown fields or
 * expressions that do not compile, WB_EUNSUPPORTED for TOML this reader
 * does not take, WB_ELIMIT past the bounds of docs/formats/secrets.md. */
WB_EXTERN int wb_secret_rules_parse(wb_secret_rules **out, const char *text, size_t len,
                                    const char *name);

/* The same from a file (at most 4 MiB). */
WB_EXTERN int wb_secret_rules_load(wb_secret_rules **out, const char *path);

/* The default set: DATADIR/waybill/secrets.toml when installed, else the
 * copy compiled into the library. */
WB_EXTERN int wb_secret_rules_load_default(wb_secret_rules **out);

WB_EXTERN size_t wb_secret_rules_count(const wb_secret_rules *rules);
/* The id of the i-th rule (borrowed), NULL past the end. */
WB_EXTERN const char *wb_secret_rules_id(const wb_secret_rules *rules, size_t i);
WB_EXTERN void wb_secret_rules_free(wb_secret_rules *rules);

/* An empty report that scans add to. Free with wb_secret_report_free(). */
WB_EXTERN int wb_secret_report_new(wb_secret_report **out);
WB_EXTERN size_t wb_secret_report_count(const wb_secret_report *report);
/* The i-th finding (borrowed, valid until the report is freed); after a
 * tree scan they are in path, line, column order. */
WB_EXTERN const wb_secret_finding *wb_secret_report_get(const wb_secret_report *report, size_t i);
WB_EXTERN const wb_secret_stats *wb_secret_report_stats(const wb_secret_report *report);
WB_EXTERN void wb_secret_report_free(wb_secret_report *report);

/* Scan `len` bytes named `path` (used for path rules and allowlists and in
 * findings) and add what is found to `report`. `opts` may be NULL. Only the
 * bounds on size and binary content can make it skip the buffer. */
WB_EXTERN int wb_secret_scan_buffer(wb_secret_report *report, const wb_secret_rules *rules,
                                    const char *path, const void *data, size_t len,
                                    const wb_secret_options *opts);

/* Scan every regular file of `tree` (from wb_tree_hash() of the directory
 * `root`, or of the single file `root`), opening each beneath `root`
 * without following symbolic links, in parallel. Archives are not read
 * here (WB_EUNSUPPORTED): give their members to wb_secret_scan_buffer().
 * *out is a new report. */
WB_EXTERN int wb_secret_scan_tree(wb_secret_report **out, const wb_secret_rules *rules,
                                  const char *root, const wb_tree *tree,
                                  const wb_secret_options *opts);

/* Shannon entropy of `len` bytes in bits per byte (0 for len 0). */
WB_EXTERN double wb_secret_entropy(const void *data, size_t len);

WB_END_DECLS

#endif
