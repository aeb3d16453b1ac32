//! Responses as plain data, turned into workerd responses by the adapter.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: u16,
    /// Lowercase names.
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl ApiResponse {
    /// A JSON response. Our DTOs always serialise; if one ever did not, the client gets an
    /// `internal_error` body rather than a half-written one.
    pub fn json<T: Serialize>(status: u16, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Self { status, headers: vec![("content-type", "application/json".to_owned())], body },
            Err(_) => Self {
                status: 500,
                headers: vec![("content-type", "application/json".to_owned())],
                body: br#"{"error":{"code":"internal_error","message":"Response could not be encoded."}}"#.to_vec(),
            },
        }
    }

    /// A file to download: its text, type and `Content-Disposition: attachment` name.
    pub fn attachment(body: String, content_type: &str, filename: &str) -> Self {
        Self {
            status: 200,
            headers: vec![
                ("content-type", content_type.to_owned()),
                ("content-disposition", crate::domain::downloads::content_disposition(filename)),
            ],
            body: body.into_bytes(),
        }
    }

    /// `status` with no headers and no body.
    pub fn empty(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: Vec::new() }
    }

    pub fn no_content() -> Self {
        Self::empty(204)
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| *key == name).map(|(_, value)| value.as_str())
    }
}
