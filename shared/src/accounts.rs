//! Operator (admin) API types: accounts and credit grants.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api_keys::ApiKey;
use crate::credits::LedgerEntryType;

/// `POST /admin/v1/accounts`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Account {
    #[schema(example = "acc_01jd3m5x8k9q2w7e4r6t8y0u1i")]
    pub id: String,
    pub name: String,
    pub created_at: String,
}

/// An account and its first API key (with `plaintext`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccountCreated {
    pub account: Account,
    pub api_key: ApiKey,
}

/// `POST /admin/v1/accounts/{id}/credits`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantCredits {
    /// Credits to add (`topup`: > 0) or to add or remove (`adjustment`: ≠ 0).
    pub delta: i64,
    #[serde(rename = "type")]
    pub entry_type: GrantType,
    #[serde(default)]
    pub memo: Option<String>,
}

/// The ledger entry types an operator may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    Topup,
    Adjustment,
}

impl From<GrantType> for LedgerEntryType {
    fn from(value: GrantType) -> Self {
        match value {
            GrantType::Topup => LedgerEntryType::Topup,
            GrantType::Adjustment => LedgerEntryType::Adjustment,
        }
    }
}
