//! The error envelope and the code table of API.md: one stable machine code per error, each tied
//! to exactly one HTTP status (the tusd way), so clients branch on `code`, never on prose.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every machine-readable error code the API can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthenticated,
    InsufficientCredits,
    /// Not in API.md's table: a download URL that was tampered with or has expired (the issue's
    /// "tampered or expired → 403").
    Forbidden,
    NotFound,
    /// Not in API.md's table: a known path asked with a method it does not serve. Answering 404
    /// there would tell a client with a typo'd verb that the resource is missing.
    MethodNotAllowed,
    Conflict,
    AssetProcessing,
    AssetPaymentRequired,
    AssetFailed,
    AssetNotReady,
    ModifierNotReady,
    UnsupportedFormat,
    PreconditionFailed,
    PayloadTooLarge,
    UnsupportedMediaType,
    /// Not in API.md's table: a download `Range` with no byte of the object in it (RFC 9110 §15.5.17).
    RangeNotSatisfiable,
    ValidationError,
    RateLimited,
    ChecksumMismatch,
    InternalError,
}

impl ErrorCode {
    /// Every code, in the order of API.md's table (for docs and exhaustive tests).
    pub const ALL: [ErrorCode; 21] = [
        Self::BadRequest,
        Self::Unauthenticated,
        Self::InsufficientCredits,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Conflict,
        Self::AssetProcessing,
        Self::AssetPaymentRequired,
        Self::AssetFailed,
        Self::AssetNotReady,
        Self::ModifierNotReady,
        Self::UnsupportedFormat,
        Self::PreconditionFailed,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::RangeNotSatisfiable,
        Self::ValidationError,
        Self::RateLimited,
        Self::ChecksumMismatch,
        Self::InternalError,
    ];

    /// The one HTTP status this code is always sent with.
    pub const fn status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Unauthenticated => 401,
            Self::InsufficientCredits => 402,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict
            | Self::AssetProcessing
            | Self::AssetPaymentRequired
            | Self::AssetFailed
            | Self::AssetNotReady
            | Self::ModifierNotReady
            | Self::UnsupportedFormat => 409,
            Self::PreconditionFailed => 412,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::RangeNotSatisfiable => 416,
            Self::ValidationError => 422,
            Self::RateLimited => 429,
            // TUS checksum extension: https://tus.io/protocols/resumable-upload#checksum
            Self::ChecksumMismatch => 460,
            Self::InternalError => 500,
        }
    }

    /// The code as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthenticated => "unauthenticated",
            Self::InsufficientCredits => "insufficient_credits",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::AssetProcessing => "asset_processing",
            Self::AssetPaymentRequired => "asset_payment_required",
            Self::AssetFailed => "asset_failed",
            Self::AssetNotReady => "asset_not_ready",
            Self::ModifierNotReady => "modifier_not_ready",
            Self::UnsupportedFormat => "unsupported_format",
            Self::PreconditionFailed => "precondition_failed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::RangeNotSatisfiable => "range_not_satisfiable",
            Self::ValidationError => "validation_error",
            Self::RateLimited => "rate_limited",
            Self::ChecksumMismatch => "checksum_mismatch",
            Self::InternalError => "internal_error",
        }
    }
}

/// One invalid input of a `validation_error`, named by its path (`body.output.format`,
/// `query.limit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// Only for `validation_error`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// Only on 5xx: quote it when reporting the problem; the cause is in the logs under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).expect("serialise");
            assert_eq!(json, code.as_str(), "{code:?}");
        }
    }

    #[test]
    fn statuses_follow_the_api_table() {
        let by_status = |s: u16| ErrorCode::ALL.iter().filter(|c| c.status() == s).count();
        assert_eq!(by_status(409), 7);
        assert_eq!(ErrorCode::ChecksumMismatch.status(), 460);
        assert!(ErrorCode::ALL.iter().all(|c| (400..600).contains(&c.status())));
    }
}
