#!/usr/bin/env bash
# Runs the benchmark set and writes bench/results/:
#   dataplane.json   one object per case (mode, conns, mpps, floor_mpps, ratio,
#                    ns_per_pkt, cycles_per_pkt, new_conns_per_s, bytes_per_conn, ...)
#   dataplane.txt    the same as a table
#   sched.txt        ns per scheduler pick, with its floor
#   dataplane.png    Mpps and ratio to the floor against connection count
# Usage: sudo bench/run_all.sh [--quick]   (quick: 1K and 100K conns, 1M packets)
#        bench/run_all.sh --plot-only       (redraw the plot from dataplane.json)
# The benchmark pins itself to CPU 1 (BENCH_LCORE); keep the machine quiet.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=bench/results
mkdir -p "$out"
conns=1000,100000,1000000,10000000
packets=4000000
runs=5
if [[ ${1:-} == --quick ]]; then conns=1000,100000; packets=1000000; runs=3; fi

if [[ ${1:-} != --plot-only ]]; then
    bash scripts/setup.sh
    bash scripts/build.sh
    lcore=${BENCH_LCORE:-1}
    echo "[bench] dataplane: conns $conns, $packets packets x $runs runs per pass, CPU $lcore"
    build/bench/dataplane_bench --conns "$conns" --packets "$packets" --runs "$runs" \
        --lcore "$lcore" --json "$out/dataplane.json" | grep -v "^TELEMETRY" | tee "$out/dataplane.txt"
    echo "[bench] schedulers"
    taskset -c "$lcore" build/bench/sched_bench | tee "$out/sched.txt"
fi
command -v gnuplot >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null

# One data file per mode for gnuplot: conns mpps floor ratio.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$out/dataplane.json" "$tmp" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
for mode in sorted({r["mode"] for r in rows}):
    with open(f"{sys.argv[2]}/{mode}.dat", "w") as f:
        for r in rows:
            if r["mode"] == mode:
                f.write(f'{r["conns"]} {r["mpps"]} {r["floor_mpps"]} {r["ratio"]}\n')
PY
gnuplot <<GP
set terminal pngcairo size 1000,600 noenhanced
set output "$out/dataplane.png"
set multiplot layout 1,2 title "dvs worker, one core, in-process (bench/dataplane_bench)"
set logscale x
set xlabel "connections in the table"
set ylabel "Mpps"
set key top right
plot "$tmp/nat.dat" using 1:2 with linespoints title "NAT", \
     "$tmp/dr.dat" using 1:2 with linespoints title "DR", \
     "$tmp/tun.dat" using 1:2 with linespoints title "TUN", \
     "$tmp/nat.dat" using 1:3 with lines dashtype 2 title "floor"
set ylabel "ratio to the floor"
set yrange [0:*]
plot "$tmp/nat.dat" using 1:4 with linespoints title "NAT", \
     "$tmp/dr.dat" using 1:4 with linespoints title "DR", \
     "$tmp/tun.dat" using 1:4 with linespoints title "TUN"
unset multiplot
GP
echo "[bench] wrote $out/dataplane.json $out/dataplane.txt $out/sched.txt $out/dataplane.png"
