//! The JavaScript SDK (web-client/sdk) against the real stack, driven by
//! tests/clients/sdk-on-the-stack.mjs in Node: what a user of `@roughcut/sdk` does, end to end,
//! from an upload whose connection drops mid-chunk to a pipeline followed over its events.

use std::process::Command;

use serde_json::Value;

use crate::Test;
use crate::cuts::transcribed_talk;
use roughcut_tests::stack::{Stack, repo_root};

pub fn tests() -> Vec<Test> {
    vec![
        ("sdk::node_calls_projects_cuts_exports_renders_webhooks_and_pipelines", node_calls_the_api),
        ("sdk::the_packed_cli_cuts_a_recording_to_its_export_and_render", the_packed_cli_cuts_a_recording),
        ("sdk::a_page_in_chromium_uploads_a_file_and_verifies_a_webhook", a_browser_uploads_with_the_sdk),
    ]
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

fn run(command: &mut Command) -> std::process::Output {
    command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"))
}

/// `npm pack`, installed into an empty directory, then `roughcut cut talk.mp4 --export otio
/// --render m4a` as its README shows: both files land next to the recording.
fn the_packed_cli_cuts_a_recording(stack: &Stack) {
    let (account, _) = stack.funded_account("sdk-cli", 5);
    let talk = transcribed_talk(stack);
    let dir = std::env::temp_dir().join(format!("roughcut-cli-{}", std::process::id()));
    let app = dir.join("app");
    std::fs::create_dir_all(&app).expect("a directory");
    let packed = run(Command::new("npm")
        .args(["pack", "--silent", "--pack-destination"])
        .arg(&dir)
        .current_dir(repo_root().join("web-client/sdk")));
    assert!(packed.status.success(), "npm pack: {}", String::from_utf8_lossy(&packed.stderr));
    let tarball = dir.join(String::from_utf8_lossy(&packed.stdout).trim());
    let installed = run(Command::new("npm")
        .args(["install", "--offline", "--no-audit", "--no-fund", "--silent", "--prefix"])
        .arg(&app)
        .arg(&tarball));
    assert!(installed.status.success(), "npm install: {}", String::from_utf8_lossy(&installed.stderr));
    let recording = dir.join("talk.mp4");
    std::fs::copy(&talk.video, &recording).expect("the recording");
    let cli = app.join("node_modules/.bin/roughcut");

    let cut = run(Command::new(&cli)
        .args(["cut", &*recording.to_string_lossy(), "--export", "otio", "--render", "m4a"])
        .env("ROUGHCUT_API_KEY", &account.key)
        .env("ROUGHCUT_URL", &stack.base_url));
    let (stdout, stderr) = (String::from_utf8_lossy(&cut.stdout), String::from_utf8_lossy(&cut.stderr));
    assert!(cut.status.success(), "roughcut cut: {stderr}");
    let otio = dir.join("talk.rough-cut.otio");
    let m4a = dir.join("talk.rough-cut.m4a");
    assert_eq!(stdout.lines().collect::<Vec<_>>(), [&*otio.to_string_lossy(), &*m4a.to_string_lossy()]);
    let timeline: Value = serde_json::from_slice(&std::fs::read(&otio).expect("the export")).expect("OTIO JSON");
    assert_eq!(timeline["OTIO_SCHEMA"], "Timeline.1");
    let audio = std::fs::read(&m4a).expect("the render");
    assert_eq!(audio.get(4..8), Some(&b"ftyp"[..]), "an MP4 container");

    let refused = run(Command::new(&cli)
        .args(["cut", &*recording.to_string_lossy()])
        .env("ROUGHCUT_API_KEY", "sk_not_a_key")
        .env("ROUGHCUT_URL", &stack.base_url));
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("A valid API key is required"), "the API's message");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The SDK in headless Chromium on another origin: a `File` uploaded over TUS in chunks, and a
/// webhook verified on WebCrypto.
fn a_browser_uploads_with_the_sdk(stack: &Stack) {
    let (account, project) = stack.funded_account("sdk-browser", 2);
    let wav = std::env::temp_dir().join(format!("roughcut-e2e-{}-sdk-browser.wav", std::process::id()));
    let made = run(Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=duration=3"])
        .arg(&wav));
    assert!(made.status.success());
    let size = std::fs::metadata(&wav).expect("wav").len();
    let output = run(Command::new("node")
        .arg(repo_root().join("tests/clients/sdk-browser.mjs"))
        .args([&stack.base_url, &account.key, &project, &wav.to_string_lossy().into_owned()])
        .current_dir(repo_root()));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let seen: Value = serde_json::from_slice(&output.stdout).expect("the page's JSON");
    assert!(seen["error"].is_null(), "{seen}");
    assert_ne!(seen["origin"].as_str(), Some(stack.base_url.as_str()), "another origin");
    assert_eq!(seen["asset"]["size_bytes"].as_u64(), Some(size), "{seen}");
    assert_eq!(seen["asset"]["filename"], "browser.wav", "{seen}");
    let progress: Vec<u64> = seen["progress"].as_array().expect("progress").iter().filter_map(Value::as_u64).collect();
    assert!(progress.len() >= 2 && progress.windows(2).all(|w| w[0] < w[1]), "chunk by chunk: {progress:?}");
    assert_eq!(progress.last(), Some(&size));
    assert_eq!(
        (seen["verified"].as_str(), seen["tampered"].as_str()),
        (Some("webhook.test"), Some("WebhookVerificationError"))
    );
    let asset =
        account.api.get(&format!("/v1/assets/{}", seen["asset"]["id"].as_str().unwrap_or(""))).expect(200).json();
    assert_ne!(asset["state"], "pending_upload", "every byte stored: {asset}");
    let _ = std::fs::remove_file(&wav);
}
