//! The bytes (R2 in production, memory in tests): whole objects, and multipart uploads for the
//! uploads and outputs larger than one request may be.

use std::any::Any;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::domain::StoreError;

/// A part of a multipart upload, as its completion names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPart {
    pub number: u16,
    pub etag: String,
}

/// Why a part written from a request body was not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartError {
    /// The body broke off or was not the declared length: the client's failure, not the store's.
    BodyBroken(String),
    Store(StoreError),
}

impl From<StoreError> for PartError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

#[async_trait(?Send)]
pub trait Objects {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StoreError>;
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Removes every object whose key starts with `prefix`.
    async fn delete_prefix(&self, prefix: &str) -> Result<(), StoreError>;
    async fn begin_multipart(&self, key: &str) -> Result<String, StoreError>;
    async fn put_part(&self, key: &str, multipart_id: &str, number: u16, bytes: Vec<u8>) -> Result<String, StoreError>;
    /// Writes a body the platform holds (`ChunkSource::whole`: `length` bytes, as declared) as one
    /// part, without the bytes passing through the domain.
    async fn put_part_whole(
        &self,
        key: &str,
        multipart_id: &str,
        number: u16,
        body: Box<dyn Any>,
        length: u64,
    ) -> Result<String, PartError>;
    /// Joins `parts` into the object `key`. As R2: every part but the last of one size, at least
    /// 5 MiB, and the last no larger.
    async fn complete_multipart(&self, key: &str, multipart_id: &str, parts: &[StoredPart]) -> Result<(), StoreError>;
    async fn abort_multipart(&self, key: &str, multipart_id: &str) -> Result<(), StoreError>;
}
