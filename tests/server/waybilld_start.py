"""waybilld_start.py: start the built waybilld on 127.0.0.1 on a port the
kernel picks, for the server tests (tests/server, tests/pg)."""
import re, subprocess, time


def start_waybilld(waybilld, args, log):
    """Run `waybilld ARGS --listen 127.0.0.1:0` with stderr to LOG; return
    (process, port) once its start line names the port."""
    p = subprocess.Popen([waybilld, *args, "--listen", "127.0.0.1:0"], stdout=subprocess.DEVNULL,
                         stderr=open(log, "w"))
    for _ in range(200):
        m = re.search(r"\(port (\d+)\)", open(log).read())
        if m:
            return p, int(m.group(1))
        if p.poll() is not None:
            break
        time.sleep(0.05)
    p.kill()
    raise RuntimeError("waybilld did not start: " + open(log).read())
