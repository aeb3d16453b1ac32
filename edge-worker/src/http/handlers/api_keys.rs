//! `/v1/api-keys` (and `/api/v1/api-keys`): create, list, revoke.

use roughcut_shared::List;
use roughcut_shared::api_keys::{ApiKey, CreateApiKey};

use super::{PageQuery, list_body, page};
use crate::domain::api_keys;
use crate::http::{ApiError, ApiResponse, Call};

#[utoipa::path(post, path = "/v1/api-keys", tag = "api-keys", request_body = CreateApiKey,
    security(("api_key" = [])),
    responses((status = 201, description = "The key; `plaintext` is shown only here.", body = ApiKey)))]
pub async fn create(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let body: CreateApiKey = call.request.json()?;
    let key = api_keys::create_key(&call.ports, call.account()?, &body.name).await?;
    Ok(ApiResponse::json(201, &key))
}

#[utoipa::path(get, path = "/v1/api-keys", tag = "api-keys", params(PageQuery),
    security(("api_key" = [])),
    responses((status = 200, description = "The account's keys, revoked ones included, oldest first.", body = List<ApiKey>)))]
pub async fn list(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let query: PageQuery = call.request.query()?;
    let page = page(query.limit, query.offset)?;
    let listed = api_keys::list_keys(&call.ports, call.account()?, page).await?;
    Ok(ApiResponse::json(200, &list_body(listed, page)))
}

#[utoipa::path(delete, path = "/v1/api-keys/{id}", tag = "api-keys",
    params(("id" = String, Path, description = "Key id (`key_…`).")),
    security(("api_key" = [])),
    responses((status = 204, description = "Revoked (idempotent); the key stops authenticating at once.")))]
pub async fn revoke(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    api_keys::revoke_key(&call.ports, call.account()?, call.param("id")?).await?;
    Ok(ApiResponse::no_content())
}
