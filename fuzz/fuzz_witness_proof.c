/*
 * fuzz_witness_proof.c: the consistency proof file `waybill log witness
 * --proof` reads (wb_witness_proof_parse, docs/formats/witness.md).
 *
 * Checked with abort():
 *  - a failed parse is WB_EFORMAT or WB_ELIMIT, nothing else;
 *  - a parsed proof has from <= to and at most WB_TLOG_MAX_CONSISTENCY_PROOF
 *    hashes;
 *  - written back as JSON in the documented form, it parses to the same
 *    proof (the parser keeps every bit of what it accepts);
 *  - checking it against its own roots never crashes, and its verdict is
 *    stable.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "waybill/waybill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void b64(char out[48], const wb_tlog_hash *h)
{
    char *s = NULL;
    if (wb_base64_encode(&s, NULL, h->bytes, WB_TLOG_HASH_LEN) < 0 || strlen(s) >= 48)
        abort();
    strcpy(out, s);
    wb_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_witness_proof p, q;
    char text[16384], h[48];
    size_t len = 0, i;
    int rc, v1, v2;

    rc = wb_witness_proof_parse(&p, (const char *)data, size, "fuzz");
    if (rc < 0) {
        if (rc != WB_EFORMAT && rc != WB_ELIMIT)
            abort();
        wb_error_clear();
        return 0;
    }
    if (p.from > p.to || p.n_hashes > WB_TLOG_MAX_CONSISTENCY_PROOF)
        abort();
    len += (size_t)snprintf(text + len, sizeof(text) - len, "{\"from\": %llu, \"to\": %llu",
                            (unsigned long long)p.from, (unsigned long long)p.to);
    b64(h, &p.old_root);
    len += (size_t)snprintf(text + len, sizeof(text) - len, ", \"old_root\": \"%s\"", h);
    b64(h, &p.new_root);
    len +=
        (size_t)snprintf(text + len, sizeof(text) - len, ", \"new_root\": \"%s\", \"proof\": [", h);
    for (i = 0; i < p.n_hashes; i++) {
        b64(h, &p.hashes[i]);
        len += (size_t)snprintf(text + len, sizeof(text) - len, "%s\"%s\"", i ? ", " : "", h);
    }
    len += (size_t)snprintf(text + len, sizeof(text) - len, "]}\n");
    if (len >= sizeof(text))
        abort();
    if (wb_witness_proof_parse(&q, text, len, "round trip") < 0)
        abort();
    if (q.from != p.from || q.to != p.to || q.n_hashes != p.n_hashes ||
        memcmp(&q.old_root, &p.old_root, sizeof(p.old_root)) != 0 ||
        memcmp(&q.new_root, &p.new_root, sizeof(p.new_root)) != 0 ||
        memcmp(q.hashes, p.hashes, p.n_hashes * sizeof(p.hashes[0])) != 0)
        abort();
    v1 = wb_tlog_verify_consistency(p.from, p.to, p.hashes, p.n_hashes, &p.old_root, &p.new_root);
    v2 = wb_tlog_verify_consistency(p.from, p.to, p.hashes, p.n_hashes, &p.old_root, &p.new_root);
    if (v1 != v2 || (v1 != 0 && v1 != WB_EVERIFY))
        abort();
    wb_error_clear();
    return 0;
}
