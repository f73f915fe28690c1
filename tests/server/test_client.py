#!/usr/bin/python3
"""test_client.py: the `waybill` client side of waybilld (docs/server.md,
"Client"): `log add --server`, `log verify --server`, `seal --server` and
`log witness --server`, driven as a user would run them.

Starts three waybilld on 127.0.0.1 (tests/server/waybilld_start.py): the
log, a fork of it (same key and origin, other entries) and a log under
another key. Hostile answers come from small http.server stubs in this
process: huge bodies, wrong content types, garbage JSON, error JSON with a
detail, 503 with Retry-After, redirects. The remote witness is a stub
written from c2sp.org/tlog-witness (POST /add-checkpoint: "old N", proof
lines, blank line, checkpoint; 409 with text/x.tlog.size) that checks the
consistency proof and cosigns with the real `waybill log witness` behind
it; cosignatures are checked with tests/interop/cosig.py's key. Servers and
stubs are stopped whatever happens. Prints TAP.
"""
import http.server
import json
import os
import re
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from waybilld_start import start_waybilld  # noqa: E402

WAYBILL = os.environ.get("WAYBILL")
WAYBILLD = os.environ.get("WAYBILLD")
SOURCE = os.environ.get("WB_SOURCE_ROOT",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COSIG = os.path.join(SOURCE, "tests", "interop", "cosig.py")

suite = tap.Suite()
case = suite.case


class Ctx:
    pass


ctx = Ctx()


def run(*args, check=True, expect=None):
    p = subprocess.run([WAYBILL, *args], cwd=ctx.dir, capture_output=True, text=True, timeout=120)
    if check and expect is None and p.returncode != 0:
        raise AssertionError("waybill %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr))
    if expect is not None and p.returncode != expect:
        raise AssertionError("waybill %s: exit %d, expected %d\nstdout: %s\nstderr: %s"
                             % (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
    return p


def path(name):
    return os.path.join(ctx.dir, name)


def url(port):
    return "http://127.0.0.1:%d" % port


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def envelope(name, text):
    with open(path(name + ".txt"), "w") as f:
        f.write(text)
    run("envelope", "sign", "--key", "signer.key", "--payload-type", "text/plain",
        name + ".txt", "--out", name + ".json")
    return name + ".json"


def add(*args, expect=0, server=None):
    return run("log", "add", "--server", server or url(ctx.port), "--token-file", "token",
               "--log-key", "vkey.txt", *args, expect=expect)


# --- stubs -----------------------------------------------------------------

class Stub(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def start_stub(handler):
    server = Stub(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ctx.stubs.append(server)
    return server.server_address[1]


class Hostile(http.server.BaseHTTPRequestHandler):
    """Answers what ctx.hostile says: (status, headers, body or a callable
    writing it). Counts requests in ctx.hostile_count."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body_in = self.rfile.read(n) if n else b""
        ctx.hostile_count += 1
        status, headers, body = ctx.hostile(body_in, ctx.hostile_count)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if callable(body):
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                body(self.wfile)
            except OSError:
                pass
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = answer
    do_POST = answer


def proxy_to_log(body_in, method="POST", route="/v1/entries"):
    """Forward to the real waybilld; return (status, headers, body)."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", ctx.port, timeout=30)
    try:
        headers = {"Content-Type": "application/json",
                   "Authorization": "Bearer " + ctx.token}
        conn.request(method, route, body=body_in if method == "POST" else None, headers=headers)
        r = conn.getresponse()
        return r.status, {"Content-Type": r.getheader("Content-Type")}, r.read()
    finally:
        conn.close()


class Witness(http.server.BaseHTTPRequestHandler):
    """A tlog-witness from the spec: add-checkpoint with the old size it
    holds, or 409 with that size; the proof is checked and the checkpoint
    cosigned by `waybill log witness` (its state kept in ctx.wdir)."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body, ctype="text/plain; charset=utf-8"):
        body = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        ctx.witness_requests.append(body)
        if self.path != "/add-checkpoint":
            return self.reply(404, "no such endpoint\n")
        if ctx.witness_force:
            return self.reply(*ctx.witness_force)
        head, sep, note = body.partition("\n\n")
        lines = head.split("\n")
        m = re.fullmatch(r"old (0|[1-9][0-9]*)", lines[0]) if sep else None
        if not m:
            return self.reply(400, "malformed request\n")
        old, proof = int(m.group(1)), lines[1:]
        text = note.split("\n\n")[0] + "\n"
        origin, size, root = text.split("\n")[:3]
        if origin != ctx.origin:
            return self.reply(404, "unknown log\n")
        if old != ctx.witness_size:
            return self.reply(409, "%d\n" % ctx.witness_size, "text/x.tlog.size")
        if old > int(size):
            return self.reply(400, "old size larger than the checkpoint's\n")
        with open(path("w-req.checkpoint"), "w") as f:
            f.write(note)
        args = ["log", "witness", "--log-key", "vkey.txt", "--witness-key", "witness.skey",
                "--state", "wstate", "w-req.checkpoint"]
        if old > 0:
            with open(path("w-req.proof"), "w") as f:
                json.dump({"from": old, "to": int(size), "old_root": ctx.witness_root,
                           "new_root": root, "proof": proof}, f)
            args += ["--proof", "w-req.proof"]
        elif proof:
            return self.reply(422, "proof from size 0\n")
        p = run(*args, check=False)
        if p.returncode == 1:
            return self.reply(403 if "signature" in p.stderr else 422, p.stderr)
        if p.returncode != 0:
            return self.reply(500, p.stderr)
        ctx.witness_size, ctx.witness_root = int(size), root
        return self.reply(200, p.stdout.splitlines(True)[-1])


# --- cases -------------------------------------------------------------------

@case("set up: keys, tokens, three ledgers, three waybilld, stubs")
def c_setup():
    run("keygen", "--out", "log")
    run("keygen", "--out", "other")
    run("keygen", "--out", "signer")
    ctx.origin = "example.com/client-log"
    ctx.vkey = run("log", "init", "--ledger", "ledger", "--origin", ctx.origin, "--key",
                   "log.key").stdout.strip()
    with open(path("vkey.txt"), "w") as f:
        f.write(ctx.vkey + "\n")
    run("log", "init", "--ledger", "fork", "--origin", ctx.origin, "--key", "log.key")
    vkey_other = run("log", "init", "--ledger", "other-ledger", "--origin", ctx.origin,
                     "--key", "other.key").stdout.strip()
    with open(path("vkey-other.txt"), "w") as f:
        f.write(vkey_other + "\n")
    lines = run("token", "new", "--party", "acme", "--roles", "submit").stdout.splitlines()
    ctx.token = lines[0].strip()
    with open(path("tokens"), "w") as f:
        f.write(lines[1] + "\n")
    fd = os.open(path("token"), os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, ("  " + ctx.token + "  \nsecond line ignored\n").encode())
    os.close(fd)
    fd = os.open(path("bad-token"), os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"wbt_not-a-known-token\n")
    os.close(fd)
    for name, ledger in (("proc", "ledger"), ("fork_proc", "fork"), ("other_proc", "other-ledger")):
        p, port = start_waybilld(WAYBILLD, ["--ledger", path(ledger), "--tokens", path("tokens")],
                                 path(name + ".log"))
        setattr(ctx, name, p)
        setattr(ctx, name.replace("proc", "port"), port)
    ctx.hostile_count = 0
    ctx.hostile_port = start_stub(Hostile)


@case("log add --server: 201, each bundle verified and written as ENVELOPE.bundle")
def c_add():
    e1, e2 = envelope("e1", "first\n"), envelope("e2", "second\n")
    p = add(e1, e2)
    assert p.stdout == "0 e1.json -> e1.json.bundle\n1 e2.json -> e2.json.bundle\n", p.stdout
    for e in (e1, e2):
        run("log", "verify", e + ".bundle", "--log-key", "vkey.txt", "--trust", "signer.pub")
        with open(path(e), "rb") as f:
            sent = f.read()
        bundle = json.load(open(path(e + ".bundle")))
        assert bundle["index"] in (0, 1), bundle
    assert os.stat(path(e1 + ".bundle")).st_mode & 0o777 == 0o644
    e3 = envelope("e3", "third\n")
    doc = json.loads(add(e3, "--json").stdout)
    assert doc == {"entries": [{"envelope": "e3.json", "index": 2, "bundle": "e3.json.bundle"}],
                   "tree_size": 3}, doc
    e4 = envelope("e4", "fourth\n")
    p = add(e4, "--no-bundle")
    assert p.stdout == "3 e4.json\n" and not os.path.exists(path(e4 + ".bundle")), p.stdout
    del sent


@case("log add --server with an unknown token: exit 1, the message names 401 and the detail")
def c_bad_token():
    e = envelope("bt", "bad token\n")
    p = run("log", "add", "--server", url(ctx.port), "--token-file", "bad-token", "--log-key",
            "vkey.txt", e, expect=1)
    assert "HTTP 401 (Unauthorized)" in p.stderr and url(ctx.port) + "/v1/entries" in p.stderr, \
        p.stderr
    assert "the token is not known" in p.stderr, p.stderr
    assert not os.path.exists(path(e + ".bundle"))


@case("token file readable by others, missing --log-key, http:// elsewhere: refused before "
      "anything is sent")
def c_refusals():
    e = envelope("rf", "refusals\n")
    fd = os.open(path("open-token"), os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, (ctx.token + "\n").encode())
    os.close(fd)
    os.chmod(path("open-token"), 0o644)
    p = run("log", "add", "--server", url(ctx.port), "--token-file", "open-token", "--log-key",
            "vkey.txt", e, expect=3)
    assert "chmod 600" in p.stderr and "open-token" in p.stderr, p.stderr
    p = run("log", "add", "--server", url(ctx.port), "--token-file", "token", e, expect=2)
    assert "--log-key" in p.stderr, p.stderr
    p = run("log", "add", "--server", "http://192.0.2.1:8080", "--token-file", "token",
            "--log-key", "vkey.txt", e, expect=2)
    assert "use https://" in p.stderr, p.stderr
    p = run("log", "add", "--server", "ftp://127.0.0.1/", "--token-file", "token",
            "--log-key", "vkey.txt", e, expect=2)
    p = run("log", "add", "--server", url(ctx.port), "--ledger", "ledger", "--token-file",
            "token", "--log-key", "vkey.txt", e, expect=2)
    p = run("log", "checkpoint", "--ledger", "ledger", "--server", url(ctx.port), expect=2)
    assert not os.path.exists(path(e + ".bundle"))


@case("log add --server with the wrong log key: exit 1, nothing written")
def c_wrong_key():
    e = envelope("wk", "wrong key\n")
    p = run("log", "add", "--server", url(ctx.port), "--token-file", "token", "--log-key",
            "vkey-other.txt", e, expect=1)
    assert "does not verify with the log key" in p.stderr and "nothing written" in p.stderr, \
        p.stderr
    assert not os.path.exists(path(e + ".bundle"))


@case("log add --server with the server down: exit 3, the message names the URL")
def c_down():
    e = envelope("dn", "down\n")
    port = free_port()
    p = run("log", "add", "--server", url(port), "--token-file", "token", "--log-key",
            "vkey.txt", e, expect=3)
    assert url(port) + "/v1/entries" in p.stderr and "onnect" in p.stderr, p.stderr
    p = run("log", "verify", "e1.json.bundle", "--log-key", "vkey.txt", "--server", url(port),
            expect=3)
    assert url(port) + "/checkpoint" in p.stderr, p.stderr


@case("log verify --server: the server's checkpoint extends the bundle's (consistency proof)")
def c_verify():
    p = run("log", "verify", "e1.json.bundle", "--log-key", "vkey.txt", "--server", url(ctx.port))
    # 5 entries: e1-e4 and the one the wrong-key case submitted
    assert "verified: entry 0" in p.stdout and "is at tree size 5, consistent" in p.stdout, p.stdout
    doc = json.loads(run("log", "verify", "e3.json.bundle", "--log-key", "vkey.txt", "--server",
                         url(ctx.port), "--json").stdout)
    assert doc["verified"] is True and doc["tree_size"] == 3 and doc["server_tree_size"] == 5, doc
    # the same size: the roots must be equal
    e5 = envelope("e5", "fifth\n")
    add(e5)
    run("log", "verify", "e5.json.bundle", "--log-key", "vkey.txt", "--server", url(ctx.port))


@case("log verify --server fails on a fork (same key, other entries) and on another log key")
def c_verify_fork():
    # the fork holds other entries under the same key: larger than the bundle's tree
    for i in range(3):
        e = envelope("f%d" % i, "fork %d\n" % i)
        add(e, "--no-bundle", server=url(ctx.fork_port))
    p = run("log", "verify", "e1.json.bundle", "--log-key", "vkey.txt", "--server",
            url(ctx.fork_port), expect=1)
    assert "not consistent" in p.stderr and "fork" in p.stderr, p.stderr
    doc = json.loads(run("log", "verify", "e1.json.bundle", "--log-key", "vkey.txt", "--server",
                         url(ctx.fork_port), "--json", expect=1).stdout)
    assert doc["verified"] is False and doc["error"], doc
    # the same size as the bundle's tree, another root
    p = run("log", "verify", "e3.json.bundle", "--log-key", "vkey.txt", "--server",
            url(ctx.fork_port), expect=1)
    assert "another root" in p.stderr and "fork" in p.stderr, p.stderr
    # smaller: a rollback (or another log)
    p = run("log", "verify", "e5.json.bundle", "--log-key", "vkey.txt", "--server",
            url(ctx.fork_port), expect=1)
    assert "fewer than" in p.stderr, p.stderr
    # another key signs the server's checkpoints
    p = run("log", "verify", "e1.json.bundle", "--log-key", "vkey.txt", "--server",
            url(ctx.other_port), expect=1)
    assert "does not verify with the log key" in p.stderr, p.stderr


@case("seal --server: the waybill is logged, its bundle written next to it and verify accepts it")
def c_seal():
    os.makedirs(path("delivery/sub"))
    with open(path("delivery/sub/a.txt"), "w") as f:
        f.write("a\n")
    p = run("seal", "delivery", "--key", "signer.key", "--quiet", "--server", url(ctx.port),
            "--token-file", "token", "--log-key", "vkey.txt")
    assert re.search(r"logged: entry \d+ of %s; bundle delivery.waybill.json.bundle"
                     % re.escape(url(ctx.port)), p.stdout), p.stdout
    run("verify", "delivery", "--bundle", "delivery.waybill.json.bundle", "--log-key",
        "vkey.txt", "--trust", "signer.pub", "--waybill", "delivery.waybill.json")
    run("log", "verify", "delivery.waybill.json.bundle", "--log-key", "vkey.txt", "--server",
        url(ctx.port))
    p = run("verify", "delivery", "--bundle", "delivery.waybill.json.bundle", "--log-key",
            "vkey.txt", "--trust", "signer.pub", "--server", url(ctx.port), "--quiet")
    assert "consistent with the bundle's" in p.stdout, p.stdout
    p = run("verify", "delivery", "--bundle", "delivery.waybill.json.bundle", "--log-key",
            "vkey.txt", "--trust", "signer.pub", "--server", url(ctx.fork_port), "--quiet",
            expect=1)
    assert "fork" in p.stderr or "fewer than" in p.stderr, p.stderr
    doc = json.loads(run("seal", "delivery", "--key", "signer.key", "--quiet", "--server",
                         url(ctx.port), "--token-file", "token", "--log-key", "vkey.txt",
                         "--out", "d2.json", "--json").stdout)
    assert doc["bundle"] == "d2.json.bundle" and isinstance(doc["index"], int), doc
    p = run("seal", "delivery", "--key", "signer.key", "--quiet", "--server", url(ctx.port),
            "--token-file", "token", "--out", "d3.json", expect=2)
    assert "--log-key" in p.stderr, p.stderr
    p = run("seal", "delivery", "--key", "signer.key", "--quiet", "--server", url(ctx.port),
            "--token-file", "bad-token", "--log-key", "vkey.txt", "--out", "d4.json", expect=1)
    assert "401" in p.stderr and not os.path.exists(path("d4.json.bundle")), p.stderr


def hostile(fn):
    ctx.hostile = fn
    ctx.hostile_count = 0


@case("hostile answers: huge bodies (declared and streamed) are refused, exit 3")
def c_huge():
    e = envelope("hz", "huge\n")
    big = 64 << 20

    def stream(w):
        chunk = b"x" * (1 << 20)
        for _ in range(big >> 20):
            w.write(chunk)
    hostile(lambda b, n: (201, {"Content-Type": "application/vnd.waybill.bundle.v1+json",
                                "Content-Length": str(big)}, stream))
    p = run("log", "add", "--server", url(ctx.hostile_port), "--token-file", "token",
            "--log-key", "vkey.txt", e, expect=3)
    assert "larger than" in p.stderr and "refusing" in p.stderr, p.stderr
    hostile(lambda b, n: (200, {"Content-Type": "text/plain"}, stream))
    p = run("log", "verify", "e1.json.bundle", "--log-key", "vkey.txt", "--server",
            url(ctx.hostile_port), expect=3)
    assert "larger than 1048576 bytes" in p.stderr, p.stderr
    assert not os.path.exists(path(e + ".bundle"))


@case("hostile answers: wrong content type, garbage JSON, another envelope's bundle, redirect")
def c_garbage():
    e = envelope("gb", "garbage\n")
    hostile(lambda b, n: (201, {"Content-Type": "text/html"}, b"<html>hello</html>"))
    p = run("log", "add", "--server", url(ctx.hostile_port), "--token-file", "token",
            "--log-key", "vkey.txt", e, expect=3)
    assert "Content-Type text/html, not a bundle" in p.stderr, p.stderr
    hostile(lambda b, n: (201, {"Content-Type": "application/vnd.waybill.bundle.v1+json"},
                          b'{"index": 0, "envelope": [1, 2'))
    p = run("log", "add", "--server", url(ctx.hostile_port), "--token-file", "token",
            "--log-key", "vkey.txt", e, expect=3)
    assert "not a bundle" in p.stderr, p.stderr
    # a genuine bundle of the log, but of another envelope
    with open(path("e1.json.bundle"), "rb") as f:
        genuine = f.read()
    hostile(lambda b, n: (201, {"Content-Type": "application/vnd.waybill.bundle.v1+json"},
                          genuine))
    p = run("log", "add", "--server", url(ctx.hostile_port), "--token-file", "token",
            "--log-key", "vkey.txt", e, expect=1)
    assert "another envelope" in p.stderr, p.stderr
    hostile(lambda b, n: (302, {"Location": url(ctx.port) + "/v1/entries"}, b""))
    p = run("log", "add", "--server", url(ctx.hostile_port), "--token-file", "token",
            "--log-key", "vkey.txt", e, expect=3)
    assert "HTTP 302" in p.stderr and ctx.hostile_count == 1, p.stderr
    assert not os.path.exists(path(e + ".bundle"))


@case("error answers: the JSON detail is shown (escaped); 503 + Retry-After is retried, bounded")
def c_errors():
    e = envelope("er", "errors\n")
    hostile(lambda b, n: (403, {"Content-Type": "application/json"},
                          json.dumps({"error": "forbidden",
                                      "detail": "party x lacks\x1b[31m submit"}).encode()))
    p = run("log", "add", "--server", url(ctx.hostile_port), "--token-file", "token",
            "--log-key", "vkey.txt", e, expect=1)
    assert "HTTP 403 (Forbidden): party x lacks" in p.stderr and "\x1b" not in p.stderr, p.stderr
    busy = (503, {"Content-Type": "application/json", "Retry-After": "1"},
            b'{"error": "busy", "detail": "the queue is full"}')
    hostile(lambda b, n: busy)
    t = time.time()
    p = run("log", "add", "--server", url(ctx.hostile_port), "--token-file", "token",
            "--log-key", "vkey.txt", e, expect=3)
    assert ctx.hostile_count == 4 and time.time() - t >= 3, (ctx.hostile_count, p.stderr)
    assert "HTTP 503" in p.stderr and "the queue is full" in p.stderr, p.stderr
    # busy once, then the real server's answer
    hostile(lambda b, n: busy if n == 1 else proxy_to_log(b))
    p = run("log", "add", "--server", url(ctx.hostile_port), "--token-file", "token",
            "--log-key", "vkey.txt", e)
    assert ctx.hostile_count == 2 and "retrying" in p.stderr, p.stderr
    run("log", "verify", e + ".bundle", "--log-key", "vkey.txt", "--server", url(ctx.port))
    # a Retry-After beyond the bound is not waited for
    hostile(lambda b, n: (503, {"Retry-After": "3600"}, b""))
    run("log", "add", "--server", url(ctx.hostile_port), "--token-file", "token",
        "--log-key", "vkey.txt", e, expect=3)
    assert ctx.hostile_count == 1


@case("log witness --server: a tlog-witness cosigns; 409 with its size leads to one retry "
      "with a proof from the log")
def c_witness():
    p = subprocess.run(["/usr/bin/python3", COSIG, "genkey", "witness.example/w1",
                        path("witness.skey")], capture_output=True, text=True, check=True)
    with open(path("witness.vkey"), "w") as f:
        f.write(p.stdout.strip() + "\n")
    ctx.wdir = path("wstate")
    ctx.witness_size, ctx.witness_root, ctx.witness_force = 0, None, None
    ctx.witness_requests = []
    ctx.witness_port = start_stub(Witness)
    w = url(ctx.witness_port)
    p = run("log", "witness", "--server", w, "--log-key", "vkey.txt", "--log-server",
            url(ctx.port), "--witness-vkey", "witness.vkey", "--out", "cosigned-1")
    assert ctx.witness_requests[-1].startswith("old 0\n\n" + ctx.origin + "\n"), \
        ctx.witness_requests[-1]
    cosigned = open(path("cosigned-1")).read()
    subprocess.run(["/usr/bin/python3", COSIG, "verify", "--vkey", open(path("witness.vkey")).read().strip(),
                    "--name", "witness.example/w1", path("cosigned-1")], check=True,
                   capture_output=True)
    assert cosigned.count("\u2014 ") == 2, cosigned
    first = ctx.witness_size
    for i in range(3):
        add(envelope("w%d" % i, "witnessed %d\n" % i), "--no-bundle")
    # the client claims 0; the witness says `first`; the retry carries the proof
    n = len(ctx.witness_requests)
    p = run("log", "witness", "--server", w, "--log-key", "vkey.txt", "--log-server",
            url(ctx.port), "--witness-vkey", "witness.vkey", "--json")
    doc = json.loads(p.stdout)
    assert doc["old_size"] == first and doc["size"] == first + 3 and doc["cosignature_verified"]
    assert "asking again" in p.stderr, p.stderr
    reqs = ctx.witness_requests[n:]
    assert len(reqs) == 2 and reqs[0].startswith("old 0\n\n"), reqs
    head = reqs[1].split("\n\n")[0].split("\n")
    assert head[0] == "old %d" % first and len(head) > 1, head
    assert all(re.fullmatch(r"[A-Za-z0-9+/]{43}=", line) for line in head[1:]), head
    # a checkpoint file and --old with the right size: one request
    with open(path("cp"), "w") as f:
        f.write(run("log", "checkpoint", "--ledger", "ledger").stdout)
    n = len(ctx.witness_requests)
    p = run("log", "witness", "--server", w, "--log-key", "vkey.txt", "cp", "--old",
            str(ctx.witness_size), "--witness-vkey", "witness.vkey")
    assert len(ctx.witness_requests) == n + 1 and p.stdout.startswith(ctx.origin), p.stdout


@case("log witness --server: refusals (403, 404, 422), a wrong witness key, a witness ahead")
def c_witness_refusals():
    w = url(ctx.witness_port)
    for status in (403, 404, 422):
        ctx.witness_force = (status, "refused for the test\n")
        p = run("log", "witness", "--server", w, "--log-key", "vkey.txt", "cp", expect=1)
        assert "HTTP %d" % status in p.stderr and "refused for the test" in p.stderr, p.stderr
    ctx.witness_force = None
    # a cosignature by another key than the one expected
    p = subprocess.run(["/usr/bin/python3", COSIG, "genkey", "witness.example/w1",
                        path("other-witness.skey")], capture_output=True, text=True, check=True)
    p = run("log", "witness", "--server", w, "--log-key", "vkey.txt", "cp", "--old",
            str(ctx.witness_size), "--witness-vkey", p.stdout.strip(), expect=1)
    assert "no valid cosignature" in p.stderr, p.stderr
    # the witness has cosigned more than this checkpoint holds
    old_cp = open(path("cosigned-1")).read()
    with open(path("old-cp"), "w") as f:
        f.write(old_cp)
    p = run("log", "witness", "--server", w, "--log-key", "vkey.txt", "old-cp", expect=1)
    assert "larger than this checkpoint's" in p.stderr, p.stderr
    # a checkpoint not signed by the log key is not sent
    n = len(ctx.witness_requests)
    with open(path("other-cp"), "w") as f:
        f.write(run("log", "checkpoint", "--ledger", "other-ledger").stdout)
    run("log", "witness", "--server", w, "--log-key", "vkey.txt", "other-cp", expect=1)
    assert len(ctx.witness_requests) == n
    # the witness at an unreachable address
    run("log", "witness", "--server", url(free_port()), "--log-key", "vkey.txt", "cp", expect=3)


def waybilld_has(option):
    p = subprocess.run([WAYBILLD, "--help"], capture_output=True, text=True)
    return option in p.stdout + p.stderr


def make_certs():
    """A CA, a server certificate for 127.0.0.1/localhost and a client
    certificate, with python3-cryptography; returns the client's DER SHA-256."""
    import datetime
    import hashlib
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    import ipaddress

    now = datetime.datetime.now(datetime.timezone.utc)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write_key(key, fname):
        fd = os.open(path(fname), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
        os.close(fd)

    def issue(subject, key, issuer, issuer_key, ca, exts):
        b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(minutes=5))
             .not_valid_after(now + datetime.timedelta(days=1))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        for ext in exts:
            b = b.add_extension(ext, critical=False)
        return b.sign(issuer_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = issue("waybill test CA", ca_key, "waybill test CA", ca_key, True, [])
    srv_key = ec.generate_private_key(ec.SECP256R1())
    srv = issue("127.0.0.1", srv_key, "waybill test CA", ca_key, False, [
        x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                     x509.DNSName("localhost")]),
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])])
    cli_key = ec.generate_private_key(ec.SECP256R1())
    cli = issue("build-farm", cli_key, "waybill test CA", ca_key, False, [
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])])
    for cert, fname in ((ca, "ca.pem"), (srv, "srv.pem"), (cli, "cli.pem")):
        with open(path(fname), "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
    write_key(srv_key, "srv.key")
    write_key(cli_key, "cli.key")
    return hashlib.sha256(cli.public_bytes(serialization.Encoding.DER)).hexdigest()


@case("HTTPS: --cacert, mutual TLS with --client-cert/--client-key instead of a token")
def c_tls():
    if not waybilld_has("--tls-cert"):
        raise AssertionError("this waybilld has no --tls-cert")
    digest = make_certs()
    with open(path("tokens-tls"), "w") as f:
        f.write(open(path("tokens")).read())
        f.write("build-farm submit cert-sha256:%s\n" % digest)
    ctx.tls_proc, port = start_waybilld(WAYBILLD, [
        "--ledger", path("ledger"), "--tokens", path("tokens-tls"), "--tls-cert", path("srv.pem"),
        "--tls-key", path("srv.key"), "--tls-client-ca", path("ca.pem")], path("tls.log"))
    https = "https://127.0.0.1:%d" % port
    e = envelope("tls1", "over TLS\n")
    # not trusted without the CA
    p = run("log", "add", "--server", https, "--token-file", "token", "--log-key", "vkey.txt", e,
            expect=3)
    assert "certificate" in p.stderr and https in p.stderr, p.stderr
    run("log", "add", "--server", https, "--cacert", "ca.pem", "--token-file", "token",
        "--log-key", "vkey.txt", e)
    e2 = envelope("tls2", "client certificate\n")
    p = run("log", "add", "--server", https, "--cacert", "ca.pem", "--client-cert", "cli.pem",
            "--client-key", "cli.key", "--log-key", "vkey.txt", e2)
    assert "-> tls2.json.bundle" in p.stdout, p.stdout
    run("log", "verify", e2 + ".bundle", "--log-key", "vkey.txt", "--server",
        "https://localhost:%d" % port, "--cacert", "ca.pem")
    run("log", "add", "--server", https, "--cacert", "ca.pem", "--client-cert", "cli.pem",
        "--log-key", "vkey.txt", e2, expect=2)


@case("log witness --server against waybilld's own POST /add-checkpoint (--witness-key)")
def c_waybilld_witness():
    if not waybilld_has("--witness-key"):
        raise AssertionError("this waybilld has no --witness-key")
    lines = run("token", "new", "--party", "cert-team", "--roles", "witness").stdout.splitlines()
    fd = os.open(path("wtoken"), os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, (lines[0] + "\n").encode())
    os.close(fd)
    with open(path("tokens-w"), "w") as f:
        f.write(open(path("tokens")).read() + lines[1] + "\n")
    p = subprocess.run(["/usr/bin/python3", COSIG, "genkey", "witness.example/w2",
                        path("w2.skey")], capture_output=True, text=True, check=True)
    w2 = p.stdout.strip()
    ctx.wit_proc, port = start_waybilld(WAYBILLD, [
        "--ledger", path("other-ledger"), "--tokens", path("tokens-w"), "--witness-key",
        path("w2.skey"), "--witness-state", path("w2state"), "--witness-log", ctx.vkey],
        path("witness.log"))
    w = url(port)
    p = run("log", "witness", "--server", w, "--token-file", "wtoken", "--log-key", "vkey.txt",
            "--log-server", url(ctx.port), "--witness-vkey", w2, "--out", "w2-1")
    assert open(path("w2-1")).read().count("\u2014 ") == 2
    add(envelope("w2e", "for the second witness\n"), "--no-bundle")
    p = run("log", "witness", "--server", w, "--token-file", "wtoken", "--log-key", "vkey.txt",
            "--log-server", url(ctx.port), "--witness-vkey", w2, "--json")
    doc = json.loads(p.stdout)
    assert doc["old_size"] > 0 and doc["size"] == doc["old_size"] + 1, doc
    assert "asking again" in p.stderr, p.stderr
    # the submit token has no witness role; no token at all
    p = run("log", "witness", "--server", w, "--token-file", "token", "--log-key", "vkey.txt",
            "--log-server", url(ctx.port), expect=1)
    assert "HTTP 403" in p.stderr, p.stderr
    p = run("log", "witness", "--server", w, "--log-key", "vkey.txt", "--log-server",
            url(ctx.port), expect=1)
    assert "HTTP 401" in p.stderr, p.stderr
    # a checkpoint of a log the witness does not know: refused (404 or 403)
    p = run("log", "witness", "--server", w, "--token-file", "wtoken", "--log-key",
            "vkey-other.txt", "other-cp", expect=1)
    assert re.search(r"HTTP 40[34]", p.stderr), p.stderr


def main():
    ctx.dir = tempfile.mkdtemp(prefix="waybill-client-test.")
    ctx.stubs = []

    def cleanup():
        for name in ("proc", "fork_proc", "other_proc", "tls_proc", "wit_proc"):
            p = getattr(ctx, name, None)
            if p and p.poll() is None:
                p.kill()
                p.wait()
        for s in ctx.stubs:
            s.shutdown()
            s.server_close()
    return suite.run(ctx.dir, tap.missing_executables(WAYBILL=WAYBILL, WAYBILLD=WAYBILLD), cleanup)


if __name__ == "__main__":
    sys.exit(main())
