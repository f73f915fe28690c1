#!/bin/bash
# make bench: seal against the tools people use today, on the same warm tree.
#
#   bench/run.sh WAYBILL [RUNS]
#
# Builds (once) a fixed-seed tree of 20,000 files, about 1 GiB, under
# bench/data/, warms the page cache, then times RUNS (default 5) rounds,
# alternating the three commands in each round:
#   seal      waybill seal (parallel hashing, one thread per core)
#   sha256sum find -type f -print0 | xargs -0 sha256sum      (coreutils)
#   openssl   find -type f -print0 | xargs -0 openssl dgst -sha256
#             (OpenSSL's SHA-NI code on one core: the per-core hashing limit)
# and reports medians, the ratios the issue sets as targets, and seal's peak
# RSS from /usr/bin/time -v.
set -euo pipefail
waybill=$(readlink -f "$1")
runs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
data=$here/data/tree
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v /usr/bin/time >/dev/null || { echo "bench: needs /usr/bin/time (package time)" >&2; exit 1; }
mkdir -p "$data"
/usr/bin/python3 "$here/make-tree.py" "$data" 20000 $((1 << 30))
"$waybill" keygen --out "$work/bench" >/dev/null 2>&1

# warm the page cache: the target is hashing speed, not disk speed
find "$data" -type f -print0 | xargs -0 cat >/dev/null

now() { date +%s.%N; }
time_cmd() { # name command...: append elapsed seconds to $work/name
    local name=$1 start end
    shift
    start=$(now)
    "$@" >/dev/null 2>&1
    end=$(now)
    echo "$end - $start" | bc -l >>"$work/$name"
}
seal() { "$waybill" seal "$data" --key "$work/bench.key" --out "$work/w.json" --quiet; }
sums() { cd "$data" && find . -type f -print0 | xargs -0 sha256sum; }
ossl() { cd "$data" && find . -type f -print0 | xargs -0 openssl dgst -sha256; }

for ((i = 1; i <= runs; i++)); do
    time_cmd seal seal
    rm -f "$work/w.json"
    time_cmd sha256sum sums
    time_cmd openssl ossl
done
/usr/bin/time -v "$waybill" seal "$data" --key "$work/bench.key" --out "$work/w.json" --quiet \
    2>"$work/time-v" >/dev/null
rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time-v")

median() { sort -g "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
seal_s=$(median "$work/seal")
sums_s=$(median "$work/sha256sum")
ossl_s=$(median "$work/openssl")
cores=$(nproc)
bytes=$(du -sb "$data" | cut -f1)

printf 'tree: %s files, %s bytes; %s cores; %s runs each, medians\n' \
    "$(find "$data" -type f | wc -l)" "$bytes" "$cores" "$runs"
printf '%-10s %8.3f s  %7.0f MiB/s\n' seal "$seal_s" "$(echo "$bytes / $seal_s / 1048576" | bc -l)"
printf '%-10s %8.3f s  %7.0f MiB/s\n' sha256sum "$sums_s" "$(echo "$bytes / $sums_s / 1048576" | bc -l)"
printf '%-10s %8.3f s  %7.0f MiB/s\n' openssl "$ossl_s" "$(echo "$bytes / $ossl_s / 1048576" | bc -l)"
printf 'seal vs sha256sum: %.2fx faster (target >= 4)\n' "$(echo "$sums_s / $seal_s" | bc -l)"
printf 'seal vs openssl/%s cores: %.2f (target <= 1.25)\n' "$cores" \
    "$(echo "$seal_s / ($ossl_s / $cores)" | bc -l)"
printf 'seal peak RSS: %.1f MiB (target < 64)\n' "$(echo "$rss_kb / 1024" | bc -l)"
