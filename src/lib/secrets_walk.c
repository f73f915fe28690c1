/*
 * secrets_walk.c: run a per-file scan over the regular files of a hashed
 * tree, in parallel (secrets_internal.h).
 *
 * The tree is already walked and sorted, so the work list is simply its
 * entries: each thread takes the next index from an atomic counter, which
 * balances large and small files without a queue. Files are opened
 * beneath the root with wb_open_beneath() (fileio.c, the tree walker's
 * own), so a symbolic link planted after hashing cannot make a scanner
 * read outside the tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "secrets_internal.h"

#define MAX_THREADS 64

typedef struct {
    const char *root;
    const wb_tree *tree;
    int root_fd;
    const wb_scan_callbacks *callbacks;
    void *payload;
    atomic_size_t next;
    atomic_bool stop;
    pthread_mutex_t lock;
    int error_code; /* the first error, under lock */
    char *error_message;
} pool;

static void record_error(pool *p, int code)
{
    pthread_mutex_lock(&p->lock);
    if (p->error_code == 0) {
        p->error_code = code;
        p->error_message = wb_strdup(wb_error_last());
    }
    pthread_mutex_unlock(&p->lock);
    atomic_store(&p->stop, true);
}

static void *run_worker(void *arg)
{
    pool *p = arg;
    void *worker = NULL;
    size_t count = wb_tree_count(p->tree), i;
    int rc;

    rc = p->callbacks->worker_new(&worker, p->payload);
    if (rc < 0) {
        record_error(p, rc);
        return NULL;
    }
    while (!atomic_load(&p->stop) && (i = atomic_fetch_add(&p->next, 1)) < count) {
        const wb_tree_entry *entry = wb_tree_get(p->tree, i);
        int fd;

        if (entry->type != WB_TREE_FILE)
            continue;
        if (wb_tree_get_source(p->tree) == WB_TREE_SOURCE_FILE)
            fd = open(p->root, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
        else
            fd = wb_open_beneath(p->root_fd, entry->path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
            rc = wb_error_set(WB_EIO, "%s/%s: %s", p->root, entry->path, strerror(errno));
            if (p->callbacks->on_open_error &&
                (rc = p->callbacks->on_open_error(worker, entry, p->payload)) == 0)
                continue;
            record_error(p, rc);
            break;
        }
        rc = p->callbacks->on_file(worker, entry, fd, p->payload);
        close(fd);
        if (rc < 0) {
            record_error(p, rc);
            break;
        }
    }
    p->callbacks->worker_free(worker, p->payload);
    return NULL;
}

int wb_scan_tree_files(const char *root, const wb_tree *tree, unsigned threads,
                       const wb_scan_callbacks *callbacks, void *payload)
{
    pthread_t ids[MAX_THREADS];
    unsigned started = 0, i;
    pool p;
    int rc = 0;

    if (!root || !tree || !callbacks)
        return wb_error_set(WB_EINVAL, "scan: NULL argument");
    if (wb_tree_get_source(tree) == WB_TREE_SOURCE_ARCHIVE)
        return wb_error_set(WB_EUNSUPPORTED, "%s: an archive: scan its members one by one instead",
                            root);
    memset(&p, 0, sizeof(p));
    p.root = root;
    p.tree = tree;
    p.callbacks = callbacks;
    p.payload = payload;
    p.root_fd = -1;
    atomic_init(&p.next, 0);
    atomic_init(&p.stop, false);
    pthread_mutex_init(&p.lock, NULL);
    if (wb_tree_get_source(tree) == WB_TREE_SOURCE_DIRECTORY) {
        p.root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (p.root_fd < 0) {
            rc = wb_error_set(WB_EIO, "%s: %s", root, strerror(errno));
            goto out;
        }
    }
    if (threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores > 0 ? (unsigned)cores : 1;
    }
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    if (threads > wb_tree_count(tree))
        threads = wb_tree_count(tree) ? (unsigned)wb_tree_count(tree) : 1;
    if (threads == 1) {
        run_worker(&p);
    } else {
        for (i = 0; i < threads; i++) {
            if (pthread_create(&ids[i], NULL, run_worker, &p) != 0) {
                if (started == 0)
                    run_worker(&p); /* no thread could start: do the work here */
                break;
            }
            started++;
        }
        for (i = 0; i < started; i++)
            pthread_join(ids[i], NULL);
    }
    if (p.error_code < 0) {
        rc = p.error_code;
        if (p.error_message)
            wb_error_set(rc, "%s", p.error_message);
        else
            wb_error_set(rc, "%s: scan failed (%s)", root, wb_error_name(rc));
    }
out:
    wb_free(p.error_message);
    if (p.root_fd >= 0)
        close(p.root_fd);
    pthread_mutex_destroy(&p.lock);
    return rc;
}
