#!/usr/bin/env bash
# e2e_ha_split_brain: the HA link fails and heals under traffic. Two dvsd
# (topo_up_ha, namespaces dvsA4), lb1 priority 200, lb2 100, advert 200 ms,
# NAT service 192.0.2.10:80 (wrr, rs1, rs2).
#  1. download A (16 MiB paced at 2 MiB/s) starts through the master lb1 (and is
#     synced to lb2);
#  2. the HA link is cut on the switch side (lb2's port leaves the bridge
#     brh; both kernels keep carrier, so neither dvsd sees a link fault):
#     lb2 stops hearing lb1 and becomes MASTER too — both logs say MASTER;
#     lb2's gratuitous ARPs pull the client and the real servers over;
#  3. download B (16 MiB at 2 MiB/s) starts during the split (lb1 can not
#     know it: the sync stream is cut too);
#  4. the link is healed: exactly one MASTER remains — lb1 (the higher
#     priority), lb2 logs MASTER -> BACKUP; `dvsadm ha` agrees on both;
#  5. both downloads complete intact (curl exit 0, size, sha256: no reset),
#     and 20 new requests succeed afterwards.
# The pair has a sync key (ha.sync.key_file): download B survives because
# lb2 hands its table back to lb1, and a master takes a hand-back (entries
# it lacks, for its own VIPs) only from an authenticated peer (issue 20).
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_ha_split_brain dvsA4
# shellcheck source-path=SCRIPTDIR source=../lib/ha.sh
source "$DVS_SRC/tests/lib/ha.sh"
P=$E2E_PREFIX
export RS_BLOB_MB=16
[[ -x $DVSADM ]] || { echo "FAIL: dvsadm not built at $DVSADM"; exit 1; }
HA_SERVICES="services:
$(ha_svc_web 8080 nat 1 2)"
export HA_SERVICES

topo_up_ha "$P" 2 || { echo "FAIL: topology"; exit 1; }
rs_start_servers "$P" 2 "$E2E_DIR/rs" || { echo "FAIL: real servers"; exit 1; }
(umask 077 && openssl rand -hex 32 >"$E2E_DIR/sync.key")
export HA_KEY_FILE=$E2E_DIR/sync.key
ha_config 1 200
ha_config 2 100
ha_start_pair

# where_arp: which balancer the client's and rs1's ARP entries point at.
where_arp() {
    local w1 w2 c r
    w1=$(if_mac "$P-lb1" wan); w2=$(if_mac "$P-lb2" wan)
    c=$(ip -n "$P-cl" neigh show 10.0.1.1 | grep -oE 'lladdr [0-9a-f:]+' | cut -d' ' -f2)
    r=$(ip -n "$P-rs1" neigh show 10.0.0.1 | grep -oE 'lladdr [0-9a-f:]+' | cut -d' ' -f2)
    [[ $c == "$w1" ]] && c=lb1; [[ $c == "$w2" ]] && c=lb2
    [[ $r == "$(if_mac "$P-lb1" lan)" ]] && r=lb1; [[ $r == "$(if_mac "$P-lb2" lan)" ]] && r=lb2
    echo "client -> ${c:-?}, rs1 -> ${r:-?}"
}
t0=$(now_epoch)
at() { echo "t+$(ms_between_epochs "$t0" "$(now_epoch)") ms"; }

echo "-- download A through lb1"
BLOB_MAX_TIME=40 blob_start A 2097152
for ((i = 0; i < 50; i++)); do (($(blob_bytes A) > 2000000)) && break; sleep 0.1; done
echo "   $(at): A has $(blob_bytes A) bytes; ARP: $(where_arp)"

echo "-- cut the HA link (lb2's port leaves brh)"
m1=$(ha_mark 1)
m2=$(ha_mark 2)
t_cut=$(now_epoch)
ip -n "$P-sw" link set p-lb2-h nomaster
if ts=$(ha_wait_master 2 "$m2" 5); then
    echo "   lb2 MASTER $(ms_between_epochs "$t_cut" "$(log_epoch "$ts")") ms after the cut"
    check "split: lb2 became MASTER" true
else
    check "split: lb2 became MASTER" false
fi
sleep 0.6 # several advert intervals: lb1 must not step down either
check "split: lb1 still MASTER (no transition logged)" \
    test "$(ha_transitions 1 "$m1")" -eq 0
check "split: both MASTER" test "$(ha_state 1)/$(ha_state 2)" = MASTER/MASTER
check "split: dvsadm ha says MASTER on both" test "$(ha_adm_state 1)/$(ha_adm_state 2)" = MASTER/MASTER
ha_adm 1 ha 2>&1 | sed 's/^/   lb1: /' || true
ha_adm 2 ha 2>&1 | sed 's/^/   lb2: /' || true

echo "-- download B during the split"
BLOB_MAX_TIME=40 blob_start B 2097152
for ((i = 0; i < 30; i++)); do (($(blob_bytes B) > 1000000)) && break; sleep 0.1; done
echo "   $(at): A has $(blob_bytes A) bytes, B $(blob_bytes B); ARP: $(where_arp)"
check "download B is flowing during the split ($(blob_bytes B) bytes)" test "$(blob_bytes B)" -gt 0

echo "-- heal the HA link"
m1=$(ha_mark 1)
m2=$(ha_mark 2)
t_heal=$(now_epoch)
ip -n "$P-sw" link set p-lb2-h master brh
if ts=$(ha_wait_log 2 "$m2" 'vrrp vi1: MASTER -> BACKUP' 5); then
    echo "   lb2 BACKUP $(ms_between_epochs "$t_heal" "$(log_epoch "$ts")") ms after the heal"
    check "heal: lb2 stepped down to BACKUP" true
else
    check "heal: lb2 stepped down to BACKUP" false
fi
sleep 1 # let it settle: a flap would show as a further transition
echo "   $(at): A has $(blob_bytes A) bytes, B $(blob_bytes B); ARP: $(where_arp)"
check "heal: lb1 MASTER, lb2 BACKUP" test "$(ha_state 1)/$(ha_state 2)" = MASTER/BACKUP
check "heal: lb1 logged no transition since the heal" \
    test "$(ha_transitions 1 "$m1")" -eq 0
check "heal: lb2 logged exactly one transition since the heal" \
    test "$(ha_transitions 2 "$m2")" -eq 1
a1=$(ha_adm 1 ha 2>&1 || true)
a2=$(ha_adm 2 ha 2>&1 || true)
printf '   lb1: %s\n' "${a1//$'\n'/$'\n   lb1: '}"
printf '   lb2: %s\n' "${a2//$'\n'/$'\n   lb2: '}"
check "dvsadm ha: lb1 MASTER" ha_adm_state_is 1 MASTER
check "dvsadm ha: lb2 BACKUP, master 10.0.3.1" grep -qE '^  vi1 +vrid 51 +BACKUP .*master 10\.0\.3\.1 ' <<<"$a2"
ha_lines 1 "$m1" | grep -E 'vrrp|sync' | head -n 5 | sed 's/^/   lb1: /' || true
ha_lines 2 "$m2" | grep -E 'vrrp|sync' | head -n 5 | sed 's/^/   lb2: /' || true

ha_counters 1
ha_counters 2
echo "-- both downloads"
blob_finish_checked A "download A (started before the split)"
blob_finish_checked B "download B (started during the split)"
check "20 new requests after the heal" ha_requests_ok 20

ha_stop_checked 1 2
e2e_finish
