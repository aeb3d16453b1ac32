//! The engine's one error type. Every failure, hostile input included, ends here with a stable
//! machine code (the code is the contract; the message is for humans and may change).

/// Stable codes; callers branch on these (the API maps them to `error_code`s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The bytes are no media format the engine reads.
    Unsupported,
    /// The input ends before a structure it declares.
    Truncated,
    /// A structure contradicts itself or the format's rules.
    Malformed,
    /// The input asks for more than the engine's limits allow (tracks, table sizes, memory).
    LimitExceeded,
    /// Reading the input failed (file, Blob, object store).
    Io,
    /// The caller's request is impossible for this input (spans outside it, out of order).
    InvalidArgument,
    /// An external encoder (ffmpeg.wasm) could not be loaded or failed.
    EncodeFailed,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unsupported => "unsupported_media",
            Self::Truncated => "truncated_media",
            Self::Malformed => "malformed_media",
            Self::LimitExceeded => "media_limit_exceeded",
            Self::Io => "read_failed",
            Self::InvalidArgument => "invalid_argument",
            Self::EncodeFailed => "encode_failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineError {
    pub code: ErrorCode,
    pub message: String,
    /// The input field at fault, as a path (`words[3].end`, `options.margin_seconds`), when the
    /// input is structured data rather than media bytes.
    pub field: Option<String>,
}

impl EngineError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), field: None }
    }

    /// The same error, blamed on `field`.
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unsupported, message)
    }

    pub fn truncated(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Truncated, message)
    }

    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Malformed, message)
    }

    pub fn limit(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::LimitExceeded, message)
    }

    pub fn io(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Io, message)
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidArgument, message)
    }
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}: {field}: {}", self.code.as_str(), self.message),
            None => write!(f, "{}: {}", self.code.as_str(), self.message),
        }
    }
}

impl std::error::Error for EngineError {}

pub type Result<T> = std::result::Result<T, EngineError>;
