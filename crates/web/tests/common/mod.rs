//! Fixtures shared by the influence test files: a two-member book club with a post, an
//! invitation, a reply and an order, made through the API.

#![allow(dead_code, clippy::unwrap_used)]

use quanzi_testkit::{TestTenant, http};
use reqwest::{Client, Method};
use serde_json::{Value, json};

async fn post(url: &str, t: &TestTenant, path: &str, body: Value) -> Value {
    let (s, v) = http::call(
        &Client::new(),
        url,
        &t.write_key,
        Method::POST,
        path,
        Some(body),
    )
    .await;
    assert!(s.is_success(), "{path}: {s} {v}");
    v
}

/// Two members in a group 读书会: `a` (书友甲) posts `x1`; `b` (书友乙) joins through `a`'s
/// invitation, replies to `x1` and orders ¥50. Returns `(a, b)`.
pub async fn book_club(url: &str, t: &TestTenant) -> (i64, i64) {
    let g = post(url, t, "/api/v1/groups", json!({"name": "读书会"})).await["group_id"].clone();
    let mut ids = Vec::new();
    for name in ["书友甲", "书友乙"] {
        let m = post(url, t, "/api/v1/members", json!({ "name": name })).await;
        ids.push(m["member_id"].as_i64().unwrap());
    }
    let (a, b) = (ids[0], ids[1]);
    let now = quanzi_core::read::now_ms();
    let ev = |key: &str, kind: &str, m: i64, h: i64, props: Value| {
        let mut e = json!({"idempotency_key": key, "kind": kind, "member_id": m,
            "group_id": g, "occurred_at_ms": now - h * 3_600_000, "properties": props});
        if kind == "order" {
            e["amount_fen"] = json!(5_000);
        }
        e
    };
    let events = vec![
        ev("1", "join", a, 30, json!({})),
        ev("2", "message", a, 20, json!({"message_id": "x1"})),
        ev("3", "join", b, 10, json!({"inviter_member_id": a})),
        ev(
            "4",
            "message",
            b,
            9,
            json!({"reply_to_member_id": a, "reply_to_message_id": "x1"}),
        ),
        ev("5", "order", b, 8, json!({})),
    ];
    post(url, t, "/api/v1/events", json!({ "events": events })).await;
    (a, b)
}
