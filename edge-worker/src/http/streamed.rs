//! The routes whose bodies or answers stream, decided here before the JSON API's table: TUS
//! uploads (bodies streamed to the upload's Durable Object), the media container's calls about a
//! job attempt (outputs streamed to R2) and signed downloads (streamed from R2). Which methods each
//! takes, and TUS's preconditions, are checked here; the adapters only move the bytes.

use http::{HeaderMap, Method};
use roughcut_shared::ErrorCode;

use super::ApiError;
use super::tus::{UploadPath, effective_method};
use crate::domain::downloads::FILES_PREFIX;
use crate::domain::jobs::attempt_urls::{JobEndpoint, JobPath};
use crate::domain::uploads::tus::{self as protocol, PATCH_CONTENT_TYPE};

/// A TUS request, as it is to be answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadCall {
    /// `OPTIONS`: what the server supports (no key needed).
    Options,
    /// Creation on `surface` (an index into `tus::COLLECTIONS`), with its first chunk if any.
    Create { surface: usize },
    /// An upload's `HEAD`, `PATCH` or `DELETE`, for its Durable Object.
    Forward { id: String, method: Method },
}

/// What the media container asks of a job attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobCall {
    /// `GET`/`HEAD` of the input.
    Input,
    /// An output: a `PUT`, or a multipart upload's `POST`s and `PUT`s.
    Output {
        name: String,
        method: Method,
    },
    Heartbeat,
    Result,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Streamed {
    /// A TUS request, or why it is refused (answered with TUS's headers).
    Upload(Result<UploadCall, ApiError>),
    /// The media container's call about `job_id`, or why it is refused.
    Job { job_id: String, call: Result<JobCall, ApiError> },
    /// A signed download.
    Download,
    /// A pipeline's Server-Sent Events (`GET` only).
    PipelineEvents(Result<String, ApiError>),
}

/// The streamed route of a request, or `None` for the JSON API.
pub fn route(method: &Method, path: &str, headers: &HeaderMap) -> Option<Streamed> {
    if let Some(upload) = UploadPath::parse(path) {
        return Some(Streamed::Upload(upload_call(upload, method, headers)));
    }
    if let Some(JobPath { job_id, endpoint }) = JobPath::parse(path) {
        return Some(Streamed::Job { job_id, call: job_call(endpoint, method) });
    }
    if let Some(pipeline_id) = pipeline_events_of(path) {
        let call =
            if *method == Method::GET { Ok(pipeline_id.to_owned()) } else { Err(ApiError::method_not_allowed("GET")) };
        return Some(Streamed::PipelineEvents(call));
    }
    path.starts_with(FILES_PREFIX).then_some(Streamed::Download)
}

/// The pipeline of `/api/v1/pipelines/{id}/events`.
fn pipeline_events_of(path: &str) -> Option<&str> {
    let id = path.strip_prefix("/api/v1/pipelines/")?.strip_suffix("/events")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

fn upload_call(path: UploadPath, method: &Method, headers: &HeaderMap) -> Result<UploadCall, ApiError> {
    let method = effective_method(method, headers);
    if method == Method::OPTIONS {
        return Ok(UploadCall::Options);
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    protocol::check_resumable(header("tus-resumable"))?;
    match (path, method) {
        (UploadPath::Collection { surface }, Method::POST) => Ok(UploadCall::Create { surface }),
        (UploadPath::Upload { id, .. }, method @ (Method::HEAD | Method::DELETE)) => {
            Ok(UploadCall::Forward { id, method })
        }
        (UploadPath::Upload { id, .. }, Method::PATCH) => {
            if header("content-type").and_then(|t| t.split(';').next()).map(str::trim) != Some(PATCH_CONTENT_TYPE) {
                return Err(ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    format!("PATCH bodies are {PATCH_CONTENT_TYPE}."),
                ));
            }
            Ok(UploadCall::Forward { id, method: Method::PATCH })
        }
        (UploadPath::Collection { .. }, _) => Err(ApiError::method_not_allowed("POST, OPTIONS")),
        (UploadPath::Upload { .. }, _) => Err(ApiError::method_not_allowed("HEAD, PATCH, DELETE, OPTIONS")),
    }
}

fn job_call(endpoint: JobEndpoint, method: &Method) -> Result<JobCall, ApiError> {
    match (endpoint, method) {
        (JobEndpoint::Input, &Method::GET | &Method::HEAD) => Ok(JobCall::Input),
        (JobEndpoint::Output(name), &Method::PUT | &Method::POST) => {
            Ok(JobCall::Output { name, method: method.clone() })
        }
        (JobEndpoint::Heartbeat, &Method::POST) => Ok(JobCall::Heartbeat),
        (JobEndpoint::Result, &Method::POST) => Ok(JobCall::Result),
        (JobEndpoint::Input, _) => Err(ApiError::method_not_allowed("GET, HEAD")),
        (JobEndpoint::Output(_), _) => Err(ApiError::method_not_allowed("PUT, POST")),
        (JobEndpoint::Heartbeat | JobEndpoint::Result, _) => Err(ApiError::method_not_allowed("POST")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs.iter().map(|(name, value)| (http::HeaderName::from_static(name), value.parse().expect("value"))).collect()
    }

    fn code(route: Option<Streamed>) -> Option<ErrorCode> {
        match route? {
            Streamed::Upload(Err(error)) | Streamed::Job { call: Err(error), .. } => Some(error.code()),
            _ => None,
        }
    }

    #[test]
    fn uploads_take_their_methods_and_tus_preconditions() {
        let tus = headers(&[("tus-resumable", "1.0.0")]);
        let create = route(&Method::POST, "/v1/uploads", &tus);
        assert_eq!(create, Some(Streamed::Upload(Ok(UploadCall::Create { surface: 0 }))));
        let seed = route(&Method::POST, "/api/v1/assets/upload-resumable/", &tus);
        assert_eq!(seed, Some(Streamed::Upload(Ok(UploadCall::Create { surface: 1 }))));
        let options = route(&Method::OPTIONS, "/v1/uploads/upl_1", &HeaderMap::new());
        assert_eq!(options, Some(Streamed::Upload(Ok(UploadCall::Options))), "OPTIONS needs no Tus-Resumable");
        let head = route(&Method::HEAD, "/v1/uploads/upl_1", &tus);
        assert_eq!(head, Some(Streamed::Upload(Ok(UploadCall::Forward { id: "upl_1".into(), method: Method::HEAD }))));
        let overridden = headers(&[("tus-resumable", "1.0.0"), ("x-http-method-override", "DELETE")]);
        let delete = route(&Method::POST, "/v1/uploads/upl_1", &overridden);
        assert_eq!(
            delete,
            Some(Streamed::Upload(Ok(UploadCall::Forward { id: "upl_1".into(), method: Method::DELETE })))
        );
        assert_eq!(
            code(route(&Method::HEAD, "/v1/uploads/upl_1", &HeaderMap::new())),
            Some(ErrorCode::PreconditionFailed)
        );
        let octets = headers(&[("tus-resumable", "1.0.0"), ("content-type", "application/offset+octet-stream")]);
        assert!(matches!(route(&Method::PATCH, "/v1/uploads/upl_1", &octets), Some(Streamed::Upload(Ok(_)))));
        let json = headers(&[("tus-resumable", "1.0.0"), ("content-type", "application/json")]);
        assert_eq!(code(route(&Method::PATCH, "/v1/uploads/upl_1", &json)), Some(ErrorCode::UnsupportedMediaType));
        assert_eq!(code(route(&Method::GET, "/v1/uploads/upl_1", &tus)), Some(ErrorCode::MethodNotAllowed));
        assert_eq!(code(route(&Method::PATCH, "/v1/uploads", &octets)), Some(ErrorCode::MethodNotAllowed));
    }

    #[test]
    fn job_calls_take_their_methods() {
        let none = HeaderMap::new();
        let call = |method: Method, path: &str| match route(&method, path, &none) {
            Some(Streamed::Job { job_id, call }) => (job_id, call.map_err(|e| e.code())),
            other => panic!("{other:?}"),
        };
        assert_eq!(call(Method::GET, "/internal/jobs/job_1/input"), ("job_1".into(), Ok(JobCall::Input)));
        let output = call(Method::PUT, "/internal/jobs/job_1/outputs/render").1;
        assert_eq!(output, Ok(JobCall::Output { name: "render".into(), method: Method::PUT }));
        assert_eq!(call(Method::POST, "/internal/jobs/job_1/heartbeat").1, Ok(JobCall::Heartbeat));
        assert_eq!(call(Method::POST, "/internal/jobs/job_1/result").1, Ok(JobCall::Result));
        assert_eq!(call(Method::GET, "/internal/jobs/job_1/result").1, Err(ErrorCode::MethodNotAllowed));
        assert_eq!(call(Method::DELETE, "/internal/jobs/job_1/input").1, Err(ErrorCode::MethodNotAllowed));
    }

    #[test]
    fn every_documented_streamed_route_is_served_with_its_method() {
        let tus = headers(&[("tus-resumable", "1.0.0"), ("content-type", "application/offset+octet-stream")]);
        for documented in crate::http::routes::STREAMED {
            let path = documented.path.replace("{id}", "upl_1").replace("{key}", "assets/ast_1/source");
            let served = match route(&documented.method, &path, &tus) {
                Some(Streamed::Upload(call)) => call.is_ok(),
                Some(Streamed::PipelineEvents(call)) => call.is_ok(),
                Some(Streamed::Download) => true,
                _ => false,
            };
            assert!(served, "{} {} is documented but not served", documented.method, documented.path);
        }
    }

    #[test]
    fn downloads_stream_and_the_rest_is_the_json_api() {
        let none = HeaderMap::new();
        assert_eq!(route(&Method::GET, "/v1/files/assets/ast_1/source", &none), Some(Streamed::Download));
        assert_eq!(route(&Method::GET, "/v1/assets", &none), None);
        assert_eq!(route(&Method::GET, "/internal/jobs/nope/input", &none), None, "not a job id: the API's 404");
        let events = route(&Method::GET, "/api/v1/pipelines/pip_1/events", &none);
        assert_eq!(events, Some(Streamed::PipelineEvents(Ok("pip_1".into()))));
        let posted = route(&Method::POST, "/api/v1/pipelines/pip_1/events", &none);
        assert!(matches!(posted, Some(Streamed::PipelineEvents(Err(_)))));
        assert_eq!(route(&Method::GET, "/api/v1/pipelines/pip_1", &none), None);
        assert_eq!(route(&Method::GET, "/api/v1/pipelines/a/b/events", &none), None);
    }
}
