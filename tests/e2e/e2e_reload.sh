#!/usr/bin/env bash
# e2e_reload: SIGHUP under traffic. Two workers; while a rate-limited 50 MiB
# download and a stream of new HTTP requests run, the file is rewritten and
# SIGHUP sent five times: add a server, remove one, change weights, an
# invalid file, a valid one again. Checks:
#  - the download (on a connection made before any reload, possibly to the
#    removed server) completes intact: established flows survive reloads;
#  - not one request of the stream fails;
#  - the invalid file changes nothing (version unchanged, reload reported
#    as rejected, traffic unaffected);
#  - afterwards new connections follow the last file: the removed server
#    gets none and the weights 3:1 hold.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_reload dvsE11
export RS_BLOB_MB=50

# write_config SERVER_LINES...: the test's config with these real servers.
write_config() {
    {
        e2e_base_yaml "$E2E_PREFIX" 2 65536 8191
        e2e_web_service_yaml wrr
        echo "    real_servers:"
        local line
        for line in "$@"; do echo "      - $line"; done
    } >"$E2E_DIR/dvs.yaml.new"
    mv "$E2E_DIR/dvs.yaml.new" "$E2E_DIR/dvs.yaml"
}

version() {
    e2e_stats "$E2E_DIR/stats.json" >/dev/null
    dvs_py show_stats.py "$E2E_DIR/stats.json" get snapshot_version
}

hup() {
    kill -HUP "$DVSD_PID"
    sleep 1
}

write_config "{ address: 10.0.0.11, port: 8080, weight: 1 }" \
    "{ address: 10.0.0.12, port: 8080, weight: 1 }"
topo_up "$E2E_PREFIX" 3 || { echo "FAIL: topology"; exit 1; }
rs_start_servers "$E2E_PREFIX" 3 "$E2E_DIR/rs" || { echo "FAIL: real servers"; exit 1; }
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }
check "initial snapshot version 1" test "$(version)" -eq 1

echo "-- background: 50 MiB download at 8 MiB/s, and 4000 sequential new connections"
local_sha=$(sha256sum "$E2E_DIR/rs/blob-${RS_BLOB_MB}MiB.bin" | cut -d' ' -f1)
ip netns exec "$E2E_PREFIX-cl" curl -sS --max-time 60 --limit-rate 8M -o "$E2E_DIR/blob.out" \
    -w '%{http_code} %{size_download}\n' http://192.0.2.10/blob >"$E2E_DIR/curl.out" 2>&1 &
curl_pid=$!
ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/http_client.py" --url http://192.0.2.10/whoami \
    --count 4000 --timeout 3 --deadline 60 >"$E2E_DIR/stream.json" 2>&1 &
stream_pid=$!
sleep 1

echo "-- reload 1: add rs3"
write_config "{ address: 10.0.0.11, port: 8080, weight: 1 }" \
    "{ address: 10.0.0.12, port: 8080, weight: 1 }" "{ address: 10.0.0.13, port: 8080, weight: 1 }"
hup
check "version 2 after adding rs3" test "$(version)" -eq 2

echo "-- reload 2: remove rs1 (its connections drain)"
write_config "{ address: 10.0.0.12, port: 8080, weight: 1 }" \
    "{ address: 10.0.0.13, port: 8080, weight: 1 }"
hup
check "version 3 after removing rs1" test "$(version)" -eq 3

echo "-- reload 3: weights rs2 3, rs3 1"
write_config "{ address: 10.0.0.12, port: 8080, weight: 3 }" \
    "{ address: 10.0.0.13, port: 8080, weight: 1 }"
hup
check "version 4 after changing weights" test "$(version)" -eq 4

echo "-- reload 4: an invalid file (weight out of range)"
good=$(cat "$E2E_DIR/dvs.yaml")
write_config "{ address: 10.0.0.12, port: 8080, weight: 70000 }"
hup
check "invalid file: version still 4" test "$(version)" -eq 4
ok=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get last_reload.ok)
msg=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get last_reload.message)
echo "   last reload: ok=$ok: $msg"
check "invalid file: reported as rejected with the file, line and key" \
    grep -q "dvs.yaml:18:.*weight" <<<"$msg"
check "invalid file: the log says so" grep -q "reload rejected, keeping version 4" "$E2E_DIR/dvsd.log"

echo "-- reload 5: the valid file again"
printf '%s\n' "$good" >"$E2E_DIR/dvs.yaml"
hup
check "version 5 after the valid file" test "$(version)" -eq 5

echo "-- waiting for the background traffic"
wait "$stream_pid" || true
wait "$curl_pid" || true
stream=$(cat "$E2E_DIR/stream.json")
echo "   stream: ${stream:0:200}"
check "no request of the stream failed ($(json_field "$stream" failed) failed)" \
    test "$(json_field "$stream" failed)" -eq 0 -a "$(json_field "$stream" ok)" -eq 4000
echo "   download: $(cat "$E2E_DIR/curl.out")"
got_sha=$(sha256sum "$E2E_DIR/blob.out" 2>/dev/null | cut -d' ' -f1) || got_sha=""
check "the download that spanned all reloads arrived intact" test "$got_sha" = "$local_sha"

echo "-- new connections follow the last file"
res=$(ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/http_client.py" \
    --url http://192.0.2.10/whoami --count 400 --timeout 3 --deadline 60) || true
echo "   $res"
check "all 400 answered" test "$(json_field "$res" ok)" -eq 400
rs1=$(json_field "$res" by_server.rs1 2>/dev/null || echo 0)
check "removed rs1 got no new connection (${rs1:-0})" test "${rs1:-0}" -eq 0
e2e_check_shares "$res" 400 rs2=3 rs3=1

e2e_stop_checked
e2e_finish
