//! The Worker's bindings by their names in wrangler.toml, and the storage every entry point opens
//! from them: D1, the jobs queue and R2, opened the same way everywhere.

use worker::{Env, Queue};

use super::d1::D1Store;
use super::pipeline_stream::DoStreams;
use super::r2::R2Objects;

pub const DB: &str = "DB";
pub const JOBS: &str = "JOBS";
/// Webhook delivery attempts: a queue of their own, handed over at once (jobs wait a second for
/// company), consumed by the same handler.
pub const WEBHOOKS: &str = "WEBHOOKS";
pub const MEDIA: &str = "MEDIA";
pub const UPLOADS: &str = "UPLOADS";
pub const MEDIA_CONTAINER: &str = "MEDIA_CONTAINER";
pub const PIPELINE_STREAMS: &str = "PIPELINE_STREAMS";
pub const AI: &str = "AI";
/// Rate limiting per API key, and per client address for requests without a key.
pub const API_KEY_RATE_LIMITER: &str = "API_KEY_RATE_LIMITER";
pub const CLIENT_RATE_LIMITER: &str = "CLIENT_RATE_LIMITER";

/// The queues messages go to.
#[derive(Debug, Clone)]
pub struct Queues {
    pub jobs: Queue,
    pub webhooks: Queue,
}

/// D1, the queues, R2 and the pipelines' stream objects, as the adapters use them.
#[derive(Debug)]
pub struct Stores {
    pub store: D1Store,
    pub queue: Queues,
    pub objects: R2Objects,
    pub streams: DoStreams,
}

impl Stores {
    /// The bindings; the error names the one missing (a deployment without the streams' binding
    /// still works, its streams only slower).
    pub fn open(env: &Env) -> Result<Self, String> {
        Ok(Self {
            store: D1Store::new(env.d1(DB).map_err(|e| format!("D1 binding {DB}: {e}"))?),
            queue: Queues {
                jobs: env.queue(JOBS).map_err(|e| format!("queue binding {JOBS}: {e}"))?,
                webhooks: env.queue(WEBHOOKS).map_err(|e| format!("queue binding {WEBHOOKS}: {e}"))?,
            },
            objects: R2Objects::new(env.bucket(MEDIA).map_err(|e| format!("R2 binding {MEDIA}: {e}"))?),
            streams: DoStreams::from_env(env),
        })
    }
}
