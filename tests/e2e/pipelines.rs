//! Pipelines through the real stack (seed 000): the quote, priced by the ledger's rules and signed;
//! pipelines created with it, holding its credits once each, run step by step to their outputs;
//! the token's rules, isolation, and a failed step retried in place.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::Test;
use crate::cuts::{transcribed_talk, wait_for};
use crate::processing::{ffmpeg, settled, sine};
use crate::renders::{container_work, long_1080p};
use roughcut_tests::client::Account;
use roughcut_tests::stack::{Stack, repo_root};

pub fn tests() -> Vec<Test> {
    vec![
        ("pipelines::estimates_price_the_input_once_and_check_every_step", estimates),
        ("pipelines::tokens_isolation_and_a_failed_step_retried_in_place", tokens_isolation_and_retries),
    ]
}

/// Tests that make the shared transcriber fail for a while (to keep an input unpaid), run alone.
pub fn exclusive_tests() -> Vec<Test> {
    vec![
        ("pipelines::concurrent_creates_hold_once_each_and_a_pipeline_runs_to_its_outputs", holds_and_a_run),
        (
            "pipelines::a_cancel_stops_the_render_in_flight_and_releases_everything",
            a_cancel_stops_the_render_in_flight_and_releases_everything,
        ),
        ("pipelines::an_event_stream_resumes_across_a_restart_with_no_gap_and_no_repeat", events_across_a_restart),
    ]
}

/// The pipeline once it has ended.
fn ended(account: &Account, id: &str) -> Value {
    let started = Instant::now();
    loop {
        let pipeline = account.api.get(&format!("/api/v1/pipelines/{id}")).expect(200).json();
        if matches!(pipeline["state"].as_str(), Some("COMPLETED" | "FAILED" | "CANCELLED")) {
            return pipeline;
        }
        assert!(started.elapsed() < Duration::from_secs(180), "pipeline {id} did not end in 180 s: {pipeline}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn ledger_of(account: &Account, pipeline_id: &str) -> Vec<(String, i64)> {
    let history = account.api.get("/v1/credits/history?limit=100").expect(200).json();
    let mut entries: Vec<(String, i64)> = history["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["pipeline_id"] == pipeline_id)
        .map(|e| (e["type"].as_str().unwrap_or_default().to_owned(), e["delta"].as_i64().unwrap_or(0)))
        .collect();
    entries.sort();
    entries
}

fn holds_and_a_run(stack: &Stack) {
    let (account, project) = stack.funded_account("pipelines-run", 5);
    let talk = transcribed_talk(stack);
    // the transcriber fails twice (retried after 5 s, then 20 s): the input stays unpaid meanwhile
    stack.transcriber.fail_next(2);
    let asset_id = account.upload_file(&project, &talk.video);
    let body = json!({
        "input_asset_id": asset_id,
        "steps": [
            { "processor_name": "cut", "config": {} },
            { "processor_name": "render", "config": { "output": { "format": "mp4" }, "cut": "previous" } },
        ],
    });
    let quote = wait_for("the input's duration", || {
        let reply = account.api.post("/api/v1/pipelines/estimate", &body);
        (reply.status == 200).then(|| reply.json())
    });
    assert_eq!(quote["credits"], 1, "a 10-s talk, unpaid: {quote}");
    let mut create = body.clone();
    create["pricing_token"] = quote["pricing_token"].clone();

    // twenty creates at once from one quote: five credits hold five pipelines, no more
    let replies: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let calls: Vec<_> = (0..20)
            .map(|_| {
                scope.spawn(|| {
                    let reply = account.api.post("/api/v1/pipelines", &create);
                    (reply.status, reply.json())
                })
            })
            .collect();
        calls.into_iter().map(|call| call.join().expect("a create")).collect()
    });
    let created: Vec<&Value> = replies.iter().filter(|(status, _)| *status == 201).map(|(_, body)| body).collect();
    let refused =
        replies.iter().filter(|(status, body)| *status == 402 && body["error"]["code"] == "insufficient_credits");
    assert_eq!((created.len(), refused.count()), (5, 15), "{replies:?}");
    assert!(created.iter().all(|p| p["state"] == "PENDING" && p["credits_reserved"] == 1));
    let balance = account.api.get("/v1/credits/balance").expect(200).json();
    assert_eq!(balance["available"], 0, "never below zero: {balance}");
    assert_eq!(balance["balance"].as_i64().unwrap_or(0) - balance["reserved"].as_i64().unwrap_or(0), 0);
    for pipeline in &created {
        let id = pipeline["id"].as_str().expect("id");
        let held = ledger_of(&account, id);
        assert!(held.contains(&("hold".to_owned(), -1)), "one hold each: {held:?}");
        assert_eq!(held.iter().filter(|(kind, _)| kind == "hold").count(), 1);
    }

    // each runs to its outputs; the input's charge is paid by one hold, the others released
    let mut consumed = 0;
    for pipeline in &created {
        let id = pipeline["id"].as_str().expect("id");
        let done = ended(&account, id);
        assert_eq!(done["state"], "COMPLETED", "{done}");
        assert_eq!(done["credits_reserved"], 0, "{done}");
        consumed += done["credits_consumed"].as_i64().unwrap_or(0);
        let held = ledger_of(&account, id);
        assert_eq!(held, [("hold".to_owned(), -1), ("release".to_owned(), 1)], "settled: {held:?}");
        let cut_step = &done["steps"][0];
        assert_eq!((cut_step["processor_name"].as_str(), cut_step["state"].as_str()), (Some("cut"), Some("COMPLETED")));
        let captions = cut_step["output_asset_id"].as_str().expect("the captions asset");
        let file = account.api.get(&format!("/api/v1/assets/{captions}")).expect(200).json();
        assert_eq!(file["type"], "CUT_FILE", "{file}");
        let render_step = &done["steps"][1];
        let render_id = render_step["render_id"].as_str().expect("a render");
        let render = account.api.get(&format!("/v1/renders/{render_id}")).expect(200).json();
        assert_eq!(
            (render["state"].as_str(), render["cut_id"].as_str()),
            (Some("completed"), cut_step["cut_id"].as_str())
        );
        let video = render_step["output_asset_id"].as_str().expect("the rendered asset");
        let file = account.api.get(&format!("/api/v1/assets/{video}")).expect(200).json();
        assert_eq!(file["type"], "RENDERED_VIDEO", "{file}");
        let url = file["download_url"].as_str().expect("a download URL");
        let (status, _, bytes) = stack.anonymous().send_for_bytes(ureq::http::Method::GET, url, &[]);
        assert_eq!(status, 200);
        assert_eq!(bytes.len() as u64, render["size_bytes"].as_u64().expect("size"), "the render's file");
    }
    assert_eq!(consumed, 1, "one hold paid the input's charge");
    let balance = account.api.get("/v1/credits/balance").expect(200).json();
    assert_eq!((balance["balance"].as_i64(), balance["reserved"].as_i64()), (Some(4), Some(0)), "{balance}");
    let listed = account.api.get("/api/v1/pipelines?limit=2").expect(200).json();
    assert_eq!((listed["total"].as_u64(), listed["items"].as_array().map(Vec::len)), (Some(5), Some(2)));
}

fn tokens_isolation_and_retries(stack: &Stack) {
    let (account, project) = stack.funded_account("pipelines-rules", 5);
    // ten seconds of nothing: its cut keeps nothing, so a render of it fails
    let file = ffmpeg("silence.m4a", &["-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "10", "-c:a", "aac"]);
    let asset_id = account.upload_file(&project, &file);
    let asset = settled(stack, &account, &asset_id, Duration::from_secs(90), false);
    assert_eq!(asset["state"], "ready", "{asset}");
    let body = cut_then_render(&asset_id, "m4a");
    let quote = account.api.post("/api/v1/pipelines/estimate", &body).expect(200).json();
    let token = quote["pricing_token"].as_str().expect("token").to_owned();

    // the token's rules
    let with_token = |body: &Value, token: &str| {
        let mut create = body.clone();
        create["pricing_token"] = json!(token);
        create
    };
    let refused = |create: Value| account.api.post("/api/v1/pipelines", &create).expect_error(422, "validation_error");
    let field = |error: Value| error["error"]["fields"][0]["field"].as_str().unwrap_or_default().to_owned();
    account.api.post("/api/v1/pipelines", &body).expect_error(422, "validation_error");
    assert_eq!(field(refused(with_token(&body, "pq1.1.0.00"))), "body.pricing_token", "forged");
    let tampered = token.replacen(".0.", ".1.", 1);
    assert_eq!(field(refused(with_token(&body, &tampered))), "body.pricing_token", "another price");
    assert_eq!(
        field(refused(with_token(&cut_then_render(&asset_id, "mp3"), &token))),
        "body.pricing_token",
        "another body"
    );
    let stranger = stack.new_account("pipelines-stranger");
    let foreign = stranger.api.post("/api/v1/pipelines", &with_token(&body, &token));
    assert_eq!(foreign.status, 422, "another account's token");

    // a run whose render step fails; retried in place, the cut step does not run again
    let pipeline = account.api.post("/api/v1/pipelines", &with_token(&body, &token)).expect(201).json();
    let id = pipeline["id"].as_str().expect("id").to_owned();
    let failed = ended(&account, &id);
    assert_eq!(failed["state"], "FAILED", "{failed}");
    let (cut_step, render_step) = (&failed["steps"][0], &failed["steps"][1]);
    assert_eq!(cut_step["state"], "COMPLETED", "{failed}");
    assert_eq!(render_step["state"], "FAILED", "{failed}");
    assert_eq!(render_step["error_code"], "validation_error", "{failed}");
    assert_eq!(failed["error_code"], "validation_error");
    let step_id = render_step["id"].as_str().expect("step id");
    let cut_step_id = cut_step["id"].as_str().expect("step id");
    account
        .api
        .post(&format!("/api/v1/pipelines/{id}/steps/{cut_step_id}/retry"), &json!({}))
        .expect_error(409, "conflict");
    let retried =
        account.api.post(&format!("/api/v1/pipelines/{id}/steps/{step_id}/retry"), &json!({})).expect(200).json();
    assert_eq!((retried["state"].as_str(), retried["steps"][1]["state"].as_str()), (Some("RUNNING"), Some("PENDING")));
    let again = ended(&account, &id);
    assert_eq!(again["steps"][0]["completed_at"], cut_step["completed_at"], "the cut step kept its run");
    assert_eq!(again["steps"][1]["state"], "FAILED", "it ran again, and failed the same way");
    let whole = account.api.post(&format!("/api/v1/pipelines/{id}/retry"), &json!({})).expect(200).json();
    assert_eq!((whole["state"].as_str(), whole["steps"][0]["state"].as_str()), (Some("PENDING"), Some("PENDING")));
    assert_eq!(ended(&account, &id)["state"], "FAILED");
    account.api.post(&format!("/api/v1/pipelines/{id}/cancel"), &json!({})).expect_error(409, "conflict");

    // isolation: another account sees none of it
    stranger.api.get(&format!("/api/v1/pipelines/{id}")).expect_error(404, "not_found");
    stranger.api.post(&format!("/api/v1/pipelines/{id}/cancel"), &json!({})).expect_error(404, "not_found");
    stranger.api.post(&format!("/api/v1/pipelines/{id}/retry"), &json!({})).expect_error(404, "not_found");
    assert_eq!(stranger.api.get("/api/v1/pipelines").expect(200).json()["total"], 0);
    assert_eq!(account.api.get("/api/v1/pipelines").expect(200).json()["total"], 1);
    // a paid input holds nothing
    assert!(ledger_of(&account, &id).is_empty());
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

fn a_cancel_stops_the_render_in_flight_and_releases_everything(stack: &Stack) {
    let (account, project) = stack.funded_account("pipelines-cancel", 30);
    let asset_id = account.upload_file(&project, &long_1080p());
    assert_eq!(crate::cuts::ready(&account, &asset_id)["state"], "ready");
    let before = account.api.get("/v1/credits/balance").expect(200).json();
    let body = json!({
        "input_asset_id": asset_id,
        "steps": [
            // a smaller tier, so that the picture is encoded rather than copied
            { "processor_name": "render", "config": { "output": { "format": "mp4", "resolution": "720p" }, "cut": "none" } },
            { "processor_name": "cut", "config": {} },
        ],
    });
    let quote = account.api.post("/api/v1/pipelines/estimate", &body).expect(200).json();
    let mut create = body.clone();
    create["pricing_token"] = quote["pricing_token"].clone();
    let pipeline = account.api.post("/api/v1/pipelines", &create).expect(201).json();
    let id = pipeline["id"].as_str().expect("id").to_owned();
    wait_for("the encode to start", || {
        let (dirs, encoders) = container_work(stack);
        (dirs > 0 && encoders > 0).then_some(Value::Null)
    });
    let cancelled_at = Instant::now();
    let cancelled = account.api.post(&format!("/api/v1/pipelines/{id}/cancel"), &json!({})).expect(200).json();
    assert_eq!(cancelled["state"], "CANCELLED", "{cancelled}");
    assert_eq!(cancelled["steps"][0]["error_code"], "cancelled", "{cancelled}");
    assert_eq!(cancelled["steps"][1]["state"], "PENDING", "nothing more runs");
    wait_for("the container to stop", || (container_work(stack) == (0, 0)).then_some(Value::Null));
    let stopped = cancelled_at.elapsed();
    assert!(stopped.as_secs_f64() <= 5.0, "the encode stopped {stopped:?} after the cancel");
    let render_id = cancelled["steps"][0]["render_id"].as_str().expect("its render");
    let render = account.api.get(&format!("/v1/renders/{render_id}")).expect(200).json();
    assert_eq!((render["state"].as_str(), render["error_code"].as_str()), (Some("failed"), Some("cancelled")));
    // nothing held, nothing more run, and a finished pipeline is not cancelled twice
    let after = account.api.get("/v1/credits/balance").expect(200).json();
    assert_eq!((after["reserved"].as_i64(), after["balance"].clone()), (Some(0), before["balance"].clone()));
    std::thread::sleep(Duration::from_secs(2));
    let still = account.api.get(&format!("/api/v1/pipelines/{id}")).expect(200).json();
    assert_eq!((still["state"].as_str(), still["steps"][1]["state"].as_str()), (Some("CANCELLED"), Some("PENDING")));
    assert_eq!(account.api.get(&format!("/v1/cuts?asset_id={asset_id}")).expect(200).json()["total"], 0);
    account.api.post(&format!("/api/v1/pipelines/{id}/cancel"), &json!({})).expect_error(409, "conflict");
}

/// A real SSE client (the `eventsource` package) reading the pipeline's events: what it printed
/// on stdout (events) and stderr (connections), line by line, as it goes.
struct SseClient {
    child: std::process::Child,
    events: std::sync::mpsc::Receiver<Value>,
    connections: std::sync::mpsc::Receiver<Value>,
}

impl SseClient {
    fn start(stack: &Stack, account: &Account, pipeline_id: &str) -> Self {
        use std::io::BufRead;
        let url = format!("{}/api/v1/pipelines/{pipeline_id}/events", stack.base_url);
        let mut child = std::process::Command::new("node")
            .arg(repo_root().join("tests/clients/sse-events.mjs"))
            .args([url.as_str(), account.key.as_str(), "150"])
            .current_dir(repo_root())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("node");
        let lines = |pipe: Box<dyn std::io::Read + Send>| {
            let (sender, receiver) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                    let value = serde_json::from_str(&line).unwrap_or(Value::String(line));
                    if sender.send(value).is_err() {
                        break;
                    }
                }
            });
            receiver
        };
        let events = lines(Box::new(child.stdout.take().expect("stdout")));
        let connections = lines(Box::new(child.stderr.take().expect("stderr")));
        Self { child, events, connections }
    }

    fn next_event(&self) -> Value {
        self.events.recv_timeout(Duration::from_secs(60)).expect("an event within 60 s")
    }

    /// Waits for the `n`-th connection to open.
    fn opened(&self, n: usize) {
        let mut opens = 0;
        while opens < n {
            let line = self.connections.recv_timeout(Duration::from_secs(60)).expect("the client connects");
            if line["open"] == true {
                opens += 1;
            }
        }
    }

    /// The events until the client exits after the pipeline's end.
    fn rest(mut self) -> Vec<Value> {
        let status = self.child.wait().expect("the client exits");
        assert!(status.success(), "the client ended after the pipeline's end: {status}");
        // its reader thread sends the last lines, then hangs up at the end of stdout
        self.events.iter().collect()
    }
}

fn ids(events: &[Value]) -> Vec<i64> {
    events.iter().map(|e| e["id"].as_str().and_then(|id| id.parse().ok()).expect("a numeric id")).collect()
}

fn events_across_a_restart(stack: &Stack) {
    let (account, project) = stack.funded_account("pipelines-sse", 5);
    let talk = transcribed_talk(stack);
    // the transcriber fails three times (retried after 5, 20 and 80 s): the input stays
    // processing, so the pipeline's cut step waits for it
    stack.transcriber.fail_next(3);
    let asset_id = account.upload_file(&project, &talk.video);
    let body = json!({ "input_asset_id": asset_id, "steps": [{ "processor_name": "cut", "config": {} }] });
    let quote = wait_for("the input's duration", || {
        let reply = account.api.post("/api/v1/pipelines/estimate", &body);
        (reply.status == 200).then(|| reply.json())
    });
    let mut create = body.clone();
    create["pricing_token"] = quote["pricing_token"].clone();
    let id = account.api.post("/api/v1/pipelines", &create).expect(201).json()["id"].as_str().expect("id").to_owned();

    let client = SseClient::start(stack, &account, &id);
    client.opened(1);
    let mut seen: Vec<Value> = (0..3).map(|_| client.next_event()).collect();
    let states: Vec<(&str, &str)> =
        seen.iter().map(|e| (e["event"].as_str().unwrap_or(""), e["state"].as_str().unwrap_or(""))).collect();
    assert_eq!(states, [("pipeline.state", "PENDING"), ("pipeline.state", "RUNNING"), ("step.state", "RUNNING")]);
    stack.restart_wrangler().expect("wrangler dev restarts");
    client.opened(1); // again, with Last-Event-ID
    let cancelled = account.api.post(&format!("/api/v1/pipelines/{id}/cancel"), &json!({})).expect(200).json();
    assert_eq!(cancelled["state"], "CANCELLED");
    seen.extend(client.rest());
    let states: Vec<&str> = seen.iter().map(|e| e["state"].as_str().unwrap_or("")).collect();
    assert_eq!(states, ["PENDING", "RUNNING", "RUNNING", "FAILED", "CANCELLED"], "{seen:?}");
    let received = ids(&seen);
    assert!(received.windows(2).all(|w| w[0] < w[1]), "increasing, no repeat: {received:?}");

    // the whole log, read afresh, is what the client saw across the restart: no gap
    let replay = SseClient::start(stack, &account, &id).rest();
    assert_eq!(ids(&replay), received);
    // a client that has seen the end is told there is no more (and an EventSource stops)
    let last = received.last().expect("events").to_string();
    let (status, _, _) = account.api.send_for_bytes(
        ureq::http::Method::GET,
        &format!("/api/v1/pipelines/{id}/events"),
        &[("last-event-id", last.as_str())],
    );
    assert_eq!(status, 204);
    let stranger = stack.new_account("pipelines-sse-stranger");
    stranger.api.get(&format!("/api/v1/pipelines/{id}/events")).expect_error(404, "not_found");
    stack.transcriber.fail_next(0);
}
