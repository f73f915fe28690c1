/*
 * review.yar: the YARA rules of the review benchmark (bench/review-bench.sh),
 * written for it: a small set shaped like the ones CERTs share (text
 * strings, wide and nocase strings, hex strings with wildcards, header
 * checks), so that a scan costs what a realistic rule set costs. Not a
 * detection set to rely on.
 */

rule EICAR
{
    meta:
        description = "the EICAR anti-virus test file"
    strings:
        // the string's first bytes in hex, its name as text: this file
        // does not itself hold the test string
        $head = { 58 35 4F 21 50 25 40 41 50 5B 34 5C 50 5A 58 35 34 28 50 5E 29 }
        $name = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!"
    condition:
        $head at 0 and $name and filesize < 128
}

rule php_webshell_eval
{
    meta:
        description = "PHP that evaluates decoded request data"
    strings:
        $eval1 = "eval(base64_decode(" nocase
        $eval2 = "eval(gzinflate(" nocase
        $req1 = "$_POST[" nocase
        $req2 = "$_REQUEST[" nocase
        $assert = "assert($_" nocase
    condition:
        (any of ($eval*) and any of ($req*)) or $assert
}

rule credential_dumper_strings
{
    meta:
        description = "strings of a well-known credential dumper"
    strings:
        $a = "sekurlsa::logonpasswords" ascii wide nocase
        $b = "lsadump::sam" ascii wide nocase
        $c = "privilege::debug" ascii wide nocase
    condition:
        2 of them
}

rule reverse_shell_oneliner
{
    meta:
        description = "shell one-liners that connect a shell to a remote host"
    strings:
        $bash = "bash -i >& /dev/tcp/"
        $nc = "nc -e /bin/sh "
        $py = "socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect(("
        $mkfifo = "mkfifo /tmp/f;cat /tmp/f|/bin/sh -i"
    condition:
        any of them
}

rule coin_miner_config
{
    meta:
        description = "a cryptocurrency miner's pool configuration"
    strings:
        $pool = "stratum+tcp://" nocase
        $pool_tls = "stratum+ssl://" nocase
        $xmrig = "xmrig" nocase
        $donate = "\"donate-level\""
    condition:
        any of ($pool*) and ($xmrig or $donate)
}

rule pe_process_injection
{
    meta:
        description = "a PE that imports the classic remote-thread injection trio"
    strings:
        $a = "VirtualAllocEx"
        $b = "WriteProcessMemory"
        $c = "CreateRemoteThread"
    condition:
        uint16(0) == 0x5A4D and all of them
}

rule elf_upx_packed
{
    meta:
        description = "an ELF packed with UPX"
    strings:
        $upx = "UPX!"
        $info = "$Info: This file is packed with the UPX"
    condition:
        uint32(0) == 0x464C457F and $upx and $info
}

rule beacon_config_shape
{
    meta:
        description = "the setting-record shape of a well-known beacon's configuration block"
    strings:
        $cfg = { 00 01 00 01 00 02 ?? ?? 00 02 00 01 00 02 ?? ?? 00 03 00 02 00 04 }
    condition:
        $cfg
}
