#!/usr/bin/python3
"""test_pg_restart.py: waybilld rides out a PostgreSQL restart under load (issue 5).

Run under tests/pg/with-postgres.sh (WB_TEST_PG, WB_TEST_PG_DATA,
WB_TEST_PG_USER, PG_BIN) with $WAYBILL and $WAYBILLD naming the built tools.
A ledger on the PostgreSQL store is served by one waybilld; eight client
threads post signed envelopes without pause and a reader fetches entries.
After a while PostgreSQL is stopped (pg_ctl stop -m fast), left down for
two seconds, and started again, while the same waybilld keeps running.
Then:
  - while the database is down, submissions and store reads are answered
    503 with Retry-After, never anything else, and the connection stays
    usable;
  - after it is back, submissions are accepted again (201) without a
    restart of waybilld;
  - every acknowledged submission is in the log at the index it was given,
    with exactly its bytes, each index given once;
  - waybilld exits 0 on SIGTERM and `waybill log audit` finds the log
    consistent.
Prints TAP.
"""
import http.client, json, os, re, shlex, signal, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
import tap  # noqa: E402
from waybilld_start import start_waybilld  # noqa: E402

WAYBILL = os.environ["WAYBILL"]
WAYBILLD = os.environ["WAYBILLD"]
PG = os.environ.get("WB_TEST_PG")
PG_DATA = os.environ.get("WB_TEST_PG_DATA")
PG_USER = os.environ.get("WB_TEST_PG_USER", "")
PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
CLIENTS, ENVELOPES = 8, 64
tally = tap.Tally()
ok = tally.ok


def run(*args, check=True):
    return tap.waybill(WAYBILL, *args, check=check, text=False)


def pg_ctl(*args):
    cmd = [os.path.join(PG_BIN, "pg_ctl"), "-D", PG_DATA, *args]
    if PG_USER:
        cmd = ["runuser", "-u", PG_USER, "--", *cmd]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("pg_ctl %s: %s%s" % (" ".join(args), p.stdout, p.stderr))


def server_options():
    """The options the running server was started with (postmaster.opts),
    less the program and its data directory, to start it again the same."""
    words = shlex.split(open(os.path.join(PG_DATA, "postmaster.opts")).read())[1:]
    out, i = [], 0
    while i < len(words):
        if words[i] == "-D":
            i += 2
            continue
        out.append(words[i])
        i += 1
    return " ".join(shlex.quote(w) for w in out)


class Load:
    def __init__(self, port, token, envs):
        self.port, self.token, self.envs = port, token, envs
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.log = []  # (time, status, retry_after, index, envelope number)
        self.reads = []  # (time, status, retry_after)
        self.errors = []
        self.counter = 0

    def next_envelope(self):
        with self.lock:
            self.counter += 1
            return self.counter % len(self.envs)

    def client(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.is_set():
            n = self.next_envelope()
            try:
                conn.request("POST", "/v1/entries", body=self.envs[n],
                             headers={"Authorization": "Bearer " + self.token,
                                      "Content-Type": "application/json"})
                r = conn.getresponse()
                body = r.read()
            except (OSError, http.client.HTTPException) as e:
                with self.lock:
                    self.errors.append(repr(e))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                continue
            index = json.loads(body)["index"] if r.status == 201 else None
            with self.lock:
                self.log.append((time.monotonic(), r.status, r.getheader("Retry-After"), index, n))
            if r.status == 503:
                time.sleep(0.05)  # a client that honours Retry-After would wait longer
        conn.close()

    def reader(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.is_set():
            try:
                conn.request("GET", "/v1/entries/0")
                r = conn.getresponse()
                r.read()
            except (OSError, http.client.HTTPException) as e:
                with self.lock:
                    self.errors.append(repr(e))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                continue
            with self.lock:
                self.reads.append((time.monotonic(), r.status, r.getheader("Retry-After")))
            time.sleep(0.02)
        conn.close()


def main():
    print("1..7", flush=True)
    if not (PG and PG_DATA):
        ok(False, "WB_TEST_PG and WB_TEST_PG_DATA are not set: run under tests/pg/with-postgres.sh")
        return
    d = tempfile.mkdtemp(prefix="wb-pgrestart-")
    proc = None
    pg_down = False
    try:
        os.chdir(d)
        run("keygen", "--out", "log")
        run("keygen", "--out", "alice")
        vkey = run("log", "init", "--ledger", "L", "--origin", "restart.example/log", "--key",
                   "log.key", "--store", PG).stdout.decode().strip()
        open("log.vkey", "w").write(vkey + "\n")
        tok = run("token", "new", "--party", "alice", "--roles", "submit").stdout.decode().split("\n")
        token = tok[0]
        open("tokens", "w").write(tok[1] + "\n")
        os.chmod("tokens", 0o600)
        envs = []
        for i in range(ENVELOPES):
            st = {"_type": "https://in-toto.io/Statement/v1",
                  "subject": [{"name": "f%d" % i, "digest": {"sha256": "%064x" % i}}],
                  "predicateType": "https://example/t", "predicate": {}}
            open("st.json", "w").write(json.dumps(st))
            run("envelope", "sign", "--key", "alice.key", "--payload-type",
                "application/vnd.in-toto+json", "--out", "e.json", "st.json")
            envs.append(open("e.json", "rb").read())
        opts = server_options()
        proc, port = start_waybilld(WAYBILLD, ["--ledger", "L", "--store", PG, "--tokens", "tokens",
                                               "--threads", "2"], "waybilld.log")

        load = Load(port, token, envs)
        threads = [threading.Thread(target=load.client) for _ in range(CLIENTS)]
        threads.append(threading.Thread(target=load.reader))
        for t in threads:
            t.start()
        time.sleep(1.5)
        t_stop = time.monotonic()
        pg_ctl("stop", "-m", "fast", "-w")
        pg_down = True
        t_down = time.monotonic()
        time.sleep(2.0)
        t_start = time.monotonic()
        pg_ctl("start", "-w", "-t", "60", "-o", opts, "-l", os.path.join(PG_DATA, "..", "server.log"))
        pg_down = False
        t_up = time.monotonic()
        # run on until 50 submissions in a row have been accepted, at most 30 s
        deadline = time.monotonic() + 30
        recovered_at = None
        while time.monotonic() < deadline:
            with load.lock:
                tail = [e for e in load.log if e[0] > t_up]
            if len(tail) >= 50 and all(e[1] == 201 for e in tail[-50:]):
                recovered_at = next(e[0] for e in tail if e[1] == 201)
                break
            time.sleep(0.1)
        load.stop.set()
        for t in threads:
            t.join(timeout=60)

        before = [e for e in load.log if e[0] < t_stop]
        during = [e for e in load.log if t_down <= e[0] <= t_start]
        ok(before and all(e[1] == 201 for e in before),
           "before the stop: %d submissions, all 201" % len(before))
        bad = [e[1:3] for e in during if not (e[1] == 503 and e[2])]
        reads_down = [r for r in load.reads if t_down <= r[0] <= t_start]
        bad_reads = [r[1:] for r in reads_down if r[1] not in (200, 503) or (r[1] == 503 and not r[2])]
        ok(during and not bad and not bad_reads and not load.errors and
           any(r[1] == 503 for r in reads_down),
           "PostgreSQL down: %d submissions, all 503 with Retry-After; %d reads 503 (or 200); "
           "no connection errors (%s %s %s)" % (len(during), len(reads_down), bad[:3], bad_reads[:3],
                                               load.errors[:3]))
        ok(recovered_at is not None and proc.poll() is None,
           "PostgreSQL back: 201s again %.1f s after it was up, the same waybilld running"
           % ((recovered_at or 0) - t_up))

        acked = [e for e in load.log if e[1] == 201]
        indexes = [e[3] for e in acked]
        wrong = []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for e in acked:
            conn.request("GET", "/v1/entries/%d" % e[3])
            r = conn.getresponse()
            body = r.read()
            if r.status != 200 or body != envs[e[4]]:
                wrong.append(e[3])
        conn.close()
        ok(len(set(indexes)) == len(indexes) and not wrong,
           "all %d acknowledged submissions are in the log at their index with their bytes"
           % len(acked))

        proc.send_signal(signal.SIGTERM)
        ok(proc.wait(timeout=60) == 0, "waybilld exits 0 on SIGTERM")
        proc = None
        audit = run("log", "audit", "--ledger", "L", "--store", PG, "--json", check=False)
        doc = json.loads(audit.stdout) if audit.stdout else {}
        ok(audit.returncode == 0 and doc.get("tree_size", 0) >= len(acked),
           "log audit: the log of %s entries is consistent (%s)"
           % (doc.get("tree_size"), doc.get("problems", audit.stderr.decode()[-300:])))
        log = open("waybilld.log").read()
        failed = [l for l in log.split("\n") if re.search(r"append of \d+ entries failed: ", l)]
        ok(failed, "waybilld logged why it answered 503, e.g. %r" % (failed[0][:200] if failed else None))
    finally:
        if pg_down:
            try:
                pg_ctl("start", "-w", "-t", "60", "-o", server_options())
            except Exception:
                pass
        if proc:
            proc.kill()
        subprocess.run(["rm", "-rf", d])


try:
    main()
except Exception as e:  # a setup failure is a failed test, never a skip
    ok(False, "error: %s" % e)
sys.exit(tally.status())
