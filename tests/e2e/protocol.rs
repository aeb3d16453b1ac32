//! Cross-cutting HTTP behaviour: routing, the error envelope, body and query parsing, docs.

use serde_json::json;
use ureq::http::Method;

use crate::Test;
use roughcut_tests::stack::Stack;

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
        ("protocol::head_answers_like_get_without_a_body", head_answers_like_get_without_a_body),
        ("protocol::openapi_is_public_and_complete", openapi_is_public_and_complete),
        ("protocol::media_container_is_up", media_container_is_up),
    ]
}

fn unknown_routes_are_404_envelopes(stack: &Stack) {
    let account = stack.new_account("routes");
    for path in ["/", "/v1/nope", "/v1/projects/", "/v2/projects"] {
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
    let account = stack.new_account("request ids");
    let ok = account.api.get("/v1/credits/balance").expect(200);
    let missing = stack.anonymous().get("/v1/nope");
    for reply in [ok, missing] {
        assert!(reply.header("request-id").is_some_and(|id| id.starts_with("req_")), "{:?}", reply.headers);
    }
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
}
