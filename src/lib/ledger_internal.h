/*
 * ledger_internal.h: the ledger's state, shared by ledger.c and audit.c
 * (internal to libwaybill).
 */
#ifndef WAYBILL_LEDGER_INTERNAL_H
#define WAYBILL_LEDGER_INTERNAL_H

#include <stdbool.h>

#include "internal.h"
#include "waybill/ledger.h"

struct wb_ledger {
    char *dir;
    char *origin;
    char *verifier_key;
    char *backend;     /* the store's kind, from ledger.json ("sqlite") */
    bool store_in_dir; /* the store is DIR/ledger.db */
    wb_store *store;
    wb_note_signer *signer;
    wb_note_verifier *verifier;
    int lock_fd;
    int dir_fd;           /* the directory, for the tiles */
    uint64_t served_size; /* the size the tiles and checkpoint file show */
};

/* flock() the ledger's lock file: exclusive for writers, shared for
 * readers that need a still tree (audits). */
WB_INTERNAL int wb_ledger_lock(wb_ledger *ledger, bool exclusive);
WB_INTERNAL void wb_ledger_unlock(wb_ledger *ledger);

#endif
