//! A pipeline's life: created with the hold of its quote; changed only by `change`, which decides
//! a transition on a fresh read and applies it by compare-and-swap, recording one event per state
//! that moved, releasing the hold once the pipeline ends, and queueing the step that became next;
//! cancelled, retried whole, or retried one failed step in place.

use roughcut_shared::assets::AssetState;
use roughcut_shared::pipelines::{CreatePipeline, Pipeline, PipelineState, StepState};

use super::quote::{self, TokenRefusal};
use super::view::{pipeline_event, step_event, to_dto};
use crate::domain::api_keys::Principal;
use crate::domain::ids::{IdKind, new_id};
use crate::domain::page::{Listed, Page};
use crate::domain::ports::jobs::{JobPayload, JobRecord, StepInput};
use crate::domain::ports::pipelines::{
    HoldRecord, HoldRelease, PipelineChange, PipelineEnded, PipelineRecord, StepRecord,
};
use crate::domain::ports::{AppendOutcome, AssetRecord, Failed, Ports};
use crate::domain::time::Timestamp;
use crate::domain::{DomainError, StoreError};

/// How often a change is decided again when another change keeps winning the swap.
const MAX_SWAPS: usize = 8;

/// `POST /api/v1/pipelines`: holds the quoted credits and creates the pipeline, its first step
/// queued.
pub async fn create(
    ports: &Ports<'_>,
    principal: &Principal,
    request: &CreatePipeline,
    secret: &str,
) -> Result<Pipeline, DomainError> {
    let now = ports.clock.now();
    let account_id = &principal.account_id;
    let credits =
        quote::verify(secret, account_id, &request.estimated(), &request.pricing_token, now).map_err(|refusal| {
            let message = match refusal {
                TokenRefusal::Malformed => "is not a pricing token",
                TokenRefusal::Mismatched => "was not issued for this account and body: estimate this body again",
                TokenRefusal::Expired => "has expired: estimate again",
            };
            DomainError::invalid("body.pricing_token", message)
        })?;
    // quoted against a live asset, which may have gone since
    let asset = ports.assets.asset(account_id, &request.input_asset_id).await?;
    if !asset.is_some_and(|a| a.state != AssetState::Deleted) {
        return Err(DomainError::invalid("body.input_asset_id", "no such asset"));
    }
    let pipeline_id = new_id(IdKind::Pipeline, now);
    let steps: Vec<StepRecord> = request
        .steps
        .iter()
        .enumerate()
        .map(|(order, request)| {
            let order = u32::try_from(order).unwrap_or(u32::MAX);
            StepRecord::pending(new_id(IdKind::PipelineStep, now), order, request.clone(), 0)
        })
        .collect();
    let hold = (credits > 0).then(|| HoldRecord {
        id: new_id(IdKind::Hold, now),
        amount: credits,
        entry_id: new_id(IdKind::LedgerEntry, now),
        released: false,
    });
    let pipeline = PipelineRecord {
        id: pipeline_id,
        account_id: account_id.clone(),
        input_asset_id: request.input_asset_id.clone(),
        state: PipelineState::Pending,
        version: 0,
        hold,
        credits_consumed: 0,
        error_code: None,
        error_message: None,
        created_at: now,
        started_at: None,
        completed_at: None,
        steps,
    };
    let first = pipeline.steps.first().ok_or_else(|| DomainError::invalid("body.steps", "1 or more steps"))?;
    // the job first: a job whose pipeline was refused ends at once, finding none; a pipeline
    // without its job would stay PENDING for ever
    let job = JobRecord::new(
        account_id,
        &pipeline.id,
        JobPayload::PipelineStep(StepInput { step_id: first.id.clone() }),
        now,
    );
    ports.queue.submit(&job).await?;
    match ports.pipelines.create_pipeline(&pipeline, &pipeline_event(&pipeline)).await? {
        AppendOutcome::Appended => Ok(to_dto(&pipeline)),
        AppendOutcome::WouldOverdraw => Err(DomainError::InsufficientCredits),
        AppendOutcome::NoAccount => Err(DomainError::NotFound("account")),
    }
}

pub async fn get(ports: &Ports<'_>, principal: &Principal, pipeline_id: &str) -> Result<Pipeline, DomainError> {
    Ok(to_dto(&owned(ports, principal, pipeline_id).await?))
}

async fn owned(ports: &Ports<'_>, principal: &Principal, pipeline_id: &str) -> Result<PipelineRecord, DomainError> {
    let pipeline = ports.pipelines.pipeline(&principal.account_id, pipeline_id).await?;
    pipeline.ok_or(DomainError::NotFound("pipeline"))
}

pub async fn list(ports: &Ports<'_>, principal: &Principal, page: Page) -> Result<Listed<Pipeline>, DomainError> {
    Ok(ports.pipelines.list_pipelines(&principal.account_id, page).await?.map(|p| to_dto(&p)))
}

/// `POST …/{id}/cancel`: a `PENDING` or `RUNNING` pipeline ends `CANCELLED`, its hold released;
/// its queued step and a render in flight are stopped (the container learns it at its next
/// heartbeat, within seconds).
pub async fn cancel(ports: &Ports<'_>, principal: &Principal, pipeline_id: &str) -> Result<Pipeline, DomainError> {
    owned(ports, principal, pipeline_id).await?;
    let changed = change(ports, pipeline_id, None, |pipeline, now| {
        if !pipeline.state.is_open() {
            return false;
        }
        pipeline.state = PipelineState::Cancelled;
        pipeline.completed_at = Some(now);
        for step in pipeline.steps.iter_mut().filter(|s| s.state == StepState::Running) {
            fail(step, "cancelled", "The pipeline was cancelled.", now);
        }
        true
    })
    .await?;
    let Some(changed) = changed else { return Err(not_now(ports, principal, pipeline_id, "cancelled").await) };
    let now = ports.clock.now();
    for job in ports.jobs.jobs_of(pipeline_id).await? {
        ports.jobs.cancel_job(&job.id, now).await?;
    }
    let running = changed.before.steps.iter().filter(|s| s.state == StepState::Running);
    for render_id in running.filter_map(|s| s.render_id.as_deref()) {
        for job in ports.jobs.jobs_of(render_id).await? {
            ports.jobs.cancel_job(&job.id, now).await?;
        }
        let event_id = new_id(IdKind::Event, now);
        let message = "Its pipeline was cancelled.";
        let failed = Failed { error_code: "cancelled", error_message: message, event_id: &event_id, at: now };
        ports.renders.fail_render(render_id, &failed).await?;
    }
    Ok(to_dto(&changed.after))
}

/// `POST …/{id}/retry`: a `FAILED` pipeline runs again from its first step.
pub async fn retry(ports: &Ports<'_>, principal: &Principal, pipeline_id: &str) -> Result<Pipeline, DomainError> {
    owned(ports, principal, pipeline_id).await?;
    let changed = change(ports, pipeline_id, None, |pipeline, _| {
        if pipeline.state != PipelineState::Failed {
            return false;
        }
        reopen(pipeline, PipelineState::Pending);
        pipeline.steps.iter_mut().for_each(reset);
        true
    })
    .await?;
    match changed {
        Some(changed) => Ok(to_dto(&changed.after)),
        None => Err(not_now(ports, principal, pipeline_id, "retried").await),
    }
}

/// `POST …/{id}/steps/{step_id}/retry`: the failed step of a `FAILED` pipeline runs again in
/// place; the steps before it keep what they made.
pub async fn retry_step(
    ports: &Ports<'_>,
    principal: &Principal,
    pipeline_id: &str,
    step_id: &str,
) -> Result<Pipeline, DomainError> {
    let pipeline = owned(ports, principal, pipeline_id).await?;
    if !pipeline.steps.iter().any(|s| s.id == step_id) {
        return Err(DomainError::NotFound("step"));
    }
    let changed = change(ports, pipeline_id, None, |pipeline, _| {
        let failed = pipeline.steps.iter().position(|s| s.id == step_id && s.state == StepState::Failed);
        let Some(index) = failed.filter(|_| pipeline.state == PipelineState::Failed) else { return false };
        reopen(pipeline, PipelineState::Running);
        reset(&mut pipeline.steps[index]);
        true
    })
    .await?;
    match changed {
        Some(changed) => Ok(to_dto(&changed.after)),
        None => Err(DomainError::Conflict("Only a FAILED step of a FAILED pipeline can be retried in place.".into())),
    }
}

/// The 409 of a pipeline whose state does not allow `what`.
async fn not_now(ports: &Ports<'_>, principal: &Principal, pipeline_id: &str, what: &str) -> DomainError {
    match owned(ports, principal, pipeline_id).await {
        Ok(pipeline) => {
            DomainError::Conflict(format!("The pipeline is {}; it cannot be {what}.", pipeline.state.as_str()))
        }
        Err(error) => error,
    }
}

fn reopen(pipeline: &mut PipelineRecord, state: PipelineState) {
    pipeline.state = state;
    pipeline.error_code = None;
    pipeline.error_message = None;
    pipeline.completed_at = None;
}

/// A step as if it had never run (its run count stays).
fn reset(step: &mut StepRecord) {
    *step = StepRecord::pending(step.id.clone(), step.order, step.request.clone(), step.run);
}

pub(super) fn fail(step: &mut StepRecord, error_code: &str, error_message: &str, now: Timestamp) {
    step.state = StepState::Failed;
    step.error_code = Some(error_code.to_owned());
    step.error_message = Some(error_message.to_owned());
    step.completed_at = Some(now);
}

/// A change that was applied: the pipeline before and after it.
#[derive(Debug)]
pub(super) struct Changed {
    pub before: PipelineRecord,
    pub after: PipelineRecord,
}

/// Decides a change on a fresh read of the pipeline (`decide` changes it and says whether it
/// did) and applies it by compare-and-swap, deciding again when another change came first. The
/// change records an event per state that moved, releases the hold when the pipeline ends, and
/// stores `output_asset` with it; once applied, the step that became next is queued. `None`
/// when the pipeline is gone or `decide` declined.
pub(super) async fn change(
    ports: &Ports<'_>,
    pipeline_id: &str,
    output_asset: Option<AssetRecord>,
    mut decide: impl FnMut(&mut PipelineRecord, Timestamp) -> bool,
) -> Result<Option<Changed>, StoreError> {
    for _ in 0..MAX_SWAPS {
        let Some(before) = ports.pipelines.pipeline_by_id(pipeline_id).await? else { return Ok(None) };
        let now = ports.clock.now();
        let mut after = before.clone();
        if !decide(&mut after, now) {
            return Ok(None);
        }
        after.version = before.version + 1;
        let release = match &mut after.hold {
            Some(hold) if !hold.released && !after.state.is_open() => {
                hold.released = true;
                Some(HoldRelease {
                    hold_id: hold.id.clone(),
                    entry_id: new_id(IdKind::LedgerEntry, now),
                    amount: hold.amount,
                })
            }
            _ => None,
        };
        let step_events = after.steps.iter().zip(&before.steps).filter(|(a, b)| a.state != b.state || a.run != b.run);
        let mut events: Vec<_> = step_events.map(|(step, _)| step_event(step)).collect();
        if after.state != before.state {
            // a pipeline that starts says so before its step; one that ends, after its last step
            let event = pipeline_event(&after);
            if after.state.is_open() { events.insert(0, event) } else { events.push(event) }
        }
        let ended = ended_event_type(before.state, after.state)
            .map(|event_type| PipelineEnded { event_id: new_id(IdKind::Event, now), event_type });
        let change =
            PipelineChange { pipeline: after, output_asset: output_asset.clone(), release, events, ended, at: now };
        if ports.pipelines.change_pipeline(&change).await? {
            ports.streams.published(pipeline_id).await;
            let after = change.pipeline;
            if let Some(next) = next_step(&after).filter(|next| Some(*next) != next_step(&before)) {
                let input = StepInput { step_id: next.to_owned() };
                let job = JobRecord::new(&after.account_id, &after.id, JobPayload::PipelineStep(input), now);
                ports.queue.submit(&job).await?;
            }
            return Ok(Some(Changed { before, after }));
        }
    }
    Err(StoreError(format!("pipeline {pipeline_id} kept changing: {MAX_SWAPS} changes lost their swap")))
}

/// The webhook event of a move from `before` to `after`: API.md has none for a cancel, which the
/// caller asked for.
fn ended_event_type(before: PipelineState, after: PipelineState) -> Option<&'static str> {
    match after {
        _ if after == before => None,
        PipelineState::Completed => Some("pipeline.completed"),
        PipelineState::Failed => Some("pipeline.failed"),
        PipelineState::Pending | PipelineState::Running | PipelineState::Cancelled => None,
    }
}

/// The step to start next: the first not completed, when it is pending, no step runs and the
/// pipeline is open.
fn next_step(pipeline: &PipelineRecord) -> Option<&str> {
    if !pipeline.state.is_open() || pipeline.steps.iter().any(|s| s.state == StepState::Running) {
        return None;
    }
    let next = pipeline.steps.iter().find(|s| s.state != StepState::Completed)?;
    (next.state == StepState::Pending).then_some(next.id.as_str())
}
