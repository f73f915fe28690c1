#!/usr/bin/python3
"""test_two_servers.py: two waybilld on one PostgreSQL make one log (issue 5).

Run under tests/pg/with-postgres.sh (which sets WB_TEST_PG) with $WAYBILL and
$WAYBILLD naming the built tools. Two ledger directories A and B are made
with `waybill log init --store $WB_TEST_PG` and the same log key (B joins
the log A created); one waybilld serves each. Client threads post signed
envelopes to both servers at once. Then:
  - every 201 has a distinct index, and its bundle verifies offline
    (`waybill log verify`) with the log key;
  - the log holds exactly the acknowledged entries, indexes dense;
  - after SIGTERM, `waybill log audit --store` of each directory recomputes
    the whole shared log: every stored checkpoint (whichever server signed
    it) holds the root of its size, and each directory's tiles are the tree;
  - `waybill log consistency` proves every checkpoint a client saw in a
    bundle consistent with the final one (checked here with an independent
    RFC 9162 verifier).
Prints TAP.
"""
import base64, hashlib, http.client, json, os, signal, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
import tap  # noqa: E402
from waybilld_start import start_waybilld  # noqa: E402

WAYBILL = os.environ["WAYBILL"]
WAYBILLD = os.environ["WAYBILLD"]
PG = os.environ.get("WB_TEST_PG")
PER_CLIENT, CLIENTS = 25, 4
tally = tap.Tally()
ok = tally.ok


def run(*args, check=True):
    return tap.waybill(WAYBILL, *args, check=check, text=False)


def node(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def verify_consistency(m, n, proof, old_root, new_root):  # RFC 9162 2.1.4.2
    if m == n:
        return not proof and old_root == new_root
    if m == 0 or m > n or not proof:
        return False
    if m & (m - 1) == 0:
        proof = [old_root] + proof
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1; sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node(c, fr); sr = node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1; sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1; sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def start(d, ledger, tokens, log):
    return start_waybilld(WAYBILLD, ["--ledger", ledger, "--store", PG, "--tokens", tokens,
                                     "--threads", "2"], log)


def main():
    print("1..7", flush=True)
    if not PG:
        ok(False, "WB_TEST_PG is not set: run under tests/pg/with-postgres.sh")
        return
    d = tempfile.mkdtemp(prefix="wb-two-")
    procs = []
    try:
        os.chdir(d)
        run("keygen", "--out", "log")
        run("keygen", "--out", "alice")
        a = run("log", "init", "--ledger", "A", "--origin", "two.example/log", "--key", "log.key",
                "--store", PG).stdout.decode().strip()
        b = run("log", "init", "--ledger", "B", "--origin", "two.example/log", "--key", "log.key",
                "--store", PG).stdout.decode().strip()
        open("log.vkey", "w").write(a + "\n")
        # another key cannot join the log
        run("keygen", "--out", "other")
        c = run("log", "init", "--ledger", "C", "--origin", "two.example/log", "--key", "other.key",
                "--store", PG, check=False)
        ok(a == b and c.returncode == 1 and b"another log" in c.stderr,
           "B joins the log A made in PostgreSQL (same verifier key); another key is refused")

        tok = run("token", "new", "--party", "alice", "--roles", "submit").stdout.decode().split("\n")
        token, line = tok[0], tok[1]
        open("tokens", "w").write(line + "\n")
        os.chmod("tokens", 0o600)
        envs = []
        for i in range(PER_CLIENT * CLIENTS * 2):
            st = {"_type": "https://in-toto.io/Statement/v1",
                  "subject": [{"name": "f%d" % i, "digest": {"sha256": "%064x" % i}}],
                  "predicateType": "https://example/t", "predicate": {}}
            open("st.json", "w").write(json.dumps(st))
            run("envelope", "sign", "--key", "alice.key", "--payload-type",
                "application/vnd.in-toto+json", "--out", "e%d.json" % i, "st.json")
            envs.append(open("e%d.json" % i, "rb").read())
        pa, port_a = start(d, "A", "tokens", "a.log")
        procs.append(pa)
        pb, port_b = start(d, "B", "tokens", "b.log")
        procs.append(pb)

        acked, statuses, lock = {}, {}, threading.Lock()

        def client(k):
            port = port_a if k % 2 == 0 else port_b
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for j in range(PER_CLIENT):
                n = k * PER_CLIENT + j
                conn.request("POST", "/v1/entries", body=envs[n],
                             headers={"Authorization": "Bearer " + token,
                                      "Content-Type": "application/json"})
                r = conn.getresponse()
                body = r.read()
                with lock:
                    statuses[r.status] = statuses.get(r.status, 0) + 1
                    if r.status == 201:
                        acked[n] = json.loads(body)
        threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS * 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        total = PER_CLIENT * CLIENTS * 2
        idx = sorted(bd["index"] for bd in acked.values())
        ok(statuses == {201: total} and idx == list(range(total)),
           "%d submissions to two servers at once: all 201, indexes 0..%d each given once (%s)"
           % (total, total - 1, statuses))

        bad = []
        for n, bd in list(acked.items())[:40]:
            open("b.bundle", "w").write(json.dumps(bd))
            if run("log", "verify", "b.bundle", "--log-key", "log.vkey", check=False).returncode != 0:
                bad.append(n)
            if base64.b64decode(bd["envelope_b64"]) != envs[n]:
                bad.append(n)
        ok(not bad, "bundles from either server verify offline with the log key")

        for p in procs:
            p.send_signal(signal.SIGTERM)
        ok(all(p.wait(timeout=30) == 0 for p in procs), "both servers exit 0 on SIGTERM")
        procs = []

        audits = [run("log", "audit", "--ledger", x, "--store", PG, "--json", check=False) for x in "AB"]
        docs = [json.loads(p.stdout) if p.stdout else {} for p in audits]
        ok(all(p.returncode == 0 for p in audits) and all(doc.get("tree_size") == total for doc in docs),
           "log audit of A and of B recomputes the one shared log of %d entries: %s"
           % (total, [doc.get("problems", doc) for doc in docs if not doc.get("ok")]))

        final = open("A/checkpoint").read().split("\n")
        ok(final == open("B/checkpoint").read().split("\n") and final[1] == str(total),
           "both directories serve the same latest checkpoint")

        new_root = base64.b64decode(final[2])
        seen = {(bd["tree_size"], bd["checkpoint"].split("\n")[2]) for bd in acked.values()}
        failures = []
        for size, root_b64 in sorted(seen):
            if size == total:
                if root_b64 != final[2]:
                    failures.append(size)
                continue
            p = json.loads(run("log", "consistency", "--ledger", "A", "--store", PG, "--from",
                               str(size), "--json").stdout)
            proof = [base64.b64decode(h) for h in p["proof"]]
            if not verify_consistency(size, total, proof, base64.b64decode(root_b64), new_root):
                failures.append(size)
        ok(not failures, "every checkpoint clients got (%d sizes, signed by either server) is "
           "consistent with the final one" % len(seen))
    finally:
        for p in procs:
            p.kill()
        subprocess.run(["rm", "-rf", d])


try:
    main()
except Exception as e:  # a setup failure is a failed test, never a skip
    ok(False, "error: %s" % e)
sys.exit(tally.status())
