//! The dashboard as a front door: the same 30-day figures as the KPI API's default overview,
//! the attention list (dead and over-full groups) with links, and dead flags on the group
//! list and the group page.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_testkit::{Served, http, tenant};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn card<'a>(o: &'a Value, key: &str) -> &'a Value {
    &o["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key)
        .unwrap()["value"]
}

#[tokio::test]
async fn the_dashboard_shows_the_kpi_apis_30_days_and_what_needs_attention() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "dash").await;
    let now = quanzi_core::read::now_ms();
    let day = 86_400_000;
    let (_, busy) = s
        .post(
            &t,
            "/api/v1/groups",
            json!({"name": "热闹群", "capacity_hard": 3, "capacity_advised": 1}),
        )
        .await;
    let (_, quiet) = s
        .post(&t, "/api/v1/groups", json!({"name": "安静群"}))
        .await;
    let (busy, quiet) = (
        busy["group_id"].as_i64().unwrap(),
        quiet["group_id"].as_i64().unwrap(),
    );
    let mut events = Vec::new();
    for i in 0..3 {
        let (st, m) = s
            .post(&t, "/api/v1/members", json!({"name": format!("m{i}")}))
            .await;
        assert_eq!(st, StatusCode::CREATED);
        let m = m["member_id"].as_i64().unwrap();
        // Two members in the busy group, talking and buying; one in the quiet group, silent
        // for 20 days.
        let (g, at) = if i < 2 {
            (busy, now - 2 * day)
        } else {
            (quiet, now - 25 * day)
        };
        events.push(json!({"idempotency_key": format!("j{i}"), "kind": "join", "member_id": m, "group_id": g, "occurred_at_ms": at}));
        events.push(json!({"idempotency_key": format!("w{i}"), "kind": "message", "member_id": m, "group_id": g, "occurred_at_ms": at + 1000}));
        if i < 2 {
            events.push(json!({"idempotency_key": format!("o{i}"), "kind": "order", "member_id": m, "group_id": g, "amount_fen": 123_456, "occurred_at_ms": at + 2000}));
        }
    }
    let (st, v) = s
        .post(&t, "/api/v1/events", json!({"events": events}))
        .await;
    assert!(st.is_success(), "{v}");

    let api = s.get_ok(&t, "/api/v1/kpi/overview").await;
    assert_eq!(card(&api, "orders"), 2.0);
    assert_eq!(card(&api, "gmv_fen"), 246_912.0);
    let (c, _) = http::logged_in(&s.app.url, &t.owner_email, &t.password).await;
    let html = http::page(&c, &format!("{}/ui", s.app.url)).await;
    // The same figures, written as the analytics page writes them.
    assert!(html.contains("¥2,469.12"), "{html}");
    assert!(html.contains(&format!(
        "{} – {}",
        api["range"]["from"].as_str().unwrap(),
        api["range"]["to"].as_str().unwrap()
    )));
    // Attention: the quiet group is dead, the busy one is over its advised size.
    assert!(
        html.contains(&format!("<a href=\"/ui/groups/{quiet}\">安静群 已成死群")),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            "<a href=\"/ui/groups/{busy}\">热闹群 超过建议人数：2/1"
        )),
        "{html}"
    );
    // Dead flags on the group list and the dead group's page, not on the living one's.
    let list = http::page(&c, &format!("{}/ui/groups", s.app.url)).await;
    assert_eq!(list.matches("dead-flag").count(), 1, "{list}");
    let page = http::page(&c, &format!("{}/ui/groups/{quiet}", s.app.url)).await;
    assert!(page.contains("dead-flag"));
    let page = http::page(&c, &format!("{}/ui/groups/{busy}", s.app.url)).await;
    assert!(!page.contains("dead-flag"));
}

#[tokio::test]
async fn a_retention_period_that_has_not_ended_is_marked_partial() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "partial").await;
    let (_, m) = s.post(&t, "/api/v1/members", json!({"name": "m"})).await;
    let (_, g) = s.post(&t, "/api/v1/groups", json!({"name": "g"})).await;
    // 2026-11-02 10:00 in Shanghai.
    let at: i64 = (20_759 * 86_400 + 2 * 3600) * 1000;
    let e = json!({"events": [{"idempotency_key": "j", "kind": "join", "member_id": m["member_id"], "group_id": g["group_id"], "occurred_at_ms": at}]});
    assert!(s.post(&t, "/api/v1/events", e).await.0.is_success());
    let partial = |r: &Value| -> Vec<bool> {
        r["cohorts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["last_partial"].as_bool().unwrap())
            .collect()
    };
    // Two whole weeks: every period listed has ended.
    let whole = s
        .get_ok(&t, "/api/v1/kpi/retention?from=2026-11-02&to=2026-11-15")
        .await;
    assert_eq!(partial(&whole), [false, false], "{whole}");
    // Eleven days: the second cohort's first week is four days old, partial.
    let cut = s
        .get_ok(&t, "/api/v1/kpi/retention?from=2026-11-02&to=2026-11-12")
        .await;
    assert_eq!(partial(&cut), [false, true], "{cut}");
}

#[tokio::test]
async fn the_analytics_pages_offer_range_presets_several_groups_and_name_their_exports() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "presets").await;
    let (_, a) = s.post(&t, "/api/v1/groups", json!({"name": "一群"})).await;
    let (_, b) = s.post(&t, "/api/v1/groups", json!({"name": "二群"})).await;
    let ids = format!("{},{}", a["group_id"], b["group_id"]);
    let (c, _) = http::logged_in(&s.app.url, &t.owner_email, &t.password).await;
    let url = format!(
        "{}/ui/kpi/groups?from=2026-11-02&to=2026-11-12&groups={}",
        s.app.url,
        ids.replace(',', "%2C")
    );
    let html = http::page(&c, &url).await;
    assert!(
        html.contains(&format!("id=\"kpi-groups-value\" value=\"{ids}\"")),
        "{html}"
    );
    assert_eq!(
        html.matches("data-joins=\"kpi-groups-value\" checked")
            .count(),
        2
    );
    for preset in ["近7天", "近30天", "本月", "上月", "近90天"] {
        assert!(html.contains(preset), "{preset}");
    }
    // Last month of the tenant's today, whole: from its first day to its last.
    let presets = html
        .split("id=\"kpi-presets\"")
        .nth(1)
        .unwrap()
        .split("</nav>")
        .next()
        .unwrap();
    assert_eq!(
        presets.matches("groups=").count(),
        5,
        "the other filters are kept"
    );
    let r = c
        .get(format!(
            "{}/ui/kpi/groups/export?format=xlsx&from=2026-11-02&to=2026-11-12",
            s.app.url
        ))
        .send()
        .await
        .unwrap();
    let name = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        name.contains("quanzi-groups-0-2026-11-02_2026-11-12.xlsx"),
        "{name}"
    );
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_dashboard_asks_for_the_qr_a_live_codes_group_is_missing() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "dashgrowth").await;
    let (_, g) = s
        .post(&t, "/api/v1/groups", json!({"name": "新开的群"}))
        .await;
    let (st, _) = s
        .post(
            &t,
            "/api/v1/live-codes",
            json!({"name": "海报", "slug": "poster", "group_ids": [g["group_id"]]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (c, _) = s
        .operator(&t, quanzi_domain::access::OperatorRole::Admin)
        .await;
    let html = http::page(&c, &format!("{}/ui", s.app.url)).await;
    assert!(
        html.contains("新开的群：活码开出的新群还没有群二维码"),
        "{html}"
    );
    // With its QR uploaded, the group needs no attention.
    let png = b"\x89PNG\r\n\x1a\n....";
    quanzi_core::live_codes::upload_group_qr(
        &s.app.db,
        t.id,
        quanzi_domain::GroupId(g["group_id"].as_i64().unwrap()),
        png,
        "image/png",
        None,
    )
    .await
    .unwrap();
    let html = http::page(&c, &format!("{}/ui", s.app.url)).await;
    assert!(!html.contains("还没有群二维码"));
}
