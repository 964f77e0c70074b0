#!/usr/bin/python3
"""Many UDP flows, one per client source port, each checked by its echo.

  udp_flows.py --addr 192.0.2.10 --port 53 --src 10.0.1.2 --first-port 20000 \
      --count 10000 --map FILE
      from each source port FIRST..FIRST+COUNT-1 (a socket bound to SRC:port)
      one datagram; the echo (b"NAME payload", rs_server.py) names the real
      server. Sockets go in batches (--batch); unanswered datagrams are sent
      again (--retries) on the same socket, so the flow stays the same.
      Writes "PORT NAME" per answered flow to FILE.
  ... --check FILE
      the same, but each answer must come from the server FILE names for
      that port (the flow kept its real server).
Prints {"ok":N,"failed":N,"by_server":{...},"same":N,"moved":N,"elapsed_s":S}
("same"/"moved" with --check). Exit status 0 when every flow was answered
(and, with --check, none moved).
"""

import argparse
import json
import select
import socket
import sys
import time


def run_batch(ports, args, names):
    socks = {}
    for p in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((args.src, p))
        s.setblocking(False)
        socks[s.fileno()] = (s, p)
    pending = dict(socks)
    try:
        for _attempt in range(args.retries + 1):
            for s, p in pending.values():
                try:
                    s.sendto(f"flow-{p}".encode(), (args.addr, args.port))
                except OSError:
                    pass
                if args.pace:
                    time.sleep(args.pace)
            deadline = time.monotonic() + args.timeout
            while pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                ready, _, _ = select.select(list(pending), [], [], left)
                for fd in ready:
                    s, p = pending[fd]
                    try:
                        data, peer = s.recvfrom(2048)
                    except OSError:
                        continue
                    name, _, echoed = data.partition(b" ")
                    if peer == (args.addr, args.port) and echoed == f"flow-{p}".encode():
                        names[p] = name.decode(errors="replace")
                        del pending[fd]
            if not pending:
                break
    finally:
        for s, _p in socks.values():
            s.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--src", default="0.0.0.0")
    ap.add_argument("--first-port", type=int, default=20000)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=1.0, help="per attempt of a batch, s")
    ap.add_argument("--retries", type=int, default=3)
    ap.add_argument("--pace", type=float, default=0.0, help="sleep between sends, s")
    ap.add_argument("--map", help="write PORT NAME lines here")
    ap.add_argument("--check", help="expect the servers of this PORT NAME file")
    args = ap.parse_args()

    start = time.monotonic()
    ports = list(range(args.first_port, args.first_port + args.count))
    names: dict[int, str] = {}
    for i in range(0, len(ports), args.batch):
        run_batch(ports[i:i + args.batch], args, names)

    by_server: dict[str, int] = {}
    for n in names.values():
        by_server[n] = by_server.get(n, 0) + 1
    res = {"ok": len(names), "failed": len(ports) - len(names),
           "by_server": dict(sorted(by_server.items()))}
    ok = res["failed"] == 0
    if args.map:
        with open(args.map, "w") as f:
            for p in ports:
                if p in names:
                    f.write(f"{p} {names[p]}\n")
    if args.check:
        want = {}
        with open(args.check) as f:
            for line in f:
                p, n = line.split()
                want[int(p)] = n
        same = sum(1 for p, n in names.items() if want.get(p) == n)
        moved = [p for p, n in names.items() if p in want and want[p] != n]
        res["same"] = same
        res["moved"] = len(moved)
        res["moved_examples"] = [f"{p}: {want[p]} -> {names[p]}" for p in moved[:5]]
        ok = ok and not moved
    res["elapsed_s"] = round(time.monotonic() - start, 3)
    print(json.dumps(res))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
