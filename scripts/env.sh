# Sourced by the other scripts: where the pinned tools live and how to run them. The versions are
# read from the workspace's own pins, so a bump in Cargo.toml is all it takes.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ROOT

pin_of() { # the exact "=x.y.z" pin of a workspace dependency
  sed -n "s/^$1 = .*\"=\([0-9.]*\)\".*/\1/p" "$ROOT/Cargo.toml" | head -n 1
}

WORKER_VERSION=$(pin_of worker)
WASM_BINDGEN_VERSION=$(pin_of wasm-bindgen)
# Outside the clone, so that every clone on this machine shares one build of each tool.
TOOLS_DIR=${ROUGHCUT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/roughcut/tools}
WORKER_BUILD_BIN="$TOOLS_DIR/worker-build-$WORKER_VERSION/bin/worker-build"

# worker-build downloads these from GitHub unless told where they are; that download fails here.
export WASM_BINDGEN_BIN="$TOOLS_DIR/wasm-bindgen-cli-$WASM_BINDGEN_VERSION/bin/wasm-bindgen"
# Runs wasm32 test binaries: in Node, or in headless Chromium through chromedriver
# (wasm-engine/webdriver.json holds the browser's flags).
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$TOOLS_DIR/wasm-bindgen-cli-$WASM_BINDGEN_VERSION/bin/wasm-bindgen-test-runner"
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$ROOT/node_modules/.bin/esbuild"
export WRANGLER_BIN="$ROOT/node_modules/.bin/wrangler"

# wrangler: no telemetry, no request.cf lookups over the network, no update checks.
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export NO_UPDATE_NOTIFIER=1

CARGO_TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
MEDIA_CONTAINER_BIN="$CARGO_TARGET/debug/media-container"
export MEDIA_CONTAINER_BIN

# The tests' Python tools (OpenTimelineIO's readers, tuspy) in a venv named after its pins.
TEST_PYTHON_REQUIREMENTS="$ROOT/tests/python-requirements.txt"
TEST_PYTHON_VENV="$TOOLS_DIR/test-python-$(sha256sum "$TEST_PYTHON_REQUIREMENTS" | cut -c1-12)"
export TEST_PYTHON="$TEST_PYTHON_VENV/bin/python"

# The local transcriber of `make dev`, the e2e tests and the benchmarks: faster-whisper in a venv
# named after its pins, and the Whisper model joined from its packages' parts beside it.
LOCAL_TRANSCRIBER_REQUIREMENTS="$ROOT/scripts/local-transcriber-requirements.txt"
LOCAL_TRANSCRIBER_VENV="$TOOLS_DIR/transcriber-$(sha256sum "$LOCAL_TRANSCRIBER_REQUIREMENTS" | cut -c1-12)"
export LOCAL_TRANSCRIBER_PYTHON="$LOCAL_TRANSCRIBER_VENV/bin/python"
export LOCAL_TRANSCRIBER_SCRIPT="$ROOT/scripts/local-transcriber.py"
export WHISPER_MODEL_DIR="$LOCAL_TRANSCRIBER_VENV/whisper-base"
