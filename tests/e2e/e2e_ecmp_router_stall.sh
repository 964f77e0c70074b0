#!/usr/bin/env bash
# e2e_ecmp_router_stall: the router's BIRD stalls for a second (SIGSTOP,
# SIGCONT) during 20 paced downloads through three boxes. This is how CI
# once lost every download of e2e_ecmp_box_join: on a busy VM the router's
# BFD missed 300 ms of packets, dropped all four sessions at once, and BGP's
# default error wait (60 s) kept every box's path out for a minute.
#  - BFD drops the sessions: the boxes' BFD sees 300 ms of silence from the
#    router, or the router's own timers fire when it runs again (its log
#    shows the sessions stop either way: the stall was real);
#  - the example BIRD configurations restart a failed session after 1 s
#    (error wait time 1, 60), so the paths come back within seconds;
#  - every download arrives whole (TCP retransmits across the gap).
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"
e2e_init e2e_ecmp_router_stall dvsFr
e2e_require bird birdc
# shellcheck source-path=SCRIPTDIR source=../lib/fleet.sh
source "$DVS_SRC/tests/lib/fleet.sh"
export RS_BLOB_MB=4
DOWNLOADS=20
STALL_S=${STALL_S:-1}

fleet_up 3
drops_before=$(grep -c "State changed to stop" "$E2E_DIR/bird0.log" || true)
fleet_downloads_start "$DOWNLOADS" 262144
sleep 4
echo "-- the router's BIRD stops for ${STALL_S} s"
kill -STOP "${FLEET_BIRD_PID[0]}"
sleep "$STALL_S"
kill -CONT "${FLEET_BIRD_PID[0]}"
t0=$(date +%s.%N)
# The sessions drop (the boxes' BFD, or the router's once it runs again).
_wait_until 5 fleet_paths_are 0 || true
drops=$(($(grep -c "State changed to stop" "$E2E_DIR/bird0.log" || true) - drops_before))
check "BFD dropped the router's sessions ($drops)" test "$drops" -gt 0
back=
if _wait_until 30 fleet_paths_are 3; then
    back=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
fi
echo "   router: $(ip -n "$E2E_PREFIX-gw" route show "$FLEET_VIP" | tr -s ' \n' ' ')"
check "the router has its 3 paths again within 15 s (after ${back:-more than 30} s)" \
    awk -v b="${back:-99}" 'BEGIN { exit !(b <= 15) }'
fleet_downloads_wait
intact=$(fleet_downloads_intact "$DOWNLOADS")
check "$intact of $DOWNLOADS downloads arrived whole" test "$intact" -eq "$DOWNLOADS"
echo "RESULT router_stall_s=$STALL_S sessions_dropped=$drops paths_back_s=${back:-never} downloads_intact=$intact/$DOWNLOADS"
fleet_stop_checked 1 2 3
e2e_finish
