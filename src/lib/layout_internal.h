/*
 * layout_internal.h: what the files of the layout module share (layout.c,
 * layout_rules.c, layout_inspect.c, layout_artifacts.c, layout_reader.c),
 * never exported.
 *
 * Verification works on links as compact tables (wb_link_data): the
 * materials and the products of a link, each an array sorted by path,
 * every artifact a path and its hash object written as OLPC canonical
 * JSON. Two hash objects are equal exactly when those bytes are, so rules
 * compare them with memcmp and match paths by merging or binary search.
 */
#ifndef WAYBILL_LAYOUT_INTERNAL_H
#define WAYBILL_LAYOUT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* "YYYY-MM-DDTHH:MM:SSZ" (securesystemslib's ISO8601_DATETIME_SCHEMA, a
 * real date) into seconds since the epoch; WB_EFORMAT otherwise, no message. */
int wb_layout_parse_time(int64_t *out, const char *text);

/* Run the inspection `inspection` (its model object) in the current
 * directory: record every regular file under "." as materials, run its
 * command, record again as products. *out receives the inspection's link.
 * WB_EVERIFY when the command cannot be run or exits non-zero. */
int wb_layout_run_inspection(json_t **out, const json_t *inspection, const char *layout_name);

/* --- artifact tables (layout_artifacts.c) --- */

/* One artifact: its path (NUL-terminated, no NUL inside) and its hash
 * object as OLPC canonical JSON ({"sha256":"..."}, not NUL-terminated).
 * A hash value that is not an object of strings (only links handed to the
 * public wb_layout_verify_rules() can carry one) is written as the byte
 * 0x01 followed by jansson's compact sorted text, which no canonical
 * object starts with. */
typedef struct {
    const char *path;
    const char *hashes;
    size_t path_len, hashes_len;
} wb_artifact;

/* Artifacts sorted by path in byte order (strcmp order), paths unique. */
typedef struct {
    wb_artifact *items;
    size_t count;
    /* known to hold no path with '"' or '\\' (that canonical JSON would
     * escape): set by the streaming reader */
    bool plain;
} wb_artifacts;

/* What verification needs of a link. */
typedef struct {
    char *name;
    wb_artifacts materials, products;
    /* false when the link (only one handed to wb_layout_verify_rules())
     * has no "materials" or "products" object */
    bool has_materials, has_products;
    /* the model's values (new references; defaults filled in) */
    json_t *byproducts, *command, *environment;
    /* the link as JSON when the tables were made from it, else NULL */
    json_t *json;
    /* for a link read by the streaming reader: which fields of the model
     * the document itself had (WB_LINK_HAS_*), to write it back as read */
    unsigned present;
    char *arena; /* the bytes of paths and hash objects */
} wb_link_data;

#define WB_LINK_HAS_MATERIALS   (1u << 0)
#define WB_LINK_HAS_PRODUCTS    (1u << 1)
#define WB_LINK_HAS_BYPRODUCTS  (1u << 2)
#define WB_LINK_HAS_COMMAND     (1u << 3)
#define WB_LINK_HAS_ENVIRONMENT (1u << 4)

void wb_link_data_free(wb_link_data *data);

/* Tables from a link as JSON ({"name", "materials", "products", ...}; a
 * missing or non-object "materials" or "products" leaves has_* false).
 * Keeps a reference to `link`. WB_ENOMEM. */
int wb_link_data_from_json(wb_link_data **out, const json_t *link);

/* The artifact at `path` (len bytes), or NULL. */
const wb_artifact *wb_artifacts_find(const wb_artifacts *table, const char *path, size_t len);

/* strcmp order of two paths given with their lengths. */
int wb_artifact_path_cmp(const char *a, size_t alen, const char *b, size_t blen);

static inline bool wb_artifact_hashes_equal(const wb_artifact *a, const wb_artifact *b)
{
    return a->hashes_len == b->hashes_len && memcmp(a->hashes, b->hashes, a->hashes_len) == 0;
}

/* Same paths with the same hashes. */
bool wb_artifacts_equal(const wb_artifacts *a, const wb_artifacts *b);

/* The materials (`products` false) or products of `data` as an in-toto
 * artifact object, a new reference. WB_ENOMEM, WB_EINTERNAL. */
int wb_link_data_artifacts_json(json_t **out, const wb_link_data *data, bool products);

/* --- the streaming link reader (layout_reader.c) --- */

/* wb_link_read() declines the document: the jansson path decides. */
#define WB_LAYOUT_DEFER 1

typedef struct {
    char *keyid;
    unsigned char *sig;
    size_t sig_len;
    char *hex; /* "sig" as written (the streaming reader only) */
} wb_layout_sig;

void wb_layout_sigs_free(wb_layout_sig *sigs, size_t n);

/* The OLPC canonical JSON of the link model of `data` (as the streaming
 * reader made it: every field): what a Metablock's signatures are over.
 * *out is wb_free()'d. WB_EFORMAT when a free-form value has no canonical
 * form, WB_ENOMEM. */
int wb_link_canonical(char **out, size_t *out_len, const wb_link_data *data);

/* The model of `data` ({"_type", "name", "materials", ...}, every field)
 * and, when doc_out is not NULL, the document it was read from
 * ({"signed": {the fields it had}, "signatures": [{"keyid", "sig"}, ...]},
 * the list only when `has_sigs`), new references. WB_ENOMEM. */
int wb_link_model_json(json_t **model_out, json_t **doc_out, const wb_link_data *data,
                       const wb_layout_sig *sigs, size_t nsigs, bool has_sigs);

/* Read a link Metablock {"signed": {...}, "signatures": [...]} (or, with
 * `bare`, the "signed" object alone, as a DSSE payload holds it) in one
 * pass into tables, its canonical signed bytes and its signatures.
 * *has_sigs_out says whether the document had "signatures".
 *
 * Returns 0 when it read the document, and then wb_metablock_parse()'s
 * jansson path would accept it too, with the same model (so the same
 * canonical bytes), the same signatures and the same artifacts; returns
 * WB_LAYOUT_DEFER for anything else (malformed, a layout, a field or a
 * form it does not take, a bound exceeded), and WB_ENOMEM. fuzz_link.c
 * checks the first promise against the jansson path.
 *
 * The outputs are set only on success: *out (wb_link_data_free()),
 * *signed_out (wb_free()), *sigs_out (wb_layout_sigs_free()); any of
 * signed_out, sigs_out and has_sigs_out may be NULL when not wanted (with
 * `bare` there is nothing to sign or signatures to give). */
int wb_link_read(wb_link_data **out, char **signed_out, size_t *signed_len,
                 wb_layout_sig **sigs_out, size_t *nsigs_out, bool *has_sigs_out, const char *buf,
                 size_t len, bool bare);

/* --- rules over tables (layout_rules.c) --- */

/* The link of item `name`: *out NULL when there is none. Returns 0 or a
 * negative code with the message set. */
typedef int (*wb_link_lookup)(const wb_link_data **out, const char *name, void *payload);

/* wb_layout_verify_rules() over tables. */
int wb_layout_apply_rules(const char *item_name, const char *source_type, const json_t *rules,
                          wb_link_lookup lookup, void *payload);

/* --- metablocks (layout.c) --- */

struct wb_metablock;
/* The tables of a link metablock (borrowed), made on first use. */
int wb_metablock_link_data(const wb_link_data **out, const struct wb_metablock *mb);

/* Parse without the streaming reader: the jansson path alone (fuzz_link.c
 * compares the two). */
int wb_metablock_parse_json(struct wb_metablock **out, const char *buf, size_t len,
                            const char *name);

/* The canonical signed bytes of a Metablock (NULL for DSSE, or when they
 * cannot be made). */
const char *wb_metablock_signed_bytes(const struct wb_metablock *mb, size_t *len);

/* The document as read (borrowed; NULL when it cannot be made). */
const json_t *wb_metablock_doc(const struct wb_metablock *mb);

#endif
