"""Mixed forwarding methods in one service, and malformed input.

192.0.2.40:80 rr over 10.0.0.11:8080 nat, 10.0.0.12 dr, 10.0.0.13 tun: three
SYNs from three client ports go NAT, DR, TUN in that order.
Malformed frames produce no output and count one drop under their reason.
"""

from scapy.layers.inet import IP, TCP
from scapy.packet import Raw

from golden import (CLIENT, RS1, RS2_MAC, RS3, VIP_EMPTY, VIP_NAT, VIP_MIXED, Case, client_tcp,
                    client_udp, dr, frame, nat_inbound, port_unreachable_from_vip, reset_from_vip,
                    tun)

m1 = client_tcp(VIP_MIXED, 80, sport=42001, flags="S", ip_id=0x4001)
m2 = client_tcp(VIP_MIXED, 80, sport=42002, flags="S", ip_id=0x4002)
m3 = client_tcp(VIP_MIXED, 80, sport=42003, flags="S", ip_id=0x4003)
m1_ack = client_tcp(VIP_MIXED, 80, sport=42001, flags="A", seq=1001, ack=1, ip_id=0x4004)
m2_ack = client_tcp(VIP_MIXED, 80, sport=42002, flags="A", seq=1001, ack=1, ip_id=0x4005)
m3_ack = client_tcp(VIP_MIXED, 80, sport=42003, flags="A", seq=1001, ack=1, ip_id=0x4006)

other_mac = client_tcp(VIP_NAT, 80, sport=45001)
other_mac = frame(other_mac["IP"], dst_mac="02:00:00:00:99:99")
bad_ip_csum = frame(IP(src=CLIENT, dst=VIP_NAT, chksum=0xDEAD) / TCP(sport=45002, dport=80, flags="S"))
truncated_tcp = frame(IP(src=CLIENT, dst=VIP_NAT, proto=6) / Raw(bytes(TCP(sport=45003, dport=80))[:10]))
ttl1 = client_tcp(VIP_NAT, 80, sport=45004, flags="S", ttl=1)

# No usable server (issue 19): the client hears so at once unless the
# service says on_no_server: drop.
syn_empty = client_tcp(VIP_EMPTY, 80, sport=46001, flags="S")
syn_quiesced = client_tcp(VIP_EMPTY, 82, sport=46002, flags="S")
syn_drop = client_tcp(VIP_EMPTY, 81, sport=46003, flags="S")
ack_empty = client_tcp(VIP_EMPTY, 80, sport=46004, flags="A", seq=1001, ack=1)
udp_empty = client_udp(VIP_EMPTY, 53, sport=46005)


CASES = [
    # A new NAT connection's first packet leaves at the end of its burst (its
    # reply key is indexed then: conn_tracker.hpp), so across flows the order
    # is not the input's; each flow's own order is (cases_nat.py checks it).
    # The SYNs' ports tell which frame is which, so rr's order is still checked.
    Case("mixed rr: three SYNs go NAT (RS1:8080), DR (RS2), TUN (RS3) in that order",
         inputs=[m1, m2, m3],
         expect=[nat_inbound(m1, RS1, 8080), dr(m2, RS2_MAC), tun(m3, RS3)],
         ordered=False),

    Case("mixed: each connection keeps its method for later segments",
         inputs=[m1, m2, m3, m3_ack, m2_ack, m1_ack],
         expect=[nat_inbound(m1, RS1, 8080), dr(m2, RS2_MAC), tun(m3, RS3),
                 tun(m3_ack, RS3), dr(m2_ack, RS2_MAC), nat_inbound(m1_ack, RS1, 8080)],
         ordered=False),

    Case("frame to another MAC: dropped (l2_not_for_us)",
         inputs=[other_mac], expect=[], drops={"l2_not_for_us": 1}),

    Case("bad IP header checksum: dropped (ip_bad_checksum)",
         inputs=[bad_ip_csum], expect=[], drops={"ip_bad_checksum": 1}),

    Case("truncated TCP header (10 bytes): dropped (l4_malformed)",
         inputs=[truncated_tcp], expect=[], drops={"l4_malformed": 1}),

    Case("TTL 1 to a NAT service: dropped (ttl_exceeded)",
         inputs=[ttl1], expect=[], drops={"ttl_exceeded": 1}),

    Case("no usable server (empty pool): a SYN gets RST|ACK from the VIP",
         inputs=[syn_empty], expect=[reset_from_vip(syn_empty)],
         drops={"no_real_server": 1}, counters={"no_server_rejects": 1}),

    Case("no usable server (its one server has weight 0): a SYN gets RST|ACK from the VIP",
         inputs=[syn_quiesced], expect=[reset_from_vip(syn_quiesced)],
         drops={"no_real_server": 1}, counters={"no_server_rejects": 1}),

    Case("no usable server, UDP: ICMP port unreachable from the VIP",
         inputs=[udp_empty], expect=[port_unreachable_from_vip(udp_empty)],
         drops={"no_real_server": 1}, counters={"no_server_rejects": 1}),

    Case("no usable server, on_no_server: drop: silence",
         inputs=[syn_drop], expect=[], drops={"no_real_server": 1},
         counters={"no_server_rejects": 0}),

    Case("no usable server: a non-SYN is tcp_no_conn, never answered with a reset",
         inputs=[ack_empty], expect=[], drops={"tcp_no_conn": 1},
         counters={"no_server_rejects": 0}),
]
