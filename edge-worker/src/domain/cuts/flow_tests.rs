//! Cuts on the test platform: the gates of the asset's state, idempotency, validation,
//! planning by the job, exports, captions and the `CUT_FILE` asset.

use futures_executor::block_on;
use roughcut_engine::analyze::{Analysis, Envelope};
use roughcut_engine::export::TimelineFormat;
use roughcut_engine::transcript::{Word, json};
use roughcut_shared::assets::{AssetMedia, AssetState, AssetType, AudioMedia};
use roughcut_shared::cuts::{CreateCut, CutOptions, CutState};

use super::exports::{self, CaptionFormat};
use super::*;
use crate::domain::StoreError;
use crate::domain::accounts::create_account;
use crate::domain::config::ProcessingConfig;
use crate::domain::ports::Clock;
use crate::domain::ports::ProcessingDeps;
use crate::domain::ports::cuts::CutStore;
use crate::domain::ports::jobs::JobStore;
use crate::domain::ports::objects::{Objects, PartError, StoredPart};
use crate::domain::ports::processing::{ProbeRecord, ProcessingStore, TranscriptSource};
use crate::domain::ports::{AssetFilter, AssetStore};
use crate::domain::testing::{TestPlatform, processing_config, uploaded_asset};
use crate::domain::transcripts::TranscriptFormat;

struct NoMedia;

#[async_trait::async_trait(?Send)]
impl crate::domain::ports::jobs::MediaDispatch for NoMedia {
    async fn dispatch(
        &self,
        _: &roughcut_shared::jobs::MediaJob,
    ) -> Result<(), crate::domain::ports::jobs::DispatchError> {
        Err(crate::domain::ports::jobs::DispatchError::Failed("no media here".into()))
    }
}

fn deps<'a>(platform: &'a TestPlatform, config: &'a ProcessingConfig) -> ProcessingDeps<'a> {
    platform.processing(&NoMedia, None, config)
}

/// A 10-second asset in `state`: speech in 1–4 s and 6–9 s, a transcript with "um" at 2 s and
/// "thanks" at 9.6 s, in the silence after the speech (a recogniser's invention).
fn asset(platform: &TestPlatform, state: AssetState, cuttable: bool) -> (Principal, String) {
    let ports = platform.ports();
    let account = block_on(create_account(&ports, "acme")).expect("account").account;
    let id = "ast_talk".to_owned();
    let (record, upload) = uploaded_asset(&account.id, &id, AssetState::Processing, platform.clock.now());
    block_on(platform.store.insert_asset(&record, &upload)).expect("asset");
    // speech flutters from hop to hop (words over a level held flat, a steady tone, are not heard)
    let levels: Vec<i16> = (0..1000)
        .map(|hop| if (100..400).contains(&hop) || (600..900).contains(&hop) { -1500 - hop % 2 * 150 } else { -7000 })
        .collect();
    let voice = levels.iter().map(|&l| l > -4000).collect();
    let analysis = Analysis { envelope: Envelope { sample_rate: 48_000, levels }, noise_floor: -7000, voice };
    block_on(platform.objects.put("analysis", analysis.encode(), "x")).expect("analysis");
    let media = AssetMedia {
        container: "m4a".into(),
        video: None,
        audio: Some(AudioMedia { codec: "aac".into(), sample_rate: 48_000, channels: 1, bitrate: None }),
    };
    let probe =
        ProbeRecord { asset_type: AssetType::Audio, duration_ms: 10_000, media, analysis_key: Some("analysis".into()) };
    block_on(platform.store.record_probe(&id, &probe, platform.clock.now())).expect("probe");
    let word = |text: &str, start: u64, end: u64| Word { text: text.into(), start, end, confidence: None };
    let words = vec![
        word("hello", 1_100, 1_600),
        word("um", 2_000, 2_400),
        word("world", 2_900, 3_800),
        word("goodbye", 6_200, 8_800),
        word("thanks", 9_600, 9_800),
    ];
    block_on(platform.objects.put("words", json::write(&words).into_bytes(), "x")).expect("words");
    block_on(platform.store.record_transcript(&id, "words", TranscriptSource::User, platform.clock.now())).expect("t");
    let mut record = block_on(platform.store.asset(&account.id, &id)).expect("store").expect("asset");
    record.state = state;
    record.cuttable = cuttable;
    platform.store.replace_asset(&record);
    (Principal { account_id: account.id, key_id: String::new() }, id)
}

fn request(asset_id: &str) -> CreateCut {
    CreateCut { asset_id: asset_id.into(), script: None, options: None }
}

fn run_jobs(platform: &TestPlatform, config: &ProcessingConfig) {
    for (job_id, _) in platform.messages.sent_jobs() {
        block_on(crate::domain::work::runner(deps(platform, config)).start_attempt(&job_id)).expect("job");
    }
}

#[test]
fn the_assets_state_gates_cuts() {
    for (state, cuttable, expected) in [
        (AssetState::Processing, false, DomainError::AssetProcessing { retry_after_seconds: 5 }),
        (AssetState::PendingPayment, false, DomainError::AssetPaymentRequired),
        (AssetState::Failed, false, DomainError::AssetFailed),
    ] {
        let platform = TestPlatform::default();
        let (principal, asset_id) = asset(&platform, state, cuttable);
        let refused = block_on(create(&platform.ports(), &principal, &request(&asset_id)));
        assert_eq!(refused, Err(expected), "{state:?}");
    }
    // cuttable from its audio proxy while the video still uploads
    let platform = TestPlatform::default();
    let (principal, asset_id) = asset(&platform, AssetState::PendingUpload, true);
    assert!(block_on(create(&platform.ports(), &principal, &request(&asset_id))).is_ok());
}

#[test]
fn requests_are_validated_and_idempotent() {
    let platform = TestPlatform::default();
    let ports = platform.ports();
    let (principal, asset_id) = asset(&platform, AssetState::Ready, true);
    let field_of = |body: CreateCut| match block_on(create(&ports, &principal, &body)) {
        Err(DomainError::Invalid(fields)) => fields[0].field.clone(),
        other => panic!("{other:?}"),
    };
    let long = CreateCut { script: Some("a".repeat(MAX_SCRIPT_CHARS + 1)), ..request(&asset_id) };
    assert_eq!(field_of(long), "body.script");
    let wordless = CreateCut { script: Some("🎬🎬 … !!".into()), ..request(&asset_id) };
    assert_eq!(field_of(wordless), "body.script", "a script with no word to follow");
    let options = CutOptions { min_silence_seconds: 0.01, ..CutOptions::default() };
    assert_eq!(
        field_of(CreateCut { options: Some(options), ..request(&asset_id) }),
        "body.options.min_silence_seconds"
    );
    let (first, created) = block_on(create(&ports, &principal, &request(&asset_id))).expect("first");
    assert!(created);
    // the same asset, script and resolved options (defaults spelled out) are the same cut
    let spelled = CreateCut { options: Some(CutOptions::default()), ..request(&asset_id) };
    let (again, created) = block_on(create(&ports, &principal, &spelled)).expect("again");
    assert_eq!((again.id.as_str(), created), (first.id.as_str(), false));
    let scripted = CreateCut { script: Some("Hello world.".into()), ..request(&asset_id) };
    assert_ne!(block_on(create(&ports, &principal, &scripted)).expect("other").0.id, first.id);
    // a transcript the user brings afterwards makes the same request a new cut, of its words
    let words = r#"{"words":[{"text":"hello","start":1.0,"end":1.5}]}"#;
    block_on(crate::domain::transcripts::upload(&ports, &principal, &asset_id, TranscriptFormat::Json, words))
        .expect("transcript");
    let (rewritten, created) = block_on(create(&ports, &principal, &request(&asset_id))).expect("after");
    assert!(created && rewritten.id != first.id, "{rewritten:?}");
    let stranger = Principal { account_id: "acc_other".into(), key_id: String::new() };
    assert_eq!(block_on(create(&ports, &stranger, &request(&asset_id))), Err(DomainError::NotFound("asset")));
    assert_eq!(block_on(get(&ports, &stranger, &first.id)).err(), Some(DomainError::NotFound("cut")));
}

#[test]
fn the_job_plans_the_cut_and_its_exports_follow_it() {
    let platform = TestPlatform::default();
    let config = processing_config(None);
    let ports = platform.ports();
    let (principal, asset_id) = asset(&platform, AssetState::Ready, true);
    let (cut, _) = block_on(create(&ports, &principal, &request(&asset_id))).expect("cut");
    let early = block_on(exports::timeline(&ports, &principal, &cut.id, TimelineFormat::Otio, None));
    assert!(matches!(early, Err(DomainError::NotReady(_))), "{early:?}");
    let early = block_on(exports::transcript(&ports, &principal, &cut.id));
    assert!(matches!(early, Err(DomainError::NotReady(_))), "{early:?}");
    run_jobs(&platform, &config);
    let planned = block_on(get(&ports, &principal, &cut.id)).expect("cut");
    assert_eq!(planned.state, CutState::Completed);
    let dto = to_dto(&planned);
    let reasons: Vec<&str> = dto.removed.iter().map(|r| r.reason.as_str()).collect();
    assert!(reasons.contains(&"filler"), "{reasons:?}");
    assert!(reasons.contains(&"silence"), "{reasons:?}");
    let kept = |t: f64| dto.segments.iter().any(|s| s.start <= t && t <= s.end);
    assert!(kept(1.3) && kept(3.3) && kept(7.0), "every word but the filler is kept: {:?}", dto.segments);
    assert!(!kept(2.2), "the filler is gone");
    assert_eq!(dto.source_duration_seconds.as_deref(), Some("10.000"));

    let otio =
        block_on(exports::timeline(&ports, &principal, &cut.id, TimelineFormat::Otio, Some("/media/take 1.m4a")))
            .expect("otio");
    assert!(otio.body.contains("/media/take 1.m4a"), "the reference is the one asked for");
    assert_eq!(otio.filename, "talk (rough cut).otio");
    let srt = block_on(exports::captions(&ports, &principal, &cut.id, CaptionFormat::Srt)).expect("srt");
    assert!(srt.body.contains("hello") && srt.body.contains("goodbye") && !srt.body.contains("um"), "{}", srt.body);
    // the words it was planned from, the filler among them, on the source's timeline; not the
    // word written into silence
    let words = block_on(exports::transcript(&ports, &principal, &cut.id)).expect("transcript");
    assert_eq!(words.cut_id, cut.id);
    let texts: Vec<&str> = words.words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(texts, ["hello", "um", "world", "goodbye"]);
    let filler = words.words.iter().find(|w| w.text == "um").expect("the filler is a word of the transcript");
    assert!(!kept((filler.start + filler.end) / 2.0), "the cut removed it: {filler:?}");
    assert!(words.words.windows(2).all(|w| w[0].end <= w[1].start), "in order");
    // the captions asset (CUT_FILE) of the cut
    let captions = planned.srt_asset_id.expect("a captions asset");
    let file = block_on(platform.store.asset(&principal.account_id, &captions)).expect("store").expect("asset");
    assert_eq!((file.asset_type, file.state), (Some(AssetType::CutFile), AssetState::Ready));
    // listed among the recordings only when asked for by its type
    let page = crate::domain::page::Page::parse(Some(100), None).expect("page");
    let listed_as = |filter: AssetFilter| {
        let listed = block_on(platform.store.list_assets(&principal.account_id, &filter, page)).expect("list");
        listed.items.into_iter().map(|a| a.id).collect::<Vec<_>>()
    };
    assert_eq!(listed_as(AssetFilter { recordings_only: true, ..AssetFilter::default() }), [asset_id.as_str()]);
    let by_type = AssetFilter { asset_type: Some(AssetType::CutFile), ..AssetFilter::default() };
    assert_eq!(listed_as(by_type), [captions.as_str()]);
    let events = block_on(platform.store.events(&principal.account_id)).expect("events");
    assert!(events.iter().any(|e| e.event_type == "cut.completed" && e.entity_id == cut.id));
    // a second delivery of the job changes nothing
    run_jobs(&platform, &config);
    let jobs = block_on(platform.store.jobs_of(&cut.id)).expect("jobs");
    assert_eq!(jobs.len(), 1);

    block_on(delete(&ports, &principal, &cut.id)).expect("delete");
    assert_eq!(block_on(get(&ports, &principal, &cut.id)).err(), Some(DomainError::NotFound("cut")));
    // the captions asset owns its file: it outlives the cut
    let key = file.object_key.clone().expect("its file");
    assert!(block_on(platform.objects.get(&key)).expect("get").is_some(), "{key} went with the cut");
}

/// Objects that delete the cut while its captions are written: the user's `DELETE` landing while
/// the planner runs.
struct DeletedMidway<'a> {
    platform: &'a TestPlatform,
    principal: &'a Principal,
    cut_id: &'a str,
}

#[async_trait::async_trait(?Send)]
impl Objects for DeletedMidway<'_> {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.platform.objects.get(key).await
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StoreError> {
        if content_type == "application/x-subrip" {
            delete(&self.platform.ports(), self.principal, self.cut_id).await.expect("delete");
        }
        self.platform.objects.put(key, bytes, content_type).await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.platform.objects.delete(key).await
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<(), StoreError> {
        self.platform.objects.delete_prefix(prefix).await
    }

    async fn begin_multipart(&self, key: &str) -> Result<String, StoreError> {
        self.platform.objects.begin_multipart(key).await
    }

    async fn put_part(&self, key: &str, id: &str, number: u16, bytes: Vec<u8>) -> Result<String, StoreError> {
        self.platform.objects.put_part(key, id, number, bytes).await
    }

    async fn put_part_whole(
        &self,
        key: &str,
        id: &str,
        number: u16,
        body: Box<dyn std::any::Any>,
        length: u64,
    ) -> Result<String, PartError> {
        self.platform.objects.put_part_whole(key, id, number, body, length).await
    }

    async fn complete_multipart(&self, key: &str, id: &str, parts: &[StoredPart]) -> Result<(), StoreError> {
        self.platform.objects.complete_multipart(key, id, parts).await
    }

    async fn abort_multipart(&self, key: &str, id: &str) -> Result<(), StoreError> {
        self.platform.objects.abort_multipart(key, id).await
    }
}

#[test]
fn a_cut_deleted_while_it_is_planned_leaves_no_captions_asset_or_bytes() {
    let platform = TestPlatform::default();
    let config = processing_config(None);
    let ports = platform.ports();
    let (principal, asset_id) = asset(&platform, AssetState::Ready, true);
    let (cut, _) = block_on(create(&ports, &principal, &request(&asset_id))).expect("cut");
    let objects = DeletedMidway { platform: &platform, principal: &principal, cut_id: &cut.id };
    for (job_id, _) in platform.messages.sent_jobs() {
        let base = deps(&platform, &config);
        let deps = ProcessingDeps { ports: Ports { objects: &objects, ..base.ports }, ..base };
        block_on(crate::domain::work::runner(deps).start_attempt(&job_id)).expect("job");
    }
    assert_eq!(block_on(get(&ports, &principal, &cut.id)).err(), Some(DomainError::NotFound("cut")));
    let page = crate::domain::page::Page::parse(Some(100), None).expect("page");
    let listed = block_on(platform.store.list_assets(&principal.account_id, &Default::default(), page)).expect("list");
    let types: Vec<_> = listed.items.iter().map(|a| a.asset_type).collect();
    assert_eq!(types, [Some(AssetType::Audio)], "no CUT_FILE asset for a deleted cut");
    let prefix = crate::domain::object_keys::derived_prefix(&asset_id, &cut.id);
    let own = format!("assets/{asset_id}/");
    let left: Vec<String> = platform.objects.blob_keys();
    assert!(!left.iter().any(|k| k.starts_with(&prefix)), "its plan is gone: {left:?}");
    assert!(!left.iter().any(|k| k.starts_with("assets/") && !k.starts_with(&own)), "its captions are gone: {left:?}");
    let events = block_on(platform.store.events(&principal.account_id)).expect("events");
    assert!(!events.iter().any(|e| e.entity_id == cut.id), "no event of a deleted cut");
}

#[test]
fn the_store_keeps_one_live_cut_per_asset_and_signature() {
    let platform = TestPlatform::default();
    let ports = platform.ports();
    let (principal, asset_id) = asset(&platform, AssetState::Ready, true);
    let (cut, _) = block_on(create(&ports, &principal, &request(&asset_id))).expect("cut");
    let stored = block_on(platform.store.cut_by_id(&cut.id)).expect("store").expect("cut");
    let twin = CutRecord { id: "cut_twin".into(), ..stored.clone() };
    assert_eq!(block_on(platform.store.insert_cut(&twin)), Ok(false), "a racing identical request inserts nothing");
    block_on(delete(&ports, &principal, &cut.id)).expect("delete");
    assert_eq!(block_on(platform.store.insert_cut(&twin)), Ok(true), "a deleted cut's signature is free again");
}
