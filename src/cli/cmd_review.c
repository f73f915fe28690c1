/*
 * cmd_review.c: `waybill review PATH`: the redline review of a delivery.
 *
 * A review is a list of stages run in order over one shared context; each
 * stage adds its evidence and its lines of the summary. Today there is one,
 * the component inventory (SBOM: sbom.h); the others the redline calls for
 * (vulnerabilities from OSV, malware rules, secrets, the baseline, SARIF
 * and the signed review attestation) are added to `stages` below as they
 * come, reading the inventory from the context.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char usage[] =
    "usage: waybill review PATH [--spdx FILE] [--cyclonedx FILE] [--json]\n"
    "                           [--exclude PATTERN]... [--one-file-system]\n"
    "\n"
    "Review a delivery: a directory, an archive (tar, tar.gz/xz/zst/bz2, zip),\n"
    "a jar, one file, or the root of a whole system. For now the review is the\n"
    "inventory of the components it holds (Debian packages, npm, Python, Go\n"
    "binaries, Maven jars, Cargo.lock), each with its Package URL.\n"
    "\n"
    "  --spdx FILE        write the inventory as SPDX 2.3 JSON\n"
    "  --cyclonedx FILE   write the inventory as CycloneDX 1.6 JSON\n"
    "  --json             print the summary and the components as JSON\n"
    "  --exclude PATTERN  skip paths matching PATTERN (fnmatch; '*' matches '/'),\n"
    "                     directories are not entered; repeatable\n"
    "  --one-file-system  do not enter other mounted file systems\n"
    "\n"
    "Files that cannot be read are noted on stderr and the review goes on.\n"
    "Documents are deterministic: their creation time is SOURCE_DATE_EPOCH\n"
    "when set, else now; their namespace and serial number come from the\n"
    "content. Exit status: 0 done, 2 usage, 3 the delivery cannot be read.\n";

typedef struct {
    const char *path;
    const char *spdx_out, *cyclonedx_out;
    bool json;
    cli_list excludes;
    bool one_file_system;
    int64_t created;
    /* evidence, filled by the stages */
    wb_sbom *sbom;
    json_t *report; /* --json: the stages add their members */
} review_ctx;

typedef struct {
    const char *name;
    int (*run)(review_ctx *ctx); /* an exit status */
    void (*summary)(const review_ctx *ctx);
} review_stage;

static const struct {
    wb_ecosystem eco;
    const char *label;
} ecosystems[] = {
    {WB_ECO_DEBIAN, "Debian"}, {WB_ECO_NPM, "npm"},    {WB_ECO_PYPI, "Python"},
    {WB_ECO_GO, "Go"},         {WB_ECO_MAVEN, "Java"}, {WB_ECO_CARGO, "Rust"},
};

static int write_document(const review_ctx *ctx, const char *file, bool spdx)
{
    wb_sbom_doc_options doc = {.created = ctx->created};
    char *text = NULL;
    size_t len = 0;
    int rc, status;
    rc = spdx ? wb_sbom_write_spdx(&text, &len, ctx->sbom, &doc)
              : wb_sbom_write_cyclonedx(&text, &len, ctx->sbom, &doc);
    if (rc < 0)
        return cli_fail(rc);
    status = cli_write_file_atomic(file, text, len);
    wb_free(text);
    return status;
}

static json_t *component_json(const wb_sbom_component *c)
{
    return json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}",
                     "ecosystem", wb_ecosystem_name(c->ecosystem), "name", c->name, "namespace",
                     c->group, "purl", c->purl, "version", c->version, "arch", c->arch,
                     "sourceName", c->source_name, "sourceVersion", c->source_version, "location",
                     c->location, "foundBy", c->found_by, "sha256", c->sha256, "sha512", c->sha512);
}

static int stage_inventory(review_ctx *ctx)
{
    wb_sbom_options opts = {
        .excludes = ctx->excludes.items,
        .nexcludes = ctx->excludes.count,
        .one_file_system = ctx->one_file_system,
    };
    size_t i, notes;
    int rc, status;

    if ((rc = wb_sbom_scan(&ctx->sbom, ctx->path, &opts)) < 0)
        return cli_fail(rc);
    notes = wb_sbom_note_count(ctx->sbom);
    for (i = 0; i < notes && !ctx->json; i++)
        fprintf(stderr, "waybill: note: %s\n", wb_sbom_note_at(ctx->sbom, i));
    if (wb_sbom_notes_dropped(ctx->sbom) && !ctx->json)
        fprintf(stderr, "waybill: note: %zu more notes not kept\n",
                wb_sbom_notes_dropped(ctx->sbom));
    if (ctx->spdx_out && (status = write_document(ctx, ctx->spdx_out, true)) != EXIT_OK)
        return status;
    if (ctx->cyclonedx_out && (status = write_document(ctx, ctx->cyclonedx_out, false)) != EXIT_OK)
        return status;
    if (ctx->report) {
        json_t *counts = json_object(), *list = json_array(), *note_list = json_array();
        for (i = 0; i < sizeof(ecosystems) / sizeof(ecosystems[0]); i++)
            json_object_set_new(
                counts, wb_ecosystem_name(ecosystems[i].eco),
                json_integer((json_int_t)wb_sbom_count_ecosystem(ctx->sbom, ecosystems[i].eco)));
        for (i = 0; i < wb_sbom_count(ctx->sbom); i++)
            json_array_append_new(list, component_json(wb_sbom_get(ctx->sbom, i)));
        for (i = 0; i < notes; i++)
            json_array_append_new(note_list, json_string(wb_sbom_note_at(ctx->sbom, i)));
        json_object_set_new(ctx->report, "inventory",
                            json_pack("{s:I, s:I, s:I, s:s?, s:o, s:o, s:o, s:I}", "components",
                                      (json_int_t)wb_sbom_count(ctx->sbom), "filesRead",
                                      (json_int_t)wb_sbom_files_read(ctx->sbom), "entriesSeen",
                                      (json_int_t)wb_sbom_entries_seen(ctx->sbom), "distro",
                                      wb_sbom_distro(ctx->sbom), "byEcosystem", counts,
                                      "componentList", list, "notes", note_list, "notesDropped",
                                      (json_int_t)wb_sbom_notes_dropped(ctx->sbom)));
    }
    return EXIT_OK;
}

static void summary_inventory(const review_ctx *ctx)
{
    size_t i;
    char *name = wb_path_display(wb_sbom_name(ctx->sbom));
    printf("inventory of %s: %zu components (%llu files read, %llu entries seen, %zu notes)\n",
           name ? name : "?", wb_sbom_count(ctx->sbom),
           (unsigned long long)wb_sbom_files_read(ctx->sbom),
           (unsigned long long)wb_sbom_entries_seen(ctx->sbom),
           wb_sbom_note_count(ctx->sbom) + wb_sbom_notes_dropped(ctx->sbom));
    wb_free(name);
    printf("  %-10s %10s\n", "ecosystem", "components");
    for (i = 0; i < sizeof(ecosystems) / sizeof(ecosystems[0]); i++)
        printf("  %-10s %10zu\n", ecosystems[i].label,
               wb_sbom_count_ecosystem(ctx->sbom, ecosystems[i].eco));
    if (wb_sbom_distro(ctx->sbom))
        printf("  distro: %s\n", wb_sbom_distro(ctx->sbom));
    if (ctx->spdx_out)
        printf("  SPDX 2.3: %s\n", ctx->spdx_out);
    if (ctx->cyclonedx_out)
        printf("  CycloneDX 1.6: %s\n", ctx->cyclonedx_out);
}

/* The review, stage by stage (vulnerabilities, rules, secrets, baseline,
 * SARIF and attestation go here, after the inventory they read). */
static const review_stage stages[] = {
    {"inventory", stage_inventory, summary_inventory},
};

static bool creation_time(int64_t *out)
{
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    char *end;
    long long v;
    if (!epoch || !epoch[0]) {
        *out = (int64_t)time(NULL);
        return true;
    }
    v = strtoll(epoch, &end, 10);
    if (*end || v < 0 || v > 253402300799LL) /* up to 9999-12-31 */
        return false;
    *out = v;
    return true;
}

static int run(int argc, char **argv)
{
    static const struct option options[] = {
        {"spdx", required_argument, NULL, 's'},
        {"cyclonedx", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"exclude", required_argument, NULL, 'x'},
        {"one-file-system", no_argument, NULL, 'o'},
        {0, 0, 0, 0},
    };
    review_ctx ctx;
    size_t i;
    int opt, status = EXIT_OK;

    memset(&ctx, 0, sizeof(ctx));
    optind = 1;
    while ((opt = getopt_long(argc, argv, "x:", options, NULL)) != -1) {
        switch (opt) {
        case 's':
            ctx.spdx_out = optarg;
            break;
        case 'c':
            ctx.cyclonedx_out = optarg;
            break;
        case 'j':
            ctx.json = true;
            break;
        case 'x':
            if (cli_list_add(&ctx.excludes, optarg) < 0) {
                cli_list_free(&ctx.excludes);
                return cli_fail(WB_ENOMEM);
            }
            break;
        case 'o':
            ctx.one_file_system = true;
            break;
        default:
            cli_list_free(&ctx.excludes);
            return cli_usage_error("review", "invalid option");
        }
    }
    if (optind + 1 != argc) {
        cli_list_free(&ctx.excludes);
        return cli_usage_error("review", "review needs one PATH");
    }
    ctx.path = argv[optind];
    if (!creation_time(&ctx.created)) {
        cli_list_free(&ctx.excludes);
        return cli_usage_error("review", "SOURCE_DATE_EPOCH is not a number of seconds");
    }
    if (ctx.json && !(ctx.report = json_pack("{s:s}", "path", ctx.path))) {
        cli_list_free(&ctx.excludes);
        return cli_fail(wb_error_set(WB_ENOMEM, "out of memory"));
    }
    for (i = 0; i < sizeof(stages) / sizeof(stages[0]) && status == EXIT_OK; i++)
        status = stages[i].run(&ctx);
    if (status == EXIT_OK) {
        if (ctx.json) {
            status = cli_print_json(ctx.report);
            ctx.report = NULL;
        } else {
            for (i = 0; i < sizeof(stages) / sizeof(stages[0]); i++)
                stages[i].summary(&ctx);
        }
    }
    json_decref(ctx.report);
    wb_sbom_free(ctx.sbom);
    cli_list_free(&ctx.excludes);
    return status;
}

const cli_command cmd_review = {
    .name = "review",
    .summary = "review a delivery: component inventory (SPDX, CycloneDX)",
    .run = run,
    .usage = usage,
};
