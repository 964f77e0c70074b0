#!/usr/bin/python3
"""Ask who has an address on a segment and list every MAC that answers.

  arp_probe.py --iface lan --target 192.0.2.20 [--psrc 10.0.0.254] [--timeout 1]

Run inside a namespace attached to the segment (ip netns exec NS ...).
Prints {"target":..., "answers":["aa:bb:..", ...]} (distinct MACs, from the
ARP sender field). Uses scapy: run with /usr/bin/python3.
"""

import argparse
import json
import sys

from scapy.all import ARP, Ether, conf, get_if_addr, get_if_hwaddr, srp


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iface", required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--psrc", default="")
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--tries", type=int, default=2)
    args = ap.parse_args()
    conf.verb = 0
    mac = get_if_hwaddr(args.iface)
    psrc = args.psrc or get_if_addr(args.iface)
    answers = set()
    for _ in range(args.tries):
        req = Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / ARP(
            op="who-has", hwsrc=mac, psrc=psrc, pdst=args.target)
        ans, _ = srp(req, iface=args.iface, timeout=args.timeout, multi=True)
        for _sent, rcv in ans:
            if rcv.haslayer(ARP) and rcv[ARP].op == 2 and rcv[ARP].psrc == args.target:
                answers.add(rcv[ARP].hwsrc.lower())
    print(json.dumps({"target": args.target, "answers": sorted(answers)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
