//! A pipeline and its steps as the API shows them, in responses and in the events of their
//! stream (whose `data:` is the pipeline or the step exactly as `GET` shows it).

use roughcut_shared::pipelines::{Pipeline, PipelineStep};

use crate::domain::ports::pipelines::{NewPipelineEvent, PipelineEventType, PipelineRecord, StepRecord};
use crate::domain::time::Timestamp;

pub fn step_dto(step: &StepRecord) -> PipelineStep {
    PipelineStep {
        id: step.id.clone(),
        order: step.order,
        processor: step.request.clone(),
        state: step.state,
        cut_id: step.cut_id.clone(),
        render_id: step.render_id.clone(),
        output_asset_id: step.output_asset_id.clone(),
        started_at: step.started_at.map(Timestamp::to_rfc3339),
        completed_at: step.completed_at.map(Timestamp::to_rfc3339),
        error_code: step.error_code.clone(),
        error_message: step.error_message.clone(),
    }
}

pub fn to_dto(pipeline: &PipelineRecord) -> Pipeline {
    Pipeline {
        id: pipeline.id.clone(),
        input_asset_id: pipeline.input_asset_id.clone(),
        state: pipeline.state,
        steps: pipeline.steps.iter().map(step_dto).collect(),
        credits_reserved: pipeline.credits_reserved(),
        credits_consumed: pipeline.credits_consumed,
        created_at: pipeline.created_at.to_rfc3339(),
        started_at: pipeline.started_at.map(Timestamp::to_rfc3339),
        completed_at: pipeline.completed_at.map(Timestamp::to_rfc3339),
        error_code: pipeline.error_code.clone(),
        error_message: pipeline.error_message.clone(),
    }
}

fn event(event_type: PipelineEventType, data: &impl serde::Serialize) -> NewPipelineEvent {
    NewPipelineEvent { event_type, data_json: serde_json::to_string(data).unwrap_or_default() }
}

/// `pipeline.state`: the pipeline as it now is.
pub fn pipeline_event(pipeline: &PipelineRecord) -> NewPipelineEvent {
    event(PipelineEventType::PipelineState, &to_dto(pipeline))
}

/// `step.state`: the step as it now is.
pub fn step_event(step: &StepRecord) -> NewPipelineEvent {
    event(PipelineEventType::StepState, &step_dto(step))
}

/// `step.progress`: the step as it now is, with its render's progress (0–1).
pub fn progress_event(step: &StepRecord, progress: f64) -> NewPipelineEvent {
    let mut data = serde_json::to_value(step_dto(step)).unwrap_or_default();
    if let Some(fields) = data.as_object_mut() {
        fields.insert("progress".into(), serde_json::json!((progress * 1000.0).round() / 1000.0));
    }
    event(PipelineEventType::StepProgress, &data)
}
