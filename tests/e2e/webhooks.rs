//! Webhooks through the real stack, received by a real HTTP server (tests/clients/
//! webhook-receiver.mjs) and verified with the published Standard Webhooks library (npm
//! `standardwebhooks`, through tests/clients/webhook-verify.mjs), never with our own HMAC code:
//! endpoints and their rules (validation, the URLs refused as SSRF, isolation); a real cut and
//! render delivered to the endpoints subscribed to them and to no other; retries after a 503 with
//! `Retry-After`, the retry schedule of a failing endpoint, a 410 that disables its endpoint, both
//! secrets signing after a rotation, and a redelivery.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use roughcut_tests::client::Account;
use roughcut_tests::stack::{Stack, repo_root};
use roughcut_tests::webhooks::{self, WebhookReceiver};

use crate::Test;
use crate::cuts::{completed, ready, transcribed_talk, wait_for};
use crate::renders::rendered;

pub fn tests() -> Vec<Test> {
    vec![
        ("webhooks::endpoints_are_created_listed_patched_and_deleted", endpoints),
        ("webhooks::invalid_and_unsafe_endpoints_are_refused_field_by_field", refusals),
        ("webhooks::another_accounts_endpoints_and_deliveries_are_not_found", isolation),
        ("webhooks::a_real_cut_and_render_reach_their_subscribers_signed_and_nothing_else", a_cut_and_a_render),
        ("webhooks::a_503_with_retry_after_is_retried_soon_with_the_same_event_id", retried_after_503),
        ("webhooks::a_failing_endpoint_is_retried_on_the_schedule", retried_on_the_schedule),
        ("webhooks::a_410_disables_the_endpoint_at_once", gone_disables),
        ("webhooks::after_a_rotation_the_old_and_the_new_secret_both_sign", rotation),
        ("webhooks::a_redelivery_sends_the_same_event_again", redelivery),
    ]
}

/// Every event type an endpoint may subscribe to (API.md).
const EVENT_TYPES: [&str; 10] = [
    "asset.ready",
    "asset.pending_payment",
    "asset.failed",
    "cut.completed",
    "cut.failed",
    "render.completed",
    "render.failed",
    "render.cancelled",
    "pipeline.completed",
    "pipeline.failed",
];

/// How long a delivery may take to reach the receiver: the local queue delivers within seconds.
const PROMPTLY: Duration = Duration::from_secs(30);

/// The receiver of one test and the requests it has reported so far.
struct Receiver {
    inner: WebhookReceiver,
    requests: Vec<Value>,
}

impl Receiver {
    fn start() -> Self {
        Self { inner: WebhookReceiver::start(), requests: Vec::new() }
    }

    fn url(&self, path: &str) -> String {
        self.inner.url(path)
    }

    /// Takes one reported request, waiting until `deadline`; false when none came by then.
    fn take(&mut self, deadline: Instant) -> bool {
        self.inner.next_before(deadline).map(|request| self.requests.push(request)).is_some()
    }

    /// Every request so far, once `done` holds for them; panics after `patience`.
    #[track_caller]
    fn until(&mut self, what: &str, patience: Duration, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + patience;
        while !done(&self.requests) {
            assert!(self.take(deadline), "{what}: not received in {patience:?}; received: {:#?}", self.requests);
        }
        self.requests.clone()
    }

    /// Every request so far, after waiting `quiet` for any more.
    fn after(&mut self, quiet: Duration) -> Vec<Value> {
        let deadline = Instant::now() + quiet;
        while self.take(deadline) {}
        self.requests.clone()
    }
}

/// A header of a received request (names are lower-case).
fn header<'a>(request: &'a Value, name: &str) -> &'a str {
    request["headers"][name].as_str().unwrap_or_default()
}

/// The received body, parsed.
fn body_of(request: &Value) -> Value {
    let body = request["body"].as_str().unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("the body is not JSON ({e}): {body:?}"))
}

fn type_of(request: &Value) -> String {
    body_of(request)["type"].as_str().unwrap_or_default().to_owned()
}

/// The requests that arrived on `path`.
fn on(requests: &[Value], path: &str) -> Vec<Value> {
    requests.iter().filter(|r| r["path"] == path).cloned().collect()
}

/// Verifies a received request with the `standardwebhooks` package: its payload, or the
/// library's reason for refusing it.
fn verify(secret: &str, request: &Value) -> Result<Value, String> {
    let input = json!({ "secret": secret, "body": request["body"], "headers": request["headers"] });
    let mut child = Command::new("node")
        .arg(repo_root().join("tests/clients/webhook-verify.mjs"))
        .current_dir(repo_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node");
    child.stdin.take().expect("stdin").write_all(input.to_string().as_bytes()).expect("webhook-verify.mjs's stdin");
    let output = child.wait_with_output().expect("webhook-verify.mjs");
    assert!(output.status.success(), "webhook-verify.mjs: {}", String::from_utf8_lossy(&output.stderr));
    let answer: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("webhook-verify.mjs ({e}): {}", String::from_utf8_lossy(&output.stdout)));
    if answer["ok"] == true {
        Ok(answer["payload"].clone())
    } else {
        Err(answer["error"].as_str().unwrap_or("no reason").to_owned())
    }
}

/// A delivered request as the contract has it: a JSON POST of exactly `type` and `data`, signed
/// (the library agrees) with `secret`, the Standard Webhooks headers repeated under `svix-*`, a
/// fresh timestamp. Its payload.
#[track_caller]
fn assert_signed(request: &Value, secret: &str) -> Value {
    assert_eq!(request["method"], "POST", "{request}");
    assert!(header(request, "content-type").starts_with("application/json"), "{request}");
    assert_eq!(header(request, "user-agent"), "roughcut-webhooks/1", "{request}");
    for name in ["id", "timestamp", "signature"] {
        let value = header(request, &format!("webhook-{name}"));
        assert!(!value.is_empty(), "no webhook-{name}: {request}");
        assert_eq!(header(request, &format!("svix-{name}")), value, "svix-{name} = webhook-{name}: {request}");
    }
    assert!(header(request, "webhook-id").starts_with("evt_"), "the event's id: {request}");
    let timestamp: i64 = header(request, "webhook-timestamp").parse().expect("unix seconds");
    let received = request["received_at_ms"].as_i64().expect("received_at_ms") / 1000;
    assert!((timestamp - received).abs() <= 30, "stamped {timestamp}, received at {received}: {request}");
    let payload = verify(secret, request).unwrap_or_else(|e| panic!("standardwebhooks refused it ({e}): {request}"));
    let body = body_of(request);
    assert_eq!(payload, body);
    let keys: Vec<&String> = body.as_object().expect("an object").keys().collect();
    assert_eq!(keys.len(), 2, "exactly type and data: {body}");
    assert!(body["type"].is_string() && body["data"].is_object(), "exactly type and data: {body}");
    payload
}

/// Unix milliseconds of one of the API's times.
#[track_caller]
fn unix_ms(rfc3339: &str) -> i64 {
    webhooks::unix_ms(rfc3339).unwrap_or_else(|| panic!("not RFC 3339 UTC: {rfc3339:?}"))
}

/// How long after its attempt was sent a failed delivery's next attempt is due.
fn retry_delay(delivery: &Value) -> Duration {
    let sent = unix_ms(delivery["sent_at"].as_str().unwrap_or_else(|| panic!("sent: {delivery}")));
    let next = unix_ms(delivery["next_retry_at"].as_str().unwrap_or_else(|| panic!("a retry due: {delivery}")));
    Duration::from_millis(u64::try_from(next - sent).unwrap_or_else(|_| panic!("due before sent: {delivery}")))
}

/// `whsec_` and the base64 of a key of at least 24 bytes; the secret.
#[track_caller]
fn assert_secret(value: &Value) -> String {
    let secret = value.as_str().unwrap_or_else(|| panic!("no secret: {value}"));
    let encoded = secret.strip_prefix("whsec_").unwrap_or_else(|| panic!("not whsec_…: {secret}"));
    let key = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap_or_else(|e| panic!("not base64 after whsec_ ({e}): {secret}"));
    assert!(key.len() >= 24, "a key of {} bytes: {secret}", key.len());
    secret.to_owned()
}

fn create_endpoint(account: &Account, url: &str, event_types: &[&str]) -> Value {
    account.api.post("/v1/webhook-endpoints", &json!({ "url": url, "event_types": event_types })).expect(201).json()
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap_or_else(|| panic!("no id: {value}")).to_owned()
}

/// `POST /test`: the delivery of a `webhook.test` event, made at once.
#[track_caller]
fn send_test(account: &Account, endpoint_id: &str) -> Value {
    let delivery =
        account.api.post(&format!("/v1/webhook-endpoints/{endpoint_id}/test"), &json!({})).expect(202).json();
    assert_delivery(&delivery, endpoint_id, "webhook.test", 1);
    delivery
}

/// A delivery object's shape: one attempt of one event to one endpoint.
#[track_caller]
fn assert_delivery(delivery: &Value, endpoint_id: &str, event_type: &str, attempt: u64) {
    assert!(delivery["id"].as_str().is_some_and(|id| id.starts_with("whd_")), "{delivery}");
    assert_eq!(delivery["endpoint_id"], endpoint_id, "{delivery}");
    assert!(delivery["event_id"].as_str().is_some_and(|id| id.starts_with("evt_")), "{delivery}");
    assert_eq!(delivery["type"], event_type, "{delivery}");
    assert_eq!(delivery["attempt"].as_u64(), Some(attempt), "{delivery}");
    let state = delivery["state"].as_str().unwrap_or_default();
    assert!(["pending", "sending", "succeeded", "failed"].contains(&state), "{delivery}");
    assert!(delivery["created_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{delivery}");
    for field in ["status_code", "error", "response_excerpt", "sent_at", "next_retry_at"] {
        assert!(delivery.get(field).is_some(), "no {field}: {delivery}");
    }
}

/// The endpoint's deliveries, newest first.
fn deliveries(account: &Account, endpoint_id: &str) -> Vec<Value> {
    let page = account.api.get(&format!("/v1/webhook-endpoints/{endpoint_id}/deliveries?limit=100")).expect(200).json();
    let items = page["items"].as_array().unwrap_or_else(|| panic!("items: {page}")).clone();
    assert_eq!(page["total"].as_u64(), Some(items.len() as u64), "{page}");
    items
}

/// The endpoint's deliveries once `done` holds for them (within `wait_for`'s patience).
fn deliveries_when(account: &Account, endpoint_id: &str, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let found = wait_for(what, || {
        let items = deliveries(account, endpoint_id);
        done(&items).then_some(Value::Array(items))
    });
    found.as_array().cloned().unwrap_or_default()
}

/// The delivery of attempt `n` in a list.
#[track_caller]
fn attempt(items: &[Value], n: u64) -> &Value {
    items.iter().find(|d| d["attempt"].as_u64() == Some(n)).unwrap_or_else(|| panic!("no attempt {n}: {items:#?}"))
}

fn ended(delivery: &Value) -> bool {
    matches!(delivery["state"].as_str(), Some("succeeded" | "failed"))
}

/// An endpoint's event types, as a set (the order they were given in is not the contract).
fn types(endpoint: &Value) -> BTreeSet<String> {
    let listed = endpoint["event_types"].as_array().unwrap_or_else(|| panic!("event_types: {endpoint}"));
    let set: BTreeSet<String> = listed.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect();
    assert_eq!(set.len(), listed.len(), "each type once: {endpoint}");
    set
}

fn set(types: &[&str]) -> BTreeSet<String> {
    types.iter().map(|t| (*t).to_owned()).collect()
}

/// The first validation error's field.
fn field(error: &Value) -> &str {
    error["error"]["fields"][0]["field"].as_str().unwrap_or_default()
}

fn endpoints(stack: &Stack) {
    let account = stack.new_account("webhooks-endpoints");
    let receiver = Receiver::start();
    let url = receiver.url("/ok/first");
    let body = json!({
        "url": url,
        "event_types": ["cut.completed", "render.completed"],
        "description": "the editor's hook",
    });
    let created = account.api.post("/v1/webhook-endpoints", &body).expect(201);
    let first = created.json();
    let id = id_of(&first);
    assert!(id.starts_with("whe_"), "{first}");
    assert_eq!(created.header("location"), Some(format!("/v1/webhook-endpoints/{id}").as_str()));
    assert_eq!((first["url"].as_str(), first["description"].as_str()), (Some(url.as_str()), Some("the editor's hook")));
    assert_eq!(types(&first), set(&["cut.completed", "render.completed"]), "{first}");
    assert_eq!((first["disabled"].as_bool(), first["disabled_reason"].is_null()), (Some(false), true), "{first}");
    assert!(first["created_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{first}");
    let secret = assert_secret(&first["secret"]);

    // the secret is shown once: GET is the endpoint without it
    let got = account.api.get(&format!("/v1/webhook-endpoints/{id}")).expect(200).json();
    assert!(got.get("secret").is_none(), "{got}");
    let mut without_secret = first.clone();
    without_secret.as_object_mut().expect("an object").remove("secret");
    assert_eq!(got, without_secret);

    let second = create_endpoint(&account, "https://example.com/hook", &["asset.ready"]);
    let second_id = id_of(&second);
    assert!(second["description"].is_null(), "no description given: {second}");
    assert_ne!(assert_secret(&second["secret"]), secret, "a secret of its own");

    // lists: newest first, paginated, never a secret
    let listed = account.api.get("/v1/webhook-endpoints").expect(200).json();
    let ids: Vec<&str> = listed["items"].as_array().expect("items").iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(ids, [second_id.as_str(), id.as_str()], "newest first: {listed}");
    assert_eq!(
        (listed["total"].as_u64(), listed["limit"].as_u64(), listed["offset"].as_u64()),
        (Some(2), Some(20), Some(0))
    );
    assert!(listed["items"].as_array().expect("items").iter().all(|e| e.get("secret").is_none()), "{listed}");
    let page = account.api.get("/v1/webhook-endpoints?limit=1&offset=1").expect(200).json();
    assert_eq!((page["total"].as_u64(), page["limit"].as_u64(), page["offset"].as_u64()), (Some(2), Some(1), Some(1)));
    assert_eq!(page["items"], json!([without_secret]), "{page}");

    // PATCH changes what it names and nothing else
    let path = format!("/v1/webhook-endpoints/{id}");
    let moved_url = receiver.url("/ok/moved");
    let moved = account.api.patch(&path, &json!({ "url": moved_url })).expect(200).json();
    assert!(moved.get("secret").is_none(), "{moved}");
    assert_eq!(moved["url"], moved_url.as_str());
    assert_eq!((&moved["event_types"], &moved["description"]), (&first["event_types"], &first["description"]));
    let retyped = account.api.patch(&path, &json!({ "event_types": ["pipeline.failed", "asset.failed"] })).expect(200);
    let retyped_types = types(&retyped.json());
    assert_eq!(retyped_types, set(&["asset.failed", "pipeline.failed"]));
    let renamed = account.api.patch(&path, &json!({ "description": "renamed" })).expect(200).json();
    assert_eq!((renamed["description"].as_str(), renamed["url"].as_str()), (Some("renamed"), Some(moved_url.as_str())));
    let disabled = account.api.patch(&path, &json!({ "disabled": true })).expect(200).json();
    assert_eq!(disabled["disabled"], true, "{disabled}");
    account.api.post(&format!("{path}/test"), &json!({})).expect_error(409, "conflict");
    let enabled = account.api.patch(&path, &json!({ "disabled": false })).expect(200).json();
    assert_eq!((enabled["disabled"].as_bool(), enabled["disabled_reason"].is_null()), (Some(false), true), "{enabled}");
    // the same rules as on create, and a refused PATCH changes nothing
    let refused = |patch: Value| account.api.patch(&path, &patch).expect_error(422, "validation_error");
    assert_eq!(field(&refused(json!({ "url": "https://10.0.0.1/hook" }))), "body.url");
    assert_eq!(field(&refused(json!({ "url": "http://example.com/hook" }))), "body.url");
    assert_eq!(field(&refused(json!({ "event_types": [] }))), "body.event_types");
    assert_eq!(field(&refused(json!({ "event_types": ["cut.completed", "cut.done"] }))), "body.event_types[1]");
    let now = account.api.get(&path).expect(200).json();
    assert_eq!(now, enabled, "unchanged by refused patches");
    assert_eq!((now["url"].as_str(), now["description"].as_str()), (Some(moved_url.as_str()), Some("renamed")));
    assert_eq!(types(&now), retyped_types);

    // DELETE
    account.api.delete(&format!("/v1/webhook-endpoints/{second_id}")).expect(204);
    account.api.get(&format!("/v1/webhook-endpoints/{second_id}")).expect_error(404, "not_found");
    account.api.delete(&format!("/v1/webhook-endpoints/{second_id}")).expect_error(404, "not_found");
    let rename = json!({ "description": "gone" });
    account.api.patch(&format!("/v1/webhook-endpoints/{second_id}"), &rename).expect_error(404, "not_found");
    let listed = account.api.get("/v1/webhook-endpoints").expect(200).json();
    assert_eq!(listed["total"], 1, "{listed}");
    assert_eq!(listed["items"][0]["id"], id.as_str());
    stack.anonymous().get("/v1/webhook-endpoints").expect_error(401, "unauthenticated");
}

fn refusals(stack: &Stack) {
    let account = stack.new_account("webhooks-refusals");
    let receiver = Receiver::start();
    let create = |url: &str, event_types: Value| {
        account.api.post("/v1/webhook-endpoints", &json!({ "url": url, "event_types": event_types }))
    };
    let refused_field = |url: &str, event_types: Value| {
        let error = create(url, event_types).expect_error(422, "validation_error");
        field(&error).to_owned()
    };
    let localhost = receiver.url("/ok/hook").replace("127.0.0.1", "localhost");
    let unsafe_urls = [
        // not a URL
        "not a url",
        "example.com/hook",
        // not https
        "http://example.com/hook",
        "ftp://example.com/hook",
        // userinfo
        "https://user:pw@example.com/",
        // private, loopback, link-local, reserved addresses
        "https://10.0.0.1/",
        "https://192.168.1.5/",
        "https://127.0.0.1/",
        "https://169.254.169.254/",
        "https://[::1]/",
        "https://[fd00::1]/",
        "https://0.0.0.0/",
        "https://100.64.0.1/",
        // local names
        "https://localhost/",
        "https://printer.local/",
        "https://db.internal/",
        "https://nas.home.arpa/",
        // only the IP literal 127.0.0.1 is allowed locally, not the name
        localhost.as_str(),
    ];
    for url in unsafe_urls {
        assert_eq!(refused_field(url, json!(["cut.completed"])), "body.url", "{url} is refused");
    }
    assert_eq!(refused_field("https://example.com/hook", json!([])), "body.event_types");
    assert_eq!(refused_field("https://example.com/hook", json!(["bogus"])), "body.event_types[0]");
    let one_unknown = json!(["cut.completed", "render.completed", "render.exploded"]);
    assert_eq!(refused_field("https://example.com/hook", one_unknown), "body.event_types[2]");
    assert_eq!(account.api.get("/v1/webhook-endpoints").expect(200).json()["total"], 0, "nothing refused was made");

    // what is allowed: a public https URL; locally, the receiver on 127.0.0.1; every event type
    let public = create("https://example.com/hook", json!(["cut.completed"])).expect(201).json();
    assert_eq!(public["url"], "https://example.com/hook");
    let local_url = receiver.url("/ok/hook");
    let every = create(&local_url, json!(EVENT_TYPES)).expect(201).json();
    assert_eq!(every["url"], local_url.as_str());
    assert_eq!(types(&every), set(&EVENT_TYPES), "{every}");
    assert_eq!(account.api.get("/v1/webhook-endpoints").expect(200).json()["total"], 2);
}

fn isolation(stack: &Stack) {
    let owner = stack.new_account("webhooks-owner");
    let mut receiver = Receiver::start();
    let endpoint = create_endpoint(&owner, &receiver.url("/ok/owner"), &["cut.completed"]);
    let id = id_of(&endpoint);
    let sent = send_test(&owner, &id);
    let delivery_id = id_of(&sent);
    receiver.until("the owner's test event", PROMPTLY, |r| !r.is_empty());

    let stranger = stack.new_account("webhooks-stranger");
    let own = create_endpoint(&stranger, "https://example.com/stranger", &["cut.completed"]);
    let own_id = id_of(&own);
    let path = format!("/v1/webhook-endpoints/{id}");
    stranger.api.get(&path).expect_error(404, "not_found");
    stranger.api.patch(&path, &json!({ "description": "mine now" })).expect_error(404, "not_found");
    stranger.api.delete(&path).expect_error(404, "not_found");
    stranger.api.post(&format!("{path}/rotate-secret"), &json!({})).expect_error(404, "not_found");
    stranger.api.post(&format!("{path}/test"), &json!({})).expect_error(404, "not_found");
    stranger.api.get(&format!("{path}/deliveries")).expect_error(404, "not_found");
    stranger.api.post(&format!("{path}/deliveries/{delivery_id}/redeliver"), &json!({})).expect_error(404, "not_found");
    // the owner's delivery under the stranger's own endpoint
    stranger
        .api
        .post(&format!("/v1/webhook-endpoints/{own_id}/deliveries/{delivery_id}/redeliver"), &json!({}))
        .expect_error(404, "not_found");
    let theirs = stranger.api.get("/v1/webhook-endpoints").expect(200).json();
    assert_eq!((theirs["total"].as_u64(), theirs["items"][0]["id"].as_str()), (Some(1), Some(own_id.as_str())));

    // nothing changed, nothing more sent
    let mut unchanged = endpoint.clone();
    unchanged.as_object_mut().expect("an object").remove("secret");
    assert_eq!(owner.api.get(&path).expect(200).json(), unchanged);
    let requests = receiver.after(Duration::from_secs(3));
    assert_eq!(requests.len(), 1, "only the owner's test: {requests:#?}");
    let items =
        deliveries_when(&owner, &id, "the test delivered", |items| !items.is_empty() && items.iter().all(ended));
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(items[0]["id"], delivery_id.as_str());
    // and an unknown delivery of one's own endpoint is not found either
    owner.api.post(&format!("{path}/deliveries/whd_nope/redeliver"), &json!({})).expect_error(404, "not_found");
}

fn a_cut_and_a_render(stack: &Stack) {
    let (account, project) = stack.funded_account("webhooks-events", 5);
    let mut receiver = Receiver::start();
    // created before any event; neither subscribes to asset.ready
    let both_path = "/ok/cuts-and-renders";
    let both = create_endpoint(&account, &receiver.url(both_path), &["cut.completed", "render.completed"]);
    let renders_path = "/ok/renders-only";
    let renders_only = create_endpoint(&account, &receiver.url(renders_path), &["render.completed"]);

    let talk = transcribed_talk(stack);
    let asset_id = account.upload_file(&project, &talk.video);
    assert_eq!(ready(&account, &asset_id)["state"], "ready");
    let cut = account.api.post("/v1/cuts", &json!({ "asset_id": asset_id })).expect(201).json();
    let cut_id = id_of(&cut);
    assert_eq!(completed(&account, &cut_id)["state"], "completed");
    let is = |kind: &'static str, path: &'static str| move |r: &Value| r["path"] == path && type_of(r) == kind;
    receiver.until("cut.completed", PROMPTLY, |r| r.iter().any(is("cut.completed", both_path)));
    let render = account
        .api
        .post("/v1/renders", &json!({ "asset_id": asset_id, "cut_id": cut_id, "output": { "format": "m4a" } }))
        .expect(201)
        .json();
    let render_id = id_of(&render);
    assert_eq!(rendered(&account, &render_id)["state"], "completed");
    receiver.until("render.completed at both endpoints", PROMPTLY, |r| {
        r.iter().any(is("render.completed", both_path)) && r.iter().any(is("render.completed", renders_path))
    });
    // a while longer: nothing else comes (no asset.ready, no second copy)
    let requests = receiver.after(Duration::from_secs(6));

    let to_both = on(&requests, both_path);
    let to_renders = on(&requests, renders_path);
    assert_eq!(to_both.len() + to_renders.len(), requests.len(), "only the endpoints' paths: {requests:#?}");
    let mut types: Vec<String> = to_both.iter().map(type_of).collect();
    types.sort();
    assert_eq!(types, ["cut.completed", "render.completed"], "each once, nothing unsubscribed: {requests:#?}");
    assert_eq!(to_renders.iter().map(type_of).collect::<Vec<_>>(), ["render.completed"], "{requests:#?}");

    let both_secret = assert_secret(&both["secret"]);
    let renders_secret = assert_secret(&renders_only["secret"]);
    let mut event_ids = BTreeMap::new();
    for request in &to_both {
        let payload = assert_signed(request, &both_secret);
        let (kind, entity) = match payload["type"].as_str() {
            Some("cut.completed") => ("cut.completed", cut_id.as_str()),
            _ => ("render.completed", render_id.as_str()),
        };
        assert_eq!(payload, json!({ "type": kind, "data": { "entity_id": entity, "asset_id": asset_id } }));
        event_ids.insert(kind, header(request, "webhook-id").to_owned());
    }
    let other = &to_renders[0];
    assert_signed(other, &renders_secret);
    assert_eq!(
        body_of(other),
        json!({ "type": "render.completed", "data": { "entity_id": render_id, "asset_id": asset_id } })
    );
    assert!(verify(&both_secret, other).is_err(), "each endpoint signs with its own secret");
    assert_eq!(header(other, "webhook-id"), event_ids["render.completed"], "one event id per event, at every endpoint");
    assert_ne!(event_ids["cut.completed"], event_ids["render.completed"]);

    // the deliveries, as the list shows them
    let both_id = id_of(&both);
    let items =
        deliveries_when(&account, &both_id, "two deliveries", |items| items.len() == 2 && items.iter().all(ended));
    for delivery in &items {
        let kind = delivery["type"].as_str().unwrap_or_default();
        assert_delivery(delivery, &both_id, kind, 1);
        assert_eq!(delivery["event_id"].as_str(), event_ids.get(kind).map(String::as_str), "{delivery}");
        assert_eq!((delivery["state"].as_str(), delivery["status_code"].as_u64()), (Some("succeeded"), Some(200)));
        assert!(delivery["sent_at"].is_string() && delivery["next_retry_at"].is_null(), "{delivery}");
        assert!(delivery["error"].is_null(), "{delivery}");
    }
    assert_eq!(items[0]["type"], "render.completed", "newest first: {items:#?}");
    let renders_id = id_of(&renders_only);
    let items = deliveries_when(&account, &renders_id, "one delivery", |items| items.len() == 1 && ended(&items[0]));
    assert_eq!((items[0]["state"].as_str(), items[0]["status_code"].as_u64()), (Some("succeeded"), Some(200)));
    assert_eq!(items[0]["event_id"].as_str(), Some(event_ids["render.completed"].as_str()));
}

fn retried_after_503(stack: &Stack) {
    let account = stack.new_account("webhooks-retries");
    let mut receiver = Receiver::start();
    let endpoint = create_endpoint(&account, &receiver.url("/unavailable-twice/hook"), &["cut.completed"]);
    let (id, secret) = (id_of(&endpoint), assert_secret(&endpoint["secret"]));
    let sent = send_test(&account, &id);
    receiver.until("three attempts", Duration::from_secs(60), |r| r.len() >= 3);
    let requests = receiver.after(Duration::from_secs(3));
    assert_eq!(requests.len(), 3, "503, 503, 200 and no more: {requests:#?}");
    for request in &requests {
        assert_eq!(header(request, "webhook-id"), sent["event_id"].as_str().unwrap_or_default(), "{request}");
        let payload = assert_signed(request, &secret);
        assert_eq!(payload, json!({ "type": "webhook.test", "data": { "entity_id": id } }));
    }
    // each attempt signed when sent, Retry-After (1 s) honoured rather than the 5-s default
    let stamps: Vec<i64> = requests.iter().map(|r| header(r, "webhook-timestamp").parse().unwrap_or(0)).collect();
    assert!(stamps[2] > stamps[0], "fresh timestamps: {stamps:?}");
    let received: Vec<i64> = requests.iter().map(|r| r["received_at_ms"].as_i64().unwrap_or(0)).collect();
    for pair in received.windows(2) {
        assert!(pair[1] - pair[0] >= 900, "Retry-After: 1 waited for: {received:?}");
    }

    let items =
        deliveries_when(&account, &id, "three attempts recorded", |items| items.len() == 3 && items.iter().all(ended));
    let attempts: Vec<u64> = items.iter().filter_map(|d| d["attempt"].as_u64()).collect();
    assert_eq!(attempts, [3, 2, 1], "newest first: {items:#?}");
    for n in 1..=3 {
        let delivery = attempt(&items, n);
        assert_delivery(delivery, &id, "webhook.test", n);
        assert_eq!(delivery["event_id"], sent["event_id"], "{delivery}");
    }
    for n in [1, 2] {
        let delivery = attempt(&items, n);
        assert_eq!((delivery["state"].as_str(), delivery["status_code"].as_u64()), (Some("failed"), Some(503)));
        let delay = retry_delay(delivery);
        assert!(
            (Duration::from_millis(900)..=Duration::from_secs(3)).contains(&delay),
            "Retry-After: 1, not the schedule: retried {delay:?} after attempt {n}: {delivery}"
        );
    }
    let last = attempt(&items, 3);
    assert_eq!((last["state"].as_str(), last["status_code"].as_u64()), (Some("succeeded"), Some(200)), "{last}");
    assert!(last["next_retry_at"].is_null(), "{last}");
    assert_eq!(items[2]["id"], sent["id"], "the first attempt is the delivery POST /test answered");
}

fn retried_on_the_schedule(stack: &Stack) {
    let account = stack.new_account("webhooks-schedule");
    let mut receiver = Receiver::start();
    let endpoint = create_endpoint(&account, &receiver.url("/fail/hook"), &["cut.completed"]);
    let (id, secret) = (id_of(&endpoint), assert_secret(&endpoint["secret"]));
    let sent = send_test(&account, &id);
    let requests = receiver.until("the second attempt, 5 s after the first", Duration::from_secs(60), |r| r.len() >= 2);
    for request in &requests[..2] {
        assert_eq!(header(request, "webhook-id"), sent["event_id"].as_str().unwrap_or_default());
        assert_signed(request, &secret);
    }
    let gap = requests[1]["received_at_ms"].as_i64().unwrap_or(0) - requests[0]["received_at_ms"].as_i64().unwrap_or(0);
    assert!((4_000..=30_000).contains(&gap), "the second attempt {gap} ms after the first (5 s ± 10 %)");

    let items = deliveries_when(&account, &id, "the second attempt recorded", |items| {
        items.iter().any(|d| d["attempt"] == 2 && ended(d))
    });
    for (n, due) in
        [(1, Duration::from_secs(4)..=Duration::from_secs(6)), (2, Duration::from_secs(240)..=Duration::from_secs(360))]
    {
        let delivery = attempt(&items, n);
        assert_delivery(delivery, &id, "webhook.test", n);
        assert_eq!((delivery["state"].as_str(), delivery["status_code"].as_u64()), (Some("failed"), Some(500)));
        let excerpt = delivery["response_excerpt"].as_str().unwrap_or_else(|| panic!("an excerpt: {delivery}"));
        assert!(!excerpt.is_empty() && excerpt.len() <= 1024, "{} bytes kept of 3,000", excerpt.len());
        assert!(excerpt.chars().all(|c| c == 'x'), "the start of the answer: {excerpt:?}");
        let delay = retry_delay(delivery);
        assert!(due.contains(&delay), "attempt {n} retried {delay:?} after it was sent, not in {due:?}: {delivery}");
    }
    // so that nothing keeps retrying
    account.api.delete(&format!("/v1/webhook-endpoints/{id}")).expect(204);
    account.api.get(&format!("/v1/webhook-endpoints/{id}")).expect_error(404, "not_found");
}

fn gone_disables(stack: &Stack) {
    let account = stack.new_account("webhooks-gone");
    let mut receiver = Receiver::start();
    let endpoint = create_endpoint(&account, &receiver.url("/gone/hook"), &["cut.completed"]);
    let (id, secret) = (id_of(&endpoint), assert_secret(&endpoint["secret"]));
    send_test(&account, &id);
    let path = format!("/v1/webhook-endpoints/{id}");
    let disabled = wait_for("the endpoint disabled", || {
        let endpoint = account.api.get(&path).expect(200).json();
        (endpoint["disabled"] == true).then_some(endpoint)
    });
    assert_eq!(disabled["disabled_reason"], "gone", "{disabled}");
    // longer than the first retry's 5 s: none comes
    let requests = receiver.after(Duration::from_secs(8));
    assert_eq!(requests.len(), 1, "one attempt, no retry: {requests:#?}");
    assert_signed(&requests[0], &secret);
    let items =
        deliveries_when(&account, &id, "the attempt recorded", |items| !items.is_empty() && items.iter().all(ended));
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!((items[0]["state"].as_str(), items[0]["status_code"].as_u64()), (Some("failed"), Some(410)));
    assert!(items[0]["next_retry_at"].is_null(), "no retry: {}", items[0]);
    account.api.post(&format!("{path}/test"), &json!({})).expect_error(409, "conflict");
    assert_eq!(deliveries(&account, &id).len(), 1);
    // enabled again by its owner, the reason goes
    let enabled = account.api.patch(&path, &json!({ "disabled": false })).expect(200).json();
    assert_eq!((enabled["disabled"].as_bool(), enabled["disabled_reason"].is_null()), (Some(false), true), "{enabled}");
    account.api.delete(&path).expect(204);
}

fn rotation(stack: &Stack) {
    let account = stack.new_account("webhooks-rotation");
    let mut receiver = Receiver::start();
    let endpoint = create_endpoint(&account, &receiver.url("/ok/rotated"), &["render.completed"]);
    let (id, old) = (id_of(&endpoint), assert_secret(&endpoint["secret"]));
    let path = format!("/v1/webhook-endpoints/{id}");
    let rotated = account.api.post(&format!("{path}/rotate-secret"), &json!({})).expect(200).json();
    let new = assert_secret(&rotated["secret"]);
    assert_ne!(new, old);
    let mut same = rotated.clone();
    same.as_object_mut().expect("an object").remove("secret");
    let mut before = endpoint.clone();
    before.as_object_mut().expect("an object").remove("secret");
    assert_eq!(same, before, "only the secret changed");
    assert!(account.api.get(&path).expect(200).json().get("secret").is_none());

    send_test(&account, &id);
    let requests = receiver.until("the test event", PROMPTLY, |r| !r.is_empty());
    let request = &requests[0];
    let payload = assert_signed(request, &new);
    assert_eq!(payload, json!({ "type": "webhook.test", "data": { "entity_id": id } }));
    assert_eq!(verify(&old, request), Ok(payload), "the old secret signs for 24 h too");
    let stranger = format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode([7u8; 32]));
    assert!(verify(&stranger, request).is_err(), "another secret does not verify it");
    let signatures: Vec<&str> = header(request, "webhook-signature").split(' ').collect();
    assert_eq!(signatures.len(), 2, "{signatures:?}");
    assert!(signatures.iter().all(|s| s.starts_with("v1,") && s.len() > 3), "{signatures:?}");
    let items =
        deliveries_when(&account, &id, "the test delivered", |items| !items.is_empty() && items.iter().all(ended));
    assert_eq!((items[0]["state"].as_str(), items[0]["status_code"].as_u64()), (Some("succeeded"), Some(200)));
}

fn redelivery(stack: &Stack) {
    let account = stack.new_account("webhooks-redelivery");
    let mut receiver = Receiver::start();
    let endpoint = create_endpoint(&account, &receiver.url("/ok/again"), &["cut.completed"]);
    let (id, secret) = (id_of(&endpoint), assert_secret(&endpoint["secret"]));
    let first = send_test(&account, &id);
    let first_id = id_of(&first);
    receiver.until("the test event", PROMPTLY, |r| !r.is_empty());
    let items =
        deliveries_when(&account, &id, "the first delivery", |items| !items.is_empty() && items.iter().all(ended));
    assert_eq!((items[0]["state"].as_str(), items[0]["status_code"].as_u64()), (Some("succeeded"), Some(200)));

    let again = account
        .api
        .post(&format!("/v1/webhook-endpoints/{id}/deliveries/{first_id}/redeliver"), &json!({}))
        .expect(202)
        .json();
    assert_delivery(&again, &id, "webhook.test", 2);
    assert_ne!(again["id"], first["id"], "a new attempt");
    assert_eq!(again["event_id"], first["event_id"], "of the same event");
    let requests = receiver.until("the redelivery", PROMPTLY, |r| r.len() >= 2);
    let (original, repeated) = (&requests[0], &requests[1]);
    assert_eq!(repeated["body"], original["body"], "the same body");
    assert_eq!(header(repeated, "webhook-id"), header(original, "webhook-id"), "the same event id");
    assert_eq!(header(repeated, "webhook-id"), first["event_id"].as_str().unwrap_or_default());
    assert_signed(original, &secret);
    assert_signed(repeated, &secret);

    let items =
        deliveries_when(&account, &id, "the redelivery recorded", |items| items.len() == 2 && items.iter().all(ended));
    let ids: Vec<&str> = items.iter().filter_map(|d| d["id"].as_str()).collect();
    assert_eq!(ids, [again["id"].as_str().unwrap_or_default(), first_id.as_str()], "newest first");
    assert_eq!((items[0]["state"].as_str(), items[0]["status_code"].as_u64()), (Some("succeeded"), Some(200)));
    assert_eq!(items[0]["attempt"], 2);
    let after = receiver.after(Duration::from_secs(2));
    assert_eq!(after.len(), 2, "nothing more: {after:#?}");
}
