//! Processing on the test platform: attempts claimed once, reports applied once, leases
//! that run out retried then failed, one charge per asset, unpaid assets activated oldest first.

use std::cell::RefCell;

use async_trait::async_trait;
use futures_executor::block_on;
use roughcut_engine::transcript::Word;
use roughcut_shared::accounts::{GrantCredits, GrantType};
use roughcut_shared::assets::{AssetMedia, AssetState, AudioMedia};
use roughcut_shared::jobs::{
    Heartbeat, JobFailure, JobOutcome, JobResult, MediaJob, ProcessedAsset, SpeechChunk, SpeechFormat,
};

use super::settle::activate_unpaid;
use crate::domain::accounts::create_account;
use crate::domain::config::{ProcessingConfig, RateCard};
use crate::domain::jobs::runner::Reported;
use crate::domain::ledger;
use crate::domain::object_keys;
use crate::domain::ports::jobs::JobQueue;
use crate::domain::ports::jobs::MediaInput;
use crate::domain::ports::jobs::{DispatchError, MediaDispatch};
use crate::domain::ports::jobs::{JobKind, JobPayload, JobRecord, JobState, MAX_ATTEMPTS};
use crate::domain::ports::objects::Objects;
use crate::domain::ports::processing::{ProcessingStore, Settlement};
use crate::domain::ports::processing::{TranscribeError, Transcriber};
use crate::domain::ports::{AssetRecord, AssetStore};
use crate::domain::ports::{Clock, ProcessingDeps};
use crate::domain::testing::{TestPlatform, processing_config, uploaded_asset};
use crate::domain::time::Timestamp;
use crate::domain::work;

#[derive(Default)]
struct Media {
    dispatched: RefCell<Vec<MediaJob>>,
    down: RefCell<bool>,
    busy: RefCell<bool>,
}

#[async_trait(?Send)]
impl MediaDispatch for Media {
    async fn dispatch(&self, job: &MediaJob) -> Result<(), DispatchError> {
        if *self.down.borrow() {
            return Err(DispatchError::Failed("connection refused".into()));
        }
        if *self.busy.borrow() {
            return Err(DispatchError::Busy { retry_after_seconds: 7 });
        }
        self.dispatched.borrow_mut().push(job.clone());
        Ok(())
    }
}

/// Says one word at the start of every chunk.
#[derive(Default)]
struct Echo {
    calls: RefCell<u32>,
}

#[async_trait(?Send)]
impl Transcriber for Echo {
    async fn transcribe(&self, _wav: Vec<u8>, _language: Option<&str>) -> Result<Vec<Word>, TranscribeError> {
        *self.calls.borrow_mut() += 1;
        Ok(vec![Word { text: "hello".into(), start: 100, end: 400, confidence: None }])
    }
}

struct World {
    platform: TestPlatform,
    media: Media,
    echo: Echo,
    config: ProcessingConfig,
    transcribing: bool,
}

impl World {
    fn new(transcribing: bool) -> Self {
        let config = processing_config(transcribing.then(SpeechFormat::default));
        Self { platform: TestPlatform::default(), media: Media::default(), echo: Echo::default(), config, transcribing }
    }

    fn deps(&self) -> ProcessingDeps<'_> {
        let transcriber: Option<&dyn Transcriber> = if self.transcribing { Some(&self.echo) } else { None };
        self.platform.processing(&self.media, transcriber, &self.config)
    }

    fn account(&self, credits: i64) -> String {
        let ports = self.platform.ports();
        let account = block_on(create_account(&ports, "acme")).expect("account").account;
        if credits > 0 {
            let grant = GrantCredits { delta: credits, entry_type: GrantType::Topup, memo: None };
            block_on(ledger::grant(&ports, &account.id, &grant)).expect("grant");
        }
        account.id
    }

    /// An uploaded asset in `processing` and its queued job.
    fn uploaded(&self, account: &str, id: &str) -> String {
        let now = self.platform.clock.now();
        let (asset, upload) = uploaded_asset(account, id, AssetState::Processing, now);
        block_on(self.platform.store.insert_asset(&asset, &upload)).expect("asset");
        let input = MediaInput { object_key: format!("assets/{id}"), size_bytes: 1_000 };
        let job = JobRecord::new(account, id, JobPayload::ProcessAsset(input), now);
        block_on(self.platform.submit(&job)).expect("job");
        self.platform.clock.set(Timestamp(now.0 + 1));
        job.id
    }

    fn asset(&self, account: &str, id: &str) -> AssetRecord {
        block_on(self.platform.store.asset(account, id)).expect("store").expect("asset")
    }

    fn job(&self, id: &str) -> JobRecord {
        block_on(crate::domain::ports::jobs::JobStore::job(&self.platform.store, id)).expect("store").expect("job")
    }

    fn balance(&self, account: &str) -> i64 {
        block_on(crate::domain::ports::LedgerStore::balance(&self.platform.store, account)).expect("balance").balance
    }

    fn consumed(&self, account: &str) -> usize {
        let page = crate::domain::page::Page::parse(Some(100), None).expect("page");
        let history = block_on(crate::domain::ports::LedgerStore::history(&self.platform.store, account, page));
        history.expect("history").items.iter().filter(|e| e.entry_type.as_str() == "consume_asset").count()
    }
}

fn processed(duration_ms: u64, speech: usize) -> JobOutcome {
    let media = AssetMedia {
        container: "m4a".into(),
        video: None,
        audio: Some(AudioMedia { codec: "aac".into(), sample_rate: 48_000, channels: 1, bitrate: Some(64_000) }),
    };
    let speech = (0..speech)
        .map(|i| SpeechChunk { name: format!("speech-{i:03}.wav"), start_ms: i as u64 * 600_000, duration_ms: 600_000 })
        .collect();
    JobOutcome::Succeeded {
        result: JobResult::ProcessAsset(ProcessedAsset {
            media,
            has_video: false,
            duration_ms,
            analysis: Some("analysis.bin".into()),
            speech,
        }),
    }
}

#[test]
fn a_duplicate_message_starts_nothing_and_a_repeated_report_charges_nothing() {
    let world = World::new(false);
    let account = world.account(10);
    let job = world.uploaded(&account, "ast_1");
    block_on(work::runner(world.deps()).start_attempt(&job)).expect("first delivery");
    block_on(work::runner(world.deps()).start_attempt(&job)).expect("second delivery");
    assert_eq!(world.media.dispatched.borrow().len(), 1, "one attempt for two messages");
    let attempt = world.media.dispatched.borrow()[0].attempt;
    assert_eq!(block_on(work::runner(world.deps()).report(&job, attempt, processed(90_000, 0))), Ok(Reported::Applied));
    assert_eq!(block_on(work::runner(world.deps()).report(&job, attempt, processed(90_000, 0))), Ok(Reported::Stale));
    let asset = world.asset(&account, "ast_1");
    assert_eq!((asset.state, asset.cuttable, asset.duration_ms), (AssetState::Ready, true, Some(90_000)));
    assert_eq!((world.balance(&account), world.consumed(&account)), (8, 1), "90 s cost 2 credits, once");
    let events = block_on(world.platform.store.events(&account)).expect("events");
    assert_eq!(events.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>(), ["asset.ready"]);
    let beat = Heartbeat { progress: 0.5, stage: "late".into() };
    assert!(
        block_on(work::runner(world.deps()).heartbeat(&job, attempt, &beat)).expect("beat").cancel,
        "the attempt is over"
    );
}

#[test]
fn bad_input_fails_at_once_and_uncharged() {
    let world = World::new(false);
    let account = world.account(10);
    let job = world.uploaded(&account, "ast_1");
    block_on(work::runner(world.deps()).start_attempt(&job)).expect("start");
    let failure = JobOutcome::Failed(JobFailure {
        error_code: "unsupported_media".into(),
        error_message: "The file is no media we read.".into(),
        retryable: false,
    });
    block_on(work::runner(world.deps()).report(&job, 1, failure)).expect("report");
    let asset = world.asset(&account, "ast_1");
    assert_eq!((asset.state, asset.error_code.as_deref()), (AssetState::Failed, Some("unsupported_media")));
    assert_eq!((world.balance(&account), world.consumed(&account)), (10, 0));
    assert_eq!(world.job(&job).state, JobState::Failed);
    let events = block_on(world.platform.store.events(&account)).expect("events");
    assert_eq!(events.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>(), ["asset.failed"]);
}

#[test]
fn lost_attempts_are_retried_with_backoff_then_fail_the_asset() {
    let world = World::new(false);
    let account = world.account(10);
    let job = world.uploaded(&account, "ast_1");
    for attempt in 1..=MAX_ATTEMPTS {
        block_on(work::runner(world.deps()).start_attempt(&job)).expect("start");
        assert_eq!(world.job(&job).attempt, attempt);
        let now = world.platform.clock.now();
        world.platform.clock.set(Timestamp(now.0 + world.config.jobs.lease_ms + 1));
        assert_eq!(block_on(work::runner(world.deps()).expire_leases()), Ok(1));
        // the old attempt's report is refused: its links are dead
        assert_eq!(
            block_on(work::runner(world.deps()).report(&job, attempt, processed(1_000, 0))),
            Ok(Reported::Stale)
        );
    }
    let delays: Vec<u32> = world.platform.messages.sent_jobs().iter().skip(1).map(|(_, delay)| *delay).collect();
    assert_eq!(delays, [5, 20, 80, 320], "four retries with growing delays");
    assert_eq!(world.job(&job).state, JobState::Failed);
    let asset = world.asset(&account, "ast_1");
    assert_eq!((asset.state, asset.error_code.as_deref()), (AssetState::Failed, Some("processing_failed")));
    assert_eq!(world.consumed(&account), 0);
}

#[test]
fn an_unreachable_container_is_a_failed_attempt() {
    let world = World::new(false);
    let account = world.account(10);
    let job = world.uploaded(&account, "ast_1");
    *world.media.down.borrow_mut() = true;
    block_on(work::runner(world.deps()).start_attempt(&job)).expect("start");
    let job = world.job(&job);
    assert_eq!((job.state, job.attempt, job.last_error.as_deref()), (JobState::Queued, 1, Some("media_unavailable")));
    assert_eq!(world.platform.messages.sent_jobs().last(), Some(&(job.id.clone(), 5)));
}

#[test]
fn a_busy_container_defers_the_job_without_spending_an_attempt() {
    let world = World::new(false);
    let account = world.account(10);
    let job = world.uploaded(&account, "ast_1");
    *world.media.busy.borrow_mut() = true;
    for _ in 0..(MAX_ATTEMPTS + 2) {
        block_on(work::runner(world.deps()).start_attempt(&job)).expect("start");
    }
    let record = world.job(&job);
    assert_eq!((record.state, record.attempt), (JobState::Queued, 0), "waiting, no attempt spent");
    assert_eq!(world.platform.messages.sent_jobs().last(), Some(&(job.clone(), 7)), "again after Retry-After");
    *world.media.busy.borrow_mut() = false;
    block_on(work::runner(world.deps()).start_attempt(&job)).expect("start");
    assert_eq!((world.job(&job).state, world.media.dispatched.borrow()[0].attempt), (JobState::Running, 1));
}

#[test]
fn speech_is_transcribed_in_the_worker_then_the_asset_settles() {
    let world = World::new(true);
    let account = world.account(50);
    let job = world.uploaded(&account, "ast_1");
    block_on(work::runner(world.deps()).start_attempt(&job)).expect("start");
    // two chunks of ten minutes, written by the container
    for i in 0..2 {
        let key = object_keys::derived("ast_1", &job, &format!("speech-{i:03}.wav"));
        block_on(world.platform.objects.put(&key, b"RIFF".to_vec(), "audio/wav")).expect("chunk");
    }
    block_on(work::runner(world.deps()).report(&job, 1, processed(1_200_000, 2))).expect("report");
    assert_eq!(world.asset(&account, "ast_1").state, AssetState::Processing, "transcription first");
    let transcription = format!("{job}_t");
    block_on(work::runner(world.deps()).start_attempt(&transcription)).expect("transcribe");
    assert_eq!(*world.echo.calls.borrow(), 2);
    assert_eq!(world.job(&transcription).state, JobState::Succeeded);
    let facts = block_on(world.platform.store.facts("ast_1")).expect("facts");
    let key = facts.transcript_key.expect("a transcript");
    let stored = block_on(world.platform.objects.get(&key)).expect("get").expect("object");
    let words = roughcut_engine::transcript::json::parse(&String::from_utf8(stored).expect("utf-8")).expect("words");
    let times: Vec<(u64, u64)> = words.iter().map(|w| (w.start, w.end)).collect();
    assert_eq!(times, [(100, 400), (600_100, 600_400)], "each chunk's words moved to its place in the source");
    let asset = world.asset(&account, "ast_1");
    assert_eq!((asset.state, world.balance(&account)), (AssetState::Ready, 30), "20 minutes, 20 credits");
}

#[test]
fn unpaid_assets_are_activated_oldest_first() {
    let world = World::new(false);
    let account = world.account(1);
    let (first, second) = (world.uploaded(&account, "ast_1"), world.uploaded(&account, "ast_2"));
    for job in [&first, &second] {
        block_on(work::runner(world.deps()).start_attempt(job)).expect("start");
        block_on(work::runner(world.deps()).report(job, 1, processed(61_000, 0))).expect("report");
    }
    assert_eq!(world.asset(&account, "ast_1").state, AssetState::PendingPayment);
    assert_eq!(world.asset(&account, "ast_2").state, AssetState::PendingPayment);
    let store = &world.platform.store;
    let grant = GrantCredits { delta: 2, entry_type: GrantType::Topup, memo: None };
    block_on(ledger::grant(&world.platform.ports(), &account, &grant)).expect("topup");
    assert_eq!(block_on(activate_unpaid(&world.platform.ports(), RateCard::default(), &account)), Ok(1));
    assert_eq!(world.asset(&account, "ast_1").state, AssetState::Ready);
    assert_eq!(world.asset(&account, "ast_2").state, AssetState::PendingPayment, "one credit does not pay two");
    let events = block_on(store.events(&account)).expect("events");
    let kinds: Vec<_> = events.iter().map(|e| (e.entity_id.as_str(), e.event_type.as_str())).collect();
    assert_eq!(
        kinds,
        [("ast_1", "asset.pending_payment"), ("ast_2", "asset.pending_payment"), ("ast_1", "asset.ready")]
    );
}

impl World {
    /// A video still uploading whose audio proxy of `proxy_ms` landed and was settled; then the
    /// video lands and is queued. Returns the video's job.
    fn proxy_then_video(&self, account: &str, proxy_ms: u64) -> String {
        let video_job = self.uploaded(account, "ast_1");
        let mut asset = self.asset(account, "ast_1");
        asset.state = AssetState::PendingUpload;
        self.platform.store.replace_asset(&asset);
        let input = MediaInput { object_key: "proxy".into(), size_bytes: 100 };
        let now = self.platform.clock.now();
        let proxy = JobRecord::new(account, "ast_1", JobPayload::ProcessAudioProxy(input), now);
        block_on(self.platform.submit(&proxy)).expect("proxy job");
        block_on(work::runner(self.deps()).start_attempt(&proxy.id)).expect("start");
        block_on(work::runner(self.deps()).report(&proxy.id, 1, processed(proxy_ms, 0))).expect("report");
        let asset = self.asset(account, "ast_1");
        assert_eq!((asset.state, asset.cuttable), (AssetState::PendingUpload, true), "cuttable before the video lands");
        let mut asset = self.asset(account, "ast_1");
        asset.state = AssetState::Processing;
        self.platform.store.replace_asset(&asset);
        video_job
    }

    fn adjustments(&self, account: &str) -> Vec<i64> {
        let page = crate::domain::page::Page::parse(Some(100), None).expect("page");
        let history = block_on(crate::domain::ports::LedgerStore::history(&self.platform.store, account, page));
        history
            .expect("history")
            .items
            .iter()
            .filter(|e| e.entry_type.as_str() == "adjustment")
            .map(|e| e.delta)
            .collect()
    }
}

#[test]
fn an_audio_proxy_makes_the_asset_cuttable_and_the_video_corrects_the_charge() {
    let world = World::new(false);
    let account = world.account(10);
    let video_job = world.proxy_then_video(&account, 61_000);
    assert_eq!(world.balance(&account), 8, "61 s cost 2 credits");
    // the video is 125 s long (the proxy said 61 s): its price, 3, corrects the charge
    block_on(work::runner(world.deps()).start_attempt(&video_job)).expect("start");
    block_on(work::runner(world.deps()).report(&video_job, 1, processed(125_000, 0))).expect("report");
    let asset = world.asset(&account, "ast_1");
    assert_eq!((asset.state, asset.duration_ms), (AssetState::Ready, Some(125_000)));
    assert_eq!(world.consumed(&account), 1, "one consume_asset for the proxy and the video together");
    assert_eq!(world.balance(&account), 7, "the video's 125 s cost 3: one more credit as an adjustment");
    assert_eq!(world.adjustments(&account), [-1]);
}

#[test]
fn a_correction_the_account_cannot_cover_leaves_the_video_unpaid_until_a_top_up() {
    let world = World::new(false);
    let account = world.account(2);
    let video_job = world.proxy_then_video(&account, 61_000);
    assert_eq!(world.balance(&account), 0, "the proxy took both credits");
    block_on(work::runner(world.deps()).start_attempt(&video_job)).expect("start");
    block_on(work::runner(world.deps()).report(&video_job, 1, processed(125_000, 0))).expect("report");
    let asset = world.asset(&account, "ast_1");
    assert_eq!(asset.state, AssetState::PendingPayment, "a third minute nobody paid for is not ready");
    assert!(world.adjustments(&account).is_empty());
    let store = &world.platform.store;
    let grant = GrantCredits { delta: 1, entry_type: GrantType::Topup, memo: None };
    block_on(ledger::grant(&world.platform.ports(), &account, &grant)).expect("topup");
    assert_eq!(block_on(activate_unpaid(&world.platform.ports(), RateCard::default(), &account)), Ok(1));
    assert_eq!(world.asset(&account, "ast_1").state, AssetState::Ready);
    assert_eq!((world.balance(&account), world.adjustments(&account)), (0, vec![-1]));
    let events = block_on(store.events(&account)).expect("events");
    let kinds: Vec<_> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(kinds, ["asset.pending_payment", "asset.ready"]);
}

#[test]
fn racing_settlements_book_a_correction_once() {
    let world = World::new(false);
    let account = world.account(10);
    world.proxy_then_video(&account, 61_000);
    // two reports of the video read the same facts before either settles
    let store = &world.platform.store;
    let (ports, rates) = (world.platform.ports(), RateCard::default());
    let first = block_on(super::settle::charge(&ports, rates, &account, "ast_1", 185_000, false)).expect("charge");
    let second = block_on(super::settle::charge(&ports, rates, &account, "ast_1", 185_000, false)).expect("charge");
    assert!(first.correction.is_some() && second.correction.is_some());
    assert_eq!(block_on(store.settle(&first)), Ok(Settlement::Ready));
    assert_eq!(block_on(store.settle(&second)), Ok(Settlement::Unchanged));
    assert_eq!((world.balance(&account), world.adjustments(&account)), (6, vec![-2]), "185 s cost 4 credits");
}

#[test]
fn an_asset_deleted_while_it_is_processed_is_processed_again_when_restored() {
    use crate::domain::api_keys::Principal;
    use crate::domain::assets::{self, PublicUrls};
    let world = World::new(false);
    let account = world.account(10);
    let job = world.uploaded(&account, "ast_1");
    let (ports, principal) = (world.platform.ports(), Principal { account_id: account.clone(), key_id: String::new() });
    let urls = PublicUrls { origin: "", signer: None, now: Timestamp(0) };
    block_on(work::runner(world.deps()).start_attempt(&job)).expect("start");
    block_on(assets::delete(&ports, &principal, "ast_1")).expect("delete");
    // its results arrive while it is deleted: refused, the attempt is over
    block_on(work::runner(world.deps()).report(&job, 1, processed(61_000, 0))).expect("report");
    assert_eq!(world.job(&job).state, JobState::Succeeded);
    let restored = block_on(assets::restore(&ports, &principal, "ast_1", urls)).expect("restore");
    assert_eq!(restored.state, AssetState::Processing);
    let jobs = block_on(crate::domain::ports::jobs::JobStore::jobs_of(&world.platform.store, "ast_1")).expect("jobs");
    let again = jobs.iter().find(|j| j.id != job && j.kind() == JobKind::ProcessAsset).expect("processed again");
    assert_eq!(again.state, JobState::Queued);
    block_on(work::runner(world.deps()).start_attempt(&again.id)).expect("start");
    block_on(work::runner(world.deps()).report(&again.id, 1, processed(61_000, 0))).expect("report");
    assert_eq!((world.asset(&account, "ast_1").state, world.balance(&account)), (AssetState::Ready, 8));
    // restoring an asset whose job is still open starts no second one
    let other = world.uploaded(&account, "ast_2");
    block_on(assets::delete(&ports, &principal, "ast_2")).expect("delete");
    block_on(assets::restore(&ports, &principal, "ast_2", urls)).expect("restore");
    let jobs = block_on(crate::domain::ports::jobs::JobStore::jobs_of(&world.platform.store, "ast_2")).expect("jobs");
    assert_eq!(jobs.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(), [other.as_str()]);
}
