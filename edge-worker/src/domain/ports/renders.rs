//! The renders' store: a render's row, its guarded state changes and its events.

use async_trait::async_trait;
use roughcut_shared::renders::{RenderOutput, RenderState};

use super::Failed;
use crate::domain::StoreError;
use crate::domain::page::{Listed, Page};
use crate::domain::time::Timestamp;

#[derive(Debug, Clone, PartialEq)]
pub struct RenderRecord {
    pub id: String,
    pub account_id: String,
    pub asset_id: String,
    pub cut_id: Option<String>,
    pub signature: String,
    pub state: RenderState,
    pub output: RenderOutput,
    pub progress: f64,
    pub size_bytes: Option<u64>,
    pub duration_ms: Option<u64>,
    pub object_key: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RenderFilter {
    pub asset_id: Option<String>,
    pub cut_id: Option<String>,
    pub state: Option<RenderState>,
}

/// A render's file, as the container wrote it, and the event of its completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rendered<'a> {
    pub object_key: &'a str,
    pub size_bytes: u64,
    pub duration_ms: u64,
    pub event_id: &'a str,
    pub at: Timestamp,
}

#[async_trait(?Send)]
pub trait RenderStore {
    /// `false` when a render of the account that has not failed has the same signature (a unique
    /// index in D1: two identical requests racing make one render).
    async fn insert_render(&self, render: &RenderRecord) -> Result<bool, StoreError>;
    /// The account's render, unless its asset is deleted; its progress is its job's.
    async fn render(&self, account_id: &str, render_id: &str) -> Result<Option<RenderRecord>, StoreError>;
    async fn render_by_id(&self, render_id: &str) -> Result<Option<RenderRecord>, StoreError>;
    async fn render_by_signature(&self, account_id: &str, signature: &str) -> Result<Option<RenderRecord>, StoreError>;
    /// Newest first.
    async fn list_renders(
        &self,
        account_id: &str,
        filter: &RenderFilter,
        page: Page,
    ) -> Result<Listed<RenderRecord>, StoreError>;
    /// Every render of the project's assets, whatever their state or their asset's.
    async fn project_renders(&self, account_id: &str, project_id: &str) -> Result<Vec<RenderRecord>, StoreError>;
    /// Every render of the asset, whatever its state or the asset's.
    async fn asset_renders(&self, asset_id: &str) -> Result<Vec<RenderRecord>, StoreError>;
    /// Removes the row; `false` when there was none.
    async fn delete_render(&self, render_id: &str) -> Result<bool, StoreError>;
    async fn start_render(&self, render_id: &str, at: Timestamp) -> Result<bool, StoreError>;
    /// → `completed` with its file and event; `false` when it is no longer open (deleted).
    async fn complete_render(&self, render_id: &str, rendered: &Rendered<'_>) -> Result<bool, StoreError>;
    async fn fail_render(&self, render_id: &str, failed: &Failed<'_>) -> Result<bool, StoreError>;
    /// Records `render.cancelled` for a render deleted while in flight.
    async fn record_cancelled(&self, render: &RenderRecord, event_id: &str, at: Timestamp) -> Result<(), StoreError>;
}
