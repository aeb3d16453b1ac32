//! The outcomes of domain operations that are not success. HTTP knows how to show each one
//! (`http::error` is the only place that maps them to statuses and codes).

use roughcut_shared::FieldError;

/// A failure of the storage behind a port. Its text is for the logs only, never for a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainError {
    /// The credential is missing, unknown or revoked.
    Unauthenticated,
    /// The thing does not exist for this account (another account's thing included).
    NotFound(&'static str),
    /// Well-formed input that breaks a rule.
    Invalid(Vec<FieldError>),
    /// The operation would take the available balance below zero.
    InsufficientCredits,
    /// More bytes than the API accepts.
    TooLarge(String),
    /// The resource's state does not allow this now.
    Conflict(String),
    /// The asset is not cuttable yet; ask again after this many seconds.
    AssetProcessing {
        retry_after_seconds: u32,
    },
    /// The asset is processed but unpaid (`pending_payment`).
    AssetPaymentRequired,
    /// The asset's processing failed.
    AssetFailed,
    /// A video render needs the asset's video processed (`ready`).
    AssetNotReady,
    /// What the request builds on (a cut) is not completed.
    NotReady(String),
    /// The format exists but this resource cannot give it (subtitles of a cut without words).
    UnsupportedFormat(String),
    Store(StoreError),
}

impl From<StoreError> for DomainError {
    fn from(value: StoreError) -> Self {
        Self::Store(value)
    }
}

impl DomainError {
    /// One invalid field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError { field: field.to_owned(), message: message.into() }])
    }
}
