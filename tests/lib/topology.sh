# shellcheck shell=bash
# Network-namespace topology and process helpers for DVS end-to-end tests and
# the demo. Source this file; it defines functions only (plus a few globals).
#
#   PREFIX-cl  eth0 10.0.1.2/24 ---veth--- wan  PREFIX-lb  lan ---veth--- p-lb
#              default via 10.0.1.1          (dvsd, no kernel IPs)          |
#                                                                     PREFIX-sw: br0
#   PREFIX-rsN eth0 10.0.0.(10+N)/24 ---veth--- p-rsN ---------------------'
#              default via 10.0.0.1
#
# With `topo_up PREFIX NUM_RS direct` (for DR and TUN, whose real servers
# answer the client directly, not through dvsd) a router namespace is added:
#
#   PREFIX-gw  lan 10.0.0.254/24 (on br0) ---  cl 10.0.2.1/24 ---veth--- eth1 10.0.2.2/24 PREFIX-cl
#              10.0.1.0/24 via 10.0.2.2, forwarding on
#
# and rs_mode (below) gives DR/TUN real servers a route 10.0.1.0/24 via
# 10.0.0.254. Client -> VIP still goes through dvsd (wan); RS -> client comes
# back through the gw into the client's eth1. rp_filter is off in the client
# and the gw (asymmetric paths). NAT real servers keep default via 10.0.0.1.
#
# Interface names inside namespaces are fixed (wan, lan, eth0), so one config
# template serves every test; only the namespace names carry PREFIX.
# All waits are bounded; functions return non-zero on failure, never hang.

# ip, ethtool and sysctl live in sbin, which a non-login PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac

DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DVS_LIB=${DVS_LIB:-$DVS_SRC/tests/lib}
DVSD=${DVSD:-$DVS_SRC/build/src/control/dvsd}
DVS_PY=${DVS_PY:-/usr/bin/python3}

DVSD_PID=${DVSD_PID:-}
DVSD_LOG=${DVSD_LOG:-}
DVSD_STATS=${DVSD_STATS:-}
DVSD_FILE_PREFIX=${DVSD_FILE_PREFIX:-}
DVSD_READY_TIMEOUT=${DVSD_READY_TIMEOUT:-30}
DVSD_STOP_TIMEOUT=${DVSD_STOP_TIMEOUT:-15}
RS_BLOB_MB=${RS_BLOB_MB:-50}
RS_READY_TIMEOUT=${RS_READY_TIMEOUT:-30}

topo_log() { printf '[topo] %s\n' "$*" >&2; }

# topo_namespaces PREFIX -> the existing namespaces of PREFIX, one a line
# (fg: the sync forger of e2e_ha_forged_sync).
topo_namespaces() {
    local prefix=$1
    ip netns list 2>/dev/null | awk '{print $1}' |
        grep -E "^${prefix}-(lb|lb[0-9]+|ka|fg|cl|sw|gw|rs[0-9]+|ha[0-9]+)$" || true
}

# _topo_ns_setup NS: lo up, IPv6 off (before any interface arrives).
_topo_ns_setup() {
    local ns=$1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 &&
        ip -n "$ns" link set lo up
}

# _topo_if_prep NS IF: offloads off (veth sends partial checksums otherwise),
# IPv6 off on the interface, link up.
_topo_if_prep() {
    local ns=$1 ifname=$2
    ip netns exec "$ns" ethtool -K "$ifname" tx off tso off gso off gro off >/dev/null 2>&1 || {
        topo_log "ethtool -K $ifname in $ns failed"
        ip netns exec "$ns" ethtool -K "$ifname" tx off tso off gso off gro off
        return 1
    }
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.${ifname}.disable_ipv6=1" 2>/dev/null || true
    ip -n "$ns" link set "$ifname" up
}

# _topo_sysctl NS KEY=VALUE...: set sysctls inside NS.
_topo_sysctl() {
    local ns=$1 kv
    shift
    for kv in "$@"; do
        ip netns exec "$ns" sysctl -qw "$kv" >/dev/null ||
            { topo_log "sysctl $kv in $ns failed"; return 1; }
    done
}

# _topo_rp_filter_off NS [IF...]: rp_filter 0 on all, default and each IF
# (the effective value is the maximum of "all" and the interface's).
_topo_rp_filter_off() {
    local ns=$1 ifname
    shift
    _topo_sysctl "$ns" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 || return 1
    for ifname in "$@"; do
        _topo_sysctl "$ns" "net.ipv4.conf.${ifname}.rp_filter=0" || return 1
    done
}

# topo_up PREFIX NUM_RS [direct]
#   direct: also the PREFIX-gw router and the client's eth1 (see the top).
topo_up() {
    local prefix=$1 nrs=$2 mode=${3:-} ns i
    if [[ -z $prefix || ! $nrs =~ ^[0-9]+$ || $nrs -lt 1 || ! $mode =~ ^(|direct)$ ]]; then
        topo_log "usage: topo_up PREFIX NUM_RS [direct]"
        return 2
    fi
    topo_down "$prefix"

    local lb=$prefix-lb cl=$prefix-cl sw=$prefix-sw gw=$prefix-gw
    local all=("$lb" "$cl" "$sw")
    [[ $mode == direct ]] && all+=("$gw")
    for ((i = 1; i <= nrs; i++)); do all+=("$prefix-rs$i"); done

    for ns in "${all[@]}"; do
        ip netns add "$ns" || { topo_log "ip netns add $ns failed"; return 1; }
        _topo_ns_setup "$ns" || { topo_log "set-up of $ns failed"; return 1; }
    done

    # Switch: a plain L2 bridge, no STP, forwarding at once.
    ip -n "$sw" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0 ||
        return 1
    ip -n "$sw" link set br0 up || return 1

    # lb <-> client, lb <-> switch (created directly inside the namespaces).
    ip link add wan netns "$lb" type veth peer name eth0 netns "$cl" || return 1
    ip link add lan netns "$lb" type veth peer name p-lb netns "$sw" || return 1
    _topo_if_prep "$lb" wan || return 1
    _topo_if_prep "$cl" eth0 || return 1
    _topo_if_prep "$lb" lan || return 1
    _topo_if_prep "$sw" p-lb || return 1
    ip -n "$sw" link set p-lb master br0 || return 1

    ip -n "$cl" addr add 10.0.1.2/24 dev eth0 || return 1
    ip -n "$cl" route add default via 10.0.1.1 || return 1

    for ((i = 1; i <= nrs; i++)); do
        ns=$prefix-rs$i
        ip link add eth0 netns "$ns" type veth peer name "p-rs$i" netns "$sw" || return 1
        _topo_if_prep "$ns" eth0 || return 1
        _topo_if_prep "$sw" "p-rs$i" || return 1
        ip -n "$sw" link set "p-rs$i" master br0 || return 1
        ip -n "$ns" addr add "10.0.0.$((10 + i))/24" dev eth0 || return 1
        ip -n "$ns" route add default via 10.0.0.1 || return 1
    done

    if [[ $mode == direct ]]; then
        # gw: "lan" on the bridge (10.0.0.254), "cl" to the client's eth1.
        ip link add lan netns "$gw" type veth peer name p-gw netns "$sw" || return 1
        ip link add cl netns "$gw" type veth peer name eth1 netns "$cl" || return 1
        _topo_if_prep "$gw" lan || return 1
        _topo_if_prep "$sw" p-gw || return 1
        _topo_if_prep "$gw" cl || return 1
        _topo_if_prep "$cl" eth1 || return 1
        ip -n "$sw" link set p-gw master br0 || return 1
        ip -n "$gw" addr add 10.0.0.254/24 dev lan || return 1
        ip -n "$gw" addr add 10.0.2.1/24 dev cl || return 1
        ip -n "$gw" route add 10.0.1.0/24 via 10.0.2.2 dev cl || return 1
        _topo_sysctl "$gw" net.ipv4.ip_forward=1 || return 1
        _topo_rp_filter_off "$gw" lan cl || return 1
        # The client: replies from the VIP arrive on eth1 although the VIP
        # is reached through eth0.
        ip -n "$cl" addr add 10.0.2.2/24 dev eth1 || return 1
        _topo_rp_filter_off "$cl" eth0 eth1 || return 1
    fi
    topo_log "up: ${all[*]}"
}

# topo_add_ipv6_direct PREFIX NUM_RS VIP6: the IPv6 half of `topo_up ...
# direct` (after topo_add_ipv6): the gw routes between the servers' subnet
# (lan 2001:db8:2::fe/64) and the client's eth1 (2001:db8:3::1/64 <->
# 2001:db8:3::2/64); each rsN holds VIP6/128 on lo and answers the client
# (2001:db8:1::/64) through the gw. The servers answer ND for the VIP on lo
# only (IPv6 addresses are per interface), so dvsd alone owns it on the wire.
topo_add_ipv6_direct() {
    local prefix=$1 nrs=$2 vip6=$3 gw=$1-gw cl=$1-cl ns i
    _topo_ipv6_on "$gw" lan && _topo_ipv6_on "$gw" cl || return 1
    ip netns exec "$gw" sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
    ip -n "$gw" -6 addr add 2001:db8:2::fe/64 dev lan nodad || return 1
    ip -n "$gw" -6 addr add 2001:db8:3::1/64 dev cl nodad || return 1
    ip -n "$gw" -6 route add 2001:db8:1::/64 via 2001:db8:3::2 dev cl || return 1
    _topo_ipv6_on "$cl" eth1 || return 1
    ip -n "$cl" -6 addr add 2001:db8:3::2/64 dev eth1 nodad || return 1
    for ((i = 1; i <= nrs; i++)); do
        ns=$prefix-rs$i
        ip -n "$ns" -6 addr add "$vip6/128" dev lo nodad || return 1
        ip -n "$ns" -6 route add 2001:db8:1::/64 via 2001:db8:2::fe dev eth0 || return 1
    done
}

# _topo_ipv6_on NS IF: IPv6 on (on IF and lo), without DAD.
_topo_ipv6_on() {
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
        net.ipv6.conf.default.accept_dad=0 "net.ipv6.conf.$2.accept_dad=0" &&
        ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
            "net.ipv6.conf.$2.disable_ipv6=0" "net.ipv6.conf.lo.disable_ipv6=0"
}

# topo_add_ipv6 PREFIX NUM_RS [RS_GATEWAY]: IPv6 in the client and the real
# servers (the namespaces start with it off): client 2001:db8:1::2/64
# (default via dvsd's 2001:db8:1::1), rsN 2001:db8:2::(10+N)/64 (default via
# RS_GATEWAY, dvsd's 2001:db8:2::1 unless given); no duplicate address
# detection (nodad, accept_dad=0), so the addresses are usable at once.
# dvsd's namespace keeps IPv6 off: its kernel must not answer Neighbor
# Discovery beside the dataplane.
topo_add_ipv6() {
    local prefix=$1 nrs=$2 rs_gw=${3:-2001:db8:2::1} ns i
    _topo_ipv6_on "$prefix-cl" eth0 || return 1
    ip -n "$prefix-cl" -6 addr add 2001:db8:1::2/64 dev eth0 nodad || return 1
    ip -n "$prefix-cl" -6 route add default via 2001:db8:1::1 dev eth0 || return 1
    for ((i = 1; i <= nrs; i++)); do
        ns=$prefix-rs$i
        _topo_ipv6_on "$ns" eth0 || return 1
        ip -n "$ns" -6 addr add "2001:db8:2::$((10 + i))/64" dev eth0 nodad || return 1
        ip -n "$ns" -6 route add default via "$rs_gw" dev eth0 || return 1
    done
}

# http_answered NS URL COUNT: how many of COUNT new HTTP requests from NS to
# URL (brackets for IPv6 taken literally) are answered 200.
http_answered() {
    local ok=0 i
    for ((i = 0; i < $3; i++)); do
        [[ $(ip netns exec "$1" curl -sS -g -m 3 -o /dev/null -w '%{http_code}' "$2" 2>/dev/null) == 200 ]] &&
            ok=$((ok + 1))
    done
    echo "$ok"
}

# topo_add_mgmt PREFIX ADDRESS/LEN: a management interface for dvsd's own
# sockets (health checks): veth "mgmt" in PREFIX-lb, with a kernel address,
# plugged into the switch next to the real servers. The DPDK ports keep no
# kernel address; arp_ignore=1 keeps the kernel from answering ARP for the
# mgmt address on them. Not part of the default topology.
topo_add_mgmt() {
    local prefix=$1 address=$2 lb=$1-lb sw=$1-sw
    ip link add mgmt netns "$lb" type veth peer name p-mgmt netns "$sw" || return 1
    _topo_if_prep "$lb" mgmt || return 1
    _topo_if_prep "$sw" p-mgmt || return 1
    ip -n "$sw" link set p-mgmt master br0 || return 1
    _topo_sysctl "$lb" net.ipv4.conf.all.arp_ignore=1 || return 1
    ip -n "$lb" addr add "$address" dev mgmt || return 1
    topo_log "management interface mgmt $address in $lb"
}

# _topo_plug SW NS IF PEER BRIDGE: veth IF in NS, its PEER in SW on BRIDGE.
_topo_plug() {
    local sw=$1 ns=$2 ifname=$3 peer=$4 br=$5
    ip link add "$ifname" netns "$ns" type veth peer name "$peer" netns "$sw" || return 1
    _topo_if_prep "$ns" "$ifname" || return 1
    _topo_if_prep "$sw" "$peer" || return 1
    ip -n "$sw" link set "$peer" master "$br"
}

# topo_up_ha PREFIX NUM_RS: two balancers for high availability (issue 8).
#
#   PREFIX-cl  eth0 10.0.1.2/24 (default via 10.0.1.1, the floating address)
#        |
#   brw (wan side) ---- wan  PREFIX-lb1  lan ---- br0 (lan side) ---- PREFIX-rsN
#        |          \-- wan  PREFIX-lb2  lan --/   |                  eth0 10.0.0.(10+N)/24
#        |               ha         ha             |                  default via 10.0.0.1
#        |                \-- brh --/              |
#        |               (10.0.3.1) (10.0.3.2)     |
#        `--- wan 10.0.1.254  PREFIX-gw  lan 10.0.0.254 --'   (forwarding on)
#
# The bridges br0, brw and brh live in PREFIX-sw. wan and lan of each lbX
# carry NO kernel address (dvsd reads them through net_af_packet); their
# kernel stays quiet on them (arp off, strict rp_filter, as the exception
# tests do). ha carries the kernel address 10.0.3.X/24 (VRRP adverts and the
# sync stream go through kernel sockets). PREFIX-gw routes the DR real
# servers' answers (rs_mode ... dr adds 10.0.1.0/24 via 10.0.0.254) straight
# to the client on brw. topo_add_ka adds a keepalived namespace on brh.
topo_up_ha() {
    local prefix=$1 nrs=$2 ns i n
    if [[ -z $prefix || ! $nrs =~ ^[0-9]+$ || $nrs -lt 1 ]]; then
        topo_log "usage: topo_up_ha PREFIX NUM_RS"
        return 2
    fi
    topo_down "$prefix"

    local cl=$prefix-cl sw=$prefix-sw gw=$prefix-gw
    local all=("$prefix-lb1" "$prefix-lb2" "$cl" "$sw" "$gw")
    for ((i = 1; i <= nrs; i++)); do all+=("$prefix-rs$i"); done
    for ns in "${all[@]}"; do
        ip netns add "$ns" || { topo_log "ip netns add $ns failed"; return 1; }
        _topo_ns_setup "$ns" || { topo_log "set-up of $ns failed"; return 1; }
    done

    local br
    for br in br0 brw brh; do
        ip -n "$sw" link add "$br" type bridge stp_state 0 forward_delay 0 mcast_snooping 0 ||
            return 1
        ip -n "$sw" link set "$br" up || return 1
    done

    for n in 1 2; do
        ns=$prefix-lb$n
        _topo_plug "$sw" "$ns" wan "p-lb$n-w" brw || return 1
        _topo_plug "$sw" "$ns" lan "p-lb$n-l" br0 || return 1
        _topo_plug "$sw" "$ns" ha "p-lb$n-h" brh || return 1
        local ifname
        for ifname in wan lan; do
            _topo_sysctl "$ns" "net.ipv4.conf.$ifname.rp_filter=1" || return 1
            ip -n "$ns" link set dev "$ifname" arp off || return 1
        done
        ip -n "$ns" addr add "10.0.3.$n/24" dev ha || return 1
    done

    _topo_plug "$sw" "$cl" eth0 p-cl brw || return 1
    ip -n "$cl" addr add 10.0.1.2/24 dev eth0 || return 1
    ip -n "$cl" route add default via 10.0.1.1 || return 1

    for ((i = 1; i <= nrs; i++)); do
        ns=$prefix-rs$i
        _topo_plug "$sw" "$ns" eth0 "p-rs$i" br0 || return 1
        ip -n "$ns" addr add "10.0.0.$((10 + i))/24" dev eth0 || return 1
        ip -n "$ns" route add default via 10.0.0.1 || return 1
    done

    _topo_plug "$sw" "$gw" lan p-gw br0 || return 1
    _topo_plug "$sw" "$gw" wan p-gww brw || return 1
    ip -n "$gw" addr add 10.0.0.254/24 dev lan || return 1
    ip -n "$gw" addr add 10.0.1.254/24 dev wan || return 1
    _topo_sysctl "$gw" net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
        net.ipv4.conf.default.send_redirects=0 || return 1
    # DR answers come from the VIP, which the gw has no route back to.
    _topo_rp_filter_off "$gw" lan wan || return 1
    topo_log "up (ha): ${all[*]}"
}

# topo_add_ka PREFIX: namespace PREFIX-ka with veth ha 10.0.3.3/24 on the HA
# bridge brh (a keepalived peer). After topo_up_ha.
topo_add_ka() {
    local prefix=$1 ns=$1-ka sw=$1-sw
    ip netns add "$ns" || { topo_log "ip netns add $ns failed"; return 1; }
    _topo_ns_setup "$ns" || return 1
    ip link add ha netns "$ns" type veth peer name p-ka-h netns "$sw" || return 1
    _topo_if_prep "$ns" ha || return 1
    _topo_if_prep "$sw" p-ka-h || return 1
    ip -n "$sw" link set p-ka-h master brh || return 1
    ip -n "$ns" addr add 10.0.3.3/24 dev ha || return 1
    topo_log "keepalived namespace $ns: ha 10.0.3.3/24 on brh"
}

# rs_mode PREFIX N MODE VIP...: prepare real server rsN of PREFIX for
# forwarding method MODE (nat | dr | tun) of the given VIPs. Needs the
# `direct` topology for dr and tun.
#   nat: nothing (default route via the balancer, 10.0.0.1).
#   dr:  arp_ignore=1 / arp_announce=2 (all and eth0), each VIP/32 on lo,
#        route 10.0.1.0/24 via the gw 10.0.0.254 (replies bypass dvsd).
#   tun: the same ARP sysctls and VIPs on lo, rp_filter off (all, default,
#        eth0, lo, tunl-dvs), tests/lib/ipip_decap.py (the test
#        kernel has no ipip module) feeding tun device tunl-dvs, and the same
#        route. The decapsulator logs to RS_MODE_DIR (default E2E_DIR or /tmp)
#        /ipip-rsN.log and is stopped by topo_down.
RS_DECAP_DEV=${RS_DECAP_DEV:-tunl-dvs}
RS_MODE_DIR=${RS_MODE_DIR:-}
declare -gA RS_DECAP_PIDS=() # N -> pid of rsN's ipip_decap.py
rs_mode() {
    if (($# < 3)); then
        topo_log "usage: rs_mode PREFIX N nat|dr|tun VIP..."
        return 2
    fi
    local prefix=$1 n=$2 mode=$3 vip
    shift 3
    local ns=$prefix-rs$n
    local vips=("$@")
    case $mode in
        nat) return 0 ;;
        dr | tun) ;;
        *) topo_log "rs_mode: unknown mode '$mode' (nat, dr, tun)"; return 2 ;;
    esac
    if ((${#vips[@]} == 0)); then
        topo_log "rs_mode $mode: no VIP given"
        return 2
    fi
    if ! ip netns list | awk '{print $1}' | grep -qx -- "$prefix-gw"; then
        topo_log "rs_mode $mode: no $prefix-gw: build the topology with topo_up $prefix N direct"
        return 1
    fi
    # Never answer ARP for an address that is not on the asking interface
    # (the VIP is on lo), never use the VIP as the source of our own ARP.
    # Essential for DR (same segment as dvsd); TUN servers here share the
    # segment too, so they hide the VIP the same way.
    _topo_sysctl "$ns" net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
        net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2 || return 1
    if [[ $mode == tun ]]; then
        _topo_rp_filter_off "$ns" eth0 lo || return 1
    fi
    for vip in "${vips[@]}"; do
        ip -n "$ns" addr add "$vip/32" dev lo || { topo_log "rs$n: VIP $vip on lo failed"; return 1; }
    done
    ip -n "$ns" route replace 10.0.1.0/24 via 10.0.0.254 dev eth0 ||
        { topo_log "rs$n: route to the client side via 10.0.0.254 failed (topo_up ... direct?)"; return 1; }
    if [[ $mode == tun ]]; then
        _rs_start_decap "$prefix" "$n" || return 1
    fi
    topo_log "rs$n: $mode for ${vips[*]}"
}

_decap_ready() { grep -q 'ipip_decap ready' "$1" 2>/dev/null; }

# rs_tun6 PREFIX N: rsN as an IPv6 TUN real server: ipip_decap.py --ipv6
# (IPv6-in-IPv6; the test kernel has no ip6tnl) feeding tun device
# RS_DECAP_DEV. The VIP on lo and the route back to the client through the
# gw come from topo_add_ipv6_direct. Stopped by rs_decap_stop or topo_down.
rs_tun6() {
    _rs_start_decap "$1" "$2" --ipv6 || return 1
    topo_log "rs$2: tun (IPv6-in-IPv6)"
}

# _rs_start_decap PREFIX N [ARG...]: run ipip_decap.py (with ARGs) in rsN,
# wait until it is ready.
_rs_start_decap() {
    local prefix=$1 n=$2 ns=$1-rs$2 pid
    shift 2
    local dir=${RS_MODE_DIR:-${E2E_DIR:-/tmp}}
    local log=$dir/ipip-rs$n.log
    mkdir -p "$dir"
    if [[ ! -c /dev/net/tun ]]; then
        if ! { mkdir -p /dev/net && mknod /dev/net/tun c 10 200 && chmod 0666 /dev/net/tun; }; then
            topo_log "no /dev/net/tun and mknod failed"
            return 1
        fi
    fi
    ip netns exec "$ns" "$DVS_PY" "$DVS_LIB/ipip_decap.py" --dev "$RS_DECAP_DEV" "$@" \
        </dev/null >"$log" 2>&1 &
    pid=$!
    if ! _wait_until 10 _decap_ready "$log"; then
        topo_log "rs$n: ipip_decap.py not ready within 10s; log:"
        tail -n 20 "$log" >&2 || true
        kill "$pid" 2>/dev/null || true
        return 1
    fi
    # The inner packets arrive on the tun device, the route back is eth0.
    _topo_rp_filter_off "$ns" "$RS_DECAP_DEV" || return 1
    _topo_sysctl "$ns" "net.ipv4.conf.$RS_DECAP_DEV.accept_local=1" || return 1
    RS_DECAP_PIDS[$n]=$pid
    topo_log "rs$n: ipip_decap.py pid $pid on $RS_DECAP_DEV (log $log)"
}

# topo_down PREFIX: kill everything in PREFIX's namespaces and delete them.
# Never fails.
topo_down() {
    local prefix=${1:-} ns pids pid tries
    [[ -n $prefix ]] || return 0
    local nss
    nss=$(topo_namespaces "$prefix")
    [[ -n $nss ]] || return 0
    for sig in TERM KILL; do
        for ns in $nss; do
            pids=$(ip netns pids "$ns" 2>/dev/null || true)
            for pid in $pids; do kill "-$sig" "$pid" 2>/dev/null || true; done
        done
        # Up to ~3 s for the processes to go before the next signal.
        for ((tries = 0; tries < 30; tries++)); do
            pids=""
            for ns in $nss; do pids+=$(ip netns pids "$ns" 2>/dev/null || true); done
            [[ -z $pids ]] && break
            sleep 0.1
        done
        [[ -z $pids ]] && break
    done
    for ns in $nss; do
        ip netns del "$ns" 2>/dev/null || true
    done
    topo_log "down: $(echo "$nss" | tr '\n' ' ')"
    return 0
}

# _wait_until TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds.
_wait_until() {
    local timeout=$1 deadline
    shift
    deadline=$((SECONDS + timeout))
    while ((SECONDS < deadline)); do
        "$@" && return 0
        sleep 0.1
    done
    "$@"
}

_rs_answers() {
    local ns=$1 ip=$2 name=$3 got
    got=$(ip netns exec "$ns" curl -s --max-time 2 "http://$ip:8080/whoami" 2>/dev/null) || return 1
    [[ $got == "$name" ]]
}

# rs_start_servers PREFIX NUM_RS DIR: HTTP :8080 and UDP echo :5353 in each
# rsN (name rsN), logs in DIR; waits until each answers over HTTP.
# RS_HTTP_EXTRA_PORTS="80 ..." makes every server listen on those too (DR
# and TUN cannot change the port: the VIP port must be the RS port).
# RS_IPV6=1 makes rsN serve on its IPv6 address (topo_add_ipv6) as well,
# and on each address of RS_IPV6_VIPS (DR: the VIP on its loopback).
RS_HTTP_EXTRA_PORTS=${RS_HTTP_EXTRA_PORTS:-}
RS_IPV6=${RS_IPV6:-}
RS_IPV6_VIPS=${RS_IPV6_VIPS:-}
rs_start_servers() {
    local prefix=$1 nrs=$2 dir=$3 i ns ip pid port
    local pids=() extra=() v6=()
    for port in $RS_HTTP_EXTRA_PORTS; do extra+=(--extra-http-port "$port"); done
    mkdir -p "$dir"
    for ((i = 1; i <= nrs; i++)); do
        ns=$prefix-rs$i
        v6=()
        if [[ -n $RS_IPV6 ]]; then
            v6=(--bind6 "2001:db8:2::$((10 + i))")
            for port in $RS_IPV6_VIPS; do v6+=(--bind6 "$port"); done
        fi
        ip netns exec "$ns" "$DVS_PY" "$DVS_LIB/rs_server.py" --name "rs$i" "${v6[@]}" \
            --http-port 8080 "${extra[@]}" --udp-port 5353 --blob-mb "$RS_BLOB_MB" --dir "$dir" \
            </dev/null >"$dir/rs$i.log" 2>&1 &
        pids+=($!)
    done
    for ((i = 1; i <= nrs; i++)); do
        ns=$prefix-rs$i
        ip=10.0.0.$((10 + i))
        pid=${pids[$((i - 1))]}
        if ! _wait_until "$RS_READY_TIMEOUT" _rs_answers "$ns" "$ip" "rs$i"; then
            topo_log "real server rs$i ($ip) did not answer within ${RS_READY_TIMEOUT}s"
            kill -0 "$pid" 2>/dev/null || topo_log "rs$i exited"
            tail -n 20 "$dir/rs$i.log" >&2 || true
            return 1
        fi
    done
    topo_log "real servers up: rs1..rs$nrs (HTTP :8080, UDP :5353, blob ${RS_BLOB_MB} MiB)"
}

# render_config TEMPLATE OUT KEY=VALUE...: replace every @KEY@ in TEMPLATE.
# Fails if a placeholder is left over.
render_config() {
    local tmpl=$1 out=$2 kv key val text
    shift 2
    text=$(<"$tmpl") || return 1
    for kv in "$@"; do
        key=${kv%%=*}
        val=${kv#*=}
        text=${text//"@${key}@"/"$val"}
    done
    if grep -qE '@[A-Z_][A-Z0-9_]*@' <<<"$text"; then
        topo_log "render_config: unreplaced placeholders in $tmpl: $(grep -oE '@[A-Z_][A-Z0-9_]*@' <<<"$text" | sort -u | tr '\n' ' ')"
        return 1
    fi
    printf '%s\n' "$text" >"$out"
}

# _pid_gone PID: true once PID has exited (or is a zombie).
_pid_gone() { ! _pid_alive "$1"; }

# _pid_alive PID: true while PID runs (a zombie counts as exited).
_pid_alive() {
    local state
    [[ -r /proc/$1/stat ]] || return 1
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z && $state != X ]]
}

# dpdk_cleanup FILE_PREFIX: remove hugepage files and the runtime dir a DPDK
# process with FILE_PREFIX left behind (only when no process uses them).
dpdk_cleanup() {
    local fp=${1:-} f
    [[ -n $fp ]] || return 0
    for f in /dev/hugepages/"${fp}"map_*; do
        [[ -e $f ]] || continue
        rm -f "$f" 2>/dev/null || true
    done
    rm -rf "/var/run/dpdk/${fp:?}" 2>/dev/null || true
    return 0
}

# dvsd_start PREFIX CONFIG STATSFILE LOG [EXTRA_ARGS...]: run dvsd inside
# PREFIX-lb in the background; wait for "dvsd ready" in LOG.
dvsd_start() {
    local prefix=$1 config=$2 stats=$3 log=$4
    shift 4
    if [[ ! -x $DVSD ]]; then
        topo_log "dvsd binary not found at $DVSD (build first: scripts/build.sh)"
        return 1
    fi
    DVSD_LOG=$log
    DVSD_STATS=$stats
    DVSD_FILE_PREFIX=$(grep -oE -- '--file-prefix=[^", ]+' "$config" | head -n1 | cut -d= -f2 || true)
    mkdir -p /run/dvs "$(dirname "$log")" "$(dirname "$stats")"
    dpdk_cleanup "$DVSD_FILE_PREFIX"
    ip netns exec "$prefix-lb" "$DVSD" --config "$config" --stats-file "$stats" \
        --log-level "${DVSD_LOG_LEVEL:-info}" "$@" </dev/null >"$log" 2>&1 &
    DVSD_PID=$!
    local rc=0
    _dvsd_wait_ready "$DVSD_PID" "$log" 1 || rc=$?
    case $rc in
        0) topo_log "dvsd ready (pid $DVSD_PID, log $log)" ;;
        1) DVSD_PID= ;;
        *) dvsd_stop || true ;;
    esac
    return $((rc == 0 ? 0 : 1))
}

# _dvsd_wait_ready PID LOG FROM_LINE: wait (DVSD_READY_TIMEOUT) for "dvsd
# ready" in LOG at or after line FROM_LINE. 0: ready; 1: PID exited first
# (reaped); 2: timed out (PID left running). Prints the log tail on failure.
_dvsd_wait_ready() {
    local pid=$1 log=$2 from=$3 rc=0
    local deadline=$((SECONDS + DVSD_READY_TIMEOUT))
    while ((SECONDS < deadline)); do
        tail -n +"$from" "$log" 2>/dev/null | grep -q 'dvsd ready' && return 0
        if ! _pid_alive "$pid"; then
            wait "$pid" 2>/dev/null || rc=$?
            topo_log "dvsd $pid exited (status $rc) before it was ready; log tail:"
            tail -n 30 "$log" >&2 || true
            return 1
        fi
        sleep 0.1
    done
    topo_log "dvsd $pid not ready after ${DVSD_READY_TIMEOUT}s; log tail:"
    tail -n 30 "$log" >&2 || true
    return 2
}

# _dvsd_find_pid PREFIX: dvsd's pid in PREFIX-lb (when DVSD_PID is unknown).
_dvsd_find_pid() {
    local pid
    for pid in $(ip netns pids "$1-lb" 2>/dev/null); do
        if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dvsd* ]]; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}

# dvsd_stats PREFIX STATSFILE [TIMEOUT_S]: SIGUSR1, wait for a fresh stats file.
dvsd_stats() {
    local prefix=$1 stats=${2:-$DVSD_STATS} timeout=${3:-10} pid=$DVSD_PID
    if [[ -z $pid ]] || ! _pid_alive "$pid"; then
        pid=$(_dvsd_find_pid "$prefix") || { topo_log "dvsd is not running"; return 1; }
    fi
    rm -f "$stats"
    kill -USR1 "$pid" || return 1
    local deadline=$((SECONDS + timeout))
    while ((SECONDS < deadline)); do
        [[ -s $stats ]] && return 0
        _pid_alive "$pid" || { topo_log "dvsd died on SIGUSR1"; tail -n 20 "$DVSD_LOG" >&2 || true; return 1; }
        sleep 0.1
    done
    topo_log "stats file $stats not written within ${timeout}s of SIGUSR1"
    return 1
}

# dvsd_stop: SIGTERM, wait (bounded), then SIGKILL. Returns dvsd's exit status
# (0 on a clean stop; 137 after SIGKILL). No-op if not running.
dvsd_stop() {
    local pid=$DVSD_PID rc=0
    [[ -n $pid ]] || return 0
    _dvsd_stop_pid "$pid" || rc=$?
    DVSD_PID=
    dpdk_cleanup "$DVSD_FILE_PREFIX"
    return "$rc"
}

# _dvsd_stop_pid PID: SIGTERM, wait (DVSD_STOP_TIMEOUT), then SIGKILL; reap
# PID and return its exit status.
_dvsd_stop_pid() {
    local pid=$1 rc=0
    if _pid_alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + DVSD_STOP_TIMEOUT))
        while ((SECONDS < deadline)) && _pid_alive "$pid"; do sleep 0.1; done
        if _pid_alive "$pid"; then
            topo_log "dvsd $pid did not stop within ${DVSD_STOP_TIMEOUT}s of SIGTERM; SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.2
        fi
    fi
    wait "$pid" 2>/dev/null || rc=$?
    return "$rc"
}

# dvs_py SCRIPT ARGS...: run one of tests/lib/*.py with Debian's python.
dvs_py() {
    local script=$1
    shift
    "$DVS_PY" "$DVS_LIB/$script" "$@"
}

# json_field JSON KEY: a top-level field of a JSON object (numbers, strings).
json_field() {
    "$DVS_PY" -c 'import json,sys; v=json.loads(sys.argv[1]); k=sys.argv[2]
for p in k.split("."): v = v[int(p)] if isinstance(v, list) else v.get(p, 0)
print(json.dumps(v) if isinstance(v,(dict,list)) else v)' "$1" "$2"
}

# e2e_base_yaml PREFIX [WORKERS [CONN_CAPACITY [MBUFS]]]: the dataplane,
# ports and management sections of a dvsd on topo_up's balancer (wan and
# lan through net_af_packet, 10.0.1.1 and 10.0.0.1, the socket
# /run/dvs/PREFIX.sock), which a test's configuration starts with.
e2e_base_yaml() {
    local prefix=$1 workers=${2:-1} capacity=${3:-16384} mbufs=${4:-4095}
    cat <<YAML
dataplane:
  eal: ["--no-pci", "--file-prefix=$prefix", "--vdev=net_af_packet0,iface=wan,qdisc_bypass=0", "--vdev=net_af_packet1,iface=lan,qdisc_bypass=0"]
  workers: $workers
  conn_capacity: $capacity
  mbufs: $mbufs
  idle_sleep_us: 20
ports:
  - { name: wan, device: net_af_packet0, addresses: [10.0.1.1/24] }
  - { name: lan, device: net_af_packet1, addresses: [10.0.0.1/24] }
management: { socket: /run/dvs/$prefix.sock }
YAML
}

# e2e_web_service_yaml SCHEDULER: "services:" and the head of the service
# most tests balance, web on 192.0.2.10:80/tcp; its health_check and
# real_servers follow.
e2e_web_service_yaml() {
    cat <<YAML
services:
  - name: web
    vip: 192.0.2.10
    port: 80
    protocol: tcp
    scheduler: $1
YAML
}

# ------------------------------------------------------------------ e2e glue
# e2e_init NAME: standard start of an e2e test: skip (77) unless root and the
# tools are there, fail if dvsd is not built, make E2E_DIR, set the EXIT trap.
# The test may define e2e_cleanup_extra to run before the generic clean-up.
E2E_PREFIX=${E2E_PREFIX:-}
E2E_DIR=${E2E_DIR:-}
E2E_FAILS=0
# Functions called with the exit status by the EXIT trap, after
# e2e_cleanup_extra and before the topology goes (tests/lib/ha.sh adds one).
E2E_CLEANUP_HOOKS=()

e2e_init() {
    E2E_NAME=$1
    E2E_PREFIX=$2
    echo "== $E2E_NAME (namespaces $E2E_PREFIX-*)"
    if [[ $(id -u) -ne 0 ]]; then
        echo "SKIP: needs root (network namespaces, hugepages)"
        exit 77
    fi
    local tool
    for tool in ip ethtool curl "$DVS_PY"; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "SKIP: $tool not installed (run scripts/setup.sh)"
            exit 77
        fi
    done
    # E2E_NO_DVSD=1: a test of the test plumbing itself (no dvsd, no hugepages).
    if [[ ${E2E_NO_DVSD:-0} != 1 ]]; then
        if [[ ! -x $DVSD ]]; then
            echo "FAIL: dvsd not built at $DVSD"
            exit 1
        fi
        local free
        free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
        if [[ -z $free || $free -lt 256 ]]; then
            echo "FAIL: only ${free:-0} free hugepages (run scripts/setup.sh)"
            exit 1
        fi
    fi
    # One stream, in order, in meson's log.
    exec 2>&1
    E2E_DIR=$(mktemp -d "/tmp/dvs-$E2E_NAME.XXXXXX")
    trap _e2e_cleanup EXIT
    trap 'exit 130' INT TERM
}

_e2e_cleanup() {
    local rc=$?
    set +e
    if declare -F e2e_cleanup_extra >/dev/null; then e2e_cleanup_extra; fi
    local hook
    for hook in "${E2E_CLEANUP_HOOKS[@]}"; do "$hook" "$rc"; done
    if [[ -n $DVSD_PID ]]; then dvsd_stop >/dev/null 2>&1; fi
    topo_down "$E2E_PREFIX" 2>/dev/null
    # The blobs are large and reproducible: never keep them.
    if [[ -n $E2E_DIR ]]; then rm -f "$E2E_DIR"/rs/blob-*; fi
    if [[ $rc -ne 0 && $rc -ne 77 && -n $E2E_DIR ]]; then
        echo "-- artefacts kept in $E2E_DIR"
        if [[ -n $DVSD_LOG && -f $DVSD_LOG ]]; then
            echo "-- dvsd log tail:"
            tail -n 40 "$DVSD_LOG"
        fi
    elif [[ -n $E2E_DIR ]]; then
        rm -rf "$E2E_DIR"
    fi
    exit "$rc"
}

# e2e_require TOOL...: skip the test (77) unless every TOOL is installed.
e2e_require() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (scripts/setup.sh)"; exit 77; }
    done
}

# check DESCRIPTION CMD...: print and run a check; count failures.
check() {
    local what=$1
    shift
    if "$@"; then
        echo "  ok   $what"
    else
        echo "  FAIL $what"
        E2E_FAILS=$((E2E_FAILS + 1))
    fi
}

# e2e_finish: exit 0 if every check passed, else 1.
e2e_finish() {
    if ((E2E_FAILS == 0)); then
        echo "PASS: $E2E_NAME"
        exit 0
    fi
    echo "FAIL: $E2E_NAME ($E2E_FAILS check(s) failed)"
    exit 1
}

# e2e_stats FILE: SIGUSR1 to dvsd, print the stats; a failure ends the test.
e2e_stats() {
    local file=$1
    if dvsd_stats "$E2E_PREFIX" "$file"; then
        echo "  ok   dvsd wrote its stats on SIGUSR1"
        dvs_py show_stats.py "$file" | sed 's/^/   /'
    else
        echo "  FAIL dvsd wrote its stats on SIGUSR1"
        E2E_FAILS=$((E2E_FAILS + 1))
        e2e_finish
    fi
}

# e2e_setup WORKERS [NUM_RS]: render the config, bring up the topology, start
# the real servers and dvsd; any failure ends the test with FAIL (exit 1).
e2e_setup() {
    local workers=$1 nrs=${2:-3}
    e2e_config "$E2E_DIR/dvs.yaml" "$workers" ||
        { echo "FAIL: could not render the configuration"; exit 1; }
    topo_up "$E2E_PREFIX" "$nrs" ||
        { echo "FAIL: could not build the namespace topology"; exit 1; }
    rs_start_servers "$E2E_PREFIX" "$nrs" "$E2E_DIR/rs" ||
        { echo "FAIL: real servers did not come up"; exit 1; }
    dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
        { echo "FAIL: dvsd did not get ready"; exit 1; }
}

# e2e_setup_dual_stack WORKERS [NUM_RS]: e2e_setup with IPv6 on dvsd's ports
# (e2e_config_dual_stack), the client and the servers (topo_add_ipv6);
# the servers serve IPv6 when RS_IPV6=1 is exported.
e2e_setup_dual_stack() {
    local workers=$1 nrs=${2:-3}
    e2e_config_dual_stack "$E2E_DIR/dvs.yaml" "$workers" ||
        { echo "FAIL: could not render the dual-stack configuration"; exit 1; }
    topo_up "$E2E_PREFIX" "$nrs" || { echo "FAIL: could not build the namespace topology"; exit 1; }
    topo_add_ipv6 "$E2E_PREFIX" "$nrs" || { echo "FAIL: could not turn IPv6 on"; exit 1; }
    rs_start_servers "$E2E_PREFIX" "$nrs" "$E2E_DIR/rs" ||
        { echo "FAIL: real servers did not come up"; exit 1; }
    dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
        { echo "FAIL: dvsd did not get ready"; exit 1; }
}

# e2e_config OUT WORKERS: render config/demo.yaml.in for this test.
e2e_config() {
    local out=$1 workers=$2
    render_config "$DVS_SRC/config/demo.yaml.in" "$out" \
        "FILE_PREFIX=$E2E_PREFIX" "WORKERS=$workers" "SOCKET=/run/dvs/$E2E_PREFIX.sock"
}

# e2e_config_dual_stack OUT WORKERS: the same with IPv6 addresses on both
# ports (wan 2001:db8:1::1/64, lan 2001:db8:2::1/64), for topo_add_ipv6.
e2e_config_dual_stack() {
    local out=$1 workers=$2
    e2e_config "$out.v4" "$workers" || return 1
    sed -e 's|addresses: \[10.0.1.1/24\]|addresses: [10.0.1.1/24, "2001:db8:1::1/64"]|' \
        -e 's|addresses: \[10.0.0.1/24\]|addresses: [10.0.0.1/24, "2001:db8:2::1/64"]|' \
        "$out.v4" >"$out"
    grep -q '2001:db8:2::1/64' "$out"
}

# e2e_downloads_failed SHA BYTES ID...: waits for downloads started in the
# background as $E2E_DIR/dl-ID.out (curl -w '%{http_code} %{size_download}'
# into dl-ID.res, its pid in DL_PIDS[ID]) and sets DL_FAILED to how many did
# not finish intact (200, BYTES bytes, sha256 SHA); names each failure and
# removes the outputs. Not in $(...): the downloads are this shell's children.
e2e_downloads_failed() {
    local sha=$1 bytes=$2 id code size got
    DL_FAILED=0
    shift 2
    for id in "$@"; do
        wait "${DL_PIDS[$id]}" || true
        read -r code size <"$E2E_DIR/dl-$id.res" || true
        got=$(sha256sum "$E2E_DIR/dl-$id.out" 2>/dev/null | cut -d' ' -f1) || got=""
        if [[ ${code:-} != 200 || ${size:-0} != "$bytes" || $got != "$sha" ]]; then
            echo "   download $id: $(cat "$E2E_DIR/dl-$id.res")"
            DL_FAILED=$((DL_FAILED + 1))
        fi
        rm -f "$E2E_DIR/dl-$id.out"
    done
}

# e2e_web6_service VIP6: the YAML of a service list entry "web6": TCP port
# 80 of VIP6, rr over the three servers' port 8080 by NAT66.
e2e_web6_service() {
    cat <<YAML
  - name: web6
    vip: "$1"
    port: 80
    protocol: tcp
    scheduler: rr
    real_servers:
      - { address: "2001:db8:2::11", port: 8080, forward: nat }
      - { address: "2001:db8:2::12", port: 8080, forward: nat }
      - { address: "2001:db8:2::13", port: 8080, forward: nat }
YAML
}

# e2e_client_checked LABEL COUNT CLIENT.py ARGS...: runs a client from
# tests/lib in the client namespace, keeps its JSON result in E2E_RES, and
# checks that all COUNT exchanges succeeded and every real server (rs1..rs3)
# took part.
e2e_client_checked() {
    local label=$1 count=$2 client=$3
    shift 3
    E2E_RES=$(ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/$client" "$@") || true
    echo "   $E2E_RES"
    [[ -n $E2E_RES ]] || E2E_RES='{"ok":0,"failed":'"$count"',"by_server":{}}'
    local ok failed n rs
    ok=$(json_field "$E2E_RES" ok)
    failed=$(json_field "$E2E_RES" failed)
    check "all $count $label succeeded (ok=$ok failed=$failed)" \
        test "$ok" -eq "$count" -a "$failed" -eq 0
    for rs in rs1 rs2 rs3; do
        n=$(json_field "$E2E_RES" "by_server.$rs")
        check "$rs served some ($n)" test "$n" -gt 0
    done
}

# e2e_stop_checked: SIGTERM dvsd and check it exits cleanly.
e2e_stop_checked() {
    local rc=0
    dvsd_stop || rc=$?
    check "dvsd stopped cleanly on SIGTERM (status $rc)" test "$rc" -eq 0
}

# e2e_setup_direct TEMPLATE WORKERS NUM_RS SPEC...: e2e_setup for tests with
# DR/TUN real servers. Renders TEMPLATE (a path, e.g. tests/e2e/dr.yaml.in),
# builds `topo_up PREFIX NUM_RS direct`, starts the real servers, applies each
# SPEC "N:MODE:VIP[,VIP...]" with rs_mode, then starts dvsd. Any failure ends
# the test with FAIL (exit 1).
e2e_setup_direct() {
    local template=$1 workers=$2 nrs=$3 spec n mode vips
    shift 3
    render_config "$template" "$E2E_DIR/dvs.yaml" \
        "FILE_PREFIX=$E2E_PREFIX" "WORKERS=$workers" "SOCKET=/run/dvs/$E2E_PREFIX.sock" ||
        { echo "FAIL: could not render the configuration"; exit 1; }
    topo_up "$E2E_PREFIX" "$nrs" direct ||
        { echo "FAIL: could not build the namespace topology"; exit 1; }
    rs_start_servers "$E2E_PREFIX" "$nrs" "$E2E_DIR/rs" ||
        { echo "FAIL: real servers did not come up"; exit 1; }
    for spec in "$@"; do
        IFS=: read -r n mode vips <<<"$spec"
        # shellcheck disable=SC2086 # the VIP list is split on purpose
        RS_MODE_DIR=$E2E_DIR rs_mode "$E2E_PREFIX" "$n" "$mode" ${vips//,/ } ||
            { echo "FAIL: could not prepare rs$n for $mode"; exit 1; }
    done
    dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
        { echo "FAIL: dvsd did not get ready"; exit 1; }
}

# e2e_check_shares JSON TOTAL rs1=W1 rs2=W2 ...: each server's share of the
# answers in JSON (by_server) is within 5 points of its weight's share.
e2e_check_shares() {
    local res=$1 total=$2 kv rs w total_w=0 n share want
    shift 2
    for kv in "$@"; do total_w=$((total_w + ${kv#*=})); done
    for kv in "$@"; do
        rs=${kv%%=*}
        w=${kv#*=}
        n=$(json_field "$res" "by_server.$rs")
        share=$(awk -v n="$n" -v t="$total" 'BEGIN { printf "%.1f", 100 * n / t }')
        want=$(awk -v w="$w" -v t="$total_w" 'BEGIN { printf "%.1f", 100 * w / t }')
        check "$rs share ${share}% within 5 points of ${want}% (weight $w)" \
            awk -v a="$share" -v b="$want" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 5) }'
    done
}

# e2e_direct_traffic_checked VIP REQUESTS: the traffic every forwarding
# method must carry: REQUESTS HTTP requests on new connections spread 3:2:1
# over rs1..rs3, 30 UDP datagrams to VIP:5353 answered from the VIP, and the
# RS_BLOB_MB blob intact.
e2e_direct_traffic_checked() {
    local vip=$1 requests=$2
    echo "-- $requests requests to http://$vip/whoami"
    e2e_client_checked requests "$requests" http_client.py \
        --url "http://$vip/whoami" --count "$requests" --timeout 3 --deadline 90
    e2e_check_shares "$E2E_RES" "$requests" rs1=3 rs2=2 rs3=1
    echo "-- 30 datagrams to $vip:5353"
    e2e_client_checked datagrams 30 udp_client.py --addr "$vip" --port 5353 --count 30 \
        --timeout 2 --retries 0
    e2e_blob_checked "http://$vip/blob"
}

# e2e_blob_checked URL: GET the RS_BLOB_MB MiB blob through URL with curl in
# the client namespace; checks HTTP 200, size and sha256.
e2e_blob_checked() {
    local url=$1 out code size secs speed got_sha local_sha
    local_sha=$(sha256sum "$E2E_DIR/rs/blob-${RS_BLOB_MB}MiB.bin" | cut -d' ' -f1)
    echo "-- GET $url (${RS_BLOB_MB} MiB)"
    out=$(ip netns exec "$E2E_PREFIX-cl" curl -sS -g --max-time 90 -o "$E2E_DIR/blob.out" \
        -w '%{http_code} %{size_download} %{time_total} %{speed_download}' "$url" 2>&1) || true
    echo "   curl: $out"
    read -r code size secs speed <<<"$out" || true
    check "HTTP 200 (got ${code:-none})" test "${code:-0}" = 200
    check "received $((RS_BLOB_MB * 1048576)) bytes (got ${size:-0})" \
        test "${size:-0}" = "$((RS_BLOB_MB * 1048576))"
    got_sha=$(sha256sum "$E2E_DIR/blob.out" 2>/dev/null | cut -d' ' -f1) || got_sha=""
    check "sha256 of the download matches ($got_sha)" test "$got_sha" = "$local_sha"
    if [[ ${code:-0} == 200 ]]; then
        awk -v s="$speed" -v t="$secs" -v b="$size" \
            'BEGIN { printf "   throughput: %.1f MiB/s, %d bytes in %.2f s\n", s / 1048576, b, t }'
    fi
    rm -f "$E2E_DIR/blob.out"
}

# e2e_ipv6_service_checked VIP6 COUNT: an IPv6 service of three servers
# (rr) through dvsd, with the IPv4 web service of the same dvsd alongside:
# six HTTP requests to [VIP6]:80 reach rs1..rs3, then the RS_BLOB_MB MiB
# blob comes intact (e2e_blob_checked) while COUNT IPv4 requests to
# 192.0.2.10 run at the same time, all answered.
e2e_ipv6_service_checked() {
    local vip6=$1 count=$2 names="" rs v4_pid v4_ok
    # Six requests: rr is per worker, and with two workers one of them
    # takes at least three, so every server answers whatever the split.
    echo "-- HTTP over IPv6 to [$vip6]:80, six requests (rr over three servers)"
    for _ in 1 2 3 4 5 6; do
        names+=$(ip netns exec "$E2E_PREFIX-cl" curl -sS -g -m 5 "http://[$vip6]/whoami" 2>&1 ||
            true)" "
    done
    echo "   answered by: $names"
    for rs in rs1 rs2 rs3; do
        check "$rs answered over IPv6" grep -qw "$rs" <<<"$names"
    done
    echo "-- the blob over IPv6 while $count IPv4 requests go to 192.0.2.10"
    (
        local ok=0 code
        for ((i = 0; i < count; i++)); do
            code=$(ip netns exec "$E2E_PREFIX-cl" curl -s -o /dev/null -m 5 -w '%{http_code}' \
                http://192.0.2.10/whoami || true)
            [[ $code == 200 ]] && ok=$((ok + 1))
            sleep 0.2
        done
        echo "$ok" >"$E2E_DIR/v4.ok"
    ) &
    v4_pid=$!
    e2e_blob_checked "http://[$vip6]/blob"
    wait "$v4_pid" || true
    v4_ok=$(cat "$E2E_DIR/v4.ok" 2>/dev/null || echo 0)
    check "the IPv4 service answered $count of $count meanwhile (got $v4_ok)" \
        test "$v4_ok" -eq "$count"
}

# e2e_setup_ipv6_direct VIP6 METHOD SERVICE_YAML: the demo config (one
# worker) with IPv6 addresses on both ports plus SERVICE_YAML (services
# list items), the `direct` topology with IPv6 (the servers hold VIP6 on lo
# and answer through the gw), the real servers (RS_IPV6, RS_IPV6_VIPS,
# RS_HTTP_EXTRA_PORTS as exported by the test), then dvsd. METHOD is only
# named in failure messages. Any failure ends the test with FAIL.
e2e_setup_ipv6_direct() {
    local vip6=$1 method=$2 services=$3
    e2e_config "$E2E_DIR/dvs4.yaml" 1 || { echo "FAIL: could not render the configuration"; exit 1; }
    sed -e 's|addresses: \[10.0.1.1/24\]|addresses: [10.0.1.1/24, "2001:db8:1::1/64"]|' \
        -e 's|addresses: \[10.0.0.1/24\]|addresses: [10.0.0.1/24, "2001:db8:2::1/64"]|' \
        "$E2E_DIR/dvs4.yaml" >"$E2E_DIR/dvs.yaml"
    printf '%s\n' "$services" >>"$E2E_DIR/dvs.yaml"
    topo_up "$E2E_PREFIX" 3 direct || { echo "FAIL: could not build the namespace topology"; exit 1; }
    topo_add_ipv6 "$E2E_PREFIX" 3 || { echo "FAIL: could not turn IPv6 on"; exit 1; }
    topo_add_ipv6_direct "$E2E_PREFIX" 3 "$vip6" ||
        { echo "FAIL: could not route IPv6 for $method"; exit 1; }
    rs_start_servers "$E2E_PREFIX" 3 "$E2E_DIR/rs" ||
        { echo "FAIL: real servers did not come up"; exit 1; }
}

# e2e_upload_checked URL MB MTU [-6]: PUT MB MiB of random bytes to URL
# (a real server's /upload) from the client; checks that a server answered
# with the whole body's length and sha256, and that afterwards the client's
# route cache to the URL's host holds `mtu MTU` (path MTU discovery through
# the balancer). -6: the host is IPv6 (in brackets in URL).
e2e_upload_checked() {
    local url=$1 mb=$2 mtu=$3 family=${4:-} host before after answer up_sha t0
    local got_sha got_len got_name fam=()
    [[ -n $family ]] && fam=("$family")
    host=${url#http://}
    host=${host%%/*}
    host=${host#[}
    host=${host%]}
    echo "-- PUT $url (${mb} MiB, path MTU discovery)"
    before=$(ip -n "$E2E_PREFIX-cl" "${fam[@]}" route get "$host" | tr -s ' \n' ' ')
    echo "   route before: $before"
    head -c $((mb * 1048576)) /dev/urandom >"$E2E_DIR/upload.bin"
    up_sha=$(sha256sum "$E2E_DIR/upload.bin" | cut -d' ' -f1)
    t0=$SECONDS
    answer=$(ip netns exec "$E2E_PREFIX-cl" curl -sS -g --max-time 60 -T "$E2E_DIR/upload.bin" \
        "$url" 2>&1) || true
    echo "   answer after $((SECONDS - t0)) s: $answer"
    read -r got_sha got_len got_name <<<"$answer" || true
    check "upload answered by a real server (${got_name:-none})" test -n "${got_name:-}"
    check "server got $((mb * 1048576)) bytes (${got_len:-0})" \
        test "${got_len:-0}" = "$((mb * 1048576))"
    check "sha256 of the uploaded body matches ($up_sha)" test "${got_sha:-}" = "$up_sha"
    after=$(ip -n "$E2E_PREFIX-cl" "${fam[@]}" route get "$host" | tr -s ' \n' ' ')
    echo "   route after: $after"
    check "client route cache to $host holds mtu $mtu" grep -qE "(^| )mtu $mtu( |\$)" <<<"$after"
}

# if_mac NS IF: the MAC address of IF in NS.
if_mac() {
    ip -n "$1" -o link show dev "$2" | grep -oE 'link/ether [0-9a-f:]+' | cut -d' ' -f2
}

# rs_decap_stop N: SIGTERM rsN's ipip_decap.py, wait (bounded) and print its
# final counts line (JSON) from the log. Returns 1 if there is none.
rs_decap_stop() {
    local n=$1 pid=${RS_DECAP_PIDS[$1]:-} log
    log=${RS_MODE_DIR:-${E2E_DIR:-/tmp}}/ipip-rs$n.log
    if [[ -n $pid ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        _wait_until 5 _pid_gone "$pid" || true
        wait "$pid" 2>/dev/null || true
        unset "RS_DECAP_PIDS[$n]"
    fi
    grep 'ipip_decap counts ' "$log" 2>/dev/null | tail -n1 | sed 's/^ipip_decap counts //' | grep .
}
