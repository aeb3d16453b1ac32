//! Audio renders. M4A by AAC packet copy: kept spans snapped to frames, the output as long as
//! the requested spans within one frame, every copied frame bit-identical, a file ffmpeg decodes
//! cleanly.
//! MP3 by re-encoding: cut at exact samples, and ffmpeg decodes exactly the kept length.

mod support;

use roughcut_engine::media::isobmff::{read_movie, samples::sample_table};
use roughcut_engine::media::render::{KeptSpan, render_aac_copy, render_mp3};
use roughcut_engine::source::{FileSource, RangeSource};
use roughcut_engine::{ErrorCode, Limits};
use support::{Scratch, assert_decodes_cleanly, ffprobe, generate};

fn frames(source: &dyn RangeSource) -> Vec<Vec<u8>> {
    let movie = read_movie(source, &Limits::default()).expect("movie");
    let track = movie.tracks.iter().find(|t| &t.handler == b"soun").expect("audio");
    sample_table(track, source.len())
        .expect("samples")
        .iter()
        .map(|s| source.read_vec(s.offset, u64::from(s.size)).expect("frame"))
        .collect()
}

fn span(start_ms: u64, end_ms: u64) -> KeptSpan {
    KeptSpan { start_ms, end_ms }
}

#[test]
fn kept_spans_render_to_a_clean_m4a_of_their_snapped_length() {
    let scratch = Scratch::new("render-copy");
    let input = generate(
        &scratch,
        "source.m4a",
        &["-f", "lavfi", "-i", "sine=frequency=600:sample_rate=44100", "-t", "6", "-c:a", "aac"],
    );
    let source = FileSource::open(&input).expect("open");
    let frame_seconds = 1024.0 / 44_100.0;

    for spans in [
        vec![span(0, 1200)],
        vec![span(500, 1500), span(2000, 2200), span(3900, 5999)],
        vec![span(100, 130), span(140, 180)],
    ] {
        let mut out = Vec::new();
        let rendered = render_aac_copy(&source, &spans, &mut out, &Limits::default()).expect("render");
        let snapped_total: f64 = rendered.spans.iter().map(|s| s.end.seconds() - s.start.seconds()).sum();
        let requested_total: f64 = spans.iter().map(|s| (s.end_ms - s.start_ms) as f64 / 1000.0).sum();
        for snapped in &rendered.spans {
            let (start, end) = (snapped.requested.start_ms as f64 / 1000.0, snapped.requested.end_ms as f64 / 1000.0);
            assert!((snapped.start.seconds() - start).abs() <= 1.5 * frame_seconds, "{snapped:?}");
            assert!((snapped.end.seconds() - end).abs() <= 1.5 * frame_seconds, "{snapped:?}");
        }
        let path = scratch.0.join("render.m4a");
        std::fs::write(&path, &out).expect("write");
        let probed = ffprobe(&path);
        let duration: f64 = probed["format"]["duration"].as_str().and_then(|d| d.parse().ok()).expect("duration");
        assert!(
            (duration - snapped_total).abs() <= 0.001,
            "{spans:?}: output {duration} s, snapped spans {snapped_total} s"
        );
        assert!(
            (duration - requested_total).abs() <= frame_seconds,
            "{spans:?}: output {duration} s for {requested_total} s of spans: more than a frame apart"
        );
        assert!((duration - rendered.output.duration.seconds()).abs() <= 0.001);

        let copied = frames(&out);
        let original = frames(&source);
        assert!(copied.iter().all(|frame| original.contains(frame)), "every frame is a byte-identical copy");
        assert_decodes_cleanly(&path);
    }
}

#[test]
fn impossible_spans_are_invalid_arguments() {
    let scratch = Scratch::new("render-invalid");
    let input =
        generate(&scratch, "source.m4a", &["-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "2", "-c:a", "aac"]);
    let source = FileSource::open(&input).expect("open");
    for spans in
        [vec![span(500, 400)], vec![span(100, 900), span(800, 1000)], vec![span(1500, 2500)], vec![span(10, 10)]]
    {
        let error = render_aac_copy(&source, &spans, &mut Vec::new(), &Limits::default()).expect_err("refused");
        assert_eq!(error.code, ErrorCode::InvalidArgument, "{spans:?}");
    }
}

#[test]
fn a_span_to_the_probed_end_renders_where_the_movie_claims_more_than_the_samples_hold() {
    // ffmpeg's AAC at 22,050 Hz: the movie says 10,271 ms (its milliseconds, rounded up), the
    // samples end at 10,269.7 ms; the probe says what the movie says, as ffprobe does
    let scratch = Scratch::new("render-claimed-end");
    let input = generate(
        &scratch,
        "source.m4a",
        &["-f", "lavfi", "-i", "sine=frequency=500:sample_rate=22050", "-t", "10.27", "-ac", "1", "-c:a", "aac"],
    );
    let source = FileSource::open(&input).expect("open");
    let end_ms =
        roughcut_engine::probe(&source, &Limits::default()).expect("probe").duration.expect("duration").millis();
    let rendered = render_aac_copy(&source, &[span(0, end_ms)], &mut Vec::new(), &Limits::default()).expect("render");
    assert!(rendered.output.duration.millis().abs_diff(end_ms) <= 1, "{:?}", rendered.output.duration);
    let past = render_aac_copy(&source, &[span(0, end_ms + 100)], &mut Vec::new(), &Limits::default());
    assert_eq!(past.expect_err("a frame past the samples").code, ErrorCode::InvalidArgument);
}

/// Samples per channel ffmpeg decodes from `path`.
fn decoded_frames(path: &std::path::Path, channels: u64) -> u64 {
    let path = path.to_string_lossy().into_owned();
    let pcm = support::run("ffmpeg", &["-v", "error", "-i", &path, "-f", "s16le", "-"]);
    pcm.len() as u64 / 2 / channels
}

#[test]
fn mp3_renders_keep_exactly_the_spans() {
    let scratch = Scratch::new("render-mp3");
    for (name, lavfi, codec, channels) in [
        ("mono.m4a", "sine=frequency=600:sample_rate=44100", "aac", 1u64),
        ("stereo.wav", "sine=frequency=400:sample_rate=48000", "pcm_s16le", 2),
    ] {
        let input = generate(
            &scratch,
            name,
            &["-f", "lavfi", "-i", lavfi, "-t", "6", "-ac", &channels.to_string(), "-c:a", codec],
        );
        let source = FileSource::open(&input).expect("open");
        let spans = [span(500, 1500), span(2000, 2200), span(4000, 5999)];
        let mut out = Vec::new();
        let rendered = render_mp3(&source, &spans, 192, &mut out, &Limits::default()).expect("render");
        let rate = u64::from(rendered.sample_rate);
        let wanted: u64 = spans.iter().map(|s| s.end_ms * rate / 1000 - s.start_ms * rate / 1000).sum();
        assert_eq!(rendered.frames, wanted, "{name}: kept frames");
        assert_eq!(rendered.bytes_written, out.len() as u64);

        let path = scratch.0.join(format!("{name}.mp3"));
        std::fs::write(&path, &out).expect("write");
        let probed = ffprobe(&path);
        let stream = &probed["streams"][0];
        assert_eq!(stream["codec_name"], "mp3");
        assert_eq!(stream["channels"].as_u64(), Some(channels));
        assert_eq!(stream["sample_rate"].as_str().map(str::to_owned), Some(rate.to_string()));
        assert_eq!(stream["bit_rate"].as_str(), Some("192000"));
        assert_eq!(decoded_frames(&path, channels), wanted, "{name}: ffmpeg decodes exactly the kept length");
    }
}

#[test]
fn mp3_refuses_what_it_cannot_encode() {
    let scratch = Scratch::new("render-mp3-refusals");
    let hi_rate =
        generate(&scratch, "96k.wav", &["-f", "lavfi", "-i", "sine=sample_rate=96000", "-t", "1", "-c:a", "pcm_s16le"]);
    let error = render_mp3(
        &FileSource::open(&hi_rate).expect("open"),
        &[span(0, 500)],
        128,
        &mut Vec::new(),
        &Limits::default(),
    )
    .expect_err("96 kHz");
    assert_eq!(error.code, ErrorCode::Unsupported);
    let short = generate(
        &scratch,
        "short.wav",
        &["-f", "lavfi", "-i", "sine=sample_rate=44100", "-t", "1", "-c:a", "pcm_s16le"],
    );
    let source = FileSource::open(&short).expect("open");
    for spans in [vec![span(500, 1500)], vec![span(300, 200)], Vec::new()] {
        let error =
            render_mp3(&source, &spans, 128, &mut Vec::new(), &Limits::default()).expect_err("impossible spans");
        assert_eq!(error.code, ErrorCode::InvalidArgument, "{spans:?}");
    }
}

/// The whole of an MP3 source, as its probe measures it, renders: the probe and the decoder agree
/// on where the source ends (the LAME tag's encoder delay and padding are not audio).
#[test]
fn an_mp3_source_renders_to_its_probed_end() {
    let scratch = Scratch::new("render-mp3-source");
    for (name, rate) in [("eight.mp3", "44100"), ("eight-48k.mp3", "48000"), ("eight-22k.mp3", "22050")] {
        let lavfi = format!("sine=frequency=500:sample_rate={rate}");
        let input = generate(&scratch, name, &["-f", "lavfi", "-i", &lavfi, "-t", "8", "-c:a", "libmp3lame"]);
        let source = FileSource::open(&input).expect("open");
        let info = roughcut_engine::media::probe::probe(&source, &Limits::default()).expect("probe");
        let end = info.duration.expect("duration").millis();
        for spans in [vec![span(0, end)], vec![span(1000, 2000), span(7000, end)]] {
            let rendered = render_mp3(&source, &spans, 128, &mut Vec::new(), &Limits::default());
            assert!(rendered.is_ok(), "{name} probed at {end} ms: {spans:?}: {:?}", rendered.err());
        }
        let past = render_mp3(&source, &[span(0, end + 500)], 128, &mut Vec::new(), &Limits::default());
        assert_eq!(past.expect_err("half a second past the end").code, ErrorCode::InvalidArgument);
    }
}
