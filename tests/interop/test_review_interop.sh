#!/bin/bash
# test_review_interop.sh: `waybill review` against independent tools.
#
#   - SARIF 2.1.0 output validates with ajv (ajv-draft-04) against the OASIS
#     schema in tests/vectors/schemas/sarif-2.1.0; a broken copy does not.
#   - CVSS base scores (cvss.c, which rates OSV severities) equal those of
#     ae-cvss-calculator (npm) on every CVSS v2, v3.0 and v3.1 base vector
#     (729 + 2 x 2,592), with temporal metrics on a sample.
#   - The malware findings of `review --yara` equal Debian's `yara -r -N`
#     on the same rules and tree.
#   - The review attestation verifies with tests/interop/dsse.py (a DSSE
#     implementation written from the spec), and its subjects equal
#     `sha256sum` of every file; a changed payload does not verify.
#   - OSV: the records the cases use validate against the OSV schema (ajv,
#     2020-12); this machine's real dpkg status matched against records
#     written for one of its real source packages finds it exactly when
#     `dpkg --compare-versions` says the installed version is below the fix.
#
# The secret and EICAR fixtures are made at run time (nothing in this file
# trips a scanner). Needs $WAYBILL, $WB_REVIEW_NPM_DIR (meson sets both),
# node, npm, yara, dpkg-query, sha256sum. Prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${WB_SOURCE_ROOT:-$(cd "$here/../.." && pwd)}
# shellcheck source=lib.sh
. "$here/lib.sh"
SCHEMAS="$root/tests/vectors/schemas"
OSV_SCHEMA="$root/tests/vectors/osv/schema.json"
NPM_DIR=${WB_REVIEW_NPM_DIR:-}
export SOURCE_DATE_EPOCH=1764720000

missing=()
[ -n "${WAYBILL:-}" ] && [ -x "$WAYBILL" ] || missing+=("WAYBILL is not set to the built waybill")
[ -n "$NPM_DIR" ] || missing+=("WB_REVIEW_NPM_DIR is not set (meson sets it)")
[ -n "${CVSS_SCORES:-}" ] && [ -x "$CVSS_SCORES" ] || missing+=("CVSS_SCORES is not set to the built tests/interop/cvss_scores")
for tool in node npm yara dpkg-query dpkg sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool not found (see deps/debian-packages.txt)")
done
"$PY" -c 'import cryptography' 2>/dev/null || missing+=("python3-cryptography missing for $PY")
if [ ${#missing[@]} -gt 0 ]; then
    echo "1..1"
    echo "not ok 1 - prerequisites for the review interop tests"
    for m in "${missing[@]}"; do echo "# $m"; done
    exit 1
fi

# ajv and friends, pinned by tests/interop/npm/package-lock.json
npm_status=0
if ! { [ -d "$NPM_DIR/node_modules" ] && cmp -s "$here/npm/package-lock.json" "$NPM_DIR/package-lock.json"; }; then
    rm -rf "$NPM_DIR" && mkdir -p "$NPM_DIR" &&
        cp "$here/npm/package.json" "$here/npm/package-lock.json" "$NPM_DIR/" &&
        (cd "$NPM_DIR" && npm ci --ignore-scripts --no-audit --no-fund) >"$NPM_DIR.log" 2>&1 ||
        npm_status=$?
fi
need_npm() {
    [ "$npm_status" -eq 0 ] && return 0
    echo "npm ci of tests/interop/npm failed:"
    tail -20 "$NPM_DIR.log" 2>/dev/null
    rm -f "$NPM_DIR/package-lock.json"
    exit 1
}

eicar() {
    printf '%s%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$' 'EICAR-STANDARD-ANTIVIRUS-' 'TEST-FILE!$H+H*'
}

# a delivery with one finding of each content kind and an npm component
make_tree() {
    mkdir -p tree/app tree/doc "tree/odd name" tree/node_modules/left-pad
    printf 'hello\n' >tree/doc/README
    eicar >tree/doc/eicar.com
    printf 'aws_access_key_id = %s\n' \
        "$("$PY" -c 'import random,string; r=random.SystemRandom(); print("AKIA"+"".join(r.choice(string.ascii_uppercase+"234567") for _ in range(16)))')" \
        >"tree/odd name/config.ini"
    printf 'dropper payload\n' >tree/app/dropper.bin
    printf '{"name": "left-pad", "version": "1.3.0"}\n' >tree/node_modules/left-pad/package.json
    printf '%s  dropper\n' "$(sha256sum tree/app/dropper.bin | cut -d' ' -f1)" >bad.txt
    cat >rules.yar <<'YAR'
rule eicar_marker : test { strings: $a = "EICAR-STANDARD-ANTIVIRUS" condition: $a }
rule dropper_text { strings: $a = "dropper payload" condition: $a }
rule hex_jump { strings: $h = { 45 49 43 41 52 [1-4] 53 54 41 4E } condition: $h }
YAR
    mkdir -p osv
    cat >osv/GHSA-wb00-test-0001.json <<'JSON'
{"schema_version": "1.6.0", "id": "GHSA-wb00-test-0001", "modified": "2024-01-01T00:00:00Z",
 "aliases": ["CVE-2024-99991"], "summary": "test record",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
 "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.3.1"}]}]}]}
JSON
}

# case sarif_schema: SARIF 2.1.0 with every kind of finding validates with ajv against the OASIS schema; a broken copy does not
sarif_schema() {
    need_npm
    make_tree
    run 1 "$WAYBILL" review tree --yara rules.yar --bad-digests bad.txt --osv osv --sarif r.sarif || return 1
    "$PY" - <<'PYEOF' || return 1
import json
run = json.load(open("r.sarif"))["runs"][0]
kinds = sorted({r["properties"]["kind"] for r in run["results"]})
assert kinds == ["malware", "secret", "vulnerability"], kinds
uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
assert "odd%20name/config.ini" in uris, uris
assert run["originalUriBaseIds"]["DELIVERY"]["uri"].startswith("file:///"), run["originalUriBaseIds"]
PYEOF
    node "$here/sbom_validate.js" "$NPM_DIR" "$SCHEMAS/sarif-2.1.0" r.sarif || return 1
    "$PY" -c 'import json
d = json.load(open("r.sarif"))
d["runs"][0]["results"][0]["level"] = "fatal"
json.dump(d, open("bad.sarif", "w"))'
    if node "$here/sbom_validate.js" "$NPM_DIR" "$SCHEMAS/sarif-2.1.0" bad.sarif >bad.txt 2>&1; then
        echo "a broken SARIF log validated"
        return 1
    fi
    contains bad.txt "level must be equal to one of the allowed values"
}

# case yara_same: review --yara finds exactly the (rule, file) pairs that yara -r -N finds
yara_same() {
    make_tree
    run 1 "$WAYBILL" review tree --yara rules.yar --no-secrets --json || return 1
    "$PY" -c 'import json
for f in json.load(open("out.txt"))["findings"]:
    if f["kind"] == "malware":
        print(f["ruleId"].split("/")[-1], f["path"])' | sort >waybill.txt
    (cd tree && yara -r -N ../rules.yar .) | sed 's# \./# #' | sort >yara.txt
    [ -s yara.txt ] || { echo "yara found nothing"; return 1; }
    diff -u yara.txt waybill.txt
}

# case attestation_dsse: the review attestation verifies with dsse.py; its subjects equal sha256sum of every file; a changed payload does not verify
attestation_dsse() {
    make_tree
    wb_keygen rev || return 1
    run 1 "$WAYBILL" review tree --key rev.key --out review.json || return 1
    "$PY" "$DSSE" verify review.json --trust rev.pub || { echo "dsse.py refused it"; return 1; }
    (cd tree && find . -type f -print0 | xargs -0 sha256sum) | sed 's#  \./#  #' | sort -k2 >expected.txt
    "$PY" -c 'import base64, json
st = json.loads(base64.b64decode(json.load(open("review.json"))["payload"]))
assert st["predicateType"] == "https://waybill.dev/review/v0.1"
assert st["predicate"]["redline"]["result"] == "fail"
for s in st["subject"]:
    print(s["digest"]["sha256"] + "  " + s["name"])' | sort -k2 >subjects.txt
    diff -u expected.txt subjects.txt || return 1
    cp review.json changed.json
    flip_payload changed.json
    if "$PY" "$DSSE" verify changed.json --trust rev.pub >/dev/null 2>&1; then
        echo "a changed attestation verified"
        return 1
    fi
}

# case osv_records_valid: the OSV records these cases feed to review validate against the OSV schema
osv_records_valid() {
    need_npm
    make_tree
    dpkg_records
    NODE_PATH="$NPM_DIR/node_modules" node "$here/npm/validate_osv.js" "$OSV_SCHEMA" valid \
        osv/*.json dosv/*.json
}

# dpkg_records: a copy of this machine's dpkg status and os-release in root/,
# and in dosv/ two Debian:RELEASE records for the source package of bash:
# one fixed just above its installed version, one fixed at it.
dpkg_records() {
    mkdir -p root/var/lib/dpkg root/etc dosv
    cp /var/lib/dpkg/status root/var/lib/dpkg/status
    cp /etc/os-release root/etc/os-release
    release=$(. /etc/os-release && echo "$VERSION_ID")
    src=$(dpkg-query -W -f '${source:Package}' bash)
    ver=$(dpkg-query -W -f '${source:Version}' bash)
    above="$ver+wb1"
    dpkg --compare-versions "$above" gt "$ver" || { echo "$above is not above $ver"; return 1; }
    for rec in "DEBIAN-CVE-2099-0001 $above" "DEBIAN-CVE-2099-0002 $ver"; do
        set -- $rec
        cat >"dosv/$1.json" <<JSON
{"schema_version": "1.6.0", "id": "$1", "modified": "2024-01-01T00:00:00Z",
 "aliases": ["${1#DEBIAN-}"], "summary": "test record for $src",
 "affected": [{"package": {"ecosystem": "Debian:$release", "name": "$src"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "$2"}]}]}]}
JSON
    done
}

# case dpkg_osv: this machine's dpkg status: a record fixed above bash's source version finds the bash package; one fixed at it does not
dpkg_osv() {
    dpkg_records || return 1
    run 0 "$WAYBILL" review root --osv dosv --no-secrets --json || return 1
    "$PY" - "$src" "$ver" <<'PYEOF'
import json, sys
src, ver = sys.argv[1], sys.argv[2]
r = json.load(open("out.txt"))
v = [f for f in r["findings"] if f["kind"] == "vulnerability"]
ids = sorted({f["ruleId"] for f in v})
assert ids == ["DEBIAN-CVE-2099-0001"], ids  # the record fixed at the installed version is not a finding
names = sorted(f["component"].split("@")[0] for f in v)
assert "pkg:deb/debian/bash" in names, names
assert all(f["severity"] == "medium" and "severity unknown" in f["message"] for f in v), v
assert all(f["fixed"] == ver + "+wb1" for f in v), v
print(len(v), "components of source", src, ver)
PYEOF
}

# case cvss_scores: CVSS base scores equal ae-cvss-calculator's on every v2, v3.0 and v3.1 base vector
cvss_scores() {
    need_npm
    "$PY" - >vectors.txt <<'PYEOF'
import itertools, random
v3 = [("AV", "NALP"), ("AC", "LH"), ("PR", "NLH"), ("UI", "NR"), ("S", "UC"),
      ("C", "HLN"), ("I", "HLN"), ("A", "HLN")]
v2 = [("AV", "LAN"), ("AC", "HML"), ("Au", "MSN"), ("C", "NPC"), ("I", "NPC"), ("A", "NPC")]
rnd = random.Random(7)
for prefix in ("CVSS:3.0/", "CVSS:3.1/"):
    for values in itertools.product(*[v for _, v in v3]):
        vec = prefix + "/".join("%s:%s" % (m, x) for (m, _), x in zip(v3, values))
        if rnd.random() < 0.05:  # temporal metrics leave the base alone
            vec += "/E:%s/RL:%s/RC:%s" % (rnd.choice("XUPFH"), rnd.choice("XOTWU"), rnd.choice("XURC"))
        print(vec)
for values in itertools.product(*[v for _, v in v2]):
    print("/".join("%s:%s" % (m, x) for (m, _), x in zip(v2, values)))
PYEOF
    same "vectors" 5913 "$(wc -l <vectors.txt)" || return 1
    "$CVSS_SCORES" <vectors.txt | awk '{print $1, $2}' | sort >waybill.txt
    node "$here/cvss_scores.js" "$NPM_DIR" <vectors.txt | sort >peer.txt
    grep -q ' error$' waybill.txt && { grep ' error$' waybill.txt | head; return 1; }
    diff -u peer.txt waybill.txt | head -40
    cmp -s peer.txt waybill.txt
}

run_cases sarif_schema cvss_scores yara_same attestation_dsse osv_records_valid dpkg_osv
