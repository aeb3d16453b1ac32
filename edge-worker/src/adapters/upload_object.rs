//! The Durable Object of one upload: it runs the upload's requests one at a time (a second
//! PATCH or DELETE while one is writing gets 409), keeps the session in its storage — which
//! outlives isolates and `wrangler dev` restarts — and is otherwise a shim over
//! `domain::uploads::service`.

use std::any::Any;
use std::cell::Cell;

use async_trait::async_trait;
use futures_util::StreamExt;
use http::Method;
use worker::{ByteStream, Env, Request, Response, State, Storage, durable_object};

use super::bindings::Stores;
use super::d1;
use super::jobs::QueueJobs;
use super::platform::{ConsoleLog, WorkerClock};
use super::web;
use crate::domain::StoreError;
use crate::domain::ids::{IdKind, new_id};
use crate::domain::ports::Clock;
use crate::domain::uploads::UploadError;
use crate::domain::uploads::service::{self, SessionStore, UploadDeps};
use crate::domain::uploads::session::{ChunkSource, UploadSession};
use crate::domain::uploads::tus::{self as protocol, Checksum};
use crate::http::{ApiError, ApiResponse, tus};

/// The header by which the Worker tells the object whose request this is (it authenticated it).
pub const ACCOUNT_HEADER: &str = "x-roughcut-account";
/// The sweep's request to an upload's object: expire it if it is past its time. Only the Worker
/// can reach an object, so this path needs no account.
pub const EXPIRE_SUFFIX: &str = "/expire";
const SESSION_KEY: &str = "session";

#[durable_object]
pub struct UploadObject {
    state: State,
    env: Env,
    /// A PATCH or DELETE is running: storage alone would let a second one interleave at R2 awaits.
    busy: Cell<bool>,
}

impl std::fmt::Debug for UploadObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadObject").field("busy", &self.busy.get()).finish_non_exhaustive()
    }
}

impl worker::DurableObject for UploadObject {
    fn new(state: State, env: Env) -> Self {
        Self { state, env, busy: Cell::new(false) }
    }

    async fn fetch(&self, mut request: Request) -> worker::Result<Response> {
        let response = match self.run(&mut request).await {
            Ok(response) => response,
            Err(error) => {
                let request_id = new_id(IdKind::Request, WorkerClock.now());
                tus::finish(error.into_response(&request_id, &ConsoleLog).with_header("request-id", request_id))
            }
        };
        web::write_response(response)
    }
}

/// Clears `busy` however the request ends (a dropped connection included).
struct Exclusive<'a>(&'a Cell<bool>);

impl<'a> Exclusive<'a> {
    fn take(flag: &'a Cell<bool>) -> Result<Self, ApiError> {
        if flag.replace(true) { Err(UploadError::Busy.into()) } else { Ok(Self(flag)) }
    }
}

impl Drop for Exclusive<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

impl UploadObject {
    async fn run(&self, request: &mut Request) -> Result<ApiResponse, ApiError> {
        let internal = |what: &str, error: worker::Error| ApiError::internal(format!("{what}: {error}"));
        let headers = web::headers_of(request);
        let url = request.url().map_err(|e| internal("url", e))?;
        let path = url.path().trim_start_matches('/');
        let (upload_id, expiring) = match path.strip_suffix(EXPIRE_SUFFIX) {
            Some(id) => (id.to_owned(), true),
            None => (path.to_owned(), false),
        };
        let Stores { store, queue, objects, streams } = Stores::open(&self.env).map_err(ApiError::internal)?;
        let jobs = QueueJobs::new(&store, queue);
        let sessions = DoSessions(self.state.storage());
        let deps = UploadDeps { ports: d1::ports(&store, &jobs, &objects, &streams, &ConsoleLog), sessions: &sessions };
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if expiring {
            let _exclusive = Exclusive::take(&self.busy)?;
            let expired = service::expire(deps, &upload_id).await?;
            return Ok(ApiResponse::empty(if expired { 200 } else { 204 }));
        }
        let account =
            header(ACCOUNT_HEADER).ok_or_else(|| ApiError::internal("upload object called without an account"))?;
        let account = account.to_owned();
        match web::method_of(request) {
            Method::HEAD => Ok(tus::head(&service::head(deps, &account, &upload_id).await?)),
            Method::PATCH => {
                let declared = header("content-length").and_then(|v| v.parse::<u64>().ok());
                let mut body = StreamChunks { request, stream: None };
                let patched = async {
                    let _exclusive = Exclusive::take(&self.busy)?;
                    let offset = protocol::upload_offset(header("upload-offset"))?;
                    let checksum = Checksum::parse(header("upload-checksum"))?;
                    let session =
                        service::patch(deps, &account, &upload_id, offset, declared, checksum.as_ref(), &mut body)
                            .await?;
                    Ok::<_, ApiError>(tus::patched(&session))
                }
                .await;
                if patched.is_err() {
                    // The body is piped from the client through the Worker: answering before it is
                    // read would break that pipe (workerd: "Can't read from request stream after
                    // response has been sent"), so the rest of a refused chunk is read and dropped.
                    body.drain().await;
                }
                patched
            }
            Method::DELETE => {
                let _exclusive = Exclusive::take(&self.busy)?;
                service::terminate(deps, &account, &upload_id).await?;
                Ok(tus::finish(ApiResponse::no_content()))
            }
            other => Err(ApiError::internal(format!("upload object called with {other}"))),
        }
    }
}

struct DoSessions(Storage);

#[async_trait(?Send)]
impl SessionStore for DoSessions {
    async fn load(&self) -> Result<Option<UploadSession>, StoreError> {
        self.0.get::<UploadSession>(SESSION_KEY).await.map_err(|e| StoreError(format!("DO storage: {e}")))
    }

    async fn save(&self, session: &UploadSession) -> Result<(), StoreError> {
        self.0.put(SESSION_KEY, session).await.map_err(|e| StoreError(format!("DO storage: {e}")))
    }
}

/// A request body, either handed whole to R2 or read as it streams in.
struct StreamChunks<'r> {
    request: &'r mut Request,
    stream: Option<ByteStream>,
}

impl StreamChunks<'_> {
    /// Reads and drops what is left, up to a chunk's cap (a client sending more is cut off).
    async fn drain(&mut self) {
        let mut left = protocol::MAX_CHUNK_BYTES + (1 << 20);
        while let Ok(Some(piece)) = self.next_piece().await {
            left = left.saturating_sub(piece.len() as u64);
            if left == 0 {
                break;
            }
        }
    }
}

#[async_trait(?Send)]
impl ChunkSource for StreamChunks<'_> {
    async fn next_piece(&mut self) -> Result<Option<Vec<u8>>, UploadError> {
        if self.stream.is_none() {
            if self.request.inner().body().is_none() {
                return Ok(None);
            }
            self.stream = Some(self.request.stream().map_err(|e| UploadError::BadRequest(format!("the body: {e}")))?);
        }
        let Some(stream) = &mut self.stream else { return Ok(None) };
        match stream.next().await {
            Some(Ok(piece)) => Ok(Some(piece)),
            Some(Err(error)) => Err(UploadError::BadRequest(format!("the request body broke off: {error}"))),
            None => Ok(None),
        }
    }

    fn whole(&mut self) -> Option<Box<dyn Any>> {
        if self.stream.is_some() {
            return None;
        }
        self.request.inner().body().map(|body| Box::new(body) as Box<dyn Any>)
    }
}
