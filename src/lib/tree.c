/*
 * tree.c: walk a delivery safely and hash its files in parallel.
 *
 * Directories. The walker (the calling thread) reads directories one at a
 * time and records what it finds; regular files go through a bounded queue
 * to one hashing thread per core. Every open goes through wb_open_beneath() (fileio.c):
 * openat2() with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS relative to the root,
 * so a path that is swapped for a symlink or a ".." trick between the walk
 * and the hashing fails instead of escaping the tree (where openat2 is
 * missing, the same rule is kept by opening one component at a time with
 * O_NOFOLLOW). A file is also checked to be a regular file on the open
 * descriptor (fstat) and opened with O_NONBLOCK, so a FIFO swapped in cannot
 * hang us.
 *
 * Archives. libarchive streams the archive once; each member is hashed as
 * it is decompressed (decompression is sequential anyway). Names are
 * normalised (leading "./", empty and "." components dropped) and refused
 * when absolute or holding "..". Hard links become regular files with the
 * digest of their target, which must come earlier in the archive; anything
 * else (devices, FIFOs, sockets) is refused.
 *
 * Memory. Entries live in fixed-size chunks (their addresses never move, so
 * hashing threads can write digests into them while the walker adds more)
 * and their strings in an arena; nothing is proportional to file sizes.
 *
 * Reviews of whole systems (wb_tree_options: one_file_system,
 * skip_pseudo_fs, tolerate_unreadable) must not stop on one unreadable
 * file nor wander into /proc: what they leave out becomes a note, and an
 * entry a hashing thread could not read is marked dropped and left out by
 * tree_finish(). A pseudo file system is recognised by its statfs magic
 * (wb_pseudo_fs_of(), one table shared with the inventory walk), checked
 * only at mount points (a directory on another st_dev than its parent),
 * so it costs one fstatfs per mount. Excluded directories are pruned
 * before they are opened, always.
 *
 * A hook (tree_internal.h) lets the content scan see each regular file's
 * bytes as they are hashed: with one, a hashing thread reads a file whole
 * into its buffer (up to the hook's bound), hashes it from there and hands
 * the same bytes over, so a review reads each file once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "internal.h"
#include "tree_internal.h"
#include "waybill/tree.h"

#define ENTRY_CHUNK   4096
#define ARENA_BLOCK   (1u << 20)
#define QUEUE_CAP     1024
#define HASH_BUF_SIZE (1u << 20)
#define MAX_DEPTH     4096
#define MAX_LINK_SIZE 4096
#define MAX_THREADS   64
#define MAX_NOTES     1000
/* an entry left out (tolerate_unreadable): tree_finish drops it */
#define ENTRY_DROPPED ((wb_tree_entry_type)0)

typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    char data[];
} arena_block;

struct wb_tree {
    wb_tree_source source;
    wb_tree_entry **chunks;
    size_t nchunks, chunks_cap;
    size_t count;
    wb_tree_entry **sorted;
    arena_block *arena;
    uint64_t files, bytes;
    /* what the walk left out and why (tolerate_unreadable and friends);
     * the walker and the hashing threads add to it under notes_lock */
    pthread_mutex_t notes_lock;
    char **notes;
    size_t nnotes;
    uint64_t notes_dropped;
};

/* ---------- storage ---------- */

static char *arena_strndup(wb_tree *tree, const char *s, size_t len)
{
    arena_block *block = tree->arena;
    char *copy;
    if (!block || block->cap - block->used < len + 1) {
        size_t cap = len + 1 > ARENA_BLOCK ? len + 1 : ARENA_BLOCK;
        block = wb_malloc(sizeof(*block) + cap);
        if (!block)
            return NULL;
        block->next = tree->arena;
        block->used = 0;
        block->cap = cap;
        tree->arena = block;
    }
    copy = block->data + block->used;
    memcpy(copy, s, len);
    copy[len] = '\0';
    block->used += len + 1;
    return copy;
}

static wb_tree_entry *tree_add(wb_tree *tree, const char *path, size_t path_len,
                               wb_tree_entry_type type, uint32_t mode)
{
    wb_tree_entry *entry;
    size_t slot = tree->count % ENTRY_CHUNK;

    if (slot == 0 && tree->count / ENTRY_CHUNK == tree->nchunks) {
        if (tree->nchunks == tree->chunks_cap) {
            size_t cap = tree->chunks_cap ? tree->chunks_cap * 2 : 16;
            wb_tree_entry **grown = wb_reallocarray(tree->chunks, cap, sizeof(*grown));
            if (!grown)
                return NULL;
            tree->chunks = grown;
            tree->chunks_cap = cap;
        }
        tree->chunks[tree->nchunks] = wb_calloc(ENTRY_CHUNK, sizeof(wb_tree_entry));
        if (!tree->chunks[tree->nchunks])
            return NULL;
        tree->nchunks++;
    }
    entry = &tree->chunks[tree->count / ENTRY_CHUNK][slot];
    memset(entry, 0, sizeof(*entry));
    entry->path = arena_strndup(tree, path, path_len);
    if (!entry->path)
        return NULL;
    entry->type = type;
    entry->mode = mode & 07777;
    tree->count++;
    return entry;
}

static wb_tree_entry *tree_add_owned(wb_tree *tree, const char *path, size_t path_len,
                                     wb_tree_entry_type type, uint32_t mode, uint64_t uid,
                                     uint64_t gid)
{
    wb_tree_entry *entry = tree_add(tree, path, path_len, type, mode);
    if (entry) {
        entry->uid = (uint32_t)uid;
        entry->gid = (uint32_t)gid;
    }
    return entry;
}

/* Record "PATH: why" (the path escaped for display). Past MAX_NOTES, only
 * counted. Out of memory also only counts: a note is never worth failing
 * the walk it is meant to keep going. */
static void tree_note(wb_tree *tree, const char *path, const char *fmt, ...) WB_PRINTF(3, 4);
static void tree_note(wb_tree *tree, const char *path, const char *fmt, ...)
{
    char *shown = NULL, *why = NULL, *note = NULL;
    va_list ap;

    pthread_mutex_lock(&tree->notes_lock);
    if (tree->nnotes < MAX_NOTES) {
        if (!tree->notes)
            tree->notes = wb_calloc(MAX_NOTES, sizeof(*tree->notes));
        va_start(ap, fmt);
        if (vasprintf(&why, fmt, ap) < 0)
            why = NULL;
        va_end(ap);
        shown = wb_escape_display(path && *path ? path : ".");
        if (tree->notes && why && shown)
            note = wb_asprintf("%s: %s", shown, why);
    }
    if (note)
        tree->notes[tree->nnotes++] = note;
    else
        tree->notes_dropped++;
    pthread_mutex_unlock(&tree->notes_lock);
    free(why);
    wb_free(shown);
}

static int note_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t wb_tree_note_count(const wb_tree *tree)
{
    return tree ? tree->nnotes : 0;
}

const char *wb_tree_note_at(const wb_tree *tree, size_t i)
{
    return tree && i < tree->nnotes ? tree->notes[i] : NULL;
}

uint64_t wb_tree_notes_dropped(const wb_tree *tree)
{
    return tree ? tree->notes_dropped : 0;
}

void wb_tree_free(wb_tree *tree)
{
    size_t i;
    if (!tree)
        return;
    for (i = 0; i < tree->nchunks; i++)
        wb_free(tree->chunks[i]);
    wb_free(tree->chunks);
    wb_free(tree->sorted);
    for (i = 0; i < tree->nnotes; i++)
        wb_free(tree->notes[i]);
    wb_free(tree->notes);
    pthread_mutex_destroy(&tree->notes_lock);
    while (tree->arena) {
        arena_block *next = tree->arena->next;
        wb_free(tree->arena);
        tree->arena = next;
    }
    wb_free(tree);
}

int wb_tree_path_cmp(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    while (*x && *x == *y) {
        x++;
        y++;
    }
    if (*x == *y)
        return 0;
    /* '/' before every other byte, NUL (end) before '/' */
    {
        int cx = *x == '/' ? 1 : *x ? *x + 1 : 0;
        int cy = *y == '/' ? 1 : *y ? *y + 1 : 0;
        return cx < cy ? -1 : 1;
    }
}

static int entry_ptr_cmp(const void *a, const void *b)
{
    const wb_tree_entry *const *x = a, *const *y = b;
    return wb_tree_path_cmp((*x)->path, (*y)->path);
}

/* 1 when `child` lies inside directory `dir` */
static bool is_inside(const char *dir, const char *child)
{
    size_t n = strlen(dir);
    return strncmp(dir, child, n) == 0 && child[n] == '/';
}

/* Sort, refuse duplicates and files used as directories, mark empty dirs,
 * count files and bytes. */
static int tree_finish(wb_tree *tree)
{
    size_t i;
    tree->sorted = wb_calloc(tree->count ? tree->count : 1, sizeof(*tree->sorted));
    if (!tree->sorted)
        return wb_error_set(WB_ENOMEM, "out of memory");
    {
        size_t kept = 0;
        for (i = 0; i < tree->count; i++) {
            wb_tree_entry *e = &tree->chunks[i / ENTRY_CHUNK][i % ENTRY_CHUNK];
            if (e->type != ENTRY_DROPPED)
                tree->sorted[kept++] = e;
        }
        tree->count = kept;
    }
    qsort(tree->sorted, tree->count, sizeof(*tree->sorted), entry_ptr_cmp);
    if (tree->nnotes > 1)
        qsort(tree->notes, tree->nnotes, sizeof(*tree->notes), note_cmp);
    tree->files = tree->bytes = 0;
    for (i = 0; i < tree->count; i++) {
        wb_tree_entry *e = tree->sorted[i];
        const wb_tree_entry *next = i + 1 < tree->count ? tree->sorted[i + 1] : NULL;
        if (next && strcmp(e->path, next->path) == 0)
            return wb_error_set(WB_EFORMAT, "%s: the name appears twice", e->path);
        if (e->type != WB_TREE_DIRECTORY && next && is_inside(e->path, next->path))
            return wb_error_set(WB_EFORMAT, "%s: is a %s but %s lies under it", e->path,
                                e->type == WB_TREE_FILE ? "file" : "symbolic link", next->path);
        if (e->type == WB_TREE_DIRECTORY)
            e->empty = !(next && is_inside(e->path, next->path));
        if (e->type == WB_TREE_FILE) {
            tree->files++;
            tree->bytes += e->size;
        }
    }
    return 0;
}

wb_tree_source wb_tree_get_source(const wb_tree *tree)
{
    return tree->source;
}

size_t wb_tree_count(const wb_tree *tree)
{
    return tree ? tree->count : 0;
}

const wb_tree_entry *wb_tree_get(const wb_tree *tree, size_t i)
{
    return tree && i < tree->count ? tree->sorted[i] : NULL;
}

const wb_tree_entry *wb_tree_find(const wb_tree *tree, const char *path)
{
    size_t lo = 0, hi;
    if (!tree || !path)
        return NULL;
    hi = tree->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = wb_tree_path_cmp(tree->sorted[mid]->path, path);
        if (c == 0)
            return tree->sorted[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

uint64_t wb_tree_file_count(const wb_tree *tree)
{
    return tree ? tree->files : 0;
}

uint64_t wb_tree_total_bytes(const wb_tree *tree)
{
    return tree ? tree->bytes : 0;
}

static bool excluded(const wb_tree_options *opts, const char *path)
{
    size_t i;
    for (i = 0; i < opts->nexcludes; i++)
        if (fnmatch(opts->excludes[i], path, 0) == 0)
            return true;
    return false;
}

static int check_name(const char *path, size_t len)
{
    if (!wb_utf8_valid(path, len)) {
        char *shown = wb_escape_display(path);
        int rc =
            wb_error_set(WB_EFORMAT, "%s: the name is not valid UTF-8; rename it or exclude it",
                         shown ? shown : "(name)");
        wb_free(shown);
        return rc;
    }
    return 0;
}

/* ---------- the shared state of one hashing run ---------- */

typedef struct {
    wb_tree *tree;
    const wb_tree_options *opts;
    int root_fd;
    dev_t root_dev;
    const wb_tree_hook *hook; /* NULL: hash only */
    void *hook_payload;

    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full, done_cond;
    wb_tree_entry *queue[QUEUE_CAP];
    size_t head, queued;
    bool closed, finished;

    atomic_bool failed;
    int error_code;
    char error_message[1024];

    atomic_uint_fast64_t files_done, bytes_done, files_total, bytes_total;
    atomic_bool walk_done;
} run_state;

static void run_fail(run_state *run, int code)
{
    pthread_mutex_lock(&run->lock);
    if (!atomic_load(&run->failed)) {
        run->error_code = code;
        snprintf(run->error_message, sizeof(run->error_message), "%s", wb_error_last());
        atomic_store(&run->failed, true);
    }
    pthread_cond_broadcast(&run->not_full);
    pthread_cond_broadcast(&run->not_empty);
    pthread_mutex_unlock(&run->lock);
}

/* The walker outruns the hashers, so the queue is mostly full. Once it
 * is, the walker sleeps until it has drained to half, not until one slot
 * frees: else every file hashed would wake it (a context switch per file,
 * measured at a few per cent of a review's time). */
static int queue_push(run_state *run, wb_tree_entry *entry)
{
    pthread_mutex_lock(&run->lock);
    if (run->queued == QUEUE_CAP)
        while (run->queued > QUEUE_CAP / 2 && !atomic_load(&run->failed))
            pthread_cond_wait(&run->not_full, &run->lock);
    if (atomic_load(&run->failed)) {
        pthread_mutex_unlock(&run->lock);
        return -1;
    }
    run->queue[(run->head + run->queued) % QUEUE_CAP] = entry;
    run->queued++;
    pthread_cond_signal(&run->not_empty);
    pthread_mutex_unlock(&run->lock);
    return 0;
}

static wb_tree_entry *queue_pop(run_state *run)
{
    wb_tree_entry *entry = NULL;
    pthread_mutex_lock(&run->lock);
    while (run->queued == 0 && !run->closed && !atomic_load(&run->failed))
        pthread_cond_wait(&run->not_empty, &run->lock);
    if (run->queued > 0 && !atomic_load(&run->failed)) {
        entry = run->queue[run->head];
        run->head = (run->head + 1) % QUEUE_CAP;
        run->queued--;
        if (run->queued == QUEUE_CAP / 2)
            pthread_cond_signal(&run->not_full);
    }
    pthread_mutex_unlock(&run->lock);
    return entry;
}

static void queue_close(run_state *run)
{
    pthread_mutex_lock(&run->lock);
    run->closed = true;
    pthread_cond_broadcast(&run->not_empty);
    pthread_mutex_unlock(&run->lock);
}

static const char *after_path(const char *message, const char *path)
{
    size_t n = strlen(path);
    return strncmp(message, path, n) == 0 && message[n] == ':' && message[n + 1] == ' '
               ? message + n + 2
               : message;
}

/* Leave `entry` out of the tree with a note, when the options allow it;
 * else fail the run. Returns true when the worker may go on. */
static bool file_unreadable(run_state *run, wb_tree_entry *entry, int code, const char *why)
{
    if (run->opts->tolerate_unreadable) {
        tree_note(run->tree, entry->path, "%s; left out", why);
        entry->type = ENTRY_DROPPED;
        return true;
    }
    run_fail(run, wb_error_set(code, "%s: %s", entry->path, why));
    return false;
}

/* Read a whole file of `size` bytes (by fstat) into *buf when it fits in
 * `max`: 1 read, with *len_out its length; 0 too large, or it grew past
 * its size while being read (the caller rewinds and hashes in blocks);
 * -1 a read error (errno set). */
static int read_whole(int fd, uint64_t size, size_t max, unsigned char **buf, size_t *cap,
                      size_t *len_out)
{
    size_t want, len = 0;

    if (size > max)
        return 0;
    want = (size_t)size + 1; /* one byte more, to see growth */
    if (want > *cap) {
        size_t grown_cap = want < HASH_BUF_SIZE ? HASH_BUF_SIZE : want;
        unsigned char *grown = wb_malloc(grown_cap);
        if (!grown) {
            errno = ENOMEM;
            return -1;
        }
        wb_free(*buf);
        *buf = grown;
        *cap = grown_cap;
    }
    while (len < want) {
        ssize_t n = read(fd, *buf + len, want - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len == want)
        return 0;
    *len_out = len;
    return 1;
}

static void *hash_worker(void *arg)
{
    run_state *run = arg;
    unsigned char *buf = wb_malloc(HASH_BUF_SIZE);
    size_t buf_cap = HASH_BUF_SIZE;
    wb_digest_ctx *ctx = NULL;
    wb_tree_entry *entry;
    void *hook_worker = NULL;
    bool hook_started = false;

    if (!buf || wb_digest_new(&ctx, WB_DIGEST_SHA256) < 0) {
        if (!buf)
            wb_error_set(WB_ENOMEM, "out of memory");
        run_fail(run, wb_error_last_code() ? wb_error_last_code() : WB_ENOMEM);
        goto out;
    }
    if (run->hook) {
        int rc = run->hook->worker_new(&hook_worker, run->hook_payload);
        if (rc < 0) {
            run_fail(run, rc);
            goto out;
        }
        hook_started = true;
    }
    while ((entry = queue_pop(run)) != NULL) {
        struct stat st;
        uint64_t bytes = 0;
        size_t len = 0;
        int whole = 0, rc;
        int fd = wb_open_beneath(run->root_fd, entry->path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
            /* a live system changes under the walk: nothing outside the
             * tree is ever opened, and the review goes on */
            if (file_unreadable(run, entry, WB_EIO,
                                errno == ELOOP || errno == EXDEV
                                    ? "replaced by a symbolic link during the walk"
                                    : strerror(errno)))
                continue;
            break;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            if (file_unreadable(run, entry, WB_EIO, "no longer a regular file"))
                continue;
            break;
        }
        if (run->hook)
            whole =
                read_whole(fd, (uint64_t)st.st_size, run->hook->max_buffer, &buf, &buf_cap, &len);
        if (whole < 0 && errno == ENOMEM) {
            close(fd);
            run_fail(run, wb_error_set(WB_ENOMEM, "out of memory"));
            break;
        }
        if (whole < 0) {
            bool go_on = file_unreadable(run, entry, WB_EIO, strerror(errno));
            close(fd);
            if (go_on)
                continue;
            break;
        }
        if (whole > 0) {
            if (wb_digest_update(ctx, buf, len) < 0 || wb_digest_final(ctx, entry->sha256) < 0) {
                close(fd);
                run_fail(run, wb_error_last_code());
                break;
            }
            bytes = len;
        } else {
            if (run->hook && lseek(fd, 0, SEEK_SET) != 0) {
                bool go_on = file_unreadable(run, entry, WB_EIO, strerror(errno));
                close(fd);
                if (go_on)
                    continue;
                break;
            }
            if (wb_digest_fd_buffered(entry->sha256, &bytes, ctx, fd, buf, HASH_BUF_SIZE,
                                      entry->path) < 0) {
                int code = wb_error_last_code();
                close(fd);
                if (code != WB_EIO) {
                    run_fail(run, code);
                    break;
                }
                /* the message is "PATH: why"; the note adds the path itself */
                if (file_unreadable(run, entry, WB_EIO, after_path(wb_error_last(), entry->path)))
                    continue;
                break;
            }
        }
        entry->size = bytes;
        if (run->hook) {
            rc = run->hook->on_file(hook_worker, entry, whole > 0 ? buf : NULL, whole > 0 ? len : 0,
                                    fd, run->hook_payload);
            if (rc < 0) {
                close(fd);
                run_fail(run, rc);
                break;
            }
        }
        close(fd);
        atomic_fetch_add(&run->files_done, 1);
        atomic_fetch_add(&run->bytes_done, bytes);
    }
out:
    if (hook_started)
        run->hook->worker_free(hook_worker, run->hook_payload);
    wb_digest_free(ctx);
    wb_free(buf);
    return NULL;
}

static void *progress_thread(void *arg)
{
    run_state *run = arg;
    pthread_mutex_lock(&run->lock);
    while (!run->finished) {
        struct timespec until;
        wb_tree_progress p;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 200 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&run->done_cond, &run->lock, &until);
        p.files_done = atomic_load(&run->files_done);
        p.bytes_done = atomic_load(&run->bytes_done);
        p.files_total = atomic_load(&run->files_total);
        p.bytes_total = atomic_load(&run->bytes_total);
        p.walk_done = atomic_load(&run->walk_done);
        pthread_mutex_unlock(&run->lock);
        run->opts->progress(&p, run->opts->payload);
        pthread_mutex_lock(&run->lock);
    }
    pthread_mutex_unlock(&run->lock);
    return NULL;
}

/* ---------- directories ---------- */

typedef struct {
    char *path; /* arena string; "" for the root */
    wb_tree_entry *entry;
    size_t depth;
    dev_t dev;        /* the directory's st_dev */
    bool mount_point; /* on another device than its parent (or the root) */
} dir_item;

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int walk_directory(run_state *run)
{
    wb_tree *tree = run->tree;
    dir_item *stack = NULL;
    size_t nstack = 0, cap = 0;
    wb_buf child = {0};
    int rc = 0;

    stack = wb_calloc(16, sizeof(*stack));
    if (!stack)
        return wb_error_set(WB_ENOMEM, "out of memory");
    cap = 16;
    stack[nstack++] = (dir_item){"", NULL, 0, run->root_dev, true};

    while (nstack > 0 && !atomic_load(&run->failed)) {
        dir_item item = stack[--nstack];
        struct dirent *de;
        DIR *dir;
        int dfd;

        dfd = item.path[0] ? wb_open_beneath(run->root_fd, item.path, O_RDONLY | O_DIRECTORY)
                           : dup(run->root_fd);
        if (dfd < 0) {
            if (run->opts->tolerate_unreadable) {
                tree_note(tree, item.path, "%s; not entered",
                          errno == ELOOP || errno == EXDEV
                              ? "replaced by a symbolic link during the walk"
                              : strerror(errno));
                continue;
            }
            rc = wb_error_set(WB_EIO, "%s: %s", item.path, strerror(errno));
            goto out;
        }
        /* pseudo file systems are always mount points: one fstatfs per
         * mount, not per directory */
        if (run->opts->skip_pseudo_fs && item.mount_point) {
            const char *kind = wb_pseudo_fs_of(dfd, base_name(item.path), true);
            if (kind) {
                tree_note(tree, item.path, "a %s file system, not entered", kind);
                close(dfd);
                continue;
            }
        }
        dir = fdopendir(dfd);
        if (!dir) {
            int saved = errno;
            close(dfd);
            if (run->opts->tolerate_unreadable) {
                tree_note(tree, item.path, "%s; not entered", strerror(saved));
                continue;
            }
            rc = wb_error_set(WB_EIO, "%s: %s", item.path[0] ? item.path : ".", strerror(saved));
            goto out;
        }
        while ((errno = 0, de = readdir(dir)) != NULL) {
            struct stat st;
            wb_tree_entry *entry;
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            child.len = 0;
            if (item.path[0])
                wb_buf_printf(&child, "%s/", item.path);
            wb_buf_puts(&child, de->d_name);
            if (wb_buf_putc(&child, '\0') < 0) {
                rc = WB_ENOMEM;
                break;
            }
            if (excluded(run->opts, child.data))
                continue;
            if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (run->opts->tolerate_unreadable) {
                    tree_note(tree, child.data, "%s; left out", strerror(errno));
                    continue;
                }
                rc = wb_error_set(WB_EIO, "%s: %s", child.data, strerror(errno));
                break;
            }
            if (run->opts->record_foreign &&
                (!wb_utf8_valid(child.data, child.len - 1) ||
                 !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)))) {
                if (!tree_add_owned(tree, child.data, child.len - 1, WB_TREE_OTHER, st.st_mode,
                                    st.st_uid, st.st_gid)) {
                    rc = wb_error_set(WB_ENOMEM, "out of memory");
                    break;
                }
                continue;
            }
            if (run->opts->tolerate_unreadable && !wb_utf8_valid(child.data, child.len - 1)) {
                tree_note(tree, child.data, "the name is not valid UTF-8; left out");
                continue;
            }
            if ((rc = check_name(child.data, child.len - 1)) < 0)
                break;
            if (S_ISREG(st.st_mode)) {
                entry = tree_add_owned(tree, child.data, child.len - 1, WB_TREE_FILE, st.st_mode,
                                       st.st_uid, st.st_gid);
                if (!entry) {
                    rc = wb_error_set(WB_ENOMEM, "out of memory");
                    break;
                }
                atomic_fetch_add(&run->files_total, 1);
                atomic_fetch_add(&run->bytes_total, (uint64_t)st.st_size);
                if (queue_push(run, entry) < 0)
                    break;
            } else if (S_ISDIR(st.st_mode)) {
                entry = tree_add_owned(tree, child.data, child.len - 1, WB_TREE_DIRECTORY,
                                       st.st_mode, st.st_uid, st.st_gid);
                if (!entry) {
                    rc = wb_error_set(WB_ENOMEM, "out of memory");
                    break;
                }
                if (item.depth + 1 > MAX_DEPTH) {
                    if (run->opts->tolerate_unreadable) {
                        tree_note(tree, child.data,
                                  "nested more than %d directories deep; not entered", MAX_DEPTH);
                        continue;
                    }
                    rc = wb_error_set(WB_ELIMIT, "%s: nested more than %d directories deep",
                                      child.data, MAX_DEPTH);
                    break;
                }
                if (run->opts->one_file_system && st.st_dev != run->root_dev) {
                    tree_note(tree, child.data, "another file system, not entered");
                    continue;
                }
                if (nstack == cap) {
                    dir_item *grown = wb_reallocarray(stack, cap * 2, sizeof(*stack));
                    if (!grown) {
                        rc = wb_error_set(WB_ENOMEM, "out of memory");
                        break;
                    }
                    stack = grown;
                    cap *= 2;
                }
                stack[nstack++] = (dir_item){(char *)entry->path, entry, item.depth + 1, st.st_dev,
                                             st.st_dev != item.dev};
            } else if (S_ISLNK(st.st_mode)) {
                char target[MAX_LINK_SIZE + 1];
                ssize_t n = readlinkat(dirfd(dir), de->d_name, target, sizeof(target));
                if (n < 0 && run->opts->tolerate_unreadable) {
                    tree_note(tree, child.data, "%s; left out", strerror(errno));
                    continue;
                }
                if (n < 0 || n > MAX_LINK_SIZE) {
                    rc = n < 0 ? wb_error_set(WB_EIO, "%s: %s", child.data, strerror(errno))
                               : wb_error_set(WB_ELIMIT, "%s: symbolic link target too long",
                                              child.data);
                    break;
                }
                if (run->opts->tolerate_unreadable && !wb_utf8_valid(target, (size_t)n)) {
                    tree_note(tree, child.data, "the link target is not valid UTF-8; left out");
                    continue;
                }
                if ((rc = check_name(target, (size_t)n)) < 0) {
                    wb_error_prefix(rc, "%s: link target: ", child.data);
                    break;
                }
                entry = tree_add_owned(tree, child.data, child.len - 1, WB_TREE_SYMLINK, 0777,
                                       st.st_uid, st.st_gid);
                if (entry)
                    entry->target = arena_strndup(tree, target, (size_t)n);
                if (!entry || !entry->target) {
                    rc = wb_error_set(WB_ENOMEM, "out of memory");
                    break;
                }
            } else if (run->opts->tolerate_unreadable) {
                tree_note(tree, child.data, "a %s; left out",
                          S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "device file"
                          : S_ISFIFO(st.st_mode)                     ? "FIFO"
                                                                     : "socket");
            } else {
                char *shown = wb_escape_display(child.data);
                rc = wb_error_set(WB_EUNSUPPORTED,
                                  "%s: is a %s; waybill seals regular files, directories and "
                                  "symbolic links only (exclude it with --exclude)",
                                  shown ? shown : child.data,
                                  S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "device file"
                                  : S_ISFIFO(st.st_mode)                     ? "FIFO"
                                                                             : "socket");
                wb_free(shown);
                break;
            }
        }
        if (rc == 0 && errno != 0 && !de) {
            if (run->opts->tolerate_unreadable)
                tree_note(tree, item.path, "reading the directory: %s", strerror(errno));
            else
                rc = wb_error_set(WB_EIO, "%s: reading the directory: %s",
                                  item.path[0] ? item.path : ".", strerror(errno));
        }
        closedir(dir);
        if (rc < 0)
            goto out;
    }
out:
    wb_buf_free(&child);
    wb_free(stack);
    return rc;
}

static unsigned thread_count(const wb_tree_options *opts)
{
    long cores;
    if (opts->threads)
        return opts->threads > MAX_THREADS ? MAX_THREADS : opts->threads;
    cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        return 1;
    return cores > MAX_THREADS ? MAX_THREADS : (unsigned)cores;
}

static int hash_directory(wb_tree *tree, int root_fd, const wb_tree_options *opts,
                          const wb_tree_hook *hook, void *hook_payload)
{
    pthread_t workers[MAX_THREADS], progress;
    unsigned nworkers = thread_count(opts), started = 0, i;
    bool progress_started = false;
    run_state *run;
    int rc = 0;

    run = wb_calloc(1, sizeof(*run));
    if (!run)
        return wb_error_set(WB_ENOMEM, "out of memory");
    run->tree = tree;
    run->opts = opts;
    run->root_fd = root_fd;
    run->hook = hook;
    run->hook_payload = hook_payload;
    {
        struct stat st;
        if (fstat(root_fd, &st) == 0)
            run->root_dev = st.st_dev;
    }
    pthread_mutex_init(&run->lock, NULL);
    pthread_cond_init(&run->not_empty, NULL);
    pthread_cond_init(&run->not_full, NULL);
    pthread_cond_init(&run->done_cond, NULL);

    for (i = 0; i < nworkers; i++) {
        if (pthread_create(&workers[i], NULL, hash_worker, run) != 0)
            break;
        started++;
    }
    if (started == 0) {
        rc = wb_error_set(WB_EINTERNAL, "cannot start hashing threads");
        goto out;
    }
    if (opts->progress && pthread_create(&progress, NULL, progress_thread, run) == 0)
        progress_started = true;

    rc = walk_directory(run);
    if (rc < 0)
        run_fail(run, rc);
    atomic_store(&run->walk_done, true);
    queue_close(run);
    for (i = 0; i < started; i++)
        pthread_join(workers[i], NULL);
    if (progress_started) {
        pthread_mutex_lock(&run->lock);
        run->finished = true;
        pthread_cond_broadcast(&run->done_cond);
        pthread_mutex_unlock(&run->lock);
        pthread_join(progress, NULL);
    }
    if (atomic_load(&run->failed))
        rc = wb_error_set(run->error_code ? run->error_code : WB_EINTERNAL, "%s",
                          run->error_message);
out:
    pthread_cond_destroy(&run->done_cond);
    pthread_cond_destroy(&run->not_full);
    pthread_cond_destroy(&run->not_empty);
    pthread_mutex_destroy(&run->lock);
    wb_free(run);
    return rc;
}

/* ---------- archives ---------- */

static int tree_new(wb_tree **out, wb_tree_source source)
{
    *out = wb_calloc(1, sizeof(**out));
    if (!*out)
        return wb_error_set(WB_ENOMEM, "out of memory");
    (*out)->source = source;
    pthread_mutex_init(&(*out)->notes_lock, NULL);
    return 0;
}

int wb_tree_member_path(wb_buf *out, const char *name)
{
    const char *p = name;
    out->len = 0;
    if (!name || !*name)
        return wb_error_set(WB_EFORMAT, "archive: a member has no name");
    if (name[0] == '/') {
        char *shown = wb_escape_display(name);
        int rc = wb_error_set(WB_EFORMAT, "%s: absolute name in the archive; refusing it",
                              shown ? shown : "(name)");
        wb_free(shown);
        return rc;
    }
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            char *shown = wb_escape_display(name);
            int rc = wb_error_set(WB_EFORMAT,
                                  "%s: name with a '..' component in the archive; "
                                  "refusing it",
                                  shown ? shown : "(name)");
            wb_free(shown);
            return rc;
        }
        if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (out->len)
                wb_buf_putc(out, '/');
            wb_buf_append(out, p, len);
        }
        p += len;
        if (*p == '/')
            p++;
    }
    if (wb_buf_putc(out, '\0') < 0)
        return WB_ENOMEM;
    out->len--;
    return 0;
}

/* excluded when the path or any directory above it matches */
static bool excluded_with_parents(const wb_tree_options *opts, char *path)
{
    char *slash;
    if (!opts->nexcludes)
        return false;
    if (excluded(opts, path))
        return true;
    for (slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
        bool hit;
        *slash = '\0';
        hit = excluded(opts, path);
        *slash = '/';
        if (hit)
            return true;
    }
    return false;
}

/* An index of the archive's regular files by path, for hard links: open
 * addressing, FNV-1a, grown at half full, so hostile archives full of hard
 * links cost linear time, not quadratic. */
typedef struct {
    wb_tree_entry **slots;
    size_t cap, used;
} file_index;

static uint64_t path_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static wb_tree_entry *index_find(const file_index *index, const char *path)
{
    size_t i;
    if (!index->cap)
        return NULL;
    for (i = path_hash(path) & (index->cap - 1); index->slots[i]; i = (i + 1) & (index->cap - 1))
        if (strcmp(index->slots[i]->path, path) == 0)
            return index->slots[i];
    return NULL;
}

static int index_put(file_index *index, wb_tree_entry *entry)
{
    size_t i;
    if ((index->used + 1) * 2 > index->cap) {
        size_t cap = index->cap ? index->cap * 2 : 1024, k;
        wb_tree_entry **slots = wb_calloc(cap, sizeof(*slots));
        if (!slots)
            return wb_error_set(WB_ENOMEM, "out of memory");
        for (k = 0; k < index->cap; k++) {
            wb_tree_entry *e = index->slots[k];
            if (!e)
                continue;
            for (i = path_hash(e->path) & (cap - 1); slots[i]; i = (i + 1) & (cap - 1))
                ;
            slots[i] = e;
        }
        wb_free(index->slots);
        index->slots = slots;
        index->cap = cap;
    }
    for (i = path_hash(entry->path) & (index->cap - 1); index->slots[i];
         i = (i + 1) & (index->cap - 1))
        ;
    index->slots[i] = entry;
    index->used++;
    return 0;
}

/* A member's bytes kept for a hook, up to `max`: past it, `overflow` is
 * set and the bytes are only hashed. */
typedef struct {
    unsigned char *data;
    size_t len, cap, max;
    bool active, overflow;
} member_buffer;

static int member_keep(member_buffer *mb, const void *bytes, size_t n)
{
    size_t need;
    if (!mb || !mb->active || mb->overflow || n == 0)
        return 0;
    if (wb_add_overflows(mb->len, n, &need) || need > mb->max) {
        mb->overflow = true;
        return 0;
    }
    if (need > mb->cap) {
        size_t cap = mb->cap ? mb->cap : HASH_BUF_SIZE;
        unsigned char *grown;
        while (cap < need)
            cap = cap > mb->max / 2 ? mb->max : cap * 2;
        grown = wb_reallocarray(mb->data, cap, 1);
        if (!grown)
            return wb_error_set(WB_ENOMEM, "out of memory");
        mb->data = grown;
        mb->cap = cap;
    }
    memcpy(mb->data + mb->len, bytes, n);
    mb->len = need;
    return 0;
}

/* Hash one regular member's data; holes of sparse members are zeros, as
 * they read on disk, and the file runs to its recorded size. With `mb`,
 * the bytes are also kept there (up to its bound). */
static int hash_member_data(wb_tree_entry *entry, struct archive *ar, struct archive_entry *ae,
                            wb_digest_ctx *ctx, const char *path, member_buffer *mb)
{
    static const unsigned char zeros[65536];
    const void *block;
    size_t size;
    la_int64_t offset;
    uint64_t pos = 0, declared = 0;
    int r;

    if (archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0)
        declared = (uint64_t)archive_entry_size(ae);
    while ((r = archive_read_data_block(ar, &block, &size, &offset)) == ARCHIVE_OK) {
        if (offset < 0 || (uint64_t)offset < pos || (declared && (uint64_t)offset > declared))
            return wb_error_set(WB_EFORMAT, "%s: %s: data blocks out of order", path, entry->path);
        while (pos < (uint64_t)offset) {
            size_t n = (uint64_t)offset - pos > sizeof(zeros) ? sizeof(zeros)
                                                              : (size_t)((uint64_t)offset - pos);
            if (wb_digest_update(ctx, zeros, n) < 0 || member_keep(mb, zeros, n) < 0)
                return wb_error_last_code();
            pos += n;
        }
        if (wb_digest_update(ctx, block, size) < 0 || member_keep(mb, block, size) < 0)
            return wb_error_last_code();
        pos += size;
    }
    if (r != ARCHIVE_EOF)
        return wb_error_set(WB_EFORMAT, "%s: %s: %s", path, entry->path, archive_error_string(ar));
    while (pos < declared) {
        size_t n = declared - pos > sizeof(zeros) ? sizeof(zeros) : (size_t)(declared - pos);
        if (wb_digest_update(ctx, zeros, n) < 0 || member_keep(mb, zeros, n) < 0)
            return wb_error_last_code();
        pos += n;
    }
    entry->size = pos;
    return wb_digest_final(ctx, entry->sha256);
}

/* libarchive (3.6) does not check gzip's trailer (CRC-32 and length), so
 * a corrupted .tar.gz would be read, and sealed, as if it were sound. When
 * the file is gzip, one pass through zlib checks every member's trailer
 * first. It costs a second decompression, which is cheap next to hashing
 * what it yields, and only gzip needs it: xz, zstd, bzip2 and zip carry
 * checks that libarchive verifies. */
static int check_gzip(int fd, const char *path)
{
    unsigned char magic[2];
    unsigned char *buf = NULL;
    gzFile gz;
    int copy, n, errnum = Z_OK, rc = 0;
    const char *message;

    if (pread(fd, magic, 2, 0) != 2 || magic[0] != 0x1f || magic[1] != 0x8b)
        return 0;
    copy = dup(fd);
    if (copy < 0)
        return wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
    gz = gzdopen(copy, "rb");
    buf = wb_malloc(1 << 20);
    if (!gz || !buf) {
        if (gz)
            gzclose(gz);
        else
            close(copy);
        wb_free(buf);
        return wb_error_set(WB_ENOMEM, "out of memory");
    }
    gzbuffer(gz, 1 << 20);
    while ((n = gzread(gz, buf, 1 << 20)) > 0)
        ;
    message = gzerror(gz, &errnum);
    if (message && strncmp(message, "<fd:", 4) == 0 && strstr(message, ": "))
        message = strstr(message, ": ") + 2; /* zlib names the descriptor */
    if (n < 0 || errnum != Z_OK)
        rc = wb_error_set(WB_EFORMAT, "%s: corrupt gzip data: %s", path,
                          message && *message ? message : "read error");
    gzclose(gz);
    wb_free(buf);
    /* the duplicate shared the file offset: rewind for libarchive */
    if (rc == 0 && lseek(fd, 0, SEEK_SET) != 0)
        rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
    return rc;
}

/* Scanning archive members in parallel. Decompression is sequential, but
 * what a hook does with a member (a YARA scan costs several times its
 * hashing) need not be: the reading thread hands each kept member, buffer
 * and all, to a pool of threads (one per core, each with its own hook
 * worker) and takes a free buffer for the next one. Buffers circulate:
 * there are at most one per pool thread plus one, each at most the hook's
 * bound, so memory stays bounded whatever the archive holds. */
#define MEMBER_QUEUE 64

typedef struct {
    wb_tree_entry *entry;
    unsigned char *data; /* NULL: over the bound, not kept */
    size_t len, cap;
} member_job;

typedef struct {
    const wb_tree_hook *hook;
    void *payload;
    pthread_mutex_t lock;
    pthread_cond_t work, space;
    member_job jobs[MEMBER_QUEUE];
    size_t head, queued;
    unsigned char *free_data[MAX_THREADS + 1];
    size_t free_cap[MAX_THREADS + 1];
    size_t nfree, buffers, max_buffers;
    bool closed;
    int error;
    char message[1024];
    pthread_t threads[MAX_THREADS];
    unsigned nthreads;
} member_pool;

static void pool_fail(member_pool *pool, int code)
{
    /* under pool->lock */
    if (pool->error == 0) {
        pool->error = code < 0 ? code : WB_EINTERNAL;
        snprintf(pool->message, sizeof(pool->message), "%s", wb_error_last());
    }
    pthread_cond_broadcast(&pool->space);
    pthread_cond_broadcast(&pool->work);
}

static void *pool_worker(void *arg)
{
    member_pool *pool = arg;
    void *worker = NULL;
    int rc = pool->hook->worker_new(&worker, pool->payload);

    pthread_mutex_lock(&pool->lock);
    if (rc < 0) {
        pool_fail(pool, rc);
        pthread_mutex_unlock(&pool->lock);
        return NULL;
    }
    for (;;) {
        member_job job;
        while (pool->queued == 0 && !pool->closed && pool->error == 0)
            pthread_cond_wait(&pool->work, &pool->lock);
        if (pool->queued == 0 || pool->error != 0)
            break;
        job = pool->jobs[pool->head];
        pool->head = (pool->head + 1) % MEMBER_QUEUE;
        pool->queued--;
        pthread_cond_signal(&pool->space);
        pthread_mutex_unlock(&pool->lock);
        rc = pool->hook->on_file(worker, job.entry,
                                 job.data  ? job.data
                                 : job.cap ? (const void *)"" /* kept, empty */
                                           : NULL,            /* over the bound */
                                 job.len, -1, pool->payload);
        pthread_mutex_lock(&pool->lock);
        if (job.cap) {
            pool->free_data[pool->nfree] = job.data;
            pool->free_cap[pool->nfree] = job.cap;
            pool->nfree++;
            pthread_cond_signal(&pool->space);
        }
        if (rc < 0) {
            pool_fail(pool, rc);
            break;
        }
    }
    pthread_mutex_unlock(&pool->lock);
    pool->hook->worker_free(worker, pool->payload);
    return NULL;
}

/* Start `threads` workers; 0 when none could start (the caller then
 * calls the hook itself). */
static unsigned pool_start(member_pool *pool, const wb_tree_hook *hook, void *payload,
                           unsigned threads)
{
    unsigned i;
    memset(pool, 0, sizeof(*pool));
    pool->hook = hook;
    pool->payload = payload;
    pool->buffers = 1; /* tokens made so far: the reader's */
    pool->max_buffers = threads + 1;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->work, NULL);
    pthread_cond_init(&pool->space, NULL);
    for (i = 0; i < threads; i++) {
        if (pthread_create(&pool->threads[i], NULL, pool_worker, pool) != 0)
            break;
        pool->nthreads++;
    }
    return pool->nthreads;
}

/* Hand a member over. A kept member's buffer goes with it and *mb gets a
 * free one (or a new, empty one while fewer than max_buffers exist; it
 * grows on first use). Buffers are tokens: an empty kept member passes
 * its (unallocated) token along all the same. <0: a worker failed. */
static int pool_submit(member_pool *pool, wb_tree_entry *entry, member_buffer *mb)
{
    member_job job = {entry, NULL, 0, 0};
    int rc = 0;

    pthread_mutex_lock(&pool->lock);
    while (pool->queued == MEMBER_QUEUE && pool->error == 0)
        pthread_cond_wait(&pool->space, &pool->lock);
    if (!mb->overflow) {
        job.data = mb->data;
        job.len = mb->len;
        job.cap = mb->cap ? mb->cap : 1; /* non-zero: carries a token */
        mb->data = NULL;
        mb->cap = 0;
    }
    if (pool->error == 0) {
        pool->jobs[(pool->head + pool->queued) % MEMBER_QUEUE] = job;
        pool->queued++;
        pthread_cond_signal(&pool->work);
    } else {
        wb_free(job.data);
    }
    if (job.cap && pool->error == 0) {
        /* the reader gave its token away: take another */
        while (pool->nfree == 0 && pool->buffers >= pool->max_buffers && pool->error == 0)
            pthread_cond_wait(&pool->space, &pool->lock);
        if (pool->nfree > 0) {
            pool->nfree--;
            mb->data = pool->free_data[pool->nfree];
            mb->cap = mb->data ? pool->free_cap[pool->nfree] : 0;
        } else if (pool->error == 0) {
            pool->buffers++;
        }
    }
    if (pool->error != 0)
        rc = wb_error_set(pool->error, "%s", pool->message);
    pthread_mutex_unlock(&pool->lock);
    return rc;
}

/* Wait for the workers; returns the first error, if any. */
static int pool_finish(member_pool *pool)
{
    unsigned i;
    int rc = 0;
    pthread_mutex_lock(&pool->lock);
    pool->closed = true;
    pthread_cond_broadcast(&pool->work);
    pthread_mutex_unlock(&pool->lock);
    for (i = 0; i < pool->nthreads; i++)
        pthread_join(pool->threads[i], NULL);
    /* jobs left after a failure still own their buffers */
    while (pool->queued > 0) {
        wb_free(pool->jobs[pool->head].data);
        pool->head = (pool->head + 1) % MEMBER_QUEUE;
        pool->queued--;
    }
    for (i = 0; i < pool->nfree; i++)
        wb_free(pool->free_data[i]);
    if (pool->error != 0)
        rc = wb_error_set(pool->error, "%s", pool->message);
    pthread_cond_destroy(&pool->space);
    pthread_cond_destroy(&pool->work);
    pthread_mutex_destroy(&pool->lock);
    return rc;
}

static int hash_archive(wb_tree *tree, const char *path, const wb_tree_options *opts,
                        const wb_tree_hook *hook, void *hook_payload)
{
    member_buffer kept = {0};
    void *hook_worker = NULL;
    bool hook_started = false;
    member_pool pool;
    bool pooled = false;
    struct archive *ar = archive_read_new();
    struct archive_entry *ae;
    wb_digest_ctx *ctx = NULL;
    wb_buf name = {0}, link = {0};
    wb_tree_progress progress = {0};
    file_index files = {0};
    wb_tree *shadow = NULL;
    int fd = -1, rc = 0, r;
    /* libarchive converts member names through the thread's locale; in the
     * C locale a zip's UTF-8 names do not convert and come back NULL. A
     * thread-local UTF-8 locale for the read leaves the caller's alone. */
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    locale_t previous = utf8 ? uselocale(utf8) : (locale_t)0;

    if (!ar) {
        rc = wb_error_set(WB_ENOMEM, "out of memory");
        goto restore_locale;
    }
    if ((rc = tree_new(&shadow, WB_TREE_SOURCE_ARCHIVE)) < 0) {
        archive_read_free(ar);
        goto restore_locale;
    }
    archive_read_support_filter_all(ar);
    archive_read_support_format_tar(ar);
    archive_read_support_format_gnutar(ar);
    archive_read_support_format_zip(ar);
    /* read past tar's end-of-archive blocks: members hidden after them are
     * extracted by `tar -i` and other readers, so they must be sealed (or
     * reported by verify) too */
    archive_read_set_format_option(ar, "tar", "read_concatenated_archives", "1");
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        rc = wb_error_set(errno == ENOENT ? WB_ENOTFOUND : WB_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if ((rc = check_gzip(fd, path)) < 0)
        goto out;
    if (archive_read_open_fd(ar, fd, 1 << 20) != ARCHIVE_OK) {
        rc = wb_error_set(WB_EFORMAT, "%s: not a readable archive: %s", path,
                          archive_error_string(ar));
        goto out;
    }
    if ((rc = wb_digest_new(&ctx, WB_DIGEST_SHA256)) < 0)
        goto out;
    if (hook) {
        kept.max = hook->max_buffer;
        if (thread_count(opts) > 1) {
            pooled = pool_start(&pool, hook, hook_payload, thread_count(opts)) > 0;
            if (!pooled)
                (void)pool_finish(&pool); /* no thread started: do it here */
        }
        if (!pooled) {
            if ((rc = hook->worker_new(&hook_worker, hook_payload)) < 0)
                goto out;
            hook_started = true;
        }
    }

    while ((r = archive_read_next_header(ar, &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *member = archive_entry_pathname_utf8(ae);
        const char *hardlink = archive_entry_hardlink_utf8(ae);
        mode_t type = archive_entry_filetype(ae);
        uint32_t mode = (uint32_t)archive_entry_perm(ae);
        uint64_t ae_uid = (uint64_t)archive_entry_uid(ae), ae_gid = (uint64_t)archive_entry_gid(ae);
        wb_tree_entry *entry;
        bool skip;
        wb_tree *dest;

        if (!member)
            member = archive_entry_pathname(ae);
        if (!member) {
            rc = wb_error_set(WB_EFORMAT, "%s: a member's name cannot be read: %s", path,
                              archive_error_string(ar) ? archive_error_string(ar) : "no name");
            goto out;
        }
        if (!hardlink)
            hardlink = archive_entry_hardlink(ae);
        if ((rc = wb_tree_member_path(&name, member)) < 0)
            goto fail_member;
        if (name.len == 0)
            continue;
        /* excluded members are left out, but their files are still hashed
         * on the side: a hard link elsewhere may name one */
        skip = excluded_with_parents(opts, name.data);
        if (!skip && opts->record_foreign && !wb_utf8_valid(name.data, name.len)) {
            if (!tree_add_owned(tree, name.data, name.len, WB_TREE_OTHER, mode, ae_uid, ae_gid))
                goto nomem;
            continue;
        }
        if (!skip && (rc = check_name(name.data, name.len)) < 0)
            goto fail_member;
        if (skip && !hardlink && type != AE_IFREG)
            continue;
        dest = skip ? shadow : tree;
        if (hardlink) {
            const wb_tree_entry *target;
            if ((rc = wb_tree_member_path(&link, hardlink)) < 0)
                goto fail_member;
            target = index_find(&files, link.data);
            if (!target) {
                rc = wb_error_set(WB_EFORMAT,
                                  "%s: %s: hard link to '%s', which is not a file "
                                  "earlier in the archive; refusing it",
                                  path, name.data, link.data);
                goto out;
            }
            entry = tree_add_owned(dest, name.data, name.len, WB_TREE_FILE, mode, ae_uid, ae_gid);
            if (!entry)
                goto nomem;
            memcpy(entry->sha256, target->sha256, sizeof(entry->sha256));
            entry->size = target->size;
            if ((rc = index_put(&files, entry)) < 0)
                goto out;
            continue;
        }
        switch (type) {
        case AE_IFREG:
            entry = tree_add_owned(dest, name.data, name.len, WB_TREE_FILE, mode, ae_uid, ae_gid);
            if (!entry)
                goto nomem;
            /* excluded members (the shadow tree) are hashed, never shown */
            kept.active = hook && dest == tree;
            kept.len = 0;
            kept.overflow = false;
            if ((rc = hash_member_data(entry, ar, ae, ctx, path, &kept)) < 0 ||
                (rc = index_put(&files, entry)) < 0)
                goto out;
            if (kept.active && pooled && (rc = pool_submit(&pool, entry, &kept)) < 0)
                goto out;
            if (kept.active && !pooled &&
                (rc = hook->on_file(hook_worker, entry,
                                    kept.overflow ? NULL
                                    : kept.data   ? kept.data
                                                  : (const void *)"",
                                    kept.overflow ? 0 : kept.len, -1, hook_payload)) < 0)
                goto out;
            progress.files_done++;
            progress.bytes_done += entry->size;
            progress.files_total = progress.files_done;
            progress.bytes_total = progress.bytes_done;
            if (opts->progress)
                opts->progress(&progress, opts->payload);
            break;
        case AE_IFDIR:
            if (!tree_add_owned(tree, name.data, name.len, WB_TREE_DIRECTORY, mode, ae_uid, ae_gid))
                goto nomem;
            break;
        case AE_IFLNK: {
            const char *target = archive_entry_symlink_utf8(ae);
            if (!target)
                target = archive_entry_symlink(ae);
            if (!target || strlen(target) > MAX_LINK_SIZE) {
                rc = wb_error_set(WB_EFORMAT, "%s: %s: symbolic link without a usable target", path,
                                  name.data);
                goto out;
            }
            if ((rc = check_name(target, strlen(target))) < 0) {
                wb_error_prefix(rc, "%s: %s: link target: ", path, name.data);
                goto out;
            }
            entry =
                tree_add_owned(tree, name.data, name.len, WB_TREE_SYMLINK, 0777, ae_uid, ae_gid);
            if (!entry || !(entry->target = arena_strndup(tree, target, strlen(target))))
                goto nomem;
            break;
        }
        default:
            if (opts->record_foreign) {
                if (!tree_add_owned(tree, name.data, name.len, WB_TREE_OTHER, mode, ae_uid, ae_gid))
                    goto nomem;
                break;
            }
            if (opts->tolerate_unreadable) {
                tree_note(tree, name.data, "a device, FIFO or socket in the archive; left out");
                break;
            }
            rc = wb_error_set(WB_EUNSUPPORTED,
                              "%s: %s in the archive is a device, FIFO or socket; waybill seals "
                              "regular files, directories and symbolic links only",
                              path, name.data);
            goto out;
        }
    }
    if (r != ARCHIVE_EOF) {
        rc = wb_error_set(WB_EFORMAT, "%s: %s", path, archive_error_string(ar));
        goto out;
    }
    goto out;
fail_member:
    wb_error_prefix(rc, "%s: ", path);
    goto out;
nomem:
    rc = wb_error_set(WB_ENOMEM, "out of memory");
out:
    progress.walk_done = true;
    if (rc == 0 && opts->progress)
        opts->progress(&progress, opts->payload);
    if (hook_started)
        hook->worker_free(hook_worker, hook_payload);
    if (pooled) {
        int pool_rc = pool_finish(&pool);
        if (rc == 0)
            rc = pool_rc;
    }
    wb_free(kept.data);
    wb_free(files.slots);
    wb_tree_free(shadow);
    wb_digest_free(ctx);
    wb_buf_free(&name);
    wb_buf_free(&link);
    archive_read_free(ar);
    if (fd >= 0)
        close(fd);
restore_locale:
    if (utf8) {
        uselocale(previous);
        freelocale(utf8);
    }
    return rc;
}

/* ---------- entry points ---------- */

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

static bool archive_name(const char *path)
{
    static const char *const suffixes[] = {".tar",     ".tar.gz", ".tgz",     ".tar.xz", ".txz",
                                           ".tar.zst", ".tzst",   ".tar.bz2", ".zip"};
    size_t i;
    for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
        if (has_suffix(path, suffixes[i]))
            return true;
    return false;
}

static int hash_one_file(wb_tree *tree, int fd, const char *path, const wb_tree_hook *hook,
                         void *hook_payload)
{
    const char *base = strrchr(path, '/');
    wb_tree_entry *entry;
    struct stat st;
    uint64_t bytes = 0;
    unsigned char *buf = NULL;
    size_t cap = 0, len = 0;
    void *hook_worker = NULL;
    int rc, whole = 0;

    base = base ? base + 1 : path;
    if (fstat(fd, &st) < 0)
        return wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
    if ((rc = check_name(base, strlen(base))) < 0)
        return rc;
    entry =
        tree_add_owned(tree, base, strlen(base), WB_TREE_FILE, st.st_mode, st.st_uid, st.st_gid);
    if (!entry)
        return wb_error_set(WB_ENOMEM, "out of memory");
    if (!hook) {
        rc = wb_digest_fd(entry->sha256, &bytes, WB_DIGEST_SHA256, fd, path);
        entry->size = bytes;
        return rc;
    }
    whole = read_whole(fd, (uint64_t)st.st_size, hook->max_buffer, &buf, &cap, &len);
    if (whole < 0) {
        rc = wb_error_set(errno == ENOMEM ? WB_ENOMEM : WB_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (whole > 0) {
        rc = wb_digest_buffer(entry->sha256, WB_DIGEST_SHA256, buf, len);
        bytes = len;
    } else if (lseek(fd, 0, SEEK_SET) != 0) {
        rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
    } else {
        rc = wb_digest_fd(entry->sha256, &bytes, WB_DIGEST_SHA256, fd, path);
    }
    entry->size = bytes;
    if (rc < 0 || (rc = hook->worker_new(&hook_worker, hook_payload)) < 0)
        goto out;
    rc = hook->on_file(hook_worker, entry, whole > 0 ? buf : NULL, whole > 0 ? len : 0, fd,
                       hook_payload);
    hook->worker_free(hook_worker, hook_payload);
out:
    wb_free(buf);
    return rc;
}

static int tree_hash(wb_tree **out, const char *path, const wb_tree_options *opts,
                     bool force_archive, const wb_tree_hook *hook, void *hook_payload)
{
    static const wb_tree_options defaults = {0};
    wb_tree *tree = NULL;
    struct stat st;
    int fd = -1, rc;

    if (!out || !path)
        return wb_error_set(WB_EINVAL, "tree: invalid argument");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return wb_error_set(errno == ENOENT ? WB_ENOTFOUND : WB_EIO, "%s: %s", path,
                            strerror(errno));
    if (fstat(fd, &st) < 0) {
        rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        if ((rc = tree_new(&tree, WB_TREE_SOURCE_DIRECTORY)) == 0)
            rc = hash_directory(tree, fd, opts, hook, hook_payload);
    } else if (S_ISREG(st.st_mode) && (force_archive || archive_name(path))) {
        if ((rc = tree_new(&tree, WB_TREE_SOURCE_ARCHIVE)) == 0)
            rc = hash_archive(tree, path, opts, hook, hook_payload);
    } else if (S_ISREG(st.st_mode)) {
        if ((rc = tree_new(&tree, WB_TREE_SOURCE_FILE)) == 0)
            rc = hash_one_file(tree, fd, path, hook, hook_payload);
    } else {
        rc = wb_error_set(WB_EUNSUPPORTED, "%s: not a directory, a file or an archive", path);
    }
    if (rc == 0) {
        rc = tree_finish(tree);
        if (rc < 0 && tree->source == WB_TREE_SOURCE_ARCHIVE)
            wb_error_prefix(rc, "%s: ", path);
    }
    if (rc == 0) {
        *out = tree;
        tree = NULL;
    }
out:
    wb_tree_free(tree);
    close(fd);
    return rc;
}

int wb_tree_hash(wb_tree **out, const char *path, const wb_tree_options *opts)
{
    return tree_hash(out, path, opts, false, NULL, NULL);
}

int wb_tree_hash_archive(wb_tree **out, const char *path, const wb_tree_options *opts)
{
    return tree_hash(out, path, opts, true, NULL, NULL);
}

int wb_tree_hash_hooked(wb_tree **out, const char *path, const wb_tree_options *opts,
                        const wb_tree_hook *hook, void *payload)
{
    if (!hook || !hook->worker_new || !hook->worker_free || !hook->on_file)
        return wb_error_set(WB_EINVAL, "tree: invalid hook");
    return tree_hash(out, path, opts, false, hook, payload);
}
