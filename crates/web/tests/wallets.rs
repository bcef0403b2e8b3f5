//! Wallets over HTTP: the top-up plan, top-ups once per key with their bonus, a spend refused
//! with 409 naming the amount, a refund; the member's wallet page; and a held flash-sale order
//! paid from the wallet on the sale's page, once.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::{members, visitors};
use quanzi_domain::member::MemberInput;
use quanzi_testkit::http::api as call;
use quanzi_testkit::http::{hidden, page};
use quanzi_testkit::{TestDb, spawn_app_with, tenant};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn a_wallet_is_topped_up_spent_and_refunded_and_pays_a_held_order_once() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let server = quanzi_testkit::server();
    let app = spawn_app_with(db.clone(), server.clone()).await;
    let c = reqwest::Client::new();
    let k = &t.write_key;
    let api = |p: &str| format!("{}/api/v1{p}", app.url);
    let (s, bad) = call(
        &c,
        k,
        Method::PUT,
        api("/wallet-plan"),
        json!({"tiers": [{"min_top_up_fen": 0, "bonus_fen": -1}]}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let (s, array) = call(&c, k, Method::PUT, api("/wallet-plan"), json!([null, null])).await;
    assert_eq!(
        (s, array["error"]["fields"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("body"))
    );
    let early = json!({"product": "x", "price_fen": 1, "stock": 1, "starts_at_ms": i64::MIN, "ends_at_ms": 0});
    let (s, _) = call(&c, k, Method::POST, api("/flash-sales"), early).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a window from the year -292 million is refused, not a crash"
    );
    let (s, plan) = call(
        &c,
        k,
        Method::PUT,
        api("/wallet-plan"),
        json!({"tiers": [{"min_top_up_fen": 10000, "bonus_fen": 2000}], "bonus_valid_days": 90}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{plan}");
    let m = members::create(
        db,
        t.id,
        MemberInput {
            name: Some("小储".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .member_id;
    let wallet = |p: &str| api(&format!("/members/{}/wallet{p}", m.0));
    let (s, first) = call(
        &c,
        k,
        Method::POST,
        wallet("/top-ups"),
        json!({"amount_fen": 10000, "key": "pos-1"}),
    )
    .await;
    assert_eq!(
        (s, first["bonus_fen"].clone()),
        (StatusCode::CREATED, json!(2000)),
        "{first}"
    );
    let (s, again) = call(
        &c,
        k,
        Method::POST,
        wallet("/top-ups"),
        json!({"amount_fen": 10000, "key": "pos-1"}),
    )
    .await;
    assert_eq!(
        (s, again["entry"]["entry_id"].clone()),
        (StatusCode::OK, first["entry"]["entry_id"].clone())
    );
    let (s, short) = call(
        &c,
        k,
        Method::POST,
        wallet("/spends"),
        json!({"amount_fen": 99999, "key": "s-1"}),
    )
    .await;
    assert_eq!(
        (s, short["error"]["fields"][0]["field"].clone()),
        (StatusCode::CONFLICT, json!("amount_fen"))
    );
    let (s, spent) = call(
        &c,
        k,
        Method::POST,
        wallet("/spends"),
        json!({"amount_fen": 1200, "key": "s-2"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{spent}");
    let entry = spent["entry"]["entry_id"].as_i64().unwrap();
    let (s, _) = call(
        &c,
        k,
        Method::POST,
        wallet("/refunds"),
        json!({"entry_id": entry, "key": "r-1"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = call(
        &c,
        k,
        Method::POST,
        wallet("/refunds"),
        json!({"entry_id": entry, "key": "r-2"}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "refunded once");
    let (_, w) = call(&c, k, Method::GET, wallet(""), Value::Null).await;
    assert_eq!(w["total_fen"], 12000);
    // The member's page, and a held order paid from the wallet.
    let now = quanzi_core::read::now_ms();
    let input = quanzi_domain::flash_sale::FlashSaleInput {
        product: Some("礼盒".into()),
        price_fen: Some(5000),
        stock: Some(3),
        starts_at_ms: Some(now - 1000),
        ends_at_ms: Some(now + 3_600_000),
        ..Default::default()
    };
    let sale = quanzi_core::flash_sales::create(db, t.id, input)
        .await
        .unwrap();
    let link = visitors::link(db, &server, t.id, m, 30).await.unwrap();
    let b = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mine = page(&b, &format!("{}/h/shop/w?m={link}", app.url)).await;
    assert!(
        mine.contains("¥120.00") || mine.contains("请通过"),
        "{mine}"
    );
    let url = format!("{}/h/shop/s/{}", app.url, sale.flash_sale_id.0);
    let html = page(&b, &format!("{url}?m={link}")).await;
    let key = hidden(&html, "key");
    b.post(format!("{url}/buy"))
        .form(&[("key", key.as_str())])
        .send()
        .await
        .unwrap();
    let held = page(&b, &url).await;
    let action = held
        .split("action=\"")
        .find(|a| a.contains("/wallet\""))
        .map(|a| a.split('"').next().unwrap().to_string())
        .expect("a pay-from-wallet form");
    for _ in 0..2 {
        let r = b.post(format!("{}{action}", app.url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let (_, w) = call(&c, k, Method::GET, wallet(""), Value::Null).await;
    assert_eq!(w["total_fen"], 7000, "paid once: {w}");
    let mine = page(&b, &format!("{}/h/shop/w", app.url)).await;
    assert!(mine.contains("¥70.00"), "{mine}");
}

#[tokio::test]
async fn the_till_tops_up_once_per_form_and_the_plan_form_names_its_bad_fields() {
    use quanzi_testkit::http::{logged_in, post_form};
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "till").await;
    let app = spawn_app_with(db.clone(), quanzi_testkit::server()).await;
    let m = members::create(
        db,
        t.id,
        MemberInput {
            name: Some("王阿姨".into()),
            phone: Some("13800138001".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .member_id;
    let (op, _) = logged_in(&app.url, &t.owner_email, &t.password).await;
    let base = format!("{}/ui/campaigns/wallets", app.url);
    let html = page(&op, &format!("{base}?who=13800138001")).await;
    assert!(
        html.contains("王阿姨") && html.contains("till-form"),
        "{html}"
    );
    let (csrf, key) = (hidden(&html, "_csrf"), hidden(&html, "key"));
    let id = m.0.to_string();
    let form = [
        ("_csrf", csrf.as_str()),
        ("member_id", id.as_str()),
        ("op", "top_up"),
        ("amount", "100"),
        ("key", key.as_str()),
    ];
    for _ in 0..2 {
        let (status, location, _) = post_form(&op, &format!("{base}/till"), &form).await;
        assert_eq!(
            (status, location),
            (
                StatusCode::SEE_OTHER,
                format!("/ui/campaigns/wallets?who={id}&done=top_up")
            )
        );
    }
    let w = quanzi_core::wallets::wallet(db, t.id, m, 10).await.unwrap();
    assert_eq!(
        (w.total_fen, w.entries.len()),
        (10_000, 1),
        "one top-up for a form sent twice"
    );
    let short = [
        ("_csrf", csrf.as_str()),
        ("member_id", id.as_str()),
        ("op", "spend"),
        ("amount", "999"),
        ("key", "k2"),
    ];
    let (status, _, body) = post_form(&op, &format!("{base}/till"), &short).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("余额不足"), "{body}");
    let plan = [
        ("_csrf", csrf.as_str()),
        ("tier0_pay", "abc"),
        ("tier0_bonus", "20"),
        ("bonus_valid_days", "90"),
    ];
    let (status, _, body) = post_form(&op, &format!("{base}/plan"), &plan).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("充值满（元）"), "{body}");
    let good = [
        ("_csrf", csrf.as_str()),
        ("tier0_pay", "100"),
        ("tier0_bonus", "20"),
        ("bonus_valid_days", "90"),
    ];
    let (status, _, _) = post_form(&op, &format!("{base}/plan"), &good).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        quanzi_core::wallets::top_up_plan(db, t.id)
            .await
            .unwrap()
            .tiers
            .len(),
        1
    );
}
