//! Full renders with ffmpeg: the kept spans cut on decoded frames (`trim`/`atrim`, timestamps
//! restarted per span, then `concat`, so audio and video are joined span by span), scaled to the
//! resolved size and encoded — H.264 + AAC in MP4/MOV with the index up front (`+faststart`), AAC
//! in M4A, or MP3 — at the resolved bitrates. The filter graph goes through a script file: a cut of
//! an hour has hundreds of spans.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::process::{Command, Stdio};

use roughcut_shared::jobs::RenderSpec;
use roughcut_shared::renders::RenderFormat;

use super::RenderJob;
use super::frames::seconds;

/// What a render keeps of its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keep {
    Whole,
    /// Spans snapped to the video's frames, in ticks of `1/timescale` s: the video is cut at
    /// exactly these frames and the audio at exactly these times.
    Frames {
        spans: Vec<(i64, i64)>,
        timescale: u64,
    },
    /// Spans in ms (audio-only renders), cut at the audio's frames (about 21 ms at 48 kHz), as the
    /// engine's AAC copy cuts: one `aselect` over the stream, where a graph trimming each span
    /// (`atrim` per span, then `concat`) takes a fifth longer than ffmpeg's whole encode.
    Millis(Vec<(u64, u64)>),
}

/// The x264 settings every H.264 the renders encode shares (the smart renderer's boundary pieces
/// add to them).
pub fn h264_args(kbps: u32) -> Vec<String> {
    ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
        .into_iter()
        .map(str::to_owned)
        .chain([
            "-b:v".to_owned(),
            format!("{kbps}k"),
            "-maxrate".to_owned(),
            format!("{kbps}k"),
            "-bufsize".to_owned(),
            format!("{}k", kbps * 2),
        ])
        .collect()
}

/// The audio encoder of `format` at `kbps`: AAC, or LAME for MP3.
pub fn audio_args(format: RenderFormat, kbps: u32) -> Vec<String> {
    let codec = if format == RenderFormat::Mp3 { "libmp3lame" } else { "aac" };
    vec!["-c:a".into(), codec.into(), "-b:a".into(), format!("{kbps}k")]
}

/// Which of the source's streams a render takes: its picture (video formats) and its sound (none
/// when the source has no audio stream: its soundtrack is then `silence_input`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streams {
    pub video: bool,
    pub sound: bool,
}

/// ffmpeg's input of silence, the soundtrack of a video without sound (an MP4 or MOV render is
/// H.264 + AAC, and editors and players expect both): mono at 48 kHz, endless unless `seconds`
/// bounds it.
pub fn silence_input(seconds: Option<&str>) -> Vec<String> {
    let length = seconds.map(|s| ["-t".to_owned(), s.to_owned()]);
    ["-f", "lavfi"]
        .into_iter()
        .map(str::to_owned)
        .chain(length.into_iter().flatten())
        .chain(["-i".to_owned(), "anullsrc=r=48000:cl=mono".to_owned()])
        .collect()
}

/// The filter graph keeping `keep` of `streams`: `[v]` and `[a]` for the encoders, the picture
/// scaled by `scale` (an ffmpeg filter, `null` for none).
pub fn filter_graph(keep: &Keep, streams: Streams, scale: &str) -> String {
    let Streams { video, sound } = streams;
    let spans: Vec<(String, String, String)> = match keep {
        Keep::Whole => {
            let video = video.then(|| format!("[0:v:0]{scale}[v]"));
            let sound = sound.then(|| "[0:a:0]anull[a]".to_owned());
            return video.into_iter().chain(sound).collect::<Vec<_>>().join(";");
        }
        Keep::Frames { spans, timescale } => spans
            .iter()
            .map(|(start, end)| {
                (format!("start_pts={start}:end_pts={end}"), seconds(*start, *timescale), seconds(*end, *timescale))
            })
            .collect(),
        Keep::Millis(spans) => {
            let kept: Vec<String> = spans
                .iter()
                .map(|(start, end)| format!("between(t,{},{})", millis_as_seconds(*start), millis_as_seconds(*end)))
                .collect();
            return format!("[0:a:0]aselect='{}',asetpts=N/SR/TB[a]", kept.join("+"));
        }
    };
    let mut graph = String::new();
    let mut inputs = String::new();
    for (index, (video_range, start, end)) in spans.iter().enumerate() {
        if video {
            let _ = write!(graph, "[0:v:0]trim={video_range},setpts=PTS-STARTPTS[v{index}];");
            let _ = write!(inputs, "[v{index}]");
        }
        if sound {
            let _ = write!(graph, "[0:a:0]atrim=start={start}:end={end},asetpts=PTS-STARTPTS[a{index}];");
            let _ = write!(inputs, "[a{index}]");
        }
    }
    let outputs = format!("{}{}", if video { "[vc]" } else { "" }, if sound { "[a]" } else { "" });
    let _ = write!(graph, "{inputs}concat=n={}:v={}:a={}{outputs}", spans.len(), u8::from(video), u8::from(sound));
    if video {
        let _ = write!(graph, ";[vc]{scale}[v]");
    }
    graph
}

fn millis_as_seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// The scale filter of `spec` (`null` when it keeps the source's size).
pub fn scale_filter(spec: &RenderSpec) -> String {
    match (spec.width, spec.height) {
        (Some(width), Some(height)) => format!("scale={width}:{height}:flags=bicubic,setsar=1"),
        _ => "null".to_owned(),
    }
}

/// The ffmpeg invocation that renders what `keep` says of `job`'s input into its output, the
/// graph in a file of its work directory, reporting its progress on stdout (`-progress pipe:1`).
pub fn command(job: &RenderJob<'_>, keep: &Keep, log: File) -> Result<Command, String> {
    let RenderJob { spec, input, sound, work, output, config, .. } = *job;
    let video = spec.format.is_video();
    let graph_file = work.join("graph.txt");
    fs::write(&graph_file, filter_graph(keep, Streams { video, sound }, &scale_filter(spec)))
        .map_err(|e| format!("writing the filter graph: {e}"))?;
    let mut command = Command::new(&config.ffmpeg);
    command.args(["-nostdin", "-v", "error", "-nostats", "-progress", "pipe:1", "-y"]).args(input.decode_args());
    if !sound {
        // the picture decides the length: the silence is endless
        command.args(silence_input(None)).arg("-shortest");
    }
    command.arg("-filter_complex_script").arg(graph_file);
    if video {
        command.args(["-map", "[v]"]).args(h264_args(spec.video_bitrate_kbps.unwrap_or(5_000)));
    }
    command.args(["-map", if sound { "[a]" } else { "1:a:0" }]);
    command.args(audio_args(spec.format, spec.audio_bitrate_kbps)).args(super::muxer_args(spec.format));
    command.arg(output).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(log);
    Ok(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_trimmed_at_frames_and_joined_audio_with_video() {
        let keep = Keep::Frames { spans: vec![(15_360, 38_400), (61_440, 76_800)], timescale: 15_360 };
        let both = Streams { video: true, sound: true };
        let graph = filter_graph(&keep, both, "scale=1280:720");
        assert!(graph.contains("[0:v:0]trim=start_pts=15360:end_pts=38400,setpts=PTS-STARTPTS[v0]"), "{graph}");
        assert!(graph.contains("[0:a:0]atrim=start=4.000000:end=5.000000,asetpts=PTS-STARTPTS[a1]"), "{graph}");
        assert!(graph.contains("[v0][a0][v1][a1]concat=n=2:v=1:a=1[vc][a];[vc]scale=1280:720[v]"), "{graph}");
        let sound = Streams { video: false, sound: true };
        let audio = filter_graph(&Keep::Millis(vec![(0, 500), (1_250, 2_000)]), sound, "null");
        assert_eq!(audio, "[0:a:0]aselect='between(t,0.000,0.500)+between(t,1.250,2.000)',asetpts=N/SR/TB[a]");
        let picture = filter_graph(&keep, Streams { video: true, sound: false }, "null");
        assert!(
            !picture.contains("0:a") && picture.contains("[v0][v1]concat=n=2:v=1:a=0[vc];[vc]null[v]"),
            "{picture}"
        );
    }

    #[test]
    fn the_whole_source_is_only_scaled() {
        assert_eq!(
            filter_graph(&Keep::Whole, Streams { video: true, sound: true }, "scale=1280:720:flags=bicubic,setsar=1"),
            "[0:v:0]scale=1280:720:flags=bicubic,setsar=1[v];[0:a:0]anull[a]"
        );
        assert_eq!(filter_graph(&Keep::Whole, Streams { video: true, sound: false }, "null"), "[0:v:0]null[v]");
    }
}
