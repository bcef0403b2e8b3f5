//! Red envelopes over HTTP: a plan created through the API (refused naming `group_ids` for a
//! foreign group and `budget_fen` when it does not cover every envelope), its record of who
//! received what, the payment tool's instruction file and its paid file back, once; and the
//! member page, where a member of the group opens an envelope and sees what they got and who
//! got what (手气最佳 once all are taken), while a new visitor in another browser becomes a
//! prospect and is told the envelope is not for them.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::Db;
use quanzi_core::{groups, members, visitors};
use quanzi_domain::group::GroupInput;
use quanzi_domain::member::MemberInput;
use quanzi_domain::query::MemberFilter;
use quanzi_domain::{GroupId, MemberId, TenantId};
use quanzi_testkit::http::{browser, call, page};
use quanzi_testkit::{TestDb, spawn_app_with, tenant};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn group(db: &Db, t: TenantId, name: &str) -> GroupId {
    let input = GroupInput {
        name: Some(name.into()),
        ..Default::default()
    };
    groups::create(db, t, input).await.unwrap().group_id
}

async fn member(db: &Db, t: TenantId, name: &str, phone: &str, g: Option<GroupId>) -> MemberId {
    let input = MemberInput {
        name: Some(name.into()),
        phone: Some(phone.into()),
        ..Default::default()
    };
    let m = members::create(db, t, input).await.unwrap().member_id;
    if let Some(g) = g {
        groups::add_member(db, t, g, m, None, None, None)
            .await
            .unwrap();
    }
    m
}

fn plan(groups: &[GroupId], at_ms: i64, total: i64, count: i64, budget: i64) -> Value {
    json!({
        "name": "周五晚八点红包",
        "group_ids": groups.iter().map(|g| g.0).collect::<Vec<_>>(),
        "at_ms": [at_ms],
        "total_fen": total,
        "count": count,
        "split": "random",
        "budget_fen": budget,
    })
}

#[tokio::test]
async fn a_plan_records_who_received_what_and_the_paid_file_pays_each_share_once() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let app = spawn_app_with(db.clone(), quanzi_testkit::server()).await;
    let c = reqwest::Client::new();
    let (w, r) = (t.write_key.as_str(), t.read_key.as_str());
    let g = group(db, t.id, "宝妈一群").await;
    let elsewhere = tenant(db, "other").await;
    let foreign = group(db, elsewhere.id, "别家群").await;
    let now = quanzi_core::read::now_ms();
    let path = "/api/v1/red-envelope-plans";
    for (body, field) in [
        (plan(&[g, foreign], now, 600, 3, 1200), "group_ids"),
        (plan(&[g], now, 600, 3, 599), "budget_fen"),
        (plan(&[g], now, 2, 3, 600), "total_fen"),
    ] {
        let (s, e) = call(&c, &app.url, w, Method::POST, path, Some(body)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["error"]["fields"][0]["field"], field, "{e}");
    }
    let body = Some(plan(&[g], now - 1000, 600, 3, 600));
    let (s, _) = call(&c, &app.url, r, Method::POST, path, body.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a read key cannot create");
    let (s, created) = call(&c, &app.url, w, Method::POST, path, body).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["plan"]["red_envelope_plan_id"].as_i64().unwrap();
    assert_eq!(created["plan"]["cost_fen"], 600);
    let send = &created["sends"][0];
    assert_eq!(
        (send["status"].as_str(), send["count"].as_i64()),
        (Some("open"), Some(3))
    );
    let shares = send["shares"].as_array().unwrap();
    assert_eq!(
        shares
            .iter()
            .map(|s| s["amount_fen"].as_i64().unwrap())
            .sum::<i64>(),
        600
    );
    assert!(shares.iter().all(|s| s["member_id"].is_null()));
    let send_id = send["red_envelope_send_id"].as_i64().unwrap();
    // Two members of the group claim on their phones.
    let a = member(db, t.id, "小红", "13800001111", Some(g)).await;
    let b = member(db, t.id, "小明", "13800002222", Some(g)).await;
    for m in [a, b] {
        let link = visitors::link(db, &quanzi_testkit::server(), t.id, m, 30)
            .await
            .unwrap();
        let phone = browser();
        page(&phone, &format!("{}/h/shop/re/{send_id}?m={link}", app.url)).await;
        let r = phone
            .post(format!("{}/h/shop/re/{send_id}/claim", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let one = format!("{path}/{id}");
    let (s, record) = call(&c, &app.url, r, Method::GET, &one, None).await;
    assert_eq!(s, StatusCode::OK, "{record}");
    let shares = record["sends"][0]["shares"].as_array().unwrap();
    let names: Vec<_> = shares
        .iter()
        .filter_map(|s| s["member_name"].as_str())
        .collect();
    assert_eq!(names, ["小红", "小明"]);
    assert!(shares[0]["claimed_at_ms"].is_i64() && shares[0]["paid_at_ms"].is_null());
    assert_eq!(record["plan"]["claimed_shares"], 2);
    let (_, list) = call(&c, &app.url, r, Method::GET, path, None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (s, _) = call(
        &c,
        &app.url,
        r,
        Method::GET,
        &format!("{path}/999999"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The instruction file lists the two claimed shares; the tool's file pays one of them.
    let csv_url = format!("{}{one}/payouts.csv", app.url);
    let denied = c.get(&csv_url).bearer_auth(r).send().await.unwrap();
    assert_eq!(
        denied.status(),
        StatusCode::FORBIDDEN,
        "it holds phone numbers"
    );
    let csv = c.get(&csv_url).bearer_auth(w).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[1].contains(",小红,13800001111,"), "{csv}");
    let first = shares[0]["red_envelope_share_id"].as_i64().unwrap();
    let second = shares[1]["red_envelope_share_id"].as_i64().unwrap();
    let file = format!("share_id,status\n{first},SUCCESS\n{second},FAIL\n");
    let paid_url = format!("{}{one}/paid", app.url);
    let send_file = |ct: &'static str| {
        c.post(&paid_url)
            .bearer_auth(w)
            .header("content-type", ct)
            .body(file.clone())
            .send()
    };
    let wrong = send_file("application/json").await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let report: Value = send_file("text/csv").await.unwrap().json().await.unwrap();
    assert_eq!(
        (report["paid"].as_i64(), report["skipped"].as_i64()),
        (Some(1), Some(1)),
        "{report}"
    );
    assert_eq!(
        report["lines"][1]["reason"],
        "status is \"FAIL\", not paid or success"
    );
    let again: Value = send_file("text/csv").await.unwrap().json().await.unwrap();
    assert_eq!(again["paid"], 0, "{again}");
    assert_eq!(again["lines"][0]["reason"], "paid already");
    let (_, record) = call(&c, &app.url, r, Method::GET, &one, None).await;
    assert!(record["sends"][0]["shares"][0]["paid_at_ms"].is_i64());
    assert_eq!(record["plan"]["paid_shares"], 1);
    let csv = c
        .get(&csv_url)
        .bearer_auth(w)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv.trim_start_matches('\u{feff}').lines().count(),
        2,
        "{csv}"
    );
}

#[tokio::test]
async fn a_member_opens_the_envelope_and_a_new_visitor_is_told_it_is_not_for_them() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let server = quanzi_testkit::server();
    let app = spawn_app_with(db.clone(), server.clone()).await;
    let g = group(db, t.id, "宝妈一群").await;
    let a = member(db, t.id, "小红", "13800001111", Some(g)).await;
    let b = member(db, t.id, "小明", "13800002222", Some(g)).await;
    let now = quanzi_core::read::now_ms();
    let input = |at_ms: i64| quanzi_domain::red_envelope::RedEnvelopePlanInput {
        name: Some("周五晚八点红包".into()),
        group_ids: Some(vec![g.0]),
        at_ms: Some(vec![at_ms]),
        total_fen: Some(500),
        count: Some(2),
        split: None,
        budget_fen: Some(500),
    };
    let p = quanzi_core::red_envelopes::create(db, t.id, input(now - 1000))
        .await
        .unwrap();
    let later = quanzi_core::red_envelopes::create(db, t.id, input(now + 3_600_000))
        .await
        .unwrap();
    let url = format!("{}/h/shop/re/{}", app.url, p.sends[0].red_envelope_send_id);
    // The member's phone: the envelope, the claim, what they got.
    let phone = browser();
    let link = visitors::link(db, &server, t.id, a, 30).await.unwrap();
    let html = page(&phone, &format!("{url}?m={link}")).await;
    assert!(
        html.contains("/claim\"") && html.contains("拼手气红包"),
        "{html}"
    );
    let r = phone.post(format!("{url}/claim")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = page(&phone, &url).await;
    assert!(html.contains("你抢到 ¥"), "{html}");
    assert!(html.contains("已领取 1/2 个"), "{html}");
    assert!(!html.contains("手气最佳"), "only once all are taken");
    // A new visitor in another browser: a prospect on the tap, and refused.
    let visitor = browser();
    let html = page(&visitor, &url).await;
    assert!(
        html.contains("/claim\""),
        "an unknown visitor may try: {html}"
    );
    let prospects = || async {
        let from_here = MemberFilter {
            source_channel: Some("red_envelope".into()),
            limit: 50,
            ..Default::default()
        };
        members::list(db, t.id, from_here).await.unwrap().items
    };
    assert!(prospects().await.is_empty());
    let r = visitor.post(format!("{url}/claim")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.ends_with("?r=not_in_group"), "{to}");
    let html = page(&visitor, &format!("{}{to}", app.url)).await;
    assert!(
        html.contains("不在本群") && !html.contains("小红"),
        "{html}"
    );
    let found = prospects().await;
    assert_eq!(found.len(), 1, "the visitor became a prospect");
    assert_eq!(found[0].lifecycle_stage, "prospect");
    // The second member takes the last share: the first sees the best luck marked.
    let other = browser();
    let link = visitors::link(db, &server, t.id, b, 30).await.unwrap();
    page(&other, &format!("{url}?m={link}")).await;
    other.post(format!("{url}/claim")).send().await.unwrap();
    let html = page(&phone, &url).await;
    assert!(html.contains("手气最佳") && html.contains("小明"), "{html}");
    assert!(page(&visitor, &url).await.contains("已抢完"));
    // An envelope of later is not open yet; an unknown one is not found.
    let soon = format!(
        "{}/h/shop/re/{}",
        app.url, later.sends[0].red_envelope_send_id
    );
    assert!(page(&phone, &soon).await.contains("还没开始"));
    let r = phone.post(format!("{soon}/claim")).send().await.unwrap();
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("?r=not_open")
    );
    let missing = phone
        .get(format!("{}/h/shop/re/999999", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}
