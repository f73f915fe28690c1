/*
 * cosigner.h: waybilld publishes its checkpoint only with the cosignatures
 * of a quorum of witnesses (docs/server.md, "Witnessed checkpoints").
 *
 * With `--witnesses FILE`, a thread sends every new checkpoint of the log to
 * each witness named there (C2SP tlog-witness: POST <url>/add-checkpoint
 * with the witness's last size and a consistency proof from it), checks
 * each cosignature it gets back against that witness's key, and once
 * `--witness-quorum` of them have cosigned one checkpoint writes it, with
 * their cosignature lines, to DIR/checkpoint.witnessed, which GET
 * /checkpoint then serves. Until a quorum cosigns a newer one, the last
 * witnessed checkpoint stays what readers see: a split view would need the
 * witnesses to sign it too.
 */
#ifndef WAYBILLD_COSIGNER_H
#define WAYBILLD_COSIGNER_H

#include <stdbool.h>
#include <stddef.h>

/* The file name below the ledger directory. */
#define WBD_WITNESSED_CHECKPOINT "checkpoint.witnessed"

/* Bounds on the witnesses file and on a witness's answers. */
#define WBD_WITNESSES_MAX      32
#define WBD_WITNESSES_FILE_MAX ((size_t)64 << 10)

typedef void (*wbd_log_fn)(const char *fmt, ...);

/* Read the witnesses file (one witness a line: URL VKEY [TOKEN-FILE];
 * '#' starts a comment) and check the quorum (1 to the number of
 * witnesses; 0 means all of them). On failure prints why to stderr and
 * returns -1. */
int wbd_cosigner_load(const char *path, unsigned quorum);

/* Start the thread for the ledger in `dir` (a directory fd, and the store
 * as waybilld was given it). Returns 0, or -1 (printed). */
int wbd_cosigner_start(const char *dir, int dir_fd, const char *store, wbd_log_fn log);

/* A new checkpoint may be there: look now, not at the next tick. */
void wbd_cosigner_kick(void);

/* Stop the thread (after its current round) and free everything. */
void wbd_cosigner_stop(void);

bool wbd_cosigner_enabled(void);

#endif
