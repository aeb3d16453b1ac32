//! The only code that touches workerd: D1, R2 and the jobs queue behind the domain's ports, the
//! platform's clock and log, the upload Durable Object and the TUS entry, and the translation
//! between workerd's requests/responses and the HTTP layer's.

pub mod bindings;
pub mod d1;
pub mod downloads;
pub mod jobs;
pub mod media;
pub mod media_container;
pub mod pipeline_stream;
pub mod platform;
pub mod processing;
pub mod r2;
pub mod settings;
pub mod sweep;
pub mod transcribers;
pub mod upload_object;
pub mod uploads;
pub mod web;
pub mod webhooks;
