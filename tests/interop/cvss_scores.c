/*
 * cvss_scores.c: waybill's CVSS scoring (wb_cvss_severity, cvss.c) as a
 * filter, for tests/interop/test_review_interop.sh to compare with an
 * independent calculator: reads one vector a line on stdin and prints
 * "VECTOR SCORE SEVERITY" (the score with one decimal), or "VECTOR error".
 */
#include <stdio.h>
#include <string.h>

#include "waybill/waybill.h"

int main(void)
{
    char line[512];
    while (fgets(line, sizeof(line), stdin)) {
        wb_severity severity;
        double score;
        line[strcspn(line, "\r\n")] = '\0';
        if (wb_cvss_severity(&severity, &score, line) == 0)
            printf("%s %.1f %s\n", line, score, wb_severity_name(severity));
        else
            printf("%s error\n", line);
    }
    return 0;
}
