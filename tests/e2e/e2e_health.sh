#!/usr/bin/env bash
# e2e_health: health checks and agent weights end to end. dvsd reaches the
# real servers' HTTP servers over a management veth (10.0.0.2 in PREFIX-lb;
# the DPDK ports carry no kernel address). Service 192.0.2.10:80, wrr,
# rs1..rs3 weight 2, http check every 500 ms (rise 2, fall 2), an agent
# check on rs1, rs4 as the sorry server. Checks:
#  - stopping rs2's HTTP server: dvsd logs up -> down within fall x
#    interval (+ one timeout), then 200 new requests all succeed and none
#    goes to rs2; dvsadm health shows rs2 down with the reason; -L -n
#    lists it with weight 0, -L -n --verbose with 2 and 0, -S with 2;
#  - starting it again: down -> up within rise x interval (+ slack) and
#    rs2 gets requests again;
#  - an agent on rs1 answering "50%": in 500 requests rs1 gets half of
#    rs3's share (weights 1:2:2 -> 100/200/200 exactly, wrr on one worker),
#    and -L -n --verbose lists it with 2 and 1;
#  - all three HTTP servers stopped: requests are answered by rs4 (sorry).
# Prints the measured detection and recovery times.
#
# E2E_HEALTH_VIA=exception (registered as e2e_health_exception): no
# management veth; the checks leave through dvsd's own exception path (the
# kernel interfaces dvs-wan/dvs-lan over the DPDK ports), as on a box whose
# only NICs are DPDK's.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/health_log.sh
source "$DVS_SRC/tests/lib/health_log.sh"

VIA=${E2E_HEALTH_VIA:-mgmt}
if [[ $VIA == exception ]]; then
    e2e_init e2e_health_exception dvsH2
    EXCEPTION_PATH="exception_path: { enabled: true }"
else
    e2e_init e2e_health dvsH1
    EXCEPTION_PATH=""
fi
P=$E2E_PREFIX
INTERVAL_MS=500
FALL=2
RISE=2
TIMEOUT_MS=400

{
    e2e_base_yaml "$P"
    cat <<YAML
$EXCEPTION_PATH
services:
  - name: web
    vip: 192.0.2.10
    port: 80
    protocol: tcp
    scheduler: wrr
    health_check: { type: http, path: /whoami, interval: ${INTERVAL_MS}ms, timeout: ${TIMEOUT_MS}ms, rise: $RISE, fall: $FALL }
    sorry_server: { address: 10.0.0.14, port: 8080 }
    real_servers:
      - { address: 10.0.0.11, port: 8080, weight: 2, agent_check: { port: 9999, interval: 500ms, timeout: 400ms } }
      - { address: 10.0.0.12, port: 8080, weight: 2 }
      - { address: 10.0.0.13, port: 8080, weight: 2 }
YAML
} >"$E2E_DIR/dvs.yaml"

declare -A HTTP_PID
start_http() {  # N: rs_server.py in rsN; waits until it answers
    local n=$1
    mkdir -p "$E2E_DIR/rs"
    ip netns exec "$P-rs$n" "$DVS_PY" "$DVS_LIB/rs_server.py" --name "rs$n" --http-port 8080 \
        --udp-port 5353 --blob-mb 1 --dir "$E2E_DIR/rs" </dev/null >>"$E2E_DIR/rs/rs$n.log" 2>&1 &
    HTTP_PID[$n]=$!
    _wait_until 10 _rs_answers "$P-rs$n" "10.0.0.$((10 + n))" "rs$n"
}
stop_http() {  # N
    local n=$1
    kill "${HTTP_PID[$n]}" 2>/dev/null || true
    wait "${HTTP_PID[$n]}" 2>/dev/null || true
}

requests() {  # COUNT OUT
    ip netns exec "$P-cl" "$DVS_PY" "$DVS_LIB/http_client.py" --url http://192.0.2.10/whoami \
        --count "$1" --timeout 3 --deadline 60 >"$2" 2>&1 || true
}
dvsadm() { "$DVSADM" --socket "/run/dvs/$P.sock" "$@"; }

topo_up "$P" 4 || { echo "FAIL: topology"; exit 1; }
if [[ $VIA == exception ]]; then
    # As in e2e_exception: the kernel must not answer for dvsd's addresses on
    # the af_packet veths itself (README, "The exception path").
    for ifname in wan lan; do
        ip netns exec "$P-lb" sysctl -qw "net.ipv4.conf.$ifname.rp_filter=1" &&
            ip -n "$P-lb" link set dev "$ifname" arp off ||
            { echo "FAIL: could not keep the kernel off $ifname"; exit 1; }
    done
else
    topo_add_mgmt "$P" 10.0.0.2/24 || { echo "FAIL: management interface"; exit 1; }
fi
for n in 1 2 3 4; do start_http "$n" || { echo "FAIL: rs$n HTTP server"; exit 1; }; done
dvsd_start "$P" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }
sleep $((INTERVAL_MS * (RISE + 1) / 1000 + 1))

echo "-- all healthy"
requests 60 "$E2E_DIR/r0.json"
check "60 requests, none failed" test "$(failed "$E2E_DIR/r0.json")" -eq 0
check "rs4 (sorry server) gets nothing while others are healthy" test "$(served "$E2E_DIR/r0.json" rs4)" -eq 0
check "rs2 serves" test "$(served "$E2E_DIR/r0.json" rs2)" -gt 0

echo "-- stop rs2's HTTP server"
log_mark
t_stop=$(now)
stop_http 2
if t_down=$(wait_log 'health: service web real server 10.0.0.12:8080: up -> down' 10); then
    detect_ms=$(ms_between "$t_stop" "$t_down")
    echo "  detection: ${detect_ms} ms after the stop (fall $FALL x interval $INTERVAL_MS ms)"
    check "rs2 down within fall x interval + timeout" test "$detect_ms" -le $((FALL * INTERVAL_MS + TIMEOUT_MS))
    t_pub=$(wait_log 'health: version [0-9]+ published' 2) && echo "  published: $(ms_between "$t_stop" "$t_pub") ms after the stop"
else
    check "dvsd logged rs2 going down" false
fi
grep -E 'health: .*10.0.0.12' "$DVSD_LOG" | tail -n 2 | sed 's/^/  log: /'
requests 200 "$E2E_DIR/r1.json"
check "200 requests after detection, none failed" test "$(failed "$E2E_DIR/r1.json")" -eq 0
check "rs2 gets no new connection" test "$(served "$E2E_DIR/r1.json" rs2)" -eq 0
dvsadm health | tee "$E2E_DIR/health1.txt" | sed 's/^/  /'
check "dvsadm health: rs2 down, connect refused" grep -qE '10\.0\.0\.12:8080 +http +down .*FAIL: connect refused' "$E2E_DIR/health1.txt"
check "dvsadm health: rs1 up" grep -qE '10\.0\.0\.11:8080 +http +up ' "$E2E_DIR/health1.txt"
# -L -n shows the weight the schedulers use (0: out), as ipvsadm under
# keepalived; -S still saves the configured one.
dvsadm -L -n | tee "$E2E_DIR/list1.txt" | grep -E '10\.0\.0\.1[12]:8080' | sed 's/^/  /'
check "dvsadm -L -n: rs2 weight 0" grep -qE '^  -> 10\.0\.0\.12:8080 +Masq +0 ' "$E2E_DIR/list1.txt"
check "dvsadm -L -n --verbose: rs2 configured 2, effective 0" \
    bash -c "\"$DVSADM\" --socket /run/dvs/$P.sock -L -n --verbose | grep -qE '^  -> 10\.0\.0\.12:8080 +Masq +2 +0 '"
check "dvsadm -S: rs2 saved with its configured weight" \
    bash -c "\"$DVSADM\" --socket /run/dvs/$P.sock -S -n | grep -qE '10\.0\.0\.12:8080 -m -w [1-9]'"

echo "-- start rs2's HTTP server again"
log_mark
start_http 2 # returns once the server answers (python's start-up is not dvsd's)
t_start=$(now)
if t_up=$(wait_log 'health: service web real server 10.0.0.12:8080: down -> up' 10); then
    recover_ms=$(ms_between "$t_start" "$t_up")
    echo "  recovery: ${recover_ms} ms after it answered again (rise $RISE x interval $INTERVAL_MS ms)"
    check "rs2 up within rise x interval + timeout" test "$recover_ms" -le $((RISE * INTERVAL_MS + TIMEOUT_MS))
else
    check "dvsd logged rs2 coming back" false
fi
requests 60 "$E2E_DIR/r2.json"
check "60 requests, none failed" test "$(failed "$E2E_DIR/r2.json")" -eq 0
check "rs2 serves again" test "$(served "$E2E_DIR/r2.json" rs2)" -gt 0

echo "-- agent on rs1 answers 50%"
log_mark
ip netns exec "$P-rs1" "$DVS_PY" -c '
import socketserver as s
class H(s.BaseRequestHandler):
    def handle(self):
        self.request.sendall(b"50%\n")
s.TCPServer.allow_reuse_address = True
s.TCPServer(("0.0.0.0", 9999), H).serve_forever()' </dev/null >"$E2E_DIR/agent.log" 2>&1 &
AGENT_PID=$!
e2e_cleanup_extra() { kill "$AGENT_PID" 2>/dev/null || true; }
check "dvsd logged the agent's 50%" wait_log_quiet 'real server 10.0.0.11:8080: agent weight 100% -> 50%' 5
sleep 0.5
requests 500 "$E2E_DIR/r3.json"
a1=$(served "$E2E_DIR/r3.json" rs1); a2=$(served "$E2E_DIR/r3.json" rs2); a3=$(served "$E2E_DIR/r3.json" rs3)
echo "  500 requests: rs1 $a1, rs2 $a2, rs3 $a3 (weights 2:2:2, rs1 at 50% -> 1:2:2)"
check "none failed" test "$(failed "$E2E_DIR/r3.json")" -eq 0
check "rs1 gets half of rs3's share (0.4..0.6)" "$DVS_PY" -c "import sys; sys.exit(0 if 0.4 <= $a1 / max($a3, 1) <= 0.6 else 1)"
dvsadm health | grep -E '10\.0\.0\.11' | sed 's/^/  /'
check "dvsadm -L -n: rs1 weight 1 (agent 50% of 2)" \
    bash -c "\"$DVSADM\" --socket /run/dvs/$P.sock -L -n | grep -qE '^  -> 10\.0\.0\.11:8080 +Masq +1 '"
check "dvsadm -L -n --verbose: rs1 configured 2, effective 1" \
    bash -c "\"$DVSADM\" --socket /run/dvs/$P.sock -L -n --verbose | grep -qE '^  -> 10\.0\.0\.11:8080 +Masq +2 +1 '"
check "dvsadm health: rs1 weight 1/2, agent 50%" bash -c "\"$DVSADM\" --socket /run/dvs/$P.sock health | grep -qE '10\.0\.0\.11:8080 .* 1/2 .*agent 50%'"

echo "-- all real servers down: the sorry server answers"
log_mark
for n in 1 2 3; do stop_http "$n"; done
check "dvsd logged rs1, rs3 down" wait_log_quiet 'real server 10.0.0.13:8080: up -> down' 10
sleep 0.5
dvsadm health | tee "$E2E_DIR/health2.txt" | sed 's/^/  /'
check "dvsadm health: sorry server active" grep -q 'sorry server 10.0.0.14:8080 ACTIVE' "$E2E_DIR/health2.txt"
requests 40 "$E2E_DIR/r4.json"
check "40 requests, none failed" test "$(failed "$E2E_DIR/r4.json")" -eq 0
check "all 40 answered by rs4 (sorry)" test "$(served "$E2E_DIR/r4.json" rs4)" -eq 40

echo "-- measured: detection ${detect_ms:-?} ms, recovery ${recover_ms:-?} ms (interval $INTERVAL_MS ms, fall $FALL, rise $RISE)"
if [[ $VIA == exception ]]; then
    e2e_stats "$E2E_DIR/stats.json" >/dev/null
    from_kernel=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.from_kernel 0)
    to_kernel=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.to_kernel 0)
    check "the checks went through the exception path (from_kernel $from_kernel, to_kernel $to_kernel)" \
        test "$from_kernel" -gt 0 -a "$to_kernel" -gt 0
fi
dvsd_stop || true
e2e_finish
