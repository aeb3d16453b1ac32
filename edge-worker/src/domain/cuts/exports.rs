//! A completed cut for editors and players: an NLE timeline (OTIO, FCPXML, xmeml, EDL) whose media
//! reference names the asset's file, and captions (SRT, WebVTT) of the words it keeps, re-timed to
//! the cut — both written by the engine, as in the browser.

use roughcut_engine::export::TimelineFormat;
use roughcut_engine::export::subtitles::cut_cues;
use roughcut_engine::plan::CutPlan;
use roughcut_engine::time::Rational;
use roughcut_engine::timeline::{AudioFormat, SourceMedia, Timeline};
use roughcut_engine::transcript::{Transcript, json, srt, vtt};
use roughcut_shared::assets::TranscriptWord;
use roughcut_shared::cuts::{CutState, CutTranscript};

use super::get;
use crate::domain::api_keys::Principal;
use crate::domain::ports::cuts::CutRecord;
use crate::domain::ports::{AssetRecord, Ports};
use crate::domain::{DomainError, StoreError};

/// A file to send: its bytes, `Content-Type` and download name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    pub body: String,
    pub content_type: &'static str,
    pub filename: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptionFormat {
    Srt,
    Vtt,
}

impl CaptionFormat {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "srt" => Some(Self::Srt),
            "vtt" => Some(Self::Vtt),
            _ => None,
        }
    }
}

/// The cut, completed, with its plan in milliseconds and its asset.
async fn completed(
    ports: &Ports<'_>,
    principal: &Principal,
    cut_id: &str,
) -> Result<(CutRecord, CutPlan, AssetRecord), DomainError> {
    let cut = get(ports, principal, cut_id).await?;
    let plan = match (&cut.state, &cut.plan) {
        (CutState::Completed, Some(plan)) => plan.clone(),
        _ => {
            return Err(DomainError::NotReady(format!(
                "The cut is {}; exports need it completed.",
                cut.state.as_str()
            )));
        }
    };
    let asset = ports.assets.asset(&principal.account_id, &cut.asset_id).await?.ok_or(DomainError::NotFound("cut"))?;
    Ok((cut, plan, asset))
}

fn stem(asset: &AssetRecord) -> String {
    let name = asset.filename.as_deref().unwrap_or(&asset.id);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem).to_owned()
}

/// `GET /v1/cuts/{id}/export?format=…[&filename=…]`: `filename` replaces the media reference
/// (the path or URL the editor should find the recording at), the asset's file name by default.
pub async fn timeline(
    ports: &Ports<'_>,
    principal: &Principal,
    cut_id: &str,
    format: TimelineFormat,
    media_reference: Option<&str>,
) -> Result<ExportFile, DomainError> {
    let (_, plan, asset) = completed(ports, principal, cut_id).await?;
    let reference =
        media_reference.map(str::to_owned).or_else(|| asset.filename.clone()).unwrap_or_else(|| asset.id.clone());
    let name = reference.rsplit(['/', '\\']).next().unwrap_or(&reference).to_owned();
    let media = asset.media.as_ref();
    let video = media.and_then(|m| m.video.as_ref()).and_then(|v| {
        let (num, den) = v.frame_rate.split_once('/')?;
        Some((v.width, v.height, Rational::new(num.parse().ok()?, den.parse().ok()?)))
    });
    let audio =
        media.and_then(|m| m.audio.as_ref()).map(|a| AudioFormat { channels: a.channels, sample_rate: a.sample_rate });
    let source = SourceMedia { name, url: reference, duration: plan.source_duration, video, audio };
    let timeline = Timeline::new(&format!("{} (rough cut)", stem(&asset)), &plan, source);
    Ok(ExportFile {
        body: format.write(&timeline),
        content_type: match format {
            TimelineFormat::Otio => "application/json",
            TimelineFormat::Fcpxml | TimelineFormat::Xmeml => "application/xml",
            TimelineFormat::Edl => "text/plain; charset=utf-8",
        },
        filename: format!("{} (rough cut).{}", stem(&asset), format.extension()),
    })
}

/// The words a completed cut was planned from, repaired as planning repaired them. A cut planned
/// without words has none, so it has no `what` (captions, a transcript) to give.
async fn planned_words(
    ports: &Ports<'_>,
    cut: &CutRecord,
    plan: &CutPlan,
    what: &str,
) -> Result<Transcript, DomainError> {
    let no_words = || {
        DomainError::UnsupportedFormat(format!("This cut was planned without words (no transcript): it has no {what}."))
    };
    let key = cut.transcript_key.as_deref().ok_or_else(no_words)?;
    let bytes = ports.objects.get(key).await?.ok_or_else(|| StoreError(format!("transcript {key} is missing")))?;
    let words =
        json::parse(&String::from_utf8_lossy(&bytes)).map_err(|e| StoreError(format!("transcript {key}: {e}")))?;
    let transcript = Transcript::repaired(words, Some(plan.source_duration))
        .map_err(|e| StoreError(format!("transcript {key}: {e}")))?;
    if transcript.words().is_empty() {
        return Err(no_words());
    }
    Ok(transcript)
}

/// `GET /v1/cuts/{id}/transcript`: the words the cut was planned from, on the source's timeline,
/// so that a page can show what the cut removes and plan again with other options in the browser.
pub async fn transcript(ports: &Ports<'_>, principal: &Principal, cut_id: &str) -> Result<CutTranscript, DomainError> {
    let (cut, plan, _) = completed(ports, principal, cut_id).await?;
    let transcript = planned_words(ports, &cut, &plan, "transcript").await?;
    let seconds = |ms: u64| ms as f64 / 1000.0;
    Ok(CutTranscript {
        cut_id: cut.id,
        words: transcript
            .words()
            .iter()
            .map(|w| TranscriptWord {
                text: w.text.clone(),
                start: seconds(w.start),
                end: seconds(w.end),
                confidence: w.confidence.map(|c| (f64::from(c) * 1000.0).round() / 1000.0),
            })
            .collect(),
    })
}

/// `GET /v1/cuts/{id}/subtitle/export?format=srt|vtt`: the kept words as captions on the cut's
/// own timeline. A cut planned without a transcript has none to give.
pub async fn captions(
    ports: &Ports<'_>,
    principal: &Principal,
    cut_id: &str,
    format: CaptionFormat,
) -> Result<ExportFile, DomainError> {
    let (cut, plan, asset) = completed(ports, principal, cut_id).await?;
    let transcript = planned_words(ports, &cut, &plan, "captions").await?;
    let cues = cut_cues(&plan, &transcript);
    let (body, content_type, extension) = match format {
        CaptionFormat::Srt => (srt::write(&cues), "application/x-subrip; charset=utf-8", "srt"),
        CaptionFormat::Vtt => (vtt::write(&cues), "text/vtt; charset=utf-8", "vtt"),
    };
    Ok(ExportFile { body, content_type, filename: format!("{} (rough cut).{extension}", stem(&asset)) })
}
