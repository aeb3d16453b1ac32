//! `make bench`: how soon a render's `render.completed` webhook reaches a receiver on the local
//! stack (`wrangler dev`, its local queue, the worker's delivery), beside a client that polls
//! `GET /v1/renders/{id}` every 250 ms (what a client without webhooks does), both watching the
//! same renders in the same run. Each of `BENCH_RENDERS` (default 20) audio renders (m4a) of one
//! small upload is watched by both at once; latency runs from the render's `completed_at` (the
//! worker's stamp) to the receiver's arrival time (tests/clients/webhook-receiver.mjs) or to the
//! poll that first saw it completed. Prints p50 and p99 of each, and the webhook's as a ratio to
//! polling's.

mod latency;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use latency::{now_ms, print_comparison, ready_tone};
use roughcut_tests::client::Account;
use roughcut_tests::stack::Stack;
use roughcut_tests::webhooks::{WebhookReceiver, unix_ms};
use serde_json::{Value, json};

const POLL_EVERY: Duration = Duration::from_millis(250);
const PATIENCE: Duration = Duration::from_secs(120);

/// The receiver, and when each render's `render.completed` reached it.
struct Receiver {
    inner: WebhookReceiver,
    /// Render id → Unix ms of the first `render.completed` about it.
    arrived: HashMap<String, i64>,
}

impl Receiver {
    /// When the `render.completed` of `render_id` reached the receiver (Unix ms).
    fn arrival(&mut self, render_id: &str) -> i64 {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(at) = self.arrived.get(render_id) {
                return *at;
            }
            let request = self
                .inner
                .next_before(deadline)
                .unwrap_or_else(|| panic!("no render.completed for {render_id} in {PATIENCE:?}"));
            let body: Value = serde_json::from_str(request["body"].as_str().unwrap_or_default()).unwrap_or_default();
            if body["type"] == "render.completed"
                && let (Some(id), Some(at)) = (body["data"]["entity_id"].as_str(), request["received_at_ms"].as_i64())
            {
                self.arrived.entry(id.to_owned()).or_insert(at);
            }
        }
    }
}

/// When a client polling every 250 ms first saw the render completed (Unix ms), and the render.
fn by_polling(account: &Account, render_id: &str) -> (i64, Value) {
    let started = Instant::now();
    loop {
        let render = account.api.get(&format!("/v1/renders/{render_id}")).expect(200).json();
        let seen = now_ms();
        match render["state"].as_str() {
            Some("completed") => return (seen, render),
            Some("failed") => panic!("the render failed: {render}"),
            _ => {}
        }
        assert!(started.elapsed() < PATIENCE, "render {render_id} did not complete in {PATIENCE:?}");
        std::thread::sleep(POLL_EVERY);
    }
}

fn main() {
    let count: usize = std::env::var("BENCH_RENDERS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let stack = Stack::start().unwrap_or_else(|e| panic!("the local stack: {e}"));
    let (account, project) = stack.funded_account("bench webhook latency", 10);
    let mut receiver = Receiver { inner: WebhookReceiver::start(), arrived: HashMap::new() };
    let url = receiver.inner.url("/ok/bench");
    account.api.post("/v1/webhook-endpoints", &json!({ "url": url, "event_types": ["render.completed"] })).expect(201);
    let asset_id = ready_tone(&account, &project, "webhooks");
    let (mut webhook, mut polled) = (Vec::new(), Vec::new());
    for _ in 0..count {
        let body = json!({ "asset_id": asset_id, "output": { "format": "m4a" } });
        let render_id =
            account.api.post("/v1/renders", &body).expect(201).json()["id"].as_str().expect("id").to_owned();
        let ((seen, render), arrived) = std::thread::scope(|scope| {
            let polling = scope.spawn(|| by_polling(&account, &render_id));
            let arrived = receiver.arrival(&render_id);
            (polling.join().expect("polling"), arrived)
        });
        let completed_at = render["completed_at"].as_str().and_then(unix_ms).expect("completed_at");
        webhook.push(arrived - completed_at);
        polled.push(seen - completed_at);
        // gone, so that the same request makes a new render next time (renders are idempotent)
        account.api.delete(&format!("/v1/renders/{render_id}")).expect(204);
    }
    webhook.sort_unstable();
    polled.sort_unstable();
    assert!(!webhook.is_empty(), "no render was measured");
    println!("webhook latency: {count} m4a renders, from the render's completed_at to the client");
    print_comparison(("render.completed webhook", &webhook), ("polling every 250 ms", &polled), "renders");
}
