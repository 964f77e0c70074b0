#!/usr/bin/env bash
# shellcheck disable=SC2317,SC2016
# e2e_check_config: `dvsd --check --config FILE` accepts the shipped configs
# and rejects broken ones with a message naming file:line. Needs neither root
# nor namespaces nor hugepages.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

E2E_NAME=e2e_check_config
echo "== $E2E_NAME"
if [[ ! -x $DVSD ]]; then
    echo "FAIL: dvsd not built at $DVSD"
    exit 1
fi
TMP=$(mktemp -d /tmp/dvs-check.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# run_check FILE -> sets CHECK_RC and CHECK_OUT (stdout+stderr), bounded.
run_check() {
    CHECK_RC=0
    CHECK_OUT=$(timeout 20 "$DVSD" --check --config "$1" 2>&1 </dev/null) || CHECK_RC=$?
}

accepts() {
    run_check "$1"
    if [[ $CHECK_RC -ne 0 ]]; then
        echo "     exit $CHECK_RC: $(tail -n 5 <<<"$CHECK_OUT")"
        return 1
    fi
}

# rejects FILE LINE: exit 1 and a message with FILE's name and :LINE (if LINE).
rejects() {
    local file=$1 line=${2:-} base
    base=$(basename "$file")
    run_check "$file"
    echo "     exit $CHECK_RC: $(head -n 3 <<<"$CHECK_OUT")"
    [[ $CHECK_RC -eq 1 ]] || return 1
    grep -q -- "$base" <<<"$CHECK_OUT" || { echo "     (no file name in the message)"; return 1; }
    if [[ -n $line ]]; then
        grep -qE -- "$base:$line(:|[^0-9]|$)" <<<"$CHECK_OUT" ||
            { echo "     (no $base:$line in the message)"; return 1; }
    else
        grep -qE -- "$base:[0-9]+" <<<"$CHECK_OUT" ||
            { echo "     (no $base:LINE in the message)"; return 1; }
    fi
}

check "accepts config/default.yaml" accepts "$DVS_SRC/config/default.yaml"
if [[ -f $DVS_SRC/config/example.yaml ]]; then
    check "accepts config/example.yaml" accepts "$DVS_SRC/config/example.yaml"
else
    echo "  --   config/example.yaml not present"
fi
render_config "$DVS_SRC/config/demo.yaml.in" "$TMP/rendered.yaml" \
    FILE_PREFIX=dvs-check WORKERS=2 SOCKET=/run/dvs/check.sock
check "accepts config/demo.yaml.in rendered with 2 workers" accepts "$TMP/rendered.yaml"

# A semantic error: an unknown scheduler on a known line.
sed 's/scheduler: wrr/scheduler: bogus/' "$DVS_SRC/config/default.yaml" >"$TMP/bad_scheduler.yaml"
line=$(grep -n 'scheduler: bogus' "$TMP/bad_scheduler.yaml" | cut -d: -f1)
check "rejects an unknown scheduler, naming bad_scheduler.yaml:$line" rejects "$TMP/bad_scheduler.yaml" "$line"
n=$(grep -c "bad_scheduler.yaml:$line" <<<"$CHECK_OUT" || true)
check "--check prints the error once ($n times)" test "$n" -eq 1

# A semantic error: a real server address that is not an IPv4 address.
sed '0,/address: 10.0.0.12/s//address: 10.0.0.300/' "$DVS_SRC/config/default.yaml" >"$TMP/bad_address.yaml"
line=$(grep -n 'address: 10.0.0.300' "$TMP/bad_address.yaml" | cut -d: -f1)
check "rejects a bad real-server address, naming bad_address.yaml:$line" rejects "$TMP/bad_address.yaml" "$line"

# IPv6 (issue 15): a port address is accepted (on the IPv4-only template;
# default.yaml has its own, checked above); a service mixing families is
# refused at the real server's line.
sed '0,/addresses: \[\(.*\)\]/s//addresses: [\1, "2001:db8:1::1\/64"]/' "$TMP/rendered.yaml" >"$TMP/v6_port.yaml"
grep -q '2001:db8:1::1/64' "$TMP/v6_port.yaml"
check "accepts an IPv6 port address" accepts "$TMP/v6_port.yaml"
sed '0,/address: 10.0.0.12/s//address: "2001:db8:1::12"/' "$TMP/v6_port.yaml" >"$TMP/bad_family.yaml"
line=$(grep -n 'address: "2001:db8:1::12"' "$TMP/bad_family.yaml" | cut -d: -f1)
check "rejects an IPv6 real server behind an IPv4 VIP, naming bad_family.yaml:$line" rejects "$TMP/bad_family.yaml" "$line"

# A YAML syntax error: an unclosed flow sequence.
{ head -n 12 "$DVS_SRC/config/default.yaml"; echo "ports: [ { name: wan"; } >"$TMP/bad_syntax.yaml"
check "rejects a YAML syntax error, naming bad_syntax.yaml:LINE" rejects "$TMP/bad_syntax.yaml"

# Issue 20: invalid UTF-8 (here in a comment), deep nesting, and a table that
# cannot fit in the machine's hugepages.
{ head -n 5 "$DVS_SRC/config/default.yaml"; printf '# caf\xe9\n'; tail -n +6 "$DVS_SRC/config/default.yaml"; } >"$TMP/bad_utf8.yaml"
check "rejects invalid UTF-8, naming bad_utf8.yaml:6" rejects "$TMP/bad_utf8.yaml" 6
grep -q 'invalid UTF-8 (byte 0xe9)' <<<"$CHECK_OUT" || check "the message says invalid UTF-8" false
{ cat "$DVS_SRC/config/default.yaml"; printf 'junk: %s\n' "$(printf '[%.0s' {1..40})"; } >"$TMP/bad_nesting.yaml"
line=$(wc -l <"$TMP/bad_nesting.yaml")
check "rejects deep nesting, naming bad_nesting.yaml:$line" rejects "$TMP/bad_nesting.yaml" "$line"
check "the message says how deep" grep -q 'nested deeper than 32 levels' <<<"$CHECK_OUT"
hp_total_mib=$(awk '{ n += $1 } END { print n }' /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages 2>/dev/null)
hp_total_mib=$(( ${hp_total_mib:-0} * 2 ))
if grep -q 'conn_capacity:' "$DVS_SRC/config/default.yaml"; then
    sed -E 's/conn_capacity: [0-9]+/conn_capacity: 268435456/' "$DVS_SRC/config/default.yaml" >"$TMP/big_table.yaml"
else
    sed -E 's/^dataplane:/dataplane:\n  conn_capacity: 268435456/' "$DVS_SRC/config/default.yaml" >"$TMP/big_table.yaml"
fi
run_check "$TMP/big_table.yaml"
echo "     exit $CHECK_RC: $(head -n 2 <<<"$CHECK_OUT")"
if ((hp_total_mib < 20000)); then
    check "rejects a conn_capacity beyond the hugepages (${hp_total_mib} MiB), saying how much it needs" \
        bash -c '[[ $1 -eq 1 ]] && grep -qE "dataplane.conn_capacity: 268435456 connections \(and [0-9]+ IPv6\) x [0-9]+ workers need [0-9]+ MiB of hugepages" <<<"$2"' \
        _ "$CHECK_RC" "$CHECK_OUT"
fi

# Issue 19: what will not work is a warning. In an empty network namespace
# (unshare -n: no routes, no interfaces) a health check has no path to its
# real servers and the ports' interfaces do not exist; then a down veth.
if [[ $EUID -eq 0 ]] && command -v unshare >/dev/null; then
    awk '{ print } /^    scheduler: wrr/ { print "    health_check: { type: tcp, interval: 1s, timeout: 500ms }" }' \
        "$DVS_SRC/config/default.yaml" >"$TMP/checked.yaml"
    hc_line=$(grep -n 'health_check: { type: tcp' "$TMP/checked.yaml" | cut -d: -f1)
    ns_check() {  # ns_check SETUP: --check in a fresh namespace after SETUP
        CHECK_RC=0
        CHECK_OUT=$(timeout 20 unshare -n bash -c "$1"'; "$0" --check --config "$1" 2>&1' \
            "$DVSD" "$TMP/checked.yaml" </dev/null) || CHECK_RC=$?
    }
    ns_check "true"
    echo "     exit $CHECK_RC: $(grep -m3 warning <<<"$CHECK_OUT")"
    check "--check warns: the health check has no route (checked.yaml:$hc_line)" \
        grep -qE "^warning: .*/checked.yaml:$hc_line:[0-9]+: services\[0\]\.health_check: service web: no path to real servers 10\.0\.0\.11, 10\.0\.0\.12, 10\.0\.0\.13 .*exception path is off" <<<"$CHECK_OUT"
    check "--check still exits 0 with warnings" test "$CHECK_RC" -eq 0
    check "--check warns: interface wan does not exist" \
        grep -qE "^warning: .*/checked.yaml:[0-9]+:[0-9]+: ports\[0\]\.device: port wan: interface wan \(net_af_packet0\) does not exist" <<<"$CHECK_OUT"
    ns_check "ip link add wan type veth peer name wan-p; ip link add lan type veth peer name lan-p; ip link set lan up; ip link set lo up; ip route add 10.0.0.0/24 dev lo"
    echo "     exit $CHECK_RC: $(grep -m3 warning <<<"$CHECK_OUT")"
    check "--check warns: interface wan is down" \
        grep -qE "ports\[0\]\.device: port wan: interface wan \(net_af_packet0\) is down" <<<"$CHECK_OUT"
    check "--check warns: interface lan is up but not running (its peer is down)" \
        grep -qE "ports\[1\]\.device: port lan: interface lan \(net_af_packet1\) is up but not running" <<<"$CHECK_OUT"
    check "--check: no route warning once the kernel has a route" \
        bash -c '! grep -q "no path to real server" <<<"$1"' _ "$CHECK_OUT"
    # Start-up: a port whose interface does not exist stops dvsd before EAL,
    # naming the interface (the README's first run on a machine without it).
    CHECK_RC=0
    CHECK_OUT=$(timeout 20 unshare -n "$DVSD" --config "$TMP/checked.yaml" 2>&1 </dev/null) || CHECK_RC=$?
    echo "     exit $CHECK_RC: $(grep -m2 -E 'warn|error' <<<"$CHECK_OUT")"
    check "start-up logs the health-check warning" \
        grep -qE "warning.*checked.yaml:$hc_line:[0-9]+: services\[0\]\.health_check: .*no path to real server" <<<"$CHECK_OUT"
    check "start-up fails naming the missing interface wan" \
        bash -c '[[ $1 -eq 2 ]] && grep -qE "start-up failed: .*port wan: interface wan \(net_af_packet0\) does not exist" <<<"$2"' _ "$CHECK_RC" "$CHECK_OUT"
else
    echo "  --   not root: the namespace warnings are not checked"
fi

check "rejects a missing file" bash -c '! timeout 20 "$1" --check --config "$2" >/dev/null 2>&1' _ "$DVSD" "$TMP/does-not-exist.yaml"

e2e_finish
