//! Decode + analysis on generated audio with known structure: tones and silences at known
//! times, AAC (with encoder priming) and WAV, checked against ffmpeg's own decode.

mod support;

use roughcut_engine::analyze::{EnergyVad, SILENCE, analyse};
use roughcut_engine::source::FileSource;
use roughcut_engine::{ErrorCode, Limits};
use support::{Scratch, generate, video_only};

/// 4 s at 48 kHz: a 1 kHz tone at half scale (−9.03 dBFS) in [0, 1) and [2, 3), silence else.
/// Loud and steady: sound, so voiced (a test tone is not silence).
const PATTERN: &str = "aevalsrc=exprs=0.5*sin(2*PI*1000*t)*lt(mod(t\\,2)\\,1):s=48000:d=4";

fn analysed(path: &std::path::Path) -> roughcut_engine::analyze::Analysis {
    analyse(&FileSource::open(path).expect("open"), &Limits::default(), &EnergyVad::default()).expect("analyse")
}

#[test]
fn tones_and_silences_land_on_their_hops() {
    let scratch = Scratch::new("analysis-pattern");
    let formats = [
        ("pattern.wav", "pcm_s16le"),
        ("pattern.m4a", "aac"),
        ("pattern.mp3", "libmp3lame"),
        ("pattern.flac", "flac"),
        ("pattern.ogg", "libvorbis"),
        ("pattern.opus", "libopus"),
        ("pattern.webm", "libopus"),
    ];
    for (name, codec) in formats {
        let path = generate(&scratch, name, &["-f", "lavfi", "-i", PATTERN, "-c:a", codec]);
        let analysis = analysed(&path);
        let levels = &analysis.envelope.levels;
        assert!((399..=402).contains(&levels.len()), "{name}: {} hops", levels.len());
        for hop in (5..95).chain(205..295) {
            assert!((-950..=-860).contains(&levels[hop]), "{name}: hop {hop} at {}", levels[hop]);
            assert!(analysis.voice[hop], "{name}: hop {hop} of a steady tone is not voiced");
        }
        for hop in (105..195).chain(305..395) {
            assert!(levels[hop] < -6000, "{name}: hop {hop} at {}", levels[hop]);
            // Opus leaves a residue decaying from -50 dB for tens of ms after a sound, which the
            // detector hears as the sound's tail
            assert!(hop % 100 < 10 || !analysis.voice[hop], "{name}: hop {hop} is not voiced");
        }
        assert!(
            analysis.noise_floor < -6000 || analysis.noise_floor == SILENCE,
            "{name}: floor {}",
            analysis.noise_floor
        );
    }
}

#[test]
fn lossy_envelopes_match_ffmpegs_decode_hop_for_hop() {
    // Speech-like material: noise bursts of varying loudness, so misalignment would show. AAC
    // has encoder priming in an edit list; Opus has a pre-skip, on Ogg's packets and in WebM's
    // codec header, and it decodes at 48 kHz whatever the input's rate.
    let scratch = Scratch::new("analysis-aligned");
    let source = "aevalsrc=exprs=(0.2+0.6*abs(sin(2*PI*0.7*t)))*sin(2*PI*(300+200*sin(2*PI*3*t))*t):s=44100:d=5";
    for (name, codec) in [("speechy.m4a", "aac"), ("speechy.opus", "libopus"), ("speechy.webm", "libopus")] {
        let coded = generate(&scratch, name, &["-f", "lavfi", "-i", source, "-ac", "2", "-c:a", codec, "-b:a", "192k"]);
        let coded_text = coded.to_string_lossy().into_owned();
        let reference = generate(&scratch, &format!("{name}-decoded.wav"), &["-i", &coded_text, "-c:a", "pcm_f32le"]);
        let ours = analysed(&coded).envelope.levels;
        let theirs = analysed(&reference).envelope.levels;
        // Ours ends where the stream says it ends (5 s); ffmpeg 5.1 keeps AAC's end padding, and
        // drops WebM's, which the engine keeps (under a 20-ms packet).
        let padded = if name.ends_with(".webm") { 500..=502 } else { 500..=500 };
        assert!(padded.contains(&ours.len()), "{name}: {} hops", ours.len());
        assert!(theirs.len().abs_diff(ours.len()) <= 3, "{name}: {} vs {} hops", ours.len(), theirs.len());
        let worst = ours.iter().zip(&theirs).map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs()).max().expect("hops");
        assert!(
            worst <= 20,
            "{name}: hop levels differ from ffmpeg's decode by up to {:.2} dB",
            f64::from(worst) / 100.0
        );
    }
}

#[test]
fn undecodable_inputs_are_coded_errors() {
    let scratch = Scratch::new("analysis-errors");
    let path = video_only(&scratch);
    let error = analyse(&FileSource::open(&path).expect("open"), &Limits::default(), &EnergyVad::default())
        .expect_err("no audio");
    assert_eq!(error.code, ErrorCode::Unsupported);
    let error =
        analyse(&b"RIFF\x10\0\0\0WAVEjunk".to_vec(), &Limits::default(), &EnergyVad::default()).expect_err("no fmt");
    assert_eq!(error.code, ErrorCode::Malformed);
}
