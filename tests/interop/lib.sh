# shellcheck shell=bash disable=SC2034  # (variables used by the scripts that source it)
# lib.sh: what the interop test scripts share (sourced, not run).
#
# Each script defines its cases as shell functions, each with a comment line
# "# case NAME: title", and passes their names to run_cases. A case runs in a
# subshell, in its own fresh directory under one temporary directory (removed
# on exit), with `set -u`; it fails when it returns non-zero. Its stdout and stderr are kept and shown as TAP
# diagnostics ("# ...") only when it fails. Output is TAP: "1..N", then
# "ok N - title" or "not ok N - title" per case; the script exits 1 when any
# case failed.
#
# Missing prerequisites (Debian's python3 with python3-cryptography and
# securesystemslib, in-toto-keygen) fail the whole script with a message:
# these tests never skip silently.

PY=/usr/bin/python3
interop_dir=$(cd "$(dirname "$0")" && pwd)
DSSE="$interop_dir/dsse.py"
KEYIDS="$interop_dir/keyids.py"

# Fail with a TAP plan of one when the environment cannot run the cases.
check_prerequisites() {
    local missing=()
    if [ -z "${WAYBILL:-}" ]; then
        missing+=("WAYBILL is not set (meson sets it to the built waybill)")
    elif [ ! -x "$WAYBILL" ]; then
        missing+=("WAYBILL=$WAYBILL is not an executable file")
    fi
    if [ ! -x "$PY" ]; then
        missing+=("$PY not found (apt-get install python3)")
    else
        "$PY" -c 'import cryptography' 2>/dev/null ||
            missing+=("python3-cryptography missing for $PY (apt-get install python3-cryptography)")
        if [ "${NEED_INTOTO:-0}" = 1 ]; then
            "$PY" -c 'import securesystemslib, in_toto' 2>/dev/null ||
                missing+=("securesystemslib/in-toto missing for $PY (apt-get install in-toto)")
        fi
    fi
    if [ "${NEED_INTOTO:-0}" = 1 ] && ! command -v in-toto-keygen >/dev/null 2>&1; then
        missing+=("in-toto-keygen not found (apt-get install in-toto)")
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        echo "1..1"
        echo "not ok 1 - prerequisites for the interop tests"
        for m in "${missing[@]}"; do echo "# $m"; done
        echo "# (configure with -Dinterop=false to leave these tests out)"
        exit 1
    fi
}

# run STATUS COMMAND...: run COMMAND with stdout in out.txt and stderr in
# err.txt; fail, saying why, unless it exits with STATUS.
run() {
    local want=$1 got
    shift
    "$@" >out.txt 2>err.txt
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "command: $*"
        echo "exit status $got, expected $want"
        echo "stdout:" && sed 's/^/  /' out.txt
        echo "stderr:" && sed 's/^/  /' err.txt
        return 1
    fi
    return 0
}

# same WHAT EXPECTED ACTUAL: fail unless the two strings are equal.
same() {
    if [ "$2" != "$3" ]; then
        echo "$1: expected '$2', got '$3'"
        return 1
    fi
    return 0
}

# contains FILE TEXT: fail unless FILE contains TEXT.
contains() {
    if ! grep -qF -- "$2" "$1"; then
        echo "$1 lacks '$2'; it holds:" && sed 's/^/  /' "$1"
        return 1
    fi
    return 0
}

# keyids_in ENVELOPE: the keyid hints of an envelope, one a line.
keyids_in() {
    "$PY" -c 'import json, sys
for s in json.load(open(sys.argv[1]))["signatures"]:
    print(s.get("keyid", ""))' "$1"
}

# json_field FILE FIELD: a top-level string field of a JSON file.
json_field() {
    "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# envpy FILE CODE: edit an envelope in place with Python code on `env`.
envpy() {
    "$PY" - "$1" "$2" <<'EOF'
import base64, json, sys
path, code = sys.argv[1], sys.argv[2]
with open(path) as f:
    env = json.load(f)
def b64d(s):
    s = s.replace("-", "+").replace("_", "/")
    return base64.b64decode(s + "=" * (-len(s) % 4))
exec(code)
with open(path, "w") as f:
    json.dump(env, f)
EOF
}

# flip_payload ENVELOPE: flip one bit in the middle of the decoded payload.
flip_payload() {
    envpy "$1" 'p = bytearray(b64d(env["payload"])); p[len(p) // 2] ^= 1
env["payload"] = base64.b64encode(bytes(p)).decode()'
}

# wb_keygen NAME [TYPE]: waybill key pair NAME.key, NAME.pub; id in NAME.id
wb_keygen() {
    run 0 "$WAYBILL" keygen --type "${2:-ed25519}" --out "$1" || return 1
    cp out.txt "$1.id"
}

# run_cases CASE...: run the case functions in order, as TAP.
run_cases() {
    local n=0 failed=0 name log status title
    tmp_root=$(mktemp -d) || exit 1
    trap 'rm -rf "$tmp_root"' EXIT
    trap 'exit 130' HUP INT PIPE TERM
    echo "1..$#"
    for name in "$@"; do
        n=$((n + 1))
        mkdir "$tmp_root/$n"
        log="$tmp_root/$n.log"
        (cd "$tmp_root/$n" && set -u && "$name") >"$log" 2>&1
        status=$?
        title=$(sed -n "s/^# case $name: //p" "$0")
        if [ "$status" -eq 0 ]; then
            echo "ok $n - ${title:-$name}"
        else
            failed=$((failed + 1))
            echo "not ok $n - ${title:-$name}"
            sed 's/^/# /' "$log"
        fi
    done
    [ "$failed" -eq 0 ] || echo "# $failed of $n cases failed"
    [ "$failed" -eq 0 ]
}
