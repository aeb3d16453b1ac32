//! The worker's signature on a media job. The container runs only jobs whose body the worker
//! signed: anyone else who can reach it could otherwise make it download from, and upload to,
//! URLs of their choosing. `roughcut-job-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
//! "{t}.{body}">`, with a secret both share (`MEDIA_JOB_SECRET`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "roughcut-job-signature";
/// How far a signature's time may be from the container's clock, either way.
pub const TOLERANCE_SECONDS: i64 = 300;
/// The shortest secret either side accepts: a short one is guessable.
pub const MIN_SECRET_CHARS: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    Missing,
    Malformed,
    Expired,
    Mismatch,
}

fn mac(secret: &str, unix_seconds: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(unix_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value that signs `body` at `unix_seconds`.
pub fn sign(secret: &str, unix_seconds: i64, body: &[u8]) -> String {
    format!("t={unix_seconds},v1={}", hex::encode(mac(secret, unix_seconds, body).finalize().into_bytes()))
}

/// Whether `header` signs `body` with `secret`, within the tolerance of `now_unix_seconds`. The
/// comparison takes the same time whatever the bytes.
pub fn verify(secret: &str, header: Option<&str>, body: &[u8], now_unix_seconds: i64) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let (mut time, mut signature) = (None, None);
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => time = value.parse::<i64>().ok(),
            Some(("v1", value)) => signature = hex::decode(value).ok(),
            _ => {}
        }
    }
    let (time, signature) = time.zip(signature).ok_or(SignatureError::Malformed)?;
    if (now_unix_seconds - time).abs() > TOLERANCE_SECONDS {
        return Err(SignatureError::Expired);
    }
    mac(secret, time, body).verify_slice(&signature).map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_signed_body_verifies_and_nothing_else_does() {
        let body = br#"{"job_id":"job_1"}"#;
        let header = sign(SECRET, 1_000, body);
        assert_eq!(verify(SECRET, Some(&header), body, 1_000), Ok(()));
        assert_eq!(verify(SECRET, Some(&header), body, 1_000 + TOLERANCE_SECONDS), Ok(()));
        assert_eq!(verify(SECRET, Some(&header), body, 1_001 + TOLERANCE_SECONDS), Err(SignatureError::Expired));
        assert_eq!(verify(SECRET, Some(&header), br#"{"job_id":"job_2"}"#, 1_000), Err(SignatureError::Mismatch));
        let other = "fedcba9876543210fedcba9876543210";
        assert_eq!(verify(other, Some(&header), body, 1_000), Err(SignatureError::Mismatch));
        assert_eq!(verify(SECRET, None, body, 1_000), Err(SignatureError::Missing));
        assert_eq!(verify(SECRET, Some("t=1000"), body, 1_000), Err(SignatureError::Malformed));
        let moved = header.replace("t=1000", "t=1001");
        assert_eq!(verify(SECRET, Some(&moved), body, 1_000), Err(SignatureError::Mismatch), "the time is signed");
    }
}
