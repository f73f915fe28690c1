/*
 * witness.c: a transparency log witness (c2sp.org/tlog-witness) cosigning
 * checkpoints with Ed25519 v1 cosignatures (c2sp.org/tlog-cosignature).
 *
 * The spec's one hard requirement on the implementation is that checking a
 * checkpoint against the recorded one and recording it are one atomic step;
 * otherwise two requests can interleave and roll the state back. So every
 * cosign takes an exclusive flock on `lock` in the state directory, and holds
 * it from reading the state to the durable rename of the new one. Nothing is
 * returned to the caller, so no cosignature can be published, before the new
 * state is on disk.
 *
 * The state is the cosigned note itself, not a digest of it: on every load it
 * is verified again with the log key and its origin compared with the one
 * asked for, so a state file edited by hand (or copied under another log's
 * name) is an error rather than a silent reset to "never seen this log",
 * which would let a forked log be cosigned. Rolling the file back to an older
 * genuine checkpoint cannot be detected from inside the directory; protect
 * the directory (it is created 0700, and one writable by others is refused).
 *
 * State files are named by the hex SHA-256 of the origin, since an origin
 * may hold '/' and "..", and are opened with O_NOFOLLOW relative to the
 * directory's descriptor.
 *
 * Two front ends share that one step (witness_step): wb_witness_cosign()
 * takes a proof file naming both trees (`waybill log witness`), and
 * wb_witness_add_checkpoint() takes the HTTP add-checkpoint request of the
 * spec, an old size and bare proof hashes (waybilld), and says which of the
 * spec's answers applies (wb_witness_verdict) so that the server need not
 * read messages. Only the rules differ; the lock, the state and the
 * durability are the same code.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "internal.h"

#define STATE_SUFFIX   ".checkpoint"
#define STATE_NAME_LEN (2 * WB_SHA256_LEN + sizeof(STATE_SUFFIX)) /* with its NUL */

static bool proof_member_known(const char *key)
{
    static const char *const members[] = {"from", "to", "old_root", "new_root", "proof"};
    size_t i;
    for (i = 0; i < sizeof(members) / sizeof(members[0]); i++)
        if (strcmp(key, members[i]) == 0)
            return true;
    return false;
}

/* A hash in standard, padded base64 (44 characters for 32 bytes), as the
 * ledger writes it; other spellings of the same bytes are refused so that a
 * proof has one form. 0, WB_ENOMEM, or -1 for anything else (the caller
 * says what was wrong). */
static int strict_hash_b64(wb_tlog_hash *out, const char *text, size_t len)
{
    unsigned char *raw = NULL;
    size_t raw_len = 0, i;
    int rc;

    if (len != 44 || text[43] != '=' || text[42] == '=')
        return -1;
    for (i = 0; i < 43; i++)
        if (!(text[i] >= 'A' && text[i] <= 'Z') && !(text[i] >= 'a' && text[i] <= 'z') &&
            !(text[i] >= '0' && text[i] <= '9') && text[i] != '+' && text[i] != '/')
            return -1;
    rc = wb_base64_decode(&raw, &raw_len, text, len);
    if (rc == WB_ENOMEM)
        return rc;
    wb_error_clear();
    if (rc < 0 || raw_len != WB_TLOG_HASH_LEN) {
        wb_free(raw);
        return -1;
    }
    memcpy(out->bytes, raw, WB_TLOG_HASH_LEN);
    wb_free(raw);
    return 0;
}

static int decode_hash(wb_tlog_hash *out, const json_t *value, const char *what, const char *field)
{
    int rc;

    if (!json_is_string(value))
        return wb_error_set(WB_EFORMAT, "%s: %s is missing or not a string", what, field);
    rc = strict_hash_b64(out, json_string_value(value), json_string_length(value));
    if (rc == WB_ENOMEM || rc == 0)
        return rc;
    return wb_error_set(WB_EFORMAT, "%s: %s is not the standard base64 of a %d-byte hash", what,
                        field, WB_TLOG_HASH_LEN);
}

static int decode_size(uint64_t *out, const json_t *value, const char *what, const char *field)
{
    if (!json_is_integer(value) || json_integer_value(value) < 0)
        return wb_error_set(WB_EFORMAT, "%s: %s is missing or not a non-negative integer", what,
                            field);
    *out = (uint64_t)json_integer_value(value);
    return 0;
}

int wb_witness_proof_parse(wb_witness_proof *out, const char *json, size_t len, const char *what)
{
    json_t *root = NULL, *list, *value;
    const char *key;
    char field[32];
    size_t i;
    int rc;

    if (!out || !json)
        return wb_error_set(WB_EINVAL, "witness: invalid argument");
    if (!what)
        what = "consistency proof";
    memset(out, 0, sizeof(*out));
    if (len > WB_WITNESS_PROOF_MAX_SIZE)
        return wb_error_set(WB_ELIMIT, "%s: larger than %zu bytes", what,
                            WB_WITNESS_PROOF_MAX_SIZE);
    if ((rc = wb_json_parse(&root, json, len, what)) < 0)
        return rc;
    if (!json_is_object(root)) {
        rc = wb_error_set(WB_EFORMAT, "%s: not a JSON object", what);
        goto out;
    }
    json_object_foreach(root, key, value)
    {
        (void)value;
        if (!proof_member_known(key)) {
            rc = wb_error_set(WB_EFORMAT, "%s: unknown member \"%.64s\"", what, key);
            goto out;
        }
    }
    if ((rc = decode_size(&out->from, json_object_get(root, "from"), what, "\"from\"")) < 0 ||
        (rc = decode_size(&out->to, json_object_get(root, "to"), what, "\"to\"")) < 0 ||
        (rc = decode_hash(&out->old_root, json_object_get(root, "old_root"), what,
                          "\"old_root\"")) < 0 ||
        (rc = decode_hash(&out->new_root, json_object_get(root, "new_root"), what,
                          "\"new_root\"")) < 0)
        goto out;
    if (out->from > out->to) {
        rc = wb_error_set(WB_EFORMAT, "%s: \"from\" %" PRIu64 " is larger than \"to\" %" PRIu64,
                          what, out->from, out->to);
        goto out;
    }
    list = json_object_get(root, "proof");
    if (!json_is_array(list)) {
        rc = wb_error_set(WB_EFORMAT, "%s: \"proof\" is missing or not an array", what);
        goto out;
    }
    if (json_array_size(list) > WB_TLOG_MAX_CONSISTENCY_PROOF) {
        rc = wb_error_set(WB_ELIMIT, "%s: \"proof\" has %zu hashes; at most %d are possible", what,
                          json_array_size(list), WB_TLOG_MAX_CONSISTENCY_PROOF);
        goto out;
    }
    json_array_foreach(list, i, value)
    {
        snprintf(field, sizeof(field), "\"proof\"[%zu]", i);
        if ((rc = decode_hash(&out->hashes[i], value, what, field)) < 0)
            goto out;
    }
    out->n_hashes = json_array_size(list);
    rc = 0;
out:
    json_decref(root);
    if (rc < 0)
        memset(out, 0, sizeof(*out));
    return rc;
}

int wb_witness_signer_from_key(wb_note_signer **out, const wb_key *key, const char *name)
{
    unsigned char seed[32];
    int rc;

    if (!out || !key || !name)
        return wb_error_set(WB_EINVAL, "witness: invalid argument");
    *out = NULL;
    if ((rc = wb_key_ed25519_seed(seed, key)) < 0)
        return rc;
    rc = wb_note_signer_from_seed(out, name, WB_NOTE_COSIGNATURE_V1, seed);
    OPENSSL_cleanse(seed, sizeof(seed));
    return rc;
}

/* "<hex SHA-256 of origin>.checkpoint" */
static int state_name(char out[STATE_NAME_LEN], const char *origin)
{
    unsigned char digest[WB_SHA256_LEN];
    int rc;

    if ((rc = wb_digest_buffer(digest, WB_DIGEST_SHA256, origin, strlen(origin))) < 0)
        return rc;
    wb_hex_encode(out, digest, sizeof(digest));
    memcpy(out + 2 * WB_SHA256_LEN, STATE_SUFFIX, sizeof(STATE_SUFFIX));
    return 0;
}

int wb_witness_state_path(char **out, const char *state_dir, const char *origin)
{
    char name[STATE_NAME_LEN];
    int rc;

    if (!out || !state_dir || !origin)
        return wb_error_set(WB_EINVAL, "witness: invalid argument");
    *out = NULL;
    if ((rc = state_name(name, origin)) < 0)
        return rc;
    *out = wb_asprintf("%s/%s", state_dir, name);
    return *out ? 0 : wb_error_set(WB_ENOMEM, "witness: out of memory");
}

int wb_witness_save(const char *path, const char *text, size_t len)
{
    if (!path || (!text && len > 0))
        return wb_error_set(WB_EINVAL, "witness: invalid argument");
    return wb_write_file_atomic(path, text, len, 0644, true);
}

void wb_witness_result_clear(wb_witness_result *result)
{
    if (!result)
        return;
    wb_free(result->cosignature);
    wb_free(result->cosigned);
    wb_free(result->origin);
    memset(result, 0, sizeof(*result));
}

/* Open (creating it 0700) the state directory; returns the descriptor or a
 * negative code. */
static int open_state_dir(const char *dir)
{
    struct stat st;
    int fd;

    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return wb_error_set(WB_EIO, "%s: cannot create the witness state directory: %s", dir,
                            strerror(errno));
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return wb_error_set(errno == ENOTDIR ? WB_EFORMAT : WB_EIO, "%s: %s", dir, strerror(errno));
    if (fstat(fd, &st) < 0) {
        close(fd);
        return wb_error_set(WB_EIO, "%s: %s", dir, strerror(errno));
    }
    /* whoever may write here may roll the witness back or reset it */
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        close(fd);
        return wb_error_set(WB_EPERM,
                            "%s: the witness state directory is writable by others (mode %03o); "
                            "refusing it",
                            dir, (unsigned)(st.st_mode & 0777));
    }
    return fd;
}

/* Take the exclusive lock of the state directory; returns its descriptor
 * (closing it releases the lock) or a negative code. */
static int lock_state(int dir_fd, const char *dir)
{
    int fd = openat(dir_fd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
    if (fd < 0)
        return wb_error_set(WB_EIO, "%s/lock: %s", dir, strerror(errno));
    while (flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            int err = errno;
            close(fd);
            return wb_error_set(WB_EIO, "%s/lock: cannot lock it: %s", dir, strerror(err));
        }
    }
    return fd;
}

/* Read and verify the state file `name` for `origin`. *found is false when
 * there is none. A state that does not verify is WB_EFORMAT: never a reset. */
static int load_state(wb_checkpoint **out, bool *found, int dir_fd, const char *dir,
                      const char *name, const char *origin, const wb_note_verifier *log_key)
{
    char *text = NULL;
    size_t len = 0;
    int fd, rc;

    *out = NULL;
    *found = false;
    fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        if (errno == ELOOP)
            return wb_error_set(WB_EFORMAT,
                                "%s/%s: the state file of %s is a symbolic link; refusing it", dir,
                                name, origin);
        return wb_error_set(WB_EIO, "%s/%s: %s", dir, name, strerror(errno));
    }
    *found = true;
    rc = wb_read_fd(&text, &len, fd, name, WB_NOTE_MAX_SIZE);
    close(fd);
    if (rc < 0) {
        wb_error_prefix(rc, "%s/", dir);
        goto out;
    }
    rc = wb_checkpoint_open(out, NULL, text, len, origin, log_key);
    if (rc == WB_ENOMEM)
        goto out;
    if (rc < 0) {
        /* the message says what failed; name the file and what it means */
        rc = wb_error_prefix(WB_EFORMAT,
                             "%s/%s: the witness state of %s does not verify with the log key "
                             "(tampered or corrupt; not resetting it): ",
                             dir, name, origin);
        goto out;
    }
out:
    wb_free(text);
    return rc;
}

static int hash_b64(char **out, const wb_tlog_hash *hash)
{
    return wb_base64_encode(out, NULL, hash->bytes, WB_TLOG_HASH_LEN);
}

/* The tlog-witness rules, with the state's checkpoint `old` (NULL for none)
 * and the submitted `cp`. 0 to cosign, WB_EVERIFY with the reason to
 * refuse. */
static int check_rules(const wb_checkpoint *old, const wb_checkpoint *cp,
                       const wb_witness_proof *proof)
{
    char *old_b64 = NULL, *new_b64 = NULL;
    uint64_t old_size = old ? old->size : 0;
    int rc = 0;

    if ((rc = hash_b64(&new_b64, &cp->root)) < 0 ||
        (old && (rc = hash_b64(&old_b64, &old->root)) < 0))
        goto out;
    if (proof) {
        /* the proof must be about these two trees, whatever it holds */
        if (proof->to != cp->size ||
            !wb_digest_equal(proof->new_root.bytes, cp->root.bytes, WB_TLOG_HASH_LEN)) {
            rc = wb_error_set(WB_EVERIFY,
                              "the consistency proof leads to size %" PRIu64
                              " but not to this checkpoint (size %" PRIu64 ", root %s)",
                              proof->to, cp->size, new_b64);
            goto out;
        }
        if (proof->from != old_size) {
            rc = wb_error_set(WB_EVERIFY,
                              "the consistency proof starts at size %" PRIu64
                              ", but the last checkpoint this witness cosigned for %s has size "
                              "%" PRIu64 "%s",
                              proof->from, cp->origin, old_size, old ? "" : " (none yet)");
            goto out;
        }
        if (old && !wb_digest_equal(proof->old_root.bytes, old->root.bytes, WB_TLOG_HASH_LEN)) {
            rc = wb_error_set(WB_EVERIFY,
                              "the consistency proof starts from another tree of size %" PRIu64
                              " than the one this witness cosigned for %s (root %s): a fork?",
                              old_size, cp->origin, old_b64);
            goto out;
        }
    }
    if (!old || old_size == 0) {
        /* nothing to be consistent with: the RFC has no proof from the empty
         * tree, and the spec wants none (an empty tree has but one root) */
        if (proof && proof->n_hashes != 0) {
            rc = wb_error_set(WB_EVERIFY,
                              "the consistency proof from size 0 must be empty; it has %zu hashes",
                              proof->n_hashes);
            goto out;
        }
        if (old && cp->size == 0 &&
            !wb_digest_equal(old->root.bytes, cp->root.bytes, WB_TLOG_HASH_LEN)) {
            rc = wb_error_set(WB_EVERIFY,
                              "fork (split view) of %s: two trees of size 0: cosigned root %s, "
                              "this checkpoint's root %s",
                              cp->origin, old_b64, new_b64);
            goto out;
        }
        goto out;
    }
    if (cp->size < old_size) {
        rc = wb_error_set(WB_EVERIFY,
                          "rollback: this checkpoint of %s has size %" PRIu64
                          ", smaller than size %" PRIu64 " that this witness already cosigned",
                          cp->origin, cp->size, old_size);
        goto out;
    }
    if (cp->size == old_size) {
        if (!wb_digest_equal(old->root.bytes, cp->root.bytes, WB_TLOG_HASH_LEN)) {
            rc = wb_error_set(WB_EVERIFY,
                              "fork (split view) of %s: two trees of size %" PRIu64
                              ": this witness cosigned root %s, this checkpoint has root %s",
                              cp->origin, cp->size, old_b64, new_b64);
            goto out;
        }
        if (proof && proof->n_hashes != 0) {
            rc = wb_error_set(WB_EVERIFY,
                              "the consistency proof between equal sizes must be empty; it has "
                              "%zu hashes",
                              proof->n_hashes);
            goto out;
        }
        goto out;
    }
    if (!proof) {
        rc = wb_error_set(WB_EVERIFY,
                          "this witness last cosigned size %" PRIu64 " of %s; a consistency proof "
                          "from it to size %" PRIu64 " is needed (--proof)",
                          old_size, cp->origin, cp->size);
        goto out;
    }
    /* the roots come from the verified state and checkpoint, never from the
     * proof file */
    rc = wb_tlog_verify_consistency(old_size, cp->size, proof->hashes, proof->n_hashes, &old->root,
                                    &cp->root);
    if (rc == WB_EVERIFY)
        rc = wb_error_prefix(rc,
                             "the consistency proof from size %" PRIu64
                             " (root %s) to size %" PRIu64 " (root %s) of %s does not verify: ",
                             old_size, old_b64, cp->size, new_b64, cp->origin);
out:
    wb_free(old_b64);
    wb_free(new_b64);
    return rc;
}

/* The submitted note with any signature line of the witness's own key
 * dropped (a resubmitted cosigned checkpoint gets one fresh cosignature, not
 * two) and the new cosignature line appended. */
static int build_cosigned(char **out, size_t *out_len, const wb_note *note,
                          const wb_note_signer *witness, const char *line, size_t line_len)
{
    wb_buf buf = {0};
    unsigned char *raw = NULL;
    const char *text;
    size_t text_len, i, kept = 0;
    int rc = 0;

    text = wb_note_text(note, &text_len);
    wb_buf_append(&buf, text, text_len);
    wb_buf_putc(&buf, '\n');
    for (i = 0; i < wb_note_signature_count(note); i++) {
        const wb_note_signature *sig = wb_note_signature_at(note, i);
        size_t raw_len;
        if (strcmp(sig->name, wb_note_signer_name(witness)) == 0 &&
            sig->key_id == wb_note_signer_key_id(witness))
            continue;
        if (wb_add_overflows(sig->signature_len, 4, &raw_len)) {
            rc = wb_error_set(WB_ELIMIT, "witness: signature too long");
            goto out;
        }
        wb_free(raw);
        raw = wb_malloc(raw_len);
        if (!raw) {
            rc = wb_error_set(WB_ENOMEM, "witness: out of memory");
            goto out;
        }
        raw[0] = (unsigned char)(sig->key_id >> 24);
        raw[1] = (unsigned char)(sig->key_id >> 16);
        raw[2] = (unsigned char)(sig->key_id >> 8);
        raw[3] = (unsigned char)sig->key_id;
        memcpy(raw + 4, sig->signature, sig->signature_len);
        wb_buf_puts(&buf, "\xe2\x80\x94 ");
        wb_buf_puts(&buf, sig->name);
        wb_buf_putc(&buf, ' ');
        wb_buf_base64(&buf, raw, raw_len);
        wb_buf_putc(&buf, '\n');
        kept++;
    }
    if (kept >= WB_NOTE_MAX_SIGNATURES) {
        rc = wb_error_set(WB_ELIMIT,
                          "the checkpoint carries %zu signatures; with the cosignature it would "
                          "exceed %d",
                          kept, WB_NOTE_MAX_SIGNATURES);
        goto out;
    }
    wb_buf_append(&buf, line, line_len);
    if (buf.failed) {
        rc = wb_error_set(WB_ENOMEM, "witness: out of memory");
        goto out;
    }
    rc = wb_buf_detach(&buf, out, out_len);
out:
    wb_free(raw);
    wb_buf_free(&buf);
    return rc;
}

/* The rules a witness step applies, under the lock, to the state's
 * checkpoint `old` (NULL for none) and the verified `cp`: 0 to cosign, a
 * negative code (with *verdict set) to refuse. */
typedef int (*rules_fn)(const wb_checkpoint *old, const wb_checkpoint *cp, void *payload,
                        wb_witness_verdict *verdict);

/* wb_witness_cosign() and wb_witness_add_checkpoint() differ only in their
 * rules: verify, lock, load, check, sign, record durably, answer. */
static int witness_step(wb_witness_result *out, wb_witness_verdict *verdict, const char *state_dir,
                        const wb_note_signer *witness, const wb_note_verifier *log_key,
                        const char *checkpoint, size_t len, rules_fn rules, void *payload,
                        uint64_t timestamp)
{
    wb_checkpoint *cp = NULL, *old = NULL;
    wb_note *note = NULL;
    char *line = NULL, *cosigned = NULL, *state_path = NULL, *origin = NULL, *root_b64 = NULL;
    char *cosignature = NULL;
    char name[STATE_NAME_LEN];
    size_t line_len = 0, cosigned_len = 0, text_len = 0;
    const char *text;
    bool found = false;
    int dir_fd = -1, lock_fd = -1, rc;

    *verdict = WB_WITNESS_FAILED;
    if (!out || !state_dir || !*state_dir || !witness || !log_key || !checkpoint)
        return wb_error_set(WB_EINVAL, "witness: invalid argument");
    memset(out, 0, sizeof(*out));
    if (wb_note_signer_type(witness) != WB_NOTE_COSIGNATURE_V1)
        return wb_error_set(WB_EINVAL, "witness key %s is not a cosignature (type 0x04) key",
                            wb_note_signer_name(witness));
    if (wb_note_verifier_type(log_key) != WB_NOTE_ED25519)
        return wb_error_set(WB_EINVAL, "log key %s is not an Ed25519 (type 0x01) note key",
                            wb_note_verifier_name(log_key));

    /* the checkpoint first: nothing about an unverified one touches the state */
    rc = wb_checkpoint_open(&cp, &note, checkpoint, len, wb_note_verifier_name(log_key), log_key);
    if (rc < 0) {
        if (rc == WB_EVERIFY)
            *verdict = WB_WITNESS_BAD_SIGNATURE;
        else if (rc == WB_EFORMAT || rc == WB_ELIMIT)
            *verdict = WB_WITNESS_MALFORMED;
        wb_error_prefix(rc, "checkpoint: ");
        goto out;
    }
    if ((rc = state_name(name, cp->origin)) < 0)
        goto out;
    if ((rc = dir_fd = open_state_dir(state_dir)) < 0)
        goto out;
    if ((rc = lock_fd = lock_state(dir_fd, state_dir)) < 0)
        goto out;

    /* from here to the rename, the lock makes check and record one step */
    rc = load_state(&old, &found, dir_fd, state_dir, name, cp->origin, log_key);
    if (rc < 0)
        goto out;
    if ((rc = rules(old, cp, payload, verdict)) < 0)
        goto out;

    text = wb_note_text(note, &text_len);
    if ((rc = wb_cosig_sign(&line, &line_len, witness, text, text_len, timestamp)) < 0 ||
        (rc = build_cosigned(&cosigned, &cosigned_len, note, witness, line, line_len)) < 0)
        goto out;
    if ((rc = hash_b64(&root_b64, &cp->root)) < 0)
        goto out;
    if (strlen(root_b64) + 1 != sizeof(out->root_b64)) {
        rc = wb_error_set(WB_EINTERNAL, "witness: a root of unexpected length");
        goto out;
    }
    state_path = wb_asprintf("%s/%s", state_dir, name);
    origin = wb_strdup(cp->origin);
    cosignature = wb_strndup(line, line_len);
    if (!state_path || !origin || !cosignature) {
        rc = wb_error_set(WB_ENOMEM, "witness: out of memory");
        goto out;
    }
    /* durable (file and directory fsync()ed) before anyone sees the
     * cosignature */
    if ((rc = wb_write_file_atomic(state_path, cosigned, cosigned_len, 0600, true)) < 0)
        goto out;

    out->cosigned = cosigned;
    out->cosigned_len = cosigned_len;
    out->cosignature = cosignature;
    out->cosignature_len = line_len;
    out->origin = origin;
    out->size = cp->size;
    out->root = cp->root;
    memcpy(out->root_b64, root_b64, sizeof(out->root_b64));
    out->had_state = found;
    out->previous_size = old ? old->size : 0;
    cosigned = NULL;
    cosignature = NULL;
    origin = NULL;
    *verdict = WB_WITNESS_COSIGNED;
    rc = 0;
out:
    if (lock_fd >= 0)
        close(lock_fd);
    if (dir_fd >= 0)
        close(dir_fd);
    wb_free(root_b64);
    wb_free(origin);
    wb_free(cosignature);
    wb_free(state_path);
    wb_free(cosigned);
    wb_free(line);
    wb_checkpoint_free(old);
    wb_checkpoint_free(cp);
    wb_note_free(note);
    return rc;
}

typedef struct {
    const wb_witness_proof *proof;
} cosign_payload;

static int cosign_rules(const wb_checkpoint *old, const wb_checkpoint *cp, void *payload,
                        wb_witness_verdict *verdict)
{
    const cosign_payload *cosign = payload;
    (void)verdict;
    return check_rules(old, cp, cosign->proof);
}

int wb_witness_cosign(wb_witness_result *out, const char *state_dir, const wb_note_signer *witness,
                      const wb_note_verifier *log_key, const char *checkpoint, size_t len,
                      const wb_witness_proof *proof, uint64_t timestamp)
{
    cosign_payload payload = {.proof = proof};
    wb_witness_verdict verdict;

    return witness_step(out, &verdict, state_dir, witness, log_key, checkpoint, len, cosign_rules,
                        &payload, timestamp);
}

/* ---------- add-checkpoint (c2sp.org/tlog-witness) ---------- */

/* A strict decimal: no sign, no leading zeros ("0" is one), fits 64 bits. */
static bool parse_decimal(uint64_t *out, const char *text, size_t len)
{
    uint64_t value = 0;
    size_t i;

    if (len == 0 || (text[0] == '0' && len > 1))
        return false;
    for (i = 0; i < len; i++) {
        unsigned digit;
        if (text[i] < '0' || text[i] > '9')
            return false;
        digit = (unsigned)(text[i] - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    *out = value;
    return true;
}

/* One proof line: standard padded base64 of exactly 32 bytes. */
static int parse_proof_line(wb_tlog_hash *out, const char *text, size_t len, size_t line_no)
{
    int rc = strict_hash_b64(out, text, len);

    if (rc == WB_ENOMEM || rc == 0)
        return rc;
    return wb_error_set(WB_EFORMAT,
                        "add-checkpoint: line %zu is not a proof hash (standard base64 of %d "
                        "bytes) nor the empty line before the checkpoint",
                        line_no, WB_TLOG_HASH_LEN);
}

int wb_witness_add_parse(wb_witness_add *out, const char *body, size_t len)
{
    const char *line, *nl;
    size_t pos, line_len, line_no = 1;
    int rc;

    if (!out || (!body && len > 0))
        return wb_error_set(WB_EINVAL, "witness: invalid argument");
    memset(out, 0, sizeof(*out));
    if (len > WB_WITNESS_ADD_MAX_SIZE)
        return wb_error_set(WB_ELIMIT, "add-checkpoint: the body is larger than %zu bytes",
                            WB_WITNESS_ADD_MAX_SIZE);
    nl = len ? memchr(body, '\n', len) : NULL;
    if (!nl)
        return wb_error_set(WB_EFORMAT, "add-checkpoint: no old size line");
    line_len = (size_t)(nl - body);
    if (line_len < 4 || memcmp(body, "old ", 4) != 0 ||
        !parse_decimal(&out->old_size, body + 4, line_len - 4))
        return wb_error_set(WB_EFORMAT,
                            "add-checkpoint: the first line must be \"old N\" with N a decimal "
                            "size without leading zeros");
    pos = line_len + 1;
    for (;;) {
        line_no++;
        line = body + pos;
        nl = pos < len ? memchr(line, '\n', len - pos) : NULL;
        if (!nl)
            return wb_error_set(WB_EFORMAT,
                                "add-checkpoint: line %zu does not end in a newline; the empty "
                                "line before the checkpoint is missing",
                                line_no);
        line_len = (size_t)(nl - line);
        pos += line_len + 1;
        if (line_len == 0)
            break;
        if (out->n_proof == WB_WITNESS_ADD_MAX_PROOF)
            return wb_error_set(WB_ELIMIT, "add-checkpoint: more than %d consistency proof lines",
                                WB_WITNESS_ADD_MAX_PROOF);
        if ((rc = parse_proof_line(&out->proof[out->n_proof], line, line_len, line_no)) < 0)
            return rc;
        out->n_proof++;
    }
    out->checkpoint = body + pos;
    out->checkpoint_len = len - pos;
    nl = out->checkpoint_len ? memchr(out->checkpoint, '\n', out->checkpoint_len) : NULL;
    if (!nl || nl == out->checkpoint) {
        memset(out, 0, sizeof(*out));
        return wb_error_set(WB_EFORMAT,
                            "add-checkpoint: no checkpoint after the empty line (its origin line "
                            "must be non-empty and end in a newline)");
    }
    out->origin = out->checkpoint;
    out->origin_len = (size_t)(nl - out->checkpoint);
    return 0;
}

typedef struct {
    const wb_witness_add *request;
    uint64_t recorded_size;
} add_payload;

/* The rules of the add-checkpoint call, in the spec's order. */
static int add_rules(const wb_checkpoint *old, const wb_checkpoint *cp, void *payload,
                     wb_witness_verdict *verdict)
{
    add_payload *add = payload;
    const wb_witness_add *req = add->request;
    uint64_t recorded = old ? old->size : 0;
    int rc;

    add->recorded_size = recorded;
    if (req->old_size > cp->size) {
        *verdict = WB_WITNESS_MALFORMED;
        return wb_error_set(WB_EFORMAT,
                            "old size %" PRIu64 " is larger than the checkpoint's size %" PRIu64,
                            req->old_size, cp->size);
    }
    if (req->old_size != recorded) {
        *verdict = WB_WITNESS_CONFLICT;
        return wb_error_set(WB_EVERIFY,
                            "old size %" PRIu64 ", but the last checkpoint this witness cosigned "
                            "for %s has size %" PRIu64,
                            req->old_size, cp->origin, recorded);
    }
    if (req->old_size == 0 || req->old_size == cp->size) {
        /* no proof from the empty tree, none between equal sizes */
        if (req->n_proof != 0) {
            *verdict = WB_WITNESS_BAD_PROOF;
            return wb_error_set(WB_EVERIFY,
                                "the consistency proof from size %" PRIu64 " to size %" PRIu64
                                " must be empty; it has %zu hashes",
                                req->old_size, cp->size, req->n_proof);
        }
        /* the same size (an empty tree included) must have the same root */
        if (old && old->size == cp->size &&
            !wb_digest_equal(old->root.bytes, cp->root.bytes, WB_TLOG_HASH_LEN)) {
            *verdict = WB_WITNESS_FORK;
            return wb_error_set(WB_EVERIFY,
                                "fork (split view) of %s: two trees of size %" PRIu64
                                ": this checkpoint's root is not the one this witness cosigned",
                                cp->origin, cp->size);
        }
        return 0;
    }
    /* old is the recorded tree here (recorded == old_size > 0); the roots
     * come from it and from the verified checkpoint, never from the client */
    rc = wb_tlog_verify_consistency(old->size, cp->size, req->proof, req->n_proof, &old->root,
                                    &cp->root);
    if (rc == WB_EVERIFY) {
        *verdict = WB_WITNESS_BAD_PROOF;
        return wb_error_prefix(rc,
                               "the consistency proof from size %" PRIu64 " to size %" PRIu64
                               " of %s does not verify: ",
                               old->size, cp->size, cp->origin);
    }
    return rc;
}

int wb_witness_add_checkpoint(wb_witness_result *out, wb_witness_verdict *verdict_out,
                              uint64_t *recorded_size_out, const char *state_dir,
                              const wb_note_signer *witness, const wb_note_verifier *log_key,
                              const wb_witness_add *request, uint64_t timestamp)
{
    add_payload payload = {.request = request};
    wb_witness_verdict verdict;
    int rc;

    if (recorded_size_out)
        *recorded_size_out = 0;
    if (verdict_out)
        *verdict_out = WB_WITNESS_FAILED;
    if (!verdict_out || !request || !request->checkpoint ||
        request->n_proof > WB_WITNESS_ADD_MAX_PROOF)
        return wb_error_set(WB_EINVAL, "witness: invalid argument");
    rc = witness_step(out, &verdict, state_dir, witness, log_key, request->checkpoint,
                      request->checkpoint_len, add_rules, &payload, timestamp);
    *verdict_out = verdict;
    if (recorded_size_out && (verdict == WB_WITNESS_CONFLICT || verdict == WB_WITNESS_FORK))
        *recorded_size_out = payload.recorded_size;
    return rc;
}
