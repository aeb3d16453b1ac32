//! Quotes on the test platform: prices by the ledger's rules, steps validated in place.

use futures_executor::block_on;
use roughcut_shared::accounts::{GrantCredits, GrantType};
use roughcut_shared::assets::{AssetMedia, AssetState, AssetType, AudioMedia};
use roughcut_shared::pipelines::{CutStepConfig, EstimatePipeline, PipelineStepRequest, RenderCut, RenderStepConfig};
use roughcut_shared::renders::{RenderFormat, RenderOutputRequest};

use super::quote::{self, TokenRefusal};
use super::*;
use crate::domain::accounts::create_account;
use crate::domain::ledger;
use crate::domain::ports::processing::{Charge, ProbeRecord, ProcessingStore};
use crate::domain::ports::{AssetStore, Clock};
use crate::domain::testing::{TestPlatform, uploaded_asset};

const SECRET: &str = "the-deployment-signing-secret-0123456789";

fn principal(platform: &TestPlatform) -> Principal {
    let created = block_on(create_account(&platform.ports(), "acme")).expect("account");
    let grant = GrantCredits { delta: 10, entry_type: GrantType::Topup, memo: None };
    block_on(ledger::grant(&platform.ports(), &created.account.id, &grant)).expect("credits");
    Principal { account_id: created.account.id, key_id: "key_1".into() }
}

/// A processing audio asset of `duration_ms` (probed).
fn probed_asset(platform: &TestPlatform, principal: &Principal, id: &str, duration_ms: u64) {
    let (asset, upload) = uploaded_asset(&principal.account_id, id, AssetState::Processing, platform.clock.now());
    block_on(platform.store.insert_asset(&asset, &upload)).expect("asset");
    let media = AssetMedia {
        container: "m4a".into(),
        video: None,
        audio: Some(AudioMedia { codec: "aac".into(), sample_rate: 48_000, channels: 1, bitrate: None }),
    };
    let probe = ProbeRecord { asset_type: AssetType::Audio, duration_ms, media, analysis_key: None };
    assert!(block_on(platform.store.record_probe(id, &probe, platform.clock.now())).expect("probe"));
}

fn cut_then_render(asset_id: &str, format: RenderFormat, cut: RenderCut) -> EstimatePipeline {
    let output = RenderOutputRequest { format, resolution: None, video_bitrate: None, audio_bitrate: None };
    EstimatePipeline {
        input_asset_id: asset_id.into(),
        steps: vec![
            PipelineStepRequest::Cut(CutStepConfig::default()),
            PipelineStepRequest::Render(RenderStepConfig { output, cut }),
        ],
    }
}

fn fields(result: Result<PipelineEstimate, DomainError>) -> Vec<String> {
    match result {
        Err(DomainError::Invalid(fields)) => fields.into_iter().map(|f| f.field).collect(),
        other => panic!("not a validation error: {other:?}"),
    }
}

#[test]
fn an_uncharged_input_costs_its_started_minutes_and_the_token_binds_the_quote() {
    let platform = TestPlatform::default();
    let principal = principal(&platform);
    probed_asset(&platform, &principal, "ast_1", 125_000);
    let request = cut_then_render("ast_1", RenderFormat::M4a, RenderCut::Previous);
    let quoted =
        block_on(estimate(&platform.ports(), &principal, &request, RateCard::default(), SECRET)).expect("quote");
    assert_eq!(quoted.credits, 3, "125 s is three started minutes");
    let items: Vec<(&str, Option<u32>, i64)> =
        quoted.breakdown.iter().map(|l| (l.item.as_str(), l.step, l.credits)).collect();
    assert_eq!(items, [("asset_processing", None, 3), ("cut", Some(0), 0), ("render", Some(1), 0)]);
    let now = platform.clock.now();
    assert_eq!(quote::verify(SECRET, &principal.account_id, &request, &quoted.pricing_token, now), Ok(3));
    let other = cut_then_render("ast_1", RenderFormat::Mp3, RenderCut::Previous);
    let refused = quote::verify(SECRET, &principal.account_id, &other, &quoted.pricing_token, now);
    assert_eq!(refused, Err(TokenRefusal::Mismatched), "another body");
    assert_eq!(quoted.expires_at, crate::domain::time::Timestamp(now.0 + quote::QUOTE_TTL_MS).to_rfc3339());
}

#[test]
fn a_charged_input_costs_nothing_more() {
    let platform = TestPlatform::default();
    let principal = principal(&platform);
    probed_asset(&platform, &principal, "ast_1", 61_000);
    let charge = Charge {
        account_id: principal.account_id.clone(),
        asset_id: "ast_1".into(),
        credits: 2,
        entry_id: "led_1".into(),
        event_id: "evt_1".into(),
        proxy: false,
        correction: None,
        hold: None,
        at: platform.clock.now(),
    };
    block_on(platform.store.settle(&charge)).expect("charged");
    let request = cut_then_render("ast_1", RenderFormat::M4a, RenderCut::Previous);
    let quoted =
        block_on(estimate(&platform.ports(), &principal, &request, RateCard::default(), SECRET)).expect("quote");
    assert_eq!(quoted.credits, 0);
    assert_eq!(quoted.breakdown[0].description, "The input was charged already.");
}

#[test]
fn steps_are_checked_where_they_are() {
    let platform = TestPlatform::default();
    let principal = principal(&platform);
    probed_asset(&platform, &principal, "ast_1", 10_000);
    let ports = platform.ports();
    let quote =
        |request: &EstimatePipeline| block_on(estimate(&ports, &principal, request, RateCard::default(), SECRET));
    let none = EstimatePipeline { input_asset_id: "ast_1".into(), steps: Vec::new() };
    assert_eq!(fields(quote(&none)), ["body.steps"]);
    let orphan_render = EstimatePipeline {
        input_asset_id: "ast_1".into(),
        steps: cut_then_render("ast_1", RenderFormat::M4a, RenderCut::Previous).steps[1..].to_vec(),
    };
    assert_eq!(fields(quote(&orphan_render)), ["body.steps[0].config.cut"]);
    let mut bad = cut_then_render("ast_1", RenderFormat::Mp4, RenderCut::None);
    if let PipelineStepRequest::Cut(config) = &mut bad.steps[0] {
        config.script = Some("🎬 🎬".into());
        config.options = Some(roughcut_shared::cuts::CutOptions { margin_seconds: 9.0, ..Default::default() });
    }
    if let PipelineStepRequest::Render(config) = &mut bad.steps[1] {
        config.output.audio_bitrate = Some(100);
    }
    assert_eq!(
        fields(quote(&bad)),
        [
            "body.steps[0].config.script",
            "body.steps[0].config.options.margin_seconds",
            "body.steps[1].config.output.audio_bitrate",
            "body.steps[1].config.output.format"
        ],
        "an audio asset renders no mp4"
    );
    let missing = cut_then_render("ast_9", RenderFormat::M4a, RenderCut::Previous);
    assert_eq!(fields(quote(&missing)), ["body.input_asset_id"]);
}

#[test]
fn another_accounts_asset_is_no_asset_and_an_unprobed_one_is_asked_again() {
    let platform = TestPlatform::default();
    let owner = principal(&platform);
    let stranger = principal(&platform);
    probed_asset(&platform, &owner, "ast_1", 10_000);
    let request = cut_then_render("ast_1", RenderFormat::M4a, RenderCut::Previous);
    let ports = platform.ports();
    assert_eq!(
        fields(block_on(estimate(&ports, &stranger, &request, RateCard::default(), SECRET))),
        ["body.input_asset_id"]
    );
    let (uploading, upload) =
        uploaded_asset(&owner.account_id, "ast_2", AssetState::PendingUpload, platform.clock.now());
    block_on(platform.store.insert_asset(&uploading, &upload)).expect("asset");
    let early = cut_then_render("ast_2", RenderFormat::M4a, RenderCut::Previous);
    assert_eq!(
        block_on(estimate(&ports, &owner, &early, RateCard::default(), SECRET)).err(),
        Some(DomainError::AssetProcessing { retry_after_seconds: PROCESSING_RETRY_AFTER_SECONDS })
    );
}
