#!/usr/bin/env bash
# e2e_ipv6_local (issue 15, stage 1): a real kernel IPv6 stack against
# dvsd's own IPv6 address, next to an IPv4 service in the same dvsd. The
# client resolves 2001:db8:1::1 with Neighbor Discovery (dvsd answers the
# solicitation) and pings it (dvsd answers the echo); an address that is not
# dvsd's stays unresolved; the IPv4 HTTP service keeps answering; the
# kernel counts no ICMPv6 checksum error.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_ipv6_local dvsI6
export RS_BLOB_MB=1
OUR6=2001:db8:1::1
CLIENT6=2001:db8:1::2

# The demo config with an IPv6 address on the client-facing port.
e2e_config "$E2E_DIR/dvs4.yaml" 1 || { echo "FAIL: could not render the configuration"; exit 1; }
sed '0,/name: wan\(.*\)addresses: \[\([^]]*\)\]/s//name: wan\1addresses: [\2, "'$OUR6'\/64"]/' \
    "$E2E_DIR/dvs4.yaml" >"$E2E_DIR/dvs.yaml"
grep -q "$OUR6/64" "$E2E_DIR/dvs.yaml" || { echo "FAIL: no IPv6 address in the config"; exit 1; }
topo_up "$E2E_PREFIX" 3 || { echo "FAIL: could not build the namespace topology"; exit 1; }
rs_start_servers "$E2E_PREFIX" 3 "$E2E_DIR/rs" || { echo "FAIL: real servers did not come up"; exit 1; }
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }

CL=$E2E_PREFIX-cl
# The topology turns IPv6 off everywhere; the client gets it back, without
# the duplicate address detection wait (the address is usable at once).
ip netns exec "$CL" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.eth0.accept_dad=0
ip netns exec "$CL" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.eth0.disable_ipv6=0
ip -n "$CL" -6 addr add "$CLIENT6/64" dev eth0 nodad
ip netns exec "$CL" nstat -n >/dev/null 2>&1 || true  # reset the history: count from here

echo "-- ping -6 $OUR6 (ND by the kernel, NA and echo reply by dvsd)"
check "ping -6 $OUR6 answers 5 of 5" \
    ip netns exec "$CL" ping -6 -n -c 5 -i 0.2 -W 2 "$OUR6"
lb_mac=$(ip -n "$E2E_PREFIX-lb" link show wan | awk '/link\/ether/ {print $2}')
neigh=$(ip -n "$CL" -6 neigh show "$OUR6" dev eth0)
echo "   neighbour: $neigh (dvsd's wan MAC $lb_mac)"
check "the client learned $OUR6 at dvsd's MAC" grep -qi "lladdr $lb_mac" <<<"$neigh"

echo "-- an address on the subnet that is not dvsd's"
# shellcheck disable=SC2016 # $1 is bash -c's argument
check "ping -6 2001:db8:1::99 gets no answer" \
    bash -c '! ip netns exec "$1" ping -6 -n -c 1 -W 2 2001:db8:1::99 >/dev/null 2>&1' _ "$CL"

echo "-- the IPv4 service in the same dvsd"
code=$(ip netns exec "$CL" curl -s -o /dev/null -m 5 -w '%{http_code}' http://192.0.2.10/whoami || true)
check "HTTP GET /whoami from the IPv4 VIP 192.0.2.10 answers 200 (got $code)" test "$code" = 200

csum=$(ip netns exec "$CL" nstat -az Icmp6InCsumErrors 2>/dev/null | awk '/Icmp6InCsumErrors/ {print $2}')
check "the client's kernel counted no ICMPv6 checksum error (${csum:-?})" test "${csum:-1}" -eq 0

e2e_stats "$E2E_DIR/stats.json"
stat() { dvs_py show_stats.py "$E2E_DIR/stats.json" get "$1" 0; }
replies=$(stat totals.icmp6_echo_replies)
adverts=$(stat totals.nd_adverts_sent)
not_ours=$(stat totals.drops.nd_not_ours)
check "dvsd answered the 5 echo requests (icmp6_echo_replies $replies)" test "$replies" -eq 5
check "dvsd sent neighbour advertisements (nd_adverts_sent $adverts)" test "$adverts" -ge 1
check "the solicitation for ::99 was refused as nd_not_ours ($not_ours)" test "$not_ours" -ge 1

e2e_stop_checked
e2e_finish
