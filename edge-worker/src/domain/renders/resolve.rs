//! A render's output resolved against its source (seed 002 as API.md reconciles it): the video
//! formats need a video track; the resolution tier targets the shorter edge, keeps the aspect,
//! never upscales and never pads (even dimensions, as H.264 in 4:2:0 needs); bitrates are a ladder
//! with Auto defaults capped to the source. Pure, so every rule is tested natively.

use roughcut_shared::FieldError;
use roughcut_shared::assets::AssetMedia;
use roughcut_shared::renders::{RenderFormat, RenderOutput, RenderOutputRequest, Resolution};

pub const VIDEO_BITRATES_MBPS: [u32; 4] = [5, 10, 20, 50];
pub const AUDIO_BITRATES_KBPS: [u32; 4] = [128, 192, 256, 320];
/// Auto audio: transparent for speech in AAC and MP3 alike.
const AUTO_AUDIO_KBPS: u32 = 192;
/// An MP3 keeps its source's sample rate; below 32 kHz that is MPEG-2 Layer III, whose highest
/// bitrate is 160 kbps, and below 16 kHz MPEG-2.5, which LAME writes at 64 at most: an encoder
/// asked for more writes these all the same (measured with libmp3lame).
const LOW_RATE_MP3_MAX_KBPS: [(u32, u32); 2] = [(16_000, 64), (32_000, 160)];

/// Auto video bitrate of a picture whose shorter edge is `edge`, in kbps.
fn auto_video_kbps(edge: u32) -> u32 {
    match edge {
        0..=720 => 5_000,
        721..=1080 => 10_000,
        _ => 20_000,
    }
}

fn field(name: &str, message: impl Into<String>) -> FieldError {
    FieldError { field: format!("body.output.{name}"), message: message.into() }
}

/// Rounds down to an even number (at least 2).
fn even(value: u64) -> u32 {
    (u32::try_from(value).unwrap_or(u32::MAX) & !1).max(2)
}

/// The resolved output, or every field that is wrong for this source.
pub fn resolve(request: &RenderOutputRequest, media: Option<&AssetMedia>) -> Result<RenderOutput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let video = media.and_then(|m| m.video.as_ref());
    let audio = media.and_then(|m| m.audio.as_ref());
    let format = request.format;
    if let Some(mbps) = request.video_bitrate.filter(|b| !VIDEO_BITRATES_MBPS.contains(b)) {
        errors.push(field("video_bitrate", format!("{mbps} is not one of 5, 10, 20, 50 (Mbps)")));
    }
    if let Some(kbps) = request.audio_bitrate.filter(|b| !AUDIO_BITRATES_KBPS.contains(b)) {
        errors.push(field("audio_bitrate", format!("{kbps} is not one of 128, 192, 256, 320 (kbps)")));
    }
    if !format.is_video() {
        if request.resolution.is_some() {
            errors.push(field("resolution", "applies to video formats (mp4, mov) only"));
        }
        if request.video_bitrate.is_some() {
            errors.push(field("video_bitrate", "applies to video formats (mp4, mov) only"));
        }
    } else if video.is_none() {
        errors.push(field("format", "this asset has no video: render m4a or mp3"));
    }
    // no media yet is a video still uploading whose audio proxy made it cuttable: the proxy is
    // its audio (the state gate is the caller's). A video without sound renders with a silent
    // soundtrack, as an MP4 or MOV is H.264 + AAC; an audio format of it would be all silence.
    let silent = media.is_some() && audio.is_none();
    if silent && !format.is_video() {
        errors.push(field("format", "this asset has no audio track to render: render mp4 or mov"));
    }
    if silent && request.audio_bitrate.is_some() {
        errors.push(field("audio_bitrate", "this asset has no audio track: its soundtrack is silence"));
    }
    let mut resolved = RenderOutput {
        format,
        resolution: request.resolution,
        video_bitrate: request.video_bitrate,
        audio_bitrate: request.audio_bitrate,
        width: None,
        height: None,
        video_bitrate_kbps: None,
        audio_bitrate_kbps: AUTO_AUDIO_KBPS,
        frame_rate: None,
    };
    if let (true, Some(video)) = (format.is_video(), video) {
        let shorter = video.width.min(video.height);
        let target = request.resolution.map_or(shorter, Resolution::shorter_edge);
        if target > shorter {
            errors.push(field("resolution", format!("above the source, whose shorter edge is {shorter} px")));
        }
        let target = target.min(shorter).max(2);
        // scale so the shorter edge is `target`, the other in proportion, both even
        let scale = |edge: u32| even(u64::from(edge) * u64::from(target) / u64::from(shorter.max(1)));
        resolved.width = Some(scale(video.width));
        resolved.height = Some(scale(video.height));
        let source_kbps = video.bitrate.map(|b| u32::try_from(b / 1000).unwrap_or(u32::MAX));
        resolved.video_bitrate_kbps = Some(match request.video_bitrate {
            Some(mbps) => {
                let asked = mbps * 1000;
                if source_kbps.is_some_and(|source| asked > source) {
                    errors
                        .push(field("video_bitrate", format!("above the source's {} kbps", source_kbps.unwrap_or(0))));
                }
                asked
            }
            None => source_kbps.map_or(auto_video_kbps(target), |source| auto_video_kbps(target).min(source.max(1))),
        });
        resolved.frame_rate = Some(video.frame_rate.clone());
    }
    let source_audio_kbps = audio.and_then(|a| a.bitrate).map(|b| u32::try_from(b / 1000).unwrap_or(u32::MAX));
    let asked_audio = request.audio_bitrate.unwrap_or(AUTO_AUDIO_KBPS);
    // an audio bitrate above the source is capped, not refused (API.md)
    resolved.audio_bitrate_kbps = source_audio_kbps.map_or(asked_audio, |source| asked_audio.min(source.max(32)));
    if silent {
        // silence takes no more than the ladder's lowest step
        resolved.audio_bitrate_kbps = AUDIO_BITRATES_KBPS[0];
    }
    if format == RenderFormat::Mp3
        && let Some(audio) = audio
        && let Some(&(_, most)) = LOW_RATE_MP3_MAX_KBPS.iter().find(|(below, _)| audio.sample_rate < *below)
    {
        resolved.audio_bitrate_kbps = resolved.audio_bitrate_kbps.min(most);
    }
    if errors.is_empty() { Ok(resolved) } else { Err(errors) }
}

/// What of the source a resolved output may carry unchanged (`(video, audio)`): its H.264 when
/// the picture keeps its size and no bitrate below the source's was asked (Auto never asks
/// below: copied GOPs are the source's own quality), its AAC for an M4A under the same rule.
/// The container still checks that the streams really allow it (closed GOPs, constant rate).
pub fn source_copy(request: &RenderOutputRequest, output: &RenderOutput, media: Option<&AssetMedia>) -> (bool, bool) {
    let kbps = |bitrate: Option<u64>| bitrate.map(|b| u32::try_from(b / 1000).unwrap_or(u32::MAX));
    let video = media.and_then(|m| m.video.as_ref()).is_some_and(|video| {
        output.format.is_video()
            && video.codec == "h264"
            && output.width == Some(video.width)
            && output.height == Some(video.height)
            && request.video_bitrate.is_none_or(|mbps| kbps(video.bitrate).is_some_and(|source| mbps * 1000 >= source))
    });
    let audio = media.and_then(|m| m.audio.as_ref()).is_some_and(|audio| {
        output.format == RenderFormat::M4a
            && audio.codec == "aac"
            && request.audio_bitrate.is_none_or(|asked| kbps(audio.bitrate).is_some_and(|source| asked >= source))
    });
    (video, audio)
}

#[cfg(test)]
mod tests {
    use super::*;
    use roughcut_shared::assets::{AudioMedia, VideoMedia};

    fn media(width: u32, height: u32, video_kbps: u64, audio_kbps: u64) -> AssetMedia {
        AssetMedia {
            container: "mp4".into(),
            video: Some(VideoMedia {
                codec: "h264".into(),
                width,
                height,
                frame_rate: "30000/1001".into(),
                bitrate: Some(video_kbps * 1000),
                rotation: 0,
            }),
            audio: Some(AudioMedia {
                codec: "aac".into(),
                sample_rate: 48_000,
                channels: 2,
                bitrate: Some(audio_kbps * 1000),
            }),
        }
    }

    fn request(format: RenderFormat) -> RenderOutputRequest {
        RenderOutputRequest { format, resolution: None, video_bitrate: None, audio_bitrate: None }
    }

    fn fields(result: Result<RenderOutput, Vec<FieldError>>) -> Vec<String> {
        result.expect_err("invalid").into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn tiers_scale_the_shorter_edge_and_keep_the_aspect() {
        let landscape = media(3840, 2160, 40_000, 256);
        let out = resolve(
            &RenderOutputRequest { resolution: Some(Resolution::P720), ..request(RenderFormat::Mp4) },
            Some(&landscape),
        )
        .expect("720p");
        assert_eq!((out.width, out.height), (Some(1280), Some(720)));
        let vertical = media(1080, 1920, 8_000, 128);
        let out = resolve(
            &RenderOutputRequest { resolution: Some(Resolution::P720), ..request(RenderFormat::Mov) },
            Some(&vertical),
        )
        .expect("vertical");
        assert_eq!((out.width, out.height), (Some(720), Some(1280)), "vertical stays vertical");
        let odd = media(1366, 769, 8_000, 128);
        let out = resolve(&request(RenderFormat::Mp4), Some(&odd)).expect("source size");
        assert_eq!((out.width, out.height), (Some(1366), Some(768)), "even, never padded");
    }

    #[test]
    fn a_video_without_sound_renders_as_video_with_a_silent_soundtrack() {
        let mut silent = media(1280, 720, 4_000, 128);
        silent.audio = None;
        let out = resolve(&request(RenderFormat::Mp4), Some(&silent)).expect("mp4");
        assert_eq!((out.width, out.height, out.audio_bitrate_kbps), (Some(1280), Some(720), 128));
        assert!(resolve(&request(RenderFormat::Mov), Some(&silent)).is_ok());
        for format in [RenderFormat::M4a, RenderFormat::Mp3] {
            assert_eq!(fields(resolve(&request(format), Some(&silent))), ["body.output.format"], "{format:?}");
        }
        let loud = RenderOutputRequest { audio_bitrate: Some(192), ..request(RenderFormat::Mp4) };
        assert_eq!(fields(resolve(&loud, Some(&silent))), ["body.output.audio_bitrate"]);
    }

    #[test]
    fn nothing_is_upscaled_and_the_ladder_is_capped_to_the_source() {
        let hd = media(1920, 1080, 8_000, 128);
        let up = RenderOutputRequest { resolution: Some(Resolution::K4), ..request(RenderFormat::Mp4) };
        assert_eq!(fields(resolve(&up, Some(&hd))), ["body.output.resolution"]);
        let rich = RenderOutputRequest { video_bitrate: Some(20), ..request(RenderFormat::Mp4) };
        assert_eq!(fields(resolve(&rich, Some(&hd))), ["body.output.video_bitrate"]);
        let auto = resolve(&request(RenderFormat::Mp4), Some(&hd)).expect("auto");
        assert_eq!(auto.video_bitrate_kbps, Some(8_000), "Auto is capped to the source");
        let loud = RenderOutputRequest { audio_bitrate: Some(320), ..request(RenderFormat::M4a) };
        assert_eq!(resolve(&loud, Some(&hd)).expect("audio").audio_bitrate_kbps, 128, "capped, not refused");
    }

    #[test]
    fn an_mp3_of_a_low_rate_source_promises_what_its_layer_carries() {
        let mut speech = media(1920, 1080, 8_000, 352);
        speech.video = None;
        let asked = RenderOutputRequest { audio_bitrate: Some(320), ..request(RenderFormat::Mp3) };
        assert_eq!(resolve(&asked, Some(&speech)).expect("mp3").audio_bitrate_kbps, 320, "48 kHz: MPEG-1");
        if let Some(audio) = speech.audio.as_mut() {
            audio.sample_rate = 22_050;
        }
        assert_eq!(resolve(&asked, Some(&speech)).expect("mp3").audio_bitrate_kbps, 160, "22.05 kHz: MPEG-2");
        if let Some(audio) = speech.audio.as_mut() {
            audio.sample_rate = 8_000;
        }
        assert_eq!(resolve(&asked, Some(&speech)).expect("mp3").audio_bitrate_kbps, 64, "8 kHz: MPEG-2.5");
        let aac = RenderOutputRequest { audio_bitrate: Some(320), ..request(RenderFormat::M4a) };
        assert_eq!(resolve(&aac, Some(&speech)).expect("m4a").audio_bitrate_kbps, 320, "AAC has no such limit");
    }

    #[test]
    fn video_options_belong_to_video_formats() {
        let hd = media(1920, 1080, 8_000, 128);
        let wrong = RenderOutputRequest {
            resolution: Some(Resolution::P720),
            video_bitrate: Some(5),
            ..request(RenderFormat::Mp3)
        };
        assert_eq!(fields(resolve(&wrong, Some(&hd))), ["body.output.resolution", "body.output.video_bitrate"]);
        let audio_only = AssetMedia { video: None, ..hd.clone() };
        assert_eq!(fields(resolve(&request(RenderFormat::Mp4), Some(&audio_only))), ["body.output.format"]);
        let off_ladder = RenderOutputRequest { audio_bitrate: Some(100), ..request(RenderFormat::M4a) };
        assert_eq!(fields(resolve(&off_ladder, Some(&hd))), ["body.output.audio_bitrate"]);
    }

    #[test]
    fn the_source_is_copied_only_when_the_output_keeps_its_codec_size_and_quality() {
        let source = media(1920, 1080, 8_000, 128);
        let copy = |request: RenderOutputRequest| {
            let output = resolve(&request, Some(&source)).expect("valid");
            source_copy(&request, &output, Some(&source))
        };
        assert_eq!(copy(request(RenderFormat::Mp4)), (true, false), "Auto keeps the source's picture");
        let p720 = RenderOutputRequest { resolution: Some(Resolution::P720), ..request(RenderFormat::Mp4) };
        assert_eq!(copy(p720), (false, false), "a smaller picture is encoded");
        let p1080 = RenderOutputRequest { resolution: Some(Resolution::P1080), ..request(RenderFormat::Mov) };
        assert_eq!(copy(p1080), (true, false), "the source's own tier");
        let lower = RenderOutputRequest { video_bitrate: Some(5), ..request(RenderFormat::Mp4) };
        assert_eq!(copy(lower), (false, false), "a bitrate below the source's is encoded");
        assert_eq!(copy(request(RenderFormat::M4a)), (false, true), "AAC into M4A is copied");
        let m4a_lower = RenderOutputRequest { audio_bitrate: Some(128), ..request(RenderFormat::M4a) };
        assert_eq!(copy(m4a_lower), (false, true), "asking the source's own bitrate changes nothing");
        let richer = media(1920, 1080, 8_000, 256);
        let below = RenderOutputRequest { audio_bitrate: Some(128), ..request(RenderFormat::M4a) };
        let output = resolve(&below, Some(&richer)).expect("valid");
        assert_eq!(source_copy(&below, &output, Some(&richer)), (false, false), "a lower bitrate is encoded");
        let mut hevc = source.clone();
        hevc.video.as_mut().expect("video").codec = "hevc".into();
        let mp4 = request(RenderFormat::Mp4);
        let output = resolve(&mp4, Some(&hevc)).expect("valid");
        assert_eq!(source_copy(&mp4, &output, Some(&hevc)), (false, false), "only H.264 is copied");
        assert_eq!(copy(request(RenderFormat::Mp3)), (false, false), "MP3 is always encoded");
    }
}
