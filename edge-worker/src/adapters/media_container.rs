//! The Durable Object that owns one media container instance in production (Cloudflare
//! Containers, `[[containers]]` in wrangler.toml): it starts the container on first use and
//! forwards requests to its port. `wrangler dev` runs without containers (no Docker here): the
//! local stack reaches the same binary over `MEDIA_URL` instead, and this object answers 503.

use worker::{ContainerStartupOptions, Delay, Env, Request, Response, State, durable_object};

use super::settings::{MEDIA_JOB_SECRET, Settings};

/// The port the image listens on (`PORT` in media-container/Dockerfile).
const CONTAINER_PORT: u16 = 8080;
/// A cold container takes a few seconds to listen: forwards are retried for up to 20 s.
const START_ATTEMPTS: u32 = 40;

#[durable_object]
pub struct MediaContainer {
    state: State,
    env: Env,
}

impl std::fmt::Debug for MediaContainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaContainer").finish_non_exhaustive()
    }
}

impl worker::DurableObject for MediaContainer {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    async fn fetch(&self, request: Request) -> worker::Result<Response> {
        let Some(container) = self.state.container() else {
            return Response::error("this deployment has no media containers", 503);
        };
        if !container.running() {
            // the container checks the worker's signature on every job with the same secret
            let mut options = ContainerStartupOptions::new();
            let settings = Settings::from_env(&self.env);
            let secret = settings.media_job_secret().map_err(worker::Error::RustError)?;
            options.add_env(MEDIA_JOB_SECRET, secret);
            container.start(Some(options))?;
        }
        let port = container.get_tcp_port(CONTAINER_PORT)?;
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            match port.fetch_request(request.clone()?).await {
                Ok(response) => return Ok(response),
                Err(error) => last_error = Some(error),
            }
            Delay::from(std::time::Duration::from_millis(500)).await;
        }
        let cause = last_error.map_or_else(|| "no attempt".to_owned(), |e| e.to_string());
        Response::error(format!("the media container did not answer: {cause}"), 503)
    }
}
