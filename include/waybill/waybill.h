/*
 * waybill.h: the whole public API of libwaybill.
 */
#ifndef WAYBILL_H
#define WAYBILL_H

#include "common.h"
#include "error.h"
#include "digest.h"
#include "json.h"
#include "key.h"
#include "dsse.h"
#include "tree.h"
#include "statement.h"
#include "tlog.h"
#include "note.h"
#include "store.h"
#include "ledger.h"
#include "witness.h"
#include "auth.h"
#include "policy.h"
#include "version.h"
#include "osv.h"
#include "sbom.h"
#include "layout.h"
#include "secrets.h"
#include "malware.h"
#include "content.h"
#include "review.h"
#include "baseline.h"

WB_BEGIN_DECLS

/* The library's version string ("0.1.0"). */
WB_EXTERN const char *wb_version(void);

/* Free memory that libwaybill allocated and handed to the caller. */
WB_EXTERN void wb_free(void *ptr);

WB_END_DECLS

#endif
