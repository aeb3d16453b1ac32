//! `make bench`: video renders in the media container (release build, its `render` command — the
//! code a render job runs). A 10-minute 1080p30 H.264+AAC recording (`BENCH_RENDER_SECONDS` to
//! change it) shaped like a camera's: x264 with B-frames, a key frame every second, 8 Mbps. A cut
//! keeping 80% of it in 20-s spans (5 s dropped between, starts off the GOP grid) is rendered
//! smart (whole GOPs copied, the edges encoded) and fully (libx264 at the same preset), in the same
//! run: target smart ≥ 5x faster, and both with exactly the expected frames. Then the whole
//! recording encoded fully, reported as a multiple of real time.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::json;

mod container;
mod inputs;

/// The source's frame rate; the cut's expected frame count follows from it.
const FPS: u64 = 30;

struct Run {
    seconds: f64,
    frames: u64,
    log: String,
}

/// Renders `spec` of `input` with the container's `render` command.
fn render(container: &Path, spec: &serde_json::Value, input: &Path, name: &str) -> Run {
    let dir = inputs::root().join("target/bench-media/out");
    std::fs::create_dir_all(&dir).expect("out dir");
    let spec_path = dir.join(format!("{name}.json"));
    std::fs::write(&spec_path, spec.to_string()).expect("spec");
    let output = dir.join(format!("{name}.mp4"));
    let started = Instant::now();
    let ran = Command::new(container)
        .arg("render")
        .arg(&spec_path)
        .arg(input)
        .arg(&output)
        .env("MEDIA_WORK_DIR", dir.join("work"))
        .output()
        .expect("media-container");
    let seconds = started.elapsed().as_secs_f64();
    let log = String::from_utf8_lossy(&ran.stderr).into_owned();
    assert!(ran.status.success(), "{name}: {log}");
    let frames = inputs::run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-count_packets",
            "-show_entries",
            "stream=nb_read_packets",
            "-of",
            "csv=p=0",
            &output.to_string_lossy(),
        ],
    );
    let frames = frames.trim().parse().unwrap_or(0);
    let _ = std::fs::remove_file(&output);
    Run { seconds, frames, log }
}

fn spec(segments: &[(u64, u64)], copy_video: bool, duration_ms: u64) -> serde_json::Value {
    json!({
        "format": "mp4", "segments": segments, "width": 1920, "height": 1080,
        "video_bitrate_kbps": 8000, "audio_bitrate_kbps": 128, "duration_ms": duration_ms,
        "copy_video": copy_video, "copy_audio": false,
    })
}

fn source(seconds: &str) -> PathBuf {
    inputs::input(
        &format!("render-{seconds}s-1080p-gop1s.mp4"),
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1920x1080:rate=30",
            "-f",
            "lavfi",
            "-i",
            inputs::SPEECH,
            "-t",
            seconds,
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-b:v",
            "8M",
            "-maxrate",
            "8M",
            "-bufsize",
            "16M",
            "-g",
            "30",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
        ],
    )
}

/// An MP3 render of a cut of `seconds` of speech (40 spans) by the container against ffmpeg doing
/// the same alone: the container encodes MP3 with ffmpeg's libmp3lame, so at least as fast (1x).
fn mp3_render(container: &Path, seconds: u64) {
    let audio = inputs::speech_m4a(&seconds.to_string());
    let step = seconds * 1000 / 40;
    let spans: Vec<(u64, u64)> = (0..40).map(|i| (i * step + 300, i * step + step * 4 / 5)).collect();
    let kept_ms: u64 = spans.iter().map(|(start, end)| end - start).sum();
    let spec = json!({
        "format": "mp3", "segments": spans, "audio_bitrate_kbps": 192, "duration_ms": kept_ms,
        "copy_video": false, "copy_audio": false,
    });
    let ours = render(container, &spec, &audio, "mp3");
    let select: Vec<String> = spans
        .iter()
        .map(|(start, end)| format!("between(t,{:.3},{:.3})", *start as f64 / 1000.0, *end as f64 / 1000.0))
        .collect();
    let filter = format!("aselect='{}',asetpts=N/SR/TB", select.join("+"));
    let out = inputs::root().join("target/bench-media/out/ffmpeg-render.mp3");
    let started = Instant::now();
    inputs::ffmpeg(&[
        "-i",
        &audio.to_string_lossy(),
        "-af",
        &filter,
        "-c:a",
        "libmp3lame",
        "-b:a",
        "192k",
        &out.to_string_lossy(),
    ]);
    let peer = started.elapsed().as_secs_f64();
    println!(
        "mp3 render of {seconds} s of speech, 40 spans, 192 kbps: container {:.2} s, ffmpeg aselect + libmp3lame {peer:.2} s: {:.2}x ffmpeg's speed (target >= 1x)",
        ours.seconds,
        peer / ours.seconds
    );
}

fn main() {
    let seconds: u64 = std::env::var("BENCH_RENDER_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(600);
    let input = source(&seconds.to_string());
    let container = container::release_build();
    let total_ms = seconds * 1000;
    // 20 s kept, 5 s dropped; each span starts 1.3–2.2 s into its 25 s, off the 1-s GOP grid
    let segments: Vec<(u64, u64)> = (0..total_ms / 25_000)
        .map(|i| {
            let start = i * 25_000 + 1_300 + (i * 370) % 900;
            (start, (start + 20_000).min(total_ms))
        })
        .collect();
    let kept_ms: u64 = segments.iter().map(|(start, end)| end - start).sum();
    let expected_frames = (kept_ms * FPS + 500) / 1000;
    println!(
        "source: {seconds} s 1080p30 H.264 (B-frames, 1-s GOP, 8 Mbps) + AAC; cut: {} spans keeping {:.1} s ({:.0}%)",
        segments.len(),
        kept_ms as f64 / 1000.0,
        100.0 * kept_ms as f64 / total_ms as f64
    );

    let smart = render(&container, &spec(&segments, true, kept_ms), &input, "smart");
    let copied = smart.log.lines().find_map(|l| l.split_once("smart render: ").map(|(_, r)| r.to_owned()));
    if let Some(timings) = smart.log.lines().find_map(|l| l.split_once("smart render timings: ").map(|(_, r)| r)) {
        println!("smart render timings: {timings}");
    }
    if copied.is_none() {
        let reason = smart.log.lines().find(|l| l.contains("encoding fully"));
        println!("the smart render fell back: {}", reason.unwrap_or("no reason logged"));
    }
    let full = render(&container, &spec(&segments, false, kept_ms), &input, "full");
    println!("| render of the cut | wall s | frames (expected {expected_frames}) |");
    println!("|---|---|---|");
    println!("| smart ({}) | {:.2} | {} |", copied.as_deref().unwrap_or("NOT SMART"), smart.seconds, smart.frames);
    println!("| full libx264 veryfast | {:.2} | {} |", full.seconds, full.frames);
    let ratio = full.seconds / smart.seconds;
    let verdict = if ratio >= 5.0 { "meets" } else { "MISSES" };
    println!("smart vs full: {ratio:.2}x faster ({verdict} the ≥ 5x target)");
    for (name, run) in [("smart", &smart), ("full", &full)] {
        if run.frames != expected_frames {
            println!("{name}: {} frames, expected {expected_frames}: WRONG", run.frames);
        }
    }

    mp3_render(&container, seconds);

    let whole = render(&container, &spec(&[], false, total_ms), &input, "whole");
    println!(
        "full render of the whole {seconds} s: {:.1} s wall = {:.2}x real time ({} frames)",
        whole.seconds,
        seconds as f64 / whole.seconds,
        whole.frames
    );
}
