//! Running a pipeline's steps with the cut and render machinery. A step's job starts the step and
//! asks for its cut or render (idempotent, so a redelivered job asks for the same one); a step
//! whose asset is not ready yet waits without failing. The step ends when its cut or render does:
//! the job completion path of those calls `subject_ended`, and the step's own job checks once
//! more after naming its subject, so whichever comes last ends it (the swap lets one win).

use roughcut_shared::assets::{AssetState, AssetType};
use roughcut_shared::cuts::{CreateCut, CutState};
use roughcut_shared::jobs::JobResult;
use roughcut_shared::pipelines::{PipelineState, PipelineStepRequest, RenderCut, StepState};
use roughcut_shared::renders::{CreateRender, RenderState};

use super::lifecycle::{change, fail};
use super::view::progress_event;
use crate::domain::api_keys::Principal;
use crate::domain::cuts::{self, PROCESSING_RETRY_AFTER_SECONDS};
use crate::domain::ids::{IdKind, new_id};
use crate::domain::jobs::runner::{Begun, Ended, JobHandler};
use crate::domain::ports::jobs::{JobPayload, JobRecord};
use crate::domain::ports::pipelines::{PipelineRecord, StepRecord};
use crate::domain::ports::renders::RenderRecord;
use crate::domain::ports::{AssetRecord, Ports, ProcessingDeps};
use crate::domain::processing::media_job::wrong_job;
use crate::domain::renders;
use crate::domain::{DomainError, StoreError};

/// The handler of `pipeline_step` jobs, which run in the worker.
#[derive(Debug, Clone, Copy)]
pub struct PipelineSteps<'a>(pub ProcessingDeps<'a>);

#[async_trait::async_trait(?Send)]
impl JobHandler for PipelineSteps<'_> {
    async fn begin(&self, job: &JobRecord) -> Result<Begun, StoreError> {
        let JobPayload::PipelineStep(input) = &job.payload else { return Err(wrong_job(job)) };
        run(&self.0.ports, &job.subject_id, &input.step_id).await
    }

    async fn succeeded(&self, job: &JobRecord, _: JobResult) -> Result<(), StoreError> {
        Err(wrong_job(job))
    }

    /// The step could not be run, attempt after attempt (storage failures): it fails.
    async fn failed(&self, job: &JobRecord, _: &str, _: &str) -> Result<(), StoreError> {
        let JobPayload::PipelineStep(input) = &job.payload else { return Err(wrong_job(job)) };
        let failure = Failure { code: "internal".into(), message: "The step could not be run.".into() };
        end(&self.0.ports, &job.subject_id, &input.step_id, Err(failure), None).await
    }
}

/// Why a step failed, as the step shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Failure {
    code: String,
    message: String,
}

/// What asking for a step's cut or render came to.
enum Launched {
    Cut(String),
    Render(String),
    /// The asset is not ready for it yet: ask again after this many seconds.
    Later(u32),
    Failed(Failure),
}

/// Starts the step (its pipeline starts with its first) and asks for its cut or render.
async fn run(ports: &Ports<'_>, pipeline_id: &str, step_id: &str) -> Result<Begun, StoreError> {
    change(ports, pipeline_id, None, |pipeline, now| {
        if !pipeline.state.is_open() {
            return false;
        }
        let Some(step) = pipeline.steps.iter_mut().find(|s| s.id == step_id) else { return false };
        if step.state != StepState::Pending {
            return false;
        }
        step.state = StepState::Running;
        step.run += 1;
        step.started_at = Some(now);
        pipeline.state = PipelineState::Running;
        pipeline.started_at.get_or_insert(now);
        true
    })
    .await?;
    let Some(pipeline) = ports.pipelines.pipeline_by_id(pipeline_id).await? else {
        return Ok(Begun::Ended(Ended::SubjectGone { error_message: "The pipeline is gone.".into() }));
    };
    let Some(step) = pipeline.steps.iter().find(|s| s.id == step_id) else {
        return Ok(Begun::Ended(Ended::SubjectGone { error_message: "The step is gone.".into() }));
    };
    // a cancelled pipeline, a step that ended, or one whose subject is named (a redelivery)
    if !pipeline.state.is_open() || step.state != StepState::Running {
        return Ok(Begun::Ended(Ended::Succeeded));
    }
    if step.cut_id.is_some() || step.render_id.is_some() {
        check(ports, &pipeline, step).await?;
        return Ok(Begun::Ended(Ended::Succeeded));
    }
    match launch(ports, &pipeline, step).await? {
        Launched::Later(retry_after_seconds) => Ok(Begun::Later { retry_after_seconds }),
        Launched::Failed(failure) => {
            end(ports, pipeline_id, step_id, Err(failure), None).await?;
            Ok(Begun::Ended(Ended::Succeeded))
        }
        launched @ (Launched::Cut(_) | Launched::Render(_)) => {
            let named = change(ports, pipeline_id, None, |pipeline, _| {
                let Some(step) = pipeline.steps.iter_mut().find(|s| s.id == step_id) else { return false };
                if step.state != StepState::Running {
                    return false;
                }
                match &launched {
                    Launched::Cut(id) => step.cut_id = Some(id.clone()),
                    Launched::Render(id) => step.render_id = Some(id.clone()),
                    Launched::Later(_) | Launched::Failed(_) => {}
                }
                true
            })
            .await?;
            // its cut or render may have ended before the step named it
            if let Some(named) = named
                && let Some(step) = named.after.steps.iter().find(|s| s.id == step_id)
            {
                check(ports, &named.after, step).await?;
            }
            Ok(Begun::Ended(Ended::Succeeded))
        }
    }
}

/// Asks for the step's cut or render, as the account would.
async fn launch(ports: &Ports<'_>, pipeline: &PipelineRecord, step: &StepRecord) -> Result<Launched, StoreError> {
    let principal = Principal { account_id: pipeline.account_id.clone(), key_id: String::new() };
    let asset_id = pipeline.input_asset_id.clone();
    let launched = match &step.request {
        PipelineStepRequest::Cut(config) => {
            let request = CreateCut { asset_id, script: config.script.clone(), options: config.options.clone() };
            cuts::create(ports, &principal, &request).await.map(|(cut, _)| Launched::Cut(cut.id))
        }
        PipelineStepRequest::Render(config) => {
            let cut_id = match config.cut {
                RenderCut::None => None,
                RenderCut::Previous => {
                    let earlier = pipeline.steps.iter().take_while(|s| s.id != step.id);
                    let cut_step = earlier.filter(|s| matches!(s.request, PipelineStepRequest::Cut(_))).last();
                    match cut_step.and_then(|s| s.cut_id.clone()) {
                        Some(cut_id) => Some(cut_id),
                        None => {
                            return Ok(Launched::Failed(Failure {
                                code: "cut_missing".into(),
                                message: "The earlier cut step has no cut (it was deleted).".into(),
                            }));
                        }
                    }
                }
            };
            let request = CreateRender { asset_id, cut_id, output: config.output.clone() };
            renders::create(ports, &principal, &request).await.map(|(render, _)| Launched::Render(render.id))
        }
    };
    Ok(match launched {
        Ok(launched) => launched,
        Err(DomainError::Store(error)) => return Err(error),
        Err(DomainError::AssetProcessing { retry_after_seconds }) => Launched::Later(retry_after_seconds),
        Err(DomainError::AssetNotReady) => Launched::Later(PROCESSING_RETRY_AFTER_SECONDS),
        Err(error) => Launched::Failed(failure_of(error)),
    })
}

/// A refusal of the step's cut or render request, as the step's failure.
fn failure_of(error: DomainError) -> Failure {
    let (code, message) = match error {
        DomainError::AssetFailed => ("asset_failed", "The input's processing failed.".to_owned()),
        DomainError::AssetPaymentRequired => {
            ("asset_payment_required", "The input is unpaid: top up, then retry the step.".to_owned())
        }
        DomainError::NotFound(_) => ("not_found", "The input asset is gone.".to_owned()),
        DomainError::Invalid(fields) => {
            let reasons: Vec<String> = fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
            ("validation_error", reasons.join("; "))
        }
        DomainError::NotReady(message) | DomainError::Conflict(message) | DomainError::UnsupportedFormat(message) => {
            ("conflict", message)
        }
        other => ("step_failed", format!("The step could not start ({other:?}).")),
    };
    Failure { code: code.to_owned(), message }
}

/// A cut or render ended: every pipeline step running on it ends with it.
pub async fn subject_ended(ports: &Ports<'_>, subject_id: &str) -> Result<(), StoreError> {
    for pipeline_id in ports.pipelines.pipelines_waiting_on(subject_id).await? {
        let Some(pipeline) = ports.pipelines.pipeline_by_id(&pipeline_id).await? else { continue };
        let on_subject = |s: &&StepRecord| {
            s.state == StepState::Running
                && (s.cut_id.as_deref() == Some(subject_id) || s.render_id.as_deref() == Some(subject_id))
        };
        for step in pipeline.steps.iter().filter(on_subject) {
            check(ports, &pipeline, step).await?;
        }
    }
    Ok(())
}

/// A render is about to be deleted: each pipeline step running on it fails now, since the
/// deleted row leaves the step naming nothing and no ending of the render would ever reach it.
pub async fn render_deleting(ports: &Ports<'_>, render_id: &str) -> Result<(), StoreError> {
    for pipeline_id in ports.pipelines.pipelines_waiting_on(render_id).await? {
        let Some(pipeline) = ports.pipelines.pipeline_by_id(&pipeline_id).await? else { continue };
        let on_render = |s: &&StepRecord| s.state == StepState::Running && s.render_id.as_deref() == Some(render_id);
        for step in pipeline.steps.iter().filter(on_render) {
            end(ports, &pipeline_id, &step.id, Err(render_deleted()), None).await?;
        }
    }
    Ok(())
}

fn render_deleted() -> Failure {
    Failure { code: "render_deleted".into(), message: "The step's render was deleted.".into() }
}

/// A render made progress: each pipeline step running on it records `step.progress`.
pub async fn subject_progressed(ports: &Ports<'_>, subject_id: &str, progress: f64) -> Result<(), StoreError> {
    for pipeline_id in ports.pipelines.pipelines_waiting_on(subject_id).await? {
        let Some(pipeline) = ports.pipelines.pipeline_by_id(&pipeline_id).await? else { continue };
        let on_subject = |s: &&StepRecord| s.state == StepState::Running && s.render_id.as_deref() == Some(subject_id);
        for step in pipeline.steps.iter().filter(on_subject) {
            ports.pipelines.record_event(&pipeline_id, &progress_event(step, progress), ports.clock.now()).await?;
            ports.streams.published(&pipeline_id).await;
        }
    }
    Ok(())
}

/// Ends a running step whose cut or render ended (nothing when it still runs).
async fn check(ports: &Ports<'_>, pipeline: &PipelineRecord, step: &StepRecord) -> Result<(), StoreError> {
    let ended = match (&step.cut_id, &step.render_id) {
        (Some(cut_id), _) => match ports.cuts.cut_by_id(cut_id).await? {
            Some(cut) if cut.state == CutState::Completed => Ok((cut.srt_asset_id, None)),
            Some(cut) if cut.state == CutState::Failed => Err(subject_failure(cut.error_code, cut.error_message)),
            Some(_) => return Ok(()),
            None => Err(Failure { code: "cut_deleted".into(), message: "The step's cut was deleted.".into() }),
        },
        (None, Some(render_id)) => match ports.renders.render_by_id(render_id).await? {
            Some(render) if render.state == RenderState::Completed => {
                let asset = rendered_asset(ports, pipeline, &render).await?;
                Ok((asset.as_ref().map(|a| a.id.clone()), asset))
            }
            Some(render) if render.state == RenderState::Failed => {
                Err(subject_failure(render.error_code, render.error_message))
            }
            Some(_) => return Ok(()),
            None => Err(render_deleted()),
        },
        (None, None) => return Ok(()),
    };
    match ended {
        Ok((output_asset_id, asset)) => end(ports, &pipeline.id, &step.id, Ok(output_asset_id), asset).await,
        Err(failure) => end(ports, &pipeline.id, &step.id, Err(failure), None).await,
    }
}

fn subject_failure(code: Option<String>, message: Option<String>) -> Failure {
    Failure {
        code: code.unwrap_or_else(|| "step_failed".into()),
        message: message.unwrap_or_else(|| "The step failed.".into()),
    }
}

/// The render's file as a `RENDERED_VIDEO` asset of the input's project (seed 001).
async fn rendered_asset(
    ports: &Ports<'_>,
    pipeline: &PipelineRecord,
    render: &RenderRecord,
) -> Result<Option<AssetRecord>, StoreError> {
    let Some(source) = ports.assets.asset(&pipeline.account_id, &pipeline.input_asset_id).await? else {
        return Ok(None);
    };
    if source.state == AssetState::Deleted {
        return Ok(None);
    }
    let at = ports.clock.now();
    let format = render.output.format;
    let stem = source.filename.as_deref().and_then(|f| f.rsplit_once('.').map(|(stem, _)| stem)).unwrap_or("render");
    Ok(Some(AssetRecord {
        id: new_id(IdKind::Asset, at),
        account_id: pipeline.account_id.clone(),
        project_id: source.project_id.clone(),
        asset_type: Some(AssetType::RenderedVideo),
        state: AssetState::Ready,
        state_before_delete: None,
        cuttable: false,
        filename: Some(format!("{stem} (rough cut).{}", format.as_str())),
        extension: Some(format.as_str().to_owned()),
        content_type: Some(format.content_type().to_owned()),
        language: source.language.clone(),
        size_bytes: render.size_bytes,
        duration_ms: render.duration_ms,
        media: None,
        object_key: render.object_key.clone(),
        error_code: None,
        error_message: None,
        created_at: at,
        deleted_at: None,
        transcript_key: None,
        open_upload_id: None,
    }))
}

/// Ends a running step: completed with its output, or failed, which fails the pipeline. The last
/// step completed completes the pipeline.
async fn end(
    ports: &Ports<'_>,
    pipeline_id: &str,
    step_id: &str,
    result: Result<Option<String>, Failure>,
    output_asset: Option<AssetRecord>,
) -> Result<(), StoreError> {
    change(ports, pipeline_id, output_asset, |pipeline, now| {
        let Some(step) = pipeline.steps.iter_mut().find(|s| s.id == step_id) else { return false };
        if step.state != StepState::Running || !pipeline.state.is_open() {
            return false;
        }
        match &result {
            Ok(output_asset_id) => {
                step.state = StepState::Completed;
                step.output_asset_id.clone_from(output_asset_id);
                step.completed_at = Some(now);
                if pipeline.steps.iter().all(|s| s.state == StepState::Completed) {
                    pipeline.state = PipelineState::Completed;
                    pipeline.completed_at = Some(now);
                }
            }
            Err(failure) => {
                fail(step, &failure.code, &failure.message, now);
                let order = step.order;
                pipeline.state = PipelineState::Failed;
                pipeline.error_code = Some(failure.code.clone());
                pipeline.error_message = Some(format!("Step {order} failed: {}", failure.message));
                pipeline.completed_at = Some(now);
            }
        }
        true
    })
    .await?;
    Ok(())
}
