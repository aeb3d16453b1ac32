//! Signed downloads: `GET`/`HEAD /v1/files/{object key}?…` served from R2 — the signature checked
//! by `domain::downloads`, then that the file's owner is still live (one D1 read), ranges
//! answered with 206, the body streamed straight from R2 to the client without passing through
//! wasm.

use worker::{Env, Headers, Range, Request, Response};

use super::bindings::{DB, MEDIA};
use super::d1::D1Store;
use super::platform::{ConsoleLog, WorkerClock};
use super::settings::Settings;
use super::web;
use crate::domain::downloads::{self, Grant, Refusal, Signer, content_disposition};
use crate::domain::ids::{IdKind, new_id};
use crate::domain::ports::Clock;
use crate::http::ApiError;
use roughcut_shared::ErrorCode;

pub async fn handle(request: Request, env: &Env, settings: &Settings) -> worker::Result<Response> {
    match answer(&request, env, settings).await {
        Ok(response) => Ok(response),
        Err(error) => {
            let request_id = new_id(IdKind::Request, WorkerClock.now());
            web::write_response(error.into_response(&request_id, &ConsoleLog).with_header("request-id", request_id))
        }
    }
}

fn internal(what: &str, error: worker::Error) -> ApiError {
    ApiError::internal(format!("{what}: {error}"))
}

async fn answer(request: &Request, env: &Env, settings: &Settings) -> Result<Response, ApiError> {
    let method = web::method_of(request);
    if method != http::Method::GET && method != http::Method::HEAD {
        return Err(ApiError::method_not_allowed("GET, HEAD"));
    }
    let url = request.url().map_err(|e| internal("url", e))?;
    let secret = settings.http.signing_secret.clone();
    let refused = |message: &str| ApiError::new(ErrorCode::Forbidden, message);
    let grant = match secret.as_deref().map(Signer::new) {
        None => return Err(refused("Downloads are not configured on this deployment.")),
        Some(signer) => match signer.verify(url.path(), url.query().unwrap_or(""), WorkerClock.now()) {
            Ok(grant) => grant,
            Err(Refusal::Tampered) => return Err(refused("This download URL is not valid.")),
            Err(Refusal::Expired) => {
                return Err(refused("This download URL has expired; fetch the asset for a new one."));
            }
        },
    };
    let store = D1Store::new(env.d1(DB).map_err(|e| internal(&format!("D1 binding {DB}"), e))?);
    if !downloads::still_served(&store, &grant).await.map_err(|e| ApiError::internal(e.to_string()))? {
        return Err(ApiError::not_found("file"));
    }
    serve(request, env, &grant).await
}

/// The object a grant names, whole or the requested range, streamed from R2 (also how the media
/// container reads a job's input).
pub async fn serve(request: &Request, env: &Env, grant: &Grant) -> Result<Response, ApiError> {
    let method = web::method_of(request);
    let bucket = env.bucket(MEDIA).map_err(|e| internal(&format!("R2 binding {MEDIA}"), e))?;
    let head = bucket.head(&grant.object_key).await.map_err(|e| internal("R2 head", e))?;
    let size = head.ok_or_else(|| ApiError::not_found("file"))?.size();
    let range_header = request.headers().get("range").ok().flatten();
    let range = downloads::range(range_header.as_deref(), size).map_err(|_| {
        ApiError::new(
            ErrorCode::RangeNotSatisfiable,
            format!("The file has {size} bytes; no byte of that range exists."),
        )
    })?;
    let headers = response_headers(grant, size, range).map_err(|e| internal("headers", e))?;
    let status = if range.is_some() { 206 } else { 200 };
    if method == http::Method::HEAD {
        return Ok(Response::empty().map_err(|e| internal("response", e))?.with_status(status).with_headers(headers));
    }
    let mut get = bucket.get(&grant.object_key);
    if let Some((first, last)) = range {
        get = get.range(Range::OffsetWithLength { offset: first, length: last - first + 1 });
    }
    let object = get.execute().await.map_err(|e| internal("R2 get", e))?.ok_or_else(|| ApiError::not_found("file"))?;
    let body = object.body().ok_or_else(|| ApiError::internal("R2 object without a body"))?;
    let stream = body.response_body().map_err(|e| internal("R2 body", e))?;
    Ok(Response::from_body(stream).map_err(|e| internal("response", e))?.with_status(status).with_headers(headers))
}

fn response_headers(grant: &Grant, size: u64, range: Option<(u64, u64)>) -> worker::Result<Headers> {
    let headers = Headers::new();
    headers.set("content-type", downloads::served_content_type(&grant.content_type))?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("content-disposition", &content_disposition(&grant.filename))?;
    headers.set("accept-ranges", "bytes")?;
    headers.set("cache-control", "private, max-age=900")?;
    match range {
        Some((first, last)) => {
            headers.set("content-range", &format!("bytes {first}-{last}/{size}"))?;
            headers.set("content-length", &(last - first + 1).to_string())?;
        }
        None => headers.set("content-length", &size.to_string())?,
    }
    Ok(headers)
}
