//! Cross-cutting HTTP behaviour: routing, the error envelope, body and query parsing, docs.

use serde_json::json;
use ureq::http::Method;

use crate::Test;
use roughcut_tests::client::Reply;
use roughcut_tests::stack::{Stack, repo_root};

pub fn tests() -> Vec<Test> {
    vec![
        ("protocol::unknown_routes_are_404_envelopes", unknown_routes_are_404_envelopes),
        ("protocol::wrong_methods_are_405_with_allow", wrong_methods_are_405_with_allow),
        ("protocol::malformed_json_is_400", malformed_json_is_400),
        ("protocol::non_json_bodies_are_415", non_json_bodies_are_415),
        ("protocol::oversized_bodies_are_413", oversized_bodies_are_413),
        ("protocol::invalid_bodies_are_422_with_fields", invalid_bodies_are_422_with_fields),
        ("protocol::missing_fields_are_named", missing_fields_are_named),
        ("protocol::bad_query_values_are_400", bad_query_values_are_400),
        ("protocol::every_response_has_a_request_id", every_response_has_a_request_id),
        ("protocol::keys_are_never_cached_and_downloads_never_run", keys_are_never_cached_and_downloads_never_run),
        (
            "protocol::browsers_on_other_origins_call_the_api_and_upload",
            browsers_on_other_origins_call_the_api_and_upload,
        ),
        ("protocol::head_answers_like_get_without_a_body", head_answers_like_get_without_a_body),
        ("protocol::openapi_is_public_and_complete", openapi_is_public_and_complete),
        ("protocol::media_container_is_up_and_runs_only_signed_jobs", media_container_is_up),
        (
            "protocol::a_post_with_an_idempotency_key_runs_once_whatever_the_replays",
            a_post_with_an_idempotency_key_runs_once,
        ),
    ]
}

/// Tests that spend the budget of the stack's one client address, or must send requests faster
/// than a loaded machine allows beside other tests, run alone.
pub fn exclusive_tests() -> Vec<Test> {
    vec![
        ("protocol::anonymous_callers_over_their_rate_are_429", anonymous_callers_over_their_rate_are_429),
        ("protocol::a_key_over_its_rate_is_429_and_others_go_on", a_key_over_its_rate_is_429_and_others_go_on),
    ]
}

/// Sends requests from 16 threads until one is limited (429) or `most` were sent: a limit counts
/// requests per 10-s window, and how many a window sees depends on the machine's speed. The
/// statuses, and the first 429's reply.
fn burst(most: usize, request: impl Fn() -> Reply + Sync) -> (Vec<u16>, Option<Reply>) {
    let limited = std::sync::atomic::AtomicBool::new(false);
    let replies: Vec<Reply> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..16)
            .map(|worker| {
                let (request, limited) = (&request, &limited);
                scope.spawn(move || {
                    let mut replies = Vec::new();
                    for _ in (worker..most).step_by(16) {
                        if limited.load(std::sync::atomic::Ordering::Relaxed) {
                            break;
                        }
                        let reply = request();
                        if reply.status == 429 {
                            limited.store(true, std::sync::atomic::Ordering::Relaxed);
                        }
                        replies.push(reply);
                    }
                    replies
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let statuses = replies.iter().map(|r| r.status).collect();
    (statuses, replies.into_iter().find(|r| r.status == 429))
}

fn assert_limited(statuses: &[u16], limited: Option<Reply>, what: &str) {
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(refused > 0, "{what}: none of {} requests was limited", statuses.len());
    let limited = limited.expect("a 429");
    assert_eq!(limited.header("retry-after"), Some("10"), "{what}");
    assert!(limited.header("request-id").is_some());
    assert_eq!(limited.json()["error"]["code"], "rate_limited", "{what}");
}

/// wrangler.toml allows a key 1,000 requests per 10 s: more are refused with 429 and Retry-After,
/// while another key goes on.
fn a_key_over_its_rate_is_429_and_others_go_on(stack: &Stack) {
    let busy = stack.new_account("busy key");
    let (statuses, limited) = burst(10_000, || busy.api.get("/v1/credits/balance"));
    let served = statuses.iter().filter(|s| **s == 200).count();
    assert!(served >= 1_000, "a key may send 1,000 requests per window; {served} were served before the 429");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 429), "{statuses:?}");
    assert_limited(&statuses, limited, "one key");
    stack.new_account("calm key").api.get("/v1/credits/balance").expect(200);
}

/// Requests without a key spend their client address's budget: 300 per 10 s. So do requests
/// with keys this isolate has not verified (each costs a D1 read). The budget is spent for the
/// next 10 s when it ends, so it waits them out.
fn anonymous_callers_over_their_rate_are_429(stack: &Stack) {
    let anonymous = stack.anonymous();
    let (statuses, limited) = burst(5_000, || anonymous.get("/v1/nope"));
    assert!(statuses.iter().all(|s| *s == 404 || *s == 429), "{statuses:?}");
    assert_limited(&statuses, limited, "one address");
    // the window passes
    std::thread::sleep(std::time::Duration::from_secs(11));
    anonymous.get("/v1/nope").expect_error(404, "not_found");
    // keys nobody verified cost a D1 read each: made-up ones spend the address's budget too,
    // so they are limited like requests without a key rather than each getting a budget
    std::thread::sleep(std::time::Duration::from_secs(11));
    let guesses = std::sync::atomic::AtomicU64::new(0);
    let (statuses, limited) = burst(5_000, || {
        let guess = guesses.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let key = format!("sk_{guess:048x}");
        anonymous.send_with(
            Method::GET,
            "/v1/credits/balance",
            &[("authorization", &format!("Bearer {key}"))],
            Vec::new(),
        )
    });
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
    assert_limited(&statuses, limited, "made-up keys from one address");
    std::thread::sleep(std::time::Duration::from_secs(11));
}

fn unknown_routes_are_404_envelopes(stack: &Stack) {
    let account = stack.new_account("routes");
    // `/` is the app (tests/e2e/app.rs)
    for path in ["/v1/nope", "/v1/projects/", "/v2/projects", "/nope.html"] {
        account.api.get(path).expect_error(404, "not_found");
        stack.anonymous().get(path).expect_error(404, "not_found");
    }
}

fn wrong_methods_are_405_with_allow(stack: &Stack) {
    let account = stack.new_account("methods");
    let reply = account.api.send(Method::PUT, "/v1/projects", Some("application/json"), b"{}".to_vec());
    assert_eq!(reply.header("allow"), Some("POST, GET"));
    reply.expect_error(405, "method_not_allowed");
}

fn malformed_json_is_400(stack: &Stack) {
    let account = stack.new_account("json");
    for body in [&b"{"[..], b"{\"name\": }", b"[1,2", b"{\"name\":\"a\"} trailing"] {
        account
            .api
            .send(Method::POST, "/v1/projects", Some("application/json"), body.to_vec())
            .expect_error(400, "bad_request");
    }
}

fn non_json_bodies_are_415(stack: &Stack) {
    let account = stack.new_account("media type");
    account
        .api
        .send(Method::POST, "/v1/projects", Some("text/plain"), b"name=x".to_vec())
        .expect_error(415, "unsupported_media_type");
    account
        .api
        .send(Method::POST, "/v1/projects", None, b"{\"name\":\"x\"}".to_vec())
        .expect_error(415, "unsupported_media_type");
}

fn oversized_bodies_are_413(stack: &Stack) {
    let account = stack.new_account("big");
    let mut body = b"{\"name\":\"".to_vec();
    body.resize(2 * 1024 * 1024, b'a');
    body.extend_from_slice(b"\"}");
    account
        .api
        .send(Method::POST, "/v1/projects", Some("application/json"), body)
        .expect_error(413, "payload_too_large");
    // nothing was created by the refused request
    assert_eq!(account.api.get("/v1/projects").expect(200).json()["total"], 0);
}

fn invalid_bodies_are_422_with_fields(stack: &Stack) {
    let account = stack.new_account("validation");
    let cases = [
        (json!({}), "body.name"),
        (json!({ "name": 42 }), "body.name"),
        (json!({ "name": "   " }), "body.name"),
        (json!({ "name": "x".repeat(201) }), "body.name"),
        (json!({ "name": "ok", "colour": "red" }), "body.colour"),
    ];
    for (body, field) in cases {
        let error = account.api.post("/v1/projects", &body).expect_error(422, "validation_error");
        assert_eq!(error["error"]["fields"][0]["field"], field, "{body}");
    }
}

/// A missing field is named itself, nested ones with their path, on every body.
fn missing_fields_are_named(stack: &Stack) {
    let (account, project) = stack.funded_account("missing fields", 1);
    let cases = [
        ("/v1/assets", json!({}), "body.project_id"),
        ("/v1/assets", json!({ "project_id": project }), "body.size_bytes"),
        ("/v1/api-keys", json!({}), "body.name"),
        ("/v1/cuts", json!({}), "body.asset_id"),
        ("/v1/renders", json!({ "asset_id": "ast_x" }), "body.output"),
        ("/v1/renders", json!({ "asset_id": "ast_x", "output": {} }), "body.output.format"),
    ];
    for (path, body, field) in cases {
        let error = account.api.post(path, &body).expect_error(422, "validation_error");
        assert_eq!(error["error"]["fields"][0]["field"], field, "{path} {body}");
    }
}

fn bad_query_values_are_400(stack: &Stack) {
    let account = stack.new_account("query");
    for query in ["limit=0", "limit=101", "limit=abc", "offset=-1", "state=bogus", "colour=red"] {
        account.api.get(&format!("/v1/projects?{query}")).expect_error(400, "bad_request");
    }
    account.api.get("/v1/projects?limit=100&offset=0&state=archived").expect(200);
}

fn every_response_has_a_request_id(stack: &Stack) {
    let (account, project) = stack.funded_account("request ids", 1);
    let ok = account.api.get("/v1/credits/balance").expect(200);
    let missing = stack.anonymous().get("/v1/nope");
    let body = json!({ "project_id": project, "size_bytes": 3_000, "filename": "a.wav" });
    let upload_url = account.api.post("/v1/assets", &body).expect(201).header("location").expect("Location").to_owned();
    let tus_head = account.api.send_with(Method::HEAD, &upload_url, &[("tus-resumable", "1.0.0")], Vec::new());
    let tus_missing =
        account.api.send_with(Method::HEAD, "/v1/uploads/upl_nope", &[("tus-resumable", "1.0.0")], Vec::new());
    for reply in [ok, missing, tus_head.expect(200), tus_missing] {
        assert!(reply.header("request-id").is_some_and(|id| id.starts_with("req_")), "{:?}", reply.headers);
    }
    // the signed paths: a tampered download, a job link nobody signed, a browser's preflight
    let anonymous = stack.anonymous();
    let preflight = [("origin", "http://127.0.0.1:9"), ("access-control-request-method", "POST")];
    for (method, path, headers, status) in [
        (Method::GET, "/v1/files/assets/ast_x/source?exp=1&sig=00", &[][..], 403),
        (Method::POST, "/internal/jobs/job_x/result?attempt=1&exp=1&sig=00", &[][..], 403),
        (Method::OPTIONS, "/v1/projects", &preflight[..], 204),
    ] {
        let (got, headers, _) = anonymous.send_for_bytes(method.clone(), path, headers);
        assert_eq!(got, status, "{method} {path}");
        let id = headers.get("request-id").and_then(|v| v.to_str().ok());
        assert!(id.is_some_and(|id| id.starts_with("req_")), "{method} {path}: {headers:?}");
    }
    let (_, headers, _) = anonymous.send_for_bytes(Method::OPTIONS, "/v1/projects", &preflight);
    let allowed: Vec<_> = headers.get_all("access-control-allow-origin").iter().collect();
    assert_eq!(allowed, ["http://127.0.0.1:9"], "one origin, the caller's");
}

/// A key's plaintext is never kept by a cache, and a download is never something a browser runs:
/// a recording declared `text/html` is served as bytes to save.
fn keys_are_never_cached_and_downloads_never_run(stack: &Stack) {
    let (account, project) = stack.funded_account("headers", 2);
    let key = account.api.post("/v1/api-keys", &json!({ "name": "ci" })).expect(201);
    assert_eq!(key.header("cache-control"), Some("no-store"));
    let admin = stack.admin().post("/admin/v1/accounts", &json!({ "name": "cached?" })).expect(201);
    assert_eq!(admin.header("cache-control"), Some("no-store"));

    let wav = std::env::temp_dir().join(format!("roughcut-e2e-{}-html.wav", std::process::id()));
    let status = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=duration=1"])
        .arg(&wav)
        .status()
        .expect("ffmpeg");
    assert!(status.success());
    let bytes = std::fs::read(&wav).expect("wav");
    let body = json!({ "project_id": project, "size_bytes": bytes.len(), "filename": "page.html", "content_type": "text/html" });
    let created = account.api.post("/v1/assets", &body).expect(201);
    let url = created.header("location").expect("Location").to_owned();
    let id = created.json()["id"].as_str().expect("id").to_owned();
    let headers =
        [("tus-resumable", "1.0.0"), ("upload-offset", "0"), ("content-type", "application/offset+octet-stream")];
    account.api.send_with(Method::PATCH, &url, &headers, bytes).expect(204);
    let download = account.api.get(&format!("/v1/assets/{id}")).expect(200).json()["download_url"].clone();
    let download = download.as_str().expect("a download URL once the bytes are stored");
    let (status, headers, _) = stack.anonymous().send_for_bytes(Method::GET, download, &[]);
    assert_eq!(status, 200);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(header("content-type").as_deref(), Some("application/octet-stream"), "never served as text/html");
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    assert!(header("content-disposition").is_some_and(|d| d.starts_with("attachment")));
    assert!(header("request-id").is_some_and(|id| id.starts_with("req_")));
}

/// A page on another origin, in headless Chromium: reads, a preflighted create, and a TUS upload
/// with tus-js-client's browser build (which reads `Location` and `Upload-Offset`).
fn browsers_on_other_origins_call_the_api_and_upload(stack: &Stack) {
    let (account, project) = stack.funded_account("cors", 2);
    let wav = std::env::temp_dir().join(format!("roughcut-e2e-{}-cors.wav", std::process::id()));
    let status = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=duration=2"])
        .arg(&wav)
        .status()
        .expect("ffmpeg");
    assert!(status.success());
    let size = std::fs::metadata(&wav).expect("wav").len();
    let output = std::process::Command::new("node")
        .arg(repo_root().join("tests/clients/cors-browser.mjs"))
        .args([&stack.base_url, &account.key, &project, &wav.to_string_lossy().into_owned()])
        .current_dir(repo_root())
        .output()
        .expect("node");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let seen: serde_json::Value = serde_json::from_slice(&output.stdout).expect("the page's JSON");
    assert!(seen["error"].is_null(), "{seen}");
    assert_ne!(seen["origin"].as_str(), Some(stack.base_url.as_str()), "another origin");
    assert_eq!(seen["list"]["status"], 200, "{seen}");
    assert!(seen["list"]["requestId"].as_str().is_some_and(|id| id.starts_with("req_")), "{seen}");
    assert_eq!(seen["create"]["status"], 201, "{seen}");
    assert!(seen["create"]["location"].as_str().is_some_and(|l| l.contains("/v1/uploads/")), "{seen}");
    assert_eq!((seen["head"]["offset"].as_str(), seen["head"]["tusResumable"].as_str()), (Some("0"), Some("1.0.0")));
    assert_eq!(seen["head"]["length"].as_str(), Some(size.to_string().as_str()));
    assert_eq!(seen["uploaded"], true, "{seen}");
    let asset =
        account.api.get(&format!("/v1/assets/{}", seen["create"]["id"].as_str().unwrap_or(""))).expect(200).json();
    assert_ne!(asset["state"], "pending_upload", "{asset}");
}

fn head_answers_like_get_without_a_body(stack: &Stack) {
    let account = stack.new_account("head");
    let reply = account.api.send(Method::HEAD, "/v1/credits/balance", None, Vec::new()).expect(200);
    assert!(reply.body.is_empty());
}

fn openapi_is_public_and_complete(stack: &Stack) {
    let doc = stack.anonymous().get("/v1/openapi.json").expect(200).json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")));
    for path in [
        "/v1/projects",
        "/v1/projects/{id}",
        "/v1/api-keys",
        "/api/v1/api-keys",
        "/v1/credits/balance",
        "/v1/credits/history",
        "/admin/v1/accounts",
        "/v1/assets",
        "/api/v1/assets/{id}",
        "/v1/uploads/{id}",
        "/api/v1/assets/upload-resumable",
        "/v1/files/{key}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert!(doc["paths"]["/v1/uploads/{id}"]["patch"]["security"].to_string().contains("api_key"));
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    // and it is valid OpenAPI 3.1 to a real validator
    let python = std::env::var("TEST_PYTHON").expect("TEST_PYTHON (scripts/env.sh)");
    let mut child = std::process::Command::new(python)
        .args(["-c", "import json, sys; from openapi_spec_validator import validate; validate(json.load(sys.stdin))"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), doc.to_string().as_bytes()).expect("write");
    let output = child.wait_with_output().expect("validator");
    assert!(output.status.success(), "invalid OpenAPI: {}", String::from_utf8_lossy(&output.stderr));
}

fn media_container_is_up(stack: &Stack) {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let mut reply = agent.get(format!("{}/health", stack.media_url)).call().expect("media container answers");
    assert_eq!(reply.status(), 200);
    let body: serde_json::Value =
        serde_json::from_str(&reply.body_mut().read_to_string().expect("body")).expect("json");
    assert_eq!(body["status"], "ok");
    // it runs only the worker's signed jobs, so a job posted by anyone else is refused unread
    let forged = serde_json::json!({ "job_id": "job_forged", "attempt": 1 }).to_string();
    let reply = agent.post(format!("{}/jobs", stack.media_url)).content_type("application/json").send(forged);
    assert_eq!(reply.expect("media container answers").status(), 401);
}

/// API.md: a replay with the same key, account and body within 24 h returns the first response;
/// the same key with another body is 422; racing replays run the request once.
fn a_post_with_an_idempotency_key_runs_once(stack: &Stack) {
    let account = stack.new_account("idempotency");
    let post = |key: &str, name: &str| {
        let body = serde_json::to_vec(&json!({ "name": name })).expect("JSON");
        let headers = [("content-type", "application/json"), ("idempotency-key", key)];
        account.api.send_with(Method::POST, "/v1/projects", &headers, body)
    };
    let projects = || account.api.get("/v1/projects?limit=100").expect(200).json()["total"].as_u64();
    let before = projects();
    let first = post("launch-1", "Launch").expect(201);
    let replay = post("launch-1", "Launch").expect(201);
    assert_eq!(replay.json()["id"], first.json()["id"]);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.header("location"), first.header("location"));
    assert!(replay.header("request-id").is_some_and(|id| Some(id) != first.header("request-id")), "its own request id");
    let refused = post("launch-1", "Other").expect_error(422, "validation_error");
    assert_eq!(refused["error"]["fields"][0]["field"], "header.idempotency-key");
    assert_eq!(projects(), before.map(|n| n + 1), "one project for the three requests");

    // another account's key of the same name is its own
    let stranger = stack.new_account("idempotency-stranger");
    let body = serde_json::to_vec(&json!({ "name": "Launch" })).expect("JSON");
    let headers = [("content-type", "application/json"), ("idempotency-key", "launch-1")];
    let theirs = stranger.api.send_with(Method::POST, "/v1/projects", &headers, body).expect(201);
    assert_ne!(theirs.json()["id"], first.json()["id"]);

    // eight racing requests with one key: one project; the others replay it or are told to retry
    let statuses: Vec<(u16, Option<String>)> = std::thread::scope(|scope| {
        let racers: Vec<_> = (0..8).map(|_| scope.spawn(|| post("race-1", "Race"))).collect();
        racers
            .into_iter()
            .map(|racer| {
                let reply = racer.join().expect("a racer");
                (reply.status, reply.json()["id"].as_str().map(str::to_owned))
            })
            .collect()
    });
    let ids: std::collections::BTreeSet<&String> = statuses.iter().filter_map(|(_, id)| id.as_ref()).collect();
    assert_eq!(ids.len(), 1, "one project made: {statuses:?}");
    assert!(statuses.iter().all(|(status, _)| *status == 201 || *status == 409), "{statuses:?}");
    assert_eq!(projects(), before.map(|n| n + 2));
    let malformed = post("", "Launch");
    assert_eq!(malformed.status, 400, "an empty key is refused");
}
