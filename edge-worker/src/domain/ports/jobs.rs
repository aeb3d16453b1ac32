//! Leased jobs as stored: a row per job (its payload says its kind and what it needs beyond its
//! subject, typed; D1 keeps the kind in its own column and the input as JSON beside it), the
//! queue that starts each attempt, and the media container jobs are handed to.

use async_trait::async_trait;
use roughcut_shared::jobs::{MediaJob, RenderSpec};
use serde::{Deserialize, Serialize};

use crate::domain::StoreError;
use crate::domain::ids::{IdKind, new_id};
use crate::domain::time::Timestamp;

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
    /// Run a pipeline's step (in the worker): start its cut or render.
    PipelineStep,
}

impl JobKind {
    const ALL: [Self; 6] = [
        Self::ProcessAsset,
        Self::ProcessAudioProxy,
        Self::TranscribeAsset,
        Self::PlanCut,
        Self::Render,
        Self::PipelineStep,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ProcessAsset => "process_asset",
            Self::ProcessAudioProxy => "process_audio_proxy",
            Self::TranscribeAsset => "transcribe_asset",
            Self::PlanCut => "plan_cut",
            Self::Render => "render",
            Self::PipelineStep => "pipeline_step",
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

/// A message of the jobs queue, which starts an attempt: of a job, or of a webhook delivery.
/// Only the id (the row is the truth).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum QueueMessage {
    Job { job_id: String },
    Delivery { delivery_id: String },
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

/// A heartbeat's renewal of a running attempt's lease.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Renewal {
    pub progress: f64,
    pub at: Timestamp,
    /// The lease's new end.
    pub until: Timestamp,
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
    async fn renew_lease(&self, job_id: &str, attempt: u32, renewal: &Renewal) -> Result<bool, StoreError>;
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

/// The bytes a media job reads: the asset's file or its audio proxy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaInput {
    pub object_key: String,
    pub size_bytes: u64,
}

/// A speech chunk the container wrote, where it lies in R2 and in the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChunk {
    pub key: String,
    pub start_ms: u64,
    pub duration_ms: u64,
}

/// What a transcription job reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptionInput {
    pub chunks: Vec<StoredChunk>,
    pub duration_ms: u64,
    /// The speech is an audio proxy's: settling makes the asset cuttable, not ready.
    pub proxy: bool,
}

/// What a render job reads and makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderJobInput {
    pub object_key: String,
    pub size_bytes: u64,
    pub spec: RenderSpec,
}

/// Which step of its pipeline (the job's subject) a pipeline job runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepInput {
    pub step_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobPayload {
    /// Probe and analyse an uploaded file (media container).
    ProcessAsset(MediaInput),
    /// The same for a video's audio proxy (media container).
    ProcessAudioProxy(MediaInput),
    /// Send an asset's speech chunks to the transcriber (in the worker).
    TranscribeAsset(TranscriptionInput),
    /// Plan a cut (in the worker): the cut row holds everything.
    PlanCut,
    /// Encode a render (media container).
    Render(RenderJobInput),
    /// Run a pipeline's step (in the worker).
    PipelineStep(StepInput),
}

impl JobPayload {
    pub const fn kind(&self) -> JobKind {
        match self {
            Self::ProcessAsset(_) => JobKind::ProcessAsset,
            Self::ProcessAudioProxy(_) => JobKind::ProcessAudioProxy,
            Self::TranscribeAsset(_) => JobKind::TranscribeAsset,
            Self::PlanCut => JobKind::PlanCut,
            Self::Render(_) => JobKind::Render,
            Self::PipelineStep(_) => JobKind::PipelineStep,
        }
    }

    /// The object the media container downloads for this job, if it reads one.
    pub fn media_input(&self) -> Option<MediaInput> {
        match self {
            Self::ProcessAsset(input) | Self::ProcessAudioProxy(input) => Some(input.clone()),
            Self::Render(input) => {
                Some(MediaInput { object_key: input.object_key.clone(), size_bytes: input.size_bytes })
            }
            Self::TranscribeAsset(_) | Self::PlanCut | Self::PipelineStep(_) => None,
        }
    }

    /// The input as stored beside the kind: JSON, or nothing for a kind that has none.
    pub fn to_json(&self) -> Result<Option<String>, StoreError> {
        let json = match self {
            Self::ProcessAsset(input) | Self::ProcessAudioProxy(input) => serde_json::to_string(input),
            Self::TranscribeAsset(input) => serde_json::to_string(input),
            Self::Render(input) => serde_json::to_string(input),
            Self::PipelineStep(input) => serde_json::to_string(input),
            Self::PlanCut => return Ok(None),
        };
        json.map(Some).map_err(|e| StoreError(format!("a {} payload: {e}", self.kind().as_str())))
    }

    /// The payload of a stored job of `kind`; an error names what is wrong (a row we wrote and
    /// cannot read is corrupt).
    pub fn from_stored(kind: JobKind, json: Option<&str>) -> Result<Self, String> {
        fn input<T: serde::de::DeserializeOwned>(kind: JobKind, json: Option<&str>) -> Result<T, String> {
            let json = json.ok_or_else(|| format!("a {} job without its input", kind.as_str()))?;
            serde_json::from_str(json).map_err(|e| format!("a {} job's input: {e}", kind.as_str()))
        }
        Ok(match kind {
            JobKind::ProcessAsset => Self::ProcessAsset(input(kind, json)?),
            JobKind::ProcessAudioProxy => Self::ProcessAudioProxy(input(kind, json)?),
            JobKind::TranscribeAsset => Self::TranscribeAsset(input(kind, json)?),
            JobKind::PlanCut => Self::PlanCut,
            JobKind::Render => Self::Render(input(kind, json)?),
            JobKind::PipelineStep => Self::PipelineStep(input(kind, json)?),
        })
    }
}

/// Why a job could not be handed to the media container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DispatchError {
    /// The container is at capacity and asks to be called again after this many seconds: the
    /// job waits its turn without spending an attempt.
    Busy { retry_after_seconds: u32 },
    /// Unreachable, or it refused the job: a failed attempt.
    Failed(String),
}

/// The media container, over whichever transport the deployment has (`MEDIA_URL` locally, the
/// Containers binding in production).
#[async_trait(?Send)]
pub trait MediaDispatch {
    async fn dispatch(&self, job: &MediaJob) -> Result<(), DispatchError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind() -> Vec<JobPayload> {
        let media = MediaInput { object_key: "assets/ast_1/source".into(), size_bytes: 9 };
        let chunk = StoredChunk { key: "derived/ast_1/job_1/speech-000.wav".into(), start_ms: 0, duration_ms: 600_000 };
        let spec = RenderSpec {
            format: roughcut_shared::renders::RenderFormat::Mp3,
            segments: vec![(0, 1_500), (2_000, 90_000)],
            width: None,
            height: None,
            video_bitrate_kbps: None,
            audio_bitrate_kbps: 192,
            duration_ms: 89_500,
            copy_video: false,
            copy_audio: false,
        };
        vec![
            JobPayload::ProcessAsset(media.clone()),
            JobPayload::ProcessAudioProxy(media),
            JobPayload::TranscribeAsset(TranscriptionInput { chunks: vec![chunk], duration_ms: 600_000, proxy: true }),
            JobPayload::PlanCut,
            JobPayload::Render(RenderJobInput { object_key: "assets/ast_1/source".into(), size_bytes: 9, spec }),
            JobPayload::PipelineStep(StepInput { step_id: "stp_1".into() }),
        ]
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

    #[test]
    fn every_payload_reads_back_as_stored() {
        for payload in every_kind() {
            let json = payload.to_json().expect("stored");
            assert_eq!(JobPayload::from_stored(payload.kind(), json.as_deref()), Ok(payload));
        }
    }

    #[test]
    fn an_input_of_another_kind_or_none_is_refused() {
        let transcription = every_kind().remove(2).to_json().expect("stored");
        let refused = JobPayload::from_stored(JobKind::Render, transcription.as_deref()).expect_err("not a render");
        assert!(refused.starts_with("a render job's input"), "{refused}");
        let missing = JobPayload::from_stored(JobKind::ProcessAsset, None).expect_err("no input");
        assert_eq!(missing, "a process_asset job without its input");
    }
}
