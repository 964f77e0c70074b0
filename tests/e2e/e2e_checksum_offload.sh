#!/usr/bin/env bash
# e2e_checksum_offload: a client that leaves checksum offload on (the veth
# lab mistake: its TCP/UDP checksums arrive partial, and NAT's incremental
# update keeps them wrong) is no longer silent. With offloads off, 100
# requests succeed and the sampled checksums are all good; with `ethtool -K
# eth0 tx on` on the client, a UDP burst moves l4_checksum_bad and dvsd logs
# one warning that names the port and the fix.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_checksum_offload dvsE20
export RS_BLOB_MB=1

e2e_setup 1 3

echo "-- offloads off: 100 requests to http://192.0.2.10/whoami"
e2e_client_checked requests 100 http_client.py \
    --url http://192.0.2.10/whoami --count 100 --timeout 3 --deadline 60
e2e_stats "$E2E_DIR/stats.json"
sampled=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.l4_checksum_sampled)
bad=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.l4_checksum_bad)
check "checksums were sampled ($sampled)" test "$sampled" -gt 0
check "and none was bad ($bad)" test "$bad" -eq 0

echo "-- the client turns checksum offload on, then sends a UDP burst to 192.0.2.10:53"
ip netns exec "$E2E_PREFIX-cl" ethtool -K eth0 tx on >/dev/null
flood=$(ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/udp_flood.py" \
    --addr 192.0.2.10 --port 53 --seconds 0.5)
echo "   $flood"
sleep 2  # the control thread polls the counters once a second
e2e_stats "$E2E_DIR/stats.json"
bad=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.l4_checksum_bad)
check "l4_checksum_bad counts them ($bad)" test "$bad" -gt 0
warnings=$(grep -c "port wan (net_af_packet0): sampled TCP/UDP packets arrive with wrong checksums" "$DVSD_LOG" || true)
check "one warning names port wan and the fix ($warnings)" \
    test "$warnings" -eq 1 -a "$(grep -c 'ethtool -K' "$DVSD_LOG")" -ge 1

e2e_stop_checked
e2e_finish
