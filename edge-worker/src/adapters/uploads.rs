//! The TUS surfaces in the Worker: `OPTIONS`, authentication, creation (with its first chunk),
//! and forwarding each upload's HEAD/PATCH/DELETE — body streaming through — to the upload's
//! Durable Object, which serialises them.

use http::Method;
use worker::{Env, Request, RequestInit, Response};

use super::bindings::{Stores, UPLOADS};
use super::d1;
use super::jobs::QueueJobs;
use super::platform::{ConsoleLog, WorkerClock};
use super::settings::Settings;
use super::upload_object::ACCOUNT_HEADER;
use super::web;
use crate::domain::api_keys::{self, Principal};
use crate::domain::assets::{self, NewUpload, PublicUrls, to_seed};
use crate::domain::ids::{IdKind, new_id};
use crate::domain::ports::{Clock, Ports};
use crate::domain::time::Timestamp;
use crate::domain::uploads::tus::{self as protocol, PATCH_CONTENT_TYPE};
use crate::http::idempotency;
use crate::http::request::{ApiRequest, RequestBody, bearer_token};
use crate::http::streamed::UploadCall;
use crate::http::tus::ASSET_ID_HEADER;
use crate::http::tus::{self, UploadPath};
use crate::http::{ApiError, ApiResponse};
use roughcut_shared::ErrorCode;

pub async fn handle(
    mut request: Request,
    env: &Env,
    settings: &Settings,
    call: Result<UploadCall, ApiError>,
) -> worker::Result<Response> {
    let answer = match call {
        Ok(call) => answer(&mut request, env, settings, call).await,
        Err(refused) => Err(refused),
    };
    match answer {
        Ok(Answer::Local(response)) => web::write_response(response),
        Ok(Answer::Forwarded(response)) => Ok(response),
        Err(error) => web::write_response(tus::finish(refusal(error))),
    }
}

/// An error in the API's envelope, with its request id; a `412` says which version we speak.
fn refusal(error: ApiError) -> ApiResponse {
    let request_id = new_id(IdKind::Request, WorkerClock.now());
    let unsupported_version = error.code() == ErrorCode::PreconditionFailed;
    let response = error.into_response(&request_id, &ConsoleLog).with_header("request-id", request_id);
    if unsupported_version { tus::with_version(response) } else { response }
}

enum Answer {
    Local(ApiResponse),
    /// The Durable Object's own response, passed through.
    Forwarded(Response),
}

fn internal(what: &str, error: worker::Error) -> ApiError {
    ApiError::internal(format!("{what}: {error}"))
}

async fn answer(request: &mut Request, env: &Env, settings: &Settings, call: UploadCall) -> Result<Answer, ApiError> {
    if call == UploadCall::Options {
        return Ok(Answer::Local(tus::options()));
    }
    let headers = web::headers_of(request);
    let Stores { store, queue, objects, streams } = Stores::open(env).map_err(ApiError::internal)?;
    let log = ConsoleLog;
    let queue = QueueJobs::new(&store, queue);
    let ports = d1::ports(&store, &queue, &objects, &streams, &log);
    let token = bearer_token(&headers).ok_or_else(ApiError::unauthenticated)?;
    let principal = api_keys::authenticate(&ports, token).await?;
    let origin = request.url().map_err(|e| internal("url", e))?.origin().ascii_serialization();
    match call {
        UploadCall::Create { surface } => {
            let created = async {
                create(request, env, settings, &ports, &principal, surface, &origin).await.unwrap_or_else(refusal)
            };
            let terms = creation_terms(&headers, surface);
            let response = match idempotency::key_of(&terms)? {
                // a creation sent again (a lost answer) answers as the first, never a second asset
                Some(key) => idempotency::once(ports, &principal.account_id, key, &terms, created).await?,
                None => created.await,
            };
            Ok(Answer::Local(tus::finish(response)))
        }
        UploadCall::Forward { id, method } => {
            forward(request, env, &principal, &id, &method, false).await.map(Answer::Forwarded)
        }
        UploadCall::Options => Ok(Answer::Local(tus::options())),
    }
}

/// A creation as `Idempotency-Key` compares them: the surface, the upload's length and its
/// metadata (a first chunk is the upload's own, resumed from its offset).
fn creation_terms(headers: &http::HeaderMap, surface: usize) -> ApiRequest {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let terms = format!("{}\n{}", header("upload-length"), header("upload-metadata"));
    ApiRequest {
        method: Method::POST,
        origin: String::new(),
        path: format!("tus-creation/{surface}"),
        query: String::new(),
        headers: headers.clone(),
        body: RequestBody::Bytes(terms.into_bytes()),
    }
}

/// TUS creation: the asset and its upload, then the first chunk when the request carries one
/// (creation-with-upload). The body is the new asset, as `POST /v1/assets` answers it (the seed
/// surface's on `/api/v1/…`), and `Roughcut-Asset-Id` names it, for clients that read only
/// headers. A first chunk refused for its checksum leaves the upload at offset 0 to resume.
async fn create(
    request: &mut Request,
    env: &Env,
    settings: &Settings,
    ports: &Ports<'_>,
    principal: &Principal,
    surface: usize,
    origin: &str,
) -> Result<ApiResponse, ApiError> {
    let headers = web::headers_of(request);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let length = protocol::upload_length(header("upload-length"))?;
    let metadata = protocol::metadata(header("upload-metadata"))?;
    let value = |keys: &[&str]| metadata.iter().find(|(key, _)| keys.contains(&key.as_str())).map(|(_, v)| v.clone());
    let ttl_ms = settings.http.upload_ttl_ms;
    let new_upload = NewUpload {
        ttl_ms,
        project_id: value(&["project_id"]),
        length,
        filename: value(&["filename", "name"]),
        content_type: value(&["content_type", "filetype"]),
        language: value(&["language"]),
        declared_type: value(&["type"]),
        metadata: header("upload-metadata").filter(|raw| !raw.is_empty()).map(str::to_owned),
    };
    let (asset, upload_id) = assets::create_with_upload(
        ports,
        principal,
        &new_upload,
        "metadata",
        PublicUrls { origin, signer: None, now: ports.clock.now() },
    )
    .await?;
    let location = UploadPath::location(origin, surface, &upload_id);
    let expires = Timestamp(ports.clock.now().0 + ttl_ms);
    let asset_id = asset.id.clone();
    let created = if surface == 0 { ApiResponse::json(201, &asset) } else { ApiResponse::json(201, &to_seed(asset)) };
    let mut created = created
        .with_header("location", location)
        .with_header("upload-expires", tus::http_date(expires))
        .with_header(ASSET_ID_HEADER, asset_id);
    let declared = header("content-length").and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    if declared > 0 && header("content-type").is_some_and(|t| t.starts_with(PATCH_CONTENT_TYPE)) {
        let mut forwarded = forward(request, env, principal, &upload_id, &Method::PATCH, true).await?;
        let status = forwarded.status_code();
        if status != 204 {
            // TUS creation-with-upload: the upload exists whatever became of its first chunk
            // (refused for its checksum or its size). While it is open the client resumes it, so
            // it must learn its Location: a 201 at the offset stored. Only a closed one (bytes
            // that are no media cancel it) answers the chunk's error.
            let open = forward(request, env, principal, &upload_id, &Method::HEAD, false).await?;
            if open.status_code() == 200 {
                let offset = open.headers().get("upload-offset").ok().flatten().unwrap_or_else(|| "0".into());
                return Ok(created.with_header("upload-offset", offset));
            }
            let body = forwarded.bytes().await.map_err(|e| internal("upload object answer", e))?;
            return Ok(ApiResponse { status, headers: vec![("content-type", "application/json".to_owned())], body });
        }
        let offset = forwarded.headers().get("upload-offset").ok().flatten().unwrap_or_else(|| "0".into());
        created = created.with_header("upload-offset", offset);
    }
    Ok(created)
}

/// The request, as `method`, to the upload's Durable Object, with the caller's account;
/// `creation`: the body of a creation request, which is the chunk at offset 0.
async fn forward(
    request: &mut Request,
    env: &Env,
    principal: &Principal,
    upload_id: &str,
    method: &Method,
    creation: bool,
) -> Result<Response, ApiError> {
    let namespace = env.durable_object(UPLOADS).map_err(|e| internal(&format!("DO binding {UPLOADS}"), e))?;
    let stub =
        namespace.id_from_name(upload_id).and_then(|id| id.get_stub()).map_err(|e| internal("upload object", e))?;
    let headers = request.headers().clone();
    headers.set(ACCOUNT_HEADER, &principal.account_id).map_err(|e| internal("headers", e))?;
    if creation {
        headers.set("upload-offset", "0").map_err(|e| internal("headers", e))?;
    }
    let mut init = RequestInit::new();
    let worker_method = worker::Method::from(method.as_str().to_owned());
    init.with_method(worker_method).with_headers(headers);
    if *method == Method::PATCH {
        init.with_body(request.inner().body().map(wasm_bindgen::JsValue::from));
    }
    let inner = Request::new_with_init(&format!("https://upload.internal/{upload_id}"), &init)
        .map_err(|e| internal("upload object request", e))?;
    stub.fetch_with_request(inner).await.map_err(|e| internal("upload object", e))
}
