//! The TUS surfaces' HTTP shape: which paths are uploads, the method a request means
//! (`X-HTTP-Method-Override`), and the headers every answer carries. Errors use the same
//! envelope as the rest of the API (`http::error`), plus `Tus-Resumable`.

use http::{HeaderMap, Method};

use super::ApiResponse;
use crate::domain::time::Timestamp;
use crate::domain::uploads::session::UploadSession;
use crate::domain::uploads::tus::{CHECKSUM_ALGORITHMS, EXTENSIONS, MAX_UPLOAD_BYTES, VERSION};

/// The canonical and the seed surface: their collection paths, in that order.
pub const COLLECTIONS: [&str; 2] = ["/v1/uploads", "/api/v1/assets/upload-resumable"];

/// What an upload path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadPath {
    /// The collection of `surface` (an index into `COLLECTIONS`): creation and `OPTIONS`.
    Collection { surface: usize },
    /// One upload.
    Upload { surface: usize, id: String },
}

impl UploadPath {
    pub fn parse(path: &str) -> Option<Self> {
        let path = path.strip_suffix('/').unwrap_or(path);
        COLLECTIONS.iter().enumerate().find_map(|(surface, collection)| {
            let rest = path.strip_prefix(collection)?;
            if rest.is_empty() {
                return Some(Self::Collection { surface });
            }
            let id = rest.strip_prefix('/')?;
            let valid = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            valid.then(|| Self::Upload { surface, id: id.to_owned() })
        })
    }

    /// Where an upload of this surface lives.
    pub fn location(origin: &str, surface: usize, id: &str) -> String {
        format!("{origin}{}/{id}", COLLECTIONS[surface.min(COLLECTIONS.len() - 1)])
    }
}

/// The method a request means: `X-HTTP-Method-Override` wins on a POST (TUS §"X-HTTP-Method-
/// Override", for clients that can only send GET and POST).
pub fn effective_method(method: &Method, headers: &HeaderMap) -> Method {
    let override_to = headers.get("x-http-method-override").and_then(|v| v.to_str().ok());
    match override_to.and_then(|m| Method::from_bytes(m.trim().to_ascii_uppercase().as_bytes()).ok()) {
        Some(method_override) if method == Method::POST => method_override,
        _ => method.clone(),
    }
}

/// The asset a TUS creation made, for clients that read only its headers.
pub const ASSET_ID_HEADER: &str = "roughcut-asset-id";

/// `Tus-Resumable` on every answer (TUS: "MUST be included in every response").
pub fn finish(response: ApiResponse) -> ApiResponse {
    response.with_header("tus-resumable", VERSION)
}

/// The version we speak, on a `412` for another (TUS: the server "MUST include the Tus-Version
/// header").
pub fn with_version(response: ApiResponse) -> ApiResponse {
    response.with_header("tus-version", VERSION)
}

/// `OPTIONS`: what this server supports.
pub fn options() -> ApiResponse {
    finish(
        ApiResponse::no_content()
            .with_header("tus-version", VERSION)
            .with_header("tus-extension", EXTENSIONS)
            .with_header("tus-max-size", MAX_UPLOAD_BYTES.to_string())
            .with_header("tus-checksum-algorithm", CHECKSUM_ALGORITHMS),
    )
}

/// `Upload-Expires` is an HTTP date (RFC 9110 §5.6.7).
pub fn http_date(at: Timestamp) -> String {
    chrono::DateTime::from_timestamp_millis(at.0)
        .map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_default()
}

/// `HEAD`: where the upload stands, and the metadata it was created with (TUS: "MUST" when
/// there was any); never cached.
pub fn head(session: &UploadSession) -> ApiResponse {
    let answer = ApiResponse::empty(200)
        .with_header("upload-offset", session.offset.to_string())
        .with_header("upload-length", session.length.to_string())
        .with_header("upload-expires", http_date(session.expires_at))
        .with_header("cache-control", "no-store");
    finish(match &session.metadata {
        Some(metadata) => answer.with_header("upload-metadata", metadata.clone()),
        None => answer,
    })
}

/// `PATCH`: the new offset.
pub fn patched(session: &UploadSession) -> ApiResponse {
    finish(
        ApiResponse::no_content()
            .with_header("upload-offset", session.offset.to_string())
            .with_header("upload-expires", http_date(session.expires_at)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_gives_the_metadata_back() {
        let mut session = crate::domain::uploads::testing::open_session(1_000);
        assert_eq!(head(&session).header("upload-metadata"), None, "none was sent");
        session.metadata = Some("filename dGFsay53YXY=".into());
        assert_eq!(head(&session).header("upload-metadata"), Some("filename dGFsay53YXY="));
        assert_eq!(head(&session).header("upload-length"), Some("1000"));
    }

    #[test]
    fn paths_of_both_surfaces() {
        assert_eq!(UploadPath::parse("/v1/uploads"), Some(UploadPath::Collection { surface: 0 }));
        assert_eq!(
            UploadPath::parse("/v1/uploads/upl_01ab"),
            Some(UploadPath::Upload { surface: 0, id: "upl_01ab".into() })
        );
        assert_eq!(
            UploadPath::parse("/api/v1/assets/upload-resumable/upl_9/"),
            Some(UploadPath::Upload { surface: 1, id: "upl_9".into() })
        );
        assert_eq!(UploadPath::parse("/v1/uploads/a/b"), None);
        assert_eq!(UploadPath::parse("/v1/uploadsx"), None);
        assert_eq!(UploadPath::parse("/v1/uploads/../x"), None);
        assert_eq!(UploadPath::location("https://h", 1, "upl_1"), "https://h/api/v1/assets/upload-resumable/upl_1");
    }

    #[test]
    fn overrides_apply_to_posts_only() {
        let mut headers = HeaderMap::new();
        headers.insert("x-http-method-override", "patch".parse().expect("header"));
        assert_eq!(effective_method(&Method::POST, &headers), Method::PATCH);
        assert_eq!(effective_method(&Method::GET, &headers), Method::GET);
        assert_eq!(effective_method(&Method::POST, &HeaderMap::new()), Method::POST);
    }

    #[test]
    fn options_advertise_the_extensions_and_dates_are_http_dates() {
        let response = options();
        assert_eq!(response.header("tus-resumable"), Some("1.0.0"));
        assert_eq!(response.header("tus-max-size"), Some("53687091200"));
        assert_eq!(response.header("tus-checksum-algorithm"), Some("sha1,md5,sha256"));
        assert_eq!(http_date(Timestamp(1_794_000_000_000)), "Fri, 06 Nov 2026 21:20:00 GMT");
    }
}
