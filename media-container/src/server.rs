//! The job server's routes: `GET /health`, and `POST /jobs`, which admits an attempt the worker
//! signed and runs it in the background on a blocking thread (the engine and ureq are synchronous). Error answers
//! are `{"error":{"code","message"}}`, one code per status, as on the public API.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use roughcut_shared::job_signature::{self, SIGNATURE_HEADER};
use roughcut_shared::jobs::{MediaJob, MediaTask, OUTPUT_NAME_PLACEHOLDER};
use serde::Serialize;
use serde_json::json;

use crate::attempt;
use crate::config::Config;
use crate::registry::{Admission, Registry};
use crate::speech;
use crate::worker_client::Http;

/// Seconds a busy container asks the worker to wait before dispatching again.
const BUSY_RETRY_AFTER: &str = "5";

#[derive(Debug)]
pub struct App {
    pub config: Config,
    pub registry: Registry,
    pub http: Http,
    /// The secret of the worker's signature on jobs.
    pub job_secret: String,
}

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

#[derive(Debug, Serialize)]
struct Accepted<'a> {
    job_id: &'a str,
    attempt: u32,
}

pub fn router(app: Arc<App>) -> Router {
    Router::new().route("/health", get(health)).route("/jobs", post(post_job)).with_state(app)
}

async fn health() -> Json<Health> {
    Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") })
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": { "code": code, "message": message } }))).into_response()
}

/// What a job must satisfy beyond its shape.
fn check(job: &MediaJob) -> Result<(), &'static str> {
    if !job.links.output.contains(OUTPUT_NAME_PLACEHOLDER) {
        return Err("links.output must contain {name}");
    }
    match &job.task {
        MediaTask::ProcessAsset { speech, .. } => speech.as_ref().map_or(Ok(()), speech::validate),
        MediaTask::Render { spec, .. } if spec.format.is_video() && (spec.width.is_none() || spec.height.is_none()) => {
            Err("a video render needs its size")
        }
        MediaTask::Render { .. } => Ok(()),
    }
}

async fn post_job(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    // before the body is even parsed: nobody but the worker may have this container fetch or send
    let signature = headers.get(SIGNATURE_HEADER).and_then(|value| value.to_str().ok());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    if let Err(refusal) = job_signature::verify(&app.job_secret, signature, &body, now) {
        eprintln!("media-container: refused a job: signature {refusal:?}");
        return error(StatusCode::UNAUTHORIZED, "unauthenticated", "the job is not signed by the worker");
    }
    let job: MediaJob = match serde_json::from_slice(&body) {
        Ok(job) => job,
        // serde's message is about the caller's own JSON (a field, a line and column).
        Err(err) => return error(StatusCode::BAD_REQUEST, "bad_request", &format!("not a media job: {err}")),
    };
    if let Err(message) = check(&job) {
        return error(StatusCode::BAD_REQUEST, "bad_request", message);
    }
    let accepted = Json(Accepted { job_id: &job.job_id, attempt: job.attempt });
    let control = match app.registry.admit(&job.job_id, job.attempt) {
        Admission::Start(control) => control,
        Admission::AlreadyRunning => return (StatusCode::OK, accepted).into_response(),
        Admission::Superseded => {
            return error(StatusCode::CONFLICT, "superseded", "a newer attempt of this job is running");
        }
        Admission::Busy => {
            let mut response = error(StatusCode::SERVICE_UNAVAILABLE, "busy", "the container is at capacity");
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static(BUSY_RETRY_AFTER));
            return response;
        }
    };
    let response = (StatusCode::ACCEPTED, accepted).into_response();
    let app = Arc::clone(&app);
    tokio::task::spawn_blocking(move || {
        attempt::run(&job, &control, &app.config, &app.http);
        app.registry.finish(&job.job_id, &control);
    });
    response
}
