//! Transcripts users bring (`POST /v1/assets/{id}/transcript`): JSON word lists, SRT or WebVTT,
//! read by the engine — the same readers the browser uses — checked strictly (ordered, not
//! overlapping, inside the asset's duration, so taken once that is known) and stored beside the asset, where
//! they replace automatic transcription for every cut made afterwards.

use roughcut_engine::transcript::{Transcript, json, srt, vtt};
use roughcut_shared::FieldError;
use roughcut_shared::assets::{AssetState, AssetType, TranscriptAccepted};

use super::DomainError;
use super::api_keys::Principal;
use super::cuts::PROCESSING_RETRY_AFTER_SECONDS;
use super::object_keys;
use super::ports::Ports;
use crate::domain::ports::processing::TranscriptSource;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TranscriptFormat {
    Json,
    Srt,
    Vtt,
}

pub async fn upload(
    ports: &Ports<'_>,
    principal: &Principal,
    asset_id: &str,
    format: TranscriptFormat,
    text: &str,
) -> Result<TranscriptAccepted, DomainError> {
    let asset = ports.assets.asset(&principal.account_id, asset_id).await?;
    let asset = asset.filter(|a| a.state != AssetState::Deleted).ok_or(DomainError::NotFound("asset"))?;
    if matches!(asset.asset_type, Some(AssetType::CutFile | AssetType::RenderedVideo)) {
        return Err(DomainError::Conflict("Only uploaded recordings take a transcript.".into()));
    }
    if asset.state == AssetState::Failed {
        // nothing will ever be cut from it
        return Err(DomainError::AssetFailed);
    }
    // words are checked against the recording's length (API.md: outside it is a 422), so that
    // length must be known: the probe's, or the audio proxy's while the video still uploads
    let duration = match asset.duration_ms {
        Some(duration) => duration,
        None => ports
            .processing
            .facts(&asset.id)
            .await?
            .proxy_duration_ms
            .ok_or(DomainError::AssetProcessing { retry_after_seconds: PROCESSING_RETRY_AFTER_SECONDS })?,
    };
    let parsed = match format {
        TranscriptFormat::Json => json::parse(text),
        TranscriptFormat::Srt => srt::parse(text),
        TranscriptFormat::Vtt => vtt::parse(text),
    };
    let transcript = parsed.and_then(|words| Transcript::new(words, Some(duration))).map_err(|error| {
        let field = error.field.as_deref().map_or_else(|| "body".to_owned(), |field| format!("body.{field}"));
        DomainError::Invalid(vec![FieldError { field, message: error.message }])
    })?;
    if transcript.words().is_empty() {
        return Err(DomainError::invalid("body.words", "must hold at least one word"));
    }
    let now = ports.clock.now();
    let key = object_keys::derived(&asset.id, "user", &format!("transcript-{}.json", now.0));
    ports.objects.put(&key, json::write(transcript.words()).into_bytes(), "application/json").await?;
    ports.processing.record_transcript(&asset.id, &key, TranscriptSource::User, now).await?;
    Ok(TranscriptAccepted {
        asset_id: asset.id,
        words: transcript.words().len(),
        source: TranscriptSource::User.as_str().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use futures_executor::block_on;

    use super::*;
    use crate::domain::accounts::create_account;
    use crate::domain::ports::AssetStore;
    use crate::domain::ports::objects::Objects;
    use crate::domain::ports::processing::ProcessingStore;
    use crate::domain::testing::{TestPlatform, uploaded_asset};
    use crate::domain::time::Timestamp;

    fn setup(platform: &TestPlatform, duration_ms: Option<u64>) -> Principal {
        let ports = platform.ports();
        let account = block_on(create_account(&ports, "acme")).expect("account").account;
        let (mut asset, upload) = uploaded_asset(&account.id, "ast_1", AssetState::Ready, Timestamp(0));
        asset.duration_ms = duration_ms;
        block_on(platform.store.insert_asset(&asset, &upload)).expect("asset");
        platform.store.replace_asset(&asset); // the duration a probe records
        Principal { account_id: account.id, key_id: String::new() }
    }

    #[test]
    fn a_valid_transcript_is_stored_and_replaces_automatic_transcription() {
        let platform = TestPlatform::default();
        let principal = setup(&platform, Some(5_000));
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nhello there\n";
        let accepted =
            block_on(upload(&platform.ports(), &principal, "ast_1", TranscriptFormat::Srt, srt)).expect("stored");
        assert_eq!((accepted.words, accepted.source.as_str()), (2, "user"));
        let facts = block_on(platform.store.facts("ast_1")).expect("facts");
        assert_eq!(facts.transcript_source.as_deref(), Some("user"));
        let stored = block_on(platform.objects.get(&facts.transcript_key.expect("key"))).expect("get").expect("object");
        assert_eq!(json::parse(&String::from_utf8(stored).expect("utf-8")).expect("words").len(), 2);
    }

    #[test]
    fn a_failed_asset_takes_no_transcript() {
        let platform = TestPlatform::default();
        let principal = setup(&platform, Some(5_000));
        let mut asset = block_on(platform.store.asset(&principal.account_id, "ast_1")).expect("store").expect("asset");
        asset.state = AssetState::Failed;
        platform.store.replace_asset(&asset);
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nhello there\n";
        let refused = block_on(upload(&platform.ports(), &principal, "ast_1", TranscriptFormat::Srt, srt));
        assert_eq!(refused, Err(DomainError::AssetFailed));
    }

    #[test]
    fn a_transcript_waits_for_the_recordings_length() {
        let platform = TestPlatform::default();
        let principal = setup(&platform, None);
        let body = r#"{"words":[{"text":"late","start":50,"end":100}]}"#;
        let early = block_on(upload(&platform.ports(), &principal, "ast_1", TranscriptFormat::Json, body));
        assert!(matches!(early, Err(DomainError::AssetProcessing { .. })), "{early:?}");
    }

    #[test]
    fn bad_words_name_their_field() {
        let platform = TestPlatform::default();
        let principal = setup(&platform, Some(5_000));
        let ports = platform.ports();
        let field_of = |body: &str| match block_on(upload(&ports, &principal, "ast_1", TranscriptFormat::Json, body)) {
            Err(DomainError::Invalid(fields)) => fields[0].field.clone(),
            other => panic!("{body}: {other:?}"),
        };
        let unordered = r#"{"words":[{"text":"b","start":2,"end":3},{"text":"a","start":1,"end":1.5}]}"#;
        assert_eq!(field_of(unordered), "body.words[1].start");
        let beyond = r#"{"words":[{"text":"late","start":4.5,"end":6}]}"#;
        assert_eq!(field_of(beyond), "body.words[0].end");
        assert_eq!(field_of(r#"{"words":[]}"#), "body.words");
        let stranger = Principal { account_id: "acc_other".into(), key_id: String::new() };
        let body = r#"{"words":[{"text":"a","start":1,"end":2}]}"#;
        assert_eq!(
            block_on(upload(&ports, &stranger, "ast_1", TranscriptFormat::Json, body)),
            Err(DomainError::NotFound("asset"))
        );
    }
}
