#!/usr/bin/env bash
# e2e_ecmp_box_join (issue 16): a box joins during paced downloads.
#  - three boxes carry 20 downloads (6 MiB at 256 KiB/s: 24 s); a fourth box starts (dvsd, then BIRD);
#  - the router adds its path; the flows the rehash moves to it carry on
#    there by continuation (it counted continued_no_state);
#  - every download arrives whole.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"
e2e_init e2e_ecmp_box_join dvsFj
e2e_require bird birdc
# shellcheck source-path=SCRIPTDIR source=../lib/fleet.sh
source "$DVS_SRC/tests/lib/fleet.sh"
export RS_BLOB_MB=6
DOWNLOADS=20

FLEET_PLUG=4 fleet_up 3
fleet_downloads_start "$DOWNLOADS" 262144
sleep 3
fleet_box_start 4 || { echo "FAIL: box 4 did not start"; exit 1; }
check "the router added box 4's path" _wait_until 20 fleet_paths_are 4
sleep 2
fleet_downloads_wait
intact=$(fleet_downloads_intact "$DOWNLOADS")
continued=$(fleet_stat 4 totals.continued_no_state)
check "$intact of $DOWNLOADS downloads arrived whole" test "$intact" -eq "$DOWNLOADS"
check "box 4 continued the flows moved to it ($continued)" test "$continued" -gt 0
echo "RESULT join_downloads_intact=$intact/$DOWNLOADS continued_on_new_box=$continued"
fleet_stop_checked 1 2 3 4
e2e_finish
