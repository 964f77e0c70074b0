#!/usr/bin/env bash
# e2e_persistence6 (issue 15): IPv6 persistence with a prefix length, as
# ipvsadm -M 64 does, through real kernel TCP in namespaces, two workers
# (templates live on the core of the client's /64, so new connections cross
# cores to reach them).
#  - the client namespace holds 2001:db8:1::2..::6 (nodad) on one /64: 20
#    connections from those five sources to the persistent rr service all
#    reach one real server (without persistence rr would rotate);
#  - client addresses in three other /64s (2001:db8:7:N::2, routed by dvsd
#    via the client's kernel) are each pinned, and scheduled on their own:
#    the four /64s do not all land on one server;
#  - when a /64's connections have ended and its template's 4 s pass, the
#    template goes (releases reached it across cores) and rr moves the /64;
#  - the default prefix length 128 pins one address, not its /64;
#  - a port-0 IPv6 service sends ports 80 and 443 of one /64 to one server;
#  - dvsadm -L -n shows "persistent 300 mask 64" and counts the templates.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_persistence6 dvsP6
export RS_IPV6=1
export RS_BLOB_MB=1
export RS_HTTP_EXTRA_PORTS="80 443"
VIP6=2001:db8:50::80
VIP6_HOST=2001:db8:51::80
VIP6_ANY=2001:db8:52::80
OTHER64S="2001:db8:7::2 2001:db8:7:1::2 2001:db8:7:2::2"
VIP6_SHORT=2001:db8:53::80

e2e_config_dual_stack "$E2E_DIR/dvs.yaml" 2 ||
    { echo "FAIL: could not render the dual-stack configuration"; exit 1; }
# Closed connections leave 2 s after their FIN, so a template is free soon.
sed -i 's/^timeouts: .*/timeouts: { tcp: 900, tcp_fin: 2, udp: 300 }/' "$E2E_DIR/dvs.yaml"
servers() {
    local port=${1:-}
    for i in 1 2 3; do
        echo "      - { address: \"2001:db8:2::1$i\"${port:+, port: $port}, forward: nat }"
    done
}
cat >>"$E2E_DIR/dvs.yaml" <<YAML
  - name: web6-p64
    vip: "$VIP6"
    port: 80
    protocol: tcp
    scheduler: rr
    persistence: { timeout: 300, prefix_length: 64 }
    real_servers:
$(servers 8080)
  - name: web6-host
    vip: "$VIP6_HOST"
    port: 80
    protocol: tcp
    scheduler: rr
    persistence: { timeout: 300 }
    real_servers:
$(servers 8080)
  - name: any6-p64
    vip: "$VIP6_ANY"
    port: 0
    protocol: tcp
    scheduler: rr
    persistence: { timeout: 300, prefix_length: 64 }
    real_servers:
$(servers)
  - name: web6-short
    vip: "$VIP6_SHORT"
    port: 80
    protocol: tcp
    scheduler: rr
    persistence: { timeout: 4, prefix_length: 64 }
    real_servers:
$(servers 8080)
routes:
  - { prefix: "2001:db8:7::/48", via: "2001:db8:1::2", port: wan }
YAML
topo_up "$E2E_PREFIX" 3 || { echo "FAIL: could not build the namespace topology"; exit 1; }
topo_add_ipv6 "$E2E_PREFIX" 3 || { echo "FAIL: could not turn IPv6 on"; exit 1; }
CL=$E2E_PREFIX-cl
for i in 3 4 5 6; do
    ip -n "$CL" -6 addr add "2001:db8:1::$i/64" dev eth0 nodad ||
        { echo "FAIL: could not add 2001:db8:1::$i"; exit 1; }
done
for a in $OTHER64S; do
    ip -n "$CL" -6 addr add "$a/64" dev eth0 nodad || { echo "FAIL: could not add $a"; exit 1; }
done
rs_start_servers "$E2E_PREFIX" 3 "$E2E_DIR/rs" || { echo "FAIL: real servers did not come up"; exit 1; }
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }

# who SRC URL: the server that answered a request from source address SRC.
who() {
    ip netns exec "$CL" curl -sS -g -m 5 --interface "$1" "$2" 2>/dev/null || echo "error"
}

echo "-- 20 connections from five addresses of 2001:db8:1::/64 to [$VIP6]:80"
answers=""
for round in 1 2 3 4; do
    for i in 2 3 4 5 6; do answers+="$(who "2001:db8:1::$i" "http://[$VIP6]/whoami") "; done
done
echo "   $answers"
distinct=$(tr ' ' '\n' <<<"$answers" | sed '/^$/d' | sort -u)
check "all 20 answered by one server, no errors (got: $(tr '\n' ' ' <<<"$distinct"))" \
    test "$(wc -l <<<"$distinct")" -eq 1 -a "${distinct#error}" = "$distinct"
first=$(head -1 <<<"$distinct")

echo "-- clients in three other /64s, each scheduled on its own"
# rr positions are per worker: with four /64s on two template cores, two
# share a core and that core's rr gives them different servers.
pinned="$first"
for a in $OTHER64S; do
    other=""
    for round in 1 2 3; do other+="$(who "$a" "http://[$VIP6]/whoami") "; done
    odistinct=$(tr ' ' '\n' <<<"$other" | sed '/^$/d' | sort -u)
    check "$a: its 3 requests went to one server, no errors (got: $(tr '\n' ' ' <<<"$odistinct"))" \
        test "$(wc -l <<<"$odistinct")" -eq 1 -a "${odistinct#error}" = "$odistinct"
    pinned+=" $(head -1 <<<"$odistinct")"
done
echo "   the four /64s on: $pinned"
check "the four /64s did not all land on one server" \
    test "$(tr ' ' '\n' <<<"$pinned" | sort -u | wc -l)" -ge 2

echo "-- prefix_length 128 (the default): the addresses of one /64 are apart"
host=""
for i in 2 3 4 5 6; do host+="$(who "2001:db8:1::$i" "http://[$VIP6_HOST]/whoami") "; done
echo "   $host"
hdistinct=$(tr ' ' '\n' <<<"$host" | sed '/^$/d' | sort -u)
check "five addresses of one /64 reached more than one server at /128 (got: $(tr '\n' ' ' <<<"$hdistinct"))" \
    test "$(wc -l <<<"$hdistinct")" -ge 2 -a "${hdistinct#error}" = "$hdistinct"
again=""
for round in 1 2 3; do again+="$(who 2001:db8:1::2 "http://[$VIP6_HOST]/whoami") "; done
adistinct=$(tr ' ' '\n' <<<"$again" | sed '/^$/d' | sort -u)
check "one address stays on one server at /128 (got: $(tr '\n' ' ' <<<"$adistinct"))" \
    test "$(wc -l <<<"$adistinct")" -eq 1

echo "-- port 0: ports 80 and 443 of one /64 to [$VIP6_ANY]"
anyp=""
for i in 2 3 4; do
    for port in 80 443; do anyp+="$(who "2001:db8:1::$i" "http://[$VIP6_ANY]:$port/whoami") "; done
done
echo "   $anyp"
pdistinct=$(tr ' ' '\n' <<<"$anyp" | sed '/^$/d' | sort -u)
check "every answer from one server, no errors (got: $(tr '\n' ' ' <<<"$pdistinct"))" \
    test "$(wc -l <<<"$pdistinct")" -eq 1 -a "${pdistinct#error}" = "$pdistinct"

echo "-- a template that expires: [$VIP6_SHORT], timeout 4 s"
short1=""
for i in 2 3 4; do short1+="$(who "2001:db8:1::$i" "http://[$VIP6_SHORT]/whoami") "; done
s1=$(tr ' ' '\n' <<<"$short1" | sed '/^$/d' | sort -u)
check "three addresses of the /64 on one server (got: $(tr '\n' ' ' <<<"$s1"))" \
    test "$(wc -l <<<"$s1")" -eq 1 -a "${s1#error}" = "$s1"
echo "   waiting for the connections (2 s after FIN) and then the template (4 s)"
sleep 9
short2=""
for i in 2 3 4; do short2+="$(who "2001:db8:1::$i" "http://[$VIP6_SHORT]/whoami") "; done
s2=$(tr ' ' '\n' <<<"$short2" | sed '/^$/d' | sort -u)
check "after expiry the /64 is pinned again, to one server (got: $(tr '\n' ' ' <<<"$s2"))" \
    test "$(wc -l <<<"$s2")" -eq 1 -a "${s2#error}" = "$s2"
check "and rr moved it: $s1 -> $s2" test "$s1" != "$s2"
echo "   and the second one expires too (so the count below is exact)"
sleep 9

echo "-- dvsadm"
list=$("$DVSADM" --socket "/run/dvs/$E2E_PREFIX.sock" -L -n 2>&1) || true
echo "$list" | sed 's/^/   /'
check "dvsadm -L -n prints the /64 as ipvsadm does" \
    grep -q "^TCP  \[$VIP6\]:80 rr persistent 300 mask 64\$" <<<"$list"
check "and the /128 service without a mask" \
    grep -q "^TCP  \[$VIP6_HOST\]:80 rr persistent 300\$" <<<"$list"

e2e_stats "$E2E_DIR/stats.json"
made=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.templates_created)
active=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.templates_active)
handoffs=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.template_handoffs 0)
# p64: four /64s; host: five addresses; any: one /64; short: one, twice.
check "stats: 12 templates created (4 + 5 + 1 + 2) ($made)" test "$made" -eq 12
check "stats: 10 alive, the two short-lived ones gone ($active)" test "$active" -eq 10
echo "   template handoffs $handoffs (new connections that crossed to their template core)"

e2e_stop_checked
e2e_finish
