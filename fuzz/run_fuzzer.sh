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
# inputs every time from the same binary (another -march=native takes other
# paths); explore with FUZZ_SEED=0 (random) as docs/FUZZING.md says.
rc=0
touch "$work/.started"
"$target" -seed="${FUZZ_SEED:-1}" -max_total_time="${FUZZ_SECONDS:-30}" -timeout=10 -rss_limit_mb=2048 \
    -error_exitcode=1 -timeout_exitcode=1 \
    -print_final_stats=1 -artifact_prefix="$work/" "$@" "$work/corpus" "$seeds" >"$work/run.log" 2>&1 ||
    rc=$?
if ((rc == 0)); then
    tail -n 12 "$work/run.log"
    exit 0
fi
# A finding on CI's machine may not show on another (its -march=native code
# takes other paths), so what it was and the input itself are printed last,
# where CI's excerpt of the output is; the whole log stays in WORK/run.log.
echo "$(basename "$target") failed (exit $rc); the report, from $work/run.log:"
grep -E -A24 '^==[0-9]+==(ERROR|WARNING)|runtime error|invariant failed|libFuzzer: (deadly|out-of-memory|timeout)' \
    "$work/run.log" | head -n 40
for artifact in "$work"/crash-* "$work"/leak-* "$work"/oom-* "$work"/timeout-*; do
    [[ $artifact -nt $work/.started ]] || continue
    echo "input: $artifact ($(stat -c %s "$artifact") bytes); its first 1500 bytes:"
    head -c 1500 "$artifact" | cat -v
    echo
    if (($(stat -c %s "$artifact") <= 3000)); then
        echo "base64 (replay: base64 -d > crash; $(basename "$target") crash):"
        base64 -w 76 "$artifact"
    fi
done
exit "$rc"
