/*
 * store.c: the backend-neutral side of the store: argument checks, then
 * dispatch through the backend's table of functions (store.h).
 *
 * Checks that do not depend on the backend live here, once, so that every
 * backend sees only well-formed requests: a batch whose entries carry data
 * within bounds and a checkpoint, hashes that are exactly the number the
 * stored-hash layout adds for those entries, and subject digests that are
 * 64 lower-case hex characters.
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"
#include "waybill/store.h"

struct wb_store {
    const wb_store_ops *ops;
    void *impl;
};

int wb_store_new(wb_store **out, const wb_store_ops *ops, void *impl)
{
    wb_store *store;

    if (!out || !ops || !ops->size || !ops->read_hashes || !ops->append ||
        !ops->latest_checkpoint || !ops->checkpoint_at || !ops->checkpoint_after ||
        !ops->read_entry || !ops->read_digests || !ops->search || !ops->close) {
        if (ops && ops->close && impl)
            ops->close(impl);
        return wb_error_set(WB_EINVAL, "store: invalid backend");
    }
    *out = NULL;
    store = wb_calloc(1, sizeof(*store));
    if (!store) {
        ops->close(impl);
        return wb_error_set(WB_ENOMEM, "store: out of memory");
    }
    store->ops = ops;
    store->impl = impl;
    *out = store;
    return 0;
}

void wb_store_free(wb_store *store)
{
    if (!store)
        return;
    store->ops->close(store->impl);
    wb_free(store);
}

const char *wb_store_backend(const wb_store *store)
{
    return store ? store->ops->name : "";
}

int wb_store_size(wb_store *store, uint64_t *size_out)
{
    if (!store || !size_out)
        return wb_error_set(WB_EINVAL, "store: invalid argument");
    return store->ops->size(store->impl, size_out);
}

int wb_store_read_hashes(wb_tlog_hash *out, wb_store *store, const uint64_t *indexes, size_t count)
{
    if (!store || (count && (!out || !indexes)))
        return wb_error_set(WB_EINVAL, "store: invalid argument");
    if (count == 0)
        return 0;
    return store->ops->read_hashes(store->impl, out, indexes, count);
}

int wb_store_read_begin(wb_store *store)
{
    if (!store)
        return wb_error_set(WB_EINVAL, "store: invalid argument");
    return store->ops->read_begin ? store->ops->read_begin(store->impl) : 0;
}

int wb_store_read_end(wb_store *store)
{
    if (!store)
        return wb_error_set(WB_EINVAL, "store: invalid argument");
    return store->ops->read_end ? store->ops->read_end(store->impl) : 0;
}

int wb_store_hash_reader(wb_tlog_hash *out, const uint64_t *indexes, size_t count, void *payload)
{
    return wb_store_read_hashes(out, payload, indexes, count);
}

static bool digest_hex_valid(const char *s)
{
    size_t i;
    if (!s)
        return false;
    for (i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[64] == '\0';
}

static uint64_t hashes_added(uint64_t first_index, size_t n_entries)
{
    uint64_t before = wb_tlog_stored_hash_count(first_index);
    uint64_t after = wb_tlog_stored_hash_count(first_index + n_entries);
    if (before == UINT64_MAX || after == UINT64_MAX)
        return UINT64_MAX;
    return after - before;
}

int wb_store_append(wb_store *store, const wb_store_batch *batch)
{
    size_t i, j;

    /* a batch of no entries only records a checkpoint (the ledger's first,
     * of size 0) */
    if (!store || !batch || (batch->n_entries && !batch->entries) ||
        (batch->n_hashes && !batch->hashes) || !batch->checkpoint || batch->checkpoint_len == 0)
        return wb_error_set(WB_EINVAL, "store: append: invalid argument");
    if (batch->first_index > WB_TLOG_STORED_MAX_SIZE ||
        batch->n_entries > WB_TLOG_STORED_MAX_SIZE - batch->first_index)
        return wb_error_set(WB_ELIMIT, "store: append: the log would exceed %" PRIu64 " entries",
                            WB_TLOG_STORED_MAX_SIZE);
    if (hashes_added(batch->first_index, batch->n_entries) != batch->n_hashes)
        return wb_error_set(WB_EINVAL,
                            "store: append: %zu stored hashes for %zu entries after %" PRIu64
                            "; the layout adds %" PRIu64,
                            batch->n_hashes, batch->n_entries, batch->first_index,
                            hashes_added(batch->first_index, batch->n_entries));
    for (i = 0; i < batch->n_entries; i++) {
        const wb_store_entry *e = &batch->entries[i];
        if ((!e->data && e->data_len) || e->data_len > WB_STORE_MAX_ENTRY_SIZE)
            return wb_error_set(WB_EINVAL, "store: append: entry %zu: no data or over %zu bytes", i,
                                WB_STORE_MAX_ENTRY_SIZE);
        if (e->n_subjects && !e->subjects)
            return wb_error_set(WB_EINVAL, "store: append: entry %zu: no subjects", i);
        for (j = 0; j < e->n_subjects; j++)
            if (!digest_hex_valid(e->subjects[j]))
                return wb_error_set(
                    WB_EINVAL, "store: append: entry %zu: subject %zu is not sha256 hex", i, j);
    }
    return store->ops->append(store->impl, batch);
}

int wb_store_latest_checkpoint(char **out, size_t *out_len, uint64_t *size_out, wb_store *store)
{
    if (!out || !store)
        return wb_error_set(WB_EINVAL, "store: invalid argument");
    *out = NULL;
    return store->ops->latest_checkpoint(store->impl, out, out_len, size_out);
}

int wb_store_checkpoint_at(char **out, size_t *out_len, wb_store *store, uint64_t size)
{
    if (!out || !store)
        return wb_error_set(WB_EINVAL, "store: invalid argument");
    *out = NULL;
    return store->ops->checkpoint_at(store->impl, out, out_len, size);
}

int wb_store_checkpoint_after(char **out, size_t *out_len, uint64_t *size_out, wb_store *store,
                              uint64_t min_size)
{
    if (!out || !size_out || !store)
        return wb_error_set(WB_EINVAL, "store: invalid argument");
    *out = NULL;
    return store->ops->checkpoint_after(store->impl, out, out_len, size_out, min_size);
}

int wb_store_read_digests(wb_tlog_hash *out, wb_store *store, uint64_t first, size_t count)
{
    if (!store || (count && !out) || first > WB_TLOG_STORED_MAX_SIZE ||
        count > WB_TLOG_STORED_MAX_SIZE - first)
        return wb_error_set(WB_EINVAL, "store: invalid argument");
    if (count == 0)
        return 0;
    return store->ops->read_digests(store->impl, out, first, count);
}

int wb_store_read_entry(wb_store_record *out, wb_store *store, uint64_t index)
{
    if (!out || !store)
        return wb_error_set(WB_EINVAL, "store: invalid argument");
    memset(out, 0, sizeof(*out));
    return store->ops->read_entry(store->impl, out, index);
}

int wb_store_search(uint64_t **out, size_t *count, wb_store *store, const char *digest_hex)
{
    if (!out || !count || !store || !digest_hex)
        return wb_error_set(WB_EINVAL, "store: invalid argument");
    *out = NULL;
    *count = 0;
    if (!digest_hex_valid(digest_hex))
        return wb_error_set(WB_EINVAL, "store: search: '%.80s' is not a sha256 hex digest",
                            digest_hex);
    return store->ops->search(store->impl, out, count, digest_hex);
}

void wb_store_record_clear(wb_store_record *record)
{
    if (!record)
        return;
    wb_free(record->data);
    wb_free(record->party);
    memset(record, 0, sizeof(*record));
}
