/*
 * cmd_review.c: `waybill review PATH`: the redline review of a delivery.
 *
 * A review is a list of stages run in order over one shared context: the
 * component inventory (SBOM: sbom.h), its vulnerabilities (OSV: osv.h),
 * the content pass (secrets.h and malware.h over every file), and the
 * baseline. Each stage adds its findings to one wb_review (review.h); the
 * outputs are then written from it: SARIF 2.1.0, the summary for people
 * or --json, and the signed review attestation (an in-toto Statement over
 * the reviewed files). The exit status says whether the redline was
 * crossed (docs/formats/review.md).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
    "usage: waybill review PATH [--osv DIR|ZIP] [--yara RULES]... [--bad-digests FILE]\n"
    "                           [--secret-rules FILE | --no-secrets]\n"
    "                           [--baseline-rules FILE | --no-baseline]\n"
    "                           [--redline POLICY] [--spdx FILE] [--cyclonedx FILE]\n"
    "                           [--sarif FILE] [--key KEY --out ATTESTATION] [--json]\n"
    "                           [--exclude PATTERN]... [--one-file-system]\n"
    "\n"
    "The redline review of a delivery: a directory, an archive (tar, tar.gz/xz/\n"
    "zst/bz2, zip), a jar, one file, or the root of a whole system. It takes\n"
    "the inventory of the components (Debian packages, npm, Python, Go\n"
    "binaries, Maven jars, Cargo.lock), matches them against OSV records,\n"
    "searches every file for secrets and malware indicators, and checks the\n"
    "baseline (permissions, owners, configuration, ELF hardening). Without\n"
    "options it uses the default secret and baseline rules and prints a summary.\n"
    "\n"
    "  --osv DIR|ZIP       OSV records (a directory of JSON files, or OSV's zip)\n"
    "  --yara RULES        YARA rule file (repeatable)\n"
    "  --bad-digests FILE  list of known-bad SHA-256 digests\n"
    "  --secret-rules FILE secret rules (TOML, docs/formats/secrets.md) instead of\n"
    "                      the default set; --no-secrets: no secret search\n"
    "  --baseline-rules FILE baseline rules (docs/formats/baseline.md) instead of\n"
    "                      the default set; --no-baseline: no baseline checks\n"
    "  --redline POLICY    what fails the review: KIND:SEVERITY items, comma-\n"
    "                      separated, or a file of them (default\n"
    "                      vulnerability:critical,secret:any,malware:any,baseline:high)\n"
    "  --spdx FILE         write the inventory as SPDX 2.3 JSON\n"
    "  --cyclonedx FILE    write the inventory as CycloneDX 1.6 JSON\n"
    "  --sarif FILE        write the findings as SARIF 2.1.0\n"
    "  --key KEY           sign the review attestation with KEY (repeatable) ...\n"
    "  --out ATTESTATION   ... and write it here (a DSSE envelope, in-toto Statement)\n"
    "  --json              print the summary, findings and components as JSON\n"
    "  --exclude PATTERN   skip paths matching PATTERN (fnmatch; '*' matches '/'),\n"
    "                      directories are not entered; repeatable\n"
    "  --one-file-system   do not enter other mounted file systems\n"
    "\n"
    "Files that cannot be read are noted and the review goes on; pseudo file\n"
    "systems (/proc, /sys, ...) are never entered. Documents are deterministic:\n"
    "their time is SOURCE_DATE_EPOCH when set, else now.\n"
    "Exit status: 0 the redline holds, 1 it is crossed, 2 usage, 3 the delivery\n"
    "or a rule file cannot be read.\n";

typedef struct {
    const char *path;
    const char *spdx_out, *cyclonedx_out, *sarif_out, *attestation_out;
    const char *osv_path, *secret_rules_path, *baseline_rules_path, *redline_arg;
    bool no_secrets, no_baseline;
    const char *bad_digests_path;
    cli_list yara, keys;
    bool json;
    cli_list excludes;
    bool one_file_system;
    int64_t created;
    wb_redline redline;
    /* rule sets, loaded before anything is read */
    wb_secret_rules *secret_rules;
    wb_malware_rules *yara_rules;
    wb_bad_digests *bad_digests;
    wb_baseline_rules *baseline_rules;
    wb_osv_db *osv;
    /* evidence, filled by the stages */
    wb_sbom *sbom;
    wb_content_report *content; /* the tree, secrets and malware */
    const wb_tree *tree;        /* the content's */
    wb_review *review;
    json_t *report; /* --json: the stages add their members */
} review_ctx;

typedef struct {
    const char *name;
    int (*run)(review_ctx *ctx); /* an exit status */
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

/* --- rule sets, loaded before anything of the delivery is read --- */

static int add_rule_set_file(review_ctx *ctx, const char *name, const char *path)
{
    unsigned char digest[WB_SHA256_LEN];
    int rc;
    if ((rc = wb_digest_file(digest, NULL, WB_DIGEST_SHA256, path)) < 0 ||
        (rc = wb_review_add_rule_set(ctx->review, name, "", digest)) < 0)
        return cli_fail(rc);
    return EXIT_OK;
}

static int load_redline(review_ctx *ctx)
{
    const char *text = ctx->redline_arg ? ctx->redline_arg : wb_redline_default_text();
    char *file_text = NULL;
    size_t len;
    int rc, status;

    /* a POLICY that names a file is read from it */
    if (ctx->redline_arg && access(ctx->redline_arg, F_OK) == 0) {
        if ((status = cli_read_file(&file_text, &len, ctx->redline_arg, 64 << 10)) != EXIT_OK)
            return status;
        text = file_text;
    }
    rc = wb_redline_parse(&ctx->redline, text);
    wb_free(file_text);
    if (rc < 0) {
        cli_errorf("--redline: %s", wb_error_last());
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int stage_rules(review_ctx *ctx)
{
    unsigned char digest[WB_SHA256_LEN];
    const char *base = strrchr(ctx->path, '/');
    int rc, status;

    if ((status = load_redline(ctx)) != EXIT_OK)
        return status;
    base = base && base[1] ? base + 1 : ctx->path;
    if ((rc = wb_review_new(&ctx->review, base)) < 0)
        return cli_fail(rc);
    if (!ctx->no_secrets) {
        if (ctx->secret_rules_path) {
            if ((rc = wb_secret_rules_load(&ctx->secret_rules, ctx->secret_rules_path)) < 0)
                return cli_fail(rc);
            if ((status = add_rule_set_file(ctx, "secrets", ctx->secret_rules_path)) != EXIT_OK)
                return status;
        } else {
            size_t len;
            const char *text = wb_secret_rules_default_text(&len);
            if ((rc = wb_secret_rules_parse(&ctx->secret_rules, text, len,
                                            "default secret rules")) < 0 ||
                (rc = wb_digest_buffer(digest, WB_DIGEST_SHA256, text, len)) < 0 ||
                (rc = wb_review_add_rule_set(ctx->review, "secrets (default)", wb_version(),
                                             digest)) < 0)
                return cli_fail(rc);
        }
    }
    if (!ctx->no_baseline) {
        const char *name = ctx->baseline_rules_path ? "baseline" : "baseline (default)";
        if (ctx->baseline_rules_path) {
            if ((rc = wb_baseline_rules_load(&ctx->baseline_rules, ctx->baseline_rules_path)) < 0 ||
                (rc = wb_digest_file(digest, NULL, WB_DIGEST_SHA256, ctx->baseline_rules_path)) < 0)
                return cli_fail(rc);
        } else {
            size_t len;
            const char *text = wb_baseline_rules_default_text(&len);
            if ((rc = wb_baseline_rules_parse(&ctx->baseline_rules, text, len,
                                              "default baseline rules")) < 0 ||
                (rc = wb_digest_buffer(digest, WB_DIGEST_SHA256, text, len)) < 0)
                return cli_fail(rc);
        }
        if ((rc = wb_review_add_rule_set(
                 ctx->review, name, wb_baseline_rules_version(ctx->baseline_rules), digest)) < 0)
            return cli_fail(rc);
    }
    if (ctx->yara.count) {
        size_t i;
        if ((rc = wb_malware_rules_compile(&ctx->yara_rules, (const char *const *)ctx->yara.items,
                                           ctx->yara.count)) < 0)
            return cli_fail(rc);
        for (i = 0; i < ctx->yara.count; i++)
            if ((status = add_rule_set_file(ctx, "yara", ctx->yara.items[i])) != EXIT_OK)
                return status;
    }
    if (ctx->bad_digests_path) {
        if ((rc = wb_bad_digests_load(&ctx->bad_digests, ctx->bad_digests_path)) < 0)
            return cli_fail(rc);
        if ((status = add_rule_set_file(ctx, "bad-digests", ctx->bad_digests_path)) != EXIT_OK)
            return status;
    }
    if (ctx->osv_path) {
        size_t i;
        struct stat st;
        if ((rc = wb_osv_db_load(&ctx->osv, ctx->osv_path)) < 0)
            return cli_fail(rc);
        /* OSV's zip is one file to name by its digest; a directory is not */
        if (stat(ctx->osv_path, &st) == 0 && S_ISREG(st.st_mode) &&
            (status = add_rule_set_file(ctx, "osv", ctx->osv_path)) != EXIT_OK)
            return status;
        for (i = 0; i < wb_osv_db_note_count(ctx->osv); i++) {
            char line[1024];
            snprintf(line, sizeof(line), "osv: %s", wb_osv_db_note_at(ctx->osv, i));
            if ((rc = wb_review_note(ctx->review, line)) < 0)
                return cli_fail(rc);
        }
    }
    return EXIT_OK;
}

/* --- vulnerabilities --- */

/* The OSV ecosystem and package name of a component, or false when OSV
 * cannot name it (a Debian package of an unknown release). */
static bool osv_name(const review_ctx *ctx, const wb_sbom_component *c, char *eco, size_t eco_len,
                     char *name, size_t name_len)
{
    const char *distro = wb_sbom_distro(ctx->sbom);
    switch (c->ecosystem) {
    case WB_ECO_DEBIAN:
        if (!distro || strncmp(distro, "debian-", 7) != 0 || !distro[7])
            return false;
        snprintf(eco, eco_len, "Debian:%s", distro + 7);
        snprintf(name, name_len, "%s", c->source_name ? c->source_name : c->name);
        return true;
    case WB_ECO_NPM:
        snprintf(eco, eco_len, "npm");
        break;
    case WB_ECO_PYPI:
        snprintf(eco, eco_len, "PyPI");
        break;
    case WB_ECO_GO:
        snprintf(eco, eco_len, "Go");
        break;
    case WB_ECO_MAVEN:
        snprintf(eco, eco_len, "Maven");
        snprintf(name, name_len, "%s:%s", c->group ? c->group : "", c->name);
        return c->group != NULL;
    case WB_ECO_CARGO:
        snprintf(eco, eco_len, "crates.io");
        break;
    default:
        return false;
    }
    if (c->group)
        snprintf(name, name_len, "%s/%s", c->group, c->name);
    else
        snprintf(name, name_len, "%s", c->name);
    return true;
}

static bool severity_word(wb_severity *out, const char *word)
{
    static const struct {
        const char *word;
        wb_severity severity;
    } words[] = {
        {"critical", WB_SEVERITY_CRITICAL}, {"high", WB_SEVERITY_HIGH},
        {"important", WB_SEVERITY_HIGH},    {"moderate", WB_SEVERITY_MEDIUM},
        {"medium", WB_SEVERITY_MEDIUM},     {"low", WB_SEVERITY_LOW},
        {"negligible", WB_SEVERITY_LOW},    {"unimportant", WB_SEVERITY_LOW},
    };
    size_t i;
    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasecmp(word, words[i].word) == 0) {
            *out = words[i].severity;
            return true;
        }
    return false;
}

/* The highest severity the records give: CVSS v2 and v3 vectors scored,
 * words mapped; medium when nothing can be read (docs/formats/review.md). */
static wb_severity vulnerability_severity(const wb_osv_finding *f, bool *known)
{
    wb_severity best = WB_SEVERITY_NONE, s;
    size_t i;
    *known = false;
    for (i = 0; i < f->n_severity; i++) {
        const char *type = f->severity[i].type, *score = f->severity[i].score;
        bool ok;
        if (!score)
            continue;
        if (strncmp(type, "CVSS_", 5) == 0)
            ok = wb_cvss_severity(&s, NULL, score) == 0;
        else
            ok = severity_word(&s, score);
        if (ok && (!*known || s > best)) {
            best = s;
            *known = true;
        }
    }
    return *known ? best : WB_SEVERITY_MEDIUM;
}

static int stage_vulnerabilities(review_ctx *ctx)
{
    size_t i, j, unnamed = 0;
    int rc;

    if (!ctx->osv)
        return EXIT_OK;
    for (i = 0; i < wb_sbom_count(ctx->sbom); i++) {
        const wb_sbom_component *c = wb_sbom_get(ctx->sbom, i);
        const char *version =
            c->ecosystem == WB_ECO_DEBIAN && c->source_version ? c->source_version : c->version;
        wb_osv_findings *found = NULL;
        char eco[64], name[WB_SBOM_MAX_FIELD * 2 + 2];

        if (!version || !osv_name(ctx, c, eco, sizeof(eco), name, sizeof(name))) {
            unnamed++;
            continue;
        }
        rc = wb_osv_query(&found, ctx->osv, eco, name, version);
        if (rc == WB_EFORMAT || rc == WB_ENOTFOUND || rc == WB_ELIMIT) {
            char line[1024];
            snprintf(line, sizeof(line), "%s: not matched against OSV: %s", c->purl,
                     wb_error_last());
            if ((rc = wb_review_note(ctx->review, line)) < 0)
                return cli_fail(rc);
            continue;
        }
        if (rc < 0)
            return cli_fail(rc);
        for (j = 0; j < wb_osv_findings_count(found); j++) {
            const wb_osv_finding *v = wb_osv_findings_at(found, j);
            bool known;
            wb_severity sev = vulnerability_severity(v, &known);
            char message[1024];
            wb_review_rule rule = {WB_FINDING_VULNERABILITY, v->id, v->summary, sev, "ID.RA-01"};
            wb_finding f = {
                .kind = WB_FINDING_VULNERABILITY,
                .severity = sev,
                .rule_id = v->id,
                .message = message,
                .path = c->location,
                .component = c->purl,
                .fixed = v->fixed,
                .aliases = v->aliases,
                .n_aliases = v->n_aliases,
            };
            snprintf(message, sizeof(message), "%s %s %s: %s%s; %s%s", c->name, version, v->id,
                     v->summary ? v->summary : "vulnerable", known ? "" : " (severity unknown)",
                     v->fixed ? "fixed in " : "no fix known", v->fixed ? v->fixed : "");
            if ((rc = wb_review_add_rule(ctx->review, &rule)) < 0 ||
                (rc = wb_review_add(ctx->review, &f)) < 0) {
                wb_osv_findings_free(found);
                return cli_fail(rc);
            }
        }
        wb_osv_findings_free(found);
    }
    if (unnamed) {
        char line[256];
        snprintf(line, sizeof(line),
                 "%zu components not matched against OSV: no version, or a Debian package "
                 "of an unknown release (no etc/os-release)",
                 unnamed);
        if ((rc = wb_review_note(ctx->review, line)) < 0)
            return cli_fail(rc);
    }
    return EXIT_OK;
}

/* --- content: every file, once: digests, secrets, malware --- */

static int add_secret_findings(review_ctx *ctx, const wb_secret_report *report)
{
    size_t i;
    int rc;
    for (i = 0; i < wb_secret_report_count(report); i++) {
        const wb_secret_finding *s = wb_secret_report_get(report, i);
        char message[512];
        wb_review_rule rule = {WB_FINDING_SECRET, s->rule_id, s->description, WB_SEVERITY_HIGH,
                               "PR.AA-01"};
        wb_finding f = {
            .kind = WB_FINDING_SECRET,
            .severity = WB_SEVERITY_HIGH,
            .rule_id = s->rule_id,
            .message = message,
            .path = s->path,
            .line = s->line,
            .column = s->column,
        };
        snprintf(message, sizeof(message), "%s: %s", s->description ? s->description : s->rule_id,
                 s->redacted ? s->redacted : "");
        if ((rc = wb_review_add_rule(ctx->review, &rule)) < 0 ||
            (rc = wb_review_add(ctx->review, &f)) < 0)
            return cli_fail(rc);
    }
    for (i = 0; ctx->secret_rules && i < wb_secret_rules_count(ctx->secret_rules); i++) {
        wb_review_rule rule = {WB_FINDING_SECRET, wb_secret_rules_id(ctx->secret_rules, i), NULL,
                               WB_SEVERITY_HIGH, "PR.AA-01"};
        if ((rc = wb_review_add_rule(ctx->review, &rule)) < 0)
            return cli_fail(rc);
    }
    return EXIT_OK;
}

static int add_malware_findings(review_ctx *ctx, const wb_malware_report *report)
{
    size_t i, t;
    int rc;
    for (i = 0; i < wb_malware_report_count(report); i++) {
        const wb_malware_finding *m = wb_malware_report_get(report, i);
        char id[512], message[1024], hex[2 * WB_SHA256_LEN + 1];
        wb_severity sev = WB_SEVERITY_CRITICAL;
        const char *description;
        size_t used;
        switch (m->kind) {
        case WB_MALWARE_YARA:
            snprintf(id, sizeof(id), "yara/%s/%s", m->ns, m->rule);
            used = (size_t)snprintf(message, sizeof(message), "YARA rule %s:%s matched", m->ns,
                                    m->rule);
            for (t = 0; t < m->ntags && used < sizeof(message); t++)
                used += (size_t)snprintf(message + used, sizeof(message) - used, "%s%s",
                                         t ? " " : " (tags: ", m->tags[t]);
            if (m->ntags && used < sizeof(message))
                snprintf(message + used, sizeof(message) - used, ")");
            description = "a YARA rule given with --yara matched";
            break;
        case WB_MALWARE_DIGEST:
            wb_hex_encode(hex, m->sha256, WB_SHA256_LEN);
            snprintf(id, sizeof(id), "bad-digest");
            snprintf(message, sizeof(message), "SHA-256 %s is on the known-bad list%s%s%s", hex,
                     m->rule[0] ? " (" : "", m->rule, m->rule[0] ? ")" : "");
            description = "the file's SHA-256 is on a known-bad list given with --bad-digests";
            break;
        default:
            sev = WB_SEVERITY_MEDIUM;
            snprintf(id, sizeof(id), "yara-incomplete");
            snprintf(message, sizeof(message), "the YARA scan of this file timed out");
            description = "the YARA scan of a file did not finish";
            break;
        }
        {
            wb_review_rule rule = {WB_FINDING_MALWARE, id, description, sev, "DE.CM-09"};
            wb_finding f = {.kind = WB_FINDING_MALWARE,
                            .severity = sev,
                            .rule_id = id,
                            .message = message,
                            .path = m->path};
            if ((rc = wb_review_add_rule(ctx->review, &rule)) < 0 ||
                (rc = wb_review_add(ctx->review, &f)) < 0)
                return cli_fail(rc);
        }
    }
    return EXIT_OK;
}

static int stage_content(review_ctx *ctx)
{
    wb_content_options opts = {
        .secret_rules = ctx->secret_rules,
        .yara_rules = ctx->yara_rules,
        .bad_digests = ctx->bad_digests,
        .excludes = (const char *const *)ctx->excludes.items,
        .nexcludes = ctx->excludes.count,
        .one_file_system = ctx->one_file_system,
    };
    size_t i;
    int rc, status;

    if ((rc = wb_content_scan(&ctx->content, ctx->path, &opts)) < 0)
        return cli_fail(rc);
    ctx->tree = wb_content_tree(ctx->content);
    for (i = 0; i < wb_content_note_count(ctx->content); i++)
        if ((rc = wb_review_note(ctx->review, wb_content_note_at(ctx->content, i))) < 0)
            return cli_fail(rc);
    if (wb_content_notes_dropped(ctx->content)) {
        char line[128];
        snprintf(line, sizeof(line), "%llu more notes of the walk not kept",
                 (unsigned long long)wb_content_notes_dropped(ctx->content));
        if ((rc = wb_review_note(ctx->review, line)) < 0)
            return cli_fail(rc);
    }
    if (ctx->secret_rules &&
        (status = add_secret_findings(ctx, wb_content_secrets(ctx->content))) != EXIT_OK)
        return status;
    return add_malware_findings(ctx, wb_content_malware(ctx->content));
}

/* --- the baseline: permissions, owners, configuration, ELF hardening --- */

static int stage_baseline(review_ctx *ctx)
{
    const wb_baseline_rules *rules = ctx->baseline_rules;
    wb_baseline_report *report = NULL;
    size_t i;
    int rc;

    if (!rules)
        return EXIT_OK;
    for (i = 0; i < wb_baseline_rules_count(rules); i++) {
        wb_review_rule rule = {WB_FINDING_BASELINE, wb_baseline_rules_id(rules, i),
                               wb_baseline_rules_description(rules, i),
                               wb_baseline_rules_severity(rules, i),
                               wb_baseline_rules_csf(rules, i)};
        if ((rc = wb_review_add_rule(ctx->review, &rule)) < 0)
            return cli_fail(rc);
    }
    if ((rc = wb_baseline_scan(&report, rules, ctx->path, ctx->tree, NULL)) < 0)
        return cli_fail(rc);
    for (i = 0; i < wb_baseline_report_note_count(report) && rc == 0; i++)
        rc = wb_review_note(ctx->review, wb_baseline_report_note(report, i));
    if (rc == 0 && wb_baseline_report_notes_dropped(report)) {
        char line[128];
        snprintf(line, sizeof(line), "baseline: %llu more notes not kept",
                 (unsigned long long)wb_baseline_report_notes_dropped(report));
        rc = wb_review_note(ctx->review, line);
    }
    for (i = 0; i < wb_baseline_report_count(report) && rc == 0; i++) {
        const wb_baseline_finding *b = wb_baseline_report_get(report, i);
        wb_finding f = {.kind = WB_FINDING_BASELINE,
                        .severity = b->severity,
                        .rule_id = b->rule_id,
                        .message = b->message,
                        .path = b->path,
                        .line = b->line};
        rc = wb_review_add(ctx->review, &f);
    }
    wb_baseline_report_free(report);
    return rc < 0 ? cli_fail(rc) : EXIT_OK;
}

/* --- outputs --- */

static const wb_finding_kind kinds[] = {WB_FINDING_VULNERABILITY, WB_FINDING_SECRET,
                                        WB_FINDING_MALWARE, WB_FINDING_BASELINE};

static char *root_uri(const char *path)
{
    char *abs = realpath(path, NULL), *uri;
    size_t len;
    if (!abs)
        return NULL;
    len = strlen(abs);
    uri = malloc(len + 16);
    if (uri)
        snprintf(uri, len + 16, "file://%s%s", abs, abs[len - 1] == '/' ? "" : "/");
    free(abs);
    return uri;
}

static int write_sarif(const review_ctx *ctx)
{
    char *text = NULL, *uri = NULL;
    size_t len = 0;
    wb_sarif_options opts = {.tool_version = wb_version()};
    int rc, status;
    /* a base URI for a directory only: members of an archive have none */
    if (ctx->tree && wb_tree_get_source(ctx->tree) == WB_TREE_SOURCE_DIRECTORY &&
        (uri = root_uri(ctx->path)) && !strpbrk(uri, " %#?[]\"<>\\^`{|}"))
        opts.root_uri = uri;
    rc = wb_review_write_sarif(&text, &len, ctx->review, &opts);
    free(uri);
    if (rc < 0)
        return cli_fail(rc);
    status = cli_write_file_atomic(ctx->sarif_out, text, len);
    wb_free(text);
    return status;
}

static int write_attestation(const review_ctx *ctx)
{
    wb_key **keys = NULL;
    const char **keyids = NULL;
    unsigned char sbom_digest[32];
    wb_review_attestation_info info = {
        .reviewed = ctx->created, .redline = &ctx->redline, .tool_version = wb_version()};
    wb_envelope *env = NULL;
    char *statement = NULL;
    size_t len, i;
    int rc = 0, status = EXIT_OK;

    keys = calloc(ctx->keys.count, sizeof(*keys));
    keyids = calloc(ctx->keys.count, sizeof(*keyids));
    if (!keys || !keyids) {
        status = cli_fail(wb_error_set(WB_ENOMEM, "out of memory"));
        goto out;
    }
    for (i = 0; i < ctx->keys.count; i++) {
        if ((rc = wb_key_load(&keys[i], ctx->keys.items[i])) < 0)
            goto fail;
        if (!wb_key_has_private(keys[i])) {
            cli_errorf("%s: a public key; --key needs the private key", ctx->keys.items[i]);
            status = EXIT_USAGE;
            goto out;
        }
        keyids[i] = wb_key_id(keys[i]);
    }
    info.keyids = keyids;
    info.nkeyids = ctx->keys.count;
    if (ctx->sbom && wb_sbom_content_digest(sbom_digest, ctx->sbom) == 0) {
        info.sbom_sha256 = sbom_digest;
        info.components = wb_sbom_count(ctx->sbom);
    }
    if ((rc = wb_review_statement(&statement, &len, ctx->review, ctx->tree, &info)) < 0 ||
        (rc = wb_envelope_new(&env, WB_INTOTO_PAYLOAD_TYPE, statement, len)) < 0)
        goto fail;
    for (i = 0; i < ctx->keys.count; i++)
        if ((rc = wb_dsse_sign(env, keys[i])) < 0)
            goto fail;
    if ((rc = wb_envelope_save(env, ctx->attestation_out)) < 0)
        goto fail;
    goto out;
fail:
    status = cli_fail(rc);
out:
    for (i = 0; keys && i < ctx->keys.count; i++)
        wb_key_free(keys[i]);
    free(keys);
    free(keyids);
    wb_free(statement);
    wb_envelope_free(env);
    return status;
}

static void report_json(review_ctx *ctx, size_t crossed)
{
    json_t *findings = json_array(), *counts = json_object(), *notes = json_array();
    char *policy = wb_redline_format(&ctx->redline);
    size_t i, k;
    for (i = 0; i < wb_review_count(ctx->review); i++)
        json_array_append_new(findings, wb_finding_json(wb_review_get(ctx->review, i)));
    for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        json_t *by = json_object();
        unsigned s;
        for (s = WB_SEVERITY_NONE; s <= WB_SEVERITY_CRITICAL; s++)
            json_object_set_new(by, wb_severity_name((wb_severity)s),
                                json_integer((json_int_t)wb_review_count_of(ctx->review, kinds[k],
                                                                            (wb_severity)s)));
        json_object_set_new(counts, wb_finding_kind_name(kinds[k]), by);
    }
    for (i = 0; wb_review_note_at(ctx->review, i); i++)
        json_array_append_new(notes, json_string(wb_review_note_at(ctx->review, i)));
    json_object_set_new(ctx->report, "redline",
                        json_pack("{s:s?, s:s, s:I}", "policy", policy, "result",
                                  crossed ? "fail" : "pass", "findingsOverRedline",
                                  (json_int_t)crossed));
    json_object_set_new(ctx->report, "counts", counts);
    json_object_set_new(ctx->report, "findings", findings);
    json_object_set_new(ctx->report, "notes", notes);
    if (ctx->tree)
        json_object_set_new(ctx->report, "files",
                            json_pack("{s:I, s:I}", "count",
                                      (json_int_t)wb_tree_file_count(ctx->tree), "bytes",
                                      (json_int_t)wb_tree_total_bytes(ctx->tree)));
    wb_free(policy);
}

#define WORST_SHOWN 20

static void summary_findings(const review_ctx *ctx, size_t crossed)
{
    char *policy = wb_redline_format(&ctx->redline);
    size_t i, k, n = wb_review_count(ctx->review);
    int s;

    printf("review of %s: %zu findings; redline %s\n", ctx->path, n, policy ? policy : "?");
    if (crossed)
        printf("  FAIL: %zu findings cross the redline\n", crossed);
    else
        printf("  PASS: no finding crosses the redline\n");
    wb_free(policy);
    printf("  %-14s %9s %9s %9s %9s %9s\n", "kind", "critical", "high", "medium", "low", "none");
    for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        printf("  %-14s", wb_finding_kind_name(kinds[k]));
        for (s = WB_SEVERITY_CRITICAL; s >= WB_SEVERITY_NONE; s--)
            printf(" %9zu", wb_review_count_of(ctx->review, kinds[k], (wb_severity)s));
        printf("\n");
    }
    if (n)
        printf("  worst findings%s:\n", n > WORST_SHOWN ? " (the first 20; --sarif or --json "
                                                          "for all)"
                                                        : "");
    for (i = 0; i < n && i < WORST_SHOWN; i++) {
        const wb_finding *f = wb_review_get(ctx->review, i);
        char *path = f->path ? wb_path_display(f->path) : NULL;
        char where[64] = "";
        if (f->line)
            snprintf(where, sizeof(where), ":%zu", f->line);
        printf("  %-8s %-13s %s%s  %s\n", wb_severity_name(f->severity),
               wb_finding_kind_name(f->kind), path ? path : "-", where,
               f->message ? f->message : f->rule_id);
        wb_free(path);
    }
    if (wb_review_note_count(ctx->review))
        printf("  notes: %zu (files or records that could not be read; --json lists them)\n",
               wb_review_note_count(ctx->review));
    if (ctx->tree)
        printf("  files reviewed: %llu (%llu bytes)\n",
               (unsigned long long)wb_tree_file_count(ctx->tree),
               (unsigned long long)wb_tree_total_bytes(ctx->tree));
    if (ctx->sarif_out)
        printf("  SARIF 2.1.0: %s\n", ctx->sarif_out);
    if (ctx->attestation_out)
        printf("  review attestation: %s\n", ctx->attestation_out);
}

/* The review, stage by stage; later stages read what earlier ones found. */
static const review_stage stages[] = {
    {"rules", stage_rules},
    {"inventory", stage_inventory},
    {"vulnerabilities", stage_vulnerabilities},
    {"content", stage_content},
    {"baseline", stage_baseline},
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

static void ctx_free(review_ctx *ctx)
{
    json_decref(ctx->report);
    wb_sbom_free(ctx->sbom);
    wb_content_report_free(ctx->content);
    wb_review_free(ctx->review);
    wb_secret_rules_free(ctx->secret_rules);
    wb_malware_rules_free(ctx->yara_rules);
    wb_bad_digests_free(ctx->bad_digests);
    wb_baseline_rules_free(ctx->baseline_rules);
    wb_osv_db_free(ctx->osv);
    cli_list_free(&ctx->excludes);
    cli_list_free(&ctx->yara);
    cli_list_free(&ctx->keys);
}

static int finish(review_ctx *ctx)
{
    size_t crossed;
    int status;

    wb_review_sort(ctx->review);
    crossed = wb_redline_crossed(&ctx->redline, ctx->review);
    if (ctx->sarif_out && (status = write_sarif(ctx)) != EXIT_OK)
        return status;
    if (ctx->attestation_out && (status = write_attestation(ctx)) != EXIT_OK)
        return status;
    if (ctx->json) {
        report_json(ctx, crossed);
        status = cli_print_json(ctx->report);
        ctx->report = NULL;
        if (status != EXIT_OK)
            return status;
    } else {
        summary_findings(ctx, crossed);
        summary_inventory(ctx);
    }
    return crossed ? EXIT_VERIFY : EXIT_OK;
}

static int run(int argc, char **argv)
{
    static const struct option options[] = {
        {"spdx", required_argument, NULL, 's'},
        {"cyclonedx", required_argument, NULL, 'c'},
        {"sarif", required_argument, NULL, 'S'},
        {"json", no_argument, NULL, 'j'},
        {"exclude", required_argument, NULL, 'x'},
        {"one-file-system", no_argument, NULL, 'o'},
        {"osv", required_argument, NULL, 'V'},
        {"yara", required_argument, NULL, 'y'},
        {"bad-digests", required_argument, NULL, 'b'},
        {"secret-rules", required_argument, NULL, 'r'},
        {"no-secrets", no_argument, NULL, 'R'},
        {"baseline-rules", required_argument, NULL, 'l'},
        {"no-baseline", no_argument, NULL, 'L'},
        {"redline", required_argument, NULL, 'p'},
        {"key", required_argument, NULL, 'k'},
        {"out", required_argument, NULL, 'O'},
        {0, 0, 0, 0},
    };
    review_ctx ctx;
    size_t i;
    int opt, status = EXIT_OK;
    cli_list *list;

    memset(&ctx, 0, sizeof(ctx));
    optind = 1;
    while ((opt = getopt_long(argc, argv, "x:", options, NULL)) != -1) {
        list = NULL;
        switch (opt) {
        case 's':
            ctx.spdx_out = optarg;
            break;
        case 'c':
            ctx.cyclonedx_out = optarg;
            break;
        case 'S':
            ctx.sarif_out = optarg;
            break;
        case 'j':
            ctx.json = true;
            break;
        case 'x':
            list = &ctx.excludes;
            break;
        case 'o':
            ctx.one_file_system = true;
            break;
        case 'V':
            ctx.osv_path = optarg;
            break;
        case 'y':
            list = &ctx.yara;
            break;
        case 'b':
            if (ctx.bad_digests_path) {
                ctx_free(&ctx);
                return cli_usage_error("review", "--bad-digests given twice");
            }
            ctx.bad_digests_path = optarg;
            break;
        case 'r':
            ctx.secret_rules_path = optarg;
            break;
        case 'R':
            ctx.no_secrets = true;
            break;
        case 'l':
            ctx.baseline_rules_path = optarg;
            break;
        case 'L':
            ctx.no_baseline = true;
            break;
        case 'p':
            ctx.redline_arg = optarg;
            break;
        case 'k':
            list = &ctx.keys;
            break;
        case 'O':
            ctx.attestation_out = optarg;
            break;
        default:
            ctx_free(&ctx);
            return cli_usage_error("review", "invalid option");
        }
        if (list && cli_list_add(list, optarg) < 0) {
            ctx_free(&ctx);
            return cli_fail(WB_ENOMEM);
        }
    }
    if (optind + 1 != argc)
        status = cli_usage_error("review", "review needs one PATH");
    else if ((ctx.no_secrets && ctx.secret_rules_path) ||
             (ctx.no_baseline && ctx.baseline_rules_path))
        status = cli_usage_error("review", "--no-secrets and --secret-rules (or --no-baseline "
                                           "and --baseline-rules) contradict each other");
    else if (!ctx.keys.count != !ctx.attestation_out)
        status = cli_usage_error("review", "--key and --out go together: the attestation is "
                                           "signed with --key and written to --out");
    else if (!creation_time(&ctx.created))
        status = cli_usage_error("review", "SOURCE_DATE_EPOCH is not a number of seconds");
    if (status != EXIT_OK) {
        ctx_free(&ctx);
        return status;
    }
    ctx.path = argv[optind];
    if (ctx.json && !(ctx.report = json_pack("{s:s}", "path", ctx.path))) {
        ctx_free(&ctx);
        return cli_fail(wb_error_set(WB_ENOMEM, "out of memory"));
    }
    for (i = 0; i < sizeof(stages) / sizeof(stages[0]) && status == EXIT_OK; i++)
        status = stages[i].run(&ctx);
    if (status == EXIT_OK)
        status = finish(&ctx);
    ctx_free(&ctx);
    return status;
}

const cli_command cmd_review = {
    .name = "review",
    .summary = "redline review: inventory, vulnerabilities, secrets, malware, baseline",
    .run = run,
    .usage = usage,
};
