//! The media container: a native HTTP job server the worker dispatches media jobs to
//! (`roughcut_shared::jobs`). Each attempt reads its input and writes its outputs only through the
//! job's signed worker links, and is cancelled through its heartbeats. `media-container render`
//! runs one render on local files instead (`local`).

mod attempt;
mod config;
mod control;
mod disk;
mod download;
mod halt;
mod heartbeat;
mod local;
mod media;
mod output;
mod registry;
mod render;
mod server;
mod speech;
mod untrusted;
mod worker_client;

use std::sync::Arc;

use config::Config;
use registry::Registry;
use server::App;
use worker_client::Http;

/// Resolves on SIGINT or SIGTERM so that in-flight requests finish before the process exits.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(signal) => signal,
        Err(err) => {
            eprintln!("media-container: cannot listen for SIGTERM ({err}); Ctrl-C only");
            let _ = interrupt.await;
            return;
        }
    };
    tokio::select! {
        _ = interrupt => {}
        _ = terminate.recv() => {}
    }
}

fn main() {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(message) => {
            eprintln!("media-container: {message}");
            std::process::exit(2);
        }
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("render") => std::process::exit(local::render(&config, &args[1..])),
        Some(other) => {
            eprintln!("media-container: unknown command {other:?} (none serves jobs; `render SPEC INPUT OUTPUT`)");
            std::process::exit(2);
        }
        None => {}
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("media-container: cannot start the runtime: {err}");
            std::process::exit(1);
        }
    };
    runtime.block_on(serve(config));
}

async fn serve(config: Config) {
    let Some(job_secret) = config.job_secret.clone() else {
        eprintln!("media-container: MEDIA_JOB_SECRET must be set to serve jobs (the worker signs them with it)");
        std::process::exit(2);
    };
    attempt::remove_stale_attempts(&config.work_dir);
    let address = config.address;
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("media-container: cannot listen on {address}: {err}");
            std::process::exit(1);
        }
    };
    let app = Arc::new(App { registry: Registry::new(config.max_jobs), config, http: Http::new(), job_secret });
    eprintln!("media-container: listening on http://{address}");
    let served =
        axum::serve(listener, server::router(Arc::clone(&app))).with_graceful_shutdown(shutdown_signal()).await;
    // Running attempts stop within seconds and clean up; the runtime waits for them on exit.
    app.registry.cancel_all();
    if let Err(err) = served {
        eprintln!("media-container: server error: {err}");
        std::process::exit(1);
    }
}
