//! `/v1/webhook-endpoints`: register, read, change and delete an account's endpoints, rotate
//! their signing secrets, and send them a test event.

use roughcut_shared::webhooks::{CreateWebhookEndpoint, UpdateWebhookEndpoint, WebhookDelivery, WebhookEndpoint};

use super::delivery::{self, first_attempt};
use super::{EVENT_TYPES, TEST_EVENT_TYPE, signature, target};
use crate::domain::DomainError;
use crate::domain::api_keys::Principal;
use crate::domain::ids::{IdKind, new_id};
use crate::domain::page::{Listed, Page};
use crate::domain::ports::Ports;
use crate::domain::ports::webhooks::{Disabled, EndpointRecord, PreviousSecret, WebhookEvent};
use crate::domain::time::Timestamp;
use roughcut_shared::FieldError;

/// How long a rotated secret keeps signing beside its successor.
const ROTATION_OVERLAP_MS: i64 = 24 * 60 * 60 * 1000;
const MAX_DESCRIPTION_CHARS: usize = 500;
const MAX_URL_CHARS: usize = 2_000;

/// What may be registered: the deployment's exception for the local stack's receivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Targets {
    /// `http://127.0.0.1:PORT` is allowed (`make dev` and the tests only).
    pub allow_loopback_http: bool,
}

pub async fn create(
    ports: &Ports<'_>,
    principal: &Principal,
    request: &CreateWebhookEndpoint,
    targets: Targets,
) -> Result<WebhookEndpoint, DomainError> {
    let mut errors = Vec::new();
    check_url(&request.url, targets, &mut errors);
    check_types(&request.event_types, &mut errors);
    check_description(request.description.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    let now = ports.clock.now();
    let endpoint = EndpointRecord {
        id: new_id(IdKind::WebhookEndpoint, now),
        account_id: principal.account_id.clone(),
        url: request.url.clone(),
        description: request.description.clone(),
        event_types: deduplicated(&request.event_types),
        secret: signature::new_secret(),
        previous_secret: None,
        disabled: None,
        failing_since: None,
        created_at: now,
    };
    ports.webhooks.insert_endpoint(&endpoint).await?;
    Ok(with_secret(&endpoint))
}

pub async fn get(ports: &Ports<'_>, principal: &Principal, endpoint_id: &str) -> Result<WebhookEndpoint, DomainError> {
    Ok(to_dto(&owned(ports, principal, endpoint_id).await?))
}

pub async fn list(
    ports: &Ports<'_>,
    principal: &Principal,
    page: Page,
) -> Result<Listed<WebhookEndpoint>, DomainError> {
    Ok(ports.webhooks.list_endpoints(&principal.account_id, page).await?.map(|e| to_dto(&e)))
}

pub async fn update(
    ports: &Ports<'_>,
    principal: &Principal,
    endpoint_id: &str,
    request: &UpdateWebhookEndpoint,
    targets: Targets,
) -> Result<WebhookEndpoint, DomainError> {
    let mut endpoint = owned(ports, principal, endpoint_id).await?;
    let mut errors = Vec::new();
    if let Some(url) = &request.url {
        check_url(url, targets, &mut errors);
        endpoint.url.clone_from(url);
    }
    if let Some(types) = &request.event_types {
        check_types(types, &mut errors);
        endpoint.event_types = deduplicated(types);
    }
    if let Some(description) = &request.description {
        check_description(Some(description), &mut errors);
        endpoint.description = Some(description.clone()).filter(|d| !d.is_empty());
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    match request.disabled {
        Some(true) if endpoint.disabled.is_none() => {
            endpoint.disabled = Some(Disabled { at: ports.clock.now(), reason: "by_user".into() });
        }
        // enabled again, its failing streak starts afresh (the store ends it)
        Some(false) => endpoint.disabled = None,
        _ => {}
    }
    if !ports.webhooks.update_endpoint(&endpoint).await? {
        return Err(DomainError::NotFound("webhook endpoint"));
    }
    Ok(to_dto(&endpoint))
}

pub async fn delete(ports: &Ports<'_>, principal: &Principal, endpoint_id: &str) -> Result<(), DomainError> {
    if ports.webhooks.delete_endpoint(&principal.account_id, endpoint_id).await? {
        Ok(())
    } else {
        Err(DomainError::NotFound("webhook endpoint"))
    }
}

/// A new secret; the one it replaces keeps signing for 24 hours (a secret rotated twice within
/// them gives up the oldest).
pub async fn rotate_secret(
    ports: &Ports<'_>,
    principal: &Principal,
    endpoint_id: &str,
) -> Result<WebhookEndpoint, DomainError> {
    let mut endpoint = owned(ports, principal, endpoint_id).await?;
    let now = ports.clock.now();
    let previous = std::mem::replace(&mut endpoint.secret, signature::new_secret());
    endpoint.previous_secret =
        Some(PreviousSecret { secret: previous, expires: Timestamp(now.0 + ROTATION_OVERLAP_MS) });
    if !ports.webhooks.update_endpoint(&endpoint).await? {
        return Err(DomainError::NotFound("webhook endpoint"));
    }
    Ok(with_secret(&endpoint))
}

/// Sends a `webhook.test` event to the endpoint now (retried like any other).
pub async fn test(ports: &Ports<'_>, principal: &Principal, endpoint_id: &str) -> Result<WebhookDelivery, DomainError> {
    let endpoint = owned(ports, principal, endpoint_id).await?;
    if endpoint.disabled.is_some() {
        return Err(DomainError::Conflict("The endpoint is disabled: enable it (PATCH disabled:false) first.".into()));
    }
    let now = ports.clock.now();
    let event = WebhookEvent {
        id: new_id(IdKind::Event, now),
        account_id: endpoint.account_id.clone(),
        event_type: TEST_EVENT_TYPE.to_owned(),
        data_json: serde_json::json!({ "entity_id": endpoint.id }).to_string(),
        created_at: now,
    };
    let first = first_attempt(&endpoint.id, &event, now);
    ports.webhooks.insert_test_event(&event, &first).await?;
    ports.deliveries.send_delivery(&first.id, 0).await?;
    Ok(delivery::to_dto(&first))
}

pub(super) async fn owned(
    ports: &Ports<'_>,
    principal: &Principal,
    endpoint_id: &str,
) -> Result<EndpointRecord, DomainError> {
    let endpoint = ports.webhooks.endpoint(&principal.account_id, endpoint_id).await?;
    endpoint.ok_or(DomainError::NotFound("webhook endpoint"))
}

fn check_url(url: &str, targets: Targets, errors: &mut Vec<FieldError>) {
    let refusal = if url.chars().count() > MAX_URL_CHARS {
        Some(format!("must be at most {MAX_URL_CHARS} characters"))
    } else {
        target::check(url, targets.allow_loopback_http).err()
    };
    if let Some(message) = refusal {
        errors.push(FieldError { field: "body.url".into(), message });
    }
}

fn check_types(types: &[String], errors: &mut Vec<FieldError>) {
    if types.is_empty() {
        errors.push(FieldError { field: "body.event_types".into(), message: "name 1 or more event types".into() });
    }
    for (index, event_type) in types.iter().enumerate() {
        if !EVENT_TYPES.contains(&event_type.as_str()) {
            errors.push(FieldError {
                field: format!("body.event_types[{index}]"),
                message: format!("is not an event type; one of {}", EVENT_TYPES.join(", ")),
            });
        }
    }
}

fn check_description(description: Option<&str>, errors: &mut Vec<FieldError>) {
    if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS) {
        let message = format!("must be at most {MAX_DESCRIPTION_CHARS} characters");
        errors.push(FieldError { field: "body.description".into(), message });
    }
}

fn deduplicated(types: &[String]) -> Vec<String> {
    let mut unique: Vec<String> = Vec::with_capacity(types.len());
    for event_type in types {
        if !unique.contains(event_type) {
            unique.push(event_type.clone());
        }
    }
    unique
}

pub fn to_dto(endpoint: &EndpointRecord) -> WebhookEndpoint {
    WebhookEndpoint {
        id: endpoint.id.clone(),
        url: endpoint.url.clone(),
        description: endpoint.description.clone(),
        event_types: endpoint.event_types.clone(),
        disabled: endpoint.disabled.is_some(),
        disabled_reason: endpoint.disabled.as_ref().map(|d| d.reason.clone()),
        created_at: endpoint.created_at.to_rfc3339(),
        secret: None,
    }
}

/// The endpoint as create and rotate-secret show it: with its secret.
fn with_secret(endpoint: &EndpointRecord) -> WebhookEndpoint {
    WebhookEndpoint { secret: Some(endpoint.secret.clone()), ..to_dto(endpoint) }
}
