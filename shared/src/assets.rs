//! Assets: uploaded sources and generated outputs, on the canonical surface (`/v1/assets`) and the
//! seed surface (`/api/v1/assets`, UPPERCASE types and states).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssetType {
    Video,
    Audio,
    CutFile,
    RenderedVideo,
}

impl AssetType {
    pub const ALL: [Self; 4] = [Self::Video, Self::Audio, Self::CutFile, Self::RenderedVideo];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Video => "video",
            Self::Audio => "audio",
            Self::CutFile => "cut_file",
            Self::RenderedVideo => "rendered_video",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssetState {
    PendingUpload,
    Processing,
    PendingPayment,
    Ready,
    Failed,
    Deleted,
}

impl AssetState {
    pub const ALL: [Self; 6] =
        [Self::PendingUpload, Self::Processing, Self::PendingPayment, Self::Ready, Self::Failed, Self::Deleted];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PendingUpload => "pending_upload",
            Self::Processing => "processing",
            Self::PendingPayment => "pending_payment",
            Self::Ready => "ready",
            Self::Failed => "failed",
            Self::Deleted => "deleted",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// `POST /v1/assets`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAsset {
    pub project_id: String,
    /// The file's size: 64 bytes to 50 GiB.
    pub size_bytes: u64,
    #[serde(default)]
    pub filename: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    /// ISO 639-1: two lowercase letters. Immutable.
    #[serde(default)]
    pub language: Option<String>,
}

/// `POST /v1/assets/{id}/audio-proxy`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAudioProxy {
    /// The extracted audio file's size: 64 bytes to 50 GiB.
    pub size_bytes: u64,
}

/// The TUS upload of a video asset's audio proxy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AudioProxyUpload {
    pub asset_id: String,
    /// Where to send the audio (TUS); also in `Location`.
    pub upload_url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VideoMedia {
    pub codec: String,
    pub width: u32,
    pub height: u32,
    /// A rational, e.g. "30000/1001".
    pub frame_rate: String,
    pub bitrate: Option<u64>,
    /// Degrees the picture turns clockwise to stand upright (0, 90, 180 or 270): a phone's
    /// portrait recording is coded landscape, `width` × `height` as coded, with 90 or 270.
    #[serde(default)]
    pub rotation: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AudioMedia {
    pub codec: String,
    pub sample_rate: u32,
    pub channels: u16,
    pub bitrate: Option<u64>,
}

/// What probing found (filled in by processing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AssetMedia {
    pub container: String,
    pub video: Option<VideoMedia>,
    pub audio: Option<AudioMedia>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Asset {
    #[schema(example = "ast_01jd3m5x8k9q2w7e4r6t8y0u1i")]
    pub id: String,
    pub project_id: Option<String>,
    /// `null` until the first chunk has been sniffed.
    #[serde(rename = "type")]
    pub asset_type: Option<AssetType>,
    pub state: AssetState,
    /// Cuts and audio renders may run.
    pub cuttable: bool,
    pub created_at: String,
    /// The TUS upload URL, while `pending_upload`.
    pub upload_url: Option<String>,
    /// A signed URL of the bytes (about 15 minutes), once stored.
    pub download_url: Option<String>,
    pub filename: Option<String>,
    pub extension: Option<String>,
    pub size_bytes: Option<u64>,
    pub content_type: Option<String>,
    pub language: Option<String>,
    /// Seconds with millisecond precision, as a decimal string ("324.412").
    pub duration_seconds: Option<String>,
    pub media: Option<AssetMedia>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// The seed surface's asset types (`/api/v1/assets`, seed 001).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SeedAssetType {
    Audio,
    Video,
    CutFile,
    RenderedVideo,
}

/// The seed surface's states: `READY` means the bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SeedAssetState {
    PendingUpload,
    Ready,
    Deleted,
}

/// An asset as the seed surface shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SeedAsset {
    pub id: String,
    pub project_id: Option<String>,
    #[serde(rename = "type")]
    pub asset_type: Option<SeedAssetType>,
    pub state: SeedAssetState,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<u64>,
    pub created_at: String,
    /// A short-lived signed URL of the bytes, for `READY` assets.
    pub download_url: Option<String>,
}

/// One word of a transcript a user uploads (`POST /v1/assets/{id}/transcript`, JSON form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TranscriptWord {
    pub text: String,
    /// Seconds from the start of the asset.
    pub start: f64,
    pub end: f64,
    /// 0–1, when known.
    pub confidence: Option<f64>,
}

/// The JSON form of an uploaded transcript (SRT and WebVTT are taken as they are).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TranscriptUpload {
    pub words: Vec<TranscriptWord>,
}

/// The answer to a transcript upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TranscriptAccepted {
    pub asset_id: String,
    /// How many words were stored.
    pub words: usize,
    /// Always `user`: this transcript replaces automatic transcription for the asset.
    pub source: String,
}
