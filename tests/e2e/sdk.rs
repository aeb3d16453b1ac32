//! The JavaScript SDK (web-client/sdk) against the real stack, driven by
//! tests/clients/sdk-on-the-stack.mjs in Node: what a user of `@roughcut/sdk` does, end to end,
//! from an upload whose connection drops mid-chunk to a pipeline followed over its events.

use std::process::Command;

use serde_json::Value;

use crate::Test;
use crate::cuts::transcribed_talk;
use roughcut_tests::stack::{Stack, repo_root};

pub fn tests() -> Vec<Test> {
    vec![("sdk::node_calls_projects_cuts_exports_renders_webhooks_and_pipelines", node_calls_the_api)]
}

fn node_calls_the_api(stack: &Stack) {
    let (account, project) = stack.funded_account("sdk", 5);
    let talk = transcribed_talk(stack);
    let video = talk.video.to_string_lossy();
    let output = Command::new("node")
        .arg(repo_root().join("tests/clients/sdk-on-the-stack.mjs"))
        .args([stack.base_url.as_str(), account.key.as_str(), project.as_str(), &*video])
        .current_dir(repo_root())
        .output()
        .expect("node");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the SDK run failed: {stderr}\n{stdout}");
    let seen: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("not its summary ({e}): {stdout}"));
    assert!(seen["render_bytes"].as_u64().is_some_and(|n| n > 1_000), "{seen}");
    assert_eq!(seen["pipeline_states"].as_array().and_then(|s| s.last()).and_then(Value::as_str), Some("COMPLETED"));
    assert!(seen["upload_patches"].as_u64().is_some_and(|n| n >= 5), "four chunks and the dropped one: {seen}");
    // what the SDK made is what the API has
    let assets = account.api.get(&format!("/v1/assets?project_id={project}&type=video")).expect(200).json();
    assert_eq!(assets["total"], 1, "{assets}");
    let asset_id = assets["items"][0]["id"].as_str().expect("the uploaded asset");
    let renders = account.api.get(&format!("/v1/renders?asset_id={asset_id}")).expect(200).json();
    assert_eq!(renders["total"], 1, "{renders}");
}
