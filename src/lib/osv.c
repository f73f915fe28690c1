/*
 * osv.c: OSV records from a directory or a zip, indexed by package, and the
 * evaluation of their ranges for one package version.
 *
 * Spec: the OSV schema (ossf.github.io/osv-schema), in particular
 * "affected[].ranges[].events" and its "Evaluation" pseudocode: a version v
 * is affected by a range when, among the events sorted by version, the last
 * one that applies to v is an "introduced" (introduced <= v, or "0"), not
 * a "fixed" (fixed <= v) or "last_affected" (last_affected < v); and v is
 * below some "limit" when the range has any ("*" being no limit). We find
 * that last applicable event in one pass, without sorting: the greatest
 * applicable event by version, ties going to the later one in the record
 * (what a stable sort would leave last). A version also matches when the
 * `versions` list holds it.
 *
 * Records are kept as the jansson values they were read into, after a check
 * of every field matching reads (types, the one-event-type-per-object and
 * at-least-one-"introduced" rules, "fixed" and "last_affected" not mixed,
 * GIT ranges with a repo, array sizes bounded); what does not match fails
 * the load with the file and the field named, so that a query never meets
 * a shape it did not expect. Versions that are invalid in their ecosystem
 * are not a shape error (real databases hold a few): the range holding one
 * is skipped, and a note says so.
 *
 * The index is an array of (ecosystem, package name, record, affected
 * entry) sorted by ecosystem and name and searched by bisection. Records
 * are sorted by id; a query collects the matching records, joins those that
 * alias each other (an id of one among the other's aliases, or an alias in
 * common; a record's single "upstream" id counts as an alias) by sorting all
 * their names, so that a record listing 100,000 aliases costs n log n, and
 * reports each group once, under the id that sorts first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "internal.h"
#include "waybill/osv.h"
#include "waybill/version.h"

#define ID_MAX_LEN 256

typedef struct {
    json_t *json; /* owned */
    const char *id;
    const char *modified;
} osv_record;

typedef struct {
    const char *ecosystem; /* as the record writes it ("Debian:12") */
    char *name;            /* owned; PyPI names in PEP 503 normal form */
    wb_ecosystem eco;
    size_t record;
    const json_t *affected;
} osv_entry;

struct wb_osv_db {
    osv_record *records;
    size_t n_records, cap_records;
    osv_entry *entries;
    size_t n_entries, cap_entries;
    char **notes;
    size_t n_notes, cap_notes, notes_dropped;
    uint64_t total_bytes;
};

struct wb_osv_findings {
    wb_osv_finding *items;
    size_t count;
};

/* ------------------------------------------------------------------ */
/* notes                                                               */
/* ------------------------------------------------------------------ */

static int add_note(wb_osv_db *db, const char *fmt, ...) WB_PRINTF(2, 3);

static int add_note(wb_osv_db *db, const char *fmt, ...)
{
    va_list ap;
    char *note;
    int n;

    if (db->n_notes >= WB_OSV_MAX_NOTES) {
        db->notes_dropped++;
        return 0;
    }
    if (db->n_notes == db->cap_notes) {
        size_t cap = db->cap_notes ? db->cap_notes * 2 : 16;
        char **grown = wb_reallocarray(db->notes, cap, sizeof(*grown));
        if (!grown)
            return wb_error_set(WB_ENOMEM, "OSV notes: out of memory");
        db->notes = grown;
        db->cap_notes = cap;
    }
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return wb_error_set(WB_EINTERNAL, "OSV notes: bad format");
    note = wb_malloc((size_t)n + 1);
    if (!note)
        return wb_error_set(WB_ENOMEM, "OSV notes: out of memory");
    va_start(ap, fmt);
    vsnprintf(note, (size_t)n + 1, fmt, ap);
    va_end(ap);
    db->notes[db->n_notes++] = note;
    return 0;
}

/* ------------------------------------------------------------------ */
/* shape checks                                                        */
/* ------------------------------------------------------------------ */

static const char *const event_kinds[4] = {"introduced", "fixed", "last_affected", "limit"};
enum { EV_INTRODUCED, EV_FIXED, EV_LAST_AFFECTED, EV_LIMIT };

static int shape_error(const char *what, const char *field, const char *problem)
{
    return wb_error_set(WB_EFORMAT, "%s: %s: %s", what, field, problem);
}

static int check_string(const json_t *v, const char *what, const char *field, bool required)
{
    if (!v)
        return required ? shape_error(what, field, "missing") : 0;
    if (!json_is_string(v))
        return shape_error(what, field, "not a string");
    return 0;
}

static int check_object(const json_t *v, const char *what, const char *field)
{
    if (v && !json_is_object(v))
        return shape_error(what, field, "not an object");
    return 0;
}

/* An optional array (null taken as absent) of at most WB_OSV_MAX_ITEMS. */
static int check_array(const json_t *v, const char *what, const char *field)
{
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return shape_error(what, field, "not an array");
    if (json_array_size(v) > WB_OSV_MAX_ITEMS)
        return wb_error_set(WB_ELIMIT, "%s: %s: %zu entries, more than %d", what, field,
                            json_array_size(v), WB_OSV_MAX_ITEMS);
    return 0;
}

static int check_string_array(const json_t *v, const char *what, const char *field)
{
    size_t i;
    int rc = check_array(v, what, field);

    if (rc < 0 || !json_is_array(v))
        return rc;
    for (i = 0; i < json_array_size(v); i++)
        if (!json_is_string(json_array_get(v, i)))
            return wb_error_set(WB_EFORMAT, "%s: %s[%zu]: not a string", what, field, i);
    return 0;
}

static int check_severity(const json_t *v, const char *what, const char *field)
{
    size_t i;
    int rc = check_array(v, what, field);

    if (rc < 0 || !json_is_array(v))
        return rc;
    for (i = 0; i < json_array_size(v); i++) {
        const json_t *s = json_array_get(v, i);
        if (!json_is_object(s) || !json_is_string(json_object_get(s, "type")) ||
            !json_is_string(json_object_get(s, "score")))
            return wb_error_set(WB_EFORMAT, "%s: %s[%zu]: not an object with string type and score",
                                what, field, i);
    }
    return 0;
}

static bool valid_id(const char *id)
{
    size_t i, n = strlen(id);

    if (n == 0 || n > ID_MAX_LEN)
        return false;
    for (i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              strchr("-_.:", c)))
            return false;
    }
    return true;
}

/* The one event kind of an event object, or -1. */
static int event_kind(const json_t *event, const char **version)
{
    int kind = -1, k;

    for (k = 0; k < 4; k++) {
        const json_t *v = json_object_get(event, event_kinds[k]);
        if (!v)
            continue;
        if (kind >= 0 || !json_is_string(v))
            return -1;
        kind = k;
        *version = json_string_value(v);
    }
    return kind;
}

static int check_range(const json_t *range, const char *what, const char *field)
{
    char path[160];
    const json_t *type = json_object_get(range, "type"), *events;
    const char *type_name, *version;
    bool introduced = false, fixed = false, last_affected = false;
    size_t i;
    int rc;

    if (!json_is_object(range))
        return shape_error(what, field, "not an object");
    if (!json_is_string(type))
        return shape_error(what, field, "no string \"type\"");
    type_name = json_string_value(type);
    if (strcmp(type_name, "GIT") != 0 && strcmp(type_name, "SEMVER") != 0 &&
        strcmp(type_name, "ECOSYSTEM") != 0)
        return shape_error(what, field, "type is not GIT, SEMVER or ECOSYSTEM");
    if (strcmp(type_name, "GIT") == 0 && !json_is_string(json_object_get(range, "repo")))
        return shape_error(what, field, "GIT range without a string \"repo\"");
    snprintf(path, sizeof(path), "%s.events", field);
    events = json_object_get(range, "events");
    if (!events)
        return shape_error(what, path, "missing");
    if ((rc = check_array(events, what, path)) < 0)
        return rc;
    if (!json_is_array(events) || json_array_size(events) == 0)
        return shape_error(what, path, "not a non-empty array");
    for (i = 0; i < json_array_size(events); i++) {
        const json_t *event = json_array_get(events, i);
        int kind = json_is_object(event) ? event_kind(event, &version) : -1;
        if (kind < 0)
            return wb_error_set(WB_EFORMAT,
                                "%s: %s[%zu]: not an object with exactly one string of "
                                "introduced, fixed, last_affected, limit",
                                what, path, i);
        introduced |= kind == EV_INTRODUCED;
        fixed |= kind == EV_FIXED;
        last_affected |= kind == EV_LAST_AFFECTED;
    }
    if (!introduced)
        return shape_error(what, path, "no \"introduced\" event");
    if (fixed && last_affected)
        return shape_error(what, path, "both \"fixed\" and \"last_affected\" events");
    snprintf(path, sizeof(path), "%s.database_specific", field);
    return check_object(json_object_get(range, "database_specific"), what, path);
}

static int check_affected(const json_t *affected, const char *what, size_t index)
{
    char field[64], sub[96];
    const json_t *package, *ranges;
    size_t i;
    int rc;

    snprintf(field, sizeof(field), "affected[%zu]", index);
    if (!json_is_object(affected))
        return shape_error(what, field, "not an object");
    package = json_object_get(affected, "package");
    if (package) {
        snprintf(sub, sizeof(sub), "%s.package", field);
        if (!json_is_object(package))
            return shape_error(what, sub, "not an object");
        snprintf(sub, sizeof(sub), "%s.package.ecosystem", field);
        if ((rc = check_string(json_object_get(package, "ecosystem"), what, sub, true)) < 0)
            return rc;
        snprintf(sub, sizeof(sub), "%s.package.name", field);
        if ((rc = check_string(json_object_get(package, "name"), what, sub, true)) < 0)
            return rc;
        snprintf(sub, sizeof(sub), "%s.package.purl", field);
        if ((rc = check_string(json_object_get(package, "purl"), what, sub, false)) < 0)
            return rc;
    }
    snprintf(sub, sizeof(sub), "%s.severity", field);
    if ((rc = check_severity(json_object_get(affected, "severity"), what, sub)) < 0)
        return rc;
    snprintf(sub, sizeof(sub), "%s.versions", field);
    if ((rc = check_string_array(json_object_get(affected, "versions"), what, sub)) < 0)
        return rc;
    snprintf(sub, sizeof(sub), "%s.ecosystem_specific", field);
    if ((rc = check_object(json_object_get(affected, "ecosystem_specific"), what, sub)) < 0)
        return rc;
    snprintf(sub, sizeof(sub), "%s.database_specific", field);
    if ((rc = check_object(json_object_get(affected, "database_specific"), what, sub)) < 0)
        return rc;
    ranges = json_object_get(affected, "ranges");
    snprintf(sub, sizeof(sub), "%s.ranges", field);
    if ((rc = check_array(ranges, what, sub)) < 0)
        return rc;
    for (i = 0; json_is_array(ranges) && i < json_array_size(ranges); i++) {
        snprintf(sub, sizeof(sub), "%s.ranges[%zu]", field, i);
        if ((rc = check_range(json_array_get(ranges, i), what, sub)) < 0)
            return rc;
    }
    return 0;
}

static int check_record(const json_t *record, const char *what)
{
    const json_t *id, *affected;
    size_t i;
    int rc;

    if (!json_is_object(record))
        return wb_error_set(WB_EFORMAT, "%s: not a JSON object", what);
    id = json_object_get(record, "id");
    if ((rc = check_string(id, what, "id", true)) < 0)
        return rc;
    if (!valid_id(json_string_value(id)))
        return shape_error(what, "id", "not 1 to 256 letters, digits and -_.:");
    if ((rc = check_string(json_object_get(record, "modified"), what, "modified", true)) < 0 ||
        (rc = check_string(json_object_get(record, "withdrawn"), what, "withdrawn", false)) < 0 ||
        (rc = check_string(json_object_get(record, "summary"), what, "summary", false)) < 0 ||
        (rc = check_string(json_object_get(record, "details"), what, "details", false)) < 0 ||
        (rc = check_string_array(json_object_get(record, "aliases"), what, "aliases")) < 0 ||
        (rc = check_string_array(json_object_get(record, "upstream"), what, "upstream")) < 0 ||
        (rc = check_string_array(json_object_get(record, "related"), what, "related")) < 0 ||
        (rc = check_severity(json_object_get(record, "severity"), what, "severity")) < 0 ||
        (rc = check_object(json_object_get(record, "database_specific"), what,
                           "database_specific")) < 0)
        return rc;
    affected = json_object_get(record, "affected");
    if ((rc = check_array(affected, what, "affected")) < 0)
        return rc;
    for (i = 0; json_is_array(affected) && i < json_array_size(affected); i++)
        if ((rc = check_affected(json_array_get(affected, i), what, i)) < 0)
            return rc;
    return 0;
}

/* ------------------------------------------------------------------ */
/* loading                                                             */
/* ------------------------------------------------------------------ */

static int add_record(wb_osv_db *db, const char *buf, size_t len, const char *what)
{
    json_t *json = NULL;
    const json_t *withdrawn;
    int rc;

    if (db->n_records >= WB_OSV_MAX_RECORDS)
        return wb_error_set(WB_ELIMIT, "%s: more than %d OSV records", what, WB_OSV_MAX_RECORDS);
    if (len > WB_OSV_MAX_FILE_SIZE)
        return wb_error_set(WB_ELIMIT, "%s: %zu bytes, more than the limit of %zu", what, len,
                            WB_OSV_MAX_FILE_SIZE);
    db->total_bytes += len;
    if (db->total_bytes > WB_OSV_MAX_TOTAL_SIZE)
        return wb_error_set(WB_ELIMIT, "%s: more than %llu bytes of OSV records in all", what,
                            (unsigned long long)WB_OSV_MAX_TOTAL_SIZE);
    if ((rc = wb_json_parse(&json, buf, len, what)) < 0)
        return rc;
    if ((rc = check_record(json, what)) < 0)
        goto out;
    withdrawn = json_object_get(json, "withdrawn");
    if (withdrawn) {
        rc = add_note(db, "%s: withdrawn %s: left out",
                      json_string_value(json_object_get(json, "id")), json_string_value(withdrawn));
        goto out;
    }
    if (db->n_records == db->cap_records) {
        size_t cap = db->cap_records ? db->cap_records * 2 : 64;
        osv_record *grown = wb_reallocarray(db->records, cap, sizeof(*grown));
        if (!grown) {
            rc = wb_error_set(WB_ENOMEM, "%s: out of memory", what);
            goto out;
        }
        db->records = grown;
        db->cap_records = cap;
    }
    db->records[db->n_records].json = json;
    db->records[db->n_records].id = json_string_value(json_object_get(json, "id"));
    db->records[db->n_records].modified = json_string_value(json_object_get(json, "modified"));
    db->n_records++;
    json = NULL;
out:
    json_decref(json);
    return rc;
}

static bool is_json_name(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(wb_osv_db *db, int dir_fd, const char *dir_path, unsigned depth)
{
    DIR *dir = NULL;
    struct dirent *de;
    char **names = NULL, *path = NULL, *buf = NULL;
    size_t n_names = 0, cap = 0, i, len;
    int rc = 0, fd;

    if (depth > WB_OSV_MAX_DEPTH) {
        close(dir_fd);
        return wb_error_set(WB_ELIMIT, "%s: directories nested deeper than %d", dir_path,
                            WB_OSV_MAX_DEPTH);
    }
    dir = fdopendir(dir_fd);
    if (!dir) {
        rc = wb_error_set(WB_EIO, "%s: %s", dir_path, strerror(errno));
        close(dir_fd);
        return rc;
    }
    /* names first, sorted, so that notes and messages come in one order */
    errno = 0;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n_names == cap) {
            size_t new_cap = cap ? cap * 2 : 64;
            char **grown = wb_reallocarray(names, new_cap, sizeof(*grown));
            if (!grown) {
                rc = wb_error_set(WB_ENOMEM, "%s: out of memory", dir_path);
                goto out;
            }
            names = grown;
            cap = new_cap;
        }
        if (!(names[n_names] = wb_strdup(de->d_name))) {
            rc = wb_error_set(WB_ENOMEM, "%s: out of memory", dir_path);
            goto out;
        }
        n_names++;
        errno = 0;
    }
    if (errno != 0) {
        rc = wb_error_set(WB_EIO, "%s: %s", dir_path, strerror(errno));
        goto out;
    }
    if (n_names > 1)
        qsort(names, n_names, sizeof(*names), name_cmp);
    for (i = 0; i < n_names && rc == 0; i++) {
        struct stat st;
        wb_free(path);
        if (!(path = wb_asprintf("%s/%s", dir_path, names[i]))) {
            rc = wb_error_set(WB_ENOMEM, "%s: out of memory", dir_path);
            break;
        }
        if (fstatat(dirfd(dir), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
            rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
            break;
        }
        if (S_ISDIR(st.st_mode)) {
            fd = openat(dirfd(dir), names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) {
                rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
                break;
            }
            rc = load_dir(db, fd, path, depth + 1);
        } else if (S_ISREG(st.st_mode) && is_json_name(names[i])) {
            fd = openat(dirfd(dir), names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
            if (fd < 0) {
                rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
                break;
            }
            rc = wb_read_fd(&buf, &len, fd, path, WB_OSV_MAX_FILE_SIZE);
            close(fd);
            if (rc == 0)
                rc = add_record(db, buf, len, path);
            wb_free(buf);
            buf = NULL;
        }
    }
out:
    for (i = 0; i < n_names; i++)
        wb_free(names[i]);
    wb_free(names);
    wb_free(path);
    closedir(dir);
    return rc;
}

static int load_zip(wb_osv_db *db, const char *path)
{
    struct archive *ar = archive_read_new();
    struct archive_entry *ae;
    char *buf = NULL, *what = NULL;
    int rc = 0, r;

    if (!ar)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", path);
    archive_read_support_format_zip(ar);
    if (archive_read_open_filename(ar, path, 1 << 16) != ARCHIVE_OK) {
        rc = wb_error_set(WB_EFORMAT, "%s: not a zip file: %s", path, archive_error_string(ar));
        goto out;
    }
    while ((r = archive_read_next_header(ar, &ae)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(ae);
        size_t len = 0;
        if (archive_entry_filetype(ae) != AE_IFREG || !name || !is_json_name(name))
            continue;
        wb_free(what);
        if (!(what = wb_asprintf("%s:%s", path, name))) {
            rc = wb_error_set(WB_ENOMEM, "%s: out of memory", path);
            goto out;
        }
        if (archive_entry_size_is_set(ae) &&
            (archive_entry_size(ae) < 0 ||
             (uint64_t)archive_entry_size(ae) > WB_OSV_MAX_FILE_SIZE)) {
            rc = wb_error_set(WB_ELIMIT, "%s: more than the limit of %zu bytes", what,
                              WB_OSV_MAX_FILE_SIZE);
            goto out;
        }
        /* read at most the bound plus one byte, whatever the header said */
        buf = wb_malloc(WB_OSV_MAX_FILE_SIZE + 1);
        if (!buf) {
            rc = wb_error_set(WB_ENOMEM, "%s: out of memory", what);
            goto out;
        }
        for (;;) {
            la_ssize_t n = archive_read_data(ar, buf + len, WB_OSV_MAX_FILE_SIZE + 1 - len);
            if (n < 0) {
                rc = wb_error_set(WB_EFORMAT, "%s: %s", what, archive_error_string(ar));
                goto out;
            }
            if (n == 0)
                break;
            len += (size_t)n;
            if (len > WB_OSV_MAX_FILE_SIZE) {
                rc = wb_error_set(WB_ELIMIT, "%s: more than the limit of %zu bytes", what,
                                  WB_OSV_MAX_FILE_SIZE);
                goto out;
            }
        }
        rc = add_record(db, buf, len, what);
        wb_free(buf);
        buf = NULL;
        if (rc < 0)
            goto out;
    }
    if (r != ARCHIVE_EOF)
        rc = wb_error_set(WB_EFORMAT, "%s: %s", path, archive_error_string(ar));
out:
    wb_free(buf);
    wb_free(what);
    archive_read_free(ar);
    return rc;
}

static int record_cmp(const void *a, const void *b)
{
    const osv_record *ra = a, *rb = b;
    return strcmp(ra->id, rb->id);
}

/* PEP 503: lower case, runs of '-', '_', '.' as one '-'. */
static char *normalize_name(wb_ecosystem eco, const char *name)
{
    char *out, *o;
    const char *p;

    if (eco != WB_ECO_PYPI)
        return wb_strdup(name);
    out = wb_malloc(strlen(name) + 1);
    if (!out)
        return NULL;
    for (p = name, o = out; *p; p++) {
        if (*p == '-' || *p == '_' || *p == '.') {
            if (o == out || o[-1] != '-')
                *o++ = '-';
        } else {
            *o++ = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
        }
    }
    *o = '\0';
    return out;
}

static int entry_cmp(const void *a, const void *b)
{
    const osv_entry *ea = a, *eb = b;
    int c = strcmp(ea->ecosystem, eb->ecosystem);

    if (c == 0)
        c = strcmp(ea->name, eb->name);
    if (c == 0)
        c = ea->record < eb->record ? -1 : ea->record > eb->record;
    return c;
}

/* The ordering a range of `type` uses in ecosystem `eco`. */
static wb_ecosystem range_ordering(wb_ecosystem eco, const char *type)
{
    if (strcmp(type, "SEMVER") == 0 && eco != WB_ECO_NPM && eco != WB_ECO_GO && eco != WB_ECO_CARGO)
        return WB_ECO_SEMVER;
    return eco;
}

static bool is_start(int kind, const char *version)
{
    return kind == EV_INTRODUCED && strcmp(version, "0") == 0;
}

static bool is_no_limit(int kind, const char *version)
{
    return kind == EV_LIMIT && strcmp(version, "*") == 0;
}

/* Notes on the ranges of one affected entry that queries will skip. */
static int note_ranges(wb_osv_db *db, const char *id, size_t index, wb_ecosystem eco,
                       const json_t *affected)
{
    const json_t *ranges = json_object_get(affected, "ranges");
    size_t r, e;
    int rc = 0;

    for (r = 0; json_is_array(ranges) && r < json_array_size(ranges) && rc == 0; r++) {
        const json_t *range = json_array_get(ranges, r), *events = json_object_get(range, "events");
        const char *type = json_string_value(json_object_get(range, "type"));
        wb_ecosystem ordering = range_ordering(eco, type);

        if (strcmp(type, "GIT") == 0) {
            rc = add_note(
                db, "%s: affected[%zu].ranges[%zu]: GIT range skipped (commits, not versions)", id,
                index, r);
            continue;
        }
        for (e = 0; e < json_array_size(events); e++) {
            const char *version = NULL;
            int kind = event_kind(json_array_get(events, e), &version);
            if (is_start(kind, version) || is_no_limit(kind, version))
                continue;
            if (wb_version_check(ordering, version) < 0) {
                rc = add_note(db, "%s: affected[%zu].ranges[%zu]: range skipped: %s", id, index, r,
                              wb_error_last());
                break;
            }
        }
    }
    return rc;
}

/* Sort records, keep one per id, index the affected entries. */
static int finish(wb_osv_db *db)
{
    size_t i, kept = 0;
    int rc = 0;

    if (db->n_records > 1)
        qsort(db->records, db->n_records, sizeof(*db->records), record_cmp);
    for (i = 0; i < db->n_records; i++) {
        osv_record *r = &db->records[i];
        if (kept > 0 && strcmp(db->records[kept - 1].id, r->id) == 0) {
            osv_record *k = &db->records[kept - 1];
            /* RFC 3339 UTC timestamps of one form order as strings */
            if (strcmp(r->modified, k->modified) > 0) {
                json_t *older = k->json;
                *k = *r;
                r->json = older;
            }
            rc = add_note(db, "%s: found twice, kept the one modified %s", k->id, k->modified);
            json_decref(r->json);
            r->json = NULL;
            if (rc < 0)
                return rc;
            continue;
        }
        db->records[kept++] = *r;
    }
    db->n_records = kept;

    for (i = 0; i < db->n_records; i++) {
        const json_t *affected = json_object_get(db->records[i].json, "affected");
        size_t a;
        for (a = 0; json_is_array(affected) && a < json_array_size(affected); a++) {
            const json_t *entry = json_array_get(affected, a);
            const json_t *package = json_object_get(entry, "package");
            const char *ecosystem, *name;
            wb_ecosystem eco;
            osv_entry *e;

            if (!package)
                continue;
            ecosystem = json_string_value(json_object_get(package, "ecosystem"));
            name = json_string_value(json_object_get(package, "name"));
            if (wb_ecosystem_from_osv(&eco, ecosystem) < 0) {
                if ((rc = add_note(
                         db,
                         "%s: affected[%zu]: no version ordering for ecosystem '%.64s': skipped",
                         db->records[i].id, a, ecosystem)) < 0)
                    return rc;
                continue;
            }
            if ((rc = note_ranges(db, db->records[i].id, a, eco, entry)) < 0)
                return rc;
            if (db->n_entries == db->cap_entries) {
                size_t cap = db->cap_entries ? db->cap_entries * 2 : 64;
                osv_entry *grown = wb_reallocarray(db->entries, cap, sizeof(*grown));
                if (!grown)
                    return wb_error_set(WB_ENOMEM, "OSV index: out of memory");
                db->entries = grown;
                db->cap_entries = cap;
            }
            e = &db->entries[db->n_entries];
            e->name = normalize_name(eco, name);
            if (!e->name)
                return wb_error_set(WB_ENOMEM, "OSV index: out of memory");
            e->ecosystem = ecosystem;
            e->eco = eco;
            e->record = i;
            e->affected = entry;
            db->n_entries++;
        }
    }
    if (db->n_entries > 1)
        qsort(db->entries, db->n_entries, sizeof(*db->entries), entry_cmp);
    wb_error_clear();
    return 0;
}

static wb_osv_db *db_new(void)
{
    wb_osv_db *db = wb_calloc(1, sizeof(*db));
    if (!db)
        wb_error_set(WB_ENOMEM, "OSV database: out of memory");
    return db;
}

int wb_osv_db_load(wb_osv_db **out, const char *path)
{
    wb_osv_db *db = NULL;
    struct stat st;
    int rc, fd;

    if (!out || !path)
        return wb_error_set(WB_EINVAL, "wb_osv_db_load: NULL argument");
    *out = NULL;
    if (stat(path, &st) < 0)
        return wb_error_set(errno == ENOENT ? WB_ENOTFOUND : WB_EIO, "%s: %s", path,
                            strerror(errno));
    if (!(db = db_new()))
        return WB_ENOMEM;
    if (S_ISDIR(st.st_mode)) {
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
        rc = load_dir(db, fd, path, 0);
    } else if (S_ISREG(st.st_mode) && is_json_name(path)) {
        char *buf = NULL;
        size_t len = 0;
        rc = wb_read_file(&buf, &len, path, WB_OSV_MAX_FILE_SIZE);
        if (rc == 0)
            rc = add_record(db, buf, len, path);
        wb_free(buf);
    } else if (S_ISREG(st.st_mode)) {
        rc = load_zip(db, path);
    } else {
        rc = wb_error_set(WB_EIO, "%s: neither a directory nor a file", path);
    }
    if (rc == 0)
        rc = finish(db);
out:
    if (rc < 0) {
        wb_osv_db_free(db);
        return rc;
    }
    *out = db;
    return 0;
}

int wb_osv_db_load_buffer(wb_osv_db **out, const char *json, size_t len, const char *what)
{
    wb_osv_db *db;
    int rc;

    if (!out || (!json && len) || !what)
        return wb_error_set(WB_EINVAL, "wb_osv_db_load_buffer: NULL argument");
    *out = NULL;
    if (!(db = db_new()))
        return WB_ENOMEM;
    rc = add_record(db, json ? json : "", len, what);
    if (rc == 0)
        rc = finish(db);
    if (rc < 0) {
        wb_osv_db_free(db);
        return rc;
    }
    *out = db;
    return 0;
}

void wb_osv_db_free(wb_osv_db *db)
{
    size_t i;

    if (!db)
        return;
    for (i = 0; i < db->n_records; i++)
        json_decref(db->records[i].json);
    for (i = 0; i < db->n_entries; i++)
        wb_free(db->entries[i].name);
    for (i = 0; i < db->n_notes; i++)
        wb_free(db->notes[i]);
    wb_free(db->records);
    wb_free(db->entries);
    wb_free(db->notes);
    wb_free(db);
}

size_t wb_osv_db_record_count(const wb_osv_db *db)
{
    return db ? db->n_records : 0;
}

size_t wb_osv_db_note_count(const wb_osv_db *db)
{
    return db ? db->n_notes : 0;
}

const char *wb_osv_db_note_at(const wb_osv_db *db, size_t i)
{
    return db && i < db->n_notes ? db->notes[i] : NULL;
}

size_t wb_osv_db_notes_dropped(const wb_osv_db *db)
{
    return db ? db->notes_dropped : 0;
}

/* ------------------------------------------------------------------ */
/* evaluation                                                          */
/* ------------------------------------------------------------------ */

/* Order of two event versions, "0" (introduced) before everything. */
static int event_cmp(wb_ecosystem ordering, int ka, const char *a, int kb, const char *b, int *out)
{
    bool sa = is_start(ka, a), sb = is_start(kb, b);

    if (sa || sb) {
        *out = sa == sb ? 0 : (sa ? -1 : 1);
        return 0;
    }
    return wb_version_compare(ordering, a, b, out);
}

/* Is `version` in `range`? *fixed is the first fixed event after it (NULL
 * when none). A range that cannot be evaluated (GIT, a version invalid in
 * the ordering) is not matched and gives no fix: returns -1. */
static int range_affects(const json_t *range, wb_ecosystem eco, const char *version,
                         const char **fixed)
{
    const char *type = json_string_value(json_object_get(range, "type"));
    const json_t *events = json_object_get(range, "events");
    wb_ecosystem ordering = range_ordering(eco, type);
    const char *last_version = NULL, *event_version = NULL;
    int last_kind = -1, kind, c;
    bool has_limit = false, below_limit = false;
    size_t i;

    *fixed = NULL;
    if (strcmp(type, "GIT") == 0 || wb_version_check(ordering, version) < 0)
        return -1;
    for (i = 0; i < json_array_size(events); i++) {
        bool applies;

        kind = event_kind(json_array_get(events, i), &event_version);
        if (kind == EV_LIMIT) {
            has_limit = true;
            if (is_no_limit(kind, event_version)) {
                below_limit = true;
                continue;
            }
        }
        if (is_start(kind, event_version)) {
            c = 1;
        } else if (wb_version_compare(ordering, version, event_version, &c) < 0) {
            return -1;
        }
        /* c: order of `version` against the event */
        switch (kind) {
        case EV_INTRODUCED:
            applies = c >= 0;
            break;
        case EV_FIXED:
            applies = c >= 0;
            if (c < 0) {
                int d = -1;
                if (*fixed && wb_version_compare(ordering, event_version, *fixed, &d) < 0)
                    return -1;
                if (!*fixed || d < 0)
                    *fixed = event_version;
            }
            break;
        case EV_LAST_AFFECTED:
            applies = c > 0;
            break;
        default: /* limit */
            if (c < 0)
                below_limit = true;
            applies = false;
            break;
        }
        if (!applies)
            continue;
        /* the applicable event latest in version order; ties: the later one */
        if (last_kind >= 0) {
            if (event_cmp(ordering, kind, event_version, last_kind, last_version, &c) < 0)
                return -1;
            if (c < 0)
                continue;
        }
        last_kind = kind;
        last_version = event_version;
    }
    if (has_limit && !below_limit)
        return 0;
    return last_kind == EV_INTRODUCED;
}

static int version_listed(const json_t *versions, wb_ecosystem eco, const char *version)
{
    size_t i;

    for (i = 0; json_is_array(versions) && i < json_array_size(versions); i++) {
        const char *listed = json_string_value(json_array_get(versions, i));
        int c = 1;
        if (strcmp(listed, version) == 0)
            return 1;
        if (wb_version_compare(eco, listed, version, &c) == 0 && c == 0)
            return 1;
    }
    return 0;
}

/* The later of two fixed versions (either may be NULL). */
static const char *later_fix(wb_ecosystem eco, const char *a, const char *b)
{
    int c = 0;

    if (!a || !b)
        return a ? a : b;
    if (wb_version_compare(eco, a, b, &c) < 0)
        return strcmp(a, b) >= 0 ? a : b; /* different orderings: keep one deterministically */
    return c >= 0 ? a : b;
}

/* Does entry `e` affect `version`? *fixed as for range_affects, the latest
 * over the ranges that match (or the first fix above `version` in any range
 * when only the versions list matched). */
static bool entry_affects(const osv_entry *e, const char *version, const char **fixed)
{
    const json_t *ranges = json_object_get(e->affected, "ranges");
    const char *any_fix = NULL, *match_fix = NULL, *fix;
    bool matched = false;
    size_t r;

    for (r = 0; json_is_array(ranges) && r < json_array_size(ranges); r++) {
        const json_t *range = json_array_get(ranges, r);
        int in = range_affects(range, e->eco, version, &fix);
        if (in < 0)
            continue;
        any_fix = any_fix ? later_fix(e->eco, any_fix, fix) : fix;
        if (in) {
            matched = true;
            match_fix = later_fix(e->eco, match_fix, fix);
        }
    }
    if (matched) {
        *fixed = match_fix;
        return true;
    }
    if (version_listed(json_object_get(e->affected, "versions"), e->eco, version)) {
        *fixed = any_fix;
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* query                                                               */
/* ------------------------------------------------------------------ */

typedef struct {
    size_t record;
    const json_t *affected;
    const char *fixed;
    size_t group;
} osv_match;

/* The one upstream id of a record, when it has exactly one (Debian's
 * DEBIAN-CVE-2024-1 names CVE-2024-1 that way; a DSA fixing several CVEs
 * stays apart from each of them). */
static const json_t *single_upstream(const osv_record *r)
{
    const json_t *upstream = json_object_get(r->json, "upstream");
    return json_is_array(upstream) && json_array_size(upstream) == 1 ? upstream : NULL;
}

static size_t group_root(osv_match *m, size_t i)
{
    while (m[i].group != i)
        i = m[i].group = m[m[i].group].group;
    return i;
}

/* One name a matched record is known by, for joining and listing. */
typedef struct {
    const char *name;
    size_t match;
} osv_name_ref;

static int name_ref_cmp(const void *a, const void *b)
{
    const osv_name_ref *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->match < y->match ? -1 : x->match > y->match);
}

/* Every name of the given matches: the record's id, its aliases, its one
 * upstream id. Sorting these and joining equal neighbours costs
 * O(n log n), however many aliases a hostile record lists. */
static int collect_names(osv_name_ref **out, size_t *out_count, const wb_osv_db *db,
                         const osv_match *matches, const size_t *which, size_t n_which)
{
    osv_name_ref *names;
    size_t total = 0, n = 0, i, a, l;

    *out = NULL;
    *out_count = 0;
    for (i = 0; i < n_which; i++) {
        const osv_record *r = &db->records[matches[which[i]].record];
        total +=
            1 + json_array_size(json_object_get(r->json, "aliases")) + (single_upstream(r) ? 1 : 0);
    }
    names = wb_reallocarray(NULL, total ? total : 1, sizeof(*names));
    if (!names)
        return wb_error_set(WB_ENOMEM, "OSV query: out of memory");
    for (i = 0; i < n_which; i++) {
        const osv_record *r = &db->records[matches[which[i]].record];
        const json_t *lists[2] = {json_object_get(r->json, "aliases"), single_upstream(r)};
        names[n].name = r->id;
        names[n++].match = which[i];
        for (l = 0; l < 2; l++)
            for (a = 0; json_is_array(lists[l]) && a < json_array_size(lists[l]); a++) {
                names[n].name = json_string_value(json_array_get(lists[l], a));
                names[n++].match = which[i];
            }
    }
    if (n > 1)
        qsort(names, n, sizeof(*names), name_ref_cmp);
    *out = names;
    *out_count = n;
    return 0;
}

static int severity_cmp(const void *a, const void *b)
{
    const wb_osv_severity *x = a, *y = b;
    int c = strcmp(x->type, y->type);
    return c ? c : strcmp(x->score, y->score);
}

static size_t count_severities(const json_t *array)
{
    return json_is_array(array) ? json_array_size(array) : 0;
}

static void add_severities(wb_osv_severity *items, size_t *n, const json_t *array)
{
    size_t i;

    for (i = 0; json_is_array(array) && i < json_array_size(array); i++) {
        const json_t *s = json_array_get(array, i);
        items[*n].type = json_string_value(json_object_get(s, "type"));
        items[(*n)++].score = json_string_value(json_object_get(s, "score"));
    }
}

/* A "severity" string inside a *_specific object, as its own entry. */
static void add_specific(wb_osv_severity *items, size_t *n, const json_t *object, const char *type)
{
    const json_t *severity = json_object_get(object, "severity");

    if (json_is_string(severity)) {
        items[*n].type = type;
        items[(*n)++].score = json_string_value(severity);
    }
}

static void finding_clear(wb_osv_finding *f)
{
    wb_free((void *)f->aliases);
    wb_free((void *)f->severity);
}

/* Fill finding `f` from the matches of one group (indices `members`, the
 * first of them the group's root, whose record id sorts first). */
static int build_finding(wb_osv_finding *f, const wb_osv_db *db, const osv_match *matches,
                         const size_t *members, size_t n_members, wb_ecosystem eco)
{
    osv_name_ref *names = NULL;
    const char **aliases = NULL;
    wb_osv_severity *severity = NULL;
    size_t n_names = 0, n_aliases = 0, n_severity = 0, total = 0, i;
    int rc;

    memset(f, 0, sizeof(*f));
    f->id = db->records[matches[members[0]].record].id;

    /* aliases: every name of the group but the id, sorted, each once */
    if ((rc = collect_names(&names, &n_names, db, matches, members, n_members)) < 0)
        goto out;
    aliases = wb_reallocarray(NULL, n_names ? n_names : 1, sizeof(*aliases));
    if (!aliases) {
        rc = wb_error_set(WB_ENOMEM, "OSV query: out of memory");
        goto out;
    }
    for (i = 0; i < n_names; i++) {
        if (strcmp(names[i].name, f->id) == 0 ||
            (n_aliases > 0 && strcmp(aliases[n_aliases - 1], names[i].name) == 0))
            continue;
        aliases[n_aliases++] = names[i].name;
    }

    /* severities of the records and of the matching entries, each once */
    for (i = 0; i < n_members; i++) {
        const osv_match *m = &matches[members[i]];
        const json_t *record = db->records[m->record].json;
        total += count_severities(json_object_get(record, "severity")) +
                 count_severities(json_object_get(m->affected, "severity")) + 3;
    }
    severity = wb_reallocarray(NULL, total, sizeof(*severity));
    if (!severity) {
        rc = wb_error_set(WB_ENOMEM, "OSV query: out of memory");
        goto out;
    }
    for (i = 0; i < n_members; i++) {
        const osv_match *m = &matches[members[i]];
        const json_t *record = db->records[m->record].json;
        add_severities(severity, &n_severity, json_object_get(record, "severity"));
        add_severities(severity, &n_severity, json_object_get(m->affected, "severity"));
        add_specific(severity, &n_severity, json_object_get(m->affected, "database_specific"),
                     "database_specific");
        add_specific(severity, &n_severity, json_object_get(m->affected, "ecosystem_specific"),
                     "ecosystem_specific");
        add_specific(severity, &n_severity, json_object_get(record, "database_specific"),
                     "database_specific");
        if (!f->summary && json_is_string(json_object_get(record, "summary")))
            f->summary = json_string_value(json_object_get(record, "summary"));
        f->fixed = later_fix(eco, f->fixed, m->fixed);
    }
    if (n_severity > 1) {
        size_t kept = 1;
        qsort(severity, n_severity, sizeof(*severity), severity_cmp);
        for (i = 1; i < n_severity; i++)
            if (severity_cmp(&severity[kept - 1], &severity[i]) != 0)
                severity[kept++] = severity[i];
        n_severity = kept;
    }
    f->aliases = aliases;
    f->n_aliases = n_aliases;
    f->severity = severity;
    f->n_severity = n_severity;
    aliases = NULL;
    severity = NULL;
out:
    wb_free(names);
    wb_free(aliases);
    wb_free(severity);
    return rc;
}

static int key_cmp(const osv_entry *e, const char *ecosystem, const char *name)
{
    int c = strcmp(e->ecosystem, ecosystem);
    return c ? c : strcmp(e->name, name);
}

int wb_osv_query(wb_osv_findings **out, const wb_osv_db *db, const char *ecosystem,
                 const char *name, const char *version)
{
    wb_osv_findings *findings = NULL;
    osv_match *matches = NULL;
    size_t *members = NULL;
    size_t n_matches = 0, lo, hi, i, j;
    char *key = NULL;
    wb_ecosystem eco;
    int rc;

    if (!out || !db || !ecosystem || !name || !version)
        return wb_error_set(WB_EINVAL, "wb_osv_query: NULL argument");
    *out = NULL;
    if ((rc = wb_ecosystem_from_osv(&eco, ecosystem)) < 0)
        return rc;
    if ((rc = wb_version_check(eco, version)) < 0)
        return wb_error_prefix(rc, "%s/%s: ", ecosystem, name);
    if (!(key = normalize_name(eco, name)))
        return wb_error_set(WB_ENOMEM, "OSV query: out of memory");
    findings = wb_calloc(1, sizeof(*findings));
    if (!findings) {
        rc = wb_error_set(WB_ENOMEM, "OSV query: out of memory");
        goto out;
    }

    /* the first entry not below the key */
    lo = 0;
    hi = db->n_entries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_cmp(&db->entries[mid], ecosystem, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (i = lo; i < db->n_entries && key_cmp(&db->entries[i], ecosystem, key) == 0; i++) {
        const char *fixed = NULL;
        if (!entry_affects(&db->entries[i], version, &fixed))
            continue;
        /* entries of one record are adjacent (sorted by record) */
        if (n_matches > 0 && matches[n_matches - 1].record == db->entries[i].record) {
            matches[n_matches - 1].fixed = later_fix(eco, matches[n_matches - 1].fixed, fixed);
            continue;
        }
        {
            osv_match *grown = wb_reallocarray(matches, n_matches + 1, sizeof(*grown));
            if (!grown) {
                rc = wb_error_set(WB_ENOMEM, "OSV query: out of memory");
                goto out;
            }
            matches = grown;
        }
        matches[n_matches].record = db->entries[i].record;
        matches[n_matches].affected = db->entries[i].affected;
        matches[n_matches].fixed = fixed;
        matches[n_matches].group = n_matches;
        n_matches++;
    }
    /* join records that share a name (id, alias, single upstream id);
     * the root of a group is its first member, whose id sorts first */
    if (n_matches > 1) {
        osv_name_ref *names = NULL;
        size_t n_names = 0;
        members = wb_calloc(n_matches, sizeof(*members));
        if (!members) {
            rc = wb_error_set(WB_ENOMEM, "OSV query: out of memory");
            goto out;
        }
        for (i = 0; i < n_matches; i++)
            members[i] = i;
        if ((rc = collect_names(&names, &n_names, db, matches, members, n_matches)) < 0)
            goto out;
        for (i = 1; i < n_names; i++)
            if (strcmp(names[i - 1].name, names[i].name) == 0) {
                size_t ri = group_root(matches, names[i - 1].match);
                size_t rj = group_root(matches, names[i].match);
                if (ri < rj)
                    matches[rj].group = ri;
                else if (rj < ri)
                    matches[ri].group = rj;
            }
        wb_free(names);
        wb_free(members);
        members = NULL;
    }
    if (n_matches > 0) {
        findings->items = wb_calloc(n_matches, sizeof(*findings->items));
        members = wb_calloc(n_matches, sizeof(*members));
        if (!findings->items || !members) {
            rc = wb_error_set(WB_ENOMEM, "OSV query: out of memory");
            goto out;
        }
    }
    for (i = 0; i < n_matches; i++) {
        size_t n_members = 0;
        if (group_root(matches, i) != i)
            continue;
        for (j = i; j < n_matches; j++)
            if (group_root(matches, j) == i)
                members[n_members++] = j;
        rc = build_finding(&findings->items[findings->count], db, matches, members, n_members, eco);
        if (rc < 0)
            goto out;
        findings->count++;
    }
    *out = findings;
    findings = NULL;
    wb_error_clear();
out:
    wb_osv_findings_free(findings);
    wb_free(matches);
    wb_free(members);
    wb_free(key);
    return rc;
}

size_t wb_osv_findings_count(const wb_osv_findings *findings)
{
    return findings ? findings->count : 0;
}

const wb_osv_finding *wb_osv_findings_at(const wb_osv_findings *findings, size_t i)
{
    return findings && i < findings->count ? &findings->items[i] : NULL;
}

void wb_osv_findings_free(wb_osv_findings *findings)
{
    size_t i;

    if (!findings)
        return;
    for (i = 0; i < findings->count; i++)
        finding_clear(&findings->items[i]);
    wb_free(findings->items);
    wb_free(findings);
}
