#!/usr/bin/env bash
# e2e_frag6 (issue 15): IPv6 fragments followed to their connection, with
# real kernels at both ends. The client (2001:db8:1::2) sends UDP datagrams
# of 4000 bytes, which its kernel cuts into three fragments at the links'
# 1500-byte MTU (IPv6 fragments only at the source), to two IPv6 services of
# a two-worker dvsd:
#   - NAT66 [2001:db8:10::80]:53 -> rs3 [2001:db8:2::13]:5353; rs3's kernel
#     fragments its 4004-byte echo too, and dvsd follows those fragments
#     back to the client from the VIP;
#   - DR [2001:db8:20::80]:5353 -> rs1, rs2 (the VIP on lo); they answer the
#     client through the gw (topo_add_ipv6_direct), not through dvsd.
# net_af_packet's fanout reassembles IPv4 only, so dvsd really sees IPv6
# fragments. Checked: every echo comes back whole and from the VIP (random
# payloads, so a misplaced fragment shows), the kernels reassembled without
# failure, and dvsd followed every fragment (fragments_followed) without a
# fragment drop.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_frag6 dvsF6
VIP6_NAT=2001:db8:10::80
VIP6_DR=2001:db8:20::80
COUNT=30
SIZE=4000
export RS_IPV6=1 RS_IPV6_VIPS=$VIP6_DR

# Two workers, one per port: a datagram's fragments meet on one core and go
# on to the flow's owner, replies come in on the other worker.
e2e_config_dual_stack "$E2E_DIR/dvs.yaml" 2 ||
    { echo "FAIL: could not render the dual-stack configuration"; exit 1; }
cat >>"$E2E_DIR/dvs.yaml" <<YAML
  - name: echo6-nat
    vip: "$VIP6_NAT"
    port: 53
    protocol: udp
    scheduler: rr
    real_servers:
      - { address: "2001:db8:2::13", port: 5353, forward: nat }
  - name: echo6-dr
    vip: "$VIP6_DR"
    port: 5353
    protocol: udp
    scheduler: rr
    real_servers:
      - { address: "2001:db8:2::11", forward: dr }
      - { address: "2001:db8:2::12", forward: dr }
YAML
topo_up "$E2E_PREFIX" 3 direct || { echo "FAIL: could not build the namespace topology"; exit 1; }
topo_add_ipv6 "$E2E_PREFIX" 3 || { echo "FAIL: could not turn IPv6 on"; exit 1; }
topo_add_ipv6_direct "$E2E_PREFIX" 3 "$VIP6_DR" || { echo "FAIL: could not route IPv6 for DR"; exit 1; }
# rs3 is the NAT66 server: its answers go back through dvsd (default route).
ip -n "$E2E_PREFIX-rs3" -6 route del 2001:db8:1::/64 ||
    { echo "FAIL: could not route rs3 through dvsd"; exit 1; }
rs_start_servers "$E2E_PREFIX" 3 "$E2E_DIR/rs" || { echo "FAIL: real servers did not come up"; exit 1; }
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }
CL=$E2E_PREFIX-cl
for ns in "$CL" "$E2E_PREFIX-rs1" "$E2E_PREFIX-rs2" "$E2E_PREFIX-rs3"; do
    ip netns exec "$ns" nstat -n >/dev/null 2>&1 || true # count from here
done

echo "-- NAT66: $COUNT datagrams of $SIZE bytes to [$VIP6_NAT]:53, each from a new port"
echo_round() {
    E2E_RES=$(ip netns exec "$CL" "$DVS_PY" "$DVS_LIB/udp_client.py" --addr "$1" --port "$2" \
        --count "$COUNT" --size "$SIZE" --random --timeout 2 --retries 0) || true
    echo "   $E2E_RES"
    [[ -n $E2E_RES ]] || E2E_RES='{"ok":0,"failed":'"$COUNT"',"by_server":{}}'
}
echo_round "$VIP6_NAT" 53
check "$COUNT of $COUNT echoes came back whole from [$VIP6_NAT]:53 ($(json_field "$E2E_RES" ok))" \
    test "$(json_field "$E2E_RES" ok)" -eq "$COUNT"
check "rs3 answered them all ($(json_field "$E2E_RES" by_server.rs3))" \
    test "$(json_field "$E2E_RES" by_server.rs3)" -eq "$COUNT"

echo "-- DR: $COUNT datagrams of $SIZE bytes to [$VIP6_DR]:5353"
echo_round "$VIP6_DR" 5353
check "$COUNT of $COUNT echoes came back whole from [$VIP6_DR]:5353 ($(json_field "$E2E_RES" ok))" \
    test "$(json_field "$E2E_RES" ok)" -eq "$COUNT"
for rs in rs1 rs2; do
    n=$(json_field "$E2E_RES" "by_server.$rs")
    check "$rs answered some ($n)" test "$n" -gt 0
done

echo "-- the kernels reassembled the fragments"
nstat_of() {
    ip netns exec "$1" nstat -az "$2" 2>/dev/null | awk -v k="$2" '$1 == k {n = $2} END {print n + 0}'
}
cl_ok=$(nstat_of "$CL" Ip6ReasmOKs)
rs_ok=0
fails=$(nstat_of "$CL" Ip6ReasmFails)
for i in 1 2 3; do
    rs_ok=$((rs_ok + $(nstat_of "$E2E_PREFIX-rs$i" Ip6ReasmOKs)))
    fails=$((fails + $(nstat_of "$E2E_PREFIX-rs$i" Ip6ReasmFails)))
done
check "the client reassembled $((2 * COUNT)) echoes ($cl_ok)" test "$cl_ok" -ge $((2 * COUNT))
check "the servers reassembled $((2 * COUNT)) datagrams ($rs_ok)" test "$rs_ok" -ge $((2 * COUNT))
check "no reassembly failed anywhere ($fails)" test "$fails" -eq 0
csum=0
for ns in "$CL" "$E2E_PREFIX-rs1" "$E2E_PREFIX-rs2" "$E2E_PREFIX-rs3"; do
    csum=$((csum + $(nstat_of "$ns" Udp6InCsumErrors)))
done
check "no UDP checksum error at either end ($csum)" test "$csum" -eq 0

e2e_stats "$E2E_DIR/stats.json"
stat() { dvs_py show_stats.py "$E2E_DIR/stats.json" get "$1" 0; }
# Three fragments per datagram: NAT66 both ways and DR inbound.
followed=$(stat totals.fragments_followed)
check "dvsd followed every fragment ($followed of at least $((9 * COUNT)))" \
    test "$followed" -ge $((9 * COUNT))
dropped=0
for r in ipv6_fragment frag_table_full frag_hold_full frag_timeout frag_no_conn frag_overlap \
    frag_evicted; do
    dropped=$((dropped + $(stat "totals.drops.$r")))
done
check "no fragment was dropped ($dropped)" test "$dropped" -eq 0
handoffs=$(stat totals.handoff_in)
check "packets crossed between the two workers ($handoffs)" test "$handoffs" -ge 1

e2e_stop_checked
e2e_finish
