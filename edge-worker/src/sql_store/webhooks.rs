//! Webhooks in D1: endpoints scoped by account, the fan-out of recorded events (one first attempt
//! per endpoint and event, by the unique key), attempts numbered in the insert that stores them,
//! and an outcome applied in one batch whose later statements hold only where its first statement
//! ended the attempt (still `sending`) and left its marker.

use async_trait::async_trait;
use serde::Deserialize;

use super::SqlStore;
use super::sql::{Sql, SqlValue, Statement, literal, number, optional_text, optional_time, text, time};
use crate::domain::StoreError;
use crate::domain::ids::random_bytes;
use crate::domain::page::{Listed, Page};
use crate::domain::ports::webhooks::{
    DeliveryOutcome, DeliveryRecord, DeliveryState, Disabled, EndpointRecord, Finished, PreviousSecret, WebhookEvent,
    WebhookStore,
};
use crate::domain::time::Timestamp;

const ENDPOINT_COLUMNS: &str = "id, account_id, url, description, event_types_json, secret, previous_secret, \
     previous_secret_expires_at, disabled_at, disabled_reason, failing_since, created_at";
const DELIVERY_COLUMNS: &str = "id, endpoint_id, event_id, type, attempt, schedule_step, state, due_at, sent_at, \
     status_code, error, response_excerpt, next_retry_at, created_at";

#[derive(Deserialize)]
struct EndpointRow {
    id: String,
    account_id: String,
    url: String,
    description: Option<String>,
    event_types_json: String,
    secret: String,
    previous_secret: Option<String>,
    previous_secret_expires_at: Option<i64>,
    disabled_at: Option<i64>,
    disabled_reason: Option<String>,
    failing_since: Option<i64>,
    created_at: i64,
}

impl TryFrom<EndpointRow> for EndpointRecord {
    type Error = StoreError;

    fn try_from(row: EndpointRow) -> Result<Self, StoreError> {
        let event_types = serde_json::from_str(&row.event_types_json)
            .map_err(|e| StoreError(format!("endpoint {} event types: {e}", row.id)))?;
        Ok(Self {
            previous_secret: row
                .previous_secret
                .zip(row.previous_secret_expires_at)
                .map(|(secret, expires)| PreviousSecret { secret, expires: Timestamp(expires) }),
            disabled: row.disabled_at.map(|at| Disabled {
                at: Timestamp(at),
                reason: row.disabled_reason.unwrap_or_else(|| "by_user".into()),
            }),
            failing_since: row.failing_since.map(Timestamp),
            created_at: Timestamp(row.created_at),
            id: row.id,
            account_id: row.account_id,
            url: row.url,
            description: row.description,
            event_types,
            secret: row.secret,
        })
    }
}

#[derive(Deserialize)]
struct DeliveryRow {
    id: String,
    endpoint_id: String,
    event_id: String,
    #[serde(rename = "type")]
    event_type: String,
    attempt: u32,
    schedule_step: Option<u32>,
    state: String,
    due_at: i64,
    sent_at: Option<i64>,
    status_code: Option<u16>,
    error: Option<String>,
    response_excerpt: Option<String>,
    next_retry_at: Option<i64>,
    created_at: i64,
}

impl TryFrom<DeliveryRow> for DeliveryRecord {
    type Error = StoreError;

    fn try_from(row: DeliveryRow) -> Result<Self, StoreError> {
        let state = DeliveryState::parse(&row.state)
            .ok_or_else(|| StoreError(format!("delivery {} has state {}", row.id, row.state)))?;
        Ok(Self {
            id: row.id,
            endpoint_id: row.endpoint_id,
            event_id: row.event_id,
            event_type: row.event_type,
            attempt: row.attempt,
            schedule_step: row.schedule_step,
            state,
            due_at: Timestamp(row.due_at),
            sent_at: row.sent_at.map(Timestamp),
            status_code: row.status_code,
            error: row.error,
            response_excerpt: row.response_excerpt,
            next_retry_at: row.next_retry_at.map(Timestamp),
            created_at: Timestamp(row.created_at),
        })
    }
}

#[derive(Deserialize)]
struct EventRow {
    id: String,
    account_id: String,
    #[serde(rename = "type")]
    event_type: String,
    data_json: String,
    created_at: i64,
}

impl From<EventRow> for WebhookEvent {
    fn from(row: EventRow) -> Self {
        Self {
            id: row.id,
            account_id: row.account_id,
            event_type: row.event_type,
            data_json: row.data_json,
            created_at: Timestamp(row.created_at),
        }
    }
}

fn optional_number(value: Option<u32>) -> SqlValue {
    value.map_or(SqlValue::Null, |v| number(i64::from(v)))
}

/// The insert of an attempt numbered after the last of its endpoint and event (`attempt` as
/// given when `numbered` is false), unless `guard` (SQL, may be empty) fails.
fn insert_attempt(delivery: &DeliveryRecord, numbered: bool, guard: &str) -> Statement {
    let attempt = if numbered {
        "(SELECT COALESCE(MAX(attempt), 0) + 1 FROM webhook_deliveries WHERE endpoint_id = ?2 AND event_id = ?3)"
    } else {
        "?5"
    };
    Statement::new(
        &format!(
            "INSERT OR IGNORE INTO webhook_deliveries (id, endpoint_id, event_id, type, attempt, schedule_step, state, \
             due_at, created_at) SELECT ?1, ?2, ?3, ?4, {attempt}, ?6, ?7, ?8, ?9 \
             WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = ?2) {guard}"
        ),
        &[
            text(&delivery.id),
            text(&delivery.endpoint_id),
            text(&delivery.event_id),
            text(&delivery.event_type),
            number(i64::from(delivery.attempt)),
            optional_number(delivery.schedule_step),
            text(delivery.state.as_str()),
            time(delivery.due_at),
            time(delivery.created_at),
        ],
    )
}

impl<S: Sql> SqlStore<S> {
    async fn deliveries_where(&self, condition: &str, binds: &[SqlValue]) -> Result<Vec<DeliveryRecord>, StoreError> {
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE {condition}");
        let rows = self.sql.run(Statement::new(&sql, binds)).await?.rows::<DeliveryRow>()?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn endpoints_where(&self, condition: &str, binds: &[SqlValue]) -> Result<Vec<EndpointRecord>, StoreError> {
        let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE {condition}");
        let rows = self.sql.run(Statement::new(&sql, binds)).await?.rows::<EndpointRow>()?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}

fn event_types_json(endpoint: &EndpointRecord) -> Result<String, StoreError> {
    serde_json::to_string(&endpoint.event_types).map_err(|e| StoreError(format!("event types: {e}")))
}

#[async_trait(?Send)]
impl<S: Sql> WebhookStore for SqlStore<S> {
    async fn insert_endpoint(&self, endpoint: &EndpointRecord) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO webhook_endpoints (id, account_id, url, description, event_types_json, secret, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[
                text(&endpoint.id),
                text(&endpoint.account_id),
                text(&endpoint.url),
                optional_text(endpoint.description.as_deref()),
                text(&event_types_json(endpoint)?),
                text(&endpoint.secret),
                time(endpoint.created_at),
            ],
        )
        .await?;
        Ok(())
    }

    async fn endpoint(&self, account_id: &str, endpoint_id: &str) -> Result<Option<EndpointRecord>, StoreError> {
        let binds = [text(endpoint_id), text(account_id)];
        Ok(self.endpoints_where("id = ?1 AND account_id = ?2", &binds).await?.into_iter().next())
    }

    async fn endpoint_by_id(&self, endpoint_id: &str) -> Result<Option<EndpointRecord>, StoreError> {
        Ok(self.endpoints_where("id = ?1", &[text(endpoint_id)]).await?.into_iter().next())
    }

    async fn list_endpoints(&self, account_id: &str, page: Page) -> Result<Listed<EndpointRecord>, StoreError> {
        let listed = self
            .page::<EndpointRow>(
                &format!(
                    "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE account_id = ?1 \
                     ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3"
                ),
                "SELECT COUNT(*) AS total FROM webhook_endpoints WHERE account_id = ?1",
                &[text(account_id)],
                page,
            )
            .await?;
        listed.try_map(TryInto::try_into)
    }

    async fn enabled_endpoints(&self, account_id: &str) -> Result<Vec<EndpointRecord>, StoreError> {
        self.endpoints_where("account_id = ?1 AND disabled_at IS NULL", &[text(account_id)]).await
    }

    async fn update_endpoint(&self, endpoint: &EndpointRecord) -> Result<bool, StoreError> {
        let changed = self
            .execute(
                "UPDATE webhook_endpoints SET url = ?3, description = ?4, event_types_json = ?5, secret = ?6, \
                 previous_secret = ?7, previous_secret_expires_at = ?8, \
                 failing_since = CASE WHEN ?9 IS NULL AND disabled_at IS NOT NULL THEN NULL ELSE failing_since END, \
                 disabled_at = ?9, disabled_reason = ?10 \
                 WHERE id = ?1 AND account_id = ?2",
                &[
                    text(&endpoint.id),
                    text(&endpoint.account_id),
                    text(&endpoint.url),
                    optional_text(endpoint.description.as_deref()),
                    text(&event_types_json(endpoint)?),
                    text(&endpoint.secret),
                    optional_text(endpoint.previous_secret.as_ref().map(|p| p.secret.as_str())),
                    optional_time(endpoint.previous_secret.as_ref().map(|p| p.expires)),
                    optional_time(endpoint.disabled.as_ref().map(|d| d.at)),
                    optional_text(endpoint.disabled.as_ref().map(|d| d.reason.as_str())),
                ],
            )
            .await?;
        Ok(changed > 0)
    }

    async fn delete_endpoint(&self, account_id: &str, endpoint_id: &str) -> Result<bool, StoreError> {
        let deleted = self
            .execute(
                "DELETE FROM webhook_endpoints WHERE id = ?1 AND account_id = ?2",
                &[text(endpoint_id), text(account_id)],
            )
            .await?;
        Ok(deleted > 0)
    }

    async fn events_to_fan_out(&self, limit: u32) -> Result<Vec<WebhookEvent>, StoreError> {
        let rows = self
            .sql
            .run(Statement::new(
                "SELECT id, account_id, type, data_json, created_at FROM events WHERE fanned_out_at IS NULL \
                 ORDER BY created_at, id LIMIT ?1",
                &[number(i64::from(limit))],
            ))
            .await?
            .rows::<EventRow>()?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn fan_out(
        &self,
        event_id: &str,
        first_attempts: &[DeliveryRecord],
        at: Timestamp,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let mut statements: Vec<Statement> = first_attempts.iter().map(|d| insert_attempt(d, false, "")).collect();
        statements.push(Statement::new(
            "UPDATE events SET fanned_out_at = ?2 WHERE id = ?1 AND fanned_out_at IS NULL",
            &[text(event_id), time(at)],
        ));
        let answers = self.sql.batch(statements).await?;
        let stored = first_attempts.iter().zip(&answers).filter(|(_, answer)| answer.changes > 0);
        Ok(stored.map(|(delivery, _)| delivery.clone()).collect())
    }

    async fn insert_test_event(&self, event: &WebhookEvent, first: &DeliveryRecord) -> Result<(), StoreError> {
        let insert_event = Statement::new(
            "INSERT INTO events (id, account_id, type, entity_id, asset_id, data_json, created_at, fanned_out_at) \
             VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, ?6)",
            &[
                text(&event.id),
                text(&event.account_id),
                text(&event.event_type),
                text(&first.endpoint_id),
                text(&event.data_json),
                time(event.created_at),
            ],
        );
        self.sql.batch(vec![insert_event, insert_attempt(first, false, "")]).await?;
        Ok(())
    }

    async fn event(&self, event_id: &str) -> Result<Option<WebhookEvent>, StoreError> {
        let row = self
            .first::<EventRow>(
                "SELECT id, account_id, type, data_json, created_at FROM events WHERE id = ?1",
                &[text(event_id)],
            )
            .await?;
        Ok(row.map(Into::into))
    }

    async fn delivery(&self, delivery_id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        Ok(self.deliveries_where("id = ?1", &[text(delivery_id)]).await?.into_iter().next())
    }

    async fn add_attempt(&self, delivery: &DeliveryRecord) -> Result<DeliveryRecord, StoreError> {
        self.sql.run(insert_attempt(delivery, true, "")).await?;
        self.delivery(&delivery.id).await?.ok_or_else(|| StoreError(format!("attempt {} was not stored", delivery.id)))
    }

    async fn claim_delivery(&self, delivery_id: &str, now: Timestamp) -> Result<bool, StoreError> {
        let claimed = self
            .execute(
                "UPDATE webhook_deliveries SET state = 'sending', sent_at = ?2 \
                 WHERE id = ?1 AND state = 'pending' AND due_at <= ?2",
                &[text(delivery_id), time(now)],
            )
            .await?;
        Ok(claimed > 0)
    }

    async fn finish_delivery(&self, outcome: &DeliveryOutcome) -> Result<Finished, StoreError> {
        // the first statement ends the attempt and stamps it with a marker only this batch knows;
        // the others hold only where the marker is, so they apply exactly when it did
        let mut marker = [0u8; 16];
        random_bytes(&mut marker);
        let marker = hex::encode(marker);
        let state = if outcome.succeeded { DeliveryState::Succeeded } else { DeliveryState::Failed };
        let mut statements = vec![Statement::new(
            "UPDATE webhook_deliveries SET state = ?2, status_code = ?3, error = ?4, response_excerpt = ?5, \
             next_retry_at = ?6, finished_by = ?7 WHERE id = ?1 AND state = 'sending'",
            &[
                text(&outcome.delivery_id),
                text(state.as_str()),
                outcome.status_code.map_or(SqlValue::Null, |s| number(i64::from(s))),
                optional_text(outcome.error.as_deref()),
                optional_text(outcome.response_excerpt.as_deref()),
                optional_time(outcome.retry.as_ref().map(|r| r.due_at)),
                text(&marker),
            ],
        )];
        let finished = format!(
            "EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = {} AND finished_by = '{marker}')",
            literal(&outcome.delivery_id)
        );
        let failing = if outcome.succeeded { "NULL" } else { "COALESCE(failing_since, ?2)" };
        statements.push(Statement::new(
            &format!(
                "UPDATE webhook_endpoints SET failing_since = {failing}, \
                 disabled_at = COALESCE(disabled_at, ?3), disabled_reason = COALESCE(disabled_reason, ?4) \
                 WHERE id = ?1 AND {finished}"
            ),
            &[
                text(&outcome.endpoint_id),
                time(outcome.at),
                optional_time(outcome.disable.as_ref().map(|d| d.at)),
                optional_text(outcome.disable.as_ref().map(|d| d.reason.as_str())),
            ],
        ));
        if let Some(retry) = &outcome.retry {
            statements.push(insert_attempt(retry, true, &format!("AND {finished}")));
        }
        let answers = self.sql.batch(statements).await?;
        if answers.first().is_none_or(|answer| answer.changes == 0) {
            return Ok(Finished::Stale);
        }
        let retry = match &outcome.retry {
            Some(retry) => self.delivery(&retry.id).await?.map(Box::new),
            None => None,
        };
        Ok(Finished::Applied { retry })
    }

    async fn deliveries(&self, endpoint_id: &str, page: Page) -> Result<Listed<DeliveryRecord>, StoreError> {
        let listed = self
            .page::<DeliveryRow>(
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = ?1 \
                     ORDER BY created_at DESC, attempt DESC, id DESC LIMIT ?2 OFFSET ?3"
                ),
                "SELECT COUNT(*) AS total FROM webhook_deliveries WHERE endpoint_id = ?1",
                &[text(endpoint_id)],
                page,
            )
            .await?;
        listed.try_map(TryInto::try_into)
    }

    async fn stuck_deliveries(
        &self,
        due_before: Timestamp,
        sent_before: Timestamp,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        self.deliveries_where(
            "(state = 'pending' AND due_at < ?1) OR (state = 'sending' AND sent_at < ?2) ORDER BY due_at LIMIT ?3",
            &[time(due_before), time(sent_before), number(i64::from(limit))],
        )
        .await
    }
}
