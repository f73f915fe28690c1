/*
 * policy.c: the signing policy of a shared ledger: which keys must sign a
 * statement of each predicate type, and how many of them
 * (include/waybill/policy.h, docs/formats/policy.md).
 *
 * A policy is a JSON file, parsed strictly (wb_json_parse: no duplicate
 * keys, no NUL) and checked field by field; an unknown field is an error,
 * not something ignored, since a misspelt "threshold" must not quietly mean
 * the default:
 *
 *     {"version": 1,
 *      "rules": [{"predicateType": "https://waybill.dev/delivery/v0.1",
 *                 "keys": ["keys/release.pub", "keys/backup.pub"],
 *                 "threshold": 1}]}
 *
 * Key files are named relative to the policy file's directory and may not
 * leave it: absolute paths and paths containing ".." are refused, so a
 * policy cannot pull a key from elsewhere on the server. Each rule's keys
 * become one keyring (the public halves only); a threshold above the number
 * of distinct keys could never be met and is refused when loading.
 *
 * Checking reads the envelope's payload as an in-toto Statement v1, picks
 * the rule of its predicateType and lets wb_dsse_verify() count distinct
 * trusted keys (a key signing twice counts once; keyids are only hints).
 * Everything the policy refuses is WB_EVERIFY with a message naming the
 * predicate type and how many valid signatures there were of how many
 * needed; other codes mean the check could not run.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "waybill/policy.h"
#include "waybill/statement.h"

#define POLICY_VERSION   1
#define POLICY_MAX_RULES 1024
#define POLICY_MAX_KEYS  WB_DSSE_MAX_SIGNATURES
#define KEY_PATH_MAX     1024

typedef struct {
    char *predicate_type;
    wb_keyring *ring;
    size_t threshold;
} policy_rule;

struct wb_policy {
    char *name;
    policy_rule *rules;
    size_t count;
};

void wb_policy_free(wb_policy *policy)
{
    size_t i;

    if (!policy)
        return;
    for (i = 0; i < policy->count; i++) {
        wb_free(policy->rules[i].predicate_type);
        wb_keyring_free(policy->rules[i].ring);
    }
    wb_free(policy->rules);
    wb_free(policy->name);
    wb_free(policy);
}

/* Every key of `obj` is one of the NULL-terminated `allowed`. */
static int only_fields(const json_t *obj, const char *const *allowed, const char *name,
                       const char *what)
{
    const char *key;
    json_t *value;

    json_object_foreach((json_t *)obj, key, value)
    {
        size_t i;
        (void)value;
        for (i = 0; allowed[i]; i++)
            if (strcmp(key, allowed[i]) == 0)
                break;
        if (!allowed[i]) {
            char *shown = wb_escape_display(key);
            int rc = wb_error_set(shown ? WB_EFORMAT : WB_ENOMEM, "%s: %s: unknown field \"%.64s\"",
                                  name, what, shown ? shown : "?");
            wb_free(shown);
            return rc;
        }
    }
    return 0;
}

/* A key path must stay inside the policy's directory. */
static bool key_path_safe(const char *path)
{
    size_t len = strlen(path);

    return len > 0 && len <= KEY_PATH_MAX && path[0] != '/' && !strstr(path, "..");
}

static int parse_rule(policy_rule *rule, const json_t *obj, size_t index, const char *dir,
                      const char *name)
{
    static const char *const fields[] = {"predicateType", "keys", "threshold", NULL};
    json_t *type, *keys, *threshold, *value;
    char what[64];
    size_t i;
    json_int_t t;
    int rc;

    snprintf(what, sizeof(what), "rule %zu", index + 1);
    if (!json_is_object(obj))
        return wb_error_set(WB_EFORMAT, "%s: %s must be an object", name, what);
    if ((rc = only_fields(obj, fields, name, what)) < 0)
        return rc;
    type = json_object_get(obj, "predicateType");
    keys = json_object_get(obj, "keys");
    threshold = json_object_get(obj, "threshold");
    if (!json_is_string(type) || json_string_length(type) == 0)
        return wb_error_set(WB_EFORMAT, "%s: %s: predicateType must be a non-empty string", name,
                            what);
    if (!json_is_array(keys) || json_array_size(keys) == 0)
        return wb_error_set(WB_EFORMAT, "%s: %s: keys must be a non-empty list of key files", name,
                            what);
    if (json_array_size(keys) > POLICY_MAX_KEYS)
        return wb_error_set(WB_ELIMIT, "%s: %s: more than %d keys", name, what, POLICY_MAX_KEYS);
    if (!json_is_integer(threshold) || json_integer_value(threshold) < 1)
        return wb_error_set(WB_EFORMAT, "%s: %s: threshold must be an integer of at least 1", name,
                            what);
    t = json_integer_value(threshold);

    rule->predicate_type = wb_strdup(json_string_value(type));
    if (!rule->predicate_type)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", name);
    if ((rc = wb_keyring_new(&rule->ring)) < 0)
        return rc;
    json_array_foreach(keys, i, value)
    {
        const char *rel = json_string_value(value);
        char *path;

        if (!rel)
            return wb_error_set(WB_EFORMAT, "%s: %s: key %zu must be a file name (a string)", name,
                                what, i + 1);
        if (!key_path_safe(rel)) {
            char *shown = wb_escape_display(rel);
            rc = wb_error_set(shown ? WB_EFORMAT : WB_ENOMEM,
                              "%s: %s: key path \"%.200s\" must be relative to the policy's "
                              "directory, without \"..\"",
                              name, what, shown ? shown : "?");
            wb_free(shown);
            return rc;
        }
        path = wb_asprintf("%s/%s", dir, rel);
        if (!path)
            return wb_error_set(WB_ENOMEM, "%s: out of memory", name);
        rc = wb_keyring_add_file(rule->ring, path);
        wb_free(path);
        if (rc < 0)
            return wb_error_prefix(rc, "%s: %s: ", name, what);
    }
    if ((uint64_t)t > wb_keyring_count(rule->ring))
        return wb_error_set(WB_EFORMAT,
                            "%s: %s (%s): threshold %lld is more than its %zu distinct keys; it "
                            "could never be met",
                            name, what, rule->predicate_type, (long long)t,
                            wb_keyring_count(rule->ring));
    rule->threshold = (size_t)t;
    return 0;
}

int wb_policy_parse(wb_policy **out, const char *text, size_t len, const char *dir,
                    const char *name)
{
    static const char *const fields[] = {"version", "rules", NULL};
    wb_policy *policy = NULL;
    json_t *root = NULL, *version, *rules, *value;
    size_t i, j;
    int rc;

    if (!out || !text || !dir)
        return wb_error_set(WB_EINVAL, "policy: invalid argument");
    *out = NULL;
    if (!name)
        name = "policy";
    if (len > WB_POLICY_MAX_SIZE)
        return wb_error_set(WB_ELIMIT, "%s: %zu bytes, more than the limit of %zu", name, len,
                            WB_POLICY_MAX_SIZE);
    policy = wb_calloc(1, sizeof(*policy));
    if (!policy || !(policy->name = wb_strdup(name))) {
        rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    if ((rc = wb_json_parse(&root, text, len, name)) < 0)
        goto out;
    if (!json_is_object(root)) {
        rc = wb_error_set(WB_EFORMAT, "%s: a policy is a JSON object", name);
        goto out;
    }
    if ((rc = only_fields(root, fields, name, "policy")) < 0)
        goto out;
    version = json_object_get(root, "version");
    if (!json_is_integer(version) || json_integer_value(version) != POLICY_VERSION) {
        rc = wb_error_set(json_is_integer(version) ? WB_EUNSUPPORTED : WB_EFORMAT,
                          "%s: version must be %d", name, POLICY_VERSION);
        goto out;
    }
    rules = json_object_get(root, "rules");
    if (!json_is_array(rules) || json_array_size(rules) == 0) {
        rc = wb_error_set(WB_EFORMAT, "%s: rules must be a non-empty list", name);
        goto out;
    }
    if (json_array_size(rules) > POLICY_MAX_RULES) {
        rc = wb_error_set(WB_ELIMIT, "%s: more than %d rules", name, POLICY_MAX_RULES);
        goto out;
    }
    policy->rules = wb_calloc(json_array_size(rules), sizeof(*policy->rules));
    if (!policy->rules) {
        rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    json_array_foreach(rules, i, value)
    {
        /* counted before parsing, so that free sees a half-built rule */
        policy->count = i + 1;
        if ((rc = parse_rule(&policy->rules[i], value, i, dir, name)) < 0)
            goto out;
        for (j = 0; j < i; j++) {
            if (strcmp(policy->rules[j].predicate_type, policy->rules[i].predicate_type) == 0) {
                char *shown = wb_escape_display(policy->rules[i].predicate_type);
                rc = wb_error_set(shown ? WB_EFORMAT : WB_ENOMEM,
                                  "%s: rules %zu and %zu are both for predicate type %.200s", name,
                                  j + 1, i + 1, shown ? shown : "?");
                wb_free(shown);
                goto out;
            }
        }
    }
    *out = policy;
    policy = NULL;
    rc = 0;
out:
    json_decref(root);
    wb_policy_free(policy);
    return rc;
}

int wb_policy_load(wb_policy **out, const char *path)
{
    char *text = NULL, *dir = NULL;
    const char *slash;
    size_t len = 0;
    int rc;

    if (!out || !path)
        return wb_error_set(WB_EINVAL, "policy: invalid argument");
    *out = NULL;
    slash = strrchr(path, '/');
    if (!slash)
        dir = wb_strdup(".");
    else if (slash == path)
        dir = wb_strdup("/");
    else
        dir = wb_strndup(path, (size_t)(slash - path));
    if (!dir)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", path);
    rc = wb_read_file(&text, &len, path, WB_POLICY_MAX_SIZE);
    if (rc == 0)
        rc = wb_policy_parse(out, text, len, dir, path);
    wb_free(text);
    wb_free(dir);
    return rc;
}

/* The predicate type of the statement `env` carries, into *out (wb_free()).
 * WB_EVERIFY when it carries no in-toto Statement v1. */
static int statement_predicate_type(char **out, const wb_envelope *env, const char *name)
{
    const char *payload_type = wb_envelope_payload_type(env), *type_value;
    const unsigned char *payload;
    json_t *root = NULL, *type, *subject;
    size_t len = 0;
    int rc;

    *out = NULL;
    if (!payload_type || strcmp(payload_type, WB_INTOTO_PAYLOAD_TYPE) != 0) {
        char *shown = wb_escape_display(payload_type ? payload_type : "");
        rc = wb_error_set(shown ? WB_EVERIFY : WB_ENOMEM,
                          "%s: payload type \"%.200s\" is not %s: not an in-toto statement", name,
                          shown ? shown : "?", WB_INTOTO_PAYLOAD_TYPE);
        wb_free(shown);
        return rc;
    }
    payload = wb_envelope_payload(env, &len);
    if (len > WB_STATEMENT_MAX_SIZE)
        return wb_error_set(WB_EVERIFY, "%s: statement of %zu bytes exceeds the limit", name, len);
    rc = wb_json_parse(&root, (const char *)payload, len, "statement");
    if (rc == WB_ENOMEM)
        return rc;
    if (rc < 0)
        return wb_error_prefix(WB_EVERIFY, "%s: the payload is not an in-toto statement: ", name);
    type_value = json_string_value(json_object_get(root, "_type"));
    type = json_object_get(root, "predicateType");
    subject = json_object_get(root, "subject");
    if (!json_is_object(root) || !type_value || strcmp(type_value, WB_STATEMENT_TYPE) != 0) {
        rc = wb_error_set(WB_EVERIFY, "%s: the payload is not an in-toto Statement v1 (_type %s)",
                          name, WB_STATEMENT_TYPE);
        goto out;
    }
    if (!json_is_string(type) || json_string_length(type) == 0 || !json_is_array(subject) ||
        json_array_size(subject) == 0) {
        rc = wb_error_set(WB_EVERIFY,
                          "%s: the statement needs a predicateType and a non-empty subject list",
                          name);
        goto out;
    }
    *out = wb_strdup(json_string_value(type));
    rc = *out ? 0 : wb_error_set(WB_ENOMEM, "%s: out of memory", name);
out:
    json_decref(root);
    return rc;
}

int wb_policy_check(char **who_out, const wb_policy *policy, const wb_envelope *env)
{
    const policy_rule *rule = NULL;
    wb_dsse_result *result = NULL;
    char *predicate_type = NULL, *shown = NULL;
    wb_buf who = {0};
    size_t i;
    int rc;

    if (who_out)
        *who_out = NULL;
    if (!policy || !env)
        return wb_error_set(WB_EINVAL, "policy: invalid argument");
    rc = statement_predicate_type(&predicate_type, env, policy->name);
    if (rc < 0)
        goto out;
    shown = wb_escape_display(predicate_type);
    if (!shown) {
        rc = wb_error_set(WB_ENOMEM, "%s: out of memory", policy->name);
        goto out;
    }
    for (i = 0; i < policy->count; i++)
        if (strcmp(policy->rules[i].predicate_type, predicate_type) == 0)
            rule = &policy->rules[i];
    if (!rule) {
        rc = wb_error_set(WB_EVERIFY, "%s: no rule for predicate type %.200s", policy->name, shown);
        goto out;
    }
    rc = wb_dsse_verify(&result, env, rule->ring, rule->threshold);
    if (rc == WB_EVERIFY) {
        /* dsse says "N of M required signatures by distinct trusted keys; ..." */
        rc = wb_error_prefix(WB_EVERIFY, "%s: predicate type %.200s: ", policy->name, shown);
        goto out;
    }
    if (rc < 0)
        goto out;
    if (who_out) {
        for (i = 0; i < result->nsigs; i++) {
            if (result->sigs[i].status != WB_DSSE_SIG_VALID)
                continue;
            if (who.len)
                wb_buf_putc(&who, ',');
            wb_buf_puts(&who, result->sigs[i].keyid);
        }
        if (who.failed) {
            rc = wb_error_set(WB_ENOMEM, "%s: out of memory", policy->name);
            goto out;
        }
        if (wb_buf_detach(&who, who_out, NULL) < 0) {
            rc = wb_error_set(WB_ENOMEM, "%s: out of memory", policy->name);
            goto out;
        }
    }
    rc = 0;
out:
    wb_buf_free(&who);
    wb_dsse_result_free(result);
    wb_free(predicate_type);
    wb_free(shown);
    return rc;
}
