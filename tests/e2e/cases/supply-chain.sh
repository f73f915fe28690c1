# shellcheck shell=bash
# supply-chain.sh: sourced by the cases 340 to 348 (not a case itself).
#
# supply_chain: an in-toto supply chain of two steps, as a supplier runs it:
# keys owner (signs the layout), alice (write-code), bob (package), sup
# (seals the waybill); root.layout made by `waybill layout create` from
# desc.json; the links made by `waybill run` in links/; the delivery is
# dist/, the package step's products under dist/.
supply_chain() {
    keygen owner && keygen alice && keygen bob && keygen sup || return 1
    cat >desc.json <<'EOF'
{"expires": "365d", "readme": "e2e supply chain",
 "steps": [
  {"name": "write-code", "functionaries": ["alice.pub"],
   "expected_products": ["CREATE src/foo.py", "DISALLOW *"]},
  {"name": "package", "functionaries": ["bob.pub"],
   "expected_materials": ["MATCH src/* WITH PRODUCTS FROM write-code", "DISALLOW *"],
   "expected_products": ["MATCH src/* WITH PRODUCTS FROM write-code", "CREATE dist/*",
                         "DISALLOW *"],
   "expected_command": "sh -c"}]}
EOF
    waybill layout create desc.json --key owner.key --out root.layout >/dev/null || return 1
    mkdir -p src links || return 1
    waybill run --step write-code --key alice.key --products src --out-dir links -- \
        sh -c 'printf "print(1)\n" >src/foo.py' >/dev/null || return 1
    waybill run --step package --key bob.key --materials src --products src dist \
        --out-dir links -- \
        sh -c 'mkdir -p dist && cp src/foo.py dist/foo.py && printf "pkg\n" >dist/foo.pkg' \
        >/dev/null
}

# seal_chain [OUT]: seal dist/ with the supply chain (default w.json)
seal_chain() {
    waybill seal dist --key sup.key --out "${1:-w.json}" -q --layout root.layout \
        --layout-key owner.pub --link-dir links --product-prefix dist
}
