/*
 * test_tiles.c: the ledger's C2SP tlog-tiles files (src/lib/tiles.c) and
 * the audit that checks them (src/lib/audit.c).
 *
 * The expectations come from the spec (c2sp.org/tlog-tiles): the path of
 * index 1234067 is x001/x234/067; a tree of 70,000 entries is 273 full
 * level-0 tiles, a partial level-0 tile of width 112, one full level-1
 * tile, a partial level-1 tile of width 17 and a partial level-2 tile of
 * width 1; a tree of 256 is a full level-0 tile and a partial level-1 tile
 * of width 1. Tile contents are compared with hashes recomputed here with
 * the RFC 9162 functions of tlog.h, not read back through tiles.c.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define TESTFS_TAG "tiles"
#include "testfs.h"

#include "internal.h"
#include "tiles.h"
#include "waybill/ledger.h"

static void test_paths(void **state)
{
    char p[WB_TILE_PATH_MAX];
    int level;
    uint64_t n;
    unsigned w;

    (void)state;
    assert_int_equal(wb_tile_path(p, 0, 1234067, 256), 0);
    assert_string_equal(p, "tile/0/x001/x234/067");
    assert_int_equal(wb_tile_path(p, 0, 0, 256), 0);
    assert_string_equal(p, "tile/0/000");
    assert_int_equal(wb_tile_path(p, 3, 1000, 17), 0);
    assert_string_equal(p, "tile/3/x001/000.p/17");
    assert_int_equal(wb_tile_path(p, WB_TILE_ENTRIES, 5, 255), 0);
    assert_string_equal(p, "tile/entries/005.p/255");
    assert_int_equal(wb_tile_path(p, 7, UINT64_MAX, 1), 0);
    assert_string_equal(p, "tile/7/x018/x446/x744/x073/x709/x551/615.p/1");
    assert_int_equal(wb_tile_path(p, 8, 0, 256), WB_EINVAL);
    assert_int_equal(wb_tile_path(p, 0, 0, 0), WB_EINVAL);
    assert_int_equal(wb_tile_path(p, 0, 0, 257), WB_EINVAL);
    wb_error_clear();

    assert_true(wb_tile_path_parse("tile/0/x001/x234/067", &level, &n, &w));
    assert_int_equal(level, 0);
    assert_true(n == 1234067);
    assert_int_equal(w, 256);
    assert_true(wb_tile_path_parse("tile/entries/x001/000.p/17", &level, &n, &w));
    assert_int_equal(level, WB_TILE_ENTRIES);
    assert_true(n == 1000);
    assert_int_equal(w, 17);
    /* not canonical, or not tiles at all */
    static const char *const bad[] = {
        "tile/0/x000/001",
        "tile/0/1",
        "tile/0/0001",
        "tile/8/000",
        "tile/00/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/07",
        "tile/0/000.p",
        "tile/0/000/",
        "tile/0/x001",
        "tile/0/001.p/5/6",
        "tiles/0/000",
        "tile/entries",
        "tile/0/x1234/000",
        "tile/0/0a0",
        "tile/-1/000",
        "tile/0/000.q/5",
        "",
        "tile//000",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(wb_tile_path_parse(bad[i], &level, &n, &w));
}

static int file_size(const char *dir, const char *rel)
{
    struct stat st;
    return stat(join(dir, rel), &st) == 0 ? (int)st.st_size : -1;
}

static int count_files(const char *dir)
{
    char cmd[1100];
    FILE *f;
    int n = -1;
    snprintf(cmd, sizeof(cmd), "find '%s/tile' -type f | wc -l", dir);
    f = popen(cmd, "r");
    if (!f)
        return -1;
    if (fscanf(f, "%d", &n) != 1)
        n = -1;
    pclose(f);
    return n;
}

static wb_ledger *make_ledger(const char *name)
{
    wb_key *key = NULL;
    wb_ledger *ledger = NULL;
    const char *dir = join(base_dir, name);
    assert_int_equal(wb_key_generate(&key, WB_KEY_ED25519), 0);
    assert_int_equal(wb_ledger_init(NULL, dir, "example.com/tiles", key), 0);
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    wb_key_free(key);
    return ledger;
}

/* Append `count` small distinct envelopes in batches of `batch`. */
static void append(wb_ledger *ledger, uint64_t first, uint64_t count, size_t batch)
{
    wb_ledger_input *in = calloc(batch, sizeof(*in));
    char(*bufs)[96] = calloc(batch, sizeof(*bufs));
    uint64_t i = 0;
    assert_non_null(in);
    assert_non_null(bufs);
    while (i < count) {
        size_t n = count - i < batch ? (size_t)(count - i) : batch, k;
        for (k = 0; k < n; k++) {
            /* payload: base64 of 8 decimal digits */
            char digits[9], *b64 = NULL;
            snprintf(digits, sizeof(digits), "%08" PRIu64, first + i + k);
            assert_int_equal(wb_base64_encode(&b64, NULL, (unsigned char *)digits, 8), 0);
            snprintf(bufs[k], sizeof(bufs[k]),
                     "{\"payload\":\"%s\",\"payloadType\":\"text/plain\",\"signatures\":[]}", b64);
            wb_free(b64);
            in[k].data = bufs[k];
            in[k].len = strlen(bufs[k]);
        }
        assert_int_equal(wb_ledger_append(NULL, ledger, in, n, NULL), 0);
        i += n;
    }
    free(in);
    free(bufs);
}

static int audit(wb_ledger *ledger, wb_ledger_audit_report *r)
{
    return wb_ledger_audit(r, ledger, NULL, 0, NULL, NULL);
}

static void test_spec_example_70000(void **state)
{
    wb_ledger *ledger = make_ledger("t70000");
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/%s", base_dir, "t70000");
    wb_ledger_audit_report r;

    (void)state;
    append(ledger, 0, 70000, WB_LEDGER_MAX_BATCH);
    assert_int_equal(file_size(dir, "tile/0/000"), 8192);
    assert_int_equal(file_size(dir, "tile/0/272"), 8192);
    assert_int_equal(file_size(dir, "tile/0/273"), -1);
    assert_int_equal(file_size(dir, "tile/0/273.p/112"), 112 * 32);
    assert_int_equal(file_size(dir, "tile/1/000"), 8192);
    assert_int_equal(file_size(dir, "tile/1/001.p/17"), 17 * 32);
    assert_int_equal(file_size(dir, "tile/2/000.p/1"), 32);
    assert_int_equal(file_size(dir, "tile/entries/272"), 256 * 34);
    assert_int_equal(file_size(dir, "tile/entries/273.p/112"), 112 * 34);
    /* 273 + 1 level-0, 1 + 1 level-1, 1 level-2, 273 + 1 entry bundles:
     * the partial tiles of the earlier batches were pruned */
    assert_int_equal(count_files(dir), 274 + 2 + 1 + 274);
    assert_int_equal(audit(ledger, &r), 0);
    assert_true(r.entries == 70000);
    assert_true(r.tiles == 274 + 2 + 1);
    assert_true(r.bundles == 274);
    wb_ledger_free(ledger);
}

static void test_256_and_contents(void **state)
{
    wb_ledger *ledger = make_ledger("t256");
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/%s", base_dir, "t256");
    wb_tlog_hash leaves[256], root;
    unsigned char tile[8192], bundle[256 * 34];
    char *text = NULL;
    size_t len = 0, i;
    wb_store_record rec;

    (void)state;
    append(ledger, 0, 100, 7);
    append(ledger, 100, 156, 50);
    assert_int_equal(file_size(dir, "tile/0/000"), 8192);
    assert_int_equal(file_size(dir, "tile/1/000.p/1"), 32);
    assert_int_equal(count_files(dir), 3);
    /* the level-0 tile is the leaf hashes of SHA-256(envelope), and the
     * level-1 hash is the root of the 256 */
    for (i = 0; i < 256; i++) {
        unsigned char d[32];
        assert_int_equal(wb_store_read_entry(&rec, wb_ledger_store(ledger), i), 0);
        assert_int_equal(wb_digest_buffer(d, WB_DIGEST_SHA256, rec.data, rec.data_len), 0);
        assert_int_equal(wb_tlog_leaf_hash(&leaves[i], d, 32), 0);
        bundle[i * 34] = 0;
        bundle[i * 34 + 1] = 32;
        memcpy(bundle + i * 34 + 2, d, 32);
        memcpy(tile + i * 32, leaves[i].bytes, 32);
        wb_store_record_clear(&rec);
    }
    assert_int_equal(wb_read_file(&text, &len, join(dir, "tile/0/000"), 1 << 20), 0);
    assert_int_equal(len, sizeof(tile));
    assert_memory_equal(text, tile, sizeof(tile));
    wb_free(text);
    assert_int_equal(wb_read_file(&text, &len, join(dir, "tile/entries/000"), 1 << 20), 0);
    assert_int_equal(len, sizeof(bundle));
    assert_memory_equal(text, bundle, sizeof(bundle));
    wb_free(text);
    {
        /* RFC 9162 MTH of 256 leaves, by levels */
        wb_tlog_hash level[256];
        size_t n = 256, k;
        memcpy(level, leaves, sizeof(level));
        while (n > 1) {
            for (k = 0; k < n / 2; k++)
                assert_int_equal(wb_tlog_node_hash(&level[k], &level[2 * k], &level[2 * k + 1]), 0);
            n /= 2;
        }
        root = level[0];
    }
    assert_int_equal(wb_read_file(&text, &len, join(dir, "tile/1/000.p/1"), 1 << 20), 0);
    assert_int_equal(len, 32);
    assert_memory_equal(text, root.bytes, 32);
    wb_free(text);
    wb_ledger_free(ledger);
}

/* A crash after the store committed and before the tiles and the
 * checkpoint file were all written: open writes them again from the size
 * the checkpoint file shows, or from 0 when it cannot be trusted. */
static void test_repair_on_open(void **state)
{
    wb_ledger *ledger = make_ledger("repair");
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/%s", base_dir, "repair");
    char *old = NULL, *now = NULL, *latest = NULL;
    size_t old_len = 0, now_len = 0, latest_len = 0;
    wb_ledger_audit_report r;

    (void)state;
    append(ledger, 0, 300, 100);
    assert_int_equal(wb_read_file(&old, &old_len, join(dir, "checkpoint"), 1 << 20), 0);
    append(ledger, 300, 300, 300);
    assert_int_equal(wb_ledger_checkpoint(&latest, &latest_len, ledger), 0);
    wb_ledger_free(ledger);
    /* what a kill between COMMIT and the checkpoint file can leave: the old
     * file, a tile of the batch emptied (renamed, never synced), others
     * never written */
    assert_int_equal(wb_write_file_atomic(join(dir, "checkpoint"), old, old_len, 0644, true), 0);
    assert_int_equal(truncate(join(dir, "tile/0/001"), 0), 0);
    assert_int_equal(unlink(join(dir, "tile/0/002.p/88")), 0);
    assert_int_equal(unlink(join(dir, "tile/entries/002.p/88")), 0);
    assert_int_equal(wb_ledger_open_ex(&ledger, dir, WB_LEDGER_OPEN_NO_REPAIR), 0);
    assert_int_equal(audit(ledger, &r), WB_EVERIFY);
    assert_true(r.problems >= 4);
    wb_ledger_free(ledger);
    wb_error_clear();
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    assert_int_equal(audit(ledger, &r), 0);
    assert_true(r.problems == 0 && r.size == 600);
    assert_int_equal(wb_read_file(&now, &now_len, join(dir, "checkpoint"), 1 << 20), 0);
    assert_int_equal(now_len, latest_len);
    assert_memory_equal(now, latest, now_len);
    wb_free(now);
    wb_ledger_free(ledger);

    /* a checkpoint file that is not the log's: every tile is rewritten */
    assert_int_equal(wb_write_file_atomic(join(dir, "checkpoint"), "junk\n", 5, 0644, true), 0);
    assert_int_equal(unlink(join(dir, "tile/0/000")), 0);
    assert_int_equal(wb_ledger_open(&ledger, dir), 0);
    assert_int_equal(audit(ledger, &r), 0);
    wb_ledger_free(ledger);
    wb_free(old);
    wb_free(latest);
}

/* Files that are no tile of the tree, and a symlink in tile/, are found;
 * a symlinked directory is never followed when writing. */
static void test_audit_strays(void **state)
{
    wb_ledger *ledger = make_ledger("strays");
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/%s", base_dir, "strays");
    wb_ledger_audit_report r;

    (void)state;
    append(ledger, 0, 10, 10);
    assert_int_equal(symlink("/tmp", join(dir, "tile/1")), 0);
    assert_int_equal(audit(ledger, &r), WB_EVERIFY);
    assert_true(r.problems == 1);
    assert_non_null(strstr(wb_error_last(), "tile/1: not a regular file"));
    /* appending past 256 would write tile/1/: refused, not followed */
    wb_error_clear();
    {
        wb_ledger_input in = {0};
        char buf[96];
        uint64_t index = UINT64_MAX;
        snprintf(buf, sizeof(buf),
                 "{\"payload\":\"eA==\",\"payloadType\":\"t\",\"signatures\":[]}");
        in.data = buf;
        in.len = strlen(buf);
        in.name = "x";
        for (int k = 0; k < 245; k++)
            assert_int_equal(wb_ledger_append(&index, ledger, &in, 1, NULL), 0);
        /* the 256th makes tile/1/000.p/1: the entry is in, the tile is not written */
        assert_int_equal(wb_ledger_append(&index, ledger, &in, 1, NULL), WB_EIO);
        assert_true(index == 255);
        assert_non_null(strstr(wb_error_last(), "symlink"));
    }
    wb_ledger_free(ledger);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_spec_example_70000),
        cmocka_unit_test(test_256_and_contents),
        cmocka_unit_test(test_repair_on_open),
        cmocka_unit_test(test_audit_strays),
    };
    return cmocka_run_group_tests(tests, make_base_dir, remove_base_dir);
}
