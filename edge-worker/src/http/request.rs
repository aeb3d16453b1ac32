//! Requests as plain data (filled by the adapter from workerd's request) and their parsing:
//! bearer tokens, query strings and JSON bodies, each failure mapped to its API error.

use http::{HeaderMap, Method};
use roughcut_shared::FieldError;
use serde::de::DeserializeOwned;

use super::ApiError;
use roughcut_shared::ErrorCode;

/// JSON bodies larger than this are refused with 413 before they are parsed. Uploads (TUS) do not
/// go through here: they stream to R2. Room for the largest body API.md allows: a script of
/// 100,000 characters, each written as an escaped surrogate pair (`\ud83c\udfac`, 12 bytes).
pub const MAX_JSON_BODY_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestBody {
    Bytes(Vec<u8>),
    /// The body exceeded `MAX_JSON_BODY_BYTES` and was not read further.
    TooLarge,
}

#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    /// `https://host[:port]`: where this deployment's own URLs start.
    pub origin: String,
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    pub headers: HeaderMap,
    pub body: RequestBody,
}

/// The token of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 6750 §2.1).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl ApiRequest {
    pub fn bearer(&self) -> Option<&str> {
        bearer_token(&self.headers)
    }

    /// The query string as `T`; unknown parameters and bad values are a `bad_request`.
    pub fn query<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_urlencoded::from_str(&self.query)
            .map_err(|err| ApiError::bad_request(format!("Invalid query string: {err}.")))
    }

    /// The body as JSON `T`. Not JSON → 415; too large → 413; not parseable → 400; the wrong
    /// shape (missing or unknown fields, wrong types) → 422 naming the field.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let bytes = match &self.body {
            RequestBody::TooLarge => {
                return Err(ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("JSON bodies are limited to {MAX_JSON_BODY_BYTES} bytes."),
                ));
            }
            RequestBody::Bytes(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => b"{}".as_slice(),
            RequestBody::Bytes(bytes) => {
                if !self.is_json() {
                    return Err(ApiError::new(
                        ErrorCode::UnsupportedMediaType,
                        "Send JSON with `Content-Type: application/json`.",
                    ));
                }
                bytes.as_slice()
            }
        };
        // Syntax first, shape second: `[1,2` is malformed JSON (400), even though its first
        // element would already be the wrong type.
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|err| malformed(&err))?;
        // every body is an object: serde would read a list into a struct by position
        if !value.is_object() {
            return Err(ApiError::validation(vec![FieldError {
                field: "body".into(),
                message: "expected an object".into(),
            }]));
        }
        serde_path_to_error::deserialize(value).map_err(|err| {
            let path = err.path().to_string();
            let message = readable(&strip_position(&err.into_inner().to_string()));
            ApiError::validation(vec![FieldError { field: field_name(&path, &message), message }])
        })
    }

    /// The body as JSON text for a reader that parses it itself (a transcript's word list):
    /// malformed JSON is a 400 here, as for every other JSON body; its shape is the reader's.
    pub fn json_text(&self) -> Result<&str, ApiError> {
        let text = self.text()?;
        serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|err| malformed(&err))?;
        Ok(text)
    }

    /// The body as UTF-8 text (transcripts in SRT or WebVTT): too large → 413, not UTF-8 → 400.
    pub fn text(&self) -> Result<&str, ApiError> {
        match &self.body {
            RequestBody::TooLarge => Err(ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("Bodies are limited to {MAX_JSON_BODY_BYTES} bytes."),
            )),
            RequestBody::Bytes(bytes) => {
                std::str::from_utf8(bytes).map_err(|_| ApiError::bad_request("The body is not UTF-8 text."))
            }
        }
    }

    fn is_json(&self) -> bool {
        let Some(value) = self.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let essence = value.split(';').next().unwrap_or("").trim();
        essence.eq_ignore_ascii_case("application/json")
    }
}

/// The field a shape error is about, as `body.a.b`. serde reports a missing field at the path of
/// the object that lacks it, so its name is taken from the message ("missing field `format`").
fn field_name(path: &str, message: &str) -> String {
    let mut field = if path == "." { "body".to_owned() } else { format!("body.{path}") };
    let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split_once('`')).map(|(name, _)| name);
    if let Some(name) = missing {
        field.push('.');
        field.push_str(name);
    }
    field
}

fn malformed(error: &serde_json::Error) -> ApiError {
    ApiError::bad_request(format!("Malformed JSON: {}.", strip_position(&error.to_string())))
}

/// serde's message with the Rust type it expected said in JSON's terms: "expected f64" is
/// "expected a number", "expected struct CutOptions" is "expected an object".
fn readable(message: &str) -> String {
    let Some((head, expected)) = message.rsplit_once("expected ") else { return message.to_owned() };
    let json_term = match expected {
        "f32" | "f64" => "a number",
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
        "a sequence" => "a list",
        "string or map" => "a string or an object",
        _ if expected.starts_with("struct ") || expected.starts_with("map") => "an object",
        _ => expected,
    };
    format!("{head}expected {json_term}")
}

/// serde_json appends " at line 1 column 9"; the field path already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roughcut_shared::projects::CreateProject;

    fn request(content_type: Option<&str>, body: &[u8]) -> ApiRequest {
        let mut headers = HeaderMap::new();
        if let Some(value) = content_type {
            headers.insert(http::header::CONTENT_TYPE, value.parse().expect("header"));
        }
        ApiRequest {
            method: Method::POST,
            origin: "http://localhost".into(),
            path: "/v1/projects".into(),
            query: String::new(),
            headers,
            body: RequestBody::Bytes(body.to_vec()),
        }
    }

    fn code_of(result: Result<CreateProject, ApiError>) -> ErrorCode {
        result.expect_err("must fail").code()
    }

    #[test]
    fn json_bodies_map_each_failure_to_its_code() {
        assert_eq!(
            request(Some("application/json; charset=utf-8"), br#"{"name":"a"}"#)
                .json::<CreateProject>()
                .expect("ok")
                .name,
            "a"
        );
        assert_eq!(code_of(request(Some("text/plain"), br#"{"name":"a"}"#).json()), ErrorCode::UnsupportedMediaType);
        assert_eq!(code_of(request(Some("application/json"), br#"{"name":"#).json()), ErrorCode::BadRequest);
        assert_eq!(code_of(request(Some("application/json"), br#"{"name":"a"} x"#).json()), ErrorCode::BadRequest);
        assert_eq!(code_of(request(Some("application/json"), br#"[1,2"#).json()), ErrorCode::BadRequest);
        assert_eq!(code_of(request(Some("application/json"), br#"{"name":5}"#).json()), ErrorCode::ValidationError);
        assert_eq!(
            code_of(request(Some("application/json"), br#"{"name":"a","x":1}"#).json()),
            ErrorCode::ValidationError
        );
        assert_eq!(code_of(request(None, b"").json()), ErrorCode::ValidationError);
        let mut too_large = request(Some("application/json"), b"");
        too_large.body = RequestBody::TooLarge;
        assert_eq!(code_of(too_large.json()), ErrorCode::PayloadTooLarge);
    }

    #[test]
    fn the_largest_script_fits_however_it_is_escaped() {
        let script = "\\ud83c\\udfac".repeat(roughcut_shared::cuts::MAX_SCRIPT_CHARS);
        let body = format!(r#"{{"asset_id":"ast_1","script":"{script}"}}"#);
        assert!(body.len() <= MAX_JSON_BODY_BYTES, "{} bytes", body.len());
        let cut: roughcut_shared::cuts::CreateCut =
            request(Some("application/json"), body.as_bytes()).json().expect("parsed");
        assert_eq!(cut.script.map(|s| s.chars().count()), Some(roughcut_shared::cuts::MAX_SCRIPT_CHARS));
    }

    #[test]
    fn validation_errors_name_the_field() {
        let error = request(Some("application/json"), br#"{"name":5}"#).json::<CreateProject>().expect_err("invalid");
        let response = error.into_response("req", &crate::domain::testing::CapturedLog::default());
        let json: serde_json::Value = serde_json::from_slice(&response.body).expect("json");
        assert_eq!(json["error"]["fields"][0]["field"], "body.name");
    }

    #[test]
    fn missing_fields_are_named_with_their_path() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)] // only the failures are looked at
        struct Output {
            format: String,
        }
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Render {
            asset_id: String,
            output: Output,
        }
        let field = |body: &[u8]| {
            let error = request(Some("application/json"), body).json::<Render>().expect_err("invalid");
            let response = error.into_response("req", &crate::domain::testing::CapturedLog::default());
            let json: serde_json::Value = serde_json::from_slice(&response.body).expect("json");
            json["error"]["fields"][0]["field"].as_str().expect("a field").to_owned()
        };
        assert_eq!(field(b"{}"), "body.asset_id");
        assert_eq!(field(br#"{"asset_id":"a"}"#), "body.output");
        assert_eq!(field(br#"{"asset_id":"a","output":{}}"#), "body.output.format");
        assert_eq!(field(br#"{"asset_id":"a","output":{"format":1}}"#), "body.output.format");
        assert_eq!(field(br#"{"asset_id":"a","output":{"format":"mp4","x":1}}"#), "body.output.x");
    }

    #[test]
    fn shape_errors_speak_of_json_types_not_rust_ones() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Inner {
            seconds: f64,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Body {
            count: Option<u32>,
            inner: Option<Inner>,
        }
        let message = |body: &[u8]| {
            let error = request(Some("application/json"), body).json::<Body>().expect_err("invalid");
            let response = error.into_response("req", &crate::domain::testing::CapturedLog::default());
            let json: serde_json::Value = serde_json::from_slice(&response.body).expect("json");
            json["error"]["fields"][0]["message"].as_str().expect("a message").to_owned()
        };
        assert_eq!(message(br#"{"inner":{"seconds":"0.2"}}"#), r#"invalid type: string "0.2", expected a number"#);
        assert_eq!(message(br#"{"count":-1}"#), "invalid value: integer `-1`, expected a whole number, 0 or more");
        assert_eq!(message(br#"{"inner":true}"#), "invalid type: boolean `true`, expected an object");
    }

    #[test]
    fn a_body_is_an_object_never_a_list_read_by_position() {
        let listed = request(Some("application/json"), br#"["launch"]"#).json::<CreateProject>();
        assert_eq!(code_of(listed), ErrorCode::ValidationError);
        assert_eq!(code_of(request(Some("application/json"), b"[]").json()), ErrorCode::ValidationError);
    }

    #[test]
    fn json_text_is_checked_for_syntax_only() {
        let text = request(Some("application/json"), br#"{"words":[{"text":1}]}"#);
        assert_eq!(text.json_text().expect("well-formed"), r#"{"words":[{"text":1}]}"#);
        for malformed in [b"garbage".as_slice(), br#"{"words":[{"text":"a""#] {
            let error = request(Some("application/json"), malformed).json_text().expect_err("malformed");
            assert_eq!(error.code(), ErrorCode::BadRequest);
        }
    }

    #[test]
    fn bearer_tokens_are_parsed_strictly() {
        let mut req = request(None, b"");
        assert_eq!(req.bearer(), None);
        req.headers.insert(http::header::AUTHORIZATION, "bearer sk_abc".parse().expect("header"));
        assert_eq!(req.bearer(), Some("sk_abc"));
        req.headers.insert(http::header::AUTHORIZATION, "Basic sk_abc".parse().expect("header"));
        assert_eq!(req.bearer(), None);
    }
}
