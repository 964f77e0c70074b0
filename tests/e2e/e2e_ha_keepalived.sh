#!/usr/bin/env bash
# e2e_ha_keepalived: dvsd and keepalived as VRRPv3 peers. topo_up_ha plus
# topo_add_ka (namespaces dvsA5): dvsd in lb1 (priority 200, advert 200 ms,
# preempt) and keepalived in PREFIX-ka on the HA bridge (vrrp_version 3,
# the same vrid 51 and address list, advert_int 0.2, priority 100; its
# virtual_ipaddress goes on its own ha, where it harms nothing). lb2 is not
# started. Checks:
#  - dvsd MASTER, keepalived BACKUP without the VIP on its ha, stable for 2 s,
#    and traffic flows through dvsd;
#  - kill -9 dvsd: keepalived becomes MASTER and the VIP appears on its ha
#    within ~1 s (ip -ts monitor address timestamps; goal < 1 s);
#  - dvsd restarted: it preempts (MASTER), keepalived goes BACKUP and drops
#    the VIP; traffic flows through dvsd again.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_ha_keepalived dvsA5
command -v keepalived >/dev/null 2>&1 || { echo "SKIP: keepalived not installed (scripts/setup.sh)"; exit 77; }
# shellcheck source-path=SCRIPTDIR source=../lib/ha.sh
source "$DVS_SRC/tests/lib/ha.sh"
P=$E2E_PREFIX
export RS_BLOB_MB=1
GOAL_MS=${HA_KA_GOAL_MS:-1000}
[[ -x $DVSADM ]] || { echo "FAIL: dvsadm not built at $DVSADM"; exit 1; }
HA_SERVICES="services:
$(ha_svc_web 8080 nat 1 2)"
export HA_SERVICES
# No sync section: keepalived only speaks VRRP.
export HA_SYNC=0

topo_up_ha "$P" 2 || { echo "FAIL: topology"; exit 1; }
topo_add_ka "$P" || { echo "FAIL: keepalived namespace"; exit 1; }
rs_start_servers "$P" 2 "$E2E_DIR/rs" || { echo "FAIL: real servers"; exit 1; }
ha_config 1 200
ka_config 100

# addr_event_epoch WHAT FROM_LINE: the epoch of the first `ip -ts monitor`
# line at or after FROM_LINE of E2E_DIR/ka-addr.log with 10.0.1.1 (WHAT:
# add | del).
addr_event_epoch() {
    local what=$1 from=$2 line
    if [[ $what == del ]]; then
        line=$(tail -n +"$from" "$E2E_DIR/ka-addr.log" | grep -m1 -E '^\[[^]]+\] Deleted .*inet 10\.0\.1\.1/32') || return 1
    else
        line=$(tail -n +"$from" "$E2E_DIR/ka-addr.log" | grep -v Deleted | grep -m1 -E 'inet 10\.0\.1\.1/32') || return 1
    fi
    local ts=${line#[}
    ts=${ts%%]*}
    date -d "${ts/T/ }" +%s.%N
}
addr_mark() { echo $(($(wc -l <"$E2E_DIR/ka-addr.log" 2>/dev/null || echo 0) + 1)); }
ka_lines_from() { tail -n +"$1" "$E2E_DIR/ka.log"; }

echo "-- dvsd (200) first, then keepalived (100)"
ha_start 1 || { echo "FAIL: dvsd did not start"; exit 1; }
check "dvsd becomes MASTER" quiet ha_wait_master 1 "${HA_START_LINE[1]}" 5
ka_start || { echo "FAIL: keepalived did not start"; exit 1; }
check "keepalived enters BACKUP" _wait_until 5 ka_state_is BACKUP
sleep 2
check "keepalived stays BACKUP (never MASTER)" bash -c "! grep -q 'Entering MASTER STATE' '$E2E_DIR/ka.log'"
check "keepalived holds no VIP on its ha" ka_lacks_vip
check "dvsd stays MASTER (INIT -> BACKUP -> MASTER, no flap: $(ha_transitions 1) transitions)" \
    test "$(ha_transitions 1)" -le 2 -a "$(ha_state 1)" = MASTER
ha_adm 1 ha 2>&1 | sed 's/^/   dvsd: /' || true
check "dvsadm ha: MASTER, master 10.0.3.1" bash -c "\"$DVSADM\" --socket $(ha_sock 1) ha | grep -qE '^  vi1 +vrid 51 +MASTER .*master 10\.0\.3\.1 '"
check "traffic flows through dvsd" ha_requests_ok 20
grep -E 'VRRP|vi1|Entering|bogus|version|mismatch' "$E2E_DIR/ka.log" | tail -n 6 | sed 's/^/   ka: /' || true

echo "-- kill -9 dvsd"
am=$(addr_mark)
km=$(($(wc -l <"$E2E_DIR/ka.log") + 1))
ha_kill9 1
t_kill=${HA_KILL_TIME[1]}
if _wait_until 5 ka_has_vip; then
    sleep 0.2
    if t_vip=$(addr_event_epoch add "$am"); then
        ka_ms=$(ms_between_epochs "$t_kill" "$t_vip")
        echo "   keepalived put the VIP on its ha ${ka_ms} ms after the kill"
        check "keepalived took over within ${GOAL_MS} ms ($ka_ms ms)" test "$ka_ms" -le "$GOAL_MS"
    else
        check "ip monitor saw the VIP arrive" false
    fi
else
    check "keepalived took the VIP within 5 s of the kill" false
fi
check "keepalived logged Entering MASTER STATE" bash -c "tail -n +$km '$E2E_DIR/ka.log' | grep -q '(vi1) Entering MASTER STATE'"

echo "-- restart dvsd: it preempts"
am=$(addr_mark)
km=$(($(wc -l <"$E2E_DIR/ka.log") + 1))
ha_start 1 || { echo "FAIL: dvsd did not restart"; exit 1; }
t_ready=$(now_epoch)
if ts=$(ha_wait_master 1 "${HA_START_LINE[1]}" 5); then
    echo "   dvsd MASTER $(ms_between_epochs "$t_ready" "$(log_epoch "$ts")") ms after it was ready"
    check "dvsd preempts keepalived (-> MASTER)" true
else
    check "dvsd preempts keepalived (-> MASTER)" false
fi
ha_lines 1 | grep -E 'vrrp' | sed 's/^/   dvsd: /' || true
check "keepalived goes BACKUP" _wait_until 5 bash -c "tail -n +$km '$E2E_DIR/ka.log' | grep -q '(vi1) Entering BACKUP STATE'"
check "keepalived dropped the VIP from its ha" _wait_until 3 ka_lacks_vip
if t_del=$(addr_event_epoch del "$am"); then
    echo "   keepalived dropped the VIP $(ms_between_epochs "$t_ready" "$t_del") ms after dvsd was ready"
fi
sleep 1
check "dvsd still MASTER, keepalived still BACKUP 1 s later" \
    test "$(ha_state 1)/$(ka_state)" = MASTER/BACKUP
check "traffic flows through dvsd again" ha_requests_ok 20
check "dvsadm ha: MASTER" ha_adm_state_is 1 MASTER
# dvsd preempted on keepalived's adverts, so its socket read them: the
# socket line counts at least what the instance was handed.
adm_ha=$(ha_adm 1 ha 2>/dev/null || true)
sock_read=$(sed -nE 's/^  socket: read ([0-9]+);.*/\1/p' <<<"$adm_ha")
inst_recv=$(sed -nE 's/.*adverts sent [0-9]+ received ([0-9]+) .*/\1/p' <<<"$adm_ha" | head -n1)
check "dvsadm ha: the socket read ${sock_read:-?} packets, at least the ${inst_recv:-?} adverts vi1 took (>= 1)" \
    test "${inst_recv:-0}" -ge 1 -a "${sock_read:-0}" -ge "${inst_recv:-1}"
ka_lines_from "$km" | grep -E 'Entering|bogus|mismatch|priority' | head -n 5 | sed 's/^/   ka: /' || true

echo "-- measured: keepalived takeover ${ka_ms:-?} ms after kill -9 of dvsd (advert 200 ms, priority 100)"
ha_stop_checked 1
ka_stop
e2e_finish
