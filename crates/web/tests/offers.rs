//! Offers over HTTP: a spend-get offer created (bad fields named), applied to an order once
//! per key (201 then 200), refused with 409 naming why; a coupon handed to a member and used
//! at the till once (409 saying when and by whom); another tenant sees none of it.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::members;
use quanzi_domain::member::MemberInput;
use quanzi_testkit::{TestDb, spawn_app_with, tenant};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn call(
    c: &reqwest::Client,
    key: &str,
    m: Method,
    url: String,
    body: Value,
) -> (StatusCode, Value) {
    let body = (!body.is_null()).then_some(body);
    quanzi_testkit::http::call(c, "", key, m, &url, body).await
}

#[tokio::test]
async fn an_offer_is_applied_once_per_order_and_a_coupon_used_once() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let other = tenant(db, "other").await;
    let app = spawn_app_with(db.clone(), quanzi_testkit::server()).await;
    let c = reqwest::Client::new();
    let k = &t.write_key;
    let api = |p: &str| format!("{}/api/v1{p}", app.url);
    let m = members::create(
        db,
        t.id,
        MemberInput {
            name: Some("王姐".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .member_id;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;

    let bad = json!({"name": "", "kind": "spend_get", "threshold_fen": 10_000, "discount_fen": 20_000,
        "valid_from_ms": now, "valid_until_ms": now - 1});
    let (s, e) = call(&c, k, Method::POST, api("/offers"), bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let fields: Vec<&str> = e["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(fields, ["name", "discount_fen", "valid_until_ms"], "{e}");

    let spend = json!({"name": "满100减20", "kind": "spend_get", "threshold_fen": 10_000, "discount_fen": 2_000,
        "stock": 2, "valid_from_ms": now - 1_000, "valid_until_ms": now + 3_600_000});
    let (s, offer) = call(&c, k, Method::POST, api("/offers"), spend).await;
    assert_eq!(s, StatusCode::CREATED, "{offer}");
    let id = offer["offer_id"].as_i64().unwrap();
    let order = json!({"member_id": m.0, "order_fen": 12_800, "key": "pos-1"});
    let (s, g) = call(
        &c,
        k,
        Method::POST,
        api(&format!("/offers/{id}/apply")),
        order.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{g}");
    let (s, again) = call(
        &c,
        k,
        Method::POST,
        api(&format!("/offers/{id}/apply")),
        order,
    )
    .await;
    assert_eq!((s, &again["grant_id"]), (StatusCode::OK, &g["grant_id"]));
    let low = json!({"member_id": m.0, "order_fen": 9_000, "key": "pos-2"});
    let (s, e) = call(
        &c,
        k,
        Method::POST,
        api(&format!("/offers/{id}/apply")),
        low,
    )
    .await;
    assert_eq!(
        (s, &e["error"]["fields"][0]["field"]),
        (StatusCode::CONFLICT, &json!("order_fen"))
    );
    let (s, e) = call(
        &c,
        k,
        Method::POST,
        api(&format!("/offers/{id}/coupons")),
        json!({"member_id": m.0, "key": "x"}),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "a spend-get offer is not handed out: {e}"
    );

    let coupon = json!({"name": "无门槛5元券", "kind": "coupon", "discount_fen": 500, "stock": 10,
        "valid_from_ms": now - 1_000, "valid_until_ms": now + 3_600_000});
    let (s, offer) = call(&c, k, Method::POST, api("/offers"), coupon).await;
    assert_eq!(s, StatusCode::CREATED, "{offer}");
    let cid = offer["offer_id"].as_i64().unwrap();
    let (s, held) = call(
        &c,
        k,
        Method::POST,
        api(&format!("/offers/{cid}/coupons")),
        json!({"member_id": m.0, "key": "welcome"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{held}");
    let code = held["code"].as_str().unwrap().to_string();
    let till = json!({"code": code.to_lowercase(), "order_fen": 3_000, "order_key": "pos-3", "by": "小王"});
    let (s, used) = call(&c, k, Method::POST, api("/coupons/use"), till.clone()).await;
    assert_eq!(
        (s, &used["offer"]["used"]),
        (StatusCode::OK, &json!(1)),
        "{used}"
    );
    let (s, e) = call(&c, k, Method::POST, api("/coupons/use"), till).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("小王"),
        "{e}"
    );
    let (s, mine) = call(
        &c,
        k,
        Method::GET,
        api(&format!("/members/{}/offers", m.0)),
        Value::Null,
    )
    .await;
    assert_eq!(
        (s, mine.as_array().map(Vec::len)),
        (StatusCode::OK, Some(2))
    );

    // Another tenant's key sees neither the offer nor the coupon.
    let o = &other.write_key;
    let (s, _) = call(
        &c,
        o,
        Method::GET,
        api(&format!("/offers/{cid}")),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let till = json!({"code": code, "order_fen": 3_000, "order_key": "pos-9", "by": "他店"});
    let (s, _) = call(&c, o, Method::POST, api("/coupons/use"), till).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, list) = call(&c, o, Method::GET, api("/offers"), Value::Null).await;
    assert_eq!((s, list), (StatusCode::OK, json!([])));
    let (s, _) = call(
        &c,
        &t.read_key,
        Method::POST,
        api(&format!("/offers/{cid}/close")),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
