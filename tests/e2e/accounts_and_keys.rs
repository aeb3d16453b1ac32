//! Operator accounts, API keys (both surfaces) and authentication.

use serde_json::json;

use crate::Test;
use roughcut_tests::client::Client;
use roughcut_tests::stack::Stack;

pub fn tests() -> Vec<Test> {
    vec![
        ("keys::missing_unknown_and_malformed_keys_are_401", missing_unknown_and_malformed_keys_are_401),
        ("keys::admin_routes_need_the_admin_token", admin_routes_need_the_admin_token),
        ("keys::create_list_use_and_revoke", create_list_use_and_revoke),
        ("keys::seed_surface_serves_the_same_keys", seed_surface_serves_the_same_keys),
        ("keys::tenant_isolation", tenant_isolation),
    ]
}

fn missing_unknown_and_malformed_keys_are_401(stack: &Stack) {
    let account = stack.new_account("auth");
    let mut unknown = account.key.clone();
    let last = if unknown.ends_with('0') { "1" } else { "0" };
    unknown.replace_range(unknown.len() - 1.., last);
    for token in [None, Some(unknown.as_str()), Some("sk_short"), Some(stack.admin_token.as_str())] {
        for path in ["/v1/projects", "/v1/credits/balance", "/v1/api-keys"] {
            Client::new(stack, token).get(path).expect_error(401, "unauthenticated");
        }
    }
    account.api.get("/v1/projects").expect(200);
}

fn admin_routes_need_the_admin_token(stack: &Stack) {
    let account = stack.new_account("not an operator");
    for client in [stack.anonymous(), account.api.clone(), Client::new(stack, Some(&format!("{}x", stack.admin_token)))]
    {
        client.post("/admin/v1/accounts", &json!({ "name": "x" })).expect_error(401, "unauthenticated");
        client
            .post(&format!("/admin/v1/accounts/{}/credits", account.id), &json!({ "delta": 5, "type": "topup" }))
            .expect_error(401, "unauthenticated");
    }
    assert_eq!(account.api.get("/v1/credits/balance").expect(200).json()["balance"], 0);
}

fn create_list_use_and_revoke(stack: &Stack) {
    let account = stack.new_account("keys");
    let created = account.api.post("/v1/api-keys", &json!({ "name": "ci" })).expect(201).json();
    let plaintext = created["plaintext"].as_str().expect("plaintext on create").to_owned();
    let prefix = created["prefix"].as_str().expect("prefix");
    assert!(plaintext.starts_with(prefix) && prefix.starts_with("sk_"));
    assert!(created["id"].as_str().is_some_and(|id| id.starts_with("key_")));
    assert!(created["last_used_at"].is_null() && created["revoked_at"].is_null());

    let second = Client::new(stack, Some(&plaintext));
    second.get("/v1/projects").expect(200);

    let listed = account.api.get("/v1/api-keys").expect(200).json();
    assert_eq!(listed["total"], 2);
    let items = listed["items"].as_array().expect("items");
    assert_eq!(items[1]["id"], created["id"], "oldest first");
    assert!(items.iter().all(|key| key.get("plaintext").is_none()), "plaintext is shown once");
    assert!(!listed.to_string().contains(&plaintext));
    assert!(items[1]["last_used_at"].is_string(), "using a key records last_used_at");

    let key_id = created["id"].as_str().expect("id");
    account.api.delete(&format!("/v1/api-keys/{key_id}")).expect(204);
    second.get("/v1/projects").expect_error(401, "unauthenticated");
    account.api.get("/v1/projects").expect(200);
    // revoking again is harmless; the key stays listed with its revocation time
    account.api.delete(&format!("/v1/api-keys/{key_id}")).expect(204);
    let listed = account.api.get("/v1/api-keys").expect(200).json();
    assert!(listed["items"][1]["revoked_at"].is_string());
    account.api.delete("/v1/api-keys/key_doesnotexist").expect_error(404, "not_found");

    account.api.post("/v1/api-keys", &json!({ "name": "" })).expect_error(422, "validation_error");
}

fn seed_surface_serves_the_same_keys(stack: &Stack) {
    let account = stack.new_account("seed surface");
    let created = account.api.post("/api/v1/api-keys", &json!({ "name": "seed" })).expect(201).json();
    let listed = account.api.get("/v1/api-keys").expect(200).json();
    assert_eq!(listed["total"], 2);
    let key_id = created["id"].as_str().expect("id");
    account.api.delete(&format!("/api/v1/api-keys/{key_id}")).expect(204);
    let plaintext = created["plaintext"].as_str().expect("plaintext");
    Client::new(stack, Some(plaintext)).get("/api/v1/api-keys").expect_error(401, "unauthenticated");
}

fn tenant_isolation(stack: &Stack) {
    let alice = stack.new_account("alice");
    let bob = stack.new_account("bob");
    let project = alice.api.post("/v1/projects", &json!({ "name": "alice's" })).expect(201).json();
    let project_path = format!("/v1/projects/{}", project["id"].as_str().expect("id"));
    bob.api.get(&project_path).expect_error(404, "not_found");
    bob.api.patch(&project_path, &json!({ "name": "mine now" })).expect_error(404, "not_found");
    bob.api.delete(&project_path).expect_error(404, "not_found");
    assert_eq!(bob.api.get("/v1/projects").expect(200).json()["total"], 0);

    let alice_keys = alice.api.get("/v1/api-keys").expect(200).json();
    let alice_key = alice_keys["items"][0]["id"].as_str().expect("key id");
    bob.api.delete(&format!("/v1/api-keys/{alice_key}")).expect_error(404, "not_found");
    assert_eq!(bob.api.get("/v1/api-keys").expect(200).json()["total"], 1);

    stack.grant(&alice.id, 7, "topup").expect(201);
    assert_eq!(bob.api.get("/v1/credits/balance").expect(200).json()["balance"], 0);
    assert_eq!(bob.api.get("/v1/credits/history").expect(200).json()["total"], 0);

    // everything of alice's is intact
    assert_eq!(alice.api.get(&project_path).expect(200).json()["name"], "alice's");
    alice.api.get("/v1/projects").expect(200);
}
