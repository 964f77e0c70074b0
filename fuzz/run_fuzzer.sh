#!/usr/bin/env bash
# Runs one libFuzzer target for FUZZ_SECONDS (default 30) from its seed
# corpus. New interesting inputs go to WORK/corpus (never into the
# repository's seeds); a crash leaves WORK/crash-* and fails the test.
# Usage: run_fuzzer.sh TARGET SEED_DIR WORK_DIR [libFuzzer flags...]
set -euo pipefail
target=$1 seeds=$2 work=$3
shift 3
mkdir -p "$work/corpus"
# Every seed must run clean first (a regression input found once stays fixed),
# then the fuzzer explores for the time given.
"$target" -runs=0 -error_exitcode=1 "$@" "$seeds" >"$work/seeds.log" 2>&1 || {
    cat "$work/seeds.log" >&2
    echo "seed corpus of $(basename "$target") fails" >&2
    exit 1
}
# libFuzzer exits 77 on a crash by default, which meson reads as "skipped".
# A fixed seed (FUZZ_SEED, default 1) makes CI's run the same sequence of
# inputs every time: a slower machine runs a prefix of it, so a green run
# stays green; explore with FUZZ_SEED=0 (random) as docs/FUZZING.md says.
exec "$target" -seed="${FUZZ_SEED:-1}" -max_total_time="${FUZZ_SECONDS:-30}" -timeout=10 -rss_limit_mb=2048 \
    -error_exitcode=1 -timeout_exitcode=1 \
    -print_final_stats=1 -artifact_prefix="$work/" "$@" "$work/corpus" "$seeds"
