//! Probing and analysing the downloaded input with the engine, and what its answers mean to the
//! API: `AssetMedia` in ffprobe's terms, and a user-safe `unsupported_media` failure when the
//! bytes are not media the engine reads.

use std::fs;
use std::path::Path;
use std::process::Command;

use roughcut_engine::analyze::{Analysis, EnergyVad, analyse};
use roughcut_engine::source::FileSource;
use roughcut_engine::{EngineError, ErrorCode, Limits, MediaInfo, RangeSource, probe};
use roughcut_shared::assets::{AssetMedia, AudioMedia, VideoMedia};

use crate::attempt::run_ffmpeg_logged;
use crate::config::Config;
use crate::control::Control;
use crate::halt::Halt;
use crate::untrusted::UntrustedInput;

/// What the probe found, as the job result reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Probed {
    pub media: AssetMedia,
    pub has_video: bool,
    pub has_audio: bool,
    pub duration_ms: u64,
    /// Of the first audio track, for the speech extraction.
    pub sample_rate: Option<u32>,
}

/// The input file as the engine reads it, failing every read once the attempt is cancelled: the
/// engine is synchronous and has no cancel of its own, so this is how a long probe or analysis
/// stops within moments of a cancel.
#[derive(Debug)]
pub struct Input<'a> {
    file: FileSource,
    control: &'a Control,
}

impl<'a> Input<'a> {
    pub fn open(path: &Path, control: &'a Control) -> Result<Self, Halt> {
        let file = FileSource::open(path).map_err(|err| Halt::internal(control, "cannot open the input", err))?;
        Ok(Self { file, control })
    }
}

impl RangeSource for Input<'_> {
    fn len(&self) -> u64 {
        self.file.len()
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> roughcut_engine::Result<()> {
        if self.control.is_cancelled() {
            return Err(EngineError::io("cancelled"));
        }
        self.file.read_exact_at(offset, buf)
    }
}

/// An engine error as the attempt's end: bad input is the owner's problem and final; anything
/// else (a read error, a cancel) is ours or no failure at all. `unsupported` says what could not
/// be read: the file, or only its audio.
fn engine_halt(control: &Control, context: &str, unsupported: &str, err: &EngineError) -> Halt {
    let message = match err.code {
        ErrorCode::Unsupported => unsupported,
        ErrorCode::Truncated => "The file ends early; it may be incomplete or damaged.",
        ErrorCode::Malformed => "The file is damaged or not valid media.",
        ErrorCode::LimitExceeded => "The file is larger or longer than we can process.",
        ErrorCode::Io | ErrorCode::InvalidArgument | ErrorCode::EncodeFailed => {
            return Halt::internal(control, context, err);
        }
    };
    control.log(format_args!("{context}: {err}"));
    Halt::failed("unsupported_media", message, false)
}

pub fn probe_input(input: &Input<'_>, control: &Control) -> Result<Probed, Halt> {
    let info = probe(input, &Limits::default())
        .map_err(|err| engine_halt(control, "probe", "The file is not in a media format we can read.", &err))?;
    describe(&info).ok_or_else(|| {
        control.log("probe found no duration");
        Halt::failed("unsupported_media", "The file has no duration we can read.", false)
    })
}

/// What a failed decode of the audio tells the owner.
const UNDECODABLE: &str = "The file's audio is in a format we cannot decode.";

/// Sample rate of the audio ffmpeg decodes for the engine: speech's energy lies below its 8 kHz
/// Nyquist limit, and an hour of it mono is 115 MB on disk.
const FFMPEG_DECODE_RATE: u32 = 16_000;

/// The analysis of `input`. The engine decodes what it reads, as the browser does; audio it does
/// not (ALAC or AC-3 in a MOV or MP4, AAC of more than two channels) ffmpeg decodes to mono
/// WAV in `work`, and the engine analyses that.
pub fn analyse_input(
    input: &Input<'_>,
    untrusted: &UntrustedInput,
    work: &Path,
    control: &Control,
    config: &Config,
) -> Result<Analysis, Halt> {
    match analyse(input, &Limits::default(), &EnergyVad::default()) {
        Err(err) if err.code == ErrorCode::Unsupported => {
            control.log(format_args!("analysis: {err}; decoding the audio with ffmpeg"));
            analyse_through_ffmpeg(untrusted, work, control, config)
        }
        analysed => analysed.map_err(|err| engine_halt(control, "analysis", UNDECODABLE, &err)),
    }
}

fn analyse_through_ffmpeg(
    untrusted: &UntrustedInput,
    work: &Path,
    control: &Control,
    config: &Config,
) -> Result<Analysis, Halt> {
    let wav = work.join("analysis.wav");
    let mut command = Command::new(&config.ffmpeg);
    command
        .args(["-nostdin", "-v", "error", "-y"])
        .args(untrusted.input_args())
        .args(["-map", "0:a:0", "-vn", "-ac", "1", "-ar", &FFMPEG_DECODE_RATE.to_string(), "-c:a", "pcm_s16le"])
        .args(["-f", "wav"])
        .arg(&wav);
    if let Err(failure) = run_ffmpeg_logged(&mut command, &work.join("analysis-ffmpeg.log"), control, config)? {
        control.log(format_args!("ffmpeg cannot decode the audio {failure}"));
        return Err(Halt::failed("unsupported_media", UNDECODABLE, false));
    }
    let analysis = analyse(&Input::open(&wav, control)?, &Limits::default(), &EnergyVad::default())
        .map_err(|err| engine_halt(control, "analysis of ffmpeg's decode", UNDECODABLE, &err));
    let _ = fs::remove_file(&wav);
    analysis
}

/// The API's view of a probe: the first video and audio tracks, the frame rate as ffprobe's
/// `r_frame_rate` ("30000/1001"); `None` without a duration (nothing can be cut or charged).
pub fn describe(info: &MediaInfo) -> Option<Probed> {
    let duration_ms = info.duration?.millis();
    let video_track = info.video();
    let audio_track = info.audio();
    let video = video_track.and_then(|track| {
        let video = track.video.as_ref()?;
        Some(VideoMedia {
            codec: track.codec.clone(),
            width: video.width,
            height: video.height,
            frame_rate: video.frame_rate.to_string(),
            bitrate: track.bitrate,
            rotation: video.rotation,
        })
    });
    let audio = audio_track.and_then(|track| {
        let audio = track.audio.as_ref()?;
        Some(AudioMedia {
            codec: track.codec.clone(),
            sample_rate: audio.sample_rate,
            channels: audio.channels,
            bitrate: track.bitrate,
        })
    });
    Some(Probed {
        has_video: video_track.is_some(),
        has_audio: audio_track.is_some(),
        sample_rate: audio.as_ref().map(|audio| audio.sample_rate),
        media: AssetMedia { container: info.container.as_str().to_owned(), video, audio },
        duration_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use roughcut_engine::Container;
    use roughcut_engine::media::probe::{AudioInfo, TrackInfo, TrackKind, VideoInfo};
    use roughcut_engine::time::{Rational, TimeValue};

    fn track(id: u32, kind: TrackKind, codec: &str) -> TrackInfo {
        TrackInfo { id, kind, codec: codec.into(), duration: None, bitrate: Some(128_000), video: None, audio: None }
    }

    #[test]
    fn the_first_tracks_describe_the_media() {
        let mut video = track(1, TrackKind::Video, "h264");
        video.video = Some(VideoInfo {
            width: 1920,
            height: 1080,
            frame_rate: Rational::new(60_000, 2_002),
            variable_frame_rate: false,
            rotation: 0,
        });
        let mut audio = track(2, TrackKind::Audio, "aac");
        audio.audio = Some(AudioInfo { sample_rate: 48_000, channels: 2 });
        let mut second_audio = track(3, TrackKind::Audio, "mp3");
        second_audio.audio = Some(AudioInfo { sample_rate: 44_100, channels: 1 });
        let info = MediaInfo {
            container: Container::Mp4,
            duration: Some(TimeValue::new(3_003, 1_000)),
            bitrate: None,
            size_bytes: 10,
            tracks: vec![track(4, TrackKind::Other, "tmcd"), video, audio, second_audio],
        };
        let probed = describe(&info).expect("has a duration");
        assert_eq!(probed.duration_ms, 3_003);
        assert!(probed.has_video && probed.has_audio);
        assert_eq!(probed.sample_rate, Some(48_000));
        assert_eq!(probed.media.container, "mp4");
        let video = probed.media.video.expect("video");
        assert_eq!((video.codec.as_str(), video.width, video.frame_rate.as_str()), ("h264", 1920, "30000/1001"));
        let audio = probed.media.audio.expect("audio");
        assert_eq!((audio.codec.as_str(), audio.sample_rate, audio.channels), ("aac", 48_000, 2));
    }

    #[test]
    fn media_without_a_duration_is_not_described() {
        let info =
            MediaInfo { container: Container::Wav, duration: None, bitrate: None, size_bytes: 44, tracks: vec![] };
        assert_eq!(describe(&info), None);
    }

    #[test]
    fn bad_input_is_final_and_read_errors_are_ours() {
        let control = Control::new("job_t", 1);
        let bad = engine_halt(&control, "probe", "unreadable", &EngineError::truncated("moov"));
        assert!(matches!(&bad, Halt::Failed(f) if f.error_code == "unsupported_media" && !f.retryable), "{bad:?}");
        let ours = engine_halt(&control, "probe", "unreadable", &EngineError::io("/tmp/x: disk"));
        assert!(matches!(&ours, Halt::Failed(f) if f.error_code == "internal" && f.retryable), "{ours:?}");
        control.cancel();
        assert_eq!(engine_halt(&control, "probe", "unreadable", &EngineError::io("cancelled")), Halt::Cancelled);
    }
}
