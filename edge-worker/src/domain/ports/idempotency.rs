//! Idempotency keys as stored: per account and key, the hash of the request that claimed the key
//! and, once answered, the answer a replay returns.

use async_trait::async_trait;

use crate::domain::StoreError;
use crate::domain::time::Timestamp;

/// How long an answer is replayed (API.md: 24 hours); the sweep forgets older keys.
pub const ANSWERS_KEPT_MS: i64 = 24 * 60 * 60 * 1000;

/// An answer kept for replays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    /// The headers a replay repeats (lower-case names), in the answer's order.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What claiming a key came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is this request's: answer it, then store the answer (or release the key).
    Claimed,
    /// The same request was answered: this is its answer.
    Answered(StoredAnswer),
    /// The same request is being answered right now.
    InFlight,
    /// The key was used with another request.
    OtherRequest,
}

/// A claim's terms: claims made before `expired_before` are forgotten, and unanswered claims made
/// before `abandoned_before` (their request died) are free again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimTerms {
    pub now: Timestamp,
    pub expired_before: Timestamp,
    pub abandoned_before: Timestamp,
}

#[async_trait(?Send)]
pub trait IdempotencyStore {
    /// Claims `key` of the account for the request hashed `request_hash`, atomically: two requests
    /// racing for one key get one `Claimed`.
    async fn claim_key(
        &self,
        account_id: &str,
        key: &str,
        request_hash: &str,
        terms: ClaimTerms,
    ) -> Result<Claim, StoreError>;
    /// Keeps the answer of a claimed key.
    async fn answer_key(&self, account_id: &str, key: &str, answer: &StoredAnswer) -> Result<(), StoreError>;
    /// Frees a claimed key unanswered (its request failed in a way worth retrying).
    async fn release_key(&self, account_id: &str, key: &str) -> Result<(), StoreError>;
    /// Forgets up to `limit` keys claimed before `before`; returns how many.
    async fn forget_keys(&self, before: Timestamp, limit: u32) -> Result<usize, StoreError>;
}
