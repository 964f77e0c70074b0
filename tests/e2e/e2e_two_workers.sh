#!/usr/bin/env bash
# e2e_two_workers: two workers, each polling one of the two ports, so NAT
# replies arrive on a worker that does not own the flow and must be handed
# over. 300 HTTP requests all succeed over all real servers, a 50 MiB blob
# arrives intact, the stats show handoffs in both directions, and the
# start-up log says the connection tables' hash is keyed.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

REQUESTS=300
e2e_init e2e_two_workers dvsE4
export RS_BLOB_MB=50

e2e_setup 2 3

echo "-- $REQUESTS requests to http://192.0.2.10/whoami"
e2e_client_checked requests "$REQUESTS" http_client.py \
    --url http://192.0.2.10/whoami --count "$REQUESTS" --timeout 3 --deadline 90

e2e_blob_checked http://192.0.2.10/blob

e2e_stats "$E2E_DIR/stats.json"
hout=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.handoff_out)
hin=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.handoff_in)
nworkers=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get workers | "$DVS_PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
echo "   handoff_out=$hout handoff_in=$hin workers=$nworkers"
check "stats report 2 workers (got $nworkers)" test "$nworkers" -eq 2
check "totals.handoff_out > 0 ($hout)" test "$hout" -gt 0
check "totals.handoff_in > 0 ($hin)" test "$hin" -gt 0
# The tables' hash seed is random at every start (flow_hash.hpp); the log
# says so, without the value.
check "the start-up log says the connection table's hash is keyed" \
    grep -q "keyed hash" "$DVSD_LOG"

e2e_stop_checked
e2e_finish
