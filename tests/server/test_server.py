#!/usr/bin/python3
"""test_server.py: waybilld end to end, as a client sees it (docs/server.md).

Makes a ledger and keys with the built `waybill` ($WAYBILL), a tokens file,
starts the built waybilld ($WAYBILLD) on 127.0.0.1 on a port the kernel
picks (read from its start line), and drives it with http.client and raw
sockets: submissions (201 with bundles that `waybill log verify` accepts),
the read side (checkpoint, tiles, entries, proofs, search, compared with
what `waybill log prove/consistency` print), every refusal (401, 403, 413,
415, 400, 404, 405), hostile paths and headers, SIGHUP reloads of the
tokens file, and SIGTERM while submissions are in flight, after which
`waybill log audit` must find the ledger consistent. The server is killed
whatever happens. Prints TAP.
"""
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import tap

WAYBILL = os.environ.get("WAYBILL")
WAYBILLD = os.environ.get("WAYBILLD")

suite = tap.Suite()
case = suite.case


class Ctx:
    pass


ctx = Ctx()


def run(*args, check=True):
    p = subprocess.run([WAYBILL, *args], cwd=ctx.dir, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError("waybill %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return p


def request(method, path, body=None, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", ctx.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        conn.close()


def raw(data, read_limit=1 << 20, timeout=10):
    """Send bytes as they are; return what comes back (b'' when closed)."""
    s = socket.create_connection(("127.0.0.1", ctx.port), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except OSError:
            pass
        out = b""
        while len(out) < read_limit:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out:
                head, _, rest = out.partition(b"\r\n\r\n")
                m = re.search(rb"content-length: *(\d+)", head, re.I)
                if m and len(rest) >= int(m.group(1)):
                    break
        return out
    finally:
        s.close()


def status_of(response):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", response)
    return int(m.group(1)) if m else None


def submit(body, token=None, ctype="application/json"):
    headers = {"Content-Type": ctype}
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    return request("POST", "/v1/entries", body, headers)


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


def statement(i):
    digest = hashlib.sha256(b"artifact %d" % i).hexdigest()
    return {"_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "artifact-%d" % i, "digest": {"sha256": digest}}],
            "predicateType": "https://example.com/test/v1", "predicate": {"i": i}}


def make_envelopes(n, prefix):
    envs = []
    for i in range(n):
        path = os.path.join(ctx.dir, "%s-%d.json" % (prefix, i))
        with open(path, "w") as f:
            json.dump(statement(i + (1000 if prefix == "late" else 0)), f)
        run("envelope", "sign", "--key", "signer.key", "--payload-type",
            "application/vnd.in-toto+json", path, "--out", path + ".dsse")
        with open(path + ".dsse", "rb") as f:
            envs.append(f.read())
    return envs


def start_server(extra=()):
    ctx.stderr_path = os.path.join(ctx.dir, "waybilld.log")
    ctx.stderr = open(ctx.stderr_path, "ab")
    start = ctx.stderr.tell()
    ctx.proc = subprocess.Popen(
        [WAYBILLD, "--ledger", ctx.ledger, "--listen", "127.0.0.1:0", "--tokens",
         ctx.tokens, "--threads", "2", *extra], stdout=subprocess.DEVNULL, stderr=ctx.stderr)
    deadline = time.time() + 20
    while time.time() < deadline:
        with open(ctx.stderr_path, "rb") as f:
            ports = re.findall(rb"\(port (\d+)\)", f.read()[start:])
        if ports and int(ports[-1]):
            ctx.port = int(ports[-1])
            try:
                if request("GET", "/checkpoint", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
        if ctx.proc.poll() is not None:
            raise AssertionError("waybilld exited with %d" % ctx.proc.returncode)
        time.sleep(0.05)
    raise AssertionError("waybilld did not answer within 20 s")


def server_log():
    with open(ctx.stderr_path, "rb") as f:
        return f.read().decode(errors="replace")


@case("set up: keys, ledger, tokens, envelopes; waybilld starts and answers")
def c_setup():
    run("keygen", "--out", "log")
    run("keygen", "--out", "signer")
    ctx.ledger = os.path.join(ctx.dir, "ledger")
    ctx.vkey = run("log", "init", "--ledger", ctx.ledger, "--origin", "example.com/test-log",
                   "--key", "log.key").stdout.strip().splitlines()[-1]
    ctx.token = "tok-submit-" + os.urandom(8).hex()
    ctx.token_witness = "tok-witness-" + os.urandom(8).hex()
    ctx.tokens = os.path.join(ctx.dir, "tokens")
    with open(ctx.tokens, "w") as f:
        f.write("# test tokens\n")
        f.write(token_line("acme", "submit", ctx.token))
        f.write(token_line("cert-team", "witness", ctx.token_witness))
    ctx.envs = make_envelopes(20, "env")
    start_server()


@case("20 concurrent POST /v1/entries: 201 with bundles that `waybill log verify` accepts")
def c_submit():
    results = [None] * len(ctx.envs)

    def one(i):
        results[i] = submit(ctx.envs[i], ctx.token)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(ctx.envs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ctx.index_of = {}
    for i, (st, headers, body) in enumerate(results):
        assert st == 201, (st, body[:300])
        assert headers["content-type"] == "application/vnd.waybill.bundle.v1+json", headers
        bundle = json.loads(body)
        assert headers["location"] == "/v1/entries/%d" % bundle["index"], headers
        ctx.index_of[i] = bundle["index"]
        path = os.path.join(ctx.dir, "b%d.bundle" % i)
        with open(path, "wb") as f:
            f.write(body)
        p = run("log", "verify", path, "--log-key", ctx.vkey, "--trust", "signer.pub",
                check=False)
        assert p.returncode == 0, p.stdout + p.stderr
    assert sorted(ctx.index_of.values()) == list(range(20)), ctx.index_of
    assert re.search(r"POST /v1/entries 201 acme \d+\.\dms", server_log()), server_log()[-500:]


@case("GET /checkpoint: the signed checkpoint of size 20, text/plain, no-cache")
def c_checkpoint():
    st, headers, body = request("GET", "/checkpoint")
    assert st == 200
    assert headers["content-type"] == "text/plain; charset=utf-8", headers
    assert "no-cache" in headers["cache-control"], headers
    lines = body.decode().split("\n")
    assert lines[0] == "example.com/test-log" and lines[1] == "20", lines
    with open(os.path.join(ctx.ledger, "checkpoint"), "rb") as f:
        assert f.read() == body
    st, headers, body = request("HEAD", "/checkpoint")
    assert st == 200 and body == b""


@case("GET /tile/0/000.p/20 and /tile/entries/000.p/20: the files of the ledger directory")
def c_tiles():
    for path, size in (("tile/0/000.p/20", 20 * 32), ("tile/entries/000.p/20", 20 * 34)):
        st, headers, body = request("GET", "/" + path)
        assert st == 200, (path, st, body)
        assert headers["content-type"] == "application/octet-stream"
        assert "immutable" not in headers["cache-control"], headers
        with open(os.path.join(ctx.ledger, path), "rb") as f:
            assert f.read() == body and len(body) == size
    expect_error(request("GET", "/tile/0/000.p/21"), 404)
    expect_error(request("GET", "/tile/0/000"), 404)


@case("GET /v1/entries/N: the exact bytes submitted")
def c_entries():
    for i, index in ctx.index_of.items():
        st, headers, body = request("GET", "/v1/entries/%d" % index)
        assert st == 200 and headers["content-type"] == "application/json"
        assert body == ctx.envs[i]
    expect_error(request("GET", "/v1/entries/20"), 404)
    expect_error(request("GET", "/v1/entries/18446744073709551615"), 404)


@case("proofs: the same JSON as `waybill log prove` and `waybill log consistency`")
def c_proofs():
    st, _, body = request("GET", "/v1/proof/inclusion?index=3&size=17")
    assert st == 200, body
    want = json.loads(run("log", "prove", "--ledger", ctx.ledger, "--index", "3", "--size", "17",
                          "--json").stdout)
    assert json.loads(body) == want, (body, want)
    st, _, body = request("GET", "/v1/proof/inclusion?index=19")
    assert st == 200 and json.loads(body)["tree_size"] == 20
    st, _, body = request("GET", "/v1/proof/consistency?from=5&to=20")
    assert st == 200, body
    want = json.loads(run("log", "consistency", "--ledger", ctx.ledger, "--from", "5", "--to",
                          "20", "--json").stdout)
    assert json.loads(body) == want, (body, want)
    expect_error(request("GET", "/v1/proof/inclusion?index=20"), 400)
    expect_error(request("GET", "/v1/proof/inclusion?index=1&size=30"), 400)
    expect_error(request("GET", "/v1/proof/consistency?from=0"), 400)
    expect_error(request("GET", "/v1/proof/consistency?from=3&to=2"), 400)
    expect_error(request("GET", "/v1/proof/inclusion"), 400, "index")
    expect_error(request("GET", "/v1/proof/inclusion?index=1&index=2"), 400, "repeated")
    expect_error(request("GET", "/v1/proof/inclusion?index=1&bogus=2"), 400, "unknown")


@case("GET /v1/search?digest=sha256:HEX: the indexes of the statements with that subject")
def c_search():
    digest = hashlib.sha256(b"artifact 7").hexdigest()
    for spelled in (digest, digest.upper()):
        st, _, body = request("GET", "/v1/search?digest=sha256:" + spelled)
        assert st == 200, body
        assert json.loads(body) == {"digest": "sha256:" + digest, "indexes": [ctx.index_of[7]]}
    st, _, body = request("GET", "/v1/search?digest=sha256:" + "0" * 64)
    assert st == 200 and json.loads(body)["indexes"] == []
    expect_error(request("GET", "/v1/search?digest=" + digest), 400)
    expect_error(request("GET", "/v1/search?digest=sha256:abc"), 400)


@case("numbers: negative, huge, signed, leading zeros, not digits -> 400")
def c_numbers():
    for bad in ("-1", "18446744073709551616", "99999999999999999999999999", "+1", "01", "1x",
                "0x10", "1.0", " 1"):
        expect_error(request("GET", "/v1/entries/" + bad.replace(" ", "%20")), 400)
        expect_error(request("GET", "/v1/proof/inclusion?index=" + bad.replace(" ", "%20")), 400)


@case("POST without a token, with an unknown one -> 401 with WWW-Authenticate: Bearer")
def c_401():
    for token in (None, "nope", ""):
        headers, _ = expect_error(submit(ctx.envs[0], token), 401)
        assert headers["www-authenticate"].startswith("Bearer"), headers
    headers, _ = expect_error(request("POST", "/v1/entries", ctx.envs[0], {
        "Content-Type": "application/json", "Authorization": "Basic " + ctx.token}), 401)


@case("POST with a token without the submit role -> 403")
def c_403():
    expect_error(submit(ctx.envs[0], ctx.token_witness), 403, "submit")


@case("POST with another Content-Type -> 415; the DSSE media type is taken")
def c_415():
    for ctype in ("text/plain", "application/jsonx", "multipart/form-data"):
        expect_error(submit(ctx.envs[0], ctx.token, ctype), 415)
    expect_error(request("POST", "/v1/entries", ctx.envs[0],
                         {"Authorization": "Bearer " + ctx.token}), 415)
    st, _, body = submit(ctx.envs[1], ctx.token, "application/vnd.dsse.envelope+json; charset=utf-8")
    assert st == 201, body


@case("POST bodies that are not envelopes -> 400 naming the problem")
def c_400():
    env = ctx.envs[2]
    expect_error(submit(env[: len(env) // 2], ctx.token), 400, "request body")
    expect_error(submit(b"", ctx.token), 400)
    expect_error(submit(b'{"hello": "world"}', ctx.token), 400)
    expect_error(submit(b"\xff\xfe\x00garbage", ctx.token), 400)
    expect_error(submit(b"[" * 100000, ctx.token), 400)


@case("POST of 100 MB: refused by Content-Length at once -> 413")
def c_413_length():
    head = ("POST /v1/entries HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n" % ctx.token)
    response = raw(head.encode() + b"{" * 1000)
    assert status_of(response) == 413, response[:300]
    # one byte over --max-body (1 MiB), declared
    head = head.replace("100000000", str((1 << 20) + 1))
    response = raw(head.encode() + b" " * 1000)
    assert status_of(response) == 413, response[:300]
    # exactly --max-body is read (and refused as JSON, not for its size)
    expect_error(submit(b" " * (1 << 20), ctx.token), 400)


@case("POST of 100 MB chunked: refused while receiving (413 or closed), long before the end")
def c_413_chunked():
    s = socket.create_connection(("127.0.0.1", ctx.port), timeout=10)
    head = ("POST /v1/entries HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" % ctx.token)
    s.sendall(head.encode())
    chunk = b"%x\r\n" % 65536 + b" " * 65536 + b"\r\n"
    sent = 0
    refused = False
    try:
        while sent < 100_000_000:
            s.sendall(chunk)
            sent += 65536
    except OSError:
        refused = True
    if not refused:
        try:
            got = s.recv(4096)
            refused = got == b"" or status_of(got) == 413
        except OSError:
            refused = True
    s.close()
    assert refused and sent < 20_000_000, "sent %d bytes, refused=%s" % (sent, refused)
    assert re.search(r"POST /v1/entries 413 acme", server_log()), server_log()[-500:]


@case("tile paths with .., %2e%2e, //, and files outside tile/ -> 404")
def c_paths():
    for path in ("/tile/../ledger.db", "/tile/%2e%2e/ledger.db", "/tile/%2E%2E/log.key",
                 "/tile/0/../../log.key", "/tile/0/000/../../../log.key", "/tile//0/000",
                 "/tile/0/000%00", "/tile/8/000", "/tile/0/0000", "/tile/entries/000.p/0",
                 "/tile/0/000.p/256", "/tile", "/tile/", "/log.key", "/ledger.db",
                 "/ledger.json", "/lock", "/checkpoint/", "/%2e%2e/etc/passwd", "/" + "a" * 4000):
        response = raw(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
        assert status_of(response) in (400, 404), (path, response[:200])
    # a symbolic link in the tile tree is not followed
    os.makedirs(os.path.join(ctx.ledger, "tile", "1"), exist_ok=True)
    os.symlink(os.path.join(ctx.ledger, "log.key"), os.path.join(ctx.ledger, "tile", "1", "000"))
    try:
        expect_error(request("GET", "/tile/1/000"), 404)
    finally:
        os.unlink(os.path.join(ctx.ledger, "tile", "1", "000"))
        os.rmdir(os.path.join(ctx.ledger, "tile", "1"))


@case("unknown paths -> 404, wrong methods -> 405 with Allow")
def c_404_405():
    expect_error(request("GET", "/v2/entries"), 404)
    expect_error(request("GET", "/"), 404)
    for method, path, allow in (("GET", "/v1/entries", "POST"), ("PUT", "/v1/entries", "POST"),
                                ("POST", "/checkpoint", "GET, HEAD"),
                                ("DELETE", "/v1/entries/0", "GET, HEAD"),
                                ("POST", "/v1/search", "GET, HEAD"),
                                ("POST", "/tile/0/000.p/20", "GET, HEAD")):
        headers, _ = expect_error(request(method, path), 405)
        assert headers["allow"] == allow, (method, path, headers)


@case("huge headers, garbage requests: refused, and the server keeps serving")
def c_hostile():
    big = "X-Big: " + "a" * 200_000 + "\r\n"
    response = raw(("GET /checkpoint HTTP/1.1\r\nHost: x\r\n%s\r\n" % big).encode())
    assert status_of(response) in (None, 400, 413, 414, 431), response[:200]
    many = "".join("X-H%d: v\r\n" % i for i in range(20000))
    response = raw(("GET /checkpoint HTTP/1.1\r\nHost: x\r\n%s\r\n" % many).encode())
    assert status_of(response) in (None, 400, 413, 431), response[:200]
    response = raw(b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_of(response) in (None, 400, 404, 414), response[:200]
    for junk in (b"\x00\x01\x02\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                 b"POST /v1/entries HTTP/1.1\r\nContent-Length: -5\r\n\r\n"):
        raw(junk, timeout=3)
    st, _, _ = request("GET", "/checkpoint")
    assert st == 200
    assert ctx.proc.poll() is None


@case("slow-drip body: cut off after --timeout (408), other clients served meanwhile, nothing stored")
def c_slow_drip():
    from waybilld_start import start_waybilld
    ledger = os.path.join(ctx.dir, "drip-ledger")
    run("log", "init", "--ledger", ledger, "--origin", "example.com/drip", "--key", "log.key")
    log = os.path.join(ctx.dir, "drip.log")
    proc, port = start_waybilld(WAYBILLD, ["--ledger", ledger, "--tokens", ctx.tokens,
                                           "--threads", "2", "--timeout", "2"], log)
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(("POST /v1/entries HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
                   % ctx.token).encode())
        start = time.monotonic()
        closed_after = None
        served = None
        while time.monotonic() - start < 10:
            try:
                s.sendall(b"{")
            except OSError:
                closed_after = time.monotonic() - start
                break
            if served is None:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                t0 = time.monotonic()
                c.request("GET", "/checkpoint")
                served = (c.getresponse().status, time.monotonic() - t0)
                c.close()
            s.settimeout(0.5)
            try:
                if s.recv(1024) == b"":
                    closed_after = time.monotonic() - start
                    break
            except socket.timeout:
                pass
            except OSError:
                closed_after = time.monotonic() - start
                break
        s.close()
        assert closed_after is not None and closed_after < 6, closed_after
        assert served and served[0] == 200 and served[1] < 1, served
        time.sleep(0.2)
        with open(log) as f:
            text = f.read()
        assert re.search(r"POST /v1/entries 408 acme", text), text[-500:]
        out = run("log", "checkpoint", "--ledger", ledger).stdout
        assert out.split("\n")[1] == "0", out
    finally:
        proc.kill()
        proc.wait()


@case("SIGHUP: a tokens file that does not load keeps the old tokens; a good one replaces them")
def c_sighup():
    with open(ctx.tokens) as f:
        good = f.read()
    with open(ctx.tokens, "w") as f:
        f.write("this is not a tokens file\n")
    ctx.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    while "not reloaded" not in server_log() and time.time() < deadline:
        time.sleep(0.05)
    assert "not reloaded" in server_log(), server_log()[-500:]
    st, _, body = submit(ctx.envs[3] + b" ", ctx.token)
    assert st == 201, body
    # this one made by `waybill token new`
    ctx.token2, line = run("token", "new", "--party", "beta", "--roles",
                           "submit").stdout.splitlines()[:2]
    assert line == token_line("beta", "submit", ctx.token2).strip(), line
    with open(ctx.tokens, "w") as f:
        f.write(good.replace(token_line("acme", "submit", ctx.token), ""))
        f.write(line + "\n")
    ctx.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    while "SIGHUP: reloaded" not in server_log() and time.time() < deadline:
        time.sleep(0.05)
    expect_error(submit(ctx.envs[4] + b" ", ctx.token), 401)
    st, _, body = submit(ctx.envs[4] + b" ", ctx.token2)
    assert st == 201 and json.loads(body)["index"] >= 20, body


@case("SIGTERM during submissions: exit 0; every 201 is in the log; `waybill log audit` passes")
def c_sigterm():
    late = make_envelopes(40, "late")
    results = []
    lock = threading.Lock()

    def one(env):
        try:
            got = submit(env, ctx.token2)
        except OSError as e:
            got = (None, {}, str(e).encode())
        with lock:
            results.append(got)
    threads = [threading.Thread(target=one, args=(e,)) for e in late]
    for t in threads:
        t.start()
    time.sleep(0.05)
    ctx.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join()
    rc = ctx.proc.wait(timeout=60)
    assert rc == 0, "exit %d: %s" % (rc, server_log()[-1000:])
    acked = [json.loads(b)["index"] for st, _, b in results if st == 201]
    for st, _, b in results:
        assert st in (201, 503, None), (st, b[:200])
    p = run("log", "audit", "--ledger", ctx.ledger, check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    size = int(run("log", "checkpoint", "--ledger", ctx.ledger).stdout.split("\n")[1])
    assert all(i < size for i in acked), (acked, size)
    assert size >= 22 + len(acked), (size, len(acked))
    print("# %d of %d acknowledged before the stop; log size %d" % (len(acked), len(late), size))


@case("--policy: an envelope the policy accepts -> 201; one signed by another key -> 403")
def c_policy():
    run("keygen", "--out", "stranger")
    with open(os.path.join(ctx.dir, "policy.json"), "w") as f:
        json.dump({"version": 1, "rules": [{"predicateType": "https://example.com/test/v1",
                                            "keys": ["signer.pub"], "threshold": 1}]}, f)
    path = os.path.join(ctx.dir, "stranger.json")
    with open(path, "w") as f:
        json.dump(statement(5000), f)
    run("envelope", "sign", "--key", "stranger.key", "--payload-type",
        "application/vnd.in-toto+json", path, "--out", path + ".dsse")
    with open(path + ".dsse", "rb") as f:
        stranger = f.read()
    start_server(["--policy", os.path.join(ctx.dir, "policy.json")])
    good = make_envelopes(1, "policy")[0]
    st, _, body = submit(good, ctx.token2)
    assert st == 201, body
    expect_error(submit(stranger, ctx.token2), 403)
    ctx.proc.send_signal(signal.SIGTERM)
    assert ctx.proc.wait(timeout=60) == 0
    p = run("log", "audit", "--ledger", ctx.ledger, check=False)
    assert p.returncode == 0, p.stdout + p.stderr


def main():
    ctx.dir = tempfile.mkdtemp(prefix="waybilld-test.")
    ctx.proc = None

    def cleanup():
        if ctx.proc and ctx.proc.poll() is None:
            ctx.proc.kill()
            ctx.proc.wait()

    def log_tail():
        path = getattr(ctx, "stderr_path", None)
        return server_log().splitlines()[-40:] if path and os.path.exists(path) else []
    return suite.run(ctx.dir, tap.missing_executables(WAYBILL=WAYBILL, WAYBILLD=WAYBILLD),
                     cleanup, log_tail)


if __name__ == "__main__":
    sys.exit(main())
