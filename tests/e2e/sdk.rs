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
        ("sdk::its_types_are_what_the_worker_serves", its_types_are_what_the_worker_serves),
        ("sdk::retries_of_503_and_429_send_one_idempotency_key_and_create_once", retries_create_once),
        ("sdk::an_upload_resumes_in_a_new_process_from_its_stored_url", an_upload_resumes_in_a_new_process),
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

/// The SDK's generated types (web-client/sdk/src/api.d.ts) are what openapi-typescript makes of
/// the OpenAPI document this worker serves: a change to the API that the types miss fails here.
fn its_types_are_what_the_worker_serves(stack: &Stack) {
    let generated = std::env::temp_dir().join(format!("roughcut-e2e-{}-api.d.ts", std::process::id()));
    let made = run(Command::new(repo_root().join("scripts/sdk-types.sh")).arg(&stack.base_url).arg(&generated));
    assert!(made.status.success(), "sdk-types: {}", String::from_utf8_lossy(&made.stderr));
    let served = std::fs::read_to_string(&generated).expect("the generated types");
    let committed = std::fs::read_to_string(repo_root().join("web-client/sdk/src/api.d.ts")).expect("the SDK's types");
    let _ = std::fs::remove_file(&generated);
    if served != committed {
        let first = served.lines().zip(committed.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "web-client/sdk/src/api.d.ts differs from the served document from line {}: served `{}`, committed `{}`; \
             regenerate it with scripts/sdk-types.sh while `make dev` runs",
            first + 1,
            served.lines().nth(first).unwrap_or("(end)"),
            committed.lines().nth(first).unwrap_or("(end)"),
        );
    }
}

/// A gateway's 503 after the stack had answered, and the stack's own 429: the SDK retries each
/// POST with its one key, and the stack creates one project each time.
fn retries_create_once(stack: &Stack) {
    let account = stack.new_account("sdk-retries");
    let output = run(Command::new("node")
        .arg(repo_root().join("tests/clients/sdk-retries.mjs"))
        .args([&stack.base_url, &account.key])
        .current_dir(repo_root()));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let seen: Value = serde_json::from_slice(&output.stdout).expect("its JSON");

    let attempts = seen["gateway"]["attempts"].as_array().expect("attempts");
    let posts: Vec<&Value> = attempts.iter().filter(|a| a["method"] == "POST").collect();
    assert_eq!(posts.len(), 2, "sent again once: {seen}");
    assert!(posts[0]["key"].is_string() && posts[0]["key"] == posts[1]["key"], "one key: {seen}");
    assert_eq!((posts[0]["status"].as_u64(), posts[1]["status"].as_u64()), (Some(201), Some(201)), "{seen}");
    assert_eq!(posts[1]["replayed"], "true", "the stack replayed its answer: {seen}");
    assert_eq!((&posts[0]["id"], &posts[1]["id"]), (&seen["gateway"]["returned"], &seen["gateway"]["returned"]));

    let limited = &seen["rate_limited"];
    let statuses: Vec<u64> =
        limited["attempts"].as_array().expect("attempts").iter().filter_map(|a| a["status"].as_u64()).collect();
    assert_eq!((statuses.first(), statuses.last()), (Some(&429), Some(&201)), "{seen}");
    let keys: std::collections::HashSet<&str> =
        limited["attempts"].as_array().expect("attempts").iter().filter_map(|a| a["key"].as_str()).collect();
    assert_eq!(keys.len(), 1, "one key across the retries: {seen}");
    let retry_after = limited["retry_after"].as_u64().expect("Retry-After");
    assert!(limited["waited_ms"].as_u64() >= Some(retry_after.saturating_sub(1) * 1000), "waited it out: {seen}");

    // what the API holds: one project of each, not one per attempt
    let projects = account.api.get("/v1/projects?limit=100").expect(200).json();
    let names: Vec<&str> =
        projects["items"].as_array().expect("items").iter().filter_map(|p| p["name"].as_str()).collect();
    for name in ["answer lost once", "after the limit"] {
        assert_eq!(names.iter().filter(|n| **n == name).count(), 1, "{name}: {projects}");
    }
}

/// A process that dies with its upload half done, then a new one with the same store of
/// unfinished uploads: the second goes on with the same asset from where the server stands.
fn an_upload_resumes_in_a_new_process(stack: &Stack) {
    let (account, project) = stack.funded_account("sdk-resume", 2);
    let talk = transcribed_talk(stack);
    let store = std::env::temp_dir().join(format!("roughcut-e2e-{}-uploads.json", std::process::id()));
    let phase = |name: &str| {
        let output = run(Command::new("node")
            .arg(repo_root().join("tests/clients/sdk-resume.mjs"))
            .args([name, &stack.base_url, &account.key, &project])
            .arg(&talk.video)
            .arg(&store)
            .current_dir(repo_root()));
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        let seen: Value = serde_json::from_slice(&output.stdout).expect("its JSON");
        seen
    };
    let first = phase("first");
    let second = phase("second");
    assert_eq!(second["created"], Value::Null, "no second asset: {second}");
    assert_eq!(second["asset"], first["created"], "{first} {second}");
    let chunk = second["chunk_bytes"].as_u64().expect("chunk size");
    let resumed: Vec<u64> = second["offsets"].as_array().expect("offsets").iter().filter_map(Value::as_u64).collect();
    assert_eq!(resumed, [2 * chunk, 3 * chunk], "only the chunks the first process did not send");
    let size = std::fs::metadata(&talk.video).expect("the talk").len();
    let asset = account.api.get(&format!("/v1/assets/{}", second["asset"].as_str().unwrap_or(""))).expect(200).json();
    assert_eq!(asset["size_bytes"].as_u64(), Some(size));
    assert_ne!(asset["state"], "pending_upload", "every byte stored: {asset}");
    let remembered: Value = serde_json::from_slice(&std::fs::read(&store).expect("the store")).expect("JSON");
    assert_eq!(remembered, serde_json::json!({}), "a finished upload is forgotten");
    let _ = std::fs::remove_file(&store);
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
