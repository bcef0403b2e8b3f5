//! Offers over HTTP: a spend-get offer created (bad fields named), applied to an order once
//! per key (201 then 200), refused with 409 naming why; a coupon handed to a member and used
//! at the till once (409 saying when and by whom); another tenant sees none of it.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::members;
use quanzi_domain::member::MemberInput;
use quanzi_testkit::http::api as call;
use quanzi_testkit::{TestDb, spawn_app_with, tenant};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

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

#[tokio::test]
async fn a_member_takes_a_coupon_on_the_phone_and_staff_use_it_at_the_till_once() {
    use quanzi_testkit::http::{browser, hidden, logged_in, page, post_form};
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let app = spawn_app_with(db.clone(), quanzi_testkit::server()).await;
    let c = reqwest::Client::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let coupon = json!({"name": "满50减10", "kind": "coupon", "threshold_fen": 5_000, "discount_fen": 1_000,
        "stock": 1, "valid_from_ms": now - 1_000, "valid_until_ms": now + 3_600_000});
    let (s, offer) = call(
        &c,
        &t.write_key,
        Method::POST,
        format!("{}/api/v1/offers", app.url),
        coupon,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{offer}");
    let id = offer["offer_id"].as_i64().unwrap();
    let m = members::create(
        db,
        t.id,
        MemberInput {
            name: Some("小红".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .member_id;
    let link = quanzi_core::visitors::link(db, &quanzi_testkit::server(), t.id, m, 30)
        .await
        .unwrap();
    let phone = browser();
    let url = format!("{}/h/shop/o/{id}", app.url);
    let html = page(&phone, &format!("{url}?m={link}")).await;
    assert!(
        html.contains("立减 ¥10.00") && html.contains("满 ¥50.00 可用"),
        "{html}"
    );
    assert!(
        html.contains("还剩 1 份") && html.contains(">领取<"),
        "{html}"
    );
    let r = phone.post(format!("{url}/claim")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = page(&phone, &format!("{url}?r=got")).await;
    assert!(
        html.contains("领取成功") && !html.contains(">领取<"),
        "{html}"
    );
    let (_, mine) = call(
        &c,
        &t.read_key,
        Method::GET,
        format!("{}/api/v1/members/{}/offers", app.url, m.0),
        Value::Null,
    )
    .await;
    let code = mine[0]["code"].as_str().unwrap().to_string();
    assert!(html.contains(&code), "the code is shown: {html}");
    let me = page(&phone, &format!("{}/h/shop/me", app.url)).await;
    assert!(me.contains(&code) && me.contains("满50减10"), "{me}");
    // Sold out for anyone else, said before they tap.
    let other = browser();
    let html = page(&other, &format!("{url}?lang=en")).await;
    assert!(
        html.contains("all gone") && !html.contains(">Get it<"),
        "{html}"
    );

    // At the till: the amount below the threshold is refused beside its field, then used once.
    let (staff, _) = logged_in(&app.url, &t.owner_email, &t.password).await;
    let till = page(
        &staff,
        &format!("{}/ui/redeem?code={}", app.url, code.to_lowercase()),
    )
    .await;
    assert!(
        till.contains("满50减10") && till.contains("redeem-amount"),
        "{till}"
    );
    let csrf = hidden(&till, "_csrf");
    let form = |amount: &'static str| {
        [
            ("_csrf", csrf.clone()),
            ("code", code.clone()),
            ("amount", amount.to_string()),
        ]
    };
    let f = form("49.99");
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, _, body) = post_form(&staff, &format!("{}/ui/redeem", app.url), &pairs).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("未达到使用门槛 ¥50.00"), "{body}");
    let f = form("88");
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, to, _) = post_form(&staff, &format!("{}/ui/redeem", app.url), &pairs).await;
    assert_eq!((s, to.contains("done=1")), (StatusCode::SEE_OTHER, true));
    let (s, _, body) = post_form(&staff, &format!("{}/ui/redeem", app.url), &pairs).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("已核销"),
        "a second use says it was used: {body}"
    );
    let html = page(&phone, &url).await;
    assert!(html.contains("已使用"), "{html}");
}

#[tokio::test]
async fn an_operator_creates_an_offer_by_its_form_sees_its_figures_and_closes_it() {
    use quanzi_testkit::http::{hidden, logged_in, page, post_form};
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let app = spawn_app_with(db.clone(), quanzi_testkit::server()).await;
    let (op, _) = logged_in(&app.url, &t.owner_email, &t.password).await;
    let new = format!("{}/ui/campaigns/offers/new", app.url);
    let form = page(&op, &new).await;
    assert!(
        form.contains("减免金额（元）") && form.contains("datetime-local"),
        "{form}"
    );
    let csrf = hidden(&form, "_csrf");
    let from = hidden(&form, "valid_from");
    let until = hidden(&form, "valid_until");
    // Money off and a gift both, an end before the start: 422 beside each, nothing stored.
    let (status, _, body) = post_form(
        &op,
        &new,
        &[
            ("_csrf", &csrf),
            ("name", "满100减20"),
            ("kind", "spend_get"),
            ("threshold", "100"),
            ("discount", "20"),
            ("gift_name", "保温杯"),
            ("valid_from", &until),
            ("valid_until", &from),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("减免金额和赠品只能填一个"), "{body}");
    assert!(
        body.contains("须晚于开始时间") && body.contains("保温杯"),
        "{body}"
    );
    assert!(
        quanzi_core::offers::list(db, t.id)
            .await
            .unwrap()
            .is_empty()
    );
    let (status, to, _) = post_form(
        &op,
        &new,
        &[
            ("_csrf", &csrf),
            ("name", "满100减20"),
            ("kind", "spend_get"),
            ("threshold", "100"),
            ("discount", "20"),
            ("stock", "50"),
            ("valid_from", &from),
            ("valid_until", &until),
        ],
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (StatusCode::SEE_OTHER, "/ui/campaigns#offers")
    );
    let stored = quanzi_core::offers::list(db, t.id).await.unwrap();
    assert_eq!(
        (stored[0].threshold_fen, stored[0].stock),
        (10_000, Some(50))
    );
    let id = stored[0].offer_id.0;
    let overview = page(&op, &format!("{}/ui/campaigns", app.url)).await;
    assert!(
        overview.contains("满 ¥100.00 · 减 ¥20.00") && overview.contains("0 / 50"),
        "{overview}"
    );
    let close = format!("{}/ui/campaigns/offers/{id}/close", app.url);
    let (status, _, _) = post_form(&op, &close, &[("_csrf", "forged")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = post_form(&op, &close, &[("_csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let o = quanzi_core::offers::get(db, t.id, quanzi_domain::OfferId(id))
        .await
        .unwrap();
    assert!(o.closed_at_ms.is_some());
    let other = tenant(db, "other").await;
    let (them, _) = logged_in(&app.url, &other.owner_email, &other.password).await;
    let theirs = page(&them, &format!("{}/ui/campaigns", app.url)).await;
    assert!(!theirs.contains("满100减20"));
    let csrf = hidden(&theirs, "_csrf");
    let (status, _, _) = post_form(&them, &close, &[("_csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
