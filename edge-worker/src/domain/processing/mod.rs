//! Asset processing: after the last byte, the media container probes the file and analyses its
//! audio (and writes speech chunks when a transcriber is configured), the worker transcribes the
//! chunks, then the asset is charged once — `ready`, or `pending_payment` until a top-up — or
//! fails uncharged. An audio proxy goes the same way and makes its video asset cuttable early.
//!
//! `media_job` is the container's part and what follows it, `transcribe` reads speech, `settle`
//! charges and decides states; the job runner (`jobs::runner`) drives their attempts.

pub mod media_job;
pub mod settle;
pub mod transcribe;

#[cfg(test)]
mod tests;
