//! Jobs and processing in D1: attempts claimed and ended by guarded `UPDATE … WHERE state AND
//! attempt`, and each settlement one batch (the charge, the state it leads to, its event), so no
//! interleaving of callbacks, retries and top-ups charges an asset twice or overdraws an account.

use async_trait::async_trait;
use roughcut_shared::assets::AssetState;
use serde::Deserialize;

use super::SqlStore;
use super::sql::{Sql, SqlValue, number, one_of, optional_text, real, text, time};
use crate::domain::StoreError;
use crate::domain::ports::Failed;
use crate::domain::ports::jobs::Renewal;
use crate::domain::ports::jobs::{AttemptEnd, JobKind, JobPayload, JobRecord, JobState, JobStore};
use crate::domain::ports::processing::{
    Charge, EventRecord, ProbeRecord, ProcessingFacts, ProcessingStore, Settlement, TranscriptSource,
};
use crate::domain::time::Timestamp;

const JOB_COLUMNS: &str = "id, account_id, kind, subject_id, state, attempt, max_attempts, lease_expires_at, \
     payload_json, error_code, created_at";

#[derive(Deserialize)]
struct JobRow {
    id: String,
    account_id: String,
    kind: String,
    subject_id: String,
    state: String,
    attempt: u32,
    max_attempts: u32,
    lease_expires_at: Option<i64>,
    payload_json: Option<String>,
    error_code: Option<String>,
    created_at: i64,
}

impl TryFrom<JobRow> for JobRecord {
    type Error = StoreError;

    fn try_from(row: JobRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError(format!("job {} has {what}", row.id));
        let kind = JobKind::parse(&row.kind).ok_or_else(|| corrupt("an unknown kind"))?;
        let payload = JobPayload::from_stored(kind, row.payload_json.as_deref()).map_err(|e| corrupt(&e))?;
        Ok(Self {
            state: JobState::parse(&row.state).ok_or_else(|| corrupt("an unknown state"))?,
            id: row.id,
            account_id: row.account_id,
            subject_id: row.subject_id,
            attempt: row.attempt,
            max_attempts: row.max_attempts,
            lease_expires_at: row.lease_expires_at.map(Timestamp),
            payload,
            last_error: row.error_code,
            created_at: Timestamp(row.created_at),
        })
    }
}

impl<S: Sql> SqlStore<S> {
    /// Stores a job unless one with its id exists; `true` when it was new.
    pub async fn insert_job(&self, job: &JobRecord) -> Result<bool, StoreError> {
        let inserted = self
            .execute(
                "INSERT OR IGNORE INTO jobs (id, account_id, kind, subject_id, state, attempt, max_attempts, payload_json, \
                 created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'queued', 0, ?5, ?6, ?7, ?7)",
                &[
                    text(&job.id),
                    text(&job.account_id),
                    text(job.kind().as_str()),
                    text(&job.subject_id),
                    number(i64::from(job.max_attempts)),
                    optional_text(job.payload.to_json()?.as_deref()),
                    time(job.created_at),
                ],
            )
            .await?;
        Ok(inserted > 0)
    }

    pub(super) async fn jobs_where(&self, condition: &str, binds: &[SqlValue]) -> Result<Vec<JobRecord>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE {condition}");
        let result = self.sql.run(self.statement(&sql, binds)).await?;
        result.rows::<JobRow>()?.into_iter().map(TryInto::try_into).collect()
    }
}

#[async_trait(?Send)]
impl<S: Sql> JobStore for SqlStore<S> {
    async fn job(&self, job_id: &str) -> Result<Option<JobRecord>, StoreError> {
        Ok(self.jobs_where("id = ?1", &[text(job_id)]).await?.pop())
    }

    async fn claim_job(
        &self,
        job_id: &str,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Option<JobRecord>, StoreError> {
        let sql = format!(
            "UPDATE jobs SET state = 'running', attempt = attempt + 1, lease_expires_at = ?2, heartbeat_at = ?3, \
             progress = 0, updated_at = ?3 WHERE id = ?1 AND state = 'queued' RETURNING {JOB_COLUMNS}"
        );
        self.first::<JobRow>(&sql, &[text(job_id), time(lease_until), time(now)])
            .await?
            .map(TryInto::try_into)
            .transpose()
    }

    async fn renew_lease(&self, job_id: &str, attempt: u32, renewal: &Renewal) -> Result<bool, StoreError> {
        let Renewal { progress, at: now, until: lease_until } = *renewal;
        let renewed = self
            .execute(
                "UPDATE jobs SET lease_expires_at = ?3, heartbeat_at = ?4, progress = ?5, updated_at = ?4 \
                 WHERE id = ?1 AND attempt = ?2 AND state = 'running'",
                &[text(job_id), number(i64::from(attempt)), time(lease_until), time(now), real(progress)],
            )
            .await?;
        Ok(renewed > 0)
    }

    async fn end_attempt(
        &self,
        job_id: &str,
        attempt: u32,
        end: &AttemptEnd,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let (state, error_code, error_message) = match end {
            AttemptEnd::Succeeded => (JobState::Succeeded, None, None),
            AttemptEnd::Retry { error_code, error_message } => {
                (JobState::Queued, Some(error_code), Some(error_message))
            }
            AttemptEnd::Failed { error_code, error_message } => {
                (JobState::Failed, Some(error_code), Some(error_message))
            }
        };
        let ended = self
            .execute(
                "UPDATE jobs SET state = ?3, lease_expires_at = NULL, error_code = ?4, error_message = ?5, \
                 progress = CASE WHEN ?3 = 'succeeded' THEN 1 ELSE progress END, updated_at = ?6 \
                 WHERE id = ?1 AND attempt = ?2 AND state = 'running'",
                &[
                    text(job_id),
                    number(i64::from(attempt)),
                    text(state.as_str()),
                    optional_text(error_code.map(String::as_str)),
                    optional_text(error_message.map(String::as_str)),
                    time(now),
                ],
            )
            .await?;
        Ok(ended > 0)
    }

    async fn defer_attempt(&self, job_id: &str, attempt: u32, now: Timestamp) -> Result<bool, StoreError> {
        let deferred = self
            .execute(
                "UPDATE jobs SET state = 'queued', attempt = attempt - 1, lease_expires_at = NULL, updated_at = ?3 \
                 WHERE id = ?1 AND attempt = ?2 AND state = 'running'",
                &[text(job_id), number(i64::from(attempt)), time(now)],
            )
            .await?;
        Ok(deferred > 0)
    }

    async fn cancel_job(&self, job_id: &str, now: Timestamp) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE jobs SET state = 'cancelled', lease_expires_at = NULL, updated_at = ?2 WHERE id = ?1 AND state IN {}",
            one_of(JobState::OPEN.map(JobState::as_str))
        );
        let cancelled = self.execute(&sql, &[text(job_id), time(now)]).await?;
        Ok(cancelled > 0)
    }

    async fn jobs_of(&self, subject_id: &str) -> Result<Vec<JobRecord>, StoreError> {
        self.jobs_where("subject_id = ?1 ORDER BY created_at, id", &[text(subject_id)]).await
    }

    async fn stalled_jobs(&self, before: Timestamp, limit: u32) -> Result<Vec<JobRecord>, StoreError> {
        self.jobs_where(
            "state = 'queued' AND updated_at < ?1 ORDER BY updated_at LIMIT ?2",
            &[time(before), number(i64::from(limit))],
        )
        .await
    }

    async fn expired_leases(&self, now: Timestamp, limit: u32) -> Result<Vec<JobRecord>, StoreError> {
        self.jobs_where(
            "state = 'running' AND lease_expires_at < ?1 ORDER BY lease_expires_at LIMIT ?2",
            &[time(now), number(i64::from(limit))],
        )
        .await
    }
}

#[derive(Deserialize)]
struct FactsRow {
    analysis_key: Option<String>,
    transcript_key: Option<String>,
    transcript_source: Option<String>,
    proxy_duration_ms: Option<u64>,
    consumed: i64,
    charged: Option<i64>,
}

#[derive(Deserialize)]
struct StateRow {
    state: String,
}

#[derive(Deserialize)]
struct UnpaidRow {
    id: String,
    duration_ms: Option<u64>,
}

#[derive(Deserialize)]
struct EventRow {
    id: String,
    account_id: String,
    #[serde(rename = "type")]
    event_type: String,
    entity_id: String,
    asset_id: Option<String>,
    created_at: i64,
}

/// The event of an asset's current state, recorded once per asset and type.
pub(super) const ASSET_EVENT_SQL: &str = "INSERT OR IGNORE INTO events (id, account_id, type, entity_id, asset_id, data_json, created_at) \
     SELECT ?1, account_id, 'asset.' || state, id, id, json_object('entity_id', id, 'asset_id', id), ?2 \
     FROM assets WHERE id = ?3 AND state IN ('ready', 'pending_payment', 'failed')";

#[async_trait(?Send)]
impl<S: Sql> ProcessingStore for SqlStore<S> {
    async fn facts(&self, asset_id: &str) -> Result<ProcessingFacts, StoreError> {
        let row = self
            .first::<FactsRow>(
                "SELECT analysis_key, transcript_key, transcript_source, proxy_duration_ms, \
                 EXISTS (SELECT 1 FROM ledger_entries WHERE asset_id = ?1 AND type = 'consume_asset') AS consumed, \
                 (SELECT -SUM(delta) FROM ledger_entries WHERE asset_id = ?1 AND type IN ('consume_asset', 'adjustment')) \
                 AS charged FROM assets WHERE id = ?1",
                &[text(asset_id)],
            )
            .await?
            .ok_or_else(|| StoreError(format!("asset {asset_id} is gone")))?;
        Ok(ProcessingFacts {
            analysis_key: row.analysis_key,
            transcript_key: row.transcript_key,
            transcript_source: row.transcript_source,
            proxy_duration_ms: row.proxy_duration_ms,
            charged: if row.consumed != 0 { row.charged } else { None },
        })
    }

    async fn record_probe(&self, asset_id: &str, probe: &ProbeRecord, at: Timestamp) -> Result<bool, StoreError> {
        let media = serde_json::to_string(&probe.media).map_err(|e| StoreError(format!("media JSON: {e}")))?;
        let recorded = self
            .execute(
                "UPDATE assets SET type = ?2, duration_ms = ?3, media_json = ?4, analysis_key = ?5, updated_at = ?6 \
                 WHERE id = ?1 AND state = 'processing'",
                &[
                    text(asset_id),
                    text(probe.asset_type.as_str()),
                    number(probe.duration_ms as i64),
                    text(&media),
                    optional_text(probe.analysis_key.as_deref()),
                    time(at),
                ],
            )
            .await?;
        Ok(recorded > 0)
    }

    /// Only before the video itself is probed: the video's own analysis is the better one.
    async fn record_proxy(
        &self,
        asset_id: &str,
        duration_ms: u64,
        analysis_key: Option<&str>,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let recorded = self
            .execute(
                "UPDATE assets SET proxy_duration_ms = ?2, analysis_key = ?3, updated_at = ?4 \
                 WHERE id = ?1 AND state IN ('pending_upload', 'processing') AND duration_ms IS NULL",
                &[text(asset_id), number(duration_ms as i64), optional_text(analysis_key), time(at)],
            )
            .await?;
        Ok(recorded > 0)
    }

    async fn record_transcript(
        &self,
        asset_id: &str,
        key: &str,
        source: TranscriptSource,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.execute(
            "UPDATE assets SET transcript_key = ?2, transcript_source = ?3, updated_at = ?4 \
             WHERE id = ?1 AND (?3 = 'user' OR transcript_source IS NULL OR transcript_source <> 'user')",
            &[text(asset_id), text(key), text(source.as_str()), time(at)],
        )
        .await?;
        Ok(())
    }

    async fn settle(&self, charge: &Charge) -> Result<Settlement, StoreError> {
        let states = one_of(charge.settles_from().map(AssetState::as_str));
        let uncut = if charge.proxy { " AND cuttable = 0" } else { "" };
        let consumed = "EXISTS (SELECT 1 FROM ledger_entries WHERE asset_id = ?4 AND type = 'consume_asset')";
        let charge_sql = format!(
            "INSERT INTO ledger_entries (id, account_id, type, delta, asset_id, created_at) \
             SELECT ?1, ?2, 'consume_asset', -?3, ?4, ?5 \
             WHERE EXISTS (SELECT 1 FROM assets WHERE id = ?4 AND account_id = ?2 AND state IN {states}{uncut}) \
               AND NOT {consumed} \
               AND (SELECT COALESCE(SUM(delta), 0) FROM ledger_entries WHERE account_id = ?2) >= ?3"
        );
        // ?1 the asset, ?2 the time
        let paid = "EXISTS (SELECT 1 FROM ledger_entries WHERE asset_id = ?1 AND type = 'consume_asset')";
        let mut activate_sql = if charge.proxy {
            format!(
                "UPDATE assets SET cuttable = 1, updated_at = ?2 WHERE id = ?1 AND state IN {states}{uncut} AND {paid}"
            )
        } else {
            format!(
                "UPDATE assets SET state = 'ready', cuttable = 1, updated_at = ?2 WHERE id = ?1 AND state IN {states} AND {paid}"
            )
        };
        let charge_binds = [
            text(&charge.entry_id),
            text(&charge.account_id),
            number(charge.credits),
            text(&charge.asset_id),
            time(charge.at),
        ];
        let asset_binds = [text(&charge.asset_id), time(charge.at)];
        let mut statements = Vec::new();
        if let Some(hold) = &charge.hold {
            // released first, under the charge's own conditions, so that the charge's guard
            // counts the credits the quote reserved for it
            let release_sql = format!(
                "INSERT INTO ledger_entries (id, account_id, type, delta, pipeline_id, hold_id, memo, created_at) \
                 SELECT ?1, ?2, 'release', ?3, ?4, ?5, 'Spent on the input''s processing charge.', ?6 \
                 WHERE EXISTS (SELECT 1 FROM assets WHERE id = ?7 AND account_id = ?2 AND state IN {states}{uncut}) \
                   AND NOT EXISTS (SELECT 1 FROM ledger_entries WHERE asset_id = ?7 AND type = 'consume_asset') \
                   AND NOT EXISTS (SELECT 1 FROM ledger_entries WHERE hold_id = ?5 AND type = 'release') \
                   AND (SELECT COALESCE(SUM(delta), 0) FROM ledger_entries WHERE account_id = ?2) + ?3 >= ?8"
            );
            let binds = [
                text(&hold.release_entry_id),
                text(&charge.account_id),
                number(hold.amount),
                text(&hold.pipeline_id),
                text(&hold.hold_id),
                time(charge.at),
                text(&charge.asset_id),
                number(charge.credits),
            ];
            statements.push(self.statement(&release_sql, &binds));
        }
        statements.push(self.statement(&charge_sql, &charge_binds));
        if let Some(hold) = &charge.hold {
            let spent = "UPDATE pipelines SET credits_consumed = ?1, version = version + 1 \
                 WHERE id = ?2 AND EXISTS (SELECT 1 FROM ledger_entries WHERE id = ?3) \
                   AND EXISTS (SELECT 1 FROM ledger_entries WHERE id = ?4)";
            let binds =
                [number(charge.credits), text(&hold.pipeline_id), text(&hold.release_entry_id), text(&charge.entry_id)];
            statements.push(self.statement(spent, &binds));
        }
        if let Some(correction) = &charge.correction {
            // booked at most once per asset, and a debit only while the account covers it
            let correction_sql = format!(
                "INSERT INTO ledger_entries (id, account_id, type, delta, asset_id, memo, created_at) \
                 SELECT ?1, ?2, 'adjustment', ?3, ?4, ?5, ?6 \
                 WHERE EXISTS (SELECT 1 FROM assets WHERE id = ?4 AND account_id = ?2 AND state IN {states}) \
                   AND NOT EXISTS (SELECT 1 FROM ledger_entries WHERE asset_id = ?4 AND type = 'adjustment') \
                   AND (?3 >= 0 OR (SELECT COALESCE(SUM(delta), 0) FROM ledger_entries WHERE account_id = ?2) + ?3 >= 0)"
            );
            let binds = [
                text(&correction.entry_id),
                text(&charge.account_id),
                number(correction.delta),
                text(&charge.asset_id),
                text(&correction.memo),
                time(charge.at),
            ];
            statements.push(self.statement(&correction_sql, &binds));
            activate_sql
                .push_str(" AND EXISTS (SELECT 1 FROM ledger_entries WHERE asset_id = ?1 AND type = 'adjustment')");
        }
        let activated_at = statements.len();
        statements.push(self.statement(&activate_sql, &asset_binds));
        if !charge.proxy {
            let unpaid =
                "UPDATE assets SET state = 'pending_payment', updated_at = ?2 WHERE id = ?1 AND state = 'processing'";
            statements.push(self.statement(unpaid, &asset_binds));
            statements.push(
                self.statement(ASSET_EVENT_SQL, &[text(&charge.event_id), time(charge.at), text(&charge.asset_id)]),
            );
        }
        statements.push(self.statement("SELECT state FROM assets WHERE id = ?1", &[text(&charge.asset_id)]));
        let results = self.sql.batch(statements).await?;
        let activated = results.get(activated_at).map(|answer| answer.changes).unwrap_or(0) > 0;
        let state = results
            .last()
            .map(|r| r.rows::<StateRow>())
            .transpose()?
            .and_then(|rows| rows.into_iter().next())
            .map(|row| row.state);
        Ok(match (charge.proxy, activated, state.as_deref()) {
            (true, true, _) => Settlement::Cuttable,
            (false, true, _) => Settlement::Ready,
            (false, false, Some("pending_payment")) => Settlement::PendingPayment,
            _ => Settlement::Unchanged,
        })
    }

    async fn fail_asset(&self, asset_id: &str, failed: &Failed<'_>) -> Result<bool, StoreError> {
        let Failed { error_code, error_message, event_id, at } = *failed;
        let statements = vec![
            self.statement(
                "UPDATE assets SET state = 'failed', error_code = ?2, error_message = ?3, updated_at = ?4 \
                 WHERE id = ?1 AND state = 'processing'",
                &[text(asset_id), text(error_code), text(error_message), time(at)],
            ),
            self.statement(ASSET_EVENT_SQL, &[text(event_id), time(at), text(asset_id)]),
        ];
        let results = self.sql.batch(statements).await?;
        Ok(results.first().map(|answer| answer.changes).unwrap_or(0) > 0)
    }

    async fn unpaid_assets(&self, account_id: &str, limit: u32) -> Result<Vec<(String, u64)>, StoreError> {
        let result = self
            .sql
            .run(self.statement(
                "SELECT id, duration_ms FROM assets WHERE account_id = ?1 AND state = 'pending_payment' \
                 ORDER BY created_at, id LIMIT ?2",
                &[text(account_id), number(i64::from(limit))],
            ))
            .await?;
        let rows = result.rows::<UnpaidRow>()?;
        Ok(rows.into_iter().map(|row| (row.id, row.duration_ms.unwrap_or(0))).collect())
    }

    async fn events(&self, account_id: &str) -> Result<Vec<EventRecord>, StoreError> {
        let result = self
            .sql
            .run(self.statement(
                "SELECT id, account_id, type, entity_id, asset_id, created_at FROM events WHERE account_id = ?1 \
                 ORDER BY created_at, rowid",
                &[text(account_id)],
            ))
            .await?;
        let rows = result.rows::<EventRow>()?;
        Ok(rows
            .into_iter()
            .map(|row| EventRecord {
                id: row.id,
                account_id: row.account_id,
                event_type: row.event_type,
                entity_id: row.entity_id,
                asset_id: row.asset_id,
                created_at: Timestamp(row.created_at),
            })
            .collect())
    }
}
