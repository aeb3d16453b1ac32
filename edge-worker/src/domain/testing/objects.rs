//! Objects in memory, refusing what R2 refuses: a multipart upload completes only from parts it
//! holds, with their ETags, every part but the last of one size and at least 5 MiB, the last no
//! larger.

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::domain::StoreError;
use crate::domain::ports::objects::{Objects, PartError, StoredPart};

/// R2's smallest part but the last.
const MIN_PART_BYTES: usize = 5 << 20;

/// A cheap stand-in for R2's MD5 ETag (the debug build hashes slowly).
fn etag_of(bytes: &[u8]) -> String {
    let sum = bytes.iter().fold(0u64, |sum, &b| sum.wrapping_mul(31).wrapping_add(u64::from(b)));
    format!("{sum:x}-{}", bytes.len())
}

#[derive(Debug, Default)]
struct Bucket {
    blobs: Vec<(String, Vec<u8>)>,
    /// Multipart uploads in progress: their parts by number.
    multiparts: BTreeMap<String, BTreeMap<u16, Vec<u8>>>,
    /// Parts written whole from a body.
    whole_parts: usize,
}

/// An R2 bucket in memory.
#[derive(Debug, Default)]
pub struct MemoryObjects(RefCell<Bucket>);

impl MemoryObjects {
    /// The object stored as `key`.
    pub fn blob(&self, key: &str) -> Option<Vec<u8>> {
        self.0.borrow().blobs.iter().find(|(k, _)| k == key).map(|(_, bytes)| bytes.clone())
    }

    /// The keys of every stored object.
    pub fn blob_keys(&self) -> Vec<String> {
        self.0.borrow().blobs.iter().map(|(key, _)| key.clone()).collect()
    }

    /// Parts written whole from a request body (`put_part_whole`).
    pub fn whole_parts(&self) -> usize {
        self.0.borrow().whole_parts
    }
}

/// The object the parts make, or R2's refusal.
fn joined(uploaded: &BTreeMap<u16, Vec<u8>>, parts: &[StoredPart]) -> Result<Vec<u8>, StoreError> {
    let size_of = |part: &StoredPart| uploaded.get(&part.number).map_or(0, Vec::len);
    let first = parts.first().map_or(0, size_of);
    let mut object = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        let bytes = uploaded.get(&part.number).ok_or_else(|| StoreError(format!("R2: no part {}", part.number)))?;
        if part.etag != etag_of(bytes) {
            return Err(StoreError(format!("R2: part {} has another ETag", part.number)));
        }
        let last = index + 1 == parts.len();
        if !last && (bytes.len() != first || bytes.len() < MIN_PART_BYTES) {
            return Err(StoreError("R2: every part but the last is of one size, at least 5 MiB".into()));
        }
        if last && bytes.len() > first {
            return Err(StoreError("R2: the last part is no larger than the others".into()));
        }
        object.extend_from_slice(bytes);
    }
    Ok(object)
}

#[async_trait(?Send)]
impl Objects for MemoryObjects {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.blob(key))
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> Result<(), StoreError> {
        let mut bucket = self.0.borrow_mut();
        bucket.blobs.retain(|(k, _)| k != key);
        bucket.blobs.push((key.to_owned(), bytes));
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.0.borrow_mut().blobs.retain(|(k, _)| k != key);
        Ok(())
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<(), StoreError> {
        self.0.borrow_mut().blobs.retain(|(k, _)| !k.starts_with(prefix));
        Ok(())
    }

    async fn begin_multipart(&self, key: &str) -> Result<String, StoreError> {
        let mut bucket = self.0.borrow_mut();
        let id = format!("{key}#{}", bucket.multiparts.len());
        bucket.multiparts.insert(id.clone(), Default::default());
        Ok(id)
    }

    async fn put_part(&self, _key: &str, id: &str, number: u16, bytes: Vec<u8>) -> Result<String, StoreError> {
        let etag = etag_of(&bytes);
        let mut bucket = self.0.borrow_mut();
        let upload = bucket.multiparts.get_mut(id).ok_or_else(|| StoreError("R2: no such multipart upload".into()))?;
        upload.insert(number, bytes);
        Ok(etag)
    }

    async fn put_part_whole(
        &self,
        key: &str,
        id: &str,
        number: u16,
        body: Box<dyn Any>,
        length: u64,
    ) -> Result<String, PartError> {
        let bytes = *body.downcast::<Vec<u8>>().map_err(|_| StoreError("a body that is no test body".into()))?;
        if bytes.len() as u64 != length {
            // R2's FixedLengthStream refuses a body of another length
            return Err(PartError::BodyBroken(format!("{} bytes where {length} were declared", bytes.len())));
        }
        self.0.borrow_mut().whole_parts += 1;
        Ok(self.put_part(key, id, number, bytes).await?)
    }

    async fn complete_multipart(&self, key: &str, id: &str, parts: &[StoredPart]) -> Result<(), StoreError> {
        let object = {
            let bucket = self.0.borrow();
            let uploaded =
                bucket.multiparts.get(id).ok_or_else(|| StoreError("R2: no such multipart upload".into()))?;
            joined(uploaded, parts)?
        };
        self.0.borrow_mut().multiparts.remove(id);
        self.put(key, object, "application/octet-stream").await
    }

    async fn abort_multipart(&self, _key: &str, id: &str) -> Result<(), StoreError> {
        self.0.borrow_mut().multiparts.remove(id);
        Ok(())
    }
}
