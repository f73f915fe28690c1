/*
 * test_key.c: signing keys, their files and their ids (key.c).
 *
 * Known answers come from the independent implementations: the key ids of an
 * Ed25519 and an ECDSA key written by in-toto-keygen 1.3.1 (the "keyid" field
 * of the file), the id securesystemslib 0.26 computes for an RSA public key
 * (import_publickeys_from_file), RSA-PSS signatures made by `openssl dgst
 * -sigopt rsa_padding_mode:pss`, and the RFC 8032 section 7.1 Ed25519
 * signatures. The rest checks file handling (modes, no overwrite, refusal of
 * private keys others can read, of encrypted keys and of unsupported
 * curves), the keyring, and that every allocation failure while parsing a
 * key is reported, never a crash or a leak.
 *
 * The constants were generated once with:
 *   in-toto-keygen -t ed25519|ecdsa|rsa KEY
 *   openssl dgst -sha256 -sign rsa -sigopt rsa_padding_mode:pss
 *     -sigopt rsa_pss_saltlen:32|max -sigopt rsa_mgf1_md:sha256
 *   openssl genpkey -algorithm ed25519 -aes256 -pass pass:x
 *   securesystemslib generate_and_write_ed25519_keypair(password='x')
 *   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384
 */
#include <dirent.h>
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
#include <jansson.h>

#include "internal.h"

/* --- fixed keys and known answers --- */

#define ED_KEYID  "1d4da76782204a4cc696a7e486d575f8355361308238335316cf7cd08d6b6029"
#define ED_PUBLIC "300f1ebc3e640b96aa670b0cecd89d273810aa157ed5251fc18cda9fb084cea0"
#define EC_KEYID  "e0804edad8cde310bc1863e4626da4e59e30f4bfa4a3331d6d38462030d49715"
/* securesystemslib.interface.import_publickeys_from_file([rsa.pub], ['rsa']) */
#define RSA_KEYID "23ec08216747ec0acfb03f47cb528c37222863472f36b6b5c93360e7a38374b9"

static const char ED_PRIVATE_JSON[] =
    "{\"keytype\": \"ed25519\", \"scheme\": \"ed25519\", \"keyid\": \"1d4da76782204a4cc696a7"
    "e486d575f8355361308238335316cf7cd08d6b6029\", \"keyid_hash_algorithms\": [\"sha2"
    "56\", \"sha512\"], \"keyval\": {\"public\": \"300f1ebc3e640b96aa670b0cecd89d273810aa"
    "157ed5251fc18cda9fb084cea0\", \"private\": \"28611dff9e4307d923cd2e48395b0352dee"
    "d74037a2af1596d62dcaff7674b6f\"}}";

static const char ED_PUBLIC_JSON[] =
    "{\"keytype\": \"ed25519\", \"scheme\": \"ed25519\", \"keyid_hash_algorithms\": [\"sha25"
    "6\", \"sha512\"], \"keyval\": {\"public\": \"300f1ebc3e640b96aa670b0cecd89d273810aa1"
    "57ed5251fc18cda9fb084cea0\"}}";

static const char EC_PRIVATE_JSON[] =
    "{\"keytype\": \"ecdsa\", \"scheme\": \"ecdsa-sha2-nistp256\", \"keyid\": \"e0804edad8cd"
    "e310bc1863e4626da4e59e30f4bfa4a3331d6d38462030d49715\", \"keyval\": {\"public\": "
    "\"-----BEGIN PUBLIC KEY-----\\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEhWI1xpDSLgV"
    "eos+wNsREscqNvhPf\\nV2Je96ejkYe7y5XGzw5rvAub4GydoPiSBB/z/JONurul4Up83ppOSQDMn"
    "w==\\n-----END PUBLIC KEY-----\\n\", \"private\": \"-----BEGIN EC PRIVATE KEY-----"
    "\\nMHcCAQEEIJwWHCe8AjcnxbODuubCgy9mfIFmuRGUkayrBtQkGSuIoAoGCCqGSM49\\nAwEHoUQD"
    "QgAEhWI1xpDSLgVeos+wNsREscqNvhPfV2Je96ejkYe7y5XGzw5rvAub\\n4GydoPiSBB/z/JONur"
    "ul4Up83ppOSQDMnw==\\n-----END EC PRIVATE KEY-----\\n\"}, \"keyid_hash_algorithms"
    "\": [\"sha256\", \"sha512\"]}";

static const char EC_PUBLIC_JSON[] =
    "{\"keytype\": \"ecdsa\", \"scheme\": \"ecdsa-sha2-nistp256\", \"keyid_hash_algorithms"
    "\": [\"sha256\", \"sha512\"], \"keyval\": {\"public\": \"-----BEGIN PUBLIC KEY-----\\nM"
    "FkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEhWI1xpDSLgVeos+wNsREscqNvhPf\\nV2Je96ejkYe"
    "7y5XGzw5rvAub4GydoPiSBB/z/JONurul4Up83ppOSQDMnw==\\n-----END PUBLIC KEY-----\\"
    "n\"}}";

static const char RSA_PUBLIC_PEM[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBojANBgkqhkiG9w0BAQEFAAOCAY8AMIIBigKCAYEAuUxMfUOrL/gUjOLir9LF\n"
    "a/3y9w7iLivWyeTUYwykvpOrS+C3q+B0G7ckPcysdr57R8gxuZjUaelsD6ZbCYYC\n"
    "vCGC24yEhvywQbCz2IoT+ytshKReL1YiFXNto4qDF8Suf3Agd8vJ/0Pb6qDXH67s\n"
    "ngtw4Bdue/p10ZnEKXDIDvQTBvCmESs5tXaGBxH8XFFPit1Nk1WBqM++Hlrsxtng\n"
    "REmHI8Jb9f4kvbMy+OyrfsarO7ZfFW5fLRb55Xy+/iZKbG4zdCuKGm9IjhgPPeoi\n"
    "lmRzcmY3p83hdPOMnExiJWJv9gS60ACVsdLGKePPhPbHUgjxlMmqPZoqw6JHM7hc\n"
    "ia+loXs0T7vQJGbIMwsI9K2TKCob7RO20HnARWmZpE65ElBOZraPvqkazZp3BfC9\n"
    "BgiiQGbvQ5SUfdUPmLafNxvdTAQxDfV6Dnvgv69pXfMnDQaq42xHmsO45t6ZvWv9\n"
    "Rq+1cGFX3KgvwIu05UxqF5vJ2VxvmEaEzWMSnrxc8YihAgMBAAE=\n"
    "-----END PUBLIC KEY-----";

static const char RSA_SSLIB_JSON[] =
    "{\"keytype\": \"rsa\", \"scheme\": \"rsassa-pss-sha256\", \"keyid\": \"23ec08216747ec0a"
    "cfb03f47cb528c37222863472f36b6b5c93360e7a38374b9\", \"keyval\": {\"public\": \"---"
    "--BEGIN PUBLIC KEY-----\\nMIIBojANBgkqhkiG9w0BAQEFAAOCAY8AMIIBigKCAYEAuUxMfUO"
    "rL/gUjOLir9LF\\na/3y9w7iLivWyeTUYwykvpOrS+C3q+B0G7ckPcysdr57R8gxuZjUaelsD6ZbC"
    "YYC\\nvCGC24yEhvywQbCz2IoT+ytshKReL1YiFXNto4qDF8Suf3Agd8vJ/0Pb6qDXH67s\\nngtw4"
    "Bdue/p10ZnEKXDIDvQTBvCmESs5tXaGBxH8XFFPit1Nk1WBqM++Hlrsxtng\\nREmHI8Jb9f4kvbM"
    "y+OyrfsarO7ZfFW5fLRb55Xy+/iZKbG4zdCuKGm9IjhgPPeoi\\nlmRzcmY3p83hdPOMnExiJWJv9"
    "gS60ACVsdLGKePPhPbHUgjxlMmqPZoqw6JHM7hc\\nia+loXs0T7vQJGbIMwsI9K2TKCob7RO20Hn"
    "ARWmZpE65ElBOZraPvqkazZp3BfC9\\nBgiiQGbvQ5SUfdUPmLafNxvdTAQxDfV6Dnvgv69pXfMnD"
    "Qaq42xHmsO45t6ZvWv9\\nRq+1cGFX3KgvwIu05UxqF5vJ2VxvmEaEzWMSnrxc8YihAgMBAAE=\\n-"
    "----END PUBLIC KEY-----\", \"private\": \"\"}, \"keyid_hash_algorithms\": [\"sha256\""
    ", \"sha512\"]}";

static const char RSA_MESSAGE[] = "waybill RSA-PSS known answer\n";

static const char RSA_PSS_SALT32_SIG_B64[] =
    "ml2XlzvEmzednHdNzfc05GMgXseGWYYITq1TDAWtcBPUOH7qjoYurUR/Xklji4/mn3dxv7Ast7B+"
    "Lkv7JdJgDZsCacinjZDO9gIFy6MgCe3JlKebNkZSxRhKL1I42YVIol9WDPCi8OQNxAC7/KAPTmEi"
    "GnbC+kmiDaCcYppfvvFU00CURcs2wgcUz0ZPbJywr+nsbvWqr4iyD1Nlu/greLM+69gfsct3Ndmg"
    "waDhyCw50WQoCPUxwSdqUh13vwmjAXfIH69/m5b5HPeSb/SdgSgbB5tzqWZwJj96vWZyOWgVlJh8"
    "YvuIHer+ntxCgP0dX65kDFwb3pObymwEmeEzoROstC4NjJfQia2TULLd75Qn0Vk+mEeIdwRE1EGJ"
    "MOYnJJNAaCUbmUwayiapYypIiuB/rxzJrOKiFnZKI9u8nJeip97XEcTllP6RmMOGNkEf729NQ4UU"
    "r74NPDSd3F9tbrb8FQzrDIkv+n7r+e760lAnIVDRHFDoGf4QMGhDNjSZ";

static const char RSA_PSS_SALTMAX_SIG_B64[] =
    "bwDalWT4N7rC32F8X4CKB4k4Jjry4JApTMuqChlgi0HNUh7y46Ccw3QR/w1jaNUNTFmNYPCindbB"
    "nqIpJIxEzFcot6x2HOec4atyy3MPFrT5uGbpSslrMrdI0MP5mH+LPSblLQrDOqdt3jOjUYZPa6uw"
    "QrOEVL4U6KIRJPj9yGppyRitp9lxoxknqJG7K8qDl08MXLkUoLGoN/4OuXJ6wL78mJYHWYweVuSj"
    "wfKAyVaHS0wXGo0K2f7jFMzHwnFFOD6FTQyS+KaC6ofZXpWe0nPy8NxN5lJ851H0hgahiDAFfkzd"
    "wooPUng1Y9Anv6HxCuEX+RZHCbxUs+Ox7tMZ1RHXwFv5zXopr6JfW2a3sh4LSfIkDcvwwdPh/F49"
    "9f9EfTSB4W+Njc6Dg3VRSZfgFF/O8gGDNFGcLjODWrussuE4044HxazZOocoGXsG6V5QklWn83o5"
    "v7+WlHwbZtoTdDBoaxmxsdhgG+wGjpnfR7eSyIXhYJcgGOu8qHUj7KsH";

static const char RSA_PKCS1V15_SIG_B64[] =
    "eKRkZykOSFtfpdBC/u6KkCrBEfs/StnJvemj6vJ8E2DRGtNs/aEG4Wn9c+5R2imXnQ31Gzk90G6C"
    "HbSPboZ5UifLE0qofq9d2Na8On4Ba8zJFa2UlqVh12+z2aW1mV8ygXctb9wuTc1xItAyN2i8UqMD"
    "5f/BuvPWFJaGqKQTpYJj3R2/qI+fa+gmrItkKLu3/0ZPgkypAmV/DmAVIRx0rIDZAx1zE1LBN1J+"
    "17BMNxSiMduf+sh9E3iMICc/dlDxPHSTGw4QwCkA5lzMGCqkmxR9xd/zASOR4vNy/CF9Zn1LVo1O"
    "JI+Nc6JhlAiOYBNKjM3zs+QNaWQUheU0zbqK0Sp/aVNfmH9ZcLrI+pghhBi6wIJefy6O3wvLYYJK"
    "hlAa+8S8syqYiCSmaiGtlqxLGD9D3MuznqDy+IOb6cljkyZD9lERM7fdEscyOvEMqiguvr+H5H5t"
    "JVnWundXw2jy6mGBfuBNtS0BXn/Y/GUP/HsypP3e+4fQtX3vbApfuxhd";

static const char RSA1024_PUBLIC_PEM[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDI3KZLsdiZOjcYt8OgfrQlSutx\n"
    "qZIMpRJC7cysGc1nceW7vSObD0gUr3POBz98q0+hJYx3AgQuroPDWxKUwfsIyjm0\n"
    "ovd/4Q38a1hVvx7TN3oDns42iw8JXPsVdGb0znDtCzITWjUqTsX2z+NqxIn2DVT0\n"
    "QmjRwfnVJg0Ze/FlAQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";

static const char ENCRYPTED_PEM[] =
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
    "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAjPsZlpsG2A/AICCAAw\n"
    "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEPWqpB3EX9gT3YKi/4g6pE0EQBeX\n"
    "ODW6BZFyx1RbhS91tyERs3OhyXdfV5P3d6E20+YcmU4ZPABNgDJLeVjCPNPFlO2i\n"
    "2g6k1n6fkbjnxWQAemA=\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n";

static const char ENCRYPTED_SSLIB[] =
    "3b69bcc48c81eb6863a2c6509598e7aa@@@@100000@@@@5c074946b7efd9f47cba79c6b88a78"
    "86ca015957db6cebba5833c7fbfabe2a67@@@@2f5a71e92722d036fec5afbafd06056c@@@@dd"
    "10d44c043bd4d122246cf1f38720d37a1019cf0b5e196508c6e61610efb750dbe4b1a6f51a90"
    "4f02aff353e4cd0eeaa568c0a8d932b3c56c26afb0e6e5158ea803af1f5853e955888b6254ff"
    "e24a73b60f61fa620c3aba6e3bf710fb116e05f71ad600bcbd8d57dc6d68887828980aa1c406"
    "a780451591210db2da0463c9f15e2eca39deff9ea5e883202bd423eb57f0e447dd352f4349c0"
    "c2c92370806a119cd18e53b43b5225e81f57504bc2085bf0738f6b75e40a6c8fad586c45f37f"
    "ed0384cfa72bd6c5e6f660794a78a933142c8e3b4db6000953e136f94531e92910f1b324516e"
    "b0a2766b37d7ecb793a5528e31a583fa750fa54b02066a14aca9996ee92b721bad8fb789f522"
    "b2c03eadd2edbaf6081feaeb2efe4cf274557bbe1dfad5d8849f936694472ea21601d91caa50"
    "4c399edd7526b4edf99cb4fe4d02cbb6d697bebf46c0442f857f2ac61cb138";

static const char P384_PRIVATE_PEM[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDCGcIpeHxf+DUhRxph7\n"
    "lme9YQBxJK92Y7YHY+bNPYZc/xX4a4Sl5uwC545njXvbvJ+hZANiAATTqZjgG6qx\n"
    "/8SZvDuyh3TPEB2Yv+Pr33AqyqG16PdPX0SlrNfDHKJpsCr43ZoHb5jnHtnyITmm\n"
    "tYH0PkapB8lBE3w2mXEV7vTsTbU6qaqza0zqRbMAFJ/XDM0WE/BjLQA=\n"
    "-----END PRIVATE KEY-----\n";

static const char P384_PUBLIC_PEM[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE06mY4Buqsf/Embw7sod0zxAdmL/j699w\n"
    "Ksqhtej3T19EpazXwxyiabAq+N2aB2+Y5x7Z8iE5prWB9D5GqQfJQRN8NplxFe70\n"
    "7E21Oqmqs2tM6kWzABSf1wzNFhPwYy0A\n"
    "-----END PUBLIC KEY-----\n";

/* RFC 8032, section 7.1, TEST 1 and TEST 2 */
#define RFC8032_SEED1 "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
#define RFC8032_PUB1  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define RFC8032_SIG1                                                                               \
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"                             \
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
#define RFC8032_SEED2 "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"
#define RFC8032_PUB2  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
#define RFC8032_SIG2                                                                               \
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"                             \
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"

#define ED_JSON_FMT                                                                                \
    "{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":{\"public\":\"%s\","               \
    "\"private\":\"%s\"}}"

/* --- helpers --- */

static char temp_dir[256];

static int make_temp_dir(void **state)
{
    const char *base = getenv("TMPDIR");
    snprintf(temp_dir, sizeof(temp_dir), "%s/wb-test-key-XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(temp_dir) ? 0 : -1;
}

static int remove_temp_dir(void **state)
{
    char command[512];
    snprintf(command, sizeof(command), "rm -rf '%s'", temp_dir);
    return system(command) == 0 ? 0 : -1;
}

/* A fresh path in the temporary directory (each call a new buffer slot). */
static const char *temp_path(const char *name)
{
    static char paths[8][512];
    static unsigned next;
    char *path = paths[next++ % 8];
    snprintf(path, 512, "%s/%s", temp_dir, name);
    return path;
}

static void write_file_mode(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    size_t len = strlen(text);
    assert_non_null(f);
    if (len)
        assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text;
    long len;
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    len = ftell(f);
    assert_true(len >= 0);
    rewind(f);
    text = malloc((size_t)len + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    text[len] = '\0';
    fclose(f);
    return text;
}

static unsigned file_mode(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (unsigned)(st.st_mode & 07777);
}

/* Entries in the temporary directory whose names contain ".tmp." */
static size_t leftover_temporaries(void)
{
    DIR *dir = opendir(temp_dir);
    struct dirent *entry;
    size_t count = 0;
    assert_non_null(dir);
    while ((entry = readdir(dir)) != NULL)
        if (strstr(entry->d_name, ".tmp."))
            count++;
    closedir(dir);
    return count;
}

static wb_key *parse_or_fail(const char *text, const char *name)
{
    wb_key *key = NULL;
    int rc = wb_key_parse(&key, text, strlen(text), name);
    if (rc != 0)
        fail_msg("%s: %s: %s", name, wb_error_name(rc), wb_error_last());
    assert_non_null(key);
    return key;
}

static wb_key *ed25519_from_seed(const char *seed_hex, const char *public_hex)
{
    char json[256];
    snprintf(json, sizeof(json), ED_JSON_FMT, public_hex, seed_hex);
    return parse_or_fail(json, "rfc8032");
}

static unsigned char *base64_or_fail(const char *text, size_t *len)
{
    unsigned char *bytes = NULL;
    assert_int_equal(wb_base64_decode(&bytes, len, text, strlen(text)), 0);
    return bytes;
}

static bool is_lower_hex(const char *s, size_t len)
{
    size_t i;
    if (strlen(s) != len)
        return false;
    for (i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static void expect_parse_fails(const char *text, size_t len, int code, const char *needle)
{
    wb_key *key = (wb_key *)&key;
    int rc = wb_key_parse(&key, text, len, "bad.key");
    if (rc != code)
        fail_msg("parsing gave %s (%s), expected %s", wb_error_name(rc), wb_error_last(),
                 wb_error_name(code));
    assert_null(key);
    assert_int_equal(wb_error_last_code(), code);
    assert_non_null(strstr(wb_error_last(), "bad.key"));
    if (needle && !strstr(wb_error_last(), needle))
        fail_msg("message \"%s\" lacks \"%s\"", wb_error_last(), needle);
}

/* sign, verify, then check that each kind of tampering fails with WB_EVERIFY */
static void check_sign_verify(const wb_key *key)
{
    static const char message[] = "waybill: the quick brown fox";
    unsigned char *sig = NULL;
    size_t sig_len = 0, bit;
    char tampered[sizeof(message)];

    assert_int_equal(wb_key_sign(&sig, &sig_len, key, message, strlen(message)), 0);
    assert_non_null(sig);
    assert_true(sig_len > 0);
    assert_int_equal(wb_key_verify(key, message, strlen(message), sig, sig_len), 0);

    /* one flipped message bit, wherever it is */
    for (bit = 0; bit < 8 * strlen(message); bit += 37) {
        memcpy(tampered, message, sizeof(message));
        tampered[bit / 8] ^= (char)(1 << (bit % 8));
        assert_int_equal(wb_key_verify(key, tampered, strlen(message), sig, sig_len), WB_EVERIFY);
        assert_int_equal(wb_error_last_code(), WB_EVERIFY);
    }
    /* a message one byte shorter or longer */
    assert_int_equal(wb_key_verify(key, message, strlen(message) - 1, sig, sig_len), WB_EVERIFY);
    assert_int_equal(wb_key_verify(key, message, strlen(message) + 1, sig, sig_len), WB_EVERIFY);

    /* one flipped signature bit, wherever it is */
    for (bit = 0; bit < 8 * sig_len; bit += 5) {
        sig[bit / 8] ^= (unsigned char)(1 << (bit % 8));
        assert_int_equal(wb_key_verify(key, message, strlen(message), sig, sig_len), WB_EVERIFY);
        sig[bit / 8] ^= (unsigned char)(1 << (bit % 8));
    }
    /* truncated and empty signatures */
    assert_int_equal(wb_key_verify(key, message, strlen(message), sig, sig_len - 1), WB_EVERIFY);
    assert_int_equal(wb_key_verify(key, message, strlen(message), sig, 0), WB_EVERIFY);
    /* and the untouched signature still verifies */
    assert_int_equal(wb_key_verify(key, message, strlen(message), sig, sig_len), 0);
    wb_free(sig);
}

/* --- generate, sign, verify --- */

static void test_generate_ed25519(void **state)
{
    wb_key *key = NULL;
    assert_int_equal(wb_key_generate(&key, WB_KEY_ED25519), 0);
    assert_non_null(key);
    assert_int_equal(wb_key_get_type(key), WB_KEY_ED25519);
    assert_true(wb_key_has_private(key));
    assert_true(is_lower_hex(wb_key_id(key), WB_KEYID_HEX_LEN));
    assert_string_equal(wb_key_scheme(key), "ed25519");
    assert_string_equal(wb_key_type_name(WB_KEY_ED25519), "ed25519");
    check_sign_verify(key);
    wb_key_free(key);
}

static void test_generate_ecdsa(void **state)
{
    wb_key *key = NULL;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    assert_int_equal(wb_key_generate(&key, WB_KEY_ECDSA_P256), 0);
    assert_int_equal(wb_key_get_type(key), WB_KEY_ECDSA_P256);
    assert_true(wb_key_has_private(key));
    assert_true(is_lower_hex(wb_key_id(key), WB_KEYID_HEX_LEN));
    assert_string_equal(wb_key_scheme(key), "ecdsa-sha2-nistp256");
    assert_string_equal(wb_key_type_name(WB_KEY_ECDSA_P256), "ecdsa-p256");
    check_sign_verify(key);
    /* signatures are DER: a SEQUENCE of two INTEGERs, at most 72 bytes */
    assert_int_equal(wb_key_sign(&sig, &sig_len, key, "x", 1), 0);
    assert_int_equal(sig[0], 0x30);
    assert_int_equal(sig[1], sig_len - 2);
    assert_true(sig_len <= 72);
    wb_free(sig);
    wb_key_free(key);
}

static void test_generated_keys_differ(void **state)
{
    wb_key *a = NULL, *b = NULL;
    assert_int_equal(wb_key_generate(&a, WB_KEY_ED25519), 0);
    assert_int_equal(wb_key_generate(&b, WB_KEY_ED25519), 0);
    assert_string_not_equal(wb_key_id(a), wb_key_id(b));
    wb_key_free(a);
    wb_key_free(b);
}

static void test_generate_unsupported(void **state)
{
    wb_key *key = (wb_key *)&key;
    assert_int_equal(wb_key_generate(&key, WB_KEY_RSA_PSS), WB_EUNSUPPORTED);
    assert_null(key);
    key = (wb_key *)&key;
    assert_int_equal(wb_key_generate(&key, (wb_key_type)42), WB_EUNSUPPORTED);
    assert_null(key);
    assert_int_equal(wb_key_generate(NULL, WB_KEY_ED25519), WB_EINVAL);
    assert_string_equal(wb_key_type_name((wb_key_type)42), "unknown");
    assert_string_equal(wb_key_type_name(WB_KEY_RSA_PSS), "rsa-pss");
}

static void test_wrong_key_fails(void **state)
{
    static const wb_key_type types[] = {WB_KEY_ED25519, WB_KEY_ECDSA_P256};
    size_t i, j;
    wb_key *keys[2][2];
    unsigned char *sig = NULL;
    size_t sig_len = 0;

    for (i = 0; i < 2; i++)
        for (j = 0; j < 2; j++)
            assert_int_equal(wb_key_generate(&keys[i][j], types[i]), 0);
    for (i = 0; i < 2; i++) {
        assert_int_equal(wb_key_sign(&sig, &sig_len, keys[i][0], "msg", 3), 0);
        /* another key of the same type */
        assert_int_equal(wb_key_verify(keys[i][1], "msg", 3, sig, sig_len), WB_EVERIFY);
        assert_non_null(strstr(wb_error_last(), wb_key_id(keys[i][1])));
        /* a key of the other type */
        assert_int_equal(wb_key_verify(keys[1 - i][0], "msg", 3, sig, sig_len), WB_EVERIFY);
        assert_int_equal(wb_key_verify(keys[i][0], "msg", 3, sig, sig_len), 0);
        wb_free(sig);
        sig = NULL;
    }
    for (i = 0; i < 2; i++)
        for (j = 0; j < 2; j++)
            wb_key_free(keys[i][j]);
}

static void test_ed25519_rfc8032_signatures(void **state)
{
    static const struct {
        const char *seed, *public, *sig;
        const char *msg;
        size_t msg_len;
    } vectors[] = {
        {RFC8032_SEED1, RFC8032_PUB1, RFC8032_SIG1, "", 0},
        {RFC8032_SEED2, RFC8032_PUB2, RFC8032_SIG2, "\x72", 1},
    };
    size_t i;
    for (i = 0; i < 2; i++) {
        wb_key *key = ed25519_from_seed(vectors[i].seed, vectors[i].public);
        unsigned char *sig = NULL, expected[64];
        size_t sig_len = 0;
        char hex[129];
        assert_int_equal(wb_hex_decode(expected, sizeof(expected), NULL, vectors[i].sig, 128), 0);
        assert_int_equal(wb_key_sign(&sig, &sig_len, key, vectors[i].msg, vectors[i].msg_len), 0);
        assert_int_equal(sig_len, 64);
        wb_hex_encode(hex, sig, sig_len);
        assert_string_equal(hex, vectors[i].sig);
        assert_int_equal(wb_key_verify(key, vectors[i].msg, vectors[i].msg_len, expected, 64), 0);
        /* Ed25519 signatures have exactly 64 bytes */
        assert_int_equal(wb_key_verify(key, vectors[i].msg, vectors[i].msg_len, expected, 63),
                         WB_EVERIFY);
        wb_free(sig);
        wb_key_free(key);
    }
}

static void test_sign_needs_private(void **state)
{
    wb_key *key = NULL, *pub = NULL;
    unsigned char *sig = (unsigned char *)"x";
    size_t sig_len = 0;
    assert_int_equal(wb_key_generate(&key, WB_KEY_ED25519), 0);
    assert_int_equal(wb_key_public(&pub, key), 0);
    assert_int_equal(wb_key_sign(&sig, &sig_len, pub, "m", 1), WB_EINVAL);
    assert_null(sig);
    assert_non_null(strstr(wb_error_last(), "public"));
    assert_int_equal(wb_key_sign(NULL, &sig_len, key, "m", 1), WB_EINVAL);
    assert_int_equal(wb_key_sign(&sig, &sig_len, key, NULL, 1), WB_EINVAL);
    assert_int_equal(wb_key_verify(NULL, "m", 1, (const unsigned char *)"s", 1), WB_EINVAL);
    wb_key_free(pub);
    wb_key_free(key);
}

static void test_empty_message(void **state)
{
    wb_key *key = NULL;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    assert_int_equal(wb_key_generate(&key, WB_KEY_ECDSA_P256), 0);
    assert_int_equal(wb_key_sign(&sig, &sig_len, key, NULL, 0), 0);
    assert_int_equal(wb_key_verify(key, NULL, 0, sig, sig_len), 0);
    assert_int_equal(wb_key_verify(key, "", 0, sig, sig_len), 0);
    assert_int_equal(wb_key_verify(key, "a", 1, sig, sig_len), WB_EVERIFY);
    wb_free(sig);
    wb_key_free(key);
}

/* --- public half --- */

static void test_key_public(void **state)
{
    static const wb_key_type types[] = {WB_KEY_ED25519, WB_KEY_ECDSA_P256};
    size_t i;
    for (i = 0; i < 2; i++) {
        wb_key *key = NULL, *pub = NULL, *pub2 = NULL;
        unsigned char *sig = NULL;
        size_t sig_len = 0;
        char *pem_a = NULL, *pem_b = NULL;

        assert_int_equal(wb_key_generate(&key, types[i]), 0);
        assert_int_equal(wb_key_public(&pub, key), 0);
        assert_false(wb_key_has_private(pub));
        assert_string_equal(wb_key_id(pub), wb_key_id(key));
        assert_int_equal(wb_key_get_type(pub), types[i]);
        assert_string_equal(wb_key_scheme(pub), wb_key_scheme(key));
        /* the public half verifies what the private half signs */
        assert_int_equal(wb_key_sign(&sig, &sig_len, key, "data", 4), 0);
        assert_int_equal(wb_key_verify(pub, "data", 4, sig, sig_len), 0);
        assert_int_equal(wb_key_verify(pub, "dataX", 5, sig, sig_len), WB_EVERIFY);
        /* and cannot be saved as a private key */
        assert_int_equal(wb_key_save_private(pub, temp_path("never-written")), WB_EINVAL);
        assert_int_equal(access(temp_path("never-written"), F_OK), -1);
        /* the public half of a public key is the same key */
        assert_int_equal(wb_key_public(&pub2, pub), 0);
        assert_string_equal(wb_key_id(pub2), wb_key_id(key));
        assert_int_equal(wb_key_public_pem(&pem_a, key), 0);
        assert_int_equal(wb_key_public_pem(&pem_b, pub2), 0);
        assert_string_equal(pem_a, pem_b);
        assert_non_null(strstr(pem_a, "-----BEGIN PUBLIC KEY-----\n"));
        assert_null(strstr(pem_a, "PRIVATE"));
        wb_free(pem_a);
        wb_free(pem_b);
        wb_free(sig);
        wb_key_free(pub2);
        wb_key_free(pub);
        wb_key_free(key);
    }
    wb_key_free(NULL); /* no-op */
    assert_false(wb_key_has_private(NULL));
    assert_string_equal(wb_key_id(NULL), "");
}

/* --- files --- */

static void check_save_and_reload(wb_key_type type, const char *stem)
{
    char private_path[512], public_path[512], name[64];
    wb_key *key = NULL, *loaded_private = NULL, *loaded_public = NULL;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    char *text;

    snprintf(name, sizeof(name), "%s.key", stem);
    snprintf(private_path, sizeof(private_path), "%s", temp_path(name));
    snprintf(name, sizeof(name), "%s.pub", stem);
    snprintf(public_path, sizeof(public_path), "%s", temp_path(name));

    assert_int_equal(wb_key_generate(&key, type), 0);
    assert_int_equal(wb_key_save_private(key, private_path), 0);
    assert_int_equal(wb_key_save_public(key, public_path), 0);
    assert_int_equal(file_mode(private_path), 0600);
    assert_int_equal(file_mode(public_path), 0644);
    assert_int_equal(leftover_temporaries(), 0);

    text = read_text(private_path);
    assert_memory_equal(text, "-----BEGIN PRIVATE KEY-----\n", 28); /* PKCS#8, unencrypted */
    free(text);
    text = read_text(public_path);
    assert_memory_equal(text, "-----BEGIN PUBLIC KEY-----\n", 27);
    assert_null(strstr(text, "PRIVATE"));
    free(text);

    assert_int_equal(wb_key_load(&loaded_private, private_path), 0);
    assert_true(wb_key_has_private(loaded_private));
    assert_string_equal(wb_key_id(loaded_private), wb_key_id(key));
    assert_int_equal(wb_key_get_type(loaded_private), type);
    assert_int_equal(wb_key_load(&loaded_public, public_path), 0);
    assert_false(wb_key_has_private(loaded_public));
    assert_string_equal(wb_key_id(loaded_public), wb_key_id(key));

    /* the reloaded private key signs for the original public key */
    assert_int_equal(wb_key_sign(&sig, &sig_len, loaded_private, "payload", 7), 0);
    assert_int_equal(wb_key_verify(key, "payload", 7, sig, sig_len), 0);
    assert_int_equal(wb_key_verify(loaded_public, "payload", 7, sig, sig_len), 0);

    wb_free(sig);
    wb_key_free(loaded_public);
    wb_key_free(loaded_private);
    wb_key_free(key);
}

static void test_save_and_reload_ed25519(void **state)
{
    check_save_and_reload(WB_KEY_ED25519, "ed");
}

static void test_save_and_reload_ecdsa(void **state)
{
    check_save_and_reload(WB_KEY_ECDSA_P256, "ec");
}

static void test_save_private_mode_ignores_umask(void **state)
{
    wb_key *key = NULL;
    const char *path = temp_path("umask.key");
    mode_t old = umask(0);
    assert_int_equal(wb_key_generate(&key, WB_KEY_ED25519), 0);
    assert_int_equal(wb_key_save_private(key, path), 0);
    umask(old);
    assert_int_equal(file_mode(path), 0600);
    wb_key_free(key);
}

static void test_save_refuses_existing(void **state)
{
    wb_key *key = NULL;
    const char *private_path = temp_path("existing.key");
    const char *public_path = temp_path("existing.pub");
    char *text;

    write_file_mode(private_path, "precious\n", 0600);
    write_file_mode(public_path, "also precious\n", 0644);
    assert_int_equal(wb_key_generate(&key, WB_KEY_ECDSA_P256), 0);
    assert_int_equal(wb_key_save_private(key, private_path), WB_EEXISTS);
    assert_non_null(strstr(wb_error_last(), private_path));
    assert_int_equal(wb_key_save_public(key, public_path), WB_EEXISTS);
    assert_non_null(strstr(wb_error_last(), public_path));
    /* untouched, and no temporary file left behind */
    text = read_text(private_path);
    assert_string_equal(text, "precious\n");
    free(text);
    text = read_text(public_path);
    assert_string_equal(text, "also precious\n");
    free(text);
    assert_int_equal(leftover_temporaries(), 0);

    /* a key saved once cannot be saved again over itself */
    assert_int_equal(wb_key_save_private(key, temp_path("once.key")), 0);
    assert_int_equal(wb_key_save_private(key, temp_path("once.key")), WB_EEXISTS);
    assert_int_equal(leftover_temporaries(), 0);
    wb_key_free(key);
}

static void test_save_into_missing_directory(void **state)
{
    wb_key *key = NULL;
    int rc;
    assert_int_equal(wb_key_generate(&key, WB_KEY_ED25519), 0);
    rc = wb_key_save_private(key, temp_path("no-such-dir/key"));
    assert_int_equal(rc, WB_EIO);
    assert_non_null(strstr(wb_error_last(), "no-such-dir/key"));
    wb_key_free(key);
}

static void check_private_mode_refused(mode_t mode)
{
    char name[32];
    const char *path;
    wb_key *key = (wb_key *)&key;
    int rc;

    snprintf(name, sizeof(name), "mode-%04o.json", (unsigned)mode);
    path = temp_path(name);
    write_file_mode(path, ED_PRIVATE_JSON, mode);
    rc = wb_key_load(&key, path);
    if (rc != WB_EPERM)
        fail_msg("mode %04o: got %s (%s), expected WB_EPERM", (unsigned)mode, wb_error_name(rc),
                 wb_error_last());
    assert_null(key);
    assert_non_null(strstr(wb_error_last(), "chmod 600"));
    assert_non_null(strstr(wb_error_last(), path));
}

static void test_load_refuses_readable_private_key(void **state)
{
    static const mode_t refused[] = {0640, 0604, 0644, 0660, 0606, 0666, 0610, 0601, 0620, 0602};
    size_t i;
    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        check_private_mode_refused(refused[i]);
}

static void test_load_refuses_readable_private_pem(void **state)
{
    wb_key *key = NULL, *loaded = (wb_key *)&loaded;
    const char *path = temp_path("pem-0640.key");
    assert_int_equal(wb_key_generate(&key, WB_KEY_ECDSA_P256), 0);
    assert_int_equal(wb_key_save_private(key, path), 0);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(wb_key_load(&loaded, path), WB_EPERM);
    assert_null(loaded);
    assert_non_null(strstr(wb_error_last(), "chmod 600"));
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(wb_key_load(&loaded, path), 0);
    assert_string_equal(wb_key_id(loaded), wb_key_id(key));
    wb_key_free(loaded);
    wb_key_free(key);
}

static void test_load_private_owner_only_modes(void **state)
{
    static const mode_t allowed[] = {0600, 0400, 0700};
    size_t i;
    for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
        char name[32];
        const char *path;
        wb_key *key = NULL;
        snprintf(name, sizeof(name), "ok-%04o.json", (unsigned)allowed[i]);
        path = temp_path(name);
        write_file_mode(path, ED_PRIVATE_JSON, allowed[i]);
        assert_int_equal(wb_key_load(&key, path), 0);
        assert_string_equal(wb_key_id(key), ED_KEYID);
        assert_true(wb_key_has_private(key));
        wb_key_free(key);
    }
}

static void test_load_public_any_mode(void **state)
{
    wb_key *key = NULL;
    const char *path = temp_path("public-0666.json");
    write_file_mode(path, ED_PUBLIC_JSON, 0666);
    assert_int_equal(wb_key_load(&key, path), 0);
    assert_false(wb_key_has_private(key));
    assert_string_equal(wb_key_id(key), ED_KEYID);
    wb_key_free(key);
    path = temp_path("rsa-0644.pub");
    write_file_mode(path, RSA_PUBLIC_PEM, 0644);
    assert_int_equal(wb_key_load(&key, path), 0);
    assert_string_equal(wb_key_id(key), RSA_KEYID);
    wb_key_free(key);
}

static void test_load_missing_and_not_regular(void **state)
{
    wb_key *key = (wb_key *)&key;
    assert_int_equal(wb_key_load(&key, temp_path("missing.key")), WB_ENOTFOUND);
    assert_null(key);
    assert_non_null(strstr(wb_error_last(), "missing.key"));
    key = (wb_key *)&key;
    assert_true(wb_key_load(&key, temp_dir) < 0);
    assert_null(key);
    assert_int_equal(wb_key_load(NULL, temp_dir), WB_EINVAL);
    assert_int_equal(wb_key_load(&key, NULL), WB_EINVAL);
}

static void test_load_too_large(void **state)
{
    const char *path = temp_path("huge.key");
    size_t len = 200 * 1024;
    char *text = malloc(len + 1);
    wb_key *key = NULL;
    assert_non_null(text);
    memset(text, ' ', len);
    text[len] = '\0';
    write_file_mode(path, text, 0600);
    free(text);
    assert_int_equal(wb_key_load(&key, path), WB_ELIMIT);
    assert_null(key);
}

/* A named pipe in place of a key file must be refused, not waited on. */
static void test_load_fifo_does_not_hang(void **state)
{
    const char *fifo = temp_path("key.fifo");
    pid_t pid;
    int status = 0;
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        wb_key *key = NULL;
        int rc;
        alarm(5);
        rc = wb_key_load(&key, fifo);
        _exit(rc < 0 ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        fail_msg("wb_key_load(fifo) blocked in open() until killed by signal %d", WTERMSIG(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* --- keyring --- */

static void test_keyring_dedupe_and_find(void **state)
{
    wb_keyring *ring = NULL;
    wb_key *a = NULL, *b = NULL, *copy = NULL;
    char id_a[WB_KEYID_HEX_LEN + 1], id_b[WB_KEYID_HEX_LEN + 1];

    assert_int_equal(wb_keyring_new(&ring), 0);
    assert_int_equal(wb_keyring_count(ring), 0);
    assert_null(wb_keyring_get(ring, 0));
    assert_int_equal(wb_key_generate(&a, WB_KEY_ED25519), 0);
    assert_int_equal(wb_key_generate(&b, WB_KEY_ECDSA_P256), 0);
    snprintf(id_a, sizeof(id_a), "%s", wb_key_id(a));
    snprintf(id_b, sizeof(id_b), "%s", wb_key_id(b));

    /* the same key twice (two objects, one id) counts once */
    assert_int_equal(wb_key_public(&copy, a), 0);
    assert_int_equal(wb_keyring_add(ring, a), 0);
    assert_int_equal(wb_keyring_count(ring), 1);
    assert_int_equal(wb_keyring_add(ring, copy), 0); /* freed by the ring */
    assert_int_equal(wb_keyring_count(ring), 1);
    copy = NULL;
    assert_int_equal(wb_key_public(&copy, a), 0);
    assert_int_equal(wb_keyring_add(ring, copy), 0);
    assert_int_equal(wb_keyring_count(ring), 1);
    assert_int_equal(wb_keyring_add(ring, b), 0);
    assert_int_equal(wb_keyring_count(ring), 2);

    assert_non_null(wb_keyring_find(ring, id_a));
    assert_string_equal(wb_key_id(wb_keyring_find(ring, id_a)), id_a);
    assert_string_equal(wb_key_id(wb_keyring_find(ring, id_b)), id_b);
    assert_int_equal(wb_key_get_type(wb_keyring_find(ring, id_b)), WB_KEY_ECDSA_P256);
    assert_null(
        wb_keyring_find(ring, "0000000000000000000000000000000000000000000000000000000000000000"));
    assert_null(wb_keyring_find(ring, ""));
    assert_null(wb_keyring_find(ring, NULL));
    /* an id prefix is not the id */
    {
        char prefix[17];
        memcpy(prefix, id_a, 16);
        prefix[16] = '\0';
        assert_null(wb_keyring_find(ring, prefix));
    }
    assert_string_equal(wb_key_id(wb_keyring_get(ring, 0)), id_a);
    assert_string_equal(wb_key_id(wb_keyring_get(ring, 1)), id_b);
    assert_null(wb_keyring_get(ring, 2));
    wb_keyring_free(ring);
}

static void test_keyring_grows(void **state)
{
    wb_keyring *ring = NULL;
    size_t i;
    assert_int_equal(wb_keyring_new(&ring), 0);
    for (i = 0; i < 20; i++) {
        wb_key *key = NULL;
        assert_int_equal(wb_key_generate(&key, WB_KEY_ED25519), 0);
        assert_int_equal(wb_keyring_add(ring, key), 0);
        assert_int_equal(wb_keyring_count(ring), i + 1);
    }
    for (i = 0; i < 20; i++) {
        const wb_key *key = wb_keyring_get(ring, i);
        assert_non_null(key);
        assert_ptr_equal(wb_keyring_find(ring, wb_key_id(key)), key);
    }
    wb_keyring_free(ring);
}

static void test_keyring_invalid(void **state)
{
    wb_keyring *ring = NULL;
    wb_key *key = NULL;
    assert_int_equal(wb_keyring_new(NULL), WB_EINVAL);
    assert_int_equal(wb_keyring_new(&ring), 0);
    assert_int_equal(wb_keyring_add(ring, NULL), WB_EINVAL);
    /* the key is taken (and freed) even when the ring is missing */
    assert_int_equal(wb_key_generate(&key, WB_KEY_ED25519), 0);
    assert_int_equal(wb_keyring_add(NULL, key), WB_EINVAL);
    assert_int_equal(wb_keyring_count(NULL), 0);
    assert_null(wb_keyring_get(NULL, 0));
    assert_null(wb_keyring_find(NULL, ED_KEYID));
    wb_keyring_free(ring);
    wb_keyring_free(NULL);
}

static void test_keyring_add_file(void **state)
{
    wb_keyring *ring = NULL;
    const char *json_path = temp_path("ring-ed.json");
    const char *pub_path = temp_path("ring-ed.pub.json");
    const wb_key *found;

    write_file_mode(json_path, ED_PRIVATE_JSON, 0600);
    write_file_mode(pub_path, ED_PUBLIC_JSON, 0644);
    assert_int_equal(wb_keyring_new(&ring), 0);
    assert_int_equal(wb_keyring_add_file(ring, json_path), 0);
    assert_int_equal(wb_keyring_add_file(ring, pub_path), 0);
    assert_int_equal(wb_keyring_count(ring), 1);
    found = wb_keyring_find(ring, ED_KEYID);
    assert_non_null(found);
    /* the ring keeps only public halves */
    assert_false(wb_key_has_private(found));
    assert_int_equal(wb_keyring_add_file(ring, temp_path("absent.pub")), WB_ENOTFOUND);
    assert_int_equal(wb_keyring_count(ring), 1);
    /* a refused private key file is not added */
    assert_int_equal(chmod(json_path, 0644), 0);
    assert_int_equal(wb_keyring_add_file(ring, json_path), WB_EPERM);
    wb_keyring_free(ring);
}

/* --- securesystemslib JSON keys and known key ids --- */

static void check_sslib_public_object(const wb_key *key, const char *keytype, const char *scheme,
                                      const char *public)
{
    json_t *obj = NULL, *algs;
    assert_int_equal(wb_key_to_sslib_json(&obj, key), 0);
    assert_string_equal(json_string_value(json_object_get(obj, "keytype")), keytype);
    assert_string_equal(json_string_value(json_object_get(obj, "scheme")), scheme);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(obj, "keyval"), "public")), public);
    assert_null(json_object_get(json_object_get(obj, "keyval"), "private"));
    algs = json_object_get(obj, "keyid_hash_algorithms");
    assert_int_equal(json_array_size(algs), 2);
    assert_string_equal(json_string_value(json_array_get(algs, 0)), "sha256");
    assert_string_equal(json_string_value(json_array_get(algs, 1)), "sha512");
    json_decref(obj);
}

static void check_from_sslib_json(const char *text, const char *expected_id)
{
    json_error_t error;
    json_t *obj = json_loads(text, 0, &error);
    wb_key *key = NULL;
    assert_non_null(obj);
    assert_int_equal(wb_key_from_sslib_json(&key, obj, "layout.json"), 0);
    assert_string_equal(wb_key_id(key), expected_id);
    /* layouts carry public keys: a private value there is never used */
    assert_false(wb_key_has_private(key));
    wb_key_free(key);
    json_decref(obj);
}

static void test_ed25519_sslib_known_id(void **state)
{
    wb_key *priv = parse_or_fail(ED_PRIVATE_JSON, "ed.json");
    wb_key *pub = parse_or_fail(ED_PUBLIC_JSON, "ed.pub");
    unsigned char *sig = NULL;
    size_t sig_len = 0;

    assert_string_equal(wb_key_id(priv), ED_KEYID);
    assert_true(wb_key_has_private(priv));
    assert_int_equal(wb_key_get_type(priv), WB_KEY_ED25519);
    assert_string_equal(wb_key_id(pub), ED_KEYID);
    assert_false(wb_key_has_private(pub));
    check_sslib_public_object(priv, "ed25519", "ed25519", ED_PUBLIC);
    check_from_sslib_json(ED_PUBLIC_JSON, ED_KEYID);
    check_from_sslib_json(ED_PRIVATE_JSON, ED_KEYID);

    assert_int_equal(wb_key_sign(&sig, &sig_len, priv, "in-toto", 7), 0);
    assert_int_equal(wb_key_verify(pub, "in-toto", 7, sig, sig_len), 0);
    wb_free(sig);
    wb_key_free(pub);
    wb_key_free(priv);
}

/* Re-saved as PEM and reloaded, a key keeps the id in-toto gave it. */
static void check_resaved_pem_keeps_id(const char *json, const char *expected_id, const char *stem)
{
    char private_path[512], public_path[512], name[64];
    wb_key *key = parse_or_fail(json, stem);
    wb_key *reloaded = NULL, *reloaded_public = NULL;

    snprintf(name, sizeof(name), "%s-resaved.key", stem);
    snprintf(private_path, sizeof(private_path), "%s", temp_path(name));
    snprintf(name, sizeof(name), "%s-resaved.pub", stem);
    snprintf(public_path, sizeof(public_path), "%s", temp_path(name));
    assert_string_equal(wb_key_id(key), expected_id);
    assert_int_equal(wb_key_save_private(key, private_path), 0);
    assert_int_equal(wb_key_save_public(key, public_path), 0);
    assert_int_equal(wb_key_load(&reloaded, private_path), 0);
    assert_int_equal(wb_key_load(&reloaded_public, public_path), 0);
    assert_true(wb_key_has_private(reloaded));
    assert_string_equal(wb_key_id(reloaded), expected_id);
    assert_string_equal(wb_key_id(reloaded_public), expected_id);
    wb_key_free(reloaded_public);
    wb_key_free(reloaded);
    wb_key_free(key);
}

static void test_ed25519_resaved_pem_same_id(void **state)
{
    check_resaved_pem_keeps_id(ED_PRIVATE_JSON, ED_KEYID, "ed-sslib");
}

static void test_ecdsa_sslib_known_id(void **state)
{
    wb_key *priv = parse_or_fail(EC_PRIVATE_JSON, "ec.json");
    wb_key *pub = parse_or_fail(EC_PUBLIC_JSON, "ec.pub");
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    json_t *obj = NULL;

    assert_string_equal(wb_key_id(priv), EC_KEYID);
    assert_true(wb_key_has_private(priv));
    assert_int_equal(wb_key_get_type(priv), WB_KEY_ECDSA_P256);
    assert_string_equal(wb_key_scheme(priv), "ecdsa-sha2-nistp256");
    assert_string_equal(wb_key_id(pub), EC_KEYID);
    assert_false(wb_key_has_private(pub));
    check_from_sslib_json(EC_PUBLIC_JSON, EC_KEYID);
    /* the public string is kept as the file has it, final newline included */
    assert_int_equal(wb_key_to_sslib_json(&obj, pub), 0);
    {
        const char *public =
            json_string_value(json_object_get(json_object_get(obj, "keyval"), "public"));
        assert_non_null(public);
        assert_memory_equal(public, "-----BEGIN PUBLIC KEY-----\nMFkw", 31);
        assert_int_equal(public[strlen(public) - 1], '\n');
        assert_string_equal(json_string_value(json_object_get(obj, "keytype")), "ecdsa");
    }
    json_decref(obj);

    assert_int_equal(wb_key_sign(&sig, &sig_len, priv, "in-toto", 7), 0);
    assert_int_equal(wb_key_verify(pub, "in-toto", 7, sig, sig_len), 0);
    wb_free(sig);
    wb_key_free(pub);
    wb_key_free(priv);
}

static void test_ecdsa_resaved_pem_same_id(void **state)
{
    check_resaved_pem_keeps_id(EC_PRIVATE_JSON, EC_KEYID, "ec-sslib");
}

static void test_rsa_public_known_id(void **state)
{
    wb_key *from_pem = parse_or_fail(RSA_PUBLIC_PEM, "rsa.pub");
    wb_key *from_json = parse_or_fail(RSA_SSLIB_JSON, "rsa.json");
    char with_newline[sizeof(RSA_PUBLIC_PEM) + 1];
    wb_key *from_pem_nl;

    assert_string_equal(wb_key_id(from_pem), RSA_KEYID);
    assert_int_equal(wb_key_get_type(from_pem), WB_KEY_RSA_PSS);
    assert_string_equal(wb_key_scheme(from_pem), "rsassa-pss-sha256");
    assert_false(wb_key_has_private(from_pem));
    assert_string_equal(wb_key_id(from_json), RSA_KEYID);
    assert_false(wb_key_has_private(from_json)); /* "private": "" */
    check_from_sslib_json(RSA_SSLIB_JSON, RSA_KEYID);
    check_sslib_public_object(from_pem, "rsa", "rsassa-pss-sha256", RSA_PUBLIC_PEM);

    /* the same PEM with a final newline, as openssl writes it: same id */
    snprintf(with_newline, sizeof(with_newline), "%s\n", RSA_PUBLIC_PEM);
    from_pem_nl = parse_or_fail(with_newline, "rsa-nl.pub");
    assert_string_equal(wb_key_id(from_pem_nl), RSA_KEYID);

    wb_key_free(from_pem_nl);
    wb_key_free(from_json);
    wb_key_free(from_pem);
}

static void test_rsa_pss_verify(void **state)
{
    wb_key *key = parse_or_fail(RSA_PUBLIC_PEM, "rsa.pub");
    size_t msg_len = strlen(RSA_MESSAGE), sig_len = 0, i;
    unsigned char *sig32 = base64_or_fail(RSA_PSS_SALT32_SIG_B64, &sig_len);
    unsigned char *sigmax, *sigv15;
    size_t sigmax_len = 0, sigv15_len = 0;
    char tampered[sizeof(RSA_MESSAGE)];

    assert_int_equal(sig_len, 384); /* RSA-3072 */
    assert_int_equal(wb_key_verify(key, RSA_MESSAGE, msg_len, sig32, sig_len), 0);
    /* any salt length verifies */
    sigmax = base64_or_fail(RSA_PSS_SALTMAX_SIG_B64, &sigmax_len);
    assert_int_equal(wb_key_verify(key, RSA_MESSAGE, msg_len, sigmax, sigmax_len), 0);

    /* a flipped message bit */
    memcpy(tampered, RSA_MESSAGE, sizeof(RSA_MESSAGE));
    tampered[0] ^= 0x01;
    assert_int_equal(wb_key_verify(key, tampered, msg_len, sig32, sig_len), WB_EVERIFY);
    /* a flipped signature bit, in several places */
    for (i = 0; i < sig_len; i += 47) {
        sig32[i] ^= 0x10;
        assert_int_equal(wb_key_verify(key, RSA_MESSAGE, msg_len, sig32, sig_len), WB_EVERIFY);
        sig32[i] ^= 0x10;
    }
    assert_int_equal(wb_key_verify(key, RSA_MESSAGE, msg_len, sig32, sig_len - 1), WB_EVERIFY);
    /* PKCS#1 v1.5 is not the scheme: refused even though the key made it */
    sigv15 = base64_or_fail(RSA_PKCS1V15_SIG_B64, &sigv15_len);
    assert_int_equal(wb_key_verify(key, RSA_MESSAGE, msg_len, sigv15, sigv15_len), WB_EVERIFY);
    /* nor does another key's signature */
    {
        wb_key *other = NULL;
        assert_int_equal(wb_key_generate(&other, WB_KEY_ECDSA_P256), 0);
        assert_int_equal(wb_key_verify(other, RSA_MESSAGE, msg_len, sig32, sig_len), WB_EVERIFY);
        wb_key_free(other);
    }
    assert_int_equal(wb_key_verify(key, RSA_MESSAGE, msg_len, sig32, sig_len), 0);
    wb_free(sig32);
    wb_free(sigmax);
    wb_free(sigv15);
    wb_key_free(key);
}

static void test_rsa_small_key_refused(void **state)
{
    expect_parse_fails(RSA1024_PUBLIC_PEM, strlen(RSA1024_PUBLIC_PEM), WB_EUNSUPPORTED, "2048");
}

/* --- refusals --- */

static void test_encrypted_pem_refused(void **state)
{
    wb_key *key = (wb_key *)&key;
    const char *path = temp_path("encrypted.pem");
    expect_parse_fails(ENCRYPTED_PEM, strlen(ENCRYPTED_PEM), WB_EUNSUPPORTED, "encrypted");
    write_file_mode(path, ENCRYPTED_PEM, 0600);
    assert_int_equal(wb_key_load(&key, path), WB_EUNSUPPORTED);
    assert_null(key);
    assert_non_null(strstr(wb_error_last(), "encrypted"));
    assert_non_null(strstr(wb_error_last(), path));
}

static void test_encrypted_legacy_pem_refused(void **state)
{
    static const char legacy[] = "-----BEGIN EC PRIVATE KEY-----\n"
                                 "Proc-Type: 4,ENCRYPTED\n"
                                 "DEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n"
                                 "\n"
                                 "AAAA\n"
                                 "-----END EC PRIVATE KEY-----\n";
    expect_parse_fails(legacy, strlen(legacy), WB_EUNSUPPORTED, "encrypted");
}

static void test_encrypted_sslib_refused(void **state)
{
    wb_key *key = (wb_key *)&key;
    const char *path = temp_path("encrypted.sslib");
    expect_parse_fails(ENCRYPTED_SSLIB, strlen(ENCRYPTED_SSLIB), WB_EUNSUPPORTED, "encrypted");
    write_file_mode(path, ENCRYPTED_SSLIB, 0600);
    assert_int_equal(wb_key_load(&key, path), WB_EUNSUPPORTED);
    assert_null(key);
    assert_non_null(strstr(wb_error_last(), "encrypted"));
}

static void test_json_keyid_mismatch_refused(void **state)
{
    char *text = strdup(ED_PRIVATE_JSON);
    char *id;
    assert_non_null(text);
    id = strstr(text, ED_KEYID);
    assert_non_null(id);
    id[10] = id[10] == '0' ? '1' : '0';
    expect_parse_fails(text, strlen(text), WB_EFORMAT, "keyid");
    free(text);

    /* also for ECDSA */
    text = strdup(EC_PRIVATE_JSON);
    assert_non_null(text);
    id = strstr(text, EC_KEYID);
    assert_non_null(id);
    id[63] = id[63] == 'a' ? 'b' : 'a';
    expect_parse_fails(text, strlen(text), WB_EFORMAT, "keyid");
    free(text);
}

/* A "keyid" that is not even a string cannot match the key's id either. */
static void test_json_keyid_wrong_type_refused(void **state)
{
    static const char *const ids[] = {"123", "null", "true", "[\"" ED_KEYID "\"]", "{}"};
    size_t i;
    for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        char json[512];
        wb_key *key = NULL;
        int rc;
        snprintf(json, sizeof(json),
                 "{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyid\":%s,"
                 "\"keyval\":{\"public\":\"" ED_PUBLIC "\"}}",
                 ids[i]);
        rc = wb_key_parse(&key, json, strlen(json), "bad.json");
        wb_key_free(key);
        if (rc == 0)
            fail_msg("a key file with \"keyid\": %s was accepted", ids[i]);
        assert_int_equal(rc, WB_EFORMAT);
    }
}

static void test_json_private_mismatch_refused(void **state)
{
    char json[512];
    char *pem, *json_private = NULL;
    wb_key *other = NULL;
    const char *other_path = temp_path("other-ec.key");
    json_t *obj;
    json_error_t error;

    /* the RFC 8032 TEST 1 seed with the in-toto key's public half */
    snprintf(json, sizeof(json), ED_JSON_FMT, ED_PUBLIC, RFC8032_SEED1);
    expect_parse_fails(json, strlen(json), WB_EFORMAT, "private");

    /* the in-toto ECDSA public key with another key's private half */
    assert_int_equal(wb_key_generate(&other, WB_KEY_ECDSA_P256), 0);
    assert_int_equal(wb_key_save_private(other, other_path), 0);
    pem = read_text(other_path);
    obj = json_loads(EC_PUBLIC_JSON, 0, &error);
    assert_non_null(obj);
    assert_int_equal(
        json_object_set_new(json_object_get(obj, "keyval"), "private", json_string(pem)), 0);
    json_private = json_dumps(obj, 0);
    assert_non_null(json_private);
    expect_parse_fails(json_private, strlen(json_private), WB_EFORMAT, "private");
    free(json_private);
    json_decref(obj);
    free(pem);
    wb_key_free(other);
}

static void test_json_bad_fields_refused(void **state)
{
    static const struct {
        const char *json;
        int code;
    } cases[] = {
        {"{}", WB_EFORMAT},
        {"{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\"}", WB_EFORMAT},
        {"{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":{}}", WB_EFORMAT},
        {"{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":{\"public\":7}}", WB_EFORMAT},
        {"{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":\"x\"}", WB_EFORMAT},
        {"{\"keytype\":1,\"scheme\":\"ed25519\",\"keyval\":{\"public\":\"" ED_PUBLIC "\"}}",
         WB_EFORMAT},
        /* 63 and 65 hex digits, a non-hex digit */
        {"{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":{\"public\":"
         "\"300f1ebc3e640b96aa670b0cecd89d273810aa157ed5251fc18cda9fb084cea\"}}",
         WB_EFORMAT},
        {"{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":{\"public\":"
         "\"300f1ebc3e640b96aa670b0cecd89d273810aa157ed5251fc18cda9fb084cea00\"}}",
         WB_EFORMAT},
        {"{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":{\"public\":"
         "\"x00f1ebc3e640b96aa670b0cecd89d273810aa157ed5251fc18cda9fb084cea0\"}}",
         WB_EFORMAT},
        /* a private value that is not 64 hex digits */
        {"{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":{\"public\":\"" ED_PUBLIC
         "\",\"private\":\"abcd\"}}",
         WB_EFORMAT},
        /* keytype and scheme that do not go together, or are unknown */
        {"{\"keytype\":\"ed25519\",\"scheme\":\"ecdsa-sha2-nistp256\",\"keyval\":{\"public\":"
         "\"" ED_PUBLIC "\"}}",
         WB_EUNSUPPORTED},
        {"{\"keytype\":\"rsa\",\"scheme\":\"rsassa-pkcs1v15-sha256\",\"keyval\":{\"public\":\"x\"}"
         "}",
         WB_EUNSUPPORTED},
        {"{\"keytype\":\"sphincs\",\"scheme\":\"sphincs-shake-128s\",\"keyval\":{\"public\":"
         "\"" ED_PUBLIC "\"}}",
         WB_EUNSUPPORTED},
        /* an ECDSA key whose public value is not PEM */
        {"{\"keytype\":\"ecdsa\",\"scheme\":\"ecdsa-sha2-nistp256\",\"keyval\":{\"public\":"
         "\"" ED_PUBLIC "\"}}",
         WB_EFORMAT},
        /* duplicate keys */
        {"{\"keytype\":\"ed25519\",\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":{"
         "\"public\":\"" ED_PUBLIC "\"}}",
         WB_EFORMAT},
    };
    size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        wb_key *key = (wb_key *)&key;
        int rc = wb_key_parse(&key, cases[i].json, strlen(cases[i].json), "bad.json");
        if (rc != cases[i].code)
            fail_msg("case %zu: %s gave %s (%s), expected %s", i, cases[i].json, wb_error_name(rc),
                     wb_error_last(), wb_error_name(cases[i].code));
        assert_null(key);
        assert_non_null(strstr(wb_error_last(), "bad.json"));
    }
}

static void test_garbage_refused(void **state)
{
    static const char *const garbage[] = {
        "hello",
        "{",
        "{\"keytype\":",
        "[1,2,3]",
        "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\n",
        "   \n\t",
    };
    size_t i;
    unsigned char binary[512];
    for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
        wb_key *key = (wb_key *)&key;
        int rc = wb_key_parse(&key, garbage[i], strlen(garbage[i]), "garbage");
        if (rc >= 0)
            fail_msg("\"%s\" was accepted as a key", garbage[i]);
        assert_int_equal(rc, WB_EFORMAT);
        assert_null(key);
        assert_non_null(strstr(wb_error_last(), "garbage"));
    }
    /* empty input */
    expect_parse_fails("", 0, WB_EFORMAT, NULL);
    /* binary noise, NULs included */
    for (i = 0; i < sizeof(binary); i++)
        binary[i] = (unsigned char)(i * 131 + 7);
    {
        wb_key *key = NULL;
        assert_true(wb_key_parse(&key, (const char *)binary, sizeof(binary), "noise") < 0);
        assert_null(key);
    }
    /* a certificate is not a key */
    {
        static const char certificate[] =
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        expect_parse_fails(certificate, strlen(certificate), WB_EFORMAT, NULL);
    }
    assert_int_equal(wb_key_parse(NULL, "x", 1, "x"), WB_EINVAL);
}

static void test_p384_refused(void **state)
{
    expect_parse_fails(P384_PRIVATE_PEM, strlen(P384_PRIVATE_PEM), WB_EUNSUPPORTED, "P-256");
    expect_parse_fails(P384_PUBLIC_PEM, strlen(P384_PUBLIC_PEM), WB_EUNSUPPORTED, "P-256");
    /* and inside a securesystemslib key */
    {
        json_t *obj = json_pack("{s:s, s:s, s:{s:s}}", "keytype", "ecdsa", "scheme",
                                "ecdsa-sha2-nistp256", "keyval", "public", P384_PUBLIC_PEM);
        char *text = json_dumps(obj, 0);
        assert_non_null(text);
        expect_parse_fails(text, strlen(text), WB_EUNSUPPORTED, "P-256");
        free(text);
        json_decref(obj);
    }
}

/* --- allocation failures --- */

typedef int (*key_operation)(const void *arg);

static int op_parse(const void *arg)
{
    const char *text = arg;
    wb_key *key = NULL;
    int rc = wb_key_parse(&key, text, strlen(text), "oom");
    if (rc == 0) {
        /* success under memory pressure must be a complete key */
        assert_non_null(key);
        assert_true(is_lower_hex(wb_key_id(key), WB_KEYID_HEX_LEN));
        if (strstr(text, "\"keyid\"")) {
            /* the file's id was checked, so it is the id */
            const char *id = strstr(text, "\"keyid\": \"") + 10;
            assert_memory_equal(wb_key_id(key), id, WB_KEYID_HEX_LEN);
        }
    } else {
        assert_null(key);
    }
    wb_key_free(key);
    return rc;
}

static int op_from_sslib_json(const void *arg)
{
    wb_key *key = NULL;
    int rc = wb_key_from_sslib_json(&key, arg, "oom");
    if (rc == 0)
        assert_string_equal(wb_key_id(key), ED_KEYID);
    else
        assert_null(key);
    wb_key_free(key);
    return rc;
}

static int op_public_and_ring(const void *arg)
{
    const wb_key *key = arg;
    wb_keyring *ring = NULL;
    wb_key *pub = NULL;
    json_t *obj = NULL;
    int rc = wb_keyring_new(&ring);
    if (rc == 0)
        rc = wb_key_public(&pub, key);
    if (rc == 0) {
        rc = wb_keyring_add(ring, pub); /* takes pub on failure too */
        pub = NULL;
    }
    if (rc == 0) {
        assert_int_equal(wb_keyring_count(ring), 1);
        rc = wb_key_to_sslib_json(&obj, key);
    }
    json_decref(obj);
    wb_key_free(pub);
    wb_keyring_free(ring);
    return rc;
}

/* Fail the n-th allocation for n = 1, 2, ... until the operation makes
 * fewer than n: every step must report an error (never crash, never leak,
 * which the sanitizer build checks) and the last must succeed. */
static void run_with_failing_allocations(key_operation op, const void *arg, int expected,
                                         const char *what)
{
    size_t n, made;
    int rc;

    json_set_alloc_funcs(wb_malloc, wb_free);
    for (n = 1; n < 100000; n++) {
        wb_error_clear();
        wb_alloc_fail_after(n);
        rc = op(arg);
        made = wb_alloc_fail_after(0);
        if (rc > 0)
            fail_msg("%s: allocation %zu failing: positive return %d", what, n, rc);
        if (rc < 0) {
            /* a failure leaves a message */
            if (wb_error_last()[0] == '\0')
                fail_msg("%s: allocation %zu failing: %s with no message", what, n,
                         wb_error_name(rc));
        }
        if (made < n) {
            /* nothing failed this time: the operation ran to the end */
            if (rc != expected)
                fail_msg("%s: %s (%s) with no allocation failing, expected %s", what,
                         wb_error_name(rc), wb_error_last(), wb_error_name(expected));
            break;
        }
    }
    json_set_alloc_funcs(malloc, free);
    assert_true(n > 1 || expected < 0);
}

static void test_parse_out_of_memory(void **state)
{
    run_with_failing_allocations(op_parse, ED_PRIVATE_JSON, 0, "ed25519 json");
    run_with_failing_allocations(op_parse, ED_PUBLIC_JSON, 0, "ed25519 public json");
    run_with_failing_allocations(op_parse, EC_PRIVATE_JSON, 0, "ecdsa json");
    run_with_failing_allocations(op_parse, RSA_SSLIB_JSON, 0, "rsa json");
    run_with_failing_allocations(op_parse, RSA_PUBLIC_PEM, 0, "rsa pem");
    run_with_failing_allocations(op_parse, P384_PUBLIC_PEM, WB_EUNSUPPORTED, "p384 pem");
    run_with_failing_allocations(op_parse, ENCRYPTED_SSLIB, WB_EUNSUPPORTED, "encrypted");
}

static void test_from_sslib_json_out_of_memory(void **state)
{
    json_error_t error;
    json_t *obj = json_loads(ED_PUBLIC_JSON, 0, &error);
    assert_non_null(obj);
    run_with_failing_allocations(op_from_sslib_json, obj, 0, "from_sslib_json");
    json_decref(obj);
}

static void test_public_and_ring_out_of_memory(void **state)
{
    wb_key *key = parse_or_fail(EC_PRIVATE_JSON, "ec.json");
    run_with_failing_allocations(op_public_and_ring, key, 0, "public + keyring");
    wb_key_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_ed25519),
        cmocka_unit_test(test_generate_ecdsa),
        cmocka_unit_test(test_generated_keys_differ),
        cmocka_unit_test(test_generate_unsupported),
        cmocka_unit_test(test_wrong_key_fails),
        cmocka_unit_test(test_ed25519_rfc8032_signatures),
        cmocka_unit_test(test_sign_needs_private),
        cmocka_unit_test(test_empty_message),
        cmocka_unit_test(test_key_public),
        cmocka_unit_test(test_save_and_reload_ed25519),
        cmocka_unit_test(test_save_and_reload_ecdsa),
        cmocka_unit_test(test_save_private_mode_ignores_umask),
        cmocka_unit_test(test_save_refuses_existing),
        cmocka_unit_test(test_save_into_missing_directory),
        cmocka_unit_test(test_load_refuses_readable_private_key),
        cmocka_unit_test(test_load_refuses_readable_private_pem),
        cmocka_unit_test(test_load_private_owner_only_modes),
        cmocka_unit_test(test_load_public_any_mode),
        cmocka_unit_test(test_load_missing_and_not_regular),
        cmocka_unit_test(test_load_too_large),
        cmocka_unit_test(test_load_fifo_does_not_hang),
        cmocka_unit_test(test_keyring_dedupe_and_find),
        cmocka_unit_test(test_keyring_grows),
        cmocka_unit_test(test_keyring_invalid),
        cmocka_unit_test(test_keyring_add_file),
        cmocka_unit_test(test_ed25519_sslib_known_id),
        cmocka_unit_test(test_ed25519_resaved_pem_same_id),
        cmocka_unit_test(test_ecdsa_sslib_known_id),
        cmocka_unit_test(test_ecdsa_resaved_pem_same_id),
        cmocka_unit_test(test_rsa_public_known_id),
        cmocka_unit_test(test_rsa_pss_verify),
        cmocka_unit_test(test_rsa_small_key_refused),
        cmocka_unit_test(test_encrypted_pem_refused),
        cmocka_unit_test(test_encrypted_legacy_pem_refused),
        cmocka_unit_test(test_encrypted_sslib_refused),
        cmocka_unit_test(test_json_keyid_mismatch_refused),
        cmocka_unit_test(test_json_keyid_wrong_type_refused),
        cmocka_unit_test(test_json_private_mismatch_refused),
        cmocka_unit_test(test_json_bad_fields_refused),
        cmocka_unit_test(test_garbage_refused),
        cmocka_unit_test(test_p384_refused),
        cmocka_unit_test(test_parse_out_of_memory),
        cmocka_unit_test(test_from_sslib_json_out_of_memory),
        cmocka_unit_test(test_public_and_ring_out_of_memory),
    };
    return cmocka_run_group_tests_name("key", tests, make_temp_dir, remove_temp_dir);
}
