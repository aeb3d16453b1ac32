//! `/api/v1/assets`: the seed surface's asset endpoints (seed 001) — list by state, get, delete —
//! over the same assets as `/v1/assets`, with UPPERCASE types and states.

use roughcut_shared::List;
use roughcut_shared::assets::{SeedAsset, SeedAssetState};
use serde::Deserialize;
use utoipa::IntoParams;

use super::assets::public_urls;
use super::{list_body, page};
use crate::domain::assets::{self, seed_filter, to_seed};
use crate::http::{ApiError, ApiResponse, Call};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListSeedAssetsQuery {
    /// `PENDING_UPLOAD`, `READY` (bytes stored) or `DELETED` (within the 30-day grace).
    pub state: Option<SeedAssetState>,
    /// 1–100, default 20.
    pub limit: Option<u32>,
    /// ≥ 0, default 0.
    pub offset: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/assets", tag = "seed", params(ListSeedAssetsQuery),
    security(("api_key" = [])),
    responses((status = 200, description = "Assets, newest first.", body = List<SeedAsset>)))]
pub async fn list(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let query: ListSeedAssetsQuery = call.request.query()?;
    let page = page(query.limit, query.offset)?;
    let filter = query.state.map(seed_filter).unwrap_or_default();
    let listed = assets::list(&call.ports, call.account()?, &filter, page, public_urls(call)).await?;
    Ok(ApiResponse::json(200, &list_body(listed.map(to_seed), page)))
}

#[utoipa::path(get, path = "/api/v1/assets/{id}", tag = "seed",
    params(("id" = String, Path, description = "Asset id (`ast_…`).")),
    security(("api_key" = [])),
    responses((status = 200, description = "The asset; `download_url` when `READY`.", body = SeedAsset)))]
pub async fn get(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let asset = assets::get_seed(&call.ports, call.account()?, call.param("id")?, public_urls(call)).await?;
    Ok(ApiResponse::json(200, &asset))
}

#[utoipa::path(delete, path = "/api/v1/assets/{id}", tag = "seed",
    params(("id" = String, Path, description = "Asset id (`ast_…`).")),
    security(("api_key" = [])),
    responses((status = 204, description = "Soft-deleted: `DELETED`, bytes purged after 30 days.")))]
pub async fn delete(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    assets::delete(&call.ports, call.account()?, call.param("id")?).await?;
    Ok(ApiResponse::no_content())
}
