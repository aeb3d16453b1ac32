//! Pipelines (API.md "Pipelines", seed 000): cut and render steps run in order on one asset. A
//! pipeline is quoted first: `estimate` validates the steps against the asset, prices them by the
//! ledger's rules (the asset's per-minute charge unless it was charged already; cuts and renders
//! are free) and signs the quote (`quote`), which creating the pipeline then trusts.

pub mod lifecycle;
pub mod quote;
pub mod steps;
pub mod stream;
pub mod view;

use roughcut_shared::FieldError;
use roughcut_shared::assets::{AssetState, AssetType};
use roughcut_shared::pipelines::{EstimatePipeline, PipelineEstimate, PipelineStepRequest, QuoteLine, RenderCut};

use super::DomainError;
use super::api_keys::Principal;
use super::config::RateCard;
use super::cuts::{PROCESSING_RETRY_AFTER_SECONDS, usable_script, validated_options};
use super::ports::{AssetRecord, Ports};
use super::renders::resolve::resolve;
use super::time::seconds_string;

/// Most steps one pipeline may have.
pub const MAX_STEPS: usize = 20;

/// Where step `step`'s config lies in the request body.
fn config_of(step: usize) -> String {
    format!("body.steps[{step}].config.")
}

fn field(step: usize, name: &str, message: impl Into<String>) -> FieldError {
    FieldError { field: format!("{}{name}", config_of(step)), message: message.into() }
}

/// An error of a request the step's config stands for (`body.x`), placed in the step.
fn in_step(step: usize, error: FieldError) -> FieldError {
    FieldError { field: error.field.replacen("body.", &config_of(step), 1), ..error }
}

/// Every rule a step breaks on its own or by its place (a render of the previous cut needs one),
/// checked against `asset`'s media when they are known.
fn step_errors(steps: &[PipelineStepRequest], asset: &AssetRecord) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if steps.is_empty() || steps.len() > MAX_STEPS {
        errors.push(FieldError { field: "body.steps".into(), message: format!("1 to {MAX_STEPS} steps") });
    }
    for (index, step) in steps.iter().enumerate() {
        match step {
            PipelineStepRequest::Cut(config) => {
                if let Err(problem) = usable_script(config.script.as_deref()) {
                    errors.push(field(index, "script", problem));
                }
                if let Err(DomainError::Invalid(fields)) = validated_options(config.options.clone().unwrap_or_default())
                {
                    errors.extend(fields.into_iter().map(|f| in_step(index, f)));
                }
            }
            PipelineStepRequest::Render(config) => {
                let cut_before = steps[..index].iter().any(|s| matches!(s, PipelineStepRequest::Cut(_)));
                if config.cut == RenderCut::Previous && !cut_before {
                    errors.push(field(
                        index,
                        "cut",
                        "`previous` needs an earlier cut step; say `none` for the full source",
                    ));
                }
                if let Err(fields) = resolve(&config.output, asset.media.as_ref()) {
                    // before the video is probed (an asset cuttable from its audio proxy) its
                    // tracks are unknown: what the format needs of them is checked when it runs
                    let known = |f: &FieldError| asset.media.is_some() || f.field != "body.output.format";
                    errors.extend(fields.into_iter().filter(known).map(|f| in_step(index, f)));
                }
            }
        }
    }
    errors
}

/// `POST /api/v1/pipelines/estimate`: the quote and its pricing token, signed with `secret`.
pub async fn estimate(
    ports: &Ports<'_>,
    principal: &Principal,
    request: &EstimatePipeline,
    rate_card: RateCard,
    secret: &str,
) -> Result<PipelineEstimate, DomainError> {
    let asset = ports.assets.asset(&principal.account_id, &request.input_asset_id).await?;
    let Some(asset) = asset.filter(|a| a.state != AssetState::Deleted) else {
        return Err(DomainError::invalid("body.input_asset_id", "no such asset"));
    };
    if matches!(asset.asset_type, Some(AssetType::CutFile | AssetType::RenderedVideo)) {
        return Err(DomainError::invalid("body.input_asset_id", "must be an uploaded recording"));
    }
    let errors = step_errors(&request.steps, &asset);
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    if asset.state == AssetState::Failed {
        return Err(DomainError::AssetFailed);
    }
    let facts = ports.processing.facts(&asset.id).await?;
    let processing = match (facts.charged, asset.duration_ms.or(facts.proxy_duration_ms)) {
        (Some(_), _) => QuoteLine {
            item: "asset_processing".into(),
            step: None,
            credits: 0,
            description: "The input was charged already.".into(),
        },
        (None, Some(duration_ms)) => QuoteLine {
            item: "asset_processing".into(),
            step: None,
            credits: rate_card.credits_for(duration_ms),
            description: format!("Every started minute of the input's {} s.", seconds_string(duration_ms)),
        },
        // no duration to price yet: the asset is still uploading or being probed
        (None, None) => {
            return Err(DomainError::AssetProcessing { retry_after_seconds: PROCESSING_RETRY_AFTER_SECONDS });
        }
    };
    let steps = request.steps.iter().enumerate().map(|(index, step)| {
        let (item, description) = match step {
            PipelineStepRequest::Cut(_) => ("cut", "Cuts are free.".to_owned()),
            PipelineStepRequest::Render(config) => {
                ("render", format!("Renders are free ({}).", config.output.format.as_str()))
            }
        };
        QuoteLine { item: item.into(), step: u32::try_from(index).ok(), credits: 0, description }
    });
    let breakdown: Vec<QuoteLine> = std::iter::once(processing).chain(steps).collect();
    let credits = breakdown.iter().map(|line| line.credits).sum();
    let (pricing_token, expires_at) = quote::sign(secret, &principal.account_id, request, credits, ports.clock.now());
    Ok(PipelineEstimate { credits, breakdown, pricing_token, expires_at: expires_at.to_rfc3339() })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod flow_tests;
