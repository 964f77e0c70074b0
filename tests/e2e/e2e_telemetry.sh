#!/usr/bin/env bash
# e2e_telemetry: DPDK's own telemetry client, dpdk-telemetry.py (Debian's
# dpdk package), asks a running dvsd for its commands (control/telemetry):
#  - /dvs/services lists the web service with its VIP, scheduler and servers;
#  - /dvs/counters shows packets received and connections made by the
#    traffic sent before, and /dvs/drops the drops of a request to a port
#    without a service;
#  - a SIGHUP that adds a service shows in /dvs/services.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_telemetry dvsT1
P=$E2E_PREFIX
e2e_require dpdk-telemetry.py
export RS_BLOB_MB=1

write_config() {  # EXTRA_SERVICE_YAML
    {
        e2e_base_yaml "$P"
        e2e_web_service_yaml wrr
        cat <<YAML
    real_servers:
      - { address: 10.0.0.11, port: 8080, weight: 2 }
      - { address: 10.0.0.12, port: 8080 }
$1
YAML
    } >"$E2E_DIR/dvs.yaml"
}
write_config ""

# telemetry COMMAND: the command's value as JSON, from dpdk-telemetry.py.
telemetry() {
    echo "$1" | dpdk-telemetry.py -f "$P" 2>"$E2E_DIR/telemetry.err" | "$DVS_PY" -c '
import json, sys
text = sys.stdin.read()
start = text.find("{\"" + sys.argv[1] + "\"")
obj, _ = json.JSONDecoder().raw_decode(text[start:])
print(json.dumps(obj[sys.argv[1]]))' "$1"
}

topo_up "$P" 2 || { echo "FAIL: topology"; exit 1; }
rs_start_servers "$P" 2 "$E2E_DIR/rs" || { echo "FAIL: real servers"; exit 1; }
dvsd_start "$P" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }
for _ in 1 2 3 4 5 6; do ip netns exec "$P-cl" curl -s --max-time 2 http://192.0.2.10/whoami >/dev/null; done
ip netns exec "$P-cl" curl -s --max-time 0.5 http://192.0.2.10:81/ >/dev/null || true

services=$(telemetry /dvs/services) || services=
echo "  /dvs/services: $services"
check "/dvs/services: web 192.0.2.10:80/tcp wrr, 2 real servers" \
    test "$services" = '["web 192.0.2.10:80/tcp wrr, 2 real servers"]'
counters=$(telemetry /dvs/counters) || counters='{}'
echo "  /dvs/counters: $(cut -c1-160 <<<"$counters")..."
check "/dvs/counters: 1 worker, rx > 0, 6 connections or more" "$DVS_PY" -c '
import json, sys
c = json.loads(sys.argv[1])
assert c["workers"] == 1 and c["rx"] > 0 and c["conns_created"] >= 6, c' "$counters"
drops=$(telemetry /dvs/drops) || drops='{}'
echo "  /dvs/drops: $drops"
check "/dvs/drops: the request to port 81 (no_service)" "$DVS_PY" -c '
import json, sys
assert json.loads(sys.argv[1]).get("no_service", 0) > 0' "$drops"

echo "-- SIGHUP with one more service"
write_config "  - { name: dns, vip: 192.0.2.10, port: 53, protocol: udp, scheduler: rr, real_servers: [{ address: 10.0.0.11, port: 5353 }] }"
kill -HUP "$DVSD_PID"
check "/dvs/services lists dns after the reload" _wait_until 10 \
    bash -c "echo /dvs/services | dpdk-telemetry.py -f '$P' 2>/dev/null | grep -q 'dns 192.0.2.10:53/udp rr, 1 real servers'"
check "dvsd stops cleanly" dvsd_stop
e2e_finish
