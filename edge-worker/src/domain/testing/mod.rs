//! The test platform of the native tests of the domain and HTTP layers: the Worker's own SQL
//! stores over SQLite with D1's schema (foreign keys on), so every rule the stores hold is the one
//! the Worker runs, and in-memory fakes of what SQLite cannot be: R2, the queues, the pipelines'
//! streams, the clock and the log.

mod messages;
mod objects;

use std::cell::{Cell, RefCell};

use async_trait::async_trait;

use super::StoreError;
use super::ports::jobs::{JobQueue, JobRecord};
use super::ports::{AssetRecord, Clock, Log, Ports, UploadPurpose, UploadRecord};
use super::time::Timestamp;
use crate::sql_store::SqlStore;
use crate::sql_store::sqlite::Sqlite;
use roughcut_shared::assets::AssetState;

pub use messages::Messages;
pub use objects::MemoryObjects;

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
        transcript_key: None,
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
        metadata: None,
    };
    (asset, upload)
}

/// A fixture: a failure with its event.
pub fn failed<'a>(error_code: &'a str, event_id: &'a str, at: Timestamp) -> crate::domain::ports::Failed<'a> {
    crate::domain::ports::Failed { error_code, error_message: "it failed", event_id, at }
}

/// A whole platform for tests.
#[derive(Debug, Default)]
pub struct TestPlatform {
    pub store: SqlStore<Sqlite>,
    pub objects: MemoryObjects,
    pub messages: Messages,
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

impl TestPlatform {
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
            queue: self,
            objects: &self.objects,
            cuts: &self.store,
            renders: &self.store,
            pipelines: &self.store,
            streams: &self.messages,
            webhooks: &self.store,
            deliveries: &self.messages,
            idempotency: &self.store,
            clock: &self.clock,
            log: &self.log,
            key_cache: &self.key_cache,
        }
    }
}

/// The Worker's queue adapter: the job's row first, and a message only for a new one (a repeated
/// report adds nothing).
#[async_trait(?Send)]
impl JobQueue for TestPlatform {
    async fn submit(&self, job: &JobRecord) -> Result<(), StoreError> {
        if self.store.insert_job(job).await? {
            self.messages.send_job(&job.id, 0);
        }
        Ok(())
    }

    async fn resend(&self, job_id: &str, delay_seconds: u32) -> Result<(), StoreError> {
        self.messages.send_job(job_id, delay_seconds);
        Ok(())
    }
}
