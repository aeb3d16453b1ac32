//! The queues (Cloudflare Queues) behind `JobQueue` and `DeliveryQueue`: a job's row is
//! stored in D1, then a message carrying only its id is sent (the row is the truth; a lost message
//! is re-sent by the sweep, a duplicate finds the job claimed); a webhook delivery attempt's the
//! same way, on its own queue.

use async_trait::async_trait;
use worker::{MessageBuilder, Queue};

use super::bindings::Queues;

use super::d1::D1Store;
use crate::domain::StoreError;
use crate::domain::ports::jobs::{JobQueue, JobRecord, QueueMessage};
use crate::domain::ports::webhooks::DeliveryQueue;

#[derive(Debug)]
pub struct QueueJobs<'a> {
    store: &'a D1Store,
    queues: Queues,
}

impl<'a> QueueJobs<'a> {
    pub fn new(store: &'a D1Store, queues: Queues) -> Self {
        Self { store, queues }
    }
}

#[async_trait(?Send)]
impl JobQueue for QueueJobs<'_> {
    async fn submit(&self, job: &JobRecord) -> Result<(), StoreError> {
        if self.store.insert_job(job).await? {
            self.resend(&job.id, 0).await?;
        }
        Ok(())
    }

    async fn resend(&self, job_id: &str, delay_seconds: u32) -> Result<(), StoreError> {
        send(&self.queues.jobs, QueueMessage::Job { job_id: job_id.to_owned() }, delay_seconds).await
    }
}

#[async_trait(?Send)]
impl DeliveryQueue for QueueJobs<'_> {
    async fn send_delivery(&self, delivery_id: &str, delay_seconds: u32) -> Result<(), StoreError> {
        send(&self.queues.webhooks, QueueMessage::Delivery { delivery_id: delivery_id.to_owned() }, delay_seconds).await
    }
}

async fn send(queue: &Queue, message: QueueMessage, delay_seconds: u32) -> Result<(), StoreError> {
    let message = MessageBuilder::new(message).delay_seconds(delay_seconds).build();
    queue.send(message).await.map_err(|e| StoreError(format!("queue: {e}")))
}
