"""tap.py: the TAP plumbing the server tests share (tests/server, tests/pg).

Two styles:
  - Suite: named cases (functions that raise on failure), run in order; the
    first is the set-up, and when it fails the others are reported failed
    without running. The working directory is kept when anything failed.
  - Tally: a script that checks as it goes, one `ok(cond, text)` a line,
    and exits 1 unless every check passed (and at least one ran).
A missing prerequisite or a set-up error is a failed test, never a skip.
"""
import os
import shutil
import subprocess
import sys
import traceback


def missing_executables(**named):
    """The names whose value is not an executable file."""
    return [n for n, v in named.items() if not v or not os.access(v, os.X_OK)]


def waybill(binary, *args, cwd=None, check=True, text=True):
    """Run the built `waybill`; raise with its stderr when check and it fails."""
    p = subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=text)
    if check and p.returncode != 0:
        err = p.stderr if text else p.stderr.decode(errors="replace")
        raise AssertionError("waybill %s: exit %d: %s" % (" ".join(args), p.returncode, err))
    return p


class Suite:
    def __init__(self):
        self.cases = []

    def case(self, title):
        def wrap(fn):
            self.cases.append((title, fn))
            return fn
        return wrap

    def run(self, workdir, missing=(), cleanup=None, log_tail=None):
        """Print the plan and run every case; returns the exit status.
        `missing` names prerequisites that are not there (then one failed
        test); cleanup() always runs; log_tail() gives lines to show when a
        case failed; workdir is removed only when everything passed."""
        if missing:
            print("1..1\nnot ok 1 - prerequisites: %s" % ", ".join(missing), flush=True)
            return 1
        failed = 0
        print("1..%d" % len(self.cases), flush=True)
        try:
            for n, (title, fn) in enumerate(self.cases, 1):
                try:
                    fn()
                    print("ok %d - %s" % (n, title), flush=True)
                except Exception:
                    failed += 1
                    print("not ok %d - %s" % (n, title))
                    for line in traceback.format_exc().splitlines():
                        print("# " + line)
                    sys.stdout.flush()
                    if n == 1:  # nothing else can run without the set-up
                        for m, (t, _) in enumerate(self.cases[1:], 2):
                            print("not ok %d - %s # setup failed" % (m, t))
                        failed += len(self.cases) - 1
                        break
        finally:
            if cleanup:
                cleanup()
            if failed and log_tail:
                for line in log_tail():
                    print("# " + line)
            if failed:
                print("# kept %s" % workdir, flush=True)
            else:
                shutil.rmtree(workdir, ignore_errors=True)
        return 1 if failed else 0


class Tally:
    def __init__(self):
        self.results = []

    def ok(self, cond, text):
        self.results.append(bool(cond))
        print("%s %d - %s" % ("ok" if cond else "not ok", len(self.results), text), flush=True)
        return cond

    def status(self):
        return 0 if self.results and all(self.results) else 1
