#!/usr/bin/env bash
# e2e_vrrp6_keepalived (issue 15): our VRRPv3 for IPv6 (src/control/ha/
# vrrp_*) against keepalived's, without dvsd. Two namespaces on one veth
# pair, IPv6 on (link-local addresses, no DAD):
#
#   PREFIX-ha1 eth0 fe80::...  vrrp_node --address 2001:db8:1::1 (tests/ha)
#   PREFIX-ha2 eth0 fe80::...  keepalived (VRRPv3, the same VIP /128)
#
# vrid 51, advert 200 ms. Checked from both sides:
#  1. node 200 vs keepalived 100: node MASTER, keepalived BACKUP without the
#     VIP (it accepts our adverts: ff02::12, link-local source, hop limit
#     255, checksum over the IPv6 pseudo-header);
#  2. SIGTERM to the node: its priority-0 advert makes keepalived MASTER
#     with the VIP within 2 s;
#  3. keepalived 250 vs the node 100 started again: the node stays BACKUP
#     on keepalived's higher-priority adverts (we decode keepalived's IPv6
#     adverts: received, none dropped, never master).
# keepalived logs "the first IPv6 VIP address should be link local"
# (RFC 5798 5.2.9): DVS has no virtual link-local address (README).
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

export E2E_NO_DVSD=1
e2e_init e2e_vrrp6_keepalived dvsV6
VRRP_NODE=${VRRP_NODE:-$DVS_SRC/build/tests/ha/vrrp_node}
KEEPALIVED=$(command -v keepalived || echo /usr/sbin/keepalived)
if [[ ! -x $KEEPALIVED ]]; then
    echo "SKIP: keepalived is not installed (run scripts/setup.sh)"
    exit 77
fi
[[ -x $VRRP_NODE ]] || { echo "FAIL: vrrp_node not built at $VRRP_NODE"; exit 1; }
P=$E2E_PREFIX
NODE_NS=$P-ha1
KA_NS=$P-ha2
VIP6=2001:db8:1::1
NODE_PID=""
KA_PID=""
RUN=0

e2e_cleanup_extra() {
    [[ -n $NODE_PID ]] && kill -9 "$NODE_PID" 2>/dev/null
    [[ -n $KA_PID ]] && kill "$KA_PID" 2>/dev/null && _wait_until 3 _pid_gone "$KA_PID"
    return 0
}

topo_down "$P"
for ns in "$NODE_NS" "$KA_NS"; do
    ip netns add "$ns" && _topo_ns_setup "$ns" || { echo "FAIL: namespace $ns"; exit 1; }
done
ip link add eth0 netns "$NODE_NS" type veth peer name eth0 netns "$KA_NS" ||
    { echo "FAIL: veth"; exit 1; }
for ns in "$NODE_NS" "$KA_NS"; do
    _topo_if_prep "$ns" eth0 && _topo_ipv6_on "$ns" eth0 || { echo "FAIL: IPv6 in $ns"; exit 1; }
    ip -n "$ns" link set eth0 down && ip -n "$ns" link set eth0 up  # the link-local address now
done
link_local() { ip -n "$1" -6 addr show dev eth0 scope link | awk '$1 == "inet6" { sub("/.*", "", $2); print $2; f = 1 } END { exit !f }'; }
_wait_until 3 link_local "$NODE_NS" >/dev/null && _wait_until 3 link_local "$KA_NS" >/dev/null ||
    { echo "FAIL: no link-local addresses"; exit 1; }
KA_LL=$(link_local "$KA_NS")

# node_start PRIORITY: vrrp_node with the IPv6 address; its stdout in NODE_OUT.
node_start() {
    RUN=$((RUN + 1))
    NODE_OUT=$E2E_DIR/node$RUN.out
    ip netns exec "$NODE_NS" "$VRRP_NODE" --interface eth0 --name vi6 --vrid 51 --priority "$1" \
        --interval-ms 200 --address "$VIP6" >"$NODE_OUT" 2>"$E2E_DIR/node$RUN.log" &
    NODE_PID=$!
    _wait_until 5 grep -q '^READY ' "$NODE_OUT"
}
node_state() {
    local s
    s=$(awk '$1 == "TRANSITION" {s = $4} END {print s}' "$NODE_OUT" 2>/dev/null)
    echo "${s:-INIT}"
}
node_is() { [[ $(node_state) == "$1" ]]; }
node_stop() {
    kill -TERM "$NODE_PID" 2>/dev/null || true
    _wait_until 5 _pid_gone "$NODE_PID"
    wait "$NODE_PID" 2>/dev/null || true
    NODE_PID=""
}
# ka_start PRIORITY: keepalived, VRRP only, foreground, log in E2E_DIR/kaN.log.
ka_start() {
    RUN=$((RUN + 1))
    KA_LOG=$E2E_DIR/ka$RUN.log
    cat >"$E2E_DIR/ka$RUN.conf" <<CONF
global_defs {
    router_id dvs_e2e6_$RUN
    vrrp_version 3
}
vrrp_instance vi6 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority $1
    advert_int 0.2
    virtual_ipaddress {
        $VIP6/128 dev eth0
    }
}
CONF
    ip netns exec "$KA_NS" "$KEEPALIVED" -n -l -D --vrrp -f "$E2E_DIR/ka$RUN.conf" \
        -p "$E2E_DIR/ka$RUN.pid" -r "$E2E_DIR/ka$RUN-vrrp.pid" -i "$P" \
        </dev/null >"$KA_LOG" 2>&1 &
    KA_PID=$!
}
ka_stop() {
    kill -TERM "$KA_PID" 2>/dev/null || true
    _wait_until 5 _pid_gone "$KA_PID"
    wait "$KA_PID" 2>/dev/null || true
    KA_PID=""
}
ka_has_vip() { ip -n "$KA_NS" -6 addr show dev eth0 | grep -q "inet6 $VIP6/128"; }
ka_lacks_vip() { ! ka_has_vip; }
ka_entered() { grep -q "(vi6) Entering $1 STATE" "$KA_LOG"; }

echo "-- 1. node (priority 200) and keepalived (100)"
check "vrrp_node starts with an IPv6 instance" node_start 200
ka_start 100
check "node becomes MASTER" _wait_until 3 node_is MASTER
check "keepalived enters BACKUP" _wait_until 3 ka_entered BACKUP
sleep 1.5 # several adverts: a keepalived that refused ours would take over
check "keepalived stays BACKUP under our IPv6 adverts" eval '! ka_entered MASTER'
check "keepalived does not hold $VIP6" ka_lacks_vip
grep -E '\(vi6\)' "$KA_LOG" | sed 's/^/   keepalived: /' | head -n 5

echo "-- 2. SIGTERM to the node: priority 0, keepalived takes over"
node_stop
check "keepalived enters MASTER" _wait_until 2 ka_entered MASTER
check "keepalived holds $VIP6" _wait_until 2 ka_has_vip
check "the node sent priority 0 on leaving" grep -q 'prio0_sent=1' "$NODE_OUT"
ka_stop

echo "-- 3. keepalived (250) above the node (100)"
ka_start 250
sleep 0.3
node_start 100 || check "vrrp_node restarts" false
sleep 1.5 # longer than the node's Master_Down_Interval (about 720 ms)
check "node stays BACKUP under keepalived's IPv6 adverts" node_is BACKUP
node_stop
sed 's/^/   node: /' "$NODE_OUT"
check "node received keepalived's adverts, dropped none, never became master" \
    grep -qE '^STOPPED vi6 sent=0 received=[1-9][0-9]* .*master=0 .*bad_ttl=0 bad_checksum=0 bad_version=0' "$NODE_OUT"
check "keepalived ($KA_LL) stayed MASTER" eval '! grep -q "(vi6) Entering BACKUP STATE (master" "$KA_LOG"'
ka_stop
e2e_finish
