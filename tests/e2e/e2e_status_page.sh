#!/usr/bin/env bash
# e2e_status_page: headless Chromium loads dvsd's live status page during
# traffic and the test reads what it shows, as an operator would see it.
# dvsd listens on 127.0.0.1:9110 in its namespace; Chromium runs there too,
# driven over the DevTools protocol by tests/lib/cdp_page.py (real time:
# the page polls /status.json every second). Service 192.0.2.10:80 (wrr
# 3:2:1, http check 500 ms, fall 2) on rs1..rs3; rs3's agent answers
# "drain"; a VRRP instance (alone on the management link: MASTER) and a
# sync peer (a UDP sink in rs3). Checks:
#  - the graphs take a sample every second and the rates are not zero;
#  - rs1 and rs2 show UP, rs3 DRAIN with weight 1 and effective weight 0;
#  - the VRRP role (MASTER), the sync peer and records sent, drops by reason;
#  - rs2's HTTP server stops: its row shows DOWN, effective weight 0 and the
#    failed check within the check's bound (fall x interval + timeout) plus
#    the page's two seconds (the listener's one-second cache, one poll);
#  - every metric docs/grafana-dashboard.json queries is in /metrics.
# Saves a screenshot in E2E_LOG_DIR (meson's log directory) or the test dir.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_status_page dvsP1
P=$E2E_PREFIX
e2e_require chromium socat
export RS_BLOB_MB=1
INTERVAL_MS=500 TIMEOUT_MS=400 FALL=2
# Down within the check's bound, plus the cache and the poll (1 s each).
DOWN_BOUND_S=$("$DVS_PY" -c "print(($FALL * $INTERVAL_MS + $TIMEOUT_MS) / 1000 + 2)")

{
    e2e_base_yaml "$P"
    cat <<YAML
monitoring: { listen: 127.0.0.1:9110, allow: [127.0.0.0/8] }
timeouts: { tcp_fin: 5 }
ha:
  interface: mgmt
  sync: { peer: 10.0.0.13, port: 8848 }
  vrrp:
    - { name: vi1, vrid: 61, priority: 200, advert_interval: 100ms, addresses: [192.0.2.10] }
YAML
    e2e_web_service_yaml wrr
    cat <<YAML
    health_check: { type: http, path: /whoami, interval: ${INTERVAL_MS}ms, timeout: ${TIMEOUT_MS}ms, rise: 2, fall: $FALL }
    real_servers:
      - { address: 10.0.0.11, port: 8080, weight: 3 }
      - { address: 10.0.0.12, port: 8080, weight: 2 }
      - { address: 10.0.0.13, port: 8080, weight: 1, agent_check: { port: 9999, interval: 500ms, timeout: 400ms } }
YAML
} >"$E2E_DIR/dvs.yaml"

TRAFFIC_PID=
e2e_cleanup_extra() {
    [[ -n $TRAFFIC_PID ]] && kill "$TRAFFIC_PID" 2>/dev/null
    if [[ -n ${CDP_PID:-} ]]; then
        echo quit >&"${CDP[1]}" 2>/dev/null
        wait "$CDP_PID" 2>/dev/null
    fi
    return 0
}

# cdp COMMAND: one command to the browser (tests/lib/cdp_page.py), its
# answer on stdout; "error no answer" after 30 s.
cdp() {
    local answer
    echo "$1" >&"${CDP[1]}"
    if ! IFS= read -r -t 30 answer <&"${CDP[0]}"; then answer="error no answer"; fi
    echo "$answer"
}
# page_wait DESCRIPTION SECONDS JS: check that JS becomes truthy in time.
page_wait() {
    local answer
    answer=$(cdp "wait $2 $3")
    if [[ $answer == ok* ]]; then
        echo "  ok   $1 (${answer#ok })"
    else
        echo "  FAIL $1 ($answer)"
        E2E_FAILS=$((E2E_FAILS + 1))
    fi
}
row() { echo "document.querySelector('tr.rs[data-rs=\"$1\"]')"; }
cell() { echo "$(row "$1").querySelector('td.$2').textContent"; }

topo_up "$P" 3 || { echo "FAIL: topology"; exit 1; }
topo_add_mgmt "$P" 10.0.0.2/24 || { echo "FAIL: management interface"; exit 1; }
rs_start_servers "$P" 3 "$E2E_DIR/rs" || { echo "FAIL: real servers"; exit 1; }
ip netns exec "$P-rs3" socat TCP-LISTEN:9999,fork,reuseaddr SYSTEM:'echo drain' </dev/null >/dev/null 2>&1 &
ip netns exec "$P-rs3" socat -u UDP-RECV:8848 /dev/null </dev/null >/dev/null 2>&1 &
dvsd_start "$P" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }

ip netns exec "$P-cl" "$DVS_PY" "$DVS_LIB/http_client.py" --url http://192.0.2.10/whoami \
    --count 1000000 --timeout 3 --deadline 150 --max-errors 100000 >"$E2E_DIR/traffic.json" 2>&1 &
TRAFFIC_PID=$!
# Some drops to show: connections to a port without a service.
for _ in 1 2 3; do ip netns exec "$P-cl" curl -s --max-time 0.5 http://192.0.2.10:81/ >/dev/null || true; done

echo "-- Chromium loads http://127.0.0.1:9110/ in dvsd's namespace"
coproc CDP { ip netns exec "$P-lb" "$DVS_PY" "$DVS_LIB/cdp_page.py" --url http://127.0.0.1:9110/ \
    --width 1400 --height 900 2>"$E2E_DIR/cdp.log"; }
CDP_PID=$CDP_PID
if ! IFS= read -r -t 60 started <&"${CDP[0]}" || [[ $started != ready ]]; then
    echo "FAIL: chromium did not load the page (${started:-nothing}); cdp.log:"
    tail -n 20 "$E2E_DIR/cdp.log"
    exit 1
fi
echo "  ok   the page is open"

page_wait "the graphs have 5 samples" 20 \
    "Number(document.body.dataset.samples) >= 5 && Number(document.getElementById('graph-rx').dataset.points) >= 5"
before=$(cdp "eval Number(document.body.dataset.samples)")
sleep 4
after=$(cdp "eval Number(document.body.dataset.samples)")
check "they take a sample every second (${before#ok } then ${after#ok } 4 s later)" \
    test $((${after#ok } - ${before#ok })) -ge 3
# A rate reads "950" or "6.2 k": a number, a space and an SI prefix.
RATE_RE='/^[0-9]+(\.[0-9])?( [kMGT])?$/'
page_wait "packets/s received is a rate > 0" 5 \
    "$RATE_RE.test(document.getElementById('rate-rx').textContent) && parseFloat(document.getElementById('rate-rx').textContent) > 0"
page_wait "rs1 takes packets (pkts/s in > 0)" 5 \
    "$RATE_RE.test($(cell 10.0.0.11:8080 pps-in)) && parseFloat($(cell 10.0.0.11:8080 pps-in)) > 0"
page_wait "rs1 and rs2 show UP" 10 \
    "$(row 10.0.0.11:8080).dataset.state === 'up' && $(row 10.0.0.12:8080).dataset.state === 'up'"
page_wait "rs3 shows DRAIN (its agent), weight 1, effective weight 0" 10 \
    "$(row 10.0.0.13:8080).dataset.state === 'drain' && $(cell 10.0.0.13:8080 weight) === '1' && $(cell 10.0.0.13:8080 effective-weight) === '0'"
page_wait "rs1's weights: 3 and 3" 5 "$(cell 10.0.0.11:8080 weight) === '3' && $(cell 10.0.0.11:8080 effective-weight) === '3'"
page_wait "VRRP vi1 is MASTER" 10 "document.querySelector('#vrrp tr[data-instance=\"vi1\"]').dataset.role === 'MASTER'"
page_wait "the sync peer shows records sent" 10 \
    "document.querySelector('#sync tr[data-peer]').dataset.peer.startsWith('10.0.0.13') && Number(document.querySelector('#sync tr[data-peer]').cells[1].textContent) > 0"
page_wait "drops by reason has a row" 10 "document.querySelectorAll('#drops tr[data-reason]').length > 0"
echo "  drops shown: $(cdp "eval Array.from(document.querySelectorAll('#drops tr[data-reason]')).map(r => r.dataset.reason).join(' ')")"

echo "-- stop rs2's HTTP server"
for pid in $(ip netns pids "$P-rs2"); do kill "$pid" 2>/dev/null || true; done
page_wait "rs2 shows DOWN within ${DOWN_BOUND_S} s" "$DOWN_BOUND_S" "$(row 10.0.0.12:8080).dataset.state === 'down'"
page_wait "rs2: weight 2, effective weight 0, the failed check" 3 \
    "$(cell 10.0.0.12:8080 weight) === '2' && $(cell 10.0.0.12:8080 effective-weight) === '0' && $(row 10.0.0.12:8080).querySelector('td.check').classList.contains('failed')"
echo "  rs2's last check: $(cdp "eval $(cell 10.0.0.12:8080 check)")"
page_wait "rs1 still UP and taking packets" 5 \
    "$(row 10.0.0.11:8080).dataset.state === 'up' && parseFloat($(cell 10.0.0.11:8080 pps-in)) > 0"

echo "-- the Grafana dashboard queries only metrics dvsd exposes"
ip netns exec "$P-lb" curl -sf --max-time 5 -o "$E2E_DIR/metrics.txt" http://127.0.0.1:9110/metrics || true
check "every metric in docs/grafana-dashboard.json is in /metrics (with VRRP and sync on)" \
    "$DVS_PY" "$DVS_LIB/dashboard_metrics.py" "$DVS_SRC/docs/grafana-dashboard.json" "$E2E_DIR/metrics.txt"

# E2E_SCREENSHOT_AFTER_S=N: N more seconds of graphs first (for docs/).
sleep "${E2E_SCREENSHOT_AFTER_S:-0}"
SHOT_DIR=${E2E_LOG_DIR:-$E2E_DIR}
mkdir -p "$SHOT_DIR"
shot=$(cdp "screenshot $SHOT_DIR/e2e_status_page.png")
check "a screenshot ($shot) in $SHOT_DIR/e2e_status_page.png" test "${shot%% *}" = ok
kill "$TRAFFIC_PID" 2>/dev/null || true
dvsd_stop || true
e2e_finish
