//! The growth loop's JSON API, handler-level (`oneshot` on the app's router): live codes and
//! their QR images, groups' QR uploads, gifts redeemed once, referral programmes through the
//! reward ledger and the payment file, member links, the OAuth setting, and tenant isolation.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod gifts;
mod isolation;
mod live_codes;
mod members;
mod odd_inputs;
mod qr;
mod referrals;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use quanzi_core::live_codes::scan::{ScanInput, confirm_join, scan};
use quanzi_core::visitors::{self, Refusal};
use quanzi_domain::MemberId;
use quanzi_testkit::routed::Answer;
use quanzi_testkit::{Routed, TestTenant, tenant};
use serde_json::{Value, json};

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The names of the fields an error body lists.
fn fields(v: &Value) -> Vec<String> {
    v["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// `method path` with `key`, a `Host` the caller reached us at, and a raw body.
async fn raw(
    cx: &Routed,
    key: &str,
    method: Method,
    path: &str,
    body: Option<(&str, Vec<u8>)>,
) -> Answer {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "shop.example")
        .header(header::AUTHORIZATION, format!("Bearer {key}"));
    if let Some((ct, _)) = &body {
        b = b.header(header::CONTENT_TYPE, *ct);
    }
    let body = body.map_or_else(Body::empty, |(_, bytes)| Body::from(bytes));
    cx.send(b.body(body).unwrap()).await
}

async fn created(cx: &Routed, t: &TestTenant, path: &str, body: Value) -> Value {
    let (s, v) = cx.post(t, path, body).await;
    assert_eq!(s, StatusCode::CREATED, "{path}: {v}");
    v
}

/// A tenant `slug` with a group, a gift and a live code `poster` giving it.
async fn shop(cx: &Routed, slug: &str) -> (TestTenant, i64, i64, i64) {
    let t = tenant(&cx.db, slug).await;
    let g = created(cx, &t, "/api/v1/groups", json!({"name": "读书会"})).await["group_id"]
        .as_i64()
        .unwrap();
    let gift = created(
        cx,
        &t,
        "/api/v1/gifts",
        json!({"name": "试吃装", "cost_fen": 250}),
    )
    .await["gift_id"]
        .as_i64()
        .unwrap();
    let code = created(
        cx,
        &t,
        "/api/v1/live-codes",
        json!({"name": "门口海报", "slug": "poster", "group_ids": [g], "gift_id": gift}),
    )
    .await;
    (t, g, gift, code["live_code_id"].as_i64().unwrap())
}

async fn member(cx: &Routed, t: &TestTenant, name: &str) -> i64 {
    created(cx, t, "/api/v1/members", json!({"name": name})).await["member_id"]
        .as_i64()
        .unwrap()
}
