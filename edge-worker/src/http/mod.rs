//! The HTTP layer, over plain `http` types so that it runs natively in tests: routing, auth,
//! request parsing, and the one mapping from errors to responses.

pub mod edge;
pub mod error;
mod handlers;
pub mod idempotency;
pub mod openapi;
pub mod rate_limit;
pub mod request;
pub mod response;
pub mod routes;
pub mod streamed;
pub mod tus;

use sha2::{Digest, Sha256};

use crate::domain::Ports;
use crate::domain::api_keys::{self, Principal};
use crate::domain::ids::{IdKind, new_id};
use crate::domain::ports::{Clock, Log};
pub use error::ApiError;
pub use request::{ApiRequest, RequestBody};
pub use response::ApiResponse;
use routes::{Auth, Endpoint, Resolved};

/// Deployment settings the HTTP layer needs.
#[derive(Clone)]
pub struct Config {
    /// The operator's bearer token for `/admin/v1`; admin routes refuse everyone without it.
    pub admin_token: Option<String>,
    /// The key of download URLs' signatures; without it assets have no `download_url`.
    pub signing_secret: Option<String>,
    /// How long an upload lives after its last PATCH.
    pub upload_ttl_ms: i64,
    /// Prices (a top-up settles unpaid assets at them).
    pub rate_card: crate::domain::config::RateCard,
    /// Where webhook endpoints may point (the local stack's loopback receivers).
    pub webhook_targets: crate::domain::webhooks::endpoints::Targets,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("admin_token", &self.admin_token.as_ref().map(|_| "<set>"))
            .field("signing_secret", &self.signing_secret.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// Shortest admin token accepted: a short secret is treated as none rather than guessable.
const MIN_ADMIN_TOKEN_CHARS: usize = 24;

/// Who is calling, as established by the route's `Auth`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Anyone,
    Operator,
    Account(Principal),
}

/// One request on its way through a handler.
#[derive(Debug)]
pub struct Call<'a> {
    pub ports: Ports<'a>,
    pub config: &'a Config,
    pub request: &'a ApiRequest,
    pub params: Vec<(String, String)>,
    pub caller: Caller,
}

impl Call<'_> {
    /// A path parameter the route declares.
    pub fn param(&self, name: &str) -> Result<&str, ApiError> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .ok_or_else(|| ApiError::internal(format!("route has no path parameter {name}")))
    }

    /// The authenticated account (the route declared `Auth::ApiKey`).
    pub fn account(&self) -> Result<&Principal, ApiError> {
        match &self.caller {
            Caller::Account(principal) => Ok(principal),
            _ => Err(ApiError::internal("handler needs an account but its route is not Auth::ApiKey")),
        }
    }
}

/// Answers one request. Never fails: every error becomes the error envelope here.
pub async fn handle(ports: Ports<'_>, config: &Config, request: ApiRequest) -> ApiResponse {
    let request_id = new_id(IdKind::Request, ports.clock.now());
    let mut response = match route_and_run(ports, config, &request, &request_id).await {
        Ok(response) => response,
        Err(error) => error.into_response(&request_id, ports.log),
    };
    if request.method == http::Method::HEAD {
        response.body.clear();
    }
    // API answers are per caller and some show a key's plaintext: no cache may keep them
    response.with_header("cache-control", "no-store").with_header("request-id", request_id)
}

/// The response to a request that failed before it could be handled (a missing binding, an
/// unreadable body), in the same envelope and with a request id.
pub fn handle_failure(clock: &dyn Clock, log: &dyn Log, error: ApiError) -> ApiResponse {
    let request_id = new_id(IdKind::Request, clock.now());
    error.into_response(&request_id, log).with_header("request-id", request_id)
}

async fn route_and_run(
    ports: Ports<'_>,
    config: &Config,
    request: &ApiRequest,
    request_id: &str,
) -> Result<ApiResponse, ApiError> {
    let (route, params) = match routes::resolve(&request.method, &request.path) {
        Resolved::Found(route, params) => (route, params),
        Resolved::MethodNotAllowed(allow) => return Err(ApiError::method_not_allowed(&allow)),
        Resolved::NotFound => return Err(ApiError::not_found("route")),
    };
    let caller = authenticate(ports, config, request, route.auth).await?;
    let key = idempotency::key_of(request)?;
    let call = Call { ports, config, request, params, caller };
    match (&call.caller, key) {
        (Caller::Account(principal), Some(key)) if request.method == http::Method::POST => {
            // the answer as the client would see it, errors included, is what a replay returns
            let answer = async {
                dispatch(route.endpoint, &call).await.unwrap_or_else(|error| error.into_response(request_id, ports.log))
            };
            idempotency::once(ports, &principal.account_id, key, request, answer).await
        }
        _ => dispatch(route.endpoint, &call).await,
    }
}

async fn authenticate(ports: Ports<'_>, config: &Config, request: &ApiRequest, auth: Auth) -> Result<Caller, ApiError> {
    match auth {
        Auth::Public => Ok(Caller::Anyone),
        Auth::ApiKey => {
            let token = request.bearer().ok_or_else(ApiError::unauthenticated)?;
            Ok(Caller::Account(api_keys::authenticate(&ports, token).await?))
        }
        Auth::Admin => {
            let expected = config.admin_token.as_deref().filter(|t| t.chars().count() >= MIN_ADMIN_TOKEN_CHARS);
            match (expected, request.bearer()) {
                // Digests of equal length compare without leaking the token's length or prefix.
                (Some(expected), Some(given)) if Sha256::digest(expected) == Sha256::digest(given) => {
                    Ok(Caller::Operator)
                }
                _ => Err(ApiError::unauthenticated()),
            }
        }
    }
}

async fn dispatch(endpoint: Endpoint, call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    use handlers::{admin, api_keys, assets, credits, cuts, docs, pipelines, projects, renders, seed_assets, webhooks};
    match endpoint {
        Endpoint::OpenApi => docs::openapi_json(),
        Endpoint::CreateAccount => admin::create_account(call).await,
        Endpoint::GrantCredits => admin::grant_credits(call).await,
        Endpoint::ListJobs => admin::list_jobs(call).await,
        Endpoint::RedeliverJob => admin::redeliver_job(call).await,
        Endpoint::CreateApiKey => api_keys::create(call).await,
        Endpoint::ListApiKeys => api_keys::list(call).await,
        Endpoint::RevokeApiKey => api_keys::revoke(call).await,
        Endpoint::CreateProject => projects::create(call).await,
        Endpoint::ListProjects => projects::list(call).await,
        Endpoint::GetProject => projects::get(call).await,
        Endpoint::UpdateProject => projects::update(call).await,
        Endpoint::DeleteProject => projects::delete(call).await,
        Endpoint::CreditBalance => credits::balance(call).await,
        Endpoint::CreditHistory => credits::history(call).await,
        Endpoint::CreateAsset => assets::create(call).await,
        Endpoint::ListAssets => assets::list(call).await,
        Endpoint::GetAsset => assets::get(call).await,
        Endpoint::DeleteAsset => assets::delete(call).await,
        Endpoint::RestoreAsset => assets::restore(call).await,
        Endpoint::CreateAudioProxy => assets::create_audio_proxy(call).await,
        Endpoint::UploadTranscript => assets::upload_transcript(call).await,
        Endpoint::CreateCut => cuts::create(call).await,
        Endpoint::ListCuts => cuts::list(call).await,
        Endpoint::GetCut => cuts::get(call).await,
        Endpoint::DeleteCut => cuts::delete(call).await,
        Endpoint::ExportCut => cuts::export(call).await,
        Endpoint::ExportCutSubtitles => cuts::subtitles(call).await,
        Endpoint::CutTranscript => cuts::transcript(call).await,
        Endpoint::EstimatePipeline => pipelines::estimate(call).await,
        Endpoint::CreatePipeline => pipelines::create(call).await,
        Endpoint::ListPipelines => pipelines::list(call).await,
        Endpoint::GetPipeline => pipelines::get(call).await,
        Endpoint::CancelPipeline => pipelines::cancel(call).await,
        Endpoint::RetryPipeline => pipelines::retry(call).await,
        Endpoint::RetryPipelineStep => pipelines::retry_step(call).await,
        Endpoint::CreateRender => renders::create(call).await,
        Endpoint::ListRenders => renders::list(call).await,
        Endpoint::GetRender => renders::get(call).await,
        Endpoint::DeleteRender => renders::delete(call).await,
        Endpoint::ListSeedAssets => seed_assets::list(call).await,
        Endpoint::GetSeedAsset => seed_assets::get(call).await,
        Endpoint::DeleteSeedAsset => seed_assets::delete(call).await,
        Endpoint::CreateWebhookEndpoint => webhooks::create(call).await,
        Endpoint::ListWebhookEndpoints => webhooks::list(call).await,
        Endpoint::GetWebhookEndpoint => webhooks::get(call).await,
        Endpoint::UpdateWebhookEndpoint => webhooks::update(call).await,
        Endpoint::DeleteWebhookEndpoint => webhooks::delete(call).await,
        Endpoint::RotateWebhookSecret => webhooks::rotate_secret(call).await,
        Endpoint::TestWebhookEndpoint => webhooks::test(call).await,
        Endpoint::ListWebhookDeliveries => webhooks::deliveries(call).await,
        Endpoint::RedeliverWebhook => webhooks::redeliver(call).await,
    }
}
