#!/usr/bin/env bash
# e2e_ha_forged_sync: a hostile host on the HA link (issue 20). Two dvsd
# (topo_up_ha, namespaces dvsA6), lb1 MASTER (priority 200), lb2 BACKUP
# (100), NAT service 192.0.2.10:80 over rs1, rs2, conn_capacity 4096; a
# third namespace PREFIX-fg on the HA bridge (made a hub: ageing 0, so it
# sees the pair's stream) runs tests/lib/sync_forger.py, which writes the
# sync format with lb2's source address (and port) through a raw socket.
#
# Part A, no key (the defences that do not need one):
#  - 1,536 datagrams of forged removes for every port of the client, while a
#    paced download runs through lb1: the download completes intact;
#  - 6,000 forged updates (30-day timeouts) for the VIP lb1 is master of:
#    none in lb1's table, 20/20 new connections;
#  - 50 forged full-transfer requests in 5 s: at most 2 honoured;
#  - datagrams from the wrong source port or address: counted as foreign;
#    a sequence jump of 510 M: not counted as lost; an old-version datagram:
#    counted and logged with a clear message; dvsd warned that the stream
#    is not authenticated.
# Part B, both with a key file (ha.sync.key_file):
#  - the same forgeries unsigned or signed with another key: counted as
#    unauthenticated, none applied (download intact, 20/20, no full transfer);
#  - datagrams captured from the pair's own stream, replayed to each side:
#    counted as replayed, none applied.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_ha_forged_sync dvsA6
# shellcheck source-path=SCRIPTDIR source=../lib/ha.sh
source "$DVS_SRC/tests/lib/ha.sh"
P=$E2E_PREFIX
export RS_BLOB_MB=8
RATE=786432 # bytes/s: 8 MiB in about 11 s
export HA_CONN_CAPACITY=4096
FORGED_UPDATES=6000
[[ -x $DVSADM ]] || { echo "FAIL: dvsadm not built at $DVSADM"; exit 1; }
HA_SERVICES="services:
$(ha_svc_web 8080 nat 1 2)"
export HA_SERVICES

topo_up_ha "$P" 2 || { echo "FAIL: topology"; exit 1; }
rs_start_servers "$P" 2 "$E2E_DIR/rs" || { echo "FAIL: real servers"; exit 1; }
# The forger: PREFIX-fg, ha 10.0.3.9/24 on brh; the bridge floods every frame.
ip netns add "$P-fg"
_topo_ns_setup "$P-fg"
ip link add ha netns "$P-fg" type veth peer name p-fg-h netns "$P-sw"
_topo_if_prep "$P-fg" ha
_topo_if_prep "$P-sw" p-fg-h
ip -n "$P-sw" link set p-fg-h master brh
ip -n "$P-sw" link set brh type bridge ageing_time 0
ip -n "$P-fg" addr add 10.0.3.9/24 dev ha

# forge N WHAT ARGS...: sync_forger.py WHAT towards lb N, as its peer.
forge() {
    local n=$1 what=$2 peer
    shift 2
    peer=$((3 - n))
    ip netns exec "$P-fg" "$DVS_PY" "$DVS_LIB/sync_forger.py" "$what" --iface ha \
        --dst-mac "$(if_mac "$P-lb$n" ha)" --src "10.0.3.$peer" --dst "10.0.3.$n" \
        --version "$FORGE_VERSION" "$@"
}
# adm_num N LABEL: the number after LABEL in `dvsadm ha` of lb N (empty: none).
# The sync section only (the VRRP lines have "sent" and "received" too).
adm_num() {
    ha_adm "$1" ha 2>/dev/null | sed -n '/^Sync with/,/dataplane:/p' | grep -oE "$2 [0-9]+" |
        head -n1 | grep -oE '[0-9]+$' || true
}
honoured() { adm_num "$1" 'full-transfer requests honoured'; }
forged_in_table() { ha_conns 1 2>/dev/null | grep -c ' 10\.99\.' || true; }
client_conns() { ha_conns 1 2>/dev/null | grep -c ' 10\.0\.1\.2:' || true; }
has_client_conn() { (($(client_conns) >= 1)); }
# le/ge/eq A B: numeric comparisons that fail (not abort) on a missing number.
num() { [[ $1 =~ ^-?[0-9]+$ ]]; }
le() { num "$1" && num "$2" && (($1 <= $2)); }
ge() { num "$1" && num "$2" && (($1 >= $2)); }
eq() { num "$1" && num "$2" && (($1 == $2)); }

capture_start() {
    ip netns exec "$P-fg" tcpdump -i ha -U -w "$E2E_DIR/$1.pcap" udp port 8848 \
        </dev/null >"$E2E_DIR/tcpdump-$1.log" 2>&1 &
    CAPTURE_PID=$!
    sleep 0.5
}
capture_stop() {
    kill -INT "$CAPTURE_PID" 2>/dev/null || true
    wait "$CAPTURE_PID" 2>/dev/null || true
}

# --------------------------------------------------------------- part A
echo "== part A: no key"
ha_config 1 200
ha_config 2 100
capture_start a
ha_start_pair
check "lb1 warned that the sync stream is not authenticated" \
    quiet grep -q 'sync: .*not authenticated' <(ha_lines 1)
sleep 1
capture_stop
FORGE_VERSION=$("$DVS_PY" "$DVS_LIB/sync_forger.py" version --pcap "$E2E_DIR/a.pcap" --src 10.0.3.1) ||
    FORGE_VERSION=2
echo "   the pair speaks sync version $FORGE_VERSION (seen on the link)"

echo "-- forged removes of every port of the client during a download"
BLOB_MAX_TIME=40 blob_start dA "$RATE"
_wait_until 5 has_client_conn || true
sleep 1
res=$(forge 1 removes --client 10.0.1.2) || res='{}'
echo "   forger: $res"
sleep 1
check "lb1 still holds the download's connection ($(client_conns))" ge "$(client_conns)" 1

echo "-- $FORGED_UPDATES forged updates (30-day timeouts) for lb1's VIP"
res=$(forge 1 updates --count "$FORGED_UPDATES") || res='{}'
echo "   forger: $res"
sleep 1
n=$(forged_in_table)
check "none of them in lb1's table ($n)" eq "$n" 0
check "20 new requests all answered" ha_requests_ok 20
blob_finish_checked dA "the download through lb1 during the forged removes and updates"

echo "-- 50 forged full-transfer requests in 5 s"
h0=$(honoured 1)
s0=$(adm_num 1 'sent')
res=$(forge 1 requests --count 50 --interval 0.1) || res='{}'
sleep 1
h1=$(honoured 1)
s1=$(adm_num 1 'sent')
limited=$(adm_num 1 'rate-limited')
echo "   forger: $res; lb1 honoured ${h0:-?} -> ${h1:-?}, rate-limited ${limited:-?}," \
    "records sent ${s0:-?} -> ${s1:-?}"
check "at most 2 of the 50 honoured ($((${h1:-999} - ${h0:-0})))" le "$((${h1:-999} - ${h0:-0}))" 2
check "the rest counted as rate-limited (${limited:-?})" ge "${limited:-0}" 48

echo "-- foreign source port and address, a sequence jump, an old version"
forge 1 requests --count 10 --sport 40000 >/dev/null
ip netns exec "$P-fg" "$DVS_PY" "$DVS_LIB/sync_forger.py" requests --iface ha \
    --dst-mac "$(if_mac "$P-lb1" ha)" --src 10.0.3.9 --dst 10.0.3.1 --count 10 >/dev/null
forge 1 gap >/dev/null
ip netns exec "$P-fg" "$DVS_PY" "$DVS_LIB/sync_forger.py" requests --iface ha \
    --dst-mac "$(if_mac "$P-lb1" ha)" --src 10.0.3.2 --dst 10.0.3.1 --version 1 --count 3 >/dev/null
sleep 0.5
ha_adm 1 ha | sed 's/^/   lb1: /'
foreign=$(adm_num 1 'foreign')
check "20 datagrams from the wrong port or address counted as foreign (${foreign:-?})" ge "${foreign:-0}" 20
lost=$(ha_adm_lost 1)
check "the sequence jump is not counted as lost datagrams (${lost:-?})" eq "${lost:-x}" 0
jumps=$(adm_num 1 'sequence jumps')
check "but as a sequence jump (${jumps:-?})" eq "${jumps:-x}" 1
old=$(adm_num 1 'old version')
check "3 old-version datagrams counted (${old:-?})" eq "${old:-x}" 3
check "and logged with the versions" quiet grep -q 'sync: .*speaks sync version 1' <(ha_lines 1)
check "lb1 still MASTER, lb2 BACKUP" test "$(ha_adm_state 1)/$(ha_adm_state 2)" = MASTER/BACKUP
ha_stop_checked 1 2

# --------------------------------------------------------------- part B
echo "== part B: both with a key file"
(umask 077 && openssl rand -hex 32 >"$E2E_DIR/sync.key" && openssl rand -hex 32 >"$E2E_DIR/wrong.key")
export HA_KEY_FILE=$E2E_DIR/sync.key
ha_config 1 200
ha_config 2 100
capture_start b
ha_start_pair
check "lb1 does not warn about an unauthenticated stream" \
    bash -c "! grep -q 'not authenticated' <(tail -n +${HA_START_LINE[1]} $(ha_log 1))"
check "20 new requests all answered (synced to lb2)" ha_requests_ok 20
BLOB_MAX_TIME=40 blob_start dB "$RATE"
_wait_until 5 has_client_conn || true
sleep 1
capture_stop
h0=$(honoured 1)
res1=$(forge 1 removes --client 10.0.1.2) || res1='{}'
res2=$(forge 1 updates --count "$FORGED_UPDATES" --key-file "$E2E_DIR/wrong.key") || res2='{}'
res3=$(forge 1 requests --count 20 --interval 0.05) || res3='{}'
sleep 1
echo "   forger: removes $res1, updates signed with another key $res2, requests $res3"
sent=$(($(json_field "$res1" datagrams) + $(json_field "$res2" datagrams) + $(json_field "$res3" datagrams)))
unauth=$(adm_num 1 'unauthenticated')
check "all $sent forged datagrams counted as unauthenticated (${unauth:-?})" eq "${unauth:-x}" "$sent"
n=$(forged_in_table)
check "none of the forged updates in lb1's table ($n)" eq "$n" 0
check "no forged full-transfer request honoured ($(honoured 1) after ${h0:-?})" eq "$(honoured 1)" "${h0:-x}"
check "20 new requests all answered" ha_requests_ok 20
blob_finish_checked dB "the download through lb1 during the unauthenticated forgeries"
lost=$(ha_adm_lost 1)
check "lb1 counted no lost datagram (${lost:-?})" eq "${lost:-x}" 0

echo "-- replay the pair's own datagrams"
# replay_checked N UNCHANGED: replay to lbN every datagram its peer sent in
# b.pcap; check lbN refused each as replayed and that UNCHANGED N (what a
# taken datagram would move) did not move.
replay_checked() {
    local n=$1 unchanged=$2 before after res sent r0 r1
    before=$("$unchanged" "$n")
    r0=$(adm_num "$n" replayed)
    res=$(forge "$n" replay --pcap "$E2E_DIR/b.pcap") || res='{}'
    sleep 0.5
    after=$("$unchanged" "$n")
    r1=$(adm_num "$n" replayed)
    sent=$(json_field "$res" datagrams)
    echo "   lb$((3 - n))'s datagrams replayed to lb$n: $res; lb$n replayed ${r0:-?} -> ${r1:-?}," \
        "$unchanged ${before:-?} -> ${after:-?}"
    check "at least one datagram replayed to lb$n ($sent)" ge "$sent" 1
    check "lb$n refused all $sent as replayed ($((${r1:-0} - ${r0:-0})))" \
        eq "$((${r1:-0} - ${r0:-0}))" "$sent"
    check "lb$n took nothing from them ($unchanged unchanged)" eq "${after:-x}" "${before:-y}"
}
records_received() { adm_num "$1" 'received'; }
replay_checked 2 records_received
# lb2's full-transfer request, replayed more than 5 s after it was honoured.
replay_checked 1 honoured
ha_adm 1 ha | sed 's/^/   lb1: /'
ha_adm 2 ha | sed 's/^/   lb2: /'
check "lb1 still MASTER, lb2 BACKUP" test "$(ha_adm_state 1)/$(ha_adm_state 2)" = MASTER/BACKUP
ha_stop_checked 1 2
e2e_finish
