#!/usr/bin/env bash
# e2e_sd_notify: dvsd under a NOTIFY_SOCKET as systemd would start it from
# dvsd.service (Type=notify); this machine has no systemd as PID 1, so
# tests/lib/notify_listener.py holds the socket (an abstract name, '@...',
# in dvsd's namespace). Checks:
#  - READY=1 comes once, after a STATUS= line, and only when the dataplane
#    forwards: a request to the VIP sent the moment READY=1 arrives is
#    answered in under 0.9 s (before a lost SYN or ARP would be retried);
#  - SIGHUP: RELOADING=1 with MONOTONIC_USEC= (this host's CLOCK_MONOTONIC)
#    then READY=1 with a STATUS naming the new version; a file that fails
#    validation gives RELOADING=1 then READY=1 too, the STATUS saying it was
#    rejected;
#  - a controlled restart (restart.when_needed, a dataplane change): RELOADING=1,
#    a "restarting:" STATUS, no STOPPING=1, then READY=1 from the re-executed
#    process (same PID);
#  - SIGTERM: STOPPING=1;
#  - dvsd.service: `systemd-analyze verify` accepts it (with this build's
#    dvsd), it is Type=notify with ExecReload sending SIGHUP, and
#    `meson install` installs it (meson introspect).
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_sd_notify dvsN1
P=$E2E_PREFIX
export RS_BLOB_MB=1
NOTIFY=$E2E_DIR/notify.jsonl

write_config() {  # SCHEDULER
    {
        e2e_base_yaml "$P"
        e2e_web_service_yaml "$1"
        cat <<YAML
    real_servers:
      - { address: 10.0.0.11, port: 8080 }
      - { address: 10.0.0.12, port: 8080 }
YAML
    } >"$E2E_DIR/dvs.yaml"
}
write_config rr

LISTENER_PID=
e2e_cleanup_extra() { [[ -n $LISTENER_PID ]] && kill "$LISTENER_PID" 2>/dev/null; return 0; }

# notes FIELD: how many datagrams so far carry FIELD=1.
notes() { "$DVS_PY" -c 'import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["fields"].get(sys.argv[2]) == "1"))' "$NOTIFY" "$1"; }
wait_notes() {  # FIELD COUNT TIMEOUT_S
    local deadline=$((SECONDS + $3))
    while ((SECONDS < deadline)); do
        (($(notes "$1") >= $2)) && return 0
        sleep 0.1
    done
    return 1
}

topo_up "$P" 2 || { echo "FAIL: topology"; exit 1; }
rs_start_servers "$P" 2 "$E2E_DIR/rs" || { echo "FAIL: real servers"; exit 1; }

echo "-- dvsd starts with NOTIFY_SOCKET=@$P-notify"
: >"$NOTIFY"
ip netns exec "$P-lb" "$DVS_PY" "$DVS_LIB/notify_listener.py" --socket "@$P-notify" --out "$NOTIFY" \
    --probe "ip netns exec $P-cl curl -s --max-time 0.9 http://192.0.2.10/whoami" \
    </dev/null >"$E2E_DIR/listener.log" 2>&1 &
LISTENER_PID=$!
_wait_until 5 grep -q listening "$E2E_DIR/listener.log" || { echo "FAIL: listener"; exit 1; }
NOTIFY_SOCKET="@$P-notify" dvsd_start "$P" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }
check "READY=1 arrives" wait_notes READY 1 10
check "the first READY=1 follows a STATUS= line and the VIP answered at once (rs1 or rs2)" "$DVS_PY" -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
ready = [i for i, l in enumerate(lines) if l["fields"].get("READY") == "1"]
assert len(ready) == 1, lines
first = lines[ready[0]]
assert ready[0] > 0 and "STATUS" in lines[0]["fields"], lines
assert first["fields"]["STATUS"].startswith("forwarding:"), first
probe = first["probe"]
print("    probe:", probe, "status:", first["fields"]["STATUS"])
assert probe["rc"] == 0 and probe["out"] in ("rs1", "rs2"), probe
' "$NOTIFY"

echo "-- SIGHUP with a changed file"
write_config wrr
kill -HUP "$DVSD_PID"
check "RELOADING=1 then READY=1" wait_notes READY 2 10
check "RELOADING=1 carries this host's CLOCK_MONOTONIC; READY's STATUS names the new version" "$DVS_PY" -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
fields = [l["fields"] for l in lines]
i = next(i for i, f in enumerate(fields) if f.get("RELOADING") == "1")
j = next(j for j, f in enumerate(fields) if j > i and f.get("READY") == "1")
usec = int(fields[i]["MONOTONIC_USEC"])
print("    RELOADING MONOTONIC_USEC", usec, "listener", round(lines[i]["t"] * 1e6), "; READY:", fields[j]["STATUS"])
assert abs(usec - lines[i]["t"] * 1e6) < 5e6
assert "reloaded, version" in fields[j]["STATUS"], fields[j]
' "$NOTIFY"

echo "-- SIGHUP with a file that fails validation"
echo "services: [ { name: broken" >"$E2E_DIR/dvs.yaml"
kill -HUP "$DVSD_PID"
check "RELOADING=1 then READY=1 again" wait_notes READY 3 10
check "its STATUS says the reload was rejected" "$DVS_PY" -c '
import json, sys
fields = [json.loads(l)["fields"] for l in open(sys.argv[1])]
assert sum(f.get("RELOADING") == "1" for f in fields) == 2
last = [f for f in fields if f.get("READY") == "1"][-1]
print("    STATUS:", last["STATUS"])
assert "reload rejected" in last["STATUS"], last
' "$NOTIFY"
check "dvsd still forwards" test "$(ip netns exec "$P-cl" curl -s --max-time 3 http://192.0.2.10/whoami | cut -c1-2)" = rs

echo "-- a controlled restart (issue 19): a reload for systemd, the same PID"
write_config wrr
printf 'restart: { state_file: %s, when_needed: true }\n' "$E2E_DIR/conns.state" >>"$E2E_DIR/dvs.yaml"
kill -HUP "$DVSD_PID"
check "RELOADING=1 then READY=1 (the restart section applies live)" wait_notes READY 4 10
sed -i 's/idle_sleep_us: 20/idle_sleep_us: 10/' "$E2E_DIR/dvs.yaml"
kill -HUP "$DVSD_PID"
check "RELOADING=1, then READY=1 from the re-executed dvsd" wait_notes READY 5 30
check "no STOPPING=1 in between; a restarting STATUS; READY's STATUS is a start's" "$DVS_PY" -c '
import json, sys
fields = [json.loads(l)["fields"] for l in open(sys.argv[1])]
i = [k for k, f in enumerate(fields) if f.get("RELOADING") == "1"][-1]
j = next(k for k, f in enumerate(fields) if k > i and f.get("READY") == "1")
between = fields[i + 1:j]
print("    between:", [f.get("STATUS") for f in between], "READY:", fields[j]["STATUS"])
assert not any(f.get("STOPPING") == "1" for f in between), between
assert any(f.get("STATUS", "").startswith("restarting:") for f in between), between
assert " workers, " in fields[j]["STATUS"], fields[j]
' "$NOTIFY"
check "the same dvsd process runs ($DVSD_PID)" kill -0 "$DVSD_PID"

echo "-- SIGTERM"
check "dvsd stops cleanly" dvsd_stop
check "STOPPING=1 was sent" wait_notes STOPPING 1 5

echo "-- dvsd.service"
UNIT=${DVS_BUILD_ROOT:-$DVS_SRC/build}/config/dvsd.service
if [[ -f $UNIT ]] && command -v systemd-analyze >/dev/null; then
    sed -E "s#^(Exec[A-Za-z]*=)[^ ]*/dvsd#\\1$DVSD#" "$UNIT" >"$E2E_DIR/dvsd.service"
    check "systemd-analyze verify accepts it" bash -c \
        "systemd-analyze verify --man=no '$E2E_DIR/dvsd.service' >'$E2E_DIR/verify.txt' 2>&1 || { cat '$E2E_DIR/verify.txt'; false; }"
    check "Type=notify, ExecReload sends SIGHUP to the main pid" bash -c \
        "grep -qx 'Type=notify' '$UNIT' && grep -qx 'ExecReload=/bin/kill -HUP \$MAINPID' '$UNIT'"
    check "meson install installs it" bash -c \
        "meson introspect --installed '${DVS_BUILD_ROOT:-$DVS_SRC/build}' | grep -q 'dvsd.service'"
else
    echo "  (no $UNIT or no systemd-analyze: unit checks skipped)"
    E2E_FAILS=$((E2E_FAILS + 1))
fi
e2e_finish
