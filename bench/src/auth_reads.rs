//! `make bench`: authenticated reads on the local stack (`wrangler dev`, local D1) against a route
//! that does no I/O (an unknown path: 404 before any key is looked up), side by side in one run.
//! Ten keep-alive clients, each with a key of its own, send a run of requests to one route; the
//! routes take turns, twice over, and each keeps its better turn. Prints requests per second and
//! p99 for each, and each authenticated route's throughput as a ratio to the no-I/O route's
//! (target: at least 0.5). `BENCH_AUTH_REQUESTS` sets the requests per client and turn (default
//! 800: under a key's rate limit of 1,000 per 10 s, with fresh keys every turn).

use std::time::{Duration, Instant};

use roughcut_tests::client::Account;
use roughcut_tests::stack::Stack;
use serde_json::json;

const CLIENTS: usize = 10;
const TURNS: usize = 2;
const ROUTES: [&str; 5] =
    ["/v1/nope", "/v1/credits/balance", "/v1/projects?limit=20", "/v1/assets?limit=20", "/v1/cuts?limit=20"];

#[derive(Debug, Clone, Copy)]
struct Measured {
    requests_per_second: f64,
    p99_ms: f64,
}

/// Accounts with a project each, so that the lists have a row to read.
fn fresh_keys(stack: &Stack, turn: usize) -> Vec<Account> {
    (0..CLIENTS)
        .map(|client| {
            let account = stack.new_account(&format!("bench reads {turn}-{client}"));
            account.api.post("/v1/projects", &json!({ "name": "bench" })).expect(201);
            account
        })
        .collect()
}

/// `requests` GETs of `path` from each client at once, every one answered `expected`.
fn measure(stack: &Stack, path: &str, keys: &[Account], requests: usize) -> Measured {
    let url = format!("{}{path}", stack.base_url);
    let expected = if path == ROUTES[0] { 404 } else { 200 };
    let started = Instant::now();
    let mut latencies: Vec<Duration> = std::thread::scope(|scope| {
        let clients: Vec<_> = keys
            .iter()
            .map(|account| {
                let url = &url;
                scope.spawn(move || {
                    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                    let bearer = format!("Bearer {}", account.key);
                    (0..requests)
                        .map(|_| {
                            let sent = Instant::now();
                            let mut response =
                                agent.get(url).header("authorization", &bearer).call().expect("the stack answers");
                            let _ = response.body_mut().read_to_vec();
                            assert_eq!(response.status().as_u16(), expected, "{url}");
                            sent.elapsed()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        clients.into_iter().flat_map(|client| client.join().expect("client")).collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let p99 = latencies[(latencies.len() * 99 / 100).min(latencies.len() - 1)];
    Measured { requests_per_second: latencies.len() as f64 / elapsed, p99_ms: p99.as_secs_f64() * 1000.0 }
}

fn main() {
    let requests: usize = std::env::var("BENCH_AUTH_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(800);
    let stack = Stack::start().unwrap_or_else(|e| panic!("the local stack: {e}"));
    let mut best: Vec<Option<Measured>> = vec![None; ROUTES.len()];
    for turn in 0..TURNS {
        for (index, path) in ROUTES.iter().enumerate() {
            let keys = fresh_keys(&stack, turn * ROUTES.len() + index);
            let measured = measure(&stack, path, &keys, requests);
            if best[index].is_none_or(|b| measured.requests_per_second > b.requests_per_second) {
                best[index] = Some(measured);
            }
        }
    }
    let best: Vec<Measured> = best.into_iter().map(|m| m.expect("measured")).collect();
    let baseline = best[0].requests_per_second;
    println!("authenticated reads, {CLIENTS} keep-alive clients x {requests} requests, best of {TURNS} turns");
    println!("| route | req/s | p99 | ratio to no I/O |");
    println!("|---|---|---|---|");
    for (path, measured) in ROUTES.iter().zip(&best) {
        let label = if *path == ROUTES[0] { "a 404 route (no I/O)".to_owned() } else { format!("`GET {path}`") };
        println!(
            "| {label} | {:.0} | {:.0} ms | {:.2}x |",
            measured.requests_per_second,
            measured.p99_ms,
            measured.requests_per_second / baseline
        );
    }
    let worst = best[1..].iter().map(|m| m.requests_per_second / baseline).fold(f64::INFINITY, f64::min);
    println!("lowest ratio: {worst:.2}x (target >= 0.5x)");
}
