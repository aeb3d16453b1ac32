//! Credits: the balance derived from the append-only ledger, its history, and operator grants.
//! Every balance-changing write is one guarded append (see `LedgerStore::append_entry`), so no
//! interleaving of requests can overdraw an account.

use roughcut_shared::accounts::{GrantCredits, GrantType};
use roughcut_shared::credits::{Balance, LedgerEntry};

use super::DomainError;
use super::api_keys::Principal;
use super::ids::{IdKind, new_id};
use super::page::{Listed, Page};
use super::ports::{AppendOutcome, LedgerRecord, Ports};

/// No single grant moves more than this: a typo'd extra digit should not mint a fortune, and the
/// sums stay far inside D1's exact integer range.
pub const MAX_GRANT: i64 = 1_000_000_000;
pub const MAX_MEMO_CHARS: usize = 500;

pub async fn balance(ports: &Ports<'_>, principal: &Principal) -> Result<Balance, DomainError> {
    Ok(ports.ledger.balance(&principal.account_id).await?)
}

pub async fn history(ports: &Ports<'_>, principal: &Principal, page: Page) -> Result<Listed<LedgerEntry>, DomainError> {
    let listed = ports.ledger.history(&principal.account_id, page).await?;
    Ok(listed.map(|entry| to_dto(&entry)))
}

/// An operator's top-up (positive) or adjustment (either sign) of an account's credits.
pub async fn grant(ports: &Ports<'_>, account_id: &str, grant: &GrantCredits) -> Result<LedgerEntry, DomainError> {
    let valid_sign = match grant.entry_type {
        GrantType::Topup => grant.delta > 0,
        GrantType::Adjustment => grant.delta != 0,
    };
    if !valid_sign {
        let rule =
            if grant.entry_type == GrantType::Topup { "must be positive for a topup" } else { "must not be zero" };
        return Err(DomainError::invalid("body.delta", rule));
    }
    if grant.delta.abs() > MAX_GRANT {
        return Err(DomainError::invalid("body.delta", format!("must be between -{MAX_GRANT} and {MAX_GRANT}")));
    }
    let memo = grant.memo.as_deref().map(str::trim).filter(|memo| !memo.is_empty());
    if memo.is_some_and(|memo| memo.chars().count() > MAX_MEMO_CHARS) {
        return Err(DomainError::invalid("body.memo", format!("must be at most {MAX_MEMO_CHARS} characters")));
    }
    let now = ports.clock.now();
    let entry = LedgerRecord {
        id: new_id(IdKind::LedgerEntry, now),
        account_id: account_id.to_owned(),
        entry_type: grant.entry_type.into(),
        delta: grant.delta,
        asset_id: None,
        pipeline_id: None,
        hold_id: None,
        memo: memo.map(str::to_owned),
        created_at: now,
    };
    match ports.ledger.append_entry(&entry).await? {
        AppendOutcome::Appended => Ok(to_dto(&entry)),
        AppendOutcome::WouldOverdraw => Err(DomainError::InsufficientCredits),
        AppendOutcome::NoAccount => Err(DomainError::NotFound("account")),
    }
}

fn to_dto(record: &LedgerRecord) -> LedgerEntry {
    LedgerEntry {
        id: record.id.clone(),
        entry_type: record.entry_type,
        delta: record.delta,
        asset_id: record.asset_id.clone(),
        pipeline_id: record.pipeline_id.clone(),
        created_at: record.created_at.to_rfc3339(),
        memo: record.memo.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::accounts::create_account;
    use crate::domain::testing::TestPlatform;
    use futures_executor::block_on;

    fn grant_of(delta: i64, entry_type: GrantType) -> GrantCredits {
        GrantCredits { delta, entry_type, memo: None }
    }

    #[test]
    fn grants_move_the_balance_and_never_overdraw() {
        let platform = TestPlatform::default();
        let ports = platform.ports();
        let account = block_on(create_account(&ports, "acme")).expect("account").account;
        let principal = Principal { account_id: account.id.clone(), key_id: String::new() };

        block_on(grant(&ports, &account.id, &grant_of(10, GrantType::Topup))).expect("topup");
        block_on(grant(&ports, &account.id, &grant_of(-4, GrantType::Adjustment))).expect("debit");
        assert_eq!(
            block_on(grant(&ports, &account.id, &grant_of(-7, GrantType::Adjustment))),
            Err(DomainError::InsufficientCredits)
        );
        let balance = block_on(balance(&ports, &principal)).expect("balance");
        assert_eq!(balance, Balance { balance: 6, reserved: 0, available: 6 });
        let history = block_on(history(&ports, &principal, Page::parse(None, None).expect("page"))).expect("history");
        assert_eq!(history.items.iter().map(|e| e.delta).sum::<i64>(), 6);
        assert_eq!(history.total, 2);
    }

    #[test]
    fn grants_are_checked_before_they_are_written() {
        let platform = TestPlatform::default();
        let ports = platform.ports();
        let account = block_on(create_account(&ports, "acme")).expect("account").account;
        for bad in [
            grant_of(0, GrantType::Adjustment),
            grant_of(-1, GrantType::Topup),
            grant_of(MAX_GRANT + 1, GrantType::Topup),
        ] {
            assert!(matches!(block_on(grant(&ports, &account.id, &bad)), Err(DomainError::Invalid(_))), "{bad:?}");
        }
        assert_eq!(
            block_on(grant(&ports, "acc_nobody", &grant_of(5, GrantType::Topup))),
            Err(DomainError::NotFound("account"))
        );
    }
}
