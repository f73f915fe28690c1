#!/bin/bash
# test_tlog_interop.sh: waybill's ledger against Go's golang.org/x/mod/sumdb
# tlog and note packages (Debian's golang-golang-x-mod-dev, built with
# Debian's golang-go, offline: GO111MODULE=off, GOPATH=/usr/share/gocode,
# GOPROXY=off, a fresh GOCACHE).
#
# Builds a ledger of 300 entries in batches with waybill, collects its
# checkpoints, `waybill log prove --json` and `waybill log consistency --json`
# outputs, and has tests/interop/tlog_interop.go check them: note.Open
# verifies the checkpoints with the verifier key `waybill log init` printed,
# tlog.CheckRecord / tlog.CheckTree verify the proofs (which must also equal
# tlog.ProveRecord / ProveTree over the envelopes), and tampered copies are
# refused. The last case reads the ledger's C2SP tiles through
# tlog.TileHashReader back to the checkpoint root. Needs $WAYBILL (set by
# meson), golang-go and golang-golang-x-mod-dev. Prints TAP.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

GO=${GO:-go}
GOSRC=/usr/share/gocode
GOPROG="$interop_dir/tlog_interop.go"

check_go_prerequisites() {
    local missing=()
    if [ -z "${WAYBILL:-}" ]; then
        missing+=("WAYBILL is not set (meson sets it to the built waybill)")
    elif [ ! -x "$WAYBILL" ]; then
        missing+=("WAYBILL=$WAYBILL is not an executable file")
    fi
    command -v "$GO" >/dev/null 2>&1 || missing+=("go not found (apt-get install golang-go)")
    local p
    for p in tlog note; do
        [ -d "$GOSRC/src/golang.org/x/mod/sumdb/$p" ] ||
            missing+=("$GOSRC/src/golang.org/x/mod/sumdb/$p missing (apt-get install golang-golang-x-mod-dev)")
    done
    [ -f "$GOPROG" ] || missing+=("$GOPROG missing")
    if [ ${#missing[@]} -gt 0 ]; then
        echo "1..1"
        echo "not ok 1 - prerequisites for the Go tlog interop tests"
        for m in "${missing[@]}"; do echo "# $m"; done
        echo "# (configure with -Dinterop=false to leave these tests out)"
        exit 1
    fi
}
check_go_prerequisites

# Batches: the ledger's size after each (so checkpoints of these sizes exist;
# 0 is the one `log init` writes). 8, 256: full subtrees / a full tile;
# 257: one past a tile; 300: the last partial tile.
BATCH_ENDS="1 8 100 255 256 257 300"
TOTAL=300

# The shared fixture, made by the first cases, read by the later ones.
fix() { echo "$tmp_root/fixture"; }
prog() { echo "$tmp_root/tlog_interop"; }

# case go_build: Go builds tlog_interop.go offline against Debian's golang.org/x/mod/sumdb
go_build() {
    local cache
    cache=$(mktemp -d) || return 1
    # a single file in GOPATH mode: no module, no proxy, no network
    (unset GOFLAGS; cd "$interop_dir" && env GO111MODULE=off GOPATH="$GOSRC" GOCACHE="$cache" \
        GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0 "$GO" build -o "$(prog)" "$GOPROG")
    local rc=$?
    rm -rf "$cache"
    [ "$rc" -eq 0 ] && [ -x "$(prog)" ]
}

# case build_ledger: waybill logs 300 envelopes in 7 batches and gives proofs for many sizes
build_ledger() {
    local F i end start batch size
    F=$(fix)
    mkdir -p "$F/env" "$F/cp" "$F/prove" "$F/cons" "$F/work" || return 1
    wb_keygen logkey ed25519 || return 1
    run 0 "$WAYBILL" log init --ledger "$F/ledger" --origin example.com/waybill-interop \
        --key logkey.key || return 1
    head -n 1 out.txt >"$F/vkey"
    cp "$F/ledger/checkpoint" "$F/cp/0" || return 1
    for ((i = 0; i < TOTAL; i++)); do
        printf '{"entry":%d,"note":"interop %d"}\n' "$i" "$((i * 7919 % 1000))" >p.json
        run 0 "$WAYBILL" envelope sign --key logkey.key --payload-type application/x-test \
            --out "$F/env/$i.json" p.json || return 1
    done
    start=0
    for end in $BATCH_ENDS; do
        batch=()
        for ((i = start; i < end; i++)); do batch+=("$F/env/$i.json"); done
        run 0 "$WAYBILL" log add --ledger "$F/ledger" --no-bundle "${batch[@]}" || return 1
        cp "$F/ledger/checkpoint" "$F/cp/$end" || return 1
        start=$end
    done
    # inclusion proofs: several indexes in trees of several sizes
    for size in 1 2 3 7 8 9 100 127 128 129 255 256 257 299 300; do
        for i in 0 1 2 5 7 8 63 64 99 127 128 200 254 255 256 298 299; do
            [ "$i" -lt "$size" ] || continue
            run 0 "$WAYBILL" log prove --ledger "$F/ledger" --index "$i" --size "$size" --json ||
                return 1
            mv out.txt "$F/prove/$i-$size.json"
        done
    done
    # and without --size: the latest tree
    run 0 "$WAYBILL" log prove --ledger "$F/ledger" --index 150 --json || return 1
    mv out.txt "$F/prove/150-latest.json"
    # consistency proofs between several (from, to) pairs
    local pair
    for pair in 1:1 1:2 1:300 2:3 3:5 7:8 8:9 8:100 100:256 128:129 255:256 256:257 \
        257:300 100:300 255:300 299:300 300:300 5:257 64:255; do
        run 0 "$WAYBILL" log consistency --ledger "$F/ledger" --from "${pair%:*}" \
            --to "${pair#*:}" --json || return 1
        mv out.txt "$F/cons/${pair%:*}-${pair#*:}.json"
    done
    run 0 "$WAYBILL" log consistency --ledger "$F/ledger" --from 42 --json || return 1
    mv out.txt "$F/cons/42-latest.json"
    echo "$(find "$F/prove" -type f | wc -l) inclusion and $(find "$F/cons" -type f | wc -l) consistency proofs"
}

# go_check CHECK [ARG]: run the Go checker (built by go_build) on the fixture.
go_check() {
    if [ ! -x "$(prog)" ] || [ ! -s "$(fix)/vkey" ]; then
        echo "the Go checker or the ledger fixture is missing (see the cases above)"
        return 1
    fi
    "$(prog)" "$1" "$(fix)" "${@:2}"
}

# case go_note: Go's note.Open verifies waybill's checkpoints with the verifier key of `log init`, and refuses changed copies
go_note() { go_check note; }

# case go_inclusion: Go's tlog.CheckRecord verifies waybill's inclusion proofs (equal to tlog.ProveRecord's), and refuses changed ones
go_inclusion() { go_check inclusion; }

# case go_consistency: Go's tlog.CheckTree verifies waybill's consistency proofs (equal to tlog.ProveTree's), and refuses changed ones
go_consistency() { go_check consistency; }

# case go_tiles: Go's tlog.TileHashReader reads the ledger's C2SP tiles (tile/<L>/<N>[.p/<W>]) back to the checkpoint root
go_tiles() {
    if [ ! -d "$(fix)/ledger/tile" ]; then
        echo "no tiles written yet: $(fix)/ledger has no tile/ directory"
        ls "$(fix)/ledger"
        return 1
    fi
    go_check tiles "$(fix)/ledger"
}

cases=(
    go_build
    build_ledger
    go_note
    go_inclusion
    go_consistency
    go_tiles
)
run_cases "${cases[@]}"
