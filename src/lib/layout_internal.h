/*
 * layout_internal.h: what the files of the layout module share (layout.c,
 * layout_rules.c, layout_inspect.c), never exported.
 */
#ifndef WAYBILL_LAYOUT_INTERNAL_H
#define WAYBILL_LAYOUT_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

/* "YYYY-MM-DDTHH:MM:SSZ" (securesystemslib's ISO8601_DATETIME_SCHEMA, a
 * real date) into seconds since the epoch; WB_EFORMAT otherwise, no message. */
int wb_layout_parse_time(int64_t *out, const char *text);

/* Run the inspection `inspection` (its model object) in the current
 * directory: record every regular file under "." as materials, run its
 * command, record again as products. *out receives the inspection's link.
 * WB_EVERIFY when the command cannot be run or exits non-zero. */
int wb_layout_run_inspection(json_t **out, const json_t *inspection, const char *layout_name);

#endif
