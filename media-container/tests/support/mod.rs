//! Test support: the real container binary on a free port, a fake worker (a tiny HTTP/1.1 server
//! on threads) that serves an attempt's input and records its heartbeats, outputs and outcome,
//! and test media generated with ffmpeg and measured with ffprobe.

#![allow(dead_code, reason = "each test binary uses a part of this module")]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use roughcut_shared::jobs::{
    CompleteOutput, Heartbeat, JobLinks, JobOutcome, MULTIPART_HEADER, MediaJob, MediaTask, PART_HEADER, RenderSpec,
    SpeechFormat, UPLOAD_ID_HEADER,
};

/// A directory of its own for one test: removed when the test passes, kept (with the container's
/// log) when it fails.
pub struct TestDir(PathBuf);

impl TestDir {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("media-container-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("test dir");
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        if !thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Runs ffmpeg (quietly, overwriting) and panics with its error output when it fails.
pub fn ffmpeg(args: &[&str]) {
    let output =
        Command::new("ffmpeg").args(["-nostdin", "-v", "error", "-y"]).args(args).output().expect("run ffmpeg");
    assert!(output.status.success(), "ffmpeg {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// ffprobe's view of a file: `-show_format -show_streams` as JSON.
pub fn ffprobe(path: &Path) -> serde_json::Value {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-show_format", "-show_streams", "-of", "json"])
        .arg(path)
        .output()
        .expect("run ffprobe");
    assert!(output.status.success(), "ffprobe: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("ffprobe json")
}

pub fn ffprobe_duration_ms(probe: &serde_json::Value) -> u64 {
    let seconds: f64 = probe["format"]["duration"].as_str().and_then(|d| d.parse().ok()).expect("format duration");
    (seconds * 1000.0).round() as u64
}

/// The first stream of `codec_type` in an ffprobe answer.
pub fn ffprobe_stream<'a>(probe: &'a serde_json::Value, codec_type: &str) -> &'a serde_json::Value {
    probe["streams"]
        .as_array()
        .and_then(|streams| streams.iter().find(|s| s["codec_type"] == codec_type))
        .unwrap_or_else(|| panic!("no {codec_type} stream in {probe}"))
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes.
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An HTTP client that treats statuses as answers.
pub fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// The secret the fake worker signs jobs with, as the real worker does with `MEDIA_JOB_SECRET`.
pub const JOB_SECRET: &str = "media-container-tests-job-secret-0123456789";

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The media-container binary, killed on drop.
pub struct Container {
    child: Child,
    pub base: String,
    pub work_dir: PathBuf,
    log: PathBuf,
}

impl Container {
    /// Starts the binary with a work directory in `dir` and `env` on top of fast heartbeats.
    pub fn start(dir: &Path, env: &[(&str, &str)]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let work_dir = dir.join("work");
        let log = dir.join("container.log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_media-container"));
        command
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("MEDIA_WORK_DIR", &work_dir)
            .env("MEDIA_HEARTBEAT_MS", "100")
            .env("MEDIA_JOB_SECRET", JOB_SECRET)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"));
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().expect("start media-container");
        let container = Self { child, base: format!("http://127.0.0.1:{port}"), work_dir, log };
        let agent = client();
        let up = wait_until(Duration::from_secs(10), || {
            agent.get(format!("{}/health", container.base)).call().is_ok_and(|r| r.status() == 200)
        });
        assert!(up, "the container did not come up: {}", container.logs());
        container
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// POSTs a raw body to `/jobs`, signed as the worker signs it: (status, headers' Retry-After,
    /// JSON body).
    pub fn post_raw(&self, body: &str) -> (u16, Option<String>, serde_json::Value) {
        let signature = roughcut_shared::job_signature::sign(JOB_SECRET, unix_now(), body.as_bytes());
        self.post_signed(body, Some(&signature))
    }

    /// POSTs a raw body with this signature header, or none.
    pub fn post_signed(&self, body: &str, signature: Option<&str>) -> (u16, Option<String>, serde_json::Value) {
        let mut request = client().post(format!("{}/jobs", self.base)).header("Content-Type", "application/json");
        if let Some(signature) = signature {
            request = request.header(roughcut_shared::job_signature::SIGNATURE_HEADER, signature);
        }
        let mut response = request.send(body).expect("POST /jobs");
        let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let json = response.body_mut().read_json().unwrap_or(serde_json::Value::Null);
        (response.status().as_u16(), retry_after, json)
    }

    pub fn post(&self, job: &MediaJob) -> (u16, Option<String>, serde_json::Value) {
        self.post_raw(&serde_json::to_string(job).expect("job json"))
    }

    /// The attempt directories currently in the work directory.
    pub fn attempt_dirs(&self) -> usize {
        std::fs::read_dir(&self.work_dir).map(|entries| entries.count()).unwrap_or(0)
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An output PUT by the container.
#[derive(Debug, Clone)]
pub struct Output {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What the fake worker saw.
#[derive(Debug, Default)]
pub struct Seen {
    pub input_requests: Vec<Option<String>>,
    pub heartbeats: Vec<Heartbeat>,
    pub outputs: HashMap<String, Output>,
    /// The size of every output request's body (a whole output, or a part).
    pub output_requests: Vec<usize>,
    pub results: Vec<JobOutcome>,
}

#[derive(Debug, Default)]
struct Shared {
    input: Vec<u8>,
    seen: Mutex<Seen>,
    /// Heartbeats answer `{"cancel":true}`.
    cancel: AtomicBool,
    /// Heartbeats answer with this status and no body instead (0: they do not).
    heartbeat_refusal: AtomicU16,
    /// The input is served halfway, then held open until the worker is dropped.
    stall_input: AtomicBool,
    /// The first input request is cut off halfway (a dropped connection).
    cut_first_input: AtomicBool,
    /// Output requests are answered with this status (0: they are taken).
    output_refusal: AtomicU16,
    /// Multipart outputs in progress, by upload id.
    multiparts: Mutex<HashMap<String, Multipart>>,
    closed: AtomicBool,
}

/// A multipart output in progress: its output name, and its parts by number.
type Multipart = (String, HashMap<u16, Vec<u8>>);

/// The largest request body the fake worker takes, as Cloudflare's (100 MB).
pub const MAX_REQUEST_BODY: usize = 100_000_000;

/// The worker side of job links, on `127.0.0.1`.
pub struct FakeWorker {
    pub base: String,
    shared: Arc<Shared>,
}

impl FakeWorker {
    pub fn start(input: Vec<u8>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake worker");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let shared = Arc::new(Shared { input, ..Shared::default() });
        let accepting = Arc::clone(&shared);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.closed.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&accepting);
                thread::spawn(move || serve(stream, &shared));
            }
        });
        Self { base, shared }
    }

    pub fn links(&self) -> JobLinks {
        JobLinks {
            input: format!("{}/input?sig=x", self.base),
            output: format!("{}/outputs/{{name}}?sig=x", self.base),
            heartbeat: format!("{}/heartbeat?sig=x", self.base),
            result: format!("{}/result?sig=x", self.base),
        }
    }

    pub fn job(&self, job_id: &str, attempt: u32, speech: Option<SpeechFormat>) -> MediaJob {
        MediaJob {
            job_id: job_id.to_owned(),
            attempt,
            task: MediaTask::ProcessAsset { input_size: self.shared.input.len() as u64, speech },
            links: self.links(),
        }
    }

    /// A processing job whose input is announced as `input_size` bytes.
    pub fn job_of_size(&self, job_id: &str, input_size: u64) -> MediaJob {
        MediaJob { task: MediaTask::ProcessAsset { input_size, speech: None }, ..self.job(job_id, 1, None) }
    }

    pub fn render_job(&self, job_id: &str, spec: RenderSpec) -> MediaJob {
        MediaJob {
            job_id: job_id.to_owned(),
            attempt: 1,
            task: MediaTask::Render { input_size: self.shared.input.len() as u64, spec },
            links: self.links(),
        }
    }

    pub fn seen(&self) -> MutexGuard<'_, Seen> {
        lock(&self.shared.seen)
    }

    pub fn cancel(&self) {
        self.shared.cancel.store(true, Ordering::SeqCst);
    }

    /// Heartbeats are refused with `status`, as the worker refuses the links of an ended attempt.
    pub fn refuse_heartbeats(&self, status: u16) {
        self.shared.heartbeat_refusal.store(status, Ordering::SeqCst);
    }

    pub fn stall_input(&self) {
        self.shared.stall_input.store(true, Ordering::SeqCst);
    }

    pub fn refuse_outputs(&self, status: u16) {
        self.shared.output_refusal.store(status, Ordering::SeqCst);
    }

    pub fn cut_first_input(&self) {
        self.shared.cut_first_input.store(true, Ordering::SeqCst);
    }

    /// Waits for the outcome of the attempt.
    pub fn wait_for_result(&self, container: &Container) -> JobOutcome {
        let posted = wait_until(Duration::from_secs(60), || !self.seen().results.is_empty());
        assert!(posted, "no outcome was posted; container log:\n{}", container.logs());
        self.seen().results[0].clone()
    }
}

impl Drop for FakeWorker {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
    }
}

struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?;
    let path = target.split('?').next().unwrap_or(target).to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    let length: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { method, path, headers, body })
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body));
}

/// One request per connection (`Connection: close`).
fn serve(mut stream: TcpStream, shared: &Shared) {
    let Ok(read_half) = stream.try_clone() else { return };
    let Some(request) = read_request(&mut BufReader::new(read_half)) else { return };
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/input") => serve_input(&mut stream, shared, request.headers.get("range").cloned()),
        ("POST", "/heartbeat") => {
            if let Ok(heartbeat) = serde_json::from_slice(&request.body) {
                lock(&shared.seen).heartbeats.push(heartbeat);
            }
            match shared.heartbeat_refusal.load(Ordering::SeqCst) {
                0 => {
                    let reply = format!(r#"{{"cancel":{}}}"#, shared.cancel.load(Ordering::SeqCst));
                    respond(&mut stream, "200 OK", &[("Content-Type", "application/json".into())], reply.as_bytes());
                }
                status => respond(&mut stream, &format!("{status} Refused"), &[], b""),
            }
        }
        ("POST", "/result") => {
            match serde_json::from_slice(&request.body) {
                Ok(outcome) => lock(&shared.seen).results.push(outcome),
                Err(err) => panic!("unreadable outcome: {err}: {}", String::from_utf8_lossy(&request.body)),
            }
            respond(&mut stream, "204 No Content", &[], b"");
        }
        (_, path) if path.starts_with("/outputs/") => output(&mut stream, shared, request),
        _ => respond(&mut stream, "404 Not Found", &[], b""),
    }
}

/// An output whole (`PUT`) or in parts (the worker's multipart protocol), refused like
/// Cloudflare refuses a request body over 100 MB.
fn output(stream: &mut TcpStream, shared: &Shared, request: Request) {
    let name = request.path.trim_start_matches("/outputs/").to_owned();
    let header = |name: &str| request.headers.get(name).cloned();
    let json = [("Content-Type", "application/json".to_owned())];
    if request.method == "PUT" {
        lock(&shared.seen).output_requests.push(request.body.len());
    }
    match shared.output_refusal.load(Ordering::SeqCst) {
        0 => {}
        status => return respond(stream, &format!("{status} Refused"), &[], b""),
    }
    if request.body.len() > MAX_REQUEST_BODY {
        return respond(stream, "413 Payload Too Large", &[], b"");
    }
    match (request.method.as_str(), header(MULTIPART_HEADER).as_deref(), header(UPLOAD_ID_HEADER)) {
        ("PUT", None, None) => {
            let content_type = header("content-type").unwrap_or_default();
            lock(&shared.seen).outputs.insert(name, Output { content_type, bytes: request.body });
            respond(stream, "201 Created", &[], b"");
        }
        ("POST", Some("start"), None) => {
            let mut multiparts = lock(&shared.multiparts);
            let upload_id = format!("upload-{}", multiparts.len() + 1);
            multiparts.insert(upload_id.clone(), (name, HashMap::new()));
            respond(stream, "200 OK", &json, format!(r#"{{"upload_id":"{upload_id}"}}"#).as_bytes());
        }
        ("PUT", None, Some(upload_id)) => {
            let Some(part) = header(PART_HEADER).and_then(|p| p.parse::<u16>().ok()) else {
                return respond(stream, "400 Bad Request", &[], b"");
            };
            let mut multiparts = lock(&shared.multiparts);
            let Some((_, parts)) = multiparts.get_mut(&upload_id) else {
                return respond(stream, "404 Not Found", &[], b"");
            };
            parts.insert(part, request.body);
            respond(stream, "200 OK", &json, format!(r#"{{"part":{part},"etag":"etag-{part}"}}"#).as_bytes());
        }
        ("POST", Some("complete"), Some(upload_id)) => {
            let complete: CompleteOutput = serde_json::from_slice(&request.body).expect("a CompleteOutput");
            let Some((name, mut parts)) = lock(&shared.multiparts).remove(&upload_id) else {
                return respond(stream, "404 Not Found", &[], b"");
            };
            let mut bytes = Vec::new();
            for listed in &complete.parts {
                assert_eq!(listed.etag, format!("etag-{}", listed.part), "the part's etag");
                bytes.extend(parts.remove(&listed.part).expect("an uploaded part"));
            }
            assert!(parts.is_empty(), "every uploaded part is in the output");
            lock(&shared.seen).outputs.insert(name, Output { content_type: String::new(), bytes });
            respond(stream, "204 No Content", &[], b"");
        }
        _ => respond(stream, "400 Bad Request", &[], b""),
    }
}

fn serve_input(stream: &mut TcpStream, shared: &Shared, range: Option<String>) {
    let first = {
        let mut seen = lock(&shared.seen);
        seen.input_requests.push(range.clone());
        seen.input_requests.len() == 1
    };
    let total = shared.input.len();
    let start = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|r| r.parse::<usize>().ok());
    let (status, from, mut headers) = match start {
        Some(start) if start >= total => {
            respond(stream, "416 Range Not Satisfiable", &[("Content-Range", format!("bytes */{total}"))], b"");
            return;
        }
        Some(start) => {
            ("206 Partial Content", start, vec![("Content-Range", format!("bytes {start}-{}/{total}", total - 1))])
        }
        None => ("200 OK", 0, Vec::new()),
    };
    headers.push(("Content-Type", "application/octet-stream".into()));
    let stall = shared.stall_input.load(Ordering::SeqCst);
    let cut = first && shared.cut_first_input.load(Ordering::SeqCst);
    if !stall && !cut {
        respond(stream, status, &headers, &shared.input[from..]);
        return;
    }
    let body = &shared.input[from..];
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in &headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body[..body.len() / 2]));
    let _ = stream.flush();
    while stall && !shared.closed.load(Ordering::SeqCst) {
        thread::sleep(Duration::from_millis(50));
    }
}
