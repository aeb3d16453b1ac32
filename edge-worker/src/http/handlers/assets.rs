//! `/v1/assets`: create (with its TUS upload), list (by project, state, type), get, delete,
//! restore, the audio proxy, and a transcript the user brings.

use roughcut_shared::assets::{Asset, AssetState, AssetType, AudioProxyUpload, CreateAsset, CreateAudioProxy};
use roughcut_shared::assets::{TranscriptAccepted, TranscriptUpload};
use roughcut_shared::{ErrorCode, ErrorEnvelope, List};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{list_body, page};
use crate::domain::assets::{self, PublicUrls};
use crate::domain::downloads::Signer;
use crate::domain::ports::AssetFilter;
use crate::domain::transcripts::{self, TranscriptFormat};
use crate::http::{ApiError, ApiResponse, Call};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAssetsQuery {
    pub project_id: Option<String>,
    pub state: Option<AssetState>,
    /// Without it, the recordings (`video`, `audio`, or not yet known); the outputs of cuts and
    /// pipelines (`cut_file`, `rendered_video`) are listed when asked for by their type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub asset_type: Option<AssetType>,
    /// 1–100, default 20.
    pub limit: Option<u32>,
    /// ≥ 0, default 0.
    pub offset: Option<u64>,
}

pub fn public_urls<'a>(call: &'a Call<'_>) -> PublicUrls<'a> {
    PublicUrls {
        origin: &call.request.origin,
        signer: call.config.signing_secret.as_deref().map(Signer::new),
        now: call.ports.clock.now(),
    }
}

#[utoipa::path(post, path = "/v1/assets", tag = "assets", request_body = CreateAsset,
    security(("api_key" = [])),
    responses((status = 201, description = "Created in `pending_upload`; `Location` and `upload_url` are its TUS upload.",
        body = Asset)))]
pub async fn create(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let body: CreateAsset = call.request.json()?;
    let (asset, upload_id) =
        assets::create(&call.ports, call.account()?, &body, public_urls(call), call.config.upload_ttl_ms).await?;
    let location = public_urls(call).upload_url(&upload_id);
    Ok(ApiResponse::json(201, &asset).with_header("location", location))
}

#[utoipa::path(get, path = "/v1/assets", tag = "assets", params(ListAssetsQuery),
    security(("api_key" = [])),
    responses((status = 200, description = "Assets, newest first; deleted ones are not listed.", body = List<Asset>)))]
pub async fn list(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let query: ListAssetsQuery = call.request.query()?;
    let page = page(query.limit, query.offset)?;
    if query.state == Some(AssetState::Deleted) {
        // deleted assets are hidden from this surface's lists (API.md)
        return Ok(ApiResponse::json(
            200,
            &list_body(crate::domain::page::Listed::<Asset> { items: Vec::new(), total: 0 }, page),
        ));
    }
    let filter = AssetFilter {
        project_id: query.project_id,
        states: query.state.into_iter().collect(),
        recordings_only: query.asset_type.is_none(),
        asset_type: query.asset_type,
        failed_upload_ended: None,
    };
    let listed = assets::list(&call.ports, call.account()?, &filter, page, public_urls(call)).await?;
    Ok(ApiResponse::json(200, &list_body(listed, page)))
}

#[utoipa::path(get, path = "/v1/assets/{id}", tag = "assets",
    params(("id" = String, Path, description = "Asset id (`ast_…`).")),
    security(("api_key" = [])),
    responses((status = 200, description = "The asset.", body = Asset)))]
pub async fn get(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let asset = assets::get(&call.ports, call.account()?, call.param("id")?, public_urls(call)).await?;
    Ok(ApiResponse::json(200, &asset))
}

#[utoipa::path(delete, path = "/v1/assets/{id}", tag = "assets",
    params(("id" = String, Path, description = "Asset id (`ast_…`).")),
    security(("api_key" = [])),
    responses((status = 204, description = "Deleted; restorable for 30 days.")))]
pub async fn delete(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    assets::delete(&call.ports, call.account()?, call.param("id")?).await?;
    Ok(ApiResponse::no_content())
}

#[utoipa::path(post, path = "/v1/assets/{id}/restore", tag = "assets",
    params(("id" = String, Path, description = "Asset id (`ast_…`).")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Back in the state it had when deleted; an asset whose upload ended while it was deleted comes back `failed` (`upload_cancelled` or `upload_expired`).", body = Asset),
        (status = 404, description = "No such deleted asset, or deleted longer than the 30-day grace.", body = ErrorEnvelope),
        (status = 409, description = "`conflict`: the asset is not deleted.", body = ErrorEnvelope)))]
pub async fn restore(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let asset = assets::restore(&call.ports, call.account()?, call.param("id")?, public_urls(call)).await?;
    Ok(ApiResponse::json(200, &asset))
}

#[utoipa::path(post, path = "/v1/assets/{id}/audio-proxy", tag = "assets", request_body = CreateAudioProxy,
    params(("id" = String, Path, description = "A video asset still uploading (`ast_…`).")),
    security(("api_key" = [])),
    responses((status = 201, description = "A TUS upload (`Location`) for the video's extracted audio (M4A/AAC or WAV).",
        body = AudioProxyUpload)))]
pub async fn create_audio_proxy(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let body: CreateAudioProxy = call.request.json()?;
    let ttl = call.config.upload_ttl_ms;
    let upload = assets::create_audio_proxy(
        &call.ports,
        call.account()?,
        call.param("id")?,
        body.size_bytes,
        public_urls(call),
        ttl,
    )
    .await?;
    let location = upload.upload_url.clone();
    Ok(ApiResponse::json(201, &upload).with_header("location", location))
}

#[utoipa::path(post, path = "/v1/assets/{id}/transcript", tag = "assets",
    params(("id" = String, Path, description = "Asset id (`ast_…`).")),
    request_body(content(
        (TranscriptUpload = "application/json"),
        (String = "application/x-subrip"),
        (String = "text/vtt"),
    )),
    security(("api_key" = [])),
    description = "A transcript the user already has: a JSON word list, SRT (each cue's words share its time) or WebVTT (inline timestamps give word times).",
    responses(
        (status = 200, description = "Stored: it replaces automatic transcription for cuts made afterwards.", body = TranscriptAccepted),
        (status = 409, description = "`asset_processing` (with `Retry-After`): the recording's length is not known yet; `asset_failed`: the asset's processing failed; `conflict`: not an uploaded recording.", body = ErrorEnvelope),
        (status = 400, description = "Malformed JSON, or a body that is not UTF-8 text.", body = ErrorEnvelope),
        (status = 415, description = "Not JSON, SRT or WebVTT.", body = ErrorEnvelope),
        (status = 422, description = "Words unordered, overlapping, empty, or outside the asset's duration.", body = ErrorEnvelope)))]
pub async fn upload_transcript(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let content_type = call.request.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let format = match content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase().as_str() {
        "application/json" => TranscriptFormat::Json,
        "application/x-subrip" | "application/srt" | "text/srt" => TranscriptFormat::Srt,
        "text/vtt" => TranscriptFormat::Vtt,
        _ => {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "Send the transcript as application/json, application/x-subrip (SRT) or text/vtt.",
            ));
        }
    };
    let text = if format == TranscriptFormat::Json { call.request.json_text()? } else { call.request.text()? };
    let accepted = transcripts::upload(&call.ports, call.account()?, call.param("id")?, format, text).await?;
    Ok(ApiResponse::json(200, &accepted))
}
