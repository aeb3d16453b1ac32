//! Cuts: a request for the kept-segment plan of one asset (idempotent on asset, script and
//! resolved options), gated by the asset's state; the plan made by a job (`planning`) with the
//! engine — the code the browser runs; then the plan as a timeline for editors and as captions.

pub mod exports;
pub mod planning;

use super::ports::cuts::{CutFilter, CutRecord};
use roughcut_engine::plan::Script;
use roughcut_shared::FieldError;
use roughcut_shared::assets::{AssetState, AssetType};
use roughcut_shared::cuts::{CreateCut, Cut, CutOptions, CutRemoval, CutSpan, CutState, MAX_SCRIPT_CHARS};
use sha2::{Digest, Sha256};

use super::api_keys::Principal;
use super::ids::{IdKind, new_id};
use super::page::{Listed, Page};
use super::ports::{AssetRecord, Ports};
use super::time::Timestamp;
use super::{DomainError, StoreError};
use crate::domain::ports::jobs::{JobPayload, JobRecord};

/// How long a client should wait before asking again about an asset still processing.
pub const PROCESSING_RETRY_AFTER_SECONDS: u32 = 5;

/// The options if every value is in range, else the first invalid field (`body.options.<name>`).
pub fn validated_options(options: CutOptions) -> Result<CutOptions, DomainError> {
    options.validated().map_err(|error| {
        let field = error.field.as_deref().map_or_else(|| "body.options".to_owned(), |f| format!("body.{f}"));
        DomainError::Invalid(vec![FieldError { field, message: error.message }])
    })
}

/// A request's reference script as a cut uses it (trimmed; none when blank), or what is wrong
/// with it: too long, or no word in it to follow (only emoji or punctuation), which the planner
/// could only ignore or cut everything for.
pub fn usable_script(raw: Option<&str>) -> Result<Option<&str>, String> {
    let Some(script) = raw.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    if script.chars().count() > MAX_SCRIPT_CHARS {
        return Err(format!("must be at most {MAX_SCRIPT_CHARS} characters"));
    }
    if Script::new(script).is_empty() {
        return Err("holds no words to follow".to_owned());
    }
    Ok(Some(script))
}

/// The idempotency key: the same asset, transcript, script and resolved options are the same
/// cut. The transcript is named by where it is stored (each upload of one has its own key): a
/// transcript the user brings replaces the words for cuts made afterwards, so the same request
/// then makes a new cut instead of answering the one planned from the old words.
fn signature(asset_id: &str, transcript_key: Option<&str>, script: Option<&str>, options: &CutOptions) -> String {
    let options = serde_json::to_string(options).unwrap_or_default();
    let mut hash = Sha256::new();
    for part in [asset_id, transcript_key.unwrap_or("\u{0}none"), script.unwrap_or("\u{0}none"), &options] {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part.as_bytes());
    }
    hex::encode(hash.finalize())
}

/// Whether cuts may run on the asset now, else the 409 that says why.
pub fn cuttable(asset: &AssetRecord) -> Result<(), DomainError> {
    match (asset.state, asset.cuttable) {
        (AssetState::Failed, _) => Err(DomainError::AssetFailed),
        (AssetState::PendingPayment, _) => Err(DomainError::AssetPaymentRequired),
        (_, true) => Ok(()),
        _ => Err(DomainError::AssetProcessing { retry_after_seconds: PROCESSING_RETRY_AFTER_SECONDS }),
    }
}

async fn live_asset(ports: &Ports<'_>, principal: &Principal, asset_id: &str) -> Result<AssetRecord, DomainError> {
    let asset = ports.assets.asset(&principal.account_id, asset_id).await?;
    asset.filter(|a| a.state != AssetState::Deleted).ok_or(DomainError::NotFound("asset"))
}

/// `POST /v1/cuts`: the cut and whether it is new (201) or the existing one (200).
pub async fn create(ports: &Ports<'_>, principal: &Principal, request: &CreateCut) -> Result<(Cut, bool), DomainError> {
    let script =
        usable_script(request.script.as_deref()).map_err(|problem| DomainError::invalid("body.script", problem))?;
    let options = validated_options(request.options.clone().unwrap_or_default())?;
    let asset = live_asset(ports, principal, &request.asset_id).await?;
    if matches!(asset.asset_type, Some(AssetType::CutFile | AssetType::RenderedVideo)) {
        return Err(DomainError::invalid("body.asset_id", "must be an uploaded recording"));
    }
    cuttable(&asset)?;
    let signature = signature(&asset.id, asset.transcript_key.as_deref(), script, &options);
    if let Some(existing) = ports.cuts.cut_by_signature(&principal.account_id, &asset.id, &signature).await? {
        return Ok((to_dto(&existing), false));
    }
    let now = ports.clock.now();
    let cut = CutRecord {
        id: new_id(IdKind::Cut, now),
        account_id: principal.account_id.clone(),
        asset_id: asset.id.clone(),
        signature,
        state: CutState::Pending,
        script: script.map(str::to_owned),
        options,
        plan: None,
        plan_key: None,
        transcript_key: None,
        srt_asset_id: None,
        error_code: None,
        error_message: None,
        created_at: now,
        started_at: None,
        completed_at: None,
    };
    // the job first: a job whose cut never got stored ends at once, a cut without its job would
    // stay pending for ever
    let job = JobRecord::new(&principal.account_id, &cut.id, JobPayload::PlanCut, now);
    ports.queue.submit(&job).await?;
    if !ports.cuts.insert_cut(&cut).await? {
        // an identical request won the race (this job ends at once, finding no cut); the winner is
        // out of sight only if the asset was deleted meanwhile
        let winner = ports.cuts.cut_by_signature(&principal.account_id, &asset.id, &cut.signature).await?;
        return winner.map(|c| (to_dto(&c), false)).ok_or(DomainError::NotFound("asset"));
    }
    Ok((to_dto(&cut), true))
}

/// The account's cut with its plan, wherever the plan is stored.
pub async fn get(ports: &Ports<'_>, principal: &Principal, cut_id: &str) -> Result<CutRecord, DomainError> {
    let cut = ports.cuts.cut(&principal.account_id, cut_id).await?.ok_or(DomainError::NotFound("cut"))?;
    Ok(with_plan(ports, cut).await?)
}

async fn with_plan(ports: &Ports<'_>, mut cut: CutRecord) -> Result<CutRecord, StoreError> {
    if let (None, Some(key)) = (&cut.plan, &cut.plan_key) {
        let bytes = ports.objects.get(key).await?.ok_or_else(|| StoreError(format!("plan {key} is missing")))?;
        cut.plan = Some(serde_json::from_slice(&bytes).map_err(|e| StoreError(format!("plan {key}: {e}")))?);
    }
    Ok(cut)
}

pub async fn list(
    ports: &Ports<'_>,
    principal: &Principal,
    filter: &CutFilter,
    page: Page,
) -> Result<Listed<Cut>, DomainError> {
    let listed = ports.cuts.list_cuts(&principal.account_id, filter, page).await?;
    let mut items = Vec::with_capacity(listed.items.len());
    for cut in listed.items {
        items.push(to_dto(&with_plan(ports, cut).await?));
    }
    Ok(Listed { items, total: listed.total })
}

pub async fn delete(ports: &Ports<'_>, principal: &Principal, cut_id: &str) -> Result<(), DomainError> {
    let now = ports.clock.now();
    if ports.cuts.delete_cut(&principal.account_id, cut_id, now).await? {
        Ok(())
    } else {
        Err(DomainError::NotFound("cut"))
    }
}

/// A plan time in ms as API.md's seconds (millisecond precision).
fn seconds(millis: u64) -> f64 {
    millis as f64 / 1000.0
}

pub fn to_dto(cut: &CutRecord) -> Cut {
    let plan = cut.plan.as_ref();
    Cut {
        id: cut.id.clone(),
        asset_id: cut.asset_id.clone(),
        state: cut.state,
        script: cut.script.clone(),
        options: cut.options.clone(),
        segments: plan.map_or_else(Vec::new, |p| {
            p.segments.iter().map(|s| CutSpan { start: seconds(s.start), end: seconds(s.end) }).collect()
        }),
        removed: plan.map_or_else(Vec::new, |p| {
            p.removed
                .iter()
                .map(|r| CutRemoval {
                    start: seconds(r.start),
                    end: seconds(r.end),
                    reason: serde_json::to_value(r.reason)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                })
                .collect()
        }),
        kept_duration_seconds: plan.map(|p| super::time::seconds_string(p.kept_duration)),
        source_duration_seconds: plan.map(|p| super::time::seconds_string(p.source_duration)),
        error_code: cut.error_code.clone(),
        error_message: cut.error_message.clone(),
        created_at: cut.created_at.to_rfc3339(),
        started_at: cut.started_at.map(Timestamp::to_rfc3339),
        completed_at: cut.completed_at.map(Timestamp::to_rfc3339),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_out_of_range_name_their_field() {
        let out_of_range = CutOptions { margin_seconds: 3.0, ..CutOptions::default() };
        match validated_options(out_of_range) {
            Err(DomainError::Invalid(fields)) => assert_eq!(fields[0].field, "body.options.margin_seconds"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_signature_tells_requests_apart() {
        let options = CutOptions::default();
        let base = signature("ast_1", None, None, &options);
        assert_eq!(base, signature("ast_1", None, None, &options));
        assert_ne!(base, signature("ast_2", None, None, &options));
        assert_ne!(base, signature("ast_1", None, Some("Hello."), &options));
        assert_ne!(base, signature("ast_1", Some("derived/ast_1/user/transcript-1.json"), None, &options));
        let loose = CutOptions { remove_fillers: false, ..CutOptions::default() };
        assert_ne!(base, signature("ast_1", None, None, &loose));
    }
}

#[cfg(test)]
mod flow_tests;
