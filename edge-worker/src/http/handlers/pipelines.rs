//! `/api/v1/pipelines` (seed 000): the quote, then the pipeline created with it; get, list,
//! cancel, retry whole or one step in place.

use roughcut_shared::pipelines::{CreatePipeline, EstimatePipeline, Pipeline, PipelineEstimate};
use roughcut_shared::{ErrorEnvelope, List};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{list_body, page};
use crate::domain::pipelines::{self, lifecycle};
use crate::http::{ApiError, ApiResponse, Call};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListPipelinesQuery {
    /// 1–100, default 20.
    pub limit: Option<u32>,
    /// ≥ 0, default 0.
    pub offset: Option<u64>,
}

/// The secret pricing tokens are signed with.
fn pricing_secret<'a>(call: &'a Call<'_>) -> Result<&'a str, ApiError> {
    call.config
        .signing_secret
        .as_deref()
        .ok_or_else(|| ApiError::internal("SIGNING_SECRET is not set: pricing tokens cannot be signed"))
}

#[utoipa::path(post, path = "/api/v1/pipelines/estimate", tag = "pipelines", request_body = EstimatePipeline,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The quote: its credits, their breakdown, and a pricing token that binds the account, this body and the price for 5 minutes.", body = PipelineEstimate),
        (status = 409, description = "`asset_processing` (the input has no duration to price yet; `Retry-After`), `asset_failed`.", body = ErrorEnvelope),
        (status = 422, description = "No steps or more than 20, an unknown processor, a bad cut or render config, a render of the `previous` cut without an earlier cut step, a missing or foreign input asset.", body = ErrorEnvelope)))]
pub async fn estimate(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let body: EstimatePipeline = call.request.json()?;
    let secret = pricing_secret(call)?;
    let quote = pipelines::estimate(&call.ports, call.account()?, &body, call.config.rate_card, secret).await?;
    Ok(ApiResponse::json(200, &quote))
}

#[utoipa::path(post, path = "/api/v1/pipelines", tag = "pipelines", request_body = CreatePipeline,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "The pipeline, `PENDING`: the quoted credits are held (a `hold` ledger entry) and its first step is queued. `Location` names it.", body = Pipeline),
        (status = 402, description = "`insufficient_credits`: the available balance is below the quote.", body = ErrorEnvelope),
        (status = 422, description = "A missing, forged, expired or mismatched `pricing_token` (estimate this body again), or an input asset that is gone.", body = ErrorEnvelope)))]
pub async fn create(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let body: CreatePipeline = call.request.json()?;
    let secret = pricing_secret(call)?;
    let pipeline = lifecycle::create(&call.ports, call.account()?, &body, secret).await?;
    let location = format!("/api/v1/pipelines/{}", pipeline.id);
    Ok(ApiResponse::json(201, &pipeline).with_header("location", location))
}

#[utoipa::path(get, path = "/api/v1/pipelines", tag = "pipelines", params(ListPipelinesQuery),
    security(("api_key" = [])),
    responses((status = 200, description = "Pipelines with their steps, newest first.", body = List<Pipeline>)))]
pub async fn list(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let query: ListPipelinesQuery = call.request.query()?;
    let page = page(query.limit, query.offset)?;
    let listed = lifecycle::list(&call.ports, call.account()?, page).await?;
    Ok(ApiResponse::json(200, &list_body(listed, page)))
}

#[utoipa::path(get, path = "/api/v1/pipelines/{id}", tag = "pipelines",
    params(("id" = String, Path, description = "Pipeline id (`pip_…`).")),
    security(("api_key" = [])),
    responses((status = 200, description = "The pipeline with its steps; a completed step names its cut or render and its output asset (`CUT_FILE`, `RENDERED_VIDEO`).", body = Pipeline)))]
pub async fn get(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let pipeline = lifecycle::get(&call.ports, call.account()?, call.param("id")?).await?;
    Ok(ApiResponse::json(200, &pipeline))
}

#[utoipa::path(post, path = "/api/v1/pipelines/{id}/cancel", tag = "pipelines",
    params(("id" = String, Path, description = "Pipeline id (`pip_…`).")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The pipeline, `CANCELLED`: its hold is released, nothing more runs, and a render in flight stops within seconds.", body = Pipeline),
        (status = 409, description = "`conflict`: the pipeline has finished.", body = ErrorEnvelope)))]
pub async fn cancel(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let pipeline = lifecycle::cancel(&call.ports, call.account()?, call.param("id")?).await?;
    Ok(ApiResponse::json(200, &pipeline))
}

#[utoipa::path(post, path = "/api/v1/pipelines/{id}/retry", tag = "pipelines",
    params(("id" = String, Path, description = "Pipeline id (`pip_…`).")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The pipeline, `PENDING` again: it runs from its first step (a cut step reuses its identical cut). Retries hold no credits: the input's charge was settled or released when it failed.", body = Pipeline),
        (status = 409, description = "`conflict`: the pipeline is not `FAILED`.", body = ErrorEnvelope)))]
pub async fn retry(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let pipeline = lifecycle::retry(&call.ports, call.account()?, call.param("id")?).await?;
    Ok(ApiResponse::json(200, &pipeline))
}

#[utoipa::path(post, path = "/api/v1/pipelines/{id}/steps/{step_id}/retry", tag = "pipelines",
    params(("id" = String, Path, description = "Pipeline id (`pip_…`)."),
           ("step_id" = String, Path, description = "Step id (`stp_…`).")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The pipeline, `RUNNING` again from this step; the steps before it keep what they made.", body = Pipeline),
        (status = 409, description = "`conflict`: the step or its pipeline is not `FAILED`.", body = ErrorEnvelope)))]
pub async fn retry_step(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let (pipeline_id, step_id) = (call.param("id")?, call.param("step_id")?);
    let pipeline = lifecycle::retry_step(&call.ports, call.account()?, pipeline_id, step_id).await?;
    Ok(ApiResponse::json(200, &pipeline))
}
