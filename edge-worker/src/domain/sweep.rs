//! The scheduled sweep's policy: uploads past their expiry are ended (by whoever holds them, the
//! upload's Durable Object in the Worker), what assets deleted longer than the restore grace left
//! behind is purged, idempotency keys past their 24 hours are forgotten, job attempts whose lease ran out are failed (and retried), and queued jobs
//! untouched for half an hour are sent again, since their message may have been lost (a send that
//! failed after the row was stored); a duplicate message is harmless. Each step takes a batch, so
//! a cron firing every few minutes catches up with any backlog.

use async_trait::async_trait;

use super::assets::{self, RESTORE_GRACE_MS};
use super::jobs::runner::{JobHandlers, Runner};
use super::ports::idempotency::ANSWERS_KEPT_MS;
use super::time::Timestamp;
use super::{DomainError, Ports, StoreError};

/// Rows each step takes per run.
pub const BATCH: u32 = 100;

/// How long a queued job may go untouched before its message is presumed lost.
pub const STALLED_AFTER_MS: i64 = 30 * 60 * 1000;

/// Ends an upload that expired, where its state lives.
#[async_trait(?Send)]
pub trait UploadExpiry {
    async fn expire(&self, upload_id: &str) -> Result<(), StoreError>;
}

/// Expired uploads ended, deleted assets past their grace purged, and idempotency keys past
/// their 24 hours forgotten.
pub async fn uploads_and_assets(ports: &Ports<'_>, uploads: &dyn UploadExpiry) -> Result<(), DomainError> {
    let now = ports.clock.now();
    for upload_id in ports.assets.expiring_uploads(now, BATCH).await? {
        uploads.expire(&upload_id).await?;
    }
    ports.idempotency.forget_keys(Timestamp(now.0 - ANSWERS_KEPT_MS), BATCH).await?;
    assets::purge_deleted(ports, Timestamp(now.0 - RESTORE_GRACE_MS), BATCH).await.map(drop)
}

/// Attempts whose lease ran out failed, and stalled jobs sent again.
pub async fn jobs<H: JobHandlers>(runner: &Runner<'_, H>) -> Result<(), StoreError> {
    runner.expire_leases().await?;
    let stalled_before = Timestamp(runner.clock.now().0 - STALLED_AFTER_MS);
    for job in runner.jobs.stalled_jobs(stalled_before, BATCH).await? {
        runner.queue.resend(&job.id, 0).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use futures_executor::block_on;
    use roughcut_shared::assets::{AssetState, AssetType};

    use super::*;
    use crate::domain::accounts::create_account;
    use crate::domain::ports::jobs::MediaInput;
    use crate::domain::ports::jobs::{DispatchError, MediaDispatch};
    use crate::domain::ports::jobs::{JobPayload, JobQueue, JobRecord};
    use crate::domain::ports::objects::Objects;
    use crate::domain::ports::{AssetStore, Clock, UploadEnd, UploadEnding, UploadPurpose};
    use crate::domain::testing::{TestPlatform, processing_config, uploaded_asset};
    use crate::domain::work;

    #[derive(Default)]
    struct Expired(RefCell<Vec<String>>);

    #[async_trait(?Send)]
    impl UploadExpiry for Expired {
        async fn expire(&self, upload_id: &str) -> Result<(), StoreError> {
            self.0.borrow_mut().push(upload_id.to_owned());
            Ok(())
        }
    }

    struct NoMedia;

    #[async_trait(?Send)]
    impl MediaDispatch for NoMedia {
        async fn dispatch(&self, _: &roughcut_shared::jobs::MediaJob) -> Result<(), DispatchError> {
            Err(DispatchError::Failed("no media here".into()))
        }
    }

    fn account(platform: &TestPlatform) -> String {
        block_on(create_account(&platform.ports(), "acme")).expect("account").account.id
    }

    #[test]
    fn expired_uploads_are_ended_and_deleted_assets_purged_after_their_grace() {
        let platform = TestPlatform::default();
        let account = account(&platform);
        let start = platform.clock.now();
        let (uploading, upload) = uploaded_asset(&account, "ast_1", AssetState::PendingUpload, start);
        block_on(platform.store.insert_asset(&uploading, &upload)).expect("uploading");
        let (ready, ready_upload) = uploaded_asset(&account, "ast_2", AssetState::Ready, start);
        block_on(platform.store.insert_asset(&ready, &ready_upload)).expect("ready");
        let completed = UploadEnd::Completed { asset_type: AssetType::Audio, container: "m4a".into() };
        let ending = UploadEnding {
            upload_id: &ready_upload.id,
            asset_id: "ast_2",
            purpose: UploadPurpose::Source,
            end: &completed,
            size_bytes: 1_000,
            at: start,
            event_id: "evt_1",
        };
        block_on(platform.store.end_upload(&ending)).expect("uploaded");
        block_on(platform.objects.put("assets/ast_2/source", vec![1], "audio/mp4")).expect("bytes");
        block_on(platform.store.delete_asset(&account, "ast_2", start)).expect("deleted");
        let expired = Expired::default();
        platform.clock.set(Timestamp(start.0 + RESTORE_GRACE_MS - 1));
        block_on(uploads_and_assets(&platform.ports(), &expired)).expect("sweep");
        assert_eq!(*expired.0.borrow(), std::slice::from_ref(&upload.id), "past its expiry");
        assert_eq!(platform.objects.blob_keys(), ["assets/ast_2/source"], "restorable until the grace ends");
        platform.clock.set(Timestamp(start.0 + RESTORE_GRACE_MS + 1));
        block_on(uploads_and_assets(&platform.ports(), &expired)).expect("sweep");
        assert!(platform.objects.blob_keys().is_empty(), "purged");
    }

    #[test]
    fn queued_jobs_untouched_for_half_an_hour_are_sent_again() {
        let platform = TestPlatform::default();
        let account = account(&platform);
        let start = platform.clock.now();
        let (asset, upload) = uploaded_asset(&account, "ast_1", AssetState::Processing, start);
        block_on(platform.store.insert_asset(&asset, &upload)).expect("asset");
        let input = MediaInput { object_key: "assets/ast_1/source".into(), size_bytes: 1_000 };
        let job = JobRecord::new(&account, "ast_1", JobPayload::ProcessAsset(input), start);
        block_on(platform.submit(&job)).expect("job");
        let config = processing_config(None);
        let deps = platform.processing(&NoMedia, None, &config);
        platform.clock.set(Timestamp(start.0 + STALLED_AFTER_MS - 1));
        block_on(jobs(&work::runner(deps))).expect("sweep");
        assert_eq!(platform.messages.sent_jobs(), [(job.id.clone(), 0)], "only its first message yet");
        platform.clock.set(Timestamp(start.0 + STALLED_AFTER_MS + 1));
        block_on(jobs(&work::runner(deps))).expect("sweep");
        assert_eq!(platform.messages.sent_jobs(), [(job.id.clone(), 0), (job.id, 0)], "sent again");
    }
}
