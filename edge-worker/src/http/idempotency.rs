//! `Idempotency-Key` on an account's POSTs (API.md): the first request with a key is answered and
//! its answer kept for 24 hours; a replay of the same request (method, path, query and body) gets
//! that answer again, marked `Idempotent-Replayed: true`; the same key with another request is a
//! `422`; a replay while the first is still being answered is a `409` to retry shortly. Answers
//! that say to try again (5xx, anything with `Retry-After`) are not kept, so a retry runs afresh.

use std::future::Future;

use roughcut_shared::{ErrorCode, FieldError};
use sha2::{Digest, Sha256};

use super::request::{ApiRequest, RequestBody};
use super::{ApiError, ApiResponse};
use crate::domain::ports::Ports;
use crate::domain::ports::idempotency::{ANSWERS_KEPT_MS, Claim, ClaimTerms, StoredAnswer};
use crate::domain::time::Timestamp;

pub const HEADER: &str = "idempotency-key";
/// How long a claim may go unanswered before its request is taken for dead.
const ABANDONED_AFTER_MS: i64 = 60 * 1000;
const MAX_KEY_CHARS: usize = 255;
/// How soon to retry a replay that found its first request still running.
const IN_FLIGHT_RETRY_SECONDS: u32 = 1;

/// The request's key, if it sent one; a `400` for one that is not 1–255 visible ASCII characters.
pub fn key_of(request: &ApiRequest) -> Result<Option<&str>, ApiError> {
    let Some(value) = request.headers.get(HEADER) else { return Ok(None) };
    let key = value
        .to_str()
        .ok()
        .filter(|k| (1..=MAX_KEY_CHARS).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic() || b == b' '));
    key.map(Some).ok_or_else(|| {
        ApiError::bad_request(format!("`Idempotency-Key` must be 1 to {MAX_KEY_CHARS} visible ASCII characters."))
    })
}

/// SHA-256 of what makes two requests the same one.
fn request_hash(request: &ApiRequest) -> String {
    let mut hash = Sha256::new();
    for part in [request.method.as_str(), request.path.as_str(), request.query.as_str()] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    if let RequestBody::Bytes(body) = &request.body {
        hash.update(body);
    }
    hex::encode(hash.finalize())
}

/// Answers `request` of `account_id` under `key` once: `answer` runs only for the request that
/// claims the key.
pub async fn once(
    ports: Ports<'_>,
    account_id: &str,
    key: &str,
    request: &ApiRequest,
    answer: impl Future<Output = ApiResponse>,
) -> Result<ApiResponse, ApiError> {
    let now = ports.clock.now();
    let terms = ClaimTerms {
        now,
        expired_before: Timestamp(now.0 - ANSWERS_KEPT_MS),
        abandoned_before: Timestamp(now.0 - ABANDONED_AFTER_MS),
    };
    let store_error = |e: crate::domain::StoreError| ApiError::internal(format!("idempotency key: {e}"));
    match ports.idempotency.claim_key(account_id, key, &request_hash(request), terms).await.map_err(store_error)? {
        Claim::Claimed => {
            let response = answer.await;
            let kept = if response.status >= 500 || response.header("retry-after").is_some() {
                ports.idempotency.release_key(account_id, key).await
            } else {
                ports.idempotency.answer_key(account_id, key, &stored(&response)).await
            };
            // the answer stands even if it could not be kept: the claim lapses unanswered
            if let Err(error) = kept {
                ports.log.error(key, &format!("keeping the answer of an idempotency key: {error}"));
            }
            Ok(response)
        }
        Claim::Answered(answer) => Ok(replayed(answer)),
        Claim::InFlight => Err(ApiError::new(
            ErrorCode::Conflict,
            "A request with this Idempotency-Key is still being answered; retry shortly.",
        )
        .with_retry_after(IN_FLIGHT_RETRY_SECONDS)),
        Claim::OtherRequest => Err(ApiError::validation(vec![FieldError {
            field: "header.idempotency-key".into(),
            message: "was used with a different request in the last 24 hours; use a new key".into(),
        }])),
    }
}

/// The headers that say what the first request made, which a replay repeats: its body's type,
/// the resource's place, and a TUS creation's upload (the offset a creation-with-upload reached,
/// when the upload expires, its asset).
const REPLAYED_HEADERS: [&str; 5] =
    ["content-type", "location", "upload-offset", "upload-expires", "roughcut-asset-id"];

fn stored(response: &ApiResponse) -> StoredAnswer {
    StoredAnswer {
        status: response.status,
        headers: REPLAYED_HEADERS
            .iter()
            .filter_map(|&name| response.header(name).map(|value| (name.to_owned(), value.to_owned())))
            .collect(),
        body: String::from_utf8_lossy(&response.body).into_owned(),
    }
}

fn replayed(answer: StoredAnswer) -> ApiResponse {
    let response = ApiResponse { status: answer.status, headers: Vec::new(), body: answer.body.into_bytes() };
    let kept = |(name, value): (String, String)| Some((*REPLAYED_HEADERS.iter().find(|&&n| n == name)?, value));
    answer
        .headers
        .into_iter()
        .filter_map(kept)
        .fold(response, |response, (name, value)| response.with_header(name, value))
        .with_header("idempotent-replayed", "true")
}

#[cfg(test)]
mod tests {
    use futures_executor::block_on;
    use http::{HeaderMap, HeaderValue, Method};

    use crate::domain::accounts::create_account;
    use roughcut_shared::assets::AssetState;

    use crate::domain::ports::{AssetStore, Clock};
    use crate::domain::testing::{TestPlatform, uploaded_asset};
    use crate::domain::time::Timestamp;
    use crate::http::request::{ApiRequest, RequestBody};
    use crate::http::{ApiResponse, Config, handle};

    fn config() -> Config {
        Config {
            admin_token: None,
            signing_secret: None,
            upload_ttl_ms: 60_000,
            rate_card: crate::domain::config::RateCard::default(),
            webhook_targets: crate::domain::webhooks::endpoints::Targets::default(),
        }
    }

    fn post(platform: &TestPlatform, token: &str, path: &str, key: Option<&str>, body: &str) -> ApiResponse {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_str(&format!("Bearer {token}")).expect("header"));
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        if let Some(key) = key {
            headers.insert("idempotency-key", HeaderValue::from_str(key).expect("header"));
        }
        let request = ApiRequest {
            method: Method::POST,
            origin: "http://api.test".into(),
            path: path.into(),
            query: String::new(),
            headers,
            body: RequestBody::Bytes(body.as_bytes().to_vec()),
        };
        block_on(handle(platform.ports(), &config(), request))
    }

    fn json(response: &ApiResponse) -> serde_json::Value {
        serde_json::from_slice(&response.body).expect("JSON")
    }

    #[test]
    fn a_replayed_post_returns_the_first_answer_and_a_reused_key_is_refused() {
        let platform = TestPlatform::default();
        let created = block_on(create_account(&platform.ports(), "acme")).expect("account");
        let token = created.api_key.plaintext.expect("the key");

        let first = post(&platform, &token, "/v1/projects", Some("key-1"), r#"{"name":"Launch"}"#);
        assert_eq!(first.status, 201);
        let replay = post(&platform, &token, "/v1/projects", Some("key-1"), r#"{"name":"Launch"}"#);
        assert_eq!((replay.status, json(&replay)["id"].clone()), (201, json(&first)["id"].clone()));
        assert_eq!(replay.header("idempotent-replayed"), Some("true"));
        assert_eq!(replay.header("location"), first.header("location"));
        let other = post(&platform, &token, "/v1/projects", Some("key-1"), r#"{"name":"Other"}"#);
        assert_eq!(other.status, 422);
        assert_eq!(json(&other)["error"]["fields"][0]["field"], "header.idempotency-key");

        // without a key, or with another, each POST runs
        let again = post(&platform, &token, "/v1/projects", None, r#"{"name":"Launch"}"#);
        let fresh = post(&platform, &token, "/v1/projects", Some("key-2"), r#"{"name":"Launch"}"#);
        assert_ne!(json(&again)["id"], json(&first)["id"]);
        assert_ne!(json(&fresh)["id"], json(&first)["id"]);
        assert_eq!(post(&platform, &token, "/v1/projects", Some(""), "{}").status, 400, "an empty key");

        // an answer that is itself a refusal is replayed too; a day later the key is free again
        let invalid = post(&platform, &token, "/v1/projects", Some("key-3"), r#"{"name":""}"#);
        assert_eq!(invalid.status, 422);
        assert_eq!(
            post(&platform, &token, "/v1/projects", Some("key-3"), r#"{"name":""}"#).header("idempotent-replayed"),
            Some("true")
        );
        platform.clock.set(Timestamp(platform.clock.now().0 + 24 * 60 * 60 * 1000 + 1));
        let later = post(&platform, &token, "/v1/projects", Some("key-1"), r#"{"name":"Other"}"#);
        assert_eq!((later.status, later.header("idempotent-replayed")), (201, None));
    }

    #[test]
    fn an_answer_that_says_to_retry_is_not_kept() {
        let platform = TestPlatform::default();
        let created = block_on(create_account(&platform.ports(), "acme")).expect("account");
        let token = created.api_key.plaintext.expect("the key");
        let account_id = created.account.id;
        let (asset, upload) = uploaded_asset(&account_id, "ast_1", AssetState::Processing, platform.clock.now());
        block_on(platform.store.insert_asset(&asset, &upload)).expect("asset");
        let cut = |key: &str| post(&platform, &token, "/v1/cuts", Some(key), r#"{"asset_id":"ast_1"}"#);
        let early = cut("key-1");
        assert_eq!(early.status, 409);
        assert!(early.header("retry-after").is_some(), "the asset is still processing");
        let retried = cut("key-1");
        assert_eq!((retried.status, retried.header("idempotent-replayed")), (409, None), "asked again, not replayed");
    }

    #[test]
    fn a_replay_repeats_what_the_first_answer_said_of_its_upload() {
        let first = ApiResponse { status: 201, headers: Vec::new(), body: Vec::new() }
            .with_header("location", "/v1/uploads/upl_1")
            .with_header("upload-offset", "100000")
            .with_header("upload-expires", "Tue, 08 Dec 2026 07:00:00 GMT")
            .with_header("roughcut-asset-id", "ast_1")
            .with_header("request-id", "req_1");
        let replay = super::replayed(super::stored(&first));
        for name in ["location", "upload-offset", "upload-expires", "roughcut-asset-id"] {
            assert_eq!(replay.header(name), first.header(name), "{name}");
        }
        assert_eq!(replay.header("request-id"), None, "a replay has its own request");
        assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    }
}
