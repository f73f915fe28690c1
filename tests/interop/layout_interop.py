#!/usr/bin/python3
"""layout_interop.py: in-toto layouts and DSSE-wrapped links made with
Debian's in-toto 1.3.1 / securesystemslib 0.26 Python API, for
test_layout_interop.sh.

  layout_interop.py layout OUT SPEC_JSON
      Build a Layout from SPEC_JSON (a JSON text):
        {"expires": "2030-01-01T00:00:00Z",
         "sign": [["owner", "ed25519"], ...],        # private key files
         "readme": "...",
         "steps": [{"name": "build", "threshold": 1,
                    "functionaries": [["alice.pub", "ed25519"], ...],
                    "materials": [["ALLOW", "*"]], "products": [...],
                    "command": ["make"]}],
         "inspect": [{"name": "check", "run": ["true"],
                      "materials": [...], "products": [...]}]}
      sign it with each "sign" key (in-toto's Metablock.sign) and write it.

  layout_interop.py dsse LINK KEY KEYTYPE OUT
      Wrap the "signed" object of the Metablock LINK as the payload of a
      DSSE envelope (payloadType application/vnd.in-toto+json), signed over
      PAE by securesystemslib with the private key KEY (KEYTYPE ed25519,
      ecdsa or rsa).

  layout_interop.py edit FILE PYTHON_CODE
      Load the JSON FILE as `doc`, run the code, write it back.

Exit 0, non-zero with a message when something fails.
"""

import base64
import json
import os
import sys

from in_toto.models.layout import Inspection, Layout, Step
from in_toto.models.metadata import Metablock
from securesystemslib import interface, keys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dsse  # noqa: E402  (its PAE only; signing is securesystemslib's)

PUBLIC = {
    "ed25519": interface.import_ed25519_publickey_from_file,
    "ecdsa": interface.import_ecdsa_publickey_from_file,
    "rsa": interface.import_rsa_publickey_from_file,
}
PRIVATE = {
    "ed25519": interface.import_ed25519_privatekey_from_file,
    "ecdsa": interface.import_ecdsa_privatekey_from_file,
    "rsa": interface.import_rsa_privatekey_from_file,
}


def make_layout(out, spec_text):
    spec = json.loads(spec_text)
    layout = Layout()
    layout.expires = spec.get("expires", "2099-01-01T00:00:00Z")
    layout.readme = spec.get("readme", "")
    for step_spec in spec.get("steps", []):
        step = Step(name=step_spec["name"])
        for path, keytype in step_spec.get("functionaries", []):
            key = PUBLIC[keytype](path)
            layout.add_functionary_key(key)
            step.pubkeys.append(key["keyid"])
        step.threshold = step_spec.get("threshold", 1)
        step.expected_materials = step_spec.get("materials", [])
        step.expected_products = step_spec.get("products", [])
        step.expected_command = step_spec.get("command", [])
        layout.steps.append(step)
    for insp_spec in spec.get("inspect", []):
        insp = Inspection(name=insp_spec["name"])
        insp.run = insp_spec["run"]
        insp.expected_materials = insp_spec.get("materials", [])
        insp.expected_products = insp_spec.get("products", [])
        layout.inspect.append(insp)
    layout.validate()
    metablock = Metablock(signed=layout)
    for path, keytype in spec.get("sign", []):
        metablock.sign(PRIVATE[keytype](path))
    metablock.dump(out)


def wrap_dsse(link_path, key_path, keytype, out):
    with open(link_path) as f:
        signed = json.load(f)["signed"]
    payload = json.dumps(signed, sort_keys=True).encode("utf-8")
    ptype = "application/vnd.in-toto+json"
    key = PRIVATE[keytype](key_path)
    sig = keys.create_signature(key, dsse.pae(ptype.encode("utf-8"), payload))
    env = {"payload": base64.b64encode(payload).decode(), "payloadType": ptype,
           "signatures": [{"keyid": key["keyid"],
                           "sig": base64.b64encode(bytes.fromhex(sig["sig"])).decode()}]}
    with open(out, "w") as f:
        json.dump(env, f)


def edit(path, code):
    with open(path) as f:
        doc = json.load(f)
    exec(code, {"doc": doc, "json": json, "base64": base64})
    with open(path, "w") as f:
        json.dump(doc, f)


def main(argv):
    if len(argv) == 4 and argv[1] == "layout":
        make_layout(argv[2], argv[3])
    elif len(argv) == 6 and argv[1] == "dsse":
        wrap_dsse(argv[2], argv[3], argv[4], argv[5])
    elif len(argv) == 4 and argv[1] == "edit":
        edit(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
