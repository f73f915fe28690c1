/*
 * policy.h: which keys may sign which statements for a ledger to accept
 * them (waybilld --policy; docs/formats/policy.md).
 */
#ifndef WAYBILL_POLICY_H
#define WAYBILL_POLICY_H

#include "common.h"
#include "dsse.h"

WB_BEGIN_DECLS

#define WB_POLICY_MAX_SIZE ((size_t)4 << 20)

typedef struct wb_policy wb_policy;

/* Load a policy file strictly (WB_EFORMAT names what is wrong). Key files
 * it names are read relative to the policy file's directory. */
WB_EXTERN int wb_policy_load(wb_policy **out, const char *path);

/* The same from `len` bytes of policy text; key files are read relative to
 * `dir`, and `name` is used in messages (the fuzz target and tests). */
WB_EXTERN int wb_policy_parse(wb_policy **out, const char *text, size_t len, const char *dir,
                              const char *name);

/* 0 when `env` is an in-toto statement whose predicate type the policy
 * names, signed by at least the threshold of distinct keys the policy
 * accepts for that predicate type. WB_EVERIFY otherwise, with a message
 * that says what (unknown predicate type, which keys signed, how many were
 * needed); another code when the check could not run. *who_out (may be
 * NULL; wb_free()) gets the key ids that verified, comma-separated. */
WB_EXTERN WB_MUST_CHECK int wb_policy_check(char **who_out, const wb_policy *policy,
                                            const wb_envelope *env);

WB_EXTERN void wb_policy_free(wb_policy *policy);

WB_END_DECLS

#endif
