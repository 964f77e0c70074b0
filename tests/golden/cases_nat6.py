"""NAT66 (issue 15, stage 2): IPv6 VIP 2001:db8:10::80 tcp/80 -> [2001:db8:1::11]:8080,
udp/53 -> [2001:db8:1::11]:5353; 2001:db8:30::80 tcp/80 -> [2001:db8:1::13]:8080,
a server with no static neighbour (resolved by Neighbor Solicitation).

Inbound: Ethernet to the server, IPv6 destination and destination port
rewritten, hop limit - 1, everything else unchanged; the TCP/UDP checksum
is updated incrementally over the IPv6 pseudo-header and verified here
independently (scapy's in6_chksum). Replies: source back to VIP:port, hop
limit - 1, to the client. Hop limit 1 is never forwarded: Time Exceeded
(type 3 code 0) from our address on the client's subnet, quoting the packet.
IPv4 services keep working in the same run.
"""

from scapy.layers.inet import TCP, UDP
from scapy.layers.inet6 import (ICMPv6DestUnreach, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                                ICMPv6NDOptSrcLLAddr, ICMPv6TimeExceeded, IPv6,
                                IPv6ExtHdrDestOpt)
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from golden import (CLIENT_MAC, OUR_MAC, RS1, RS1_MAC, RS2_MAC, RS3_MAC, VIP_NAT, Case, Expect,
                    _rebuilt, client_tcp, nat_inbound)

OUR6 = "2001:db8:1::1"
CLIENT6 = "2001:db8:1::2"
VIP6 = "2001:db8:10::80"
VIP6_ND = "2001:db8:30::80"
RS6 = "2001:db8:1::11"
RS6_ND = "2001:db8:1::13"


def frame6(ip, src_mac: str = CLIENT_MAC, dst_mac: str = OUR_MAC):
    return Ether(bytes(Ether(dst=dst_mac, src=src_mac) / ip))


def c_tcp(vip: str = VIP6, dport: int = 80, sport: int = 50000, flags: str = "S",
          seq: int = 1000, ack: int = 0, data: bytes = b"", hlim: int = 64, ext=None):
    ip = IPv6(src=CLIENT6, dst=vip, hlim=hlim, tc=0x28, fl=0x12345)
    if ext is not None:
        ip = ip / ext
    return frame6(ip / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack) / Raw(data))


def c_udp(sport: int = 51000, data: bytes = b"query6", hlim: int = 64):
    return frame6(IPv6(src=CLIENT6, dst=VIP6, hlim=hlim) / UDP(sport=sport, dport=53) / Raw(data))


def rs_tcp(cport: int, flags: str = "SA", seq: int = 5000, ack: int = 1001, data: bytes = b"",
           src: str = RS6, sport: int = 8080, hlim: int = 64):
    return frame6(IPv6(src=src, dst=CLIENT6, hlim=hlim) /
                  TCP(sport=sport, dport=cport, flags=flags, seq=seq, ack=ack) / Raw(data),
                  src_mac=RS1_MAC)


def rs_udp(cport: int, data: bytes = b"answer6"):
    return frame6(IPv6(src=RS6, dst=CLIENT6, hlim=64) / UDP(sport=5353, dport=cport) / Raw(data),
                  src_mac=RS1_MAC)


def nat6_inbound(inp, rs: str = RS6, rs_port: int = 8080, rs_mac: str = RS1_MAC) -> Expect:
    e = inp.copy()
    e[Ether].dst, e[Ether].src = rs_mac, OUR_MAC
    e[IPv6].dst = rs
    e[IPv6].hlim -= 1
    (e[TCP] if TCP in e else e[UDP]).dport = rs_port
    return Expect(_rebuilt(e))


def nat6_reply(inp, vport: int = 80, vip: str = VIP6) -> Expect:
    e = inp.copy()
    e[Ether].dst, e[Ether].src = CLIENT_MAC, OUR_MAC
    e[IPv6].src = vip
    e[IPv6].hlim -= 1
    (e[TCP] if TCP in e else e[UDP]).sport = vport
    return Expect(_rebuilt(e))


def time_exceeded(inp) -> Expect:
    e = Ether(dst=CLIENT_MAC, src=OUR_MAC) / IPv6(src=OUR6, dst=CLIENT6, hlim=64) / \
        ICMPv6TimeExceeded(code=0) / Raw(bytes(inp[IPv6]))
    return Expect(Ether(bytes(e)))


syn = c_tcp()
synack = rs_tcp(50000)
ack = c_tcp(flags="A", seq=1001, ack=5001)
get = c_tcp(flags="PA", seq=1001, ack=5001, data=b"GET /six HTTP/1.1\r\n\r\n")
answer = rs_tcp(50000, flags="PA", seq=5001, ack=1022, data=b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * 999)
query = c_udp()
reply = rs_udp(51000)
syn_nd = c_tcp(vip=VIP6_ND, sport=50100)

# No usable server (the empty6-* services of golden.yaml.in).
VIP6_EMPTY = "2001:db8:60::80"
empty_syn = c_tcp(vip=VIP6_EMPTY, sport=50200, seq=7000,
                  ext=IPv6ExtHdrDestOpt())  # not repeated in the reset
empty_udp = frame6(IPv6(src=CLIENT6, dst=VIP6_EMPTY, hlim=64) / UDP(sport=51200, dport=53) /
                   Raw(b"anyone6"))
empty_drop = c_tcp(vip=VIP6_EMPTY, dport=81, sport=50201)

# No real server, a sorry server (the sorry6-* services of golden.yaml.in).
VIP6_SORRY = "2001:db8:61::80"
sorry_syn = c_tcp(vip=VIP6_SORRY, sport=50300)
sorry_answer = rs_tcp(50300, flags="SA")
sorry_udp = frame6(IPv6(src=CLIENT6, dst=VIP6_SORRY, hlim=64) / UDP(sport=51300, dport=53) /
                   Raw(b"sorry6"))
quiesced_syn = c_tcp(vip=VIP6_SORRY, dport=82, sport=50301)


def reset6_from_vip(inp) -> Expect:
    """RST|ACK from VIP:port acknowledging the SYN, hop limit 64, no extension headers."""
    ip, tcp = inp[IPv6], inp[TCP]
    e = Ether(dst=CLIENT_MAC, src=OUR_MAC) / IPv6(src=ip.dst, dst=ip.src, hlim=64, tc=0, fl=0) / \
        TCP(sport=tcp.dport, dport=tcp.sport, seq=0, ack=tcp.seq + 1, flags="RA", window=0)
    return Expect(_rebuilt(e), strict=("TCP.chksum",))


def port_unreachable6_from_vip(inp) -> Expect:
    """ICMPv6 Destination Unreachable, port unreachable (1/4), from the VIP, quoting the datagram."""
    e = Ether(dst=CLIENT_MAC, src=OUR_MAC) / IPv6(src=inp[IPv6].dst, dst=CLIENT6, hlim=64) / \
        ICMPv6DestUnreach(code=4) / Raw(bytes(inp[IPv6]))
    return Expect(Ether(bytes(e)))


# Persistence (the persist6* services of golden.yaml.in): servers ::11 and
# ::12 by rr. Clients 2001:db8:1::2 and ::3 share a /64; 2001:db8:2::7 and
# ::8 share another.
VIP6_P64 = "2001:db8:50::80"     # prefix_length 64
VIP6_PANY = "2001:db8:51::80"    # port 0, prefix_length 64: the port is kept
VIP6_P128 = "2001:db8:52::80"    # prefix_length 128 (the default)
RS6_B = "2001:db8:1::12"


def p_syn(src: str, vip: str = VIP6_P64, dport: int = 80, sport: int = 52000):
    return frame6(IPv6(src=src, dst=vip, hlim=64) / TCP(sport=sport, dport=dport, flags="S"))


p64 = [p_syn("2001:db8:1::2", sport=52000), p_syn("2001:db8:1::3", sport=52001),
       p_syn("2001:db8:2::7", sport=52002), p_syn("2001:db8:2::8", sport=52003),
       p_syn("2001:db8:1::2", sport=52004)]
p128 = [p_syn("2001:db8:1::2", VIP6_P128, sport=52100), p_syn("2001:db8:1::3", VIP6_P128, sport=52101),
        p_syn("2001:db8:1::2", VIP6_P128, sport=52102)]
pany = [p_syn("2001:db8:1::2", VIP6_PANY, 80, 52200), p_syn("2001:db8:1::3", VIP6_PANY, 443, 52201),
        p_syn("2001:db8:2::7", VIP6_PANY, 80, 52202)]


def same_server_by_prefix(outs, ins):
    """Two workers: each /64's connections all reach one server (rr positions
    are per core, so which server is not fixed here)."""
    if len(outs) != len(ins):
        return [f"expected {len(ins)} packets out, got {len(outs)}"]
    by_prefix = {}
    for o in outs:
        if IPv6 not in o or TCP not in o:
            return [f"unexpected output {o.summary()}"]
        client = o[IPv6].src
        by_prefix.setdefault(client.rsplit(":", 1)[0], set()).add(o[IPv6].dst)
    return [f"/64 {p}:: spread over {sorted(d)}" for p, d in by_prefix.items() if len(d) != 1]


CASES = [
    Case("tcp SYN: NAT66 to [RS]:8080, hop limit - 1, flow label and class kept, checksum right",
         inputs=[syn], expect=[nat6_inbound(syn)], counters={"conns_created": 1}),

    Case("tcp handshake, request and answer both ways: replies from VIP:80",
         inputs=[syn, synack, ack, get, answer],
         expect=[nat6_inbound(syn), nat6_reply(synack), nat6_inbound(ack), nat6_inbound(get),
                 nat6_reply(answer)]),

    Case("udp query and answer: NAT66 both ways (checksum never 0)",
         inputs=[query, reply], expect=[nat6_inbound(query, rs_port=5353), nat6_reply(reply, 53)]),

    Case("SYN behind a destination options header: rewritten past it",
         inputs=[c_tcp(sport=50001, ext=IPv6ExtHdrDestOpt())],
         expect=[nat6_inbound(c_tcp(sport=50001, ext=IPv6ExtHdrDestOpt()))]),

    Case("hop limit 1: Time Exceeded to the client from our address, quoting the packet",
         inputs=[c_tcp(sport=50002, hlim=1)], expect=[time_exceeded(c_tcp(sport=50002, hlim=1))],
         drops={"ttl_exceeded": 1}, counters={"icmp6_time_exceeded": 1}),

    Case("reply with hop limit 1: Time Exceeded to the server",
         inputs=[syn, rs_tcp(50000, hlim=1)],
         expect=[nat6_inbound(syn),
                 Expect(Ether(bytes(Ether(dst=RS1_MAC, src=OUR_MAC) /
                                    IPv6(src=OUR6, dst=RS6, hlim=64) / ICMPv6TimeExceeded(code=0) /
                                    Raw(bytes(rs_tcp(50000, hlim=1)[IPv6])))))],
         drops={"ttl_exceeded": 1}),

    Case("no service on that port: dropped",
         inputs=[c_tcp(dport=81, sport=50003)], expect=[], drops={"no_service": 1}),

    Case("a reply that matches no connection: dropped",
         inputs=[rs_tcp(50004)], expect=[], drops={"no_service": 1}),

    Case("tcp ACK without a connection: dropped (tcp_no_conn)",
         inputs=[c_tcp(sport=50005, flags="A", seq=2, ack=2)], expect=[],
         drops={"tcp_no_conn": 1}),

    Case("SYN from a VIP (spoofed): dropped",
         inputs=[frame6(IPv6(src=VIP6, dst=VIP6) / TCP(sport=1, dport=80, flags="S"))],
         expect=[], drops={"spoofed_own_address": 1}),

    Case("server not yet resolved: SYN held, NS to its solicited-node group; NA sends it",
         inputs=[syn_nd,
                 frame6(IPv6(src=RS6_ND, dst=OUR6, hlim=255) / ICMPv6ND_NA(tgt=RS6_ND, S=1) /
                        ICMPv6NDOptDstLLAddr(lladdr=RS3_MAC), src_mac=RS3_MAC)],
         expect=[Expect(Ether(bytes(Ether(dst="33:33:ff:00:00:13", src=OUR_MAC) /
                                    IPv6(src=OUR6, dst="ff02::1:ff00:13", hlim=255) /
                                    ICMPv6ND_NS(tgt=RS6_ND) /
                                    ICMPv6NDOptSrcLLAddr(lladdr=OUR_MAC)))),
                 nat6_inbound(syn_nd, rs=RS6_ND, rs_mac=RS3_MAC)],
         counters={"nd_solicits_sent": 1}),

    Case("server never answers NS: the held SYN is dropped after 3 s",
         inputs=[syn_nd], settle=4.5,
         expect=lambda outs, ins: [] if all(ICMPv6ND_NS in o for o in outs) and outs else
         [f"expected only solicitations, got {[o.summary() for o in outs]}"],
         drops={"neighbor_unresolved": 1}),

    Case("NS for the VIP: answered with our MAC, from the VIP",
         inputs=[frame6(IPv6(src=CLIENT6, dst="ff02::1:ff00:80", hlim=255) /
                        ICMPv6ND_NS(tgt=VIP6) / ICMPv6NDOptSrcLLAddr(lladdr=CLIENT_MAC),
                        dst_mac="33:33:ff:00:00:80")],
         expect=[Expect(Ether(bytes(Ether(dst=CLIENT_MAC, src=OUR_MAC) /
                                    IPv6(src=VIP6, dst=CLIENT6, hlim=255) /
                                    ICMPv6ND_NA(R=0, S=1, O=1, tgt=VIP6) /
                                    ICMPv6NDOptDstLLAddr(lladdr=OUR_MAC))))],
         counters={"nd_adverts_sent": 1}),

    Case("dual stack: an IPv4 NAT connection and an IPv6 one in one run",
         inputs=[client_tcp(VIP_NAT, 80, sport=47001, flags="S"), syn],
         expect=[nat_inbound(client_tcp(VIP_NAT, 80, sport=47001, flags="S"), RS1, 8080),
                 nat6_inbound(syn)],
         counters={"conns_created": 2},
         ordered=False),  # the IPv4 NAT SYN leaves at the end of its burst (conn_tracker.hpp)

    Case("no usable server: a SYN gets RST|ACK from the VIP (on_no_server: reject)",
         inputs=[empty_syn], expect=[reset6_from_vip(empty_syn)],
         drops={"no_real_server": 1}, counters={"no_server_rejects": 1}),

    Case("no usable server: a datagram gets ICMPv6 port unreachable from the VIP",
         inputs=[empty_udp], expect=[port_unreachable6_from_vip(empty_udp)],
         drops={"no_real_server": 1}, counters={"no_server_rejects": 1}),

    Case("no usable server, on_no_server: drop: the SYN is dropped silently",
         inputs=[empty_drop], expect=[], drops={"no_real_server": 1},
         counters={"no_server_rejects": 0}),

    Case("no real server: the IPv6 sorry server takes the SYN (NAT66), its answer from VIP:80",
         inputs=[sorry_syn, sorry_answer],
         expect=[nat6_inbound(sorry_syn), nat6_reply(sorry_answer, vip=VIP6_SORRY)],
         counters={"conns_created": 1}),

    Case("no real server: a datagram goes to the IPv6 sorry server's port 5353",
         inputs=[sorry_udp], expect=[nat6_inbound(sorry_udp, rs_port=5353)],
         counters={"conns_created": 1}),

    Case("a healthy server at weight 0 is still a server: no sorry server, RST|ACK",
         inputs=[quiesced_syn], expect=[reset6_from_vip(quiesced_syn)],
         drops={"no_real_server": 1}, counters={"no_server_rejects": 1}),

    Case("persistence /64: two clients of one /64 on one server, another /64 scheduled anew",
         inputs=p64,
         expect=[nat6_inbound(p64[0]), nat6_inbound(p64[1]),
                 nat6_inbound(p64[2], rs=RS6_B, rs_mac=RS2_MAC),
                 nat6_inbound(p64[3], rs=RS6_B, rs_mac=RS2_MAC), nat6_inbound(p64[4])],
         counters={"templates_created": 2, "templates_active": 2, "conns_created": 5}),

    Case("persistence /128 (default): two clients of one /64 are apart, one client stays",
         inputs=p128,
         expect=[nat6_inbound(p128[0]), nat6_inbound(p128[1], rs=RS6_B, rs_mac=RS2_MAC),
                 nat6_inbound(p128[2])],
         counters={"templates_created": 2}),

    Case("persistence, port 0: a /64 on one server whatever the port, the port kept",
         inputs=pany,
         expect=[nat6_inbound(pany[0], rs_port=80), nat6_inbound(pany[1], rs_port=443),
                 nat6_inbound(pany[2], rs=RS6_B, rs_port=80, rs_mac=RS2_MAC)],
         counters={"templates_created": 2}),

    Case("persistence /64, two workers: each /64 on one server through its template core",
         inputs=p64 + [p_syn("2001:db8:1::4", sport=52005), p_syn("2001:db8:2::9", sport=52006)],
         expect=same_server_by_prefix, workers=2,
         counters={"templates_created": 2, "conns_created": 7}),
]
