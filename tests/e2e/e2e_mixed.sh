#!/usr/bin/env bash
# e2e_mixed: the three forwarding methods inside one service. One worker
# (E2E_WORKERS overrides), service web-mixed 192.0.2.40:8080 (wrr 3:2:1): rs1 by NAT (answers come
# back through dvsd), rs2 by DR and rs3 by TUN (both answer the client
# directly through the gw). All real servers listen on 8080, the service
# port, because DR and TUN cannot change the port.
#  - 600 HTTP requests, each on a new connection, all succeed on all three
#    servers, shares within 5 points of the weights;
#  - dvsd's stats: 600 connections; rs1 (NAT) has pkts_out > 0, rs2 (DR) and
#    rs3 (TUN) have pkts_out == 0.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

REQUESTS=600
VIP=192.0.2.40
# E2E_WORKERS=2 (registered as e2e_mixed_2w): worker 0 polls wan, worker 1
# lan, so DR/TUN packets are handed to lan's TX owner and NAT replies to the
# flow's owner core.
WORKERS=${E2E_WORKERS:-1}
if [[ $WORKERS == 1 ]]; then
    e2e_init e2e_mixed dvsE7
else
    e2e_init "e2e_mixed_${WORKERS}w" dvsE9
fi
export RS_BLOB_MB=1

e2e_setup_direct "$DVS_SRC/tests/e2e/mixed.yaml.in" "$WORKERS" 3 \
    "1:nat:$VIP" "2:dr:$VIP" "3:tun:$VIP"

echo "-- $REQUESTS requests to http://$VIP:8080/whoami"
e2e_client_checked requests "$REQUESTS" http_client.py \
    --url "http://$VIP:8080/whoami" --count "$REQUESTS" --timeout 3 --deadline 150
e2e_check_shares "$E2E_RES" "$REQUESTS" rs1=3 rs2=2 rs3=1

e2e_stats "$E2E_DIR/stats.json"
conns=$(dvs_py show_stats.py "$E2E_DIR/stats.json" rs-conns web-mixed) || conns=0
check "stats: per-RS conns of web-mixed sum to $REQUESTS (got $conns)" test "$conns" -eq "$REQUESTS"
pout=$(dvs_py show_stats.py "$E2E_DIR/stats.json" rs-map web-mixed pkts_out) || pout=""
echo "   pkts_out per real server: $(tr '\n' ' ' <<<"$pout")"
nat_out=$(sed -n 's/^10\.0\.0\.11:8080=//p' <<<"$pout")
dr_out=$(sed -n 's/^10\.0\.0\.12:8080=//p' <<<"$pout")
tun_out=$(sed -n 's/^10\.0\.0\.13:8080=//p' <<<"$pout")
check "stats: rs1 (nat) answers went through dvsd (pkts_out ${nat_out:-?} > 0)" test "${nat_out:-0}" -gt 0
check "stats: rs2 (dr) answers bypassed dvsd (pkts_out ${dr_out:-?} == 0)" test "${dr_out:--1}" -eq 0
check "stats: rs3 (tun) answers bypassed dvsd (pkts_out ${tun_out:-?} == 0)" test "${tun_out:--1}" -eq 0

e2e_stop_checked
e2e_finish
