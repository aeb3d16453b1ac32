//! The heartbeat thread of an attempt: tells the worker the attempt is alive and how far along it
//! is (renewing its lease), and is how a cancel reaches the container.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread;
use std::time::Duration;

use roughcut_shared::jobs::Heartbeat;

use crate::control::Control;
use crate::worker_client::{HeartbeatAnswer, Http};

/// Stops the heartbeats when dropped. The thread is not joined: one last heartbeat may still be in
/// flight, and the attempt need not wait for it.
#[derive(Debug)]
pub struct Heartbeats {
    _stop: Sender<()>,
}

/// Sends a heartbeat at once and then every `every` until the returned guard is dropped.
pub fn start(http: Http, url: String, control: Arc<Control>, every: Duration) -> Heartbeats {
    let (stop, stopped) = mpsc::channel::<()>();
    let beat = move || {
        loop {
            if control.is_cancelled() {
                return;
            }
            let (progress, stage) = control.progress();
            match http.heartbeat(&url, &Heartbeat { progress, stage: stage.to_owned() }) {
                HeartbeatAnswer::Continue => {}
                HeartbeatAnswer::Cancel => {
                    control.cancel();
                    return;
                }
                HeartbeatAnswer::Unanswered(detail) => control.log(detail),
            }
            // Nothing is ever sent: only the guard's drop (a disconnect) ends the wait early.
            if stopped.recv_timeout(every) != Err(RecvTimeoutError::Timeout) {
                return;
            }
        }
    };
    if let Err(err) = thread::Builder::new().name("media-heartbeat".into()).spawn(beat) {
        // Without heartbeats the lease runs out and the worker retries the job elsewhere; the
        // attempt itself can still finish and report.
        eprintln!("media-container: cannot start a heartbeat thread: {err}");
    }
    Heartbeats { _stop: stop }
}
