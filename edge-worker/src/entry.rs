//! The Worker's entry points: each builds the adapters from `Env` and hands over to `http`.

use worker::{Context, Env, MessageBatch, Request, Response, ScheduleContext, ScheduledEvent, event};

use crate::adapters;
use crate::adapters::bindings::{API_KEY_RATE_LIMITER, CLIENT_RATE_LIMITER, Stores};
use crate::adapters::d1::{self, isolate_key_cache};
use crate::adapters::jobs::QueueJobs;
use crate::adapters::platform::{ConsoleLog, WorkerClock, upload_ttl_ms};
use crate::adapters::web;
use crate::domain::ports::jobs::JobMessage;
use crate::domain::ports::{Clock, Log};
use crate::http::edge::CorsPolicy;
use crate::http::rate_limit::{Budget, RETRY_AFTER_SECONDS};
use crate::http::streamed::{self, StreamedRoute};
use crate::http::{self, ApiError, Config};

#[event(fetch)]
async fn fetch(request: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let cors = CorsPolicy::parse(env.var("CORS_ALLOWED_ORIGINS").ok().map(|v| v.to_string()).as_deref());
    let origin = request.headers().get("origin").ok().flatten();
    let (method, headers) = (web::method_of(&request), web::headers_of(&request));
    let response = match cors.preflight(&method, &headers) {
        Some(preflight) => web::write_response(preflight)?,
        None if within_budgets(&env, &method, request.path().as_str(), &headers).await => route(request, &env).await?,
        None => {
            let limited = http::handle_failure(&WorkerClock, &ConsoleLog, ApiError::rate_limited(RETRY_AFTER_SECONDS));
            web::write_response(limited)?
        }
    };
    web::finish(response, &cors.response_headers(origin.as_deref()))
}

/// Whether the request fits its budgets. A deployment without the limiter bindings, or a limiter
/// that fails, limits nothing: rate limiting protects the service, it must not take it down.
async fn within_budgets(env: &Env, method: &::http::Method, path: &str, headers: &::http::HeaderMap) -> bool {
    let now = WorkerClock.now();
    let verified = |digest: &str| isolate_key_cache().knows(digest, now);
    for budget in Budget::of(method, path, headers, verified) {
        let binding = match budget {
            Budget::ApiKey(_) => API_KEY_RATE_LIMITER,
            Budget::Client(_) => CLIENT_RATE_LIMITER,
        };
        let Ok(limiter) = env.rate_limiter(binding) else { continue };
        match limiter.limit(budget.key().to_owned()).await {
            Ok(outcome) if !outcome.success => return false,
            Ok(_) => {}
            Err(error) => ConsoleLog.error("rate-limit", &format!("{binding}: {error}")),
        }
    }
    true
}

async fn route(mut request: Request, env: &Env) -> worker::Result<Response> {
    // The routes that stream (uploads, job attempts' calls, downloads) go to the adapter that
    // moves their bytes; everything else is small JSON handled by the HTTP layer.
    let (method, headers) = (web::method_of(&request), web::headers_of(&request));
    match streamed::route(&method, request.path().as_str(), &headers) {
        Some(StreamedRoute::Upload(call)) => return adapters::uploads::handle(request, env, call).await,
        Some(StreamedRoute::Job { job_id, call }) => {
            return adapters::processing::handle(request, env, &job_id, call).await;
        }
        Some(StreamedRoute::Download) => return adapters::downloads::handle(request, env).await,
        None => {}
    }
    let log = ConsoleLog;
    let prepared = match (web::read_request(&mut request).await, Stores::open(env)) {
        (Ok(api_request), Ok(storage)) => Ok((api_request, storage)),
        (Err(err), _) => Err(format!("reading request: {err}")),
        (_, Err(err)) => Err(err),
    };
    let response = match prepared {
        Ok((api_request, storage)) => {
            let queue = QueueJobs::new(&storage.store, storage.queue.clone());
            let services = d1::services(&storage.store, &queue, &storage.objects, &log);
            let config = Config {
                admin_token: env.secret("ADMIN_TOKEN").ok().map(|secret| secret.to_string()),
                signing_secret: env.secret("SIGNING_SECRET").ok().map(|secret| secret.to_string()),
                upload_ttl_ms: upload_ttl_ms(env),
                rate_card: adapters::processing::rate_card(env),
            };
            http::handle(services, &config, api_request).await
        }
        Err(cause) => http::handle_failure(&WorkerClock, &log, ApiError::internal(cause)),
    };
    web::write_response(response)
}

/// The periodic sweep (`[triggers] crons`): uploads past their expiry are expired by their own
/// Durable Objects, the bytes of assets deleted longer than the restore grace are purged, and job
/// attempts whose lease ran out are retried or failed.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    if let Err(cause) = adapters::sweep::run(&env).await {
        ConsoleLog.error("scheduled", &cause);
    }
    if let Err(cause) = adapters::processing::sweep(&env).await {
        ConsoleLog.error("scheduled", &format!("jobs: {cause}"));
    }
}

/// The `JOBS` queue's consumer.
#[event(queue)]
async fn queue(batch: MessageBatch<JobMessage>, env: Env, _ctx: Context) -> worker::Result<()> {
    adapters::processing::consume(batch, &env).await;
    Ok(())
}
