//! Cuts (API.md "Cuts"): the kept-segment plan of one asset, its request with the cut options, and
//! the resource as the API shows it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest reference script a cut takes, in characters.
pub const MAX_SCRIPT_CHARS: usize = 100_000;

/// The engine's options are the API's: one definition, validated by the engine.
pub use roughcut_engine::plan::options::{CutOptions, ScriptMode};

/// `POST /v1/cuts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCut {
    pub asset_id: String,
    /// The reference script (≤ 100,000 characters, with words to follow), snapshotted with the cut.
    pub script: Option<String>,
    #[serde(default, deserialize_with = "crate::strict::optional_object")]
    pub options: Option<CutOptions>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CutState {
    Pending,
    Processing,
    Completed,
    Failed,
}

impl CutState {
    pub const ALL: [Self; 4] = [Self::Pending, Self::Processing, Self::Completed, Self::Failed];
    /// Not ended yet: planning may still run or start; only these may complete or fail.
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

/// A kept span, in seconds of the source (millisecond precision).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CutSpan {
    pub start: f64,
    pub end: f64,
}

/// A removed span and why: `silence`, `filler`, `restart`, `off_script` or `too_short`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CutRemoval {
    pub start: f64,
    pub end: f64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Cut {
    #[schema(example = "cut_01jd3m5x8k9q2w7e4r6t8y0u1i")]
    pub id: String,
    pub asset_id: String,
    pub state: CutState,
    pub script: Option<String>,
    /// As resolved: every default filled in.
    pub options: CutOptions,
    /// Sorted, non-overlapping, inside the source; empty until completed.
    pub segments: Vec<CutSpan>,
    pub removed: Vec<CutRemoval>,
    /// Decimal strings with millisecond precision, once completed.
    pub kept_duration_seconds: Option<String>,
    pub source_duration_seconds: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
}

/// `GET /v1/cuts/{id}/transcript`: the words the cut was planned from, on the source's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CutTranscript {
    pub cut_id: String,
    pub words: Vec<crate::assets::TranscriptWord>,
}
