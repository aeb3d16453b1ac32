#!/usr/bin/env bash
# Builds the edge worker's bundle (edge-worker/build/) with the pinned worker-build, pointed at
# the locally installed wasm-bindgen, wasm-opt and esbuild so that it downloads nothing.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT/edge-worker"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "$WORKER_BUILD_BIN" --release >"$log" 2>&1; then
  cat "$log" >&2
  echo "build-worker: worker-build failed" >&2
  exit 1
fi
# Quiet on success, except for what a developer must see.
grep -E '^(warning|error)' -A6 "$log" >&2 || true
