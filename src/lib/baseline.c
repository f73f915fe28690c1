/*
 * baseline.c: the baseline detector of the redline review (baseline.h,
 * docs/formats/baseline.md).
 *
 * Rules are one JSON document in formats adopted rather than invented:
 * container-structure-test v2's `fileExistenceTests` and
 * `fileContentTests` with their own field names and meanings (Go
 * FileMode strings for permissions, CST's uid/gid and isExecutableBy,
 * regular expressions that must or must not match the whole file), and
 * two sections of waybill's own for what CST's exact paths cannot say:
 * tree-wide checks (setuid, world-writable, owners, modes, private keys,
 * forbidden paths, ELF hardening) and Lynis-style option tables, whose
 * rows are Lynis's OPTION:EXPECTED,MEDIUM,WEAK:OPERATOR in JSON. Each
 * rule carries a stable id, a severity and a NIST CSF 2.0 subcategory.
 * The rule file is read by baseline_load.c, ELF files by baseline_elf.c;
 * this file is the scan and its report.
 *
 * A scan has three parts. Checks on names, modes and owners run over the
 * tree's entries without any I/O. Then the files the rules need are read
 * once: for a directory through wb_scan_tree_files() (secrets_walk.c:
 * openat2 beneath the root, no symbolic links followed, a pool of
 * threads), for an archive in one libarchive pass that reads only the
 * members it needs; a file is read only as far as its rules need (a
 * probe for private keys, the first bytes to see ELF's magic, the whole
 * file for content and option rules and ELF, each within a bound). A file
 * that cannot be read becomes a note and the scan goes on. Last, option
 * tables are evaluated over the configuration files collected, with
 * sshd-style Include expansion and first- or last-value-wins precedence.
 * Cleanup style: `goto out`, one exit per function.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline_internal.h"
#include "tree_internal.h"
#include "secrets_internal.h"

/* bounds on scans */
#define DEFAULT_MAX_FILE     ((uint64_t)4 << 20)
#define DEFAULT_MAX_ELF      ((uint64_t)64 << 20)
#define DEFAULT_MAX_THREADS  8 /* each may hold one ELF file of max_elf_size */
#define KEY_PROBE            WB_BASELINE_KEY_PROBE
#define MATCH_LIMIT          10000000u
#define MAX_MATCHES_PER_RULE 100 /* per file; more are counted in a note */
#define MAX_INCLUDE_DEPTH    16
#define SHOWN_CAPTURE        64

/* Go's FileMode.String() of a mode, as CST compares it: one letter per
 * type bit set ("dalTLDpSugct?"), or '-', then rwxrwxrwx. */
static void go_mode_string(char out[24], wb_tree_entry_type type, uint32_t mode)
{
    static const char rwx[] = "rwxrwxrwx";
    size_t n = 0;
    int i;

    if (type == WB_TREE_DIRECTORY)
        out[n++] = 'd';
    if (type == WB_TREE_SYMLINK)
        out[n++] = 'L';
    if (mode & 04000)
        out[n++] = 'u';
    if (mode & 02000)
        out[n++] = 'g';
    if (mode & 01000)
        out[n++] = 't';
    if (type == WB_TREE_OTHER)
        out[n++] = '?';
    if (n == 0)
        out[n++] = '-';
    for (i = 0; i < 9; i++)
        out[n++] = (mode & (1u << (8 - i))) ? rwx[i] : '-';
    out[n] = '\0';
}

/* ------------------------------------------------------------------ */
/* reports */

size_t wb_baseline_report_count(const wb_baseline_report *report)
{
    return report ? report->count : 0;
}

const wb_baseline_finding *wb_baseline_report_get(const wb_baseline_report *report, size_t i)
{
    return report && i < report->count ? &report->findings[i] : NULL;
}

size_t wb_baseline_report_note_count(const wb_baseline_report *report)
{
    return report ? report->nnotes : 0;
}

uint64_t wb_baseline_report_notes_dropped(const wb_baseline_report *report)
{
    return report ? report->notes_dropped : 0;
}

const char *wb_baseline_report_note(const wb_baseline_report *report, size_t i)
{
    return report && i < report->nnotes ? report->notes[i] : NULL;
}

void wb_baseline_report_free(wb_baseline_report *report)
{
    size_t i;

    if (!report)
        return;
    for (i = 0; i < report->count; i++) {
        wb_free((char *)report->findings[i].path);
        wb_free((char *)report->findings[i].message);
    }
    for (i = 0; i < report->nnotes; i++)
        wb_free(report->notes[i]);
    wb_free(report->findings);
    wb_free(report->notes);
    wb_free(report);
}

/* ------------------------------------------------------------------ */
/* scanning: shared state */

typedef struct {
    char *path;
    char *data;
    size_t len;
} config_file;

typedef struct {
    const wb_baseline_rules *rules;
    const wb_tree *tree;
    const char *root;
    uint64_t max_file, max_elf;
    bool ignore_owners;
    pthread_mutex_t lock; /* guards everything below */
    wb_baseline_report *report;
    config_file *configs;
    size_t nconfigs, configs_cap;
    int error; /* first allocation failure */
} scan;

/* one reading thread's own buffer and match data */
typedef struct {
    wb_buf buf;
    pcre2_match_data *match;
    pcre2_match_context *mctx;
} worker;

static void set_error(scan *sc, int rc)
{
    pthread_mutex_lock(&sc->lock);
    if (sc->error == 0)
        sc->error = rc;
    pthread_mutex_unlock(&sc->lock);
}

/* Add a finding; `message` is taken (freed on failure). */
static void add_finding(scan *sc, const rule *r, wb_severity severity, const char *path,
                        size_t line, char *message)
{
    wb_baseline_report *report = sc->report;
    char *path_copy = wb_strdup(path);

    pthread_mutex_lock(&sc->lock);
    if (!path_copy || !message) {
        if (sc->error == 0)
            sc->error = wb_error_set(WB_ENOMEM, "baseline: out of memory");
        goto fail;
    }
    if (report->count == report->cap) {
        size_t cap = report->cap ? report->cap * 2 : 16;
        wb_baseline_finding *grown = wb_reallocarray(report->findings, cap, sizeof(*grown));
        if (!grown) {
            if (sc->error == 0)
                sc->error = wb_error_set(WB_ENOMEM, "baseline: out of memory");
            goto fail;
        }
        report->findings = grown;
        report->cap = cap;
    }
    report->findings[report->count].rule_id = r->id;
    report->findings[report->count].description = r->description;
    report->findings[report->count].csf = r->csf;
    report->findings[report->count].severity = severity;
    report->findings[report->count].path = path_copy;
    report->findings[report->count].line = line;
    report->findings[report->count].message = message;
    report->count++;
    pthread_mutex_unlock(&sc->lock);
    return;
fail:
    pthread_mutex_unlock(&sc->lock);
    wb_free(path_copy);
    wb_free(message);
}

static void add_note(scan *sc, char *note)
{
    wb_baseline_report *report = sc->report;

    pthread_mutex_lock(&sc->lock);
    if (!note)
        goto fail;
    if (report->nnotes >= WB_BASELINE_MAX_NOTES) {
        report->notes_dropped++;
        pthread_mutex_unlock(&sc->lock);
        wb_free(note);
        return;
    }
    if (report->nnotes == report->notes_cap) {
        size_t cap = report->notes_cap ? report->notes_cap * 2 : 8;
        char **grown = wb_reallocarray(report->notes, cap, sizeof(*grown));
        if (!grown)
            goto fail;
        report->notes = grown;
        report->notes_cap = cap;
    }
    report->notes[report->nnotes++] = note;
    pthread_mutex_unlock(&sc->lock);
    return;
fail:
    if (sc->error == 0)
        sc->error = wb_error_set(WB_ENOMEM, "baseline: out of memory");
    pthread_mutex_unlock(&sc->lock);
    wb_free(note);
}

/* A path fit to show on one line (names may hold control characters). */
static char *shown(const char *s)
{
    return wb_escape_display(s);
}

/* "PATH: message", the path escaped for display */
static char *path_note(const char *path, const char *fmt, ...) WB_PRINTF(2, 3);
static char *path_note(const char *path, const char *fmt, ...)
{
    char message[512], *p = shown(path), *out = NULL;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    if (p)
        out = wb_asprintf("%s: %s", p, message);
    wb_free(p);
    return out;
}

/* ------------------------------------------------------------------ */
/* checks on the tree's entries: no I/O */

static bool in_ranges(const id_range *ranges, size_t n, uint32_t id)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (id >= ranges[i].lo && id <= ranges[i].hi)
            return true;
    return false;
}

static unsigned type_bit(wb_tree_entry_type type)
{
    switch (type) {
    case WB_TREE_FILE:
        return TYPE_FILE;
    case WB_TREE_DIRECTORY:
        return TYPE_DIRECTORY;
    case WB_TREE_OTHER:
        return TYPE_OTHER;
    default:
        return 0; /* symbolic links: their own mode means nothing */
    }
}

static void check_entry(scan *sc, const rule *r, const wb_tree_entry *e)
{
    unsigned bit = type_bit(e->type);

    if (r->tree == TREE_PRIVATE_KEY || r->tree == TREE_ELF)
        return; /* judged when the file is read */
    if (!(r->types & bit) || (r->paths.count && !matches_any(&r->paths, e->path)))
        return;
    if (matches_any(&r->allow, e->path))
        return;
    switch (r->tree) {
    case TREE_SETUID:
        /* setgid on a directory only makes new files inherit its group */
        if (e->type == WB_TREE_FILE && (e->mode & 06000))
            add_finding(sc, r, r->severity, e->path, 0,
                        wb_asprintf("%s file not on the allowlist (mode %04o)",
                                    (e->mode & 06000) == 06000 ? "setuid and setgid"
                                    : (e->mode & 04000)        ? "setuid"
                                                               : "setgid",
                                    (unsigned)e->mode));
        break;
    case TREE_WORLD_WRITABLE:
        if ((e->mode & 0002) && !(e->type == WB_TREE_DIRECTORY && (e->mode & 01000)))
            add_finding(sc, r, r->severity, e->path, 0,
                        wb_asprintf("world-writable %s (mode %04o)",
                                    e->type == WB_TREE_DIRECTORY
                                        ? "directory without the sticky bit"
                                        : "file",
                                    (unsigned)e->mode));
        break;
    case TREE_OWNER:
        if (!sc->ignore_owners &&
            (!in_ranges(r->uids, r->nuids, e->uid) || !in_ranges(r->gids, r->ngids, e->gid)))
            add_finding(sc, r, r->severity, e->path, 0,
                        wb_asprintf("owned by uid %u, gid %u", (unsigned)e->uid, (unsigned)e->gid));
        break;
    case TREE_MODE:
        if (e->mode & r->forbidden_bits)
            add_finding(sc, r, r->severity, e->path, 0,
                        wb_asprintf("mode %04o has forbidden bits %04o", (unsigned)e->mode,
                                    (unsigned)(e->mode & r->forbidden_bits)));
        break;
    case TREE_FORBIDDEN:
        add_finding(sc, r, r->severity, e->path, 0,
                    wb_asprintf("%s present", e->type == WB_TREE_SYMLINK     ? "symbolic link"
                                              : e->type == WB_TREE_DIRECTORY ? "directory"
                                                                             : "file"));
        break;
    default:
        break; /* content checks run when the file is read */
    }
}

static void check_existence(scan *sc, const rule *r)
{
    const wb_tree_entry *e = wb_tree_find(sc->tree, r->path);
    char mode[24];

    if (!e) {
        if (r->should_exist && !r->if_exists)
            add_finding(sc, r, r->severity, r->path, 0, wb_strdup("missing; it should exist"));
        return;
    }
    if (!r->should_exist) {
        add_finding(sc, r, r->severity, r->path, 0, wb_strdup("present; it should not exist"));
        return;
    }
    go_mode_string(mode, e->type, e->mode);
    if (r->permissions && strcmp(mode, r->permissions) != 0)
        add_finding(sc, r, r->severity, r->path, 0,
                    wb_asprintf("permissions %s, expected %s", mode, r->permissions));
    if (r->executable_by) {
        uint32_t bits = r->executable_by == 'a'   ? 0111
                        : r->executable_by == 'o' ? 0100
                        : r->executable_by == 'g' ? 0010
                                                  : 0001;
        if (!(e->mode & bits))
            add_finding(sc, r, r->severity, r->path, 0,
                        wb_asprintf("not executable by %s (%s)",
                                    r->executable_by == 'a'   ? "any"
                                    : r->executable_by == 'o' ? "owner"
                                    : r->executable_by == 'g' ? "group"
                                                              : "other",
                                    mode));
    }
    if (!sc->ignore_owners && r->uid >= 0 && e->uid != (uint32_t)r->uid)
        add_finding(
            sc, r, r->severity, r->path, 0,
            wb_asprintf("owned by uid %u, expected %lld", (unsigned)e->uid, (long long)r->uid));
    if (!sc->ignore_owners && r->gid >= 0 && e->gid != (uint32_t)r->gid)
        add_finding(
            sc, r, r->severity, r->path, 0,
            wb_asprintf("group gid %u, expected %lld", (unsigned)e->gid, (long long)r->gid));
}

/* ------------------------------------------------------------------ */
/* checks on a file's contents */

typedef struct {
    bool config; /* named by a content rule or an option table: read whole */
    bool key;    /* a private-key candidate: read a probe */
    bool elf;    /* may be ELF: read the magic, then the file */
} needs;

static needs needs_of(const scan *sc, const wb_tree_entry *e)
{
    const wb_baseline_rules *rules = sc->rules;
    needs n = {false, false, false};
    size_t i;

    if (e->type != WB_TREE_FILE)
        return n;
    for (i = 0; i < rules->nrules; i++) {
        const rule *r = &rules->rules[i];
        if (r->kind == RULE_CONTENT && strcmp(r->path, e->path) == 0)
            n.config = true;
        else if (r->kind == RULE_TREE && r->tree == TREE_PRIVATE_KEY &&
                 (e->mode & r->forbidden_bits) && e->size > 0 &&
                 (!r->paths.count || matches_any(&r->paths, e->path)) &&
                 !matches_any(&r->allow, e->path))
            n.key = true;
    }
    for (i = 0; !n.config && i < rules->ntables; i++)
        if (matches_any(&rules->tables[i].files, e->path))
            n.config = true;
    n.elf = rules->any_elf && e->size >= 52;
    return n;
}

/* Run a content rule over a file: every match of an excluded expression
 * is a finding on its line (at most MAX_MATCHES_PER_RULE); an expected
 * expression that does not match is one finding. */
static void run_content(scan *sc, worker *w, const rule *r, const char *path, const char *data,
                        size_t len)
{
    size_t i;

    for (i = 0; i < r->expected_src.count; i++) {
        int rc = pcre2_match(r->expected[i], (PCRE2_SPTR)data, len, 0, 0, w->match, w->mctx);
        if (rc == PCRE2_ERROR_NOMATCH) {
            char *re = shown(r->expected_src.items[i]);
            add_finding(sc, r, r->severity, path, 0,
                        re ? wb_asprintf("%s: expected content /%s/ not found", r->name, re)
                           : NULL);
            wb_free(re);
        } else if (rc < 0) {
            add_note(sc, path_note(path, "a content expression stopped (%s), rule skipped", r->id));
        }
    }
    for (i = 0; i < r->excluded_src.count; i++) {
        size_t offset = 0, line = 1, line_from = 0, hits = 0;
        for (;;) {
            PCRE2_SIZE *ov;
            char capture[SHOWN_CAPTURE + 1] = "";
            size_t start, end, k;
            int rc =
                pcre2_match(r->excluded[i], (PCRE2_SPTR)data, len, offset, 0, w->match, w->mctx);
            if (rc == PCRE2_ERROR_NOMATCH)
                break;
            if (rc < 0) {
                add_note(sc,
                         path_note(path, "a content expression stopped (%s), rule skipped", r->id));
                break;
            }
            ov = pcre2_get_ovector_pointer(w->match);
            start = ov[0];
            end = ov[1];
            for (k = line_from; k < start; k++)
                if (data[k] == '\n')
                    line++;
            line_from = start;
            if (rc >= 2 && ov[2] != PCRE2_UNSET && ov[3] >= ov[2]) {
                size_t n = ov[3] - ov[2];
                if (n > SHOWN_CAPTURE)
                    n = SHOWN_CAPTURE;
                memcpy(capture, data + ov[2], n);
                capture[n] = '\0';
            }
            if (++hits > MAX_MATCHES_PER_RULE) {
                add_note(sc, path_note(path, "more than %d matches of %s; the rest not listed",
                                       MAX_MATCHES_PER_RULE, r->id));
                break;
            }
            if (capture[0]) {
                char *c = shown(capture);
                add_finding(sc, r, r->severity, path, line,
                            c ? wb_asprintf("%s: \"%s\"", r->name, c) : NULL);
                wb_free(c);
            } else {
                add_finding(sc, r, r->severity, path, line, wb_asprintf("%s", r->name));
            }
            /* an empty match moves on one byte, as Go's FindAll does */
            offset = end > start ? end : end + 1;
            if (offset > len)
                break;
        }
    }
}

static bool has_marker(const rule *r, const char *data, size_t len)
{
    size_t i;

    for (i = 0; i < r->markers.count; i++)
        if (memmem(data, len, r->markers.items[i], strlen(r->markers.items[i])))
            return true;
    return false;
}

static const char *elf_problem(const rule *r, const wb_baseline_elf *elf, char *buf, size_t size)
{
    switch (r->property) {
    case ELF_PIE:
        return elf->kind == WB_ELF_KIND_EXECUTABLE ? "not position-independent (ET_EXEC)" : NULL;
    case ELF_RELRO:
        return elf->relro == WB_ELF_RELRO_NONE ? "no RELRO (no PT_GNU_RELRO)" : NULL;
    case ELF_BIND_NOW:
        return elf->relro == WB_ELF_RELRO_PARTIAL ? "partial RELRO: no BIND_NOW" : NULL;
    case ELF_NX:
        if (elf->nx)
            return NULL;
        return elf->gnu_stack ? "executable stack (PT_GNU_STACK with PF_X)"
                              : "executable stack (no PT_GNU_STACK)";
    case ELF_STACK_PROTECTOR:
        return elf->stack_protector == WB_ELF_NO
                   ? "no stack protector (__stack_chk_fail not imported)"
                   : NULL;
    case ELF_FORTIFY:
        if (elf->fortify != WB_ELF_NO)
            return NULL;
        snprintf(buf, size, "no FORTIFY_SOURCE: %zu fortifiable functions imported, none checked",
                 elf->fortifiable);
        return buf;
    }
    return NULL;
}

static void check_elf(scan *sc, const wb_tree_entry *e, const char *data, size_t len)
{
    const wb_baseline_rules *rules = sc->rules;
    wb_baseline_elf elf;
    size_t i;

    if (wb_baseline_elf_check(&elf, data, len) < 0) {
        add_note(sc, path_note(e->path, "ELF headers unreadable (%s); hardening not checked",
                               wb_error_last()));
        return;
    }
    if (elf.kind == WB_ELF_KIND_OTHER)
        return;
    for (i = 0; i < rules->nrules; i++) {
        const rule *r = &rules->rules[i];
        char buf[160];
        const char *problem;
        if (r->kind != RULE_TREE || r->tree != TREE_ELF || !(r->elf_kinds & (1u << elf.kind)) ||
            (r->paths.count && !matches_any(&r->paths, e->path)) || matches_any(&r->allow, e->path))
            continue;
        problem = elf_problem(r, &elf, buf, sizeof(buf));
        if (problem)
            add_finding(sc, r, r->severity, e->path, 0, wb_strdup(problem));
    }
}

static void keep_config(scan *sc, const char *path, const char *data, size_t len)
{
    config_file *slot;
    char *copy = wb_memdup(data, len + 1), *name = wb_strdup(path);

    pthread_mutex_lock(&sc->lock);
    if (!copy || !name)
        goto fail;
    if (sc->nconfigs == sc->configs_cap) {
        size_t cap = sc->configs_cap ? sc->configs_cap * 2 : 8;
        config_file *grown = wb_reallocarray(sc->configs, cap, sizeof(*grown));
        if (!grown)
            goto fail;
        sc->configs = grown;
        sc->configs_cap = cap;
    }
    slot = &sc->configs[sc->nconfigs++];
    slot->path = name;
    slot->data = copy;
    slot->len = len;
    pthread_mutex_unlock(&sc->lock);
    return;
fail:
    if (sc->error == 0)
        sc->error = wb_error_set(WB_ENOMEM, "baseline: out of memory");
    pthread_mutex_unlock(&sc->lock);
    wb_free(copy);
    wb_free(name);
}

/* Where a file's bytes come from: a descriptor or an archive member. */
typedef struct {
    long (*read)(void *source, void *buf, size_t n); /* bytes, 0 at the end, <0 on error */
    void *source;
    const char *(*error)(void *source);
} reader;

/* Grow w->buf to `want` bytes (or to the end of the file). */
static int read_to(worker *w, const reader *rd, size_t want, bool *at_end)
{
    if (w->buf.cap < want + 1 && wb_buf_reserve(&w->buf, want + 1 - w->buf.len) < 0)
        return WB_ENOMEM;
    while (w->buf.len < want && !*at_end) {
        long n = rd->read(rd->source, w->buf.data + w->buf.len, want - w->buf.len);
        if (n < 0)
            return WB_EIO;
        if (n == 0)
            *at_end = true;
        w->buf.len += (size_t)n;
    }
    w->buf.data[w->buf.len] = '\0';
    return 0;
}

static void check_file(scan *sc, worker *w, const wb_tree_entry *e, const reader *rd)
{
    const wb_baseline_rules *rules = sc->rules;
    needs n = needs_of(sc, e);
    bool at_end = false, is_elf = false, config_ok;
    size_t want = 0, i;
    int rc;

    if (!n.config && !n.key && !n.elf)
        return;
    w->buf.len = 0;
    config_ok = n.config && e->size <= sc->max_file;
    if (n.config && !config_ok)
        add_note(sc,
                 path_note(e->path, "larger than %llu bytes; content and option rules not checked",
                           (unsigned long long)sc->max_file));
    if (config_ok)
        want = (size_t)e->size;
    if (n.key && want < KEY_PROBE)
        want = KEY_PROBE;
    if (n.elf && want < 4)
        want = 4;
    if ((rc = read_to(w, rd, want, &at_end)) < 0)
        goto fail;
    if (n.elf && w->buf.len >= 4 && memcmp(w->buf.data, "\177ELF", 4) == 0) {
        if (e->size > sc->max_elf) {
            add_note(sc,
                     path_note(e->path, "an ELF file larger than %llu bytes; hardening not checked",
                               (unsigned long long)sc->max_elf));
        } else {
            is_elf = true;
            if ((rc = read_to(w, rd, (size_t)e->size, &at_end)) < 0)
                goto fail;
        }
    }
    if ((config_ok || is_elf) && w->buf.len != e->size) {
        add_note(sc, path_note(e->path, "changed since it was hashed; not checked"));
        return;
    }
    if (config_ok) {
        for (i = 0; i < rules->nrules; i++)
            if (rules->rules[i].kind == RULE_CONTENT && strcmp(rules->rules[i].path, e->path) == 0)
                run_content(sc, w, &rules->rules[i], e->path, w->buf.data, w->buf.len);
        for (i = 0; i < rules->ntables; i++)
            if (matches_any(&rules->tables[i].files, e->path)) {
                keep_config(sc, e->path, w->buf.data, w->buf.len);
                break;
            }
    }
    if (n.key) {
        size_t probe = w->buf.len < KEY_PROBE ? w->buf.len : KEY_PROBE;
        for (i = 0; i < rules->nrules; i++) {
            const rule *r = &rules->rules[i];
            if (r->kind == RULE_TREE && r->tree == TREE_PRIVATE_KEY &&
                (e->mode & r->forbidden_bits) &&
                (!r->paths.count || matches_any(&r->paths, e->path)) &&
                !matches_any(&r->allow, e->path) && has_marker(r, w->buf.data, probe))
                add_finding(sc, r, r->severity, e->path, 0,
                            wb_asprintf("private key with mode %04o (forbidden bits %04o)",
                                        (unsigned)e->mode,
                                        (unsigned)(e->mode & r->forbidden_bits)));
        }
    }
    if (is_elf)
        check_elf(sc, e, w->buf.data, w->buf.len);
    return;
fail:
    if (rc == WB_ENOMEM) {
        set_error(sc, wb_error_set(WB_ENOMEM, "%s: out of memory", e->path));
        return;
    }
    {
        const char *why = rd->error ? rd->error(rd->source) : "read error";
        add_note(sc, path_note(e->path, "unreadable (%s); not checked", why));
    }
}

/* ------------------------------------------------------------------ */
/* reading a directory or one file: wb_scan_tree_files() */

typedef struct {
    int fd;
    int error;
} fd_source;

static long fd_read(void *source, void *buf, size_t n)
{
    fd_source *s = source;

    for (;;) {
        ssize_t got = read(s->fd, buf, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            s->error = errno;
        return (long)got;
    }
}

static const char *fd_error(void *source)
{
    return strerror(((fd_source *)source)->error);
}

static int worker_new(void **out, void *payload)
{
    worker *w = wb_calloc(1, sizeof(*w));

    (void)payload;
    if (!w)
        return wb_error_set(WB_ENOMEM, "baseline: out of memory");
    w->match = pcre2_match_data_create(16, NULL);
    w->mctx = pcre2_match_context_create(NULL);
    if (!w->match || !w->mctx) {
        pcre2_match_data_free(w->match);
        pcre2_match_context_free(w->mctx);
        wb_free(w);
        return wb_error_set(WB_ENOMEM, "baseline: out of memory");
    }
    pcre2_set_match_limit(w->mctx, MATCH_LIMIT);
    *out = w;
    return 0;
}

static void worker_free(void *opaque, void *payload)
{
    worker *w = opaque;

    (void)payload;
    if (!w)
        return;
    wb_buf_free(&w->buf);
    pcre2_match_data_free(w->match);
    pcre2_match_context_free(w->mctx);
    wb_free(w);
}

static int on_file(void *opaque, const wb_tree_entry *entry, int fd, void *payload)
{
    scan *sc = payload;
    fd_source source = {fd, 0};
    reader rd = {fd_read, &source, fd_error};
    int rc;

    check_file(sc, opaque, entry, &rd);
    pthread_mutex_lock(&sc->lock);
    rc = sc->error;
    pthread_mutex_unlock(&sc->lock);
    return rc;
}

/* a file gone or replaced since the tree was hashed: a note, and on */
static int on_open_error(void *opaque, const wb_tree_entry *entry, void *payload)
{
    scan *sc = payload;
    int rc;

    (void)opaque;
    add_note(sc, path_note(entry->path, "cannot be opened (%s); not checked", wb_error_last()));
    pthread_mutex_lock(&sc->lock);
    rc = sc->error;
    pthread_mutex_unlock(&sc->lock);
    return rc;
}

/* ------------------------------------------------------------------ */
/* reading an archive: one pass, only the members the rules need */

static long archive_member_read(void *source, void *buf, size_t n)
{
    la_ssize_t got = archive_read_data(source, buf, n);
    return got < 0 ? -1 : (long)got;
}

static const char *archive_member_error(void *source)
{
    const char *s = archive_error_string(source);
    return s ? s : "archive read error";
}

/* The member name as the tree spells it (tree.c's own rule); false for
 * names the tree would have refused, and for the archive's root. */
static bool member_path(wb_buf *out, const char *name)
{
    if (wb_tree_member_path(out, name) < 0) {
        wb_error_clear();
        return false;
    }
    return out->len > 0;
}

static int scan_archive(scan *sc)
{
    struct archive *ar = archive_read_new();
    struct archive_entry *ae;
    worker *w = NULL;
    wb_buf name = {0};
    int rc = 0, r;
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    locale_t previous = utf8 ? uselocale(utf8) : (locale_t)0;

    if (!ar) {
        rc = wb_error_set(WB_ENOMEM, "baseline: out of memory");
        goto out;
    }
    if ((rc = worker_new((void **)&w, sc)) < 0)
        goto out;
    archive_read_support_filter_all(ar);
    archive_read_support_format_tar(ar);
    archive_read_support_format_gnutar(ar);
    archive_read_support_format_zip(ar);
    archive_read_set_format_option(ar, "tar", "read_concatenated_archives", "1");
    if (archive_read_open_filename(ar, sc->root, 1 << 20) != ARCHIVE_OK) {
        rc = wb_error_set(WB_EIO, "%s: not a readable archive: %s", sc->root,
                          archive_error_string(ar) ? archive_error_string(ar) : "open failed");
        goto out;
    }
    while ((r = archive_read_next_header(ar, &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *member = archive_entry_pathname_utf8(ae);
        const wb_tree_entry *e;
        reader rd = {archive_member_read, ar, archive_member_error};

        if (!member)
            member = archive_entry_pathname(ae);
        if (!member_path(&name, member) || !(e = wb_tree_find(sc->tree, name.data)) ||
            e->type != WB_TREE_FILE || archive_entry_filetype(ae) != AE_IFREG)
            continue;
        if (archive_entry_hardlink(ae)) {
            needs n = needs_of(sc, e);
            if (n.config || n.key)
                add_note(sc, path_note(e->path,
                                       "a hard link in the archive; its content is checked under "
                                       "the name it links to"));
            continue;
        }
        check_file(sc, w, e, &rd);
        if (sc->error)
            break;
    }
    if (r == ARCHIVE_FATAL)
        add_note(sc, wb_asprintf("%s: the archive could not be read to its end (%s); later "
                                 "members not checked",
                                 sc->root,
                                 archive_error_string(ar) ? archive_error_string(ar) : "error"));
out:
    if (ar)
        archive_read_free(ar);
    worker_free(w, sc);
    wb_buf_free(&name);
    if (utf8) {
        uselocale(previous);
        freelocale(utf8);
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* option tables */

typedef struct {
    char *value;      /* the effective value; NULL: not set */
    const char *path; /* where it was set (borrowed from the configs) */
    size_t line;
} row_value;

typedef struct {
    scan *sc;
    const option_table *table;
    size_t table_index;
    row_value *values; /* one per rule; only this table's rows are used */
    bool *visited;     /* per config file */
} table_eval;

static bool key_equal(const option_table *t, const char *a, size_t alen, const char *b)
{
    return strlen(b) == alen &&
           (t->case_insensitive_keys ? strncasecmp(a, b, alen) == 0 : memcmp(a, b, alen) == 0);
}

static int config_cmp(const void *a, const void *b)
{
    return wb_tree_path_cmp(((const config_file *)a)->path, ((const config_file *)b)->path);
}

static void parse_config(table_eval *te, size_t file, unsigned depth);

/* sshd-style Include: each blank-separated glob, relative ones under
 * includeBase, expanded over the collected files in path order */
static void expand_include(table_eval *te, const char *value, size_t len, unsigned depth)
{
    scan *sc = te->sc;
    char *copy = wb_strndup(value, len), *token, *save = NULL;

    if (!copy) {
        set_error(sc, wb_error_set(WB_ENOMEM, "baseline: out of memory"));
        return;
    }
    for (token = strtok_r(copy, " \t", &save); token; token = strtok_r(NULL, " \t", &save)) {
        char *pattern;
        size_t i;
        if (token[0] == '/')
            pattern = wb_strdup(token + 1);
        else if (te->table->include_base)
            pattern = wb_asprintf("%s/%s", te->table->include_base, token);
        else
            pattern = wb_strdup(token);
        if (!pattern) {
            set_error(sc, wb_error_set(WB_ENOMEM, "baseline: out of memory"));
            break;
        }
        for (i = 0; i < sc->nconfigs; i++)
            if (fnmatch(pattern, sc->configs[i].path, FNM_PATHNAME) == 0)
                parse_config(te, i, depth + 1);
        wb_free(pattern);
    }
    wb_free(copy);
}

static void set_value(table_eval *te, size_t rule_index, const char *value, size_t len,
                      const char *path, size_t line)
{
    row_value *v = &te->values[rule_index];

    if (v->value && te->table->first_wins)
        return;
    wb_free(v->value);
    v->value = wb_strndup(value, len);
    if (!v->value)
        set_error(te->sc, wb_error_set(WB_ENOMEM, "baseline: out of memory"));
    v->path = path;
    v->line = line;
}

static void parse_config(table_eval *te, size_t file, unsigned depth)
{
    const option_table *t = te->table;
    const wb_baseline_rules *rules = te->sc->rules;
    const config_file *cf = &te->sc->configs[file];
    const char *p = cf->data, *end = cf->data + cf->len;
    size_t line = 0, i;

    if (depth > MAX_INCLUDE_DEPTH || te->visited[file])
        return; /* a loop or a file included twice: sshd reads it once */
    te->visited[file] = true;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p)), *k, *kend, *v, *vend;
        if (!eol)
            eol = end;
        line++;
        k = p;
        p = eol + 1;
        while (k < eol && (*k == ' ' || *k == '\t'))
            k++;
        vend = eol;
        while (vend > k && isspace((unsigned char)vend[-1]))
            vend--;
        if (k == vend || *k == '#' || *k == ';')
            continue;
        kend = k;
        if (t->equals_syntax) {
            while (kend < vend && *kend != '=')
                kend++;
            if (kend == vend)
                continue; /* not a key=value line ("service telnet", "{") */
            v = kend + 1;
            while (kend > k && isspace((unsigned char)kend[-1]))
                kend--;
            while (v < vend && isspace((unsigned char)*v))
                v++;
        } else {
            while (kend < vend && !isspace((unsigned char)*kend) && *kend != '=')
                kend++;
            v = kend;
            /* sshd also takes "Key=value" */
            while (v < vend && (isspace((unsigned char)*v) || *v == '='))
                v++;
        }
        if (kend == k)
            continue;
        if (t->stop_keyword && key_equal(t, k, (size_t)(kend - k), t->stop_keyword))
            break; /* conditional blocks ("Match") to the end of the file */
        if (t->include_keyword && key_equal(t, k, (size_t)(kend - k), t->include_keyword)) {
            expand_include(te, v, (size_t)(vend - v), depth);
            continue;
        }
        if (!t->equals_syntax) {
            /* the value is the first word, as Lynis reads it */
            const char *w = v;
            while (w < vend && !isspace((unsigned char)*w))
                w++;
            vend = w;
        }
        if (vend - v >= 2 && *v == '"' && vend[-1] == '"') {
            v++;
            vend--;
        }
        for (i = 0; i < rules->nrules; i++) {
            const rule *r = &rules->rules[i];
            if (r->kind == RULE_OPTION && r->table == te->table_index &&
                key_equal(t, k, (size_t)(kend - k), r->option))
                set_value(te, i, v, (size_t)(vend - v), cf->path, line);
        }
    }
}

typedef enum { SCORE_GOOD, SCORE_MEDIUM, SCORE_WEAK } score;

/* Lynis's scoring of one value (include/tests_ssh, SSH-7408): '=' good
 * when expected, medium when a medium value, else weak; '!' weak only
 * when a weak value; '<' and '>' compare integers. */
static score score_value(const rule *r, const char *value, bool *not_number)
{
    long long n, expected, medium;
    char *end;

    *not_number = false;
    switch (r->op) {
    case OP_EQUAL:
        if (strlist_has_ci(&r->expected_values, value))
            return SCORE_GOOD;
        if (strlist_has_ci(&r->medium_values, value))
            return SCORE_MEDIUM;
        return SCORE_WEAK;
    case OP_NOTEQUAL:
        return strlist_has_ci(&r->weak_values, value) ? SCORE_WEAK : SCORE_GOOD;
    case OP_LESSTHAN:
    case OP_GREATERTHAN:
        errno = 0;
        n = strtoll(value, &end, 10);
        if (!*value || *end || errno) {
            *not_number = true;
            return SCORE_WEAK;
        }
        expected = strtoll(r->expected_values.items[0], NULL, 10);
        if (r->op == OP_LESSTHAN ? n <= expected : n >= expected)
            return SCORE_GOOD;
        if (r->medium_values.count) {
            medium = strtoll(r->medium_values.items[0], NULL, 10);
            if (r->op == OP_LESSTHAN ? n <= medium : n >= medium)
                return SCORE_MEDIUM;
        }
        return SCORE_WEAK;
    }
    return SCORE_GOOD;
}

/* Judge this table's rows from te->values; defaults apply when
 * `with_defaults` (the main file, or a file of a table without include). */
static void judge_rows(table_eval *te, const char *main_path, bool with_defaults)
{
    const wb_baseline_rules *rules = te->sc->rules;
    size_t i;

    for (i = 0; i < rules->nrules; i++) {
        const rule *r = &rules->rules[i];
        row_value *v = &te->values[i];
        const char *value;
        bool is_default, not_number;
        char *value_shown;
        score s;
        if (r->kind != RULE_OPTION || r->table != te->table_index)
            continue;
        is_default = v->value == NULL;
        value = is_default ? (with_defaults ? r->default_value : NULL) : v->value;
        if (!value)
            continue;
        s = score_value(r, value, &not_number);
        if (s == SCORE_GOOD)
            continue;
        value_shown = shown(value);
        if (!value_shown) {
            set_error(te->sc, wb_error_set(WB_ENOMEM, "baseline: out of memory"));
            continue;
        }
        add_finding(te->sc, r, s == SCORE_WEAK ? r->severity : WB_SEVERITY_LOW,
                    is_default ? main_path : v->path, is_default ? 0 : v->line,
                    is_default
                        ? wb_asprintf("%s not set: the default is %s", r->option, value_shown)
                        : wb_asprintf("%s %s%s", r->option, value_shown,
                                      not_number ? " (not a number)" : ""));
        wb_free(value_shown);
    }
}

static void reset_values(table_eval *te)
{
    size_t i;

    for (i = 0; i < te->sc->rules->nrules; i++) {
        wb_free(te->values[i].value);
        te->values[i].value = NULL;
    }
}

static void eval_tables(scan *sc)
{
    const wb_baseline_rules *rules = sc->rules;
    table_eval te;
    size_t t, i;

    if (sc->nconfigs > 1)
        qsort(sc->configs, sc->nconfigs, sizeof(sc->configs[0]), config_cmp);
    memset(&te, 0, sizeof(te));
    te.sc = sc;
    te.values = wb_calloc(rules->nrules ? rules->nrules : 1, sizeof(*te.values));
    te.visited = wb_calloc(sc->nconfigs ? sc->nconfigs : 1, sizeof(*te.visited));
    if (!te.values || !te.visited) {
        set_error(sc, wb_error_set(WB_ENOMEM, "baseline: out of memory"));
        goto out;
    }
    for (t = 0; t < rules->ntables; t++) {
        const option_table *table = &rules->tables[t];
        te.table = table;
        te.table_index = t;
        memset(te.visited, 0, sc->nconfigs * sizeof(*te.visited));
        if (table->include_keyword) {
            for (i = 0; i < sc->nconfigs; i++)
                if (strcmp(sc->configs[i].path, table->files.items[0]) == 0) {
                    parse_config(&te, i, 0);
                    judge_rows(&te, sc->configs[i].path, true);
                    reset_values(&te);
                }
        }
        /* each file not reached from a main file stands alone; only a
         * table without include applies its defaults to it */
        for (i = 0; i < sc->nconfigs; i++) {
            if (te.visited[i] || !matches_any(&table->files, sc->configs[i].path))
                continue;
            parse_config(&te, i, 0);
            judge_rows(&te, sc->configs[i].path, !table->include_keyword);
            reset_values(&te);
        }
    }
out:
    if (te.values)
        reset_values(&te);
    wb_free(te.values);
    wb_free(te.visited);
}

/* ------------------------------------------------------------------ */
/* the scan */

static int finding_cmp(const void *a, const void *b)
{
    const wb_baseline_finding *x = a, *y = b;
    int c = wb_tree_path_cmp(x->path, y->path);

    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    c = strcmp(x->rule_id, y->rule_id);
    return c ? c : strcmp(x->message, y->message);
}

static int note_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int wb_baseline_scan(wb_baseline_report **out, const wb_baseline_rules *rules, const char *root,
                     const wb_tree *tree, const wb_baseline_options *opts)
{
    static const wb_scan_callbacks callbacks = {worker_new, worker_free, on_file, on_open_error};
    scan sc;
    size_t i, j, count;
    unsigned threads;
    int rc = 0;

    if (!out || !rules || !root || !tree)
        return wb_error_set(WB_EINVAL, "wb_baseline_scan: NULL argument");
    *out = NULL;
    memset(&sc, 0, sizeof(sc));
    sc.rules = rules;
    sc.tree = tree;
    sc.root = root;
    sc.max_file = opts && opts->max_file_size ? opts->max_file_size : DEFAULT_MAX_FILE;
    sc.max_elf = opts && opts->max_elf_size ? opts->max_elf_size : DEFAULT_MAX_ELF;
    sc.ignore_owners = opts && opts->ignore_owners;
    pthread_mutex_init(&sc.lock, NULL);
    sc.report = wb_calloc(1, sizeof(*sc.report));
    if (!sc.report) {
        rc = wb_error_set(WB_ENOMEM, "baseline: out of memory");
        goto out;
    }

    count = wb_tree_count(tree);
    for (j = 0; j < rules->nrules; j++) {
        const rule *r = &rules->rules[j];
        if (r->kind == RULE_EXISTENCE)
            check_existence(&sc, r);
        else if (r->kind == RULE_TREE)
            for (i = 0; i < count; i++)
                check_entry(&sc, r, wb_tree_get(tree, i));
    }
    if ((rc = sc.error) < 0)
        goto out;

    if (wb_tree_get_source(tree) == WB_TREE_SOURCE_ARCHIVE) {
        rc = scan_archive(&sc);
    } else {
        threads = opts && opts->threads ? opts->threads : 0;
        if (threads == 0) {
            long cores = sysconf(_SC_NPROCESSORS_ONLN);
            threads = cores > 0 ? (unsigned)cores : 1;
            if (threads > DEFAULT_MAX_THREADS)
                threads = DEFAULT_MAX_THREADS;
        }
        rc = wb_scan_tree_files(root, tree, threads, &callbacks, &sc);
    }
    if (rc == 0)
        rc = sc.error;
    if (rc < 0)
        goto out;
    eval_tables(&sc);
    if ((rc = sc.error) < 0)
        goto out;
    if (sc.report->count > 1)
        qsort(sc.report->findings, sc.report->count, sizeof(sc.report->findings[0]), finding_cmp);
    if (sc.report->nnotes > 1)
        qsort(sc.report->notes, sc.report->nnotes, sizeof(sc.report->notes[0]), note_cmp);
out:
    for (i = 0; i < sc.nconfigs; i++) {
        wb_free(sc.configs[i].path);
        wb_free(sc.configs[i].data);
    }
    wb_free(sc.configs);
    pthread_mutex_destroy(&sc.lock);
    if (rc < 0) {
        wb_baseline_report_free(sc.report);
        return rc;
    }
    *out = sc.report;
    return 0;
}
