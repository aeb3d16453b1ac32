//! The scheduled sweep: expired uploads ended by their Durable Objects (which hold their
//! multipart uploads), and what assets deleted longer than the grace left behind purged (see
//! `assets::purge_deleted`).

use worker::{Env, Request, RequestInit};

use super::bindings::{Stores, UPLOADS};
use super::d1;
use super::jobs::QueueJobs;
use super::platform::{ConsoleLog, WorkerClock};
use super::upload_object::EXPIRE_SUFFIX;
use crate::domain::assets::{self, RESTORE_GRACE_MS};
use crate::domain::ports::{AssetStore, Clock};
use crate::domain::time::Timestamp;

/// Per run: a cron firing every few minutes catches up with any backlog.
const BATCH: u32 = 100;

pub async fn run(env: &Env) -> Result<(), String> {
    let storage = Stores::open(env)?;
    let store = &storage.store;
    let now = WorkerClock.now();
    let namespace = env.durable_object(UPLOADS).map_err(|e| format!("DO binding {UPLOADS}: {e}"))?;
    for upload_id in store.expiring_uploads(now, BATCH).await.map_err(|e| e.to_string())? {
        let stub = namespace.id_from_name(&upload_id).and_then(|id| id.get_stub()).map_err(|e| e.to_string())?;
        let mut init = RequestInit::new();
        init.with_method(worker::Method::Post);
        let request = Request::new_with_init(&format!("https://upload.internal/{upload_id}{EXPIRE_SUFFIX}"), &init)
            .map_err(|e| e.to_string())?;
        let response = stub.fetch_with_request(request).await.map_err(|e| format!("expiring {upload_id}: {e}"))?;
        if response.status_code() >= 400 {
            return Err(format!("expiring {upload_id}: status {}", response.status_code()));
        }
    }
    let queue = QueueJobs::new(store, storage.queue.clone());
    let services = d1::services(&store, &queue, &storage.objects, &ConsoleLog);
    let grace_start = Timestamp(now.0 - RESTORE_GRACE_MS);
    assets::purge_deleted(&services, grace_start, BATCH).await.map_err(|e| format!("purging: {e:?}"))?;
    Ok(())
}
