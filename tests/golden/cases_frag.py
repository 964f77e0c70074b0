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
"""

from scapy.layers.inet import IP, UDP, defragment
from scapy.layers.l2 import Ether

from golden import (OUR_MAC, RS1, RS1_MAC, RS2_MAC, RS3, VIP_DR, VIP_NAT, VIP_TUN, Case,
                    checksum_errors, client_udp, dr, fragments, nat_inbound, payload, tun)

DATA = payload(1000, seed=3)

nat_dgram = client_udp(VIP_NAT, 53, sport=49001, data=DATA, ip_id=0x6001)
nat_frags = fragments(nat_dgram, 336)
nat_frags_b = fragments(client_udp(VIP_NAT, 53, sport=49002, data=DATA, ip_id=0x6002), 336)
orphans = fragments(client_udp(VIP_NAT, 53, sport=49003, data=DATA, ip_id=0x6003), 336)[1:]
dr_frags = fragments(client_udp(VIP_DR, 53, sport=49004, data=DATA, ip_id=0x6004), 336)
tun_frags = fragments(client_udp(VIP_TUN, 53, sport=49005, data=DATA, ip_id=0x6005), 336)


def nat_frag(f, first: bool):
    return nat_inbound(f, RS1, 5353 if first else None)


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
]
