//! The browser app (web-client/app), served by the worker as static assets, driven in headless
//! Chromium by tests/clients/app-browser.mjs against the real stack: what a user sees and gets,
//! from a refused key to a render downloaded while the video still uploads, and an upload resumed
//! after a reload.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::Test;
use crate::cuts::{assert_timeline_reads_back, ready, scratch, transcribed_talk};
use roughcut_tests::client::Account;
use roughcut_tests::stack::{Stack, repo_root};

pub fn tests() -> Vec<Test> {
    vec![
        ("app::a_recording_is_cut_exported_and_rendered_while_its_video_uploads", cut_while_the_video_uploads),
        ("app::a_fragmented_recording_is_cut_before_its_video_uploads", fragmented_recording_goes_audio_first),
        ("app::a_webm_recording_is_cut_before_its_video_uploads", webm_recording_goes_audio_first),
        ("app::a_camera_recording_is_cut_before_its_video_uploads", camera_recording_goes_audio_first),
    ]
}

/// What tests/clients/app-browser.mjs saw of the page, driven with `video` (and `extra`
/// arguments), once it ran without an error.
fn drive(stack: &Stack, name: &str, video: &Path, extra: &[&str]) -> (Account, String, Value) {
    let (account, project) = stack.funded_account(name, 5);
    let out = scratch(name);
    std::fs::create_dir_all(&out).expect("a directory");
    let output = Command::new("node")
        .arg(repo_root().join("tests/clients/app-browser.mjs"))
        .args([&stack.base_url, &account.key, &project])
        .arg(video)
        .arg(&out)
        .args(extra)
        .current_dir(repo_root())
        .output()
        .expect("node");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let seen: Value = serde_json::from_slice(&output.stdout).expect("the page's JSON");
    assert!(seen["error"].is_null(), "{seen:#}");
    assert_eq!(seen["page_errors"], serde_json::json!([]), "{seen:#}");
    (account, project, seen)
}

/// What Safari's MediaRecorder and OBS write, a fragmented MP4 (a fragment a second): its AAC
/// copied out in the browser as for any MP4.
fn fragmented_recording_goes_audio_first(stack: &Stack) {
    let fragments =
        ["-c", "copy", "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "1000000"];
    goes_audio_first(stack, "app-fragmented", "talk-fragmented.mp4", &fragments);
}

/// What Chrome's and Firefox's MediaRecorder write, a WebM of VP8 and Opus: its sound decoded in
/// the browser into a 16-kHz WAV, the audio proxy.
fn webm_recording_goes_audio_first(stack: &Stack) {
    let codecs = ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus"];
    goes_audio_first(stack, "app-webm", "talk.webm", &codecs);
}

/// What cameras write, a MOV with uncompressed sound: decoded in the browser, as a WebM's is.
fn camera_recording_goes_audio_first(stack: &Stack) {
    goes_audio_first(stack, "app-camera", "talk.mov", &["-c:v", "copy", "-c:a", "pcm_s24le"]);
}

/// The talk made into `file` by ffmpeg with `args`, chosen on the page: its audio goes up first
/// and the cut (a filler struck) is shown while the video's bytes are held back, its waveform
/// drawn; then the video goes up.
fn goes_audio_first(stack: &Stack, name: &str, file: &str, args: &[&str]) {
    let talk = transcribed_talk(stack);
    let recording = scratch(file);
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-i"])
        .arg(&talk.video)
        .args(args)
        .arg(&recording)
        .status()
        .expect("ffmpeg");
    assert!(status.success(), "ffmpeg {args:?}");
    let (account, project, seen) = drive(stack, name, &recording, &["first-cut"]);
    assert_eq!(seen["at_cut"]["audio"], 100, "{seen}");
    assert!(seen["at_cut"]["video"].as_u64() < Some(100), "the cut before the video: {seen}");
    let removed: Vec<&str> = seen["removed"].as_array().expect("removed").iter().filter_map(Value::as_str).collect();
    assert!(removed.iter().any(|r| r.starts_with("filler ")), "{removed:?}");
    assert!(seen["waveform"].as_f64() > Some(0.05), "the waveform is drawn: {seen}");
    assert_eq!(seen["video_after_release"], 100, "{seen}");
    // the video, once in, agrees with its proxy: one asset, ready, as long as the recording
    let assets = account.api.get(&format!("/v1/assets?project_id={project}")).expect(200).json();
    assert_eq!(assets["total"], 1, "{assets}");
    let asset = ready(&account, assets["items"][0]["id"].as_str().expect("id"));
    assert_eq!((asset["state"].as_str(), asset["type"].as_str()), (Some("ready"), Some("video")), "{asset}");
    let seconds: f64 = asset["duration_seconds"].as_str().and_then(|d| d.parse().ok()).expect("a duration");
    assert!((seconds * 1000.0 - talk.duration_ms as f64).abs() < 100.0, "{seconds} s against {} ms", talk.duration_ms);
}

fn cut_while_the_video_uploads(stack: &Stack) {
    let page = stack.anonymous().get("/").expect(200);
    assert!(page.body.contains("Choose a recording"), "the worker serves the page at /");
    let talk = transcribed_talk(stack);
    let (account, project, seen) = drive(stack, "app", &talk.video, &[]);
    println!("app: screenshot {}, milestones (ms) {}", seen["screenshot"], seen["marks"]);

    // a refused key is said in words, with the request id
    let refused = seen["refused"].as_str().unwrap_or_default();
    assert!(refused.contains("API key") && refused.contains("Request id: req_"), "{refused}");
    // the link's key never stays in the address bar
    assert!(!seen["address_after_sign_in"].as_str().unwrap_or_default().contains("sk_"), "{seen}");

    // the audio was in, and the cut shown, while the video's bytes were held back
    assert_eq!(seen["at_cut"]["audio"], 100, "{seen}");
    assert!(seen["at_cut"]["video"].as_u64() < Some(100), "{seen}");
    assert_eq!(seen["video_before_release"]["uploaded"], false, "{seen}");
    assert_eq!(seen["video_after_release"], 100, "{seen}");
    let marks = &seen["marks"];
    let at = |name: &str| marks[name].as_u64().unwrap_or_else(|| panic!("no {name} milestone: {marks}"));
    assert!(at("audio-uploaded") < at("cut-shown") && at("cut-shown") < at("video-uploaded"), "{marks}");
    assert!(at("rendered") < at("video-uploaded"), "an audio render while the video uploads: {marks}");

    // what the cut removed is listed and struck through; the browser re-plans without fillers
    let removed: Vec<&str> = seen["removed"].as_array().expect("removed").iter().filter_map(Value::as_str).collect();
    assert!(removed.iter().any(|r| r.starts_with("filler ") && r.ends_with(" s")), "{removed:?}");
    let struck: Vec<&str> = seen["struck_words"].as_array().expect("struck").iter().filter_map(Value::as_str).collect();
    assert!(struck.iter().any(|w| w.to_lowercase().trim_matches(|c: char| !c.is_alphabetic()) == "um"), "{struck:?}");
    let replanned = seen["removed_without_fillers"].as_array().expect("replanned");
    assert!(replanned.iter().all(|r| !r.as_str().unwrap_or_default().starts_with("filler")), "{replanned:?}");
    assert!(seen["waveform"].as_f64() > Some(0.05), "the waveform is drawn: {seen}");
    assert_eq!(seen["play_state"], "playing");

    // the export is the server's cut, read back by OpenTimelineIO
    let cuts = account.api.get(&format!("/v1/cuts?project_id={project}")).expect(200).json();
    let cut = &cuts["items"][0];
    assert_eq!(seen["export"]["name"], "talk.rough-cut.otio");
    assert_timeline_reads_back(Path::new(seen["export"]["path"].as_str().expect("path")), cut, "otio", "otio_json");
    // and the render a file ffprobe takes for AAC audio
    assert_eq!(seen["render"]["status"], 200);
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-show_streams", "-of", "json"])
        .arg(seen["render"]["path"].as_str().expect("path"))
        .output()
        .expect("ffprobe");
    assert!(probe.status.success(), "{}", String::from_utf8_lossy(&probe.stderr));
    let streams: Value = serde_json::from_slice(&probe.stdout).expect("ffprobe JSON");
    assert_eq!(streams["streams"][0]["codec_name"], "aac", "{streams}");

    assert_eq!(seen["axe_violations"], serde_json::json!([]), "axe-core wcag2a/aa: {seen:#}");
    assert!(Path::new(seen["screenshot"].as_str().expect("screenshot")).exists());

    // nothing is lost on a reload: the server's cut is on the page again, as it was
    assert_eq!(seen["restored"]["removed"], seen["removed"], "{seen:#}");
    assert!(seen["restored"]["status"].as_str().unwrap_or_default().contains("talk.mp4"), "{seen}");
    assert_eq!(seen["restored"]["play_disabled"], true, "playing needs the recording: {seen}");

    // Pause gives the video's PATCH up, Resume sends it again
    assert_eq!(seen["paused_and_resumed"]["pause_button"], "Pause", "{seen}");
    assert!(seen["paused_and_resumed"]["patches"].as_u64() >= Some(2), "{seen}");
    // a reload mid-upload: the page offers the upload again, and the same file resumes the same asset
    assert!(seen["resume_hint"].as_str().unwrap_or_default().contains("talk.mp4"), "{seen}");
    assert_eq!(seen["resumed"]["created_after_reload"], serde_json::json!([]), "no second asset: {seen}");
    let interrupted = seen["resumed"]["interrupted"].as_str().expect("the interrupted asset");
    let asset = account.api.get(&format!("/v1/assets/{interrupted}")).expect(200).json();
    assert_ne!(asset["state"], "pending_upload", "every byte stored: {asset}");
    // Chromium: a picked file's kept handle reopens it after a reload, nothing chosen again
    assert!(seen["handle_hint"].as_str().unwrap_or_default().contains("Resume it where it stopped"), "{seen}");
    assert_eq!(seen["handle_resumed"]["created_after_reload"], serde_json::json!([]), "no second asset: {seen}");
    let picked = seen["handle_resumed"]["picked"].as_str().expect("the picked asset");
    let asset = account.api.get(&format!("/v1/assets/{picked}")).expect(200).json();
    assert_ne!(asset["state"], "pending_upload", "every byte stored: {asset}");
}
