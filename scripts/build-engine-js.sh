#!/usr/bin/env bash
# Builds the engine's browser package (web-client/engine/: roughcut_engine.js, its .wasm and
# .d.ts) with the pinned wasm-bindgen CLI, as an ES module for `web-client` and its Web Workers.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
cargo build --quiet --release -p roughcut-engine --target wasm32-unknown-unknown --features js
"$WASM_BINDGEN_BIN" --target web --out-dir web-client/engine --out-name roughcut_engine \
  "$CARGO_TARGET/wasm32-unknown-unknown/release/roughcut_engine.wasm"
# binaryen's optimiser (npm, pinned): smaller and faster code than rustc's alone.
"$WASM_OPT_BIN" -O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  web-client/engine/roughcut_engine_bg.wasm -o web-client/engine/roughcut_engine_bg.wasm
