#!/usr/bin/env bash
# e2e_on_remove: a service with `on_remove: reset`. A slow download runs from
# rs1; the file is reloaded without rs1. Checks:
#  - the download ends at once with a reset (curl: connection reset), not by
#    draining to the end and not by hanging until its timeout;
#  - dvsd counted the reset (removed_rs_resets) and logged the reload;
#  - rs1 saw its connection reset too (its server has no connection left);
#  - new requests all go to rs2 and succeed.
# The draining default is covered by e2e_reload.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_on_remove dvsE13
export RS_BLOB_MB=50

write_config() {
    cat >"$E2E_DIR/dvs.yaml.new" <<YAML
dataplane:
  eal: ["--no-pci", "--file-prefix=$E2E_PREFIX", "--vdev=net_af_packet0,iface=wan,qdisc_bypass=0", "--vdev=net_af_packet1,iface=lan,qdisc_bypass=0"]
  workers: 1
  conn_capacity: 65536
  mbufs: 8191
  idle_sleep_us: 20
ports:
  - { name: wan, device: net_af_packet0, addresses: [10.0.1.1/24] }
  - { name: lan, device: net_af_packet1, addresses: [10.0.0.1/24] }
management: { socket: /run/dvs/$E2E_PREFIX.sock }
services:
  - name: web
    vip: 192.0.2.10
    port: 80
    protocol: tcp
    scheduler: rr
    on_remove: reset
    real_servers:
      - { address: $1, port: 8080 }
YAML
    mv "$E2E_DIR/dvs.yaml.new" "$E2E_DIR/dvs.yaml"
}

write_config 10.0.0.11
topo_up "$E2E_PREFIX" 2 || { echo "FAIL: topology"; exit 1; }
rs_start_servers "$E2E_PREFIX" 2 "$E2E_DIR/rs" || { echo "FAIL: real servers"; exit 1; }
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }

echo "-- a 50 MiB download from rs1 at 2 MiB/s (25 s if undisturbed)"
rc_file=$E2E_DIR/curl.rc
( rc=0
  # Paced by the server (rs_server.py /blob?rate=): curl's --limit-rate
  # reads in bursts and then lets the window stay full for seconds, and
  # with no packet flowing there is nothing to reset (5.4 s in one CI run).
  ip netns exec "$E2E_PREFIX-cl" curl -sS --max-time 40 -o /dev/null \
      "http://192.0.2.10/blob?rate=2097152" >"$E2E_DIR/curl.out" 2>&1 || rc=$?
  echo "$rc" >"$rc_file" ) &
curl_pid=$!
sleep 2
check "the download is running" test ! -s "$rc_file"

echo "-- reload without rs1"
write_config 10.0.0.12
start=$(date +%s%N)
kill -HUP "$DVSD_PID"
wait "$curl_pid" || true
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
rc=$(cat "$rc_file")
echo "   curl exit $rc after ${elapsed_ms} ms: $(cat "$E2E_DIR/curl.out")"
check "the download was reset (curl exit 56, connection reset)" test "$rc" -eq 56
check "within 5 s of the reload (${elapsed_ms} ms)" test "$elapsed_ms" -lt 5000
check "the log says the reload applied" grep -q "reloaded" "$E2E_DIR/dvsd.log"

e2e_stats "$E2E_DIR/stats.json" >/dev/null
resets=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.removed_rs_resets)
check "dvsd counted the reset (removed_rs_resets=$resets)" test "${resets:-0}" -ge 1

# rs1's kernel must have let go of the connection: the reset reached it too.
sleep 1
left=$(ip netns exec "$E2E_PREFIX-rs1" ss -Htn state established '( sport = :8080 )' | wc -l)
check "rs1 holds no established connection any more ($left)" test "$left" -eq 0

echo "-- new requests go to rs2"
res=$(ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/http_client.py" \
    --url http://192.0.2.10/whoami --count 50 --timeout 3 --deadline 30) || true
echo "   $res"
check "all 50 answered" test "$(json_field "$res" ok)" -eq 50
check "all by rs2" test "$(json_field "$res" by_server.rs2 2>/dev/null || echo 0)" -eq 50

e2e_stop_checked
e2e_finish
