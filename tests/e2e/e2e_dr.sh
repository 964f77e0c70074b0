#!/usr/bin/env bash
# e2e_dr: direct routing. One worker, service web-dr 192.0.2.20:80 (wrr 3:2:1)
# over three DR real servers: dvsd only rewrites the Ethernet destination, the
# real servers hold the VIP on lo (arp_ignore=1, arp_announce=2) and answer the
# client straight through the gw, never through dvsd.
#  - 300 HTTP requests, each on a new connection, all succeed on all three
#    servers, shares within 5 points of the weights;
#  - 30 UDP datagrams to 192.0.2.20:5353 (echo-dr, rr) answered from the VIP;
#  - a 50 MiB GET /blob arrives intact (sha256);
#  - no real server answered ARP for the VIP (dvsd's ARP table is the only
#    owner of it on the segment);
#  - dvsd's stats: pkts_in > 0 and pkts_out == 0 for both services (the
#    answers bypassed dvsd).
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

REQUESTS=300
VIP=192.0.2.20
e2e_init e2e_dr dvsE5
export RS_BLOB_MB=50
export RS_HTTP_EXTRA_PORTS=80 # DR cannot change the port

e2e_setup_direct "$DVS_SRC/tests/e2e/dr.yaml.in" 1 3 \
    "1:dr:$VIP" "2:dr:$VIP" "3:dr:$VIP"

e2e_direct_traffic_checked "$VIP" "$REQUESTS"

# Only dvsd may own the VIP on the segment: ask who has it from the gw; no
# real server may answer (arp_ignore=1), dvsd does.
arp=$(ip netns exec "$E2E_PREFIX-gw" "$DVS_PY" "$DVS_LIB/arp_probe.py" --iface lan \
    --target "$VIP" --timeout 1) || arp='{"answers":[]}'
echo "   ARP who-has $VIP from the gw: $arp"
lb_mac=$(if_mac "$E2E_PREFIX-lb" lan)
check "dvsd (lan $lb_mac) answers ARP for the VIP" grep -qi "\"$lb_mac\"" <<<"$arp"
# shellcheck disable=SC2317 # called through check
not_among() { ! grep -qi "\"$1\"" <<<"$2"; }
for i in 1 2 3; do
    rs_mac=$(if_mac "$E2E_PREFIX-rs$i" eth0)
    check "rs$i ($rs_mac) does not answer ARP for the VIP" not_among "$rs_mac" "$arp"
done

e2e_stats "$E2E_DIR/stats.json"
for svc in web-dr echo-dr; do
    pin=$(dvs_py show_stats.py "$E2E_DIR/stats.json" svc "$svc" pkts_in) || pin=0
    pout=$(dvs_py show_stats.py "$E2E_DIR/stats.json" svc "$svc" pkts_out) || pout=-1
    check "stats: $svc pkts_in > 0 ($pin)" test "$pin" -gt 0
    check "stats: $svc pkts_out == 0, answers bypassed dvsd ($pout)" test "$pout" -eq 0
done
conns=$(dvs_py show_stats.py "$E2E_DIR/stats.json" rs-conns web-dr) || conns=0
# 300 requests + the blob: each its own connection.
check "stats: per-RS conns of web-dr sum to $((REQUESTS + 1)) (got $conns)" \
    test "$conns" -eq $((REQUESTS + 1))

e2e_stop_checked
e2e_finish
