#!/usr/bin/env bash
# Compares two builds of dataplane_bench on a machine whose speed drifts:
# runs them alternately (old, new, old, new, ...) ROUNDS times and prints,
# per case and build, the median ns/pkt and floor ratio with every run's
# ratio and floor, so that a change is judged by runs next to each other.
# Usage (as root): bench/ab_compare.sh OLD_BENCH NEW_BENCH [ROUNDS] -- ARGS...
#   e.g. bench/ab_compare.sh /tmp/old/dataplane_bench build/bench/dataplane_bench 6 -- \
#          --conns 1000,1000000 --modes nat,dr,tun --packets 4000000 --runs 5 --lcore 1
set -euo pipefail
if [[ $# -lt 3 ]]; then
    sed -n '2,8p' "$0" >&2
    exit 2
fi
old=$1 new=$2
shift 2
rounds=6
if [[ $1 != -- ]]; then rounds=$1; shift; fi
[[ $1 == -- ]] && shift
runs=$(mktemp)
trap 'rm -f "$runs"' EXIT
for ((r = 1; r <= rounds; ++r)); do
    for b in old new; do
        bin=$old
        [[ $b == new ]] && bin=$new
        # A failed run (the bench checks itself) stops the comparison.
        if ! "$bin" "$@" > "$runs.out" 2>&1; then
            echo "$b ($bin) failed in round $r:" >&2
            tail -5 "$runs.out" >&2
            exit 1
        fi
        grep -E '^(nat|dr|tun|nat6|dr6|tun6) ' "$runs.out" | sed "s/^/$b /" >> "$runs"
    done
    echo "round $r of $rounds done" >&2
done
rm -f "$runs.out"
python3 - "$runs" <<'PY'
import collections, statistics, sys
# Columns of dataplane_bench's table after the build tag:
# mode conns mpps floor ratio ns/pkt cyc/pkt new-conn/s B/conn RSS drops
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    rows[(f[1], int(f[2]), f[0])].append((float(f[4]), float(f[5]), float(f[6])))
print(f"{'mode':5} {'conns':>9} {'build':5} {'ns med':>7} {'ratio med':>9}  ratios / floors")
for (mode, conns, build), v in sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] != 'old')):
    print(f"{mode:5} {conns:9} {build:5} {statistics.median(x[2] for x in v):7.1f} "
          f"{statistics.median(x[1] for x in v):9.3f}  "
          + " ".join(f"{x[1]:.2f}" for x in v) + " / " + " ".join(f"{x[0]:.0f}" for x in v))
PY
