/*
 * layout_link.c: recording the artifacts of a link, as in-toto-run does
 * (in-toto 1.3.1, runlib.record_artifacts_as_dict).
 *
 * Each path given is normalized as Python's os.path.normpath does ("./a"
 * is "a", "a/../b" is "b"); a regular file is recorded under that name, a
 * directory is walked (tree.c: never leaving it, never following symbolic
 * links) and each regular file under it recorded as the directory's name
 * joined with the file's relative path ("." joined with "x" is "x"). in-toto's
 * default exclusions apply (*.link*, .git, *.pyc, *~). A path that does not
 * exist is skipped, as in-toto skips it with a warning. Hashes are SHA-256,
 * hex, {"sha256": HEX}.
 *
 * Symbolic links are followed as in-toto-run follows them (os.path.isfile(),
 * os.walk() with follow_symlink_dirs): a link to a regular file is recorded
 * under its own name with the hash of what it points to, wherever that is;
 * a link to a directory is walked where it leads, its files named under the
 * link's name; a dangling link, or one to anything else, is skipped. A link
 * to a directory above it (a loop, which in-toto walks round until the path
 * is too long) is refused, and so are more than 40 such links in a row.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "layout_internal.h"
#include "waybill/layout.h"

/* os.path.normpath of a '/'-separated path, into a new string. */
static char *normpath(const char *path)
{
    size_t len = strlen(path), n = 0, i, start;
    const char **parts = NULL;
    size_t *lens = NULL;
    bool absolute = path[0] == '/';
    wb_buf out = {0};
    char *result = NULL;
    size_t result_len;

    parts = wb_calloc(len + 1, sizeof(*parts));
    lens = wb_calloc(len + 1, sizeof(*lens));
    if (!parts || !lens)
        goto out;
    for (i = 0; i <= len;) {
        start = i;
        while (i < len && path[i] != '/')
            i++;
        if (i > start && !(i - start == 1 && path[start] == '.')) {
            if (i - start == 2 && path[start] == '.' && path[start + 1] == '.' &&
                ((n > 0 &&
                  !(lens[n - 1] == 2 && parts[n - 1][0] == '.' && parts[n - 1][1] == '.')) ||
                 absolute)) {
                if (n > 0)
                    n--;
            } else {
                parts[n] = path + start;
                lens[n] = i - start;
                n++;
            }
        }
        i++;
    }
    if (absolute)
        wb_buf_putc(&out, '/');
    for (i = 0; i < n; i++) {
        if (i)
            wb_buf_putc(&out, '/');
        wb_buf_append(&out, parts[i], lens[i]);
    }
    if (n == 0 && !absolute)
        wb_buf_putc(&out, '.');
    if (wb_buf_detach(&out, &result, &result_len) < 0)
        result = NULL;
out:
    wb_buf_free(&out);
    wb_free(parts);
    wb_free(lens);
    return result;
}

static int add_artifact(json_t *artifacts, const char *name, const unsigned char *sha256)
{
    char hex[2 * WB_SHA256_LEN + 1];
    if (json_object_size(artifacts) >= WB_LAYOUT_MAX_ARTIFACTS)
        return wb_error_set(WB_ELIMIT, "more than %d artifacts", WB_LAYOUT_MAX_ARTIFACTS);
    if (strlen(name) > WB_LAYOUT_MAX_PATH)
        return wb_error_set(WB_ELIMIT, "%s: a path of more than %d bytes", name,
                            WB_LAYOUT_MAX_PATH);
    wb_hex_encode(hex, sha256, WB_SHA256_LEN);
    if (json_object_set_new(artifacts, name, json_pack("{s:s}", "sha256", hex)) < 0)
        return wb_error_set(WB_ENOMEM, "out of memory");
    return 0;
}

/* Hash what `path` leads to when that is a regular file, following
 * symbolic links (os.path.isfile). *regular is false, and 0 returned, when
 * it is not one or does not resolve. */
static int hash_followed(unsigned char *sha256, bool *regular, const char *path)
{
    struct stat st;
    int fd, rc;

    *regular = false;
    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
        return 0;
    if ((fd = wb_open_read(path)) < 0)
        return fd;
    /* the link may have changed since stat(): what was opened decides */
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return 0;
    }
    rc = wb_digest_fd(sha256, NULL, WB_DIGEST_SHA256, fd, path);
    close(fd);
    *regular = rc == 0;
    return rc;
}

/* Symbolic links to directories followed at once, at most. */
#define RECORD_MAX_LINKED_DIRS 40

/* The real directories being walked, outermost first: a link leading to one
 * of them, or above one, would make the walk go round for ever. */
typedef struct {
    const char *dirs[RECORD_MAX_LINKED_DIRS + 1];
    size_t n;
} walk_stack;

/* `dir` is `under` or one of its ancestors. */
static bool is_ancestor(const char *dir, const char *under)
{
    size_t n = strlen(dir);
    if (strcmp(dir, "/") == 0)
        return true;
    return strncmp(dir, under, n) == 0 && (under[n] == '\0' || under[n] == '/');
}

static int record_directory(json_t *artifacts, const char *dir, const char *name,
                            walk_stack *stack);

/* A symbolic link met in a walk of `dir` (the real path), at `rel` under
 * it, recorded as `joined`: a link to a file is hashed through it; a link to
 * a directory is walked where it leads (in-toto-run walks with
 * follow_symlink_dirs), the files under it named below `joined`; anything
 * else is skipped. */
static int record_link(json_t *artifacts, const char *dir, const char *rel, const char *joined,
                       walk_stack *stack)
{
    char *at = wb_asprintf("%s/%s", dir, rel), *target = NULL, *parent = NULL, *slash;
    unsigned char sha256[WB_SHA256_LEN];
    struct stat st;
    bool regular;
    size_t i;
    int rc = 0;

    if (!at)
        return wb_error_set(WB_ENOMEM, "out of memory");
    if (stat(at, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
        goto out; /* dangling, a loop of links, or no file: skipped */
    if (S_ISREG(st.st_mode)) {
        if ((rc = hash_followed(sha256, &regular, at)) == 0 && regular)
            rc = add_artifact(artifacts, joined, sha256);
        goto out;
    }
    target = realpath(at, NULL);
    parent = wb_strdup(at);
    if (!target || !parent) {
        rc = target ? wb_error_set(WB_ENOMEM, "out of memory")
                    : wb_error_set(WB_EIO, "%s: %s", joined, strerror(errno));
        goto out;
    }
    /* the link's own directory is real: the walk does not follow links */
    if ((slash = strrchr(parent, '/')) != NULL)
        *slash = '\0';
    for (i = 0; i < stack->n && !is_ancestor(target, stack->dirs[i]); i++)
        ;
    if (i < stack->n || is_ancestor(target, parent)) {
        /* in-toto would walk round until the path is too long */
        rc = wb_error_set(WB_EFORMAT, "%s: a symbolic link to a directory above it", joined);
        goto out;
    }
    if (stack->n == RECORD_MAX_LINKED_DIRS) {
        rc = wb_error_set(WB_ELIMIT, "%s: more than %d symbolic links to directories in a row",
                          joined, RECORD_MAX_LINKED_DIRS);
        goto out;
    }
    stack->dirs[stack->n++] = target;
    rc = record_directory(artifacts, target, joined, stack);
    stack->n--;
out:
    free(target);
    wb_free(parent);
    wb_free(at);
    return rc;
}

/* Record the regular files under the real directory `dir` as `name`
 * joined with their relative paths. */
static int record_directory(json_t *artifacts, const char *dir, const char *name, walk_stack *stack)
{
    static const char *const excludes[] = {"*.link*", ".git", "*/.git", "*.pyc", "*~"};
    wb_tree_options opts = {.excludes = excludes, .nexcludes = 5};
    wb_tree *tree = NULL;
    size_t i;
    int rc;

    if ((rc = wb_tree_hash(&tree, dir, &opts)) < 0)
        return rc;
    for (i = 0; i < wb_tree_count(tree) && rc == 0; i++) {
        const wb_tree_entry *e = wb_tree_get(tree, i);
        char *joined;
        if (e->type != WB_TREE_FILE && e->type != WB_TREE_SYMLINK)
            continue;
        joined = strcmp(name, ".") == 0          ? wb_strdup(e->path)
                 : name[strlen(name) - 1] == '/' ? wb_asprintf("%s%s", name, e->path)
                                                 : wb_asprintf("%s/%s", name, e->path);
        if (!joined) {
            rc = wb_error_set(WB_ENOMEM, "out of memory");
            break;
        }
        rc = e->type == WB_TREE_FILE ? add_artifact(artifacts, joined, e->sha256)
                                     : record_link(artifacts, dir, e->path, joined, stack);
        wb_free(joined);
    }
    wb_tree_free(tree);
    return rc;
}

static bool excluded_name(const char *name)
{
    static const char *const excludes[] = {"*.link*", ".git", "*.pyc", "*~"};
    size_t i;
    for (i = 0; i < sizeof(excludes) / sizeof(excludes[0]); i++)
        if (wb_layout_fnmatch(excludes[i], name) == 1)
            return true;
    return false;
}

int wb_link_record_artifacts(json_t **out, const char *const *paths, size_t npaths)
{
    json_t *artifacts;
    size_t i;
    int rc = 0;

    if (!out || (!paths && npaths))
        return wb_error_set(WB_EINVAL, "record: invalid argument");
    *out = NULL;
    artifacts = json_object();
    if (!artifacts)
        return wb_error_set(WB_ENOMEM, "out of memory");
    for (i = 0; i < npaths && rc == 0; i++) {
        struct stat st;
        char *name = normpath(paths[i]);
        if (!name) {
            rc = wb_error_set(WB_ENOMEM, "out of memory");
            break;
        }
        /* os.path.isfile / os.path.isdir: symbolic links followed; what
         * does not resolve is skipped, as what does not exist */
        if (stat(paths[i], &st) < 0) {
            if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
                rc = wb_error_set(WB_EIO, "%s: %s", paths[i], strerror(errno));
        } else if (S_ISREG(st.st_mode)) {
            if (!excluded_name(name)) {
                unsigned char sha256[WB_SHA256_LEN];
                bool regular;
                if ((rc = hash_followed(sha256, &regular, paths[i])) == 0 && regular)
                    rc = add_artifact(artifacts, name, sha256);
            }
        } else if (S_ISDIR(st.st_mode)) {
            /* a link to a directory, given, is walked where it leads */
            char *real = realpath(paths[i], NULL);
            walk_stack stack = {.n = 1};
            if (!real) {
                rc = wb_error_set(WB_EIO, "%s: %s", paths[i], strerror(errno));
            } else {
                stack.dirs[0] = real;
                rc = record_directory(artifacts, real, name, &stack);
            }
            free(real);
        }
        wb_free(name);
    }
    if (rc < 0) {
        json_decref(artifacts);
        return rc;
    }
    *out = artifacts;
    return 0;
}
