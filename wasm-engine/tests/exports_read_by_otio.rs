//! Every timeline export read back by OpenTimelineIO's own adapters (PyPI `opentimelineio` and
//! the fcp, fcpx and cmx3600 adapters, in the tests' venv that `scripts/bootstrap.sh` builds): clip count,
//! each clip's source range and the total duration equal the plan's within one frame, at 25, 30,
//! 29.97 and 59.94 fps, with and without video.

mod support;

use roughcut_engine::export::TimelineFormat;
use roughcut_engine::plan::{CutPlan, Span};
use roughcut_engine::time::Rational;
use roughcut_engine::timeline::{AudioFormat, SourceMedia, Timeline};
use serde_json::Value;
use support::Scratch;

/// A plan of `count` segments with awkward millisecond boundaries over a 20-minute source.
fn plan(count: u64) -> CutPlan {
    let mut segments = Vec::new();
    let mut time = 1_234;
    for i in 0..count {
        let length = 700 + (i * 7_919) % 9_000;
        segments.push(Span { start: time, end: time + length });
        time += length + 333 + (i * 104_729) % 2_500;
    }
    let kept_duration = segments.iter().map(Span::duration).sum();
    CutPlan { segments, removed: Vec::new(), kept_duration, source_duration: time + 5_000 }
}

fn source(plan: &CutPlan, video: Option<Rational>) -> SourceMedia {
    SourceMedia {
        name: "take one & two.mp4".into(),
        url: "file:///Volumes/Footage/take%20one%20%26%20two.mp4".into(),
        duration: plan.source_duration,
        video: video.map(|rate| (1920, 1080, rate)),
        audio: Some(AudioFormat { channels: 2, sample_rate: 48_000 }),
    }
}

fn adapter(format: TimelineFormat) -> &'static str {
    match format {
        TimelineFormat::Otio => "otio_json",
        TimelineFormat::Fcpxml => "fcpx_xml",
        TimelineFormat::Xmeml => "fcp_xml",
        TimelineFormat::Edl => "cmx_3600",
    }
}

fn read_back(scratch: &Scratch, timeline: &Timeline, format: TimelineFormat) -> Value {
    let path = scratch.0.join(format!("cut-{}.{}", timeline.rate.rate.num, format.extension()));
    std::fs::write(&path, format.write(timeline)).expect("written");
    let python = std::env::var("TEST_PYTHON")
        .expect("TEST_PYTHON names the tests' Python venv; scripts/env.sh sets it and make test builds it");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/otio/read_timeline.py");
    let rate = format!("{}/{}", timeline.rate.rate.num, timeline.rate.rate.den);
    let mut args = vec![script, path.to_str().expect("utf-8 path"), adapter(format)];
    if format == TimelineFormat::Edl {
        args.extend(["--rate", &rate]);
    }
    let output = std::process::Command::new(&python).args(&args).output().expect("the OTIO venv runs");
    assert!(output.status.success(), "{format:?} at {rate}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON from read_timeline.py")
}

fn check(timeline: &Timeline, plan: &CutPlan, format: TimelineFormat, document: &Value) {
    let rate = timeline.rate.as_f64();
    let frame = 1.0 / rate;
    let label = format!("{format:?} at {}/{}", timeline.rate.rate.num, timeline.rate.rate.den);
    let tracks = document["tracks"].as_array().expect("tracks");
    let mut kinds: Vec<&str> = tracks.iter().map(|t| t["kind"].as_str().expect("kind")).collect();
    kinds.sort_unstable();
    let expected: &[&str] = if timeline.has_video() { &["Audio", "Video"] } else { &["Audio"] };
    assert_eq!(kinds, expected, "{label}");
    // OTIO's FCPXML reader truncates `seconds · fps` as a float (11600/2500 s at 25 fps reads
    // as 115 frames, not 116) and takes 1001/30000 s frames as 1/29 s (OpenTimelineIO issues
    // #903, #1661): it is only good to a frame more per clip, a 29th of a second at NTSC rates.
    // Every other reader is exact; `fcpxml_times_are_whole_frames_of_the_format` checks ours.
    let lossy = format == TimelineFormat::Fcpxml;
    let reader_error = if timeline.rate.ntsc { 1.0 / f64::from(timeline.rate.timebase - 1) } else { frame };
    let per_clip = if lossy { reader_error + frame } else { frame };
    for track in tracks {
        let clips = track["clips"].as_array().expect("clips");
        assert_eq!(clips.len(), plan.segments.len(), "{label}: clip count");
        for (clip, segment) in clips.iter().zip(&plan.segments) {
            let clip_rate = clip["rate"].as_f64().expect("rate");
            let start = clip["source_start"].as_f64().expect("start") / clip_rate;
            let duration = clip["duration"].as_f64().expect("duration") / clip_rate;
            assert!(
                (start - segment.start as f64 / 1000.0).abs() <= per_clip,
                "{label}: start {start} for {segment:?}"
            );
            assert!(
                (duration - segment.duration() as f64 / 1000.0).abs() <= per_clip,
                "{label}: duration {duration} for {segment:?}"
            );
            let url = clip["target_url"].as_str();
            // the 1.9 DTD puts the path in <media-rep>, which OTIO's reader ignores
            let expected_url = if format == TimelineFormat::Fcpxml { None } else { Some(timeline.source.url.as_str()) };
            assert_eq!(url, expected_url, "{label}: media reference");
        }
        let total = track["duration_seconds"].as_f64().expect("duration_seconds");
        let tolerance = if lossy { per_clip * clips.len() as f64 } else { frame };
        assert!(
            (total - plan.kept_duration as f64 / 1000.0).abs() <= tolerance,
            "{label}: total {total} s against the plan's {} ms",
            plan.kept_duration
        );
    }
}

#[test]
fn every_format_reads_back_at_every_rate() {
    let scratch = Scratch::new("otio");
    let plan = plan(60);
    for rate in [Rational::new(25, 1), Rational::new(30, 1), Rational::new(30_000, 1_001), Rational::new(60_000, 1_001)]
    {
        let timeline = Timeline::new("Interview — rough cut", &plan, source(&plan, Some(rate)));
        assert_eq!(timeline.clips.len(), plan.segments.len());
        for format in TimelineFormat::ALL {
            check(&timeline, &plan, format, &read_back(&scratch, &timeline, format));
        }
    }
}

#[test]
fn audio_only_sources_export_one_audio_track() {
    let scratch = Scratch::new("otio-audio");
    let plan = plan(12);
    let timeline = Timeline::new("podcast", &plan, source(&plan, None));
    for format in TimelineFormat::ALL {
        check(&timeline, &plan, format, &read_back(&scratch, &timeline, format));
    }
}

#[test]
fn fcpxml_times_are_whole_frames_of_the_format() {
    // OTIO cannot check FCPXML at NTSC rates exactly; this does: every time is a whole number
    // of 1001/30000 s frames and the clips sit back to back.
    let plan = plan(30);
    let timeline = Timeline::new("cut", &plan, source(&plan, Some(Rational::new(30_000, 1_001))));
    let xml = TimelineFormat::Fcpxml.write(&timeline);
    assert!(xml.contains("frameDuration=\"1001/30000s\""));
    assert!(xml.contains("tcFormat=\"DF\""));
    let mut offsets = Vec::new();
    for attribute in ["offset=\"", "start=\"", "duration=\""] {
        for piece in xml.split(attribute).skip(1) {
            let value = &piece[..piece.find('"').expect("closing quote")];
            if value == "0s" {
                continue;
            }
            let (numerator, denominator) = value.trim_end_matches('s').split_once('/').expect("a rational time");
            let numerator: u64 = numerator.parse().expect("integer numerator");
            assert_eq!(denominator, "30000", "{value}");
            assert_eq!(numerator % 1001, 0, "{value} is a whole frame");
            if attribute == "offset=\"" {
                offsets.push(numerator / 1001);
            }
        }
    }
    let record_starts: Vec<u64> = timeline.clips.iter().map(|c| c.record_start).collect();
    assert!(
        record_starts.iter().skip(1).all(|start| offsets.contains(start)),
        "spine offsets are the record positions"
    );
}
