#!/usr/bin/env bash
# e2e_ecmp_box_loss (issue 16): 30 paced long downloads through three boxes,
# then one box gets kill -9.
#  - the router drops that box's path (BFD, 100 ms x 3; BGP hold 3 s
#    otherwise): the time from the kill to the path leaving the router's
#    kernel table is printed;
#  - the flows the dead box carried (and any the router's rehash moved)
#    continue on the other boxes by Maglev continuation: 30 of 30 downloads
#    arrive whole, and the survivors counted continued_no_state.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"
e2e_init e2e_ecmp_box_loss dvsFl
e2e_require bird birdc
# shellcheck source-path=SCRIPTDIR source=../lib/fleet.sh
source "$DVS_SRC/tests/lib/fleet.sh"
export RS_BLOB_MB=4
DOWNLOADS=30
RATE=262144 # bytes/s per download: 16 s each

fleet_up 3
fleet_downloads_start "$DOWNLOADS" "$RATE"
sleep 4
before=$(fleet_stat 2 totals.conns_active)
echo "   box 2 holds $before connections; kill -9"
t0=$(date +%s.%N)
fleet_kill9 2
t_gone=$(date +%s.%N) # the process reaped: its tap, and so its BGP and BFD, gone
_wait_until 15 fleet_paths_are 2 || true
t1=$(date +%s.%N)
ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }')
gone_ms=$(awk -v a="$t0" -v b="$t_gone" 'BEGIN { printf "%d", (b - a) * 1000 }')
echo "   dvsd was reaped ${gone_ms} ms after kill -9 (hugepage teardown); the path went $((ms - gone_ms)) ms later"
echo "   router: $(ip -n "$E2E_PREFIX-gw" route show "$FLEET_VIP" | tr -s ' \n' ' ')"
check "the router dropped box 2's path ${ms} ms after kill -9" fleet_paths_are 2
check "box 2 carried some of the downloads ($before)" test "$before" -gt 0
fleet_downloads_wait
intact=$(fleet_downloads_intact "$DOWNLOADS")
check "$intact of $DOWNLOADS downloads arrived whole" test "$intact" -eq "$DOWNLOADS"
continued=0
for n in 1 3; do continued=$((continued + $(fleet_stat "$n" totals.continued_no_state))); done
check "the surviving boxes continued connections without state ($continued)" test "$continued" -gt 0
echo "RESULT kill_to_path_removal_ms=$ms reaped_ms=$gone_ms downloads_intact=$intact/$DOWNLOADS continued=$continued"
fleet_stop_checked 1 3
e2e_finish
