//! What every response carries, whichever path made it (the API, TUS, downloads, job links): a
//! `request-id`, and CORS so that browser apps and the SDK on other origins can call the API.

use http::{HeaderMap, Method};

use super::ApiResponse;

/// The response headers a browser script may read: TUS needs its upload headers, clients want
/// `request-id` for support, `Retry-After` for backoff and `Idempotent-Replayed` to tell a replay.
pub const EXPOSED_HEADERS: &str = "Location, Upload-Offset, Upload-Length, Upload-Expires, Upload-Metadata, \
     Upload-Defer-Length, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm, \
     Retry-After, request-id, Idempotent-Replayed, Roughcut-Asset-Id, Content-Disposition, Content-Range, \
     Content-Length, Accept-Ranges";

const ALLOWED_METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

/// How long a browser may reuse a preflight's answer (Chromium caps it at 2 hours).
const PREFLIGHT_MAX_AGE_SECONDS: u32 = 7200;

/// Which origins may call the API from a browser.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CorsPolicy {
    /// Same-origin only.
    #[default]
    Closed,
    Any,
    Origins(Vec<String>),
}

impl CorsPolicy {
    /// The `CORS_ALLOWED_ORIGINS` setting: `*`, or origins separated by commas
    /// (`https://app.example.com,https://studio.example.com`); unset or empty: no origin.
    pub fn parse(setting: Option<&str>) -> Self {
        let origins: Vec<String> = setting
            .unwrap_or("")
            .split(',')
            .map(|origin| origin.trim().trim_end_matches('/').to_ascii_lowercase())
            .filter(|origin| !origin.is_empty())
            .collect();
        if origins.iter().any(|origin| origin == "*") {
            Self::Any
        } else if origins.is_empty() {
            Self::Closed
        } else {
            Self::Origins(origins)
        }
    }

    fn allows(&self, origin: &str) -> bool {
        match self {
            Self::Closed => false,
            Self::Any => true,
            Self::Origins(origins) => origins.iter().any(|allowed| allowed.eq_ignore_ascii_case(origin)),
        }
    }

    /// The answer to a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`), or `None`
    /// when the request is no preflight (TUS's own `OPTIONS` is answered by its handler). An
    /// origin not allowed gets a 204 without permissions, which the browser enforces.
    pub fn preflight(&self, method: &Method, headers: &HeaderMap) -> Option<ApiResponse> {
        if method != Method::OPTIONS || !headers.contains_key("access-control-request-method") {
            return None;
        }
        let mut response = ApiResponse::no_content().with_header("vary", "Origin");
        let origin = header(headers, "origin").filter(|origin| self.allows(origin));
        if let Some(origin) = origin {
            // the headers the script asked for, as far as they are header names
            let requested = header(headers, "access-control-request-headers").unwrap_or("");
            let names: Vec<&str> = requested
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
                .collect();
            response = response
                .with_header("access-control-allow-origin", origin)
                .with_header("access-control-allow-methods", ALLOWED_METHODS)
                .with_header("access-control-max-age", PREFLIGHT_MAX_AGE_SECONDS.to_string());
            if !names.is_empty() {
                response = response.with_header("access-control-allow-headers", names.join(", "));
            }
        }
        Some(response)
    }

    /// The CORS headers of a response to a request from `origin`.
    pub fn response_headers(&self, origin: Option<&str>) -> Vec<(&'static str, String)> {
        match origin.filter(|origin| self.allows(origin)) {
            Some(origin) => vec![
                ("access-control-allow-origin", origin.to_owned()),
                ("access-control-expose-headers", EXPOSED_HEADERS.to_owned()),
                ("vary", "Origin".to_owned()),
            ],
            None if *self == Self::Closed => Vec::new(),
            // the answer depends on the origin: caches must not serve it to another
            None => vec![("vary", "Origin".to_owned())],
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn request_headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_str(value).expect("value"));
        }
        headers
    }

    #[test]
    fn the_setting_lists_origins_or_any() {
        assert_eq!(CorsPolicy::parse(None), CorsPolicy::Closed);
        assert_eq!(CorsPolicy::parse(Some(" ")), CorsPolicy::Closed);
        assert_eq!(CorsPolicy::parse(Some("*")), CorsPolicy::Any);
        assert_eq!(
            CorsPolicy::parse(Some("https://App.example.com/, https://b.example")),
            CorsPolicy::Origins(vec!["https://app.example.com".into(), "https://b.example".into()])
        );
    }

    #[test]
    fn preflights_of_allowed_origins_get_the_methods_and_headers_asked_for() {
        let policy = CorsPolicy::parse(Some("https://app.example"));
        let asked = request_headers(&[
            ("origin", "https://app.example"),
            ("access-control-request-method", "PATCH"),
            ("access-control-request-headers", "authorization, tus-resumable, upload-offset, content-type"),
        ]);
        let answer = policy.preflight(&Method::OPTIONS, &asked).expect("a preflight");
        assert_eq!(answer.status, 204);
        assert_eq!(answer.header("access-control-allow-origin"), Some("https://app.example"));
        assert!(answer.header("access-control-allow-methods").is_some_and(|m| m.contains("PATCH")));
        assert_eq!(
            answer.header("access-control-allow-headers"),
            Some("authorization, tus-resumable, upload-offset, content-type")
        );
        let stranger = request_headers(&[("origin", "https://evil.example"), ("access-control-request-method", "GET")]);
        let refused = policy.preflight(&Method::OPTIONS, &stranger).expect("still answered");
        assert_eq!(refused.header("access-control-allow-origin"), None);
        // TUS's discovery OPTIONS is no preflight
        assert!(policy.preflight(&Method::OPTIONS, &request_headers(&[("origin", "https://app.example")])).is_none());
        assert!(policy.preflight(&Method::GET, &asked).is_none());
    }

    #[test]
    fn responses_expose_the_upload_and_support_headers_to_allowed_origins() {
        let any = CorsPolicy::Any;
        let headers = any.response_headers(Some("http://localhost:5173"));
        let value = |name: &str| headers.iter().find(|(key, _)| *key == name).map(|(_, v)| v.as_str());
        assert_eq!(value("access-control-allow-origin"), Some("http://localhost:5173"));
        let exposed = value("access-control-expose-headers").unwrap_or("");
        for name in ["Location", "Upload-Offset", "Upload-Length", "Upload-Expires", "Tus-Resumable", "Retry-After"] {
            assert!(exposed.contains(name), "{name} is exposed");
        }
        assert!(exposed.contains("request-id"));
        assert!(CorsPolicy::Closed.response_headers(Some("https://app.example")).is_empty());
        let listed = CorsPolicy::parse(Some("https://app.example"));
        assert_eq!(listed.response_headers(Some("https://evil.example")), vec![("vary", "Origin".to_owned())]);
    }
}
