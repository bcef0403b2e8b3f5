//! Lotteries over HTTP: the API creates one (commitment published, seed hidden), draws and
//! upgrades for members (409 naming the field when refused), closes it (seed revealed); the
//! member draws and upgrades on the page, and anyone fetches the record from the member page
//! and checks it with nothing else, as `quanzi verify-draw` does.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::lotteries::record::{Checked, LotteryRecord, check};
use quanzi_core::{members, visitors};
use quanzi_domain::member::MemberInput;

use quanzi_testkit::http::api as call;
use quanzi_testkit::http::{browser, page};
use quanzi_testkit::{TestDb, spawn_app_with, tenant};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn a_lottery_is_drawn_over_the_api_and_the_page_and_its_record_checks_out() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let server = quanzi_testkit::server();
    let app = spawn_app_with(db.clone(), server.clone()).await;
    let c = reqwest::Client::new();
    let k = &t.write_key;
    let api = |p: &str| format!("{}/api/v1{p}", app.url);
    let now = quanzi_core::read::now_ms();
    let mut ids = Vec::new();
    for i in 0..3 {
        let input = MemberInput {
            name: Some(format!("会员{i}")),
            ..Default::default()
        };
        ids.push(members::create(db, t.id, input).await.unwrap().member_id);
    }
    let body = json!({
        "name": "周年庆", "budget_fen": 100000, "draws_per_member": 1,
        "starts_at_ms": now - 1000, "ends_at_ms": now + 3_600_000,
        "tiers": [
            {"name": "一等奖", "cost_fen": 2000, "stock": 5, "odds_ppm": 100000},
            {"name": "三等奖", "cost_fen": 100, "stock": 100, "everyone_wins": true, "upgrade_to": 0, "upgrade_price_fen": 1990}
        ]
    });
    let (s, l) = call(&c, k, Method::POST, api("/lotteries"), body).await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    assert_eq!(
        (l["status"].clone(), l["seed"].clone()),
        (json!("open"), Value::Null)
    );
    assert_eq!(l["tiers"][1]["margin_fen"], 1990 - 1900);
    let id = l["lottery_id"].as_i64().unwrap();
    let (s, bad) = call(
        &c,
        k,
        Method::POST,
        api("/lotteries"),
        json!({"name": "x", "starts_at_ms": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    // Over the API: a draw, then no draws left.
    let draws = api(&format!("/lotteries/{id}/draws"));
    let (s, d) = call(
        &c,
        k,
        Method::POST,
        draws.clone(),
        json!({"member_id": ids[0].0}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    assert!(d["prize"].is_string(), "everyone wins something here: {d}");
    let (s, again) = call(
        &c,
        k,
        Method::POST,
        draws.clone(),
        json!({"member_id": ids[0].0}),
    )
    .await;
    assert_eq!(
        (s, again["error"]["fields"][0]["field"].clone()),
        (StatusCode::CONFLICT, json!("member_id"))
    );
    let (s, _) = call(
        &c,
        k,
        Method::POST,
        api(&format!("/lotteries/{id}/upgrades")),
        json!({"member_id": ids[1].0, "draw_no": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "nothing to upgrade before a draw");
    // On the page: a member draws and, with a third prize, upgrades it.
    let link = visitors::link(db, &server, t.id, ids[1], 30).await.unwrap();
    let b = browser();
    let url = format!("{}/h/shop/l/{id}", app.url);
    let html = page(&b, &format!("{url}?m={link}")).await;
    assert!(
        html.contains(l["commitment"].as_str().unwrap()) && html.contains("/draw"),
        "{html}"
    );
    let r = b.post(format!("{url}/draw")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after = page(&b, &url).await;
    assert!(after.contains("我的抽奖"), "{after}");
    if after.contains("升级为一等奖") {
        let r = b
            .post(format!("{url}/upgrade"))
            .form(&[("draw_no", "1")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.headers()["location"],
            format!("/h/shop/l/{id}?r=upgraded")
        );
    }
    // Before the end the record has no seed; after it, anyone can check it.
    let early: LotteryRecord = browser()
        .get(format!("{url}/record.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(check(&early), Checked::NotRevealed);
    let (s, closed) = call(
        &c,
        k,
        Method::POST,
        api(&format!("/lotteries/{id}/close")),
        Value::Null,
    )
    .await;
    assert_eq!((s, closed["seed"].is_string()), (StatusCode::OK, true));
    let r: LotteryRecord = browser()
        .get(format!("{url}/record.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        matches!(check(&r), Checked::Fair { draws: 2, .. }),
        "{:?}",
        check(&r)
    );
    let shown = page(&b, &url).await;
    assert!(
        shown.contains("id=\"verdict\"") && shown.contains("✓"),
        "{shown}"
    );
    let (s, _) = call(&c, k, Method::POST, draws, json!({"member_id": ids[2].0})).await;
    assert_eq!(s, StatusCode::CONFLICT, "no draw after the end");
}
