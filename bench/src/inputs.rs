//! Bench inputs generated once with ffmpeg into `target/bench-media/` (shared by the benchmarks
//! that read the same files).

#![allow(dead_code, reason = "each benchmark uses a part of this module")]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Speech-like audio: a voiced tone whose pitch and loudness move like a voice, with pauses.
pub const SPEECH: &str = "aevalsrc=exprs=(0.2+0.6*abs(sin(2*PI*0.7*t)))*sin(2*PI*(300+200*sin(2*PI*3*t))*t)*gt(sin(2*PI*0.13*t)\\,-0.6):s=48000";

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

pub fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(output.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn ffmpeg(args: &[&str]) {
    let mut all = vec!["-v", "error", "-y"];
    all.extend_from_slice(args);
    run("ffmpeg", &all);
}

/// Generates `name` with `args` unless a file of that name already exists.
pub fn input(name: &str, args: &[&str]) -> PathBuf {
    let dir = root().join("target/bench-media");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let path = dir.join(name);
    if !path.exists() {
        eprintln!("generating {name} …");
        let partial = dir.join(format!("partial-{name}"));
        let target = partial.to_string_lossy().into_owned();
        let mut all = args.to_vec();
        all.push(&target);
        ffmpeg(&all);
        std::fs::rename(&partial, &path).expect("rename");
    }
    path
}

/// `seconds` of `SPEECH` as stereo AAC in M4A at 128 kbps.
pub fn speech_m4a(seconds: &str) -> PathBuf {
    input(
        &format!("speech-{seconds}s.m4a"),
        &["-f", "lavfi", "-i", SPEECH, "-t", seconds, "-ac", "2", "-c:a", "aac", "-b:a", "128k"],
    )
}

/// `seconds` of 1080p30 H.264 (a test pattern, about 10 Mbit/s) with `SPEECH` as AAC: a camera's
/// recording in size.
pub fn video_1080p(seconds: &str) -> PathBuf {
    input(
        &format!("video-{seconds}s-1080p.mp4"),
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1920x1080:rate=30",
            "-f",
            "lavfi",
            "-i",
            SPEECH,
            "-t",
            seconds,
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "30",
            "-g",
            "60",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
        ],
    )
}
