#!/usr/bin/python3
"""Send UDP datagrams to ADDR:PORT as fast as one socket can for SECONDS.

  udp_flood.py --addr 10.0.1.1 --port 9999 --seconds 2

Prints {"sent":N,"seconds":S}. Answers (ICMP port unreachable) are ignored.
"""

import argparse
import json
import socket
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--size", type=int, default=64)
    args = ap.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    payload = b"x" * args.size
    sent = 0
    start = time.monotonic()
    end = start + args.seconds
    while time.monotonic() < end:
        for _ in range(100):
            try:
                s.sendto(payload, (args.addr, args.port))
                sent += 1
            except OSError:
                pass  # ECONNREFUSED from an earlier port unreachable, or a full queue
    print(json.dumps({"sent": sent, "seconds": round(time.monotonic() - start, 3)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
