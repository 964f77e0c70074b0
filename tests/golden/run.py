#!/usr/bin/python3
"""Run one golden-packet table: /usr/bin/python3 tests/golden/run.py TABLE [-k SUBSTRING]

TABLE is nat, dr, tun, icmp, frag, misc (cases_TABLE.py) or all. Prints one
line per case (PASS/FAIL table: case: reason); exits 1 if any case failed,
77 (skip) when not root. GOLDEN_VERBOSE=1 adds packet dumps and the dvsd log
of failing cases on stderr. DVSD names the binary (default build/src/control/dvsd).
"""

import argparse
import importlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

TABLES = ["nat", "dr", "tun", "icmp", "frag", "misc", "malformed"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("table", choices=TABLES + ["all"])
    ap.add_argument("-k", dest="only", help="run only cases whose name contains this")
    args = ap.parse_args()

    if os.geteuid() != 0:
        print("SKIP: golden tests run dvsd and need root (hugepages, DPDK)")
        return 77

    import golden  # after the root check: scapy import is slow

    if not os.access(golden.DVSD, os.X_OK):
        print(f"FAIL: no dvsd binary at {golden.DVSD} (set DVSD or build first)")
        return 1

    failed = total = 0
    for name in TABLES if args.table == "all" else [args.table]:
        mod = importlib.import_module(f"cases_{name}")
        cases = [c for c in mod.CASES if not args.only or args.only in c.name]
        total += len(cases)
        failed += golden.run_table(name, cases)
    print(f"{total - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
