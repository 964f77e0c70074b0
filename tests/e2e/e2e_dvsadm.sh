#!/usr/bin/env bash
# shellcheck disable=SC2016
# e2e_dvsadm: the management socket and dvsadm against a running dvsd.
#  - -L -n lists the file's services in ipvsadm's format;
#  - -A/-a add a service and two NAT real servers at runtime, traffic flows;
#    -e changes a weight, -d removes a server: new connections follow;
#  - -S -n saves the rules, -C clears (the VIP stops answering), -R restores
#    the saved rules (traffic flows again and -S matches the saved text);
#  - --set changes timeouts (--timeout shows them); save-yaml is a file that
#    `dvsd --check` accepts; status shows the snapshot version;
#  - -L -c lists connections (copied out by the workers), conns filters;
#  - a malformed command exits 2 with a message; a daemon refusal exits 1;
#  - a user who is not root is refused; garbage on the socket gets an error
#    and the daemon keeps serving.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_dvsadm dvsE12
DVSADM=${DVSADM:-$DVS_SRC/build/src/dvsadm/dvsadm}
[[ -x $DVSADM ]] || { echo "FAIL: dvsadm not built at $DVSADM"; exit 1; }
export RS_BLOB_MB=1
e2e_setup 1 3
SOCK=/run/dvs/$E2E_PREFIX.sock
adm() { "$DVSADM" --socket "$SOCK" "$@"; }
whoami_n() {  # N requests to URL: prints the by_server JSON
    ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/http_client.py" --url "$2" --count "$1" \
        --timeout 2 --deadline 30 || true
}

echo "-- -L -n"
out=$(adm -L -n)
echo "$out" | sed 's/^/   /'
check "-L -n: header" grep -q "^Prot LocalAddress:Port Scheduler Flags" <<<"$out"
check "-L -n: the web service" grep -q "^TCP  192.0.2.10:80 wrr" <<<"$out"
check "-L -n: a real server line" grep -Eq "^  -> 10.0.0.11:8080 +Masq +3 " <<<"$out"

echo "-- runtime service 192.0.2.60:80 (rr) with rs1, rs2"
adm -A -t 192.0.2.60:80 -s rr
adm -a -t 192.0.2.60:80 -r 10.0.0.11:8080 -m -w 1
adm -a -t 192.0.2.60:80 -r 10.0.0.12:8080 -m -w 1
res=$(whoami_n 40 http://192.0.2.60/whoami)
echo "   $res"
check "40 requests answered" test "$(json_field "$res" ok)" -eq 40
check "rr: rs1 and rs2 20 each" test "$(json_field "$res" by_server.rs1)" -eq 20 -a "$(json_field "$res" by_server.rs2)" -eq 20

echo "-- -d rs1: new connections go to rs2 only"
adm -d -t 192.0.2.60:80 -r 10.0.0.11:8080
res=$(whoami_n 20 http://192.0.2.60/whoami)
check "after -d only rs2 answers ($res)" test "$(json_field "$res" by_server.rs2)" -eq 20
adm -e -t 192.0.2.60:80 -r 10.0.0.12:8080 -m -w 5
check "-e: weight 5 listed" grep -Eq "^  -> 10.0.0.12:8080 +Masq +5 " <<<"$(adm -L -n)"

echo "-- -L -c: connections copied out of the workers' tables"
conns=$(adm -L -c -n)
echo "$conns" | head -4 | sed 's/^/   /'
check "-c: header" grep -q "^pro expire state" <<<"$conns"
check "-c: the runtime service's connections, to rs2 (removed rs1's still draining)" \
    grep -Eq "^TCP +[0-9:]+ +FIN_WAIT +10\.0\.1\.2:[0-9]+ +192\.0\.2\.60:80 +10\.0\.0\.12:8080" <<<"$conns"
n60=$(grep -c "192.0.2.60:80" <<<"$conns" || true)
check "-c: all 60 connections made so far are listed ($n60)" test "$n60" -eq 60
n_none=$(adm conns --client 10.9.9.9 | grep -c "192.0.2" || true)
check "conns --client filters (none for 10.9.9.9: $n_none)" test "$n_none" -eq 0

echo "-- -S, -C, -R"
# Issue 19: what ipvsadm cannot say travels as "# dvs:" lines -R reads back.
adm -R <<<'# dvs: -t 192.0.2.10:80 { health_check: { type: tcp, interval: 1s, timeout: 500ms } }'
# A real server's own check travels on a "# dvs: ... -r" line.
adm -R <<<'# dvs: -t 192.0.2.10:80 -r 10.0.0.11:8080 { health_check: { type: tcp, interval: 2s, timeout: 700ms } }'
# dvsd's namespace has no kernel route to the real servers here: the check
# fails from the start, which is a warning, not an info line.
for _ in $(seq 50); do
    grep -q "down since its first check" "$DVSD_LOG" && break
    sleep 0.1
done
check "a server down from its first check is logged as a warning" \
    grep -Eq "warning health: service web real server 10\.0\.0\.1[123]:8080: up -> down .*down since its first check" "$DVSD_LOG"
saved=$(adm -S -n)
echo "$saved" | sed 's/^/   /'
check "-S has the runtime service" grep -q "^-A -t 192.0.2.60:80 -s rr" <<<"$saved"
adm -C
check "-C: no service left" test "$(adm -S -n | wc -l)" -eq 0
res=$(whoami_n 3 http://192.0.2.60/whoami)
check "-C: the VIP no longer answers ($(json_field "$res" failed) failed)" test "$(json_field "$res" failed)" -eq 3
adm -R <<<"$saved"
check "-R: -S after restore equals the saved rules" test "$(adm -S -n)" = "$saved"
check "-S: the service's name and check on a # dvs: line" \
    grep -q "^# dvs: -t 192.0.2.10:80 { name: web, health_check: { type: tcp" <<<"$saved"
check "-S: a real server's own check on a # dvs: -r line" \
    grep -q "^# dvs: -t 192.0.2.10:80 -r 10.0.0.11:8080 { health_check: { type: tcp, interval: 2s, timeout: 700ms" <<<"$saved"
yaml=$(adm save-yaml)
check "-S/-C/-R kept the real server's own check" grep -q "health_check: { type: tcp, interval: 2s, timeout: 700ms" <<<"$yaml"
check "-S/-C/-R kept the name web" grep -q "name: web$" <<<"$yaml"
check "-S/-C/-R kept the health check" grep -q "health_check: { type: tcp, interval: 1s, timeout: 500ms" <<<"$yaml"
check "-R of plain ipvsadm rules still works (no # dvs: lines)" \
    bash -c '"$2" --socket "$3" -C && grep -v "^# dvs:" <<<"$1" | "$2" --socket "$3" -R' _ "$saved" "$DVSADM" "$SOCK"
res=$(whoami_n 10 http://192.0.2.60/whoami)
check "-R: traffic flows again" test "$(json_field "$res" ok)" -eq 10

echo "-- --set, --timeout, save-yaml, status"
adm --set 1000 60 200
check "--timeout shows the new values" grep -q "Timeout (tcp tcpfin udp): 1000 60 200" <<<"$(adm -L --timeout)"
adm save-yaml >"$E2E_DIR/saved.yaml"
check "save-yaml is a valid config" "$DVSD" --check --config "$E2E_DIR/saved.yaml"
check "save-yaml kept the runtime service" grep -q "port: 80" "$E2E_DIR/saved.yaml"
st=$(adm status)
echo "$st" | head -5 | sed 's/^/   /'
check "status shows a snapshot version > 1" grep -Eq "snapshot version: +([2-9]|[1-9][0-9]+)" <<<"$st"

echo "-- errors"
rc=0; adm -a -t 192.0.2.60:80 >/dev/null 2>"$E2E_DIR/err" || rc=$?
check "malformed command: exit 2 ($rc) with a message ($(cat "$E2E_DIR/err"))" test "$rc" -eq 2 -a -s "$E2E_DIR/err"
rc=0; adm -D -t 192.0.2.99:80 2>"$E2E_DIR/err" || rc=$?
check "unknown service: exit 1 ($rc): $(cat "$E2E_DIR/err")" test "$rc" -eq 1
rc=0; setpriv --reuid 65534 --regid 65534 --clear-groups "$DVSADM" --socket "$SOCK" -L -n \
    >/dev/null 2>"$E2E_DIR/err" || rc=$?
check "a non-root user is refused (exit $rc): $(cat "$E2E_DIR/err")" test "$rc" -ne 0
reply=$(printf 'this is not json\n' | "$DVS_PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read())
print(s.recv(4096).decode().strip())' "$SOCK")
echo "   garbage -> $reply"
check "garbage gets an error answer" grep -q '"ok":false' <<<"$reply"
check "and the daemon still serves" adm -L -n
# Issue 19: dvsadm's errors in its own terms, with a hint for -e without the
# real server's port.
rc=0; adm -e -t 192.0.2.60:80 -r 10.0.0.12 -w 3 2>"$E2E_DIR/err" || rc=$?
check "-e without the port: exit 1 and a hint ($(cat "$E2E_DIR/err"))" \
    grep -qF "dvsadm: no real server 10.0.0.12:80 in service tcp 192.0.2.60:80 (it has 10.0.0.12:8080; give the real server's port: -r 10.0.0.12:8080)" "$E2E_DIR/err"
rc=0; adm -a -t 192.0.2.60:80 -r 10.9.9.9:80 -m 2>"$E2E_DIR/err" || rc=$?
check "a refused change names -t and -r, not a YAML position ($(cat "$E2E_DIR/err"))" \
    bash -c '[[ $1 -eq 1 ]] && grep -qE "^dvsadm: -t 192\.0\.2\.60:80 \(tcp-192_0_2_60-80\) -r 10\.9\.9\.9:80: " "$2" && ! grep -q "runtime change" "$2"' _ "$rc" "$E2E_DIR/err"
# A second dvsd with the same --file-prefix names the first, not "Success".
rc=0; timeout 30 ip netns exec "$E2E_PREFIX-lb" "$DVSD" --config "$E2E_DIR/dvs.yaml" \
    >"$E2E_DIR/second.log" 2>&1 </dev/null || rc=$?
check "a second instance: exit 2 naming the prefix and the first dvsd ($(grep -m1 -o 'start-up failed.*' "$E2E_DIR/second.log" | cut -c1-120))" \
    bash -c '[[ $1 -eq 2 ]] && grep -qE "start-up failed: dataplane.eal: --file-prefix=$3 is in use by process $4 \(dvsd\)" "$2" && ! grep -q "Success" "$2"' \
    _ "$rc" "$E2E_DIR/second.log" "$E2E_PREFIX" "$DVSD_PID"
check "and the first still serves" adm -L -n

echo "-- issue 19: audit lines, unsaved changes, reload --dry-run, save-runtime"
check "audit: -e logged in dvsadm's terms with uid and pid" \
    grep -Eq "audit: dvsadm uid 0 pid [0-9]+: -e -t 192\.0\.2\.60:80 \(tcp-192_0_2_60-80\) -r 10\.0\.0\.12:8080: weight 1 -> 5" "$DVSD_LOG"
check "audit: -A logged" grep -Eq "audit: dvsadm uid 0 pid [0-9]+: -A -t 192\.0\.2\.60:80 \(tcp-192_0_2_60-80\) -s rr" "$DVSD_LOG"
check "audit: --set logged" grep -Eq "audit: dvsadm uid 0 pid [0-9]+: --set: tcp 900 -> 1000, tcp_fin 120 -> 60, udp 300 -> 200" "$DVSD_LOG"
st=$(adm status)
unsaved=$(sed -nE 's/^unsaved changes: +([0-9]+).*/\1/p' <<<"$st")
check "status counts the unsaved runtime changes (${unsaved:-none})" test "${unsaved:-0}" -ge 5
dry=$(adm reload --dry-run)
echo "$dry" | sed 's/^/   /'
check "reload --dry-run: the runtime service would go" grep -q "^-D -t 192.0.2.60:80 (tcp-192_0_2_60-80)" <<<"$dry"
check "reload --dry-run: the timeouts would return" grep -q "^--set: tcp 1000 -> 900" <<<"$dry"
check "reload --dry-run applied nothing" grep -q "192.0.2.60:80" <<<"$(adm -L -n)"
adm reload >/dev/null
check "a reload logs each discarded change" \
    grep -Eq "reload of .*dvs.yaml discards runtime change: -A -t 192\.0\.2\.60:80 .*\(dvsadm uid 0 pid [0-9]+, " "$DVSD_LOG"
check "after the reload nothing is unsaved" grep -Eq "^unsaved changes: +none" <<<"$(adm status)"
rc=0; adm save-runtime >/dev/null 2>"$E2E_DIR/err" || rc=$?
check "save-runtime without runtime_overlay: exit 1 naming the key ($(cat "$E2E_DIR/err"))" \
    bash -c '[[ $1 -eq 1 ]] && grep -q "no runtime_overlay in" "$2"' _ "$rc" "$E2E_DIR/err"
printf '# saved dvsadm changes live here (issue 19)\nruntime_overlay: %s\n' "$E2E_DIR/runtime.yaml" >>"$E2E_DIR/dvs.yaml"
adm reload >/dev/null
adm -e -t 192.0.2.10:80 -r 10.0.0.11:8080 -m -w 7
cp "$E2E_DIR/dvs.yaml" "$E2E_DIR/dvs.yaml.before"
msg=$(adm save-runtime)
echo "   $msg"
check "save-runtime wrote the overlay" grep -q "weight: 7" "$E2E_DIR/runtime.yaml"
check "save-runtime left the operator's file (and its comments) as it was" cmp -s "$E2E_DIR/dvs.yaml" "$E2E_DIR/dvs.yaml.before"
check "after save-runtime nothing is unsaved" grep -Eq "^unsaved changes: +none" <<<"$(adm status)"
adm reload >/dev/null
check "a reload keeps the saved change (weight 7)" grep -Eq "^  -> 10.0.0.11:8080 +Masq +7 " <<<"$(adm -L -n)"
check "--check reads the overlay too" "$DVSD" --check --config "$E2E_DIR/dvs.yaml"

e2e_stop_checked
e2e_finish
