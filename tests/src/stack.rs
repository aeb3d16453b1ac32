//! The local stack under test: migrations applied to a fresh state directory, then the media
//! container, `wrangler dev --local` and, when asked for, the local Whisper transcriber on free
//! loopback ports, each in its own process group so that everything they spawned (workerd) stops
//! with them.

use std::fs;
use std::io::Read;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::transcriber::FakeTranscriber;

const READY_TIMEOUT: Duration = Duration::from_secs(90);
/// Uploads expire this long after their last PATCH on the test stack (24 h in production), so
/// that expiry can be tested; every upload in the tests sends its chunks well within it.
pub const UPLOAD_TTL: Duration = Duration::from_secs(40);
/// A job attempt without a heartbeat for this long is presumed dead on the test stack (60 s in
/// production), so that a killed media container is noticed within the tests' patience.
pub const JOB_LEASE: Duration = Duration::from_secs(6);

/// The OpenAI-compatible transcription server the worker calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transcription {
    /// `FakeTranscriber`: the words a test registered, exactly.
    Fake,
    /// scripts/local-transcriber.py: faster-whisper with Whisper base, as `make dev` runs it
    /// (its venv and model from scripts/env.sh's `LOCAL_TRANSCRIBER_PYTHON`, `WHISPER_MODEL_DIR`).
    LocalWhisper,
}

#[derive(Debug)]
pub struct Stack {
    pub base_url: String,
    pub media_url: String,
    pub admin_token: String,
    /// What the worker signs the media container's jobs with.
    job_secret: String,
    /// The fake OpenAI-compatible transcription server; the worker calls it unless the stack was
    /// started with `Transcription::LocalWhisper`.
    pub transcriber: FakeTranscriber,
    state_dir: PathBuf,
    media_bin: PathBuf,
    media_port: u16,
    /// How `wrangler dev` is started, to start it again on the same port and state.
    wrangler_args: Vec<String>,
    children: Mutex<Vec<(&'static str, Child)>>,
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn random_hex(bytes: usize) -> Result<String, String> {
    let mut buf = vec![0u8; bytes];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| format!("/dev/urandom: {e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

fn tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

impl Stack {
    /// Starts everything from the artifacts `make test` built; the error says what failed and
    /// shows the end of its log.
    pub fn start() -> Result<Self, String> {
        let media_bin = std::env::var("MEDIA_CONTAINER_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|_| repo_root().join("target/debug/media-container"));
        Self::start_with_media(media_bin)
    }

    /// The stack with the media container binary `media_bin` (the benchmarks run a release build).
    pub fn start_with_media(media_bin: PathBuf) -> Result<Self, String> {
        Self::start_with(media_bin, Transcription::Fake)
    }

    /// The stack whose worker transcribes through the local Whisper server, started here too.
    pub fn start_with_local_whisper() -> Result<Self, String> {
        let media_bin = std::env::var("MEDIA_CONTAINER_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|_| repo_root().join("target/debug/media-container"));
        Self::start_with(media_bin, Transcription::LocalWhisper)
    }

    fn start_with(media_bin: PathBuf, transcription: Transcription) -> Result<Self, String> {
        let root = repo_root();
        let wrangler = root.join("node_modules/.bin/wrangler");
        for artifact in [root.join("edge-worker/build/index.js"), media_bin.clone(), wrangler.clone()] {
            if !artifact.exists() {
                return Err(format!("{} is missing: run `make test`, which builds it first", artifact.display()));
            }
        }
        let state_dir = std::env::temp_dir().join(format!("roughcut-e2e-{}-{}", std::process::id(), random_hex(4)?));
        fs::create_dir_all(&state_dir).map_err(|e| format!("state dir: {e}"))?;
        let mut stack = Self {
            base_url: String::new(),
            media_url: String::new(),
            admin_token: random_hex(24)?,
            job_secret: random_hex(24)?,
            transcriber: FakeTranscriber::start()?,
            state_dir,
            media_bin,
            media_port: free_port()?,
            wrangler_args: Vec::new(),
            children: Mutex::new(Vec::new()),
        };

        let migrate_log = stack.state_dir.join("migrations.log");
        let status = Command::new(&wrangler)
            .current_dir(&root)
            .args(["d1", "migrations", "apply", "DB", "--local", "--persist-to"])
            .arg(&stack.state_dir)
            .env("CI", "1")
            .stdout(log_file(&migrate_log)?)
            .stderr(log_file(&migrate_log)?)
            .status()
            .map_err(|e| format!("wrangler: {e}"))?;
        if !status.success() {
            return Err(format!("D1 migrations failed:\n{}", tail(&migrate_log)));
        }

        stack.media_url = format!("http://127.0.0.1:{}", stack.media_port);
        stack.spawn("media-container", stack.media_command())?;

        let transcriber_url = match transcription {
            Transcription::Fake => stack.transcriber.url.clone(),
            Transcription::LocalWhisper => {
                let (command, url) = local_whisper_command()?;
                stack.spawn("transcriber", command)?;
                stack.wait_ready("transcriber", &format!("{url}/health"))?;
                format!("{url}/v1")
            }
        };

        let port = free_port()?;
        stack.base_url = format!("http://127.0.0.1:{port}");
        stack.wrangler_args = [
            "dev",
            "--local",
            "--ip",
            "127.0.0.1",
            "--show-interactive-dev-session=false",
            "--test-scheduled",
            "--port",
            &port.to_string(),
            "--inspector-port",
            &free_port()?.to_string(),
            "--persist-to",
            &stack.state_dir.to_string_lossy(),
            "--var",
            &format!("ADMIN_TOKEN:{}", stack.admin_token),
            "--var",
            &format!("SIGNING_SECRET:{}", random_hex(32)?),
            "--var",
            &format!("MEDIA_JOB_SECRET:{}", stack.job_secret),
            "--var",
            &format!("UPLOAD_TTL_SECONDS:{}", UPLOAD_TTL.as_secs()),
            "--var",
            &format!("PUBLIC_URL:{}", stack.base_url),
            "--var",
            &format!("MEDIA_URL:{}", stack.media_url),
            "--var",
            &format!("JOB_LEASE_SECONDS:{}", JOB_LEASE.as_secs()),
            "--var",
            "TRANSCRIBER:openai",
            "--var",
            &format!("TRANSCRIBER_URL:{transcriber_url}"),
            "--var",
            "TRANSCRIBER_MODEL:whisper-test",
            // the tests' webhook receivers listen on http://127.0.0.1:PORT
            "--var",
            "WEBHOOKS_ALLOW_LOOPBACK_HTTP:true",
        ]
        .map(str::to_owned)
        .to_vec();
        stack.spawn("wrangler", stack.wrangler_command())?;

        stack.wait_ready("media-container", &format!("{}/health", stack.media_url))?;
        stack.wait_ready("wrangler", &format!("{}/v1/openapi.json", stack.base_url))?;
        Ok(stack)
    }

    fn media_command(&self) -> Command {
        let mut media = Command::new(&self.media_bin);
        media
            .env("PORT", self.media_port.to_string())
            .env("MEDIA_HEARTBEAT_MS", "1000")
            // renders copy GOPs whenever the stream allows, so that the smart path runs on the
            // tests' small pictures (by default it is chosen only when estimated faster)
            .env("MEDIA_SMART_RENDER", "always")
            .env("MEDIA_WORK_DIR", self.media_work_dir())
            .env("MEDIA_JOB_SECRET", &self.job_secret);
        media
    }

    /// Kills the media container (SIGKILL: no goodbye to its jobs) and starts it again on the same
    /// port, as a crashed container replaced by its platform would be.
    pub fn kill_and_restart_media(&self) -> Result<(), String> {
        {
            let mut children = self.children.lock().map_err(|_| "stack lock poisoned".to_owned())?;
            let index =
                children.iter().position(|(name, _)| *name == "media-container").ok_or("media is not running")?;
            let (_, mut child) = children.remove(index);
            signal_group("KILL", &child);
            let _ = child.wait();
        }
        self.spawn("media-container", self.media_command())?;
        self.wait_ready("media-container", &format!("{}/health", self.media_url))
    }

    fn wrangler_command(&self) -> Command {
        let root = repo_root();
        let mut command = Command::new(root.join("node_modules/.bin/wrangler"));
        command.current_dir(&root).args(&self.wrangler_args);
        command
    }

    /// Runs `sql` on the stack's local D1 database with `wrangler d1 execute`, beside the running
    /// worker (as an operator would), to test what the schema itself enforces. The error is
    /// wrangler's output.
    pub fn d1_execute(&self, sql: &str) -> Result<String, String> {
        let root = repo_root();
        let mut attempts = 0;
        loop {
            let output = Command::new(root.join("node_modules/.bin/wrangler"))
                .current_dir(&root)
                .args(["d1", "execute", "DB", "--local", "--persist-to"])
                .arg(&self.state_dir)
                .args(["--command", sql])
                .env("CI", "1")
                .output()
                .map_err(|e| format!("wrangler: {e}"))?;
            let text =
                format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
            if output.status.success() {
                return Ok(text);
            }
            // the running worker may hold SQLite's lock for a moment
            attempts += 1;
            if attempts == 5 || !(text.contains("SQLITE_BUSY") || text.contains("database is locked")) {
                return Err(text);
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }

    /// Runs the scheduled sweep now (`wrangler dev --test-scheduled`), as the cron would.
    pub fn run_cron(&self) -> Result<(), String> {
        let url = format!("{}/__scheduled?cron=*/10+*+*+*+*", self.base_url);
        match ureq::get(&url).call() {
            Ok(response) if response.status() == 200 => Ok(()),
            Ok(response) => Err(format!("{url}: {}", response.status())),
            Err(error) => Err(format!("{url}: {error}")),
        }
    }

    /// Stops `wrangler dev` and starts it again on the same port and state, as an operator's
    /// restart (or a crash) would: whatever survives must be in D1, R2 or Durable Object storage.
    pub fn restart_wrangler(&self) -> Result<(), String> {
        {
            let mut children = self.children.lock().map_err(|_| "stack lock poisoned".to_owned())?;
            let index = children.iter().position(|(name, _)| *name == "wrangler").ok_or("wrangler is not running")?;
            let (_, mut child) = children.remove(index);
            stop(&mut child);
        }
        self.spawn("wrangler", self.wrangler_command())?;
        self.wait_ready("wrangler", &format!("{}/v1/openapi.json", self.base_url))
    }

    /// Where the media container keeps its attempts' files (one directory each while they run).
    pub fn media_work_dir(&self) -> PathBuf {
        self.state_dir.join("media-work")
    }

    /// What a process of the stack has logged so far (`media-container`, `wrangler`).
    pub fn log_text(&self, name: &str) -> String {
        fs::read_to_string(self.log_path(name)).unwrap_or_default()
    }

    /// The last lines a process of the stack logged, and whether it is still running: what a
    /// failed test shows, since a CI run's state directory is gone by the time anyone looks.
    pub fn post_mortem(&self, name: &str) -> String {
        let running = self
            .children
            .lock()
            .ok()
            .and_then(|mut children| {
                children.iter_mut().find(|(n, _)| *n == name).map(|(_, c)| matches!(c.try_wait(), Ok(None)))
            })
            .unwrap_or(false);
        format!(
            "{name} is {}; its log ends:\n{}",
            if running { "running" } else { "not running" },
            tail(&self.log_path(name))
        )
    }

    fn log_path(&self, name: &str) -> PathBuf {
        self.state_dir.join(format!("{name}.log"))
    }

    fn spawn(&self, name: &'static str, mut command: Command) -> Result<(), String> {
        let log = self.log_path(name);
        let child = command
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .stdin(Stdio::null())
            .stdout(log_file(&log)?)
            .stderr(log_file(&log)?)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("{name}: {e}"))?;
        self.children.lock().map_err(|_| "stack lock poisoned".to_owned())?.push((name, child));
        Ok(())
    }

    fn wait_ready(&self, name: &str, url: &str) -> Result<(), String> {
        let agent = ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(2))).build().new_agent();
        let started = Instant::now();
        loop {
            if agent.get(url).call().is_ok_and(|r| r.status() == 200) {
                return Ok(());
            }
            let exited = self
                .children
                .lock()
                .map_err(|_| "stack lock poisoned".to_owned())?
                .iter_mut()
                .find(|(n, _)| *n == name)
                .and_then(|(_, c)| c.try_wait().ok().flatten());
            if exited.is_some() || started.elapsed() > READY_TIMEOUT {
                return Err(format!("{name} did not become ready at {url}:\n{}", tail(&self.log_path(name))));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// scripts/local-transcriber.py on a free port, from the venv and model bootstrap installed; and
/// its origin (`/health`, `/v1/audio/transcriptions`). The stack and the transcription bench start
/// it with this.
pub fn local_whisper_command() -> Result<(Command, String), String> {
    let setting = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|path| path.exists())
            .ok_or_else(|| format!("{name} is unset or missing: run the tests through `make test` (scripts/env.sh)"))
    };
    let python = setting("LOCAL_TRANSCRIBER_PYTHON")?;
    let model_dir = setting("WHISPER_MODEL_DIR")?;
    let port = free_port()?;
    let mut command = Command::new(python);
    command
        .arg(repo_root().join("scripts/local-transcriber.py"))
        .arg("--model-dir")
        .arg(model_dir)
        .args(["--port", &port.to_string()]);
    Ok((command, format!("http://127.0.0.1:{port}")))
}

fn log_file(path: &Path) -> Result<fs::File, String> {
    fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Signals the child's whole process group (its id, as `process_group(0)` made it a leader).
/// `kill -s SIG -- -PGID`: procps' `kill -SIG -PGID` does not parse the group as a target.
fn signal_group(signal: &str, child: &Child) {
    let group = format!("-{}", child.id());
    let _ = Command::new("kill").args(["-s", signal, "--", &group]).stderr(Stdio::null()).status();
}

/// TERM to the child's group, then KILL after 10 s if it has not gone.
fn stop(child: &mut Child) {
    signal_group("TERM", child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    signal_group("KILL", child);
    let _ = child.wait();
}

impl Drop for Stack {
    fn drop(&mut self) {
        let children = self.children.get_mut().map(std::mem::take).unwrap_or_default();
        // The whole groups: wrangler's workerd and anything else they started.
        for (_, mut child) in children {
            stop(&mut child);
        }
        // ROUGHCUT_E2E_KEEP_STATE keeps the state and the logs (wrangler.log, …) for a post-mortem.
        if std::env::var_os("ROUGHCUT_E2E_KEEP_STATE").is_some() {
            eprintln!("e2e: state and logs kept in {}", self.state_dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.state_dir);
        }
    }
}
