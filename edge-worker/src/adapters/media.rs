//! The media container behind `MediaDispatch`, over either transport: HTTP to `MEDIA_URL` (the
//! local process in development and tests) or the Containers binding (`MEDIA_CONTAINER`, a
//! Durable Object per job that starts its container; production). Both send the same
//! `POST /jobs`, signed with `MEDIA_JOB_SECRET`, so the container cannot tell them apart and runs
//! nobody else's jobs.

use async_trait::async_trait;
use roughcut_shared::job_signature::{self, SIGNATURE_HEADER};
use roughcut_shared::jobs::MediaJob;
use worker::{Fetch, Headers, Method, ObjectNamespace, Request, RequestInit, Response};

use crate::domain::ports::jobs::{DispatchError, MediaDispatch};

/// How jobs reach the media container, and the secret that signs them.
pub struct MediaTransport {
    pub route: MediaRoute,
    /// `MEDIA_JOB_SECRET`, which the container holds too.
    pub job_secret: String,
}

pub enum MediaRoute {
    Http { base_url: String },
    Containers(ObjectNamespace),
}

impl std::fmt::Debug for MediaTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.route {
            MediaRoute::Http { base_url } => write!(f, "MediaTransport::Http({base_url})"),
            MediaRoute::Containers(_) => f.write_str("MediaTransport::Containers"),
        }
    }
}

fn job_request(url: &str, job: &MediaJob, job_secret: &str) -> worker::Result<Request> {
    let body = serde_json::to_string(job).map_err(|e| worker::Error::RustError(format!("job JSON: {e}")))?;
    let now = (worker::Date::now().as_millis() / 1000) as i64;
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set(SIGNATURE_HEADER, &job_signature::sign(job_secret, now, body.as_bytes()))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
    Request::new_with_init(url, &init)
}

/// Used when a busy container names no delay.
const DEFAULT_BUSY_SECONDS: u32 = 5;

async fn accepted(response: worker::Result<Response>) -> Result<(), DispatchError> {
    let mut response = response.map_err(|e| DispatchError::Failed(format!("unreachable: {e}")))?;
    match response.status_code() {
        200..=299 => Ok(()),
        503 => {
            let retry_after = response.headers().get("retry-after").ok().flatten().and_then(|v| v.parse().ok());
            Err(DispatchError::Busy { retry_after_seconds: retry_after.unwrap_or(DEFAULT_BUSY_SECONDS).clamp(1, 300) })
        }
        status => {
            let body = response.text().await.unwrap_or_default();
            Err(DispatchError::Failed(format!("answered {status}: {}", body.chars().take(300).collect::<String>())))
        }
    }
}

#[async_trait(?Send)]
impl MediaDispatch for MediaTransport {
    async fn dispatch(&self, job: &MediaJob) -> Result<(), DispatchError> {
        let refused = |e: worker::Error| DispatchError::Failed(format!("building the request: {e}"));
        match &self.route {
            MediaRoute::Http { base_url } => {
                let url = format!("{}/jobs", base_url.trim_end_matches('/'));
                let request = job_request(&url, job, &self.job_secret).map_err(refused)?;
                accepted(Fetch::Request(request).send().await).await
            }
            MediaRoute::Containers(namespace) => {
                // one container per job: attempts of a job meet the same instance
                let stub = namespace
                    .id_from_name(&job.job_id)
                    .and_then(|id| id.get_stub())
                    .map_err(|e| DispatchError::Failed(format!("container stub: {e}")))?;
                let request = job_request("http://container/jobs", job, &self.job_secret).map_err(refused)?;
                accepted(stub.fetch_with_request(request).await).await
            }
        }
    }
}
