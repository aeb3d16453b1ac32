//! The roughcut edge worker: the REST API on Cloudflare Workers. `domain` and `http` are plain
//! Rust, tested natively; `adapters` and `entry` bind them to workerd and exist only in the wasm
//! build.

pub mod domain;
pub mod http;

#[cfg(target_arch = "wasm32")]
mod adapters;
#[cfg(target_arch = "wasm32")]
mod entry;
