//! The container's settings, read once from the environment at start: where it listens, how many
//! attempts it runs at once, how often they send heartbeats, where they work, which ffmpeg and
//! ffprobe, when renders copy GOPs, the secret of the worker's signature, and how long an attempt
//! may run.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use roughcut_shared::job_signature::MIN_SECRET_CHARS;

#[derive(Debug, Clone)]
pub struct Config {
    pub address: SocketAddr,
    /// `MEDIA_MAX_JOBS` (default 2): attempts running at once; more are answered 503.
    pub max_jobs: usize,
    /// `MEDIA_HEARTBEAT_MS` (default 2000): well inside the worker's lease.
    pub heartbeat: Duration,
    /// `MEDIA_WORK_DIR` (default `$TMPDIR/roughcut-media`): one directory per attempt inside.
    pub work_dir: PathBuf,
    /// `FFMPEG` (default `ffmpeg` on the `PATH`).
    pub ffmpeg: PathBuf,
    /// `FFPROBE` (default `ffprobe` on the `PATH`): lists a video's frames for renders.
    pub ffprobe: PathBuf,
    /// `MEDIA_SMART_RENDER` (default `auto`): when renders copy the source's GOPs.
    pub smart_render: SmartRender,
    /// `MEDIA_JOB_SECRET` (at least 32 characters; serving jobs needs it): only jobs the worker
    /// signed with it run.
    pub job_secret: Option<String>,
    /// `MEDIA_JOB_TIMEOUT_SECONDS` (default 6 hours): an attempt still running then fails.
    pub job_timeout: Duration,
}

/// When a render that may copy the source's video does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmartRender {
    /// When it is estimated faster than encoding fully (many short pieces of a small picture are not).
    Auto,
    /// Whenever the stream allows it (tests use it on small pictures).
    Always,
    /// Never (an operator's way out).
    Never,
}

impl FromStr for SmartRender {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, ()> {
        match value {
            "auto" => Ok(Self::Auto),
            "always" => Ok(Self::Always),
            "never" => Ok(Self::Never),
            _ => Err(()),
        }
    }
}

fn var_or<T: FromStr>(name: &str, default: T) -> Result<T, String> {
    match std::env::var(name) {
        Ok(value) => value.trim().parse().map_err(|_| format!("invalid {name}: {value:?}")),
        Err(_) => Ok(default),
    }
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        // `HOST` defaults to loopback: the local stack never listens beyond it; the production
        // image sets `HOST=0.0.0.0`.
        let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
        let port: u16 = var_or("PORT", 8788)?;
        let address = format!("{host}:{port}").parse().map_err(|_| format!("invalid HOST/PORT {host}:{port}"))?;
        let max_jobs: usize = var_or("MEDIA_MAX_JOBS", 2)?;
        if max_jobs == 0 {
            return Err("MEDIA_MAX_JOBS must be at least 1".to_owned());
        }
        let heartbeat_ms: u64 = var_or("MEDIA_HEARTBEAT_MS", 2000)?;
        if heartbeat_ms == 0 {
            return Err("MEDIA_HEARTBEAT_MS must be at least 1".to_owned());
        }
        let work_dir = std::env::var_os("MEDIA_WORK_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| std::env::temp_dir().join("roughcut-media"));
        let ffmpeg = std::env::var_os("FFMPEG").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("ffmpeg"));
        let ffprobe = std::env::var_os("FFPROBE").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("ffprobe"));
        let smart_render = var_or("MEDIA_SMART_RENDER", SmartRender::Auto)?;
        let heartbeat = Duration::from_millis(heartbeat_ms);
        let job_secret = std::env::var("MEDIA_JOB_SECRET").ok();
        if job_secret.as_ref().is_some_and(|secret| secret.chars().count() < MIN_SECRET_CHARS) {
            return Err(format!("MEDIA_JOB_SECRET must have at least {MIN_SECRET_CHARS} characters"));
        }
        let timeout_seconds: u64 = var_or("MEDIA_JOB_TIMEOUT_SECONDS", 6 * 3600)?;
        if timeout_seconds == 0 {
            return Err("MEDIA_JOB_TIMEOUT_SECONDS must be at least 1".to_owned());
        }
        let job_timeout = Duration::from_secs(timeout_seconds);
        Ok(Self { address, max_jobs, heartbeat, work_dir, ffmpeg, ffprobe, smart_render, job_secret, job_timeout })
    }
}
