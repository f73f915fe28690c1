#!/usr/bin/python3
"""cosig.py: an independent verifier of C2SP tlog-cosignature v1 (Ed25519)
lines on a signed checkpoint, written from the specs (c2sp.org/signed-note,
c2sp.org/tlog-checkpoint, c2sp.org/tlog-cosignature) with Debian's
python3-cryptography, to check waybill's witness against. It shares no code
with waybill.

  cosig.py verify (--pub PEM | --vkey VKEY) --name NAME NOTE
      exit 0 when NOTE carries at least one cosignature line by the key
      (name and key ID match) and every such line verifies; prints
      "verified: NAME time T". Exit 1 otherwise, saying why.
  cosig.py genkey NAME SKEYFILE
      a new cosigner key: writes PRIVATE+KEY+NAME+keyid+base64(0x04||seed)
      to SKEYFILE (mode 0600) and prints the verifier key
      NAME+keyid+base64(0x04||public key).
  cosig.py vkey --pub PEM --name NAME
      the verifier key (type 0x04) of an Ed25519 public key in PEM.

Key ID (tlog-cosignature, Ed25519):
    SHA-256(name || "\\n" || 0x04 || 32-byte public key)[:4]
Signature bytes: key ID (4) || timestamp (u64, big-endian) || Ed25519 (64).
Signed message: "cosignature/v1\\n" "time <T>\\n" || the note body (the
checkpoint text including its final newline, without the signature lines).
"""
import base64
import hashlib
import os
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

EM_DASH = "\u2014"
COSIG_V1 = 0x04


class Refused(Exception):
    pass


def key_id(name, public_key):
    return hashlib.sha256(name.encode() + b"\n" + bytes([COSIG_V1]) + public_key).digest()[:4]


def vkey_string(name, public_key):
    return "%s+%s+%s" % (
        name,
        key_id(name, public_key).hex(),
        base64.b64encode(bytes([COSIG_V1]) + public_key).decode(),
    )


def parse_vkey(text):
    # name+keyid+base64; the name holds no '+', the base64 may
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise Refused("verifier key: not name+keyid+base64")
    name, hex_id, b64 = parts
    raw = base64.b64decode(b64, validate=True)
    if len(raw) != 33 or raw[0] != COSIG_V1:
        raise Refused("verifier key: not a type 0x04 Ed25519 key")
    if key_id(name, raw[1:]).hex() != hex_id.lower():
        raise Refused("verifier key: key ID does not match")
    return name, raw[1:]


def pem_public_raw(path):
    with open(path, "rb") as f:
        key = serialization.load_pem_public_key(f.read())
    if not isinstance(key, Ed25519PublicKey):
        raise Refused("%s: not an Ed25519 public key" % path)
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def split_note(data):
    """The note body (with its final newline) and the signature lines."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("note: not UTF-8")
    if not text.endswith("\n"):
        raise Refused("note: no final newline")
    cut = text.rfind("\n\n")
    if cut < 0:
        raise Refused("note: no blank line before the signatures")
    body, sigs = text[: cut + 1], text[cut + 2 :]
    lines = sigs[:-1].split("\n")
    for line in lines:
        if not line.startswith(EM_DASH + " "):
            raise Refused("note: signature line without the em dash: %r" % line)
    return body, lines


def check_checkpoint(body):
    lines = body[:-1].split("\n")
    if len(lines) < 3 or not lines[0]:
        raise Refused("checkpoint: fewer than three lines")
    if not lines[1].isdigit() or (lines[1] != "0" and lines[1].startswith("0")):
        raise Refused("checkpoint: bad size line %r" % lines[1])
    root = base64.b64decode(lines[2], validate=True)
    if len(root) != 32:
        raise Refused("checkpoint: root is not 32 bytes")


def verify(note_bytes, name, public_key):
    body, lines = split_note(note_bytes)
    check_checkpoint(body)
    want_id = key_id(name, public_key)
    verifier = Ed25519PublicKey.from_public_bytes(public_key)
    found = []
    for line in lines:
        rest = line[len(EM_DASH) + 1 :]
        sig_name, _, b64 = rest.rpartition(" ")
        if sig_name != name:
            continue
        raw = base64.b64decode(b64, validate=True)
        if raw[:4] != want_id:
            continue  # the same name, another key: not ours to judge
        if len(raw) != 4 + 8 + 64:
            raise Refused("cosignature by %s: %d bytes, expected 76" % (name, len(raw)))
        (timestamp,) = struct.unpack(">Q", raw[4:12])
        if timestamp >= 1 << 63:
            raise Refused("cosignature by %s: timestamp over 2^63 - 1" % name)
        message = b"cosignature/v1\ntime %d\n" % timestamp + body.encode("utf-8")
        try:
            verifier.verify(raw[12:], message)
        except InvalidSignature:
            raise Refused("cosignature by %s at time %d does not verify" % (name, timestamp))
        found.append(timestamp)
    if not found:
        raise Refused("no cosignature by %s+%s" % (name, want_id.hex()))
    return max(found)


def main(argv):
    args = argv[1:]
    if not args:
        sys.exit(__doc__)
    cmd, args = args[0], args[1:]
    opts, rest = {}, []
    while args:
        a = args.pop(0)
        if a in ("--pub", "--vkey", "--name"):
            opts[a] = args.pop(0)
        else:
            rest.append(a)
    try:
        if cmd == "verify":
            if "--vkey" in opts:
                name, pub = parse_vkey(opts["--vkey"])
                if "--name" in opts and opts["--name"] != name:
                    raise Refused("--name differs from the verifier key's")
            else:
                name, pub = opts["--name"], pem_public_raw(opts["--pub"])
            with open(rest[0], "rb") as f:
                timestamp = verify(f.read(), name, pub)
            print("verified: %s time %d" % (name, timestamp))
        elif cmd == "genkey":
            name, path = rest
            private = Ed25519PrivateKey.generate()
            seed = private.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            pub = private.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
            skey = "PRIVATE+KEY+%s+%s+%s" % (
                name,
                key_id(name, pub).hex(),
                base64.b64encode(bytes([COSIG_V1]) + seed).decode(),
            )
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(skey + "\n")
            print(vkey_string(name, pub))
        elif cmd == "vkey":
            print(vkey_string(opts["--name"], pem_public_raw(opts["--pub"])))
        else:
            sys.exit("cosig.py: unknown command %r" % cmd)
    except Refused as e:
        print("cosig.py: %s" % e, file=sys.stderr)
        return 1
    except (ValueError, KeyError, IndexError, OSError) as e:
        print("cosig.py: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
