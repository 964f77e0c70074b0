"""IPv6 fragments (issue 15): the guards every fragment passes first.

Fragments are not followed yet: one that passes the guards is dropped as
ipv6_fragment. Before that, each refusal has its own reason:
  - a fragment header inside a fragment (a fragment of a fragment):
    ipv6_frag_nested;
  - a first fragment (offset 0, M set) without the whole header chain up to
    and including the TCP/UDP header (RFC 7112): ipv6_frag_chain;
  - a first fragment without TCP's options (RFC 1858's tiny fragment, as
    for IPv4): frag_tiny;
  - a TCP fragment at offset 8 bytes, over the flags: frag_tiny_overlap.
An atomic fragment (offset 0, M clear: RFC 6946) is a whole packet: NAT66
forwards it, the fragment header kept in place.
"""

import struct

from scapy.layers.inet import TCP, UDP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from cases_nat6 import CLIENT6, VIP6, c_tcp, frame6, nat6_inbound
from golden import CLIENT_MAC, OUR_MAC, Case


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

    Case("a whole first fragment: ipv6_fragment (fragments are not followed yet)",
         inputs=[raw6(44, frag_hdr(6, 0, True) + tcp_full)],
         expect=[], drops={"ipv6_fragment": 1}),

    Case("a later fragment: ipv6_fragment",
         inputs=[raw6(44, frag_hdr(6, 10, False) + b"l" * 24)],
         expect=[], drops={"ipv6_fragment": 1}),

    Case("atomic fragment (RFC 6946): a whole packet, NAT66 forwards it",
         inputs=[atomic], expect=[nat6_inbound(atomic)], counters={"conns_created": 1}),

    Case("atomic fragment behind a destination options header: forwarded",
         inputs=[c_tcp(sport=50711, ext=IPv6ExtHdrDestOpt() / IPv6ExtHdrFragment(id=8))],
         expect=[nat6_inbound(c_tcp(sport=50711,
                                    ext=IPv6ExtHdrDestOpt() / IPv6ExtHdrFragment(id=8)))]),
]
