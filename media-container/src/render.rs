//! Renders with ffmpeg: the input's kept spans cut frame-accurately (`trim`/`atrim` on decoded
//! frames, timestamps restarted per span, then `concat`, so audio and video stay together span by
//! span), scaled to the resolved size and encoded — H.264 + AAC in MP4/MOV with the index up
//! front (`+faststart`), AAC in M4A, or MP3 — at the resolved bitrates. The filter graph goes
//! through a script file: a cut of an hour has hundreds of spans.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::path::Path;
use std::process::{Command, Stdio};

use roughcut_shared::jobs::RenderSpec;

/// The filter graph of `spec`: `[v]` (video formats) and `[a]` for the encoders.
pub fn filter_graph(spec: &RenderSpec, video: bool) -> String {
    let mut graph = String::new();
    let scale = match (spec.width, spec.height) {
        (Some(width), Some(height)) => format!("scale={width}:{height}:flags=bicubic,setsar=1"),
        _ => "null".to_owned(),
    };
    if spec.segments.is_empty() {
        if video {
            let _ = write!(graph, "[0:v:0]{scale}[v];");
        }
        graph.push_str("[0:a:0]anull[a]");
        return graph;
    }
    let seconds = |ms: u64| format!("{}.{:03}", ms / 1000, ms % 1000);
    let mut inputs = String::new();
    for (index, (start, end)) in spec.segments.iter().enumerate() {
        let (start, end) = (seconds(*start), seconds(*end));
        if video {
            let _ = write!(graph, "[0:v:0]trim=start={start}:end={end},setpts=PTS-STARTPTS[v{index}];");
            let _ = write!(inputs, "[v{index}]");
        }
        let _ = write!(graph, "[0:a:0]atrim=start={start}:end={end},asetpts=PTS-STARTPTS[a{index}];");
        let _ = write!(inputs, "[a{index}]");
    }
    let count = spec.segments.len();
    if video {
        let _ = write!(graph, "{inputs}concat=n={count}:v=1:a=1[vc][a];[vc]{scale}[v]");
    } else {
        let _ = write!(graph, "{inputs}concat=n={count}:v=0:a=1[a]");
    }
    graph
}

/// Whether `format` carries video.
pub fn is_video(format: &str) -> bool {
    matches!(format, "mp4" | "mov")
}

/// The ffmpeg invocation that renders `input` into `output` by `spec`, its graph in `graph_file`.
pub fn command(
    ffmpeg: &Path,
    input: &Path,
    graph_file: &Path,
    output: &Path,
    spec: &RenderSpec,
    log: File,
) -> Result<Command, String> {
    let video = is_video(&spec.format);
    fs::write(graph_file, filter_graph(spec, video)).map_err(|e| format!("writing the filter graph: {e}"))?;
    let mut command = Command::new(ffmpeg);
    command.args(["-nostdin", "-v", "error", "-y", "-i"]).arg(input).arg("-filter_complex_script").arg(graph_file);
    let audio_kbps = format!("{}k", spec.audio_bitrate_kbps);
    match spec.format.as_str() {
        "mp4" | "mov" => {
            let kbps = spec.video_bitrate_kbps.unwrap_or(5_000);
            command
                .args(["-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"])
                .args(["-b:v", &format!("{kbps}k"), "-maxrate", &format!("{kbps}k")])
                .args(["-bufsize", &format!("{}k", kbps * 2), "-c:a", "aac", "-b:a", &audio_kbps])
                .args(["-movflags", "+faststart", "-f", if spec.format == "mov" { "mov" } else { "mp4" }]);
        }
        "m4a" => {
            command.args(["-map", "[a]", "-c:a", "aac", "-b:a", &audio_kbps, "-movflags", "+faststart", "-f", "mp4"]);
        }
        "mp3" => {
            command.args(["-map", "[a]", "-c:a", "libmp3lame", "-b:a", &audio_kbps, "-f", "mp3"]);
        }
        other => return Err(format!("no render format {other}")),
    }
    command.arg(output).stdin(Stdio::null()).stdout(Stdio::null()).stderr(log);
    Ok(command)
}

/// The `Content-Type` of a rendered file.
pub fn content_type(format: &str) -> &'static str {
    match format {
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "m4a" => "audio/mp4",
        _ => "audio/mpeg",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(format: &str, segments: Vec<(u64, u64)>) -> RenderSpec {
        RenderSpec {
            format: format.into(),
            segments,
            width: Some(1280),
            height: Some(720),
            video_bitrate_kbps: Some(5_000),
            audio_bitrate_kbps: 192,
            duration_ms: 0,
        }
    }

    #[test]
    fn spans_are_trimmed_and_joined_audio_with_video() {
        let graph = filter_graph(&spec("mp4", vec![(1_000, 2_500), (4_010, 5_000)]), true);
        assert!(graph.contains("[0:v:0]trim=start=1.000:end=2.500,setpts=PTS-STARTPTS[v0]"));
        assert!(graph.contains("[0:a:0]atrim=start=4.010:end=5.000,asetpts=PTS-STARTPTS[a1]"));
        assert!(graph.contains("[v0][a0][v1][a1]concat=n=2:v=1:a=1[vc][a];[vc]scale=1280:720"));
        let audio = filter_graph(&spec("mp3", vec![(0, 500)]), false);
        assert_eq!(audio, "[0:a:0]atrim=start=0.000:end=0.500,asetpts=PTS-STARTPTS[a0];[a0]concat=n=1:v=0:a=1[a]");
    }

    #[test]
    fn the_whole_source_is_only_scaled() {
        assert_eq!(
            filter_graph(&spec("mov", Vec::new()), true),
            "[0:v:0]scale=1280:720:flags=bicubic,setsar=1[v];[0:a:0]anull[a]"
        );
    }
}
