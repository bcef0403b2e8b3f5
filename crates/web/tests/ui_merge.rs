//! Merging two members from the pages: the duplicate is found by name, the preview shows
//! both sides, the kept member after (interests and channel included) and what moves; the
//! confirmed merge redirects, and sending it again changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_domain::access::OperatorRole;
use quanzi_testkit::{Served, TestTenant, http, tenant};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn post(s: &Served, t: &TestTenant, path: &str, body: Value) -> Value {
    let (st, v) = s.call(&t.write_key, Method::POST, path, Some(body)).await;
    assert!(st.is_success(), "{path}: {v}");
    v
}

#[tokio::test]
async fn an_operator_previews_and_merges_a_duplicate() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "merge").await;
    let kept = post(
        &s,
        &t,
        "/api/v1/members",
        json!({"name": "王芳", "interests": ["宝妈"], "phone": "13800138000"}),
    )
    .await;
    let dup = post(&s, &t, "/api/v1/members", json!({"name": "芳芳", "interests": ["宝妈", "烘焙"], "source_channel": "poster", "district": "南山区"})).await;
    let (k, d) = (
        kept["member_id"].as_i64().unwrap(),
        dup["member_id"].as_i64().unwrap(),
    );
    let g = post(
        &s,
        &t,
        "/api/v1/groups",
        json!({"name": "烘焙群", "dimension": "interest"}),
    )
    .await;
    let g = g["group_id"].as_i64().unwrap();
    post(
        &s,
        &t,
        &format!("/api/v1/groups/{g}/members"),
        json!({"member_id": d}),
    )
    .await;
    post(
        &s,
        &t,
        "/api/v1/tags/bulk",
        json!({"group": "活动", "name": "试吃", "member_ids": [d]}),
    )
    .await;
    let (c, csrf) = s.operator(&t, OperatorRole::Operator).await;
    let base = &s.app.url;

    let found = http::page(
        &c,
        &format!("{base}/ui/members/{k}/merge?q=%E8%8A%B3%E8%8A%B3"),
    )
    .await;
    assert!(
        found.contains(&format!("/ui/members/{k}/merge?source={d}")),
        "{found}"
    );
    let preview = http::page(&c, &format!("{base}/ui/members/{k}/merge?source={d}")).await;
    for shown in [
        "宝妈、烘焙",
        "海报",
        "南山区",
        "烘焙群",
        "活动 · 试吃",
        "将 芳芳 合并到 王芳",
    ] {
        assert!(preview.contains(shown), "{shown}: {preview}");
    }
    // The join moves with the member: one event.
    assert!(preview.contains("id=\"merge-events\">1<"), "{preview}");

    let url = format!("{base}/ui/members/{k}/merge");
    let (st, location, _) =
        http::post_form(&c, &url, &[("_csrf", &csrf), ("source", &d.to_string())]).await;
    assert_eq!(
        (st, location),
        (StatusCode::SEE_OTHER, format!("/ui/members/{k}"))
    );
    let m = s.get_ok(&t, &format!("/api/v1/members/{k}")).await;
    assert_eq!(m["interests"], json!(["宝妈", "烘焙"]));
    assert_eq!(
        (m["source_channel"].as_str(), m["district"].as_str()),
        (Some("poster"), Some("南山区"))
    );
    assert_eq!(m["groups"].as_array().unwrap().len(), 1, "{m}");

    // Sent again (a reload): refused, explained on the preview, nothing changes.
    let (st, location, _) =
        http::post_form(&c, &url, &[("_csrf", &csrf), ("source", &d.to_string())]).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let r = c.get(format!("{base}{location}")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("两位成员中有一位已被合并"));
    let m2 = s.get_ok(&t, &format!("/api/v1/members/{k}")).await;
    assert_eq!(m2["interests"], m["interests"]);

    // Itself: refused with the reason.
    let r = c
        .get(format!("{base}/ui/members/{k}/merge?source={k}"))
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("不能与保留的成员相同"));
}
