/*
 * test_secrets.c: the secret detector (secrets.c) and its TOML reader
 * (toml.c).
 *
 * The main test plants one secret of every kind the default rules cover in
 * a fresh tree, each made at run time so that no real or static secret is
 * in this file: private keys from `openssl genpkey` (PKCS#8, RSA as
 * PKCS#1, EC as SEC1, encrypted PKCS#8) and `ssh-keygen -t ed25519`, a
 * Google service-account file holding a fresh PKCS#8 key, and tokens drawn
 * at random in the documented shape of each (AWS key ids and secret keys,
 * Azure storage keys, Google API keys, GitHub, GitLab, Slack, Stripe, npm,
 * PyPI). It checks that each is found by the right rule on the right line,
 * that no report holds a whole secret, and that the true negatives stay
 * quiet: documentation that talks about passwords, placeholders and
 * templates, the AWS documentation's example key, binary files, and example
 * keys under a path that a user's allowlist names; a lock file is searched
 * like any other file (a token in its "resolved" URL is found). The tree is scanned with 1 and with
 * 4 threads, which must agree.
 *
 * Then the semantics piece by piece on buffers (keywords, secretGroup,
 * entropy, allowlist conditions and targets, path rules, bounds), the
 * rule-file errors (each names the file and line), the TOML subset, and
 * allocation failures in the loader and the scanner.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "expect.h"
#include "oom.h"
#include "toml_internal.h"
#include "waybill/secrets.h"

#define TESTFS_TAG "secrets"
#include "testfs.h"

/* --- helpers --- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

/* `n` random characters of `alphabet` appended to `out` (NUL-terminated). */
static void rand_chars(char *out, size_t n, const char *alphabet)
{
    size_t len = strlen(alphabet), i, at = strlen(out);
    for (i = 0; i < n; i++)
        out[at + i] = alphabet[rnd((unsigned)len)];
    out[at + n] = '\0';
}

#define ALNUM  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define UPNUM  "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#define B64    ALNUM "+/"
#define B64URL ALNUM "-_"

static char *slurp(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    if (wb_read_file(&text, &len, path, 1 << 20) != 0)
        fail_msg("%s: %s", path, wb_error_last());
    return text;
}

static void run_cmd(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("%s: exit status %d (are openssl and ssh-keygen installed?)", cmd, rc);
}

static wb_secret_rules *default_rules(void)
{
    wb_secret_rules *rules = NULL;
    size_t len;
    const char *text = wb_secret_rules_default_text(&len);
    if (wb_secret_rules_parse(&rules, text, len, "secrets.toml") != 0)
        fail_msg("default rules: %s", wb_error_last());
    return rules;
}

static wb_secret_rules *rules_of(const char *text)
{
    wb_secret_rules *rules = NULL;
    if (wb_secret_rules_parse(&rules, text, strlen(text), "test.toml") != 0)
        fail_msg("rules: %s", wb_error_last());
    return rules;
}

static wb_secret_report *scan_text(const wb_secret_rules *rules, const char *path, const char *text,
                                   const wb_secret_options *opts)
{
    wb_secret_report *report = NULL;
    assert_int_equal(wb_secret_report_new(&report), 0);
    if (wb_secret_scan_buffer(report, rules, path, text, strlen(text), opts) != 0)
        fail_msg("scan: %s", wb_error_last());
    return report;
}

/* How many findings of `rule_id` in `path` (NULL: any path). */
static size_t count_of(const wb_secret_report *report, const char *rule_id, const char *path)
{
    size_t i, n = 0;
    for (i = 0; i < wb_secret_report_count(report); i++) {
        const wb_secret_finding *f = wb_secret_report_get(report, i);
        if ((!rule_id || strcmp(f->rule_id, rule_id) == 0) && (!path || strcmp(f->path, path) == 0))
            n++;
    }
    return n;
}

static const wb_secret_finding *find_in(const wb_secret_report *report, const char *path)
{
    size_t i;
    for (i = 0; i < wb_secret_report_count(report); i++)
        if (strcmp(wb_secret_report_get(report, i)->path, path) == 0)
            return wb_secret_report_get(report, i);
    return NULL;
}

/* --- the planted tree --- */

typedef struct {
    const char *path;
    const char *rule_id;
    size_t line;
    char secret[1024];
} planted;

static planted plants[64];
static size_t nplants;

static planted *plant(const char *path, const char *rule_id, size_t line)
{
    planted *p = &plants[nplants++];
    assert_true(nplants <= 64);
    p->path = path;
    p->rule_id = rule_id;
    p->line = line;
    p->secret[0] = '\0';
    return p;
}

/* The base64 body of a PEM file, newlines removed: what must never show. */
static void pem_body(char *out, size_t cap, const char *pem)
{
    const char *p = strchr(pem, '\n') + 1;
    size_t n = 0;
    for (; *p && strncmp(p, "-----END", 8) != 0 && n + 1 < cap; p++)
        if (*p != '\n' && *p != '\r')
            out[n++] = *p;
    out[n] = '\0';
}

static const char *make_tree(void)
{
    const char *dir = new_dir("planted");
    char cmd[2048], text[8192], *pem;
    planted *p;
    size_t i;

    nplants = 0;
    put_dir(dir, "keys", 0755);
    put_dir(dir, "cloud", 0755);
    put_dir(dir, "src", 0755);
    put_dir(dir, "docs", 0755);
    put_dir(dir, "examples", 0755);

    /* private keys of every PEM kind and OpenSSH */
    snprintf(cmd, sizeof(cmd),
             "cd '%s/keys' && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 "
             "-out pkcs8.pem 2>/dev/null && openssl rsa -in pkcs8.pem -traditional -out rsa.pem "
             "2>/dev/null && openssl ecparam -name prime256v1 -genkey -noout -out ec.pem && "
             "openssl genpkey -algorithm ED25519 -aes-128-cbc -pass pass:test -out enc.pem && "
             "ssh-keygen -q -t ed25519 -N '' -C test -f id_ed25519",
             dir);
    run_cmd(cmd);
    {
        static const char *const pems[] = {"keys/pkcs8.pem", "keys/rsa.pem", "keys/ec.pem",
                                           "keys/enc.pem"};
        for (i = 0; i < 4; i++) {
            pem = slurp(join(dir, pems[i]));
            p = plant(pems[i], "private-key", 1);
            pem_body(p->secret, sizeof(p->secret), pem);
            free(pem);
        }
    }
    pem = slurp(join(dir, "keys/id_ed25519"));
    p = plant("keys/id_ed25519", "openssh-private-key", 1);
    pem_body(p->secret, sizeof(p->secret), pem);
    free(pem);

    /* AWS credentials file */
    p = plant("cloud/credentials", "aws-access-key-id", 2);
    strcpy(p->secret, "AKIA");
    rand_chars(p->secret, 16, UPNUM);
    {
        planted *secret = plant("cloud/credentials", "aws-secret-access-key", 3);
        rand_chars(secret->secret, 40, B64);
        snprintf(text, sizeof(text),
                 "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", p->secret,
                 secret->secret);
        put_text(dir, "cloud/credentials", text, 0600);
    }
    /* a temporary (STS) key id in code */
    p = plant("src/sts.py", "aws-access-key-id", 3);
    strcpy(p->secret, "ASIA");
    rand_chars(p->secret, 16, UPNUM);
    snprintf(text, sizeof(text), "import boto3\n\nKEY_ID = \"%s\"\n", p->secret);
    put_text(dir, "src/sts.py", text, 0644);

    /* Google service account key file, with a fresh PKCS#8 key */
    pem = slurp(join(dir, "keys/pkcs8.pem"));
    {
        char escaped[4096] = "";
        size_t n = 0;
        for (i = 0; pem[i] && n + 3 < sizeof(escaped); i++) {
            if (pem[i] == '\n') {
                escaped[n++] = '\\';
                escaped[n++] = 'n';
            } else {
                escaped[n++] = pem[i];
            }
        }
        escaped[n] = '\0';
        p = plant("cloud/service-account.json", "gcp-service-account-key", 5);
        snprintf(p->secret, sizeof(p->secret), "%.200s", escaped + 40);
        snprintf(text, sizeof(text),
                 "{\n  \"type\": \"service_account\",\n  \"project_id\": \"demo-123\",\n"
                 "  \"private_key_id\": \"0123456789abcdef0123456789abcdef01234567\",\n"
                 "  \"private_key\": \"%s\",\n"
                 "  \"client_email\": \"builder@demo-123.iam.gserviceaccount.com\"\n}\n",
                 escaped);
        put_text(dir, "cloud/service-account.json", text, 0600);
    }
    free(pem);

    /* Google API key, Azure storage connection string */
    p = plant("src/maps.js", "gcp-api-key", 1);
    strcpy(p->secret, "AIza");
    rand_chars(p->secret, 35, B64URL);
    snprintf(text, sizeof(text), "const mapsKey = '%s';\n", p->secret);
    put_text(dir, "src/maps.js", text, 0644);
    p = plant("cloud/azure.env", "azure-storage-account-key", 2);
    rand_chars(p->secret, 86, B64);
    strcat(p->secret, "==");
    snprintf(text, sizeof(text),
             "# storage\nAZURE_STORAGE_CONNECTION_STRING=\"DefaultEndpointsProtocol=https;"
             "AccountName=demo;AccountKey=%s;EndpointSuffix=core.windows.net\"\n",
             p->secret);
    put_text(dir, "cloud/azure.env", text, 0600);

    /* API tokens, one file each, the token on line 2 */
    {
        static const struct {
            const char *path, *rule, *prefix, *alphabet;
            size_t n;
        } tokens[] = {
            {"src/gh_classic.sh", "github-token", "ghp_", ALNUM, 36},
            {"src/gh_oauth.yml", "github-token", "gho_", ALNUM, 36},
            {"src/gh_app.txt", "github-token", "ghs_", ALNUM, 36},
            {"src/gitlab.cfg", "gitlab-pat", "glpat-", B64URL, 20},
            {"src/slack.json", "slack-token", "xoxb-", "0123456789", 12},
            {"src/stripe.rb", "stripe-live-key", "sk_live_", ALNUM, 24},
            {"src/npmrc", "npm-token", "npm_", ALNUM, 36},
            {"src/pypirc", "pypi-token", "pypi-AgEIcHlwaS5vcmc", B64URL, 120},
        };
        for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
            p = plant(tokens[i].path, tokens[i].rule, 2);
            strcpy(p->secret, tokens[i].prefix);
            rand_chars(p->secret, tokens[i].n, tokens[i].alphabet);
            if (strcmp(tokens[i].rule, "slack-token") == 0) {
                strcat(p->secret, "-");
                rand_chars(p->secret, 13, "0123456789");
                strcat(p->secret, "-");
                rand_chars(p->secret, 24, ALNUM);
            }
            snprintf(text, sizeof(text), "# config\ntoken: %s  # do not share\n", p->secret);
            put_text(dir, tokens[i].path, text, 0644);
        }
        p = plant("src/gh_fine.env", "github-fine-grained-pat", 1);
        strcpy(p->secret, "github_pat_");
        rand_chars(p->secret, 22, ALNUM);
        strcat(p->secret, "_");
        rand_chars(p->secret, 59, ALNUM);
        snprintf(text, sizeof(text), "GH_TOKEN=%s\n", p->secret);
        put_text(dir, "src/gh_fine.env", text, 0644);
        p = plant("src/notify.py", "slack-webhook-url", 4);
        strcpy(p->secret, "T");
        rand_chars(p->secret, 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
        strcat(p->secret, "/B");
        rand_chars(p->secret, 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
        strcat(p->secret, "/");
        rand_chars(p->secret, 24, ALNUM);
        snprintf(text, sizeof(text),
                 "import requests\n\n\nURL = \"https://hooks.slack.com/services/%s\"\n", p->secret);
        put_text(dir, "src/notify.py", text, 0644);
    }

    /* passwords in configuration, three syntaxes */
    p = plant("src/app.ini", "password-assignment", 3);
    strcpy(p->secret, "Zx9!qT4#vL2m");
    put_text(dir, "src/app.ini", "[database]\nuser = app\npassword = \"Zx9!qT4#vL2m\"\n", 0644);
    p = plant("src/settings.yaml", "password-assignment", 2);
    strcpy(p->secret, "r8Kd2pQw7Zt");
    put_text(dir, "src/settings.yaml", "db:\n  password: r8Kd2pQw7Zt\n  port: 5432\n", 0644);
    p = plant("src/db.properties", "password-assignment", 1);
    strcpy(p->secret, "Vb7-Hx3_mQ9");
    put_text(dir, "src/db.properties", "db.password=Vb7-Hx3_mQ9\n", 0644);
    /* in code: a quoted literal is found, names and attributes are not */
    p = plant("src/deploy.py", "password-assignment", 4);
    strcpy(p->secret, "Qm7#kP2x9Lw");
    put_text(dir, "src/deploy.py",
             "import db\n\n\nDB_PASSWORD = \"Qm7#kP2x9Lw\"\n"
             "def connect(key_password):\n    password = self.password_store\n"
             "    return db.connect(password=key_password, user=user)\n",
             0644);

    /* true negatives */
    put_text(
        dir, "docs/README.md",
        "# Configuration\n\nSet the password in the configuration file. The password\n"
        "must be at least 12 characters. Example:\n\n    password = <your password>\n"
        "    password = \"changeme\"\n    password = \"${DB_PASSWORD}\"\n"
        "    password: {{ vault_db_password }}\n    db_password = os.environ['DB_PASSWORD']\n\n"
        "The AWS documentation's key id is AKIAIOSFODNN7EXAMPLE, its secret\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        "A PEM private key starts with -----BEGIN PRIVATE KEY----- and holds base64.\n",
        0644);
    put_text(dir, "src/login.c",
             "int check(const char *password, const char *stored)\n{\n"
             "    if (strcmp(password, stored) == 0)\n        return 1;\n"
             "    char *pwd = getpass(\"Password: \");\n    return pwd != NULL;\n}\n",
             0644);
    snprintf(text, sizeof(text),
             "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\"x\": {\"resolved\": "
             "\"https://example.org/x?t=ghp_%s\"}}\n}\n",
             "0123456789abcdefghijABCDEFGHIJ012345");
    put_text(dir, "package-lock.json", text, 0644);
    {
        /* a binary file holding a token after a NUL: skipped by default */
        char bin[256] = "\x7f"
                        "ELF";
        size_t n = 4;
        bin[n++] = '\0';
        n += (size_t)snprintf(bin + n, sizeof(bin) - n, "npm_%s",
                              "abcdefghijABCDEFGHIJ0123456789abcdef");
        put_file(dir, "src/tool.bin", bin, n, 0755);
    }
    {
        /* example keys under examples/, which the user's rules allowlist */
        char *key = slurp(join(dir, "keys/ec.pem"));
        put_text(dir, "examples/example-key.pem", key, 0644);
        free(key);
        snprintf(text, sizeof(text), "token = ghp_%s\n", "ExampleExampleExampleExampleExample1");
        put_text(dir, "examples/token.txt", text, 0644);
    }
    put_text(dir, "src/plain.txt", "nothing to see here\njust text\n", 0644);
    return dir;
}

static void check_planted(const wb_secret_report *report)
{
    size_t i, j;

    for (i = 0; i < nplants; i++) {
        const planted *p = &plants[i];
        bool found = false;
        for (j = 0; j < wb_secret_report_count(report); j++) {
            const wb_secret_finding *f = wb_secret_report_get(report, j);
            if (strcmp(f->path, p->path) != 0 || strcmp(f->rule_id, p->rule_id) != 0)
                continue;
            found = true;
            if (f->line != p->line)
                fail_msg("%s: %s on line %zu, planted on %zu", p->path, p->rule_id, f->line,
                         p->line);
        }
        if (!found)
            fail_msg("%s: %s not found", p->path, p->rule_id);
    }
    /* no finding shows a whole secret, or even its first 12 characters
     * past a public prefix */
    for (j = 0; j < wb_secret_report_count(report); j++) {
        const wb_secret_finding *f = wb_secret_report_get(report, j);
        assert_non_null(strstr(f->redacted, "*****"));
        for (i = 0; i < nplants; i++) {
            if (strlen(plants[i].secret) >= 16 && strstr(f->redacted, plants[i].secret))
                fail_msg("%s: redacted match shows the secret: %s", f->path, f->redacted);
        }
        assert_true(f->entropy > 0.0);
        assert_true(f->column >= 1);
    }
}

static void test_planted_tree(void **state)
{
    static const char *const quiet[] = {"docs/README.md", "src/login.c", "src/tool.bin",
                                        "src/plain.txt"};
    const wb_secret_finding *deploy;
    const char *dir;
    wb_secret_rules *rules;
    wb_secret_report *one = NULL, *four = NULL;
    wb_secret_options opts = {0};
    wb_tree *tree = NULL;
    size_t i;

    (void)state;
    dir = make_tree();
    rules = default_rules();
    if (wb_tree_hash(&tree, dir, NULL) != 0)
        fail_msg("tree: %s", wb_error_last());
    opts.threads = 1;
    if (wb_secret_scan_tree(&one, rules, dir, tree, &opts) != 0)
        fail_msg("scan: %s", wb_error_last());
    check_planted(one);
    for (i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
        const wb_secret_finding *f = find_in(one, quiet[i]);
        if (f)
            fail_msg("true negative %s: %s on line %zu: %s", quiet[i], f->rule_id, f->line,
                     f->redacted);
    }
    assert_int_equal(count_of(one, NULL, "src/deploy.py"), 1);
    deploy = find_in(one, "src/deploy.py");
    assert_int_equal(deploy->line, 4);
    assert_string_equal(deploy->redacted, "PASSWORD = \"Qm*****\"");
    /* without a user allowlist, the example keys are reported */
    assert_int_equal(count_of(one, "private-key", "examples/example-key.pem"), 1);
    assert_int_equal(count_of(one, "github-token", "examples/token.txt"), 1);
    /* lock files are searched (what is delivered), unlike gitleaks' defaults:
     * a registry token in a "resolved" URL is found */
    assert_int_equal(count_of(one, "github-token", "package-lock.json"), 1);
    /* the binary file was skipped, the plain one prefiltered */
    assert_true(wb_secret_report_stats(one)->files_skipped >= 1); /* tool.bin */
    assert_true(wb_secret_report_stats(one)->files_prefiltered >= 1);
    /* sorted by path, then line */
    for (i = 1; i < wb_secret_report_count(one); i++) {
        const wb_secret_finding *a = wb_secret_report_get(one, i - 1),
                                *b = wb_secret_report_get(one, i);
        int c = wb_tree_path_cmp(a->path, b->path);
        assert_true(c < 0 || (c == 0 && a->line <= b->line));
    }

    /* four threads: the same findings */
    opts.threads = 4;
    if (wb_secret_scan_tree(&four, rules, dir, tree, &opts) != 0)
        fail_msg("scan: %s", wb_error_last());
    assert_int_equal(wb_secret_report_count(four), wb_secret_report_count(one));
    for (i = 0; i < wb_secret_report_count(one); i++) {
        const wb_secret_finding *a = wb_secret_report_get(one, i),
                                *b = wb_secret_report_get(four, i);
        assert_string_equal(a->path, b->path);
        assert_string_equal(a->rule_id, b->rule_id);
        assert_int_equal(a->line, b->line);
        assert_int_equal(a->column, b->column);
        assert_string_equal(a->redacted, b->redacted);
    }
    wb_secret_report_free(four);
    four = NULL;
    wb_secret_rules_free(rules);

    /* the default rules plus a user allowlist on examples/: quiet there */
    {
        size_t len;
        const char *text = wb_secret_rules_default_text(&len);
        char *extended = wb_asprintf("%s\n[[allowlists]]\ndescription = \"examples\"\n"
                                     "paths = ['''^examples/''']\n",
                                     text);
        assert_non_null(extended);
        rules = rules_of(extended);
        wb_free(extended);
    }
    if (wb_secret_scan_tree(&four, rules, dir, tree, &opts) != 0)
        fail_msg("scan: %s", wb_error_last());
    assert_null(find_in(four, "examples/example-key.pem"));
    assert_null(find_in(four, "examples/token.txt"));
    check_planted(four);
    wb_secret_report_free(four);
    wb_secret_report_free(one);
    wb_secret_rules_free(rules);
    wb_tree_free(tree);
}

/* A file that changed after hashing fails the scan, naming it; a single
 * file is a tree of one; an archive is refused. */
static void test_tree_errors(void **state)
{
    const char *dir = new_dir("changing");
    wb_secret_rules *rules = default_rules();
    wb_secret_report *report = NULL;
    wb_tree *tree = NULL;

    (void)state;
    put_text(dir, "a.cfg", "password = \"Zx9!qT4#vL2m\"\n", 0644);
    assert_int_equal(wb_tree_hash(&tree, dir, NULL), 0);
    put_text(dir, "a.cfg", "password = \"Zx9!qT4#vL2m-and-more\"\n", 0644);
    expect_error(wb_secret_scan_tree(&report, rules, dir, tree, NULL), WB_EIO,
                 "a.cfg: changed since it was hashed");
    assert_null(report);
    remove_path(dir, "a.cfg");
    expect_error(wb_secret_scan_tree(&report, rules, dir, tree, NULL), WB_EIO, "a.cfg");
    wb_tree_free(tree);

    put_text(dir, "b.cfg", "password = \"Zx9!qT4#vL2m\"\n", 0644);
    assert_int_equal(wb_tree_hash(&tree, join(dir, "b.cfg"), NULL), 0);
    assert_int_equal(wb_secret_scan_tree(&report, rules, join(dir, "b.cfg"), tree, NULL), 0);
    assert_int_equal(count_of(report, "password-assignment", "b.cfg"), 1);
    wb_secret_report_free(report);
    wb_tree_free(tree);

    {
        char cmd[1200];
        snprintf(cmd, sizeof(cmd), "cd '%s' && tar -cf t.tar b.cfg", dir);
        run_cmd(cmd);
    }
    assert_int_equal(wb_tree_hash(&tree, join(dir, "t.tar"), NULL), 0);
    expect_error(wb_secret_scan_tree(&report, rules, join(dir, "t.tar"), tree, NULL),
                 WB_EUNSUPPORTED, "archive");
    wb_tree_free(tree);
    expect_error(wb_secret_scan_tree(&report, NULL, dir, NULL, NULL), WB_EINVAL, NULL);
    wb_secret_rules_free(rules);
}

/* --- semantics on buffers --- */

static void test_default_rules(void **state)
{
    static const char *const ids[] = {"private-key",
                                      "openssh-private-key",
                                      "aws-access-key-id",
                                      "aws-secret-access-key",
                                      "gcp-service-account-key",
                                      "gcp-api-key",
                                      "azure-storage-account-key",
                                      "github-token",
                                      "github-fine-grained-pat",
                                      "gitlab-pat",
                                      "slack-token",
                                      "slack-webhook-url",
                                      "stripe-live-key",
                                      "npm-token",
                                      "pypi-token",
                                      "password-assignment"};
    wb_secret_rules *rules = default_rules(), *loaded = NULL;
    size_t i, j, len;

    (void)state;
    assert_int_equal(wb_secret_rules_count(rules), sizeof(ids) / sizeof(ids[0]));
    for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        for (j = 0; j < wb_secret_rules_count(rules); j++)
            if (strcmp(wb_secret_rules_id(rules, j), ids[i]) == 0)
                break;
        if (j == wb_secret_rules_count(rules))
            fail_msg("default rule %s missing", ids[i]);
    }
    assert_null(wb_secret_rules_id(rules, 99));
    /* the embedded copy is the file in the source tree */
    {
        char *path = wb_asprintf("%s/rules/secrets.toml",
                                 getenv("WB_SOURCE_ROOT") ? getenv("WB_SOURCE_ROOT") : "../../..");
        char *file = slurp(path);
        const char *text = wb_secret_rules_default_text(&len);
        assert_int_equal(strlen(file), len);
        assert_memory_equal(file, text, len);
        if (wb_secret_rules_load(&loaded, path) != 0)
            fail_msg("%s", wb_error_last());
        assert_int_equal(wb_secret_rules_count(loaded), wb_secret_rules_count(rules));
        free(file);
        wb_free(path);
    }
    wb_secret_rules_free(loaded);
    loaded = NULL;
    if (wb_secret_rules_load_default(&loaded) != 0)
        fail_msg("%s", wb_error_last());
    wb_secret_rules_free(loaded);
    wb_secret_rules_free(rules);
}

static void test_line_column_redaction(void **state)
{
    wb_secret_rules *rules = rules_of("[[rules]]\nid = \"tok\"\nregex = '''tok_([a-z0-9]{20})'''\n"
                                      "secretGroup = 1\nkeywords = [\"tok_\"]\n");
    wb_secret_report *report;
    const wb_secret_finding *f;

    (void)state;
    report = scan_text(
        rules, "a.txt",
        "first line\n\nthird: x = tok_abcdefghij0123456789;\nand tok_zzzzzzzzzzzzzzzzzzzz\n", NULL);
    assert_int_equal(wb_secret_report_count(report), 2);
    f = wb_secret_report_get(report, 0);
    assert_string_equal(f->rule_id, "tok");
    assert_string_equal(f->path, "a.txt");
    assert_int_equal(f->line, 3);
    assert_int_equal(f->column, 12);
    assert_int_equal(f->secret_length, 20);
    assert_string_equal(f->redacted, "tok_abcd*****");
    assert_true(f->entropy > 4.3 && f->entropy < 4.33); /* 20 distinct bytes: log2(20) */
    f = wb_secret_report_get(report, 1);
    assert_int_equal(f->line, 4);
    assert_int_equal(f->column, 5);
    assert_true(f->entropy == 0.0);
    assert_int_equal(wb_secret_report_stats(report)->files_scanned, 1);
    wb_secret_report_free(report);

    /* keywords are matched case-insensitively, the expression is not */
    report = scan_text(rules, "b.txt", "TOK_abcdefghij0123456789\n", NULL);
    assert_int_equal(wb_secret_report_count(report), 0);
    assert_int_equal(wb_secret_report_stats(report)->files_scanned, 1);
    wb_secret_report_free(report);
    report = scan_text(rules, "c.txt", "no keyword here at all\n", NULL);
    assert_int_equal(wb_secret_report_stats(report)->files_prefiltered, 1);
    assert_int_equal(wb_secret_report_stats(report)->files_scanned, 0);
    wb_secret_report_free(report);
    wb_secret_rules_free(rules);
    assert_true(wb_secret_entropy("aaaa", 4) == 0.0);
    assert_true(wb_secret_entropy("abcd", 4) == 2.0);
    assert_true(wb_secret_entropy(NULL, 0) == 0.0);
}

static void test_bounds(void **state)
{
    wb_secret_rules *rules = rules_of("[[rules]]\nid = \"k\"\nregex = '''key=[0-9]+'''\n"
                                      "keywords = [\"key=\"]\n");
    wb_secret_options opts = {0};
    wb_secret_report *report;
    char *text, *p;
    size_t i;

    (void)state;
    /* findings per file */
    text = calloc(1, 200 * 8 + 1);
    for (i = 0, p = text; i < 200; i++)
        p += sprintf(p, "key=%03zu\n", i);
    opts.max_findings_per_file = 10;
    report = scan_text(rules, "many", text, &opts);
    assert_int_equal(wb_secret_report_count(report), 10);
    assert_int_equal(wb_secret_report_stats(report)->findings_dropped, 190);
    wb_secret_report_free(report);
    report = scan_text(rules, "many", text, NULL);
    assert_int_equal(wb_secret_report_count(report), 100); /* the default */
    wb_secret_report_free(report);
    free(text);

    /* long lines */
    text = calloc(1, 5000);
    memset(text, 'x', 4000);
    memcpy(text + 2000, "key=123", 7);
    opts.max_line_length = 1000;
    report = scan_text(rules, "long", text, &opts);
    assert_int_equal(wb_secret_report_count(report), 0);
    assert_int_equal(wb_secret_report_stats(report)->findings_dropped, 1);
    wb_secret_report_free(report);
    opts.max_line_length = 0;
    report = scan_text(rules, "long", text, &opts);
    assert_int_equal(wb_secret_report_count(report), 1);
    wb_secret_report_free(report);

    /* file size */
    opts.max_file_size = 100;
    report = scan_text(rules, "big", text, &opts);
    assert_int_equal(wb_secret_report_count(report), 0);
    assert_int_equal(wb_secret_report_stats(report)->files_skipped, 1);
    wb_secret_report_free(report);
    free(text);

    /* binary: skipped unless asked */
    {
        static const char bin[] = "\0\1\2key=42\n";
        wb_secret_report_new(&report);
        assert_int_equal(wb_secret_scan_buffer(report, rules, "bin", bin, sizeof(bin) - 1, NULL),
                         0);
        assert_int_equal(wb_secret_report_count(report), 0);
        opts.max_file_size = 0;
        opts.scan_binary = true;
        assert_int_equal(wb_secret_scan_buffer(report, rules, "bin", bin, sizeof(bin) - 1, &opts),
                         0);
        assert_int_equal(wb_secret_report_count(report), 1);
        assert_string_equal(wb_secret_report_get(report, 0)->redacted, "*****");
        wb_secret_report_free(report);
    }
    expect_error(wb_secret_scan_buffer(NULL, rules, "x", "", 0, NULL), WB_EINVAL, NULL);
    wb_secret_rules_free(rules);
}

static void test_entropy_and_allowlists(void **state)
{
    wb_secret_rules *rules =
        rules_of("[[rules]]\nid = \"pw\"\nregex = '''pw=(\\S+)'''\nsecretGroup = 1\nentropy = 3.0\n"
                 "keywords = [\"pw=\"]\n"
                 "[[rules.allowlists]]\ndescription = \"stopwords\"\nstopwords = [\"Dummy\"]\n"
                 "[[rules.allowlists]]\nregexes = ['''^test-''']\npaths = ['''^fixtures/''']\n"
                 "condition = \"AND\"\n"
                 "[[rules.allowlists]]\nregexTarget = \"line\"\nregexes = ['''#\\s*ignore''']\n"
                 "[[rules.allowlists]]\nregexTarget = \"match\"\nregexes = ['''^pw=x''']\n"
                 "[allowlist]\npaths = ['''\\.md$''']\n");
    wb_secret_report *report;

    (void)state;
    /* low entropy: dropped; high: kept */
    report = scan_text(rules, "a", "pw=aaaaaaaaaa\npw=Q7m!x2Lp9z\n", NULL);
    assert_int_equal(wb_secret_report_count(report), 1);
    assert_int_equal(wb_secret_report_get(report, 0)->line, 2);
    wb_secret_report_free(report);
    /* stopwords, case-insensitive */
    report = scan_text(rules, "a", "pw=Q7mDUMMYx2Lp9z\n", NULL);
    assert_int_equal(wb_secret_report_count(report), 0);
    wb_secret_report_free(report);
    /* AND: both the path and the regex */
    report = scan_text(rules, "fixtures/a", "pw=test-Q7m!x2Lp9z\n", NULL);
    assert_int_equal(wb_secret_report_count(report), 0);
    wb_secret_report_free(report);
    report = scan_text(rules, "src/a", "pw=test-Q7m!x2Lp9z\n", NULL);
    assert_int_equal(wb_secret_report_count(report), 1);
    wb_secret_report_free(report);
    report = scan_text(rules, "fixtures/a", "pw=Q7m!x2Lp9z\n", NULL);
    assert_int_equal(wb_secret_report_count(report), 1);
    wb_secret_report_free(report);
    /* line target */
    report = scan_text(rules, "a", "pw=Q7m!x2Lp9z # ignore\npw=Q7m!x2Lp9y\n", NULL);
    assert_int_equal(wb_secret_report_count(report), 1);
    assert_int_equal(wb_secret_report_get(report, 0)->line, 2);
    wb_secret_report_free(report);
    /* match target: the secret alone does not start with x, the match
     * starts with pw=x */
    report = scan_text(rules, "a", "pw=xQ7m!x2Lp9z\n", NULL);
    assert_int_equal(wb_secret_report_count(report), 0);
    wb_secret_report_free(report);
    /* the global allowlist's path skips the whole file */
    report = scan_text(rules, "docs/a.md", "pw=Q7m!x2Lp9z\n", NULL);
    assert_int_equal(wb_secret_report_count(report), 0);
    assert_int_equal(wb_secret_report_stats(report)->files_skipped, 1);
    wb_secret_report_free(report);
    wb_secret_rules_free(rules);

    /* a rule on paths only, and a rule without keywords (always runs) */
    rules = rules_of("[[rules]]\nid = \"p12\"\npath = '''\\.p12$'''\n"
                     "[[rules]]\nid = \"any\"\nregex = '''SECRET[0-9]'''\n"
                     "[[rules]]\nid = \"scoped\"\nregex = '''tok'''\npath = '''^src/'''\n"
                     "keywords = [\"tok\"]\n");
    report = scan_text(rules, "certs/id.p12", "binaryish", NULL);
    assert_int_equal(count_of(report, "p12", "certs/id.p12"), 1);
    wb_secret_report_free(report);
    report = scan_text(rules, "x.txt", "has SECRET7 and tok\n", NULL);
    assert_int_equal(count_of(report, "any", NULL), 1);
    assert_int_equal(count_of(report, "scoped", NULL), 0);
    assert_int_equal(count_of(report, "p12", NULL), 0);
    wb_secret_report_free(report);
    report = scan_text(rules, "src/x.txt", "tok\n", NULL);
    assert_int_equal(count_of(report, "scoped", NULL), 1);
    wb_secret_report_free(report);
    wb_secret_rules_free(rules);
}

static void test_keyword_automaton(void **state)
{
    /* overlapping keywords, one a suffix of another, across rules */
    wb_secret_rules *rules =
        rules_of("[[rules]]\nid = \"a\"\nregex = '''she'''\nkeywords = [\"she\"]\n"
                 "[[rules]]\nid = \"b\"\nregex = '''he'''\nkeywords = [\"he\", \"HE\"]\n"
                 "[[rules]]\nid = \"c\"\nregex = '''hers'''\nkeywords = [\"hers\"]\n"
                 "[[rules]]\nid = \"d\"\nregex = '''usher'''\nkeywords = [\"usher\"]\n");
    wb_secret_report *report;

    (void)state;
    report = scan_text(rules, "t", "ushers", NULL);
    assert_int_equal(count_of(report, "a", NULL), 1);
    assert_int_equal(count_of(report, "b", NULL), 1);
    assert_int_equal(count_of(report, "c", NULL), 1);
    assert_int_equal(count_of(report, "d", NULL), 1);
    wb_secret_report_free(report);
    report = scan_text(rules, "t", "xxSHxx", NULL);
    assert_int_equal(wb_secret_report_stats(report)->files_prefiltered, 1);
    wb_secret_report_free(report);
    /* large buffers run in four lanes: a keyword across any cut, or at
     * either end, is still seen */
    {
        size_t len = 256 * 1024 + 3, cut, at, k;
        char *big = malloc(len + 1);
        assert_non_null(big);
        for (k = 0; k <= 4; k++) {
            cut = k * (len / 4);
            for (at = cut >= 6 ? cut - 6 : 0; at <= cut + 1 && at + 5 <= len; at++) {
                memset(big, 'x', len);
                big[len] = '\0';
                memcpy(big + at, "UsHeR", 5);
                report = scan_text(rules, "big", big, NULL);
                if (wb_secret_report_stats(report)->files_scanned != 1)
                    fail_msg("keyword at %zu (cut %zu) missed", at, cut);
                wb_secret_report_free(report);
            }
        }
        memset(big, 'x', len);
        memcpy(big + len - 4, "hers", 4);
        big[len - 5] = '\n'; /* a short last line: long ones are dropped */
        report = scan_text(rules, "big", big, NULL);
        assert_int_equal(count_of(report, "c", NULL), 1);
        wb_secret_report_free(report);
        free(big);
    }
    report = scan_text(rules, "t", "HERS", NULL); /* keywords match, expressions do not */
    assert_int_equal(wb_secret_report_stats(report)->files_scanned, 1);
    assert_int_equal(wb_secret_report_count(report), 0);
    wb_secret_report_free(report);
    wb_secret_rules_free(rules);
}

/* --- rule files --- */

static void expect_rules_error(const char *text, int code, const char *needle)
{
    wb_secret_rules *rules = (wb_secret_rules *)1;
    expect_error(wb_secret_rules_parse(&rules, text, strlen(text), "bad.toml"), code, needle);
    assert_null(rules);
}

static void test_rule_errors(void **state)
{
    (void)state;
    expect_rules_error("", WB_EFORMAT, "no [[rules]]");
    expect_rules_error("title = \"x\"\n", WB_EFORMAT, "no [[rules]]");
    expect_rules_error("[[rules]]\nid = \"a\"\n", WB_EFORMAT,
                       "bad.toml:1: rule 'a': needs a regex");
    expect_rules_error("[[rules]]\nregex = 'a'\n", WB_EFORMAT, "rule without an id");
    expect_rules_error("[[rules]]\nid = \"a\"\nregex = 'a('\n", WB_EFORMAT,
                       "bad.toml:3: regex: at offset 2");
    expect_rules_error("[[rules]]\nid = \"a\"\nregex = 'a'\nfoo = 1\n", WB_EFORMAT,
                       "bad.toml:4: unknown rule field 'foo'");
    expect_rules_error("[[rules]]\nid = \"a\"\nregex = 'a'\n[[rules]]\nid = \"a\"\nregex = 'b'\n",
                       WB_EFORMAT, "bad.toml:4: rule id 'a' used twice");
    expect_rules_error("[[rules]]\nid = \"a\"\nregex = '(a)'\nsecretGroup = 2\n", WB_EFORMAT,
                       "secretGroup 2 but the regex has 1 groups");
    expect_rules_error("[[rules]]\nid = \"a\"\nregex = 'a'\nentropy = 9\n", WB_EFORMAT,
                       "bad.toml:4: entropy");
    expect_rules_error("[[rules]]\nid = \"a\"\nregex = 'a'\nregex = 'b'\n", WB_EFORMAT,
                       "'regex' given twice");
    expect_rules_error("[[rules]]\nid = \"a b\"\nregex = 'a'\n", WB_EFORMAT, "id: only");
    expect_rules_error("[[rules]]\nid = \"a\"\nregex = 'a'\nkeywords = [\"\"]\n", WB_EFORMAT,
                       "empty keyword");
    expect_rules_error("[[rules]]\nid = \"a\"\nregex = 'a'\nkeywords = \"a\"\n", WB_EFORMAT,
                       "expected an array");
    expect_rules_error("[rules]\nid = \"a\"\n", WB_EFORMAT, "bad.toml:1: unknown table 'rules'");
    expect_rules_error("[extend]\n", WB_EFORMAT, "unknown table 'extend'");
    expect_rules_error("[rules.allowlist]\n", WB_EFORMAT, "allowlist before any [[rules]]");
    expect_rules_error("[[rules]]\nid = \"a\"\nregex = 'a'\n[rules.allowlist]\nfoo = 1\n",
                       WB_EFORMAT, "bad.toml:5: unknown allowlist field 'foo'");
    expect_rules_error("[[rules]]\nid = \"a\"\nregex = 'a'\n[rules.allowlist]\n"
                       "regexTarget = \"file\"\n",
                       WB_EFORMAT, "regexTarget");
    expect_rules_error(
        "[[rules]]\nid = \"a\"\nregex = 'a'\n[rules.allowlist]\ncondition = \"XOR\"\n", WB_EFORMAT,
        "condition");
    expect_rules_error("[[rules]]\nid = \"a\"\nregex = 'a'\n[rules.allowlist]\n[rules.allowlist]\n",
                       WB_EFORMAT, "given twice");
    expect_rules_error("[[rules]]\nid = \"a\"\npath = 'x'\nsecretGroup = 1\n", WB_EFORMAT,
                       "need a regex");
    expect_rules_error("[[rules]]\nid = \"a\"\nregex = ''\n", WB_EFORMAT, "expression empty");
    expect_rules_error("nope = 1\n[[rules]]\nid = \"a\"\nregex = 'a'\n", WB_EFORMAT,
                       "unknown field 'nope'");
    /* TOML this reader refuses */
    expect_rules_error("[[rules]]\nid.x = \"a\"\n", WB_EUNSUPPORTED, "bad.toml:2: dotted keys");
    expect_rules_error("[[rules]]\nid = {a = 1}\n", WB_EUNSUPPORTED, "inline tables");
    expect_rules_error("[[rules]]\nid = 1979-05-27\n", WB_EUNSUPPORTED, "dates");
    expect_rules_error("[[rules]]\nid = 0x10\n", WB_EUNSUPPORTED, "decimal");
    expect_rules_error("[[rules]]\nid = \"a\n", WB_EFORMAT, "bad.toml:2:");
    expect_rules_error("[[rules]]\nid = 'a' b\n", WB_EFORMAT, "unexpected text");
    expect_rules_error("[[rules]\n", WB_EFORMAT, "expected ']]'");
    expect_rules_error("[[rules]]\nid = \"\\q\"\n", WB_EFORMAT, "unknown escape");
    expect_rules_error("[[rules]]\nid = \"\\uD800\"\n", WB_EFORMAT, "not a Unicode scalar");
    expect_rules_error("a = [1, 2\n", WB_EFORMAT, "expected ',' or ']'");
    expect_rules_error("a = [[[[[[[[[1]]]]]]]]]\n", WB_ELIMIT, "nested too deeply");
    expect_rules_error("a = \"\xff\"\n", WB_EFORMAT, "not valid UTF-8");
    expect_rules_error("a = 01\n", WB_EFORMAT, "leading zero");
    expect_rules_error("a = 1__0\n", WB_EFORMAT, "'_'");
    expect_rules_error("a = 99999999999999999999\n", WB_EFORMAT, "out of range");
    {
        static const char nul[] = "[[rules]]\nid = \"a\0\"\n";
        wb_secret_rules *rules = NULL;
        expect_error(wb_secret_rules_parse(&rules, nul, sizeof(nul) - 1, "bad.toml"), WB_EFORMAT,
                     "NUL");
    }
    {
        wb_secret_rules *rules = NULL;
        expect_error(wb_secret_rules_load(&rules, "/nonexistent/rules.toml"), WB_ENOTFOUND,
                     "/nonexistent/rules.toml");
    }
}

/* The TOML subset itself, through a handler that prints what it sees. */
static int print_table(void *payload, const char *const *names, size_t nnames, bool array,
                       size_t line)
{
    wb_buf *buf = payload;
    size_t i;
    wb_buf_printf(buf, "%zu:%s", line, array ? "[[" : "[");
    for (i = 0; i < nnames; i++)
        wb_buf_printf(buf, "%s%s", i ? "." : "", names[i]);
    wb_buf_puts(buf, array ? "]]\n" : "]\n");
    return 0;
}

static void print_value(wb_buf *buf, const wb_toml_value *value)
{
    size_t i;
    switch (value->type) {
    case WB_TOML_STRING:
        wb_buf_printf(buf, "<%s>", value->string);
        break;
    case WB_TOML_INTEGER:
        wb_buf_printf(buf, "%lld", (long long)value->integer);
        break;
    case WB_TOML_FLOAT:
        wb_buf_printf(buf, "%g", value->number);
        break;
    case WB_TOML_BOOL:
        wb_buf_puts(buf, value->boolean ? "true" : "false");
        break;
    case WB_TOML_ARRAY:
        wb_buf_putc(buf, '(');
        for (i = 0; i < value->nitems; i++) {
            if (i)
                wb_buf_putc(buf, ' ');
            print_value(buf, &value->items[i]);
        }
        wb_buf_putc(buf, ')');
        break;
    }
}

static int print_key(void *payload, const char *key, const wb_toml_value *value, size_t line)
{
    wb_buf *buf = payload;
    wb_buf_printf(buf, "%zu:%s=", line, key);
    print_value(buf, value);
    wb_buf_putc(buf, '\n');
    return 0;
}

static void test_toml_subset(void **state)
{
    static const wb_toml_handler handler = {print_table, print_key};
    static const char text[] =
        "\xef\xbb\xbf# comment\n"
        "title = \"a \\\"quoted\\\" \\u00e9 \\U0001F600 \\t\"  # trailing comment\r\n"
        "'lit key' = 'C:\\path\\no escapes'\n"
        "\"basic key\" = true\n"
        "ml = \"\"\"\nline one\nline \\\n    two\"\"\"\n"
        "mll = '''\nraw \\d+ ''quotes'''''\n"
        "n = [ 1, -2, +3_000, 1.5e3, false,\n  # inside\n  [\"x\", 'y'], ]\n"
        "f = -0.25\n"
        "[ a . \"b c\" ]\n"
        "[[ arr ]]\n"
        "k-e_y = \"\"\n";
    static const char expected[] = "2:title=<a \"quoted\" \xc3\xa9 \xf0\x9f\x98\x80 \t>\n"
                                   "3:lit key=<C:\\path\\no escapes>\n"
                                   "4:basic key=true\n"
                                   "5:ml=<line one\nline two>\n"
                                   "9:mll=<raw \\d+ ''quotes''>\n"
                                   "11:n=(1 -2 3000 1500 false (<x> <y>))\n"
                                   "14:f=-0.25\n"
                                   "15:[a.b c]\n"
                                   "16:[[arr]]\n"
                                   "17:k-e_y=<>\n";
    wb_buf buf = {0};
    char *out = NULL;

    (void)state;
    if (wb_toml_parse(text, sizeof(text) - 1, "t.toml", &handler, &buf) != 0)
        fail_msg("%s", wb_error_last());
    assert_int_equal(wb_buf_detach(&buf, &out, NULL), 0);
    assert_string_equal(out, expected);
    wb_free(out);
}

/* --- allocation failures --- */

static const char oom_rules[] =
    "[[rules]]\nid = \"tok\"\ndescription = \"d\"\nregex = '''tok_([a-z0-9]{8})'''\n"
    "secretGroup = 1\nkeywords = [\"tok_\", \"tok-\"]\ntags = [\"t\"]\n"
    "[rules.allowlist]\nregexes = ['''^zz''']\nstopwords = [\"abc\"]\npaths = ['''^x/''']\n"
    "[allowlist]\npaths = ['''\\.lock$''']\n";

static int parse_op(const void *arg)
{
    wb_secret_rules *rules = NULL;
    int rc = wb_secret_rules_parse(&rules, arg, strlen(arg), "oom.toml");
    wb_secret_rules_free(rules);
    return rc;
}

static int scan_op(const void *arg)
{
    const wb_secret_rules *rules = arg;
    wb_secret_report *report = NULL;
    static const char text[] = "a tok_abcdefgh b\ntok_12345678 and tok_zzzzzzzz\n";
    int rc = wb_secret_report_new(&report);
    if (rc == 0)
        rc = wb_secret_scan_buffer(report, rules, "a.txt", text, sizeof(text) - 1, NULL);
    if (rc == 0 && wb_secret_report_count(report) != 1) /* abc: stopword, zz: regex */
        rc = wb_error_set(WB_EINTERNAL, "expected 1 finding, got %zu",
                          wb_secret_report_count(report));
    wb_secret_report_free(report);
    return rc;
}

static void test_out_of_memory(void **state)
{
    wb_secret_rules *rules;

    (void)state;
    run_with_failing_allocations_ex(parse_op, oom_rules, 0, "parse", true);
    rules = rules_of(oom_rules);
    run_with_failing_allocations_ex(scan_op, rules, 0, "scan", true);
    wb_secret_rules_free(rules);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_rules),
        cmocka_unit_test(test_planted_tree),
        cmocka_unit_test(test_tree_errors),
        cmocka_unit_test(test_line_column_redaction),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_entropy_and_allowlists),
        cmocka_unit_test(test_keyword_automaton),
        cmocka_unit_test(test_rule_errors),
        cmocka_unit_test(test_toml_subset),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests_name("secrets", tests, make_base_dir, remove_base_dir);
}
