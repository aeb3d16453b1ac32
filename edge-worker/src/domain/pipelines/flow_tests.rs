//! Pipelines run on the test platform, their jobs delivered by hand: holds and their
//! settlement, steps in order through the cut and render jobs, waiting on the asset, cancel, and
//! retries; each change recorded once in the event log.

use futures_executor::block_on;
use roughcut_shared::accounts::{GrantCredits, GrantType};
use roughcut_shared::assets::{AssetMedia, AudioMedia};
use roughcut_shared::credits::{Balance, LedgerEntryType};
use roughcut_shared::jobs::{Heartbeat, JobFailure, JobOutcome, JobResult, MediaJob, RenderedFile};
use roughcut_shared::pipelines::{
    CreatePipeline, CutStepConfig, PipelineState, PipelineStepRequest, RenderCut, RenderStepConfig, StepState,
};
use roughcut_shared::renders::{RenderFormat, RenderOutputRequest, RenderState};

use super::*;
use super::{lifecycle, stream};
use crate::domain::accounts::create_account;
use crate::domain::config::ProcessingConfig;
use crate::domain::ledger;
use crate::domain::page::Page;
use crate::domain::ports::jobs::{DispatchError, JobKind, JobState, MediaDispatch};
use crate::domain::ports::objects::Objects;
use crate::domain::ports::processing::{ProbeRecord, ProcessingStore};
use crate::domain::ports::{AssetStore, Clock};
use crate::domain::processing::settle::after_processing;
use crate::domain::testing::{TestPlatform, processing_config, uploaded_asset};
use crate::domain::{renders, work};

const SECRET: &str = "the-deployment-signing-secret-0123456789";

/// The media container, taking every job.
struct Accepting;

#[async_trait::async_trait(?Send)]
impl MediaDispatch for Accepting {
    async fn dispatch(&self, _: &MediaJob) -> Result<(), DispatchError> {
        Ok(())
    }
}

struct World {
    platform: TestPlatform,
    config: ProcessingConfig,
    principal: Principal,
}

impl World {
    /// An account with `credits` and a probed, unpaid 61-s audio asset `ast_1`.
    fn new(credits: i64) -> Self {
        let platform = TestPlatform::default();
        let account = block_on(create_account(&platform.ports(), "acme")).expect("account").account;
        let grant = GrantCredits { delta: credits, entry_type: GrantType::Topup, memo: None };
        block_on(ledger::grant(&platform.ports(), &account.id, &grant)).expect("credits");
        let (asset, upload) = uploaded_asset(&account.id, "ast_1", AssetState::Processing, platform.clock.now());
        block_on(platform.store.insert_asset(&asset, &upload)).expect("asset");
        let media = AssetMedia {
            container: "m4a".into(),
            video: None,
            audio: Some(AudioMedia { codec: "aac".into(), sample_rate: 48_000, channels: 1, bitrate: None }),
        };
        let probe = ProbeRecord { asset_type: AssetType::Audio, duration_ms: 61_000, media, analysis_key: None };
        assert!(block_on(platform.store.record_probe("ast_1", &probe, platform.clock.now())).expect("probe"));
        let principal = Principal { account_id: account.id, key_id: String::new() };
        Self { platform, config: processing_config(None), principal }
    }

    fn ports(&self) -> Ports<'_> {
        self.platform.ports()
    }

    fn create(&self, steps: Vec<PipelineStepRequest>) -> Result<roughcut_shared::pipelines::Pipeline, DomainError> {
        let request = EstimatePipeline { input_asset_id: "ast_1".into(), steps };
        let quote = block_on(estimate(&self.ports(), &self.principal, &request, RateCard::default(), SECRET))?;
        let create = CreatePipeline {
            input_asset_id: request.input_asset_id,
            steps: request.steps,
            pricing_token: quote.pricing_token,
        };
        block_on(lifecycle::create(&self.ports(), &self.principal, &create, SECRET))
    }

    /// The asset's processing succeeds: charged (its hold paying) and ready.
    fn processed(&self) {
        let deps = self.platform.processing(&Accepting, None, &self.config);
        block_on(after_processing(deps, &self.principal.account_id, "ast_1", 61_000, false)).expect("settled");
    }

    /// Delivers every queued job's message once, oldest first, as the queue would.
    fn deliver(&self) {
        let deps = self.platform.processing(&Accepting, None, &self.config);
        for job in self.platform.store.jobs().into_iter().filter(|j| j.state == JobState::Queued) {
            block_on(work::runner(deps).start_attempt(&job.id)).expect("attempt");
        }
    }

    /// The container's heartbeat of the newest render job's attempt.
    fn heartbeat(&self, progress: f64) {
        let deps = self.platform.processing(&Accepting, None, &self.config);
        let jobs = self.platform.store.jobs();
        let job = jobs.iter().rfind(|j| j.kind() == JobKind::Render).expect("a render");
        let beat = Heartbeat { progress, stage: "encoding".into() };
        let reply = block_on(work::runner(deps).heartbeat(&job.id, job.attempt, &beat)).expect("heartbeat");
        assert!(!reply.cancel);
    }

    /// The container's report of the newest render job's attempt.
    fn report_render(&self, outcome: JobOutcome) {
        let deps = self.platform.processing(&Accepting, None, &self.config);
        let jobs = self.platform.store.jobs();
        let job = jobs.iter().rfind(|j| j.kind() == JobKind::Render).expect("a render");
        block_on(work::runner(deps).report(&job.id, job.attempt, outcome)).expect("report");
    }

    fn pipeline(&self, id: &str) -> roughcut_shared::pipelines::Pipeline {
        block_on(lifecycle::get(&self.ports(), &self.principal, id)).expect("pipeline")
    }

    fn balance(&self) -> Balance {
        block_on(self.ports().ledger.balance(&self.principal.account_id)).expect("balance")
    }

    /// The types of the pipeline's terminal events (for webhooks), oldest first.
    fn endings(&self, id: &str) -> Vec<String> {
        let events = block_on(ProcessingStore::events(&self.platform.store, &self.principal.account_id));
        events.expect("events").into_iter().filter(|e| e.entity_id == id).map(|e| e.event_type).collect()
    }

    fn events(&self, id: &str) -> Vec<(String, String)> {
        let events = block_on(self.ports().pipelines.events_after(id, 0, 100)).expect("events");
        events
            .into_iter()
            .map(|e| {
                let data: serde_json::Value = serde_json::from_str(&e.data_json).expect("JSON");
                (e.event_type.as_str().to_owned(), data["state"].as_str().unwrap_or_default().to_owned())
            })
            .collect()
    }
}

fn cut_then_render() -> Vec<PipelineStepRequest> {
    let output =
        RenderOutputRequest { format: RenderFormat::M4a, resolution: None, video_bitrate: None, audio_bitrate: None };
    vec![
        PipelineStepRequest::Cut(CutStepConfig::default()),
        PipelineStepRequest::Render(RenderStepConfig { output, cut: RenderCut::Previous }),
    ]
}

/// One mp3 render of the whole input.
fn whole_mp3() -> Vec<PipelineStepRequest> {
    let output =
        RenderOutputRequest { format: RenderFormat::Mp3, resolution: None, video_bitrate: None, audio_bitrate: None };
    vec![PipelineStepRequest::Render(RenderStepConfig { output, cut: RenderCut::None })]
}

fn rendered() -> JobOutcome {
    JobOutcome::Succeeded { result: JobResult::Render(RenderedFile { size_bytes: 1_234, duration_ms: 60_000 }) }
}

#[test]
fn a_pipeline_holds_its_quote_waits_for_its_input_and_runs_its_steps_in_order() {
    let world = World::new(10);
    let pipeline = world.create(cut_then_render()).expect("created");
    assert_eq!((pipeline.state, pipeline.credits_reserved), (PipelineState::Pending, 2), "61 s: two minutes held");
    assert_eq!(world.balance(), Balance { balance: 10, reserved: 2, available: 8 });

    world.deliver();
    let waiting = world.pipeline(&pipeline.id);
    assert_eq!(waiting.state, PipelineState::Running);
    assert_eq!(waiting.steps[0].state, StepState::Running, "the cut step waits for its input");
    assert_eq!(waiting.steps[0].cut_id, None);

    world.processed();
    assert_eq!(world.balance(), Balance { balance: 8, reserved: 0, available: 8 }, "the hold paid the charge");
    let paid = world.pipeline(&pipeline.id);
    assert_eq!((paid.credits_reserved, paid.credits_consumed), (0, 2));

    world.deliver(); // the step asks for its cut
    world.deliver(); // the cut is planned; the render step is queued
    let cut_done = world.pipeline(&pipeline.id);
    assert_eq!(cut_done.steps[0].state, StepState::Completed);
    assert!(cut_done.steps[0].cut_id.is_some());
    world.deliver(); // the render step asks for its render
    world.deliver(); // the render's encode goes to the container
    let rendering = world.pipeline(&pipeline.id);
    assert_eq!(rendering.steps[1].state, StepState::Running);
    world.heartbeat(0.42);
    world.report_render(rendered());

    let done = world.pipeline(&pipeline.id);
    assert_eq!(done.state, PipelineState::Completed);
    assert!(done.steps.iter().all(|s| s.state == StepState::Completed));
    let output = done.steps[1].output_asset_id.clone().expect("the render's asset");
    let asset = block_on(world.ports().assets.asset(&world.principal.account_id, &output)).expect("store");
    assert_eq!(asset.and_then(|a| a.asset_type), Some(AssetType::RenderedVideo));
    assert_eq!(world.balance(), Balance { balance: 8, reserved: 0, available: 8 });
    assert_eq!(
        world.events(&pipeline.id),
        [
            ("pipeline.state", "PENDING"),
            ("pipeline.state", "RUNNING"),
            ("step.state", "RUNNING"),
            ("step.state", "COMPLETED"),
            ("step.state", "RUNNING"),
            ("step.progress", "RUNNING"),
            ("step.state", "COMPLETED"),
            ("pipeline.state", "COMPLETED"),
        ]
        .map(|(t, s)| (t.to_owned(), s.to_owned()))
    );
    // a duplicate delivery and a repeated report change nothing
    world.deliver();
    world.report_render(rendered());
    assert_eq!(world.events(&pipeline.id).len(), 8);
    assert_eq!(world.endings(&pipeline.id), ["pipeline.completed"], "one terminal event");
    assert_eq!(world.platform.messages.published_pipelines().len(), 7, "each change told the live streams");
    let progress = block_on(world.ports().pipelines.events_after(&pipeline.id, 0, 100)).expect("events");
    let progress = progress.iter().find(|e| e.event_type.as_str() == "step.progress").expect("progress");
    assert!(progress.data_json.contains(r#""progress":0.42"#), "{}", progress.data_json);
}

#[test]
fn a_stream_replays_the_log_resumes_after_an_id_and_ends_with_the_pipeline() {
    let world = World::new(10);
    world.processed();
    let pipeline = world.create(whole_mp3()).expect("created");
    let ports = world.ports();
    let start = |last: Option<&str>| block_on(stream::start(&ports, &world.principal, &pipeline.id, last));
    assert_eq!(start(None), Ok(stream::Start::After(0)));
    let mut live = stream::Cursor::new(&pipeline.id, 0);
    let first = block_on(live.read(ports.pipelines)).expect("read");
    assert!(first.starts_with("id: ") && first.contains("event: pipeline.state\ndata: {"), "{first}");
    assert!(!live.ended);
    assert_eq!(block_on(live.read(ports.pipelines)).expect("read"), "", "nothing new");
    world.deliver();
    world.deliver();
    world.report_render(rendered());
    let rest = block_on(live.read(ports.pipelines)).expect("read");
    let events: Vec<&str> = rest.lines().filter_map(|l| l.strip_prefix("event: ")).collect();
    assert_eq!(events, ["pipeline.state", "step.state", "step.state", "pipeline.state"]);
    assert!(live.ended, "the pipeline's end ends the stream");
    assert_eq!(start(Some(&live.after.to_string())), Ok(stream::Start::Over), "seen to its end");
    let second_id = rest.lines().find_map(|l| l.strip_prefix("id: ")).expect("an id");
    let mut resumed = stream::Cursor::new(&pipeline.id, second_id.parse().expect("a number"));
    let replay = block_on(resumed.read(ports.pipelines)).expect("read");
    assert_eq!(replay, rest.split_once("\n\n").expect("frames").1, "after that id: no gap, no repeat");
    assert!(matches!(start(Some("later")), Err(DomainError::Invalid(_))));
    let stranger = Principal { account_id: "acc_other".into(), key_id: String::new() };
    let foreign = block_on(stream::start(&ports, &stranger, &pipeline.id, None));
    assert_eq!(foreign, Err(DomainError::NotFound("pipeline")));
}

#[test]
fn creates_hold_while_credits_last_and_then_are_refused() {
    let world = World::new(5);
    let created = (0..6).map(|_| world.create(cut_then_render())).collect::<Vec<_>>();
    let held = created.iter().filter(|c| c.is_ok()).count();
    assert_eq!(held, 2, "two holds of 2 fit in 5");
    assert!(created[2..].iter().all(|c| c == &Err(DomainError::InsufficientCredits)));
    assert_eq!(world.balance(), Balance { balance: 5, reserved: 4, available: 1 });
    let listed = block_on(lifecycle::list(&world.ports(), &world.principal, Page::parse(None, None).expect("page")));
    assert_eq!(listed.expect("list").total, 2, "a refused create stores nothing");
}

#[test]
fn a_cancelled_pipeline_stops_its_render_and_releases_its_hold() {
    let world = World::new(10);
    let pipeline = world.create(whole_mp3()).expect("created");
    world.deliver();
    let cancelled = block_on(lifecycle::cancel(&world.ports(), &world.principal, &pipeline.id)).expect("cancel");
    assert_eq!(cancelled.state, PipelineState::Cancelled);
    assert_eq!(world.balance(), Balance { balance: 10, reserved: 0, available: 10 }, "released");
    world.processed();
    world.deliver();
    assert!(world.platform.store.jobs().iter().all(|j| j.kind() != JobKind::Render), "nothing more runs");
    assert!(world.endings(&pipeline.id).is_empty(), "API.md has no webhook event for a cancel");
    let again = block_on(lifecycle::cancel(&world.ports(), &world.principal, &pipeline.id));
    assert!(matches!(again, Err(DomainError::Conflict(_))), "{again:?}");

    // a render in flight is stopped with its pipeline
    let running = world.create(whole_mp3()).expect("created");
    world.deliver();
    world.deliver();
    let render_id = world.pipeline(&running.id).steps[0].render_id.clone().expect("render");
    block_on(lifecycle::cancel(&world.ports(), &world.principal, &running.id)).expect("cancel");
    let render = block_on(world.ports().renders.render_by_id(&render_id)).expect("store").expect("render");
    assert_eq!(render.state, RenderState::Failed);
    let jobs = world.platform.store.jobs();
    assert!(jobs.iter().filter(|j| j.subject_id == render_id).all(|j| j.state == JobState::Cancelled));
}

#[test]
fn deleting_the_render_a_step_waits_on_fails_the_step_and_releases_the_hold() {
    let world = World::new(10);
    let pipeline = world.create(whole_mp3()).expect("created");
    world.processed();
    world.deliver();
    world.deliver();
    let render_id = world.pipeline(&pipeline.id).steps[0].render_id.clone().expect("render");
    block_on(renders::delete(&world.ports(), &world.principal, &render_id)).expect("deleted");
    let failed = world.pipeline(&pipeline.id);
    assert_eq!((failed.state, failed.steps[0].state), (PipelineState::Failed, StepState::Failed));
    assert_eq!(failed.steps[0].error_code.as_deref(), Some("render_deleted"));
    assert_eq!(world.balance().reserved, 0, "nothing held");
    assert_eq!(world.endings(&pipeline.id), ["pipeline.failed"]);
}

/// A pipeline's `RENDERED_VIDEO` asset presents its render's file: deleting the render leaves the
/// file to the asset, and purging the asset then removes it.
#[test]
fn the_rendered_asset_keeps_its_file_when_the_render_goes_and_its_purge_removes_it() {
    let world = World::new(10);
    let pipeline = world.create(whole_mp3()).expect("created");
    world.processed();
    world.deliver();
    world.deliver();
    world.report_render(rendered());
    let done = world.pipeline(&pipeline.id);
    let (render_id, output) = (done.steps[0].render_id.clone().expect("render"), done.steps[0].output_asset_id.clone());
    let output = output.expect("the render's asset");
    let ports = world.ports();
    let asset = block_on(ports.assets.asset(&world.principal.account_id, &output)).expect("store").expect("asset");
    let key = asset.object_key.clone().expect("the asset's file");
    // the container's upload of the render's file
    block_on(ports.objects.put(&key, b"mp3 bytes".to_vec(), "audio/mpeg")).expect("put");
    let stored = || block_on(world.platform.objects.get(&key)).expect("get").is_some();

    block_on(renders::delete(&ports, &world.principal, &render_id)).expect("render deleted");
    assert!(stored(), "the asset still has its file");

    block_on(crate::domain::assets::delete(&ports, &world.principal, &output)).expect("asset deleted");
    let after_the_grace = crate::domain::time::Timestamp(world.platform.clock.now().0 + 1);
    block_on(crate::domain::assets::purge_deleted(&ports, after_the_grace, 10)).expect("purged");
    assert!(!stored(), "the purge removed it");
}

#[test]
fn a_failed_step_is_retried_in_place_and_a_failed_pipeline_from_its_first_step() {
    let world = World::new(10);
    world.processed();
    let pipeline = world.create(cut_then_render()).expect("created");
    assert_eq!(pipeline.credits_reserved, 0, "the input was paid for");
    for _ in 0..4 {
        world.deliver();
    }
    let failure =
        JobFailure { error_code: "unsupported_media".into(), error_message: "No audio.".into(), retryable: false };
    world.report_render(JobOutcome::Failed(failure));
    let failed = world.pipeline(&pipeline.id);
    assert_eq!(failed.state, PipelineState::Failed);
    assert_eq!(failed.steps[1].error_code.as_deref(), Some("unsupported_media"));
    let cut_id = failed.steps[0].cut_id.clone();
    assert_eq!(world.endings(&pipeline.id), ["pipeline.failed"]);

    let step = failed.steps[0].id.clone();
    let refused = block_on(lifecycle::retry_step(&world.ports(), &world.principal, &pipeline.id, &step));
    assert!(matches!(refused, Err(DomainError::Conflict(_))), "a completed step is not retried");
    let step = failed.steps[1].id.clone();
    let retried = block_on(lifecycle::retry_step(&world.ports(), &world.principal, &pipeline.id, &step));
    let retried = retried.expect("retry step");
    assert_eq!((retried.state, retried.steps[1].state), (PipelineState::Running, StepState::Pending));
    world.deliver();
    world.deliver();
    world.report_render(rendered());
    let done = world.pipeline(&pipeline.id);
    assert_eq!(done.state, PipelineState::Completed);
    assert_eq!(done.steps[0].cut_id, cut_id, "the cut step did not run again");
    assert_eq!(world.endings(&pipeline.id), ["pipeline.failed", "pipeline.completed"]);
    let refused = block_on(lifecycle::retry(&world.ports(), &world.principal, &pipeline.id));
    assert!(matches!(refused, Err(DomainError::Conflict(_))), "only a failed pipeline is retried");
    let history =
        block_on(world.ports().ledger.history(&world.principal.account_id, Page::parse(None, None).expect("p")));
    let holds = history.expect("history").items.iter().filter(|e| e.entry_type == LedgerEntryType::Hold).count();
    assert_eq!(holds, 0, "a pipeline on a paid input holds nothing");
}
