//! The scheduled sweep on workerd: the domain's policy (`domain::sweep`) over D1, R2 and the
//! upload Durable Objects, which end their own expired uploads (they hold the multipart uploads).

use async_trait::async_trait;
use worker::{Env, ObjectNamespace, Request, RequestInit};

use super::bindings::{Stores, UPLOADS};
use super::d1;
use super::jobs::QueueJobs;
use super::platform::ConsoleLog;
use super::upload_object::EXPIRE_SUFFIX;
use crate::domain::StoreError;
use crate::domain::sweep::{self, UploadExpiry};

/// Expired uploads ended by their Durable Objects.
struct UploadDurableObjects(ObjectNamespace);

#[async_trait(?Send)]
impl UploadExpiry for UploadDurableObjects {
    async fn expire(&self, upload_id: &str) -> Result<(), StoreError> {
        let failed = |e: worker::Error| StoreError(format!("expiring {upload_id}: {e}"));
        let stub = self.0.id_from_name(upload_id).and_then(|id| id.get_stub()).map_err(failed)?;
        let mut init = RequestInit::new();
        init.with_method(worker::Method::Post);
        let request = Request::new_with_init(&format!("https://upload.internal/{upload_id}{EXPIRE_SUFFIX}"), &init)
            .map_err(failed)?;
        let response = stub.fetch_with_request(request).await.map_err(failed)?;
        if response.status_code() >= 400 {
            return Err(StoreError(format!("expiring {upload_id}: status {}", response.status_code())));
        }
        Ok(())
    }
}

pub async fn run(env: &Env) -> Result<(), String> {
    let storage = Stores::open(env)?;
    let namespace = env.durable_object(UPLOADS).map_err(|e| format!("DO binding {UPLOADS}: {e}"))?;
    let queue = QueueJobs::new(&storage.store, storage.queue.clone());
    let ports = d1::ports(&storage.store, &queue, &storage.objects, &storage.streams, &ConsoleLog);
    sweep::uploads_and_assets(&ports, &UploadDurableObjects(namespace)).await.map_err(|e| format!("{e:?}"))
}
