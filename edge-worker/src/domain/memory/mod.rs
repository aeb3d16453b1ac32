//! In-memory implementations of the ports, for native tests of the domain and HTTP layers. They
//! keep the contracts of the D1 adapter (ordering, guards, tenant scoping), not its SQL.

mod cuts;
mod idempotency;
mod objects;
mod pipelines;
mod processing;
mod renders;
mod webhooks;

use std::cell::{Cell, RefCell};

use async_trait::async_trait;
use roughcut_shared::credits::Balance;

use super::StoreError;
use super::page::{Listed, Page};
use super::ports::{
    AccountRecord, AccountStore, ApiKeyRecord, ApiKeyStore, AppendOutcome, AssetFilter, AssetRecord, AssetStore, Clock,
    LedgerRecord, LedgerStore, Log, Ports, ProjectChanges, ProjectFilter, ProjectRecord, ProjectStore, UploadEnd,
    UploadEnding, UploadPurpose, UploadRecord,
};
use super::time::Timestamp;
use roughcut_shared::assets::{AssetState, AssetType};

#[derive(Debug, Default)]
struct Tables {
    accounts: Vec<AccountRecord>,
    keys: Vec<ApiKeyRecord>,
    projects: Vec<ProjectRecord>,
    ledger: Vec<LedgerRecord>,
    assets: Vec<AssetRecord>,
    uploads: Vec<UploadRecord>,
    /// Ids of the uploads still open.
    open_uploads: Vec<String>,
    /// Ids of the uploads whose last byte arrived.
    completed_uploads: Vec<String>,
    jobs: Vec<processing::JobRow>,
    /// Job ids sent to the queue, with their delays, in order.
    sent: Vec<(String, u32)>,
    facts: Vec<(String, crate::domain::ports::processing::ProcessingFacts)>,
    events: Vec<crate::domain::ports::processing::EventRecord>,
    blobs: Vec<(String, Vec<u8>)>,
    /// Multipart uploads in progress: their parts by number.
    multiparts: std::collections::BTreeMap<String, std::collections::BTreeMap<u16, Vec<u8>>>,
    /// Parts written whole from a body.
    whole_parts: usize,
    cuts: Vec<crate::domain::ports::cuts::CutRecord>,
    deleted_cuts: Vec<String>,
    renders: Vec<crate::domain::ports::renders::RenderRecord>,
    pipelines: Vec<crate::domain::ports::pipelines::PipelineRecord>,
    /// Every pipeline's events, with the pipeline's id, in their one sequence.
    pipeline_events: Vec<(String, crate::domain::ports::pipelines::PipelineEventRecord)>,
    /// The pipelines whose streams were told of new events, in order.
    published: Vec<String>,
    webhook_endpoints: Vec<crate::domain::ports::webhooks::EndpointRecord>,
    webhook_deliveries: Vec<crate::domain::ports::webhooks::DeliveryRecord>,
    /// Ids of the events fanned out to endpoints.
    fanned_out: Vec<String>,
    /// Delivery attempts sent to the queue, with their delays, in order.
    delivery_messages: Vec<(String, u32)>,
    idempotency_keys: Vec<idempotency::KeyRow>,
}

/// The error D1 (SQLite) answers for a row whose reference is missing.
fn foreign_key_failed() -> StoreError {
    StoreError("FOREIGN KEY constraint failed".into())
}

impl Tables {
    /// An asset as D1 reads it: its open upload is the newest open upload of its source.
    fn as_read(&self, asset: &AssetRecord) -> AssetRecord {
        let open_upload_id = self
            .uploads
            .iter()
            .rev()
            .find(|u| u.asset_id == asset.id && u.purpose == UploadPurpose::Source && self.open_uploads.contains(&u.id))
            .map(|u| u.id.clone());
        AssetRecord { open_upload_id, ..asset.clone() }
    }

    /// D1's foreign keys of a new row: its account, and the asset (or project) it belongs to.
    fn check_references(
        &self,
        account_id: &str,
        asset_id: Option<&str>,
        project_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let account = self.accounts.iter().any(|a| a.id == account_id);
        let asset = asset_id.is_none_or(|id| self.assets.iter().any(|a| a.id == id));
        let project = project_id.is_none_or(|id| self.projects.iter().any(|p| p.id == id));
        if account && asset && project { Ok(()) } else { Err(foreign_key_failed()) }
    }

    /// D1's foreign keys on assets: no cut, render or upload may point at an asset being removed
    /// (the statement fails with "FOREIGN KEY constraint failed" there).
    fn check_asset_references(&self, removed: &[String]) -> Result<(), StoreError> {
        let cut_refs = self.cuts.iter().flat_map(|c| [Some(&c.asset_id), c.srt_asset_id.as_ref()]);
        let render_refs = self.renders.iter().map(|r| Some(&r.asset_id));
        let upload_refs = self.uploads.iter().map(|u| Some(&u.asset_id));
        let pipeline_refs = self.pipelines.iter().map(|p| Some(&p.input_asset_id));
        let refs = cut_refs.chain(render_refs).chain(upload_refs).chain(pipeline_refs);
        if refs.flatten().any(|id| removed.contains(id)) {
            return Err(foreign_key_failed());
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
pub struct MemoryStore {
    tables: RefCell<Tables>,
    /// When set, every call fails with this cause (to test how internal errors surface).
    failure: RefCell<Option<String>>,
}

impl MemoryStore {
    /// Everything stored, as text: for asserting what must never be stored.
    pub fn dump(&self) -> String {
        format!("{:?}", self.tables.borrow())
    }

    pub fn fail_with(&self, cause: &str) {
        *self.failure.borrow_mut() = Some(cause.to_owned());
    }

    /// Ends `fail_with`: the store answers again.
    pub fn recover(&self) {
        *self.failure.borrow_mut() = None;
    }

    fn check(&self) -> Result<(), StoreError> {
        match &*self.failure.borrow() {
            Some(cause) => Err(StoreError(cause.clone())),
            None => Ok(()),
        }
    }
}

fn page_of<T: Clone>(rows: Vec<&T>, page: Page) -> Listed<T> {
    let total = rows.len() as u64;
    let items = rows
        .into_iter()
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .take(page.limit as usize)
        .cloned()
        .collect();
    Listed { items, total }
}

#[async_trait(?Send)]
impl AccountStore for MemoryStore {
    async fn create_account(&self, account: &AccountRecord, first_key: &ApiKeyRecord) -> Result<(), StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        tables.accounts.push(account.clone());
        tables.keys.push(first_key.clone());
        Ok(())
    }
}

#[async_trait(?Send)]
impl ApiKeyStore for MemoryStore {
    async fn insert_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError> {
        self.check()?;
        self.tables.borrow_mut().keys.push(key.clone());
        Ok(())
    }

    async fn key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        self.check()?;
        Ok(self.tables.borrow().keys.iter().find(|k| k.key_hash == key_hash).cloned())
    }

    async fn list_keys(&self, account_id: &str, page: Page) -> Result<Listed<ApiKeyRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let mut rows: Vec<_> = tables.keys.iter().filter(|k| k.account_id == account_id).collect();
        rows.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(page_of(rows, page))
    }

    async fn revoke_key(&self, account_id: &str, key_id: &str, at: Timestamp) -> Result<bool, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let key = tables.keys.iter_mut().find(|k| k.id == key_id && k.account_id == account_id);
        Ok(key.map(|key| key.revoked_at = key.revoked_at.or(Some(at))).is_some())
    }

    async fn mark_key_used(&self, key_id: &str, at: Timestamp, unless_after: Timestamp) -> Result<(), StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        if let Some(key) = tables.keys.iter_mut().find(|k| k.id == key_id)
            && key.last_used_at.is_none_or(|used| used <= unless_after)
        {
            key.last_used_at = Some(at);
        }
        Ok(())
    }
}

#[async_trait(?Send)]
impl ProjectStore for MemoryStore {
    async fn insert_project(&self, project: &ProjectRecord) -> Result<(), StoreError> {
        self.check()?;
        self.tables.borrow_mut().projects.push(project.clone());
        Ok(())
    }

    async fn project(&self, account_id: &str, project_id: &str) -> Result<Option<ProjectRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        Ok(tables.projects.iter().find(|p| p.id == project_id && p.account_id == account_id).cloned())
    }

    async fn list_projects(
        &self,
        account_id: &str,
        filter: ProjectFilter,
        page: Page,
    ) -> Result<Listed<ProjectRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let mut rows: Vec<_> = tables
            .projects
            .iter()
            .filter(|p| p.account_id == account_id && filter.state.is_none_or(|s| s == p.state))
            .collect();
        rows.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        Ok(page_of(rows, page))
    }

    async fn update_project(
        &self,
        account_id: &str,
        project_id: &str,
        changes: &ProjectChanges,
        _at: Timestamp,
    ) -> Result<Option<ProjectRecord>, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let Some(project) = tables.projects.iter_mut().find(|p| p.id == project_id && p.account_id == account_id)
        else {
            return Ok(None);
        };
        if let Some(name) = &changes.name {
            project.name = name.clone();
        }
        if let Some(state) = changes.state {
            project.state = state;
        }
        Ok(Some(project.clone()))
    }

    async fn delete_project(&self, account_id: &str, project_id: &str) -> Result<bool, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        if !tables.projects.iter().any(|p| p.id == project_id && p.account_id == account_id) {
            return Ok(false);
        }
        // as the D1 batch: pipelines (their steps and events with them), renders, cuts and uploads
        // of the project's assets, the assets, the project
        let gone: Vec<String> = tables
            .assets
            .iter()
            .filter(|a| a.project_id.as_deref() == Some(project_id))
            .map(|a| a.id.clone())
            .collect();
        let pipelines: Vec<String> =
            tables.pipelines.iter().filter(|p| gone.contains(&p.input_asset_id)).map(|p| p.id.clone()).collect();
        tables.pipelines.retain(|p| !pipelines.contains(&p.id));
        tables.pipeline_events.retain(|(pipeline_id, _)| !pipelines.contains(pipeline_id));
        tables.renders.retain(|r| !gone.contains(&r.asset_id));
        tables.cuts.retain(|c| !gone.contains(&c.asset_id));
        tables.uploads.retain(|u| !gone.contains(&u.asset_id));
        tables.check_asset_references(&gone)?;
        tables.assets.retain(|a| !gone.contains(&a.id));
        tables.projects.retain(|p| !(p.id == project_id && p.account_id == account_id));
        Ok(true)
    }
}

#[async_trait(?Send)]
impl AssetStore for MemoryStore {
    async fn insert_asset(&self, asset: &AssetRecord, upload: &UploadRecord) -> Result<(), StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        tables.check_references(&asset.account_id, None, asset.project_id.as_deref())?;
        tables.assets.push(asset.clone());
        tables.uploads.push(upload.clone());
        tables.open_uploads.push(upload.id.clone());
        Ok(())
    }

    async fn asset(&self, account_id: &str, asset_id: &str) -> Result<Option<AssetRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        Ok(tables.assets.iter().find(|a| a.id == asset_id && a.account_id == account_id).map(|a| tables.as_read(a)))
    }

    async fn list_assets(
        &self,
        account_id: &str,
        filter: &AssetFilter,
        page: Page,
    ) -> Result<Listed<AssetRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let rows = tables
            .assets
            .iter()
            .rev()
            .filter(|a| a.account_id == account_id)
            .filter(|a| {
                if filter.states.is_empty() { a.state != AssetState::Deleted } else { filter.states.contains(&a.state) }
            })
            .filter(|a| filter.project_id.as_ref().is_none_or(|p| a.project_id.as_ref() == Some(p)))
            .filter(|a| filter.asset_type.is_none_or(|t| a.asset_type == Some(t)))
            .map(|a| tables.as_read(a))
            .collect::<Vec<_>>();
        Ok(page_of(rows.iter().collect(), page))
    }

    async fn project_assets(&self, account_id: &str, project_id: &str) -> Result<Vec<String>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let in_project =
            tables.assets.iter().filter(|a| a.account_id == account_id && a.project_id.as_deref() == Some(project_id));
        Ok(in_project.map(|a| a.id.clone()).collect())
    }

    async fn delete_asset(&self, account_id: &str, asset_id: &str, at: Timestamp) -> Result<bool, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let asset = tables
            .assets
            .iter_mut()
            .find(|a| a.id == asset_id && a.account_id == account_id && a.state != AssetState::Deleted);
        Ok(asset
            .map(|a| {
                a.state_before_delete = Some(a.state);
                a.state = AssetState::Deleted;
                a.deleted_at = Some(at);
            })
            .is_some())
    }

    async fn restore_asset(
        &self,
        account_id: &str,
        asset_id: &str,
        deleted_since: Timestamp,
    ) -> Result<bool, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let asset = tables.assets.iter_mut().find(|a| {
            a.id == asset_id && a.account_id == account_id && a.deleted_at.is_some_and(|at| at.0 > deleted_since.0)
        });
        Ok(asset
            .map(|a| {
                a.state = a.state_before_delete.take().unwrap_or(AssetState::PendingUpload);
                a.deleted_at = None;
            })
            .is_some())
    }

    async fn upload(&self, upload_id: &str) -> Result<Option<UploadRecord>, StoreError> {
        self.check()?;
        Ok(self.tables.borrow().uploads.iter().find(|u| u.id == upload_id).cloned())
    }

    async fn insert_proxy_upload(&self, upload: &UploadRecord) -> Result<bool, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let open_or_completed_proxy = tables.uploads.iter().any(|u| {
            u.asset_id == upload.asset_id
                && u.purpose == UploadPurpose::AudioProxy
                && (tables.open_uploads.contains(&u.id) || tables.completed_uploads.contains(&u.id))
        });
        if open_or_completed_proxy {
            return Ok(false);
        }
        tables.uploads.push(upload.clone());
        tables.open_uploads.push(upload.id.clone());
        Ok(true)
    }

    async fn end_upload(&self, ending: &UploadEnding<'_>) -> Result<(), StoreError> {
        let UploadEnding { upload_id, asset_id, purpose, end, size_bytes, at } = *ending;
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        // as D1's batch: the upload ends if it is open; the asset changes if it is still uploading
        if tables.open_uploads.iter().any(|id| id == upload_id) {
            tables.open_uploads.retain(|id| id != upload_id);
            if matches!(end, UploadEnd::Completed { .. }) {
                tables.completed_uploads.push(upload_id.to_owned());
            }
        }
        // an audio proxy's end leaves its asset alone: the video upload goes on
        if purpose == UploadPurpose::AudioProxy {
            return Ok(());
        }
        let Some(asset) = tables.assets.iter_mut().find(|a| a.id == asset_id && a.state == AssetState::PendingUpload)
        else {
            return Ok(());
        };
        match end {
            UploadEnd::Completed { asset_type, .. } => {
                asset.state = AssetState::Processing;
                asset.asset_type = Some(*asset_type);
                asset.size_bytes = Some(size_bytes);
            }
            UploadEnd::Rejected { error_code, error_message } => {
                asset.state = AssetState::Failed;
                asset.error_code = Some(error_code.clone());
                asset.error_message = Some(error_message.clone());
            }
            UploadEnd::Terminated => {
                asset.state_before_delete = Some(asset.state);
                asset.state = AssetState::Deleted;
                asset.deleted_at = Some(at);
            }
            UploadEnd::Expired => {
                asset.state = AssetState::Failed;
                asset.error_code = Some("upload_expired".into());
                asset.error_message = Some("The upload expired before its last byte arrived.".into());
            }
        }
        Ok(())
    }

    async fn record_asset_type(&self, asset_id: &str, asset_type: AssetType) -> Result<(), StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        if let Some(asset) = tables.assets.iter_mut().find(|a| a.id == asset_id && a.state == AssetState::PendingUpload)
        {
            asset.asset_type = Some(asset_type);
        }
        Ok(())
    }

    async fn touch_upload(&self, upload_id: &str, _offset: u64, expires_at: Timestamp) -> Result<(), StoreError> {
        self.check()?;
        if let Some(upload) = self.tables.borrow_mut().uploads.iter_mut().find(|u| u.id == upload_id) {
            upload.expires_at = expires_at;
        }
        Ok(())
    }

    async fn purgeable_assets(
        &self,
        deleted_before: Timestamp,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let due = tables.assets.iter().filter(|a| a.deleted_at.is_some_and(|at| at.0 < deleted_before.0));
        Ok(due.filter_map(|a| Some((a.id.clone(), a.object_key.clone()?))).take(limit as usize).collect())
    }

    async fn presents_a_file_under(&self, prefix: &str) -> Result<bool, StoreError> {
        self.check()?;
        Ok(self.tables.borrow().assets.iter().any(|a| a.object_key.as_deref().is_some_and(|k| k.starts_with(prefix))))
    }

    async fn mark_purged(&self, asset_id: &str) -> Result<(), StoreError> {
        self.check()?;
        if let Some(asset) = self.tables.borrow_mut().assets.iter_mut().find(|a| a.id == asset_id) {
            asset.object_key = None;
        }
        Ok(())
    }

    async fn expiring_uploads(&self, now: Timestamp, limit: u32) -> Result<Vec<String>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let mut due: Vec<&UploadRecord> =
            tables.uploads.iter().filter(|u| tables.open_uploads.contains(&u.id) && u.expires_at.0 < now.0).collect();
        due.sort_by_key(|u| u.expires_at);
        Ok(due.into_iter().take(limit as usize).map(|u| u.id.clone()).collect())
    }
}

#[async_trait(?Send)]
impl LedgerStore for MemoryStore {
    async fn append_entry(&self, entry: &LedgerRecord) -> Result<AppendOutcome, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        if !tables.accounts.iter().any(|a| a.id == entry.account_id) {
            return Ok(AppendOutcome::NoAccount);
        }
        let available: i64 = tables.ledger.iter().filter(|e| e.account_id == entry.account_id).map(|e| e.delta).sum();
        if entry.delta < 0 && available + entry.delta < 0 {
            return Ok(AppendOutcome::WouldOverdraw);
        }
        tables.ledger.push(entry.clone());
        Ok(AppendOutcome::Appended)
    }

    async fn balance(&self, account_id: &str) -> Result<Balance, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let entries = tables.ledger.iter().filter(|e| e.account_id == account_id);
        let (mut balance, mut holds) = (0, 0);
        for entry in entries {
            if entry.entry_type.is_settled() { balance += entry.delta } else { holds += entry.delta }
        }
        Ok(Balance { balance, reserved: -holds, available: balance + holds })
    }

    async fn history(&self, account_id: &str, page: Page) -> Result<Listed<LedgerRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let mut rows: Vec<_> = tables.ledger.iter().filter(|e| e.account_id == account_id).collect();
        rows.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        Ok(page_of(rows, page))
    }
}

#[derive(Debug)]
pub struct FakeClock(Cell<Timestamp>);

impl Default for FakeClock {
    fn default() -> Self {
        Self(Cell::new(Timestamp(1_795_375_920_000)))
    }
}

impl FakeClock {
    pub fn set(&self, at: Timestamp) {
        self.0.set(at);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        self.0.get()
    }
}

#[derive(Debug, Default)]
pub struct CapturedLog(pub RefCell<Vec<String>>);

impl Log for CapturedLog {
    fn error(&self, request_id: &str, message: &str) {
        self.0.borrow_mut().push(format!("{request_id}: {message}"));
    }
}

/// A fixture: an uploaded audio asset `id` of `account_id` in `state`, with its source upload.
pub fn uploaded_asset(account_id: &str, id: &str, state: AssetState, at: Timestamp) -> (AssetRecord, UploadRecord) {
    let asset = AssetRecord {
        id: id.into(),
        account_id: account_id.into(),
        project_id: None,
        asset_type: Some(roughcut_shared::assets::AssetType::Audio),
        state,
        state_before_delete: None,
        cuttable: false,
        filename: Some("talk.m4a".into()),
        extension: Some("m4a".into()),
        content_type: None,
        language: Some("en".into()),
        size_bytes: Some(1_000),
        duration_ms: None,
        media: None,
        object_key: Some(format!("assets/{id}")),
        error_code: None,
        error_message: None,
        created_at: at,
        deleted_at: None,
        open_upload_id: None,
    };
    let upload = UploadRecord {
        id: format!("upl_{id}"),
        account_id: account_id.into(),
        asset_id: id.into(),
        purpose: UploadPurpose::Source,
        length: 1_000,
        object_key: format!("assets/{id}"),
        created_at: at,
        expires_at: at,
    };
    (asset, upload)
}

/// A fixture: a failure with its event.
pub fn failed<'a>(error_code: &'a str, event_id: &'a str, at: Timestamp) -> crate::domain::ports::Failed<'a> {
    crate::domain::ports::Failed { error_code, error_message: "it failed", event_id, at }
}

/// A whole platform in memory.
#[derive(Debug, Default)]
pub struct MemoryPlatform {
    pub store: MemoryStore,
    pub clock: FakeClock,
    pub log: CapturedLog,
    pub key_cache: crate::domain::ports::key_cache::KeyCache,
}

/// A fixture: processing settings for tests (a 10-s lease, the default rate card).
pub fn processing_config(
    speech: Option<roughcut_shared::jobs::SpeechFormat>,
) -> crate::domain::config::ProcessingConfig {
    crate::domain::config::ProcessingConfig {
        jobs: crate::domain::config::RunnerConfig {
            origin: "http://worker.test".into(),
            signing_secret: "secret".into(),
            lease_ms: 10_000,
        },
        rate_card: crate::domain::config::RateCard::default(),
        speech,
    }
}

impl MemoryPlatform {
    /// Processing over this platform's store, with `media` and `transcriber` as given.
    pub fn processing<'a>(
        &'a self,
        media: &'a dyn crate::domain::ports::jobs::MediaDispatch,
        transcriber: Option<&'a dyn crate::domain::ports::processing::Transcriber>,
        config: &'a crate::domain::config::ProcessingConfig,
    ) -> crate::domain::ports::ProcessingDeps<'a> {
        crate::domain::ports::ProcessingDeps { ports: self.ports(), media, transcriber, config }
    }

    pub fn ports(&self) -> Ports<'_> {
        Ports {
            accounts: &self.store,
            keys: &self.store,
            projects: &self.store,
            ledger: &self.store,
            assets: &self.store,
            processing: &self.store,
            jobs: &self.store,
            queue: &self.store,
            objects: &self.store,
            cuts: &self.store,
            renders: &self.store,
            pipelines: &self.store,
            streams: &self.store,
            webhooks: &self.store,
            deliveries: &self.store,
            idempotency: &self.store,
            clock: &self.clock,
            log: &self.log,
            key_cache: &self.key_cache,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removing_a_referenced_asset_is_refused_as_d1_refuses_it() {
        let (asset, upload) = uploaded_asset("acc_1", "ast_1", AssetState::Ready, Timestamp(0));
        let mut tables = Tables::default();
        tables.assets.push(asset);
        tables.uploads.push(upload);
        let removed = ["ast_1".to_owned()];
        assert_eq!(tables.check_asset_references(&removed), Err(StoreError("FOREIGN KEY constraint failed".into())));
        tables.uploads.clear();
        assert_eq!(tables.check_asset_references(&removed), Ok(()));
    }
}
