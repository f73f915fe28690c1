/*
 * review.c: the severity scale shared by the review's detectors (review.h).
 */
#include <strings.h>

#include "internal.h"
#include "waybill/review.h"

static const char *const severity_names[] = {"none", "low", "medium", "high", "critical"};

const char *wb_severity_name(wb_severity severity)
{
    if ((unsigned)severity >= sizeof(severity_names) / sizeof(severity_names[0]))
        return "none";
    return severity_names[severity];
}

int wb_severity_parse(wb_severity *out, const char *name)
{
    size_t i;
    if (!out || !name)
        return wb_error_set(WB_EINVAL, "wb_severity_parse: NULL argument");
    for (i = 0; i < sizeof(severity_names) / sizeof(severity_names[0]); i++)
        if (strcasecmp(name, severity_names[i]) == 0) {
            *out = (wb_severity)i;
            return 0;
        }
    return wb_error_set(WB_EFORMAT, "severity \"%s\": not one of none, low, medium, high, critical",
                        name);
}
