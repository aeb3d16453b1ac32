//! A pipeline's Server-Sent Events, from its event log: where a stream starts (after the client's
//! `Last-Event-ID`, or from the first event), the frames of what is new since, and when it ends
//! (after a terminal `pipeline.state` that nothing followed). The Worker's Durable Object serves
//! the stream and wakes it when the log grows; everything it sends is decided here.

use roughcut_shared::pipelines::PipelineState;
use serde::Deserialize;

use crate::domain::api_keys::Principal;
use crate::domain::ports::Ports;
use crate::domain::ports::pipelines::{PipelineEventRecord, PipelineEventType, PipelineStore};
use crate::domain::{DomainError, StoreError};

/// Events read from the log at once; a longer backlog is sent in several reads.
const BATCH: u32 = 100;
/// How long a client waits before reconnecting (the SSE `retry:` field), in ms.
pub const RECONNECT_MS: u32 = 1_000;
/// A comment line that keeps idle connections open (sent at least every 20 s).
pub const KEEP_ALIVE: &str = ": keep-alive\n\n";
/// The most seconds between two keep-alive beats; each beat also reads the log.
pub const KEEP_ALIVE_SECONDS: u64 = 15;

/// How a request for the stream is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Stream the events after this one.
    After(i64),
    /// The pipeline has ended and the client has seen its end: nothing more will come (`204`,
    /// which also tells an `EventSource` not to reconnect).
    Over,
}

/// Where the account's stream of `pipeline_id` starts, after `last_event_id` (the header, or
/// the query's `last_event_id`) when given.
pub async fn start(
    ports: &Ports<'_>,
    principal: &Principal,
    pipeline_id: &str,
    last_event_id: Option<&str>,
) -> Result<Start, DomainError> {
    let pipeline = ports.pipelines.pipeline(&principal.account_id, pipeline_id).await?;
    let pipeline = pipeline.ok_or(DomainError::NotFound("pipeline"))?;
    let after =
        match last_event_id.map(str::trim).filter(|id| !id.is_empty()) {
            Some(id) => id.parse::<i64>().ok().filter(|id| *id >= 0).ok_or_else(|| {
                DomainError::invalid("header.last-event-id", "must be the id of an event of this stream")
            })?,
            None => 0,
        };
    let newer = ports.pipelines.events_after(pipeline_id, after, 1).await?;
    Ok(if newer.is_empty() && !pipeline.state.is_open() && after > 0 { Start::Over } else { Start::After(after) })
}

/// A stream's place in its pipeline's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub pipeline_id: String,
    /// The last event sent.
    pub after: i64,
    /// A terminal event was sent and nothing followed it: the stream is over.
    pub ended: bool,
}

impl Cursor {
    pub fn new(pipeline_id: &str, after: i64) -> Self {
        Self { pipeline_id: pipeline_id.to_owned(), after, ended: false }
    }

    /// The frames of every event after the cursor, which moves past them; empty when nothing is
    /// new. The cursor ends when the last of them is the pipeline's end.
    pub async fn read(&mut self, store: &dyn PipelineStore) -> Result<String, StoreError> {
        let mut frames = String::new();
        loop {
            let events = store.events_after(&self.pipeline_id, self.after, BATCH).await?;
            for event in &events {
                frames.push_str(&frame(event));
                self.after = event.seq;
                self.ended = is_end(event);
            }
            if events.len() < BATCH as usize {
                return Ok(frames);
            }
        }
    }
}

/// One event as SSE: its id, its type and its JSON on one `data:` line.
pub fn frame(event: &PipelineEventRecord) -> String {
    format!("id: {}\nevent: {}\ndata: {}\n\n", event.seq, event.event_type.as_str(), event.data_json)
}

/// What a stream sends first: how soon to reconnect.
pub fn preamble() -> String {
    format!("retry: {RECONNECT_MS}\n\n")
}

/// Whether the event says the pipeline ended.
fn is_end(event: &PipelineEventRecord) -> bool {
    #[derive(Deserialize)]
    struct Stated {
        state: PipelineState,
    }
    event.event_type == PipelineEventType::PipelineState
        && serde_json::from_str::<Stated>(&event.data_json).is_ok_and(|data| !data.state.is_open())
}
