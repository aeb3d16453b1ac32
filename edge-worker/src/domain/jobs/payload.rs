//! What each kind of job needs beyond its subject, typed: the payload names the job's kind, so a
//! job cannot carry another kind's input. D1 keeps the kind in its own column and the input as
//! JSON beside it.

use roughcut_shared::jobs::RenderSpec;
use serde::{Deserialize, Serialize};

use super::JobKind;
use crate::domain::StoreError;

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
}

impl JobPayload {
    pub const fn kind(&self) -> JobKind {
        match self {
            Self::ProcessAsset(_) => JobKind::ProcessAsset,
            Self::ProcessAudioProxy(_) => JobKind::ProcessAudioProxy,
            Self::TranscribeAsset(_) => JobKind::TranscribeAsset,
            Self::PlanCut => JobKind::PlanCut,
            Self::Render(_) => JobKind::Render,
        }
    }

    /// The object the media container downloads for this job, if it reads one.
    pub fn media_input(&self) -> Option<MediaInput> {
        match self {
            Self::ProcessAsset(input) | Self::ProcessAudioProxy(input) => Some(input.clone()),
            Self::Render(input) => {
                Some(MediaInput { object_key: input.object_key.clone(), size_bytes: input.size_bytes })
            }
            Self::TranscribeAsset(_) | Self::PlanCut => None,
        }
    }

    /// The input as stored beside the kind: JSON, or nothing for a kind that has none.
    pub fn to_json(&self) -> Result<Option<String>, StoreError> {
        let json = match self {
            Self::ProcessAsset(input) | Self::ProcessAudioProxy(input) => serde_json::to_string(input),
            Self::TranscribeAsset(input) => serde_json::to_string(input),
            Self::Render(input) => serde_json::to_string(input),
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
        })
    }
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
        ]
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
