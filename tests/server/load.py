#!/usr/bin/python3
"""load.py: a quick submission load for waybilld (docs/server.md).

    load.py HOST PORT TOKEN CONNECTIONS SECONDS ENVELOPE...

Keeps CONNECTIONS keep-alive connections each posting the ENVELOPEs in turn
to /v1/entries for SECONDS, then prints the rate, the statuses and the
latency percentiles. A measuring aid, not a test (asyncio, one core: on a
small machine it competes with the server for the CPU).
"""
host, port, token, conc, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
envs = [open(p, 'rb').read() for p in sys.argv[6:]]
lat = []; statuses = {}
async def worker(k):
    r, w = await asyncio.open_connection(host, port)
    i = k
    end = time.time() + seconds
    while time.time() < end:
        body = envs[i % len(envs)]; i += 1
        req = (b"POST /v1/entries HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode() +
               b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        t = time.perf_counter()
        w.write(req)
        head = await r.readuntil(b"\r\n\r\n")
        st = int(head[9:12])
        n = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        await r.readexactly(n)
        lat.append(time.perf_counter() - t)
        statuses[st] = statuses.get(st, 0) + 1
        if b"close" in head.lower():
            w.close(); r, w = await asyncio.open_connection(host, port)
    w.close()
async def main():
    t = time.time()
    await asyncio.gather(*[worker(k) for k in range(conc)])
    el = time.time() - t
    lat.sort()
    print("requests %d in %.1fs: %.0f/s; statuses %s; p50 %.1f ms p99 %.1f ms max %.1f ms" % (
        len(lat), el, len(lat) / el, statuses, lat[len(lat)//2]*1e3, lat[int(len(lat)*0.99)]*1e3, lat[-1]*1e3))
asyncio.run(main())
