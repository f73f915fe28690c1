#!/usr/bin/python3
"""version_pairs_gen.py: version pairs for the interop tests, and dpkg's verdicts.

    version_pairs_gen.py deb COUNT SEED      COUNT pairs of valid Debian versions
    version_pairs_gen.py deb-invalid         Debian versions dpkg flags as bad syntax
    version_pairs_gen.py npm COUNT SEED      COUNT pairs of SemVer-ish versions (some
                                             invalid on purpose)
    version_pairs_gen.py pypi COUNT SEED     COUNT pairs of PEP 440 versions in their many
                                             spellings (some invalid on purpose)
    version_pairs_gen.py go COUNT SEED       COUNT pairs of Go module versions ("v", short
                                             forms, pseudo-versions, some invalid)
    version_pairs_gen.py maven COUNT SEED    COUNT pairs of Maven versions of the shapes
                                             found in Maven Central
    version_pairs_gen.py dpkg PAIRS JOBS     dpkg --compare-versions on each pair of
                                             the file PAIRS, JOBS processes at a time
    version_pairs_gen.py packaging PAIRS     the verdicts of Debian's python3-packaging
                                             (packaging.version.Version) on PAIRS

Pairs are "a<TAB>b" lines; verdicts are "<", "=", ">" lines (the output format of
tests/interop/version_pairs and npm/compare_versions.js). The generators are
seeded (random.Random(SEED)), so a run is reproducible: a failure names a pair
that fails again. Half of the pairs are a version and a small mutation of it
(one character changed, a tilde or a zero added, the epoch or revision changed),
so that equal and nearly equal versions are common, the other half two
independent versions drawn from a small alphabet.

Debian versions are generated valid by construction (checked again against the
syntax of deb-version(7) below, written independently of waybill); dpkg is the
judge of their order. dpkg runs once or twice per pair ("lt", then "eq"), from
a pool of JOBS threads, each running one dpkg process at a time.
"""
import concurrent.futures
import random
import re
import subprocess
import sys

# deb-version(7): [epoch:]upstream_version[-debian_revision]
DEB_RE = re.compile(
    r"^(?:(?P<epoch>[0-9]+):)?(?P<upstream>[0-9][A-Za-z0-9.+~:-]*?)(?:-(?P<revision>[A-Za-z0-9.+~]+))?$"
)


def deb_valid(v):
    m = DEB_RE.match(v)
    if not m:
        return False
    up = m.group("upstream")
    if ":" in up and m.group("epoch") is None:
        return False
    if "-" in up and m.group("revision") is None:
        return False
    if m.group("epoch") is not None and int(m.group("epoch")) > 2**31 - 1:
        return False
    return True


def deb_run(rng, alphabet, max_len):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, max_len)))


def deb_random(rng):
    epoch = rng.choice(["", "", "", "", "", "0:", "1:", "2:", "01:", "10:"])
    revision = rng.choice(["", "", "", "-" + deb_run(rng, "0123aAbz.+~", 5), "-0", "-1", "-1.1",
                           "-0ubuntu1", "-2+deb12u1", "-1~bpo11+1"])
    up_chars = "0011223399aAbzZ.+~"
    if epoch:
        up_chars += ":"
    if revision:
        up_chars += "-"
    upstream = rng.choice("0123456789") + (deb_run(rng, up_chars, 8) if rng.random() < 0.9 else "")
    return epoch + upstream + revision


def deb_mutate(rng, v):
    for _ in range(20):
        i = rng.randrange(len(v) + 1)
        kind = rng.randrange(9)
        if kind == 0:
            w = v[:i] + "~" + v[i:]
        elif kind == 1:
            w = v + rng.choice(["~", "~~", "~a", "0", ".0", "a", "+", "+b1", "-0", "-1"])
        elif kind == 2 and i < len(v):
            w = v[:i] + rng.choice("0123456789aAzZ.+~") + v[i + 1:]
        elif kind == 3:
            w = "0:" + v if ":" not in v else v.split(":", 1)[1]
        elif kind == 4:
            w = re.sub(r"(\d+)", lambda m: "0" + m.group(1), v, count=1)
        elif kind == 5:
            w = v.rsplit("-", 1)[0] if "-" in v else v + "-0"
        elif kind == 6 and i < len(v):
            w = v[:i] + v[i + 1:]
        elif kind == 7:
            w = v.swapcase()
        else:
            w = v
        if deb_valid(w):
            return w
    return v


def pairs(rng, count, make, mutate):
    out = []
    while len(out) < count:
        a = make(rng)
        b = mutate(rng, a) if rng.random() < 0.5 else make(rng)
        if rng.random() < 0.5:
            a, b = b, a
        out.append((a, b))
    return out


def gen_deb(count, seed):
    rng = random.Random(seed)

    def make(r):
        while True:
            v = deb_random(r)
            if deb_valid(v):
                return v

    return pairs(rng, count, make, deb_mutate)


# Versions dpkg reports as bad syntax (a warning or an error), which waybill
# must refuse.
DEB_INVALID = [
    "a1.0", "1.0-", ":1.0", "a:1.0", "1.0-a_b", "1_0", "1.0/2", "1.0-1-", "1:",
    "1:a", "x", "~1", "1.0-a:b", "1.0 1", "1.0-1 2", "1:-1", "1.0-@", "1é",
]


# --- SemVer (node-semver) ---

NUMS = ["0", "1", "2", "3", "9", "10", "11", "99", "100", "1000000", "9007199254740991"]
RARE_NUMS = ["01", "00", "9007199254740992", "123456789012345678901234567890"]
PRE_IDS = ["0", "1", "2", "10", "11", "99", "alpha", "beta", "rc", "a", "b", "A", "Z", "-", "--",
           "a-b", "0a", "a0", "x", "pre", "SNAPSHOT", "dev", "1a", "z9", "9007199254740991"]
RARE_PRE = ["01", "", "a$", "00"]
BUILD_IDS = ["0", "01", "build", "sha", "5114f85", "x-y", "001", "b1"]


def sv_num(rng):
    return rng.choice(RARE_NUMS) if rng.random() < 0.01 else rng.choice(NUMS[:8] if rng.random() < 0.8 else NUMS)


def sv_ids(rng, pool, rare, n):
    return ".".join(rng.choice(rare) if rng.random() < 0.01 else rng.choice(pool) for _ in range(n))


def sv_random(rng):
    v = ("v" if rng.random() < 0.05 else "") + ".".join(sv_num(rng) for _ in range(3))
    if rng.random() < 0.5:
        v += "-" + sv_ids(rng, PRE_IDS, RARE_PRE, rng.randint(1, 4))
    if rng.random() < 0.15:
        v += "+" + sv_ids(rng, BUILD_IDS, [""], rng.randint(1, 3))
    if rng.random() < 0.02:
        v = rng.choice(["1.2", "1", "=1.2.3", "1.2.3.4", "1.2.3-", "1.2.3+", "V1.2.3",
                        "1.2.3-a..b", "1.2.3_4", "", "v1.2"])
    return v


def sv_mutate(rng, v):
    main, sep, rest = v.partition("-") if "-" in v.partition("+")[0] else (v.partition("+")[0], "", "")
    kind = rng.randrange(7)
    if kind == 0:
        return v + ".0" if "-" in v else v + "-0"
    if kind == 1:
        return main
    if kind == 2:
        return v + "+build.1" if "+" not in v else v.partition("+")[0]
    if kind == 3:
        return v.replace("alpha", "beta", 1) if "alpha" in v else v + ".1"
    if kind == 4:
        parts = main.lstrip("v").split(".")
        if len(parts) == 3:
            j = rng.randrange(3)
            if parts[j].isdigit() and len(parts[j]) < 15:
                parts[j] = str(int(parts[j]) + rng.choice([-1, 1, 10]))
                if parts[j].startswith("-"):
                    parts[j] = "0"
            return ".".join(parts) + (sep + rest if sep else "")
        return v
    if kind == 5:
        return "v" + v if not v.startswith("v") else v[1:]
    return v


def gen_npm(count, seed):
    return pairs(random.Random(seed), count, sv_random, sv_mutate)


# --- PEP 440 ---

PEP_PRE = ["a", "A", "alpha", "ALPHA", "b", "beta", "c", "rc", "RC", "pre", "preview"]
PEP_POST = ["post", "POST", "rev", "r"]
PEP_SEPS = ["", "", "", ".", "-", "_"]
PEP_NUMS = ["0", "1", "2", "3", "9", "10", "11", "00", "01", "99999999999999999999"]


def pep_random(rng):
    v = ""
    if rng.random() < 0.05:
        v += rng.choice(["v", "V"])
    if rng.random() < 0.08:
        v += rng.choice(["0", "1", "2"]) + "!"
    v += ".".join(rng.choice(PEP_NUMS[:8]) for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.4:
        v += rng.choice(PEP_SEPS) + rng.choice(PEP_PRE)
        if rng.random() < 0.8:
            v += rng.choice(PEP_SEPS) + rng.choice(PEP_NUMS)
    if rng.random() < 0.25:
        if rng.random() < 0.3:
            v += "-" + rng.choice(PEP_NUMS[:6])
        else:
            v += rng.choice(PEP_SEPS) + rng.choice(PEP_POST)
            if rng.random() < 0.8:
                v += rng.choice(PEP_SEPS) + rng.choice(PEP_NUMS)
    if rng.random() < 0.25:
        v += rng.choice(PEP_SEPS) + rng.choice(["dev", "DEV"])
        if rng.random() < 0.8:
            v += rng.choice(PEP_SEPS) + rng.choice(PEP_NUMS)
    if rng.random() < 0.2:
        segs = [rng.choice(["ubuntu", "1", "0", "a", "Abc", "01", "2", "deb12u1", "x"])
                for _ in range(rng.randint(1, 3))]
        v += "+" + "".join(s + rng.choice([".", "-", "_"]) for s in segs[:-1]) + segs[-1]
    if rng.random() < 0.03:
        v = rng.choice([" ", "  ", ""]) + v + rng.choice([" ", "\n", ""]).replace("\n", " ")
    if rng.random() < 0.03:
        v = rng.choice(["", "abc", "1.0-", "1.0+", "1.0+a..b", "1.x", "1!", "1.0..1", "1.0a1a1",
                        "1.0-dev-post", "1.0.post.post", "1.0 a", "2.x.y", "1.0+-a", "-1.0"])
    return v


def pep_mutate(rng, v):
    k = rng.randrange(7)
    if k == 0:
        return v + rng.choice([".0", "a1", ".dev0", ".post0", "+local", "-1", "rc1"])
    if k == 1:
        return v.upper()
    if k == 2:
        return v.replace(".", "-", 1)
    if k == 3:
        return "0!" + v if "!" not in v else v
    if k == 4:
        return re.sub(r"(\d+)", lambda m: str(int(m.group(1)) + 1), v, count=1)
    if k == 5:
        return v.split("+")[0]
    return v


def gen_pypi(count, seed):
    return pairs(random.Random(seed), count, pep_random, pep_mutate)


def packaging_verdicts(path):
    from packaging.version import InvalidVersion, Version

    with open(path) as f:
        for line in f:
            if not line.strip("\n"):
                continue
            a, b = line.rstrip("\n").split("\t", 1)
            try:
                va, vb = Version(a), Version(b)
            except InvalidVersion:
                print("invalid")
                continue
            print("<" if va < vb else ">" if va > vb else "=")


# --- Go ---

def go_random(rng):
    v = "v" if rng.random() < 0.97 else ""
    n = rng.choice([3, 3, 3, 3, 2, 1])
    v += ".".join(sv_num(rng) for _ in range(n))
    if n == 3 and rng.random() < 0.4:
        if rng.random() < 0.5:
            v += "-" + sv_ids(rng, PRE_IDS, RARE_PRE, rng.randint(1, 3))
        else:
            v += "-" + rng.choice(["", "0."]) + "2019%04d%06d-%012x" % (
                rng.randint(101, 1231), rng.randint(0, 235959), rng.getrandbits(48))
    if rng.random() < 0.1:
        v += rng.choice(["+incompatible", "+build.1", "+", "+0"])
    return v


def gen_go(count, seed):
    return pairs(random.Random(seed), count, go_random, sv_mutate)


# --- Maven ---

MVN_QUALIFIERS = ["alpha", "beta", "a", "b", "m", "M", "rc", "RC", "cr", "CR", "milestone",
                  "SNAPSHOT", "snapshot", "ga", "GA", "final", "Final", "FINAL", "sp", "SP", "jre", "RELEASE",
                  "android", "incubating", "pre", "dev"]


def mvn_random(rng):
    num = lambda: rng.choice(["0", "1", "2", "3", "9", "10", "11", "12", "15", "20", "99", "100"])
    v = ".".join(num() for _ in range(rng.randint(1, 4)))
    r = rng.random()
    if r < 0.5:
        q = rng.choice(MVN_QUALIFIERS)
        form = rng.randrange(6)
        if form == 0:
            v += "-" + q
        elif form == 1:
            v += "-" + q + num()
        elif form == 2:
            v += "-" + q + "-" + num()
        elif form == 3:
            v += q + num()
        elif form == 4:
            v += "." + q  # 1.0.Final, 2.5.RELEASE
        else:
            v += "-" + q + "." + num()
        if rng.random() < 0.2:
            v += "-SNAPSHOT"
    elif r < 0.6:
        v += "-" + num()
    return v


def mvn_mutate(rng, v):
    k = rng.randrange(6)
    if k == 0:
        return v + ".0"
    if k == 1:
        return v + "-SNAPSHOT"
    if k == 2:
        return v.replace(".0", "", 1)
    if k == 3:
        return v.upper()
    if k == 4:
        return v + "-1"
    return v.rsplit("-", 1)[0]


def gen_maven(count, seed):
    return pairs(random.Random(seed), count, mvn_random, mvn_mutate)


# --- dpkg ---

def dpkg_verdict(pair):
    a, b = pair
    for op, verdict in (("lt", "<"), ("eq", "=")):
        p = subprocess.run(["dpkg", "--compare-versions", a, op, b], capture_output=True, text=True)
        if p.stderr:
            return "dpkg-complained: " + p.stderr.strip().replace("\n", " | ")
        if p.returncode == 0:
            return verdict
        if p.returncode != 1:
            return "dpkg-status-%d" % p.returncode
    return ">"


def main(argv):
    if len(argv) >= 2 and argv[1] == "deb" and len(argv) == 4:
        out = gen_deb(int(argv[2]), int(argv[3]))
    elif len(argv) >= 2 and argv[1] == "npm" and len(argv) == 4:
        out = gen_npm(int(argv[2]), int(argv[3]))
    elif len(argv) == 4 and argv[1] in ("pypi", "go", "maven"):
        out = {"pypi": gen_pypi, "go": gen_go, "maven": gen_maven}[argv[1]](int(argv[2]), int(argv[3]))
    elif len(argv) == 3 and argv[1] == "packaging":
        packaging_verdicts(argv[2])
        return 0
    elif argv[1:] == ["deb-invalid"]:
        for v in DEB_INVALID:
            print(v)
        return 0
    elif len(argv) == 4 and argv[1] == "dpkg":
        with open(argv[2]) as f:
            todo = [tuple(line.rstrip("\n").split("\t", 1)) for line in f if line.strip()]
        with concurrent.futures.ThreadPoolExecutor(max_workers=int(argv[3])) as pool:
            for verdict in pool.map(dpkg_verdict, todo, chunksize=64):
                print(verdict)
        return 0
    else:
        sys.stderr.write(__doc__)
        return 2
    for a, b in out:
        print("%s\t%s" % (a, b))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
