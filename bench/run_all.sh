#!/usr/bin/env bash
# Runs the benchmark set and writes bench/results/:
#   dataplane.json   one object per case (mode, conns, mpps, floor_mpps, ratio,
#                    ns_per_pkt, cycles_per_pkt, new_conns_per_s, bytes_per_conn, ...)
#   dataplane.txt    the same as a table
#   sched.txt        ns per scheduler pick, with its floor
#   dataplane.png    Mpps and ratio to the floor against connection count
#   loop.json        two-core loop over net_ring (loop_bench): one object per
#                    case (mode, proto, conns, new_ratio, mpps, floor_mpps,
#                    ratio, loss, lat_p50/p99/p999_ns, bytes_per_conn, drops...)
#   loop.txt         the same as tables; loop.png Mpps and ratio (TCP, no new flows)
#   multi.json       N workers over net_ring with RSS-like dispatch
#                    (multi_loop_bench, NAT TCP with replies): one object per
#                    case (dispatch, workers, conns, mpps, floor_mpps, ratio,
#                    worker_mpps, handoff_out, handoff_share, ...); multi.txt
# Usage (as root): bench/run_all.sh [--quick] [--loop-only]
#          --quick      1K and 100K conns, fewer packets
#          --loop-only  only loop_bench and multi_loop_bench (keeps
#                       dataplane.* and sched.txt)
#        bench/run_all.sh --plot-only       (redraw the plots from the JSON files)
# The benchmark pins itself to CPU 1 (BENCH_LCORE); loop_bench uses CPU 0 for
# its generator (BENCH_GEN_LCORE) and BENCH_LCORE for the worker. Keep the
# machine quiet. multi_loop_bench: BENCH_MW_WORKERS workers (default 1) and
# BENCH_MW_GENERATORS generator lcores (default 1) on BENCH_MW_CPUS
# (generators first; default BENCH_GEN_LCORE,BENCH_LCORE), e.g. on 16 cores:
#   BENCH_MW_WORKERS=8 BENCH_MW_GENERATORS=4 \
#   BENCH_MW_CPUS=0,1,2,3,4,5,6,7,8,9,10,11 bench/run_all.sh --loop-only
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=bench/results
mkdir -p "$out"
conns=1000,100000,1000000,10000000
packets=4000000
runs=5
loop_conns=1000,100000,1000000,10000000
loop_new_conns=1000,1000000     # new_ratio 1 (every packet a new flow) at these only
loop_packets=2000000
multi_conns=1000,1000000
quick=0 plot_only=0 loop_only=0
for arg in "$@"; do
    case $arg in
        --quick) quick=1 ;;
        --plot-only) plot_only=1 ;;
        --loop-only) loop_only=1 ;;
        *) echo "usage: $0 [--quick] [--loop-only] | --plot-only" >&2; exit 1 ;;
    esac
done
if (( quick )); then
    conns=1000,100000; packets=1000000; runs=3
    loop_conns=1000,100000; loop_new_conns=1000; loop_packets=500000; multi_conns=1000
fi

lcore=${BENCH_LCORE:-1}
if (( !plot_only && !loop_only )); then
    bash scripts/setup.sh
    bash scripts/build.sh
    echo "[bench] dataplane: conns $conns, $packets packets x $runs runs per pass, CPU $lcore"
    build/bench/dataplane_bench --conns "$conns" --packets "$packets" --runs "$runs" \
        --lcore "$lcore" --json "$out/dataplane.json" | grep -v "^TELEMETRY" | tee "$out/dataplane.txt"
    echo "[bench] schedulers"
    taskset -c "$lcore" build/bench/sched_bench | tee "$out/sched.txt"
fi
if (( !plot_only )); then
    if (( loop_only )); then
        bash scripts/setup.sh
        bash scripts/build.sh
    fi
    # Three sets, one JSON: established (+10% new) flows over the connection
    # counts; all-new flows; NAT with real-server replies (--echo).
    gen_lcore=${BENCH_GEN_LCORE:-0}
    echo "[bench] loop: generator CPU $gen_lcore, worker CPU $lcore, $loop_packets packets x $runs runs per pass"
    loop() { build/bench/loop_bench --cpus "$gen_lcore,$lcore" --packets "$loop_packets" --runs "$runs" "$@" \
                 | grep -v "^TELEMETRY"; }
    tmp_loop=$(mktemp -d)
    {
        loop --conns "$loop_conns" --new-ratio 0,0.1 --json "$tmp_loop/a.json"
        loop --conns "$loop_new_conns" --new-ratio 1 --json "$tmp_loop/b.json"
        loop --modes nat --conns "$loop_new_conns" --new-ratio 0 --echo --json "$tmp_loop/c.json"
    } | tee "$out/loop.txt"
    /usr/bin/python3 -c 'import json,sys; json.dump([r for f in sys.argv[2:] for r in json.load(open(f))], open(sys.argv[1], "w"), indent=1)' \
        "$out/loop.json" "$tmp_loop"/a.json "$tmp_loop"/b.json "$tmp_loop"/c.json
    rm -rf "$tmp_loop"
    mw_workers=${BENCH_MW_WORKERS:-1}
    mw_generators=${BENCH_MW_GENERATORS:-1}
    mw_cpus=${BENCH_MW_CPUS:-$gen_lcore,$lcore}
    echo "[bench] multi-worker loop: $mw_workers workers, $mw_generators generators, CPUs $mw_cpus"
    build/bench/multi_loop_bench --workers "$mw_workers" --generators "$mw_generators" \
        --cpus "$mw_cpus" --conns "$multi_conns" --packets "$loop_packets" --runs "$runs" \
        --echo --json "$out/multi.json" | grep -v "^TELEMETRY" | tee "$out/multi.txt"
fi
command -v gnuplot >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null

# plot JSON PNG TITLE FILTER: one data file per mode (conns mpps floor ratio)
# from the rows of JSON for which the Python expression FILTER (over r) holds,
# then Mpps and ratio to the floor against connection count.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
plot() {
    local json=$1 png=$2 title=$3 filter=$4
    /usr/bin/python3 - "$json" "$tmp" "$filter" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
for mode in ("nat", "dr", "tun"):
    with open(f"{sys.argv[2]}/{mode}.dat", "w") as f:
        for r in rows:
            if r["mode"] == mode and eval(sys.argv[3]):
                f.write(f'{r["conns"]} {r["mpps"]} {r["floor_mpps"]} {r["ratio"]}\n')
PY
    gnuplot <<GP
set terminal pngcairo size 1000,600 noenhanced
set output "$png"
set multiplot layout 1,2 title "$title"
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
}
plot "$out/dataplane.json" "$out/dataplane.png" \
    "dvs worker, one core, in-process (bench/dataplane_bench)" "True"
if [[ -f $out/loop.json ]]; then
    plot "$out/loop.json" "$out/loop.png" \
        "dvs worker loop, two cores over net_ring (bench/loop_bench), TCP, established flows" \
        'r["proto"] == "tcp" and r["new_ratio"] == 0 and not r["echo"]'
fi
echo "[bench] wrote $out/dataplane.json $out/dataplane.txt $out/sched.txt $out/dataplane.png"
echo "[bench] wrote $out/loop.json $out/loop.txt $out/loop.png"
echo "[bench] wrote $out/multi.json $out/multi.txt"
