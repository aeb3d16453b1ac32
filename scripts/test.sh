#!/usr/bin/env bash
# Every test: the workspace's native tests (engine, domain, HTTP layer), a check that the engine
# still builds for wasm32, then the end-to-end suite against the real stack. The e2e runner's
# summary is the last line of the run.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
cargo test --workspace --exclude roughcut-tests --quiet
cargo build --quiet -p roughcut-engine --target wasm32-unknown-unknown
cargo test -p roughcut-tests --test e2e --quiet
