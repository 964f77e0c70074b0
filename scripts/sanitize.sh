#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer build of dvsd and the unit
# tests in their own build directory (build-asan), then the unit and golden
# suites run there. Any ASan report or UBSan finding fails the test that
# hit it (UBSan does not recover; ASan aborts).
# Usage: scripts/sanitize.sh [meson test args]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD_DIR=${DVS_ASAN_BUILD_DIR:-build-asan}

log() { printf '[asan] %s\n' "$*"; }

# dvsd and the unit tests only (benchmarks and dvsadm's binary are not run
# here). -O1: the sanitizers' own cost dominates, and -O1 compiles much
# faster than -O2.
DVS_BUILD_TARGETS="src/control/dvsd tests/unit/dvs_unit_tests tests/golden/engine_runner" bash scripts/build.sh "$BUILD_DIR" \
    -Dbuildtype=debug -Doptimization=1 -Db_sanitize=address,undefined -Db_lundef=false \
    -Dcpp_args=-fno-sanitize-recover=all

# DPDK's memory (hugepages, or --in-memory anonymous mappings) is mapped by
# DPDK itself, so ASan neither poisons nor tracks it: the sanitizers cover
# our heap, stack and globals. LeakSanitizer: see scripts/lsan.supp.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log "unit and golden suites under ASan + UBSan"
meson test -C "$BUILD_DIR" --no-rebuild --num-processes 1 --print-errorlogs \
    --suite unit --suite golden "$@" </dev/null
