#!/usr/bin/python3
"""Build the review benchmark's tree: 20,000 files, about 1 GiB, from a fixed
seed, shaped like a software delivery rather than like noise, so that the
content scans (secrets, YARA) do the work they would do on a real one.

    make-review-tree.py ROOT [COUNT] [BYTES]

Files: 75% are text (C, Python, JavaScript, JSON, YAML, Markdown; 256 B -
64 KiB, 3% up to 1 MiB), 25% binary (shared objects, archives, images;
4 KiB - 256 KiB, 15% up to 2 MiB), then scaled to the total: about a third
of the bytes are text. Text is cut
from a corpus of generated source lines that uses the words real code uses;
one text file in ten also has a comment with words the secret rules key on
("password", "private key", "pwd"), so the rules' expressions run on
those files instead of every file being dismissed by the keyword pass. Binary files
mix incompressible bytes, runs of zeros and string tables, like
executables. node_modules/ and vendor/ trees and lock files are part of it:
a review scans them.

Planted: an AWS access key, a GitHub token, a Slack token, a PEM private key
(fake key material of the right shape), a password in a configuration file,
and the EICAR test file (its string assembled from two halves here, so that
this script does not itself look like the test file to a scanner). The
expected findings are listed in ROOT.expected.
"""
import os
import random
import sys

WORDS = ("int char void return static const struct if else for while size_t "
         "buffer length count index value result error status config options "
         "request response handler callback context session user name path file "
         "open close read write parse format encode decode hash digest verify "
         "sign key keys public certificate cert tls http https url host port timeout retry "
         "import from def class self None True False function var let async "
         "await export default module require package version dependencies "
         "true false null new this throw catch try finally assert log debug "
         "info warn list map set get put post delete update create delete "
         "apiVersion kind metadata spec containers image env data items").split()
# words the secret rules key on, for the comment lines put into one text
# file in ten: they make the rules' expressions run there without matching
KEYWORDS = "password passwd private key token secret aws_secret npm_ pwd".split()


def text_corpus(rng, size):
    """Lines of plausible source, about `size` bytes."""
    out, total = [], 0
    templates = (
        "    {a} = {b}({c}, {d});",
        "    if ({a} != NULL && {b} > {n}) {{",
        "    return {a}_{b}({c});",
        "def {a}_{b}(self, {c}, {d}={n}):",
        "        self.{a} = {b}.{c}({d})",
        "const {a} = require('{b}-{c}');",
        "  \"{a}\": \"{b} {c} {d}\",",
        "{a}: {b}-{c}",
        "# {a} {b} {c} {d} {e} {f}",
        "/* {a} the {b} of {c} when {d} is {e} */",
        "    {a}.{b}({c}, {{ {d}: {n}, {e}: '{f}' }});",
        "  - name: {a}-{b}",
        "",
    )
    while total < size:
        t = rng.choice(templates)
        w = [rng.choice(WORDS) for _ in range(6)]
        line = t.format(a=w[0], b=w[1], c=w[2], d=w[3], e=w[4], f=w[5],
                        n=rng.randint(0, 4096))
        out.append(line)
        total += len(line) + 1
    return ("\n".join(out) + "\n").encode()


def binary_corpus(rng, size):
    """Incompressible bytes, zero runs and string tables."""
    parts, total = [], 0
    while total < size:
        r = rng.random()
        n = rng.randint(512, 64 << 10)
        if r < 0.6:
            chunk = rng.randbytes(n)
        elif r < 0.8:
            chunk = bytes(n)
        else:
            chunk = b"\0".join(
                ("%s_%s" % (rng.choice(WORDS), rng.choice(WORDS))).encode()
                for _ in range(n // 12))
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


def b64ish(rng, n):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "".join(rng.choice(alphabet) for _ in range(n))


def upper_digits(rng, n):
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(n))


def alnum(rng, n):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                   for _ in range(n))


def plants(rng):
    """(relative path, bytes, expected finding) for the planted files."""
    pem_body = "\n".join(b64ish(rng, 64) for _ in range(12))
    eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    return [
        ("d03/s2/deploy/aws.env",
         ("AWS_REGION=eu-west-1\nAWS_ACCESS_KEY_ID=AKIA%s\n" % upper_digits(rng, 16)).encode(),
         "secret aws-access-key-id"),
        ("d07/s5/scripts/release.sh",
         ("#!/bin/sh\nexport GITHUB_TOKEN=ghp_%s\ngh release create\n" % alnum(rng, 36)).encode(),
         "secret github-token"),
        ("d11/s1/node_modules/notify/config.js",
         ("module.exports = { slack: 'xoxb-%d-%s' };\n"
          % (rng.randint(10**9, 10**10), alnum(rng, 24))).encode(),
         "secret slack-token"),
        ("d15/s8/vendor/certs/server.key",
         ("-----BEGIN RSA PRIVATE KEY-----\n%s\n-----END RSA PRIVATE KEY-----\n"
          % pem_body).encode(),
         "secret private-key"),
        ("d18/s4/etc/app.conf",
         ("[db]\nhost = db.internal\npassword = \"%s\"\n" % alnum(rng, 20)).encode(),
         "secret password-assignment"),
        ("d05/s6/samples/eicar.com", eicar.encode(), "yara EICAR"),
    ]


def main():
    root = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    target = int(sys.argv[3]) if len(sys.argv) > 3 else 1 << 30
    stamp = root.rstrip("/") + ".complete"
    if os.path.exists(stamp):
        return
    rng = random.Random(20261203)
    text = text_corpus(rng, 16 << 20)
    binary = binary_corpus(rng, 32 << 20)
    kinds = []
    for _ in range(count):
        r = rng.random()
        if r < 0.75:
            ext = rng.choice((".c", ".h", ".py", ".js", ".json", ".yaml", ".md"))
            size = rng.randint(256, 64 << 10) if rng.random() < 0.97 else rng.randint(64 << 10, 1 << 20)
            kinds.append((True, ext, size))
        else:
            ext = rng.choice((".so", ".bin", ".gz", ".png", ".o"))
            size = rng.randint(4 << 10, 256 << 10) if rng.random() < 0.85 else rng.randint(256 << 10, 2 << 20)
            kinds.append((False, ext, size))
    scale = target / sum(k[2] for k in kinds)
    planted = plants(rng)
    written = 0
    for i, (is_text, ext, size) in enumerate(kinds):
        size = max(16, int(size * scale))
        top, sub = i % 20, i // 20 % 10
        where = ("node_modules/pkg%d" % (i % 7) if i % 50 == 0 else
                 "vendor/lib%d" % (i % 5) if i % 50 == 1 else "src")
        d = os.path.join(root, "d%02d" % top, "s%d" % sub, where)
        os.makedirs(d, exist_ok=True)
        name = "f%05d%s" % (i, ext)
        if i % 400 == 0:
            d = os.path.join(d, "p%05d" % i)
            os.makedirs(d, exist_ok=True)
            name = "package-lock.json" if i % 800 == 0 else "yarn.lock"
        corpus = text if is_text else binary
        off = rng.randrange(0, len(corpus) - 1)
        if is_text:
            head = ("// file %d\n" % i).encode()
            if rng.random() < 0.1:
                head += ("/* the %s and %s %s are read from the vault */\n"
                         % tuple(rng.choice(KEYWORDS) for _ in range(3))).encode()
        else:
            head = b"\x7fELF\x02\x01\x01\x00" + i.to_bytes(8, "little")
        with open(os.path.join(d, name), "wb") as f:
            f.write(head)
            left = size - len(head)
            while left > 0:
                chunk = corpus[off:off + left]
                f.write(chunk)
                left -= len(chunk)
                off = 0
        written += size
    with open(root.rstrip("/") + ".expected", "w") as expected:
        for rel, data, what in planted:
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            written += len(data)
            expected.write("%s\t%s\n" % (what, rel))
    open(stamp, "w").close()
    print("%d files, %d bytes" % (count + len(planted), written))


if __name__ == "__main__":
    main()
