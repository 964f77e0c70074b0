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

echo "-- GET http://192.0.2.10/blob (${RS_BLOB_MB} MiB)"
out=$(ip netns exec "$E2E_PREFIX-cl" curl -sS --max-time 90 -o "$E2E_DIR/blob.out" \
    -w '%{http_code} %{size_download} %{time_total} %{speed_download}' \
    http://192.0.2.10/blob 2>&1) || true
echo "   curl: $out"
read -r code size secs speed <<<"$out" || true
check "HTTP 200 (got ${code:-none})" test "${code:-0}" = 200
check "received $((RS_BLOB_MB * 1048576)) bytes (got ${size:-0})" test "${size:-0}" = "$((RS_BLOB_MB * 1048576))"
got_sha=$(sha256sum "$E2E_DIR/blob.out" 2>/dev/null | cut -d' ' -f1) || got_sha=""
check "sha256 of the download matches ($got_sha)" test "$got_sha" = "$local_sha"
if [[ ${code:-0} == 200 ]]; then
    awk -v s="$speed" -v t="$secs" -v b="$size" \
        'BEGIN { printf "   throughput: %.1f MiB/s (%.1f Mbit/s), %d bytes in %.2f s\n", s / 1048576, s * 8 / 1e6, b, t }'
fi
rm -f "$E2E_DIR/blob.out"

e2e_stats "$E2E_DIR/stats.json"

e2e_stop_checked
e2e_finish
