//! The jobs queue (a Cloudflare Queue) behind `JobQueue`.

use async_trait::async_trait;
use worker::Queue;

use crate::domain::StoreError;
use crate::domain::uploads::service::{JobMessage, JobQueue};

#[derive(Debug)]
pub struct QueueJobs {
    queue: Queue,
}

impl QueueJobs {
    pub fn new(queue: Queue) -> Self {
        Self { queue }
    }
}

#[async_trait(?Send)]
impl JobQueue for QueueJobs {
    async fn enqueue(&self, job: &JobMessage) -> Result<(), StoreError> {
        self.queue.send(job).await.map_err(|e| StoreError(format!("queue: {e}")))
    }
}
