#!/usr/bin/python3
"""Build the benchmark tree: 20,000 files of mixed sizes, about 1 GiB, from a
fixed seed, so every run and every machine hashes the same bytes.

Sizes: 70% small (256 B - 16 KiB), 25% medium (16 KiB - 256 KiB), 5% large
(256 KiB - 8 MiB), then scaled so the total is close to the target. Files
are spread over nested directories (20 top-level, 10 below each) like a real
software tree. Contents come from a seeded PRNG: incompressible, so neither
the page cache nor a filesystem can shortcut them.
"""
import os
import random
import sys

def main():
    root = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    target = int(sys.argv[3]) if len(sys.argv) > 3 else 1 << 30
    rng = random.Random(20261123)
    sizes = []
    for _ in range(count):
        r = rng.random()
        if r < 0.70:
            sizes.append(rng.randint(256, 16 << 10))
        elif r < 0.95:
            sizes.append(rng.randint(16 << 10, 256 << 10))
        else:
            sizes.append(rng.randint(256 << 10, 8 << 20))
    scale = target / sum(sizes)
    sizes = [max(1, int(s * scale)) for s in sizes]
    block = rng.randbytes(16 << 20)
    stamp = root.rstrip("/") + ".complete"
    if os.path.exists(stamp):
        return
    for i, size in enumerate(sizes):
        d = os.path.join(root, "d%02d" % (i % 20), "s%d" % (i // 20 % 10))
        os.makedirs(d, exist_ok=True)
        off = rng.randrange(0, len(block) - 1)
        with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
            left = size
            # a per-file header keeps files distinct even when slices repeat
            f.write(i.to_bytes(8, "little"))
            left -= min(left, 8)
            while left > 0:
                chunk = block[off:off + left]
                f.write(chunk)
                left -= len(chunk)
                off = 0
    open(stamp, "w").close()
    print("%d files, %d bytes" % (count, sum(sizes)))

if __name__ == "__main__":
    main()
