#!/usr/bin/env bash
# e2e_ecmp_drain (issue 16): `dvsadm fleet drain` withdraws a box's VIPs.
#  - paced downloads run through two boxes; box 1 is drained;
#  - the router drops box 1's path; dvsadm fleet says "withdrawn (drained)";
#  - new requests all succeed and none reaches box 1 (its conns_created
#    stays put) while box 1 keeps forwarding;
#  - the downloads that were established finish whole (those the router
#    moves to box 2 by continuation);
#  - `dvsadm fleet undrain` announces again.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"
e2e_init e2e_ecmp_drain dvsFd
e2e_require bird birdc
# shellcheck source-path=SCRIPTDIR source=../lib/fleet.sh
source "$DVS_SRC/tests/lib/fleet.sh"
export RS_BLOB_MB=2
DOWNLOADS=10

fleet_up 2
fleet_downloads_start "$DOWNLOADS" 262144
sleep 2
out=$(fleet_adm 1 fleet drain)
fleet_indent <<<"$out"
check "dvsadm fleet drain: withdrawn (drained)" grep -q "withdrawn (drained)" <<<"$out"
check "the router dropped box 1's path" _wait_until 10 fleet_paths_are 1
check "the remaining path is box 2's" fleet_path_via 2
created=$(fleet_stat 1 totals.conns_created)
res=$(ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/http_client.py" \
    --url "http://$FLEET_VIP/whoami" --count 50 --timeout 3 --deadline 30) || true
check "50 new requests succeed ($(json_field "$res" ok))" test "$(json_field "$res" ok)" -eq 50
after=$(fleet_stat 1 totals.conns_created)
check "no new connection reached box 1 ($created -> $after)" test "$after" -eq "$created"
fleet_downloads_wait
intact=$(fleet_downloads_intact "$DOWNLOADS")
check "$intact of $DOWNLOADS established downloads finished whole" test "$intact" -eq "$DOWNLOADS"
fleet_adm 1 fleet undrain >/dev/null
check "dvsadm fleet undrain: box 1's path is back" _wait_until 10 fleet_paths_are 2
fleet_stop_checked 1 2
e2e_finish
