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

# topo_namespaces PREFIX -> the existing namespaces of PREFIX, one a line.
topo_namespaces() {
    local prefix=$1
    ip netns list 2>/dev/null | awk '{print $1}' |
        grep -E "^${prefix}-(lb|cl|sw|rs[0-9]+)$" || true
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

# topo_up PREFIX NUM_RS
topo_up() {
    local prefix=$1 nrs=$2 ns i
    if [[ -z $prefix || ! $nrs =~ ^[0-9]+$ || $nrs -lt 1 ]]; then
        topo_log "usage: topo_up PREFIX NUM_RS"
        return 2
    fi
    topo_down "$prefix"

    local lb=$prefix-lb cl=$prefix-cl sw=$prefix-sw
    local all=("$lb" "$cl" "$sw")
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
    topo_log "up: ${all[*]}"
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
rs_start_servers() {
    local prefix=$1 nrs=$2 dir=$3 i ns ip pid
    local pids=()
    mkdir -p "$dir"
    for ((i = 1; i <= nrs; i++)); do
        ns=$prefix-rs$i
        ip netns exec "$ns" "$DVS_PY" "$DVS_LIB/rs_server.py" --name "rs$i" \
            --http-port 8080 --udp-port 5353 --blob-mb "$RS_BLOB_MB" --dir "$dir" \
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
    local deadline=$((SECONDS + DVSD_READY_TIMEOUT))
    while ((SECONDS < deadline)); do
        if grep -q 'dvsd ready' "$log" 2>/dev/null; then
            topo_log "dvsd ready (pid $DVSD_PID, log $log)"
            return 0
        fi
        if ! _pid_alive "$DVSD_PID"; then
            local rc=0
            wait "$DVSD_PID" 2>/dev/null || rc=$?
            topo_log "dvsd exited (status $rc) before it was ready; log tail:"
            tail -n 30 "$log" >&2 || true
            DVSD_PID=
            return 1
        fi
        sleep 0.2
    done
    topo_log "dvsd not ready after ${DVSD_READY_TIMEOUT}s; log tail:"
    tail -n 30 "$log" >&2 || true
    dvsd_stop || true
    return 1
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
    if _pid_alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + DVSD_STOP_TIMEOUT))
        while ((SECONDS < deadline)) && _pid_alive "$pid"; do sleep 0.1; done
        if _pid_alive "$pid"; then
            topo_log "dvsd did not stop within ${DVSD_STOP_TIMEOUT}s of SIGTERM; SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.2
        fi
    fi
    wait "$pid" 2>/dev/null || rc=$?
    DVSD_PID=
    dpdk_cleanup "$DVSD_FILE_PREFIX"
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

# ------------------------------------------------------------------ e2e glue
# e2e_init NAME: standard start of an e2e test: skip (77) unless root and the
# tools are there, fail if dvsd is not built, make E2E_DIR, set the EXIT trap.
# The test may define e2e_cleanup_extra to run before the generic clean-up.
E2E_PREFIX=${E2E_PREFIX:-}
E2E_DIR=${E2E_DIR:-}
E2E_FAILS=0

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

# e2e_config OUT WORKERS: render config/demo.yaml.in for this test.
e2e_config() {
    local out=$1 workers=$2
    render_config "$DVS_SRC/config/demo.yaml.in" "$out" \
        "FILE_PREFIX=$E2E_PREFIX" "WORKERS=$workers" "SOCKET=/run/dvs/$E2E_PREFIX.sock"
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
