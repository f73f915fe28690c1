/*
 * common.h: macros shared by every public header of libwaybill.
 *
 * WB_EXTERN marks the exported API: the library is built with
 * -fvisibility=hidden, so only what is marked here leaves libwaybill.so.
 * WB_MUST_CHECK marks results that decide trust (verify, compare): ignoring
 * one is a compile-time warning, as libsodium does for its verify functions.
 */
#ifndef WAYBILL_COMMON_H
#define WAYBILL_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define WB_EXTERN                       __attribute__((visibility("default")))
#define WB_MUST_CHECK                   __attribute__((warn_unused_result))
#define WB_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define WB_EXTERN
#define WB_MUST_CHECK
#define WB_PRINTF(fmt_index, first_arg)
#endif

#ifdef __cplusplus
#define WB_BEGIN_DECLS extern "C" {
#define WB_END_DECLS   }
#else
#define WB_BEGIN_DECLS
#define WB_END_DECLS
#endif

#endif
