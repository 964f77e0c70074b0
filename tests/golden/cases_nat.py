"""NAT: VIP 192.0.2.10 tcp/80 -> 10.0.0.11:8080, udp/53 -> 10.0.0.11:5353
(tcp/82: the same with max_half_open 2).

Inbound: eth to the RS, IP dst = RS, dport = RS port, TTL-1, everything else
(IP id, tos, flags, source, sport, seq/ack, options, payload) unchanged.
Reply (RS -> client, after the client created the connection): IP src = VIP,
sport = vport, TTL-1, eth to the client. Checksums valid throughout.
"""

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from scapy.layers.l2 import ARP

from golden import (CLIENT, GW_MAC, OUR_MAC, RS1, VIP_DR, VIP_NAT, Case, client_tcp, client_udp,
                    drop_errors, match_outputs, nat_inbound, nat_reply, payload, rs_tcp, rs_udp)

syn = client_tcp(VIP_NAT, 80, sport=40001, flags="S", seq=1000, tos=0x10, ip_id=0x1234)
ack = client_tcp(VIP_NAT, 80, sport=40001, flags="A", seq=1001, ack=5001, ip_id=0x1235)
data = client_tcp(VIP_NAT, 80, sport=40001, flags="PA", seq=1001, ack=5001, ip_id=0x1236,
                  data=b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n")
fin = client_tcp(VIP_NAT, 80, sport=40001, flags="FA", seq=1030, ack=5001, ip_id=0x1237)
synack = rs_tcp(RS1, 8080, 40001, flags="SA", seq=5000, ack=1001)
resp = rs_tcp(RS1, 8080, 40001, flags="PA", seq=5001, ack=1030,
              data=b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

syn_no_df = client_tcp(VIP_NAT, 80, sport=40002, flags="S", df=False, tos=0, ttl=5, ip_id=0)
big = client_tcp(VIP_NAT, 80, sport=40003, flags="PA", seq=7, ack=9, data=payload(1400))
big_syn = client_tcp(VIP_NAT, 80, sport=40003, flags="S", seq=6)

stray_ack = client_tcp(VIP_NAT, 80, sport=40009, flags="A", seq=1, ack=1)
stray_reply = rs_tcp(RS1, 8080, 40010, flags="SA")
stray_udp_reply = rs_udp(RS1, 5353, 41009)

dgram = client_udp(VIP_NAT, 53, sport=41001, data=b"\x12\x34query", ip_id=0x2345)
dgram_nocsum = client_udp(VIP_NAT, 53, sport=41002, data=b"no checksum", chksum=0)
answer = rs_udp(RS1, 5353, 41001, data=b"\x12\x34answer")

# New connections of one burst (frames arrive in bursts of 32): a new NAT
# connection's packet may wait until the burst's end for its reply key, so
# these check that each flow still leaves in order and that the limits count
# every new connection at once.
syn_b = client_tcp(VIP_NAT, 80, sport=40021, flags="S", seq=2000, ip_id=0x1301)
ack_b = client_tcp(VIP_NAT, 80, sport=40021, flags="A", seq=2001, ack=6001, ip_id=0x1302)
synack_b = rs_tcp(RS1, 8080, 40021, flags="SA", seq=6000, ack=2001)
rst_b = client_tcp(VIP_NAT, 80, sport=40021, flags="R", seq=2001, ip_id=0x1303)
syn_again_b = client_tcp(VIP_NAT, 80, sport=40021, flags="S", seq=9000, ip_id=0x1304)
bounded = [client_tcp(VIP_NAT, 82, sport=40030 + i, flags="S", seq=100 * i, ip_id=0x1400 + i)
           for i in range(3)]


# Replies in a later burst than their connection's first packet: the burst's
# lookup finds the connection by its reply key and the established path
# (engine/established.ipp) takes them, unless a check sends them back to
# the general path (a reload that removed the server of a service that
# resets on removal).
rst_from_rs = rs_tcp(RS1, 8080, 40001, flags="R", seq=5001, ack=0)
synack_ttl1 = rs_tcp(RS1, 8080, 40001, flags="SA", seq=5000, ack=1001, ttl=1)
NAT_TCP_LINE = ("  - { name: nat-tcp, vip: 192.0.2.10, port: 80, protocol: tcp, scheduler: rr, "
                "real_servers: [{ address: 10.0.0.11, port: 8080, forward: nat }] }\n")


# A client behind the gateway (172.16.0.0/16 via 10.0.0.254): replies go
# to the gateway's MAC, through the route's hop worked out with the Snapshot.
ROUTED_CLIENT = "172.16.9.9"
syn_routed = client_tcp(VIP_NAT, 80, sport=40041, flags="S", src=ROUTED_CLIENT, mac=GW_MAC)
synack_routed = rs_tcp(RS1, 8080, 40041, flags="SA", client=ROUTED_CLIENT)


def reply_via_gateway(inp):
    e = nat_reply(inp, VIP_NAT, 80)
    e.pkt[Ether].dst = GW_MAC
    return e


# Two workers (frames arrive on worker 0): a client port whose flow worker 1
# owns (sent_by_worker_1 checks it), so its connection is in worker 1's
# table. Worker 0's burst lookup of each later packet misses, so the general
# path hands it over and worker 1 sends it. (Each core's table holds only
# the flows it owns, so the ownership test of established.ipp never decides
# on its own: dropping it leaves this case passing.)
W1_PORT = 40050
syn_w1 = client_tcp(VIP_NAT, 80, sport=W1_PORT, flags="S", seq=3000, ip_id=0x1501)
synack_w1 = rs_tcp(RS1, 8080, W1_PORT, flags="SA", seq=8000, ack=3001)
ack_w1 = client_tcp(VIP_NAT, 80, sport=W1_PORT, flags="A", seq=3001, ack=8001, ip_id=0x1502)
resp_w1 = rs_tcp(RS1, 8080, W1_PORT, flags="PA", seq=8001, ack=3001, data=b"owned by worker 1")


def sent_by_worker_1(stats):
    """Worker 1 made the connection and sent all four; worker 0 handed all four over."""
    w0, w1 = stats["workers"][0], stats["workers"][1]
    want = {"w0.handoff_out": (w0["handoff_out"], 4), "w0.tx": (w0["tx"], 0),
            "w1.handoff_in": (w1["handoff_in"], 4), "w1.tx": (w1["tx"], 4),
            "w1.conns_created": (w1["conns_created"], 1)}
    errs = [f"{k}: {got}, want {n}" for k, (got, n) in want.items() if got != n]
    return errs + drop_errors(stats, {})


# HA (Case.standby): the box becomes VRRP BACKUP for the VIP after the SYN
# went through; the connection stays in the table, but its later packets,
# both ways, are the master's to forward (dispatch and ConnTracker::reply
# drop them as ha_backup). BACKUP for another VIP changes nothing here.
data_ha = client_tcp(VIP_NAT, 80, sport=40001, flags="PA", seq=1001, ack=5001, ip_id=0x1238,
                     data=b"to the backup")

# A client behind a gateway that is no static neighbour (172.17.0.0/16 via
# 10.8.0.254, on 10.8.0.0/21 where ARP resolves): the first reply waits for
# the gateway's ARP reply; replies then go to the learned MAC.
LEARNED_CLIENT = "172.17.3.3"
LEARNED_GW = "10.8.0.254"
LEARNED_GW_MAC = "02:00:00:00:08:fe"
syn_learned = client_tcp(VIP_NAT, 80, sport=40061, flags="S", seq=4000, src=LEARNED_CLIENT,
                         mac=LEARNED_GW_MAC)
synack_learned = rs_tcp(RS1, 8080, 40061, flags="SA", seq=9000, ack=4001, client=LEARNED_CLIENT)
resp_learned = rs_tcp(RS1, 8080, 40061, flags="PA", seq=9001, ack=4001, data=b"via a learned hop",
                      client=LEARNED_CLIENT)
gw_arp_reply = Ether(dst=OUR_MAC, src=LEARNED_GW_MAC) / ARP(
    op=2, hwsrc=LEARNED_GW_MAC, psrc=LEARNED_GW, hwdst=OUR_MAC, pdst="10.8.0.1")


def reply_via(inp, mac):
    e = nat_reply(inp, VIP_NAT, 80)
    e.pkt[Ether].dst = mac
    return e


def via_learned_gateway(outputs: list, _inputs: list) -> list:
    """The SYN to RS1, one ARP request for the gateway, then both replies to its MAC."""
    arps = [o for o in outputs if ARP in o]
    ips = [o for o in outputs if ARP not in o]
    errs = []
    if len(arps) != 1:
        errs.append(f"{len(arps)} ARP frames out, want 1 (who-has {LEARNED_GW})")
    else:
        a = arps[0]
        if (a[Ether].dst, a[Ether].src, a[ARP].op, a[ARP].hwsrc, a[ARP].psrc, a[ARP].pdst) != \
                ("ff:ff:ff:ff:ff:ff", OUR_MAC, 1, OUR_MAC, "10.8.0.1", LEARNED_GW):
            errs.append(f"ARP out: {a.summary()}, want a broadcast who-has {LEARNED_GW} "
                        "tell 10.8.0.1 from our MAC")
    return errs + match_outputs(ips, [nat_inbound(syn_learned, RS1, 8080),
                                      reply_via(synack_learned, LEARNED_GW_MAC),
                                      reply_via(resp_learned, LEARNED_GW_MAC)], True)


def without_nat_tcp(text: str) -> str:
    assert NAT_TCP_LINE in text
    return text.replace(NAT_TCP_LINE, "")


def nat_tcp_resets_on_other_server(text: str) -> str:
    assert NAT_TCP_LINE in text
    return text.replace(NAT_TCP_LINE, NAT_TCP_LINE.replace("10.0.0.11", "10.0.0.12").replace(
        "scheduler: rr,", "scheduler: rr, on_remove: reset,"))


def resets_both_ways(outputs: list, inputs: list) -> list:
    """The reply becomes an RST to the client from VIP:80; the server gets one back."""
    if len(outputs) != 3:
        return [f"{len(outputs)} frames out, want 3 (SYN, two RSTs)"]
    errs = []
    to_client = [o for o in outputs[1:] if IP in o and o[IP].dst == CLIENT]
    to_rs = [o for o in outputs[1:] if IP in o and o[IP].dst == RS1]
    if len(to_client) != 1 or to_client[0][IP].src != VIP_NAT or to_client[0][TCP].sport != 80 \
            or "R" not in to_client[0][TCP].flags:
        errs.append("no RST from VIP:80 to the client")
    if len(to_rs) != 1 or "R" not in to_rs[0][TCP].flags or to_rs[0][TCP].dport != 8080:
        errs.append("no RST back to RS1:8080")
    return errs


def nocsum_stays_zero():
    e = nat_inbound(dgram_nocsum, RS1, 5353)
    e.strict = ("UDP.chksum",)  # must stay 0 (= no checksum), not be recomputed
    return e


CASES = [
    Case("tcp SYN: dst -> RS1:8080, TTL-1, id/tos/DF/seq/options unchanged",
         inputs=[syn],
         expect=[nat_inbound(syn, RS1, 8080)]),

    Case("tcp SYN without DF, tos 0, id 0, TTL 5",
         inputs=[syn_no_df],
         expect=[nat_inbound(syn_no_df, RS1, 8080)]),

    Case("tcp handshake, data and FIN from the client all follow the connection",
         inputs=[syn, ack, data, fin],
         expect=[nat_inbound(p, RS1, 8080) for p in (syn, ack, data, fin)]),

    Case("tcp 1400-byte segment on an established connection",
         inputs=[big_syn, big],
         expect=[nat_inbound(big_syn, RS1, 8080), nat_inbound(big, RS1, 8080)]),

    Case("tcp non-SYN segment without a connection: dropped (tcp_no_conn)",
         inputs=[stray_ack],
         expect=[],
         drops={"tcp_no_conn": 1}),

    Case("tcp SYN-ACK and data from RS1 go back to the client from VIP:80",
         inputs=[syn, synack, ack, resp],
         expect=[nat_inbound(syn, RS1, 8080), nat_reply(synack, VIP_NAT, 80),
                 nat_inbound(ack, RS1, 8080), nat_reply(resp, VIP_NAT, 80)]),

    Case("tcp reply for an unknown connection: dropped (no_service)",
         inputs=[stray_reply],
         expect=[],
         drops={"no_service": 1}),

    Case("udp datagram: dst -> RS1:5353, TTL-1",
         inputs=[dgram],
         expect=[nat_inbound(dgram, RS1, 5353)]),

    Case("udp datagram with checksum 0: stays 0",
         inputs=[dgram_nocsum],
         expect=[nocsum_stays_zero()]),

    Case("udp answer from RS1:5353 goes to the client from VIP:53",
         inputs=[dgram, answer],
         expect=[nat_inbound(dgram, RS1, 5353), nat_reply(answer, VIP_NAT, 53)]),

    Case("udp answer for an unknown connection: dropped (no_service)",
         inputs=[stray_udp_reply],
         expect=[],
         drops={"no_service": 1}),

    Case("two new connections in one burst, interleaved: each flow's packets in order",
         inputs=[syn, syn_b, ack, ack_b, data],
         expect=[nat_inbound(p, RS1, 8080) for p in (syn, syn_b, ack, ack_b, data)]),

    Case("SYN, its SYN-ACK and the client's ACK in one burst, after another new connection",
         inputs=[syn, syn_b, synack_b, ack_b],
         expect=[nat_inbound(syn, RS1, 8080), nat_inbound(syn_b, RS1, 8080),
                 nat_reply(synack_b, VIP_NAT, 80), nat_inbound(ack_b, RS1, 8080)]),

    Case("SYN, RST and a new SYN on the same tuple in one burst: a fresh connection",
         inputs=[syn_b, rst_b, syn_again_b],
         expect=[nat_inbound(p, RS1, 8080) for p in (syn_b, rst_b, syn_again_b)]),

    Case("each packet in its own burst: replies and the ACK take the established path",
         inputs=[syn, synack, ack, resp],
         burst_at=[1, 2, 3],
         expect=[nat_inbound(syn, RS1, 8080), nat_reply(synack, VIP_NAT, 80),
                 nat_inbound(ack, RS1, 8080), nat_reply(resp, VIP_NAT, 80)]),

    Case("udp answer in a later burst: to the client from VIP:53",
         inputs=[dgram, answer],
         burst_at=[1],
         expect=[nat_inbound(dgram, RS1, 5353), nat_reply(answer, VIP_NAT, 53)]),

    Case("RST from the server in a later burst: to the client; the client's next SYN is new",
         inputs=[syn, rst_from_rs, syn],
         burst_at=[1, 2],
         expect=[nat_inbound(syn, RS1, 8080), nat_reply(rst_from_rs, VIP_NAT, 80),
                 nat_inbound(syn, RS1, 8080)],
         counters={"conns_created": 2}),

    Case("reply to a client behind the gateway: eth to the gateway's MAC",
         inputs=[syn_routed, synack_routed],
         expect=[nat_inbound(syn_routed, RS1, 8080), reply_via_gateway(synack_routed)]),

    Case("reply to a client behind the gateway, in a later burst: eth to the gateway's MAC",
         inputs=[syn_routed, synack_routed],
         burst_at=[1],
         expect=[nat_inbound(syn_routed, RS1, 8080), reply_via_gateway(synack_routed)]),

    Case("reply with TTL 1 in a later burst: dropped (ttl_exceeded)",
         inputs=[syn, synack_ttl1],
         burst_at=[1],
         expect=[nat_inbound(syn, RS1, 8080)],
         drops={"ttl_exceeded": 1}),

    Case("reply after a reload removed its service: still to the client (the connection drains)",
         inputs=[syn, synack],
         reload=without_nat_tcp, reload_at=1,
         expect=[nat_inbound(syn, RS1, 8080), nat_reply(synack, VIP_NAT, 80)]),

    Case("reply after a reload removed its server (on_remove: reset): resets both ways",
         inputs=[syn, resp],
         reload=nat_tcp_resets_on_other_server, reload_at=1,
         expect=resets_both_ways,
         counters={"removed_rs_resets": 1}),

    Case("two workers, worker 1 owns the flow: replies in later bursts are handed over to it",
         inputs=[syn_w1, synack_w1, ack_w1, resp_w1],
         burst_at=[1, 2, 3], workers=2,
         expect=[nat_inbound(syn_w1, RS1, 8080), nat_reply(synack_w1, VIP_NAT, 80),
                 nat_inbound(ack_w1, RS1, 8080), nat_reply(resp_w1, VIP_NAT, 80)],
         stats_check=sent_by_worker_1),

    Case("HA: BACKUP for the VIP after the SYN: the client's next segments dropped (ha_backup)",
         inputs=[syn, ack, data_ha],
         burst_at=[2], standby=[VIP_NAT], standby_at=1,
         expect=[nat_inbound(syn, RS1, 8080)],
         drops={"ha_backup": 2}),

    Case("HA: BACKUP for the VIP after the SYN: the server's replies dropped (ha_backup)",
         inputs=[syn, synack, resp],
         burst_at=[2], standby=[VIP_NAT], standby_at=1,
         expect=[nat_inbound(syn, RS1, 8080)],
         drops={"ha_backup": 2}),

    Case("HA: BACKUP for another VIP only: the connection goes on both ways in later bursts",
         inputs=[syn, synack, ack, resp],
         burst_at=[2, 3], standby=[VIP_DR], standby_at=1,
         expect=[nat_inbound(syn, RS1, 8080), nat_reply(synack, VIP_NAT, 80),
                 nat_inbound(ack, RS1, 8080), nat_reply(resp, VIP_NAT, 80)]),

    Case("reply via a learned gateway: held for its ARP reply, the next reply to the learned MAC",
         inputs=[syn_learned, synack_learned, gw_arp_reply, resp_learned],
         burst_at=[1, 2, 3],
         expect=via_learned_gateway),

    Case("reply via a gateway still resolving, in a later burst: held behind the first, in order",
         inputs=[syn_learned, synack_learned, resp_learned, gw_arp_reply],
         burst_at=[1, 2, 3],
         expect=via_learned_gateway),

    Case("max_half_open 2: the third SYN of one burst is refused (half_open_limit)",
         inputs=bounded,
         expect=[nat_inbound(p, RS1, 8080) for p in bounded[:2]],
         drops={"half_open_limit": 1}),
]
