//! Test doubles of the upload ports: an object store that refuses what R2 refuses, a session
//! store, a job queue, and request bodies arriving in pieces.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use async_trait::async_trait;

use super::UploadError;
use super::service::SessionStore;
use super::session::{ChunkSource, StoredPart, UploadObjects, UploadSession};
use crate::domain::StoreError;
use crate::domain::ports::jobs::{JobQueue, JobRecord};

/// Multipart uploads held in memory, refusing what R2 refuses: parts of unequal size, or
/// under 5 MiB, before the last.
#[derive(Debug, Default)]
pub struct Objects {
    pub objects: RefCell<BTreeMap<String, Vec<u8>>>,
    pub multiparts: RefCell<BTreeMap<String, BTreeMap<u16, Vec<u8>>>>,
    /// Parts written whole from a body (`put_part_whole`).
    pub whole_parts: Cell<usize>,
}

#[async_trait(?Send)]
impl UploadObjects for Objects {
    async fn begin_multipart(&self, key: &str) -> Result<String, StoreError> {
        let id = format!("{key}#{}", self.multiparts.borrow().len());
        self.multiparts.borrow_mut().insert(id.clone(), BTreeMap::new());
        Ok(id)
    }
    async fn put_part(&self, _key: &str, id: &str, number: u16, bytes: Vec<u8>) -> Result<String, StoreError> {
        let etag = etag_of(&bytes);
        self.multiparts.borrow_mut().get_mut(id).ok_or_else(|| StoreError("no upload".into()))?.insert(number, bytes);
        Ok(etag)
    }
    async fn put_part_whole(
        &self,
        key: &str,
        id: &str,
        number: u16,
        body: Box<dyn Any>,
        length: u64,
    ) -> Result<String, StoreError> {
        let bytes = *body.downcast::<Vec<u8>>().map_err(|_| StoreError("not a test body".into()))?;
        assert_eq!(bytes.len() as u64, length, "the declared length is the body's");
        self.whole_parts.set(self.whole_parts.get() + 1);
        self.put_part(key, id, number, bytes).await
    }
    async fn complete_multipart(&self, key: &str, id: &str, parts: &[StoredPart]) -> Result<(), StoreError> {
        let uploaded = self.multiparts.borrow_mut().remove(id).ok_or_else(|| StoreError("no upload".into()))?;
        let mut object = Vec::new();
        for (index, part) in parts.iter().enumerate() {
            let bytes = uploaded.get(&part.number).ok_or_else(|| StoreError("missing part".into()))?;
            assert_eq!(part.etag, etag_of(bytes), "etag of part {}", part.number);
            let first = uploaded.get(&parts[0].number).map_or(0, Vec::len);
            if index + 1 < parts.len() {
                assert_eq!(bytes.len(), first, "R2: every part but the last has the same size");
                assert!(bytes.len() >= 5 << 20, "R2: parts are at least 5 MiB");
            } else {
                assert!(bytes.len() <= first, "R2: the last part is no larger than the others");
            }
            object.extend_from_slice(bytes);
        }
        self.objects.borrow_mut().insert(key.to_owned(), object);
        Ok(())
    }
    async fn abort_multipart(&self, _key: &str, id: &str) -> Result<(), StoreError> {
        self.multiparts.borrow_mut().remove(id);
        Ok(())
    }
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.objects.borrow_mut().insert(key.to_owned(), bytes);
        Ok(())
    }
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.objects.borrow().get(key).cloned())
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.objects.borrow_mut().remove(key);
        Ok(())
    }
}

/// A cheap stand-in for R2's MD5 ETag (the debug build hashes slowly).
fn etag_of(bytes: &[u8]) -> String {
    let sum = bytes.iter().fold(0u64, |sum, &b| sum.wrapping_mul(31).wrapping_add(u64::from(b)));
    format!("{sum:x}-{}", bytes.len())
}

/// A body arriving in pieces of `piece` bytes.
#[derive(Debug)]
pub struct Body(pub Vec<Vec<u8>>);

#[async_trait(?Send)]
impl ChunkSource for Body {
    async fn next_piece(&mut self) -> Result<Option<Vec<u8>>, UploadError> {
        Ok((!self.0.is_empty()).then(|| self.0.remove(0)))
    }

    fn whole(&mut self) -> Option<Box<dyn Any>> {
        Some(Box::new(std::mem::take(&mut self.0).concat()))
    }
}

pub fn body(bytes: &[u8], piece: usize) -> Body {
    Body(bytes.chunks(piece.max(1)).map(<[u8]>::to_vec).collect())
}

/// A WAV header, then bytes that vary.
pub fn media(length: usize) -> Vec<u8> {
    let mut bytes = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x80\x3e\0\0\0\x7d\0\0\x02\0\x10\0data".to_vec();
    bytes.extend((0..length.saturating_sub(bytes.len())).map(|i| (i * 7 % 251) as u8));
    bytes.truncate(length);
    bytes
}

#[derive(Debug, Default)]
pub struct Sessions(pub RefCell<Option<UploadSession>>);

#[async_trait(?Send)]
impl SessionStore for Sessions {
    async fn load(&self) -> Result<Option<UploadSession>, StoreError> {
        Ok(self.0.borrow().clone())
    }
    async fn save(&self, session: &UploadSession) -> Result<(), StoreError> {
        *self.0.borrow_mut() = Some(session.clone());
        Ok(())
    }
}

#[derive(Debug, Default)]
pub struct Jobs(pub RefCell<Vec<JobRecord>>);

#[async_trait(?Send)]
impl JobQueue for Jobs {
    async fn submit(&self, job: &JobRecord) -> Result<(), StoreError> {
        self.0.borrow_mut().push(job.clone());
        Ok(())
    }

    async fn resend(&self, _job_id: &str, _delay_seconds: u32) -> Result<(), StoreError> {
        Ok(())
    }
}
