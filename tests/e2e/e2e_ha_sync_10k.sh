#!/usr/bin/env bash
# e2e_ha_sync_10k: connection sync at scale. Two dvsd (topo_up_ha, namespaces
# dvsA3), lb1 MASTER (priority 200), lb2 BACKUP (100), UDP service echo
# 192.0.2.10:53 (rr over rs1, rs2 port 5353), conn_capacity 65536.
#  - 10,000 UDP flows from the client (one datagram from each source port
#    20000..29999, tests/lib/udp_flows.py), every one answered through lb1;
#    the client records which real server answered each;
#  - lb2 (BACKUP) comes to hold all 10,000 (polling `dvsadm conns` on lb2);
#    the time from the last flow sent to lb2 holding them all is the sync
#    lag; lb1's and lb2's lists are identical (client, VIP, real server);
#  - kill -9 lb1, lb2 takes over; lb2's list still holds every one of lb1's
#    10,000 flows with the same real server;
#  - the same 10,000 flows again (same source ports) through lb2: every one
#    answered by the same real server as before (round robin would have
#    spread new flows anew), and lb2's table did not grow;
#  - lb1 restarted gets all of them back in one full state transfer (its
#    duration is printed from its log).
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_ha_sync_10k dvsA3
# shellcheck source-path=SCRIPTDIR source=../lib/ha.sh
source "$DVS_SRC/tests/lib/ha.sh"
P=$E2E_PREFIX
FLOWS=${HA_FLOWS:-10000}
export RS_BLOB_MB=1
export HA_CONN_CAPACITY=65536 HA_MBUFS=8191
[[ -x $DVSADM ]] || { echo "FAIL: dvsadm not built at $DVSADM"; exit 1; }
HA_SERVICES="services:
$(ha_svc_udp echo 53 5353 nat 1 2)"
export HA_SERVICES

topo_up_ha "$P" 2 || { echo "FAIL: topology"; exit 1; }
rs_start_servers "$P" 2 "$E2E_DIR/rs" || { echo "FAIL: real servers"; exit 1; }
ha_config 1 200
ha_config 2 100

ha_start_pair

count_udp() {  # N: UDP connections of dvsd N from the client
    ha_conns "$1" --protocol udp 2>/dev/null | grep -c ' 10\.0\.1\.2:' || true
}

echo "-- $FLOWS UDP flows through lb1"
t_gen=$(now_epoch)
res=$(ip netns exec "$P-cl" "$DVS_PY" "$DVS_LIB/udp_flows.py" --addr 192.0.2.10 --port 53 \
    --src 10.0.1.2 --first-port 20000 --count "$FLOWS" --map "$E2E_DIR/map1.txt") || true
t_sent=$(now_epoch)
echo "   $res"
check "all $FLOWS flows answered through lb1 ($(json_field "${res:-{\}}" ok))" \
    test "$(json_field "${res:-{\"ok\":0\}}" ok)" -eq "$FLOWS"
gen_ms=$(ms_between_epochs "$t_gen" "$t_sent")
echo "   generated in $gen_ms ms"

echo "-- lb2 (BACKUP) comes to hold them"
# A listing of 10,000 takes about a second itself: the lag is bounded by the
# start and the end of the first listing that holds them all.
n2=0
deadline=$((SECONDS + 60))
while ((SECONDS < deadline)); do
    t_poll=$(now_epoch)
    n2=$(count_udp 2)
    t_done=$(now_epoch)
    ((n2 >= FLOWS)) && break
    echo "   lb2 holds $n2 (listing started $(ms_between_epochs "$t_sent" "$t_poll") ms after the last answer)"
    sleep 0.2
done
sync_ms="$(ms_between_epochs "$t_sent" "$t_poll")..$(ms_between_epochs "$t_sent" "$t_done")"
echo "   lb2 holds $n2 flows in the listing that started $(ms_between_epochs "$t_sent" "$t_poll") ms" \
    "and ended $(ms_between_epochs "$t_sent" "$t_done") ms after the last flow was answered"
check "lb2 holds exactly $FLOWS flows ($n2)" test "$n2" -eq "$FLOWS"
ha_conns 1 --protocol udp >"$E2E_DIR/lb1.txt"
ha_conns 2 --protocol udp >"$E2E_DIR/lb2-backup.txt"
n1=$(grep -c ' 10\.0\.1\.2:' "$E2E_DIR/lb1.txt" || true)
check "lb1 holds exactly $FLOWS flows ($n1)" test "$n1" -eq "$FLOWS"
head -n 2 "$E2E_DIR/lb1.txt" | sed 's/^/   lb1: /'
differ=$(comm -3 "$E2E_DIR/lb1.txt" "$E2E_DIR/lb2-backup.txt" | wc -l)
check "lb1's and lb2's lists are identical (client, VIP, real server): $differ lines differ" \
    test "$differ" -eq 0

echo "-- kill -9 lb1"
mb=$(ha_mark 2)
ha_kill9 1
if ts=$(ha_wait_master 2 "$mb" 5); then
    echo "   lb2 MASTER $(ms_between_epochs "${HA_KILL_TIME[1]}" "$(log_epoch "$ts")") ms after the kill"
else
    check "lb2 logged BACKUP -> MASTER within 5 s" false
    e2e_finish
fi
ha_conns 2 --protocol udp >"$E2E_DIR/lb2-master.txt"
missing=$(comm -23 "$E2E_DIR/lb1.txt" "$E2E_DIR/lb2-master.txt" | wc -l)
check "every one of lb1's $FLOWS flows is in lb2's list with the same real server ($missing missing)" \
    test "$missing" -eq 0 -a "$n1" -eq "$FLOWS"
comm -23 "$E2E_DIR/lb1.txt" "$E2E_DIR/lb2-master.txt" | head -n 3 | sed 's/^/   missing: /' || true

echo "-- the same $FLOWS flows again, through lb2"
res=$(ip netns exec "$P-cl" "$DVS_PY" "$DVS_LIB/udp_flows.py" --addr 192.0.2.10 --port 53 \
    --src 10.0.1.2 --first-port 20000 --count "$FLOWS" --check "$E2E_DIR/map1.txt") || true
echo "   $res"
check "all $FLOWS answered through lb2 ($(json_field "${res:-{\}}" ok))" \
    test "$(json_field "${res:-{\"ok\":0\}}" ok)" -eq "$FLOWS"
check "each by the same real server as before ($(json_field "${res:-{\}}" moved) moved)" \
    test "$(json_field "${res:-{\"moved\":1\}}" moved)" -eq 0 -a "$(json_field "${res:-{\"same\":0\}}" same)" -eq "$FLOWS"
n2=$(count_udp 2)
check "lb2's table did not grow ($n2)" test "$n2" -eq "$FLOWS"

echo "-- restart lb1: a full state transfer of the $FLOWS flows from lb2"
ha_start 1 || { echo "FAIL: lb1 did not restart"; exit 1; }
if quiet ha_wait_synced 1 "${HA_START_LINE[1]}" 10; then
    line=$(ha_lines 1 | grep -m1 -E 'sync: full state transfer from 10\.0\.3\.2')
    echo "   lb1: ${line:24}"
    full=${line##*done: }
    got=$(sed -E 's/.*done: ([0-9]+) connections.*/\1/' <<<"$line")
    check "lb1's full state transfer brought all $FLOWS flows ($got)" test "$got" -ge "$FLOWS"
else
    check "lb1 logged its full state transfer from lb2 within 10 s" false
fi
ha_conns 1 --protocol udp >"$E2E_DIR/lb1-again.txt"
missing=$(comm -23 "$E2E_DIR/lb1.txt" "$E2E_DIR/lb1-again.txt" | wc -l)
check "the restarted lb1 holds every flow with the same real server ($missing missing)" test "$missing" -eq 0
ha_counters 1
ha_counters 2
ha_adm 1 ha | sed 's/^/   lb1: /'
check "dvsadm ha on lb1: no sync datagram lost ($(ha_adm_lost 1))" test "$(ha_adm_lost 1)" = 0
for n in 1 2; do
    e=$(ha_rcvbuf_errors "$n")
    check "lb$n's kernel dropped no sync datagram (UDP RcvbufErrors $e)" test "$e" -eq 0
done
echo "-- measured: $FLOWS flows in ${gen_ms} ms; all on the backup within ${sync_ms} ms after the last was answered;"
echo "   full state transfer of them to the restarted lb1: ${full:-?}"
ha_stop_checked 1 2
e2e_finish
