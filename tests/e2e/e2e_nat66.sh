#!/usr/bin/env bash
# e2e_nat66 (issue 15, stage 2): real kernel TCP and UDP over IPv6 through
# dvsd's NAT66, next to the IPv4 service of the same dvsd. The client
# (2001:db8:1::2) reaches the VIP 2001:db8:10::80 through dvsd's wan
# (2001:db8:1::1, resolved by the client's kernel with ND); dvsd resolves the
# real servers 2001:db8:2::11..13 with Neighbor Solicitations and rewrites
# both directions. Checked: a 50 MiB download intact (sha256) while IPv4
# HTTP requests go to 192.0.2.10 at the same time, a UDP exchange, the
# spread over the servers, no checksum errors at either end, IPv6 packets
# handed between the two workers.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_nat66 dvsN66
export RS_IPV6=1
VIP6=2001:db8:10::80

# Two workers: each reads one port, so NAT66 replies (lan) reach the other
# worker than their client's packets (wan) and cross the handoff rings.
e2e_config_dual_stack "$E2E_DIR/dvs.yaml" 2 ||
    { echo "FAIL: could not render the dual-stack configuration"; exit 1; }
# The IPv6 table sized on its own (default: conn_capacity / 8, at least 1024).
sed -i 's/^  conn_capacity: .*/&\n  conn6_capacity: 4096/' "$E2E_DIR/dvs.yaml"
# The demo config, dual stack: IPv6 on both ports and two IPv6 services.
e2e_web6_service "$VIP6" >>"$E2E_DIR/dvs.yaml"
cat >>"$E2E_DIR/dvs.yaml" <<YAML
  - name: echo6
    vip: "$VIP6"
    port: 53
    protocol: udp
    scheduler: sh
    real_servers:
      - { address: "2001:db8:2::11", port: 5353 }
      - { address: "2001:db8:2::12", port: 5353 }
      - { address: "2001:db8:2::13", port: 5353 }
YAML
topo_up "$E2E_PREFIX" 3 || { echo "FAIL: could not build the namespace topology"; exit 1; }
topo_add_ipv6 "$E2E_PREFIX" 3 || { echo "FAIL: could not turn IPv6 on"; exit 1; }
rs_start_servers "$E2E_PREFIX" 3 "$E2E_DIR/rs" || { echo "FAIL: real servers did not come up"; exit 1; }
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }
check "dvsd sized the IPv6 table from dataplane.conn6_capacity" \
    grep -q "IPv6: 4096 entries per worker" "$E2E_DIR/dvsd.log"
CL=$E2E_PREFIX-cl
for ns in "$CL" "$E2E_PREFIX-rs1" "$E2E_PREFIX-rs2" "$E2E_PREFIX-rs3"; do
    ip netns exec "$ns" nstat -n >/dev/null 2>&1 || true  # count from here
done

e2e_ipv6_service_checked "$VIP6" 20

echo "-- UDP over IPv6: 30 datagrams from 30 client ports, each answered"
udp=$(ip netns exec "$CL" "$DVS_PY" - "$VIP6" <<'PY'
import json, socket, sys
ok, by = 0, {}
for i in range(30):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(b"six-%d" % i, (sys.argv[1], 53))
    try:
        data, peer = s.recvfrom(2048)
    except OSError:
        continue
    name, _, rest = data.partition(b" ")
    if rest == b"six-%d" % i and peer[0] == sys.argv[1] and peer[1] == 53:
        ok += 1
        by[name.decode()] = by.get(name.decode(), 0) + 1
print(json.dumps({"ok": ok, "by_server": by}))
PY
) || true
echo "   $udp"
check "30 of 30 UDP answers came back from [$VIP6]:53" \
    test "$(json_field "$udp" ok)" = 30

echo "-- checksums"
incsum=$(ip netns exec "$CL" nstat -az TcpInCsumErrors Udp6InCsumErrors 2>/dev/null |
    awk '/CsumErrors/ {s += $2} END {print s + 0}')
check "the client's kernel counted no TCP/UDP checksum error ($incsum)" test "$incsum" -eq 0
rs_csum=0
for i in 1 2 3; do
    n=$(ip netns exec "$E2E_PREFIX-rs$i" nstat -az TcpInCsumErrors Udp6InCsumErrors 2>/dev/null |
        awk '/CsumErrors/ {s += $2} END {print s + 0}')
    rs_csum=$((rs_csum + n))
done
check "the servers' kernels counted no checksum error ($rs_csum)" test "$rs_csum" -eq 0

e2e_stats "$E2E_DIR/stats.json"
stat() { dvs_py show_stats.py "$E2E_DIR/stats.json" get "$1" 0; }
solicits=$(stat totals.nd_solicits_sent)
adverts=$(stat totals.nd_adverts_sent)
created=$(stat totals.conns_created)
handoffs=$(stat totals.handoff_in)
check "packets crossed between the two workers ($handoffs)" test "$handoffs" -ge 1000
check "dvsd resolved the servers with Neighbor Solicitations ($solicits)" test "$solicits" -ge 3
# The client asks for 2001:db8:1::1; the servers may learn 2001:db8:2::1
# from dvsd's own solicitations (their source link-layer option) instead.
check "dvsd answered the client's solicitation ($adverts)" test "$adverts" -ge 1
check "connections were created for both families ($created)" test "$created" -ge 50

e2e_stop_checked
e2e_finish
