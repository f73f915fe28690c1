#!/bin/bash
# crash-ledger.sh: the ledger survives SIGKILL at random moments (issue 4).
#
# An appender runs `waybill log add --json` again and again on fresh, distinct
# envelopes (small batches), and is killed with SIGKILL after a random delay
# of 0-150 ms; then the ledger is opened again (`waybill log checkpoint`) and
# checked, ROUNDS times (default 60). After each kill, checker.py checks:
#   - every append that had returned (its `add` printed its JSON and exited 0
#     before the kill), in this round or any earlier one, is still at the
#     index it was given, with exactly its bytes and leaf hash
#     SHA-256(0x00 || SHA-256(bytes));
#   - indexes are dense, 0..size-1, and every envelope is in the log at most
#     once;
#   - the served checkpoint (`log checkpoint` and the checkpoint file) is the
#     store's latest, its size is the number of entries and its root is the
#     RFC 9162 root recomputed in Python from the stored bytes;
#   - `waybill log audit` finds the tiles and entry bundles (C2SP
#     tlog-tiles) equal to the stored tree, and nothing else under tile/;
#   - for every checkpoint observed after an earlier round (size, root),
#     `waybill log consistency --from SIZE --json` gives a proof that an
#     independent RFC 9162 verifier (below, in Python) accepts, with the old
#     root the one observed then and the new root the served one; and the
#     old root is also recomputed from the stored leaves.
# Prints TAP: one test per round and a final summary.
#
#   WAYBILL=build/src/cli/waybill tests/e2e/crash-ledger.sh [ROUNDS]
set -u
waybill=${WAYBILL:?WAYBILL must name the waybill binary}
rounds=${1:-${CRASH_ROUNDS:-60}}
per_round=60 # envelopes made per round: enough that most rounds are cut short
batch=4      # envelopes per `log add`
work=$(mktemp -d)
appender=
cleanup() {
    if [ -n "$appender" ]; then kill -9 "$appender" 2>/dev/null; fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "1..$((rounds + 1))"

"$waybill" keygen --out "$work/log" >/dev/null 2>&1 || { echo "Bail out! keygen failed"; exit 1; }
"$waybill" log init --ledger "$work/ledger" --origin crash.example/log --key "$work/log.key" \
    >/dev/null 2>"$work/init.err" || { echo "Bail out! log init failed: $(cat "$work/init.err")"; exit 1; }

cat >"$work/checker.py" <<'EOF'
import base64, hashlib, json, os, sqlite3, subprocess, sys

waybill, work, round_no = sys.argv[1], sys.argv[2], int(sys.argv[3])
ledger = os.path.join(work, "ledger")
state_path = os.path.join(work, "state.json")
state = json.load(open(state_path)) if os.path.exists(state_path) else {"returned": {}, "checkpoints": []}
problems = []

def leaf_hash(data): return hashlib.sha256(b"\x00" + hashlib.sha256(data).digest()).digest()
def node_hash(l, r): return hashlib.sha256(b"\x01" + l + r).digest()

def mth(leaves):  # RFC 9162 2.1.1
    n = len(leaves)
    if n == 0: return hashlib.sha256(b"").digest()
    if n == 1: return leaves[0]
    k = 1
    while k * 2 < n: k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))

def verify_consistency(m, n, proof, old_root, new_root):  # RFC 9162 2.1.4.2
    if m == n: return not proof and old_root == new_root
    if m == 0 or m > n or not proof: return False
    if m & (m - 1) == 0: proof = [old_root] + proof
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1; sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr); sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1; sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1; sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root

def run(*args):
    p = subprocess.run([waybill] + list(args), capture_output=True)
    if p.returncode != 0:
        problems.append("waybill %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr.decode().strip()))
    return p.stdout

# reopen the ledger (repairs the checkpoint file if needed), then read it
served = run("log", "checkpoint", "--ledger", ledger)
db = sqlite3.connect("file:%s?mode=ro" % os.path.join(ledger, "ledger.db"), uri=True)
rows = db.execute("SELECT idx, data, leaf_hash FROM entries ORDER BY idx").fetchall()
size = len(rows)
if [r[0] for r in rows] != list(range(size)):
    problems.append("indexes are not dense 0..%d" % (size - 1))
leaves = []
seen = {}
for idx, data, lh in rows:
    data = bytes(data)
    if bytes(lh) != leaf_hash(data): problems.append("entry %d: stored leaf hash is not SHA-256(0x00||SHA-256(data))" % idx)
    leaves.append(leaf_hash(data))
    if data in seen: problems.append("entry %d repeats entry %d" % (idx, seen[data]))
    seen[data] = idx
latest = db.execute("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1").fetchone()
db.close()

# appends that returned in this round
for out in sorted(f for f in os.listdir(os.path.join(work, "r%d" % round_no)) if f.endswith(".ok")):
    text = open(os.path.join(work, "r%d" % round_no, out)).read()
    try:
        doc = json.loads(text)
    except ValueError:
        problems.append("%s: exit 0 but output is not JSON" % out); continue
    for e in doc["entries"]:
        state["returned"][e["envelope"]] = e["index"]
for name, idx in state["returned"].items():
    data = open(name, "rb").read()
    if idx >= size or bytes(rows[idx][1]) != data:
        problems.append("returned append %s (index %d) is not in the log" % (os.path.basename(name), idx))

# the served checkpoint is the store's latest and matches the stored tree
lines = served.decode().split("\n")
file_note = open(os.path.join(ledger, "checkpoint"), "rb").read()
if latest is None or served.decode() != latest[1] or file_note != served:
    problems.append("served checkpoint is not the store's latest / the checkpoint file")
if len(lines) < 3 or lines[1] != str(size):
    problems.append("checkpoint size %r, store holds %d entries" % (lines[1:2], size))
root = base64.b64decode(lines[2]) if len(lines) > 2 else b""
if root != mth(leaves):
    problems.append("checkpoint root is not the RFC 9162 root of the stored entries")

# consistency with every earlier observed checkpoint
proofs = 0
# the proofs are fetched a few at a time (one process each); checked in order
from concurrent.futures import ThreadPoolExecutor
with ThreadPoolExecutor(4) as pool:
    outs = list(pool.map(lambda c: run("log", "consistency", "--ledger", ledger, "--from", str(c[0]), "--json")
                         if 0 < c[0] <= size else b"", state["checkpoints"]))
for (old_size, old_root_b64), out in zip(state["checkpoints"], outs):
    old_root = base64.b64decode(old_root_b64)
    if old_size > size:
        problems.append("log shrank from %d to %d" % (old_size, size)); continue
    if mth(leaves[:old_size]) != old_root:
        problems.append("earlier checkpoint %d: root no longer matches the stored prefix" % old_size)
    if old_size == 0: continue
    try:
        p = json.loads(out)
    except ValueError:
        problems.append("consistency from %d: no JSON" % old_size); continue
    proof = [base64.b64decode(h) for h in p["proof"]]
    if (p["from"], p["to"]) != (old_size, size) or base64.b64decode(p["new_root"]) != root \
            or base64.b64decode(p["old_root"]) != old_root \
            or not verify_consistency(old_size, size, proof, old_root, root):
        problems.append("consistency proof %d -> %d does not verify" % (old_size, size))
    proofs += 1
# the tiles and entry bundles served are those of the stored tree (after
# the reopen above repaired whatever the kill left behind)
audit = run("log", "audit", "--ledger", ledger, "--json")
try:
    report = json.loads(audit)
    if not report["ok"] or report["tree_size"] != size:
        problems.append("log audit: %s" % "; ".join(report["problems"][:3]))
except ValueError:
    problems.append("log audit: no JSON")
if [size, lines[2] if len(lines) > 2 else ""] not in state["checkpoints"]:
    state["checkpoints"].append([size, lines[2] if len(lines) > 2 else ""])
json.dump(state, open(state_path, "w"))
for p in problems[:10]: print("# " + p)
print("# size %d, %d returned appends checked, %d consistency proofs verified" % (size, len(state["returned"]), proofs))
sys.exit(1 if problems else 0)
EOF

# Envelopes: distinct DSSE envelopes of about 1 KiB (signatures are not
# checked when appending), one directory per round.
/usr/bin/python3 - "$work" "$rounds" "$per_round" <<'EOF'
import base64, json, os, sys
work, rounds, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for r in range(1, rounds + 1):
    d = os.path.join(work, "r%d" % r); os.mkdir(d)
    for i in range(per):
        payload = json.dumps({"round": r, "n": i, "pad": "x" * 700}).encode()
        env = {"payloadType": "application/vnd.waybill.crash-test+json",
               "payload": base64.b64encode(payload).decode(),
               "signatures": [{"keyid": "", "sig": base64.b64encode(b"\x00" * 64).decode()}]}
        open(os.path.join(d, "e%03d.json" % i), "w").write(json.dumps(env))
EOF

failed=0 kills=0 died_early=0
for r in $(seq 1 "$rounds"); do
    dir=$work/r$r
    # The appender: batches of $batch, one `log add` each; an add that exits
    # 0 has its JSON renamed to N.ok (a kill between exit and rename only
    # loses a claim, never adds one).
    (
        set -- "$dir"/e*.json
        j=0
        while [ $# -gt 0 ]; do
            n=$batch; [ $# -lt $n ] && n=$#
            if "$waybill" log add --ledger "$work/ledger" --no-bundle --json "${@:1:$n}" >"$dir/$j.out" 2>"$dir/$j.err"; then
                mv "$dir/$j.out" "$dir/$j.ok"
            fi
            shift "$n"
            j=$((j + 1))
        done
    ) &
    appender=$!
    sleep "$(printf '0.%03d' $((RANDOM % 150)))"
    if kill -0 "$appender" 2>/dev/null; then
        # the `log add` child first (by parent id: only what this script started), then the loop
        # stop the loop so it forks nothing new, kill its `log add` child (by
        # parent id: only what this script started), then the loop itself
        kill -STOP "$appender" 2>/dev/null
        pkill -9 -P "$appender" 2>/dev/null
        kill -9 "$appender" 2>/dev/null
        kills=$((kills + 1))
    else
        died_early=$((died_early + 1))
    fi
    wait "$appender" 2>/dev/null
    appender=
    if out=$(/usr/bin/python3 "$work/checker.py" "$waybill" "$work" "$r" 2>&1); then
        echo "ok $r - round $r: $(echo "$out" | tail -1 | sed 's/^# //')"
    else
        echo "not ok $r - round $r"
        echo "$out"
        failed=$((failed + 1))
    fi
done

if [ "$failed" -eq 0 ] && [ "$kills" -ge 50 ]; then
    echo "ok $((rounds + 1)) - $kills SIGKILLs mid-append ($died_early rounds finished first), no loss, dense, consistent"
else
    echo "not ok $((rounds + 1)) - $kills SIGKILLs (need 50), $failed rounds failed"
fi
exit 0
