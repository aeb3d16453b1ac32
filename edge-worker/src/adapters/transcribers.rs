//! The transcribers behind `Transcriber`: any OpenAI-compatible `/v1/audio/transcriptions`
//! (whisper.cpp's server, faster-whisper-server, OpenAI, Groq) over `fetch`, and Workers AI's
//! Whisper through the `AI` binding. The request and answer formats are the domain's; this only
//! moves bytes.

use async_trait::async_trait;
use base64::Engine as _;
use roughcut_engine::transcript::Word;
use roughcut_engine::transcript::providers::{parse_whisper, verbatim_prompt};
use worker::js_sys::Uint8Array;
use worker::{Ai, Fetch, Headers, Method, Request, RequestInit};

use crate::domain::ids::random_bytes;
use crate::domain::ports::processing::{TranscribeError, Transcriber};
use crate::domain::processing::transcribe::openai_response;
use roughcut_engine::transcript::providers::openai_request;

pub struct OpenAiCompatible {
    /// Up to and excluding `/audio/transcriptions`, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub api_key: Option<String>,
    pub model: String,
}

impl std::fmt::Debug for OpenAiCompatible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiCompatible").field("base_url", &self.base_url).field("model", &self.model).finish()
    }
}

fn retryable(message: String) -> TranscribeError {
    TranscribeError { message, retryable: true }
}

#[async_trait(?Send)]
impl Transcriber for OpenAiCompatible {
    async fn transcribe(&self, wav: Vec<u8>, language: Option<&str>) -> Result<Vec<Word>, TranscribeError> {
        let mut nonce = [0u8; 12];
        random_bytes(&mut nonce);
        let boundary = format!("roughcut-{}", hex::encode(nonce));
        let (body, content_type) = openai_request(&wav, &self.model, language, &boundary);
        let build = || -> worker::Result<Request> {
            let headers = Headers::new();
            headers.set("content-type", &content_type)?;
            if let Some(key) = &self.api_key {
                headers.set("authorization", &format!("Bearer {key}"))?;
            }
            let body = Uint8Array::from(body.as_slice());
            let mut init = RequestInit::new();
            init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
            Request::new_with_init(&format!("{}/audio/transcriptions", self.base_url.trim_end_matches('/')), &init)
        };
        let request = build().map_err(|e| TranscribeError { message: format!("request: {e}"), retryable: false })?;
        let mut response = Fetch::Request(request).send().await.map_err(|e| retryable(format!("unreachable: {e}")))?;
        let text = response.text().await.map_err(|e| retryable(format!("reading the answer: {e}")))?;
        openai_response(response.status_code(), &text)
    }
}

/// Workers AI's `@cf/openai/whisper-large-v3-turbo` (base64 audio and `initial_prompt` in, word
/// timings in its segments; https://developers.cloudflare.com/workers-ai/models/whisper-large-v3-turbo/).
pub struct WorkersAi {
    pub ai: Ai,
    pub model: String,
}

impl std::fmt::Debug for WorkersAi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkersAi").field("model", &self.model).finish()
    }
}

#[derive(serde::Serialize)]
struct WorkersAiInput<'a> {
    audio: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    /// The verbatim prompt: without it Whisper drops fillers and collapses stutters.
    #[serde(skip_serializing_if = "Option::is_none")]
    initial_prompt: Option<&'static str>,
}

#[async_trait(?Send)]
impl Transcriber for WorkersAi {
    async fn transcribe(&self, wav: Vec<u8>, language: Option<&str>) -> Result<Vec<Word>, TranscribeError> {
        let input = WorkersAiInput {
            audio: base64::engine::general_purpose::STANDARD.encode(wav),
            language,
            initial_prompt: verbatim_prompt(language),
        };
        let output: serde_json::Value =
            self.ai.run(&self.model, input).await.map_err(|e| retryable(format!("Workers AI: {e}")))?;
        parse_whisper(&output.to_string())
            .map_err(|e| TranscribeError { message: format!("Workers AI answer: {e}"), retryable: false })
    }
}
