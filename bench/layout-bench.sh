#!/bin/bash
# make bench: in-toto layout verification, waybill against in-toto 1.3.1.
#
#   bench/layout-bench.sh WAYBILL [RUNS]
#
# Generates, in a temporary directory, a fixed-seed tree of 20,000 small
# files (100 to 4,000 bytes, 100 directories), keys with in-toto-keygen
# (owner signs the layout, one Ed25519 functionary per step), a 5-step
# layout with `waybill layout create` (fetch CREATEs the tree; build, test,
# package and release each MATCH every material and product with the
# previous step's products, then DISALLOW *), and the 5 links once with
# `waybill run --no-command` (each records the whole tree: 20,000 products,
# and 20,000 materials after the first step). Then it times RUNS (default
# 3) rounds, alternating in each round
#   waybill   waybill layout verify root.layout --layout-key owner.pub
#   in-toto   in-toto-verify -l root.layout -k owner.pub -t ed25519
# on the same layout and links, checks that both pass, and reports the
# medians and the ratio (target: waybill at least 30x faster), with the load
# average before and after the timed rounds (figures taken on a busy
# machine say so).
set -euo pipefail
waybill=$(readlink -f "$1")
runs=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for tool in in-toto-verify in-toto-keygen bc; do
    command -v "$tool" >/dev/null ||
        { echo "layout-bench: needs $tool (apt-get install in-toto bc)" >&2; exit 1; }
done
cd "$work"

/usr/bin/python3 - tree 20000 <<'PYEOF'
import os, random, sys
root, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(20261203)
for i in range(count):
    d = os.path.join(root, "d%02d" % (i % 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.dat" % i), "wb") as f:
        f.write(rng.randbytes(rng.randint(100, 4000)))
PYEOF

steps=(fetch build test package release)
for name in owner "${steps[@]}"; do
    in-toto-keygen -t ed25519 "$name" </dev/null >/dev/null
done
{
    printf '{"expires": "365d", "readme": "layout-bench: 5 steps over 20,000 files",\n "steps": [\n'
    printf '  {"name": "fetch", "functionaries": ["fetch.pub"],\n'
    printf '   "expected_products": ["CREATE *", "DISALLOW *"]}'
    prev=fetch
    for name in "${steps[@]:1}"; do
        printf ',\n  {"name": "%s", "functionaries": ["%s.pub"],\n' "$name" "$name"
        printf '   "expected_materials": ["MATCH * WITH PRODUCTS FROM %s", "DISALLOW *"],\n' "$prev"
        printf '   "expected_products": ["MATCH * WITH PRODUCTS FROM %s", "DISALLOW *"]}' "$prev"
        prev=$name
    done
    printf ']}\n'
} >desc.json
"$waybill" layout create desc.json --key owner --out root.layout >/dev/null
mkdir links
"$waybill" run --step fetch --key fetch --products tree --out-dir links --no-command >/dev/null
for name in "${steps[@]:1}"; do
    "$waybill" run --step "$name" --key "$name" --materials tree --products tree \
        --out-dir links --no-command >/dev/null
done

now() { date +%s.%N; }
time_cmd() { # name command...: append elapsed seconds to $work/name.times; must pass
    local name=$1 start end
    shift
    start=$(now)
    "$@" >"$work/$name.out" 2>&1 || { echo "$name failed:" >&2; tail "$work/$name.out" >&2; exit 1; }
    end=$(now)
    echo "$end - $start" | bc -l >>"$work/$name.times"
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((i = 1; i <= runs; i++)); do
    time_cmd waybill "$waybill" layout verify root.layout --layout-key owner.pub --link-dir links
    time_cmd in-toto in-toto-verify -l root.layout -k owner.pub -t ed25519 --link-dir links
done

median() { sort -g "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
wb_s=$(median "$work/waybill.times")
it_s=$(median "$work/in-toto.times")
printf 'layout: 5 steps, %s files per link, links %s bytes; %s cores; %s runs each, medians\n' \
    "$(find tree -type f | wc -l)" "$(du -cb links/*.link | tail -1 | cut -f1)" "$(nproc)" "$runs"
printf '%-15s %8.3f s  (runs: %s)\n' "waybill" "$wb_s" "$(tr '\n' ' ' <"$work/waybill.times")"
printf '%-15s %8.3f s  (runs: %s)\n' "in-toto-verify" "$it_s" "$(tr '\n' ' ' <"$work/in-toto.times")"
printf 'waybill vs in-toto-verify: %.1fx faster (target >= 30)\n' "$(echo "$it_s / $wb_s" | bc -l)"
printf 'load average (1, 5, 15 min): %s before, %s after\n' "$load_before" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
