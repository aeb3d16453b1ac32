//! Request handlers, one module per resource: parse the request, call the domain, shape the
//! response. Each carries its `#[utoipa::path]`, the source of the OpenAPI document.

pub mod admin;
pub mod api_keys;
pub mod assets;
pub mod credits;
pub mod cuts;
pub mod docs;
pub mod pipelines;
pub mod projects;
pub mod renders;
pub mod seed_assets;
pub mod webhooks;

use serde::Deserialize;
use utoipa::IntoParams;

use super::ApiError;
use crate::domain::page::Page;

/// `limit` and `offset`, for lists without other filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1–100, default 20.
    pub limit: Option<u32>,
    /// ≥ 0, default 0.
    pub offset: Option<u64>,
}

pub fn page(limit: Option<u32>, offset: Option<u64>) -> Result<Page, ApiError> {
    Page::parse(limit, offset).map_err(ApiError::bad_request)
}

/// The list envelope of a page of `items`.
pub fn list_body<T>(listed: crate::domain::page::Listed<T>, page: Page) -> roughcut_shared::List<T> {
    roughcut_shared::List { items: listed.items, total: listed.total, limit: page.limit, offset: page.offset }
}
