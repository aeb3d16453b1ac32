//! Pricing tokens: a quote signed so that creating the pipeline can trust it without storing it.
//! The token binds the account, a hash of the canonical request and the price, and expires after
//! five minutes: `pq1.{expires_at_ms}.{credits}.{hex HMAC-SHA256}`. Its check is constant-time.

use hmac::{Hmac, Mac};
use roughcut_shared::pipelines::EstimatePipeline;
use sha2::{Digest, Sha256};

use crate::domain::time::Timestamp;

/// How long a quote holds.
pub const QUOTE_TTL_MS: i64 = 5 * 60 * 1000;

const PREFIX: &str = "pq1";

/// Why a token is refused (all 422 for the caller; the difference is for messages and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Not a pricing token at all.
    Malformed,
    /// Not signed by this deployment, or for another account, body or price.
    Mismatched,
    Expired,
}

/// The SHA-256 of the request as the API parsed it (defaults written out, one field order): the
/// same pipeline spelled two ways hashes the same.
fn request_hash(request: &EstimatePipeline) -> String {
    let canonical = serde_json::to_string(request).unwrap_or_default();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

fn mac(secret: &str, account_id: &str, request: &EstimatePipeline, credits: i64, expires_at: i64) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("pricing\n{account_id}\n{}\n{credits}\n{expires_at}", request_hash(request)).as_bytes());
    mac
}

/// The token of a quote of `credits` for `request` by `account_id`, and when it expires.
pub fn sign(
    secret: &str,
    account_id: &str,
    request: &EstimatePipeline,
    credits: i64,
    now: Timestamp,
) -> (String, Timestamp) {
    let expires_at = now.0 + QUOTE_TTL_MS;
    let signature = hex::encode(mac(secret, account_id, request, credits, expires_at).finalize().into_bytes());
    (format!("{PREFIX}.{expires_at}.{credits}.{signature}"), Timestamp(expires_at))
}

/// The quoted price, if `token` was signed here for this account and request and has not expired.
pub fn verify(
    secret: &str,
    account_id: &str,
    request: &EstimatePipeline,
    token: &str,
    now: Timestamp,
) -> Result<i64, TokenRefusal> {
    let mut parts = token.split('.');
    let (Some(PREFIX), Some(expires_at), Some(credits), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenRefusal::Malformed);
    };
    let expires_at: i64 = expires_at.parse().map_err(|_| TokenRefusal::Malformed)?;
    let credits: i64 = credits.parse().map_err(|_| TokenRefusal::Malformed)?;
    let signature = hex::decode(signature).map_err(|_| TokenRefusal::Malformed)?;
    mac(secret, account_id, request, credits, expires_at)
        .verify_slice(&signature)
        .map_err(|_| TokenRefusal::Mismatched)?;
    if now.0 >= expires_at {
        return Err(TokenRefusal::Expired);
    }
    Ok(credits)
}

#[cfg(test)]
mod tests {
    use roughcut_shared::pipelines::{CutStepConfig, PipelineStepRequest};

    use super::*;

    const SECRET: &str = "a-secret-of-the-deployment-0123456789";

    fn request(asset: &str) -> EstimatePipeline {
        EstimatePipeline {
            input_asset_id: asset.into(),
            steps: vec![PipelineStepRequest::Cut(CutStepConfig::default())],
        }
    }

    #[test]
    fn a_token_holds_for_its_account_request_and_price_until_it_expires() {
        let now = Timestamp(1_000_000);
        let (token, expires_at) = sign(SECRET, "acc_1", &request("ast_1"), 3, now);
        assert_eq!(expires_at, Timestamp(now.0 + QUOTE_TTL_MS));
        assert_eq!(verify(SECRET, "acc_1", &request("ast_1"), &token, Timestamp(expires_at.0 - 1)), Ok(3));
        assert_eq!(verify(SECRET, "acc_1", &request("ast_1"), &token, expires_at), Err(TokenRefusal::Expired));
        assert_eq!(verify(SECRET, "acc_2", &request("ast_1"), &token, now), Err(TokenRefusal::Mismatched));
        assert_eq!(verify(SECRET, "acc_1", &request("ast_2"), &token, now), Err(TokenRefusal::Mismatched));
        assert_eq!(
            verify("another-secret-0123456789abcdef", "acc_1", &request("ast_1"), &token, now),
            Err(TokenRefusal::Mismatched)
        );
        let cheaper = token.replacen(".3.", ".0.", 1);
        assert_eq!(
            verify(SECRET, "acc_1", &request("ast_1"), &cheaper, now),
            Err(TokenRefusal::Mismatched),
            "the price is signed"
        );
        let later = token.replacen(&expires_at.0.to_string(), &(expires_at.0 + 60_000).to_string(), 1);
        assert_eq!(
            verify(SECRET, "acc_1", &request("ast_1"), &later, now),
            Err(TokenRefusal::Mismatched),
            "so is the expiry"
        );
        for malformed in ["", "pq1", "pq1.x.3.ab", "pq2.1.3.ab", &format!("{token}.more"), "pq1.1.3.zz"] {
            assert_eq!(
                verify(SECRET, "acc_1", &request("ast_1"), malformed, now),
                Err(TokenRefusal::Malformed),
                "{malformed}"
            );
        }
    }

    #[test]
    fn the_same_pipeline_spelled_with_its_defaults_is_the_same_request() {
        let bare: EstimatePipeline =
            serde_json::from_str(r#"{"input_asset_id":"ast_1","steps":[{"processor_name":"cut","config":{}}]}"#)
                .expect("bare");
        let spelled: EstimatePipeline = serde_json::from_str(
            r#"{"steps":[{"config":{"script":null},"processor_name":"cut"}],"input_asset_id":"ast_1"}"#,
        )
        .expect("spelled");
        assert_eq!(request_hash(&bare), request_hash(&spelled));
        assert_ne!(request_hash(&bare), request_hash(&request("ast_2")));
    }
}
