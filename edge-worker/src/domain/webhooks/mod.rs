//! Webhooks (API.md "Webhooks"): endpoints an account registers, and the terminal events sent to
//! them, signed per the Standard Webhooks spec, retried on a schedule, each attempt recorded.

pub mod delivery;
pub mod endpoints;
pub mod signature;
pub mod target;

#[cfg(test)]
mod tests;

/// The event types an endpoint may subscribe to: API.md's terminal events.
pub const EVENT_TYPES: [&str; 10] = [
    "asset.ready",
    "asset.pending_payment",
    "asset.failed",
    "cut.completed",
    "cut.failed",
    "render.completed",
    "render.failed",
    "render.cancelled",
    "pipeline.completed",
    "pipeline.failed",
];

/// The event `POST …/{id}/test` sends (to that endpoint alone, subscribed or not).
pub const TEST_EVENT_TYPE: &str = "webhook.test";
