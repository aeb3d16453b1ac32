//! The only place where failures become HTTP responses: the error envelope of API.md, with one
//! status per code. Internal causes go to the log under the request id, never to the client.

use roughcut_shared::{ErrorBody, ErrorCode, ErrorEnvelope, FieldError};

use super::ApiResponse;
use crate::domain::DomainError;
use crate::domain::ports::Log;
use crate::domain::uploads::UploadError;

/// A failed request, on its way to becoming the error envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    fields: Vec<FieldError>,
    /// `Allow` for 405.
    allow: Option<String>,
    /// `Retry-After` (seconds) for 409 `asset_processing` or an idempotency key in use, and 429.
    retry_after: Option<u32>,
    /// For the log only.
    cause: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), fields: Vec::new(), allow: None, retry_after: None, cause: None }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "A valid API key is required: `Authorization: Bearer sk_…`.")
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("No such {what}."))
    }

    pub fn method_not_allowed(allow: &str) -> Self {
        Self {
            allow: Some(allow.to_owned()),
            ..Self::new(ErrorCode::MethodNotAllowed, format!("This path serves {allow}."))
        }
    }

    /// 429: the caller spent its budget; it may try again after `retry_after` seconds.
    pub fn rate_limited(retry_after: u32) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(ErrorCode::RateLimited, format!("Too many requests; try again in {retry_after} seconds."))
        }
    }

    pub fn validation(fields: Vec<FieldError>) -> Self {
        Self {
            fields,
            ..Self::new(ErrorCode::ValidationError, "The request is well-formed but not valid; see `fields`.")
        }
    }

    /// Anything unexpected. `cause` is logged; the client sees only a request id.
    pub fn internal(cause: impl Into<String>) -> Self {
        Self { cause: Some(cause.into()), ..Self::new(ErrorCode::InternalError, "Something went wrong on our side.") }
    }

    /// The same error, telling the client when to try again.
    pub fn with_retry_after(self, seconds: u32) -> Self {
        Self { retry_after: Some(seconds), ..self }
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn into_response(self, request_id: &str, log: &dyn Log) -> ApiResponse {
        let status = self.code.status();
        let request_id = if status >= 500 {
            let cause = self.cause.as_deref().unwrap_or("no cause recorded");
            log.error(request_id, &format!("{} {}: {cause}", status, self.code.as_str()));
            Some(request_id.to_owned())
        } else {
            None
        };
        let envelope = ErrorEnvelope {
            error: ErrorBody { code: self.code, message: self.message, fields: self.fields, request_id },
        };
        let mut response = ApiResponse::json(status, &envelope);
        if let Some(allow) = self.allow {
            response = response.with_header("allow", allow);
        }
        if let Some(seconds) = self.retry_after {
            response = response.with_header("retry-after", seconds.to_string());
        }
        response
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Unauthenticated => Self::unauthenticated(),
            DomainError::NotFound(what) => Self::not_found(what),
            DomainError::Invalid(fields) => Self::validation(fields),
            DomainError::InsufficientCredits => {
                Self::new(ErrorCode::InsufficientCredits, "Not enough available credits for this operation.")
            }
            DomainError::TooLarge(message) => Self::new(ErrorCode::PayloadTooLarge, message),
            DomainError::Conflict(message) => Self::new(ErrorCode::Conflict, message),
            DomainError::AssetProcessing { retry_after_seconds } => Self {
                retry_after: Some(retry_after_seconds),
                ..Self::new(ErrorCode::AssetProcessing, "The asset is still being processed; retry shortly.")
            },
            DomainError::AssetPaymentRequired => Self::new(
                ErrorCode::AssetPaymentRequired,
                "The asset is processed but unpaid; it becomes usable when the account is topped up.",
            ),
            DomainError::AssetFailed => {
                Self::new(ErrorCode::AssetFailed, "The asset's processing failed; see its error_code.")
            }
            DomainError::AssetNotReady => Self::new(
                ErrorCode::AssetNotReady,
                "A video render needs the asset's video processed (`ready`); audio renders need only `cuttable`.",
            ),
            DomainError::NotReady(message) => Self::new(ErrorCode::ModifierNotReady, message),
            DomainError::UnsupportedFormat(message) => Self::new(ErrorCode::UnsupportedFormat, message),
            DomainError::Store(cause) => Self::internal(format!("store: {cause}")),
        }
    }
}

impl From<UploadError> for ApiError {
    fn from(error: UploadError) -> Self {
        match error {
            UploadError::PreconditionFailed => {
                Self::new(ErrorCode::PreconditionFailed, "This server speaks TUS 1.0.0: send `Tus-Resumable: 1.0.0`.")
            }
            UploadError::BadRequest(message) => Self::bad_request(message),
            UploadError::TooLarge(message) => Self::new(ErrorCode::PayloadTooLarge, message),
            UploadError::OffsetMismatch { expected } => {
                Self::new(ErrorCode::Conflict, format!("Upload-Offset does not match the upload's offset, {expected}."))
            }
            UploadError::Busy => {
                Self::new(ErrorCode::Conflict, "Another request is writing this upload; retry shortly.")
            }
            UploadError::ChecksumMismatch => Self::new(
                ErrorCode::ChecksumMismatch,
                "Upload-Checksum does not match the chunk; the chunk was dropped.",
            ),
            UploadError::UnsupportedMedia => Self::new(
                ErrorCode::UnsupportedMediaType,
                "The file is no audio or video format we read; the upload is cancelled.",
            ),
            UploadError::NotFound => Self::not_found("upload"),
            UploadError::Store(cause) => Self::internal(format!("store: {cause}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::CapturedLog;

    fn body(response: &ApiResponse) -> serde_json::Value {
        serde_json::from_slice(&response.body).expect("json")
    }

    #[test]
    fn internal_errors_hide_their_cause_and_log_it() {
        let log = CapturedLog::default();
        let response = ApiError::internal("D1_ERROR: no such table: secrets").into_response("req_1", &log);
        assert_eq!(response.status, 500);
        let text = String::from_utf8(response.body.clone()).expect("utf8");
        assert!(!text.contains("secrets"), "{text}");
        assert_eq!(body(&response)["error"]["request_id"], "req_1");
        assert_eq!(body(&response)["error"]["code"], "internal_error");
        assert_eq!(log.0.borrow().len(), 1);
        assert!(log.0.borrow()[0].contains("no such table: secrets"));
    }

    #[test]
    fn client_errors_carry_no_request_id_and_are_not_logged() {
        let log = CapturedLog::default();
        let response =
            ApiError::validation(vec![FieldError { field: "body.name".into(), message: "must not be empty".into() }])
                .into_response("req_1", &log);
        assert_eq!(response.status, 422);
        let json = body(&response);
        assert_eq!(json["error"]["fields"][0]["field"], "body.name");
        assert!(json["error"].get("request_id").is_none());
        assert!(log.0.borrow().is_empty());
    }

    #[test]
    fn every_code_renders_with_its_status() {
        let log = CapturedLog::default();
        for code in ErrorCode::ALL {
            let response = ApiError::new(code, "x").into_response("req", &log);
            assert_eq!(response.status, code.status());
            assert_eq!(body(&response)["error"]["code"], code.as_str());
        }
    }
}
