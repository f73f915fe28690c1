/*
 * layout_inspect.c: running a layout's inspections (in-toto specification
 * v0.9, section 5.1, step 6).
 *
 * An inspection is a command the verifier runs itself, in the current
 * directory, with everything there recorded before (materials) and after
 * (products), as in-toto's verifier does: every regular file under ".",
 * hashed with SHA-256, minus in-toto's default exclusions (*.link*, .git,
 * *.pyc, *~), symbolic links followed as in-toto-run follows them.
 *
 * Recording is wb_link_record_artifacts() of "." (layout_link.c).
 *
 * The command is executed directly (execvp, no shell), with standard input
 * from /dev/null; its output goes where the caller's goes. A command that
 * cannot start or exits non-zero fails verification, naming the inspection.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "layout_internal.h"
#include "waybill/layout.h"

static int record_artifacts(json_t **out, const char *what)
{
    static const char *const here[] = {"."};
    int rc = wb_link_record_artifacts(out, here, 1);
    if (rc < 0)
        return wb_error_prefix(rc, "recording %s: ", what);
    return 0;
}

/* Run argv; *status_out gets its exit status (or 128 + signal). */
static int run_command(int *status_out, char *const *argv, const char *inspection)
{
    pid_t pid, waited;
    int status;

    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return wb_error_set(WB_EIO, "inspection '%s': cannot fork: %s", inspection,
                            strerror(errno));
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            if (devnull != STDIN_FILENO)
                close(devnull);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    do
        waited = waitpid(pid, &status, 0);
    while (waited < 0 && errno == EINTR);
    if (waited < 0)
        return wb_error_set(WB_EIO, "inspection '%s': waitpid: %s", inspection, strerror(errno));
    if (WIFEXITED(status))
        *status_out = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        *status_out = 128 + WTERMSIG(status);
    else
        *status_out = 255;
    return 0;
}

int wb_layout_run_inspection(json_t **out, const json_t *inspection, const char *layout_name)
{
    const char *name = json_string_value(json_object_get(inspection, "name"));
    const json_t *run = json_object_get(inspection, "run");
    json_t *materials = NULL, *products = NULL;
    char **argv = NULL;
    size_t i, n = json_array_size(run);
    int status = 0, rc;

    *out = NULL;
    if (n == 0)
        return wb_error_set(WB_EVERIFY, "%s: inspection '%s' has no command to run", layout_name,
                            name);
    argv = wb_calloc(n + 1, sizeof(*argv));
    if (!argv)
        return wb_error_set(WB_ENOMEM, "out of memory");
    for (i = 0; i < n; i++)
        argv[i] = (char *)json_string_value(json_array_get(run, i));
    if ((rc = record_artifacts(&materials, "materials")) < 0 ||
        (rc = run_command(&status, argv, name)) < 0 ||
        (rc = record_artifacts(&products, "products")) < 0)
        goto out;
    if (status != 0) {
        rc = wb_error_set(WB_EVERIFY, "%s: inspection '%s': command '%s' exited with status %d%s",
                          layout_name, name, argv[0], status,
                          status == 127 ? " (could it run?)" : "");
        goto out;
    }
    *out = json_pack("{s:s, s:s, s:O, s:O, s:{s:i}, s:O, s:{}}", "_type", "link", "name", name,
                     "materials", materials, "products", products, "byproducts", "return-value",
                     status, "command", run, "environment");
    if (!*out)
        rc = wb_error_set(WB_ENOMEM, "out of memory");
out:
    json_decref(materials);
    json_decref(products);
    wb_free(argv);
    return rc;
}
