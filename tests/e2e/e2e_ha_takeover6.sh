#!/usr/bin/env bash
# e2e_ha_takeover6 (issue 15): an HA takeover with an IPv6 VIP that keeps an
# established IPv6 connection. Topology: topo_up_ha (tests/lib/topology.sh)
# with IPv6 on the client, the real servers and the balancers' ha link
# (ha_ipv6_on, tests/lib/ha.sh). Each balancer runs two VRRP instances with
# vrid 51: vi1 for 10.0.1.1, 10.0.0.1 and 192.0.2.10, and vi6 (VRRPv3 over
# IPv6: ff02::12 from its link-local address, hop limit 255) for the
# floating 2001:db8:1::1 (the client's gateway) and 2001:db8:2::1 (the NAT66
# servers' gateway) and the VIP 2001:db8:10::80; lb1 priority 200, lb2 100,
# advert 200 ms. Service web6 [2001:db8:10::80]:80 -> rs1, rs2 :8080 (NAT66).
#
#   1. lb1 MASTER and lb2 BACKUP of vi6; lb2 hears lb1's IPv6 adverts (its
#      `dvsadm ha` names lb1's link-local address as master); the client's
#      neighbour entry for 2001:db8:1::1 is lb1's wan MAC;
#   2. a 4 MiB IPv6 download paced at 384 KiB/s through lb1; after ~1 MiB,
#      kill -9 lb1; lb2 logs vi6 BACKUP -> MASTER;
#   3. lb2's unsolicited Neighbor Advertisements move the client's entry for
#      2001:db8:1::1 to lb2's wan MAC and the real servers' entries for
#      2001:db8:2::1 to lb2's lan MAC (within HA_NA_GOAL_S, default 2 s, of the takeover; a
#      neighbour entry without them would wait for the kernel's reachability
#      probes to fail, much longer), and lb2 counts them;
#   4. new IPv6 and IPv4 requests through lb2 are answered, and the download,
#      synced to lb2 as an IPv6 connection, ends intact (sha256).
#
# E2E_HA_MODE=port (e2e_ha_on_dpdk_port6, namespaces dvsP6): the same with
# ha.interface on lan's exception-path tap (tests/lib/ha.sh HA_ON_PORT):
# the IPv6 adverts cross the DPDK ports and the taps both ways (the tap's
# link-local address is their source), as IPv4 ones do in
# e2e_ha_on_dpdk_port, and the sync stream runs over lan.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

if [[ ${E2E_HA_MODE:-} == port ]]; then
    e2e_init e2e_ha_on_dpdk_port6 dvsP6
    export HA_ON_PORT=1
else
    e2e_init e2e_ha_takeover6 dvsH6
fi
export HA_PREEMPT=true HA_IPV6=1 RS_IPV6=1 RS_BLOB_MB=4
# shellcheck source-path=SCRIPTDIR source=../lib/ha.sh
source "$DVS_SRC/tests/lib/ha.sh"
P=$E2E_PREFIX
VIP6=2001:db8:10::80
RATE=393216 # bytes/s: 4 MiB in 10.7 s
NA_GOAL_S=${HA_NA_GOAL_S:-2} # the neighbour entries move within this after the takeover
[[ -x $DVSADM ]] || { echo "FAIL: dvsadm not built at $DVSADM"; exit 1; }

HA_SERVICES="services:
$(ha_svc_web 8080 nat 1 2)
  - name: web6
    vip: '$VIP6'
    port: 80
    protocol: tcp
    scheduler: rr
    real_servers:
      - { address: '2001:db8:2::11', port: 8080 }
      - { address: '2001:db8:2::12', port: 8080 }"
export HA_SERVICES

topo_up_ha "$P" 2 || { echo "FAIL: topology"; exit 1; }
ha_ipv6_on 2 || { echo "FAIL: IPv6 in the namespaces"; exit 1; }
rs_start_servers "$P" 2 "$E2E_DIR/rs" || { echo "FAIL: real servers"; exit 1; }
ha_config 1 200
ha_config 2 100

# neigh_mac NS ADDRESS: the MAC the kernel of NS holds for ADDRESS on eth0.
neigh_mac() {
    ip -n "$1" -6 neigh show "$2" dev eth0 | grep -oE 'lladdr [0-9a-f:]+' | cut -d' ' -f2
}
neigh_is() { [[ $(neigh_mac "$1" "$2") == "$3" ]]; }
# requests6 COUNT: COUNT new HTTP requests to [VIP6]:80, how many answered.
requests6() { http_answered "$P-cl" "http://[$VIP6]/whoami" "$1"; }
# stat_total N KEY: a counter of dvsd N's stats (SIGUSR1).
stat_total() {
    local f=$E2E_DIR/lb$1-stats.json
    rm -f "$f"
    kill -USR1 "${HA_PID[$1]}" 2>/dev/null || { echo 0; return; }
    _wait_until 5 test -s "$f" || { echo 0; return; }
    "$DVS_PY" -c 'import json, sys
d = json.load(open(sys.argv[1])); print(d.get("totals", d).get(sys.argv[2], 0))' "$f" "$2"
}

echo "-- start lb1 (priority 200), then lb2 (100)"
ha_start_pair
check "lb1 vi6 (IPv6) becomes MASTER" _wait_until 5 ha_state_is 1 MASTER vi6
check "lb2 vi6 (IPv6) is BACKUP" _wait_until 5 ha_state_is 2 BACKUP vi6
ha_adm 2 ha 2>&1 | sed 's/^/   lb2: /' || true
ll1=$(ha_link_local 1)
check "lb2 hears lb1's IPv6 adverts: vi6's master is lb1's link-local $ll1" \
    _wait_until 3 eval "ha_adm 2 ha | awk '\$1 == \"vi6\"' | grep -q 'BACKUP .*master $ll1 '"
check "lb2 counts received IPv6 adverts and drops none" \
    eval "ha_adm 2 ha | grep -A1 '^  vi6 ' | grep -qE 'received [1-9][0-9]* .*dropped 0'"
mac1_wan=$(if_mac "$P-lb1" wan) mac2_wan=$(if_mac "$P-lb2" wan)
mac2_lan=$(if_mac "$P-lb2" lan)
check "IPv6 requests through lb1: 6 of 6 answered" test "$(requests6 6)" -eq 6
check "the client's neighbour entry for 2001:db8:1::1 is lb1's wan ($mac1_wan)" \
    neigh_is "$P-cl" 2001:db8:1::1 "$mac1_wan"
((E2E_FAILS == 0)) || e2e_finish

echo "-- an IPv6 download through lb1; kill -9 lb1 during it"
ip netns exec "$P-cl" curl -sS -g --max-time 40 -o "$E2E_DIR/d6.out" \
    -w '%{http_code} %{size_download} %{time_total}\n' \
    "http://[$VIP6]/blob?rate=$RATE" >"$E2E_DIR/d6.curl" 2>&1 &
BLOB_PID[d6]=$!
for ((i = 0; i < 50; i++)); do
    (($(blob_bytes d6) > 1000000)) && break
    sleep 0.1
done
before=$(blob_bytes d6)
check "the download was running through lb1 ($before bytes)" test "$before" -gt 0
mb=$(ha_mark 2)
ha_kill9 1
if ts=$(ha_wait_log 2 "$mb" 'vrrp vi6: [A-Z]+ -> MASTER' 5); then
    t_master=$(log_epoch "$ts")
    echo "   takeover: lb2 vi6 MASTER $(ms_between_epochs "${HA_KILL_TIME[1]}" "$t_master") ms after the kill"
    check "lb2 took vi6 over" true
else
    check "lb2 logged vi6 -> MASTER within 5 s of the kill" false
    t_master=$(now_epoch)
fi
check "the client's neighbour entry for 2001:db8:1::1 moves to lb2's wan ($mac2_wan) by its unsolicited NA" \
    _wait_until "$NA_GOAL_S" neigh_is "$P-cl" 2001:db8:1::1 "$mac2_wan"
echo "   client: $(ip -n "$P-cl" -6 neigh show 2001:db8:1::1 dev eth0), $(ms_between_epochs "$t_master" "$(now_epoch)") ms after the takeover"
for n in 1 2; do
    if [[ -n $(neigh_mac "$P-rs$n" 2001:db8:2::1) ]]; then
        check "rs$n's neighbour entry for 2001:db8:2::1 moves to lb2's lan ($mac2_lan)" \
            _wait_until "$NA_GOAL_S" neigh_is "$P-rs$n" 2001:db8:2::1 "$mac2_lan"
    fi
done
nas=$(stat_total 2 unsolicited_nas_sent)
echo "   lb2: unsolicited_nas_sent $nas, garps_sent $(stat_total 2 garps_sent)"
# 2001:db8:1::1 on wan, 2001:db8:2::1 on lan, the VIP on both (outside
# every port subnet).
check "lb2 counted its unsolicited neighbor advertisements (>= 4: $nas)" test "$nas" -ge 4
check "dvsadm ha on lb2: vi6 MASTER" eval "ha_adm 2 ha | awk '\$1 == \"vi6\" { print \$4 }' | grep -qx MASTER"
check "IPv6 requests through lb2: 10 of 10 answered" test "$(requests6 10)" -eq 10
check "IPv4 requests through lb2: 10 of 10 answered" ha_requests_ok 10
blob_finish_checked d6 "the IPv6 download (across the takeover)"
synced=$(ha_lines 2 | grep -cE 'sync: full state transfer' || true)
echo "   lb2 full transfers logged: $synced"
ha_counters 2
ha_stop_checked 2
e2e_finish
