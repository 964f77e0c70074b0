#!/usr/bin/env bash
# e2e_long_transfer: one worker; a 50 MiB GET /blob through the VIP (NAT) with
# curl from the client namespace arrives intact (sha256 equals /blob.sha256,
# also fetched through the VIP, and the blob the servers generated).
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_long_transfer dvsE2
export RS_BLOB_MB=50

e2e_setup 1 3

local_sha=$(sha256sum "$E2E_DIR/rs/blob-${RS_BLOB_MB}MiB.bin" | cut -d' ' -f1)
vip_sha=$(ip netns exec "$E2E_PREFIX-cl" curl -sS --max-time 10 http://192.0.2.10/blob.sha256 | tr -d '[:space:]') || vip_sha=""
check "GET /blob.sha256 through the VIP matches the servers' blob ($vip_sha)" \
    test "$vip_sha" = "$local_sha"

e2e_blob_checked http://192.0.2.10/blob

e2e_stats "$E2E_DIR/stats.json"

e2e_stop_checked
e2e_finish
