"""TUN: VIP 192.0.2.30 tcp/80, udp/53 -> 10.0.0.13; 192.0.2.31 tcp/80 -> 172.16.0.5.

The client's packet, byte-identical (TTL not decremented), inside an outer
IPv4 header: ihl 5, tos = inner tos, total length = inner + 20, any id,
DF = inner DF, MF 0, offset 0, TTL 64, protocol 4, src 10.0.0.1, dst = RS.
Ethernet to the next hop: the RS itself when connected, else the gateway.

MTU (the port's, 1500 unless the case says): an inner packet with DF whose
length + 20 exceeds it is not forwarded; the client gets ICMP 3/4 from
10.0.1.1 with next-hop MTU = MTU - 20 quoting the first 548 bytes of the
packet (drops.frag_needed). Without DF the outer packet is fragmented.
"""

from scapy.layers.inet import IP, defragment
from scapy.layers.l2 import Ether

from golden import (GW_MAC, LB_RS_SIDE, OUR_MAC, RS3, RS3_MAC, RS_ROUTED, VIP_TUN, VIP_TUN_ROUTED,
                    Case, client_tcp, client_udp, frag_needed, payload, tun)

syn = client_tcp(VIP_TUN, 80, sport=46001, flags="S", seq=300, tos=0x10, ip_id=0x5001)
ack = client_tcp(VIP_TUN, 80, sport=46001, flags="A", seq=301, ack=7001, ip_id=0x5002)
data = client_tcp(VIP_TUN, 80, sport=46001, flags="PA", seq=301, ack=7001, ip_id=0x5003,
                  data=b"GET /tun HTTP/1.1\r\n\r\n")
syn_no_df = client_tcp(VIP_TUN, 80, sport=46002, flags="S", df=False, tos=0, ttl=3, ip_id=0)
stray_ack = client_tcp(VIP_TUN, 80, sport=46009, flags="A", seq=1, ack=1)
dgram = client_udp(VIP_TUN, 53, sport=47001, data=b"tun-query", tos=0x28, ip_id=0x5101)
routed_syn = client_tcp(VIP_TUN_ROUTED, 80, sport=46101, flags="S", ip_id=0x5201)

# Segments in later bursts than their connection's SYN (the established
# path, engine/established.ipp): the inner packet keeps its TTL, 1 too; a
# FIN or RST closes the connection, so the client's next SYN on the same
# tuple is a new connection (conns_created 2).
data_ttl1 = client_tcp(VIP_TUN, 80, sport=46001, flags="PA", seq=301, ack=7001, ttl=1,
                       ip_id=0x5004, data=b"last hop")
fin = client_tcp(VIP_TUN, 80, sport=46001, flags="FA", seq=309, ack=7001, ip_id=0x5005)
rst = client_tcp(VIP_TUN, 80, sport=46001, flags="R", seq=301, ip_id=0x5006)
syn_again = client_tcp(VIP_TUN, 80, sport=46001, flags="S", seq=6000, ip_id=0x5007)


def tcp_len(sport: int, ip_len: int, df: bool = True, seq: int = 301):
    """An established-connection TCP segment whose IP packet is ip_len bytes (no options)."""
    return client_tcp(VIP_TUN, 80, sport=sport, flags="A", seq=seq, ack=7001, df=df,
                      data=payload(ip_len - 40, seed=sport & 0xFF))


def udp_len(sport: int, ip_len: int, df: bool = False, tos: int = 0):
    return client_udp(VIP_TUN, 53, sport=sport, df=df, tos=tos,
                      data=payload(ip_len - 28, seed=sport & 0xFF))


fits_syn = client_tcp(VIP_TUN, 80, sport=46201, flags="S", seq=300)
fits = tcp_len(46201, 1480)                        # outer 1500: exactly the MTU
big_syn = client_tcp(VIP_TUN, 80, sport=46202, flags="S", seq=300)
too_big = tcp_len(46202, 1481)                     # outer 1501: ICMP frag needed
burst_syn = client_tcp(VIP_TUN, 80, sport=46204, flags="S", seq=300)
burst = [tcp_len(46204, 1481, seq=301 + i * 1441) for i in range(25)]  # each earns an error
small_mtu_syn = client_tcp(VIP_TUN, 80, sport=46203, flags="S", seq=300)
too_big_576 = tcp_len(46203, 600)                  # MTU 576: outer 620
no_df_1500 = udp_len(47002, 1490, tos=0x08)        # outer 1510 > 1500: 2 fragments
no_df_576 = udp_len(47003, 1400)                   # outer 1420 at MTU 576: 3 fragments
# Port MTU 2040 with 2 KiB mbufs: a 2054-byte fragment frame does not fit one
# mbuf (2048 bytes of room); fragments are cut to what an mbuf holds.
no_df_2040 = udp_len(47004, 2030)                  # outer 2050 > 2040


def outer_fragments(inp, rs: str, nh_mac: str, mtu: int):
    """Spec 5 without DF: the outer packet fragmented within the MTU, reassembling to inp."""
    inner = bytes(inp[IP])
    tos = inp[IP].tos

    def check(outputs, _inputs):
        errs = []
        if len(outputs) < 2:
            return [f"{len(outputs)} output(s), want the outer packet in >= 2 fragments"]
        ids = set()
        frags = []
        for i, o in enumerate(outputs):
            o = Ether(bytes(o))
            ip = o[IP]
            raw = bytes(ip)
            chunk = raw[ip.ihl * 4:ip.len]
            want = {"Ether.dst": (o.dst, nh_mac), "Ether.src": (o.src, OUR_MAC),
                    "IP.ihl": (ip.ihl, 5), "IP.proto": (ip.proto, 4), "IP.src": (ip.src, LB_RS_SIDE),
                    "IP.dst": (ip.dst, rs), "IP.ttl": (ip.ttl, 64), "IP.tos": (ip.tos, tos),
                    "IP.DF": (bool(int(ip.flags) & 2), False)}
            errs += [f"frag[{i}] {k}: {g}, want {w}" for k, (g, w) in want.items() if g != w]
            if ip.len > mtu:
                errs.append(f"frag[{i}] IP.len {ip.len} > MTU {mtu}")
            if len(raw) != ip.len:
                errs.append(f"frag[{i}] frame holds {len(raw)} IP bytes, IP.len says {ip.len}")
            ids.add(ip.id)
            frags.append((ip.frag * 8, len(chunk), bool(int(ip.flags) & 1), i))
        if len(ids) != 1:
            errs.append(f"fragments carry different IP ids {sorted(ids)}")
        frags.sort()
        expect_off = 0
        for n, (off, ln, mf, i) in enumerate(frags):
            last = n == len(frags) - 1
            if off != expect_off:
                errs.append(f"frag[{i}] offset {off}, want {expect_off}")
            if mf == last:
                errs.append(f"frag[{i}] MF {int(mf)}, want {int(not last)}")
            if not last and ln % 8:
                errs.append(f"frag[{i}] carries {ln} bytes, not a multiple of 8")
            expect_off = off + ln
        if expect_off != len(inner):
            errs.append(f"fragments carry {expect_off} bytes, want {len(inner)} (the inner packet)")
        whole = defragment([IP(bytes(Ether(bytes(o))[IP])) for o in outputs])
        if len(whole) != 1:
            errs.append(f"scapy defragment gave {len(whole)} packets, want 1")
        else:
            w = bytes(whole[0])
            if len(w) != len(inner) + 20 or w[20:] != inner:
                errs.append("reassembled outer payload is not the inner packet byte-identical")
        return errs

    return check


CASES = [
    Case("tcp SYN with DF, tos 0x10: IP-in-IP to RS3, outer DF and tos copied",
         inputs=[syn],
         expect=[tun(syn, RS3)]),

    Case("tcp SYN without DF, TTL 3: outer DF clear, inner TTL kept",
         inputs=[syn_no_df],
         expect=[tun(syn_no_df, RS3)]),

    Case("tcp handshake and data follow the connection",
         inputs=[syn, ack, data],
         expect=[tun(p, RS3) for p in (syn, ack, data)]),

    Case("tcp non-SYN segment without a connection: dropped (tcp_no_conn)",
         inputs=[stray_ack],
         expect=[],
         drops={"tcp_no_conn": 1}),

    Case("udp datagram, tos 0x28, no DF",
         inputs=[dgram],
         expect=[tun(dgram, RS3)]),

    Case("routed RS 172.16.0.5: eth to the gateway's MAC",
         inputs=[routed_syn],
         expect=[tun(routed_syn, RS_ROUTED, GW_MAC)]),

    Case("DF, inner 1480 bytes: outer 1500 = MTU, forwarded",
         inputs=[fits_syn, fits],
         expect=[tun(fits_syn, RS3), tun(fits, RS3)]),

    Case("DF, inner 1481 bytes: ICMP 3/4 mtu 1480 to the client, not forwarded",
         inputs=[big_syn, too_big],
         expect=[tun(big_syn, RS3), frag_needed(too_big, 1500)],
         drops={"frag_needed": 1}),

    Case("25 too big with DF at once: 20 errors (the burst), 5 over the rate, all dropped",
         inputs=[burst_syn] + burst,
         expect=[tun(burst_syn, RS3)] + [frag_needed(p, 1500) for p in burst[:20]],
         drops={"frag_needed": 25}, counters={"icmp_errors_limited": 5}),

    Case("MTU 576, DF, inner 600 bytes: ICMP 3/4 mtu 556",
         mtu=576,
         inputs=[small_mtu_syn, too_big_576],
         expect=[tun(small_mtu_syn, RS3), frag_needed(too_big_576, 576)],
         drops={"frag_needed": 1}),

    Case("no DF, inner 1490 bytes: outer packet fragmented within MTU 1500",
         inputs=[no_df_1500],
         expect=outer_fragments(no_df_1500, RS3, RS3_MAC, 1500)),

    Case("MTU 576, no DF, inner 1400 bytes: outer packet in 3 fragments",
         mtu=576,
         inputs=[no_df_576],
         expect=outer_fragments(no_df_576, RS3, RS3_MAC, 576)),

    Case("MTU 2040 (above what an mbuf holds), no DF, inner 2030 bytes: fragments fit an mbuf",
         mtu=2040,
         inputs=[no_df_2040],
         expect=outer_fragments(no_df_2040, RS3, RS3_MAC, 2034)),

    Case("later bursts: ACK, a TTL 1 segment and a FIN, each tunnelled (inner TTL kept)",
         inputs=[syn, ack, data_ttl1, fin],
         burst_at=[1, 2, 3],
         expect=[tun(p, RS3) for p in (syn, ack, data_ttl1, fin)]),

    Case("FIN in a later burst: the client's next SYN on the tuple is a new connection",
         inputs=[syn, ack, fin, syn_again],
         burst_at=[1, 2, 3],
         expect=[tun(p, RS3) for p in (syn, ack, fin, syn_again)],
         counters={"conns_created": 2}),

    Case("RST in a later burst: the client's next SYN on the tuple is a new connection",
         inputs=[syn, rst, syn_again],
         burst_at=[1, 2],
         expect=[tun(p, RS3) for p in (syn, rst, syn_again)],
         counters={"conns_created": 2}),

    # HA (Case.standby): VRRP BACKUP for the VIP once the connection exists;
    # its later segments are the master's (dispatch drops them, ha_backup).
    Case("HA: BACKUP for the VIP after the SYN: the client's next segments dropped (ha_backup)",
         inputs=[syn, ack, data],
         burst_at=[2], standby=[VIP_TUN], standby_at=1,
         expect=[tun(syn, RS3)],
         drops={"ha_backup": 2}),
]
