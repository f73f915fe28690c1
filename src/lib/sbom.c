/*
 * sbom.c: the component inventory: components, notes, Package URLs, the
 * finishing step (purls, order, duplicates) and the content digest.
 *
 * Components are kept as wb_sbom_component records whose strings the
 * inventory owns. Purls are built only when the inventory is finished,
 * because a Debian purl carries the distro of the delivery
 * (pkg:deb/debian/curl@7.88.1-10?arch=amd64&distro=debian-12), which the
 * walk may find after the dpkg database.
 *
 * Package URLs follow the purl specification (github.com/package-url/
 * purl-spec, "Character encoding"): every byte other than the unreserved
 * A-Z a-z 0-9 . - _ ~ and the colon is percent-encoded with upper-case hex,
 * namespace and subpath segment by segment; qualifiers sorted by key, keys
 * lower case, empty values left out. Type rules (PURL-TYPES): deb, npm and
 * pypi lower-case namespace and name, pypi writes '_' as '-'; golang and
 * maven keep case (Go module paths and Maven coordinates are
 * case-sensitive).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbom_internal.h"

struct wb_sbom {
    char *name;
    wb_sbom_component *items;
    size_t count, cap;
    bool finished;
    char **notes;
    size_t nnotes, notes_dropped;
    char *distro_id, *distro_version;
    char *distro; /* "debian-12" */
    uint64_t files_read, entries_seen;
    bool entry_limit_noted;
};

static char *location_copy(const char *s);

static void component_clear(wb_sbom_component *c)
{
    wb_free((char *)c->purl_type);
    wb_free((char *)c->group);
    wb_free((char *)c->name);
    wb_free((char *)c->version);
    wb_free((char *)c->purl);
    wb_free((char *)c->arch);
    wb_free((char *)c->source_name);
    wb_free((char *)c->source_version);
    wb_free((char *)c->license);
    wb_free((char *)c->location);
    wb_free((char *)c->found_by);
    wb_free((char *)c->sha256);
    wb_free((char *)c->sha512);
    memset(c, 0, sizeof(*c));
}

int wb_sbom_new(wb_sbom **out, const char *name)
{
    wb_sbom *sbom;
    if (!out || !name)
        return wb_error_set(WB_EINVAL, "wb_sbom_new: NULL argument");
    *out = NULL;
    sbom = wb_calloc(1, sizeof(*sbom));
    if (!sbom || !(sbom->name = wb_strdup(name))) {
        wb_free(sbom);
        return wb_error_set(WB_ENOMEM, "out of memory");
    }
    *out = sbom;
    return 0;
}

void wb_sbom_free(wb_sbom *sbom)
{
    size_t i;
    if (!sbom)
        return;
    for (i = 0; i < sbom->count; i++)
        component_clear(&sbom->items[i]);
    wb_free(sbom->items);
    for (i = 0; i < sbom->nnotes; i++)
        wb_free(sbom->notes[i]);
    wb_free(sbom->notes);
    wb_free(sbom->distro_id);
    wb_free(sbom->distro_version);
    wb_free(sbom->distro);
    wb_free(sbom->name);
    wb_free(sbom);
}

const char *wb_sbom_name(const wb_sbom *sbom)
{
    return sbom ? sbom->name : NULL;
}
size_t wb_sbom_count(const wb_sbom *sbom)
{
    return sbom ? sbom->count : 0;
}
const wb_sbom_component *wb_sbom_get(const wb_sbom *sbom, size_t i)
{
    return sbom && i < sbom->count ? &sbom->items[i] : NULL;
}
size_t wb_sbom_count_ecosystem(const wb_sbom *sbom, wb_ecosystem eco)
{
    size_t i, n = 0;
    for (i = 0; sbom && i < sbom->count; i++)
        n += sbom->items[i].ecosystem == eco;
    return n;
}
uint64_t wb_sbom_files_read(const wb_sbom *sbom)
{
    return sbom ? sbom->files_read : 0;
}
uint64_t wb_sbom_entries_seen(const wb_sbom *sbom)
{
    return sbom ? sbom->entries_seen : 0;
}
size_t wb_sbom_note_count(const wb_sbom *sbom)
{
    return sbom ? sbom->nnotes : 0;
}
const char *wb_sbom_note_at(const wb_sbom *sbom, size_t i)
{
    return sbom && i < sbom->nnotes ? sbom->notes[i] : NULL;
}
size_t wb_sbom_notes_dropped(const wb_sbom *sbom)
{
    return sbom ? sbom->notes_dropped : 0;
}
const char *wb_sbom_distro(const wb_sbom *sbom)
{
    return sbom ? sbom->distro : NULL;
}

void wb_sbom_count_file(wb_sbom *sbom)
{
    sbom->files_read++;
}

bool wb_sbom_count_entry(wb_sbom *sbom)
{
    if (sbom->entries_seen >= WB_SBOM_MAX_ENTRIES) {
        if (!sbom->entry_limit_noted)
            wb_sbom_note(sbom, "more than %d entries: the rest are not read", WB_SBOM_MAX_ENTRIES);
        sbom->entry_limit_noted = true;
        return false;
    }
    sbom->entries_seen++;
    return true;
}

void wb_sbom_note(wb_sbom *sbom, const char *fmt, ...)
{
    va_list ap;
    char *text, *shown, **grown;
    int n;
    if (!sbom)
        return;
    if (sbom->nnotes >= WB_SBOM_MAX_NOTES) {
        sbom->notes_dropped++;
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(text = wb_malloc((size_t)n + 1))) {
        sbom->notes_dropped++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(text, (size_t)n + 1, fmt, ap);
    va_end(ap);
    /* names come from the delivery: keep notes on one printable line */
    shown = wb_escape_display(text);
    wb_free(text);
    if (shown) {
        /* and bytes that are not UTF-8 as \xHH, so that JSON can carry it */
        text = location_copy(shown);
        wb_free(shown);
        shown = text;
    }
    grown = shown ? wb_reallocarray(sbom->notes, sbom->nnotes + 1, sizeof(*grown)) : NULL;
    if (!grown) {
        wb_free(shown);
        sbom->notes_dropped++;
        return;
    }
    sbom->notes = grown;
    sbom->notes[sbom->nnotes++] = shown;
}

void wb_sbom_set_distro(wb_sbom *sbom, const char *id, const char *version_id)
{
    if (sbom->distro_id)
        return; /* the first os-release found wins (etc/ before usr/lib/) */
    sbom->distro_id = id ? wb_strdup(id) : NULL;
    sbom->distro_version = version_id ? wb_strdup(version_id) : NULL;
    if (sbom->distro_id && sbom->distro_version)
        sbom->distro = wb_asprintf("%s-%s", sbom->distro_id, sbom->distro_version);
    else if (sbom->distro_id)
        sbom->distro = wb_strdup(sbom->distro_id);
    sbom->finished = false;
}

static bool field_ok(const char *s, bool required)
{
    size_t n;
    if (!s)
        return !required;
    n = strlen(s);
    return n > 0 && n <= WB_SBOM_MAX_FIELD && wb_utf8_valid(s, n);
}

/* A copy of a location (a path from the delivery: any bytes) that JSON can
 * carry: each byte of an invalid UTF-8 sequence as "\xHH". */
static char *location_copy(const char *s)
{
    wb_buf buf = {0};
    size_t len = strlen(s), i = 0;
    char *out = NULL;
    if (wb_utf8_valid(s, len))
        return wb_strdup(s);
    while (i < len) {
        uint32_t cp;
        size_t used = wb_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (used == 0) {
            wb_buf_printf(&buf, "\\x%02x", (unsigned char)s[i]);
            i++;
        } else {
            wb_buf_append(&buf, s + i, used);
            i += used;
        }
    }
    if (buf.failed || wb_buf_detach(&buf, &out, NULL) < 0)
        out = NULL;
    wb_buf_free(&buf);
    return out;
}

static int dup_field(const char **dst, const char *src)
{
    if (!src)
        return 0;
    *dst = wb_strdup(src);
    return *dst ? 0 : WB_ENOMEM;
}

int wb_sbom_add(wb_sbom *sbom, const wb_sbom_component *component)
{
    wb_sbom_component c;
    int rc = 0;
    if (!sbom || !component)
        return wb_error_set(WB_EINVAL, "wb_sbom_add: NULL argument");
    if (!field_ok(component->purl_type, true) || !field_ok(component->name, true) ||
        !field_ok(component->group, false) || !field_ok(component->version, false) ||
        !field_ok(component->arch, false) || !field_ok(component->source_name, false) ||
        !field_ok(component->source_version, false) || !field_ok(component->license, false))
        return wb_error_set(WB_EINVAL, "%s: component with an empty, overlong or non-UTF-8 field",
                            component->location ? component->location : "?");
    if (sbom->count >= WB_SBOM_MAX_COMPONENTS)
        return wb_error_set(WB_ELIMIT, "more than %d components", WB_SBOM_MAX_COMPONENTS);
    if (sbom->count == sbom->cap) {
        size_t cap = sbom->cap ? sbom->cap * 2 : 64;
        wb_sbom_component *grown = wb_reallocarray(sbom->items, cap, sizeof(*grown));
        if (!grown)
            return wb_error_set(WB_ENOMEM, "out of memory");
        sbom->items = grown;
        sbom->cap = cap;
    }
    memset(&c, 0, sizeof(c));
    c.ecosystem = component->ecosystem;
    if (dup_field(&c.purl_type, component->purl_type) || dup_field(&c.group, component->group) ||
        dup_field(&c.name, component->name) || dup_field(&c.version, component->version) ||
        dup_field(&c.arch, component->arch) || dup_field(&c.source_name, component->source_name) ||
        dup_field(&c.source_version, component->source_version) ||
        dup_field(&c.license, component->license) ||
        (component->location && !(c.location = location_copy(component->location))) ||
        dup_field(&c.found_by, component->found_by) || dup_field(&c.sha256, component->sha256) ||
        dup_field(&c.sha512, component->sha512)) {
        component_clear(&c);
        return wb_error_set(WB_ENOMEM, "out of memory");
    }
    sbom->items[sbom->count++] = c;
    sbom->finished = false;
    return rc;
}

int wb_sbom_set_sha256(wb_sbom *sbom, size_t index, const char *hex)
{
    char *copy;
    if (!sbom || index >= sbom->count || !hex)
        return wb_error_set(WB_EINVAL, "wb_sbom_set_sha256: no component %zu", index);
    if (!(copy = wb_strdup(hex)))
        return wb_error_set(WB_ENOMEM, "out of memory");
    wb_free((char *)sbom->items[index].sha256);
    sbom->items[index].sha256 = copy;
    return 0;
}

/* --- Package URLs --- */

static int purl_encode(wb_buf *buf, const char *s, bool lower, bool pypi)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p;
    for (p = (const unsigned char *)s; *p; p++) {
        unsigned char ch = *p;
        if (lower && ch >= 'A' && ch <= 'Z')
            ch = (unsigned char)(ch - 'A' + 'a');
        if (pypi && ch == '_')
            ch = '-';
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '.' || ch == '-' || ch == '_' || ch == '~' || ch == ':') {
            wb_buf_putc(buf, (char)ch);
        } else {
            wb_buf_putc(buf, '%');
            wb_buf_putc(buf, hex[ch >> 4]);
            wb_buf_putc(buf, hex[ch & 15]);
        }
    }
    return buf->failed ? WB_ENOMEM : 0;
}

/* Segments of a '/'-separated path, each encoded; empty segments, "." and
 * ".." are dropped (the spec's rule for subpaths, harmless for namespaces). */
static int purl_segments(wb_buf *buf, const char *path, bool lower, bool drop_dots)
{
    const char *seg = path;
    bool first = true;
    while (*seg) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if (n > 0 && !(drop_dots &&
                       ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.')))) {
            char *part = wb_strndup(seg, n);
            if (!part)
                return WB_ENOMEM;
            if (!first)
                wb_buf_putc(buf, '/');
            purl_encode(buf, part, lower, false);
            wb_free(part);
            first = false;
        }
        seg += n;
        if (*seg == '/')
            seg++;
    }
    return buf->failed ? WB_ENOMEM : 0;
}

static bool type_valid(const char *type)
{
    const char *p;
    if (!type[0] || isdigit((unsigned char)type[0]))
        return false;
    for (p = type; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '+' && *p != '-')
            return false;
    return true;
}

typedef struct {
    char *key;
    const char *value;
} qualifier;

static int qualifier_cmp(const void *a, const void *b)
{
    return strcmp(((const qualifier *)a)->key, ((const qualifier *)b)->key);
}

int wb_purl_build(char **out, const char *type, const char *namespace_, const char *name,
                  const char *version, const char *const *qualifiers, size_t nqualifiers,
                  const char *subpath)
{
    wb_buf buf = {0};
    qualifier *quals = NULL;
    char *type_lower = NULL;
    bool lower, pypi;
    size_t i, nq = 0;
    int rc = 0;

    if (!out || !type || !name || !name[0] || (nqualifiers && !qualifiers))
        return wb_error_set(WB_EINVAL, "purl: type and name are required");
    *out = NULL;
    if (!type_valid(type))
        return wb_error_set(WB_EINVAL, "purl: invalid type '%s'", type);
    if (!(type_lower = wb_strdup(type)))
        return wb_error_set(WB_ENOMEM, "out of memory");
    for (i = 0; type_lower[i]; i++)
        type_lower[i] = (char)tolower((unsigned char)type_lower[i]);
    lower = !strcmp(type_lower, "deb") || !strcmp(type_lower, "npm") || !strcmp(type_lower, "pypi");
    pypi = !strcmp(type_lower, "pypi");

    wb_buf_puts(&buf, "pkg:");
    wb_buf_puts(&buf, type_lower);
    wb_buf_putc(&buf, '/');
    if (namespace_ && namespace_[0]) {
        size_t before = buf.len;
        if ((rc = purl_segments(&buf, namespace_, lower, false)) < 0)
            goto out;
        if (buf.len > before)
            wb_buf_putc(&buf, '/');
    }
    if ((rc = purl_encode(&buf, name, lower, pypi)) < 0)
        goto out;
    if (version && version[0]) {
        wb_buf_putc(&buf, '@');
        if ((rc = purl_encode(&buf, version, false, false)) < 0)
            goto out;
    }
    if (nqualifiers) {
        if (!(quals = wb_calloc(nqualifiers, sizeof(*quals)))) {
            rc = WB_ENOMEM;
            goto out;
        }
        for (i = 0; i < nqualifiers; i++) {
            const char *key = qualifiers[2 * i], *value = qualifiers[2 * i + 1];
            size_t k;
            if (!key || !key[0] || !value || !value[0])
                continue;
            if (!(quals[nq].key = wb_strdup(key))) {
                rc = WB_ENOMEM;
                goto out;
            }
            for (k = 0; quals[nq].key[k]; k++)
                quals[nq].key[k] = (char)tolower((unsigned char)quals[nq].key[k]);
            quals[nq++].value = value;
        }
        qsort(quals, nq, sizeof(*quals), qualifier_cmp);
        for (i = 0; i < nq; i++) {
            wb_buf_putc(&buf, i ? '&' : '?');
            purl_encode(&buf, quals[i].key, false, false);
            wb_buf_putc(&buf, '=');
            purl_encode(&buf, quals[i].value, false, false);
        }
    }
    if (subpath && subpath[0]) {
        size_t before = buf.len;
        wb_buf_putc(&buf, '#');
        if ((rc = purl_segments(&buf, subpath, false, true)) < 0)
            goto out;
        if (buf.len == before + 1)
            buf.len = before; /* nothing left of the subpath */
    }
    if (buf.failed) {
        rc = WB_ENOMEM;
        goto out;
    }
    rc = wb_buf_detach(&buf, out, NULL);
out:
    if (rc == WB_ENOMEM)
        wb_error_set(WB_ENOMEM, "out of memory");
    for (i = 0; quals && i < nq; i++)
        wb_free(quals[i].key);
    wb_free(quals);
    wb_free(type_lower);
    wb_buf_free(&buf);
    return rc;
}

static int component_purl(const wb_sbom *sbom, wb_sbom_component *c)
{
    const char *quals[4];
    size_t nq = 0;
    const char *ns = c->group;
    char *purl = NULL;
    int rc;
    if (c->ecosystem == WB_ECO_DEBIAN) {
        if (!ns)
            ns = sbom->distro_id ? sbom->distro_id : "debian";
        quals[0] = "arch";
        quals[1] = c->arch;
        quals[2] = "distro";
        quals[3] = sbom->distro;
        nq = 2;
        if (!quals[1])
            quals[1] = "";
        if (!quals[3])
            quals[3] = "";
    }
    rc = wb_purl_build(&purl, c->purl_type, ns, c->name, c->version, quals, nq, NULL);
    if (rc < 0)
        return rc;
    wb_free((char *)c->purl);
    c->purl = purl;
    return 0;
}

static int strcmp_null(const char *a, const char *b)
{
    if (!a || !b)
        return a ? 1 : b ? -1 : 0;
    return strcmp(a, b);
}

static int component_cmp(const void *pa, const void *pb)
{
    const wb_sbom_component *a = pa, *b = pb;
    int d = strcmp_null(a->purl, b->purl);
    if (d == 0)
        d = strcmp_null(a->location, b->location);
    if (d == 0)
        d = strcmp_null(a->found_by, b->found_by);
    if (d == 0)
        d = strcmp_null(a->sha512, b->sha512);
    if (d == 0)
        d = strcmp_null(a->sha256, b->sha256);
    return d;
}

/* Move what `from` knows and `into` does not (checksums, licence, source). */
static void merge_into(wb_sbom_component *into, wb_sbom_component *from)
{
#define TAKE(field)                                                                                \
    if (!into->field && from->field) {                                                             \
        into->field = from->field;                                                                 \
        from->field = NULL;                                                                        \
    }
    TAKE(sha256)
    TAKE(sha512)
    TAKE(license)
    TAKE(source_name)
    TAKE(source_version)
#undef TAKE
}

int wb_sbom_finish(wb_sbom *sbom)
{
    size_t i, kept = 0;
    int rc;
    if (!sbom)
        return wb_error_set(WB_EINVAL, "wb_sbom_finish: NULL argument");
    if (sbom->finished)
        return 0;
    for (i = 0; i < sbom->count; i++)
        if ((rc = component_purl(sbom, &sbom->items[i])) < 0)
            return rc;
    if (sbom->count > 1)
        qsort(sbom->items, sbom->count, sizeof(*sbom->items), component_cmp);
    for (i = 0; i < sbom->count; i++) {
        if (kept > 0 && !strcmp(sbom->items[kept - 1].purl, sbom->items[i].purl)) {
            merge_into(&sbom->items[kept - 1], &sbom->items[i]);
            component_clear(&sbom->items[i]);
            continue;
        }
        if (kept != i) {
            sbom->items[kept] = sbom->items[i];
            memset(&sbom->items[i], 0, sizeof(sbom->items[i]));
        }
        kept++;
    }
    sbom->count = kept;
    sbom->finished = true;
    return 0;
}

int wb_sbom_content_digest(unsigned char out[32], const wb_sbom *sbom)
{
    wb_buf buf = {0};
    size_t i;
    int rc;
    if (!out || !sbom)
        return wb_error_set(WB_EINVAL, "wb_sbom_content_digest: NULL argument");
    /* each field followed by NUL, so that no two lists give the same bytes */
    wb_buf_puts(&buf, "waybill-sbom-v1");
    wb_buf_putc(&buf, '\0');
    wb_buf_puts(&buf, sbom->name);
    wb_buf_putc(&buf, '\0');
    for (i = 0; i < sbom->count; i++) {
        const wb_sbom_component *c = &sbom->items[i];
        const char *fields[] = {c->purl,    c->location, c->source_name, c->source_version,
                                c->license, c->sha256,   c->sha512};
        size_t f;
        for (f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
            wb_buf_puts(&buf, fields[f] ? fields[f] : "");
            wb_buf_putc(&buf, '\0');
        }
    }
    if (buf.failed) {
        wb_buf_free(&buf);
        return wb_error_set(WB_ENOMEM, "out of memory");
    }
    rc = wb_digest_buffer(out, WB_DIGEST_SHA256, buf.data, buf.len);
    wb_buf_free(&buf);
    return rc;
}

/* --- text helpers for the catalogers --- */

bool wb_sbom_next_line(const char *data, size_t len, size_t *pos, const char **line,
                       size_t *line_len)
{
    const char *start, *nl;
    size_t n;
    if (*pos >= len)
        return false;
    start = data + *pos;
    nl = memchr(start, '\n', len - *pos);
    n = nl ? (size_t)(nl - start) : len - *pos;
    *pos += n + (nl ? 1 : 0);
    if (n > 0 && start[n - 1] == '\r')
        n--;
    *line = start;
    *line_len = n;
    return true;
}

const char *wb_sbom_trim(const char *s, size_t *len)
{
    while (*len > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r')) {
        s++;
        (*len)--;
    }
    while (*len > 0 && (s[*len - 1] == ' ' || s[*len - 1] == '\t' || s[*len - 1] == '\r'))
        (*len)--;
    return s;
}

char *wb_sbom_field(const char *s, size_t len, const char *what)
{
    size_t i;
    char *copy;
    if (len == 0) {
        wb_error_set(WB_EFORMAT, "empty %s", what);
        return NULL;
    }
    if (len > WB_SBOM_MAX_FIELD) {
        wb_error_set(WB_ELIMIT, "%s longer than %d bytes", what, WB_SBOM_MAX_FIELD);
        return NULL;
    }
    for (i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            wb_error_set(WB_EFORMAT, "control character in %s", what);
            return NULL;
        }
    if (!wb_utf8_valid(s, len)) {
        wb_error_set(WB_EFORMAT, "%s is not UTF-8", what);
        return NULL;
    }
    copy = wb_strndup(s, len);
    if (!copy)
        wb_error_set(WB_ENOMEM, "out of memory");
    return copy;
}

bool wb_sbom_split_header(const char *line, size_t len, char sep, const char **key, size_t *key_len,
                          const char **value, size_t *value_len)
{
    const char *colon;
    if (len == 0 || line[0] == ' ' || line[0] == '\t')
        return false;
    colon = memchr(line, sep, len);
    if (!colon)
        return false;
    *key = line;
    *key_len = (size_t)(colon - line);
    *key = wb_sbom_trim(*key, key_len);
    *value = colon + 1;
    *value_len = (size_t)(line + len - (colon + 1));
    *value = wb_sbom_trim(*value, value_len);
    return *key_len > 0;
}
