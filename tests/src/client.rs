//! A small blocking HTTP client for the tests (ureq), with the API's conventions built in.

use std::time::Duration;

use roughcut_shared::ErrorEnvelope;
use serde_json::Value;
use ureq::http::{HeaderMap, Method, Request};

use crate::stack::Stack;

/// What the server answered; any status is an answer, not an error.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?} (status {})", self.body, self.status))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.body);
        self
    }

    /// Asserts an error envelope (exactly API.md's shape) with this status and code.
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) -> Value {
        let reply = self.expect(status);
        let envelope: ErrorEnvelope = serde_json::from_str(&reply.body)
            .unwrap_or_else(|e| panic!("not the error envelope ({e}): {}", reply.body));
        assert_eq!(envelope.error.code.as_str(), code, "body: {}", reply.body);
        assert!(!envelope.error.message.is_empty(), "no message: {}", reply.body);
        assert_eq!(
            envelope.error.fields.is_empty(),
            code != "validation_error",
            "fields only for validation_error: {}",
            reply.body
        );
        assert_eq!(envelope.error.request_id.is_some(), status >= 500, "request_id only on 5xx: {}", reply.body);
        reply.json()
    }
}

/// What `wrangler dev`'s proxy answers a request it lost on the way to the local runtime.
const DEV_PROXY_RETRY: &str = "Your worker restarted mid-request.";

/// Calls the stack as one caller (an API key, the admin token, or nobody).
#[derive(Debug, Clone)]
pub struct Client {
    base_url: String,
    token: Option<String>,
    agent: ureq::Agent,
}

impl Client {
    pub fn new(stack: &Stack, token: Option<&str>) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .new_agent();
        Self { base_url: stack.base_url.clone(), token: token.map(str::to_owned), agent }
    }

    pub fn send(&self, method: Method, path: &str, content_type: Option<&str>, body: Vec<u8>) -> Reply {
        let headers: Vec<(&str, &str)> = content_type.map(|value| ("content-type", value)).into_iter().collect();
        self.send_with(method, path, &headers, body)
    }

    /// A request with these extra headers; `path` may also be an absolute URL of the stack.
    pub fn send_with(&self, method: Method, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
        let (status, headers, body) = self.exchange(method, path, headers, body);
        Reply { status, headers, body: String::from_utf8_lossy(&body).into_owned() }
    }

    /// A request whose answer is bytes (downloads): status, headers, body.
    pub fn send_for_bytes(&self, method: Method, path: &str, headers: &[(&str, &str)]) -> (u16, HeaderMap, Vec<u8>) {
        self.exchange(method, path, headers, Vec::new())
    }

    fn exchange(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> (u16, HeaderMap, Vec<u8>) {
        let url = if path.starts_with("http") { path.to_owned() } else { format!("{}{path}", self.base_url) };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = Request::builder().method(method.clone()).uri(url.as_str());
            if let Some(token) = &self.token {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let request = request.body(body.clone()).unwrap_or_else(|e| panic!("request: {e}"));
            let mut response = match self.agent.run(request) {
                Ok(response) => response,
                // the same proxy also loses a request now and then without answering at all; a
                // GET or HEAD is safe to send again, anything else must fail the test
                Err(ureq::Error::Timeout(_)) if attempt < 3 && matches!(method, Method::GET | Method::HEAD) => continue,
                Err(error) => panic!("{path}: {error}"),
            };
            let answer = response.body_mut().with_config().limit(1 << 30).read_to_vec().unwrap_or_default();
            // `wrangler dev`'s own proxy, not the Worker, answers this when its connection to the
            // local runtime broke (workers-sdk#15203, #15447); it retries GET and HEAD itself and
            // asks clients to send the rest again (`Retry-After: 0`), as a client of it must
            let proxy_lost_it = response.status() == 503 && answer.starts_with(DEV_PROXY_RETRY.as_bytes());
            if !proxy_lost_it || attempt == 3 {
                return (response.status().as_u16(), response.headers().clone(), answer);
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, Vec::new())
    }

    pub fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, Vec::new())
    }

    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::POST, path, Some("application/json"), body.to_string().into_bytes())
    }

    pub fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::PATCH, path, Some("application/json"), body.to_string().into_bytes())
    }
}

/// An account made through the admin API, with its first key.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub key: String,
    pub api: Client,
}

impl Account {
    /// Creates an asset in `project` for the file at `path` and uploads its bytes with TUS PATCHes
    /// of 32 MiB; returns the asset's id.
    pub fn upload_file(&self, project: &str, path: &std::path::Path) -> String {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let filename = path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 file name");
        let body = serde_json::json!({ "project_id": project, "size_bytes": bytes.len(), "filename": filename });
        let created = self.api.post("/v1/assets", &body).expect(201);
        let url = created.header("location").expect("Location").to_owned();
        let mut offset = 0;
        for chunk in bytes.chunks(32 << 20) {
            let at = offset.to_string();
            let headers = [
                ("tus-resumable", "1.0.0"),
                ("upload-offset", at.as_str()),
                ("content-type", "application/offset+octet-stream"),
            ];
            self.api.send_with(Method::PATCH, &url, &headers, chunk.to_vec()).expect(204);
            offset += chunk.len();
        }
        created.json()["id"].as_str().expect("id").to_owned()
    }
}

impl Stack {
    /// A new account with `credits` and a project of its own; the project's id.
    pub fn funded_account(&self, name: &str, credits: i64) -> (Account, String) {
        let account = self.new_account(name);
        self.grant(&account.id, credits, "topup").expect(201);
        let project = account.api.post("/v1/projects", &serde_json::json!({ "name": name })).expect(201).json();
        let project_id = project["id"].as_str().expect("project id").to_owned();
        (account, project_id)
    }

    pub fn admin(&self) -> Client {
        Client::new(self, Some(&self.admin_token))
    }

    pub fn anonymous(&self) -> Client {
        Client::new(self, None)
    }

    pub fn new_account(&self, name: &str) -> Account {
        let created = self.admin().post("/admin/v1/accounts", &serde_json::json!({ "name": name })).expect(201).json();
        let id = created["account"]["id"].as_str().expect("account id").to_owned();
        let key = created["api_key"]["plaintext"].as_str().expect("plaintext key").to_owned();
        Account { api: Client::new(self, Some(&key)), id, key }
    }

    /// Grants `delta` credits of `kind` (`topup` or `adjustment`).
    pub fn grant(&self, account_id: &str, delta: i64, kind: &str) -> Reply {
        self.admin().post(
            &format!("/admin/v1/accounts/{account_id}/credits"),
            &serde_json::json!({ "delta": delta, "type": kind }),
        )
    }
}
