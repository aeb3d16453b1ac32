#!/usr/bin/env bash
# Every test: the workspace's native tests (engine, domain, HTTP layer); wrangler.toml's production
# deployment as a dry run; the engine as wasm — its JS facade in Node and in a Web Worker of
# headless Chromium, and the browser package as web-client imports it; the SDK's node tests and
# its packed tarball (scripts/sdk-package-check.sh); then the e2e harness's own tests and the
# end-to-end suite against the real stack, whose summary is the last line of the run.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
cargo fmt --all --check
cargo test --workspace --exclude roughcut-tests --quiet
scripts/deploy-dry-run.sh
# No --quiet (wasm-bindgen-test-runner refuses it), so the log is shown whole only on failure.
# Run from the crate, where the runner finds webdriver.json.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! (cd wasm-engine && cargo test --target wasm32-unknown-unknown --features js --test js_node --test js_worker) >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
grep -E '^test result' "$log"
node --test --test-reporter=dot web-client/test/ web-client/sdk/test/
scripts/sdk-package-check.sh
cargo test -p roughcut-tests --lib --test e2e --quiet
