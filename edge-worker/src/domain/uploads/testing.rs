//! Test doubles of the upload ports beyond the memory store: a session store (the upload's
//! Durable Object storage) and request bodies arriving in pieces.

use std::any::Any;
use std::cell::RefCell;

use async_trait::async_trait;

use super::UploadError;
use super::service::SessionStore;
use super::session::{ChunkSource, UploadSession};
use crate::domain::StoreError;

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
