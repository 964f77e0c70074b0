#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan in their
# own build directory and runs each for FUZZ_SECONDS (default 30), two at a
# time, as the meson test suite 'fuzz'. docs/FUZZING.md has longer runs.
# Usage: scripts/fuzz.sh [meson test args, e.g. a target name]
#   FUZZ_SECONDS=600 scripts/fuzz.sh fuzz_packet
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD_DIR=${DVS_FUZZ_BUILD_DIR:-build-fuzz}

log() { printf '[fuzz] %s\n' "$*"; }

# Only the fuzz targets (and the libraries they link): not dvsd or the tests.
targets=$(for f in fuzz/fuzz_*.cpp; do printf 'fuzz/%s ' "$(basename "$f" .cpp)"; done)
# UBSan findings abort (-fno-sanitize-recover) so the fuzzer reports them.
# One -march for every machine: with -march=native a CPU with other vector
# units compiles other branches, so the same -seed explores other inputs and
# a finding on CI's machine did not show here (fuzz_config, 2026-12-05).
CC=clang CXX=clang++ DVS_BUILD_TARGETS=$targets bash scripts/build.sh "$BUILD_DIR" \
    -Dfuzz=true -Dmarch=x86-64-v2 -Db_sanitize=address,undefined -Db_lundef=false \
    -Dcpp_args=-fno-sanitize-recover=all

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log "running each target ${FUZZ_SECONDS:-30} s"
meson test -C "$BUILD_DIR" --no-rebuild --suite fuzz --num-processes 2 --print-errorlogs "$@" </dev/null
