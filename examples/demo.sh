#!/bin/sh
# The demo behind `make demo`: a supplier reviews the sample delivery
# against its redline (inventory, secrets, baseline) and signs the review,
# seals the delivery carrying that review and records the waybill in its
# transparency log; the customer verifies it (signatures, the review,
# inclusion in the log, every file) before installing, and a tampered copy
# is rejected with the line that names the changed file.
set -eu
waybill=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

step() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "Supplier: make a signing key (the id is what in-toto would call it too)"
show "$waybill" keygen --out supplier

step "Supplier: start the transparency log every waybill goes into"
"$waybill" keygen --out log >/dev/null 2>&1
printf '$ %s\n' "$waybill log init --ledger ledger --origin example.com/acme/ledger --key log.key"
"$waybill" log init --ledger ledger --origin example.com/acme/ledger --key log.key \
    >log-verifier.txt
cat log-verifier.txt

step "Supplier: review the delivery against the redline and sign the review"
cp -R "$here/delivery" acme-router-tools
show "$waybill" review acme-router-tools --sarif acme.sarif --key supplier.key --out acme.review.json

step "Supplier: seal the delivery carrying its review (every file hashed, symlinks and modes recorded) and log it"
show "$waybill" seal acme-router-tools --key supplier.key --version 2.4.1 \
    --supplier "Acme Networks" --to customer-site-7 --out acme.waybill.json --ledger ledger \
    --review acme.review.json

step "Anyone: read what the waybill says"
show "$waybill" show acme.waybill.json

step "Customer: verify the delivery before installing it: reviewed, published in the log, every file"
show "$waybill" verify acme-router-tools --bundle acme.waybill.json.bundle \
    --log-key log-verifier.txt --trust supplier.pub --require-review

step "Attacker: slip a backdoor into the configuration on the way"
echo 'telnet = on' >>acme-router-tools/etc/acme.conf
chmod +x acme-router-tools/etc/acme.conf
set +e
show "$waybill" verify acme-router-tools --bundle acme.waybill.json.bundle \
    --log-key log-verifier.txt --trust supplier.pub
status=$?
set -e
if [ "$status" -ne 1 ]; then
    echo "demo: the tampered delivery was not rejected (exit $status); this is a bug" >&2
    exit 1
fi
printf '\nThe tampered copy was rejected (exit 1), naming what changed.\n'
