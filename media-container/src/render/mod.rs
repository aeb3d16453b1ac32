//! Renders: audio formats through the engine where it can (`audio`); video through ffmpeg, the
//! kept spans snapped to frames (`snap`) so that picture and sound keep exactly the same time,
//! and either copied GOP by GOP where the source allows it (`smart`) or encoded fully (`encode`).

mod audio;
mod encode;
mod frames;
mod groups;
mod smart;
mod snap;

use std::fs::{self, File};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;

use roughcut_shared::jobs::RenderSpec;
use roughcut_shared::renders::RenderFormat;

use crate::config::{Config, SmartRender};
use crate::control::Control;
use crate::halt::Halt;
use crate::untrusted::UntrustedInput;
use encode::{Keep, Streams};
use frames::VideoStream;
use smart::SmartError;

/// Share of the attempt's progress before and after the encode (download before, upload after).
const ENCODE_FROM: f64 = 0.3;
const ENCODE_TO: f64 = 0.9;

/// The muxer of `format`: MP4-family files carry their index up front (`+faststart`).
fn muxer_args(format: RenderFormat) -> Vec<String> {
    let args: &[&str] = match format {
        RenderFormat::Mov => &["-movflags", "+faststart", "-f", "mov"],
        RenderFormat::Mp3 => &["-f", "mp3"],
        RenderFormat::Mp4 | RenderFormat::M4a => &["-movflags", "+faststart", "-f", "mp4"],
    };
    args.iter().map(|a| (*a).to_owned()).collect()
}

/// What one render works with.
#[derive(Clone, Copy)]
struct RenderJob<'a> {
    spec: &'a RenderSpec,
    input: &'a UntrustedInput,
    /// Whether the input has an audio stream: a video without one renders with a silent
    /// soundtrack (`encode::silence_input`).
    sound: bool,
    /// The attempt's directory, for intermediate files.
    work: &'a Path,
    output: &'a Path,
    config: &'a Config,
    control: &'a Arc<Control>,
}

/// Renders `spec` from `input` into a file in `work`; its path.
pub fn render(
    spec: &RenderSpec,
    input: &UntrustedInput,
    work: &Path,
    config: &Config,
    control: &Arc<Control>,
) -> Result<PathBuf, Halt> {
    let output = work.join("render");
    // an audio format of a source without sound fails in its decode, as the API never asks one
    let sound = !spec.format.is_video()
        || frames::has_audio(&config.ffprobe, input)
            .map_err(|err| Halt::internal(control, "probing the sound", err))?;
    let job = RenderJob { spec, input, sound, work, output: &output, config, control };
    control.set_progress(ENCODE_FROM, "encoding");
    if spec.format.is_video() {
        render_video(&job)?;
    } else if !audio::render(spec, input.path(), &output, control)? {
        let keep = if spec.segments.is_empty() { Keep::Whole } else { Keep::Millis(spec.segments.clone()) };
        encode_fully(&keep, &job)?;
    }
    Ok(output)
}

/// A video render: the kept spans snapped to the source's frames, copied GOP by GOP where that
/// pays or encoded fully, and the source's rotation given to the result.
fn render_video(job: &RenderJob<'_>) -> Result<(), Halt> {
    let RenderJob { spec, input, config, control, .. } = *job;
    let stream = frames::list(&config.ffprobe, input)
        .map_err(|err| Halt::internal(control, "listing the video's frames", err))?
        .ok_or_else(|| Halt::failed("render_failed", "The file has no video to render.", false))?;
    let times = stream.frame_times();
    let whole = 0..times.len().saturating_sub(1);
    let snapped = snap::snap(&spec.segments, &times, stream.timescale);
    let spans = if spec.segments.is_empty() { std::slice::from_ref(&whole) } else { &snapped[..] };
    if spans.is_empty() {
        return Err(Halt::failed("render_failed", "The cut keeps no frame of the video.", false));
    }
    if !(spec.copy_video && smart_render(&stream, &times, spans, job)?) {
        let keep = if spec.segments.is_empty() {
            Keep::Whole
        } else {
            let spans = snapped.iter().map(|r| (times[r.start], times[r.end])).collect();
            Keep::Frames { spans, timescale: stream.timescale }
        };
        encode_fully(&keep, job)?;
    }
    tag_rotation(stream.rotation, job)
}

/// Gives the output the source's display rotation: its frames are the source's as coded
/// (`UntrustedInput::decode_args`), and a phone's upright recording is coded on its side. ffmpeg
/// 5 writes a stream's `rotate` tag as the display matrix only when it copies the stream, so the
/// finished file is remuxed (seconds of I/O, no decode).
fn tag_rotation(rotation: i32, job: &RenderJob<'_>) -> Result<(), Halt> {
    let RenderJob { spec, work, output, config, control, .. } = *job;
    if rotation.rem_euclid(360) == 0 {
        return Ok(());
    }
    let tagged = work.join("tagged");
    let log_path = work.join("rotation.log");
    let log = File::create(&log_path).map_err(|err| Halt::internal(control, "cannot create the ffmpeg log", err))?;
    let mut command = Command::new(&config.ffmpeg);
    command.args(["-nostdin", "-v", "error", "-y", "-i"]).arg(output).args(["-map", "0", "-c", "copy"]);
    command.args(["-metadata:s:v:0", &format!("rotate={}", rotation.rem_euclid(360))]);
    command.args(muxer_args(spec.format)).arg(&tagged).stdin(Stdio::null()).stdout(Stdio::null()).stderr(log);
    let status = control.run_child(&mut command).map_err(|err| Halt::child(control, &config.ffmpeg, err))?;
    ffmpeg_outcome(control, status, &log_path)?;
    fs::rename(&tagged, output).map_err(|err| Halt::internal(control, "cannot keep the tagged render", err))
}

/// Renders `spans` (frame ranges of `stream`) by copying its GOPs, when the stream allows it and
/// it is worth it (`SmartRender`); `false` when the render is to be encoded fully instead.
fn smart_render(
    stream: &VideoStream,
    times: &[i64],
    spans: &[Range<usize>],
    job: &RenderJob<'_>,
) -> Result<bool, Halt> {
    let RenderJob { config, control, .. } = *job;
    if config.smart_render == SmartRender::Never {
        return Ok(false);
    }
    let pixels = u64::from(stream.width) * u64::from(stream.height);
    let planned = smart::plan(stream, times, spans).and_then(|plan| {
        let worth_it = config.smart_render == SmartRender::Always || plan.pays_off(pixels);
        if worth_it { Ok(plan) } else { Err("encoding is estimated faster than the pieces".into()) }
    });
    let plan = match planned {
        Ok(plan) => plan,
        Err(reason) => {
            control.log(format_args!("encoding fully: {reason}"));
            return Ok(false);
        }
    };
    match smart::run(&plan, stream, times, job) {
        Ok(()) => {
            control.log(format_args!("smart render: {} of {} frames copied", plan.copied_frames(), plan.frames()));
            Ok(true)
        }
        Err(SmartError::Halt(err)) => Err(Halt::child(control, &config.ffmpeg, err)),
        Err(SmartError::Fallback(reason)) => {
            control.log(format_args!("encoding fully: {reason}"));
            Ok(false)
        }
    }
}

/// One ffmpeg run over the whole render, its progress read from `-progress` as it goes.
fn encode_fully(keep: &Keep, job: &RenderJob<'_>) -> Result<(), Halt> {
    if let Keep::Frames { spans, timescale } = keep
        && spans.len() > groups::SPANS_PER_GROUP
    {
        return encode_in_groups(spans, *timescale, job);
    }
    let RenderJob { spec, work, config, control, .. } = *job;
    let log_path = work.join("ffmpeg.log");
    let log = File::create(&log_path).map_err(|err| Halt::internal(control, "cannot create the ffmpeg log", err))?;
    let mut command =
        encode::command(job, keep, log).map_err(|err| Halt::internal(control, "cannot prepare the render", err))?;
    let (reporter, total_us) = (Arc::clone(control), spec.duration_ms.max(1) as f64 * 1000.0);
    let status = control
        .run_child_reporting(&mut command, move |line| {
            if let Some(written) = line.strip_prefix("out_time_us=").and_then(|us| us.parse::<f64>().ok()) {
                let done = (written / total_us).clamp(0.0, 1.0);
                reporter.set_progress(ENCODE_FROM + (ENCODE_TO - ENCODE_FROM) * done, "encoding");
            }
        })
        .map_err(|err| Halt::child(control, &config.ffmpeg, err))?;
    ffmpeg_outcome(control, status, &log_path)?;
    control.log(format_args!("encoded by ffmpeg as {}", spec.format.as_str()));
    Ok(())
}

/// An ffmpeg that ended: a failure is the render's (its log's tail goes to ours).
fn ffmpeg_outcome(control: &Control, status: ExitStatus, log_path: &Path) -> Result<(), Halt> {
    if status.success() {
        return Ok(());
    }
    control.log(format_args!("ffmpeg failed ({status}): {}", crate::attempt::log_tail(log_path)));
    Err(Halt::failed("render_failed", "The file could not be rendered.", false))
}

/// A full encode of a cut of many spans, group by group (`groups`), then joined.
fn encode_in_groups(spans: &[(i64, i64)], timescale: u64, job: &RenderJob<'_>) -> Result<(), Halt> {
    let RenderJob { spec, input, sound, work, output, config, control } = *job;
    let dir = work.join("groups");
    fs::create_dir_all(&dir).map_err(|err| Halt::internal(control, "cannot create the groups' directory", err))?;
    let groups = groups::groups(spans, timescale, &dir, Streams { video: true, sound });
    let video_args = encode::h264_args(spec.video_bitrate_kbps.unwrap_or(5_000));
    let scale = encode::scale_filter(spec);
    let run = |command: &mut Command, log_path: &Path| -> Result<(), Halt> {
        let status = control.run_child(command).map_err(|err| Halt::child(control, &config.ffmpeg, err))?;
        ffmpeg_outcome(control, status, log_path)
    };
    let log = |path: &Path| File::create(path).map_err(|err| Halt::internal(control, "cannot create a log", err));
    for (index, group) in groups.iter().enumerate() {
        let log_path = dir.join(format!("group-{index:04}.log"));
        let graph = dir.join(format!("group-{index:04}.txt"));
        let mut command = group
            .command(&config.ffmpeg, input, &graph, &scale, &video_args)
            .map_err(|err| Halt::internal(control, "cannot write a group's filter graph", err))?;
        command.stderr(log(&log_path)?);
        run(&mut command, &log_path)?;
        let done = (index + 1) as f64 / groups.len() as f64;
        control.set_progress(ENCODE_FROM + (ENCODE_TO - ENCODE_FROM) * 0.95 * done, "encoding");
    }
    let write = |name: &str, list: String| {
        let path = dir.join(name);
        fs::write(&path, list).map(|()| path).map_err(|err| Halt::internal(control, "cannot write a list", err))
    };
    let videos = groups.iter().filter_map(|g| g.video.as_ref().map(|video| (video, g.seconds())));
    let video_list = write("video.ffconcat", groups::concat_list(videos))?;
    let log_path = dir.join("join.log");
    let mut command = Command::new(&config.ffmpeg);
    command.args(["-nostdin", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i"]).arg(&video_list);
    if sound {
        let audios = groups.iter().filter_map(|g| Some((g.audio.as_ref()?, g.seconds())));
        let audio_list = write("audio.ffconcat", groups::concat_list(audios))?;
        command.args(["-f", "concat", "-safe", "0", "-i"]).arg(&audio_list);
    } else {
        command.args(encode::silence_input(None)).arg("-shortest");
    }
    command
        .args(["-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy"])
        .args(encode::audio_args(spec.format, spec.audio_bitrate_kbps));
    command
        .args(muxer_args(spec.format))
        .arg(output)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log(&log_path)?);
    run(&mut command, &log_path)
}
