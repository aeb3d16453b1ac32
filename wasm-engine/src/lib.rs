//! The roughcut engine: one pure-Rust library for media (probe, demux, analysis) and edits (cut
//! planning, timelines, exports), run natively, inside the edge worker and in the browser.
//!
//! Its core does no I/O and never depends on `worker` or `js-sys`; a `js` feature will carry the
//! wasm-bindgen facade. The media half and the edit half arrive with their own issues; the crate
//! exists now so that the workspace, its lints and its build are settled before them.
