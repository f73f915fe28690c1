#!/bin/bash
# End-to-end cases, as a user runs the command: each tests/e2e/cases/*.case
# file is one scenario, written as data (curl's tests/data/ model):
#
#   title="what the case shows"
#   setup() { shell that prepares files in the case's fresh directory; }
#   cmd=(waybill arguments ...)       # the command under test
#   exit=N                            # expected exit status
#   stdout=(substrings ...)           # each must appear in stdout
#   stderr=(substrings ...)           # each must appear in stderr
#   not_stderr=(substrings ...)       # none may appear in stderr
#   check() { extra assertions; return non-zero to fail; }
#
# Each case runs in its own temporary directory. Helpers below are available
# to setup() and check(). Prints TAP; exits non-zero when a case failed.
set -u
: "${WAYBILL:?set WAYBILL to the built waybill command}"
here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3

waybill() { "$WAYBILL" "$@"; }

# keygen NAME [TYPE]: NAME.key, NAME.pub and NAME.id (the key id)
keygen() { "$WAYBILL" keygen --type "${2:-ed25519}" --out "$1" >"$1.id" 2>/dev/null; }

# sign ENVELOPE PAYLOADFILE KEY...: an in-toto typed envelope
sign() {
    local env=$1 file=$2
    shift 2
    local args=()
    for k in "$@"; do args+=(--key "$k"); done
    "$WAYBILL" envelope sign "${args[@]}" --payload-type application/vnd.in-toto+json \
        --out "$env" "$file" >/dev/null 2>&1
}

# jq-free JSON surgery with Debian's python: envpy FILE 'python code on env'
envpy() {
    "$PY" - "$1" "$2" <<'PYEOF'
import base64, json, sys
path, code = sys.argv[1], sys.argv[2]
env = json.load(open(path))
exec(code)
json.dump(env, open(path, "w"))
PYEOF
}

# flip one bit of the decoded payload
flip_payload() {
    envpy "$1" 'p = bytearray(base64.b64decode(env["payload"])); p[len(p)//2] ^= 1; env["payload"] = base64.b64encode(bytes(p)).decode()'
}

# stpy WAYBILL 'python code': run code with `st` the decoded statement of the
# waybill (and `pred` its predicate, `subjects` {name: sha256}); fails when
# the code raises (use assert)
stpy() {
    "$PY" - "$1" "$2" <<'PYEOF'
import base64, json, sys
path, code = sys.argv[1], sys.argv[2]
st = json.loads(base64.b64decode(json.load(open(path))["payload"]))
pred = st["predicate"]
subjects = {s["name"]: s["digest"]["sha256"] for s in st["subject"]}
exec(code)
PYEOF
}

# sample_tree DIR: a small delivery: files at several depths, an executable,
# a symbolic link, an empty directory; modes set whatever the umask
sample_tree() {
    mkdir -p "$1/bin" "$1/lib/x" "$1/var/spool"
    printf 'read me\n' >"$1/README.txt"
    printf '#!/bin/sh\necho tool\n' >"$1/bin/tool"
    printf 'data 1\n' >"$1/lib/data.txt"
    head -c 70000 /dev/zero | tr '\0' 'z' >"$1/lib/x/big.bin"
    ln -s tool "$1/bin/run"
    find "$1" -type d -exec chmod 755 {} +
    find "$1" -type f -exec chmod 644 {} +
    chmod 755 "$1/bin/tool"
}

# pytar ARCHIVE 'python code': build a hostile tar with tarfile; the code
# calls add(name, kind, arg) with kind file (arg: bytes), symlink or hardlink
# (arg: the link target), chr, blk, fifo, dir
pytar() {
    "$PY" - "$1" "$2" <<'PYEOF'
import io, sys, tarfile
path, code = sys.argv[1], sys.argv[2]
with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as t:
    def add(name, kind="file", arg=b""):
        ti = tarfile.TarInfo(name)
        ti.mode = 0o755 if kind == "dir" else 0o644
        if kind == "file":
            ti.size = len(arg)
            t.addfile(ti, io.BytesIO(arg))
            return
        ti.type = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
                   "chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE,
                   "fifo": tarfile.FIFOTYPE, "dir": tarfile.DIRTYPE}[kind]
        if kind in ("symlink", "hardlink"):
            ti.linkname = arg
        t.addfile(ti)
    exec(code)
PYEOF
}

# ledger DIR N [BATCH] [TAG]: a ledger of N signed in-toto envelopes (logk.key,
# origin example.com/log, verifier key in DIR.vkey) appended BATCH at a time
# (default 1), so that it has a checkpoint per batch; TAG makes the
# envelopes differ from another ledger's (a fork)
ledger() {
    local dir=$1 count=$2 batch=${3:-1} tag=${4:-} i files=()
    [ -f logk.key ] || keygen logk
    [ -f alice.key ] || keygen alice
    "$WAYBILL" log init --ledger "$dir" --origin example.com/log --key logk.key >"$dir.vkey" || return 1
    for ((i = 1; i <= count; i++)); do
        printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"f%s%s","digest":{"sha256":"%064d"}}],"predicateType":"https://example/t","predicate":{}}' "$tag" $i $i >"$dir.st$i.json"
        sign "$dir.e$i.json" "$dir.st$i.json" alice.key || return 1
        files+=("$dir.e$i.json")
        if [ ${#files[@]} -ge "$batch" ] || [ "$i" -eq "$count" ]; then
            "$WAYBILL" log add --ledger "$dir" --no-bundle "${files[@]}" >/dev/null || return 1
            files=()
        fi
    done
}

# sqlpy DB 'python code on db (sqlite3) ': surgery on a ledger's store
sqlpy() {
    "$PY" - "$1" "$2" <<'PYEOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
exec(sys.argv[2])
db.commit()
PYEOF
}

# flipbyte FILE OFFSET: flip the low bit of one byte (negative: from the end)
flipbyte() {
    "$PY" -c 'import sys
p, o = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read()); b[o] ^= 1; open(p, "wb").write(b)' "$1" "$2"
}

n=0
failed=0
# E2E_CASES=GLOB runs only the matching cases (e.g. E2E_CASES="23*")
cases=("$here"/cases/${E2E_CASES:-*}.case)
echo "1..${#cases[@]}"
for case_file in "${cases[@]}"; do
    n=$((n + 1))
    name=$(basename "$case_file" .case)
    dir=$(mktemp -d)
    result=$(
        cd "$dir" || exit 1
        title="" exit=0 cmd=() stdout=() stderr=() not_stderr=()
        setup() { :; }
        check() { :; }
        # shellcheck disable=SC1090
        . "$case_file"
        echo "# title: $title"
        if ! setup >setup.log 2>&1; then
            echo "# setup failed:"; sed 's/^/#   /' setup.log
            exit 1
        fi
        "${cmd[@]}" >out.txt 2>err.txt
        status=$?
        bad=0
        if [ "$status" -ne "$exit" ]; then
            echo "# exit status $status, expected $exit"; bad=1
        fi
        for s in ${stdout[@]+"${stdout[@]}"}; do
            grep -qF -- "$s" out.txt || { echo "# stdout lacks: $s"; bad=1; }
        done
        for s in ${stderr[@]+"${stderr[@]}"}; do
            grep -qF -- "$s" err.txt || { echo "# stderr lacks: $s"; bad=1; }
        done
        for s in ${not_stderr[@]+"${not_stderr[@]}"}; do
            grep -qF -- "$s" err.txt && { echo "# stderr has: $s"; bad=1; }
        done
        if ! check >check.log 2>&1; then
            echo "# check failed:"; sed 's/^/#   /' check.log; bad=1
        fi
        if [ "$bad" -ne 0 ]; then
            echo "# command: ${cmd[*]}"
            echo "# stdout:"; head -c 2000 out.txt | sed 's/^/#   /'
            echo "# stderr:"; head -c 2000 err.txt | sed 's/^/#   /'
        fi
        exit "$bad"
    )
    rc=$?
    title=$(printf '%s\n' "$result" | sed -n 's/^# title: //p' | head -n 1)
    if [ "$rc" -eq 0 ]; then
        echo "ok $n - $name: $title"
    else
        echo "not ok $n - $name: $title"
        printf '%s\n' "$result" | grep -av '^# title: '
        failed=$((failed + 1))
    fi
    rm -rf "$dir"
done
exit $((failed > 0))
