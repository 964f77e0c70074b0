#!/usr/bin/env bash
# e2e_announce_health (issue 16): a box announces its VIP through BIRD only
# while a real server of it is healthy. One dvsd box with its own BIRD, a
# router running BIRD (tests/lib/fleet.sh):
#  - up: the router learns 192.0.2.70 over BGP from the box; `dvsadm fleet`
#    says "announced (serving)" and the BGP session is up; dvsd, started
#    before BIRD, logged BIRD's absence once and found it later;
#  - every real server stops: the health checks fail, dvsd withdraws the
#    route, the VIP leaves the router's table; dvsadm says no_usable_server;
#  - the servers come back: the VIP is announced again and requests succeed.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"
e2e_init e2e_announce_health dvsFa
e2e_require bird birdc
# shellcheck source-path=SCRIPTDIR source=../lib/fleet.sh
source "$DVS_SRC/tests/lib/fleet.sh"
export RS_BLOB_MB=1

fleet_up 1
check "the router learned $FLEET_VIP from the box" fleet_path_via 1
# dvsd started before its BIRD: it announced into the kernel table anyway,
# said once that BIRD was not there, and found it on a later poll.
log=$(fleet_log 1)
check "dvsd logged BIRD's absence once ($(grep -c 'BIRD not reachable' "$log") lines)" \
    test "$(grep -c 'BIRD not reachable' "$log")" -eq 1
check "dvsd found BIRD on a later poll" _wait_until 6 grep -q "fleet: BIRD answers" "$log"
fleet=$(fleet_adm 1 fleet)
fleet_indent <<<"$fleet"
check "dvsadm fleet: $FLEET_VIP announced (serving)" grep -q "VIP $FLEET_VIP  announced (serving)" <<<"$fleet"
# shellcheck disable=SC2317 # called through check
_bgp_up() { fleet_adm 1 fleet | grep -q "BGP uplink  up"; }
check "dvsadm fleet: BIRD's BGP session to the router is up" _wait_until 10 _bgp_up
# polls: "F P" from dvsadm fleet's "(F of P polls failed)".
polls() { fleet_adm 1 fleet | sed -nE 's/.*\(([0-9]+) of ([0-9]+) polls failed\).*/\1 \2/p'; }
read -r failed_then polls_then <<<"$(polls)"
res=$(ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/http_client.py" \
    --url "http://$FLEET_VIP/whoami" --count 20 --timeout 3 --deadline 30) || true
check "20 requests through the router and the box succeed ($res)" \
    test "$(json_field "$res" ok)" -eq 20

echo "-- every real server stops"
for ((i = 1; i <= FLEET_RS; i++)); do
    for pid in $(ip netns pids "$E2E_PREFIX-rs$i"); do kill "$pid" 2>/dev/null || true; done
done
t0=$(date +%s.%N)
check "the VIP left the router's table" _wait_until 20 fleet_paths_are 0
t1=$(date +%s.%N)
echo "   withdrawn at the router $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s after the servers stopped"
fleet=$(fleet_adm 1 fleet)
fleet_indent <<<"$fleet"
check "dvsadm fleet: withdrawn (no_usable_server)" grep -q "withdrawn (no_usable_server)" <<<"$fleet"
check "the route is gone from kernel table 100 in the box" \
    test -z "$(ip -n "$E2E_PREFIX-lb1" route show table 100)"

echo "-- the real servers come back"
RS_HTTP_EXTRA_PORTS=80 rs_start_servers "$E2E_PREFIX" "$FLEET_RS" "$E2E_DIR/rs" ||
    { echo "FAIL: real servers did not come back"; exit 1; }
check "the VIP is back in the router's table" _wait_until 20 fleet_paths_are 1
check "dvsadm fleet: announced (serving) again" \
    _wait_until 5 bash -c "'$DVSADM' --socket '$(fleet_sock 1)' fleet | grep -q 'announced (serving)'"
res=$(ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/http_client.py" \
    --url "http://$FLEET_VIP/whoami" --count 20 --timeout 3 --deadline 30) || true
check "20 requests succeed again ($res)" test "$(json_field "$res" ok)" -eq 20

# Every poll since BIRD answered succeeded: a BIRD that answers never
# counts as a failure, whatever the size of its reply. Polls come every
# 2 s and the steps above may take less: wait for one more first.
# shellcheck disable=SC2317 # called through _wait_until
_polled_since() { local f p; read -r f p <<<"$(polls)"; test "${p:-0}" -gt "$polls_then"; }
_wait_until 6 _polled_since || true
read -r failed_now polls_now <<<"$(polls)"
check "no BIRD poll failed once BIRD was up ($failed_then -> $failed_now failed, $polls_then -> $polls_now polls)" \
    test "$failed_now" -eq "$failed_then" -a "$polls_now" -gt "$polls_then"
fleet_stop_checked 1
e2e_finish
