#!/bin/bash
# Ledger benchmark (issue 4): durable appends/s of 1 KiB entries at batch
# sizes 1, 64 and 1024, and microseconds per inclusion proof at 2^20 entries.
#
#   bench/ledger-bench.sh LEDGER_BENCH [ENTRIES] [PROOFS]
#
# LEDGER_BENCH is the built bench/ledger_bench (build/bench/ledger_bench).
# The ledgers are made in a temporary directory under $TMPDIR (default
# /tmp): point TMPDIR at the disk you want measured. Prints the figures and
# a table against the issue's targets.
set -euo pipefail
bench=$(readlink -f "${1:?usage: ledger-bench.sh LEDGER_BENCH [ENTRIES] [PROOFS]}")
entries=${2:-1048576}
proofs=${3:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "ledger bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(df -hT "$work" | awk 'NR==2 {print $2 " on " $7}')"
"$bench" "$work" "$entries" "$proofs" | tee "$work/out"
get() { awk -v k="$1" '$1 == k {print $2}' "$work/out"; }
b1=$(get append_batch_1) b64=$(get append_batch_64) b1024=$(get append_batch_1024)
med=$(get prove_inclusion_median)
echo
printf '| %-28s | %12s | %-18s | %s |\n' figure value target met
printf '|%s|%s|%s|%s|\n' ------------------------------ -------------- -------------------- -----
printf '| %-28s | %12s | %-18s | %s |\n' "appends/s, batch 1" "$b1" "-" "-"
printf '| %-28s | %12s | %-18s | %s |\n' "appends/s, batch 64" "$b64" "-" "-"
printf '| %-28s | %12s | %-18s | %s |\n' "appends/s, batch 1024" "$b1024" ">= 20000" \
    "$(awk -v v="$b1024" 'BEGIN {print (v >= 20000) ? "yes" : "no"}')"
printf '| %-28s | %12s | %-18s | %s |\n' "inclusion proof, median us" "$med" "<= 50" \
    "$(awk -v v="$med" 'BEGIN {print (v <= 50) ? "yes" : "no"}')"

# The peer, when Go and Debian's golang-golang-x-mod-dev are there: Go's
# sumdb/tlog ProveRecord over an in-memory HashReader of the same size (no
# storage at all: a floor for the proof arithmetic, not a like-for-like
# comparison with proofs read from SQLite).
if command -v go >/dev/null && [ -d /usr/share/gocode/src/golang.org/x/mod/sumdb/tlog ]; then
    mkdir -p "$work/peer"
    cat >"$work/peer/main.go" <<'GO'
package main

import (
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

func main() {
	n, _ := strconv.ParseInt(os.Args[1], 10, 64)
	proofs, _ := strconv.Atoi(os.Args[2])
	var hashes []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	entry := make([]byte, 1024)
	for i := int64(0); i < n; i++ {
		entry[0], entry[1], entry[2], entry[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
		h, err := tlog.StoredHashes(i, entry, r)
		if err != nil {
			panic(err)
		}
		hashes = append(hashes, h...)
	}
	lat := make([]float64, proofs)
	rng := rand.New(rand.NewSource(12345))
	for i := range lat {
		idx := rng.Int63n(n)
		t0 := time.Now()
		if _, err := tlog.ProveRecord(n, idx, r); err != nil {
			panic(err)
		}
		lat[i] = float64(time.Since(t0).Nanoseconds()) / 1e3
	}
	sort.Float64s(lat)
	fmt.Printf("go_prove_record_median %.2f us (%d proofs at %d entries, in memory)\n", lat[proofs/2], proofs, n)
}
GO
    if (cd "$work/peer" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/gocache" \
        go build -o peer main.go) 2>"$work/peer.err"; then
        echo
        "$work/peer/peer" "$entries" "$proofs"
    else
        echo "peer: could not build Go's sumdb/tlog peer: $(head -1 "$work/peer.err")"
    fi
else
    echo "peer: Go or golang-golang-x-mod-dev missing; no peer figure"
fi
