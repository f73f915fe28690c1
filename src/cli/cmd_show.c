/*
 * cmd_show.c: `waybill show`: what a waybill says, for people.
 *
 * show verifies nothing: it says so, and names the keys that claim to have
 * signed so the reader knows which public keys `waybill verify` needs.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: waybill show WAYBILL [--json]\n"
    "\n"
    "Print what a waybill says: the keys that signed it (not verified: use\n"
    "waybill verify), the delivery's name, version, supplier, recipient site,\n"
    "creation time, and its files and bytes.\n";

static void field(const char *label, const char *value)
{
    char *shown;
    if (!value)
        return;
    shown = wb_path_display(value);
    printf("%-18s %s\n", label, shown ? shown : "?");
    wb_free(shown);
}

static int run(int argc, char **argv)
{
    static const struct option options[] = {
        {"json", no_argument, NULL, 'j'},
        {0, 0, 0, 0},
    };
    wb_envelope *env = NULL;
    wb_delivery *delivery = NULL;
    const unsigned char *payload;
    size_t payload_len, i;
    bool json = false;
    int opt, rc, status = EXIT_OK;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt != 'j')
            return cli_usage_error("show", "invalid option");
        json = true;
    }
    if (optind + 1 != argc)
        return cli_usage_error("show", "show needs one WAYBILL");
    if ((rc = wb_envelope_load(&env, argv[optind])) < 0)
        return cli_fail(rc);
    payload = wb_envelope_payload(env, &payload_len);
    if (strcmp(wb_envelope_payload_type(env), WB_INTOTO_PAYLOAD_TYPE) != 0)
        rc = wb_error_set(WB_EFORMAT, "%s: payload type %s is not a waybill's", argv[optind],
                          wb_envelope_payload_type(env));
    else
        rc = wb_delivery_parse(&delivery, payload, payload_len, argv[optind]);
    if (rc < 0) {
        status = cli_fail(rc);
        goto out;
    }
    if (json) {
        json_t *keyids = json_array();
        for (i = 0; keyids && i < wb_envelope_signature_count(env); i++)
            json_array_append_new(keyids, json_string(wb_envelope_signature_keyid(env, i)));
        status = cli_print_json(json_pack(
            "{s:s, s:b, s:o, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:I, s:I, s:I, s:I, s:b, s:b}",
            "waybill", argv[optind], "signaturesVerified", 0, "signatureKeyids", keyids, "name",
            wb_delivery_name(delivery), "version", wb_delivery_version(delivery), "supplier",
            wb_delivery_supplier(delivery), "site", wb_delivery_site(delivery), "created",
            wb_delivery_created(delivery), "source", wb_delivery_source_type(delivery), "files",
            (json_int_t)wb_delivery_file_count(delivery), "bytes",
            (json_int_t)wb_delivery_total_bytes(delivery), "symlinks",
            (json_int_t)wb_delivery_symlink_count(delivery), "emptyDirectories",
            (json_int_t)wb_delivery_empty_dir_count(delivery), "supplyChain",
            wb_delivery_supply_chain(delivery) != NULL, "review",
            wb_delivery_review(delivery) != NULL));
        goto out;
    }
    {
        char bytes[32], count[64];
        printf("waybill %s (signatures not verified here: use waybill verify)\n", argv[optind]);
        for (i = 0; i < wb_envelope_signature_count(env); i++)
            field("signed by key:", wb_envelope_signature_keyid(env, i)[0]
                                        ? wb_envelope_signature_keyid(env, i)
                                        : "(no key id given)");
        field("name:", wb_delivery_name(delivery));
        field("version:", wb_delivery_version(delivery));
        field("supplier:", wb_delivery_supplier(delivery));
        field("site:", wb_delivery_site(delivery));
        field("created:", wb_delivery_created(delivery));
        field("sealed from:", wb_delivery_source_type(delivery));
        cli_format_bytes(bytes, sizeof(bytes), wb_delivery_total_bytes(delivery));
        snprintf(count, sizeof(count), "%llu",
                 (unsigned long long)wb_delivery_file_count(delivery));
        field("files:", count);
        field("bytes:", bytes);
        snprintf(count, sizeof(count), "%zu", wb_delivery_symlink_count(delivery));
        field("symlinks:", count);
        snprintf(count, sizeof(count), "%zu", wb_delivery_empty_dir_count(delivery));
        field("empty directories:", count);
        for (i = 0; i < wb_delivery_exclude_count(delivery); i++)
            field("excluded:", wb_delivery_exclude(delivery, i));
        if (wb_delivery_supply_chain(delivery))
            field("supply chain:", "carried (verify --layout-key checks it)");
        if (wb_delivery_review(delivery))
            field("review:", "carried (verify --require-review checks it)");
    }
out:
    wb_delivery_free(delivery);
    wb_envelope_free(env);
    return status;
}

const cli_command cmd_show = {
    .name = "show",
    .summary = "print what a waybill says",
    .run = run,
    .usage = usage,
};
