//! Assets over D1: creation with its upload URL, reads, filters, soft delete and restore, the
//! credit gate, tenant isolation, and a project delete taking its assets along.

use serde_json::{Value, json};

use crate::Test;
use roughcut_tests::client::Account;
use roughcut_tests::stack::Stack;

pub fn tests() -> Vec<Test> {
    vec![
        ("assets::create_get_list_delete_restore", create_get_list_delete_restore),
        ("assets::creation_needs_credits_and_valid_fields", creation_needs_credits_and_valid_fields),
        ("assets::another_account_sees_nothing_and_project_delete_cascades", isolation_and_cascade),
    ]
}

fn funded(stack: &Stack, name: &str) -> (Account, String) {
    let account = stack.new_account(name);
    stack.grant(&account.id, 10, "topup").expect(201);
    let project = account.api.post("/v1/projects", &json!({ "name": "videos" })).expect(201).json();
    (account, project["id"].as_str().expect("project id").to_owned())
}

fn new_asset(account: &Account, project: &str, filename: &str) -> Value {
    let body = json!({ "project_id": project, "size_bytes": 1_000_000, "filename": filename, "language": "en" });
    account.api.post("/v1/assets", &body).expect(201).json()
}

fn create_get_list_delete_restore(stack: &Stack) {
    let (account, project) = funded(stack, "assets");
    let body = json!({ "project_id": project, "size_bytes": 5_000_000, "filename": "Take 1.MOV", "content_type": "video/quicktime" });
    let reply = account.api.post("/v1/assets", &body).expect(201);
    let location = reply.header("location").expect("Location").to_owned();
    let asset = reply.json();
    assert_eq!(asset["state"], "pending_upload");
    assert_eq!(asset["type"], Value::Null);
    assert_eq!(asset["cuttable"], false);
    assert_eq!((asset["extension"].as_str(), asset["size_bytes"].as_u64()), (Some("mov"), Some(5_000_000)));
    assert_eq!(asset["upload_url"].as_str(), Some(location.as_str()));
    assert!(location.starts_with("http://") && location.contains("/v1/uploads/upl_"), "{location}");

    let id = asset["id"].as_str().expect("id");
    assert_eq!(account.api.get(&format!("/v1/assets/{id}")).expect(200).json(), asset);
    new_asset(&account, &project, "second.wav");
    let other_project = account.api.post("/v1/projects", &json!({ "name": "other" })).expect(201).json();
    new_asset(&account, other_project["id"].as_str().expect("id"), "third.mp3");

    let all = account.api.get("/v1/assets").expect(200).json();
    assert_eq!(all["total"], 3);
    assert_eq!(all["items"][0]["filename"], "third.mp3", "newest first");
    let in_project = account.api.get(&format!("/v1/assets?project_id={project}")).expect(200).json();
    assert_eq!(in_project["total"], 2);
    assert_eq!(
        account.api.get("/v1/assets?state=pending_upload&limit=1").expect(200).json()["items"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(account.api.get("/v1/assets?state=ready").expect(200).json()["total"], 0);
    account.api.get("/v1/assets?state=bogus").expect_error(400, "bad_request");

    account.api.delete(&format!("/v1/assets/{id}")).expect(204);
    account.api.get(&format!("/v1/assets/{id}")).expect_error(404, "not_found");
    assert_eq!(account.api.get("/v1/assets").expect(200).json()["total"], 2);
    account.api.delete(&format!("/v1/assets/{id}")).expect_error(404, "not_found");
    let restored = account.api.post(&format!("/v1/assets/{id}/restore"), &json!({})).expect(200).json();
    assert_eq!(restored["state"], "pending_upload");
    assert_eq!(account.api.get("/v1/assets").expect(200).json()["total"], 3);
}

fn creation_needs_credits_and_valid_fields(stack: &Stack) {
    let broke = stack.new_account("broke");
    let project = broke.api.post("/v1/projects", &json!({ "name": "p" })).expect(201).json();
    let body = json!({ "project_id": project["id"], "size_bytes": 1_000 });
    broke.api.post("/v1/assets", &body).expect_error(402, "insufficient_credits");

    let (account, project) = funded(stack, "fields");
    let post = |body: Value| account.api.post("/v1/assets", &body);
    post(json!({ "project_id": project, "size_bytes": 53_687_091_201u64 })).expect_error(413, "payload_too_large");
    let error = post(json!({ "project_id": project, "size_bytes": 10 })).expect_error(422, "validation_error");
    assert_eq!(error["error"]["fields"][0]["field"], "body.size_bytes");
    let error = post(json!({ "project_id": project, "size_bytes": 100, "language": "eng" }))
        .expect_error(422, "validation_error");
    assert_eq!(error["error"]["fields"][0]["field"], "body.language");
    post(json!({ "project_id": "prj_nope", "size_bytes": 100 })).expect_error(404, "not_found");
    post(json!({ "size_bytes": 100 })).expect_error(422, "validation_error");
}

fn isolation_and_cascade(stack: &Stack) {
    let (alice, project) = funded(stack, "alice-assets");
    let (bob, _) = funded(stack, "bob-assets");
    let asset = new_asset(&alice, &project, "a.mp4");
    let path = format!("/v1/assets/{}", asset["id"].as_str().expect("id"));
    bob.api.get(&path).expect_error(404, "not_found");
    bob.api.delete(&path).expect_error(404, "not_found");
    assert_eq!(bob.api.get("/v1/assets").expect(200).json()["total"], 0);
    let body = json!({ "project_id": project, "size_bytes": 100 });
    bob.api.post("/v1/assets", &body).expect_error(404, "not_found");

    alice.api.delete(&format!("/v1/projects/{project}")).expect(204);
    alice.api.get(&path).expect_error(404, "not_found");
    assert_eq!(alice.api.get("/v1/assets").expect(200).json()["total"], 0);
}
