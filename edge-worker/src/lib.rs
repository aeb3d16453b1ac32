//! The roughcut edge worker: the REST API on Cloudflare Workers. `domain` and `http` are plain
//! Rust, tested natively; `sql_store` implements the store ports over any SQL database (D1 in the
//! Worker, SQLite in its native tests); `adapters` and `entry` bind them to workerd and exist only
//! in the wasm build.

pub mod domain;
pub mod http;
pub mod sql_store;

#[cfg(test)]
mod store_contract;

#[cfg(target_arch = "wasm32")]
mod adapters;
#[cfg(target_arch = "wasm32")]
mod entry;
