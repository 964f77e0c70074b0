#!/usr/bin/env bash
# e2e_port_addresses (issue 19): adding and removing a port's address is a
# reload, not a restart. The exception path is on (exception.yaml.in), so
# the kernel interface dvs-wan follows too. SIGHUP 1 adds 10.0.1.5 and
# 10.0.1.6 to wan: the client's pings and ARP get answers from the dataplane
# (wan's MAC), dvs-wan holds both, and dvsd's kernel pings the client from
# 10.0.1.5. SIGHUP 2 removes 10.0.1.6: no answer to ARP or ping any more,
# dvs-wan drops it, 10.0.1.5 still answers. Same PID throughout, no restart.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_port_addresses dvsPA
if ! command -v ping >/dev/null 2>&1; then
    echo "SKIP: ping not installed (run scripts/setup.sh)"
    exit 77
fi
export RS_BLOB_MB=1
LB=$E2E_PREFIX-lb
CL=$E2E_PREFIX-cl

render_config "$DVS_SRC/tests/e2e/exception.yaml.in" "$E2E_DIR/dvs.yaml" \
    "FILE_PREFIX=$E2E_PREFIX" "WORKERS=1" "SOCKET=/run/dvs/$E2E_PREFIX.sock" \
    "RATE=1000" "BURST=100" || { echo "FAIL: could not render the configuration"; exit 1; }
topo_up "$E2E_PREFIX" 3 || { echo "FAIL: could not build the namespace topology"; exit 1; }
# As in e2e_exception: the kernel of dvsd's namespace must not answer on wan/lan itself.
for ifname in wan lan; do
    ip netns exec "$LB" sysctl -qw "net.ipv4.conf.$ifname.rp_filter=1"
    ip -n "$LB" link set dev "$ifname" arp off
done
rs_start_servers "$E2E_PREFIX" 3 "$E2E_DIR/rs" || { echo "FAIL: real servers did not come up"; exit 1; }
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }
pid=$DVSD_PID
WAN_MAC=$(if_mac "$LB" wan)

# wan_addresses LIST: the wan port's address list in the file, then SIGHUP
# and wait for the reload's result in the log (the Nth "reload" line).
reloads=0
wan_addresses() {
    sed -i -E "s|(name: wan, device: net_af_packet0, addresses: )\[[^]]*\]|\1[$1]|" "$E2E_DIR/dvs.yaml"
    reloads=$((reloads + 1))
    kill -HUP "$DVSD_PID"
    _wait_until 10 bash -c '[[ $(grep -cE "reloaded .*: version|reload rejected" "$1") -ge $2 ]]' \
        _ "$DVSD_LOG" "$reloads" || true
}
answers() { ip netns exec "$CL" ping -c 2 -i 0.2 -W 1 -q "$1" >/dev/null 2>&1; }
# arp_mac ADDR: the MAC the client learns for ADDR ("" when nobody answers).
arp_mac() {
    ip -n "$CL" neigh flush dev eth0 to "$1" 2>/dev/null || true
    ip netns exec "$CL" ping -c 1 -W 1 "$1" >/dev/null 2>&1 || true
    ip -n "$CL" neigh show "$1" dev eth0 | awk '/lladdr/ {print $3}'
}
# Not a pipe into grep -q: under pipefail, ip killed by SIGPIPE when grep
# stops at an early match made the check fail now and then.
tap_has() { grep -q " $1/24 " <<<"$(ip -n "$LB" -o -4 addr show dev dvs-wan)"; }

check "before: 10.0.1.5 does not answer" bash -c '! ip netns exec "$1" ping -c 1 -W 1 -q 10.0.1.5 >/dev/null 2>&1' _ "$CL"

echo "-- SIGHUP 1: wan gets 10.0.1.5 and 10.0.1.6"
wan_addresses "10.0.1.1/24, 10.0.1.5/24, 10.0.1.6/24"
grep -E "reload|port wan|exception path: ip" "$DVSD_LOG" | tail -n 6 | sed 's/^/   /'
check "the reload applied without a restart" grep -q "reloaded .*: version 2" "$DVSD_LOG"
check "the log names the added address" grep -q "reload: port wan: address 10.0.1.5/24 added" "$DVSD_LOG"
check "the client pings 10.0.1.5" answers 10.0.1.5
check "the client pings 10.0.1.6" answers 10.0.1.6
mac=$(arp_mac 10.0.1.6)
check "ARP for 10.0.1.6 is answered with wan's MAC ($mac = $WAN_MAC)" test "$mac" = "$WAN_MAC"
check "dvs-wan holds 10.0.1.5" tap_has 10.0.1.5
check "dvs-wan holds 10.0.1.6" tap_has 10.0.1.6
check "dvsd's kernel pings the client from 10.0.1.5 (exception path)" \
    ip netns exec "$LB" ping -c 2 -i 0.2 -W 1 -q -I 10.0.1.5 10.0.1.2

echo "-- SIGHUP 2: 10.0.1.6 removed"
wan_addresses "10.0.1.1/24, 10.0.1.5/24"
check "the reload applied without a restart" grep -q "reloaded .*: version 3" "$DVSD_LOG"
check "the log names the removed address" grep -q "reload: port wan: address 10.0.1.6/24 removed" "$DVSD_LOG"
check "10.0.1.6 no longer answers ping" bash -c '! ip netns exec "$1" ping -c 2 -i 0.2 -W 1 -q 10.0.1.6 >/dev/null 2>&1' _ "$CL"
mac=$(arp_mac 10.0.1.6)
check "nobody answers ARP for 10.0.1.6 (got '$mac')" test -z "$mac"
check "dvs-wan no longer holds 10.0.1.6" bash -c '! ip -n "$1" -o -4 addr show dev dvs-wan | grep -q " 10.0.1.6/24 "' _ "$LB"
check "10.0.1.5 still answers" answers 10.0.1.5
check "the VIP still serves" ip netns exec "$CL" curl -s --max-time 3 -o /dev/null http://192.0.2.10/whoami
check "the same dvsd throughout (pid $pid)" test "$DVSD_PID" = "$pid" -a "$(grep -c 'dvsd ready' "$DVSD_LOG")" -eq 1

e2e_stop_checked
e2e_finish
