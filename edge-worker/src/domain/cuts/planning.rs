//! The planning job of a cut, in the worker: the asset's stored analysis and transcript read from
//! R2, the engine's planner run on them (a 3-hour recording plans in well under a second of CPU,
//! see bench `plan-speed`), the plan stored — in its row, or in R2 when it outgrows one — with the
//! cut's captions as a `CUT_FILE` asset, and the cut completed with its event.

use roughcut_engine::analyze::Analysis;
use roughcut_engine::export::subtitles::cut_cues;
use roughcut_engine::plan::{PlanInput, Script, plan_with_heard_words};
use roughcut_engine::transcript::{Transcript, json, srt};
use roughcut_shared::assets::{AssetState, AssetType};
use roughcut_shared::cuts::CutState;
use roughcut_shared::jobs::JobResult;

use crate::domain::StoreError;
use crate::domain::ids::{IdKind, new_id};
use crate::domain::jobs::runner::{Begun, Ended, JobHandler};
use crate::domain::object_keys;
use crate::domain::ports::AssetRecord;
use crate::domain::ports::Failed;
use crate::domain::ports::ProcessingDeps;
use crate::domain::ports::cuts::{CompletedCut, CutRecord};
use crate::domain::ports::jobs::JobRecord;
use crate::domain::ports::processing::TranscriptSource;
use crate::domain::processing::media_job::wrong_job;

/// Plans whose JSON is larger than this go to R2 (a D1 row holds at most 1 MB, and rows this
/// large slow every list).
pub const INLINE_PLAN_BYTES: usize = 256 * 1024;

/// Why planning could not produce a plan (the cut fails with it).
struct Unplannable(&'static str, String);

/// The handler of `plan_cut` jobs, which run in the worker.
#[derive(Debug, Clone, Copy)]
pub struct CutPlanning<'a>(pub ProcessingDeps<'a>);

#[async_trait::async_trait(?Send)]
impl JobHandler for CutPlanning<'_> {
    async fn begin(&self, job: &JobRecord) -> Result<Begun, StoreError> {
        run(self.0, job).await.map(Begun::Ended)
    }

    async fn succeeded(&self, job: &JobRecord, _: JobResult) -> Result<(), StoreError> {
        Err(wrong_job(job))
    }

    async fn failed(&self, job: &JobRecord, error_code: &str, _: &str) -> Result<(), StoreError> {
        let event_id = new_id(IdKind::Event, self.0.clock.now());
        let message = "The cut could not be planned.";
        let failed = Failed { error_code, error_message: message, event_id: &event_id, at: self.0.clock.now() };
        self.0.cuts.fail_cut(&job.subject_id, &failed).await?;
        Ok(())
    }
}

/// Plans the cut and completes it, or fails it when it cannot be planned from its asset.
async fn run(deps: ProcessingDeps<'_>, job: &JobRecord) -> Result<Ended, StoreError> {
    let now = deps.clock.now();
    let Some(cut) = deps.cuts.cut_by_id(&job.subject_id).await? else {
        return Ok(Ended::SubjectGone { error_message: "The cut is gone.".into() });
    };
    if matches!(cut.state, CutState::Completed | CutState::Failed) {
        return Ok(Ended::Succeeded);
    }
    deps.cuts.start_cut(&cut.id, now).await?;
    match planned(deps, &cut).await? {
        Ok(completed) => {
            if !deps.cuts.complete_cut(&cut.id, &completed).await? {
                // deleted while it was planned: the captions and plan written for it go too
                deps.objects.delete_prefix(&object_keys::derived_prefix(&cut.asset_id, &cut.id)).await?;
                if let Some(key) = completed.srt_asset.as_ref().and_then(|a| a.object_key.as_deref()) {
                    deps.objects.delete(key).await?;
                }
            }
        }
        Err(Unplannable(code, message)) => {
            deps.log.error(&job.id, &format!("cut {} not planned: {message}", cut.id));
            let event_id = new_id(IdKind::Event, deps.clock.now());
            let public = "The cut could not be planned from this asset.";
            let failed = Failed { error_code: code, error_message: public, event_id: &event_id, at: deps.clock.now() };
            deps.cuts.fail_cut(&cut.id, &failed).await?;
        }
    }
    Ok(Ended::Succeeded)
}

async fn planned(deps: ProcessingDeps<'_>, cut: &CutRecord) -> Result<Result<CompletedCut, Unplannable>, StoreError> {
    let asset = deps.assets.asset(&cut.account_id, &cut.asset_id).await?;
    let Some(asset) = asset.filter(|a| a.state != AssetState::Deleted) else {
        return Ok(Err(Unplannable("asset_deleted", "the asset was deleted".into())));
    };
    let facts = deps.processing.facts(&asset.id).await?;
    let Some(duration) = asset.duration_ms.or(facts.proxy_duration_ms) else {
        return Ok(Err(Unplannable("planning_failed", "the asset has no duration".into())));
    };
    let analysis = match &facts.analysis_key {
        Some(key) => match deps.objects.get(key).await?.map(|bytes| Analysis::decode(&bytes)) {
            Some(Ok(analysis)) => Some(analysis),
            Some(Err(error)) => return Ok(Err(Unplannable("planning_failed", format!("analysis {key}: {error}")))),
            None => return Ok(Err(Unplannable("planning_failed", format!("analysis {key} is missing")))),
        },
        None => None,
    };
    let transcript = match &facts.transcript_key {
        Some(key) => {
            let Some(bytes) = deps.objects.get(key).await? else {
                return Ok(Err(Unplannable("planning_failed", format!("transcript {key} is missing"))));
            };
            let words = json::parse(&String::from_utf8_lossy(&bytes));
            match words.and_then(|words| Transcript::repaired(words, Some(duration))) {
                Ok(transcript) => Some(transcript),
                Err(error) => return Ok(Err(Unplannable("planning_failed", format!("transcript {key}: {error}")))),
            }
        }
        None => None,
    };
    // validated when the cut was made; a stored row out of range is a bug, and fails the cut
    let options = match cut.options.clone().validated() {
        Ok(options) => options,
        Err(error) => return Ok(Err(Unplannable("planning_failed", format!("options: {error}")))),
    };
    let script = cut.script.as_deref().map(Script::new);
    let input = PlanInput {
        duration,
        analysis: analysis.as_ref(),
        transcript: transcript.as_ref(),
        script: script.as_ref(),
        language: asset.language.as_deref(),
        recognised: facts.transcript_source.as_deref() != Some(TranscriptSource::User.as_str()),
    };
    let (plan, heard) = plan_with_heard_words(&input, &options);
    // the words the plan heard are the cut's words: those a recogniser invented over silence or
    // a tone are neither captioned nor given out as the cut's transcript
    let heard = heard.into_owned();
    let (transcript, transcript_key) = match transcript {
        Some(written) if heard.len() < written.words().len() => {
            let key = object_keys::derived(&asset.id, &cut.id, "transcript.json");
            deps.objects.put(&key, json::write(&heard).into_bytes(), "application/json").await?;
            match Transcript::new(heard, Some(duration)) {
                Ok(heard) => (Some(heard), Some(key)),
                Err(error) => return Ok(Err(Unplannable("planning_failed", format!("heard words: {error}")))),
            }
        }
        written => (written, facts.transcript_key),
    };
    let at = deps.clock.now();
    let srt_asset = match transcript.as_ref().filter(|t| !t.words().is_empty()) {
        Some(transcript) => {
            let captions = srt::write(&cut_cues(&plan, transcript));
            Some(captions_asset(deps, cut, &asset, captions).await?)
        }
        None => None,
    };
    let json = serde_json::to_string(&plan).map_err(|e| StoreError(format!("plan JSON: {e}")))?;
    let plan_key = if json.len() > INLINE_PLAN_BYTES {
        let key = object_keys::derived(&asset.id, &cut.id, "plan.json");
        deps.objects.put(&key, json.into_bytes(), "application/json").await?;
        Some(key)
    } else {
        None
    };
    Ok(Ok(CompletedCut { plan, plan_key, transcript_key, srt_asset, event_id: new_id(IdKind::Event, at), at }))
}

/// The cut's captions stored as a `CUT_FILE` asset of the asset's project (seed 001). The asset
/// owns its file (under its own key, purged with it), so deleting the cut leaves it whole.
async fn captions_asset(
    deps: ProcessingDeps<'_>,
    cut: &CutRecord,
    source: &AssetRecord,
    captions: String,
) -> Result<AssetRecord, StoreError> {
    let at = deps.clock.now();
    let id = new_id(IdKind::Asset, at);
    let key = object_keys::source(&id);
    let size = captions.len() as u64;
    deps.objects.put(&key, captions.into_bytes(), "application/x-subrip").await?;
    let stem = source.filename.as_deref().and_then(|f| f.rsplit_once('.').map(|(stem, _)| stem)).unwrap_or("cut");
    Ok(AssetRecord {
        id,
        account_id: cut.account_id.clone(),
        project_id: source.project_id.clone(),
        asset_type: Some(AssetType::CutFile),
        state: AssetState::Ready,
        state_before_delete: None,
        cuttable: false,
        filename: Some(format!("{stem} (rough cut).srt")),
        extension: Some("srt".into()),
        content_type: Some("application/x-subrip".into()),
        language: source.language.clone(),
        size_bytes: Some(size),
        duration_ms: None,
        media: None,
        object_key: Some(key),
        error_code: None,
        error_message: None,
        created_at: at,
        deleted_at: None,
        transcript_key: None,
        open_upload_id: None,
    })
}
