//! Idempotency keys in memory, with the D1 adapter's contract: one claim per account and key,
//! expired and abandoned claims forgotten when the key is claimed again, an answer kept once.

use async_trait::async_trait;

use super::{MemoryStore, foreign_key_failed};
use crate::domain::StoreError;
use crate::domain::ports::idempotency::{Claim, ClaimTerms, IdempotencyStore, StoredAnswer};
use crate::domain::time::Timestamp;

/// A claimed key: whose, for which request, when, and its answer once there is one.
#[derive(Debug, Clone)]
pub(super) struct KeyRow {
    account_id: String,
    key: String,
    request_hash: String,
    created_at: Timestamp,
    answer: Option<StoredAnswer>,
}

#[async_trait(?Send)]
impl IdempotencyStore for MemoryStore {
    async fn claim_key(
        &self,
        account_id: &str,
        key: &str,
        request_hash: &str,
        terms: ClaimTerms,
    ) -> Result<Claim, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        if !tables.accounts.iter().any(|a| a.id == account_id) {
            return Err(foreign_key_failed());
        }
        tables.idempotency_keys.retain(|row| {
            let gone = row.created_at < terms.expired_before
                || (row.answer.is_none() && row.created_at < terms.abandoned_before);
            !(row.account_id == account_id && row.key == key && gone)
        });
        let standing = tables.idempotency_keys.iter().find(|row| row.account_id == account_id && row.key == key);
        Ok(match standing {
            None => {
                tables.idempotency_keys.push(KeyRow {
                    account_id: account_id.to_owned(),
                    key: key.to_owned(),
                    request_hash: request_hash.to_owned(),
                    created_at: terms.now,
                    answer: None,
                });
                Claim::Claimed
            }
            Some(row) if row.request_hash != request_hash => Claim::OtherRequest,
            Some(row) => row.answer.clone().map_or(Claim::InFlight, Claim::Answered),
        })
    }

    async fn answer_key(&self, account_id: &str, key: &str, answer: &StoredAnswer) -> Result<(), StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let claimed = tables.idempotency_keys.iter_mut().find(|r| r.account_id == account_id && r.key == key);
        if let Some(row) = claimed.filter(|row| row.answer.is_none()) {
            row.answer = Some(answer.clone());
        }
        Ok(())
    }

    async fn release_key(&self, account_id: &str, key: &str) -> Result<(), StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        tables.idempotency_keys.retain(|r| !(r.account_id == account_id && r.key == key && r.answer.is_none()));
        Ok(())
    }

    async fn forget_keys(&self, before: Timestamp, limit: u32) -> Result<usize, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let mut forgotten = 0;
        tables.idempotency_keys.retain(|row| {
            let forget = row.created_at < before && forgotten < limit as usize;
            forgotten += usize::from(forget);
            !forget
        });
        Ok(forgotten)
    }
}
