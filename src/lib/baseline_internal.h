/*
 * baseline_internal.h: what the rule loader (baseline_load.c) and the
 * scanner (baseline.c) of the baseline detector share: the compiled form
 * of a rule file. The loader checks everything a rule says when it reads
 * it, so the scanner trusts these structures (docs/formats/baseline.md).
 */
#ifndef WAYBILL_BASELINE_INTERNAL_H
#define WAYBILL_BASELINE_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8

#include <fnmatch.h>
#include <pcre2.h>
#include <strings.h>

#include "internal.h"
#include "waybill/baseline.h"

/* private-key checks read this much of a file for their markers */
#define WB_BASELINE_KEY_PROBE 4096

typedef enum { RULE_EXISTENCE, RULE_CONTENT, RULE_TREE, RULE_OPTION } rule_kind;

typedef enum {
    TREE_SETUID,
    TREE_WORLD_WRITABLE,
    TREE_OWNER,
    TREE_MODE,
    TREE_PRIVATE_KEY,
    TREE_FORBIDDEN,
    TREE_ELF,
} tree_kind;

typedef enum {
    ELF_PIE,
    ELF_RELRO,
    ELF_BIND_NOW,
    ELF_NX,
    ELF_STACK_PROTECTOR,
    ELF_FORTIFY,
} elf_property;

typedef enum { OP_EQUAL, OP_NOTEQUAL, OP_LESSTHAN, OP_GREATERTHAN } option_op;

/* entry types a tree check applies to */
#define TYPE_FILE      1u
#define TYPE_DIRECTORY 2u
#define TYPE_OTHER     4u

typedef struct {
    char **items;
    size_t count;
} strlist;

typedef struct {
    uint32_t lo, hi;
} id_range;

typedef struct {
    char *id, *description, *csf, *name;
    wb_severity severity;
    rule_kind kind;
    /* fileExistenceTests */
    char *path; /* relative: CST's absolute path without its leading '/' */
    bool should_exist, if_exists;
    char *permissions;  /* Go FileMode.String() form; NULL: not checked */
    int64_t uid, gid;   /* -1: not checked */
    char executable_by; /* 0, 'a'ny, 'o'wner, 'g'roup, 't' (other) */
    /* fileContentTests */
    pcre2_code **expected, **excluded;
    strlist expected_src, excluded_src;
    /* x-waybill-treeChecks */
    tree_kind tree;
    strlist allow, paths, markers;
    id_range *uids, *gids;
    size_t nuids, ngids;
    uint32_t forbidden_bits;
    unsigned types;
    elf_property property;
    unsigned elf_kinds; /* bit (1 << wb_elf_kind) */
    /* x-waybill-optionTables rows */
    size_t table;
    char *option;
    strlist expected_values, medium_values, weak_values;
    option_op op;
    char *default_value;
} rule;

typedef struct {
    char *name;
    strlist files;
    bool equals_syntax, case_insensitive_keys, first_wins;
    char *include_keyword, *include_base, *stop_keyword;
} option_table;

struct wb_baseline_rules {
    char *version;
    rule *rules;
    size_t nrules;
    option_table *tables;
    size_t ntables;
    bool any_elf, any_key;
};

typedef struct {
    char *path;
    char *message;
    size_t line;
    const rule *rule;
    wb_severity severity;
} finding_rec;

struct wb_baseline_report {
    wb_baseline_finding *findings;
    size_t count, cap;
    char **notes;
    size_t nnotes, notes_cap;
    uint64_t notes_dropped; /* beyond WB_BASELINE_MAX_NOTES */
};

/* fnmatch(3) without FNM_PATHNAME: '*' matches '/' too */
static inline bool matches_any(const strlist *patterns, const char *path)
{
    size_t i;

    for (i = 0; i < patterns->count; i++)
        if (fnmatch(patterns->items[i], path, 0) == 0)
            return true;
    return false;
}

static inline bool strlist_has_ci(const strlist *list, const char *s)
{
    size_t i;

    for (i = 0; i < list->count; i++)
        if (strcasecmp(list->items[i], s) == 0)
            return true;
    return false;
}

#endif
