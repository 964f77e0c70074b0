#!/usr/bin/env bash
# The test command: set up the machine, build, run every meson test (unit and
# end-to-end) one at a time, and print one line per test and a summary:
#   N passed, N failed[, N skipped]
# Exits non-zero if any test failed (or none ran).
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

/usr/bin/python3 - "$log" "$rc" <<'PY'
import json
import sys

log, meson_rc = sys.argv[1], int(sys.argv[2])
passed = failed = skipped = 0
rows = []
with open(log) as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        t = json.loads(line)
        name = t.get("name", "?")
        result = t.get("result", "?")
        dur = float(t.get("duration") or 0.0)
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
        rows.append((name, result, dur))

print()
width = max([len(r[0]) for r in rows] + [4])
for name, result, dur in rows:
    print(f"  {name:<{width}}  {result:<14}  {dur:8.2f}s")
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
