#!/usr/bin/env bash
# e2e_ecmp6 (issue 15): BIRD announces the boxes' IPv6 VIP over BGP. Two
# boxes and the router of tests/lib/fleet.sh with FLEET_IPV6=1: each box
# has IPv6 on its ports and the service web6 [2001:db8:70::70]:80 (DR) beside
# the IPv4 web; dvsd writes the /128 route into kernel table 100 and BIRD
# exports it over the existing session (MP-BGP: the ipv6 channels of
# config/examples/bird-box.conf and bird-router.conf), with the box's wan
# address as next hop. Checks:
#  - the router's kernel has 2001:db8:70::70 with two next hops,
#    2001:db8:9::11 and ::12 (BIRD merged the paths), learned by BGP;
#  - IPv6 requests from the client through the router and a box to the DR
#    servers all succeed;
#  - `dvsadm fleet drain` on box 1 withdraws its path (IPv6 and IPv4);
#    undrain brings it back;
#  - deleting web6 on both boxes (dvsadm -D) withdraws the IPv6 route from
#    the router while the IPv4 VIP keeps its two paths.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"
e2e_init e2e_ecmp6 dvsF6
e2e_require bird birdc
export FLEET_IPV6=1 RS_IPV6=1 RS_IPV6_VIPS=2001:db8:70::70 RS_BLOB_MB=1
# shellcheck source-path=SCRIPTDIR source=../lib/fleet.sh
source "$DVS_SRC/tests/lib/fleet.sh"
V6=$FLEET_VIP6

requests6() { http_answered "$E2E_PREFIX-cl" "http://[$V6]/whoami" "$1"; }
route6() { fleet_route "$V6" | tr -s ' \n\t' ' '; }

fleet_up 2
check "the router's kernel has $V6 with 2 next hops" _wait_until 20 fleet_paths_are 2 "$V6"
echo "   router: $(route6)"
check "through box 1 (2001:db8:9::11)" fleet_path_via 1 "$V6"
check "through box 2 (2001:db8:9::12)" fleet_path_via 2 "$V6"
check "installed by BIRD (proto bird)" eval "fleet_route '$V6' | grep -q 'proto bird'"
fleet_birdc 0 show route "$V6/128" all | fleet_indent
check "learned over BGP from both boxes (AS 65001)" \
    eval "fleet_birdc 0 show route '$V6/128' all | grep -c 'BGP.as_path: 65001' | grep -qx 2"
fleet=$(fleet_adm 1 fleet)
fleet_indent <<<"$fleet"
check "dvsadm fleet: VIP $V6 announced (serving)" grep -q "VIP $V6  announced (serving)" <<<"$fleet"
n=$(requests6 20)
check "20 IPv6 requests through the router and the boxes: $n answered" test "$n" -eq 20

echo "-- drain box 1"
fleet_adm 1 fleet drain >/dev/null
check "the router drops box 1's IPv6 path" _wait_until 10 fleet_paths_are 1 "$V6"
check "the remaining IPv6 path is box 2's" fleet_path_via 2 "$V6"
check "and box 1's IPv4 path" _wait_until 10 fleet_paths_are 1
echo "   router: $(route6)"
n=$(requests6 10)
check "10 IPv6 requests through box 2 alone: $n answered" test "$n" -eq 10
fleet_adm 1 fleet undrain >/dev/null
check "undrain: box 1's IPv6 path is back" _wait_until 10 fleet_paths_are 2 "$V6"

echo "-- delete the IPv6 service on both boxes"
for b in 1 2; do fleet_adm "$b" -D -t "[$V6]:80"; done
check "the router withdraws $V6" _wait_until 10 fleet_paths_are 0 "$V6"
echo "   router: '$(route6)'"
check "the IPv4 VIP keeps its 2 paths" fleet_paths_are 2
fleet_stop_checked 1 2
e2e_finish
