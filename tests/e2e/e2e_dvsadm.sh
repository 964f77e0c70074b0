#!/usr/bin/env bash
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
saved=$(adm -S -n)
echo "$saved" | sed 's/^/   /'
check "-S has the runtime service" grep -q "^-A -t 192.0.2.60:80 -s rr" <<<"$saved"
adm -C
check "-C: no service left" test "$(adm -S -n | wc -l)" -eq 0
res=$(whoami_n 3 http://192.0.2.60/whoami)
check "-C: the VIP no longer answers ($(json_field "$res" failed) failed)" test "$(json_field "$res" failed)" -eq 3
adm -R <<<"$saved"
check "-R: -S after restore equals the saved rules" test "$(adm -S -n)" = "$saved"
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

e2e_stop_checked
e2e_finish
