/*
 * layout.c: in-toto Metablocks (links and layouts) and the verification
 * workflow of the in-toto specification v0.9, section 5.1.
 *
 * Parsing builds, for every document, the object in-toto's model holds:
 * the fields the specification defines, defaults filled in, nothing else.
 * A Metablock's signatures are checked over the OLPC canonical JSON of
 * that object, not of the bytes received, which is what in-toto 1.3.1 does
 * (it signs and verifies attr.asdict() of its model): a field the model
 * lacks is never signed, so a document that carries one does not verify,
 * and what the verifier acts on is exactly what was signed. DSSE envelopes
 * are verified over their payload bytes (dsse.c) and the payload is then
 * read into the same model.
 *
 * Verification follows in-toto's order: layout signatures by every given
 * layout key, expiry, links per step (STEP.KEYID8.link), their signatures
 * by authorized functionaries against the threshold, sublayouts verified
 * recursively (bounded by WB_LAYOUT_MAX_NESTING) and reduced to summary
 * links, agreement of the threshold's links, the steps' artifact rules
 * (layout_rules.c), then inspections (layout_inspect.c) and their rules.
 * Deliberate differences, all failing closed: thresholds below one, step
 * names that are not plain file names, keys not filed under their own id
 * and links whose name is not their step's are refused; a layout with
 * inspections fails unless the caller asks to run them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "layout_internal.h"
#include "waybill/layout.h"

struct wb_metablock {
    wb_metablock_type type;
    char *name;
    json_t *model;      /* the signed document as the model holds it; for a
                         * link read by the streaming reader, made on first
                         * use (wb_metablock_signed) */
    char *signed_bytes; /* canonical JSON of model (Metablocks only) */
    size_t signed_len;
    wb_layout_sig *sigs;
    size_t nsigs;
    wb_envelope *env;   /* DSSE only */
    json_t *doc;        /* the document as read, to carry it elsewhere (made
                         * on first use from raw for streamed links) */
    wb_link_data *link; /* a link's tables (made on first use from model) */
    /* read by the streaming reader: model, doc and signed_bytes are made
     * from link when asked for (and signed_bytes may be dropped again) */
    bool streamed;
    bool has_sigs; /* the document had "signatures" */
};

void wb_metablock_free(wb_metablock *mb)
{
    if (!mb)
        return;
    wb_layout_sigs_free(mb->sigs, mb->nsigs);
    json_decref(mb->model);
    wb_free(mb->signed_bytes);
    wb_free(mb->name);
    wb_envelope_free(mb->env);
    json_decref(mb->doc);
    wb_link_data_free(mb->link);
    wb_free(mb);
}

wb_metablock_type wb_metablock_get_type(const wb_metablock *mb)
{
    return mb->type;
}

int wb_metablock_is_dsse(const wb_metablock *mb)
{
    return mb && mb->env != NULL;
}

static int ensure_model(wb_metablock *mb);

const json_t *wb_metablock_signed(const wb_metablock *mb)
{
    if (!mb)
        return NULL;
    /* the model of a streamed link is made when first asked for: the
     * metablock is logically const, the cache is not */
    if (!mb->model && ensure_model((wb_metablock *)mb) < 0)
        return NULL;
    return mb->model;
}

const char *wb_metablock_name(const wb_metablock *mb)
{
    return mb ? mb->name : "";
}

/* The canonical bytes of a streamed link, made again when they were
 * dropped. */
static int ensure_signed_bytes(wb_metablock *mb)
{
    if (mb->signed_bytes || !mb->streamed || mb->env)
        return 0;
    return wb_link_canonical(&mb->signed_bytes, &mb->signed_len, mb->link);
}

const char *wb_metablock_signed_bytes(const wb_metablock *mb, size_t *len)
{
    *len = 0;
    if (ensure_signed_bytes((wb_metablock *)mb) < 0)
        return NULL;
    *len = mb->signed_len;
    return mb->signed_bytes;
}

/* --- the model --- */

static bool is_hex(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
            return false;
    return true;
}

/* `field` of `obj`, or a new `fallback` when absent; checked with `check`.
 * Returns a new reference or NULL with the error set. */
static json_t *field_or(const json_t *obj, const char *field, json_t *fallback,
                        int (*check)(const json_t *), const char *what, const char *name)
{
    json_t *value = json_object_get(obj, field);
    if (!value) {
        if (!fallback)
            wb_error_set(WB_ENOMEM, "%s: out of memory", name);
        return fallback;
    }
    json_decref(fallback);
    if (!check(value)) {
        wb_error_set(WB_EFORMAT, "%s: \"%s\" must be %s", name, field, what);
        return NULL;
    }
    return json_incref(value);
}

static int check_object(const json_t *v)
{
    return json_is_object(v);
}
static int check_array(const json_t *v)
{
    return json_is_array(v);
}
static int check_string(const json_t *v)
{
    return json_is_string(v);
}

static int check_artifacts(const json_t *artifacts, const char *kind, const char *name)
{
    const char *path;
    json_t *hashes;
    if (json_object_size(artifacts) > WB_LAYOUT_MAX_ARTIFACTS)
        return wb_error_set(WB_ELIMIT, "%s: %zu %s, more than %d", name,
                            json_object_size(artifacts), kind, WB_LAYOUT_MAX_ARTIFACTS);
    json_object_foreach((json_t *)artifacts, path, hashes)
    {
        const char *alg;
        json_t *hex;
        if (strlen(path) > WB_LAYOUT_MAX_PATH)
            return wb_error_set(WB_ELIMIT, "%s: %s: a path of %zu bytes, more than %d", name, kind,
                                strlen(path), WB_LAYOUT_MAX_PATH);
        if (!json_is_object(hashes))
            return wb_error_set(WB_EFORMAT, "%s: %s: the hashes of an artifact must be an object",
                                name, kind);
        json_object_foreach(hashes, alg, hex)
        {
            if (!json_is_string(hex) || !is_hex(json_string_value(hex)))
                return wb_error_set(WB_EFORMAT, "%s: %s: hash '%s' must be hex digits", name, kind,
                                    alg);
        }
    }
    return 0;
}

static int model_link(json_t **out, const json_t *in, const char *name)
{
    json_t *model = NULL, *v;
    static const struct {
        const char *field;
        int (*check)(const json_t *);
        const char *what;
        bool array;
    } fields[] = {
        {"materials", check_object, "an object", false},
        {"products", check_object, "an object", false},
        {"byproducts", check_object, "an object", false},
        {"command", check_array, "a list", true},
        {"environment", check_object, "an object", false},
    };
    size_t i;
    int rc = 0;

    *out = NULL;
    v = json_object_get(in, "name");
    if (!json_is_string(v))
        return wb_error_set(WB_EFORMAT, "%s: a link needs a string \"name\"", name);
    model = json_pack("{s:s, s:O}", "_type", "link", "name", v);
    if (!model)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", name);
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        v = field_or(in, fields[i].field, fields[i].array ? json_array() : json_object(),
                     fields[i].check, fields[i].what, name);
        if (!v || json_object_set_new(model, fields[i].field, v) < 0) {
            rc = v ? wb_error_set(WB_ENOMEM, "%s: out of memory", name) : wb_error_last_code();
            goto out;
        }
    }
    if ((rc = check_artifacts(json_object_get(model, "materials"), "materials", name)) < 0 ||
        (rc = check_artifacts(json_object_get(model, "products"), "products", name)) < 0)
        goto out;
    *out = model;
    model = NULL;
out:
    json_decref(model);
    return rc;
}

/* A step or inspection name becomes part of a file name: keep it one. */
static int check_item_name(const char *item, const char *name)
{
    if (!item[0] || strchr(item, '/') || strcmp(item, ".") == 0 || strcmp(item, "..") == 0)
        return wb_error_set(WB_EFORMAT, "%s: step or inspection name '%s' is not a plain file name",
                            name, item);
    return 0;
}

static int model_rules(json_t *model, const json_t *in, const char *field, const char *item,
                       const char *name)
{
    json_t *rules = field_or(in, field, json_array(), check_array, "a list", name), *rule;
    size_t i;
    char where[256];
    int rc;

    if (!rules)
        return wb_error_last_code();
    if (json_array_size(rules) > WB_LAYOUT_MAX_RULES) {
        json_decref(rules);
        return wb_error_set(WB_ELIMIT, "%s: '%s': %zu %s rules, more than %d", name, item,
                            json_array_size(rules), field, WB_LAYOUT_MAX_RULES);
    }
    snprintf(where, sizeof(where), "%s: '%.64s': %s", name, item, field);
    json_array_foreach(rules, i, rule)
    {
        if ((rc = wb_layout_rule_check(rule, where)) < 0) {
            json_decref(rules);
            return rc;
        }
    }
    if (json_object_set_new(model, field, rules) < 0)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", name);
    return 0;
}

static int model_item(json_t **out, const json_t *in, bool step, json_t *names, const char *name)
{
    json_t *model = NULL, *v;
    const char *item;
    int rc = 0;

    *out = NULL;
    if (!json_is_object(in))
        return wb_error_set(WB_EFORMAT, "%s: a step or inspection must be an object", name);
    v = json_object_get(in, "name");
    if (!json_is_string(v))
        return wb_error_set(WB_EFORMAT, "%s: a step or inspection needs a string \"name\"", name);
    item = json_string_value(v);
    if ((rc = check_item_name(item, name)) < 0)
        return rc;
    if (json_object_get(names, item))
        return wb_error_set(WB_EFORMAT, "%s: two steps or inspections are named '%s'", name, item);
    if (json_object_set_new(names, item, json_true()) < 0)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", name);
    model = json_pack("{s:s, s:O}", "_type", step ? "step" : "inspection", "name", v);
    if (!model)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", name);
    if ((rc = model_rules(model, in, "expected_materials", item, name)) < 0 ||
        (rc = model_rules(model, in, "expected_products", item, name)) < 0)
        goto out;
    if (step) {
        json_t *pubkeys, *keyid, *threshold;
        size_t i;
        pubkeys = field_or(in, "pubkeys", json_array(), check_array, "a list", name);
        if (!pubkeys || json_object_set_new(model, "pubkeys", pubkeys) < 0) {
            rc =
                pubkeys ? wb_error_set(WB_ENOMEM, "%s: out of memory", name) : wb_error_last_code();
            goto out;
        }
        if (json_array_size(pubkeys) > WB_LAYOUT_MAX_KEYS) {
            rc = wb_error_set(WB_ELIMIT, "%s: step '%s': %zu pubkeys, more than %d", name, item,
                              json_array_size(pubkeys), WB_LAYOUT_MAX_KEYS);
            goto out;
        }
        json_array_foreach(pubkeys, i, keyid)
        {
            if (!json_is_string(keyid) || !is_hex(json_string_value(keyid))) {
                rc = wb_error_set(WB_EFORMAT, "%s: step '%s': pubkeys must be hex key ids", name,
                                  item);
                goto out;
            }
        }
        v = field_or(in, "expected_command", json_array(), check_array, "a list", name);
        if (!v || json_object_set_new(model, "expected_command", v) < 0) {
            rc = v ? wb_error_set(WB_ENOMEM, "%s: out of memory", name) : wb_error_last_code();
            goto out;
        }
        threshold = json_object_get(in, "threshold");
        if (!threshold)
            threshold = json_integer(1);
        else if (!json_is_integer(threshold) || json_integer_value(threshold) < 1 ||
                 json_integer_value(threshold) > WB_LAYOUT_MAX_KEYS) {
            rc =
                wb_error_set(WB_EFORMAT, "%s: step '%s': threshold must be an integer from 1 to %d",
                             name, item, WB_LAYOUT_MAX_KEYS);
            goto out;
        } else
            json_incref(threshold);
        if (!threshold || json_object_set_new(model, "threshold", threshold) < 0) {
            rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
            goto out;
        }
    } else {
        json_t *word;
        size_t i;
        v = field_or(in, "run", json_array(), check_array, "a list", name);
        if (!v || json_object_set_new(model, "run", v) < 0) {
            rc = v ? wb_error_set(WB_ENOMEM, "%s: out of memory", name) : wb_error_last_code();
            goto out;
        }
        if (json_array_size(v) > WB_LAYOUT_MAX_ARGS) {
            rc = wb_error_set(WB_ELIMIT, "%s: inspection '%s': run has more than %d words", name,
                              item, WB_LAYOUT_MAX_ARGS);
            goto out;
        }
        json_array_foreach(v, i, word)
        {
            if (!json_is_string(word)) {
                rc = wb_error_set(WB_EFORMAT, "%s: inspection '%s': run must be strings", name,
                                  item);
                goto out;
            }
        }
    }
    *out = model;
    model = NULL;
out:
    json_decref(model);
    return rc;
}

/* "YYYY-MM-DDTHH:MM:SSZ" into seconds since the epoch. */
int wb_layout_parse_time(int64_t *out, const char *text)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year, mon, day, hour, min, sec, dim;
    size_t i;
    struct tm tm;

    if (strlen(text) != 20)
        return WB_EFORMAT;
    for (i = 0; i < 20; i++) {
        char c = text[i];
        bool want_digit = !(i == 4 || i == 7 || i == 10 || i == 13 || i == 16 || i == 19);
        if (want_digit && (c < '0' || c > '9'))
            return WB_EFORMAT;
    }
    if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
        text[19] != 'Z')
        return WB_EFORMAT;
    if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2dZ", &year, &mon, &day, &hour, &min, &sec) != 6)
        return WB_EFORMAT;
    if (year < 1 || mon < 1 || mon > 12 || day < 1 || hour > 23 || min > 59 || sec > 59)
        return WB_EFORMAT;
    dim = mdays[mon - 1];
    if (mon == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        dim = 29;
    if (day > dim)
        return WB_EFORMAT;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    *out = (int64_t)timegm(&tm);
    return 0;
}

static int model_layout(json_t **out, const json_t *in, const char *name)
{
    json_t *model = NULL, *steps, *inspect, *keys, *item, *names = NULL, *v;
    const char *keyid;
    size_t i;
    int64_t expires;
    int rc = 0;

    *out = NULL;
    steps = json_object_get(in, "steps");
    inspect = json_object_get(in, "inspect");
    if (!json_is_array(steps) || !json_is_array(inspect))
        return wb_error_set(WB_EFORMAT, "%s: a layout needs lists \"steps\" and \"inspect\"", name);
    if (json_array_size(steps) + json_array_size(inspect) > WB_LAYOUT_MAX_ITEMS)
        return wb_error_set(WB_ELIMIT, "%s: more than %d steps and inspections", name,
                            WB_LAYOUT_MAX_ITEMS);
    v = json_object_get(in, "expires");
    if (!json_is_string(v) || wb_layout_parse_time(&expires, json_string_value(v)) < 0)
        return wb_error_set(WB_EFORMAT, "%s: \"expires\" must be a time YYYY-MM-DDTHH:MM:SSZ",
                            name);
    model =
        json_pack("{s:s, s:O, s:[], s:[]}", "_type", "layout", "expires", v, "steps", "inspect");
    names = json_object();
    if (!model || !names) {
        rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    v = field_or(in, "readme", json_string(""), check_string, "a string", name);
    if (!v || json_object_set_new(model, "readme", v) < 0) {
        rc = v ? wb_error_set(WB_ENOMEM, "%s: out of memory", name) : wb_error_last_code();
        goto out;
    }
    keys = field_or(in, "keys", json_object(), check_object, "an object", name);
    if (!keys || json_object_set_new(model, "keys", keys) < 0) {
        rc = keys ? wb_error_set(WB_ENOMEM, "%s: out of memory", name) : wb_error_last_code();
        goto out;
    }
    if (json_object_size(keys) > WB_LAYOUT_MAX_KEYS) {
        rc = wb_error_set(WB_ELIMIT, "%s: %zu keys, more than %d", name, json_object_size(keys),
                          WB_LAYOUT_MAX_KEYS);
        goto out;
    }
    json_object_foreach(keys, keyid, v)
    {
        wb_key *key = NULL;
        char where[128];
        snprintf(where, sizeof(where), "%s: key %.64s", name, keyid);
        if ((rc = wb_key_from_sslib_json(&key, v, where)) < 0)
            goto out;
        if (strcmp(wb_key_id(key), keyid) != 0) {
            rc = wb_error_set(WB_EFORMAT, "%s: the key filed under id %.64s has id %s", name, keyid,
                              wb_key_id(key));
            wb_key_free(key);
            goto out;
        }
        wb_key_free(key);
    }
    json_array_foreach(steps, i, v)
    {
        if ((rc = model_item(&item, v, true, names, name)) < 0)
            goto out;
        if (json_array_append_new(json_object_get(model, "steps"), item) < 0) {
            rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
            goto out;
        }
    }
    json_array_foreach(inspect, i, v)
    {
        if ((rc = model_item(&item, v, false, names, name)) < 0)
            goto out;
        if (json_array_append_new(json_object_get(model, "inspect"), item) < 0) {
            rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
            goto out;
        }
    }
    *out = model;
    model = NULL;
out:
    json_decref(names);
    json_decref(model);
    return rc;
}

static int model_of(json_t **out, wb_metablock_type *type, const json_t *signed_doc,
                    const char *name)
{
    const char *t = json_string_value(json_object_get(signed_doc, "_type"));
    if (!json_is_object(signed_doc))
        return wb_error_set(WB_EFORMAT, "%s: \"signed\" must be an object", name);
    if (t && strcmp(t, "link") == 0) {
        *type = WB_METABLOCK_LINK;
        return model_link(out, signed_doc, name);
    }
    if (t && strcmp(t, "layout") == 0) {
        *type = WB_METABLOCK_LAYOUT;
        return model_layout(out, signed_doc, name);
    }
    return wb_error_set(WB_EFORMAT, "%s: not an in-toto link or layout (_type %s)", name,
                        t ? t : "missing");
}

static int parse_signatures(wb_metablock *mb, const json_t *sigs, const char *name)
{
    size_t i, n;
    json_t *sig;

    if (!sigs)
        return 0;
    if (!json_is_array(sigs))
        return wb_error_set(WB_EFORMAT, "%s: \"signatures\" must be a list", name);
    n = json_array_size(sigs);
    if (n > WB_LAYOUT_MAX_SIGNATURES)
        return wb_error_set(WB_ELIMIT, "%s: %zu signatures, more than %d", name, n,
                            WB_LAYOUT_MAX_SIGNATURES);
    mb->sigs = wb_calloc(n + 1, sizeof(*mb->sigs));
    if (!mb->sigs)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", name);
    json_array_foreach(sigs, i, sig)
    {
        const char *keyid = json_string_value(json_object_get(sig, "keyid"));
        const char *hex = json_string_value(json_object_get(sig, "sig"));
        size_t hex_len;
        if (!json_is_object(sig) || !keyid || !hex || !is_hex(keyid) || (hex[0] && !is_hex(hex)))
            return wb_error_set(WB_EFORMAT,
                                "%s: signature %zu needs hex strings \"keyid\" and \"sig\"", name,
                                i + 1);
        hex_len = strlen(hex);
        if (hex_len > 8192 || hex_len % 2)
            return wb_error_set(WB_EFORMAT, "%s: signature %zu: \"sig\" is not a signature", name,
                                i + 1);
        mb->sigs[i].keyid = wb_strdup(keyid);
        mb->sigs[i].sig = wb_malloc(hex_len / 2 + 1);
        mb->nsigs++;
        if (!mb->sigs[i].keyid || !mb->sigs[i].sig)
            return wb_error_set(WB_ENOMEM, "%s: out of memory", name);
        if (wb_hex_decode(mb->sigs[i].sig, hex_len / 2 + 1, &mb->sigs[i].sig_len, hex, hex_len) < 0)
            return wb_error_set(WB_EFORMAT, "%s: signature %zu: \"sig\" is not hex", name, i + 1);
    }
    return 0;
}

/* The jansson path: the document parsed whole, the model built from it.
 * With `stream_payload`, the payload of a DSSE envelope holding a link is
 * read by the streaming reader when it takes it (the model is then made on
 * first use). */
static int parse_json(wb_metablock **out, const char *buf, size_t len, const char *name,
                      bool stream_payload)
{
    wb_metablock *mb = NULL;
    json_t *doc = NULL, *payload_doc = NULL;
    const json_t *signed_doc;
    int rc;

    *out = NULL;
    if ((rc = wb_json_parse(&doc, buf, len, name)) < 0)
        return rc;
    if (!json_is_object(doc)) {
        rc = wb_error_set(WB_EFORMAT, "%s: not a JSON object", name);
        goto out;
    }
    mb = wb_calloc(1, sizeof(*mb));
    if (!mb || !(mb->name = wb_strdup(name))) {
        rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    if (json_object_get(doc, "payloadType")) {
        const unsigned char *payload;
        size_t payload_len;
        if ((rc = wb_envelope_parse(&mb->env, buf, len, name)) < 0)
            goto out;
        if (strcmp(wb_envelope_payload_type(mb->env), WB_INTOTO_LINK_PAYLOAD_TYPE) != 0) {
            rc = wb_error_set(WB_EFORMAT, "%s: DSSE payload type %s is not %s", name,
                              wb_envelope_payload_type(mb->env), WB_INTOTO_LINK_PAYLOAD_TYPE);
            goto out;
        }
        payload = wb_envelope_payload(mb->env, &payload_len);
        if (stream_payload) {
            rc = wb_link_read(&mb->link, NULL, NULL, NULL, NULL, NULL, (const char *)payload,
                              payload_len, true);
            if (rc < 0)
                goto out;
            if (rc == 0) {
                mb->type = WB_METABLOCK_LINK;
                goto done;
            }
        }
        if ((rc = wb_json_parse(&payload_doc, (const char *)payload, payload_len, name)) < 0)
            goto out;
        signed_doc = payload_doc;
    } else {
        signed_doc = json_object_get(doc, "signed");
        if (!signed_doc) {
            rc = wb_error_set(WB_EFORMAT,
                              "%s: neither a Metablock (\"signed\") nor a DSSE envelope", name);
            goto out;
        }
        if ((rc = parse_signatures(mb, json_object_get(doc, "signatures"), name)) < 0)
            goto out;
    }
    if ((rc = model_of(&mb->model, &mb->type, signed_doc, name)) < 0)
        goto out;
    if (!mb->env &&
        (rc = wb_json_canonical_olpc(&mb->signed_bytes, &mb->signed_len, mb->model)) < 0) {
        rc = wb_error_prefix(rc, "%s: ", name);
        goto out;
    }
done:
    mb->doc = json_incref(doc);
    *out = mb;
    mb = NULL;
    rc = 0;
out:
    json_decref(payload_doc);
    json_decref(doc);
    wb_metablock_free(mb);
    return rc;
}

int wb_metablock_parse_json(wb_metablock **out, const char *buf, size_t len, const char *name)
{
    if (!out || (!buf && len))
        return wb_error_set(WB_EINVAL, "metablock: invalid argument");
    *out = NULL;
    if (!name)
        name = "metadata";
    if (len > WB_LAYOUT_MAX_FILE_SIZE)
        return wb_error_set(WB_ELIMIT, "%s: %zu bytes, more than %zu", name, len,
                            WB_LAYOUT_MAX_FILE_SIZE);
    return parse_json(out, buf, len, name, false);
}

/* Parse `buf`. A link Metablock goes through the streaming reader
 * (layout_reader.c) when it takes it, everything else through
 * parse_json(). */
static int metablock_parse(wb_metablock **out, const char *buf, size_t len, const char *name)
{
    wb_metablock *mb = NULL;
    int rc;

    *out = NULL;
    if (len > WB_LAYOUT_MAX_FILE_SIZE)
        return wb_error_set(WB_ELIMIT, "%s: %zu bytes, more than %zu", name, len,
                            WB_LAYOUT_MAX_FILE_SIZE);
    mb = wb_calloc(1, sizeof(*mb));
    if (!mb || !(mb->name = wb_strdup(name))) {
        rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    rc = wb_link_read(&mb->link, &mb->signed_bytes, &mb->signed_len, &mb->sigs, &mb->nsigs,
                      &mb->has_sigs, buf, len, false);
    if (rc < 0)
        goto out;
    if (rc == WB_LAYOUT_DEFER) {
        rc = parse_json(out, buf, len, name, true);
        goto out;
    }
    mb->type = WB_METABLOCK_LINK;
    mb->streamed = true;
    *out = mb;
    mb = NULL;
out:
    wb_metablock_free(mb);
    return rc;
}

int wb_metablock_parse(wb_metablock **out, const char *buf, size_t len, const char *name)
{
    if (!out || (!buf && len))
        return wb_error_set(WB_EINVAL, "metablock: invalid argument");
    *out = NULL;
    return metablock_parse(out, buf, len, name ? name : "metadata");
}

/* The model (and the document) of a link read by the streaming reader,
 * made from its tables; of a DSSE payload it read, parsed again. */
static int ensure_model(wb_metablock *mb)
{
    json_t *payload_doc = NULL, *doc = NULL;
    wb_metablock_type type;
    int rc;

    if (mb->model)
        return 0;
    if (mb->env) {
        size_t payload_len;
        const unsigned char *payload = wb_envelope_payload(mb->env, &payload_len);
        if ((rc = wb_json_parse(&payload_doc, (const char *)payload, payload_len, mb->name)) == 0)
            rc = model_of(&mb->model, &type, payload_doc, mb->name);
        json_decref(payload_doc);
        return rc;
    }
    if (!mb->streamed || !mb->link)
        return wb_error_set(WB_EINTERNAL, "%s: no model", mb->name);
    if ((rc = wb_link_model_json(&mb->model, mb->doc ? NULL : &doc, mb->link, mb->sigs, mb->nsigs,
                                 mb->has_sigs)) < 0)
        return rc;
    if (!mb->doc)
        mb->doc = doc;
    return 0;
}

const json_t *wb_metablock_doc(const wb_metablock *mb)
{
    if (!mb->doc && mb->streamed && !mb->env && ensure_model((wb_metablock *)mb) < 0)
        return NULL;
    return mb->doc;
}

int wb_metablock_link_data(const wb_link_data **out, const wb_metablock *mb)
{
    wb_metablock *m = (wb_metablock *)mb; /* a cache, see wb_metablock_signed() */
    int rc;

    *out = NULL;
    if (mb->type != WB_METABLOCK_LINK)
        return wb_error_set(WB_EINVAL, "%s: not a link", mb->name);
    if (!m->link) {
        if ((rc = ensure_model(m)) < 0 || (rc = wb_link_data_from_json(&m->link, m->model)) < 0)
            return rc;
    }
    *out = m->link;
    return 0;
}

int wb_metablock_sign(char **out, size_t *out_len, const json_t *signed_doc, const wb_key *key)
{
    return wb_metablock_sign_keys(out, out_len, signed_doc, &key, 1);
}

int wb_metablock_sign_keys(char **out, size_t *out_len, const json_t *signed_doc,
                           const wb_key *const *keys, size_t nkeys)
{
    json_t *model = NULL, *doc = NULL, *sigs = NULL;
    wb_metablock_type type;
    char *canonical = NULL, *hex = NULL, *text = NULL;
    unsigned char *sig = NULL;
    size_t canonical_len, sig_len = 0, i, j;
    int rc;

    if (!out || !out_len || !signed_doc || !keys || nkeys == 0 || nkeys > WB_LAYOUT_MAX_SIGNATURES)
        return wb_error_set(WB_EINVAL, "metablock sign: invalid argument");
    for (i = 0; i < nkeys; i++)
        if (!keys[i])
            return wb_error_set(WB_EINVAL, "metablock sign: invalid argument");
    *out = NULL;
    *out_len = 0;
    if ((rc = model_of(&model, &type, signed_doc, "document")) < 0)
        return rc;
    if ((rc = wb_json_canonical_olpc(&canonical, &canonical_len, model)) < 0)
        goto out;
    sigs = json_array();
    if (!sigs) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < nkeys; i++) {
        bool seen = false;
        for (j = 0; j < i; j++)
            if (strcmp(wb_key_id(keys[j]), wb_key_id(keys[i])) == 0)
                seen = true;
        if (seen)
            continue;
        if ((rc = wb_key_sign(&sig, &sig_len, keys[i], canonical, canonical_len)) < 0)
            goto out;
        hex = wb_malloc(2 * sig_len + 1);
        if (!hex) {
            rc = wb_error_set(WB_ENOMEM, "out of memory");
            goto out;
        }
        wb_hex_encode(hex, sig, sig_len);
        if (json_array_append_new(
                sigs, json_pack("{s:s, s:s}", "keyid", wb_key_id(keys[i]), "sig", hex)) < 0) {
            rc = wb_error_set(WB_ENOMEM, "out of memory");
            goto out;
        }
        wb_free(hex);
        hex = NULL;
        wb_free(sig);
        sig = NULL;
    }
    doc = json_pack("{s:O, s:O}", "signatures", sigs, "signed", model);
    text = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
    if (!text) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    *out = wb_asprintf("%s\n", text);
    if (!*out) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    *out_len = strlen(*out);
out:
    free(text);
    json_decref(sigs);
    json_decref(doc);
    wb_free(hex);
    wb_free(sig);
    wb_free(canonical);
    json_decref(model);
    return rc;
}

int wb_metablock_load(wb_metablock **out, const char *path)
{
    char *buf = NULL;
    size_t len;
    int rc;
    if (!out || !path)
        return wb_error_set(WB_EINVAL, "metablock: invalid argument");
    *out = NULL;
    if ((rc = wb_read_file(&buf, &len, path, WB_LAYOUT_MAX_FILE_SIZE)) < 0)
        return rc;
    rc = metablock_parse(out, buf, len, path);
    wb_free(buf);
    return rc;
}

int wb_metablock_verify(const wb_metablock *mb, const wb_key *key)
{
    size_t i;
    int rc;

    if (!mb || !key)
        return wb_error_set(WB_EINVAL, "metablock: invalid argument");
    if (mb->env) {
        wb_keyring *ring = NULL;
        wb_key *pub = NULL;
        if ((rc = wb_keyring_new(&ring)) < 0)
            return rc;
        if ((rc = wb_key_public(&pub, key)) == 0 && (rc = wb_keyring_add(ring, pub)) == 0)
            rc = wb_dsse_verify(NULL, mb->env, ring, 1);
        wb_keyring_free(ring);
        if (rc == WB_EVERIFY)
            return wb_error_set(WB_EVERIFY, "%s: no valid DSSE signature by key %s", mb->name,
                                wb_key_id(key));
        return rc;
    }
    for (i = 0; i < mb->nsigs; i++) {
        if (strcmp(mb->sigs[i].keyid, wb_key_id(key)) != 0)
            continue;
        if ((rc = ensure_signed_bytes((wb_metablock *)mb)) < 0)
            return rc;
        /* in-toto checks the first signature that names the key, only */
        rc = wb_key_verify(key, mb->signed_bytes, mb->signed_len, mb->sigs[i].sig,
                           mb->sigs[i].sig_len);
        if (rc == WB_EVERIFY)
            return wb_error_set(WB_EVERIFY, "%s: the signature by key %s does not verify", mb->name,
                                wb_key_id(key));
        return rc;
    }
    return wb_error_set(WB_EVERIFY, "%s: no signature by key %s", mb->name, wb_key_id(key));
}

/* --- verification --- */

typedef struct {
    char *keyid;
    char *file;
    char *rel; /* the file's path relative to the top link directory */
    wb_metablock *mb;
    /* the signature check by keyid's layout key, when it was made while
     * the links were read (verdict_rc, its message in verdict_msg) */
    bool has_verdict;
    int verdict_rc;
    char *verdict_msg;
    const wb_link_data *data; /* the link's tables (mb's, or owned_data) */
    wb_link_data *owned_data; /* the summary of a sublayout */
} step_link;

static void step_link_clear(step_link *l)
{
    wb_free(l->keyid);
    wb_free(l->file);
    wb_free(l->rel);
    wb_metablock_free(l->mb);
    wb_free(l->verdict_msg);
    wb_link_data_free(l->owned_data);
    memset(l, 0, sizeof(*l));
}

static void step_links_free(step_link *links, size_t n)
{
    size_t i;
    for (i = 0; links && i < n; i++)
        step_link_clear(&links[i]);
    wb_free(links);
}

/* What a step or an inspection stands for once its links are checked: the
 * tables of its first counted link (or of its sublayout's summary, or of
 * the inspection's run), which its rules and later items' MATCH rules read. */
typedef struct {
    const char *name; /* borrowed from the layout */
    wb_metablock *mb; /* owned, may be NULL */
    wb_link_data *owned_data;
    const wb_link_data *data;
} reduced_link;

typedef struct {
    reduced_link *items;
    size_t n;
    json_t *index; /* name -> position in items */
} reduced_links;

static void reduced_links_free(reduced_links *r)
{
    size_t i;
    for (i = 0; r->items && i < r->n; i++) {
        wb_metablock_free(r->items[i].mb);
        wb_link_data_free(r->items[i].owned_data);
    }
    wb_free(r->items);
    json_decref(r->index);
    memset(r, 0, sizeof(*r));
}

/* Count in the item that was just filled in (names are unique: the
 * layout's parser checks). */
static int reduced_links_add(reduced_links *r)
{
    r->n++; /* owned from here on, also when indexing fails */
    if (json_object_set_new(r->index, r->items[r->n - 1].name,
                            json_integer((json_int_t)(r->n - 1))) < 0)
        return wb_error_set(WB_ENOMEM, "out of memory");
    return 0;
}

static int lookup_reduced(const wb_link_data **out, const char *name, void *payload)
{
    const reduced_links *r = payload;
    const json_t *at = json_object_get(r->index, name);
    *out = at ? r->items[json_integer_value(at)].data : NULL;
    return 0;
}

static int verify_at(json_t **summary_out, const wb_metablock *layout_mb,
                     const wb_keyring *layout_keys, const char *link_dir, const char *rel_dir,
                     const char *step_name, unsigned depth, const wb_layout_options *opts);

/* Read one link: from the file `l->file`, or from opts->links under
 * `l->rel`. *absent is set (and 0 returned) when there is no such link or
 * it cannot be read, with the reason in `why` when it is still empty. */
static int load_link(step_link *l, bool *absent, char *why, size_t why_size,
                     const wb_layout_options *opts)
{
    struct stat st;
    int rc;

    *absent = false;
    if (opts->links) {
        const json_t *doc = json_object_get(opts->links, l->rel);
        char *text;
        if (!doc) {
            *absent = true;
            if (!why[0])
                snprintf(why, why_size, "%s: no such link", l->file);
            return 0;
        }
        text = json_dumps(doc, JSON_COMPACT);
        if (!text)
            return wb_error_set(WB_EFORMAT, "%s: cannot be serialized", l->file);
        rc = wb_metablock_parse(&l->mb, text, strlen(text), l->file);
        free(text);
        return rc;
    }
    if (stat(l->file, &st) < 0) {
        /* absent (in-toto skips any file it cannot open) */
        *absent = true;
        if (!why[0])
            snprintf(why, why_size, "%s: %s", l->file, strerror(errno));
        return 0;
    }
    rc = wb_metablock_load(&l->mb, l->file);
    if (rc == WB_EIO || rc == WB_ENOTFOUND) {
        *absent = true;
        if (!why[0])
            snprintf(why, why_size, "%s", wb_error_last());
        return 0;
    }
    return rc;
}

/* --- reading the links of a layout in parallel ---
 *
 * Reading and parsing the links, encoding their canonical form and checking
 * their signatures is most of the work when links record tens of thousands
 * of artifacts, and each link is independent of the others: all the links
 * a layout's steps name are read first, by a few threads, each also
 * checking the signature by the layout key its file is named for, and the
 * steps then take them from the table in order. Verdicts and messages are
 * those of reading them one by one: a worker keeps its error messages and
 * the step that takes the link sets them again. */

typedef struct {
    step_link link; /* keyid, file, rel; mb once read; the signature verdict */
    off_t size;     /* of the file, to read large ones first */
    int rc;         /* < 0: reading failed, message in msg */
    bool absent;
    char why[512];
    char *msg;
} link_slot;

typedef struct {
    link_slot *slots;
    size_t n;
    size_t *order;  /* slots to read, largest file first */
    size_t next;    /* in order */
    size_t *checks; /* slots read, to check */
    size_t nchecks, next_check;
    size_t reading; /* reads under way */
    json_t *index;  /* rel -> slot number */
    pthread_mutex_t lock;
    pthread_cond_t ready; /* a read ended */
    const wb_layout_options *opts;
    const json_t *layout_keys; /* keyid -> securesystemslib key */
    const char *layout_name;
} link_table;

/* The signature of a link that was read, checked by its functionary's
 * layout key; nothing is recorded when the key cannot be read (the step
 * reports that). The tables of a link that came through the jansson path
 * are made here too, while there are threads to make them. */
static void check_slot(link_slot *slot, const link_table *table)
{
    const json_t *key_json = json_object_get(table->layout_keys, slot->link.keyid);
    const wb_link_data *data;
    wb_key *key = NULL;

    if (!key_json || wb_key_from_sslib_json(&key, key_json, table->layout_name) < 0)
        return;
    slot->link.verdict_rc = wb_metablock_verify(slot->link.mb, key);
    slot->link.has_verdict = true;
    /* the canonical bytes of a streamed link can be made again if asked
     * for; freed now, their memory serves the next link this thread reads */
    if (slot->link.mb->streamed) {
        wb_free(slot->link.mb->signed_bytes);
        slot->link.mb->signed_bytes = NULL;
    }
    if (slot->link.verdict_rc < 0 && !(slot->link.verdict_msg = wb_strdup(wb_error_last())))
        slot->link.has_verdict = false;
    wb_key_free(key);
    if (wb_metablock_get_type(slot->link.mb) == WB_METABLOCK_LINK)
        (void)wb_metablock_link_data(&data, slot->link.mb);
}

static void read_slot(link_slot *slot, const link_table *table)
{
    slot->rc = load_link(&slot->link, &slot->absent, slot->why, sizeof(slot->why), table->opts);
    if (slot->rc < 0)
        slot->msg = wb_strdup(wb_error_last());
}

/* Work comes in two kinds, reading a link and checking its signature, so
 * that two threads share five links evenly: reads first, largest file
 * first, and each read queues its check. */
static void *link_table_worker(void *arg)
{
    link_table *table = arg;
    pthread_mutex_lock(&table->lock);
    for (;;) {
        size_t i;
        if (table->next_check < table->nchecks) {
            i = table->checks[table->next_check++];
            pthread_mutex_unlock(&table->lock);
            check_slot(&table->slots[i], table);
            pthread_mutex_lock(&table->lock);
        } else if (table->next < table->n) {
            i = table->order[table->next++];
            table->reading++;
            pthread_mutex_unlock(&table->lock);
            read_slot(&table->slots[i], table);
            pthread_mutex_lock(&table->lock);
            table->reading--;
            if (table->slots[i].rc == 0 && table->slots[i].link.mb)
                table->checks[table->nchecks++] = i;
            pthread_cond_broadcast(&table->ready);
        } else if (table->reading > 0) {
            pthread_cond_wait(&table->ready, &table->lock);
        } else {
            break;
        }
    }
    pthread_mutex_unlock(&table->lock);
    return NULL;
}

static void link_table_free(link_table *table)
{
    size_t i;
    for (i = 0; table->slots && i <= table->n; i++) {
        step_link_clear(&table->slots[i].link); /* slot n: one left half made */
        wb_free(table->slots[i].msg);
    }
    wb_free(table->slots);
    wb_free(table->order);
    json_decref(table->index);
    memset(table, 0, sizeof(*table));
}

static int cmp_slot_size(const void *a, const void *b, void *payload)
{
    const link_slot *slots = payload;
    off_t x = slots[*(const size_t *)a].size, y = slots[*(const size_t *)b].size;
    if (x != y)
        return x > y ? -1 : 1;
    return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

/* Read every link the steps of `layout` name (once per path). */
static int link_table_fill(link_table *table, const json_t *layout, const char *layout_name,
                           const char *link_dir, const char *rel_dir, const wb_layout_options *opts)
{
    const json_t *steps = json_object_get(layout, "steps"), *step, *keyid_json;
    size_t i, j, cap = 0, nthreads, started = 0;
    pthread_t threads[16];
    long cores;

    memset(table, 0, sizeof(*table));
    table->opts = opts;
    table->layout_keys = json_object_get(layout, "keys");
    table->layout_name = layout_name;
    table->index = json_object();
    if (!table->index)
        return wb_error_set(WB_ENOMEM, "out of memory");
    json_array_foreach(steps, i, step)
    {
        cap += json_array_size(json_object_get(step, "pubkeys"));
    }
    table->slots = wb_calloc(cap + 1, sizeof(*table->slots));
    table->order = wb_calloc(2 * cap + 1, sizeof(*table->order));
    if (!table->slots || !table->order)
        return wb_error_set(WB_ENOMEM, "out of memory");
    table->checks = table->order + cap;
    json_array_foreach(steps, i, step)
    {
        const char *name = json_string_value(json_object_get(step, "name"));
        json_array_foreach(json_object_get(step, "pubkeys"), j, keyid_json)
        {
            link_slot *slot = &table->slots[table->n];
            const char *keyid = json_string_value(keyid_json);
            struct stat st;
            slot->link.rel = rel_dir[0] ? wb_asprintf("%s/%s.%.8s.link", rel_dir, name, keyid)
                                        : wb_asprintf("%s.%.8s.link", name, keyid);
            if (!slot->link.rel)
                return wb_error_set(WB_ENOMEM, "out of memory");
            if (json_object_get(table->index, slot->link.rel)) {
                wb_free(slot->link.rel);
                slot->link.rel = NULL;
                continue;
            }
            slot->link.file = wb_asprintf("%s/%s", link_dir, slot->link.rel);
            slot->link.keyid = wb_strdup(keyid);
            table->order[table->n] = table->n;
            table->n++;
            if (!slot->link.file || !slot->link.keyid ||
                json_object_set_new(table->index, slot->link.rel,
                                    json_integer((json_int_t)(table->n - 1))) < 0)
                return wb_error_set(WB_ENOMEM, "out of memory");
            /* only to order the work: the file is opened later */
            if (!opts->links && stat(slot->link.file, &st) == 0)
                slot->size = st.st_size;
        }
    }
    cores = sysconf(_SC_NPROCESSORS_ONLN);
    nthreads = cores < 1 ? 1 : (size_t)cores;
    if (nthreads > sizeof(threads) / sizeof(threads[0]))
        nthreads = sizeof(threads) / sizeof(threads[0]);
    if (nthreads > table->n)
        nthreads = table->n;
    if (nthreads <= 1) {
        for (i = 0; i < table->n; i++) {
            read_slot(&table->slots[i], table);
            if (table->slots[i].rc == 0 && table->slots[i].link.mb)
                check_slot(&table->slots[i], table);
        }
        return 0;
    }
    qsort_r(table->order, table->n, sizeof(*table->order), cmp_slot_size, table->slots);
    if (pthread_mutex_init(&table->lock, NULL) != 0)
        return wb_error_set(WB_ENOMEM, "cannot create a lock");
    if (pthread_cond_init(&table->ready, NULL) != 0) {
        pthread_mutex_destroy(&table->lock);
        return wb_error_set(WB_ENOMEM, "cannot create a condition variable");
    }
    /* this thread reads too: nthreads - 1 more */
    for (i = 1; i < nthreads; i++) {
        if (pthread_create(&threads[started], NULL, link_table_worker, table) != 0)
            break;
        started++;
    }
    link_table_worker(table);
    for (i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    pthread_cond_destroy(&table->ready);
    pthread_mutex_destroy(&table->lock);
    return 0;
}

/* Take the link at `l->rel` from the table (or read it when not there). */
static int take_link(step_link *l, bool *absent, char *why, size_t why_size, link_table *table,
                     const wb_layout_options *opts)
{
    const json_t *index = table ? json_object_get(table->index, l->rel) : NULL;
    link_slot *slot;

    if (!index)
        return load_link(l, absent, why, why_size, opts);
    slot = &table->slots[json_integer_value(index)];
    *absent = slot->absent;
    if (slot->rc < 0)
        return wb_error_set(slot->rc, "%s", slot->msg ? slot->msg : "out of memory");
    if (slot->absent && !why[0])
        snprintf(why, why_size, "%s", slot->why);
    l->mb = slot->link.mb;
    slot->link.mb = NULL;
    /* the verdict is the one by this key (two key ids of one step may
     * share their first eight digits, and so the file) */
    if (l->mb && slot->link.has_verdict && strcmp(slot->link.keyid, l->keyid) == 0) {
        l->has_verdict = true;
        l->verdict_rc = slot->link.verdict_rc;
        l->verdict_msg = slot->link.verdict_msg;
        slot->link.verdict_msg = NULL;
        slot->link.has_verdict = false;
    }
    return 0;
}

/* The links of one step: read, signatures checked, sublayouts reduced,
 * agreement checked. The first counted link goes to *out. */
static int verify_step(reduced_link *out, const json_t *step, const json_t *layout_keys_json,
                       const char *layout_name, const char *link_dir, const char *rel_dir,
                       unsigned depth, link_table *table, const wb_layout_options *opts)

{
    const char *name = json_string_value(json_object_get(step, "name"));
    const json_t *pubkeys = json_object_get(step, "pubkeys"), *keyid_json;
    size_t threshold = (size_t)json_integer_value(json_object_get(step, "threshold"));
    step_link *links = NULL;
    size_t nlinks = 0, nvalid = 0, i, j;
    char why[512] = "";
    int rc = 0;

    links = wb_calloc(json_array_size(pubkeys) + 1, sizeof(*links));
    if (!links)
        return wb_error_set(WB_ENOMEM, "out of memory");
    /* 3. the links of the authorized functionaries, once per key id */
    json_array_foreach(pubkeys, i, keyid_json)
    {
        const char *keyid = json_string_value(keyid_json);
        bool seen = false, absent;
        for (j = 0; j < nlinks; j++)
            if (strcmp(links[j].keyid, keyid) == 0)
                seen = true;
        if (seen)
            continue;
        links[nlinks].keyid = wb_strdup(keyid);
        links[nlinks].rel = rel_dir[0] ? wb_asprintf("%s/%s.%.8s.link", rel_dir, name, keyid)
                                       : wb_asprintf("%s.%.8s.link", name, keyid);
        links[nlinks].file =
            links[nlinks].rel ? wb_asprintf("%s/%s", link_dir, links[nlinks].rel) : NULL;
        if (!links[nlinks].keyid || !links[nlinks].file) {
            nlinks++;
            rc = wb_error_set(WB_ENOMEM, "out of memory");
            goto out;
        }
        nlinks++;
        if ((rc = take_link(&links[nlinks - 1], &absent, why, sizeof(why), table, opts)) < 0) {
            rc = wb_error_prefix(rc, "%s: step '%s': ", layout_name, name);
            goto out;
        }
    }
    /* signatures of authorized functionaries */
    for (i = 0; i < nlinks; i++) {
        const json_t *key_json;
        wb_key *key = NULL;
        step_link *l = &links[i];
        if (!l->mb)
            continue;
        key_json = json_object_get(layout_keys_json, l->keyid);
        if (!key_json) {
            if (!why[0])
                snprintf(why, sizeof(why), "%s: key %s is a step pubkey but not a layout key",
                         l->file, l->keyid);
            continue;
        }
        if ((rc = wb_key_from_sslib_json(&key, key_json, layout_name)) < 0)
            goto out;
        if (l->has_verdict) {
            rc = l->verdict_rc;
            if (rc < 0)
                wb_error_set(rc, "%s", l->verdict_msg ? l->verdict_msg : "");
        } else {
            rc = wb_metablock_verify(l->mb, key);
        }
        if (rc == 0 && wb_metablock_get_type(l->mb) == WB_METABLOCK_LINK) {
            if ((rc = wb_metablock_link_data(&l->data, l->mb)) < 0) {
                wb_key_free(key);
                goto out;
            }
            if (strcmp(l->data->name, name) != 0)
                rc = wb_error_set(WB_EVERIFY, "%s: it is a link of step '%s'", l->file,
                                  l->data->name);
        }
        if (rc == WB_EVERIFY) {
            if (!why[0])
                snprintf(why, sizeof(why), "%s", wb_error_last());
            wb_key_free(key);
            rc = 0;
            wb_metablock_free(l->mb);
            l->mb = NULL;
            l->data = NULL;
            continue;
        }
        if (rc < 0) {
            wb_key_free(key);
            goto out;
        }
        /* 4. a sublayout stands for its summary link */
        if (wb_metablock_get_type(l->mb) == WB_METABLOCK_LAYOUT) {
            wb_keyring *ring = NULL;
            json_t *summary = NULL;
            char *sub_dir = rel_dir[0] ? wb_asprintf("%s/%s.%.8s", rel_dir, name, l->keyid)
                                       : wb_asprintf("%s.%.8s", name, l->keyid);
            if (!sub_dir || (rc = wb_keyring_new(&ring)) < 0) {
                wb_free(sub_dir);
                wb_key_free(key);
                rc = rc < 0 ? rc : wb_error_set(WB_ENOMEM, "out of memory");
                goto out;
            }
            rc = wb_keyring_add(ring, key);
            key = NULL;
            if (rc == 0)
                rc = verify_at(&summary, l->mb, ring, link_dir, sub_dir, name, depth + 1, opts);
            wb_keyring_free(ring);
            wb_free(sub_dir);
            if (rc < 0) {
                rc = wb_error_prefix(rc, "%s: step '%s': sublayout %s: ", layout_name, name,
                                     l->file);
                goto out;
            }
            rc = wb_link_data_from_json(&l->owned_data, summary);
            json_decref(summary);
            if (rc < 0)
                goto out;
            l->data = l->owned_data;
        }
        wb_key_free(key);
        if (opts->collect) {
            const json_t *doc = wb_metablock_doc(l->mb);
            if (!doc || json_object_set(opts->collect, l->rel, (json_t *)doc) < 0) {
                rc = wb_error_set(WB_ENOMEM, "out of memory");
                goto out;
            }
        }
        nvalid++;
    }
    if (nvalid < threshold) {
        rc = wb_error_set(WB_EVERIFY,
                          "%s: step '%s': needs %zu link%s signed by distinct authorized "
                          "functionaries, found %zu%s%s",
                          layout_name, name, threshold, threshold == 1 ? "" : "s", nvalid,
                          why[0] ? "; " : "", why);
        goto out;
    }
    /* 5. the threshold's links must agree on what they consumed and made */
    {
        step_link *first = NULL;
        for (i = 0; i < nlinks; i++) {
            if (!links[i].data)
                continue;
            if (!first) {
                first = &links[i];
                continue;
            }
            if (threshold > 1 &&
                (!wb_artifacts_equal(&first->data->materials, &links[i].data->materials) ||
                 !wb_artifacts_equal(&first->data->products, &links[i].data->products))) {
                rc = wb_error_set(WB_EVERIFY,
                                  "%s: step '%s': links %s and %s disagree on materials or "
                                  "products",
                                  layout_name, name, first->file, links[i].file);
                goto out;
            }
        }
        out->name = name;
        out->data = first->data;
        out->mb = first->mb;
        out->owned_data = first->owned_data;
        first->mb = NULL;
        first->owned_data = NULL;
    }
out:
    step_links_free(links, nlinks);
    return rc;
}

static int summary_link(json_t **out, const json_t *layout, const reduced_links *reduced,
                        const char *step_name)
{
    const json_t *steps = json_object_get(layout, "steps");
    json_t *summary, *materials = NULL, *products = NULL;
    size_t n = json_array_size(steps);
    int rc;

    if (n == 0) {
        summary =
            json_pack("{s:s, s:s, s:{}, s:{}, s:{}, s:[], s:{}}", "_type", "link", "name",
                      step_name, "materials", "products", "byproducts", "command", "environment");
    } else {
        const wb_link_data *first = reduced->items[0].data, *last = reduced->items[n - 1].data;
        if ((rc = wb_link_data_artifacts_json(&materials, first, false)) < 0 ||
            (rc = wb_link_data_artifacts_json(&products, last, true)) < 0) {
            json_decref(materials);
            return rc;
        }
        summary = json_pack("{s:s, s:s, s:o, s:o, s:O, s:O, s:{}}", "_type", "link", "name",
                            step_name, "materials", materials, "products", products, "byproducts",
                            last->byproducts ? last->byproducts : json_object(), "command",
                            last->command ? last->command : json_array(), "environment");
    }
    if (!summary)
        return wb_error_set(WB_ENOMEM, "out of memory");
    *out = summary;
    return 0;
}

static int verify_items_rules(const json_t *items, const char *what, const char *name,
                              reduced_links *reduced)
{
    const json_t *item;
    size_t i;
    int rc = 0;

    json_array_foreach(items, i, item)
    {
        const char *item_name = json_string_value(json_object_get(item, "name"));
        if ((rc = wb_layout_apply_rules(item_name, "materials",
                                        json_object_get(item, "expected_materials"), lookup_reduced,
                                        reduced)) < 0 ||
            (rc = wb_layout_apply_rules(item_name, "products",
                                        json_object_get(item, "expected_products"), lookup_reduced,
                                        reduced)) < 0)
            return wb_error_prefix(rc, "%s: %s ", name, what);
    }
    return 0;
}

static int verify_at(json_t **summary_out, const wb_metablock *layout_mb,
                     const wb_keyring *layout_keys, const char *link_dir, const char *rel_dir,
                     const char *step_name, unsigned depth, const wb_layout_options *opts)
{
    const char *name = layout_mb->name;
    const json_t *layout = layout_mb->model, *steps, *inspect, *item;
    reduced_links reduced = {0};
    link_table table = {0};
    int64_t expires, now;
    size_t i;
    int rc = 0;

    if (depth > WB_LAYOUT_MAX_NESTING)
        return wb_error_set(WB_ELIMIT, "%s: sublayouts nested more than %d deep", name,
                            WB_LAYOUT_MAX_NESTING);
    if (layout_mb->type != WB_METABLOCK_LAYOUT)
        return wb_error_set(WB_EFORMAT, "%s: a link, not a layout", name);
    /* 1. every layout key signed */
    if (wb_keyring_count(layout_keys) == 0)
        return wb_error_set(WB_EINVAL, "%s: no layout key to verify it with", name);
    for (i = 0; i < wb_keyring_count(layout_keys); i++) {
        rc = wb_metablock_verify(layout_mb, wb_keyring_get(layout_keys, i));
        if (rc < 0)
            return wb_error_prefix(rc, "layout signature: ");
    }
    /* 2. expiry */
    if (wb_layout_parse_time(&expires, json_string_value(json_object_get(layout, "expires"))) < 0)
        return wb_error_set(WB_EFORMAT, "%s: bad expiry", name);
    now = opts->now ? opts->now : (int64_t)time(NULL);
    if (expires < now)
        return wb_error_set(WB_EVERIFY, "%s: layout expired at %s", name,
                            json_string_value(json_object_get(layout, "expires")));
    steps = json_object_get(layout, "steps");
    inspect = json_object_get(layout, "inspect");
    reduced.items =
        wb_calloc(json_array_size(steps) + json_array_size(inspect) + 1, sizeof(*reduced.items));
    reduced.index = json_object();
    if (!reduced.items || !reduced.index) {
        reduced_links_free(&reduced);
        return wb_error_set(WB_ENOMEM, "out of memory");
    }
    /* 3.-5. links per step */
    if ((rc = link_table_fill(&table, layout, name, link_dir, rel_dir, opts)) < 0)
        goto out;
    json_array_foreach(steps, i, item)
    {
        if ((rc = verify_step(&reduced.items[reduced.n], item, json_object_get(layout, "keys"),
                              name, link_dir, rel_dir, depth, &table, opts)) < 0 ||
            (rc = reduced_links_add(&reduced)) < 0)
            goto out;
    }
    link_table_free(&table);
    /* 6. the steps' artifact rules */
    if ((rc = verify_items_rules(steps, "step", name, &reduced)) < 0)
        goto out;
    /* 7. inspections */
    if (json_array_size(inspect) > 0) {
        if (!opts->run_inspections) {
            rc = wb_error_set(
                WB_EVERIFY,
                "%s: inspection '%s' was not run (running inspections was not "
                "asked for), so its rules cannot be checked",
                name, json_string_value(json_object_get(json_array_get(inspect, 0), "name")));
            goto out;
        }
        json_array_foreach(inspect, i, item)
        {
            json_t *ilink = NULL;
            reduced_link *r = &reduced.items[reduced.n];
            if ((rc = wb_layout_run_inspection(&ilink, item, name)) < 0)
                goto out;
            rc = wb_link_data_from_json(&r->owned_data, ilink);
            json_decref(ilink);
            if (rc < 0)
                goto out;
            r->name = json_string_value(json_object_get(item, "name"));
            r->data = r->owned_data;
            if ((rc = reduced_links_add(&reduced)) < 0)
                goto out;
        }
        if ((rc = verify_items_rules(inspect, "inspection", name, &reduced)) < 0)
            goto out;
    }
    if (summary_out)
        rc = summary_link(summary_out, layout, &reduced, step_name);
out:
    link_table_free(&table);
    reduced_links_free(&reduced);
    return rc;
}

int wb_layout_verify(json_t **summary_out, const wb_metablock *layout,
                     const wb_keyring *layout_keys, const char *link_dir,
                     const wb_layout_options *opts)
{
    wb_layout_options defaults = {0};
    if (summary_out)
        *summary_out = NULL;
    if (!layout || !layout_keys || !link_dir)
        return wb_error_set(WB_EINVAL, "layout verify: invalid argument");
    if (opts && opts->collect && !json_is_object(opts->collect))
        return wb_error_set(WB_EINVAL, "layout verify: collect must be an object");
    if (opts && opts->links && !json_is_object(opts->links))
        return wb_error_set(WB_EINVAL, "layout verify: links must be an object");
    return verify_at(summary_out, layout, layout_keys, link_dir, "", "", 0,
                     opts ? opts : &defaults);
}

/* --- the delivered products --- */

int wb_layout_check_products(const json_t *products, const char *prefix, const json_t *subjects,
                             const char *name)
{
    json_t *delivered = NULL;
    const json_t *subject, *hashes;
    const char *path;
    size_t i, prefix_len = prefix ? strlen(prefix) : 0;
    int rc = 0;

    if (!json_is_object(products) || !json_is_array(subjects))
        return wb_error_set(WB_EINVAL, "check products: invalid argument");
    if (!name)
        name = "delivery";
    delivered = json_object();
    if (!delivered)
        return wb_error_set(WB_ENOMEM, "out of memory");
    json_array_foreach(subjects, i, subject)
    {
        const char *sname = json_string_value(json_object_get(subject, "name"));
        const json_t *sha = json_object_get(json_object_get(subject, "digest"), "sha256");
        const json_t *product;
        char *product_path;
        if (!sname || !json_is_string(sha)) {
            rc = wb_error_set(WB_EFORMAT, "%s: subject %zu needs a name and a sha256 digest", name,
                              i + 1);
            goto out;
        }
        product_path = prefix_len ? wb_asprintf("%s/%s", prefix, sname) : wb_strdup(sname);
        if (!product_path || json_object_set_new(delivered, product_path, json_true()) < 0) {
            wb_free(product_path);
            rc = wb_error_set(WB_ENOMEM, "out of memory");
            goto out;
        }
        product = json_object_get(products, product_path);
        if (!product) {
            rc = wb_error_set(WB_EVERIFY,
                              "%s: delivered file '%s' is not a product of the supply chain's "
                              "last step (no product '%s')",
                              name, sname, product_path);
            wb_free(product_path);
            goto out;
        }
        if (!json_is_string(json_object_get(product, "sha256")) ||
            strcmp(json_string_value(json_object_get(product, "sha256")), json_string_value(sha)) !=
                0) {
            rc = wb_error_set(WB_EVERIFY,
                              "%s: delivered file '%s' differs from product '%s' of the supply "
                              "chain's last step (sha256 %s, product %s)",
                              name, sname, product_path, json_string_value(sha),
                              json_is_string(json_object_get(product, "sha256"))
                                  ? json_string_value(json_object_get(product, "sha256"))
                                  : "without sha256");
            wb_free(product_path);
            goto out;
        }
        wb_free(product_path);
    }
    json_object_foreach((json_t *)products, path, hashes)
    {
        if (prefix_len && (strncmp(path, prefix, prefix_len) != 0 || path[prefix_len] != '/'))
            continue;
        if (!json_object_get(delivered, path)) {
            rc = wb_error_set(WB_EVERIFY,
                              "%s: product '%s' of the supply chain's last step is not delivered",
                              name, path);
            goto out;
        }
    }
out:
    json_decref(delivered);
    return rc;
}

/* --- layouts from a description --- */

/* A rule or a command: a list of strings, or one string split at white
 * space. New reference, or NULL with the error set. */
static json_t *words_of(const json_t *value, const char *what, const char *name)
{
    json_t *words;
    size_t i;
    const json_t *word;

    if (json_is_array(value)) {
        json_array_foreach(value, i, word)
        {
            if (!json_is_string(word)) {
                wb_error_set(WB_EFORMAT, "%s: %s must be strings", name, what);
                return NULL;
            }
        }
        return json_deep_copy(value);
    }
    if (!json_is_string(value)) {
        wb_error_set(WB_EFORMAT, "%s: %s must be a string or a list of strings", name, what);
        return NULL;
    }
    words = json_array();
    {
        const char *p = json_string_value(value);
        while (words && *p) {
            size_t n = 0;
            while (*p == ' ' || *p == '\t' || *p == '\n')
                p++;
            while (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != '\n')
                n++;
            if (n && json_array_append_new(words, json_stringn(p, n)) < 0) {
                json_decref(words);
                words = NULL;
            }
            p += n;
        }
    }
    if (!words)
        wb_error_set(WB_ENOMEM, "out of memory");
    return words;
}

static json_t *rules_of(const json_t *item, const char *field, const char *name)
{
    const json_t *list = json_object_get(item, field), *rule;
    json_t *rules = json_array();
    size_t i;

    if (!rules) {
        wb_error_set(WB_ENOMEM, "out of memory");
        return NULL;
    }
    if (!list)
        return rules;
    if (!json_is_array(list)) {
        json_decref(rules);
        wb_error_set(WB_EFORMAT, "%s: \"%s\" must be a list of rules", name, field);
        return NULL;
    }
    json_array_foreach(list, i, rule)
    {
        json_t *words = words_of(rule, field, name);
        if (!words || json_array_append_new(rules, words) < 0) {
            json_decref(rules);
            if (words)
                wb_error_set(WB_ENOMEM, "out of memory");
            return NULL;
        }
    }
    return rules;
}

static int expires_of(char *out, size_t out_size, const json_t *value, int64_t now,
                      const char *name)
{
    const char *text = json_string_value(value);
    int64_t when;
    size_t len;

    if (!text)
        return wb_error_set(WB_EFORMAT,
                            "%s: \"expires\" is required: a time YYYY-MM-DDTHH:MM:SSZ or a "
                            "duration like \"365d\"",
                            name);
    len = strlen(text);
    if (wb_layout_parse_time(&when, text) == 0) {
        snprintf(out, out_size, "%s", text);
        return 0;
    }
    if (len >= 2 && len <= 7 && (text[len - 1] == 'd' || text[len - 1] == 'h')) {
        int64_t n = 0, unit = text[len - 1] == 'd' ? 86400 : 3600;
        size_t i;
        struct tm tm;
        time_t t;
        for (i = 0; i + 1 < len; i++) {
            if (text[i] < '0' || text[i] > '9')
                goto bad;
            n = n * 10 + (text[i] - '0');
        }
        t = (time_t)(now + n * unit);
        if (n == 0 || !gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 ||
            strftime(out, out_size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
            goto bad;
        return 0;
    }
bad:
    return wb_error_set(WB_EFORMAT,
                        "%s: \"expires\" '%.64s' is neither a time YYYY-MM-DDTHH:MM:SSZ nor a "
                        "duration of days or hours (\"365d\", \"12h\")",
                        name, text);
}

/* WB_EFORMAT naming the first field of `obj` not among `known` ("NAME:
 * WHATunknown field"), else 0: a misspelt field is refused, not ignored. */
static int known_fields(const json_t *obj, const char *const *known, size_t nknown,
                        const char *what, const char *name)
{
    const char *field;
    json_t *v;
    size_t i;

    json_object_foreach((json_t *)obj, field, v)
    {
        bool ok = false;
        for (i = 0; i < nknown && !ok; i++)
            ok = strcmp(field, known[i]) == 0;
        if (!ok)
            return wb_error_set(WB_EFORMAT, "%s: %sunknown field \"%s\"", name, what, field);
    }
    return 0;
}

static int step_of(json_t **out, const json_t *desc, json_t *keys, const char *base_dir,
                   const char *name)
{
    static const char *const known[] = {"name",
                                        "functionaries",
                                        "threshold",
                                        "expected_materials",
                                        "expected_products",
                                        "expected_command"};
    const json_t *functionaries = json_object_get(desc, "functionaries"), *f, *v;
    json_t *step = NULL, *pubkeys = NULL, *rules_m = NULL, *rules_p = NULL, *command = NULL;
    size_t i;
    int rc = 0;

    if ((rc = known_fields(desc, known, sizeof(known) / sizeof(known[0]), "step: ", name)) < 0)
        return rc;
    if (!json_is_string(json_object_get(desc, "name")))
        return wb_error_set(WB_EFORMAT, "%s: a step needs a \"name\"", name);
    if (!json_is_array(functionaries) || json_array_size(functionaries) == 0)
        return wb_error_set(WB_EFORMAT, "%s: step '%s' needs \"functionaries\": public key files",
                            name, json_string_value(json_object_get(desc, "name")));
    pubkeys = json_array();
    if (!pubkeys)
        return wb_error_set(WB_ENOMEM, "out of memory");
    json_array_foreach(functionaries, i, f)
    {
        const char *file = json_string_value(f);
        char *path;
        wb_key *key = NULL;
        json_t *key_json = NULL;
        if (!file || !file[0]) {
            rc = wb_error_set(WB_EFORMAT, "%s: functionaries must be key file names", name);
            goto out;
        }
        path = file[0] == '/' || !base_dir ? wb_strdup(file) : wb_asprintf("%s/%s", base_dir, file);
        if (!path) {
            rc = wb_error_set(WB_ENOMEM, "out of memory");
            goto out;
        }
        rc = wb_key_load(&key, path);
        wb_free(path);
        if (rc < 0)
            goto out;
        if ((rc = wb_key_to_sslib_json(&key_json, key)) == 0 &&
            json_object_set_new(key_json, "keyid", json_string(wb_key_id(key))) == 0 &&
            json_object_set_new(keys, wb_key_id(key), key_json) == 0)
            rc = json_array_append_new(pubkeys, json_string(wb_key_id(key))) < 0
                     ? wb_error_set(WB_ENOMEM, "out of memory")
                     : 0;
        else if (rc == 0)
            rc = wb_error_set(WB_ENOMEM, "out of memory");
        wb_key_free(key);
        if (rc < 0)
            goto out;
    }
    v = json_object_get(desc, "threshold");
    if (v && !json_is_integer(v)) {
        rc = wb_error_set(WB_EFORMAT, "%s: step '%s': threshold must be an integer", name,
                          json_string_value(json_object_get(desc, "name")));
        goto out;
    }
    if (!(rules_m = rules_of(desc, "expected_materials", name)) ||
        !(rules_p = rules_of(desc, "expected_products", name))) {
        rc = wb_error_last_code();
        goto out;
    }
    command = json_object_get(desc, "expected_command")
                  ? words_of(json_object_get(desc, "expected_command"), "expected_command", name)
                  : json_array();
    if (!command) {
        rc = wb_error_last_code();
        goto out;
    }
    step = json_pack("{s:s, s:O, s:O, s:O, s:O, s:O, s:I}", "_type", "step", "name",
                     json_object_get(desc, "name"), "expected_materials", rules_m,
                     "expected_products", rules_p, "pubkeys", pubkeys, "expected_command", command,
                     "threshold", v ? json_integer_value(v) : (json_int_t)1);
    if (!step)
        rc = wb_error_set(WB_ENOMEM, "out of memory");
out:
    json_decref(pubkeys);
    json_decref(rules_m);
    json_decref(rules_p);
    json_decref(command);
    *out = step;
    return rc;
}

static int inspection_of(json_t **out, const json_t *desc, const char *name)
{
    static const char *const known[] = {"name", "run", "expected_materials", "expected_products"};
    json_t *inspection = NULL, *rules_m = NULL, *rules_p = NULL, *run = NULL;
    int rc = 0;

    if ((rc = known_fields(desc, known, sizeof(known) / sizeof(known[0]), "inspection: ", name)) <
        0)
        return rc;
    if (!json_is_string(json_object_get(desc, "name")) || !json_object_get(desc, "run"))
        return wb_error_set(WB_EFORMAT, "%s: an inspection needs a \"name\" and a \"run\"", name);
    if (!(run = words_of(json_object_get(desc, "run"), "run", name)) ||
        !(rules_m = rules_of(desc, "expected_materials", name)) ||
        !(rules_p = rules_of(desc, "expected_products", name))) {
        rc = wb_error_last_code();
        goto out;
    }
    inspection = json_pack("{s:s, s:O, s:O, s:O, s:O}", "_type", "inspection", "name",
                           json_object_get(desc, "name"), "expected_materials", rules_m,
                           "expected_products", rules_p, "run", run);
    if (!inspection)
        rc = wb_error_set(WB_ENOMEM, "out of memory");
out:
    json_decref(run);
    json_decref(rules_m);
    json_decref(rules_p);
    *out = inspection;
    return rc;
}

int wb_layout_from_description(json_t **out, const json_t *description, const char *base_dir,
                               int64_t now, const char *name)
{
    static const char *const known[] = {"expires", "readme", "steps", "inspect"};
    json_t *layout = NULL, *keys = NULL, *steps = NULL, *inspect = NULL, *item = NULL;
    json_t *model = NULL;
    const json_t *list, *v;
    char expires[32];
    wb_metablock_type type;
    size_t i, j;
    int rc = 0;

    if (!out || !description)
        return wb_error_set(WB_EINVAL, "layout description: invalid argument");
    *out = NULL;
    if (!name)
        name = "description";
    if (!json_is_object(description))
        return wb_error_set(WB_EFORMAT, "%s: a layout description is a JSON object", name);
    if ((rc = known_fields(description, known, sizeof(known) / sizeof(known[0]), "", name)) < 0)
        return rc;
    if ((rc = expires_of(expires, sizeof(expires), json_object_get(description, "expires"), now,
                         name)) < 0)
        return rc;
    v = json_object_get(description, "readme");
    if (v && !json_is_string(v))
        return wb_error_set(WB_EFORMAT, "%s: \"readme\" must be a string", name);
    keys = json_object();
    steps = json_array();
    inspect = json_array();
    if (!keys || !steps || !inspect) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    for (j = 0; j < 2; j++) {
        list = json_object_get(description, j == 0 ? "steps" : "inspect");
        if (list && !json_is_array(list)) {
            rc = wb_error_set(WB_EFORMAT, "%s: \"%s\" must be a list", name,
                              j == 0 ? "steps" : "inspect");
            goto out;
        }
        json_array_foreach(list, i, v)
        {
            if (!json_is_object(v)) {
                rc = wb_error_set(WB_EFORMAT, "%s: a step or inspection must be an object", name);
                goto out;
            }
            rc = j == 0 ? step_of(&item, v, keys, base_dir, name) : inspection_of(&item, v, name);
            if (rc < 0)
                goto out;
            if (json_array_append_new(j == 0 ? steps : inspect, item) < 0) {
                rc = wb_error_set(WB_ENOMEM, "out of memory");
                goto out;
            }
        }
    }
    v = json_object_get(description, "readme");
    layout = json_pack("{s:s, s:s, s:O, s:O, s:O, s:s}", "_type", "layout", "expires", expires,
                       "keys", keys, "steps", steps, "inspect", inspect, "readme",
                       v ? json_string_value(v) : "");
    if (!layout) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    /* the checks every reader makes: rules, names, thresholds, keys */
    if ((rc = model_of(&model, &type, layout, name)) < 0)
        goto out;
    *out = model;
    model = NULL;
out:
    json_decref(model);
    json_decref(layout);
    json_decref(keys);
    json_decref(steps);
    json_decref(inspect);
    return rc;
}
