/*
 * ledger.c: the ledger: sequencing DSSE envelopes into a Merkle log, signed
 * checkpoints, proofs, bundles, and the offline check of a bundle.
 *
 * Sequencing a batch, and why it is crash-safe:
 *
 *   1. under the directory's lock, read the store's size n;
 *   2. parse every envelope (all or nothing), hash its exact bytes into a
 *      leaf hash and pick out its subject digests;
 *   3. compute the stored hashes the new leaves add (tlog.h's layout; each
 *      leaf reads O(log n) earlier hashes, from the store or from the batch
 *      itself), the new root, and sign the checkpoint of size n + k;
 *   4. hand entries, hashes, subjects and checkpoint to the store in ONE
 *      call, which is one transaction, durable when it returns;
 *   5. only then replace the `checkpoint` file (temporary file, fsync,
 *      rename, fsync of the directory).
 *
 * A crash before 4 completes leaves the store as it was (the transaction
 * never committed) and the file as it was; a crash between 4 and 5 leaves
 * the file behind the store, which wb_ledger_open() detects and repairs from
 * the store's latest checkpoint. The file is never ahead of what is durable,
 * and no index is ever given twice (the store refuses a batch whose first
 * index is not its size, inside the transaction).
 *
 * The log signs with its Ed25519 key as a C2SP signed note whose key name is
 * the origin, so a verifier key "origin+keyid+base64" names both.
 *
 * Bundles carry the envelope as base64 of its exact bytes ("envelope_b64"),
 * not as a JSON object: the leaf hash is over those bytes, and any JSON
 * re-encoding (key order, spacing, escapes) would change them.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "internal.h"
#include "ledger_internal.h"
#include "tiles.h"

#define LEDGER_JSON_MAX ((size_t)64 << 10)
/* Times a batch is sequenced again when another writer of a shared store
 * got there first. */
#define LEDGER_APPEND_ATTEMPTS 100

struct wb_bundle {
    char *name;
    unsigned char *envelope;
    size_t envelope_len;
    uint64_t index;
    uint64_t tree_size;
    wb_tlog_hash leaf_hash;
    wb_tlog_hash proof[WB_TLOG_MAX_INCLUSION_PROOF];
    size_t proof_len;
    char *checkpoint;
    size_t checkpoint_len;
};

static char *path_in(const char *dir, const char *name)
{
    return wb_asprintf("%s/%s", dir, name);
}

/* --- keys --- */

/* The note signer for `key` under the name `origin`, and its verifier key
 * string. */
static int make_signer(wb_note_signer **signer_out, wb_note_verifier **verifier_out,
                       char **vkey_out, const wb_key *key, const char *origin, const char *name)
{
    unsigned char seed[32];
    int rc;

    *signer_out = NULL;
    *verifier_out = NULL;
    *vkey_out = NULL;
    if (wb_key_get_type(key) != WB_KEY_ED25519)
        return wb_error_set(WB_EINVAL,
                            "%s: the log key must be Ed25519 (C2SP signed notes); this one is %s",
                            name, wb_key_type_name(wb_key_get_type(key)));
    if (!wb_key_has_private(key))
        return wb_error_set(WB_EINVAL, "%s: is a public key; the log needs the private key", name);
    rc = wb_key_ed25519_seed(seed, key);
    if (rc == 0)
        rc = wb_note_signer_from_seed(signer_out, origin, WB_NOTE_ED25519, seed);
    OPENSSL_cleanse(seed, sizeof(seed));
    if (rc < 0)
        return wb_error_prefix(rc, "origin '%s': ", origin);
    rc = wb_note_signer_verifier(verifier_out, *signer_out);
    if (rc == 0)
        rc = wb_note_verifier_encode(vkey_out, *verifier_out);
    if (rc < 0) {
        wb_note_signer_free(*signer_out);
        wb_note_verifier_free(*verifier_out);
        *signer_out = NULL;
        *verifier_out = NULL;
    }
    return rc;
}

/* The signed checkpoint of `size` entries with root `root`. */
static int sign_checkpoint(char **out, size_t *out_len, const wb_note_signer *signer,
                           const char *origin, uint64_t size, const wb_tlog_hash *root)
{
    char *text = NULL;
    size_t text_len;
    int rc = wb_checkpoint_format(&text, &text_len, origin, size, root, NULL, 0);
    if (rc == 0)
        rc = wb_note_sign(out, out_len, text, text_len, &signer, 1);
    wb_free(text);
    return rc;
}

static int write_checkpoint_file(const char *dir, const char *note, size_t len)
{
    char *path = path_in(dir, "checkpoint");
    int rc;
    if (!path)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", dir);
    rc = wb_write_file_atomic(path, note, len, 0644, true);
    wb_free(path);
    return rc;
}

int wb_ledger_entry_hash(wb_tlog_hash *digest_out, wb_tlog_hash *leaf_out, const void *envelope,
                         size_t len)
{
    wb_tlog_hash digest;
    int rc;

    if (!leaf_out || (!envelope && len))
        return wb_error_set(WB_EINVAL, "ledger: invalid argument");
    rc = wb_digest_buffer(digest.bytes, WB_DIGEST_SHA256, envelope ? envelope : "", len);
    if (rc == 0)
        rc = wb_tlog_leaf_hash(leaf_out, digest.bytes, WB_TLOG_HASH_LEN);
    if (rc == 0 && digest_out)
        *digest_out = digest;
    return rc;
}

bool wb_ledger_tile_path_parse(const char *path, int *level, uint64_t *n, unsigned *width)
{
    int l;
    uint64_t nn;
    unsigned w;
    if (!path || !wb_tile_path_parse(path, &l, &nn, &w))
        return false;
    if (level)
        *level = l;
    if (n)
        *n = nn;
    if (width)
        *width = w;
    return true;
}

/* --- init and open --- */

static int open_named_store(wb_store **out, const char *store, bool create)
{
    int rc = wb_store_open_postgresql(out, store, create);
    if (rc == WB_EEXISTS && create) {
        /* waybill's schema is there already: a log to join (or another
         * log, which wb_ledger_init_store refuses) */
        wb_error_clear();
        rc = wb_store_open_postgresql(out, store, false);
    }
    return rc;
}

int wb_ledger_open_at(wb_ledger **out, const char *dir, const char *store, unsigned flags)
{
    wb_store *st = NULL;
    int rc;

    if (!store || !*store)
        return wb_ledger_open_ex(out, dir, flags);
    if (out)
        *out = NULL;
    if ((rc = open_named_store(&st, store, false)) < 0)
        return rc;
    return wb_ledger_open_store(out, dir, st, flags);
}

int wb_ledger_init_at(char **verifier_key_out, const char *dir, const char *origin,
                      const wb_key *key, const char *store)
{
    wb_store *st = NULL;
    int rc;

    if (!store || !*store)
        return wb_ledger_init(verifier_key_out, dir, origin, key);
    if ((rc = open_named_store(&st, store, true)) < 0)
        return rc;
    rc = wb_ledger_init_store(verifier_key_out, dir, origin, key, st);
    wb_store_free(st);
    return rc;
}

static int check_absent(const char *dir, const char *name)
{
    struct stat st;
    char *path = path_in(dir, name);
    int rc = 0;
    if (!path)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", dir);
    if (lstat(path, &st) == 0)
        rc = wb_error_set(WB_EEXISTS, "%s: already exists; %s already holds a ledger", path, dir);
    wb_free(path);
    return rc;
}

int wb_ledger_init(char **verifier_key_out, const char *dir, const char *origin, const wb_key *key)
{
    return wb_ledger_init_store(verifier_key_out, dir, origin, key, NULL);
}

/* A store that already holds a ledger must be this log's: its latest
 * checkpoint signed by `verifier` for `origin`. *note_out gets it. */
static int join_store(char **note_out, size_t *len_out, wb_store *store, const char *origin,
                      const wb_note_verifier *verifier)
{
    wb_checkpoint *cp = NULL;
    int rc = wb_store_latest_checkpoint(note_out, len_out, NULL, store);
    if (rc < 0)
        return rc;
    rc = wb_checkpoint_open(&cp, NULL, *note_out, *len_out, origin, verifier);
    wb_checkpoint_free(cp);
    if (rc < 0) {
        wb_free(*note_out);
        *note_out = NULL;
        return wb_error_prefix(rc == WB_EFORMAT ? WB_EVERIFY : rc,
                               "the %s store holds another log (its latest checkpoint is not "
                               "this key's for %s): ",
                               wb_store_backend(store), origin);
    }
    return 0;
}

int wb_ledger_init_store(char **verifier_key_out, const char *dir, const char *origin,
                         const wb_key *key, wb_store *given)
{
    static const char *const files[] = {"ledger.json", "ledger.db", "log.key", "checkpoint"};
    wb_note_signer *signer = NULL;
    wb_note_verifier *verifier = NULL;
    wb_store *store = NULL;
    uint64_t joined_size = 0;
    char *vkey = NULL, *note = NULL, *json_text = NULL, *path = NULL;
    size_t note_len = 0, i;
    wb_tlog_hash empty;
    json_t *meta = NULL;
    struct stat st;
    int rc;

    if (!dir || !*dir || !origin || !key)
        return wb_error_set(WB_EINVAL, "ledger: init: invalid argument");
    if (verifier_key_out)
        *verifier_key_out = NULL;
    if (!*origin)
        return wb_error_set(WB_EINVAL, "ledger: the origin must not be empty");
    rc = make_signer(&signer, &verifier, &vkey, key, origin, "log key");
    if (rc < 0)
        goto out;
    if (mkdir(dir, 0700) < 0) {
        if (errno != EEXIST || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
            rc = wb_error_set(WB_EIO, "%s: cannot create the ledger directory: %s", dir,
                              errno == EEXIST ? "exists and is not a directory" : strerror(errno));
            goto out;
        }
    }
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        if ((rc = check_absent(dir, files[i])) < 0)
            goto out;
    /* the key first and ledger.json last: a ledger without ledger.json is
     * an interrupted init, which open refuses and a new init reports */
    if (!(path = path_in(dir, "log.key"))) {
        rc = wb_error_set(WB_ENOMEM, "ledger: out of memory");
        goto out;
    }
    if ((rc = wb_key_save_private(key, path)) < 0)
        goto out;
    wb_free(path);
    path = NULL;
    if (!given) {
        if (!(path = path_in(dir, "ledger.db"))) {
            rc = wb_error_set(WB_ENOMEM, "ledger: out of memory");
            goto out;
        }
        if ((rc = wb_store_open_sqlite(&store, path, true)) < 0)
            goto out;
    }
    if (given && (rc = wb_store_size(given, &joined_size)) < 0)
        goto out;
    rc = given ? wb_store_latest_checkpoint(&note, &note_len, NULL, given) : WB_EFORMAT;
    if (rc == 0) {
        /* a shared store that holds this log already (another host's
         * directory for it): join it, append nothing */
        wb_free(note);
        note = NULL;
        if ((rc = join_store(&note, &note_len, given, origin, verifier)) < 0)
            goto out;
    } else if (rc != WB_EFORMAT) {
        goto out;
    } else if (joined_size > 0) {
        rc = wb_error_set(WB_EFORMAT, "the %s store holds entries but no checkpoint",
                          wb_store_backend(given));
        goto out;
    } else {
        wb_error_clear();
        wb_tlog_empty_root(&empty);
        if ((rc = sign_checkpoint(&note, &note_len, signer, origin, 0, &empty)) < 0)
            goto out;
        wb_store_batch batch = {.first_index = 0, .checkpoint = note, .checkpoint_len = note_len};
        if ((rc = wb_store_append(given ? given : store, &batch)) < 0)
            goto out;
    }
    /* a joined log's tiles are written by the first wb_ledger_open(), which
     * finds no checkpoint file of this log yet and writes everything */
    if (joined_size == 0 && (rc = write_checkpoint_file(dir, note, note_len)) < 0)
        goto out;
    meta = json_pack("{s:s, s:s, s:s, s:b}", "origin", origin, "verifier_key", vkey, "store",
                     wb_store_backend(given ? given : store), "store_in_directory", !given);
    json_text = meta ? json_dumps(meta, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    wb_free(path);
    path = path_in(dir, "ledger.json");
    if (!json_text || !path) {
        rc = wb_error_set(WB_ENOMEM, "ledger: out of memory");
        goto out;
    }
    {
        size_t len = strlen(json_text);
        /* with its final newline: jansson's dump has none */
        char *with_nl = wb_asprintf("%s\n", json_text);
        if (!with_nl) {
            rc = wb_error_set(WB_ENOMEM, "ledger: out of memory");
            goto out;
        }
        rc = wb_write_file_atomic(path, with_nl, len + 1, 0644, false);
        wb_free(with_nl);
        if (rc < 0)
            goto out;
    }
    (void)joined_size;
    if (verifier_key_out) {
        *verifier_key_out = vkey;
        vkey = NULL;
    }
out:
    free(json_text);
    json_decref(meta);
    wb_free(path);
    wb_free(note);
    wb_free(vkey);
    wb_store_free(store);
    wb_note_signer_free(signer);
    wb_note_verifier_free(verifier);
    return rc;
}

void wb_ledger_free(wb_ledger *ledger)
{
    if (!ledger)
        return;
    wb_store_free(ledger->store);
    wb_note_signer_free(ledger->signer);
    wb_note_verifier_free(ledger->verifier);
    if (ledger->lock_fd >= 0)
        close(ledger->lock_fd);
    if (ledger->dir_fd >= 0)
        close(ledger->dir_fd);
    wb_free(ledger->dir);
    wb_free(ledger->origin);
    wb_free(ledger->verifier_key);
    wb_free(ledger->backend);
    wb_free(ledger);
}

int wb_ledger_lock(wb_ledger *ledger, bool exclusive)
{
    while (flock(ledger->lock_fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
        if (errno != EINTR)
            return wb_error_set(WB_EIO, "%s/lock: %s", ledger->dir, strerror(errno));
    }
    return 0;
}

void wb_ledger_unlock(wb_ledger *ledger)
{
    flock(ledger->lock_fd, LOCK_UN);
}

static int lock_ledger(wb_ledger *ledger)
{
    return wb_ledger_lock(ledger, true);
}

static void unlock_ledger(wb_ledger *ledger)
{
    wb_ledger_unlock(ledger);
}

static int read_meta(wb_ledger *ledger)
{
    char *path = path_in(ledger->dir, "ledger.json"), *text = NULL;
    json_t *root = NULL, *origin, *vkey, *backend, *in_dir;
    size_t len;
    int rc;

    if (!path)
        return wb_error_set(WB_ENOMEM, "ledger: out of memory");
    rc = wb_read_file(&text, &len, path, LEDGER_JSON_MAX);
    if (rc == WB_ENOTFOUND)
        rc = wb_error_set(WB_ENOTFOUND, "%s: no ledger here (no ledger.json)", ledger->dir);
    if (rc < 0)
        goto out;
    if ((rc = wb_json_parse(&root, text, len, path)) < 0)
        goto out;
    origin = json_object_get(root, "origin");
    vkey = json_object_get(root, "verifier_key");
    backend = json_object_get(root, "store");
    in_dir = json_object_get(root, "store_in_directory");
    if (in_dir && !json_is_boolean(in_dir)) {
        rc = wb_error_set(WB_EFORMAT, "%s: \"store_in_directory\" is not true or false", path);
        goto out;
    }
    ledger->store_in_dir = !in_dir || json_is_true(in_dir);
    if (!json_is_string(origin) || !json_is_string(vkey)) {
        rc = wb_error_set(WB_EFORMAT, "%s: \"origin\" or \"verifier_key\" missing", path);
        goto out;
    }
    if (backend && !json_is_string(backend)) {
        rc = wb_error_set(WB_EFORMAT, "%s: \"store\" is not a string", path);
        goto out;
    }
    ledger->origin = wb_strdup(json_string_value(origin));
    ledger->verifier_key = wb_strdup(json_string_value(vkey));
    /* ledgers from before the store was named are SQLite ones */
    ledger->backend = wb_strdup(backend ? json_string_value(backend) : "sqlite");
    if (!ledger->origin || !ledger->verifier_key || !ledger->backend)
        rc = wb_error_set(WB_ENOMEM, "ledger: out of memory");
out:
    json_decref(root);
    wb_free(text);
    wb_free(path);
    return rc;
}

/* The size of the checkpoint file's tree when it is one the store recorded
 * (signed by the log, byte for byte a stored checkpoint); 0 otherwise. */
static uint64_t served_size(wb_ledger *ledger, const char *file, size_t file_len)
{
    wb_checkpoint *cp = NULL;
    char *stored = NULL;
    size_t stored_len = 0;
    uint64_t size = 0;

    if (file &&
        wb_checkpoint_open(&cp, NULL, file, file_len, ledger->origin, ledger->verifier) == 0 &&
        wb_store_checkpoint_at(&stored, &stored_len, ledger->store, cp->size) == 0 &&
        stored_len == file_len && memcmp(stored, file, file_len) == 0)
        size = cp->size;
    wb_error_clear();
    wb_checkpoint_free(cp);
    wb_free(stored);
    return size;
}

/* Check the store's latest checkpoint against the log key and the stored
 * tree, then make the tiles and the checkpoint file follow it. Called
 * under the lock. */
static int repair_checkpoint_file(wb_ledger *ledger)
{
    char *note = NULL, *file = NULL, *path = NULL;
    size_t note_len = 0, file_len = 0;
    uint64_t cp_size = 0, size = 0;
    wb_checkpoint *cp = NULL;
    wb_tlog_hash root;
    int rc;

    if ((rc = wb_store_latest_checkpoint(&note, &note_len, &cp_size, ledger->store)) < 0 ||
        (rc = wb_store_size(ledger->store, &size)) < 0)
        goto out;
    rc = wb_checkpoint_open(&cp, NULL, note, note_len, ledger->origin, ledger->verifier);
    if (rc < 0) {
        /* the log's own checkpoint must verify: if not, the store is damaged */
        rc = wb_error_prefix(rc == WB_EVERIFY ? WB_EFORMAT : rc,
                             "%s: the store's latest checkpoint: ", ledger->dir);
        goto out;
    }
    if (cp->size != cp_size || cp->size != size) {
        rc = wb_error_set(WB_EFORMAT,
                          "%s: the store holds %" PRIu64 " entries but its latest checkpoint "
                          "is of size %" PRIu64,
                          ledger->dir, size, cp->size);
        goto out;
    }
    if ((rc = wb_tlog_stored_root(&root, size, wb_store_hash_reader, ledger->store)) < 0)
        goto out;
    if (!wb_digest_equal(root.bytes, cp->root.bytes, WB_TLOG_HASH_LEN)) {
        rc = wb_error_set(WB_EFORMAT,
                          "%s: the stored tree of %" PRIu64
                          " entries does not hash to the latest checkpoint's root",
                          ledger->dir, size);
        goto out;
    }
    if (!(path = path_in(ledger->dir, "checkpoint"))) {
        rc = wb_error_set(WB_ENOMEM, "ledger: out of memory");
        goto out;
    }
    rc = wb_read_file(&file, &file_len, path, WB_NOTE_MAX_SIZE);
    if (rc < 0 && rc != WB_ENOTFOUND && rc != WB_ELIMIT)
        goto out;
    rc = 0;
    /* behind (a crash after COMMIT), missing or damaged: the store is the
     * truth, and its checkpoint is durable, so the tiles and then the file
     * may follow it. The tiles of a size the file shows were durable before
     * the file was written; past it, or when the file cannot be trusted,
     * they are written again. */
    if (!file || file_len != note_len || memcmp(file, note, note_len) != 0) {
        uint64_t from = served_size(ledger, file, file_len);
        if ((rc = wb_tiles_write(ledger->dir_fd, ledger->dir, ledger->store, from, size)) == 0 &&
            (rc = write_checkpoint_file(ledger->dir, note, note_len)) == 0)
            wb_tiles_prune(ledger->dir_fd, from, size);
    }
    if (rc == 0)
        ledger->served_size = size;
out:
    wb_checkpoint_free(cp);
    wb_free(note);
    wb_free(file);
    wb_free(path);
    return rc;
}

int wb_ledger_open(wb_ledger **out, const char *dir)
{
    return wb_ledger_open_ex(out, dir, 0);
}

int wb_ledger_open_ex(wb_ledger **out, const char *dir, unsigned flags)
{
    return wb_ledger_open_store(out, dir, NULL, flags);
}

int wb_ledger_open_store(wb_ledger **out, const char *dir, wb_store *store, unsigned flags)
{
    wb_ledger *ledger = NULL;
    wb_key *key = NULL;
    char *path = NULL, *vkey = NULL;
    int rc;

    if (!out || !dir || !*dir) {
        wb_store_free(store);
        return wb_error_set(WB_EINVAL, "ledger: open: invalid argument");
    }
    *out = NULL;
    ledger = wb_calloc(1, sizeof(*ledger));
    if (!ledger) {
        wb_store_free(store);
        return wb_error_set(WB_ENOMEM, "ledger: out of memory");
    }
    /* owned from here, also on failure */
    ledger->store = store;
    ledger->lock_fd = -1;
    ledger->dir_fd = -1;
    if (!(ledger->dir = wb_strdup(dir))) {
        rc = wb_error_set(WB_ENOMEM, "ledger: out of memory");
        goto out;
    }
    if ((rc = read_meta(ledger)) < 0)
        goto out;
    if (!(path = path_in(dir, "log.key"))) {
        rc = wb_error_set(WB_ENOMEM, "ledger: out of memory");
        goto out;
    }
    if ((rc = wb_key_load(&key, path)) < 0)
        goto out;
    if ((rc = make_signer(&ledger->signer, &ledger->verifier, &vkey, key, ledger->origin, path)) <
        0)
        goto out;
    if (strcmp(vkey, ledger->verifier_key) != 0) {
        rc = wb_error_set(WB_EFORMAT,
                          "%s: log.key is not the key of ledger.json's verifier_key %s (it is %s)",
                          dir, ledger->verifier_key, vkey);
        goto out;
    }
    wb_free(path);
    if (!(path = path_in(dir, "lock"))) {
        rc = wb_error_set(WB_ENOMEM, "ledger: out of memory");
        goto out;
    }
    ledger->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (ledger->lock_fd < 0) {
        rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    ledger->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ledger->dir_fd < 0) {
        rc = wb_error_set(WB_EIO, "%s: %s", dir, strerror(errno));
        goto out;
    }
    wb_free(path);
    path = NULL;
    if (ledger->store) {
        if (strcmp(wb_store_backend(ledger->store), ledger->backend) != 0) {
            rc = wb_error_set(WB_EINVAL, "%s: the ledger's entries are in a %s store, not %s", dir,
                              ledger->backend, wb_store_backend(ledger->store));
            goto out;
        }
    } else if (strcmp(ledger->backend, "sqlite") != 0 || !ledger->store_in_dir) {
        rc = wb_error_set(WB_EINVAL,
                          "%s: the ledger's entries are in a %s store outside the directory: "
                          "open it with that store (--store)",
                          dir, ledger->backend);
        goto out;
    } else {
        if (!(path = path_in(dir, "ledger.db"))) {
            rc = wb_error_set(WB_ENOMEM, "ledger: out of memory");
            goto out;
        }
        if ((rc = wb_store_open_sqlite(&ledger->store, path, false)) < 0)
            goto out;
    }
    if (!(flags & WB_LEDGER_OPEN_NO_REPAIR)) {
        if ((rc = lock_ledger(ledger)) < 0)
            goto out;
        rc = repair_checkpoint_file(ledger);
        unlock_ledger(ledger);
        if (rc < 0)
            goto out;
    }
    *out = ledger;
    ledger = NULL;
out:
    wb_free(vkey);
    wb_free(path);
    wb_key_free(key);
    wb_ledger_free(ledger);
    return rc;
}

int wb_ledger_sync(wb_ledger *ledger)
{
    uint64_t size = 0;
    int rc;

    if (!ledger)
        return wb_error_set(WB_EINVAL, "ledger: invalid argument");
    if ((rc = wb_store_size(ledger->store, &size)) < 0)
        return rc;
    if (size == ledger->served_size)
        return 0;
    if ((rc = lock_ledger(ledger)) < 0)
        return rc;
    rc = repair_checkpoint_file(ledger);
    unlock_ledger(ledger);
    return rc;
}

const char *wb_ledger_origin(const wb_ledger *ledger)
{
    return ledger ? ledger->origin : NULL;
}

const char *wb_ledger_verifier_key(const wb_ledger *ledger)
{
    return ledger ? ledger->verifier_key : NULL;
}

wb_store *wb_ledger_store(wb_ledger *ledger)
{
    return ledger ? ledger->store : NULL;
}

int wb_ledger_size(uint64_t *out, wb_ledger *ledger)
{
    if (!out || !ledger)
        return wb_error_set(WB_EINVAL, "ledger: invalid argument");
    return wb_store_size(ledger->store, out);
}

int wb_ledger_checkpoint(char **out, size_t *out_len, wb_ledger *ledger)
{
    if (!out || !ledger)
        return wb_error_set(WB_EINVAL, "ledger: invalid argument");
    return wb_store_latest_checkpoint(out, out_len, NULL, ledger->store);
}

/* --- appending --- */

/* What a batch computes before it goes to the store. */
typedef struct {
    wb_store *store;
    uint64_t base;        /* stored index of the batch's first hash */
    wb_tlog_hash *hashes; /* the batch's stored hashes so far */
    size_t n_hashes;
} batch_hashes;

/* A hash reader over the store, then the batch's own hashes. */
static int batch_reader(wb_tlog_hash *out, const uint64_t *indexes, size_t count, void *payload)
{
    batch_hashes *b = payload;
    size_t i;
    int rc;

    for (i = 0; i < count; i++) {
        if (indexes[i] >= b->base) {
            if (indexes[i] - b->base >= b->n_hashes)
                return wb_error_set(WB_EINTERNAL, "ledger: stored hash %" PRIu64 " not computed",
                                    indexes[i]);
            out[i] = b->hashes[indexes[i] - b->base];
        } else if ((rc = wb_store_read_hashes(&out[i], b->store, &indexes[i], 1)) < 0) {
            return rc;
        }
    }
    return 0;
}

static bool is_hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* "sha256:HEX" or "HEX" into 64 lower-case hex digits; false when not one. */
static bool normalize_digest(char out[WB_STORE_DIGEST_HEX_SIZE], const char *digest)
{
    size_t i;
    if (strncmp(digest, "sha256:", 7) == 0)
        digest += 7;
    for (i = 0; i < 64; i++) {
        if (!is_hex_digit(digest[i]))
            return false;
        out[i] = (char)(digest[i] >= 'A' && digest[i] <= 'F' ? digest[i] - 'A' + 'a' : digest[i]);
    }
    out[64] = '\0';
    return digest[64] == '\0';
}

/* The sha256 subject digests of an in-toto statement payload; none when the
 * payload is not one (it is still logged, just not indexed). */
static int statement_subjects(char (**out)[WB_STORE_DIGEST_HEX_SIZE], size_t *count,
                              const wb_envelope *env)
{
    const unsigned char *payload;
    size_t len, n = 0, i;
    json_t *root = NULL, *subjects;
    int rc = 0;

    *out = NULL;
    *count = 0;
    if (strcmp(wb_envelope_payload_type(env), "application/vnd.in-toto+json") != 0)
        return 0;
    payload = wb_envelope_payload(env, &len);
    if (wb_json_parse(&root, (const char *)payload, len, "statement") < 0) {
        wb_error_clear();
        return 0;
    }
    subjects = json_object_get(root, "subject");
    if (json_is_array(subjects) && json_array_size(subjects) > 0) {
        *out = wb_calloc(json_array_size(subjects), sizeof(**out));
        if (!*out) {
            rc = wb_error_set(WB_ENOMEM, "ledger: out of memory");
            goto out;
        }
        for (i = 0; i < json_array_size(subjects); i++) {
            json_t *sha =
                json_object_get(json_object_get(json_array_get(subjects, i), "digest"), "sha256");
            if (json_is_string(sha) && json_string_length(sha) == 64 &&
                normalize_digest((*out)[n], json_string_value(sha)))
                n++;
        }
    }
    *count = n;
out:
    json_decref(root);
    return rc;
}

struct wb_ledger_prepared {
    wb_envelope *env;
    wb_store_entry entry; /* data and party borrowed from the input */
    char (*subjects)[WB_STORE_DIGEST_HEX_SIZE];
    const char **subject_ptrs;
};

void wb_ledger_prepared_free(wb_ledger_prepared *p)
{
    if (!p)
        return;
    wb_envelope_free(p->env);
    wb_free(p->subjects);
    wb_free(p->subject_ptrs);
    wb_free(p);
}

const wb_envelope *wb_ledger_prepared_envelope(const wb_ledger_prepared *p)
{
    return p ? p->env : NULL;
}

int wb_ledger_prepare(wb_ledger_prepared **out, const wb_ledger_input *input)
{
    wb_ledger_prepared *p = NULL;
    const char *name;
    size_t count = 0, j;
    int rc;

    if (!out || !input)
        return wb_error_set(WB_EINVAL, "ledger: prepare: invalid argument");
    *out = NULL;
    name = input->name ? input->name : "envelope";
    if (!input->data && input->len)
        return wb_error_set(WB_EINVAL, "ledger: append: %s: no data", name);
    if (input->len > WB_STORE_MAX_ENTRY_SIZE)
        return wb_error_set(WB_ELIMIT, "%s: %zu bytes, more than a ledger entry's %zu", name,
                            input->len, WB_STORE_MAX_ENTRY_SIZE);
    if (!(p = wb_calloc(1, sizeof(*p))))
        return wb_error_set(WB_ENOMEM, "ledger: out of memory");
    rc = wb_envelope_parse(&p->env, input->data, input->len, name);
    if (rc < 0) {
        wb_error_prefix(rc, "not appended (nothing was): ");
        goto out;
    }
    if ((rc = statement_subjects(&p->subjects, &count, p->env)) < 0)
        goto out;
    if (count) {
        if (!(p->subject_ptrs = wb_calloc(count, sizeof(char *)))) {
            rc = wb_error_set(WB_ENOMEM, "ledger: out of memory");
            goto out;
        }
        for (j = 0; j < count; j++)
            p->subject_ptrs[j] = p->subjects[j];
    }
    p->entry.data = input->data;
    p->entry.data_len = input->len;
    p->entry.party = input->party;
    p->entry.subjects = p->subject_ptrs;
    p->entry.n_subjects = count;
    if ((rc = wb_ledger_entry_hash(&p->entry.digest, &p->entry.leaf_hash, input->data,
                                   input->len)) < 0)
        goto out;
    *out = p;
    p = NULL;
out:
    wb_ledger_prepared_free(p);
    return rc;
}

/* Sequence a prepared batch at the store's current size: its stored
 * hashes, the new root and signed checkpoint, then the store's one atomic
 * append. *size_out gets the first index. WB_EEXISTS when another writer
 * of the store appended first (nothing was added). Called under the lock. */
static int sequence_batch(char **note_out, size_t *note_len_out, uint64_t *size_out,
                          wb_ledger *ledger, const wb_store_entry *entries, size_t n,
                          batch_hashes *bp)
{
    batch_hashes b = {0};
    char *note = NULL;
    size_t note_len = 0, i;
    uint64_t size = 0, total_hashes;
    wb_tlog_hash root;
    int rc;

    if ((rc = wb_store_size(ledger->store, &size)) < 0)
        goto out;
    if (size > WB_TLOG_STORED_MAX_SIZE - n) {
        rc = wb_error_set(WB_ELIMIT, "%s: the log is full", ledger->dir);
        goto out;
    }
    b.store = ledger->store;
    b.base = wb_tlog_stored_hash_count(size);
    total_hashes = wb_tlog_stored_hash_count(size + n) - b.base;
    b.hashes = wb_calloc((size_t)total_hashes, sizeof(*b.hashes));
    if (!b.hashes) {
        rc = wb_error_set(WB_ENOMEM, "ledger: out of memory");
        goto out;
    }
    for (i = 0; i < n; i++) {
        wb_tlog_hash added[WB_TLOG_MAX_STORED_PER_LEAF];
        size_t n_added;
        rc = wb_tlog_stored_hashes_append(added, &n_added, WB_TLOG_MAX_STORED_PER_LEAF, size + i,
                                          &entries[i].leaf_hash, batch_reader, &b);
        if (rc < 0)
            goto out;
        if (b.n_hashes + n_added > total_hashes) {
            rc = wb_error_set(WB_EINTERNAL, "ledger: more stored hashes than the layout adds");
            goto out;
        }
        memcpy(b.hashes + b.n_hashes, added, n_added * sizeof(*added));
        b.n_hashes += n_added;
    }
    if ((rc = wb_tlog_stored_root(&root, size + n, batch_reader, &b)) < 0 ||
        (rc = sign_checkpoint(&note, &note_len, ledger->signer, ledger->origin, size + n, &root)) <
            0)
        goto out;
    {
        wb_store_batch batch = {
            .first_index = size,
            .entries = entries,
            .n_entries = n,
            .hashes = b.hashes,
            .n_hashes = b.n_hashes,
            .checkpoint = note,
            .checkpoint_len = note_len,
        };
        if ((rc = wb_store_append(ledger->store, &batch)) < 0)
            goto out;
    }
    *size_out = size;
out:
    if (rc < 0) {
        wb_free(b.hashes);
        wb_free(note);
        return rc;
    }
    *bp = b;
    *note_out = note;
    *note_len_out = note_len;
    return 0;
}

int wb_ledger_append(uint64_t *indexes_out, wb_ledger *ledger, const wb_ledger_input *envelopes,
                     size_t n, const char *party)
{
    wb_ledger_prepared **prepared = NULL;
    size_t i;
    int rc = 0;

    if (!ledger || !envelopes || n == 0)
        return wb_error_set(WB_EINVAL, "ledger: append: invalid argument");
    if (n > WB_LEDGER_MAX_BATCH)
        return wb_error_set(WB_ELIMIT, "ledger: %zu envelopes in one batch; at most %d", n,
                            WB_LEDGER_MAX_BATCH);
    if (!(prepared = wb_calloc(n, sizeof(*prepared))))
        return wb_error_set(WB_ENOMEM, "ledger: out of memory");
    /* parse and hash everything before taking the lock */
    for (i = 0; i < n && rc == 0; i++) {
        wb_ledger_input input = envelopes[i];
        if (!input.party)
            input.party = party;
        rc = wb_ledger_prepare(&prepared[i], &input);
    }
    if (rc == 0)
        rc = wb_ledger_append_prepared(indexes_out, ledger, prepared, n);
    for (i = 0; i < n; i++)
        wb_ledger_prepared_free(prepared[i]);
    wb_free(prepared);
    return rc;
}

int wb_ledger_append_prepared(uint64_t *indexes_out, wb_ledger *ledger,
                              wb_ledger_prepared *const *prepared, size_t n)
{
    wb_store_entry *entries = NULL;
    batch_hashes b = {0};
    char *note = NULL;
    size_t note_len = 0, i;
    uint64_t size = 0, from;
    bool locked = false;
    int64_t now = (int64_t)time(NULL);
    int rc, attempt;

    if (!ledger || !prepared || n == 0)
        return wb_error_set(WB_EINVAL, "ledger: append: invalid argument");
    if (n > WB_LEDGER_MAX_BATCH)
        return wb_error_set(WB_ELIMIT, "ledger: %zu envelopes in one batch; at most %d", n,
                            WB_LEDGER_MAX_BATCH);
    if (!(entries = wb_calloc(n, sizeof(*entries))))
        return wb_error_set(WB_ENOMEM, "ledger: out of memory");
    for (i = 0; i < n; i++) {
        if (!prepared[i]) {
            rc = wb_error_set(WB_EINVAL, "ledger: append: entry %zu was not prepared", i);
            goto out;
        }
        entries[i] = prepared[i]->entry;
        entries[i].time = now;
    }
    if ((rc = lock_ledger(ledger)) < 0)
        goto out;
    locked = true;
    /* The directory's lock serializes writers on this host; writers on
     * other hosts sharing the store (PostgreSQL) are serialized by the store,
     * which refuses a batch whose first index is no longer its size
     * (WB_EEXISTS): then the batch is sequenced again after what came in. */
    for (attempt = 0;; attempt++) {
        rc = sequence_batch(&note, &note_len, &size, ledger, entries, n, &b);
        if (rc != WB_EEXISTS || attempt == LEDGER_APPEND_ATTEMPTS - 1)
            break;
        wb_error_clear();
        wb_free(b.hashes);
        wb_free(note);
        b.hashes = NULL;
        b.n_hashes = 0;
        note = NULL;
    }
    if (rc < 0)
        goto out;
    if (indexes_out)
        for (i = 0; i < n; i++)
            indexes_out[i] = size + i;
    /* the batch is durable; only now may the tiles show it (from what this
     * directory serves: other writers of a shared store may have appended
     * since), and only once they are durable too the checkpoint that
     * clients start from */
    from = ledger->served_size < size ? ledger->served_size : size;
    rc = wb_tiles_write(ledger->dir_fd, ledger->dir, ledger->store, from, size + n);
    if (rc == 0)
        rc = write_checkpoint_file(ledger->dir, note, note_len);
    if (rc == 0) {
        wb_tiles_prune(ledger->dir_fd, from, size + n);
        ledger->served_size = size + n;
    }
    /* always WB_EIO here, whatever the cause: it tells the caller that the
     * batch is in and indexes_out is filled */
    if (rc < 0)
        rc = wb_error_prefix(WB_EIO,
                             "entries %" PRIu64 "..%" PRIu64
                             " are in the log, but the tiles or the checkpoint file "
                             "were not updated (they are on the next open): ",
                             size, size + n - 1);
out:
    if (locked)
        unlock_ledger(ledger);
    wb_free(entries);
    wb_free(b.hashes);
    wb_free(note);
    return rc;
}

/* --- proofs --- */

static int resolve_size(uint64_t *size, wb_ledger *ledger, uint64_t requested, const char *what)
{
    uint64_t current;
    int rc = wb_store_size(ledger->store, &current);
    if (rc < 0)
        return rc;
    if (requested == 0) {
        *size = current;
        return 0;
    }
    if (requested > current)
        return wb_error_set(WB_EINVAL,
                            "%s: tree size %" PRIu64 " is beyond the log's %" PRIu64 " entries",
                            what, requested, current);
    *size = requested;
    return 0;
}

/* `size` 0 means the current size; `size_is_stored` says the caller read
 * it from a stored checkpoint in this read snapshot, so it need not be
 * checked against the store's size again (a bundle's proof: one query
 * less, one round trip less on PostgreSQL). */
static int prove_inclusion(wb_ledger_inclusion *out, wb_ledger *ledger, uint64_t index,
                           uint64_t size, bool size_is_stored)
{
    uint64_t leaf_index;
    int rc;

    if (!(size_is_stored && size > 0) &&
        (rc = resolve_size(&size, ledger, size, "inclusion proof")) < 0)
        return rc;
    if (index >= size)
        return wb_error_set(
            WB_EINVAL, "inclusion proof: entry %" PRIu64 " is not in a tree of %" PRIu64 " entries",
            index, size);
    out->index = index;
    out->tree_size = size;
    leaf_index = wb_tlog_stored_hash_index(0, index);
    if ((rc = wb_store_read_hashes(&out->leaf_hash, ledger->store, &leaf_index, 1)) < 0 ||
        (rc = wb_tlog_stored_root(&out->root_hash, size, wb_store_hash_reader, ledger->store)) < 0)
        return rc;
    return wb_tlog_stored_prove_inclusion(out->proof, &out->proof_len, WB_TLOG_MAX_INCLUSION_PROOF,
                                          index, size, wb_store_hash_reader, ledger->store);
}

int wb_ledger_prove_inclusion(wb_ledger_inclusion *out, wb_ledger *ledger, uint64_t index,
                              uint64_t size)
{
    int rc, end;

    if (!out || !ledger)
        return wb_error_set(WB_EINVAL, "ledger: invalid argument");
    memset(out, 0, sizeof(*out));
    /* one read snapshot for the size and the O(log n) hashes: one set of
     * locks, one tree */
    if ((rc = wb_store_read_begin(ledger->store)) < 0)
        return rc;
    rc = prove_inclusion(out, ledger, index, size, false);
    end = wb_store_read_end(ledger->store);
    return rc < 0 ? rc : end;
}

int wb_ledger_prove_consistency(wb_ledger_consistency *out, wb_ledger *ledger, uint64_t from,
                                uint64_t to)
{
    int rc;

    if (!out || !ledger)
        return wb_error_set(WB_EINVAL, "ledger: invalid argument");
    memset(out, 0, sizeof(*out));
    if ((rc = resolve_size(&to, ledger, to, "consistency proof")) < 0)
        return rc;
    if (from == 0 || from > to)
        return wb_error_set(WB_EINVAL,
                            "consistency proof: no proof from %" PRIu64 " to %" PRIu64
                            " entries (it needs 0 < from <= to)",
                            from, to);
    out->from = from;
    out->to = to;
    if ((rc = wb_tlog_stored_root(&out->old_root, from, wb_store_hash_reader, ledger->store)) < 0 ||
        (rc = wb_tlog_stored_root(&out->new_root, to, wb_store_hash_reader, ledger->store)) < 0)
        return rc;
    return wb_tlog_stored_prove_consistency(out->proof, &out->proof_len,
                                            WB_TLOG_MAX_CONSISTENCY_PROOF, from, to,
                                            wb_store_hash_reader, ledger->store);
}

static json_t *hash_json(const wb_tlog_hash *hash)
{
    char *b64 = NULL;
    json_t *s;
    if (wb_base64_encode(&b64, NULL, hash->bytes, WB_TLOG_HASH_LEN) < 0)
        return NULL;
    s = json_string(b64);
    wb_free(b64);
    return s;
}

static json_t *proof_json(const wb_tlog_hash *proof, size_t len)
{
    json_t *arr = json_array();
    size_t i;
    for (i = 0; arr && i < len; i++) {
        if (json_array_append_new(arr, hash_json(&proof[i])) < 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

int wb_ledger_inclusion_json(json_t **out, const wb_ledger_inclusion *p)
{
    if (!out || !p)
        return wb_error_set(WB_EINVAL, "ledger: invalid argument");
    *out = json_pack("{s:I, s:I, s:o?, s:o?, s:o?}", "index", (json_int_t)p->index, "tree_size",
                     (json_int_t)p->tree_size, "leaf_hash", hash_json(&p->leaf_hash), "root_hash",
                     hash_json(&p->root_hash), "proof", proof_json(p->proof, p->proof_len));
    if (!*out || json_object_size(*out) != 5) {
        json_decref(*out);
        *out = NULL;
        return wb_error_set(WB_ENOMEM, "ledger: out of memory");
    }
    return 0;
}

int wb_ledger_consistency_json(json_t **out, const wb_ledger_consistency *p)
{
    if (!out || !p)
        return wb_error_set(WB_EINVAL, "ledger: invalid argument");
    *out = json_pack("{s:I, s:I, s:o?, s:o?, s:o?}", "from", (json_int_t)p->from, "to",
                     (json_int_t)p->to, "old_root", hash_json(&p->old_root), "new_root",
                     hash_json(&p->new_root), "proof", proof_json(p->proof, p->proof_len));
    if (!*out || json_object_size(*out) != 5) {
        json_decref(*out);
        *out = NULL;
        return wb_error_set(WB_ENOMEM, "ledger: out of memory");
    }
    return 0;
}

/* --- bundles --- */

/* The bundle of entry `index`; with `prepared`, its bytes and leaf hash
 * come from there (a server that has just appended it) instead of being
 * read back, and must be what the tree holds. */
static int make_bundle(char **out, size_t *out_len, wb_ledger *ledger, uint64_t index,
                       const wb_ledger_prepared *prepared)
{
    wb_store_record record = {0};
    wb_ledger_inclusion proof;
    char *note = NULL, *envelope_b64 = NULL, *text = NULL;
    uint64_t cp_size = 0;
    json_t *bundle = NULL;
    const void *data;
    size_t data_len;
    int rc;

    if (!out || !ledger)
        return wb_error_set(WB_EINVAL, "ledger: invalid argument");
    *out = NULL;
    memset(&proof, 0, sizeof(proof));
    /* one read snapshot: the checkpoint, the entry and the proof of one tree */
    if ((rc = wb_store_read_begin(ledger->store)) < 0)
        return rc;
    /* the proof is for the latest checkpoint's size, which is the store's */
    rc = wb_store_latest_checkpoint(&note, NULL, &cp_size, ledger->store);
    if (rc == 0 && index >= cp_size)
        rc = wb_error_set(WB_ENOTFOUND, "%s: no entry %" PRIu64 " (the log has %" PRIu64 ")",
                          ledger->dir, index, cp_size);
    if (rc == 0 && !prepared)
        rc = wb_store_read_entry(&record, ledger->store, index);
    if (rc == 0)
        rc = prove_inclusion(&proof, ledger, index, cp_size, true);
    {
        int end = wb_store_read_end(ledger->store);
        if (rc == 0)
            rc = end;
    }
    if (rc < 0)
        goto out;
    if (prepared) {
        data = prepared->entry.data;
        data_len = prepared->entry.data_len;
    } else {
        data = record.data;
        data_len = record.data_len;
    }
    if ((rc = wb_base64_encode(&envelope_b64, NULL, data, data_len)) < 0)
        goto out;
    {
        /* serve nothing the store does not back: the bytes must still be
         * the entry the tree holds */
        wb_tlog_hash leaf;
        if (prepared)
            leaf = prepared->entry.leaf_hash;
        else if ((rc = wb_ledger_entry_hash(NULL, &leaf, data, data_len)) < 0)
            goto out;
        if (!wb_digest_equal(proof.leaf_hash.bytes, leaf.bytes, WB_TLOG_HASH_LEN)) {
            rc = prepared ? wb_error_set(WB_EFORMAT,
                                         "%s: entry %" PRIu64 " of the tree is not this envelope",
                                         ledger->dir, index)
                          : wb_error_set(WB_EFORMAT,
                                         "%s: entry %" PRIu64 ": its stored bytes are not the "
                                         "entry the tree holds (run waybill log audit)",
                                         ledger->dir, index);
            goto out;
        }
    }
    bundle =
        json_pack("{s:s, s:s, s:I, s:I, s:o?, s:o?, s:s}", "mediaType", WB_BUNDLE_MEDIA_TYPE,
                  "envelope_b64", envelope_b64, "index", (json_int_t)index, "tree_size",
                  (json_int_t)cp_size, "leaf_hash", hash_json(&proof.leaf_hash), "inclusion_proof",
                  proof_json(proof.proof, proof.proof_len), "checkpoint", note);
    text = bundle && json_object_size(bundle) == 7
               ? json_dumps(bundle, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
               : NULL;
    if (!text) {
        rc = wb_error_set(WB_ENOMEM, "ledger: out of memory");
        goto out;
    }
    *out = wb_asprintf("%s\n", text);
    if (!*out) {
        rc = wb_error_set(WB_ENOMEM, "ledger: out of memory");
        goto out;
    }
    if (out_len)
        *out_len = strlen(*out);
out:
    free(text);
    json_decref(bundle);
    wb_free(envelope_b64);
    wb_free(note);
    wb_store_record_clear(&record);
    return rc;
}

int wb_ledger_bundle(char **out, size_t *out_len, wb_ledger *ledger, uint64_t index)
{
    return make_bundle(out, out_len, ledger, index, NULL);
}

int wb_ledger_bundle_prepared(char **out, size_t *out_len, wb_ledger *ledger, uint64_t index,
                              const wb_ledger_prepared *prepared)
{
    if (!prepared)
        return wb_error_set(WB_EINVAL, "ledger: invalid argument");
    return make_bundle(out, out_len, ledger, index, prepared);
}

int wb_ledger_bundle_save(wb_ledger *ledger, uint64_t index, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    if (!ledger || !path)
        return wb_error_set(WB_EINVAL, "ledger: invalid argument");
    rc = wb_ledger_bundle(&text, &len, ledger, index);
    if (rc == 0)
        rc = wb_write_file_atomic(path, text, len, 0644, true);
    wb_free(text);
    return rc;
}

int wb_ledger_search(uint64_t **out, size_t *count, wb_ledger *ledger, const char *digest)
{
    char hex[WB_STORE_DIGEST_HEX_SIZE];

    if (!out || !count || !ledger || !digest)
        return wb_error_set(WB_EINVAL, "ledger: invalid argument");
    *out = NULL;
    *count = 0;
    if (!normalize_digest(hex, digest))
        return wb_error_set(WB_EINVAL, "'%.80s' is not a sha256 digest (64 hex digits)", digest);
    return wb_store_search(out, count, ledger->store, hex);
}

void wb_bundle_free(wb_bundle *bundle)
{
    if (!bundle)
        return;
    wb_free(bundle->name);
    wb_free(bundle->envelope);
    wb_free(bundle->checkpoint);
    wb_free(bundle);
}

static int decode_hash(wb_tlog_hash *out, const json_t *value, const char *name, const char *what)
{
    unsigned char *raw = NULL;
    size_t len = 0;
    int rc;

    if (!json_is_string(value))
        return wb_error_set(WB_EFORMAT, "%s: %s is missing or not a string", name, what);
    rc = wb_base64_decode(&raw, &len, json_string_value(value), json_string_length(value));
    if (rc == 0 && len != WB_TLOG_HASH_LEN)
        rc = WB_EFORMAT;
    if (rc == 0)
        memcpy(out->bytes, raw, WB_TLOG_HASH_LEN);
    wb_free(raw);
    if (rc < 0)
        return wb_error_set(WB_EFORMAT, "%s: %s is not the base64 of a %d-byte hash", name, what,
                            WB_TLOG_HASH_LEN);
    return 0;
}

static int get_uint(uint64_t *out, const json_t *root, const char *key, const char *name)
{
    json_t *v = json_object_get(root, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return wb_error_set(WB_EFORMAT, "%s: \"%s\" is missing or not a non-negative integer", name,
                            key);
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

int wb_bundle_parse(wb_bundle **out, const char *buf, size_t len, const char *name)
{
    wb_bundle *bundle = NULL;
    json_t *root = NULL, *v, *proof;
    size_t i;
    int rc;

    if (!out || (!buf && len))
        return wb_error_set(WB_EINVAL, "bundle: invalid argument");
    *out = NULL;
    if (!name)
        name = "bundle";
    if (len > WB_BUNDLE_MAX_SIZE)
        return wb_error_set(WB_ELIMIT, "%s: %zu bytes, more than a bundle's %zu", name, len,
                            WB_BUNDLE_MAX_SIZE);
    if ((rc = wb_json_parse(&root, buf, len, name)) < 0)
        return rc;
    bundle = wb_calloc(1, sizeof(*bundle));
    if (!bundle || !(bundle->name = wb_strdup(name))) {
        rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    if (!json_is_object(root)) {
        rc = wb_error_set(WB_EFORMAT, "%s: a bundle must be a JSON object", name);
        goto out;
    }
    v = json_object_get(root, "mediaType");
    if (!json_is_string(v) || strcmp(json_string_value(v), WB_BUNDLE_MEDIA_TYPE) != 0) {
        rc = wb_error_set(WB_EFORMAT, "%s: \"mediaType\" is not %s", name, WB_BUNDLE_MEDIA_TYPE);
        goto out;
    }
    v = json_object_get(root, "envelope_b64");
    if (!json_is_string(v)) {
        rc = wb_error_set(WB_EFORMAT, "%s: \"envelope_b64\" is missing or not a string", name);
        goto out;
    }
    if (wb_base64_decode(&bundle->envelope, &bundle->envelope_len, json_string_value(v),
                         json_string_length(v)) < 0) {
        rc = wb_error_set(WB_EFORMAT, "%s: \"envelope_b64\" is not valid base64", name);
        goto out;
    }
    if ((rc = get_uint(&bundle->index, root, "index", name)) < 0 ||
        (rc = get_uint(&bundle->tree_size, root, "tree_size", name)) < 0 ||
        (rc = decode_hash(&bundle->leaf_hash, json_object_get(root, "leaf_hash"), name,
                          "\"leaf_hash\"")) < 0)
        goto out;
    proof = json_object_get(root, "inclusion_proof");
    if (!json_is_array(proof)) {
        rc = wb_error_set(WB_EFORMAT, "%s: \"inclusion_proof\" is missing or not an array", name);
        goto out;
    }
    if (json_array_size(proof) > WB_TLOG_MAX_INCLUSION_PROOF) {
        rc = wb_error_set(WB_EFORMAT, "%s: \"inclusion_proof\" has %zu hashes; at most %d", name,
                          json_array_size(proof), WB_TLOG_MAX_INCLUSION_PROOF);
        goto out;
    }
    for (i = 0; i < json_array_size(proof); i++) {
        char what[64];
        snprintf(what, sizeof(what), "inclusion proof hash %zu", i);
        if ((rc = decode_hash(&bundle->proof[i], json_array_get(proof, i), name, what)) < 0)
            goto out;
    }
    bundle->proof_len = json_array_size(proof);
    v = json_object_get(root, "checkpoint");
    if (!json_is_string(v)) {
        rc = wb_error_set(WB_EFORMAT, "%s: \"checkpoint\" is missing or not a string", name);
        goto out;
    }
    bundle->checkpoint_len = json_string_length(v);
    bundle->checkpoint = wb_strndup(json_string_value(v), bundle->checkpoint_len);
    if (!bundle->checkpoint) {
        rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    *out = bundle;
    bundle = NULL;
out:
    json_decref(root);
    wb_bundle_free(bundle);
    return rc;
}

int wb_bundle_load(wb_bundle **out, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    if (!out || !path)
        return wb_error_set(WB_EINVAL, "bundle: invalid argument");
    *out = NULL;
    rc = wb_read_file(&buf, &len, path, WB_BUNDLE_MAX_SIZE);
    if (rc == 0)
        rc = wb_bundle_parse(out, buf, len, path);
    wb_free(buf);
    return rc;
}

uint64_t wb_bundle_index(const wb_bundle *bundle)
{
    return bundle ? bundle->index : 0;
}

uint64_t wb_bundle_tree_size(const wb_bundle *bundle)
{
    return bundle ? bundle->tree_size : 0;
}

const unsigned char *wb_bundle_envelope(const wb_bundle *bundle, size_t *len)
{
    if (len)
        *len = bundle ? bundle->envelope_len : 0;
    return bundle ? bundle->envelope : NULL;
}

const char *wb_bundle_checkpoint(const wb_bundle *bundle)
{
    return bundle ? bundle->checkpoint : NULL;
}

int wb_bundle_verify(wb_envelope **envelope_out, wb_dsse_result **dsse_out, const wb_bundle *bundle,
                     const wb_note_verifier *log_key, const wb_keyring *trust, size_t threshold)
{
    wb_checkpoint *cp = NULL;
    wb_envelope *env = NULL;
    wb_tlog_hash leaf_hash;
    const char *name;
    int rc;

    if (envelope_out)
        *envelope_out = NULL;
    if (dsse_out)
        *dsse_out = NULL;
    if (!bundle || !log_key || (trust && threshold == 0))
        return wb_error_set(WB_EINVAL, "bundle: invalid argument");
    name = bundle->name;
    /* 1. the checkpoint: signed by the log, for the log's origin */
    rc = wb_checkpoint_open(&cp, NULL, bundle->checkpoint, bundle->checkpoint_len,
                            wb_note_verifier_name(log_key), log_key);
    if (rc < 0) {
        if (rc == WB_EFORMAT)
            rc = WB_EVERIFY;
        rc = wb_error_prefix(rc, "%s: checkpoint: ", name);
        goto out;
    }
    /* 2. the proof is for the checkpoint's tree */
    if (cp->size != bundle->tree_size) {
        rc = wb_error_set(WB_EVERIFY,
                          "%s: tree_size %" PRIu64 " is not the checkpoint's size %" PRIu64, name,
                          bundle->tree_size, cp->size);
        goto out;
    }
    /* 3. the envelope is the leaf the bundle names */
    if ((rc = wb_ledger_entry_hash(NULL, &leaf_hash, bundle->envelope, bundle->envelope_len)) < 0)
        goto out;
    if (!wb_digest_equal(leaf_hash.bytes, bundle->leaf_hash.bytes, WB_TLOG_HASH_LEN)) {
        rc = wb_error_set(WB_EVERIFY,
                          "%s: the envelope's bytes do not hash to the bundle's leaf_hash "
                          "(the envelope was changed)",
                          name);
        goto out;
    }
    /* 4. and that leaf is entry `index` of the checkpoint's tree */
    rc = wb_tlog_verify_inclusion(&leaf_hash, bundle->index, cp->size, bundle->proof,
                                  bundle->proof_len, &cp->root);
    if (rc < 0) {
        rc = wb_error_prefix(rc, "%s: entry %" PRIu64 " is not proven in the log: ", name,
                             bundle->index);
        goto out;
    }
    /* 5. the envelope itself, and who signed it */
    if ((rc = wb_envelope_parse(&env, (const char *)bundle->envelope, bundle->envelope_len, name)) <
        0)
        goto out;
    if (trust) {
        rc = wb_dsse_verify(dsse_out, env, trust, threshold);
        if (rc < 0) {
            rc = wb_error_prefix(rc, "%s: envelope signatures: ", name);
            goto out;
        }
    }
out:
    if (env && envelope_out)
        *envelope_out = env;
    else
        wb_envelope_free(env);
    wb_checkpoint_free(cp);
    return rc;
}
