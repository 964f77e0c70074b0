#!/usr/bin/env bash
# Configure (or reconfigure) and build DVS with meson + ninja.
# Quiet on success; prints the tool output when a step fails.
# Usage: scripts/build.sh [BUILD_DIR [MESON_SETUP_OPTION...]]   (default: build)
# The options apply when BUILD_DIR is first set up (scripts/fuzz.sh and
# scripts/sanitize.sh use them); DVS_BUILD_TARGETS limits what ninja builds.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD_DIR=${1:-${DVS_BUILD_DIR:-build}}
setup_options=("${@:2}")

log() { printf '[build] %s\n' "$*"; }

out=$(mktemp /tmp/dvs-build.XXXXXX)
trap 'rm -f "$out"' EXIT

run_quiet() {
    if ! "$@" >"$out" 2>&1; then
        cat "$out" >&2
        log "FAILED: $*" >&2
        exit 1
    fi
}

if [[ -f $BUILD_DIR/build.ninja ]]; then
    run_quiet meson setup --reconfigure "$BUILD_DIR"
else
    # A half-configured meson directory (no build.ninja) is removed and redone.
    if [[ -d $BUILD_DIR/meson-private ]]; then
        rm -rf "$BUILD_DIR"
    fi
    run_quiet meson setup "$BUILD_DIR" "${setup_options[@]}"
fi
# shellcheck disable=SC2086 # DVS_BUILD_TARGETS is a list of words
run_quiet ninja -C "$BUILD_DIR" ${DVS_BUILD_TARGETS:-}
log "ok: $BUILD_DIR ${DVS_BUILD_TARGETS:-src/control/dvsd}"
