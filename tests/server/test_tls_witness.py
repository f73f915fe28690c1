#!/usr/bin/python3
"""test_tls_witness.py: waybilld over HTTPS, with client certificates, and
as a C2SP tlog-witness (POST /add-checkpoint), as clients see it
(docs/server.md).

Makes, at test time with Debian's openssl CLI, a CA, a server certificate
for 127.0.0.1, two client certificates from that CA (one mapped to a party
by a cert-sha256: line of the tokens file, one not) and one client
certificate from another CA. Starts the built waybilld ($WAYBILLD) with
--tls-cert/--tls-key/--tls-client-ca and a witness key made by
tests/interop/cosig.py (an independent implementation of
tlog-cosignature), witnessing the server's own log, and drives it with
/usr/bin/python3's http.client and ssl modules: submissions with a token
over HTTPS and with a mapped certificate (the party recorded in the
store), refusals of unknown and foreign certificates (401), plain HTTP to
the TLS port, and every answer of add-checkpoint (200 with a cosignature
that cosig.py verifies, 409 with the witness's size, 404, 403, 422, 400,
401, 413). The options that go together are checked at start. Prints TAP.
"""
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from waybilld_start import start_waybilld  # noqa: E402

WAYBILL = os.environ.get("WAYBILL")
WAYBILLD = os.environ.get("WAYBILLD")
SOURCE = os.environ.get("WB_SOURCE_ROOT",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COSIG = os.path.join(SOURCE, "tests", "interop", "cosig.py")
ORIGIN = "example.com/tls-log"
WITNESS = "witness.example/w1"

suite = tap.Suite()
case = suite.case


class Ctx:
    pass


ctx = Ctx()


def path(name):
    return os.path.join(ctx.dir, name)


def run(*args, check=True):
    p = subprocess.run([WAYBILL, *args], cwd=ctx.dir, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError("waybill %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return p


def openssl(*args):
    p = subprocess.run(["openssl", *args], cwd=ctx.dir, capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError("openssl %s: %s" % (" ".join(args), p.stderr))


def make_ca(name, cn):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", "/CN=" + cn,
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")


def make_cert(name, cn, ca, extensions):
    with open(path(name + ".ext"), "w") as f:
        f.write(extensions)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn)
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
            "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", "2",
            "-out", name + ".pem", "-extfile", name + ".ext")


def cert_sha256(name):
    with open(path(name + ".pem")) as f:
        return hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest()


def tls_context(client=None):
    context = ssl.create_default_context(cafile=path("ca.pem"))
    if client:
        context.load_cert_chain(path(client + ".pem"), path(client + ".key"))
    return context


def request(method, url, body=None, headers=None, client=None, timeout=30):
    conn = http.client.HTTPSConnection("127.0.0.1", ctx.port, timeout=timeout,
                                       context=tls_context(client))
    try:
        conn.request(method, url, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        conn.close()


def submit(body, token=None, client=None):
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    return request("POST", "/v1/entries", body, headers, client)


def add_checkpoint(body, token=None, client=None):
    headers = {}
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    return request("POST", "/add-checkpoint", body, headers, client)


def expect_error(got, status, detail_re=None):
    st, headers, body = got
    assert st == status, "status %d, expected %d: %r" % (st, status, body[:300])
    assert headers.get("content-type", "").startswith("application/json"), headers
    obj = json.loads(body)
    assert set(obj) == {"error", "detail"}, obj
    if detail_re:
        assert re.search(detail_re, obj["detail"]), obj
    return headers, obj


def token_line(party, roles, token):
    return "%s %s sha256:%s\n" % (party, roles, hashlib.sha256(token.encode()).hexdigest())


def envelope(i):
    stmt = path("s%d.json" % i)
    with open(stmt, "w") as f:
        json.dump({"_type": "https://in-toto.io/Statement/v1",
                   "subject": [{"name": "a-%d" % i,
                                "digest": {"sha256": hashlib.sha256(b"%d" % i).hexdigest()}}],
                   "predicateType": "https://example.com/test/v1", "predicate": {"i": i}}, f)
    run("envelope", "sign", "--key", "signer.key", "--payload-type",
        "application/vnd.in-toto+json", stmt, "--out", stmt + ".dsse")
    with open(stmt + ".dsse", "rb") as f:
        return f.read()


def server_log():
    with open(ctx.log) as f:
        return f.read()


def wait_log(pattern, after=0):
    """The request line is logged when the request ends, which may be just
    after the client has read the answer: wait for it (up to 10 s)."""
    for _ in range(200):
        log = server_log()[after:]
        if re.search(pattern, log, re.I):
            return
        time.sleep(0.05)
    raise AssertionError("the server log lacks %r: %s" % (pattern, server_log()[-800:]))


def raw_tls(data, token=None):
    """Send bytes as they are over TLS; the status of the answer."""
    s = tls_context().wrap_socket(socket.create_connection(("127.0.0.1", ctx.port), timeout=10),
                                  server_hostname="127.0.0.1")
    try:
        s.sendall(data)
        out = b""
        while b"\r\n" not in out:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", out)
    return int(m.group(1)) if m else None


def checkpoint():
    with open(os.path.join(ctx.ledger, "checkpoint"), "rb") as f:
        return f.read()


def proof_lines(old, new):
    if old == 0 or old == new:
        return b""
    proof = json.loads(run("log", "consistency", "--ledger", ctx.ledger, "--from", str(old),
                           "--to", str(new), "--json").stdout)["proof"]
    return b"".join(h.encode() + b"\n" for h in proof)


def add_body(old, note, proof=None):
    size = int(note.split(b"\n")[1])
    if proof is None:
        proof = proof_lines(old, size)
    return b"old %d\n" % old + proof + b"\n" + note


def verify_cosignature(note, answer):
    with open(path("cosigned.note"), "wb") as f:
        f.write(note + answer)
    p = subprocess.run(["/usr/bin/python3", COSIG, "verify", "--vkey", ctx.witness_vkey,
                        "--name", WITNESS, path("cosigned.note")], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


@case("set up: CAs and certificates (openssl), ledger, tokens, witness key; waybilld on HTTPS")
def c_setup():
    make_ca("ca", "waybill test CA")
    make_ca("other-ca", "another CA")
    make_cert("server", "127.0.0.1", "ca",
              "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
              "basicConstraints=critical,CA:FALSE\n")
    client_ext = "extendedKeyUsage=clientAuth\nbasicConstraints=critical,CA:FALSE\n"
    make_cert("client", "build-farm", "ca", client_ext)
    make_cert("unmapped", "stranger", "ca", client_ext)
    make_cert("foreign", "build-farm", "other-ca", client_ext)
    make_cert("witness-client", "a log", "ca", client_ext)
    run("keygen", "--out", "log")
    run("keygen", "--out", "other-log")
    run("keygen", "--out", "signer")
    ctx.ledger = path("ledger")
    ctx.vkey = run("log", "init", "--ledger", ctx.ledger, "--origin", ORIGIN,
                   "--key", "log.key").stdout.strip().splitlines()[-1]
    # another key for the same origin: its checkpoints must get 403
    ctx.other_ledger = path("other-ledger")
    run("log", "init", "--ledger", ctx.other_ledger, "--origin", ORIGIN, "--key", "other-log.key")
    p = subprocess.run(["/usr/bin/python3", COSIG, "genkey", WITNESS, path("witness.skey")],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    ctx.witness_vkey = p.stdout.strip().splitlines()[-1]
    ctx.token = "tok-submit-" + os.urandom(8).hex()
    ctx.token_witness = "tok-witness-" + os.urandom(8).hex()
    ctx.tokens = path("tokens")
    with open(ctx.tokens, "w") as f:
        f.write(token_line("acme", "submit", ctx.token))
        f.write(token_line("a-log", "witness", ctx.token_witness))
        f.write("build-farm submit cert-sha256:%s\n" % cert_sha256("client"))
        f.write("log-by-cert witness cert-sha256:%s\n" % cert_sha256("witness-client"))
        # the foreign certificate is named too: only its chain keeps it out
        f.write("foreigner submit cert-sha256:%s\n" % cert_sha256("foreign"))
    os.chmod(ctx.tokens, 0o600)
    ctx.log = path("waybilld.log")
    ctx.proc, ctx.port = start_waybilld(WAYBILLD, [
        "--ledger", ctx.ledger, "--tokens", ctx.tokens, "--threads", "2",
        "--tls-cert", path("server.pem"), "--tls-key", path("server.key"),
        "--tls-client-ca", path("ca.pem"),
        "--witness-key", path("witness.skey"), "--witness-state", path("witness-state"),
        "--witness-log", ctx.vkey], ctx.log)
    st, _, body = request("GET", "/checkpoint")
    assert st == 200 and body.startswith(ORIGIN.encode() + b"\n0\n"), (st, body)
    assert "HTTPS only; client certificates verified" in server_log(), server_log()
    assert "witness " + ctx.witness_vkey in server_log(), server_log()


@case("HTTPS: POST /v1/entries with a bearer token -> 201, party acme")
def c_https_token():
    st, headers, body = submit(envelope(0), ctx.token)
    assert st == 201, body
    assert json.loads(body)["index"] == 0
    wait_log(r"POST /v1/entries 201 acme ")


@case("mTLS: POST /v1/entries without a token, with the mapped certificate -> 201, "
      "the entry records party build-farm")
def c_mtls_submit():
    st, headers, body = submit(envelope(1), client="client")
    assert st == 201, body
    index = json.loads(body)["index"]
    assert headers["location"] == "/v1/entries/%d" % index
    with open(path("b1.bundle"), "wb") as f:
        f.write(body)
    p = run("log", "verify", path("b1.bundle"), "--log-key", ctx.vkey, "--trust", "signer.pub",
            check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    wait_log(r"POST /v1/entries 201 build-farm ")
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(ctx.ledger, "ledger.db"), uri=True)
    try:
        parties = dict(db.execute("SELECT idx, party FROM entries").fetchall())
    finally:
        db.close()
    assert parties == {0: "acme", index: "build-farm"}, parties
    # a token still wins over the certificate, and still works with one
    after = len(server_log())
    st, _, body = submit(envelope(2), ctx.token, client="client")
    assert st == 201, body
    wait_log(r"POST /v1/entries 201 acme ", after)


@case("mTLS: a certificate of the right CA that the tokens file does not name -> 401")
def c_unknown_cert():
    headers, _ = expect_error(submit(envelope(3), client="unmapped"), 401, "not in the tokens")
    assert headers["www-authenticate"].startswith("Bearer"), headers
    # a certificate with the witness role only: 403 for submissions
    expect_error(submit(envelope(3), client="witness-client"), 403, "submit role")


@case("mTLS: a certificate from another CA (named in the tokens file) -> 401, logged")
def c_foreign_cert():
    expect_error(submit(envelope(3), client="foreign"), 401, "does not verify")
    wait_log(r"client certificate refused: .*(issuer|signer|not trusted)")
    # no certificate and no token
    expect_error(submit(envelope(3)), 401, "bearer token or a client certificate")


@case("plain HTTP to the TLS port: no HTTP answer; a client that does not trust the CA fails")
def c_plain_http():
    s = socket.create_connection(("127.0.0.1", ctx.port), timeout=10)
    try:
        s.sendall(b"GET /checkpoint HTTP/1.1\r\nHost: x\r\n\r\n")
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        s.close()
    assert not out.startswith(b"HTTP/"), out[:200]
    conn = http.client.HTTPSConnection("127.0.0.1", ctx.port, timeout=10,
                                       context=ssl.create_default_context())
    try:
        conn.request("GET", "/checkpoint")
        raise AssertionError("a client without the CA connected")
    except ssl.SSLCertVerificationError:
        pass
    finally:
        conn.close()


@case("add-checkpoint: first contact (old 0) -> 200, a cosignature that cosig.py verifies")
def c_add_first():
    note = checkpoint()
    ctx.size = int(note.split(b"\n")[1])
    assert ctx.size == 3, note
    st, headers, body = add_checkpoint(add_body(0, note), ctx.token_witness)
    assert st == 200, (st, body)
    assert headers["content-type"].startswith("text/plain"), headers
    lines = body.decode().split("\n")
    assert len(lines) == 2 and lines[1] == "", lines
    assert lines[0].startswith("\u2014 " + WITNESS + " "), lines
    verify_cosignature(note, body)
    wait_log(r"POST /add-checkpoint 200 a-log ")


@case("add-checkpoint: old size not the witness's -> 409, text/x.tlog.size, its size")
def c_add_conflict():
    for entry in (10, 11):
        assert submit(envelope(entry), ctx.token)[0] == 201
    note = checkpoint()
    assert int(note.split(b"\n")[1]) == 5, note
    for old in (0, 2):
        st, headers, body = add_checkpoint(add_body(old, note, b""), ctx.token_witness)
        assert st == 409, (st, body)
        assert headers["content-type"] == "text/x.tlog.size", headers
        assert body == b"3\n", body


@case("add-checkpoint: growth 3 -> 5 with the consistency proof, by an mTLS party -> 200")
def c_add_grow():
    note = checkpoint()
    st, _, body = add_checkpoint(add_body(3, note), client="witness-client")
    assert st == 200, (st, body)
    verify_cosignature(note, body)
    wait_log(r"POST /add-checkpoint 200 log-by-cert ")
    # the same checkpoint again: cosigned again
    st, _, body = add_checkpoint(add_body(5, note), ctx.token_witness)
    assert st == 200, (st, body)
    verify_cosignature(note, body)


@case("add-checkpoint: a proof that does not verify, none, one hash too many -> 422")
def c_add_bad_proof():
    for entry in (12, 13, 14):
        assert submit(envelope(entry), ctx.token)[0] == 201
    note = checkpoint()
    good = proof_lines(5, 8)
    assert good, "no proof from 5 to 8"
    bad = b"".join(b"PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n" for _ in good.split(b"\n")[:-1])
    expect_error(add_checkpoint(add_body(5, note, bad), ctx.token_witness), 422, "does not verify")
    expect_error(add_checkpoint(add_body(5, note, b""), ctx.token_witness), 422)
    expect_error(add_checkpoint(add_body(5, note, good + good.split(b"\n")[0] + b"\n"),
                                ctx.token_witness), 422)
    # the state did not move: the good proof is still taken
    st, _, body = add_checkpoint(add_body(5, note, good), ctx.token_witness)
    assert st == 200, (st, body)
    verify_cosignature(note, body)


@case("add-checkpoint: an origin the witness does not witness -> 404")
def c_add_unknown_log():
    note = checkpoint().replace(ORIGIN.encode(), b"example.com/unknown-log", 1)
    expect_error(add_checkpoint(add_body(0, note, b""), ctx.token_witness), 404, "unknown-log")


@case("add-checkpoint: the origin signed by another key -> 403; the state unchanged")
def c_add_bad_signature():
    with open(os.path.join(ctx.other_ledger, "checkpoint"), "rb") as f:
        note = f.read()
    assert note.startswith(ORIGIN.encode() + b"\n"), note
    expect_error(add_checkpoint(add_body(8, note, b""), ctx.token_witness), 403)
    # a tampered root under the right key's signature
    good = checkpoint()
    lines = good.split(b"\n")
    lines[2] = b"PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw="
    expect_error(add_checkpoint(add_body(8, b"\n".join(lines), b""), ctx.token_witness), 403)
    st, headers, body = add_checkpoint(add_body(0, good, b""), ctx.token_witness)
    assert st == 409 and body == b"8\n", (st, body)


@case("add-checkpoint: malformed bodies -> 400; old larger than the checkpoint -> 400")
def c_add_malformed():
    note = checkpoint()
    for body in (b"", b"hello", b"old 8\n", b"old 08\n\n" + note, b"old -1\n\n" + note,
                 b"old 8\nnot base64\n\n" + note, b"old 8\n\n", b"old 8\n\nno newline",
                 b"old 8\n" + b"PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n" * 64 + b"\n" + note,
                 b"old 8\n\n" + note.replace(b"\n\n", b"\n", 1)):
        expect_error(add_checkpoint(body, ctx.token_witness), 400)
    # a checkpoint text changed under its signature does not verify: 403
    expect_error(add_checkpoint(b"old 8\n\n" + note.replace(b"\n8\n", b"\neight\n", 1),
                                ctx.token_witness), 403)
    expect_error(add_checkpoint(add_body(9, note, b""), ctx.token_witness), 400, "larger")


@case("add-checkpoint: who may call it: 401 without credentials, 403 without the witness role, "
      "405 for GET, 413 beyond 64 KiB")
def c_add_auth():
    body = add_body(8, checkpoint(), b"")
    headers, _ = expect_error(add_checkpoint(body), 401)
    assert headers["www-authenticate"].startswith("Bearer")
    expect_error(add_checkpoint(body, "nope"), 401)
    expect_error(add_checkpoint(body, ctx.token), 403, "witness role")
    expect_error(add_checkpoint(body, client="client"), 403, "witness role")
    expect_error(add_checkpoint(body, client="foreign"), 401)
    headers, _ = expect_error(request("GET", "/add-checkpoint"), 405)
    assert headers["allow"] == "POST", headers
    head = ("POST /add-checkpoint HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
            "Content-Length: %d\r\n\r\n" % (ctx.token_witness, (64 << 10) + 1))
    assert raw_tls(head.encode() + b"old 0\n") == 413


@case("start: TLS and witness options that go together, and files named when wrong")
def c_start_options():
    base = [WAYBILLD, "--ledger", ctx.ledger, "--tokens", ctx.tokens, "--listen", "127.0.0.1:0"]

    def start(*extra):
        return subprocess.run([*base, *extra], capture_output=True, text=True, timeout=30)
    p = start("--tls-cert", path("server.pem"))
    assert p.returncode == 2 and "--tls-key is missing" in p.stderr, p.stderr
    p = start("--tls-key", path("server.key"))
    assert p.returncode == 2 and "--tls-cert is missing" in p.stderr, p.stderr
    p = start("--tls-client-ca", path("ca.pem"))
    assert p.returncode == 2 and "needs --tls-cert" in p.stderr, p.stderr
    p = start("--tls-cert", path("server.pem"), "--tls-key", path("client.key"))
    assert p.returncode == 3 and path("client.key") in p.stderr, p.stderr
    p = start("--tls-cert", path("server.pem"), "--tls-key", path("missing.key"))
    assert p.returncode == 3 and path("missing.key") in p.stderr, p.stderr
    p = start("--tls-cert", path("server.pem"), "--tls-key", path("server.key"),
              "--tls-client-ca", path("tokens"))
    assert p.returncode == 3 and path("tokens") in p.stderr, p.stderr
    p = start("--witness-key", path("witness.skey"), "--witness-log", ctx.vkey)
    assert p.returncode == 2 and "--witness-state" in p.stderr, p.stderr
    p = start("--witness-log", ctx.vkey)
    assert p.returncode == 2 and "need --witness-key" in p.stderr, p.stderr
    p = start("--witness-key", path("witness.skey"), "--witness-state", path("ws2"),
              "--witness-log", "not a key")
    assert p.returncode == 3 and "not a key" in p.stderr, p.stderr
    # a keygen key needs a name
    p = start("--witness-key", path("signer.key"), "--witness-state", path("ws2"),
              "--witness-log", ctx.vkey)
    assert p.returncode == 3 and "--witness-name" in p.stderr, p.stderr


def main():
    missing = tap.missing_executables(WAYBILL=WAYBILL, WAYBILLD=WAYBILLD)
    if not shutil.which("openssl"):
        missing.append("the openssl command (Debian package openssl)")
    ctx.dir = tempfile.mkdtemp(prefix="waybilld-tls.")
    ctx.proc = None

    def cleanup():
        if ctx.proc and ctx.proc.poll() is None:
            ctx.proc.kill()
            ctx.proc.wait()

    def log_tail():
        log = getattr(ctx, "log", None)
        return server_log().splitlines()[-40:] if log and os.path.exists(log) else []
    return suite.run(ctx.dir, missing, cleanup, log_tail)


if __name__ == "__main__":
    sys.exit(main())
