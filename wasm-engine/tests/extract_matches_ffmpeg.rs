//! AAC extraction against `ffmpeg -vn -c:a copy`: the same payload bit for bit, the same
//! duration, a fast-start file that decodes cleanly. And speech (the 16-kHz mono WAV the browser
//! sends for a video it cannot copy the sound of) against ffmpeg's `-ac 1 -ar 16000`.

mod support;

use std::path::Path;

use roughcut_engine::media::extract::extract_aac;
use roughcut_engine::media::isobmff::{read_movie, samples::sample_table};
use roughcut_engine::media::speech::speech_wav;
use roughcut_engine::source::{FileSource, RangeSource};
use roughcut_engine::{ErrorCode, Limits, probe};
use support::{Scratch, assert_decodes_cleanly, av, ffprobe, generate, mutations, video_only};

/// Every AAC sample's bytes, in order, read with the engine's own demuxer.
fn aac_payload(source: &dyn RangeSource) -> Vec<Vec<u8>> {
    let movie = read_movie(source, &Limits::default()).expect("movie");
    let track = movie.tracks.iter().find(|t| &t.handler == b"soun").expect("audio track");
    let samples = sample_table(track, source.len()).expect("samples");
    samples.iter().map(|s| source.read_vec(s.offset, u64::from(s.size)).expect("sample")).collect()
}

fn seconds(value: &serde_json::Value) -> f64 {
    value.as_str().and_then(|s| s.parse().ok()).expect("seconds")
}

fn assert_extracts_like_ffmpeg(scratch: &Scratch, input: &Path) {
    let source = FileSource::open(input).expect("open");
    let mut ours = Vec::new();
    let extracted = extract_aac(&source, &mut ours, &Limits::default()).expect("extract");
    assert_eq!(extracted.bytes_written, ours.len() as u64);
    let ours_path = scratch.0.join("ours.m4a");
    std::fs::write(&ours_path, &ours).expect("write");

    let input = input.to_string_lossy().into_owned();
    let reference = generate(scratch, "reference.m4a", &["-i", &input, "-vn", "-c:a", "copy"]);
    let reference_bytes = std::fs::read(&reference).expect("read reference");

    let our_payload = aac_payload(&ours);
    assert_eq!(our_payload.len() as u64, extracted.samples);
    assert!(our_payload == aac_payload(&reference_bytes), "AAC payload differs from ffmpeg's copy");

    let theirs = ffprobe(&reference);
    let mine = ffprobe(&ours_path);
    for key in ["codec_name", "sample_rate", "channels", "profile"] {
        assert_eq!(mine["streams"][0][key], theirs["streams"][0][key], "{key}");
    }
    let (our_duration, their_duration) =
        (seconds(&mine["streams"][0]["duration"]), seconds(&theirs["streams"][0]["duration"]));
    assert!((our_duration - their_duration).abs() <= 0.001, "duration {our_duration} vs ffmpeg's {their_duration}");
    assert!((extracted.duration.seconds() - their_duration).abs() <= 0.001);

    let our_info = probe(&ours, &Limits::default()).expect("probe our output");
    assert_eq!(our_info.container.as_str(), "m4a");
    let order: Vec<[u8; 4]> =
        read_movie(&ours, &Limits::default()).expect("movie").top_level.iter().map(|b| b.kind).collect();
    assert_eq!(order, [*b"ftyp", *b"moov", *b"mdat"], "fast start: moov before mdat");

    assert_decodes_cleanly(&ours_path);
}

#[test]
fn from_mp4_with_video() {
    let scratch = Scratch::new("extract-mp4");
    let input = av(&scratch, "in.mp4", "640x360", "30000/1001", "48000", "2", "4");
    assert_extracts_like_ffmpeg(&scratch, &input);
}

#[test]
fn from_quicktime_mono_44k() {
    let scratch = Scratch::new("extract-mov");
    let input = av(&scratch, "in.mov", "320x240", "25", "44100", "1", "3");
    assert_extracts_like_ffmpeg(&scratch, &input);
}

#[test]
fn from_a_finely_interleaved_file() {
    // ffmpeg interleaves two streams chunk by chunk: about one audio frame per chunk, the layout
    // that makes per-sample chunk lookups quadratic.
    let scratch = Scratch::new("extract-interleaved");
    let input = av(&scratch, "interleaved.mp4", "320x240", "50", "48000", "2", "3");
    let bytes = std::fs::read(&input).expect("read");
    let movie = read_movie(&bytes, &Limits::default()).expect("movie");
    let audio = movie.tracks.iter().find(|t| &t.handler == b"soun").expect("audio");
    assert!(audio.chunk_offsets.len() as u64 * 10 >= audio.sizes.count() * 9, "expected about one sample per chunk");
    assert_extracts_like_ffmpeg(&scratch, &input);
}

/// A fragmented MP4's AAC: ffmpeg's payload, and each sample as long as in the same file
/// unfragmented (ffmpeg's own copy of a fragmented file rounds its last, shorter frame up to a
/// whole one, so its length is no reference here).
#[test]
fn from_a_fragmented_mp4() {
    let scratch = Scratch::new("extract-fragmented");
    let plain = av(&scratch, "plain.mp4", "320x240", "30", "48000", "2", "4");
    let plain_text = plain.to_string_lossy().into_owned();
    let durations = |path: &Path| {
        let movie = read_movie(&FileSource::open(path).expect("open"), &Limits::default()).expect("movie");
        movie.tracks.iter().find(|t| &t.handler == b"soun").expect("audio").time_to_sample.clone()
    };
    // data offsets from each moof, and from the end of the track fragment before (no base given)
    for flags in ["frag_keyframe+empty_moov+default_base_moof", "frag_keyframe+empty_moov+omit_tfhd_offset"] {
        let fragmented = generate(&scratch, "fragmented.mp4", &["-i", &plain_text, "-c", "copy", "-movflags", flags]);
        let fragmented_text = fragmented.to_string_lossy().into_owned();
        let reference = generate(&scratch, "reference.m4a", &["-i", &fragmented_text, "-vn", "-c:a", "copy"]);

        let source = FileSource::open(&fragmented).expect("open");
        let theirs = aac_payload(&std::fs::read(&reference).expect("reference"));
        assert!(aac_payload(&source) == theirs, "{flags}: ffmpeg's payload");
        assert_eq!(durations(&fragmented), durations(&plain), "{flags}: the samples' durations");

        let mut ours = Vec::new();
        let extracted = extract_aac(&source, &mut ours, &Limits::default()).expect("extract");
        assert_eq!(extracted.samples, theirs.len() as u64);
        let ours_path = scratch.0.join("ours.m4a");
        std::fs::write(&ours_path, &ours).expect("write");
        assert_decodes_cleanly(&ours_path);
    }
}

/// 16-bit samples of a 16-kHz mono WAV (after its 44-byte header).
fn speech_samples(wav: &[u8]) -> Vec<f64> {
    wav[44..].chunks_exact(2).map(|b| f64::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0).collect()
}

#[test]
fn speech_of_a_webm_and_a_camera_mov_matches_ffmpegs() {
    let scratch = Scratch::new("speech");
    // a voice-like sweep of tones, and a 13-kHz whistle that must not fold into the speech band
    let sound = "aevalsrc=0.4*sin(2*PI*(200+300*t)*t)+0.2*sin(2*PI*13000*t):s=48000:d=3";
    // the sweep's level (0.283) without the whistle's: folded back, the whistle would add to it
    for (name, codecs, sweep) in [
        ("screen.webm", &["-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus"][..], 0.283),
        ("camera.mov", &["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "pcm_s24le"][..], 0.283),
        // fragmented, its PCM in packets of many frames
        (
            "fragmented.mov",
            &["-c:v", "libx264", "-c:a", "pcm_s16be", "-movflags", "frag_keyframe+empty_moov"][..],
            0.283,
        ),
        // ffmpeg puts a mono source into both channels 3 dB down
        ("stereo.wav", &["-ac", "2", "-c:a", "pcm_s16le"][..], 0.2),
    ] {
        let video = ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=3"];
        let with_video = !name.ends_with(".wav");
        let inputs: Vec<&str> = if with_video { video.to_vec() } else { Vec::new() };
        let args = [&inputs[..], &["-f", "lavfi", "-i", sound, "-t", "3"][..], codecs].concat();
        let input = generate(&scratch, name, &args);
        let text = input.to_string_lossy().into_owned();
        let reference = generate(
            &scratch,
            &format!("{name}.16k.wav"),
            &[
                "-i",
                &text,
                "-vn",
                "-ac",
                "1",
                "-ar",
                "16000",
                "-c:a",
                "pcm_s16le",
                "-map_metadata",
                "-1",
                "-fflags",
                "+bitexact",
            ],
        );
        let ours = speech_wav(&FileSource::open(&input).expect("open"), &Limits::default()).expect("speech");
        let theirs = std::fs::read(&reference).expect("reference");
        assert_eq!(&ours[..4], b"RIFF");
        let (ours, theirs) = (speech_samples(&ours), speech_samples(&theirs));
        // the engine leaves a WebM's end padding (under one 20-ms Opus packet; see foreign.rs)
        assert!(
            ours.len().abs_diff(theirs.len()) <= 320,
            "{name}: {} samples against ffmpeg's {}",
            ours.len(),
            theirs.len()
        );
        let rms = |s: &[f64]| (s.iter().map(|v| v * v).sum::<f64>() / s.len() as f64).sqrt();
        let (level, expected) = (rms(&ours[800..40_000]), rms(&theirs[800..40_000]));
        assert!(
            (level - expected).abs() < 0.01 && (level - sweep).abs() < 0.02,
            "{name}: level {level} against {expected}"
        );
        let aligned: f64 =
            ours[800..40_000].iter().zip(&theirs[800..40_000]).map(|(a, b)| (a - b).powi(2)).sum::<f64>();
        let error = (aligned / 39_200.0).sqrt();
        assert!(error < 0.02, "{name}: differs from ffmpeg's by {error} RMS");
    }
}

#[test]
fn without_aac_is_unsupported() {
    let scratch = Scratch::new("extract-none");
    let silent = video_only(&scratch);
    let error = extract_aac(&FileSource::open(&silent).expect("open"), &mut Vec::new(), &Limits::default())
        .expect_err("no audio");
    assert_eq!(error.code, ErrorCode::Unsupported);
}

#[test]
fn hostile_sample_tables_give_errors_not_panics() {
    let scratch = Scratch::new("extract-hostile");
    let input = av(&scratch, "small.mp4", "160x120", "25", "48000", "1", "1");
    let whole = std::fs::read(&input).expect("read");
    let moov_at = whole.windows(4).position(|w| w == b"moov").expect("moov");
    let mut refused = 0;
    for mutated in mutations(&whole, moov_at, 3, 2000, 0x2545_F491_4F6C_DD1D) {
        let mut out = Vec::new();
        if extract_aac(&mutated, &mut out, &Limits::default()).is_err() {
            refused += 1;
        }
    }
    assert!(refused > 0, "some mutations must be refused");
    for cut in [whole.len() / 2, whole.len() - 10] {
        assert!(extract_aac(&whole[..cut].to_vec(), &mut Vec::new(), &Limits::default()).is_err(), "cut at {cut}");
    }
    // the same, fragmented: its moof boxes' runs mutated
    let input = input.to_string_lossy().into_owned();
    let flags = ["-movflags", "frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "200000"];
    let fragmented = generate(&scratch, "fragmented.mp4", &[&["-i", &input, "-c", "copy"][..], &flags[..]].concat());
    let whole = std::fs::read(&fragmented).expect("read");
    let moof_at = whole.windows(4).position(|w| w == b"moof").expect("moof");
    let refused = mutations(&whole, moof_at, 3, 2000, 0x1F2E_3D4C_5B6A_7988)
        .filter(|mutated| extract_aac(mutated, &mut Vec::new(), &Limits::default()).is_err())
        .count();
    assert!(refused > 0, "some mutations of the fragments must be refused");
}
