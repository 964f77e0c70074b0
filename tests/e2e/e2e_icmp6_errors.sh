#!/usr/bin/env bash
# e2e_icmp6_errors (issue 15): ICMPv6 errors through dvsd, seen by real
# kernels' sockets.
#  - A NAT66 service whose server port has no listener: the server's kernel
#    answers each datagram with Destination Unreachable (port unreachable)
#    to the client's address, through dvsd, which rewrites it back to the
#    VIP (outer source, quoted destination, checksums); the client's
#    connected UDP socket then gets ECONNREFUSED, which its kernel reports
#    only for an error that quotes the socket's own datagram exactly.
#  - A datagram to the VIP with hop limit 1: dvsd answers Time Exceeded from
#    its wan address, which the client reads from its socket's error queue
#    (IPV6_RECVERR) as ICMPv6 type 3 from 2001:db8:1::1.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_icmp6_errors dvsI6
export RS_IPV6=1 RS_BLOB_MB=1
VIP6=2001:db8:10::80
CL=$E2E_PREFIX-cl

e2e_config_dual_stack "$E2E_DIR/dvs.yaml" 1 ||
    { echo "FAIL: could not render the dual-stack configuration"; exit 1; }
# Port 5399 of the servers: nobody listens there.
cat >>"$E2E_DIR/dvs.yaml" <<YAML
  - name: closed6
    vip: "$VIP6"
    port: 53
    protocol: udp
    scheduler: rr
    real_servers:
      - { address: "2001:db8:2::11", port: 5399 }
      - { address: "2001:db8:2::12", port: 5399 }
YAML
topo_up "$E2E_PREFIX" 2 || { echo "FAIL: could not build the namespace topology"; exit 1; }
topo_add_ipv6 "$E2E_PREFIX" 2 || { echo "FAIL: could not turn IPv6 on"; exit 1; }
rs_start_servers "$E2E_PREFIX" 2 "$E2E_DIR/rs" || { echo "FAIL: real servers did not come up"; exit 1; }
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }

echo "-- 4 connected UDP sockets to [$VIP6]:53, whose servers' port is closed"
refused=$(ip netns exec "$CL" "$DVS_PY" - "$VIP6" <<'PY'
import socket, sys, time
results = []
for i in range(4):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.connect((sys.argv[1], 53))
    s.send(b"query-%d" % i)
    try:
        s.recv(100)
        results.append("answered")
    except ConnectionRefusedError:
        results.append("refused")
    except socket.timeout:
        results.append("timeout")
    s.close()
    time.sleep(0.3)  # under the servers' kernels' ICMPv6 rate limit
print(" ".join(results))
PY
) || true
echo "   $refused"
n_refused=$(grep -o refused <<<"$refused" | wc -l)
check "4 of 4 sockets got ECONNREFUSED from the servers' rewritten errors ($n_refused)" \
    test "$n_refused" -eq 4

echo "-- a datagram to [$VIP6]:53 with hop limit 1"
te=$(ip netns exec "$CL" "$DVS_PY" - "$VIP6" <<'PY'
import select, socket, struct, sys
IPV6_RECVERR = getattr(socket, "IPV6_RECVERR", 25)
MSG_ERRQUEUE = getattr(socket, "MSG_ERRQUEUE", 0x2000)
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 1)
s.sendto(b"probe", (sys.argv[1], 53))
# An error queued on the socket shows as POLLERR.
p = select.poll()
p.register(s, select.POLLERR)
if not p.poll(3000):
    print("none")
    sys.exit(0)
_, anc, _, _ = s.recvmsg(512, 512, MSG_ERRQUEUE)
for level, typ, data in anc:
    if level == socket.IPPROTO_IPV6 and typ == IPV6_RECVERR:
        # struct sock_extended_err, then the offender's sockaddr_in6.
        errno_, origin, icmp_type, icmp_code = struct.unpack_from("=IBBB", data)
        offender = socket.inet_ntop(socket.AF_INET6, data[16 + 8:16 + 24])
        print(f"origin {origin} type {icmp_type} code {icmp_code} from {offender}")
        break
else:
    print("no extended error")
PY
) || true
echo "   $te"
# SO_EE_ORIGIN_ICMP6 is 3; ICMPv6 Time Exceeded is type 3, code 0 (hop limit).
check "the client's socket got Time Exceeded (type 3 code 0) from dvsd's 2001:db8:1::1" \
    test "$te" = "origin 3 type 3 code 0 from 2001:db8:1::1"

e2e_stats "$E2E_DIR/stats.json"
stat() { dvs_py show_stats.py "$E2E_DIR/stats.json" get "$1" 0; }
forwarded=$(stat totals.icmp_errors_forwarded)
exceeded=$(stat totals.icmp6_time_exceeded)
check "dvsd rewrote the servers' errors for the client (icmp_errors_forwarded $forwarded >= 4)" \
    test "$forwarded" -ge 4
check "dvsd sent one Time Exceeded (icmp6_time_exceeded $exceeded)" test "$exceeded" -eq 1

e2e_stop_checked
e2e_finish
