//! Flash sales over HTTP: the API creates a sale, buys for members (201, then 200 for the
//! same key, 409 naming the field that stood in the way), pays and cancels orders and shows
//! the results; a member opens the sale's page by their signed link and buys with the form,
//! a double tap buying once; the operator's pages show the sale and refuse a bad form beside
//! its fields, in the operator's language.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::{members, visitors};
use quanzi_domain::member::MemberInput;

use quanzi_testkit::http::api as call;
use quanzi_testkit::http::{browser, hidden, logged_in, page, post_form};
use quanzi_testkit::{TestDb, spawn_app_with, tenant};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn now() -> i64 {
    quanzi_core::read::now_ms()
}

#[tokio::test]
async fn the_api_sells_a_sale_once_per_key_refuses_with_the_field_and_pays_into_an_order() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let app = spawn_app_with(db.clone(), quanzi_testkit::server()).await;
    let c = reqwest::Client::new();
    let k = &t.write_key;
    let api = |p: &str| format!("{}/api/v1{p}", app.url);
    let mut ids = Vec::new();
    for i in 0..3 {
        let input = MemberInput {
            name: Some(format!("会员{i}")),
            ..Default::default()
        };
        ids.push(members::create(db, t.id, input).await.unwrap().member_id.0);
    }
    let (s, bad) = call(
        &c,
        k,
        Method::POST,
        api("/flash-sales"),
        json!({"product": "", "price_fen": 0, "starts_at_ms": 5, "ends_at_ms": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> = bad["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["product", "price_fen", "stock", "ends_at_ms"]);
    let sale = json!({"product": "牛肉干", "price_fen": 990, "stock": 2, "per_member_limit": 1,
        "starts_at_ms": now() - 1000, "ends_at_ms": now() + 3_600_000});
    let (s, created) = call(&c, k, Method::POST, api("/flash-sales"), sale).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "open");
    let id = created["flash_sale_id"].as_i64().unwrap();
    let orders = api(&format!("/flash-sales/{id}/orders"));
    let buy = |m: i64, key: &str| json!({"member_id": m, "key": key});
    let (s, first) = call(&c, k, Method::POST, orders.clone(), buy(ids[0], "a1")).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(first["state"], "held");
    let (s, again) = call(&c, k, Method::POST, orders.clone(), buy(ids[0], "a1")).await;
    assert_eq!(
        (s, again["order_id"].clone()),
        (StatusCode::OK, first["order_id"].clone())
    );
    let (s, over) = call(&c, k, Method::POST, orders.clone(), buy(ids[0], "a2")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(over["error"]["fields"][0]["field"], "quantity");
    assert_eq!(over["error"]["fields"][0]["reason"], "over_limit");
    call(&c, k, Method::POST, orders.clone(), buy(ids[1], "b")).await;
    let (s, sold) = call(&c, k, Method::POST, orders.clone(), buy(ids[2], "c")).await;
    assert_eq!(
        (s, sold["error"]["fields"][0]["reason"].clone()),
        (StatusCode::CONFLICT, json!("sold_out"))
    );
    let (s, ghost) = call(&c, k, Method::POST, orders.clone(), buy(999_999, "g")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{ghost}");
    // Paid: an order event; paid again: the same answer; cancel after paying: refused.
    let o = first["order_id"].as_i64().unwrap();
    let (s, paid) = call(
        &c,
        k,
        Method::POST,
        api(&format!("/orders/{o}/pay")),
        json!({"payment_ref": "wx-1"}),
    )
    .await;
    assert_eq!((s, paid["state"].clone()), (StatusCode::OK, json!("paid")));
    let (s, _) = call(
        &c,
        k,
        Method::POST,
        api(&format!("/orders/{o}/cancel")),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, results) = call(
        &c,
        k,
        Method::GET,
        api(&format!("/flash-sales/{id}/results")),
        Value::Null,
    )
    .await;
    assert_eq!(results["sale"]["left"], 0);
    let paid_row = results["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["state"] == "paid")
        .unwrap()
        .clone();
    assert_eq!(
        (paid_row["units"].clone(), paid_row["amount_fen"].clone()),
        (json!(1), json!(990))
    );
    let r = c
        .get(api("/events?kind=order"))
        .bearer_auth(k)
        .send()
        .await
        .unwrap();
    let ev: Value = r.json().await.unwrap();
    assert_eq!(ev["items"][0]["reference"], format!("fs:{id}"));
    // A read key may look, not buy.
    let (s, _) = call(&c, &t.read_key, Method::POST, orders, buy(ids[2], "r")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_member_buys_on_the_sale_page_once_and_the_operator_sees_it() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let server = quanzi_testkit::server();
    let app = spawn_app_with(db.clone(), server.clone()).await;
    let input = quanzi_domain::flash_sale::FlashSaleInput {
        product: Some("鲜榨橙汁".into()),
        price_fen: Some(1990),
        stock: Some(5),
        per_member_limit: Some(2),
        starts_at_ms: Some(now() - 1000),
        ends_at_ms: Some(now() + 3_600_000),
        ..Default::default()
    };
    let sale = quanzi_core::flash_sales::create(db, t.id, input)
        .await
        .unwrap();
    let id = sale.flash_sale_id.0;
    let m = members::create(
        db,
        t.id,
        MemberInput {
            name: Some("小美".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let url = format!("{}/h/shop/s/{id}", app.url);
    // A stranger may buy too: the first buy records them as a prospect.
    let stranger = browser();
    let html = page(&stranger, &url).await;
    assert!(
        html.contains("鲜榨橙汁") && html.contains("name=\"key\""),
        "{html}"
    );
    let before = quanzi_core::read::member::count(db, t.id).await.unwrap();
    let key = hidden(&html, "key");
    let r = stranger
        .post(format!("{url}/buy"))
        .form(&[("key", key.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], format!("/h/shop/s/{id}?r=held"));
    assert_eq!(
        quanzi_core::read::member::count(db, t.id).await.unwrap(),
        before + 1
    );
    let link = visitors::link(db, &server, t.id, m.member_id, 30)
        .await
        .unwrap();
    let b = browser();
    let html = page(&b, &format!("{url}?m={link}")).await;
    let key = hidden(&html, "key");
    assert!(!key.is_empty(), "{html}");
    for _ in 0..2 {
        let r = b
            .post(format!("{url}/buy"))
            .form(&[("key", key.as_str()), ("quantity", "2")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], format!("/h/shop/s/{id}?r=held"));
    }
    let after = page(&b, &format!("{url}?r=held&lang=en")).await;
    assert!(
        after.contains("Got it!") && after.contains("Awaiting payment"),
        "{after}"
    );
    let left = quanzi_core::flash_sales::get(db, t.id, sale.flash_sale_id)
        .await
        .unwrap();
    assert_eq!(left.taken, 3, "a double tap buys once");
    let r = b
        .post(format!("{url}/buy"))
        .form(&[("key", "other"), ("quantity", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The operator's pages.
    let (op, _) = logged_in(&app.url, &t.owner_email, &t.password).await;
    let list = page(&op, &format!("{}/ui/campaigns", app.url)).await;
    assert!(list.contains("鲜榨橙汁"), "{list}");
    let detail = page(&op, &format!("{}/ui/campaigns/sales/{id}", app.url)).await;
    assert!(
        detail.contains(&format!("/h/shop/s/{id}")) && detail.contains("/pay"),
        "{detail}"
    );
    let form = page(&op, &format!("{}/ui/campaigns/sales/new", app.url)).await;
    let csrf = hidden(&form, "_csrf");
    let (status, _, body) = post_form(
        &op,
        &format!("{}/ui/campaigns/sales/new", app.url),
        &[
            ("_csrf", csrf.as_str()),
            ("product", "x"),
            ("price", "abc"),
            ("stock", "5"),
            ("starts_at", "soon"),
            ("ends_at", "2026-12-31T10:00"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("抢购价（元）") && body.contains("2026-12-03 14:30"),
        "{body}"
    );
    assert_eq!(
        quanzi_core::flash_sales::list(db, t.id)
            .await
            .unwrap()
            .len(),
        1,
        "nothing stored"
    );
}
