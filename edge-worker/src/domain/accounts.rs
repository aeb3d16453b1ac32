//! Accounts, created by the operator together with their first API key.

use roughcut_shared::accounts::{Account, AccountCreated};

use super::ids::{IdKind, new_id};
use super::ports::{AccountRecord, Ports};
use super::{DomainError, api_keys, validate};

pub const MAX_ACCOUNT_NAME_CHARS: usize = 200;

pub async fn create_account(ports: &Ports<'_>, name: &str) -> Result<AccountCreated, DomainError> {
    let name = validate::name("body.name", name, MAX_ACCOUNT_NAME_CHARS)?;
    let now = ports.clock.now();
    let account = AccountRecord { id: new_id(IdKind::Account, now), name, created_at: now };
    let (key, plaintext) = api_keys::mint_key(ports, &account.id, "default".to_owned());
    ports.accounts.create_account(&account, &key).await?;
    Ok(AccountCreated {
        account: Account { id: account.id, name: account.name, created_at: account.created_at.to_rfc3339() },
        api_key: api_keys::to_dto(&key, Some(plaintext)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::TestPlatform;
    use futures_executor::block_on;

    #[test]
    fn a_new_account_comes_with_a_working_key() {
        let platform = TestPlatform::default();
        let ports = platform.ports();
        let created = block_on(create_account(&ports, " Acme ")).expect("create");
        assert_eq!(created.account.name, "Acme");
        let plaintext = created.api_key.plaintext.expect("plaintext");
        let principal = block_on(api_keys::authenticate(&ports, &plaintext)).expect("auth");
        assert_eq!(principal.account_id, created.account.id);
    }

    #[test]
    fn a_blank_name_is_a_field_error() {
        let platform = TestPlatform::default();
        let error = block_on(create_account(&platform.ports(), "")).expect_err("refused");
        assert!(matches!(error, DomainError::Invalid(fields) if fields[0].field == "body.name"));
    }
}
