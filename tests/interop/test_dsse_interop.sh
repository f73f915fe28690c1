#!/bin/bash
# test_dsse_interop.sh: waybill's DSSE envelopes against dsse.py, a DSSE
# implementation written independently from the spec (tests/interop/dsse.py).
#
# Envelopes signed by `waybill envelope sign` must verify with dsse.py, and
# envelopes signed by dsse.py must verify with `waybill envelope verify`;
# both must reject tampered envelopes and thresholds that are not met.
# Needs $WAYBILL (set by meson) and Debian's python3 with python3-cryptography.
# Prints TAP.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
check_prerequisites

TYPE=application/vnd.in-toto+json

payload() { printf '{"_type":"https://in-toto.io/Statement/v1","subject":[]}\n' >payload.json; }

# case selftest: dsse.py passes the DSSE spec's test vector and round trips
selftest() {
    run 0 "$PY" "$DSSE" selftest
}

# wb_sign_dsse_verify TYPE: waybill signs with one key of TYPE, dsse.py
# verifies, and the keyid hint is the id waybill printed and dsse.py computes.
wb_sign_dsse_verify() {
    payload
    wb_keygen a "$1" || return 1
    run 0 "$WAYBILL" envelope sign --key a.key --payload-type "$TYPE" --out env.json payload.json ||
        return 1
    run 0 "$PY" "$DSSE" verify env.json --trust a.pub || return 1
    same "keyid hint vs waybill keygen's id" "$(cat a.id)" "$(keyids_in env.json)" || return 1
    same "keyid hint vs dsse.py's id" "$("$PY" "$DSSE" keyid a.pub)" "$(keyids_in env.json)"
}

# case wb_ed25519_to_dsse: waybill-signed ed25519 envelope verifies with dsse.py (same keyid)
wb_ed25519_to_dsse() { wb_sign_dsse_verify ed25519; }

# case wb_ecdsa_to_dsse: waybill-signed ecdsa-p256 envelope verifies with dsse.py (same keyid)
wb_ecdsa_to_dsse() { wb_sign_dsse_verify ecdsa-p256; }

# case wb_two_keys_to_dsse: waybill-signed envelope with two keys verifies with dsse.py at threshold 2
wb_two_keys_to_dsse() {
    payload
    wb_keygen a ed25519 && wb_keygen b ecdsa-p256 || return 1
    run 0 "$WAYBILL" envelope sign --key a.key --key b.key --payload-type "$TYPE" \
        --out env.json payload.json || return 1
    run 0 "$PY" "$DSSE" verify env.json --trust a.pub --trust b.pub --threshold 2 || return 1
    contains out.txt "2 of 2" || return 1
    same "keyid hints" "$(cat a.id b.id)" "$(keyids_in env.json)"
}

# case wb_stdout_binary_to_dsse: waybill envelope on stdout, binary payload and UTF-8 type, verifies with dsse.py
wb_stdout_binary_to_dsse() {
    printf 'a\000b\377\n\000' >payload.bin
    wb_keygen a ed25519 || return 1
    # LEN() counts bytes: "ü" is two of them
    run 0 "$WAYBILL" envelope sign --key a.key --payload-type 'application/vnd.über+bin' \
        payload.bin || return 1
    mv out.txt env.json
    run 0 "$PY" "$DSSE" verify env.json --trust a.pub || return 1
    "$PY" -c 'import base64, json, sys
sys.stdout.buffer.write(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))' env.json \
        >payload.out || return 1
    cmp payload.bin payload.out
}

# case wb_empty_payload_to_dsse: waybill-signed envelope of an empty payload verifies with dsse.py
wb_empty_payload_to_dsse() {
    : >empty
    wb_keygen a ecdsa-p256 || return 1
    run 0 "$WAYBILL" envelope sign --key a.key --payload-type "$TYPE" --out env.json empty ||
        return 1
    run 0 "$PY" "$DSSE" verify env.json --trust a.pub
}

# dsse_sign_wb_verify TYPE: dsse.py signs with a waybill key of TYPE, waybill
# verifies and names the key by the id it printed at keygen.
dsse_sign_wb_verify() {
    payload
    wb_keygen a "$1" || return 1
    run 0 "$PY" "$DSSE" sign --key a.key --payload-type "$TYPE" payload.json || return 1
    mv out.txt env.json
    run 0 "$WAYBILL" envelope verify env.json --trust a.pub || return 1
    contains out.txt "signed by: $(cat a.id)" && contains out.txt "payload type: $TYPE"
}

# case dsse_ed25519_to_wb: dsse.py-signed ed25519 envelope verifies with waybill
dsse_ed25519_to_wb() { dsse_sign_wb_verify ed25519; }

# case dsse_ecdsa_to_wb: dsse.py-signed ecdsa-p256 envelope verifies with waybill
dsse_ecdsa_to_wb() { dsse_sign_wb_verify ecdsa-p256; }

# case dsse_two_keys_to_wb: dsse.py-signed envelope with two keys verifies with waybill at threshold 2
dsse_two_keys_to_wb() {
    payload
    wb_keygen a ecdsa-p256 && wb_keygen b ed25519 || return 1
    run 0 "$PY" "$DSSE" sign --key a.key --key b.key --payload-type "$TYPE" payload.json ||
        return 1
    mv out.txt env.json
    run 0 "$WAYBILL" envelope verify env.json --trust a.pub --trust b.pub --threshold 2 ||
        return 1
    contains out.txt "signed by: $(cat a.id)" && contains out.txt "signed by: $(cat b.id)"
}

# case dsse_urlsafe_to_wb: dsse.py envelope in URL-safe unpadded base64 verifies with waybill
dsse_urlsafe_to_wb() {
    # Sign until the encodings differ (a '-' or '_' appears, padding dropped),
    # so the case really exercises the URL-safe alphabet.
    wb_keygen a ed25519 || return 1
    local i
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        printf 'payload %s ~~~>>>???\n' "$i" >payload.txt
        run 0 "$PY" "$DSSE" sign --urlsafe --key a.key --payload-type "$TYPE" payload.txt ||
            return 1
        grep -q '[-_]' out.txt && break
    done
    mv out.txt env.json
    grep -q '[-_]' env.json || { echo "no URL-safe character after 20 tries"; return 1; }
    run 0 "$WAYBILL" envelope verify env.json --trust a.pub
}

# case dsse_no_keyid_to_wb: dsse.py envelope without keyid hints verifies with waybill
dsse_no_keyid_to_wb() {
    payload
    wb_keygen a ed25519 && wb_keygen b ecdsa-p256 || return 1
    run 0 "$PY" "$DSSE" sign --no-keyid --key a.key --key b.key --payload-type "$TYPE" \
        payload.json || return 1
    mv out.txt env.json
    run 0 "$WAYBILL" envelope verify env.json --trust a.pub --trust b.pub --threshold 2
}

# case dsse_foreign_keyid_to_wb: a keyid hint naming no trusted key does not stop waybill verifying
dsse_foreign_keyid_to_wb() {
    payload
    wb_keygen a ecdsa-p256 || return 1
    run 0 "$PY" "$DSSE" sign --keyid "$(printf '%064d' 7)" --key a.key --payload-type "$TYPE" \
        payload.json || return 1
    mv out.txt env.json
    run 0 "$WAYBILL" envelope verify env.json --trust a.pub
}

# case dsse_extra_fields_to_wb: unknown envelope and signature fields are ignored by waybill (envelope.md parsing rules)
dsse_extra_fields_to_wb() {
    payload
    wb_keygen a ed25519 || return 1
    run 0 "$PY" "$DSSE" sign --key a.key --payload-type "$TYPE" payload.json || return 1
    mv out.txt env.json
    envpy env.json 'env["x-note"] = {"nested": [1, 2.5, None, True]}
env["signatures"][0]["x-cert"] = "unused"' || return 1
    run 0 "$PY" "$DSSE" verify env.json --trust a.pub || return 1
    run 0 "$WAYBILL" envelope verify env.json --trust a.pub
}

# case wb_tampered_payload: a flipped payload bit in a waybill envelope is rejected by both
wb_tampered_payload() {
    payload
    wb_keygen a ed25519 || return 1
    run 0 "$WAYBILL" envelope sign --key a.key --payload-type "$TYPE" --out env.json payload.json ||
        return 1
    flip_payload env.json || return 1
    run 1 "$PY" "$DSSE" verify env.json --trust a.pub || return 1
    run 1 "$WAYBILL" envelope verify env.json --trust a.pub
}

# case dsse_tampered_payload: a flipped payload bit in a dsse.py envelope is rejected by both
dsse_tampered_payload() {
    payload
    wb_keygen a ecdsa-p256 || return 1
    run 0 "$PY" "$DSSE" sign --key a.key --payload-type "$TYPE" payload.json || return 1
    mv out.txt env.json
    flip_payload env.json || return 1
    run 1 "$PY" "$DSSE" verify env.json --trust a.pub || return 1
    run 1 "$WAYBILL" envelope verify env.json --trust a.pub
}

# case tampered_type: a changed payloadType is rejected by both (the type is signed)
tampered_type() {
    payload
    wb_keygen a ed25519 && wb_keygen b ecdsa-p256 || return 1
    run 0 "$WAYBILL" envelope sign --key a.key --key b.key --payload-type "$TYPE" \
        --out env.json payload.json || return 1
    envpy env.json 'env["payloadType"] = "application/vnd.in-toto+jsoN"' || return 1
    run 1 "$PY" "$DSSE" verify env.json --trust a.pub --trust b.pub || return 1
    run 1 "$WAYBILL" envelope verify env.json --trust a.pub --trust b.pub
}

# case pae_length_confusion: moving a byte between type and payload is rejected by both
pae_length_confusion() {
    # Without the lengths in PAE, type "a/b" + payload " x" and type "a/b "
    # + payload "x" would sign the same bytes.
    printf ' x' >payload.txt
    wb_keygen a ed25519 || return 1
    run 0 "$WAYBILL" envelope sign --key a.key --payload-type 'a/b' --out env.json payload.txt ||
        return 1
    envpy env.json 'env["payloadType"] = "a/b "; env["payload"] = base64.b64encode(b"x").decode()' ||
        return 1
    run 1 "$PY" "$DSSE" verify env.json --trust a.pub || return 1
    run 1 "$WAYBILL" envelope verify env.json --trust a.pub
}

# case wrong_key: an envelope signed by an untrusted key is rejected by both
wrong_key() {
    payload
    wb_keygen a ed25519 && wb_keygen b ed25519 || return 1
    run 0 "$WAYBILL" envelope sign --key a.key --payload-type "$TYPE" --out env1.json payload.json ||
        return 1
    run 0 "$PY" "$DSSE" sign --key a.key --payload-type "$TYPE" payload.json || return 1
    mv out.txt env2.json
    local e
    for e in env1.json env2.json; do
        run 1 "$PY" "$DSSE" verify "$e" --trust b.pub || return 1
        run 1 "$WAYBILL" envelope verify "$e" --trust b.pub || return 1
    done
}

# case threshold_not_met: threshold 2 with one of two trusted keys signing is rejected by both
threshold_not_met() {
    payload
    wb_keygen a ed25519 && wb_keygen b ecdsa-p256 && wb_keygen c ed25519 || return 1
    # signed by a (trusted) and c (not trusted): one trusted signer
    run 0 "$WAYBILL" envelope sign --key a.key --key c.key --payload-type "$TYPE" \
        --out env1.json payload.json || return 1
    run 0 "$PY" "$DSSE" sign --key c.key --key a.key --payload-type "$TYPE" payload.json ||
        return 1
    mv out.txt env2.json
    local e
    for e in env1.json env2.json; do
        run 1 "$PY" "$DSSE" verify "$e" --trust a.pub --trust b.pub --threshold 2 || return 1
        run 1 "$WAYBILL" envelope verify "$e" --trust a.pub --trust b.pub --threshold 2 ||
            return 1
        # ... and both accept it at threshold 1
        run 0 "$PY" "$DSSE" verify "$e" --trust a.pub --trust b.pub || return 1
        run 0 "$WAYBILL" envelope verify "$e" --trust a.pub --trust b.pub || return 1
    done
}

# case same_key_twice: one key signing twice does not meet threshold 2, on both sides
same_key_twice() {
    payload
    wb_keygen a ecdsa-p256 && wb_keygen b ed25519 || return 1
    run 0 "$WAYBILL" envelope sign --key a.key --key a.key --payload-type "$TYPE" \
        --out env1.json payload.json || return 1
    run 0 "$PY" "$DSSE" sign --key a.key --key a.key --payload-type "$TYPE" payload.json ||
        return 1
    mv out.txt env2.json
    local e
    for e in env1.json env2.json; do
        [ "$(keyids_in "$e" | wc -l)" -eq 2 ] || { echo "$e: expected two signatures"; return 1; }
        run 1 "$PY" "$DSSE" verify "$e" --trust a.pub --trust b.pub --threshold 2 || return 1
        run 1 "$WAYBILL" envelope verify "$e" --trust a.pub --trust b.pub --threshold 2 ||
            return 1
    done
}

# case one_bad_one_good: a corrupted signature next to a good one still verifies at threshold 1, on both sides
one_bad_one_good() {
    payload
    wb_keygen a ed25519 && wb_keygen b ecdsa-p256 || return 1
    run 0 "$WAYBILL" envelope sign --key a.key --key b.key --payload-type "$TYPE" \
        --out env.json payload.json || return 1
    # corrupt a's signature (flip one bit of it)
    envpy env.json 's = bytearray(b64d(env["signatures"][0]["sig"])); s[10] ^= 4
env["signatures"][0]["sig"] = base64.b64encode(bytes(s)).decode()' || return 1
    run 0 "$PY" "$DSSE" verify env.json --trust a.pub --trust b.pub || return 1
    run 0 "$WAYBILL" envelope verify env.json --trust a.pub --trust b.pub || return 1
    run 1 "$PY" "$DSSE" verify env.json --trust a.pub --trust b.pub --threshold 2 || return 1
    run 1 "$WAYBILL" envelope verify env.json --trust a.pub --trust b.pub --threshold 2
}

# case malformed_rejected: malformed or ambiguous envelopes are rejected by both (NUL in type, duplicate member, no signatures, empty sig)
malformed_rejected() {
    printf 'hello\n' >payload.txt
    wb_keygen a ed25519 || return 1
    run 0 "$PY" "$DSSE" sign --key a.key --payload-type a payload.txt || return 1
    mv out.txt env.json
    local f status ok=0
    cp env.json nul.json && envpy nul.json 'env["payloadType"] = "a\0b"' || return 1
    # a second "payload" member first: parsers that keep the first and those
    # that keep the last would read different payloads
    "$PY" -c 'import sys; t = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(t.replace("{", "{\"payload\": \"AAAA\", ", 1))' env.json dup.json ||
        return 1
    cp env.json nosigs.json && envpy nosigs.json 'del env["signatures"]' || return 1
    cp env.json zerosigs.json && envpy zerosigs.json 'env["signatures"] = []' || return 1
    cp env.json emptysig.json && envpy emptysig.json 'env["signatures"][0]["sig"] = ""' || return 1
    for f in nul dup nosigs zerosigs emptysig; do
        "$PY" "$DSSE" verify $f.json --trust a.pub >out.txt 2>err.txt
        status=$?
        if [ "$status" -ne 1 ] && [ "$status" -ne 3 ]; then
            echo "dsse.py verify $f.json: exit $status, expected 1 or 3"; ok=1
        fi
        "$WAYBILL" envelope verify $f.json --trust a.pub >out.txt 2>err.txt
        status=$?
        if [ "$status" -ne 1 ] && [ "$status" -ne 3 ]; then
            echo "waybill envelope verify $f.json: exit $status, expected 1 or 3"
            sed 's/^/  /' out.txt err.txt
            ok=1
        fi
    done
    return $ok
}

cases=(
    selftest
    wb_ed25519_to_dsse
    wb_ecdsa_to_dsse
    wb_two_keys_to_dsse
    wb_stdout_binary_to_dsse
    wb_empty_payload_to_dsse
    dsse_ed25519_to_wb
    dsse_ecdsa_to_wb
    dsse_two_keys_to_wb
    dsse_urlsafe_to_wb
    dsse_no_keyid_to_wb
    dsse_foreign_keyid_to_wb
    dsse_extra_fields_to_wb
    wb_tampered_payload
    dsse_tampered_payload
    tampered_type
    pae_length_confusion
    wrong_key
    threshold_not_met
    same_key_twice
    one_bad_one_good
    malformed_rejected
)
run_cases "${cases[@]}"
