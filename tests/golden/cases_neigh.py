"""The neighbour cache's life cycle (issue 21, defect 2).

10.8.0.0/21 on p0 has no static neighbours, so replies to hosts there wait
for ARP. Echo requests from 1100 spoofed on-link sources (none of which
answers ARP) fill the 1024-entry cache with incomplete entries; then a real
host sends an ARP reply about itself and pings us. The cache makes room by
evicting the oldest incomplete entries (`neighbor_evicted`, their held
replies dropped as `neighbor_unresolved`), never a reachable one, so the
real host is learned and answered.
"""

from scapy.layers.inet import ICMP, IP
from scapy.layers.l2 import ARP, Ether

from golden import OUR_MAC, Case, frame

OUR_ADDR = "10.8.0.1"
REAL = "10.8.7.200"
REAL_MAC = "02:00:00:00:08:01"
SPOOFED = 1100


def spoofed(n: int) -> str:
    host = 2 + n  # 10.8.0.2 ...: never REAL for n < 1100
    return f"10.8.{host >> 8}.{host & 0xFF}"


pings = [frame(IP(src=spoofed(n), dst=OUR_ADDR, id=n) / ICMP(type=8, id=0x99, seq=n) / b"xxxxxxxx",
               src_mac="02:00:00:00:09:99") for n in range(SPOOFED)]
real_arp = Ether(dst=OUR_MAC, src=REAL_MAC) / ARP(op=2, hwsrc=REAL_MAC, psrc=REAL,
                                                  hwdst=OUR_MAC, pdst=OUR_ADDR)
real_ping = frame(IP(src=REAL, dst=OUR_ADDR, id=0x4242) / ICMP(type=8, id=0x42, seq=1) / b"hello",
                  src_mac=REAL_MAC)


def real_host_answered(outputs, _inputs):
    for o in outputs:
        if ICMP in o and o[ICMP].type == 0 and o[IP].dst == REAL:
            if o[Ether].dst != REAL_MAC:
                return [f"echo reply to {REAL} sent to {o[Ether].dst}, want {REAL_MAC}"]
            return []
    return [f"no echo reply to the real host {REAL} ({len(outputs)} outputs)"]


def evicted_not_full(stats):
    drops = stats["totals"]["drops"]
    errs = []
    if drops.get("neighbor_table_full", 0) != 0:
        errs.append(f"drops.neighbor_table_full: {drops['neighbor_table_full']}, want 0")
    evicted = stats["totals"].get("neighbor_evicted")
    if not evicted:
        errs.append(f"totals.neighbor_evicted: {evicted}, want > 0")
    others = {k: v for k, v in drops.items() if v and k not in
              ("neighbor_unresolved", "neighbor_queue_full")}
    if others:
        errs.append(f"other drops: {others}")
    return errs


CASES = [
    Case("1100 spoofed on-link pingers fill the cache; a real host's ARP and ping are answered",
         inputs=pings + [real_arp, real_ping],
         expect=real_host_answered,
         stats_check=evicted_not_full),
]
