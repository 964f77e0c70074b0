#!/usr/bin/env bash
# e2e_restart (issue 19): restarts that keep connections. One worker, NAT,
# `restart: { state_file }`. 20 paced downloads run through the VIP; dvsd
# gets SIGTERM halfway, saves its connection table, and a new dvsd starts on
# the same config and restores it. Every download must finish intact: TCP's
# retransmissions carry them over the gap, which the test reports.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

DOWNLOADS=20
RATE=${RATE:-400k}  # per download: 5 MiB in about 13 s
e2e_init e2e_restart dvsR1
export RS_BLOB_MB=5

e2e_config "$E2E_DIR/dvs.yaml" 1 || { echo "FAIL: could not render the configuration"; exit 1; }
STATE=$E2E_DIR/connections.state
printf 'restart: { state_file: %s }\n' "$STATE" >>"$E2E_DIR/dvs.yaml"
topo_up "$E2E_PREFIX" 3 || { echo "FAIL: could not build the namespace topology"; exit 1; }
rs_start_servers "$E2E_PREFIX" 3 "$E2E_DIR/rs" || { echo "FAIL: real servers did not come up"; exit 1; }
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd-1.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }
check "the first start found no saved connections" \
    grep -q "restart: no saved connections at $STATE" "$E2E_DIR/dvsd-1.log"

# A small receive buffer paces each download on the wire, not only in curl:
# otherwise the server pushes most of the blob into the client's socket
# buffer in the first second and the restart would not be crossed.
ip netns exec "$E2E_PREFIX-cl" sysctl -qw net.ipv4.tcp_rmem="4096 32768 65536"
local_sha=$(sha256sum "$E2E_DIR/rs/blob-${RS_BLOB_MB}MiB.bin" | cut -d' ' -f1)
echo "-- $DOWNLOADS downloads of ${RS_BLOB_MB} MiB at $RATE each"
DL_PIDS=()
for i in $(seq 1 "$DOWNLOADS"); do
    ip netns exec "$E2E_PREFIX-cl" curl -sS --max-time 120 --limit-rate "$RATE" \
        -o "$E2E_DIR/dl-$i.out" -w '%{http_code} %{size_download}\n' \
        http://192.0.2.10/blob >"$E2E_DIR/dl-$i.res" 2>&1 &
    DL_PIDS[i]=$!
done
sleep 4

echo "-- restart dvsd during the downloads"
t0=$(date +%s.%N)
e2e_stop_checked
t_stopped=$(date +%s.%N)
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd-2.log" ||
    { echo "FAIL: dvsd did not start again"; exit 1; }
t_ready=$(date +%s.%N)
awk -v a="$t0" -v b="$t_stopped" -v c="$t_ready" 'BEGIN {
    printf "   gap: %.2f s (stop %.2f s, start %.2f s)\n", c - a, b - a, c - b }'
saved=$(grep -oE 'restart: saved [0-9]+ connections' "$E2E_DIR/dvsd-1.log" | grep -oE '[0-9]+' || echo 0)
check "SIGTERM saved the downloads' connections ($saved >= $DOWNLOADS)" test "$saved" -ge "$DOWNLOADS"
grep 'restart:' "$E2E_DIR/dvsd-2.log" | sed 's/^/   /' || true
check "the state file was consumed" test ! -e "$STATE"

# shellcheck disable=SC2046 # a list of ids
e2e_downloads_failed "$local_sha" $((RS_BLOB_MB * 1048576)) $(seq 1 "$DOWNLOADS")
check "all $DOWNLOADS downloads finished intact across the restart ($DL_FAILED failed)" \
    test "$DL_FAILED" -eq 0

e2e_stats "$E2E_DIR/stats.json" >/dev/null
cp "$E2E_DIR/stats.json" "$E2E_DIR/after.json"
restored=$(dvs_py show_stats.py "$E2E_DIR/after.json" get totals.conns_restored 0)
no_conn=$(dvs_py show_stats.py "$E2E_DIR/after.json" get totals.drops.tcp_no_conn 0)
echo "   conns_restored $restored, tcp_no_conn $no_conn"
check "the new dvsd restored the connections ($restored >= $DOWNLOADS)" \
    test "$restored" -ge "$DOWNLOADS"

e2e_stop_checked
e2e_finish
