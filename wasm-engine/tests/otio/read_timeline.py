#!/usr/bin/env python3
"""Read an exported timeline with OpenTimelineIO's own adapters and print its tracks/clips as JSON for the Rust export tests."""

import argparse
import json
import sys
from fractions import Fraction

import opentimelineio as otio

ADAPTERS = ("otio_json", "fcp_xml", "fcpx_xml", "cmx_3600")


def parse_rate(text):
    """Parse 'NUM/DEN' or a plain number into a float frame rate."""
    try:
        value = float(Fraction(text.strip()))
    except (ValueError, ZeroDivisionError) as exc:
        raise argparse.ArgumentTypeError(f"invalid rate {text!r}: {exc}")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"rate must be positive: {text!r}")
    return value


def first_timeline(obj):
    """Return the first Timeline in obj (depth-first through collections)."""
    if isinstance(obj, otio.schema.Timeline):
        return obj
    if isinstance(obj, otio.schema.SerializableCollection):
        for child in obj:
            found = first_timeline(child)
            if found is not None:
                return found
    return None


def clip_json(clip):
    rng = clip.source_range
    if rng is None:
        # Same fallback OTIO itself uses for a clip's trimmed range.
        rng = clip.available_range()
    rate = rng.start_time.rate
    ref = clip.media_reference
    target_url = getattr(ref, "target_url", None) if ref is not None else None
    return {
        "source_start": float(rng.start_time.value),
        "duration": float(rng.duration.rescaled_to(rate).value),
        "rate": float(rate),
        "target_url": target_url if target_url else None,
    }, rng.duration.to_seconds()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("adapter", choices=ADAPTERS)
    parser.add_argument(
        "--rate",
        type=parse_rate,
        help="frame rate as NUM/DEN (e.g. 30000/1001); cmx_3600 only",
    )
    args = parser.parse_args(argv)

    kwargs = {}
    if args.rate is not None:
        if args.adapter != "cmx_3600":
            parser.error("--rate is only meaningful for the cmx_3600 adapter")
        kwargs["rate"] = args.rate

    try:
        result = otio.adapters.read_from_file(
            args.path, adapter_name=args.adapter, **kwargs
        )
        timeline = first_timeline(result)
        if timeline is None:
            raise ValueError(
                f"reader returned no Timeline (got {type(result).__name__})"
            )
        tracks = []
        for track in timeline.tracks:
            if not isinstance(track, otio.schema.Track):
                continue
            clips = []
            seconds = 0.0
            for item in track:
                if isinstance(item, otio.schema.Clip):
                    entry, secs = clip_json(item)
                    clips.append(entry)
                    seconds += secs
            if clips:
                tracks.append({
                    "kind": str(track.kind),
                    "clips": clips,
                    "duration_seconds": seconds,
                })
    except Exception as exc:  # report whatever the reader raised
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1

    json.dump({"tracks": tracks}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
