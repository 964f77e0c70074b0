"""ICMP: echo to our addresses and VIPs, and ICMP errors for virtual services.

Echo request to a VIP or one of our addresses: echo reply from that address
to the client, TTL 64, type 0 code 0, same id/seq/data. Echo to an address
that is not ours: no output (icmp_unhandled).

ICMP errors (type 3, type 11) quoting a tracked connection:
  - from outside (a router, 198.51.100.1, to the VIP, quoting VIP:vport ->
    client:cport): NAT -> to the RS with outer dst = RS, TTL-1, quoted
    src/sport = RS/RS port, quoted IP checksum valid; DR -> to the RS MAC,
    IP packet unchanged; TUN -> encapsulated to the RS.
  - from a NAT real server (RS -> client quoting client -> RS:port): to the
    client with outer src = VIP, TTL-1, quoted dst/dport = VIP/vport.
  - quoting a connection we do not track: no output (icmp_no_conn).
"""

import struct

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from golden import (CLIENT, CLIENT_MAC, LB_CLIENT_SIDE, LB_RS_SIDE, OUR_MAC, RS1, RS1_MAC, RS2_MAC,
                    RS3, ROUTER, VIP_DR, VIP_NAT, VIP_TUN, Case, Expect, client_tcp, client_udp, dr,
                    echo_reply, echo_request, icmp_error, nat_inbound, payload, quote, tun)


def patch_quote(q: bytes, src=None, dst=None, sport=None, dport=None) -> bytes:
    """The quoted packet q with addresses/ports rewritten and its IP header checksum fixed."""
    b = bytearray(q)
    ihl = (b[0] & 0x0F) * 4
    if src is not None:
        b[12:16] = bytes(map(int, src.split(".")))
    if dst is not None:
        b[16:20] = bytes(map(int, dst.split(".")))
    if sport is not None:
        b[ihl:ihl + 2] = struct.pack("!H", sport)
    if dport is not None:
        b[ihl + 2:ihl + 4] = struct.pack("!H", dport)
    h = IP(bytes(b[:ihl]))
    h.chksum = None
    b[:ihl] = bytes(h)[:ihl]
    return bytes(b)


def icmp_forwarded(inp, eth_dst: str, ip_src=None, ip_dst=None, **quote_changes) -> Expect:
    """inp (an ICMP error frame) with Ethernet, outer addresses, TTL-1 and quote rewritten."""
    ip = inp[IP]
    raw = bytes(ip)
    ihl = ip.ihl * 4
    icmp_hdr, quoted = raw[ihl:ihl + 8], raw[ihl + 8:ip.len]
    outer = IP(raw[:ihl])
    if ip_src:
        outer.src = ip_src
    if ip_dst:
        outer.dst = ip_dst
    outer.ttl -= 1
    outer.chksum = None
    icmp = ICMP(icmp_hdr)
    icmp.chksum = None
    e = Ether(dst=eth_dst, src=OUR_MAC) / outer / icmp / Raw(patch_quote(quoted, **quote_changes))
    return Expect(Ether(bytes(e)))


# Echo.
echo_vip = echo_request(VIP_NAT, icmp_id=0x101, seq=1)
echo_dr_vip = echo_request(VIP_DR, icmp_id=0x102, seq=2)
echo_lb = echo_request(LB_CLIENT_SIDE, icmp_id=0x103, seq=3)
echo_lb_rs_side = echo_request(LB_RS_SIDE, icmp_id=0x104, seq=4)
echo_big = echo_request(VIP_NAT, icmp_id=0x105, seq=5, data=payload(1000))
echo_other = echo_request("10.0.1.99", icmp_id=0x106, seq=6)

# Errors from a router about a tracked connection (the client's SYN created it).
# The quoted packet is what we sent the client: VIP:vport -> client:cport.
nat_syn = client_tcp(VIP_NAT, 80, sport=48001, flags="S", seq=1000)
nat_synack_seen = IP(src=VIP_NAT, dst=CLIENT, ttl=63, id=0x7001, flags="DF") / \
    TCP(sport=80, dport=48001, flags="SA", seq=5000, ack=1001)
nat_frag_needed = icmp_error(ROUTER, VIP_NAT, quote(nat_synack_seen), 3, 4, nexthopmtu=1400)
nat_time_exceeded = icmp_error(ROUTER, VIP_NAT, quote(nat_synack_seen), 11, 0)

dr_syn = client_tcp(VIP_DR, 80, sport=48002, flags="S", seq=1000)
dr_synack_seen = IP(src=VIP_DR, dst=CLIENT, ttl=62, id=0x7002, flags="DF") / \
    TCP(sport=80, dport=48002, flags="SA", seq=6000, ack=1001)
dr_frag_needed = icmp_error(ROUTER, VIP_DR, quote(dr_synack_seen), 3, 4, nexthopmtu=1280)

tun_syn = client_tcp(VIP_TUN, 80, sport=48003, flags="S", seq=1000)
tun_synack_seen = IP(src=VIP_TUN, dst=CLIENT, ttl=62, id=0x7003, flags="DF") / \
    TCP(sport=80, dport=48003, flags="SA", seq=7000, ack=1001)
tun_frag_needed = icmp_error(ROUTER, VIP_TUN, quote(tun_synack_seen), 3, 4, nexthopmtu=1280)

untracked_seen = IP(src=VIP_NAT, dst=CLIENT, ttl=63, id=0x7004, flags="DF") / \
    TCP(sport=80, dport=48999, flags="SA", seq=5000, ack=1001)
untracked_error = icmp_error(ROUTER, VIP_NAT, quote(untracked_seen), 3, 4, nexthopmtu=1400)

# Error from a NAT real server: RS1 answers the datagram it received
# (client:cport -> RS1:5353) with port unreachable, quoting all of it.
udp_query = client_udp(VIP_NAT, 53, sport=48101, data=b"\x00\x01where")
udp_seen_by_rs = IP(src=CLIENT, dst=RS1, ttl=63, id=udp_query[IP].id) / \
    UDP(sport=48101, dport=5353) / Raw(b"\x00\x01where")
rs_port_unreach = icmp_error(RS1, CLIENT, quote(udp_seen_by_rs, None), 3, 3, ttl=64,
                             mac=RS1_MAC)

CASES = [
    Case("echo to a VIP (192.0.2.10): reply from the VIP",
         inputs=[echo_vip], expect=[echo_reply(echo_vip)]),

    Case("echo to a DR VIP (192.0.2.20): reply from the VIP",
         inputs=[echo_dr_vip], expect=[echo_reply(echo_dr_vip)]),

    Case("echo to 10.0.1.1: reply from 10.0.1.1",
         inputs=[echo_lb], expect=[echo_reply(echo_lb)]),

    Case("echo to 10.0.0.1 (ours, other subnet): reply from 10.0.0.1",
         inputs=[echo_lb_rs_side], expect=[echo_reply(echo_lb_rs_side)]),

    Case("echo with 1000 bytes of data: same data back",
         inputs=[echo_big], expect=[echo_reply(echo_big)]),

    Case("echo to 10.0.1.99 (not ours): no reply (icmp_unhandled)",
         inputs=[echo_other], expect=[], drops={"icmp_unhandled": 1}),

    Case("frag-needed from a router about a NAT conn: to RS1, quote = RS1:8080 -> client",
         inputs=[nat_syn, nat_frag_needed],
         expect=[nat_inbound(nat_syn, RS1, 8080),
                 icmp_forwarded(nat_frag_needed, RS1_MAC, ip_dst=RS1, src=RS1, sport=8080)],
         counters={"icmp_errors_forwarded": 1}),

    Case("time-exceeded from a router about a NAT conn: to RS1, quote rewritten",
         inputs=[nat_syn, nat_time_exceeded],
         expect=[nat_inbound(nat_syn, RS1, 8080),
                 icmp_forwarded(nat_time_exceeded, RS1_MAC, ip_dst=RS1, src=RS1, sport=8080)],
         counters={"icmp_errors_forwarded": 1}),

    Case("frag-needed about a DR conn: to RS2's MAC, IP packet unchanged",
         inputs=[dr_syn, dr_frag_needed],
         expect=[dr(dr_syn, RS2_MAC), dr(dr_frag_needed, RS2_MAC)],
         counters={"icmp_errors_forwarded": 1}),

    Case("frag-needed about a TUN conn: encapsulated to RS3",
         inputs=[tun_syn, tun_frag_needed],
         expect=[tun(tun_syn, RS3), tun(tun_frag_needed, RS3)],
         counters={"icmp_errors_forwarded": 1}),

    Case("ICMP error quoting an untracked connection: no output (icmp_no_conn)",
         inputs=[untracked_error], expect=[], drops={"icmp_no_conn": 1},
         counters={"icmp_errors_forwarded": 0}),

    Case("port-unreachable from NAT RS1: to the client from the VIP, quote = client -> VIP:53",
         inputs=[udp_query, rs_port_unreach],
         expect=[nat_inbound(udp_query, RS1, 5353),
                 icmp_forwarded(rs_port_unreach, CLIENT_MAC, ip_src=VIP_NAT, dst=VIP_NAT, dport=53)],
         counters={"icmp_errors_forwarded": 1}),
]
