//! Renders on the test platform: idempotency with failed renders replaced, the gates, the
//! job the container gets, completion and the hard delete that cancels an encode in flight.

use futures_executor::block_on;
use roughcut_shared::assets::{AssetMedia, AssetState, AudioMedia, VideoMedia};
use roughcut_shared::jobs::{JobOutcome, JobResult, MediaTask, RenderedFile};
use roughcut_shared::renders::{CreateRender, RenderFormat, RenderOutputRequest, RenderState};

use super::*;
use crate::domain::accounts::create_account;
use crate::domain::assets::PublicUrls;
use crate::domain::config::ProcessingConfig;
use crate::domain::ports::ProcessingDeps;
use crate::domain::ports::jobs::{DispatchError, MediaDispatch};
use crate::domain::ports::jobs::{JobQueue, JobState, JobStore};
use crate::domain::ports::objects::Objects;
use crate::domain::ports::processing::ProcessingStore;
use crate::domain::ports::renders::RenderStore;
use crate::domain::ports::{AssetStore, Clock};
use crate::domain::testing::{TestPlatform, failed, processing_config, uploaded_asset};
use crate::domain::work;

#[derive(Default)]
struct Media(std::cell::RefCell<Vec<roughcut_shared::jobs::MediaJob>>);

#[async_trait::async_trait(?Send)]
impl MediaDispatch for Media {
    async fn dispatch(&self, job: &roughcut_shared::jobs::MediaJob) -> Result<(), DispatchError> {
        self.0.borrow_mut().push(job.clone());
        Ok(())
    }
}

const URLS: PublicUrls<'static> = PublicUrls { origin: "https://api.test", signer: None, now: Timestamp(0) };

fn deps<'a>(platform: &'a TestPlatform, media: &'a Media, config: &'a ProcessingConfig) -> ProcessingDeps<'a> {
    platform.processing(media, None, config)
}

/// A ready 1080p video asset of 60 s.
fn video_asset(platform: &TestPlatform, state: AssetState) -> (Principal, String) {
    let ports = platform.ports();
    let account = block_on(create_account(&ports, "acme")).expect("account").account;
    let (mut asset, upload) = uploaded_asset(&account.id, "ast_video", AssetState::Processing, platform.clock.now());
    block_on(platform.store.insert_asset(&asset, &upload)).expect("asset");
    asset.state = state;
    asset.cuttable = state == AssetState::Ready;
    asset.duration_ms = Some(60_000);
    asset.media = Some(AssetMedia {
        container: "mp4".into(),
        video: Some(VideoMedia {
            codec: "h264".into(),
            width: 1920,
            height: 1080,
            frame_rate: "30/1".into(),
            bitrate: Some(12_000_000),
            rotation: 0,
        }),
        audio: Some(AudioMedia { codec: "aac".into(), sample_rate: 48_000, channels: 2, bitrate: Some(192_000) }),
    });
    platform.store.replace_asset(&asset);
    (Principal { account_id: account.id, key_id: String::new() }, "ast_video".into())
}

fn request(asset_id: &str, format: RenderFormat) -> CreateRender {
    CreateRender {
        asset_id: asset_id.into(),
        cut_id: None,
        output: RenderOutputRequest { format, resolution: None, video_bitrate: None, audio_bitrate: None },
    }
}

#[test]
fn renders_are_idempotent_and_run_in_the_container() {
    let platform = TestPlatform::default();
    let (media, config) = (Media::default(), processing_config(None));
    let ports = platform.ports();
    let (principal, asset_id) = video_asset(&platform, AssetState::Ready);
    let (render, created) =
        block_on(create(&ports, &principal, &request(&asset_id, RenderFormat::Mp4))).expect("render");
    assert!(created);
    assert_eq!((render.output.width, render.output.video_bitrate_kbps), (Some(1920), Some(10_000)));
    let (again, created) = block_on(create(&ports, &principal, &request(&asset_id, RenderFormat::Mp4))).expect("again");
    assert_eq!((again.id.as_str(), created), (render.id.as_str(), false));
    let (job_id, _) = platform.messages.sent_jobs()[0].clone();
    block_on(work::runner(deps(&platform, &media, &config)).start_attempt(&job_id)).expect("dispatch");
    let dispatched = media.0.borrow()[0].clone();
    let MediaTask::Render { spec, .. } = &dispatched.task else { panic!("{dispatched:?}") };
    assert_eq!((spec.format.as_str(), spec.duration_ms, spec.segments.len()), ("mp4", 60_000, 0));
    let outcome =
        JobOutcome::Succeeded { result: JobResult::Render(RenderedFile { size_bytes: 9, duration_ms: 60_000 }) };
    block_on(work::runner(deps(&platform, &media, &config)).report(&job_id, 1, outcome)).expect("report");
    let done = block_on(get(&ports, &principal, &render.id, URLS)).expect("get");
    assert_eq!((done.state, done.progress, done.size_bytes), (RenderState::Completed, 1.0, Some(9)));
    let events = block_on(platform.store.events(&principal.account_id)).expect("events");
    assert!(events.iter().any(|e| e.event_type == "render.completed" && e.entity_id == render.id));
}

#[test]
fn video_needs_the_video_and_audio_only_a_cuttable_asset() {
    let platform = TestPlatform::default();
    let ports = platform.ports();
    let (principal, asset_id) = video_asset(&platform, AssetState::PendingUpload);
    assert_eq!(
        block_on(create(&ports, &principal, &request(&asset_id, RenderFormat::Mov))).err(),
        Some(DomainError::AssetNotReady)
    );
    assert_eq!(
        block_on(create(&ports, &principal, &request(&asset_id, RenderFormat::M4a))).err(),
        Some(DomainError::AssetProcessing { retry_after_seconds: 5 })
    );
    // cuttable from its audio proxy: audio renders run while the video uploads, off the proxy
    // (its media are the video's probe, which only runs once the video is in)
    let mut asset = block_on(platform.store.asset(&principal.account_id, &asset_id)).expect("store").expect("asset");
    asset.cuttable = true;
    asset.media = None;
    platform.store.replace_asset(&asset);
    let proxy = MediaInput { object_key: format!("assets/{asset_id}/audio-proxy"), size_bytes: 4_321 };
    let now = platform.clock.now();
    let proxy_job = JobRecord::new(&principal.account_id, &asset_id, JobPayload::ProcessAudioProxy(proxy.clone()), now);
    block_on(platform.submit(&proxy_job)).expect("proxy job");
    let (render, _) = block_on(create(&ports, &principal, &request(&asset_id, RenderFormat::M4a))).expect("m4a");
    let jobs = block_on(platform.store.jobs_of(&render.id)).expect("jobs");
    let JobPayload::Render(input) = &jobs[0].payload else { panic!("a render job: {:?}", jobs[0]) };
    assert_eq!((&input.object_key, input.size_bytes), (&proxy.object_key, proxy.size_bytes));
    assert!(!input.spec.copy_audio, "the proxy's codec is no probed fact: it is encoded");
}

#[test]
fn a_delete_cancels_the_encode_and_removes_every_byte() {
    let platform = TestPlatform::default();
    let (media, config) = (Media::default(), processing_config(None));
    let ports = platform.ports();
    let (principal, asset_id) = video_asset(&platform, AssetState::Ready);
    let (render, _) = block_on(create(&ports, &principal, &request(&asset_id, RenderFormat::Mp4))).expect("render");
    let (job_id, _) = platform.messages.sent_jobs()[0].clone();
    block_on(work::runner(deps(&platform, &media, &config)).start_attempt(&job_id)).expect("dispatch");
    // the container has written part of its output
    let partial = crate::domain::object_keys::derived(&render.id, &job_id, "render");
    block_on(platform.objects.put(&partial, vec![1, 2, 3], "video/mp4")).expect("partial");
    block_on(delete(&ports, &principal, &render.id)).expect("delete");
    assert_eq!(block_on(get(&ports, &principal, &render.id, URLS)).err(), Some(DomainError::NotFound("render")));
    let job = block_on(platform.store.job(&job_id)).expect("store").expect("job");
    assert_eq!(job.state, JobState::Cancelled);
    let beat = roughcut_shared::jobs::Heartbeat { progress: 0.5, stage: "encoding".into() };
    let reply = block_on(work::runner(deps(&platform, &media, &config)).heartbeat(&job_id, 1, &beat)).expect("beat");
    assert!(reply.cancel, "the container is told to stop at its next heartbeat");
    assert_eq!(block_on(platform.objects.get(&partial)).expect("get"), None, "no byte left");
    let events = block_on(platform.store.events(&principal.account_id)).expect("events");
    assert!(events.iter().any(|e| e.event_type == "render.cancelled" && e.entity_id == render.id));
    // a failed render with the same signature is replaced by a new one
    let (fresh, created) = block_on(create(&ports, &principal, &request(&asset_id, RenderFormat::Mp4))).expect("again");
    assert!(created);
    let event = new_id(IdKind::Event, platform.clock.now());
    block_on(platform.store.fail_render(&fresh.id, &failed("render_failed", &event, platform.clock.now())))
        .expect("fail");
    let (replaced, created) =
        block_on(create(&ports, &principal, &request(&asset_id, RenderFormat::Mp4))).expect("retry");
    assert!(created && replaced.id != fresh.id);
}

#[test]
fn an_asset_delete_stops_its_renders_in_flight() {
    let platform = TestPlatform::default();
    let (media, config) = (Media::default(), processing_config(None));
    let ports = platform.ports();
    let (principal, asset_id) = video_asset(&platform, AssetState::Ready);
    let (encoding, _) = block_on(create(&ports, &principal, &request(&asset_id, RenderFormat::Mp4))).expect("mp4");
    let (job_id, _) = platform.messages.sent_jobs()[0].clone();
    block_on(work::runner(deps(&platform, &media, &config)).start_attempt(&job_id)).expect("dispatch");
    let (waiting, _) = block_on(create(&ports, &principal, &request(&asset_id, RenderFormat::M4a))).expect("m4a");
    block_on(crate::domain::assets::delete(&ports, &principal, &asset_id)).expect("delete");
    let stopped = block_on(platform.store.asset_renders(&asset_id)).expect("renders");
    assert_eq!(stopped.len(), 2);
    for render in &stopped {
        assert_eq!((render.state, render.error_code.as_deref()), (RenderState::Failed, Some("asset_deleted")));
        assert!(block_on(platform.store.jobs_of(&render.id)).expect("jobs").iter().all(|j| !j.state.is_open()));
    }
    assert!([&encoding.id, &waiting.id].iter().all(|id| stopped.iter().any(|r| &&r.id == id)));
    let beat = roughcut_shared::jobs::Heartbeat { progress: 0.5, stage: "encoding".into() };
    let reply = block_on(work::runner(deps(&platform, &media, &config)).heartbeat(&job_id, 1, &beat)).expect("beat");
    assert!(reply.cancel, "the container is told to stop at its next heartbeat");
    let events = block_on(platform.store.events(&principal.account_id)).expect("events");
    let failed = events.iter().filter(|e| e.event_type == "render.failed").count();
    assert_eq!(failed, 2, "{events:?}");
}

/// Puts bytes where an asset's upload, its analysis and a render's output live; their keys.
fn stored_bytes(platform: &TestPlatform, asset_id: &str, render_id: &str) -> [String; 3] {
    let keys = [
        format!("assets/{asset_id}/source"),
        crate::domain::object_keys::derived(asset_id, "job_1", "analysis.bin"),
        crate::domain::object_keys::derived(render_id, "job_2", "render"),
    ];
    for key in &keys {
        block_on(platform.objects.put(key, vec![1], "application/octet-stream")).expect("put");
    }
    keys
}

#[test]
fn a_project_delete_takes_its_renders_cuts_assets_and_bytes() {
    let platform = TestPlatform::default();
    let ports = platform.ports();
    let (principal, asset_id) = video_asset(&platform, AssetState::Ready);
    let project = block_on(crate::domain::projects::create(&ports, &principal, "p")).expect("project");
    let mut asset = block_on(platform.store.asset(&principal.account_id, &asset_id)).expect("store").expect("asset");
    asset.project_id = Some(project.id.clone());
    platform.store.replace_asset(&asset);
    let cut = roughcut_shared::cuts::CreateCut { asset_id: asset_id.clone(), script: None, options: None };
    let (cut, _) = block_on(crate::domain::cuts::create(&ports, &principal, &cut)).expect("cut");
    let (render, _) = block_on(create(&ports, &principal, &request(&asset_id, RenderFormat::Mp4))).expect("render");
    let keys = stored_bytes(&platform, &asset_id, &render.id);
    block_on(crate::domain::projects::delete(&ports, &principal, &project.id)).expect("delete");
    for key in &keys {
        assert_eq!(block_on(platform.objects.get(key)).expect("get"), None, "{key} is gone");
    }
    assert!(block_on(platform.store.render_by_id(&render.id)).expect("store").is_none());
    let listed = block_on(crate::domain::cuts::get(&ports, &principal, &cut.id));
    assert!(matches!(listed, Err(DomainError::NotFound(_))), "{listed:?}");
    let planning = block_on(crate::domain::ports::jobs::JobStore::jobs_of(&platform.store, &cut.id)).expect("jobs");
    assert!(
        planning.iter().all(|job| job.state == crate::domain::ports::jobs::JobState::Cancelled),
        "the cut's planning stops: {planning:?}"
    );
    assert!(block_on(platform.store.asset(&principal.account_id, &asset_id)).expect("store").is_none());
    let events = block_on(platform.store.events(&principal.account_id)).expect("events");
    assert!(events.iter().any(|e| e.event_type == "render.cancelled" && e.entity_id == render.id));
}

#[test]
fn a_purged_asset_takes_its_renders_outputs_with_it() {
    let platform = TestPlatform::default();
    let ports = platform.ports();
    let (principal, asset_id) = video_asset(&platform, AssetState::Ready);
    let (render, _) = block_on(create(&ports, &principal, &request(&asset_id, RenderFormat::Mp4))).expect("render");
    let keys = stored_bytes(&platform, &asset_id, &render.id);
    block_on(crate::domain::assets::delete(&ports, &principal, &asset_id)).expect("delete");
    let deleted_at = platform.clock.now();
    // within the grace everything stays, for a restore
    assert_eq!(block_on(crate::domain::assets::purge_deleted(&ports, deleted_at, 10)), Ok(0));
    assert!(keys.iter().all(|key| block_on(platform.objects.get(key)).expect("get").is_some()));
    let after_grace = Timestamp(deleted_at.0 + 1);
    assert_eq!(block_on(crate::domain::assets::purge_deleted(&ports, after_grace, 10)), Ok(1));
    for key in &keys {
        assert_eq!(block_on(platform.objects.get(key)).expect("get"), None, "{key} is gone");
    }
    assert!(block_on(platform.store.render_by_id(&render.id)).expect("store").is_none(), "the render's row too");
    assert_eq!(block_on(crate::domain::assets::purge_deleted(&ports, after_grace, 10)), Ok(0), "once");
}

#[test]
fn the_store_keeps_one_render_per_signature_until_it_fails() {
    let platform = TestPlatform::default();
    let ports = platform.ports();
    let (principal, asset_id) = video_asset(&platform, AssetState::Ready);
    let (render, _) = block_on(create(&ports, &principal, &request(&asset_id, RenderFormat::Mp4))).expect("render");
    let stored = block_on(platform.store.render_by_id(&render.id)).expect("store").expect("render");
    let twin = RenderRecord { id: "rnd_twin".into(), ..stored };
    assert_eq!(block_on(platform.store.insert_render(&twin)), Ok(false), "a racing identical request inserts nothing");
    let at = platform.clock.now();
    block_on(platform.store.fail_render(&render.id, &failed("render_failed", "evt_1", at))).expect("fail");
    assert_eq!(block_on(platform.store.insert_render(&twin)), Ok(true), "a failed render may be tried again");
}

#[test]
fn a_cut_that_keeps_nothing_renders_nothing() {
    let platform = TestPlatform::default();
    let ports = platform.ports();
    let (principal, asset_id) = video_asset(&platform, AssetState::Ready);
    let plan = roughcut_engine::plan::CutPlan {
        segments: Vec::new(),
        removed: Vec::new(),
        kept_duration: 0,
        source_duration: 60_000,
    };
    let cut = crate::domain::ports::cuts::CutRecord {
        id: "cut_silent".into(),
        account_id: principal.account_id.clone(),
        asset_id: asset_id.clone(),
        signature: "all silence".into(),
        state: roughcut_shared::cuts::CutState::Processing,
        script: None,
        options: roughcut_shared::cuts::CutOptions::default(),
        plan: None,
        plan_key: None,
        transcript_key: None,
        srt_asset_id: None,
        error_code: None,
        error_message: None,
        created_at: platform.clock.now(),
        started_at: None,
        completed_at: None,
    };
    let cuts: &dyn crate::domain::ports::cuts::CutStore = &platform.store;
    assert!(block_on(cuts.insert_cut(&cut)).expect("cut"));
    let completed = crate::domain::ports::cuts::CompletedCut {
        plan,
        plan_key: None,
        transcript_key: None,
        srt_asset: None,
        event_id: "evt_silent".into(),
        at: platform.clock.now(),
    };
    assert!(block_on(cuts.complete_cut(&cut.id, &completed)).expect("planned"));
    let of_the_cut = CreateRender { cut_id: Some(cut.id.clone()), ..request(&asset_id, RenderFormat::M4a) };
    match block_on(create(&ports, &principal, &of_the_cut)) {
        Err(DomainError::Invalid(fields)) => assert_eq!(fields[0].field, "body.cut_id"),
        other => panic!("not refused: {other:?}"),
    }
    assert!(block_on(platform.store.asset_renders(&asset_id)).expect("renders").is_empty(), "no render made");
}
