//! Whose budget a request spends. Requests with an API key spend that key's (a digest of the
//! bearer token: the limiter never sees a key), the others their client address's. The media
//! container's signed job links and CORS preflights spend none. The limits themselves are
//! configuration: wrangler.toml's `[[ratelimits]]`, Cloudflare's rate limiting of Workers (which
//! `wrangler dev` runs too), one binding per kind of budget (`adapters::bindings`).

use http::{HeaderMap, Method};
use sha2::{Digest, Sha256};

use crate::domain::jobs::links::JOBS_PREFIX;

/// Seconds a limited caller waits: the period of both `[[ratelimits]]` in wrangler.toml.
pub const RETRY_AFTER_SECONDS: u32 = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Budget {
    /// An API key's, by the digest of its token.
    ApiKey(String),
    /// A client address's, for requests without a key.
    Client(String),
}

impl Budget {
    /// The request's budget; `None` for requests that spend none.
    pub fn of(method: &Method, path: &str, headers: &HeaderMap) -> Option<Self> {
        if path.starts_with(JOBS_PREFIX) || method == Method::OPTIONS {
            return None;
        }
        let bearer = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty());
        Some(match bearer {
            Some(token) => Self::ApiKey(hex::encode(&Sha256::digest(token.as_bytes())[..16])),
            // Cloudflare sets the client's address; without it (never in production) all share one
            None => Self::Client(
                headers.get("cf-connecting-ip").and_then(|value| value.to_str().ok()).unwrap_or("unknown").to_owned(),
            ),
        })
    }

    /// What the limiter counts under.
    pub fn key(&self) -> &str {
        match self {
            Self::ApiKey(digest) => digest,
            Self::Client(address) => address,
        }
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("value"));
        }
        map
    }

    #[test]
    fn keys_spend_their_own_budget_and_the_rest_their_address() {
        let keyed = headers(&[("authorization", "Bearer sk_live_1"), ("cf-connecting-ip", "203.0.113.7")]);
        let Some(Budget::ApiKey(digest)) = Budget::of(&Method::GET, "/v1/assets", &keyed) else {
            panic!("a key's request spends the key's budget");
        };
        assert_eq!(digest.len(), 32);
        assert!(!digest.contains("sk_live_1"), "the limiter never sees the key");
        let other = headers(&[("authorization", "Bearer sk_live_2")]);
        assert_ne!(Budget::of(&Method::GET, "/v1/assets", &other), Some(Budget::ApiKey(digest)));
        let anonymous = headers(&[("cf-connecting-ip", "203.0.113.7")]);
        assert_eq!(Budget::of(&Method::GET, "/v1/files/x", &anonymous), Some(Budget::Client("203.0.113.7".into())));
    }

    #[test]
    fn job_links_and_preflights_spend_nothing() {
        let none = headers(&[]);
        assert_eq!(Budget::of(&Method::POST, "/internal/jobs/job_1/result", &none), None);
        assert_eq!(Budget::of(&Method::OPTIONS, "/v1/assets", &none), None);
    }
}
