#!/usr/bin/python3
"""dsse.py: an independent DSSE v1.0 implementation, for interop tests.

Written from the DSSE specification (secure-systems-lab/dsse, protocol.md
and envelope.md), not from waybill's C code nor from another implementation,
so that the two can disagree when one of them is wrong. It needs only the
Python standard library and python3-cryptography (Debian's /usr/bin/python3).

  PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
  LEN(s)          = decimal byte length of s, no leading zeros

Signatures: Ed25519 (raw 64 bytes) and ECDSA P-256 with SHA-256 (DER), the
securesystemslib schemes "ed25519" and "ecdsa-sha2-nistp256". Keys: PEM
(PKCS#8 or SEC1 private, SubjectPublicKeyInfo public) and securesystemslib
JSON key files (as in-toto-keygen writes them, unencrypted).

Key ids ("keyid" hints) follow securesystemslib: the hex SHA-256 of the
canonical JSON of {"keyid_hash_algorithms":["sha256","sha512"],"keytype":...,
"keyval":{"public":...},"scheme":...}, where "public" is the hex of the raw
Ed25519 key, or the SPKI PEM of an ECDSA key with its final newline (as
in-toto-keygen writes it). The canonical JSON encoder is written here too.

Verification follows protocol.md "Multi-signature Verification": every
signature is tried against the trusted keys (the keyid hint only orders the
candidates; it decides nothing), and the envelope is accepted when at least
THRESHOLD distinct trusted keys made a valid signature.

Usage:
  dsse.py sign --key K.key [--key K2.key ...] --payload-type T FILE
               [--urlsafe] [--no-keyid] [--keyid ID] > env.json
  dsse.py verify ENV --trust P.pub [--trust ...] [--threshold N]  (exit 0/1)
  dsse.py keyid KEYFILE...
  dsse.py pae TYPE FILE            (writes PAE bytes to stdout)
  dsse.py selftest                 (spec test vector; exit 0/1)
Exit: 0 ok / verified, 1 not verified, 2 usage, 3 unreadable input.
"""

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, utils
except ImportError as exc:  # the test scripts report this as a failure
    sys.stderr.write("dsse.py: python3-cryptography is missing (%s); "
                     "apt-get install python3-cryptography\n" % exc)
    sys.exit(3)

EXIT_OK, EXIT_VERIFY, EXIT_USAGE, EXIT_ERROR = 0, 1, 2, 3


class DsseError(Exception):
    """Input that cannot be read or decoded (exit 3)."""


# --- PAE --------------------------------------------------------------------

def pae(payload_type, body):
    """Pre-authentication encoding (protocol.md). Both arguments are bytes."""
    if isinstance(payload_type, str):
        payload_type = payload_type.encode("utf-8")
    return b"".join([b"DSSEv1", b" ", str(len(payload_type)).encode("ascii"), b" ",
                     payload_type, b" ", str(len(body)).encode("ascii"), b" ", body])


# --- base64 -----------------------------------------------------------------

_B64_CHARS = re.compile(r"\A[A-Za-z0-9+/\-_]*={0,2}\Z")


def b64decode_any(text, what):
    """Standard or URL-safe base64, padded or not (envelope.md: verifiers
    MUST accept either). Anything else is an error, not silently skipped."""
    if not isinstance(text, str):
        raise DsseError("%s: not a string" % what)
    if not _B64_CHARS.match(text):
        raise DsseError("%s: not base64" % what)
    stripped = text.rstrip("=")
    if len(stripped) % 4 == 1:
        raise DsseError("%s: bad base64 length" % what)
    padded = stripped + "=" * (-len(stripped) % 4)
    if text != stripped and text != padded:
        raise DsseError("%s: bad base64 padding" % what)
    std = padded.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(std, validate=True)
    except binascii.Error as exc:
        raise DsseError("%s: bad base64 (%s)" % (what, exc)) from None


# --- canonical JSON (securesystemslib / OLPC flavour) -------------------------

def canonical_json(value):
    """securesystemslib's canonical form: keys sorted, no whitespace, strings
    escape only backslash and double quote (all other characters, newlines
    included, are written as they are), integers only."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ",".join(canonical_json(k) + ":" + canonical_json(v) for k, v in items) + "}"
    raise TypeError("cannot canonicalize %r" % type(value))


# --- keys -------------------------------------------------------------------

class Key:
    """A public key (and maybe its private half) with its securesystemslib id."""

    def __init__(self, name, public, private=None, public_text=None):
        self.name = name
        self.public = public
        self.private = private
        if isinstance(public, ed25519.Ed25519PublicKey):
            self.keytype, self.scheme = "ed25519", "ed25519"
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            self.raw = raw
            default_text = raw.hex()
        elif isinstance(public, ec.EllipticCurvePublicKey):
            if not isinstance(public.curve, ec.SECP256R1):
                raise DsseError("%s: ECDSA curve %s is not P-256" % (name, public.curve.name))
            self.keytype, self.scheme = "ecdsa", "ecdsa-sha2-nistp256"
            self.raw = public.public_bytes(serialization.Encoding.X962,
                                           serialization.PublicFormat.UncompressedPoint)
            default_text = public.public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
        else:
            raise DsseError("%s: unsupported key type %s" % (name, type(public).__name__))
        # A key read from a securesystemslib JSON file keeps the file's exact
        # "public" string: its id is what securesystemslib gives that file.
        self.public_text = public_text if public_text is not None else default_text
        self.keyid = hashlib.sha256(canonical_json({
            "keyid_hash_algorithms": ["sha256", "sha512"],
            "keytype": self.keytype,
            "keyval": {"public": self.public_text},
            "scheme": self.scheme,
        }).encode("utf-8")).hexdigest()

    def sign(self, message):
        if self.private is None:
            raise DsseError("%s: a public key cannot sign" % self.name)
        if self.keytype == "ed25519":
            return self.private.sign(message)
        return self.private.sign(message, ec.ECDSA(hashes.SHA256()))  # DER

    def verify(self, signature, message):
        try:
            if self.keytype == "ed25519":
                if len(signature) != 64:
                    return False
                self.public.verify(signature, message)
            else:
                self.public.verify(signature, message, ec.ECDSA(hashes.SHA256()))
            return True
        except InvalidSignature:
            return False


def _from_private(name, private, public_text=None):
    if not isinstance(private, (ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey)):
        raise DsseError("%s: unsupported private key type %s" % (name, type(private).__name__))
    return Key(name, private.public_key(), private, public_text)


def _load_sslib_json(name, obj):
    keytype, scheme = obj.get("keytype"), obj.get("scheme")
    keyval = obj.get("keyval")
    if not isinstance(keyval, dict) or not isinstance(keyval.get("public"), str):
        raise DsseError("%s: securesystemslib key without keyval.public" % name)
    public_text = keyval["public"]
    private_text = keyval.get("private") or ""
    if keytype == "ed25519" and scheme == "ed25519":
        try:
            public = ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_text))
            private = (ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private_text))
                       if private_text else None)
        except ValueError as exc:
            raise DsseError("%s: bad ed25519 key: %s" % (name, exc)) from None
    elif keytype in ("ecdsa", "ecdsa-sha2-nistp256") and scheme == "ecdsa-sha2-nistp256":
        try:
            public = serialization.load_pem_public_key(public_text.encode("ascii"))
            private = (serialization.load_pem_private_key(private_text.encode("ascii"), None)
                       if private_text else None)
        except ValueError as exc:
            raise DsseError("%s: bad ecdsa key: %s" % (name, exc)) from None
        keytype = "ecdsa"
    else:
        raise DsseError("%s: unsupported securesystemslib key %r/%r" % (name, keytype, scheme))
    key = Key(name, public, private, public_text)
    if private is not None and key.raw != Key(name, private.public_key()).raw:
        raise DsseError("%s: private and public halves do not match" % name)
    return key


def load_key(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise DsseError("%s: %s" % (path, exc.strerror)) from None
    text = data.lstrip()
    if text.startswith(b"{"):
        try:
            obj = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise DsseError("%s: bad JSON key: %s" % (path, exc)) from None
        if not isinstance(obj, dict):
            raise DsseError("%s: JSON key is not an object" % path)
        return _load_sslib_json(path, obj)
    if b"-----BEGIN PUBLIC KEY-----" in data:
        try:
            public = serialization.load_pem_public_key(data)
        except ValueError as exc:
            raise DsseError("%s: bad public key PEM: %s" % (path, exc)) from None
        return Key(path, public)
    if b"-----BEGIN" in data and b"PRIVATE KEY-----" in data:
        if b"ENCRYPTED" in data:
            raise DsseError("%s: encrypted private keys are not supported" % path)
        try:
            private = serialization.load_pem_private_key(data, None)
        except (TypeError, ValueError) as exc:
            raise DsseError("%s: bad private key PEM: %s" % (path, exc)) from None
        return _from_private(path, private)
    raise DsseError("%s: neither a PEM key nor a securesystemslib JSON key "
                    "(an encrypted securesystemslib key?)" % path)


# --- envelopes ----------------------------------------------------------------

def _no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise DsseError("duplicate JSON member %r" % k)
        obj[k] = v
    return obj


def parse_envelope(data, name):
    """Decode an envelope (envelope.md). Returns (type, body, [(keyid, sig)])."""
    try:
        env = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as exc:
        raise DsseError("%s: not JSON: %s" % (name, exc)) from None
    except DsseError as exc:
        raise DsseError("%s: %s" % (name, exc)) from None
    if not isinstance(env, dict):
        raise DsseError("%s: envelope is not a JSON object" % name)
    for field in ("payload", "payloadType", "signatures"):
        if field not in env:
            raise DsseError("%s: missing %r" % (name, field))
    if not isinstance(env["payloadType"], str):
        raise DsseError("%s: payloadType is not a string" % name)
    body = b64decode_any(env["payload"], "%s: payload" % name)
    if not isinstance(env["signatures"], list):
        raise DsseError("%s: signatures is not a list" % name)
    sigs = []
    for i, s in enumerate(env["signatures"]):
        if not isinstance(s, dict) or "sig" not in s:
            raise DsseError("%s: signature %d has no 'sig'" % (name, i))
        keyid = s.get("keyid", "")  # unset is the same as empty
        if not isinstance(keyid, str):
            raise DsseError("%s: signature %d: keyid is not a string" % (name, i))
        sigs.append((keyid, b64decode_any(s["sig"], "%s: signature %d" % (name, i))))
    return env["payloadType"], body, sigs


def b64encode(data, urlsafe):
    if urlsafe:
        return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
    return base64.b64encode(data).decode("ascii")


def sign_envelope(payload_type, body, keys, urlsafe=False, keyid_mode=None):
    message = pae(payload_type, body)
    signatures = []
    for key in keys:
        entry = {"sig": b64encode(key.sign(message), urlsafe)}
        if keyid_mode is None:
            entry["keyid"] = key.keyid
        elif keyid_mode != "":
            entry["keyid"] = keyid_mode
        signatures.append(entry)
    return {"payload": b64encode(body, urlsafe), "payloadType": payload_type,
            "signatures": signatures}


def verify_envelope(payload_type, body, sigs, trusted, threshold, log):
    """Count distinct trusted keys with a valid signature (protocol.md)."""
    message = pae(payload_type, body)
    accepted = set()
    for i, (keyid, sig) in enumerate(sigs):
        # The hint only puts the named key first; every key is tried.
        candidates = sorted(trusted, key=lambda k: k.keyid != keyid)
        for key in candidates:
            if key.verify(sig, message):
                dup = " (already counted)" if key.raw in accepted else ""
                accepted.add(key.raw)  # distinct by key material, not by id
                log("signature %d: valid, by %s %s%s" % (i, key.keytype, key.keyid, dup))
                break
        else:
            log("signature %d (keyid %r): no trusted key verifies it" % (i, keyid))
    return len(accepted)


# --- command line -------------------------------------------------------------

def cmd_sign(args):
    keys = [load_key(p) for p in args.key]
    try:
        with open(args.file, "rb") as f:
            body = f.read()
    except OSError as exc:
        raise DsseError("%s: %s" % (args.file, exc.strerror)) from None
    keyid_mode = "" if args.no_keyid else args.keyid
    env = sign_envelope(args.payload_type, body, keys, args.urlsafe, keyid_mode)
    sys.stdout.write(json.dumps(env) + "\n")
    return EXIT_OK


def cmd_verify(args):
    if args.threshold < 1:
        sys.stderr.write("dsse.py: --threshold must be at least 1\n")
        return EXIT_USAGE
    trusted = {}
    for p in args.trust:
        key = load_key(p)
        trusted[key.raw] = Key(p, key.public, None, key.public_text)
    if args.threshold > len(trusted):
        sys.stderr.write("dsse.py: threshold %d exceeds the %d distinct trusted keys\n"
                         % (args.threshold, len(trusted)))
        return EXIT_USAGE
    try:
        with open(args.envelope, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise DsseError("%s: %s" % (args.envelope, exc.strerror)) from None
    payload_type, body, sigs = parse_envelope(data, args.envelope)

    def log(msg):
        sys.stderr.write("dsse.py: %s\n" % msg)

    count = verify_envelope(payload_type, body, sigs, list(trusted.values()),
                            args.threshold, log)
    if count >= args.threshold:
        print("verified: %d of %d required keys; payloadType %s" %
              (count, args.threshold, payload_type))
        return EXIT_OK
    print("NOT verified: %d of %d required keys" % (count, args.threshold))
    return EXIT_VERIFY


def cmd_keyid(args):
    for p in args.files:
        print(load_key(p).keyid)
    return EXIT_OK


def cmd_pae(args):
    with open(args.file, "rb") as f:
        sys.stdout.buffer.write(pae(args.type.encode("utf-8"), f.read()))
    return EXIT_OK


def cmd_selftest(_args):
    """Check this implementation against the vector in protocol.md, and a
    sign/verify round trip with each key type."""
    failures = []
    message = pae(b"http://example.com/HelloWorld", b"hello world")
    if message != b"DSSEv1 29 http://example.com/HelloWorld 11 hello world":
        failures.append("PAE test vector")
    if pae(b"", b"") != b"DSSEv1 0  0 ":
        failures.append("PAE of empty type and body")
    # The spec's vector signs with raw r||s; our scheme uses DER.
    x = 46950820868899156662930047687818585632848591499744589407958293238635476079160
    y = 5640078356564379163099075877009565129882514886557779369047442380624545832820
    public = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    spec_env = (b'{"payload": "aGVsbG8gd29ybGQ=", "payloadType": "http://example.com/HelloWorld",'
                b' "signatures": [{"sig": "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajab'
                b'ZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="}]}')
    ptype, body, sigs = parse_envelope(spec_env, "spec vector")
    raw = sigs[0][1]
    der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                     int.from_bytes(raw[32:], "big"))
    key = Key("spec", public)
    if not key.verify(der, pae(ptype.encode(), body)):
        failures.append("spec ECDSA test vector does not verify")
    if key.verify(der, pae(ptype.encode(), body + b"!")):
        failures.append("spec ECDSA test vector verifies a changed body")
    for private in (ed25519.Ed25519PrivateKey.generate(), ec.generate_private_key(ec.SECP256R1())):
        k = _from_private("generated", private)
        for urlsafe in (False, True):
            env = json.dumps(sign_envelope("t/x", b"\x00\xff body", [k], urlsafe)).encode()
            ptype, body, sigs = parse_envelope(env, "round trip")
            if verify_envelope(ptype, body, sigs, [k], 1, lambda m: None) != 1:
                failures.append("%s round trip (urlsafe=%s)" % (k.keytype, urlsafe))
            if verify_envelope(ptype + "x", body, sigs, [k], 1, lambda m: None) != 0:
                failures.append("%s accepts a changed type" % k.keytype)
    # canonical JSON as securesystemslib writes it: raw newline, sorted keys
    if canonical_json({"b": "x\ny", "a": ["\"\\"]}) != '{"a":["\\"\\\\"],"b":"x\ny"}':
        failures.append("canonical JSON")
    for f in failures:
        print("FAIL: %s" % f)
    if not failures:
        print("selftest ok")
    return EXIT_VERIFY if failures else EXIT_OK


def main(argv):
    parser = argparse.ArgumentParser(prog="dsse.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sign")
    p.add_argument("--key", action="append", required=True)
    p.add_argument("--payload-type", required=True)
    p.add_argument("--urlsafe", action="store_true", help="URL-safe base64 without padding")
    p.add_argument("--no-keyid", action="store_true", help="omit the keyid hints")
    p.add_argument("--keyid", help="use this keyid hint instead of the key's id")
    p.add_argument("file")
    p.set_defaults(func=cmd_sign)
    p = sub.add_parser("verify")
    p.add_argument("envelope")
    p.add_argument("--trust", action="append", required=True)
    p.add_argument("--threshold", type=int, default=1)
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("keyid")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_keyid)
    p = sub.add_parser("pae")
    p.add_argument("type")
    p.add_argument("file")
    p.set_defaults(func=cmd_pae)
    p = sub.add_parser("selftest")
    p.set_defaults(func=cmd_selftest)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DsseError as exc:
        sys.stderr.write("dsse.py: %s\n" % exc)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
