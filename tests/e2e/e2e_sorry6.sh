#!/usr/bin/env bash
# e2e_sorry6 (issue 15): an IPv6 sorry server answers while the service's
# only real server is down, and steps back when it recovers. Real kernel TCP
# over IPv6; the health check goes through dvsd's exception path.
# Service web6 [2001:db8:10::80]:80/tcp, rr, NAT66 to rs1 [2001:db8:2::11]:8080
# with an http check (every 500 ms, rise 2, fall 2); sorry server rs3
# [2001:db8:2::13]:8080 (NAT66). Checks:
#  - rs1 healthy: 20 requests over IPv6 all answered by rs1, none by rs3;
#    dvsadm health lists the sorry server [2001:db8:2::13]:8080 standby;
#  - rs1's server stopped: dvsd logs it down, then 20 requests are all
#    answered by rs3 (the sorry server) and dvsadm health lists it ACTIVE;
#  - rs1 started again: dvsd logs it up, 20 requests all go to rs1 and the
#    sorry server is standby again.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/health_log.sh
source "$DVS_SRC/tests/lib/health_log.sh"

e2e_init e2e_sorry6 dvsS6
# shellcheck source-path=SCRIPTDIR source=../lib/health6.sh
source "$DVS_SRC/tests/lib/health6.sh"
VIP6=2001:db8:10::80
INTERVAL_MS=500
RISE=2
CHECK="type: http, path: /whoami, interval: ${INTERVAL_MS}ms, timeout: 400ms, rise: $RISE, fall: 2"

{
    health6_base_yaml "$E2E_PREFIX"
    cat <<YAML
exception_path: { enabled: true }
services:
  - name: web6
    vip: "$VIP6"
    port: 80
    protocol: tcp
    scheduler: rr
    health_check: { $CHECK }
    sorry_server: { address: "2001:db8:2::13", port: 8080 }
    real_servers:
      - { address: "2001:db8:2::11", port: 8080 }
YAML
} >"$E2E_DIR/dvs.yaml"
e2e_cleanup_extra() { for n in "${!RS_PID[@]}"; do stop_rs "$n"; done; }

health6_topology 3 || exit 1
for n in 1 3; do start_rs "$n" || { echo "FAIL: rs$n servers"; exit 1; }; done
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }
sleep $((INTERVAL_MS * (RISE + 1) / 1000 + 1))

# round N STATE WHO: dvsadm health lists the sorry server as STATE
# (standby or ACTIVE), and 20 new requests over IPv6 are all answered by WHO.
round() {
    local n=$1 state=$2 who=$3
    dvsadm health | tee "$E2E_DIR/health$n.txt" | sed 's/^/  /'
    check "dvsadm health: sorry server [2001:db8:2::13]:8080 $state" \
        grep -q "sorry server \[2001:db8:2::13\]:8080 $state" "$E2E_DIR/health$n.txt"
    requests 20 "$E2E_DIR/r$n.json"
    check "20 requests, none failed" test "$(failed "$E2E_DIR/r$n.json")" -eq 0
    check "all 20 answered by $who" test "$(served "$E2E_DIR/r$n.json" "$who")" -eq 20
}
# rs1_logged TRANSITION: dvsd logs rs1 going TRANSITION within 10 s.
rs1_logged() {
    wait_log_quiet "health: service web6 real server \[2001:db8:2::11\]:8080: $1" 10
}

echo "-- rs1 healthy: the sorry server waits"
round 0 standby rs1

echo "-- rs1 stopped: the IPv6 sorry server answers"
log_mark
stop_rs 1
check "dvsd logged rs1 down" rs1_logged 'up -> down'
sleep 0.5
round 1 ACTIVE rs3

echo "-- rs1 started again: it serves, the sorry server waits again"
log_mark
start_rs 1 || { echo "FAIL: rs1 servers"; exit 1; }
check "dvsd logged rs1 up" rs1_logged 'down -> up'
sleep 0.5
round 2 standby rs1

e2e_stop_checked
e2e_finish
