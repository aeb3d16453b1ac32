//! The container's side of an attempt's links (`roughcut_shared::jobs::JobLinks`): the HTTP
//! clients, heartbeats and the outcome (outputs are `output`'s). ureq is synchronous, so all of
//! this runs on blocking threads, never on the server's async workers.

use std::thread;
use std::time::Duration;

use roughcut_shared::jobs::{Heartbeat, HeartbeatReply, JobOutcome, OUTPUT_NAME_PLACEHOLDER};
use ureq::Agent;

use crate::control::Control;

/// Heartbeats and the outcome are small: a worker that takes longer than this is as good as down
/// for this call, and the next heartbeat will try again.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(15);
/// Transfers are as long as the media, so they have no overall deadline; a peer silent for this
/// long mid-transfer is treated as gone (the download then resumes where it stopped).
const STALL_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// Tries of the outcome POST after the first (network errors and 5xx only).
const RESULT_RETRIES: u32 = 3;
const RESULT_BACKOFF: Duration = Duration::from_millis(500);

/// The HTTP clients, built once per process (each keeps a pool of connections to the worker).
#[derive(Debug, Clone)]
pub struct Http {
    control: Agent,
    transfer: Agent,
}

/// What a heartbeat learned.
#[derive(Debug)]
pub enum HeartbeatAnswer {
    Continue,
    /// The worker says the attempt is over (`{"cancel":true}`, or it refuses the attempt's links).
    Cancel,
    /// No usable answer; the attempt carries on and the next heartbeat tries again.
    Unanswered(String),
}

/// Statuses with which the worker refuses the links of an attempt that has ended (cancelled,
/// superseded, expired): the attempt must stop.
fn attempt_is_over(status: u16) -> bool {
    matches!(status, 403 | 404 | 409 | 410)
}

/// `template` (a `JobLinks::output`) with its placeholder replaced by `name`, a plain file name
/// (`is_output_name`), so no escaping is needed.
pub fn output_url(template: &str, name: &str) -> String {
    template.replace(OUTPUT_NAME_PLACEHOLDER, name)
}

impl Http {
    pub fn new() -> Self {
        // Statuses are answers to branch on, not errors.
        let control = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(CONTROL_TIMEOUT))
            .build()
            .into();
        let transfer = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_per_read(Some(STALL_TIMEOUT))
            .timeout_per_write(Some(STALL_TIMEOUT))
            .build()
            .into();
        Self { control, transfer }
    }

    pub fn transfer(&self) -> &Agent {
        &self.transfer
    }

    pub fn heartbeat(&self, url: &str, heartbeat: &Heartbeat) -> HeartbeatAnswer {
        let mut response = match self.control.post(url).send_json(heartbeat) {
            Ok(response) => response,
            Err(err) => return HeartbeatAnswer::Unanswered(format!("heartbeat not delivered: {err}")),
        };
        let status = response.status().as_u16();
        if attempt_is_over(status) {
            return HeartbeatAnswer::Cancel;
        }
        if !response.status().is_success() {
            return HeartbeatAnswer::Unanswered(format!("heartbeat answered {status}"));
        }
        match response.body_mut().read_json::<HeartbeatReply>() {
            Ok(HeartbeatReply { cancel: true }) => HeartbeatAnswer::Cancel,
            Ok(HeartbeatReply { cancel: false }) => HeartbeatAnswer::Continue,
            Err(err) => HeartbeatAnswer::Unanswered(format!("unreadable heartbeat reply: {err}")),
        }
    }

    /// POSTs the outcome, retrying what may be transient. Nothing is returned: when the worker
    /// cannot be told, its lease on the attempt runs out and it retries or fails the job itself.
    pub fn post_result(&self, url: &str, outcome: &JobOutcome, control: &Control) {
        for attempt in 0..=RESULT_RETRIES {
            if attempt > 0 {
                thread::sleep(RESULT_BACKOFF * attempt);
            }
            match self.control.post(url).send_json(outcome) {
                Ok(response) if response.status().is_success() => return,
                Ok(response) if matches!(response.status().as_u16(), 409 | 410) => {
                    control.log("the worker says the attempt is already over; outcome dropped");
                    return;
                }
                Ok(response) if response.status().is_server_error() => {
                    control.log(format_args!("outcome answered {}", response.status()));
                }
                Ok(response) => {
                    control.log(format_args!("outcome refused with {}", response.status()));
                    return;
                }
                Err(err) => control.log(format_args!("outcome not delivered: {err}")),
            }
        }
        control.log("outcome undelivered after retries");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_links_name_their_output() {
        let template = "http://w/internal/jobs/job_1/outputs/{name}?attempt=1&sig=ab";
        assert_eq!(
            output_url(template, "speech-002.wav"),
            "http://w/internal/jobs/job_1/outputs/speech-002.wav?attempt=1&sig=ab"
        );
    }
}
