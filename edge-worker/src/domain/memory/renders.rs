//! The render store in memory, with the D1 adapter's contract: renders of deleted assets are
//! hidden, state changes only from the states they leave, one event per render and type.

use async_trait::async_trait;
use roughcut_shared::assets::AssetState;
use roughcut_shared::renders::RenderState;

use super::{MemoryStore, page_of};
use crate::domain::StoreError;
use crate::domain::page::{Listed, Page};
use crate::domain::ports::Failed;
use crate::domain::ports::renders::Rendered;
use crate::domain::ports::renders::{RenderFilter, RenderRecord, RenderStore};
use crate::domain::time::Timestamp;

impl MemoryStore {
    fn live_render(&self, render_id: &str) -> Option<RenderRecord> {
        let tables = self.tables.borrow();
        let render = tables.renders.iter().find(|r| r.id == render_id)?;
        let live = tables.assets.iter().any(|a| a.id == render.asset_id && a.state != AssetState::Deleted);
        live.then(|| as_read(&tables, render))
    }

    fn change_render(&self, render_id: &str, change: impl FnOnce(&mut RenderRecord) -> bool) -> Option<RenderRecord> {
        let mut tables = self.tables.borrow_mut();
        let render = tables.renders.iter_mut().find(|r| r.id == render_id)?;
        change(render).then(|| render.clone())
    }
}

/// A render as D1 reads it: its progress is its newest job's.
fn as_read(tables: &super::Tables, render: &RenderRecord) -> RenderRecord {
    let newest_job =
        tables.jobs.iter().filter(|j| j.record.subject_id == render.id).max_by_key(|j| j.record.created_at);
    RenderRecord { progress: newest_job.map_or(render.progress, |j| j.progress), ..render.clone() }
}

#[async_trait(?Send)]
impl RenderStore for MemoryStore {
    async fn insert_render(&self, render: &RenderRecord) -> Result<bool, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        tables.check_references(&render.account_id, Some(&render.asset_id), None)?;
        // D1's renders_one_live_per_signature
        let taken = tables.renders.iter().any(|r| {
            r.account_id == render.account_id && r.signature == render.signature && r.state != RenderState::Failed
        });
        if !taken {
            tables.renders.push(render.clone());
        }
        Ok(!taken)
    }

    async fn render(&self, account_id: &str, render_id: &str) -> Result<Option<RenderRecord>, StoreError> {
        self.check()?;
        Ok(self.live_render(render_id).filter(|r| r.account_id == account_id))
    }

    async fn render_by_id(&self, render_id: &str) -> Result<Option<RenderRecord>, StoreError> {
        self.check()?;
        Ok(self.live_render(render_id))
    }

    async fn render_by_signature(&self, account_id: &str, signature: &str) -> Result<Option<RenderRecord>, StoreError> {
        self.check()?;
        let ids: Vec<String> = self.tables.borrow().renders.iter().map(|r| r.id.clone()).collect();
        Ok(ids
            .iter()
            .filter_map(|id| self.live_render(id))
            .find(|r| r.account_id == account_id && r.signature == signature))
    }

    async fn list_renders(
        &self,
        account_id: &str,
        filter: &RenderFilter,
        page: Page,
    ) -> Result<Listed<RenderRecord>, StoreError> {
        self.check()?;
        let ids: Vec<String> = self.tables.borrow().renders.iter().map(|r| r.id.clone()).collect();
        let mut rows: Vec<RenderRecord> = ids
            .iter()
            .filter_map(|id| self.live_render(id))
            .filter(|r| r.account_id == account_id)
            .filter(|r| filter.asset_id.as_ref().is_none_or(|a| *a == r.asset_id))
            .filter(|r| filter.cut_id.is_none() || r.cut_id == filter.cut_id)
            .filter(|r| filter.state.is_none_or(|s| s == r.state))
            .collect();
        rows.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        Ok(page_of(rows.iter().collect(), page))
    }

    async fn project_renders(&self, account_id: &str, project_id: &str) -> Result<Vec<RenderRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let in_project = |asset_id: &str| {
            tables.assets.iter().any(|a| a.id == asset_id && a.project_id.as_deref() == Some(project_id))
        };
        let renders = tables.renders.iter().filter(|r| r.account_id == account_id && in_project(&r.asset_id));
        Ok(renders.map(|r| as_read(&tables, r)).collect())
    }

    async fn asset_renders(&self, asset_id: &str) -> Result<Vec<RenderRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        Ok(tables.renders.iter().filter(|r| r.asset_id == asset_id).map(|r| as_read(&tables, r)).collect())
    }

    async fn delete_render(&self, render_id: &str) -> Result<bool, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let before = tables.renders.len();
        tables.renders.retain(|r| r.id != render_id);
        // D1's ON DELETE SET NULL: a pipeline step that made the render names none from now on
        let steps = tables.pipelines.iter_mut().flat_map(|p| p.steps.iter_mut());
        steps.filter(|s| s.render_id.as_deref() == Some(render_id)).for_each(|s| s.render_id = None);
        Ok(tables.renders.len() < before)
    }

    async fn start_render(&self, render_id: &str, at: Timestamp) -> Result<bool, StoreError> {
        self.check()?;
        let started = self.change_render(render_id, |r| {
            let open = r.state.is_open();
            if r.state == RenderState::Pending {
                r.state = RenderState::Processing;
                r.started_at = Some(at);
            }
            open
        });
        Ok(started.is_some())
    }

    async fn complete_render(&self, render_id: &str, rendered: &Rendered<'_>) -> Result<bool, StoreError> {
        let Rendered { object_key, size_bytes, duration_ms, event_id, at } = *rendered;
        self.check()?;
        let done = self.change_render(render_id, |r| {
            let open = r.state.is_open();
            if open {
                r.state = RenderState::Completed;
                r.object_key = Some(object_key.to_owned());
                r.size_bytes = Some(size_bytes);
                r.duration_ms = Some(duration_ms);
                r.progress = 1.0;
                r.completed_at = Some(at);
            }
            open
        });
        if let Some(render) = &done {
            self.record_event(Self::event(
                &render.account_id,
                "render.completed",
                &render.id,
                &render.asset_id,
                event_id,
                at,
            ));
        }
        Ok(done.is_some())
    }

    async fn fail_render(&self, render_id: &str, failed: &Failed<'_>) -> Result<bool, StoreError> {
        let Failed { error_code, error_message, event_id, at } = *failed;
        self.check()?;
        let failed = self.change_render(render_id, |r| {
            let open = r.state.is_open();
            if open {
                r.state = RenderState::Failed;
                r.error_code = Some(error_code.to_owned());
                r.error_message = Some(error_message.to_owned());
                r.completed_at = Some(at);
            }
            open
        });
        if let Some(render) = &failed {
            self.record_event(Self::event(
                &render.account_id,
                "render.failed",
                &render.id,
                &render.asset_id,
                event_id,
                at,
            ));
        }
        Ok(failed.is_some())
    }

    async fn record_cancelled(&self, render: &RenderRecord, event_id: &str, at: Timestamp) -> Result<(), StoreError> {
        self.check()?;
        self.record_event(Self::event(
            &render.account_id,
            "render.cancelled",
            &render.id,
            &render.asset_id,
            event_id,
            at,
        ));
        Ok(())
    }
}
