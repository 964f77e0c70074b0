#!/usr/bin/python3
"""Check the DR/TUN paths of the `direct` topology without dvsd.

Plays the balancer's part with scapy: from the balancer's namespace it sends
on its "lan" veth exactly what dvsd sends for one client UDP datagram, and
from the client's namespace it waits for the real server's answer, which must
come from VIP:PORT straight back (through the gw, not the balancer):

  dr:  Ether(dst=RS MAC) / IP(client -> VIP) / UDP / payload
  tun: Ether(dst=RS MAC) / IP(10.0.0.1 -> RS, proto 4, TTL 64, DF of inner)
                         / IP(client -> VIP) / UDP / payload
       --frag: inner without DF and large enough that the outer packet is
       cut into fragments at --mtu (as dvsd does without DF)

  direct_probe.py --lb-ns P-lb --client-ns P-cl --mode tun --rs-mac MAC \\
      --rs-ip 10.0.0.13 --vip 192.0.2.30 --port 5353 [--size N] [--frag]

Prints {"ok":bool,"reply_from":"ip:port","reply":"...","error":...}; exit 0
when the answer came from VIP:PORT and echoed the payload. Needs root and
/usr/bin/python3 with python3-scapy.
"""

import argparse
import ctypes
import json
import os
import socket
import sys

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def enter_netns(name: str) -> None:
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {name}: {os.strerror(err)}")
    finally:
        os.close(fd)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lb-ns", required=True)
    ap.add_argument("--client-ns", required=True)
    ap.add_argument("--mode", choices=["dr", "tun"], required=True)
    ap.add_argument("--rs-mac", required=True)
    ap.add_argument("--rs-ip", required=True)
    ap.add_argument("--vip", required=True)
    ap.add_argument("--port", type=int, default=5353)
    ap.add_argument("--client-ip", default="10.0.1.2")
    ap.add_argument("--lb-ip", default="10.0.0.1")
    ap.add_argument("--lb-if", default="lan")
    ap.add_argument("--size", type=int, default=32, help="UDP payload bytes")
    ap.add_argument("--frag", action="store_true", help="tun: fragment the outer packet")
    ap.add_argument("--mtu", type=int, default=1500)
    ap.add_argument("--timeout", type=float, default=3.0)
    args = ap.parse_args()

    result = {"ok": False, "mode": args.mode, "frag": args.frag, "size": args.size}
    payload = f"probe-{args.mode}-{os.getpid()}-".encode()
    payload += b"x" * max(0, args.size - len(payload))

    enter_netns(args.client_ns)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((args.client_ip, 0))
    sock.settimeout(args.timeout)
    sport = sock.getsockname()[1]

    enter_netns(args.lb_ns)
    # Import after setns so scapy's interface list is the balancer's.
    from scapy.all import IP, UDP, Ether, conf, fragment, get_if_hwaddr, sendp  # noqa: E402
    conf.verb = 0
    src_mac = get_if_hwaddr(args.lb_if)  # ioctl: /sys still shows the old namespace
    inner = IP(src=args.client_ip, dst=args.vip, ttl=63,
               flags=0 if args.frag else "DF") / UDP(sport=sport, dport=args.port) / payload
    inner = IP(bytes(inner))  # fix lengths and checksums
    eth = Ether(src=src_mac, dst=args.rs_mac)
    if args.mode == "dr":
        frames = [eth / inner]
    else:
        outer = IP(src=args.lb_ip, dst=args.rs_ip, proto=4, ttl=64,
                   flags=0 if args.frag else "DF", id=0x4242) / inner
        outer = IP(bytes(outer))
        if args.frag:
            pieces = fragment(outer, fragsize=(args.mtu - 20) & ~7)
            result["fragments"] = len(pieces)
            frames = [eth / p for p in pieces]
        else:
            frames = [eth / outer]
    result["sent_bytes"] = [len(bytes(f)) - 14 for f in frames]
    sendp(frames, iface=args.lb_if)

    try:
        data, peer = sock.recvfrom(65535)
        result["reply_from"] = f"{peer[0]}:{peer[1]}"
        name, _, echoed = data.partition(b" ")
        result["reply"] = name.decode(errors="replace") + f" (+{len(echoed)} bytes)"
        result["ok"] = peer == (args.vip, args.port) and echoed == payload
        if not result["ok"]:
            result["error"] = "answer not from VIP:PORT or payload differs"
    except socket.timeout:
        result["error"] = f"no answer within {args.timeout}s"
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
