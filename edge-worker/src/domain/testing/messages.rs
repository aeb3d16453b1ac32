//! The queues and the pipelines' live streams in memory: what was sent to them, in order, for
//! tests to deliver and assert.

use std::cell::RefCell;

use async_trait::async_trait;

use crate::domain::StoreError;
use crate::domain::ports::pipelines::PipelineStreams;
use crate::domain::ports::webhooks::DeliveryQueue;

#[derive(Debug, Default)]
struct Sent {
    jobs: Vec<(String, u32)>,
    deliveries: Vec<(String, u32)>,
    published: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Messages(RefCell<Sent>);

impl Messages {
    /// Job ids sent to the jobs queue and their delays, in order (for tests to deliver).
    pub fn sent_jobs(&self) -> Vec<(String, u32)> {
        self.0.borrow().jobs.clone()
    }

    pub(super) fn send_job(&self, job_id: &str, delay_seconds: u32) {
        self.0.borrow_mut().jobs.push((job_id.to_owned(), delay_seconds));
    }

    /// Delivery attempts sent to the webhooks queue, with their delays, in order.
    pub fn delivery_messages(&self) -> Vec<(String, u32)> {
        self.0.borrow().deliveries.clone()
    }

    /// The pipelines whose live streams were told of new events, in order.
    pub fn published_pipelines(&self) -> Vec<String> {
        self.0.borrow().published.clone()
    }
}

#[async_trait(?Send)]
impl DeliveryQueue for Messages {
    async fn send_delivery(&self, delivery_id: &str, delay_seconds: u32) -> Result<(), StoreError> {
        self.0.borrow_mut().deliveries.push((delivery_id.to_owned(), delay_seconds));
        Ok(())
    }
}

#[async_trait(?Send)]
impl PipelineStreams for Messages {
    async fn published(&self, pipeline_id: &str) {
        self.0.borrow_mut().published.push(pipeline_id.to_owned());
    }
}
