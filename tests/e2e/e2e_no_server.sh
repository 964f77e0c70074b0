#!/usr/bin/env bash
# e2e_no_server (issue 19): a VIP with no usable server fails fast. Services
# added with dvsadm and no real server: curl gets "connection refused" at
# once (a TCP reset from the VIP), a connected UDP socket gets ECONNREFUSED
# (ICMP port unreachable from the VIP), and with on_no_server: drop the
# client is left to its own timeout. The same for an IPv6 VIP (issue 15):
# the reset and ICMPv6 port unreachable come from [2001:db8:99::99].
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_no_server dvsN1
export RS_BLOB_MB=1
DVSADM=${DVSADM:-$DVS_SRC/build/src/dvsadm/dvsadm}
[[ -x $DVSADM ]] || { echo "FAIL: dvsadm not built at $DVSADM"; exit 1; }
SOCK=/run/dvs/$E2E_PREFIX.sock
adm() { "$DVSADM" --socket "$SOCK" "$@"; }

# Dual stack: IPv6 on both ports, the client and the servers.
e2e_setup_dual_stack 1 3

# refused_checked VIP HOST_IN_URL: a service pair with no real server at VIP
# (tcp 80, udp 53) refuses curl at once and a connected UDP socket.
refused_checked() {
    local vip=$1 host=$2 start rc out secs udp
    check "dvsadm adds tcp $host:80 with no real server" adm -A -t "$host:80" -s rr
    check "dvsadm adds udp $host:53 with no real server" adm -A -u "$host:53" -s rr

    echo "-- curl http://$host/ (no server)"
    start=$(date +%s.%N)
    rc=0
    out=$(ip netns exec "$E2E_PREFIX-cl" curl -sS -g --max-time 5 "http://$host/" 2>&1) || rc=$?
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    echo "   curl: exit $rc in ${secs} s: $out"
    check "curl is refused (exit 7), not timed out (28)" test "$rc" -eq 7
    check "within a second (${secs} s)" awk -v s="$secs" 'BEGIN { exit !(s < 1) }'

    echo "-- UDP to $host:53 (no server)"
    udp=$(ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((sys.argv[1], 53))
t = time.monotonic()
s.send(b"query")
try:
    s.recv(100)
    print("answered")
except ConnectionRefusedError:
    print("refused %.2f" % (time.monotonic() - t))
except socket.timeout:
    print("timeout")
' "$vip")
    echo "   $udp"
    check "the datagram is refused (port unreachable)" test "${udp%% *}" = refused
}
refused_checked 192.0.2.99 192.0.2.99
e2e_stats "$E2E_DIR/stats.json" >/dev/null
rejects=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.no_server_rejects 0)
check "no_server_rejects counted the SYN and the datagram ($rejects >= 2)" test "$rejects" -ge 2

refused_checked 2001:db8:99::99 "[2001:db8:99::99]"
e2e_stats "$E2E_DIR/stats.json" >/dev/null
rejects=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.no_server_rejects 0)
check "no_server_rejects counted the IPv6 SYN and datagram too ($rejects >= 4)" test "$rejects" -ge 4

echo "-- the same service with on_no_server: drop (by reload)"
printf '  - { name: quiet, vip: 192.0.2.98, port: 80, protocol: tcp, scheduler: rr, on_no_server: drop, real_servers: [] }\n' \
    >>"$E2E_DIR/dvs.yaml"
check "dvsadm reload takes the file" adm reload
rc=0
ip netns exec "$E2E_PREFIX-cl" curl -sS --max-time 2 http://192.0.2.98/ >/dev/null 2>&1 || rc=$?
check "curl to the drop service times out (exit 28; got $rc)" test "$rc" -eq 28

e2e_stop_checked
e2e_finish
