#!/usr/bin/env bash
# e2e_udp: one worker, UDP service "echo" (rr) on 192.0.2.10:53. 30 datagrams,
# each from a new client port: every one is answered from 192.0.2.10:53 with
# the name of a real server, and all three real servers answer.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

COUNT=30
e2e_init e2e_udp dvsE3
export RS_BLOB_MB=1

e2e_setup 1 3

echo "-- $COUNT datagrams to 192.0.2.10:53, each from a new source port"
# udp_client.py counts a datagram ok only when the answer comes from
# 192.0.2.10:53 and carries a real server's name and our payload.
e2e_client_checked datagrams "$COUNT" udp_client.py \
    --addr 192.0.2.10 --port 53 --count "$COUNT" --timeout 2 --retries 0

e2e_stats "$E2E_DIR/stats.json"
conns=$(dvs_py show_stats.py "$E2E_DIR/stats.json" rs-conns echo)
check "stats: per-RS conns of service echo sum to $COUNT (got $conns)" test "$conns" -eq "$COUNT"

e2e_stop_checked
e2e_finish
