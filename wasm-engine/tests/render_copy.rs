//! Audio renders by AAC packet copy: kept spans snapped to frames, the output's duration the sum
//! of the snapped spans, every copied frame bit-identical, and a file ffmpeg decodes cleanly.

mod support;

use roughcut_engine::media::isobmff::{read_movie, samples::sample_table};
use roughcut_engine::media::render::{KeptSpan, render_aac_copy};
use roughcut_engine::source::{FileSource, RangeSource};
use roughcut_engine::{ErrorCode, Limits};
use support::{Scratch, ffprobe, generate};

fn frames(source: &dyn RangeSource) -> Vec<Vec<u8>> {
    let movie = read_movie(source, &Limits::default()).expect("movie");
    let track = movie.tracks.iter().find(|t| &t.handler == b"soun").expect("audio");
    sample_table(track, source.len()).expect("samples").iter().map(|s| source.read_vec(s.offset, u64::from(s.size)).expect("frame")).collect()
}

fn span(start_ms: u64, end_ms: u64) -> KeptSpan {
    KeptSpan { start_ms, end_ms }
}

#[test]
fn kept_spans_render_to_a_clean_m4a_of_their_snapped_length() {
    let scratch = Scratch::new("render-copy");
    let input = generate(&scratch, "source.m4a", &["-f", "lavfi", "-i", "sine=frequency=600:sample_rate=44100", "-t", "6", "-c:a", "aac"]);
    let source = FileSource::open(&input).expect("open");
    let frame_seconds = 1024.0 / 44_100.0;

    for spans in [vec![span(0, 1200)], vec![span(500, 1500), span(2000, 2200), span(3900, 5999)], vec![span(100, 130), span(140, 180)]] {
        let mut out = Vec::new();
        let rendered = render_aac_copy(&source, &spans, &mut out, &Limits::default()).expect("render");
        let snapped_total: f64 = rendered.spans.iter().map(|s| s.end.seconds() - s.start.seconds()).sum();
        for snapped in &rendered.spans {
            let (start, end) = (snapped.requested.start_ms as f64 / 1000.0, snapped.requested.end_ms as f64 / 1000.0);
            assert!(snapped.start.seconds() <= start + 1e-9 && start - snapped.start.seconds() < frame_seconds, "{snapped:?}");
            assert!(snapped.end.seconds() >= end - 1e-9 && snapped.end.seconds() - end < frame_seconds + 0.001, "{snapped:?}");
        }
        let path = scratch.0.join("render.m4a");
        std::fs::write(&path, &out).expect("write");
        let probed = ffprobe(&path);
        let duration: f64 = probed["format"]["duration"].as_str().and_then(|d| d.parse().ok()).expect("duration");
        let spans_overlap = rendered.spans.windows(2).any(|w| w[1].start.cmp_time(&w[0].end).is_lt());
        if !spans_overlap {
            assert!((duration - snapped_total).abs() <= 0.001, "{spans:?}: output {duration} s, snapped spans {snapped_total} s");
        }
        assert!((duration - rendered.output.duration.seconds()).abs() <= 0.001);

        let copied = frames(&out);
        let original = frames(&source);
        assert!(copied.iter().all(|frame| original.contains(frame)), "every frame is a byte-identical copy");
        let path_text = path.to_string_lossy().into_owned();
        let decode = std::process::Command::new("ffmpeg").args(["-v", "error", "-i", &path_text, "-f", "null", "-"]).output().expect("ffmpeg");
        assert!(decode.status.success() && decode.stderr.is_empty(), "{}", String::from_utf8_lossy(&decode.stderr));
    }
}

#[test]
fn impossible_spans_are_invalid_arguments() {
    let scratch = Scratch::new("render-invalid");
    let input = generate(&scratch, "source.m4a", &["-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "2", "-c:a", "aac"]);
    let source = FileSource::open(&input).expect("open");
    for spans in [vec![span(500, 400)], vec![span(100, 900), span(800, 1000)], vec![span(1500, 2500)], vec![span(10, 10)]] {
        let error = render_aac_copy(&source, &spans, &mut Vec::new(), &Limits::default()).expect_err("refused");
        assert_eq!(error.code, ErrorCode::InvalidArgument, "{spans:?}");
    }
}
