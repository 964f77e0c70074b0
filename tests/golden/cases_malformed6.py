"""IPv6 we refuse (issue 15, "Bad input"): every case is dropped under its
named reason and never forwarded or answered: bad checksums, extension
header chains past the bound (8 headers, 256 bytes) or out of order,
routing type 0, payload lengths that disagree with the frame, headers cut
short, hop limit 0, sources no host sends from, our own address as source,
and fragments of what is not TCP or UDP. Fragment guards are in
cases_frag6.py, ND with a wrong hop limit in cases_nd.py.
"""

from scapy.layers.inet import TCP, UDP
from scapy.layers.inet6 import (ICMPv6EchoRequest, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                                IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, PadN)
from scapy.layers.l2 import Ether

from cases_nd import HOST6, OUR6, echo6, frame6
from golden import Case


def with_bad_icmp6_checksum(p):
    b = bytearray(bytes(p))
    b[14 + 40 + 2] ^= 0x5A
    return Ether(bytes(b))


def truncated_payload(p, extra: int):
    """The frame with its IPv6 payload length claiming `extra` more bytes."""
    b = bytearray(bytes(p))
    plen = int.from_bytes(b[18:20], "big") + extra
    b[18:20] = plen.to_bytes(2, "big")
    return Ether(bytes(b))


nine_dest_opts = frame6(IPv6(src=HOST6, dst=OUR6) / (IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                        IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                        IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                        IPv6ExtHdrDestOpt()) / ICMPv6EchoRequest())
big_dest_opt = frame6(IPv6(src=HOST6, dst=OUR6) /
                      IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 130)] * 2) / ICMPv6EchoRequest())
hbh_second = frame6(IPv6(src=HOST6, dst=OUR6) / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() /
                    ICMPv6EchoRequest())
routing0 = frame6(IPv6(src=HOST6, dst=OUR6) / IPv6ExtHdrRouting(type=0, addresses=["2001:db8::9"]) /
                  ICMPv6EchoRequest())
fragment = frame6(IPv6(src=HOST6, dst=OUR6) / IPv6ExtHdrFragment(m=1, id=7) / ICMPv6EchoRequest())

CASES = [
    Case("TCP to our IPv6 address (no service there): not handled",
         inputs=[frame6(IPv6(src=HOST6, dst=OUR6) / TCP(sport=40000, dport=22, flags="S"))],
         expect=[], drops={"ipv6_unhandled": 1}),

    Case("ICMPv6 with a wrong checksum: dropped, never answered",
         inputs=[with_bad_icmp6_checksum(echo6())], expect=[], drops={"icmp_bad_checksum": 1}),

    Case("UDP over IPv6 with checksum 0 (RFC 8200 forbids it)",
         inputs=[frame6(IPv6(src=HOST6, dst=OUR6) / UDP(sport=1, dport=53, chksum=0) / b"q")],
         expect=[], drops={"l4_malformed": 1}),

    Case("nine extension headers: past the bound of eight",
         inputs=[nine_dest_opts], expect=[], drops={"ipv6_ext_chain": 1}),

    Case("an extension header of 272 bytes: past the bound of 256",
         inputs=[big_dest_opt], expect=[], drops={"ipv6_ext_chain": 1}),

    Case("hop-by-hop after another header: refused",
         inputs=[hbh_second], expect=[], drops={"ipv6_ext_chain": 1}),

    Case("routing header type 0 (RFC 5095): refused",
         inputs=[routing0], expect=[], drops={"ipv6_routing_header": 1}),

    Case("fragment of an ICMPv6 echo: fragments are followed for TCP and UDP only",
         inputs=[fragment], expect=[], drops={"ipv6_fragment": 1}),

    Case("payload length past the frame: malformed",
         inputs=[truncated_payload(echo6(), 8)], expect=[], drops={"ipv6_malformed": 1}),

    Case("header cut short: malformed",
         inputs=[Ether(bytes(echo6())[:14 + 30])], expect=[], drops={"ipv6_malformed": 1}),

    Case("hop limit 0 on the wire",
         inputs=[echo6(hlim=0)], expect=[], drops={"ttl_exceeded": 1}),

    Case("sources no host sends from: multicast, loopback, IPv4-mapped, :: (not ND)",
         inputs=[echo6(src="ff02::1"), echo6(src="::1"), echo6(src="::ffff:10.0.1.2"),
                 frame6(IPv6(src="::", dst=OUR6) / TCP(sport=1, dport=80, flags="S"))],
         expect=[], drops={"bad_source_address": 4}),

    Case("echo from our own address: spoofed",
         inputs=[echo6(src=OUR6)], expect=[], drops={"spoofed_own_address": 1}),
]
