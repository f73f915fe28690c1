#!/bin/bash
# test_elf_interop.sh: libwaybill's ELF hardening verdicts (baseline_elf.c,
# through tests/interop/elf_check) against two independent readers of the
# same properties, both from Debian and both built on binutils' readelf:
# hardening-check (package devscripts) for PIE, stack protector, FORTIFY,
# RELRO and BIND_NOW, and checksec (package checksec) for NX and the
# RELRO level.
#
# First a tiny C program built here in each way that turns one property
# off (-fno-stack-protector, -no-pie, -z execstack, -z norelro, -z lazy,
# no _FORTIFY_SOURCE, -shared): waybill must see the property that was
# turned off, and agree with the peers on every property of every build.
# Then this machine's own binaries and libraries (all of /usr/sbin, every
# fourth ELF file of /usr/bin, every fourth shared object of
# /usr/lib/x86_64-linux-gnu, at least 100 files in all): every property of
# every file must agree, except the documented differences of the peers'
# heuristics (docs/formats/baseline.md, "ELF checks"), which are counted
# and listed, never hidden:
#   - hardening-check counts FORTIFY only for the functions of its own
#     list (glibc 2.36's minus explicit_bzero); waybill counts any __*_chk;
#   - checksec calls RELRO full only when readelf -d prints "BIND_NOW",
#     not for DF_1_NOW alone in FLAGS_1 (hardening-check and waybill do);
#   - hardening-check calls an ET_DYN file PIE when it has a PT_PHDR
#     header, waybill when it has PT_INTERP or DF_1_PIE: they differ on
#     static-pie programs and on libraries with a PT_PHDR, where readelf -h
#     must side with waybill;
#   - checksec's canary check matches the names anywhere in readelf -s,
#     defined symbols included (libc.so.6 defines __stack_chk_fail);
#     waybill and hardening-check count imports only.
# Needs $ELF_CHECK (set by meson), gcc, hardening-check, checksec. Prints TAP.
# shellcheck disable=SC2317  # the case functions run through run_cases
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

missing=()
[ -x "${ELF_CHECK:-}" ] || missing+=("ELF_CHECK is not set to the built tests/interop/elf_check")
command -v hardening-check >/dev/null 2>&1 || missing+=("hardening-check not found (apt-get install devscripts)")
command -v checksec >/dev/null 2>&1 || missing+=("checksec not found (apt-get install checksec)")
command -v gcc >/dev/null 2>&1 || missing+=("gcc not found (apt-get install gcc)")
if [ ${#missing[@]} -gt 0 ]; then
    echo "1..1"
    echo "not ok 1 - prerequisites for the ELF interop tests"
    for m in "${missing[@]}"; do echo "# $m"; done
    exit 1
fi

# peer FILE...: the peers' verdicts in elf_check's words, one line a file:
# PATH pie= relro= bindnow= canary= fortify= (hardening-check) nx= crelro=
# ccanary= (checksec)
peer() {
    local f hc cs
    for f in "$@"; do
        hc=$(LANG=C hardening-check "$f" 2>/dev/null)
        cs=$(checksec --output=json --file="$f" 2>/dev/null)
        printf '%s\n%s\n' "$hc" "$cs" | awk -v file="$f" '
            /Position Independent Executable:/ {
                pie = ($0 ~ /: yes/) ? "yes" : ($0 ~ /shared library/) ? "dso" : ($0 ~ /normal executable/) ? "no" : "other" }
            /Stack protected:/ { canary = ($0 ~ /: yes/) ? "yes" : ($0 ~ /: unknown/) ? "unknown" : "no" }
            /Fortify Source functions:/ { fortify = ($0 ~ /: yes/) ? "yes" : ($0 ~ /: unknown/) ? "unknown" : "no" }
            /Read-only relocations:/ { relro = ($0 ~ /: yes/) ? "yes" : "no" }
            /Immediate binding:/ { bindnow = ($0 ~ /: yes/) ? "yes" : "no" }
            /"nx":/ {
                match($0, /"nx":"[a-z]*"/); nx = substr($0, RSTART + 6, RLENGTH - 7)
                match($0, /"relro":"[a-z]*"/); crelro = substr($0, RSTART + 9, RLENGTH - 10)
                match($0, /"canary":"[a-z]*"/); ccanary = substr($0, RSTART + 10, RLENGTH - 11) }
            END { printf "%s pie=%s relro=%s bindnow=%s canary=%s fortify=%s nx=%s crelro=%s ccanary=%s\n",
                         file, pie, relro, bindnow, canary, fortify, nx, crelro, ccanary }'
    done
}

# field LINE NAME: the value of NAME= in LINE
field() {
    local word
    for word in $1; do
        case "$word" in "$2="*) echo "${word#*=}"; return ;; esac
    done
}

# compare WAYBILL_LINES PEER_LINES: one line per (file, property) that
# differs, "FILE PROPERTY waybill=X peer=Y", on stdout
compare() {
    local w p f wr
    while IFS= read -r w && IFS= read -r p <&3; do
        f=${w%% *}
        [ "$f" = "${p%% *}" ] || { echo "$f: lines out of step with ${p%% *}"; continue; }
        [ "$(field "$w" pie)" = "$(field "$p" pie)" ] ||
            echo "$f pie waybill=$(field "$w" pie) hardening-check=$(field "$p" pie)"
        wr=$(field "$w" relro)
        [ "$([ "$wr" = none ] && echo no || echo yes)" = "$(field "$p" relro)" ] ||
            echo "$f relro waybill=$wr hardening-check=$(field "$p" relro)"
        [ "$wr" = "$(field "$p" crelro | sed 's/^no$/none/')" ] ||
            echo "$f relro-level waybill=$wr checksec=$(field "$p" crelro)"
        [ "$(field "$w" bindnow)" = "$(field "$p" bindnow)" ] ||
            echo "$f bindnow waybill=$(field "$w" bindnow) hardening-check=$(field "$p" bindnow)"
        [ "$(field "$w" nx)" = "$(field "$p" nx)" ] ||
            echo "$f nx waybill=$(field "$w" nx) checksec=$(field "$p" nx)"
        [ "$(field "$w" canary)" = "$(field "$p" canary)" ] ||
            echo "$f canary waybill=$(field "$w" canary) hardening-check=$(field "$p" canary)"
        [ "$(field "$w" canary | sed 's/unknown/no/')" = "$(field "$p" ccanary)" ] ||
            echo "$f canary-any waybill=$(field "$w" canary) checksec=$(field "$p" ccanary)"
        [ "$(field "$w" fortify)" = "$(field "$p" fortify)" ] ||
            echo "$f fortify waybill=$(field "$w" fortify) hardening-check=$(field "$p" fortify)"
    done <"$1" 3<"$2"
}

write_program() {
    cat >prog.c <<'EOF'
#include <stdio.h>
#include <string.h>

int shout(const char *word);

int shout(const char *word)
{
    char buf[64];
    strcpy(buf, word);
    return printf("%s!\n", buf);
}

int main(int argc, char **argv)
{
    return shout(argc > 1 ? argv[1] : "hello") < 0;
}
EOF
}

HARD="-O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE -pie -Wl,-z,relro,-z,now"

# build NAME FLAGS...: prog.c into NAME with the hardened flags, then FLAGS
build() {
    local name=$1
    shift
    # shellcheck disable=SC2086
    gcc $HARD "$@" -o "$name" prog.c 2>build.err || { echo "gcc $*:"; cat build.err; return 1; }
}

# expect NAME PROPERTY=VALUE...: elf_check's line for NAME says so
expect() {
    local name=$1 line pv
    shift
    line=$("$ELF_CHECK" "$name") || return 1
    for pv in "$@"; do
        [ "$(field "$line" "${pv%%=*}")" = "${pv#*=}" ] ||
            { echo "$name: expected $pv: $line"; return 1; }
    done
}

# case case_variants: each build flag turns its property off, and the peers agree on every property
case_variants() {
    write_program
    build hardened || return 1
    build no-canary -fno-stack-protector || return 1
    build no-pie -fno-PIE -no-pie || return 1
    build execstack -z execstack || return 1
    build norelro -Wl,-z,norelro || return 1
    build lazy -Wl,-z,lazy || return 1
    build no-fortify -U_FORTIFY_SOURCE || return 1
    gcc -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIC -shared -Wl,-z,relro,-z,now \
        -o libshout.so prog.c 2>build.err || { cat build.err; return 1; }
    expect hardened pie=yes relro=full bindnow=yes nx=yes canary=yes fortify=yes &&
        expect no-canary canary=no pie=yes fortify=yes &&
        expect no-pie pie=no canary=yes &&
        expect execstack nx=no pie=yes &&
        expect norelro relro=none &&
        expect lazy relro=partial bindnow=no &&
        expect no-fortify fortify=no canary=yes &&
        expect libshout.so pie=dso relro=full || return 1
    set -- hardened no-canary no-pie execstack norelro lazy no-fortify libshout.so
    "$ELF_CHECK" "$@" >waybill.txt || return 1
    peer "$@" >peer.txt
    compare waybill.txt peer.txt >diff.txt
    cat waybill.txt
    if [ -s diff.txt ]; then
        echo "waybill and the peers disagree:"
        cat diff.txt
        return 1
    fi
}

# system_files: the sample of this machine's ELF files, one a line
system_files() {
    local f n=0
    for f in /usr/sbin/*; do
        [ -f "$f" ] && [ ! -L "$f" ] && head -c 4 "$f" 2>/dev/null | grep -q 'ELF' && echo "$f"
    done
    for f in /usr/bin/* /usr/lib/x86_64-linux-gnu/*.so*; do
        if [ ! -f "$f" ] || [ -L "$f" ] || ! head -c 4 "$f" 2>/dev/null | grep -q 'ELF'; then
            continue
        fi
        n=$((n + 1))
        [ $((n % 4)) -eq 0 ] && echo "$f"
    done
}

# known FILE PROPERTY WAYBILL_VERDICT: 0 when a disagreement line is one of the documented
# differences of the peers' heuristics (see the header)
known() {
    local file=$1 prop=$2
    case "$prop" in
    fortify)
        # hardening-check's list lacks only explicit_bzero: a file whose
        # only checked import is __explicit_bzero_chk
        readelf --dyn-syms -W "$file" 2>/dev/null | awk '$7 == "UND" {print $8}' |
            sed 's/@.*//' | grep -E '^__.*_chk$' | grep -qv '^__explicit_bzero_chk$' && return 1
        return 0 ;;
    pie)
        # hardening-check calls an ET_DYN file PIE when it has a PT_PHDR
        # header; waybill when it has PT_INTERP or DF_1_PIE. They differ on
        # static-pie programs (DF_1_PIE, no PT_PHDR) and on libraries that
        # carry a PT_PHDR; readelf -h, a third reader, must side with waybill
        local type
        type=$(readelf -hW "$file" | sed -n 's/.*Type:.*(\(.*\))/\1/p')
        case "$3" in
        yes) [ "$type" = "Position-Independent Executable file" ] ;;
        dso) [ "$type" = "Shared object file" ] && readelf -lW "$file" | grep -q '^ *PHDR ' ;;
        *) return 1 ;;
        esac ;;
    relro-level)
        # full for waybill, partial for checksec: BIND_NOW only as DF_1_NOW
        readelf -d -W "$file" | grep -q 'FLAGS_1.*NOW' &&
            ! readelf -d -W "$file" | grep -q 'BIND_NOW' ;;
    canary-any)
        # checksec sees a defined __stack_chk_fail (or _local, _guard) in readelf -s
        readelf -sW "$file" | grep -E '__stack_chk_fail|__stack_chk_guard|__intel_security_cookie' |
            grep -qv ' UND ' ;;
    *) return 1 ;;
    esac
}

# case case_system: the peers agree on this machine's binaries and libraries
case_system() {
    local total prop line file
    system_files >files.txt
    total=$(wc -l <files.txt)
    [ "$total" -ge 100 ] || { echo "only $total ELF files found"; return 1; }
    xargs -d '\n' "$ELF_CHECK" <files.txt >waybill.txt || return 1
    # the peers are slow (hardening-check disassembles): two at a time
    xargs -d '\n' -n 8 -P 2 bash -c "$(declare -f peer); peer \"\$@\"" peer <files.txt |
        sort -k1,1 >peer.unsorted
    sort -k1,1 waybill.txt >waybill.sorted
    compare waybill.sorted peer.unsorted >diff.txt
    {
        echo "files compared: $total (properties each: pie, relro, relro level, bindnow, nx, canary twice, fortify)"
        for prop in pie relro relro-level bindnow nx canary canary-any fortify; do
            echo "  $prop: $(awk -v p="$prop" '$2 == p' diff.txt | wc -l) disagreements"
        done
        while IFS= read -r line; do
            file=${line%% *}
            prop=$(echo "$line" | cut -d' ' -f2)
            if known "$file" "$prop" "$(echo "$line" | sed -n 's/.* waybill=\([a-z]*\).*/\1/p')"; then
                echo "  known difference: $line"
            else
                echo "  UNEXPLAINED: $line"
            fi
        done <diff.txt
    } | tee "$tmp_root/summary.txt"
    [ "$(grep -c UNEXPLAINED "$tmp_root/summary.txt")" -eq 0 ]
}

run_cases case_variants case_system
status=$?
# the figures of the system case, shown whether it passed or not
[ -f "$tmp_root/summary.txt" ] && sed 's/^/# /' "$tmp_root/summary.txt"
exit $status
