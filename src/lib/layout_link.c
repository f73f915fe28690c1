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
 * exist is skipped, as in-toto skips it with a warning; symbolic links are
 * not recorded (in-toto hashes the target of a link to a file). Hashes are
 * SHA-256, hex, {"sha256": HEX}.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

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

static int record_directory(json_t *artifacts, const char *dir, const char *name)
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
        if (e->type != WB_TREE_FILE)
            continue;
        joined = strcmp(name, ".") == 0          ? wb_strdup(e->path)
                 : name[strlen(name) - 1] == '/' ? wb_asprintf("%s%s", name, e->path)
                                                 : wb_asprintf("%s/%s", name, e->path);
        if (!joined) {
            rc = wb_error_set(WB_ENOMEM, "out of memory");
            break;
        }
        rc = add_artifact(artifacts, joined, e->sha256);
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
        if (lstat(paths[i], &st) < 0) {
            if (errno != ENOENT && errno != ENOTDIR)
                rc = wb_error_set(WB_EIO, "%s: %s", paths[i], strerror(errno));
        } else if (S_ISREG(st.st_mode)) {
            if (!excluded_name(name)) {
                unsigned char sha256[WB_SHA256_LEN];
                if ((rc = wb_digest_file(sha256, NULL, WB_DIGEST_SHA256, paths[i])) == 0)
                    rc = add_artifact(artifacts, name, sha256);
            }
        } else if (S_ISDIR(st.st_mode)) {
            rc = record_directory(artifacts, paths[i], name);
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
