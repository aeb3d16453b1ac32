//! workerd `Request` → `ApiRequest` (body read with a cap) and `ApiResponse` → workerd `Response`.

use futures_util::StreamExt;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use worker::{Headers, Request, Response};

use super::platform::WorkerClock;
use crate::domain::ids::{IdKind, new_id};
use crate::domain::ports::Clock;
use crate::http::request::MAX_JSON_BODY_BYTES;
use crate::http::{ApiRequest, ApiResponse, RequestBody};

/// The request's headers as `http` types (values that are not visible ASCII are dropped).
pub fn headers_of(request: &Request) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in request.headers().entries() {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
            headers.append(name, value);
        }
    }
    headers
}

pub fn method_of(request: &Request) -> Method {
    Method::from_bytes(request.method().as_ref().as_bytes()).unwrap_or(Method::GET)
}

pub async fn read_request(request: &mut Request) -> worker::Result<ApiRequest> {
    let url = request.url()?;
    let method = method_of(request);
    let headers = headers_of(request);
    let body = read_body(request, &headers).await?;
    Ok(ApiRequest {
        method,
        origin: url.origin().ascii_serialization(),
        path: url.path().to_owned(),
        query: url.query().unwrap_or("").to_owned(),
        headers,
        body,
    })
}

/// Reads at most `MAX_JSON_BODY_BYTES`: a declared or streamed excess stops the read, so an
/// oversized body costs neither memory nor CPU.
async fn read_body(request: &mut Request, headers: &HeaderMap) -> worker::Result<RequestBody> {
    let declared =
        headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_JSON_BODY_BYTES as u64) {
        return Ok(RequestBody::TooLarge);
    }
    if request.inner().body().is_none() {
        return Ok(RequestBody::Bytes(Vec::new()));
    }
    let mut stream = request.stream()?;
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > MAX_JSON_BODY_BYTES {
            return Ok(RequestBody::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(RequestBody::Bytes(body))
}

/// Sets what every response carries: `extra` headers (CORS), and a `request-id` unless the path
/// that made the response set one (the API's, which its error body may name too). The headers are
/// copied, as those of a response from a Durable Object cannot be changed.
pub fn finish(response: Response, extra: &[(&'static str, String)]) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in response.headers().entries() {
        headers.append(&name, &value)?;
    }
    for (name, value) in extra {
        // replaced, not added: a preflight's answer carries them already
        headers.set(name, value)?;
    }
    if !headers.has("request-id")? {
        headers.set("request-id", &new_id(IdKind::Request, WorkerClock.now()))?;
    }
    Ok(response.with_headers(headers))
}

pub fn write_response(response: ApiResponse) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in &response.headers {
        headers.append(name, value)?;
    }
    let body = if response.body.is_empty() { Response::empty()? } else { Response::from_bytes(response.body)? };
    Ok(body.with_status(response.status).with_headers(headers))
}
