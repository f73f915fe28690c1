/*
 * review.c: the findings of a review, the redline, and the documents that
 * carry them: SARIF 2.1.0 and the signed review attestation (review.h,
 * docs/formats/review.md).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "internal.h"
#include "waybill/review.h"

#define MAX_NOTES 1000

static const char *const severity_names[] = {"none", "low", "medium", "high", "critical"};
static const char *const kind_names[] = {"", "vulnerability", "secret", "malware", "baseline"};

const char *wb_severity_name(wb_severity severity)
{
    if ((unsigned)severity >= sizeof(severity_names) / sizeof(severity_names[0]))
        return "none";
    return severity_names[severity];
}

int wb_severity_parse(wb_severity *out, const char *name)
{
    size_t i;
    if (!out || !name)
        return wb_error_set(WB_EINVAL, "wb_severity_parse: NULL argument");
    for (i = 0; i < sizeof(severity_names) / sizeof(severity_names[0]); i++)
        if (strcasecmp(name, severity_names[i]) == 0) {
            *out = (wb_severity)i;
            return 0;
        }
    return wb_error_set(WB_EFORMAT, "severity \"%s\": not one of none, low, medium, high, critical",
                        name);
}

const char *wb_finding_kind_name(wb_finding_kind kind)
{
    if ((unsigned)kind > WB_FINDING_KINDS)
        return "";
    return kind_names[kind];
}

/* --- the review --- */

typedef struct {
    char *name, *version;
    unsigned char sha256[32];
} rule_set;

struct wb_review {
    char *name;
    wb_finding *findings;
    size_t count, cap;
    wb_review_rule *rules;
    size_t nrules, rules_cap;
    rule_set *sets;
    size_t nsets;
    char **notes;
    size_t nnotes, notes_dropped;
};

int wb_review_new(wb_review **out, const char *name)
{
    wb_review *r;
    if (!out || !name)
        return wb_error_set(WB_EINVAL, "wb_review_new: NULL argument");
    *out = NULL;
    if (!(r = wb_calloc(1, sizeof(*r))) || !(r->name = wb_strdup(name))) {
        wb_free(r);
        return wb_error_set(WB_ENOMEM, "out of memory");
    }
    *out = r;
    return 0;
}

static void finding_clear(wb_finding *f)
{
    size_t i;
    wb_free((char *)f->rule_id);
    wb_free((char *)f->message);
    wb_free((char *)f->path);
    wb_free((char *)f->component);
    wb_free((char *)f->fixed);
    for (i = 0; i < f->n_aliases; i++)
        wb_free((char *)f->aliases[i]);
    wb_free((char **)f->aliases);
}

void wb_review_free(wb_review *review)
{
    size_t i;
    if (!review)
        return;
    for (i = 0; i < review->count; i++)
        finding_clear(&review->findings[i]);
    wb_free(review->findings);
    for (i = 0; i < review->nrules; i++) {
        wb_free((char *)review->rules[i].id);
        wb_free((char *)review->rules[i].description);
        wb_free((char *)review->rules[i].csf);
    }
    wb_free(review->rules);
    for (i = 0; i < review->nsets; i++) {
        wb_free(review->sets[i].name);
        wb_free(review->sets[i].version);
    }
    wb_free(review->sets);
    for (i = 0; i < review->nnotes; i++)
        wb_free(review->notes[i]);
    wb_free(review->notes);
    wb_free(review->name);
    wb_free(review);
}

/* A copy of `s`, or NULL for NULL; *failed set when a copy fails. */
static char *dup_opt(const char *s, bool *failed)
{
    char *copy;
    if (!s)
        return NULL;
    if (!(copy = wb_strdup(s)))
        *failed = true;
    return copy;
}

static bool grow(void **items, size_t *cap, size_t count, size_t size)
{
    void *grown;
    size_t want;
    if (count < *cap)
        return true;
    want = *cap ? *cap * 2 : 16;
    if (!(grown = wb_reallocarray(*items, want, size)))
        return false;
    *items = grown;
    *cap = want;
    return true;
}

int wb_review_add(wb_review *review, const wb_finding *finding)
{
    wb_finding *f;
    bool failed = false;
    size_t i;

    if (!review || !finding || !finding->rule_id)
        return wb_error_set(WB_EINVAL, "wb_review_add: NULL argument");
    if ((unsigned)finding->kind < 1 || (unsigned)finding->kind > WB_FINDING_KINDS ||
        (unsigned)finding->severity > WB_SEVERITY_CRITICAL)
        return wb_error_set(WB_EINVAL, "wb_review_add: kind or severity out of range");
    if (!grow((void **)&review->findings, &review->cap, review->count, sizeof(*f)))
        return wb_error_set(WB_ENOMEM, "out of memory");
    f = &review->findings[review->count];
    memset(f, 0, sizeof(*f));
    f->kind = finding->kind;
    f->severity = finding->severity;
    f->line = finding->line;
    f->column = finding->column;
    f->rule_id = dup_opt(finding->rule_id, &failed);
    f->message = dup_opt(finding->message, &failed);
    f->path = dup_opt(finding->path, &failed);
    f->component = dup_opt(finding->component, &failed);
    f->fixed = dup_opt(finding->fixed, &failed);
    if (finding->n_aliases) {
        char **aliases = wb_calloc(finding->n_aliases, sizeof(*aliases));
        if (!aliases)
            failed = true;
        for (i = 0; aliases && i < finding->n_aliases; i++)
            aliases[i] = dup_opt(finding->aliases[i], &failed);
        f->aliases = (const char *const *)aliases;
        f->n_aliases = aliases ? finding->n_aliases : 0;
    }
    if (failed) {
        finding_clear(f);
        return wb_error_set(WB_ENOMEM, "out of memory");
    }
    review->count++;
    return 0;
}

int wb_review_add_rule(wb_review *review, const wb_review_rule *rule)
{
    wb_review_rule *r;
    bool failed = false;
    size_t i;

    if (!review || !rule || !rule->id)
        return wb_error_set(WB_EINVAL, "wb_review_add_rule: NULL argument");
    for (i = 0; i < review->nrules; i++)
        if (review->rules[i].kind == rule->kind && strcmp(review->rules[i].id, rule->id) == 0)
            return 0;
    if (!grow((void **)&review->rules, &review->rules_cap, review->nrules, sizeof(*r)))
        return wb_error_set(WB_ENOMEM, "out of memory");
    r = &review->rules[review->nrules];
    *r = *rule;
    r->id = dup_opt(rule->id, &failed);
    r->description = dup_opt(rule->description, &failed);
    r->csf = dup_opt(rule->csf, &failed);
    if (failed) {
        wb_free((char *)r->id);
        wb_free((char *)r->description);
        wb_free((char *)r->csf);
        return wb_error_set(WB_ENOMEM, "out of memory");
    }
    review->nrules++;
    return 0;
}

int wb_review_add_rule_set(wb_review *review, const char *name, const char *version,
                           const unsigned char sha256[32])
{
    rule_set *grown, *s;
    bool failed = false;
    if (!review || !name || !sha256)
        return wb_error_set(WB_EINVAL, "wb_review_add_rule_set: NULL argument");
    if (!(grown = wb_reallocarray(review->sets, review->nsets + 1, sizeof(*grown))))
        return wb_error_set(WB_ENOMEM, "out of memory");
    review->sets = grown;
    s = &review->sets[review->nsets];
    s->name = dup_opt(name, &failed);
    s->version = dup_opt(version ? version : "", &failed);
    memcpy(s->sha256, sha256, 32);
    if (failed) {
        wb_free(s->name);
        wb_free(s->version);
        return wb_error_set(WB_ENOMEM, "out of memory");
    }
    review->nsets++;
    return 0;
}

int wb_review_note(wb_review *review, const char *text)
{
    char **grown;
    if (!review || !text)
        return wb_error_set(WB_EINVAL, "wb_review_note: NULL argument");
    if (review->nnotes >= MAX_NOTES) {
        review->notes_dropped++;
        return 0;
    }
    if (!(grown = wb_reallocarray(review->notes, review->nnotes + 1, sizeof(*grown))))
        return wb_error_set(WB_ENOMEM, "out of memory");
    review->notes = grown;
    if (!(review->notes[review->nnotes] = wb_strdup(text)))
        return wb_error_set(WB_ENOMEM, "out of memory");
    review->nnotes++;
    return 0;
}

static int str_cmp(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int finding_cmp(const void *pa, const void *pb)
{
    const wb_finding *a = pa, *b = pb;
    int c;
    if (a->severity != b->severity)
        return a->severity > b->severity ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if ((c = str_cmp(a->path, b->path)) != 0)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->column != b->column)
        return a->column < b->column ? -1 : 1;
    if ((c = str_cmp(a->rule_id, b->rule_id)) != 0)
        return c;
    return str_cmp(a->component, b->component);
}

static int rule_cmp(const void *pa, const void *pb)
{
    const wb_review_rule *a = pa, *b = pb;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    return strcmp(a->id, b->id);
}

void wb_review_sort(wb_review *review)
{
    if (!review)
        return;
    if (review->count > 1)
        qsort(review->findings, review->count, sizeof(*review->findings), finding_cmp);
    if (review->nrules > 1)
        qsort(review->rules, review->nrules, sizeof(*review->rules), rule_cmp);
}

size_t wb_review_count(const wb_review *review)
{
    return review ? review->count : 0;
}

const wb_finding *wb_review_get(const wb_review *review, size_t i)
{
    return review && i < review->count ? &review->findings[i] : NULL;
}

size_t wb_review_count_of(const wb_review *review, wb_finding_kind kind, wb_severity severity)
{
    size_t i, n = 0;
    for (i = 0; review && i < review->count; i++)
        if (review->findings[i].kind == kind && review->findings[i].severity == severity)
            n++;
    return n;
}

size_t wb_review_note_count(const wb_review *review)
{
    return review ? review->nnotes + review->notes_dropped : 0;
}

const char *wb_review_note_at(const wb_review *review, size_t i)
{
    return review && i < review->nnotes ? review->notes[i] : NULL;
}

/* --- the redline --- */

const char *wb_redline_default_text(void)
{
    return "vulnerability:critical,secret:any,malware:any,baseline:high";
}

static int redline_item(wb_redline *r, const char *item, size_t len)
{
    char buf[64];
    const char *colon;
    wb_severity sev = WB_SEVERITY_NONE;
    bool enabled = true;
    size_t k, klen;
    bool matched = false;

    if (len >= sizeof(buf))
        return wb_error_set(WB_EFORMAT, "redline item \"%.*s...\": too long", 32, item);
    memcpy(buf, item, len);
    buf[len] = '\0';
    if (!(colon = strchr(buf, ':')))
        return wb_error_set(WB_EFORMAT, "redline item \"%s\": not KIND:SEVERITY", buf);
    klen = (size_t)(colon - buf);
    if (strcmp(colon + 1, "off") == 0)
        enabled = false;
    else if (strcmp(colon + 1, "any") == 0)
        sev = WB_SEVERITY_NONE;
    else if (wb_severity_parse(&sev, colon + 1) < 0)
        return wb_error_set(WB_EFORMAT,
                            "redline item \"%s\": \"%s\" is not a severity (none, low, medium, "
                            "high, critical), any or off",
                            buf, colon + 1);
    for (k = 1; k <= WB_FINDING_KINDS; k++) {
        if ((klen == 3 && strncmp(buf, "all", 3) == 0) ||
            (strlen(kind_names[k]) == klen && strncmp(buf, kind_names[k], klen) == 0)) {
            r->enabled[k] = enabled;
            r->at_least[k] = sev;
            matched = true;
        }
    }
    if (!matched)
        return wb_error_set(WB_EFORMAT,
                            "redline item \"%s\": \"%.*s\" is not vulnerability, secret, malware, "
                            "baseline or all",
                            buf, (int)klen, buf);
    return 0;
}

int wb_redline_parse(wb_redline *out, const char *text)
{
    wb_redline r;
    const char *p;
    int rc;

    if (!out || !text)
        return wb_error_set(WB_EINVAL, "wb_redline_parse: NULL argument");
    memset(&r, 0, sizeof(r));
    p = text;
    while (*p) {
        const char *start, *end;
        while (*p == ',' || *p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
            p++;
        if (*p == '#') { /* a comment to the end of the line */
            while (*p && *p != '\n')
                p++;
            continue;
        }
        if (!*p)
            break;
        start = p;
        while (*p && *p != ',' && *p != '\n' && *p != '\r' && *p != ' ' && *p != '\t')
            p++;
        end = p;
        if ((rc = redline_item(&r, start, (size_t)(end - start))) < 0)
            return rc;
    }
    *out = r;
    return 0;
}

char *wb_redline_format(const wb_redline *redline)
{
    wb_buf b = {0};
    char *out = NULL;
    size_t k;
    for (k = 1; k <= WB_FINDING_KINDS; k++) {
        const char *level = !redline->enabled[k] ? "off"
                            : redline->at_least[k] == WB_SEVERITY_NONE
                                ? "any"
                                : wb_severity_name(redline->at_least[k]);
        wb_buf_printf(&b, "%s%s:%s", k > 1 ? "," : "", kind_names[k], level);
    }
    if (b.failed || wb_buf_detach(&b, &out, NULL) < 0) {
        wb_buf_free(&b);
        return NULL;
    }
    return out;
}

static bool crosses(const wb_redline *redline, const wb_finding *f)
{
    return redline->enabled[f->kind] && f->severity >= redline->at_least[f->kind];
}

size_t wb_redline_crossed(const wb_redline *redline, const wb_review *review)
{
    size_t i, n = 0;
    for (i = 0; redline && review && i < review->count; i++)
        if (crosses(redline, &review->findings[i]))
            n++;
    return n;
}

/* --- SARIF 2.1.0 --- */

static const char *sarif_level(wb_severity s)
{
    return s >= WB_SEVERITY_HIGH ? "error" : s == WB_SEVERITY_MEDIUM ? "warning" : "note";
}

/* GitHub's convention, which SARIF consumers read: a CVSS-like number. */
static const char *security_severity(wb_severity s)
{
    static const char *const scores[] = {"0.0", "2.0", "5.5", "8.0", "9.5"};
    return scores[s];
}

/* A relative path as a URI reference (RFC 3986): unreserved characters and
 * '/' as they are, everything else percent-encoded. */
static char *path_uri(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    wb_buf b = {0};
    char *out = NULL;
    const unsigned char *p;
    for (p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p))
            wb_buf_putc(&b, (char)*p);
        else {
            wb_buf_putc(&b, '%');
            wb_buf_putc(&b, hex[*p >> 4]);
            wb_buf_putc(&b, hex[*p & 15]);
        }
    }
    if (b.failed || wb_buf_detach(&b, &out, NULL) < 0) {
        wb_buf_free(&b);
        return NULL;
    }
    return out;
}

static json_t *sarif_rule(const wb_review_rule *rule)
{
    json_t *tags = json_pack("[s]", "security"), *props;
    json_array_append_new(tags, json_string(kind_names[rule->kind]));
    if (rule->csf)
        json_array_append_new(tags, json_sprintf("NIST-CSF-2.0/%s", rule->csf));
    props = json_pack("{s:o, s:s, s:s}", "tags", tags, "security-severity",
                      security_severity(rule->severity), "waybill-severity",
                      wb_severity_name(rule->severity));
    if (rule->csf)
        json_object_set_new(props, "nist-csf", json_string(rule->csf));
    return json_pack("{s:s, s:{s:s}, s:{s:s}, s:o}", "id", rule->id, "shortDescription", "text",
                     rule->description && rule->description[0] ? rule->description : rule->id,
                     "defaultConfiguration", "level", sarif_level(rule->severity), "properties",
                     props);
}

/* A vulnerability's component, fixed version (under `fixed_key`) and
 * aliases, where the finding has them. */
static void add_component_fields(json_t *o, const wb_finding *f, const char *fixed_key)
{
    size_t i;
    if (!o)
        return;
    if (f->component)
        json_object_set_new(o, "component", json_string(f->component));
    if (f->fixed)
        json_object_set_new(o, fixed_key, json_string(f->fixed));
    if (f->n_aliases) {
        json_t *aliases = json_array();
        for (i = 0; i < f->n_aliases; i++)
            json_array_append_new(aliases, json_string(f->aliases[i]));
        json_object_set_new(o, "aliases", aliases);
    }
}

json_t *wb_finding_json(const wb_finding *f)
{
    json_t *o;
    if (!f)
        return NULL;
    o = json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "kind", wb_finding_kind_name(f->kind), "severity",
                  wb_severity_name(f->severity), "ruleId", f->rule_id, "message", f->message,
                  "path", f->path);
    if (o && f->line)
        json_object_set_new(o, "line", json_integer((json_int_t)f->line));
    if (o && f->column)
        json_object_set_new(o, "column", json_integer((json_int_t)f->column));
    add_component_fields(o, f, "fixed");
    return o;
}

static json_t *sarif_result(const wb_review *review, const wb_finding *f, bool *failed)
{
    json_t *result, *props, *location, *region;
    size_t i;
    char *uri;

    result =
        json_pack("{s:s, s:s, s:{s:s}}", "ruleId", f->rule_id, "level", sarif_level(f->severity),
                  "message", "text", f->message && f->message[0] ? f->message : f->rule_id);
    for (i = 0; result && i < review->nrules; i++)
        if (review->rules[i].kind == f->kind && strcmp(review->rules[i].id, f->rule_id) == 0) {
            json_object_set_new(result, "ruleIndex", json_integer((json_int_t)i));
            break;
        }
    if (result && f->path) {
        if (!(uri = path_uri(f->path))) {
            *failed = true;
            return result;
        }
        location = json_pack("{s:{s:{s:s, s:s}}}", "physicalLocation", "artifactLocation", "uri",
                             uri, "uriBaseId", "DELIVERY");
        wb_free(uri);
        if (location && f->line) {
            region = json_pack("{s:I}", "startLine", (json_int_t)f->line);
            if (f->column)
                json_object_set_new(region, "startColumn", json_integer((json_int_t)f->column));
            json_object_set_new(json_object_get(location, "physicalLocation"), "region", region);
        }
        json_object_set_new(result, "locations", json_pack("[o]", location));
    }
    props = json_pack("{s:s, s:s}", "kind", kind_names[f->kind], "severity",
                      wb_severity_name(f->severity));
    add_component_fields(props, f, "fixedVersion");
    json_object_set_new(result, "properties", props);
    if (!result || !props)
        *failed = true;
    return result;
}

int wb_review_write_sarif(char **out, size_t *out_len, const wb_review *review,
                          const wb_sarif_options *opts)
{
    json_t *log, *run, *rules, *results, *notifications;
    bool failed = false;
    size_t i;
    char *text;

    if (!out || !review)
        return wb_error_set(WB_EINVAL, "wb_review_write_sarif: NULL argument");
    *out = NULL;
    rules = json_array();
    results = json_array();
    notifications = json_array();
    for (i = 0; i < review->nrules; i++)
        if (json_array_append_new(rules, sarif_rule(&review->rules[i])) < 0)
            failed = true;
    for (i = 0; i < review->count; i++)
        if (json_array_append_new(results, sarif_result(review, &review->findings[i], &failed)) < 0)
            failed = true;
    for (i = 0; i < review->nnotes; i++)
        json_array_append_new(notifications, json_pack("{s:{s:s}, s:s}", "message", "text",
                                                       review->notes[i], "level", "note"));
    run = json_pack(
        "{s:{s:{s:s, s:s, s:s, s:o}}, s:o, s:[{s:b, s:o}]}", "tool", "driver", "name", "waybill",
        "version", opts && opts->tool_version ? opts->tool_version : wb_version(), "informationUri",
        "https://waybill.dev/", "rules", rules, "results", results, "invocations",
        "executionSuccessful", 1, "toolExecutionNotifications", notifications);
    if (run && opts && opts->root_uri)
        json_object_set_new(run, "originalUriBaseIds",
                            json_pack("{s:{s:s}}", "DELIVERY", "uri", opts->root_uri));
    log = json_pack("{s:s, s:s, s:[o]}", "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
                    "version", "2.1.0", "runs", run);
    if (!log || failed) {
        json_decref(log);
        return wb_error_set(WB_ENOMEM, "out of memory");
    }
    text = json_dumps(log, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    json_decref(log);
    if (!text)
        return wb_error_set(WB_ENOMEM, "out of memory");
    if (!(*out = wb_strdup(text))) {
        free(text);
        return wb_error_set(WB_ENOMEM, "out of memory");
    }
    free(text);
    if (out_len)
        *out_len = strlen(*out);
    return 0;
}

/* --- the review attestation --- */

static json_t *review_predicate(const wb_review *review, const wb_review_attestation_info *info)
{
    json_t *pred, *counts, *sets, *keyids;
    char when[32], hex[65], *redline = NULL;
    struct tm tm;
    time_t t = (time_t)info->reviewed;
    size_t i, k, crossed;

    if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
        return NULL;
    counts = json_object();
    for (k = 1; k <= WB_FINDING_KINDS; k++) {
        json_t *by = json_object();
        unsigned s;
        for (s = WB_SEVERITY_NONE; s <= WB_SEVERITY_CRITICAL; s++)
            json_object_set_new(by, severity_names[s],
                                json_integer((json_int_t)wb_review_count_of(
                                    review, (wb_finding_kind)k, (wb_severity)s)));
        json_object_set_new(counts, kind_names[k], by);
    }
    sets = json_array();
    for (i = 0; i < review->nsets; i++) {
        wb_hex_encode(hex, review->sets[i].sha256, 32);
        json_array_append_new(sets, json_pack("{s:s, s:s, s:{s:s}}", "name", review->sets[i].name,
                                              "version", review->sets[i].version, "digest",
                                              "sha256", hex));
    }
    keyids = json_array();
    for (i = 0; i < info->nkeyids; i++)
        json_array_append_new(keyids, json_string(info->keyids[i]));
    crossed = wb_redline_crossed(info->redline, review);
    if (!(redline = wb_redline_format(info->redline))) {
        json_decref(counts);
        json_decref(sets);
        json_decref(keyids);
        return NULL;
    }
    pred = json_pack("{s:s, s:s, s:{s:s, s:s, s:o}, s:{s:s, s:s, s:I}, s:o, s:o, s:I, s:I}",
                     "delivery", review->name, "reviewed", when, "reviewer", "tool", "waybill",
                     "version", info->tool_version ? info->tool_version : wb_version(), "keyids",
                     keyids, "redline", "policy", redline, "result", crossed ? "fail" : "pass",
                     "findingsOverRedline", (json_int_t)crossed, "counts", counts, "ruleSets", sets,
                     "findings", (json_int_t)review->count, "notes",
                     (json_int_t)wb_review_note_count(review));
    wb_free(redline);
    if (pred && info->sbom_sha256) {
        wb_hex_encode(hex, info->sbom_sha256, 32);
        json_object_set_new(pred, "sbom",
                            json_pack("{s:I, s:{s:s}}", "components", (json_int_t)info->components,
                                      "digest", "sha256", hex));
    }
    return pred;
}

int wb_review_statement(char **out, size_t *out_len, const wb_review *review, const wb_tree *tree,
                        const wb_review_attestation_info *info)
{
    wb_buf b = {0};
    json_t *pred;
    char *text;
    int rc;

    if (!out || !review || !tree || !info || !info->redline)
        return wb_error_set(WB_EINVAL, "wb_review_statement: NULL argument");
    *out = NULL;
    if (!(pred = review_predicate(review, info)))
        return wb_error_set(WB_ENOMEM, "out of memory");
    text = json_dumps(pred, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(pred);
    if (!text)
        return wb_error_set(WB_ENOMEM, "out of memory");
    if ((rc = wb_buf_statement_head(&b, tree)) == 0) {
        wb_buf_puts(&b, ",\"predicateType\":\"" WB_REVIEW_PREDICATE_TYPE "\",\"predicate\":");
        wb_buf_puts(&b, text);
        wb_buf_putc(&b, '}');
        if (b.failed)
            rc = wb_error_set(WB_ENOMEM, "out of memory");
    }
    free(text);
    if (rc == 0)
        rc = wb_buf_detach(&b, out, out_len);
    wb_buf_free(&b);
    return rc;
}

/* --- checking an attestation --- */

typedef struct {
    const char *name;
    const char *sha256;
} subject_ref;

static int subject_ref_cmp(const void *a, const void *b)
{
    return strcmp(((const subject_ref *)a)->name, ((const subject_ref *)b)->name);
}

/* The subjects as a sorted array; WB_EFORMAT naming `what` when one is
 * not {name, digest.sha256} strings. */
static int subject_refs(subject_ref **out, const json_t *subjects, const char *what)
{
    size_t i, n = json_array_size(subjects);
    subject_ref *refs;
    *out = NULL;
    if (!json_is_array(subjects))
        return wb_error_set(WB_EFORMAT, "%s: subject is not a list", what);
    if (!(refs = wb_calloc(n ? n : 1, sizeof(*refs))))
        return wb_error_set(WB_ENOMEM, "out of memory");
    for (i = 0; i < n; i++) {
        const json_t *s = json_array_get(subjects, i);
        refs[i].name = json_string_value(json_object_get(s, "name"));
        refs[i].sha256 = json_string_value(json_object_get(json_object_get(s, "digest"), "sha256"));
        if (!refs[i].name || !refs[i].sha256) {
            wb_free(refs);
            return wb_error_set(WB_EFORMAT, "%s: subject %zu lacks a name or digest.sha256", what,
                                i);
        }
    }
    qsort(refs, n, sizeof(*refs), subject_ref_cmp);
    *out = refs;
    return 0;
}

/* The regular files of `tree` as sorted subject references; the hex
 * digests go into *hex_out (wb_free()). */
static int tree_refs(subject_ref **out, char **hex_out, size_t *n_out, const wb_tree *tree)
{
    size_t i, n = 0, count = wb_tree_count(tree);
    subject_ref *refs;
    char *hex;
    *out = NULL;
    *hex_out = NULL;
    refs = wb_calloc(count ? count : 1, sizeof(*refs));
    hex = wb_calloc(count ? count : 1, 2 * WB_SHA256_LEN + 1);
    if (!refs || !hex) {
        wb_free(refs);
        wb_free(hex);
        return wb_error_set(WB_ENOMEM, "out of memory");
    }
    for (i = 0; i < count; i++) {
        const wb_tree_entry *e = wb_tree_get(tree, i);
        if (e->type != WB_TREE_FILE)
            continue;
        wb_hex_encode(hex + n * (2 * WB_SHA256_LEN + 1), e->sha256, WB_SHA256_LEN);
        refs[n].name = e->path;
        refs[n].sha256 = hex + n * (2 * WB_SHA256_LEN + 1);
        n++;
    }
    qsort(refs, n, sizeof(*refs), subject_ref_cmp);
    *out = refs;
    *hex_out = hex;
    *n_out = n;
    return 0;
}

/* 0 when the reviewed subjects name the same files with the same digests
 * as the sealed ones (`subjects`, or else the files of `tree`). */
static int same_subjects(const json_t *reviewed, const json_t *subjects, const wb_tree *tree,
                         const char *name)
{
    subject_ref *a = NULL, *b = NULL;
    char *hex = NULL;
    size_t na = json_array_size(reviewed), nb = 0, i = 0, j = 0;
    int rc;

    if ((rc = subject_refs(&a, reviewed, name)) < 0)
        goto out;
    if (subjects) {
        nb = json_array_size(subjects);
        rc = subject_refs(&b, subjects, "the waybill");
    } else {
        rc = tree_refs(&b, &hex, &nb, tree);
    }
    if (rc < 0)
        goto out;
    while (i < na || j < nb) {
        int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i].name, b[j].name);
        if (c < 0) {
            rc = wb_error_set(WB_EVERIFY, "%s: reviewed %s, which the delivery does not hold", name,
                              a[i].name);
            goto out;
        }
        if (c > 0) {
            rc = wb_error_set(WB_EVERIFY, "%s: %s was not reviewed", name, b[j].name);
            goto out;
        }
        if (strlen(a[i].sha256) != strlen(b[j].sha256) ||
            !wb_digest_equal(a[i].sha256, b[j].sha256, strlen(a[i].sha256))) {
            rc = wb_error_set(WB_EVERIFY, "%s: %s was reviewed with other content (sha256 %s)",
                              name, b[j].name, a[i].sha256);
            goto out;
        }
        if (i + 1 < na && strcmp(a[i].name, a[i + 1].name) == 0) {
            rc = wb_error_set(WB_EFORMAT, "%s: subject %s appears twice", name, a[i].name);
            goto out;
        }
        i++;
        j++;
    }
    rc = 0;
out:
    wb_free(a);
    wb_free(b);
    wb_free(hex);
    return rc;
}

int wb_review_attestation_check(json_t **predicate_out, const wb_envelope *env,
                                const wb_keyring *ring, const json_t *subjects, const wb_tree *tree,
                                const char *name)
{
    const unsigned char *payload;
    size_t len;
    json_t *st = NULL, *pred;
    const char *result;
    int rc;

    if (predicate_out)
        *predicate_out = NULL;
    if (!env || !ring || (!subjects && !tree) || !name)
        return wb_error_set(WB_EINVAL, "wb_review_attestation_check: NULL argument");
    if (strcmp(wb_envelope_payload_type(env), WB_INTOTO_PAYLOAD_TYPE) != 0)
        return wb_error_set(WB_EFORMAT, "%s: payloadType is %s, not %s", name,
                            wb_envelope_payload_type(env), WB_INTOTO_PAYLOAD_TYPE);
    if ((rc = wb_dsse_verify(NULL, env, ring, 1)) < 0)
        return wb_error_prefix(rc, "%s: ", name);
    payload = wb_envelope_payload(env, &len);
    if ((rc = wb_json_parse(&st, (const char *)payload, len, name)) < 0)
        return rc;
    pred = json_object_get(st, "predicate");
    if (!json_is_string(json_object_get(st, "_type")) ||
        strcmp(json_string_value(json_object_get(st, "_type")), WB_STATEMENT_TYPE) != 0 ||
        !json_is_string(json_object_get(st, "predicateType")) ||
        strcmp(json_string_value(json_object_get(st, "predicateType")), WB_REVIEW_PREDICATE_TYPE) !=
            0 ||
        !json_is_object(pred)) {
        rc = wb_error_set(WB_EFORMAT, "%s: not an in-toto Statement with predicateType %s", name,
                          WB_REVIEW_PREDICATE_TYPE);
        goto out;
    }
    if ((rc = same_subjects(json_object_get(st, "subject"), subjects, tree, name)) < 0)
        goto out;
    result = json_string_value(json_object_get(json_object_get(pred, "redline"), "result"));
    if (!result || strcmp(result, "pass") != 0) {
        rc = wb_error_set(
            WB_EVERIFY, "%s: the review %s its redline (%s)", name,
            result ? "did not pass" : "records no verdict on",
            json_string_value(json_object_get(json_object_get(pred, "redline"), "policy"))
                ? json_string_value(json_object_get(json_object_get(pred, "redline"), "policy"))
                : "no policy");
        goto out;
    }
    if (predicate_out)
        *predicate_out = json_incref(pred);
    rc = 0;
out:
    json_decref(st);
    return rc;
}
