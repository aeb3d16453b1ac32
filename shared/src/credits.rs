//! Credits: the balance and the append-only ledger behind it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /v1/credits/balance`. `available = balance − reserved`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Balance {
    /// Sum of the settled ledger entries (everything but `hold` and `release`).
    pub balance: i64,
    /// Sum of the open holds.
    pub reserved: i64,
    pub available: i64,
}

/// What a ledger entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LedgerEntryType {
    Topup,
    ConsumeAsset,
    Hold,
    Release,
    Refund,
    Adjustment,
    Expiry,
}

impl LedgerEntryType {
    pub const ALL: [LedgerEntryType; 7] =
        [Self::Topup, Self::ConsumeAsset, Self::Hold, Self::Release, Self::Refund, Self::Adjustment, Self::Expiry];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Topup => "topup",
            Self::ConsumeAsset => "consume_asset",
            Self::Hold => "hold",
            Self::Release => "release",
            Self::Refund => "refund",
            Self::Adjustment => "adjustment",
            Self::Expiry => "expiry",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == value)
    }

    /// Holds and releases are kept for audit but are not part of `balance`.
    pub const fn is_settled(self) -> bool {
        !matches!(self, Self::Hold | Self::Release)
    }
}

/// One line of `GET /v1/credits/history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LedgerEntry {
    #[schema(example = "led_01jd3m5x8k9q2w7e4r6t8y0u1i")]
    pub id: String,
    #[serde(rename = "type")]
    pub entry_type: LedgerEntryType,
    pub delta: i64,
    pub asset_id: Option<String>,
    pub pipeline_id: Option<String>,
    pub created_at: String,
    pub memo: Option<String>,
}
