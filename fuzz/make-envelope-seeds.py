#!/usr/bin/env python3
"""Write the seed envelopes of fuzz/corpora/envelope/ (env-*.json).

Independent of waybill: signatures are made with python3-cryptography over
DSSE's PAE, and key ids are computed as securesystemslib does, so the seeds
also check that waybill reads what another implementation writes. The keys
are fuzz/keys/fuzz-*.key, whose public halves fuzz_envelope.c trusts, so
the fuzzer starts from envelopes that verify. ECDSA signatures are
randomised: rerunning changes those bytes, not what the seeds cover.

usage: fuzz/make-envelope-seeds.py   (from anywhere)
"""
import base64
import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpora", "envelope")


def load(name):
    with open(os.path.join(HERE, "keys", name), "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def keyid(key):
    pub = key.public_key()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        keytype, scheme, public = "ed25519", "ed25519", raw.hex()
    else:
        pem = pub.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo)
        keytype, scheme, public = "ecdsa", "ecdsa-sha2-nistp256", pem.decode()
    obj = {"keyid_hash_algorithms": ["sha256", "sha512"], "keytype": keytype,
           "keyval": {"public": public}, "scheme": scheme}
    return hashlib.sha256(olpc(obj).encode()).hexdigest()


def olpc(value):
    """securesystemslib's encode_canonical: only '"' and '\\' escaped."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ",".join(olpc(v) for v in value) + "]"
    return "{" + ",".join(olpc(k) + ":" + olpc(value[k]) for k in sorted(value)) + "}"


def pae(payload_type, payload):
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def sign(key, payload_type, payload):
    msg = pae(payload_type, payload)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(msg)
    return key.sign(msg, ec.ECDSA(hashes.SHA256()))


def b64(data):
    return base64.b64encode(data).decode()


def envelope(payload_type, payload, sigs, **extra):
    env = {"payload": b64(payload), "payloadType": payload_type,
           "signatures": [{"keyid": k, "sig": b64(s)} for k, s in sigs]}
    env.update(extra)
    return env


def write(name, obj_or_text):
    text = obj_or_text if isinstance(obj_or_text, str) else json.dumps(obj_or_text, indent=2)
    with open(os.path.join(OUT, "env-" + name + ".json"), "w") as f:
        f.write(text)


def main():
    os.makedirs(OUT, exist_ok=True)
    ed, ecdsa = load("fuzz-ed25519.key"), load("fuzz-ecdsa.key")
    ed_id, ec_id = keyid(ed), keyid(ecdsa)
    stranger = ed25519.Ed25519PrivateKey.generate()
    intoto = "application/vnd.in-toto+json"
    statement = json.dumps({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "waybill-0.1.0.tar.gz",
                     "digest": {"sha256": "a" * 64}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {"buildDefinition": {"buildType": "https://example.com/make"}},
    }, sort_keys=True).encode()
    text = b"hello, world\n"

    write("ed25519", envelope(intoto, statement, [(ed_id, sign(ed, intoto, statement))]))
    write("ecdsa", envelope(intoto, statement, [(ec_id, sign(ecdsa, intoto, statement))]))
    write("both", envelope(intoto, statement, [(ed_id, sign(ed, intoto, statement)),
                                               (ec_id, sign(ecdsa, intoto, statement))]))
    write("duplicate", envelope("text/plain", text, [(ed_id, sign(ed, "text/plain", text)),
                                                     (ed_id, sign(ed, "text/plain", text))]))
    # the hint is only a hint: none, a wrong one, the other key's
    write("no-keyid", {"payload": b64(text), "payloadType": "text/plain",
                       "signatures": [{"sig": b64(sign(ecdsa, "text/plain", text))}]})
    write("wrong-keyid", envelope("text/plain", text, [(ec_id, sign(ed, "text/plain", text)),
                                                       ("nobody", sign(ecdsa, "text/plain", text))]))
    write("untrusted", envelope("text/plain", text,
                                [(keyid(stranger), sign(stranger, "text/plain", text))]))
    bad = bytearray(sign(ed, "text/plain", text))
    bad[10] ^= 0x40
    write("bad-sig", envelope("text/plain", text, [(ed_id, bytes(bad))]))
    write("unsigned", envelope("text/plain", text, []))
    write("empty-payload", envelope("", b"", [(ed_id, sign(ed, "", b"")),
                                              (ec_id, sign(ecdsa, "", b""))]))
    binary = bytes(range(256))
    urlsafe = {"payload": base64.urlsafe_b64encode(binary).decode().rstrip("="),
               "payloadType": "application/octet-stream",
               "signatures": [{"keyid": ed_id, "sig": base64.urlsafe_b64encode(
                   sign(ed, "application/octet-stream", binary)).decode().rstrip("=")}]}
    write("urlsafe-unpadded", urlsafe)
    write("extensions", envelope("text/plain; charset=utf-8 \u00e9", text,
                                 [(ed_id, sign(ed, "text/plain; charset=utf-8 \u00e9", text))],
                                 x_extension={"nested": [1, 2.5, None, True]}))
    # malformed: each refused for a different reason
    write("bad-base64", '{"payload":"a$==","payloadType":"t","signatures":[]}')
    write("sig-not-string", '{"payload":"","payloadType":"t","signatures":[{"sig":7}]}')
    write("dup-key", '{"payload":"","payload":"","payloadType":"t","signatures":[]}')
    write("not-object", '["payload","payloadType","signatures"]')


if __name__ == "__main__":
    main()
