/*
 * fuzz_witness_add.c: the body of a C2SP tlog-witness add-checkpoint
 * request, as waybilld's POST /add-checkpoint reads it
 * (wb_witness_add_parse, docs/server.md).
 *
 * Checked with abort():
 *  - a failed parse is WB_EFORMAT or WB_ELIMIT, nothing else;
 *  - a parsed body has at most WB_WITNESS_ADD_MAX_PROOF hashes, a
 *    non-empty origin that is the checkpoint's first line, and the
 *    checkpoint runs to the end of the body;
 *  - written back in the spec's form ("old N", one padded base64 hash a
 *    line, an empty line, the checkpoint) it is the input byte for byte:
 *    the parser accepts exactly one spelling of each request.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "waybill/waybill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    wb_witness_add req;
    wb_buf out = {0};
    size_t i;
    int rc;

    rc = wb_witness_add_parse(&req, body, size);
    wb_error_clear();
    if (rc < 0) {
        if (rc != WB_EFORMAT && rc != WB_ELIMIT)
            abort();
        return 0;
    }
    if (rc != 0 || req.n_proof > WB_WITNESS_ADD_MAX_PROOF || size > WB_WITNESS_ADD_MAX_SIZE)
        abort();
    if (!req.checkpoint || req.checkpoint < body ||
        req.checkpoint + req.checkpoint_len != body + size || req.checkpoint_len == 0)
        abort();
    if (req.origin != req.checkpoint || req.origin_len == 0 ||
        req.origin_len >= req.checkpoint_len || req.checkpoint[req.origin_len] != '\n' ||
        memchr(req.origin, '\n', req.origin_len))
        abort();

    wb_buf_printf(&out, "old %llu\n", (unsigned long long)req.old_size);
    for (i = 0; i < req.n_proof; i++) {
        wb_buf_base64(&out, req.proof[i].bytes, WB_TLOG_HASH_LEN);
        wb_buf_putc(&out, '\n');
    }
    wb_buf_putc(&out, '\n');
    wb_buf_append(&out, req.checkpoint, req.checkpoint_len);
    if (out.failed)
        abort();
    if (out.len != size || memcmp(out.data, body, size) != 0)
        abort();
    wb_buf_free(&out);
    return 0;
}
