//! The cuts' store: a cut's row from request to plan, its guarded state changes and the
//! captions asset made with it.

use async_trait::async_trait;
use roughcut_engine::plan::CutPlan;
use roughcut_shared::cuts::{CutOptions, CutState};

use super::AssetRecord;
use super::Failed;
use crate::domain::StoreError;
use crate::domain::page::{Listed, Page};
use crate::domain::time::Timestamp;

#[derive(Debug, Clone, PartialEq)]
pub struct CutRecord {
    pub id: String,
    pub account_id: String,
    pub asset_id: String,
    pub signature: String,
    pub state: CutState,
    pub script: Option<String>,
    pub options: CutOptions,
    /// The plan, once completed, when its row holds it …
    pub plan: Option<CutPlan>,
    /// … or where in R2 it is (plans larger than `planning::INLINE_PLAN_BYTES`).
    pub plan_key: Option<String>,
    pub transcript_key: Option<String>,
    pub srt_asset_id: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
}

/// Which cuts a list shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CutFilter {
    pub asset_id: Option<String>,
    pub project_id: Option<String>,
    pub state: Option<CutState>,
}

/// A finished plan as the store keeps it, with the captions asset made from it.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletedCut {
    pub plan: CutPlan,
    /// Set when the plan is stored in R2 rather than in the row.
    pub plan_key: Option<String>,
    pub transcript_key: Option<String>,
    /// The `CUT_FILE` asset (its SRT), when the cut has words.
    pub srt_asset: Option<AssetRecord>,
    pub event_id: String,
    pub at: Timestamp,
}

#[async_trait(?Send)]
pub trait CutStore {
    /// `false` when a live cut of the asset has the same signature (a unique index in D1: two
    /// identical requests racing make one cut).
    async fn insert_cut(&self, cut: &CutRecord) -> Result<bool, StoreError>;
    /// The account's cut, unless deleted or its asset is.
    async fn cut(&self, account_id: &str, cut_id: &str) -> Result<Option<CutRecord>, StoreError>;
    /// Any account's live cut by id (for its job).
    async fn cut_by_id(&self, cut_id: &str) -> Result<Option<CutRecord>, StoreError>;
    /// The live, not failed cut of this asset with this signature.
    async fn cut_by_signature(
        &self,
        account_id: &str,
        asset_id: &str,
        signature: &str,
    ) -> Result<Option<CutRecord>, StoreError>;
    /// Newest first.
    async fn list_cuts(
        &self,
        account_id: &str,
        filter: &CutFilter,
        page: Page,
    ) -> Result<Listed<CutRecord>, StoreError>;
    /// The ids of every cut of the project's assets, deleted ones included.
    async fn project_cut_ids(&self, account_id: &str, project_id: &str) -> Result<Vec<String>, StoreError>;
    /// `false` when there is no such live cut.
    async fn delete_cut(&self, account_id: &str, cut_id: &str, at: Timestamp) -> Result<bool, StoreError>;
    /// `pending` → `processing`; `false` when it was not pending.
    async fn start_cut(&self, cut_id: &str, at: Timestamp) -> Result<bool, StoreError>;
    /// `processing` → `completed` with its plan, its captions asset and its event, at once.
    async fn complete_cut(&self, cut_id: &str, completed: &CompletedCut) -> Result<bool, StoreError>;
    /// → `failed` with its event, unless already completed or failed.
    async fn fail_cut(&self, cut_id: &str, failed: &Failed<'_>) -> Result<bool, StoreError>;
}
