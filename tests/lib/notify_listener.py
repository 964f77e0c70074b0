#!/usr/bin/env python3
"""A NOTIFY_SOCKET for a daemon under test, as systemd would hold it.

Binds a datagram socket (NAME with a leading '@' is an abstract name, as
systemd may give) and writes every datagram it receives as one JSON line:
{"t": CLOCK_MONOTONIC seconds, "fields": {"READY": "1", ...}}. With --probe
COMMAND, the first READY=1 runs COMMAND (a shell line) at once and adds
"probe": {"rc", "out", "seconds"} to that line: what a client sees the
moment the daemon says it is ready. Ends on SIGTERM or after --lifetime s.

usage: notify_listener.py --socket @NAME --out FILE [--probe COMMAND]
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--probe")
    ap.add_argument("--lifetime", type=float, default=300)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    address = "\0" + args.socket[1:] if args.socket.startswith("@") else args.socket
    sock.bind(address)
    sock.settimeout(0.5)
    print("listening", flush=True)
    probed = False
    deadline = time.monotonic() + args.lifetime
    with open(args.out, "a", buffering=1) as out:
        while time.monotonic() < deadline:
            try:
                data = sock.recv(4096)
            except socket.timeout:
                continue
            entry = {"t": time.clock_gettime(time.CLOCK_MONOTONIC), "fields": {}}
            for line in data.decode(errors="replace").split("\n"):
                key, _, value = line.partition("=")
                if key:
                    entry["fields"][key] = value
            if args.probe and not probed and entry["fields"].get("READY") == "1":
                probed = True
                start = time.monotonic()
                p = subprocess.run(args.probe, shell=True, capture_output=True, text=True)
                entry["probe"] = {"rc": p.returncode, "out": p.stdout.strip(),
                                  "seconds": round(time.monotonic() - start, 3)}
            out.write(json.dumps(entry) + "\n")


if __name__ == "__main__":
    main()
