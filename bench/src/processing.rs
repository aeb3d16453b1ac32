//! `make bench`: processing a 60-minute audio asset (`BENCH_AUDIO_SECONDS` to change it) through
//! the real stack — `wrangler dev`, the queue, the media container (release build) downloading
//! through its signed URL, probing, analysing and cutting speech chunks, the worker transcribing
//! them through the test's OpenAI-compatible server, the charge — timed from the last byte's 204
//! to `ready`. Target: under 15 s. Where the time goes comes from the container's stage log; the
//! peer for scale is ffmpeg decoding the same file to nothing, in the same run.

use std::process::Command;
use std::time::{Duration, Instant};

use roughcut_tests::stack::Stack;
use serde_json::{Value, json};
use ureq::http::Method;

mod container;
mod inputs;

fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

/// `(stage, ms from the attempt's start)` of the attempt that succeeded, from the container log.
fn stages(log: &str) -> Vec<(String, u64)> {
    let mut current = Vec::new();
    for line in log.lines() {
        let Some(rest) = line.split_once(": ").and_then(|(_, rest)| rest.split_once(": ")).map(|(_, r)| r) else {
            continue;
        };
        if rest == "started" {
            current.clear();
        } else if let Some((stage, ms)) = rest.split_once(" from ").and_then(|(s, t)| Some((s, t.strip_suffix(" ms")?)))
        {
            current.push((stage.to_owned(), ms.parse().unwrap_or(0)));
        }
    }
    current
}

fn main() {
    let audio_seconds = std::env::var("BENCH_AUDIO_SECONDS").unwrap_or_else(|_| "3600".into());
    let audio = inputs::speech_m4a(&audio_seconds);
    let bytes = std::fs::read(&audio).expect("input");
    let stack = Stack::start_with_media(container::release_build()).unwrap_or_else(|e| panic!("the local stack: {e}"));
    let account = stack.new_account("bench");
    stack.grant(&account.id, 10_000, "topup").expect(201);
    let project: Value = account.api.post("/v1/projects", &json!({ "name": "bench" })).expect(201).json();
    let created = account
        .api
        .post("/v1/assets", &json!({ "project_id": project["id"], "size_bytes": bytes.len(), "filename": "talk.m4a" }))
        .expect(201);
    let asset_id = created.json()["id"].as_str().expect("id").to_owned();
    let url = created.header("location").expect("Location").to_owned();
    let headers =
        [("tus-resumable", "1.0.0"), ("upload-offset", "0"), ("content-type", "application/offset+octet-stream")];
    let upload_started = Instant::now();
    account.api.send_with(Method::PATCH, &url, &headers, bytes.clone()).expect(204);
    let uploaded = upload_started.elapsed();
    let processing_started = Instant::now();
    let asset = loop {
        let asset = account.api.get(&format!("/v1/assets/{asset_id}")).expect(200).json();
        if asset["state"] != "processing" {
            break asset;
        }
        assert!(processing_started.elapsed() < Duration::from_secs(600), "still processing after 10 minutes");
        std::thread::sleep(Duration::from_millis(50));
    };
    let processing = processing_started.elapsed();
    assert_eq!(asset["state"], "ready", "{asset}");

    let decode_started = Instant::now();
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(&audio)
        .args(["-f", "null", "-"])
        .status()
        .expect("ffmpeg");
    assert!(status.success());
    let decode = decode_started.elapsed();

    let minutes = audio_seconds.parse::<f64>().unwrap_or(0.0) / 60.0;
    println!("processing of a {minutes:.0}-minute AAC m4a ({:.1} MB), one run", bytes.len() as f64 / 1e6);
    println!();
    println!("| step | time |");
    println!("|---|---|");
    println!("| upload (one PATCH, for scale) | {:.2} s |", seconds(uploaded));
    println!("| last byte → ready (target < 15 s) | {:.2} s |", seconds(processing));
    let timeline = stages(&stack.log_text("media-container"));
    let container_total = timeline.last().map_or(0, |(_, ms)| *ms);
    for pair in timeline.windows(2) {
        let ((stage, from), (_, to)) = (&pair[0], &pair[1]);
        println!("|   container: {stage} | {:.2} s |", (to - from) as f64 / 1000.0);
    }
    println!("|   container, attempt in all | {:.2} s |", container_total as f64 / 1000.0);
    let outside = seconds(processing) - container_total as f64 / 1000.0;
    println!("|   worker: queue, dispatch, transcription, charge | {outside:.2} s |");
    println!("| peer: ffmpeg decoding the file to null | {:.2} s |", seconds(decode));
    println!();
    println!(
        "processing took {:.2}x an ffmpeg decode of the same file; {} speech chunks transcribed",
        seconds(processing) / seconds(decode),
        stack.transcriber.requests().len()
    );
}
