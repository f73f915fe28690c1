#!/bin/bash
# test_yara_interop.sh: libwaybill's YARA scanning (malware.c, through
# tests/interop/malware_scan.c) against Debian's `yara` command (package
# yara, the reference implementation's own front end over the same rule
# language): the same rule files on the same tree must give the same set
# of (rule, file) matches.
#
# The trees are made here: the EICAR test file (assembled from pieces so
# that this script is not itself flagged), text and binary files, a nested
# directory, an empty file, a 2 MiB file with a marker near its end, UTF-16
# text. The rules cover text, hex (with jumps and wildcards), regular
# expression, nocase, wide and fullword strings, `at`, counts, filesize,
# tags, private and global rules, two files using the same rule names, and
# the hash module. yara runs with -r (recursive) and -N (no symlinks, as
# waybill's walk); its "RULE PATH" lines are made relative and sorted, then
# compared with malware_scan's. Needs $MALWARE_SCAN (set by meson) and yara.
# Prints TAP.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

if [ -z "${MALWARE_SCAN:-}" ] || [ ! -x "${MALWARE_SCAN:-}" ] || ! command -v yara >/dev/null 2>&1; then
    echo "1..1"
    echo "not ok 1 - prerequisites for the YARA interop tests"
    [ -x "${MALWARE_SCAN:-}" ] || echo "# MALWARE_SCAN is not set to the built tests/interop/malware_scan"
    command -v yara >/dev/null 2>&1 || echo "# yara not found (apt-get install yara)"
    exit 1
fi

eicar() {
    printf '%s%s%s%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$' 'EICAR-STANDARD-' 'ANTIVIRUS-' 'TEST-' 'FILE!$H+H*'
}

make_tree() {
    mkdir -p tree/a/b tree/c
    eicar >tree/eicar.com
    { eicar; printf '\r\n'; } >tree/a/b/eicar.txt
    { printf 'quoted in a document: '; eicar; printf '\n'; } >tree/c/notes.md
    : >tree/empty
    printf 'Hello World\nhello world\nHELLO WORLD\n' >tree/a/hello.txt
    printf 'password=hunter2\npassword=hunter3\npassword=hunter4\n' >tree/c/conf.ini
    printf 'M\0a\0l\0w\0a\0r\0e\0' >tree/a/utf16.txt
    printf 'the malwarez are here\n' >tree/c/fullword.txt
    printf '\x4d\x5a\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00' >tree/a/b/stub.exe
    head -c 2097152 /dev/zero >tree/big.bin
    printf 'END-MARKER-42' >>tree/big.bin
    printf '#!/bin/sh\necho pretend\n' >tree/c/dropper.sh
}

write_rules() {
    cat >main.yar <<'YAR'
rule eicar_at_start : test av
{
    strings:
        $e = { 58 35 4F 21 50 25 40 41 50 5B 34 5C 50 5A 58 35 34 28 50 5E 29 37 43 43 29 37 7D 24 }
    condition:
        $e at 0
}

rule eicar_anywhere
{
    strings:
        $e = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE"
    condition:
        $e
}

rule hello_nocase { strings: $h = "hello world" nocase condition: #h == 3 }
rule hello_exact { strings: $h = "hello world" condition: #h == 1 }
rule three_passwords { strings: $p = /password=hunter[0-9]/ condition: #p >= 3 }
rule wide_malware { strings: $w = "Malware" wide condition: $w }
rule fullword_malware { strings: $f = "malware" fullword condition: $f }
rule not_fullword { strings: $f = "malwarez" fullword condition: $f }
rule mz_stub { strings: $mz = { 4D 5A ?? 00 [1-4] 04 00 } condition: $mz at 0 and filesize < 100 }
rule big_marker { strings: $m = "END-MARKER-42" condition: $m and filesize > 1MB }
rule empty_file { condition: filesize == 0 }
private rule is_script { strings: $s = "#!/bin/sh" condition: $s at 0 }
rule script_echo { strings: $e = "echo" condition: is_script and $e }
YAR
    cat >second.yar <<'YAR'
import "hash"

rule eicar_anywhere : second
{
    strings:
        $e = "ANTIVIRUS-TEST"
    condition:
        $e
}

rule dropper_by_hash
{
    condition:
        hash.sha256(0, filesize) == "DIGEST"
}
YAR
    local digest
    digest=$(sha256sum tree/c/dropper.sh | cut -d' ' -f1)
    sed -i "s/DIGEST/$digest/" second.yar
}

# compare RULES...: the two scanners agree on the tree, and found something
compare() {
    # yara puts every file in namespace "default" unless told; waybill
    # names each after its file, so tell yara the same
    local f args=()
    for f in "$@"; do args+=("$(basename "${f%.*}"):../$f"); done
    (cd tree && yara -r -N "${args[@]}" .) >yara.raw 2>yara.err || {
        echo "yara failed:"; cat yara.err; return 1
    }
    sed 's| \./| |' yara.raw | sort >yara.txt
    run 0 "$MALWARE_SCAN" "$@" -- tree || return 1
    sort out.txt >waybill.txt
    if ! cmp -s yara.txt waybill.txt; then
        echo "yara and waybill disagree:"
        diff yara.txt waybill.txt
        return 1
    fi
    [ -s waybill.txt ] || { echo "no matches at all"; return 1; }
    echo "agree on $(wc -l <waybill.txt) matches:" && cat waybill.txt
}

# case main_rules: one rule file: strings of every kind, conditions, tags, private rules
main_rules() {
    make_tree && write_rules && compare main.yar || return 1
    # spot checks, so that agreement is not agreement on nothing
    contains waybill.txt "eicar_at_start eicar.com" &&
        contains waybill.txt "eicar_at_start a/b/eicar.txt" &&
        contains waybill.txt "eicar_anywhere c/notes.md" &&
        contains waybill.txt "big_marker big.bin" &&
        contains waybill.txt "script_echo c/dropper.sh" || return 1
    ! grep -q "eicar_at_start c/notes.md" waybill.txt
}

# case two_files: two rule files using the same rule name, and the hash module
two_files() {
    make_tree && write_rules && compare main.yar second.yar || return 1
    contains waybill.txt "dropper_by_hash c/dropper.sh" || return 1
    [ "$(grep -c '^eicar_anywhere ' waybill.txt)" -ge 6 ]
}

# case threads: four scanning threads give the same matches as one
threads() {
    make_tree && write_rules || return 1
    run 0 "$MALWARE_SCAN" -j 1 main.yar second.yar -- tree && sort out.txt >one.txt || return 1
    run 0 "$MALWARE_SCAN" -j 4 main.yar second.yar -- tree && sort out.txt >four.txt || return 1
    cmp one.txt four.txt
}

run_cases main_rules two_files threads
