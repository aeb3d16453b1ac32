//! One attempt of a job, start to end: heartbeats throughout; download (progress
//! 0–0.3); probe and analysis, with the speech extraction beside it (0.3–0.8); outputs (0.8–1);
//! then the outcome. The attempt's work directory is removed however it ends, a panic included.

use std::fs::{self, File};
use std::io::{Cursor, Read};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use roughcut_engine::analyze::Analysis;
use roughcut_shared::jobs::{
    JobFailure, JobOutcome, JobResult, MediaJob, MediaTask, ProcessedAsset, RENDER_OUTPUT, RenderSpec, RenderedFile,
    SpeechChunk, SpeechFormat, is_output_name,
};

use crate::config::Config;
use crate::control::Control;
use crate::disk;
use crate::download::download;
use crate::halt::{Halt, internal_failure};
use crate::heartbeat;
use crate::media::{Input, analyse_input, probe_input};
use crate::output::{self, PutError};
use crate::render;
use crate::speech;
use crate::untrusted::UntrustedInput;
use crate::worker_client::{Http, output_url};

const ANALYSIS_OUTPUT: &str = "analysis.bin";
const BINARY: &str = "application/octet-stream";
const WAV: &str = "audio/wav";
/// The last bytes of ffmpeg's error output worth logging.
const FFMPEG_LOG_TAIL: usize = 2_000;

/// Runs `job` under `control` and reports its outcome to the worker (nothing when cancelled).
pub fn run(job: &MediaJob, control: &Arc<Control>, config: &Config, http: &Http) {
    control.log("started");
    let heartbeats = heartbeat::start(http.clone(), job.links.heartbeat.clone(), Arc::clone(control), config.heartbeat);
    let watchdog = watchdog(Arc::clone(control), config.job_timeout);
    let ended = panic::catch_unwind(AssertUnwindSafe(|| match &job.task {
        MediaTask::ProcessAsset { input_size, speech } => {
            process(job, *input_size, *speech, control, config, http).map(JobResult::ProcessAsset)
        }
        MediaTask::Render { input_size, spec } => {
            render_job(job, *input_size, spec, control, config, http).map(JobResult::Render)
        }
    }));
    drop((heartbeats, watchdog));
    let outcome = match ended {
        _ if control.has_timed_out() => JobOutcome::Failed(JobFailure {
            error_code: "timeout".to_owned(),
            error_message: "The job ran longer than we allow and was stopped.".to_owned(),
            retryable: false,
        }),
        Ok(Ok(result)) => JobOutcome::Succeeded { result },
        Ok(Err(Halt::Cancelled)) => return,
        Ok(Err(Halt::Failed(failure))) => JobOutcome::Failed(failure),
        Err(_) => {
            // The panic hook has already printed the message and location to stderr.
            control.log("panicked");
            JobOutcome::Failed(internal_failure())
        }
    };
    // A cancel during the last step: the worker has moved on and would refuse the outcome.
    if control.is_cancelled() && !control.has_timed_out() {
        return;
    }
    match &outcome {
        JobOutcome::Succeeded { .. } => control.log("succeeded"),
        JobOutcome::Failed(failure) => control.log(format_args!("failed: {}", failure.error_code)),
    }
    control.set_progress(1.0, "reporting");
    http.post_result(&job.links.result, &outcome, control);
}

/// Times the attempt out after `limit`, unless the returned sender is dropped first (the attempt
/// ended), which wakes the watchdog to end too.
fn watchdog(control: Arc<Control>, limit: Duration) -> mpsc::Sender<()> {
    let (stop, stopped) = mpsc::channel::<()>();
    let spawned = thread::Builder::new().name("media-watchdog".into()).spawn(move || {
        if stopped.recv_timeout(limit) == Err(RecvTimeoutError::Timeout) {
            control.time_out();
        }
    });
    if let Err(err) = spawned {
        eprintln!("media-container: no watchdog thread ({err}); the attempt runs without a time limit");
    }
    stop
}

/// Removes the directories of attempts whose process is gone (a container killed mid-job cannot
/// clean up after itself; its successor on the same disk does, at start). Directories of live
/// processes — another container sharing the default root — are left alone.
pub fn remove_stale_attempts(root: &Path) {
    let Ok(entries) = fs::read_dir(root) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name.to_str().and_then(|n| n.strip_prefix("attempt-")).and_then(|rest| rest.split('-').next());
        let Some(pid) = pid.and_then(|p| p.parse::<u32>().ok()) else { continue };
        let dead = pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists();
        if dead && let Err(err) = fs::remove_dir_all(entry.path()) {
            eprintln!("media-container: cannot remove {}: {err}", entry.path().display());
        }
    }
}

/// The attempt's own directory, removed on drop (unwinding included).
#[derive(Debug)]
pub struct WorkDir {
    pub path: PathBuf,
}

impl WorkDir {
    pub fn create(root: &Path, control: &Control) -> Result<Self, Halt> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        // Named by process and sequence, never by the job's id (it comes off the wire), and
        // created exclusively: two processes sharing the default root cannot share a directory.
        let path = root.join(format!("attempt-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
        fs::create_dir_all(root)
            .and_then(|()| fs::create_dir(&path))
            .map_err(|err| Halt::internal(control, "cannot create the work directory", err))?;
        Ok(Self { path })
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if let Err(err) = fs::remove_dir_all(&self.path) {
            eprintln!("media-container: cannot remove {}: {err}", self.path.display());
        }
    }
}

/// The speech audio extracted by ffmpeg.
#[derive(Debug)]
struct Speech {
    pcm: PathBuf,
    format: SpeechFormat,
    samples: u64,
}

/// A work directory with the job's input downloaded into it (progress 0–0.3), and what ffmpeg
/// may read it as.
fn fetch_input(
    job: &MediaJob,
    input_size: u64,
    control: &Arc<Control>,
    config: &Config,
    http: &Http,
) -> Result<(WorkDir, UntrustedInput), Halt> {
    let work = WorkDir::create(&config.work_dir, control)?;
    check_room(&work.path, input_size, control)?;
    let input_path = work.path.join("input");
    control.set_progress(0.0, "downloading");
    let mut file =
        File::create(&input_path).map_err(|err| Halt::internal(control, "cannot create the input file", err))?;
    let (agent, url, step) = (http.transfer().clone(), job.links.input.clone(), Arc::clone(control));
    control
        .abandon_on_cancel(move || download(&agent, &url, &mut file, input_size, &step))
        .map_err(|abandoned| Halt::abandoned(control, "download", abandoned))??;
    let input = UntrustedInput::sniff(&input_path)
        .map_err(|err| Halt::internal(control, "cannot read the input", err))?
        .ok_or_else(|| Halt::failed("unsupported_media", "The file is not in a media format we can read.", false))?;
    Ok((work, input))
}

/// Refuses a job whose input and output cannot fit on the disk: for good when they never can,
/// for a retry when other attempts hold the room now.
fn check_room(work: &Path, input_size: u64, control: &Control) -> Result<(), Halt> {
    let (available, total) = disk::space(work).map_err(|err| Halt::internal(control, "reading the free space", err))?;
    let needed = disk::needed_for(input_size);
    match disk::fits(needed, available, total) {
        Ok(()) => Ok(()),
        Err(true) => {
            control.log(format_args!("needs {needed} bytes of a {total}-byte disk"));
            Err(Halt::failed("input_too_large", "The file is too large for us to process.", false))
        }
        Err(false) => Err(Halt::internal(control, "no room", format_args!("{needed} bytes needed, {available} free"))),
    }
}

/// A render (progress 0.3–0.9 while it encodes), probed, uploaded.
fn render_job(
    job: &MediaJob,
    input_size: u64,
    spec: &RenderSpec,
    control: &Arc<Control>,
    config: &Config,
    http: &Http,
) -> Result<RenderedFile, Halt> {
    let (work, input) = fetch_input(job, input_size, control, config, http)?;
    let output = render::render(spec, &input, &work.path, config, control)?;
    control.set_progress(0.9, "uploading");
    let size_bytes = fs::metadata(&output).map_err(|err| Halt::internal(control, "no render was written", err))?.len();
    let duration_ms = probe_input(&Input::open(&output, control)?, control)?.duration_ms;
    Uploads { job, control, http }.put_file(RENDER_OUTPUT, spec.format.content_type(), &output, size_bytes)?;
    Ok(RenderedFile { size_bytes, duration_ms })
}

fn process(
    job: &MediaJob,
    input_size: u64,
    speech: Option<SpeechFormat>,
    control: &Arc<Control>,
    config: &Config,
    http: &Http,
) -> Result<ProcessedAsset, Halt> {
    let (work, untrusted) = fetch_input(job, input_size, control, config, http)?;

    control.set_progress(0.3, "probing");
    let input = Input::open(untrusted.path(), control)?;
    let probed = probe_input(&input, control)?;

    let mut analysis = None;
    let mut speech_audio = None;
    if probed.has_audio {
        control.set_progress(0.35, "analysing");
        let (found, extracted) = analyse_and_extract(&input, &untrusted, &work.path, speech, control, config)?;
        analysis = Some(found);
        speech_audio = extracted;
    }

    control.set_progress(0.8, "uploading");
    let uploads = Uploads { job, control, http };
    let analysis_name = match &analysis {
        Some(analysis) => {
            let bytes = analysis.encode();
            uploads.put(ANALYSIS_OUTPUT, BINARY, bytes.len() as u64, Cursor::new(bytes))?;
            Some(ANALYSIS_OUTPUT.to_owned())
        }
        None => None,
    };
    let chunks = match (&speech_audio, &analysis) {
        (Some(speech_audio), Some(analysis)) => uploads.speech(speech_audio, analysis, probed.duration_ms)?,
        _ => Vec::new(),
    };
    Ok(ProcessedAsset {
        media: probed.media,
        has_video: probed.has_video,
        duration_ms: probed.duration_ms,
        analysis: analysis_name,
        speech: chunks,
    })
}

/// The engine's analysis, and at the same time (on another core) ffmpeg's speech extraction when
/// asked for: both read the whole input, so together they take about as long as the longer one.
fn analyse_and_extract(
    input: &Input<'_>,
    untrusted: &UntrustedInput,
    work: &Path,
    format: Option<SpeechFormat>,
    control: &Control,
    config: &Config,
) -> Result<(Analysis, Option<Speech>), Halt> {
    thread::scope(|scope| {
        let extraction = format.map(|format| scope.spawn(move || extract(untrusted, work, format, control, config)));
        let analysis = analyse_input(input, untrusted, work, control, config);
        if analysis.is_err() {
            control.kill_child();
        }
        // A panic in the extraction is re-raised here, where the attempt's catch_unwind sees it.
        let speech = extraction.map(|handle| handle.join().unwrap_or_else(|panic| panic::resume_unwind(panic)));
        let analysis = analysis?;
        control.set_progress(0.75, "analysing");
        Ok((analysis, speech.transpose()?))
    })
}

fn extract(
    input: &UntrustedInput,
    work: &Path,
    format: SpeechFormat,
    control: &Control,
    config: &Config,
) -> Result<Speech, Halt> {
    let pcm = work.join("speech.pcm");
    let mut command = speech::extract_command(&config.ffmpeg, input, &pcm, format.sample_rate);
    if let Err(failure) = run_ffmpeg_logged(&mut command, &work.join("ffmpeg.log"), control, config)? {
        return Err(Halt::internal(control, "ffmpeg failed", failure));
    }
    let bytes = fs::metadata(&pcm).map_err(|err| Halt::internal(control, "ffmpeg wrote no speech", err))?.len();
    Ok(Speech { pcm, format, samples: speech::samples_in(bytes) })
}

/// Runs ffmpeg's `command` for the attempt, its error output going to `log_path`: `Ok(Err(tail))`
/// with the end of that output when ffmpeg failed, for the caller to say what it means.
pub fn run_ffmpeg_logged(
    command: &mut Command,
    log_path: &Path,
    control: &Control,
    config: &Config,
) -> Result<Result<(), String>, Halt> {
    let log = File::create(log_path).map_err(|err| Halt::internal(control, "cannot create the ffmpeg log", err))?;
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(log);
    let status = control.run_child(command).map_err(|err| Halt::child(control, &config.ffmpeg, err))?;
    Ok(if status.success() { Ok(()) } else { Err(format!("({status}) {}", log_tail(log_path))) })
}

/// The end of ffmpeg's error output, for the log.
pub fn log_tail(path: &Path) -> String {
    let text = fs::read(path).map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default();
    let start = text.len().saturating_sub(FFMPEG_LOG_TAIL);
    let start = (start..text.len()).find(|&at| text.is_char_boundary(at)).unwrap_or(text.len());
    text[start..].trim().to_owned()
}

/// Writes outputs through the attempt's output link.
#[derive(Debug, Clone, Copy)]
struct Uploads<'a> {
    job: &'a MediaJob,
    control: &'a Arc<Control>,
    http: &'a Http,
}

impl Uploads<'_> {
    fn put(
        &self,
        name: &str,
        content_type: &'static str,
        len: u64,
        body: impl Read + Send + 'static,
    ) -> Result<(), Halt> {
        self.send(name, move |agent, url| output::put(agent, url, content_type, len, body))
    }

    /// The file at `path`, in parts when it is large.
    fn put_file(&self, name: &str, content_type: &'static str, path: &Path, len: u64) -> Result<(), Halt> {
        let path = path.to_owned();
        self.send(name, move |agent, url| output::put_file(agent, url, content_type, &path, len))
    }

    /// Runs `upload` of output `name`, abandoned on cancel like the download (a stalled upload
    /// must not hold up the stop). A refused output fails the attempt for good: sent again, it
    /// would be refused again.
    fn send(
        &self,
        name: &str,
        upload: impl FnOnce(&ureq::Agent, &str) -> Result<(), PutError> + Send + 'static,
    ) -> Result<(), Halt> {
        debug_assert!(is_output_name(name), "{name}");
        if self.control.is_cancelled() {
            return Err(Halt::Cancelled);
        }
        let (http, url) = (self.http.clone(), output_url(&self.job.links.output, name));
        let sent = self
            .control
            .abandon_on_cancel(move || upload(http.transfer(), &url))
            .map_err(|abandoned| Halt::abandoned(self.control, "upload", abandoned))?;
        sent.map_err(|error| {
            if self.control.is_cancelled() {
                return Halt::Cancelled;
            }
            self.control.log(format_args!("output {name}: {error:?}"));
            match error {
                PutError::Refused(409 | 410) => Halt::Cancelled,
                PutError::Refused(_) => {
                    Halt::failed("output_rejected", "A processing result could not be stored.", false)
                }
                PutError::Failed(_) => {
                    Halt::failed("output_rejected", "A processing result could not be stored.", true)
                }
            }
        })
    }

    /// Cuts the speech into chunks at the analysis' quiet hops and uploads them in order.
    fn speech(&self, speech: &Speech, analysis: &Analysis, duration_ms: u64) -> Result<Vec<SpeechChunk>, Halt> {
        let rate = speech.format.sample_rate;
        // No further than the probed duration: Debian's ffmpeg 5 keeps the AAC encoder's padding
        // after the last sample (up to a 1024-sample frame) where the edit list ends the track.
        let total = speech.samples.min(duration_ms * u64::from(rate) / 1000);
        let ranges = speech::split(total, rate, &analysis.envelope.levels, &speech.format);
        let mut chunks = Vec::with_capacity(ranges.len());
        for (index, range) in ranges.iter().enumerate() {
            let name = speech::chunk_name(index);
            let (len, body) = speech::chunk_wav(&speech.pcm, range, rate)
                .map_err(|err| Halt::internal(self.control, "cannot read the speech audio", err))?;
            self.put(&name, WAV, len, body)?;
            let (start_ms, duration_ms) = speech::chunk_millis(range, rate);
            chunks.push(SpeechChunk { name, start_ms, duration_ms });
            self.control.set_progress(0.8 + 0.2 * (index + 1) as f64 / ranges.len() as f64, "uploading");
        }
        Ok(chunks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_attempts_of_dead_processes_are_removed() {
        let root = std::env::temp_dir().join(format!("roughcut-stale-{}", std::process::id()));
        let dead = root.join("attempt-4000000000-1");
        let ours = root.join(format!("attempt-{}-1", std::process::id()));
        let other = root.join("notes");
        for dir in [&dead, &ours, &other] {
            fs::create_dir_all(dir).expect("dir");
        }
        remove_stale_attempts(&root);
        assert!(!dead.exists() && ours.exists() && other.exists());
        fs::remove_dir_all(&root).expect("cleanup");
    }
}
