//! Cuts in D1: every read joins the asset so that a deleted asset's cuts are gone with it (and
//! back with a restore); completion writes the plan, the captions asset and the event in one batch.

use async_trait::async_trait;
use roughcut_engine::plan::CutPlan;
use roughcut_shared::cuts::{CutOptions, CutState};
use serde::Deserialize;

use super::SqlStore;
use super::sql::{Sql, SqlValue, Statement, one_of, optional_text, size, text, time};
use crate::domain::StoreError;
use crate::domain::page::{Listed, Page};
use crate::domain::ports::Failed;
use crate::domain::ports::cuts::{CompletedCut, CutFilter, CutRecord, CutStore};
use crate::domain::time::Timestamp;

const CUT_SELECT: &str = "SELECT c.id, c.account_id, c.asset_id, c.signature, c.state, c.script, c.options_json, \
     c.plan_json, c.plan_object_key, c.transcript_key, c.srt_asset_id, c.error_code, c.error_message, c.created_at, \
     c.started_at, c.completed_at FROM cuts c JOIN assets a ON a.id = c.asset_id";
/// A live cut: not deleted, and neither is its asset.
const LIVE: &str = "c.deleted_at IS NULL AND a.state <> 'deleted'";

#[derive(Deserialize)]
struct CutRow {
    id: String,
    account_id: String,
    asset_id: String,
    signature: String,
    state: String,
    script: Option<String>,
    options_json: String,
    plan_json: Option<String>,
    plan_object_key: Option<String>,
    transcript_key: Option<String>,
    srt_asset_id: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
    created_at: i64,
    started_at: Option<i64>,
    completed_at: Option<i64>,
}

impl TryFrom<CutRow> for CutRecord {
    type Error = StoreError;

    fn try_from(row: CutRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError(format!("cut {} has {what}", row.id));
        let options: CutOptions =
            serde_json::from_str(&row.options_json).map_err(|e| corrupt(&format!("unreadable options: {e}")))?;
        let plan: Option<CutPlan> = row
            .plan_json
            .as_deref()
            .map(|json| serde_json::from_str(json).map_err(|e| corrupt(&format!("an unreadable plan: {e}"))))
            .transpose()?;
        Ok(Self {
            state: CutState::parse(&row.state).ok_or_else(|| corrupt("an unknown state"))?,
            id: row.id,
            account_id: row.account_id,
            asset_id: row.asset_id,
            signature: row.signature,
            script: row.script,
            options,
            plan,
            plan_key: row.plan_object_key,
            transcript_key: row.transcript_key,
            srt_asset_id: row.srt_asset_id,
            error_code: row.error_code,
            error_message: row.error_message,
            created_at: Timestamp(row.created_at),
            started_at: row.started_at.map(Timestamp),
            completed_at: row.completed_at.map(Timestamp),
        })
    }
}

impl<S: Sql> SqlStore<S> {
    async fn cuts_where(&self, condition: &str, binds: &[SqlValue]) -> Result<Vec<CutRecord>, StoreError> {
        let sql = format!("{CUT_SELECT} WHERE {LIVE} AND {condition}");
        let result = self.sql.run(self.statement(&sql, binds)).await?;
        result.rows::<CutRow>()?.into_iter().map(TryInto::try_into).collect()
    }

    /// The event of a cut's terminal state, recorded once.
    fn cut_event(&self, cut_id: &str, event_id: &str, at: Timestamp) -> Statement {
        let sql = format!(
            "INSERT OR IGNORE INTO events (id, account_id, type, entity_id, asset_id, data_json, created_at) \
             SELECT ?1, account_id, 'cut.' || state, id, asset_id, json_object('entity_id', id, 'asset_id', asset_id), ?2 \
             FROM cuts WHERE id = ?3 AND state IN {}",
            one_of(CutState::ENDED.map(CutState::as_str))
        );
        self.statement(&sql, &[text(event_id), time(at), text(cut_id)])
    }
}

#[async_trait(?Send)]
impl<S: Sql> CutStore for SqlStore<S> {
    async fn insert_cut(&self, cut: &CutRecord) -> Result<bool, StoreError> {
        let options = serde_json::to_string(&cut.options).map_err(|e| StoreError(format!("options JSON: {e}")))?;
        let inserted = self.execute(
            "INSERT OR IGNORE INTO cuts (id, account_id, asset_id, signature, state, script, options_json, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            &[
                text(&cut.id),
                text(&cut.account_id),
                text(&cut.asset_id),
                text(&cut.signature),
                text(cut.state.as_str()),
                optional_text(cut.script.as_deref()),
                text(&options),
                time(cut.created_at),
            ],
        )
        .await?;
        Ok(inserted > 0)
    }

    async fn cut(&self, account_id: &str, cut_id: &str) -> Result<Option<CutRecord>, StoreError> {
        Ok(self.cuts_where("c.id = ?1 AND c.account_id = ?2", &[text(cut_id), text(account_id)]).await?.pop())
    }

    async fn cut_by_id(&self, cut_id: &str) -> Result<Option<CutRecord>, StoreError> {
        Ok(self.cuts_where("c.id = ?1", &[text(cut_id)]).await?.pop())
    }

    async fn cut_by_signature(
        &self,
        account_id: &str,
        asset_id: &str,
        signature: &str,
    ) -> Result<Option<CutRecord>, StoreError> {
        let found = self
            .cuts_where(
                "c.account_id = ?1 AND c.asset_id = ?2 AND c.signature = ?3 AND c.state <> 'failed' \
                 ORDER BY c.created_at DESC LIMIT 1",
                &[text(account_id), text(asset_id), text(signature)],
            )
            .await?;
        Ok(found.into_iter().next())
    }

    async fn list_cuts(
        &self,
        account_id: &str,
        filter: &CutFilter,
        page: Page,
    ) -> Result<Listed<CutRecord>, StoreError> {
        let matches = format!(
            "{LIVE} AND c.account_id = ?1 AND (?2 IS NULL OR c.asset_id = ?2) AND (?3 IS NULL OR a.project_id = ?3) \
             AND (?4 IS NULL OR c.state = ?4)"
        );
        let binds = [
            text(account_id),
            optional_text(filter.asset_id.as_deref()),
            optional_text(filter.project_id.as_deref()),
            optional_text(filter.state.map(CutState::as_str)),
        ];
        let listed = self
            .page::<CutRow>(
                &format!("{CUT_SELECT} WHERE {matches} ORDER BY c.created_at DESC, c.id DESC LIMIT ?5 OFFSET ?6"),
                &format!("SELECT COUNT(*) AS total FROM cuts c JOIN assets a ON a.id = c.asset_id WHERE {matches}"),
                &binds,
                page,
            )
            .await?;
        listed.try_map(TryInto::try_into)
    }

    async fn project_cut_ids(&self, account_id: &str, project_id: &str) -> Result<Vec<String>, StoreError> {
        self.ids(
            "SELECT c.id FROM cuts c JOIN assets a ON a.id = c.asset_id WHERE a.project_id = ?1 AND c.account_id = ?2",
            &[text(project_id), text(account_id)],
        )
        .await
    }

    async fn delete_cut(&self, account_id: &str, cut_id: &str, at: Timestamp) -> Result<bool, StoreError> {
        let deleted = self
            .execute(
                "UPDATE cuts SET deleted_at = ?3 WHERE id = ?1 AND account_id = ?2 AND deleted_at IS NULL \
                 AND EXISTS (SELECT 1 FROM assets a WHERE a.id = cuts.asset_id AND a.state <> 'deleted')",
                &[text(cut_id), text(account_id), time(at)],
            )
            .await?;
        Ok(deleted > 0)
    }

    async fn start_cut(&self, cut_id: &str, at: Timestamp) -> Result<bool, StoreError> {
        let started = self
            .execute(
                "UPDATE cuts SET state = 'processing', started_at = ?2 WHERE id = ?1 AND state = 'pending'",
                &[text(cut_id), time(at)],
            )
            .await?;
        Ok(started > 0)
    }

    async fn complete_cut(&self, cut_id: &str, completed: &CompletedCut) -> Result<bool, StoreError> {
        let plan_json = match &completed.plan_key {
            Some(_) => None,
            None => Some(serde_json::to_string(&completed.plan).map_err(|e| StoreError(format!("plan JSON: {e}")))?),
        };
        let mut statements = Vec::new();
        if let Some(asset) = &completed.srt_asset {
            // first (the cut's row refers to it), and only with the completion it belongs to: a cut
            // deleted while it was planned makes no captions asset
            let made_by = "FROM cuts c WHERE c.id = ?12 AND c.state = 'processing' AND c.deleted_at IS NULL";
            statements.push(super::derived_asset(asset, "c.asset_id", made_by, &[text(cut_id)]));
        }
        let completion = statements.len();
        statements.push(self.statement(
            "UPDATE cuts SET state = 'completed', plan_json = ?2, plan_object_key = ?3, kept_duration_ms = ?4, \
             source_duration_ms = ?5, transcript_key = ?6, srt_asset_id = ?7, completed_at = ?8 \
             WHERE id = ?1 AND state = 'processing' AND deleted_at IS NULL",
            &[
                text(cut_id),
                optional_text(plan_json.as_deref()),
                optional_text(completed.plan_key.as_deref()),
                size(completed.plan.kept_duration),
                size(completed.plan.source_duration),
                optional_text(completed.transcript_key.as_deref()),
                optional_text(completed.srt_asset.as_ref().map(|a| a.id.as_str())),
                time(completed.at),
            ],
        ));
        statements.push(self.cut_event(cut_id, &completed.event_id, completed.at));
        let results = self.sql.batch(statements).await?;
        Ok(results.get(completion).map(|answer| answer.changes).unwrap_or(0) > 0)
    }

    async fn fail_cut(&self, cut_id: &str, failed: &Failed<'_>) -> Result<bool, StoreError> {
        let Failed { error_code, error_message, event_id, at } = *failed;
        let statements = vec![
            self.statement(
                &format!(
                    "UPDATE cuts SET state = 'failed', error_code = ?2, error_message = ?3, completed_at = ?4 \
                     WHERE id = ?1 AND state IN {}",
                    one_of(CutState::OPEN.map(CutState::as_str))
                ),
                &[text(cut_id), text(error_code), text(error_message), time(at)],
            ),
            self.cut_event(cut_id, event_id, at),
        ];
        let results = self.sql.batch(statements).await?;
        Ok(results.first().map(|answer| answer.changes).unwrap_or(0) > 0)
    }
}
