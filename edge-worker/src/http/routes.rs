//! The route table: every (method, path) the API serves, its auth and its handler, in one place.
//! The OpenAPI document is checked against it by tests, so neither can drift.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use http::Method;

/// How a route authenticates its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Public,
    /// `Authorization: Bearer sk_…` of an account.
    ApiKey,
    /// `Authorization: Bearer <ADMIN_TOKEN>`.
    Admin,
}

/// What a route does; `http::dispatch` maps each to its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    OpenApi,
    CreateAccount,
    GrantCredits,
    ListJobs,
    RedeliverJob,
    CreateApiKey,
    ListApiKeys,
    RevokeApiKey,
    CreateProject,
    ListProjects,
    GetProject,
    UpdateProject,
    DeleteProject,
    CreditBalance,
    CreditHistory,
    CreateAsset,
    ListAssets,
    GetAsset,
    DeleteAsset,
    RestoreAsset,
    CreateAudioProxy,
    UploadTranscript,
    CreateCut,
    ListCuts,
    GetCut,
    DeleteCut,
    ExportCut,
    ExportCutSubtitles,
    CutTranscript,
    CreateRender,
    ListRenders,
    GetRender,
    DeleteRender,
    ListSeedAssets,
    GetSeedAsset,
    DeleteSeedAsset,
    EstimatePipeline,
    CreatePipeline,
    ListPipelines,
    GetPipeline,
    CancelPipeline,
    RetryPipeline,
    RetryPipelineStep,
    CreateWebhookEndpoint,
    ListWebhookEndpoints,
    GetWebhookEndpoint,
    UpdateWebhookEndpoint,
    DeleteWebhookEndpoint,
    RotateWebhookSecret,
    TestWebhookEndpoint,
    ListWebhookDeliveries,
    RedeliverWebhook,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub method: Method,
    /// OpenAPI path syntax: `/v1/projects/{id}`.
    pub path: &'static str,
    pub endpoint: Endpoint,
    pub auth: Auth,
}

/// A route the Worker answers before the route table because its body streams (TUS uploads,
/// signed downloads): documented from here, served through `http::streamed::route` (a test there
/// holds the two together).
#[derive(Debug, Clone)]
pub struct StreamedRoute {
    pub method: Method,
    pub path: &'static str,
    pub auth: Auth,
    /// The success status.
    pub status: u16,
    pub summary: &'static str,
}

const fn streamed(method: Method, path: &'static str, auth: Auth, status: u16, summary: &'static str) -> StreamedRoute {
    StreamedRoute { method, path, auth, status, summary }
}

/// Every streamed route, on both upload surfaces.
pub const STREAMED: &[StreamedRoute] = &[
    streamed(
        Method::OPTIONS,
        "/v1/uploads",
        Auth::Public,
        204,
        "TUS capabilities: Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm.",
    ),
    streamed(
        Method::POST,
        "/v1/uploads",
        Auth::ApiKey,
        201,
        "TUS creation: Upload-Length and Upload-Metadata (project_id, filename, content_type, language) create an asset and its upload (Location, Upload-Expires); a body (application/offset+octet-stream) is its first chunk (one refused for its checksum leaves Upload-Offset 0 to resume). Answers the new asset as JSON and names it in Roughcut-Asset-Id. An Idempotency-Key makes a repeated creation answer as the first.",
    ),
    streamed(Method::HEAD, "/v1/uploads/{id}", Auth::ApiKey, 200, "Upload-Offset and Upload-Length of an upload."),
    streamed(
        Method::PATCH,
        "/v1/uploads/{id}",
        Auth::ApiKey,
        204,
        "A chunk (application/offset+octet-stream, at most 64 MiB) at Upload-Offset, optionally with Upload-Checksum (sha1, md5, sha256).",
    ),
    streamed(
        Method::DELETE,
        "/v1/uploads/{id}",
        Auth::ApiKey,
        204,
        "TUS termination: the partial bytes and the asset go.",
    ),
    streamed(Method::OPTIONS, "/api/v1/assets/upload-resumable", Auth::Public, 204, "TUS capabilities (seed surface)."),
    streamed(
        Method::POST,
        "/api/v1/assets/upload-resumable",
        Auth::ApiKey,
        201,
        "TUS creation (seed surface): metadata type AUDIO or VIDEO, filename, content_type, project_id; answers the new asset.",
    ),
    streamed(Method::HEAD, "/api/v1/assets/upload-resumable/{id}", Auth::ApiKey, 200, "Upload-Offset (seed surface)."),
    streamed(Method::PATCH, "/api/v1/assets/upload-resumable/{id}", Auth::ApiKey, 204, "A chunk (seed surface)."),
    streamed(
        Method::DELETE,
        "/api/v1/assets/upload-resumable/{id}",
        Auth::ApiKey,
        204,
        "TUS termination (seed surface).",
    ),
    streamed(
        Method::GET,
        "/v1/files/{key}",
        Auth::Public,
        200,
        "A signed download URL (an asset's `download_url`): the bytes, with Range (206) support; tampered or expired → 403.",
    ),
    streamed(Method::HEAD, "/v1/files/{key}", Auth::Public, 200, "The headers of a signed download."),
    streamed(
        Method::GET,
        "/api/v1/pipelines/{id}/events",
        Auth::ApiKey,
        200,
        "Server-Sent Events (text/event-stream) of the pipeline: `pipeline.state`, `step.state` and `step.progress`, each with an increasing `id:` and a `data:` line of the pipeline or step as GET shows it. The stream replays the log from its start (or after `Last-Event-ID`, also accepted as `?last_event_id=`), then sends events as they happen, a keep-alive comment at least every 20 s, and ends after the pipeline's end; 204 when the client has seen the end already.",
    ),
];

/// Paths of the seed surface (`/api/v1`) that serve exactly what a canonical path serves.
pub const ALIASES: &[(&str, &str)] =
    &[("/api/v1/api-keys", "/v1/api-keys"), ("/api/v1/api-keys/{id}", "/v1/api-keys/{id}")];

const fn route(method: Method, path: &'static str, endpoint: Endpoint, auth: Auth) -> Route {
    Route { method, path, endpoint, auth }
}

/// Every canonical route; `ALIASES` add their seed-surface twins.
fn canonical_routes() -> Vec<Route> {
    use Auth::{Admin, ApiKey, Public};
    use Endpoint as E;
    vec![
        route(Method::GET, "/v1/openapi.json", E::OpenApi, Public),
        route(Method::POST, "/admin/v1/accounts", E::CreateAccount, Admin),
        route(Method::POST, "/admin/v1/accounts/{id}/credits", E::GrantCredits, Admin),
        route(Method::GET, "/admin/v1/jobs", E::ListJobs, Admin),
        route(Method::POST, "/admin/v1/jobs/{id}/redeliver", E::RedeliverJob, Admin),
        route(Method::POST, "/v1/api-keys", E::CreateApiKey, ApiKey),
        route(Method::GET, "/v1/api-keys", E::ListApiKeys, ApiKey),
        route(Method::DELETE, "/v1/api-keys/{id}", E::RevokeApiKey, ApiKey),
        route(Method::POST, "/v1/projects", E::CreateProject, ApiKey),
        route(Method::GET, "/v1/projects", E::ListProjects, ApiKey),
        route(Method::GET, "/v1/projects/{id}", E::GetProject, ApiKey),
        route(Method::PATCH, "/v1/projects/{id}", E::UpdateProject, ApiKey),
        route(Method::DELETE, "/v1/projects/{id}", E::DeleteProject, ApiKey),
        route(Method::GET, "/v1/credits/balance", E::CreditBalance, ApiKey),
        route(Method::GET, "/v1/credits/history", E::CreditHistory, ApiKey),
        route(Method::POST, "/v1/assets", E::CreateAsset, ApiKey),
        route(Method::GET, "/v1/assets", E::ListAssets, ApiKey),
        route(Method::GET, "/v1/assets/{id}", E::GetAsset, ApiKey),
        route(Method::DELETE, "/v1/assets/{id}", E::DeleteAsset, ApiKey),
        route(Method::POST, "/v1/assets/{id}/restore", E::RestoreAsset, ApiKey),
        route(Method::POST, "/v1/assets/{id}/audio-proxy", E::CreateAudioProxy, ApiKey),
        route(Method::POST, "/v1/assets/{id}/transcript", E::UploadTranscript, ApiKey),
        route(Method::POST, "/v1/cuts", E::CreateCut, ApiKey),
        route(Method::GET, "/v1/cuts", E::ListCuts, ApiKey),
        route(Method::GET, "/v1/cuts/{id}", E::GetCut, ApiKey),
        route(Method::DELETE, "/v1/cuts/{id}", E::DeleteCut, ApiKey),
        route(Method::GET, "/v1/cuts/{id}/export", E::ExportCut, ApiKey),
        route(Method::GET, "/v1/cuts/{id}/subtitle/export", E::ExportCutSubtitles, ApiKey),
        route(Method::GET, "/v1/cuts/{id}/transcript", E::CutTranscript, ApiKey),
        route(Method::POST, "/v1/renders", E::CreateRender, ApiKey),
        route(Method::GET, "/v1/renders", E::ListRenders, ApiKey),
        route(Method::GET, "/v1/renders/{id}", E::GetRender, ApiKey),
        route(Method::DELETE, "/v1/renders/{id}", E::DeleteRender, ApiKey),
        route(Method::GET, "/api/v1/assets", E::ListSeedAssets, ApiKey),
        route(Method::GET, "/api/v1/assets/{id}", E::GetSeedAsset, ApiKey),
        route(Method::DELETE, "/api/v1/assets/{id}", E::DeleteSeedAsset, ApiKey),
        route(Method::POST, "/api/v1/pipelines/estimate", E::EstimatePipeline, ApiKey),
        route(Method::POST, "/api/v1/pipelines", E::CreatePipeline, ApiKey),
        route(Method::GET, "/api/v1/pipelines", E::ListPipelines, ApiKey),
        route(Method::GET, "/api/v1/pipelines/{id}", E::GetPipeline, ApiKey),
        route(Method::POST, "/api/v1/pipelines/{id}/cancel", E::CancelPipeline, ApiKey),
        route(Method::POST, "/api/v1/pipelines/{id}/retry", E::RetryPipeline, ApiKey),
        route(Method::POST, "/api/v1/pipelines/{id}/steps/{step_id}/retry", E::RetryPipelineStep, ApiKey),
        route(Method::POST, "/v1/webhook-endpoints", E::CreateWebhookEndpoint, ApiKey),
        route(Method::GET, "/v1/webhook-endpoints", E::ListWebhookEndpoints, ApiKey),
        route(Method::GET, "/v1/webhook-endpoints/{id}", E::GetWebhookEndpoint, ApiKey),
        route(Method::PATCH, "/v1/webhook-endpoints/{id}", E::UpdateWebhookEndpoint, ApiKey),
        route(Method::DELETE, "/v1/webhook-endpoints/{id}", E::DeleteWebhookEndpoint, ApiKey),
        route(Method::POST, "/v1/webhook-endpoints/{id}/rotate-secret", E::RotateWebhookSecret, ApiKey),
        route(Method::POST, "/v1/webhook-endpoints/{id}/test", E::TestWebhookEndpoint, ApiKey),
        route(Method::GET, "/v1/webhook-endpoints/{id}/deliveries", E::ListWebhookDeliveries, ApiKey),
        route(
            Method::POST,
            "/v1/webhook-endpoints/{id}/deliveries/{delivery_id}/redeliver",
            E::RedeliverWebhook,
            ApiKey,
        ),
    ]
}

/// Every route served, aliases included.
pub fn all() -> &'static [Route] {
    static ROUTES: OnceLock<Vec<Route>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let canonical = canonical_routes();
        let aliased = ALIASES.iter().flat_map(|(alias, target)| {
            canonical.iter().filter(move |r| r.path == *target).map(move |r| Route { path: alias, ..r.clone() })
        });
        let aliased: Vec<Route> = aliased.collect();
        canonical.into_iter().chain(aliased).collect()
    })
}

/// The result of matching a request line against the table.
#[derive(Debug)]
pub enum Resolved {
    Found(&'static Route, Vec<(String, String)>),
    /// The path exists; these methods are what it serves.
    MethodNotAllowed(String),
    NotFound,
}

/// matchit's router over the table, grouped by path, built once per isolate.
fn matcher() -> &'static matchit::Router<Vec<&'static Route>> {
    static MATCHER: OnceLock<matchit::Router<Vec<&'static Route>>> = OnceLock::new();
    MATCHER.get_or_init(|| {
        let mut by_path: BTreeMap<&str, Vec<&Route>> = BTreeMap::new();
        for route in all() {
            by_path.entry(route.path).or_default().push(route);
        }
        let mut router = matchit::Router::new();
        for (path, routes) in by_path {
            // matchit 0.7 writes parameters as `:name`.
            let pattern = path.replace('{', ":").replace('}', "");
            if let Err(err) = router.insert(pattern, routes) {
                panic!("route table is inconsistent at {path}: {err}");
            }
        }
        router
    })
}

pub fn resolve(method: &Method, path: &str) -> Resolved {
    let Ok(matched) = matcher().at(path) else {
        return Resolved::NotFound;
    };
    let params = matched.params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    // HEAD is answered wherever GET is (RFC 9110 §9.3.2); the adapter drops the body.
    let wanted = if method == Method::HEAD { &Method::GET } else { method };
    match matched.value.iter().find(|route| route.method == wanted) {
        Some(route) => Resolved::Found(route, params),
        None => {
            let allow: Vec<&str> = matched.value.iter().map(|route| route.method.as_str()).collect();
            Resolved::MethodNotAllowed(allow.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_paths_methods_and_aliases() {
        let Resolved::Found(route, params) = resolve(&Method::GET, "/v1/projects/prj_1") else { panic!("not found") };
        assert_eq!((route.endpoint, params), (Endpoint::GetProject, vec![("id".to_owned(), "prj_1".to_owned())]));
        let Resolved::Found(route, _) = resolve(&Method::DELETE, "/api/v1/api-keys/key_1") else { panic!("alias") };
        assert_eq!(route.endpoint, Endpoint::RevokeApiKey);
        assert!(
            matches!(resolve(&Method::PUT, "/v1/projects/prj_1"), Resolved::MethodNotAllowed(allow) if allow == "GET, PATCH, DELETE")
        );
        assert!(matches!(resolve(&Method::GET, "/v1/nope"), Resolved::NotFound));
        assert!(matches!(resolve(&Method::GET, "/v1/projects/"), Resolved::NotFound));
    }
}
