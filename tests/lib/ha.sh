# shellcheck shell=bash
# Helpers for the high-availability end-to-end tests (issue 8): two dvsd
# instances in PREFIX-lb1 / PREFIX-lb2 of `topo_up_ha` (tests/lib/topology.sh),
# and keepalived in PREFIX-ka (topo_add_ka). Source topology.sh first, call
# e2e_init, then source this file.
#
# Each dvsd N (1 or 2) has its own EAL --file-prefix (PREFIX-lbN), management
# socket (/run/dvs/PREFIX-lbN.sock), stats file and log (E2E_DIR/lbN.log,
# appended across restarts; HA_START_LINE[N] is the first line of the current
# run). Fixed port addresses: wan 10.0.1.(2+N), lan 10.0.0.(2+N); floating:
# wan 10.0.1.1, lan 10.0.0.1; HA link 10.0.3.N.

DVSADM=${DVSADM:-$DVS_SRC/build/src/dvsadm/dvsadm}

declare -gA HA_PID=()        # N -> pid of dvsd N
declare -gA HA_START_LINE=() # N -> first log line of dvsd N's current run
declare -gA HA_KILL_TIME=()  # N -> epoch seconds (date +%s.%N) of the last ha_kill9 N
KA_PID=
KA_MON_PID=

ha_log() { echo "$E2E_DIR/lb$1.log"; }
ha_conf() { echo "$E2E_DIR/lb$1.yaml"; }
ha_sock() { echo "/run/dvs/$E2E_PREFIX-lb$1.sock"; }
ha_fprefix() { echo "$E2E_PREFIX-lb$1"; }
ha_adm() { local n=$1; shift; "$DVSADM" --socket "$(ha_sock "$n")" "$@"; }
now_epoch() { date +%s.%N; }
# quiet CMD...: CMD with its stdout discarded (for check).
quiet() { "$@" >/dev/null; }
# ms_since EPOCH [EPOCH2]: milliseconds from EPOCH to EPOCH2 (default now).
ms_between_epochs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
# log_epoch "YYYY-mm-dd HH:MM:SS.mmm": the spdlog timestamp as epoch seconds.
log_epoch() { date -d "$1" +%s.%N; }

# ha_config N PRIORITY: write E2E_DIR/lbN.yaml. Knobs (environment):
#   HA_SERVICES   the services: block (YAML text, required)
#   HA_PREEMPT    true|false (default true)     HA_ADVERT   default 200ms
#   HA_VRID       default 51                    HA_SYNC     1 (default) | 0: no sync section
#   HA_PEER       default 10.0.3.(3-N)          HA_CONN_CAPACITY, HA_MBUFS
#   HA_SECTION    0: no ha: section at all (a plain dvsd with floating addresses)
#   HA_KEY_FILE   ha.sync.key_file (default none: an unauthenticated stream)
#   HA_ON_PORT    1: ha.interface is lan's exception-path tap, not the ha link
#   HA_SYNC_IPV6  1: the sync stream over IPv6: the peer is fd00:3::(3-N) on the
#                 ha link (ha_sync_ipv6_on gives the link those addresses)
#   HA_IPV6       1: IPv6 too (ha_ipv6_on): wan 2001:db8:1::(2+N)/64 and lan
#                 2001:db8:2::(2+N)/64 fixed, 2001:db8:1::1 and 2001:db8:2::1
#                 floating, and VRRP instance vi6 (the same vrid; IPv6 is an
#                 instance of its own, RFC 5798) for them and VIP6 2001:db8:10::80
ha_config() {
    local n=$1 prio=$2 out
    out=$(ha_conf "$n")
    local peer=${HA_PEER:-$(ha_peer_of "$n")}
    [[ $peer == *:* ]] && peer="\"$peer\""
    # HA_ON_PORT=1: VRRP and the sync stream on lan's exception-path tap
    # (dvs-lan), the peer at its fixed lan address (issue 16).
    local wan6="" lan6=""
    if [[ ${HA_IPV6:-0} == 1 ]]; then
        wan6=", \"2001:db8:1::$((2 + n))/64\", \"2001:db8:1::1/64\""
        lan6=", \"2001:db8:2::$((2 + n))/64\", \"2001:db8:2::1/64\""
    fi
    {
        cat <<YAML
dataplane:
  eal: ["--no-pci", "--file-prefix=$(ha_fprefix "$n")", "--vdev=net_af_packet0,iface=wan,qdisc_bypass=0", "--vdev=net_af_packet1,iface=lan,qdisc_bypass=0"]
  workers: 1
  conn_capacity: ${HA_CONN_CAPACITY:-16384}
  mbufs: ${HA_MBUFS:-4095}
  idle_sleep_us: 20
ports:
  - { name: wan, device: net_af_packet0, addresses: [10.0.1.$((2 + n))/24, 10.0.1.1/24$wan6] }
  - { name: lan, device: net_af_packet1, addresses: [10.0.0.$((2 + n))/24, 10.0.0.1/24$lan6] }
timeouts: { tcp: 900, tcp_fin: 120, udp: 300 }
management: { socket: $(ha_sock "$n") }
YAML
        [[ ${HA_ON_PORT:-0} == 1 ]] && echo "exception_path: { enabled: true }"
        if [[ ${HA_SECTION:-1} != 0 ]]; then
            echo "ha:"
            if [[ ${HA_ON_PORT:-0} == 1 ]]; then echo "  interface: dvs-lan"; else echo "  interface: ha"; fi
            if [[ ${HA_SYNC:-1} == 1 ]]; then
                echo "  sync: { peer: $peer, port: 8848${HA_KEY_FILE:+, key_file: $HA_KEY_FILE} }"
            fi
            cat <<YAML
  vrrp:
    - name: vi1
      vrid: ${HA_VRID:-51}
      priority: $prio
      advert_interval: ${HA_ADVERT:-200ms}
      preempt: ${HA_PREEMPT:-true}
      addresses: [10.0.1.1, 10.0.0.1, 192.0.2.10]
YAML
            if [[ ${HA_IPV6:-0} == 1 ]]; then
                cat <<YAML
    - name: vi6
      vrid: ${HA_VRID:-51}
      priority: $prio
      advert_interval: ${HA_ADVERT:-200ms}
      preempt: ${HA_PREEMPT:-true}
      addresses: ["2001:db8:1::1", "2001:db8:2::1", "2001:db8:10::80"]
YAML
            fi
        fi
        printf '%s\n' "$HA_SERVICES"
    } >"$out"
}

# ha_ipv6_on: IPv6 in the client and the real servers (topo_add_ipv6: the
# client 2001:db8:1::2 via 2001:db8:1::1, rsN 2001:db8:2::(10+N) via
# 2001:db8:2::1) and on each balancer's ha link only (a link-local address,
# VRRP for IPv6's source), without DAD. wan and lan keep IPv6 off in the
# balancers' kernels: the dataplane alone speaks ND there.
ha_ipv6_on() {
    local nrs=${1:-2} n
    topo_add_ipv6 "$E2E_PREFIX" "$nrs" || return 1
    for n in 1 2; do
        ip netns exec "$E2E_PREFIX-lb$n" sysctl -qw net.ipv6.conf.ha.accept_dad=0 \
            net.ipv6.conf.ha.disable_ipv6=0 || return 1
    done
    # The link-local address appears once the link is up again.
    for n in 1 2; do
        _wait_until 3 ha_link_local "$n" ha >/dev/null || { topo_log "lb$n: no link-local on ha"; return 1; }
    done
}
# ha_sync_ipv6_on: IPv6 on each balancer's ha link, fd00:3::N/64 without
# DAD, for HA_SYNC_IPV6=1 (the sync stream over IPv6; issue 15).
ha_sync_ipv6_on() {
    local n
    for n in 1 2; do
        ip netns exec "$E2E_PREFIX-lb$n" sysctl -qw net.ipv6.conf.ha.accept_dad=0 \
            net.ipv6.conf.ha.disable_ipv6=0 || return 1
        ip -n "$E2E_PREFIX-lb$n" -6 addr add "fd00:3::$n/64" dev ha nodad || return 1
    done
}
# ha_link_local N [DEV]: lbN's IPv6 link-local address on DEV, by default
# ha.interface (the ha link, or lan's tap dvs-lan with HA_ON_PORT=1, which
# exists while dvsd runs).
ha_link_local() {
    local dev=${2:-ha}
    [[ $# -lt 2 && ${HA_ON_PORT:-0} == 1 ]] && dev=dvs-lan
    ip -n "$E2E_PREFIX-lb$1" -6 addr show dev "$dev" scope link | awk '$1 == "inet6" { sub("/.*", "", $2); print $2; f = 1 } END { exit !f }'
}

# ha_start N [EXTRA_DVSD_ARGS...]: run dvsd N in PREFIX-lbN; wait for
# "dvsd ready" in this run's part of its log. The hugepage files and the
# socket of a kill -9'd predecessor are left for dvsd to cope with unless
# HA_DPDK_CLEANUP=1.
ha_start() {
    local n=$1 log pid
    shift
    log=$(ha_log "$n")
    if [[ ! -x $DVSD ]]; then
        topo_log "dvsd binary not found at $DVSD"
        return 1
    fi
    mkdir -p /run/dvs
    [[ ${HA_DPDK_CLEANUP:-0} == 1 ]] && dpdk_cleanup "$(ha_fprefix "$n")"
    touch "$log"
    HA_START_LINE[$n]=$(($(wc -l <"$log") + 1))
    echo "---- ha_start $n $(date '+%F %T.%3N')" >>"$log"
    ip netns exec "$E2E_PREFIX-lb$n" "$DVSD" --config "$(ha_conf "$n")" \
        --stats-file "$E2E_DIR/lb$n-stats.json" --log-level "${DVSD_LOG_LEVEL:-info}" "$@" \
        </dev/null >>"$log" 2>&1 &
    pid=$!
    HA_PID[$n]=$pid
    local rc=0
    _dvsd_wait_ready "$pid" "$log" "${HA_START_LINE[$n]}" || rc=$?
    case $rc in
        0) topo_log "dvsd lb$n ready (pid $pid)" ;;
        1) HA_PID[$n]= ;;
        *) ha_stop "$n" || true ;;
    esac
    return $((rc == 0 ? 0 : 1))
}

# ha_kill9 N: SIGKILL dvsd N; HA_KILL_TIME[N] is the moment just before.
ha_kill9() {
    local n=$1 pid=${HA_PID[$1]:-}
    [[ -n $pid ]] || { topo_log "ha_kill9: lb$n not running"; return 1; }
    # shellcheck disable=SC2034 # read by the tests
    HA_KILL_TIME[$n]=$(now_epoch)
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    HA_PID[$n]=
    echo "---- kill -9 $(date '+%F %T.%3N')" >>"$(ha_log "$n")"
}

# ha_stop N: SIGTERM (bounded), then SIGKILL; returns dvsd's status.
ha_stop() {
    local n=$1 pid=${HA_PID[$1]:-} rc=0
    [[ -n $pid ]] || return 0
    _dvsd_stop_pid "$pid" || rc=$?
    HA_PID[$n]=
    return "$rc"
}

# ha_stop_checked N...: ha_stop each and check it exited 0 (clean SIGTERM).
ha_stop_checked() {
    local n rc
    for n in "$@"; do
        rc=0
        ha_stop "$n" || rc=$?
        check "lb$n stopped cleanly on SIGTERM (status $rc)" test "$rc" -eq 0
    done
}

# ha_lines N [FROM_LINE]: dvsd N's log from FROM_LINE (default: this run).
ha_lines() { tail -n +"${2:-${HA_START_LINE[$1]:-1}}" "$(ha_log "$1")"; }
# ha_mark N: the next line number of dvsd N's log (for ha_wait_log).
ha_mark() { echo $(($(wc -l <"$(ha_log "$1")") + 1)); }

# ha_wait_log N FROM_LINE PATTERN TIMEOUT_S: print the spdlog timestamp of the
# first line at or after FROM_LINE matching PATTERN (extended regex).
ha_wait_log() {
    local n=$1 from=$2 pattern=$3 timeout=$4 line
    local deadline
    deadline=$(awk -v t="$timeout" -v n="$(now_epoch)" 'BEGIN { printf "%.3f", n + t }')
    while :; do
        line=$(tail -n +"$from" "$(ha_log "$n")" | grep -m1 -E "$pattern" || true)
        if [[ -n $line ]]; then
            echo "${line:0:23}"
            return 0
        fi
        awk -v d="$deadline" -v n="$(now_epoch)" 'BEGIN { exit !(n < d) }' || return 1
        sleep 0.05
    done
}

# ha_state N [INSTANCE]: the VRRP state of INSTANCE (default vi1) after
# dvsd N's last logged transition in this run (INIT if none).
ha_state() {
    local last vi=${2:-vi1}
    last=$(ha_lines "$1" | grep -E "vrrp $vi: [A-Z]+ -> [A-Z]+" | tail -n1 |
        sed -E "s/.*vrrp $vi: [A-Z]+ -> ([A-Z]+).*/\1/")
    echo "${last:-INIT}"
}
# ha_state_is N STATE [INSTANCE]
ha_state_is() { [[ $(ha_state "$1" "${3:-vi1}") == "$2" ]]; }
# ha_adm_state N: vi1's state as `dvsadm ha` of dvsd N shows it.
ha_adm_state() {
    ha_adm "$1" ha 2>/dev/null | awk '$1 == "vi1" && $2 == "vrid" { print $4; exit }'
}
ha_adm_state_is() { [[ $(ha_adm_state "$1") == "$2" ]]; }
# ha_adm_lost N: datagrams of the peer's sync stream dvsd N saw missing.
ha_adm_lost() {
    ha_adm "$1" ha 2>/dev/null | sed -nE 's/.*lost datagrams ([0-9]+).*/\1/p'
}
# ha_transitions N [FROM_LINE]: how many VRRP transitions of vi1 dvsd N logged
# (this run, or from FROM_LINE).
ha_transitions() { ha_lines "$@" | grep -cE 'vrrp vi1: [A-Z]+ -> [A-Z]+' || true; }

# ha_conns N [ARGS...]: dvsd N's connection list, one "PROTO CLIENT VIP RS"
# line per connection, sorted (dvsadm conns; raise --limit for big tables).
ha_conns() {
    local n=$1
    shift
    ha_adm "$n" conns --limit 100000 "$@" |
        awk 'NR > 2 && NF >= 5 { print $1, $(NF - 2), $(NF - 1), $NF }' | sort
}

# _ha_cleanup RC: stop every dvsd and keepalived this library started, free
# their hugepage files; on failure print the log tails.
_ha_cleanup() {
    local rc=$1 n
    for n in "${!HA_PID[@]}"; do
        [[ -n ${HA_PID[$n]} ]] && ha_stop "$n" >/dev/null 2>&1
    done
    ka_stop >/dev/null 2>&1
    for n in 1 2; do dpdk_cleanup "$(ha_fprefix "$n")"; rm -f "$(ha_sock "$n")"; done
    if [[ $rc -ne 0 && $rc -ne 77 ]]; then
        for n in 1 2; do
            [[ -f $(ha_log "$n") ]] || continue
            echo "-- lb$n log tail:"
            grep -vE 'health|^$' "$(ha_log "$n")" | tail -n 25
        done
        if [[ -f $E2E_DIR/ka.log ]]; then
            echo "-- keepalived log tail:"
            tail -n 25 "$E2E_DIR/ka.log"
        fi
    fi
    return 0
}
E2E_CLEANUP_HOOKS+=(_ha_cleanup)

# ha_svc_web RS_PORT FORWARD N...: YAML of service web 192.0.2.10:80/tcp (wrr,
# weight 1) over rsN at 10.0.0.(10+N):RS_PORT; ha_svc_udp NAME VPORT RS_PORT
# FORWARD N...: a UDP service (rr) the same way. Join them under "services:".
ha_svc_web() {
    local port=$1 fwd=$2 n
    shift 2
    printf '  - name: web\n    vip: 192.0.2.10\n    port: 80\n    protocol: tcp\n    scheduler: wrr\n    real_servers:\n'
    for n in "$@"; do
        printf '      - { address: 10.0.0.%d, port: %d, weight: 1, forward: %s }\n' $((10 + n)) "$port" "$fwd"
    done
}
ha_svc_udp() {
    local name=$1 vport=$2 port=$3 fwd=$4 n
    shift 4
    printf '  - name: %s\n    vip: 192.0.2.10\n    port: %d\n    protocol: udp\n    scheduler: rr\n    real_servers:\n' "$name" "$vport"
    for n in "$@"; do
        printf '      - { address: 10.0.0.%d, port: %d, forward: %s }\n' $((10 + n)) "$port" "$fwd"
    done
}

# ha_wait_master N FROM_LINE TIMEOUT_S: timestamp of N's first "-> MASTER".
ha_wait_master() { ha_wait_log "$1" "$2" 'vrrp vi1: [A-Z]+ -> MASTER' "$3"; }
# ha_wait_synced N FROM_LINE TIMEOUT_S: timestamp of N's "full state
# transfer from <the other> done".
ha_wait_synced() {
    local peer
    peer=$(ha_peer_of "$1")
    peer=${peer//./\\.}
    [[ $peer == *:* ]] && peer="\\[$peer\\]"
    ha_wait_log "$1" "$2" "sync: full state transfer from $peer(:[0-9]+)? done" "$3"
}
# ha_peer_of N: the other box's sync address (its ha link, its lan port
# with HA_ON_PORT=1, its IPv6 address on the ha link with HA_SYNC_IPV6=1).
ha_peer_of() {
    if [[ ${HA_ON_PORT:-0} == 1 ]]; then
        echo "10.0.0.$((5 - $1))"
    elif [[ ${HA_SYNC_IPV6:-0} == 1 ]]; then
        echo "fd00:3::$((3 - $1))"
    else
        echo "10.0.3.$((3 - $1))"
    fi
}

# ha_start_pair: start lb1 (must become MASTER), then lb2 (must be BACKUP and
# receive its full state transfer from lb1); checks each; ends the test on a
# failure.
ha_start_pair() {
    ha_start 1 || { echo "FAIL: lb1 did not start"; exit 1; }
    check "lb1 becomes MASTER" quiet ha_wait_master 1 "${HA_START_LINE[1]}" 5
    ha_start 2 || { echo "FAIL: lb2 did not start"; exit 1; }
    check "lb2 is BACKUP" _wait_until 5 ha_state_is 2 BACKUP
    check "lb2 received the full state transfer from lb1" quiet ha_wait_synced 2 "${HA_START_LINE[2]}" 5
    check "lb1 still MASTER" ha_state_is 1 MASTER
    ((E2E_FAILS == 0)) || e2e_finish
}

# ha_arp_owners: which balancers answer ARP for the floating addresses, as
# "wan:lbX[,lbY] lan:lbX[,lbY]" (asked from the client for 10.0.1.1 and
# from rs1 for 10.0.0.1; "-" when nobody answers).
ha_arp_owners() {
    local side ns ifname target port res who n out=""
    for side in wan lan; do
        if [[ $side == wan ]]; then ns=$E2E_PREFIX-cl target=10.0.1.1; else ns=$E2E_PREFIX-rs1 target=10.0.0.1; fi
        ifname=eth0 port=$side
        res=$(ip netns exec "$ns" "$DVS_PY" "$DVS_LIB/arp_probe.py" --iface "$ifname" \
            --target "$target" --timeout 0.5) || res='{"answers":[]}'
        who=""
        for n in 1 2; do
            grep -qi "\"$(if_mac "$E2E_PREFIX-lb$n" "$port")\"" <<<"$res" && who+="${who:+,}lb$n"
        done
        out+="${out:+ }$side:${who:--}"
    done
    echo "$out"
}

# ha_requests_ok COUNT: COUNT new HTTP requests to the VIP all answered.
ha_requests_ok() {
    local res
    res=$(ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/http_client.py" \
        --url http://192.0.2.10/whoami --count "$1" --timeout 2 --deadline 30) || true
    echo "   $res"
    [[ $(json_field "${res:-{\"ok\":0\}}" ok) -eq $1 ]]
}

# ha_rcvbuf_errors N: the kernel's UDP RcvbufErrors in PREFIX-lbN (the sync
# socket is the only UDP socket there: datagrams of the peer's stream lost).
ha_rcvbuf_errors() {
    # shellcheck disable=SC2016 # awk's own $6
    ip netns exec "$E2E_PREFIX-lb$1" awk '/^Udp:/ { if (h) print $6; h = 1 }' /proc/net/snmp
}

# ha_counters N: print dvsd N's sync/vrrp counters and ha_backup drops
# (SIGUSR1 stats).
ha_counters() {
    local n=$1 pid=${HA_PID[$1]:-} f=$E2E_DIR/lb$1-stats.json
    [[ -n $pid ]] || return 0
    rm -f "$f"
    kill -USR1 "$pid" 2>/dev/null || return 0
    _wait_until 5 test -s "$f" || return 0
    echo "   lb$n counters: $("$DVS_PY" -c 'import json, sys
d = json.load(open(sys.argv[1])); t = d.get("totals", d)
keys = sorted(k for k in t if "sync" in k or "vrrp" in k or "garp" in k)
print(" ".join(f"{k}={t[k]}" for k in keys), "drops.ha_backup=%s" % t.get("drops", {}).get("ha_backup", "?"))' "$f")" \
        "kernel UDP RcvbufErrors=$(ha_rcvbuf_errors "$n")"
}

# ------------------------------------------------------------- keepalived
# ka_config PRIORITY [PREEMPT(true|false)]: keepalived.conf for PREFIX-ka:
# VRRPv3, instance vi1 on ha, the same vrid and address list as dvsd.
ka_config() {
    local prio=$1 preempt=${2:-true}
    cat >"$E2E_DIR/keepalived.conf" <<CONF
global_defs {
    router_id $E2E_PREFIX-ka
    vrrp_version 3
    enable_script_security
    vrrp_garp_master_repeat 1
    vrrp_garp_master_delay 0
}
vrrp_instance vi1 {
    state BACKUP
    interface ha
    virtual_router_id ${HA_VRID:-51}
    priority $prio
    advert_int 0.2
    $([[ $preempt == true ]] || echo nopreempt)
    virtual_ipaddress {
        10.0.1.1/32 dev ha
        10.0.0.1/32 dev ha
        192.0.2.10/32 dev ha
    }
}
CONF
    chmod 0644 "$E2E_DIR/keepalived.conf"
}

# ka_start: keepalived (VRRP only, foreground, console log) in PREFIX-ka,
# plus `ip -ts monitor address` on its ha (E2E_DIR/ka-addr.log) to time
# the VIP's appearance.
ka_start() {
    local ns=$E2E_PREFIX-ka
    ip -n "$ns" -ts monitor address dev ha </dev/null >>"$E2E_DIR/ka-addr.log" 2>&1 &
    KA_MON_PID=$!
    ip netns exec "$ns" keepalived -n -l -D --vrrp -f "$E2E_DIR/keepalived.conf" \
        -p "$E2E_DIR/keepalived.pid" -r "$E2E_DIR/keepalived-vrrp.pid" \
        -i "$E2E_PREFIX" </dev/null >>"$E2E_DIR/ka.log" 2>&1 &
    KA_PID=$!
    sleep 0.5
    _pid_alive "$KA_PID" || { topo_log "keepalived exited; log:"; tail -n 20 "$E2E_DIR/ka.log" >&2; return 1; }
}
ka_stop() {
    if [[ -n $KA_PID ]]; then
        kill -TERM "$KA_PID" 2>/dev/null || true
        _wait_until 5 _pid_gone "$KA_PID" || kill -KILL "$KA_PID" 2>/dev/null || true
        wait "$KA_PID" 2>/dev/null || true
        KA_PID=
    fi
    if [[ -n $KA_MON_PID ]]; then
        kill "$KA_MON_PID" 2>/dev/null || true
        wait "$KA_MON_PID" 2>/dev/null || true
        KA_MON_PID=
    fi
    return 0
}
# ka_has_vip: keepalived holds 10.0.1.1 on its ha (it is MASTER).
ka_has_vip() { ip -n "$E2E_PREFIX-ka" -4 addr show dev ha | grep -q 'inet 10\.0\.1\.1/32'; }
ka_lacks_vip() { ! ka_has_vip; }
# ka_state: MASTER/BACKUP/FAULT from keepalived's last "Entering X STATE".
ka_state() {
    local s
    s=$(grep -oE '\(vi1\) Entering [A-Z]+ STATE' "$E2E_DIR/ka.log" 2>/dev/null | tail -n1 | awk '{print $3}')
    echo "${s:-INIT}"
}
ka_state_is() { [[ $(ka_state) == "$1" ]]; }

# ----------------------------------------------------------- the traffic
# blob_start NAME RATE: a GET of /blob through the VIP in the background,
# paced by the real server at RATE bytes/s (rs_server.py /blob?rate=; curl's
# --limit-rate bursts far above its limit here); out E2E_DIR/NAME.out,
# result E2E_DIR/NAME.curl, pid in BLOB_PID[NAME].
declare -gA BLOB_PID=()
blob_start() {
    local name=$1 rate=$2
    ip netns exec "$E2E_PREFIX-cl" curl -sS --max-time "${BLOB_MAX_TIME:-60}" \
        -o "$E2E_DIR/$name.out" -w '%{http_code} %{size_download} %{time_total}\n' \
        "http://192.0.2.10/blob?rate=$rate" >"$E2E_DIR/$name.curl" 2>&1 &
    BLOB_PID[$name]=$!
}
# blob_bytes NAME: bytes received so far.
blob_bytes() { stat -c %s "$E2E_DIR/$1.out" 2>/dev/null || echo 0; }
# blob_finish_checked NAME LABEL: wait for the download, check curl's exit
# status 0, HTTP 200, the size and sha256.
blob_finish_checked() {
    local name=$1 label=$2 rc=0 code size got want
    wait "${BLOB_PID[$name]}" || rc=$?
    read -r code size _ <<<"$(tail -n1 "$E2E_DIR/$name.curl")" || true
    want=$(sha256sum "$E2E_DIR/rs/blob-${RS_BLOB_MB}MiB.bin" | cut -d' ' -f1)
    got=$(sha256sum "$E2E_DIR/$name.out" 2>/dev/null | cut -d' ' -f1) || got=""
    echo "   $label: curl exit $rc, $(tr '\n' ' ' <"$E2E_DIR/$name.curl")"
    check "$label: curl exit 0 ($rc), HTTP 200 (${code:-none}), $((RS_BLOB_MB * 1048576)) bytes (${size:-0}), sha256 matches" \
        test "$rc" -eq 0 -a "${code:-0}" = 200 -a "${size:-0}" = "$((RS_BLOB_MB * 1048576))" -a "$got" = "$want"
    rm -f "$E2E_DIR/$name.out"
}

# probe_start: tests/lib/ha_probe.py in the client namespace (a new UDP flow
# to VIP:53 every 50 ms); records to E2E_DIR/probe.txt until probe_stop.
PROBE_PID=
probe_start() {
    ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/ha_probe.py" --addr 192.0.2.10 \
        --port "${PROBE_PORT:-53}" --interval 0.05 --timeout 0.2 --out "$E2E_DIR/probe.txt" \
        </dev/null >"$E2E_DIR/probe.log" 2>&1 &
    PROBE_PID=$!
}
probe_stop() {
    [[ -n $PROBE_PID ]] || return 0
    kill -TERM "$PROBE_PID" 2>/dev/null || true
    wait "$PROBE_PID" 2>/dev/null || true
    PROBE_PID=
}
# probe_gap EPOCH: ms from the last answered probe sent before EPOCH to the
# first answered one sent after it, and how many failed in between.
probe_gap() {
    "$DVS_PY" "$DVS_LIB/ha_probe.py" --gap "$1" --out "$E2E_DIR/probe.txt"
}
