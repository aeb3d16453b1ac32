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
    /// The reference script (≤ 100,000 characters).
    pub script: Option<String>,
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
