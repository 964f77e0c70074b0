"""IPv6 fragments (issue 15): the guards every fragment passes, then each
fragment follows its datagram's connection as IPv4's do (cases_frag.py).

The guards, each refusal with its own reason:
  - a fragment header inside a fragment (a fragment of a fragment):
    ipv6_frag_nested;
  - a first fragment (offset 0, M set) without the whole header chain up to
    and including the TCP/UDP header (RFC 7112): ipv6_frag_chain;
  - a first fragment without TCP's options (RFC 1858's tiny fragment, as
    for IPv4): frag_tiny;
  - a TCP fragment at offset 8 bytes, over the flags: frag_tiny_overlap;
  - a fragment whose fragmentable part is not TCP or UDP itself (ICMPv6,
    or a destination options header first): ipv6_fragment, not followed.
An atomic fragment (offset 0, M clear: RFC 6946) is a whole packet: NAT66
forwards it, the fragment header kept in place.

Followed (a UDP datagram of 1000 bytes of data in 336-byte fragments, the
first carrying the UDP header):
  - NAT66 (2001:db8:10::80 udp/53 -> [2001:db8:1::11]:5353): every
    fragment to the server with its destination rewritten and hop limit - 1;
    the first also gets port 5353 and the datagram's checksum updated. The
    expected fragments are cut from the whole datagram rewritten by scapy,
    so they must be byte-identical, checksum included. In any order: later
    fragments wait for their first (held, as IPv4's), or time out
    (frag_timeout). The server's fragmented answer goes back to the client
    from VIP:53 the same way.
  - DR (2001:db8:20::80): each fragment unchanged to the server's MAC.
  - TUN (2001:db8:40::80): each fragment in IPv6-in-IPv6; one that does
    not fit the tunnel gets Packet Too Big like any packet.
  - Two workers: a datagram's fragments meet on one core and go on to the
    flow's owner.
  - A later fragment that would overwrite the first's TCP header, or a
    second first fragment with other ports: frag_overlap. A later fragment
    of a datagram whose first made no connection: frag_no_conn.
fragments_followed counts the fragments sent on with their datagram's ports.
"""
import struct

from scapy.layers.inet import TCP, UDP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, in6_chksum
from scapy.layers.l2 import Ether
from scapy.packet import Raw

import cases_tun6
from cases_nat6 import CLIENT6, RS6, VIP6, c_tcp, frame6, nat6_inbound, nat6_reply
from golden import CLIENT_MAC, OUR_MAC, RS1_MAC, RS2_MAC, Case, Expect, payload


def raw6(nh: int, payload: bytes):
    """An IPv6 frame to the NAT66 VIP with these bytes after the fixed header."""
    ip = IPv6(src=CLIENT6, dst=VIP6, nh=nh, plen=len(payload), hlim=64)
    return Ether(bytes(Ether(dst=OUR_MAC, src=CLIENT_MAC) / ip) + payload)


def frag_hdr(nh: int, offset: int, more: bool, ident: int = 0x1234) -> bytes:
    return struct.pack("!BBHI", nh, 0, (offset << 3) | int(more), ident)


tcp_full = bytes(TCP(sport=50700, dport=80, flags="S", seq=1) / Raw(b"d" * 64))
tcp_opts = bytes(TCP(sport=50701, dport=80, flags="S", seq=1,
                     options=[("MSS", 1440), ("SAckOK", b""), ("WScale", 7), ("NOP", None),
                              ("Timestamp", (1, 0))]))  # 40 bytes: 20 of options
destopt = bytes(IPv6ExtHdrDestOpt(nh=6, len=1, options=[]))  # 16 bytes (padding)

atomic = frame6(IPv6(src=CLIENT6, dst=VIP6, tc=0x28, fl=0x12345) /
                IPv6ExtHdrFragment(nh=6, offset=0, m=0, id=7) /
                TCP(sport=50710, dport=80, flags="S", seq=1000))


VIP6_DR = cases_tun6.VIP6.replace("40", "20")  # 2001:db8:20::80
VIP6_TUN = cases_tun6.VIP6
DATA = payload(1000, seed=6)


def frags6(frame, size: int, ident: int) -> list:
    """The IPv6 fragments of frame (a fixed header, then the fragmentable
    part), `size` (a multiple of 8) bytes of it each, Ethernet as in frame."""
    assert size % 8 == 0
    raw = bytes(frame)
    eth, ip = raw[:14], raw[14:54]
    nh = ip[6]
    data = raw[54:54 + struct.unpack("!H", ip[4:6])[0]]
    out = []
    for off in range(0, len(data), size):
        chunk = data[off:off + size]
        hdr = bytearray(ip)
        hdr[4:6] = struct.pack("!H", 8 + len(chunk))
        hdr[6] = 44
        out.append(Ether(eth + bytes(hdr) + frag_hdr(nh, off // 8, off + size < len(data), ident) +
                         chunk))
    return out


def exact(frames) -> list:
    """Expect each frame byte for byte (IPv6 packet and Ethernet header)."""
    return [Expect(f, ip_bytes=bytes(f)[14:]) for f in frames]


def udp6(src: str, dst: str, sport: int, dport: int, data: bytes = DATA, mac: str = CLIENT_MAC):
    return frame6(IPv6(src=src, dst=dst, hlim=64) / UDP(sport=sport, dport=dport) / Raw(data),
                  src_mac=mac)


def reassembles(src: str, dst: str, sport: int, dport: int, data: bytes = DATA):
    """The outputs reassemble (independently of dvsd) into one UDP datagram
    src:sport -> dst:dport carrying `data` whose checksum verifies."""
    def check(outputs, _inputs):
        parts = []
        for o in outputs:
            raw = bytes(o)
            if raw[20] != 44:
                return [f"output is not a fragment (next header {raw[20]})"]
            om = struct.unpack("!H", raw[56:58])[0]
            parts.append((om >> 3, raw[62:54 + struct.unpack("!H", raw[18:20])[0]], raw))
        if not parts:
            return []  # the output count is reported by the expected list
        parts.sort(key=lambda p: p[0])
        whole = b"".join(p[1] for p in parts)
        ip = IPv6(parts[0][2][14:54])
        udp = UDP(whole[:8])
        errs = []
        got = {"IPv6.src": (ip.src, src), "IPv6.dst": (ip.dst, dst), "UDP.sport": (udp.sport, sport),
               "UDP.dport": (udp.dport, dport), "UDP.len": (udp.len, len(whole)),
               "UDP data": (whole[8:] == data, True)}
        errs += [f"reassembled {k}: {g}, want {x}" for k, (g, x) in got.items() if g != x]
        computed = in6_chksum(17, ip, whole[:6] + b"\0\0" + whole[8:])
        if udp.chksum != computed:
            errs.append(f"reassembled UDP checksum {udp.chksum:#06x}, correct {computed:#06x}")
        return errs
    return check


# NAT66 inbound: the whole datagram rewritten by scapy, then cut the same way.
nat_in = udp6(CLIENT6, VIP6, 51601, 53)
nat_in_frags = frags6(nat_in, 336, 0x61001)
nat_in_want = frags6(nat6_inbound(nat_in, rs_port=5353).pkt, 336, 0x61001)
nat_b = udp6(CLIENT6, VIP6, 51602, 53)
nat_b_frags = frags6(nat_b, 336, 0x61002)
nat_b_want = frags6(nat6_inbound(nat_b, rs_port=5353).pkt, 336, 0x61002)
orphans6 = frags6(udp6(CLIENT6, VIP6, 51603, 53), 336, 0x61003)[1:]

# NAT66 reply: a small query makes the connection, the server's answer is fragmented.
query = udp6(CLIENT6, VIP6, 51604, 53, data=b"q")
answer = udp6(RS6, CLIENT6, 5353, 51604, mac=RS1_MAC)
answer_frags = frags6(answer, 336, 0x71001)
answer_want = frags6(nat6_reply(answer, vport=53).pkt, 336, 0x71001)

dr_dgram = udp6(CLIENT6, VIP6_DR, 51605, 53)
dr_frags = frags6(dr_dgram, 336, 0x61005)
tun_frags = frags6(udp6(CLIENT6, VIP6_TUN, 51606, 53), 336, 0x61006)
# 1432-byte pieces: the first fragment is 1480 bytes, 1520 inside the tunnel.
tun_big = frags6(udp6(CLIENT6, VIP6_TUN, 51607, 53, data=payload(2000, seed=7)), 1432, 0x61007)

two_workers = [udp6(CLIENT6, VIP6, 51700 + n, 53) for n in range(8)]
# Persistence (persist6-udp, /64): a new flow's first fragment goes to the
# template core and back; later ones that reach the owner before the
# connection exists follow it (kFragmentFollow, kFragmentBack).
VIP6_PERSIST = "2001:db8:53::80"
persist6 = [udp6(f"2001:db8:1::{0x100 + n:x}", VIP6_PERSIST, 51800 + n, 53) for n in range(8)]

# TCP: the first fragment holds the 20-byte header and 4 bytes of data.
tcp_seg = frame6(IPv6(src=CLIENT6, dst=VIP6, hlim=64) /
                 TCP(sport=51610, dport=80, flags="S", seq=1) / Raw(payload(60, seed=9)))
tcp_first = frags6(tcp_seg, 24, 0x61010)[0]
over_header = raw6(44, frag_hdr(6, 2, True, 0x61010) + b"o" * 16)  # bytes 16..31: inside 20
moved = frags6(frame6(IPv6(src=CLIENT6, dst=VIP6, hlim=64) /
                      TCP(sport=51611, dport=80, flags="S", seq=1) / Raw(payload(60, seed=9))),
               24, 0x61010)[0]  # the same datagram id, other ports
no_conn = frags6(frame6(IPv6(src=CLIENT6, dst=VIP6, hlim=64) /
                        TCP(sport=51612, dport=80, flags="A", seq=1, ack=1) /
                        Raw(payload(60, seed=10))), 48, 0x61012)

CASES = [
    Case("fragment of a fragment: ipv6_frag_nested",
         inputs=[raw6(44, frag_hdr(44, 0, True) + frag_hdr(6, 0, True) + tcp_full)],
         expect=[], drops={"ipv6_frag_nested": 1}),

    Case("fragment header behind an atomic fragment: ipv6_frag_nested",
         inputs=[raw6(44, frag_hdr(44, 0, False) + frag_hdr(6, 0, True) + tcp_full)],
         expect=[], drops={"ipv6_frag_nested": 1}),

    Case("first fragment whose chain ends inside a destination options header: ipv6_frag_chain",
         inputs=[raw6(44, frag_hdr(60, 0, True) + destopt[:8])],
         expect=[], drops={"ipv6_frag_chain": 1}),

    Case("first fragment with 12 bytes of TCP: ipv6_frag_chain (RFC 7112)",
         inputs=[raw6(44, frag_hdr(6, 0, True) + tcp_full[:12])],
         expect=[], drops={"ipv6_frag_chain": 1}),

    Case("first fragment with 4 bytes of UDP: ipv6_frag_chain",
         inputs=[raw6(44, frag_hdr(17, 0, True) +
                      bytes(UDP(sport=50702, dport=53, len=1000, chksum=0x1111))[:4])],
         expect=[], drops={"ipv6_frag_chain": 1}),

    Case("first fragment with TCP's fixed header but not its options: frag_tiny",
         inputs=[raw6(44, frag_hdr(6, 0, True) + tcp_opts[:24])],
         expect=[], drops={"frag_tiny": 1}),

    Case("TCP fragment at offset 8 bytes: frag_tiny_overlap",
         inputs=[raw6(44, frag_hdr(6, 1, True) + b"o" * 16)],
         expect=[], drops={"frag_tiny_overlap": 1}),

    Case("an ICMPv6 first fragment: ipv6_fragment (only TCP and UDP are followed)",
         inputs=[raw6(44, frag_hdr(58, 0, True) + bytes(16))],
         expect=[], drops={"ipv6_fragment": 1}),

    Case("a later fragment whose fragmentable part starts with destination options: "
         "ipv6_fragment",
         inputs=[raw6(44, frag_hdr(60, 10, False) + b"l" * 24)],
         expect=[], drops={"ipv6_fragment": 1}),

    Case("atomic fragment (RFC 6946): a whole packet, NAT66 forwards it",
         inputs=[atomic], expect=[nat6_inbound(atomic)], counters={"conns_created": 1}),

    Case("atomic fragment behind a destination options header: forwarded",
         inputs=[c_tcp(sport=50711, ext=IPv6ExtHdrDestOpt() / IPv6ExtHdrFragment(id=8))],
         expect=[nat6_inbound(c_tcp(sport=50711,
                                    ext=IPv6ExtHdrDestOpt() / IPv6ExtHdrFragment(id=8)))]),

    Case("NAT66: three fragments in order: each to the server, the first with port 5353 and "
         "the datagram's checksum, byte-identical to the rewritten datagram cut the same way",
         inputs=nat_in_frags, expect=exact(nat_in_want),
         check=reassembles(CLIENT6, RS6, 51601, 5353),
         counters={"conns_created": 1, "fragments_followed": 3}),

    Case("NAT66: last, first, middle: held until the first, then all forwarded",
         inputs=[nat_b_frags[2], nat_b_frags[0], nat_b_frags[1]],
         expect=exact(nat_b_want), ordered=False,
         check=reassembles(CLIENT6, RS6, 51602, 5353),
         counters={"fragments_followed": 3}),

    Case("NAT66: later fragments without their first: not forwarded, frag_timeout after ~2 s",
         inputs=orphans6, expect=[], drops={"frag_timeout": 2}, settle=3.5),

    Case("NAT66 reply: the server's fragmented answer goes to the client from VIP:53",
         inputs=[query] + answer_frags,
         expect=[nat6_inbound(query, rs_port=5353)] + exact(answer_want),
         check=lambda outs, ins: reassembles(VIP6, CLIENT6, 53, 51604)(outs[1:], ins),
         counters={"fragments_followed": 3}),

    Case("DR6: each fragment to the server's MAC, the IPv6 packet unchanged",
         inputs=dr_frags,
         expect=[Expect(Ether(dst=RS2_MAC, src=OUR_MAC) / IPv6(bytes(f[IPv6])),
                        ip_bytes=bytes(f[IPv6])) for f in dr_frags],
         counters={"fragments_followed": 3}),

    Case("TUN6: each fragment inside an outer IPv6 header to the server",
         inputs=tun_frags, expect=[cases_tun6.tun6(f) for f in tun_frags],
         counters={"fragments_followed": 3}),

    Case("TUN6: a first fragment too big for the tunnel: Packet Too Big, the later one "
         "tunnelled",
         inputs=tun_big,
         expect=[cases_tun6.too_big(tun_big[0], 1460), cases_tun6.tun6(tun_big[1])],
         drops={"packet_too_big": 1}, counters={"icmp6_packet_too_big": 1}),

    Case("two workers: eight datagrams' fragments meet on one core each, all forwarded",
         inputs=[f for n, d in enumerate(two_workers) for f in frags6(d, 336, 0x62000 + n)],
         expect=[e for n, d in enumerate(two_workers)
                 for e in exact(frags6(nat6_inbound(d, rs_port=5353).pkt, 336, 0x62000 + n))],
         ordered=False, workers=2,
         counters={"conns_created": 8, "fragments_followed": 24}),

    Case("persistence /64, two workers: every fragment of eight new flows forwarded",
         inputs=[f for n, d in enumerate(persist6) for f in frags6(d, 336, 0x63000 + n)],
         expect=[e for n, d in enumerate(persist6)
                 for e in exact(frags6(nat6_inbound(d, rs_port=5353).pkt, 336, 0x63000 + n))],
         ordered=False, workers=2,
         counters={"conns_created": 8, "templates_created": 1}),

    Case("TCP: a later fragment inside the first's TCP header: frag_overlap",
         inputs=[tcp_first, over_header],
         expect=exact(frags6(nat6_inbound(tcp_seg).pkt, 24, 0x61010)[:1]),
         drops={"frag_overlap": 1}),

    Case("a second first fragment of the datagram with other ports: frag_overlap",
         inputs=[tcp_first, moved],
         expect=exact(frags6(nat6_inbound(tcp_seg).pkt, 24, 0x61010)[:1]),
         drops={"frag_overlap": 1}),

    Case("TCP without a connection: the first fragment tcp_no_conn, the later frag_no_conn",
         inputs=no_conn, expect=[], drops={"tcp_no_conn": 1, "frag_no_conn": 1}),
]
