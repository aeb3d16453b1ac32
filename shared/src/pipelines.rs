//! Pipelines (API.md "Pipelines", seed 000): cut and render steps run in order on one asset,
//! quoted first (`estimate`, with a signed pricing token), then created with that token.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::cuts::CutOptions;
use crate::renders::RenderOutputRequest;

/// A `cut` step: the cut request's script and options.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CutStepConfig {
    /// The reference script (≤ 100,000 characters, with words to follow).
    pub script: Option<String>,
    #[serde(default, deserialize_with = "crate::strict::optional_object")]
    pub options: Option<CutOptions>,
}

/// Which cut a `render` step applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RenderCut {
    /// The cut of the nearest earlier `cut` step (there must be one).
    #[default]
    Previous,
    /// The full source.
    None,
}

/// A `render` step: its output, and the cut it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenderStepConfig {
    #[serde(deserialize_with = "crate::strict::object")]
    pub output: RenderOutputRequest,
    #[serde(default)]
    pub cut: RenderCut,
}

/// A step: a processor and its configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "processor_name", content = "config", rename_all = "lowercase")]
pub enum PipelineStepRequest {
    Cut(CutStepConfig),
    Render(RenderStepConfig),
}

impl PipelineStepRequest {
    pub const fn processor_name(&self) -> &'static str {
        match self {
            Self::Cut(_) => "cut",
            Self::Render(_) => "render",
        }
    }
}

/// `POST /api/v1/pipelines/estimate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EstimatePipeline {
    pub input_asset_id: String,
    /// 1 to 20 steps, run in this order.
    pub steps: Vec<PipelineStepRequest>,
}

/// One line of a quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuoteLine {
    /// `asset_processing` (the input's per-minute charge, unless it was charged already), `cut`
    /// or `render` (free).
    pub item: String,
    /// The step it prices (0-based), none for the input.
    pub step: Option<u32>,
    pub credits: i64,
    pub description: String,
}

/// A quote: what creating the pipeline would hold, and the token that binds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PipelineEstimate {
    pub credits: i64,
    pub breakdown: Vec<QuoteLine>,
    /// Pass it to `POST /api/v1/pipelines` with the same body within 5 minutes.
    pub pricing_token: String,
    pub expires_at: String,
}

/// `POST /api/v1/pipelines`: the estimated request and its pricing token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePipeline {
    pub input_asset_id: String,
    pub steps: Vec<PipelineStepRequest>,
    /// From `POST /api/v1/pipelines/estimate` with the same body, less than 5 minutes old.
    pub pricing_token: String,
}

impl CreatePipeline {
    /// The request the token was signed for.
    pub fn estimated(&self) -> EstimatePipeline {
        EstimatePipeline { input_asset_id: self.input_asset_id.clone(), steps: self.steps.clone() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum PipelineState {
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl PipelineState {
    pub const ALL: [Self; 5] = [Self::Pending, Self::Running, Self::Completed, Self::Failed, Self::Cancelled];
    /// Not ended: steps may still run; only these may be cancelled.
    pub const OPEN: [Self; 2] = [Self::Pending, Self::Running];

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Running => "RUNNING",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
            Self::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum StepState {
    Pending,
    Running,
    Completed,
    Failed,
}

impl StepState {
    pub const ALL: [Self; 4] = [Self::Pending, Self::Running, Self::Completed, Self::Failed];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Running => "RUNNING",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// A step as `GET /api/v1/pipelines/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PipelineStep {
    #[schema(example = "stp_01jd3m5x8k9q2w7e4r6t8y0u1i")]
    pub id: String,
    /// 0-based place in the pipeline.
    pub order: u32,
    /// `processor_name` and `config`, as requested.
    #[serde(flatten)]
    pub processor: PipelineStepRequest,
    pub state: StepState,
    /// The cut a `cut` step made (or reused).
    pub cut_id: Option<String>,
    /// The render a `render` step made.
    pub render_id: Option<String>,
    /// The step's output asset: the cut's captions (`CUT_FILE`) or the render (`RENDERED_VIDEO`).
    pub output_asset_id: Option<String>,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// A pipeline as `GET /api/v1/pipelines/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Pipeline {
    #[schema(example = "pip_01jd3m5x8k9q2w7e4r6t8y0u1i")]
    pub id: String,
    pub input_asset_id: String,
    pub state: PipelineState,
    pub steps: Vec<PipelineStep>,
    /// Credits held for the quote while the pipeline runs.
    pub credits_reserved: i64,
    /// Credits the pipeline spent (the input's processing charge, when it was charged here).
    pub credits_consumed: i64,
    pub created_at: String,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}
