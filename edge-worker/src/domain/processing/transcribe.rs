//! Transcription, in the worker: each speech chunk the container wrote goes to the configured
//! transcriber, the words come back relative to their chunk and are shifted onto the source's
//! timeline, repaired (recognisers overlap words by a few ms) and stored as our JSON word list.
//! Then the asset settles. The request to OpenAI-compatible servers is the engine's
//! (`transcript::providers::openai_request`) and their answers are read here, pure, so that both
//! are tested natively; the adapters only send them.

use crate::domain::ports::jobs::Renewal;
use crate::domain::ports::processing::TranscribeError;
use async_trait::async_trait;
use roughcut_engine::transcript::{Transcript, Word, json};

use roughcut_shared::jobs::JobResult;

use super::media_job::{asset_failed, wrong_job};
use super::settle;
use crate::domain::StoreError;
use crate::domain::jobs::runner::{Begun, Ended, JobHandler};
use crate::domain::object_keys;
use crate::domain::ports::ProcessingDeps;
use crate::domain::ports::jobs::TranscriptionInput;
use crate::domain::ports::jobs::{JobPayload, JobRecord};
use crate::domain::ports::processing::TranscriptSource;

/// The handler of `transcribe_asset` jobs, which run in the worker.
#[derive(Debug, Clone, Copy)]
pub struct Transcription<'a>(pub ProcessingDeps<'a>);

#[async_trait(?Send)]
impl JobHandler for Transcription<'_> {
    async fn begin(&self, job: &JobRecord) -> Result<Begun, StoreError> {
        let JobPayload::TranscribeAsset(input) = &job.payload else { return Err(wrong_job(job)) };
        run(self.0, job, input).await.map(Begun::Ended)
    }

    async fn succeeded(&self, job: &JobRecord, _: JobResult) -> Result<(), StoreError> {
        Err(wrong_job(job))
    }

    async fn failed(&self, job: &JobRecord, error_code: &str, error_message: &str) -> Result<(), StoreError> {
        let JobPayload::TranscribeAsset(input) = &job.payload else { return Err(wrong_job(job)) };
        asset_failed(self.0, job, input.proxy, error_code, error_message).await
    }
}

/// Transcribes every chunk, stores the words and settles the asset.
async fn run(deps: ProcessingDeps<'_>, job: &JobRecord, input: &TranscriptionInput) -> Result<Ended, StoreError> {
    let Some(asset) = deps.assets.asset(&job.account_id, &job.subject_id).await? else {
        return Ok(Ended::SubjectGone { error_message: "The asset is gone.".into() });
    };
    let words = match transcribe_chunks(deps, job, input, asset.language.as_deref()).await? {
        Ok(words) => words,
        Err(error) => {
            deps.log.error(&job.id, &format!("transcription attempt {}: {}", job.attempt, error.message));
            return Ok(Ended::Failed {
                error_code: "transcription_failed".into(),
                error_message: "The speech could not be transcribed; the file was not charged.".into(),
                retryable: error.retryable,
            });
        }
    };
    let transcript = Transcript::repaired(words, Some(input.duration_ms))
        .map_err(|e| StoreError(format!("job {}: transcript beyond repair: {e}", job.id)))?;
    let key = object_keys::derived(&job.subject_id, &job.id, "transcript.json");
    deps.objects.put(&key, json::write(transcript.words()).into_bytes(), "application/json").await?;
    let now = deps.clock.now();
    deps.processing.record_transcript(&job.subject_id, &key, TranscriptSource::Provider, now).await?;
    settle::after_processing(deps, &job.account_id, &job.subject_id, input.duration_ms, input.proxy).await?;
    Ok(Ended::Succeeded)
}

/// Every chunk in order; the lease is renewed after each (a long recording takes minutes).
async fn transcribe_chunks(
    deps: ProcessingDeps<'_>,
    job: &JobRecord,
    input: &TranscriptionInput,
    language: Option<&str>,
) -> Result<Result<Vec<Word>, TranscribeError>, StoreError> {
    let Some(transcriber) = deps.transcriber else {
        return Ok(Err(TranscribeError { message: "no transcriber is configured".into(), retryable: false }));
    };
    let mut words = Vec::new();
    for chunk in &input.chunks {
        let Some(wav) = deps.objects.get(&chunk.key).await? else {
            let message = format!("speech chunk {} is missing", chunk.key);
            return Ok(Err(TranscribeError { message, retryable: false }));
        };
        let chunk_words = match transcriber.transcribe(wav, language).await {
            Ok(chunk_words) => chunk_words,
            Err(error) => return Ok(Err(error)),
        };
        let chunk_end = chunk.start_ms + chunk.duration_ms;
        words.extend(chunk_words.into_iter().map(|word| Word {
            start: (chunk.start_ms + word.start).min(chunk_end),
            end: (chunk.start_ms + word.end).min(chunk_end),
            ..word
        }));
        let now = deps.clock.now();
        let lease_until = deps.config.jobs.lease_until(now);
        let progress = (chunk_end as f64 / input.duration_ms.max(1) as f64).min(1.0);
        let renewal = Renewal { progress, at: now, until: lease_until };
        if !deps.jobs.renew_lease(&job.id, job.attempt, &renewal).await? {
            return Ok(Err(TranscribeError { message: "the attempt was ended meanwhile".into(), retryable: false }));
        }
    }
    Ok(Ok(words))
}

/// How an OpenAI-compatible server's answer is read: the words of a 2xx, a retryable error for
/// 408/409/429/5xx (overload, rate limits), a final one for the rest.
pub fn openai_response(status: u16, body: &str) -> Result<Vec<Word>, TranscribeError> {
    if (200..300).contains(&status) {
        return roughcut_engine::transcript::providers::parse_whisper(body)
            .map_err(|e| TranscribeError { message: format!("unreadable answer: {e}"), retryable: false });
    }
    let excerpt: String = body.chars().take(300).collect();
    Err(TranscribeError {
        message: format!("transcriber answered {status}: {excerpt}"),
        retryable: matches!(status, 408 | 409 | 429) || status >= 500,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_words_or_errors_that_say_whether_to_retry() {
        let ok = r#"{"text":"hi there","words":[{"word":"hi","start":0.5,"end":0.8},{"word":"there","start":0.9,"end":1.2}]}"#;
        let words = openai_response(200, ok).expect("words");
        assert_eq!(words.iter().map(|w| (w.start, w.end)).collect::<Vec<_>>(), [(500, 800), (900, 1200)]);
        assert!(openai_response(429, "slow down").expect_err("429").retryable);
        assert!(openai_response(503, "").expect_err("503").retryable);
        assert!(!openai_response(400, "bad file").expect_err("400").retryable);
        assert!(!openai_response(200, "{}").expect_err("no words").retryable);
    }
}
