#!/usr/bin/python3
"""test_witness_quorum.py: a log publishes only checkpoints a quorum of
witnesses cosigned (issue 5; docs/server.md, "Witnessed checkpoints").

Two witnesses are waybilld processes started with --witness-key (C2SP
tlog-witness, POST /add-checkpoint); the log is a third waybilld started
with --witnesses FILE --witness-quorum 2, whose file also names a third
"witness" at the first one's URL with the second one's key (a witness
whose answers never verify). Then:
  - the log's GET /checkpoint carries the log's signature and two
    cosignatures, each checked by tests/interop/cosig.py (an independent
    tlog-cosignature verifier in Python), and its size follows the
    submissions;
  - with one witness stopped, new entries are appended (the bundles say
    so) but /checkpoint stays at the last witnessed size, and the log says
    why;
  - when the witness is back (its state kept), the next checkpoint is
    cosigned by both again, the witness moving forward by a consistency
    proof from where it was;
  - the wrong-key witness is never counted, and that is logged;
  - every waybilld exits 0 on SIGTERM.
Prints TAP.
"""
import http.client, json, os, re, shutil, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from waybilld_start import start_waybilld  # noqa: E402

WAYBILL = os.environ["WAYBILL"]
WAYBILLD = os.environ["WAYBILLD"]
ROOT = os.environ.get("WB_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
COSIG = os.path.join(ROOT, "tests", "interop", "cosig.py")
ORIGIN = "quorum.example/log"
tally = tap.Tally()
ok = tally.ok


def run(*args, check=True):
    return tap.waybill(WAYBILL, *args, check=check, text=True)


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def submit(port, token, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("POST", "/v1/entries", body=body,
                  headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def cosigners(note):
    """The names of the signature lines after the log's own."""
    sigs = note.split(b"\n\n", 1)[1].decode().splitlines()
    return [line.split(" ")[1] for line in sigs[1:]]


def cosig_ok(note, vkey, name, d):
    path = os.path.join(d, "checked.note")
    with open(path, "wb") as f:
        f.write(note)
    p = subprocess.run(["/usr/bin/python3", COSIG, "verify", "--vkey", vkey, "--name", name, path],
                       capture_output=True, text=True)
    return p.returncode == 0


def wait_checkpoint(port, size, names, seconds=20):
    deadline = time.monotonic() + seconds
    note = b""
    while time.monotonic() < deadline:
        st, note = get(port, "/checkpoint")
        if st == 200 and note.split(b"\n")[1] == str(size).encode() and \
                sorted(cosigners(note)) == sorted(names):
            return note
        time.sleep(0.1)
    return note


def main():
    print("1..6", flush=True)
    d = tempfile.mkdtemp(prefix="wb-quorum-")
    procs = {}
    try:
        os.chdir(d)
        run("keygen", "--out", "log")
        run("keygen", "--out", "alice")
        log_vkey = run("log", "init", "--ledger", "L", "--origin", ORIGIN, "--key",
                       "log.key").stdout.strip().splitlines()[-1]
        submit_tok = run("token", "new", "--party", "alice", "--roles", "submit").stdout.split("\n")
        witness_tok = run("token", "new", "--party", "quorum-log", "--roles", "witness").stdout.split("\n")
        with open("tokens", "w") as f:
            f.write(submit_tok[1] + "\n")
        with open("witness-tokens", "w") as f:
            f.write(witness_tok[1] + "\n")
        with open("witness.token", "w") as f:
            f.write(witness_tok[0] + "\n")
        for name in ("tokens", "witness-tokens", "witness.token"):
            os.chmod(name, 0o600)

        wports, wvkeys, wnames = {}, {}, {}

        def start_witness(n):
            if not os.path.isdir("W%d-ledger" % n):
                run("keygen", "--out", "w%d" % n)
                run("log", "init", "--ledger", "W%d-ledger" % n, "--origin",
                    "w%d.example/own" % n, "--key", "w%d.key" % n)
            wnames[n] = "witness%d.example" % n
            args = ["--ledger", "W%d-ledger" % n, "--tokens", "witness-tokens", "--threads", "2",
                    "--witness-key", "w%d.key" % n, "--witness-name", wnames[n],
                    "--witness-state", "W%d-state" % n, "--witness-log", log_vkey]
            if n in wports:  # back on the same port
                p = subprocess.Popen([WAYBILLD, *args, "--listen", "127.0.0.1:%d" % wports[n]],
                                     stdout=subprocess.DEVNULL, stderr=open("w%d.log" % n, "a"))
                for _ in range(100):
                    try:
                        get(wports[n], "/checkpoint")
                        break
                    except OSError:
                        time.sleep(0.05)
            else:
                p, wports[n] = start_waybilld(WAYBILLD, args, "w%d.log" % n)
            procs["w%d" % n] = p
            m = re.search(r"witness (\S+): POST /add-checkpoint", open("w%d.log" % n).read())
            if not m:
                raise RuntimeError("witness %d did not say its key: %s" % (n, open("w%d.log" % n).read()))
            wvkeys[n] = m.group(1)

        start_witness(1)
        start_witness(2)
        with open("witnesses", "w") as f:
            f.write("# URL VKEY TOKEN-FILE\n")
            f.write("http://127.0.0.1:%d %s witness.token\n" % (wports[1], wvkeys[1]))
            f.write("http://127.0.0.1:%d/ %s witness.token\n" % (wports[2], wvkeys[2]))
            # answers from witness 1, checked against witness 2's key: never valid
            f.write("http://127.0.0.1:%d %s witness.token\n" % (wports[1], wvkeys[2]))
        procs["log"], port = start_waybilld(WAYBILLD, [
            "--ledger", "L", "--tokens", "tokens", "--threads", "2", "--witnesses", "witnesses",
            "--witness-quorum", "2"], "log.log")

        envs = []
        for i in range(8):
            st = {"_type": "https://in-toto.io/Statement/v1",
                  "subject": [{"name": "f%d" % i, "digest": {"sha256": "%064x" % i}}],
                  "predicateType": "https://example/t", "predicate": {}}
            with open("st.json", "w") as f:
                json.dump(st, f)
            run("envelope", "sign", "--key", "alice.key", "--payload-type",
                "application/vnd.in-toto+json", "--out", "e%d.json" % i, "st.json")
            envs.append(open("e%d.json" % i, "rb").read())

        statuses = [submit(port, submit_tok[0], envs[i])[0] for i in range(5)]
        note = wait_checkpoint(port, 5, [wnames[1], wnames[2]])
        ok(statuses == [201] * 5 and note.split(b"\n")[1] == b"5" and
           cosig_ok(note, wvkeys[1], wnames[1], d) and cosig_ok(note, wvkeys[2], wnames[2], d),
           "5 entries: /checkpoint of size 5 carries both witnesses' cosignatures, which verify "
           "(%s)" % cosigners(note))

        procs.pop("w2").send_signal(signal.SIGTERM)
        time.sleep(0.5)
        bundles = [submit(port, submit_tok[0], envs[i]) for i in range(5, 8)]
        time.sleep(4)
        st, note = get(port, "/checkpoint")
        own = open("L/checkpoint", "rb").read()
        ok(all(b[0] == 201 for b in bundles) and json.loads(bundles[-1][1])["index"] == 7 and
           own.split(b"\n")[1] == b"8" and note.split(b"\n")[1] == b"5",
           "witness 2 down: entries 5-7 appended (the log's own checkpoint is at 8), "
           "/checkpoint stays at the witnessed 5")
        log = open("log.log").read()
        ok(re.search(r"checkpoint 8: 1 of 2 cosignatures needed; not published", log),
           "the log says it holds back checkpoint 8 and why")

        start_witness(2)
        note = wait_checkpoint(port, 8, [wnames[1], wnames[2]])
        ok(note.split(b"\n")[1] == b"8" and cosig_ok(note, wvkeys[1], wnames[1], d) and
           cosig_ok(note, wvkeys[2], wnames[2], d),
           "witness 2 back with its state: /checkpoint of size 8 cosigned by both")

        log = open("log.log").read()
        ok("200, but no valid cosignature by %s" % wnames[2] in log and
           wnames[1] + " " not in "".join(l for l in log.splitlines() if "witnessed by 3" in l),
           "the witness entry with the wrong key is never counted, and that is logged")

        codes = []
        for name in list(procs):
            p = procs.pop(name)
            p.send_signal(signal.SIGTERM)
            codes.append(p.wait(timeout=60))
        ok(len(codes) == 3 and set(codes) == {0}, "the log and both witnesses exit 0 on SIGTERM (%s)" % codes)
    finally:
        for p in procs.values():
            p.kill()
        if os.environ.get("KEEP"): print("# kept", d)
        else: shutil.rmtree(d, ignore_errors=True)


try:
    main()
except Exception as e:  # a setup failure is a failed test, never a skip
    ok(False, "error: %s" % e)
sys.exit(tally.status())
