//! What processing stores and reads: an asset's processing facts, the settlement that charges it,
//! its terminal events, the bytes it writes beside them, and the transcriber it sends speech to.

use async_trait::async_trait;
use roughcut_engine::transcript::Word;
use roughcut_shared::assets::{AssetMedia, AssetState, AssetType};

use super::Failed;
use crate::domain::StoreError;
use crate::domain::time::Timestamp;

/// Which of an asset's files a transcript came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TranscriptSource {
    Provider,
    User,
}

impl TranscriptSource {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::User => "user",
        }
    }
}

/// What probing found, as the asset records it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeRecord {
    pub asset_type: AssetType,
    pub duration_ms: u64,
    pub media: AssetMedia,
    pub analysis_key: Option<String>,
}

/// An asset's processing facts beyond the API's fields.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProcessingFacts {
    pub analysis_key: Option<String>,
    pub transcript_key: Option<String>,
    pub transcript_source: Option<String>,
    pub proxy_duration_ms: Option<u64>,
    /// Credits already charged (the `consume_asset` entry, positive), and adjustments since.
    pub charged: Option<i64>,
}

/// How a settlement left the asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// Charged (now or before) and `ready`.
    Ready,
    /// Charged (now or before) and cuttable while its video is still on its way.
    Cuttable,
    /// Not enough available credits: `pending_payment`.
    PendingPayment,
    /// The asset is in no state to settle (deleted, failed, settled already): nothing changed.
    Unchanged,
}

/// What a settlement charges and for which outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub account_id: String,
    pub asset_id: String,
    pub credits: i64,
    /// Ids for what the settlement may write (the ledger entry, the event).
    pub entry_id: String,
    pub event_id: String,
    /// Settle an audio proxy: cuttable without leaving the upload's states.
    pub proxy: bool,
    /// For a video whose proxy was charged: the difference its own duration makes. The asset is
    /// `ready` only once this is booked too; a debit the account cannot cover leaves it
    /// `pending_payment` like any unpaid charge.
    pub correction: Option<Correction>,
    /// An open pipeline's hold on this charge: released as the charge is booked, in the same
    /// transaction, and counted as available to it (the quote reserved these credits for it).
    pub hold: Option<HoldSpend>,
    pub at: Timestamp,
}

/// A pipeline's hold that pays for a charge: its `release` entry, booked with the charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldSpend {
    pub pipeline_id: String,
    pub hold_id: String,
    pub amount: i64,
    pub release_entry_id: String,
}

impl Charge {
    /// The states an asset settles from: an audio proxy while its video uploads or is processed
    /// (and not yet cuttable); a video or audio file once processed, or while it waits unpaid.
    pub const fn settles_from(&self) -> [AssetState; 2] {
        if self.proxy {
            [AssetState::PendingUpload, AssetState::Processing]
        } else {
            [AssetState::Processing, AssetState::PendingPayment]
        }
    }
}

/// An `adjustment` of a charge already booked, at most one per asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub entry_id: String,
    /// Credits to the account (negative: a debit).
    pub delta: i64,
    pub memo: String,
}

/// A recorded terminal event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub id: String,
    pub account_id: String,
    pub event_type: String,
    pub entity_id: String,
    pub asset_id: Option<String>,
    pub created_at: Timestamp,
}

#[async_trait(?Send)]
pub trait ProcessingStore {
    async fn facts(&self, asset_id: &str) -> Result<ProcessingFacts, StoreError>;
    /// Records a probe on an asset still `processing`; `false` when it is not.
    async fn record_probe(&self, asset_id: &str, probe: &ProbeRecord, at: Timestamp) -> Result<bool, StoreError>;
    /// Records the processed audio proxy of an asset whose video is not processed yet.
    async fn record_proxy(
        &self,
        asset_id: &str,
        duration_ms: u64,
        analysis_key: Option<&str>,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
    async fn record_transcript(
        &self,
        asset_id: &str,
        key: &str,
        source: TranscriptSource,
        at: Timestamp,
    ) -> Result<(), StoreError>;
    /// In one transaction: the `consume_asset` entry appended unless the asset has one or the
    /// account's available credits are short, then the state that follows (`ready`, cuttable, or
    /// `pending_payment`) with its event recorded once.
    async fn settle(&self, charge: &Charge) -> Result<Settlement, StoreError>;
    /// `processing` → `failed` with its event; `false` when the asset was not processing.
    async fn fail_asset(&self, asset_id: &str, failed: &Failed<'_>) -> Result<bool, StoreError>;
    /// The account's `pending_payment` assets, oldest first.
    async fn unpaid_assets(&self, account_id: &str, limit: u32) -> Result<Vec<(String, u64)>, StoreError>;
    /// The account's events, oldest first (those of one millisecond in the order they were
    /// inserted).
    async fn events(&self, account_id: &str) -> Result<Vec<EventRecord>, StoreError>;
}

/// Why a chunk was not transcribed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscribeError {
    /// For logs only.
    pub message: String,
    /// Another try may work (a rate limit, a 5xx, the network).
    pub retryable: bool,
}

#[async_trait(?Send)]
pub trait Transcriber {
    /// The words of one 16-bit mono WAV chunk, timed from the chunk's start.
    async fn transcribe(&self, wav: Vec<u8>, language: Option<&str>) -> Result<Vec<Word>, TranscribeError>;
}
