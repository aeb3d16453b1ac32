//! `/v1/cuts`: create (idempotent), list (by asset, project, state), get, delete, and a completed
//! cut as an editor timeline or as captions.

use roughcut_engine::export::TimelineFormat;
use roughcut_shared::cuts::{CreateCut, Cut, CutState, CutTranscript};
use roughcut_shared::{ErrorEnvelope, List};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{list_body, page};
use crate::domain::cuts::exports::{self, CaptionFormat, ExportFile};
use crate::domain::cuts::{self};
use crate::domain::ports::cuts::CutFilter;
use crate::http::{ApiError, ApiResponse, Call};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCutsQuery {
    pub asset_id: Option<String>,
    pub project_id: Option<String>,
    pub state: Option<CutState>,
    /// 1–100, default 20.
    pub limit: Option<u32>,
    /// ≥ 0, default 0.
    pub offset: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `xmeml` (Premiere, Resolve), `fcpxml` (Final Cut Pro), `edl` (CMX 3600) or `otio`.
    pub format: String,
    /// The media reference: the path or URL the editor finds the recording at. Default: the
    /// asset's file name.
    pub filename: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SubtitleQuery {
    /// `srt` or `vtt`.
    pub format: String,
}

#[utoipa::path(post, path = "/v1/cuts", tag = "cuts", request_body = CreateCut,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "A new cut, `pending`; `Location` names it.", body = Cut),
        (status = 200, description = "The cut of the same asset, script and options, as it stands.", body = Cut),
        (status = 409, description = "`asset_processing` (with `Retry-After`), `asset_payment_required` or `asset_failed`.", body = ErrorEnvelope),
        (status = 422, description = "A script over 100,000 characters, or an option out of range.", body = ErrorEnvelope)))]
pub async fn create(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let body: CreateCut = call.request.json()?;
    let (cut, created) = cuts::create(&call.ports, call.account()?, &body).await?;
    if created {
        let location = format!("/v1/cuts/{}", cut.id);
        Ok(ApiResponse::json(201, &cut).with_header("location", location))
    } else {
        Ok(ApiResponse::json(200, &cut))
    }
}

#[utoipa::path(get, path = "/v1/cuts", tag = "cuts", params(ListCutsQuery),
    security(("api_key" = [])),
    responses((status = 200, description = "Cuts, newest first.", body = List<Cut>)))]
pub async fn list(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let query: ListCutsQuery = call.request.query()?;
    let page = page(query.limit, query.offset)?;
    let filter = CutFilter { asset_id: query.asset_id, project_id: query.project_id, state: query.state };
    let listed = cuts::list(&call.ports, call.account()?, &filter, page).await?;
    Ok(ApiResponse::json(200, &list_body(listed, page)))
}

#[utoipa::path(get, path = "/v1/cuts/{id}", tag = "cuts",
    params(("id" = String, Path, description = "Cut id (`cut_…`).")),
    security(("api_key" = [])),
    responses((status = 200, description = "The cut.", body = Cut)))]
pub async fn get(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let cut = cuts::get(&call.ports, call.account()?, call.param("id")?).await?;
    Ok(ApiResponse::json(200, &cuts::to_dto(&cut)))
}

#[utoipa::path(delete, path = "/v1/cuts/{id}", tag = "cuts",
    params(("id" = String, Path, description = "Cut id (`cut_…`).")),
    security(("api_key" = [])),
    responses((status = 204, description = "Deleted.")))]
pub async fn delete(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    cuts::delete(&call.ports, call.account()?, call.param("id")?).await?;
    Ok(ApiResponse::no_content())
}

fn file(export: ExportFile) -> ApiResponse {
    ApiResponse::attachment(export.body, export.content_type, &export.filename)
}

#[utoipa::path(get, path = "/v1/cuts/{id}/export", tag = "cuts",
    params(("id" = String, Path, description = "Cut id (`cut_…`)."), ExportQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The timeline file (an attachment).", content(
            (String = "application/json"), (String = "application/xml"), (String = "text/plain"))),
        (status = 409, description = "`modifier_not_ready`: the cut is not completed.", body = ErrorEnvelope)))]
pub async fn export(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let query: ExportQuery = call.request.query()?;
    let format = TimelineFormat::parse(&query.format)
        .map_err(|_| ApiError::bad_request("`format` is one of xmeml, fcpxml, edl, otio."))?;
    let id = call.param("id")?;
    let reference = query.filename.as_deref().map(str::trim).filter(|f| !f.is_empty());
    Ok(file(exports::timeline(&call.ports, call.account()?, id, format, reference).await?))
}

#[utoipa::path(get, path = "/v1/cuts/{id}/subtitle/export", tag = "cuts",
    params(("id" = String, Path, description = "Cut id (`cut_…`)."), SubtitleQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Captions of the kept words, re-timed to the cut (an attachment).", content(
            (String = "application/x-subrip"), (String = "text/vtt"))),
        (status = 409, description = "`modifier_not_ready`, or `unsupported_format` for a cut without a transcript.", body = ErrorEnvelope)))]
pub async fn subtitles(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let query: SubtitleQuery = call.request.query()?;
    let format = CaptionFormat::parse(&query.format).ok_or_else(|| ApiError::bad_request("`format` is srt or vtt."))?;
    Ok(file(exports::captions(&call.ports, call.account()?, call.param("id")?, format).await?))
}

#[utoipa::path(get, path = "/v1/cuts/{id}/transcript", tag = "cuts",
    params(("id" = String, Path, description = "Cut id (`cut_…`).")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The words the cut was planned from, on the source's timeline (seconds).", body = CutTranscript),
        (status = 409, description = "`modifier_not_ready`, or `unsupported_format` for a cut without a transcript.", body = ErrorEnvelope)))]
pub async fn transcript(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let words = exports::transcript(&call.ports, call.account()?, call.param("id")?).await?;
    Ok(ApiResponse::json(200, &words))
}
