/*
 * fuzz_osv.c: wb_osv_db_load_buffer() and wb_osv_query() (osv.c).
 *
 * The input is one OSV record. A refused record leaves no database and a
 * message naming the input; refusals are WB_EFORMAT or WB_ELIMIT only. An
 * accepted one holds at most one record (none when withdrawn), and every
 * package of its `affected` entries (read again here with jansson) is
 * queried at each version its ranges and `versions` list name, at "0" and
 * at "1.0.0". Checks on each query:
 *
 *  - it succeeds, or fails with WB_EFORMAT (version invalid in the
 *    ecosystem) or WB_ENOTFOUND (ecosystem without an ordering) only;
 *  - at most one finding, and it is the record's: same id, aliases sorted,
 *    each once and never the id itself, every severity with a type and a
 *    score, a fixed version only among the record's "fixed" events;
 *  - a version listed in `versions` that is valid in the ecosystem is
 *    reported (unless the record is withdrawn);
 *  - the same query twice gives the same answer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"
#include "waybill/osv.h"
#include "waybill/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Is `fixed` the value of some "fixed" event of the record? */
static int is_fixed_event(const json_t *record, const char *fixed)
{
    const json_t *affected = json_object_get(record, "affected"), *a, *r, *e;
    size_t i, j, k;

    json_array_foreach(affected, i, a)
    {
        json_array_foreach(json_object_get(a, "ranges"), j, r)
        {
            json_array_foreach(json_object_get(r, "events"), k, e)
            {
                const json_t *f = json_object_get(e, "fixed");
                if (json_is_string(f) && strcmp(json_string_value(f), fixed) == 0)
                    return 1;
            }
        }
    }
    return 0;
}

/* One query, checked; returns the number of findings (-1 when refused). */
static long check_query(const wb_osv_db *db, const json_t *record, const char *ecosystem,
                        const char *name, const char *version)
{
    wb_osv_findings *findings = NULL, *again = NULL;
    const wb_osv_finding *f;
    const char *id = json_string_value(json_object_get(record, "id"));
    size_t i, count;
    int rc = wb_osv_query(&findings, db, ecosystem, name, version);

    if (rc == WB_ENOMEM)
        return -1;
    if (rc < 0) {
        if ((rc != WB_EFORMAT && rc != WB_ENOTFOUND) || findings)
            abort();
        return -1;
    }
    count = wb_osv_findings_count(findings);
    if (count > 1 || wb_osv_findings_at(findings, count))
        abort();
    if (count == 1) {
        f = wb_osv_findings_at(findings, 0);
        if (!f || !id || strcmp(f->id, id) != 0)
            abort();
        for (i = 0; i < f->n_aliases; i++) {
            if (!f->aliases[i] || strcmp(f->aliases[i], id) == 0)
                abort();
            if (i > 0 && strcmp(f->aliases[i - 1], f->aliases[i]) >= 0)
                abort();
        }
        for (i = 0; i < f->n_severity; i++)
            if (!f->severity[i].type || !f->severity[i].score)
                abort();
        if (f->fixed && !is_fixed_event(record, f->fixed))
            abort();
    }
    rc = wb_osv_query(&again, db, ecosystem, name, version);
    if (rc == 0) {
        if (wb_osv_findings_count(again) != count)
            abort();
        if (count == 1) {
            const wb_osv_finding *g = wb_osv_findings_at(again, 0);
            f = wb_osv_findings_at(findings, 0);
            if (g->n_aliases != f->n_aliases || g->n_severity != f->n_severity ||
                (g->fixed == NULL) != (f->fixed == NULL) ||
                (g->fixed && strcmp(g->fixed, f->fixed) != 0))
                abort();
        }
    } else if (rc != WB_ENOMEM) {
        abort();
    }
    wb_osv_findings_free(again);
    wb_osv_findings_free(findings);
    return (long)count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_osv_db *db = NULL;
    json_t *record = NULL;
    const json_t *affected, *a, *r, *e, *v;
    size_t i, j, k;
    int rc = wb_osv_db_load_buffer(&db, (const char *)data, size, "fuzz.json");
    int withdrawn;

    if (rc < 0) {
        if (db || (rc != WB_EFORMAT && rc != WB_ELIMIT && rc != WB_ENOMEM) ||
            !strstr(wb_error_last(), "fuzz.json"))
            abort();
        return 0;
    }
    if (!db)
        abort();
    /* accepted means it parses; read it again to know what to ask */
    if (wb_json_parse(&record, (const char *)data, size, "fuzz.json") != 0) {
        wb_osv_db_free(db);
        return 0;
    }
    withdrawn = json_object_get(record, "withdrawn") != NULL;
    if (wb_osv_db_record_count(db) != (withdrawn ? 0u : 1u))
        abort();
    affected = json_object_get(record, "affected");
    json_array_foreach(affected, i, a)
    {
        const json_t *package = json_object_get(a, "package");
        const char *ecosystem = json_string_value(json_object_get(package, "ecosystem"));
        const char *name = json_string_value(json_object_get(package, "name"));
        wb_ecosystem eco;

        if (!ecosystem || !name)
            continue;
        check_query(db, record, ecosystem, name, "0");
        check_query(db, record, ecosystem, name, "1.0.0");
        json_array_foreach(json_object_get(a, "ranges"), j, r)
        {
            json_array_foreach(json_object_get(r, "events"), k, e)
            {
                const char *key;
                json_t *value;
                json_object_foreach((json_t *)e, key, value)
                {
                    if (json_is_string(value))
                        check_query(db, record, ecosystem, name, json_string_value(value));
                }
            }
        }
        json_array_foreach(json_object_get(a, "versions"), j, v)
        {
            long found = check_query(db, record, ecosystem, name, json_string_value(v));
            /* a listed valid version is always reported */
            if (!withdrawn && wb_ecosystem_from_osv(&eco, ecosystem) == 0 &&
                wb_version_check(eco, json_string_value(v)) == 0 && found == 0)
                abort();
        }
    }
    json_decref(record);
    wb_osv_db_free(db);
    return 0;
}
