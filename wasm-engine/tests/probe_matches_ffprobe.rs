//! The probe's figures against ffprobe's on files ffmpeg generates here: NTSC and PAL rates,
//! vertical and rotated video, MP4/MOV/M4A/WAV, mono and stereo, 44.1 and 48 kHz; and MP3 lengths
//! where ffprobe's are wrong, against what ffmpeg decodes.

mod support;

use std::path::Path;

use roughcut_engine::analyze::{EnergyVad, analyse};
use roughcut_engine::media::probe::{MediaInfo, TrackKind};
use roughcut_engine::source::FileSource;
use roughcut_engine::{Limits, probe};
use serde_json::Value;
use support::{Scratch, av, ffprobe, generate, mutations};

fn number(value: &Value) -> f64 {
    value.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("not a number: {value}"))
}

fn ours(path: &Path) -> MediaInfo {
    probe(&FileSource::open(path).expect("open"), &Limits::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn within(ours: f64, theirs: f64, relative: f64, what: &str) {
    assert!((ours - theirs).abs() <= theirs.abs() * relative, "{what}: ours {ours}, ffprobe {theirs}");
}

/// Every figure ffprobe reports for `path`, compared with ours.
fn assert_matches_ffprobe(path: &Path) {
    let info = ours(path);
    let reference = ffprobe(path);
    let format = &reference["format"];
    let duration = info.duration.expect("duration").seconds();
    // MP3: ffmpeg 5.1 counts every frame of the LAME header, encoder delay and padding included;
    // the engine reports the gapless length, shorter by at most two frames. Raw ADTS: ffprobe
    // only estimates from the bit rate ("may be inaccurate"); the engine counts frames.
    let adts = info.container.as_str() == "aac";
    let tolerance = |track_codec: &str, sample_rate: u32| match track_codec {
        "mp3" => 2.0 * 1152.0 / f64::from(sample_rate),
        _ if adts => 0.01 * duration,
        _ => 0.001,
    };
    let first_audio = info.audio().map(|t| (t.codec.clone(), t.audio.as_ref().map_or(48_000, |a| a.sample_rate)));
    let slack = first_audio.as_ref().map_or(0.001, |(codec, rate)| tolerance(codec, *rate));
    assert!((duration - number(&format["duration"])).abs() <= slack, "duration {duration} vs {}", format["duration"]);
    // Both are the file's bits over its duration; compare the bits, as the durations may differ.
    let our_bits = info.bitrate.expect("bitrate") as f64 * duration;
    within(our_bits, number(&format["bit_rate"]) * number(&format["duration"]), 0.005, "format bits");

    let streams = reference["streams"].as_array().expect("streams");
    assert_eq!(info.tracks.len(), streams.len(), "{info:#?}");
    for (track, stream) in info.tracks.iter().zip(streams) {
        assert_eq!(track.codec, stream["codec_name"].as_str().expect("codec"), "{}", path.display());
        let track_duration = track.duration.expect("track duration").seconds();
        let slack = tolerance(&track.codec, track.audio.as_ref().map_or(48_000, |a| a.sample_rate));
        assert!(
            stream.get("duration").is_none() || (track_duration - number(&stream["duration"])).abs() <= slack,
            "{}: track duration {track_duration} vs {}",
            track.codec,
            stream["duration"]
        );
        // Stream bit rates: ffmpeg computes them from sample tables for MP4 and WAV, and reports
        // the first frame's nominal rate for MP3; we match both.
        if matches!(info.container.as_str(), "mp4" | "mov" | "m4a" | "wav" | "mp3") {
            within(track.bitrate.expect("track bitrate") as f64, number(&stream["bit_rate"]), 0.01, "stream bit rate");
        }
        match track.kind {
            TrackKind::Video => {
                let video = track.video.as_ref().expect("video info");
                assert_eq!(stream["codec_type"], "video");
                assert_eq!(
                    (u64::from(video.width), u64::from(video.height)),
                    (stream["width"].as_u64().expect("w"), stream["height"].as_u64().expect("h"))
                );
                assert_eq!(video.frame_rate.to_string(), stream["r_frame_rate"].as_str().expect("rate"));
                assert!(!video.variable_frame_rate);
                let their_rotation = stream["side_data_list"]
                    .as_array()
                    .and_then(|list| list.iter().find_map(|d| d["rotation"].as_i64()))
                    .unwrap_or(0);
                // ffprobe reports the display matrix's counter-clockwise angle; ours is clockwise.
                assert_eq!(i64::from(video.rotation), (-their_rotation).rem_euclid(360), "rotation");
            }
            TrackKind::Audio => {
                let audio = track.audio.as_ref().expect("audio info");
                assert_eq!(stream["codec_type"], "audio");
                assert_eq!(audio.sample_rate.to_string(), stream["sample_rate"].as_str().expect("rate"));
                assert_eq!(u64::from(audio.channels), stream["channels"].as_u64().expect("channels"));
            }
            TrackKind::Other => {}
        }
    }
}

#[test]
fn ntsc_stereo_mp4() {
    let scratch = Scratch::new("ntsc");
    assert_matches_ffprobe(&av(&scratch, "ntsc.mp4", "1280x720", "30000/1001", "48000", "2", "3"));
}

#[test]
fn ntsc_mov() {
    let scratch = Scratch::new("mov");
    let path = av(&scratch, "ntsc.mov", "640x360", "30000/1001", "48000", "2", "2");
    assert_eq!(ours(&path).container.as_str(), "mov");
    assert_matches_ffprobe(&path);
}

#[test]
fn pal_mp4() {
    let scratch = Scratch::new("pal");
    assert_matches_ffprobe(&av(&scratch, "pal.mp4", "640x360", "25", "44100", "2", "2"));
}

#[test]
fn vertical_mono_44k() {
    let scratch = Scratch::new("vertical");
    let path = av(&scratch, "vertical.mp4", "1080x1920", "30", "44100", "1", "2");
    let info = ours(&path);
    let video = info.video().and_then(|t| t.video.as_ref()).expect("video");
    assert!(video.height > video.width, "vertical stays vertical");
    assert_matches_ffprobe(&path);
}

#[test]
fn rotated_by_display_matrix() {
    let scratch = Scratch::new("rotated");
    let plain = av(&scratch, "unrotated.mp4", "320x240", "30000/1001", "48000", "2", "1");
    let plain = plain.to_string_lossy().into_owned();
    let rotated = generate(&scratch, "rotated.mp4", &["-i", &plain, "-c", "copy", "-metadata:s:v:0", "rotate=90"]);
    assert_ne!(ours(&rotated).video().and_then(|t| t.video.as_ref()).expect("video").rotation, 0);
    assert_matches_ffprobe(&rotated);
}

#[test]
fn audio_only_m4a() {
    let scratch = Scratch::new("m4a");
    let path = generate(
        &scratch,
        "audio.m4a",
        &["-f", "lavfi", "-i", "sine=frequency=300:sample_rate=44100", "-t", "2.5", "-ac", "1", "-c:a", "aac"],
    );
    let info = ours(&path);
    assert_eq!(info.container.as_str(), "m4a");
    assert!(info.video().is_none());
    assert_matches_ffprobe(&path);
}

#[test]
fn wav_pcm_variants() {
    let scratch = Scratch::new("wav");
    for (name, codec, rate, channels) in [
        ("s16.wav", "pcm_s16le", "48000", "2"),
        ("s24.wav", "pcm_s24le", "44100", "1"),
        ("f32.wav", "pcm_f32le", "22050", "2"),
    ] {
        let lavfi = format!("sine=frequency=500:sample_rate={rate}");
        let path =
            generate(&scratch, name, &["-f", "lavfi", "-i", &lavfi, "-t", "1.5", "-ac", channels, "-c:a", codec]);
        assert_matches_ffprobe(&path);
    }
}

/// QuickTime's PCM as cameras and editors write it, each layout named as ffprobe names it.
#[test]
fn mov_pcm_variants() {
    let scratch = Scratch::new("mov-pcm");
    for codec in ["pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_s24be", "pcm_s32le", "pcm_f32le", "pcm_f32be"] {
        let lavfi = "sine=frequency=500:sample_rate=48000";
        let name = format!("{codec}.mov");
        let path = generate(&scratch, &name, &["-f", "lavfi", "-i", lavfi, "-t", "1.5", "-ac", "2", "-c:a", codec]);
        assert_matches_ffprobe(&path);
    }
}

/// Fragmented MP4 as Safari's MediaRecorder and OBS write it: an empty `moov`, the samples in
/// `moof` runs; with and without `default-base-is-moof`, and with the first fragment's samples in
/// the `moov` itself.
#[test]
fn fragmented_mp4_variants() {
    let scratch = Scratch::new("fragmented");
    let plain = av(&scratch, "plain.mp4", "320x240", "30000/1001", "48000", "2", "3");
    let plain = plain.to_string_lossy().into_owned();
    for (name, flags) in [
        ("moof-based.mp4", "frag_keyframe+empty_moov+default_base_moof"),
        ("offset-based.mp4", "frag_keyframe+empty_moov"),
        ("first-in-moov.mp4", "frag_keyframe"),
    ] {
        // a fragment a second, as MediaRecorder writes one per time slice
        let args = ["-i", &plain, "-c", "copy", "-movflags", flags, "-frag_duration", "1000000"];
        let path = generate(&scratch, name, &args);
        let movie =
            roughcut_engine::media::isobmff::read_movie(&FileSource::open(&path).expect("open"), &Limits::default())
                .expect("movie");
        assert!(movie.top_level.iter().any(|b| &b.kind == b"moof"), "{name}: fragmented");
        assert_matches_ffprobe(&path);
    }
}

/// Cut-off and corrupted files end in coded errors, never panics.
#[test]
fn truncated_and_corrupt_inputs_give_coded_errors() {
    let scratch = Scratch::new("hostile");
    let path = av(&scratch, "whole.mp4", "320x240", "25", "48000", "2", "1");
    let whole = std::fs::read(&path).expect("read");
    for cut in [0, 7, 16, 40, whole.len() / 3, whole.len() / 2, whole.len() - 200, whole.len() - 1] {
        let error = probe(&whole[..cut].to_vec(), &Limits::default()).expect_err("cut-off file");
        assert!(!error.message.is_empty(), "cut at {cut}: {error}");
    }
    // Byte flips anywhere in the metadata: any outcome but a panic.
    let moov_at = whole.windows(4).position(|w| w == b"moov").expect("moov");
    for mutated in mutations(&whole, moov_at, 4, 3000, 0x9E37_79B9_7F4A_7C15) {
        let _ = probe(&mutated, &Limits::default());
    }
}

#[test]
fn audio_formats_read_through_symphonia() {
    let scratch = Scratch::new("foreign");
    for (name, codec, rate, channels) in [
        ("tone.mp3", "libmp3lame", "44100", "2"),
        ("tone.flac", "flac", "48000", "1"),
        ("tone.ogg", "libvorbis", "44100", "2"),
        ("tone.aac", "aac", "48000", "2"),
        ("tone.webm", "libvorbis", "48000", "1"),
        ("tone.opus", "libopus", "44100", "2"),
        ("tone-opus.webm", "libopus", "48000", "1"),
    ] {
        let lavfi = format!("sine=frequency=700:sample_rate={rate}");
        let path =
            generate(&scratch, name, &["-f", "lavfi", "-i", &lavfi, "-t", "2.5", "-ac", channels, "-c:a", codec]);
        assert_matches_ffprobe(&path);
    }
}

#[test]
fn matroska_and_webm_video_read_through_symphonia() {
    // what OBS records (H.264 and AAC in Matroska) and what a browser records (VP8 or VP9 with Opus)
    let scratch = Scratch::new("matroska-video");
    for (name, rate, video_codec, audio_codec, codec) in [
        ("obs.mkv", "30", "libx264", "aac", "h264"),
        ("pal.mkv", "25", "libx264", "aac", "h264"),
        ("camera.webm", "30000/1001", "libvpx", "libopus", "vp8"),
        ("camera-vp9.webm", "60", "libvpx-vp9", "libopus", "vp9"),
    ] {
        let video = format!("testsrc2=size=320x240:rate={rate}");
        let audio = "sine=frequency=440:sample_rate=48000";
        let args = ["-f", "lavfi", "-i", &video, "-f", "lavfi", "-i", audio, "-t", "3", "-deadline", "realtime"];
        let path = generate(&scratch, name, &[&args[..], &["-c:v", video_codec, "-c:a", audio_codec]].concat());
        assert_eq!(ours(&path).video().map(|v| v.codec.as_str()), Some(codec), "{name}");
        assert_matches_ffprobe(&path);
    }
    // a screen recording: the picture alone
    let silent = generate(&scratch, "screen.webm", &["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "3"]);
    assert!(ours(&silent).audio().is_none());
    assert_matches_ffprobe(&silent);
}

#[test]
fn a_webm_that_states_no_length_is_measured_packet_by_packet() {
    // A live WebM, as a browser's MediaRecorder writes it: no Duration, no Cues (ffprobe: N/A).
    let scratch = Scratch::new("probe-live-webm");
    let voice = ["-f", "lavfi", "-i", "sine=frequency=300:sample_rate=48000:duration=5"];
    let camera = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=30:duration=5", "-c:v", "libvpx"];
    let audio_only = generate(&scratch, "live.webm", &[&voice[..], &["-c:a", "libopus", "-live", "1"]].concat());
    let with_video =
        generate(&scratch, "live-av.webm", &[&voice[..], &camera[..], &["-c:a", "libopus", "-live", "1"]].concat());
    for path in [&audio_only, &with_video] {
        assert!(ffprobe(path)["format"].get("duration").is_none(), "{}: the file states a length", path.display());
        let probed = ours(path).duration.expect("a duration").seconds();
        let decoded = decoded_seconds(path, 48_000);
        assert!((probed - decoded).abs() <= 0.01, "{}: {probed} s, and ffmpeg decodes {decoded} s", path.display());
    }
}

/// Seconds of audio ffmpeg decodes from `path` (mono).
fn decoded_seconds(path: &Path, rate: u32) -> f64 {
    let path = path.to_string_lossy().into_owned();
    let pcm = support::run("ffmpeg", &["-v", "error", "-i", &path, "-ac", "1", "-f", "s16le", "-"]);
    pcm.len() as f64 / 2.0 / f64::from(rate)
}

#[test]
fn an_mp3s_length_is_counted_from_its_frames_not_taken_from_its_header() {
    // Where ffprobe (and a header-trusting probe) are wrong, and a user would be billed for a
    // fraction of the recording: a VBR file without a Xing header, loud at first and quiet
    // after (its first frame's bit rate is far above the average), and one whose Xing header
    // states a tenth of its frames.
    let scratch = Scratch::new("probe-mp3-length");
    let loud_then_quiet = [
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=300:sample_rate=44100:duration=5",
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=44100:cl=mono",
        "-filter_complex",
        "[0][1]concat=n=2:v=0:a=1,atrim=0:120",
        "-c:a",
        "libmp3lame",
        "-q:a",
        "0",
    ];
    let without_header = generate(&scratch, "vbr-no-xing.mp3", &[&loud_then_quiet[..], &["-write_xing", "0"]].concat());
    let with_header = generate(&scratch, "vbr.mp3", &loud_then_quiet);
    let mut lying = std::fs::read(&with_header).expect("read");
    let xing = lying.windows(4).position(|w| w == b"Xing").expect("a Xing header");
    assert_eq!(lying[xing + 7] & 1, 1, "the header states its frame count");
    let frames = u32::from_be_bytes(lying[xing + 8..xing + 12].try_into().expect("four bytes"));
    lying[xing + 8..xing + 12].copy_from_slice(&(frames / 10).to_be_bytes());
    let lying_path = scratch.0.join("vbr-lying-xing.mp3");
    std::fs::write(&lying_path, lying).expect("write");
    for path in [&without_header, &with_header, &lying_path] {
        let probed = ours(path).duration.expect("a duration").seconds();
        let decoded = decoded_seconds(path, 44_100);
        assert!((probed - decoded).abs() < 0.1, "{}: probed {probed} s, ffmpeg decodes {decoded} s", path.display());
        // and the engine's decoder plays all of it, as ffmpeg's does
        let source = FileSource::open(path).expect("open");
        let analysed =
            analyse(&source, &Limits::default(), &EnergyVad::default()).expect("analyse").envelope.levels.len();
        assert!((analysed as f64 / 100.0 - decoded).abs() < 0.1, "{}: {analysed} hops analysed", path.display());
    }
    // the well-formed file keeps ffprobe's figure (the header's, less the encoder's delay)
    assert_matches_ffprobe(&with_header);
}
