//! One attempt's control block, shared by the attempt, its heartbeat thread and the job server:
//! the cancel flag, the ffmpeg children it may have to kill, and the progress the heartbeats report.
//! Cancelling must take effect within seconds (DESIGN.md: "cancelling a render is seen by the
//! container at its next heartbeat and it kills ffmpeg"), so every blocking step either polls the
//! flag or can be abandoned.

use std::fmt::Display;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

/// How often waits look at the cancel flag.
const POLL: Duration = Duration::from_millis(50);

#[derive(Debug)]
pub struct Control {
    /// "job_… attempt N", for logs.
    label: String,
    cancelled: AtomicBool,
    /// Cancelled by its wall-clock limit rather than by the worker: a failure to report.
    timed_out: AtomicBool,
    /// The running children (a smart render runs several at once).
    children: Mutex<Vec<Child>>,
    progress: Mutex<(f64, &'static str)>,
    /// When the attempt started: each stage is logged with the time it began, so that the log
    /// tells where an attempt's time went.
    started: std::time::Instant,
}

/// Why a child process did not run to its end.
#[derive(Debug)]
pub enum ChildError {
    /// It could not be started.
    Spawn(std::io::Error),
    /// The attempt was cancelled and the child killed.
    Cancelled,
    /// Waiting on it failed.
    Wait(std::io::Error),
}

/// A waited-for step that did not produce its value.
#[derive(Debug, PartialEq, Eq)]
pub enum Abandoned {
    /// The attempt was cancelled while the step ran; the step's thread is left to notice.
    Cancelled,
    /// The step's thread could not start, or panicked (its message went to stderr).
    Lost,
}

pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not turn cancellation into a second panic: the data (a child handle,
    // a progress pair) stays meaningful.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Has the kernel kill the child when the thread that started it dies: a container killed
/// mid-encode (SIGKILL runs no cleanup) must not leave its ffmpeg running. The starting thread
/// is the one that waits on the child (`run_child`), so the child never outlives it otherwise.
fn die_with_parent(command: &mut Command) -> &mut Command {
    #[allow(unsafe_code, reason = "prctl between fork and exec; it only sets a flag of the new process")]
    // SAFETY: the closure runs in the forked child before exec and calls only prctl, which is
    // async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

impl Control {
    pub fn new(job_id: &str, attempt: u32) -> Self {
        Self {
            label: format!("job {job_id} attempt {attempt}"),
            cancelled: AtomicBool::new(false),
            timed_out: AtomicBool::new(false),
            children: Mutex::new(Vec::new()),
            progress: Mutex::new((0.0, "starting")),
            started: std::time::Instant::now(),
        }
    }

    /// Logs to stderr with the attempt's label (the container's only log sink).
    pub fn log(&self, message: impl Display) {
        eprintln!("media-container: {}: {message}", self.label);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// Stops an attempt that ran past its wall-clock limit, as a cancel does, but remembered as a
    /// failure to report.
    pub fn time_out(&self) {
        self.timed_out.store(true, Ordering::SeqCst);
        self.log("timed out");
        self.cancel();
    }

    pub fn has_timed_out(&self) -> bool {
        self.timed_out.load(Ordering::SeqCst)
    }

    /// Stops the attempt: raises the flag and kills the running children, if any, at once.
    pub fn cancel(&self) {
        if !self.cancelled.swap(true, Ordering::SeqCst) {
            self.log("cancelled");
        }
        self.kill_child();
    }

    /// Kills the running children, if any, without cancelling the attempt: their output is no
    /// longer wanted (the step they ran beside has already failed).
    pub fn kill_child(&self) {
        for child in lock(&self.children).iter_mut() {
            // An error means it has already exited: nothing to kill.
            let _ = child.kill();
        }
    }

    pub fn set_progress(&self, fraction: f64, stage: &'static str) {
        let previous = std::mem::replace(&mut *lock(&self.progress), (fraction.clamp(0.0, 1.0), stage)).1;
        if previous != stage {
            self.log(format_args!("{stage} from {} ms", self.started.elapsed().as_millis()));
        }
    }

    pub fn progress(&self) -> (f64, &'static str) {
        *lock(&self.progress)
    }

    /// Runs `command` to its end unless the attempt is cancelled, in which case the child is
    /// killed (by `cancel`, or here if the cancel came while it was starting).
    pub fn run_child(&self, command: &mut Command) -> Result<ExitStatus, ChildError> {
        if self.is_cancelled() {
            return Err(ChildError::Cancelled);
        }
        let child = die_with_parent(command).spawn().map_err(ChildError::Spawn)?;
        self.wait_child(child)
    }

    /// `run_child` for a child whose stdout is piped: each line it prints goes to `on_line` (on a
    /// reader thread, which ends when the child closes its stdout).
    pub fn run_child_reporting(
        &self,
        command: &mut Command,
        mut on_line: impl FnMut(&str) + Send + 'static,
    ) -> Result<ExitStatus, ChildError> {
        if self.is_cancelled() {
            return Err(ChildError::Cancelled);
        }
        let mut child = die_with_parent(command).stdout(Stdio::piped()).spawn().map_err(ChildError::Spawn)?;
        if let Some(stdout) = child.stdout.take() {
            let reader = thread::Builder::new().name("media-child-output".into()).spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    on_line(&line);
                }
            });
            if let Err(err) = reader {
                // progress is a nicety: the child runs on without it (its pipe closes with the reader)
                self.log(format_args!("cannot read the child's output: {err}"));
            }
        }
        self.wait_child(child)
    }

    fn wait_child(&self, child: Child) -> Result<ExitStatus, ChildError> {
        let pid = child.id();
        lock(&self.children).push(child);
        loop {
            {
                let mut children = lock(&self.children);
                let Some(index) = children.iter().position(|c| c.id() == pid) else {
                    return Err(ChildError::Wait(std::io::Error::other("child handle lost")));
                };
                let child = &mut children[index];
                // `cancel` may have run while the child was starting, before it was listed.
                if self.is_cancelled() {
                    let _ = child.kill();
                }
                match child.try_wait() {
                    Ok(Some(status)) => {
                        // reaped by `try_wait`: this `wait` returns the status it kept
                        let _ = children.swap_remove(index).wait();
                        return if self.is_cancelled() { Err(ChildError::Cancelled) } else { Ok(status) };
                    }
                    Ok(None) => {}
                    Err(err) => {
                        let _ = child.kill();
                        let _ = children.swap_remove(index).wait();
                        return Err(ChildError::Wait(err));
                    }
                }
            }
            thread::sleep(POLL);
        }
    }

    /// Runs `step` on its own thread and waits for it unless the attempt is cancelled first. A
    /// network read can block for as long as the peer stalls; this is how such a step is abandoned
    /// within moments of a cancel (its thread ends at its next read or timeout).
    pub fn abandon_on_cancel<T: Send + 'static>(
        self: &Arc<Self>,
        step: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Abandoned> {
        let (sender, receiver) = mpsc::channel();
        thread::Builder::new()
            .name("media-step".into())
            .spawn(move || {
                // The receiver is gone only when the attempt stopped waiting: nobody needs the value.
                let _ = sender.send(step());
            })
            .map_err(|err| {
                self.log(format_args!("cannot start a thread: {err}"));
                Abandoned::Lost
            })?;
        loop {
            match receiver.recv_timeout(POLL) {
                Ok(value) => return Ok(value),
                Err(RecvTimeoutError::Timeout) if self.is_cancelled() => return Err(Abandoned::Cancelled),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Err(Abandoned::Lost),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn cancelling_kills_a_running_child_at_once() {
        let control = Arc::new(Control::new("job_t", 1));
        let canceller = Arc::clone(&control);
        let started = Instant::now();
        let cancel = thread::spawn(move || {
            thread::sleep(Duration::from_millis(200));
            canceller.cancel();
        });
        let outcome = control.run_child(Command::new("sleep").arg("30"));
        assert!(matches!(outcome, Err(ChildError::Cancelled)), "{outcome:?}");
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
        cancel.join().expect("canceller");
        assert!(control.children.lock().expect("children").is_empty());
    }

    #[test]
    fn cancelling_kills_every_child_running_at_once() {
        let control = Arc::new(Control::new("job_t", 1));
        let started = Instant::now();
        let outcomes: Vec<_> = thread::scope(|scope| {
            let runs: Vec<_> =
                (0..2).map(|_| scope.spawn(|| control.run_child(Command::new("sleep").arg("30")))).collect();
            thread::sleep(Duration::from_millis(300));
            control.cancel();
            runs.into_iter().map(|run| run.join().expect("run")).collect()
        });
        assert!(outcomes.iter().all(|o| matches!(o, Err(ChildError::Cancelled))), "{outcomes:?}");
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
        assert!(control.children.lock().expect("children").is_empty());
    }

    #[test]
    fn a_child_that_ends_reports_its_status() {
        let control = Control::new("job_t", 1);
        let status = control.run_child(Command::new("sh").args(["-c", "exit 3"])).expect("ran");
        assert_eq!(status.code(), Some(3));
        assert!(matches!(control.run_child(&mut Command::new("/nonexistent/ffmpeg")), Err(ChildError::Spawn(_))));
        control.cancel();
        assert!(matches!(control.run_child(Command::new("sleep").arg("30")), Err(ChildError::Cancelled)));
    }

    #[test]
    fn a_reporting_child_hands_over_every_line() {
        let control = Control::new("job_t", 1);
        let (sender, receiver) = mpsc::channel();
        let mut command = Command::new("sh");
        command.args(["-c", "echo out_time_us=5; echo progress=end"]);
        let status = control.run_child_reporting(&mut command, move |line| sender.send(line.to_owned()).expect("sent"));
        assert!(status.expect("ran").success());
        let lines: Vec<String> = receiver.iter().collect();
        assert_eq!(lines, ["out_time_us=5", "progress=end"]);
    }

    #[test]
    fn a_stalled_step_is_abandoned_on_cancel_and_a_panicking_one_is_reported() {
        let control = Arc::new(Control::new("job_t", 1));
        assert_eq!(control.abandon_on_cancel(|| 7), Ok(7));
        assert_eq!(control.abandon_on_cancel(|| -> u8 { panic!("step failed") }), Err(Abandoned::Lost));
        let canceller = Arc::clone(&control);
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(100));
            canceller.cancel();
        });
        let started = Instant::now();
        let stalled = control.abandon_on_cancel(|| thread::sleep(Duration::from_secs(30)));
        assert_eq!(stalled, Err(Abandoned::Cancelled));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
