//! Group buys and bargains over HTTP: the API creates a group buy (422 naming the bad
//! fields), opens a team once per leader, fills it (the last join makes three orders),
//! refuses a full team, a member twice or a virtual completion the group buy does not allow
//! with 409 naming the field, and completes a short team virtually; a bargain is opened,
//! cut once per friend to its floor and bought once. On the member pages one browser opens a
//! team and a second joins it through the shared page, a stranger fills it; a member starts
//! a bargain, a friend cuts it (and is told so after) and the owner buys it.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::{members, visitors};
use quanzi_domain::MemberId;
use quanzi_domain::member::MemberInput;
use quanzi_testkit::http::{browser, call, page};
use quanzi_testkit::{TestDb, spawn_app_with, tenant};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn fields(v: &Value) -> Vec<(String, String)> {
    v["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_string(),
                f["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn field_names(v: &Value) -> Vec<String> {
    fields(v).into_iter().map(|(f, _)| f).collect()
}

async fn people(db: &quanzi_core::Db, t: quanzi_domain::TenantId, n: usize) -> Vec<MemberId> {
    let mut ids = Vec::new();
    for i in 0..n {
        let input = MemberInput {
            name: Some(format!("会员{i}")),
            ..Default::default()
        };
        ids.push(members::create(db, t, input).await.unwrap().member_id);
    }
    ids
}

#[tokio::test]
async fn the_api_fills_a_team_once_refuses_with_the_field_and_completes_one_virtually() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let app = spawn_app_with(db.clone(), quanzi_testkit::server()).await;
    let c = reqwest::Client::new();
    let k = t.write_key.as_str();
    let ids: Vec<i64> = people(db, t.id, 4).await.iter().map(|m| m.0).collect();
    let api = |m: Method, p: String, body: Value| {
        let c = c.clone();
        let url = app.url.clone();
        async move {
            let body = (!body.is_null()).then_some(body);
            call(&c, &url, k, m, &format!("/api/v1{p}"), body).await
        }
    };
    let (s, bad) = api(
        Method::POST,
        "/group-buys".into(),
        json!({"product_name": "", "price_fen": 1000, "team_price_fen": 1000, "team_size": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(
        field_names(&bad),
        ["product_name", "team_price_fen", "team_size"]
    );
    let gb = json!({"product_name": "阳山水蜜桃", "price_fen": 9900, "team_price_fen": 5900,
        "team_size": 3, "hours": 24, "stock": 10, "allow_virtual": true});
    let (s, created) = api(Method::POST, "/group-buys".into(), gb).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["group_buy_id"].as_i64().unwrap();
    let (s, list) = api(Method::GET, "/group-buys".into(), Value::Null).await;
    assert_eq!(
        (s, list[0]["group_buy_id"].as_i64()),
        (StatusCode::OK, Some(id))
    );
    let (s, _) = api(Method::GET, "/group-buys/999999".into(), Value::Null).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The leader opens a team; a second tap answers the same team.
    let teams = format!("/group-buys/{id}/teams");
    let (s, opened) = api(Method::POST, teams.clone(), json!({"member_id": ids[0]})).await;
    assert_eq!(s, StatusCode::CREATED, "{opened}");
    let team = opened["team"]["team_id"].as_i64().unwrap();
    let (s, again) = api(Method::POST, teams.clone(), json!({"member_id": ids[0]})).await;
    assert_eq!(
        (s, again["team"]["team_id"].as_i64()),
        (StatusCode::OK, Some(team))
    );
    let (s, _) = api(Method::POST, teams.clone(), json!({"member_id": 999_999})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, typo) = api(Method::POST, teams.clone(), json!({"member": ids[0]})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{typo}");
    // Friends join; the leader cannot join twice; the third member completes the team.
    let join = format!("/teams/{team}/members");
    let (s, twice) = api(Method::POST, join.clone(), json!({"member_id": ids[0]})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(fields(&twice), [("member_id".into(), "already_in".into())]);
    let (s, j) = api(Method::POST, join.clone(), json!({"member_id": ids[1]})).await;
    assert_eq!(
        (s, j["team"]["state"].as_str()),
        (StatusCode::CREATED, Some("open"))
    );
    let (s, j) = api(Method::POST, join.clone(), json!({"member_id": ids[2]})).await;
    assert_eq!(
        (s, j["team"]["state"].as_str()),
        (StatusCode::CREATED, Some("succeeded"))
    );
    let (s, full) = api(Method::POST, join.clone(), json!({"member_id": ids[3]})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(fields(&full), [("team_id".into(), "full".into())]);
    let (s, got) = api(Method::GET, format!("/teams/{team}"), Value::Null).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got["members"].as_array().unwrap().len(), 3);
    assert_eq!(got["group_buy"]["taken"], 3);
    let (_, page_of_teams) = api(Method::GET, teams.clone(), Value::Null).await;
    assert_eq!(page_of_teams["items"][0]["team_id"].as_i64(), Some(team));
    let (_, ev) = api(Method::GET, "/events?kind=order".into(), Value::Null).await;
    let gb_orders: Vec<&Value> = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["reference"] == format!("gb:{id}"))
        .collect();
    assert_eq!(gb_orders.len(), 3);
    assert!(gb_orders.iter().all(|e| e["amount_fen"] == 5900));
    // A short team completed with virtual members, once.
    let (_, short) = api(Method::POST, teams.clone(), json!({"member_id": ids[3]})).await;
    let short = short["team"]["team_id"].as_i64().unwrap();
    let (s, done) = api(
        Method::POST,
        format!("/teams/{short}/complete"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{done}");
    assert_eq!(
        (
            done["team"]["state"].as_str(),
            done["team"]["virtual_members"].as_i64()
        ),
        (Some("succeeded"), Some(2))
    );
    let (s, _) = api(
        Method::POST,
        format!("/teams/{short}/complete"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // A group buy without virtual members refuses, naming the setting.
    let strict =
        json!({"product_name": "蜂蜜", "price_fen": 5000, "team_price_fen": 3900, "team_size": 2});
    let (_, strict) = api(Method::POST, "/group-buys".into(), strict).await;
    let sid = strict["group_buy_id"].as_i64().unwrap();
    let (_, st) = api(
        Method::POST,
        format!("/group-buys/{sid}/teams"),
        json!({"member_id": ids[0]}),
    )
    .await;
    let st = st["team"]["team_id"].as_i64().unwrap();
    let (s, no) = api(Method::POST, format!("/teams/{st}/complete"), Value::Null).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(fields(&no), [("allow_virtual".into(), "no_virtual".into())]);
    // A read key may look, not join.
    let (s, _) = call(
        &c,
        &app.url,
        &t.read_key,
        Method::POST,
        &format!("/api/v1/teams/{st}/members"),
        Some(json!({"member_id": ids[1]})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_api_cuts_a_bargain_once_per_friend_to_its_floor_and_buys_it_once() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let app = spawn_app_with(db.clone(), quanzi_testkit::server()).await;
    let c = reqwest::Client::new();
    let k = t.write_key.as_str();
    let ids: Vec<i64> = people(db, t.id, 4).await.iter().map(|m| m.0).collect();
    let api = |m: Method, p: String, body: Value| {
        let c = c.clone();
        let url = app.url.clone();
        async move {
            let body = (!body.is_null()).then_some(body);
            call(&c, &url, k, m, &format!("/api/v1{p}"), body).await
        }
    };
    let (s, bad) = api(
        Method::POST,
        "/bargains".into(),
        json!({"product_name": "咖啡壶", "start_price_fen": 500, "floor_price_fen": 600, "cuts_to_floor": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_names(&bad), ["floor_price_fen", "cuts_to_floor"]);
    let offer = json!({"product_name": "咖啡壶", "start_price_fen": 10000, "floor_price_fen": 1000,
        "cuts_to_floor": 2, "hours": 24});
    let (s, created) = api(Method::POST, "/bargains".into(), offer).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["bargain_id"].as_i64().unwrap();
    let (s, _) = api(Method::GET, format!("/bargains/{id}"), Value::Null).await;
    assert_eq!(s, StatusCode::OK);
    let open = format!("/bargains/{id}/open");
    let (s, run) = api(Method::POST, open.clone(), json!({"member_id": ids[0]})).await;
    assert_eq!(
        (s, run["price_fen"].as_i64()),
        (StatusCode::CREATED, Some(10000))
    );
    let r = run["bargain_run_id"].as_i64().unwrap();
    let (s, again) = api(Method::POST, open, json!({"member_id": ids[0]})).await;
    assert_eq!(
        (s, again["bargain_run_id"].as_i64()),
        (StatusCode::OK, Some(r))
    );
    let cuts = format!("/bargain-runs/{r}/cuts");
    let (s, own) = api(Method::POST, cuts.clone(), json!({"member_id": ids[0]})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(fields(&own), [("member_id".into(), "own_bargain".into())]);
    let (s, first) = api(Method::POST, cuts.clone(), json!({"member_id": ids[1]})).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert!(first["price_after_fen"].as_i64().unwrap() > 1000);
    let (s, twice) = api(Method::POST, cuts.clone(), json!({"member_id": ids[1]})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(fields(&twice), [("member_id".into(), "already_cut".into())]);
    let (s, last) = api(Method::POST, cuts.clone(), json!({"member_id": ids[2]})).await;
    assert_eq!(
        (s, last["price_after_fen"].as_i64()),
        (StatusCode::CREATED, Some(1000))
    );
    let (s, floor) = api(Method::POST, cuts.clone(), json!({"member_id": ids[3]})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(
        fields(&floor),
        [("bargain_run_id".into(), "at_floor".into())]
    );
    let (s, got) = api(Method::GET, format!("/bargain-runs/{r}"), Value::Null).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got["cuts"].as_array().unwrap().len(), 2);
    assert_eq!(got["run"]["price_fen"], 1000);
    let buy = format!("/bargain-runs/{r}/buy");
    let (s, bought) = api(Method::POST, buy.clone(), Value::Null).await;
    assert_eq!(
        (s, bought["paid_fen"].as_i64()),
        (StatusCode::OK, Some(1000))
    );
    let (s, again) = api(Method::POST, buy, Value::Null).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(fields(&again), [("bargain_run_id".into(), "bought".into())]);
    let (_, ev) = api(Method::GET, "/events?kind=order".into(), Value::Null).await;
    assert_eq!(ev["items"][0]["reference"], format!("bg:{id}"));
    assert_eq!(ev["items"][0]["amount_fen"], 1000);
    let (s, _) = api(Method::GET, "/bargain-runs/999999".into(), Value::Null).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// Posts a member-page form (no fields) and answers the redirect's target.
async fn tap(b: &reqwest::Client, url: &str) -> String {
    let r = b.post(url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{url}");
    r.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn one_browser_opens_a_team_a_second_joins_it_and_a_stranger_fills_it() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let server = quanzi_testkit::server();
    let app = spawn_app_with(db.clone(), server.clone()).await;
    let input = quanzi_domain::group_buy::GroupBuyInput {
        product_name: Some("阳山水蜜桃".into()),
        price_fen: Some(9_900),
        team_price_fen: Some(5_900),
        team_size: Some(3),
        ..Default::default()
    };
    let gb = quanzi_core::group_buys::create(db, t.id, input)
        .await
        .unwrap();
    let ids = people(db, t.id, 2).await;
    let base = format!("{}/h/shop", app.url);
    let link_a = visitors::link(db, &server, t.id, ids[0], 30).await.unwrap();
    let a = browser();
    let offer = page(&a, &format!("{base}/gb/{}?m={link_a}", gb.group_buy_id)).await;
    assert!(
        offer.contains("开团") && offer.contains("¥59.00"),
        "{offer}"
    );
    let to = tap(&a, &format!("{base}/gb/{}/open", gb.group_buy_id)).await;
    assert!(
        to.starts_with("/h/shop/t/") && to.ends_with("?r=opened"),
        "{to}"
    );
    let team_path = to.trim_end_matches("?r=opened").to_string();
    let mine = page(&a, &format!("{}{to}", app.url)).await;
    assert!(mine.len() < 50_000);
    assert!(
        mine.contains("1/3")
            && mine.contains("class=\"cd\" data-s=\"")
            && mine.contains("/assets/countdown.js")
            && mine.contains("你已在团中")
            && mine.contains(&format!("{}{team_path}", app.url))
            && !mine.contains(&format!("action=\"{team_path}/join\"")),
        "{mine}"
    );
    // The second browser, by its own link, joins through the shared page.
    let link_b = visitors::link(db, &server, t.id, ids[1], 30).await.unwrap();
    let b = browser();
    let shared = page(&b, &format!("{}{team_path}?m={link_b}", app.url)).await;
    assert!(
        shared.contains(&format!("action=\"{team_path}/join\"")) && shared.contains("参团"),
        "{shared}"
    );
    let to = tap(&b, &format!("{}{team_path}/join", app.url)).await;
    assert_eq!(to, format!("{team_path}?r=joined"));
    let joined = page(&b, &format!("{}{to}", app.url)).await;
    assert!(
        joined.contains("2/3") && joined.contains("参团成功"),
        "{joined}"
    );
    // A stranger fills the last place and becomes a prospect.
    let before = quanzi_core::read::member::count(db, t.id).await.unwrap();
    let c = browser();
    let stranger = page(&c, &format!("{}{team_path}?lang=en", app.url)).await;
    assert!(stranger.contains("Join this team"), "{stranger}");
    let to = tap(&c, &format!("{}{team_path}/join", app.url)).await;
    assert_eq!(to, format!("{team_path}?r=completed"));
    assert_eq!(
        quanzi_core::read::member::count(db, t.id).await.unwrap(),
        before + 1
    );
    let done = page(&c, &format!("{}{team_path}?lang=en", app.url)).await;
    assert!(
        done.contains("3/3") && done.contains("The team is complete!"),
        "{done}"
    );
    let again = tap(&b, &format!("{}{team_path}/join", app.url)).await;
    assert_eq!(again, format!("{team_path}?r=already_in"));
    let gone = a
        .get(format!("{base}/t/999999"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(gone, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_member_starts_a_bargain_a_friend_cuts_it_once_and_the_owner_buys_it() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let server = quanzi_testkit::server();
    let app = spawn_app_with(db.clone(), server.clone()).await;
    let input = quanzi_domain::bargain::BargainInput {
        product_name: Some("手冲咖啡壶".into()),
        start_price_fen: Some(10_000),
        floor_price_fen: Some(1_000),
        cuts_to_floor: Some(3),
        ..Default::default()
    };
    let offer = quanzi_core::bargains::create(db, t.id, input)
        .await
        .unwrap();
    let ids = people(db, t.id, 2).await;
    let base = format!("{}/h/shop", app.url);
    let link_a = visitors::link(db, &server, t.id, ids[0], 30).await.unwrap();
    let a = browser();
    let html = page(&a, &format!("{base}/bg/{}?m={link_a}", offer.bargain_id)).await;
    assert!(html.contains("发起砍价"), "{html}");
    let to = tap(&a, &format!("{base}/bg/{}/open", offer.bargain_id)).await;
    assert!(
        to.starts_with("/h/shop/bk/") && to.ends_with("?r=opened"),
        "{to}"
    );
    let run_path = to.trim_end_matches("?r=opened").to_string();
    let own = page(&a, &format!("{}{to}", app.url)).await;
    assert!(own.len() < 50_000);
    assert!(
        own.contains("以当前价购买")
            && own.contains("¥100.00")
            && own.contains(&format!("{}{run_path}", app.url))
            && !own.contains("帮TA砍一刀"),
        "{own}"
    );
    let link_b = visitors::link(db, &server, t.id, ids[1], 30).await.unwrap();
    let b = browser();
    let friend = page(&b, &format!("{}{run_path}?m={link_b}", app.url)).await;
    assert!(
        friend.contains("帮TA砍一刀") && !friend.contains("以当前价购买"),
        "{friend}"
    );
    let to = tap(&b, &format!("{}{run_path}/cut", app.url)).await;
    assert_eq!(to, format!("{run_path}?r=cut"));
    let after = page(&b, &format!("{}{to}", app.url)).await;
    assert!(
        after.contains("已砍过") && after.contains("−¥") && !after.contains("帮TA砍一刀"),
        "{after}"
    );
    let twice = tap(&b, &format!("{}{run_path}/cut", app.url)).await;
    assert_eq!(twice, format!("{run_path}?r=already_cut"));
    // Only the owner buys.
    let r = b
        .post(format!("{}{run_path}/buy", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let to = tap(&a, &format!("{}{run_path}/buy", app.url)).await;
    assert_eq!(to, format!("{run_path}?r=purchased"));
    let bought = page(&a, &format!("{}{to}&lang=en", app.url)).await;
    assert!(bought.contains("Bought for ¥"), "{bought}");
    let again = tap(&a, &format!("{}{run_path}/buy", app.url)).await;
    assert_eq!(again, format!("{run_path}?r=bought"));
}
