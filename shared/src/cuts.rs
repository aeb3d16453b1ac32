//! Cuts (API.md "Cuts"): the kept-segment plan of one asset, its request with the cut options, and
//! the resource as the API shows it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest reference script a cut takes, in characters.
pub const MAX_SCRIPT_CHARS: usize = 100_000;

/// The cut options with their defaults. The engine's planner reads exactly these fields (a test
/// holds the two together), so a default lives in the engine and is documented here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CutOptions {
    /// Remove dead air.
    #[schema(default = true)]
    pub remove_silence: bool,
    /// −100…0 dBFS: quieter is silence. `null`: relative to the recording's measured noise floor.
    #[schema(default = json!(null))]
    pub silence_threshold_db: Option<f64>,
    /// 0.1…30: silences at least this long are dead air.
    #[schema(default = 0.5)]
    pub min_silence_seconds: f64,
    /// 0…2: kept each side of a removed silence.
    #[schema(default = 0.15)]
    pub margin_seconds: f64,
    /// 0…10: kept clips shorter than this are dropped (`too_short`).
    #[schema(default = 0.2)]
    pub min_clip_seconds: f64,
    /// Remove filler words.
    #[schema(default = true)]
    pub remove_fillers: bool,
    /// Up to 200 words or phrases; `null`: the asset language's list.
    #[schema(default = json!(null))]
    pub filler_words: Option<Vec<String>>,
    /// Remove abandoned takes (restarts).
    #[schema(default = true)]
    pub remove_restarts: bool,
    /// Remove voiced sounds between kept words that no transcript word covers (0.12–1.5 s within
    /// a pause): hesitations, stutters and fillers the recogniser left out. Removed as `filler`.
    #[schema(default = true)]
    pub remove_untranscribed_speech: bool,
    /// With a script: `strict` drops every off-script span, `loose` only those of 3 s or more.
    #[schema(default = "strict")]
    pub script_mode: ScriptMode,
}

impl Default for CutOptions {
    fn default() -> Self {
        Self {
            remove_silence: true,
            silence_threshold_db: None,
            min_silence_seconds: 0.5,
            margin_seconds: 0.15,
            min_clip_seconds: 0.2,
            remove_fillers: true,
            filler_words: None,
            remove_restarts: true,
            remove_untranscribed_speech: true,
            script_mode: ScriptMode::Strict,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScriptMode {
    Strict,
    Loose,
}

/// `POST /v1/cuts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCut {
    pub asset_id: String,
    /// The reference script (≤ 100,000 characters), snapshotted with the cut.
    pub script: Option<String>,
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
