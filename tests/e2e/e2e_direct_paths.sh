#!/usr/bin/env bash
# e2e_direct_paths: the DR/TUN test plumbing on its own, without dvsd.
# `topo_up PREFIX 3 direct` with rs1 as a NAT, rs2 as a DR and rs3 as a TUN
# real server (rs_mode); scapy in the balancer's namespace sends exactly what
# dvsd sends for a client datagram (tests/lib/direct_probe.py) and the
# answer must reach the client from VIP:5353 through the gw:
#  - DR: Ethernet-only rewrite to rs2, small and 1500-byte packets;
#  - TUN: IP-in-IP to rs3 decapsulated by tests/lib/ipip_decap.py, small,
#    and 1500-byte inner without DF with the outer packet fragmented;
#  - nobody answers ARP for the VIP (arp_ignore), rs2 answers for its own
#    address; routes: rs1 default via 10.0.0.1, rs2/rs3 reach the client via
#    10.0.0.254;
#  - ipip_decap.py rejects a protocol-4 packet with a non-IPv4 inner header
#    and reports its counts on SIGTERM.
# Needs root and python3-scapy; no dvsd, no hugepages.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

export E2E_NO_DVSD=1
e2e_init e2e_direct_paths dvsE8
if ! "$DVS_PY" -c 'import scapy.all' 2>/dev/null; then
    echo "SKIP: python3-scapy is not installed for $DVS_PY"
    exit 77
fi
export RS_BLOB_MB=1
P=$E2E_PREFIX
VIP_DR=192.0.2.20
VIP_TUN=192.0.2.30

topo_up "$P" 3 direct || { echo "FAIL: could not build the namespace topology"; exit 1; }
rs_start_servers "$P" 3 "$E2E_DIR/rs" || { echo "FAIL: real servers did not come up"; exit 1; }
RS_MODE_DIR=$E2E_DIR
rs_mode "$P" 1 nat "$VIP_DR" || { echo "FAIL: rs_mode nat"; exit 1; }
rs_mode "$P" 2 dr "$VIP_DR" || { echo "FAIL: rs_mode dr"; exit 1; }
rs_mode "$P" 3 tun "$VIP_TUN" || { echo "FAIL: rs_mode tun"; exit 1; }

probe() { # LABEL ARGS...
    local label=$1 res
    shift
    res=$("$DVS_PY" "$DVS_LIB/direct_probe.py" --lb-ns "$P-lb" --client-ns "$P-cl" "$@" 2>&1) || true
    echo "   $res"
    check "$label" grep -q '"ok": true' <<<"$res"
}

echo "-- routes"
r1=$(ip -n "$P-rs1" route get 10.0.1.2 | head -n1)
r2=$(ip -n "$P-rs2" route get 10.0.1.2 | head -n1)
r3=$(ip -n "$P-rs3" route get 10.0.1.2 | head -n1)
check "rs1 (nat) reaches the client via dvsd 10.0.0.1 ($r1)" grep -q 'via 10.0.0.1 ' <<<"$r1"
check "rs2 (dr) reaches the client via the gw ($r2)" grep -q 'via 10.0.0.254 ' <<<"$r2"
check "rs3 (tun) reaches the client via the gw ($r3)" grep -q 'via 10.0.0.254 ' <<<"$r3"

echo "-- DR: Ethernet rewrite only, to rs2"
mac2=$(if_mac "$P-rs2" eth0)
mac3=$(if_mac "$P-rs3" eth0)
probe "DR datagram answered from $VIP_DR:5353 through the gw" \
    --mode dr --rs-mac "$mac2" --rs-ip 10.0.0.12 --vip "$VIP_DR"
probe "DR 1500-byte datagram answered" \
    --mode dr --rs-mac "$mac2" --rs-ip 10.0.0.12 --vip "$VIP_DR" --size 1472

echo "-- TUN: IP-in-IP to rs3"
probe "TUN datagram decapsulated and answered from $VIP_TUN:5353" \
    --mode tun --rs-mac "$mac3" --rs-ip 10.0.0.13 --vip "$VIP_TUN"
probe "TUN 1500-byte inner, no DF, outer fragmented: answered" \
    --mode tun --rs-mac "$mac3" --rs-ip 10.0.0.13 --vip "$VIP_TUN" --size 1472 --frag

echo "-- ARP"
arp=$(ip netns exec "$P-gw" "$DVS_PY" "$DVS_LIB/arp_probe.py" --iface lan --target "$VIP_DR" --timeout 0.5) || arp=error
echo "   who-has $VIP_DR: $arp"
check "no real server answers ARP for the VIP" grep -q '"answers": \[\]' <<<"$arp"
arp=$(ip netns exec "$P-gw" "$DVS_PY" "$DVS_LIB/arp_probe.py" --iface lan --target 10.0.0.12 --timeout 0.5) || arp=error
echo "   who-has 10.0.0.12: $arp"
check "rs2 answers ARP for its own address" grep -qi "\"$mac2\"" <<<"$arp"

echo "-- ipip_decap.py rejects a bad inner packet, counts on SIGTERM"
ip netns exec "$P-lb" "$DVS_PY" - "$mac3" <<'PY'
import sys
from scapy.all import IP, Ether, Raw, conf, get_if_hwaddr, sendp
conf.verb = 0
bad = IP(src="10.0.0.1", dst="10.0.0.13", proto=4) / Raw(b"\x60" + b"\0" * 39)
sendp(Ether(src=get_if_hwaddr("lan"), dst=sys.argv[1]) / bad, iface="lan")
PY
sleep 0.5
counts=$(rs_decap_stop 3) || counts=""
echo "   $counts"
check "ipip_decap.py stopped on SIGTERM and logged its counts" test -n "$counts"
[[ -n $counts ]] || counts='{}'
decap=$(json_field "$counts" decap) || decap=0
bad=$(json_field "$counts" bad_inner) || bad=0
check "decapsulated both TUN probes ($decap)" test "$decap" -eq 2
check "rejected the bad inner packet ($bad)" test "$bad" -eq 1

e2e_finish
