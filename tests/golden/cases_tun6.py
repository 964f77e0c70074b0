"""TUN over IPv6 (issue 15, stage 2): IPv6-in-IPv6 (RFC 2473).

VIP 2001:db8:40::80 tcp/80 and udp/53 -> 2001:db8:1::12 (MAC 02:00:00:00:00:12);
VIP 2001:db8:41::80 tcp/80 -> 2001:db8:99::5, routed via 2001:db8:1::fe.

The client's IPv6 packet, byte-identical (hop limit not decremented: the
tunnel is no hop of the inner packet), behind an outer IPv6 header: version
6, traffic class and flow label of the inner packet, payload length = inner
length, next header 41, hop limit 64, source = our address facing the next
hop (2001:db8:1::1), destination = the real server. Ethernet to the next
hop: the server when connected, else the gateway.

MTU (the port's, 1500 unless the case says): an inner packet whose length +
40 exceeds it is never forwarded (IPv6 never fragments in transit); the
client gets ICMPv6 Packet Too Big (type 2, code 0) from 2001:db8:1::1 with
MTU = port MTU - 40, never below 1280, quoting the packet up to the
1280-byte minimum (drops.packet_too_big, icmp6_packet_too_big). Errors
are rate limited per worker (100/s, burst 20: icmp6_errors_limited).
"""

from scapy.layers.inet import TCP, UDP
from scapy.layers.inet6 import ICMPv6PacketTooBig, IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from golden import CLIENT_MAC, GW_MAC, OUR_MAC, RS2_MAC, Case, Expect, payload

OUR6 = "2001:db8:1::1"
CLIENT6 = "2001:db8:1::2"
VIP6 = "2001:db8:40::80"
VIP6_ROUTED = "2001:db8:41::80"
VIP6_SORRY = "2001:db8:42::80"  # sorry6-tun: no real server, sorry server ::12 (tun)
RS6 = "2001:db8:1::12"
RS6_ROUTED = "2001:db8:99::5"


def frame6(ip, pad: bytes = b""):
    return Ether(bytes(Ether(dst=OUR_MAC, src=CLIENT_MAC) / ip) + pad)


def c_tcp(sport: int = 54000, flags: str = "S", seq: int = 1, ack: int = 0, data: bytes = b"",
          hlim: int = 64, vip: str = VIP6, tc: int = 0x28, fl: int = 0x54321):
    return frame6(IPv6(src=CLIENT6, dst=vip, hlim=hlim, tc=tc, fl=fl) /
                  TCP(sport=sport, dport=80, flags=flags, seq=seq, ack=ack) / Raw(data))


def c_udp(sport: int = 55000, data: bytes = b"tun6-query", pad: bytes = b""):
    return frame6(IPv6(src=CLIENT6, dst=VIP6, tc=0x10, fl=0x777) / UDP(sport=sport, dport=53) /
                  Raw(data), pad)


def tcp_len(sport: int, ip_len: int):
    """An established-connection segment whose IPv6 packet is ip_len bytes."""
    return c_tcp(sport=sport, flags="A", seq=2, ack=9001, data=payload(ip_len - 60, seed=sport))


def tun6(inp, rs: str = RS6, nh_mac: str = RS2_MAC) -> Expect:
    inner = bytes(inp[IPv6])[:40 + inp[IPv6].plen]  # Ethernet padding is not tunnelled
    i = inp[IPv6]
    outer = IPv6(version=6, tc=i.tc, fl=i.fl, plen=len(inner), nh=41, hlim=64, src=OUR6, dst=rs)
    e = Ether(dst=nh_mac, src=OUR_MAC) / outer / Raw(inner)
    return Expect(Ether(bytes(e)), inner_bytes=inner)


def too_big(inp, mtu: int) -> Expect:
    quoted = bytes(inp[IPv6])[:1280 - 48]
    e = Ether(dst=CLIENT_MAC, src=OUR_MAC) / IPv6(src=OUR6, dst=CLIENT6, hlim=64) / \
        ICMPv6PacketTooBig(code=0, mtu=mtu) / Raw(quoted)
    return Expect(Ether(bytes(e)))


syn = c_tcp()
ack = c_tcp(flags="A", seq=2, ack=9001)
get = c_tcp(flags="PA", seq=2, ack=9001, data=b"GET /tun6 HTTP/1.1\r\n\r\n")
dgram = c_udp()
padded = c_udp(sport=55001, data=b"x", pad=b"\0" * 24)
routed_syn = c_tcp(sport=54100, vip=VIP6_ROUTED)

fits_syn = c_tcp(sport=54201)
fits = tcp_len(54201, 1460)           # outer 1500: exactly the MTU
big_syn = c_tcp(sport=54202)
big = tcp_len(54202, 1461)            # outer 1501: Packet Too Big, MTU 1460
small_syn = c_tcp(sport=54203)
small = tcp_len(54203, 1300)          # port MTU 1300: 1260 would be below 1280
burst_syn = c_tcp(sport=54204)
burst = [tcp_len(54204, 1461) for _ in range(25)]

CASES = [
    Case("tcp SYN: inside an outer IPv6 header (nh 41, hop limit 64, class and flow label kept)",
         inputs=[syn], expect=[tun6(syn)], counters={"conns_created": 1}),

    Case("handshake and request follow the connection, each byte-identical inside",
         inputs=[syn, ack, get], expect=[tun6(p) for p in (syn, ack, get)]),

    Case("hop limit 1: the tunnel is no hop of the inner packet, forwarded unchanged",
         inputs=[c_tcp(sport=54001, hlim=1)], expect=[tun6(c_tcp(sport=54001, hlim=1))]),

    Case("udp datagram: tunnelled",
         inputs=[dgram], expect=[tun6(dgram)]),

    Case("Ethernet padding after the packet is not tunnelled",
         inputs=[padded], expect=[tun6(padded)]),

    Case("routed server: outer to 2001:db8:99::5, Ethernet to the gateway",
         inputs=[routed_syn], expect=[tun6(routed_syn, RS6_ROUTED, GW_MAC)]),

    Case("inner 1460 bytes: outer 1500 fits the MTU exactly",
         inputs=[fits_syn, fits], expect=[tun6(fits_syn), tun6(fits)]),

    Case("inner 1461 bytes: Packet Too Big (MTU 1460) to the client, not forwarded",
         inputs=[big_syn, big], expect=[tun6(big_syn), too_big(big, 1460)],
         drops={"packet_too_big": 1}, counters={"icmp6_packet_too_big": 1}),

    Case("port MTU 1300: Packet Too Big says 1280, never less",
         inputs=[small_syn, small], expect=[tun6(small_syn), too_big(small, 1280)],
         mtu=1300, drops={"packet_too_big": 1}, counters={"icmp6_packet_too_big": 1}),

    Case("25 too big at once: 20 Packet Too Big (the burst), 5 over the rate, all dropped",
         inputs=[burst_syn] + burst,
         expect=[tun6(burst_syn)] + [too_big(p, 1460) for p in burst[:20]],
         drops={"packet_too_big": 25},
         counters={"icmp6_packet_too_big": 20, "icmp6_errors_limited": 5}),

    Case("tcp ACK without a connection: dropped",
         inputs=[c_tcp(sport=54002, flags="A", seq=5, ack=5)], expect=[],
         drops={"tcp_no_conn": 1}),

    Case("no real server: the IPv6 sorry server (forward: tun) gets the SYN in IPv6-in-IPv6",
         inputs=[c_tcp(sport=54100, vip=VIP6_SORRY)],
         expect=[tun6(c_tcp(sport=54100, vip=VIP6_SORRY))], counters={"conns_created": 1}),
]
