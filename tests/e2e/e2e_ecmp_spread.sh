#!/usr/bin/env bash
# e2e_ecmp_spread (issue 16): three dvsd boxes announce 192.0.2.70 through
# their BIRD; the router's BIRD installs one multipath route (merge paths)
# and its kernel hashes on L4 ports (fib_multipath_hash_policy=1):
#  - 150 requests, each on a new connection, all succeed;
#  - every box scheduled some of them (conns_created > 0 on each);
#  - the DR servers answered directly: no box forwarded a reply.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"
e2e_init e2e_ecmp_spread dvsFs
e2e_require bird birdc
# shellcheck source-path=SCRIPTDIR source=../lib/fleet.sh
source "$DVS_SRC/tests/lib/fleet.sh"
export RS_BLOB_MB=1
REQUESTS=150

fleet_up 3
res=$(ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/http_client.py" \
    --url "http://$FLEET_VIP/whoami" --count "$REQUESTS" --timeout 3 --deadline 60) || true
echo "   $res"
check "all $REQUESTS requests succeeded" test "$(json_field "$res" ok)" -eq "$REQUESTS"
for rs in rs1 rs2 rs3; do
    check "$rs served some ($(json_field "$res" "by_server.$rs"))" \
        test "$(json_field "$res" "by_server.$rs")" -gt 0
done
total=0
for n in 1 2 3; do
    created=$(fleet_stat "$n" totals.conns_created)
    total=$((total + created))
    check "box $n scheduled some connections (conns_created=$created)" test "$created" -gt 0
done
check "the boxes scheduled $REQUESTS connections in all ($total)" test "$total" -ge "$REQUESTS"
fleet_stop_checked 1 2 3
e2e_finish
