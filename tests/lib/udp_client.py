#!/usr/bin/python3
"""Send N UDP datagrams, each from a NEW socket (new source port, so a new
flow for the balancer), and check every answer.

  udp_client.py --addr 192.0.2.10 --port 53 --count 30 --timeout 2

An answer must come from exactly ADDR:PORT and read b"NAME " + payload.
ADDR may be IPv6 (written as the server answers from it, e.g. 2001:db8::80).
--size N pads every payload to N bytes (--random: with bytes that differ
from datagram to datagram and along it, so a misplaced fragment shows);
--no-df sends without the DF bit
(IP_PMTUDISC_DONT), so a too-big packet may be fragmented on the way.
Prints {"ok":N,"failed":N,"by_server":{"rs1":N,...},"errors":[...],
        "replies":[first few "NAME payload" strings]}
"""

import argparse
import json
import random
import socket
import sys
import time

IP_MTU_DISCOVER = getattr(socket, "IP_MTU_DISCOVER", 10)  # Linux values
IP_PMTUDISC_DONT = getattr(socket, "IP_PMTUDISC_DONT", 0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=2.0, help="per datagram, seconds")
    ap.add_argument("--retries", type=int, default=1,
                    help="resend on the same socket this many times on timeout")
    ap.add_argument("--show", type=int, default=5, help="replies to include")
    ap.add_argument("--max-errors", type=int, default=5)
    ap.add_argument("--size", type=int, default=0, help="pad each payload to this many bytes")
    ap.add_argument("--no-df", action="store_true", help="send without DF (IP_PMTUDISC_DONT)")
    ap.add_argument("--random", action="store_true", help="pad with pseudo-random bytes")
    args = ap.parse_args()

    ok = failed = 0
    by_server: dict[str, int] = {}
    errors: list[str] = []
    replies: list[str] = []
    start = time.monotonic()

    for i in range(args.count):
        payload = f"ping-{i}".encode()
        if len(payload) < args.size:
            pad = args.size - len(payload)
            payload += random.Random(i).randbytes(pad) if args.random else b"." * pad
        s = socket.socket(socket.AF_INET6 if ":" in args.addr else socket.AF_INET,
                          socket.SOCK_DGRAM)
        if args.no_df:
            s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
        s.settimeout(args.timeout)
        err = None
        try:
            for _attempt in range(args.retries + 1):
                s.sendto(payload, (args.addr, args.port))
                try:
                    data, peer = s.recvfrom(65535)
                except socket.timeout:
                    err = f"datagram {i}: no answer within {args.timeout}s"
                    continue
                if peer[:2] != (args.addr, args.port):  # IPv6 adds flow info and scope
                    err = f"datagram {i}: answer from {peer[0]}:{peer[1]}, expected {args.addr}:{args.port}"
                    break
                name, sep, echoed = data.partition(b" ")
                if not sep or echoed != payload:
                    err = f"datagram {i}: unexpected answer {data[:60]!r}"
                    break
                err = None
                by_server[name.decode(errors="replace")] = by_server.get(name.decode(errors="replace"), 0) + 1
                if len(replies) < args.show:
                    text = data.decode(errors="replace")
                    if len(text) > 80:
                        text = f"{text[:60]}... ({len(data)} bytes)"
                    replies.append(f"{peer[0]}:{peer[1]} -> {text}")
                break
        except OSError as e:
            err = f"datagram {i}: {type(e).__name__}: {e}"
        finally:
            s.close()
        if err is None:
            ok += 1
        else:
            failed += 1
            if len(errors) < args.max_errors:
                errors.append(err)

    print(json.dumps({
        "ok": ok,
        "failed": failed,
        "by_server": dict(sorted(by_server.items())),
        "errors": errors,
        "replies": replies,
        "elapsed_s": round(time.monotonic() - start, 3),
    }))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
