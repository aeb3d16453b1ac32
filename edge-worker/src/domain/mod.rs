//! Ports and rules of the API, over small port traits: no `worker` types here, so everything in
//! this module runs and is tested natively (`testing`: the SQL stores over SQLite, R2 and the queues
//! in memory).

pub mod accounts;
pub mod api_keys;
pub mod assets;
pub mod config;
pub mod cuts;
pub mod downloads;
pub mod error;
pub mod ids;
pub mod jobs;
pub mod ledger;
pub mod object_keys;
pub mod page;
pub mod pipelines;
pub mod ports;
pub mod processing;
pub mod projects;
pub mod renders;
pub mod sweep;
pub mod time;
pub mod transcripts;
pub mod uploads;
pub mod validate;
pub mod webhooks;
pub mod work;

#[cfg(test)]
pub mod testing;

pub use error::{DomainError, StoreError};
pub use ports::Ports;
