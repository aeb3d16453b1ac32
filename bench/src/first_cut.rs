//! `make bench`: time to the first cut in the app. The local stack (with the media container's
//! release build) serves the page; headless Chromium, its uploads throttled to 100 Mbit/s
//! (`BENCH_UPLINK_MBIT`), picks a 10-minute 1080p mp4 (`BENCH_VIDEO_SECONDS`, ~730 MB) and the page
//! does what a user's does: the engine copies the audio out in a Web Worker, the audio proxy goes
//! up first, the cut is planned and shown, and the video follows. The timeline, from the pick:
//! audio extracted → proxy uploaded → cuttable → cut shown → video uploaded. The peer is the
//! video's own upload: target, the cut shows before the video is in.

use std::process::Command;

use roughcut_tests::stack::Stack;
use serde_json::{Value, json};

mod container;
mod inputs;

fn main() {
    let seconds = std::env::var("BENCH_VIDEO_SECONDS").unwrap_or_else(|_| "600".into());
    let mbit = std::env::var("BENCH_UPLINK_MBIT").unwrap_or_else(|_| "100".into());
    let video = inputs::video_1080p(&seconds);
    let size = std::fs::metadata(&video).expect("the video").len();
    let stack = Stack::start_with_media(container::release_build()).unwrap_or_else(|e| panic!("the local stack: {e}"));
    let account = stack.new_account("bench");
    stack.grant(&account.id, 10_000, "topup").expect(201);
    let project: Value = account.api.post("/v1/projects", &json!({ "name": "bench" })).expect(201).json();
    let output = Command::new("node")
        .arg(inputs::root().join("bench/browser/first-cut.mjs"))
        .args([&stack.base_url, &account.key, project["id"].as_str().expect("id")])
        .arg(&video)
        .arg(&mbit)
        .output()
        .expect("node");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let seen: Value = serde_json::from_slice(&output.stdout).expect("the page's JSON");
    assert!(seen["error"].as_str().unwrap_or_default().is_empty(), "the page said: {}", seen["error"]);
    let marks = &seen["marks"];
    let at = |name: &str| marks[name].as_f64().unwrap_or_else(|| panic!("no {name}: {marks}"));
    let picked = at("picked");
    println!("{seconds}-s 1080p mp4, {:.0} MB, uploads throttled to {mbit} Mbit/s in Chromium", size as f64 / 1e6);
    println!();
    println!("| milestone | seconds after the pick |");
    println!("|---|---|");
    for (name, label) in [
        ("extracted", "audio extracted (Web Worker)"),
        ("audio-uploaded", "audio proxy uploaded"),
        ("cuttable", "cuttable"),
        ("cut-shown", "cut shown"),
        ("video-uploaded", "video uploaded"),
    ] {
        println!("| {label} | {:.1} |", (at(name) - picked) / 1000.0);
    }
    let (cut, video_in) = (at("cut-shown") - picked, at("video-uploaded") - picked);
    println!();
    println!(
        "cut shown before the video is in: {} ({:.1}x sooner than the video's upload)",
        if cut < video_in { "yes" } else { "NO" },
        video_in / cut
    );
}
