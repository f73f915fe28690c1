/*
 * dsse.c: DSSE v1.0 envelopes (github.com/secure-systems-lab/dsse,
 * envelope.md and protocol.md).
 *
 * Signatures cover PAE(payloadType, payload), never the JSON, so the JSON
 * form only has to be parsed strictly, not canonicalised: duplicate keys and
 * wrong types are refused, unknown fields ignored (the spec allows
 * extensions). Verification treats a signature's keyid as a hint: a
 * signature is first checked with the trusted key its hint names and, when
 * the hint names none, with every trusted key not yet counted; each trusted
 * key counts at most once toward the threshold. Work is bounded by
 * WB_DSSE_MAX_SIGNATURES x keyring size.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

typedef struct {
    char *keyid;
    unsigned char *sig;
    size_t sig_len;
} envelope_sig;

struct wb_envelope {
    char *payload_type;
    unsigned char *payload;
    size_t payload_len;
    envelope_sig *sigs;
    size_t nsigs;
};

int wb_dsse_pae(unsigned char **out, size_t *out_len, const char *payload_type, const void *payload,
                size_t payload_len)
{
    size_t type_len, total, head_len;
    char head[96];
    int n;
    unsigned char *buf;

    if (!out || !out_len || !payload_type || (!payload && payload_len))
        return wb_error_set(WB_EINVAL, "dsse: invalid argument");
    *out = NULL;
    type_len = strlen(payload_type);
    n = snprintf(head, sizeof(head), "DSSEv1 %zu ", type_len);
    head_len = (size_t)n;
    if (wb_add_overflows(head_len, type_len, &total) || wb_add_overflows(total, 22, &total) ||
        wb_add_overflows(total, payload_len, &total))
        return wb_error_set(WB_ELIMIT, "dsse: payload too large");
    buf = wb_malloc(total);
    if (!buf)
        return wb_error_set(WB_ENOMEM, "dsse: out of memory");
    memcpy(buf, head, head_len);
    memcpy(buf + head_len, payload_type, type_len);
    n = snprintf((char *)buf + head_len + type_len, 23, " %zu ", payload_len);
    total = head_len + type_len + (size_t)n;
    if (payload_len)
        memcpy(buf + total, payload, payload_len);
    *out = buf;
    *out_len = total + payload_len;
    return 0;
}

void wb_envelope_free(wb_envelope *env)
{
    size_t i;
    if (!env)
        return;
    for (i = 0; i < env->nsigs; i++) {
        wb_free(env->sigs[i].keyid);
        wb_free(env->sigs[i].sig);
    }
    wb_free(env->sigs);
    wb_free(env->payload_type);
    wb_free(env->payload);
    wb_free(env);
}

int wb_envelope_new(wb_envelope **out, const char *payload_type, const void *payload,
                    size_t payload_len)
{
    wb_envelope *env;

    if (!out || !payload_type || (!payload && payload_len))
        return wb_error_set(WB_EINVAL, "dsse: invalid argument");
    *out = NULL;
    if (!wb_utf8_valid(payload_type, strlen(payload_type)))
        return wb_error_set(WB_EINVAL, "dsse: the payload type is not valid UTF-8");
    env = wb_calloc(1, sizeof(*env));
    if (!env)
        return wb_error_set(WB_ENOMEM, "dsse: out of memory");
    env->payload_type = wb_strdup(payload_type);
    env->payload = wb_memdup(payload, payload_len);
    env->payload_len = payload_len;
    if (!env->payload_type || !env->payload) {
        wb_envelope_free(env);
        return wb_error_set(WB_ENOMEM, "dsse: out of memory");
    }
    *out = env;
    return 0;
}

static int add_signature(wb_envelope *env, const char *keyid, unsigned char *sig, size_t sig_len)
{
    envelope_sig *grown;
    char *id_copy;

    if (env->nsigs >= WB_DSSE_MAX_SIGNATURES) {
        wb_free(sig);
        return wb_error_set(WB_ELIMIT, "dsse: more than %d signatures", WB_DSSE_MAX_SIGNATURES);
    }
    id_copy = wb_strdup(keyid ? keyid : "");
    grown = id_copy ? wb_reallocarray(env->sigs, env->nsigs + 1, sizeof(*grown)) : NULL;
    if (!grown) {
        wb_free(id_copy);
        wb_free(sig);
        return wb_error_set(WB_ENOMEM, "dsse: out of memory");
    }
    env->sigs = grown;
    env->sigs[env->nsigs].keyid = id_copy;
    env->sigs[env->nsigs].sig = sig;
    env->sigs[env->nsigs].sig_len = sig_len;
    env->nsigs++;
    return 0;
}

static int decode_field(unsigned char **out, size_t *out_len, const json_t *value, const char *name,
                        const char *field)
{
    int rc = wb_base64_decode(out, out_len, json_string_value(value), json_string_length(value));
    if (rc < 0)
        return wb_error_prefix(rc, "%s: %s: ", name, field);
    return 0;
}

int wb_envelope_parse(wb_envelope **out, const char *buf, size_t len, const char *name)
{
    json_t *root = NULL, *payload, *type, *sigs;
    wb_envelope *env = NULL;
    size_t i;
    int rc;

    if (!out || (!buf && len))
        return wb_error_set(WB_EINVAL, "dsse: invalid argument");
    *out = NULL;
    if (!name)
        name = "envelope";
    if (len > WB_DSSE_MAX_ENVELOPE_SIZE)
        return wb_error_set(WB_ELIMIT, "%s: %zu bytes, more than the limit of %zu", name, len,
                            WB_DSSE_MAX_ENVELOPE_SIZE);
    rc = wb_json_parse(&root, buf, len, name);
    if (rc < 0)
        return rc;
    if (!json_is_object(root)) {
        rc = wb_error_set(WB_EFORMAT, "%s: a DSSE envelope must be a JSON object", name);
        goto out;
    }
    payload = json_object_get(root, "payload");
    type = json_object_get(root, "payloadType");
    sigs = json_object_get(root, "signatures");
    if (!json_is_string(payload)) {
        rc = wb_error_set(WB_EFORMAT, "%s: \"payload\" missing or not a string", name);
        goto out;
    }
    if (!json_is_string(type)) {
        rc = wb_error_set(WB_EFORMAT, "%s: \"payloadType\" missing or not a string", name);
        goto out;
    }
    if (strlen(json_string_value(type)) != json_string_length(type)) {
        rc = wb_error_set(WB_EFORMAT, "%s: \"payloadType\" contains a NUL character", name);
        goto out;
    }
    if (!json_is_array(sigs)) {
        rc = wb_error_set(WB_EFORMAT, "%s: \"signatures\" missing or not an array", name);
        goto out;
    }
    if (json_array_size(sigs) > WB_DSSE_MAX_SIGNATURES) {
        rc = wb_error_set(WB_ELIMIT, "%s: %zu signatures, more than the limit of %d", name,
                          json_array_size(sigs), WB_DSSE_MAX_SIGNATURES);
        goto out;
    }
    env = wb_calloc(1, sizeof(*env));
    if (!env) {
        rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    env->payload_type = wb_strdup(json_string_value(type));
    if (!env->payload_type) {
        rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    rc = decode_field(&env->payload, &env->payload_len, payload, name, "payload");
    if (rc < 0)
        goto out;
    for (i = 0; i < json_array_size(sigs); i++) {
        json_t *entry = json_array_get(sigs, i), *keyid, *sig_b64;
        unsigned char *sig = NULL;
        size_t sig_len = 0;
        char field[48];

        snprintf(field, sizeof(field), "signature %zu", i + 1);
        if (!json_is_object(entry)) {
            rc = wb_error_set(WB_EFORMAT, "%s: %s: not a JSON object", name, field);
            goto out;
        }
        keyid = json_object_get(entry, "keyid");
        sig_b64 = json_object_get(entry, "sig");
        if (keyid && !json_is_string(keyid)) {
            rc = wb_error_set(WB_EFORMAT, "%s: %s: \"keyid\" is not a string", name, field);
            goto out;
        }
        if (!json_is_string(sig_b64)) {
            rc = wb_error_set(WB_EFORMAT, "%s: %s: \"sig\" missing or not a string", name, field);
            goto out;
        }
        rc = decode_field(&sig, &sig_len, sig_b64, name, field);
        if (rc < 0)
            goto out;
        rc = add_signature(env, keyid ? json_string_value(keyid) : "", sig, sig_len);
        if (rc < 0)
            goto out;
    }
    *out = env;
    env = NULL;
out:
    wb_envelope_free(env);
    json_decref(root);
    return rc;
}

int wb_envelope_load(wb_envelope **out, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    if (!out || !path)
        return wb_error_set(WB_EINVAL, "dsse: invalid argument");
    *out = NULL;
    rc = wb_read_file(&buf, &len, path, WB_DSSE_MAX_ENVELOPE_SIZE);
    if (rc < 0)
        return rc;
    rc = wb_envelope_parse(out, buf, len, path);
    wb_free(buf);
    return rc;
}

int wb_dsse_sign(wb_envelope *env, const wb_key *key)
{
    unsigned char *pae = NULL, *sig = NULL;
    size_t pae_len, sig_len;
    int rc;

    if (!env || !key)
        return wb_error_set(WB_EINVAL, "dsse: invalid argument");
    rc = wb_dsse_pae(&pae, &pae_len, env->payload_type, env->payload, env->payload_len);
    if (rc < 0)
        return rc;
    rc = wb_key_sign(&sig, &sig_len, key, pae, pae_len);
    wb_free(pae);
    if (rc < 0)
        return rc;
    return add_signature(env, wb_key_id(key), sig, sig_len);
}

/* Written by hand rather than through jansson: a waybill's payload can be
 * hundreds of MB, and this way its base64 is produced once, straight into
 * the output, instead of being copied three times. The layout is the one
 * json_dumps(JSON_INDENT(2) | JSON_SORT_KEYS) gives. */
int wb_envelope_serialize(char **out, size_t *out_len, const wb_envelope *env)
{
    wb_buf buf = {0};
    size_t i;

    if (!out || !env)
        return wb_error_set(WB_EINVAL, "dsse: invalid argument");
    *out = NULL;
    wb_buf_puts(&buf, "{\n  \"payload\": \"");
    wb_buf_base64(&buf, env->payload, env->payload_len);
    wb_buf_puts(&buf, "\",\n  \"payloadType\": ");
    wb_buf_json_string(&buf, env->payload_type, strlen(env->payload_type));
    wb_buf_puts(&buf, ",\n  \"signatures\": [");
    for (i = 0; i < env->nsigs; i++) {
        wb_buf_puts(&buf, i ? ",\n    {\n      \"keyid\": " : "\n    {\n      \"keyid\": ");
        wb_buf_json_string(&buf, env->sigs[i].keyid, strlen(env->sigs[i].keyid));
        wb_buf_puts(&buf, ",\n      \"sig\": \"");
        wb_buf_base64(&buf, env->sigs[i].sig, env->sigs[i].sig_len);
        wb_buf_puts(&buf, "\"\n    }");
    }
    wb_buf_puts(&buf, env->nsigs ? "\n  ]\n}\n" : "]\n}\n");
    if (buf.failed) {
        wb_buf_free(&buf);
        return wb_error_set(WB_ENOMEM, "dsse: out of memory");
    }
    return wb_buf_detach(&buf, out, out_len);
}

int wb_envelope_save(const wb_envelope *env, const char *path)
{
    char *text = NULL;
    size_t len;
    int rc = wb_envelope_serialize(&text, &len, env);
    if (rc < 0)
        return rc;
    rc = wb_write_file_atomic(path, text, len, 0644, true);
    wb_free(text);
    return rc;
}

const char *wb_envelope_payload_type(const wb_envelope *env)
{
    return env ? env->payload_type : NULL;
}

const unsigned char *wb_envelope_payload(const wb_envelope *env, size_t *len)
{
    if (!env)
        return NULL;
    if (len)
        *len = env->payload_len;
    return env->payload;
}

size_t wb_envelope_signature_count(const wb_envelope *env)
{
    return env ? env->nsigs : 0;
}

const char *wb_envelope_signature_keyid(const wb_envelope *env, size_t i)
{
    return env && i < env->nsigs ? env->sigs[i].keyid : NULL;
}

void wb_dsse_result_free(wb_dsse_result *result)
{
    if (!result)
        return;
    wb_free(result->sigs);
    wb_free(result);
}

static void copy_keyid(char *dst, const char *src)
{
    size_t n = strnlen(src, WB_KEYID_HEX_LEN);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* A key id made printable for a message: control and non-ASCII bytes become '?' */
static void printable_keyid(char *dst, const char *src)
{
    size_t i;
    copy_keyid(dst, src);
    for (i = 0; dst[i]; i++)
        if ((unsigned char)dst[i] < 0x20 || (unsigned char)dst[i] >= 0x7f)
            dst[i] = '?';
}

int wb_dsse_verify(wb_dsse_result **result_out, const wb_envelope *env, const wb_keyring *ring,
                   size_t threshold)
{
    size_t nkeys = wb_keyring_count(ring), i, k;
    wb_dsse_result *result = NULL;
    unsigned char *pae = NULL;
    bool *counted = NULL;
    size_t pae_len;
    wb_buf why = {0};
    int rc;

    if (result_out)
        *result_out = NULL;
    if (!env || !ring)
        return wb_error_set(WB_EINVAL, "dsse: invalid argument");
    if (threshold < 1)
        return wb_error_set(WB_EINVAL, "dsse: threshold must be at least 1");
    result = wb_calloc(1, sizeof(*result));
    counted = wb_calloc(nkeys ? nkeys : 1, sizeof(*counted));
    if (!result || !counted ||
        !(result->sigs = wb_calloc(env->nsigs ? env->nsigs : 1, sizeof(*result->sigs)))) {
        rc = wb_error_set(WB_ENOMEM, "dsse: out of memory");
        goto out;
    }
    result->nsigs = env->nsigs;
    result->threshold = threshold;
    rc = wb_dsse_pae(&pae, &pae_len, env->payload_type, env->payload, env->payload_len);
    if (rc < 0)
        goto out;

    for (i = 0; i < env->nsigs; i++) {
        const envelope_sig *sig = &env->sigs[i];
        wb_dsse_sig_result *res = &result->sigs[i];
        const wb_key *hinted = wb_keyring_find(ring, sig->keyid);
        size_t hinted_index = nkeys;

        res->status = WB_DSSE_SIG_UNTRUSTED;
        copy_keyid(res->keyid, sig->keyid);
        if (hinted) {
            for (k = 0; k < nkeys; k++)
                if (wb_keyring_get(ring, k) == hinted)
                    hinted_index = k;
            if (wb_key_verify(hinted, pae, pae_len, sig->sig, sig->sig_len) == 0) {
                res->status = counted[hinted_index] ? WB_DSSE_SIG_DUPLICATE : WB_DSSE_SIG_VALID;
                counted[hinted_index] = true;
                continue;
            }
            res->status = WB_DSSE_SIG_INVALID;
        }
        /* the hint is only a hint: try the keys it does not name */
        for (k = 0; k < nkeys; k++) {
            const wb_key *key = wb_keyring_get(ring, k);
            if (k == hinted_index)
                continue;
            if (wb_key_verify(key, pae, pae_len, sig->sig, sig->sig_len) == 0) {
                res->status = counted[k] ? WB_DSSE_SIG_DUPLICATE : WB_DSSE_SIG_VALID;
                copy_keyid(res->keyid, wb_key_id(key));
                counted[k] = true;
                break;
            }
        }
    }
    for (k = 0; k < nkeys; k++)
        result->valid_keys += counted[k];

    if (result->valid_keys >= threshold) {
        rc = 0;
        wb_error_clear();
        goto out;
    }
    /* say what each signature that did not count was */
    wb_buf_printf(&why, "%zu of %zu required signatures by distinct trusted keys",
                  result->valid_keys, threshold);
    if (env->nsigs == 0)
        wb_buf_puts(&why, "; the envelope has no signatures");
    for (i = 0; i < env->nsigs; i++) {
        char shown[WB_KEYID_HEX_LEN + 1];
        printable_keyid(shown, result->sigs[i].keyid);
        switch (result->sigs[i].status) {
        case WB_DSSE_SIG_VALID:
            break;
        case WB_DSSE_SIG_DUPLICATE:
            wb_buf_printf(&why, "; signature %zu: key %s already counted (a key counts once)",
                          i + 1, shown);
            break;
        case WB_DSSE_SIG_INVALID:
            wb_buf_printf(&why, "; signature %zu: does not verify with trusted key %s", i + 1,
                          shown);
            break;
        case WB_DSSE_SIG_UNTRUSTED:
            if (shown[0])
                wb_buf_printf(&why, "; signature %zu: no trusted key with id %s verifies it", i + 1,
                              shown);
            else
                wb_buf_printf(&why, "; signature %zu: no trusted key verifies it", i + 1);
            break;
        }
    }
    if (why.failed) {
        rc = wb_error_set(WB_ENOMEM, "dsse: out of memory");
        goto out;
    }
    wb_buf_putc(&why, '\0');
    rc = why.failed ? wb_error_set(WB_ENOMEM, "dsse: out of memory")
                    : wb_error_set(WB_EVERIFY, "%s", why.data);
out:
    if (rc == 0 || rc == WB_EVERIFY) {
        if (result_out) {
            *result_out = result;
            result = NULL;
        }
    }
    wb_buf_free(&why);
    wb_free(pae);
    wb_free(counted);
    wb_dsse_result_free(result);
    return rc;
}
