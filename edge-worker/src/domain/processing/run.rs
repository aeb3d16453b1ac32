//! Job attempts of processing: a queue message claims the next attempt and hands it to the media
//! container (or transcribes, in the worker); the container's heartbeats renew the lease and learn
//! of cancellation; its report is applied once; a lease that runs out is a failed attempt.

use roughcut_shared::assets::AssetType;
use roughcut_shared::jobs::{
    Heartbeat, HeartbeatReply, JobOutcome, JobResult, MediaJob, MediaTask, ProcessedAsset, RENDER_OUTPUT,
};

use crate::domain::renders::RenderJobInput;
use serde::de::DeserializeOwned;

use super::settle;
use super::transcribe;
use super::{
    DispatchError, MediaInput, ProbeRecord, ProcessingDeps, StoredChunk, TranscriptSource, TranscriptionInput,
    output_key,
};
use crate::domain::StoreError;
use crate::domain::jobs::{AfterFailure, AttemptEnd, Failure, JobKind, JobRecord, JobState, fail_attempt, links};
use crate::domain::time::Timestamp;

/// The job's payload, or a store error naming the job (a payload we wrote and cannot read is a
/// bug or a corrupt row, not bad input).
pub(super) fn payload<T: DeserializeOwned>(job: &JobRecord) -> Result<T, StoreError> {
    let json = job.payload.as_deref().ok_or_else(|| StoreError(format!("job {} has no payload", job.id)))?;
    serde_json::from_str(json).map_err(|e| StoreError(format!("job {} has an unreadable payload: {e}", job.id)))
}

fn lease_until(deps: &ProcessingDeps<'_>, now: Timestamp) -> Timestamp {
    Timestamp(now.0 + deps.config.lease_ms)
}

/// A queue message for `job_id`: claims its next attempt and runs it. A message for a job that is
/// not queued (a duplicate delivery) does nothing.
pub async fn start_attempt(deps: ProcessingDeps<'_>, job_id: &str) -> Result<(), StoreError> {
    let now = deps.clock.now();
    let Some(job) = deps.jobs.claim_job(job_id, now, lease_until(&deps, now)).await? else { return Ok(()) };
    let ran = match job.kind {
        JobKind::ProcessAsset | JobKind::ProcessAudioProxy | JobKind::Render => dispatch(deps, &job).await,
        JobKind::TranscribeAsset => transcribe::run(deps, &job).await,
        JobKind::PlanCut => crate::domain::cuts::planning::run(deps, &job).await,
    };
    // A storage failure mid-attempt (the claimed job would otherwise wait for its lease to run
    // out): the attempt fails and is retried with backoff.
    if let Err(error) = ran {
        deps.log.error(&job.id, &format!("attempt {}: {error}", job.attempt));
        attempt_failed(deps, &job, job.attempt, "internal", "The job could not be run.", true).await?;
    }
    Ok(())
}

/// What the container is asked to do for a media job.
fn media_task(deps: &ProcessingDeps<'_>, job: &JobRecord) -> Result<MediaTask, StoreError> {
    Ok(if job.kind == JobKind::Render {
        let input: RenderJobInput = payload(job)?;
        MediaTask::Render { input_size: input.size_bytes, spec: input.spec }
    } else {
        let input: MediaInput = payload(job)?;
        MediaTask::ProcessAsset { input_size: input.size_bytes, speech: deps.config.speech }
    })
}

async fn dispatch(deps: ProcessingDeps<'_>, job: &JobRecord) -> Result<(), StoreError> {
    let now = deps.clock.now();
    if job.kind == JobKind::Render && !deps.renders.start_render(&job.subject_id, now).await? {
        // deleted meanwhile (its job is cancelled too): nothing to encode
        let end = AttemptEnd::Failed { error_code: "not_found".into(), error_message: "The render is gone.".into() };
        deps.jobs.end_attempt(&job.id, job.attempt, &end, now).await?;
        return Ok(());
    }
    let media_job = MediaJob {
        job_id: job.id.clone(),
        attempt: job.attempt,
        task: media_task(&deps, job)?,
        links: links::links(&deps.config.signing_secret, &deps.config.origin, &job.id, job.attempt, now),
    };
    match deps.media.dispatch(&media_job).await {
        Ok(()) => {}
        Err(DispatchError::Busy { retry_after_seconds }) => {
            if deps.jobs.defer_attempt(&job.id, job.attempt, deps.clock.now()).await? {
                deps.queue.resend(&job.id, retry_after_seconds).await?;
            }
        }
        Err(DispatchError::Failed(cause)) => {
            deps.log.error(&job.id, &format!("dispatching attempt {}: {cause}", job.attempt));
            let message = "The media service did not take the job.";
            attempt_failed(deps, job, job.attempt, "media_unavailable", message, true).await?;
        }
    }
    Ok(())
}

/// A failed attempt: retried while attempts remain, else the job's subject fails.
pub(super) async fn attempt_failed(
    deps: ProcessingDeps<'_>,
    job: &JobRecord,
    attempt: u32,
    error_code: &str,
    error_message: &str,
    retryable: bool,
) -> Result<AfterFailure, StoreError> {
    let now = deps.clock.now();
    let failure = Failure { error_code, error_message, retryable };
    let after = fail_attempt(deps.jobs, deps.queue, job, attempt, failure, now).await?;
    if after == AfterFailure::Failed {
        subject_failed(deps, job, error_code, error_message).await?;
    }
    Ok(after)
}

/// A job that failed for good fails its asset — unless it was about an audio proxy, whose failure
/// only means the asset is not cuttable early (its video upload goes on).
async fn subject_failed(
    deps: ProcessingDeps<'_>,
    job: &JobRecord,
    error_code: &str,
    error_message: &str,
) -> Result<(), StoreError> {
    let proxy = match job.kind {
        JobKind::ProcessAudioProxy => true,
        JobKind::ProcessAsset => false,
        JobKind::TranscribeAsset => payload::<TranscriptionInput>(job)?.proxy,
        JobKind::PlanCut => {
            let event_id = crate::domain::ids::new_id(crate::domain::ids::IdKind::Event, deps.clock.now());
            let message = "The cut could not be planned.";
            deps.cuts.fail_cut(&job.subject_id, error_code, message, &event_id, deps.clock.now()).await?;
            return Ok(());
        }
        JobKind::Render => {
            let event_id = crate::domain::ids::new_id(crate::domain::ids::IdKind::Event, deps.clock.now());
            let message = if error_code == "unsupported_media" { error_message } else { "The render failed." };
            deps.renders.fail_render(&job.subject_id, error_code, message, &event_id, deps.clock.now()).await?;
            return Ok(());
        }
    };
    if proxy {
        deps.log.error(&job.id, &format!("audio proxy of {} not processed: {error_code}", job.subject_id));
        return Ok(());
    }
    let code = match error_code {
        // the input itself is at fault: say so; anything else is ours
        "unsupported_media" => "unsupported_media",
        "transcription_failed" => "transcription_failed",
        _ => "processing_failed",
    };
    let message = if code == "processing_failed" {
        "The file could not be processed; it was not charged."
    } else {
        error_message
    };
    let event_id = crate::domain::ids::new_id(crate::domain::ids::IdKind::Event, deps.clock.now());
    deps.store.fail_asset(&job.subject_id, code, message, &event_id, deps.clock.now()).await?;
    Ok(())
}

/// Whether `attempt` of `job_id` is the job's running attempt (its links work only then).
pub async fn running_attempt(
    deps: ProcessingDeps<'_>,
    job_id: &str,
    attempt: u32,
) -> Result<Option<JobRecord>, StoreError> {
    let job = deps.jobs.job(job_id).await?;
    Ok(job.filter(|job| job.state == JobState::Running && job.attempt == attempt))
}

/// The object a running attempt reads.
pub async fn input_of(deps: ProcessingDeps<'_>, job_id: &str, attempt: u32) -> Result<Option<MediaInput>, StoreError> {
    match running_attempt(deps, job_id, attempt).await? {
        Some(job) if job.kind == JobKind::Render => {
            let input: RenderJobInput = payload(&job)?;
            Ok(Some(MediaInput { object_key: input.object_key, size_bytes: input.size_bytes }))
        }
        Some(job) if matches!(job.kind, JobKind::ProcessAsset | JobKind::ProcessAudioProxy) => Ok(Some(payload(&job)?)),
        _ => Ok(None),
    }
}

/// Where a running attempt's output `name` goes.
pub async fn output_of(
    deps: ProcessingDeps<'_>,
    job_id: &str,
    attempt: u32,
    name: &str,
) -> Result<Option<String>, StoreError> {
    let job = running_attempt(deps, job_id, attempt).await?;
    Ok(job.map(|job| output_key(&job.subject_id, &job.id, name)))
}

/// A heartbeat renews the lease of a running attempt; any other is told to stop.
pub async fn heartbeat(
    deps: ProcessingDeps<'_>,
    job_id: &str,
    attempt: u32,
    beat: &Heartbeat,
) -> Result<HeartbeatReply, StoreError> {
    let now = deps.clock.now();
    let progress = if beat.progress.is_finite() { beat.progress.clamp(0.0, 1.0) } else { 0.0 };
    let alive = deps.jobs.renew_lease(job_id, attempt, progress, now, lease_until(&deps, now)).await?;
    Ok(HeartbeatReply { cancel: !alive })
}

/// Whether a report changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    Applied,
    /// The attempt was over already (late, duplicate or superseded): nothing changed.
    Stale,
}

/// The container's report of how an attempt ended. Its effects are applied while the attempt is
/// still the running one, and each is idempotent, so a report repeated after a lost answer finds
/// the attempt over and changes nothing.
pub async fn report(
    deps: ProcessingDeps<'_>,
    job_id: &str,
    attempt: u32,
    outcome: JobOutcome,
) -> Result<Reported, StoreError> {
    let Some(job) = running_attempt(deps, job_id, attempt).await? else { return Ok(Reported::Stale) };
    match outcome {
        JobOutcome::Succeeded { result: JobResult::ProcessAsset(processed) } => {
            processed_asset(deps, &job, processed).await?;
            deps.jobs.end_attempt(&job.id, attempt, &AttemptEnd::Succeeded, deps.clock.now()).await?;
        }
        JobOutcome::Succeeded { result: JobResult::Render(file) } => {
            let now = deps.clock.now();
            let key = output_key(&job.subject_id, &job.id, RENDER_OUTPUT);
            let event_id = crate::domain::ids::new_id(crate::domain::ids::IdKind::Event, now);
            deps.renders
                .complete_render(&job.subject_id, &key, file.size_bytes, file.duration_ms, &event_id, now)
                .await?;
            deps.jobs.end_attempt(&job.id, attempt, &AttemptEnd::Succeeded, now).await?;
        }
        JobOutcome::Failed(failure) => {
            let after =
                attempt_failed(deps, &job, attempt, &failure.error_code, &failure.error_message, failure.retryable)
                    .await?;
            if after == AfterFailure::Stale {
                return Ok(Reported::Stale);
            }
        }
    }
    Ok(Reported::Applied)
}

/// What follows a probe: the facts recorded, then transcription when it is configured and the
/// asset has no transcript that fits, else the settlement.
async fn processed_asset(
    deps: ProcessingDeps<'_>,
    job: &JobRecord,
    processed: ProcessedAsset,
) -> Result<(), StoreError> {
    let now = deps.clock.now();
    let asset_id = &job.subject_id;
    let analysis_key = processed.analysis.as_deref().map(|name| output_key(asset_id, &job.id, name));
    let proxy = job.kind == JobKind::ProcessAudioProxy;
    let recorded = if proxy {
        deps.store.record_proxy(asset_id, processed.duration_ms, analysis_key.as_deref(), now).await?
    } else {
        let asset_type = if processed.has_video { AssetType::Video } else { AssetType::Audio };
        let probe =
            ProbeRecord { asset_type, duration_ms: processed.duration_ms, media: processed.media, analysis_key };
        deps.store.record_probe(asset_id, &probe, now).await?
    };
    if !recorded {
        return Ok(()); // deleted, failed or processed meanwhile
    }
    let facts = deps.store.facts(asset_id).await?;
    let user_transcript = facts.transcript_source.as_deref() == Some(TranscriptSource::User.as_str());
    // the proxy's transcript serves the video when their durations agree (API.md: ±1 s)
    let proxy_transcript = !proxy
        && facts.transcript_key.is_some()
        && facts.proxy_duration_ms.is_some_and(|d| d.abs_diff(processed.duration_ms) <= 1000);
    let chunks: Vec<StoredChunk> = processed
        .speech
        .iter()
        .map(|chunk| StoredChunk {
            key: output_key(asset_id, &job.id, &chunk.name),
            start_ms: chunk.start_ms,
            duration_ms: chunk.duration_ms,
        })
        .collect();
    if deps.transcriber.is_some() && !chunks.is_empty() && !user_transcript && !proxy_transcript {
        let input = TranscriptionInput { chunks, duration_ms: processed.duration_ms, proxy };
        let payload = serde_json::to_string(&input).map_err(|e| StoreError(format!("transcription payload: {e}")))?;
        let transcription = JobRecord {
            // derived from this job, so that a repeated report cannot start a second transcription
            id: format!("{}_t", job.id),
            ..JobRecord::new(JobKind::TranscribeAsset, &job.account_id, asset_id, Some(payload), now)
        };
        return deps.queue.submit(&transcription).await;
    }
    settle::after_processing(deps, &job.account_id, asset_id, processed.duration_ms, proxy).await.map(|_| ())
}

/// The scheduled check: attempts whose lease ran out (the container died or lost the job) are
/// failed attempts, retried or failed for good. Returns how many it found.
pub async fn expire_leases(deps: ProcessingDeps<'_>) -> Result<usize, StoreError> {
    let expired = deps.jobs.expired_leases(deps.clock.now(), 100).await?;
    for job in &expired {
        let message = "The media service stopped answering.";
        attempt_failed(deps, job, job.attempt, "lease_expired", message, true).await?;
    }
    Ok(expired.len())
}
