//! Renders: a deliverable encoded from an asset, through one of its completed cuts or whole —
//! validated and resolved against the source (`resolve`), idempotent on (asset, cut, output), run
//! as a job in the media container, downloadable once completed; `DELETE` is a hard delete that
//! stops an encode in flight (its job is cancelled, which the container learns at its next
//! heartbeat) and removes every byte written.

pub mod job;
pub mod resolve;

use super::ports::renders::{RenderFilter, RenderRecord};
use roughcut_shared::assets::{AssetState, AssetType};
use roughcut_shared::cuts::CutState;
use roughcut_shared::jobs::RenderSpec;
use roughcut_shared::renders::{CreateRender, Render, RenderState};
use sha2::{Digest, Sha256};

use super::api_keys::Principal;
use super::assets::PublicUrls;
use super::cuts;
use super::ids::{IdKind, new_id};
use super::object_keys;
use super::page::{Listed, Page};
use super::ports::{AssetRecord, Failed, Ports};
use super::time::Timestamp;
use super::{DomainError, StoreError};
use crate::domain::downloads::Grant;
use crate::domain::ports::jobs::{JobPayload, JobRecord};
use crate::domain::ports::jobs::{MediaInput, RenderJobInput};

fn signature(request: &CreateRender) -> String {
    let canonical = serde_json::to_string(&(&request.asset_id, &request.cut_id, &request.output)).unwrap_or_default();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// The bytes a render reads: the uploaded file once it is all stored, else (an audio render while
/// the video is still uploading) the audio proxy its processing job read.
async fn render_source(ports: &Ports<'_>, asset: &AssetRecord) -> Result<MediaInput, StoreError> {
    let stored = matches!(asset.state, AssetState::Processing | AssetState::PendingPayment | AssetState::Ready);
    if let (true, Some(object_key)) = (stored, &asset.object_key) {
        return Ok(MediaInput { object_key: object_key.clone(), size_bytes: asset.size_bytes.unwrap_or(0) });
    }
    let jobs = ports.jobs.jobs_of(&asset.id).await?;
    let proxy = jobs.iter().rev().find_map(|job| match &job.payload {
        JobPayload::ProcessAudioProxy(input) => Some(input.clone()),
        _ => None,
    });
    proxy.ok_or_else(|| StoreError(format!("asset {} is cuttable without stored bytes or an audio proxy", asset.id)))
}

/// `POST /v1/renders`: the render and whether it is new (201) or the existing one (200).
pub async fn create(
    ports: &Ports<'_>,
    principal: &Principal,
    request: &CreateRender,
) -> Result<(Render, bool), DomainError> {
    let asset = ports.assets.asset(&principal.account_id, &request.asset_id).await?;
    let asset = asset.filter(|a| a.state != AssetState::Deleted).ok_or(DomainError::NotFound("asset"))?;
    if matches!(asset.asset_type, Some(AssetType::CutFile | AssetType::RenderedVideo)) {
        return Err(DomainError::invalid("body.asset_id", "must be an uploaded recording"));
    }
    let output = resolve::resolve(&request.output, asset.media.as_ref());
    // the state gates: video needs the video processed; audio needs only what a cut needs
    if request.output.format.is_video() {
        if asset.state != AssetState::Ready {
            return Err(DomainError::AssetNotReady);
        }
    } else {
        cuts::cuttable(&asset)?;
    }
    let output = output.map_err(DomainError::Invalid)?;
    let (copy_video, copy_audio) = resolve::source_copy(&request.output, &output, asset.media.as_ref());
    let duration = asset.duration_ms.or(ports.processing.facts(&asset.id).await?.proxy_duration_ms).unwrap_or(0);
    let segments = match &request.cut_id {
        Some(cut_id) => {
            // one read: the cut with its plan (a missing cut is no cut of this asset either)
            let not_this_assets = || DomainError::invalid("body.cut_id", "is not a cut of this asset");
            let cut = match cuts::get(ports, principal, cut_id).await {
                Err(DomainError::NotFound(_)) => return Err(not_this_assets()),
                found => found?,
            };
            if cut.asset_id != asset.id {
                return Err(not_this_assets());
            }
            if cut.state != CutState::Completed {
                return Err(DomainError::NotReady(format!(
                    "The cut is {}; retry once it completes.",
                    cut.state.as_str()
                )));
            }
            let plan = cut.plan.ok_or_else(|| StoreError(format!("completed cut {cut_id} without a plan")))?;
            // no segments would render the whole source, the opposite of what the cut says
            if plan.segments.is_empty() {
                return Err(DomainError::invalid("body.cut_id", "this cut keeps nothing to render"));
            }
            plan.segments.iter().map(|s| (s.start, s.end)).collect()
        }
        None => Vec::new(),
    };
    let signature = signature(request);
    if let Some(existing) = ports.renders.render_by_signature(&principal.account_id, &signature).await? {
        if existing.state != RenderState::Failed {
            return Ok((to_dto(&existing, None), false));
        }
        // a failed render with the same signature is replaced
        ports.renders.delete_render(&existing.id).await?;
    }
    let source = render_source(ports, &asset).await?;
    let duration_ms =
        if segments.is_empty() { duration } else { segments.iter().map(|(start, end)| end - start).sum() };
    let spec = RenderSpec {
        format: output.format,
        segments,
        width: output.width,
        height: output.height,
        video_bitrate_kbps: output.video_bitrate_kbps,
        audio_bitrate_kbps: output.audio_bitrate_kbps,
        duration_ms,
        copy_video,
        copy_audio,
    };
    let now = ports.clock.now();
    let render = RenderRecord {
        id: new_id(IdKind::Render, now),
        account_id: principal.account_id.clone(),
        asset_id: asset.id.clone(),
        cut_id: request.cut_id.clone(),
        signature,
        state: RenderState::Pending,
        output,
        progress: 0.0,
        size_bytes: None,
        duration_ms: None,
        object_key: None,
        error_code: None,
        error_message: None,
        created_at: now,
        started_at: None,
        completed_at: None,
    };
    let input = RenderJobInput { object_key: source.object_key, size_bytes: source.size_bytes, spec };
    if !ports.renders.insert_render(&render).await? {
        // an identical request won the race; the winner is out of sight only if the asset was
        // deleted meanwhile
        let winner = ports.renders.render_by_signature(&principal.account_id, &render.signature).await?;
        return winner.map(|r| (to_dto(&r, None), false)).ok_or(DomainError::NotFound("asset"));
    }
    ports.queue.submit(&JobRecord::new(&principal.account_id, &render.id, JobPayload::Render(input), now)).await?;
    Ok((to_dto(&render, None), true))
}

pub async fn get(
    ports: &Ports<'_>,
    principal: &Principal,
    render_id: &str,
    urls: PublicUrls<'_>,
) -> Result<Render, DomainError> {
    let render =
        ports.renders.render(&principal.account_id, render_id).await?.ok_or(DomainError::NotFound("render"))?;
    let download = match (&render.object_key, urls.signer, render.state) {
        (Some(key), Some(signer), RenderState::Completed) => {
            let filename = format!("{}.{}", render.id, render.output.format.as_str());
            let grant = Grant {
                object_key: key.clone(),
                filename,
                content_type: render.output.format.content_type().to_owned(),
            };
            Some(signer.url(urls.origin, &grant, urls.now))
        }
        _ => None,
    };
    Ok(to_dto(&render, download))
}

pub async fn list(
    ports: &Ports<'_>,
    principal: &Principal,
    filter: &RenderFilter,
    page: Page,
) -> Result<Listed<Render>, DomainError> {
    Ok(ports.renders.list_renders(&principal.account_id, filter, page).await?.map(|r| to_dto(&r, None)))
}

/// `DELETE`: the row goes at once; an encode in flight is cancelled (the container stops at its
/// next heartbeat, its attempt URLs refused from now on) and every byte under the render's prefix goes.
pub async fn delete(ports: &Ports<'_>, principal: &Principal, render_id: &str) -> Result<(), DomainError> {
    let render =
        ports.renders.render(&principal.account_id, render_id).await?.ok_or(DomainError::NotFound("render"))?;
    remove(ports, &render).await
}

/// Removes a render for good: its encode stopped (an in-flight one reports `render.cancelled`),
/// its row and every byte it wrote.
pub async fn remove(ports: &Ports<'_>, render: &RenderRecord) -> Result<(), DomainError> {
    let now = ports.clock.now();
    cancel_encode(ports, &render.id, now).await?;
    if render.state.is_open() {
        ports.renders.record_cancelled(render, &new_id(IdKind::Event, now), now).await?;
    }
    // a pipeline step waiting on it fails rather than wait for ever
    super::pipelines::steps::render_deleting(ports, &render.id).await?;
    ports.renders.delete_render(&render.id).await?;
    // A pipeline's RENDERED_VIDEO asset presents the render's file: the file is the asset's from
    // now on, and goes when the asset is purged (`assets::purge_deleted`).
    let prefix = object_keys::subject_prefix(&render.id);
    if !ports.assets.presents_a_file_under(&prefix).await? {
        ports.objects.delete_prefix(&prefix).await?;
    }
    Ok(())
}

/// The asset `asset_id` was deleted: its open renders stop, each encode cancelled and the render
/// failed as `asset_deleted` (`render.failed`). A restore does not bring an encode back: asking
/// again is one request, and an encode of a file its owner deleted should not run for minutes.
pub async fn stop_for_deleted_asset(ports: &Ports<'_>, asset_id: &str) -> Result<(), StoreError> {
    for render in ports.renders.asset_renders(asset_id).await?.into_iter().filter(|r| r.state.is_open()) {
        let now = ports.clock.now();
        cancel_encode(ports, &render.id, now).await?;
        let event_id = new_id(IdKind::Event, now);
        let error_message = "The render's asset was deleted.";
        let failed = Failed { error_code: "asset_deleted", error_message, event_id: &event_id, at: now };
        ports.renders.fail_render(&render.id, &failed).await?;
        super::pipelines::steps::subject_ended(ports, &render.id).await?;
    }
    Ok(())
}

/// Cancels the jobs of render `render_id`: the container stops its encode at its next heartbeat.
async fn cancel_encode(ports: &Ports<'_>, render_id: &str, now: Timestamp) -> Result<(), StoreError> {
    for job in ports.jobs.jobs_of(render_id).await? {
        ports.jobs.cancel_job(&job.id, now).await?;
    }
    Ok(())
}

pub fn to_dto(render: &RenderRecord, download_url: Option<String>) -> Render {
    Render {
        id: render.id.clone(),
        asset_id: render.asset_id.clone(),
        cut_id: render.cut_id.clone(),
        state: render.state,
        output: render.output.clone(),
        progress: if render.state == RenderState::Completed { 1.0 } else { render.progress },
        size_bytes: render.size_bytes,
        duration_seconds: render.duration_ms.map(super::time::seconds_string),
        error_code: render.error_code.clone(),
        error_message: render.error_message.clone(),
        created_at: render.created_at.to_rfc3339(),
        started_at: render.started_at.map(Timestamp::to_rfc3339),
        completed_at: render.completed_at.map(Timestamp::to_rfc3339),
        download_url,
    }
}

#[cfg(test)]
mod tests;
