#!/bin/bash
# test_witness_interop.sh: waybill's witness cosignatures against cosig.py,
# an independent verifier of c2sp.org/tlog-cosignature v1 written from the
# spec with python3-cryptography (tests/interop/cosig.py).
#
# A ledger is made and witnessed with waybill (with a `waybill keygen` key
# and --name, and with a note signer key that cosig.py generated); cosig.py
# checks each cosignature line (key ID, timestamp, signed message), and
# refuses the note once any byte of its body or of the cosignature changes.
# Needs $WAYBILL (set by meson) and python3-cryptography. Prints TAP.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
check_prerequisites
COSIG="$interop_dir/cosig.py"
WITNESS_NAME=witness.example/w1

# mkledger N: ledger L (log example.com/log) with N entries, vkey.txt, and
# its checkpoint in cpN
mkledger() {
    wb_keygen logk || return 1
    run 0 "$WAYBILL" log init --ledger L --origin example.com/log --key logk.key || return 1
    cp out.txt vkey.txt
    addto "$1"
}

# addto N: grow L to N entries; its checkpoint in cpN
addto() {
    local i have
    have=$(sed -n 2p L/checkpoint)
    for ((i = have + 1; i <= $1; i++)); do
        printf '{"payloadType":"text/plain","payload":"%s","signatures":[{"keyid":"","sig":"eA=="}]}' \
            "$(printf 'entry %s' "$i" | base64)" >e$i.json
        run 0 "$WAYBILL" log add --ledger L --no-bundle e$i.json || return 1
    done
    run 0 "$WAYBILL" log checkpoint --ledger L || return 1
    cp out.txt "cp$1"
}

# witness ARGS...: waybill's witness with the keygen key wit.key
witness() {
    run 0 "$WAYBILL" log witness --log-key vkey.txt --witness-key wit.key --name "$WITNESS_NAME" \
        --state S "$@"
}

# cosig_rejects NOTE: cosig.py refuses NOTE
cosig_rejects() {
    if "$PY" "$COSIG" verify --pub wit.pub --name "$WITNESS_NAME" "$1" >check.txt 2>&1; then
        echo "cosig.py accepted $1:" && sed 's/^/  /' "$1"
        return 1
    fi
}

# case keygen_key_cosignature: a cosignature by a `waybill keygen` key verifies with cosig.py
keygen_key_cosignature() {
    mkledger 3 && wb_keygen wit || return 1
    witness cp3 --out cosigned3 || return 1
    run 0 "$PY" "$COSIG" verify --pub wit.pub --name "$WITNESS_NAME" cosigned3 || return 1
    contains out.txt "verified: $WITNESS_NAME time " || return 1
    # the timestamp is now, give or take
    local t now
    t=$(sed -n 's/.* time //p' out.txt)
    now=$(date +%s)
    [ "$t" -le "$now" ] && [ "$t" -ge $((now - 300)) ] || {
        echo "timestamp $t is not now ($now)"
        return 1
    }
}

# case note_signer_key_cosignature: a cosignature by a note signer key cosig.py made verifies with its verifier key
note_signer_key_cosignature() {
    mkledger 2 || return 1
    run 0 "$PY" "$COSIG" genkey w2.example/witness w2.skey || return 1
    cp out.txt w2.vkey
    run 0 "$WAYBILL" log witness --log-key vkey.txt --witness-key w2.skey --state S cp2 || return 1
    cp out.txt cosigned2
    run 0 "$PY" "$COSIG" verify --vkey "$(cat w2.vkey)" cosigned2 || return 1
    contains out.txt "verified: w2.example/witness time " || return 1
    # the log's own signature line is still there, unchanged
    same "checkpoint part" "$(cat cp2)" "$(head -n 5 cosigned2)"
}

# case witnessed_growth: each cosignature along a growing log verifies, with the key ID cosig.py computes
witnessed_growth() {
    mkledger 1 && wb_keygen wit || return 1
    local n prev=1 vkey id
    witness cp1 --out c1 || return 1
    run 0 "$PY" "$COSIG" vkey --pub wit.pub --name "$WITNESS_NAME" || return 1
    vkey=$(cat out.txt)
    id=$(printf '%s' "$vkey" | cut -d+ -f2)
    for n in 2 5 8 13; do
        addto $n || return 1
        run 0 "$WAYBILL" log consistency --ledger L --from $prev --json || return 1
        cp out.txt p.json
        witness "cp$n" --proof p.json --out "c$n" || return 1
        run 0 "$PY" "$COSIG" verify --vkey "$vkey" "c$n" || return 1
        # the key ID in the line is the first four bytes cosig.py computed
        "$PY" -c 'import base64, sys
line = [l for l in open(sys.argv[1], encoding="utf-8") if l.startswith("\u2014 " + sys.argv[2] + " ")][0]
raw = base64.b64decode(line.split(" ")[-1])
assert raw[:4].hex() == sys.argv[3], (raw[:4].hex(), sys.argv[3])
assert len(raw) == 76, len(raw)' "c$n" "$WITNESS_NAME" "$id" || return 1
        prev=$n
    done
}

# case changed_bytes_rejected: cosig.py refuses the cosigned note with a byte changed in the body or the cosignature
changed_bytes_rejected() {
    mkledger 4 && wb_keygen wit || return 1
    witness cp4 --out c4 || return 1
    run 0 "$PY" "$COSIG" verify --pub wit.pub --name "$WITNESS_NAME" c4 || return 1
    # the size line
    sed 's/^4$/5/' c4 >bad1 && cosig_rejects bad1 || return 1
    # the origin
    sed '1s/example/exbmple/' c4 >bad2 && cosig_rejects bad2 || return 1
    # one bit of the root, of the timestamp, and of the signature
    local field
    for field in root timestamp signature; do
        "$PY" - c4 "bad-$field" "$field" "$WITNESS_NAME" <<'EOF' || return 1
import base64, sys
src, dst, field, name = sys.argv[1:]
text = open(src, encoding="utf-8").read()
lines = text.split("\n")
if field == "root":
    r = bytearray(base64.b64decode(lines[2])); r[0] ^= 1
    lines[2] = base64.b64encode(bytes(r)).decode()
else:
    for i, l in enumerate(lines):
        if l.startswith("\u2014 " + name + " "):
            head, b64 = l.rsplit(" ", 1)
            raw = bytearray(base64.b64decode(b64))
            raw[11 if field == "timestamp" else 40] ^= 1
            lines[i] = head + " " + base64.b64encode(bytes(raw)).decode()
open(dst, "w", encoding="utf-8").write("\n".join(lines))
EOF
        cosig_rejects "bad-$field" || return 1
    done
}

run_cases keygen_key_cosignature note_signer_key_cosignature witnessed_growth changed_bytes_rejected
