//! Webhooks as stored: an account's endpoints (URL, subscribed types, signing secrets, whether
//! disabled), the attempts of delivering an event to one of them (one row each), the events still
//! to be fanned out to endpoints, and the two ways out: the queue that starts an attempt and the
//! HTTP client that sends it.

use async_trait::async_trait;

use crate::domain::StoreError;
use crate::domain::page::{Listed, Page};
use crate::domain::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRecord {
    pub id: String,
    pub account_id: String,
    pub url: String,
    pub description: Option<String>,
    pub event_types: Vec<String>,
    pub secret: String,
    /// The secret before the last rotation: it signs too until `expires`.
    pub previous_secret: Option<PreviousSecret>,
    pub disabled: Option<Disabled>,
    /// Since when every attempt to it has failed (none succeeded since).
    pub failing_since: Option<Timestamp>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousSecret {
    pub secret: String,
    pub expires: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disabled {
    pub at: Timestamp,
    /// `by_user`, `gone` (it answered 410) or `failing` (5 days of failures).
    pub reason: String,
}

/// A recorded event as webhooks send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    pub id: String,
    pub account_id: String,
    pub event_type: String,
    /// The `data` object of the body, JSON.
    pub data_json: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its queue message (until `due_at`).
    Pending,
    /// Claimed by a consumer, being sent.
    Sending,
    Succeeded,
    Failed,
}

impl DeliveryState {
    const ALL: [Self; 4] = [Self::Pending, Self::Sending, Self::Succeeded, Self::Failed];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == value)
    }
}

/// One attempt to deliver an event to an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event_type: String,
    /// 1-based, per endpoint and event, in the order attempts were made (redeliveries included).
    pub attempt: u32,
    /// The place of this attempt in the retry schedule (0 for the first); `None` for a manual
    /// redelivery, which is not retried.
    pub schedule_step: Option<u32>,
    pub state: DeliveryState,
    /// Not sent before this.
    pub due_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
    pub next_retry_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// What became of a sent attempt, applied once (to an attempt still `sending`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryOutcome {
    pub delivery_id: String,
    pub endpoint_id: String,
    pub succeeded: bool,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
    /// The next attempt, stored with the outcome (its `attempt` is assigned by the store).
    pub retry: Option<DeliveryRecord>,
    /// The endpoint is disabled with the outcome (a 410, or 5 days of failures).
    pub disable: Option<Disabled>,
    pub at: Timestamp,
}

/// Whether an outcome was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finished {
    /// With the retry as stored, if there is one.
    Applied { retry: Option<Box<DeliveryRecord>> },
    /// The attempt was not `sending` (finished already): nothing changed.
    Stale,
}

#[async_trait(?Send)]
pub trait WebhookStore {
    async fn insert_endpoint(&self, endpoint: &EndpointRecord) -> Result<(), StoreError>;
    async fn endpoint(&self, account_id: &str, endpoint_id: &str) -> Result<Option<EndpointRecord>, StoreError>;
    async fn endpoint_by_id(&self, endpoint_id: &str) -> Result<Option<EndpointRecord>, StoreError>;
    /// Newest first.
    async fn list_endpoints(&self, account_id: &str, page: Page) -> Result<Listed<EndpointRecord>, StoreError>;
    /// Every enabled endpoint of the account.
    async fn enabled_endpoints(&self, account_id: &str) -> Result<Vec<EndpointRecord>, StoreError>;
    /// Writes the endpoint's own fields; its failing streak stays as deliveries left it, except
    /// that enabling a disabled endpoint ends it. `false` when the account has no such endpoint.
    async fn update_endpoint(&self, endpoint: &EndpointRecord) -> Result<bool, StoreError>;
    /// Deletes the endpoint with its deliveries; `false` when the account has none.
    async fn delete_endpoint(&self, account_id: &str, endpoint_id: &str) -> Result<bool, StoreError>;

    /// Recorded events not yet fanned out, oldest first.
    async fn events_to_fan_out(&self, limit: u32) -> Result<Vec<WebhookEvent>, StoreError>;
    /// Stores each first attempt unless its endpoint already has one for the event (a fan-out
    /// that raced another), and marks the event fanned out; returns the attempts stored.
    async fn fan_out(
        &self,
        event_id: &str,
        first_attempts: &[DeliveryRecord],
        at: Timestamp,
    ) -> Result<Vec<DeliveryRecord>, StoreError>;
    /// Stores a `webhook.test` event (fanned out already: it goes to one endpoint) and its first
    /// attempt.
    async fn insert_test_event(&self, event: &WebhookEvent, first: &DeliveryRecord) -> Result<(), StoreError>;
    async fn event(&self, event_id: &str) -> Result<Option<WebhookEvent>, StoreError>;

    async fn delivery(&self, delivery_id: &str) -> Result<Option<DeliveryRecord>, StoreError>;
    /// Stores another attempt of an event to an endpoint, numbered after the last; returns it.
    async fn add_attempt(&self, delivery: &DeliveryRecord) -> Result<DeliveryRecord, StoreError>;
    /// `pending` and due → `sending`; `false` when it is not (a duplicate message, or early).
    async fn claim_delivery(&self, delivery_id: &str, now: Timestamp) -> Result<bool, StoreError>;
    /// Applies an outcome to an attempt still `sending`, with its retry and the endpoint's
    /// failing streak or disabling, all or nothing.
    async fn finish_delivery(&self, outcome: &DeliveryOutcome) -> Result<Finished, StoreError>;
    /// The endpoint's attempts, newest first (of one time, the later attempt first).
    async fn deliveries(&self, endpoint_id: &str, page: Page) -> Result<Listed<DeliveryRecord>, StoreError>;
    /// Attempts `pending` and due before `due_before`, or `sending` since before `sent_before`
    /// (their message or their consumer was lost), oldest first.
    async fn stuck_deliveries(
        &self,
        due_before: Timestamp,
        sent_before: Timestamp,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, StoreError>;
}

/// Starts delivery attempts: a queue message per attempt, after `delay_seconds`.
#[async_trait(?Send)]
pub trait DeliveryQueue {
    async fn send_delivery(&self, delivery_id: &str, delay_seconds: u32) -> Result<(), StoreError>;
}

/// A signed webhook request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// The receiver's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    /// The start of its body (capped by the sender).
    pub excerpt: String,
}

/// Sends webhook requests: POST, no redirects followed, a timeout; `Err` is why no answer came.
#[async_trait(?Send)]
pub trait WebhookSender {
    async fn send(&self, outgoing: &Outgoing) -> Result<Answer, String>;
}
