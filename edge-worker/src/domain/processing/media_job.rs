//! The processing job of an uploaded file or its audio proxy: the media container probes and
//! analyses it (and writes speech chunks when a transcriber is configured); its result is recorded,
//! then transcription follows when it is wanted, else the settlement. A job that fails for good
//! fails its asset, unless it was an audio proxy's.

use async_trait::async_trait;
use roughcut_shared::assets::AssetType;
use roughcut_shared::jobs::{JobResult, MediaTask, ProcessedAsset};

use super::settle;
use crate::domain::StoreError;
use crate::domain::ids::{IdKind, new_id};
use crate::domain::jobs::runner::{Begun, JobHandler};
use crate::domain::object_keys;
use crate::domain::ports::Failed;
use crate::domain::ports::ProcessingDeps;
use crate::domain::ports::jobs::{JobPayload, JobRecord};
use crate::domain::ports::jobs::{StoredChunk, TranscriptionInput};
use crate::domain::ports::processing::{ProbeRecord, TranscriptSource};

/// The handler of `process_asset` and `process_audio_proxy` jobs.
#[derive(Debug, Clone, Copy)]
pub struct MediaProcessing<'a>(pub ProcessingDeps<'a>);

#[async_trait(?Send)]
impl JobHandler for MediaProcessing<'_> {
    async fn begin(&self, job: &JobRecord) -> Result<Begun, StoreError> {
        let input = job.payload.media_input().ok_or_else(|| wrong_job(job))?;
        Ok(Begun::Container(MediaTask::ProcessAsset { input_size: input.size_bytes, speech: self.0.config.speech }))
    }

    async fn succeeded(&self, job: &JobRecord, result: JobResult) -> Result<(), StoreError> {
        match result {
            JobResult::ProcessAsset(processed) => processed_asset(self.0, job, processed).await,
            JobResult::Render(_) => Err(wrong_job(job)),
        }
    }

    async fn failed(&self, job: &JobRecord, error_code: &str, error_message: &str) -> Result<(), StoreError> {
        let proxy = matches!(job.payload, JobPayload::ProcessAudioProxy(_));
        asset_failed(self.0, job, proxy, error_code, error_message).await
    }
}

/// A job handed to the wrong handler, or a result of another kind: a bug, not bad input.
pub fn wrong_job(job: &JobRecord) -> StoreError {
    StoreError(format!("job {} ({}) reached a handler or result of another kind", job.id, job.kind().as_str()))
}

/// A processing or transcription job that failed for good fails its asset — unless it was about
/// an audio proxy, whose failure only means the asset is not cuttable early (its video upload
/// goes on).
pub async fn asset_failed(
    deps: ProcessingDeps<'_>,
    job: &JobRecord,
    proxy: bool,
    error_code: &str,
    error_message: &str,
) -> Result<(), StoreError> {
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
    let event_id = new_id(IdKind::Event, deps.clock.now());
    let failed = Failed { error_code: code, error_message: message, event_id: &event_id, at: deps.clock.now() };
    deps.processing.fail_asset(&job.subject_id, &failed).await?;
    Ok(())
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
    let analysis_key = processed.analysis.as_deref().map(|name| object_keys::derived(asset_id, &job.id, name));
    let proxy = matches!(job.payload, JobPayload::ProcessAudioProxy(_));
    let recorded = if proxy {
        deps.processing.record_proxy(asset_id, processed.duration_ms, analysis_key.as_deref(), now).await?
    } else {
        let asset_type = if processed.has_video { AssetType::Video } else { AssetType::Audio };
        let probe =
            ProbeRecord { asset_type, duration_ms: processed.duration_ms, media: processed.media, analysis_key };
        deps.processing.record_probe(asset_id, &probe, now).await?
    };
    if !recorded {
        return Ok(()); // deleted, failed or processed meanwhile
    }
    let facts = deps.processing.facts(asset_id).await?;
    let user_transcript = facts.transcript_source.as_deref() == Some(TranscriptSource::User.as_str());
    // the proxy's transcript serves the video when their durations agree (API.md: ±1 s)
    let proxy_transcript = !proxy
        && facts.transcript_key.is_some()
        && facts.proxy_duration_ms.is_some_and(|d| d.abs_diff(processed.duration_ms) <= 1000);
    let chunks: Vec<StoredChunk> = processed
        .speech
        .iter()
        .map(|chunk| StoredChunk {
            key: object_keys::derived(asset_id, &job.id, &chunk.name),
            start_ms: chunk.start_ms,
            duration_ms: chunk.duration_ms,
        })
        .collect();
    if deps.transcriber.is_some() && !chunks.is_empty() && !user_transcript && !proxy_transcript {
        let input = TranscriptionInput { chunks, duration_ms: processed.duration_ms, proxy };
        let transcription = JobRecord {
            // derived from this job, so that a repeated report cannot start a second transcription
            id: format!("{}_t", job.id),
            ..JobRecord::new(&job.account_id, asset_id, JobPayload::TranscribeAsset(input), now)
        };
        return deps.queue.submit(&transcription).await;
    }
    settle::after_processing(deps, &job.account_id, asset_id, processed.duration_ms, proxy).await.map(|_| ())
}
