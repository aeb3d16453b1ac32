//! Pipelines' Server-Sent Events in the Worker. `GET /api/v1/pipelines/{id}/events` is
//! authenticated and placed here (`domain::pipelines::stream::start`), then served by the
//! pipeline's Durable Object: it holds the open streams, each reading the event log in D1 from its
//! cursor when the object is told the log grew (`DoStreams`, after every change) and on a
//! keep-alive beat. The log, not the object, is the truth: an object that restarts loses only its
//! open connections, and their clients resume with `Last-Event-ID`.

use std::cell::RefCell;
use std::time::Duration;

use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures_util::future::{Either, select};
use futures_util::{Stream, StreamExt};
use worker::{Delay, Env, Headers, ObjectNamespace, Request, RequestInit, Response, State, durable_object};

use super::bindings::{DB, PIPELINE_STREAMS, Stores};
use super::d1::{self, D1Store};
use super::jobs::QueueJobs;
use super::platform::{ConsoleLog, WorkerClock};
use super::web;
use crate::domain::api_keys;
use crate::domain::ids::{IdKind, new_id};
use crate::domain::pipelines::stream::{self, Cursor, KEEP_ALIVE, KEEP_ALIVE_SECONDS, Start};
use crate::domain::ports::pipelines::PipelineStreams;
use crate::domain::ports::{Clock, Log};
use crate::http::request::bearer_token;
use crate::http::{self, ApiError};

const NOTIFY_PATH: &str = "/notify";
const EVENTS_PATH: &str = "/events";
/// How long a change waits to tell the pipeline's object (`DoStreams::published`).
const NOTIFY_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /api/v1/pipelines/{id}/events`.
pub async fn handle(request: Request, env: &Env, pipeline_id: &str) -> worker::Result<Response> {
    match answer(&request, env, pipeline_id).await {
        Ok(response) => Ok(response),
        Err(error) => web::write_response(http::handle_failure(&WorkerClock, &ConsoleLog, error)),
    }
}

async fn answer(request: &Request, env: &Env, pipeline_id: &str) -> Result<Response, ApiError> {
    let headers = web::headers_of(request);
    let storage = Stores::open(env).map_err(ApiError::internal)?;
    let queue = QueueJobs::new(&storage.store, storage.queue.clone());
    let ports = d1::ports(&storage.store, &queue, &storage.objects, &storage.streams, &ConsoleLog);
    let token = bearer_token(&headers).ok_or_else(ApiError::unauthenticated)?;
    let principal = api_keys::authenticate(&ports, token).await?;
    let url = request.url().map_err(|e| ApiError::internal(format!("url: {e}")))?;
    let from_query = url.query_pairs().find(|(key, _)| key == "last_event_id").map(|(_, value)| value.into_owned());
    let last_event_id = headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(str::to_owned).or(from_query);
    match stream::start(&ports, &principal, pipeline_id, last_event_id.as_deref()).await? {
        Start::Over => Response::empty().map(|r| r.with_status(204)).map_err(|e| ApiError::internal(e.to_string())),
        Start::After(after) => storage.streams.open(pipeline_id, after).await,
    }
}

/// The pipelines' Durable Objects, as the domain's `PipelineStreams` and the way streams open.
#[derive(Debug)]
pub struct DoStreams(Option<ObjectNamespace>);

impl DoStreams {
    /// The binding's objects; a deployment without it streams nothing live (streams then read the
    /// log on their beat alone), which the log says.
    pub fn from_env(env: &Env) -> Self {
        let namespace = env.durable_object(PIPELINE_STREAMS);
        if let Err(error) = &namespace {
            ConsoleLog.error("pipeline-streams", &format!("DO binding {PIPELINE_STREAMS}: {error}"));
        }
        Self(namespace.ok())
    }

    async fn call(&self, pipeline_id: &str, path: &str, method: worker::Method) -> worker::Result<Response> {
        let namespace = self.0.as_ref().ok_or_else(|| worker::Error::from("no PIPELINE_STREAMS binding"))?;
        let stub = namespace.id_from_name(pipeline_id)?.get_stub()?;
        let mut init = RequestInit::new();
        init.with_method(method);
        let request = Request::new_with_init(&format!("https://pipeline.internal{path}"), &init)?;
        stub.fetch_with_request(request).await
    }

    /// The pipeline's stream of the events after `after`, from its object.
    async fn open(&self, pipeline_id: &str, after: i64) -> Result<Response, ApiError> {
        let path = format!("{EVENTS_PATH}?pipeline={pipeline_id}&after={after}");
        self.call(pipeline_id, &path, worker::Method::Get)
            .await
            .map_err(|e| ApiError::internal(format!("pipeline stream object: {e}")))
    }
}

#[async_trait::async_trait(?Send)]
impl PipelineStreams for DoStreams {
    /// Bounded: this runs in the job path (queue consumer, container callbacks), which must never
    /// hang behind an object that stopped answering. The streams read the log on their beat
    /// anyway, so a word that fails or times out makes events late, not lost.
    async fn published(&self, pipeline_id: &str) {
        let told = self.call(pipeline_id, NOTIFY_PATH, worker::Method::Post);
        let failure = match select(Box::pin(told), Delay::from(NOTIFY_TIMEOUT)).await {
            Either::Left((Ok(_), _)) => return,
            Either::Left((Err(error), _)) => error.to_string(),
            Either::Right(_) => format!("no answer in {} s", NOTIFY_TIMEOUT.as_secs()),
        };
        ConsoleLog.error("pipeline-streams", &format!("telling {pipeline_id}'s streams: {failure}"));
    }
}

/// The Durable Object of one pipeline's open streams.
#[durable_object]
pub struct PipelineStreamObject {
    env: Env,
    /// One per open stream: a word on it makes the stream read the log now.
    wakers: RefCell<Vec<UnboundedSender<()>>>,
}

impl std::fmt::Debug for PipelineStreamObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipelineStreamObject").field("streams", &self.wakers.borrow().len()).finish_non_exhaustive()
    }
}

impl worker::DurableObject for PipelineStreamObject {
    fn new(_state: State, env: Env) -> Self {
        Self { env, wakers: RefCell::new(Vec::new()) }
    }

    async fn fetch(&self, request: Request) -> worker::Result<Response> {
        let url = request.url()?;
        if url.path() == NOTIFY_PATH {
            // closed streams drop their receivers: telling them fails, and they are forgotten
            self.wakers.borrow_mut().retain(|waker| waker.unbounded_send(()).is_ok());
            return Ok(Response::empty()?.with_status(204));
        }
        let query = |name: &str| url.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned());
        let (Some(pipeline_id), Some(after)) = (query("pipeline"), query("after").and_then(|a| a.parse().ok())) else {
            return Response::error("a stream names its pipeline and where it starts", 400);
        };
        let (waker, woken) = unbounded();
        self.wakers.borrow_mut().push(waker);
        let store = D1Store::new(self.env.d1(DB)?);
        let headers = Headers::new();
        headers.set("content-type", "text/event-stream; charset=utf-8")?;
        // no caching, and no transformation: a compressing proxy would hold events back
        headers.set("cache-control", "no-cache, no-transform")?;
        headers.set("x-accel-buffering", "no")?;
        Ok(Response::from_stream(events(store, Cursor::new(&pipeline_id, after), woken))?.with_headers(headers))
    }
}

/// A stream's state between the frames it sends.
struct Feed {
    store: D1Store,
    cursor: Cursor,
    /// `None` once the object dropped its end (the beat alone wakes the stream then).
    woken: Option<UnboundedReceiver<()>>,
    started: bool,
}

/// The stream's body: the reconnect delay and the backlog at once, then whatever is new each time
/// the object wakes it, with a keep-alive comment on every quiet beat; it ends after the
/// pipeline's end, or when the log cannot be read (the client resumes with `Last-Event-ID`).
fn events(store: D1Store, cursor: Cursor, woken: UnboundedReceiver<()>) -> impl Stream<Item = worker::Result<Vec<u8>>> {
    let feed = Feed { store, cursor, woken: Some(woken), started: false };
    futures_util::stream::unfold(feed, |mut feed| async move {
        if feed.cursor.ended {
            return None;
        }
        let mut frames = String::new();
        if !feed.started {
            feed.started = true;
            frames.push_str(&stream::preamble());
        } else {
            let beat = Delay::from(Duration::from_secs(KEEP_ALIVE_SECONDS));
            match &mut feed.woken {
                Some(woken) => {
                    if let Either::Left((None, _)) = select(woken.next(), beat).await {
                        feed.woken = None;
                    }
                }
                None => beat.await,
            }
        }
        match feed.cursor.read(&feed.store).await {
            Ok(new) => frames.push_str(&new),
            Err(error) => {
                let request_id = new_id(IdKind::Request, WorkerClock.now());
                ConsoleLog.error(&request_id, &format!("pipeline {} events: {error}", feed.cursor.pipeline_id));
                return None;
            }
        }
        if frames.is_empty() {
            frames.push_str(KEEP_ALIVE);
        }
        Some((Ok(frames.into_bytes()), feed))
    })
}
