#!/usr/bin/env bash
# Fuzzes the engine's hostile-input surface (wasm-engine/fuzz) for FUZZ_SECONDS per target
# (default 600): `media` seeded with small files of every format ffmpeg generates here, `edits`
# (transcripts, scripts, planning, exports) with a caption file of each kind. cargo-fuzz needs nightly flags;
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
edits="$ROOT/target/fuzz-corpus/edits"
mkdir -p "$edits"
if [ -z "$(ls -A "$edits")" ]; then
  printf '1\n00:00:01,000 --> 00:00:02,500\nSo um today we are\n\n2\n00:00:03,000 --> 00:00:04,000\nso today we are going.\n' >"$edits/a.srt"
  printf 'WEBVTT\n\nNOTE x\n\n00:01.000 --> 00:02.000 align:start\n<v A>One <00:01.500>two.\n' >"$edits/a.vtt"
  printf '{"words":[{"text":"Hi,","start":0.1,"end":0.4,"confidence":0.9},{"text":"uh","start":0.5,"end":0.7}]}' >"$edits/a.json"
  printf '{"text":"x","segments":[{"start":0,"end":1,"words":[{"word":" Hi","start":0.0,"end":0.5,"probability":0.8}]}]}' >"$edits/b.json"
fi
cd "$ROOT/wasm-engine"
for target in media edits; do
  corpus_dir=$corpus
  [ "$target" = edits ] && corpus_dir=$edits
  RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$ROOT/target/fuzz" "$FUZZ_BIN" run "$target" "$corpus_dir" -- \
    -max_total_time="${FUZZ_SECONDS:-600}" -max_len=262144 -rss_limit_mb=2048 -timeout=20
done
