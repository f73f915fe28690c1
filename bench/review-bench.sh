#!/bin/bash
# make bench: the review's content pass against the tools people use today,
# on the same warm tree.
#
#   bench/review-bench.sh CONTENT_BENCH [WAYBILL] [RUNS]
#
# Builds (once) a fixed-seed delivery of 20,000 files, about 1 GiB, under
# bench/data/review-tree (bench/make-review-tree.py: a third text, two
# thirds binary, planted secrets and one EICAR file), warms the page cache,
# then times RUNS (default 5) rounds, alternating in each round:
#   content  content_bench: wb_content_scan() with the default secret rules
#            and bench/rules/*.yar: walk, SHA-256 of every file, secrets,
#            YARA, one read per file (the library pass `waybill review` uses)
#   review   waybill review TREE --yara RULES, when WAYBILL is given and its
#            review takes --yara (the whole command: it adds the inventory)
#   yara     yara -r -p CORES RULES TREE: the same YARA rules alone (yara's
#            own default is 32 threads; -p gives it one per core, as we use)
#   grep     grep -rIPc PATTERN TREE: the secret rules' expressions as one
#            PCRE alternation (bench/secrets-grep-pattern.py), binary files
#            skipped (-I) as the secret scan skips them, every line of every
#            text file searched (-c). Not the same work: grep has no keyword
#            pass, matches line by line (the multi-line PEM rule cannot
#            match), and neither hashes nor runs YARA; it is the cost of the
#            secret rules' expressions run the plain way.
# and reports medians, MB/s (10^6 bytes a second), the ratios the issue
# sets as targets (>= 300 MB/s; no slower than yara alone), the load
# average at each round, and checks that the planted findings were found.
set -euo pipefail
content_bench=$(readlink -f "$1")
waybill=${2:-}
runs=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
data=$here/data/review-tree
rules=("$here"/rules/*.yar)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v yara >/dev/null || { echo "review-bench: needs yara (package yara)" >&2; exit 1; }
mkdir -p "$here/data"
/usr/bin/python3 "$here/make-review-tree.py" "$data" 20000 $((1 << 30))
pattern=$(/usr/bin/python3 "$here/secrets-grep-pattern.py" "$here/../rules/secrets.toml")
cores=$(nproc)
with_review=false
if [ -n "$waybill" ] && "$waybill" review --help 2>&1 | grep -q -- '--yara'; then
    with_review=true
fi

# warm the page cache: the target is scanning speed, not disk speed
find "$data" -type f -print0 | xargs -0 cat >/dev/null

now() { date +%s.%N; }
time_cmd() { # name command...: append elapsed seconds to $work/name
    local name=$1 start end
    shift
    start=$(now)
    # grep: 1 = no match; review: 1 = the planted findings cross the redline
    "$@" >"$work/$name.out" 2>"$work/$name.err" || [ $? -eq 1 ] ||
        { echo "review-bench: $name failed: $(tail -1 "$work/$name.err")" >&2; exit 1; }
    end=$(now)
    echo "$end - $start" | bc -l >>"$work/$name"
}
yara_args=()
for r in "${rules[@]}"; do yara_args+=(--yara "$r"); done
content() { "$content_bench" "${yara_args[@]}" --list "$data"; }
review() { "$waybill" review "$data" "${yara_args[@]}" --json; }
yara_alone() { yara -r -p "$cores" "${rules[@]}" "$data"; }
grep_rules() { grep -rIPc -- "$pattern" "$data"; }

for ((i = 1; i <= runs; i++)); do
    uptime | sed 's/.*load average: /load /' >>"$work/load"
    time_cmd content content
    if $with_review; then time_cmd review review; fi
    time_cmd yara yara_alone
    time_cmd grep grep_rules
done

median() { sort -g "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
bytes=$(find "$data" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
mbps() { echo "$bytes / $1 / 1000000" | bc -l; }
content_s=$(median "$work/content")
yara_s=$(median "$work/yara")
grep_s=$(median "$work/grep")

printf 'tree: %s files, %s bytes; %s cores; %s runs each, medians\n' \
    "$(find "$data" -type f | wc -l)" "$bytes" "$cores" "$runs"
printf 'load at each round: %s\n' "$(paste -sd';' "$work/load")"
printf '%-8s %8.3f s  %7.0f MB/s   (%s)\n' content "$content_s" "$(mbps "$content_s")" \
    "$(head -1 "$work/content.out")"
if $with_review; then
    review_s=$(median "$work/review")
    printf '%-8s %8.3f s  %7.0f MB/s\n' review "$review_s" "$(mbps "$review_s")"
fi
printf '%-8s %8.3f s  %7.0f MB/s\n' "yara" "$yara_s" "$(mbps "$yara_s")"
printf '%-8s %8.3f s  %7.0f MB/s\n' "grep -P" "$grep_s" "$(mbps "$grep_s")"
printf 'content: %.0f MB/s (target >= 300)\n' "$(mbps "$content_s")"
printf 'content vs yara alone: %.2fx its speed (target >= 1)\n' "$(echo "$yara_s / $content_s" | bc -l)"
printf 'content vs grep -P: %.2fx its speed\n' "$(echo "$grep_s / $content_s" | bc -l)"
if $with_review; then
    printf 'review vs yara alone: %.2fx its speed\n' "$(echo "$yara_s / $review_s" | bc -l)"
fi

# the planted findings, all of them (content_bench --list prints
# "secret RULE PATH:LINE" and "malware KIND RULE PATH")
missing=0
while IFS=$'\t' read -r what rel; do
    kind=${what%% *} rule=${what#* }
    case $kind in
    secret) line="^secret $rule $rel:" ;;
    yara) line="^malware 1 $rule $rel\$" ;;
    esac
    if ! grep -q "$line" "$work/content.out"; then
        echo "content: missed $what in $rel" >&2
        missing=1
    fi
done <"$data.expected"
grep -q "EICAR" "$work/yara.out" || { echo "yara: missed EICAR" >&2; missing=1; }
exit $missing
