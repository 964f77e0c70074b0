"""ICMPv6 errors about connections of IPv6 services (issue 15, stage 2).

From outside (a router on the client's path, to the VIP, quoting VIP ->
client) an error follows its connection to the real server: NAT66
rewrites the outer destination to the server and the quoted source to
[RS]:port (hop limit - 1, the quoted TCP/UDP checksum updated when quoted,
the ICMPv6 checksum recomputed); DR forwards it unchanged to the server's
MAC; TUN tunnels it like the connection's packets. From a NAT66 real
server (quoting client -> RS) it goes to the client from the VIP, the
quoted destination back to VIP:80. Errors about nothing we track are
icmp_no_conn; a quote we cannot read (not TCP/UDP, under 8 bytes of it)
is icmp_unhandled.
"""

import socket

from scapy.layers.inet import TCP, UDP
from scapy.layers.inet6 import (ICMPv6DestUnreach, ICMPv6EchoRequest, ICMPv6PacketTooBig,
                                ICMPv6TimeExceeded, IPv6)
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from cases_dr6 import dr6
from cases_nat6 import CLIENT6, RS6, VIP6, c_tcp, frame6, nat6_inbound
from cases_tun6 import VIP6 as VIP6_TUN
from cases_tun6 import tun6
from golden import CLIENT_MAC, OUR_MAC, RS1_MAC, Case, Expect

ROUTER6 = "2001:db8:77::1"
VIP6_DR = "2001:db8:20::80"


def quote_from_vip(vip: str, cport: int, vport: int = 80, proto=TCP) -> bytes:
    """What the VIP (the server, for the client) sent: VIP:vport -> client."""
    l4 = proto(sport=vport, dport=cport) if proto is UDP else \
        TCP(sport=vport, dport=cport, flags="SA", seq=5000, ack=1001)
    return bytes(IPv6(src=vip, dst=CLIENT6, hlim=63) / l4)


def from_router(dst: str, icmp, quoted: bytes):
    return frame6(IPv6(src=ROUTER6, dst=dst, hlim=60) / icmp / Raw(quoted))


syn = c_tcp(sport=50500)
ptb_nat = from_router(VIP6, ICMPv6PacketTooBig(mtu=1400), quote_from_vip(VIP6, 50500))
# The quote as the server sent it, before we rewrote its source to the VIP.
ptb_nat_out = Expect(Ether(bytes(
    Ether(dst=RS1_MAC, src=OUR_MAC) / IPv6(src=ROUTER6, dst=RS6, hlim=59) /
    ICMPv6PacketTooBig(mtu=1400) /
    Raw(bytes(IPv6(src=RS6, dst=CLIENT6, hlim=63) /
              TCP(sport=8080, dport=50500, flags="SA", seq=5000, ack=1001))))))

# Only the first 8 bytes of TCP quoted: addresses and port rewritten, no checksum there.
short = quote_from_vip(VIP6, 50501)[:48]
short_out = bytearray(short)
short_out[8:24] = socket.inet_pton(socket.AF_INET6, RS6)
short_out[40:42] = (8080).to_bytes(2, "big")
du_short = from_router(VIP6, ICMPv6DestUnreach(code=1), short)

syn_dr = c_tcp(vip=VIP6_DR, sport=50510)
du_dr = from_router(VIP6_DR, ICMPv6DestUnreach(code=3), quote_from_vip(VIP6_DR, 50510))
syn_tun = c_tcp(vip=VIP6_TUN, sport=50520)
te_tun = from_router(VIP6_TUN, ICMPv6TimeExceeded(code=0), quote_from_vip(VIP6_TUN, 50520))

# From the NAT66 server: what the client sent it after our rewrite, client -> [RS]:8080.
rs_quote = bytes(IPv6(src=CLIENT6, dst=RS6, hlim=63) /
                 TCP(sport=50530, dport=8080, flags="A", seq=1001, ack=5001) / Raw(b"x" * 1300))
syn_rs = c_tcp(sport=50530)
ptb_rs = frame6(IPv6(src=RS6, dst=CLIENT6, hlim=64) / ICMPv6PacketTooBig(mtu=1280) /
                Raw(rs_quote[:1232]), src_mac=RS1_MAC)
client_quote = bytes(IPv6(src=CLIENT6, dst=VIP6, hlim=63) /
                     TCP(sport=50530, dport=80, flags="A", seq=1001, ack=5001) / Raw(b"x" * 1300))
ptb_rs_out = Expect(Ether(bytes(
    Ether(dst=CLIENT_MAC, src=OUR_MAC) / IPv6(src=VIP6, dst=CLIENT6, hlim=63) /
    ICMPv6PacketTooBig(mtu=1280) / Raw(client_quote[:1232]))))

CASES = [
    Case("Packet Too Big from a router about a NAT66 connection: to the server, rewritten",
         inputs=[syn, ptb_nat], expect=[nat6_inbound(syn), ptb_nat_out],
         counters={"icmp_errors_forwarded": 1}),

    Case("quote of 8 TCP bytes: address and port rewritten, nothing past them",
         inputs=[c_tcp(sport=50501), du_short],
         expect=[nat6_inbound(c_tcp(sport=50501)),
                 Expect(Ether(bytes(Ether(dst=RS1_MAC, src=OUR_MAC) /
                                    IPv6(src=ROUTER6, dst=RS6, hlim=59) /
                                    ICMPv6DestUnreach(code=1) / Raw(bytes(short_out)))))]),

    Case("Destination Unreachable about a DR connection: unchanged to the server's MAC",
         inputs=[syn_dr, du_dr],
         expect=[dr6(syn_dr), dr6(du_dr)]),

    Case("Time Exceeded about a TUN connection: tunnelled to the server",
         inputs=[syn_tun, te_tun], expect=[tun6(syn_tun), tun6(te_tun)]),

    Case("Packet Too Big from the NAT66 server: to the client from the VIP, quote back to VIP:80",
         inputs=[syn_rs, ptb_rs], expect=[nat6_inbound(syn_rs), ptb_rs_out],
         counters={"icmp_errors_forwarded": 1}),

    Case("two workers: the error reaches the connection's core",
         inputs=[syn, ptb_nat], expect=[nat6_inbound(syn), ptb_nat_out], workers=2,
         counters={"icmp_errors_forwarded": 1}),

    Case("error about a connection we do not track: icmp_no_conn",
         inputs=[from_router(VIP6, ICMPv6PacketTooBig(mtu=1400), quote_from_vip(VIP6, 50599))],
         expect=[], drops={"icmp_no_conn": 1}),

    Case("error quoting an ICMPv6 echo: icmp_unhandled",
         inputs=[from_router(VIP6, ICMPv6DestUnreach(code=1),
                             bytes(IPv6(src=VIP6, dst=CLIENT6) / ICMPv6EchoRequest()))],
         expect=[], drops={"icmp_unhandled": 1}),

    Case("quote shorter than 8 bytes of TCP: icmp_unhandled",
         inputs=[syn, from_router(VIP6, ICMPv6DestUnreach(code=1),
                                  quote_from_vip(VIP6, 50500)[:46])],
         expect=[nat6_inbound(syn)], drops={"icmp_unhandled": 1}),
]
