//! Keys recently looked up, kept in memory per isolate so that most authenticated requests cost no
//! D1 read. An entry lives `TTL_MS`: a revocation takes effect at once in the isolate that made it
//! and within that time in every other one.

use std::cell::RefCell;
use std::collections::HashMap;

use super::ApiKeyRecord;
use crate::domain::time::Timestamp;

/// How long a looked-up key is trusted without reading it again.
pub const TTL_MS: i64 = 5_000;
/// Entries kept at most; when full, the expired go, and if none has, all.
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug, Default)]
pub struct KeyCache {
    /// Key hash → the record and when it was read.
    entries: RefCell<HashMap<String, (ApiKeyRecord, Timestamp)>>,
}

impl KeyCache {
    /// The record of `key_hash` read less than `TTL_MS` before `now`.
    pub fn get(&self, key_hash: &str, now: Timestamp) -> Option<ApiKeyRecord> {
        let entries = self.entries.borrow();
        let (record, read_at) = entries.get(key_hash)?;
        (now.0 - read_at.0 < TTL_MS).then(|| record.clone())
    }

    /// Whether the key of `key_hash` was read less than `TTL_MS` before `now` (a request with it
    /// costs no D1 read).
    pub fn knows(&self, key_hash: &str, now: Timestamp) -> bool {
        self.entries.borrow().get(key_hash).is_some_and(|(_, read_at)| now.0 - read_at.0 < TTL_MS)
    }

    pub fn put(&self, record: &ApiKeyRecord, now: Timestamp) {
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (_, read_at)| now.0 - read_at.0 < TTL_MS);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(record.key_hash.clone(), (record.clone(), now));
    }

    /// Records a use of the key (its `last_used_at`), as the store just did.
    pub fn used(&self, key_hash: &str, at: Timestamp) {
        if let Some((record, _)) = self.entries.borrow_mut().get_mut(key_hash) {
            record.last_used_at = Some(at);
        }
    }

    /// Drops the key with `key_id` (revoked here: no request of this isolate may use it again).
    pub fn forget(&self, key_id: &str) {
        self.entries.borrow_mut().retain(|_, (record, _)| record.id != key_id);
    }
}
