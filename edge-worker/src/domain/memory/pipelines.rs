//! The pipeline store in memory, with the D1 adapter's contract: a pipeline is created only with
//! its guarded hold, changes only by compare-and-swap on its version, and its events are numbered
//! in one increasing sequence.

use async_trait::async_trait;
use roughcut_shared::credits::LedgerEntryType;

use super::{MemoryStore, Tables, page_of};
use crate::domain::StoreError;
use crate::domain::page::{Listed, Page};
use crate::domain::ports::pipelines::{
    NewPipelineEvent, OpenHold, PipelineChange, PipelineEventRecord, PipelineRecord, PipelineStore, PipelineStreams,
};
use crate::domain::ports::{AppendOutcome, LedgerRecord};
use crate::domain::time::Timestamp;

impl MemoryStore {
    /// The pipelines whose live streams were told of new events, in order.
    pub fn published_pipelines(&self) -> Vec<String> {
        self.tables.borrow().published.clone()
    }
}

#[async_trait(?Send)]
impl PipelineStreams for MemoryStore {
    async fn published(&self, pipeline_id: &str) {
        self.tables.borrow_mut().published.push(pipeline_id.to_owned());
    }
}

/// A pipeline as D1 reads it: its hold released once a `release` entry names it.
fn as_read(tables: &Tables, pipeline: &PipelineRecord) -> PipelineRecord {
    let mut read = pipeline.clone();
    if let Some(hold) = &mut read.hold {
        hold.released = released(tables, &hold.id);
    }
    read
}

fn released(tables: &Tables, hold_id: &str) -> bool {
    tables.ledger.iter().any(|e| e.hold_id.as_deref() == Some(hold_id) && e.entry_type == LedgerEntryType::Release)
}

fn available(tables: &Tables, account_id: &str) -> i64 {
    tables.ledger.iter().filter(|e| e.account_id == account_id).map(|e| e.delta).sum()
}

fn push_event(tables: &mut Tables, pipeline_id: &str, event: &NewPipelineEvent, at: Timestamp) {
    let seq = tables.pipeline_events.last().map_or(1, |(_, last)| last.seq + 1);
    let record =
        PipelineEventRecord { seq, event_type: event.event_type, data_json: event.data_json.clone(), created_at: at };
    tables.pipeline_events.push((pipeline_id.to_owned(), record));
}

#[async_trait(?Send)]
impl PipelineStore for MemoryStore {
    async fn create_pipeline(
        &self,
        pipeline: &PipelineRecord,
        created: &NewPipelineEvent,
    ) -> Result<AppendOutcome, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        if !tables.accounts.iter().any(|a| a.id == pipeline.account_id) {
            return Ok(AppendOutcome::NoAccount);
        }
        tables.check_references(&pipeline.account_id, Some(&pipeline.input_asset_id), None)?;
        if let Some(hold) = &pipeline.hold {
            if available(&tables, &pipeline.account_id) < hold.amount {
                return Ok(AppendOutcome::WouldOverdraw);
            }
            tables.ledger.push(LedgerRecord {
                id: hold.entry_id.clone(),
                account_id: pipeline.account_id.clone(),
                entry_type: LedgerEntryType::Hold,
                delta: -hold.amount,
                asset_id: None,
                pipeline_id: Some(pipeline.id.clone()),
                hold_id: Some(hold.id.clone()),
                memo: None,
                created_at: pipeline.created_at,
            });
        }
        tables.pipelines.push(pipeline.clone());
        push_event(&mut tables, &pipeline.id, created, pipeline.created_at);
        Ok(AppendOutcome::Appended)
    }

    async fn pipeline(&self, account_id: &str, pipeline_id: &str) -> Result<Option<PipelineRecord>, StoreError> {
        Ok(self.pipeline_by_id(pipeline_id).await?.filter(|p| p.account_id == account_id))
    }

    async fn pipeline_by_id(&self, pipeline_id: &str) -> Result<Option<PipelineRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        Ok(tables.pipelines.iter().find(|p| p.id == pipeline_id).map(|p| as_read(&tables, p)))
    }

    async fn list_pipelines(&self, account_id: &str, page: Page) -> Result<Listed<PipelineRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let mut rows: Vec<_> = tables.pipelines.iter().filter(|p| p.account_id == account_id).collect();
        rows.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        Ok(page_of(rows, page).map(|p| as_read(&tables, &p)))
    }

    async fn pipelines_waiting_on(&self, subject_id: &str) -> Result<Vec<String>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let waiting = tables.pipelines.iter().filter(|p| {
            p.steps.iter().any(|s| {
                s.state == roughcut_shared::pipelines::StepState::Running
                    && (s.cut_id.as_deref() == Some(subject_id) || s.render_id.as_deref() == Some(subject_id))
            })
        });
        Ok(waiting.map(|p| p.id.clone()).collect())
    }

    async fn open_holds_on(&self, asset_id: &str) -> Result<Vec<OpenHold>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let mut pipelines: Vec<_> =
            tables.pipelines.iter().filter(|p| p.input_asset_id == asset_id && p.state.is_open()).collect();
        pipelines.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        let holds = pipelines.into_iter().filter_map(|p| {
            let hold = p.hold.as_ref().filter(|hold| !released(&tables, &hold.id))?;
            Some(OpenHold { pipeline_id: p.id.clone(), hold_id: hold.id.clone(), amount: hold.amount })
        });
        Ok(holds.collect())
    }

    async fn change_pipeline(&self, change: &PipelineChange) -> Result<bool, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let new = &change.pipeline;
        let Some(index) = tables.pipelines.iter().position(|p| p.id == new.id) else { return Ok(false) };
        if tables.pipelines[index].version + 1 != new.version {
            return Ok(false);
        }
        if let Some(asset) = &change.output_asset {
            tables.check_references(&asset.account_id, None, asset.project_id.as_deref())?;
            tables.assets.push(asset.clone());
        }
        tables.pipelines[index] = new.clone();
        if let Some(release) = &change.release
            && !released(&tables, &release.hold_id)
        {
            tables.ledger.push(LedgerRecord {
                id: release.entry_id.clone(),
                account_id: new.account_id.clone(),
                entry_type: LedgerEntryType::Release,
                delta: release.amount,
                asset_id: None,
                pipeline_id: Some(new.id.clone()),
                hold_id: Some(release.hold_id.clone()),
                memo: None,
                created_at: change.at,
            });
        }
        for event in &change.events {
            push_event(&mut tables, &new.id, event, change.at);
        }
        if let Some(ended) = &change.ended {
            // not once per entity and type, as D1's partial index exempts pipelines: the swap
            // already makes each ending happen once
            let ended = Self::event(
                &new.account_id,
                ended.event_type,
                &new.id,
                &new.input_asset_id,
                &ended.event_id,
                change.at,
            );
            tables.events.push(ended);
        }
        Ok(true)
    }

    async fn record_event(&self, pipeline_id: &str, event: &NewPipelineEvent, at: Timestamp) -> Result<(), StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        if !tables.pipelines.iter().any(|p| p.id == pipeline_id) {
            return Err(super::foreign_key_failed());
        }
        push_event(&mut tables, pipeline_id, event, at);
        Ok(())
    }

    async fn events_after(
        &self,
        pipeline_id: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<PipelineEventRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let events = tables.pipeline_events.iter().filter(|(id, event)| id == pipeline_id && event.seq > after);
        Ok(events.take(limit as usize).map(|(_, event)| event.clone()).collect())
    }
}
