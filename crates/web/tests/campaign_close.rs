//! Closing a group buy, a bargain and a red-envelope plan, over the API and the console: a
//! closed group buy opens no new team (the leader's open team still fills), a closed bargain
//! opens no new run, a closed plan's envelope not open yet never opens (its page says 已取消,
//! a claim is refused) while the open one is still grabbed; a read key cannot close, another
//! tenant cannot see; the member pages say it ended.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::{groups, members};
use quanzi_domain::group::GroupInput;
use quanzi_domain::member::MemberInput;
use quanzi_domain::{GroupId, MemberId, TenantId};
use quanzi_testkit::http::{browser, call, hidden, logged_in, page, post_form};
use quanzi_testkit::{TestDb, spawn_app_with, tenant};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn member(db: &quanzi_core::Db, t: TenantId, name: &str, g: Option<GroupId>) -> MemberId {
    let input = MemberInput {
        name: Some(name.into()),
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

#[tokio::test]
async fn closed_campaigns_open_nothing_new_and_what_is_under_way_runs_its_course() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let app = spawn_app_with(db.clone(), quanzi_testkit::server()).await;
    let c = reqwest::Client::new();
    let w = t.write_key.clone();
    let api = |m: Method, p: String, body: Value| {
        let (c, url, w) = (c.clone(), app.url.clone(), w.clone());
        async move {
            let body = (!body.is_null()).then_some(body);
            call(&c, &url, &w, m, &format!("/api/v1{p}"), body).await
        }
    };
    let g = groups::create(
        db,
        t.id,
        GroupInput {
            name: Some("宝妈一群".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .group_id;
    let ids = [
        member(db, t.id, "团长", Some(g)).await,
        member(db, t.id, "好友", Some(g)).await,
        member(db, t.id, "迟到", Some(g)).await,
    ];

    // A group buy: the leader opens a team, the buy is closed, nobody opens another.
    let gb = json!({"product_name": "阳山水蜜桃", "price_fen": 9900, "team_price_fen": 5900, "team_size": 2});
    let (_, gb) = api(Method::POST, "/group-buys".into(), gb).await;
    let gid = gb["group_buy_id"].as_i64().unwrap();
    let teams = format!("/group-buys/{gid}/teams");
    let (s, opened) = api(Method::POST, teams.clone(), json!({"member_id": ids[0].0})).await;
    assert_eq!(s, StatusCode::CREATED, "{opened}");
    let team = opened["team"]["team_id"].as_i64().unwrap();
    let (s, _) = call(
        &c,
        &app.url,
        &t.read_key,
        Method::POST,
        &format!("/api/v1/group-buys/{gid}/close"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a read key cannot close");
    let (s, closed) = api(
        Method::POST,
        format!("/group-buys/{gid}/close"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{closed}");
    assert!(closed["closed_at_ms"].is_i64(), "{closed}");
    let (s, refused) = api(Method::POST, teams, json!({"member_id": ids[2].0})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["fields"][0]["field"], "group_buy_id",
        "{refused}"
    );
    let (s, joined) = api(
        Method::POST,
        format!("/teams/{team}/members"),
        json!({"member_id": ids[1].0}),
    )
    .await;
    assert_eq!(
        (s, joined["team"]["state"].as_str()),
        (StatusCode::CREATED, Some("succeeded")),
        "{joined}"
    );

    // A bargain: closed, no new run.
    let offer = json!({"product_name": "咖啡壶", "start_price_fen": 10000, "floor_price_fen": 1000,
        "cuts_to_floor": 2, "hours": 24});
    let (_, b) = api(Method::POST, "/bargains".into(), offer).await;
    let bid = b["bargain_id"].as_i64().unwrap();
    let (s, _) = api(Method::POST, format!("/bargains/{bid}/close"), Value::Null).await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = api(
        Method::POST,
        format!("/bargains/{bid}/open"),
        json!({"member_id": ids[0].0}),
    )
    .await;
    assert_eq!(
        (s, &e["error"]["fields"][0]["field"]),
        (StatusCode::CONFLICT, &json!("bargain_id"))
    );

    // A plan of two envelopes, one open now and one tomorrow: closed, the second never opens.
    let now = quanzi_core::read::now_ms();
    let plan = json!({"name": "晚八点红包", "group_ids": [g.0], "at_ms": [now - 1000, now + 86_400_000],
        "total_fen": 600, "count": 3, "split": "random", "budget_fen": 1200});
    let (s, plan) = api(Method::POST, "/red-envelope-plans".into(), plan).await;
    assert_eq!(s, StatusCode::CREATED, "{plan}");
    let pid = plan["plan"]["red_envelope_plan_id"].as_i64().unwrap();
    let (s, closed) = api(
        Method::POST,
        format!("/red-envelope-plans/{pid}/close"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{closed}");
    let status: Vec<&str> = closed["sends"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["status"].as_str())
        .collect();
    assert_eq!(status, ["open", "cancelled"], "{closed}");
    assert_eq!(
        closed["plan"]["cost_fen"], 600,
        "the cancelled envelope's ¥6 went back: {closed}"
    );
    let (_, again) = api(
        Method::POST,
        format!("/red-envelope-plans/{pid}/close"),
        Value::Null,
    )
    .await;
    assert_eq!(
        again["plan"]["cost_fen"], 600,
        "a second close gives back nothing more"
    );
    let sends: Vec<i64> = closed["sends"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["red_envelope_send_id"].as_i64())
        .collect();
    let link = quanzi_core::visitors::link(db, &quanzi_testkit::server(), t.id, ids[2], 30)
        .await
        .unwrap();
    let phone = browser();
    for (send, said) in [(sends[1], "已取消"), (sends[0], "抢")] {
        let html = page(&phone, &format!("{}/h/shop/re/{send}?m={link}", app.url)).await;
        assert!(html.contains(said), "{send}: {html}");
        let r = phone
            .post(format!("{}/h/shop/re/{send}/claim", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let (_, record) = api(
        Method::GET,
        format!("/red-envelope-plans/{pid}"),
        Value::Null,
    )
    .await;
    let claimed: Vec<i64> = record["sends"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["claimed"].as_i64())
        .collect();
    assert_eq!(
        claimed,
        [1, 0],
        "the open envelope is grabbed, the cancelled one is not: {record}"
    );
    let html = page(&phone, &format!("{}/h/shop/gb/{gid}", app.url)).await;
    assert!(
        html.contains("活动已结束") && !html.contains("/open\""),
        "{html}"
    );
    let html = page(&phone, &format!("{}/h/shop/bg/{bid}", app.url)).await;
    assert!(html.contains("活动已结束"), "{html}");
    let me = page(&phone, &format!("{}/h/shop/me", app.url)).await;
    assert!(
        !me.contains(&format!("/h/shop/gb/{gid}\"")),
        "a closed group buy is not happening: {me}"
    );

    // The console: a close button per row, 已结束 once closed; another tenant cannot close.
    let (op, _) = logged_in(&app.url, &t.owner_email, &t.password).await;
    let gb2 =
        json!({"product_name": "葡萄", "price_fen": 3000, "team_price_fen": 2000, "team_size": 2});
    let (_, gb2) = api(Method::POST, "/group-buys".into(), gb2).await;
    let gid2 = gb2["group_buy_id"].as_i64().unwrap();
    let overview = page(&op, &format!("{}/ui/campaigns", app.url)).await;
    assert!(
        overview.contains(&format!("/ui/campaigns/group-buys/{gid2}/close")),
        "{overview}"
    );
    assert!(
        !overview.contains(&format!("/ui/campaigns/group-buys/{gid}/close")),
        "closed already"
    );
    let csrf = hidden(&overview, "_csrf");
    let url = format!("{}/ui/campaigns/group-buys/{gid2}/close", app.url);
    let other = tenant(db, "other").await;
    let (them, _) = logged_in(&app.url, &other.owner_email, &other.password).await;
    let theirs = hidden(
        &page(&them, &format!("{}/ui/campaigns", app.url)).await,
        "_csrf",
    );
    let (s, _, _) = post_form(&them, &url, &[("_csrf", &theirs)]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, to, _) = post_form(&op, &url, &[("_csrf", &csrf)]).await;
    assert_eq!(
        (s, to.as_str()),
        (StatusCode::SEE_OTHER, "/ui/campaigns#group-buys")
    );
    let overview = page(&op, &format!("{}/ui/campaigns", app.url)).await;
    assert!(
        !overview.contains(&format!("/ui/campaigns/group-buys/{gid2}/close")),
        "{overview}"
    );
    assert!(overview.contains("已结束"), "{overview}");
}
