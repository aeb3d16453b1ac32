//! Wire types of the roughcut API, shared by the edge worker, the media container, the SDK's tests
//! and the end-to-end tests: what goes over HTTP, nothing else (no I/O, no domain rules).

pub mod accounts;
pub mod api_keys;
pub mod assets;
pub mod credits;
pub mod cuts;
pub mod error;
pub mod job_signature;
pub mod jobs;
pub mod list;
pub mod pipelines;
pub mod projects;
pub mod renders;
pub mod strict;
pub mod webhooks;

pub use error::{ErrorBody, ErrorCode, ErrorEnvelope, FieldError};
pub use list::List;
