//! Idempotency keys in D1: a claim is one batch (forget the key's expired or abandoned claim,
//! insert the new one unless a claim stands, read what stands), so racing requests get one claim.

use async_trait::async_trait;
use serde::Deserialize;

use super::SqlStore;
use super::sql::{Sql, Statement, number, optional_text, text, time};
use crate::domain::StoreError;
use crate::domain::ports::idempotency::{Claim, ClaimTerms, IdempotencyStore, StoredAnswer};
use crate::domain::time::Timestamp;

#[derive(Deserialize)]
struct KeyRow {
    request_hash: String,
    status: Option<u16>,
    content_type: Option<String>,
    location: Option<String>,
    headers_json: Option<String>,
    body: Option<String>,
}

/// The columns an answer's headers are kept in: Content-Type and Location in their own (from
/// before the others were kept), the rest as JSON.
const OWN_COLUMNS: [&str; 2] = ["content-type", "location"];

impl KeyRow {
    fn headers(&self) -> Result<Vec<(String, String)>, StoreError> {
        let own = OWN_COLUMNS.iter().zip([&self.content_type, &self.location]);
        let mut headers: Vec<(String, String)> =
            own.filter_map(|(name, value)| Some(((*name).to_owned(), value.clone()?))).collect();
        if let Some(json) = &self.headers_json {
            let others: Vec<(String, String)> =
                serde_json::from_str(json).map_err(|e| StoreError(format!("unreadable kept headers: {e}")))?;
            headers.extend(others);
        }
        Ok(headers)
    }
}

#[async_trait(?Send)]
impl<S: Sql> IdempotencyStore for SqlStore<S> {
    async fn claim_key(
        &self,
        account_id: &str,
        key: &str,
        request_hash: &str,
        terms: ClaimTerms,
    ) -> Result<Claim, StoreError> {
        let statements = vec![
            Statement::new(
                "DELETE FROM idempotency_keys WHERE account_id = ?1 AND idempotency_key = ?2 \
                 AND (created_at < ?3 OR (status IS NULL AND created_at < ?4))",
                &[text(account_id), text(key), time(terms.expired_before), time(terms.abandoned_before)],
            ),
            Statement::new(
                "INSERT OR IGNORE INTO idempotency_keys (account_id, idempotency_key, request_hash, created_at) \
                 VALUES (?1, ?2, ?3, ?4)",
                &[text(account_id), text(key), text(request_hash), time(terms.now)],
            ),
            Statement::new(
                "SELECT request_hash, status, content_type, location, headers_json, body FROM idempotency_keys \
                 WHERE account_id = ?1 AND idempotency_key = ?2",
                &[text(account_id), text(key)],
            ),
        ];
        let answers = self.sql.batch(statements).await?;
        let [_, inserted, standing] = answers.as_slice() else {
            return Err(StoreError(format!("batch returned {} results for 3 statements", answers.len())));
        };
        if inserted.changes > 0 {
            return Ok(Claim::Claimed);
        }
        let row =
            standing.first::<KeyRow>()?.ok_or_else(|| StoreError(format!("key {key} neither claimed nor standing")))?;
        Ok(if row.request_hash != request_hash {
            Claim::OtherRequest
        } else {
            match row.status {
                None => Claim::InFlight,
                Some(status) => Claim::Answered(StoredAnswer {
                    status,
                    headers: row.headers()?,
                    body: row.body.unwrap_or_default(),
                }),
            }
        })
    }

    async fn answer_key(&self, account_id: &str, key: &str, answer: &StoredAnswer) -> Result<(), StoreError> {
        let own = |name: &str| answer.headers.iter().find(|(n, _)| n == name).map(|(_, value)| value.as_str());
        let others: Vec<&(String, String)> =
            answer.headers.iter().filter(|(name, _)| !OWN_COLUMNS.contains(&name.as_str())).collect();
        let others = (!others.is_empty())
            .then(|| serde_json::to_string(&others))
            .transpose()
            .map_err(|e| StoreError(format!("kept headers: {e}")))?;
        self.execute(
            "UPDATE idempotency_keys SET status = ?3, content_type = ?4, location = ?5, headers_json = ?6, body = ?7 \
             WHERE account_id = ?1 AND idempotency_key = ?2 AND status IS NULL",
            &[
                text(account_id),
                text(key),
                number(i64::from(answer.status)),
                optional_text(own("content-type")),
                optional_text(own("location")),
                optional_text(others.as_deref()),
                text(&answer.body),
            ],
        )
        .await?;
        Ok(())
    }

    async fn release_key(&self, account_id: &str, key: &str) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM idempotency_keys WHERE account_id = ?1 AND idempotency_key = ?2 AND status IS NULL",
            &[text(account_id), text(key)],
        )
        .await?;
        Ok(())
    }

    async fn forget_keys(&self, before: Timestamp, limit: u32) -> Result<usize, StoreError> {
        self.execute(
            "DELETE FROM idempotency_keys WHERE rowid IN \
             (SELECT rowid FROM idempotency_keys WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)",
            &[time(before), number(i64::from(limit))],
        )
        .await
    }
}
