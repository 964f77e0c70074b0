#!/usr/bin/env bash
# e2e_exception6 (issue 15): IPv6 on the exception path. dvsd starts with an
# IPv6 address on wan only (2001:db8:1::1/64, lan is IPv4 only); the kernel
# of its namespace (IPv6 off everywhere but on the taps dvsd turns it on for):
#   - dvs-wan holds 2001:db8:1::1/64 (no DAD: usable at once), dvs-lan has no IPv6;
#   - the kernel pings the client over IPv6 and fetches a file from a kernel
#     HTTP server in the client namespace (TCP over IPv6); its neighbour for
#     the client is wan's MAC (the dataplane answered its solicitation);
#   - the client fetches a file from a kernel HTTP server bound to
#     2001:db8:1::1 (TCP to our address goes to the kernel, its answers from
#     wan's MAC); its pings to 2001:db8:1::1 are answered once each (by dvsd);
#   - the configured IPv6 route is in the kernel;
#   - a reload gives lan its first IPv6 address, 2001:db8:2::1/64: dvs-lan
#     gets it hot (IPv6 turned on for it), and the kernel
#     pings a real server and talks TCP and UDP to it over IPv6;
#   - counters: kernel_nd_adverts, to_kernel, from_kernel; no ipv6_unhandled.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_exception6 dvsX6
e2e_require ping
export RS_BLOB_MB=1 RS_IPV6=1
LB=$E2E_PREFIX-lb
CL=$E2E_PREFIX-cl
HTTPD_PID=
CL_HTTPD_PID=
e2e_cleanup_extra() {
    [[ -n $HTTPD_PID ]] && kill "$HTTPD_PID" 2>/dev/null
    [[ -n $CL_HTTPD_PID ]] && kill "$CL_HTTPD_PID" 2>/dev/null
    return 0
}

render_config "$DVS_SRC/tests/e2e/exception.yaml.in" "$E2E_DIR/dvs4.yaml" \
    "FILE_PREFIX=$E2E_PREFIX" "WORKERS=1" "SOCKET=/run/dvs/$E2E_PREFIX.sock" \
    "RATE=1000" "BURST=100" || { echo "FAIL: could not render the configuration"; exit 1; }
sed -e 's|addresses: \[10.0.1.1/24\]|addresses: [10.0.1.1/24, "2001:db8:1::1/64"]|' \
    -e 's|^routes:$|routes:\n  - { prefix: "2001:db8:4::/64", via: "2001:db8:1::fe", port: wan }|' \
    "$E2E_DIR/dvs4.yaml" >"$E2E_DIR/dvs.yaml"
grep -q '2001:db8:1::1/64' "$E2E_DIR/dvs.yaml" || { echo "FAIL: no IPv6 address in the config"; exit 1; }
topo_up "$E2E_PREFIX" 3 || { echo "FAIL: could not build the namespace topology"; exit 1; }
topo_add_ipv6 "$E2E_PREFIX" 3 || { echo "FAIL: could not add IPv6 to the topology"; exit 1; }
# As in e2e_exception: the kernel of dvsd's namespace must not answer on
# wan/lan itself (IPv6 stays off there: the topology's default).
for ifname in wan lan; do
    ip netns exec "$LB" sysctl -qw "net.ipv4.conf.$ifname.rp_filter=1"
    ip -n "$LB" link set dev "$ifname" arp off
done
# Two small HTTP servers over IPv6 (http.server takes seconds to start:
# it looks its own name up), one in the client, one in dvsd's namespace
# on dvsd's address (once the tap holds it).
mkdir -p "$E2E_DIR/www"
echo "hello over IPv6" >"$E2E_DIR/www/hello.txt"
ip netns exec "$CL" "$DVS_PY" -m http.server --bind 2001:db8:1::2 --directory "$E2E_DIR/www" 8001 \
    </dev/null >"$E2E_DIR/cl-httpd.log" 2>&1 &
CL_HTTPD_PID=$!
_listening() { ip netns exec "$1" ss -ltn "sport = :$2" | grep -q LISTEN; }
rs_start_servers "$E2E_PREFIX" 3 "$E2E_DIR/rs" || { echo "FAIL: real servers did not come up"; exit 1; }
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }
ip netns exec "$LB" "$DVS_PY" -m http.server --bind 2001:db8:1::1 --directory "$E2E_DIR/www" 8000 \
    </dev/null >"$E2E_DIR/httpd.log" 2>&1 &
HTTPD_PID=$!
WAN_MAC=$(if_mac "$LB" wan)
LAN_MAC=$(if_mac "$LB" lan)
stat() { dvs_py show_stats.py "$E2E_DIR/stats.json" get "$1" 0; }
has_line() { grep -qE -- "$1" <<<"$2"; }
# ping6_once_each NS ADDR: 3 echoes, each answered exactly once.
ping6_once_each() {
    local out
    out=$(ip netns exec "$1" ping -6 -n -c 3 -i 0.2 -W 2 -q "$2" 2>&1) || { echo "$out"; return 1; }
    echo "$out" | grep -E 'transmitted' | sed 's/^/   /'
    ! grep -q duplicates <<<"$out"
}

echo "-- the kernel side"
check "no rp_filter/arp/IPv6 warning (IPv6 is off on wan and lan)" \
    bash -c '! grep -q "is a net_af_packet device" "$1"' _ "$E2E_DIR/dvsd.log"
addrs=$(ip -n "$LB" -o -6 addr show scope global)
echo "$addrs" | sed 's/^/   /'
check "dvs-wan holds 2001:db8:1::1/64" has_line 'dvs-wan +inet6 2001:db8:1::1/64' "$addrs"
check "...not tentative (nodad)" bash -c '! grep -q tentative <<<"$1"' _ "$addrs"
check "dvs-lan has no IPv6 address yet" bash -c '! grep -q dvs-lan <<<"$1"' _ "$addrs"
routes=$(ip -n "$LB" -6 route show)
check "the configured IPv6 route is in the kernel" \
    has_line '^2001:db8:4::/64 via 2001:db8:1::fe dev dvs-wan' "$routes"

echo "-- dvsd's kernel reaches the client over IPv6"
check "the kernel pings 2001:db8:1::2 (answered once each)" ping6_once_each "$LB" 2001:db8:1::2
neigh=$(ip -n "$LB" -6 neigh show 2001:db8:1::2 dev dvs-wan)
echo "   kernel neighbour: $neigh"
check "the kernel's neighbour 2001:db8:1::2 is at wan's MAC ($WAN_MAC)" has_line "lladdr $WAN_MAC" "$neigh"
_wait_until 15 _listening "$CL" 8001 || echo "   (the client's HTTP server is not listening)"
got=$(ip netns exec "$LB" curl -s -g --max-time 5 "http://[2001:db8:1::2]:8001/hello.txt" || true)
check "kernel TCP over IPv6 to the client (got '$got')" test "$got" = "hello over IPv6"

echo "-- the client talks to dvsd's own IPv6 address"
check "the client pings 2001:db8:1::1 (answered once each)" ping6_once_each "$CL" 2001:db8:1::1
_wait_until 15 _listening "$LB" 8000 || echo "   (the kernel's HTTP server is not listening)"
got=$(ip netns exec "$CL" curl -s -g --max-time 5 "http://[2001:db8:1::1]:8000/hello.txt" || true)
check "the client fetched the file from the kernel's server over IPv6 (got '$got')" \
    test "$got" = "hello over IPv6"
neigh=$(ip -n "$CL" -6 neigh show 2001:db8:1::1 dev eth0)
check "the client reaches 2001:db8:1::1 at wan's MAC, not the tap's" has_line "lladdr $WAN_MAC" "$neigh"

echo "-- reload: lan gets its first IPv6 address"
sed -i -e 's|addresses: \[10.0.0.1/24\]|addresses: [10.0.0.1/24, "2001:db8:2::1/64"]|' \
    "$E2E_DIR/dvs.yaml"
kill -HUP "$DVSD_PID"
_wait_until 10 grep -qE "reloaded .*: version|reload rejected" "$DVSD_LOG" || true
check "the reload was accepted" grep -qE "reloaded .*: version" "$DVSD_LOG"
addrs=$(ip -n "$LB" -o -6 addr show dev dvs-lan scope global)
echo "$addrs" | sed 's/^/   /'
check "dvs-lan holds 2001:db8:2::1/64 after the reload" has_line 'inet6 2001:db8:2::1/64' "$addrs"
check "the kernel pings rs1 2001:db8:2::11 (answered once each)" ping6_once_each "$LB" 2001:db8:2::11
for i in 2 3; do
    got=$(ip netns exec "$LB" curl -s -g --max-time 3 "http://[2001:db8:2::1$i]:8080/whoami" || true)
    check "kernel TCP over IPv6 to rs$i (got '$got')" test "$got" = "rs$i"
done
res=$(ip netns exec "$LB" "$DVS_PY" "$DVS_LIB/udp_client.py" --addr 2001:db8:2::12 --port 5353 \
    --count 3 --timeout 2 || true)
echo "   $res"
check "kernel UDP over IPv6 to rs2 answered 3 of 3" test "$(json_field "${res:-{\}}" ok)" = 3
neigh=$(ip -n "$LB" -6 neigh show 2001:db8:2::13 dev dvs-lan)
check "the kernel's neighbour 2001:db8:2::13 is at lan's MAC ($LAN_MAC)" has_line "lladdr $LAN_MAC" "$neigh"

echo "-- the IPv4 service alongside"
e2e_client_checked requests 30 http_client.py --url http://192.0.2.10/whoami --count 30 \
    --timeout 3 --deadline 30

e2e_stats "$E2E_DIR/stats.json"
check "kernel_nd_adverts > 0 ($(stat totals.kernel_nd_adverts))" test "$(stat totals.kernel_nd_adverts)" -gt 0
check "to_kernel > 0 ($(stat totals.to_kernel))" test "$(stat totals.to_kernel)" -gt 0
check "from_kernel > 0 ($(stat totals.from_kernel))" test "$(stat totals.from_kernel)" -gt 0
check "no ipv6_unhandled drops ($(stat totals.drops.ipv6_unhandled))" \
    test "$(stat totals.drops.ipv6_unhandled)" -eq 0
check "no kernel_unsupported drops ($(stat totals.drops.kernel_unsupported))" \
    test "$(stat totals.drops.kernel_unsupported)" -eq 0
echo "   kernel_multicast (MLD reports and the like, not forwarded): $(stat totals.drops.kernel_multicast)"

e2e_stop_checked
e2e_finish
