/*
 * auth.c: bearer tokens for a shared ledger (waybilld): generating them,
 * the tokens file that maps their hashes to parties and roles, and looking
 * a presented token up (include/waybill/auth.h, docs/server.md).
 *
 * A token is "wbt_" and the unpadded base64url of 32 bytes from OpenSSL's
 * RAND_bytes: 256 bits, so its SHA-256 is as good as the token for lookup,
 * and the server never needs to hold the token itself. The tokens file
 * stores only "sha256:" and the lower-case hex of the SHA-256 of the token
 * string's bytes.
 *
 * The parser is strict because the file decides who may write to a ledger:
 * every line that is not blank or a comment must be exactly
 * "PARTY ROLES sha256:HEX" or "PARTY ROLES cert-sha256:HEX" (fields
 * separated by runs of spaces or tabs), and anything else is an error that
 * names the file and the line, never a line skipped. The same hash on two
 * lines is refused, so that a token or certificate maps to one party.
 *
 * A cert-sha256 line maps a TLS client certificate (mutual TLS, waybilld
 * --tls-client-ca) to a party: the SHA-256 of the certificate's DER. The
 * server verifies the certificate chain first; this file only says whose
 * it is. Token lines and certificate lines never match each other's
 * lookups. A tokens file that group or others may write is refused by
 * wb_tokens_load(): whoever can write it can give themselves any role.
 *
 * Lookup hashes the presented token and compares the hash with every
 * stored one with CRYPTO_memcmp (wb_digest_equal), without stopping at a
 * match, so that the time taken says nothing about which line matched or
 * whether one did.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "internal.h"
#include "waybill/auth.h"

#define TOKEN_PREFIX       "wbt_"
#define TOKEN_PREFIX_LEN   (sizeof(TOKEN_PREFIX) - 1)
#define TOKEN_RANDOM_BYTES 32
#define HASH_PREFIX        "sha256:"
#define HASH_PREFIX_LEN    (sizeof(HASH_PREFIX) - 1)
#define CERT_PREFIX        "cert-sha256:"
#define CERT_PREFIX_LEN    (sizeof(CERT_PREFIX) - 1)
#define HASH_HEX_LEN       (2 * WB_SHA256_LEN)
#define ROLES_ALL          (WB_ROLE_SUBMIT | WB_ROLE_WITNESS | WB_ROLE_ADMIN)

typedef struct {
    char *party;
    unsigned roles;
    bool cert;   /* a cert-sha256: line (else a token's sha256:) */
    size_t line; /* where it was read, for messages */
    unsigned char hash[WB_SHA256_LEN];
} token_entry;

struct wb_tokens {
    token_entry *entries;
    size_t count;
};

static const struct {
    const char *name;
    unsigned bit;
} role_names[] = {
    {"submit", WB_ROLE_SUBMIT},
    {"witness", WB_ROLE_WITNESS},
    {"admin", WB_ROLE_ADMIN},
};
#define N_ROLES (sizeof(role_names) / sizeof(role_names[0]))

/* ---------- tokens and lines ---------- */

int wb_token_generate(char **out)
{
    unsigned char random[TOKEN_RANDOM_BYTES];
    char *b64 = NULL, *token = NULL;
    size_t b64_len = 0, i, o;
    int rc;

    if (!out)
        return wb_error_set(WB_EINVAL, "token: invalid argument");
    *out = NULL;
    if (RAND_bytes(random, sizeof(random)) != 1)
        return wb_error_set(WB_ECRYPTO, "token: the random generator failed");
    rc = wb_base64_encode(&b64, &b64_len, random, sizeof(random));
    if (rc < 0)
        goto out;
    token = wb_malloc(TOKEN_PREFIX_LEN + b64_len + 1);
    if (!token) {
        rc = wb_error_set(WB_ENOMEM, "token: out of memory");
        goto out;
    }
    memcpy(token, TOKEN_PREFIX, TOKEN_PREFIX_LEN);
    o = TOKEN_PREFIX_LEN;
    /* standard to URL-safe alphabet, padding dropped (RFC 4648 section 5) */
    for (i = 0; i < b64_len && b64[i] != '='; i++)
        token[o++] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
    token[o] = '\0';
    *out = token;
    rc = 0;
out:
    OPENSSL_cleanse(random, sizeof(random));
    if (b64) {
        OPENSSL_cleanse(b64, b64_len);
        wb_free(b64);
    }
    return rc;
}

static bool party_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '@';
}

/* 1 when the `len` bytes are a valid party name. */
static bool party_valid(const char *party, size_t len)
{
    size_t i;

    if (len == 0 || len > WB_PARTY_MAX)
        return false;
    for (i = 0; i < len; i++)
        if (!party_char(party[i]))
            return false;
    return true;
}

/* Append the role names of `roles` ("submit,admin") to `buf`. */
static void put_roles(wb_buf *buf, unsigned roles)
{
    bool first = true;
    size_t i;

    for (i = 0; i < N_ROLES; i++) {
        if (!(roles & role_names[i].bit))
            continue;
        if (!first)
            wb_buf_putc(buf, ',');
        wb_buf_puts(buf, role_names[i].name);
        first = false;
    }
}

static int token_hash(unsigned char hash[WB_SHA256_LEN], const char *token)
{
    return wb_digest_buffer(hash, WB_DIGEST_SHA256, token, strlen(token));
}

int wb_token_line(char **out, const char *token, const char *party, unsigned roles)
{
    unsigned char hash[WB_SHA256_LEN];
    char hex[HASH_HEX_LEN + 1];
    wb_buf line = {0};
    int rc;

    if (!out || !token || !party)
        return wb_error_set(WB_EINVAL, "token: invalid argument");
    *out = NULL;
    if (!party_valid(party, strlen(party))) {
        /* the name may hold anything: show it escaped, on one line */
        char *shown = wb_escape_display(party);
        int rc_party = wb_error_set(shown ? WB_EINVAL : WB_ENOMEM,
                                    "token: party name '%.*s' is not valid: 1 to %d letters, "
                                    "digits, '.', '_', '-' or '@'",
                                    WB_PARTY_MAX + 8, shown ? shown : "?", WB_PARTY_MAX);
        wb_free(shown);
        return rc_party;
    }
    if (roles == 0 || (roles & ~ROLES_ALL))
        return wb_error_set(WB_EINVAL, "token: roles must be a non-empty set of submit, "
                                       "witness, admin");
    rc = token_hash(hash, token);
    if (rc < 0)
        return rc;
    wb_hex_encode(hex, hash, sizeof(hash));
    wb_buf_puts(&line, party);
    wb_buf_putc(&line, ' ');
    put_roles(&line, roles);
    wb_buf_printf(&line, " " HASH_PREFIX "%s", hex);
    if (line.failed) {
        wb_buf_free(&line);
        return wb_error_set(WB_ENOMEM, "token: out of memory");
    }
    if (wb_buf_detach(&line, out, NULL) < 0)
        return wb_error_set(WB_ENOMEM, "token: out of memory");
    return 0;
}

/* Parse `len` bytes of role names into a mask; `where` prefixes messages. */
static int roles_parse(unsigned *out, const char *text, size_t len, const char *where)
{
    unsigned roles = 0;
    size_t start = 0, end, i;

    *out = 0;
    for (;;) {
        const char *name = text + start;
        size_t name_len;

        for (end = start; end < len && text[end] != ','; end++)
            ;
        name_len = end - start;
        if (name_len == 0)
            return wb_error_set(WB_EFORMAT, "%sempty role name in '%.*s'", where,
                                (int)(len > 200 ? 200 : len), text);
        for (i = 0; i < N_ROLES; i++)
            if (strlen(role_names[i].name) == name_len &&
                memcmp(role_names[i].name, name, name_len) == 0)
                break;
        if (i == N_ROLES)
            return wb_error_set(WB_EFORMAT, "%sunknown role '%.*s' (roles: submit, witness, admin)",
                                where, (int)(name_len > 64 ? 64 : name_len), name);
        if (roles & role_names[i].bit)
            return wb_error_set(WB_EFORMAT, "%srole '%s' named twice", where, role_names[i].name);
        roles |= role_names[i].bit;
        if (end == len)
            break;
        start = end + 1;
    }
    *out = roles;
    return 0;
}

int wb_roles_parse(unsigned *out, const char *text)
{
    if (!out || !text)
        return wb_error_set(WB_EINVAL, "roles: invalid argument");
    return roles_parse(out, text, strlen(text), "roles: ");
}

/* ---------- the tokens file ---------- */

void wb_tokens_free(wb_tokens *tokens)
{
    size_t i;

    if (!tokens)
        return;
    for (i = 0; i < tokens->count; i++)
        wb_free(tokens->entries[i].party);
    wb_free(tokens->entries);
    wb_free(tokens);
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool lower_hex(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Parse one line (without its newline) into `entry`. */
static int parse_line(token_entry *entry, const char *line, size_t len, const char *name,
                      size_t line_no)
{
    const char *field[3], *hex;
    size_t field_len[3], nfields = 0, pos = 0, hex_len, prefix_len;
    int rc;

    /* split on runs of blanks; leading and trailing blanks are allowed */
    while (pos < len) {
        size_t start;
        while (pos < len && blank(line[pos]))
            pos++;
        if (pos == len)
            break;
        start = pos;
        while (pos < len && !blank(line[pos]))
            pos++;
        if (nfields == 3)
            return wb_error_set(WB_EFORMAT,
                                "%s:%zu: more than three fields (PARTY ROLES sha256:HEX or "
                                "PARTY ROLES cert-sha256:HEX expected)",
                                name, line_no);
        field[nfields] = line + start;
        field_len[nfields] = pos - start;
        nfields++;
    }
    if (nfields != 3)
        return wb_error_set(WB_EFORMAT,
                            "%s:%zu: %zu field%s, PARTY ROLES sha256:HEX or PARTY ROLES "
                            "cert-sha256:HEX expected",
                            name, line_no, nfields, nfields == 1 ? "" : "s");
    if (!party_valid(field[0], field_len[0]))
        return wb_error_set(WB_EFORMAT,
                            "%s:%zu: party name is not valid: 1 to %d letters, digits, '.', '_', "
                            "'-' or '@'",
                            name, line_no, WB_PARTY_MAX);
    rc = roles_parse(&entry->roles, field[1], field_len[1], "");
    if (rc < 0)
        return wb_error_prefix(rc, "%s:%zu: ", name, line_no);
    if (field_len[2] >= CERT_PREFIX_LEN && memcmp(field[2], CERT_PREFIX, CERT_PREFIX_LEN) == 0) {
        entry->cert = true;
        prefix_len = CERT_PREFIX_LEN;
    } else if (field_len[2] >= HASH_PREFIX_LEN &&
               memcmp(field[2], HASH_PREFIX, HASH_PREFIX_LEN) == 0) {
        prefix_len = HASH_PREFIX_LEN;
    } else {
        return wb_error_set(WB_EFORMAT,
                            "%s:%zu: the third field must be sha256:HEX (a token's hash) or "
                            "cert-sha256:HEX (a client certificate's)",
                            name, line_no);
    }
    hex = field[2] + prefix_len;
    hex_len = field_len[2] - prefix_len;
    if (hex_len != HASH_HEX_LEN || !lower_hex(hex, hex_len))
        return wb_error_set(WB_EFORMAT, "%s:%zu: the %s must be %s and 64 lower-case hex digits",
                            name, line_no, entry->cert ? "certificate hash" : "token hash",
                            entry->cert ? CERT_PREFIX : HASH_PREFIX);
    rc = wb_hex_decode(entry->hash, sizeof(entry->hash), &hex_len, hex, HASH_HEX_LEN);
    if (rc < 0)
        return wb_error_prefix(rc, "%s:%zu: ", name, line_no);
    entry->party = wb_strndup(field[0], field_len[0]);
    if (!entry->party)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", name);
    entry->line = line_no;
    return 0;
}

static int entry_hash_cmp(const void *a, const void *b)
{
    const token_entry *x = *(const token_entry *const *)a, *y = *(const token_entry *const *)b;
    int c = memcmp(x->hash, y->hash, WB_SHA256_LEN);
    if (c)
        return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Refuse the same hash on two lines: sort pointers by hash, compare
 * neighbours (n log n, where comparing every pair of a 4 MiB file would
 * take billions of steps). */
static int check_duplicates(const wb_tokens *tokens, const char *name)
{
    const token_entry **sorted;
    size_t i;
    int rc = 0;

    if (tokens->count < 2)
        return 0;
    sorted = wb_calloc(tokens->count, sizeof(*sorted));
    if (!sorted)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", name);
    for (i = 0; i < tokens->count; i++)
        sorted[i] = &tokens->entries[i];
    qsort(sorted, tokens->count, sizeof(*sorted), entry_hash_cmp);
    for (i = 1; i < tokens->count; i++) {
        if (memcmp(sorted[i - 1]->hash, sorted[i]->hash, WB_SHA256_LEN) == 0) {
            rc = wb_error_set(WB_EFORMAT,
                              "%s:%zu: the same token hash as line %zu; a token belongs to one "
                              "line",
                              name, sorted[i]->line, sorted[i - 1]->line);
            break;
        }
    }
    wb_free(sorted);
    return rc;
}

int wb_tokens_parse(wb_tokens **out, const char *text, size_t len, const char *name)
{
    wb_tokens *tokens = NULL;
    size_t pos = 0, line_no = 0, cap = 0;
    int rc = 0;

    if (!out || (!text && len > 0))
        return wb_error_set(WB_EINVAL, "tokens: invalid argument");
    *out = NULL;
    if (!name)
        name = "tokens";
    if (len > WB_TOKENS_MAX_SIZE)
        return wb_error_set(WB_ELIMIT, "%s: %zu bytes, more than the limit of %zu", name, len,
                            WB_TOKENS_MAX_SIZE);
    tokens = wb_calloc(1, sizeof(*tokens));
    if (!tokens)
        return wb_error_set(WB_ENOMEM, "%s: out of memory", name);

    while (pos < len) {
        const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - line) : len - pos, i;

        pos += line_len + (nl ? 1 : 0);
        line_no++;
        /* only printable ASCII, spaces and tabs: no CR, NUL or other bytes a
         * reader could see differently */
        for (i = 0; i < line_len; i++) {
            unsigned char c = (unsigned char)line[i];
            if ((c < 0x20 && c != '\t') || c > 0x7e) {
                rc = wb_error_set(WB_EFORMAT, "%s:%zu: byte 0x%02x at column %zu is not allowed",
                                  name, line_no, c, i + 1);
                goto out;
            }
        }
        for (i = 0; i < line_len && blank(line[i]); i++)
            ;
        if (i == line_len || line[i] == '#')
            continue;
        if (tokens->count == cap) {
            size_t new_cap = cap ? 2 * cap : 16;
            token_entry *grown = wb_reallocarray(tokens->entries, new_cap, sizeof(*grown));
            if (!grown) {
                rc = wb_error_set(WB_ENOMEM, "%s: out of memory", name);
                goto out;
            }
            tokens->entries = grown;
            cap = new_cap;
        }
        memset(&tokens->entries[tokens->count], 0, sizeof(tokens->entries[0]));
        rc = parse_line(&tokens->entries[tokens->count], line, line_len, name, line_no);
        if (rc < 0)
            goto out;
        tokens->count++;
    }
    rc = check_duplicates(tokens, name);
    if (rc < 0)
        goto out;
    *out = tokens;
    tokens = NULL;
out:
    wb_tokens_free(tokens);
    return rc;
}

int wb_tokens_load(wb_tokens **out, const char *path)
{
    struct stat st;
    char *text = NULL;
    size_t len = 0;
    int fd, rc;

    if (!out || !path)
        return wb_error_set(WB_EINVAL, "tokens: invalid argument");
    *out = NULL;
    fd = wb_open_read(path);
    if (fd < 0)
        return fd;
    /* the mode checked is that of the file read: the same descriptor */
    if (fstat(fd, &st) < 0) {
        rc = wb_error_set(WB_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (S_ISREG(st.st_mode) && (st.st_mode & (S_IWGRP | S_IWOTH))) {
        rc = wb_error_set(WB_EPERM,
                          "%s: tokens file is writable by group or others (mode %04o), who could "
                          "grant themselves any role; refusing it: run chmod go-w %s",
                          path, (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    rc = wb_read_fd(&text, &len, fd, path, WB_TOKENS_MAX_SIZE);
    if (rc < 0)
        goto out;
    rc = wb_tokens_parse(out, text, len, path);
out:
    close(fd);
    wb_free(text);
    return rc;
}

size_t wb_tokens_count(const wb_tokens *tokens)
{
    return tokens ? tokens->count : 0;
}

/* Find `hash` among the lines of one kind (`cert`), comparing every
 * stored hash in constant time whatever matches: the match is selected
 * with masks, not branches, so that the loop takes the same path either
 * way. */
static bool lookup(const wb_tokens *tokens, const unsigned char hash[WB_SHA256_LEN], bool cert,
                   size_t *found_out)
{
    size_t i, found = 0;
    unsigned matched = 0;

    for (i = 0; i < tokens->count; i++) {
        size_t eq = (size_t)(wb_digest_equal(hash, tokens->entries[i].hash, WB_SHA256_LEN) != 0) &
                    (size_t)(tokens->entries[i].cert == cert);
        size_t mask = (size_t)0 - eq;
        found = (found & ~mask) | (i & mask);
        matched |= (unsigned)eq;
    }
    *found_out = found;
    return matched != 0;
}

int wb_tokens_check(const wb_tokens *tokens, const char *token, const char **party_out,
                    unsigned *roles_out)
{
    unsigned char hash[WB_SHA256_LEN];
    size_t found = 0;
    bool matched;
    int rc;

    if (party_out)
        *party_out = NULL;
    if (roles_out)
        *roles_out = 0;
    if (!tokens || !token)
        return wb_error_set(WB_EINVAL, "tokens: invalid argument");
    rc = token_hash(hash, token);
    if (rc < 0)
        return rc;
    matched = lookup(tokens, hash, false, &found);
    OPENSSL_cleanse(hash, sizeof(hash));
    if (!matched)
        return wb_error_set(WB_ENOTFOUND, "token: not known");
    if (party_out)
        *party_out = tokens->entries[found].party;
    if (roles_out)
        *roles_out = tokens->entries[found].roles;
    return 0;
}

int wb_tokens_check_cert(const wb_tokens *tokens, const unsigned char *cert_sha256, size_t len,
                         const char **party_out, unsigned *roles_out)
{
    size_t found = 0;

    if (party_out)
        *party_out = NULL;
    if (roles_out)
        *roles_out = 0;
    if (!tokens || !cert_sha256 || len != WB_CERT_DIGEST_LEN)
        return wb_error_set(WB_EINVAL, "tokens: invalid argument");
    if (!lookup(tokens, cert_sha256, true, &found))
        return wb_error_set(WB_ENOTFOUND, "client certificate: not known");
    if (party_out)
        *party_out = tokens->entries[found].party;
    if (roles_out)
        *roles_out = tokens->entries[found].roles;
    return 0;
}

int wb_cert_line(char **out, const unsigned char *cert_sha256, size_t len, const char *party,
                 unsigned roles)
{
    char hex[HASH_HEX_LEN + 1];
    wb_buf line = {0};

    if (!out || !cert_sha256 || len != WB_CERT_DIGEST_LEN || !party)
        return wb_error_set(WB_EINVAL, "tokens: invalid argument");
    *out = NULL;
    if (!party_valid(party, strlen(party)))
        return wb_error_set(WB_EINVAL,
                            "certificate line: party name is not valid: 1 to %d letters, digits, "
                            "'.', '_', '-' or '@'",
                            WB_PARTY_MAX);
    if (roles == 0 || (roles & ~ROLES_ALL))
        return wb_error_set(WB_EINVAL, "certificate line: roles must be a non-empty set of "
                                       "submit, witness, admin");
    wb_hex_encode(hex, cert_sha256, WB_CERT_DIGEST_LEN);
    wb_buf_puts(&line, party);
    wb_buf_putc(&line, ' ');
    put_roles(&line, roles);
    wb_buf_printf(&line, " " CERT_PREFIX "%s", hex);
    if (line.failed) {
        wb_buf_free(&line);
        return wb_error_set(WB_ENOMEM, "certificate line: out of memory");
    }
    if (wb_buf_detach(&line, out, NULL) < 0)
        return wb_error_set(WB_ENOMEM, "certificate line: out of memory");
    return 0;
}
