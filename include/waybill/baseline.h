/*
 * baseline.h: the baseline detector of the redline review: does a
 * delivered root filesystem or package keep to a hardening baseline?
 *
 * It looks for setuid/setgid files not on an allowlist, world-writable
 * files and directories, unexpected owners, private keys readable by
 * others, insecure settings in sshd_config and similar files, empty or
 * weak passwords, telnet and debug services left enabled, and shipped ELF
 * binaries built without the usual hardening (PIE, RELRO, BIND_NOW, NX
 * stack, stack protector, FORTIFY).
 *
 * Rules are data (docs/formats/baseline.md): one JSON document that holds
 * container-structure-test v2's own `fileExistenceTests` and
 * `fileContentTests`, plus two sections of waybill's: tree-wide checks
 * (`x-waybill-treeChecks`) and Lynis-style option tables
 * (`x-waybill-optionTables`, OPTION:EXPECTED,MEDIUM,WEAK:OPERATOR rows
 * for key/value configuration files). Every rule has a stable id (the
 * SARIF ruleId), a severity and the NIST CSF 2.0 subcategory it gives
 * evidence for. A default set ships with waybill (rules/baseline.json,
 * installed under DATADIR/waybill/ and compiled into the library as a
 * fallback).
 *
 * A scan does not stop at a file it cannot read: the file is noted
 * (wb_baseline_report_note) and the scan goes on; so is a file of a
 * directory that can no longer be opened (removed or replaced since the
 * tree was hashed).
 */
#ifndef WAYBILL_BASELINE_H
#define WAYBILL_BASELINE_H

#include <stdbool.h>
#include "common.h"
#include "review.h"
#include "tree.h"

WB_BEGIN_DECLS

typedef struct wb_baseline_rules wb_baseline_rules;
typedef struct wb_baseline_report wb_baseline_report;

/* Bounds of a scan; a zero field takes the default in brackets. */
typedef struct {
    uint64_t max_file_size; /* configuration files read for content and option rules [4 MiB] */
    uint64_t max_elf_size;  /* ELF files read for the hardening checks [64 MiB] */
    unsigned threads;       /* reading threads for a directory; 0: one per core */
    /* Skip the owner checks: for a directory that was unpacked by an
     * unprivileged user, whose files all belong to that user. */
    bool ignore_owners;
} wb_baseline_options;

/* One finding. rule_id, description and csf point into the rules, which
 * must outlive the report; path and message belong to the report. */
typedef struct {
    const char *rule_id;     /* "WB-BL-SSH-001" */
    const char *description; /* the rule's, for people */
    const char *csf;         /* NIST CSF 2.0 subcategory, "PR.AA-05" */
    wb_severity severity;    /* the rule's, or low for a Lynis "medium" value */
    const char *path;        /* relative to the delivery's root */
    size_t line;             /* 1-based; 0 when the finding is not on a line */
    const char *message;     /* what was found, one line: "PermitRootLogin yes" */
} wb_baseline_finding;

/* The rule set compiled into the library (JSON text, NUL-terminated,
 * static). */
WB_EXTERN const char *wb_baseline_rules_default_text(size_t *len_out);

/* Parse and compile rules from JSON text; `name` names it in messages
 * ("baseline.json: optionTables[0].rows[2] 'WB-BL-SSH-001': ..."). Free
 * with wb_baseline_rules_free(). WB_EFORMAT for malformed JSON, unknown or
 * missing fields, duplicate ids and expressions that do not compile;
 * WB_ELIMIT past the bounds of docs/formats/baseline.md. */
WB_EXTERN int wb_baseline_rules_parse(wb_baseline_rules **out, const char *text, size_t len,
                                      const char *name);

/* The same from a file (at most 4 MiB). */
WB_EXTERN int wb_baseline_rules_load(wb_baseline_rules **out, const char *path);

/* The default set: DATADIR/waybill/baseline.json when installed, else the
 * copy compiled into the library. */
WB_EXTERN int wb_baseline_rules_load_default(wb_baseline_rules **out);

/* The rule file's "x-waybill-version" (borrowed), recorded in the review
 * attestation. */
WB_EXTERN const char *wb_baseline_rules_version(const wb_baseline_rules *rules);

/* Every rule, in file order, for SARIF's tool.driver.rules. The strings
 * are borrowed; NULL (or WB_SEVERITY_NONE) past the end. */
WB_EXTERN size_t wb_baseline_rules_count(const wb_baseline_rules *rules);
WB_EXTERN const char *wb_baseline_rules_id(const wb_baseline_rules *rules, size_t i);
WB_EXTERN const char *wb_baseline_rules_description(const wb_baseline_rules *rules, size_t i);
WB_EXTERN const char *wb_baseline_rules_csf(const wb_baseline_rules *rules, size_t i);
WB_EXTERN wb_severity wb_baseline_rules_severity(const wb_baseline_rules *rules, size_t i);
WB_EXTERN void wb_baseline_rules_free(wb_baseline_rules *rules);

/* Check the delivery `tree` (made by wb_tree_hash() of `root`: a
 * directory, one file or an archive) against `rules`. Files of a directory
 * are opened beneath `root` without following symbolic links; an archive
 * is read once, and only the members the rules need. `opts` may be NULL.
 * *out is a new report (wb_baseline_report_free()), its findings in path,
 * line, rule id order. Errors: WB_EINVAL, WB_ENOMEM, WB_EIO when `root`
 * itself (or, in a directory, a file since removed) cannot be opened; a
 * file that cannot be read is a note, not an error. */
WB_EXTERN int wb_baseline_scan(wb_baseline_report **out, const wb_baseline_rules *rules,
                               const char *root, const wb_tree *tree,
                               const wb_baseline_options *opts);

WB_EXTERN size_t wb_baseline_report_count(const wb_baseline_report *report);
/* The i-th finding (borrowed, valid until the report is freed). */
WB_EXTERN const wb_baseline_finding *wb_baseline_report_get(const wb_baseline_report *report,
                                                            size_t i);
/* Files the scan could not fully check (unreadable, too large, changed
 * since hashed), one line each ("usr/bin/big: larger than 64 MiB, ELF
 * checks skipped"), in path order. Borrowed. At most
 * WB_BASELINE_MAX_NOTES are kept; wb_baseline_report_notes_dropped()
 * counts the others (which are kept depends on timing). */
#define WB_BASELINE_MAX_NOTES 1000
WB_EXTERN size_t wb_baseline_report_note_count(const wb_baseline_report *report);
WB_EXTERN const char *wb_baseline_report_note(const wb_baseline_report *report, size_t i);
WB_EXTERN uint64_t wb_baseline_report_notes_dropped(const wb_baseline_report *report);
WB_EXTERN void wb_baseline_report_free(wb_baseline_report *report);

/* --- ELF hardening, on one file's bytes --- */

typedef enum {
    WB_ELF_RELRO_NONE = 0,
    WB_ELF_RELRO_PARTIAL = 1, /* PT_GNU_RELRO without BIND_NOW */
    WB_ELF_RELRO_FULL = 2,    /* PT_GNU_RELRO and BIND_NOW */
} wb_elf_relro;

typedef enum {
    WB_ELF_UNKNOWN = 0, /* nothing to judge by (no symbols; no protectable function) */
    WB_ELF_NO = 1,
    WB_ELF_YES = 2,
} wb_elf_verdict;

typedef enum {
    WB_ELF_KIND_EXECUTABLE = 1, /* ET_EXEC: not position-independent */
    WB_ELF_KIND_PIE = 2,        /* ET_DYN with PT_INTERP, or DF_1_PIE */
    WB_ELF_KIND_SHARED = 3,     /* ET_DYN without either: a shared library */
    WB_ELF_KIND_OTHER = 4,      /* relocatable objects, core files */
} wb_elf_kind;

typedef struct {
    unsigned elf_class; /* 32 or 64 */
    bool big_endian;
    uint16_t machine; /* e_machine */
    wb_elf_kind kind;
    bool dynamic; /* has PT_DYNAMIC */
    wb_elf_relro relro;
    bool bind_now;                  /* DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW */
    bool nx;                        /* PT_GNU_STACK without PF_X */
    bool gnu_stack;                 /* PT_GNU_STACK present (missing: executable stack) */
    wb_elf_verdict stack_protector; /* __stack_chk_fail, __stack_chk_guard or
                                       __intel_security_cookie imported */
    wb_elf_verdict fortify;         /* some __*_chk imported: yes; else protectable
                                       glibc functions imported: no; else unknown */
    size_t fortified;               /* __*_chk functions imported */
    size_t fortifiable;             /* glibc functions with a _chk variant imported unchecked */
    size_t imported;                /* undefined function symbols seen */
    bool symbols_truncated;         /* a symbol table was cut short by the file's end */
} wb_baseline_elf;

/* Read the ELF file in data[0..len) (32 or 64 bits, either byte order),
 * every offset and size checked against len. WB_EFORMAT when it is not an
 * ELF file or its headers do not fit; tables that point outside the data
 * are ignored (and counted as truncated), never followed. */
WB_EXTERN int wb_baseline_elf_check(wb_baseline_elf *out, const void *data, size_t len);

WB_END_DECLS

#endif
