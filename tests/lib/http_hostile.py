#!/usr/bin/python3
"""Hostile clients against one HTTP listener; prints what happened as JSON.

  http_hostile.py --host 127.0.0.1 --port 9110 --connections 1000 --seconds 6

First 20 oversized headers (64 KiB: the statuses the server answers) and
20 malformed requests (garbage, bad versions, a body, a huge target: the
statuses), then at once --connections idle connections (each counted
"closed" if the server closes it within --seconds, else "held") and 20
slowloris clients (a header line every 200 ms, never the end: how long
until the server closes each). Every wait is bounded by --seconds.
"""

import argparse
import asyncio
import json
import resource
import time

MALFORMED = [
    b"\x00\x01\x02\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET /metrics HTTP/9.9\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789",
    b"GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"GET " + b"/" * 20000 + b" HTTP/1.1\r\n\r\n",
    b"DELETE /metrics HTTP/1.1\r\n\r\n",
    b"GET /../../etc/passwd HTTP/1.1\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nHost: a\r\nHost\r\n\r\n",
    b"\r\n\r\n\r\n",
]


async def status_of(host, port, payload, seconds):
    """The status code answered to payload, 0 if closed without one."""
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(host, port), seconds)
        w.write(payload)
        await w.drain()
        line = await asyncio.wait_for(r.readline(), seconds)
        w.close()
        parts = line.split()
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    except (OSError, asyncio.TimeoutError, ValueError):
        return 0


async def slowloris(host, port, seconds):
    """Seconds until the server closed a never-ending header; None if it did not."""
    start = time.monotonic()
    try:
        r, w = await asyncio.open_connection(host, port)
        w.write(b"GET /metrics HTTP/1.1\r\n")
        while time.monotonic() - start < seconds:
            w.write(b"X-Slow: 1\r\n")
            await w.drain()
            try:
                data = await asyncio.wait_for(r.read(100), 0.2)
            except asyncio.TimeoutError:
                continue
            if not data or b"HTTP/1.1" in data:
                return round(time.monotonic() - start, 2)
        w.close()
        return None
    except OSError:
        return round(time.monotonic() - start, 2)


async def idle(host, port, seconds):
    """"closed" if the server closed the connection within seconds, else "held"."""
    try:
        r, w = await asyncio.open_connection(host, port)
    except OSError:
        return "refused"
    try:
        data = await asyncio.wait_for(r.read(1), seconds)
        return "closed" if not data else "answered"
    except asyncio.TimeoutError:
        return "held"
    except OSError:
        return "closed"
    finally:
        w.close()


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=6.0)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, a.connections + 500)), hard))
    big = b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n"
    # First the bad requests alone (so each gets a session and an answer),
    # then the flood of idle connections with the slowloris among them.
    big_r = await asyncio.gather(*[status_of(a.host, a.port, big, a.seconds) for _ in range(20)])
    bad_r = await asyncio.gather(*[status_of(a.host, a.port, m, a.seconds) for m in MALFORMED * 2])
    slow_tasks = [slowloris(a.host, a.port, a.seconds) for _ in range(20)]
    idle_tasks = [idle(a.host, a.port, a.seconds) for _ in range(a.connections)]
    results = await asyncio.gather(*slow_tasks, *idle_tasks)
    slow_r, idle_r = results[:20], results[20:]
    print(json.dumps({
        "idle": {k: idle_r.count(k) for k in ("held", "closed", "refused", "answered")},
        "slowloris_closed_after_s": slow_r,
        "oversized_status": sorted(set(big_r)),
        "malformed_status": sorted(set(bad_r)),
    }))


asyncio.run(main())
