#!/usr/bin/env bash
# The page the worker serves as static assets (wrangler.toml [assets], under `wrangler dev` too),
# assembled in web-client/site/ (git-ignored): web-client/app's page at / and its modules at /app/,
# the SDK's ESM sources at /sdk/, and the engine's browser package at /engine/. Run by `make build`.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
scripts/build-engine-js.sh
site=web-client/site
rm -rf "$site"
mkdir -p "$site/app" "$site/sdk" "$site/engine"
cp web-client/app/index.html web-client/app/_headers "$site/"
cp web-client/app/*.js web-client/app/*.css "$site/app/"
cp web-client/sdk/src/*.js "$site/sdk/"
cp -r web-client/engine/roughcut_engine.js web-client/engine/roughcut_engine_bg.wasm web-client/engine/snippets "$site/engine/"
touch "$site/.built"
