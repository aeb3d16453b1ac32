//! The cut store in memory, with the D1 adapter's contract: cuts of deleted assets are hidden,
//! state changes only from the states they leave, completion stores the captions asset and the
//! event together.

use async_trait::async_trait;
use roughcut_shared::assets::AssetState;
use roughcut_shared::cuts::CutState;

use super::{MemoryStore, page_of};
use crate::domain::StoreError;
use crate::domain::page::{Listed, Page};
use crate::domain::ports::Failed;
use crate::domain::ports::cuts::{CompletedCut, CutFilter, CutRecord, CutStore};
use crate::domain::time::Timestamp;

impl MemoryStore {
    fn live_cut(&self, cut_id: &str) -> Option<CutRecord> {
        let tables = self.tables.borrow();
        let cut = tables.cuts.iter().find(|c| c.id == cut_id && !tables.deleted_cuts.contains(&c.id))?;
        let asset_live = tables.assets.iter().any(|a| a.id == cut.asset_id && a.state != AssetState::Deleted);
        asset_live.then(|| cut.clone())
    }

    fn change_cut(&self, cut_id: &str, change: impl FnOnce(&mut CutRecord) -> bool) -> bool {
        let mut tables = self.tables.borrow_mut();
        tables.cuts.iter_mut().find(|c| c.id == cut_id).is_some_and(change)
    }
}

#[async_trait(?Send)]
impl CutStore for MemoryStore {
    async fn insert_cut(&self, cut: &CutRecord) -> Result<bool, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        tables.check_references(&cut.account_id, Some(&cut.asset_id), None)?;
        // D1's cuts_one_live_per_signature, which knows nothing of the asset's state
        let taken = tables.cuts.iter().any(|c| {
            c.asset_id == cut.asset_id
                && c.signature == cut.signature
                && c.state != CutState::Failed
                && !tables.deleted_cuts.contains(&c.id)
        });
        if !taken {
            tables.cuts.push(cut.clone());
        }
        Ok(!taken)
    }

    async fn cut(&self, account_id: &str, cut_id: &str) -> Result<Option<CutRecord>, StoreError> {
        self.check()?;
        Ok(self.live_cut(cut_id).filter(|c| c.account_id == account_id))
    }

    async fn cut_by_id(&self, cut_id: &str) -> Result<Option<CutRecord>, StoreError> {
        self.check()?;
        Ok(self.live_cut(cut_id))
    }

    async fn cut_by_signature(
        &self,
        account_id: &str,
        asset_id: &str,
        signature: &str,
    ) -> Result<Option<CutRecord>, StoreError> {
        self.check()?;
        let ids: Vec<String> = self.tables.borrow().cuts.iter().map(|c| c.id.clone()).collect();
        Ok(ids.iter().filter_map(|id| self.live_cut(id)).find(|c| {
            c.account_id == account_id
                && c.asset_id == asset_id
                && c.signature == signature
                && c.state != CutState::Failed
        }))
    }

    async fn list_cuts(
        &self,
        account_id: &str,
        filter: &CutFilter,
        page: Page,
    ) -> Result<Listed<CutRecord>, StoreError> {
        self.check()?;
        let ids: Vec<String> = self.tables.borrow().cuts.iter().map(|c| c.id.clone()).collect();
        let project_of = |asset_id: &str| {
            self.tables.borrow().assets.iter().find(|a| a.id == asset_id).and_then(|a| a.project_id.clone())
        };
        let mut rows: Vec<CutRecord> = ids
            .iter()
            .filter_map(|id| self.live_cut(id))
            .filter(|c| c.account_id == account_id)
            .filter(|c| filter.asset_id.as_ref().is_none_or(|a| *a == c.asset_id))
            .filter(|c| filter.state.is_none_or(|s| s == c.state))
            .filter(|c| filter.project_id.is_none() || project_of(&c.asset_id) == filter.project_id)
            .collect();
        rows.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        Ok(page_of(rows.iter().collect(), page))
    }

    async fn project_cut_ids(&self, account_id: &str, project_id: &str) -> Result<Vec<String>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let in_project = |asset_id: &str| {
            tables.assets.iter().any(|a| a.id == asset_id && a.project_id.as_deref() == Some(project_id))
        };
        Ok(tables
            .cuts
            .iter()
            .filter(|c| c.account_id == account_id && in_project(&c.asset_id))
            .map(|c| c.id.clone())
            .collect())
    }

    async fn delete_cut(&self, account_id: &str, cut_id: &str, _at: Timestamp) -> Result<bool, StoreError> {
        self.check()?;
        if self.live_cut(cut_id).is_none_or(|c| c.account_id != account_id) {
            return Ok(false);
        }
        self.tables.borrow_mut().deleted_cuts.push(cut_id.to_owned());
        Ok(true)
    }

    async fn start_cut(&self, cut_id: &str, at: Timestamp) -> Result<bool, StoreError> {
        self.check()?;
        Ok(self.change_cut(cut_id, |cut| {
            let pending = cut.state == CutState::Pending;
            if pending {
                cut.state = CutState::Processing;
                cut.started_at = Some(at);
            }
            pending
        }))
    }

    async fn complete_cut(&self, cut_id: &str, completed: &CompletedCut) -> Result<bool, StoreError> {
        self.check()?;
        let deleted = self.tables.borrow().deleted_cuts.iter().any(|id| id == cut_id);
        let done = !deleted
            && self.change_cut(cut_id, |cut| {
                let running = cut.state == CutState::Processing;
                if running {
                    cut.state = CutState::Completed;
                    cut.plan = if completed.plan_key.is_some() { None } else { Some(completed.plan.clone()) };
                    cut.plan_key = completed.plan_key.clone();
                    cut.transcript_key = completed.transcript_key.clone();
                    cut.srt_asset_id = completed.srt_asset.as_ref().map(|a| a.id.clone());
                    cut.completed_at = Some(completed.at);
                }
                running
            });
        if done {
            if let Some(asset) = &completed.srt_asset {
                self.tables.borrow_mut().assets.push(asset.clone());
            }
            if let Some(cut) = self.live_cut(cut_id) {
                self.record_event(Self::event(
                    &cut.account_id,
                    "cut.completed",
                    &cut.id,
                    &cut.asset_id,
                    &completed.event_id,
                    completed.at,
                ));
            }
        }
        Ok(done)
    }

    async fn fail_cut(&self, cut_id: &str, failed: &Failed<'_>) -> Result<bool, StoreError> {
        let Failed { error_code, error_message, event_id, at } = *failed;
        self.check()?;
        let failed = self.change_cut(cut_id, |cut| {
            let open = cut.state.is_open();
            if open {
                cut.state = CutState::Failed;
                cut.error_code = Some(error_code.to_owned());
                cut.error_message = Some(error_message.to_owned());
                cut.completed_at = Some(at);
            }
            open
        });
        if failed && let Some(cut) = self.live_cut(cut_id) {
            self.record_event(Self::event(&cut.account_id, "cut.failed", &cut.id, &cut.asset_id, event_id, at));
        }
        Ok(failed)
    }
}
