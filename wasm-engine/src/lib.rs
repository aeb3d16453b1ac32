//! The roughcut engine: one pure-Rust library for media (sniff, probe, demux, analysis) and edits
//! (cut planning, timelines, exports), run natively, inside the edge worker and in the browser.
//! Its core does no I/O of its own (it reads through `source::RangeSource`, or `remote` over an
//! async store) and depends on `js-sys` only in its `js` facade, never on `worker`.

pub mod analyze;
pub mod error;
pub mod export;
#[cfg(feature = "js")]
pub mod js;
pub mod limits;
pub mod media;
pub mod plan;
pub mod remote;
pub mod source;
pub mod time;
pub mod timeline;
pub mod transcript;

pub use error::{EngineError, ErrorCode, Result};
pub use limits::Limits;
pub use media::probe::{MediaInfo, probe};
pub use media::sniff::{Container, sniff};
pub use source::RangeSource;
