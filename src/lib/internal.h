/*
 * internal.h: helpers shared by the modules of libwaybill, never exported.
 *
 * All allocation goes through wb_malloc() and friends: sizes are checked for
 * overflow in one place, and a test can make the n-th allocation fail
 * (wb_alloc_fail_after()) to check that every error path frees what it took
 * and crashes nowhere (curl's torture mode, SQLite's OOM tests).
 */
#ifndef WAYBILL_INTERNAL_H
#define WAYBILL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "waybill/waybill.h"

#ifdef WB_BUILDING_LIBRARY
#define WB_INTERNAL __attribute__((visibility("hidden")))
#else
#define WB_INTERNAL
#endif

/* --- allocation (alloc.c) --- */

void *wb_malloc(size_t size);
void *wb_calloc(size_t count, size_t size);
/* realloc to count*size bytes, refusing overflow; on failure `ptr` is kept. */
void *wb_reallocarray(void *ptr, size_t count, size_t size);
char *wb_strdup(const char *s);
char *wb_strndup(const char *s, size_t n);
void *wb_memdup(const void *p, size_t n);
/* printf into a new string; NULL on allocation failure. */
char *wb_asprintf(const char *fmt, ...) WB_PRINTF(1, 2);

/* Testing hook: the n-th allocation from now fails (n >= 1) and every one
 * after it too, until called again with 0, which turns failures off. Returns
 * how many allocations have been made since the last call. Not thread-safe:
 * for single-threaded tests only. */
size_t wb_alloc_fail_after(size_t n);

/* size arithmetic that reports overflow instead of wrapping */
static inline bool wb_add_overflows(size_t a, size_t b, size_t *out)
{
    return __builtin_add_overflow(a, b, out);
}
static inline bool wb_mul_overflows(size_t a, size_t b, size_t *out)
{
    return __builtin_mul_overflow(a, b, out);
}

/* --- growable byte buffer (alloc.c) --- */

typedef struct {
    char *data;
    size_t len;
    size_t cap;
    bool failed; /* an append failed: the buffer is incomplete */
} wb_buf;

int wb_buf_append(wb_buf *buf, const void *data, size_t len);
/* Make room for `extra` more bytes (and the final NUL) without adding them. */
int wb_buf_reserve(wb_buf *buf, size_t extra);
int wb_buf_putc(wb_buf *buf, char c);
int wb_buf_puts(wb_buf *buf, const char *s);
int wb_buf_printf(wb_buf *buf, const char *fmt, ...) WB_PRINTF(2, 3);
/* NUL-terminate and hand the data to the caller (wb_free()); resets buf. */
int wb_buf_detach(wb_buf *buf, char **out, size_t *out_len);
void wb_buf_free(wb_buf *buf);

/* --- statements (statement.c) --- */

/* Append the head of an in-toto Statement v1, `{"_type":...,"subject":[...]`
 * with one subject per regular file of `tree` (name = path, digest.sha256),
 * for the caller to go on with ",\"predicateType\"..." and close. */
int wb_buf_statement_head(wb_buf *b, const wb_tree *tree);

/* --- files (fileio.c) --- */

/* Read a whole regular file of at most `max` bytes into a NUL-terminated
 * buffer (wb_free()). Refuses non-regular files and files over the bound
 * (WB_ELIMIT), also when the file grows while being read. */
int wb_read_file(char **out, size_t *out_len, const char *path, size_t max);

/* The same from an open descriptor (left open); `path` names it in messages. */
int wb_read_fd(char **out, size_t *out_len, int fd, const char *path, size_t max);

/* open(path) for reading without blocking on FIFOs or becoming a
 * controlling terminal; returns the descriptor or a negative WB_E* code
 * with the message set. */
int wb_open_read(const char *path);

/* Open `rel` (a relative '/'-separated path) beneath the directory open at
 * `root` with `flags` (O_CLOEXEC and O_NOFOLLOW are added), following no
 * symbolic link and never leaving `root`: openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), or, where the kernel lacks
 * it, one O_NOFOLLOW openat per component ("." and ".." refused with
 * EXDEV). The descriptor, or -1 with errno set. */
int wb_open_beneath(int root, const char *rel, int flags);

/* write() all `len` bytes, again after EINTR and short writes; 0 or -1
 * with errno set. */
int wb_write_all(int fd, const void *data, size_t len);

/* Write `len` bytes to `path` atomically: temporary file in the same
 * directory with `mode`, fsync, rename, fsync of the directory. With
 * `overwrite` false an existing `path` is refused (WB_EEXISTS). */
int wb_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         bool overwrite);

/* Pseudo file systems (fileio.c): the one table of what a walk of a whole
 * system must not enter (proc, sysfs, devpts, cgroup and cgroup2, debugfs,
 * tracefs, securityfs, bpf, pstore, configfs, fusectl, hugetlbfs, mqueue,
 * binfmt_misc, selinuxfs, smackfs, efivarfs, nsfs, autofs, rpc_pipefs,
 * nfsd, xenfs, openpromfs, usbfs). tmpfs is not on it: /tmp, /run and
 * /dev/shm hold real files a review must see. devtmpfs reports tmpfs's
 * magic, so a tmpfs mounted on a directory named "dev" counts as
 * devtmpfs.
 *
 * wb_pseudo_fs_kind(): the name for a statfs f_type, or NULL.
 * wb_pseudo_fs_of(): the same for the directory open at `fd` (fstatfs),
 * whose base name is `name` ("" for a root); `mount_point` says it lies on
 * another device than its parent, which the "dev" rule needs. NULL when it
 * is an ordinary file system or fstatfs fails. */
const char *wb_pseudo_fs_kind(unsigned long f_type);
const char *wb_pseudo_fs_of(int fd, const char *name, bool mount_point);

/* --- base64 (base64.c) --- */

/* Standard alphabet with padding; *out is NUL-terminated (wb_free()). */
int wb_base64_encode(char **out, size_t *out_len, const void *data, size_t len);
/* The same, appended to `buf`. */
int wb_buf_base64(wb_buf *buf, const void *data, size_t len);
/* Accepts the standard and the URL-safe alphabets, with or without padding;
 * refuses whitespace, mixed garbage and non-zero trailing bits. */
int wb_base64_decode(unsigned char **out, size_t *out_len, const char *text, size_t len);

/* --- text (text.c) --- */

/* 1 when the `len` bytes are well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF), else 0. */
bool wb_utf8_valid(const char *s, size_t len);

/* Decode one code point from s[0..len) (len >= 1), strictly as above.
 * Returns the bytes used, or 0 when they are not valid UTF-8. */
size_t wb_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* A copy of `s` fit to print on one line: backslash, control characters and
 * DEL escaped as \\, \n, \t, \xHH. NULL on allocation failure (wb_free()). */
char *wb_escape_display(const char *s);

/* Append `s` (`len` bytes of UTF-8) as a JSON string with the minimal
 * escapes of RFC 8785: \" \\ \b \t \n \f \r and \u00xx for other
 * control characters; everything else as is. */
int wb_buf_json_string(wb_buf *buf, const char *s, size_t len);

/* --- keys (key.c) --- */

/* The 32-byte RFC 8032 seed of an Ed25519 private key, so that a waybill
 * key can sign C2SP notes (wb_note_signer_from_seed). WB_EINVAL for a key of
 * another type or without its private half. Wipe `seed` after use. */
int wb_key_ed25519_seed(unsigned char seed[32], const wb_key *key);

/* --- digest helpers (digest.c) --- */

/* Hash `fd` to its end with the caller's context and buffer (reset first),
 * so hashing threads reuse both across files. */
int wb_digest_fd_buffered(unsigned char *out, uint64_t *bytes_out, wb_digest_ctx *ctx, int fd,
                          unsigned char *buf, size_t buf_size, const char *name);

#endif
