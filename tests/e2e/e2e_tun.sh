#!/usr/bin/env bash
# e2e_tun: IP-in-IP tunnelling. One worker, service web-tun 192.0.2.30:80
# (wrr 3:2:1) and echo-tun 192.0.2.30:5353/udp (rr) over three TUN real
# servers. dvsd wraps the client's packet unchanged in an outer IPv4 header
# (10.0.0.1 -> RS, protocol 4); the real servers decapsulate (userspace
# tests/lib/ipip_decap.py: this kernel has no ipip module) and answer the
# client straight from the VIP through the gw.
#  - 300 HTTP requests, each on a new connection, all succeed on all three
#    servers, shares within 5 points of the weights;
#  - 30 small UDP datagrams answered from the VIP by all three servers;
#  - a 50 MiB GET /blob arrives intact (sha256);
#  - MTU without DF: 6 UDP datagrams of 1500 bytes (inner) sent without DF
#    are answered: dvsd fragments the 1520-byte outer packet (the real
#    servers' kernels count reassemblies);
#  - MTU with DF (PMTU discovery): a 2 MiB HTTP upload (PUT /upload) from the
#    client succeeds and the server's sha256 of the body matches; dvsd answered
#    the client's 1500-byte segments with ICMP fragmentation needed, so the
#    client's route cache holds `mtu 1480` for the VIP and dvsd counts
#    drops.frag_needed > 0; then 1500-byte datagrams without DF, which the
#    client now fragments itself, are answered;
#  - dvsd's stats: pkts_in > 0 and pkts_out == 0 for both services;
#  - the outer headers the real servers received (ipip_decap.py counts): source
#    10.0.0.1, TTL 64, DF equal to the inner packet's.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

REQUESTS=300
VIP=192.0.2.30
UPLOAD_MB=2
e2e_init e2e_tun dvsE6
export RS_BLOB_MB=50
export RS_HTTP_EXTRA_PORTS=80 # TUN cannot change the port

e2e_setup_direct "$DVS_SRC/tests/e2e/tun.yaml.in" 1 3 \
    "1:tun:$VIP" "2:tun:$VIP" "3:tun:$VIP"

e2e_direct_traffic_checked "$VIP" "$REQUESTS"

# Reassemblies counted by the real servers' kernels (Ip: ReasmOKs).
reasm_oks() {
    local i sum=0 n
    for i in 1 2 3; do
        # shellcheck disable=SC2016 # awk's own $k and $c
        n=$(ip netns exec "$E2E_PREFIX-rs$i" awk '/^Ip:/ { if (!h) { for (k = 1; k <= NF; k++) if ($k == "ReasmOKs") c = k; h = 1 } else print $c }' /proc/net/snmp)
        sum=$((sum + ${n:-0}))
    done
    echo "$sum"
}

# A datagram of 1472 payload bytes is a 1500-byte inner packet: 1520 with the
# outer header, more than the lan port's MTU. Without DF dvsd must fragment
# the outer packet. (Before the upload below: once the client has learnt MTU
# 1480 it would fragment the datagram itself, a different path.)
echo "-- 6 datagrams of 1500 bytes (inner), no DF, to $VIP:5353"
reasm_before=$(reasm_oks)
res=$(ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/udp_client.py" --addr "$VIP" \
    --port 5353 --count 6 --size 1472 --no-df --timeout 2 --retries 1) || true
echo "   $res"
[[ -n $res ]] || res='{"ok":0,"failed":6}'
ok=$(json_field "$res" ok)
check "all 6 big datagrams without DF answered (ok=$ok)" test "$ok" -eq 6
reasm_after=$(reasm_oks)
check "the real servers reassembled fragmented outer packets ($reasm_before -> $reasm_after)" \
    test "$reasm_after" -ge $((reasm_before + 6))

# DF set: dvsd answers the client's 1500-byte segments with ICMP
# fragmentation needed (MTU 1480) and the client's kernel resends smaller.
e2e_upload_checked "http://$VIP/upload" "$UPLOAD_MB" 1480

# Now that the client's path MTU to the VIP is 1480, a 1500-byte datagram
# without DF leaves the client in two fragments. Note: DPDK's net_af_packet
# joins its sockets with PACKET_FANOUT_FLAG_DEFRAG, so the balancer
# namespace's kernel reassembles them before dvsd reads them: here dvsd sees
# the whole 1500-byte datagram (and fragments the outer packet); with a real
# NIC it would tunnel each fragment. Either way the answer must come back.
echo "-- 6 datagrams of 1500 bytes, no DF, fragmented by the client (path MTU 1480)"
res=$(ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/udp_client.py" --addr "$VIP" \
    --port 5353 --count 6 --size 1472 --no-df --timeout 2 --retries 1) || true
echo "   $res"
[[ -n $res ]] || res='{"ok":0,"failed":6}'
ok=$(json_field "$res" ok)
check "all 6 client-fragmented datagrams answered (ok=$ok)" test "$ok" -eq 6

e2e_stats "$E2E_DIR/stats.json"
fn=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.drops.frag_needed 0) || fn=0
check "stats: drops.frag_needed > 0 ($fn)" test "$fn" -gt 0
for svc in web-tun echo-tun; do
    pin=$(dvs_py show_stats.py "$E2E_DIR/stats.json" svc "$svc" pkts_in) || pin=0
    pout=$(dvs_py show_stats.py "$E2E_DIR/stats.json" svc "$svc" pkts_out) || pout=-1
    check "stats: $svc pkts_in > 0 ($pin)" test "$pin" -gt 0
    check "stats: $svc pkts_out == 0, answers bypassed dvsd ($pout)" test "$pout" -eq 0
done
conns=$(dvs_py show_stats.py "$E2E_DIR/stats.json" rs-conns web-tun) || conns=0
# 300 requests + the blob + the upload: each its own connection.
check "stats: per-RS conns of web-tun sum to $((REQUESTS + 2)) (got $conns)" \
    test "$conns" -eq $((REQUESTS + 2))

# What the real servers saw of the outer headers (ipip_decap.py counts).
echo "-- outer headers as the real servers' decapsulators saw them"
logs=()
for i in 1 2 3; do
    c=$(rs_decap_stop "$i") || c='{}'
    echo "   rs$i: $c"
    logs+=("$c")
done
summary=$("$DVS_PY" - "${logs[@]}" <<'PY'
import json, sys
tot = {"decap": 0, "bad": 0, "df": 0, "no_df": 0, "mismatch": 0, "src": set(), "ttl": set()}
for arg in sys.argv[1:]:
    c = json.loads(arg or "{}")
    tot["decap"] += c.get("decap", 0)
    tot["bad"] += c.get("bad_outer", 0) + c.get("bad_inner", 0) + c.get("write_err", 0)
    tot["df"] += c.get("outer_df", 0)
    tot["no_df"] += c.get("outer_no_df", 0)
    tot["mismatch"] += c.get("df_mismatch", 0)
    tot["src"] |= set(c.get("outer_src", {}))
    tot["ttl"] |= set(c.get("outer_ttl", {}))
print(tot["decap"], tot["bad"], tot["df"], tot["no_df"], tot["mismatch"],
      ",".join(sorted(tot["src"])) or "-", ",".join(sorted(tot["ttl"])) or "-")
PY
) || summary="0 0 0 0 0 - -"
read -r d_decap d_bad d_df d_nodf d_mismatch d_src d_ttl <<<"$summary"
check "real servers decapsulated packets ($d_decap), none malformed ($d_bad)" \
    test "$d_decap" -gt 0 -a "$d_bad" -eq 0
check "every outer source is dvsd's lan address 10.0.0.1 ($d_src)" test "$d_src" = 10.0.0.1
check "every outer TTL is 64 ($d_ttl)" test "$d_ttl" = 64
check "outer DF copied from the inner packet (mismatches: $d_mismatch; DF $d_df, no DF $d_nodf)" \
    test "$d_mismatch" -eq 0 -a "$d_df" -gt 0 -a "$d_nodf" -ge 12

e2e_stop_checked
e2e_finish
