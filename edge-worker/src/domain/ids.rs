//! Prefixed, opaque, time-ordered ids (`prj_01jd…`): 48 bits of milliseconds then 80 random bits
//! in lowercase Crockford base32, like a ULID, so ids sort by creation time and never collide.

use super::time::Timestamp;

/// The kinds of ids, each with its API.md prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Account,
    ApiKey,
    Project,
    LedgerEntry,
    Request,
    Asset,
    Upload,
    Job,
    Event,
    Cut,
    Render,
    Pipeline,
    PipelineStep,
    Hold,
    WebhookEndpoint,
    WebhookDelivery,
}

impl IdKind {
    const fn prefix(self) -> &'static str {
        match self {
            Self::Account => "acc",
            Self::ApiKey => "key",
            Self::Project => "prj",
            Self::LedgerEntry => "led",
            Self::Request => "req",
            Self::Asset => "ast",
            Self::Upload => "upl",
            Self::Job => "job",
            Self::Event => "evt",
            Self::Cut => "cut",
            Self::Render => "rnd",
            Self::Pipeline => "pip",
            Self::PipelineStep => "stp",
            Self::Hold => "hld",
            Self::WebhookEndpoint => "whe",
            Self::WebhookDelivery => "whd",
        }
    }
}

const CROCKFORD: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Fills `buf` from the platform's CSPRNG (the OS natively, `crypto.getRandomValues` in workerd).
pub fn random_bytes(buf: &mut [u8]) {
    if let Err(err) = getrandom::getrandom(buf) {
        // No entropy means no safe keys or ids: stopping is the only correct answer, and both
        // platforms we run on always provide it.
        panic!("no entropy source available: {err}");
    }
}

/// Whether `id` is of `kind` (by its prefix).
pub fn is_of(kind: IdKind, id: &str) -> bool {
    id.strip_prefix(kind.prefix()).is_some_and(|rest| rest.starts_with('_'))
}

/// A new id of `kind`, ordered by `now`.
pub fn new_id(kind: IdKind, now: Timestamp) -> String {
    let mut random = [0u8; 10];
    random_bytes(&mut random);
    let millis = u128::from(u64::try_from(now.0.max(0)).unwrap_or(0) & 0xFFFF_FFFF_FFFF);
    let value = (millis << 80)
        | u128::from_be_bytes({
            let mut wide = [0u8; 16];
            wide[6..].copy_from_slice(&random);
            wide
        });
    let mut text = String::with_capacity(kind.prefix().len() + 27);
    text.push_str(kind.prefix());
    text.push('_');
    // 26 symbols × 5 bits = 130 bits ≥ 128.
    for index in (0..26).rev() {
        let symbol = ((value >> (index * 5)) & 0x1F) as usize;
        text.push(char::from(CROCKFORD[symbol]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_sort_by_time() {
        let earlier = new_id(IdKind::Project, Timestamp(1_000));
        let later = new_id(IdKind::Project, Timestamp(2_000));
        assert!(earlier.starts_with("prj_"));
        assert_eq!(earlier.len(), 4 + 26);
        assert!(earlier < later);
        assert_ne!(new_id(IdKind::Project, Timestamp(1_000)), earlier);
    }
}
