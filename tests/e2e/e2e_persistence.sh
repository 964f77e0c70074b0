#!/usr/bin/env bash
# e2e_persistence: persistence templates and port-0 services through the
# dataplane, with two workers (templates live on the core chosen by the
# client's masked address, so new connections cross cores to reach them).
#  - 20 new connections from one client to a persistent rr service all reach
#    one real server (without persistence rr would rotate);
#  - after the template expires (its connections gone, then its 4 s), the
#    client is scheduled afresh and moves to another server;
#  - a port-0 persistent service sends ports 80 and 443 of one client to one
#    server, which sees the client's own destination port;
#  - wlc over two workers, 600 requests: shares follow weights 3:2:1.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_persistence dvsE10
export RS_BLOB_MB=1
export RS_HTTP_EXTRA_PORTS="80 443 8081"
e2e_setup_direct "$DVS_SRC/tests/e2e/persist.yaml.in" 2 3 "1:nat:" "2:nat:" "3:nat:"

# one_server JSON: the only server that answered, or "" if several did.
one_server() {
    "$DVS_PY" -c 'import json,sys; s=[k for k,v in json.loads(sys.argv[1])["by_server"].items() if v]; print(s[0] if len(s)==1 else "")' "$1"
}

echo "-- 20 connections to the persistent service 192.0.2.50:80"
res=$(ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/http_client.py" \
    --url http://192.0.2.50/whoami --count 20 --timeout 3 --deadline 60) || true
echo "   $res"
check "all 20 answered ($(json_field "$res" ok))" test "$(json_field "$res" ok)" -eq 20
first=$(one_server "$res")
check "all 20 went to one server (${first:-several})" test -n "$first"

e2e_stats "$E2E_DIR/stats.json"
made=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.templates_created)
check "stats: one template created ($made)" test "$made" -eq 1

echo "-- waiting for the template to expire (connections 2 s after FIN, template 4 s more)"
sleep 9
res=$(ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/http_client.py" \
    --url http://192.0.2.50/whoami --count 5 --timeout 3 --deadline 30) || true
echo "   $res"
second=$(one_server "$res")
check "after expiry the client is pinned again, to one server (${second:-several})" test -n "$second"
check "and rr moved it: $first -> $second" test -n "$second" -a "$second" != "$first"

echo "-- port-0 service 192.0.2.51: ports 80 and 443 of one client"
servers=""
for i in 1 2 3 4 5; do
    for port in 80 443; do
        who=$(ip netns exec "$E2E_PREFIX-cl" curl -sS --max-time 3 "http://192.0.2.51:$port/whoami" 2>&1) || who="error:$who"
        servers+="$port=$who "
    done
done
echo "   $servers"
distinct=$(tr ' ' '\n' <<<"$servers" | sed -n 's/^[0-9]*=//p' | sort -u | tr '\n' ' ')
check "every answer from one server, no errors (got: $distinct)" \
    test "$(wc -w <<<"$distinct")" -eq 1 -a "${distinct#error}" = "$distinct"

echo "-- dvsadm -L -c -n lists the port-0 service's template as ipvsadm -Lc does"
list=$("$DVSADM" --socket "/run/dvs/$E2E_PREFIX.sock" -L -c -n 2>&1) || true
grep -E '^pro|NONE' <<<"$list" | sed 's/^/   /'
# The client 10.0.1.2 masked by the service's /24, port 0, the service's port
# 0, and the server that answered above (rsN is 10.0.0.1N); its 60 s are
# still running.
rs_ip=10.0.0.1$(tr -dc 0-9 <<<"$distinct")
check "a NONE line: 10.0.1.0:0 -> 192.0.2.51:0 -> $rs_ip:0" \
    grep -qE "^TCP +[0-9]{2}:[0-9]{2} +NONE +10\.0\.1\.0:0 +192\.0\.2\.51:0 +${rs_ip//./\\.}:0\$" <<<"$list"
list=$("$DVSADM" --socket "/run/dvs/$E2E_PREFIX.sock" conns --vip 192.0.2.51 --protocol tcp 2>&1) || true
check "conns --protocol tcp keeps it (a template's protocol is still TCP)" grep -q ' NONE ' <<<"$list"

echo "-- wlc over two workers, 600 requests to 192.0.2.52"
e2e_client_checked requests 600 http_client.py \
    --url http://192.0.2.52/whoami --count 600 --timeout 3 --deadline 120
e2e_check_shares "$E2E_RES" 600 rs1=3 rs2=2 rs3=1

e2e_stats "$E2E_DIR/stats.json"
hand=$(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.handoff_out)
echo "   handoff_out $hand, templates $(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.templates_created), template handoffs $(dvs_py show_stats.py "$E2E_DIR/stats.json" get totals.template_handoffs)"

e2e_stop_checked
e2e_finish
