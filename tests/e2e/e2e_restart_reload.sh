#!/usr/bin/env bash
# e2e_restart_reload (issue 19): a reload that needs a restart, done as a
# controlled restart. `restart: { state_file, when_needed: true }`; 20 paced
# downloads run through the VIP (NAT); halfway the file's dataplane section
# changes (idle_sleep_us, which a running dvsd cannot change) and `dvsadm
# reload` is run. dvsd validates the file, saves its connections,
# re-executes itself (same PID) and the new process restores them: every
# download must finish intact, and the new setting must be running
# (`dvsadm status`: nothing needs a restart). The test reports the gap.
# Then, with the downloads done:
#   - a restart-needing change that would not start (a port on an interface
#     that does not exist) is refused before anything stops;
#   - one that fails only in the new process (an EAL argument EAL refuses)
#     brings dvsd back on the previous configuration (the fallback file).
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

DOWNLOADS=20
RATE=${RATE:-400k}  # per download: 5 MiB in about 13 s
e2e_init e2e_restart_reload dvsRR
DVSADM=${DVSADM:-$DVS_SRC/build/src/dvsadm/dvsadm}
[[ -x $DVSADM ]] || { echo "FAIL: dvsadm not built at $DVSADM"; exit 1; }
SOCK=/run/dvs/$E2E_PREFIX.sock
adm() { "$DVSADM" --socket "$SOCK" "$@"; }
export RS_BLOB_MB=5

e2e_config "$E2E_DIR/dvs.yaml" 1 || { echo "FAIL: could not render the configuration"; exit 1; }
STATE=$E2E_DIR/connections.state
printf 'restart: { state_file: %s, when_needed: true }\n' "$STATE" >>"$E2E_DIR/dvs.yaml"
topo_up "$E2E_PREFIX" 3 || { echo "FAIL: could not build the namespace topology"; exit 1; }
rs_start_servers "$E2E_PREFIX" 3 "$E2E_DIR/rs" || { echo "FAIL: real servers did not come up"; exit 1; }
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }
pid=$DVSD_PID
LOG=$E2E_DIR/dvsd.log
ready_count() { grep -c 'dvsd ready' "$LOG" || true; }
wait_ready() { _wait_until 30 bash -c '[[ $(grep -c "dvsd ready" "$1") -ge $2 ]]' _ "$LOG" "$1"; }

# Small receive buffers pace the downloads on the wire (see e2e_restart).
ip netns exec "$E2E_PREFIX-cl" sysctl -qw net.ipv4.tcp_rmem="4096 32768 65536"
local_sha=$(sha256sum "$E2E_DIR/rs/blob-${RS_BLOB_MB}MiB.bin" | cut -d' ' -f1)
echo "-- $DOWNLOADS downloads of ${RS_BLOB_MB} MiB at $RATE each"
pids=()
for i in $(seq 1 "$DOWNLOADS"); do
    ip netns exec "$E2E_PREFIX-cl" curl -sS --max-time 120 --limit-rate "$RATE" \
        -o "$E2E_DIR/dl-$i.out" -w '%{http_code} %{size_download}\n' \
        http://192.0.2.10/blob >"$E2E_DIR/dl-$i.res" 2>&1 &
    pids+=($!)
done
sleep 4

echo "-- dataplane.idle_sleep_us 20 -> 10, then dvsadm reload"
sed -i 's/idle_sleep_us: 20/idle_sleep_us: 10/' "$E2E_DIR/dvs.yaml"
answer=$(adm reload 2>&1) || true
echo "   dvsadm: $answer"
check "dvsadm reload answered with a controlled restart" grep -q "restarting dvsd (pid $pid) for: dataplane.idle_sleep_us" <<<"$answer"
check "the new process got ready" wait_ready 2
grep -E 'controlled restart|restart:' "$LOG" | sed 's/^/   /'
check "the same PID runs ($pid)" kill -0 "$pid"
gap=$(grep -oE 'forwarding again [0-9]+ ms' "$LOG" | tail -n1 | grep -oE '[0-9]+' || echo "?")
echo "   gap (connections saved -> the new process forwarding): $gap ms"
check "the new process restored from the state file" grep -q "restart: forwarding again" "$LOG"
status=$(adm status 2>&1 || true)
check "the new setting runs: nothing needs a restart" grep -qE '^needs restart: +nothing' <<<"$status"

failed=0
for i in $(seq 1 "$DOWNLOADS"); do
    wait "${pids[$((i - 1))]}" || true
    read -r code size <"$E2E_DIR/dl-$i.res" || true
    got=$(sha256sum "$E2E_DIR/dl-$i.out" 2>/dev/null | cut -d' ' -f1) || got=""
    if [[ ${code:-} != 200 || ${size:-0} != $((RS_BLOB_MB * 1048576)) || $got != "$local_sha" ]]; then
        echo "   download $i: $(cat "$E2E_DIR/dl-$i.res")"
        failed=$((failed + 1))
    fi
    rm -f "$E2E_DIR/dl-$i.out"
done
check "all $DOWNLOADS downloads finished intact across the controlled restart ($failed failed)" \
    test "$failed" -eq 0
e2e_stats "$E2E_DIR/stats.json" >/dev/null
restored=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.conns_restored 0)
check "the new process restored the connections ($restored >= $DOWNLOADS)" test "$restored" -ge "$DOWNLOADS"

echo "-- a change that would not start is refused before anything stops"
cp "$E2E_DIR/dvs.yaml" "$E2E_DIR/good.yaml"
sed -i -e 's/"--vdev=net_af_packet1,iface=lan,qdisc_bypass=0"/&, "--vdev=net_af_packet2,iface=nosuch0,qdisc_bypass=0"/' \
    -e 's/^  - { name: lan, device: net_af_packet1, addresses: \[10.0.0.1\/24\] }/&\n  - { name: extra, device: net_af_packet2, addresses: [10.0.9.1\/24] }/' \
    "$E2E_DIR/dvs.yaml"
answer=$(adm reload 2>&1) || true
echo "   dvsadm: $answer"
check "refused, naming the missing interface" grep -q "controlled restart refused.*nosuch0" <<<"$answer"
sleep 1
check "no restart happened" test "$(ready_count)" -eq 2
check "the VIP still serves" ip netns exec "$E2E_PREFIX-cl" curl -s --max-time 3 -o /dev/null http://192.0.2.10/whoami

echo "-- a change that fails in the new process: back on the previous configuration"
cp "$E2E_DIR/good.yaml" "$E2E_DIR/dvs.yaml"
sed -i -e 's/"--no-pci", /"--no-pci", "--no-such-eal-option", /' -e 's/idle_sleep_us: 10/idle_sleep_us: 30/' "$E2E_DIR/dvs.yaml"
answer=$(adm reload 2>&1) || true
echo "   dvsadm: $answer"
check "the new process failed and the fallback got ready" wait_ready 3
grep -E 'controlled restart|EAL' "$LOG" | tail -n 4 | sed 's/^/   /'
check "the log says it started again from the previous configuration" \
    grep -q "starting again with the previous configuration, kept as $STATE.previous.yaml" "$LOG"
check "the same PID runs ($pid)" kill -0 "$pid"
check "the VIP serves again" _wait_until 10 ip netns exec "$E2E_PREFIX-cl" curl -s --max-time 2 -o /dev/null http://192.0.2.10/whoami
check "the previous setting runs (idle_sleep_us: 10)" grep -q "idle_sleep_us: 10" "$STATE.previous.yaml"

e2e_stop_checked
e2e_finish
