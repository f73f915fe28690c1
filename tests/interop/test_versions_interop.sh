#!/bin/bash
# test_versions_interop.sh: waybill's version ordering against dpkg and
# node-semver, and the OSV test records against the OSV schema (ajv).
#
#  1. 10,000 Debian version pairs (tests/interop/version_pairs_gen.py deb,
#     fixed seed: epochs, tildes, '+', dots, revisions, letters, versions
#     without revision) ordered by waybill (tests/interop/version_pairs, one
#     process) and by `dpkg --compare-versions` (per pair, two at a time):
#     every verdict must be the same.
#  2. Versions dpkg calls bad syntax are refused by waybill.
#  3. 10,000 SemVer pairs (seeded; pre-releases, build metadata, "v", a few
#     invalid on purpose) ordered by waybill (npm) and by node-semver's
#     semver.compare (tests/interop/npm/compare_versions.js): the same
#     verdicts, "invalid" included.
#  4. tests/vectors/osv/records validate against the OSV schema
#     (tests/vectors/osv/schema.json, ajv 2020-12), tests/vectors/osv/invalid
#     does not.
#  5. 10,000 PEP 440 pairs (seeded; every spelling PEP 440 normalizes, local
#     labels, epochs, whitespace, some invalid) against Debian's
#     python3-packaging (packaging.version.Version): the same verdicts.
#  6. 10,000 Go module version pairs (seeded; short forms, pseudo-versions,
#     +incompatible, some invalid) against golang.org/x/mod/semver (Debian's
#     golang-golang-x-mod-dev, built offline): the same verdicts.
#  7. The SemVer pairs of 3 as crates.io versions, against the semver crate
#     (Debian's librust-semver-dev, compiled with rustc): the same verdicts.
#  8. 10,000 Maven version pairs of the shapes found in Maven Central
#     against Maven's own ComparableVersion (Debian's libmaven3-core-java,
#     3.8.7). waybill follows the POM reference's Version Order
#     Specification, which ComparableVersion 3.8.7 departs from in a few
#     corners (a qualifier after a dot followed by "-N" or ".0", "release"
#     as an alias of ""): up to 2% of the pairs may differ, reported as a
#     TAP TODO with the first differences; more is a failure.
#
# node-semver and ajv are pinned by tests/interop/npm/package-lock.json and
# installed with `npm ci` into $WB_NPM_DIR (meson: the build directory),
# again whenever the lock file changes. When npm cannot install them the
# npm cases fail saying so; with WB_INTEROP_OFFLINE=1 they are skipped
# instead (TAP "# SKIP"), for machines without the registry.
#
# Timings and counts are printed as TAP diagnostics. Needs $VERSION_PAIRS
# (set by meson), dpkg, /usr/bin/python3, node and npm.
set -u
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
root=${WB_SOURCE_ROOT:-$(cd "$here/../.." && pwd)}
GEN="$here/version_pairs_gen.py"
NPM_SRC="$here/npm"
NPM_DIR=${WB_NPM_DIR:-}
PAIRS=${VERSION_PAIRS_COUNT:-10000}
SEED=${VERSION_PAIRS_SEED:-20261203}
JOBS=${VERSION_PAIRS_JOBS:-2}
MAVEN_JAR=/usr/share/java/maven-artifact-3.x.jar

missing=()
[ -n "${VERSION_PAIRS:-}" ] && [ -x "$VERSION_PAIRS" ] ||
    missing+=("VERSION_PAIRS is not an executable (meson sets it to tests/interop/version_pairs)")
[ -n "$NPM_DIR" ] || missing+=("WB_NPM_DIR is not set (meson sets it)")
command -v dpkg >/dev/null 2>&1 || missing+=("dpkg not found")
[ -x "$PY" ] || missing+=("$PY not found (apt-get install python3)")
command -v node >/dev/null 2>&1 || missing+=("node not found (apt-get install nodejs)")
command -v npm >/dev/null 2>&1 || missing+=("npm not found (apt-get install npm)")
"$PY" -c 'import packaging.version' 2>/dev/null ||
    missing+=("packaging missing for $PY (apt-get install python3-packaging)")
command -v go >/dev/null 2>&1 || missing+=("go not found (apt-get install golang-go)")
[ -d /usr/share/gocode/src/golang.org/x/mod/semver ] ||
    missing+=("golang.org/x/mod/semver missing (apt-get install golang-golang-x-mod-dev)")
command -v javac >/dev/null 2>&1 || missing+=("javac not found (apt-get install default-jdk-headless)")
[ -f "$MAVEN_JAR" ] || missing+=("$MAVEN_JAR missing (apt-get install libmaven3-core-java)")
command -v rustc >/dev/null 2>&1 || missing+=("rustc not found (apt-get install rustc)")
SEMVER_CRATE=$(find /usr/share/cargo/registry -maxdepth 1 -name 'semver-1.*' 2>/dev/null | sort -V | tail -1)
[ -n "$SEMVER_CRATE" ] || missing+=("the semver crate is missing (apt-get install librust-semver-dev)")
if [ ${#missing[@]} -gt 0 ]; then
    echo "1..1"
    echo "not ok 1 - prerequisites for the version interop tests"
    for m in "${missing[@]}"; do echo "# $m"; done
    echo "# (configure with -Dinterop=false to leave these tests out)"
    exit 1
fi

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' HUP INT PIPE TERM

now() { date +%s.%N; }
elapsed() { "$PY" -c 'import sys; print("%.2f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$2"; }

# compare_verdicts PAIRS OURS THEIRS WHO: the verdict files agree line by line.
compare_verdicts() {
    local pairs=$1 ours=$2 theirs=$3 who=$4 n_ours n_theirs
    n_ours=$(wc -l <"$ours")
    n_theirs=$(wc -l <"$theirs")
    if [ "$n_ours" != "$(wc -l <"$pairs")" ] || [ "$n_ours" != "$n_theirs" ]; then
        echo "line counts differ: pairs $(wc -l <"$pairs"), waybill $n_ours, $who $n_theirs"
        return 1
    fi
    if ! cmp -s "$ours" "$theirs"; then
        echo "waybill and $who disagree on $(paste "$ours" "$theirs" | awk -F'\t' '$1 != $2' | wc -l) pairs; the first ones (a, b, waybill, $who):"
        paste "$pairs" "$ours" "$theirs" | awk -F'\t' '$3 != $4' | head -20 | sed 's/^/  /'
        return 1
    fi
    return 0
}

# npm_install: node_modules for the pinned lock file in $NPM_DIR. 0 when
# ready, 2 when skipped (offline), 1 on failure.
npm_install() {
    mkdir -p "$NPM_DIR" || return 1
    if [ -d "$NPM_DIR/node_modules/semver" ] && [ -d "$NPM_DIR/node_modules/ajv" ] &&
        cmp -s "$NPM_SRC/package-lock.json" "$NPM_DIR/package-lock.json"; then
        return 0
    fi
    cp "$NPM_SRC/package.json" "$NPM_SRC/package-lock.json" "$NPM_DIR/" || return 1
    if (cd "$NPM_DIR" && npm ci --ignore-scripts --no-audit --no-fund) >"$tmp/npm.log" 2>&1; then
        return 0
    fi
    rm -f "$NPM_DIR/package-lock.json"
    echo "npm ci in $NPM_DIR failed:"
    sed 's/^/  /' "$tmp/npm.log" | tail -20
    if [ "${WB_INTEROP_OFFLINE:-0}" = 1 ]; then
        echo "WB_INTEROP_OFFLINE=1: skipping the npm cases"
        return 2
    fi
    echo "(set WB_INTEROP_OFFLINE=1 to skip the npm cases on a machine without the npm registry)"
    return 1
}

case_dpkg_pairs() {
    local t0 t1 t2
    "$PY" "$GEN" deb "$PAIRS" "$SEED" >"$tmp/deb.pairs" || return 1
    t0=$(now)
    "$VERSION_PAIRS" Debian <"$tmp/deb.pairs" >"$tmp/deb.ours" || return 1
    t1=$(now)
    "$PY" "$GEN" dpkg "$tmp/deb.pairs" "$JOBS" >"$tmp/deb.dpkg" || return 1
    t2=$(now)
    echo "$(wc -l <"$tmp/deb.pairs") pairs (seed $SEED): waybill $(elapsed "$t0" "$t1") s, dpkg $(elapsed "$t1" "$t2") s ($JOBS at a time)"
    echo "verdicts: $(sort "$tmp/deb.ours" | uniq -c | tr -s ' \n' ' ')"
    compare_verdicts "$tmp/deb.pairs" "$tmp/deb.ours" "$tmp/deb.dpkg" dpkg
}

case_dpkg_invalid() {
    local v err ok=0 count=0
    while IFS= read -r v; do
        count=$((count + 1))
        if [ "$(printf '%s\t1\n' "$v" | "$VERSION_PAIRS" Debian)" != invalid ]; then
            echo "waybill accepts '$v'"
            ok=1
        fi
        err=$(dpkg --compare-versions "$v" lt 1 2>&1 >/dev/null)
        case $err in
        *"bad syntax"*) ;;
        *)
            echo "dpkg does not flag '$v' (stderr: $err)"
            ok=1
            ;;
        esac
    done < <("$PY" "$GEN" deb-invalid)
    echo "$count versions flagged by dpkg, refused by waybill"
    return $ok
}

case_npm_pairs() {
    local t0 t1 t2 rc
    npm_install
    rc=$?
    [ $rc -eq 0 ] || return $rc
    "$PY" "$GEN" npm "$PAIRS" "$SEED" >"$tmp/npm.pairs" || return 1
    t0=$(now)
    "$VERSION_PAIRS" npm <"$tmp/npm.pairs" >"$tmp/npm.ours" || return 1
    t1=$(now)
    NODE_PATH="$NPM_DIR/node_modules" node "$NPM_SRC/compare_versions.js" "$tmp/npm.pairs" \
        >"$tmp/npm.node" || return 1
    t2=$(now)
    echo "$(wc -l <"$tmp/npm.pairs") pairs (seed $SEED), semver $(node -p "require('$NPM_DIR/node_modules/semver/package.json').version"): waybill $(elapsed "$t0" "$t1") s, node $(elapsed "$t1" "$t2") s"
    echo "verdicts: $(sort "$tmp/npm.ours" | uniq -c | tr -s ' \n' ' ')"
    compare_verdicts "$tmp/npm.pairs" "$tmp/npm.ours" "$tmp/npm.node" node-semver
}

case_osv_schema() {
    local rc vectors="$root/tests/vectors/osv"
    npm_install
    rc=$?
    [ $rc -eq 0 ] || return $rc
    local records=()
    mapfile -t records < <(find "$vectors/records" -name '*.json' | sort)
    NODE_PATH="$NPM_DIR/node_modules" node "$NPM_SRC/validate_osv.js" "$vectors/schema.json" valid \
        "${records[@]}" || return 1
    NODE_PATH="$NPM_DIR/node_modules" node "$NPM_SRC/validate_osv.js" "$vectors/schema.json" invalid \
        "$vectors"/invalid/*.json
}

# agree WHO ECOSYSTEM KIND: generate pairs of KIND, order them with waybill
# and with the command after the arguments (stdin: pairs), compare.
agree() {
    local who=$1 eco=$2 kind=$3 t0 t1 t2
    shift 3
    "$PY" "$GEN" "$kind" "$PAIRS" "$SEED" >"$tmp/$kind.pairs" || return 1
    t0=$(now)
    "$VERSION_PAIRS" "$eco" <"$tmp/$kind.pairs" >"$tmp/$kind.ours" || return 1
    t1=$(now)
    "$@" <"$tmp/$kind.pairs" >"$tmp/$kind.theirs" || return 1
    t2=$(now)
    echo "$(wc -l <"$tmp/$kind.pairs") pairs (seed $SEED): waybill $(elapsed "$t0" "$t1") s, $who $(elapsed "$t1" "$t2") s"
    echo "verdicts: $(sort "$tmp/$kind.ours" | uniq -c | tr -s ' \n' ' ')"
    compare_verdicts "$tmp/$kind.pairs" "$tmp/$kind.ours" "$tmp/$kind.theirs" "$who"
}

case_pypi_pairs() {
    agree "python3-packaging $("$PY" -c 'import packaging; print(packaging.__version__)')" PyPI pypi \
        "$PY" "$GEN" packaging /dev/stdin
}

case_go_pairs() {
    mkdir -p "$tmp/go" && cp "$here/version_pairs_go.go" "$tmp/go/main.go" || return 1
    (cd "$tmp/go" && GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS='' \
        GOCACHE="$tmp/go/cache" go build -o version_pairs_go main.go) || return 1
    agree "golang.org/x/mod/semver" Go go "$tmp/go/version_pairs_go"
}

case_cargo_pairs() {
    mkdir -p "$tmp/rust" || return 1
    rustc --edition 2018 --crate-type rlib --crate-name semver -O --cap-lints allow \
        "$SEMVER_CRATE/src/lib.rs" -o "$tmp/rust/libsemver.rlib" || return 1
    rustc --edition 2021 -O -L "$tmp/rust" --extern semver="$tmp/rust/libsemver.rlib" \
        "$here/version_pairs_cargo.rs" -o "$tmp/rust/version_pairs_cargo" || return 1
    agree "the semver crate $(basename "$SEMVER_CRATE")" crates.io npm "$tmp/rust/version_pairs_cargo"
}

case_maven_pairs() {
    local differ
    mkdir -p "$tmp/java" || return 1
    javac -d "$tmp/java" -cp "$MAVEN_JAR" "$here/version_pairs_maven.java" || return 1
    agree "ComparableVersion 3.8.7" Maven maven java -cp "$MAVEN_JAR:$tmp/java" VersionPairsMaven &&
        return 0
    differ=$(paste "$tmp/maven.ours" "$tmp/maven.theirs" | awk -F'\t' '$1 != $2' | wc -l)
    if [ "$differ" -gt $((PAIRS / 50)) ]; then
        echo "more than 2% differ: a regression, not the known corners"
        return 1
    fi
    echo "$differ pairs differ, within the known corners (docs/formats/osv.md)"
    return 3
}

titles=(
    "dpkg_pairs:$PAIRS Debian version pairs ordered as dpkg --compare-versions orders them"
    "dpkg_invalid:versions dpkg calls bad syntax are refused"
    "npm_pairs:$PAIRS SemVer pairs ordered (or refused) as node-semver does"
    "osv_schema:OSV test records valid per the OSV schema (ajv), invalid ones not"
    "pypi_pairs:$PAIRS PEP 440 pairs ordered (or refused) as python3-packaging does"
    "go_pairs:$PAIRS Go version pairs ordered (or refused) as golang.org/x/mod/semver does"
    "cargo_pairs:$PAIRS SemVer pairs ordered (or refused) as the semver crate does (crates.io)"
    "maven_pairs:$PAIRS Maven version pairs ordered as Maven's ComparableVersion 3.8.7 does"
)
echo "1..${#titles[@]}"
n=0
failed=0
for entry in "${titles[@]}"; do
    n=$((n + 1))
    name=${entry%%:*}
    title=${entry#*:}
    ("case_$name") >"$tmp/$name.log" 2>&1
    status=$?
    if [ $status -eq 0 ]; then
        echo "ok $n - $title"
    elif [ $status -eq 2 ]; then
        echo "ok $n - $title # SKIP offline (WB_INTEROP_OFFLINE=1)"
    elif [ $status -eq 3 ]; then
        echo "not ok $n - $title # TODO spec and ComparableVersion 3.8.7 differ in a few corners"
    else
        failed=$((failed + 1))
        echo "not ok $n - $title"
    fi
    sed 's/^/# /' "$tmp/$name.log"
done
[ "$failed" -eq 0 ] || echo "# $failed of $n cases failed"
[ "$failed" -eq 0 ]
