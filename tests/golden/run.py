#!/usr/bin/python3
"""Run one golden-packet table: /usr/bin/python3 tests/golden/run.py TABLE [-k SUBSTRING]

TABLE is nat, dr, tun, icmp, frag, misc, malformed, neigh, nd, malformed6, nat6, dr6, tun6, icmp6, frag6, fleet (cases_TABLE.py) or all.
Prints one line per case (PASS/FAIL table: case: reason); exits 1 if any case
failed. GOLDEN_VERBOSE=1 adds packet dumps and the runner's log of failing
cases on stderr. GOLDEN_RUNNER names the binary (default
build/tests/golden/engine_runner).

Needs no privilege. Started as root (CI), it drops to nobody/nogroup with
setpriv before running anything, so every run proves that; GOLDEN_AS_ROOT=1
keeps root.
"""

import argparse
import importlib
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

TABLES = ["nat", "dr", "tun", "icmp", "frag", "misc", "malformed", "neigh", "nd", "malformed6", "nat6", "dr6", "tun6", "icmp6", "frag6", "fleet"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("table", choices=TABLES + ["all"])
    ap.add_argument("-k", dest="only", help="run only cases whose name contains this")
    args = ap.parse_args()

    if os.geteuid() == 0 and os.environ.get("GOLDEN_AS_ROOT", "") in ("", "0"):
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            print("FAIL: running as root and no setpriv to become nobody")
            return 1
        print("root: running as nobody (setpriv --reuid=nobody --regid=nogroup --clear-groups)",
              flush=True)
        env = dict(os.environ, HOME="/tmp")  # nobody's home does not exist; scapy looks there
        os.execve(setpriv, [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                            sys.executable, os.path.abspath(__file__)] + sys.argv[1:], env)
    print(f"uid {os.geteuid()} gid {os.getegid()}", flush=True)

    import golden  # after dropping root: scapy import is slow

    if not os.access(golden.RUNNER, os.X_OK):
        print(f"FAIL: no engine_runner at {golden.RUNNER} (set GOLDEN_RUNNER or build first)")
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
