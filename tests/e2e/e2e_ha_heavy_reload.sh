#!/usr/bin/env bash
# e2e_ha_heavy_reload: a reload never starves VRRP (issue 20). Two dvsd
# (topo_up_ha, namespaces dvsR1), lb1 priority 200 (MASTER), lb2 100,
# advert 200 ms (lb2 takes over after about 720 ms without an advert),
# NAT service 192.0.2.10:80 (wrr, rs1, rs2).
#  1. lb1's file is replaced by one with 100,000 services (about 12 MB,
#     generated here) and lb1 gets SIGHUP: the reload is refused, with the
#     position of the first service over the limit, quickly; during it
#     lb1's management socket answers; afterwards lb2 is still BACKUP and
#     lb1 still MASTER (`dvsadm ha` on both, no transition in either log),
#     and lb1's resident memory is back near where it was;
#  2. a valid file with 16,384 services (the limit) is reloaded: applied,
#     still no transition on either side, and 20 new requests succeed;
#  3. the original file is reloaded through `dvsadm reload`.
# Prints the time each reload took and lb1's RSS before and after.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_ha_heavy_reload dvsR1
# shellcheck source-path=SCRIPTDIR source=../lib/ha.sh
source "$DVS_SRC/tests/lib/ha.sh"
P=$E2E_PREFIX
[[ -x $DVSADM ]] || { echo "FAIL: dvsadm not built at $DVSADM"; exit 1; }
HA_SERVICES="services:
$(ha_svc_web 8080 nat 1 2)"
export HA_SERVICES

topo_up_ha "$P" 2 || { echo "FAIL: topology"; exit 1; }
rs_start_servers "$P" 2 "$E2E_DIR/rs" || { echo "FAIL: real servers"; exit 1; }
ha_config 1 200
ha_config 2 100
cp "$(ha_conf 1)" "$E2E_DIR/lb1-orig.yaml"
ha_start_pair

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/${HA_PID[1]}/status"; }
# big_config COUNT OUT: lb1's file plus COUNT-1 generated services (one
# real server each) after web: COUNT services in all.
big_config() {
    local count=$1 out=$2
    {
        cat "$E2E_DIR/lb1-orig.yaml"
        awk -v n="$((count - 1))" 'BEGIN {
            for (i = 0; i < n; i++) {
                printf "  - name: gen%d\n    vip: 198.18.%d.%d\n    port: %d\n    protocol: tcp\n", i, int(i / 250) % 250, i % 250 + 1, 1000 + int(i / 62500)
                printf "    scheduler: rr\n    real_servers:\n      - { address: 10.0.0.11, port: 8080, forward: nat }\n"
            }
        }'
    } >"$out"
}
# watch_start / watch_stop: sample `dvsadm ha` on both sides every 100 ms
# from watch_start until watch_stop, which prints the "lb1/lb2" states seen
# (sorted, unique) and how many lb1 samples went unanswered (2 s timeout).
WATCH_PID=
watch_start() {
    : >"$E2E_DIR/states.txt"
    (
        while :; do
            s1=$(timeout 2 "$DVSADM" --socket "$(ha_sock 1)" ha 2>/dev/null |
                awk '$1 == "vi1" && $2 == "vrid" { print $4; exit }') || true
            s2=$(ha_adm_state 2) || true
            echo "${s1:-none}/${s2:-none}" >>"$E2E_DIR/states.txt"
            sleep 0.1
        done
    ) &
    WATCH_PID=$!
}
watch_stop() {
    kill "$WATCH_PID" 2>/dev/null || true
    wait "$WATCH_PID" 2>/dev/null || true
    echo "$(wc -l <"$E2E_DIR/states.txt") samples: $(sort -u "$E2E_DIR/states.txt" | tr '\n' ' ')"
}
seen_only_master_backup() { test "$(sort -u "$E2E_DIR/states.txt" | tr '\n' ' ')" = "MASTER/BACKUP "; }

rss_before=$(rss_kb)
echo "-- 100,000 services: SIGHUP on the master"
big_config 100000 "$E2E_DIR/big.yaml"
echo "   generated $(stat -c %s "$E2E_DIR/big.yaml") bytes"
cp "$E2E_DIR/big.yaml" "$(ha_conf 1)"
m1=$(ha_mark 1)
m2=$(ha_mark 2)
t0=$(now_epoch)
watch_start
kill -HUP "${HA_PID[1]}"
if ts=$(ha_wait_log 1 "$m1" 'reload rejected' 30); then
    echo "   refused $(ms_between_epochs "$t0" "$(log_epoch "$ts")") ms after SIGHUP"
    check "the 100,000-service file is refused" true
else
    check "the 100,000-service file is refused" false
fi
sleep 1 # and a second after it
echo "   states seen (lb1/lb2) from SIGHUP to a second after: $(watch_stop)"
msg=$(ha_lines 1 "$m1" | grep -m1 'reload rejected' || true)
echo "   ${msg:24}"
check "the refusal names file, line, column and services[16384]" \
    grep -qE "lb1\.yaml:[0-9]+:[0-9]+: services\[16384\]: more than 16384 services" <<<"$msg"
check "lb1 answered dvsadm during the reload, MASTER/BACKUP throughout" seen_only_master_backup
check "lb1 logged no VRRP transition" test "$(ha_transitions 1 "$m1")" -eq 0
check "lb2 logged no VRRP transition (no takeover, no split brain)" \
    test "$(ha_transitions 2 "$m2")" -eq 0
sleep 0.5
rss_after=$(rss_kb)
echo "   lb1 RSS before $((rss_before / 1024)) MiB, after the refused reload $((rss_after / 1024)) MiB"
check "lb1's RSS grew by less than 64 MiB ($(((rss_after - rss_before) / 1024)) MiB)" \
    test $((rss_after - rss_before)) -lt 65536
check "dvsadm ha: lb1 MASTER" ha_adm_state_is 1 MASTER
check "dvsadm ha: lb2 BACKUP" ha_adm_state_is 2 BACKUP

echo "-- 16,384 services (the limit): a valid SIGHUP on the master"
big_config 16384 "$(ha_conf 1)"
echo "   generated $(stat -c %s "$(ha_conf 1)") bytes"
m1=$(ha_mark 1)
m2=$(ha_mark 2)
t0=$(now_epoch)
watch_start
kill -HUP "${HA_PID[1]}"
if ts=$(ha_wait_log 1 "$m1" 'reloaded .*16384 services' 60); then
    echo "   applied $(ms_between_epochs "$t0" "$(log_epoch "$ts")") ms after SIGHUP"
    check "the 16,384-service file is applied" true
else
    check "the 16,384-service file is applied" false
fi
sleep 1
echo "   states seen (lb1/lb2) from SIGHUP to a second after: $(watch_stop)"
ha_lines 1 "$m1" | grep -E 'reload|reloaded' | sed 's/^/   lb1: /' || true
check "lb1 answered dvsadm throughout, MASTER/BACKUP" seen_only_master_backup
check "lb1 logged no VRRP transition" test "$(ha_transitions 1 "$m1")" -eq 0
check "lb2 logged no VRRP transition" test "$(ha_transitions 2 "$m2")" -eq 0
echo "   lb1 RSS with 16,384 services: $(($(rss_kb) / 1024)) MiB"
check "20 new requests through lb1" ha_requests_ok 20

echo "-- back to the original file (dvsadm reload)"
cp "$E2E_DIR/lb1-orig.yaml" "$(ha_conf 1)"
out=$(ha_adm 1 reload 2>&1) || true
echo "   dvsadm reload: $out"
check "dvsadm reload applies it" grep -q "applied" <<<"$out"
sleep 0.5
echo "   lb1 RSS back at 1 service: $(($(rss_kb) / 1024)) MiB"
check "lb1 MASTER, lb2 BACKUP at the end" test "$(ha_state 1)/$(ha_state 2)" = MASTER/BACKUP

ha_stop_checked 1 2
e2e_finish
