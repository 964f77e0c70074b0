# shellcheck shell=bash
# A fleet of DVS boxes behind an ECMP router (issue 16), built from real
# parts: BIRD 2 on the router and on every box, kernel multipath routes, DR
# real servers. Source tests/lib/topology.sh first, call e2e_init, then
# source this file.
#
#   PREFIX-cl  eth0 10.0.1.2/24 ---veth--- cl 10.0.1.1/24  PREFIX-gw (BIRD AS 65000,
#              default via 10.0.1.1                        merge paths on, L4 hash)
#                                          fab 10.0.9.1/24 on brf, lan 10.0.0.254/24 on br0
#   PREFIX-lbN wan 10.0.9.(10+N)/24 on brf, lan 10.0.0.(100+N)/24 on br0:
#              dvsd (one worker, af_packet ports, exception path: taps
#              dvs-wan / dvs-lan) and BIRD (AS 65001) on the taps, learning
#              the VIP routes dvsd keeps in kernel table 100
#   PREFIX-rsN eth0 10.0.0.(10+N)/24 on br0, the VIP on lo (DR), default
#              via 10.0.0.254: answers go straight back through the router
#
# The bridges brf and br0 live in PREFIX-sw. BGP: hold 3 s, keepalive 1 s,
# and BFD (100 ms x 3) on every session. The BIRD configurations the tests
# use are config/examples/bird-box.conf and bird-router.conf (rendered).
#
# FLEET_IPV6=1 (issue 15) adds IPv6 beside it, without DAD: the client
# 2001:db8:1::2/64 via the router's 2001:db8:1::1; the router 2001:db8:9::1/64
# on fab and 2001:db8:2::fe/64 on lan (forwarding, L4 multipath hash); box N
# 2001:db8:9::(10+N)/64 on wan and 2001:db8:2::(100+N)/64 on lan (dvsd's
# ports: its taps carry them, the boxes' kernels keep IPv6 off on wan/lan);
# rsN 2001:db8:2::(10+N)/64 via the router, FLEET_VIP6 on lo (DR); and a
# service web6 [FLEET_VIP6]:80 -> rsN:80 (DR, rr) on every box. BIRD
# carries it over the same sessions (MP-BGP, the ipv6 channels of the
# example configurations).

DVSADM=${DVSADM:-$DVS_SRC/build/src/dvsadm/dvsadm}
BIRD=${BIRD:-/usr/sbin/bird}
FLEET_VIP=${FLEET_VIP:-192.0.2.70}
FLEET_RS=${FLEET_RS:-3}
FLEET_VIP6=${FLEET_VIP6:-2001:db8:70::70}

declare -gA FLEET_PID=()      # N -> dvsd pid of box N
declare -gA FLEET_BIRD_PID=() # N (0 = the router) -> BIRD pid

fleet_sock() { echo "/run/dvs/$E2E_PREFIX-lb$1.sock"; }
fleet_bird_sock() { echo "/run/dvs/$E2E_PREFIX-bird$1.ctl"; }
fleet_adm() { local n=$1; shift; "$DVSADM" --socket "$(fleet_sock "$n")" "$@"; }
fleet_birdc() { local n=$1; shift; birdc -s "$(fleet_bird_sock "$n")" "$@"; }
fleet_log() { echo "$E2E_DIR/lb$1.log"; }
fleet_indent() { sed "s/^/   /"; }

# fleet_topo_up NUM_BOXES: namespaces, bridges, router addresses, real servers'
# interfaces (boxes are plugged in by fleet_box_plug, so a box can join later).
fleet_topo_up() {
    local nboxes=$1 prefix=$E2E_PREFIX i ns
    topo_down "$prefix"
    local gw=$prefix-gw cl=$prefix-cl sw=$prefix-sw
    for ns in "$gw" "$cl" "$sw"; do
        ip netns add "$ns" && _topo_ns_setup "$ns" || return 1
    done
    ip -n "$sw" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0 || return 1
    ip -n "$sw" link add brf type bridge stp_state 0 forward_delay 0 mcast_snooping 0 || return 1
    ip -n "$sw" link set br0 up && ip -n "$sw" link set brf up || return 1

    ip link add cl netns "$gw" type veth peer name eth0 netns "$cl" || return 1
    _topo_if_prep "$gw" cl && _topo_if_prep "$cl" eth0 || return 1
    ip -n "$cl" addr add 10.0.1.2/24 dev eth0 || return 1
    ip -n "$cl" route add default via 10.0.1.1 || return 1
    ip -n "$gw" addr add 10.0.1.1/24 dev cl || return 1
    _topo_plug "$sw" "$gw" fab p-gwf brf && ip -n "$gw" addr add 10.0.9.1/24 dev fab || return 1
    _topo_plug "$sw" "$gw" lan p-gw br0 && ip -n "$gw" addr add 10.0.0.254/24 dev lan || return 1
    # Forwarding with an L4 hash over the boxes; the servers' answers come
    # in on lan from the VIP, whose route points at the boxes: no rp_filter.
    _topo_sysctl "$gw" net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1 || return 1
    _topo_rp_filter_off "$gw" cl fab lan || return 1

    for ((i = 1; i <= FLEET_RS; i++)); do
        ns=$prefix-rs$i
        ip netns add "$ns" && _topo_ns_setup "$ns" || return 1
        _topo_plug "$sw" "$ns" eth0 "p-rs$i" br0 || return 1
        ip -n "$ns" addr add "10.0.0.$((10 + i))/24" dev eth0 || return 1
        ip -n "$ns" route add default via 10.0.0.254 || return 1
        _topo_sysctl "$ns" net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
            net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2 || return 1
        ip -n "$ns" addr add "$FLEET_VIP/32" dev lo || return 1
    done
    if [[ ${FLEET_IPV6:-0} == 1 ]]; then _fleet_ipv6_up || return 1; fi
    # FLEET_PLUG: boxes to wire (default all): more than run, for one to join.
    for ((i = 1; i <= ${FLEET_PLUG:-$nboxes}; i++)); do fleet_box_plug "$i" || return 1; done
    topo_log "fleet: router, client, $FLEET_RS real servers, $nboxes boxes"
}

# _fleet_ipv6_up: the IPv6 half of fleet_topo_up (FLEET_IPV6=1).
_fleet_ipv6_up() {
    local prefix=$E2E_PREFIX gw=$E2E_PREFIX-gw i
    _topo_ipv6_on "$gw" fab && _topo_ipv6_on "$gw" lan && _topo_ipv6_on "$gw" cl || return 1
    _topo_sysctl "$gw" net.ipv6.conf.all.forwarding=1 net.ipv6.fib_multipath_hash_policy=1 || return 1
    ip -n "$gw" -6 addr add 2001:db8:1::1/64 dev cl nodad || return 1
    ip -n "$gw" -6 addr add 2001:db8:9::1/64 dev fab nodad || return 1
    ip -n "$gw" -6 addr add 2001:db8:2::fe/64 dev lan nodad || return 1
    # The client and the servers as in the single-box topology, the servers'
    # gateway being the router.
    topo_add_ipv6 "$prefix" "$FLEET_RS" 2001:db8:2::fe || return 1
    for ((i = 1; i <= FLEET_RS; i++)); do
        # IPv6 addresses are per interface: the server answers ND for the
        # VIP on lo only, so the boxes alone own it on the wire.
        ip -n "$prefix-rs$i" -6 addr add "$FLEET_VIP6/128" dev lo nodad || return 1
    done
}

# fleet_box_plug N: PREFIX-lbN with wan on brf and lan on br0.
fleet_box_plug() {
    local n=$1 ns=$E2E_PREFIX-lb$1 sw=$E2E_PREFIX-sw
    ip netns add "$ns" && _topo_ns_setup "$ns" || return 1
    _topo_plug "$sw" "$ns" wan "p-lb${n}f" brf || return 1
    _topo_plug "$sw" "$ns" lan "p-lb$n" br0 || return 1
}

# fleet_dvsd_config N: E2E_DIR/lbN.yaml from config/examples/fleet-box.yaml.in.
fleet_dvsd_config() {
    local n=$1
    render_config "$DVS_SRC/config/examples/fleet-box.yaml.in" "$E2E_DIR/lb$n.yaml" \
        "FILE_PREFIX=$E2E_PREFIX-lb$n" "WAN=10.0.9.$((10 + n))" "LAN=10.0.0.$((100 + n))" \
        "SOCKET=$(fleet_sock "$n")" "BIRD_SOCKET=$(fleet_bird_sock "$n")" \
        "START_DRAINED=${FLEET_START_DRAINED:-false}" "GRACE=${FLEET_GRACE:-2s}" \
        "HEALTH_INTERVAL=${FLEET_HEALTH_INTERVAL:-500ms}" || return 1
    [[ ${FLEET_IPV6:-0} == 1 ]] || return 0
    local yaml=$E2E_DIR/lb$n.yaml i
    sed -i -e "s|addresses: \[10.0.9.$((10 + n))/24\]|addresses: [10.0.9.$((10 + n))/24, \"2001:db8:9::$((10 + n))/64\"]|" \
        -e "s|addresses: \[10.0.0.$((100 + n))/24\]|addresses: [10.0.0.$((100 + n))/24, \"2001:db8:2::$((100 + n))/64\"]|" "$yaml"
    {
        printf '  - name: web6\n    vip: "%s"\n    port: 80\n    protocol: tcp\n    scheduler: rr\n    real_servers:\n' "$FLEET_VIP6"
        for ((i = 1; i <= FLEET_RS; i++)); do
            printf '      - { address: "2001:db8:2::%d", port: 80, forward: dr }\n' $((10 + i))
        done
    } >>"$yaml"
    grep -q "2001:db8:9::$((10 + n))/64" "$yaml" || { topo_log "box $n: no IPv6 address in $yaml"; return 1; }
}

# fleet_bird_start N: BIRD in box N (or the router for N = 0), foreground,
# its log in E2E_DIR/birdN.log.
fleet_bird_start() {
    local n=$1 ns conf boxes="" i
    conf=$E2E_DIR/bird$n.conf
    if ((n == 0)); then
        ns=$E2E_PREFIX-gw
        for ((i = 1; i <= ${FLEET_MAX_BOXES:-4}; i++)); do
            boxes+="protocol bgp box$i from box { neighbor 10.0.9.$((10 + i)) as 65001; }"$'\n'
        done
        render_config "$DVS_SRC/config/examples/bird-router.conf" "$conf" "BOXES=$boxes" || return 1
    else
        ns=$E2E_PREFIX-lb$n
        render_config "$DVS_SRC/config/examples/bird-box.conf" "$conf" \
            "ROUTER_ID=10.0.9.$((10 + n))" "LOCAL=10.0.9.$((10 + n))" || return 1
    fi
    rm -f "$(fleet_bird_sock "$n")"
    ip netns exec "$ns" "$BIRD" -f -c "$conf" -s "$(fleet_bird_sock "$n")" \
        -P "$E2E_DIR/bird$n.pid" </dev/null >"$E2E_DIR/bird$n.log" 2>&1 &
    FLEET_BIRD_PID[$n]=$!
    _wait_until 10 test -S "$(fleet_bird_sock "$n")" ||
        { topo_log "BIRD $n did not open its socket"; tail -n 20 "$E2E_DIR/bird$n.log" >&2; return 1; }
}

# fleet_dvsd_start N: dvsd in box N; waits for "dvsd ready".
fleet_dvsd_start() {
    local n=$1 log pid rc=0
    log=$(fleet_log "$n")
    fleet_dvsd_config "$n" || return 1
    dpdk_cleanup "$E2E_PREFIX-lb$n"
    mkdir -p /run/dvs
    ip netns exec "$E2E_PREFIX-lb$n" "$DVSD" --config "$E2E_DIR/lb$n.yaml" \
        --stats-file "$E2E_DIR/lb$n-stats.json" --log-level "${DVSD_LOG_LEVEL:-info}" \
        </dev/null >"$log" 2>&1 &
    pid=$!
    FLEET_PID[$n]=$pid
    _dvsd_wait_ready "$pid" "$log" 1 || rc=$?
    ((rc == 0)) || { FLEET_PID[$n]=; return 1; }
    topo_log "box $n: dvsd ready (pid $pid)"
}

# fleet_box_start N: dvsd, then its BIRD (BGP goes over dvsd's exception path).
fleet_box_start() { fleet_dvsd_start "$1" && fleet_bird_start "$1"; }

# fleet_route VIP: the router's kernel route to VIP (either family).
fleet_route() {
    local family=-4
    [[ $1 == *:* ]] && family=-6
    ip -n "$E2E_PREFIX-gw" "$family" route show "$1"
}
# fleet_paths [VIP]: how many next hops the router's kernel has for the VIP
# (default FLEET_VIP; an IPv6 one works the same).
fleet_paths() {
    fleet_route "${1:-$FLEET_VIP}" 2>/dev/null |
        awk '/nexthop/ { n++ } /^[0-9a-f]/ && /via/ { n++ } END { print n + 0 }'
}
fleet_paths_are() { [[ $(fleet_paths "${2:-$FLEET_VIP}") == "$1" ]]; }
# fleet_path_via N [VIP]: the router's route to the VIP goes through box N.
fleet_path_via() {
    local vip=${2:-$FLEET_VIP} via=10.0.9.$((10 + $1))
    [[ $vip == *:* ]] && via=2001:db8:9::$((10 + $1))
    fleet_route "$vip" | grep -q "via $via "
}

# fleet_up NUM_BOXES: the whole fleet; waits until the router has a path per box.
fleet_up() {
    local nboxes=$1 i
    fleet_topo_up "$nboxes" || { echo "FAIL: could not build the fleet topology"; exit 1; }
    RS_HTTP_EXTRA_PORTS=80 rs_start_servers "$E2E_PREFIX" "$FLEET_RS" "$E2E_DIR/rs" ||
        { echo "FAIL: real servers did not come up"; exit 1; }
    fleet_bird_start 0 || { echo "FAIL: the router's BIRD did not start"; exit 1; }
    for ((i = 1; i <= nboxes; i++)); do
        fleet_box_start "$i" || { echo "FAIL: box $i did not start"; exit 1; }
    done
    if ! _wait_until 30 fleet_paths_are "$nboxes"; then
        echo "FAIL: the router has $(fleet_paths) paths to $FLEET_VIP, not $nboxes"
        ip -n "$E2E_PREFIX-gw" route show "$FLEET_VIP"
        fleet_birdc 0 show protocols
        exit 1
    fi
    echo "   router: $(ip -n "$E2E_PREFIX-gw" route show "$FLEET_VIP" | tr -s ' \n' ' ')"
}

# fleet_kill9 N: SIGKILL box N's dvsd (its BIRD stays, its interfaces go).
fleet_kill9() {
    local n=$1 pid=${FLEET_PID[$1]:-}
    [[ -n $pid ]] || return 1
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    FLEET_PID[$n]=
}

# fleet_stop N: SIGTERM dvsd N (bounded); returns its status.
fleet_stop() {
    local n=$1 pid=${FLEET_PID[$1]:-} rc=0
    [[ -n $pid ]] || return 0
    _dvsd_stop_pid "$pid" || rc=$?
    FLEET_PID[$n]=
    dpdk_cleanup "$E2E_PREFIX-lb$n"
    return "$rc"
}

# fleet_stat N KEY: a total from box N's stats (SIGUSR1).
fleet_stat() {
    local n=$1 key=$2 pid=${FLEET_PID[$1]:-} stats=$E2E_DIR/lb$1-stats.json
    [[ -n $pid ]] || { echo 0; return; }
    rm -f "$stats"
    kill -USR1 "$pid" 2>/dev/null || { echo 0; return; }
    _wait_until 5 test -s "$stats" || { echo 0; return; }
    dvs_py show_stats.py "$stats" get "$key" 0
}

_fleet_cleanup() {
    local n
    for n in "${!FLEET_PID[@]}"; do
        [[ -n ${FLEET_PID[$n]} ]] && fleet_stop "$n" >/dev/null 2>&1
    done
    for n in "${!FLEET_BIRD_PID[@]}"; do
        kill "${FLEET_BIRD_PID[$n]}" 2>/dev/null
        wait "${FLEET_BIRD_PID[$n]}" 2>/dev/null
        rm -f "$(fleet_bird_sock "$n")"
    done
    for n in 1 2 3 4; do dpdk_cleanup "$E2E_PREFIX-lb$n"; done
    if [[ $1 -ne 0 && $1 -ne 77 ]]; then
        for n in "${!FLEET_PID[@]}"; do
            echo "-- box $n log tail:"
            tail -n 15 "$(fleet_log "$n")" 2>/dev/null
        done
    fi
}
E2E_CLEANUP_HOOKS+=(_fleet_cleanup)

# fleet_downloads_start COUNT RATE: COUNT paced downloads of /blob (the server
# sends RATE bytes/s) from the client, in the background, each on its own
# connection (its own source port, so the router hashes each separately).
declare -ga FLEET_DL_PIDS=()
fleet_downloads_start() {
    local count=$1 rate=$2 i
    mkdir -p "$E2E_DIR/dl"
    FLEET_DL_PIDS=()
    for ((i = 1; i <= count; i++)); do
        ip netns exec "$E2E_PREFIX-cl" curl -sS --max-time 80 -o "$E2E_DIR/dl/$i.bin" \
            -w '%{http_code} %{size_download}\n' "http://$FLEET_VIP/blob?rate=$rate" \
            >"$E2E_DIR/dl/$i.out" 2>&1 &
        FLEET_DL_PIDS+=($!)
    done
}

# fleet_downloads_wait: waits for the downloads (in this shell: they are
# its children).
fleet_downloads_wait() {
    local pid
    for pid in "${FLEET_DL_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}

# fleet_downloads_intact COUNT: after fleet_downloads_wait, prints how many
# arrived whole (HTTP 200, full size, the blob's sha256).
fleet_downloads_intact() {
    local count=$1 i want_sha got code size ok=0
    want_sha=$(sha256sum "$E2E_DIR/rs/blob-${RS_BLOB_MB}MiB.bin" | cut -d' ' -f1)
    for ((i = 1; i <= count; i++)); do
        read -r code size <"$E2E_DIR/dl/$i.out" || true
        got=$(sha256sum "$E2E_DIR/dl/$i.bin" 2>/dev/null | cut -d' ' -f1) || got=""
        if [[ ${code:-} == 200 && $got == "$want_sha" ]]; then
            ok=$((ok + 1))
        else
            echo "   download $i: $(head -c 200 "$E2E_DIR/dl/$i.out" | tr '\n' ' ') size ${size:-?}" >&2
        fi
        rm -f "$E2E_DIR/dl/$i.bin"
    done
    echo "$ok"
}

# fleet_stop_checked N...: SIGTERM each box (withdraw, grace, stop) and check
# it exited 0.
fleet_stop_checked() {
    local n rc
    for n in "$@"; do
        rc=0
        fleet_stop "$n" || rc=$?
        check "box $n stopped cleanly on SIGTERM (status $rc)" test "$rc" -eq 0
    done
}
