#!/usr/bin/env bash
# e2e_monitoring: a real Prometheus scrapes dvsd's /metrics during traffic.
# dvsd listens on 127.0.0.1:9110 in its namespace (monitoring section);
# Prometheus runs there too, scraping every second. Service 192.0.2.10:80
# with rs1, rs2 and an http check (500 ms, fall 2). Checks:
#  - promtool check metrics accepts the page;
#  - during traffic, Prometheus's HTTP API returns a packet rate > 0 for
#    the service and, after rs2's HTTP server is stopped, rs2's
#    dvs_real_server_up = 0 and its effective weight 0 (rs1's stays 1);
#  - /status.json says the same (rs2 down, effective weight 0, weight 1);
#  - the listener refuses to be written to (POST: 405).
# Prints the page's size and the time of one scrape as Prometheus saw it.
#
# E2E_MONITORING_FAMILY=6 (e2e_monitoring6, namespaces dvsM6; issue 15): the
# same over IPv6. dvsd listens on [::]:9110 with allow [::1/128, 127.0.0.0/8]
# and Prometheus scrapes [::1]:9110; besides the checks above:
#  - a client at fd00:9::1 (an address on lo, outside the allow-list) is
#    closed unanswered over IPv6 while ::1 is served;
#  - an IPv4 client of [::] (::ffff:127.0.0.1) is admitted by 127.0.0.0/8.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

FAMILY=${E2E_MONITORING_FAMILY:-4}
if [[ $FAMILY == 6 ]]; then
    e2e_init e2e_monitoring6 dvsM6
    LISTEN='"[::]:9110"' ALLOW='["::1/128", 127.0.0.0/8]' TARGET='[::1]:9110'
else
    e2e_init e2e_monitoring dvsM1
    LISTEN=127.0.0.1:9110 ALLOW='[127.0.0.0/8]' TARGET=127.0.0.1:9110
fi
MON=http://$TARGET
P=$E2E_PREFIX
e2e_require prometheus promtool
PROM_PORT=19090

{
    e2e_base_yaml "$P"
    cat <<YAML
monitoring: { listen: $LISTEN, allow: $ALLOW }
services:
  - name: web
    vip: 192.0.2.10
    port: 80
    protocol: tcp
    scheduler: wrr
    health_check: { type: http, path: /whoami, interval: 500ms, timeout: 400ms, rise: 2, fall: 2 }
    real_servers:
      - { address: 10.0.0.11, port: 8080 }
      - { address: 10.0.0.12, port: 8080 }
YAML
} >"$E2E_DIR/dvs.yaml"

cat >"$E2E_DIR/prometheus.yml" <<YAML
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: dvs
    static_configs: [{ targets: ["$TARGET"] }]
YAML

declare -A HTTP_PID
start_http() {  # N
    local n=$1
    mkdir -p "$E2E_DIR/rs"
    ip netns exec "$P-rs$n" "$DVS_PY" "$DVS_LIB/rs_server.py" --name "rs$n" --http-port 8080 \
        --udp-port 5353 --blob-mb 1 --dir "$E2E_DIR/rs" </dev/null >>"$E2E_DIR/rs/rs$n.log" 2>&1 &
    HTTP_PID[$n]=$!
    _wait_until 10 _rs_answers "$P-rs$n" "10.0.0.$((10 + n))" "rs$n"
}
PROM_PID= TRAFFIC_PID=
e2e_cleanup_extra() {
    [[ -n $TRAFFIC_PID ]] && kill "$TRAFFIC_PID" 2>/dev/null
    [[ -n $PROM_PID ]] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
    for pid in "${HTTP_PID[@]}"; do kill "$pid" 2>/dev/null; done
    return 0
}
in_lb() { ip netns exec "$P-lb" "$@"; }
# query EXPR: the first value of an instant query through Prometheus's
# HTTP API, or "" when it has none (yet).
query() {
    in_lb curl -gsf --max-time 3 "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
        "$DVS_PY" -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null || true
}
# wait_query EXPR TEST TIMEOUT_S: until the value satisfies the python
# condition TEST on v (a float); prints the last value.
wait_query() {
    local expr=$1 cond=$2 deadline=$((SECONDS + $3)) v=
    while ((SECONDS < deadline)); do
        v=$(query "$expr")
        if [[ -n $v ]] && "$DVS_PY" -c "import sys; v = float('$v'); sys.exit(0 if $cond else 1)"; then
            echo "$v"
            return 0
        fi
        sleep 0.5
    done
    echo "${v:-none}"
    return 1
}
check_value() {  # DESCRIPTION EXPR COND TIMEOUT
    local v
    if v=$(wait_query "$2" "$3" "$4"); then
        echo "  ok   $1 ($2 = $v)"
    else
        echo "  FAIL $1 ($2 = $v)"
        E2E_FAILS=$((E2E_FAILS + 1))
    fi
}

topo_up "$P" 2 || { echo "FAIL: topology"; exit 1; }
topo_add_mgmt "$P" 10.0.0.2/24 || { echo "FAIL: management interface"; exit 1; }
for n in 1 2; do start_http "$n" || { echo "FAIL: rs$n HTTP server"; exit 1; }; done
if [[ $FAMILY == 6 ]]; then
    # IPv6 on lo only: wan and lan keep it off (the dataplane alone speaks
    # ND there). fd00:9::1 is a client the allow-list does not name.
    in_lb sysctl -qw net.ipv6.conf.lo.disable_ipv6=0 net.ipv6.conf.lo.accept_dad=0
    in_lb ip -6 addr add fd00:9::1/128 dev lo nodad
fi
dvsd_start "$P" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }

echo "-- the page"
in_lb curl -gsf --max-time 5 -o "$E2E_DIR/metrics.txt" -w '%{http_code} %{size_download} bytes %{time_total} s\n' \
    "$MON/metrics" | sed 's/^/  GET \/metrics: /'
check "promtool check metrics accepts it" bash -c "promtool check metrics <'$E2E_DIR/metrics.txt' >'$E2E_DIR/promtool.txt' 2>&1"
sed 's/^/  promtool: /' "$E2E_DIR/promtool.txt" | head -n 10
check "a POST is refused (405)" test "$(in_lb curl -gs -o /dev/null -w '%{http_code}' -X POST "$MON/metrics")" = 405

if [[ $FAMILY == 6 ]]; then
    echo "-- the allow-list over IPv6"
    # code CURL_ARGS...: the HTTP status of GET /metrics ("000": none).
    code() { in_lb curl -gs --max-time 3 -o /dev/null -w '%{http_code}' "$@" || true; }
    check "::1 is served (200)" test "$(code -6 "http://[::1]:9110/metrics")" = 200
    check "fd00:9::1 is closed unanswered (000)" \
        test "$(code -6 --interface fd00:9::1 "http://[::1]:9110/metrics")" = 000
    check "an IPv4 client of [::] is admitted by 127.0.0.0/8 (200)" \
        test "$(code -4 http://127.0.0.1:9110/metrics)" = 200
    grep -F 'monitoring: http://[::]:9110/' "$E2E_DIR/dvsd.log" | sed 's/^/  dvsd: /' || true
fi

echo "-- Prometheus scrapes every second during traffic"
in_lb prometheus --config.file="$E2E_DIR/prometheus.yml" --storage.tsdb.path="$E2E_DIR/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" </dev/null >"$E2E_DIR/prometheus.log" 2>&1 &
PROM_PID=$!
ip netns exec "$P-cl" "$DVS_PY" "$DVS_LIB/http_client.py" --url http://192.0.2.10/whoami \
    --count 100000 --timeout 3 --deadline 60 >"$E2E_DIR/traffic.json" 2>&1 &
TRAFFIC_PID=$!
check_value "the target is up" 'up{job="dvs"}' 'v == 1' 20
check_value "packets to the service: rate > 0" 'rate(dvs_service_pkts_in_total{service="web"}[5s])' 'v > 0' 20
check_value "rs2 is up before its server stops" 'dvs_real_server_up{real_server="10.0.0.12:8080"}' 'v == 1' 10

echo "-- stop rs2's HTTP server"
kill "${HTTP_PID[2]}"
check_value "rs2's health gauge goes to 0" 'dvs_real_server_up{real_server="10.0.0.12:8080"}' 'v == 0' 15
check_value "rs2's effective weight is 0" 'dvs_real_server_effective_weight{real_server="10.0.0.12:8080"}' 'v == 0' 5
check_value "rs2's configured weight stays 1" 'dvs_real_server_weight{real_server="10.0.0.12:8080"}' 'v == 1' 5
check_value "rs1 keeps effective weight 1" 'dvs_real_server_effective_weight{real_server="10.0.0.11:8080"}' 'v == 1' 5
check_value "rs1 keeps taking packets" 'rate(dvs_real_server_pkts_in_total{real_server="10.0.0.11:8080"}[5s])' 'v > 0' 10
check_value "the scrape took under 100 ms" 'scrape_duration_seconds{job="dvs"}' 'v < 0.1' 5

echo "-- /status.json"
in_lb curl -gsf --max-time 5 -o "$E2E_DIR/status.json" "$MON/status.json"
check "status.json: rs2 down, effective weight 0, weight 1; rs1 up with 1" "$DVS_PY" -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["format"] == 1
rs = {r["address"]: r for r in s["services"][0]["real_servers"]}
a, b = rs["10.0.0.11"], rs["10.0.0.12"]
assert b["health"]["state"] == "down" and b["effective_weight"] == 0 and b["weight"] == 1, b
assert a["health"]["state"] == "up" and a["effective_weight"] == 1, a
assert s["services"][0]["counters"]["pkts_in"] > 0
' "$E2E_DIR/status.json"
echo "  status.json: $(stat -c %s "$E2E_DIR/status.json") bytes, metrics: $(stat -c %s "$E2E_DIR/metrics.txt") bytes"
kill "$TRAFFIC_PID" 2>/dev/null || true
dvsd_stop || true
e2e_finish
