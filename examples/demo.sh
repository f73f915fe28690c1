#!/bin/sh
# The demo behind `make demo`: the supplier makes a key, signs a statement
# about the sample delivery, the customer verifies it, and a tampered copy
# is rejected. Later issues grow this into review -> seal -> log -> verify.
set -eu
waybill=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

step() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "Supplier: make a signing key"
show "$waybill" keygen --out supplier

step "Supplier: describe the delivery as an in-toto Statement (file digests)"
(
    cd "$here/delivery"
    printf '{"_type":"https://in-toto.io/Statement/v1","subject":['
    sep=""
    find . -type f | LC_ALL=C sort | while read -r f; do
        printf '%s{"name":"%s","digest":{"sha256":"%s"}}' "$sep" "${f#./}" \
            "$(sha256sum "$f" | cut -d' ' -f1)"
        sep=","
    done
    printf '],"predicateType":"https://waybill.dev/delivery/v0.1","predicate":{"name":"acme-router-tools","version":"2.4.1"}}\n'
) > statement.json
cat statement.json

step "Supplier: sign it into a DSSE envelope"
show "$waybill" envelope sign --key supplier.key \
    --payload-type application/vnd.in-toto+json --out delivery.dsse.json statement.json

step "Customer: verify the envelope with the supplier's public key"
show "$waybill" envelope verify delivery.dsse.json --trust supplier.pub

step "Attacker: change one byte of the statement inside the envelope"
sed 's/"payload": "eyJf/"payload": "eyJG/' delivery.dsse.json > tampered.dsse.json
if show "$waybill" envelope verify tampered.dsse.json --trust supplier.pub; then
    echo "demo: the tampered envelope verified; this is a bug" >&2
    exit 1
fi
printf '\nThe tampered copy was rejected (exit 1), as it must be.\n'
