#!/usr/bin/env bash
# e2e_vrrp_keepalived: our VRRPv3 (src/control/vrrp_*) against keepalived,
# without dvsd. Two namespaces on one bridge:
#
#   PREFIX-ha1 eth0 10.0.3.1/24  vrrp_node (tests/ha/vrrp_node.cpp)
#   PREFIX-ha2 eth0 10.0.3.2/24  keepalived -P (VRRPv3, foreground)
#   PREFIX-sw  br0
#
# Same VRID 51, same address list (10.0.3.100), advert interval 200 ms on
# both sides. vrrp_node only reports its state (stdout lines); keepalived
# shows its by adding or removing the VIP on its eth0 and in its log.
# Checks, each from both sides:
#  1. node 200 vs keepalived 100: node MASTER, keepalived BACKUP (no VIP);
#  2. SIGTERM to the node: it sends priority 0 and keepalived takes over
#     within ~Skew_Time (measured);
#  3. the node again (preempt): it takes the master role back after its
#     Master_Down_Interval and keepalived drops the VIP (measured);
#  4. keepalived restarted with priority 250: it preempts the node, which
#     becomes BACKUP on the higher-priority advert (measured); keepalived
#     stopped: its priority 0 hands the role back to the node (measured);
#  5. keepalived 100 again, under the node; then a split brain (the bridge
#     stops flooding multicast to keepalived, which becomes MASTER too): the
#     node answers each lower-priority advert at once with an advert and
#     gratuitous ARPs, and when flooding is back keepalived steps down;
#  6. kill -9 of the node (no priority 0): keepalived takes over after its
#     Master_Down_Interval, 3 x 200 ms + skew (measured).
# Needs root and keepalived (scripts/setup.sh installs it).
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

export E2E_NO_DVSD=1
e2e_init e2e_vrrp_keepalived dvsV1
VRRP_NODE=${VRRP_NODE:-$DVS_SRC/build/tests/ha/vrrp_node}
KEEPALIVED=$(command -v keepalived || echo /usr/sbin/keepalived)
if [[ ! -x $KEEPALIVED ]]; then
    echo "SKIP: keepalived is not installed (run scripts/setup.sh)"
    exit 77
fi
if ! command -v tcpdump >/dev/null; then
    echo "SKIP: tcpdump is not installed (run scripts/setup.sh)"
    exit 77
fi
if [[ ! -x $VRRP_NODE ]]; then
    echo "FAIL: vrrp_node not built at $VRRP_NODE"
    exit 1
fi
P=$E2E_PREFIX
NODE_NS=$P-ha1
KA_NS=$P-ha2
VRID=51
VIP=10.0.3.100
INTERVAL_MS=200

NODE_PID=""
NODE_OUT=""
NODE_RUN=0
KA_PID=""
KA_RUN=0

e2e_cleanup_extra() {
    [[ -n $NODE_PID ]] && kill -9 "$NODE_PID" 2>/dev/null
    [[ -n $KA_PID ]] && kill "$KA_PID" 2>/dev/null
    # keepalived removes its VIP and exits on SIGTERM; topo_down kills the rest.
    [[ -n $KA_PID ]] && _wait_until 3 _pid_gone "$KA_PID"
    return 0
}

# ------------------------------------------------------------------ topology
topo_down "$P"
for ns in "$NODE_NS" "$KA_NS" "$P-sw"; do
    ip netns add "$ns" && _topo_ns_setup "$ns" || { echo "FAIL: namespace $ns"; exit 1; }
done
ip -n "$P-sw" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
ip -n "$P-sw" link set br0 up
n=1
for ns in "$NODE_NS" "$KA_NS"; do
    ip link add eth0 netns "$ns" type veth peer name "p-ha$n" netns "$P-sw"
    _topo_if_prep "$ns" eth0 && _topo_if_prep "$P-sw" "p-ha$n" || { echo "FAIL: veth in $ns"; exit 1; }
    ip -n "$P-sw" link set "p-ha$n" master br0
    ip -n "$ns" addr add "10.0.3.$n/24" dev eth0
    n=$((n + 1))
done

# ------------------------------------------------------------------ helpers
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# node_start PRIORITY [ARGS...]: vrrp_node in NODE_NS, output in NODE_OUT.
node_start() {
    local prio=$1
    shift
    NODE_RUN=$((NODE_RUN + 1))
    NODE_OUT=$E2E_DIR/node$NODE_RUN.out
    ip netns exec "$NODE_NS" "$VRRP_NODE" --interface eth0 --name vi51 --vrid "$VRID" \
        --priority "$prio" --interval-ms "$INTERVAL_MS" --address "$VIP" "$@" \
        >"$NODE_OUT" 2>"$E2E_DIR/node$NODE_RUN.log" &
    NODE_PID=$!
    _wait_until 5 grep -q '^READY ' "$NODE_OUT"
}

# node_state: the state of the node's last transition (INIT before any).
node_state() {
    local s
    s=$(awk '$1 == "TRANSITION" {s = $4} END {print s}' "$NODE_OUT" 2>/dev/null)
    echo "${s:-INIT}"
}
node_is() { [[ $(node_state) == "$1" ]]; }
node_transitions() { grep -c '^TRANSITION ' "$NODE_OUT" || true; }

node_stop() { # SIGNAL
    kill "-$1" "$NODE_PID" 2>/dev/null || true
    _wait_until 5 _pid_gone "$NODE_PID"
    wait "$NODE_PID" 2>/dev/null || true
    NODE_PID=""
}

# ka_start PRIORITY: keepalived (VRRP only, foreground) in KA_NS.
ka_start() {
    local prio=$1 dir
    KA_RUN=$((KA_RUN + 1))
    dir=$E2E_DIR/ka$KA_RUN
    mkdir -p "$dir"
    cat >"$dir/keepalived.conf" <<CONF
global_defs {
    router_id dvs_e2e_$KA_RUN
    vrrp_version 3
}
vrrp_instance vi51 {
    state BACKUP
    interface eth0
    virtual_router_id $VRID
    priority $prio
    advert_int 0.$((INTERVAL_MS / 100))
    virtual_ipaddress {
        $VIP/24 dev eth0
    }
}
CONF
    ip netns exec "$KA_NS" "$KEEPALIVED" -n -l -D -P -f "$dir/keepalived.conf" \
        -p "$dir/keepalived.pid" -r "$dir/vrrp.pid" >"$dir/keepalived.log" 2>&1 &
    KA_PID=$!
    KA_LOG=$dir/keepalived.log
    _wait_until 5 grep -q 'Entering BACKUP STATE\|Entering MASTER STATE' "$KA_LOG"
}

ka_stop() {
    kill -TERM "$KA_PID" 2>/dev/null || true
    _wait_until 5 _pid_gone "$KA_PID"
    wait "$KA_PID" 2>/dev/null || true
    KA_PID=""
}

ka_has_vip() { ip -n "$KA_NS" -4 addr show dev eth0 2>/dev/null | grep -q " $VIP/"; }
ka_no_vip() { ! ka_has_vip; }
ka_says() { grep -q "$1" "$KA_LOG"; }
ka_last_state() { grep -o 'Entering [A-Z]* STATE' "$KA_LOG" | tail -n1 | awk '{print $2}'; }

# measure TIMEOUT_MS CMD...: poll CMD every ~10 ms; prints the milliseconds
# it took, returns non-zero on timeout.
measure() {
    local timeout=$1 t0 t
    shift
    t0=$(now_ms)
    while :; do
        if "$@"; then
            echo $(($(now_ms) - t0))
            return 0
        fi
        t=$(now_ms)
        if ((t - t0 > timeout)); then
            echo "timeout"
            return 1
        fi
        sleep 0.01
    done
}

# The adverts on the bridge, with epoch timestamps: the takeover times on
# the wire, without our polling and keepalived's netlink work in them.
# --immediate-mode: no buffering, so the file is complete when we read it.
WIRE=$E2E_DIR/wire.txt
ip netns exec "$P-sw" tcpdump -i br0 --immediate-mode -l -nn -tt proto 112 \
    >"$WIRE" 2>"$E2E_DIR/tcpdump.log" &
_wait_until 5 grep -q 'listening on' "$E2E_DIR/tcpdump.log" ||
    { echo "FAIL: tcpdump did not start"; cat "$E2E_DIR/tcpdump.log"; exit 1; }

# wire_gap FROM TO AFTER: ms from FROM's last advert before TO's first
# advert after epoch time AFTER (seconds.fraction); "n/a" if none.
wire_gap() {
    local from=$1 to=$2 after=$3
    awk -v from="$from" -v to="$to" -v after="$after" '
        $2 == "IP" && $3 == from && !seen { last = $1 }
        $2 == "IP" && $3 == to && $1 >= after && !seen { seen = $1 }
        END { if (seen && last) printf "%d", (seen - last) * 1000; else print "n/a" }' "$WIRE"
}
# in_range VALUE LO HI: VALUE is a number within [LO, HI].
in_range() { [[ $1 =~ ^[0-9]+$ ]] && (($1 >= $2 && $1 <= $3)); }
now_s() { date +%s.%N; }

# Timer and scheduling slack on a loaded 2-vCPU machine; the bounds stay
# well apart (Skew_Time + slack < Master_Down_Interval).
WIRE_SLACK_MS=150
MDI_KA_MS=$((3 * INTERVAL_MS + (256 - 100) * INTERVAL_MS / 256))

# ------------------------------------------------------------ 1. node master
echo "-- 1. node priority 200, keepalived priority 100"
ka_start 100 || { echo "FAIL: keepalived did not start"; cat "$KA_LOG"; exit 1; }
node_start 200 || { echo "FAIL: vrrp_node did not start"; cat "$E2E_DIR"/node1.log; exit 1; }
check "node becomes MASTER" _wait_until 5 node_is MASTER
sleep 2  # a few advert intervals: nobody flaps
check "node stays MASTER, 2 transitions (INIT->BACKUP->MASTER): $(node_transitions)" \
    test "$(node_transitions)" -eq 2
check "keepalived is BACKUP ($(ka_last_state))" test "$(ka_last_state)" == BACKUP
check "keepalived does not hold $VIP" ka_no_vip

# --------------------------------------------- 2. SIGTERM: priority 0 handover
echo "-- 2. SIGTERM to the node: priority-0 advert"
t_mark=$(now_s)
kill -TERM "$NODE_PID"
took=$(measure 3000 ka_has_vip) || true
echo "   keepalived holds $VIP ${took} ms after SIGTERM (its Skew_Time: $(((256 - 100) * INTERVAL_MS / 256)) ms)"
check "keepalived takes over" test "$took" != timeout
MARK_TERM=$t_mark
node_stop TERM
check "node sent a priority-0 advert: $(grep '^STOPPED' "$NODE_OUT")" grep -q 'prio0_sent=1 ' "$NODE_OUT"
check "keepalived is MASTER ($(ka_last_state))" test "$(ka_last_state)" == MASTER
check "keepalived saw priority 0" ka_says 'priority 0\|Backup received priority 0'

# -------------------------------------------------------- 3. node preempts
echo "-- 3. node priority 200 again, preempt"
t_mark=$(now_s)
node_start 200 || { echo "FAIL: vrrp_node did not start"; exit 1; }
took=$(measure 5000 ka_no_vip) || true
echo "   keepalived dropped $VIP ${took} ms after the node started (node's Master_Down_Interval: $((3 * INTERVAL_MS + (256 - 200) * INTERVAL_MS / 256)) ms)"
check "node becomes MASTER" _wait_until 3 node_is MASTER
check "node preempted keepalived: $(grep 'MASTER' "$NODE_OUT" | head -n1)" \
    grep -q 'BACKUP MASTER preempted lower priority master 10.0.3.2' "$NODE_OUT"
check "keepalived dropped $VIP" test "$took" != timeout
check "keepalived is BACKUP ($(ka_last_state))" _wait_until 2 test "$(ka_last_state)" == BACKUP

# ---------------------------------------- 4. keepalived preempts the node
echo "-- 4. keepalived priority 250"
ka_stop
ka_start 250 || { echo "FAIL: keepalived did not start"; exit 1; }
took=$(measure 5000 ka_has_vip) || true
echo "   keepalived (250) holds $VIP ${took} ms after its start"
check "keepalived becomes MASTER" test "$took" != timeout
check "node becomes BACKUP" _wait_until 3 node_is BACKUP
check "node's reason: $(grep 'MASTER BACKUP' "$NODE_OUT" | tail -n1)" \
    grep -q 'MASTER BACKUP higher priority advert from 10.0.3.2' "$NODE_OUT"
sleep 1
check "node stays BACKUP" node_is BACKUP
echo "-- 4b. keepalived (master) stopped: its priority 0 hands over"
t_mark=$(now_s)
ka_stop
took=$(measure 3000 node_is MASTER) || true
echo "   node MASTER ${took} ms after keepalived's SIGTERM (node's Skew_Time: $(((256 - 200) * INTERVAL_MS / 256)) ms)"
check "node takes over" test "$took" != timeout
MARK_KA_TERM=$t_mark
check "node's reason: $(grep 'BACKUP MASTER' "$NODE_OUT" | tail -n1)" \
    grep -q 'BACKUP MASTER master 10.0.3.2 left (priority 0)' "$NODE_OUT"

# ---------------------------------------------------- 5. split brain heals
echo "-- 5. keepalived 100; split brain: the bridge stops flooding multicast to keepalived"
ka_start 100 || { echo "FAIL: keepalived did not start"; exit 1; }
sleep 1
check "keepalived is BACKUP under the node" test "$(ka_last_state)" == BACKUP
check "node is still MASTER" node_is MASTER
garps_before=$(grep -c '^GARP ' "$NODE_OUT" || true)
bridge -n "$P-sw" link set dev p-ha2 mcast_flood off
took=$(measure 5000 ka_has_vip) || true
echo "   keepalived, deaf to the node, holds $VIP ${took} ms later"
check "keepalived becomes MASTER too (split brain)" test "$took" != timeout
sleep 0.5
check "node answers keepalived's lower-priority adverts with gratuitous ARPs ($(($(grep -c '^GARP ' "$NODE_OUT") - garps_before)))" \
    test "$(($(grep -c '^GARP ' "$NODE_OUT") - garps_before))" -ge 2
check "node logged why" grep -q '(priority 100, ours 200) loses to us, advertising at once' \
    "$E2E_DIR/node$NODE_RUN.log"
bridge -n "$P-sw" link set dev p-ha2 mcast_flood on
took=$(measure 3000 ka_no_vip) || true
echo "   flooding back on: keepalived dropped $VIP ${took} ms later"
check "keepalived steps down" test "$took" != timeout
check "keepalived is BACKUP ($(ka_last_state))" _wait_until 2 test "$(ka_last_state)" == BACKUP
check "node stayed MASTER throughout" node_is MASTER

# ------------------------------------------ 6. kill -9: master down interval
echo "-- 6. kill -9 of the node"
sleep 0.5
t_mark=$(now_s)
kill -9 "$NODE_PID"
took=$(measure 3000 ka_has_vip) || true
echo "   keepalived holds $VIP ${took} ms after kill -9 (its Master_Down_Interval: $MDI_KA_MS ms)"
check "keepalived takes over" test "$took" != timeout
MARK_KILL=$t_mark
node_stop KILL

ka_stop
sleep 0.2

# Timed on the wire (tcpdump on the bridge): the adverts themselves.
echo "-- takeover times on the wire"
SKEW_KA_MS=$(((256 - 100) * INTERVAL_MS / 256))
SKEW_NODE_MS=$(((256 - 200) * INTERVAL_MS / 256))
gap=$(wire_gap 10.0.3.1 10.0.3.2 "$MARK_TERM")
echo "   node's priority 0 -> keepalived's first advert: $gap ms (keepalived's Skew_Time $SKEW_KA_MS ms)"
check "SIGTERM: keepalived takes over after about Skew_Time, not Master_Down_Interval" \
    in_range "$gap" 0 $((SKEW_KA_MS + WIRE_SLACK_MS))
gap=$(wire_gap 10.0.3.2 10.0.3.1 "$MARK_KA_TERM")
echo "   keepalived's priority 0 -> node's first advert: $gap ms (node's Skew_Time $SKEW_NODE_MS ms)"
check "keepalived's SIGTERM: the node takes over after about Skew_Time" \
    in_range "$gap" 0 $((SKEW_NODE_MS + WIRE_SLACK_MS))
gap=$(wire_gap 10.0.3.1 10.0.3.2 "$MARK_KILL")
echo "   node's last advert -> keepalived's first advert: $gap ms (keepalived's Master_Down_Interval $MDI_KA_MS ms)"
check "kill -9: keepalived takes over after its Master_Down_Interval" \
    in_range "$gap" $((MDI_KA_MS - 10)) $((MDI_KA_MS + WIRE_SLACK_MS))

echo "-- node output"
sed 's/^/   /' "$E2E_DIR"/node*.out | grep -v '^   GARP' || true
e2e_finish
