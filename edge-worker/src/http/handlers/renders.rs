//! `/v1/renders`: create (idempotent on asset, cut and output), list (by asset, cut, state), get
//! (with a signed `download_url` once completed), delete (hard: an encode in flight stops).

use roughcut_shared::renders::{CreateRender, Render, RenderState};
use roughcut_shared::{ErrorEnvelope, List};
use serde::Deserialize;
use utoipa::IntoParams;

use super::assets::public_urls;
use super::{list_body, page};
use crate::domain::ports::renders::RenderFilter;
use crate::domain::renders::{self};
use crate::http::{ApiError, ApiResponse, Call};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListRendersQuery {
    pub asset_id: Option<String>,
    pub cut_id: Option<String>,
    pub state: Option<RenderState>,
    /// 1–100, default 20.
    pub limit: Option<u32>,
    /// ≥ 0, default 0.
    pub offset: Option<u64>,
}

#[utoipa::path(post, path = "/v1/renders", tag = "renders", request_body = CreateRender,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "A new render, `pending`; `Location` names it.", body = Render),
        (status = 200, description = "The render of the same asset, cut and output (a failed one is replaced).", body = Render),
        (status = 409, description = "`asset_not_ready` (video renders need the video `ready`), `asset_processing`, `asset_payment_required`, `asset_failed` (audio renders need the asset cuttable), `modifier_not_ready` (the cut is not completed).", body = ErrorEnvelope),
        (status = 422, description = "A video format for an audio asset, video options on an audio format, a tier or bitrate above the source or off the ladder, a cut of another asset or one that keeps nothing.", body = ErrorEnvelope)))]
pub async fn create(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let body: CreateRender = call.request.json()?;
    let (render, created) = renders::create(&call.ports, call.account()?, &body).await?;
    if created {
        let location = format!("/v1/renders/{}", render.id);
        Ok(ApiResponse::json(201, &render).with_header("location", location))
    } else {
        Ok(ApiResponse::json(200, &render))
    }
}

#[utoipa::path(get, path = "/v1/renders", tag = "renders", params(ListRendersQuery),
    security(("api_key" = [])),
    responses((status = 200, description = "Renders, newest first (without `download_url`).", body = List<Render>)))]
pub async fn list(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let query: ListRendersQuery = call.request.query()?;
    let page = page(query.limit, query.offset)?;
    let filter = RenderFilter { asset_id: query.asset_id, cut_id: query.cut_id, state: query.state };
    let listed = renders::list(&call.ports, call.account()?, &filter, page).await?;
    Ok(ApiResponse::json(200, &list_body(listed, page)))
}

#[utoipa::path(get, path = "/v1/renders/{id}", tag = "renders",
    params(("id" = String, Path, description = "Render id (`rnd_…`).")),
    security(("api_key" = [])),
    responses((status = 200, description = "The render; `download_url` (about 15 minutes) once completed.", body = Render)))]
pub async fn get(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let render = renders::get(&call.ports, call.account()?, call.param("id")?, public_urls(call)).await?;
    Ok(ApiResponse::json(200, &render))
}

#[utoipa::path(delete, path = "/v1/renders/{id}", tag = "renders",
    params(("id" = String, Path, description = "Render id (`rnd_…`).")),
    security(("api_key" = [])),
    responses((status = 204, description = "Deleted with its output; an encode in flight stops within seconds.")))]
pub async fn delete(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    renders::delete(&call.ports, call.account()?, call.param("id")?).await?;
    Ok(ApiResponse::no_content())
}
