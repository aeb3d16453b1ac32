//! Delivering events. Recorded terminal events are fanned out to the account's subscribed
//! endpoints (a first attempt each); a queue message runs one attempt: claimed once, signed, sent,
//! and its outcome recorded once with the next attempt of the retry schedule. Each attempt is a
//! row, so the deliveries list is the history. A sweep restarts attempts whose message or
//! consumer was lost.

use std::collections::HashMap;

use roughcut_shared::webhooks::WebhookDelivery;

use super::endpoints::{Targets, owned};
use super::{signature, target};
use crate::domain::api_keys::Principal;
use crate::domain::ids::{IdKind, new_id, random_bytes};
use crate::domain::page::{Listed, Page};
use crate::domain::ports::Ports;
use crate::domain::ports::webhooks::{
    Answer, DeliveryOutcome, DeliveryRecord, DeliveryState, Disabled, EndpointRecord, Finished, Outgoing, WebhookEvent,
    WebhookSender,
};
use crate::domain::time::Timestamp;
use crate::domain::{DomainError, StoreError};

/// Seconds before each retry: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (about 3 days
/// in all, as Svix's schedule), each ±10 %.
pub const RETRY_SCHEDULE_SECONDS: [u32; 9] = [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400];
/// An endpoint failing this long without a success is disabled.
const DISABLE_AFTER_MS: i64 = 5 * 24 * 60 * 60 * 1000;
/// The longest delay Cloudflare Queues gives a message: a later attempt is sent again on arrival.
const MAX_QUEUE_DELAY_SECONDS: u32 = 12 * 60 * 60;
/// The bounds of a receiver's `Retry-After`.
const RETRY_AFTER_SECONDS: std::ops::RangeInclusive<u32> = 1..=86_400;
/// Events fanned out per call.
const FAN_OUT_BATCH: u32 = 50;
/// An attempt pending this long past due, or sending this long, lost its message or consumer.
const STUCK_AFTER_MS: i64 = 60_000;
pub const USER_AGENT: &str = "roughcut-webhooks/1";

/// What running attempts needs beyond the ports.
#[derive(Clone, Copy)]
pub struct DeliveryDeps<'a> {
    pub ports: Ports<'a>,
    pub sender: &'a dyn WebhookSender,
    pub targets: Targets,
}

impl std::fmt::Debug for DeliveryDeps<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryDeps").field("targets", &self.targets).finish_non_exhaustive()
    }
}

/// The first attempt of `event` to an endpoint, due now.
pub fn first_attempt(endpoint_id: &str, event: &WebhookEvent, now: Timestamp) -> DeliveryRecord {
    DeliveryRecord {
        id: new_id(IdKind::WebhookDelivery, now),
        endpoint_id: endpoint_id.to_owned(),
        event_id: event.id.clone(),
        event_type: event.event_type.clone(),
        attempt: 1,
        schedule_step: Some(0),
        state: DeliveryState::Pending,
        due_at: now,
        sent_at: None,
        status_code: None,
        error: None,
        response_excerpt: None,
        next_retry_at: None,
        created_at: now,
    }
}

/// Fans out the events recorded since the last call to the endpoints subscribed to them when
/// they happened, and starts their first attempts; returns how many it started. Safe to run
/// concurrently and again: an endpoint gets one first attempt per event.
pub async fn fan_out(ports: &Ports<'_>) -> Result<usize, StoreError> {
    let events = ports.webhooks.events_to_fan_out(FAN_OUT_BATCH).await?;
    let mut endpoints_of: HashMap<String, Vec<EndpointRecord>> = HashMap::new();
    let mut started = 0;
    for event in events {
        if !endpoints_of.contains_key(&event.account_id) {
            let endpoints = ports.webhooks.enabled_endpoints(&event.account_id).await?;
            endpoints_of.insert(event.account_id.clone(), endpoints);
        }
        let now = ports.clock.now();
        let subscribed = endpoints_of[&event.account_id]
            .iter()
            .filter(|e| e.event_types.contains(&event.event_type) && e.created_at <= event.created_at);
        let firsts: Vec<DeliveryRecord> = subscribed.map(|e| first_attempt(&e.id, &event, now)).collect();
        for stored in ports.webhooks.fan_out(&event.id, &firsts, now).await? {
            ports.deliveries.send_delivery(&stored.id, 0).await?;
            started += 1;
        }
    }
    Ok(started)
}

/// The queue message of an attempt: sends it unless it ran already (a duplicate message) or is
/// not due yet (a delay longer than a queue message's: sent again for the rest).
pub async fn deliver(deps: &DeliveryDeps<'_>, delivery_id: &str) -> Result<(), StoreError> {
    let ports = &deps.ports;
    let Some(delivery) = ports.webhooks.delivery(delivery_id).await? else { return Ok(()) };
    let now = ports.clock.now();
    if delivery.state == DeliveryState::Pending && delivery.due_at > now {
        return ports.deliveries.send_delivery(delivery_id, queue_delay(delivery.due_at, now)).await;
    }
    if !ports.webhooks.claim_delivery(delivery_id, now).await? {
        return Ok(());
    }
    let endpoint = ports.webhooks.endpoint_by_id(&delivery.endpoint_id).await?;
    let event = ports.webhooks.event(&delivery.event_id).await?;
    // a failure before sending is final: nothing would change by trying again
    let outcome = match (&endpoint, &event) {
        (Some(endpoint), _) if endpoint.disabled.is_some() => {
            final_failure(&delivery, "the endpoint is disabled".into(), now)
        }
        (Some(endpoint), Some(event)) => match target::check(&endpoint.url, deps.targets.allow_loopback_http) {
            Ok(_) => {
                let answered = deps.sender.send(&request(endpoint, event, now)).await;
                outcome_of(&delivery, endpoint, answered, ports.clock.now())
            }
            Err(refusal) => final_failure(&delivery, format!("the endpoint's URL {refusal}"), now),
        },
        _ => final_failure(&delivery, "the endpoint or its event is gone".into(), now),
    };
    if let Finished::Applied { retry: Some(retry) } = ports.webhooks.finish_delivery(&outcome).await? {
        ports.deliveries.send_delivery(&retry.id, queue_delay(retry.due_at, ports.clock.now())).await?;
    }
    Ok(())
}

/// The signed request of `event` to `endpoint`: Standard Webhooks' headers, and Svix's names for
/// the same values (receivers built on Svix's libraries read those).
pub fn request(endpoint: &EndpointRecord, event: &WebhookEvent, now: Timestamp) -> Outgoing {
    let body = body(event);
    let timestamp = now.0.div_euclid(1000);
    let mut secrets = vec![endpoint.secret.as_str()];
    if let Some(previous) = endpoint.previous_secret.as_ref().filter(|p| p.expires > now) {
        secrets.push(&previous.secret);
    }
    let signed = signature::signatures(&secrets, &event.id, timestamp, &body);
    let mut headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("user-agent".to_owned(), USER_AGENT.to_owned()),
    ];
    for prefix in ["webhook", "svix"] {
        headers.push((format!("{prefix}-id"), event.id.clone()));
        headers.push((format!("{prefix}-timestamp"), timestamp.to_string()));
        headers.push((format!("{prefix}-signature"), signed.clone()));
    }
    Outgoing { url: endpoint.url.clone(), headers, body }
}

/// `{"type":…,"data":…}`, the data as recorded.
fn body(event: &WebhookEvent) -> String {
    let event_type = serde_json::Value::String(event.event_type.clone());
    format!(r#"{{"type":{event_type},"data":{}}}"#, event.data_json)
}

/// What an answer (or its absence) makes of an attempt: 2xx succeeded; 410 disables the
/// endpoint; anything else is retried on the schedule (sooner or later as a 429's or 503's
/// `Retry-After` asks), unless the endpoint has failed for 5 days, which disables it.
fn outcome_of(
    delivery: &DeliveryRecord,
    endpoint: &EndpointRecord,
    answered: Result<Answer, String>,
    now: Timestamp,
) -> DeliveryOutcome {
    let (status, retry_after, excerpt, error) = match answered {
        Ok(answer) => (Some(answer.status), answer.retry_after, Some(answer.excerpt), None),
        Err(error) => (None, None, None, Some(error)),
    };
    let mut outcome = DeliveryOutcome {
        delivery_id: delivery.id.clone(),
        endpoint_id: delivery.endpoint_id.clone(),
        succeeded: status.is_some_and(|s| (200..300).contains(&s)),
        status_code: status,
        error,
        response_excerpt: excerpt.filter(|e| !e.is_empty()),
        retry: None,
        disable: None,
        at: now,
    };
    if outcome.succeeded {
        return outcome;
    }
    if status == Some(410) {
        outcome.disable = Some(Disabled { at: now, reason: "gone".into() });
        return outcome;
    }
    let failing_since = endpoint.failing_since.unwrap_or(now);
    if now.0 - failing_since.0 >= DISABLE_AFTER_MS {
        outcome.disable = Some(Disabled { at: now, reason: "failing".into() });
        return outcome;
    }
    let asked = retry_after.filter(|_| matches!(status, Some(429 | 503))).and_then(|v| seconds_of(&v, now));
    outcome.retry = delivery.schedule_step.and_then(|step| {
        let scheduled = RETRY_SCHEDULE_SECONDS.get(usize::try_from(step).ok()?)?;
        let delay_ms = match asked {
            Some(seconds) => i64::from(seconds.clamp(*RETRY_AFTER_SECONDS.start(), *RETRY_AFTER_SECONDS.end())) * 1000,
            None => jittered(*scheduled),
        };
        Some(DeliveryRecord {
            id: new_id(IdKind::WebhookDelivery, now),
            schedule_step: Some(step + 1),
            due_at: Timestamp(now.0 + delay_ms),
            created_at: now,
            ..first_attempt(&delivery.endpoint_id, &event_of(delivery), now)
        })
    });
    outcome
}

/// A failure that no retry would change (nothing was sent).
fn final_failure(delivery: &DeliveryRecord, error: String, now: Timestamp) -> DeliveryOutcome {
    DeliveryOutcome {
        delivery_id: delivery.id.clone(),
        endpoint_id: delivery.endpoint_id.clone(),
        succeeded: false,
        status_code: None,
        error: Some(error),
        response_excerpt: None,
        retry: None,
        disable: None,
        at: now,
    }
}

/// The event a delivery names, as far as a next attempt needs it.
fn event_of(delivery: &DeliveryRecord) -> WebhookEvent {
    WebhookEvent {
        id: delivery.event_id.clone(),
        account_id: String::new(),
        event_type: delivery.event_type.clone(),
        data_json: String::new(),
        created_at: delivery.created_at,
    }
}

/// `scheduled` seconds ±10 %, in ms.
fn jittered(scheduled: u32) -> i64 {
    let mut random = [0u8; 2];
    random_bytes(&mut random);
    let unit = f64::from(u16::from_le_bytes(random)) / f64::from(u16::MAX); // 0..=1
    let factor = 0.9 + 0.2 * unit;
    (f64::from(scheduled) * 1000.0 * factor).round() as i64
}

/// A `Retry-After` value in seconds: a number, or an HTTP date.
fn seconds_of(value: &str, now: Timestamp) -> Option<u32> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u32>() {
        return Some(seconds);
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let seconds = (date.timestamp_millis() - now.0).div_euclid(1000);
    u32::try_from(seconds.max(0)).ok()
}

/// The delay of the message of an attempt due at `due`, within what a queue message allows.
fn queue_delay(due: Timestamp, now: Timestamp) -> u32 {
    let seconds = ((due.0 - now.0).max(0) + 999) / 1000;
    u32::try_from(seconds).unwrap_or(u32::MAX).min(MAX_QUEUE_DELAY_SECONDS)
}

/// `POST …/{id}/deliveries/{delivery_id}/redeliver`: the delivery's event again, to the same
/// endpoint, now; one attempt, not retried.
pub async fn redeliver(
    ports: &Ports<'_>,
    principal: &Principal,
    endpoint_id: &str,
    delivery_id: &str,
) -> Result<WebhookDelivery, DomainError> {
    let endpoint = owned(ports, principal, endpoint_id).await?;
    let original = ports.webhooks.delivery(delivery_id).await?.filter(|d| d.endpoint_id == endpoint.id);
    let original = original.ok_or(DomainError::NotFound("webhook delivery"))?;
    if endpoint.disabled.is_some() {
        return Err(DomainError::Conflict("The endpoint is disabled: enable it (PATCH disabled:false) first.".into()));
    }
    let now = ports.clock.now();
    let again = DeliveryRecord {
        id: new_id(IdKind::WebhookDelivery, now),
        schedule_step: None,
        ..first_attempt(&endpoint.id, &event_of(&original), now)
    };
    let stored = ports.webhooks.add_attempt(&again).await?;
    ports.deliveries.send_delivery(&stored.id, 0).await?;
    Ok(to_dto(&stored))
}

/// `GET …/{id}/deliveries`: the endpoint's attempts, newest first.
pub async fn list(
    ports: &Ports<'_>,
    principal: &Principal,
    endpoint_id: &str,
    page: Page,
) -> Result<Listed<WebhookDelivery>, DomainError> {
    let endpoint = owned(ports, principal, endpoint_id).await?;
    Ok(ports.webhooks.deliveries(&endpoint.id, page).await?.map(|d| to_dto(&d)))
}

/// The sweep's part: attempts whose message was lost are sent again; attempts whose consumer
/// died mid-send failed, and are retried on the schedule. Returns how many it found.
pub async fn sweep(ports: &Ports<'_>) -> Result<usize, StoreError> {
    let now = ports.clock.now();
    let stale = now.minus_millis(STUCK_AFTER_MS);
    let stuck = ports.webhooks.stuck_deliveries(stale, stale, 100).await?;
    for delivery in &stuck {
        match delivery.state {
            DeliveryState::Sending => {
                let Some(endpoint) = ports.webhooks.endpoint_by_id(&delivery.endpoint_id).await? else { continue };
                let lost = Err("no answer was recorded (the attempt was lost)".to_owned());
                let outcome = outcome_of(delivery, &endpoint, lost, now);
                if let Finished::Applied { retry: Some(retry) } = ports.webhooks.finish_delivery(&outcome).await? {
                    ports.deliveries.send_delivery(&retry.id, queue_delay(retry.due_at, now)).await?;
                }
            }
            _ => ports.deliveries.send_delivery(&delivery.id, 0).await?,
        }
    }
    Ok(stuck.len())
}

pub fn to_dto(delivery: &DeliveryRecord) -> WebhookDelivery {
    WebhookDelivery {
        id: delivery.id.clone(),
        endpoint_id: delivery.endpoint_id.clone(),
        event_id: delivery.event_id.clone(),
        event_type: delivery.event_type.clone(),
        attempt: delivery.attempt,
        state: delivery.state.as_str().to_owned(),
        status_code: delivery.status_code,
        error: delivery.error.clone(),
        response_excerpt: delivery.response_excerpt.clone(),
        created_at: delivery.created_at.to_rfc3339(),
        sent_at: delivery.sent_at.map(Timestamp::to_rfc3339),
        next_retry_at: delivery.next_retry_at.map(Timestamp::to_rfc3339),
    }
}
