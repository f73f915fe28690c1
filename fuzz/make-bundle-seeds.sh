#!/bin/bash
# fuzz/make-bundle-seeds.sh WAYBILL: write the good and tampered seeds of
# fuzz/corpora/bundle/ from a fresh ledger signed with fuzz/keys/fuzz-log.key
# (throwaway test data; its verifier key is the one in fuzz_bundle.c).
# Envelopes are signed with fuzz/keys' Ed25519 and ECDSA keys (the ring of
# fuzz_bundle.c holds the Ed25519 one) and one fresh, untrusted key.
set -euo pipefail
waybill=$(readlink -f "${1:?usage: make-bundle-seeds.sh WAYBILL}")
here=$(cd "$(dirname "$0")" && pwd)
out=$here/corpora/bundle
keys=$here/keys
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
chmod 600 "$keys"/*.key
"$waybill" log init --ledger L --origin fuzz.example/log --key "$keys/fuzz-log.key" >vkey
st() { printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"f%s","digest":{"sha256":"%064d"}}],"predicateType":"https://example/t","predicate":{}}' "$1" "$1"; }
signed() { # NAME PAYLOAD-TYPE PAYLOAD-FILE KEY...
    local name=$1 type=$2 file=$3
    shift 3
    local args=()
    for k in "$@"; do args+=(--key "$k"); done
    "$waybill" envelope sign "${args[@]}" --payload-type "$type" --out "$name.json" "$file" >/dev/null 2>&1
}
"$waybill" keygen --out other >/dev/null 2>&1
for i in 0 1 2 3 4; do
    st $i >st$i.json
    signed e$i application/vnd.in-toto+json st$i.json "$keys/fuzz-ed25519.key"
    "$waybill" log add --ledger L e$i.json >/dev/null
done
st 5 >st5.json
signed both application/vnd.in-toto+json st5.json "$keys/fuzz-ed25519.key" "$keys/fuzz-ecdsa.key"
: >empty.txt
signed empty "" empty.txt "$keys/fuzz-ed25519.key" "$keys/fuzz-ecdsa.key" ||
    signed empty text/plain empty.txt "$keys/fuzz-ed25519.key" "$keys/fuzz-ecdsa.key"
printf 'hello, world\n' >hello.txt
signed untrusted text/plain hello.txt other.key
"$waybill" log add --ledger L both.json empty.json untrusted.json >/dev/null
cp e0.json.bundle "$out/good-e0.bundle"
cp e2.json.bundle "$out/good-e2.bundle"
cp e4.json.bundle "$out/good-e4.bundle"
cp both.json.bundle "$out/good-both.bundle"
cp empty.json.bundle "$out/good-empty-payload.bundle"
cp untrusted.json.bundle "$out/good-untrusted.bundle"
# a bundle of the latest size for the Ed25519-only envelope
"$waybill" log add --ledger L e1.json >/dev/null
cp e1.json.bundle "$out/good-ed25519.bundle"
# tampered variants of good-e2, one change each
/usr/bin/python3 - "$out" <<'PY'
import base64, json, sys
out = sys.argv[1]
good = json.load(open(out + "/good-e2.bundle"))
def write(name, change):
    b = json.loads(json.dumps(good)); change(b)
    open("%s/%s.bundle" % (out, name), "w").write(json.dumps(b, indent=2) + "\n")
def flip_b64(s, i=0):
    d = bytearray(base64.b64decode(s)); d[i] ^= 1; return base64.b64encode(bytes(d)).decode()
write("envelope-tampered", lambda b: b.__setitem__("envelope_b64", flip_b64(b["envelope_b64"], 40)))
write("proof-tampered", lambda b: b["inclusion_proof"].__setitem__(0, flip_b64(b["inclusion_proof"][0])))
write("wrong-index", lambda b: b.__setitem__("index", b["index"] + 1))
write("wrong-tree-size", lambda b: b.__setitem__("tree_size", b["tree_size"] + 1))
write("wrong-leaf-hash", lambda b: b.__setitem__("leaf_hash", flip_b64(b["leaf_hash"])))
def badsig(b):
    text, sig = b["checkpoint"].rsplit(" ", 1)
    b["checkpoint"] = text + " " + flip_b64(sig.strip(), 10) + "\n"
write("checkpoint-bad-sig", badsig)
PY
echo "verifier key: $(cat vkey)"
