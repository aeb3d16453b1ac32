//! Pipelines through the real stack (seed 000): the quote, priced by the ledger's rules and signed.

use std::time::Duration;

use serde_json::{Value, json};

use crate::Test;
use crate::processing::{ffmpeg, settled, sine};
use roughcut_tests::stack::Stack;

pub fn tests() -> Vec<Test> {
    vec![("pipelines::estimates_price_the_input_once_and_check_every_step", estimates)]
}

fn cut_then_render(asset_id: &str, format: &str) -> Value {
    json!({
        "input_asset_id": asset_id,
        "steps": [
            { "processor_name": "cut", "config": { "options": { "margin_seconds": 0.2 } } },
            { "processor_name": "render", "config": { "output": { "format": format }, "cut": "previous" } },
        ],
    })
}

fn estimates(stack: &Stack) {
    let (account, project) = stack.funded_account("quotes", 1);
    let file = ffmpeg("quoted.m4a", &["-f", "lavfi", "-i", &sine(61), "-ac", "1", "-c:a", "aac", "-b:a", "32k"]);
    let asset_id = account.upload_file(&project, &file);
    let asset = settled(stack, &account, &asset_id, Duration::from_secs(90), false);
    assert_eq!(asset["state"], "pending_payment", "61 s cost two credits, one is there: {asset}");
    // unpaid: the quote holds the input's two started minutes
    let quote = account.api.post("/api/v1/pipelines/estimate", &cut_then_render(&asset_id, "m4a")).expect(200).json();
    assert_eq!(quote["credits"], 2, "{quote}");
    let items: Vec<(&str, i64)> = quote["breakdown"]
        .as_array()
        .expect("breakdown")
        .iter()
        .map(|line| (line["item"].as_str().unwrap_or_default(), line["credits"].as_i64().unwrap_or(-1)))
        .collect();
    assert_eq!(items, [("asset_processing", 2), ("cut", 0), ("render", 0)]);
    assert!(quote["pricing_token"].as_str().is_some_and(|t| t.starts_with("pq1.")), "{quote}");
    assert!(quote["expires_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{quote}");
    // paid: nothing more to hold
    stack.grant(&account.id, 1, "topup").expect(201);
    let paid = account.api.get(&format!("/v1/assets/{asset_id}")).expect(200).json();
    assert_eq!(paid["state"], "ready", "{paid}");
    let free = account.api.post("/api/v1/pipelines/estimate", &cut_then_render(&asset_id, "mp3")).expect(200).json();
    assert_eq!(free["credits"], 0, "{free}");
    // every step checked where it is
    let refused =
        |body: Value| account.api.post("/api/v1/pipelines/estimate", &body).expect_error(422, "validation_error");
    let fields = |error: Value| -> Vec<String> {
        error["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(fields(refused(json!({ "input_asset_id": asset_id, "steps": [] }))), ["body.steps"]);
    let orphan = json!({ "input_asset_id": asset_id, "steps": [{ "processor_name": "render", "config": { "output": { "format": "m4a" } } }] });
    assert_eq!(fields(refused(orphan)), ["body.steps[0].config.cut"]);
    assert_eq!(
        fields(refused(cut_then_render(&asset_id, "mp4"))),
        ["body.steps[1].config.output.format"],
        "no video to render"
    );
    let unknown = json!({ "input_asset_id": asset_id, "steps": [{ "processor_name": "transcode", "config": {} }] });
    assert!(fields(refused(unknown))[0].starts_with("body.steps"));
    let stranger = stack.new_account("quotes-stranger");
    let foreign = stranger.api.post("/api/v1/pipelines/estimate", &cut_then_render(&asset_id, "m4a"));
    assert_eq!(fields(foreign.expect_error(422, "validation_error")), ["body.input_asset_id"]);
    stack
        .anonymous()
        .post("/api/v1/pipelines/estimate", &cut_then_render(&asset_id, "m4a"))
        .expect_error(401, "unauthenticated");
}
