/*
 * osv.h: OSV vulnerability records, loaded from a local copy, and the
 * question "which of them affect this package at this version?".
 *
 * A database is a directory tree of OSV JSON files (one record per file,
 * as OSV publishes them) or a .zip of such files (OSV's per-ecosystem
 * all.zip). Records are checked against the shape of the OSV schema that
 * matching relies on, within the bounds below; a file that does not match
 * fails the load, naming the file and the field. Records are indexed by
 * (ecosystem, package name); a query gives one finding per vulnerability:
 * records that alias each other (DEBIAN-CVE-2024-1 and CVE-2024-1, or a
 * GHSA and a PYSEC with the same CVE) are reported once.
 *
 * Ranges of type ECOSYSTEM are evaluated with the ecosystem's ordering
 * (version.h), SEMVER ranges with SemVer 2.0.0 precedence, and GIT ranges
 * are skipped: they name commits, not versions (a note says so). Debian
 * records name *source* packages, under "Debian:<release>"; the caller maps
 * a binary package to its source package and version before asking.
 * Matching is by ecosystem and name only, never by CPE.
 */
#ifndef WAYBILL_OSV_H
#define WAYBILL_OSV_H

#include "common.h"

WB_BEGIN_DECLS

/* Bounds on what a load accepts (WB_ELIMIT beyond them). */
#define WB_OSV_MAX_FILE_SIZE  ((size_t)8 << 20)   /* one record file */
#define WB_OSV_MAX_RECORDS    2000000             /* records in a database */
#define WB_OSV_MAX_TOTAL_SIZE ((uint64_t)8 << 30) /* bytes of JSON read in all */
#define WB_OSV_MAX_ITEMS      100000              /* entries of any one array in a record */
#define WB_OSV_MAX_DEPTH      32                  /* directory nesting */
#define WB_OSV_MAX_NOTES      1000                /* notes kept (the rest are counted) */

typedef struct wb_osv_db wb_osv_db;

/* Load the records under `path`: a directory (walked recursively; files
 * named *.json are read, symbolic links and other files are ignored) or a
 * .zip file (its *.json entries). Withdrawn records are left out; when two
 * files hold the same id the one modified last is kept. *out is a new
 * database (wb_osv_db_free()). WB_EFORMAT for a record that does not match
 * the schema's shape, WB_ELIMIT beyond the bounds above, WB_EIO for
 * unreadable files. */
WB_EXTERN int wb_osv_db_load(wb_osv_db **out, const char *path);

/* The same from one record held in memory (`len` bytes of JSON), named
 * `what` in messages: a database of that record (or of none, when it is
 * withdrawn). For tests and fuzzing, and for callers with their own
 * storage. */
WB_EXTERN int wb_osv_db_load_buffer(wb_osv_db **out, const char *json, size_t len,
                                    const char *what);

WB_EXTERN void wb_osv_db_free(wb_osv_db *db);

/* Records held (withdrawn and duplicate ones not counted). */
WB_EXTERN size_t wb_osv_db_record_count(const wb_osv_db *db);

/* Notes made while loading: ranges skipped (GIT, versions invalid in their
 * ecosystem), ecosystems without a version ordering, withdrawn records,
 * duplicates. At most WB_OSV_MAX_NOTES are kept; wb_osv_db_notes_dropped()
 * says how many more there were. The strings belong to the database. */
WB_EXTERN size_t wb_osv_db_note_count(const wb_osv_db *db);
WB_EXTERN const char *wb_osv_db_note_at(const wb_osv_db *db, size_t i);
WB_EXTERN size_t wb_osv_db_notes_dropped(const wb_osv_db *db);

typedef struct {
    const char *type;  /* "CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu" (from a
                          severity array), "database_specific" or
                          "ecosystem_specific" (their "severity" field) */
    const char *score; /* the CVSS vector string, or the word ("HIGH") */
} wb_osv_severity;

typedef struct {
    const char *id;             /* the OSV id (of aliasing records, the one
                                   that sorts first) */
    const char *const *aliases; /* the other ids and all aliases, sorted,
                                   each once */
    size_t n_aliases;
    const char *summary; /* NULL when the records have none */
    const wb_osv_severity *severity;
    size_t n_severity;
    const char *fixed; /* the first version that fixes it (the
                          latest when records disagree); NULL when
                          no fix is known */
} wb_osv_finding;

typedef struct wb_osv_findings wb_osv_findings;

/* The vulnerabilities of package `name` at `version` in OSV ecosystem
 * `ecosystem` ("Debian:12", "npm", "PyPI", "Maven", "Go", "crates.io";
 * for Debian give the source package and its version). Names compare
 * exactly, except PyPI's, which compare in their PEP 503 normal form.
 * *out holds the findings in id order, possibly none (free with
 * wb_osv_findings_free(); it refers to `db`, which must outlive it).
 * WB_EFORMAT when `version` is not valid in the ecosystem, WB_ENOTFOUND
 * when the ecosystem has no version ordering here. */
WB_EXTERN int wb_osv_query(wb_osv_findings **out, const wb_osv_db *db, const char *ecosystem,
                           const char *name, const char *version);

WB_EXTERN size_t wb_osv_findings_count(const wb_osv_findings *findings);
/* The i-th finding, NULL past the end. */
WB_EXTERN const wb_osv_finding *wb_osv_findings_at(const wb_osv_findings *findings, size_t i);
WB_EXTERN void wb_osv_findings_free(wb_osv_findings *findings);

WB_END_DECLS

#endif
