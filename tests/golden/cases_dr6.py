"""DR over IPv6 (issue 15, stage 2): VIP 2001:db8:20::80 tcp/80 and udp/53 ->
2001:db8:1::12 (MAC 02:00:00:00:00:12).

Only the Ethernet header changes: dst = the server's MAC, src = ours. The
IPv6 packet goes out byte-identical (hop limit too): the server holds the
VIP on a loopback and answers the client directly.
"""

from scapy.layers.inet import TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from golden import CLIENT_MAC, OUR_MAC, RS2_MAC, Case, Expect

CLIENT6 = "2001:db8:1::2"
VIP6 = "2001:db8:20::80"
VIP6_SORRY = "2001:db8:21::80"  # sorry6-dr: no real server, sorry server ::12 (dr)


def frame6(ip):
    return Ether(bytes(Ether(dst=OUR_MAC, src=CLIENT_MAC) / ip))


def c_tcp(sport: int = 52000, flags: str = "S", seq: int = 1, ack: int = 0, data: bytes = b"",
          hlim: int = 64, vip: str = VIP6):
    return frame6(IPv6(src=CLIENT6, dst=vip, hlim=hlim) /
                  TCP(sport=sport, dport=80, flags=flags, seq=seq, ack=ack) / Raw(data))


def dr6(inp) -> Expect:
    ip = bytes(inp[IPv6])
    return Expect(Ether(bytes(Ether(dst=RS2_MAC, src=OUR_MAC) / IPv6(ip))), ip_bytes=ip)


syn = c_tcp()
ack = c_tcp(flags="A", seq=2, ack=9001)
data = c_tcp(flags="PA", seq=2, ack=9001, data=b"GET /dr6 HTTP/1.1\r\n\r\n")
big = c_tcp(flags="A", seq=24, ack=9001, data=bytes(range(256)) * 5 + b"z" * 160)
dgram = frame6(IPv6(src=CLIENT6, dst=VIP6) / UDP(sport=53000, dport=53) / Raw(b"dr6-query"))

CASES = [
    Case("tcp SYN: Ethernet to the server, IPv6 packet byte-identical (hop limit kept)",
         inputs=[syn], expect=[dr6(syn)], counters={"conns_created": 1}),

    Case("handshake, request and a full-size segment follow the connection",
         inputs=[syn, ack, data, big], expect=[dr6(p) for p in (syn, ack, data, big)]),

    Case("hop limit 1: DR is no router hop, forwarded unchanged",
         inputs=[c_tcp(sport=52001, hlim=1)], expect=[dr6(c_tcp(sport=52001, hlim=1))]),

    Case("udp datagram: byte-identical to the server",
         inputs=[dgram], expect=[dr6(dgram)]),

    Case("tcp ACK without a connection: dropped",
         inputs=[c_tcp(sport=52002, flags="A", seq=5, ack=5)], expect=[],
         drops={"tcp_no_conn": 1}),

    Case("no service on that port: dropped",
         inputs=[frame6(IPv6(src=CLIENT6, dst=VIP6) / TCP(sport=1, dport=443, flags="S"))],
         expect=[], drops={"no_service": 1}),

    Case("no real server: the IPv6 sorry server (forward: dr) gets the SYN byte-identical",
         inputs=[c_tcp(sport=52100, vip=VIP6_SORRY)],
         expect=[dr6(c_tcp(sport=52100, vip=VIP6_SORRY))], counters={"conns_created": 1}),
]
