#!/usr/bin/env bash
# e2e_monitoring_hostile: the monitoring listener under attack while dvsd
# forwards. Listener on 127.0.0.1:9110 (max_connections 64, request
# timeout 2 s). A client keeps making HTTP requests through the VIP while
# tests/lib/http_hostile.py sends oversized headers, malformed requests,
# then 1,000 concurrent idle connections with slowloris clients among them.
# Checks: oversized -> 431, malformed -> 400/404/405/431 (never 200), slowloris
# closed within the timeout (+1 s), none of the 1,000 held past it (the
# 64 sessions time out, the rest are closed at accept); dvsd's RSS
# grows by less than 32 MiB; the dataplane's rx counter keeps moving and
# no request through the VIP fails; /metrics answers again afterwards.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_monitoring_hostile dvsM2
P=$E2E_PREFIX

{
    e2e_base_yaml "$P"
    cat <<YAML
monitoring: { listen: 127.0.0.1:9110, max_connections: 64, request_timeout: 2s }
services:
  - name: web
    vip: 192.0.2.10
    port: 80
    protocol: tcp
    scheduler: rr
    real_servers:
      - { address: 10.0.0.11, port: 8080 }
YAML
} >"$E2E_DIR/dvs.yaml"

TRAFFIC_PID=
e2e_cleanup_extra() { touch "$E2E_DIR/stop-traffic"; [[ -n $TRAFFIC_PID ]] && wait "$TRAFFIC_PID" 2>/dev/null; return 0; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$DVSD_PID/status"; }
rx() {
    dvsd_stats "$P" "$E2E_DIR/stats.json" >/dev/null && dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.rx 0
}

topo_up "$P" 1 || { echo "FAIL: topology"; exit 1; }
RS_BLOB_MB=1 rs_start_servers "$P" 1 "$E2E_DIR/rs" || { echo "FAIL: real server"; exit 1; }
dvsd_start "$P" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }
ip netns exec "$P-lb" curl -sf --max-time 5 -o /dev/null http://127.0.0.1:9110/metrics ||
    { echo "FAIL: /metrics does not answer"; exit 1; }

# Traffic in rounds of 20 requests until told to stop, one JSON line each.
while [[ ! -e $E2E_DIR/stop-traffic ]]; do
    ip netns exec "$P-cl" "$DVS_PY" "$DVS_LIB/http_client.py" --url http://192.0.2.10/whoami \
        --count 20 --timeout 3 --deadline 30 2>&1
done >"$E2E_DIR/traffic.jsonl" &
TRAFFIC_PID=$!
sleep 1
rss0=$(rss_kb) rx0=$(rx)
echo "-- attack (RSS ${rss0} kB, rx $rx0)"
ip netns exec "$P-lb" "$DVS_PY" "$DVS_LIB/http_hostile.py" --port 9110 --connections 1000 --seconds 6 \
    >"$E2E_DIR/hostile.json" & HOSTILE_PID=$!
peak=$rss0 rx_during=$rx0
while kill -0 "$HOSTILE_PID" 2>/dev/null; do
    r=$(rss_kb); ((r > peak)) && peak=$r
    sleep 0.5
done
wait "$HOSTILE_PID" || true
rx1=$(rx)
echo "  $(cat "$E2E_DIR/hostile.json")"
echo "  RSS: ${rss0} kB before, ${peak} kB at most; rx: $rx0 -> $rx1"
json() { "$DVS_PY" -c "import json, sys; h = json.load(open('$E2E_DIR/hostile.json')); sys.exit(0 if $1 else 1)"; }
check "oversized headers: 431" json 'h["oversized_status"] == [431]'
check "malformed requests: 400/404/405/431 or closed, never 200" json 'set(h["malformed_status"]) <= {0, 400, 404, 405, 431} and 400 in h["malformed_status"]'
check "slowloris closed within the 2 s timeout + 1 s" json 'all(t is not None and t <= 3.0 for t in h["slowloris_closed_after_s"])'
check "of 1000 concurrent idle connections none held past the timeout" json 'h["idle"]["held"] == 0 and h["idle"]["closed"] == 1000'
check "dvsd's RSS grew by less than 32 MiB" test $((peak - rss0)) -lt 32768
check "the dataplane kept forwarding (rx grew)" test "$rx1" -gt "$rx0"
check "dvsd is alive" kill -0 "$DVSD_PID"
sleep 2.5  # the held sessions time out
check "/metrics answers after the attack" ip netns exec "$P-lb" curl -sf --max-time 5 -o /dev/null http://127.0.0.1:9110/metrics
touch "$E2E_DIR/stop-traffic"
wait "$TRAFFIC_PID" 2>/dev/null || true
TRAFFIC_PID=
totals=$("$DVS_PY" -c "import json
rounds = [json.loads(l) for l in open('$E2E_DIR/traffic.jsonl') if l.startswith('{')]
print(sum(r['ok'] for r in rounds), sum(r['failed'] for r in rounds))")
echo "  requests through the VIP meanwhile: ${totals% *} ok, ${totals#* } failed"
check "requests through the VIP went on, none failed" test "${totals% *}" -gt 0 -a "${totals#* }" -eq 0
dvsd_stop || true
e2e_finish
