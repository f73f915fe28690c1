/*
 * tiles.h: the ledger's read side as static files, per C2SP tlog-tiles
 * (internal to libwaybill; docs/formats/ledger.md).
 *
 *   tile/<L>/<N>[.p/<W>]       Merkle tiles: 256 hashes of tree level 8*L
 *   tile/entries/<N>[.p/<W>]   entry bundles: the log entries of tile 0/N,
 *                              each as a big-endian uint16 length and bytes
 *
 * <N> is written in 3-digit groups, all but the last prefixed with "x"
 * (1234067 is x001/x234/067); .p/<W> marks a partial tile of W < 256 hashes.
 */
#ifndef WAYBILL_TILES_H
#define WAYBILL_TILES_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"
#include "waybill/store.h"

/* Hashes in a full tile, and its tree height. */
#define WB_TILE_WIDTH  256
#define WB_TILE_HEIGHT 8
/* Tile levels there can be: a tree of at most 2^62 leaves has hashes at
 * heights 0, 8, ..., 56. */
#define WB_TILE_LEVELS 8
/* The level number of entry bundles in these functions. */
#define WB_TILE_ENTRIES (-1)
/* A log entry in an entry bundle: 2 bytes of length, 32 of SHA-256. */
#define WB_TILE_ENTRY_SIZE (2 + WB_TLOG_HASH_LEN)
/* Longest tile path: "tile/entries/" + 7 groups of "x000/" + "000.p/255". */
#define WB_TILE_PATH_MAX 64

/* The path of tile `n` at `level` (WB_TILE_ENTRIES: the entry bundle) of
 * `width` hashes (WB_TILE_WIDTH: a full tile, no .p/ suffix), relative to
 * the ledger directory. WB_EINVAL for a width of 0 or over 256, a level
 * over 7. */
WB_INTERNAL int wb_tile_path(char out[WB_TILE_PATH_MAX], int level, uint64_t n, unsigned width);

/* The number of hashes of tree level 8*level in a tree of `size` leaves
 * (for entry bundles and level 0: size itself). */
WB_INTERNAL uint64_t wb_tile_level_count(int level, uint64_t size);

/* The bytes of tile `n` at `level` of `width` hashes, read from the store
 * (a tile: width * 32 bytes; an entry bundle: width * 34). `out` holds at
 * least WB_TILE_WIDTH * WB_TILE_ENTRY_SIZE bytes. */
WB_INTERNAL int wb_tile_read(unsigned char *out, size_t *out_len, wb_store *store, int level,
                             uint64_t n, unsigned width);

/* Write every tile and entry bundle that changes when the tree grows from
 * `old_size` to `new_size` leaves (old_size 0: all of them) into the ledger
 * directory `dirfd`, each to a temporary file renamed into place, then
 * syncfs() once: when this returns 0 they are durable. */
WB_INTERNAL int wb_tiles_write(int dirfd, const char *dir, wb_store *store, uint64_t old_size,
                               uint64_t new_size);

/* Remove the partial tiles (the .p/ directories) of the tiles that became
 * full between `old_size` and `new_size` (tlog-tiles lets a log delete them
 * once the full tile is there). Best effort: a failure leaves files that
 * audits still check. */
WB_INTERNAL void wb_tiles_prune(int dirfd, uint64_t old_size, uint64_t new_size);

/* Open (creating it with `create`) the directory holding `path`'s last
 * component, relative to `dirfd`, one component at a time without
 * following symlinks; `dir` names dirfd in messages. Returns the
 * descriptor (dirfd itself when `path` has no directory part: do not close
 * it then) and points *base at the last component; a negative WB_E* code
 * otherwise (WB_ENOTFOUND when a directory is missing). */
WB_INTERNAL int wb_tiles_open_parent(int dirfd, const char *dir, const char *path, bool create,
                                     const char **base);

/* Read the tile file `path` (relative to the ledger directory `dirfd`) into
 * `buf` (cap + 1 bytes): WB_ENOTFOUND when absent, WB_ELIMIT when longer
 * than `cap`; symlinks are refused. */
WB_INTERNAL int wb_tile_file_read(int dirfd, const char *path, unsigned char *buf, size_t cap,
                                  size_t *len);

/* Parse a path relative to the ledger directory as a tile path; false when
 * it is not one, or not in the canonical spelling wb_tile_path() writes. */
WB_INTERNAL bool wb_tile_path_parse(const char *path, int *level, uint64_t *n, unsigned *width);

#endif
