//! The media container's HTTP server. Until the job system lands it serves only its health route,
//! so that `make dev` and the end-to-end harness already start, probe and stop the real process.

use std::net::SocketAddr;

use axum::{Json, Router, routing::get};
use serde::Serialize;

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

async fn health() -> Json<Health> {
    Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") })
}

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

/// `PORT` (default 8788) on `HOST` (default 127.0.0.1: the local stack never listens beyond
/// loopback; the production image sets `HOST=0.0.0.0`).
fn listen_address() -> Result<SocketAddr, String> {
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "8788".to_owned());
    format!("{host}:{port}").parse().map_err(|err| format!("invalid HOST/PORT {host}:{port}: {err}"))
}

#[tokio::main]
async fn main() {
    let address = match listen_address() {
        Ok(address) => address,
        Err(message) => {
            eprintln!("media-container: {message}");
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("media-container: cannot listen on {address}: {err}");
            std::process::exit(1);
        }
    };
    let app = Router::new().route("/health", get(health));
    eprintln!("media-container: listening on http://{address}");
    if let Err(err) = axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await {
        eprintln!("media-container: server error: {err}");
        std::process::exit(1);
    }
}
