#!/usr/bin/env bash
# DVS demo: one command on a fresh machine.
#   1. set up the machine (packages, hugepages) and build dvsd;
#   2. build a small network in namespaces: a client, the balancer (dvsd on
#      two veths through DPDK net_af_packet), three real servers behind a bridge;
#   3. start an HTTP + UDP echo server on each real server and dvsd (1 worker)
#      with config/default.yaml: VIP 192.0.2.10, tcp/80 wrr 3:2:1 (NAT),
#      udp/53 rr; and beside them the IPv6 VIP 2001:db8:10::10, tcp/80 rr
#      (NAT66);
#   4. send 300 HTTP requests (each a new connection) and a few UDP datagrams
#      from the client, then 30 HTTP requests over IPv6, show how they
#      spread, and dvsd's own counters;
#   5. stop everything and remove the namespaces (also on failure).
# Exits non-zero if any request failed.
# DEMO_SKIP_BUILD=1 skips the build (DVSD=PATH then names the binary to run).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)
PREFIX=dvsD
REQUESTS=${DEMO_REQUESTS:-300}
DATAGRAMS=${DEMO_DATAGRAMS:-6}
REQUESTS6=${DEMO_REQUESTS6:-30}
CONFIG=$REPO/config/default.yaml

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
[[ -t 1 ]] || say() { printf '\n== %s\n' "$*"; }

if [[ $(id -u) -ne 0 ]]; then
    echo "demo: must run as root (network namespaces, hugepages, DPDK); try: sudo $0" >&2
    exit 1
fi

say "Setting up the machine"
bash scripts/setup.sh
if [[ ${DEMO_SKIP_BUILD:-0} != 1 ]]; then
    say "Building"
    bash scripts/build.sh
fi

export DVS_SRC=$REPO
# shellcheck source-path=SCRIPTDIR source=../tests/lib/topology.sh
source "$REPO/tests/lib/topology.sh"
export RS_BLOB_MB=1
export RS_IPV6=1  # the servers answer on 2001:db8:2::1N too

WORK=$(mktemp -d /tmp/dvs-demo.XXXXXX)
demo_ok=0
cleanup() {
    local rc=$?
    set +e
    say "Cleaning up"
    if [[ -n $DVSD_PID ]]; then dvsd_stop >/dev/null 2>&1; fi
    topo_down "$PREFIX"
    if [[ $rc -eq 0 && $demo_ok -eq 1 ]]; then
        rm -rf "$WORK"
    else
        rm -f "$WORK"/rs/blob-*
        echo "logs kept in $WORK (dvsd.log, rs/rs*.log)"
        if [[ -f $WORK/dvsd.log ]]; then
            echo "--- dvsd.log (tail)"
            tail -n 30 "$WORK/dvsd.log"
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Topology (namespaces $PREFIX-*)"
topo_up "$PREFIX" 3
topo_add_ipv6 "$PREFIX" 3
cat <<'EOF'
   client 10.0.1.2 --- wan [ dvsd 10.0.1.1 | 10.0.0.1 ] lan --- br0 --+-- rs1 10.0.0.11
                       (VIP 192.0.2.10: tcp/80 wrr, udp/53 rr)        +-- rs2 10.0.0.12
                                                                      +-- rs3 10.0.0.13
   IPv6: client 2001:db8:1::2, dvsd 2001:db8:1::1 | 2001:db8:2::1, rsN 2001:db8:2::1N
         (VIP 2001:db8:10::10: tcp/80 rr, NAT66)
EOF

say "Real servers (HTTP :8080 /whoami, UDP echo :5353)"
rs_start_servers "$PREFIX" 3 "$WORK/rs"

say "Starting dvsd (1 worker, $CONFIG)"
dvsd_start "$PREFIX" "$CONFIG" "$WORK/stats.json" "$WORK/dvsd.log"

say "$REQUESTS HTTP requests to http://192.0.2.10/whoami, each on a new TCP connection"
res=$(ip netns exec "$PREFIX-cl" "$DVS_PY" "$DVS_LIB/http_client.py" \
    --url http://192.0.2.10/whoami --count "$REQUESTS" --timeout 3 --deadline 120) || true
[[ -n $res ]] || res="{\"ok\":0,\"failed\":$REQUESTS,\"by_server\":{},\"errors\":[\"client produced no output\"]}"
"$DVS_PY" - "$res" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
servers = [("rs1", "10.0.0.11:8080", 3), ("rs2", "10.0.0.12:8080", 2), ("rs3", "10.0.0.13:8080", 1)]
total_w = sum(w for _, _, w in servers)
n = r["ok"] + r["failed"]
print(f"   {'server':<6} {'address':<16} {'weight':>6} {'expected':>9} {'got':>5} {'share':>7}")
print(f"   {'-'*6} {'-'*16} {'-'*6} {'-'*9} {'-'*5} {'-'*7}")
for name, addr, w in servers:
    got = r["by_server"].get(name, 0)
    exp = n * w / total_w
    share = 100.0 * got / n if n else 0.0
    print(f"   {name:<6} {addr:<16} {w:>6} {exp:>9.0f} {got:>5} {share:>6.1f}%")
others = {k: v for k, v in r["by_server"].items() if k not in {s for s, _, _ in servers}}
for k, v in others.items():
    print(f"   {k:<6} {'?':<16} {'':>6} {'':>9} {v:>5}")
print(f"\n   {r['ok']} ok, {r['failed']} failed in {r.get('elapsed_s', 0)} s"
      f" (weights 3:2:1 -> expected shares 50% / 33.3% / 16.7%)")
for e in r.get("errors", []):
    print(f"   error: {e}")
PY
http_failed=$(json_field "$res" failed)

say "$DATAGRAMS UDP datagrams to 192.0.2.10:53 (rr), each from a new source port"
ures=$(ip netns exec "$PREFIX-cl" "$DVS_PY" "$DVS_LIB/udp_client.py" \
    --addr 192.0.2.10 --port 53 --count "$DATAGRAMS" --timeout 2 --show "$DATAGRAMS") || true
[[ -n $ures ]] || ures="{\"ok\":0,\"failed\":$DATAGRAMS,\"replies\":[],\"errors\":[\"client produced no output\"]}"
"$DVS_PY" - "$ures" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
for line in r.get("replies", []):
    print(f"   answer from {line}")
for e in r.get("errors", []):
    print(f"   error: {e}")
print(f"\n   {r['ok']} answered, {r['failed']} unanswered")
PY
udp_failed=$(json_field "$ures" failed)

say "$REQUESTS6 HTTP requests over IPv6 to http://[2001:db8:10::10]/whoami (rr, NAT66)"
res6=$(ip netns exec "$PREFIX-cl" "$DVS_PY" "$DVS_LIB/http_client.py" \
    --url "http://[2001:db8:10::10]/whoami" --count "$REQUESTS6" --timeout 3 --deadline 60) || true
[[ -n $res6 ]] || res6="{\"ok\":0,\"failed\":$REQUESTS6,\"by_server\":{},\"errors\":[\"client produced no output\"]}"
"$DVS_PY" - "$res6" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
for name in sorted(r["by_server"]):
    print(f"   {name:<6} {r['by_server'][name]:>4}")
print(f"\n   {r['ok']} ok, {r['failed']} failed in {r.get('elapsed_s', 0)} s"
      " (rr -> a third each)")
for e in r.get("errors", []):
    print(f"   error: {e}")
PY
http6_failed=$(json_field "$res6" failed)

say "dvsd counters (SIGUSR1 -> stats JSON)"
if dvsd_stats "$PREFIX" "$WORK/stats.json"; then
    dvs_py show_stats.py "$WORK/stats.json" | sed 's/^/ /'
else
    echo "   (could not read dvsd's stats)"
fi

say "Stopping dvsd"
stop_rc=0
dvsd_stop || stop_rc=$?
echo "   dvsd exited with status $stop_rc"

if [[ $http_failed -ne 0 || $udp_failed -ne 0 || $http6_failed -ne 0 ]]; then
    say "Demo FAILED: $http_failed HTTP request(s), $udp_failed datagram(s) and $http6_failed IPv6 request(s) failed"
    exit 1
fi
demo_ok=1
say "Demo passed: all $REQUESTS requests, $DATAGRAMS datagrams and $REQUESTS6 IPv6 requests answered"
