# shellcheck shell=bash
# Helpers the health-check end-to-end tests share (e2e_health, e2e_health6):
# timing dvsd's health transitions in its log, and reading http_client.py's
# JSON results. Source after topology.sh (DVS_PY, DVSD_LOG).

now() { date '+%Y-%m-%d %H:%M:%S.%3N'; }
# ms_between T1 T2: milliseconds from T1 to T2 (both "YYYY-mm-dd HH:MM:SS.mmm").
ms_between() {
    "$DVS_PY" -c 'import sys, datetime as d
f = "%Y-%m-%d %H:%M:%S.%f"
a, b = (d.datetime.strptime(x, f) for x in sys.argv[1:3])
print(round((b - a).total_seconds() * 1000))' "$1" "$2"
}
# wait_log PATTERN TIMEOUT_S: the timestamp of the first log line after
# line SKIP (log_mark) matching PATTERN.
wait_log() {
    local pattern=$1 deadline=$((SECONDS + $2)) line
    while ((SECONDS < deadline)); do
        line=$(tail -n +"$SKIP" "$DVSD_LOG" | grep -m1 -E "$pattern" || true)
        if [[ -n $line ]]; then
            echo "${line:0:23}"
            return 0
        fi
        sleep 0.05
    done
    return 1
}
wait_log_quiet() { wait_log "$@" >/dev/null; }
log_mark() { SKIP=$(($(wc -l <"$DVSD_LOG") + 1)); }

served() {  # OUT NAME: requests answered by NAME
    "$DVS_PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["by_server"].get(sys.argv[2], 0))' "$1" "$2"
}
failed() { "$DVS_PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["failed"])' "$1"; }
