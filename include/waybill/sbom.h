/*
 * sbom.h: the component inventory of a delivery (software bill of
 * materials) and its two published encodings, SPDX 2.3 and CycloneDX 1.6
 * JSON.
 *
 * wb_sbom_scan() walks a directory (a delivery, or a whole root file
 * system), reads an archive (tar in its variants, zip) or one file, and
 * hands the files that package managers leave behind to one cataloger per
 * ecosystem (docs/formats/sbom.md lists what is read where):
 *
 *   Debian  var/lib/dpkg/status, var/lib/dpkg/status.d/<file>
 *   npm     package-lock.json / npm-shrinkwrap.json (v1, v2, v3),
 *           node_modules/.package-lock.json, node_modules/<pkg>/package.json
 *   PyPI    <name>.dist-info/METADATA, <name>.egg-info/PKG-INFO or a file
 *           <name>.egg-info
 *   Go      the build information of Go binaries (ELF, Go 1.18 and later)
 *   Maven   META-INF/maven/<group>/<artifact>/pom.properties, in
 *           directories and in .jar/.war/.ear files (and jars in those, one
 *           level), META-INF/MANIFEST.MF of jars without pom.properties
 *   Cargo   Cargo.lock
 *
 * Each component gets its Package URL (purl spec: type-specific
 * normalization, percent-encoding of everything but unreserved characters
 * and ':'); components with the same purl are reported once. The walk
 * never stops at one unreadable or malformed file: it notes it (notes
 * below) and goes on. It prunes excluded directories before descending,
 * never follows symbolic links, and never enters pseudo file systems
 * (proc, sysfs, devpts, cgroup, ...). Everything an attacker controls is
 * bounded (WB_SBOM_MAX_* below).
 *
 * The two writers are deterministic: components in purl order, the SPDX
 * document namespace and the CycloneDX serial number derived from the
 * content digest (wb_sbom_content_digest), the creation time given by the
 * caller.
 */
#ifndef WAYBILL_SBOM_H
#define WAYBILL_SBOM_H

#include <stdbool.h>
#include "common.h"
#include "version.h"

WB_BEGIN_DECLS

/* Bounds (beyond them: a note, and the file or component is left out). */
#define WB_SBOM_MAX_COMPONENTS 1000000             /* components in an inventory */
#define WB_SBOM_MAX_FIELD      4096                /* bytes of a name, version... */
#define WB_SBOM_MAX_TEXT_FILE  ((size_t)64 << 20)  /* a status file, a lock file */
#define WB_SBOM_MAX_SMALL_FILE ((size_t)4 << 20)   /* package.json, METADATA, ... */
#define WB_SBOM_MAX_BINARY     ((size_t)512 << 20) /* a Go binary or a jar read from an archive */
#define WB_SBOM_MAX_DEPTH      256                 /* directory nesting */
#define WB_SBOM_MAX_JAR_DEPTH  1                   /* jars inside jars */
#define WB_SBOM_MAX_ENTRIES    10000000            /* directory or archive entries visited */
#define WB_SBOM_MAX_NOTES      1000                /* notes kept (the rest are counted) */

typedef struct wb_sbom wb_sbom;

/* One component. All strings belong to the inventory; NULL when unknown. */
typedef struct {
    wb_ecosystem ecosystem;     /* WB_ECO_DEBIAN, _NPM, _PYPI, _GO, _MAVEN, _CARGO */
    const char *purl_type;      /* "deb", "npm", "pypi", "golang", "maven", "cargo" */
    const char *group;          /* purl namespace: npm scope ("@babel"), Maven
                                   groupId, Go module path up to its last '/',
                                   Debian vendor ("debian") */
    const char *name;           /* as the package manager writes it */
    const char *version;        /* NULL when none is recorded */
    const char *purl;           /* canonical Package URL */
    const char *arch;           /* Debian: Architecture */
    const char *source_name;    /* Debian: the source package (its own name when
                                   no Source: field) */
    const char *source_version; /* Debian: the source version (the binary's
                                   version when Source: gives none) */
    const char *license;        /* as declared (free text), NULL when none */
    const char *location;       /* where it was found: a path in the delivery,
                                   "a.jar!/META-INF/..." inside jars */
    const char *found_by;       /* the cataloger: "dpkg-status", "npm-lock", ... */
    const char *sha256;         /* lower-case hex, NULL when unknown */
    const char *sha512;         /* lower-case hex, NULL when unknown */
} wb_sbom_component;

typedef struct {
    /* fnmatch(3) patterns (no FNM_PATHNAME) tested against each relative
     * path; a matching directory is not descended into, a matching file is
     * not read. */
    const char *const *excludes;
    size_t nexcludes;
    /* Stay on the file system of `path` (mount points are noted, not
     * entered). Pseudo file systems are never entered either way. */
    bool one_file_system;
} wb_sbom_options;

/* An empty inventory named `name` (the delivery: a file or directory name).
 * Free with wb_sbom_free(). */
WB_EXTERN int wb_sbom_new(wb_sbom **out, const char *name);

/* Inventory `path`: a directory, an archive (.tar, .tar.gz, .tgz, .tar.xz,
 * .tar.zst, .tar.bz2, .zip, or any file libarchive reads as tar, cpio or
 * zip), a jar, or one file (read by the cataloger its name calls for).
 * Files that cannot be read are noted, not fatal. WB_EIO when `path`
 * itself cannot be opened, WB_ENOMEM. `opts` may be NULL. The inventory
 * is finished (sorted, deduplicated). */
WB_EXTERN int wb_sbom_scan(wb_sbom **out, const char *path, const wb_sbom_options *opts);

/* Hand the file content `data` (`len` bytes), found at `path` in the
 * delivery, to the cataloger its name calls for (as the walk does; a Go
 * binary is recognized by content when `executable` is set). 0 when read or
 * not of interest, else the cataloger's error (also noted). For tests,
 * fuzzing and callers with their own walk; call wb_sbom_finish() after. */
WB_EXTERN int wb_sbom_catalog_buffer(wb_sbom *sbom, const char *path, const void *data, size_t len,
                                     bool executable);

/* Add a component: its fields are copied; `purl` is ignored and built when
 * the inventory is finished. WB_EINVAL without purl_type or name,
 * WB_ELIMIT beyond the bounds. */
WB_EXTERN int wb_sbom_add(wb_sbom *sbom, const wb_sbom_component *component);

/* Note something about the walk ("usr/x: permission denied"). */
WB_EXTERN void wb_sbom_note(wb_sbom *sbom, const char *fmt, ...) WB_PRINTF(2, 3);

/* Build the purls (Debian ones with the distro of the delivery's
 * os-release when it has one), sort by purl, drop duplicates. Idempotent. */
WB_EXTERN int wb_sbom_finish(wb_sbom *sbom);

WB_EXTERN void wb_sbom_free(wb_sbom *sbom);

WB_EXTERN const char *wb_sbom_name(const wb_sbom *sbom);
WB_EXTERN size_t wb_sbom_count(const wb_sbom *sbom);
/* The i-th component (borrowed), NULL past the end. */
WB_EXTERN const wb_sbom_component *wb_sbom_get(const wb_sbom *sbom, size_t i);
/* Components of one ecosystem. */
WB_EXTERN size_t wb_sbom_count_ecosystem(const wb_sbom *sbom, wb_ecosystem eco);
/* Files and archive entries read by a cataloger, and entries visited. */
WB_EXTERN uint64_t wb_sbom_files_read(const wb_sbom *sbom);
WB_EXTERN uint64_t wb_sbom_entries_seen(const wb_sbom *sbom);

WB_EXTERN size_t wb_sbom_note_count(const wb_sbom *sbom);
WB_EXTERN const char *wb_sbom_note_at(const wb_sbom *sbom, size_t i);
WB_EXTERN size_t wb_sbom_notes_dropped(const wb_sbom *sbom);

/* The distro of the delivery (from etc/os-release or usr/lib/os-release):
 * "debian-12"; NULL when none was found. */
WB_EXTERN const char *wb_sbom_distro(const wb_sbom *sbom);

/* SHA-256 over the name and the finished component list (one line per
 * component: purl, location, source, checksums): equal inventories have
 * equal digests. */
WB_EXTERN int wb_sbom_content_digest(unsigned char out[32], const wb_sbom *sbom);

/* Build a Package URL. `type` is lowercased; type-specific rules apply
 * (deb, npm, pypi: namespace and name lowercased; pypi: '_' becomes '-').
 * `namespace_` (may be NULL) is split on '/' and each segment encoded;
 * `qualifiers` holds `nqualifiers` key/value pairs (keys lowercased,
 * sorted; empty values left out). Every byte but A-Z a-z 0-9 . - _ ~ and
 * ':' is percent-encoded (upper-case hex). *out is a new string
 * (wb_free()). WB_EINVAL without type or name or with an invalid type. */
WB_EXTERN int wb_purl_build(char **out, const char *type, const char *namespace_, const char *name,
                            const char *version, const char *const *qualifiers, size_t nqualifiers,
                            const char *subpath);

typedef struct {
    int64_t created;  /* creation time, seconds since the epoch (UTC) */
    const char *tool; /* "waybill-0.1.0"; NULL: the library's version */
} wb_sbom_doc_options;

/* The finished inventory as an SPDX 2.3 JSON document: one package for the
 * delivery, DESCRIBED by the document, CONTAINing one package per
 * component (purl as a PACKAGE-MANAGER external reference, checksums when
 * known); documentNamespace derived from the content digest. *out is a
 * NUL-terminated buffer (wb_free()). */
WB_EXTERN int wb_sbom_write_spdx(char **out, size_t *out_len, const wb_sbom *sbom,
                                 const wb_sbom_doc_options *opts);

/* The same as a CycloneDX 1.6 JSON BOM: metadata.component is the
 * delivery, components carry purl, hashes and waybill properties; the
 * serial number is a UUID from the content digest. */
WB_EXTERN int wb_sbom_write_cyclonedx(char **out, size_t *out_len, const wb_sbom *sbom,
                                      const wb_sbom_doc_options *opts);

WB_END_DECLS

#endif
