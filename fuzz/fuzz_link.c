/*
 * fuzz_link.c: the streaming link reader (layout_reader.c) against the
 * jansson path it stands in for.
 *
 * The reader promises that whatever it takes, wb_metablock_parse()'s
 * jansson path (wb_metablock_parse_json) takes too, as the same link. Every
 * input goes to both; when the reader takes it, checked with abort():
 *  - the jansson path accepts it, as a link, not as DSSE;
 *  - the canonical signed bytes are the same, byte for byte;
 *  - the signatures are the same (count, key ids, signature text);
 *  - the tables are the ones made from the jansson model (same name,
 *    materials and products, byproducts and command), sorted with unique
 *    paths, and turn back into the model's artifact objects;
 * and in every case wb_metablock_parse() gives the verdict, the signed
 * bytes, the model and the document as read of the jansson path (for
 * what the reader took, made back from its tables). The input is also read as a bare "signed"
 * object (a DSSE payload): when the reader takes it, {"signed": input}
 * must parse through the jansson path to the same tables.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "layout_internal.h"
#include "waybill/waybill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_sorted(const wb_artifacts *t)
{
    size_t i;
    for (i = 1; i < t->count; i++)
        if (wb_artifact_path_cmp(t->items[i - 1].path, t->items[i - 1].path_len, t->items[i].path,
                                 t->items[i].path_len) >= 0)
            abort();
    for (i = 0; i < t->count; i++)
        if (strlen(t->items[i].path) != t->items[i].path_len)
            abort();
}

/* The reader's tables against the jansson path's model. */
static void check_same_link(const wb_link_data *fast, wb_metablock *mb)
{
    const json_t *model = wb_metablock_signed(mb);
    const wb_link_data *slow = NULL;
    json_t *back = NULL;
    int rc;

    if (!model)
        abort();
    if (wb_metablock_link_data(&slow, mb) < 0)
        return; /* out of memory */
    check_sorted(&fast->materials);
    check_sorted(&fast->products);
    if (strcmp(fast->name, slow->name) != 0 ||
        !wb_artifacts_equal(&fast->materials, &slow->materials) ||
        !wb_artifacts_equal(&fast->products, &slow->products) ||
        !json_equal(fast->byproducts, json_object_get(model, "byproducts")) ||
        !json_equal(fast->command, json_object_get(model, "command")))
        abort();
    rc = wb_link_data_artifacts_json(&back, fast, false);
    if (rc == 0 && !json_equal(back, json_object_get(model, "materials")))
        abort();
    json_decref(back);
    back = NULL;
    rc = wb_link_data_artifacts_json(&back, fast, true);
    if (rc == 0 && !json_equal(back, json_object_get(model, "products")))
        abort();
    json_decref(back);
}

static void check_metablock(const char *text, size_t size)
{
    wb_link_data *fast = NULL;
    wb_layout_sig *sigs = NULL;
    wb_metablock *slow = NULL, *both = NULL;
    char *canonical = NULL;
    size_t canonical_len = 0, nsigs = 0, i;
    bool has_sigs = false;
    int rc_fast, rc_slow, rc_both;

    rc_fast = wb_link_read(&fast, &canonical, &canonical_len, &sigs, &nsigs, &has_sigs, text, size,
                           false);
    rc_slow = wb_metablock_parse_json(&slow, text, size, "fuzz");
    rc_both = wb_metablock_parse(&both, text, size, "fuzz");
    if (rc_fast != 0 && rc_fast != WB_LAYOUT_DEFER && rc_fast != WB_ENOMEM)
        abort();
    if (rc_slow != WB_ENOMEM && rc_both != WB_ENOMEM) {
        /* the verdict never depends on which path read the document */
        if (rc_slow != rc_both ||
            (rc_slow == 0 && wb_metablock_get_type(slow) != wb_metablock_get_type(both)))
            abort();
        if (rc_slow == 0 && !wb_metablock_is_dsse(slow)) {
            size_t a_len, b_len;
            const char *a = wb_metablock_signed_bytes(slow, &a_len);
            const char *b = wb_metablock_signed_bytes(both, &b_len);
            if (!a || !b || a_len != b_len || memcmp(a, b, a_len) != 0)
                abort();
        }
        /* the model and the document as read, made from the tables, are
         * the jansson path's */
        if (rc_slow == 0) {
            const json_t *model_both = wb_metablock_signed(both);
            const json_t *doc_both = wb_metablock_doc(both);
            if (model_both && !json_equal(model_both, wb_metablock_signed(slow)))
                abort();
            if (doc_both && !json_equal(doc_both, wb_metablock_doc(slow)))
                abort();
        }
        /* a DSSE payload is streamed by wb_metablock_parse() too */
        if (rc_slow == 0 && wb_metablock_get_type(slow) == WB_METABLOCK_LINK) {
            const wb_link_data *streamed = NULL;
            if (wb_metablock_link_data(&streamed, both) == 0)
                check_same_link(streamed, slow);
        }
    }
    if (rc_fast == 0 && rc_slow != WB_ENOMEM) {
        size_t slow_len;
        const char *slow_bytes;
        if (rc_slow != 0 || wb_metablock_get_type(slow) != WB_METABLOCK_LINK ||
            wb_metablock_is_dsse(slow))
            abort();
        slow_bytes = wb_metablock_signed_bytes(slow, &slow_len);
        if (slow_len != canonical_len || memcmp(slow_bytes, canonical, slow_len) != 0)
            abort();
        check_same_link(fast, slow);
        /* the signatures: those of the document as jansson read it */
        {
            const json_t *list = json_object_get(wb_metablock_doc(slow), "signatures");
            if (has_sigs != (list != NULL) || nsigs != json_array_size(list))
                abort();
            for (i = 0; i < nsigs; i++) {
                const json_t *sig = json_array_get(list, i);
                if (strcmp(sigs[i].keyid, json_string_value(json_object_get(sig, "keyid"))) ||
                    strcmp(sigs[i].hex, json_string_value(json_object_get(sig, "sig"))) ||
                    sigs[i].sig_len != strlen(sigs[i].hex) / 2)
                    abort();
            }
        }
    }
    wb_link_data_free(fast);
    wb_free(canonical);
    wb_layout_sigs_free(sigs, nsigs);
    wb_metablock_free(slow);
    wb_metablock_free(both);
}

static void check_bare(const char *text, size_t size)
{
    wb_link_data *fast = NULL;
    wb_metablock *slow = NULL;
    char *wrapped;
    int rc;

    rc = wb_link_read(&fast, NULL, NULL, NULL, NULL, NULL, text, size, true);
    if (rc != 0 && rc != WB_LAYOUT_DEFER && rc != WB_ENOMEM)
        abort();
    if (rc != 0)
        return;
    wrapped = wb_malloc(size + 16);
    if (wrapped) {
        memcpy(wrapped, "{\"signed\":", 10);
        memcpy(wrapped + 10, text, size);
        memcpy(wrapped + 10 + size, "}", 1);
        rc = wb_metablock_parse_json(&slow, wrapped, size + 11, "fuzz");
        if (rc != WB_ENOMEM) {
            if (rc != 0 || wb_metablock_get_type(slow) != WB_METABLOCK_LINK)
                abort();
            check_same_link(fast, slow);
        }
        wb_metablock_free(slow);
        wb_free(wrapped);
    }
    wb_link_data_free(fast);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_metablock((const char *)data, size);
    check_bare((const char *)data, size);
    return 0;
}
