//! Resumable uploads (TUS 1.0.0) onto the object store: the protocol's headers (`tus`) and one
//! upload's byte-level state machine (`session`). The Durable Object that serialises an upload's
//! requests and the HTTP routes are thin shims over these.

pub mod service;
pub mod session;
#[cfg(test)]
pub mod testing;
pub mod tus;

use crate::domain::StoreError;

/// Why an upload request is refused; `http::error` gives each its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadError {
    /// `Tus-Resumable` missing or another version (412).
    PreconditionFailed,
    /// A malformed header (400).
    BadRequest(String),
    /// Over the upload or chunk cap, or past `Upload-Length` (413).
    TooLarge(String),
    /// `Upload-Offset` is not where the upload is (409).
    OffsetMismatch {
        expected: u64,
    },
    /// Another request is writing this upload right now (409).
    Busy,
    /// `Upload-Checksum` does not match the chunk (460); the chunk is dropped.
    ChecksumMismatch,
    /// The first bytes are no media we read (415); the upload is cancelled.
    UnsupportedMedia,
    /// No such upload, or terminated, completed past or expired (404).
    NotFound,
    Store(StoreError),
}

impl From<StoreError> for UploadError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}
