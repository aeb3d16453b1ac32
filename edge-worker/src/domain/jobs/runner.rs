//! The one job runner: a queue message claims the next attempt, whose kind's handler either runs
//! it here (transcription, planning) or names the media container's task; the container's
//! heartbeats renew the lease and learn of cancellation; its report is applied once; a failed
//! attempt is retried with backoff, and a job that fails for good hands its subject to the handler.
//! A lease that runs out is a failed attempt. The runner knows no kind: handlers do.

use crate::domain::config::RunnerConfig;
use crate::domain::ports::jobs::{DispatchError, MediaDispatch, Renewal};
use async_trait::async_trait;
use roughcut_shared::jobs::{Heartbeat, HeartbeatReply, JobOutcome, JobResult, MediaJob, MediaTask};

use super::attempt_urls;
use super::backoff_seconds;
use crate::domain::StoreError;
use crate::domain::ports::jobs::MediaInput;
use crate::domain::ports::jobs::{AttemptEnd, JobKind, JobQueue, JobRecord, JobState, JobStore};
use crate::domain::ports::{Clock, Log};

/// How an attempt that a handler ran (or declined) ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Succeeded,
    /// A failed attempt: retried while attempts remain and `retryable`, else the job fails.
    Failed {
        error_code: String,
        error_message: String,
        retryable: bool,
    },
    /// The subject is gone (deleted meanwhile): the job ends failed, and nothing else changes.
    SubjectGone {
        error_message: String,
    },
}

/// What a handler made of a claimed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    /// The media container is to run this task; its report ends the attempt.
    Container(MediaTask),
    /// The handler ran the attempt itself.
    Ended(Ended),
    /// The subject is not ready for the job yet (a pipeline step whose asset is still
    /// processing): the attempt is put back unspent and tried again after this many seconds.
    Later { retry_after_seconds: u32 },
}

/// One kind of job's part: beginning an attempt, applying the container's result, and what a job
/// that failed for good does to its subject.
#[async_trait(?Send)]
pub trait JobHandler {
    async fn begin(&self, job: &JobRecord) -> Result<Begun, StoreError>;
    /// The container's result of a running attempt, applied while it is still the running one.
    async fn succeeded(&self, job: &JobRecord, result: JobResult) -> Result<(), StoreError>;
    async fn failed(&self, job: &JobRecord, error_code: &str, error_message: &str) -> Result<(), StoreError>;
    /// A running attempt's progress (0–1), as its heartbeat reported it; most kinds keep it in
    /// the job row alone.
    async fn progressed(&self, _job: &JobRecord, _progress: f64) -> Result<(), StoreError> {
        Ok(())
    }
}

/// The handler of each kind.
pub trait JobHandlers {
    fn handler(&self, kind: JobKind) -> &dyn JobHandler;
}

/// Whether a report changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    Applied,
    /// The attempt was over already (late, duplicate or superseded): nothing changed.
    Stale,
}

/// The runner over its stores and the handlers `H`.
pub struct Runner<'a, H> {
    pub jobs: &'a dyn JobStore,
    pub queue: &'a dyn JobQueue,
    pub media: &'a dyn MediaDispatch,
    pub clock: &'a dyn Clock,
    pub log: &'a dyn Log,
    pub config: &'a RunnerConfig,
    pub handlers: H,
}

impl<H> std::fmt::Debug for Runner<'_, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner").field("config", &self.config).finish_non_exhaustive()
    }
}

impl<H: JobHandlers> Runner<'_, H> {
    /// A queue message for `job_id`: claims its next attempt and runs it. A message for a job
    /// that is not queued (a duplicate delivery, a cancelled job) does nothing.
    pub async fn start_attempt(&self, job_id: &str) -> Result<(), StoreError> {
        let now = self.clock.now();
        let Some(job) = self.jobs.claim_job(job_id, now, self.config.lease_until(now)).await? else { return Ok(()) };
        // A storage failure mid-attempt (the claimed job would otherwise wait for its lease to
        // run out): the attempt fails and is retried with backoff.
        if let Err(error) = self.run(&job).await {
            self.log.error(&job.id, &format!("attempt {}: {error}", job.attempt));
            let failed = Ended::Failed {
                error_code: "internal".into(),
                error_message: "The job could not be run.".into(),
                retryable: true,
            };
            self.end(&job, job.attempt, failed).await?;
        }
        Ok(())
    }

    async fn run(&self, job: &JobRecord) -> Result<(), StoreError> {
        match self.handlers.handler(job.kind()).begin(job).await? {
            Begun::Container(task) => self.dispatch(job, task).await,
            Begun::Ended(ended) => self.end(job, job.attempt, ended).await.map(drop),
            Begun::Later { retry_after_seconds } => self.defer(job, retry_after_seconds).await,
        }
    }

    /// Puts the attempt back without spending it, and sends its message again after a while.
    async fn defer(&self, job: &JobRecord, retry_after_seconds: u32) -> Result<(), StoreError> {
        if self.jobs.defer_attempt(&job.id, job.attempt, self.clock.now()).await? {
            self.queue.resend(&job.id, retry_after_seconds).await?;
        }
        Ok(())
    }

    async fn dispatch(&self, job: &JobRecord, task: MediaTask) -> Result<(), StoreError> {
        let now = self.clock.now();
        let config = self.config;
        let media_job = MediaJob {
            job_id: job.id.clone(),
            attempt: job.attempt,
            task,
            links: attempt_urls::sign(&config.signing_secret, &config.origin, &job.id, job.attempt, now),
        };
        match self.media.dispatch(&media_job).await {
            Ok(()) => {}
            Err(DispatchError::Busy { retry_after_seconds }) => self.defer(job, retry_after_seconds).await?,
            Err(DispatchError::Failed(cause)) => {
                self.log.error(&job.id, &format!("dispatching attempt {}: {cause}", job.attempt));
                let failed = Ended::Failed {
                    error_code: "media_unavailable".into(),
                    error_message: "The media service did not take the job.".into(),
                    retryable: true,
                };
                self.end(job, job.attempt, failed).await?;
            }
        }
        Ok(())
    }

    /// Ends `attempt` of `job` as `ended` says, retried with backoff while attempts remain and
    /// the failure is worth retrying; a job that fails for good fails its subject. `false` (and no
    /// change) when the attempt was over already.
    async fn end(&self, job: &JobRecord, attempt: u32, ended: Ended) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let (error_code, error_message, retryable) = match ended {
            Ended::Succeeded => return self.jobs.end_attempt(&job.id, attempt, &AttemptEnd::Succeeded, now).await,
            Ended::SubjectGone { error_message } => {
                let end = AttemptEnd::Failed { error_code: "not_found".into(), error_message };
                return self.jobs.end_attempt(&job.id, attempt, &end, now).await;
            }
            Ended::Failed { error_code, error_message, retryable } => (error_code, error_message, retryable),
        };
        let retry = retryable && attempt < job.max_attempts;
        let end = if retry {
            AttemptEnd::Retry { error_code: error_code.clone(), error_message: error_message.clone() }
        } else {
            AttemptEnd::Failed { error_code: error_code.clone(), error_message: error_message.clone() }
        };
        if !self.jobs.end_attempt(&job.id, attempt, &end, now).await? {
            return Ok(false);
        }
        if retry {
            self.queue.resend(&job.id, backoff_seconds(attempt)).await?;
        } else {
            self.handlers.handler(job.kind()).failed(job, &error_code, &error_message).await?;
        }
        Ok(true)
    }

    /// The job, if `attempt` is its running attempt (its URLs work only then).
    pub async fn running_attempt(&self, job_id: &str, attempt: u32) -> Result<Option<JobRecord>, StoreError> {
        let job = self.jobs.job(job_id).await?;
        Ok(job.filter(|job| job.state == JobState::Running && job.attempt == attempt))
    }

    /// The object a running attempt reads.
    pub async fn input_of(&self, job_id: &str, attempt: u32) -> Result<Option<MediaInput>, StoreError> {
        Ok(self.running_attempt(job_id, attempt).await?.and_then(|job| job.payload.media_input()))
    }

    /// A heartbeat renews the lease of a running attempt; any other is told to stop.
    pub async fn heartbeat(&self, job_id: &str, attempt: u32, beat: &Heartbeat) -> Result<HeartbeatReply, StoreError> {
        let now = self.clock.now();
        let progress = if beat.progress.is_finite() { beat.progress.clamp(0.0, 1.0) } else { 0.0 };
        let renewal = Renewal { progress, at: now, until: self.config.lease_until(now) };
        let alive = self.jobs.renew_lease(job_id, attempt, &renewal).await?;
        if alive && let Some(job) = self.jobs.job(job_id).await? {
            self.handlers.handler(job.kind()).progressed(&job, progress).await?;
        }
        Ok(HeartbeatReply { cancel: !alive })
    }

    /// The container's report of how an attempt ended. Its effects are applied while the attempt
    /// is still the running one, and each is idempotent, so a report repeated after a lost answer
    /// finds the attempt over and changes nothing.
    pub async fn report(&self, job_id: &str, attempt: u32, outcome: JobOutcome) -> Result<Reported, StoreError> {
        let Some(job) = self.running_attempt(job_id, attempt).await? else { return Ok(Reported::Stale) };
        match outcome {
            JobOutcome::Succeeded { result } => {
                self.handlers.handler(job.kind()).succeeded(&job, result).await?;
                self.end(&job, attempt, Ended::Succeeded).await?;
                Ok(Reported::Applied)
            }
            JobOutcome::Failed(failure) => {
                let failed = Ended::Failed {
                    error_code: failure.error_code,
                    error_message: failure.error_message,
                    retryable: failure.retryable,
                };
                let applied = self.end(&job, attempt, failed).await?;
                Ok(if applied { Reported::Applied } else { Reported::Stale })
            }
        }
    }

    /// The scheduled check: attempts whose lease ran out (the container died or lost the job)
    /// are failed attempts, retried or failed for good. Returns how many it found.
    pub async fn expire_leases(&self) -> Result<usize, StoreError> {
        let expired = self.jobs.expired_leases(self.clock.now(), 100).await?;
        for job in &expired {
            let failed = Ended::Failed {
                error_code: "lease_expired".into(),
                error_message: "The media service stopped answering.".into(),
                retryable: true,
            };
            self.end(job, job.attempt, failed).await?;
        }
        Ok(expired.len())
    }
}
