//! The Worker's entry points: each builds the adapters from `Env` and hands over to `http`.

use worker::{Context, Env, MessageBatch, Request, Response, ScheduleContext, ScheduledEvent, event};

use crate::adapters;
use crate::adapters::bindings::{API_KEY_RATE_LIMITER, CLIENT_RATE_LIMITER, Stores};
use crate::adapters::d1::{self, isolate_key_cache};
use crate::adapters::jobs::QueueJobs;
use crate::adapters::platform::{ConsoleLog, WorkerClock};
use crate::adapters::settings::Settings;
use crate::adapters::web;
use crate::domain::ports::jobs::QueueMessage;
use crate::domain::ports::{Clock, Log};
use crate::http::rate_limit::{Budget, RETRY_AFTER_SECONDS};
use crate::http::streamed::{self, Streamed};
use crate::http::{self, ApiError};

#[event(fetch)]
async fn fetch(request: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let settings = Settings::from_env(&env);
    let cors = &settings.cors;
    let origin = request.headers().get("origin").ok().flatten();
    let (method, headers) = (web::method_of(&request), web::headers_of(&request));
    let response = match cors.preflight(&method, &headers) {
        Some(preflight) => web::write_response(preflight)?,
        None if within_budgets(&env, &method, request.path().as_str(), &headers).await => {
            route(request, &env, &settings, &ctx).await?
        }
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

async fn route(mut request: Request, env: &Env, settings: &Settings, ctx: &Context) -> worker::Result<Response> {
    // The routes that stream (uploads, job attempts' calls, downloads) go to the adapter that
    // moves their bytes; everything else is small JSON handled by the HTTP layer.
    let (method, headers) = (web::method_of(&request), web::headers_of(&request));
    match streamed::route(&method, request.path().as_str(), &headers) {
        Some(Streamed::Upload(call)) => return adapters::uploads::handle(request, env, settings, call).await,
        Some(Streamed::Job { job_id, call }) => {
            return adapters::processing::handle(request, env, settings, &job_id, call).await;
        }
        Some(Streamed::Download) => return adapters::downloads::handle(request, env, settings).await,
        Some(Streamed::PipelineEvents(Ok(pipeline_id))) => {
            return adapters::pipeline_stream::handle(request, env, &pipeline_id).await;
        }
        Some(Streamed::PipelineEvents(Err(refused))) => {
            return web::write_response(http::handle_failure(&WorkerClock, &ConsoleLog, refused));
        }
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
            let ports = d1::ports(&storage.store, &queue, &storage.objects, &storage.streams, &log);
            let response = http::handle(ports, &settings.http, api_request).await;
            // a change may have recorded a terminal event (a deleted render's `render.cancelled`):
            // its deliveries start once the answer is on its way, not before it
            if !matches!(method, ::http::Method::GET | ::http::Method::HEAD) {
                ctx.wait_until(fan_out_events(env.clone()));
            }
            response
        }
        Err(cause) => http::handle_failure(&WorkerClock, &log, ApiError::internal(cause)),
    };
    web::write_response(response)
}

/// Fans out the events recorded so far, after the response (`wait_until`), so with bindings of
/// its own.
async fn fan_out_events(env: Env) {
    match Stores::open(&env) {
        Ok(storage) => {
            let queue = QueueJobs::new(&storage.store, storage.queue.clone());
            let ports = d1::ports(&storage.store, &queue, &storage.objects, &storage.streams, &ConsoleLog);
            adapters::webhooks::fan_out(&ports).await;
        }
        Err(cause) => ConsoleLog.error("webhooks", &cause),
    }
}

/// The periodic sweep (`[triggers] crons`): uploads past their expiry are expired by their own
/// Durable Objects, the bytes of assets deleted longer than the restore grace are purged, and job
/// attempts whose lease ran out are retried or failed.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let settings = Settings::from_env(&env);
    if let Err(cause) = adapters::sweep::run(&env).await {
        ConsoleLog.error("scheduled", &cause);
    }
    if let Err(cause) = adapters::processing::sweep(&env, &settings).await {
        ConsoleLog.error("scheduled", &format!("jobs: {cause}"));
    }
}

/// The `JOBS` queue's consumer.
#[event(queue)]
async fn queue(batch: MessageBatch<QueueMessage>, env: Env, _ctx: Context) -> worker::Result<()> {
    adapters::processing::consume(batch, &env, &Settings::from_env(&env)).await;
    Ok(())
}
