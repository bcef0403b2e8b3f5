//! Money bounds, voids, erasures and masked phones against a real server (SQLite, or
//! PostgreSQL with `QUANZI_TEST_BACKEND=postgres`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_domain::access::OperatorRole;
use quanzi_domain::money::MAX_AMOUNT_FEN;
use quanzi_testkit::{Served, TestTenant, http, tenant};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

const RANGE: &str = "from=2026-11-02&to=2026-11-03";

/// 10:00 in Shanghai on 2026-11-02 plus `day` days.
fn at(day: i64) -> i64 {
    ((20_759 + day) * 86_400 + 2 * 3600) * 1000
}

fn ev(key: &str, kind: &str, m: i64, g: i64, amount: Option<i64>) -> Value {
    let mut e = json!({"idempotency_key": key, "kind": kind, "member_id": m, "group_id": g,
        "occurred_at_ms": at(0)});
    if let Some(a) = amount {
        e["amount_fen"] = json!(a);
    }
    e
}

fn card(v: &Value, key: &str) -> f64 {
    v["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key)
        .unwrap()["value"]
        .as_f64()
        .unwrap()
}

/// A tenant with a member (phone 13800138000) and a group: (tenant, member, group).
async fn shop(s: &Served, slug: &str) -> (TestTenant, i64, i64) {
    let t = tenant(&s.app.db, slug).await;
    let (st, m) = s
        .post(
            &t,
            "/api/v1/members",
            json!({"name": "王芳", "phone": "13800138000"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{m}");
    let (st, g) = s
        .post(&t, "/api/v1/groups", json!({"name": "宝妈群"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{g}");
    (
        t,
        m["member_id"].as_i64().unwrap(),
        g["group_id"].as_i64().unwrap(),
    )
}

/// A browser logged in as a new operator of `t` with `role`, and its CSRF token.
async fn operator(s: &Served, t: &TestTenant, role: OperatorRole) -> (Client, String) {
    s.operator(t, role).await
}

#[tokio::test]
async fn viewers_see_masked_phones_in_the_api_the_pages_and_the_exports() {
    let s = Served::new().await;
    let (t, m, _) = shop(&s, "mask").await;
    let (full, masked) = ("13800138000", "138****8000");

    // API: read keys read as viewers; write keys as operators.
    let one = format!("/api/v1/members/{m}");
    for _ in 0..2 {
        // Twice: the second answer may come from the member cache.
        assert_eq!(s.get_ok(&t, &one).await["phone"], masked);
        let (_, v) = s.call(&t.write_key, Method::GET, &one, None).await;
        assert_eq!(v["phone"], full);
    }
    assert_eq!(
        s.get_ok(&t, "/api/v1/members").await["items"][0]["phone"],
        masked
    );

    let (viewer, _) = operator(&s, &t, OperatorRole::Viewer).await;
    let (op, _) = operator(&s, &t, OperatorRole::Operator).await;
    let base = &s.app.url;
    for (c, show, hide) in [(&viewer, masked, full), (&op, full, masked)] {
        for path in [
            format!("/ui/members/{m}"),
            "/ui/members".to_string(),
            "/ui/members/export?format=csv".to_string(),
        ] {
            let body = http::page(c, &format!("{base}{path}")).await;
            assert!(body.contains(show), "{path} should show {show}");
            assert!(!body.contains(hide), "{path} must not show {hide}");
        }
        let r = c
            .get(format!("{base}/ui/members/export?format=xlsx"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = viewer
        .get(format!("{base}/api/v1/members/{m}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["phone"], masked);
}

#[tokio::test]
async fn a_voided_event_over_the_api_leaves_the_kpis_and_stays_listed_as_void() {
    let s = Served::new().await;
    let (t, m, g) = shop(&s, "void").await;
    let (st, v) = s
        .post(
            &t,
            "/api/v1/events",
            json!({"events": [ev("j", "join", m, g, None), ev("a", "order", m, g, Some(1_000)),
                ev("b", "order", m, g, Some(400))]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let list = s.get_ok(&t, "/api/v1/events?kind=order").await;
    let id = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["idempotency_key"] == "b")
        .unwrap()["event_id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/events/{id}/void");
    let (st, _) = s
        .call(
            &t.read_key,
            Method::POST,
            &path,
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, v) = s.post(&t, &path, json!({"reason": ""})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"][0]["field"], "reason");
    let (st, v) = s
        .post(&t, "/api/v1/events/99999999/void", json!({"reason": "x"}))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    let (st, v) = s.post(&t, &path, json!({"reason": "entered twice"})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["reason"], "entered twice");
    assert!(v["voided_by"].as_str().unwrap().starts_with("api_key:"));

    let o = s.get_ok(&t, &format!("/api/v1/kpi/overview?{RANGE}")).await;
    assert_eq!((card(&o, "gmv_fen"), card(&o, "orders")), (1_000.0, 1.0));
    let list = s.get_ok(&t, "/api/v1/events?kind=order").await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "a voided event is kept and listed");
    let voided: Vec<&Value> = items.iter().filter(|e| !e["void"].is_null()).collect();
    assert_eq!(voided.len(), 1);
    assert_eq!(voided[0]["event_id"], id);
    // The member's timeline shows it as void.
    let (owner, _) = operator(&s, &t, OperatorRole::Admin).await;
    let page = http::page(&owner, &format!("{}/ui/members/{m}", s.app.url)).await;
    assert!(page.contains("badge void"));

    // The timeline's button: viewers are refused, operators void and come back.
    let a = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["idempotency_key"] == "a")
        .unwrap()["event_id"]
        .as_i64()
        .unwrap();
    let url = format!("{}/ui/events/{a}/void", s.app.url);
    let (viewer, vcsrf) = operator(&s, &t, OperatorRole::Viewer).await;
    let form = |csrf: &str| {
        vec![
            ("_csrf", csrf.to_string()),
            ("reason", "test order".to_string()),
            ("member_id", m.to_string()),
        ]
    };
    let r = viewer.post(&url).form(&form(&vcsrf)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (op, ocsrf) = operator(&s, &t, OperatorRole::Operator).await;
    let r = op.post(&url).form(&form("forged")).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "a forged CSRF token is refused"
    );
    let r = op.post(&url).form(&form(&ocsrf)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let o = s.get_ok(&t, &format!("/api/v1/kpi/overview?{RANGE}")).await;
    assert_eq!((card(&o, "gmv_fen"), card(&o, "orders")), (0.0, 0.0));
}

#[tokio::test]
async fn erasing_a_member_is_for_admins_idempotent_and_logged() {
    let s = Served::new().await;
    let (t, m, _) = shop(&s, "erase").await;
    let path = format!("/api/v1/members/{m}/erase");
    let (st, _) = s.post(&t, &path, json!({})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a write key is not an admin");
    let (admin, csrf) = operator(&s, &t, OperatorRole::Admin).await;
    let url = format!("{}{path}", s.app.url);
    let mut first = Value::Null;
    for _ in 0..2 {
        let r = admin
            .post(&url)
            .header("x-csrf-token", csrf.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["member_id"], m);
        if first.is_null() {
            first = v;
        } else {
            assert_eq!(v, first, "a repeat answers the first erasure");
        }
    }
    // The member page's button: operators are refused, admins erase (again: idempotent).
    let ui = format!("{}/ui/members/{m}/erase", s.app.url);
    let (op, ocsrf) = operator(&s, &t, OperatorRole::Operator).await;
    let r = op
        .post(&ui)
        .form(&[("_csrf", &ocsrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = admin
        .post(&ui)
        .form(&[("_csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = http::page(&admin, &format!("{}/ui/members/{m}", s.app.url)).await;
    assert!(!page.contains("13800138000") && !page.contains("王芳"));
    let v = s.get_ok(&t, &format!("/api/v1/members/{m}")).await;
    assert_eq!(
        (v["name"].as_str(), &v["phone"]),
        (Some(&*format!("erased-{m}")), &Value::Null)
    );
    let log: Value = admin
        .get(format!("{}/api/v1/member-erasures", s.app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["items"], json!([first]));
    let (st, _) = s
        .call(&t.read_key, Method::GET, "/api/v1/member-erasures", None)
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn events_at_the_amount_bound_keep_the_dashboard_and_kpis_correct_and_200() {
    let s = Served::new().await;
    let (t, m, g) = shop(&s, "bound").await;
    let n = 5_000i64;
    let events: Vec<Value> = (0..n)
        .map(|i| ev(&format!("o{i}"), "order", m, g, Some(MAX_AMOUNT_FEN)))
        .collect();
    let (st, v) = s
        .post(&t, "/api/v1/events", json!({ "events": events }))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    for bad in [
        ev("x", "order", m, g, Some(MAX_AMOUNT_FEN + 1)),
        ev("y", "message", m, g, Some(1)),
        ev("z", "order", m, g, Some(i64::MAX)),
    ] {
        let (st, v) = s
            .post(&t, "/api/v1/events", json!({ "events": [bad] }))
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "amount_fen");
    }
    let o = s.get_ok(&t, &format!("/api/v1/kpi/overview?{RANGE}")).await;
    assert_eq!(card(&o, "gmv_fen"), (n * MAX_AMOUNT_FEN) as f64);
    for path in ["groups", "products", "retention", "funnel"] {
        s.get_ok(&t, &format!("/api/v1/kpi/{path}?{RANGE}")).await;
    }
    let (owner, _) = operator(&s, &t, OperatorRole::Admin).await;
    http::page(&owner, &format!("{}/ui", s.app.url)).await;
    http::page(&owner, &format!("{}/ui/members/{m}", s.app.url)).await;
}

#[tokio::test]
async fn the_openapi_document_states_the_amount_bound_and_the_correction_endpoints() {
    let s = Served::new().await;
    let v = s.get_json("/api/openapi.json").await;
    for p in [
        "/api/v1/events/{id}/void",
        "/api/v1/members/{id}/erase",
        "/api/v1/member-erasures",
    ] {
        assert!(v["paths"].get(p).is_some(), "{p} missing");
    }
    let amount = &v["components"]["schemas"]["EventInput"]["properties"]["amount_fen"];
    assert_eq!(
        amount["maximum"].as_f64(),
        Some(MAX_AMOUNT_FEN as f64),
        "{amount}"
    );
    assert!(
        amount["description"]
            .as_str()
            .unwrap()
            .contains("100000000000")
    );
}
