//! Leased jobs: a row per job (kind, subject, state, attempt, lease) and a queue message that
//! starts each attempt. An attempt is claimed once (a duplicate message finds the job no longer
//! `queued`), renewed by heartbeats, and ended once (a late or duplicate callback finds its
//! attempt over and changes nothing). A failed or abandoned attempt is retried with backoff up to
//! the job's limit, then the job fails.

pub mod links;
pub mod payload;
pub mod runner;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreError;
use super::ids::{IdKind, new_id};
use super::time::Timestamp;
pub use payload::JobPayload;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Probe and analyse an uploaded file (media container).
    ProcessAsset,
    /// The same for a video's audio proxy (media container).
    ProcessAudioProxy,
    /// Send an asset's speech chunks to the transcriber (in the worker).
    TranscribeAsset,
    /// Plan a cut (in the worker).
    PlanCut,
    /// Encode a render (media container).
    Render,
}

impl JobKind {
    const ALL: [Self; 5] =
        [Self::ProcessAsset, Self::ProcessAudioProxy, Self::TranscribeAsset, Self::PlanCut, Self::Render];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ProcessAsset => "process_asset",
            Self::ProcessAudioProxy => "process_audio_proxy",
            Self::TranscribeAsset => "transcribe_asset",
            Self::PlanCut => "plan_cut",
            Self::Render => "render",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobState {
    const ALL: [Self; 5] = [Self::Queued, Self::Running, Self::Succeeded, Self::Failed, Self::Cancelled];
    /// Not ended: an attempt may still run; only these may be cancelled.
    pub const OPEN: [Self; 2] = [Self::Queued, Self::Running];

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub id: String,
    pub account_id: String,
    pub subject_id: String,
    pub state: JobState,
    /// Attempts started so far (the running one included).
    pub attempt: u32,
    pub max_attempts: u32,
    pub lease_expires_at: Option<Timestamp>,
    /// What the job is and needs beyond its subject.
    pub payload: JobPayload,
    /// The code of the last failed attempt.
    pub last_error: Option<String>,
    pub created_at: Timestamp,
}

/// Attempts before a job fails for good: the first and four retries.
pub const MAX_ATTEMPTS: u32 = 5;

impl JobRecord {
    pub fn new(account_id: &str, subject_id: &str, payload: JobPayload, now: Timestamp) -> Self {
        Self {
            id: new_id(IdKind::Job, now),
            account_id: account_id.to_owned(),
            subject_id: subject_id.to_owned(),
            state: JobState::Queued,
            attempt: 0,
            max_attempts: MAX_ATTEMPTS,
            lease_expires_at: None,
            payload,
            last_error: None,
            created_at: now,
        }
    }

    pub const fn kind(&self) -> JobKind {
        self.payload.kind()
    }
}

/// The message that starts an attempt: only the job's id (the row is the truth).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobMessage {
    pub job_id: String,
}

/// How an attempt ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptEnd {
    Succeeded,
    /// Back to `queued` for another attempt.
    Retry {
        error_code: String,
        error_message: String,
    },
    Failed {
        error_code: String,
        error_message: String,
    },
}

#[async_trait(?Send)]
pub trait JobStore {
    async fn job(&self, job_id: &str) -> Result<Option<JobRecord>, StoreError>;
    /// `queued` → `running` with the next attempt and a lease until `lease_until`; `None` when
    /// the job is not queued (a duplicate message, a cancelled job).
    async fn claim_job(
        &self,
        job_id: &str,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Option<JobRecord>, StoreError>;
    /// Extends the lease of a running `attempt`; `false` when that attempt is over.
    async fn renew_lease(
        &self,
        job_id: &str,
        attempt: u32,
        progress: f64,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Puts a running `attempt` back to `queued` as if it had not started (the media container was
    /// busy: no attempt is spent); `false` when it is over already.
    async fn defer_attempt(&self, job_id: &str, attempt: u32, now: Timestamp) -> Result<bool, StoreError>;
    /// Ends a running `attempt`; `false` (and no change) when it is over already.
    async fn end_attempt(
        &self,
        job_id: &str,
        attempt: u32,
        end: &AttemptEnd,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// `queued`/`running` → `cancelled` (its links die with it); `false` when it had ended.
    async fn cancel_job(&self, job_id: &str, now: Timestamp) -> Result<bool, StoreError>;
    /// The jobs about `subject_id`, oldest first.
    async fn jobs_of(&self, subject_id: &str) -> Result<Vec<JobRecord>, StoreError>;
    /// Running jobs whose lease ran out before `now`, oldest first.
    async fn expired_leases(&self, now: Timestamp, limit: u32) -> Result<Vec<JobRecord>, StoreError>;
    /// Queued jobs untouched since `before`, least recently touched first.
    async fn stalled_jobs(&self, before: Timestamp, limit: u32) -> Result<Vec<JobRecord>, StoreError>;
}

/// Starts jobs: stores the row and sends its message (after `delay_seconds`).
#[async_trait(?Send)]
pub trait JobQueue {
    async fn submit(&self, job: &JobRecord) -> Result<(), StoreError>;
    async fn resend(&self, job_id: &str, delay_seconds: u32) -> Result<(), StoreError>;
}

impl JobRecord {
    pub fn to_info(&self) -> roughcut_shared::jobs::JobInfo {
        roughcut_shared::jobs::JobInfo {
            id: self.id.clone(),
            kind: self.kind().as_str().to_owned(),
            subject_id: self.subject_id.clone(),
            state: self.state.as_str().to_owned(),
            attempt: self.attempt,
            max_attempts: self.max_attempts,
            error_code: self.last_error.clone(),
            created_at: self.created_at.to_rfc3339(),
        }
    }
}

/// Seconds before retry `attempt + 1` after attempt `attempt` failed: 5 s, 20 s, 80 s, 320 s,
/// then at most 15 minutes — a flaky container gets time to come back, a dead one is not hammered.
pub fn backoff_seconds(attempt: u32) -> u32 {
    let exponent = attempt.saturating_sub(1).min(8);
    (5u32 << (2 * exponent)).min(900)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let delays: Vec<u32> = (1..=7).map(backoff_seconds).collect();
        assert_eq!(delays, [5, 20, 80, 320, 900, 900, 900]);
    }

    #[test]
    fn kinds_and_states_round_trip() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.as_str()), Some(kind));
        }
        for state in JobState::ALL {
            assert_eq!(JobState::parse(state.as_str()), Some(state));
        }
        assert_eq!(JobKind::parse("transcode"), None);
    }
}
