/*
 * review.h: what every detector of the redline review shares.
 *
 * The review (`waybill review`, docs/formats/review.md) runs several
 * detectors over a delivery: the inventory and its vulnerabilities (OSV),
 * secrets, malware indicators and the baseline. Each reports findings in
 * its own terms; they meet here on one severity scale, which is the scale
 * of a redline policy ("any critical vulnerability", "any secret") and
 * maps onto SARIF's levels: critical and high are "error", medium is
 * "warning", low and none are "note".
 */
#ifndef WAYBILL_REVIEW_H
#define WAYBILL_REVIEW_H

#include "common.h"

WB_BEGIN_DECLS

typedef enum {
    WB_SEVERITY_NONE = 0, /* informational */
    WB_SEVERITY_LOW = 1,
    WB_SEVERITY_MEDIUM = 2,
    WB_SEVERITY_HIGH = 3,
    WB_SEVERITY_CRITICAL = 4,
} wb_severity;

/* "none", "low", "medium", "high", "critical". */
WB_EXTERN const char *wb_severity_name(wb_severity severity);

/* Parse one of those names (ASCII case-insensitive) into *out; WB_EFORMAT
   for anything else. */
WB_EXTERN int wb_severity_parse(wb_severity *out, const char *name);

WB_END_DECLS

#endif
