#!/bin/bash
# test_layout_interop.sh: `waybill layout verify` against Debian's in-toto
# 1.3.1 (in-toto-verify).
#
# Keys come from in-toto-keygen (made once, shared by every case), layouts
# from in-toto's Python API (layout_interop.py), links from in-toto-run and
# in-toto-record. Each case builds a supply chain, then runs both verifiers
# on it and asserts that waybill's verdict equals in-toto-verify's and is
# the one expected; on a failure waybill must exit 1 (not 3) and its
# message must name the step, rule or artifact that failed. DSSE-wrapped
# links cannot be read by in-toto 1.3.1: those cases compare waybill on the
# envelope with in-toto-verify on the same link as a Metablock. The last
# cases make links with `waybill run` and `waybill record` and check that in-toto-verify accepts
# them, and layouts with `waybill layout create` that in-toto-verify accepts
# (and refuses once tampered). Prints TAP.
# shellcheck disable=SC2317  # helpers and cases are called through run_cases
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
NEED_INTOTO=1 # read by check_prerequisites
check_prerequisites

HELPER="$interop_dir/layout_interop.py"
K=$(mktemp -d) || exit 1

# --- shared keys --------------------------------------------------------------

# owner, alice, bob, carol: ed25519; dave: ecdsa; erin, owner2: rsa (PEM)
make_keys() {
    local spec name type
    for spec in owner:ed25519 alice:ed25519 bob:ed25519 carol:ed25519 dave:ecdsa erin:rsa \
        owner2:rsa; do
        name=${spec%%:*} type=${spec#*:}
        (cd "$K" && in-toto-keygen -t "$type" "$name" </dev/null >/dev/null) || return 1
    done
    # key ids, as securesystemslib computes them
    (cd "$K" && "$PY" "$KEYIDS" owner.pub alice.pub bob.pub carol.pub dave.pub erin.pub \
        owner2.pub >ids.txt) || return 1
    local i=1
    for name in owner alice bob carol dave erin owner2; do
        sed -n "${i}p" "$K/ids.txt" >"$K/$name.id"
        i=$((i + 1))
    done
}
if ! make_keys; then
    echo "1..1"
    echo "not ok 1 - in-toto-keygen made the shared keys"
    rm -rf "$K"
    exit 1
fi

# id8 NAME: the first 8 hex digits of a shared key's id (link file infix)
id8() { cut -c1-8 "$K/$1.id"; }
# type_of NAME: in-toto's key type of a shared key
type_of() {
    case $1 in
    dave) echo ecdsa ;;
    erin | owner2) echo rsa ;;
    *) echo ed25519 ;;
    esac
}
# fn NAME: a functionary entry for a layout spec
fn() { printf '["%s/%s.pub", "%s"]' "$K" "$1" "$(type_of "$1")"; }
# signer NAME: a signing entry for a layout spec
signer() { printf '["%s/%s", "%s"]' "$K" "$1" "$(type_of "$1")"; }

# mk_layout OUT SPEC: a layout made and signed by in-toto's Python API
mk_layout() { run 0 "$PY" "$HELPER" layout "$1" "$2"; }

# irun STEP KEY ARGS...: in-toto-run as functionary KEY (links land in .)
irun() {
    local step=$1 key=$2
    shift 2
    run 0 in-toto-run -n "$step" -k "$K/$key" -t "$(type_of "$key")" "$@"
}

# verdict pass|fail LAYOUT KEYS NEEDLE...: in-toto-verify and waybill on
# LAYOUT (trusting the comma-separated shared KEYS, links in
# ${LINK_DIR:-.}; ${WB_LINK_DIR:-$LINK_DIR} for waybill) must both give
# the expected verdict; waybill's failure must be exit 1 with every NEEDLE
# in its message. ${WB_EXTRA} adds waybill options.
verdict() {
    local want=$1 layout=$2 keys=$3 k intoto_status wb_status
    shift 3
    local it_args=() wb_args=() types=()
    IFS=, read -r -a names <<<"$keys"
    for k in "${names[@]}"; do
        it_args+=("$K/$k.pub")
        types+=("$(type_of "$k")")
        wb_args+=(--layout-key "$K/$k.pub")
    done
    in-toto-verify -l "$layout" -k "${it_args[@]}" -t "${types[@]}" \
        --link-dir "${LINK_DIR:-.}" >intoto.out 2>&1
    intoto_status=$?
    # shellcheck disable=SC2086  # WB_EXTRA is a list of words
    "$WAYBILL" layout verify "$layout" "${wb_args[@]}" --link-dir "${WB_LINK_DIR:-${LINK_DIR:-.}}" \
        ${WB_EXTRA:-} >wb.out 2>wb.err
    wb_status=$?
    echo "in-toto-verify: exit $intoto_status; waybill: exit $wb_status"
    if [ "$want" = pass ]; then
        if [ "$intoto_status" -ne 0 ]; then
            echo "in-toto-verify failed where the case expects a pass:" && tail -20 intoto.out
            return 1
        fi
        if [ "$wb_status" -ne 0 ]; then
            echo "waybill failed where in-toto-verify passed:" && cat wb.err
            return 1
        fi
        return 0
    fi
    if [ "$intoto_status" -eq 0 ]; then
        echo "in-toto-verify passed where the case expects a failure"
        return 1
    fi
    if [ "$wb_status" -ne 1 ]; then
        echo "waybill exit $wb_status where in-toto-verify failed (expected 1):" && cat wb.err
        return 1
    fi
    for k in "$@"; do
        contains wb.err "$k" || return 1
    done
}

# The chain of in-toto's demo: write-code (alice) creates foo.py, package
# (bob) takes it and makes foo.tar.gz.
CHAIN_SPEC() {
    cat <<EOF
{"sign": [$(signer owner)],
 "steps": [
  {"name": "write-code", "functionaries": [$(fn alice)],
   "products": [["CREATE", "foo.py"], ["DISALLOW", "*"]]},
  {"name": "package", "functionaries": [$(fn bob)],
   "materials": [["MATCH", "foo.py", "WITH", "PRODUCTS", "FROM", "write-code"],
                 ["DISALLOW", "*"]],
   "products": [["CREATE", "foo.tar.gz"], ["ALLOW", "foo.py"], ["DISALLOW", "*"]]}]}
EOF
}
chain_links() {
    irun write-code alice -p foo.py -- sh -c 'echo "print(1)" >foo.py' || return 1
    [ "${1:-}" = tamper ] && echo 'print("evil")' >foo.py
    irun package bob -m foo.py -p foo.py foo.tar.gz -- tar czf foo.tar.gz foo.py
}

# case chain_pass: a two-step chain verifies with both
chain_pass() {
    mk_layout root.layout "$(CHAIN_SPEC)" && chain_links || return 1
    verdict pass root.layout owner
}

# case chain_tampered: a product changed between steps fails MATCH, named by step, rule and artifact
chain_tampered() {
    mk_layout root.layout "$(CHAIN_SPEC)" && chain_links tamper || return 1
    verdict fail root.layout owner "package" "expected_materials" "DISALLOW *" "foo.py"
}

# case missing_link: a step without its link fails, naming the step
missing_link() {
    mk_layout root.layout "$(CHAIN_SPEC)" && chain_links || return 1
    rm -- package.*.link
    verdict fail root.layout owner "step 'package'" "needs 1 link"
}

# case unauthorized_key: a link by a key the step does not authorize does not count
unauthorized_key() {
    mk_layout root.layout "$(CHAIN_SPEC)" || return 1
    irun write-code alice -p foo.py -- sh -c 'echo "print(1)" >foo.py' || return 1
    irun package carol -m foo.py -p foo.py foo.tar.gz -- tar czf foo.tar.gz foo.py || return 1
    verdict fail root.layout owner "step 'package'" || return 1
    # carol's link under bob's file name: carol's signature is not bob's
    mv "package.$(id8 carol).link" "package.$(id8 bob).link"
    verdict fail root.layout owner "step 'package'" "$(cat "$K/bob.id")"
}

THRESHOLD_SPEC() {
    cat <<EOF
{"sign": [$(signer owner)],
 "steps": [{"name": "build", "threshold": 2, "functionaries": [$(fn alice), $(fn bob)],
            "products": [["CREATE", "out.bin"], ["DISALLOW", "*"]]}]}
EOF
}

# case threshold2_one_link: threshold 2 with one link fails
threshold2_one_link() {
    mk_layout root.layout "$(THRESHOLD_SPEC)" || return 1
    irun build alice -p out.bin -- sh -c 'echo built >out.bin' || return 1
    verdict fail root.layout owner "step 'build'" "needs 2 links" "found 1"
}

# case threshold2_two_agree: threshold 2 with two agreeing links passes
threshold2_two_agree() {
    mk_layout root.layout "$(THRESHOLD_SPEC)" || return 1
    irun build alice -p out.bin -- sh -c 'echo built >out.bin' || return 1
    rm out.bin
    irun build bob -p out.bin -- sh -c 'echo built >out.bin' || return 1
    verdict pass root.layout owner
}

# case threshold2_disagree: threshold 2 with links that disagree on products fails
threshold2_disagree() {
    mk_layout root.layout "$(THRESHOLD_SPEC)" || return 1
    irun build alice -p out.bin -- sh -c 'echo built >out.bin' || return 1
    rm out.bin
    irun build bob -p out.bin -- sh -c 'echo other >out.bin' || return 1
    verdict fail root.layout owner "step 'build'" "disagree"
}

# case expired_layout: an expired layout fails
expired_layout() {
    mk_layout root.layout "{\"expires\": \"2020-01-01T00:00:00Z\", \"sign\": [$(signer owner)],
        \"steps\": []}" || return 1
    verdict fail root.layout owner "expired"
}

# case wrong_layout_key: a layout verified with another key than its signer's fails
wrong_layout_key() {
    mk_layout root.layout "$(CHAIN_SPEC)" && chain_links || return 1
    verdict fail root.layout alice "$(cat "$K/alice.id")"
}

# case layout_tampered: a layout changed after signing fails
layout_tampered() {
    mk_layout root.layout "$(CHAIN_SPEC)" && chain_links || return 1
    run 0 "$PY" "$HELPER" edit root.layout \
        'doc["signed"]["steps"][1]["expected_materials"] = [["ALLOW", "*"]]' || return 1
    verdict fail root.layout owner "signature"
}

# case two_layout_keys: every layout key given must have signed (two signers pass, one of two fails)
two_layout_keys() {
    local spec
    spec=$(CHAIN_SPEC)
    mk_layout both.layout "${spec/\"sign\": \[/\"sign\": [$(signer owner2), }" || return 1
    mk_layout one.layout "$spec" && chain_links || return 1
    verdict pass both.layout owner,owner2 || return 1
    verdict fail one.layout owner,owner2 "$(cat "$K/owner2.id")"
}

# one_step_rules PRODUCT_RULES MATERIAL_RULES: a layout of one step "s"
# (alice) with these rules
one_step() {
    mk_layout root.layout "{\"sign\": [$(signer owner)],
        \"steps\": [{\"name\": \"s\", \"functionaries\": [$(fn alice)],
                     \"materials\": $2, \"products\": $1}]}"
}

# case rule_create: CREATE does not take an artifact that was a material too, so DISALLOW fails on it
rule_create() {
    one_step '[["CREATE", "*"], ["DISALLOW", "*"]]' '[["ALLOW", "*"]]' || return 1
    echo old >kept
    irun s alice -m kept -p kept new -- sh -c 'echo new >new' || return 1
    verdict fail root.layout owner "'s'" "expected_products" "DISALLOW *" "kept" || return 1
    rm -- s.*.link
    irun s alice -m kept -p new -- sh -c 'echo new >new' || return 1
    verdict pass root.layout owner
}

# case rule_delete: DELETE takes only a material that is no longer a product
rule_delete() {
    one_step '[["ALLOW", "*"]]' '[["DELETE", "gone"], ["DISALLOW", "*"]]' || return 1
    echo a >gone
    irun s alice -m gone -p gone -- true || return 1
    verdict fail root.layout owner "expected_materials" "DISALLOW *" "gone" || return 1
    rm -- s.*.link
    irun s alice -m gone -p gone -- rm gone || return 1
    verdict pass root.layout owner
}

# case rule_modify: MODIFY takes only an artifact whose hash changed
rule_modify() {
    one_step '[["MODIFY", "f"], ["DISALLOW", "*"]]' '[["ALLOW", "*"]]' || return 1
    echo a >f
    irun s alice -m f -p f -- true || return 1
    verdict fail root.layout owner "expected_products" "DISALLOW *" "'f'" || return 1
    rm -- s.*.link
    irun s alice -m f -p f -- sh -c 'echo b >f' || return 1
    verdict pass root.layout owner
}

# case rule_allow_disallow: ALLOW takes what it matches ('*' matches '/'), DISALLOW fails on what is left
rule_allow_disallow() {
    one_step '[["ALLOW", "*.py"], ["DISALLOW", "*"]]' '[]' || return 1
    mkdir -p sub/dir && echo x >sub/dir/x.py && echo y >a.py
    irun s alice -p a.py sub -- true || return 1
    verdict pass root.layout owner || return 1
    echo z >notes.txt
    rm -- s.*.link
    irun s alice -p a.py sub notes.txt -- true || return 1
    verdict fail root.layout owner "DISALLOW *" "notes.txt"
}

# case rule_require: REQUIRE fails when its path is not in the queue
rule_require() {
    one_step '[["REQUIRE", "needed"], ["ALLOW", "*"]]' '[]' || return 1
    echo x >other
    irun s alice -p other -- true || return 1
    verdict fail root.layout owner "REQUIRE needed" "'needed'" || return 1
    echo y >needed
    rm -- s.*.link
    irun s alice -p other needed -- true || return 1
    verdict pass root.layout owner
}

PREFIX_SPEC() {
    cat <<EOF
{"sign": [$(signer owner)],
 "steps": [
  {"name": "fetch", "functionaries": [$(fn alice)], "products": [["ALLOW", "*"]]},
  {"name": "build", "functionaries": [$(fn bob)],
   "materials": [["MATCH", "*.c", "IN", "work/src", "WITH", "PRODUCTS", "IN", "src", "FROM", "fetch"],
                 ["DISALLOW", "*"]]}]}
EOF
}

# case rule_match_prefix: MATCH with IN prefixes on both sides passes, and fails on a changed file
rule_match_prefix() {
    mk_layout root.layout "$(PREFIX_SPEC)" || return 1
    mkdir -p src work/src && echo 'int main;' >src/m.c
    irun fetch alice -p src -- true || return 1
    cp src/m.c work/src/m.c
    irun build bob -m work -- true || return 1
    verdict pass root.layout owner || return 1
    echo 'int evil;' >work/src/m.c
    rm -- build.*.link
    irun build bob -m work -- true || return 1
    verdict fail root.layout owner "'build'" "expected_materials" "work/src/m.c"
}

# case rule_match_missing: MATCH against a step that has no such artifact leaves it for DISALLOW
rule_match_missing() {
    mk_layout root.layout "$(PREFIX_SPEC)" || return 1
    mkdir -p src work/src && echo 'int main;' >src/m.c
    irun fetch alice -p src -- true || return 1
    cp src/m.c work/src/m.c && echo 'x' >work/src/extra.c
    irun build bob -m work -- true || return 1
    verdict fail root.layout owner "work/src/extra.c"
}

# sublayout setup: the root layout's step "sub" is performed by bob, who
# signs a layout whose step "inner" alice performs; the root's "release"
# (carol) takes foo from the sublayout's products.
sublayout_setup() {
    mk_layout root.layout "{\"sign\": [$(signer owner)],
      \"steps\": [
        {\"name\": \"sub\", \"functionaries\": [$(fn bob)], \"products\": [[\"ALLOW\", \"*\"]]},
        {\"name\": \"release\", \"functionaries\": [$(fn carol)],
         \"materials\": [[\"MATCH\", \"foo\", \"WITH\", \"PRODUCTS\", \"FROM\", \"sub\"],
                         [\"DISALLOW\", \"*\"]]}]}" || return 1
    mk_layout "sub.$(id8 bob).link" "{\"sign\": [$(signer bob)],
      \"steps\": [{\"name\": \"inner\", \"functionaries\": [$(fn alice)],
                   \"products\": [[\"CREATE\", \"foo\"], [\"DISALLOW\", \"*\"]]}]}" || return 1
    mkdir "sub.$(id8 bob)" || return 1
    irun inner alice -p foo -- sh -c 'echo made >foo' || return 1
    mv -- inner.*.link "sub.$(id8 bob)/"
}

# case sublayout_pass: a sublayout verifies recursively and stands for its summary link
sublayout_pass() {
    sublayout_setup || return 1
    irun release carol -m foo -- true || return 1
    verdict pass root.layout owner
}

# case sublayout_fail: a rule failing inside a sublayout fails the root, naming the sublayout
sublayout_fail() {
    sublayout_setup || return 1
    irun release carol -m foo -- true || return 1
    # the inner step made one more file than its rules allow
    rm -- "sub.$(id8 bob)"/inner.*.link
    irun inner alice -p foo bar -- sh -c 'echo made >foo; echo x >bar' || return 1
    mv -- inner.*.link "sub.$(id8 bob)/"
    verdict fail root.layout owner "sublayout" "'inner'" "bar"
}

# case sublayout_summary_mismatch: the root's MATCH against the sublayout's summary fails on a changed product
sublayout_summary_mismatch() {
    sublayout_setup || return 1
    echo changed >foo
    irun release carol -m foo -- true || return 1
    verdict fail root.layout owner "'release'" "foo"
}

# case ecdsa_keys: an ecdsa functionary (in-toto-keygen -t ecdsa) verifies
ecdsa_keys() {
    mk_layout root.layout "{\"sign\": [$(signer owner)],
        \"steps\": [{\"name\": \"s\", \"functionaries\": [$(fn dave)],
                     \"products\": [[\"CREATE\", \"o\"], [\"DISALLOW\", \"*\"]]}]}" || return 1
    irun s dave -p o -- sh -c 'echo o >o' || return 1
    verdict pass root.layout owner || return 1
    # the signed products changed after signing: the signature no longer holds
    run 0 "$PY" "$HELPER" edit "s.$(id8 dave).link" \
        'doc["signed"]["products"]["o"]["sha256"] = "00" * 32' || return 1
    verdict fail root.layout owner "step 's'" "$(cat "$K/dave.id")"
}

# case rsa_keys: an rsa layout key and an rsa functionary (PEM, RSASSA-PSS) verify
rsa_keys() {
    mk_layout root.layout "{\"sign\": [$(signer owner2)],
        \"steps\": [{\"name\": \"s\", \"functionaries\": [$(fn erin)],
                     \"products\": [[\"CREATE\", \"o\"], [\"DISALLOW\", \"*\"]]}]}" || return 1
    irun s erin -p o -- sh -c 'echo o >o' || return 1
    verdict pass root.layout owner2 || return 1
    verdict fail root.layout owner "$(cat "$K/owner.id")"
}

# case record_links: links made with in-toto-record start/stop verify
record_links() {
    mk_layout root.layout "$(CHAIN_SPEC)" || return 1
    run 0 in-toto-record start -n write-code -k "$K/alice" -t ed25519 || return 1
    echo 'print(2)' >foo.py
    run 0 in-toto-record stop -n write-code -k "$K/alice" -t ed25519 -p foo.py || return 1
    irun package bob -m foo.py -p foo.py foo.tar.gz -- tar czf foo.tar.gz foo.py || return 1
    verdict pass root.layout owner
}

# dsse_setup: the chain, with a copy of the links in dsse/ where package's
# link is a DSSE envelope (signed by KEY, default bob) of the same link
dsse_setup() {
    mk_layout root.layout "$(CHAIN_SPEC)" && chain_links "${2:-}" || return 1
    mkdir dsse && cp -- *.link dsse/ || return 1
    run 0 "$PY" "$HELPER" dsse "package.$(id8 bob).link" "$K/${1:-bob}" ed25519 \
        "dsse/package.$(id8 bob).link" || return 1
    # the DSSE verifier of dsse.py accepts the envelope (or not) on its own
    grep -q payloadType "dsse/package.$(id8 bob).link"
}

# case dsse_link_pass: a DSSE-wrapped link verifies as its Metablock does in in-toto
dsse_link_pass() {
    dsse_setup || return 1
    run 0 "$PY" "$DSSE" verify "dsse/package.$(id8 bob).link" --trust "$K/bob.pub" || return 1
    WB_LINK_DIR=dsse verdict pass root.layout owner
}

# case dsse_link_tampered: a DSSE link whose payload changed fails, as the changed Metablock does
dsse_link_tampered() {
    dsse_setup || return 1
    flip_payload "dsse/package.$(id8 bob).link" || return 1
    run 1 "$PY" "$DSSE" verify "dsse/package.$(id8 bob).link" --trust "$K/bob.pub" || return 1
    run 0 "$PY" "$HELPER" edit "package.$(id8 bob).link" 'doc["signed"]["name"] += "x"' ||
        return 1
    WB_LINK_DIR=dsse verdict fail root.layout owner "step 'package'"
}

# case dsse_link_wrong_key: a DSSE link signed by an unauthorized key under an authorized name fails
dsse_link_wrong_key() {
    dsse_setup carol || return 1
    irun package carol -m foo.py -p foo.py foo.tar.gz -- tar czf foo.tar.gz foo.py || return 1
    mv "package.$(id8 carol).link" "package.$(id8 bob).link"
    WB_LINK_DIR=dsse verdict fail root.layout owner "step 'package'" "DSSE"
}

# case dsse_link_tampered_chain: a DSSE link in a tampered chain fails MATCH as the Metablock does
dsse_link_tampered_chain() {
    dsse_setup bob tamper || return 1
    WB_LINK_DIR=dsse verdict fail root.layout owner "package" "DISALLOW *" "foo.py"
}

INSPECT_SPEC() {
    cat <<EOF
{"sign": [$(signer owner)],
 "steps": [{"name": "write-code", "functionaries": [$(fn alice)],
            "products": [["CREATE", "foo.py"], ["DISALLOW", "*"]]}],
 "inspect": [{"name": "check", "run": $1,
              "materials": [["MATCH", "foo.py", "WITH", "PRODUCTS", "FROM", "write-code"],
                            ["DISALLOW", "foo.py"], ["ALLOW", "*"]],
              "products": [["ALLOW", "*"]]}]}
EOF
}

# case inspection_pass: an inspection runs (--run-inspections) and its rules pass
inspection_pass() {
    mk_layout root.layout "$(INSPECT_SPEC '["sh", "-c", "test -f foo.py"]')" || return 1
    irun write-code alice -p foo.py -- sh -c 'echo "print(1)" >foo.py' || return 1
    WB_EXTRA=--run-inspections verdict pass root.layout owner
}

# case inspection_command_fails: an inspection whose command fails fails verification
inspection_command_fails() {
    mk_layout root.layout "$(INSPECT_SPEC '["false"]')" || return 1
    irun write-code alice -p foo.py -- sh -c 'echo "print(1)" >foo.py' || return 1
    WB_EXTRA=--run-inspections verdict fail root.layout owner "inspection 'check'" "status 1"
}

# case inspection_rule_fails: an inspection's MATCH fails on a file changed after the step
inspection_rule_fails() {
    mk_layout root.layout "$(INSPECT_SPEC '["true"]')" || return 1
    irun write-code alice -p foo.py -- sh -c 'echo "print(1)" >foo.py' || return 1
    echo 'print("evil")' >foo.py
    WB_EXTRA=--run-inspections verdict fail root.layout owner "'check'" "foo.py"
}

# case inspection_not_run: without --run-inspections waybill refuses a layout with inspections (in-toto runs them always)
inspection_not_run() {
    mk_layout root.layout "$(INSPECT_SPEC '["true"]')" || return 1
    irun write-code alice -p foo.py -- sh -c 'echo "print(1)" >foo.py' || return 1
    run 1 "$WAYBILL" layout verify root.layout --layout-key "$K/owner.pub" || return 1
    contains err.txt "inspection 'check' was not run"
}

# case unknown_field_ignored: a field added to a link after signing is not signed, and both verifiers ignore it
unknown_field_ignored() {
    mk_layout root.layout "$(CHAIN_SPEC)" && chain_links || return 1
    run 0 "$PY" "$HELPER" edit "package.$(id8 bob).link" 'doc["signed"]["extra"] = "x"' ||
        return 1
    verdict pass root.layout owner
}

# case link_dir_option: links read from --link-dir
link_dir_option() {
    mk_layout root.layout "$(CHAIN_SPEC)" && chain_links || return 1
    mkdir links && mv -- *.link links/ || return 1
    LINK_DIR=links verdict pass root.layout owner
}

# case usage_and_format_errors: exit 2 without a layout key, 3 for a layout that is not JSON
usage_and_format_errors() {
    echo '{"signed":' >broken.layout
    run 2 "$WAYBILL" layout verify broken.layout || return 1
    run 3 "$WAYBILL" layout verify broken.layout --layout-key "$K/owner.pub" || return 1
    run 2 "$WAYBILL" layout frobnicate
}

# wbrun STEP KEY ARGS...: waybill run as functionary KEY
wbrun() {
    local step=$1 key=$2
    shift 2
    run 0 "$WAYBILL" run --step "$step" --key "$K/$key" "$@"
}

WBRUN_SPEC() {
    cat <<EOF
{"sign": [$(signer owner)],
 "steps": [
  {"name": "write-code", "functionaries": [$(fn alice)],
   "products": [["CREATE", "src/foo.py"], ["DISALLOW", "*"]]},
  {"name": "package", "functionaries": [$(fn dave)],
   "materials": [["MATCH", "src/*", "WITH", "PRODUCTS", "FROM", "write-code"], ["DISALLOW", "*"]],
   "products": [["CREATE", "foo.tar.gz"], ["ALLOW", "src/*"], ["DISALLOW", "*"]]}]}
EOF
}

# case wb_run_chain: links written by waybill run (ed25519 and ecdsa keys of in-toto-keygen) pass in-toto-verify
wb_run_chain() {
    mk_layout root.layout "$(WBRUN_SPEC)" && mkdir src || return 1
    wbrun write-code alice --products ./src -- sh -c 'echo "print(1)" >src/foo.py' || return 1
    same "waybill run prints the link" "./write-code.$(id8 alice).link" "$(cat out.txt)" || return 1
    wbrun package dave --materials src --products src foo.tar.gz -- tar czf foo.tar.gz src ||
        return 1
    verdict pass root.layout owner
}

# case wb_run_tampered: a waybill run chain with a file changed between steps fails both
wb_run_tampered() {
    mk_layout root.layout "$(WBRUN_SPEC)" && mkdir src || return 1
    wbrun write-code alice --products src -- sh -c 'echo "print(1)" >src/foo.py' || return 1
    echo 'print("evil")' >src/foo.py
    wbrun package dave --materials src --products src foo.tar.gz -- tar czf foo.tar.gz src ||
        return 1
    verdict fail root.layout owner "'package'" "src/foo.py"
}

# case wb_run_mixed: an in-toto-run link and a waybill run link in one chain pass both
wb_run_mixed() {
    mk_layout root.layout "$(WBRUN_SPEC)" && mkdir src || return 1
    irun write-code alice -p src -- sh -c 'echo "print(1)" >src/foo.py' || return 1
    wbrun package dave --materials src --products src foo.tar.gz -- tar czf foo.tar.gz src ||
        return 1
    verdict pass root.layout owner
}

# case wb_run_exit_status: waybill run writes the link when the command fails (exit 1) and with --no-command
wb_run_exit_status() {
    run 1 "$WAYBILL" run --step s --key "$K/alice" -- false || return 1
    [ -s "s.$(id8 alice).link" ] || { echo "no link written"; return 1; }
    run 0 "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))["signed"]
assert d["byproducts"]["return-value"] == 1, d' "s.$(id8 alice).link" || return 1
    run 0 "$WAYBILL" run --step t --key "$K/alice" --no-command || return 1
    run 2 "$WAYBILL" run --step t --key "$K/alice" || return 1
    run 3 "$WAYBILL" run --step t --key "$K/alice.pub" --no-command
}

SYMLINK_SPEC() {
    cat <<EOF
{"sign": [$(signer owner)],
 "steps": [
  {"name": "fetch", "functionaries": [$(fn alice)],
   "products": [["CREATE", "*"], ["DISALLOW", "*"]]},
  {"name": "build", "functionaries": [$(fn bob)],
   "materials": [["MATCH", "*", "WITH", "PRODUCTS", "FROM", "fetch"], ["DISALLOW", "*"]]}]}
EOF
}

# case wb_run_symlinks: waybill run records symbolic links as in-toto-run does (a link to a file under its own name, wherever it points; a link to a directory walked, given or met in a walk; a dangling one skipped)
wb_run_symlinks() {
    mkdir -p tree/realdir && echo hi >tree/file.txt && echo inner >tree/realdir/in.txt &&
        echo out >outside.txt && ln -s file.txt tree/to-file && ln -s realdir tree/to-dir &&
        ln -s nowhere tree/dangling && ln -s ../outside.txt tree/to-outside || return 1
    irun rec-i alice -p tree tree/to-file -- true || return 1
    wbrun rec-w alice --products tree tree/to-file -- true || return 1
    irun given-i alice -p tree/to-dir -- true || return 1
    wbrun given-w alice --products tree/to-dir -- true || return 1
    run 0 "$PY" -c 'import json, sys
a, b = (json.load(open(p))["signed"]["products"] for p in sys.argv[1:3])
assert a == b, (sorted(a), sorted(b))
assert {"tree/to-file", "tree/to-outside", "tree/to-dir/in.txt"} <= set(a), sorted(a)
assert "tree/dangling" not in a, sorted(a)' "rec-i.$(id8 alice).link" "rec-w.$(id8 alice).link" ||
        return 1
    run 0 "$PY" -c 'import json, sys
a, b = (json.load(open(p))["signed"]["products"] for p in sys.argv[1:3])
assert a == b == {"tree/to-dir/in.txt": a["tree/to-dir/in.txt"]}, (a, b)' \
        "given-i.$(id8 alice).link" "given-w.$(id8 alice).link" || return 1
    # a chain: waybill run's products are in-toto-run's materials, every one
    mk_layout root.layout "$(SYMLINK_SPEC)" || return 1
    wbrun fetch alice --products tree -- true || return 1
    irun build bob -m tree -- true || return 1
    verdict pass root.layout owner
}

# case wb_record_chain: waybill record start/stop makes a link in-toto-verify accepts; a changed unfinished file is refused
wb_record_chain() {
    mk_layout root.layout "$(WBRUN_SPEC)" && mkdir src || return 1
    run 0 "$WAYBILL" record start --step write-code --key "$K/alice" || return 1
    [ -s ".write-code.$(id8 alice).link-unfinished" ] || { echo "no unfinished link"; return 1; }
    echo 'print(1)' >src/foo.py
    run 0 "$WAYBILL" record stop --step write-code --key "$K/alice" --products src || return 1
    [ ! -e ".write-code.$(id8 alice).link-unfinished" ] || { echo "unfinished link left"; return 1; }
    wbrun package dave --materials src --products src foo.tar.gz -- tar czf foo.tar.gz src ||
        return 1
    verdict pass root.layout owner || return 1
    run 0 "$WAYBILL" record start --step other --key "$K/alice" --materials src || return 1
    run 0 "$PY" "$HELPER" edit ".other.$(id8 alice).link-unfinished" \
        'doc["signed"]["materials"] = {}' || return 1
    run 1 "$WAYBILL" record stop --step other --key "$K/alice" --products src || return 1
    contains err.txt "does not verify"
}

# --- layouts made by waybill layout create ------------------------------------

# wbcreate OUT DESCRIPTION KEY...: `waybill layout create` signed by the
# shared private KEYs
wbcreate() {
    local out=$1 desc=$2 k args=()
    shift 2
    for k in "$@"; do args+=(--key "$K/$k"); done
    printf '%s\n' "$desc" >desc.json
    run 0 "$WAYBILL" layout create desc.json "${args[@]}" --out "$out"
}

WBCREATE_DESC() {
    cat <<EOF
{"expires": "365d", "readme": "made by waybill layout create",
 "steps": [
  {"name": "write-code", "functionaries": ["$K/alice.pub"],
   "expected_products": ["CREATE src/foo.py", "DISALLOW *"],
   "expected_command": "sh -c"},
  {"name": "package", "functionaries": ["$K/dave.pub"],
   "expected_materials": ["MATCH src/* WITH PRODUCTS FROM write-code", "DISALLOW *"],
   "expected_products": [["CREATE", "foo.tar.gz"], "ALLOW src/*", "DISALLOW *"]}]}
EOF
}

# case wb_create_chain: a layout by waybill layout create, links by in-toto-run and waybill run, passes in-toto-verify and waybill
wb_create_chain() {
    wbcreate root.layout "$(WBCREATE_DESC)" owner && mkdir src || return 1
    irun write-code alice -p src -- sh -c 'echo "print(1)" >src/foo.py' || return 1
    wbrun package dave --materials src --products src foo.tar.gz -- tar czf foo.tar.gz src ||
        return 1
    verdict pass root.layout owner || return 1
    # every field of in-toto's model, keys in securesystemslib form, one signature
    run 0 "$PY" -c 'import json, sys
d = json.load(open("root.layout"))
s = d["signed"]
assert sorted(s) == ["_type", "expires", "inspect", "keys", "readme", "steps"], sorted(s)
for k, v in s["keys"].items():
    assert v["keyid"] == k and v["keyid_hash_algorithms"] == ["sha256", "sha512"], v
assert [x["keyid"] for x in d["signatures"]] == [open(sys.argv[1]).read().strip()]' "$K/owner.id"
}

# case wb_create_waybill_links: a waybill-made layout with links all by waybill run passes both; a product changed between steps fails both
wb_create_waybill_links() {
    wbcreate root.layout "$(WBCREATE_DESC)" owner && mkdir src || return 1
    wbrun write-code alice --products src -- sh -c 'echo "print(1)" >src/foo.py' || return 1
    wbrun package dave --materials src --products src foo.tar.gz -- tar czf foo.tar.gz src ||
        return 1
    verdict pass root.layout owner || return 1
    rm -- *.link foo.tar.gz
    wbrun write-code alice --products src -- sh -c 'echo "print(1)" >src/foo.py' || return 1
    echo 'print("evil")' >src/foo.py
    wbrun package dave --materials src --products src foo.tar.gz -- tar czf foo.tar.gz src ||
        return 1
    verdict fail root.layout owner "'package'" "src/foo.py"
}

# case wb_create_tampered: a waybill-made layout changed after signing (a rule, a key, the expiry) fails both
wb_create_tampered() {
    wbcreate root.layout "$(WBCREATE_DESC)" owner && mkdir src || return 1
    irun write-code alice -p src -- sh -c 'echo "print(1)" >src/foo.py' || return 1
    wbrun package dave --materials src --products src foo.tar.gz -- tar czf foo.tar.gz src ||
        return 1
    cp root.layout orig.layout
    run 0 "$PY" "$HELPER" edit root.layout \
        'doc["signed"]["steps"][1]["expected_materials"] = [["ALLOW", "*"]]' || return 1
    verdict fail root.layout owner "signature" || return 1
    cp orig.layout root.layout
    run 0 "$PY" "$HELPER" edit root.layout 'doc["signed"]["expires"] = "2099-01-01T00:00:00Z"' ||
        return 1
    verdict fail root.layout owner "signature" || return 1
    cp orig.layout root.layout
    run 0 "$PY" "$HELPER" edit root.layout 'doc["signed"]["steps"][0]["threshold"] = 2' ||
        return 1
    verdict fail root.layout owner "signature" || return 1
    # signed by owner, checked with carol's key
    cp orig.layout root.layout
    verdict fail root.layout carol "$(cat "$K/carol.id")"
}

# case wb_create_full: two signers, threshold 2, an rsa functionary, an absolute expiry and an inspection: in-toto-verify and waybill agree
wb_create_full() {
    wbcreate root.layout "{\"expires\": \"2099-12-31T23:59:59Z\",
     \"steps\": [
      {\"name\": \"build\", \"threshold\": 2,
       \"functionaries\": [\"$K/alice.pub\", \"$K/bob.pub\"],
       \"expected_products\": [\"CREATE out.bin\", \"DISALLOW *\"]},
      {\"name\": \"sign\", \"functionaries\": [\"$K/erin.pub\"],
       \"expected_materials\": [\"MATCH out.bin WITH PRODUCTS FROM build\", \"DISALLOW *\"],
       \"expected_products\": [\"MATCH out.bin WITH PRODUCTS FROM build\", \"CREATE out.sig\",
                              \"DISALLOW *\"]}],
     \"inspect\": [
      {\"name\": \"check\", \"run\": [\"sh\", \"-c\", \"test -f out.bin\"],
       \"expected_materials\": [\"MATCH out.bin WITH PRODUCTS FROM build\", \"ALLOW *\"]}]}" \
        owner carol || return 1
    irun build alice -p out.bin -- sh -c 'echo built >out.bin' || return 1
    rm out.bin
    wbrun build bob --products out.bin -- sh -c 'echo built >out.bin' || return 1
    irun sign erin -m out.bin -p out.bin out.sig -- sh -c 'echo sig >out.sig' || return 1
    WB_EXTRA=--run-inspections verdict pass root.layout owner,carol || return 1
    # one of the two links missing: threshold 2 not met, for both
    rm -- "build.$(id8 bob).link"
    WB_EXTRA=--run-inspections verdict fail root.layout owner,carol "step 'build'" "needs 2 links"
}

cases=(
    chain_pass
    chain_tampered
    missing_link
    unauthorized_key
    threshold2_one_link
    threshold2_two_agree
    threshold2_disagree
    expired_layout
    wrong_layout_key
    layout_tampered
    two_layout_keys
    rule_create
    rule_delete
    rule_modify
    rule_allow_disallow
    rule_require
    rule_match_prefix
    rule_match_missing
    sublayout_pass
    sublayout_fail
    sublayout_summary_mismatch
    ecdsa_keys
    rsa_keys
    record_links
    dsse_link_pass
    dsse_link_tampered
    dsse_link_wrong_key
    dsse_link_tampered_chain
    inspection_pass
    inspection_command_fails
    inspection_rule_fails
    inspection_not_run
    unknown_field_ignored
    link_dir_option
    usage_and_format_errors
    wb_run_chain
    wb_run_tampered
    wb_run_mixed
    wb_run_exit_status
    wb_run_symlinks
    wb_record_chain
    wb_create_chain
    wb_create_waybill_links
    wb_create_tampered
    wb_create_full
)
run_cases "${cases[@]}"
status=$?
rm -rf "$K"
exit $status
