//! Webhooks: the endpoints an account registers, and the attempts to deliver events to them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /v1/webhook-endpoints`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookEndpoint {
    /// `https`, no userinfo, and not a private, loopback, link-local or reserved address.
    #[schema(example = "https://example.com/roughcut-webhooks")]
    pub url: String,
    /// One or more of the terminal event types.
    #[schema(example = json!(["cut.completed", "render.completed"]))]
    pub event_types: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// `PATCH /v1/webhook-endpoints/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookEndpoint {
    #[serde(default, deserialize_with = "crate::strict::present")]
    #[schema(nullable = false)]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "crate::strict::present")]
    #[schema(nullable = false)]
    pub event_types: Option<Vec<String>>,
    /// `null` or `""` clears it.
    #[serde(default, deserialize_with = "crate::strict::null_clears")]
    pub description: Option<String>,
    /// `true` stops deliveries; `false` enables the endpoint again (whatever disabled it).
    #[serde(default, deserialize_with = "crate::strict::present")]
    #[schema(nullable = false)]
    pub disabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookEndpoint {
    #[schema(example = "whe_01jd3m5x8k9q2w7e4r6t8y0u1i")]
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    pub event_types: Vec<String>,
    pub disabled: bool,
    /// `by_user`, `gone` (the endpoint answered 410) or `failing` (5 days of failed deliveries).
    pub disabled_reason: Option<String>,
    pub created_at: String,
    /// The signing secret (`whsec_` and base64): in the responses of create and rotate-secret only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// One attempt to deliver an event to an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookDelivery {
    #[schema(example = "whd_01jd3m5x8k9q2w7e4r6t8y0u1i")]
    pub id: String,
    pub endpoint_id: String,
    /// Also the `webhook-id` header: the same on every attempt of the event.
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    /// 1-based, per endpoint and event.
    pub attempt: u32,
    /// `pending`, `sending`, `succeeded` or `failed`.
    pub state: String,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    /// At most 1 KiB of the receiver's answer.
    pub response_excerpt: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
    /// When the next attempt is due, after a failed attempt that will be retried.
    pub next_retry_at: Option<String>,
}
