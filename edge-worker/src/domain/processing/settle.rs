//! Charging: one `consume_asset` per asset for its started minutes, appended in the same
//! transaction as the state it leads to (`ready`, or cuttable for an audio proxy), or
//! `pending_payment` when the account is short — activated oldest first by a top-up. When a video
//! lands after its proxy was charged, a duration that differs by more than a second corrects the
//! charge with an `adjustment` booked in the same transaction: the asset is `ready` only once it
//! is paid, and a repeated settlement books nothing twice.

use crate::domain::StoreError;
use crate::domain::config::RateCard;
use crate::domain::ids::{IdKind, new_id};
use crate::domain::ports::processing::{Charge, Correction, HoldSpend, ProcessingStore, Settlement};
use crate::domain::ports::{Clock, Ports, ProcessingDeps};

/// What settling an asset of this duration charges: its started minutes, for a video whose proxy
/// was charged the correction to the video's own duration, and the pipeline hold that pays for it.
pub(super) async fn charge(
    ports: &Ports<'_>,
    rate_card: RateCard,
    account_id: &str,
    asset_id: &str,
    duration_ms: u64,
    proxy: bool,
) -> Result<Charge, StoreError> {
    let credits = rate_card.credits_for(duration_ms);
    let (store, clock) = (ports.processing, ports.clock);
    let at = clock.now();
    let correction = if proxy { None } else { proxy_correction(store, clock, asset_id, duration_ms, credits).await? };
    // one hold pays (a second pipeline quoted on the same asset gets its hold back when it ends)
    let hold = ports.pipelines.open_holds_on(asset_id).await?.into_iter().next().map(|hold| HoldSpend {
        pipeline_id: hold.pipeline_id,
        hold_id: hold.hold_id,
        amount: hold.amount,
        release_entry_id: new_id(IdKind::LedgerEntry, at),
    });
    Ok(Charge {
        account_id: account_id.to_owned(),
        asset_id: asset_id.to_owned(),
        credits,
        entry_id: new_id(IdKind::LedgerEntry, at),
        event_id: new_id(IdKind::Event, at),
        proxy,
        correction,
        hold,
        at,
    })
}

/// Settles an asset (or its audio proxy) whose processing, transcription included, succeeded.
pub async fn after_processing(
    deps: ProcessingDeps<'_>,
    account_id: &str,
    asset_id: &str,
    duration_ms: u64,
    proxy: bool,
) -> Result<Settlement, StoreError> {
    let charge = charge(&deps.ports, deps.config.rate_card, account_id, asset_id, duration_ms, proxy);
    deps.processing.settle(&charge.await?).await
}

/// The proxy's charge stands unless the video's duration differs from the proxy's by more than a
/// second and its price differs too; then the difference is due as an adjustment. Once booked,
/// `charged` equals the price, so a repeated settlement asks for nothing more.
async fn proxy_correction(
    store: &dyn ProcessingStore,
    clock: &dyn Clock,
    asset_id: &str,
    duration_ms: u64,
    due: i64,
) -> Result<Option<Correction>, StoreError> {
    let facts = store.facts(asset_id).await?;
    let (Some(charged), Some(proxy_ms)) = (facts.charged, facts.proxy_duration_ms) else { return Ok(None) };
    if proxy_ms.abs_diff(duration_ms) <= 1000 || charged == due {
        return Ok(None);
    }
    Ok(Some(Correction {
        entry_id: new_id(IdKind::LedgerEntry, clock.now()),
        delta: charged - due,
        memo: format!("Charge corrected to the video's duration: {due} credits instead of {charged}."),
    }))
}

/// After a top-up: the account's `pending_payment` assets settle oldest first, until one does not
/// fit the available credits (a later, cheaper asset does not jump the queue). Returns how many
/// became ready.
pub async fn activate_unpaid(ports: &Ports<'_>, rate_card: RateCard, account_id: &str) -> Result<u32, StoreError> {
    let mut activated = 0;
    for (asset_id, duration_ms) in ports.processing.unpaid_assets(account_id, 100).await? {
        let charge = charge(ports, rate_card, account_id, &asset_id, duration_ms, false).await?;
        match ports.processing.settle(&charge).await? {
            Settlement::Ready => activated += 1,
            Settlement::PendingPayment => break,
            Settlement::Cuttable | Settlement::Unchanged => {}
        }
    }
    Ok(activated)
}
