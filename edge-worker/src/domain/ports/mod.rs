//! The ports the domain needs from the platform: storage (D1 in production, memory in tests), a
//! clock and a log, with the records they hold and the bundles the domain is handed. Each trait is
//! small and named for what it stores; one adapter may implement several. This is the domain's
//! lowest layer: nothing here imports a feature module (`cuts`, `renders`, `processing`, …), so
//! the feature modules import the ports and never each other in a circle.

pub mod cuts;
pub mod idempotency;
pub mod jobs;
pub mod key_cache;
pub mod objects;
pub mod pipelines;
pub mod processing;
pub mod renders;
pub mod webhooks;

use async_trait::async_trait;
use roughcut_shared::assets::{AssetMedia, AssetState, AssetType};
use roughcut_shared::credits::{Balance, LedgerEntryType};
use roughcut_shared::projects::ProjectState;

use super::StoreError;
use super::config::ProcessingConfig;
use super::object_keys::Owner;
use super::page::{Listed, Page};
use super::time::Timestamp;
use cuts::CutStore;
use idempotency::IdempotencyStore;
use jobs::{JobQueue, JobStore, MediaDispatch};
use key_cache::KeyCache;
use objects::Objects;
use pipelines::{PipelineStore, PipelineStreams};
use processing::{ProcessingStore, Transcriber};
use renders::RenderStore;
use webhooks::{DeliveryQueue, WebhookStore};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub id: String,
    pub name: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub prefix: String,
    /// SHA-256 of the key, hex.
    pub key_hash: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRecord {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub state: ProjectState,
    pub created_at: Timestamp,
    pub asset_count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRecord {
    pub id: String,
    pub account_id: String,
    pub entry_type: LedgerEntryType,
    pub delta: i64,
    pub asset_id: Option<String>,
    pub pipeline_id: Option<String>,
    pub hold_id: Option<String>,
    pub memo: Option<String>,
    pub created_at: Timestamp,
}

/// What became of a guarded ledger append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendOutcome {
    Appended,
    /// Refused: the account's available credits would go below zero.
    WouldOverdraw,
    /// Refused: no such account.
    NoAccount,
}

#[async_trait(?Send)]
pub trait AccountStore {
    /// Stores the account and its first key together, or neither.
    async fn create_account(&self, account: &AccountRecord, first_key: &ApiKeyRecord) -> Result<(), StoreError>;
}

#[async_trait(?Send)]
pub trait ApiKeyStore {
    async fn insert_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError>;
    async fn key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError>;
    /// The account's keys, revoked ones included, oldest first.
    async fn list_keys(&self, account_id: &str, page: Page) -> Result<Listed<ApiKeyRecord>, StoreError>;
    /// Sets `revoked_at` unless already set; `false` when the account has no such key.
    async fn revoke_key(&self, account_id: &str, key_id: &str, at: Timestamp) -> Result<bool, StoreError>;
    /// Sets `last_used_at = at` unless it is already later than `unless_after` (so a busy key
    /// costs one write a minute, not one per request).
    async fn mark_key_used(&self, key_id: &str, at: Timestamp, unless_after: Timestamp) -> Result<(), StoreError>;
}

/// Which projects a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProjectFilter {
    pub state: Option<ProjectState>,
}

/// The changes of a project update; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProjectChanges {
    pub name: Option<String>,
    pub state: Option<ProjectState>,
}

#[async_trait(?Send)]
pub trait ProjectStore {
    async fn insert_project(&self, project: &ProjectRecord) -> Result<(), StoreError>;
    async fn project(&self, account_id: &str, project_id: &str) -> Result<Option<ProjectRecord>, StoreError>;
    /// Newest first.
    async fn list_projects(
        &self,
        account_id: &str,
        filter: ProjectFilter,
        page: Page,
    ) -> Result<Listed<ProjectRecord>, StoreError>;
    /// `None` when the account has no such project.
    async fn update_project(
        &self,
        account_id: &str,
        project_id: &str,
        changes: &ProjectChanges,
        at: Timestamp,
    ) -> Result<Option<ProjectRecord>, StoreError>;
    /// `false` when the account has no such project.
    async fn delete_project(&self, account_id: &str, project_id: &str) -> Result<bool, StoreError>;
}

#[derive(Debug, Clone, PartialEq)]
pub struct AssetRecord {
    pub id: String,
    pub account_id: String,
    pub project_id: Option<String>,
    pub asset_type: Option<AssetType>,
    pub state: AssetState,
    /// The state a restore returns to.
    pub state_before_delete: Option<AssetState>,
    pub cuttable: bool,
    pub filename: Option<String>,
    pub extension: Option<String>,
    pub content_type: Option<String>,
    pub language: Option<String>,
    pub size_bytes: Option<u64>,
    pub duration_ms: Option<u64>,
    pub media: Option<AssetMedia>,
    pub object_key: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    /// The stored transcript's object (`ProcessingFacts::transcript_key`), once there is one.
    pub transcript_key: Option<String>,
    /// The asset's open upload, while there is one.
    pub open_upload_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadPurpose {
    Source,
    AudioProxy,
}

impl UploadPurpose {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::AudioProxy => "audio_proxy",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRecord {
    pub id: String,
    pub account_id: String,
    pub asset_id: String,
    pub purpose: UploadPurpose,
    pub length: u64,
    pub object_key: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// `Upload-Metadata` as the TUS creation sent it, for its `HEAD`s.
    pub metadata: Option<String>,
}

/// Which assets a list shows: those in any of `states` (empty: every state but `deleted`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AssetFilter {
    pub project_id: Option<String>,
    pub states: Vec<AssetState>,
    pub asset_type: Option<AssetType>,
    /// Only uploaded recordings (of type `video`, `audio` or not yet known), not the outputs of
    /// cuts and pipelines: what the canonical surface lists unless asked for a type.
    pub recordings_only: bool,
    /// Of the `failed` assets, only those whose upload ended before its last byte (`true`), or
    /// only the others (`false`): the seed surface shows the first as `DELETED`.
    pub failed_upload_ended: Option<bool>,
}

/// The error codes of an asset whose upload ended before its last byte: it never stored its bytes.
pub const UPLOAD_ENDED_CODES: [&str; 3] = ["unsupported_media", "upload_expired", "upload_cancelled"];

/// An open upload's end, and what it means for its asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadEnding<'a> {
    pub upload_id: &'a str,
    pub asset_id: &'a str,
    pub purpose: UploadPurpose,
    pub end: &'a UploadEnd,
    /// The bytes stored by then.
    pub size_bytes: u64,
    pub at: Timestamp,
    /// The id of the asset's `asset.failed` event, when the end fails it.
    pub event_id: &'a str,
}

/// How an upload ended, as the asset records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadEnd {
    /// Every byte stored: the asset goes to `processing` with the sniffed type.
    Completed { asset_type: AssetType, container: String },
    /// The bytes are no media: the asset fails with this code.
    Rejected { error_code: String, error_message: String },
    /// Cancelled by the client (TUS termination): the asset is deleted.
    Terminated,
    /// No PATCH for the upload's lifetime: the asset fails with `upload_expired`.
    Expired,
}

#[async_trait(?Send)]
pub trait AssetStore {
    /// Stores a new asset and its upload together, or neither.
    async fn insert_asset(&self, asset: &AssetRecord, upload: &UploadRecord) -> Result<(), StoreError>;
    /// The account's asset, deleted or not.
    async fn asset(&self, account_id: &str, asset_id: &str) -> Result<Option<AssetRecord>, StoreError>;
    /// Newest first.
    async fn list_assets(
        &self,
        account_id: &str,
        filter: &AssetFilter,
        page: Page,
    ) -> Result<Listed<AssetRecord>, StoreError>;
    /// Marks the asset deleted (remembering its state); `false` when there is no such live asset.
    async fn delete_asset(&self, account_id: &str, asset_id: &str, at: Timestamp) -> Result<bool, StoreError>;
    /// The ids of every asset of the project, deleted ones included.
    async fn project_assets(&self, account_id: &str, project_id: &str) -> Result<Vec<String>, StoreError>;
    /// Brings back an asset deleted after `deleted_since`; `false` when there is none.
    async fn restore_asset(
        &self,
        account_id: &str,
        asset_id: &str,
        deleted_since: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Any account's upload, by id (the upload's Durable Object checks the account).
    async fn upload(&self, upload_id: &str) -> Result<Option<UploadRecord>, StoreError>;
    /// Adds an audio-proxy upload to a video asset, unless the asset already has an open one
    /// (`false` then).
    async fn insert_proxy_upload(&self, upload: &UploadRecord) -> Result<bool, StoreError>;
    /// Records the end of an open upload and what it means for its asset, once: a second call
    /// for the same upload changes nothing. The end of an audio proxy's upload leaves the asset
    /// as it is (its video upload goes on).
    async fn end_upload(&self, ending: &UploadEnding<'_>) -> Result<(), StoreError>;
    /// Records the type of a still-uploading asset, as its first bytes showed it (API.md: known
    /// from the first chunk). An asset past `pending_upload` keeps what it has.
    async fn record_asset_type(&self, asset_id: &str, asset_type: AssetType) -> Result<(), StoreError>;
    /// Records an open upload's progress: its offset and its new expiry.
    async fn touch_upload(&self, upload_id: &str, offset: u64, expires_at: Timestamp) -> Result<(), StoreError>;
    /// Open uploads whose `expires_at` is before `now`, oldest first, at most `limit`.
    async fn expiring_uploads(&self, now: Timestamp, limit: u32) -> Result<Vec<String>, StoreError>;
    /// Assets deleted before `deleted_before` whose bytes remain: `(id, object_key)`.
    async fn purgeable_assets(
        &self,
        deleted_before: Timestamp,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError>;
    /// Records that an asset's bytes are gone (it can no longer be restored).
    async fn mark_purged(&self, asset_id: &str) -> Result<(), StoreError>;
    /// Whether an asset not yet purged presents a file under `prefix` (a pipeline's
    /// `RENDERED_VIDEO` presents its render's file).
    async fn presents_a_file_under(&self, prefix: &str) -> Result<bool, StoreError>;
    /// Whether `owner` is live: an asset not deleted, or a render of one. A file's signed
    /// download links end with its owner.
    async fn is_live(&self, owner: Owner<'_>) -> Result<bool, StoreError>;
}

#[async_trait(?Send)]
pub trait LedgerStore {
    /// Appends `entry` atomically with its guard: a negative delta is refused when it would take
    /// the account's available credits (the sum of every delta) below zero, however many appends
    /// race.
    async fn append_entry(&self, entry: &LedgerRecord) -> Result<AppendOutcome, StoreError>;
    async fn balance(&self, account_id: &str) -> Result<Balance, StoreError>;
    /// Newest first.
    async fn history(&self, account_id: &str, page: Page) -> Result<Listed<LedgerRecord>, StoreError>;
}

pub trait Clock {
    fn now(&self) -> Timestamp;
}

/// Where causes of internal errors go (never to the client).
pub trait Log {
    fn error(&self, request_id: &str, message: &str);
}

/// How a subject (an asset, a cut, a render) failed, and the event that records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failed<'a> {
    pub error_code: &'a str,
    pub error_message: &'a str,
    pub event_id: &'a str,
    pub at: Timestamp,
}

/// The one bundle of ports: everything the domain may use, borrowed for an invocation. Running
/// jobs and upload sessions add what only they use (`ProcessingDeps`, `UploadDeps`).
#[derive(Clone, Copy)]
pub struct Ports<'a> {
    pub accounts: &'a dyn AccountStore,
    pub keys: &'a dyn ApiKeyStore,
    pub projects: &'a dyn ProjectStore,
    pub ledger: &'a dyn LedgerStore,
    pub assets: &'a dyn AssetStore,
    pub processing: &'a dyn ProcessingStore,
    pub jobs: &'a dyn JobStore,
    pub queue: &'a dyn JobQueue,
    pub objects: &'a dyn Objects,
    pub cuts: &'a dyn CutStore,
    pub renders: &'a dyn RenderStore,
    pub pipelines: &'a dyn PipelineStore,
    pub streams: &'a dyn PipelineStreams,
    pub webhooks: &'a dyn WebhookStore,
    /// Starts webhook delivery attempts (the jobs queue in the Worker).
    pub deliveries: &'a dyn DeliveryQueue,
    /// The answers of POSTs made with an `Idempotency-Key`.
    pub idempotency: &'a dyn IdempotencyStore,
    pub clock: &'a dyn Clock,
    pub log: &'a dyn Log,
    /// Keys recently looked up (the isolate's, in the Worker).
    pub key_cache: &'a KeyCache,
}

impl std::fmt::Debug for Ports<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ports").finish_non_exhaustive()
    }
}

/// The ports, and what running jobs needs beyond them.
#[derive(Clone, Copy)]
pub struct ProcessingDeps<'a> {
    pub ports: Ports<'a>,
    pub media: &'a dyn MediaDispatch,
    pub transcriber: Option<&'a dyn Transcriber>,
    pub config: &'a ProcessingConfig,
}

impl<'a> std::ops::Deref for ProcessingDeps<'a> {
    type Target = Ports<'a>;

    fn deref(&self) -> &Ports<'a> {
        &self.ports
    }
}

impl std::fmt::Debug for ProcessingDeps<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessingDeps").finish_non_exhaustive()
    }
}
