#!/usr/bin/env bash
# e2e_dr6 (issue 15, stage 2): DR over IPv6 with real kernel TCP. The client
# (2001:db8:1::2) sends to the VIP 2001:db8:20::80 through dvsd, which only
# rewrites the Ethernet header towards a real server it resolved with
# Neighbor Solicitation; each server holds the VIP on lo and answers the
# client directly through the gw (2001:db8:2::fe -> the client's eth1), so
# the answer never crosses dvsd. Checked: every server takes requests, a
# 50 MiB download is intact (sha256), dvsd saw only the client's side, and
# the IPv4 service of the same dvsd answers meanwhile.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_dr6 dvsD6
VIP6=2001:db8:20::80
export RS_IPV6=1 RS_IPV6_VIPS=$VIP6 RS_HTTP_EXTRA_PORTS=80

e2e_setup_ipv6_direct "$VIP6" DR "$(
    cat <<YAML
  - name: web6-dr
    vip: "$VIP6"
    port: 80
    protocol: tcp
    scheduler: rr
    real_servers:
      - { address: "2001:db8:2::11", forward: dr }
      - { address: "2001:db8:2::12", forward: dr }
      - { address: "2001:db8:2::13", forward: dr }
YAML
)"
dvsd_start "$E2E_PREFIX" "$E2E_DIR/dvs.yaml" "$E2E_DIR/stats.json" "$E2E_DIR/dvsd.log" ||
    { echo "FAIL: dvsd did not get ready"; exit 1; }

e2e_ipv6_service_checked "$VIP6" 10

e2e_stats "$E2E_DIR/stats.json"
stat() { dvs_py show_stats.py "$E2E_DIR/stats.json" get "$1" 0; }
solicits=$(stat totals.nd_solicits_sent)
check "dvsd resolved the servers with Neighbor Solicitations ($solicits)" test "$solicits" -ge 3
# DR: dvsd carries only the client's side (requests, ACKs): the 50 MiB
# went from the servers to the client directly. The IPv6 service is the
# demo's third (services.2).
svc=$(stat services.2.name)
bytes_in=$(stat services.2.bytes_in)
pkts_out=$(stat services.2.pkts_out)
check "$svc: dvsd saw the client's side only ($bytes_in bytes in, under 10 MiB)" \
    test "$bytes_in" -lt 10485760
check "$svc: no reply crossed dvsd (pkts_out $pkts_out)" test "$pkts_out" -eq 0

e2e_stop_checked
e2e_finish
