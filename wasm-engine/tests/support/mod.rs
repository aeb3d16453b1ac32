//! Helpers shared by the engine's integration tests: scratch directories and media generated
//! with ffmpeg at test time (nothing binary is committed).
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

pub fn run(program: &str, args: &[&str]) -> Vec<u8> {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed for this test ({e}); `make test` installs it"));
    assert!(output.status.success(), "{program} {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

/// A directory of generated files, removed when the test ends (passed or not).
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("roughcut-engine-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `ffmpeg -y <inputs…> <output options…> path`.
pub fn generate(scratch: &Scratch, name: &str, args: &[&str]) -> PathBuf {
    let path = scratch.0.join(name);
    let mut all = vec!["-v", "error", "-y"];
    all.extend_from_slice(args);
    let target = path.to_string_lossy().into_owned();
    all.push(&target);
    run("ffmpeg", &all);
    path
}

pub fn ffprobe(path: &Path) -> Value {
    let path = path.to_string_lossy();
    let json = run("ffprobe", &["-v", "error", "-print_format", "json", "-show_format", "-show_streams", &path]);
    serde_json::from_slice(&json).expect("ffprobe json")
}

const VIDEO_CODECS: [&str; 6] = ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"];

pub fn av(
    scratch: &Scratch,
    name: &str,
    size: &str,
    rate: &str,
    sample_rate: &str,
    channels: &str,
    seconds: &str,
) -> PathBuf {
    let video = format!("testsrc2=size={size}:rate={rate}");
    let audio = format!("sine=frequency=440:sample_rate={sample_rate}");
    let mut args = vec!["-f", "lavfi", "-i", &video, "-f", "lavfi", "-i", &audio, "-t", seconds, "-ac", channels];
    args.extend_from_slice(&VIDEO_CODECS);
    generate(scratch, name, &args)
}

/// Asserts ffmpeg decodes `path` to the end without a single complaint.
pub fn assert_decodes_cleanly(path: &Path) {
    let text = path.to_string_lossy().into_owned();
    let decode = Command::new("ffmpeg").args(["-v", "error", "-i", &text, "-f", "null", "-"]).output().expect("ffmpeg");
    assert!(
        decode.status.success() && decode.stderr.is_empty(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&decode.stderr)
    );
}

/// Copies of `whole` with 1 to `max_flips` random bytes overwritten after `from` (xorshift with a
/// fixed seed, so failures reproduce).
pub fn mutations(
    whole: &[u8],
    from: usize,
    max_flips: u64,
    count: usize,
    seed: u64,
) -> impl Iterator<Item = Vec<u8>> + '_ {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let span = (whole.len() - from) as u64;
    (0..count).map(move |_| {
        let mut mutated = whole.to_vec();
        for _ in 0..1 + next() % max_flips {
            let index = from + (next() % span) as usize;
            mutated[index] = next() as u8;
        }
        mutated
    })
}

/// One second of H.264 video with no audio track.
pub fn video_only(scratch: &Scratch) -> PathBuf {
    let args =
        ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", "1", "-c:v", "libx264", "-preset", "ultrafast"];
    generate(scratch, "video-only.mp4", &args)
}
