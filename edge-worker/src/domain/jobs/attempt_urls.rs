//! The signed URLs of one job attempt (`/internal/jobs/{job_id}/…?attempt&exp&sig`): the media
//! container reads its input, writes its outputs, sends heartbeats and posts its outcome through
//! them, holding no credential but the signature. The signature binds the job and the attempt;
//! the worker also refuses them once the attempt is over, so a retried job's old container cannot
//! write over the new one's outputs.

use hmac::{Hmac, Mac};
use roughcut_shared::jobs::{JobLinks, OUTPUT_NAME_PLACEHOLDER, is_output_name};
use sha2::Sha256;

use crate::domain::time::Timestamp;

pub const JOBS_PREFIX: &str = "/internal/jobs/";
/// Longer than any attempt may run (a lease is renewed by heartbeats, the links are not).
pub const LINK_TTL_MS: i64 = 24 * 3600 * 1000;

/// Which of an attempt's URLs a request is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobEndpoint {
    Input,
    Output(String),
    Heartbeat,
    Result,
}

/// A request path under `/internal/jobs/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPath {
    pub job_id: String,
    pub endpoint: JobEndpoint,
}

impl JobPath {
    pub fn parse(path: &str) -> Option<Self> {
        let rest = path.strip_prefix(JOBS_PREFIX)?;
        let (job_id, endpoint) = rest.split_once('/')?;
        if !job_id.starts_with("job_") || !job_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return None;
        }
        let endpoint = match endpoint {
            "input" => JobEndpoint::Input,
            "heartbeat" => JobEndpoint::Heartbeat,
            "result" => JobEndpoint::Result,
            other => JobEndpoint::Output(other.strip_prefix("outputs/").filter(|n| is_output_name(n))?.to_owned()),
        };
        Some(Self { job_id: job_id.to_owned(), endpoint })
    }
}

/// Why a job URL is refused (403 either way; the difference is for logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    Tampered,
    Expired,
}

fn mac(secret: &str, job_id: &str, attempt: u32, expires: i64) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("job\n{job_id}\n{attempt}\n{expires}").as_bytes());
    mac
}

/// The links of `attempt` of `job_id`, under `origin` (where the container reaches the worker).
pub fn sign(secret: &str, origin: &str, job_id: &str, attempt: u32, now: Timestamp) -> JobLinks {
    let expires = (now.0 + LINK_TTL_MS) / 1000;
    let signature = hex::encode(mac(secret, job_id, attempt, expires).finalize().into_bytes());
    let query = format!("attempt={attempt}&exp={expires}&sig={signature}");
    let base = format!("{origin}{JOBS_PREFIX}{job_id}");
    JobLinks {
        input: format!("{base}/input?{query}"),
        output: format!("{base}/outputs/{OUTPUT_NAME_PLACEHOLDER}?{query}"),
        heartbeat: format!("{base}/heartbeat?{query}"),
        result: format!("{base}/result?{query}"),
    }
}

/// The attempt a job URL's `query` was signed for.
pub fn verify(secret: &str, job_id: &str, query: &str, now: Timestamp) -> Result<u32, LinkRefusal> {
    let (mut attempt, mut expires, mut signature) = (None, None, None);
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').ok_or(LinkRefusal::Tampered)?;
        let slot = match key {
            "attempt" => &mut attempt,
            "exp" => &mut expires,
            "sig" => &mut signature,
            _ => return Err(LinkRefusal::Tampered),
        };
        if slot.replace(value).is_some() {
            return Err(LinkRefusal::Tampered);
        }
    }
    let attempt: u32 = attempt.and_then(|a| a.parse().ok()).ok_or(LinkRefusal::Tampered)?;
    let expires: i64 = expires.and_then(|e| e.parse().ok()).ok_or(LinkRefusal::Tampered)?;
    let signature = signature.and_then(|s| hex::decode(s).ok()).ok_or(LinkRefusal::Tampered)?;
    mac(secret, job_id, attempt, expires).verify_slice(&signature).map_err(|_| LinkRefusal::Tampered)?;
    if now.0 / 1000 >= expires {
        return Err(LinkRefusal::Expired);
    }
    Ok(attempt)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "a secret of some length";

    fn query_of(url: &str) -> &str {
        url.split_once('?').expect("query").1
    }

    #[test]
    fn links_grant_their_attempt_until_they_expire() {
        let links = sign(SECRET, "http://127.0.0.1:8787", "job_1", 3, Timestamp(5_000));
        assert!(links.input.starts_with("http://127.0.0.1:8787/internal/jobs/job_1/input?"));
        assert_eq!(verify(SECRET, "job_1", query_of(&links.result), Timestamp(5_000)), Ok(3));
        let late = Timestamp(5_000 + LINK_TTL_MS);
        assert_eq!(verify(SECRET, "job_1", query_of(&links.result), late), Err(LinkRefusal::Expired));
    }

    #[test]
    fn another_job_attempt_or_secret_is_refused() {
        let links = sign(SECRET, "http://w", "job_1", 3, Timestamp(0));
        let query = query_of(&links.heartbeat);
        assert_eq!(verify(SECRET, "job_2", query, Timestamp(0)), Err(LinkRefusal::Tampered));
        assert_eq!(verify("other", "job_1", query, Timestamp(0)), Err(LinkRefusal::Tampered));
        let bumped = query.replace("attempt=3", "attempt=4");
        assert_eq!(verify(SECRET, "job_1", &bumped, Timestamp(0)), Err(LinkRefusal::Tampered));
        assert_eq!(verify(SECRET, "job_1", &format!("{query}&x=1"), Timestamp(0)), Err(LinkRefusal::Tampered));
    }

    #[test]
    fn paths_name_an_endpoint_of_a_job() {
        let parse = |p: &str| JobPath::parse(p).map(|path| path.endpoint);
        assert_eq!(parse("/internal/jobs/job_1/input"), Some(JobEndpoint::Input));
        assert_eq!(
            parse("/internal/jobs/job_1/outputs/analysis.bin"),
            Some(JobEndpoint::Output("analysis.bin".into()))
        );
        assert_eq!(parse("/internal/jobs/job_1/outputs/../x"), None);
        assert_eq!(parse("/internal/jobs/job_1/outputs/a/b"), None);
        assert_eq!(parse("/internal/jobs/ast_1/input"), None);
        assert_eq!(parse("/internal/jobs/job_1/other"), None);
    }
}
