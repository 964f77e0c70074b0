#!/usr/bin/python3
"""Userspace IP-in-IP decapsulator for a TUN real server in DVS tests.

The test kernel has no ipip module, so a real server behind a `forward: tun`
balancer cannot decapsulate in the kernel. This does it in userspace:

  raw socket (AF_INET, SOCK_RAW, protocol 4)   <- outer IPv4, protocol 4
      strip the outer header (checked: version 4, protocol 4, ihl >= 5,
      lengths consistent; the kernel has already reassembled fragments)
  tun device (IFF_TUN | IFF_NO_PI, default tunl-dvs, brought up)
      -> the inner packet enters the stack on that device, is for the VIP
         on lo and is delivered locally; the answer leaves by the routing
         table (straight to the client, not through the balancer).

  ipip_decap.py [--dev tunl-dvs] [--allow-src 10.0.0.1] [--stats-every 0] [--ipv6]

With --ipv6 it is IPv6-in-IPv6 (RFC 2473; the kernel has no ip6tnl either):
a raw AF_INET6 socket for next header 41, which the kernel hands the outer
payload (the inner IPv6 packet, checked: version 6, payload length within
what arrived) with the outer source as the peer address and the outer hop
limit and traffic class as ancillary data; IPv6 is turned on on the device.
Its counts: outer_ttl holds the outer hop limits, tclass_mismatch the
packets whose outer traffic class differs from the inner one (the DF counts
stay 0).

Prints "ipip_decap ready dev=NAME" once the device is up, and a counts line
on SIGTERM/SIGINT (and every --stats-every seconds if > 0), then exits 0.
Counts: rx (protocol-4 packets read), decap (inner packets written to the
device), bad_outer, bad_inner, foreign_src (rejected by --allow-src),
write_err, tun_out (packets the kernel sent into the device: drained and
ignored); and what the accepted outer headers looked like: outer_src and
outer_ttl ({value: packets}), outer_df / outer_no_df, df_mismatch (outer DF
differs from the inner DF). The device disappears with the process.
Run with /usr/bin/python3 (standard library only), as root, inside the real
server's network namespace.
"""

import argparse
import fcntl
import ipaddress
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
IPPROTO_IPIP = 4
IPPROTO_IPV6 = 41

running = True


def on_signal(_signo, _frame):
    global running
    running = False


def open_tun(name: str) -> tuple[int, str]:
    if not os.path.exists("/dev/net/tun"):
        os.makedirs("/dev/net", exist_ok=True)
        os.mknod("/dev/net/tun", 0o666 | 0o020000, os.makedev(10, 200))
    fd = os.open("/dev/net/tun", os.O_RDWR)
    ifr = struct.pack("16sH22x", name.encode(), IFF_TUN | IFF_NO_PI)
    res = fcntl.ioctl(fd, TUNSETIFF, ifr)
    real = res[:16].rstrip(b"\0").decode()
    os.set_blocking(fd, False)
    return fd, real


def link_up(name: str) -> None:
    for ip in ("ip", "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"):
        try:
            subprocess.run([ip, "link", "set", "dev", name, "up"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            return
        except FileNotFoundError:
            continue
    raise RuntimeError("the ip command was not found")


def set_sysctl(dev: str, key: str, value: str, family: str = "ipv4") -> None:
    try:
        with open(f"/proc/sys/net/{family}/conf/{dev}/{key}", "w") as f:
            f.write(value)
    except OSError as e:
        print(f"ipip_decap: could not set {dev}.{key}={value}: {e}", file=sys.stderr, flush=True)


def check_outer(pkt: bytes) -> tuple[int, str]:
    """Return (inner offset, '') or (0, reason)."""
    if len(pkt) < 20:
        return 0, "short outer header"
    ver, ihl = pkt[0] >> 4, pkt[0] & 0x0F
    if ver != 4:
        return 0, f"outer version {ver}"
    if ihl < 5 or ihl * 4 > len(pkt):
        return 0, f"outer ihl {ihl}"
    if pkt[9] != IPPROTO_IPIP:
        return 0, f"outer protocol {pkt[9]}"
    total = struct.unpack_from("!H", pkt, 2)[0]
    # Linux hands raw sockets the (reassembled) header in network order.
    if total < ihl * 4 or total > len(pkt):
        return 0, f"outer total length {total}, {len(pkt)} bytes received"
    return ihl * 4, ""


def check_inner6(inner: bytes) -> str:
    if len(inner) < 40:
        return "short inner IPv6 packet"
    if inner[0] >> 4 != 6:
        return f"inner version {inner[0] >> 4}"
    plen = struct.unpack_from("!H", inner, 4)[0]
    if 40 + plen > len(inner):
        return f"inner payload length {plen} / {len(inner)} bytes"
    return ""


def tclass_of(ip6: bytes) -> int:
    return (struct.unpack_from("!I", ip6, 0)[0] >> 20) & 0xFF


def check_inner(inner: bytes) -> str:
    if len(inner) < 20:
        return "short inner packet"
    if inner[0] >> 4 != 4:
        return f"inner version {inner[0] >> 4}"
    ihl = inner[0] & 0x0F
    total = struct.unpack_from("!H", inner, 2)[0]
    if ihl < 5 or total < ihl * 4 or total > len(inner):
        return f"inner ihl {ihl} / total length {total} / {len(inner)} bytes"
    return ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", default="tunl-dvs", help="tun device name (max 15 chars)")
    ap.add_argument("--allow-src", action="append", default=[],
                    help="accept outer packets only from these addresses (repeatable)")
    ap.add_argument("--stats-every", type=float, default=0.0)
    ap.add_argument("--log-errors", type=int, default=10, help="log the first N rejects")
    ap.add_argument("--ipv6", action="store_true", help="IPv6-in-IPv6 (next header 41)")
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    allow = {ipaddress.ip_address(a).packed for a in args.allow_src}

    tun_fd, dev = open_tun(args.dev)
    if args.ipv6:
        set_sysctl(dev, "disable_ipv6", "0", "ipv6")
        set_sysctl(dev, "accept_dad", "0", "ipv6")
    link_up(dev)
    # The inner packet arrives on this device but the route back to the
    # client is another one: no reverse-path filtering here.
    set_sysctl(dev, "rp_filter", "0")
    set_sysctl(dev, "accept_local", "1")

    if args.ipv6:
        raw = socket.socket(socket.AF_INET6, socket.SOCK_RAW, IPPROTO_IPV6)
        raw.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
        raw.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVTCLASS, 1)
    else:
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_IPIP)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    raw.setblocking(False)

    counts = {"rx": 0, "decap": 0, "bad_outer": 0, "bad_inner": 0, "foreign_src": 0,
              "write_err": 0, "tun_out": 0, "outer_df": 0, "outer_no_df": 0,
              "df_mismatch": 0, "tclass_mismatch": 0, "outer_src": {}, "outer_ttl": {}}
    logged = 0

    def reject(kind: str, why: str) -> None:
        nonlocal logged
        counts[kind] += 1
        if logged < args.log_errors:
            logged += 1
            print(f"ipip_decap: dropped ({kind}): {why}", file=sys.stderr, flush=True)

    def decap6(inner: bytes, anc: list, peer: tuple) -> None:
        src = ipaddress.IPv6Address(peer[0].split("%")[0])
        if allow and src.packed not in allow:
            reject("foreign_src", f"outer source {src}")
            return
        why = check_inner6(inner)
        if why:
            reject("bad_inner", why)
            return
        hlim, tclass = None, None
        for level, kind, data in anc:
            if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_HOPLIMIT:
                hlim = struct.unpack("i", data[:4])[0]
            elif level == socket.IPPROTO_IPV6 and kind == socket.IPV6_TCLASS:
                tclass = struct.unpack("i", data[:4])[0]
        counts["outer_src"][str(src)] = counts["outer_src"].get(str(src), 0) + 1
        counts["outer_ttl"][str(hlim)] = counts["outer_ttl"].get(str(hlim), 0) + 1
        if tclass is not None and tclass != tclass_of(inner):
            counts["tclass_mismatch"] += 1
        total = 40 + struct.unpack_from("!H", inner, 4)[0]
        try:
            os.write(tun_fd, inner[:total])
            counts["decap"] += 1
        except OSError as e:
            reject("write_err", f"write to {dev}: {e}")

    print(f"ipip_decap ready dev={dev} pid={os.getpid()}", file=sys.stderr, flush=True)
    next_stats = time.monotonic() + args.stats_every if args.stats_every > 0 else None

    while running:
        try:
            readable, _, _ = select.select([raw, tun_fd], [], [], 0.2)
        except InterruptedError:
            continue
        if raw in readable:
            for _ in range(256):
                if args.ipv6:
                    try:
                        inner, anc, _flags, peer = raw.recvmsg(65535, 256)
                    except (BlockingIOError, InterruptedError):
                        break
                    counts["rx"] += 1
                    decap6(inner, anc, peer)
                    continue
                try:
                    pkt = raw.recv(65535)
                except (BlockingIOError, InterruptedError):
                    break
                counts["rx"] += 1
                off, why = check_outer(pkt)
                if not off:
                    reject("bad_outer", why)
                    continue
                if allow and pkt[12:16] not in allow:
                    reject("foreign_src", f"outer source {socket.inet_ntoa(pkt[12:16])}")
                    continue
                inner = pkt[off:struct.unpack_from("!H", pkt, 2)[0]]
                why = check_inner(inner)
                if why:
                    reject("bad_inner", why)
                    continue
                total = struct.unpack_from("!H", inner, 2)[0]
                src = socket.inet_ntoa(pkt[12:16])
                counts["outer_src"][src] = counts["outer_src"].get(src, 0) + 1
                ttl = str(pkt[8])
                counts["outer_ttl"][ttl] = counts["outer_ttl"].get(ttl, 0) + 1
                outer_df = bool(pkt[6] & 0x40)
                counts["outer_df" if outer_df else "outer_no_df"] += 1
                if outer_df != bool(inner[6] & 0x40):
                    counts["df_mismatch"] += 1
                try:
                    os.write(tun_fd, inner[:total])
                    counts["decap"] += 1
                except OSError as e:
                    reject("write_err", f"write to {dev}: {e}")
        if tun_fd in readable:
            for _ in range(256):
                try:
                    os.read(tun_fd, 65535)
                    counts["tun_out"] += 1
                except (BlockingIOError, InterruptedError):
                    break
        if next_stats is not None and time.monotonic() >= next_stats:
            print("ipip_decap counts " + json.dumps(counts), file=sys.stderr, flush=True)
            next_stats = time.monotonic() + args.stats_every

    print("ipip_decap counts " + json.dumps(counts), file=sys.stderr, flush=True)
    raw.close()
    os.close(tun_fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
