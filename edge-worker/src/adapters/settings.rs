//! The deployment's settings: every variable and secret the Worker reads, read from `Env` in this
//! one place, once per invocation, and handed down (the HTTP layer's `Config`, processing's
//! configuration, the transcriber's and the media container's settings). A setting that is
//! missing or malformed is reported where it is needed, so that a Worker without a transcriber
//! still serves the API.

use roughcut_shared::job_signature::MIN_SECRET_CHARS;
use roughcut_shared::jobs::SpeechFormat;
use worker::Env;

use crate::domain::config::{ProcessingConfig, RateCard, RunnerConfig};
use crate::domain::uploads::tus::UPLOAD_TTL_MS;
use crate::domain::webhooks::endpoints::Targets;
use crate::http::Config;
use crate::http::edge::CorsPolicy;

/// The name of the secret that signs media jobs (the container holds it too).
pub const MEDIA_JOB_SECRET: &str = "MEDIA_JOB_SECRET";

const DEFAULT_LEASE_SECONDS: i64 = 60;
const DEFAULT_OPENAI_MODEL: &str = "whisper-1";
const DEFAULT_WORKERS_AI_MODEL: &str = "@cf/openai/whisper-large-v3-turbo";

/// Which transcriber this deployment sends speech to (`TRANSCRIBER`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TranscriberSetting {
    /// Unset or `none`: no automatic transcription (signal-only cuts, or the user's transcript).
    None,
    /// `openai`: any OpenAI-compatible server at `TRANSCRIBER_URL`, key in `TRANSCRIBER_API_KEY`.
    OpenAi { base_url: String, api_key: Option<String>, model: String },
    /// `workers-ai`: the `AI` binding.
    WorkersAi { model: String },
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub cors: CorsPolicy,
    pub http: Config,
    /// `PUBLIC_URL`: where the media container reaches this worker.
    pub public_url: Option<String>,
    pub lease_ms: i64,
    pub transcriber: Result<TranscriberSetting, String>,
    /// `MEDIA_URL`: a media container process (local); unset, the `MEDIA_CONTAINER` binding.
    pub media_url: Option<String>,
    pub media_job_secret: Option<String>,
}

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string()).filter(|v| !v.is_empty())
}

fn secret(env: &Env, name: &str) -> Option<String> {
    env.secret(name).ok().map(|v| v.to_string()).filter(|v| !v.is_empty())
}

fn positive(env: &Env, name: &str) -> Option<i64> {
    var(env, name).and_then(|v| v.parse().ok()).filter(|n: &i64| *n > 0)
}

impl Settings {
    pub fn from_env(env: &Env) -> Self {
        let credits_per_started_minute = positive(env, "CREDITS_PER_MINUTE");
        let rate_card = credits_per_started_minute
            .map_or_else(RateCard::default, |credits_per_started_minute| RateCard { credits_per_started_minute });
        Self {
            cors: CorsPolicy::parse(var(env, "CORS_ALLOWED_ORIGINS").as_deref()),
            http: Config {
                admin_token: secret(env, "ADMIN_TOKEN"),
                signing_secret: secret(env, "SIGNING_SECRET"),
                // the tests shorten it; else TUS's 24 hours
                upload_ttl_ms: positive(env, "UPLOAD_TTL_SECONDS").map_or(UPLOAD_TTL_MS, |seconds| seconds * 1000),
                rate_card,
                // `make dev` and the tests receive webhooks on http://127.0.0.1:PORT; never set in
                // production
                webhook_targets: Targets {
                    allow_loopback_http: var(env, "WEBHOOKS_ALLOW_LOOPBACK_HTTP").as_deref() == Some("true"),
                },
            },
            public_url: var(env, "PUBLIC_URL"),
            lease_ms: positive(env, "JOB_LEASE_SECONDS").unwrap_or(DEFAULT_LEASE_SECONDS) * 1000,
            transcriber: transcriber(env),
            media_url: var(env, "MEDIA_URL"),
            media_job_secret: secret(env, MEDIA_JOB_SECRET),
        }
    }

    /// What processing runs with, or the setting that is missing.
    pub fn processing(&self) -> Result<ProcessingConfig, String> {
        let transcribing = self.transcriber.clone()? != TranscriberSetting::None;
        Ok(ProcessingConfig {
            jobs: RunnerConfig {
                origin: self
                    .public_url
                    .clone()
                    .ok_or("PUBLIC_URL (where the media container reaches this worker) is not set")?,
                signing_secret: self.http.signing_secret.clone().ok_or("SIGNING_SECRET is not set")?,
                lease_ms: self.lease_ms,
            },
            rate_card: self.http.rate_card,
            speech: transcribing.then(SpeechFormat::default),
        })
    }

    /// The secret media jobs are signed with, at least `MIN_SECRET_CHARS` long.
    pub fn media_job_secret(&self) -> Result<&str, String> {
        self.media_job_secret
            .as_deref()
            .filter(|secret| secret.chars().count() >= MIN_SECRET_CHARS)
            .ok_or_else(|| format!("{MEDIA_JOB_SECRET} must be set, with at least {MIN_SECRET_CHARS} characters"))
    }
}

fn transcriber(env: &Env) -> Result<TranscriberSetting, String> {
    match var(env, "TRANSCRIBER").as_deref() {
        None | Some("none") => Ok(TranscriberSetting::None),
        Some("openai") => Ok(TranscriberSetting::OpenAi {
            base_url: var(env, "TRANSCRIBER_URL").ok_or("TRANSCRIBER=openai needs TRANSCRIBER_URL")?,
            api_key: secret(env, "TRANSCRIBER_API_KEY"),
            model: var(env, "TRANSCRIBER_MODEL").unwrap_or_else(|| DEFAULT_OPENAI_MODEL.to_owned()),
        }),
        Some("workers-ai") => Ok(TranscriberSetting::WorkersAi {
            model: var(env, "TRANSCRIBER_MODEL").unwrap_or_else(|| DEFAULT_WORKERS_AI_MODEL.to_owned()),
        }),
        Some(other) => Err(format!("TRANSCRIBER={other}: expected openai, workers-ai or none")),
    }
}
