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
#include <sys/stat.h>
#include <time.h>

#include "internal.h"
#include "layout_internal.h"
#include "waybill/layout.h"

typedef struct {
    char *keyid;
    unsigned char *sig;
    size_t sig_len;
} metablock_sig;

struct wb_metablock {
    wb_metablock_type type;
    char *name;
    json_t *model;      /* the signed document as the model holds it */
    char *signed_bytes; /* canonical JSON of model (Metablocks only) */
    size_t signed_len;
    metablock_sig *sigs;
    size_t nsigs;
    wb_envelope *env; /* DSSE only */
};

void wb_metablock_free(wb_metablock *mb)
{
    size_t i;
    if (!mb)
        return;
    for (i = 0; i < mb->nsigs; i++) {
        wb_free(mb->sigs[i].keyid);
        wb_free(mb->sigs[i].sig);
    }
    wb_free(mb->sigs);
    json_decref(mb->model);
    wb_free(mb->signed_bytes);
    wb_free(mb->name);
    wb_envelope_free(mb->env);
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

const json_t *wb_metablock_signed(const wb_metablock *mb)
{
    return mb ? mb->model : NULL;
}

const char *wb_metablock_name(const wb_metablock *mb)
{
    return mb ? mb->name : "";
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

int wb_metablock_parse(wb_metablock **out, const char *buf, size_t len, const char *name)
{
    wb_metablock *mb = NULL;
    json_t *doc = NULL, *payload_doc = NULL;
    const json_t *signed_doc;
    int rc;

    if (!out || (!buf && len))
        return wb_error_set(WB_EINVAL, "metablock: invalid argument");
    *out = NULL;
    if (!name)
        name = "metadata";
    if (len > WB_LAYOUT_MAX_FILE_SIZE)
        return wb_error_set(WB_ELIMIT, "%s: %zu bytes, more than %zu", name, len,
                            WB_LAYOUT_MAX_FILE_SIZE);
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
    *out = mb;
    mb = NULL;
out:
    json_decref(payload_doc);
    json_decref(doc);
    wb_metablock_free(mb);
    return rc;
}

int wb_metablock_sign(char **out, size_t *out_len, const json_t *signed_doc, const wb_key *key)
{
    json_t *model = NULL, *doc = NULL;
    wb_metablock_type type;
    char *canonical = NULL, *hex = NULL, *text = NULL;
    unsigned char *sig = NULL;
    size_t canonical_len, sig_len = 0;
    int rc;

    if (!out || !out_len || !signed_doc || !key)
        return wb_error_set(WB_EINVAL, "metablock sign: invalid argument");
    *out = NULL;
    *out_len = 0;
    if ((rc = model_of(&model, &type, signed_doc, "document")) < 0)
        return rc;
    if ((rc = wb_json_canonical_olpc(&canonical, &canonical_len, model)) < 0 ||
        (rc = wb_key_sign(&sig, &sig_len, key, canonical, canonical_len)) < 0)
        goto out;
    hex = wb_malloc(2 * sig_len + 1);
    if (!hex) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto out;
    }
    wb_hex_encode(hex, sig, sig_len);
    doc = json_pack("{s:[{s:s, s:s}], s:O}", "signatures", "keyid", wb_key_id(key), "sig", hex,
                    "signed", model);
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
    rc = wb_metablock_parse(out, buf, len, path);
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
    wb_metablock *mb;
    json_t *link; /* the link, or the summary of a sublayout */
} step_link;

static void step_links_free(step_link *links, size_t n)
{
    size_t i;
    for (i = 0; links && i < n; i++) {
        wb_free(links[i].keyid);
        wb_free(links[i].file);
        wb_metablock_free(links[i].mb);
        json_decref(links[i].link);
    }
    wb_free(links);
}

static int verify_at(json_t **summary_out, const wb_metablock *layout_mb,
                     const wb_keyring *layout_keys, const char *link_dir, const char *step_name,
                     unsigned depth, const wb_layout_options *opts);

/* The links of one step: read, signatures checked, sublayouts reduced,
 * agreement checked. The first counted link's document goes to *out. */
static int verify_step(json_t **out, const json_t *step, const json_t *layout_keys_json,
                       const char *layout_name, const char *link_dir, unsigned depth,
                       const wb_layout_options *opts)
{
    const char *name = json_string_value(json_object_get(step, "name"));
    const json_t *pubkeys = json_object_get(step, "pubkeys"), *keyid_json;
    size_t threshold = (size_t)json_integer_value(json_object_get(step, "threshold"));
    step_link *links = NULL;
    size_t nlinks = 0, nvalid = 0, i, j;
    char why[512] = "";
    int rc = 0;

    *out = NULL;
    links = wb_calloc(json_array_size(pubkeys) + 1, sizeof(*links));
    if (!links)
        return wb_error_set(WB_ENOMEM, "out of memory");
    /* 3. the links of the authorized functionaries, once per key id */
    json_array_foreach(pubkeys, i, keyid_json)
    {
        const char *keyid = json_string_value(keyid_json);
        struct stat st;
        bool seen = false;
        for (j = 0; j < nlinks; j++)
            if (strcmp(links[j].keyid, keyid) == 0)
                seen = true;
        if (seen)
            continue;
        links[nlinks].keyid = wb_strdup(keyid);
        links[nlinks].file = wb_asprintf("%s/%s.%.8s.link", link_dir, name, keyid);
        if (!links[nlinks].keyid || !links[nlinks].file) {
            nlinks++;
            rc = wb_error_set(WB_ENOMEM, "out of memory");
            goto out;
        }
        nlinks++;
        if (stat(links[nlinks - 1].file, &st) < 0) {
            /* absent (in-toto skips any file it cannot open) */
            if (!why[0])
                snprintf(why, sizeof(why), "%s: %s", links[nlinks - 1].file, strerror(errno));
            continue;
        }
        if ((rc = wb_metablock_load(&links[nlinks - 1].mb, links[nlinks - 1].file)) < 0) {
            if (rc == WB_EIO || rc == WB_ENOTFOUND) {
                if (!why[0])
                    snprintf(why, sizeof(why), "%s", wb_error_last());
                rc = 0;
                continue;
            }
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
        rc = wb_metablock_verify(l->mb, key);
        if (rc == 0 && wb_metablock_get_type(l->mb) == WB_METABLOCK_LINK) {
            const char *link_name =
                json_string_value(json_object_get(wb_metablock_signed(l->mb), "name"));
            if (strcmp(link_name, name) != 0)
                rc = wb_error_set(WB_EVERIFY, "%s: it is a link of step '%s'", l->file, link_name);
        }
        if (rc == WB_EVERIFY) {
            if (!why[0])
                snprintf(why, sizeof(why), "%s", wb_error_last());
            wb_key_free(key);
            rc = 0;
            wb_metablock_free(l->mb);
            l->mb = NULL;
            continue;
        }
        if (rc < 0) {
            wb_key_free(key);
            goto out;
        }
        /* 4. a sublayout stands for its summary link */
        if (wb_metablock_get_type(l->mb) == WB_METABLOCK_LAYOUT) {
            wb_keyring *ring = NULL;
            char *sub_dir = wb_asprintf("%s/%s.%.8s", link_dir, name, l->keyid);
            if (!sub_dir || (rc = wb_keyring_new(&ring)) < 0) {
                wb_free(sub_dir);
                wb_key_free(key);
                rc = rc < 0 ? rc : wb_error_set(WB_ENOMEM, "out of memory");
                goto out;
            }
            rc = wb_keyring_add(ring, key);
            key = NULL;
            if (rc == 0)
                rc = verify_at(&l->link, l->mb, ring, sub_dir, name, depth + 1, opts);
            wb_keyring_free(ring);
            wb_free(sub_dir);
            if (rc < 0) {
                rc = wb_error_prefix(rc, "%s: step '%s': sublayout %s: ", layout_name, name,
                                     l->file);
                goto out;
            }
        } else {
            l->link = json_incref((json_t *)wb_metablock_signed(l->mb));
        }
        wb_key_free(key);
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
            if (!links[i].link)
                continue;
            if (!first) {
                first = &links[i];
                continue;
            }
            if (threshold > 1 && (!json_equal(json_object_get(first->link, "materials"),
                                              json_object_get(links[i].link, "materials")) ||
                                  !json_equal(json_object_get(first->link, "products"),
                                              json_object_get(links[i].link, "products")))) {
                rc = wb_error_set(WB_EVERIFY,
                                  "%s: step '%s': links %s and %s disagree on materials or "
                                  "products",
                                  layout_name, name, first->file, links[i].file);
                goto out;
            }
        }
        *out = json_incref(first->link);
    }
out:
    step_links_free(links, nlinks);
    return rc;
}

static int summary_link(json_t **out, const json_t *layout, const json_t *reduced,
                        const char *step_name)
{
    const json_t *steps = json_object_get(layout, "steps");
    json_t *summary;
    size_t n = json_array_size(steps);
    if (n == 0) {
        summary =
            json_pack("{s:s, s:s, s:{}, s:{}, s:{}, s:[], s:{}}", "_type", "link", "name",
                      step_name, "materials", "products", "byproducts", "command", "environment");
    } else {
        const json_t *first = json_object_get(
            reduced, json_string_value(json_object_get(json_array_get(steps, 0), "name")));
        const json_t *last = json_object_get(
            reduced, json_string_value(json_object_get(json_array_get(steps, n - 1), "name")));
        summary = json_pack("{s:s, s:s, s:O, s:O, s:O, s:O, s:{}}", "_type", "link", "name",
                            step_name, "materials", json_object_get(first, "materials"), "products",
                            json_object_get(last, "products"), "byproducts",
                            json_object_get(last, "byproducts"), "command",
                            json_object_get(last, "command"), "environment");
    }
    if (!summary)
        return wb_error_set(WB_ENOMEM, "out of memory");
    *out = summary;
    return 0;
}

static int verify_at(json_t **summary_out, const wb_metablock *layout_mb,
                     const wb_keyring *layout_keys, const char *link_dir, const char *step_name,
                     unsigned depth, const wb_layout_options *opts)
{
    const char *name = layout_mb->name;
    const json_t *layout = layout_mb->model, *steps, *inspect, *item;
    json_t *reduced = NULL, *link = NULL;
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
    reduced = json_object();
    if (!reduced)
        return wb_error_set(WB_ENOMEM, "out of memory");
    /* 3.-5. links per step */
    steps = json_object_get(layout, "steps");
    json_array_foreach(steps, i, item)
    {
        if ((rc = verify_step(&link, item, json_object_get(layout, "keys"), name, link_dir, depth,
                              opts)) < 0)
            goto out;
        if (json_object_set_new(reduced, json_string_value(json_object_get(item, "name")), link) <
            0) {
            rc = wb_error_set(WB_ENOMEM, "out of memory");
            goto out;
        }
    }
    /* 6. the steps' artifact rules */
    json_array_foreach(steps, i, item)
    {
        const char *item_name = json_string_value(json_object_get(item, "name"));
        if ((rc = wb_layout_verify_rules(item_name, "materials",
                                         json_object_get(item, "expected_materials"), reduced)) <
                0 ||
            (rc = wb_layout_verify_rules(
                 item_name, "products", json_object_get(item, "expected_products"), reduced)) < 0) {
            rc = wb_error_prefix(rc, "%s: step ", name);
            goto out;
        }
    }
    /* 7. inspections */
    inspect = json_object_get(layout, "inspect");
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
            if ((rc = wb_layout_run_inspection(&ilink, item, name)) < 0)
                goto out;
            if (json_object_set_new(reduced, json_string_value(json_object_get(item, "name")),
                                    ilink) < 0) {
                rc = wb_error_set(WB_ENOMEM, "out of memory");
                goto out;
            }
        }
        json_array_foreach(inspect, i, item)
        {
            const char *item_name = json_string_value(json_object_get(item, "name"));
            if ((rc = wb_layout_verify_rules(item_name, "materials",
                                             json_object_get(item, "expected_materials"),
                                             reduced)) < 0 ||
                (rc = wb_layout_verify_rules(item_name, "products",
                                             json_object_get(item, "expected_products"), reduced)) <
                    0) {
                rc = wb_error_prefix(rc, "%s: inspection ", name);
                goto out;
            }
        }
    }
    if (summary_out)
        rc = summary_link(summary_out, layout, reduced, step_name);
out:
    json_decref(reduced);
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
    return verify_at(summary_out, layout, layout_keys, link_dir, "", 0, opts ? opts : &defaults);
}
