//! The stores' contract: the guards, orderings and tenant scoping of the SQL stores, tested on
//! the Worker's own statements over SQLite with the migrations' schema (foreign keys on). The
//! domain's tests run on the same stores, so no second implementation can drift from it.

use futures_executor::block_on;
use roughcut_shared::assets::{AssetMedia, AssetState, AssetType, AudioMedia};
use roughcut_shared::credits::LedgerEntryType;
use roughcut_shared::cuts::{CutOptions, CutState};
use roughcut_shared::pipelines::{PipelineState, StepState};
use roughcut_shared::renders::{RenderFormat, RenderOutput, RenderState};

use crate::domain::StoreError;
use crate::domain::object_keys::Owner;
use crate::domain::ports::cuts::{CutRecord, CutStore};
use crate::domain::ports::idempotency::{Claim, ClaimTerms, IdempotencyStore, StoredAnswer};
use crate::domain::ports::jobs::MediaInput;
use crate::domain::ports::jobs::{AttemptEnd, JobPayload, JobRecord, JobState, JobStore, Renewal};
use crate::domain::ports::pipelines::{
    HoldRecord, HoldRelease, NewPipelineEvent, PipelineChange, PipelineEnded, PipelineEventType, PipelineRecord,
    PipelineStore, StepRecord,
};
use crate::domain::ports::processing::{Charge, Correction, HoldSpend, ProbeRecord, ProcessingStore, Settlement};
use crate::domain::ports::renders::{RenderRecord, RenderStore, Rendered};
use crate::domain::ports::webhooks::{
    DeliveryOutcome, DeliveryRecord, DeliveryState, EndpointRecord, Finished, WebhookEvent, WebhookStore,
};
use crate::domain::ports::{
    AccountRecord, AccountStore, ApiKeyRecord, AppendOutcome, AssetStore, LedgerRecord, LedgerStore, ProjectRecord,
    ProjectStore, UploadEnd, UploadEnding, UploadPurpose,
};
use crate::domain::testing::{failed, uploaded_asset};
use crate::domain::time::Timestamp;
use crate::sql_store::SqlStore;
use crate::sql_store::sqlite::Sqlite;

/// The stores as the Worker runs them, over SQLite with the migrations' schema.
type Stores = SqlStore<Sqlite>;

/// Adds the job row the Worker's queue adapter inserts before it sends the message.
fn add_job(stores: &Stores, job: &JobRecord) {
    assert!(block_on(stores.insert_job(job)).expect("job"), "a new job");
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name(&super::Stores::default()) })*
        }
    };
}

contract!(
    a_job_is_claimed_once_and_ended_once,
    a_retried_attempt_is_queued_again_and_a_deferred_one_spends_none,
    leases_that_ran_out_are_found_and_cancelled_jobs_never_claimed,
    queued_jobs_untouched_for_long_are_stalled,
    a_render_ends_once_and_shows_its_jobs_progress,
    a_cut_ends_once_with_one_event,
    a_processed_asset_is_charged_once,
    an_asset_the_account_cannot_pay_waits,
    a_proxy_makes_its_asset_cuttable_and_the_video_settles_the_difference_once,
    an_upload_ends_once_and_changes_only_an_asset_still_uploading,
    rows_need_what_they_refer_to,
    a_pipeline_is_created_only_with_its_hold,
    a_pipeline_changes_by_compare_and_swap_with_its_events_and_release,
    a_pipeline_hold_pays_its_inputs_charge_once,
    deleting_a_project_takes_its_pipelines,
    webhook_events_fan_out_once_and_an_attempts_outcome_applies_once,
    webhook_endpoints_are_scoped_to_their_account_and_take_their_deliveries,
    an_idempotency_key_is_claimed_once_answered_once_and_forgotten_after_its_day,
    a_file_presented_under_a_prefix_is_found_until_its_asset_is_purged,
    a_files_owner_is_live_until_its_asset_is_deleted,
);

const T0: Timestamp = Timestamp(1_000_000);
const ACCOUNT: &str = "acc_1";

fn at(ms: i64) -> Timestamp {
    Timestamp(T0.0 + ms)
}

/// An account (with its first key) and a `processing` asset of it.
fn account_with_asset(stores: &Stores, asset_id: &str) {
    let account = AccountRecord { id: ACCOUNT.into(), name: "acme".into(), created_at: T0 };
    let key = ApiKeyRecord {
        id: "key_1".into(),
        account_id: ACCOUNT.into(),
        name: "default".into(),
        prefix: "rc_live_abcd".into(),
        key_hash: "0".repeat(64),
        created_at: T0,
        last_used_at: None,
        revoked_at: None,
    };
    block_on(stores.create_account(&account, &key)).expect("account");
    add_asset(stores, asset_id);
}

fn add_asset(stores: &Stores, asset_id: &str) {
    let (asset, upload) = uploaded_asset(ACCOUNT, asset_id, AssetState::Processing, T0);
    block_on(stores.insert_asset(&asset, &upload)).expect("asset");
}

fn job_of(stores: &Stores, subject_id: &str, payload: JobPayload) -> String {
    let job = JobRecord::new(ACCOUNT, subject_id, payload, T0);
    add_job(stores, &job);
    job.id
}

fn processing_job(stores: &Stores, asset_id: &str) -> String {
    let input = MediaInput { object_key: format!("assets/{asset_id}"), size_bytes: 1_000 };
    job_of(stores, asset_id, JobPayload::ProcessAsset(input))
}

fn job(stores: &Stores, job_id: &str) -> JobRecord {
    block_on(stores.job(job_id)).expect("store").expect("the job")
}

fn claim(stores: &Stores, job_id: &str, now: Timestamp) -> Option<u32> {
    block_on(stores.claim_job(job_id, now, at(now.0 - T0.0 + 10_000))).expect("claim").map(|job| job.attempt)
}

fn a_job_is_claimed_once_and_ended_once(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    let job_id = processing_job(stores, "ast_1");
    assert_eq!(job(stores, &job_id).state, JobState::Queued);
    assert_eq!(claim(stores, &job_id, at(1)), Some(1));
    assert_eq!(claim(stores, &job_id, at(2)), None, "a duplicate message claims nothing");
    assert_eq!(job(stores, &job_id).state, JobState::Running);
    assert!(
        block_on(stores.renew_lease(&job_id, 1, &Renewal { progress: 0.25, at: at(3), until: at(20_000) }))
            .expect("renew")
    );
    assert!(
        !block_on(stores.renew_lease(&job_id, 2, &Renewal { progress: 0.25, at: at(3), until: at(20_000) }))
            .expect("renew"),
        "not its attempt"
    );
    assert!(block_on(stores.end_attempt(&job_id, 1, &AttemptEnd::Succeeded, at(4))).expect("end"));
    assert!(!block_on(stores.end_attempt(&job_id, 1, &AttemptEnd::Succeeded, at(5))).expect("end"), "ended once");
    assert!(
        !block_on(stores.renew_lease(&job_id, 1, &Renewal { progress: 0.5, at: at(6), until: at(20_000) }))
            .expect("renew"),
        "over"
    );
    assert_eq!(job(stores, &job_id).state, JobState::Succeeded);
}

fn a_retried_attempt_is_queued_again_and_a_deferred_one_spends_none(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    let job_id = processing_job(stores, "ast_1");
    assert_eq!(claim(stores, &job_id, at(1)), Some(1));
    let retry = AttemptEnd::Retry { error_code: "media_unavailable".into(), error_message: "down".into() };
    assert!(block_on(stores.end_attempt(&job_id, 1, &retry, at(2))).expect("end"));
    let retried = job(stores, &job_id);
    assert_eq!((retried.state, retried.last_error.as_deref()), (JobState::Queued, Some("media_unavailable")));
    assert_eq!(claim(stores, &job_id, at(3)), Some(2));
    assert!(block_on(stores.defer_attempt(&job_id, 2, at(4))).expect("defer"));
    assert_eq!(job(stores, &job_id).state, JobState::Queued);
    assert!(!block_on(stores.defer_attempt(&job_id, 2, at(5))).expect("defer"), "deferred once");
    assert_eq!(claim(stores, &job_id, at(6)), Some(2), "a deferred attempt is not spent");
    let failed = AttemptEnd::Failed { error_code: "unsupported_media".into(), error_message: "no".into() };
    assert!(block_on(stores.end_attempt(&job_id, 2, &failed, at(7))).expect("end"));
    assert_eq!(job(stores, &job_id).state, JobState::Failed);
    assert_eq!(claim(stores, &job_id, at(8)), None);
}

fn leases_that_ran_out_are_found_and_cancelled_jobs_never_claimed(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    let running = processing_job(stores, "ast_1");
    let queued = processing_job(stores, "ast_1");
    assert_eq!(claim(stores, &running, at(0)), Some(1));
    assert!(block_on(stores.expired_leases(at(9_999), 10)).expect("expired").is_empty());
    let expired = block_on(stores.expired_leases(at(10_001), 10)).expect("expired");
    assert_eq!(expired.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(), [running.as_str()]);
    assert!(block_on(stores.cancel_job(&queued, at(1))).expect("cancel"));
    assert!(!block_on(stores.cancel_job(&queued, at(2))).expect("cancel"), "cancelled once");
    assert_eq!(claim(stores, &queued, at(3)), None);
    assert_eq!(job(stores, &queued).state, JobState::Cancelled);
    let ids: Vec<String> = block_on(stores.jobs_of("ast_1")).expect("jobs").into_iter().map(|j| j.id).collect();
    let mut oldest_first = [running, queued];
    oldest_first.sort(); // made in the same millisecond: by id
    assert_eq!(ids, oldest_first);
}

fn queued_jobs_untouched_for_long_are_stalled(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    let waiting = processing_job(stores, "ast_1");
    let touched = processing_job(stores, "ast_1");
    let running = processing_job(stores, "ast_1");
    assert_eq!(claim(stores, &touched, at(5_000)), Some(1));
    assert!(block_on(stores.defer_attempt(&touched, 1, at(5_000))).expect("defer"), "queued again, touched at 5 s");
    assert_eq!(claim(stores, &running, at(5_000)), Some(1));
    let ids = |before: i64| -> Vec<String> {
        block_on(stores.stalled_jobs(at(before), 10)).expect("stalled").into_iter().map(|j| j.id).collect()
    };
    assert!(ids(0).is_empty(), "untouched since before 0 s: none");
    assert_eq!(ids(1), std::slice::from_ref(&waiting));
    assert_eq!(ids(6_000), [waiting, touched], "least recently touched first; never a running job");
}

fn rendered<'a>(object_key: &'a str, event_id: &'a str, at: Timestamp) -> Rendered<'a> {
    Rendered { object_key, size_bytes: 4_096, duration_ms: 9_000, event_id, at }
}

fn source_ending<'a>(
    upload_id: &'a str,
    asset_id: &'a str,
    end: &'a UploadEnd,
    size_bytes: u64,
    at: Timestamp,
) -> UploadEnding<'a> {
    UploadEnding { upload_id, asset_id, purpose: UploadPurpose::Source, end, size_bytes, at, event_id: "evt_upload" }
}

fn render(id: &str) -> RenderRecord {
    RenderRecord {
        id: id.into(),
        account_id: ACCOUNT.into(),
        asset_id: "ast_1".into(),
        cut_id: None,
        signature: format!("sig-{id}"),
        state: RenderState::Pending,
        output: RenderOutput {
            format: RenderFormat::M4a,
            resolution: None,
            video_bitrate: None,
            audio_bitrate: None,
            width: None,
            height: None,
            video_bitrate_kbps: None,
            audio_bitrate_kbps: 128,
            frame_rate: None,
        },
        progress: 0.0,
        size_bytes: None,
        duration_ms: None,
        object_key: None,
        error_code: None,
        error_message: None,
        created_at: T0,
        started_at: None,
        completed_at: None,
    }
}

fn events_of(stores: &Stores, entity_id: &str) -> Vec<String> {
    let events = block_on(stores.events(ACCOUNT)).expect("events");
    events.into_iter().filter(|e| e.entity_id == entity_id).map(|e| e.event_type).collect()
}

fn a_render_ends_once_and_shows_its_jobs_progress(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    assert!(block_on(stores.insert_render(&render("rnd_1"))).expect("render"));
    let twin = RenderRecord { signature: "sig-rnd_1".into(), ..render("rnd_2") };
    assert!(!block_on(stores.insert_render(&twin)).expect("render"), "one live render per signature");
    let spec_input = MediaInput { object_key: "assets/ast_1".into(), size_bytes: 1_000 };
    let job_id = job_of(stores, "rnd_1", JobPayload::ProcessAsset(spec_input));
    assert!(block_on(stores.start_render("rnd_1", at(1))).expect("start"));
    assert_eq!(claim(stores, &job_id, at(2)), Some(1));
    assert!(
        block_on(stores.renew_lease(&job_id, 1, &Renewal { progress: 0.5, at: at(3), until: at(20_000) }))
            .expect("renew")
    );
    let seen = block_on(stores.render(ACCOUNT, "rnd_1")).expect("store").expect("render");
    assert_eq!((seen.state, seen.progress), (RenderState::Processing, 0.5), "its job's progress");
    let key = "derived/rnd_1/job/render";
    assert!(block_on(stores.complete_render("rnd_1", &rendered(key, "evt_1", at(4)))).expect("complete"));
    assert!(!block_on(stores.complete_render("rnd_1", &rendered(key, "evt_2", at(5)))).expect("complete"));
    assert!(!block_on(stores.fail_render("rnd_1", &failed("internal", "evt_3", at(6)))).expect("fail"), "ended");
    let done = block_on(stores.render(ACCOUNT, "rnd_1")).expect("store").expect("render");
    assert_eq!(
        (done.state, done.size_bytes, done.object_key.as_deref()),
        (RenderState::Completed, Some(4_096), Some(key))
    );
    assert_eq!(events_of(stores, "rnd_1"), ["render.completed"]);
}

fn cut(id: &str) -> CutRecord {
    CutRecord {
        id: id.into(),
        account_id: ACCOUNT.into(),
        asset_id: "ast_1".into(),
        signature: format!("sig-{id}"),
        state: CutState::Pending,
        script: None,
        options: CutOptions::default(),
        plan: None,
        plan_key: None,
        transcript_key: None,
        srt_asset_id: None,
        error_code: None,
        error_message: None,
        created_at: T0,
        started_at: None,
        completed_at: None,
    }
}

fn a_cut_ends_once_with_one_event(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    assert!(block_on(stores.insert_cut(&cut("cut_1"))).expect("cut"));
    assert!(block_on(stores.start_cut("cut_1", at(1))).expect("start"));
    assert!(!block_on(stores.start_cut("cut_1", at(2))).expect("start"), "started once");
    assert!(block_on(stores.fail_cut("cut_1", &failed("planning_failed", "evt_1", at(3)))).expect("fail"));
    assert!(!block_on(stores.fail_cut("cut_1", &failed("planning_failed", "evt_2", at(4)))).expect("fail"));
    let failed = block_on(stores.cut(ACCOUNT, "cut_1")).expect("store").expect("cut");
    assert_eq!((failed.state, failed.error_code.as_deref()), (CutState::Failed, Some("planning_failed")));
    assert_eq!(events_of(stores, "cut_1"), ["cut.failed"]);
}

fn topup(stores: &Stores, id: &str, credits: i64) {
    let entry = LedgerRecord {
        id: id.into(),
        account_id: ACCOUNT.into(),
        entry_type: LedgerEntryType::Topup,
        delta: credits,
        asset_id: None,
        pipeline_id: None,
        hold_id: None,
        memo: None,
        created_at: T0,
    };
    assert_eq!(block_on(stores.append_entry(&entry)).expect("topup"), AppendOutcome::Appended);
}

fn probed(stores: &Stores, asset_id: &str, duration_ms: u64) {
    let media = AssetMedia {
        container: "m4a".into(),
        video: None,
        audio: Some(AudioMedia { codec: "aac".into(), sample_rate: 48_000, channels: 1, bitrate: Some(128_000) }),
    };
    let probe = ProbeRecord { asset_type: AssetType::Audio, duration_ms, media, analysis_key: None };
    assert!(block_on(stores.record_probe(asset_id, &probe, at(1))).expect("probe"));
}

fn charge(asset_id: &str, credits: i64, n: u32) -> Charge {
    Charge {
        account_id: ACCOUNT.into(),
        asset_id: asset_id.into(),
        credits,
        entry_id: format!("led_{asset_id}_{n}"),
        event_id: format!("evt_{asset_id}_{n}"),
        proxy: false,
        correction: None,
        hold: None,
        at: at(2),
    }
}

fn a_processed_asset_is_charged_once(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    topup(stores, "led_top", 5);
    probed(stores, "ast_1", 90_000);
    assert_eq!(block_on(stores.settle(&charge("ast_1", 2, 1))).expect("settle"), Settlement::Ready);
    assert_eq!(block_on(stores.settle(&charge("ast_1", 2, 2))).expect("settle"), Settlement::Unchanged);
    assert_eq!(block_on(stores.balance(ACCOUNT)).expect("balance").balance, 3, "charged once");
    let asset = block_on(stores.asset(ACCOUNT, "ast_1")).expect("store").expect("asset");
    assert_eq!((asset.state, asset.duration_ms), (AssetState::Ready, Some(90_000)));
    assert_eq!(events_of(stores, "ast_1"), ["asset.ready"]);
}

fn an_asset_the_account_cannot_pay_waits(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    topup(stores, "led_top", 1);
    probed(stores, "ast_1", 90_000);
    assert_eq!(block_on(stores.settle(&charge("ast_1", 2, 1))).expect("settle"), Settlement::PendingPayment);
    assert_eq!(block_on(stores.balance(ACCOUNT)).expect("balance").balance, 1, "nothing charged");
    let unpaid = block_on(stores.unpaid_assets(ACCOUNT, 10)).expect("unpaid");
    assert_eq!(unpaid, [("ast_1".to_owned(), 90_000)]);
    topup(stores, "led_top_2", 1);
    assert_eq!(block_on(stores.settle(&charge("ast_1", 2, 2))).expect("settle"), Settlement::Ready);
    assert_eq!(block_on(stores.balance(ACCOUNT)).expect("balance").balance, 0);
}

fn a_proxy_makes_its_asset_cuttable_and_the_video_settles_the_difference_once(stores: &Stores) {
    account_with_asset(stores, "ast_0");
    let (video, upload) = uploaded_asset(ACCOUNT, "ast_1", AssetState::PendingUpload, T0);
    block_on(stores.insert_asset(&video, &upload)).expect("video");
    topup(stores, "led_top", 3);
    assert!(block_on(stores.record_proxy("ast_1", 61_000, None, at(1))).expect("proxy"));
    let proxy = Charge { proxy: true, ..charge("ast_1", 2, 1) };
    assert_eq!(block_on(stores.settle(&proxy)).expect("settle"), Settlement::Cuttable);
    assert_eq!(
        block_on(stores.settle(&Charge { entry_id: "led_again".into(), ..proxy })).expect("settle"),
        Settlement::Unchanged
    );
    let cuttable = block_on(stores.asset(ACCOUNT, "ast_1")).expect("store").expect("asset");
    assert_eq!((cuttable.state, cuttable.cuttable), (AssetState::PendingUpload, true), "still uploading");
    assert_eq!(block_on(stores.balance(ACCOUNT)).expect("balance").balance, 1);
    let completed = UploadEnd::Completed { asset_type: AssetType::Video, container: "mp4".into() };
    block_on(stores.end_upload(&source_ending("upl_ast_1", "ast_1", &completed, 1_000, at(2)))).expect("end");
    probed(stores, "ast_1", 125_000);
    let difference =
        |n: u32| Correction { entry_id: format!("led_fix_{n}"), delta: -1, memo: "125 s, not 61 s".into() };
    let video = Charge { correction: Some(difference(1)), ..charge("ast_1", 3, 2) };
    assert_eq!(block_on(stores.settle(&video)).expect("settle"), Settlement::Ready);
    let again = Charge { correction: Some(difference(2)), ..charge("ast_1", 3, 3) };
    assert_eq!(block_on(stores.settle(&again)).expect("settle"), Settlement::Unchanged);
    assert_eq!(block_on(stores.balance(ACCOUNT)).expect("balance").balance, 0, "the difference booked once");
}

fn an_upload_ends_once_and_changes_only_an_asset_still_uploading(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    let (uploading, upload) = uploaded_asset(ACCOUNT, "ast_2", AssetState::PendingUpload, T0);
    block_on(stores.insert_asset(&uploading, &upload)).expect("uploading");
    let asset = |id: &str| block_on(stores.asset(ACCOUNT, id)).expect("store").expect("asset");
    assert_eq!(asset("ast_2").open_upload_id.as_deref(), Some("upl_ast_2"));
    block_on(stores.end_upload(&source_ending("upl_ast_2", "ast_2", &UploadEnd::Terminated, 10, at(1))))
        .expect("terminated");
    let terminated = asset("ast_2");
    assert_eq!(
        (terminated.state, terminated.state_before_delete, terminated.deleted_at, terminated.open_upload_id),
        (AssetState::Deleted, Some(AssetState::PendingUpload), Some(at(1)), None)
    );
    let rejected = UploadEnd::Rejected { error_code: "unsupported_media".into(), error_message: "no".into() };
    block_on(stores.end_upload(&source_ending("upl_ast_1", "ast_1", &rejected, 10, at(2)))).expect("ended");
    let processing = asset("ast_1");
    assert_eq!((processing.state, processing.open_upload_id), (AssetState::Processing, None), "past uploading");
    let expired = UploadEnd::Expired;
    block_on(stores.end_upload(&source_ending("upl_ast_2", "ast_2", &expired, 10, at(3)))).expect("again");
    assert_eq!(asset("ast_2").state, AssetState::Deleted, "an upload ends once");
}

fn add_project(stores: &Stores, id: &str) {
    let project = ProjectRecord {
        id: id.into(),
        account_id: ACCOUNT.into(),
        name: "talks".into(),
        state: roughcut_shared::projects::ProjectState::Active,
        created_at: T0,
        asset_count: 0,
    };
    block_on(stores.insert_project(&project)).expect("project");
}

fn rows_need_what_they_refer_to(stores: &Stores) {
    let foreign_key = |result: Result<(), StoreError>| {
        let error = result.expect_err("refused");
        assert!(error.0.contains("FOREIGN KEY constraint failed"), "{error:?}");
    };
    let (orphan, upload) = uploaded_asset("acc_nobody", "ast_orphan", AssetState::Processing, T0);
    foreign_key(block_on(stores.insert_asset(&orphan, &upload)));
    account_with_asset(stores, "ast_1");
    add_project(stores, "prj_1");
    let (mut in_project, upload) = uploaded_asset(ACCOUNT, "ast_2", AssetState::Processing, T0);
    in_project.project_id = Some("prj_1".into());
    block_on(stores.insert_asset(&in_project, &upload)).expect("asset in the project");
    foreign_key(block_on(stores.insert_cut(&CutRecord { asset_id: "ast_missing".into(), ..cut("cut_1") })).map(drop));
    foreign_key(
        block_on(stores.insert_render(&RenderRecord { asset_id: "ast_missing".into(), ..render("rnd_1") })).map(drop),
    );
}

fn pipeline(id: &str, hold: Option<i64>) -> PipelineRecord {
    let step = |n: u32| {
        let request = roughcut_shared::pipelines::PipelineStepRequest::Cut(Default::default());
        StepRecord::pending(format!("stp_{id}_{n}"), n, request, 0)
    };
    PipelineRecord {
        id: id.into(),
        account_id: ACCOUNT.into(),
        input_asset_id: "ast_1".into(),
        state: PipelineState::Pending,
        version: 0,
        hold: hold.map(|amount| HoldRecord {
            id: format!("hld_{id}"),
            amount,
            entry_id: format!("led_hold_{id}"),
            released: false,
        }),
        credits_consumed: 0,
        error_code: None,
        error_message: None,
        created_at: T0,
        started_at: None,
        completed_at: None,
        steps: vec![step(0), step(1)],
    }
}

fn state_event(state: &str) -> NewPipelineEvent {
    NewPipelineEvent { event_type: PipelineEventType::PipelineState, data_json: format!("{{\"state\":\"{state}\"}}") }
}

fn stored(stores: &Stores, id: &str) -> PipelineRecord {
    block_on(stores.pipeline(ACCOUNT, id)).expect("store").expect("the pipeline")
}

fn event_data(stores: &Stores, id: &str, after: i64) -> Vec<(i64, String)> {
    let events = block_on(stores.events_after(id, after, 100)).expect("events");
    events.into_iter().map(|e| (e.seq, e.data_json)).collect()
}

fn a_pipeline_is_created_only_with_its_hold(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    topup(stores, "led_top", 3);
    let create = |p: &PipelineRecord| block_on(stores.create_pipeline(p, &state_event("PENDING"))).expect("create");
    assert_eq!(create(&pipeline("pip_1", Some(2))), AppendOutcome::Appended);
    assert_eq!(create(&pipeline("pip_2", Some(2))), AppendOutcome::WouldOverdraw, "1 available");
    assert_eq!(block_on(stores.pipeline(ACCOUNT, "pip_2")).expect("store"), None, "nothing of it stored");
    assert_eq!(create(&pipeline("pip_3", None)), AppendOutcome::Appended, "nothing to hold");
    let balance = block_on(stores.balance(ACCOUNT)).expect("balance");
    assert_eq!((balance.balance, balance.reserved, balance.available), (3, 2, 1));
    let first = stored(stores, "pip_1");
    assert_eq!((first.credits_reserved(), first.steps.len(), first.steps[1].order), (2, 2, 1));
    assert_eq!(first, pipeline("pip_1", Some(2)));
    assert_eq!(block_on(stores.pipeline("acc_other", "pip_1")).expect("store"), None, "scoped to its account");
    let listed = block_on(stores.list_pipelines(ACCOUNT, crate::domain::page::Page::parse(None, None).expect("p")));
    let ids: Vec<String> = listed.expect("list").items.into_iter().map(|p| p.id).collect();
    assert_eq!(ids, ["pip_3", "pip_1"], "newest first");
    assert_eq!(event_data(stores, "pip_1", 0).len(), 1);
    let holds = block_on(stores.open_holds_on("ast_1")).expect("holds");
    assert_eq!(holds.iter().map(|h| (h.hold_id.as_str(), h.amount)).collect::<Vec<_>>(), [("hld_pip_1", 2)]);
}

fn a_pipeline_changes_by_compare_and_swap_with_its_events_and_release(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    topup(stores, "led_top", 3);
    let created = pipeline("pip_1", Some(2));
    block_on(stores.create_pipeline(&created, &state_event("PENDING"))).expect("create");
    let mut running =
        PipelineRecord { state: PipelineState::Running, version: 1, started_at: Some(at(1)), ..created.clone() };
    running.steps[0].state = StepState::Running;
    running.steps[0].run = 1;
    let change = |pipeline: &PipelineRecord, release: Option<HoldRelease>, state: &str| PipelineChange {
        pipeline: pipeline.clone(),
        output_asset: None,
        release,
        events: vec![state_event(state)],
        ended: (state != "RUNNING")
            .then(|| PipelineEnded { event_id: format!("evt_{state}"), event_type: "pipeline.failed" }),
        at: at(1),
    };
    assert!(block_on(stores.change_pipeline(&change(&running, None, "RUNNING"))).expect("change"));
    assert!(!block_on(stores.change_pipeline(&change(&running, None, "RUNNING"))).expect("change"), "swapped once");
    assert_eq!(stored(stores, "pip_1"), running);
    assert_eq!(block_on(stores.pipelines_waiting_on("cut_1")).expect("waiting"), Vec::<String>::new());
    let mut failed = PipelineRecord { state: PipelineState::Failed, version: 2, completed_at: Some(at(2)), ..running };
    failed.hold.as_mut().expect("hold").released = true;
    failed.steps[0].state = StepState::Failed;
    failed.steps[0].error_code = Some("asset_failed".into());
    let release = HoldRelease { hold_id: "hld_pip_1".into(), entry_id: "led_release".into(), amount: 2 };
    let stale = PipelineRecord { version: 1, ..created };
    assert!(!block_on(stores.change_pipeline(&change(&stale, Some(release.clone()), "X"))).expect("stale"));
    assert!(block_on(stores.change_pipeline(&change(&failed, Some(release), "FAILED"))).expect("change"));
    assert_eq!(stored(stores, "pip_1"), failed);
    let balance = block_on(stores.balance(ACCOUNT)).expect("balance");
    assert_eq!((balance.balance, balance.reserved), (3, 0), "released");
    let events = event_data(stores, "pip_1", 0);
    let states: Vec<&str> = events.iter().map(|(_, data)| data.as_str()).collect();
    assert_eq!(states, [r#"{"state":"PENDING"}"#, r#"{"state":"RUNNING"}"#, r#"{"state":"FAILED"}"#]);
    assert!(events.windows(2).all(|w| w[0].0 < w[1].0), "ids increase");
    assert_eq!(event_data(stores, "pip_1", events[0].0).len(), 2, "resumed after the first");
    let ended = |stores: &Stores| -> Vec<(String, String, String, Option<String>)> {
        let events = block_on(stores.events(ACCOUNT)).expect("events");
        events.into_iter().map(|e| (e.id, e.event_type, e.entity_id, e.asset_id)).collect()
    };
    let failed_once = ("evt_FAILED".to_owned(), "pipeline.failed".to_owned(), "pip_1".to_owned(), Some("ast_1".into()));
    assert_eq!(ended(stores), std::slice::from_ref(&failed_once), "the stale change recorded none");
    // retried, it fails again: a second ending, a second event
    let rerun =
        PipelineRecord { state: PipelineState::Running, version: 3, completed_at: None, ..stored(stores, "pip_1") };
    assert!(block_on(stores.change_pipeline(&change(&rerun, None, "RUNNING"))).expect("change"));
    let again = PipelineRecord { state: PipelineState::Failed, version: 4, ..rerun };
    assert!(block_on(stores.change_pipeline(&change(&again, None, "FAILED_AGAIN"))).expect("change"));
    let failed_twice =
        ("evt_FAILED_AGAIN".to_owned(), "pipeline.failed".to_owned(), "pip_1".to_owned(), Some("ast_1".into()));
    let mut recorded = ended(stores);
    recorded.sort();
    assert_eq!(recorded, [failed_once, failed_twice]);
}

fn a_pipeline_hold_pays_its_inputs_charge_once(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    topup(stores, "led_top", 2);
    probed(stores, "ast_1", 90_000);
    block_on(stores.create_pipeline(&pipeline("pip_1", Some(2)), &state_event("PENDING"))).expect("create");
    let spend = |n: u32| HoldSpend {
        pipeline_id: "pip_1".into(),
        hold_id: "hld_pip_1".into(),
        amount: 2,
        release_entry_id: format!("led_spent_{n}"),
    };
    let paid = Charge { hold: Some(spend(1)), ..charge("ast_1", 2, 1) };
    assert_eq!(block_on(stores.settle(&paid)).expect("settle"), Settlement::Ready, "the hold's credits pay it");
    let again = Charge { hold: Some(spend(2)), ..charge("ast_1", 2, 2) };
    assert_eq!(block_on(stores.settle(&again)).expect("settle"), Settlement::Unchanged);
    let balance = block_on(stores.balance(ACCOUNT)).expect("balance");
    assert_eq!((balance.balance, balance.reserved, balance.available), (0, 0, 0));
    let spent = stored(stores, "pip_1");
    assert_eq!((spent.credits_consumed, spent.credits_reserved(), spent.version), (2, 0, 1));
    assert!(block_on(stores.open_holds_on("ast_1")).expect("holds").is_empty());
}

fn deleting_a_project_takes_its_pipelines(stores: &Stores) {
    account_with_asset(stores, "ast_0");
    add_project(stores, "prj_1");
    let (mut asset, upload) = uploaded_asset(ACCOUNT, "ast_1", AssetState::Processing, T0);
    asset.project_id = Some("prj_1".into());
    block_on(stores.insert_asset(&asset, &upload)).expect("asset");
    block_on(stores.create_pipeline(&pipeline("pip_1", None), &state_event("PENDING"))).expect("create");
    assert!(block_on(stores.delete_project(ACCOUNT, "prj_1")).expect("deleted"));
    assert_eq!(block_on(stores.pipeline(ACCOUNT, "pip_1")).expect("store"), None);
    assert!(event_data(stores, "pip_1", 0).is_empty());
}

fn endpoint(id: &str) -> EndpointRecord {
    EndpointRecord {
        id: id.into(),
        account_id: ACCOUNT.into(),
        url: "https://hooks.example.com/x".into(),
        description: None,
        event_types: vec!["asset.failed".into()],
        secret: "whsec_c2VjcmV0".into(),
        previous_secret: None,
        disabled: None,
        failing_since: None,
        created_at: T0,
    }
}

fn attempt(id: &str, endpoint_id: &str, event_id: &str, due: Timestamp) -> DeliveryRecord {
    DeliveryRecord {
        id: id.into(),
        endpoint_id: endpoint_id.into(),
        event_id: event_id.into(),
        event_type: "asset.failed".into(),
        attempt: 1,
        schedule_step: Some(0),
        state: DeliveryState::Pending,
        due_at: due,
        sent_at: None,
        status_code: None,
        error: None,
        response_excerpt: None,
        next_retry_at: None,
        created_at: due,
    }
}

fn outcome(delivery_id: &str, succeeded: bool, retry: Option<DeliveryRecord>, at: Timestamp) -> DeliveryOutcome {
    DeliveryOutcome {
        delivery_id: delivery_id.into(),
        endpoint_id: "whe_1".into(),
        succeeded,
        status_code: Some(if succeeded { 200 } else { 500 }),
        error: None,
        response_excerpt: Some("nope".into()),
        retry,
        disable: None,
        at,
    }
}

fn webhook_events_fan_out_once_and_an_attempts_outcome_applies_once(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    block_on(stores.insert_endpoint(&endpoint("whe_1"))).expect("endpoint");
    block_on(stores.insert_endpoint(&endpoint("whe_2"))).expect("endpoint");
    assert!(block_on(stores.fail_asset("ast_1", &failed("unsupported_media", "evt_1", at(1)))).expect("fail"));
    let pending = block_on(stores.events_to_fan_out(10)).expect("events");
    assert_eq!(pending.len(), 1);
    let data: serde_json::Value = serde_json::from_str(&pending[0].data_json).expect("JSON");
    assert_eq!(data, serde_json::json!({"entity_id": "ast_1", "asset_id": "ast_1"}));
    assert_eq!((pending[0].id.as_str(), pending[0].event_type.as_str()), ("evt_1", "asset.failed"));
    let firsts = [attempt("whd_1", "whe_1", "evt_1", at(2)), attempt("whd_2", "whe_2", "evt_1", at(2))];
    assert_eq!(block_on(stores.fan_out("evt_1", &firsts, at(2))).expect("fan out").len(), 2);
    let again = [attempt("whd_9", "whe_1", "evt_1", at(2))];
    assert!(block_on(stores.fan_out("evt_1", &again, at(2))).expect("fan out").is_empty(), "one first attempt");
    assert!(block_on(stores.events_to_fan_out(10)).expect("events").is_empty());
    assert_eq!(block_on(stores.event("evt_1")).expect("event").map(|e| e.account_id), Some(ACCOUNT.to_owned()));

    assert!(!block_on(stores.claim_delivery("whd_1", at(1))).expect("claim"), "not due");
    assert!(block_on(stores.claim_delivery("whd_1", at(3))).expect("claim"));
    assert!(!block_on(stores.claim_delivery("whd_1", at(3))).expect("claim"), "claimed once");
    let retry = DeliveryRecord { schedule_step: Some(1), ..attempt("whd_3", "whe_1", "evt_1", at(10)) };
    let finished = block_on(stores.finish_delivery(&outcome("whd_1", false, Some(retry), at(4)))).expect("finish");
    let Finished::Applied { retry: Some(stored) } = finished else { panic!("{finished:?}") };
    assert_eq!((stored.id.as_str(), stored.attempt, stored.due_at), ("whd_3", 2, at(10)), "numbered after the last");
    let twice = DeliveryRecord { schedule_step: Some(1), ..attempt("whd_4", "whe_1", "evt_1", at(10)) };
    let stale = block_on(stores.finish_delivery(&outcome("whd_1", false, Some(twice), at(5)))).expect("finish");
    assert_eq!(stale, Finished::Stale);
    let failing = block_on(stores.endpoint_by_id("whe_1")).expect("store").expect("endpoint");
    assert_eq!(failing.failing_since, Some(at(4)));

    let page = crate::domain::page::Page::parse(None, None).expect("page");
    let listed = block_on(stores.deliveries("whe_1", page)).expect("list");
    let ids: Vec<&str> = listed.items.iter().map(|d| d.id.as_str()).collect();
    assert_eq!((ids, listed.total), (vec!["whd_3", "whd_1"], 2), "newest first; the stale retry stored nothing");
    let first = &listed.items[1];
    assert_eq!((first.state, first.status_code, first.next_retry_at), (DeliveryState::Failed, Some(500), Some(at(10))));
    assert_eq!((first.sent_at, first.response_excerpt.as_deref()), (Some(at(3)), Some("nope")));

    let manual = DeliveryRecord { schedule_step: None, ..attempt("whd_5", "whe_1", "evt_1", at(6)) };
    assert_eq!(block_on(stores.add_attempt(&manual)).expect("add").attempt, 3);
    assert!(block_on(stores.claim_delivery("whd_3", at(10))).expect("claim"));
    let done = block_on(stores.finish_delivery(&outcome("whd_3", true, None, at(11)))).expect("finish");
    assert_eq!(done, Finished::Applied { retry: None });
    let healthy = block_on(stores.endpoint_by_id("whe_1")).expect("store").expect("endpoint");
    assert_eq!(healthy.failing_since, None, "a success ends the streak");

    let stuck = block_on(stores.stuck_deliveries(at(8), at(8), 10)).expect("stuck");
    let ids: Vec<&str> = stuck.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["whd_2", "whd_5"], "pending past due, oldest first");
}

fn webhook_endpoints_are_scoped_to_their_account_and_take_their_deliveries(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    block_on(stores.insert_endpoint(&endpoint("whe_1"))).expect("endpoint");
    let foreign = EndpointRecord { id: "whe_x".into(), account_id: "acc_nobody".into(), ..endpoint("whe_x") };
    assert!(block_on(stores.insert_endpoint(&foreign)).is_err(), "the account must exist");
    assert_eq!(block_on(stores.endpoint("acc_other", "whe_1")).expect("store"), None);
    let stranger = EndpointRecord { account_id: "acc_other".into(), ..endpoint("whe_1") };
    assert!(!block_on(stores.update_endpoint(&stranger)).expect("update"));
    let disabled = EndpointRecord {
        url: "https://elsewhere.example.com/".into(),
        disabled: Some(crate::domain::ports::webhooks::Disabled { at: at(1), reason: "gone".into() }),
        ..endpoint("whe_1")
    };
    assert!(block_on(stores.update_endpoint(&disabled)).expect("update"));
    assert_eq!(block_on(stores.endpoint(ACCOUNT, "whe_1")).expect("store"), Some(disabled));
    assert!(block_on(stores.enabled_endpoints(ACCOUNT)).expect("enabled").is_empty());

    let test_event = WebhookEvent {
        id: "evt_t".into(),
        account_id: ACCOUNT.into(),
        event_type: "webhook.test".into(),
        data_json: r#"{"entity_id":"whe_1"}"#.into(),
        created_at: at(2),
    };
    block_on(stores.insert_test_event(&test_event, &attempt("whd_1", "whe_1", "evt_t", at(2)))).expect("test");
    let second = WebhookEvent { id: "evt_t2".into(), ..test_event.clone() };
    block_on(stores.insert_test_event(&second, &attempt("whd_2", "whe_1", "evt_t2", at(3)))).expect("a second test");
    assert!(block_on(stores.events_to_fan_out(10)).expect("events").is_empty(), "a test goes to its endpoint only");
    assert_eq!(block_on(stores.event("evt_t")).expect("event"), Some(test_event));
    assert!(!block_on(stores.delete_endpoint("acc_other", "whe_1")).expect("delete"));
    assert!(block_on(stores.delete_endpoint(ACCOUNT, "whe_1")).expect("delete"));
    assert_eq!(block_on(stores.delivery("whd_1")).expect("store"), None, "deleted with their endpoint");
}

fn an_idempotency_key_is_claimed_once_answered_once_and_forgotten_after_its_day(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    let terms =
        |now: i64| ClaimTerms { now: at(now), expired_before: at(now - 1_000), abandoned_before: at(now - 100) };
    let claim =
        |key: &str, hash: &str, now: i64| block_on(stores.claim_key(ACCOUNT, key, hash, terms(now))).expect("claim");
    assert!(block_on(stores.claim_key("acc_nobody", "k", "h1", terms(0))).is_err(), "the account must exist");
    assert_eq!(claim("k", "h1", 0), Claim::Claimed);
    assert_eq!(claim("k", "h1", 10), Claim::InFlight);
    assert_eq!(claim("k", "h2", 10), Claim::OtherRequest);
    let header = |name: &str, value: &str| (name.to_owned(), value.to_owned());
    let answer = StoredAnswer {
        status: 201,
        headers: vec![
            header("content-type", "application/json"),
            header("location", "/v1/uploads/upl_1"),
            header("upload-offset", "100000"),
            header("roughcut-asset-id", "ast_1"),
        ],
        body: r#"{"id":"prj_1"}"#.into(),
    };
    block_on(stores.answer_key(ACCOUNT, "k", &answer)).expect("answer");
    let other = StoredAnswer { status: 500, ..answer.clone() };
    block_on(stores.answer_key(ACCOUNT, "k", &other)).expect("answered once");
    assert_eq!(claim("k", "h1", 20), Claim::Answered(answer.clone()), "every kept header comes back");
    let bare = StoredAnswer { status: 204, headers: Vec::new(), body: String::new() };
    assert_eq!(claim("bare", "h1", 20), Claim::Claimed);
    block_on(stores.answer_key(ACCOUNT, "bare", &bare)).expect("answer");
    assert_eq!(claim("bare", "h1", 30), Claim::Answered(bare));
    assert_eq!(claim("k", "h1", 2_000), Claim::Claimed, "a day later the key is free");

    // an unanswered claim is free once abandoned, or once released
    assert_eq!(claim("lost", "h1", 0), Claim::Claimed);
    assert_eq!(claim("lost", "h2", 50), Claim::OtherRequest);
    assert_eq!(claim("lost", "h2", 200), Claim::Claimed, "its request died");
    block_on(stores.release_key(ACCOUNT, "lost")).expect("release");
    assert_eq!(claim("lost", "h3", 210), Claim::Claimed);

    assert_eq!(block_on(stores.forget_keys(at(2_000), 10)).expect("forget"), 2, "the claims made at 20 and 210");
    assert_eq!(claim("k", "h9", 2_010), Claim::OtherRequest, "the newer claim stays");
}

/// `presents_a_file_under` is an exact prefix (an id's `_` is no wildcard) over assets not yet
/// purged, deleted ones included (they may be restored); purgeable assets name their file.
fn a_file_presented_under_a_prefix_is_found_until_its_asset_is_purged(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    let presents = |prefix: &str| block_on(stores.presents_a_file_under(prefix)).expect("query");
    assert!(presents("assets/ast_1"));
    assert!(!presents("assets/ast_2"), "no other asset's");
    assert!(!presents("assets/astx1"), "`_` is a character, not a wildcard");
    assert!(block_on(stores.delete_asset(ACCOUNT, "ast_1", at(5))).expect("delete"));
    assert!(presents("assets/ast_1"), "a deleted asset may come back with its file");
    let purgeable = block_on(stores.purgeable_assets(at(10), 10)).expect("purgeable");
    assert_eq!(purgeable, [("ast_1".to_owned(), "assets/ast_1".to_owned())]);
    block_on(stores.mark_purged("ast_1")).expect("purged");
    assert!(!presents("assets/ast_1"), "a purged asset presents nothing");
    assert!(block_on(stores.purgeable_assets(at(10), 10)).expect("purgeable").is_empty());
}

/// `is_live`: an asset until it is deleted (and again once restored), a render while it exists
/// and its asset is live.
fn a_files_owner_is_live_until_its_asset_is_deleted(stores: &Stores) {
    account_with_asset(stores, "ast_1");
    assert!(block_on(stores.insert_render(&render("rnd_1"))).expect("render"));
    let live = |owner: Owner<'_>| block_on(stores.is_live(owner)).expect("query");
    assert!(live(Owner::Asset("ast_1")) && live(Owner::Render("rnd_1")));
    assert!(!live(Owner::Asset("ast_2")) && !live(Owner::Render("rnd_2")), "no such thing");
    assert!(block_on(stores.delete_asset(ACCOUNT, "ast_1", at(5))).expect("delete"));
    assert!(!live(Owner::Asset("ast_1")) && !live(Owner::Render("rnd_1")), "gone with its asset");
    assert!(block_on(stores.restore_asset(ACCOUNT, "ast_1", at(0))).expect("restore"));
    assert!(live(Owner::Asset("ast_1")) && live(Owner::Render("rnd_1")), "back with it");
}
