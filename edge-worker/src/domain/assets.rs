//! Assets: created with their upload (`POST /v1/assets`, or TUS creation), read, listed, soft
//! deleted and restored within the grace. Processing fills in the rest (its own issue).

use roughcut_shared::assets::{
    Asset, AssetState, AssetType, AudioProxyUpload, CreateAsset, SeedAsset, SeedAssetState, SeedAssetType,
};

use super::api_keys::Principal;
use super::downloads::{Grant, Signer};
use super::ids::{IdKind, new_id};
use super::object_keys;
use super::page::{Listed, Page};
use super::ports::{AssetFilter, AssetRecord, Ports, UPLOAD_ENDED_CODES, UploadPurpose, UploadRecord};
use super::time::Timestamp;
use super::uploads::tus::{MAX_UPLOAD_BYTES, MIN_UPLOAD_BYTES};
use super::{DomainError, validate};
use crate::domain::ports::jobs::MediaInput;
use crate::domain::ports::jobs::{JobPayload, JobRecord};

/// A deleted asset can be restored for 30 days; then its bytes are purged.
pub const RESTORE_GRACE_MS: i64 = 30 * 24 * 3600 * 1000;
const MAX_FILENAME_CHARS: usize = 255;
const NOT_FOUND: DomainError = DomainError::NotFound("asset");

/// What a new upload of a new asset needs, from `POST /v1/assets` or TUS metadata. `field`
/// names where each value came from, for errors.
#[derive(Debug, Clone, Default)]
pub struct NewUpload {
    /// How long the upload lives after its last PATCH (the deployment's setting).
    pub ttl_ms: i64,
    pub project_id: Option<String>,
    pub length: u64,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub language: Option<String>,
    /// The kind of recording the client says it sends (the seed surface's `type`): only
    /// recordings are uploaded, so `AUDIO` or `VIDEO`; the bytes decide which.
    pub declared_type: Option<String>,
    /// `Upload-Metadata` as a TUS creation sent it.
    pub metadata: Option<String>,
}

/// What the asset's URLs are made of: where this deployment's URLs start
/// (`https://api.example.com`), and the signer of download URLs (none: no `download_url`).
#[derive(Debug, Clone, Copy)]
pub struct PublicUrls<'a> {
    pub origin: &'a str,
    pub signer: Option<Signer<'a>>,
    pub now: Timestamp,
}

impl PublicUrls<'_> {
    pub fn upload_url(&self, upload_id: &str) -> String {
        format!("{}/v1/uploads/{upload_id}", self.origin)
    }
}

pub async fn create(
    ports: &Ports<'_>,
    principal: &Principal,
    request: &CreateAsset,
    urls: PublicUrls<'_>,
    upload_ttl_ms: i64,
) -> Result<(Asset, String), DomainError> {
    let upload = NewUpload {
        ttl_ms: upload_ttl_ms,
        project_id: Some(request.project_id.clone()),
        length: request.size_bytes,
        filename: request.filename.clone(),
        content_type: request.content_type.clone(),
        language: request.language.clone(),
        declared_type: None,
        metadata: None,
    };
    create_with_upload(ports, principal, &upload, "body", urls).await
}

/// A new asset in `pending_upload` and its open upload; returns the asset and the upload id.
/// `source` prefixes field names in errors (`body`, or `metadata` for TUS).
pub async fn create_with_upload(
    ports: &Ports<'_>,
    principal: &Principal,
    request: &NewUpload,
    source: &str,
    urls: PublicUrls<'_>,
) -> Result<(Asset, String), DomainError> {
    let field = |name: &str| format!("{source}.{name}");
    check_size(&field("size_bytes"), request.length)?;
    let project_id =
        request.project_id.as_deref().ok_or_else(|| DomainError::invalid(&field("project_id"), "is required"))?;
    if ports.projects.project(&principal.account_id, project_id).await?.is_none() {
        return Err(DomainError::NotFound("project"));
    }
    let filename = request
        .filename
        .as_deref()
        .map(|name| validate::name(&field("filename"), name, MAX_FILENAME_CHARS))
        .transpose()?;
    let content_type =
        request.content_type.as_deref().map(|value| media_type(&field("content_type"), value)).transpose()?;
    let language = request.language.as_deref().map(|value| language(&field("language"), value)).transpose()?;
    if request.declared_type.as_deref().is_some_and(|t| !["audio", "video"].contains(&t.to_ascii_lowercase().as_str()))
    {
        return Err(DomainError::invalid(&field("type"), "is AUDIO or VIDEO: only recordings are uploaded"));
    }
    if ports.ledger.balance(&principal.account_id).await?.available <= 0 {
        return Err(DomainError::InsufficientCredits);
    }
    let now = ports.clock.now();
    let asset_id = new_id(IdKind::Asset, now);
    let object_key = object_keys::source(&asset_id);
    let upload = UploadRecord {
        id: new_id(IdKind::Upload, now),
        account_id: principal.account_id.clone(),
        asset_id: asset_id.clone(),
        purpose: UploadPurpose::Source,
        length: request.length,
        object_key: object_key.clone(),
        created_at: now,
        expires_at: Timestamp(now.0 + request.ttl_ms),
        metadata: request.metadata.clone(),
    };
    let asset = AssetRecord {
        id: asset_id,
        account_id: principal.account_id.clone(),
        project_id: Some(project_id.to_owned()),
        asset_type: None,
        state: AssetState::PendingUpload,
        state_before_delete: None,
        cuttable: false,
        extension: filename.as_deref().and_then(extension),
        filename,
        content_type,
        language,
        size_bytes: Some(request.length),
        duration_ms: None,
        media: None,
        object_key: Some(object_key),
        error_code: None,
        error_message: None,
        created_at: now,
        deleted_at: None,
        transcript_key: None,
        open_upload_id: Some(upload.id.clone()),
    };
    ports.assets.insert_asset(&asset, &upload).await?;
    Ok((to_dto(&asset, urls), upload.id))
}

/// A second TUS upload for a **video** asset still uploading: the browser's extracted audio
/// track, which makes the asset cuttable before the video lands (processing does that).
pub async fn create_audio_proxy(
    ports: &Ports<'_>,
    principal: &Principal,
    asset_id: &str,
    size_bytes: u64,
    urls: PublicUrls<'_>,
    upload_ttl_ms: i64,
) -> Result<AudioProxyUpload, DomainError> {
    check_size("body.size_bytes", size_bytes)?;
    let asset = ports.assets.asset(&principal.account_id, asset_id).await?.filter(|a| a.state != AssetState::Deleted);
    let asset = asset.ok_or(NOT_FOUND)?;
    let video = match asset.asset_type {
        Some(asset_type) => asset_type == AssetType::Video,
        // no byte sniffed yet: what the client declared
        None => {
            asset.content_type.as_deref().is_some_and(|t| t.starts_with("video/"))
                || asset.extension.as_deref().is_some_and(|e| matches!(e, "mp4" | "mov" | "m4v" | "webm" | "mkv"))
        }
    };
    if !video {
        return Err(DomainError::Conflict("Audio proxies are for video assets.".into()));
    }
    if asset.state != AssetState::PendingUpload {
        return Err(DomainError::Conflict("The video has been uploaded; it needs no audio proxy.".into()));
    }
    let now = ports.clock.now();
    let upload = UploadRecord {
        id: new_id(IdKind::Upload, now),
        account_id: principal.account_id.clone(),
        asset_id: asset.id.clone(),
        purpose: UploadPurpose::AudioProxy,
        length: size_bytes,
        object_key: object_keys::audio_proxy(&asset.id),
        created_at: now,
        expires_at: Timestamp(now.0 + upload_ttl_ms),
        metadata: None,
    };
    if !ports.assets.insert_proxy_upload(&upload).await? {
        return Err(DomainError::Conflict(
            "This asset already has an audio proxy; another would replace one that was charged.".into(),
        ));
    }
    Ok(AudioProxyUpload { asset_id: asset.id, upload_url: urls.upload_url(&upload.id) })
}

pub async fn get(
    ports: &Ports<'_>,
    principal: &Principal,
    asset_id: &str,
    urls: PublicUrls<'_>,
) -> Result<Asset, DomainError> {
    match ports.assets.asset(&principal.account_id, asset_id).await? {
        Some(record) if record.state != AssetState::Deleted => Ok(to_dto(&record, urls)),
        _ => Err(NOT_FOUND),
    }
}

pub async fn list(
    ports: &Ports<'_>,
    principal: &Principal,
    filter: &AssetFilter,
    page: Page,
    urls: PublicUrls<'_>,
) -> Result<Listed<Asset>, DomainError> {
    let listed = ports.assets.list_assets(&principal.account_id, filter, page).await?;
    Ok(listed.map(|record| to_dto(&record, urls)))
}

pub async fn delete(ports: &Ports<'_>, principal: &Principal, asset_id: &str) -> Result<(), DomainError> {
    let now = ports.clock.now();
    if !ports.assets.delete_asset(&principal.account_id, asset_id, now).await? {
        return Err(NOT_FOUND);
    }
    super::renders::stop_for_deleted_asset(ports, asset_id).await?;
    Ok(())
}

pub async fn restore(
    ports: &Ports<'_>,
    principal: &Principal,
    asset_id: &str,
    urls: PublicUrls<'_>,
) -> Result<Asset, DomainError> {
    let grace_start = Timestamp(ports.clock.now().0 - RESTORE_GRACE_MS);
    if !ports.assets.restore_asset(&principal.account_id, asset_id, grace_start).await? {
        return match ports.assets.asset(&principal.account_id, asset_id).await? {
            Some(live) if live.state != AssetState::Deleted => {
                Err(DomainError::Conflict("This asset is not deleted.".into()))
            }
            _ => Err(NOT_FOUND),
        };
    }
    let record = ports.assets.asset(&principal.account_id, asset_id).await?.ok_or(NOT_FOUND)?;
    if record.state == AssetState::Processing {
        resume_processing(ports, &record).await?;
    }
    Ok(to_dto(&record, urls))
}

/// Processing results are recorded only on a `processing` asset, so those of an asset deleted
/// while it was processed were refused. Restored, it is processed again, unless a job of its own
/// is still open and will record its results now.
async fn resume_processing(ports: &Ports<'_>, record: &AssetRecord) -> Result<(), DomainError> {
    let jobs = ports.jobs.jobs_of(&record.id).await?;
    let Some(object_key) = record.object_key.clone() else { return Ok(()) };
    if jobs.iter().any(|job| job.state.is_open()) {
        return Ok(());
    }
    let input = MediaInput { object_key, size_bytes: record.size_bytes.unwrap_or(0) };
    let job = JobRecord::new(&record.account_id, &record.id, JobPayload::ProcessAsset(input), ports.clock.now());
    ports.queue.submit(&job).await?;
    Ok(())
}

/// An upload's size: 64 bytes (less is no media) to 50 GiB (413 above).
fn check_size(field: &str, size_bytes: u64) -> Result<(), DomainError> {
    if size_bytes > MAX_UPLOAD_BYTES {
        return Err(DomainError::TooLarge(format!("Uploads are at most {MAX_UPLOAD_BYTES} bytes (50 GiB).")));
    }
    if size_bytes < MIN_UPLOAD_BYTES {
        return Err(DomainError::invalid(field, format!("must be at least {MIN_UPLOAD_BYTES} bytes")));
    }
    Ok(())
}

/// `type/subtype`, as HTTP writes media types.
fn media_type(field: &str, value: &str) -> Result<String, DomainError> {
    let value = value.trim();
    let token =
        |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b));
    match value.split_once('/') {
        Some((kind, subtype))
            if value.len() <= 255 && token(kind) && token(subtype.split(';').next().unwrap_or("").trim()) =>
        {
            Ok(value.to_ascii_lowercase())
        }
        _ => Err(DomainError::invalid(field, "must be a media type like video/mp4")),
    }
}

/// ISO 639-1: two lowercase letters.
fn language(field: &str, value: &str) -> Result<String, DomainError> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(value.to_owned())
    } else {
        Err(DomainError::invalid(field, "must be an ISO 639-1 code: two lowercase letters"))
    }
}

/// `mp4` of `Take 1.MP4`: 1–10 ASCII letters or digits after the last dot.
fn extension(filename: &str) -> Option<String> {
    let (_, extension) = filename.rsplit_once('.')?;
    (!extension.is_empty() && extension.len() <= 10 && extension.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| extension.to_ascii_lowercase())
}

fn to_dto(record: &AssetRecord, urls: PublicUrls<'_>) -> Asset {
    Asset {
        id: record.id.clone(),
        project_id: record.project_id.clone(),
        asset_type: record.asset_type,
        state: record.state,
        cuttable: record.cuttable,
        created_at: record.created_at.to_rfc3339(),
        upload_url: (record.state == AssetState::PendingUpload)
            .then(|| record.open_upload_id.as_deref().map(|id| urls.upload_url(id)))
            .flatten(),
        download_url: download_url(record, urls),
        filename: record.filename.clone(),
        extension: record.extension.clone(),
        size_bytes: record.size_bytes,
        content_type: record.content_type.clone(),
        language: record.language.clone(),
        duration_seconds: record.duration_ms.map(super::time::seconds_string),
        media: record.media.clone(),
        error_code: record.error_code.clone(),
        error_message: record.error_message.clone(),
    }
}

/// The seed surface's view (`/api/v1/assets`): UPPERCASE types, and three states — an upload
/// refused or expired never stored its bytes, so it shows as `DELETED` like a cancelled one.
pub fn to_seed(asset: Asset) -> SeedAsset {
    let upload_ended = asset.error_code.as_deref().is_some_and(|code| UPLOAD_ENDED_CODES.contains(&code));
    let state = match asset.state {
        AssetState::PendingUpload => SeedAssetState::PendingUpload,
        AssetState::Deleted => SeedAssetState::Deleted,
        AssetState::Failed if upload_ended => SeedAssetState::Deleted,
        AssetState::Processing | AssetState::PendingPayment | AssetState::Ready | AssetState::Failed => {
            SeedAssetState::Ready
        }
    };
    SeedAsset {
        asset_type: asset.asset_type.map(|t| match t {
            AssetType::Audio => SeedAssetType::Audio,
            AssetType::Video => SeedAssetType::Video,
            AssetType::CutFile => SeedAssetType::CutFile,
            AssetType::RenderedVideo => SeedAssetType::RenderedVideo,
        }),
        state,
        id: asset.id,
        project_id: asset.project_id,
        filename: asset.filename,
        content_type: asset.content_type,
        size_bytes: asset.size_bytes,
        created_at: asset.created_at,
        download_url: asset.download_url,
    }
}

/// The assets a seed state stands for, as `to_seed` shows them.
pub fn seed_filter(seed: SeedAssetState) -> AssetFilter {
    let (states, failed_upload_ended) = match seed {
        SeedAssetState::PendingUpload => (vec![AssetState::PendingUpload], None),
        SeedAssetState::Ready => (
            vec![AssetState::Processing, AssetState::PendingPayment, AssetState::Ready, AssetState::Failed],
            Some(false),
        ),
        SeedAssetState::Deleted => (vec![AssetState::Deleted, AssetState::Failed], Some(true)),
    };
    AssetFilter { states, failed_upload_ended, ..AssetFilter::default() }
}

/// The seed surface's `GET /api/v1/assets/{id}`: deleted assets show, as `DELETED`, within the
/// grace.
pub async fn get_seed(
    ports: &Ports<'_>,
    principal: &Principal,
    asset_id: &str,
    urls: PublicUrls<'_>,
) -> Result<SeedAsset, DomainError> {
    match ports.assets.asset(&principal.account_id, asset_id).await? {
        Some(record) => Ok(to_seed(to_dto(&record, urls))),
        None => Err(NOT_FOUND),
    }
}

/// A signed URL of the stored bytes, once they are all stored.
fn download_url(record: &AssetRecord, urls: PublicUrls<'_>) -> Option<String> {
    let stored = matches!(record.state, AssetState::Processing | AssetState::PendingPayment | AssetState::Ready);
    let (signer, object_key) = (urls.signer?, record.object_key.as_ref().filter(|_| stored)?);
    let filename = record.filename.clone().unwrap_or_else(|| match &record.extension {
        Some(extension) => format!("{}.{extension}", record.id),
        None => record.id.clone(),
    });
    let content_type = record.content_type.clone().unwrap_or_else(|| "application/octet-stream".to_owned());
    Some(signer.url(urls.origin, &Grant { object_key: object_key.clone(), filename, content_type }, urls.now))
}

/// Purges what assets deleted before `deleted_before` (restorable no more) left behind: their
/// renders (rows and outputs), their upload and audio proxy, and what processing derived from
/// them. Their rows stay, `deleted`. Returns how many it purged.
pub async fn purge_deleted(ports: &Ports<'_>, deleted_before: Timestamp, limit: u32) -> Result<usize, DomainError> {
    let purgeable = ports.assets.purgeable_assets(deleted_before, limit).await?;
    for (asset_id, object_key) in &purgeable {
        for render in ports.renders.asset_renders(asset_id).await? {
            super::renders::remove(ports, &render).await?;
        }
        let prefixes = object_keys::asset_prefixes(asset_id);
        for prefix in &prefixes {
            ports.objects.delete_prefix(prefix).await?;
        }
        // a file presented from elsewhere (a pipeline's render output) is the asset's once its
        // render is gone; while the render lives, the file is the render's
        if !prefixes.iter().any(|prefix| object_key.starts_with(prefix.as_str())) {
            let render_lives = match object_keys::subject_of(object_key) {
                Some(subject) => ports.renders.render_by_id(subject).await?.is_some(),
                None => false,
            };
            if !render_lives {
                ports.objects.delete(object_key).await?;
            }
        }
        ports.assets.mark_purged(asset_id).await?;
    }
    Ok(purgeable.len())
}

#[cfg(test)]
mod tests {
    use futures_executor::block_on;
    use roughcut_shared::accounts::{GrantCredits, GrantType};

    use super::*;
    use crate::domain::accounts::create_account;
    use crate::domain::ports::Clock;
    use crate::domain::testing::TestPlatform;
    use crate::domain::{ledger, projects};

    const URLS: PublicUrls<'static> = PublicUrls { origin: "https://api.test", signer: None, now: Timestamp(0) };
    const TTL: i64 = crate::domain::uploads::tus::UPLOAD_TTL_MS;

    fn setup(platform: &TestPlatform, credits: i64) -> (Principal, String) {
        let ports = platform.ports();
        let account = block_on(create_account(&ports, "acme")).expect("account").account;
        if credits > 0 {
            let grant = GrantCredits { delta: credits, entry_type: GrantType::Topup, memo: None };
            block_on(ledger::grant(&ports, &account.id, &grant)).expect("topup");
        }
        let principal = Principal { account_id: account.id, key_id: String::new() };
        let project = block_on(projects::create(&ports, &principal, "launch")).expect("project");
        (principal, project.id)
    }

    fn request(project_id: &str, size_bytes: u64) -> CreateAsset {
        CreateAsset {
            project_id: project_id.to_owned(),
            size_bytes,
            filename: Some("Take 1.MP4".into()),
            content_type: Some("video/mp4".into()),
            language: Some("en".into()),
        }
    }

    #[test]
    fn an_asset_starts_pending_with_its_upload() {
        let platform = TestPlatform::default();
        let (principal, project) = setup(&platform, 10);
        let ports = platform.ports();
        let (asset, upload_id) =
            block_on(create(&ports, &principal, &request(&project, 1_000), URLS, TTL)).expect("created");
        assert_eq!(asset.state, AssetState::PendingUpload);
        assert_eq!(asset.asset_type, None);
        assert_eq!(asset.extension.as_deref(), Some("mp4"));
        assert_eq!(asset.upload_url, Some(format!("https://api.test/v1/uploads/{upload_id}")));
        assert!(upload_id.starts_with("upl_"));
        let upload = block_on(ports.assets.upload(&upload_id)).expect("store").expect("upload");
        assert_eq!((upload.length, upload.asset_id.as_str()), (1_000, asset.id.as_str()));
    }

    #[test]
    fn creation_checks_credits_sizes_projects_and_fields() {
        let platform = TestPlatform::default();
        let (broke, project) = setup(&platform, 0);
        let ports = platform.ports();
        let create =
            |principal: &Principal, request: &CreateAsset| block_on(create(&ports, principal, request, URLS, TTL));
        assert_eq!(create(&broke, &request(&project, 1_000)).map(|_| ()), Err(DomainError::InsufficientCredits));
        let (principal, project) = setup(&platform, 5);
        assert!(matches!(create(&principal, &request(&project, MAX_UPLOAD_BYTES + 1)), Err(DomainError::TooLarge(_))));
        assert!(matches!(create(&principal, &request(&project, 63)), Err(DomainError::Invalid(_))));
        assert_eq!(create(&principal, &request("prj_other", 1_000)).map(|_| ()), Err(DomainError::NotFound("project")));
        let bad_language = CreateAsset { language: Some("EN".into()), ..request(&project, 1_000) };
        assert_eq!(
            create(&principal, &bad_language).map(|_| ()),
            Err(DomainError::invalid("body.language", "must be an ISO 639-1 code: two lowercase letters"))
        );
        let bad_type = CreateAsset { content_type: Some("video".into()), ..request(&project, 1_000) };
        assert!(matches!(create(&principal, &bad_type), Err(DomainError::Invalid(_))));
        let tus = |declared: &str| NewUpload {
            ttl_ms: TTL,
            project_id: Some(project.clone()),
            length: 1_000,
            filename: None,
            content_type: None,
            language: None,
            declared_type: Some(declared.into()),
            metadata: None,
        };
        let by_tus = |declared| block_on(create_with_upload(&ports, &principal, &tus(declared), "metadata", URLS));
        assert!(by_tus("VIDEO").is_ok() && by_tus("audio").is_ok());
        let refused = by_tus("CUT_FILE").map(|_| ());
        assert_eq!(
            refused,
            Err(DomainError::invalid("metadata.type", "is AUDIO or VIDEO: only recordings are uploaded"))
        );
    }

    #[test]
    fn the_seed_states_filter_as_they_show() {
        let platform = TestPlatform::default();
        let (principal, project) = setup(&platform, 5);
        let ports = platform.ports();
        let mut made = Vec::new();
        for (state, error_code) in [
            (AssetState::Ready, None),
            (AssetState::Failed, Some("probe_failed")),
            (AssetState::Failed, Some("unsupported_media")),
            (AssetState::Deleted, None),
            (AssetState::PendingUpload, None),
        ] {
            let (asset, _) = block_on(create(&ports, &principal, &request(&project, 1_000), URLS, TTL)).expect("asset");
            let mut record =
                block_on(ports.assets.asset(&principal.account_id, &asset.id)).expect("store").expect("it");
            (record.state, record.error_code) = (state, error_code.map(str::to_owned));
            platform.store.replace_asset(&record);
            made.push(asset.id);
        }
        let page = Page::parse(Some(100), None).expect("page");
        for (seed, expected) in [
            (SeedAssetState::Ready, vec![&made[0], &made[1]]),
            (SeedAssetState::Deleted, vec![&made[2], &made[3]]),
            (SeedAssetState::PendingUpload, vec![&made[4]]),
        ] {
            let listed = block_on(list(&ports, &principal, &seed_filter(seed), page, URLS)).expect("list");
            let mut ids: Vec<_> = listed.items.iter().map(|a| &a.id).collect();
            let mut expected = expected;
            ids.sort();
            expected.sort();
            assert_eq!((listed.total, ids), (expected.len() as u64, expected), "{seed:?}");
            let shown = listed.items.into_iter().map(to_seed).map(|a| a.state);
            assert!(shown.into_iter().all(|state| state == seed), "{seed:?} lists only what shows as {seed:?}");
        }
    }

    #[test]
    fn deleted_assets_hide_and_come_back_within_the_grace() {
        let platform = TestPlatform::default();
        let (principal, project) = setup(&platform, 5);
        let ports = platform.ports();
        let (asset, _) = block_on(create(&ports, &principal, &request(&project, 1_000), URLS, TTL)).expect("created");
        let page = Page::parse(None, None).expect("page");
        block_on(delete(&ports, &principal, &asset.id)).expect("deleted");
        assert_eq!(block_on(get(&ports, &principal, &asset.id, URLS)), Err(NOT_FOUND));
        assert_eq!(block_on(list(&ports, &principal, &AssetFilter::default(), page, URLS)).expect("list").total, 0);
        assert_eq!(block_on(delete(&ports, &principal, &asset.id)), Err(NOT_FOUND), "deleting twice");
        let restored = block_on(restore(&ports, &principal, &asset.id, URLS)).expect("restored");
        assert_eq!(restored.state, AssetState::PendingUpload);
        let again = block_on(restore(&ports, &principal, &asset.id, URLS));
        assert!(matches!(again, Err(DomainError::Conflict(_))), "a live asset is not restored: {again:?}");
        block_on(delete(&ports, &principal, &asset.id)).expect("deleted again");
        platform.clock.set(Timestamp(platform.clock.now().0 + RESTORE_GRACE_MS + 1));
        assert_eq!(block_on(restore(&ports, &principal, &asset.id, URLS)), Err(NOT_FOUND), "after the grace");
        let stranger = Principal { account_id: "acc_stranger".into(), key_id: String::new() };
        assert_eq!(block_on(get(&ports, &stranger, &asset.id, URLS)), Err(NOT_FOUND));
    }
}
