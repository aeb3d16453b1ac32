//! `make bench`: how soon a pipeline's step change reaches a client of its Server-Sent Events on
//! the local stack (`wrangler dev`, local D1, the pipeline's Durable Object), beside a client that
//! polls `GET /api/v1/pipelines/{id}` every 250 ms (what a client without the stream does), both
//! watching the same pipelines in the same run. Each of `BENCH_PIPELINES` (default 20) one-step
//! cut pipelines is watched by both at once; a step change's latency runs from the time the worker
//! stamped on it (`started_at`, `completed_at`) to the client seeing it. Prints p50 and p99 of
//! each, and the stream's as a ratio to polling's.

mod latency;

use std::io::BufRead;
use std::time::Duration;

use latency::{now_ms, print_comparison, ready_tone};
use roughcut_tests::client::Account;
use roughcut_tests::stack::Stack;
use roughcut_tests::webhooks::unix_ms;
use serde_json::{Value, json};

const POLL_EVERY: Duration = Duration::from_millis(250);

/// When the step's current state was stamped.
fn stamped(step: &Value) -> Option<i64> {
    let field = if step["state"] == "RUNNING" { "started_at" } else { "completed_at" };
    step[field].as_str().and_then(unix_ms)
}

/// Latencies (ms) of the step changes the stream delivered live (not as backlog on connecting).
fn by_stream(stack: &Stack, account: &Account, pipeline_id: &str) -> Vec<i64> {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let url = format!("{}/api/v1/pipelines/{pipeline_id}/events", stack.base_url);
    let response = agent.get(&url).header("authorization", format!("Bearer {}", account.key)).call();
    let connected = now_ms();
    let response = response.expect("the stream");
    assert_eq!(response.status().as_u16(), 200);
    let mut latencies = Vec::new();
    let (mut event, mut data) = (String::new(), String::new());
    for line in std::io::BufReader::new(response.into_body().into_reader()).lines() {
        let line = line.expect("a line");
        if let Some(value) = line.strip_prefix("event: ") {
            event = value.to_owned();
        } else if let Some(value) = line.strip_prefix("data: ") {
            data = value.to_owned();
        } else if line.is_empty() && !data.is_empty() {
            let received = now_ms();
            let value: Value = serde_json::from_str(&data).expect("JSON data");
            if event == "step.state"
                && let Some(at) = stamped(&value).filter(|at| *at >= connected)
            {
                latencies.push(received - at);
            }
            if event == "pipeline.state"
                && matches!(value["state"].as_str(), Some("COMPLETED" | "FAILED" | "CANCELLED"))
            {
                break;
            }
            data.clear();
        }
    }
    latencies
}

/// Latencies (ms) of the step changes a client polling every 250 ms saw.
fn by_polling(account: &Account, pipeline_id: &str) -> Vec<i64> {
    let started = now_ms();
    let mut seen = String::from("PENDING");
    let mut latencies = Vec::new();
    loop {
        let pipeline = account.api.get(&format!("/api/v1/pipelines/{pipeline_id}")).expect(200).json();
        let received = now_ms();
        let step = &pipeline["steps"][0];
        let state = step["state"].as_str().unwrap_or_default().to_owned();
        if state != seen {
            if let Some(at) = stamped(step).filter(|at| *at >= started) {
                latencies.push(received - at);
            }
            seen = state;
        }
        if matches!(pipeline["state"].as_str(), Some("COMPLETED" | "FAILED" | "CANCELLED")) {
            return latencies;
        }
        std::thread::sleep(POLL_EVERY);
    }
}

fn main() {
    let count: usize = std::env::var("BENCH_PIPELINES").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let stack = Stack::start().unwrap_or_else(|e| panic!("the local stack: {e}"));
    let (account, project) = stack.funded_account("bench pipeline events", 10);
    let asset_id = ready_tone(&account, &project, "events");
    let (mut stream, mut polled) = (Vec::new(), Vec::new());
    for n in 0..count {
        // options of its own, so that every pipeline plans a cut rather than reusing one
        let margin = 0.05 + 0.005 * n as f64;
        let body = json!({
            "input_asset_id": asset_id,
            "steps": [{ "processor_name": "cut", "config": { "options": { "margin_seconds": margin } } }],
        });
        let quote = account.api.post("/api/v1/pipelines/estimate", &body).expect(200).json();
        let mut create = body.clone();
        create["pricing_token"] = quote["pricing_token"].clone();
        let id =
            account.api.post("/api/v1/pipelines", &create).expect(201).json()["id"].as_str().expect("id").to_owned();
        let (streamed, polling) = std::thread::scope(|scope| {
            let streamed = scope.spawn(|| by_stream(&stack, &account, &id));
            let polling = scope.spawn(|| by_polling(&account, &id));
            (streamed.join().expect("stream"), polling.join().expect("polling"))
        });
        stream.extend(streamed);
        polled.extend(polling);
    }
    stream.sort_unstable();
    polled.sort_unstable();
    assert!(!stream.is_empty() && !polled.is_empty(), "no live step change was seen");
    println!("pipeline events: {count} one-step cut pipelines, step changes from the worker's stamp to the client");
    print_comparison(("server-sent events", &stream), ("polling every 250 ms", &polled), "changes");
}
