//! API keys: minting (`sk_` + 192 random bits), storing only their SHA-256, authenticating a
//! bearer token (through the isolate's `KeyCache`), listing and revoking.

use roughcut_shared::api_keys::ApiKey;
use sha2::{Digest, Sha256};

use super::ids::{IdKind, new_id, random_bytes};
use super::page::{Listed, Page};
use super::ports::{ApiKeyRecord, Ports};
use super::{DomainError, validate};

const KEY_PREFIX: &str = "sk_";
/// Hex characters of the random part of a key.
const KEY_SECRET_HEX: usize = 48;
/// Characters of the key shown in lists: `sk_` and 8 hex digits.
const VISIBLE_PREFIX: usize = KEY_PREFIX.len() + 8;
/// `last_used_at` is refreshed at most this often per key.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;
pub const MAX_KEY_NAME_CHARS: usize = 100;

/// The account a request acts for, once its key checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account_id: String,
    pub key_id: String,
}

pub fn hash_key(plaintext: &str) -> String {
    hex::encode(Sha256::digest(plaintext.as_bytes()))
}

/// A freshly minted key: its record (hash only) and the plaintext, to be shown once.
pub fn mint_key(ports: &Ports<'_>, account_id: &str, name: String) -> (ApiKeyRecord, String) {
    let mut secret = [0u8; KEY_SECRET_HEX / 2];
    random_bytes(&mut secret);
    let plaintext = format!("{KEY_PREFIX}{}", hex::encode(secret));
    let now = ports.clock.now();
    let record = ApiKeyRecord {
        id: new_id(IdKind::ApiKey, now),
        account_id: account_id.to_owned(),
        name,
        prefix: plaintext[..VISIBLE_PREFIX].to_owned(),
        key_hash: hash_key(&plaintext),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    (record, plaintext)
}

/// Checks a bearer token: unknown, malformed and revoked keys are all just `Unauthenticated`.
pub async fn authenticate(ports: &Ports<'_>, token: &str) -> Result<Principal, DomainError> {
    let well_formed = token.len() == KEY_PREFIX.len() + KEY_SECRET_HEX
        && token.starts_with(KEY_PREFIX)
        && token[KEY_PREFIX.len()..].bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Err(DomainError::Unauthenticated);
    }
    let (key_hash, now) = (hash_key(token), ports.clock.now());
    let key = match ports.key_cache.get(&key_hash, now) {
        Some(key) => Some(key),
        None => {
            let key = ports.keys.key_by_hash(&key_hash).await?;
            if let Some(key) = &key {
                ports.key_cache.put(key, now);
            }
            key
        }
    };
    let Some(key) = key.filter(|key| key.revoked_at.is_none()) else {
        return Err(DomainError::Unauthenticated);
    };
    let stale = now.minus_millis(LAST_USED_RESOLUTION_MS);
    // Skip the write when the row read is fresh; the store's own guard settles races.
    if key.last_used_at.is_none_or(|used| used <= stale) {
        ports.keys.mark_key_used(&key.id, now, stale).await?;
        ports.key_cache.used(&key_hash, now);
    }
    Ok(Principal { account_id: key.account_id, key_id: key.id })
}

pub async fn create_key(ports: &Ports<'_>, principal: &Principal, name: &str) -> Result<ApiKey, DomainError> {
    let name = validate::name("body.name", name, MAX_KEY_NAME_CHARS)?;
    let (record, plaintext) = mint_key(ports, &principal.account_id, name);
    ports.keys.insert_key(&record).await?;
    Ok(to_dto(&record, Some(plaintext)))
}

pub async fn list_keys(ports: &Ports<'_>, principal: &Principal, page: Page) -> Result<Listed<ApiKey>, DomainError> {
    let listed = ports.keys.list_keys(&principal.account_id, page).await?;
    Ok(listed.map(|key| to_dto(&key, None)))
}

/// Revoking is idempotent: a revoked key stays revoked with its first `revoked_at`.
pub async fn revoke_key(ports: &Ports<'_>, principal: &Principal, key_id: &str) -> Result<(), DomainError> {
    let now = ports.clock.now();
    if ports.keys.revoke_key(&principal.account_id, key_id, now).await? {
        ports.key_cache.forget(key_id);
        Ok(())
    } else {
        Err(DomainError::NotFound("api key"))
    }
}

pub fn to_dto(record: &ApiKeyRecord, plaintext: Option<String>) -> ApiKey {
    ApiKey {
        id: record.id.clone(),
        name: record.name.clone(),
        prefix: record.prefix.clone(),
        created_at: record.created_at.to_rfc3339(),
        last_used_at: record.last_used_at.map(|t| t.to_rfc3339()),
        revoked_at: record.revoked_at.map(|t| t.to_rfc3339()),
        plaintext,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::TestPlatform;
    use crate::domain::time::Timestamp;
    use futures_executor::block_on;

    fn principal(account_id: &str) -> Principal {
        Principal { account_id: account_id.to_owned(), key_id: String::new() }
    }

    #[test]
    fn a_minted_key_authenticates_and_only_its_hash_is_stored() {
        let platform = TestPlatform::default();
        platform.store.add_accounts(&["acc_a", "acc_b"]);
        let ports = platform.ports();
        let created = block_on(create_key(&ports, &principal("acc_a"), "ci")).expect("create");
        let plaintext = created.plaintext.expect("plaintext shown once");
        assert!(plaintext.starts_with(&created.prefix));
        assert!(!platform.store.dump().contains(&plaintext), "plaintext must not be stored");

        let who = block_on(authenticate(&ports, &plaintext)).expect("authenticates");
        assert_eq!(who.account_id, "acc_a");
        assert_eq!(who.key_id, created.id);
    }

    #[test]
    fn unknown_malformed_and_revoked_keys_are_refused() {
        let platform = TestPlatform::default();
        platform.store.add_accounts(&["acc_a", "acc_b"]);
        let ports = platform.ports();
        let owner = principal("acc_a");
        let key = block_on(create_key(&ports, &owner, "ci")).expect("create");
        let plaintext = key.plaintext.clone().expect("plaintext");
        let mut altered = plaintext.clone();
        let last = if altered.ends_with('0') { '1' } else { '0' };
        altered.replace_range(altered.len() - 1.., &last.to_string());
        for token in ["", "sk_", "not-a-key", &plaintext[..plaintext.len() - 1], &altered] {
            assert_eq!(block_on(authenticate(&ports, token)), Err(DomainError::Unauthenticated), "{token}");
        }
        block_on(revoke_key(&ports, &owner, &key.id)).expect("revoke");
        assert_eq!(block_on(authenticate(&ports, &plaintext)), Err(DomainError::Unauthenticated));
        // idempotent for the owner, invisible to anyone else
        block_on(revoke_key(&ports, &owner, &key.id)).expect("revoke again");
        assert_eq!(block_on(revoke_key(&ports, &principal("acc_b"), &key.id)), Err(DomainError::NotFound("api key")));
    }

    #[test]
    fn last_used_is_refreshed_at_most_once_a_minute() {
        let platform = TestPlatform::default();
        platform.store.add_accounts(&["acc_a", "acc_b"]);
        let ports = platform.ports();
        let key = block_on(create_key(&ports, &principal("acc_a"), "ci")).expect("create");
        let plaintext = key.plaintext.expect("plaintext");
        let last_used = || {
            let listed =
                block_on(list_keys(&ports, &principal("acc_a"), Page::parse(None, None).expect("page"))).expect("list");
            listed.items[0].last_used_at.clone()
        };
        assert_eq!(last_used(), None);
        platform.clock.set(Timestamp(1_000_000));
        block_on(authenticate(&ports, &plaintext)).expect("auth");
        assert_eq!(last_used(), Some(Timestamp(1_000_000).to_rfc3339()));
        platform.clock.set(Timestamp(1_030_000));
        block_on(authenticate(&ports, &plaintext)).expect("auth");
        assert_eq!(last_used(), Some(Timestamp(1_000_000).to_rfc3339()));
        platform.clock.set(Timestamp(1_061_000));
        block_on(authenticate(&ports, &plaintext)).expect("auth");
        assert_eq!(last_used(), Some(Timestamp(1_061_000).to_rfc3339()));
    }

    #[test]
    fn a_looked_up_key_is_trusted_for_seconds_and_a_revocation_here_ends_it_at_once() {
        let platform = TestPlatform::default();
        platform.store.add_accounts(&["acc_a", "acc_b"]);
        let ports = platform.ports();
        let owner = principal("acc_a");
        let key = block_on(create_key(&ports, &owner, "ci")).expect("create");
        let plaintext = key.plaintext.expect("plaintext");
        platform.clock.set(Timestamp(1_000_000));
        block_on(authenticate(&ports, &plaintext)).expect("read from the store");
        // the store is down: a key read moments ago still authenticates, without a read
        platform.store.fail_with("D1 is down");
        platform.clock.set(Timestamp(1_000_000 + crate::domain::ports::key_cache::TTL_MS - 1));
        assert_eq!(block_on(authenticate(&ports, &plaintext)).map(|p| p.key_id), Ok(key.id.clone()));
        platform.clock.set(Timestamp(1_000_000 + crate::domain::ports::key_cache::TTL_MS));
        assert!(block_on(authenticate(&ports, &plaintext)).is_err(), "past the TTL it is read again");
        platform.store.recover();

        // revoked by another isolate (straight in the store): refused once the TTL has passed
        let at = Timestamp(2_000_000);
        platform.clock.set(at);
        block_on(authenticate(&ports, &plaintext)).expect("cached again");
        block_on(ports.keys.revoke_key("acc_a", &key.id, at)).expect("revoked elsewhere");
        assert!(block_on(authenticate(&ports, &plaintext)).is_ok(), "within the TTL");
        platform.clock.set(Timestamp(at.0 + crate::domain::ports::key_cache::TTL_MS));
        assert_eq!(block_on(authenticate(&ports, &plaintext)), Err(DomainError::Unauthenticated));

        // revoked here: refused at once
        let other = block_on(create_key(&ports, &owner, "ci 2")).expect("create");
        let other_plaintext = other.plaintext.expect("plaintext");
        block_on(authenticate(&ports, &other_plaintext)).expect("cached");
        block_on(revoke_key(&ports, &owner, &other.id)).expect("revoke");
        assert_eq!(block_on(authenticate(&ports, &other_plaintext)), Err(DomainError::Unauthenticated));
    }
}
