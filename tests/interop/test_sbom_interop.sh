#!/bin/bash
# test_sbom_interop.sh: waybill review's inventory against the package
# managers' own accounts, and its SPDX / CycloneDX output against the
# official schemas. TAP; each case in its own directory (lib.sh).
#
#  dpkg       this machine's /var/lib/dpkg/status (copied into a root):
#             name, version, architecture of every component equal
#             dpkg-query -W's list exactly, and the Source mapping equals
#             ${source:Package} ${source:Version}.
#  npm        tests/interop/npm-project installed from the npm registry with
#             `npm ci` (pinned by its package-lock.json): the npm components
#             equal the name@version pairs of `npm ls --all --json`.
#  go-build   a Go program built here in module mode (Debian's golang-go,
#             offline: its one dependency is replaced by a local directory),
#             Debian's go and gofmt, and up to 4 Go binaries with
#             dependencies reached from /usr/bin: the Go components equal
#             what `go version -m` lists (main module, deps with their
#             replacements, stdlib).
#  java       jars made here with `jar`: pom.properties, a jar inside a
#             jar (read), a jar inside that (noted, not read), a jar with
#             only a MANIFEST.MF, and the same jar inside a tar.gz.
#  fixtures   tests/interop/sbom-fixtures (dist-info, egg-info directory
#             and file, Cargo.lock, status.d, exploded pom.properties, npm
#             lock v1, os-release): exactly sbom-fixtures.expected; the same
#             tree as a .tar.gz and as a .zip gives the same list.
#  schemas    SPDX 2.3 and CycloneDX 1.6 documents of all of the above
#             validate with ajv against tests/vectors/schemas/; a broken copy
#             of each does not; two runs give identical bytes.
#  special    a review of / (big trees excluded) enters neither /proc nor
#             /sys, and an unreadable file is noted without stopping the walk.
#
# Needs $WAYBILL, dpkg-query, go, jar, node and npm. ajv and the npm project
# are installed with `npm ci` into $WB_SBOM_NPM_DIR (meson: the build
# directory); WB_INTEROP_OFFLINE=1 turns a failed install into a skip of the
# cases that need it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${WB_SOURCE_ROOT:-$(cd "$here/../.." && pwd)}
# shellcheck source=lib.sh
. "$here/lib.sh"
SCHEMAS="$root/tests/vectors/schemas"
NPM_DIR=${WB_SBOM_NPM_DIR:-}
export SOURCE_DATE_EPOCH=1764720000

missing=()
[ -n "${WAYBILL:-}" ] && [ -x "$WAYBILL" ] || missing+=("WAYBILL is not set to the built waybill")
[ -n "$NPM_DIR" ] || missing+=("WB_SBOM_NPM_DIR is not set (meson sets it)")
for tool in dpkg-query go jar node npm; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool not found (see deps/debian-packages.txt)")
done
[ -x "$PY" ] || missing+=("$PY not found")
if [ ${#missing[@]} -gt 0 ]; then
    echo "1..1"
    echo "not ok 1 - prerequisites for the SBOM interop tests"
    for m in "${missing[@]}"; do echo "# $m"; done
    exit 1
fi

# npm_install SRC DEST: npm ci of SRC's package.json + lock into DEST, again
# when the lock changed. 0 ok, 1 failed, 2 failed and offline allowed.
npm_install() {
    local src=$1 dest=$2
    mkdir -p "$dest" || return 1
    if [ -d "$dest/node_modules" ] && cmp -s "$src/package-lock.json" "$dest/package-lock.json"; then
        return 0
    fi
    rm -rf "$dest/node_modules"
    cp "$src/package.json" "$src/package-lock.json" "$dest/" || return 1
    if (cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund) >"$dest.log" 2>&1; then
        return 0
    fi
    rm -f "$dest/package-lock.json"
    echo "npm ci in $dest failed:"
    tail -20 "$dest.log" | sed 's/^/  /'
    [ "${WB_INTEROP_OFFLINE:-0}" = 1 ] && return 2
    return 1
}

npm_tools_status=0
npm_tools_log=$(npm_install "$here/npm" "$NPM_DIR/tools" 2>&1) || npm_tools_status=$?
npm_project_status=0
npm_project_log=$(npm_install "$here/npm-project" "$NPM_DIR/project" 2>&1) || npm_project_status=$?

# need_npm STATUS LOG: fail (or skip offline) when an install failed.
need_npm() {
    [ "$1" -eq 0 ] && return 0
    echo "$2"
    [ "$1" -eq 2 ] && echo "SKIP: offline" && exit 0
    exit 1
}

# components FILE ECOSYSTEM: "name version" lines of one ecosystem from
# waybill review --json, sorted (namespace joined to the name by '/').
components() {
    "$PY" - "$1" "$2" <<'EOF'
import json, sys
inv = json.load(open(sys.argv[1]))["inventory"]
out = set()
for c in inv["componentList"]:
    if c["ecosystem"] != sys.argv[2]:
        continue
    name = c["name"] if not c.get("namespace") else c["namespace"] + "/" + c["name"]
    out.add("%s %s" % (name, c.get("version") or "-"))
print("\n".join(sorted(out)))
EOF
}

# same_sets WHAT EXPECTED ACTUAL: fail with the differences unless equal.
same_sets() {
    if ! cmp -s "$2" "$3"; then
        echo "$1: the sets differ (< expected, > waybill):"
        diff "$2" "$3" | grep '^[<>]' | head -40
        return 1
    fi
    echo "$1: $(wc -l <"$2") equal"
}

# case case_dpkg: this machine's dpkg database equals dpkg-query's list, Source mapping included
case_dpkg() {
    mkdir -p rootfs/var/lib/dpkg && cp /var/lib/dpkg/status rootfs/var/lib/dpkg/status || return 1
    run 0 "$WAYBILL" review rootfs --json || return 1
    mv out.txt review.json
    # dpkg-query lists every package the status file knows; waybill lists
    # those present on the system (state neither not-installed nor
    # config-files): compare with the same filter
    dpkg-query -W -f='${db:Status-Status} ${Package} ${Version} ${Architecture}\n' |
        awk '$1 != "not-installed" && $1 != "config-files" {print $2, $3, $4}' | sort -u >expected.txt
    "$PY" -c 'import json,sys
for c in json.load(open("review.json"))["inventory"]["componentList"]:
    if c["ecosystem"] == "Debian": print(c["name"], c["version"], c["arch"])' | sort -u >ours.txt
    same_sets "packages" expected.txt ours.txt || return 1
    dpkg-query -W -f='${db:Status-Status} ${Package} ${source:Package} ${source:Version}\n' |
        awk '$1 != "not-installed" && $1 != "config-files" {print $2, $3, $4}' | sort -u >expected-src.txt
    "$PY" -c 'import json,sys
for c in json.load(open("review.json"))["inventory"]["componentList"]:
    if c["ecosystem"] == "Debian": print(c["name"], c["sourceName"], c["sourceVersion"])' |
        sort -u >ours-src.txt
    same_sets "source mapping" expected-src.txt ours-src.txt || return 1
    echo "binary packages whose source name differs: $(awk '$1 != $2' ours-src.txt | wc -l)"
    echo "whose source version differs: $(grep -c . <(join <(sort ours.txt | awk '{print $1, $2}') <(awk '{print $1, $3}' ours-src.txt) | awk '$2 != $3'))"
}

# case case_npm: an npm project installed by npm ci: waybill's npm components equal npm ls --all
case_npm() {
    need_npm "$npm_project_status" "$npm_project_log"
    local project="$NPM_DIR/project"
    (cd "$project" && npm ls --all --json) >npm-ls.json 2>npm-ls.err || {
        cat npm-ls.err
        return 1
    }
    "$PY" - npm-ls.json >expected.txt <<'EOF'
import json, sys
seen = set()
def walk(deps):
    for name, d in (deps or {}).items():
        seen.add("%s %s" % (name, d["version"]))
        walk(d.get("dependencies"))
walk(json.load(open(sys.argv[1])).get("dependencies"))
print("\n".join(sorted(seen)))
EOF
    run 0 "$WAYBILL" review "$project" --json || return 1
    mv out.txt review.json
    components review.json npm >ours.txt
    same_sets "npm ls --all vs waybill" expected.txt ours.txt || return 1
    # each source alone gives the same set: the lock file, then the
    # installed package.json files (the hidden lock excluded)
    run 0 "$WAYBILL" review "$project/package-lock.json" --json || return 1
    components out.txt npm >ours-lock.txt
    same_sets "package-lock.json alone" expected.txt ours-lock.txt || return 1
    run 0 "$WAYBILL" review "$project" --exclude "*package-lock.json" --json || return 1
    components out.txt npm >ours-pkg.txt
    same_sets "node_modules/*/package.json alone" expected.txt ours-pkg.txt || return 1
    # the scoped and the nested package, with their purls
    contains review.json '"purl": "pkg:npm/%40isaacs/string-locale-compare@1.1.0"' &&
        contains review.json '"purl": "pkg:npm/is-number@6.0.0"' &&
        contains review.json '"purl": "pkg:npm/is-number@7.0.0"'
}

# go_modules BINARY: "path version" lines of `go version -m`, as waybill
# reports them (replacements by a module version taken, by a directory not).
go_modules() {
    go version -m "$1" | "$PY" -c '
import sys
lines = sys.stdin.read().splitlines()
gov = lines[0].split(": ", 1)[1].split()[0]
mods = []
for l in lines[1:]:
    f = l.strip("\t").split("\t")
    if f[0] in ("mod", "dep"):
        mods.append([f[1], f[2] if len(f) > 2 and f[2] and f[2] != "(devel)" else "-"])
    elif f[0] == "=>" and mods and len(f) > 2 and f[2] and f[2] != "(devel)" and not f[1].startswith((".", "/")):
        mods[-1] = [f[1], f[2]]
out = set("%s %s" % (p, v) for p, v in mods)
out.add("stdlib " + gov[2:])
print("\n".join(sorted(out)))'
}

# case case_go_build: a Go binary built here, Debian's go/gofmt and Go binaries in /usr/bin: Go components equal go version -m
case_go_build() {
    local b n=0
    mkdir -p src/lib delivery/usr/bin gocache gopath
    cat >src/go.mod <<'EOF'
module example.com/waybill/app

go 1.19

require example.com/waybill/lib v1.4.2

replace example.com/waybill/lib => ./lib
EOF
    cat >src/main.go <<'EOF'
package main

import (
	"fmt"

	"example.com/waybill/lib"
)

func main() { fmt.Println(lib.Greeting()) }
EOF
    printf 'module example.com/waybill/lib\n\ngo 1.19\n' >src/lib/go.mod
    printf 'package lib\n\nfunc Greeting() string { return "hello" }\n' >src/lib/lib.go
    (cd src && GO111MODULE=on GOFLAGS=-mod=mod GOPROXY=off GOCACHE="$PWD/../gocache" \
        GOPATH="$PWD/../gopath" go build -o ../delivery/usr/bin/app .) || return 1
    go version -m delivery/usr/bin/app
    # Debian's Go toolchain (main package and stdlib only), then up to 4
    # binaries reached from /usr/bin that have dependencies (symbolic links
    # resolved; whichever package installed them)
    for b in /usr/lib/go-*/bin/go /usr/lib/go-*/bin/gofmt; do
        [ -f "$b" ] && go version -m "$b" >/dev/null 2>&1 && cp "$b" "delivery/usr/bin/debian-${b##*/}"
    done
    for b in /usr/bin/*; do
        [ "$n" -lt 4 ] || break
        b=$(readlink -f "$b") && [ -f "$b" ] && [ ! -e "delivery/usr/bin/${b##*/}" ] || continue
        go version -m "$b" 2>/dev/null | grep -q "^[[:space:]]dep" || continue
        cp "$b" delivery/usr/bin/ && n=$((n + 1))
        echo "from /usr/bin: $b ($(dpkg -S "$b" 2>/dev/null | cut -d: -f1 || echo 'no package'))"
    done
    echo "Go binaries: $(ls delivery/usr/bin | wc -l) ($n with dependencies from /usr/bin)"
    for b in delivery/usr/bin/*; do
        go_modules "$b"
    done | sort -u >expected.txt
    run 0 "$WAYBILL" review delivery --json || return 1
    mv out.txt review.json
    components review.json Go >ours.txt
    same_sets "go version -m vs waybill" expected.txt ours.txt || return 1
    contains review.json '"purl": "pkg:golang/example.com/waybill/lib@v1.4.2"' &&
        contains review.json '"purl": "pkg:golang/example.com/waybill/app"'
}

# case case_java: jars made with jar(1): pom.properties, nested jars (one level), manifest-only jars
case_java() {
    mkdir -p inner2/META-INF/maven/org.deep/deepest inner/META-INF/maven/org.example/inner \
        inner/lib outer/META-INF/maven/org.example/demo outer/BOOT-INF/lib manifest delivery/app
    printf 'groupId=org.deep\nartifactId=deepest\nversion=9.9\n' \
        >inner2/META-INF/maven/org.deep/deepest/pom.properties
    (cd inner2 && jar cf ../inner/lib/deepest-9.9.jar .) || return 1
    printf '#Generated by Maven\ngroupId=org.example\nartifactId=inner\nversion=1.2.0\n' \
        >inner/META-INF/maven/org.example/inner/pom.properties
    (cd inner && jar cf ../outer/BOOT-INF/lib/inner-1.2.0.jar .) || return 1
    printf 'groupId = org.example\nartifactId: demo\nversion=2.0.0-SNAPSHOT\n' \
        >outer/META-INF/maven/org.example/demo/pom.properties
    (cd outer && jar cf ../delivery/app/demo.jar .) || return 1
    printf 'Implementation-Title: thing\nImplementation-Version: 3.1\nImplementation-Vendor-Id: org.things\n' >mf.txt
    echo 'class A {}' >manifest/A.txt
    (cd manifest && jar cfm ../delivery/app/thing.jar ../mf.txt A.txt) || return 1
    (cd manifest && jar cf ../delivery/app/commons-widget-2.11.0.jar A.txt) || return 1
    run 0 "$WAYBILL" review delivery --json || return 1
    mv out.txt review.json
    "$PY" -c 'import json
for c in json.load(open("review.json"))["inventory"]["componentList"]: print(c["purl"], c["location"])' >ours.txt
    cat >expected.txt <<'EOF'
pkg:maven/commons-widget@2.11.0 app/commons-widget-2.11.0.jar
pkg:maven/org.example/demo@2.0.0-SNAPSHOT app/demo.jar!/META-INF/maven/org.example/demo/pom.properties
pkg:maven/org.example/inner@1.2.0 app/demo.jar!/BOOT-INF/lib/inner-1.2.0.jar!/META-INF/maven/org.example/inner/pom.properties
pkg:maven/org.things/thing@3.1 app/thing.jar
EOF
    same_sets "jar components" expected.txt ours.txt || return 1
    contains review.json 'inner-1.2.0.jar!/lib/deepest-9.9.jar: jar nested deeper than 1 level, not read' || return 1
    # a jar that is one artifact carries its SHA-256 (sha256sum's)
    contains review.json "\"sha256\": \"$(sha256sum delivery/app/thing.jar | cut -d' ' -f1)\"" || return 1
    # the same jars inside a tar.gz
    tar -czf delivery.tar.gz -C delivery . || return 1
    run 0 "$WAYBILL" review delivery.tar.gz --json || return 1
    "$PY" -c 'import json
for c in json.load(open("out.txt"))["inventory"]["componentList"]: print(c["purl"], c["location"])' >ours-tar.txt
    same_sets "jar components from a tar.gz" expected.txt ours-tar.txt
}

# case case_fixtures: Python, Cargo, status.d, exploded jar, npm v1: exactly the expected list, also from .tar.gz and .zip
case_fixtures() {
    local f
    run 0 "$WAYBILL" review "$here/sbom-fixtures" --json || return 1
    "$PY" -c 'import json
for c in json.load(open("out.txt"))["inventory"]["componentList"]: print(c["purl"], c["location"])' >ours.txt
    same_sets "fixtures" "$here/sbom-fixtures.expected" ours.txt || return 1
    tar -czf fixtures.tar.gz -C "$here/sbom-fixtures" . || return 1
    (cd "$here/sbom-fixtures" && zip -qr "$OLDPWD/fixtures.zip" .) || return 1
    for f in fixtures.tar.gz fixtures.zip; do
        run 0 "$WAYBILL" review "$f" --json || return 1
        "$PY" -c 'import json
for c in json.load(open("out.txt"))["inventory"]["componentList"]: print(c["purl"], c["location"])' >ours-archive.txt
        same_sets "fixtures from $f" "$here/sbom-fixtures.expected" ours-archive.txt || return 1
    done
}

# validate DIR FILE...: ajv against the schemas of DIR
validate() {
    local dir=$1
    shift
    node "$here/sbom_validate.js" "$NPM_DIR/tools" "$SCHEMAS/$dir" "$@"
}

# case case_schemas: SPDX 2.3 and CycloneDX 1.6 of a delivery with every ecosystem validate (ajv); broken copies do not; output is deterministic
case_schemas() {
    need_npm "$npm_tools_status" "$npm_tools_log"
    mkdir -p delivery/var/lib/dpkg delivery/app
    cp /var/lib/dpkg/status delivery/var/lib/dpkg/status || return 1
    cp -r "$here/sbom-fixtures/." delivery/fixtures/ 2>/dev/null || cp -r "$here/sbom-fixtures" delivery/fixtures
    [ "$npm_project_status" -eq 0 ] && cp -r "$NPM_DIR/project/node_modules" "$NPM_DIR/project/package-lock.json" delivery/app/
    for b in /usr/bin/go /usr/lib/go-*/bin/go; do [ -f "$b" ] && cp "$b" delivery/app/ && break; done
    run 0 "$WAYBILL" review delivery --spdx a.spdx.json --cyclonedx a.cdx.json || return 1
    cat out.txt
    validate spdx-2.3 a.spdx.json || return 1
    validate cyclonedx-1.6 a.cdx.json || return 1
    # the validator rejects what the schemas forbid
    "$PY" -c 'import json; d=json.load(open("a.spdx.json")); del d["packages"][1]["SPDXID"]; json.dump(d, open("bad.spdx.json","w"))'
    "$PY" -c 'import json; d=json.load(open("a.cdx.json")); d["components"][0]["type"]="gadget"; json.dump(d, open("bad.cdx.json","w"))'
    if validate spdx-2.3 bad.spdx.json >bad.txt || validate cyclonedx-1.6 bad.cdx.json >>bad.txt; then
        echo "a broken document validated:"
        cat bad.txt
        return 1
    fi
    # deterministic: a second run writes the same bytes
    run 0 "$WAYBILL" review delivery --spdx b.spdx.json --cyclonedx b.cdx.json || return 1
    cmp a.spdx.json b.spdx.json && cmp a.cdx.json b.cdx.json || return 1
    # every component's purl is in both, and the counts agree
    "$PY" - <<'EOF' || return 1
import json
s = json.load(open("a.spdx.json")); c = json.load(open("a.cdx.json"))
sp = sorted(r["referenceLocator"] for p in s["packages"] for r in p.get("externalRefs", []))
cp = sorted(x["purl"] for x in c["components"])
assert sp == cp, "purls differ between SPDX and CycloneDX"
assert len(sp) == len(set(sp)), "duplicate purls"
rel = [r for r in s["relationships"] if r["relationshipType"] == "CONTAINS"]
assert len(rel) == len(sp), "not one CONTAINS per package"
import re
ns = re.fullmatch(r"https://waybill\.invalid/spdx/sha256-([0-9a-f]{64})", s["documentNamespace"])
assert ns, "namespace " + s["documentNamespace"]
# the CycloneDX serial number is cut from the same content digest
assert c["serialNumber"][9:].replace("-", "")[:12] == ns.group(1)[:12], "serial number"
eco = {}
for p in cp: eco[p.split("/")[0]] = eco.get(p.split("/")[0], 0) + 1
print("components:", len(cp), "by type:", dict(sorted(eco.items())))
EOF
}

# case case_special: a review of / enters neither /proc nor /sys; unreadable files are noted
case_special() {
    local x args=()
    for x in /*; do
        x=${x#/}
        case $x in proc | sys | dev | etc) ;; *) args+=(--exclude "$x") ;; esac
    done
    run 0 "$WAYBILL" review / "${args[@]}" || return 1
    contains err.txt 'proc: a proc file system, not entered' &&
        contains err.txt 'sys: a sysfs file system, not entered' || return 1
    # an unreadable lock file (skipped when running as root, who reads anything)
    mkdir -p d/a d/b
    cp "$here/sbom-fixtures/rust/Cargo.lock" d/b/Cargo.lock
    echo '{"lockfileVersion": 3, "packages": {"node_modules/x": {"version": "1.0.0"}}}' >d/a/package-lock.json
    chmod 000 d/a/package-lock.json
    run 0 "$WAYBILL" review d || return 1
    if [ "$(id -u)" -ne 0 ]; then
        contains err.txt 'a/package-lock.json: ' || return 1
    fi
    contains out.txt 'Rust                3'
}

run_cases case_dpkg case_npm case_go_build case_java case_fixtures case_schemas case_special
