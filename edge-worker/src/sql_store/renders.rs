//! Renders in D1: reads join the asset (a deleted asset's renders are gone with it) and take their
//! progress from the render's newest job; state changes are guarded; events recorded once.

use async_trait::async_trait;
use roughcut_shared::renders::{RenderOutput, RenderState};
use serde::Deserialize;

use super::SqlStore;
use super::sql::{Sql, SqlValue, Statement, number, one_of, optional_text, text, time};
use crate::domain::StoreError;
use crate::domain::page::{Listed, Page};
use crate::domain::ports::Failed;
use crate::domain::ports::renders::Rendered;
use crate::domain::ports::renders::{RenderFilter, RenderRecord, RenderStore};
use crate::domain::time::Timestamp;

const RENDER_SELECT: &str = "SELECT r.id, r.account_id, r.asset_id, r.cut_id, r.signature, r.state, r.output_json, \
     COALESCE((SELECT j.progress FROM jobs j WHERE j.subject_id = r.id ORDER BY j.created_at DESC LIMIT 1), r.progress) \
     AS progress, r.size_bytes, r.duration_ms, r.object_key, r.error_code, r.error_message, r.created_at, r.started_at, \
     r.completed_at FROM renders r JOIN assets a ON a.id = r.asset_id";
const LIVE: &str = "a.state <> 'deleted'";

#[derive(Deserialize)]
struct RenderRow {
    id: String,
    account_id: String,
    asset_id: String,
    cut_id: Option<String>,
    signature: String,
    state: String,
    output_json: String,
    progress: Option<f64>,
    size_bytes: Option<u64>,
    duration_ms: Option<u64>,
    object_key: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
    created_at: i64,
    started_at: Option<i64>,
    completed_at: Option<i64>,
}

impl TryFrom<RenderRow> for RenderRecord {
    type Error = StoreError;

    fn try_from(row: RenderRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError(format!("render {} has {what}", row.id));
        let output: RenderOutput =
            serde_json::from_str(&row.output_json).map_err(|e| corrupt(&format!("an unreadable output: {e}")))?;
        Ok(Self {
            state: RenderState::parse(&row.state).ok_or_else(|| corrupt("an unknown state"))?,
            id: row.id,
            account_id: row.account_id,
            asset_id: row.asset_id,
            cut_id: row.cut_id,
            signature: row.signature,
            output,
            progress: row.progress.unwrap_or(0.0),
            size_bytes: row.size_bytes,
            duration_ms: row.duration_ms,
            object_key: row.object_key,
            error_code: row.error_code,
            error_message: row.error_message,
            created_at: Timestamp(row.created_at),
            started_at: row.started_at.map(Timestamp),
            completed_at: row.completed_at.map(Timestamp),
        })
    }
}

fn open_renders() -> String {
    one_of(RenderState::OPEN.map(RenderState::as_str))
}

impl<S: Sql> SqlStore<S> {
    async fn renders_where(&self, condition: &str, binds: &[SqlValue]) -> Result<Vec<RenderRecord>, StoreError> {
        self.renders_matching(&format!("{LIVE} AND {condition}"), binds).await
    }

    /// Renders whatever their asset's state.
    async fn renders_matching(&self, condition: &str, binds: &[SqlValue]) -> Result<Vec<RenderRecord>, StoreError> {
        let sql = format!("{RENDER_SELECT} WHERE {condition}");
        let result = self.sql.run(self.statement(&sql, binds)).await?;
        result.rows::<RenderRow>()?.into_iter().map(TryInto::try_into).collect()
    }

    /// The event `event_type` of a render in one of `states` (SQL list), recorded once.
    fn render_event(
        &self,
        render_id: &str,
        event_type: &str,
        states: &str,
        event_id: &str,
        at: Timestamp,
    ) -> Statement {
        let sql = format!(
            "INSERT OR IGNORE INTO events (id, account_id, type, entity_id, asset_id, data_json, created_at) \
             SELECT ?1, account_id, ?2, id, asset_id, json_object('entity_id', id, 'asset_id', asset_id), ?3 \
             FROM renders WHERE id = ?4 AND state IN {states}"
        );
        self.statement(&sql, &[text(event_id), text(event_type), time(at), text(render_id)])
    }

    /// A guarded end of an open render and its event, in one batch.
    async fn end_render(
        &self,
        render_id: &str,
        update: &str,
        binds: &[SqlValue],
        event_type: &str,
        event_id: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let state = if event_type == "render.completed" { "('completed')" } else { "('failed')" };
        let statements =
            vec![self.statement(update, binds), self.render_event(render_id, event_type, state, event_id, at)];
        let results = self.sql.batch(statements).await?;
        Ok(results.first().map(|answer| answer.changes).unwrap_or(0) > 0)
    }
}

#[async_trait(?Send)]
impl<S: Sql> RenderStore for SqlStore<S> {
    async fn insert_render(&self, render: &RenderRecord) -> Result<bool, StoreError> {
        let output = serde_json::to_string(&render.output).map_err(|e| StoreError(format!("output JSON: {e}")))?;
        let inserted = self.execute(
            "INSERT OR IGNORE INTO renders (id, account_id, asset_id, cut_id, signature, state, output_json, progress, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)",
            &[
                text(&render.id),
                text(&render.account_id),
                text(&render.asset_id),
                optional_text(render.cut_id.as_deref()),
                text(&render.signature),
                text(render.state.as_str()),
                text(&output),
                time(render.created_at),
            ],
        )
        .await?;
        Ok(inserted > 0)
    }

    async fn render(&self, account_id: &str, render_id: &str) -> Result<Option<RenderRecord>, StoreError> {
        Ok(self.renders_where("r.id = ?1 AND r.account_id = ?2", &[text(render_id), text(account_id)]).await?.pop())
    }

    async fn render_by_id(&self, render_id: &str) -> Result<Option<RenderRecord>, StoreError> {
        Ok(self.renders_where("r.id = ?1", &[text(render_id)]).await?.pop())
    }

    async fn render_by_signature(&self, account_id: &str, signature: &str) -> Result<Option<RenderRecord>, StoreError> {
        let found = self
            .renders_where(
                "r.account_id = ?1 AND r.signature = ?2 ORDER BY r.created_at DESC LIMIT 1",
                &[text(account_id), text(signature)],
            )
            .await?;
        Ok(found.into_iter().next())
    }

    async fn list_renders(
        &self,
        account_id: &str,
        filter: &RenderFilter,
        page: Page,
    ) -> Result<Listed<RenderRecord>, StoreError> {
        let matches = format!(
            "{LIVE} AND r.account_id = ?1 AND (?2 IS NULL OR r.asset_id = ?2) AND (?3 IS NULL OR r.cut_id = ?3) \
             AND (?4 IS NULL OR r.state = ?4)"
        );
        let binds = [
            text(account_id),
            optional_text(filter.asset_id.as_deref()),
            optional_text(filter.cut_id.as_deref()),
            optional_text(filter.state.map(RenderState::as_str)),
        ];
        let listed = self
            .page::<RenderRow>(
                &format!("{RENDER_SELECT} WHERE {matches} ORDER BY r.created_at DESC, r.id DESC LIMIT ?5 OFFSET ?6"),
                &format!("SELECT COUNT(*) AS total FROM renders r JOIN assets a ON a.id = r.asset_id WHERE {matches}"),
                &binds,
                page,
            )
            .await?;
        listed.try_map(TryInto::try_into)
    }

    async fn project_renders(&self, account_id: &str, project_id: &str) -> Result<Vec<RenderRecord>, StoreError> {
        self.renders_matching("a.project_id = ?1 AND r.account_id = ?2", &[text(project_id), text(account_id)]).await
    }

    async fn asset_renders(&self, asset_id: &str) -> Result<Vec<RenderRecord>, StoreError> {
        self.renders_matching("r.asset_id = ?1", &[text(asset_id)]).await
    }

    async fn delete_render(&self, render_id: &str) -> Result<bool, StoreError> {
        Ok(self.execute("DELETE FROM renders WHERE id = ?1", &[text(render_id)]).await? > 0)
    }

    async fn start_render(&self, render_id: &str, at: Timestamp) -> Result<bool, StoreError> {
        let statements = vec![
            self.statement(
                "UPDATE renders SET state = 'processing', started_at = ?2 WHERE id = ?1 AND state = 'pending'",
                &[text(render_id), time(at)],
            ),
            self.statement(
                "SELECT COUNT(*) AS total FROM renders WHERE id = ?1 AND state = 'processing'",
                &[text(render_id)],
            ),
        ];
        let results = self.sql.batch(statements).await?;
        let open = results
            .last()
            .map(|r| r.rows::<super::CountRow>())
            .transpose()?
            .and_then(|rows| rows.into_iter().next())
            .is_some_and(|row| row.total > 0);
        Ok(open)
    }

    async fn complete_render(&self, render_id: &str, rendered: &Rendered<'_>) -> Result<bool, StoreError> {
        let Rendered { object_key, size_bytes, duration_ms, event_id, at } = *rendered;
        self.end_render(
            render_id,
            &format!(
                "UPDATE renders SET state = 'completed', object_key = ?2, size_bytes = ?3, duration_ms = ?4, \
                 progress = 1, completed_at = ?5 WHERE id = ?1 AND state IN {}",
                open_renders()
            ),
            &[text(render_id), text(object_key), number(size_bytes as i64), number(duration_ms as i64), time(at)],
            "render.completed",
            event_id,
            at,
        )
        .await
    }

    async fn fail_render(&self, render_id: &str, failed: &Failed<'_>) -> Result<bool, StoreError> {
        let Failed { error_code, error_message, event_id, at } = *failed;
        self.end_render(
            render_id,
            &format!(
                "UPDATE renders SET state = 'failed', error_code = ?2, error_message = ?3, completed_at = ?4 \
                 WHERE id = ?1 AND state IN {}",
                open_renders()
            ),
            &[text(render_id), text(error_code), text(error_message), time(at)],
            "render.failed",
            event_id,
            at,
        )
        .await
    }

    async fn record_cancelled(&self, render: &RenderRecord, event_id: &str, at: Timestamp) -> Result<(), StoreError> {
        self.sql.run(self.render_event(&render.id, "render.cancelled", &open_renders(), event_id, at)).await?;
        Ok(())
    }
}
