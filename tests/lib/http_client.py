#!/usr/bin/python3
"""Make N HTTP GET requests, each on a NEW TCP connection, and report as JSON.

  http_client.py --url http://192.0.2.10/whoami --count 300 --timeout 5

Prints {"ok":N,"failed":N,"by_server":{"rs1":N,...},"errors":[first few],
        "elapsed_s":S}
The body of each answer (stripped) is the server name. Every request has its
own timeout and the whole run a deadline (--deadline), after which the
remaining requests are counted as failed, so the run is always bounded.
"""

import argparse
import http.client
import json
import socket
import sys
import time
import urllib.parse


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=5.0, help="per request, seconds")
    ap.add_argument("--deadline", type=float, default=120.0, help="whole run, seconds")
    ap.add_argument("--max-errors", type=int, default=5)
    args = ap.parse_args()

    url = urllib.parse.urlsplit(args.url)
    if url.scheme != "http" or not url.hostname:
        print(f"unsupported url: {args.url}", file=sys.stderr)
        return 2
    host, port = url.hostname, url.port or 80
    path = url.path or "/"
    if url.query:
        path += "?" + url.query

    ok = failed = 0
    by_server: dict[str, int] = {}
    errors: list[str] = []
    start = time.monotonic()

    for i in range(args.count):
        left = args.deadline - (time.monotonic() - start)
        if left <= 0:
            failed += args.count - i
            errors.append(f"deadline of {args.deadline}s reached after {i} requests")
            break
        conn = http.client.HTTPConnection(host, port, timeout=min(args.timeout, left))
        try:
            conn.request("GET", path, headers={"Connection": "close"})
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}")
            name = body.decode(errors="replace").strip()
            by_server[name] = by_server.get(name, 0) + 1
            ok += 1
        except (OSError, http.client.HTTPException, RuntimeError, socket.timeout) as e:
            failed += 1
            if len(errors) < args.max_errors:
                errors.append(f"request {i}: {type(e).__name__}: {e}")
        finally:
            conn.close()

    result = {
        "ok": ok,
        "failed": failed,
        "by_server": dict(sorted(by_server.items())),
        "errors": errors,
        "elapsed_s": round(time.monotonic() - start, 3),
    }
    print(json.dumps(result))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
