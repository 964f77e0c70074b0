"""Golden-packet test library: crafted frames through the real worker, in-process.

Each case is one engine_runner run (tests/golden/engine_runner.cpp): the real
Worker built from golden.yaml.in as dvsd builds it (one port, one worker,
static neighbours), on a port made of two rte_rings, with EAL started as an
ordinary user (--no-huge --in-memory --no-pci). The worker sees the input
frames strictly in file order and the runner writes what it transmits to an
output pcap:

  render config -> wrpcap(inputs) -> engine_runner (frames in bursts of 32,
  then `settle` seconds of the worker's test clock with housekeeping, no real
  wait) -> rdpcap(outputs), stats.json as dvsd's --stats-file writes it

and then judges the case:

  - outputs against `expect`: a list of expected frames compared field by
    field (in order, or as a set), and/or a checker function;
  - every output's checksums, verified independently of the worker: scapy rebuilds
    each IPv4 header / TCP / UDP checksum after the field is deleted, the
    ICMP checksum is recomputed with scapy's internet checksum;
  - drop counters: exactly the reasons in `drops`, every other reason 0.

Checksum fields are never compared field by field (they are verified as
above); list a field in Expect.strict to compare it anyway (UDP checksum 0).
Run with /usr/bin/python3 (Debian's interpreter, which sees python3-scapy).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from scapy.config import conf

conf.verb = 0
import scapy.all  # noqa: E402,F401 - load every layer now, so the unbinding below holds
from scapy.layers.inet import ICMP, IP, TCP, UDP, IPerror, TCPerror, UDPerror  # noqa: E402
from scapy.layers.inet6 import IPv6, in6_chksum  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402
from scapy.packet import NoPayload, Packet, Raw  # noqa: E402
from scapy.utils import checksum as inet_checksum  # noqa: E402
from scapy.utils import rdpcap, wrpcap  # noqa: E402

# Application-layer dissectors (DNS on 53/5353, HTTP on 80, ...) would turn
# our filler payloads into nonsense fields: L4 payloads stay Raw here.
for _cls in (TCP, UDP, TCPerror, UDPerror):
    _cls.payload_guess = []

HERE = os.path.dirname(os.path.abspath(__file__))
DVS_SRC = os.environ.get("DVS_SRC", os.path.normpath(os.path.join(HERE, "..", "..")))
RUNNER = os.environ.get("GOLDEN_RUNNER",
                        os.path.join(DVS_SRC, "build", "tests", "golden", "engine_runner"))
TEMPLATE = os.path.join(HERE, "golden.yaml.in")
VERBOSE = os.environ.get("GOLDEN_VERBOSE", "") not in ("", "0")

RUN_TIMEOUT = 60.0     # s for one engine_runner run (EAL start included)
DEFAULT_SETTLE = 0.3   # s of the worker's test clock after the last input (no real wait)

# --------------------------------------------------------------------------
# The topology of golden.yaml.in
# --------------------------------------------------------------------------
OUR_MAC = "02:00:00:00:01:01"
CLIENT_MAC = "02:00:00:00:00:02"
RS1_MAC = "02:00:00:00:00:11"
RS2_MAC = "02:00:00:00:00:12"
RS3_MAC = "02:00:00:00:00:13"
GW_MAC = "02:00:00:00:00:fe"        # gateway 10.0.0.254 to 172.16.0.0/16

CLIENT = "10.0.1.2"
LB_CLIENT_SIDE = "10.0.1.1"         # our address on the client subnet
LB_RS_SIDE = "10.0.0.1"             # our address on the real-server subnet (TUN outer source)
RS1, RS2, RS3 = "10.0.0.11", "10.0.0.12", "10.0.0.13"
RS_ROUTED = "172.16.0.5"            # TUN real server behind the gateway
ROUTER = "198.51.100.1"             # some router on the path that sends ICMP errors

VIP_NAT = "192.0.2.10"              # tcp 80 -> RS1:8080, udp 53 -> RS1:5353
VIP_DR = "192.0.2.20"               # tcp 80, udp 53 -> RS2
VIP_TUN = "192.0.2.30"              # tcp 80, udp 53 -> RS3
VIP_TUN_ROUTED = "192.0.2.31"       # tcp 80 -> 172.16.0.5
VIP_MIXED = "192.0.2.40"            # tcp 80 rr: RS1:8080 nat, RS2 dr, RS3 tun
VIP_MH = "192.0.2.70"               # mh: tcp 80 -> RS2 dr, 81 -> RS1:8080 nat (continuation), 82 empty, 83 plain, 84 continuation with max_half_open 1
VIP_EMPTY = "192.0.2.60"            # no usable server: tcp 80, udp 53, tcp 81 (drop), tcp 82 (weight 0)

MAC_OF = {CLIENT: CLIENT_MAC, RS1: RS1_MAC, RS2: RS2_MAC, RS3: RS3_MAC}

ICMP_DATA_MAX = 548                 # bytes of the offending packet quoted in our ICMP errors

DF = "DF"


# --------------------------------------------------------------------------
# Building input frames
# --------------------------------------------------------------------------
def frame(ip: Packet, src_mac: str = CLIENT_MAC, dst_mac: str = OUR_MAC) -> Packet:
    """An input frame to our MAC; the result is rebuilt so every auto field is filled."""
    return Ether(bytes(Ether(dst=dst_mac, src=src_mac) / ip))


def payload(n: int, seed: int = 0) -> bytes:
    """n bytes of recognisable filler."""
    return bytes((seed + i * 7) & 0xFF for i in range(n))


def client_tcp(vip: str, dport: int = 80, sport: int = 40000, flags: str = "S", seq: int = 1000,
               ack: int = 0, data: bytes = b"", ttl: int = 64, tos: int = 0x10, ip_id: int = 0x1234,
               df: bool = True, options=None, src: str = CLIENT, mac: str = CLIENT_MAC) -> Packet:
    if options is None:
        options = [("MSS", 1460)] if "S" in flags else []
    ip = IP(src=src, dst=vip, ttl=ttl, tos=tos, id=ip_id, flags=DF if df else 0)
    return frame(ip / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=64240,
                          options=options) / Raw(data), src_mac=mac)


def client_udp(vip: str, dport: int = 53, sport: int = 41000, data: bytes = b"query",
               ttl: int = 64, tos: int = 0, ip_id: int = 0x2345, df: bool = False,
               chksum: int | None = None) -> Packet:
    ip = IP(src=CLIENT, dst=vip, ttl=ttl, tos=tos, id=ip_id, flags=DF if df else 0)
    return frame(ip / UDP(sport=sport, dport=dport, chksum=chksum) / Raw(data))


def rs_tcp(rs: str, rs_port: int, cport: int, flags: str = "SA", seq: int = 5000, ack: int = 1001,
           data: bytes = b"", ttl: int = 64, ip_id: int = 0x4321, client: str = CLIENT) -> Packet:
    """A NAT reply from a real server (its default gateway is us)."""
    ip = IP(src=rs, dst=client, ttl=ttl, id=ip_id, flags=DF)
    opts = [("MSS", 1460)] if "S" in flags else []
    return frame(ip / TCP(sport=rs_port, dport=cport, flags=flags, seq=seq, ack=ack, window=65160,
                          options=opts) / Raw(data), src_mac=MAC_OF[rs])


def rs_udp(rs: str, rs_port: int, cport: int, data: bytes = b"answer", ttl: int = 64,
           ip_id: int = 0x5432, client: str = CLIENT) -> Packet:
    ip = IP(src=rs, dst=client, ttl=ttl, id=ip_id)
    return frame(ip / UDP(sport=rs_port, dport=cport) / Raw(data), src_mac=MAC_OF[rs])


def echo_request(dst: str, icmp_id: int = 0x77, seq: int = 1, data: bytes = b"ping-data-0123456789",
                 ttl: int = 64, ip_id: int = 0x3333) -> Packet:
    ip = IP(src=CLIENT, dst=dst, ttl=ttl, id=ip_id)
    return frame(ip / ICMP(type=8, code=0, id=icmp_id, seq=seq) / Raw(data))


def quote(ip_pkt: Packet, n: int | None = 28) -> bytes:
    """What an ICMP error quotes of ip_pkt: the first n bytes (IP header + 8), or all of it."""
    raw = bytes(ip_pkt)
    return raw if n is None else raw[:n]


def icmp_error(src: str, dst: str, quoted: bytes, type_: int = 3, code: int = 4,
               nexthopmtu: int = 1400, ttl: int = 60, ip_id: int = 0x6666,
               mac: str = CLIENT_MAC) -> Packet:
    """An ICMP error (type 3 or 11) from src to dst quoting `quoted` (bytes)."""
    if type_ == 3:
        icmp = ICMP(type=type_, code=code, nexthopmtu=nexthopmtu if code == 4 else 0)
    else:
        icmp = ICMP(type=type_, code=code)
    return frame(IP(src=src, dst=dst, ttl=ttl, id=ip_id) / icmp / Raw(quoted), src_mac=mac)


def fragments(pkt: Packet, size: int) -> list[Packet]:
    """IP fragments of the frame pkt, `size` (a multiple of 8) payload bytes each."""
    assert size % 8 == 0
    ip = pkt[IP]
    raw = bytes(ip)
    ihl = ip.ihl * 4
    hdr, data = raw[:ihl], raw[ihl:]
    out = []
    for off in range(0, len(data), size):
        chunk = data[off:off + size]
        last = off + size >= len(data)
        f = IP(hdr)
        f.flags = (int(f.flags) & 0x2) | (0 if last else 0x1)
        f.frag = off // 8
        f.len = ihl + len(chunk)
        del f.chksum
        out.append(Ether(bytes(Ether(dst=pkt[Ether].dst, src=pkt[Ether].src) / IP(bytes(f)[:ihl] + chunk))))
    return out


# --------------------------------------------------------------------------
# What the specification says comes out (expected frames)
# --------------------------------------------------------------------------
@dataclass
class Expect:
    """One expected output frame.

    ignore: fields that may hold any value, as "Layer.field" ("IP.id" is the
            first IP header, "IP#2.id" the second); checksum fields are always
            skipped unless listed in strict.
    ip_bytes: the output's IP packet (after the Ethernet header) must be
            exactly these bytes.
    inner_bytes: the payload of the output's (outer) IP header must be
            exactly these bytes (TUN: the inner packet as received).
    """
    pkt: Packet
    ignore: Sequence[str] = ()
    strict: Sequence[str] = ()
    ip_bytes: bytes | None = None
    inner_bytes: bytes | None = None


def _rebuilt(p: Packet) -> Packet:
    for layer in _layers_of(p):
        if hasattr(layer, "chksum") and isinstance(layer, (IP, TCP, UDP, ICMP)) and \
                not isinstance(layer, (IPerror, TCPerror, UDPerror)):
            if not (isinstance(layer, UDP) and layer.chksum == 0):  # UDP 0 = none: stays 0
                layer.chksum = None
    return Ether(bytes(p))


def _layers_of(p: Packet) -> Iterable[Packet]:
    layer = p
    while not isinstance(layer, NoPayload):
        yield layer
        layer = layer.payload


def nat_inbound(inp: Packet, rs: str, rs_port: int | None) -> Expect:
    """Spec 1: eth to the RS, IP dst = RS, dport = RS port, TTL-1, all else unchanged."""
    e = inp.copy()
    e[Ether].dst, e[Ether].src = MAC_OF[rs], OUR_MAC
    e[IP].dst = rs
    e[IP].ttl -= 1
    l4 = e[TCP] if TCP in e else (e[UDP] if UDP in e else None)
    if l4 is not None and rs_port is not None:
        l4.dport = rs_port
    return Expect(_rebuilt(e))


def nat_reply(inp: Packet, vip: str, vport: int) -> Expect:
    """Spec 2: IP src = VIP, sport = vport, TTL-1, eth to the client."""
    e = inp.copy()
    e[Ether].dst, e[Ether].src = CLIENT_MAC, OUR_MAC
    e[IP].src = vip
    e[IP].ttl -= 1
    l4 = e[TCP] if TCP in e else e[UDP]
    l4.sport = vport
    return Expect(_rebuilt(e))


def dr(inp: Packet, rs_mac: str) -> Expect:
    """Spec 3: only the Ethernet header changes; the IP packet is byte-identical."""
    ip = bytes(inp[IP])
    return Expect(Ether(bytes(Ether(dst=rs_mac, src=OUR_MAC) / IP(ip))), ip_bytes=ip)


def tun(inp: Packet, rs: str, nh_mac: str | None = None) -> Expect:
    """Spec 4: IP-in-IP to the RS; outer from 10.0.0.1, TTL 64, tos and DF of the inner."""
    inner = bytes(inp[IP])
    iip = inp[IP]
    outer = IP(version=4, ihl=5, tos=iip.tos, len=len(inner) + 20, id=0,
               flags=DF if int(iip.flags) & 0x2 else 0, frag=0, ttl=64, proto=4,
               src=LB_RS_SIDE, dst=rs)
    e = Ether(dst=nh_mac or MAC_OF[rs], src=OUR_MAC) / outer / Raw(inner)
    return Expect(Ether(bytes(e)), ignore=("IP.id",), inner_bytes=inner)


def echo_reply(inp: Packet) -> Expect:
    """Spec 6: from the address pinged back to the client, TTL 64, type 0, same id/seq/data."""
    ip = inp[IP]
    icmp = inp[ICMP]
    e = Ether(dst=CLIENT_MAC, src=OUR_MAC) / IP(src=ip.dst, dst=ip.src, ttl=64, tos=ip.tos,
                                                id=ip.id, flags=ip.flags) / \
        ICMP(type=0, code=0, id=icmp.id, seq=icmp.seq) / Raw(bytes(icmp.payload))
    # The IP id and flags of a reply are not specified.
    return Expect(Ether(bytes(e)), ignore=("IP.id", "IP.flags"))


def frag_needed(inp: Packet, mtu: int) -> Expect:
    """Spec 5: ICMP 3/4 to the client from 10.0.1.1, next-hop MTU = mtu - 20 (the tunnel's)."""
    orig = bytes(inp[IP])
    e = Ether(dst=CLIENT_MAC, src=OUR_MAC) / \
        IP(src=LB_CLIENT_SIDE, dst=CLIENT, ttl=64, tos=0xC0, flags=0, frag=0, proto=1, id=0) / \
        ICMP(type=3, code=4, nexthopmtu=mtu - 20) / Raw(orig[:ICMP_DATA_MAX])
    return Expect(Ether(bytes(e)), ignore=("IP.id",))


def reset_from_vip(inp: Packet) -> Expect:
    """on_no_server: reject, TCP: RST|ACK from VIP:port acknowledging the SYN, TTL 64, DF."""
    ip, tcp = inp[IP], inp[TCP]
    e = Ether(dst=CLIENT_MAC, src=OUR_MAC) / \
        IP(src=ip.dst, dst=ip.src, ttl=64, tos=0, id=0, flags=DF) / \
        TCP(sport=tcp.dport, dport=tcp.sport, seq=0, ack=tcp.seq + 1, flags="RA", window=0)
    return Expect(Ether(bytes(e)))


def port_unreachable_from_vip(inp: Packet) -> Expect:
    """on_no_server: reject, UDP: ICMP 3/3 from the VIP to the client, quoting the datagram."""
    ip = inp[IP]
    orig = bytes(ip)
    e = Ether(dst=CLIENT_MAC, src=OUR_MAC) / \
        IP(src=ip.dst, dst=ip.src, ttl=64, tos=0xC0, flags=0, frag=0, proto=1, id=0) / \
        ICMP(type=3, code=3) / Raw(orig[:ICMP_DATA_MAX])
    return Expect(Ether(bytes(e)), ignore=("IP.id",))


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------
Checker = Callable[[list, list], list]   # (outputs, inputs) -> list of error strings


@dataclass
class Case:
    name: str
    inputs: list
    expect: list | Checker = field(default_factory=list)  # Expect/frames, or a checker
    drops: dict = field(default_factory=dict)              # {reason: count}; others must be 0
    counters: dict = field(default_factory=dict)           # {totals (or top-level) counter: value}
    mtu: int = 1500
    workers: int = 1              # dataplane.workers: frames arrive on worker 0
    stats_check: Callable[[dict], list] | None = None  # judges the stats JSON; drops then unchecked
    ordered: bool = True          # compare expected frames in order, or as a set
    check: Checker | None = None  # an extra checker, run besides `expect`
    settle: float = DEFAULT_SETTLE
    burst_at: list = field(default_factory=list)  # input indices that start a new burst
    # A reload before input `reload_at` (which starts a burst): the config's
    # text through this function is the new config (ids stay stable).
    reload: Callable[[str], str] | None = None
    reload_at: int = 0
    # HA: the box is BACKUP for these IPv4 addresses (HaView::standby, as
    # HaManager::apply sets it), from the start or, with standby_at, from
    # input `standby_at` on (a new burst; the connections made before stay).
    standby: list = field(default_factory=list)
    standby_at: int = 0


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------
def labelled_layers(p: Packet) -> list:
    counts: dict = {}
    out = []
    for layer in _layers_of(p):
        name = type(layer).__name__
        counts[name] = counts.get(name, 0) + 1
        out.append((name if counts[name] == 1 else f"{name}#{counts[name]}", layer))
    return out


def _show(f, layer, v) -> str:
    if isinstance(v, bytes):
        return f"{len(v)} bytes {v[:16].hex()}{'...' if len(v) > 16 else ''}"
    try:
        return str(f.i2repr(layer, v))
    except Exception:  # noqa: BLE001 - a display helper must not fail
        return repr(v)


def _bytes_diff(got: bytes, want: bytes) -> str:
    if len(got) != len(want):
        return f"length {len(got)}, want {len(want)}"
    i = next(i for i in range(len(got)) if got[i] != want[i])
    return f"first difference at byte {i}: {got[i]:#04x}, want {want[i]:#04x}"


def field_diffs(out: Packet, exp: Expect | Packet) -> list:
    """The differing fields of out against exp, as readable strings (empty: equal)."""
    if not isinstance(exp, Expect):
        exp = Expect(exp)
    o = Ether(bytes(out))
    e = Ether(bytes(exp.pkt))
    lo, le = labelled_layers(o), labelled_layers(e)
    diffs = []
    for i in range(max(len(lo), len(le))):
        if i >= len(lo):
            diffs.append(f"missing layer {le[i][0]}")
            break
        if i >= len(le):
            diffs.append(f"extra layer {lo[i][0]} ({len(bytes(lo[i][1]))} bytes)")
            break
        (lab, lyr), (elab, elyr) = lo[i], le[i]
        if lab != elab:
            diffs.append(f"layer {i}: {lab}, want {elab}")
            break
        for f in lyr.fields_desc:
            path = f"{lab}.{f.name}"
            if path in exp.ignore:
                continue
            if f.name == "chksum" and path not in exp.strict:
                continue
            got, want = lyr.getfieldval(f.name), elyr.getfieldval(f.name)
            if got != want:
                if isinstance(got, bytes) and isinstance(want, bytes):
                    diffs.append(f"{path}: {_bytes_diff(got, want)}")
                else:
                    diffs.append(f"{path}: {_show(f, lyr, got)}, want {_show(f, elyr, want)}")
    raw = bytes(out)
    if exp.ip_bytes is not None and raw[14:] != exp.ip_bytes:
        diffs.append(f"IP packet not byte-identical: {_bytes_diff(raw[14:], exp.ip_bytes)}")
    if exp.inner_bytes is not None and (IP in o or IPv6 in o):
        if IP in o:
            inner = raw[14 + o[IP].ihl * 4:]
        else:  # IPv6-in-IPv6: the outer header has no extension headers
            inner = raw[54:54 + o[IPv6].plen]
        if inner != exp.inner_bytes:
            diffs.append(f"inner packet not byte-identical: {_bytes_diff(inner, exp.inner_bytes)}")
    return diffs


def summary(p: Packet) -> str:
    return Ether(bytes(p)).summary()


def match_outputs(outputs: list, expected: list, ordered: bool) -> list:
    errs = []
    expected = [x if isinstance(x, Expect) else Expect(x) for x in expected]
    if len(outputs) != len(expected):
        got = "; ".join(summary(p) for p in outputs[:6]) or "nothing"
        errs.append(f"{len(outputs)} output(s), want {len(expected)} [got: {got}]")
    if ordered:
        for i, (o, e) in enumerate(zip(outputs, expected)):
            d = field_diffs(o, e)
            if d:
                errs.append(f"out[{i}]: " + ", ".join(d))
        return errs
    used = set()
    for i, e in enumerate(expected):
        best = None
        for j, o in enumerate(outputs):
            if j in used:
                continue
            d = field_diffs(o, e)
            if not d:
                best = (j, [])
                break
            if best is None or len(d) < len(best[1]):
                best = (j, d)
        if best is None:
            continue  # counted above
        if best[1]:
            errs.append(f"expected[{i}] not found; closest out[{best[0]}]: " + ", ".join(best[1]))
        else:
            used.add(best[0])
    return errs


# --------------------------------------------------------------------------
# Independent checksum verification
# --------------------------------------------------------------------------
def _verify_ip_header(raw: bytes, off: int, where: str) -> list:
    ihl = (raw[off] & 0x0F) * 4
    if ihl < 20 or off + ihl > len(raw):
        return [f"{where}: IP header truncated or bad IHL"]
    h = IP(raw[off:off + ihl])
    stored = h.chksum
    h.chksum = None
    computed = IP(bytes(h)).chksum
    if stored != computed:
        return [f"{where} header checksum {stored:#06x}, correct {computed:#06x}"]
    return []


def _verify_l4(raw: bytes, off: int, ihl: int, total: int, proto: int, where: str) -> list:
    l4 = raw[off + ihl:off + total]
    hdr = IP(raw[off:off + ihl])
    if proto == 6 and len(l4) >= 20:
        doff = (l4[12] >> 4) * 4
        p = hdr / TCP(l4[:doff]) / Raw(l4[doff:])
        stored = p[TCP].chksum
        p[TCP].chksum = None
        computed = struct.unpack("!H", bytes(p)[ihl + 16:ihl + 18])[0]
        if stored != computed:
            return [f"{where} TCP checksum {stored:#06x}, correct {computed:#06x}"]
    elif proto == 17 and len(l4) >= 8:
        stored = struct.unpack("!H", l4[6:8])[0]
        if stored == 0:
            return []  # no checksum: allowed for UDP over IPv4
        p = hdr / UDP(l4[:8]) / Raw(l4[8:])
        p[UDP].chksum = None
        computed = struct.unpack("!H", bytes(p)[ihl + 6:ihl + 8])[0]
        if stored != computed:
            return [f"{where} UDP checksum {stored:#06x}, correct {computed:#06x}"]
    elif proto == 1 and len(l4) >= 8:
        stored = struct.unpack("!H", l4[2:4])[0]
        computed = inet_checksum(l4[:2] + b"\0\0" + l4[4:])
        if stored != computed:
            return [f"{where} ICMP checksum {stored:#06x}, correct {computed:#06x}"]
    return []


def ipv6_checksum_errors(raw: bytes) -> list:
    """The L4 checksum (TCP, UDP, ICMPv6) of an IPv6 frame, over the pseudo-header.

    IPv6-in-IPv6 (next header 41, TUN): the inner packet's, once.
    """
    if len(raw) < 54:
        return ["IPv6 frame shorter than its header"]
    plen = struct.unpack("!H", raw[18:20])[0]
    end = 54 + plen
    if end > len(raw):
        return [f"IPv6 payload length {plen} past the frame"]
    nh, off = raw[20], 54
    while nh in (0, 43, 44, 60) and off + 8 <= end:
        if nh == 44 and struct.unpack("!H", raw[off + 2:off + 4])[0] & 0xfff9:
            return []  # a fragment (not atomic): verified after reassembly by its case
        nh, off = raw[off], off + (8 if nh == 44 else (raw[off + 1] + 1) * 8)
    if nh == 41 and raw[20] == 41:
        return [f"inner {e}" for e in ipv6_checksum_errors(raw[:14] + raw[off:end])]
    where = {6: 16, 17: 6, 58: 2}.get(nh)
    if where is None or off + where + 2 > end:
        return []
    l4 = bytearray(raw[off:end])
    stored = struct.unpack("!H", l4[where:where + 2])[0]
    l4[where:where + 2] = b"\0\0"
    computed = in6_chksum(nh, IPv6(raw[14:54]), bytes(l4))
    if stored != computed:
        return [f"IPv6 next header {nh} checksum {stored:#06x}, correct {computed:#06x}"]
    return []


def checksum_errors(pkt: Packet) -> list:
    """Every IPv4/TCP/UDP/ICMP checksum in the frame, recomputed independently.

    Walks outer IP, IP-in-IP inner packets and the IP header quoted in ICMP
    errors (its L4 part is truncated: not verifiable). L4 checksums of
    fragments are verified after reassembly by the cases that need it.
    """
    raw = bytes(pkt)
    if len(raw) >= 14 and raw[12:14] == b"\x86\xdd":
        return ipv6_checksum_errors(raw)
    if len(raw) < 14 or raw[12:14] != b"\x08\x00":
        return []
    errs = []
    off, where, quoted = 14, "", False
    for _depth in range(4):
        if off + 20 > len(raw):
            break
        errs += _verify_ip_header(raw, off, where + "IP")
        ihl = (raw[off] & 0x0F) * 4
        total = struct.unpack("!H", raw[off + 2:off + 4])[0]
        frag = struct.unpack("!H", raw[off + 6:off + 8])[0] & 0x3FFF
        proto = raw[off + 9]
        if quoted or frag or off + total > len(raw):
            break
        errs += _verify_l4(raw, off, ihl, total, proto, where)
        if proto == 4:
            off, where = off + ihl, "inner "
        elif proto == 1 and off + ihl + 8 + 20 <= len(raw) and raw[off + ihl] in (3, 4, 5, 11, 12):
            off, where, quoted = off + ihl + 8, "quoted ", True
        else:
            break
    return [e.strip() for e in errs]


# --------------------------------------------------------------------------
# Running the engine
# --------------------------------------------------------------------------
class RunError(Exception):
    pass


def render_config(path: str, in_pcap: str, out_pcap: str, mtu: int, workers: int = 1) -> None:
    with open(TEMPLATE) as f:
        text = f.read()
    text = text.replace("@IN@", in_pcap).replace("@OUT@", out_pcap).replace("@MTU@", str(mtu))
    text = text.replace("@WORKERS@", str(workers))
    with open(path, "w") as f:
        f.write(text)


def _read_json(path: str):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _log_tail(path: str, n: int = 12) -> str:
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return ""
    return " | ".join(lines[-n:])


def run_engine(inputs: list, mtu: int, settle: float, workdir: str, workers: int = 1,
               burst_at: list = (), reload=None, reload_at: int = 0, standby: list = (),
               standby_at: int = 0):
    """Feed inputs through one engine_runner run. Returns (outputs, final stats)."""
    cfg = os.path.join(workdir, "dvs.yaml")
    in_pcap = os.path.join(workdir, "in.pcap")
    out_pcap = os.path.join(workdir, "out.pcap")
    stats_path = os.path.join(workdir, "stats.json")
    log_path = os.path.join(workdir, "runner.log")
    render_config(cfg, in_pcap, out_pcap, mtu, workers)
    wrpcap(in_pcap, inputs)
    extra = []
    for b in burst_at:
        extra += ["--burst-at", str(b)]
    if reload is not None:
        cfg2 = os.path.join(workdir, "dvs2.yaml")
        with open(cfg) as f, open(cfg2, "w") as g:
            g.write(reload(f.read()))
        extra += ["--reload", cfg2, "--reload-at", str(reload_at)]
    for a in standby:
        extra += ["--standby", a]
    if standby_at:
        extra += ["--standby-at", str(standby_at)]

    with open(log_path, "wb") as log:
        try:
            rc = subprocess.run([RUNNER, "--config", cfg, "--in", in_pcap, "--out", out_pcap,
                                 "--stats", stats_path, "--settle", str(settle)] + extra,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                timeout=RUN_TIMEOUT).returncode
        except subprocess.TimeoutExpired:
            raise RunError(f"engine_runner did not finish in {RUN_TIMEOUT:.0f} s")
    if rc != 0:
        raise RunError(f"engine_runner exited {rc}: {_log_tail(log_path)}")
    stats = _read_json(stats_path)
    if stats is None:
        raise RunError("no stats written")
    if not os.path.exists(out_pcap):
        raise RunError("no output pcap")
    outputs = list(rdpcap(out_pcap)) if os.path.getsize(out_pcap) > 24 else []
    return [Ether(bytes(p)) for p in outputs], stats


# --------------------------------------------------------------------------
# Judging a case
# --------------------------------------------------------------------------
def drop_errors(stats: dict, want: dict) -> list:
    got = stats["totals"]["drops"]
    errs = []
    for reason, n in want.items():
        if reason not in got:
            errs.append(f"drops.{reason}: absent (unknown reason), want {n}")
        elif got[reason] != n:
            errs.append(f"drops.{reason}: {got[reason]}, want {n}")
    for reason, n in got.items():
        if reason not in want and n != 0:
            errs.append(f"drops.{reason}: {n}, want 0")
    return errs


def judge(case: Case, outputs: list, stats: dict) -> list:
    errs = []
    if callable(case.expect):
        errs += case.expect(outputs, case.inputs)
    else:
        errs += match_outputs(outputs, case.expect, case.ordered)
    if case.check is not None:
        errs += case.check(outputs, case.inputs)
    for i, o in enumerate(outputs):
        errs += [f"out[{i}]: {e}" for e in checksum_errors(o)]
    if case.stats_check is not None:
        errs += case.stats_check(stats)
    else:
        errs += drop_errors(stats, case.drops)
    for name, n in case.counters.items():
        got = stats["totals"].get(name, stats.get(name))
        if got != n:
            errs.append(f"totals.{name}: {got}, want {n}")
    return errs


def run_case(case: Case, workdir: str) -> list:
    """Run one case in its own subdirectory of workdir; returns its errors."""
    d = tempfile.mkdtemp(prefix="case-", dir=workdir)
    try:
        outputs, stats = run_engine(case.inputs, case.mtu, case.settle, d, case.workers,
                                    case.burst_at, case.reload, case.reload_at, case.standby,
                                    case.standby_at)
    except RunError as e:
        return [str(e)]
    errs = judge(case, outputs, stats)
    if errs and VERBOSE:
        print(f"  --- {case.name}: inputs", file=sys.stderr)
        for p in case.inputs:
            print("   ", summary(p), file=sys.stderr)
        print("  --- outputs", file=sys.stderr)
        for p in outputs:
            print("   ", summary(p), file=sys.stderr)
            print("   ", bytes(p).hex(), file=sys.stderr)
        print("  --- engine_runner log", file=sys.stderr)
        try:
            with open(os.path.join(d, "runner.log"), errors="replace") as f:
                for line in f:
                    print("   ", line.rstrip(), file=sys.stderr)
        except OSError:
            pass
    return errs


def run_table(name: str, cases: list, only: str | None = None) -> int:
    """Run cases, print one line per case, return the number of failures."""
    work = tempfile.mkdtemp(prefix="dvs-golden-")
    failed = 0
    try:
        for case in cases:
            if only and only not in case.name:
                continue
            t0 = time.monotonic()
            errs = run_case(case, work)
            dt = time.monotonic() - t0
            if errs:
                failed += 1
                print(f"FAIL {name}: {case.name}: {'; '.join(errs)}", flush=True)
            else:
                print(f"PASS {name}: {case.name} ({dt:.1f} s)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return failed
