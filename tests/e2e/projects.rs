//! Projects: CRUD, archive, filters and pagination.

use serde_json::{Value, json};

use crate::Test;
use roughcut_tests::stack::Stack;

pub fn tests() -> Vec<Test> {
    vec![
        ("projects::create_get_rename_archive_delete", create_get_rename_archive_delete),
        ("projects::lists_filter_and_paginate_newest_first", lists_filter_and_paginate_newest_first),
    ]
}

fn create_get_rename_archive_delete(stack: &Stack) {
    let account = stack.new_account("projects");
    let reply = account.api.post("/v1/projects", &json!({ "name": "  Launch video " })).expect(201);
    let location = reply.header("location").expect("Location").to_owned();
    let project = reply.json();
    assert_eq!(location, format!("/v1/projects/{}", project["id"].as_str().expect("id")));
    assert_eq!(project["name"], "Launch video");
    assert_eq!(project["state"], "active");
    assert_eq!(project["asset_count"], 0);
    assert!(project["created_at"].as_str().is_some_and(|t| t.ends_with('Z') && t.contains('T')));

    assert_eq!(account.api.get(&location).expect(200).json(), project);

    let renamed = account.api.patch(&location, &json!({ "name": "Launch" })).expect(200).json();
    assert_eq!((renamed["name"].as_str(), renamed["state"].as_str()), (Some("Launch"), Some("active")));
    let archived = account.api.patch(&location, &json!({ "state": "archived" })).expect(200).json();
    assert_eq!((archived["name"].as_str(), archived["state"].as_str()), (Some("Launch"), Some("archived")));
    account.api.patch(&location, &json!({ "state": "deleted" })).expect_error(422, "validation_error");
    account.api.patch(&location, &json!({ "name": "" })).expect_error(422, "validation_error");
    // no null or list is silently taken for "no change"
    let nulled = account.api.patch(&location, &json!({ "name": null })).expect_error(422, "validation_error");
    assert_eq!(nulled["error"]["fields"][0]["field"], "body.name", "{nulled}");
    account.api.patch(&location, &json!([])).expect_error(422, "validation_error");
    assert_eq!(account.api.get(&location).expect(200).json()["name"], "Launch");

    account.api.delete(&location).expect(204);
    account.api.get(&location).expect_error(404, "not_found");
    account.api.delete(&location).expect_error(404, "not_found");
    account.api.patch(&location, &json!({ "name": "x" })).expect_error(404, "not_found");
}

fn names(list: &Value) -> Vec<String> {
    list["items"].as_array().expect("items").iter().map(|p| p["name"].as_str().expect("name").to_owned()).collect()
}

fn lists_filter_and_paginate_newest_first(stack: &Stack) {
    let account = stack.new_account("listing");
    let mut ids = Vec::new();
    for index in 0..5 {
        let project = account.api.post("/v1/projects", &json!({ "name": format!("p{index}") })).expect(201).json();
        ids.push(project["id"].as_str().expect("id").to_owned());
    }
    account.api.patch(&format!("/v1/projects/{}", ids[1]), &json!({ "state": "archived" })).expect(200);
    account.api.patch(&format!("/v1/projects/{}", ids[3]), &json!({ "state": "archived" })).expect(200);

    let all = account.api.get("/v1/projects").expect(200).json();
    assert_eq!(names(&all), ["p4", "p3", "p2", "p1", "p0"]);
    assert_eq!((all["total"].as_u64(), all["limit"].as_u64(), all["offset"].as_u64()), (Some(5), Some(20), Some(0)));

    let archived = account.api.get("/v1/projects?state=archived").expect(200).json();
    assert_eq!((names(&archived), archived["total"].as_u64()), (vec!["p3".to_owned(), "p1".to_owned()], Some(2)));
    let active = account.api.get("/v1/projects?state=active").expect(200).json();
    assert_eq!(names(&active), ["p4", "p2", "p0"]);

    let page = account.api.get("/v1/projects?limit=2&offset=2").expect(200).json();
    assert_eq!(
        (names(&page), page["total"].as_u64(), page["limit"].as_u64()),
        (vec!["p2".to_owned(), "p1".to_owned()], Some(5), Some(2))
    );
    let beyond = account.api.get("/v1/projects?offset=10").expect(200).json();
    assert_eq!((names(&beyond).len(), beyond["total"].as_u64()), (0, Some(5)));
}
