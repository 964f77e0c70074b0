#!/usr/bin/env bash
# The test command: set up the machine, build, run every meson test (unit,
# golden and end-to-end) one at a time, then the fuzz targets for 30 s each
# (scripts/fuzz.sh, build-fuzz) and the unit and golden suites under ASan +
# UBSan (scripts/sanitize.sh, build-asan). Prints one line per test and a
# summary over all three:
#   N passed, N failed[, N skipped]
# Exits non-zero if any test failed (or none ran). With test names as
# arguments only those run, in build/ alone. DVS_TEST_FUZZ=0 and
# DVS_TEST_ASAN=0 leave out the fuzz and sanitizer steps.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD_DIR=${DVS_BUILD_DIR:-build}

bash scripts/setup.sh
bash scripts/build.sh "$BUILD_DIR"

echo "[test] meson test -C $BUILD_DIR"
rc=0
meson test -C "$BUILD_DIR" --print-errorlogs --num-processes 1 "$@" </dev/null || rc=$?

log=$BUILD_DIR/meson-logs/testlog.json
if [[ ! -s $log ]]; then
    echo "[test] no test log at $log (meson test exit $rc)"
    echo "0 passed, 1 failed"
    exit 1
fi
# Each step: LABEL LOG EXIT_CODE. A step whose build failed has no log and
# counts as one failed test under its label.
steps=("main" "$log" "$rc")

run_step() {  # LABEL SCRIPT BUILD_DIR
    local label=$1 script=$2 dir=$3 step_rc=0 start=$SECONDS
    rm -f "$dir/meson-logs/testlog.json"
    echo "[test] $label: bash $script"
    bash "$script" || step_rc=$?
    echo "[test] $label: $((SECONDS - start)) s (exit $step_rc)"
    steps+=("$label" "$dir/meson-logs/testlog.json" "$step_rc")
}
if (($# == 0)); then
    if [[ ${DVS_TEST_FUZZ:-1} == 1 ]]; then
        run_step fuzz scripts/fuzz.sh "${DVS_FUZZ_BUILD_DIR:-build-fuzz}"
    fi
    if [[ ${DVS_TEST_ASAN:-1} == 1 ]]; then
        run_step asan scripts/sanitize.sh "${DVS_ASAN_BUILD_DIR:-build-asan}"
    fi
fi

/usr/bin/python3 - "${steps[@]}" <<'PY'
import json
import os
import sys

args = sys.argv[1:]
passed = failed = skipped = 0
rows = []
tails = []  # (test, last lines of its output) of each failed test
TAIL_LINES = 80
meson_rc = 0
for i in range(0, len(args), 3):
    label, log, rc = args[i], args[i + 1], int(args[i + 2])
    prefix = "" if label == "main" else label + ":"
    if not os.path.isfile(log) or os.path.getsize(log) == 0:
        failed += 1
        rows.append((f"{prefix}(no test ran, exit {rc})", "FAIL", 0.0))
        continue
    if label == "main":
        meson_rc = rc
    elif rc != 0:
        meson_rc = meson_rc or rc
    with open(log) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            t = json.loads(line)
            name = prefix + t.get("name", "?")
            result = t.get("result", "?")
            dur = float(t.get("duration") or 0.0)
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
            rows.append((name, result, dur))
            if result not in ("OK", "EXPECTEDFAIL", "SKIP"):
                out = (t.get("stdout") or "") + (t.get("stderr") or "")
                tails.append((name, out.splitlines()[-TAIL_LINES:]))

print()
width = max([len(r[0]) for r in rows] + [4])
for name, result, dur in rows:
    print(f"  {name:<{width}}  {result:<14}  {dur:8.2f}s")
print()
# What CI shows of a run is its end: the failures' own words go there too.
for name, lines in tails:
    print(f"--- {name}: the last {len(lines)} lines of its output")
    for line in lines:
        print("    " + line)
    print()
if not rows:
    print("no tests ran")
    failed = max(failed, 1)
if not failed and meson_rc != 0:
    print(f"meson test exited {meson_rc} although no test failed")
summary = f"{passed} passed, {failed} failed"
if skipped:
    summary += f", {skipped} skipped"
print(summary)
sys.exit(1 if failed or meson_rc != 0 else 0)
PY
