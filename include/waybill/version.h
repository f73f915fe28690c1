/*
 * version.h: version ordering per package ecosystem, as OSV ranges need it.
 *
 * Each ecosystem orders versions its own way, and a vulnerability match is
 * only as good as the comparison under it: "1.0~rc1" is before "1.0" for
 * dpkg, "1.0.0-rc.1" before "1.0.0" for npm, "1.0.dev1" before "1.0a1" for
 * PEP 440. wb_version_compare() implements each ordering from its
 * specification (docs/formats/osv.md names them and their corner cases):
 *
 *   WB_ECO_DEBIAN  dpkg: Debian Policy 5.6.12, deb-version(7)
 *   WB_ECO_NPM     node-semver: SemVer 2.0.0 precedence, optional leading "v"
 *   WB_ECO_PYPI    PEP 440, with its normalizations (case, separators,
 *                  spellings such as "alpha", "rev", implicit numbers)
 *   WB_ECO_MAVEN   the Version Order Specification of maven.apache.org/pom.html
 *   WB_ECO_GO      golang.org/x/mod/semver ("v" optional, as OSV omits it)
 *   WB_ECO_CARGO   the semver crate's syntax, SemVer 2.0.0 precedence
 *   WB_ECO_SEMVER  SemVer 2.0.0 itself (OSV ranges of type SEMVER)
 *
 * Comparing does not allocate. Versions longer than WB_VERSION_MAX_LEN
 * bytes are refused (WB_ELIMIT), so are versions that the ecosystem
 * defines as invalid (WB_EFORMAT): a range cannot be evaluated against a
 * version it cannot order.
 */
#ifndef WAYBILL_VERSION_H
#define WAYBILL_VERSION_H

#include "common.h"

WB_BEGIN_DECLS

/* Longest version string accepted, in bytes (npm: 256, see below). */
#define WB_VERSION_MAX_LEN 1024

typedef enum {
    WB_ECO_UNKNOWN = 0,
    WB_ECO_DEBIAN,
    WB_ECO_NPM,
    WB_ECO_PYPI,
    WB_ECO_MAVEN,
    WB_ECO_GO,
    WB_ECO_CARGO,
    WB_ECO_SEMVER,
} wb_ecosystem;

/* The ecosystem of an OSV `affected[].package.ecosystem` name: "Debian"
 * and "Debian:<release>", "npm", "PyPI", "Maven", "Go", "crates.io"
 * (case as OSV writes them). WB_ENOTFOUND (and *out = WB_ECO_UNKNOWN) for
 * other names, WB_EINVAL for NULL arguments. */
WB_EXTERN int wb_ecosystem_from_osv(wb_ecosystem *out, const char *name);

/* The ecosystem of a Package URL type: deb, npm, pypi, maven, golang,
 * cargo (lower case, as the purl spec writes them). WB_ENOTFOUND for
 * others. */
WB_EXTERN int wb_ecosystem_from_purl_type(wb_ecosystem *out, const char *type);

/* The OSV name of an ecosystem ("Debian", "npm", "PyPI", "Maven", "Go",
 * "crates.io"; "SemVer" for WB_ECO_SEMVER; "unknown" otherwise). Static. */
WB_EXTERN const char *wb_ecosystem_name(wb_ecosystem eco);

/* Compare versions `a` and `b` under the ordering of `eco`: *out is -1
 * when a precedes b, 0 when they are equal in that ordering ("1.0" and
 * "1.0.0" are equal in PEP 440 and Maven, "1.0.0+a" and "1.0.0+b" in
 * SemVer), 1 when a follows b. WB_EFORMAT when either is not a valid
 * version of the ecosystem (the message says which and why), WB_ELIMIT
 * beyond WB_VERSION_MAX_LEN, WB_EINVAL for NULL arguments or an unknown
 * ecosystem. *out is set only on success. */
WB_EXTERN int wb_version_compare(wb_ecosystem eco, const char *a, const char *b,
                                 int *out) WB_MUST_CHECK;

/* 0 when `version` is valid in `eco`, else the error wb_version_compare()
 * would give for it. */
WB_EXTERN int wb_version_check(wb_ecosystem eco, const char *version);

WB_END_DECLS

#endif
