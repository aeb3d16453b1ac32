//! Whose budgets a request spends. Requests with an API key spend that key's (by the digest the
//! key is stored under: the limiter never sees a key), the others their client address's. A request
//! whose key is read from D1 (an API route or a TUS upload) with a key this isolate has not
//! verified in the last seconds spends its address's budget too: made-up keys would otherwise each
//! get a budget of their own, and cost a D1 read each.
//! The media container's signed job links and CORS preflights spend none. The limits themselves
//! are configuration: wrangler.toml's `[[ratelimits]]`, Cloudflare's rate limiting of Workers
//! (which `wrangler dev` runs too), one binding per kind of budget (`adapters::bindings`).

use http::{HeaderMap, Method};

use crate::domain::api_keys::hash_key;
use crate::domain::jobs::attempt_urls::JOBS_PREFIX;

/// Seconds a limited caller waits: the period of both `[[ratelimits]]` in wrangler.toml.
pub const RETRY_AFTER_SECONDS: u32 = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Budget {
    /// An API key's, by the digest it is stored under.
    ApiKey(String),
    /// A client address's.
    Client(String),
}

impl Budget {
    /// The budgets the request spends (none for job links and preflights). `verified` says
    /// whether this isolate verified the key with this digest in the last seconds.
    pub fn of(method: &Method, path: &str, headers: &HeaderMap, verified: impl Fn(&str) -> bool) -> Vec<Self> {
        if path.starts_with(JOBS_PREFIX) || method == Method::OPTIONS {
            return Vec::new();
        }
        // Cloudflare sets the client's address; without it (never in production) all share one
        let address = headers.get("cf-connecting-ip").and_then(|value| value.to_str().ok()).unwrap_or("unknown");
        let client = Self::Client(address.to_owned());
        let bearer = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty());
        match bearer.map(hash_key) {
            Some(digest) if verified(&digest) || !looks_up_key(method, path) => vec![Self::ApiKey(digest)],
            Some(digest) => vec![Self::ApiKey(digest), client],
            None => vec![client],
        }
    }

    /// What the limiter counts under.
    pub fn key(&self) -> &str {
        match self {
            Self::ApiKey(digest) => digest,
            Self::Client(address) => address,
        }
    }
}

/// Whether answering the request reads its key from D1: the API's keyed routes and TUS uploads
/// (an unknown path is answered before any key is read; the operator's token is compared).
fn looks_up_key(method: &Method, path: &str) -> bool {
    match super::routes::resolve(method, path) {
        super::routes::Resolved::Found(route, _) => route.auth == super::routes::Auth::ApiKey,
        _ => super::tus::UploadPath::parse(path).is_some(),
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
        let digest = hash_key("sk_live_1");
        let verified = |d: &str| d == digest;
        assert_eq!(Budget::of(&Method::GET, "/v1/assets", &keyed, verified), [Budget::ApiKey(digest.clone())]);
        assert!(!digest.contains("sk_live_1"), "the limiter never sees the key");
        let anonymous = headers(&[("cf-connecting-ip", "203.0.113.7")]);
        assert_eq!(
            Budget::of(&Method::GET, "/v1/files/x", &anonymous, verified),
            [Budget::Client("203.0.113.7".into())]
        );
    }

    #[test]
    fn a_key_to_look_up_spends_its_address_budget_too() {
        let unknown = headers(&[("authorization", "Bearer sk_guess"), ("cf-connecting-ip", "203.0.113.7")]);
        assert_eq!(
            Budget::of(&Method::GET, "/v1/assets", &unknown, |_| false),
            [Budget::ApiKey(hash_key("sk_guess")), Budget::Client("203.0.113.7".into())]
        );
    }

    #[test]
    fn requests_that_read_no_key_spend_only_its_budget() {
        let token = headers(&[("authorization", "Bearer operator-token"), ("cf-connecting-ip", "203.0.113.7")]);
        let only_the_key = [Budget::ApiKey(hash_key("operator-token"))];
        assert_eq!(Budget::of(&Method::POST, "/admin/v1/accounts", &token, |_| false), only_the_key);
        assert_eq!(Budget::of(&Method::GET, "/v1/nope", &token, |_| false), only_the_key);
        assert_eq!(Budget::of(&Method::PATCH, "/v1/uploads/upl_1", &token, |_| false).len(), 2, "TUS reads the key");
    }

    #[test]
    fn job_links_and_preflights_spend_nothing() {
        let none = headers(&[]);
        assert!(Budget::of(&Method::POST, "/internal/jobs/job_1/result", &none, |_| false).is_empty());
        assert!(Budget::of(&Method::OPTIONS, "/v1/assets", &none, |_| false).is_empty());
    }
}
