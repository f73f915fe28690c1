#!/usr/bin/python3
"""keyids.py: the key ids Debian's securesystemslib 0.26 (in-toto 1.3.1)
gives key files, for comparing with the ids waybill prints.

  keyids.py [--ecdsa-pem-import] KEYFILE...

prints one key id per file, in order. Unlike dsse.py, which computes ids on
its own, this asks securesystemslib itself:

* securesystemslib JSON key files (in-toto-keygen -t ed25519|ecdsa, public
  or unencrypted private): securesystemslib.interface.import_*_from_file,
  i.e. the id of the file's exact "public" string.
* PEM keys (as `waybill keygen` writes them: PKCS#8 private, SPKI public):
  securesystemslib has no loader that takes a PEM file to the key id
  in-toto-keygen would give the same key, so the key dict is built the way
  securesystemslib's generate_ed25519_key / generate_ecdsa_key build it
  (Ed25519: hex of the raw public key; ECDSA: the SPKI PEM as pyca's
  public_bytes() writes it, final newline included), and its id comes from
  securesystemslib.keys.format_metadata_to_key. That is the id an
  in-toto-keygen JSON file of the same key carries.
* With --ecdsa-pem-import, ECDSA keys instead go through
  securesystemslib.keys.import_ecdsakey_from_pem, which strips the PEM's
  final newline (extract_pem) and so gives a different id for the same key.
  RSA PEM keys always go through securesystemslib.keys.import_rsakey_from_pem
  (which strips it too, so there is only one RSA convention).

Exit 0, or 3 when a file cannot be read or the packages are missing.
"""

import json
import sys

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    import securesystemslib
    from securesystemslib import interface, keys
except ImportError as exc:
    sys.stderr.write("keyids.py: securesystemslib or python3-cryptography is missing (%s); "
                     "apt-get install python3-securesystemslib python3-cryptography in-toto\n"
                     % exc)
    sys.exit(3)


def _spki_pem(public):
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def keyid_of_json(path, obj):
    keytype = obj.get("keytype")
    has_private = bool(obj.get("keyval", {}).get("private"))
    if keytype == "ed25519":
        if has_private:
            return interface.import_ed25519_privatekey_from_file(path)["keyid"]
        return interface.import_ed25519_publickey_from_file(path)["keyid"]
    if keytype in ("ecdsa", "ecdsa-sha2-nistp256"):
        if has_private:
            return interface.import_ecdsa_privatekey_from_file(path)["keyid"]
        return interface.import_ecdsa_publickey_from_file(path)["keyid"]
    raise ValueError("%s: unsupported securesystemslib keytype %r" % (path, keytype))


def keyid_of_pem(path, data, ecdsa_pem_import):
    text = data.decode("ascii")
    if "PRIVATE KEY-----" in text:
        public = serialization.load_pem_private_key(data, None).public_key()
    else:
        public = serialization.load_pem_public_key(data)
    if isinstance(public, ed25519.Ed25519PublicKey):
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        meta = {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": raw.hex()}}
    elif isinstance(public, ec.EllipticCurvePublicKey):
        if not isinstance(public.curve, ec.SECP256R1):
            raise ValueError("%s: curve %s is not P-256" % (path, public.curve.name))
        if ecdsa_pem_import:
            return keys.import_ecdsakey_from_pem(_spki_pem(public))["keyid"]
        meta = {"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256",
                "keyval": {"public": _spki_pem(public)}}
    elif isinstance(public, rsa.RSAPublicKey):
        return keys.import_rsakey_from_pem(_spki_pem(public))["keyid"]
    else:
        raise ValueError("%s: unsupported key type %s" % (path, type(public).__name__))
    key, _ = keys.format_metadata_to_key(meta)
    return key["keyid"]


def keyid_of_file(path, ecdsa_pem_import=False):
    with open(path, "rb") as f:
        data = f.read()
    if data.lstrip().startswith(b"{"):
        return keyid_of_json(path, json.loads(data.decode("utf-8")))
    if b"-----BEGIN" in data:
        return keyid_of_pem(path, data, ecdsa_pem_import)
    raise ValueError("%s: neither PEM nor securesystemslib JSON (encrypted?)" % path)


def main(argv):
    ecdsa_pem_import = False
    if argv and argv[0] == "--ecdsa-pem-import":
        ecdsa_pem_import = True
        argv = argv[1:]
    if not argv or argv[0].startswith("-"):
        sys.stderr.write(__doc__)
        return 2
    if securesystemslib.__version__ != "0.26.0":
        sys.stderr.write("keyids.py: note: securesystemslib is %s, not Debian 12's 0.26.0\n"
                         % securesystemslib.__version__)
    status = 0
    for path in argv:
        try:
            print(keyid_of_file(path, ecdsa_pem_import))
        except Exception as exc:  # report any failure per file, keep going
            sys.stderr.write("keyids.py: %s: %s: %s\n" % (path, type(exc).__name__, exc))
            print("-")
            status = 3
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
