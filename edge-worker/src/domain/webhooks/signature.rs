//! Signing per the Standard Webhooks spec: a secret is `whsec_` and the base64 of its key bytes;
//! a message is signed as `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`, and
//! `webhook-signature` lists one signature per live secret, space-separated (two while a rotated
//! secret overlaps its successor).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::ids::random_bytes;

const PREFIX: &str = "whsec_";
/// Key bytes of a new secret (the spec asks for 24 to 64).
const KEY_BYTES: usize = 32;

/// A new secret.
pub fn new_secret() -> String {
    let mut key = [0u8; KEY_BYTES];
    random_bytes(&mut key);
    format!("{PREFIX}{}", STANDARD.encode(key))
}

/// `v1,<signature>` of the message with each secret, space-separated. A secret that is not ours
/// (unreadable) signs nothing rather than fail the delivery of the others.
pub fn signatures(secrets: &[&str], id: &str, timestamp: i64, body: &str) -> String {
    let signed = secrets.iter().filter_map(|secret| {
        let key = STANDARD.decode(secret.strip_prefix(PREFIX)?).ok()?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
        mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
        Some(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
    });
    signed.collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_spec_example() {
        // the example of the Standard Webhooks spec and of Svix's manual verification guide
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let signed = signatures(&[secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, r#"{"test": 2432232314}"#);
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn new_secrets_differ_and_each_live_secret_signs() {
        let (first, second) = (new_secret(), new_secret());
        assert_ne!(first, second);
        let key = STANDARD.decode(first.strip_prefix(PREFIX).expect("prefix")).expect("base64");
        assert_eq!(key.len(), KEY_BYTES);
        let both = signatures(&[&first, &second], "evt_1", 1, "{}");
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], signatures(&[&first], "evt_1", 1, "{}"));
        assert!(parts.iter().all(|p| p.starts_with("v1,")));
        assert_eq!(signatures(&["not ours"], "evt_1", 1, "{}"), "");
    }
}
