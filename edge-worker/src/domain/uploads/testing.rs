//! Test doubles of the upload ports beyond the test platform: a session store (the upload's
//! Durable Object storage), sessions, and request bodies arriving in pieces.

use std::any::Any;
use std::cell::RefCell;

use async_trait::async_trait;

use super::UploadError;
use super::service::SessionStore;
use super::session::{ChunkSource, PART_SIZE, SessionState, UploadSession};
use super::tus::UPLOAD_TTL_MS;
use crate::domain::StoreError;
use crate::domain::ports::UploadPurpose;
use crate::domain::time::Timestamp;

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

/// A new open session of a source upload of `length` bytes.
pub fn open_session(length: u64) -> UploadSession {
    UploadSession {
        id: "upl_1".into(),
        account_id: "acc_1".into(),
        asset_id: "ast_1".into(),
        length,
        offset: 0,
        object_key: "assets/ast_1/source".into(),
        state: SessionState::Open,
        expires_at: Timestamp(UPLOAD_TTL_MS),
        multipart_id: None,
        parts: Vec::new(),
        staged_key: None,
        container: None,
        part_size: PART_SIZE,
        ttl_ms: UPLOAD_TTL_MS,
        recorded_expires_at: Timestamp(UPLOAD_TTL_MS),
        purpose: UploadPurpose::Source,
        metadata: None,
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
