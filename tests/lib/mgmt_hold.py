#!/usr/bin/python3
"""Hold many sessions open on dvsd's management socket (issue 20).

  mgmt_hold.py --socket /run/dvs/x.sock --held 1100 --half 1000 \
      --line-bytes 60000 --seconds 30 [--reconnect]

--held sessions connect and send nothing; --half sessions send LINE_BYTES
of a request without its newline. With --reconnect a session the server
closes is opened again at once (an attacker that keeps the pressure on).
Runs SECONDS, then prints {"opened":N,"closed_by_server":N,"open_at_end":N,
"connect_errors":N}.
"""

import argparse
import json
import resource
import selectors
import socket
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", required=True)
    ap.add_argument("--held", type=int, default=1100)
    ap.add_argument("--half", type=int, default=1000)
    ap.add_argument("--line-bytes", type=int, default=60000)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--reconnect", action="store_true")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.held + args.half + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(want, hard), max(want, hard)))
    partial = b'{"v":1,"op":"status","pad":"' + b"x" * max(0, args.line_bytes - 30)
    sel = selectors.DefaultSelector()
    stats = {"opened": 0, "closed_by_server": 0, "connect_errors": 0}

    def open_one(kind: str) -> None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(args.socket)
            if kind == "half":
                s.setblocking(False)
                try:
                    s.send(partial)
                except BlockingIOError:
                    pass
            s.setblocking(False)
        except OSError:
            stats["connect_errors"] += 1
            s.close()
            return
        stats["opened"] += 1
        sel.register(s, selectors.EVENT_READ, kind)

    for _ in range(args.held):
        open_one("held")
    for _ in range(args.half):
        open_one("half")
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if data:
                continue  # an error line before the close
            sel.unregister(s)
            s.close()
            stats["closed_by_server"] += 1
            if args.reconnect:
                open_one(key.data)
    stats["open_at_end"] = len(sel.get_map())
    print(json.dumps(stats), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
