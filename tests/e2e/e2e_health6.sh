#!/usr/bin/env bash
# e2e_health6 (issue 15): health checks of IPv6 real servers, through dvsd's
# own exception path (the kernel's IPv6 on dvs-lan, over the DPDK port).
# Service web6 [2001:db8:10::80]:80/tcp, rr, NAT66 to rs1..rs3 (port 8080):
# an http check every 500 ms (rise 2, fall 2), rs3 with a ping check of its
# own instead; service dns6 [2001:db8:10::80]:53/udp to their UDP echo
# (5353) with a udp check. Checks:
#  - all healthy: requests over IPv6 reach rs1..rs3; dvsadm health lists
#    every IPv6 server up (http, ping, udp);
#  - stopping rs2's servers: web6 and dns6 take rs2 down (logged within
#    fall x interval + timeout), then 60 requests all succeed and none
#    goes to rs2, dvsadm -L -n lists [2001:db8:2::12]:8080 with weight 0;
#  - starting them again: down -> up within rise x interval (+ timeout),
#    and rs2 serves again;
#  - rs3's ping check stays up throughout (its echo replies come back);
#  - fleet: the IPv6 VIP is a /128 route (proto 200) in kernel table 100 on
#    dvs-wan while it has a usable server, gone while the box is drained
#    (what BIRD would export; BIRD itself is not run here).
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/health_log.sh
source "$DVS_SRC/tests/lib/health_log.sh"

e2e_init e2e_health6 dvsH6
# shellcheck source-path=SCRIPTDIR source=../lib/health6.sh
source "$DVS_SRC/tests/lib/health6.sh"
P=$E2E_PREFIX
VIP6=2001:db8:10::80
INTERVAL_MS=500
FALL=2
RISE=2
TIMEOUT_MS=400

{
    health6_base_yaml "$P"
    cat <<YAML
exception_path: { enabled: true }
fleet: { route_table: 100 }
services:
  - name: web6
    vip: "$VIP6"
    port: 80
    protocol: tcp
    scheduler: rr
    health_check: { type: http, path: /whoami, interval: ${INTERVAL_MS}ms, timeout: ${TIMEOUT_MS}ms, rise: $RISE, fall: $FALL }
    real_servers:
      - { address: "2001:db8:2::11", port: 8080 }
      - { address: "2001:db8:2::12", port: 8080 }
      - { address: "2001:db8:2::13", port: 8080, health_check: { type: ping, interval: ${INTERVAL_MS}ms, timeout: ${TIMEOUT_MS}ms, rise: $RISE, fall: $FALL } }
  - name: dns6
    vip: "$VIP6"
    port: 53
    protocol: udp
    scheduler: rr
    health_check: { type: udp, send: hc, expect: hc, interval: ${INTERVAL_MS}ms, timeout: ${TIMEOUT_MS}ms, rise: $RISE, fall: $FALL }
    real_servers:
      - { address: "2001:db8:2::11", port: 5353 }
      - { address: "2001:db8:2::12", port: 5353 }
YAML
} >"$E2E_DIR/dvs.yaml"
grep -q '2001:db8:2::1/64' "$E2E_DIR/dvs.yaml" || { echo "FAIL: no IPv6 port address in the config"; exit 1; }

health6_topology 3 || exit 1
for n in 1 2 3; do start_rs "$n" || { echo "FAIL: rs$n servers"; exit 1; }; done
dvsd_start "$P" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }
sleep $((INTERVAL_MS * (RISE + 1) / 1000 + 1))

echo "-- all healthy"
dvsadm health | tee "$E2E_DIR/health0.txt" | sed 's/^/  /'
for n in 1 2; do
    check "dvsadm health: rs$n http up" grep -qE "\[2001:db8:2::1$n\]:8080 +http +up " "$E2E_DIR/health0.txt"
    check "dvsadm health: rs$n udp up" grep -qE "\[2001:db8:2::1$n\]:5353 +udp +up " "$E2E_DIR/health0.txt"
done
check "dvsadm health: rs3 ping up" grep -qE '\[2001:db8:2::13\]:8080 +ping +up ' "$E2E_DIR/health0.txt"
requests 30 "$E2E_DIR/r0.json"
check "30 requests over IPv6, none failed" test "$(failed "$E2E_DIR/r0.json")" -eq 0
for n in 1 2 3; do
    check "rs$n serves ($(served "$E2E_DIR/r0.json" "rs$n"))" test "$(served "$E2E_DIR/r0.json" "rs$n")" -gt 0
done

echo "-- stop rs2's servers"
log_mark
t_stop=$(now)
stop_rs 2
if t_down=$(wait_log 'health: service web6 real server \[2001:db8:2::12\]:8080: up -> down' 10); then
    detect_ms=$(ms_between "$t_stop" "$t_down")
    echo "  detection: ${detect_ms} ms after the stop (fall $FALL x interval $INTERVAL_MS ms)"
    check "rs2 down within fall x interval + timeout" test "$detect_ms" -le $((FALL * INTERVAL_MS + TIMEOUT_MS))
else
    check "dvsd logged rs2 (web6) going down" false
fi
check "dvsd logged rs2 (dns6) going down" \
    wait_log 'health: service dns6 real server \[2001:db8:2::12\]:5353: up -> down' 5
grep -E 'health: .*2001:db8:2::12' "$DVSD_LOG" | tail -n 2 | sed 's/^/  log: /'
sleep 0.5
requests 60 "$E2E_DIR/r1.json"
check "60 requests after detection, none failed" test "$(failed "$E2E_DIR/r1.json")" -eq 0
check "rs2 gets no new connection" test "$(served "$E2E_DIR/r1.json" rs2)" -eq 0
dvsadm health | tee "$E2E_DIR/health1.txt" | sed 's/^/  /'
check "dvsadm health: rs2 http down, connect refused" \
    grep -qE '\[2001:db8:2::12\]:8080 +http +down .*FAIL: connect refused' "$E2E_DIR/health1.txt"
check "dvsadm health: rs2 udp down" grep -qE '\[2001:db8:2::12\]:5353 +udp +down ' "$E2E_DIR/health1.txt"
dvsadm -L -n | tee "$E2E_DIR/list1.txt" | grep -E '2001:db8:2::1[12]\]:8080' | sed 's/^/  /'
check "dvsadm -L -n: [2001:db8:2::12]:8080 weight 0" \
    grep -qE '^  -> \[2001:db8:2::12\]:8080 +Masq +0 ' "$E2E_DIR/list1.txt"

echo "-- start rs2's servers again"
log_mark
start_rs 2
t_start=$(now)
if t_up=$(wait_log 'health: service web6 real server \[2001:db8:2::12\]:8080: down -> up' 10); then
    recover_ms=$(ms_between "$t_start" "$t_up")
    echo "  recovery: ${recover_ms} ms after it answered again (rise $RISE x interval $INTERVAL_MS ms)"
    check "rs2 up within rise x interval + timeout" test "$recover_ms" -le $((RISE * INTERVAL_MS + TIMEOUT_MS))
else
    check "dvsd logged rs2 (web6) coming back" false
fi
check "dvsd logged rs2 (dns6) coming back" \
    wait_log 'health: service dns6 real server \[2001:db8:2::12\]:5353: down -> up' 5
sleep 0.5
requests 30 "$E2E_DIR/r2.json"
check "30 requests, none failed" test "$(failed "$E2E_DIR/r2.json")" -eq 0
check "rs2 serves again ($(served "$E2E_DIR/r2.json" rs2))" test "$(served "$E2E_DIR/r2.json" rs2)" -gt 0
check "rs3 (ping check) never went down" bash -c '! grep -q "2001:db8:2::13\]:8080: up -> down" "$1"' _ "$DVSD_LOG"

echo "-- fleet: the IPv6 VIP in kernel table 100"
vip_route() { ip -n "$P-lb" -6 route show table 100 proto 200 | grep -q "^$VIP6 dev dvs-wan"; }
ip -n "$P-lb" -6 route show table 100 | sed 's/^/   /'
check "$VIP6/128 is in table 100 via dvs-wan, proto 200" vip_route
dvsadm fleet | tee "$E2E_DIR/fleet.txt" | sed 's/^/  /'
check "dvsadm fleet: VIP $VIP6 announced (serving)" grep -q "VIP $VIP6  announced (serving)" "$E2E_DIR/fleet.txt"
dvsadm fleet drain >/dev/null
check "drained: the route is withdrawn" _wait_until 3 bash -c "! ip -n $P-lb -6 route show table 100 proto 200 | grep -q '^$VIP6 '"
dvsadm fleet undrain >/dev/null
check "undrained: the route is back" _wait_until 3 vip_route

echo "-- measured: detection ${detect_ms:-?} ms, recovery ${recover_ms:-?} ms (interval $INTERVAL_MS ms, fall $FALL, rise $RISE)"
e2e_stats "$E2E_DIR/stats.json" >/dev/null
from_kernel=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.from_kernel 0)
to_kernel=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.to_kernel 0)
check "the checks went through the exception path (from_kernel $from_kernel, to_kernel $to_kernel)" \
    test "$from_kernel" -gt 0 -a "$to_kernel" -gt 0
e2e_stop_checked
e2e_finish
