//! Charging: one `consume_asset` per asset for its started minutes, appended in the same
//! transaction as the state it leads to (`ready`, or cuttable for an audio proxy), or
//! `pending_payment` when the account is short — activated oldest first by a top-up. When a video
//! lands after its proxy was charged, a duration that differs by more than a second corrects the
//! charge with an `adjustment`.

use super::{Charge, ProcessingDeps, ProcessingStore, RateCard, Settlement};
use crate::domain::StoreError;
use crate::domain::ids::{IdKind, new_id};
use crate::domain::ports::{AppendOutcome, Clock, LedgerRecord};
use roughcut_shared::credits::LedgerEntryType;

fn charge(account_id: &str, asset_id: &str, credits: i64, proxy: bool, clock: &dyn Clock) -> Charge {
    let at = clock.now();
    Charge {
        account_id: account_id.to_owned(),
        asset_id: asset_id.to_owned(),
        credits,
        entry_id: new_id(IdKind::LedgerEntry, at),
        event_id: new_id(IdKind::Event, at),
        proxy,
        at,
    }
}

/// Settles an asset (or its audio proxy) whose processing, transcription included, succeeded.
pub async fn after_processing(
    deps: ProcessingDeps<'_>,
    account_id: &str,
    asset_id: &str,
    duration_ms: u64,
    proxy: bool,
) -> Result<Settlement, StoreError> {
    let due = deps.config.rate_card.credits_for(duration_ms);
    if !proxy {
        correct_proxy_charge(deps, account_id, asset_id, duration_ms, due).await?;
    }
    deps.store.settle(&charge(account_id, asset_id, due, proxy, deps.clock)).await
}

/// The proxy's charge stands unless the video's duration differs from the proxy's by more than a
/// second and its price differs too; then the difference is booked as an adjustment.
async fn correct_proxy_charge(
    deps: ProcessingDeps<'_>,
    account_id: &str,
    asset_id: &str,
    duration_ms: u64,
    due: i64,
) -> Result<(), StoreError> {
    let facts = deps.store.facts(asset_id).await?;
    let (Some(charged), Some(proxy_ms)) = (facts.charged, facts.proxy_duration_ms) else { return Ok(()) };
    if proxy_ms.abs_diff(duration_ms) <= 1000 || charged == due {
        return Ok(());
    }
    let now = deps.clock.now();
    let entry = LedgerRecord {
        id: new_id(IdKind::LedgerEntry, now),
        account_id: account_id.to_owned(),
        entry_type: LedgerEntryType::Adjustment,
        delta: charged - due,
        asset_id: Some(asset_id.to_owned()),
        pipeline_id: None,
        hold_id: None,
        memo: Some(format!("Charge corrected to the video's duration: {due} credits instead of {charged}.")),
        created_at: now,
    };
    if deps.ledger.append_entry(&entry).await? != AppendOutcome::Appended {
        // a debit the account cannot cover: the asset stays usable, the operator sees the log
        deps.log.error(asset_id, &format!("charge correction of {} credits not booked", entry.delta));
    }
    Ok(())
}

/// After a top-up: the account's `pending_payment` assets settle oldest first, until one does not
/// fit the available credits (a later, cheaper asset does not jump the queue). Returns how many
/// became ready.
pub async fn activate_unpaid(
    store: &dyn ProcessingStore,
    clock: &dyn Clock,
    rate_card: RateCard,
    account_id: &str,
) -> Result<u32, StoreError> {
    let mut activated = 0;
    for (asset_id, duration_ms) in store.unpaid_assets(account_id, 100).await? {
        let credits = rate_card.credits_for(duration_ms);
        match store.settle(&charge(account_id, &asset_id, credits, false, clock)).await? {
            Settlement::Ready => activated += 1,
            Settlement::PendingPayment => break,
            Settlement::Cuttable | Settlement::Unchanged => {}
        }
    }
    Ok(activated)
}
