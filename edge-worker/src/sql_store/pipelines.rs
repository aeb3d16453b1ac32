//! Pipelines in D1: created in one batch with their guarded hold, read with their steps and the
//! state of their hold from the ledger, changed by compare-and-swap on `version` (the batch's later
//! statements are conditioned on the `transition` marker the swap wrote), and their event log.

use async_trait::async_trait;
use roughcut_shared::pipelines::{PipelineState, PipelineStepRequest, StepState};
use serde::Deserialize;

use super::SqlStore;
use super::sql::{Sql, Statement, literal, number, optional_text, optional_time, text, time};
use crate::domain::StoreError;
use crate::domain::ids::random_bytes;
use crate::domain::page::{Listed, Page};
use crate::domain::ports::AppendOutcome;
use crate::domain::ports::pipelines::{
    HoldRecord, NewPipelineEvent, OpenHold, PipelineChange, PipelineEventRecord, PipelineEventType, PipelineRecord,
    PipelineStore, StepRecord,
};
use crate::domain::time::Timestamp;

const PIPELINE_SELECT: &str = "SELECT p.id, p.account_id, p.input_asset_id, p.state, p.version, p.hold_id, \
     h.amount AS hold_amount, \
     (SELECT l.id FROM ledger_entries l WHERE l.hold_id = p.hold_id AND l.type = 'hold') AS hold_entry_id, \
     EXISTS (SELECT 1 FROM ledger_entries l WHERE l.hold_id = p.hold_id AND l.type = 'release') AS hold_released, \
     p.credits_consumed, p.error_code, p.error_message, p.created_at, p.started_at, p.completed_at \
     FROM pipelines p LEFT JOIN holds h ON h.id = p.hold_id";
const STEP_COLUMNS: &str = "s.id, s.pipeline_id, s.step_order, s.config_json, s.state, s.run, s.cut_id, s.render_id, \
     s.output_asset_id, s.error_code, s.error_message, s.started_at, s.completed_at";

#[derive(Deserialize)]
struct PipelineRow {
    id: String,
    account_id: String,
    input_asset_id: String,
    state: String,
    version: u32,
    hold_id: Option<String>,
    hold_amount: Option<i64>,
    hold_entry_id: Option<String>,
    hold_released: i64,
    credits_consumed: i64,
    error_code: Option<String>,
    error_message: Option<String>,
    created_at: i64,
    started_at: Option<i64>,
    completed_at: Option<i64>,
}

#[derive(Deserialize)]
struct StepRow {
    id: String,
    pipeline_id: String,
    step_order: u32,
    config_json: String,
    state: String,
    run: u32,
    cut_id: Option<String>,
    render_id: Option<String>,
    output_asset_id: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
    started_at: Option<i64>,
    completed_at: Option<i64>,
}

impl TryFrom<StepRow> for StepRecord {
    type Error = StoreError;

    fn try_from(row: StepRow) -> Result<Self, StoreError> {
        let corrupt = |what: String| StoreError(format!("pipeline step {} has {what}", row.id));
        // the config is stored with its processor, as the request spelled them
        let request: PipelineStepRequest =
            serde_json::from_str(&row.config_json).map_err(|e| corrupt(format!("an unreadable config: {e}")))?;
        Ok(Self {
            state: StepState::parse(&row.state).ok_or_else(|| corrupt("an unknown state".into()))?,
            id: row.id,
            order: row.step_order,
            request,
            run: row.run,
            cut_id: row.cut_id,
            render_id: row.render_id,
            output_asset_id: row.output_asset_id,
            error_code: row.error_code,
            error_message: row.error_message,
            started_at: row.started_at.map(Timestamp),
            completed_at: row.completed_at.map(Timestamp),
        })
    }
}

fn pipeline_record(row: PipelineRow, steps: &mut Vec<StepRow>) -> Result<PipelineRecord, StoreError> {
    let corrupt = |what: &str| StoreError(format!("pipeline {} has {what}", row.id));
    let hold = match (row.hold_id, row.hold_amount, row.hold_entry_id) {
        (Some(id), Some(amount), Some(entry_id)) => {
            Some(HoldRecord { id, amount, entry_id, released: row.hold_released != 0 })
        }
        (None, _, _) => None,
        _ => return Err(corrupt("a hold without its entry")),
    };
    let (mine, others): (Vec<StepRow>, Vec<StepRow>) = steps.drain(..).partition(|s| s.pipeline_id == row.id);
    *steps = others;
    let mut steps = mine.into_iter().map(StepRecord::try_from).collect::<Result<Vec<_>, _>>()?;
    steps.sort_by_key(|s| s.order);
    Ok(PipelineRecord {
        state: PipelineState::parse(&row.state).ok_or_else(|| corrupt("an unknown state"))?,
        id: row.id,
        account_id: row.account_id,
        input_asset_id: row.input_asset_id,
        version: row.version,
        hold,
        credits_consumed: row.credits_consumed,
        error_code: row.error_code,
        error_message: row.error_message,
        created_at: Timestamp(row.created_at),
        started_at: row.started_at.map(Timestamp),
        completed_at: row.completed_at.map(Timestamp),
        steps,
    })
}

fn config_json(step: &StepRecord) -> Result<String, StoreError> {
    serde_json::to_string(&step.request).map_err(|e| StoreError(format!("step {} config: {e}", step.id)))
}

fn event_statement(pipeline_id: &str, event: &NewPipelineEvent, at: Timestamp, condition: &str) -> Statement {
    Statement::new(
        &format!(
            "INSERT INTO pipeline_events (pipeline_id, type, data_json, created_at) SELECT ?1, ?2, ?3, ?4 {condition}"
        ),
        &[text(pipeline_id), text(event.event_type.as_str()), text(&event.data_json), time(at)],
    )
}

impl<S: Sql> SqlStore<S> {
    async fn read_pipelines(&self, rows: Statement, steps: Statement) -> Result<Vec<PipelineRecord>, StoreError> {
        let answers = self.sql.batch(vec![rows, steps]).await?;
        let [rows, steps] = answers.as_slice() else {
            return Err(StoreError(format!("batch returned {} results for 2 statements", answers.len())));
        };
        let mut steps = steps.rows::<StepRow>()?;
        rows.rows::<PipelineRow>()?.into_iter().map(|row| pipeline_record(row, &mut steps)).collect()
    }
}

#[async_trait(?Send)]
impl<S: Sql> PipelineStore for SqlStore<S> {
    async fn create_pipeline(
        &self,
        pipeline: &PipelineRecord,
        created: &NewPipelineEvent,
    ) -> Result<AppendOutcome, StoreError> {
        let mut statements = Vec::new();
        // with a hold, everything below exists only if the guarded hold was taken
        let held = match &pipeline.hold {
            Some(hold) => {
                statements.push(self.statement(
                    "INSERT INTO holds (id, account_id, pipeline_id, amount, created_at) \
                     SELECT ?1, ?2, ?3, ?4, ?5 \
                     WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?2) \
                       AND (SELECT COALESCE(SUM(delta), 0) FROM ledger_entries WHERE account_id = ?2) >= ?4",
                    &[
                        text(&hold.id),
                        text(&pipeline.account_id),
                        text(&pipeline.id),
                        number(hold.amount),
                        time(pipeline.created_at),
                    ],
                ));
                statements.push(self.statement(
                    "INSERT INTO ledger_entries (id, account_id, type, delta, pipeline_id, hold_id, created_at) \
                     SELECT ?1, ?2, 'hold', -?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM holds WHERE id = ?5)",
                    &[
                        text(&hold.entry_id),
                        text(&pipeline.account_id),
                        number(hold.amount),
                        text(&pipeline.id),
                        text(&hold.id),
                        time(pipeline.created_at),
                    ],
                ));
                format!("WHERE EXISTS (SELECT 1 FROM holds WHERE id = {})", literal(&hold.id))
            }
            None => "WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?2)".to_owned(),
        };
        statements.push(self.statement(
            &format!(
                "INSERT INTO pipelines (id, account_id, input_asset_id, state, hold_id, credits_reserved, \
                 credits_consumed, created_at, version) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 {held}"
            ),
            &[
                text(&pipeline.id),
                text(&pipeline.account_id),
                text(&pipeline.input_asset_id),
                text(pipeline.state.as_str()),
                optional_text(pipeline.hold.as_ref().map(|h| h.id.as_str())),
                number(pipeline.credits_reserved()),
                number(pipeline.credits_consumed),
                time(pipeline.created_at),
                number(i64::from(pipeline.version)),
            ],
        ));
        let stored = "WHERE EXISTS (SELECT 1 FROM pipelines WHERE id = ?1)";
        for step in &pipeline.steps {
            statements.push(self.statement(
                &format!(
                    "INSERT INTO pipeline_steps (id, pipeline_id, step_order, processor_name, config_json, state, run) \
                     SELECT ?2, ?1, ?3, ?4, ?5, ?6, ?7 {stored}"
                ),
                &[
                    text(&pipeline.id),
                    text(&step.id),
                    number(i64::from(step.order)),
                    text(step.request.processor_name()),
                    text(&config_json(step)?),
                    text(step.state.as_str()),
                    number(i64::from(step.run)),
                ],
            ));
        }
        let created_at = statements.len();
        statements.push(event_statement(&pipeline.id, created, pipeline.created_at, stored));
        let answers = self.sql.batch(statements).await?;
        if answers.get(created_at).is_some_and(|answer| answer.changes > 0) {
            return Ok(AppendOutcome::Appended);
        }
        let account = self
            .first::<super::CountRow>(
                "SELECT COUNT(*) AS total FROM accounts WHERE id = ?1",
                &[text(&pipeline.account_id)],
            )
            .await?;
        Ok(if account.is_some_and(|row| row.total > 0) {
            AppendOutcome::WouldOverdraw
        } else {
            AppendOutcome::NoAccount
        })
    }

    async fn pipeline(&self, account_id: &str, pipeline_id: &str) -> Result<Option<PipelineRecord>, StoreError> {
        Ok(self.pipeline_by_id(pipeline_id).await?.filter(|p| p.account_id == account_id))
    }

    async fn pipeline_by_id(&self, pipeline_id: &str) -> Result<Option<PipelineRecord>, StoreError> {
        let binds = [text(pipeline_id)];
        let rows = Statement::new(&format!("{PIPELINE_SELECT} WHERE p.id = ?1"), &binds);
        let steps =
            Statement::new(&format!("SELECT {STEP_COLUMNS} FROM pipeline_steps s WHERE s.pipeline_id = ?1"), &binds);
        Ok(self.read_pipelines(rows, steps).await?.into_iter().next())
    }

    async fn list_pipelines(&self, account_id: &str, page: Page) -> Result<Listed<PipelineRecord>, StoreError> {
        let binds =
            [text(account_id), number(i64::from(page.limit)), number(i64::try_from(page.offset).unwrap_or(i64::MAX))];
        let newest = "ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3";
        let rows = Statement::new(
            &format!(
                "{PIPELINE_SELECT} WHERE p.account_id = ?1 ORDER BY p.created_at DESC, p.id DESC LIMIT ?2 OFFSET ?3"
            ),
            &binds,
        );
        let steps = Statement::new(
            &format!(
                "SELECT {STEP_COLUMNS} FROM pipeline_steps s WHERE s.pipeline_id IN \
                 (SELECT id FROM pipelines WHERE account_id = ?1 {newest})"
            ),
            &binds,
        );
        let items = self.read_pipelines(rows, steps).await?;
        let total = self
            .first::<super::CountRow>("SELECT COUNT(*) AS total FROM pipelines WHERE account_id = ?1", &binds[..1])
            .await?
            .map_or(0, |row| row.total);
        Ok(Listed { items, total })
    }

    async fn pipelines_waiting_on(&self, subject_id: &str) -> Result<Vec<String>, StoreError> {
        self.ids(
            "SELECT DISTINCT pipeline_id AS id FROM pipeline_steps \
             WHERE (cut_id = ?1 OR render_id = ?1) AND state = 'RUNNING'",
            &[text(subject_id)],
        )
        .await
    }

    async fn open_holds_on(&self, asset_id: &str) -> Result<Vec<OpenHold>, StoreError> {
        #[derive(Deserialize)]
        struct HoldRow {
            pipeline_id: String,
            hold_id: String,
            amount: i64,
        }
        let rows = self
            .sql
            .run(Statement::new(
                "SELECT p.id AS pipeline_id, h.id AS hold_id, h.amount FROM pipelines p JOIN holds h ON h.id = p.hold_id \
                 WHERE p.input_asset_id = ?1 AND p.state IN ('PENDING', 'RUNNING') \
                   AND NOT EXISTS (SELECT 1 FROM ledger_entries l WHERE l.hold_id = h.id AND l.type = 'release') \
                 ORDER BY p.created_at, p.id",
                &[text(asset_id)],
            ))
            .await?
            .rows::<HoldRow>()?;
        Ok(rows
            .into_iter()
            .map(|row| OpenHold { pipeline_id: row.pipeline_id, hold_id: row.hold_id, amount: row.amount })
            .collect())
    }

    async fn change_pipeline(&self, change: &PipelineChange) -> Result<bool, StoreError> {
        let pipeline = &change.pipeline;
        let mut marker = [0u8; 16];
        random_bytes(&mut marker);
        let marker = hex::encode(marker);
        let mut statements = vec![self.statement(
            "UPDATE pipelines SET state = ?3, version = ?4, transition = ?5, credits_consumed = ?6, \
             error_code = ?7, error_message = ?8, started_at = ?9, completed_at = ?10 \
             WHERE id = ?1 AND version = ?2",
            &[
                text(&pipeline.id),
                number(i64::from(pipeline.version) - 1),
                text(pipeline.state.as_str()),
                number(i64::from(pipeline.version)),
                text(&marker),
                number(pipeline.credits_consumed),
                optional_text(pipeline.error_code.as_deref()),
                optional_text(pipeline.error_message.as_deref()),
                optional_time(pipeline.started_at),
                optional_time(pipeline.completed_at),
            ],
        )];
        let swapped = format!(
            "EXISTS (SELECT 1 FROM pipelines WHERE id = {} AND transition = '{marker}')",
            literal(&pipeline.id)
        );
        if let Some(asset) = &change.output_asset {
            // before the steps: a step names it
            let made_by = format!("WHERE {swapped}");
            statements.push(super::derived_asset(asset, &literal(&pipeline.input_asset_id), &made_by, &[]));
        }
        for step in &pipeline.steps {
            statements.push(self.statement(
                &format!(
                    "UPDATE pipeline_steps SET state = ?2, run = ?3, cut_id = ?4, render_id = ?5, output_asset_id = ?6, \
                     error_code = ?7, error_message = ?8, started_at = ?9, completed_at = ?10 \
                     WHERE id = ?1 AND {swapped}"
                ),
                &[
                    text(&step.id),
                    text(step.state.as_str()),
                    number(i64::from(step.run)),
                    optional_text(step.cut_id.as_deref()),
                    optional_text(step.render_id.as_deref()),
                    optional_text(step.output_asset_id.as_deref()),
                    optional_text(step.error_code.as_deref()),
                    optional_text(step.error_message.as_deref()),
                    optional_time(step.started_at),
                    optional_time(step.completed_at),
                ],
            ));
        }
        if let Some(release) = &change.release {
            statements.push(self.statement(
                &format!(
                    "INSERT INTO ledger_entries (id, account_id, type, delta, pipeline_id, hold_id, created_at) \
                     SELECT ?1, ?2, 'release', ?3, ?4, ?5, ?6 WHERE {swapped} \
                     AND NOT EXISTS (SELECT 1 FROM ledger_entries WHERE hold_id = ?5 AND type = 'release')"
                ),
                &[
                    text(&release.entry_id),
                    text(&pipeline.account_id),
                    number(release.amount),
                    text(&pipeline.id),
                    text(&release.hold_id),
                    time(change.at),
                ],
            ));
        }
        for event in &change.events {
            statements.push(event_statement(&pipeline.id, event, change.at, &format!("WHERE {swapped}")));
        }
        if let Some(ended) = &change.ended {
            statements.push(self.statement(
                &format!(
                    "INSERT INTO events (id, account_id, type, entity_id, asset_id, data_json, created_at) \
                     SELECT ?1, account_id, ?2, id, input_asset_id, \
                     json_object('entity_id', id, 'asset_id', input_asset_id), ?3 FROM pipelines WHERE id = ?4 AND {swapped}"
                ),
                &[text(&ended.event_id), text(ended.event_type), time(change.at), text(&pipeline.id)],
            ));
        }
        let answers = self.sql.batch(statements).await?;
        Ok(answers.first().is_some_and(|answer| answer.changes > 0))
    }

    async fn record_event(&self, pipeline_id: &str, event: &NewPipelineEvent, at: Timestamp) -> Result<(), StoreError> {
        self.sql.run(event_statement(pipeline_id, event, at, "")).await?;
        Ok(())
    }

    async fn events_after(
        &self,
        pipeline_id: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<PipelineEventRecord>, StoreError> {
        #[derive(Deserialize)]
        struct EventRow {
            seq: i64,
            #[serde(rename = "type")]
            event_type: String,
            data_json: String,
            created_at: i64,
        }
        let rows = self
            .sql
            .run(Statement::new(
                "SELECT seq, type, data_json, created_at FROM pipeline_events \
                 WHERE pipeline_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
                &[text(pipeline_id), number(after), number(i64::from(limit))],
            ))
            .await?
            .rows::<EventRow>()?;
        rows.into_iter()
            .map(|row| {
                let event_type = PipelineEventType::parse(&row.event_type)
                    .ok_or_else(|| StoreError(format!("pipeline event {} has an unknown type", row.seq)))?;
                Ok(PipelineEventRecord {
                    seq: row.seq,
                    event_type,
                    data_json: row.data_json,
                    created_at: Timestamp(row.created_at),
                })
            })
            .collect()
    }
}
