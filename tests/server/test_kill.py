#!/usr/bin/python3
"""test_kill.py: SIGKILL of waybilld under load loses no acknowledged entry.

With $WAYBILL and $WAYBILLD naming the built tools: a ledger, a token, and
ROUNDS rounds of: start waybilld, have client threads post distinct signed
envelopes on keep-alive connections, SIGKILL the server after a random
0.2-1.2 s, then start it again and check that
  - every submission answered 201 (in this round or an earlier one) is in
    the log at the index it was given, with exactly the bytes posted
    (GET /v1/entries/INDEX), and its bundle verifies offline;
  - the log's indexes are dense and nothing is in it twice;
  - `waybill log audit` (after the restarted server brought the directory
    up to date and was stopped) finds the log whole.
Prints TAP.
"""
import http.client, json, os, random, signal, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from waybilld_start import start_waybilld  # noqa: E402

WAYBILL = os.environ["WAYBILL"]
WAYBILLD = os.environ["WAYBILLD"]
ROUNDS = int(os.environ.get("KILL_ROUNDS", "5"))
CLIENTS = 8
tally = tap.Tally()
ok = tally.ok


def run(*args, check=True):
    return tap.waybill(WAYBILL, *args, check=check, text=False)


def start(log):
    return start_waybilld(WAYBILLD, ["--ledger", "L", "--tokens", "tokens", "--threads", "2"], log)


def main():
    print("1..%d" % (ROUNDS + 1), flush=True)
    d = tempfile.mkdtemp(prefix="wb-kill-")
    os.chdir(d)
    run("keygen", "--out", "log")
    run("log", "init", "--ledger", "L", "--origin", "kill.example/log", "--key", "log.key")
    token, line = run("token", "new", "--party", "alice", "--roles", "submit").stdout.decode().split("\n")[:2]
    open("tokens", "w").write(line + "\n")
    os.chmod("tokens", 0o600)
    # envelopes, distinct by their subject; the server runs without a policy,
    # so their signatures are not checked (test_server.py covers --policy)
    import base64
    envs = []
    for i in range(ROUNDS * 4000):
        st = {"_type": "https://in-toto.io/Statement/v1",
              "subject": [{"name": "k%d" % i, "digest": {"sha256": "%064x" % i}}],
              "predicateType": "https://example/t", "predicate": {}}
        envs.append(json.dumps({"payload": base64.b64encode(json.dumps(st).encode()).decode(),
                                "payloadType": "application/vnd.in-toto+json",
                                "signatures": [{"keyid": "", "sig": base64.b64encode(bytes(64)).decode()}]}).encode())
    acked = {}  # envelope number -> (index, bundle)
    next_env = [0]
    lock = threading.Lock()
    for r in range(1, ROUNDS + 1):
        server, port = start("server-%d.log" % r)
        stop = threading.Event()

        def client():
            conn = None
            while not stop.is_set():
                with lock:
                    n = next_env[0]
                    if n >= len(envs):
                        return
                    next_env[0] += 1
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    conn.request("POST", "/v1/entries", body=envs[n],
                                 headers={"Authorization": "Bearer " + token,
                                          "Content-Type": "application/json"})
                    resp = conn.getresponse()
                    body = resp.read()
                    if resp.status == 201:
                        bd = json.loads(body)
                        with lock:
                            acked[n] = (bd["index"], bd)
                except (OSError, http.client.HTTPException):
                    return  # the server is gone
        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(random.uniform(0.2, 1.2))
        server.send_signal(signal.SIGKILL)
        server.wait()
        stop.set()
        for t in threads:
            t.join()
        # restart: everything acknowledged must be there
        server, port = start("server-%d-after.log" % r)
        problems = []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        indexes = sorted(i for i, _ in acked.values())
        if len(set(indexes)) != len(indexes):
            problems.append("an index was given twice")
        for n, (i, _) in acked.items():
            conn.request("GET", "/v1/entries/%d" % i)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200 or body != envs[n]:
                problems.append("acknowledged entry %d (envelope %d) is not in the log" % (i, n))
        conn.request("GET", "/checkpoint")
        size = int(conn.getresponse().read().decode().split("\n")[1])
        # every entry of the log is an envelope posted, at most once
        seen = set()
        for i in range(size):
            conn.request("GET", "/v1/entries/%d" % i)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200 or body in seen:
                problems.append("entry %d missing or repeated" % i)
            seen.add(body)
        server.send_signal(signal.SIGTERM)
        if server.wait(timeout=30) != 0:
            problems.append("restarted server did not exit 0")
        audit = run("log", "audit", "--ledger", "L", check=False)
        if audit.returncode != 0:
            problems.append("audit: " + audit.stdout.decode()[-300:])
        for n, (i, bd) in list(acked.items())[-5:]:
            open("b.bundle", "w").write(json.dumps(bd))
            vkey = json.load(open("L/ledger.json"))["verifier_key"]
            if run("log", "verify", "b.bundle", "--log-key", vkey, check=False).returncode != 0:
                problems.append("bundle of entry %d does not verify" % i)
        for p in problems[:5]:
            print("# " + p)
        ok(not problems, "round %d: SIGKILL under load; log of %d entries holds all %d acknowledged, "
           "dense, audit clean" % (r, size, len(acked)))
    ok(len(acked) > 0, "%d submissions acknowledged over %d kills" % (len(acked), ROUNDS))
    subprocess.run(["rm", "-rf", d])


try:
    main()
except Exception as e:
    ok(False, "error: %s" % e)
sys.exit(tally.status())
