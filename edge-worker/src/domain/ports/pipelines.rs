//! The pipelines' store: a pipeline with its steps, created together with the hold of its quote
//! and changed only by compare-and-swap on its version (the domain decides every transition; the
//! store applies it whole or not at all), and the log of state changes its event stream replays.

use async_trait::async_trait;
use roughcut_shared::pipelines::{PipelineState, PipelineStepRequest, StepState};

use super::{AppendOutcome, AssetRecord};
use crate::domain::StoreError;
use crate::domain::page::{Listed, Page};
use crate::domain::time::Timestamp;

/// Credits reserved for a pipeline's quote: a `hold` ledger entry, until its `release`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldRecord {
    pub id: String,
    pub amount: i64,
    /// The `hold` entry's id.
    pub entry_id: String,
    /// Whether its `release` entry exists.
    pub released: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub id: String,
    /// 0-based place in the pipeline.
    pub order: u32,
    pub request: PipelineStepRequest,
    pub state: StepState,
    /// How many times the step was started (a retry runs it again).
    pub run: u32,
    pub cut_id: Option<String>,
    pub render_id: Option<String>,
    pub output_asset_id: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
}

impl StepRecord {
    /// A step that has not run (again): what it asks for and nothing it made.
    pub fn pending(id: String, order: u32, request: PipelineStepRequest, run: u32) -> Self {
        Self {
            id,
            order,
            request,
            state: StepState::Pending,
            run,
            cut_id: None,
            render_id: None,
            output_asset_id: None,
            error_code: None,
            error_message: None,
            started_at: None,
            completed_at: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PipelineRecord {
    pub id: String,
    pub account_id: String,
    pub input_asset_id: String,
    pub state: PipelineState,
    /// Bumped by every change: what a compare-and-swap compares.
    pub version: u32,
    pub hold: Option<HoldRecord>,
    /// Credits the pipeline spent: the input's charge, when its hold paid for it.
    pub credits_consumed: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    /// In order.
    pub steps: Vec<StepRecord>,
}

impl PipelineRecord {
    /// Credits still held for it.
    pub fn credits_reserved(&self) -> i64 {
        self.hold.as_ref().filter(|hold| !hold.released).map_or(0, |hold| hold.amount)
    }
}

/// The kinds of events a pipeline's stream carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineEventType {
    /// `data:` is the pipeline.
    PipelineState,
    /// `data:` is the step.
    StepState,
    /// `data:` is the step, with its render's progress.
    StepProgress,
}

impl PipelineEventType {
    const ALL: [Self; 3] = [Self::PipelineState, Self::StepState, Self::StepProgress];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PipelineState => "pipeline.state",
            Self::StepState => "step.state",
            Self::StepProgress => "step.progress",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }
}

/// An event to record with a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPipelineEvent {
    pub event_type: PipelineEventType,
    pub data_json: String,
}

/// A recorded event: `seq` is its SSE id, increasing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineEventRecord {
    pub seq: i64,
    pub event_type: PipelineEventType,
    pub data_json: String,
    pub created_at: Timestamp,
}

/// A hold given back: its `release` entry, appended once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldRelease {
    pub hold_id: String,
    pub entry_id: String,
    pub amount: i64,
}

/// A decided change of a pipeline: its new row and steps, applied only if the stored version is
/// still `pipeline.version - 1`, with the hold's release and the events, all or nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineChange {
    pub pipeline: PipelineRecord,
    /// An asset a step made (a render's `RENDERED_VIDEO`), stored with the change.
    pub output_asset: Option<AssetRecord>,
    pub release: Option<HoldRelease>,
    pub events: Vec<NewPipelineEvent>,
    /// The terminal event of a change that ends the pipeline completed or failed, recorded with it
    /// for webhooks. Each ending is a new event: a retried pipeline that fails again says so again.
    pub ended: Option<PipelineEnded>,
    pub at: Timestamp,
}

/// A pipeline's terminal event: `pipeline.completed` or `pipeline.failed`, with its `evt_` id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineEnded {
    pub event_id: String,
    pub event_type: &'static str,
}

/// An open pipeline's hold on an asset's charge (the asset's settlement spends and releases it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenHold {
    pub pipeline_id: String,
    pub hold_id: String,
    pub amount: i64,
}

#[async_trait(?Send)]
pub trait PipelineStore {
    /// Appends the pipeline's `hold` entry with the ledger's guard (never below zero available)
    /// and stores the hold, the pipeline, its steps and `created` together; when the guard
    /// refuses, nothing is stored.
    async fn create_pipeline(
        &self,
        pipeline: &PipelineRecord,
        created: &NewPipelineEvent,
    ) -> Result<AppendOutcome, StoreError>;
    /// The account's pipeline with its steps.
    async fn pipeline(&self, account_id: &str, pipeline_id: &str) -> Result<Option<PipelineRecord>, StoreError>;
    /// Any account's pipeline (for its jobs).
    async fn pipeline_by_id(&self, pipeline_id: &str) -> Result<Option<PipelineRecord>, StoreError>;
    /// Newest first.
    async fn list_pipelines(&self, account_id: &str, page: Page) -> Result<Listed<PipelineRecord>, StoreError>;
    /// The ids of the pipelines with a running step on this cut or render.
    async fn pipelines_waiting_on(&self, subject_id: &str) -> Result<Vec<String>, StoreError>;
    /// The holds of open pipelines on this asset that are not released yet.
    async fn open_holds_on(&self, asset_id: &str) -> Result<Vec<OpenHold>, StoreError>;
    /// Applies `change` if the pipeline is still at the version it was decided on; `false` (and
    /// nothing changed) when another change came first.
    async fn change_pipeline(&self, change: &PipelineChange) -> Result<bool, StoreError>;
    /// Records an event outside a change (a render's progress).
    async fn record_event(&self, pipeline_id: &str, event: &NewPipelineEvent, at: Timestamp) -> Result<(), StoreError>;
    /// The pipeline's events after `after`, oldest first, at most `limit`.
    async fn events_after(
        &self,
        pipeline_id: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<PipelineEventRecord>, StoreError>;
}

/// The live streams of pipelines' events (a Durable Object per pipeline in the Worker): told when
/// a pipeline's log grew, so that its open streams send the new events now. Telling is best
/// effort; a stream also reads the log on its keep-alive beat, so a lost word delays, never loses.
#[async_trait(?Send)]
pub trait PipelineStreams {
    async fn published(&self, pipeline_id: &str);
}
