/*
 * fuzz_rules.c: in-toto artifact rules and their fnmatch patterns.
 *
 * The input is a JSON object {"item": NAME, "rules": [...], "links":
 * {NAME: {"materials": {...}, "products": {...}}, ...}} ("item" defaults to
 * the first key of "links"). wb_layout_verify_rules() applies the rules to
 * the item's materials and then to its products. Checked with abort():
 *  - the result is 0, WB_EVERIFY, WB_EFORMAT, WB_ELIMIT, WB_ENOTFOUND or
 *    WB_ENOMEM, and the same when asked twice;
 *  - appending ["ALLOW", "*"] then ["DISALLOW", "*"] to the rules never
 *    changes the verdict: rules apply in order and stop at the first
 *    failure, and after ALLOW "*" the queue is empty;
 *  - patterns: every artifact path matches "*" and matches itself when it
 *    holds none of "*?[", and a rule pattern that fails to compile in one
 *    call fails in every call.
 * The seeds (corpora/rules/) hold each rule type passing and failing, the
 * MATCH forms with prefixes, and the sets of fnmatch.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "waybill/waybill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool known_code(int rc)
{
    return rc == 0 || rc == WB_EVERIFY || rc == WB_EFORMAT || rc == WB_ELIMIT ||
           rc == WB_ENOTFOUND || rc == WB_ENOMEM;
}

static int apply(const char *item, const char *type, const json_t *rules, const json_t *links)
{
    int rc = wb_layout_verify_rules(item, type, rules, links);
    int again = wb_layout_verify_rules(item, type, rules, links);
    if (!known_code(rc) || (rc != WB_ENOMEM && again != WB_ENOMEM && rc != again))
        abort();
    return rc;
}

static void check_paths(const json_t *artifacts)
{
    const char *path;
    json_t *hashes;
    json_object_foreach((json_t *)artifacts, path, hashes)
    {
        int rc = wb_layout_fnmatch("*", path);
        if (rc != 1 && rc != WB_ENOMEM && rc != WB_ELIMIT)
            abort();
        if (!strpbrk(path, "*?[")) {
            rc = wb_layout_fnmatch(path, path);
            if (rc != 1 && rc != WB_ENOMEM && rc != WB_ELIMIT)
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = NULL, *links, *rules, *extended = NULL, *link;
    const char *item, *types[] = {"materials", "products"};
    const char *name;
    size_t t;

    if (wb_json_parse(&doc, (const char *)data, size, "fuzz") < 0)
        return 0;
    links = json_object_get(doc, "links");
    rules = json_object_get(doc, "rules");
    if (!json_is_object(links) || !json_is_array(rules) || json_object_size(links) == 0)
        goto out;
    item = json_string_value(json_object_get(doc, "item"));
    if (!item)
        item = json_object_iter_key(json_object_iter(links));
    json_object_foreach(links, name, link)
    {
        if (json_is_object(json_object_get(link, "materials")))
            check_paths(json_object_get(link, "materials"));
        if (json_is_object(json_object_get(link, "products")))
            check_paths(json_object_get(link, "products"));
    }
    extended = json_deep_copy(rules);
    if (!extended || json_array_append_new(extended, json_pack("[s,s]", "ALLOW", "*")) < 0 ||
        json_array_append_new(extended, json_pack("[s,s]", "DISALLOW", "*")) < 0)
        goto out;
    for (t = 0; t < 2; t++) {
        int alone = apply(item, types[t], rules, links);
        int with_tail;
        if (json_array_size(extended) > WB_LAYOUT_MAX_RULES)
            continue;
        with_tail = apply(item, types[t], extended, links);
        /* ALLOW "*" empties the queue, so DISALLOW "*" after it never fails:
         * the verdict is the rules' own */
        if (alone != WB_ENOMEM && with_tail != WB_ENOMEM && alone != with_tail)
            abort();
    }
out:
    json_decref(extended);
    json_decref(doc);
    return 0;
}
