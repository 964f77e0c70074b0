#!/usr/bin/env bash
# e2e_wrr_spread: one worker, NAT service "web" with weights 3:2:1.
# 600 HTTP requests from the client namespace to 192.0.2.10:80, each on a new
# connection: all succeed, every real server serves some, the shares match the
# weights within +-5 percentage points, and dvsd's per-RS conns add up to 600.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

REQUESTS=600
e2e_init e2e_wrr_spread dvsE1
export RS_BLOB_MB=1

e2e_setup 1 3

echo "-- $REQUESTS requests to http://192.0.2.10/whoami"
e2e_client_checked requests "$REQUESTS" http_client.py \
    --url http://192.0.2.10/whoami --count "$REQUESTS" --timeout 3 --deadline 90

e2e_check_shares "$E2E_RES" "$REQUESTS" rs1=3 rs2=2 rs3=1

e2e_stats "$E2E_DIR/stats.json"
conns=$(dvs_py show_stats.py "$E2E_DIR/stats.json" rs-conns web)
check "stats: per-RS conns of service web sum to $REQUESTS (got $conns)" test "$conns" -eq "$REQUESTS"

e2e_stop_checked
e2e_finish
