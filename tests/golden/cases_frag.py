"""IP fragments of load-balanced traffic.

A UDP datagram of 1008 bytes (1000 bytes of data) in three fragments of 336
bytes; the first carries the UDP header.
  - NAT (192.0.2.10:53): every fragment to RS1 with IP dst = 10.0.0.11,
    TTL-1, valid IP checksum; the first with dport 5353; reassembled, the
    datagram's UDP checksum verifies. Any arrival order (held until the
    first fragment tells the connection): compared as a set.
  - Later fragments whose first never arrives: not forwarded; after ~2 s
    they are dropped as frag_timeout.
  - DR: fragments to RS2's MAC, IP packets unchanged. TUN: each fragment
    encapsulated to RS3 as any other packet.

Bounded and correct state (issue 21):
  - A flood of later fragments (345 ids x 6, more than the 2047-mbuf pool)
    cannot hold the pool: the oldest held datagram is evicted
    (`frag_evicted`), a SYN after the flood is forwarded, no frame is lost
    for want of an mbuf and every mbuf is back after the timeout.
  - Persistence with two workers: a new flow's first fragment goes to the
    template core and back; its later fragments arrive after it.
  - An entry ends with its datagram: a reused IP id with other ports (the
    same client, another connection, another real server) is a new datagram.
"""

from scapy.layers.inet import IP, UDP, defragment
from scapy.layers.l2 import Ether

from golden import (OUR_MAC, RS1, RS1_MAC, RS2_MAC, RS3, VIP_DR, VIP_MIXED, VIP_NAT, VIP_TUN,
                    Case, checksum_errors, client_tcp, client_udp, dr, fragments,
                    nat_inbound, payload, tun)

DATA = payload(1000, seed=3)

nat_dgram = client_udp(VIP_NAT, 53, sport=49001, data=DATA, ip_id=0x6001)
nat_frags = fragments(nat_dgram, 336)
nat_frags_b = fragments(client_udp(VIP_NAT, 53, sport=49002, data=DATA, ip_id=0x6002), 336)
orphans = fragments(client_udp(VIP_NAT, 53, sport=49003, data=DATA, ip_id=0x6003), 336)[1:]
dr_frags = fragments(client_udp(VIP_DR, 53, sport=49004, data=DATA, ip_id=0x6004), 336)
tun_frags = fragments(client_udp(VIP_TUN, 53, sport=49005, data=DATA, ip_id=0x6005), 336)


def nat_frag(f, first: bool):
    """A NAT'd fragment to RS1: the first's port becomes the real server's."""
    port = (8080 if f[IP].proto == 6 else 5353) if first else None
    return nat_inbound(f, RS1, port)


def reassembles_to_rs(sport: int):
    """The NAT'd fragments reassemble into the datagram to RS1:5353, checksum valid."""
    def check(outputs, _inputs):
        if not outputs:
            return []  # the output count is reported by the expected list
        ips = [IP(bytes(Ether(bytes(o))[IP])) for o in outputs]
        whole = defragment(ips)
        if len(whole) != 1:
            return [f"scapy defragment gave {len(whole)} packets, want 1"]
        w = IP(bytes(whole[0]))
        errs = []
        if UDP not in w:
            return ["reassembled packet has no UDP header"]
        got = {"IP.dst": (w.dst, RS1), "UDP.sport": (w[UDP].sport, sport),
               "UDP.dport": (w[UDP].dport, 5353), "UDP.len": (w[UDP].len, 8 + len(DATA)),
               "UDP data": (bytes(w[UDP].payload) == DATA, True)}
        errs += [f"reassembled {k}: {g}, want {x}" for k, (g, x) in got.items() if g != x]
        errs += [f"reassembled: {e}" for e in
                 checksum_errors(Ether(dst=RS1_MAC, src=OUR_MAC) / w)]
        return errs
    return check


# --- Flood of held fragments (issue 21, defect 1) -----------------------------
FLOOD_IDS = 345                      # x 6 held fragments each: 2070 > the 2047-mbuf pool
flood = []
for n in range(FLOOD_IDS):
    dgram = client_udp(VIP_NAT, 53, sport=50000 + n, data=payload(2100, seed=n), ip_id=0x1000 + n)
    flood += fragments(dgram, 296)[1:7]  # seven fragments: the six after the first
flood_syn = client_tcp(VIP_NAT, sport=40123, ip_id=0x0abc)


def flood_stats(stats):
    drops = stats["totals"]["drops"]
    evicted, timeout = drops.get("frag_evicted"), drops.get("frag_timeout", 0)
    errs = []
    if stats.get("rx_nombuf") != 0:
        errs.append(f"rx_nombuf {stats.get('rx_nombuf')}, want 0 (reception starved)")
    if not evicted:
        errs.append(f"drops.frag_evicted: {evicted}, want > 0")
    held = (evicted or 0) + timeout + drops.get("frag_table_full", 0)
    if held != len(flood):
        errs.append(f"evicted + timed out + table full = {held}, want {len(flood)}")
    others = {k: v for k, v in drops.items()
              if v and k not in ("frag_evicted", "frag_timeout", "frag_table_full")}
    if others:
        errs.append(f"other drops: {others}")
    if stats.get("mbuf_pool_free") != stats.get("mbuf_pool_size"):
        errs.append(f"mbuf pool {stats.get('mbuf_pool_free')} free of "
                    f"{stats.get('mbuf_pool_size')} after the timeout")
    return errs


# --- Persistence with two workers (defect 3) ----------------------------------
VIP_PERSIST = "192.0.2.50"           # udp 53, persistent, -> RS1:5353 NAT
persist_dgrams = [fragments(client_udp(VIP_PERSIST, 53, sport=49100 + n, data=DATA,
                                       ip_id=0x6100 + n), 336) for n in range(8)]


# --- A reused IP id (defect 4) -------------------------------------------------
# The mixed service schedules rr: connection A goes to RS1 (NAT), B to RS2 (DR).
syn_a = client_tcp(VIP_MIXED, sport=40001, ip_id=0x0a01)
syn_b = client_tcp(VIP_MIXED, sport=40002, ip_id=0x0b01)
seg_a = fragments(client_tcp(VIP_MIXED, sport=40001, flags="PA", seq=1001, ack=5001,
                             data=payload(600, seed=1), ip_id=0x7777, df=False), 336)
seg_b = fragments(client_tcp(VIP_MIXED, sport=40002, flags="PA", seq=1001, ack=5001,
                             data=payload(600, seed=2), ip_id=0x7777, df=False), 336)

CASES = [
    Case("NAT: three fragments in order: all to RS1, dst rewritten, TTL-1, first dport 5353",
         inputs=nat_frags,
         expect=[nat_frag(f, i == 0) for i, f in enumerate(nat_frags)],
         check=reassembles_to_rs(49001)),

    Case("NAT: fragments last, first, middle: all three forwarded (as a set)",
         inputs=[nat_frags_b[2], nat_frags_b[0], nat_frags_b[1]],
         expect=[nat_frag(f, i == 0) for i, f in enumerate(nat_frags_b)],
         ordered=False,
         check=reassembles_to_rs(49002)),

    Case("NAT: later fragments without the first: not forwarded, frag_timeout after ~2 s",
         inputs=orphans,
         expect=[],
         drops={"frag_timeout": 2},
         settle=3.5),

    Case("DR: three fragments to RS2's MAC, IP packets unchanged",
         inputs=dr_frags,
         expect=[dr(f, RS2_MAC) for f in dr_frags]),

    Case("TUN: each fragment encapsulated to RS3",
         inputs=tun_frags,
         expect=[tun(f, RS3) for f in tun_frags]),

    Case("flood: 345 x 6 later fragments, then a SYN: oldest held evicted, SYN forwarded, "
         "no rx_nombuf, pool full again",
         inputs=flood + [flood_syn],
         expect=[nat_inbound(flood_syn, RS1, 8080)],
         stats_check=flood_stats,
         settle=3.5),

    Case("persistence, two workers: every fragment of eight new flows forwarded",
         inputs=[f for d in persist_dgrams for f in d],
         expect=[nat_frag(f, i == 0) for d in persist_dgrams for i, f in enumerate(d)],
         ordered=False,
         workers=2),

    # A new NAT connection's first packet leaves at the end of its burst (its
    # reply key is indexed then: conn_tracker.hpp), so across flows the order
    # is not the input's; each flow's own order is (cases_nat.py checks it).
    Case("reused IP id: A's segment NAT to RS1, then B's (other ports, same id) DR to RS2",
         inputs=[syn_a, syn_b] + seg_a + seg_b,
         expect=[nat_inbound(syn_a, RS1, 8080), dr(syn_b, RS2_MAC),
                 nat_frag(seg_a[0], True), nat_frag(seg_a[1], False),
                 dr(seg_b[0], RS2_MAC), dr(seg_b[1], RS2_MAC)],
         ordered=False),
]
