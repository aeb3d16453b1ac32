//! The webhook store in memory, with the D1 adapter's contract: endpoints scoped to their account,
//! one first attempt per endpoint and event, attempts numbered per endpoint and event, an outcome
//! applied only to an attempt still sending, and deliveries deleted with their endpoint.

use async_trait::async_trait;

use super::{MemoryStore, Tables, foreign_key_failed, page_of};
use crate::domain::StoreError;
use crate::domain::page::{Listed, Page};
use crate::domain::ports::processing::EventRecord;
use crate::domain::ports::webhooks::{
    DeliveryOutcome, DeliveryQueue, DeliveryRecord, DeliveryState, EndpointRecord, Finished, WebhookEvent, WebhookStore,
};
use crate::domain::time::Timestamp;

impl MemoryStore {
    /// Records a terminal event as the stores of assets, cuts and renders do (once per entity
    /// and type).
    pub fn record_terminal_event(&self, event: EventRecord) {
        self.record_event(event);
    }

    /// Delivery attempts sent to the queue, with their delays, in order.
    pub fn delivery_messages(&self) -> Vec<(String, u32)> {
        self.tables.borrow().delivery_messages.clone()
    }
}

#[async_trait(?Send)]
impl DeliveryQueue for MemoryStore {
    async fn send_delivery(&self, delivery_id: &str, delay_seconds: u32) -> Result<(), StoreError> {
        self.check()?;
        self.tables.borrow_mut().delivery_messages.push((delivery_id.to_owned(), delay_seconds));
        Ok(())
    }
}

/// An event as D1 stores its data: `{"entity_id", "asset_id"}` (the asset when it has one).
fn as_webhook_event(event: &EventRecord) -> WebhookEvent {
    // in D1's order (`json_object('entity_id', …, 'asset_id', …)`), which the body keeps
    let quoted = |text: &str| serde_json::Value::String(text.to_owned()).to_string();
    let data = match &event.asset_id {
        Some(asset_id) => format!(r#"{{"entity_id":{},"asset_id":{}}}"#, quoted(&event.entity_id), quoted(asset_id)),
        None => format!(r#"{{"entity_id":{}}}"#, quoted(&event.entity_id)),
    };
    WebhookEvent {
        id: event.id.clone(),
        account_id: event.account_id.clone(),
        event_type: event.event_type.clone(),
        data_json: data,
        created_at: event.created_at,
    }
}

/// The attempt numbered after the last of its endpoint and event.
fn numbered(tables: &Tables, delivery: &DeliveryRecord) -> DeliveryRecord {
    let last = tables
        .webhook_deliveries
        .iter()
        .filter(|d| d.endpoint_id == delivery.endpoint_id && d.event_id == delivery.event_id)
        .map(|d| d.attempt)
        .max()
        .unwrap_or(0);
    DeliveryRecord { attempt: last + 1, ..delivery.clone() }
}

fn newest_first<T: Clone, K: Ord>(mut items: Vec<&T>, order: impl Fn(&T) -> K, page: Page) -> Listed<T> {
    items.sort_by_key(|item| std::cmp::Reverse(order(item)));
    page_of(items, page)
}

#[async_trait(?Send)]
impl WebhookStore for MemoryStore {
    async fn insert_endpoint(&self, endpoint: &EndpointRecord) -> Result<(), StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        tables.check_references(&endpoint.account_id, None, None)?;
        tables.webhook_endpoints.push(endpoint.clone());
        Ok(())
    }

    async fn endpoint(&self, account_id: &str, endpoint_id: &str) -> Result<Option<EndpointRecord>, StoreError> {
        Ok(self.endpoint_by_id(endpoint_id).await?.filter(|e| e.account_id == account_id))
    }

    async fn endpoint_by_id(&self, endpoint_id: &str) -> Result<Option<EndpointRecord>, StoreError> {
        self.check()?;
        Ok(self.tables.borrow().webhook_endpoints.iter().find(|e| e.id == endpoint_id).cloned())
    }

    async fn list_endpoints(&self, account_id: &str, page: Page) -> Result<Listed<EndpointRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let mine = tables.webhook_endpoints.iter().filter(|e| e.account_id == account_id).collect();
        Ok(newest_first(mine, |e: &EndpointRecord| (e.created_at, e.id.clone()), page))
    }

    async fn enabled_endpoints(&self, account_id: &str) -> Result<Vec<EndpointRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let enabled = tables.webhook_endpoints.iter().filter(|e| e.account_id == account_id && e.disabled.is_none());
        Ok(enabled.cloned().collect())
    }

    async fn update_endpoint(&self, endpoint: &EndpointRecord) -> Result<bool, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let stored =
            tables.webhook_endpoints.iter_mut().find(|e| e.id == endpoint.id && e.account_id == endpoint.account_id);
        let Some(stored) = stored else { return Ok(false) };
        let enabled_again = stored.disabled.is_some() && endpoint.disabled.is_none();
        let failing_since = if enabled_again { None } else { stored.failing_since };
        *stored = EndpointRecord { failing_since, ..endpoint.clone() };
        Ok(true)
    }

    async fn delete_endpoint(&self, account_id: &str, endpoint_id: &str) -> Result<bool, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let before = tables.webhook_endpoints.len();
        tables.webhook_endpoints.retain(|e| !(e.id == endpoint_id && e.account_id == account_id));
        if tables.webhook_endpoints.len() == before {
            return Ok(false);
        }
        tables.webhook_deliveries.retain(|d| d.endpoint_id != endpoint_id);
        Ok(true)
    }

    async fn events_to_fan_out(&self, limit: u32) -> Result<Vec<WebhookEvent>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let mut pending: Vec<&EventRecord> =
            tables.events.iter().filter(|e| !tables.fanned_out.contains(&e.id)).collect();
        pending.sort_by_key(|e| e.created_at);
        Ok(pending.into_iter().take(limit as usize).map(as_webhook_event).collect())
    }

    async fn fan_out(
        &self,
        event_id: &str,
        first_attempts: &[DeliveryRecord],
        _at: Timestamp,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let mut stored = Vec::new();
        for first in first_attempts {
            let exists = tables.webhook_deliveries.iter().any(|d| {
                d.endpoint_id == first.endpoint_id && d.event_id == first.event_id && d.attempt == first.attempt
            });
            if !exists && tables.webhook_endpoints.iter().any(|e| e.id == first.endpoint_id) {
                tables.webhook_deliveries.push(first.clone());
                stored.push(first.clone());
            }
        }
        if !tables.fanned_out.iter().any(|id| id == event_id) {
            tables.fanned_out.push(event_id.to_owned());
        }
        Ok(stored)
    }

    async fn insert_test_event(&self, event: &WebhookEvent, first: &DeliveryRecord) -> Result<(), StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        tables.check_references(&event.account_id, None, None)?;
        if !tables.webhook_endpoints.iter().any(|e| e.id == first.endpoint_id) {
            return Err(foreign_key_failed());
        }
        let entity_id = serde_json::from_str::<serde_json::Value>(&event.data_json)
            .ok()
            .and_then(|data| data["entity_id"].as_str().map(str::to_owned))
            .unwrap_or_default();
        tables.events.push(EventRecord {
            id: event.id.clone(),
            account_id: event.account_id.clone(),
            event_type: event.event_type.clone(),
            entity_id,
            asset_id: None,
            created_at: event.created_at,
        });
        tables.fanned_out.push(event.id.clone());
        tables.webhook_deliveries.push(first.clone());
        Ok(())
    }

    async fn event(&self, event_id: &str) -> Result<Option<WebhookEvent>, StoreError> {
        self.check()?;
        Ok(self.tables.borrow().events.iter().find(|e| e.id == event_id).map(as_webhook_event))
    }

    async fn delivery(&self, delivery_id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        self.check()?;
        Ok(self.tables.borrow().webhook_deliveries.iter().find(|d| d.id == delivery_id).cloned())
    }

    async fn add_attempt(&self, delivery: &DeliveryRecord) -> Result<DeliveryRecord, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        if !tables.webhook_endpoints.iter().any(|e| e.id == delivery.endpoint_id) {
            return Err(foreign_key_failed());
        }
        let stored = numbered(&tables, delivery);
        tables.webhook_deliveries.push(stored.clone());
        Ok(stored)
    }

    async fn claim_delivery(&self, delivery_id: &str, now: Timestamp) -> Result<bool, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let claimed = tables
            .webhook_deliveries
            .iter_mut()
            .find(|d| d.id == delivery_id && d.state == DeliveryState::Pending && d.due_at <= now);
        Ok(claimed
            .map(|d| {
                d.state = DeliveryState::Sending;
                d.sent_at = Some(now);
            })
            .is_some())
    }

    async fn finish_delivery(&self, outcome: &DeliveryOutcome) -> Result<Finished, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let sending = tables
            .webhook_deliveries
            .iter()
            .position(|d| d.id == outcome.delivery_id && d.state == DeliveryState::Sending);
        let Some(index) = sending else { return Ok(Finished::Stale) };
        let retry = outcome.retry.as_ref().map(|retry| numbered(&tables, retry));
        let delivery = &mut tables.webhook_deliveries[index];
        delivery.state = if outcome.succeeded { DeliveryState::Succeeded } else { DeliveryState::Failed };
        delivery.status_code = outcome.status_code;
        delivery.error.clone_from(&outcome.error);
        delivery.response_excerpt.clone_from(&outcome.response_excerpt);
        delivery.next_retry_at = retry.as_ref().map(|r| r.due_at);
        if let Some(endpoint) = tables.webhook_endpoints.iter_mut().find(|e| e.id == outcome.endpoint_id) {
            endpoint.failing_since =
                if outcome.succeeded { None } else { Some(endpoint.failing_since.unwrap_or(outcome.at)) };
            if let Some(disable) = &outcome.disable {
                endpoint.disabled.get_or_insert_with(|| disable.clone());
            }
        }
        if let Some(retry) = &retry {
            tables.webhook_deliveries.push(retry.clone());
        }
        Ok(Finished::Applied { retry: retry.map(Box::new) })
    }

    async fn deliveries(&self, endpoint_id: &str, page: Page) -> Result<Listed<DeliveryRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let of_endpoint = tables.webhook_deliveries.iter().filter(|d| d.endpoint_id == endpoint_id).collect();
        Ok(newest_first(of_endpoint, |d: &DeliveryRecord| (d.created_at, d.attempt, d.id.clone()), page))
    }

    async fn stuck_deliveries(
        &self,
        due_before: Timestamp,
        sent_before: Timestamp,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let mut stuck: Vec<DeliveryRecord> = tables
            .webhook_deliveries
            .iter()
            .filter(|d| match d.state {
                DeliveryState::Pending => d.due_at < due_before,
                DeliveryState::Sending => d.sent_at.is_some_and(|at| at < sent_before),
                DeliveryState::Succeeded | DeliveryState::Failed => false,
            })
            .cloned()
            .collect();
        stuck.sort_by_key(|d| d.due_at);
        stuck.truncate(limit as usize);
        Ok(stuck)
    }
}
