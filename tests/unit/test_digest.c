/*
 * test_digest.c: SHA-256 / SHA-512, hex and constant-time compare (digest.c).
 *
 * Known answers are the FIPS 180-2 examples (appendices B and C): "abc", the
 * 448-bit and 896-bit messages, one million 'a' (fed in odd-sized chunks so
 * block boundaries fall everywhere), plus the empty message. Files are
 * compared with the one-shot digest of the same bytes; wb_digest_file must
 * refuse symbolic links (O_NOFOLLOW), directories and other non-regular files.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"

#define MSG_448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define MSG_896                                                                                    \
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmno" \
    "p"                                                                                            \
    "qrsmnopqrstnopqrstu"

typedef struct {
    const char *message;
    const char *sha256;
    const char *sha512;
} known_answer;

static const known_answer known_answers[] = {
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
     "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
    {MSG_448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
     "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c335"
     "96fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445"},
    {MSG_896, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
     "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
     "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"},
};

#define MILLION_A_SHA256 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
#define MILLION_A_SHA512                                                                           \
    "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"                             \
    "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"

/* --- helpers --- */

static void hex_of(char *out, const unsigned char *digest, wb_digest_alg alg)
{
    wb_hex_encode(out, digest, wb_digest_size(alg));
}

static void fill_pseudo_random(unsigned char *buf, size_t len, uint32_t seed)
{
    size_t i;
    uint32_t x = seed ? seed : 1;
    for (i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (unsigned char)(x >> 11);
    }
}

static char temp_dir[256];

static int make_temp_dir(void **state)
{
    const char *base = getenv("TMPDIR");
    snprintf(temp_dir, sizeof(temp_dir), "%s/wb-test-digest-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(temp_dir))
        return -1;
    return 0;
}

static int remove_temp_dir(void **state)
{
    char command[512];
    snprintf(command, sizeof(command), "rm -rf '%s'", temp_dir);
    return system(command) == 0 ? 0 : -1;
}

static char *temp_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof(path), "%s/%s", temp_dir, name);
    return path;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len)
        assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* --- names and sizes --- */

static void test_sizes_and_names(void **state)
{
    wb_digest_alg alg = 0;
    assert_int_equal(wb_digest_size(WB_DIGEST_SHA256), 32);
    assert_int_equal(wb_digest_size(WB_DIGEST_SHA512), 64);
    assert_int_equal(wb_digest_size((wb_digest_alg)0), 0);
    assert_int_equal(wb_digest_size((wb_digest_alg)99), 0);
    assert_string_equal(wb_digest_name(WB_DIGEST_SHA256), "sha256");
    assert_string_equal(wb_digest_name(WB_DIGEST_SHA512), "sha512");
    assert_null(wb_digest_name((wb_digest_alg)0));
    assert_null(wb_digest_name((wb_digest_alg)3));

    assert_int_equal(wb_digest_from_name(&alg, "sha256"), 0);
    assert_int_equal(alg, WB_DIGEST_SHA256);
    assert_int_equal(wb_digest_from_name(&alg, "sha512"), 0);
    assert_int_equal(alg, WB_DIGEST_SHA512);
    /* round trip */
    assert_int_equal(wb_digest_from_name(&alg, wb_digest_name(WB_DIGEST_SHA256)), 0);
    assert_int_equal(alg, WB_DIGEST_SHA256);
}

static void test_from_name_rejects(void **state)
{
    static const char *const bad[] = {"sha1", "md5", "", "sha256 ", "sha", "sha5120", "sha384"};
    wb_digest_alg alg = WB_DIGEST_SHA512;
    size_t i;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(wb_digest_from_name(&alg, bad[i]), WB_EUNSUPPORTED);
        assert_non_null(strstr(wb_error_last(), "unsupported"));
        assert_int_equal(alg, WB_DIGEST_SHA512); /* untouched */
    }
    assert_int_equal(wb_digest_from_name(&alg, NULL), WB_EINVAL);
    assert_int_equal(wb_digest_from_name(NULL, "sha256"), WB_EINVAL);
}

/* --- known answers --- */

static void test_known_answers_one_shot(void **state)
{
    unsigned char digest[WB_DIGEST_MAX];
    char hex[WB_DIGEST_HEX_MAX];
    size_t i;
    for (i = 0; i < sizeof(known_answers) / sizeof(known_answers[0]); i++) {
        const known_answer *ka = &known_answers[i];
        size_t len = strlen(ka->message);
        assert_int_equal(wb_digest_buffer(digest, WB_DIGEST_SHA256, ka->message, len), 0);
        hex_of(hex, digest, WB_DIGEST_SHA256);
        assert_string_equal(hex, ka->sha256);
        assert_int_equal(wb_digest_buffer(digest, WB_DIGEST_SHA512, ka->message, len), 0);
        hex_of(hex, digest, WB_DIGEST_SHA512);
        assert_string_equal(hex, ka->sha512);
    }
}

static void test_empty_with_null_pointer(void **state)
{
    unsigned char digest[WB_DIGEST_MAX];
    char hex[WB_DIGEST_HEX_MAX];
    assert_int_equal(wb_digest_buffer(digest, WB_DIGEST_SHA256, NULL, 0), 0);
    hex_of(hex, digest, WB_DIGEST_SHA256);
    assert_string_equal(hex, known_answers[1].sha256);
    assert_int_equal(wb_digest_buffer(digest, WB_DIGEST_SHA256, NULL, 1), WB_EINVAL);
    assert_int_equal(wb_digest_buffer(NULL, WB_DIGEST_SHA256, "abc", 3), WB_EINVAL);
    assert_int_equal(wb_digest_buffer(digest, (wb_digest_alg)7, "abc", 3), WB_EINVAL);
}

static void test_known_answers_streaming_bytewise(void **state)
{
    unsigned char digest[WB_DIGEST_MAX];
    char hex[WB_DIGEST_HEX_MAX];
    wb_digest_ctx *ctx256 = NULL, *ctx512 = NULL;
    size_t i, j;

    assert_int_equal(wb_digest_new(&ctx256, WB_DIGEST_SHA256), 0);
    assert_int_equal(wb_digest_new(&ctx512, WB_DIGEST_SHA512), 0);
    /* the same contexts are reused: final resets them */
    for (i = 0; i < sizeof(known_answers) / sizeof(known_answers[0]); i++) {
        const char *msg = known_answers[i].message;
        for (j = 0; msg[j]; j++) {
            assert_int_equal(wb_digest_update(ctx256, msg + j, 1), 0);
            assert_int_equal(wb_digest_update(ctx512, msg + j, 1), 0);
        }
        assert_int_equal(wb_digest_update(ctx256, NULL, 0), 0); /* empty update is fine */
        assert_int_equal(wb_digest_final(ctx256, digest), 0);
        hex_of(hex, digest, WB_DIGEST_SHA256);
        assert_string_equal(hex, known_answers[i].sha256);
        assert_int_equal(wb_digest_final(ctx512, digest), 0);
        hex_of(hex, digest, WB_DIGEST_SHA512);
        assert_string_equal(hex, known_answers[i].sha512);
    }
    wb_digest_free(ctx256);
    wb_digest_free(ctx512);
}

static void test_million_a_odd_chunks(void **state)
{
    static const size_t chunks[] = {1, 3, 7, 13, 61, 63, 64, 65, 127, 128, 129, 1009, 4099, 65537};
    const size_t total = 1000000;
    unsigned char digest[WB_DIGEST_MAX];
    char hex[WB_DIGEST_HEX_MAX];
    wb_digest_alg algs[] = {WB_DIGEST_SHA256, WB_DIGEST_SHA512};
    const char *expected[] = {MILLION_A_SHA256, MILLION_A_SHA512};
    char *block = malloc(65537);
    size_t a;

    assert_non_null(block);
    memset(block, 'a', 65537);
    for (a = 0; a < 2; a++) {
        wb_digest_ctx *ctx = NULL;
        size_t fed = 0, c = 0;
        assert_int_equal(wb_digest_new(&ctx, algs[a]), 0);
        while (fed < total) {
            size_t n = chunks[c++ % (sizeof(chunks) / sizeof(chunks[0]))];
            if (n > total - fed)
                n = total - fed;
            assert_int_equal(wb_digest_update(ctx, block, n), 0);
            fed += n;
        }
        assert_int_equal(wb_digest_final(ctx, digest), 0);
        hex_of(hex, digest, algs[a]);
        assert_string_equal(hex, expected[a]);
        wb_digest_free(ctx);
    }
    free(block);
}

static void test_million_a_one_shot(void **state)
{
    unsigned char digest[WB_DIGEST_MAX];
    char hex[WB_DIGEST_HEX_MAX];
    char *data = malloc(1000000);
    assert_non_null(data);
    memset(data, 'a', 1000000);
    assert_int_equal(wb_digest_buffer(digest, WB_DIGEST_SHA256, data, 1000000), 0);
    hex_of(hex, digest, WB_DIGEST_SHA256);
    assert_string_equal(hex, MILLION_A_SHA256);
    assert_int_equal(wb_digest_buffer(digest, WB_DIGEST_SHA512, data, 1000000), 0);
    hex_of(hex, digest, WB_DIGEST_SHA512);
    assert_string_equal(hex, MILLION_A_SHA512);
    free(data);
}

static void test_streaming_equals_one_shot(void **state)
{
    const size_t len = 300001;
    unsigned char *data = malloc(len);
    unsigned char one_shot[WB_DIGEST_MAX], streamed[WB_DIGEST_MAX];
    wb_digest_alg algs[] = {WB_DIGEST_SHA256, WB_DIGEST_SHA512};
    size_t a, chunk;

    assert_non_null(data);
    fill_pseudo_random(data, len, 12345);
    for (a = 0; a < 2; a++) {
        size_t size = wb_digest_size(algs[a]);
        assert_int_equal(wb_digest_buffer(one_shot, algs[a], data, len), 0);
        for (chunk = 1; chunk < 200000; chunk = chunk * 3 + 1) {
            wb_digest_ctx *ctx = NULL;
            size_t off;
            memset(streamed, 0, sizeof(streamed));
            assert_int_equal(wb_digest_new(&ctx, algs[a]), 0);
            for (off = 0; off < len; off += chunk)
                assert_int_equal(
                    wb_digest_update(ctx, data + off, off + chunk <= len ? chunk : len - off), 0);
            assert_int_equal(wb_digest_final(ctx, streamed), 0);
            assert_memory_equal(streamed, one_shot, size);
            wb_digest_free(ctx);
        }
        /* one byte different: different digest */
        data[len / 2] ^= 1;
        assert_int_equal(wb_digest_buffer(streamed, algs[a], data, len), 0);
        assert_memory_not_equal(streamed, one_shot, size);
        data[len / 2] ^= 1;
    }
    free(data);
}

static void test_final_resets(void **state)
{
    wb_digest_ctx *ctx = NULL;
    unsigned char first[WB_SHA256_LEN], second[WB_SHA256_LEN];
    assert_int_equal(wb_digest_new(&ctx, WB_DIGEST_SHA256), 0);
    assert_int_equal(wb_digest_update(ctx, "abc", 3), 0);
    assert_int_equal(wb_digest_final(ctx, first), 0);
    /* without new input the reset context hashes the empty message */
    assert_int_equal(wb_digest_final(ctx, second), 0);
    {
        char hex[WB_DIGEST_HEX_MAX];
        hex_of(hex, first, WB_DIGEST_SHA256);
        assert_string_equal(hex, known_answers[0].sha256);
        hex_of(hex, second, WB_DIGEST_SHA256);
        assert_string_equal(hex, known_answers[1].sha256);
    }
    wb_digest_free(ctx);
}

static void test_new_invalid(void **state)
{
    wb_digest_ctx *ctx = (wb_digest_ctx *)&ctx; /* not NULL: must be reset */
    assert_int_equal(wb_digest_new(&ctx, (wb_digest_alg)0), WB_EINVAL);
    assert_null(ctx);
    assert_int_equal(wb_digest_new(NULL, WB_DIGEST_SHA256), WB_EINVAL);
    assert_int_equal(wb_digest_update(NULL, "a", 1), WB_EINVAL);
    assert_int_equal(wb_digest_final(NULL, (unsigned char *)&ctx), WB_EINVAL);
    wb_digest_free(NULL); /* no-op */
}

static void test_new_out_of_memory(void **state)
{
    wb_digest_ctx *ctx = NULL;
    wb_alloc_fail_after(1);
    assert_int_equal(wb_digest_new(&ctx, WB_DIGEST_SHA256), WB_ENOMEM);
    wb_alloc_fail_after(0);
    assert_null(ctx);
}

/* --- files --- */

static void check_file_digest(const char *name, size_t len, uint32_t seed)
{
    unsigned char *data = malloc(len ? len : 1);
    unsigned char from_file[WB_DIGEST_MAX], from_buffer[WB_DIGEST_MAX];
    wb_digest_alg algs[] = {WB_DIGEST_SHA256, WB_DIGEST_SHA512};
    const char *path = temp_path(name);
    size_t a;

    assert_non_null(data);
    fill_pseudo_random(data, len, seed);
    write_file(path, data, len);
    for (a = 0; a < 2; a++) {
        uint64_t bytes = 12345;
        memset(from_file, 0, sizeof(from_file));
        assert_int_equal(wb_digest_file(from_file, &bytes, algs[a], path), 0);
        assert_int_equal(bytes, len);
        assert_int_equal(wb_digest_buffer(from_buffer, algs[a], data, len), 0);
        assert_memory_equal(from_file, from_buffer, wb_digest_size(algs[a]));
        /* bytes_out may be NULL */
        memset(from_file, 0, sizeof(from_file));
        assert_int_equal(wb_digest_file(from_file, NULL, algs[a], path), 0);
        assert_memory_equal(from_file, from_buffer, wb_digest_size(algs[a]));
    }
    free(data);
}

static void test_file_several_mib(void **state)
{
    /* not a multiple of the 1 MiB read block, so the last read is partial */
    check_file_digest("big.bin", 5 * 1024 * 1024 + 12345, 777);
}

static void test_file_exact_block_multiple(void **state)
{
    check_file_digest("two-mib.bin", 2 * 1024 * 1024, 4242);
}

static void test_file_small_and_empty(void **state)
{
    unsigned char digest[WB_DIGEST_MAX];
    char hex[WB_DIGEST_HEX_MAX];
    uint64_t bytes = 99;
    const char *path = temp_path("abc.txt");

    check_file_digest("one.bin", 1, 5);
    write_file(path, "abc", 3);
    assert_int_equal(wb_digest_file(digest, &bytes, WB_DIGEST_SHA256, path), 0);
    hex_of(hex, digest, WB_DIGEST_SHA256);
    assert_string_equal(hex, known_answers[0].sha256);
    assert_int_equal(bytes, 3);

    path = temp_path("empty.txt");
    write_file(path, "", 0);
    assert_int_equal(wb_digest_file(digest, &bytes, WB_DIGEST_SHA512, path), 0);
    hex_of(hex, digest, WB_DIGEST_SHA512);
    assert_string_equal(hex, known_answers[1].sha512);
    assert_int_equal(bytes, 0);
}

static void test_file_refuses_symlink(void **state)
{
    unsigned char digest[WB_DIGEST_MAX];
    char target[512];
    const char *link_path;
    int rc;

    snprintf(target, sizeof(target), "%s", temp_path("target.txt"));
    write_file(target, "abc", 3);
    link_path = temp_path("link.txt");
    assert_int_equal(symlink(target, link_path), 0);
    rc = wb_digest_file(digest, NULL, WB_DIGEST_SHA256, link_path);
    assert_true(rc < 0);
    assert_int_equal(rc, wb_error_last_code());
    assert_non_null(strstr(wb_error_last(), "symbolic link"));
    assert_non_null(strstr(wb_error_last(), link_path));

    /* a dangling link is refused the same way */
    link_path = temp_path("dangling.txt");
    assert_int_equal(symlink("/nonexistent/wb-test", link_path), 0);
    rc = wb_digest_file(digest, NULL, WB_DIGEST_SHA256, link_path);
    assert_true(rc < 0);
    assert_non_null(strstr(wb_error_last(), "symbolic link"));

    /* and a link to a directory */
    link_path = temp_path("dirlink");
    assert_int_equal(symlink(temp_dir, link_path), 0);
    assert_true(wb_digest_file(digest, NULL, WB_DIGEST_SHA256, link_path) < 0);
}

static void test_file_refuses_directory(void **state)
{
    unsigned char digest[WB_DIGEST_MAX];
    const char *dir = temp_path("subdir");
    int rc;
    assert_int_equal(mkdir(dir, 0755), 0);
    rc = wb_digest_file(digest, NULL, WB_DIGEST_SHA256, dir);
    assert_int_equal(rc, WB_EIO);
    assert_non_null(strstr(wb_error_last(), "not a regular file"));
    assert_non_null(strstr(wb_error_last(), dir));
}

static void test_file_refuses_device(void **state)
{
    unsigned char digest[WB_DIGEST_MAX];
    assert_int_equal(wb_digest_file(digest, NULL, WB_DIGEST_SHA256, "/dev/null"), WB_EIO);
    assert_non_null(strstr(wb_error_last(), "not a regular file"));
}

/* A named pipe is not a regular file either; opening one with no writer must
 * not block forever. Run in a child with an alarm so a hang fails the test
 * instead of stalling the suite. */
static void test_file_refuses_fifo_without_hanging(void **state)
{
    const char *fifo = temp_path("fifo");
    pid_t pid;
    int status = 0;

    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        unsigned char digest[WB_DIGEST_MAX];
        int rc;
        alarm(5);
        rc = wb_digest_file(digest, NULL, WB_DIGEST_SHA256, fifo);
        _exit(rc < 0 ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        fail_msg("wb_digest_file(fifo) blocked in open() until killed by signal %d",
                 WTERMSIG(status));
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_file_missing(void **state)
{
    unsigned char digest[WB_DIGEST_MAX];
    assert_int_equal(wb_digest_file(digest, NULL, WB_DIGEST_SHA256, temp_path("no-such-file")),
                     WB_ENOTFOUND);
    assert_non_null(strstr(wb_error_last(), "no-such-file"));
}

static void test_file_out_of_memory(void **state)
{
    unsigned char digest[WB_DIGEST_MAX];
    const char *path = temp_path("oom.txt");
    size_t n;
    write_file(path, "abc", 3);
    /* every allocation the read path makes, failed in turn */
    for (n = 1; n <= 2; n++) {
        wb_alloc_fail_after(n);
        assert_int_equal(wb_digest_file(digest, NULL, WB_DIGEST_SHA256, path), WB_ENOMEM);
        wb_alloc_fail_after(0);
    }
    assert_int_equal(wb_digest_file(digest, NULL, WB_DIGEST_SHA256, path), 0);
}

static void test_fd_pipe(void **state)
{
    int fds[2];
    unsigned char digest[WB_DIGEST_MAX];
    char hex[WB_DIGEST_HEX_MAX];
    uint64_t bytes = 0;
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], MSG_448, strlen(MSG_448)), (ssize_t)strlen(MSG_448));
    close(fds[1]);
    assert_int_equal(wb_digest_fd(digest, &bytes, WB_DIGEST_SHA256, fds[0], "pipe"), 0);
    close(fds[0]);
    hex_of(hex, digest, WB_DIGEST_SHA256);
    assert_string_equal(hex, known_answers[2].sha256);
    assert_int_equal(bytes, strlen(MSG_448));
}

static void test_fd_read_error(void **state)
{
    unsigned char digest[WB_DIGEST_MAX];
    int fd = open(temp_dir, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    /* read() on a directory fails with EISDIR */
    assert_int_equal(wb_digest_fd(digest, NULL, WB_DIGEST_SHA256, fd, "the-dir"), WB_EIO);
    assert_non_null(strstr(wb_error_last(), "the-dir"));
    close(fd);
    assert_int_equal(wb_digest_fd(digest, NULL, WB_DIGEST_SHA256, -1, "bad"), WB_EINVAL);
}

/* --- hex --- */

static void test_hex_encode(void **state)
{
    static const unsigned char bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff};
    char hex[2 * sizeof(bytes) + 1];
    memset(hex, '#', sizeof(hex));
    wb_hex_encode(hex, bytes, sizeof(bytes));
    assert_string_equal(hex, "00017f80abcdefff");
    wb_hex_encode(hex, bytes, 0);
    assert_string_equal(hex, "");
}

static void test_hex_round_trip(void **state)
{
    unsigned char bytes[97] = {0}, back[97];
    char hex[2 * sizeof(bytes) + 1];
    size_t len, out_len;
    for (len = 0; len <= sizeof(bytes); len++) {
        fill_pseudo_random(bytes, len, (uint32_t)len + 1);
        wb_hex_encode(hex, bytes, len);
        assert_int_equal(strlen(hex), 2 * len);
        out_len = 9999;
        assert_int_equal(wb_hex_decode(back, sizeof(back), &out_len, hex, 2 * len), 0);
        assert_int_equal(out_len, len);
        if (len)
            assert_memory_equal(back, bytes, len);
    }
}

static void test_hex_decode_either_case(void **state)
{
    unsigned char out[8];
    size_t out_len = 0;
    static const unsigned char expected[] = {0xde, 0xad, 0xbe, 0xef, 0x0a, 0xf0};
    assert_int_equal(wb_hex_decode(out, sizeof(out), &out_len, "DeAdBEef0aF0", 12), 0);
    assert_int_equal(out_len, 6);
    assert_memory_equal(out, expected, 6);
    /* only hex_len characters are read: the rest of the string is ignored */
    assert_int_equal(wb_hex_decode(out, sizeof(out), &out_len, "deadzz", 4), 0);
    assert_int_equal(out_len, 2);
    /* out_len may be NULL */
    assert_int_equal(wb_hex_decode(out, sizeof(out), NULL, "ff", 2), 0);
    assert_int_equal(out[0], 0xff);
    /* empty */
    out_len = 5;
    assert_int_equal(wb_hex_decode(out, sizeof(out), &out_len, "", 0), 0);
    assert_int_equal(out_len, 0);
}

static void test_hex_decode_rejects(void **state)
{
    static const char *const bad[] = {
        "0g",
        "g0",
        "0 ",
        " 0",
        "zz",
        "0x12",
        "12-4",
        "+1",
        "\xff"
        "0",
        "ab\n0",
    };
    unsigned char out[8];
    size_t i, out_len;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t len = strlen(bad[i]) & ~(size_t)1;
        out_len = 77;
        assert_int_equal(wb_hex_decode(out, sizeof(out), &out_len, bad[i], len), WB_EFORMAT);
        assert_int_equal(out_len, 77); /* untouched on failure */
    }
    /* an embedded NUL is not a hex digit */
    assert_int_equal(wb_hex_decode(out, sizeof(out), NULL, "a\0b0", 4), WB_EFORMAT);
    /* the message names the offset of the bad character */
    assert_int_equal(wb_hex_decode(out, sizeof(out), NULL, "00aa0q", 6), WB_EFORMAT);
    assert_non_null(strstr(wb_error_last(), "offset 5"));
    assert_int_equal(wb_hex_decode(out, sizeof(out), NULL, "00aaq0", 6), WB_EFORMAT);
    assert_non_null(strstr(wb_error_last(), "offset 4"));
}

static void test_hex_decode_odd_length(void **state)
{
    unsigned char out[8];
    size_t out_len = 3;
    assert_int_equal(wb_hex_decode(out, sizeof(out), &out_len, "abc", 3), WB_EFORMAT);
    assert_non_null(strstr(wb_error_last(), "odd"));
    assert_int_equal(wb_hex_decode(out, sizeof(out), &out_len, "a", 1), WB_EFORMAT);
    assert_int_equal(out_len, 3);
}

static void test_hex_decode_overflow(void **state)
{
    unsigned char out[5];
    size_t out_len = 0;
    memset(out, 0x5a, sizeof(out));
    /* 4 bytes fit in a 4-byte window, 5 do not: nothing written past it */
    assert_int_equal(wb_hex_decode(out, 4, &out_len, "0102030405", 10), WB_ELIMIT);
    assert_int_equal(out[4], 0x5a);
    assert_int_equal(wb_hex_decode(out, 4, &out_len, "01020304", 8), 0);
    assert_int_equal(out_len, 4);
    assert_int_equal(out[3], 0x04);
    assert_int_equal(out[4], 0x5a);
    assert_int_equal(wb_hex_decode(out, 0, &out_len, "00", 2), WB_ELIMIT);
    assert_int_equal(wb_hex_decode(NULL, 4, &out_len, "00", 2), WB_EINVAL);
    assert_int_equal(wb_hex_decode(out, 4, &out_len, NULL, 2), WB_EINVAL);
}

/* --- compare --- */

static void test_digest_equal(void **state)
{
    unsigned char a[WB_SHA512_LEN], b[WB_SHA512_LEN];
    size_t i;
    fill_pseudo_random(a, sizeof(a), 99);
    memcpy(b, a, sizeof(b));
    assert_int_equal(wb_digest_equal(a, b, sizeof(a)), 1);
    assert_int_equal(wb_digest_equal(a, b, 0), 1);
    for (i = 0; i < sizeof(a); i++) {
        b[i] ^= 0x80;
        assert_int_equal(wb_digest_equal(a, b, sizeof(a)), 0);
        /* differences beyond len do not count */
        assert_int_equal(wb_digest_equal(a, b, i), 1);
        b[i] ^= 0x80;
    }
    b[0] ^= 1;
    assert_int_equal(wb_digest_equal(a, b, 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes_and_names),
        cmocka_unit_test(test_from_name_rejects),
        cmocka_unit_test(test_known_answers_one_shot),
        cmocka_unit_test(test_empty_with_null_pointer),
        cmocka_unit_test(test_known_answers_streaming_bytewise),
        cmocka_unit_test(test_million_a_odd_chunks),
        cmocka_unit_test(test_million_a_one_shot),
        cmocka_unit_test(test_streaming_equals_one_shot),
        cmocka_unit_test(test_final_resets),
        cmocka_unit_test(test_new_invalid),
        cmocka_unit_test(test_new_out_of_memory),
        cmocka_unit_test(test_file_several_mib),
        cmocka_unit_test(test_file_exact_block_multiple),
        cmocka_unit_test(test_file_small_and_empty),
        cmocka_unit_test(test_file_refuses_symlink),
        cmocka_unit_test(test_file_refuses_directory),
        cmocka_unit_test(test_file_refuses_device),
        cmocka_unit_test(test_file_refuses_fifo_without_hanging),
        cmocka_unit_test(test_file_missing),
        cmocka_unit_test(test_file_out_of_memory),
        cmocka_unit_test(test_fd_pipe),
        cmocka_unit_test(test_fd_read_error),
        cmocka_unit_test(test_hex_encode),
        cmocka_unit_test(test_hex_round_trip),
        cmocka_unit_test(test_hex_decode_either_case),
        cmocka_unit_test(test_hex_decode_rejects),
        cmocka_unit_test(test_hex_decode_odd_length),
        cmocka_unit_test(test_hex_decode_overflow),
        cmocka_unit_test(test_digest_equal),
    };
    return cmocka_run_group_tests_name("digest", tests, make_temp_dir, remove_temp_dir);
}
