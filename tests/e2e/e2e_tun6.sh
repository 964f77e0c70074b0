#!/usr/bin/env bash
# e2e_tun6 (issue 15, stage 2): TUN over IPv6 (IPv6-in-IPv6, RFC 2473) with
# real kernel TCP. The client (2001:db8:1::2) sends to the VIP
# 2001:db8:40::80 through dvsd, which puts the packet unchanged behind an
# outer IPv6 header (2001:db8:2::1 -> the server, next header 41). Each
# server decapsulates in userspace (tests/lib/ipip_decap.py --ipv6: this
# kernel has no ip6tnl), holds the VIP on lo and answers the client
# directly through the gw, so answers never cross dvsd. Checked:
#  - every server takes HTTP requests, the 50 MiB blob arrives intact
#    (sha256) while the IPv4 service of the same dvsd answers;
#  - 20 UDP datagrams to [VIP]:5353 answered from the VIP;
#  - Packet Too Big: a 2 MiB upload (PUT /upload) from the client. Its
#    1500-byte segments do not fit the 1500-byte lan link with 40 more
#    bytes of outer header: dvsd drops them and tells the client MTU 1460;
#    the client's kernel lowers its path MTU to the VIP (route cache: mtu
#    1460), resends, and the server's sha256 of the body matches;
#  - dvsd counted icmp6_packet_too_big and drops.packet_too_big, saw only
#    the client's side (pkts_out 0);
#  - the outer headers the servers received: source 2001:db8:2::1, hop
#    limit 64, traffic class of the inner packet, none malformed.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_tun6 dvsT6
VIP6=2001:db8:40::80
UPLOAD_MB=2
export RS_IPV6=1 RS_IPV6_VIPS=$VIP6 RS_HTTP_EXTRA_PORTS=80 # TUN cannot change the port

# Two services of the same three servers: web6-tun tcp/80, echo6-tun udp/5353.
services=""
for svc in web6-tun:80:tcp echo6-tun:5353:udp; do
    IFS=: read -r name port proto <<<"$svc"
    services+="  - { name: $name, vip: \"$VIP6\", port: $port, protocol: $proto, scheduler: rr,
      real_servers: [ { address: \"2001:db8:2::11\", forward: tun },
                      { address: \"2001:db8:2::12\", forward: tun },
                      { address: \"2001:db8:2::13\", forward: tun } ] }
"
done
e2e_setup_ipv6_direct "$VIP6" TUN "$services"
for i in 1 2 3; do
    RS_MODE_DIR=$E2E_DIR rs_tun6 "$E2E_PREFIX" "$i" ||
        { echo "FAIL: could not start rs$i's IPv6 decapsulator"; exit 1; }
done
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }

e2e_ipv6_service_checked "$VIP6" 10

echo "-- 20 datagrams to [$VIP6]:5353"
e2e_client_checked datagrams 20 udp_client.py --addr "$VIP6" --port 5353 --count 20 \
    --timeout 2 --retries 1

# The client's 1500-byte segments do not fit the lan link with 40 more
# bytes of outer header: Packet Too Big says 1460.
e2e_upload_checked "http://[$VIP6]/upload" "$UPLOAD_MB" 1460 -6

e2e_stats "$E2E_DIR/stats.json"
stat() { dvs_py show_stats.py "$E2E_DIR/stats.json" get "$1" 0; }
ptb=$(stat totals.icmp6_packet_too_big)
dropped=$(stat totals.drops.packet_too_big)
check "stats: icmp6_packet_too_big > 0 ($ptb)" test "$ptb" -gt 0
check "stats: drops.packet_too_big >= icmp6_packet_too_big ($dropped)" test "$dropped" -ge "$ptb"
# The IPv6 services are the demo's third and fourth (services.2, services.3).
for s in 2 3; do
    svc=$(stat "services.$s.name")
    pin=$(stat "services.$s.pkts_in")
    pout=$(stat "services.$s.pkts_out")
    check "stats: $svc pkts_in > 0 ($pin)" test "$pin" -gt 0
    check "stats: $svc pkts_out == 0, answers bypassed dvsd ($pout)" test "$pout" -eq 0
done

echo "-- outer headers as the real servers' decapsulators saw them"
logs=()
for i in 1 2 3; do
    c=$(RS_MODE_DIR=$E2E_DIR rs_decap_stop "$i") || c='{}'
    echo "   rs$i: $c"
    logs+=("$c")
done
summary=$("$DVS_PY" - "${logs[@]}" <<'PY'
import json, sys
decap = bad = mismatch = 0
src, hlim = set(), set()
for arg in sys.argv[1:]:
    c = json.loads(arg or "{}")
    decap += c.get("decap", 0)
    bad += c.get("bad_outer", 0) + c.get("bad_inner", 0) + c.get("write_err", 0)
    mismatch += c.get("tclass_mismatch", 0)
    src |= set(c.get("outer_src", {}))
    hlim |= set(c.get("outer_ttl", {}))
print(decap, bad, mismatch, ",".join(sorted(src)) or "-", ",".join(sorted(hlim)) or "-")
PY
) || summary="0 0 0 - -"
read -r d_decap d_bad d_mismatch d_src d_hlim <<<"$summary"
check "real servers decapsulated packets ($d_decap), none malformed ($d_bad)" \
    test "$d_decap" -gt 0 -a "$d_bad" -eq 0
check "every outer source is dvsd's lan address 2001:db8:2::1 ($d_src)" test "$d_src" = 2001:db8:2::1
check "every outer hop limit is 64 ($d_hlim)" test "$d_hlim" = 64
check "outer traffic class copied from the inner packet (mismatches: $d_mismatch)" \
    test "$d_mismatch" -eq 0

e2e_stop_checked
e2e_finish
