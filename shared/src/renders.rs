//! Renders (seed 002, API.md "Renders"): a deliverable encoded from an asset, optionally through
//! one of its cuts — the request with its output ladder, and the resource as the API shows it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The output's format. A video without sound renders to `mp4` or `mov` with a silent AAC
/// soundtrack as long as its picture; `m4a` and `mp3` need an audio track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RenderFormat {
    /// H.264 + AAC in MP4.
    Mp4,
    /// H.264 + AAC in QuickTime.
    Mov,
    /// AAC in MP4 audio.
    M4a,
    Mp3,
}

impl RenderFormat {
    pub const fn is_video(self) -> bool {
        matches!(self, Self::Mp4 | Self::Mov)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Mp4 => "mp4",
            Self::Mov => "mov",
            Self::M4a => "m4a",
            Self::Mp3 => "mp3",
        }
    }

    /// The `Content-Type` of a file of this format.
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Mp4 => "video/mp4",
            Self::Mov => "video/quicktime",
            Self::M4a => "audio/mp4",
            Self::Mp3 => "audio/mpeg",
        }
    }
}

/// A tier of the picture's shorter edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Resolution {
    #[serde(rename = "720p")]
    P720,
    #[serde(rename = "1080p")]
    P1080,
    #[serde(rename = "4k")]
    K4,
}

impl Resolution {
    /// The shorter edge the tier targets.
    pub const fn shorter_edge(self) -> u32 {
        match self {
            Self::P720 => 720,
            Self::P1080 => 1080,
            Self::K4 => 2160,
        }
    }
}

/// What a render should produce. `resolution` and `video_bitrate` are for video formats only;
/// omitted bitrates are Auto (a default for the tier, capped to the source).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenderOutputRequest {
    pub format: RenderFormat,
    pub resolution: Option<Resolution>,
    /// Mbps: 5, 10, 20 or 50.
    pub video_bitrate: Option<u32>,
    /// kbps: 128, 192, 256 or 320.
    pub audio_bitrate: Option<u32>,
}

/// `POST /v1/renders`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRender {
    pub asset_id: String,
    /// A completed cut of this asset to apply; the full source when omitted.
    pub cut_id: Option<String>,
    #[serde(deserialize_with = "crate::strict::object")]
    pub output: RenderOutputRequest,
}

/// The output as requested, and as resolved against the source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RenderOutput {
    pub format: RenderFormat,
    pub resolution: Option<Resolution>,
    pub video_bitrate: Option<u32>,
    pub audio_bitrate: Option<u32>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub video_bitrate_kbps: Option<u32>,
    pub audio_bitrate_kbps: u32,
    /// The source's, e.g. "30000/1001".
    pub frame_rate: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RenderState {
    Pending,
    Processing,
    Completed,
    Failed,
}

impl RenderState {
    pub const ALL: [Self; 4] = [Self::Pending, Self::Processing, Self::Completed, Self::Failed];
    /// Not ended yet: an encode may still run or start; only these may complete or fail.
    pub const OPEN: [Self; 2] = [Self::Pending, Self::Processing];
    /// Ended, with their one terminal event.
    pub const ENDED: [Self; 2] = [Self::Completed, Self::Failed];

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Render {
    #[schema(example = "rnd_01jd3m5x8k9q2w7e4r6t8y0u1i")]
    pub id: String,
    pub asset_id: String,
    pub cut_id: Option<String>,
    pub state: RenderState,
    pub output: RenderOutput,
    /// 0–1; 1 when completed.
    pub progress: f64,
    pub size_bytes: Option<u64>,
    pub duration_seconds: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    /// A signed URL of the file (about 15 minutes), on `GET /v1/renders/{id}` once completed.
    pub download_url: Option<String>,
}
