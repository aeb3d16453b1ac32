//! Processing on workerd: the settings and bindings it needs gathered from `Env` (`ProcessingKit`),
//! the queue consumer that starts job attempts, the job URLs the media container calls
//! (`/internal/jobs/{id}/…`), and the sweep's lease check. Each is a shim over the domain's job
//! runner (`domain::work::runner`).

use roughcut_shared::ErrorCode;
use roughcut_shared::jobs::{
    CompleteOutput, Heartbeat, JobOutcome, MULTIPART_HEADER, MultipartStarted, PART_HEADER, UPLOAD_ID_HEADER,
    UploadedPart,
};
use worker::{Env, MessageBatch, MessageExt, Request, Response};

use super::bindings::{AI, MEDIA_CONTAINER, Stores};
use super::d1::{self, D1Store};
use super::downloads;
use super::jobs::QueueJobs;
use super::media::{MediaRoute, MediaTransport};
use super::platform::{ConsoleLog, WorkerClock};
use super::r2::R2Objects;
use super::settings::{Settings, TranscriberSetting};
use super::transcribers::{OpenAiCompatible, WorkersAi};
use super::web;
use super::webhooks;
use crate::domain::config::ProcessingConfig;
use crate::domain::downloads::Grant;
use crate::domain::ids::{IdKind, new_id};
use crate::domain::jobs::attempt_urls;
use crate::domain::jobs::runner::Reported;
use crate::domain::object_keys;
use crate::domain::ports::ProcessingDeps;
use crate::domain::ports::jobs::QueueMessage;
use crate::domain::ports::objects::{Objects, PartError, StoredPart};
use crate::domain::ports::processing::Transcriber;
use crate::domain::ports::{Clock, Log};
use crate::domain::webhooks::delivery;
use crate::domain::{sweep, work};
use crate::http::streamed::JobCall;
use crate::http::{ApiError, ApiResponse};

/// The transcriber `settings` name, over the `AI` binding for Workers AI.
fn transcriber(env: &Env, settings: &Settings) -> Result<Option<Box<dyn Transcriber>>, String> {
    Ok(match settings.transcriber.clone()? {
        TranscriberSetting::None => None,
        TranscriberSetting::OpenAi { base_url, api_key, model } => {
            Some(Box::new(OpenAiCompatible { base_url, api_key, model }))
        }
        TranscriberSetting::WorkersAi { model } => {
            let ai = env.ai(AI).map_err(|e| format!("TRANSCRIBER=workers-ai needs the {AI} binding: {e}"))?;
            Some(Box::new(WorkersAi { ai, model }))
        }
    })
}

/// `MEDIA_URL` (a media container process, local) or else the `MEDIA_CONTAINER` binding, and the
/// secret jobs are signed with.
fn media(env: &Env, settings: &Settings) -> Result<MediaTransport, String> {
    let job_secret = settings.media_job_secret()?.to_owned();
    let route = match &settings.media_url {
        Some(base_url) => MediaRoute::Http { base_url: base_url.clone() },
        None => env
            .durable_object(MEDIA_CONTAINER)
            .map(MediaRoute::Containers)
            .map_err(|e| format!("neither MEDIA_URL nor the MEDIA_CONTAINER binding is configured: {e}"))?,
    };
    Ok(MediaTransport { route, job_secret })
}

/// Everything processing needs, owned, built once per invocation. The transcriber only where
/// transcription can run (attempts started by the queue, results reported by the container): a
/// heartbeat, an input or an output call never transcribes.
pub struct ProcessingKit {
    store: D1Store,
    queue: super::bindings::Queues,
    objects: R2Objects,
    streams: super::pipeline_stream::DoStreams,
    media: MediaTransport,
    transcriber: Option<Box<dyn Transcriber>>,
    config: ProcessingConfig,
}

impl std::fmt::Debug for ProcessingKit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessingKit").field("media", &self.media).finish_non_exhaustive()
    }
}

impl ProcessingKit {
    pub fn new(env: &Env, settings: &Settings) -> Result<Self, String> {
        let Stores { store, queue, objects, streams } = Stores::open(env)?;
        let (media, config) = (media(env, settings)?, settings.processing()?);
        Ok(Self { store, queue, objects, streams, media, transcriber: None, config })
    }

    /// The kit with the configured transcriber, for work that may transcribe.
    pub fn transcribing(env: &Env, settings: &Settings) -> Result<Self, String> {
        Ok(Self { transcriber: transcriber(env, settings)?, ..Self::new(env, settings)? })
    }

    /// The domain's view of the kit, with `queue` as the job queue.
    fn deps<'a>(&'a self, queue: &'a QueueJobs<'a>) -> ProcessingDeps<'a> {
        ProcessingDeps {
            ports: d1::ports(&self.store, queue, &self.objects, &self.streams, &ConsoleLog),
            media: &self.media,
            transcriber: self.transcriber.as_deref(),
            config: &self.config,
        }
    }

    fn jobs(&self) -> QueueJobs<'_> {
        QueueJobs::new(&self.store, self.queue.clone())
    }
}

/// The `JOBS` consumer: each message starts its job's next attempt, or a webhook delivery's; a
/// message whose handling failed (D1 unreachable) is retried by the queue, and the claim makes a
/// repeat harmless. The events the batch recorded are fanned out to webhook endpoints after it.
pub async fn consume(batch: MessageBatch<QueueMessage>, env: &Env, settings: &Settings) {
    let kit = match ProcessingKit::transcribing(env, settings) {
        Ok(kit) => kit,
        Err(cause) => {
            ConsoleLog.error("jobs", &format!("processing is not configured: {cause}"));
            batch.retry_all();
            return;
        }
    };
    let jobs = kit.jobs();
    let messages = match batch.messages() {
        Ok(messages) => messages,
        Err(error) => {
            ConsoleLog.error("jobs", &format!("unreadable batch: {error}"));
            batch.ack_all();
            return;
        }
    };
    let deps = kit.deps(&jobs);
    for message in messages {
        let done = match message.body() {
            QueueMessage::Job { job_id } => match work::runner(deps).start_attempt(job_id).await {
                Ok(()) => true,
                Err(error) => {
                    ConsoleLog.error(job_id, &format!("starting an attempt: {error}"));
                    false
                }
            },
            QueueMessage::Delivery { delivery_id } => {
                webhooks::deliver(deps.ports, settings.http.webhook_targets, delivery_id).await
            }
        };
        if done { message.ack() } else { message.retry() }
    }
    webhooks::fan_out(&deps.ports).await;
}

/// The sweep's part (`domain::sweep::jobs`): expired leases and stalled jobs; then webhook events
/// not fanned out yet, and delivery attempts whose message or consumer was lost.
pub async fn sweep(env: &Env, settings: &Settings) -> Result<(), String> {
    let kit = ProcessingKit::new(env, settings)?;
    let jobs = kit.jobs();
    let deps = kit.deps(&jobs);
    sweep::jobs(&work::runner(deps)).await.map_err(|e| e.to_string())?;
    webhooks::fan_out(&deps.ports).await;
    delivery::sweep(&deps.ports).await.map(drop).map_err(|e| format!("webhook deliveries: {e}"))
}

/// A request of the media container to one of a job attempt's URLs.
pub async fn handle(
    mut request: Request,
    env: &Env,
    settings: &Settings,
    job_id: &str,
    call: Result<JobCall, ApiError>,
) -> worker::Result<Response> {
    let answered = match call {
        Ok(call) => answer(&mut request, env, settings, job_id, call).await,
        Err(refused) => Err(refused),
    };
    let response = match answered {
        Ok(Answer::Streamed(response)) => return Ok(response),
        Ok(Answer::Api(response)) => response,
        Err(error) => {
            let request_id = new_id(IdKind::Request, WorkerClock.now());
            error.into_response(&request_id, &ConsoleLog).with_header("request-id", request_id)
        }
    };
    web::write_response(response)
}

enum Answer {
    Api(ApiResponse),
    Streamed(Response),
}

/// 409 for every URL of an attempt that is over: the container stops on it.
fn attempt_over() -> ApiError {
    ApiError::new(ErrorCode::Conflict, "This job attempt is over.")
}

async fn answer(
    request: &mut Request,
    env: &Env,
    settings: &Settings,
    job_id: &str,
    call: JobCall,
) -> Result<Answer, ApiError> {
    let internal = |what: &str, error: String| ApiError::internal(format!("{what}: {error}"));
    let kit = match call {
        JobCall::Result => ProcessingKit::transcribing(env, settings),
        JobCall::Input | JobCall::Output { .. } | JobCall::Heartbeat => ProcessingKit::new(env, settings),
    };
    let kit = kit.map_err(|e| internal("processing", e))?;
    let url = request.url().map_err(|e| internal("url", e.to_string()))?;
    let now = WorkerClock.now();
    let attempt = attempt_urls::verify(&kit.config.jobs.signing_secret, job_id, url.query().unwrap_or(""), now)
        .map_err(|_| ApiError::new(ErrorCode::Forbidden, "This job URL is not valid."))?;
    let jobs = kit.jobs();
    let runner = work::runner(kit.deps(&jobs));
    let store_error = |e: crate::domain::StoreError| ApiError::internal(e.0);
    match call {
        JobCall::Input => {
            let input = runner.input_of(job_id, attempt).await.map_err(store_error)?.ok_or_else(attempt_over)?;
            let grant = Grant {
                object_key: input.object_key,
                filename: "input".into(),
                content_type: "application/octet-stream".into(),
            };
            Ok(Answer::Streamed(downloads::serve(request, env, &grant).await?))
        }
        JobCall::Output { name, method } => {
            let job = runner.running_attempt(job_id, attempt).await.map_err(store_error)?;
            let key = job.map(|job| object_keys::derived(&job.subject_id, &job.id, &name)).ok_or_else(attempt_over)?;
            output(request, &kit.objects, &key, &method).await.map(Answer::Api)
        }
        JobCall::Heartbeat => {
            let beat: Heartbeat = read_json(request).await?;
            let reply = runner.heartbeat(job_id, attempt, &beat).await.map_err(store_error)?;
            Ok(Answer::Api(ApiResponse::json(200, &reply)))
        }
        JobCall::Result => {
            let outcome: JobOutcome = read_json(request).await?;
            match runner.report(job_id, attempt, outcome).await.map_err(store_error)? {
                Reported::Applied => {
                    // a render or asset that ended here sends its webhooks now, not at the next batch
                    webhooks::fan_out(&kit.deps(&jobs).ports).await;
                    Ok(Answer::Api(ApiResponse::no_content()))
                }
                Reported::Stale => Err(attempt_over()),
            }
        }
    }
}

/// An output stored as `key`: whole in one `PUT`, or in parts as an R2 multipart upload (the
/// protocol of `roughcut_shared::jobs::MULTIPART_HEADER`), for outputs larger than a request may be.
/// Bodies stream from the container to R2 without entering wasm.
async fn output(
    request: &mut Request,
    objects: &R2Objects,
    key: &str,
    method: &http::Method,
) -> Result<ApiResponse, ApiError> {
    let store_error = |e: crate::domain::StoreError| ApiError::internal(e.0);
    let header = |name: &str| request.headers().get(name).ok().flatten();
    let (step, upload_id) = (header(MULTIPART_HEADER), header(UPLOAD_ID_HEADER));
    match (method, step.as_deref(), upload_id) {
        (&http::Method::PUT, None, None) => {
            let (body, length) = body_of(request)?;
            objects.put_stream(key, body, length).await.map_err(store_error)?;
            Ok(ApiResponse::no_content())
        }
        (&http::Method::POST, Some("start"), None) => {
            let upload_id = objects.begin_multipart(key).await.map_err(store_error)?;
            Ok(ApiResponse::json(200, &MultipartStarted { upload_id }))
        }
        (&http::Method::PUT, None, Some(upload_id)) => {
            let part = header(PART_HEADER)
                .and_then(|value| value.parse::<u16>().ok())
                .filter(|part| (1..=10_000).contains(part))
                .ok_or_else(|| ApiError::bad_request(format!("A part needs {PART_HEADER}: 1 to 10000.")))?;
            let (body, length) = body_of(request)?;
            let etag =
                objects.put_part_whole(key, &upload_id, part, Box::new(body), length).await.map_err(|e| match e {
                    PartError::BodyBroken(cause) => {
                        ApiError::bad_request(format!("The part's body broke off: {cause}"))
                    }
                    PartError::Store(error) => store_error(error),
                })?;
            Ok(ApiResponse::json(200, &UploadedPart { part, etag }))
        }
        (&http::Method::POST, Some("complete"), Some(upload_id)) => {
            let complete: CompleteOutput = read_json(request).await?;
            if complete.parts.is_empty() {
                return Err(ApiError::bad_request("A multipart output needs its parts."));
            }
            let parts: Vec<StoredPart> =
                complete.parts.into_iter().map(|p| StoredPart { number: p.part, etag: p.etag }).collect();
            objects.complete_multipart(key, &upload_id, &parts).await.map_err(store_error)?;
            Ok(ApiResponse::no_content())
        }
        _ => Err(ApiError::bad_request(format!(
            "An output is a PUT, or a multipart upload driven by {MULTIPART_HEADER} and {UPLOAD_ID_HEADER}."
        ))),
    }
}

/// A request's body and its declared length.
fn body_of(request: &Request) -> Result<(worker::web_sys::ReadableStream, u64), ApiError> {
    let length = request
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| ApiError::bad_request("An output needs a Content-Length."))?;
    let body = request.inner().body().ok_or_else(|| ApiError::bad_request("An output needs a body."))?;
    Ok((body, length))
}

/// A JSON body, read as the API reads one (`ApiRequest::json`: 415, 413, 400 or 422 naming the
/// field).
async fn read_json<T: serde::de::DeserializeOwned>(request: &mut Request) -> Result<T, ApiError> {
    web::read_request(request).await.map_err(|e| ApiError::bad_request(format!("Unreadable body: {e}")))?.json()
}
