//! Credits: operator grants, the balance, the history, and that nothing overdraws under
//! concurrency.

use std::thread;

use serde_json::json;

use crate::Test;
use roughcut_tests::stack::Stack;

pub fn tests() -> Vec<Test> {
    vec![
        ("credits::grants_move_balance_and_history", grants_move_balance_and_history),
        ("credits::grants_are_validated", grants_are_validated),
        ("credits::parallel_debits_never_overdraw", parallel_debits_never_overdraw),
    ]
}

fn grants_move_balance_and_history(stack: &Stack) {
    let account = stack.new_account("credits");
    assert_eq!(
        account.api.get("/v1/credits/balance").expect(200).json(),
        json!({ "balance": 0, "reserved": 0, "available": 0 })
    );
    let topup = stack
        .admin()
        .post(
            &format!("/admin/v1/accounts/{}/credits", account.id),
            &json!({ "delta": 120, "type": "topup", "memo": "welcome" }),
        )
        .expect(201)
        .json();
    assert_eq!(
        (topup["type"].as_str(), topup["delta"].as_i64(), topup["memo"].as_str()),
        (Some("topup"), Some(120), Some("welcome"))
    );
    assert!(topup["id"].as_str().is_some_and(|id| id.starts_with("led_")));
    stack.grant(&account.id, -20, "adjustment").expect(201);
    assert_eq!(
        account.api.get("/v1/credits/balance").expect(200).json(),
        json!({ "balance": 100, "reserved": 0, "available": 100 })
    );

    let history = account.api.get("/v1/credits/history").expect(200).json();
    assert_eq!(history["total"], 2);
    assert_eq!(history["items"][0]["delta"], -20, "newest first");
    assert_eq!(history["items"][0]["type"], "adjustment");
    for field in ["id", "type", "delta", "asset_id", "pipeline_id", "created_at", "memo"] {
        assert!(history["items"][1].get(field).is_some(), "history entries have {field}");
    }
    let page = account.api.get("/v1/credits/history?limit=1&offset=1").expect(200).json();
    assert_eq!((page["items"][0]["delta"].as_i64(), page["total"].as_u64()), (Some(120), Some(2)));
}

fn grants_are_validated(stack: &Stack) {
    let account = stack.new_account("grants");
    let path = format!("/admin/v1/accounts/{}/credits", account.id);
    for body in [
        json!({ "delta": 0, "type": "adjustment" }),
        json!({ "delta": -5, "type": "topup" }),
        json!({ "delta": 5, "type": "consume_asset" }),
        json!({ "delta": 5 }),
        json!({ "delta": "5", "type": "topup" }),
        json!({ "delta": 2_000_000_000_i64, "type": "topup" }),
    ] {
        stack.admin().post(&path, &body).expect_error(422, "validation_error");
    }
    stack.grant(&account.id, -1, "adjustment").expect_error(402, "insufficient_credits");
    stack.grant("acc_doesnotexist", 5, "topup").expect_error(404, "not_found");
    assert_eq!(account.api.get("/v1/credits/history").expect(200).json()["total"], 0);
}

fn parallel_debits_never_overdraw(stack: &Stack) {
    let account = stack.new_account("race");
    stack.grant(&account.id, 10, "topup").expect(201);
    let statuses: Vec<u16> = thread::scope(|scope| {
        let debits: Vec<_> =
            (0..50).map(|_| scope.spawn(|| stack.grant(&account.id, -1, "adjustment").status)).collect();
        debits.into_iter().map(|debit| debit.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    assert_eq!(statuses.iter().filter(|&&s| s == 201).count(), 10, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|&&s| s == 402).count(), 40, "{statuses:?}");

    let balance = account.api.get("/v1/credits/balance").expect(200).json();
    assert_eq!(balance, json!({ "balance": 0, "reserved": 0, "available": 0 }));
    let history = account.api.get("/v1/credits/history?limit=100").expect(200).json();
    let sum: i64 =
        history["items"].as_array().expect("items").iter().map(|e| e["delta"].as_i64().expect("delta")).sum();
    assert_eq!((history["total"].as_u64(), sum), (Some(11), 0));
}
