//! Every label in the operator's language: the pages of a tenant with channels, join scenes,
//! roles, kinds and keys, rendered in zh-CN, show no stored code and no English reason; in
//! English, no snake_case or dotted code.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_testkit::{Served, TestTenant, http, tenant};
use reqwest::Client;
use serde_json::json;

/// Codes the store keeps that a page must show by their display name.
const CODES: &[&str] = &[
    "poster",
    "partner_shop",
    "store_qr",
    "invite",
    "referral",
    "owner",
    "admin",
    "kol",
    "seed",
    "member",
    "read",
    "write",
    "pending",
    "delivered",
    "done",
    "dead",
    "failed",
    "running",
    "message",
    "click",
    "share",
    "join",
    "leave",
    "order",
    "refund",
    "reaction",
    "visit",
    "prospect",
    "active",
    "customer",
    "loyal",
    "dormant",
    "churned",
    "vip",
    "female",
    "male",
    "unknown",
    "district",
    "interest",
    "value_tier",
    "webhook.deliver",
    "influence.run",
    "must",
    "required",
    "Prefix",
    "week",
    "month",
];

/// The text a page shows: tags, scripts, styles and chart options left out.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        out.push(' ');
        let tail = &rest[i..];
        let end = ["script", "style", "datalist", "code"]
            .iter()
            .find_map(|t| {
                tail.starts_with(&format!("<{t}"))
                    .then(|| tail.find(&format!("</{t}>")).map(|e| e + t.len() + 3))
                    .flatten()
            });
        let skip = end.unwrap_or_else(|| tail.find('>').map_or(tail.len(), |e| e + 1));
        rest = &tail[skip..];
    }
    out.push_str(rest);
    out
}

/// The codes in `text` (every listed code when `all`, else the snake_case and dotted ones);
/// e-mail addresses and hyphenated names (`owner@…`, `tests-read`) are data, not codes.
fn codes_in(text: &str, all: bool) -> Vec<String> {
    text.split_whitespace()
        .filter(|chunk| !chunk.contains('@') && !chunk.contains('-'))
        .flat_map(|chunk| {
            chunk.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        })
        .map(|w| w.trim_matches('.'))
        .filter(|w| CODES.contains(w) && (all || w.contains('_') || w.contains('.')))
        .map(str::to_string)
        .collect()
}

async fn shop(s: &Served) -> (TestTenant, i64, i64) {
    let t = tenant(&s.app.db, "labels").await;
    let (_, g) = s
        .post(
            &t,
            "/api/v1/groups",
            json!({"name": "宝妈群", "dimension": "interest"}),
        )
        .await;
    let g = g["group_id"].as_i64().unwrap();
    let mut first = 0;
    let now = quanzi_core::read::now_ms();
    let mut events = Vec::new();
    for (i, channel) in ["poster", "partner_shop", "store_qr", "referral"]
        .iter()
        .enumerate()
    {
        let (_, m) = s
            .post(&t, "/api/v1/members", json!({"name": format!("会员{i}"), "source_channel": channel, "phone": format!("1380013800{i}")}))
            .await;
        let m = m["member_id"].as_i64().unwrap();
        if i == 0 {
            first = m;
        }
        let at = now - (i as i64 + 1) * 3_600_000;
        events.push(json!({"idempotency_key": format!("j{i}"), "kind": "join", "member_id": m, "group_id": g, "occurred_at_ms": at, "properties": {"join_scene": "invite"}}));
        for (k, kind) in ["message", "click", "share", "order"].iter().enumerate() {
            let mut e = json!({"idempotency_key": format!("e{i}{k}"), "kind": kind, "member_id": m, "group_id": g, "occurred_at_ms": at + 60_000});
            if *kind == "order" {
                e["amount_fen"] = json!(1990);
                e["product"] = json!("鸡蛋");
            }
            events.push(e);
        }
    }
    let (st, v) = s
        .post(&t, "/api/v1/events", json!({"events": events}))
        .await;
    assert!(st.is_success(), "{v}");
    (t, first, g)
}

async fn pages(c: &Client, base: &str, m: i64, g: i64) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for path in [
        "/ui".to_string(),
        "/ui/members".into(),
        format!("/ui/members/{m}"),
        format!("/ui/members/{m}/edit"),
        format!("/ui/members/{m}/merge?q=%E4%BC%9A%E5%91%98"),
        "/ui/members/new".into(),
        "/ui/groups".into(),
        format!("/ui/groups/{g}"),
        format!("/ui/groups/{g}/edit"),
        "/ui/groups/new".into(),
        "/ui/kpi/overview/body".into(),
        "/ui/kpi/groups/body".into(),
        "/ui/kpi/retention/body".into(),
        "/ui/kpi/funnel/body".into(),
        "/ui/kpi/products/body".into(),
        "/ui/settings".into(),
        "/ui/influence".into(),
        "/ui/influence/seeds".into(),
    ] {
        out.push((path.clone(), http::page(c, &format!("{base}{path}")).await));
    }
    out
}

#[tokio::test]
async fn no_page_shows_a_stored_code_in_chinese_or_a_snake_case_one_in_english() {
    let s = Served::new().await;
    let (t, m, g) = shop(&s).await;
    let (c, _) = http::logged_in(&s.app.url, &t.owner_email, &t.password).await;
    let mut found = Vec::new();
    for (path, html) in pages(&c, &s.app.url, m, g).await {
        let codes = codes_in(&visible(&html), true);
        if !codes.is_empty() {
            found.push(format!("zh-CN {path}: {codes:?}"));
        }
    }
    c.get(format!("{}/ui/lang/en?next=/ui", s.app.url))
        .send()
        .await
        .unwrap();
    for (path, html) in pages(&c, &s.app.url, m, g).await {
        let codes = codes_in(&visible(&html), false);
        if !codes.is_empty() {
            found.push(format!("en {path}: {codes:?}"));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_check_sees_a_code_in_text_and_not_in_markup() {
    let html = "<p class=\"poster\">海报 <b>poster</b></p><script>var order = 1;</script>";
    assert_eq!(codes_in(&visible(html), true), ["poster"]);
    assert_eq!(
        codes_in(&visible("<td>partner_shop</td>"), false),
        ["partner_shop"]
    );
}

#[tokio::test]
async fn api_errors_follow_accept_language_and_keep_their_code() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "apilang").await;
    let ask = |lang: Option<&'static str>| {
        let mut rq =
            s.c.post(format!("{}/api/v1/members", s.app.url))
                .bearer_auth(&t.write_key)
                .json(&json!({"name": "x", "phone": "123"}));
        if let Some(l) = lang {
            rq = rq.header("accept-language", l);
        }
        async move {
            let r = rq.send().await.unwrap();
            (r.status(), r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (st, zh) = ask(Some("zh-CN,zh;q=0.9,en;q=0.8")).await;
    let (st_en, en) = ask(None).await;
    assert_eq!(
        (st, st_en),
        (
            reqwest::StatusCode::UNPROCESSABLE_ENTITY,
            reqwest::StatusCode::UNPROCESSABLE_ENTITY
        )
    );
    assert_eq!(zh["error"]["code"], en["error"]["code"]);
    assert_eq!(zh["error"]["fields"][0]["field"], "phone");
    assert_eq!(
        zh["error"]["fields"][0]["reason"],
        "须为 11 位中国大陆手机号"
    );
    assert_eq!(
        en["error"]["fields"][0]["reason"],
        "must be an 11-digit mainland mobile number"
    );
    assert!(
        zh["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("输入不符合规则"),
        "{zh}"
    );
    // A 404 too.
    let r =
        s.c.get(format!("{}/api/v1/members/999999", s.app.url))
            .bearer_auth(&t.read_key)
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (v["error"]["code"].as_str(), v["error"]["message"].as_str()),
        (Some("not_found"), Some("本商户下没有这个对象。"))
    );
}

#[tokio::test]
async fn the_analytics_filters_are_refused_in_the_operators_language() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "kpilang").await;
    let (c, _) = http::logged_in(&s.app.url, &t.owner_email, &t.password).await;
    let html = http::page(
        &c,
        &format!(
            "{}/ui/kpi/overview?from=2026-11-20&to=2026-11-02",
            s.app.url
        ),
    )
    .await;
    assert!(html.contains("开始日期：不能晚于结束日期"), "{html}");
    assert!(!html.contains("must not"), "no English reason in zh-CN");
}
