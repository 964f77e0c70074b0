"""DR: VIP 192.0.2.20 tcp/80 and udp/53 -> 10.0.0.12 (MAC 02:00:00:00:00:12).

Only the Ethernet header changes: dst = the RS MAC, src = our MAC. The IP
packet goes out byte-identical to what the client sent (TTL not decremented):
the RS holds the VIP on a non-ARPing alias and answers the client directly.
"""

from golden import RS2_MAC, VIP_DR, Case, client_tcp, client_udp, dr, payload

syn = client_tcp(VIP_DR, 80, sport=43001, flags="S", seq=100, tos=0x10, ip_id=0x1111)
ack = client_tcp(VIP_DR, 80, sport=43001, flags="A", seq=101, ack=9001, ip_id=0x1112)
data = client_tcp(VIP_DR, 80, sport=43001, flags="PA", seq=101, ack=9001, ip_id=0x1113,
                  data=b"GET /dr HTTP/1.1\r\n\r\n")
big = client_tcp(VIP_DR, 80, sport=43001, flags="A", seq=121, ack=9001, ip_id=0x1114,
                 data=payload(1460))
syn_ttl2 = client_tcp(VIP_DR, 80, sport=43002, flags="S", ttl=2, df=False, tos=0, ip_id=7)
stray_ack = client_tcp(VIP_DR, 80, sport=43009, flags="A", seq=1, ack=1)
dgram = client_udp(VIP_DR, 53, sport=44001, data=b"dr-query", tos=0x28, ip_id=0x2222)
dgram_nocsum = client_udp(VIP_DR, 53, sport=44002, data=b"dr-nocsum", chksum=0)

# Segments in later bursts than their connection's SYN: the burst's lookup
# finds the connection and the established path (engine/established.ipp)
# takes them. DR leaves the TTL alone, so a TTL 1 segment goes on as it
# came; a FIN or RST closes the connection, so the client's next SYN on the
# same tuple is a new connection (conns_created 2), not a retransmission.
data_ttl1 = client_tcp(VIP_DR, 80, sport=43001, flags="PA", seq=101, ack=9001, ttl=1,
                       ip_id=0x1115, data=b"last hop")
fin = client_tcp(VIP_DR, 80, sport=43001, flags="FA", seq=109, ack=9001, ip_id=0x1116)
rst = client_tcp(VIP_DR, 80, sport=43001, flags="R", seq=101, ip_id=0x1117)
syn_again = client_tcp(VIP_DR, 80, sport=43001, flags="S", seq=5000, ip_id=0x1118)

CASES = [
    Case("tcp SYN: eth dst -> RS2, IP packet byte-identical (TTL kept)",
         inputs=[syn],
         expect=[dr(syn, RS2_MAC)]),

    Case("tcp SYN with TTL 2 and no DF: still byte-identical",
         inputs=[syn_ttl2],
         expect=[dr(syn_ttl2, RS2_MAC)]),

    Case("tcp handshake, data and a full-size segment follow the connection",
         inputs=[syn, ack, data, big],
         expect=[dr(p, RS2_MAC) for p in (syn, ack, data, big)]),

    Case("tcp non-SYN segment without a connection: dropped (tcp_no_conn)",
         inputs=[stray_ack],
         expect=[],
         drops={"tcp_no_conn": 1}),

    Case("udp datagram: eth dst -> RS2, IP packet byte-identical",
         inputs=[dgram],
         expect=[dr(dgram, RS2_MAC)]),

    Case("udp datagram with checksum 0: byte-identical",
         inputs=[dgram_nocsum],
         expect=[dr(dgram_nocsum, RS2_MAC)]),

    Case("later bursts: ACK, a TTL 1 segment and a FIN, each byte-identical (TTL kept)",
         inputs=[syn, ack, data_ttl1, fin],
         burst_at=[1, 2, 3],
         expect=[dr(p, RS2_MAC) for p in (syn, ack, data_ttl1, fin)]),

    Case("FIN in a later burst: the client's next SYN on the tuple is a new connection",
         inputs=[syn, ack, fin, syn_again],
         burst_at=[1, 2, 3],
         expect=[dr(p, RS2_MAC) for p in (syn, ack, fin, syn_again)],
         counters={"conns_created": 2}),

    Case("RST in a later burst: the client's next SYN on the tuple is a new connection",
         inputs=[syn, rst, syn_again],
         burst_at=[1, 2],
         expect=[dr(p, RS2_MAC) for p in (syn, rst, syn_again)],
         counters={"conns_created": 2}),

    # HA (Case.standby): VRRP BACKUP for the VIP once the connection exists;
    # its later segments are the master's (dispatch drops them, ha_backup).
    Case("HA: BACKUP for the VIP after the SYN: the client's next segments dropped (ha_backup)",
         inputs=[syn, ack, data],
         burst_at=[2], standby=[VIP_DR], standby_at=1,
         expect=[dr(syn, RS2_MAC)],
         drops={"ha_backup": 2}),
]
