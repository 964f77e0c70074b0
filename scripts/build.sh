#!/usr/bin/env bash
# Configure (or reconfigure) and build DVS with meson + ninja.
# Quiet on success; prints the tool output when a step fails.
# Usage: scripts/build.sh [BUILD_DIR]   (default: build)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD_DIR=${1:-${DVS_BUILD_DIR:-build}}

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
    run_quiet meson setup "$BUILD_DIR"
fi
run_quiet ninja -C "$BUILD_DIR"
log "ok: $BUILD_DIR/src/control/dvsd"
