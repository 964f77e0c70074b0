#!/usr/bin/python3
"""Client-visible availability probe for the HA tests.

  ha_probe.py --addr 192.0.2.10 --port 53 --interval 0.05 --timeout 0.2 --out FILE
      every INTERVAL s a NEW UDP socket (a new flow) sends one datagram and
      waits up to TIMEOUT s for the echo; one line per probe is appended to
      FILE: "SEND_EPOCH SEQ ok NAME" or "SEND_EPOCH SEQ fail -". Runs until
      SIGTERM / SIGINT.
  ha_probe.py --gap EPOCH --out FILE
      prints {"gap_ms": G, "failed": F, "last_ok_before": T1, "first_ok_after": T2}:
      G is the time from the last answered probe sent before EPOCH to the
      first answered probe sent after it (the client-visible outage around
      EPOCH, at the probe's resolution), F the probes lost in between.
"""

import argparse
import json
import signal
import socket
import sys
import time


def run(args) -> int:
    stop = False

    def on_signal(_sig, _frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    seq = 0
    nxt = time.monotonic()
    with open(args.out, "a", buffering=1) as out:
        while not stop:
            t = time.time()
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(args.timeout)
            payload = f"probe-{seq}".encode()
            result = "fail -"
            try:
                s.sendto(payload, (args.addr, args.port))
                deadline = time.monotonic() + args.timeout
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    s.settimeout(left)
                    data, _peer = s.recvfrom(2048)
                    name, _, echoed = data.partition(b" ")
                    if echoed == payload:
                        result = "ok " + name.decode(errors="replace")
                        break
            except (OSError, socket.timeout):
                pass
            finally:
                s.close()
            out.write(f"{t:.6f} {seq} {result}\n")
            seq += 1
            nxt += args.interval
            pause = nxt - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            else:
                nxt = time.monotonic()
    return 0


def gap(args) -> int:
    at = float(args.gap)
    before = after = None
    failed = 0
    with open(args.out) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            t, ok = float(parts[0]), parts[2] == "ok"
            if t < at:
                if ok:
                    before, failed = t, 0
                else:
                    failed += 1
            elif after is None:
                if ok:
                    after = t
                else:
                    failed += 1
    res = {"gap_ms": None, "failed": failed, "last_ok_before": before, "first_ok_after": after}
    if before is not None and after is not None:
        res["gap_ms"] = round((after - before) * 1000)
    print(json.dumps(res))
    return 0 if res["gap_ms"] is not None else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--interval", type=float, default=0.05)
    ap.add_argument("--timeout", type=float, default=0.2)
    ap.add_argument("--out", required=True)
    ap.add_argument("--gap")
    args = ap.parse_args()
    if args.gap is not None:
        return gap(args)
    if not args.addr:
        ap.error("--addr is required")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
