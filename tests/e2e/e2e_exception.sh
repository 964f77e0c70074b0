#!/usr/bin/env bash
# e2e_exception: the exception path. dvsd makes kernel interfaces dvs-wan and
# dvs-lan in its namespace carrying its own addresses (10.0.1.1, 10.0.0.1).
#   - the kernel side: addresses, a configured route, link up;
#   - the client pings 10.0.1.1 and fetches a file over TCP from a kernel
#     HTTP server bound to 10.0.1.1; the replies reach the client from the
#     MAC of dvsd's DPDK port wan (tcpdump), not from the kernel interface;
#   - dvsd's kernel pings the client, and reaches the real servers over TCP
#     (curl, what health checks do), UDP and ICMP; its neighbour for a real
#     server is the DPDK port lan's MAC (the dataplane answered its ARP);
#   - the VIP service works alongside;
#   - a UDP flood at 10.0.1.1 is cut to the configured rate (counted as
#     kernel_rate_limited) while the VIP keeps answering;
#   - the kernel interfaces are gone after dvsd exits.
# E2E_WORKERS=2 runs it with two workers (each port is polled, together with
# its kernel interface, by one of them; prefix dvsX2).
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

WORKERS=${E2E_WORKERS:-1}
RATE=300   # packets per second per worker toward the kernel
BURST=100
name=e2e_exception
((WORKERS > 1)) && name=e2e_exception_${WORKERS}w
e2e_init "$name" "dvsX$WORKERS"
for tool in ping tcpdump; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool not installed (run scripts/setup.sh)"
        exit 77
    fi
done
export RS_BLOB_MB=1
LB=$E2E_PREFIX-lb
CL=$E2E_PREFIX-cl
TCPDUMP_PID=
HTTPD_PID=
e2e_cleanup_extra() {
    [[ -n $TCPDUMP_PID ]] && kill "$TCPDUMP_PID" 2>/dev/null
    [[ -n $HTTPD_PID ]] && kill "$HTTPD_PID" 2>/dev/null
    return 0
}

render_config "$DVS_SRC/tests/e2e/exception.yaml.in" "$E2E_DIR/dvs.yaml" \
    "FILE_PREFIX=$E2E_PREFIX" "WORKERS=$WORKERS" "SOCKET=/run/dvs/$E2E_PREFIX.sock" \
    "RATE=$RATE" "BURST=$BURST" || { echo "FAIL: could not render the configuration"; exit 1; }
topo_up "$E2E_PREFIX" 3 || { echo "FAIL: could not build the namespace topology"; exit 1; }
# net_af_packet reads copies: the kernel of dvsd's namespace still receives
# every frame on wan and lan itself, and once it holds 10.0.1.1 and 10.0.0.1
# (on dvs-wan, dvs-lan) it would answer them directly, bypassing dvsd. Strict
# rp_filter makes it drop them (the way back to any sender is a dvs-*
# interface), and NOARP keeps it from answering ARP there. README: the same
# applies to any af_packet deployment.
for ifname in wan lan; do
    if ! ip netns exec "$LB" sysctl -qw "net.ipv4.conf.$ifname.rp_filter=1" ||
        ! ip -n "$LB" link set dev "$ifname" arp off; then
        echo "FAIL: could not keep the kernel off $ifname"
        exit 1
    fi
done
rs_start_servers "$E2E_PREFIX" 3 "$E2E_DIR/rs" || { echo "FAIL: real servers did not come up"; exit 1; }
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }

stat() { dvs_py show_stats.py "$E2E_DIR/stats.json" get "$1" 0; }
has_line() { grep -qE -- "$1" <<<"$2"; }

echo "-- the kernel side"
# Issue 19: rp_filter and 'arp off' are set above, so no warning asks for them.
check "no rp_filter/arp warning when both are set" \
    bash -c '! grep -q "is a net_af_packet device" "$1"' _ "$E2E_DIR/dvsd.log"
addrs=$(ip -n "$LB" -o -4 addr show)
routes=$(ip -n "$LB" -4 route show)
echo "$addrs" | sed 's/^/   /'
echo "$routes" | sed 's/^/   /'
check "dvs-wan holds 10.0.1.1/24" has_line 'dvs-wan +inet 10\.0\.1\.1/24' "$addrs"
check "dvs-lan holds 10.0.0.1/24" has_line 'dvs-lan +inet 10\.0\.0\.1/24' "$addrs"
check "the configured route is in the kernel" has_line '^10\.0\.2\.0/24 via 10\.0\.0\.254 dev dvs-lan' "$routes"
check "dvs-wan is up" ip -n "$LB" link show dev dvs-wan up
WAN_MAC=$(if_mac "$LB" wan)
LAN_MAC=$(if_mac "$LB" lan)
TAP_MAC=$(if_mac "$LB" dvs-wan)
echo "   wan (DPDK port) $WAN_MAC, lan $LAN_MAC, dvs-wan (kernel) $TAP_MAC"

echo "-- the client pings and talks TCP to the balancer's own address"
# ping_once_each NS ADDR: 3 echoes, each answered exactly once (a duplicate
# would mean the kernel also answered what it got past dvsd).
ping_once_each() {
    local out
    out=$(ip netns exec "$1" ping -c 3 -i 0.2 -W 2 -q "$2" 2>&1) || { echo "$out"; return 1; }
    echo "$out" | grep -E 'transmitted' | sed 's/^/   /'
    ! grep -q duplicates <<<"$out"
}
check "client pings 10.0.1.1 (answered once each)" ping_once_each "$CL" 10.0.1.1
mkdir -p "$E2E_DIR/www"
echo "hello from dvsd's kernel" >"$E2E_DIR/www/hello.txt"
ip netns exec "$LB" "$DVS_PY" -m http.server --bind 10.0.1.1 --directory "$E2E_DIR/www" 8000 \
    </dev/null >"$E2E_DIR/httpd.log" 2>&1 &
HTTPD_PID=$!
_httpd_up() { ip netns exec "$LB" curl -s --max-time 1 -o /dev/null http://10.0.1.1:8000/hello.txt; }
_wait_until 10 _httpd_up || echo "   (kernel HTTP server not answering locally)"
ip netns exec "$CL" tcpdump -i eth0 -nn -e -U --immediate-mode -w "$E2E_DIR/cl.pcap" 'tcp src port 8000' \
    >"$E2E_DIR/tcpdump.log" 2>&1 &
TCPDUMP_PID=$!
_wait_until 5 grep -q listening "$E2E_DIR/tcpdump.log" || true
got=$(ip netns exec "$CL" curl -s --max-time 5 http://10.0.1.1:8000/hello.txt || true)
check "client fetched the file from the kernel's server (got '$got')" \
    test "$got" = "hello from dvsd's kernel"
sleep 1
kill "$TCPDUMP_PID" 2>/dev/null || true
wait "$TCPDUMP_PID" 2>/dev/null || true
TCPDUMP_PID=
srcs=$(tcpdump -r "$E2E_DIR/cl.pcap" -nn -e 2>/dev/null | awk '{print $2}' | sort | uniq -c)
echo "   source MACs of the server's segments at the client: $(tr -s ' \n' ' ' <<<"$srcs")"
check "the kernel's replies reached the client" test -n "$srcs"
check "...all from the DPDK port wan ($WAN_MAC)" \
    test "$(awk '{print $2}' <<<"$srcs" | sort -u)" = "$WAN_MAC"

echo "-- dvsd's kernel reaches out through the DPDK ports"
check "the kernel pings the client" ping_once_each "$LB" 10.0.1.2
for i in 1 2 3; do
    got=$(ip netns exec "$LB" curl -s --max-time 3 "http://10.0.0.1$i:8080/whoami" || true)
    check "kernel TCP (curl) to rs$i 10.0.0.1$i:8080 (got '$got')" test "$got" = "rs$i"
done
res=$(ip netns exec "$LB" "$DVS_PY" "$DVS_LIB/udp_client.py" --addr 10.0.0.12 --port 5353 \
    --count 3 --timeout 2 || true)
echo "   $res"
check "kernel UDP to rs2 answered 3 of 3" test "$(json_field "${res:-{\}}" ok)" = 3
check "the kernel pings rs3" ping_once_each "$LB" 10.0.0.13
neigh=$(ip -n "$LB" neigh show 10.0.0.11 dev dvs-lan)
echo "   kernel neighbour: $neigh"
check "the kernel's neighbour 10.0.0.11 is at lan's MAC ($LAN_MAC)" has_line "lladdr $LAN_MAC" "$neigh"

echo "-- the VIP service alongside"
e2e_client_checked requests 60 http_client.py --url http://192.0.2.10/whoami --count 60 \
    --timeout 3 --deadline 60

e2e_stats "$E2E_DIR/stats.json"
to_k=$(stat totals.to_kernel)
from_k=$(stat totals.from_kernel)
check "to_kernel > 0 ($to_k)" test "$to_k" -gt 0
check "from_kernel > 0 ($from_k)" test "$from_k" -gt 0
check "kernel_arp_replies > 0 ($(stat totals.kernel_arp_replies))" test "$(stat totals.kernel_arp_replies)" -gt 0
check "no local_unhandled drops ($(stat totals.drops.local_unhandled))" test "$(stat totals.drops.local_unhandled)" -eq 0
check "nothing rate-limited yet ($(stat totals.drops.kernel_rate_limited))" test "$(stat totals.drops.kernel_rate_limited)" -eq 0

echo "-- a UDP flood at 10.0.1.1 (limit $RATE/s, burst $BURST per worker)"
ip netns exec "$CL" "$DVS_PY" "$DVS_LIB/udp_flood.py" --addr 10.0.1.1 --port 9999 --seconds 3 \
    >"$E2E_DIR/flood.json" 2>&1 &
flood_pid=$!
sleep 0.5
e2e_client_checked "requests during the flood" 30 http_client.py --url http://192.0.2.10/whoami \
    --count 30 --timeout 3 --deadline 30
wait "$flood_pid" || true
flood=$(cat "$E2E_DIR/flood.json")
echo "   flood: $flood"
sent=$(json_field "$flood" sent)
secs=$(json_field "$flood" seconds)
e2e_stats "$E2E_DIR/stats.json"
limited=$(stat totals.drops.kernel_rate_limited)
passed=$(($(stat totals.to_kernel) - to_k))
# Only the worker reading wan sees the flood; +2 s covers the test's own
# traffic and timing slack.
bound=$(awk -v r="$RATE" -v s="$secs" -v b="$BURST" 'BEGIN { printf "%d", r * (s + 2) + b }')
check "the flood ($sent datagrams in ${secs}s) was rate-limited ($limited dropped)" \
    test "$limited" -gt 0
check "at most $bound reached the kernel during the flood ($passed)" test "$passed" -le "$bound"
echo "   sent $sent, reached the kernel $passed, rate-limited $limited (the rest was lost before dvsd)"

e2e_stop_checked
check "dvs-wan is gone after dvsd exited" bash -c "! ip -n $LB link show dev dvs-wan >/dev/null 2>&1"
check "dvs-lan is gone after dvsd exited" bash -c "! ip -n $LB link show dev dvs-lan >/dev/null 2>&1"
e2e_finish
