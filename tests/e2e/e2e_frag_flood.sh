#!/usr/bin/env bash
# e2e_frag_flood (issue 21): one worker. The client floods the VIP with UDP
# non-first fragments from random sources (their first fragments never come)
# while it downloads a blob through the same worker. Held fragments must stay
# within their budget: the download arrives intact, no RX mbuf allocation
# fails, the evictions are counted, and once the held fragments have timed
# out the mbuf pool is back where it was before the flood.
#
# The client side port is net_pcap, not net_af_packet: an af_packet fanout
# socket asks the kernel to reassemble fragments (PACKET_FANOUT_FLAG_DEFRAG),
# so non-first fragments whose first never comes would not reach dvsd at all.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

FLOOD_SECONDS=${FLOOD_SECONDS:-8}
e2e_init e2e_frag_flood dvsF1
export RS_BLOB_MB=20

e2e_config "$E2E_DIR/dvs.yaml" 1 || { echo "FAIL: could not render the configuration"; exit 1; }
sed -i -e 's/--vdev=net_af_packet0,iface=wan,qdisc_bypass=0/--vdev=net_pcap0,iface=wan/' \
    -e 's/device: net_af_packet0/device: net_pcap0/' "$E2E_DIR/dvs.yaml"
grep -q 'device: net_pcap0' "$E2E_DIR/dvs.yaml" || { echo "FAIL: wan is not net_pcap0"; exit 1; }
topo_up "$E2E_PREFIX" 3 || { echo "FAIL: could not build the namespace topology"; exit 1; }
rs_start_servers "$E2E_PREFIX" 3 "$E2E_DIR/rs" || { echo "FAIL: real servers did not come up"; exit 1; }
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }

stat() { dvs_py show_stats.py "$1" get "$2" 0; }

# Warm up (ARP both ways, the pool's per-core cache), then take the baseline.
e2e_client_checked requests 30 http_client.py --url http://192.0.2.10/whoami --count 30 \
    --timeout 3 --deadline 30
e2e_stats "$E2E_DIR/stats.json" >/dev/null
cp "$E2E_DIR/stats.json" "$E2E_DIR/before.json"
free_before=$(stat "$E2E_DIR/before.json" mbuf_pool_free)
pool=$(stat "$E2E_DIR/before.json" mbuf_pool_size)
echo "   mbuf pool before the flood: $free_before of $pool free"

echo "-- ${FLOOD_SECONDS} s of non-first fragments from 198.18.0.0/15, with a ${RS_BLOB_MB} MiB download"
ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/frag_flood.py" --addr 192.0.2.10 \
    --seconds "$FLOOD_SECONDS" >"$E2E_DIR/flood.json" &
flood_pid=$!
sleep 1
e2e_blob_checked http://192.0.2.10/blob
e2e_stats "$E2E_DIR/stats.json" >/dev/null
cp "$E2E_DIR/stats.json" "$E2E_DIR/during.json"
wait "$flood_pid" || true
echo "   flood: $(cat "$E2E_DIR/flood.json")"
sent=$(json_field "$(cat "$E2E_DIR/flood.json")" sent)
free_during=$(stat "$E2E_DIR/during.json" mbuf_pool_free)
echo "   mbuf pool during the flood: $free_during of $pool free"
check "the flood sent more fragments than the pool has mbufs ($sent > $pool)" test "$sent" -gt "$pool"
check "the pool kept free mbufs during the flood ($free_during)" test "$free_during" -gt 0

# Held fragments time out after 2-3 s; the pool must then be full again.
free_after=0
for _ in $(seq 1 10); do
    sleep 1
    e2e_stats "$E2E_DIR/stats.json" >/dev/null
    cp "$E2E_DIR/stats.json" "$E2E_DIR/after.json"
    free_after=$(stat "$E2E_DIR/after.json" mbuf_pool_free)
    ((free_after >= free_before)) && break
done
check "mbuf pool back to $free_before free after the flood (got $free_after)" \
    test "$free_after" -ge "$free_before"
check "no RX mbuf allocation failed (rx_nombuf $(stat "$E2E_DIR/after.json" rx_nombuf))" \
    test "$(stat "$E2E_DIR/after.json" rx_nombuf)" -eq 0
evicted=$(stat "$E2E_DIR/after.json" totals.drops.frag_evicted)
timed_out=$(stat "$E2E_DIR/after.json" totals.drops.frag_timeout)
echo "   drops: frag_evicted $evicted, frag_timeout $timed_out, frag_hold_full $(stat "$E2E_DIR/after.json" totals.drops.frag_hold_full), frag_table_full $(stat "$E2E_DIR/after.json" totals.drops.frag_table_full)"
check "held fragments were evicted at the budget (frag_evicted $evicted)" test "$evicted" -gt 0

# The balancer still serves new connections after the flood.
e2e_client_checked requests 30 http_client.py --url http://192.0.2.10/whoami --count 30 \
    --timeout 3 --deadline 30

e2e_stop_checked
e2e_finish
