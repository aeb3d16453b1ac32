//! One upload's requests (HEAD, PATCH, DELETE), as its Durable Object runs them one at a time:
//! the session is loaded from the object's storage (or, on first use, from the upload's D1 row),
//! checked against the caller's account, changed, saved, and its end recorded on the asset —
//! with the processing job enqueued when the last byte lands.

use async_trait::async_trait;

use super::UploadError;
use super::session::{ChunkSource, SessionState, UploadSession};
use super::tus::Checksum;
use crate::domain::StoreError;
use crate::domain::ids::{IdKind, new_id};
use crate::domain::ports::jobs::MediaInput;
use crate::domain::ports::jobs::{JobPayload, JobRecord};
use crate::domain::ports::{Ports, UploadEnd, UploadPurpose};
use roughcut_engine::Container;
use roughcut_shared::assets::{AssetState, AssetType};

/// Where the session lives between requests (the Durable Object's storage).
#[async_trait(?Send)]
pub trait SessionStore {
    async fn load(&self) -> Result<Option<UploadSession>, StoreError>;
    async fn save(&self, session: &UploadSession) -> Result<(), StoreError>;
}

/// The ports, and the session an upload's requests share (its Durable Object's storage).
#[derive(Clone, Copy)]
pub struct UploadDeps<'a> {
    pub ports: Ports<'a>,
    pub sessions: &'a dyn SessionStore,
}

impl<'a> std::ops::Deref for UploadDeps<'a> {
    type Target = Ports<'a>;

    fn deref(&self) -> &Ports<'a> {
        &self.ports
    }
}

impl std::fmt::Debug for UploadDeps<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadDeps").finish_non_exhaustive()
    }
}

/// The saved session, or on first use the one the upload's D1 row describes.
async fn load(deps: UploadDeps<'_>, upload_id: &str) -> Result<Option<UploadSession>, UploadError> {
    if let Some(session) = deps.sessions.load().await? {
        return Ok(Some(session));
    }
    let Some(record) = deps.assets.upload(upload_id).await? else { return Ok(None) };
    Ok(Some(UploadSession {
        id: record.id,
        account_id: record.account_id,
        asset_id: record.asset_id,
        length: record.length,
        offset: 0,
        object_key: record.object_key,
        state: SessionState::Open,
        expires_at: record.expires_at,
        multipart_id: None,
        parts: Vec::new(),
        staged_key: None,
        container: None,
        part_size: super::session::PART_SIZE,
        ttl_ms: record.expires_at.0 - record.created_at.0,
        purpose: record.purpose,
        recorded_expires_at: record.expires_at,
        metadata: record.metadata,
    }))
}

/// The session of `upload_id` as `account_id` may see it: another account's upload, a
/// terminated, expired or unknown one are all "not found", and so is the upload of a deleted asset
/// (it waits, untouched, for the asset's restore).
async fn open(deps: UploadDeps<'_>, account_id: &str, upload_id: &str) -> Result<UploadSession, UploadError> {
    let session = load(deps, upload_id).await?.ok_or(UploadError::NotFound)?;
    if session.account_id != account_id || session.state == SessionState::Terminated {
        return Err(UploadError::NotFound);
    }
    if session.is_expired(deps.clock.now()) {
        return Err(UploadError::NotFound);
    }
    let asset = deps.assets.asset(account_id, &session.asset_id).await?;
    if asset.is_none_or(|asset| asset.state == AssetState::Deleted) {
        return Err(UploadError::NotFound);
    }
    Ok(session)
}

/// `HEAD`: where the upload stands.
pub async fn head(deps: UploadDeps<'_>, account_id: &str, upload_id: &str) -> Result<UploadSession, UploadError> {
    open(deps, account_id, upload_id).await
}

/// `PATCH`: one chunk at `offset`.
pub async fn patch(
    deps: UploadDeps<'_>,
    account_id: &str,
    upload_id: &str,
    offset: u64,
    declared: Option<u64>,
    checksum: Option<&Checksum>,
    body: &mut dyn ChunkSource,
) -> Result<UploadSession, UploadError> {
    let session = open(deps, account_id, upload_id).await?;
    let now = deps.clock.now();
    let patched = match session.patch(offset, declared, checksum, body, deps.objects, now).await {
        // an audio proxy is the browser's extracted audio track: AAC in M4A, or WAV
        Ok(patched)
            if session.purpose == UploadPurpose::AudioProxy
                && patched.sniffed.is_some_and(|c| !matches!(c, Container::M4a | Container::Wav)) =>
        {
            let rejected = patched.session;
            let message = "An audio proxy is an M4A (AAC) or WAV file.".to_owned();
            end(deps, rejected, UploadEnd::Rejected { error_code: "unsupported_media".into(), error_message: message })
                .await?;
            return Err(UploadError::UnsupportedMedia);
        }
        Ok(patched) => patched,
        Err(UploadError::UnsupportedMedia) => {
            let message = "The file is no audio or video format we read.".to_owned();
            end(deps, session, UploadEnd::Rejected { error_code: "unsupported_media".into(), error_message: message })
                .await?;
            return Err(UploadError::UnsupportedMedia);
        }
        Err(other) => return Err(other),
    };
    let mut session = patched.session;
    // D1's expiry only tells the sweep whom to ask (the object decides), so it is written when it
    // has moved by a quarter of the lifetime (at most an hour), not on every chunk.
    let record_step = (session.ttl_ms / 4).min(3_600_000);
    let record = !patched.completed && session.expires_at.0 - session.recorded_expires_at.0 >= record_step;
    if record {
        session.recorded_expires_at = session.expires_at;
    }
    deps.sessions.save(&session).await?;
    if let Some(container) = patched.sniffed.filter(|_| session.purpose == UploadPurpose::Source && !patched.completed)
    {
        deps.assets.record_asset_type(&session.asset_id, type_of_container(container.as_str())).await?;
    }
    if record {
        deps.assets.touch_upload(&session.id, session.offset, session.expires_at).await?;
    }
    if patched.completed {
        let container = session.container.clone().unwrap_or_default();
        let completed = UploadEnd::Completed { asset_type: type_of_container(&container), container };
        let event_id = new_id(IdKind::Event, now);
        deps.assets.end_upload(&session.ending(&completed, session.length, now, &event_id)).await?;
        let input = MediaInput { object_key: session.object_key.clone(), size_bytes: session.length };
        let payload = match session.purpose {
            UploadPurpose::Source => JobPayload::ProcessAsset(input),
            UploadPurpose::AudioProxy => JobPayload::ProcessAudioProxy(input),
        };
        deps.queue.submit(&JobRecord::new(&session.account_id, &session.asset_id, payload, now)).await?;
    }
    Ok(session)
}

/// `DELETE` (termination): the bytes go and the asset with them.
pub async fn terminate(deps: UploadDeps<'_>, account_id: &str, upload_id: &str) -> Result<(), UploadError> {
    let session = open(deps, account_id, upload_id).await?;
    if session.state == SessionState::Completed {
        // the bytes are the asset's now: deleting the asset is how they go
        return Err(UploadError::NotFound);
    }
    end(deps, session, UploadEnd::Terminated).await
}

/// The scheduled expiry of an upload past its `Upload-Expires`: its partial bytes go, the upload
/// is closed and its asset fails with `upload_expired`. An upload still in time, completed or
/// ended is left alone (the sweep may race a last PATCH). `true` when it expired it.
pub async fn expire(deps: UploadDeps<'_>, upload_id: &str) -> Result<bool, UploadError> {
    let Some(session) = load(deps, upload_id).await? else { return Ok(false) };
    if !session.is_expired(deps.clock.now()) {
        return Ok(false);
    }
    end(deps, session, UploadEnd::Expired).await?;
    Ok(true)
}

/// Ends an open session: its partial bytes removed, the session closed, the asset told.
async fn end(deps: UploadDeps<'_>, mut session: UploadSession, how: UploadEnd) -> Result<(), UploadError> {
    if let Some(multipart) = &session.multipart_id {
        deps.objects.abort_multipart(&session.object_key, multipart).await?;
    }
    if let Some(staged) = &session.staged_key {
        deps.objects.delete(staged).await?;
    }
    session.state = SessionState::Terminated;
    session.multipart_id = None;
    session.staged_key = None;
    deps.sessions.save(&session).await?;
    let now = deps.clock.now();
    let event_id = new_id(IdKind::Event, now);
    deps.assets.end_upload(&session.ending(&how, session.offset, now, &event_id)).await?;
    Ok(())
}

/// The asset type a sniffed container implies before probing: containers that carry video are
/// `video` (probing corrects an audio-only MP4), the rest `audio`.
fn type_of_container(container: &str) -> AssetType {
    match container {
        "mp4" | "mov" | "webm" | "mkv" => AssetType::Video,
        _ => AssetType::Audio,
    }
}

#[cfg(test)]
mod tests {
    use futures_executor::block_on;
    use roughcut_shared::assets::{AssetState, AssetType, CreateAsset};

    use super::*;
    use crate::domain::accounts::create_account;
    use crate::domain::api_keys::Principal;
    use crate::domain::assets::{self, PublicUrls};
    use crate::domain::ports::processing::ProcessingStore;
    use crate::domain::ports::{AssetStore, Clock};
    use crate::domain::testing::TestPlatform;
    use crate::domain::uploads::testing::{Sessions, body, media};
    use crate::domain::{ledger, projects};
    use roughcut_shared::accounts::{GrantCredits, GrantType};

    struct World {
        platform: TestPlatform,
        sessions: Sessions,
    }

    impl World {
        fn deps(&self) -> UploadDeps<'_> {
            UploadDeps { ports: self.platform.ports(), sessions: &self.sessions }
        }
    }

    /// An account with credits, a project and a new asset of `length` bytes: (world, account, asset, upload).
    fn new_world(length: u64) -> (World, String, String, String) {
        let world = World { platform: TestPlatform::default(), sessions: Sessions::default() };
        let ports = world.platform.ports();
        let account = block_on(create_account(&ports, "acme")).expect("account").account;
        let grant = GrantCredits { delta: 5, entry_type: GrantType::Topup, memo: None };
        block_on(ledger::grant(&ports, &account.id, &grant)).expect("topup");
        let principal = Principal { account_id: account.id.clone(), key_id: String::new() };
        let project = block_on(projects::create(&ports, &principal, "p")).expect("project");
        let request = CreateAsset {
            project_id: project.id,
            size_bytes: length,
            filename: None,
            content_type: None,
            language: None,
        };
        let (asset, upload) = block_on(assets::create(
            &ports,
            &principal,
            &request,
            PublicUrls { origin: "", signer: None, now: crate::domain::time::Timestamp(0) },
            crate::domain::uploads::tus::UPLOAD_TTL_MS,
        ))
        .expect("asset");
        (world, account.id, asset.id, upload)
    }

    fn asset_state(world: &World, account: &str, asset: &str) -> (AssetState, Option<AssetType>) {
        let record = block_on(world.platform.store.asset(account, asset)).expect("store").expect("asset");
        (record.state, record.asset_type)
    }

    #[test]
    fn the_last_byte_moves_the_asset_to_processing_and_enqueues_its_job() {
        let source = media(3_000);
        let (world, account, asset, upload) = new_world(3_000);
        let head = block_on(head(world.deps(), &account, &upload)).expect("head");
        assert_eq!((head.offset, head.length), (0, 3_000));
        let half = block_on(patch(world.deps(), &account, &upload, 0, None, None, &mut body(&source[..1_500], 500)))
            .expect("half");
        assert_eq!(half.offset, 1_500);
        let first_chunk = asset_state(&world, &account, &asset);
        assert_eq!(first_chunk, (AssetState::PendingUpload, Some(AssetType::Audio)), "the type is known from it");
        assert!(world.platform.store.jobs().is_empty());
        let done =
            block_on(patch(world.deps(), &account, &upload, 1_500, None, None, &mut body(&source[1_500..], 700)))
                .expect("rest");
        assert_eq!(done.state, SessionState::Completed);
        assert_eq!(asset_state(&world, &account, &asset), (AssetState::Processing, Some(AssetType::Audio)));
        let jobs = world.platform.store.jobs();
        let [job] = jobs.as_slice() else { panic!("one job, got {jobs:?}") };
        assert_eq!((job.account_id.as_str(), job.subject_id.as_str()), (account.as_str(), asset.as_str()));
        let JobPayload::ProcessAsset(input) = &job.payload else { panic!("a processing job: {job:?}") };
        assert_eq!(input.size_bytes, 3_000);
        let again = block_on(patch(world.deps(), &account, &upload, 3_000, None, None, &mut body(&[], 1)));
        assert_eq!(again, Err(UploadError::NotFound), "a completed upload takes no more bytes");
    }

    #[test]
    fn the_sweep_expires_only_uploads_past_their_expiry() {
        let (world, account, asset, upload) = new_world(3_000);
        let ttl = crate::domain::uploads::tus::UPLOAD_TTL_MS;
        block_on(patch(world.deps(), &account, &upload, 0, None, None, &mut body(&media(1_000), 1_000)))
            .expect("chunk");
        assert_eq!(block_on(expire(world.deps(), &upload)), Ok(false), "still in time");
        world.platform.clock.set(crate::domain::time::Timestamp(world.platform.clock.now().0 + ttl + 1));
        let due = block_on(world.platform.store.expiring_uploads(world.platform.clock.now(), 10)).expect("due");
        assert_eq!(due, std::slice::from_ref(&upload));
        assert_eq!(block_on(expire(world.deps(), &upload)), Ok(true));
        assert_eq!(block_on(expire(world.deps(), &upload)), Ok(false), "once");
        let record = block_on(world.platform.store.asset(&account, &asset)).expect("store").expect("asset");
        assert_eq!((record.state, record.error_code.as_deref()), (AssetState::Failed, Some("upload_expired")));
        assert!(world.platform.objects.blob_keys().is_empty(), "the staged bytes are gone");
        assert!(
            block_on(world.platform.store.expiring_uploads(world.platform.clock.now(), 10)).expect("due").is_empty()
        );
    }

    #[test]
    fn an_audio_proxy_lands_beside_its_video_upload() {
        let (world, account, asset, _) = new_world(30_000);
        let ports = world.platform.ports();
        let principal = Principal { account_id: account.clone(), key_id: String::new() };
        let urls = PublicUrls { origin: "", signer: None, now: crate::domain::time::Timestamp(0) };
        let ttl = crate::domain::uploads::tus::UPLOAD_TTL_MS;
        // the asset was created without a filename: nothing says it is a video
        assert!(matches!(
            block_on(assets::create_audio_proxy(&ports, &principal, &asset, 3_000, urls, ttl)),
            Err(crate::domain::DomainError::Conflict(_))
        ));
        let request = CreateAsset {
            project_id: block_on(ports.assets.asset(&account, &asset))
                .expect("store")
                .expect("asset")
                .project_id
                .expect("project"),
            size_bytes: 30_000,
            filename: Some("talk.mp4".into()),
            content_type: None,
            language: None,
        };
        let (video, _) = block_on(assets::create(&ports, &principal, &request, urls, ttl)).expect("video");
        let proxy =
            block_on(assets::create_audio_proxy(&ports, &principal, &video.id, 3_000, urls, ttl)).expect("proxy");
        assert!(
            matches!(
                block_on(assets::create_audio_proxy(&ports, &principal, &video.id, 3_000, urls, ttl)),
                Err(crate::domain::DomainError::Conflict(_))
            ),
            "one open proxy at a time"
        );
        let proxy_id = proxy.upload_url.rsplit('/').next().expect("id").to_owned();
        // the proxy's own Durable Object: its own session store
        let sessions = Sessions::default();
        let deps = UploadDeps { sessions: &sessions, ..world.deps() };
        let done =
            block_on(patch(deps, &account, &proxy_id, 0, None, None, &mut body(&media(3_000), 1_000))).expect("proxy");
        assert_eq!(done.state, SessionState::Completed);
        assert_eq!(
            asset_state(&world, &account, &video.id),
            (AssetState::PendingUpload, None),
            "the video goes on uploading"
        );
        assert_eq!(world.platform.store.jobs().last().map(|j| j.kind().as_str()), Some("process_audio_proxy"));
        assert!(
            matches!(
                block_on(assets::create_audio_proxy(&ports, &principal, &video.id, 3_000, urls, ttl)),
                Err(crate::domain::DomainError::Conflict(_))
            ),
            "a completed proxy was charged for its duration: a second one would replace it for free"
        );
    }

    #[test]
    fn a_refused_audio_proxy_may_be_sent_again() {
        let (world, account, asset, _) = new_world(30_000);
        let ports = world.platform.ports();
        let principal = Principal { account_id: account.clone(), key_id: String::new() };
        let urls = PublicUrls { origin: "", signer: None, now: crate::domain::time::Timestamp(0) };
        let ttl = crate::domain::uploads::tus::UPLOAD_TTL_MS;
        let project_id = block_on(ports.assets.asset(&account, &asset)).expect("store").expect("asset").project_id;
        let request = CreateAsset {
            project_id: project_id.expect("project"),
            size_bytes: 30_000,
            filename: Some("talk.mov".into()),
            content_type: None,
            language: None,
        };
        let (video, _) = block_on(assets::create(&ports, &principal, &request, urls, ttl)).expect("video");
        let proxy =
            block_on(assets::create_audio_proxy(&ports, &principal, &video.id, 3_000, urls, ttl)).expect("proxy");
        let proxy_id = proxy.upload_url.rsplit('/').next().expect("id").to_owned();
        let html = b"<!doctype html><html><head><title>x</title></head><body>not media at all</body></html>";
        let refused = block_on(patch(world.deps(), &account, &proxy_id, 0, None, None, &mut body(html, 100)));
        assert_eq!(refused, Err(UploadError::UnsupportedMedia));
        assert_eq!(asset_state(&world, &account, &video.id).0, AssetState::PendingUpload, "the video goes on");
        block_on(assets::create_audio_proxy(&ports, &principal, &video.id, 3_000, urls, ttl))
            .expect("a proxy that was refused was never charged: another may replace it");
    }

    #[test]
    fn other_accounts_never_see_an_upload() {
        let (world, _, _, upload) = new_world(3_000);
        assert_eq!(block_on(head(world.deps(), "acc_intruder", &upload)), Err(UploadError::NotFound));
        assert_eq!(block_on(head(world.deps(), "acc_intruder", "upl_unknown")), Err(UploadError::NotFound));
    }

    fn restore(world: &World, account: &str, asset: &str) -> roughcut_shared::assets::Asset {
        let principal = Principal { account_id: account.to_owned(), key_id: String::new() };
        let urls = PublicUrls { origin: "", signer: None, now: world.platform.clock.now() };
        block_on(assets::restore(&world.platform.ports(), &principal, asset, urls)).expect("restored")
    }

    fn delete(world: &World, account: &str, asset: &str) {
        let principal = Principal { account_id: account.to_owned(), key_id: String::new() };
        block_on(assets::delete(&world.platform.ports(), &principal, asset)).expect("deleted");
    }

    #[test]
    fn a_deleted_assets_upload_waits_for_its_restore() {
        let source = media(3_000);
        let (world, account, asset, upload) = new_world(3_000);
        block_on(patch(world.deps(), &account, &upload, 0, None, None, &mut body(&source[..1_000], 1_000)))
            .expect("chunk");
        delete(&world, &account, &asset);
        assert_eq!(block_on(head(world.deps(), &account, &upload)), Err(UploadError::NotFound));
        let refused =
            block_on(patch(world.deps(), &account, &upload, 1_000, None, None, &mut body(&source[1_000..], 2_000)));
        assert_eq!(refused, Err(UploadError::NotFound), "no byte lands on a deleted asset");
        assert!(world.platform.store.jobs().is_empty(), "nothing is processed");

        let restored = restore(&world, &account, &asset);
        assert_eq!(restored.state, AssetState::PendingUpload);
        assert!(restored.upload_url.is_some_and(|url| url.ends_with(&upload)), "its upload is back");
        assert_eq!(block_on(head(world.deps(), &account, &upload)).expect("head").offset, 1_000, "where it was");
        block_on(patch(world.deps(), &account, &upload, 1_000, None, None, &mut body(&source[1_000..], 2_000)))
            .expect("the rest");
        assert_eq!(asset_state(&world, &account, &asset).0, AssetState::Processing);
    }

    #[test]
    fn an_asset_whose_upload_ended_while_deleted_is_restored_failed() {
        let (world, account, asset, upload) = new_world(3_000);
        block_on(terminate(world.deps(), &account, &upload)).expect("terminated");
        let restored = restore(&world, &account, &asset);
        assert_eq!((restored.state, restored.error_code.as_deref()), (AssetState::Failed, Some("upload_cancelled")));
        assert_eq!(restored.upload_url, None);

        let (world, account, asset, upload) = new_world(3_000);
        delete(&world, &account, &asset);
        let ttl = crate::domain::uploads::tus::UPLOAD_TTL_MS;
        world.platform.clock.set(crate::domain::time::Timestamp(world.platform.clock.now().0 + ttl + 1));
        assert_eq!(block_on(expire(world.deps(), &upload)), Ok(true));
        let restored = restore(&world, &account, &asset);
        assert_eq!((restored.state, restored.error_code.as_deref()), (AssetState::Failed, Some("upload_expired")));
    }

    #[test]
    fn termination_and_rejection_end_the_asset() {
        let (world, account, asset, upload) = new_world(3_000);
        block_on(patch(world.deps(), &account, &upload, 0, None, None, &mut body(&media(1_000), 1_000)))
            .expect("chunk");
        block_on(terminate(world.deps(), &account, &upload)).expect("terminated");
        assert_eq!(asset_state(&world, &account, &asset).0, AssetState::Deleted);
        assert_eq!(block_on(head(world.deps(), &account, &upload)), Err(UploadError::NotFound));
        assert!(world.platform.objects.blob_keys().is_empty(), "the staged bytes are gone");

        let (world, account, asset, upload) = new_world(3_000);
        let html = b"<!doctype html><html><head><title>x</title></head><body>not media at all</body></html>";
        let refused = block_on(patch(world.deps(), &account, &upload, 0, None, None, &mut body(html, 100)));
        assert_eq!(refused, Err(UploadError::UnsupportedMedia));
        let record = block_on(world.platform.store.asset(&account, &asset)).expect("store").expect("asset");
        assert_eq!((record.state, record.error_code.as_deref()), (AssetState::Failed, Some("unsupported_media")));
        let events = block_on(world.platform.store.events(&account)).expect("events");
        let failed: Vec<_> = events.iter().map(|e| (e.event_type.as_str(), e.entity_id.as_str())).collect();
        assert_eq!(failed, [("asset.failed", asset.as_str())], "a terminal event for webhooks");
        assert_eq!(
            block_on(head(world.deps(), &account, &upload)),
            Err(UploadError::NotFound),
            "the upload is cancelled"
        );
    }
}
