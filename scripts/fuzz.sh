#!/usr/bin/env bash
# Fuzzes the engine's media entry points (wasm-engine/fuzz) for FUZZ_SECONDS (default 600),
# seeded with small files of every format ffmpeg generates here. cargo-fuzz needs nightly flags;
# RUSTC_BOOTSTRAP lets the pinned stable toolchain accept them. Crashes land in
# wasm-engine/fuzz/artifacts/ and become regression tests.
set -euo pipefail
. "$(dirname "$0")/env.sh"
FUZZ_BIN="$TOOLS_DIR/cargo-fuzz/bin/cargo-fuzz"
if [ ! -x "$FUZZ_BIN" ]; then
  cargo install --quiet --locked cargo-fuzz --root "$TOOLS_DIR/cargo-fuzz"
fi
corpus="$ROOT/target/fuzz-corpus/media"
mkdir -p "$corpus"
if [ -z "$(ls -A "$corpus")" ]; then
  gen() { ffmpeg -v error -y "$@"; }
  tone=(-f lavfi -i "sine=frequency=500:sample_rate=44100" -t 0.3)
  gen "${tone[@]}" -c:a aac "$corpus/a.m4a"
  gen "${tone[@]}" -c:a libmp3lame "$corpus/a.mp3"
  gen "${tone[@]}" -c:a flac "$corpus/a.flac"
  gen "${tone[@]}" -c:a libvorbis "$corpus/a.ogg"
  gen "${tone[@]}" -c:a pcm_s16le "$corpus/a.wav"
  gen "${tone[@]}" -c:a aac -f adts "$corpus/a.aac"
  gen -f lavfi -i testsrc2=size=64x48:rate=25 "${tone[@]}" -c:v libx264 -preset ultrafast -c:a aac "$corpus/av.mp4"
  gen -f lavfi -i testsrc2=size=64x48:rate=25 "${tone[@]}" -c:v libx264 -preset ultrafast -c:a aac "$corpus/av.mov"
fi
cd "$ROOT/wasm-engine"
RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$ROOT/target/fuzz" "$FUZZ_BIN" run media "$corpus" -- \
  -max_total_time="${FUZZ_SECONDS:-600}" -max_len=262144 -rss_limit_mb=2048 -timeout=20
