//! Operator pages page by keyset cursors: a member's timeline, a group's history, the settings
//! page's jobs; a next link while there is more, each row shown once across the pages, even
//! where they share one timestamp.

#![allow(missing_docs)]

use quanzi_testkit::{Served, http, tenant};
use serde_json::{Value, json};

#[tokio::test]
async fn a_members_timeline_pages_through_every_event_once_in_the_operator_ui() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "timeline").await;
    let (status, m) = s
        .post(&t, "/api/v1/members", json!({ "name": "王芳" }))
        .await;
    assert!(status.is_success(), "{m}");
    let m = m["member_id"].as_i64().unwrap_or_default();
    let at = quanzi_core::read::now_ms() - 3_600_000;
    // 150 events, on three timestamps only.
    let events: Vec<Value> = (0..150)
        .map(|i| {
            json!({"idempotency_key": format!("t{i}"), "kind": "message",
            "member_id": m, "occurred_at_ms": at + i % 3, "reference": format!("ref-{i:03}")})
        })
        .collect();
    let (status, body) = s
        .post(&t, "/api/v1/events", json!({ "events": events }))
        .await;
    assert!(status.is_success(), "{body}");

    let (c, _) = http::logged_in(&s.app.url, &t.owner_email, &t.password).await;
    let mut url = format!("{}/ui/members/{m}", s.app.url);
    let mut seen = Vec::new();
    for _ in 0..10 {
        let html = c
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .text()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        seen.extend(
            html.match_indices("ref-")
                .map(|(i, _)| html[i..i + 7].to_owned()),
        );
        let marker = "?events_cursor=";
        match html.find(marker) {
            Some(i) => {
                let c: String = html[i + marker.len()..]
                    .chars()
                    .take_while(|ch| ch.is_ascii_digit() || *ch == '.')
                    .collect();
                url = format!("{}/ui/members/{m}?events_cursor={c}", s.app.url);
            }
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (150, 150), "{seen:?}");
}

/// Every page of `start` in the logged-in browser `c`, following the link whose query starts
/// with `marker`; answers the `prefix`ed names shown, in order.
async fn walk(
    c: &reqwest::Client,
    base: &str,
    start: &str,
    marker: &str,
    prefix: &str,
) -> Vec<String> {
    let mut url = format!("{base}{start}");
    let mut seen = Vec::new();
    for _ in 0..20 {
        let html = c
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .text()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        seen.extend(
            html.match_indices(prefix)
                .map(|(i, _)| html[i..i + prefix.len() + 2].to_owned()),
        );
        match html.find(marker) {
            Some(i) => {
                let c: String = html[i..]
                    .chars()
                    .take_while(|ch| *ch != '"' && *ch != '#')
                    .collect();
                url = format!("{base}{}", c.replace("&amp;", "&"));
            }
            None => break,
        }
    }
    seen
}

#[tokio::test]
async fn the_settings_jobs_table_pages_through_every_job_once() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "jobs").await;
    for i in 0..45 {
        let job = quanzi_core::jobs::NewJob {
            kind: format!("paged-{i:02}"),
            payload: json!({}),
            run_at_ms: i64::MAX / 2,
            max_attempts: 1,
            backoff_ms: 0,
            singleton_key: None,
        };
        quanzi_core::jobs::enqueue(&s.app.db, t.id, &job)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let (c, _) = http::logged_in(&s.app.url, &t.owner_email, &t.password).await;
    let seen = walk(
        &c,
        &s.app.url,
        "/ui/settings",
        "/ui/settings?jobs_before=",
        "paged-",
    )
    .await;
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (45, 45), "{seen:?}");
    // Newest first: the last job made is shown first.
    assert_eq!(seen.first().map(String::as_str), Some("paged-44"));
}

#[tokio::test]
async fn a_groups_history_pages_through_every_change_once_in_the_operator_ui() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "history").await;
    let (status, g) = s
        .post(&t, "/api/v1/groups", json!({ "name": "读书会" }))
        .await;
    assert!(status.is_success(), "{g}");
    let g = g["group_id"].as_i64().unwrap_or_default();
    let at = quanzi_core::read::now_ms() - 3_600_000;
    let mut events = Vec::new();
    for i in 0..75 {
        let (status, m) = s
            .post(
                &t,
                "/api/v1/members",
                json!({ "name": format!("hist-{i:02}") }),
            )
            .await;
        assert!(status.is_success(), "{m}");
        // Every join at one of two instants.
        events.push(json!({"idempotency_key": format!("j{i}"), "kind": "join",
            "member_id": m["member_id"], "group_id": g, "occurred_at_ms": at + i % 2}));
    }
    let (status, body) = s
        .post(&t, "/api/v1/events", json!({ "events": events }))
        .await;
    assert!(status.is_success(), "{body}");
    let (c, _) = http::logged_in(&s.app.url, &t.owner_email, &t.password).await;
    let mut url = format!("{}/ui/groups/{g}", s.app.url);
    let mut seen = Vec::new();
    for _ in 0..10 {
        let html = c
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .text()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // The history card only: from its heading to the end of its table.
        let start = html
            .find("最近动态")
            .unwrap_or_else(|| panic!("no history card"));
        let card = &html[start..];
        let card = &card[..card.find("</table>").unwrap_or(card.len())];
        seen.extend(
            card.match_indices("hist-")
                .map(|(i, _)| card[i..i + 7].to_owned()),
        );
        let marker = "?history_cursor=";
        match html.find(marker) {
            Some(i) => {
                let c: String = html[i + marker.len()..]
                    .chars()
                    .take_while(|ch| ch.is_ascii_digit() || *ch == '.')
                    .collect();
                url = format!("{}/ui/groups/{g}?history_cursor={c}", s.app.url);
            }
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (75, 75), "{seen:?}");
}

/// The member ids a member-list page shows, in order, and its previous and next links.
fn list_page(html: &str) -> (Vec<i64>, Option<String>, Option<String>) {
    let ids = html
        .split("name=\"member_id\" value=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect();
    let link = |id: &str| {
        let i = html.find(&format!("id=\"{id}\""))?;
        let start = html[..i].rfind("href=\"")? + 6;
        Some(html[start..].split('"').next()?.replace("&amp;", "&"))
    };
    (ids, link("members-prev"), link("members-next"))
}

#[tokio::test]
async fn the_member_list_pages_forward_and_back_by_keyset() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "pager").await;
    for i in 0..120 {
        let (st, _) = s
            .post(
                &t,
                "/api/v1/members",
                json!({ "name": format!("会员{i:03}") }),
            )
            .await;
        assert!(st.is_success());
    }
    let (c, _) = http::logged_in(&s.app.url, &t.owner_email, &t.password).await;
    let mut url = format!("{}/ui/members", s.app.url);
    let mut pages = Vec::new();
    loop {
        let (ids, prev, next) = list_page(&http::page(&c, &url).await);
        assert_eq!(
            prev.is_some(),
            !pages.is_empty(),
            "a previous link except on the first page"
        );
        pages.push(ids);
        match next {
            Some(n) => url = format!("{}{n}", s.app.url),
            None => break,
        }
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [50, 50, 20]);
    let all: Vec<i64> = pages.concat();
    assert!(
        all.windows(2).all(|w| w[0] < w[1]),
        "each member once, in order"
    );
    // Back from the last page: the same pages again, the first with no previous link.
    let (_, prev, _) = list_page(&http::page(&c, &url).await);
    let (ids, prev, _) =
        list_page(&http::page(&c, &format!("{}{}", s.app.url, prev.unwrap())).await);
    assert_eq!(ids, pages[1]);
    let (ids, prev, next) =
        list_page(&http::page(&c, &format!("{}{}", s.app.url, prev.unwrap())).await);
    assert_eq!((ids, prev, next.is_some()), (pages[0].clone(), None, true));
}

#[tokio::test]
async fn a_members_timeline_is_narrowed_to_one_kind() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "tlkind").await;
    let (_, m) = s
        .post(&t, "/api/v1/members", json!({ "name": "王芳" }))
        .await;
    let m = m["member_id"].as_i64().unwrap_or_default();
    let at = quanzi_core::read::now_ms() - 3_600_000;
    let events: Vec<Value> = (0..30)
        .map(|i| {
            let kind = if i % 3 == 0 { "order" } else { "message" };
            let mut e = json!({"idempotency_key": format!("k{i}"), "kind": kind, "member_id": m,
                "occurred_at_ms": at + i, "reference": format!("ref-{i:03}")});
            if kind == "order" {
                e["amount_fen"] = json!(100);
            }
            e
        })
        .collect();
    let (st, _) = s
        .post(&t, "/api/v1/events", json!({ "events": events }))
        .await;
    assert!(st.is_success());
    let (c, _) = http::logged_in(&s.app.url, &t.owner_email, &t.password).await;
    let html = http::page(&c, &format!("{}/ui/members/{m}?kind=order", s.app.url)).await;
    assert_eq!(html.matches("ref-").count(), 10, "only the orders");
    assert!(html.contains("<option value=\"order\" selected>"));
    // An unknown kind is ignored rather than answering an empty timeline.
    let html = http::page(&c, &format!("{}/ui/members/{m}?kind=nope", s.app.url)).await;
    assert_eq!(html.matches("ref-").count(), 30);
}
