#!/usr/bin/env bash
# e2e_restart6 (issue 15): restarts keep IPv6 connections too. One worker,
# a NAT66 service next to the IPv4 one, `restart: { state_file }`. Paced
# downloads over IPv6 (and one over IPv4) run through the VIPs; dvsd gets
# SIGTERM halfway, saves both tables (a version 2 state file), and a new
# dvsd restores them. Every download must finish intact.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

DOWNLOADS=6
RATE=${RATE:-300k}  # per download: 2 MiB in about 7 s
VIP6=2001:db8:10::80
e2e_init e2e_restart6 dvsR6
DVSADM=${DVSADM:-$DVS_SRC/build/src/dvsadm/dvsadm}
export RS_IPV6=1 RS_BLOB_MB=2

e2e_config_dual_stack "$E2E_DIR/dvs.yaml" 1 ||
    { echo "FAIL: could not render the dual-stack configuration"; exit 1; }
e2e_web6_service "$VIP6" >>"$E2E_DIR/dvs.yaml"
STATE=$E2E_DIR/connections.state
printf 'restart: { state_file: %s }\n' "$STATE" >>"$E2E_DIR/dvs.yaml"
topo_up "$E2E_PREFIX" 3 || { echo "FAIL: could not build the namespace topology"; exit 1; }
topo_add_ipv6 "$E2E_PREFIX" 3 || { echo "FAIL: could not turn IPv6 on"; exit 1; }
rs_start_servers "$E2E_PREFIX" 3 "$E2E_DIR/rs" || { echo "FAIL: real servers did not come up"; exit 1; }
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd-1.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }

# A small receive buffer paces each download on the wire (e2e_restart).
ip netns exec "$E2E_PREFIX-cl" sysctl -qw net.ipv4.tcp_rmem="4096 32768 65536"
local_sha=$(sha256sum "$E2E_DIR/rs/blob-${RS_BLOB_MB}MiB.bin" | cut -d' ' -f1)
echo "-- $DOWNLOADS downloads of ${RS_BLOB_MB} MiB over IPv6 and one over IPv4, at $RATE each"
DL_PIDS=()
for i in $(seq 0 "$DOWNLOADS"); do
    url="http://[$VIP6]/blob"
    [[ $i == 0 ]] && url=http://192.0.2.10/blob
    ip netns exec "$E2E_PREFIX-cl" curl -sS -g --max-time 60 --limit-rate "$RATE" \
        -o "$E2E_DIR/dl-$i.out" -w '%{http_code} %{size_download}\n' \
        "$url" >"$E2E_DIR/dl-$i.res" 2>&1 &
    DL_PIDS[i]=$!
done
sleep 3
n6=$("$DVSADM" --socket "/run/dvs/$E2E_PREFIX.sock" -L -c -n | grep -c "ESTABLISHED.*\[$VIP6\]:80" || true)
check "the IPv6 downloads are established connections before the restart ($n6)" \
    test "$n6" -eq "$DOWNLOADS"

echo "-- restart dvsd during the downloads"
e2e_stop_checked
check "the state file is version 2 (it holds IPv6 connections)" \
    test "$(od -An -tu1 -j4 -N1 "$STATE" | tr -d ' ')" = 2
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd-2.log" ||
    { echo "FAIL: dvsd did not start again"; exit 1; }
grep 'restart:' "$E2E_DIR/dvsd-1.log" "$E2E_DIR/dvsd-2.log" | sed 's/^/   /' || true
saved=$(grep -oE 'restart: saved [0-9]+ connections' "$E2E_DIR/dvsd-1.log" | grep -oE '[0-9]+' || echo 0)
check "SIGTERM saved the downloads' connections ($saved >= $((DOWNLOADS + 1)))" \
    test "$saved" -ge $((DOWNLOADS + 1))
n6=$("$DVSADM" --socket "/run/dvs/$E2E_PREFIX.sock" -L -c -n | grep -c "\[$VIP6\]:80" || true)
check "the new dvsd lists the restored IPv6 connections ($n6)" test "$n6" -ge "$DOWNLOADS"

# shellcheck disable=SC2046 # a list of ids
e2e_downloads_failed "$local_sha" $((RS_BLOB_MB * 1048576)) $(seq 0 "$DOWNLOADS")
check "all $((DOWNLOADS + 1)) downloads finished intact across the restart ($DL_FAILED failed)" \
    test "$DL_FAILED" -eq 0

e2e_stats "$E2E_DIR/stats.json" >/dev/null
restored=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.conns_restored 0)
check "the new dvsd restored both families ($restored >= $((DOWNLOADS + 1)))" \
    test "$restored" -ge $((DOWNLOADS + 1))

e2e_stop_checked
e2e_finish
