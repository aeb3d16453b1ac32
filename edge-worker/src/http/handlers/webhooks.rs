//! `/v1/webhook-endpoints`: endpoints, their secrets, a test event, and the attempts of delivery.

use roughcut_shared::webhooks::{CreateWebhookEndpoint, UpdateWebhookEndpoint, WebhookDelivery, WebhookEndpoint};
use roughcut_shared::{ErrorEnvelope, List};

use super::{PageQuery, list_body, page};
use crate::domain::webhooks::{delivery, endpoints};
use crate::http::{ApiError, ApiResponse, Call};

#[utoipa::path(post, path = "/v1/webhook-endpoints", tag = "webhooks", request_body = CreateWebhookEndpoint,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "The endpoint with its signing `secret` (`whsec_…`), shown this once. Terminal events of the subscribed types go to it from now on, signed per the Standard Webhooks spec. `Location` names it.", body = WebhookEndpoint),
        (status = 422, description = "`body.url`: not https, with userinfo, or a private, loopback, link-local or reserved address or an internal name; `body.event_types`: empty or with an unknown type.", body = ErrorEnvelope)))]
pub async fn create(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let body: CreateWebhookEndpoint = call.request.json()?;
    let endpoint = endpoints::create(&call.ports, call.account()?, &body, call.config.webhook_targets).await?;
    let location = format!("/v1/webhook-endpoints/{}", endpoint.id);
    Ok(ApiResponse::json(201, &endpoint).with_header("location", location))
}

#[utoipa::path(get, path = "/v1/webhook-endpoints", tag = "webhooks", params(PageQuery),
    security(("api_key" = [])),
    responses((status = 200, description = "The account's endpoints, newest first (without secrets).", body = List<WebhookEndpoint>)))]
pub async fn list(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let query: PageQuery = call.request.query()?;
    let page = page(query.limit, query.offset)?;
    let listed = endpoints::list(&call.ports, call.account()?, page).await?;
    Ok(ApiResponse::json(200, &list_body(listed, page)))
}

#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Endpoint id (`whe_…`).")),
    security(("api_key" = [])),
    responses((status = 200, description = "The endpoint (without its secret).", body = WebhookEndpoint)))]
pub async fn get(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let endpoint = endpoints::get(&call.ports, call.account()?, call.param("id")?).await?;
    Ok(ApiResponse::json(200, &endpoint))
}

#[utoipa::path(patch, path = "/v1/webhook-endpoints/{id}", tag = "webhooks", request_body = UpdateWebhookEndpoint,
    params(("id" = String, Path, description = "Endpoint id (`whe_…`).")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The endpoint. `disabled: true` stops deliveries; `disabled: false` enables it again, whatever disabled it.", body = WebhookEndpoint),
        (status = 422, description = "As on create, for the fields given.", body = ErrorEnvelope)))]
pub async fn update(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let body: UpdateWebhookEndpoint = call.request.json()?;
    let (account, id) = (call.account()?, call.param("id")?);
    let endpoint = endpoints::update(&call.ports, account, id, &body, call.config.webhook_targets).await?;
    Ok(ApiResponse::json(200, &endpoint))
}

#[utoipa::path(delete, path = "/v1/webhook-endpoints/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Endpoint id (`whe_…`).")),
    security(("api_key" = [])),
    responses((status = 204, description = "Deleted, with its deliveries; nothing more is sent to it.")))]
pub async fn delete(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    endpoints::delete(&call.ports, call.account()?, call.param("id")?).await?;
    Ok(ApiResponse::no_content())
}

#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/rotate-secret", tag = "webhooks",
    params(("id" = String, Path, description = "Endpoint id (`whe_…`).")),
    security(("api_key" = [])),
    responses((status = 200, description = "The endpoint with its new `secret`. For 24 hours the previous secret signs every message too: `webhook-signature` carries two `v1,` signatures.", body = WebhookEndpoint)))]
pub async fn rotate_secret(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let endpoint = endpoints::rotate_secret(&call.ports, call.account()?, call.param("id")?).await?;
    Ok(ApiResponse::json(200, &endpoint))
}

#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/test", tag = "webhooks",
    params(("id" = String, Path, description = "Endpoint id (`whe_…`).")),
    security(("api_key" = [])),
    responses(
        (status = 202, description = "A `webhook.test` event (`data.entity_id` is the endpoint), sent now and retried like any other; its first attempt.", body = WebhookDelivery),
        (status = 409, description = "`conflict`: the endpoint is disabled.", body = ErrorEnvelope)))]
pub async fn test(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let attempt = endpoints::test(&call.ports, call.account()?, call.param("id")?).await?;
    Ok(ApiResponse::json(202, &attempt))
}

#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}/deliveries", tag = "webhooks", params(
        ("id" = String, Path, description = "Endpoint id (`whe_…`)."),
        PageQuery),
    security(("api_key" = [])),
    responses((status = 200, description = "Every attempt to the endpoint, newest first: state, status code, error, an excerpt of the answer, and when a failed attempt is retried.", body = List<WebhookDelivery>)))]
pub async fn deliveries(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let query: PageQuery = call.request.query()?;
    let page = page(query.limit, query.offset)?;
    let listed = delivery::list(&call.ports, call.account()?, call.param("id")?, page).await?;
    Ok(ApiResponse::json(200, &list_body(listed, page)))
}

#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/deliveries/{delivery_id}/redeliver", tag = "webhooks",
    params(("id" = String, Path, description = "Endpoint id (`whe_…`)."),
           ("delivery_id" = String, Path, description = "Delivery id (`whd_…`).")),
    security(("api_key" = [])),
    responses(
        (status = 202, description = "One more attempt of the same event (same `webhook-id`), sent now; not retried if it fails.", body = WebhookDelivery),
        (status = 409, description = "`conflict`: the endpoint is disabled.", body = ErrorEnvelope)))]
pub async fn redeliver(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let (account, id, delivery_id) = (call.account()?, call.param("id")?, call.param("delivery_id")?);
    let attempt = delivery::redeliver(&call.ports, account, id, delivery_id).await?;
    Ok(ApiResponse::json(202, &attempt))
}
