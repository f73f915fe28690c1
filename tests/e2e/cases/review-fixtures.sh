# Fixtures for the review cases (400-...), sourced by their setup().
#
# Secrets and the EICAR string are made at run time, so that no scanner
# flags this repository: the AWS key id is drawn at random in its documented
# shape (AKIA + 16 of [A-Z2-7]), the EICAR string is joined from two halves.

# clean_tree DIR: files with nothing to find
clean_tree() {
    mkdir -p "$1/bin" "$1/doc"
    printf 'hello\n' >"$1/doc/README"
    printf '#!/bin/sh\necho tool\n' >"$1/bin/tool"
    chmod 755 "$1/bin/tool"
}

# aws_key_id: a random key id in AWS's documented shape
aws_key_id() {
    "$PY" -c 'import random,string; r=random.SystemRandom(); print("AKIA"+"".join(r.choice(string.ascii_uppercase+"234567") for _ in range(16)))'
}

# plant_secret DIR: an AWS key id on line 3 of DIR/app/config.ini
plant_secret() {
    mkdir -p "$1/app"
    printf '[default]\nregion = eu-west-1\naws_access_key_id = %s\n' "$(aws_key_id)" >"$1/app/config.ini"
}

# plant_eicar FILE: the EICAR anti-virus test string
plant_eicar() {
    "$PY" -c 'import sys; a="X5O!P%@AP[4\\PZX54(P^)7CC)7}$"; b="EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"; open(sys.argv[1],"w").write(a+b)' "$1"
}

# eicar_rule FILE: a YARA rule for it
eicar_rule() {
    cat >"$1" <<'YAR'
rule eicar_test_file : testfile
{
    strings:
        $s = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE"
    condition:
        $s
}
YAR
}

# npm_project DIR: a package-lock.json v3 with left-pad 1.3.0
npm_project() {
    mkdir -p "$1"
    cat >"$1/package-lock.json" <<'JSON'
{
  "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": {"name": "app", "version": "1.0.0", "dependencies": {"left-pad": "1.3.0"}},
    "node_modules/left-pad": {"version": "1.3.0",
      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
      "integrity": "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQEnT0kkbymE6PfL4KRyr8VlWAHlpZBnyTEj/BZ4R2DHHM45g=="}
  }
}
JSON
}

# osv_db DIR: two records of one vulnerability of left-pad < 1.3.1 (a GHSA
# and the CVE it aliases), critical by CVSS 3.1
osv_db() {
    mkdir -p "$1"
    cat >"$1/GHSA-wb00-test-0001.json" <<'JSON'
{"schema_version": "1.6.0", "id": "GHSA-wb00-test-0001", "modified": "2024-01-01T00:00:00Z",
 "aliases": ["CVE-2024-99991"], "summary": "left-pad pads to the left too much",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
 "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.3.1"}]}]}]}
JSON
    cat >"$1/CVE-2024-99991.json" <<'JSON'
{"schema_version": "1.6.0", "id": "CVE-2024-99991", "modified": "2024-01-02T00:00:00Z",
 "aliases": ["GHSA-wb00-test-0001"],
 "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.3.1"}]}]}]}
JSON
}

# small_rootfs DIR: a root file system with what the baseline must catch: a
# setuid program not on the allowlist (and passwd, which is on it), a
# world-writable file, a world-writable directory without the sticky bit
# (and tmp/ with it, which is fine), an empty password in etc/shadow,
# PermitRootLogin yes in sshd_config, telnet in inetd.conf
small_rootfs() {
    mkdir -p "$1/usr/bin" "$1/etc/ssh" "$1/var/spool/drop" "$1/tmp" "$1/opt/app"
    printf '#!/bin/sh\n' >"$1/usr/bin/rootme"
    printf '#!/bin/sh\n' >"$1/usr/bin/passwd"
    chmod 4755 "$1/usr/bin/rootme" "$1/usr/bin/passwd"
    printf 'setting=1\n' >"$1/opt/app/settings.conf"
    chmod 0666 "$1/opt/app/settings.conf"
    chmod 0777 "$1/var/spool/drop"
    chmod 1777 "$1/tmp"
    printf 'root:$6$abc$def:19000:0:99999:7:::\nguest::19000:0:99999:7:::\n' >"$1/etc/shadow"
    chmod 0640 "$1/etc/shadow"
    printf 'root:x:0:0:root:/root:/bin/sh\nguest:x:1000:1000::/home/guest:/bin/sh\n' >"$1/etc/passwd"
    chmod 0644 "$1/etc/passwd"
    printf 'Port 22\nPermitRootLogin yes\n' >"$1/etc/ssh/sshd_config"
    printf 'telnet stream tcp nowait root /usr/sbin/tcpd /usr/sbin/in.telnetd\n' >"$1/etc/inetd.conf"
}
