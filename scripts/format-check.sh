#!/usr/bin/env bash
# Checks that every C++ file git tracks is formatted as .clang-format says
# (clang-format from Debian, 14 on bookworm). Prints each file that is not,
# with the first differing lines, and exits 1; `--fix` formats them instead.
# Run by meson as the test `format` (tests/meson.build), so CI checks it.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
fix=0
[[ ${1:-} == --fix ]] && fix=1

command -v clang-format >/dev/null || { echo "clang-format not installed (scripts/setup.sh)"; exit 1; }

mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.ipp' '*.h' '*.cc')
if ((fix)); then
    clang-format -i "${files[@]}"
    echo "formatted ${#files[@]} files"
    exit 0
fi

bad=0
for f in "${files[@]}"; do
    if ! diff -q <(clang-format "$f") "$f" >/dev/null; then
        bad=$((bad + 1))
        echo "not formatted: $f"
        diff -u "$f" <(clang-format "$f") | sed -n '3,12p' | sed 's/^/    /'
    fi
done
echo "$((${#files[@]} - bad)) of ${#files[@]} files formatted ($(clang-format --version | head -1))"
if ((bad)); then
    echo "fix with: bash scripts/format-check.sh --fix"
    exit 1
fi
