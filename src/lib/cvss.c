/*
 * cvss.c: the base score and severity of a CVSS vector (review.h).
 *
 * CVSS v3.0 and v3.1 follow FIRST's specification documents, section 7
 * (the base metric equations and their constants, and v3.1's Roundup
 * defined on integers to avoid floating-point surprises); v2 follows the
 * CVSS v2 guide, section 3.2.1. The ratings are the specifications' own
 * (v2's are NVD's: low, medium, high). Every base metric must be present
 * exactly once; temporal and environmental metrics may follow and do not
 * change the base score.
 */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "waybill/review.h"

typedef struct {
    const char *name;
    const char *values; /* one letter each */
    double weights[4];
} metric;

/* CVSS v3: AV AC PR UI S C I A (PR's changed-scope weights are separate) */
static const metric v3_metrics[] = {
    {"AV", "NALP", {0.85, 0.62, 0.55, 0.2}},
    {"AC", "LH", {0.77, 0.44}},
    {"PR", "NLH", {0.85, 0.62, 0.27}},
    {"UI", "NR", {0.85, 0.62}},
    {"S", "UC", {0, 0}},
    {"C", "HLN", {0.56, 0.22, 0}},
    {"I", "HLN", {0.56, 0.22, 0}},
    {"A", "HLN", {0.56, 0.22, 0}},
};

static const metric v2_metrics[] = {
    {"AV", "LAN", {0.395, 0.646, 1.0}}, {"AC", "HML", {0.35, 0.61, 0.71}},
    {"Au", "MSN", {0.45, 0.56, 0.704}}, {"C", "NPC", {0, 0.275, 0.660}},
    {"I", "NPC", {0, 0.275, 0.660}},    {"A", "NPC", {0, 0.275, 0.660}},
};

/* Temporal and environmental metric names, which may follow the base. */
static bool optional_metric(const char *name, size_t len, bool v3)
{
    static const char *const v3_names[] = {"E",   "RL",  "RC",  "CR", "IR", "AR", "MAV",
                                           "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA"};
    static const char *const v2_names[] = {"E", "RL", "RC", "CDP", "TD", "CR", "IR", "AR"};
    const char *const *names = v3 ? v3_names : v2_names;
    size_t i,
        n = v3 ? sizeof(v3_names) / sizeof(v3_names[0]) : sizeof(v2_names) / sizeof(v2_names[0]);
    for (i = 0; i < n; i++)
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
            return true;
    return false;
}

/* Parse "M:V/M:V/..." into idx[] (the value's position in its metric's
 * list), every base metric exactly once. */
static int parse_metrics(int *idx, const metric *metrics, size_t nmetrics, const char *p,
                         const char *vector, bool v3)
{
    size_t i;
    for (i = 0; i < nmetrics; i++)
        idx[i] = -1;
    while (*p) {
        const char *colon = strchr(p, ':'), *end;
        size_t nlen;
        bool known = false;
        if (!colon)
            return wb_error_set(WB_EFORMAT, "CVSS vector \"%s\": \"%s\" is not METRIC:VALUE",
                                vector, p);
        end = strchr(colon, '/');
        if (!end)
            end = colon + strlen(colon);
        nlen = (size_t)(colon - p);
        for (i = 0; i < nmetrics; i++) {
            const char *hit;
            if (strlen(metrics[i].name) != nlen || memcmp(metrics[i].name, p, nlen) != 0)
                continue;
            known = true;
            if (idx[i] >= 0)
                return wb_error_set(WB_EFORMAT, "CVSS vector \"%s\": metric %s given twice", vector,
                                    metrics[i].name);
            if (end - colon != 2 || !(hit = strchr(metrics[i].values, colon[1])) || !colon[1])
                return wb_error_set(WB_EFORMAT, "CVSS vector \"%s\": %s:%.*s is not a value",
                                    vector, metrics[i].name, (int)(end - colon - 1), colon + 1);
            idx[i] = (int)(hit - metrics[i].values);
        }
        if (!known && !optional_metric(p, nlen, v3))
            return wb_error_set(WB_EFORMAT, "CVSS vector \"%s\": unknown metric %.*s", vector,
                                (int)nlen, p);
        p = *end ? end + 1 : end;
    }
    for (i = 0; i < nmetrics; i++)
        if (idx[i] < 0)
            return wb_error_set(WB_EFORMAT, "CVSS vector \"%s\": base metric %s missing", vector,
                                metrics[i].name);
    return 0;
}

/* v3.1 Roundup: the smallest one-decimal number >= x, on integers. */
static double roundup31(double x)
{
    long long i = llround(x * 100000.0);
    if (i % 10000 == 0)
        return (double)i / 100000.0;
    return (double)(i / 10000 + 1) / 10.0;
}

static double roundup30(double x)
{
    return ceil(x * 10.0) / 10.0;
}

static double v3_score(const int *m, bool v31)
{
    bool changed = m[4] == 1;
    double pr = v3_metrics[2].weights[m[2]];
    double iss, impact, exploit, base;
    if (changed && m[2] == 1)
        pr = 0.68;
    else if (changed && m[2] == 2)
        pr = 0.5;
    iss = 1 - (1 - v3_metrics[5].weights[m[5]]) * (1 - v3_metrics[6].weights[m[6]]) *
                  (1 - v3_metrics[7].weights[m[7]]);
    impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss;
    exploit = 8.22 * v3_metrics[0].weights[m[0]] * v3_metrics[1].weights[m[1]] * pr *
              v3_metrics[3].weights[m[3]];
    if (impact <= 0)
        return 0;
    base = changed ? fmin(1.08 * (impact + exploit), 10) : fmin(impact + exploit, 10);
    return v31 ? roundup31(base) : roundup30(base);
}

static double v2_score(const int *m)
{
    double impact =
        10.41 * (1 - (1 - v2_metrics[3].weights[m[3]]) * (1 - v2_metrics[4].weights[m[4]]) *
                         (1 - v2_metrics[5].weights[m[5]]));
    double exploit = 20 * v2_metrics[0].weights[m[0]] * v2_metrics[1].weights[m[1]] *
                     v2_metrics[2].weights[m[2]];
    double base;
    if (impact == 0) /* f(Impact) = 0; and no -0.0 from (x - 1.5) * 0 */
        return 0;
    base = (0.6 * impact + 0.4 * exploit - 1.5) * 1.176;
    return round(base * 10.0) / 10.0;
}

int wb_cvss_severity(wb_severity *out, double *score_out, const char *vector)
{
    int idx[8];
    double score;
    bool v3;
    int rc;

    if (!out || !vector)
        return wb_error_set(WB_EINVAL, "wb_cvss_severity: NULL argument");
    if (strlen(vector) > 256)
        return wb_error_set(WB_EFORMAT, "CVSS vector: longer than 256 bytes");
    if (strncmp(vector, "CVSS:3.1/", 9) == 0 || strncmp(vector, "CVSS:3.0/", 9) == 0) {
        v3 = true;
        if ((rc = parse_metrics(idx, v3_metrics, 8, vector + 9, vector, true)) < 0)
            return rc;
        score = v3_score(idx, vector[7] == '1');
    } else if (strncmp(vector, "CVSS:", 5) == 0) {
        return wb_error_set(WB_EFORMAT,
                            "CVSS vector \"%s\": only versions 2, 3.0 and 3.1 are scored", vector);
    } else {
        v3 = false;
        if (strncmp(vector, "(", 1) == 0)
            return wb_error_set(WB_EFORMAT, "CVSS vector \"%s\": not a vector", vector);
        if ((rc = parse_metrics(idx, v2_metrics, 6, vector, vector, false)) < 0)
            return rc;
        score = v2_score(idx);
    }
    if (score_out)
        *score_out = score;
    if (score == 0)
        *out = WB_SEVERITY_NONE;
    else if (score < 4.0)
        *out = WB_SEVERITY_LOW;
    else if (score < 7.0)
        *out = WB_SEVERITY_MEDIUM;
    else if (score < 9.0 || !v3)
        *out = WB_SEVERITY_HIGH;
    else
        *out = WB_SEVERITY_CRITICAL;
    return 0;
}
