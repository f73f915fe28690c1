/*
 * sbom_internal.h: what the inventory (sbom.c), its walk (sbom_scan.c) and
 * the catalogers (catalog_*.c) share. Never exported.
 *
 * A cataloger reads one file's content from memory (or, for Go binaries,
 * through a positioned reader, so that a large binary on disk is not read
 * whole) and adds components with wb_sbom_add(). It returns 0 or a
 * negative WB_E* code with the message set; the caller notes the message
 * and goes on with the next file.
 */
#ifndef WAYBILL_SBOM_INTERNAL_H
#define WAYBILL_SBOM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "waybill/sbom.h"

/* What the walk does with a file, decided from its path. */
typedef enum {
    WB_CAT_NONE = 0,
    WB_CAT_DPKG_STATUS, /* var/lib/dpkg/status, status.d/<file> */
    WB_CAT_NPM_LOCK,    /* package-lock.json, npm-shrinkwrap.json, .package-lock.json */
    WB_CAT_NPM_PACKAGE, /* node_modules/<name>/package.json */
    WB_CAT_PYTHON,      /* *.dist-info/METADATA, *.egg-info/PKG-INFO, *.egg-info */
    WB_CAT_POM_PROPS,   /* META-INF/maven/<g>/<a>/pom.properties */
    WB_CAT_JAR,         /* *.jar, *.war, *.ear */
    WB_CAT_CARGO_LOCK,  /* Cargo.lock */
    WB_CAT_OS_RELEASE,  /* etc/os-release, usr/lib/os-release */
    WB_CAT_EXECUTABLE,  /* maybe a Go binary (decided by content) */
} wb_catalog_kind;

/* The kind of the file at relative `path`; `executable`: a mode with an x
 * bit (only then may it be a Go binary). */
wb_catalog_kind wb_catalog_match(const char *path, bool executable);
/* The largest file of `kind` read into memory. */
size_t wb_catalog_max_size(wb_catalog_kind kind);

/* Positioned reads of a file or buffer: read exactly `len` bytes at `off`
 * into `buf`, 0 or a negative WB_E* code. */
typedef struct {
    int (*read_at)(void *ctx, uint64_t off, void *buf, size_t len);
    void *ctx;
    uint64_t size;
} wb_sbom_reader;

/* A reader over a buffer (ctx is a wb_sbom_membuf). */
typedef struct {
    const unsigned char *data;
    size_t len;
} wb_sbom_membuf;
void wb_sbom_reader_mem(wb_sbom_reader *reader, wb_sbom_membuf *mem, const void *data, size_t len);

/* The catalogers. `location` names the file in components and messages. */
int wb_catalog_dpkg(wb_sbom *sbom, const char *location, const char *data, size_t len);
int wb_catalog_npm_lock(wb_sbom *sbom, const char *location, const char *data, size_t len);
int wb_catalog_npm_package(wb_sbom *sbom, const char *location, const char *data, size_t len);
int wb_catalog_python(wb_sbom *sbom, const char *location, const char *data, size_t len);
int wb_catalog_pom_properties(wb_sbom *sbom, const char *location, const char *data, size_t len);
int wb_catalog_cargo_lock(wb_sbom *sbom, const char *location, const char *data, size_t len);
int wb_catalog_os_release(wb_sbom *sbom, const char *location, const char *data, size_t len);
/* 1 when `reader` is an ELF file with Go build information (components
 * added), 0 when it is not a Go binary (nothing added), <0 on error. */
int wb_catalog_go(wb_sbom *sbom, const char *location, const wb_sbom_reader *reader);
/* A jar (zip) in memory or open on `fd`; `depth` 0 for a jar found in
 * the delivery, 1 for a jar inside it (jars deeper are noted, not read). */
int wb_catalog_jar_buffer(wb_sbom *sbom, const char *location, const void *data, size_t len,
                          unsigned depth);
int wb_catalog_jar_fd(wb_sbom *sbom, const char *location, int fd);

/* Read the current entry of archive `a` (at most `max` bytes, whatever
 * size its header declares) into a new NUL-terminated buffer (wb_free()).
 * WB_ELIMIT beyond `max`, WB_EIO when the archive is damaged. */
struct archive;
struct archive_entry;
int wb_sbom_read_entry(struct archive *a, struct archive_entry *entry, size_t max, const char *name,
                       char **out, size_t *out_len);

/* Set the SHA-256 (hex) of the index-th component added (before
 * wb_sbom_finish sorts them). */
int wb_sbom_set_sha256(wb_sbom *sbom, size_t index, const char *hex);

/* Set by catalog_os_release: ID and VERSION_ID of the delivery. */
void wb_sbom_set_distro(wb_sbom *sbom, const char *id, const char *version_id);
/* Count a file read by a cataloger / an entry visited. */
void wb_sbom_count_file(wb_sbom *sbom);
/* false (and a note, once) when the entry bound is reached. */
bool wb_sbom_count_entry(wb_sbom *sbom);

/* --- small text helpers for the catalogers (sbom.c) --- */

/* The next line of data[*pos..len) without its "\n" (and "\r"): *line,
 * *line_len; false at the end. */
bool wb_sbom_next_line(const char *data, size_t len, size_t *pos, const char **line,
                       size_t *line_len);
/* Trim blanks (space, tab, CR) at both ends of s[0..*len). */
const char *wb_sbom_trim(const char *s, size_t *len);
/* A NUL-terminated copy of s[0..len) when it is at most WB_SBOM_MAX_FIELD
 * bytes of UTF-8 without control characters; NULL (message set) otherwise
 * or on allocation failure. */
char *wb_sbom_field(const char *s, size_t len, const char *what);
/* "key: value" header lines ("Name: x"): 1 and key/value when `line` is
 * one, 0 otherwise. Key compared case-insensitively by the caller. */
bool wb_sbom_split_header(const char *line, size_t len, char sep, const char **key, size_t *key_len,
                          const char **value, size_t *value_len);

#endif
