//! `/api/v1/pipelines` (seed 000): the quote that creating a pipeline needs.

use roughcut_shared::ErrorEnvelope;
use roughcut_shared::pipelines::{EstimatePipeline, PipelineEstimate};

use crate::domain::pipelines;
use crate::http::{ApiError, ApiResponse, Call};

#[utoipa::path(post, path = "/api/v1/pipelines/estimate", tag = "pipelines", request_body = EstimatePipeline,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The quote: its credits, their breakdown, and a pricing token that binds the account, this body and the price for 5 minutes.", body = PipelineEstimate),
        (status = 409, description = "`asset_processing` (the input has no duration to price yet; `Retry-After`), `asset_failed`.", body = ErrorEnvelope),
        (status = 422, description = "No steps or more than 20, an unknown processor, a bad cut or render config, a render of the `previous` cut without an earlier cut step, a missing or foreign input asset.", body = ErrorEnvelope)))]
pub async fn estimate(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let body: EstimatePipeline = call.request.json()?;
    let secret = call
        .config
        .signing_secret
        .as_deref()
        .ok_or_else(|| ApiError::internal("SIGNING_SECRET is not set: pricing tokens cannot be signed"))?;
    let quote = pipelines::estimate(&call.ports, call.account()?, &body, call.config.rate_card, secret).await?;
    Ok(ApiResponse::json(200, &quote))
}
